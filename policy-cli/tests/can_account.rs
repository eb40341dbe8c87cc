//! `iampol can --account`: every policy from an account snapshot.
//!
//! Expected decisions come from the policies' text and the IAM User Guide's evaluation logic
//! (`reference_policies_evaluation-logic`): a user has the permissions of its groups'
//! policies (`id_groups`); a role's trust policy must allow `sts:AssumeRole`
//! (`id_roles_terms-and-concepts`, "trust policy"), and in the same account a trust policy
//! that names the user is enough (`reference_policies_evaluation-logic-cross-account`,
//! "same account"); a permissions boundary limits what identity policies allow
//! (`access_policies_boundaries`); an SCP `Deny` at an OU applies to every account under it
//! and an RCP `Deny` to every resource of those accounts (Organizations UG
//! `orgs_manage_policies_scps`, `orgs_manage_policies_rcps`). Positions are read off the
//! snapshot files (line and column of the statement's `{`).

mod common;

use common::iampol;

const SHARED: &str = "corpus/accounts/cloudsplaining-example/gaad.json";
const ORG: &str = "corpus/accounts/org-example";

fn can(
    snapshot: &str,
    principal: &str,
    action: &str,
    resource: &str,
    extra: &[&str],
) -> (i32, String, String) {
    let mut args = vec![
        "can",
        "--account",
        snapshot,
        "--principal",
        principal,
        "--action",
        action,
        "--resource",
        resource,
    ];
    args.extend_from_slice(extra);
    let out = iampol(&args);
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// `userwithlotsofpermissions` has no managed policy of its own; it is in group `admin`, to
/// which `AdministratorAccess` (`"Action": "*"`, line 5453) is attached.
#[test]
fn a_user_is_allowed_through_its_groups_managed_policy() {
    let (code, out, err) = can(
        SHARED,
        "arn:aws:iam::012345678901:user/userwithlotsofpermissions",
        "iam:CreateUser",
        "arn:aws:iam::012345678901:user/new",
        &[],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("allowed\n"), "{out}");
    assert!(
        out.contains(
            "Allow identity policy `arn:aws:iam::aws:policy/AdministratorAccess` statement #1 \
             (corpus/accounts/cloudsplaining-example/gaad.json:5453:29)"
        ),
        "{out}"
    );
}

/// `OrganizationAccountAccessRole`'s trust policy allows only account 072528804237: an
/// administrator of another account is still not allowed to assume it.
#[test]
fn the_trust_policy_decides_assume_role() {
    let (code, out, _) = can(
        SHARED,
        "arn:aws:iam::012345678901:user/obama",
        "sts:AssumeRole",
        "arn:aws:iam::200611803367:role/OrganizationAccountAccessRole",
        &[],
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.starts_with("implicitDeny\n"), "{out}");
    // Same account, trust policy naming the user: allowed without an identity grant.
    let (code, out, _) = can(
        ORG,
        "arn:aws:iam::111122223333:user/alice",
        "sts:AssumeRole",
        "arn:aws:iam::111122223333:role/DeployRole",
        &[],
    );
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("Allow resource policy `role/DeployRole/trust`"),
        "{out}"
    );
    let (code, _, _) = can(
        ORG,
        "arn:aws:iam::111122223333:user/carol",
        "sts:AssumeRole",
        "arn:aws:iam::111122223333:role/DeployRole",
        &[],
    );
    assert_eq!(code, 1);
}

/// `DeployRole` has `AdministratorAccess`, but its account is under the Workloads OU, whose
/// SCP denies `s3:DeleteBucket` (statement at line 4, column 9 of the decoded `Content`). An
/// account directly under the root is not affected.
#[test]
fn an_scp_at_the_ou_denies() {
    let (code, out, _) = can(
        ORG,
        "arn:aws:iam::111122223333:role/DeployRole",
        "s3:DeleteBucket",
        "arn:aws:s3:::amzn-s3-demo-bucket",
        &[],
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.starts_with("explicitDeny\n"), "{out}");
    assert!(
        out.contains(
            "Deny scp policy `ou-examplerootid-workloads/p-examplescp1 (DenyDeleteBucket)` \
             statement `DenyDeleteBucket` (corpus/accounts/org-example/organization/policies/\
             p-examplescp1.json: Content:4:9)"
        ),
        "{out}"
    );
    let (code, out, _) = can(
        ORG,
        "arn:aws:iam::444455556666:user/erin",
        "s3:DeleteBucket",
        "arn:aws:s3:::other-bucket",
        &["--resource-account", "444455556666"],
    );
    assert_eq!(code, 0, "{out}");
}

/// bob has `AdministratorAccess` and the boundary `S3OnlyBoundary` (`s3:*`): IAM is denied,
/// S3 allowed.
#[test]
fn the_boundary_limits_identity_policies() {
    let (code, out, _) = can(
        ORG,
        "arn:aws:iam::111122223333:user/bob",
        "iam:CreateUser",
        "arn:aws:iam::111122223333:user/new",
        &[],
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("blocked by the boundary layer"), "{out}");
    let (code, out, _) = can(
        ORG,
        "arn:aws:iam::111122223333:user/bob",
        "s3:ListAllMyBuckets",
        "*",
        &[],
    );
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("Allow boundary policy `arn:aws:iam::111122223333:policy/S3OnlyBoundary`"),
        "{out}"
    );
}

