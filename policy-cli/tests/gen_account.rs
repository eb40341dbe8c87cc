//! The synthetic accounts generator (`iampol-gen-account`) writes what AWS writes, checked from
//! the outside on the files, without iampol's snapshot reader:
//!
//! - each `gaad.json` has exactly the four result keys of the AWS CLI's
//!   `get-account-authorization-details` output (shared `data/accounts/README.md` §1.1);
//! - every attached managed policy and permissions boundary ARN is in `Policies`; every
//!   policy has exactly one `IsDefaultVersion` version, the one `DefaultVersionId` names; the
//!   attachment and boundary counts are what the entities say;
//! - every group a user names exists; names, ARNs and ids are unique, ids have the IAM shape
//!   (a 4-letter prefix then 17 characters of `A-Z2-7`);
//! - every document parses with `policy_core::parse_policy` as its kind (trust policies as
//!   Trust, resource policies as Resource, SCPs and RCPs as such) without an error;
//! - roles named in trust policies exist; other accounts named are in the snapshot (or the one
//!   vendor account outside it);
//! - resource files are named by their ARN (`%` → `%25`, `/` → `%2F`) and hold one of the CLI
//!   shapes; every account of `list-accounts` has one parent, every policy target exists;
//! - the URL-encoded form decodes to the same documents; a seed gives the same bytes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use generate::{write_snapshot, GenOptions};
use policy_core::{parse_policy, PolicyKind};
use serde_json::Value;

// The generator of the benchmark tool `iampol-gen-account` (a binary built only with
// `--features dev-tools`), compiled into this test.
#[path = "../src/bin/iampol-gen-account/generate.rs"]
#[allow(dead_code)]
mod generate;

struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("iampol-gen-account-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn read(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// RFC 3986 percent-decoding, written for this test.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// A policy document as the GAAD holds it: an object, or a URL-encoded string.
fn document(v: &Value) -> Value {
    match v {
        Value::String(s) => serde_json::from_str(&percent_decode(s)).unwrap(),
        other => other.clone(),
    }
}

fn assert_parses(doc: &Value, kind: PolicyKind, what: &str) {
    let text = serde_json::to_string_pretty(doc).unwrap();
    let parsed = parse_policy(&text, Some(kind));
    assert!(parsed.policy.is_some(), "{what}: no policy");
    assert!(
        parsed.errors.is_empty(),
        "{what}: {:?}\n{text}",
        parsed.errors
    );
}

fn check_id(id: &str, prefix: &str) {
    assert_eq!(id.len(), 21, "{id}");
    assert!(id.starts_with(prefix), "{id} should start with {prefix}");
    assert!(
        id[4..]
            .bytes()
            .all(|c| c.is_ascii_uppercase() || (b'2'..=b'7').contains(&c)),
        "{id}"
    );
}

fn arr<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no string `{key}` in {v}"))
}

