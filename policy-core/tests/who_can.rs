//! `who_can` on hand-built snapshots; each expected answer comes from the AWS documentation
//! section named in the test.

mod account_support;

use account_support::{allow, Build, MAIN, OTHER};
use policy_core::analysis::who_can::{who_can, CallerType, Entry, Query, WhoCan};
use policy_core::eval::Decision;
use policy_core::request::Context;

fn query(action: &str, resource: &str) -> Query {
    Query {
        actions: vec![action.to_string()],
        resource: resource.to_string(),
        context: Context::new(),
    }
}

fn find<'a>(answer: &'a WhoCan, caller: &str) -> Option<&'a Entry> {
    answer.entries.iter().find(|e| e.caller == caller)
}

fn callers(answer: &WhoCan) -> Vec<&str> {
    answer.entries.iter().map(|e| e.caller.as_str()).collect()
}

const BUCKET: &str = "arn:aws:s3:::amzn-s3-demo-bucket";
const OBJECT: &str = "arn:aws:s3:::amzn-s3-demo-bucket/report.csv";

/// S3 User Guide, "Example 2: Bucket owner granting cross-account bucket permissions"
/// (`example-walkthroughs-managing-access-example2`), and IAM UG "Cross-account policy
/// evaluation logic": account A's bucket policy grants account B; B's user Dave is allowed
/// only once B's administrator attaches a user policy that allows too.
#[test]
fn bucket_policy_granting_another_account_needs_that_accounts_identity_policy() {
    let bucket_policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"Example permissions","Effect":"Allow",
        "Principal":{{"AWS":"arn:aws:iam::{OTHER}:root"}},"Action":["s3:GetLifecycleConfiguration","s3:ListBucket"],
        "Resource":"{BUCKET}"}}]}}"#
    );
    let mut b = Build::default();
    b.resource(MAIN, BUCKET, &bucket_policy);
    // Account B not in the snapshot: "any principal of B its own policies allow".
    let answer = who_can(&b.snapshot, &query("s3:ListBucket", BUCKET));
    let entry = find(&answer, OTHER).expect("account B is listed");
    assert_eq!(entry.caller_type, CallerType::Account);
    assert!(entry.needs_own_policies);
    assert!(entry.is_unconditional());
    assert_eq!(entry.reasons.len(), 2, "{:?}", entry.reasons);

    // Account B in the snapshot: expanded to its principals that its own policies allow.
    b.user(OTHER, "Dave", &[&allow("s3:ListBucket", BUCKET)], None);
    b.user(OTHER, "Carol", &[], None);
    b.user(MAIN, "AccountAadmin", &[], None);
    let answer = who_can(&b.snapshot, &query("s3:ListBucket", BUCKET));
    assert_eq!(
        callers(&answer),
        vec![format!("arn:aws:iam::{OTHER}:user/Dave").as_str()]
    );
    let dave = &answer.entries[0];
    assert_eq!(dave.caller_type, CallerType::User);
    assert!(!dave.needs_own_policies);
    // Both the identity policy and the bucket policy are reasons.
    assert!(dave.reasons.iter().any(|r| r.policy.contains("user/Dave")));
    assert!(dave.reasons.iter().any(|r| &*r.policy == BUCKET));
    assert_eq!(answer.principals_checked, 3);
}

