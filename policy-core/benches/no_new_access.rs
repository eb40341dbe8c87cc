//! `no_new_access` over every AWS managed policy in `corpus/policies/aws-managed`, each paired
//! with an edited copy of itself, on one core (issue 12's benchmark). Policy `i` gets one edit:
//!
//! - even `i`, widening: the first `Allow` statement's first `Action` entry gains a trailing
//!   `*` (`s3:GetObject` → `s3:GetObject*`; an entry ending in `*` becomes its service's `*`);
//! - odd `i`, narrowing: a `Deny` of the first `Allow` statement's first `Action` entry on
//!   every resource is added.
//!
//! A narrowing edit can never add access, so a FAIL for one is a bug and fails the run.
//!
//!     cargo bench -p policy-core --bench no_new_access
//!
//! Prints the median, p99 and maximum time per pair, the PASS / FAIL / UNKNOWN counts and the
//! reasons for UNKNOWN.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use policy_core::analysis::compare::{no_new_access, Verdict};
use policy_core::ast::PolicyKind;
use policy_core::parse::parse_policy;
use serde_json::{json, Value};

fn first_allow_action(doc: &Value) -> Option<(usize, String)> {
    let statements = match &doc["Statement"] {
        Value::Array(items) => items.clone(),
        one @ Value::Object(_) => vec![one.clone()],
        _ => return None,
    };
    statements.iter().enumerate().find_map(|(i, s)| {
        if s["Effect"] != "Allow" {
            return None;
        }
        let action = match &s["Action"] {
            Value::String(a) => a.clone(),
            Value::Array(items) => items.first()?.as_str()?.to_string(),
            _ => return None,
        };
        Some((i, action))
    })
}

fn widened(action: &str) -> String {
    if action.ends_with('*') {
        action
            .split_once(':')
            .map_or_else(|| "*".to_string(), |(service, _)| format!("{service}:*"))
    } else {
        format!("{action}*")
    }
}

fn edit(doc: &Value, widen: bool) -> Option<Value> {
    let (index, action) = first_allow_action(doc)?;
    let mut out = doc.clone();
    if let Value::Object(_) = out["Statement"] {
        out["Statement"] = json!([out["Statement"].take()]);
    }
    if widen {
        let statement = &mut out["Statement"][index];
        match &mut statement["Action"] {
            Value::Array(items) => items[0] = json!(widened(&action)),
            other => *other = json!(widened(&action)),
        }
    } else if let Value::Array(items) = &mut out["Statement"] {
        items.push(json!({"Effect": "Deny", "Action": action, "Resource": "*"}));
    }
    Some(out)
}

fn main() {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../corpus/policies/aws-managed"
    );
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    let mut times: Vec<Duration> = Vec::new();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut unknown: BTreeMap<String, usize> = BTreeMap::new();
    let mut wrong: Vec<String> = Vec::new();
    let mut skipped = 0;
    for (i, path) in paths.iter().enumerate() {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let Ok(doc) = serde_json::from_str::<Value>(&text) else {
            skipped += 1;
            continue;
        };
        let widen = i % 2 == 0;
        let Some(edited) = edit(&doc, widen) else {
            skipped += 1;
            continue;
        };
        let parse = |t: &str| parse_policy(t, Some(PolicyKind::Identity)).policy;
        let (Some(old), Some(new)) = (parse(&text), parse(&edited.to_string())) else {
            skipped += 1;
            continue;
        };
        let start = Instant::now();
        let verdict = no_new_access(&old, &new);
        let took = start.elapsed();
        times.push(took);
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if took > Duration::from_millis(50) {
            let edit = if widen { "widened" } else { "narrowed" };
            println!("slow: {name} ({edit}) {took:?}");
        }
        match &verdict {
            Verdict::Pass => *counts.entry("PASS").or_default() += 1,
            Verdict::Fail(_) => {
                *counts.entry("FAIL").or_default() += 1;
                if !widen {
                    wrong.push(name);
                }
            }
            Verdict::Unknown(why) => {
                *counts.entry("UNKNOWN").or_default() += 1;
                // The reason without the statement number.
                let class = why.split_once(": ").map_or(why.as_str(), |(_, r)| r);
                *unknown.entry(class.chars().take(90).collect()).or_default() += 1;
            }
        }
    }
    times.sort();
    let at = |q: f64| {
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let i = ((times.len() as f64 - 1.0) * q).round() as usize;
        times.get(i).copied().unwrap_or_default()
    };
    println!(
        "{} pairs ({skipped} policies without an Allow action skipped): median {:?}, p99 {:?}, max {:?}",
        times.len(),
        at(0.5),
        at(0.99),
        times.last().copied().unwrap_or_default()
    );
    println!("{counts:?}");
    let mut reasons: Vec<(usize, String)> = unknown.into_iter().map(|(k, v)| (v, k)).collect();
    reasons.sort_by(|a, b| b.cmp(a));
    for (n, why) in reasons.iter().take(12) {
        println!("  {n:>5}  {why}");
    }
    assert!(wrong.is_empty(), "a narrowing edit gave FAIL: {wrong:?}");
}
