//! `iampol check no-new-access` on the pairs of `corpus/check/` (see its README: the
//! expectations come from the IAM User Guide's Action, Resource, Condition operator and
//! policy evaluation pages): exit codes, the human line and the JSON fields.

mod common;

use common::iampol;
use serde_json::Value;

const OLD: &str = "corpus/check/reports-read.json";
const WIDENED: &str = "corpus/check/reports-read-widened.json";
const NARROWED: &str = "corpus/check/reports-read-narrowed.json";

fn json(existing: &str, new: &str) -> (Option<i32>, Value) {
    let out = iampol(&[
        "check",
        "no-new-access",
        "--existing",
        existing,
        "--new",
        new,
        "--format",
        "json",
    ]);
    let line = String::from_utf8(out.stdout).unwrap();
    (
        out.status.code(),
        serde_json::from_str(line.trim()).unwrap(),
    )
}

// `s3:Get*` matches every S3 action whose name starts with `Get` (UG, Action element):
// widening `s3:GetObject` to it is new access, with the same condition.
#[test]
fn widened_action_fails_with_a_counterexample() {
    let (code, v) = json(OLD, WIDENED);
    assert_eq!(code, Some(1));
    assert_eq!(v["check"], "no-new-access");
    assert_eq!(v["result"], "FAIL");
    let c = &v["counterexample"];
    let action = c["action"].as_str().unwrap();
    assert!(
        action.starts_with("s3:Get") && action != "s3:GetObject",
        "{v}"
    );
    assert!(
        c["resource"]
            .as_str()
            .unwrap()
            .starts_with("arn:aws:s3:::reports/"),
        "{v}"
    );
    // The statement's condition pins the region, so the request must be in it.
    assert_eq!(c["context"]["aws:RequestedRegion"][0], "eu-west-1", "{v}");
    let reason = &v["reasons"][0];
    assert_eq!(reason["statementId"], "ReadReports");
    assert_eq!(reason["statementIndex"], 0);
    assert_eq!(reason["line"], 4);
}

// An added Deny only takes access away (UG, policy evaluation logic); `s3:GetObject` is
// one of the `s3:Get*` actions.
#[test]
fn narrowing_passes() {
    let (code, v) = json(OLD, NARROWED);
    assert_eq!((code, v["result"].as_str()), (Some(0), Some("PASS")), "{v}");
    assert!(v.get("counterexample").is_none());
    let (code, v) = json(WIDENED, OLD);
    assert_eq!((code, v["result"].as_str()), (Some(0), Some("PASS")), "{v}");
}

#[test]
fn human_output_names_the_request_and_the_statement() {
    let out = iampol(&[
        "check",
        "no-new-access",
        "--existing",
        OLD,
        "--new",
        WIDENED,
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("FAIL: the new policy allows `s3:Get"),
        "{text}"
    );
    assert!(
        text.contains(
            "allowed by statement 0 (`ReadReports`) at corpus/check/reports-read-widened.json:4:5"
        ),
        "{text}"
    );
}

#[test]
fn undecided_and_unreadable_exit_2() {
    // A set operator on a numeric operator is not decided yet: UNKNOWN with the reason,
    // exit 2, never PASS.
    let dir = std::env::temp_dir().join(format!("iampol-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let numeric = dir.join("numeric.json");
    std::fs::write(
        &numeric,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"ForAnyValue:NumericLessThan":{"aws:MultiFactorAuthAge":"1"}}}]}"#,
    )
    .unwrap();
    let (code, v) = json(OLD, numeric.to_str().unwrap());
    assert_eq!(
        (code, v["result"].as_str()),
        (Some(2), Some("UNKNOWN")),
        "{v}"
    );
    let missing = dir.join("missing.json");
    let out = iampol(&[
        "check",
        "no-new-access",
        "--existing",
        OLD,
        "--new",
        missing.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let out = iampol(&[
        "check",
        "no-new-access",
        "--existing",
        OLD,
        "--new",
        OLD,
        "--kind",
        "resource",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}
