//! Loader tests on the hand-made snapshots of `corpus/accounts/` (see its README for where
//! each comes from). Expected values are read off the input files, not the loader's output.

use std::path::{Path, PathBuf};

use super::*;
use crate::account::{Gap, OrgNodeKind, Principal};
use crate::ast::Effect;

fn corpus(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../corpus/accounts")
        .join(rel)
}

fn tree_files(root: &Path) -> Vec<TreeFile> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<TreeFile>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(root, &p, out);
            } else if p.extension().is_some_and(|e| e == "json") {
                let rel = p
                    .strip_prefix(root)
                    .unwrap()
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                let text = std::fs::read_to_string(&p).unwrap();
                out.push(TreeFile {
                    path: rel.clone(),
                    file: SourceFile::new(rel, text),
                });
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out
}

fn load_tree(rel: &str) -> Snapshot {
    let mut s = Snapshot::default();
    read_tree(&mut s, tree_files(&corpus(rel)));
    s
}

fn load_gaad(rel: &str) -> Snapshot {
    let text = std::fs::read_to_string(corpus(rel)).unwrap();
    let mut s = Snapshot::default();
    read_gaad(&mut s, SourceFile::new(rel, text), None);
    s.finish();
    s
}

fn positions(s: &Snapshot) -> Vec<(String, u32, u32, String)> {
    s.diagnostics
        .iter()
        .map(|d| {
            let f = &s.sources[d.source];
            let p = f.line_col(d.span.start);
            (f.name().to_string(), p.line, p.column, d.message.clone())
        })
        .collect()
}

const A: &str = "111122223333";

#[test]
fn percent_decoding_follows_rfc_3986() {
    assert_eq!(percent_decode("%7B%22a%22%3A1%7D").unwrap(), "{\"a\":1}");
    // `+` is not a space outside form encoding.
    assert_eq!(percent_decode("a+b%20c").unwrap(), "a+b c");
    // Multi-byte UTF-8, lower-case hex.
    assert_eq!(percent_decode("%e2%82%ac").unwrap(), "€");
    assert!(percent_decode("%zz").is_err());
    assert!(percent_decode("%4").is_err());
    assert!(percent_decode("%FF").is_err());
}

#[test]
fn gaad_cli_form_reads_every_entity_with_spans_in_the_file() {
    let s = load_gaad("org-example/accounts/111122223333/gaad.json");
    assert!(s.diagnostics.is_empty(), "{:?}", positions(&s));
    let a = &s.accounts[A];
    assert_eq!(a.partition, "aws");
    let users: Vec<&str> = a.users.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(users, ["alice", "bob", "carol"]);
    assert_eq!(a.groups.len(), 1);
    assert_eq!(a.roles.len(), 2);
    assert_eq!(a.managed_policies.len(), 3);
    // alice is in Developers (a name, as GAAD lists it); bob has a boundary.
    assert_eq!(a.users[0].groups, ["Developers"]);
    assert_eq!(a.users[0].tags.get("team").map(String::as_str), Some("web"));
    assert_eq!(
        a.users[1].boundary.as_deref(),
        Some("arn:aws:iam::111122223333:policy/S3OnlyBoundary")
    );
    // The default version (v2, an Allow) is chosen, not the first (v1, a Deny).
    let dev = &a.managed_policies["arn:aws:iam::111122223333:policy/DevS3Read"];
    assert_eq!(
        dev.document.policy.statements[0]
            .effect
            .as_ref()
            .unwrap()
            .node,
        Effect::Allow
    );
    // Its spans are in the GAAD file itself.
    let source = &s.sources[dev.document.source];
    assert_eq!(source.name(), "org-example/accounts/111122223333/gaad.json");
    let text = source.slice(dev.document.span);
    assert!(text.starts_with('{') && text.contains("ReadExampleBucket"));
    // Trust policy and instance profile.
    let web = a.roles.iter().find(|r| r.name == "WebServer").unwrap();
    assert_eq!(
        web.instance_profiles,
        ["arn:aws:iam::111122223333:instance-profile/WebServer"]
    );
    assert_eq!(&*web.trust.as_ref().unwrap().name, "role/WebServer/trust");
    assert_eq!(&*web.inline[0].name, "role/WebServer/ReadBucket");
}

