//! The scale path end to end: `iampol generate --emit-sql` prints the aggregation query, DuckDB
//! runs it on `corpus/cloudtrail/`, and `iampol generate --from-summary` on its result (CSV as
//! Athena writes it, NDJSON, a JSON array) writes byte-identical policies, and the same
//! per-principal summary, as `iampol generate --cloudtrail corpus/cloudtrail`.
//!
//! DuckDB comes from PyPI: `IAMPOL_DUCKDB_PYTHON` names a Python interpreter that can
//! `import duckdb` (`.ci/run` makes one in a venv). Without it, `python3` is tried; when
//! neither has DuckDB the test is skipped with a note, except under `CI=true`, where it fails.
#![expect(
    clippy::doc_markdown,
    reason = "the docs name products (DuckDB, Athena, PyPI) in prose"
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn iampol(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_iampol"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A scratch directory, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("iampol-scale-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn join(&self, name: &str) -> String {
        self.0.join(name).to_str().unwrap().to_string()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A Python interpreter with DuckDB, or `None` (after a note, or a failure under CI).
fn duckdb_python() -> Option<PathBuf> {
    let has_duckdb = |python: &Path| {
        Command::new(python)
            .args(["-c", "import duckdb"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if let Some(p) = std::env::var_os("IAMPOL_DUCKDB_PYTHON") {
        let p = PathBuf::from(p);
        assert!(
            has_duckdb(&p),
            "IAMPOL_DUCKDB_PYTHON={} cannot import duckdb",
            p.display()
        );
        return Some(p);
    }
    let python = PathBuf::from("python3");
    if has_duckdb(&python) {
        return Some(python);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "DuckDB is missing: .ci/run installs it from PyPI and sets IAMPOL_DUCKDB_PYTHON"
    );
    eprintln!(
        "skipped: no DuckDB (set IAMPOL_DUCKDB_PYTHON to a Python with `pip install duckdb`)"
    );
    None
}

const CORPUS: &str = "corpus/cloudtrail";
const TRAIL_GLOB: &str = "corpus/cloudtrail/**/*.json";
/// A window that leaves some of the corpus out (its events run from 2024-07-30 to 2024-11-30).
const SINCE: &str = "2024-08-02T08:25:00Z";
const UNTIL: &str = "2024-10-01T00:00:00Z";

/// Prints the query for a dialect and runs it with DuckDB (see `support/duckdb_summary.py`);
/// returns the prefix of its `.csv`, `.ndjson` and `.json` results.
fn run_query(
    python: &Path,
    scratch: &Scratch,
    dialect: &str,
    extra: &[&str],
    label: &str,
) -> String {
    let mut args = vec!["generate", "--emit-sql", dialect];
    args.extend_from_slice(extra);
    let out = iampol(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let query = scratch.join(&format!("{label}.sql"));
    std::fs::write(&query, &out.stdout).unwrap();
    let prefix = scratch.join(label);
    let script = root().join("policy-cli/tests/support/duckdb_summary.py");
    let run = Command::new(python)
        .arg(&script)
        .args([dialect, &query, TRAIL_GLOB, &prefix])
        .current_dir(root())
        .output()
        .unwrap();
    assert!(run.status.success(), "{label}: {}", text(&run.stderr));
    prefix
}

/// What one `iampol generate --out-dir … --format json` run wrote.
struct Generated {
    status: Option<i32>,
    files: BTreeMap<String, Vec<u8>>,
    json: Value,
}

fn generate(input: &[&str], window: bool, scratch: &Scratch, label: &str) -> Generated {
    let out_dir = scratch.join(label);
    let mut args = vec!["generate", "--out-dir", &out_dir, "--format", "json"];
    args.extend_from_slice(input);
    if window {
        args.extend_from_slice(&["--since", SINCE, "--until", UNTIL]);
    }
    let out = iampol(&args);
    let files = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    let mut json: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{label}: {e}: {}", text(&out.stderr)));
    // File paths name the output directory; what is read differs in files and bytes.
    for p in json["policies"].as_array_mut().unwrap() {
        p.as_object_mut().unwrap().remove("files");
    }
    for p in json["summary"]["principals"].as_array_mut().unwrap() {
        for d in p["policies"].as_array_mut().unwrap() {
            d.as_object_mut().unwrap().remove("file");
        }
    }
    let counts = json["summary"]["counts"].as_object_mut().unwrap();
    for k in ["inputs", "bytes", "jsonBytes"] {
        counts.remove(k);
    }
    Generated {
        status: out.status.code(),
        files,
        json,
    }
}

/// The events' run and the summary's wrote the same files and the same JSON. With a window,
/// the summary's query left out the events the events' run counts as filtered out.
fn assert_same(events: &Generated, summary: &Generated, label: &str) {
    assert_eq!(summary.status, events.status, "{label}: exit status");
    let kept = |g: &Generated| {
        let c = &g.json["summary"]["counts"];
        c["events"].as_u64().unwrap() - c["filteredOut"].as_u64().unwrap()
    };
    assert_eq!(kept(summary), kept(events), "{label}: events kept");
    let mut events_json = events.json.clone();
    let mut summary_json = summary.json.clone();
    for json in [&mut events_json, &mut summary_json] {
        let counts = json["summary"]["counts"].as_object_mut().unwrap();
        counts.remove("events");
        counts.remove("filteredOut");
    }
    assert_eq!(
        summary.files.keys().collect::<Vec<_>>(),
        events.files.keys().collect::<Vec<_>>(),
        "{label}: policy files"
    );
    for (name, bytes) in &events.files {
        assert!(summary.files[name] == *bytes, "{label}: {name} differs");
    }
    assert_eq!(summary_json, events_json, "{label}: policies and summary");
}

#[test]
fn summaries_from_duckdb_give_the_policies_of_the_events() {
    let Some(python) = duckdb_python() else {
        return;
    };
    let scratch = Scratch::new("duckdb");
    let events = generate(&["--cloudtrail", CORPUS], false, &scratch, "events");
    assert_eq!(events.status, Some(0));
    assert!(events.files.len() >= 30, "{}", events.files.len());
    let windowed = generate(&["--cloudtrail", CORPUS], true, &scratch, "events-window");
    assert!(
        windowed.json["summary"]["counts"]["filteredOut"].as_u64() > Some(0),
        "the window must leave events out"
    );
    assert!(windowed.files.len() < events.files.len());

    let all = run_query(
        &python,
        &scratch,
        "duckdb",
        &["--sql-from", TRAIL_GLOB],
        "q",
    );
    for ext in ["csv", "ndjson", "json"] {
        let file = format!("{all}.{ext}");
        let label = format!("duckdb-{ext}");
        let summary = generate(&["--from-summary", &file], false, &scratch, &label);
        assert_same(&events, &summary, &label);
    }
    // The principals' policies on standard output, one by one.
    let csv = format!("{all}.csv");
    for p in events.json["policies"].as_array().unwrap() {
        let principal = p["principal"].as_str().unwrap();
        let a = iampol(&["generate", "--cloudtrail", CORPUS, "--principal", principal]);
        let b = iampol(&["generate", "--from-summary", &csv, "--principal", principal]);
        assert_eq!(a.status.code(), Some(0), "{principal}: {}", text(&a.stderr));
        assert_eq!(b.status.code(), a.status.code(), "{principal}");
        assert!(!a.stdout.is_empty());
        assert!(a.stdout == b.stdout, "{principal}: standard output differs");
    }
    // The time window, in the query.
    let window = run_query(
        &python,
        &scratch,
        "duckdb",
        &["--sql-from", TRAIL_GLOB, "--since", SINCE, "--until", UNTIL],
        "q-window",
    );
    let summary = generate(
        &["--from-summary", &format!("{window}.csv")],
        false,
        &scratch,
        "duckdb-window",
    );
    assert_same(&windowed, &summary, "duckdb-window");
}

#[test]
fn athena_and_security_lake_queries_over_their_table_shapes_give_the_same_policies() {
    let Some(python) = duckdb_python() else {
        return;
    };
    let scratch = Scratch::new("tables");
    let events = generate(&["--cloudtrail", CORPUS], false, &scratch, "events");
    let windowed = generate(&["--cloudtrail", CORPUS], true, &scratch, "events-window");
    let lake = "amazon_security_lake_glue_db_us_east_1.amazon_security_lake_table_us_east_1_cloud_trail_mgmt_2_0";
    for (dialect, from) in [("athena", None), ("security-lake", Some(lake))] {
        let mut extra: Vec<&str> = Vec::new();
        if let Some(t) = from {
            extra.extend_from_slice(&["--sql-from", t]);
        }
        let all = run_query(&python, &scratch, dialect, &extra, dialect);
        let label = format!("{dialect}-csv");
        let summary = generate(
            &["--from-summary", &format!("{all}.csv")],
            false,
            &scratch,
            &label,
        );
        assert_same(&events, &summary, &label);
        extra.extend_from_slice(&["--since", SINCE, "--until", UNTIL]);
        let label = format!("{dialect}-window");
        let window = run_query(&python, &scratch, dialect, &extra, &label);
        let summary = generate(
            &["--from-summary", &format!("{window}.ndjson")],
            false,
            &scratch,
            &label,
        );
        assert_same(&windowed, &summary, &label);
    }
}

#[test]
fn summary_arguments_and_bad_summaries() {
    // A window with a summary is a usage error: it belongs in the query.
    let out = iampol(&[
        "generate",
        "--from-summary",
        "x.csv",
        "--since",
        "2024-08-01",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let out = iampol(&["generate", "--from-summary", "does-not-exist.csv"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("does-not-exist.csv: no such file"));
    let out = iampol(&["generate", "--emit-sql", "security-lake"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--sql-from"));
    let out = iampol(&["generate", "--emit-sql", "athena", "--sql-from", "x; DROP"]);
    assert_eq!(out.status.code(), Some(2));
    // Neither a trail nor a summary.
    assert_eq!(iampol(&["generate"]).status.code(), Some(2));

    let scratch = Scratch::new("bad");
    let header = "\"user_arn\",\"calls\"\n\"arn:aws:iam::111122223333:user/a\",\"1\"\n";
    let file = scratch.join("header.csv");
    std::fs::write(&file, header).unwrap();
    let out = iampol(&["generate", "--from-summary", &file]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("the header lacks the columns `user_type`"),
        "{}",
        text(&out.stderr)
    );
    // A bad row is reported with its line, and the rest is used: exit 1.
    let good = r#"{"user_type":"IAMUser","user_arn":"arn:aws:iam::111122223333:user/a","event_source":"s3.amazonaws.com","event_name":"ListBuckets","event_type":"AwsApiCall","calls":2,"first_seen":"2024-08-01T00:00:00Z","last_seen":"2024-08-02T00:00:00Z"}"#;
    let bad = good.replace("\"calls\":2", "\"calls\":-2");
    let file = scratch.join("rows.ndjson");
    std::fs::write(&file, format!("{good}\n{bad}\n")).unwrap();
    let out = iampol(&["generate", "--from-summary", &file]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("record #2")
            && stderr.contains("line 2, column 1 (`calls`): `-2` is not a count"),
        "{stderr}"
    );
    assert!(text(&out.stdout).contains("s3:ListAllMyBuckets"));
}
