//! `iampol report` in a real browser: the report of a small snapshot is opened in headless
//! Chromium (`--dump-dom` after a virtual-time budget, with the network made unreachable), and
//! the DOM it builds is checked: a search (`#q=`) shows the principal and hides the others, a
//! principal's detail (`#principal=`) shows its policy statements with their file and line, a
//! hostile principal name stays text. Also: the page names nothing to fetch, and the report of
//! 1,000 principals stays under 5 MB.
//!
//! The browser is `$IAMPOL_CHROMIUM`, else `chromium`, `chromium-browser`, `google-chrome` or
//! `google-chrome-stable` on `PATH`. Without one the browser tests are skipped with a note,
//! except when `CI` is set, where they fail (`scripts/test.sh`, which `.ci/run` runs,
//! installs Chromium from Debian).
//!
//! The snapshot is written by the tests in the dump layout (`accounts/<id>/gaad.json`, the
//! AWS CLI's `get-account-authorization-details` output shape). Alice's inline policy is the
//! IAM User Guide example "Grant read and write access to Amazon S3 bucket objects"
//! (`reference_policies_examples_s3_rw-bucket`), as the guide writes it (bucket
//! `amzn-s3-demo-bucket`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const ACCOUNT: &str = "111122223333";
/// A user name an attacker could put in an export: markup with an event handler that would
/// mark the page if it ever ran.
const HOSTILE: &str = "<img src=x onerror=document.body.setAttribute('data-pwned','1')>";

fn arn(kind: &str, name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:{kind}/{name}")
}

/// A scratch directory, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("iampol-report-{name}-{}", std::process::id()));
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

fn user(name: &str, inline: &[(&str, Value)], groups: &[&str]) -> Value {
    json!({
        "Path": "/",
        "UserName": name,
        "UserId": "AIDAEXAMPLEUSERID0001",
        "Arn": arn("user", name),
        "CreateDate": "2026-01-05T10:00:00+00:00",
        "UserPolicyList": inline
            .iter()
            .map(|(n, d)| json!({"PolicyName": n, "PolicyDocument": d}))
            .collect::<Vec<_>>(),
        "GroupList": groups,
        "AttachedManagedPolicies": [],
        "Tags": []
    })
}

/// The IAM User Guide's `reference_policies_examples_s3_rw-bucket` policy.
fn s3_read_write() -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ListObjectsInBucket",
                "Effect": "Allow",
                "Action": ["s3:ListBucket"],
                "Resource": ["arn:aws:s3:::amzn-s3-demo-bucket"]
            },
            {
                "Sid": "AllObjectActions",
                "Effect": "Allow",
                "Action": "s3:*Object",
                "Resource": ["arn:aws:s3:::amzn-s3-demo-bucket/*"]
            }
        ]
    })
}

/// A role: its trust policy and one inline policy.
fn role(name: &str, trust: &Value, inline: &(&str, Value)) -> Value {
    json!({
        "Path": "/",
        "RoleName": name,
        "RoleId": "AROAEXAMPLEROLEID0002",
        "Arn": arn("role", name),
        "CreateDate": "2026-01-05T10:00:00+00:00",
        "AssumeRolePolicyDocument": trust,
        "InstanceProfileList": [],
        "RolePolicyList": [{"PolicyName": inline.0, "PolicyDocument": inline.1}],
        "AttachedManagedPolicies": [],
        "Tags": [],
        "RoleLastUsed": {}
    })
}