/// The raw API form of the same account (every document a URL-encoded string) reads to the
/// same model; each decoded document is a source of its own.
#[test]
fn url_encoded_gaad_reads_to_the_same_model() {
    let cli = load_gaad("org-example/accounts/111122223333/gaad.json");
    let raw = load_gaad("url-encoded/gaad.json");
    assert!(raw.diagnostics.is_empty(), "{:?}", positions(&raw));
    assert_eq!(model(&cli), model(&raw));
    let a = &raw.accounts[A];
    let trust = a.roles[0].trust.as_ref().unwrap();
    let name = raw.sources[trust.source].name();
    assert_eq!(
        name,
        "url-encoded/gaad.json: role/DeployRole trust policy (URL-decoded)"
    );
    assert!(raw.sources[trust.source].text().starts_with("{\"Version\""));
}

/// Everything of the model but spans and sources, for comparisons.
pub(super) fn model(s: &Snapshot) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let doc = |d: &crate::account::PolicyDoc| format!("{}={}", d.name, d.policy.to_json());
    for a in s.accounts.values() {
        let _ = writeln!(out, "account {} {}", a.id, a.partition);
        for u in &a.users {
            let _ = writeln!(
                out,
                "user {} {} {:?} {:?} {:?} {:?} {:?} {:?}",
                u.arn,
                u.name,
                u.path,
                u.groups,
                u.managed,
                u.boundary,
                u.tags,
                u.inline.iter().map(doc).collect::<Vec<_>>()
            );
        }
        for g in &a.groups {
            let _ = writeln!(
                out,
                "group {} {} {:?} {:?}",
                g.arn,
                g.name,
                g.managed,
                g.inline.iter().map(doc).collect::<Vec<_>>()
            );
        }
        for r in &a.roles {
            let _ = writeln!(
                out,
                "role {} {} {:?} {:?} {:?} {:?} {:?} {:?}",
                r.arn,
                r.name,
                r.path,
                r.managed,
                r.boundary,
                r.tags,
                r.trust.as_ref().map(doc),
                r.inline.iter().map(doc).collect::<Vec<_>>()
            );
        }
        for (arn, p) in &a.managed_policies {
            let _ = writeln!(out, "managed {arn} {} {}", p.name, doc(&p.document));
        }
        for (arn, p) in &a.resources {
            let _ = writeln!(out, "resource {arn} {}", doc(&p.document));
        }
        let _ = writeln!(out, "unreadable {:?}", a.unreadable);
    }
    if let Some(o) = &s.organization {
        let _ = writeln!(
            out,
            "org {} {:?} scps={} rcps={}",
            o.id, o.management_account, o.scps_enabled, o.rcps_enabled
        );
        for n in o.nodes.values() {
            let _ = writeln!(
                out,
                "node {} {:?} {:?} {:?} {:?}",
                n.id, n.kind, n.parent, n.scps, n.rcps
            );
        }
        for p in o.policies.values() {
            let _ = writeln!(
                out,
                "orgpolicy {} {} {:?} {} {}",
                p.id,
                p.name,
                p.kind,
                p.aws_managed,
                p.document.policy.to_json()
            );
        }
    }
    out
}

#[test]
fn organizations_dump_builds_the_tree_and_the_scp_rcp_chain() {
    let s = load_tree("org-example");
    assert!(s.diagnostics.is_empty(), "{:?}", positions(&s));
    let org = s.organization.as_ref().unwrap();
    assert_eq!(org.id, "o-exampleorgid");
    assert_eq!(org.management_account.as_deref(), Some("777788889999"));
    // list-roots' PolicyTypes enables both (describe-organization lists only SCPs).
    assert!(org.scps_enabled && org.rcps_enabled);
    let acct = &org.nodes[A];
    assert_eq!(acct.kind, OrgNodeKind::Account);
    assert_eq!(acct.parent.as_deref(), Some("ou-examplerootid-workloads"));
    assert_eq!(acct.name.as_deref(), Some("workload"));
    assert_eq!(
        org.nodes["ou-examplerootid-workloads"].parent.as_deref(),
        Some("r-examplerootid")
    );
    assert_eq!(
        org.nodes["444455556666"].parent.as_deref(),
        Some("r-examplerootid")
    );
    // The chain root → OU → account, with what targets/ attaches at each level.
    let scp = s.org_levels(A, PolicyKind::Scp).unwrap();
    let names: Vec<Vec<String>> = scp
        .iter()
        .map(|l| l.policies.iter().map(|p| p.name.to_string()).collect())
        .collect();
    assert_eq!(names.len(), 3);
    assert!(names[1].iter().any(|n| n.contains("DenyDeleteBucket")));
    let rcp = s.org_levels(A, PolicyKind::Rcp).unwrap();
    assert!(rcp[1]
        .policies
        .iter()
        .any(|p| p.name.contains("EnforceSecureTransport")));
    // Content was a JSON string: its spans are in a source of its own.
    let p = &org.policies["p-examplescp1"];
    assert!(s.sources[p.document.source]
        .name()
        .ends_with("p-examplescp1.json: Content"));
    assert_eq!(p.kind, PolicyKind::Scp);
    assert!(org.policies["p-FullAWSAccess"].aws_managed);
}