/// Checks one account's GAAD; returns the number of principals and the role ARNs named in
/// trust policies.
fn check_gaad(
    account: &str,
    gaad: &Value,
    encoded: bool,
) -> (usize, BTreeSet<String>, BTreeSet<String>) {
    let keys: BTreeSet<&str> = gaad
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        BTreeSet::from([
            "UserDetailList",
            "GroupDetailList",
            "RoleDetailList",
            "Policies"
        ])
    );
    let mut policies: BTreeMap<&str, &Value> = BTreeMap::new();
    let mut ids = BTreeSet::new();
    for p in arr(gaad, "Policies") {
        let arn = s(p, "Arn");
        assert!(policies.insert(arn, p).is_none(), "duplicate policy {arn}");
        check_id(s(p, "PolicyId"), "ANPA");
        assert!(ids.insert(s(p, "PolicyId").to_owned()));
        let defaults: Vec<&Value> = arr(p, "PolicyVersionList")
            .iter()
            .filter(|v| v["IsDefaultVersion"] == Value::Bool(true))
            .collect();
        assert_eq!(defaults.len(), 1, "{arn}: one default version");
        assert_eq!(
            s(defaults[0], "VersionId"),
            s(p, "DefaultVersionId"),
            "{arn}"
        );
        assert_eq!(
            format!(
                "arn:aws:iam::{}:policy{}{}",
                if arn.contains("::aws:") {
                    "aws"
                } else {
                    account
                },
                s(p, "Path"),
                s(p, "PolicyName")
            ),
            arn
        );
        for v in arr(p, "PolicyVersionList") {
            assert_eq!(v["Document"].is_string(), encoded, "{arn}: document form");
            assert_parses(&document(&v["Document"]), PolicyKind::Identity, arn);
        }
    }
    let mut attached: BTreeMap<String, usize> = BTreeMap::new();
    let mut bounded: BTreeMap<String, usize> = BTreeMap::new();
    let mut check_entity = |e: &Value, inline_key: &str, what: &str| {
        for a in arr(e, "AttachedManagedPolicies") {
            let arn = s(a, "PolicyArn");
            let p = policies
                .get(arn)
                .unwrap_or_else(|| panic!("{what}: attached {arn} not in Policies"));
            assert_eq!(s(a, "PolicyName"), s(p, "PolicyName"));
            *attached.entry(arn.to_owned()).or_default() += 1;
        }
        if let Some(b) = e.get("PermissionsBoundary") {
            assert_eq!(s(b, "PermissionsBoundaryType"), "PermissionsBoundaryPolicy");
            let arn = s(b, "PermissionsBoundaryArn");
            assert!(
                policies.contains_key(arn),
                "{what}: boundary {arn} not in Policies"
            );
            *bounded.entry(arn.to_owned()).or_default() += 1;
        }
        for i in arr(e, inline_key) {
            assert_eq!(i["PolicyDocument"].is_string(), encoded);
            assert_parses(
                &document(&i["PolicyDocument"]),
                PolicyKind::Identity,
                &format!("{what} {}", s(i, "PolicyName")),
            );
        }
    };
    let mut group_names = BTreeSet::new();
    for g in arr(gaad, "GroupDetailList") {
        check_id(s(g, "GroupId"), "AGPA");
        assert!(ids.insert(s(g, "GroupId").to_owned()));
        assert!(group_names.insert(s(g, "GroupName").to_owned()));
        assert_eq!(
            s(g, "Arn"),
            format!(
                "arn:aws:iam::{account}:group{}{}",
                s(g, "Path"),
                s(g, "GroupName")
            )
        );
        check_entity(g, "GroupPolicyList", s(g, "GroupName"));
    }
    let mut names = BTreeSet::new();
    for u in arr(gaad, "UserDetailList") {
        check_id(s(u, "UserId"), "AIDA");
        assert!(ids.insert(s(u, "UserId").to_owned()));
        assert!(
            names.insert(s(u, "Arn").to_owned()),
            "duplicate {}",
            s(u, "Arn")
        );
        assert_eq!(
            s(u, "Arn"),
            format!(
                "arn:aws:iam::{account}:user{}{}",
                s(u, "Path"),
                s(u, "UserName")
            )
        );
        for g in arr(u, "GroupList") {
            assert!(
                group_names.contains(g.as_str().unwrap()),
                "{}: group {g} not listed",
                s(u, "UserName")
            );
        }
        check_entity(u, "UserPolicyList", s(u, "UserName"));
    }
    let mut trusted_roles = BTreeSet::new();
    let mut trusted_accounts = BTreeSet::new();
    let mut role_arns = BTreeSet::new();
    for r in arr(gaad, "RoleDetailList") {
        let name = s(r, "RoleName");
        check_id(s(r, "RoleId"), "AROA");
        assert!(ids.insert(s(r, "RoleId").to_owned()));
        assert!(
            role_arns.insert(s(r, "Arn").to_owned()),
            "duplicate {}",
            s(r, "Arn")
        );
        assert_eq!(
            s(r, "Arn"),
            format!("arn:aws:iam::{account}:role{}{name}", s(r, "Path"))
        );
        if name.starts_with("AWSServiceRoleFor") {
            assert!(s(r, "Path").starts_with("/aws-service-role/"), "{name}");
        }
        if name.starts_with("AWSReservedSSO_") {
            assert_eq!(s(r, "Path"), "/aws-reserved/sso.amazonaws.com/");
        }
        assert_eq!(r["AssumeRolePolicyDocument"].is_string(), encoded);
        let trust = document(&r["AssumeRolePolicyDocument"]);
        assert_parses(&trust, PolicyKind::Trust, &format!("{name} trust"));
        for st in arr(&trust, "Statement") {
            let aws = st.get("Principal").and_then(|p| p.get("AWS"));
            let aws: Vec<&str> = match aws {
                Some(Value::String(a)) => vec![a.as_str()],
                Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
                _ => vec![],
            };
            for a in aws {
                let acct = a.split(':').nth(4).unwrap();
                trusted_accounts.insert(acct.to_owned());
                if a.contains(":role/") {
                    trusted_roles.insert(a.to_owned());
                }
            }
        }
        for ip in arr(r, "InstanceProfileList") {
            check_id(s(ip, "InstanceProfileId"), "AIPA");
            assert_eq!(s(&arr(ip, "Roles")[0], "Arn"), s(r, "Arn"));
        }
        check_entity(r, "RolePolicyList", name);
    }
    for (arn, p) in &policies {
        assert_eq!(
            usize::try_from(p["AttachmentCount"].as_u64().unwrap()).unwrap(),
            attached.get(*arn).copied().unwrap_or(0),
            "{arn} AttachmentCount"
        );
        assert_eq!(
            usize::try_from(p["PermissionsBoundaryUsageCount"].as_u64().unwrap()).unwrap(),
            bounded.get(*arn).copied().unwrap_or(0),
            "{arn} boundary count"
        );
        if arn.contains("::aws:") {
            assert!(
                attached.contains_key(*arn) || bounded.contains_key(*arn),
                "{arn}: unattached AWS managed policy listed"
            );
        }
    }
    // Role ARNs named in trust policies are checked against every account by the caller.
    let principals = arr(gaad, "UserDetailList").len() + arr(gaad, "RoleDetailList").len();
    (principals, trusted_roles, trusted_accounts)
}