/// dave (account 444455556666) reads the bucket of 111122223333: its bucket policy (an
/// `s3api get-bucket-policy` output) names him, and his own policy allows; the RCP of the
/// bucket's account denies the request without TLS.
#[test]
fn cross_account_bucket_policy_and_rcp() {
    let (code, out, _) = can(
        ORG,
        "arn:aws:iam::444455556666:user/dave",
        "s3:GetObject",
        "arn:aws:s3:::amzn-s3-demo-bucket/report.csv",
        &["--context", "aws:SecureTransport=true"],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("statement `CrossAccountRead`"), "{out}");
    let (code, out, _) = can(
        ORG,
        "arn:aws:iam::444455556666:user/dave",
        "s3:GetObject",
        "arn:aws:s3:::amzn-s3-demo-bucket/report.csv",
        &["--context", "aws:SecureTransport=false"],
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("EnforceSecureTransport"), "{out}");
}

/// The raw API form (URL-encoded documents) gives the same decision, pointing into the
/// decoded document.
#[test]
fn url_encoded_gaad() {
    let (code, out, _) = can(
        "corpus/accounts/url-encoded/gaad.json",
        "arn:aws:iam::111122223333:user/alice",
        "s3:GetObject",
        "arn:aws:s3:::amzn-s3-demo-bucket/key",
        &[],
    );
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("gaad.json: arn:aws:iam::111122223333:policy/DevS3Read (URL-decoded):1:"),
        "{out}"
    );
}

/// grace's managed policies are missing from the export: an implicit deny that they could
/// turn into an allow is not an answer (exit 2), and says why.
#[test]
fn gaps_make_the_answer_incomplete() {
    let (code, out, err) = can(
        "corpus/accounts/broken",
        "arn:aws:iam::111122223333:user/grace",
        "s3:GetObject",
        "arn:aws:s3:::b/k",
        &[],
    );
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        out.contains(
            "incomplete: policy `arn:aws:iam::111122223333:policy/NotExported` attached to \
             `arn:aws:iam::111122223333:user/grace` is not in the snapshot"
        ),
        "{out}"
    );
    // The reading errors are on stderr with their positions.
    assert!(
        err.contains("error: corpus/accounts/broken/accounts/111122223333/gaad.json:16:43:"),
        "{err}"
    );
    // heidi's decision does not depend on anything missing: answered.
    let (code, out, _) = can(
        "corpus/accounts/broken",
        "arn:aws:iam::111122223333:user/heidi",
        "s3:GetObject",
        "arn:aws:s3:::b/k",
        &[],
    );
    assert_eq!(code, 0, "{out}");
    // JSON says it too.
    let (code, out, _) = can(
        "corpus/accounts/broken",
        "arn:aws:iam::111122223333:user/frank",
        "s3:GetObject",
        "arn:aws:s3:::b/k",
        &["--format", "json"],
    );
    assert_eq!(code, 2);
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["undecided"], true);
    assert_eq!(
        v["incomplete"][0],
        "policy `user/frank/Misspelled` of `arn:aws:iam::111122223333:user/frank` could not be \
         read (see the errors above)"
    );
}

#[test]
fn usage_errors() {
    // Policy files and a snapshot do not mix.
    let out = iampol(&[
        "can",
        "--account",
        ORG,
        "--identity",
        "x.json",
        "--principal",
        "arn:aws:iam::111122223333:user/alice",
        "--action",
        "s3:GetObject",
        "--resource",
        "*",
    ]);
    assert_eq!(out.status.code(), Some(2));
    // A principal the snapshot does not have.
    let (code, _, err) = can(
        ORG,
        "arn:aws:iam::111122223333:user/nobody",
        "s3:GetObject",
        "*",
        &[],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("is not a user or role of the snapshot"),
        "{err}"
    );
    // A snapshot that does not exist.
    let (code, _, _) = can(
        "corpus/accounts/no-such",
        "arn:aws:iam::111122223333:user/alice",
        "s3:GetObject",
        "*",
        &[],
    );
    assert_eq!(code, 2);
}

/// A service principal has no identity policies: `WebServer`'s trust policy allows
/// `ec2.amazonaws.com` only (IAM UG `id_roles_create_for-service`).
#[test]
fn a_service_principal_is_decided_by_the_trust_policy() {
    let (code, out, _) = can(
        ORG,
        "ec2.amazonaws.com",
        "sts:AssumeRole",
        "arn:aws:iam::111122223333:role/WebServer",
        &[],
    );
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("Allow resource policy `role/WebServer/trust`"),
        "{out}"
    );
    let (code, out, _) = can(
        ORG,
        "lambda.amazonaws.com",
        "sts:AssumeRole",
        "arn:aws:iam::111122223333:role/WebServer",
        &[],
    );
    assert_eq!(code, 1, "{out}");
    // A caller of an account the snapshot does not hold: its policies are unknown.
    let (code, out, _) = can(
        ORG,
        "arn:aws:iam::999988887777:user/mallory",
        "s3:GetObject",
        "arn:aws:s3:::amzn-s3-demo-bucket/k",
        &[],
    );
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("account 999988887777 is not in it"), "{out}");
}
