//! The trail reader's round trip: generated records, written in each input shape (S3
//! delivery compact and pretty, JSON array compact and pretty, NDJSON; plain and gzip), read
//! back equal and in order, with no problem reported.

use std::io::Write;

use policy_lint::generate::split::{Item, RecordReader};
use proptest::prelude::*;
use serde_json::{Map, Value};

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1e12f64..1e12).prop_map(Value::from),
        // Strings with the characters the splitter must track: quotes, backslashes,
        // brackets, control characters, non-ASCII.
        proptest::string::string_regex(
            r#"([a-z0-9 ]|\\|"|\{|\}|\[|\]|:|,|\n|\t|\x01|é|€|😀){0,24}"#
        )
        .unwrap()
        .prop_map(Value::String),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map("[a-zA-Z]{1,8}", inner, 0..5).prop_map(|m| {
                // "Records" with an array marks an S3 wrapper; CloudTrail events never have it.
                Value::Object(m.into_iter().filter(|(k, _)| k != "Records").collect())
            }),
        ]
    })
}

fn record() -> impl Strategy<Value = Value> {
    (
        "[A-Z][a-zA-Z]{2,20}",
        "[a-z]{2,10}",
        prop::collection::btree_map("[a-zA-Z]{1,12}", value(), 0..6),
    )
        .prop_map(|(name, service, fields)| {
            let mut m = Map::new();
            m.insert("eventName".into(), Value::String(name));
            m.insert(
                "eventSource".into(),
                Value::String(format!("{service}.amazonaws.com")),
            );
            for (k, v) in fields {
                if k != "Records" && k != "eventName" && k != "eventSource" {
                    m.insert(k, v);
                }
            }
            Value::Object(m)
        })
}

fn shapes(records: &[Value]) -> Vec<(&'static str, Vec<u8>)> {
    let array = Value::Array(records.to_vec());
    let mut wrapper = Map::new();
    wrapper.insert("Records".into(), array.clone());
    let wrapper = Value::Object(wrapper);
    let ndjson: String = records.iter().fold(String::new(), |mut s, r| {
        s.push_str(&r.to_string());
        s.push('\n');
        s
    });
    let plain = vec![
        ("s3", serde_json::to_vec(&wrapper).unwrap()),
        ("s3-pretty", serde_json::to_vec_pretty(&wrapper).unwrap()),
        ("array", serde_json::to_vec(&array).unwrap()),
        ("array-pretty", serde_json::to_vec_pretty(&array).unwrap()),
        ("ndjson", ndjson.into_bytes()),
    ];
    let mut out = Vec::new();
    for (name, bytes) in plain {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&bytes).unwrap();
        out.push((name, bytes));
        out.push((name, gz.finish().unwrap()));
    }
    out
}

fn read_back(bytes: &[u8]) -> (Vec<Value>, usize) {
    let reader: Box<dyn std::io::Read> = if bytes.starts_with(&[0x1f, 0x8b]) {
        Box::new(flate2::read::MultiGzDecoder::new(bytes))
    } else {
        Box::new(bytes)
    };
    let mut r = RecordReader::with_max_record(reader, 1 << 20);
    let mut records = Vec::new();
    let mut problems = 0;
    while let Some(item) = r.next_item() {
        match item {
            Item::Record { bytes, .. } => records.push(serde_json::from_slice(bytes).unwrap()),
            Item::Problem(_) => problems += 1,
        }
    }
    (records, problems)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn records_read_back_equal_in_every_shape(records in prop::collection::vec(record(), 0..12)) {
        for (shape, bytes) in shapes(&records) {
            let (back, problems) = read_back(&bytes);
            prop_assert_eq!(problems, 0, "{}", shape);
            prop_assert_eq!(&back, &records, "{}", shape);
        }
    }

    #[test]
    fn any_bytes_never_panic_and_offsets_grow(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let mut r = RecordReader::new(bytes.as_slice());
        let mut last = 0;
        while let Some(item) = r.next_item() {
            let offset = match item {
                Item::Record { offset, .. } => offset,
                Item::Problem(p) => p.offset,
            };
            prop_assert!(offset <= bytes.len() as u64);
            prop_assert!(offset >= last, "{} after {}", offset, last);
            last = offset;
        }
    }
}
