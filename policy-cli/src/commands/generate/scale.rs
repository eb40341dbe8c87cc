//! The scale path of `iampol generate`: `--emit-sql` prints the query that aggregates CloudTrail
//! where it is stored, and `--from-summary` reads that query's result instead of the events.

use std::io::{Read, Write};
use std::path::PathBuf;

use policy_lint::generate::aggregate::{Activity, Selection};
use policy_lint::generate::cloudtrail::Input;
use policy_lint::generate::sql::{summary_query, Dialect, QueryOptions};
use policy_lint::generate::summary_input::read_summaries_and_requests;
use policy_lint::generate::verify::RecordedRequests;

use policy_cli::render::escape::escape_line;

use super::{time_window, TrailArgs};
use crate::exit::ExitStatus;

/// `--emit-sql`, `--sql-from` and `--from-summary`.
#[derive(Debug, clap::Args)]
pub struct ScaleArgs {
    /// Print the query that aggregates CloudTrail where it is stored, one row per distinct call,
    /// for `--from-summary`: `athena` (the CloudTrail table with partition projection),
    /// `security-lake` (its CloudTrail table, OCSF) or `duckdb` (the JSON files). `--since`,
    /// `--until` and `--region` go into the query.
    #[arg(
        long,
        value_enum,
        value_name = "DIALECT",
        conflicts_with_all = ["cloudtrail", "from_summary", "principals", "accounts", "out_dir"]
    )]
    pub emit_sql: Option<SqlDialect>,
    /// With `--emit-sql`: the table (athena: default `cloudtrail_logs_pp`; security-lake:
    /// `amazon_security_lake_glue_db_<region>.amazon_security_lake_table_<region>_cloud_trail_mgmt_2_0`),
    /// or for duckdb the CloudTrail files (a path or glob, local or `s3://`).
    #[arg(long, value_name = "TABLE|FILES", requires = "emit_sql")]
    pub sql_from: Option<String>,
    /// Read the `--emit-sql` query's result instead of CloudTrail (CSV with a header, a JSON
    /// array or NDJSON; gzip or not; `-` reads standard input): the same policies as from the
    /// events. The time window belongs in the query.
    #[arg(
        long,
        value_name = "FILE",
        num_args = 1..,
        conflicts_with_all = ["cloudtrail", "since", "until"]
    )]
    pub from_summary: Vec<PathBuf>,
}

/// Where the aggregation query runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SqlDialect {
    /// Amazon Athena, over the CloudTrail table created with partition projection.
    Athena,
    /// Amazon Security Lake's CloudTrail management events table (OCSF 1.1.0), with Athena.
    SecurityLake,
    /// DuckDB, over the CloudTrail JSON files.
    Duckdb,
}

/// Prints the query: exit 0, or 2 with the reason.
pub(super) fn emit_sql(dialect: SqlDialect, scale: &ScaleArgs, trail: &TrailArgs) -> ExitStatus {
    let mut err = std::io::stderr();
    let (since, until) = match time_window(trail.since.as_deref(), trail.until.as_deref()) {
        Ok(w) => w,
        Err(e) => {
            let _ = writeln!(err, "error: {}", escape_line(&e));
            return ExitStatus::Error;
        }
    };
    let dialect = match dialect {
        SqlDialect::Athena => Dialect::Athena,
        SqlDialect::SecurityLake => Dialect::SecurityLake,
        SqlDialect::Duckdb => Dialect::DuckDb,
    };
    let options = QueryOptions {
        source: scale.sql_from.clone(),
        since,
        until,
        regions: trail.regions.clone(),
    };
    match summary_query(dialect, &options) {
        Ok(query) => {
            let mut out = std::io::stdout().lock();
            if writeln!(out, "{}", query.trim_end()).is_err() {
                return ExitStatus::Error;
            }
            ExitStatus::Success
        }
        Err(e) => {
            let _ = writeln!(
                err,
                "error: {} (give it with --sql-from)",
                escape_line(&e.to_string())
            );
            ExitStatus::Error
        }
    }
}

/// Reads the summaries. `Err` when one does not exist or none can be used.
pub(super) fn read(
    files: &[PathBuf],
    selection: Selection,
) -> Result<(Activity, RecordedRequests), String> {
    let mut inputs = Vec::new();
    let mut stdin_used = false;
    for path in files {
        if path.as_os_str() == "-" {
            if !stdin_used {
                stdin_used = true;
                let reader: Box<dyn Read + Send> = Box::new(std::io::stdin());
                inputs.push(Input::Stream {
                    name: "<stdin>".into(),
                    reader,
                });
            }
        } else if path.is_file() {
            inputs.push(Input::Path(path.clone()));
        } else if path.exists() {
            // A directory, a device or a pipe: a summary is one regular file.
            return Err(format!("{}: not a regular file", path.display()));
        } else {
            return Err(format!("{}: no such file", path.display()));
        }
    }
    read_summaries_and_requests(inputs, selection).map_err(|e| e.to_string())
}
