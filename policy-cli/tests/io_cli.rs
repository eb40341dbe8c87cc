//! Reading is bounded and safe: a size limit per policy, scenario or template file
//! (`--max-file-size`, standard input too), only regular files and standard input are read
//! (FIFOs and devices are refused, and skipped with a warning in a directory walk), and no
//! message quotes more than a bounded amount of input.
//!
//! Every run here has a deadline: a read that blocks (a FIFO opened with no writer) or never
//! ends (`/dev/zero`) fails the test instead of hanging it.

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What a run gave.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs `iampol` in `dir` with `stdin` as standard input; kills it after 20 seconds (the test
/// then fails: the run blocked or did not end).
fn iampol_in(dir: &Path, args: &[&str], stdin: &[u8]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_iampol"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let bytes = stdin.to_vec();
    // A writer thread: the child may refuse the input before reading all of it.
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&bytes);
    });
    let out = child.stdout.take().unwrap();
    let err = child.stderr.take().unwrap();
    let read_all = |mut r: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            // At most 64 MiB of output: more is a failure of its own.
            let _ = r.by_ref().take(64 << 20).read_to_end(&mut buf);
            String::from_utf8_lossy(&buf).into_owned()
        })
    };
    let out = read_all(Box::new(out));
    let err = read_all(Box::new(err));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if start.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let _ = writer.join();
    let run = Run {
        code: status.and_then(|s| s.code()),
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    };
    assert!(
        status.is_some(),
        "`iampol {}` did not end within 20 s; stderr so far: {}",
        args.join(" "),
        run.stderr
    );
    run
}