/// Alice (the S3 example inline), Bob (no policy), a user with a hostile name, a role EC2 may
/// assume (the trust policy of IAM UG `id_roles_create_for-service`), and a way to admin:
/// Carol may `sts:AssumeRole` the role `ops`, whose trust policy names the account (so the
/// account's principals whose identity policies allow the call may assume it: IAM UG
/// `id_roles_compare-resource-policies`), and `ops` is allowed every action on every resource
/// (the `AdministratorAccess` document: admin by definition). That is pathfinding.cloud's
/// `sts-001` (assume a more privileged role).
fn small_snapshot(dir: &Path) -> PathBuf {
    let assume_ops = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "AssumeOps",
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Resource": arn("role", "ops")
        }]
    });
    let trust_account = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")},
            "Action": "sts:AssumeRole"
        }]
    });
    let everything = json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
    });
    let gaad = json!({
        "UserDetailList": [
            user("alice", &[("S3ReadWrite", s3_read_write())], &[]),
            user("bob", &[], &[]),
            user("carol", &[("AssumeOps", assume_ops)], &[]),
            user(HOSTILE, &[], &[]),
        ],
        "GroupDetailList": [],
        "RoleDetailList": [role("ops", &trust_account, &("Everything", everything)), {
            "Path": "/",
            "RoleName": "app",
            "RoleId": "AROAEXAMPLEROLEID0001",
            "Arn": arn("role", "app"),
            "CreateDate": "2026-01-05T10:00:00+00:00",
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [{
                    "Effect": "Allow",
                    "Principal": {"Service": "ec2.amazonaws.com"},
                    "Action": "sts:AssumeRole"
                }]
            },
            "InstanceProfileList": [],
            "RolePolicyList": [],
            "AttachedManagedPolicies": [],
            "Tags": [],
            "RoleLastUsed": {}
        }],
        "Policies": []
    });
    write_snapshot(dir, &gaad)
}

fn write_snapshot(dir: &Path, gaad: &Value) -> PathBuf {
    let snapshot = dir.join("snapshot");
    let account = snapshot.join("accounts").join(ACCOUNT);
    std::fs::create_dir_all(&account).unwrap();
    std::fs::write(
        account.join("gaad.json"),
        serde_json::to_string_pretty(gaad).unwrap(),
    )
    .unwrap();
    snapshot
}

/// Runs `iampol report` and returns the report's path.
fn report(dir: &Path, snapshot: &Path) -> PathBuf {
    report_with(dir, snapshot, &[])
}

fn report_with(dir: &Path, snapshot: &Path, flags: &[&str]) -> PathBuf {
    let out = dir.join("report.html");
    let run = Command::new(env!("CARGO_BIN_EXE_iampol"))
        .args(["report", "--account"])
        .arg(snapshot)
        .args(flags)
        .arg("-o")
        .arg(&out)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    out
}

/// The browser to test with, or `None` after a note (a failure when `CI` is set).
fn browser() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("IAMPOL_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ] {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    assert!(
        std::env::var_os("CI").is_none_or(|v| v.is_empty()),
        "no Chromium on PATH (and IAMPOL_CHROMIUM unset): .ci/run installs it with apt-get"
    );
    eprintln!(
        "skipped: no Chromium (install the Debian package `chromium`, or set IAMPOL_CHROMIUM)"
    );
    None
}

/// Percent-encodes everything but unreserved characters (RFC 3986 section 2.3).
fn encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The DOM of `file` opened at `#fragment`, once the page's scripts ran (a virtual-time
/// budget lets the decoding of compressed chunks finish). Nothing is reachable over the
/// network: every host name resolves to nothing and every connection goes to a closed
/// proxy port, so a page that needed the network would fail to render.
fn dump_dom(browser: &Path, file: &Path, fragment: &str) -> String {
    let profile = Scratch::new(&format!(
        "profile-{}",
        xxhash_rust::xxh3::xxh3_64(fragment.as_bytes())
    ));
    let url = format!(
        "file://{}#{fragment}",
        file.canonicalize().unwrap().display()
    );
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--proxy-server=http://127.0.0.1:9",
            "--proxy-bypass-list=<-loopback>",
            "--virtual-time-budget=10000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.0.display()))
        .arg(&url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("the browser did not finish within 120 s on {url}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    let dom = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(dom.contains("<body"), "no DOM from the browser for {url}");
    dom
}

/// The outer HTML of the first element that starts with `open` (up to its matching `close`,
/// counting nested elements of the same tag).
fn element<'a>(dom: &'a str, open: &str, tag: &str) -> &'a str {
    let start = dom
        .find(open)
        .unwrap_or_else(|| panic!("no `{open}` in the DOM:\n{dom}"));
    let rest = &dom[start..];
    let (open_tag, close_tag) = (format!("<{tag}"), format!("</{tag}>"));
    let mut depth = 0usize;
    let mut at = 0;
    loop {
        let next_open = rest[at..].find(&open_tag).map(|i| i + at);
        let next_close = rest[at..]
            .find(&close_tag)
            .map_or_else(|| panic!("`{open}` is not closed"), |i| i + at);
        match next_open {
            Some(o) if o < next_close => {
                depth += 1;
                at = o + open_tag.len();
            }
            _ => {
                depth -= 1;
                at = next_close + close_tag.len();
                if depth == 0 {
                    return &rest[..at];
                }
            }
        }
    }
}