#[test]
fn resource_files_in_every_cli_shape() {
    let s = load_tree("org-example");
    let r = &s.accounts[A].resources;
    let arns: Vec<&str> = r.keys().map(String::as_str).collect();
    assert_eq!(
        arns,
        [
            "arn:aws:s3:::amzn-s3-demo-bucket",
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf",
            "arn:aws:sqs:us-east-1:111122223333:orders",
        ]
    );
    assert_eq!(
        r["arn:aws:sqs:us-east-1:111122223333:orders"]
            .document
            .policy
            .statements[0]
            .sid
            .as_ref()
            .map(|s| s.node.as_str()),
        Some("FromErin")
    );
    // An S3 object's policy is its bucket's, owned by the account whose dump holds it.
    let owner = s
        .resource_owner("arn:aws:s3:::amzn-s3-demo-bucket/key")
        .unwrap();
    assert_eq!(owner.id, A);
}

#[test]
fn file_names_decode_to_arns() {
    assert_eq!(
        resource_arn_from_file_name(
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:a%2Fb%25c.json"
        )
        .as_deref(),
        Some("arn:aws:secretsmanager:us-east-1:111122223333:secret:a/b%c")
    );
    assert_eq!(resource_arn_from_file_name("notes.txt"), None);
    assert_eq!(resource_arn_from_file_name("bucket.json"), None);
}

/// Positions are read off `corpus/accounts/broken/`: line 16 is `"Effect": "Permit",` with the
/// value at column 43; the user without `Arn` opens at 66:9; the trust policy's decoded text is
/// 141 characters, cut before its final `}`; the policy without a default version opens at
/// 117:9; the queue policy's trailing comma is at 5:95.
#[test]
fn broken_input_is_reported_with_positions_and_the_rest_is_read() {
    let s = load_tree("broken");
    let gaad = "accounts/111122223333/gaad.json";
    let got: Vec<(String, u32, u32)> = positions(&s)
        .into_iter()
        .map(|(f, l, c, _)| (f, l, c))
        .collect();
    let expected = [
        (gaad.to_string(), 16, 43),
        (gaad.to_string(), 66, 9),
        (
            format!("{gaad}: role/BrokenTrust trust policy (URL-decoded)"),
            1,
            142,
        ),
        (gaad.to_string(), 117, 9),
        (
            "accounts/111122223333/resources/arn:aws:sqs:us-east-1:111122223333:jobs.json"
                .to_string(),
            5,
            95,
        ),
    ];
    assert_eq!(got, expected);
    let a = &s.accounts[A];
    // Every user with an ARN is kept; frank without his unreadable inline policy.
    assert_eq!(a.users.len(), 3);
    let frank = Principal::User(a, &a.users[0]);
    let gaps = s.identity_policies(frank).gaps;
    assert_eq!(
        gaps,
        [Gap::Unreadable {
            entity: "arn:aws:iam::111122223333:user/frank".into(),
            policy: "user/frank/Misspelled".into()
        }]
    );
    // grace: one policy not exported, one without a default version: both gaps.
    let grace = Principal::User(a, &a.users[1]);
    assert_eq!(s.identity_policies(grace).gaps.len(), 2);
    // The role is kept without its trust policy, and AssumeRole on it is a gap.
    let heidi = Principal::User(a, &a.users[2]);
    let (_, gaps) = s.policy_set(heidi, "arn:aws:iam::111122223333:role/BrokenTrust", true);
    assert_eq!(
        gaps,
        [Gap::Unreadable {
            entity: "arn:aws:iam::111122223333:role/BrokenTrust".into(),
            policy: "role/BrokenTrust/trust".into()
        }]
    );
    let (_, gaps) = s.policy_set(heidi, "arn:aws:sqs:us-east-1:111122223333:jobs", false);
    assert_eq!(gaps.len(), 1);
}

