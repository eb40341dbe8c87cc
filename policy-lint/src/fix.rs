//! Applying fixes: edits of the findings a run reports, applied until nothing more changes.

use std::collections::BTreeMap;

use policy_core::analysis::compare::no_new_access;
use policy_core::ast::{Policy, Principal, Statement};
use policy_core::parse::{lower_statement, parse_policy_json, ParseErrorKind, Parsed};
use policy_core::syntax::{json, Value, ValueKind};
use policy_core::{PolicyKind, Span};

use crate::finding::{Applicability, Edit, Finding, Fix, Severity};
use crate::rule::{Rule, RuleMeta};
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
    let (edits, applied) = plan_edits(text, fixes, min, offset);
    Fixed {
        text: replaced(text, &edits),
        applied,
    }
}

/// One replacement in a text: the bytes `start..end` become `content`.
#[derive(Debug, Clone, Copy)]
struct Replacement<'a> {
    start: usize,
    end: usize,
    content: &'a str,
}

/// The replacements [`apply_fixes`] makes in `text`, in order and disjoint, and how many fixes
/// were taken.
fn plan_edits<'a>(
    text: &str,
    fixes: impl Iterator<Item = &'a Fix>,
    min: Applicability,
    offset: u32,
) -> (Vec<Replacement<'a>>, usize) {
    let (mut taken, applied) = take_fixes(fixes, min);
    taken.sort_by_key(|e| (e.span.start, e.span.end));
    let mut out = Vec::with_capacity(taken.len());
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
        out.push(Replacement {
            start,
            end,
            content: &e.content,
        });
        at = end;
    }
    (out, applied)
}

