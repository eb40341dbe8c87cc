//! Step 3, rebuild: the tightened document from the decisions, in the original's order, with
//! its `Version` and `Id`. A narrowed statement's first piece keeps the original Sid, the next
//! ones get the Sid and a number (`Read2`, `Read3`, …) that no other statement uses.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::decide::Outcome;
use super::read::Original;

/// The tightened document and where each of its `Allow` statements comes from.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Rebuilt {
    /// The document; `None` when no statement is left.
    pub(super) policy: Option<Value>,
    /// Each statement derived from an original `Allow` statement (narrowed or kept), with the
    /// index of that original, for check (b).
    pub(super) derived: Vec<(Value, usize)>,
    /// Whether anything was dropped or narrowed.
    pub(super) changed: bool,
}

/// Assembles the document. `outcomes[i]` is the decision for original statement `i`, and
/// whether that statement is an `Allow`.
pub(super) fn rebuild(original: &Original, outcomes: &[(Outcome, bool)]) -> Rebuilt {
    let mut used_sids: BTreeSet<String> = original
        .statements
        .iter()
        .filter_map(|s| s.get("Sid").and_then(Value::as_str).map(str::to_string))
        .collect();
    let mut statements = Vec::new();
    let mut derived = Vec::new();
    let mut changed = false;
    for (index, (outcome, allow)) in outcomes.iter().enumerate() {
        let Some(written) = original.statements.get(index) else {
            continue;
        };
        match outcome {
            Outcome::Keep => {
                statements.push(written.clone());
                if *allow {
                    derived.push((written.clone(), index));
                }
            }
            Outcome::Drop => changed = true,
            Outcome::Narrow(pieces) => {
                changed = true;
                let sid = written.get("Sid").and_then(Value::as_str);
                for (k, piece) in pieces.iter().enumerate() {
                    let named = match sid {
                        Some(s) => with_sid(piece, &numbered_sid(s, k, &mut used_sids)),
                        None => piece.clone(),
                    };
                    derived.push((named.clone(), index));
                    statements.push(named);
                }
            }
        }
    }
    let policy = (!statements.is_empty()).then(|| {
        let mut m = Map::new();
        m.insert(
            "Version".into(),
            original
                .doc
                .get("Version")
                .cloned()
                .unwrap_or_else(|| Value::String("2012-10-17".into())),
        );
        if let Some(id) = original.doc.get("Id") {
            m.insert("Id".into(), id.clone());
        }
        m.insert("Statement".into(), Value::Array(statements));
        Value::Object(m)
    });
    Rebuilt {
        policy,
        derived,
        changed,
    }
}

/// The Sid of piece `k` of a statement named `sid`: the Sid itself for the first, then the
/// first free `sid2`, `sid3`, …
fn numbered_sid(sid: &str, k: usize, used: &mut BTreeSet<String>) -> String {
    if k == 0 {
        return sid.to_string();
    }
    let mut n = k + 1;
    while used.contains(&format!("{sid}{n}")) {
        n += 1;
    }
    let name = format!("{sid}{n}");
    used.insert(name.clone());
    name
}

/// The statement with `Sid` first.
fn with_sid(piece: &Value, sid: &str) -> Value {
    let mut m = Map::new();
    m.insert("Sid".into(), Value::String(sid.to_string()));
    if let Value::Object(rest) = piece {
        for (k, v) in rest {
            if k != "Sid" {
                m.insert(k.clone(), v.clone());
            }
        }
    }
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::generate::tighten::read::read_policy;

    #[test]
    fn keeps_order_version_id_and_names_pieces() {
        let original = read_policy(
            r#"{"Version": "2012-10-17", "Id": "p1", "Statement": [
                {"Sid": "Read", "Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                {"Sid": "Read2", "Effect": "Allow", "Action": "ec2:*", "Resource": "*"},
                {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}
            ]}"#,
        )
        .unwrap();
        let a =
            json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/k"});
        let b = json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::b"});
        let r = rebuild(
            &original,
            &[
                (Outcome::Narrow(vec![a.clone(), b]), true),
                (Outcome::Keep, true),
                (Outcome::Keep, false),
            ],
        );
        assert!(r.changed);
        let doc = r.policy.unwrap();
        assert_eq!(doc["Id"], "p1");
        assert_eq!(doc["Version"], "2012-10-17");
        let sids: Vec<&str> = doc["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.get("Sid").and_then(Value::as_str).unwrap_or("-"))
            .collect();
        // `Read2` is taken: the second piece is `Read3`.
        assert_eq!(sids, vec!["Read", "Read3", "Read2", "-"]);
        assert_eq!(doc["Statement"][0]["Action"], a["Action"]);
        // Derived: the two pieces and the kept Allow, not the Deny.
        let from: Vec<usize> = r.derived.iter().map(|(_, i)| *i).collect();
        assert_eq!(from, vec![0, 0, 1]);
    }

    #[test]
    fn nothing_left_is_no_policy_and_all_kept_is_unchanged() {
        let original = read_policy(
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}"#,
        )
        .unwrap();
        let dropped = rebuild(&original, &[(Outcome::Drop, true)]);
        assert!(dropped.policy.is_none() && dropped.changed);
        let kept = rebuild(&original, &[(Outcome::Keep, true)]);
        assert!(!kept.changed);
        assert_eq!(kept.policy.unwrap()["Statement"][0], original.statements[0]);
    }
}