/// The ARNs listed in the search results.
fn listed(dom: &str) -> Vec<String> {
    let results = element(dom, "<ul id=\"results\"", "ul");
    results
        .split("<li class=\"principal")
        .skip(1)
        .filter_map(|li| {
            let start = li.find("data-arn=\"")? + "data-arn=\"".len();
            let end = li[start..].find('"')? + start;
            Some(li[start..end].to_string())
        })
        .collect()
}

/// Text as the DOM serializer writes it in an attribute value or a text node.
fn escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[test]
fn search_shows_the_principal_and_hides_the_others() {
    let Some(browser) = browser() else { return };
    let dir = Scratch::new("search");
    let html = report(&dir.0, &small_snapshot(&dir.0));
    let everyone = dump_dom(&browser, &html, "");
    assert_eq!(
        listed(&everyone).len(),
        6,
        "with no query every principal is listed"
    );
    let dom = dump_dom(&browser, &html, &format!("q={}", encode("alice")));
    assert_eq!(listed(&dom), [arn("user", "alice")]);
    assert!(dom.contains("1 of 6 principals"), "{dom}");
    // By account id and kind too: every principal is in 111122223333, two are roles.
    let dom = dump_dom(&browser, &html, &format!("q={ACCOUNT}%20role"));
    assert_eq!(listed(&dom), [arn("role", "app"), arn("role", "ops")]);
}

#[test]
fn detail_shows_the_statements_with_file_and_line() {
    let Some(browser) = browser() else { return };
    let dir = Scratch::new("detail");
    let html = report(&dir.0, &small_snapshot(&dir.0));
    let alice = arn("user", "alice");
    let dom = dump_dom(&browser, &html, &format!("principal={}", encode(&alice)));
    let detail = element(&dom, "<section id=\"detail\"", "section");
    assert!(
        detail.contains(&format!("data-arn=\"{alice}\"")),
        "{detail}"
    );
    // The inline policy by its name, and both statements of the IAM UG example, each with
    // its Sid, its text and the place in the GAAD file it was read from.
    assert!(detail.contains("S3ReadWrite"), "{detail}");
    for (sid, action) in [
        ("ListObjectsInBucket", "\"s3:ListBucket\""),
        ("AllObjectActions", "\"s3:*Object\""),
    ] {
        assert!(detail.contains(&format!("({sid})")), "{sid}: {detail}");
        assert!(detail.contains(action), "{action}: {detail}");
    }
    assert!(
        detail.contains("gaad.json:"),
        "statements point at the GAAD file: {detail}"
    );
    // Her effective access, by service and access level (Service Authorization Reference,
    // Amazon S3: `ListBucket` is List, `GetObject` Read, `PutObject` and `DeleteObject`
    // Write): List on the bucket, Read and Write on its objects, each row with the statement
    // that allows it.
    let access = element(detail, "<table class=\"access\"", "table");
    let rows: Vec<&str> = access.split("<tr>").skip(2).collect();
    let row = |level: &str| {
        rows.iter()
            .find(|r| r.contains(&format!("data-service=\"s3\" data-level=\"{level}\"")))
            .unwrap_or_else(|| panic!("no s3 {level} row: {access}"))
    };
    let bucket = "<code>arn:aws:s3:::amzn-s3-demo-bucket</code>";
    let objects = "<code>arn:aws:s3:::amzn-s3-demo-bucket/*</code>";
    assert!(row("List").contains(bucket), "{access}");
    assert!(row("List").contains("(ListObjectsInBucket)"), "{access}");
    for level in ["Read", "Write"] {
        assert!(row(level).contains(objects), "{level}: {access}");
        assert!(
            row(level).contains("(AllObjectActions)"),
            "{level}: {access}"
        );
    }
    assert!(!access.contains("data-service=\"iam\""), "{access}");
    // Bob's detail is not Alice's.
    let bob = arn("user", "bob");
    let dom = dump_dom(&browser, &html, &format!("principal={}", encode(&bob)));
    let detail = element(&dom, "<section id=\"detail\"", "section");
    assert!(detail.contains(&format!("data-arn=\"{bob}\"")));
    assert!(!detail.contains("s3:ListBucket"), "{detail}");
}

