//! Applying fixes: edits of the findings a run reports, applied until nothing more changes.

use std::collections::BTreeMap;

use policy_core::PolicyKind;

use crate::finding::{Applicability, Edit, Finding, Fix, Severity};
use crate::rule::Rule;
use crate::rules::correctness::PolicySizeQuota;
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
    apply_fixes(text, findings.iter().filter_map(|f| f.fix.as_ref()), min, 0)
}

/// [`apply_edits`] on fixes whose spans start `offset` bytes before `text` does.
fn apply_fixes<'a>(
    text: &str,
    fixes: impl Iterator<Item = &'a Fix>,
    min: Applicability,
    offset: u32,
) -> Fixed {
    let (mut taken, applied) = take_fixes(fixes, min);
    taken.sort_by_key(|e| (e.span.start, e.span.end));
    let mut out = String::with_capacity(text.len());
    let mut at = 0usize;
    for e in taken {
        let (Some(start), Some(end)) = (
            e.span.start.checked_sub(offset),
            e.span.end.checked_sub(offset),
        ) else {
            continue;
        };
        let (start, end) = (start as usize, end as usize);
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
#[cfg(test)]
fn take_edits(findings: &[Finding], min: Applicability) -> (Vec<&Edit>, usize) {
    take_fixes(findings.iter().filter_map(|f| f.fix.as_ref()), min)
}

/// [`take_edits`] on the fixes themselves.
fn take_fixes<'a>(
    fixes: impl Iterator<Item = &'a Fix>,
    min: Applicability,
) -> (Vec<&'a Edit>, usize) {
    let mut fixes: Vec<&Vec<Edit>> = fixes
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

/// Demotes to display-only each unsafe fix whose result AWS would not store or that lints
/// worse: "an unsafe rewrite is offered only if its result fits the size quota and lints
/// clean". The fix is applied to the policy's text, the result parsed and linted again with
/// the same settings, and kept unsafe only if it still reads as a policy, fits its size quota
/// (`policy-size-quota`, checked whatever the settings select) and has, for every rule, no
/// more error findings than the original. All unsafe fixes are tried together first; only if
/// that fails is each tried with those kept before it.
///
/// `text` is the policy's text, found at `offset` in the file the findings' spans point into.
pub fn gate_unsafe_fixes(
    text: &str,
    offset: u32,
    kind: Option<PolicyKind>,
    settings: &Settings,
    findings: &mut [Finding],
) {
    let unsafe_fixes: Vec<usize> = findings
        .iter()
        .enumerate()
        .filter(|(_, f)| {
            f.fix
                .as_ref()
                .is_some_and(|x| x.applicability == Applicability::Unsafe && !x.edits.is_empty())
        })
        .map(|(i, _)| i)
        .collect();
    if unsafe_fixes.is_empty() {
        return;
    }
    // A policy embedded in a file was linted with what its place implies (an ECR policy
    // needs no `Resource`): the baseline is its own text linted as the results will be.
    let before = if offset == 0 {
        error_counts(findings)
    } else {
        let parsed =
            policy_core::parse::parse_policy_json(policy_core::syntax::json::parse(text), kind);
        error_counts(&crate::lint_parsed(&parsed, settings))
    };
    let fits = |chosen: &[usize], findings: &[Finding]| {
        let fixes = chosen
            .iter()
            .filter_map(|&i| findings.get(i).and_then(|f| f.fix.as_ref()));
        let result = apply_fixes(text, fixes, Applicability::Unsafe, offset);
        result.applied == chosen.len() && lints_clean(&result.text, kind, settings, &before)
    };
    if fits(&unsafe_fixes, findings) {
        return;
    }
    // Greedily, in document order: a fix is kept if it fits with those kept before it, so
    // that `--unsafe-fixes` applying all of them still gives a policy that fits. The size is
    // first estimated from the edits (the characters they add and remove), so that a
    // rewrite far over the quota costs no parse; the fixes kept are then checked in full.
    let estimate = Estimate::of(text, kind);
    let mut kept: Vec<usize> = Vec::with_capacity(unsafe_fixes.len());
    let mut size = estimate.map_or(0, |e| e.size);
    let mut demoted: Vec<usize> = Vec::new();
    for &i in &unsafe_fixes {
        let delta = findings
            .get(i)
            .and_then(|f| f.fix.as_ref())
            .zip(estimate)
            .map(|(fix, e)| e.delta(text, offset, fix));
        if let (Some(e), Some(d)) = (estimate, delta) {
            if size.saturating_add_signed(d) > e.limit {
                demoted.push(i);
                continue;
            }
        }
        kept.push(i);
        if fits(&kept, findings) {
            size = size.saturating_add_signed(delta.unwrap_or(0));
        } else {
            kept.pop();
            demoted.push(i);
        }
    }
    for i in demoted {
        if let Some(fix) = findings.get_mut(i).and_then(|f| f.fix.as_mut()) {
            fix.applicability = Applicability::DisplayOnly;
        }
    }
}

/// A policy's size as its quota counts it, to estimate what edits do to it.
#[derive(Debug, Clone, Copy)]
struct Estimate {
    size: usize,
    limit: usize,
    counts_white_space: bool,
}

impl Estimate {
    fn of(text: &str, kind: Option<PolicyKind>) -> Option<Self> {
        let parsed =
            policy_core::parse::parse_policy_json(policy_core::syntax::json::parse(text), kind);
        let (size, limit, counts_white_space) =
            crate::rules::correctness::policy_size_quota::measure(parsed.policy.as_ref()?)?;
        Some(Estimate {
            size,
            limit,
            counts_white_space,
        })
    }

    /// What a fix's edits add to the size (characters, white space left out unless it
    /// counts). An estimate: escapes and dropped elements make it inexact, which the full
    /// check of the fixes kept settles.
    fn delta(self, text: &str, offset: u32, fix: &Fix) -> isize {
        let count = |s: &str| -> isize {
            let n = if self.counts_white_space {
                s.chars().count()
            } else {
                s.chars().filter(|c| !c.is_whitespace()).count()
            };
            isize::try_from(n).unwrap_or(isize::MAX)
        };
        fix.edits
            .iter()
            .map(|e| {
                let start = e.span.start.saturating_sub(offset) as usize;
                let end = e.span.end.saturating_sub(offset) as usize;
                count(&e.content) - count(text.get(start..end).unwrap_or_default())
            })
            .sum()
    }
}

/// Error findings per rule code.
fn error_counts(findings: &[Finding]) -> BTreeMap<&'static str, usize> {
    let mut counts = BTreeMap::new();
    for f in findings.iter().filter(|f| f.severity == Severity::Error) {
        *counts.entry(f.rule.code).or_insert(0) += 1;
    }
    counts
}

/// Whether `text` reads as a policy that fits its size quota and has, for no rule, more error
/// findings than `before` counts.
fn lints_clean(
    text: &str,
    kind: Option<PolicyKind>,
    settings: &Settings,
    before: &BTreeMap<&'static str, usize>,
) -> bool {
    let parsed =
        policy_core::parse::parse_policy_json(policy_core::syntax::json::parse(text), kind);
    let Some(policy) = &parsed.policy else {
        return false;
    };
    let mut quota = crate::LintContext::new(policy, settings);
    PolicySizeQuota.check_policy(policy, &mut quota);
    if !quota.into_findings().is_empty() {
        return false;
    }
    // Only parse errors and the rules that report errors can add an error.
    let mut after: Vec<Finding> = parsed
        .errors
        .iter()
        .filter_map(|e| crate::parse_error_finding(e, settings))
        .collect();
    let mut ctx = crate::LintContext::new(policy, settings);
    for rule in crate::registry::rules() {
        let meta = rule.meta();
        if !settings.is_enabled(meta) || settings.severity_of(meta) != Severity::Error {
            continue;
        }
        rule.check_policy(policy, &mut ctx);
        for statement in &policy.statements {
            rule.check_statement(statement, &mut ctx);
        }
    }
    after.extend(ctx.into_findings());
    crate::suppress_findings(policy, settings, &mut after);
    error_counts(&after)
        .iter()
        .all(|(code, n)| before.get(code).copied().unwrap_or(0) >= *n)
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
