//! Applying fixes: edits of the findings a run reports, applied until nothing more changes.

use std::collections::BTreeMap;

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
    let (mut taken, applied) = take_edits(findings, min);
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

/// The edits of the fixes [`apply_edits`] applies, and how many fixes that is: in the order
/// of their first edit, each fix that overlaps no fix taken before it.
fn take_edits(findings: &[Finding], min: Applicability) -> (Vec<&Edit>, usize) {
    let mut fixes: Vec<&Vec<Edit>> = findings
        .iter()
        .filter_map(|f| f.fix.as_ref())
        .filter(|f| f.applicability >= min && !f.edits.is_empty())
        .map(|f| &f.edits)
        .collect();
    fixes.sort_by_key(|edits| edits.iter().map(|e| e.span.start).min());
    let mut taken: Vec<&Edit> = Vec::new();
    // Where the edits taken are (an empty edit counts as its first byte), as disjoint
    // intervals: a fix is tested against them in logarithmic time, not against every edit
    // taken before it.
    let mut union = Union::default();
    let mut applied = 0;
    for edits in fixes {
        if !edits.iter().any(|e| union.overlaps(reach(e))) {
            for e in edits {
                union.insert(reach(e));
            }
            taken.extend(edits.iter());
            applied += 1;
        }
    }
    (taken, applied)
}

/// The bytes an edit occupies for the overlap test: its span, or its first byte when empty.
fn reach(e: &Edit) -> (u32, u32) {
    let start = e.span.start;
    (start, e.span.end.max(start.saturating_add(1)))
}

/// A union of half-open intervals, kept as disjoint intervals by start.
#[derive(Debug, Default)]
struct Union(BTreeMap<u32, u32>);

impl Union {
    /// Whether `start..end` shares a position with the union.
    fn overlaps(&self, (start, end): (u32, u32)) -> bool {
        // Disjoint and sorted, the last interval that starts before `end` ends last.
        self.0
            .range(..end)
            .next_back()
            .is_some_and(|(_, &last)| last > start)
    }

    /// Adds `start..end`, merged with the intervals it touches.
    fn insert(&mut self, (mut start, mut end): (u32, u32)) {
        while let Some((&s, &e)) = self.0.range(..=end).next_back() {
            if e < start {
                break;
            }
            self.0.remove(&s);
            start = start.min(s);
            end = end.max(e);
        }
        self.0.insert(start, end);
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Fix;
    use crate::registry;
    use policy_core::Span;
    use proptest::prelude::prop;

    /// The edits [`apply_edits`] takes as it was first written: each fix against every edit
    /// taken before it.
    fn taken_by_every_pair(findings: &[Finding]) -> Vec<Span> {
        let mut fixes: Vec<&Vec<Edit>> = findings
            .iter()
            .filter_map(|f| f.fix.as_ref())
            .map(|f| &f.edits)
            .filter(|e| !e.is_empty())
            .collect();
        fixes.sort_by_key(|edits| edits.iter().map(|e| e.span.start).min());
        let mut taken: Vec<&Edit> = Vec::new();
        for edits in fixes {
            let overlaps = edits.iter().any(|e| {
                taken.iter().any(|t| {
                    e.span.start < t.span.end.max(t.span.start + 1)
                        && t.span.start < e.span.end.max(e.span.start + 1)
                })
            });
            if !overlaps {
                taken.extend(edits.iter());
            }
        }
        let mut spans: Vec<Span> = taken.iter().map(|e| e.span).collect();
        spans.sort();
        spans
    }

    proptest::proptest! {
        #[test]
        fn interval_union_takes_the_edits_every_pair_takes(
            fixes in prop::collection::vec(prop::collection::vec((0u32..40, 0u32..4), 0..4), 0..12),
        ) {
            let rule = registry::by_name("redundant-statement").unwrap();
            let findings: Vec<Finding> = fixes
                .iter()
                .map(|edits| {
                    let mut f = Finding::new(rule, Span::new(0, 1), "f");
                    f.fix = Some(Fix {
                        applicability: Applicability::Safe,
                        message: "fix".into(),
                        edits: edits
                            .iter()
                            .map(|&(start, len)| Edit {
                                span: Span { start, end: start + len },
                                content: String::new(),
                            })
                            .collect(),
                    });
                    f
                })
                .collect();
            let (taken, _) = take_edits(&findings, Applicability::Safe);
            let mut spans: Vec<Span> = taken.iter().map(|e| e.span).collect();
            spans.sort();
            proptest::prop_assert_eq!(spans, taken_by_every_pair(&findings));
        }
    }
}