#[test]
fn the_path_to_admin_shows_each_step_with_its_statement() {
    let Some(browser) = browser() else { return };
    let dir = Scratch::new("paths");
    let html = report(&dir.0, &small_snapshot(&dir.0));
    // The index marks `ops` admin and gives Carol a path.
    let dom = dump_dom(&browser, &html, "q=ops");
    let results = element(&dom, "<ul id=\"results\"", "ul");
    assert!(results.contains(">admin<"), "{results}");
    let dom = dump_dom(&browser, &html, "q=carol");
    let results = element(&dom, "<ul id=\"results\"", "ul");
    assert!(results.contains("path to admin"), "{results}");
    // Carol's detail: the step `sts:AssumeRole` on `ops`, with the trust policy statement
    // that allows it (its text and place in the GAAD file), then `ops` is admin.
    let carol = arn("user", "carol");
    let dom = dump_dom(&browser, &html, &format!("principal={}", encode(&carol)));
    let path = element(&dom, "<ol class=\"path\"", "ol");
    let ops = arn("role", "ops");
    assert!(
        path.contains(&format!(
            "data-from=\"{carol}\" data-to=\"{ops}\" data-via=\"sts-001\""
        )),
        "{path}"
    );
    assert!(
        path.contains(&format!(
            "<code>sts:AssumeRole</code> on <code>{ops}</code>"
        )),
        "{path}"
    );
    assert!(path.contains("role/ops/trust, statement 0"), "{path}");
    assert!(
        path.contains(&format!("\"AWS\": \"arn:aws:iam::{ACCOUNT}:root\"")),
        "the trust statement's text: {path}"
    );
    assert!(path.contains("gaad.json:"), "{path}");
    assert!(
        path.contains(&format!("data-from=\"{ops}\" data-to=\"admin\"")),
        "{path}"
    );
    // Alice has no path.
    let alice = arn("user", "alice");
    let dom = dump_dom(&browser, &html, &format!("principal={}", encode(&alice)));
    assert!(dom.contains("No path to admin found."), "{dom}");
}

#[test]
fn hostile_principal_names_render_as_text() {
    let Some(browser) = browser() else { return };
    let dir = Scratch::new("hostile");
    let html = report(&dir.0, &small_snapshot(&dir.0));
    let hostile = arn("user", HOSTILE);
    for fragment in [
        format!("q={}", encode("img")),
        format!("principal={}", encode(&hostile)),
    ] {
        let dom = dump_dom(&browser, &html, &fragment);
        let body_tag = &dom[dom.find("<body").unwrap()..];
        let body_tag = &body_tag[..body_tag.find('>').unwrap()];
        assert!(
            !body_tag.contains("data-pwned"),
            "the handler ran: {body_tag}"
        );
        let body = &dom[dom.find("<header").unwrap()..];
        assert!(!body.contains("<img"), "markup from data: {body}");
        assert!(
            body.contains(&escaped(HOSTILE)),
            "the name is shown as text: {body}"
        );
    }
    let dom = dump_dom(&browser, &html, &format!("q={}", encode("img")));
    // The attribute holds the name as text too (serialized with `&lt;`, `&gt;`).
    assert_eq!(listed(&dom), [escaped(&hostile)]);
}

