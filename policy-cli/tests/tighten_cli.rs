//! `iampol tighten` end to end: input that could not be read stops it (exit 2, nothing
//! written) unless `--allow-partial`, and is reported with the same lines as `iampol generate`;
//! the AWS managed policies tightened on the real trail corpus.

#![expect(
    clippy::doc_markdown,
    reason = "the docs name AWS products (CloudTrail) in prose"
)]

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Output};

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

/// A scratch directory, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("iampol-tighten-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn file(&self, name: &str, bytes: &[u8]) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, bytes).unwrap();
        path.to_str().unwrap().to_string()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const ALICE: &str = "arn:aws:iam::111122223333:user/alice";

/// One S3 call of alice, in the CloudTrail record shape (CloudTrail User Guide, "CloudTrail
/// record contents for management events"; S3 data events name `bucketName` and `key` in
/// `requestParameters`).
fn event(name: &str, key: &str, n: usize) -> String {
    serde_json::json!({
        "eventVersion": "1.09",
        "userIdentity": {"type": "IAMUser", "arn": ALICE, "accountId": "111122223333", "userName": "alice"},
        "eventTime": format!("2024-08-01T10:{:02}:{:02}Z", (n / 60) % 60, n % 60),
        "eventSource": "s3.amazonaws.com",
        "eventName": name,
        "awsRegion": "us-east-1",
        "sourceIPAddress": "203.0.113.7",
        "requestParameters": {"bucketName": "reports", "key": key},
        "eventType": "AwsApiCall",
        "recipientAccountId": "111122223333"
    })
    .to_string()
}

/// Many events, one per line.
fn ndjson(count: usize) -> String {
    (0..count).fold(String::new(), |mut s, i| {
        s.push_str(&event("GetObject", &format!("q3/{i}.csv"), i));
        s.push('\n');
        s
    })
}

const S3_STAR: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}"#;

/// The lines `iampol generate` writes about the trail (read, malformed input and each
/// problem), which `tighten` must write the same.
fn trail_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| {
            l.starts_with("read ")
                || l.starts_with("malformed input:")
                || (l.starts_with("  ") && l.contains(": at byte ") || l.contains(": record #"))
        })
        .collect()
}

