//! Laws of trust-policy decisions for web identity / SAML callers and role chaining, on
//! generated trust and identity policies:
//!
//! - a web identity or SAML caller is decided by the role's trust policy (and RCPs) alone:
//!   identity policies, a permissions boundary, a session policy or SCPs handed to the
//!   evaluator never change its decision (IAM UG `id_roles_providers_oidc`: the caller holds a
//!   provider's token, not AWS credentials; Organizations guide: SCPs limit IAM principals);
//! - a role session that passes session tags or a source identity to another role (role
//!   chaining) needs both its own permissions and the target's trust policy: when it is
//!   allowed, taking away either one denies it (IAM UG `id_credentials_temp_control-access_monitor`,
//!   "Permissions required to set source identity"; `id_session-tags`).

use policy_core::ast::PolicyKind;
use policy_core::eval::{CompiledPolicy, Decision, Level, PolicySet};
use policy_core::parse::parse_policy;
use policy_core::request::{Context, Request, RequestPrincipal};
use proptest::prelude::*;
use serde_json::{json, Value};

const ROLE: &str = "arn:aws:iam::111111111111:role/Target";
const GITHUB: &str = "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com";
const SAML: &str = "arn:aws:iam::111111111111:saml-provider/IdP";
const CALLER_ROLE: &str = "arn:aws:iam::111111111111:role/Role1";

const ACTIONS: [&str; 7] = [
    "sts:AssumeRoleWithWebIdentity",
    "sts:AssumeRoleWithSAML",
    "sts:AssumeRole",
    "sts:TagSession",
    "sts:SetSourceIdentity",
    "sts:*",
    "*",
];

fn trust_principal() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!({"Federated": GITHUB})),
        Just(json!({"Federated": SAML})),
        Just(json!({"Federated": "accounts.google.com"})),
        Just(json!({"AWS": CALLER_ROLE})),
        Just(json!({"AWS": "111111111111"})),
        Just(json!({"AWS": "arn:aws:sts::111111111111:assumed-role/Role1/Session1"})),
        Just(json!("*")),
    ]
}