#[test]
fn the_shared_example_reads_without_diagnostics() {
    let s = load_gaad("cloudsplaining-example/gaad.json");
    assert!(s.diagnostics.is_empty(), "{:?}", positions(&s));
    // Its PROVENANCE: 3 users, 2 groups, 33 roles, 39 policies, in two accounts.
    let count =
        |f: fn(&crate::account::Account) -> usize| s.accounts.values().map(f).sum::<usize>();
    assert_eq!(count(|a| a.users.len()), 3);
    assert_eq!(count(|a| a.groups.len()), 2);
    assert_eq!(count(|a| a.roles.len()), 33);
    assert_eq!(count(|a| a.managed_policies.len()), 39);
    assert_eq!(
        s.accounts.keys().map(String::as_str).collect::<Vec<_>>(),
        ["012345678901", "200611803367"]
    );
}

#[test]
fn not_a_gaad_is_an_error_not_a_panic() {
    for text in [
        "",
        "[]",
        "{}",
        "{\"UserDetailList\": 3}",
        "{\"UserDetailList\": [1, {\"Arn\": 2}]}",
    ] {
        let mut s = Snapshot::default();
        read_gaad(&mut s, SourceFile::new("x.json", text), None);
        assert!(!s.diagnostics.is_empty(), "{text}");
    }
}

/// `iam-collect-example` holds the same accounts, resources and organization as
/// `org-example`, in iam-collect's store layout (lower-cased paths, one file per kind of
/// data, policy ARNs in `ous.json`/`accounts.json`): both read to the same model.
#[test]
fn iam_collect_store_reads_to_the_same_model_as_the_dump() {
    let dump = load_tree("org-example");
    let store = load_tree("iam-collect-example");
    assert!(store.diagnostics.is_empty(), "{:?}", positions(&store));
    assert_eq!(model(&dump), model(&store));
    // Same decisions' inputs: the SCP chain of the workload account.
    let names = |s: &Snapshot| -> Vec<Vec<String>> {
        s.org_levels(A, PolicyKind::Scp)
            .unwrap()
            .iter()
            .map(|l| l.policies.iter().map(|p| p.name.to_string()).collect())
            .collect()
    };
    assert_eq!(names(&dump), names(&store));
}

mod roundtrip {
    //! A generated account, written as a GAAD (documents as objects, and URL-encoded), reads
    //! back to the same users, groups, roles, policies and documents.

    use super::*;
    use proptest::prelude::*;
    use serde_json::{json, Value as Json};

    /// A user: name, attached policy indexes, group indexes, boundary, inline documents.
    type GenUser = (String, Vec<usize>, Vec<usize>, Option<usize>, Vec<Json>);

    #[derive(Debug, Clone)]
    struct Gen {
        users: Vec<GenUser>,
        groups: Vec<(String, Vec<usize>)>,
        roles: Vec<(String, Json, Vec<usize>, Vec<Json>)>,
        policies: Vec<(String, Json, usize)>,
    }

    fn doc() -> impl Strategy<Value = Json> {
        let action = prop::sample::select(vec![
            "s3:GetObject",
            "iam:PassRole",
            "ec2:*",
            "*",
            "sts:AssumeRole",
        ]);
        let effect = prop::sample::select(vec!["Allow", "Deny"]);
        let resource = prop::sample::select(vec![
            "*",
            "arn:aws:s3:::b/*",
            "arn:aws:iam::111122223333:role/x",
        ]);
        prop::collection::vec((effect, prop::collection::vec(action, 1..3), resource, "[a-zA-Z0-9 %+/&=]{0,8}"), 1..3)
            .prop_map(|stmts| {
                json!({"Version": "2012-10-17", "Statement": stmts.into_iter().map(|(e, a, r, v)| json!({
                    "Effect": e, "Action": a, "Resource": r,
                    "Condition": {"StringEquals": {"aws:PrincipalTag/team": v}}
                })).collect::<Vec<_>>()})
            })
    }