/// Runs `tighten` on a trail that lost records: exit 2 and nothing on standard output without
/// `--allow-partial`, the same problem lines as `generate`; with it, the policy and a warning.
fn refuses_then_proceeds(trail: &str, policy: &str, expect_in_problems: &str) {
    let plain = iampol(&[
        "tighten",
        policy,
        "--cloudtrail",
        trail,
        "--principal",
        ALICE,
    ]);
    let stderr = text(&plain.stderr);
    assert_eq!(plain.status.code(), Some(2), "{stderr}");
    assert!(plain.stdout.is_empty(), "{}", text(&plain.stdout));
    assert!(stderr.contains("--allow-partial"), "{stderr}");
    assert!(stderr.contains(expect_in_problems), "{stderr}");
    let generate = iampol(&["generate", "--cloudtrail", trail, "--principal", ALICE]);
    let generated = text(&generate.stderr);
    let lines = trail_lines(&generated);
    assert!(lines.len() >= 2, "{generated}");
    assert_eq!(trail_lines(&stderr), lines, "{stderr}\n---\n{generated}");
    let json = iampol(&[
        "tighten",
        policy,
        "--cloudtrail",
        trail,
        "--principal",
        ALICE,
        "--format",
        "json",
    ]);
    assert_eq!(json.status.code(), Some(2));
    assert!(json.stdout.is_empty());

    let partial = iampol(&[
        "tighten",
        policy,
        "--cloudtrail",
        trail,
        "--principal",
        ALICE,
        "--allow-partial",
    ]);
    let stderr = text(&partial.stderr);
    assert_eq!(partial.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("warning: tightened from incomplete input"),
        "{stderr}"
    );
    assert!(stderr.contains(expect_in_problems), "{stderr}");
    let tightened: serde_json::Value = serde_json::from_slice(&partial.stdout).unwrap();
    assert_eq!(
        tightened["Statement"][0]["Action"], "s3:GetObject",
        "{tightened:#}"
    );
    let json = iampol(&[
        "tighten",
        policy,
        "--cloudtrail",
        trail,
        "--principal",
        ALICE,
        "--allow-partial",
        "--format",
        "json",
    ]);
    assert_eq!(json.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(json["incompleteInput"], true);
    assert!(json["summary"]["problemsTotal"].as_u64().unwrap() > 0);
}

#[test]
fn a_truncated_gzip_stops_tighten_unless_allow_partial() {
    let dir = Scratch::new("gzip");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(ndjson(3000).as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    let trail = dir.file("trail.json.gz", &gz[..gz.len() / 2]);
    let policy = dir.file("policy.json", S3_STAR.as_bytes());
    refuses_then_proceeds(&trail, &policy, "truncated gzip");
}

#[test]
fn a_half_written_file_stops_tighten_unless_allow_partial() {
    let dir = Scratch::new("half");
    let whole = format!(
        "{{\"Records\": [{}, {}]}}",
        event("GetObject", "a.csv", 1),
        event("PutObject", "b.csv", 2)
    );
    // Cut inside the second record, as a file still being written is.
    let cut = whole.len() - 60;
    let trail = dir.file("trail.json", &whole.as_bytes()[..cut]);
    let policy = dir.file("policy.json", S3_STAR.as_bytes());
    refuses_then_proceeds(&trail, &policy, "record #2");
}

#[test]
fn over_nested_and_oversized_records_stop_tighten_unless_allow_partial() {
    let dir = Scratch::new("records");
    // Nesting deeper than the record splitter's stack (512 levels) is followed by counting:
    // this record is valid JSON and an event, so it is read, and it does not hide the next.
    let deep = format!(
        "{{\"eventSource\": \"s3.amazonaws.com\", \"eventName\": \"GetObject\", \"requestParameters\": {}1{}}}",
        "[".repeat(600),
        "]".repeat(600)
    );
    // A record over the 4 MiB record limit is skipped and reported.
    let big = format!(
        "{{\"eventSource\": \"s3.amazonaws.com\", \"eventName\": \"GetObject\", \"pad\": \"{}\"}}",
        "x".repeat(5 * 1024 * 1024)
    );
    let trail_text = format!(
        "{}\n{deep}\n{big}\n{}\n",
        event("GetObject", "a.csv", 1),
        event("GetObject", "b.csv", 2)
    );
    let trail = dir.file("trail.ndjson", trail_text.as_bytes());
    let policy = dir.file("policy.json", S3_STAR.as_bytes());
    refuses_then_proceeds(&trail, &policy, "record #3");
    let out = iampol(&[
        "tighten",
        &policy,
        "--cloudtrail",
        &trail,
        "--principal",
        ALICE,
    ]);
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("record #2"), "{stderr}");
    assert!(!stderr.contains("nesting too deep"), "{stderr}");
    assert!(stderr.contains("record #3"), "{stderr}");
    assert!(stderr.contains("over the limit"), "{stderr}");
    assert!(stderr.contains("1 record lost"), "{stderr}");
}

#[test]
fn clean_input_is_tightened_and_reports_the_trail_like_generate() {
    let dir = Scratch::new("clean");
    let trail = dir.file("trail.ndjson", ndjson(3).as_bytes());
    let policy = dir.file("policy.json", S3_STAR.as_bytes());
    let out = iampol(&[
        "tighten",
        &policy,
        "--cloudtrail",
        &trail,
        "--principal",
        ALICE,
    ]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("malformed"), "{stderr}");
    let generate = iampol(&["generate", "--cloudtrail", &trail, "--principal", ALICE]);
    assert_eq!(trail_lines(&stderr), trail_lines(&text(&generate.stderr)));
    // --allow-partial changes nothing on clean input.
    let out = iampol(&[
        "tighten",
        &policy,
        "--cloudtrail",
        &trail,
        "--principal",
        ALICE,
        "--allow-partial",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["incompleteInput"], false);
    assert_eq!(json["report"]["noNewAccess"]["passed"], true);
}

#[test]
fn the_help_documents_allow_partial() {
    let out = iampol(&["tighten", "--help"]);
    assert!(text(&out.stdout).contains("--allow-partial"));
}

#[test]
fn power_user_access_is_tightened_on_a_corpus_principal_with_the_independent_check() {
    // Secrets Manager's GetSecretValue and ListSecrets of one principal of the real corpus;
    // PowerUserAccess allows both (its `NotAction` leaves out IAM, Organizations and Account
    // only: AWS Managed Policy Reference, PowerUserAccess).
    let user = "arn:aws:iam::903144391865:user/christophe";
    let out = iampol(&[
        "tighten",
        "corpus/policies/aws-managed/PowerUserAccess.json",
        "--cloudtrail",
        "corpus/cloudtrail",
        "--principal",
        user,
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let report = &json["report"];
    assert_eq!(json["incompleteInput"], false);
    assert_eq!(report["allowsRecorded"]["passed"], true, "{report:#}");
    assert!(report["allowsRecorded"]["checked"].as_u64().unwrap() >= 20);
    assert!(report["allowsRecorded"]["unchecked"].is_u64());
    assert_eq!(report["noNewAccess"]["passed"], true);
    assert_eq!(report["statements"][0]["status"], "narrowed");
    let mut actions: Vec<String> = report["policy"]["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| match &s["Action"] {
            serde_json::Value::String(a) => vec![a.clone()],
            serde_json::Value::Array(a) => {
                a.iter().map(|x| x.as_str().unwrap().to_string()).collect()
            }
            _ => Vec::new(),
        })
        .collect();
    actions.sort();
    assert_eq!(
        actions,
        vec![
            "secretsmanager:GetSecretValue",
            "secretsmanager:ListSecrets"
        ]
    );
    // For people: the policy on standard output, both checks on standard error.
    let out = iampol(&[
        "tighten",
        "corpus/policies/aws-managed/PowerUserAccess.json",
        "--cloudtrail",
        "corpus/cloudtrail",
        "--principal",
        user,
    ]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("check (a) still allows every recorded call the original allows: passed"),
        "{stderr}"
    );
    assert!(stderr.contains("calls checked, none unchecked"), "{stderr}");
    assert!(
        stderr.contains("check (b) allows nothing the original does not: passed"),
        "{stderr}"
    );
    let policy: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(policy["Version"], "2012-10-17");
}
