//! Malformed trail files never stop a read: a truncated gzip file, a half-written JSON file, a
//! record without `eventName` and a 100 MB line are each reported with their file and position,
//! and every other record is still read.

use std::io::Write;
use std::path::{Path, PathBuf};

use policy_lint::generate::aggregate::{Activity, Selection};
use policy_lint::generate::cloudtrail::{Input, ReadOptions};
use policy_lint::generate::read_activity;
use serde_json::json;

/// A scratch directory, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("iampol-{name}-{}", std::process::id()));
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

fn record(i: usize, name: &str) -> String {
    json!({
        "eventVersion": "1.09",
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/alice", "accountId": "111122223333"},
        "eventTime": "2024-08-01T10:00:00Z",
        "eventSource": "s3.amazonaws.com",
        "eventName": name,
        "awsRegion": "us-east-1",
        "requestParameters": {"bucketName": "b", "key": format!("k/{i}")},
        "eventType": "AwsApiCall",
        "recipientAccountId": "111122223333"
    })
    .to_string()
}

fn read(dir: &Path) -> Activity {
    read_activity(
        vec![Input::Path(dir.to_path_buf())],
        Selection::default(),
        &ReadOptions::default(),
        None,
    )
}

#[test]
fn each_problem_is_reported_with_its_position_and_the_rest_is_read() {
    let scratch = Scratch::new("generate-inputs");
    let dir = &scratch.0;
    // A good S3-delivered file: 3 events.
    let good = format!(
        r#"{{"Records":[{},{},{}]}}"#,
        record(0, "GetObject"),
        record(1, "GetObject"),
        record(2, "PutObject")
    );
    std::fs::write(dir.join("good.json"), &good).unwrap();
    // A gzip file cut in the middle.
    let mut big = String::from(r#"{"Records":["#);
    for i in 0..2000 {
        if i > 0 {
            big.push(',');
        }
        big.push_str(&record(i, "GetObject"));
    }
    big.push_str("]}");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(big.as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    std::fs::write(dir.join("truncated.json.gz"), &gz[..gz.len() / 2]).unwrap();
    // A half-written JSON array: the fourth record is cut short.
    let records: Vec<String> = (0..5).map(|i| record(i, "GetObject")).collect();
    let whole = format!("[\n{}\n]\n", records.join(",\n"));
    let cut_at = whole.find(&records[3]).unwrap() + records[3].len() / 2;
    std::fs::write(dir.join("half.json"), &whole[..cut_at]).unwrap();
    let fourth_offset = whole.find(&records[3]).unwrap() as u64;
    // NDJSON with a record that has no eventName.
    let nameless = r#"{"eventSource":"s3.amazonaws.com","eventTime":"2024-08-01T10:00:00Z"}"#;
    let ndjson = format!(
        "{}\n{nameless}\n{}\n",
        record(0, "GetObject"),
        record(1, "GetObject")
    );
    std::fs::write(dir.join("nameless.ndjson"), &ndjson).unwrap();
    let nameless_offset = (record(0, "GetObject").len() + 1) as u64;

    let a = read(dir);
    let problems = &a.problems;
    let find =
        |file: &str| -> Vec<_> { problems.iter().filter(|p| p.file.ends_with(file)).collect() };
    // Truncated gzip: the stream error and the record it cut, with positions.
    let gz_problems = find("truncated.json.gz");
    assert!(
        gz_problems
            .iter()
            .any(|p| p.message.contains("truncated gzip")),
        "{gz_problems:?}"
    );
    assert!(gz_problems
        .iter()
        .any(|p| p.record.is_some() && p.offset > 0));
    // Half-written: record #4, at its offset.
    let half = find("half.json");
    assert_eq!(half.len(), 1, "{half:?}");
    assert_eq!(half[0].record, Some(4));
    assert_eq!(half[0].offset, fourth_offset);
    assert!(half[0].message.contains("ends inside"));
    // No eventName: record #2, at its offset.
    let nameless = find("nameless.ndjson");
    assert_eq!(nameless.len(), 1);
    assert_eq!(nameless[0].record, Some(2));
    assert_eq!(nameless[0].offset, nameless_offset);
    assert!(nameless[0].message.contains("eventName"));
    assert!(find("good.json").is_empty());
    // Everything else was read: 3 + the gzip part + 3 + 2.
    let gzip_events = a.counts.events - 3 - 3 - 2;
    assert!(gzip_events > 500 && gzip_events < 2000, "{gzip_events}");
    assert_eq!(a.counts.malformed, 3);
    assert_eq!(a.counts.inputs, 4);
    let alice = &a.principals["arn:aws:iam::111122223333:user/alice"];
    assert!(alice.actions.contains_key("s3:GetObject"));
    assert!(alice.actions.contains_key("s3:PutObject"));
}

#[test]
fn a_100_mb_line_is_reported_and_skipped() {
    let scratch = Scratch::new("generate-long-line");
    let path = scratch.0.join("long.ndjson");
    let first = record(0, "GetObject");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    writeln!(f, "{first}").unwrap();
    write!(
        f,
        r#"{{"eventSource":"s3.amazonaws.com","eventName":"PutObject","blob":""#
    )
    .unwrap();
    let chunk = vec![b'x'; 1 << 20];
    for _ in 0..100 {
        f.write_all(&chunk).unwrap();
    }
    writeln!(f, r#""}}"#).unwrap();
    writeln!(f, "{}", record(1, "PutObject")).unwrap();
    f.flush().unwrap();
    drop(f);
    let a = read(&scratch.0);
    assert_eq!(a.counts.events, 2);
    assert_eq!(a.problems.len(), 1, "{:?}", a.problems);
    let p = &a.problems[0];
    assert_eq!(p.record, Some(2));
    assert_eq!(p.offset, first.len() as u64 + 1);
    assert!(p.message.contains("over the limit"), "{}", p.message);
    let alice = &a.principals["arn:aws:iam::111122223333:user/alice"];
    assert!(alice.actions.contains_key("s3:PutObject"));
}

/// A record nested `levels` deep in a field the reader ignores (an object holding an array
/// holding an object ...); `name`: its `eventName`, if any; `leaf`: the innermost value.
fn deep_record(levels: usize, name: Option<&str>, leaf: &str) -> Vec<u8> {
    let mut s = record(9, name.unwrap_or("DeleteObject"));
    if name.is_none() {
        s = s.replace(r#""eventName":"DeleteObject","#, "");
    }
    s.pop();
    s.push_str(r#","x":"#);
    s.push_str(&r#"[{"y":"#.repeat(levels));
    s.push_str(leaf);
    s.push_str(&"}]".repeat(levels));
    s.push('}');
    s.into_bytes()
}

/// Each per-record problem in a file of records, one line (as trails deliver them to S3)
/// or pretty, loses that record only, and the count of lost records is exact. JSON sets no
/// limit on nesting (RFC 8259 section 9 lets a parser set one): a deep record that is a valid
/// event is read, one that is not is lost alone.
#[test]
fn a_bad_record_loses_only_itself() {
    let oversized = format!(
        r#"{{"eventSource":"s3.amazonaws.com","eventName":"DeleteObject","blob":"{}"}}"#,
        "x".repeat(5000)
    )
    .into_bytes();
    let mut invalid_utf8 = record(9, "DeleteObject").into_bytes();
    let at = invalid_utf8.len() - 10;
    invalid_utf8.insert(at, 0xff);
    let default = ReadOptions::default().max_record;
    // (what, the record, the record limit, the message when it is lost; `None`: it is read)
    let cases: Vec<(&str, Vec<u8>, usize, Option<&str>)> = vec![
        (
            "a deep event",
            deep_record(5000, Some("DeleteObject"), "1"),
            default,
            None,
        ),
        (
            "a deep event, 300 levels",
            deep_record(300, Some("DeleteObject"), "1"),
            default,
            None,
        ),
        (
            "a deep record without eventName",
            deep_record(5000, None, "1"),
            default,
            Some("eventName"),
        ),
        (
            "a deep record that is not JSON",
            deep_record(5000, Some("DeleteObject"), "tru"),
            default,
            Some("not a valid event"),
        ),
        (
            "a deep oversized record",
            deep_record(5000, Some("DeleteObject"), "1"),
            1024,
            Some("over the limit"),
        ),
        (
            "a number",
            b"42".to_vec(),
            default,
            Some("not an event object"),
        ),
        (
            "a string",
            br#""x""#.to_vec(),
            default,
            Some("not an event object"),
        ),
        (
            "a deep array",
            b"[".repeat(5000)
                .into_iter()
                .chain(b"]".repeat(5000))
                .collect(),
            default,
            Some("not an event object"),
        ),
        (
            "invalid UTF-8",
            invalid_utf8,
            default,
            Some("not a valid event"),
        ),
        ("oversized", oversized, 1024, Some("over the limit")),
    ];
    for (what, bad, max_record, lost) in cases {
        for (shape, (open, sep, close)) in [
            (r#"{"Records":["#, ",", "]}"),
            ("{\"Records\": [\n", ",\n", "\n]}\n"),
            ("[", ",", "]"),
            ("", "\n", "\n"),
        ]
        .into_iter()
        .enumerate()
        {
            if shape == 3 && !bad.starts_with(b"{") {
                // NDJSON has no place for a value that is not an object.
                continue;
            }
            let scratch = Scratch::new("generate-bad-record");
            let mut file = open.as_bytes().to_vec();
            file.extend(record(0, "GetObject").as_bytes());
            file.extend(sep.as_bytes());
            file.extend(record(1, "GetObject").as_bytes());
            file.extend(sep.as_bytes());
            let bad_offset = file.len() as u64;
            file.extend(&bad);
            file.extend(sep.as_bytes());
            file.extend(record(3, "PutObject").as_bytes());
            file.extend(sep.as_bytes());
            file.extend(record(4, "PutObject").as_bytes());
            file.extend(close.as_bytes());
            std::fs::write(scratch.0.join("trail.json"), &file).unwrap();
            let a = read_activity(
                vec![Input::Path(scratch.0.clone())],
                Selection::default(),
                &ReadOptions {
                    threads: 1,
                    max_record,
                },
                None,
            );
            let context = format!("{what} (shape {shape}): {:?}", a.problems);
            let alice = &a.principals["arn:aws:iam::111122223333:user/alice"];
            assert!(alice.actions.contains_key("s3:PutObject"), "{context}");
            match lost {
                None => {
                    assert_eq!(a.counts.events, 5, "{context}");
                    assert!(a.problems.is_empty(), "{context}");
                    assert!(alice.actions.contains_key("s3:DeleteObject"), "{context}");
                }
                Some(message) => {
                    assert_eq!(a.counts.events, 4, "{context}");
                    assert_eq!(a.counts.malformed, 1, "{context}");
                    assert_eq!(a.problems.len(), 1, "{context}");
                    let p = &a.problems[0];
                    assert_eq!(p.record, Some(3), "{context}");
                    assert_eq!(p.offset, bad_offset, "{context}");
                    assert!(p.record_lost, "{context}");
                    assert!(p.message.contains(message), "{context}");
                }
            }
        }
    }
}