fn condition() -> impl Strategy<Value = Option<Value>> {
    prop::option::of(prop_oneof![
        Just(json!({"StringLike": {"token.actions.githubusercontent.com:sub": "repo:octo-org/*"}})),
        Just(json!({"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}})),
        Just(json!({"StringEquals": {"aws:RequestTag/Project": "Automation"}})),
        Just(json!({"StringEquals": {"sts:SourceIdentity": "Alice"}})),
    ])
}

fn trust_statement() -> impl Strategy<Value = Value> {
    (
        any::<bool>(),
        trust_principal(),
        prop::sample::subsequence(ACTIONS.to_vec(), 1..4),
        condition(),
    )
        .prop_map(|(allow, principal, actions, cond)| {
            let mut s = json!({"Effect": if allow { "Allow" } else { "Deny" },
                               "Principal": principal, "Action": actions});
            if let Some(c) = cond {
                s["Condition"] = c;
            }
            s
        })
}

fn identity_statement() -> impl Strategy<Value = Value> {
    (
        any::<bool>(),
        prop::sample::subsequence(ACTIONS.to_vec(), 1..4),
        prop::sample::select(vec![ROLE, "*", "arn:aws:iam::111111111111:role/Other"]),
        condition(),
    )
        .prop_map(|(allow, actions, resource, cond)| {
            let mut s = json!({"Effect": if allow { "Allow" } else { "Deny" },
                               "Action": actions, "Resource": resource});
            if let Some(c) = cond {
                s["Condition"] = c;
            }
            s
        })
}

fn document(statements: &[Value]) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn compile(doc: &Value, kind: PolicyKind, name: &str) -> CompiledPolicy {
    let text = doc.to_string();
    let parsed = parse_policy(&text, Some(kind));
    assert!(parsed.errors.is_empty(), "{:?} in {text}", parsed.errors);
    CompiledPolicy::new(&parsed.policy.unwrap(), name, 0)
}

fn context() -> impl Strategy<Value = Context> {
    prop::sample::subsequence(
        vec![
            (
                "token.actions.githubusercontent.com:sub",
                "repo:octo-org/app:ref:refs/heads/main",
            ),
            ("SAML:aud", "https://signin.aws.amazon.com/saml"),
            ("aws:RequestTag/Project", "Automation"),
            ("sts:SourceIdentity", "Alice"),
        ],
        0..5,
    )
    .prop_map(|pairs| {
        let mut ctx = Context::new();
        for (k, v) in pairs {
            ctx.insert(k, vec![v.to_string()]);
        }
        ctx
    })
}

fn request(principal: &str, action: &str, ctx: Context) -> Request {
    Request::new(
        RequestPrincipal::parse(principal).unwrap(),
        action,
        ROLE,
        None,
        ctx,
    )
}

#[test]
fn a_federation_caller_is_never_allowed_another_action() {
    let everything = compile(
        &json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]}),
        PolicyKind::Resource,
        "open",
    );
    let set = PolicySet {
        resource: Some(everything),
        ..PolicySet::default()
    };
    for (caller, action) in [
        (GITHUB, "sts:GetCallerIdentity"),
        (GITHUB, "sts:AssumeRoleWithSAML"),
        (SAML, "s3:GetObject"),
        ("federated:accounts.google.com", "sts:AssumeRole"),
    ] {
        let r = request(caller, action, Context::new());
        assert_eq!(
            set.evaluate(&r).decision,
            Decision::ImplicitDeny,
            "{caller} {action}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn a_federation_caller_is_decided_by_the_trust_policy_alone(
        trust in prop::collection::vec(trust_statement(), 1..4),
        identity in prop::collection::vec(identity_statement(), 1..4),
        scp in prop::collection::vec(identity_statement(), 1..3),
        caller in prop::sample::select(vec![
            (GITHUB, "sts:AssumeRoleWithWebIdentity"),
            (GITHUB, "sts:TagSession"),
            ("federated:accounts.google.com", "sts:AssumeRoleWithWebIdentity"),
            (SAML, "sts:AssumeRoleWithSAML"),
            (SAML, "sts:SetSourceIdentity"),
        ]),
        ctx in context(),
    ) {
        let trust = compile(&document(&trust), PolicyKind::Trust, "trust");
        let alone = PolicySet { resource: Some(trust.clone()), ..PolicySet::default() };
        let identity = compile(&document(&identity), PolicyKind::Identity, "id");
        let with_everything = PolicySet {
            resource: Some(trust),
            identity: vec![identity.clone()],
            boundary: Some(identity.clone()),
            session: Some(identity),
            scps: vec![Level::new("r-root", vec![compile(&document(&scp), PolicyKind::Scp, "scp")])],
            ..PolicySet::default()
        };
        let r = request(caller.0, caller.1, ctx);
        prop_assert_eq!(alone.evaluate(&r).decision, with_everything.evaluate(&r).decision);
    }

    #[test]
    fn a_chained_session_permission_needs_both_sides(
        trust in prop::collection::vec(trust_statement(), 1..4),
        identity in prop::collection::vec(identity_statement(), 1..4),
        action in prop::sample::select(vec!["sts:TagSession", "sts:SetSourceIdentity"]),
        caller in prop::sample::select(vec![
            "arn:aws:sts::111111111111:assumed-role/Role1/Session1",
            CALLER_ROLE,
        ]),
        ctx in context(),
    ) {
        let trust = compile(&document(&trust), PolicyKind::Trust, "trust");
        let identity = compile(&document(&identity), PolicyKind::Identity, "id");
        let r = request(caller, action, ctx);
        let both = PolicySet {
            resource: Some(trust.clone()),
            identity: vec![identity.clone()],
            ..PolicySet::default()
        };
        if both.evaluate(&r).decision == Decision::Allowed {
            let trust_only = PolicySet { resource: Some(trust), ..PolicySet::default() };
            let identity_only = PolicySet { identity: vec![identity], ..PolicySet::default() };
            prop_assert_ne!(trust_only.evaluate(&r).decision, Decision::Allowed);
            prop_assert_ne!(identity_only.evaluate(&r).decision, Decision::Allowed);
        }
    }
}
