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
            (
                f.name().to_string(),
                p.line,
                p.column,
                d.message.clone(),
            )
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
