//! The scale path's query: CloudTrail aggregated where it is stored (Amazon Athena over the
//! CloudTrail table, Amazon Security Lake's OCSF table, or DuckDB over the raw files), so that
//! `iampol generate --from-summary` ([`super::summary_input`]) reads one row per distinct call
//! instead of every event.
//!
//! A row holds everything the generator reads from an event (the caller, the call, its region,
//! account, error, request parameters, response elements, resource ARNs and source address;
//! [`SUMMARY_COLUMNS`]), the number of calls, and the first and last event time. Reading the
//! rows gives the same policies as reading the events, because the generator keeps, per
//! principal and action, the set of resources with the earliest context of a call, and counts.
//!
//! The three queries are SQL templates (`sql/*.sql`) with two holes: `{{source}}` (the table,
//! or the files for DuckDB) and `{{filter}}` (the time window and regions).

use std::fmt::Write as _;

/// The columns of a summary, in the order the queries write them.
pub const SUMMARY_COLUMNS: &[&str] = &[
    "user_type",
    "user_arn",
    "user_account_id",
    "invoked_by",
    "issuer_type",
    "issuer_arn",
    "mfa_authenticated",
    "event_source",
    "event_name",
    "event_type",
    "aws_region",
    "recipient_account_id",
    "error_code",
    "read_only",
    "source_ip_address",
    "request_parameters",
    "response_elements",
    "resource_arns",
    "calls",
    "first_seen",
    "last_seen",
    "denied",
];

const ATHENA: &str = include_str!("sql/athena.sql");
const SECURITY_LAKE: &str = include_str!("sql/security_lake.sql");
const DUCKDB: &str = include_str!("sql/duckdb.sql");

/// The table Athena's guide creates ("Create the table for CloudTrail logs in Athena using
/// partition projection").
pub const ATHENA_DEFAULT_TABLE: &str = "cloudtrail_logs_pp";

/// Where the query runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Amazon Athena, over the CloudTrail table with partition projection.
    Athena,
    /// Amazon Security Lake's CloudTrail management events table (OCSF 1.1.0), with Athena.
    SecurityLake,
    /// DuckDB, over the CloudTrail JSON files themselves.
    DuckDb,
}

/// What the query reads and selects.
#[derive(Debug, Clone, Default)]
pub struct QueryOptions {
    /// The table (`db.table`, or `catalog.db.table`) for Athena and Security Lake; the files
    /// (a path or glob, local or `s3://`) for DuckDB. Athena's default is
    /// [`ATHENA_DEFAULT_TABLE`]; the others have none.
    pub source: Option<String>,
    /// Only events at or after this time (`YYYY-MM-DDTHH:MM:SSZ`, UTC).
    pub since: Option<String>,
    /// Only events at or before this time (same form).
    pub until: Option<String>,
    /// Only calls to these regions (`awsRegion`).
    pub regions: Vec<String>,
}

/// Why a query could not be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    /// The dialect needs a table or files, and none was given.
    #[error("the {dialect} query needs {what}")]
    MissingSource {
        /// The dialect's name.
        dialect: &'static str,
        /// What to give.
        what: &'static str,
    },
    /// A table name with characters other than letters, digits and `_` between dots.
    #[error("`{0}` is not a table name (`table`, `database.table` or `catalog.database.table`)")]
    BadTable(String),
    /// A time that is not `YYYY-MM-DDTHH:MM:SSZ`.
    #[error("`{0}` is not a UTC time of the form `2024-08-01T00:00:00Z`")]
    BadTime(String),
    /// A region name with characters other than lowercase letters, digits and `-`.
    #[error("`{0}` is not a region name")]
    BadRegion(String),
}

impl Dialect {
    /// The name on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Dialect::Athena => "athena",
            Dialect::SecurityLake => "security-lake",
            Dialect::DuckDb => "duckdb",
        }
    }

    fn template(self) -> &'static str {
        match self {
            Dialect::Athena => ATHENA,
            Dialect::SecurityLake => SECURITY_LAKE,
            Dialect::DuckDb => DUCKDB,
        }
    }
}