fn role_arns(gaad: &Value) -> BTreeSet<String> {
    arr(gaad, "RoleDetailList")
        .iter()
        .map(|r| s(r, "Arn").to_owned())
        .collect()
}

fn resource_policy(v: &Value) -> Value {
    let text = v
        .get("Policy")
        .or_else(|| v.get("Attributes").and_then(|a| a.get("Policy")))
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("not a CLI resource policy shape: {v}"));
    serde_json::from_str(text).unwrap()
}

fn check_snapshot(dir: &Path, options: &GenOptions) -> BTreeMap<String, Value> {
    let mut total = 0;
    let mut gaads = BTreeMap::new();
    let accounts_dir = dir.join("accounts");
    let mut trusted_roles = BTreeSet::new();
    let mut trusted_accounts = BTreeSet::new();
    for e in std::fs::read_dir(&accounts_dir).unwrap() {
        let account = e.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()),
            "{account}"
        );
        let gaad = read(&accounts_dir.join(&account).join("gaad.json"));
        let (n, roles, accts) = check_gaad(&account, &gaad, options.url_encode);
        total += n;
        trusted_roles.extend(roles);
        trusted_accounts.extend(accts);
        let res = accounts_dir.join(&account).join("resources");
        let mut kinds = BTreeSet::new();
        for f in std::fs::read_dir(&res).unwrap() {
            let path = f.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let arn = percent_decode(name.strip_suffix(".json").unwrap());
            assert!(!name.trim_end_matches(".json").contains('/'));
            assert_eq!(
                arn.split(':').nth(4).unwrap_or(""),
                if arn.starts_with("arn:aws:s3:") {
                    ""
                } else {
                    account.as_str()
                },
                "{arn}"
            );
            kinds.insert(arn.split(':').nth(2).unwrap().to_owned());
            let doc = resource_policy(&read(&path));
            assert_parses(&doc, PolicyKind::Resource, &arn);
            for st in arr(&doc, "Statement") {
                if let Some(r) = st.get("Resource").and_then(Value::as_str) {
                    assert!(r == "*" || r.starts_with(&arn), "{arn}: statement on {r}");
                }
            }
        }
        assert_eq!(
            kinds,
            BTreeSet::from(["kms".to_owned(), "s3".to_owned(), "sqs".to_owned()])
        );
        gaads.insert(account, gaad);
    }
    assert_eq!(gaads.len(), options.accounts);
    assert_eq!(total, options.principals, "principals over all accounts");
    let all_roles: BTreeSet<String> = gaads.values().flat_map(role_arns).collect();
    for r in &trusted_roles {
        assert!(all_roles.contains(r), "trusted role {r} does not exist");
    }
    for a in &trusted_accounts {
        assert!(
            gaads.contains_key(a) || a == "999988887777",
            "trusted account {a} unknown"
        );
    }

    // The organization.
    let org = dir.join("organization");
    let describe = read(&org.join("describe-organization.json"));
    let management = s(&describe["Organization"], "MasterAccountId").to_owned();
    let roots = read(&org.join("list-roots.json"));
    let root = s(&arr(&roots, "Roots")[0], "Id").to_owned();
    let listed: BTreeSet<String> = arr(&read(&org.join("list-accounts.json")), "Accounts")
        .iter()
        .map(|a| s(a, "Id").to_owned())
        .collect();
    assert_eq!(listed, gaads.keys().cloned().collect::<BTreeSet<_>>());
    assert!(listed.contains(&management));
    // Walk the tree from the root: every account once, every OU once.
    let mut seen_accounts = BTreeMap::new();
    let mut nodes = BTreeSet::from([root.clone()]);
    let mut stack = vec![root.clone()];
    while let Some(parent) = stack.pop() {
        for c in arr(
            &read(&org.join(format!("children/{parent}.ou.json"))),
            "Children",
        ) {
            assert_eq!(s(c, "Type"), "ORGANIZATIONAL_UNIT");
            assert!(nodes.insert(s(c, "Id").to_owned()));
            stack.push(s(c, "Id").to_owned());
        }
        for c in arr(
            &read(&org.join(format!("children/{parent}.account.json"))),
            "Children",
        ) {
            assert_eq!(s(c, "Type"), "ACCOUNT");
            assert!(seen_accounts
                .insert(s(c, "Id").to_owned(), parent.clone())
                .is_none());
        }
    }
    assert_eq!(
        seen_accounts.keys().cloned().collect::<BTreeSet<_>>(),
        listed
    );
    let mut kinds = BTreeMap::new();
    for e in std::fs::read_dir(org.join("policies")).unwrap() {
        let path = e.unwrap().path();
        let id = path.file_stem().unwrap().to_string_lossy().into_owned();
        let p = read(&path);
        let summary = &p["Policy"]["PolicySummary"];
        assert_eq!(s(summary, "Id"), id);
        // `Content` is a JSON string (Organizations is not decoded by botocore).
        let content: Value = serde_json::from_str(s(&p["Policy"], "Content")).unwrap();
        let kind = match s(summary, "Type") {
            "SERVICE_CONTROL_POLICY" => PolicyKind::Scp,
            "RESOURCE_CONTROL_POLICY" => PolicyKind::Rcp,
            other => panic!("{other}"),
        };
        assert_parses(&content, kind, &id);
        *kinds.entry(s(summary, "Type").to_owned()).or_insert(0) += 1;
        let targets = read(&org.join(format!("targets/{id}.json")));
        assert!(!arr(&targets, "Targets").is_empty(), "{id} has no target");
        for t in arr(&targets, "Targets") {
            let tid = s(t, "TargetId");
            match s(t, "Type") {
                "ACCOUNT" => assert!(listed.contains(tid)),
                "ROOT" | "ORGANIZATIONAL_UNIT" => assert!(nodes.contains(tid), "{tid}"),
                other => panic!("{other}"),
            }
        }
    }
    assert!(kinds.len() == 2, "SCPs and RCPs: {kinds:?}");
    gaads
}

