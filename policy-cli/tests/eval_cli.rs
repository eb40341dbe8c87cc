//! `iampol eval` and `iampol can` end to end: the evaluation corpus, output, exit statuses.

mod common;

use common::iampol;

#[test]
fn the_corpus_passes_through_the_cli() {
    let out = iampol(&["eval", "--format", "json", "corpus/eval"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(lines.len() >= 200);
    for l in &lines {
        assert_eq!(l["ok"], true, "{l}");
        for field in [
            "name",
            "decision",
            "expect",
            "reasons",
            "missingContextKeys",
        ] {
            assert!(!l[field].is_null(), "{field} missing in {l}");
        }
    }
}

#[test]
fn explicit_deny_names_the_deciding_statement() {
    let out = iampol(&["eval", "--format", "json", "corpus/eval/lambda-vpc.json"]);
    let first_deny = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|l| l["decision"] == "explicitDeny")
        .unwrap();
    let reason = &first_deny["reasons"][0];
    assert_eq!(reason["effect"], "Deny");
    assert!(reason["line"].as_u64().unwrap() > 0);
}

#[test]
fn malformed_scenarios_are_reported_with_position_and_exit_2() {
    let dir = std::env::temp_dir().join(format!("iampol-eval-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.json");
    std::fs::write(
        &bad,
        "[{\"name\": \"x\", \"principal\": \"arn:aws:iam::111111111111:user/a\",\n \"action\": \"s3:GetObject\", \"resource\": \"*\", \"expected\": \"allowed\",\n \"identityPolicies\": [{\"Version\": \"2012-10-17\", \"Statement\": {\"Effect\": \"Alow\", \"Action\": \"*\", \"Resource\": \"*\"}}]}]",
    )
    .unwrap();
    let out = iampol(&["eval", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("bad.json:2:45: unknown scenario field `expected`"),
        "{err}"
    );
    assert!(
        err.contains("bad.json:3:73: in identityPolicies[0]: invalid effect `Alow`"),
        "{err}"
    );
    std::fs::write(&bad, "[{\"name\": ").unwrap();
    assert_eq!(
        iampol(&["eval", bad.to_str().unwrap()]).status.code(),
        Some(2)
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn can_answers_with_exit_status() {
    let dir = std::env::temp_dir().join(format!("iampol-can-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let policy = dir.join("p.json");
    std::fs::write(
        &policy,
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*", "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]}"#,
    )
    .unwrap();
    let p = policy.to_str().unwrap();
    let base = [
        "can",
        "--principal",
        "arn:aws:iam::111111111111:user/a",
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::b/k",
        "--identity",
        p,
    ];
    let mut allowed: Vec<&str> = base.to_vec();
    allowed.extend(["--context", "aws:SecureTransport=true"]);
    let out = iampol(&allowed);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("allowed"));
    let out = iampol(&base);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(stdout.starts_with("implicitDeny"), "{stdout}");
    assert!(stdout.contains("aws:securetransport"), "{stdout}");
    let mut bad = base.to_vec();
    bad[2] = "bob";
    assert_eq!(iampol(&bad).status.code(), Some(2));
    std::fs::remove_dir_all(dir).unwrap();
}
