//! `data/sdk-index.tsv.gz` is the part of the SDK call → IAM action map that the linter's
//! advice reads (`src/support/sdk_index.rs`). This test rebuilds it from the map through the
//! map's own reader and fails when the file is stale; `IAMPOL_BLESS=1 cargo test -p
//! policy-lint --test sdk_index` rewrites it.

use std::io::{Read, Write};
use std::path::Path;

use policy_lint::generate::map::SdkMap;

/// The table's text: one line per known call and per SDK client, sorted.
fn expected() -> String {
    let map = SdkMap::get();
    let mut lines: Vec<String> = Vec::new();
    let mut prefixes: Vec<&str> = map.prefixes().collect();
    prefixes.sort_unstable();
    let mut methods: Vec<(&str, &str)> = map
        .method_keys()
        .filter_map(|k| k.split_once('.'))
        .collect();
    methods.sort_unstable();
    for prefix in prefixes {
        let sdks = map.sdk_services(prefix);
        let mut names: Vec<&str> = methods
            .iter()
            .filter(|(sdk, _)| sdks.iter().any(|s| s == sdk))
            .map(|(_, m)| *m)
            .collect();
        names.sort_unstable();
        names.dedup();
        for method in names {
            let actions = map.call_actions(prefix, method);
            if !actions.is_empty() {
                lines.push(format!("call\t{prefix}:{method}\t{}", actions.join(" ")));
            }
        }
    }
    for (client, prefix) in map.client_table() {
        lines.push(format!("client\t{client}\t{prefix}"));
    }
    lines.sort_unstable();
    let mut text = lines.join("\n");
    text.push('\n');
    text
}

#[test]
fn sdk_index_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sdk-index.tsv.gz");
    let want = expected();
    assert!(
        want.lines().count() > 10_000,
        "the map lists over 11,000 calls"
    );
    for line in want.lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        assert!(
            fields.len() == 3 && !fields.iter().take(2).any(|f| f.contains(' ')),
            "three fields, no space in the kind or key: {line}"
        );
    }
    if std::env::var_os("IAMPOL_BLESS").is_some() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(want.as_bytes()).unwrap();
        std::fs::write(&path, gz.finish().unwrap()).unwrap();
        return;
    }
    let bytes = std::fs::read(&path).unwrap();
    let mut have = String::new();
    flate2::read::GzDecoder::new(bytes.as_slice())
        .read_to_string(&mut have)
        .unwrap();
    assert!(
        have == want,
        "{} is stale: rebuild it with IAMPOL_BLESS=1 cargo test -p policy-lint --test sdk_index",
        path.display()
    );
}