#[test]
fn the_page_fetches_nothing() {
    let dir = Scratch::new("offline");
    let mut html = std::fs::read_to_string(report(&dir.0, &small_snapshot(&dir.0))).unwrap();
    // The page itself, without the index of data (whose names are the export's, such as the
    // hostile `<img src=x ...>`; the page only ever shows them as text).
    let open = "<script type=\"application/json\" id=\"index\">";
    let start = html.find(open).unwrap() + open.len();
    let end = start + html[start..].find("</script>").unwrap();
    html.replace_range(start..end, "");
    assert!(
        html.contains("content=\"default-src 'none';"),
        "a Content-Security-Policy that allows no fetch"
    );
    for pattern in [
        "src=", "href=", "<link", "@import", "url(", "http://", "https://",
    ] {
        assert!(!html.contains(pattern), "`{pattern}` in the report");
    }
}

/// A synthetic account of 1,000 principals: 600 users in 10 groups and 400 roles, with AWS
/// managed policies (real documents from `corpus/policies/aws-managed`), customer managed
/// policies with conditions, inline policies, boundaries on a quarter of the roles.
fn synthetic_gaad(principals: usize) -> Value {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../corpus/policies/aws-managed");
    let managed_names = [
        "AdministratorAccess",
        "ReadOnlyAccess",
        "PowerUserAccess",
        "AmazonS3FullAccess",
        "AmazonEC2FullAccess",
        "AmazonDynamoDBFullAccess",
        "AWSLambda_FullAccess",
        "CloudWatchLogsFullAccess",
        "IAMFullAccess",
        "SecurityAudit",
        "ViewOnlyAccess",
        "AmazonSQSFullAccess",
    ];
    let mut policies = Vec::new();
    for name in managed_names {
        let text = std::fs::read_to_string(root.join(format!("{name}.json"))).unwrap();
        let document: Value = serde_json::from_str(&text).unwrap();
        policies.push(json!({
            "PolicyName": name,
            "PolicyId": "ANPAEXAMPLEPOLICY0001",
            "Arn": format!("arn:aws:iam::aws:policy/{name}"),
            "Path": "/",
            "DefaultVersionId": "v1",
            "AttachmentCount": 1,
            "PermissionsBoundaryUsageCount": 0,
            "IsAttachable": true,
            "CreateDate": "2026-01-05T10:00:00+00:00",
            "UpdateDate": "2026-01-05T10:00:00+00:00",
            "PolicyVersionList": [{
                "Document": document,
                "VersionId": "v1",
                "IsDefaultVersion": true,
                "CreateDate": "2026-01-05T10:00:00+00:00"
            }]
        }));
    }
    let customer = |n: usize| {
        json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": format!("Team{n}Data"),
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
                "Resource": [format!("arn:aws:s3:::team-{n}-data"), format!("arn:aws:s3:::team-{n}-data/*")],
                "Condition": {"StringEquals": {"aws:PrincipalTag/team": format!("team-{n}")}}
            }, {
                "Sid": "DenyOutsideRegions",
                "Effect": "Deny",
                "NotAction": ["iam:*", "sts:*"],
                "Resource": "*",
                "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "us-east-1"]}}
            }]
        })
    };
    for n in 0..40 {
        policies.push(json!({
            "PolicyName": format!("team-{n}-data"),
            "PolicyId": "ANPAEXAMPLEPOLICY0002",
            "Arn": format!("arn:aws:iam::{ACCOUNT}:policy/team-{n}-data"),
            "Path": "/",
            "DefaultVersionId": "v1",
            "AttachmentCount": 1,
            "PermissionsBoundaryUsageCount": 0,
            "IsAttachable": true,
            "CreateDate": "2026-01-05T10:00:00+00:00",
            "UpdateDate": "2026-01-05T10:00:00+00:00",
            "PolicyVersionList": [{
                "Document": customer(n),
                "VersionId": "v1",
                "IsDefaultVersion": true,
                "CreateDate": "2026-01-05T10:00:00+00:00"
            }]
        }));
    }
    let managed = |i: usize| {
        let name = managed_names[i % managed_names.len()];
        json!([
            {"PolicyName": name, "PolicyArn": format!("arn:aws:iam::aws:policy/{name}")},
            {"PolicyName": format!("team-{}-data", i % 40), "PolicyArn": format!("arn:aws:iam::{ACCOUNT}:policy/team-{}-data", i % 40)}
        ])
    };
    let users = principals * 3 / 5;
    let groups: Vec<Value> = (0..10)
        .map(|g| {
            json!({
                "Path": "/",
                "GroupName": format!("group-{g}"),
                "GroupId": "AGPAEXAMPLEGROUP0001",
                "Arn": arn("group", &format!("group-{g}")),
                "CreateDate": "2026-01-05T10:00:00+00:00",
                "GroupPolicyList": [],
                "AttachedManagedPolicies": managed(g)
            })
        })
        .collect();
    let user_list: Vec<Value> = (0..users)
        .map(|i| {
            let name = format!("user-{i:05}");
            json!({
                "Path": "/",
                "UserName": name,
                "UserId": "AIDAEXAMPLEUSERID0001",
                "Arn": arn("user", &name),
                "CreateDate": "2026-01-05T10:00:00+00:00",
                "UserPolicyList": [{"PolicyName": "own", "PolicyDocument": customer(i % 40 + 100)}],
                "GroupList": [format!("group-{}", i % 10)],
                "AttachedManagedPolicies": managed(i + 3),
                "Tags": [{"Key": "team", "Value": format!("team-{}", i % 40)}]
            })
        })
        .collect();
    let role_list: Vec<Value> = (0..principals - users)
        .map(|i| {
            let name = format!("role-{i:05}");
            let mut role = json!({
                "Path": "/",
                "RoleName": name,
                "RoleId": "AROAEXAMPLEROLEID0001",
                "Arn": arn("role", &name),
                "CreateDate": "2026-01-05T10:00:00+00:00",
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{
                        "Effect": "Allow",
                        "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")},
                        "Action": "sts:AssumeRole",
                        "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
                    }]
                },
                "InstanceProfileList": [],
                "RolePolicyList": [{"PolicyName": "own", "PolicyDocument": customer(i % 40 + 200)}],
                "AttachedManagedPolicies": managed(i),
                "Tags": [],
                "RoleLastUsed": {}
            });
            if i % 4 == 0 {
                role["PermissionsBoundary"] = json!({
                    "PermissionsBoundaryType": "PermissionsBoundaryPolicy",
                    "PermissionsBoundaryArn": "arn:aws:iam::aws:policy/PowerUserAccess"
                });
            }
            role
        })
        .collect();
    json!({
        "UserDetailList": user_list,
        "GroupDetailList": groups,
        "RoleDetailList": role_list,
        "Policies": policies
    })
}

/// The index, the principals' details and the policy documents of 1,000 principals. The
/// effective access and paths (`what-can` and `paths` for every principal) are left out: in
/// a debug build they take many minutes for 1,000 principals.
#[test]
fn a_thousand_principals_stay_under_5_mb() {
    let dir = Scratch::new("size");
    let snapshot = write_snapshot(&dir.0, &synthetic_gaad(1000));
    let started = Instant::now();
    let html = report_with(&dir.0, &snapshot, &["--no-access", "--no-paths"]);
    let size = std::fs::metadata(&html).unwrap().len();
    eprintln!(
        "report of 1,000 principals: {size} bytes, written in {:.1?}",
        started.elapsed()
    );
    assert!(size < 5_000_000, "{size} bytes");
    // Every principal is in the index.
    let text = std::fs::read_to_string(&html).unwrap();
    assert!(text.contains(&arn("user", "user-00599")) && text.contains(&arn("role", "role-00399")));
}
