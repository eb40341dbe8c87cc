//! What the linter's advice needs from the SDK call → IAM action map, as a small sorted
//! table (`data/sdk-index.tsv.gz`, derived from `data/iam-dataset-map.json.gz`; see
//! `data/PROVENANCE.md`): the actions an API call written as an action needs, and the IAM
//! prefix of an SDK client name written as a prefix. Decoding the whole map (4 MB of JSON)
//! for a did-you-mean was most of the cost of linting a file with one unknown action;
//! the table is about a tenth of it and is searched without being parsed.
//!
//! `tests/sdk_index.rs` rebuilds the table from the map and fails when the file is stale
//! (`IAMPOL_BLESS=1` rewrites it).

use std::io::Read;
use std::sync::OnceLock;

use crate::generate::map::client_key;

static INDEX_GZ: &[u8] = include_bytes!("../../data/sdk-index.tsv.gz");

/// The table's lines as `(kind and key, value)`, sorted by the first: `call\t<prefix>:<method>`
/// (lower-cased) → the actions, space-separated; `client\t<client key>` → the IAM prefix.
fn lines() -> &'static [(&'static str, &'static str)] {
    static LINES: OnceLock<Vec<(&'static str, &'static str)>> = OnceLock::new();
    LINES.get_or_init(|| {
        let mut text = String::new();
        if flate2::read::GzDecoder::new(INDEX_GZ)
            .read_to_string(&mut text)
            .is_err()
        {
            return Vec::new();
        }
        // The text lives as long as the process: the lines borrow from it.
        let text: &'static str = text.leak();
        let mut lines: Vec<(&'static str, &'static str)> = text
            .lines()
            .filter_map(|line| {
                let (kind, rest) = line.split_once('\t')?;
                let (key, value) = rest.split_once('\t')?;
                Some((line.get(..kind.len() + 1 + key.len())?, value))
            })
            .collect();
        // Sorted when written; sorted again so that a hand edit cannot break the search.
        lines.sort_unstable_by(|a, b| a.0.cmp(b.0));
        lines
    })
}

fn lookup(kind: &str, key: &str) -> Option<&'static str> {
    let wanted = format!("{kind}\t{key}");
    let lines = lines();
    let i = lines
        .binary_search_by(|(k, _)| (*k).cmp(wanted.as_str()))
        .ok()?;
    lines.get(i).map(|(_, v)| *v)
}

/// The IAM actions an API call needs, for a name written as an action (`s3:HeadObject`): what
/// [`crate::generate::map::SdkMap::call_actions`] gives, in its order. Empty when the map does
/// not know the call.
pub(crate) fn call_actions(prefix: &str, method: &str) -> Vec<&'static str> {
    let key = format!(
        "{}:{}",
        prefix.to_ascii_lowercase(),
        method.to_ascii_lowercase()
    );
    lookup("call", &key).map_or_else(Vec::new, |v| v.split(' ').collect())
}

/// The IAM prefix whose actions authorize the calls of an SDK client, for a client name
/// written where an IAM prefix belongs (`sagemaker-runtime`, `s3control`,
/// `dynamodb-streams`): the map's SDK → prefix table, read ignoring case, spaces, hyphens and
/// underscores. A `…-runtime` client the table does not list (it predates the client, as
/// `bedrock-runtime`) falls back to the table's rule for every runtime client it lists (Lex,
/// `SageMaker`, Personalize, Augmented AI): the base service's prefix, when that is one. `None`
/// when the name is no SDK client the map knows or is the prefix itself.
pub(crate) fn client_prefix(name: &str) -> Option<String> {
    let key = client_key(name);
    if let Some(prefix) = lookup("client", &key) {
        return (!prefix.eq_ignore_ascii_case(name)).then(|| prefix.to_string());
    }
    let base = key.strip_suffix("runtime").filter(|b| !b.is_empty())?;
    policy_core::service_ref::ServiceRef::get()
        .service(base)
        .map(|s| s.prefix().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    // Cases from the map itself (`data/iam-dataset-map.json.gz`): S3's `HeadObject` call is
    // authorized by `s3:GetObject`; the `SageMaker Runtime` client by `sagemaker`.
    #[test]
    fn finds_calls_and_clients() {
        assert_eq!(call_actions("S3", "headobject"), ["s3:GetObject"]);
        assert!(call_actions("s3", "NoSuchCall").is_empty());
        assert_eq!(
            client_prefix("sagemaker-runtime").as_deref(),
            Some("sagemaker")
        );
        assert_eq!(client_prefix("bedrock-runtime").as_deref(), Some("bedrock"));
        assert_eq!(client_prefix("s3"), None);
        assert_eq!(client_prefix("nosuchclient"), None);
    }
}