#[test]
fn generated_accounts_have_the_aws_shapes() {
    let options = GenOptions {
        principals: 200,
        accounts: 3,
        seed: 7,
        url_encode: false,
    };
    let dir = Scratch::new("plain");
    let stats = write_snapshot(&dir.0, &options).unwrap();
    assert_eq!(
        stats
            .accounts
            .iter()
            .map(|a| a.users + a.roles)
            .sum::<usize>(),
        200
    );
    let gaads = check_snapshot(&dir.0, &options);

    // Real AWS managed documents under their real ARNs.
    let main = &gaads["111122223333"];
    let admin = arr(main, "Policies")
        .iter()
        .find(|p| p["Arn"] == "arn:aws:iam::aws:policy/AdministratorAccess")
        .expect("AdministratorAccess is attached somewhere");
    let corpus: Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../corpus/policies/aws-managed/AdministratorAccess.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(admin["PolicyVersionList"][0]["Document"], corpus);

    // Escalation permissions for `paths` to find, in some principal.
    let text = serde_json::to_string(&gaads).unwrap();
    assert!(text.contains("iam:PassRole"));
    assert!(
        text.contains("iam:CreatePolicyVersion")
            || text.contains("iam:CreateAccessKey")
            || text.contains("iam:UpdateAssumeRolePolicy")
    );
    // A share of roles has a boundary.
    let roles: Vec<&Value> = gaads
        .values()
        .flat_map(|g| arr(g, "RoleDetailList"))
        .collect();
    let bounded = roles
        .iter()
        .filter(|r| r.get("PermissionsBoundary").is_some())
        .count();
    assert!(
        bounded * 100 >= roles.len() * 5 && bounded * 100 <= roles.len() * 40,
        "{bounded} of {} roles bounded",
        roles.len()
    );
    // Several users share each group: far fewer groups than users.
    let users: usize = gaads.values().map(|g| arr(g, "UserDetailList").len()).sum();
    let groups: usize = gaads
        .values()
        .map(|g| arr(g, "GroupDetailList").len())
        .sum();
    assert!(
        users > 0 && groups > 0 && groups < users,
        "{groups} groups, {users} users"
    );
}

