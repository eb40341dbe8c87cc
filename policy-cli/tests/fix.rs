//! `iampol lint --fix`, `--unsafe-fixes` and `--diff`: what is applied, how files are written
//! (atomically, only when changed, keeping permissions and symbolic links), what is reported
//! afterwards and the exit status.
//!
//! The fixes come from real rules: `S002 service-wildcard-action` (unsafe),
//! `S017 resource-policy-public` (unsafe with `organization-id`, display-only without) and
//! `N007 old-version` (safe).

use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// `s3:*` on objects: S002, with an unsafe fix listing the Read and List object actions.
const S3_WILDCARD: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::bucket/*"}
  ]
}
"#;

/// A public bucket policy: S017.
const PUBLIC_BUCKET: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "Public", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/*"}
  ]
}
"#;

/// The 2008 language (N007, safe fix) and `s3:*` (S002, unsafe fix).
const OLD_AND_WILDCARD: &str = r#"{
  "Version": "2008-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::bucket/*"}
  ]
}
"#;

fn iampol(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_iampol"))
        .arg("lint")
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap()
}

/// No temporary file is left behind.
fn assert_no_leftovers(dir: &Path) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name();
        assert!(
            !name.to_string_lossy().starts_with(".iampol-fix-"),
            "{name:?}"
        );
    }
}

#[test]
fn fix_applies_safe_fixes_and_unsafe_fixes_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("p.json"), OLD_AND_WILDCARD).unwrap();

    // `--fix`: the safe N007 fix only; S002 is left, and its fix is announced.
    let out = iampol(d, &["--isolated", "--fix", "--format", "concise", "p.json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = read(d, "p.json");
    assert!(
        text.contains("\"2012-10-17\"") && text.contains("\"s3:*\""),
        "{text}"
    );
    let stdout = String::from_utf8(out.stdout.clone()).unwrap();
    assert!(
        stdout.contains("S002") && !stdout.contains("N007"),
        "{stdout}"
    );
    let err = stderr(&out);
    assert!(
        err.contains("Fixed 1 finding in 1 file (1 more fix available with `--unsafe-fixes`)."),
        "{err}"
    );
    assert!(
        err.contains("Found 1 finding left (0 errors, 1 warning, 0 notes)"),
        "{err}"
    );

    // `--fix --unsafe-fixes`: S002 too; nothing is left, so the run passes.
    let out = iampol(d, &["--isolated", "--fix", "--unsafe-fixes", "p.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = read(d, "p.json");
    assert!(
        !text.contains("\"s3:*\"") && text.contains("\"s3:GetObject\""),
        "{text}"
    );
    assert!(
        stderr(&out).contains("Fixed 1 finding in 1 file."),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("No findings left in 1 file."));
    // The fixed policy is clean and stays so.
    assert_eq!(iampol(d, &["--isolated", "p.json"]).status.code(), Some(0));
    assert_no_leftovers(d);
}

#[test]
fn unsafe_fixes_need_fix() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("s3.json"), S3_WILDCARD).unwrap();
    let out = iampol(d, &["--isolated", "--unsafe-fixes", "s3.json"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(read(d, "s3.json"), S3_WILDCARD);
    assert!(
        stderr(&out).contains("1 fixable with `--fix --unsafe-fixes`."),
        "{}",
        stderr(&out)
    );
}

#[test]
fn service_wildcard_action_fix_through_fix_and_unsafe_fixes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("s3.json"), S3_WILDCARD).unwrap();
    std::fs::write(
        d.join("clean.json"),
        OLD_AND_WILDCARD
            .replace("s3:*", "s3:GetObject")
            .replace("2008", "2012"),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(d.join("s3.json"), std::fs::Permissions::from_mode(0o640))
            .unwrap();
    }
    let clean_before = std::fs::metadata(d.join("clean.json")).unwrap();

    // The JSON output describes the fix.
    let out = iampol(d, &["--isolated", "--format", "json", "s3.json"]);
    let findings: Value = serde_json::from_slice(&out.stdout).unwrap();
    let s002 = findings
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "S002")
        .unwrap();
    assert_eq!(s002["fix"]["applicability"], "unsafe");
    assert!(s002["fix"]["message"]
        .as_str()
        .unwrap()
        .starts_with("replace `s3:*`"));
    let edit = &s002["fix"]["edits"][0];
    assert_eq!(
        (edit["line"].as_u64(), edit["column"].as_u64()),
        (Some(4), Some(35))
    );
    assert_eq!(
        (edit["endLine"].as_u64(), edit["endColumn"].as_u64()),
        (Some(4), Some(41))
    );
    assert!(edit["content"]
        .as_str()
        .unwrap()
        .starts_with("[\"s3:GetObject\""));

    let out = iampol(d, &["--isolated", "--fix", "--unsafe-fixes", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let fixed = read(d, "s3.json");
    let expected = S3_WILDCARD.replace("\"s3:*\"", edit["content"].as_str().unwrap());
    assert_eq!(fixed, expected);
    assert!(stderr(&out).contains("Fixed 1 finding in 1 file."));
    // Only the changed file was written; the other keeps its inode and time.
    let clean_after = std::fs::metadata(d.join("clean.json")).unwrap();
    assert_eq!(
        clean_before.modified().unwrap(),
        clean_after.modified().unwrap()
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        assert_eq!(clean_before.ino(), clean_after.ino());
        let mode = std::fs::metadata(d.join("s3.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o640, "permissions are kept");
    }
    assert_no_leftovers(d);
}

#[test]
fn resource_policy_public_fix_uses_the_configured_organization() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("bucket.json"), PUBLIC_BUCKET).unwrap();

    // Without `organization-id` the fix is display-only: never applied.
    let out = iampol(
        d,
        &[
            "--fix",
            "--unsafe-fixes",
            "--kind",
            "resource",
            "bucket.json",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(read(d, "bucket.json"), PUBLIC_BUCKET);
    assert!(
        stderr(&out).contains("Fixed 0 findings in 0 files."),
        "{}",
        stderr(&out)
    );

    // With it (in `iampol.toml`), `--fix --unsafe-fixes` pins the callers to the organization.
    std::fs::write(
        d.join("iampol.toml"),
        "organization-id = \"o-a1b2c3d4e5\"\n",
    )
    .unwrap();
    let out = iampol(d, &["--fix", "--kind", "resource", "bucket.json"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        read(d, "bucket.json"),
        PUBLIC_BUCKET,
        "unsafe: not applied by `--fix` alone"
    );
    let out = iampol(
        d,
        &[
            "--fix",
            "--unsafe-fixes",
            "--kind",
            "resource",
            "bucket.json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let fixed = read(d, "bucket.json");
    assert!(
        fixed.contains(r#""Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}"#),
        "{fixed}"
    );
    assert_eq!(
        iampol(d, &["--kind", "resource", "bucket.json"])
            .status
            .code(),
        Some(0)
    );
}

#[test]
fn diff_prints_the_fixes_without_writing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("s3.json"), S3_WILDCARD).unwrap();
    // Safe fixes only: nothing to do, exit 0, the unsafe one is announced.
    let out = iampol(d, &["--isolated", "--diff", "s3.json"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    assert!(
        stderr(&out).contains("No fixes to apply (1 more fix available with `--unsafe-fixes`).")
    );
    // With unsafe fixes: a unified diff, exit 1, the file untouched.
    let out = iampol(d, &["--isolated", "--diff", "--unsafe-fixes", "s3.json"]);
    assert_eq!(out.status.code(), Some(1));
    let diff = String::from_utf8(out.stdout.clone()).unwrap();
    assert!(
        diff.starts_with("--- a/s3.json\n+++ b/s3.json\n@@ -1,6 +1,6 @@\n"),
        "{diff}"
    );
    assert!(
        diff.contains("\n-    {\"Effect\": \"Allow\", \"Action\": \"s3:*\""),
        "{diff}"
    );
    assert!(stderr(&out).contains("Would fix 1 finding in 1 file."));
    assert_eq!(read(d, "s3.json"), S3_WILDCARD);
}

#[test]
fn fixing_standard_input_prints_the_fixed_policy() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_iampol"))
        .args([
            "lint",
            "--isolated",
            "--fix",
            "--unsafe-fixes",
            "--format",
            "concise",
            "-",
        ])
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(
        &mut child.stdin.take().unwrap(),
        OLD_AND_WILDCARD.as_bytes(),
    )
    .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout.clone()).unwrap();
    assert!(
        text.contains("\"2012-10-17\"") && text.contains("\"s3:GetObject\""),
        "{text}"
    );
    assert!(
        stderr(&out).contains("Fixed 2 findings in 1 file."),
        "{}",
        stderr(&out)
    );
}

#[cfg(unix)]
#[test]
fn symbolic_links_stay_links_and_read_only_files_are_not_written() {
    use std::os::unix::fs::PermissionsExt;

    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("real")).unwrap();
    std::fs::write(d.join("real/s3.json"), S3_WILDCARD).unwrap();
    std::os::unix::fs::symlink("real/s3.json", d.join("link.json")).unwrap();
    let out = iampol(d, &["--isolated", "--fix", "--unsafe-fixes", "link.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(std::fs::symlink_metadata(d.join("link.json"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(!read(d, "real/s3.json").contains("\"s3:*\""));
    assert_no_leftovers(&d.join("real"));

    std::fs::write(d.join("ro.json"), S3_WILDCARD).unwrap();
    std::fs::set_permissions(d.join("ro.json"), std::fs::Permissions::from_mode(0o444)).unwrap();
    let out = iampol(d, &["--isolated", "--fix", "--unsafe-fixes", "ro.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("ro.json: could not write the fixes: the file is read-only"),
        "{}",
        stderr(&out)
    );
    assert_eq!(read(d, "ro.json"), S3_WILDCARD);
}