/// The summary query for a dialect.
pub fn summary_query(dialect: Dialect, options: &QueryOptions) -> Result<String, QueryError> {
    let source = match (dialect, options.source.as_deref()) {
        (Dialect::DuckDb, Some(files)) => sql_string(files),
        (Dialect::DuckDb, None) => {
            return Err(QueryError::MissingSource {
                dialect: "duckdb",
                what: "the CloudTrail files to read (a path or glob)",
            })
        }
        (_, Some(table)) => table_name(table)?,
        (Dialect::Athena, None) => table_name(ATHENA_DEFAULT_TABLE)?,
        (Dialect::SecurityLake, None) => {
            return Err(QueryError::MissingSource {
                dialect: "security-lake",
                what: "its table (`amazon_security_lake_glue_db_<region>.amazon_security_lake_table_<region>_cloud_trail_mgmt_2_0`)",
            })
        }
    };
    let filter = filter(dialect, options)?;
    Ok(dialect
        .template()
        .replace("{{source}}", &source)
        .replace("{{filter}}", &filter))
}

/// A SQL string literal.
fn sql_string(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// A table name, each part quoted.
fn table_name(name: &str) -> Result<String, QueryError> {
    let parts: Vec<&str> = name.split('.').collect();
    let valid = (1..=3).contains(&parts.len())
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
    if !valid {
        return Err(QueryError::BadTable(name.to_string()));
    }
    Ok(parts
        .iter()
        .map(|p| format!("\"{p}\""))
        .collect::<Vec<_>>()
        .join("."))
}

/// Checks a time of the form `YYYY-MM-DDTHH:MM:SSZ`.
fn checked_time(t: &str) -> Result<&str, QueryError> {
    let ok =
        t.len() == 20 && chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%SZ").is_ok();
    if ok {
        Ok(t)
    } else {
        Err(QueryError::BadTime(t.to_string()))
    }
}

/// The day before (`delta` = -1) or after (+1) a time's date, as `yyyy/MM/dd` (the Athena
/// table's partition). CloudTrail files are kept under the day they were delivered, which can
/// follow the day of their events.
fn partition_day(t: &str, delta: i64) -> Option<String> {
    let dt = chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%SZ").ok()?;
    let day = dt
        .date()
        .checked_add_signed(chrono::TimeDelta::try_days(delta)?)?;
    Some(day.format("%Y/%m/%d").to_string())
}

/// The `WHERE` clause: the time window (with the partition for Athena) and the regions.
fn filter(dialect: Dialect, options: &QueryOptions) -> Result<String, QueryError> {
    let since = options.since.as_deref().map(checked_time).transpose()?;
    let until = options.until.as_deref().map(checked_time).transpose()?;
    for r in &options.regions {
        let ok = !r.is_empty()
            && r.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !ok {
            return Err(QueryError::BadRegion(r.clone()));
        }
    }
    let mut conditions: Vec<String> = Vec::new();
    let (time, region) = match dialect {
        Dialect::Athena => ("eventtime", "awsregion"),
        Dialect::SecurityLake => ("time_dt", "cloud.region"),
        Dialect::DuckDb => ("event_time", "aws_region"),
    };
    if dialect == Dialect::Athena {
        // The partition first, so that Athena reads only those days.
        if let Some(day) = since.and_then(|s| partition_day(s, -1)) {
            conditions.push(format!("\"timestamp\" >= '{day}'"));
        }
        if let Some(day) = until.and_then(|u| partition_day(u, 1)) {
            conditions.push(format!("\"timestamp\" <= '{day}'"));
        }
    }
    for (t, op) in [(since, ">="), (until, "<=")] {
        let Some(t) = t else {
            continue;
        };
        conditions.push(match dialect {
            // `time_dt` is a timestamp: compare with one (`TIMESTAMP '2024-08-01 00:00:00'`).
            Dialect::SecurityLake => format!(
                "{time} {op} TIMESTAMP '{}'",
                t.trim_end_matches('Z').replace('T', " ")
            ),
            // CloudTrail's eventTime text sorts as the time it names.
            Dialect::Athena | Dialect::DuckDb => format!("{time} {op} '{t}'"),
        });
    }
    if !options.regions.is_empty() {
        let list = options
            .regions
            .iter()
            .map(|r| format!("'{r}'"))
            .collect::<Vec<_>>()
            .join(", ");
        conditions.push(format!("{region} IN ({list})"));
    }
    let mut out = String::new();
    for (i, c) in conditions.iter().enumerate() {
        let word = if i == 0 { "WHERE" } else { "  AND" };
        let _ = writeln!(out, "{word} {c}");
    }
    // The template's line holds the clause; keep it free of a trailing line break.
    Ok(out.trim_end().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names each template gives its output columns (`AS name` at the end of a line of
    /// the outer `SELECT`, or a bare column name there).
    fn output_columns(template: &str) -> Vec<String> {
        // The outer SELECT is the last one; its list ends at `FROM`.
        let start = template.rfind("\nSELECT\n").unwrap() + "\nSELECT\n".len();
        let end = start + template[start..].find("\nFROM ").unwrap();
        let mut names = Vec::new();
        let mut depth = 0i32;
        let mut item = String::new();
        for c in template[start..end].chars() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ => {}
            }
            if c == ',' && depth == 0 {
                names.push(std::mem::take(&mut item));
            } else {
                item.push(c);
            }
        }
        names.push(item);
        names
            .iter()
            .map(|i| {
                let i = i.trim();
                i.rsplit_once(" AS ")
                    .map_or(i, |(_, n)| n)
                    .trim()
                    .to_string()
            })
            .collect()
    }

    #[test]
    fn every_template_writes_the_summary_columns_in_order() {
        for dialect in [Dialect::Athena, Dialect::SecurityLake, Dialect::DuckDb] {
            assert_eq!(
                output_columns(dialect.template()),
                SUMMARY_COLUMNS,
                "{}",
                dialect.as_str()
            );
        }
    }

    #[test]
    fn fills_the_source_and_the_window() {
        let options = QueryOptions {
            source: Some("logs.cloudtrail".into()),
            since: Some("2024-08-01T00:00:00Z".into()),
            until: Some("2024-08-31T23:59:59Z".into()),
            regions: vec!["us-east-1".into(), "eu-west-1".into()],
        };
        let q = summary_query(Dialect::Athena, &options).unwrap();
        assert!(q.contains("FROM \"logs\".\"cloudtrail\"\n"), "{q}");
        assert!(q.contains(
            "WHERE \"timestamp\" >= '2024/07/31'\n  AND \"timestamp\" <= '2024/09/01'\n  AND eventtime >= '2024-08-01T00:00:00Z'\n  AND eventtime <= '2024-08-31T23:59:59Z'\n  AND awsregion IN ('us-east-1', 'eu-west-1')\nGROUP BY"
        ), "{q}");
        assert!(!q.contains("{{"), "{q}");
        let q = summary_query(Dialect::SecurityLake, &options).unwrap();
        assert!(
            q.contains("WHERE time_dt >= TIMESTAMP '2024-08-01 00:00:00'\n"),
            "{q}"
        );
        assert!(
            q.contains("cloud.region IN ('us-east-1', 'eu-west-1')"),
            "{q}"
        );
        let q = summary_query(
            Dialect::DuckDb,
            &QueryOptions {
                source: Some("trail/o'brien/*.json".into()),
                ..QueryOptions::default()
            },
        )
        .unwrap();
        assert!(
            q.contains("read_json_objects('trail/o''brien/*.json', format"),
            "{q}"
        );
        assert!(q.contains("FROM fields\n\nGROUP BY"), "{q}");
        // Athena's default table is the guide's.
        let q = summary_query(Dialect::Athena, &QueryOptions::default()).unwrap();
        assert!(q.contains("FROM \"cloudtrail_logs_pp\"\n"), "{q}");
    }

    #[test]
    fn refuses_what_would_break_the_query() {
        let with = |source: &str| QueryOptions {
            source: Some(source.into()),
            ..QueryOptions::default()
        };
        assert!(matches!(
            summary_query(Dialect::Athena, &with("logs; DROP TABLE x")),
            Err(QueryError::BadTable(_))
        ));
        assert!(matches!(
            summary_query(Dialect::Athena, &with("a.b.c.d")),
            Err(QueryError::BadTable(_))
        ));
        assert!(matches!(
            summary_query(Dialect::SecurityLake, &QueryOptions::default()),
            Err(QueryError::MissingSource { .. })
        ));
        assert!(matches!(
            summary_query(Dialect::DuckDb, &QueryOptions::default()),
            Err(QueryError::MissingSource { .. })
        ));
        let bad_time = QueryOptions {
            since: Some("2024-08-01' OR 1=1".into()),
            ..QueryOptions::default()
        };
        assert!(matches!(
            summary_query(Dialect::Athena, &bad_time),
            Err(QueryError::BadTime(_))
        ));
        let bad_region = QueryOptions {
            regions: vec!["us-east-1'".into()],
            ..QueryOptions::default()
        };
        assert!(matches!(
            summary_query(Dialect::Athena, &bad_region),
            Err(QueryError::BadRegion(_))
        ));
    }
}
