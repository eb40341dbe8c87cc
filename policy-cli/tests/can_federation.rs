//! `iampol can` for web identity and SAML callers, and for `sts:TagSession` /
//! `sts:SetSourceIdentity` against a role trust policy (which has no `Resource`).
//!
//! Expectations come from the IAM User Guide: the GitHub OIDC trust policy of
//! `id_roles_create_for-idp_oidc`, 'Configuring a role for GitHub OIDC identity provider', the
//! SAML trust policy of `id_roles_create_for-idp_saml`, and `id_session-tags`, 'Permissions
//! required to add session tags'.

mod common;

use common::iampol;
use std::path::{Path, PathBuf};
use std::process::Output;

struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("iampol-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn file(&self, name: &str, text: &str) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_string()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const GITHUB: &str = "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com";
const ROLE: &str = "arn:aws:iam::111111111111:role/GitHubDeploy";

fn github_trust(dir: &Scratch, actions: &str) -> String {
    dir.file(
        "trust.json",
        &format!(
            r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow",
              "Principal": {{"Federated": "{GITHUB}"}}, "Action": {actions},
              "Condition": {{"StringEquals": {{"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}},
                             "StringLike": {{"token.actions.githubusercontent.com:sub": "repo:octo-org/octo-repo:ref:refs/heads/main"}}}}}}]}}"#
        ),
    )
}

fn code(out: &Output) -> Option<i32> {
    out.status.code()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn github_request<'a>(trust: &'a str, action: &'a str, sub: &'a str) -> Vec<&'a str> {
    vec![
        "can",
        "--principal",
        GITHUB,
        "--action",
        action,
        "--resource",
        ROLE,
        "--resource-policy",
        trust,
        "--context",
        "token.actions.githubusercontent.com:aud=sts.amazonaws.com",
        "--context",
        sub,
    ]
}

#[test]
fn a_github_workflow_is_decided_by_the_trust_policy() {
    let dir = Scratch::new("can-github");
    let trust = github_trust(&dir, r#""sts:AssumeRoleWithWebIdentity""#);
    let main =
        "token.actions.githubusercontent.com:sub=repo:octo-org/octo-repo:ref:refs/heads/main";
    let out = iampol(&github_request(
        &trust,
        "sts:AssumeRoleWithWebIdentity",
        main,
    ));
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("allowed"), "{}", stdout(&out));

    let fork = "token.actions.githubusercontent.com:sub=repo:octo-org/octo-repo:pull_request";
    let out = iampol(&github_request(
        &trust,
        "sts:AssumeRoleWithWebIdentity",
        fork,
    ));
    assert_eq!(code(&out), Some(1), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("implicitDeny"), "{}", stdout(&out));
}

#[test]
fn a_provider_host_is_named_with_federated_prefix() {
    let dir = Scratch::new("can-google");
    let trust = dir.file(
        "trust.json",
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": "accounts.google.com"},
            "Action": "sts:AssumeRoleWithWebIdentity", "Condition": {"StringEquals": {"accounts.google.com:aud": "66677788899900pro0"}}}]}"#,
    );
    let args = |principal: &'static str, aud: &'static str| {
        iampol(&[
            "can",
            "--principal",
            principal,
            "--action",
            "sts:AssumeRoleWithWebIdentity",
            "--resource",
            "arn:aws:iam::111111111111:role/GoogleAppUsers",
            "--resource-policy",
            &trust,
            "--context",
            aud,
        ])
    };
    let out = args(
        "federated:accounts.google.com",
        "accounts.google.com:aud=66677788899900pro0",
    );
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    let out = args(
        "federated:accounts.google.com",
        "accounts.google.com:aud=other",
    );
    assert_eq!(code(&out), Some(1), "{}", stderr(&out));
    // Without the prefix a host is not a principal; the message says how to write one.
    let out = args(
        "accounts.google.com",
        "accounts.google.com:aud=66677788899900pro0",
    );
    assert_eq!(code(&out), Some(2));
    assert!(stderr(&out).contains("federated:HOST"), "{}", stderr(&out));
}

