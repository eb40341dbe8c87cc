//! `iampol can --explain` and `iampol eval --explain`, end to end, with snapshots of the
//! output. The policies are in `corpus/explain/` (each names its doc source there).

mod common;

use common::iampol;

/// The Lambda Developer Guide's `ForAllValues:StringNotEquals` Deny on `lambda:SubnetIds`
/// (configuration-vpc, "Using IAM condition keys for VPC settings"), asked with one listed
/// and one unlisted subnet.
const LAMBDA: [&str; 14] = [
    "can",
    "--explain",
    "--principal",
    "arn:aws:iam::111111111111:user/alice",
    "--action",
    "lambda:CreateFunction",
    "--resource",
    "arn:aws:lambda:us-east-1:111111111111:function:f1",
    "--identity",
    "corpus/explain/lambda-vpc-subnets.json",
    "--context",
    "lambda:SubnetIds=subnet-1",
    "--context",
    "lambda:SubnetIds=subnet-9",
];

/// IAM UG `reference_policies_condition-single-vs-multi-valued-context-keys`: `ForAllValues`
/// holds only if every request value satisfies the operator. `subnet-1` equals the listed
/// `subnet-1`, so `StringNotEquals` is false for it and the Deny does not apply: the
/// explanation names that value.
#[test]
fn can_explain_says_which_value_kept_the_lambda_deny_from_applying() {
    let out = iampol(&LAMBDA);
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.starts_with("allowed\n"), "{stdout}");
    assert!(
        stdout.contains("request value `subnet-1` matches policy value `subnet-1`, so `StringNotEquals` is false for it"),
        "{stdout}"
    );
    insta::assert_snapshot!("can_explain_lambda_vpc_human", stdout);
}

#[test]
fn can_explain_json_gains_fields_and_keeps_the_old_ones() {
    let mut args = LAMBDA.to_vec();
    args.extend(["--format", "json"]);
    let out = iampol(&args);
    assert_eq!(out.status.code(), Some(0));
    let line: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for field in [
        "name",
        "decision",
        "reasons",
        "blockedBy",
        "missingContextKeys",
        "crossAccount",
        "layers",
        "nearMisses",
        "missingKeys",
        "assumptions",
        "warnings",
    ] {
        assert!(line.get(field).is_some(), "{field} missing in {line}");
    }
    let condition = &line["nearMisses"][0]["conditions"][0];
    assert_eq!(condition["decidingValue"], "subnet-1");
    assert_eq!(condition["matchedPolicyValue"], "subnet-1");
    assert_eq!(condition["holds"], false);
    insta::assert_snapshot!(
        "can_explain_lambda_vpc_json",
        serde_json::to_string_pretty(&line).unwrap()
    );

    // Without `--explain`, the line is what it was.
    let plain: Vec<&str> = args.iter().copied().filter(|a| *a != "--explain").collect();
    let out = iampol(&plain);
    let line: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let keys: Vec<&str> = line
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "name",
            "decision",
            "reasons",
            "blockedBy",
            "missingContextKeys"
        ]
    );
}

/// KMS developer guide, "Key policies in AWS KMS": every key has a key policy, and no IAM
/// policy allows access without it. Without `--resource-policy`, `can` says that no key
/// policy was given (a warning, on stderr without `--explain`), which a key policy that
/// does not allow never says.
#[test]
fn can_says_no_key_policy_given() {
    let dir = std::env::temp_dir().join(format!("iampol-explain-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let identity = dir.join("id.json");
    std::fs::write(
        &identity,
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}]}"#,
    )
    .unwrap();
    let key = dir.join("key.json");
    std::fs::write(
        &key,
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:user/bob"}, "Action": "kms:Decrypt", "Resource": "*"}]}"#,
    )
    .unwrap();
    let base = [
        "can",
        "--principal",
        "arn:aws:iam::111111111111:user/alice",
        "--action",
        "kms:Decrypt",
        "--resource",
        "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "--identity",
        identity.to_str().unwrap(),
    ];
    let out = iampol(&base);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(
        stderr.contains("warning[no-key-policy]: no key policy given"),
        "{stderr}"
    );

    let mut with_key = base.to_vec();
    with_key.extend(["--resource-policy", key.to_str().unwrap(), "--explain"]);
    let out = iampol(&with_key);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(!stdout.contains("no key policy"), "{stdout}");
    assert!(
        stdout.contains("resource (resource side, account 111111111111): implicitDeny"),
        "{stdout}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn eval_explain_adds_the_explanation_to_each_scenario() {
    let out = iampol(&[
        "eval",
        "--explain",
        "--format",
        "json",
        "corpus/eval/lambda-vpc.json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let trap = lines
        .iter()
        .find(|l| l["name"] == "lambda-issue-subnets-disallowed-among-allowed")
        .unwrap();
    assert_eq!(trap["ok"], true);
    assert_eq!(
        trap["nearMisses"][0]["conditions"][0]["decidingValue"],
        "subnet-1"
    );
    let human = iampol(&["eval", "--explain", "corpus/eval/lambda-vpc.json"]);
    let text = String::from_utf8(human.stdout).unwrap();
    assert!(text.contains("layers:"), "{text}");
}

/// S3 ARNs carry no account (IAM UG `reference_identifiers`, S3 ARNs): without
/// `resourceAccount` the account is assumed, and said; with it, nothing is assumed.
#[test]
fn eval_explain_says_the_resource_account_was_assumed_only_when_it_was() {
    let dir = std::env::temp_dir().join(format!("iampol-explain-eval-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("s.json");
    let scenario = |account: Option<&str>| {
        let mut s = serde_json::json!({
            "name": "s3", "principal": "arn:aws:iam::111111111111:user/alice",
            "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k",
            "expect": "implicitDeny", "source": "UG reference_identifiers"
        });
        if let Some(a) = account {
            s["resourceAccount"] = serde_json::json!(a);
        }
        s.to_string()
    };
    let kinds = |text: String| -> Vec<String> {
        std::fs::write(&file, text).unwrap();
        let out = iampol(&[
            "eval",
            "--explain",
            "--format",
            "json",
            file.to_str().unwrap(),
        ]);
        let line: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        line["assumptions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["kind"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(kinds(scenario(None)), ["resourceAccount"]);
    assert!(kinds(scenario(Some("111111111111"))).is_empty());
    std::fs::remove_dir_all(dir).unwrap();
}
