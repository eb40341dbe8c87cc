//! AWS's own SCP, RCP and data-perimeter examples (`corpus/org-policies`, with the values a
//! user supplies, such as the organization ID, filled in by `scripts/fill-example-values.py`)
//! lint with no error and no warning under the default settings (notes are fine): the linter
//! must not flag the forms AWS recommends. The few upstream files that are wrong are listed in `UPSTREAM_DEFECTS` with the documented reason,
//! and must report exactly the codes listed, so a new finding in them still fails.

use std::path::{Path, PathBuf};

use policy_lint::{lint_file, Settings, Severity};

/// `(path under corpus/org-policies, codes it reports at warning or above, why)`.
const UPSTREAM_DEFECTS: &[(&str, &[&str], &str)] = &[
    (
        "scp/Service-specific-controls/AWS-IAM/deny-service-specific-credential-by-type.json",
        &["C001"],
        "a `//` comment: policies are JSON (RFC 7159, IAM User Guide, \"Grammar of the IAM JSON \
         policy language\"), which has no comments",
    ),
    (
        "rcp/Limit-access-to-trusted-OIDC-identity-providers/Shared-Issuers.json",
        &["C011", "C104", "C105", "S017"],
        "the last statement is an `Allow` with no `Resource` (an RCP needs `Resource`, and RCPs \
         only deny: Organizations User Guide, \"Resource control policies\"), and its `Null` \
         condition names the key `accounts.google.com`, which lacks the `service:name` form \
         (IAM User Guide, \"IAM JSON policy elements: Condition\")",
    ),
    (
        "rcp/Service-specific-controls/STS-protect-IAMRA-session-tags.json",
        &["C017"],
        "operator `ForAnyValue:Stringlike`: the IAM User Guide (\"Condition operators\") names \
         the operator `StringLike`, and iampol reads operator names as written there, \
         case-sensitively (SEMANTICS C4); the docs never say other spellings are accepted",
    ),
    (
        "scp/Protect-cloud-platform-resource/Deny-modifications-to-specific-Amazon-Lambda-functions.json",
        &["W012"],
        "denies `lambda:DeleteEventSourceMapping` and `lambda:UpdateEventSourceMapping` on a \
         function ARN, but the Service Authorization Reference (AWS Lambda) gives these actions \
         the `eventSourceMapping` resource type and the `lambda:FunctionArn` condition key, so \
         the deny never matches them",
    ),
    (
        "scp/Protect-cloud-platform-resource/Deny-unwanted-cancellation-or-changes-to-AWS-Marketplace-product-subscription.json",
        &["C102"],
        "`aws-marketplace:CreatePrivateMarketplace` and \
         `aws-marketplace:UpdatePrivateMarketplaceSettings` are not actions in the Service \
         Authorization Reference (AWS Marketplace, AWS Marketplace Private Marketplace); \
         private marketplaces are now managed through the Catalog API's `StartChangeSet`",
    ),
];

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

#[test]
fn aws_org_policy_examples_lint_clean() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/org-policies");
    let mut paths = Vec::new();
    files(&root, &mut paths);
    paths.sort();
    assert!(
        paths.len() >= 50,
        "expected the AWS examples in {}",
        root.display()
    );
    let mut failures = Vec::new();
    let mut defects_seen = 0;
    for path in &paths {
        let relative = path
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(path).unwrap();
        // The path as the CLI sees it, so name-based kind detection applies.
        let report = lint_file(&relative, &text, None, &Settings::default());
        let mut codes: Vec<&str> = report
            .findings
            .iter()
            .filter(|f| f.severity >= Severity::Warning)
            .map(|f| f.rule.code)
            .collect();
        codes.sort_unstable();
        codes.dedup();
        let expected: &[&str] = match UPSTREAM_DEFECTS.iter().find(|(p, _, _)| *p == relative) {
            Some((_, codes, _)) => {
                defects_seen += 1;
                codes
            }
            None => &[],
        };
        if codes != expected {
            let detail: Vec<String> = report
                .findings
                .iter()
                .filter(|f| f.severity >= Severity::Warning)
                .map(|f| format!("{} {}", f.rule.code, f.message))
                .collect();
            failures.push(format!(
                "{relative}: expected {expected:?}, got {codes:?}\n    {}",
                detail.join("\n    ")
            ));
        }
    }
    assert_eq!(
        defects_seen,
        UPSTREAM_DEFECTS.len(),
        "a listed upstream file is missing"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn endpoint_policies_are_known_by_their_path() {
    // Path and content agree: read as a VPC endpoint policy, so `Principal: *` is not public.
    let text = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::reports/*"}]}"#;
    let codes = |path: &str| -> Vec<&'static str> {
        lint_file(path, text, None, &Settings::default())
            .findings
            .iter()
            .map(|f| f.rule.code)
            .collect()
    };
    assert!(!codes("policies/s3_endpoint_policy.json").contains(&"S017"));
    assert!(!codes("vpc-endpoint-policies/s3.json").contains(&"S017"));
    assert!(codes("policies/bucket-policy.json").contains(&"S017"));
    // A name alone does not make an identity policy an endpoint policy.
    let identity =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    let report = lint_file(
        "create-endpoint-policy.json",
        identity,
        None,
        &Settings::default(),
    );
    assert!(report.findings.iter().any(|f| f.rule.code == "S001"));
}

#[test]
fn aws_guardrail_examples_do_not_lock_out_aws_services() {
    // `network-deny-without-service-exception` checks SCPs and RCPs only; the directories
    // tell which these examples are.
    use policy_core::PolicyKind;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/org-policies");
    let mut checked = 0;
    for (dir, kind) in [
        ("scp", PolicyKind::Scp),
        ("data-perimeter/service_control_policies", PolicyKind::Scp),
        ("rcp", PolicyKind::Rcp),
        ("data-perimeter/resource_control_policies", PolicyKind::Rcp),
    ] {
        let mut paths = Vec::new();
        files(&root.join(dir), &mut paths);
        for path in paths {
            let text = std::fs::read_to_string(&path).unwrap();
            let report = lint_file("policy.json", &text, Some(kind), &Settings::default());
            let hits: Vec<&str> = report
                .findings
                .iter()
                .filter(|f| f.rule.code == "W017")
                .map(|f| f.message.as_str())
                .collect();
            assert!(hits.is_empty(), "{}: {hits:?}", path.display());
            checked += 1;
        }
    }
    assert!(checked >= 40, "{checked}");
}