/// A scratch directory, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("iampol-io-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn write(&self, name: &str, bytes: &[u8]) {
        let path = self.0.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }

    #[cfg(unix)]
    fn fifo(&self, name: &str) {
        let path = self.0.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let status = Command::new("mkfifo").arg(&path).status().unwrap();
        assert!(status.success());
    }

    fn run(&self, args: &[&str]) -> Run {
        iampol_in(&self.0, args, b"")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const POLICY: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/*"}]}"#;

/// `POLICY` padded with spaces to exactly `len` bytes.
fn padded_policy(len: usize) -> Vec<u8> {
    let mut text = POLICY.as_bytes().to_vec();
    assert!(len > text.len());
    text.resize(len - 1, b' ');
    text.push(b'\n');
    text
}

fn too_large(name: &str, limit: u64) -> String {
    format!("{name}: too large (")
        + &format!("bytes or more; the limit is {limit}, raise it with --max-file-size)")
}

fn assert_too_large(run: &Run, name: &str, limit: u64) {
    assert_eq!(run.code, Some(2), "stderr: {}", run.stderr);
    let (head, tail) = (
        format!("{name}: too large ("),
        format!(" bytes or more; the limit is {limit}, raise it with --max-file-size)"),
    );
    assert!(
        run.stderr.contains(&head) && run.stderr.contains(&tail),
        "expected `{}` in: {}",
        too_large(name, limit),
        run.stderr
    );
}

#[test]
fn a_policy_over_the_limit_is_refused_by_every_command_and_one_at_it_is_read() {
    let s = Scratch::new("limit");
    s.write("big.json", &padded_policy(1001));
    s.write("fits.json", &padded_policy(1000));
    s.write(
        "trail.json",
        br#"{"Records": [{"eventVersion": "1.08", "eventSource": "s3.amazonaws.com", "eventName": "GetObject", "eventTime": "2024-01-01T00:00:00Z", "awsRegion": "us-east-1", "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::123456789012:user/alice", "accountId": "123456789012"}, "requestParameters": {"bucketName": "bucket", "key": "k"}, "resources": [{"ARN": "arn:aws:s3:::bucket/k", "type": "AWS::S3::Object"}]}]}"#,
    );
    let can = |file: &str| {
        s.run(&[
            "can",
            "--max-file-size",
            "1000",
            "--principal",
            "arn:aws:iam::123456789012:user/alice",
            "--action",
            "s3:GetObject",
            "--resource",
            "arn:aws:s3:::bucket/k",
            "--identity",
            file,
        ])
    };
    let tighten = |file: &str| {
        s.run(&[
            "tighten",
            "--max-file-size",
            "1000",
            file,
            "--principal",
            "arn:aws:iam::123456789012:user/alice",
            "--cloudtrail",
            "trail.json",
            "--quiet",
        ])
    };
    assert_too_large(
        &s.run(&["lint", "--max-file-size", "1000", "big.json"]),
        "big.json",
        1000,
    );
    assert_too_large(&can("big.json"), "big.json", 1000);
    assert_too_large(&tighten("big.json"), "big.json", 1000);
    // A file at the limit is read.
    let lint = s.run(&["lint", "--max-file-size", "1000", "fits.json"]);
    assert_eq!(lint.code, Some(0), "{}", lint.stderr);
    assert_eq!(can("fits.json").code, Some(0));
    let tight = tighten("fits.json");
    assert_ne!(tight.code, Some(2), "{}", tight.stderr);
    // Suffixes: 1KB is 1000 bytes, 1KiB 1024.
    let kb = s.run(&["lint", "--max-file-size", "1KB", "big.json"]);
    assert_too_large(&kb, "big.json", 1000);
    let kib = s.run(&["lint", "--max-file-size", "1KiB", "big.json"]);
    assert_eq!(kib.code, Some(0), "{}", kib.stderr);
    // In a directory walk, too.
    s.write("dir/big.json", &padded_policy(1001));
    assert_too_large(
        &s.run(&["lint", "--max-file-size", "1000", "dir"]),
        "dir/big.json",
        1000,
    );
}

#[test]
fn a_scenario_file_over_the_limit_is_refused() {
    let s = Scratch::new("scenario");
    let scenario = format!(
        r#"{{"principal": "arn:aws:iam::123456789012:user/alice", "action": "s3:GetObject", "resource": "arn:aws:s3:::bucket/k", "identityPolicies": [{POLICY}], "expect": "allowed"}}"#
    );
    let mut big = scenario.clone().into_bytes();
    big.resize(2000, b' ');
    s.write("big.json", &big);
    s.write("ok.json", scenario.as_bytes());
    assert_too_large(
        &s.run(&["eval", "--max-file-size", "1000", "big.json"]),
        "big.json",
        1000,
    );
    let ok = s.run(&["eval", "--max-file-size", "1000", "ok.json"]);
    assert_eq!(ok.code, Some(0), "{}", ok.stderr);
}

#[test]
fn standard_input_over_the_limit_is_refused_after_limit_plus_one_bytes() {
    let s = Scratch::new("stdin");
    let run = iampol_in(
        &s.0,
        &["lint", "--max-file-size", "1000", "-"],
        &padded_policy(5000),
    );
    assert_too_large(&run, "<stdin>", 1000);
    // A stream's size is unknown: what was read is the limit and one byte more.
    assert!(run.stderr.contains("(1001 bytes or more"), "{}", run.stderr);
    let fits = iampol_in(
        &s.0,
        &["lint", "--max-file-size", "1000", "-"],
        &padded_policy(1000),
    );
    assert_eq!(fits.code, Some(0), "{}", fits.stderr);
}

#[test]
fn a_bad_size_is_a_usage_error() {
    let s = Scratch::new("badsize");
    s.write("p.json", POLICY.as_bytes());
    for bad in ["", "ten", "10XB", "-1", "99999999999999999999", "1.5MB"] {
        let flag = format!("--max-file-size={bad}");
        let run = s.run(&["lint", &flag, "p.json"]);
        assert_eq!(run.code, Some(2), "{bad}: {}", run.stderr);
        assert!(
            run.stderr.contains("invalid value") && run.stderr.contains("--max-file-size"),
            "{bad}: {}",
            run.stderr
        );
    }
}

#[cfg(target_os = "linux")]
#[test]
fn dev_zero_is_refused_without_reading() {
    let s = Scratch::new("zero");
    s.write("p.json", POLICY.as_bytes());
    for args in [
        vec!["lint", "/dev/zero"],
        vec!["eval", "/dev/zero"],
        vec![
            "can",
            "--principal",
            "arn:aws:iam::123456789012:user/alice",
            "--action",
            "s3:GetObject",
            "--resource",
            "*",
            "--identity",
            "/dev/zero",
        ],
        vec![
            "tighten",
            "/dev/zero",
            "--principal",
            "arn:aws:iam::123456789012:user/alice",
            "--cloudtrail",
            "p.json",
        ],
        vec![
            "tighten",
            "p.json",
            "--principal",
            "arn:aws:iam::123456789012:user/alice",
            "--cloudtrail",
            "/dev/zero",
        ],
        vec!["generate", "--cloudtrail", "/dev/zero"],
        vec!["lint", "--config", "/dev/zero", "p.json"],
    ] {
        let run = s.run(&args);
        assert_eq!(run.code, Some(2), "{args:?}: {}", run.stderr);
        assert!(
            run.stderr
                .contains("/dev/zero: not a regular file (a character device)"),
            "{args:?}: {}",
            run.stderr
        );
    }
}

#[cfg(unix)]
#[test]
fn a_fifo_named_on_the_command_line_is_refused_without_blocking() {
    let s = Scratch::new("fifo");
    s.write("p.json", POLICY.as_bytes());
    s.fifo("f.json");
    for args in [
        vec!["lint", "f.json"],
        vec!["lint", "--fix", "f.json"],
        vec!["eval", "f.json"],
        vec![
            "can",
            "--principal",
            "arn:aws:iam::123456789012:user/alice",
            "--action",
            "s3:GetObject",
            "--resource",
            "*",
            "--identity",
            "f.json",
        ],
        vec![
            "tighten",
            "f.json",
            "--principal",
            "arn:aws:iam::123456789012:user/alice",
            "--cloudtrail",
            "p.json",
        ],
        vec![
            "tighten",
            "p.json",
            "--principal",
            "arn:aws:iam::123456789012:user/alice",
            "--cloudtrail",
            "f.json",
        ],
        vec!["generate", "--cloudtrail", "f.json"],
    ] {
        let run = s.run(&args);
        assert_eq!(run.code, Some(2), "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("f.json: not a regular file (a FIFO)"),
            "{args:?}: {}",
            run.stderr
        );
    }
}

#[cfg(unix)]
#[test]
fn a_fifo_met_in_a_directory_walk_is_skipped_with_a_warning() {
    let s = Scratch::new("fifodir");
    s.write("dir/a.json", POLICY.as_bytes());
    s.fifo("dir/f.json");
    let lint = s.run(&["lint", "dir"]);
    // The warning does not change the exit status: `a.json` is clean.
    assert_eq!(lint.code, Some(0), "{}", lint.stderr);
    assert!(
        lint.stderr
            .contains("warning: dir/f.json: not a regular file (a FIFO); skipped"),
        "{}",
        lint.stderr
    );
    assert!(lint.stderr.contains("in 1 file"), "{}", lint.stderr);

    s.write(
        "scenarios/ok.json",
        format!(
            r#"{{"principal": "arn:aws:iam::123456789012:user/alice", "action": "s3:GetObject", "resource": "arn:aws:s3:::bucket/k", "identityPolicies": [{POLICY}], "expect": "allowed"}}"#
        )
        .as_bytes(),
    );
    s.fifo("scenarios/f.json");
    let eval = s.run(&["eval", "scenarios"]);
    assert_eq!(eval.code, Some(0), "{}", eval.stderr);
    assert!(
        eval.stderr
            .contains("warning: scenarios/f.json: not a regular file (a FIFO); skipped"),
        "{}",
        eval.stderr
    );

    s.write(
        "trail/t.json",
        br#"{"Records": [{"eventVersion": "1.08", "eventSource": "s3.amazonaws.com", "eventName": "GetObject", "eventTime": "2024-01-01T00:00:00Z", "awsRegion": "us-east-1", "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::123456789012:user/alice", "accountId": "123456789012"}, "requestParameters": {"bucketName": "bucket", "key": "k"}, "resources": [{"ARN": "arn:aws:s3:::bucket/k", "type": "AWS::S3::Object"}]}]}"#,
    );
    s.fifo("trail/f.json");
    let generate = s.run(&["generate", "--cloudtrail", "trail"]);
    assert_eq!(generate.code, Some(0), "{}", generate.stderr);
    assert!(
        generate.stdout.contains("s3:GetObject"),
        "{}",
        generate.stdout
    );
    assert!(
        generate
            .stderr
            .contains("warning: trail/f.json: not a regular file (a FIFO); skipped"),
        "{}",
        generate.stderr
    );
}

#[test]
fn a_finding_quotes_a_bounded_amount_of_a_long_value() {
    let s = Scratch::new("quote");
    let long = "x".repeat(100_000);
    s.write(
        "p.json",
        format!(
            r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": "{long}", "Resource": "*"}}]}}"#
        )
        .as_bytes(),
    );
    for format in ["concise", "json", "github"] {
        let run = s.run(&["lint", "--format", format, "p.json"]);
        assert_eq!(run.code, Some(1), "{}", run.stderr);
        assert!(
            run.stdout.len() < 10_000,
            "{format}: {} bytes of output",
            run.stdout.len()
        );
    }
}

#[test]
fn an_error_message_quotes_a_bounded_amount_of_a_long_value() {
    let s = Scratch::new("quote-eval");
    let long = "k".repeat(100_000);
    s.write("s.json", format!(r#"{{"{long}": 1}}"#).as_bytes());
    let run = s.run(&["eval", "s.json"]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    let first = run.stderr.lines().next().unwrap_or_default();
    assert!(first.starts_with("error: s.json:1:2: "), "{first}");
    assert!(
        first.len() < 1_000,
        "{} bytes: {}",
        first.len(),
        first.chars().take(300).collect::<String>()
    );
}

#[cfg(unix)]
#[test]
fn an_input_that_could_not_be_read_is_said_before_the_summary_which_counts_it() {
    let s = Scratch::new("summary");
    s.write("p.json", POLICY.as_bytes());
    let run = s.run(&["lint", "/dev/zero", "p.json"]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    let error = run
        .stderr
        .find("error: /dev/zero: not a regular file")
        .expect(&run.stderr);
    let summary = run.stderr.find(" in 1 file;").expect(&run.stderr);
    assert!(error < summary, "{}", run.stderr);
    assert!(
        run.stderr[summary..].contains("1 could not be read or written (above)."),
        "{}",
        run.stderr
    );
}