fn decode_all(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let v = if matches!(
                        k.as_str(),
                        "Document" | "PolicyDocument" | "AssumeRolePolicyDocument"
                    ) {
                        document(v)
                    } else {
                        decode_all(v)
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(decode_all).collect()),
        other => other.clone(),
    }
}

#[test]
fn url_encoded_form_and_determinism() {
    let plain = GenOptions {
        principals: 200,
        accounts: 2,
        seed: 11,
        url_encode: false,
    };
    let encoded = GenOptions {
        url_encode: true,
        ..plain
    };
    let (first, second, enc) = (Scratch::new("a"), Scratch::new("b"), Scratch::new("enc"));
    write_snapshot(&first.0, &plain).unwrap();
    write_snapshot(&second.0, &plain).unwrap();
    write_snapshot(&enc.0, &encoded).unwrap();
    let (plain_files, again, encoded_files) = (files(&first.0), files(&second.0), files(&enc.0));
    assert!(plain_files == again, "the same seed writes the same bytes");
    let other = Scratch::new("other");
    write_snapshot(&other.0, &GenOptions { seed: 12, ..plain }).unwrap();
    assert!(
        files(&other.0) != plain_files,
        "another seed writes something else"
    );

    check_snapshot(&enc.0, &encoded);
    assert_eq!(
        plain_files.keys().collect::<Vec<_>>(),
        encoded_files.keys().collect::<Vec<_>>()
    );
    // Decoding every document of the encoded form gives the plain form.
    for (path, bytes) in &plain_files {
        let written: Value = serde_json::from_slice(bytes).unwrap();
        let decoded: Value = serde_json::from_slice(&encoded_files[path]).unwrap();
        assert_eq!(decode_all(&decoded), written, "{path}");
    }
}
