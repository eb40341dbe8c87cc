//! Applying fixes: edits of the findings a run reports, applied until nothing more changes.

use policy_core::PolicyKind;

use crate::finding::{Applicability, Edit, Finding};
use crate::settings::Settings;

/// The outcome of fixing a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fixed {
    /// The text after every applicable fix.
    pub text: String,
    /// How many fixes were applied.
    pub applied: usize,
}

/// Applies the edits of the findings' fixes at or above `min` applicability, skipping a fix
/// that overlaps one already taken (it is retried in the next round).
pub fn apply_edits(text: &str, findings: &[Finding], min: Applicability) -> Fixed {
    let mut fixes: Vec<&Vec<Edit>> = findings
        .iter()
        .filter_map(|f| f.fix.as_ref())
        .filter(|f| f.applicability >= min && !f.edits.is_empty())
        .map(|f| &f.edits)
        .collect();
    fixes.sort_by_key(|edits| edits.iter().map(|e| e.span.start).min());
    let mut taken: Vec<&Edit> = Vec::new();
    let mut applied = 0;
    for edits in fixes {
        let overlaps = edits.iter().any(|e| {
            taken.iter().any(|t| {
                e.span.start < t.span.end.max(t.span.start + 1)
                    && t.span.start < e.span.end.max(e.span.start + 1)
            })
        });
        if !overlaps {
            taken.extend(edits.iter());
            applied += 1;
        }
    }
    taken.sort_by_key(|e| (e.span.start, e.span.end));
    let mut out = String::with_capacity(text.len());
    let mut at = 0usize;
    for e in taken {
        let (start, end) = (e.span.start as usize, e.span.end as usize);
        if start < at
            || end > text.len()
            || !text.is_char_boundary(start)
            || !text.is_char_boundary(end)
        {
            continue;
        }
        out.push_str(text.get(at..start).unwrap_or_default());
        out.push_str(&e.content);
        at = end;
    }
    out.push_str(text.get(at..).unwrap_or_default());
    Fixed { text: out, applied }
}

/// Lints and fixes repeatedly (at most 10 rounds) until no applicable fix is left, as Ruff
/// does; returns the final text and the number of fixes applied.
pub fn fix_until_stable(
    text: &str,
    kind: Option<PolicyKind>,
    settings: &Settings,
    min: Applicability,
) -> Fixed {
    let mut current = text.to_string();
    let mut total = 0;
    for _ in 0..10 {
        let findings = crate::lint_source(&current, kind, settings);
        let round = apply_edits(&current, &findings, min);
        if round.applied == 0 || round.text == current {
            break;
        }
        total += round.applied;
        current = round.text;
    }
    Fixed {
        text: current,
        applied: total,
    }
}