    fn trust() -> impl Strategy<Value = Json> {
        prop::sample::select(vec!["ec2.amazonaws.com", "lambda.amazonaws.com"]).prop_map(|s| {
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": s}, "Action": "sts:AssumeRole"}]})
        })
    }

    fn gen() -> impl Strategy<Value = Gen> {
        let policies = prop::collection::vec((doc(), 1usize..4), 1..4);
        policies.prop_flat_map(|policies| {
            let n = policies.len();
            let idx = move || prop::collection::vec(0..n, 0..3);
            let groups = prop::collection::vec(idx(), 0..3);
            (Just(policies), groups).prop_flat_map(move |(policies, groups)| {
                let g = groups.len().max(1);
                let gidx = prop::collection::vec(0..g, 0..2);
                let users = prop::collection::vec(
                    (
                        idx(),
                        gidx,
                        prop::option::of(0..n),
                        prop::collection::vec(doc(), 0..2),
                    ),
                    0..4,
                );
                let roles = prop::collection::vec(
                    (trust(), idx(), prop::collection::vec(doc(), 0..2)),
                    0..3,
                );
                (Just(policies.clone()), Just(groups.clone()), users, roles).prop_map(
                    move |(policies, groups, users, roles)| Gen {
                        policies: policies
                            .into_iter()
                            .enumerate()
                            .map(|(i, (d, versions))| (format!("Policy{i}"), d, versions))
                            .collect(),
                        groups: groups
                            .into_iter()
                            .enumerate()
                            .map(|(i, m)| (format!("Group{i}"), m))
                            .collect(),
                        users: users
                            .into_iter()
                            .enumerate()
                            .map(|(i, (m, gs, b, inl))| {
                                let gs = if groups_len(&gs) == 0 { Vec::new() } else { gs };
                                (format!("user{i}"), m, gs, b, inl)
                            })
                            .collect(),
                        roles: roles
                            .into_iter()
                            .enumerate()
                            .map(|(i, (t, m, inl))| (format!("Role{i}"), t, m, inl))
                            .collect(),
                    },
                )
            })
        })
    }

    fn groups_len(g: &[usize]) -> usize {
        g.len()
    }

    const ACCT: &str = "111122223333";

    fn parn(i: usize) -> String {
        format!("arn:aws:iam::{ACCT}:policy/Policy{i}")
    }