/// IAM UG "Policy evaluation logic", resource-based policies in the same account: a bucket
/// policy naming the user's ARN allows by itself; naming the account delegates to IAM, so the
/// user's identity policy must allow.
#[test]
fn same_account_bucket_policy_naming_the_user_suffices() {
    let mut b = Build::default();
    b.resource(
        MAIN,
        BUCKET,
        &format!(
            r#"{{"Version":"2012-10-17","Statement":[
            {{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{MAIN}:user/alice"}},"Action":"s3:GetObject","Resource":"{BUCKET}/*"}},
            {{"Effect":"Allow","Principal":{{"AWS":"{MAIN}"}},"Action":"s3:GetObject","Resource":"{BUCKET}/*"}}]}}"#
        ),
    );
    b.user(MAIN, "alice", &[], None);
    b.user(MAIN, "bob", &[], None);
    b.user(MAIN, "carol", &[&allow("s3:GetObject", "*")], None);
    let answer = who_can(&b.snapshot, &query("s3:GetObject", OBJECT));
    assert_eq!(
        callers(&answer),
        vec![
            format!("arn:aws:iam::{MAIN}:user/alice").as_str(),
            format!("arn:aws:iam::{MAIN}:user/carol").as_str()
        ]
    );
}

/// S3 User Guide, "Bucket policy examples", "Grant permissions to the AWS `CloudTrail`
/// service" pattern (service principal with `aws:SourceArn`): the service is allowed, under
/// the condition the query left open.
#[test]
fn service_principal_is_allowed_under_its_open_condition() {
    let mut b = Build::default();
    b.resource(
        MAIN,
        BUCKET,
        &format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"AWSCloudTrailWrite","Effect":"Allow",
            "Principal":{{"Service":"cloudtrail.amazonaws.com"}},"Action":"s3:PutObject",
            "Resource":"{BUCKET}/AWSLogs/{MAIN}/*",
            "Condition":{{"StringEquals":{{"aws:SourceArn":"arn:aws:cloudtrail:us-east-1:{MAIN}:trail/myTrail"}}}}}}]}}"#
        ),
    );
    let object = format!("{BUCKET}/AWSLogs/{MAIN}/x.json.gz");
    let answer = who_can(&b.snapshot, &query("s3:PutObject", &object));
    let entry = find(&answer, "cloudtrail.amazonaws.com").expect("service listed");
    assert_eq!(entry.caller_type, CallerType::Service);
    assert_eq!(entry.decision, Decision::Allowed);
    assert!(!entry.is_unconditional());
    let alt = &entry.residual.any_of;
    assert_eq!(alt.len(), 1);
    let cond = &alt[0].all_of[0].conditions;
    assert_eq!(cond[0].key, "aws:SourceArn");
    assert_eq!(cond[0].operator, "StringEquals");

    // With the key fixed by the query to the trail's ARN, the condition is gone...
    let mut q = query("s3:PutObject", &object);
    q.context.insert(
        "aws:SourceArn",
        vec![format!("arn:aws:cloudtrail:us-east-1:{MAIN}:trail/myTrail")],
    );
    let answer = who_can(&b.snapshot, &q);
    assert!(find(&answer, "cloudtrail.amazonaws.com")
        .unwrap()
        .is_unconditional());
    // ...and fixed to another trail, the service is not allowed.
    q.context.insert(
        "aws:SourceArn",
        vec![format!("arn:aws:cloudtrail:us-east-1:{MAIN}:trail/other")],
    );
    assert!(find(&who_can(&b.snapshot, &q), "cloudtrail.amazonaws.com").is_none());
}

/// IAM UG "Cross account resource access in IAM" / `id_roles_common-scenarios_aws-accounts`:
/// a trust policy naming `arn:aws:iam::ACCOUNT:root` lets that account's administrator
/// delegate `sts:AssumeRole` to its users; only those whose identity policy allows it can.
#[test]
fn trust_policy_naming_another_accounts_root_expands_to_its_allowed_principals() {
    let mut b = Build::default();
    let role = format!("arn:aws:iam::{MAIN}:role/UpdateApp");
    b.role(
        MAIN,
        "UpdateApp",
        &format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{OTHER}:root"}},"Action":"sts:AssumeRole"}}]}}"#
        ),
        &[],
        None,
    );
    b.user(OTHER, "dev", &[&allow("sts:AssumeRole", &role)], None);
    b.user(OTHER, "tester", &[&allow("s3:*", "*")], None);
    // Same account as the role, not named by the trust policy: its identity policy is not
    // enough (a trust policy must allow by itself, UG evaluation logic).
    b.user(MAIN, "admin", &[&allow("*", "*")], None);
    let answer = who_can(&b.snapshot, &query("sts:AssumeRole", &role));
    assert_eq!(
        callers(&answer),
        vec![format!("arn:aws:iam::{OTHER}:user/dev").as_str()]
    );
}

/// IAM UG "AWS: Denies access to AWS based on the requested Region"
/// (`reference_policies_examples_aws_deny-requested-region`), as an SCP: a `Deny` with
/// `StringNotEquals aws:RequestedRegion` is a residual "unless" when the query leaves the
/// region open, and decides when it fixes it.
#[test]
fn scp_denying_regions_is_a_residual_unless_the_region_is_fixed() {
    let mut b = Build::default();
    b.user(MAIN, "alice", &[&allow("ec2:RunInstances", "*")], None);
    b.organization(
        &[MAIN],
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"DenyAllOutsideRequestedRegions","Effect":"Deny",
        "NotAction":["cloudfront:*","iam:*","route53:*","support:*"],"Resource":"*",
        "Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-central-1","eu-west-1"]}}}]}"#,
    );
    let instance = format!("arn:aws:ec2:eu-west-1:{MAIN}:instance/*");
    let answer = who_can(&b.snapshot, &query("ec2:RunInstances", &instance));
    let alice = answer.entries.first().expect("alice listed");
    assert_eq!(alice.decision, Decision::Allowed);
    assert!(alice.residual.any_of.is_empty());
    assert_eq!(alice.residual.unless.len(), 1);
    let deny = &alice.residual.unless[0];
    assert_eq!(
        deny.statement.sid.as_deref(),
        Some("DenyAllOutsideRequestedRegions")
    );
    assert_eq!(deny.conditions[0].key, "aws:RequestedRegion");

    let mut q = query("ec2:RunInstances", &instance);
    q.context
        .insert("aws:RequestedRegion", vec!["eu-west-1".into()]);
    assert!(who_can(&b.snapshot, &q).entries[0].is_unconditional());
    q.context
        .insert("aws:RequestedRegion", vec!["us-east-1".into()]);
    assert!(who_can(&b.snapshot, &q).entries.is_empty());
}

/// IAM UG "Permissions boundaries for IAM entities" (`access_policies_boundaries`): the
/// effective permissions are the intersection of the identity policy and the boundary.
#[test]
fn boundary_limits_a_role() {
    let mut b = Build::default();
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    b.role(
        MAIN,
        "bounded",
        trust,
        &[&allow("*", "*")],
        Some(&allow("s3:GetObject", "*")),
    );
    b.role(MAIN, "free", trust, &[&allow("*", "*")], None);
    let q = query(
        "dynamodb:GetItem",
        &format!("arn:aws:dynamodb:us-east-1:{MAIN}:table/t"),
    );
    assert_eq!(
        callers(&who_can(&b.snapshot, &q)),
        vec![format!("arn:aws:iam::{MAIN}:role/free").as_str()]
    );
    let q = query("s3:GetObject", OBJECT);
    assert_eq!(who_can(&b.snapshot, &q).entries.len(), 2);
}

/// IAM UG "AWS JSON policy elements: NotPrincipal": a `Deny` with `NotPrincipal` denies every
/// principal it does not list (here the bucket is open to the account, and only `alice` is
/// spared the deny).
#[test]
fn not_principal_deny_spares_only_the_listed_principal() {
    let mut b = Build::default();
    b.resource(
        MAIN,
        BUCKET,
        &format!(
            r#"{{"Version":"2012-10-17","Statement":[
            {{"Effect":"Deny","NotPrincipal":{{"AWS":["arn:aws:iam::{MAIN}:user/alice","arn:aws:iam::{MAIN}:root"]}},"Action":"s3:*","Resource":["{BUCKET}","{BUCKET}/*"]}}]}}"#
        ),
    );
    b.user(MAIN, "alice", &[&allow("s3:*", "*")], None);
    b.user(MAIN, "bob", &[&allow("s3:*", "*")], None);
    let answer = who_can(&b.snapshot, &query("s3:GetObject", OBJECT));
    assert_eq!(
        callers(&answer),
        vec![format!("arn:aws:iam::{MAIN}:user/alice").as_str()]
    );
}

/// IAM UG "AWS: Allows access based on MFA" pattern, "Denies access ... unless MFA"
/// (`reference_policies_examples_aws_mfa-dates`, `aws:MultiFactorAuthPresent`): a conditional
/// allow and a conditional deny both become residual conditions, never dropped.
#[test]
fn conditional_allow_and_deny_become_the_residual() {
    let mut b = Build::default();
    b.user(
        MAIN,
        "alice",
        &[r#"{"Version":"2012-10-17","Statement":[
        {"Sid":"AllowWithMFA","Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}},
        {"Sid":"AllowFromOffice","Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}},
        {"Sid":"DenyOldSessions","Effect":"Deny","Action":"*","Resource":"*","Condition":{"NumericGreaterThan":{"aws:MultiFactorAuthAge":"3600"}}}]}"#],
        None,
    );
    let answer = who_can(&b.snapshot, &query("s3:GetObject", OBJECT));
    let alice = &answer.entries[0];
    assert_eq!(alice.decision, Decision::Allowed);
    // Two alternatives, one statement each.
    let sids: Vec<Vec<&str>> = alice
        .residual
        .any_of
        .iter()
        .map(|a| {
            a.all_of
                .iter()
                .map(|s| s.statement.sid.as_deref().unwrap())
                .collect()
        })
        .collect();
    assert_eq!(sids, vec![vec!["AllowWithMFA"], vec!["AllowFromOffice"]]);
    assert_eq!(alice.residual.unless.len(), 1);
    assert_eq!(
        alice.residual.unless[0].conditions[0].key,
        "aws:MultiFactorAuthAge"
    );
}

/// A condition on a guardrail and one on the identity policy must hold together: the
/// alternative lists both statements (IAM UG evaluation logic: the SCP and the identity
/// policy must each allow).
#[test]
fn conditions_of_several_layers_combine() {
    let mut b = Build::default();
    b.user(
        MAIN,
        "alice",
        &[r#"{"Version":"2012-10-17","Statement":[{"Sid":"Office","Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}}]}"#],
        None,
    );
    b.organization(
        &[MAIN],
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"OnlyTls","Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}"#,
    );
    // The root level has FullAWSAccess too, so only the identity condition is needed.
    let answer = who_can(&b.snapshot, &query("s3:GetObject", OBJECT));
    let alice = &answer.entries[0];
    assert_eq!(alice.residual.any_of.len(), 1);
    assert_eq!(alice.residual.any_of[0].all_of.len(), 1);
    // Without FullAWSAccess on the root, the SCP's condition joins the identity's.
    if let Some(org) = &mut b.snapshot.organization {
        org.nodes
            .get_mut("r-examplerootid")
            .unwrap()
            .scps
            .retain(|p| p != "p-FullAWSAccess");
    }
    let answer = who_can(&b.snapshot, &query("s3:GetObject", OBJECT));
    let alice = &answer.entries[0];
    assert_eq!(alice.residual.any_of.len(), 1);
    let sids: Vec<&str> = alice.residual.any_of[0]
        .all_of
        .iter()
        .map(|s| s.statement.sid.as_deref().unwrap())
        .collect();
    assert_eq!(sids, vec!["OnlyTls", "Office"]);
}

/// A principal whose managed policy is not in the export is listed as incomplete, never
/// answered as if the policy were empty.
#[test]
fn a_gap_makes_the_answer_incomplete() {
    let mut b = Build::default();
    b.user(MAIN, "alice", &[], None);
    b.account(MAIN).users[0]
        .managed
        .push("arn:aws:iam::aws:policy/ReadOnlyAccess".into());
    let answer = who_can(&b.snapshot, &query("s3:GetObject", OBJECT));
    let alice = &answer.entries[0];
    assert_eq!(alice.decision, Decision::ImplicitDeny);
    assert_eq!(alice.gaps.len(), 1);
}

/// `"Principal": "*"` with `aws:PrincipalOrgID` (IAM UG `aws:PrincipalOrgID`): anonymous
/// callers have no organization, so they are not allowed; any other account is, if its
/// organization is the one named.
#[test]
fn wildcard_principal_pinned_by_organization() {
    let mut b = Build::default();
    b.resource(
        MAIN,
        BUCKET,
        &format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"{BUCKET}/*",
            "Condition":{{"StringEquals":{{"aws:PrincipalOrgID":"o-exampleorgid"}}}}}}]}}"#
        ),
    );
    let answer = who_can(&b.snapshot, &query("s3:GetObject", OBJECT));
    assert!(answer
        .entries
        .iter()
        .all(|e| e.caller_type != CallerType::Anonymous));
    let any = answer
        .entries
        .iter()
        .find(|e| e.caller_type == CallerType::AnyAccount)
        .expect("any account listed");
    assert!(any.needs_own_policies);
    assert_eq!(
        any.residual.any_of[0].all_of[0].conditions[0].key,
        "aws:PrincipalOrgID"
    );
}

/// Scale smoke test: a few hundred principals in shared groups give the same answers as
/// deciding each principal on its own policy set.
#[test]
fn many_principals_agree_with_the_evaluator() {
    use policy_core::request::{Request, RequestPrincipal};
    let mut b = Build::default();
    let readers = b.managed(MAIN, "readers", &allow("s3:GetObject", "*"));
    let writers = b.managed(MAIN, "writers", &allow("s3:PutObject", "*"));
    let bounded = b.managed(MAIN, "bounded", &allow("s3:List*", "*"));
    for i in 0..300 {
        b.user(MAIN, &format!("u{i:03}"), &[], None);
        let user = b.account(MAIN).users.last_mut().unwrap();
        user.managed.push(if i % 3 == 0 {
            readers.clone()
        } else {
            writers.clone()
        });
        if i % 5 == 0 {
            user.boundary = Some(bounded.clone());
        }
    }
    let q = query("s3:GetObject", OBJECT);
    let answer = who_can(&b.snapshot, &q);
    let mut expected = Vec::new();
    for p in b.snapshot.principals() {
        let (set, _) = b.snapshot.policy_set(p, OBJECT, false);
        let request = Request::new(
            RequestPrincipal::parse(p.arn()).unwrap(),
            "s3:GetObject",
            OBJECT,
            None,
            Context::new(),
        );
        if set.evaluate(&request).decision == Decision::Allowed {
            expected.push(p.arn().to_string());
        }
    }
    expected.sort();
    let got: Vec<String> = answer.entries.iter().map(|e| e.caller.clone()).collect();
    assert_eq!(got, expected);
    // Every third user reads, minus those (every 15th) whose boundary forbids it.
    assert_eq!(got.len(), 100 - 20);
}