/// `text` with the (ordered, disjoint) replacements made.
fn replaced(text: &str, edits: &[Replacement<'_>]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0usize;
    for e in edits {
        out.push_str(text.get(at..e.start).unwrap_or_default());
        out.push_str(e.content);
        at = e.end;
    }
    out.push_str(text.get(at..).unwrap_or_default());
    out
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

/// Demotes to display-only each unsafe fix whose result AWS would not store, that lints
/// worse, or that could allow more: "an unsafe rewrite is offered only if its result fits the
/// size quota and lints clean, and it never allows more". The fix is applied to the policy's
/// text, the result parsed and linted again with the same settings, and kept unsafe only if
/// it still reads as a policy, fits its size quota (`policy-size-quota`, checked whatever the
/// settings select), has, for every rule, no more error findings than the original, and
/// provably allows no request the original does not (`no_new_access` answers PASS; UNKNOWN,
/// for a policy variable or a `Principal`, is no proof). All unsafe fixes are tried together first; only if
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
    gate(text, offset, kind, settings, findings, None);
}

/// [`gate_unsafe_fixes`] for a policy that is a whole file, given what the lint read of
/// `text` with `kind` (the reading the findings come from) and what it noted of the
/// statements, so that neither is worked out again.
pub(crate) fn gate_unsafe_fixes_parsed(
    text: &str,
    parsed: Parsed,
    noted: LocalErrors,
    kind: Option<PolicyKind>,
    settings: &Settings,
    findings: &mut [Finding],
) {
    gate(text, 0, kind, settings, findings, Some((parsed, noted)));
}

/// Each statement's error findings from the error rules that look at that statement alone
/// (the rules [`is_local_error_rule`] names), as the lint of the policy noted them: the gate
/// counts them for the statements no edit touches.
#[derive(Debug, Default)]
pub(crate) struct LocalErrors {
    /// The statement and rule code of each such finding.
    found: Vec<(usize, &'static str)>,
    /// Whether the lint ran over the whole policy (and so noted every statement).
    pub(crate) complete: bool,
}

impl LocalErrors {
    /// Notes the error findings among `findings`, reported on the statement at `index`.
    pub(crate) fn note(&mut self, index: usize, findings: &[Finding]) {
        self.found.extend(
            findings
                .iter()
                .filter(|f| f.severity == Severity::Error)
                .map(|f| (index, f.rule.code)),
        );
    }

    /// The counts per statement of a policy of `statements` statements.
    fn counts(&self, statements: usize) -> Vec<Counts> {
        let mut out = vec![Counts::new(); statements];
        for &(index, code) in &self.found {
            if let Some(counts) = out.get_mut(index) {
                *counts.entry(code).or_insert(0) += 1;
            }
        }
        out
    }
}

/// Whether an enabled rule's findings on a statement are among those [`LocalErrors`] notes:
/// it reports at error severity and looks at that statement alone.
pub(crate) fn is_local_error_rule(meta: &RuleMeta, settings: &Settings) -> bool {
    settings.severity_of(meta) == Severity::Error && !reads_policy(meta)
}

fn gate(
    text: &str,
    offset: u32,
    kind: Option<PolicyKind>,
    settings: &Settings,
    findings: &mut [Finding],
    read: Option<(Parsed, LocalErrors)>,
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
    let (parsed, noted) = read.unzip();
    let mut base = Base {
        text,
        kind,
        settings,
        parsed,
        noted: noted.filter(|n| n.complete),
        local: None,
    };
    // A policy embedded in a file was linted with what its place implies (an ECR policy
    // needs no `Resource`): the baseline is its own text linted as the results will be.
    let before = if offset == 0 {
        error_counts(findings)
    } else {
        error_counts(&crate::lint_parsed(base.parsed(), settings))
    };
    if base.fits(&unsafe_fixes, findings, offset, &before) {
        return;
    }
    // Greedily, in document order: a fix is kept if it fits with those kept before it, so
    // that `--unsafe-fixes` applying all of them still gives a policy that fits. The size is
    // first estimated from the edits (the characters they add and remove), so that a
    // rewrite far over the quota costs no parse; the fixes kept are then checked in full.
    let estimate = Estimate::of(base.parsed().policy.as_ref());
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
        if base.fits(&kept, findings, offset, &before) {
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

/// Error findings per rule code.
type Counts = BTreeMap<&'static str, usize>;

/// The policy the gate tries fixes on, as read from its text (once, on first use).
struct Base<'a> {
    text: &'a str,
    kind: Option<PolicyKind>,
    settings: &'a Settings,
    parsed: Option<Parsed>,
    /// What the lint of `parsed` noted, if it was given.
    noted: Option<LocalErrors>,
    /// Each statement's error findings from the rules that look at that statement alone
    /// (worked out on first use).
    local: Option<Vec<Counts>>,
}

impl Base<'_> {
    fn parsed(&mut self) -> &mut Parsed {
        let (text, kind) = (self.text, self.kind);
        self.parsed
            .get_or_insert_with(|| parse_policy_json(json::parse(text), kind))
    }

    /// Whether the fixes `chosen` (indices into `findings`) all apply and their result lints
    /// clean (see [`verdict`]).
    fn fits(
        &mut self,
        chosen: &[usize],
        findings: &[Finding],
        offset: u32,
        before: &Counts,
    ) -> bool {
        let fixes = chosen
            .iter()
            .filter_map(|&i| findings.get(i).and_then(|f| f.fix.as_ref()));
        let (edits, applied) = plan_edits(self.text, fixes, Applicability::Unsafe, offset);
        if applied != chosen.len() {
            return false;
        }
        let result = replaced(self.text, &edits);
        let clean = match self.spliced_verdict(&edits, &result) {
            Some(verdict) => verdict.is_clean(before),
            None => verdict(&result, self.kind, self.settings).is_clean(before),
        };
        clean && self.allows_nothing_new(&edits, &result)
    }

    /// Whether the policy `result` (the text with `edits` made) allows no request the policy
    /// as read does not, decided over every request (issue 12): an unsafe fix must never allow
    /// more. When the edits fall inside `Allow` statements that stay `Allow` statements, and
    /// leave the others as they were, the question is asked of those statements alone: the
    /// `Deny` statements and the other `Allow` statements are the same on both sides, so what
    /// the edited statements allow must be inside what they allowed (a smaller question, and
    /// a sufficient one).
    fn allows_nothing_new(&mut self, edits: &[Replacement<'_>], result: &str) -> bool {
        let kind = self.kind;
        let Some(before) = self.parsed().policy.as_ref() else {
            return false;
        };
        let Some(after) = parse_policy_json(json::parse(result), kind).policy else {
            return false;
        };
        if let Some((before, after)) = edited_allows(before, &after, edits) {
            let pairs = before.statements.iter().zip(&after.statements);
            if pairs.clone().all(|(b, a)| only_fewer_actions(b, a)) {
                return true;
            }
            // A `Principal` is not decided; the same one on both sides of each pair matches the
            // same callers, so each statement without it must allow nothing new.
            if before.statements.iter().any(|s| s.principal.is_some()) {
                return pairs.clone().all(|(b, a)| {
                    let bare = |s: &Statement, p: &Policy| {
                        let mut s = s.clone();
                        s.principal = None;
                        crate::support::proof::with_statements(p, vec![s])
                    };
                    b.principal == a.principal
                        && no_new_access(&bare(b, &before), &bare(a, &after)).is_pass()
                });
            }
            return no_new_access(&before, &after).is_pass();
        }
        no_new_access(before, &after).is_pass()
    }

    /// The [`verdict`] on `result` (the text with `edits` made), worked out from the policy
    /// already read: only the statements the edits fall in are read and checked again (with
    /// the rules that look at one statement alone), the others keep the findings they had;
    /// the policy-level rules and those that look at other statements see the whole new
    /// policy, each statement at the place it has in `result`. `None` when this could give a
    /// different answer than reading `result` whole: a kind left to inference (the edits may
    /// change it), a policy with JSON syntax errors (recovery may read the new text
    /// differently), active suppressions (they depend on where findings lie), an edit not
    /// inside one statement, or a new statement that does not read cleanly as an object.
    fn spliced_verdict(&mut self, edits: &[Replacement<'_>], result: &str) -> Option<Verdict> {
        let kind = self.kind?;
        let settings = self.settings;
        if settings.active_suppressions().next().is_some() || u32::try_from(result.len()).is_err() {
            return None;
        }
        self.parsed();
        let Parsed { policy, errors } = self.parsed.as_mut()?;
        let policy = policy.as_mut()?;
        if errors
            .iter()
            .any(|e| matches!(e.kind, ParseErrorKind::Syntax(_)))
        {
            return None;
        }
        let touched = touched_statements(&policy.statements, edits)?;
        // The touched statements as `result` has them, spans in `result`.
        let mut fresh: Vec<Statement> = Vec::with_capacity(touched.len());
        let mut fresh_errors = Vec::new();
        let mut old_spans: Vec<Span> = Vec::with_capacity(touched.len());
        for t in &touched {
            let old = policy.statements.get(t.index)?.span;
            old_spans.push(old);
            let start = moved(old.start, t.before);
            let end = moved(old.end, t.before + t.own);
            let own = result.get(start as usize..end as usize)?;
            if own.starts_with('\u{feff}') {
                return None;
            }
            let read = json::parse(own);
            if !read.errors.is_empty() {
                return None;
            }
            let mut value = read.value?;
            if !matches!(value.kind, ValueKind::Object(_)) {
                return None;
            }
            shift_value(&mut value, start);
            let (statement, errors) = lower_statement(value, kind, t.index);
            fresh.push(statement?);
            fresh_errors.extend(errors);
        }
        let noted = &self.noted;
        let local = self.local.get_or_insert_with(|| match noted {
            Some(noted) => noted.counts(policy.statements.len()),
            None => local_counts(policy, settings),
        });
        // Parse errors: those of the untouched statements and of the policy's own members
        // are as before; the touched statements have new ones.
        let mut counts = Counts::new();
        let kept_errors = errors.iter().filter(|e| {
            !old_spans
                .iter()
                .any(|s| s.start <= e.span.start && e.span.end <= s.end)
        });
        for e in kept_errors.chain(&fresh_errors) {
            if let Some(f) = crate::parse_error_finding(e, settings) {
                if f.severity == Severity::Error {
                    *counts.entry(f.rule.code).or_insert(0) += 1;
                }
            }
        }
        let mut next = touched.iter().peekable();
        for (i, c) in local.iter().enumerate() {
            if next.peek().is_some_and(|t| t.index == i) {
                next.next();
                continue;
            }
            for (code, n) in c {
                *counts.entry(code).or_insert(0) += n;
            }
        }
        let saved = PolicySpans::of(policy);
        splice(policy, &touched, &old_spans, &mut fresh, true);
        let verdict = spliced_rest(policy, &touched, settings, counts);
        splice(policy, &touched, &old_spans, &mut fresh, false);
        saved.restore(policy);
        Some(verdict)
    }
}

/// The statements the edits fall in, before and after, as two policies, when they are all
/// `Allow` statements on both sides and every other statement reads the same; `None`
/// otherwise.
fn edited_allows(
    before: &Policy,
    after: &Policy,
    edits: &[Replacement<'_>],
) -> Option<(Policy, Policy)> {
    let touched = touched_statements(&before.statements, edits)?;
    if after.statements.len() != before.statements.len() {
        return None;
    }
    let mut next = touched.iter().map(|t| t.index).peekable();
    let (mut old, mut new) = (Vec::new(), Vec::new());
    for (i, (b, a)) in before.statements.iter().zip(&after.statements).enumerate() {
        if next.peek() == Some(&i) {
            next.next();
            let allow = |s: &Statement| s.effect() == Some(policy_core::Effect::Allow);
            if !allow(b) || !allow(a) {
                return None;
            }
            old.push(b.clone());
            new.push(a.clone());
        } else if b != a {
            return None;
        }
    }
    Some((
        crate::support::proof::with_statements(before, old),
        crate::support::proof::with_statements(after, new),
    ))
}

/// Whether the `Allow` statement `after` matches no request `before` does not, read off the
/// two: they are the same but for `Action`, and each action `after` names is one of
/// `before`'s patterns or an action name (no wildcard) one of them matches, as IAM matches
/// actions (case-insensitive glob). A sufficient condition, and what most unsafe fixes do (a
/// wildcard replaced by some of the actions it matches), checked before the decision
/// procedure, which costs a search over every action of the reference.
fn only_fewer_actions(before: &Statement, after: &Statement) -> bool {
    let (Some(old), Some(new)) = (&before.action, &after.action) else {
        return false;
    };
    if old.negated || new.negated {
        return false;
    }
    let mut rest = after.clone();
    rest.action.clone_from(&before.action);
    rest == *before
        && new.items.iter().all(|item| {
            old.items.iter().any(|p| {
                p.node == item.node
                    || (!item.node.contains(['*', '?'])
                        && crate::support::matching::glob_ci(&p.node, &item.node))
            })
        })
}

/// A statement the edits fall in: its position, what the edits before it add to the text's
/// length, and what its own edits add.
#[derive(Debug, Clone, Copy)]
struct Touch {
    index: usize,
    before: i64,
    own: i64,
}

/// The statements the (ordered, disjoint) edits fall in, in order; `None` when an edit is not
/// inside one statement.
fn touched_statements(statements: &[Statement], edits: &[Replacement<'_>]) -> Option<Vec<Touch>> {
    let ordered = statements
        .iter()
        .zip(statements.iter().skip(1))
        .all(|(a, b)| a.span.end <= b.span.start);
    if !ordered {
        return None;
    }
    let mut touched: Vec<Touch> = Vec::new();
    let mut total = 0i64;
    for e in edits {
        // The first statement that ends after the edit starts.
        let index = statements.partition_point(|s| s.span.end as usize <= e.start);
        let st = statements.get(index)?;
        if e.start < st.span.start as usize || e.end > st.span.end as usize {
            return None;
        }
        let delta = i64::try_from(e.content.len()).ok()? - i64::try_from(e.end - e.start).ok()?;
        match touched.last_mut() {
            Some(t) if t.index == index => t.own += delta,
            Some(t) if t.index > index => return None,
            _ => touched.push(Touch {
                index,
                before: total,
                own: delta,
            }),
        }
        total += delta;
    }
    Some(touched)
}

/// Puts the `fresh` statements in place of the touched ones and moves the others to their
/// place in the edited text (`forward`), or undoes that (`!forward`): `fresh` then gets the
/// new statements back and the policy its own.
fn splice(
    policy: &mut Policy,
    touched: &[Touch],
    old_spans: &[Span],
    fresh: &mut [Statement],
    forward: bool,
) {
    let sign = if forward { 1 } else { -1 };
    let mut next = touched.iter().zip(fresh.iter_mut()).peekable();
    let mut by = 0i64;
    for (i, statement) in policy.statements.iter_mut().enumerate() {
        match next.peek_mut() {
            Some((t, new)) if t.index == i => {
                std::mem::swap(statement, *new);
                by += t.own;
                next.next();
            }
            _ => shift_statement(statement, sign * by),
        }
    }
    if forward {
        // The policy's own members lie outside every statement: each moves by what the edits
        // of the statements before it add.
        let at = |pos: u32| -> u32 {
            let by: i64 = touched
                .iter()
                .zip(old_spans)
                .filter(|(_, s)| s.end <= pos)
                .map(|(t, _)| t.own)
                .sum();
            moved(pos, by)
        };
        if let Some(v) = &mut policy.version {
            v.span = Span {
                start: at(v.span.start),
                end: at(v.span.end),
            };
        }
        if let Some(k) = &mut policy.version_key {
            *k = Span {
                start: at(k.start),
                end: at(k.end),
            };
        }
        if let Some(id) = &mut policy.id {
            id.span = Span {
                start: at(id.span.start),
                end: at(id.span.end),
            };
        }
        policy.span = Span {
            start: at(policy.span.start),
            end: at(policy.span.end),
        };
    }
}

/// The spans of a policy's own members, to put back after [`splice`].
#[derive(Debug, Clone, Copy)]
struct PolicySpans {
    version: Option<Span>,
    version_key: Option<Span>,
    id: Option<Span>,
    span: Span,
}

impl PolicySpans {
    fn of(policy: &Policy) -> Self {
        PolicySpans {
            version: policy.version.map(|v| v.span),
            version_key: policy.version_key,
            id: policy.id.as_ref().map(|id| id.span),
            span: policy.span,
        }
    }

    fn restore(self, policy: &mut Policy) {
        if let (Some(v), Some(span)) = (&mut policy.version, self.version) {
            v.span = span;
        }
        policy.version_key = self.version_key;
        if let (Some(id), Some(span)) = (&mut policy.id, self.id) {
            id.span = span;
        }
        policy.span = self.span;
    }
}

/// `pos` moved by `by` bytes. Positions outside every edit stay inside the edited text, so
/// this never leaves the range of `u32` for a text whose length fits it.
fn moved(pos: u32, by: i64) -> u32 {
    u32::try_from(i64::from(pos) + by).unwrap_or(pos)
}

fn shift_span(span: &mut Span, by: i64) {
    span.start = moved(span.start, by);
    span.end = moved(span.end, by);
}

/// Moves every span of a value read from a piece of text to where the piece starts.
fn shift_value(value: &mut Value, by: u32) {
    shift_span(&mut value.span, i64::from(by));
    match &mut value.kind {
        ValueKind::Array(items) => {
            for item in items {
                shift_value(item, by);
            }
        }
        ValueKind::Object(members) => {
            for m in members {
                shift_span(&mut m.key_span, i64::from(by));
                shift_value(&mut m.value, by);
            }
        }
        ValueKind::Null
        | ValueKind::Bool(_)
        | ValueKind::Number(_)
        | ValueKind::String(_)
        | ValueKind::Unresolved(_) => {}
    }
}

/// Moves every span of a statement by `by` bytes.
fn shift_statement(statement: &mut Statement, by: i64) {
    if by == 0 {
        return;
    }
    shift_span(&mut statement.span, by);
    if let Some(sid) = &mut statement.sid {
        shift_span(&mut sid.span, by);
    }
    if let Some(effect) = &mut statement.effect {
        shift_span(&mut effect.span, by);
    }
    if let Some(p) = &mut statement.principal {
        shift_span(&mut p.key_span, by);
        shift_span(&mut p.span, by);
        if let Principal::Map(entries) = &mut p.value {
            for e in entries {
                shift_span(&mut e.kind.span, by);
                for v in &mut e.values {
                    shift_span(&mut v.span, by);
                }
            }
        }
    }
    if let Some(a) = &mut statement.action {
        shift_span(&mut a.key_span, by);
        shift_span(&mut a.span, by);
        for item in &mut a.items {
            shift_span(&mut item.span, by);
        }
    }
    if let Some(r) = &mut statement.resource {
        shift_span(&mut r.key_span, by);
        shift_span(&mut r.span, by);
        for item in &mut r.items {
            shift_span(&mut item.span, by);
        }
    }
    if let Some(c) = &mut statement.condition {
        shift_span(&mut c.span, by);
        for e in &mut c.entries {
            shift_span(&mut e.operator.span, by);
            for k in &mut e.keys {
                shift_span(&mut k.key.span, by);
                shift_span(&mut k.values_span, by);
                for v in &mut k.values {
                    shift_span(&mut v.span, by);
                }
            }
        }
    }
}

/// The rules whose `check_statement` looks at other statements of the policy
/// (`LintContext::policy`): their findings on a statement can change when another one does.
/// `rules_reading_the_policy_are_listed` checks the list against the rules' sources.
const READS_POLICY: [&str; 3] = [
    "trust-policy-any-principal",
    "resource-policy-public",
    "for-any-value-with-deny",
];

fn reads_policy(meta: &RuleMeta) -> bool {
    READS_POLICY.contains(&meta.name)
}

/// The rules [`verdict`] runs: those enabled at error severity.
fn error_rules(settings: &Settings) -> impl Iterator<Item = &'static dyn Rule> + '_ {
    crate::registry::rules().filter(|rule| {
        let meta = rule.meta();
        settings.is_enabled(meta) && settings.severity_of(meta) == Severity::Error
    })
}

/// Each statement's error findings from the error rules that look at it alone.
fn local_counts(policy: &Policy, settings: &Settings) -> Vec<Counts> {
    policy
        .statements
        .iter()
        .map(|statement| {
            let mut ctx = crate::LintContext::new(policy, settings);
            for rule in error_rules(settings).filter(|r| is_local_error_rule(r.meta(), settings)) {
                rule.check_statement(statement, &mut ctx);
            }
            error_counts(&ctx.into_findings())
        })
        .collect()
}

/// The end of [`verdict`] on a spliced policy: `counts` holds the parse errors and the
/// untouched statements' own findings.
fn spliced_rest(
    policy: &Policy,
    touched: &[Touch],
    settings: &Settings,
    mut counts: Counts,
) -> Verdict {
    let mut quota = crate::LintContext::new(policy, settings);
    PolicySizeQuota.check_policy(policy, &mut quota);
    if !quota.into_findings().is_empty() {
        return Verdict::OverQuota;
    }
    let mut ctx = crate::LintContext::new(policy, settings);
    for rule in error_rules(settings) {
        rule.check_policy(policy, &mut ctx);
        if reads_policy(rule.meta()) {
            for statement in &policy.statements {
                rule.check_statement(statement, &mut ctx);
            }
        } else {
            for t in touched {
                if let Some(statement) = policy.statements.get(t.index) {
                    rule.check_statement(statement, &mut ctx);
                }
            }
        }
    }
    for (code, n) in error_counts(&ctx.into_findings()) {
        *counts.entry(code).or_insert(0) += n;
    }
    Verdict::Errors(counts)
}

/// A policy's size as its quota counts it, to estimate what edits do to it.
#[derive(Debug, Clone, Copy)]
struct Estimate {
    size: usize,
    limit: usize,
    counts_white_space: bool,
}

impl Estimate {
    fn of(policy: Option<&Policy>) -> Option<Self> {
        let (size, limit, counts_white_space) =
            crate::rules::correctness::policy_size_quota::measure(policy?)?;
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
fn error_counts(findings: &[Finding]) -> Counts {
    let mut counts = BTreeMap::new();
    for f in findings.iter().filter(|f| f.severity == Severity::Error) {
        *counts.entry(f.rule.code).or_insert(0) += 1;
    }
    counts
}

/// What the gate asks of a policy text.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Verdict {
    /// It does not read as a policy.
    NotAPolicy,
    /// It is over its size quota.
    OverQuota,
    /// Its error findings per rule.
    Errors(Counts),
}

impl Verdict {
    /// Whether the text reads as a policy that fits its size quota and has, for no rule, more
    /// error findings than `before` counts.
    fn is_clean(&self, before: &Counts) -> bool {
        match self {
            Verdict::Errors(counts) => counts
                .iter()
                .all(|(code, n)| before.get(code).copied().unwrap_or(0) >= *n),
            Verdict::NotAPolicy | Verdict::OverQuota => false,
        }
    }
}

/// Reads `text` whole and checks it: its size quota, then (only parse errors and the rules
/// that report errors can add an error) its error findings.
fn verdict(text: &str, kind: Option<PolicyKind>, settings: &Settings) -> Verdict {
    let parsed = parse_policy_json(json::parse(text), kind);
    let Some(policy) = &parsed.policy else {
        return Verdict::NotAPolicy;
    };
    let mut quota = crate::LintContext::new(policy, settings);
    PolicySizeQuota.check_policy(policy, &mut quota);
    if !quota.into_findings().is_empty() {
        return Verdict::OverQuota;
    }
    let mut after: Vec<Finding> = parsed
        .errors
        .iter()
        .filter_map(|e| crate::parse_error_finding(e, settings))
        .collect();
    let mut ctx = crate::LintContext::new(policy, settings);
    for rule in error_rules(settings) {
        rule.check_policy(policy, &mut ctx);
        for statement in &policy.statements {
            rule.check_statement(statement, &mut ctx);
        }
    }
    after.extend(ctx.into_findings());
    crate::suppress_findings(policy, settings, &mut after);
    Verdict::Errors(error_counts(&after))
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

    /// A policy that writes every element a statement can hold.
    const EVERY_ELEMENT: &str = r#"{"Version": "2012-10-17", "Statement": [
        {"Sid": "A", "Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::111122223333:root"], "Service": "s3.amazonaws.com"},
         "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::b/*",
         "Condition": {"StringEquals": {"aws:PrincipalTag/team": ["a", "b"]}, "Bool": {"aws:SecureTransport": true}, "NumericLessThan": {"s3:max-keys": 10}}},
        {"Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:role/r"}, "NotAction": "s3:*", "NotResource": ["arn:aws:s3:::c"]}
    ], "Id": "x"}"#;

    #[test]
    fn shift_statement_moves_every_span() {
        let kind = Some(PolicyKind::Resource);
        let mut policy = policy_core::parse::parse_policy(EVERY_ELEMENT, kind)
            .policy
            .unwrap();
        let moved =
            policy_core::parse::parse_policy(&format!("{}{EVERY_ELEMENT}", " ".repeat(7)), kind)
                .policy
                .unwrap();
        for statement in &mut policy.statements {
            shift_statement(statement, 7);
        }
        // `Debug` shows every span (`==` on nodes ignores them).
        assert_eq!(
            format!("{:?}", policy.statements),
            format!("{:?}", moved.statements)
        );
        for statement in &mut policy.statements {
            shift_statement(statement, -7);
        }
        let original = policy_core::parse::parse_policy(EVERY_ELEMENT, kind)
            .policy
            .unwrap();
        assert_eq!(
            format!("{:?}", policy.statements),
            format!("{:?}", original.statements)
        );
    }

    /// Every rule source that reaches the whole policy from a statement check
    /// (`ctx.policy()`) is listed in `READS_POLICY`, so the spliced gate runs it on every
    /// statement.
    #[test]
    fn rules_reading_the_policy_are_listed() {
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    out.push(path);
                }
            }
        }
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        walk(&src, &mut files);
        let mut found = Vec::new();
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            let rel = file
                .strip_prefix(&src)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if rel == "context.rs" || rel == "fix.rs" || rel.starts_with("generate/") {
                continue;
            }
            if text.contains(".policy()") {
                let stem = file
                    .file_stem()
                    .unwrap()
                    .to_string_lossy()
                    .replace('_', "-");
                assert!(
                    READS_POLICY.contains(&stem.as_str()),
                    "{rel} calls `.policy()`: list its rule in READS_POLICY (fix.rs), or, for a \
                     helper, every rule that uses it"
                );
                found.push(stem);
            }
        }
        found.sort();
        let mut listed: Vec<String> = READS_POLICY.iter().map(|s| (*s).to_string()).collect();
        listed.sort();
        assert_eq!(found, listed);
        for name in READS_POLICY {
            assert!(registry::by_name(name).is_some(), "{name}");
        }
    }

    /// The policies the spliced gate is compared on: the lint fixtures and a sample of the
    /// AWS managed policies with service wildcards, each with the kind it reads as.
    fn gate_cases() -> Vec<(String, String, PolicyKind)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus");
        let mut paths = Vec::new();
        for code in std::fs::read_dir(root.join("lint")).unwrap() {
            let code = code.unwrap().path();
            if code.is_dir() {
                for f in std::fs::read_dir(&code).unwrap() {
                    paths.push(f.unwrap().path());
                }
            }
        }
        let mut managed: Vec<_> = std::fs::read_dir(root.join("policies/aws-managed"))
            .unwrap()
            .map(|f| f.unwrap().path())
            .collect();
        managed.sort();
        let managed: Vec<_> = managed
            .into_iter()
            .filter(|p| std::fs::read_to_string(p).unwrap().contains(":*\""))
            .collect();
        paths.extend(managed.into_iter().step_by(8));
        paths.sort();
        let mut out = Vec::new();
        for path in paths {
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let stem = path.file_stem().unwrap().to_string_lossy().to_string();
            let kind = stem
                .rsplit_once('.')
                .and_then(|(_, k)| k.parse::<PolicyKind>().ok())
                .or_else(|| {
                    policy_core::parse::parse_policy(&text, None)
                        .policy
                        .map(|p| p.kind)
                });
            if let Some(kind) = kind {
                out.push((path.display().to_string(), text, kind));
            }
        }
        out
    }

    /// The gate's verdict from the statements the edits touch, spliced into the policy already
    /// read, is the verdict of reading the edited text whole: same parse, same quota, same
    /// error findings per rule. Checked with the default settings and with every rule
    /// selected at error severity (so that the rules reading other statements count too).
    #[test]
    fn spliced_verdict_is_the_whole_texts() {
        let strict = Settings {
            select: vec!["ALL".to_string()],
            severity: BTreeMap::from([("ALL".to_string(), Severity::Error)]),
            ..Settings::default()
        };
        let cases = gate_cases();
        for settings in [Settings::default(), strict] {
            spliced_verdict_agrees(&cases, &settings);
        }
    }

    fn spliced_verdict_agrees(cases: &[(String, String, PolicyKind)], settings: &Settings) {
        let (mut spliced, mut compared) = (0, 0);
        for (name, text, kind) in cases {
            let (text, kind) = (text.as_str(), *kind);
            let parsed = parse_policy_json(json::parse(text), Some(kind));
            let mut noted = LocalErrors::default();
            let findings = crate::lint_parsed_with(&parsed, settings, Some(&mut noted));
            assert!(noted.complete, "{name}");
            // What the lint noted is what the gate would work out itself.
            assert_eq!(
                noted.counts(parsed.policy.as_ref().map_or(0, |p| p.statements.len())),
                parsed
                    .policy
                    .as_ref()
                    .map(|p| local_counts(p, settings))
                    .unwrap_or_default(),
                "{name}"
            );
            let unsafe_fixes: Vec<usize> = findings
                .iter()
                .enumerate()
                .filter(|(_, f)| {
                    f.fix.as_ref().is_some_and(|x| {
                        x.applicability == Applicability::Unsafe && !x.edits.is_empty()
                    })
                })
                .map(|(i, _)| i)
                .collect();
            if unsafe_fixes.is_empty() {
                continue;
            }
            let mut base = Base {
                text,
                kind: Some(kind),
                settings,
                parsed: Some(parsed),
                noted: Some(noted),
                local: None,
            };
            let mut sets: Vec<Vec<usize>> = vec![unsafe_fixes.clone()];
            for n in 1..unsafe_fixes.len().min(6) {
                sets.push(unsafe_fixes.iter().copied().take(n).collect());
                sets.extend(unsafe_fixes.get(n).map(|&i| vec![i]));
            }
            sets.extend(unsafe_fixes.first().map(|&i| vec![i]));
            for chosen in sets {
                let fixes = chosen
                    .iter()
                    .filter_map(|&i| findings.get(i).and_then(|f| f.fix.as_ref()));
                let (edits, _) = plan_edits(text, fixes, Applicability::Unsafe, 0);
                let result = replaced(text, &edits);
                let whole = verdict(&result, Some(kind), settings);
                compared += 1;
                if let Some(v) = base.spliced_verdict(&edits, &result) {
                    spliced += 1;
                    assert_eq!(v, whole, "{name}: fixes {chosen:?}");
                }
            }
            // The policy is put back as it was read.
            let again = parse_policy_json(json::parse(text), Some(kind));
            assert_eq!(
                format!("{:?}", base.parsed().policy),
                format!("{:?}", again.policy),
                "{name}"
            );
        }
        assert!(
            spliced >= 100 && spliced * 10 >= compared * 8,
            "{spliced} of {compared}"
        );
    }

    /// An edit of one statement can change what a rule that reads the other statements finds
    /// on a statement no edit touches: that rule is run on every statement again. Here the
    /// edit makes the `Deny` (API Gateway Developer Guide, "API Gateway resource policy
    /// examples": allow private API traffic from one VPC endpoint) no longer cover the public
    /// `Allow`'s action, so `resource-policy-public` fires on the untouched `Allow`.
    #[test]
    fn spliced_verdict_rechecks_rules_that_read_other_statements() {
        let text = r#"{"Version": "2012-10-17", "Statement": [
            {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke",
             "Resource": ["arn:aws:execute-api:us-east-1:111122223333:aabbccddee/*"],
             "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}},
            {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
             "Resource": ["arn:aws:execute-api:us-east-1:111122223333:aabbccddee/*"]}
        ]}"#;
        let settings = Settings::default();
        let kind = PolicyKind::Resource;
        let parsed = parse_policy_json(json::parse(text), Some(kind));
        let mut noted = LocalErrors::default();
        let findings = crate::lint_parsed_with(&parsed, &settings, Some(&mut noted));
        let before = error_counts(&findings);
        assert_eq!(before.get("S017"), None);
        let start = text.find("\"execute-api:Invoke\"").unwrap();
        let edits = [Replacement {
            start,
            end: start + "\"execute-api:Invoke\"".len(),
            content: "\"execute-api:InvalidateCache\"",
        }];
        let result = replaced(text, &edits);
        let whole = verdict(&result, Some(kind), &settings);
        let Verdict::Errors(counts) = &whole else {
            panic!("{whole:?}");
        };
        assert_eq!(counts.get("S017"), Some(&1));
        let mut base = Base {
            text,
            kind: Some(kind),
            settings: &settings,
            parsed: Some(parsed),
            noted: Some(noted),
            local: None,
        };
        assert_eq!(base.spliced_verdict(&edits, &result), Some(whole));
    }

    /// An unsafe fix that allows more is demoted to display-only, one that allows less stays
    /// unsafe: the gate proves `no_new_access(original, fixed)` (issue 12). The requests come
    /// from the IAM UG, "Policy evaluation logic" (an Allow statement that matches allows).
    #[test]
    fn unsafe_fix_that_allows_more_is_demoted() {
        let text = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}, {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::c/*"}]}"#;
        let settings = Settings::default();
        let meta = &crate::rules::security::WildcardAction::META;
        let fix_at = |from: &str, to: &str| {
            let start = text.find(from).unwrap();
            let mut f = Finding::new(meta, Span::new(start, start + from.len()), "x");
            f.fix = Some(Fix {
                applicability: Applicability::Unsafe,
                message: format!("replace {from}"),
                edits: vec![Edit {
                    span: Span::new(start, start + from.len()),
                    content: to.to_string(),
                }],
            });
            f
        };
        // `s3:GetObject` on `b/*` becomes `s3:*` (adds `s3:PutObject` on `b/*`); `s3:*` on
        // `c/*` becomes `s3:GetObject` (allows less).
        let mut findings = vec![
            fix_at("\"s3:GetObject\"", "\"s3:*\""),
            fix_at("\"s3:*\"", "\"s3:GetObject\""),
        ];
        gate_unsafe_fixes(
            text,
            0,
            Some(PolicyKind::Identity),
            &settings,
            &mut findings,
        );
        let applicability: Vec<Applicability> = findings
            .iter()
            .map(|f| f.fix.as_ref().unwrap().applicability)
            .collect();
        assert_eq!(
            applicability,
            [Applicability::DisplayOnly, Applicability::Unsafe]
        );
        // A policy variable is not decided: a narrower resource is no proof, no unsafe fix
        // (a fix that only lists some of the actions a pattern matches needs no decision).
        let home = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::home/${aws:username}/*"}]}"#;
        let from = "\"arn:aws:s3:::home/${aws:username}/*\"";
        let start = home.find(from).unwrap();
        let mut f = Finding::new(meta, Span::new(start, start + from.len()), "x");
        f.fix = Some(Fix {
            applicability: Applicability::Unsafe,
            message: "narrow".into(),
            edits: vec![Edit {
                span: Span::new(start, start + from.len()),
                content: "\"arn:aws:s3:::home/${aws:username}/docs/*\"".into(),
            }],
        });
        let mut findings = vec![f];
        gate_unsafe_fixes(
            home,
            0,
            Some(PolicyKind::Identity),
            &settings,
            &mut findings,
        );
        assert_eq!(
            findings[0].fix.as_ref().unwrap().applicability,
            Applicability::DisplayOnly
        );
    }
}