    /// The GAAD of `g`; `encode` writes every document as a URL-encoded string.
    fn write(g: &Gen, encode: bool) -> String {
        let d = |j: &Json| -> Json {
            if encode {
                let text = j.to_string();
                let mut out = String::new();
                for b in text.bytes() {
                    if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                        out.push(char::from(b));
                    } else {
                        let _ = std::fmt::Write::write_fmt(&mut out, format_args!("%{b:02X}"));
                    }
                }
                Json::String(out)
            } else {
                j.clone()
            }
        };
        let attached = |m: &[usize]| -> Vec<Json> {
            m.iter()
                .map(|i| json!({"PolicyName": format!("Policy{i}"), "PolicyArn": parn(*i)}))
                .collect()
        };
        let inline = |v: &[Json], prefix: &str| -> Vec<Json> {
            v.iter()
                .enumerate()
                .map(|(i, j)| json!({"PolicyName": format!("{prefix}{i}"), "PolicyDocument": d(j)}))
                .collect()
        };
        let groups_present = !g.groups.is_empty();
        json!({
            "UserDetailList": g.users.iter().map(|(n, m, gs, b, inl)| {
                let mut u = json!({
                    "Path": "/", "UserName": n, "Arn": format!("arn:aws:iam::{ACCT}:user/{n}"),
                    "CreateDate": "2025-09-15 14:02:08+00:00",
                    "GroupList": if groups_present { gs.iter().map(|i| format!("Group{i}")).collect::<Vec<_>>() } else { Vec::new() },
                    "AttachedManagedPolicies": attached(m), "Tags": [],
                    "UserPolicyList": inline(inl, "inline"),
                });
                if let Some(b) = b {
                    u["PermissionsBoundary"] = json!({"PermissionsBoundaryType": "PermissionsBoundaryPolicy", "PermissionsBoundaryArn": parn(*b)});
                }
                u
            }).collect::<Vec<_>>(),
            "GroupDetailList": g.groups.iter().map(|(n, m)| json!({
                "Path": "/", "GroupName": n, "Arn": format!("arn:aws:iam::{ACCT}:group/{n}"),
                "GroupPolicyList": [], "AttachedManagedPolicies": attached(m),
            })).collect::<Vec<_>>(),
            "RoleDetailList": g.roles.iter().map(|(n, t, m, inl)| json!({
                "Path": "/", "RoleName": n, "Arn": format!("arn:aws:iam::{ACCT}:role/{n}"),
                "CreateDate": "2025-09-15T14:02:08Z",
                "AssumeRolePolicyDocument": d(t), "InstanceProfileList": [],
                "RolePolicyList": inline(inl, "inline"), "AttachedManagedPolicies": attached(m),
                "Tags": [], "RoleLastUsed": {},
            })).collect::<Vec<_>>(),
            "Policies": g.policies.iter().enumerate().map(|(i, (n, doc, versions))| {
                // The default is the last version; earlier ones are a Deny-all that must not be picked.
                let list: Vec<Json> = (1..=*versions).map(|v| json!({
                    "Document": if v == *versions { d(doc) } else { d(&json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]})) },
                    "VersionId": format!("v{v}"), "IsDefaultVersion": v == *versions,
                })).collect();
                json!({"PolicyName": n, "Arn": parn(i), "DefaultVersionId": format!("v{versions}"), "PolicyVersionList": list})
            }).collect::<Vec<_>>(),
        })
        .to_string()
    }

    /// What the reader must give for `g`, in the shape of [`model`]'s lines that matter.
    fn check(g: &Gen, s: &Snapshot) {
        assert!(s.diagnostics.is_empty(), "{:?}", positions(s));
        let a = &s.accounts[ACCT];
        let json_of = |d: &crate::account::PolicyDoc| d.policy.to_json();
        let same = |got: &crate::account::PolicyDoc, want: &Json| {
            let want = crate::parse::parse_policy(&want.to_string(), Some(got.policy.kind))
                .policy
                .unwrap();
            assert_eq!(json_of(got), want.to_json());
        };
        assert_eq!(a.managed_policies.len(), g.policies.len());
        for (i, (n, doc, _)) in g.policies.iter().enumerate() {
            let p = &a.managed_policies[&parn(i)];
            assert_eq!(&p.name, n);
            same(&p.document, doc);
        }
        assert_eq!(a.users.len(), g.users.len());
        for (n, m, gs, b, inl) in &g.users {
            let u = a.users.iter().find(|u| &u.name == n).unwrap();
            assert_eq!(u.managed, m.iter().map(|i| parn(*i)).collect::<Vec<_>>());
            let want_groups: Vec<String> = if g.groups.is_empty() {
                Vec::new()
            } else {
                gs.iter().map(|i| format!("Group{i}")).collect()
            };
            assert_eq!(u.groups, want_groups);
            assert_eq!(u.boundary, b.map(parn));
            assert_eq!(u.inline.len(), inl.len());
            for (got, want) in u.inline.iter().zip(inl) {
                same(got, want);
            }
        }
        assert_eq!(a.groups.len(), g.groups.len());
        assert_eq!(a.roles.len(), g.roles.len());
        for (n, t, m, inl) in &g.roles {
            let r = a.roles.iter().find(|r| &r.name == n).unwrap();
            same(r.trust.as_ref().unwrap(), t);
            assert_eq!(r.managed, m.iter().map(|i| parn(*i)).collect::<Vec<_>>());
            for (got, want) in r.inline.iter().zip(inl) {
                same(got, want);
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn gaad_round_trip(g in gen()) {
            for encode in [false, true] {
                let mut s = Snapshot::default();
                read_gaad(&mut s, SourceFile::new("gaad.json", write(&g, encode)), Some(ACCT));
                s.finish();
                check(&g, &s);
            }
        }
    }
}
