//! JSON that is not a policy is not a silent pass: policy keys in the wrong case are reported
//! at the key; AWS CLI outputs are read as what they are (each embedded policy linted with the
//! kind its place implies, findings inside the file); an array of policies is linted element
//! by element; policy-related JSON that holds nothing to check says what it looks like; and
//! other JSON (`package.json`) stays quiet.

use std::fmt::Write as _;

use policy_core::PolicyKind;
use policy_lint::file::{FileFormat, FileReport};
use policy_lint::{lint_file, Settings};

fn lint(name: &str, text: &str) -> FileReport {
    lint_file(name, text, None, &Settings::default())
}

/// `(code, text at the span, help)` of each finding.
fn found(text: &str, r: &FileReport) -> Vec<(String, String, String)> {
    r.findings
        .iter()
        .map(|f| {
            (
                f.rule.code.to_string(),
                text[f.span.range()].to_string(),
                f.help.clone().unwrap_or_default(),
            )
        })
        .collect()
}

fn has(text: &str, r: &FileReport, code: &str, at: &str) -> bool {
    found(text, r).iter().any(|(c, s, _)| c == code && s == at)
}

/// A policy with one unknown action (`C102` at `"s3:GetObjekt"`).
const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObjekt","Resource":"arn:aws:s3:::b/*"}]}"#;

/// `POLICY` as a JSON string's content.
fn escaped(policy: &str) -> String {
    serde_json::to_string(policy).unwrap()
}

/// `POLICY` URL-encoded (RFC 3986 unreserved characters kept), as the IAM API returns it.
fn url_encoded(policy: &str) -> String {
    let mut out = String::new();
    for b in policy.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    format!("\"{out}\"")
}

#[test]
fn policy_keys_in_the_wrong_case_are_reported_at_the_key() {
    let text = r#"{"version": "2012-10-17", "statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}"#;
    let r = lint("p.json", text);
    assert_eq!(r.format, FileFormat::Policy);
    assert_eq!(r.policies, 1);
    let f = found(text, &r);
    assert!(
        f.iter().any(|(c, s, h)| c == "C004"
            && s == "\"version\""
            && h.contains("case-sensitive")
            && h.contains("`Version`")),
        "{f:?}"
    );
    assert!(
        f.iter()
            .any(|(c, s, h)| c == "C004" && s == "\"statement\"" && h.contains("`Statement`")),
        "{f:?}"
    );
    let text = r#"{"STATEMENT": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}"#;
    let r = lint("p.json", text);
    assert!(
        has(text, &r, "C004", "\"STATEMENT\""),
        "{:?}",
        found(text, &r)
    );
    // A statement without its policy, in the wrong case.
    let text = r#"{"effect": "Allow", "action": "s3:*", "resource": "*"}"#;
    let r = lint("p.json", text);
    let f = found(text, &r);
    assert!(
        f.iter().any(|(c, s, h)| c == "C004"
            && s == "\"effect\""
            && h.contains("`Effect` is a statement element")),
        "{f:?}"
    );
    // A policy version in the wrong case alone is enough.
    let text = r#"{"VERSION": "2012-10-17"}"#;
    assert!(has(text, &lint("p.json", text), "C004", "\"VERSION\""));
}

#[test]
fn other_json_stays_quiet() {
    for text in [
        r#"{"name": "app", "version": "1.0.0", "dependencies": {"left-pad": "1.3.0"}}"#,
        r#"{"compilerOptions": {"strict": true}, "include": ["src"]}"#,
        r#"{"effect": "fade"}"#,
        "[1, 2, 3]",
        r#"[{"name": "x"}]"#,
    ] {
        let r = lint("x.json", text);
        assert_eq!(r.format, FileFormat::Other, "{text}");
        assert!(r.findings.is_empty(), "{text}: {:?}", r.findings);
    }
}

#[test]
fn an_array_of_policies_is_linted_element_by_element() {
    let text = format!(
        "[\n{POLICY},\n{}\n]",
        POLICY.replace("GetObjekt", "PutObjekt")
    );
    let r = lint("policies.json", &text);
    assert_eq!(r.format, FileFormat::PolicyArray);
    assert_eq!(r.policies, 2);
    assert!(has(&text, &r, "C102", "\"s3:GetObjekt\""));
    assert!(has(&text, &r, "C102", "\"s3:PutObjekt\""));
    let labels: Vec<&str> = r.located.iter().map(|l| l.label.as_str()).collect();
    assert_eq!(labels, ["[0]", "[1]"]);
}

#[test]
fn iam_cli_outputs_are_read_as_what_they_are() {
    // (file, expected labels and kinds)
    let get_policy_version = format!(
        r#"{{"PolicyVersion": {{"Document": {POLICY}, "VersionId": "v2", "IsDefaultVersion": true, "CreateDate": "2024-01-01T00:00:00Z"}}}}"#
    );
    let get_role_policy = format!(
        r#"{{"RoleName": "r", "PolicyName": "p", "PolicyDocument": {}}}"#,
        escaped(POLICY)
    );
    let get_user_policy = format!(
        r#"{{"UserName": "u", "PolicyName": "p", "PolicyDocument": {}}}"#,
        url_encoded(POLICY)
    );
    let get_group_policy =
        format!(r#"{{"GroupName": "g", "PolicyName": "p", "PolicyDocument": {POLICY}}}"#);
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole","Resource":"*"}]}"#;
    let get_role = format!(
        r#"{{"Role": {{"Path": "/", "RoleName": "r", "Arn": "arn:aws:iam::111122223333:role/r", "AssumeRolePolicyDocument": {trust}}}}}"#
    );
    for (text, label, kind, at) in [
        (
            &get_policy_version,
            "PolicyVersion.Document",
            PolicyKind::Identity,
            "\"s3:GetObjekt\"",
        ),
        (
            &get_role_policy,
            "PolicyDocument",
            PolicyKind::Identity,
            "\\\"s3:GetObjekt\\\"",
        ),
        (
            &get_user_policy,
            "PolicyDocument",
            PolicyKind::Identity,
            "%22s3%3AGetObjekt%22",
        ),
        (
            &get_group_policy,
            "PolicyDocument",
            PolicyKind::Identity,
            "\"s3:GetObjekt\"",
        ),
        (
            &get_role,
            "Role.AssumeRolePolicyDocument",
            PolicyKind::Trust,
            "\"Resource\"",
        ),
    ] {
        let r = lint("out.json", text);
        assert_eq!(r.format, FileFormat::AwsCli, "{text}");
        let located: Vec<(&str, PolicyKind)> = r
            .located
            .iter()
            .map(|l| (l.label.as_str(), l.kind))
            .collect();
        assert_eq!(located, [(label, kind)], "{text}");
        // The finding is inside the file: the unknown action, or in a trust policy the
        // `Resource` it must not have (C014 element-not-allowed).
        let code = if kind == PolicyKind::Trust {
            "C014"
        } else {
            "C102"
        };
        assert!(has(text, &r, code, at), "{text}: {:?}", found(text, &r));
    }
}

#[test]
fn resource_policy_getters_are_resource_policies() {
    let resource = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:GetObjekt","Resource":"arn:aws:s3:::b/*"}]}"#;
    let s = escaped(resource);
    for (text, label) in [
        (format!(r#"{{"Policy": {s}}}"#), "Policy"),
        (
            format!(
                r#"{{"ARN": "arn:aws:secretsmanager:us-east-1:111122223333:secret:s", "Name": "s", "ResourcePolicy": {s}}}"#
            ),
            "ResourcePolicy",
        ),
        (
            format!(r#"{{"Attributes": {{"Policy": {s}}}}}"#),
            "Attributes.Policy",
        ),
        (format!(r#"{{"Policy": {s}, "RevisionId": "1"}}"#), "Policy"),
    ] {
        let r = lint("policy.json", &text);
        assert_eq!(r.format, FileFormat::AwsCli, "{text}");
        assert_eq!(r.located.len(), 1);
        assert_eq!(r.located[0].label, label);
        assert_eq!(r.located[0].kind, PolicyKind::Resource);
        assert!(
            has(&text, &r, "C102", "\\\"s3:GetObjekt\\\""),
            "{text}: {:?}",
            found(&text, &r)
        );
    }
}

#[test]
fn account_authorization_details_are_read_with_the_kind_of_each_place() {
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let text = format!(
        r#"{{"UserDetailList": [{{"UserName": "u", "UserPolicyList": [{{"PolicyName": "a", "PolicyDocument": {POLICY}}}]}}],
"GroupDetailList": [{{"GroupName": "g", "GroupPolicyList": [{{"PolicyName": "b", "PolicyDocument": {enc}}}]}}],
"RoleDetailList": [{{"RoleName": "r", "AssumeRolePolicyDocument": {enc_trust}, "RolePolicyList": [{{"PolicyName": "c", "PolicyDocument": {POLICY}}}]}}],
"Policies": [{{"PolicyName": "m", "DefaultVersionId": "v2", "PolicyVersionList": [
  {{"Document": {POLICY}, "VersionId": "v1", "IsDefaultVersion": false}},
  {{"Document": {POLICY}, "VersionId": "v2", "IsDefaultVersion": true}}]}}]}}"#,
        enc = url_encoded(POLICY),
        enc_trust = url_encoded(trust),
    );
    let r = lint("gaad.json", &text);
    assert_eq!(r.format, FileFormat::AwsCli);
    let located: Vec<(&str, PolicyKind)> = r
        .located
        .iter()
        .map(|l| (l.label.as_str(), l.kind))
        .collect();
    assert_eq!(
        located,
        [
            (
                "UserDetailList[0].UserPolicyList[0].PolicyDocument",
                PolicyKind::Identity
            ),
            (
                "GroupDetailList[0].GroupPolicyList[0].PolicyDocument",
                PolicyKind::Identity
            ),
            (
                "RoleDetailList[0].AssumeRolePolicyDocument",
                PolicyKind::Trust
            ),
            (
                "RoleDetailList[0].RolePolicyList[0].PolicyDocument",
                PolicyKind::Identity
            ),
            (
                "Policies[0].PolicyVersionList[1].Document",
                PolicyKind::Identity
            ),
        ]
    );
    // The version not in force is listed as skipped, not checked.
    assert_eq!(r.skipped.len(), 1);
    assert_eq!(
        r.skipped[0].label,
        "Policies[0].PolicyVersionList[0].Document"
    );
    let unknown = r.findings.iter().filter(|f| f.rule.code == "C102").count();
    assert_eq!(unknown, 4, "{:?}", found(&text, &r));
    assert!(has(&text, &r, "C102", "%22s3%3AGetObjekt%22"));
}

#[test]
fn the_real_account_sample_is_read() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../corpus/aws-cli/gaad-sample.json"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let r = lint("gaad-sample.json", &text);
    assert_eq!(r.format, FileFormat::AwsCli);
    let trust = r
        .located
        .iter()
        .filter(|l| l.kind == PolicyKind::Trust)
        .count();
    let roles = text.matches("\"RoleName\"").count();
    assert!(trust > 0 && trust <= roles, "{trust} of {roles}");
    assert!(r.located.iter().any(|l| l.kind == PolicyKind::Identity));
    // No document of the file is unreadable.
    assert!(r.findings.iter().all(|f| f.rule.code != "C001"));
}

#[test]
fn policy_related_json_says_what_it_looks_like() {
    for (text, at, says) in [
        (
            r#"{"Records": [{"eventVersion": "1.09", "eventSource": "s3.amazonaws.com", "eventName": "GetObject"}]}"#,
            "\"Records\"",
            "CloudTrail log file",
        ),
        (
            r#"{"Policies": [{"PolicyName": "p", "Arn": "arn:aws:iam::111122223333:policy/p", "DefaultVersionId": "v1"}]}"#,
            "\"Policies\"",
            "AWS CLI output",
        ),
        (
            r#"{"Policy": {"PolicyName": "p", "DefaultVersionId": "v1"}}"#,
            "\"Policy\"",
            "AWS CLI output",
        ),
        (
            r#"{"bucket": {"name": "b", "policy": {"Version": "2012-10-17", "Statement": []}}}"#,
            "\"policy\"",
            "`bucket.policy` holds what looks like a policy document",
        ),
    ] {
        let r = lint("x.json", text);
        let f: Vec<_> = r
            .findings
            .iter()
            .filter(|f| f.rule.code == "C019")
            .collect();
        assert_eq!(f.len(), 1, "{text}: {:?}", r.findings);
        assert_eq!(&text[f[0].span.range()], at, "{text}");
        assert!(f[0].message.contains(says), "{}", f[0].message);
        // The same with `--kind`: linted as a policy, and still told what it looks like.
        let r = lint_file(
            "x.json",
            text,
            Some(PolicyKind::Identity),
            &Settings::default(),
        );
        assert!(r.findings.iter().any(|f| f.rule.code == "C019"), "{text}");
    }
}