#[test]
fn a_federated_caller_asking_about_another_action_is_refused() {
    let out = iampol(&[
        "can",
        "--principal",
        "arn:aws:iam::111111111111:saml-provider/ExampleOrgSSOProvider",
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::b/k",
    ]);
    assert_eq!(code(&out), Some(2));
    let err = stderr(&out);
    assert!(err.contains("sts:AssumeRoleWithSAML"), "{err}");
    assert!(err.contains("assumed-role"), "{err}");
}

#[test]
fn tag_session_is_decided_by_a_trust_policy_without_resource() {
    let dir = Scratch::new("can-tags");
    let both = github_trust(
        &dir,
        r#"["sts:AssumeRoleWithWebIdentity", "sts:TagSession"]"#,
    );
    let main =
        "token.actions.githubusercontent.com:sub=repo:octo-org/octo-repo:ref:refs/heads/main";
    let out = iampol(&github_request(&both, "sts:TagSession", main));
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));

    let assume_only = github_trust(&dir, r#""sts:AssumeRoleWithWebIdentity""#);
    let out = iampol(&github_request(&assume_only, "sts:TagSession", main));
    assert_eq!(code(&out), Some(1), "{}", stderr(&out));
}

#[test]
fn a_chained_role_needs_set_source_identity_in_its_own_policy_too() {
    let dir = Scratch::new("can-chain");
    let trust = dir.file(
        "trust.json",
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:role/Role1"},
            "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"]}]}"#,
    );
    let identity = |dir: &Scratch, actions: &str| {
        dir.file(
            "identity.json",
            &format!(
                r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": {actions},
                    "Resource": "arn:aws:iam::111111111111:role/Role2"}}]}}"#
            ),
        )
    };
    let ask = |identity: &str| {
        iampol(&[
            "can",
            "--principal",
            "arn:aws:sts::111111111111:assumed-role/Role1/Session1",
            "--action",
            "sts:SetSourceIdentity",
            "--resource",
            "arn:aws:iam::111111111111:role/Role2",
            "--resource-policy",
            &trust,
            "--identity",
            identity,
            "--context",
            "sts:SourceIdentity=Alice",
        ])
    };
    let out = ask(&identity(
        &dir,
        r#"["sts:AssumeRole", "sts:SetSourceIdentity"]"#,
    ));
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    let out = ask(&identity(&dir, r#""sts:AssumeRole""#));
    assert_eq!(code(&out), Some(1), "{}", stderr(&out));
    assert!(Path::new(&trust).exists());
}

/// `--explain` says that SCPs, identity policies, boundaries and session policies do not apply
/// to a web identity caller (Organizations User Guide, "Service control policies": SCPs limit
/// the IAM users and roles of member accounts; IAM User Guide, `id_roles_create_for-idp_oidc`:
/// the role's trust policy decides who may assume it), instead of calling them "not given".
#[test]
fn explain_says_which_layers_never_apply_to_a_web_identity_caller() {
    let dir = Scratch::new("can-github-explain");
    let trust = github_trust(&dir, r#""sts:AssumeRoleWithWebIdentity""#);
    let sub = "token.actions.githubusercontent.com:sub=repo:octo-org/octo-repo:ref:refs/heads/dev";
    let mut args = github_request(&trust, "sts:AssumeRoleWithWebIdentity", sub);
    args.extend(["--explain", "--format", "json"]);
    let out = iampol(&args);
    assert_eq!(code(&out), Some(1), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let layers = json["layers"].as_array().unwrap();
    let verdict = |layer: &str| {
        layers
            .iter()
            .find(|l| l["policyType"] == layer)
            .map(|l| l["verdict"].as_str().unwrap().to_string())
            .unwrap()
    };
    for layer in ["scp", "identity", "boundary", "session"] {
        assert_eq!(verdict(layer), "notApplicable", "{layer}: {json}");
    }
    assert_eq!(verdict("resource"), "implicitDeny", "{json}");
}
