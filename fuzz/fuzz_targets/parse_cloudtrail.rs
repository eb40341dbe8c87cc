//! The CloudTrail reader and generator never panic, whatever the bytes: records are split,
//! parsed, mapped to actions and written as policies; problems are reported with positions
//! inside the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use policy_lint::generate::aggregate::Selection;
use policy_lint::generate::cloudtrail::{Input, ReadOptions};
use policy_lint::generate::emit::{emit, EmitOptions};
use policy_lint::generate::read_activity;
use policy_lint::generate::split::{Item, RecordReader};

fuzz_target!(|data: &[u8]| {
    // The splitter alone, with a small record limit (the oversized path too).
    let mut reader = RecordReader::with_max_record(data, 1024);
    let mut last = 0;
    while let Some(item) = reader.next_item() {
        let offset = match item {
            Item::Record { bytes, offset, .. } => {
                assert!(bytes.first() == Some(&b'{') && bytes.last() == Some(&b'}'));
                offset
            }
            Item::Problem(p) => p.offset,
        };
        assert!(offset >= last && offset <= data.len() as u64);
        last = offset;
    }
    // The whole generator.
    let activity = read_activity(
        vec![Input::Stream {
            name: "fuzz".into(),
            reader: Box::new(std::io::Cursor::new(data.to_vec())),
        }],
        Selection::default(),
        &ReadOptions {
            threads: 1,
            max_record: 64 * 1024,
        },
        None,
    );
    for p in activity.principals.values() {
        for collapse in [false, true] {
            for policy in emit(
                p,
                &EmitOptions {
                    collapse,
                    ..EmitOptions::default()
                },
            ) {
                assert!(serde_json::from_str::<serde_json::Value>(&policy.text).is_ok());
            }
        }
    }
});
