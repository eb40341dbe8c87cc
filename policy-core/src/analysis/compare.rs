//! `no_new_access`: whether one policy allows some request that another does not, over every
//! request, with a concrete request as the counterexample (issue 12; AWS's `CheckNoNewAccess`).
//!
//! Both policies are compiled as the evaluator compiles them. One policy alone allows a request
//! when one of its `Allow` statements matches and none of its `Deny` statements does (IAM UG,
//! "Policy evaluation logic": an explicit deny overrides an allow; no allow is an implicit
//! deny). A request is an action of the IAM reference, a resource string and context values.
//!
//! - Actions are finite: they are grouped into classes that every statement of both policies
//!   treats alike, and each class is decided once, with its first action as the example.
//! - For one class, "NEW allows and EXISTING does not" is: some `Allow` of NEW matches, no
//!   `Deny` of NEW matches, and either no `Allow` of EXISTING matches or some `Deny` of
//!   EXISTING does. A statement that must not match has its resource outside its patterns or
//!   one of its conditions false: the search picks one of these per such statement, depth
//!   first, and checks every choice exactly.
//! - Resources are regular languages ([`super::lang`]); each condition key is decided on its
//!   own, in each state a request can give it: absent, one value, or several values.
//!
//! - Policy variables: see [`solve_with_variables`] (a widened search proves emptiness, a
//!   grounded one finds witnesses; complete when variables are whole condition values).
//!
//! What the model does not decide yet is answered `Unknown` with the reason, never `Pass`:
//! `Principal`/`NotPrincipal`, set operators on Numeric/Date/IP/Null operators, and the cases
//! of policy variables the widened and grounded searches leave open. A counterexample is
//! checked with the evaluator before it is reported; if the evaluator disagrees, the answer
//! is `Unknown` (and that is a bug).

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use super::domain::{DateSet, IpSet, NumberSet};
use super::lang::{self, Glob};
use crate::ast::{Effect, OperatorBase, OperatorFamily, Policy, SetQualifier};
use crate::eval::condition::{Condition, TextMatch};
use crate::eval::{
    compile, ActionMatcher, CompiledPolicy, CompiledStatement, PolicySet, PolicyType,
    Verdict as LayerVerdict, PERMISSIONLESS,
};
use crate::request::{Context, Request, RequestPrincipal};
use crate::service_ref::ServiceRef;

/// How many product states one language question may explore.
const LANG_BUDGET: usize = 200_000;
/// How many statements may bear on one search (its depth): far more than any policy within
/// AWS's size quotas has, and a bound on the recursion for any input.
const MAX_NEGATIVE: usize = 1_000;
/// How many choices the search may try for one action class before giving up.
const CHOICE_BUDGET: usize = 20_000;
/// The caller of a counterexample: an IAM user of an example account (the policies are
/// identity-based; conditions on principal keys are context values the counterexample gives).
const CALLER: &str = "arn:aws:iam::111122223333:user/iampol-check";

/// The answer to "does NEW allow anything EXISTING does not?".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// No request is allowed by NEW and not by EXISTING.
    Pass,
    /// This request is allowed by NEW and not by EXISTING.
    Fail(Box<Counterexample>),
    /// Not decided, and why.
    Unknown(String),
}

impl Verdict {
    /// Whether the answer is PASS.
    pub fn is_pass(&self) -> bool {
        matches!(self, Verdict::Pass)
    }
}

/// A request that NEW allows and EXISTING does not, checked with the evaluator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counterexample {
    /// The action, as the IAM reference spells it.
    pub action: String,
    /// The resource.
    pub resource: String,
    /// Context values (keys as the policies write them, sorted ignoring case); a key that
    /// is not listed is absent.
    pub context: Vec<(String, Vec<String>)>,
    /// The caller the request was evaluated for.
    pub principal: String,
    /// The statement of NEW that allows it: index and `Sid`.
    pub allowed_by: (usize, Option<String>),
}

/// Whether `new` allows some request that `existing` does not. Both are read as one policy of
/// the same kind, evaluated alone (identity-based policies; SCPs and boundaries read the same
/// way).
pub fn no_new_access(existing: &Policy, new: &Policy) -> Verdict {
    let mut unknown: Option<String> = None;
    let mut found: Option<Verdict> = None;
    decide(existing, new, &mut |class| match class.verdict {
        Verdict::Pass => true,
        Verdict::Unknown(why) => {
            unknown.get_or_insert(why);
            true
        }
        fail @ Verdict::Fail(_) => {
            found = Some(fail);
            false
        }
    });
    found.unwrap_or_else(|| unknown.map_or(Verdict::Pass, Verdict::Unknown))
}

/// The access `new` allows and `existing` does not, one entry per class of actions that
/// every statement of both policies treats alike, in a stable order; a class whose answer
/// is `Pass` is left out. A policy the model cannot read gives one `Unknown` entry with no
/// actions.
pub fn new_access(existing: &Policy, new: &Policy) -> Vec<ClassVerdict> {
    let mut out = Vec::new();
    decide(existing, new, &mut |class| {
        if !class.verdict.is_pass() {
            out.push(class);
        }
        true
    });
    out
}

/// The answer for one class of actions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassVerdict {
    /// The actions of the class (as the IAM reference spells them), in the reference's order.
    pub actions: Vec<String>,
    /// `Fail` with a request for the class's first action, or `Unknown`; never `Pass` in
    /// [`new_access`]'s answer.
    pub verdict: Verdict,
}

/// Decides each action class, handing each answer to `visit` until it returns `false`.
fn decide(existing: &Policy, new: &Policy, visit: &mut dyn FnMut(ClassVerdict) -> bool) {
    // Both policies read `${...}` alike (as variables, or both as text).
    let same_reading = existing.has_variables() == new.has_variables();
    let old = compile(existing, "existing", 0);
    let new = compile(new, "new", 1);
    if let Some(why) = unsupported(&old).or_else(|| unsupported(&new)) {
        visit(ClassVerdict {
            actions: Vec::new(),
            verdict: Verdict::Unknown(why),
        });
        return;
    }
    // Action classes: the statements (of both policies) whose actions include the action, and
    // whether the action takes only `"Resource": "*"` (the evaluator then matches `*`).
    let statements: Vec<&CompiledStatement> =
        old.statements.iter().chain(new.statements.iter()).collect();
    let mut classes: BTreeMap<(Vec<bool>, bool), Vec<&'static ReferenceAction>> = BTreeMap::new();
    for service in reference_actions() {
        // Statements none of whose patterns can name the service decide all its actions
        // alike, without matching each one; the others test only their patterns that can.
        let matchers: Vec<_> = statements
            .iter()
            .map(|s| s.action_matcher(&service.prefix))
            .collect();
        if matchers.iter().all(ActionMatcher::is_void) {
            // Every action of the service has the same signature: one class per resource kind.
            let signature: Vec<bool> = matchers.iter().map(ActionMatcher::negated).collect();
            if !signature.iter().any(|&m| m) {
                // No statement names the service: nothing allows it.
                continue;
            }
            for action in &service.actions {
                classes
                    .entry((signature.clone(), action.wildcard_only))
                    .or_default()
                    .push(action);
            }
            continue;
        }
        for action in &service.actions {
            let signature: Vec<bool> = matchers
                .iter()
                .map(|m| {
                    if m.is_void() {
                        m.negated()
                    } else {
                        m.matches(&action.lower)
                    }
                })
                .collect();
            classes
                .entry((signature, action.wildcard_only))
                .or_default()
                .push(action);
        }
    }
    let split = old.statements.len();
    // Deterministic: classes in the order of their signatures.
    for ((signature, wildcard_only), actions) in &classes {
        let Some(action) = actions.first().map(|a| a.name.clone()) else {
            continue;
        };
        let of = |range: std::ops::Range<usize>, effect: Effect| -> Vec<&CompiledStatement> {
            range
                .filter(|&i| signature.get(i).copied().unwrap_or(false))
                .filter_map(|i| statements.get(i).copied())
                .filter(|s| s.effect == effect)
                .collect()
        };
        let new_allows = of(split..statements.len(), Effect::Allow);
        if new_allows.is_empty() {
            continue;
        }
        let new_denies = of(split..statements.len(), Effect::Deny);
        let old_allows = of(0..split, Effect::Allow);
        let old_denies = of(0..split, Effect::Deny);
        let verdict = decide_class(
            &action,
            *wildcard_only,
            (&new_allows, &new_denies),
            (&old_allows, &old_denies),
            (&old, &new),
            same_reading,
        );
        let class = ClassVerdict {
            actions: actions.iter().map(|a| a.name.clone()).collect(),
            verdict,
        };
        if !visit(class) {
            return;
        }
    }
}

/// The answer for one class of actions, `action` its example: the statements of NEW and
/// EXISTING whose actions include the class, by effect.
fn decide_class(
    action: &str,
    wildcard_only: bool,
    (new_allows, new_denies): (&[&CompiledStatement], &[&CompiledStatement]),
    (old_allows, old_denies): (&[&CompiledStatement], &[&CompiledStatement]),
    (old, new): (&CompiledPolicy, &CompiledPolicy),
    same_reading: bool,
) -> Verdict {
    let mut unknown: Option<String> = None;
    // A statement with a twin on the other side (same `Resource`/`NotResource` and
    // conditions, read alike; both cover the class) matches exactly the requests of the
    // class its twin matches. So for an Allow of NEW with a twin among EXISTING's Allows, "no
    // Allow of EXISTING matches" cannot hold, and for a Deny of EXISTING with a twin among
    // NEW's Denies, "it matches and no Deny of NEW does" cannot: those cases are empty
    // without looking at what the statements say (policy variables included).
    let twin = |s: &CompiledStatement, among: &[&CompiledStatement]| {
        same_reading && among.iter().any(|o| same_match(s, o))
    };
    let untwinned_denies: Vec<&CompiledStatement> = old_denies
        .iter()
        .copied()
        .filter(|d| !twin(d, new_denies))
        .collect();
    for allow in new_allows {
        // Either no Allow of EXISTING matches, or one of its Denies does.
        let mut modes: Vec<(Vec<&CompiledStatement>, Vec<&CompiledStatement>)> = Vec::new();
        if !twin(allow, old_allows) {
            let mut negative: Vec<&CompiledStatement> = new_denies.to_vec();
            negative.extend(old_allows.iter().copied());
            modes.push((vec![*allow], negative));
        }
        for deny in &untwinned_denies {
            modes.push((vec![*allow, *deny], new_denies.to_vec()));
        }
        for (positive, negative) in modes {
            match solve(&positive, &negative, wildcard_only) {
                Outcome::Found(witness) => {
                    let example = Counterexample {
                        action: action.to_string(),
                        resource: witness.resource,
                        context: witness.context,
                        principal: CALLER.to_string(),
                        allowed_by: {
                            let (i, sid) = allow.position();
                            (i, sid.map(str::to_string))
                        },
                    };
                    return match confirm(old, new, &example) {
                        Ok(()) => Verdict::Fail(Box::new(example)),
                        Err(why) => Verdict::Unknown(why),
                    };
                }
                Outcome::Empty => {}
                Outcome::GaveUp(why) => {
                    unknown.get_or_insert(format!("{action}: {why}"));
                }
            }
        }
    }
    unknown.map_or(Verdict::Pass, Verdict::Unknown)
}

/// The actions of one service of the reference.
struct ServiceActions {
    /// The prefix, lower-cased.
    prefix: String,
    actions: Vec<ReferenceAction>,
}

/// One action of the reference.
struct ReferenceAction {
    /// `service:Name` as the reference spells it.
    name: String,
    /// Lower-cased, for matching.
    lower: String,
    /// Whether it takes only `"Resource": "*"`.
    wildcard_only: bool,
}

/// Every action of the reference by service, read once; without the actions that are
/// allowed whatever the policies say (never new access).
fn reference_actions() -> &'static [ServiceActions] {
    static ACTIONS: OnceLock<Vec<ServiceActions>> = OnceLock::new();
    ACTIONS.get_or_init(|| {
        ServiceRef::get()
            .services()
            .map(|service| ServiceActions {
                prefix: service.prefix().to_ascii_lowercase(),
                actions: service
                    .actions()
                    .map(|a| {
                        let name = a.full_name();
                        ReferenceAction {
                            lower: name.to_ascii_lowercase(),
                            wildcard_only: a.accepts_only_wildcard_resource(),
                            name,
                        }
                    })
                    .filter(|a| !PERMISSIONLESS.contains(&a.lower.as_str()))
                    .collect(),
            })
            .collect()
    })
}

/// The first feature of a policy the model does not decide yet.
fn unsupported(policy: &CompiledPolicy) -> Option<String> {
    for s in &policy.statements {
        let (index, _) = s.position();
        let at = |what: &str| Some(format!("statement {index}: {what} is not decided yet"));
        if s.has_principal() {
            return at("`Principal`/`NotPrincipal`");
        }
        for c in s.conditions() {
            let op = c.operator();
            let family = c.positive().family();
            let typed = matches!(
                family,
                OperatorFamily::Numeric | OperatorFamily::Date | OperatorFamily::Ip
            );
            if op.qualifier.is_some() && (typed || family == OperatorFamily::Null) {
                return at(&format!("the set operator `{op}` on a non-string operator"));
            }
        }
    }
    None
}

/// What one search found.
enum Outcome {
    Found(Witness),
    Empty,
    GaveUp(String),
}

/// The resource and context of a request that satisfies the literals.
struct Witness {
    resource: String,
    context: Vec<(String, Vec<String>)>,
}

/// One way a statement that must not match fails to match.
#[derive(Clone, Copy)]
enum Breaker<'s> {
    /// Its resource patterns do not cover the resource.
    Resource,
    /// This condition is false.
    Condition(&'s Condition),
    /// It cannot match together with the rest: nothing to add.
    Skip,
}

/// A request that every statement of `positive` matches (action aside) and no statement of
/// `negative` does.
fn solve(
    positive: &[&CompiledStatement],
    negative: &[&CompiledStatement],
    wildcard_only: bool,
) -> Outcome {
    if negative.len() > MAX_NEGATIVE {
        return Outcome::GaveUp(format!(
            "more than {MAX_NEGATIVE} statements bear on one action"
        ));
    }
    if !positive.iter().chain(negative).any(|s| s.has_vars()) {
        return search(positive, negative, wildcard_only, &[]);
    }
    solve_with_variables(positive, negative, wildcard_only)
}

/// One exact search over statements without policy variables; `pins` are conditions on the
/// variables' keys, each with whether it must hold.
fn search(
    positive: &[&CompiledStatement],
    negative: &[&CompiledStatement],
    wildcard_only: bool,
    pins: &[(Condition, bool)],
) -> Outcome {
    let mut choice: Vec<Breaker<'_>> = Vec::with_capacity(negative.len());
    let mut tried = 0usize;
    let search = Search {
        positive,
        negative,
        wildcard_only,
        pins,
    };
    search.run(&mut choice, &mut tried)
}

/// [`solve`] when a statement has policy variables (IAM UG "IAM policy elements: Variables
/// and tags"). A variable `${K}` (or `${K, 'default'}`) stands for the request's value of `K`
/// when the request gives `K` exactly one value, read as literal characters (`*` in a value
/// is no wildcard); otherwise for its default, and without one the pattern or condition
/// value matches nothing (the evaluator's `Pattern::resolve`).
///
/// Why each answer is exact:
///
/// - **Empty** only from the *widened* search: every variable of a positive statement's
///   `Resource` becomes `*` (each value of `K` and the default are strings `*` matches), a
///   `NotResource` pattern or a condition with a variable is left out of a positive
///   statement, and a negative statement with a variable is left out. Each change can only
///   add requests, so when the widened search has none, the exact one has none. It keeps
///   one thing every match implies: a key whose variable, without a default, is in every
///   pattern of a positive `Resource` has exactly one value.
/// - **Found** only from a *grounded* search: the variables' keys get chosen states (one
///   value, or "not exactly one value": absent or several), every variable is replaced by
///   what it then stands for, and the keys are pinned to those states with conditions that
///   hold exactly for them (`StringEquals K v`; `StringLike K *` false). The grounded
///   statements match exactly the requests of the chosen states that the written ones
///   match, so its witness is a witness (and the evaluator checks it again in `confirm`).
/// - Otherwise the values tried (those the widened witness captures for the variables,
///   fresh ones, the literals the policies compare the keys with, "not one value") found
///   nothing and the widened search did: `GaveUp`, never a PASS.
fn solve_with_variables(
    positive: &[&CompiledStatement],
    negative: &[&CompiledStatement],
    wildcard_only: bool,
) -> Outcome {
    let widened: Vec<CompiledStatement> = positive.iter().map(|s| s.widened()).collect();
    let widened: Vec<&CompiledStatement> = widened.iter().collect();
    let kept: Vec<&CompiledStatement> =
        negative.iter().copied().filter(|s| !s.has_vars()).collect();
    // What widening loses and every match keeps: a key whose variable (without a default)
    // is in every pattern of a positive `Resource` has exactly one value, or no pattern
    // matches.
    let mut implied: Vec<(Condition, bool)> = Vec::new();
    for s in positive {
        if let Some((false, patterns)) = s.resource_patterns() {
            let mut each = patterns
                .iter()
                .map(|p| p.variables().collect::<std::collections::BTreeSet<&str>>());
            let first = each.next().unwrap_or_default();
            let common = each.fold(first, |acc, keys| &acc & &keys);
            for key in common {
                if !implied.iter().any(|(c, _)| &*c.key == key) {
                    implied.push((Condition::single_value(key, None), true));
                }
            }
        }
    }
    let hint = match search(&widened, &kept, wildcard_only, &implied) {
        Outcome::Found(w) => w,
        other => return other,
    };
    let all: Vec<&CompiledStatement> = positive.iter().chain(negative).copied().collect();
    let keys: Vec<&str> = all
        .iter()
        .flat_map(|s| s.variable_keys())
        .collect::<std::collections::BTreeSet<&str>>()
        .into_iter()
        .collect();
    let tried = assignments(&keys, positive, &all, &hint);
    let gave_up = match ground_each(positive, negative, wildcard_only, tried) {
        Some(Outcome::Found(w)) => return Outcome::Found(w),
        Some(Outcome::GaveUp(why)) => Some(why),
        _ => None,
    };
    if let Some(why) = gave_up {
        return Outcome::GaveUp(why);
    }
    // No witness among the values tried: every value, up to what the policies can tell
    // apart, when variables stand only for whole condition values.
    let states = match complete_assignments(&all, &keys) {
        Ok(states) => states,
        Err(why) => {
            return Outcome::GaveUp(format!(
                "policy variables ({}): no request found with the values tried, and {why}",
                keys.join(", ")
            ))
        }
    };
    ground_each(positive, negative, wildcard_only, states).unwrap_or(Outcome::Empty)
}

/// The first grounded search (see [`solve_with_variables`]) that finds a witness or gives
/// up, over `states`; `None` when every one is empty.
fn ground_each(
    positive: &[&CompiledStatement],
    negative: &[&CompiledStatement],
    wildcard_only: bool,
    states: Vec<BTreeMap<String, Option<String>>>,
) -> Option<Outcome> {
    for states in states {
        let value = |key: &str| states.get(key).cloned().flatten();
        let grounded_positive: Vec<CompiledStatement> =
            positive.iter().map(|s| s.ground(&value)).collect();
        let grounded_negative: Vec<CompiledStatement> =
            negative.iter().map(|s| s.ground(&value)).collect();
        let pins: Vec<(Condition, bool)> = states
            .iter()
            .map(|(key, v)| (Condition::single_value(key, v.as_deref()), v.is_some()))
            .collect();
        let p: Vec<&CompiledStatement> = grounded_positive.iter().collect();
        let n: Vec<&CompiledStatement> = grounded_negative.iter().collect();
        match search(&p, &n, wildcard_only, &pins) {
            Outcome::Empty => {}
            Outcome::Found(w) => {
                // A key the counterexample's caller brings cannot be left without a value.
                let lacking = states.iter().find(|(key, v)| {
                    v.is_none()
                        && caller_keys().contains(key)
                        && !w.context.iter().any(|(k, _)| k.eq_ignore_ascii_case(key))
                });
                return Some(match lacking {
                    Some((key, _)) => Outcome::GaveUp(format!(
                        "the request found has no `{key}`, which the caller of a counterexample has"
                    )),
                    None => Outcome::Found(w),
                });
            }
            other @ Outcome::GaveUp(_) => return Some(other),
        }
    }
    None
}

/// How many languages [`complete_assignments`] splits values by, at most.
const MAX_LANGUAGES: usize = 10;
/// How many groundings [`complete_assignments`] may give.
const MAX_COMPLETE: usize = 512;

/// States of the variables' keys that stand for every state, when every variable is a whole
/// value of a case-sensitive `String` condition and no `Resource` has one; `Err` with the
/// reason otherwise.
///
/// Why they are enough: let G be the variables' keys and the keys of the conditions with a
/// variable, and Λ the languages the policies test G's values against without a variable
/// (each condition's values, the defaults, and `""`, which set operators read as no value).
/// A permutation π of all strings that keeps each language of Λ (maps each string to one in
/// exactly the same languages) maps a request matching the grounded statements for states σ
/// (π applied to every value of a key of G) to one matching them for π∘σ: a test against a
/// language of Λ keeps its answer; a test "equals the value of `K`" (what a whole variable is
/// under `StringEquals`/`StringLike`: its characters are literal) keeps it since π is one to
/// one; a default is alone in its class, so π keeps it; the number of values of each key,
/// the resource and the other keys do not change. Two states are related by such a π when
/// they give the same keys no single value, and the others values in the same classes
/// (cells of Λ) with the same equalities between them. So one state per pattern is enough:
/// each key either no single value, or a value of a cell, the i-th distinct one of that
/// cell (for i up to the number of keys, when the cell has that many).
fn complete_assignments(
    all: &[&CompiledStatement],
    keys: &[&str],
) -> Result<Vec<BTreeMap<String, Option<String>>>, String> {
    let mut group: std::collections::BTreeSet<&str> = keys.iter().copied().collect();
    for s in all {
        if let Some((_, patterns)) = s.resource_patterns() {
            if patterns.iter().any(crate::eval::pattern::Pattern::has_vars) {
                return Err("a variable in `Resource` is decided only that far".into());
            }
        }
        for c in s.conditions() {
            if c.has_vars() {
                group.insert(&c.key);
            }
        }
    }
    let mut languages: Vec<Vec<Glob>> = vec![vec![Glob::literal("", false)]];
    let mut add = |l: Vec<Glob>| {
        if !l.is_empty() && !languages.contains(&l) {
            languages.push(l);
        }
    };
    for s in all {
        for c in s.conditions() {
            if !group.contains(&*c.key) || c.positive() == OperatorBase::Null {
                continue;
            }
            let op = c.operator();
            let unsupported = || format!("`{op}` on `{}`, a key tied to a variable", c.key_text());
            let Some((how, constants, variables)) = c.split_variables() else {
                return Err(unsupported());
            };
            let case_sensitive_string = c.positive().family() == OperatorFamily::String
                && how == (TextMatch::Glob { ignore_case: false });
            if !variables.is_empty() && !case_sensitive_string {
                return Err(unsupported());
            }
            add(constants
                .iter()
                .map(|t| match how {
                    TextMatch::Glob { ignore_case } => Glob::plain(t, ignore_case),
                    TextMatch::Arn => Glob::arn(t),
                })
                .collect());
            for (_, default) in variables {
                if let Some(d) = default {
                    add(vec![Glob::literal(d, false)]);
                }
            }
        }
    }
    if languages.len() > MAX_LANGUAGES {
        return Err(format!(
            "more than {MAX_LANGUAGES} languages bear on the variables' values"
        ));
    }
    // The non-empty cells, each with up to `keys.len()` distinct values.
    let mut cells: Vec<Vec<String>> = Vec::new();
    let mut inside: Vec<Vec<Glob>> = Vec::new();
    let mut outside: Vec<Glob> = Vec::new();
    cells_of(
        &languages,
        &mut inside,
        &mut outside,
        keys.len(),
        &mut cells,
    )?;
    // Each key: no single value, or (cell, i-th value), i at most one past the largest
    // index the keys before it took in that cell.
    let mut out: Vec<BTreeMap<String, Option<String>>> = Vec::new();
    let mut current: Vec<Option<(usize, usize)>> = Vec::with_capacity(keys.len());
    patterns_of(keys, &cells, &mut current, &mut out)?;
    Ok(out)
}

/// Splits the values by membership in each language, depth first, cutting empty cells.
fn cells_of(
    languages: &[Vec<Glob>],
    inside: &mut Vec<Vec<Glob>>,
    outside: &mut Vec<Glob>,
    count: usize,
    cells: &mut Vec<Vec<String>>,
) -> Result<(), String> {
    let Some(witness) = resource_witness(inside, outside)? else {
        return Ok(());
    };
    let Some((first, rest)) = languages.split_first() else {
        let mut values = vec![witness];
        while values.len() < count {
            let mut not = outside.clone();
            not.extend(values.iter().map(|v| Glob::literal(v, false)));
            match resource_witness(inside, &not)? {
                Some(v) => values.push(v),
                None => break,
            }
        }
        cells.push(values);
        return Ok(());
    };
    inside.push(first.clone());
    cells_of(rest, inside, outside, count, cells)?;
    inside.pop();
    let before = outside.len();
    outside.extend(first.iter().cloned());
    cells_of(rest, inside, outside, count, cells)?;
    outside.truncate(before);
    Ok(())
}

/// Every state pattern of [`complete_assignments`], as key states.
fn patterns_of(
    keys: &[&str],
    cells: &[Vec<String>],
    current: &mut Vec<Option<(usize, usize)>>,
    out: &mut Vec<BTreeMap<String, Option<String>>>,
) -> Result<(), String> {
    if current.len() == keys.len() {
        if out.len() >= MAX_COMPLETE {
            return Err(format!(
                "more than {MAX_COMPLETE} cases of the variables' values"
            ));
        }
        out.push(
            keys.iter()
                .zip(current.iter())
                .map(|(k, state)| {
                    let value = state.and_then(|(cell, i)| {
                        cells.get(cell).and_then(|values| values.get(i)).cloned()
                    });
                    ((*k).to_string(), value)
                })
                .collect(),
        );
        return Ok(());
    }
    current.push(None);
    patterns_of(keys, cells, current, out)?;
    current.pop();
    for (cell, values) in cells.iter().enumerate() {
        let used = current
            .iter()
            .filter(|s| matches!(s, Some((c, _)) if *c == cell))
            .map(|s| s.map_or(0, |(_, i)| i + 1))
            .max()
            .unwrap_or(0);
        for i in 0..=used.min(values.len().saturating_sub(1)) {
            current.push(Some((cell, i)));
            patterns_of(keys, cells, current, out)?;
            current.pop();
        }
    }
    Ok(())
}

/// How many groundings [`solve_with_variables`] tries for one search.
const MAX_ASSIGNMENTS: usize = 48;

/// States of the variables' keys to try, most telling first, without repeats: `None` is
/// "not exactly one value". Values: those the widened witness gives (the text a variable
/// of a positive `Resource` pattern covers in its resource; the value of a key a positive
/// condition compares with `${K}`); fresh values, distinct or all the same; each literal the
/// policies compare `K` (or a key compared with `${K}`) with; and "not one value" for a key
/// the caller does not give a value of its own (see `confirm`).
fn assignments(
    keys: &[&str],
    positive: &[&CompiledStatement],
    all: &[&CompiledStatement],
    hint: &Witness,
) -> Vec<BTreeMap<String, Option<String>>> {
    let fresh = |i: usize| format!("value-{}", i + 1);
    let base: BTreeMap<String, Option<String>> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| ((*k).to_string(), Some(fresh(i))))
        .collect();
    let mut out: Vec<BTreeMap<String, Option<String>>> = Vec::new();
    let mut push = |m: BTreeMap<String, Option<String>>| {
        if out.len() < MAX_ASSIGNMENTS && !out.contains(&m) {
            out.push(m);
        }
    };
    // From the widened witness.
    let mut captured = base.clone();
    for s in positive {
        if let Some((false, patterns)) = s.resource_patterns() {
            if let Some(found) = patterns
                .iter()
                .filter(|p| p.has_vars())
                .find_map(|p| p.captures(&hint.resource))
            {
                for (key, v) in found {
                    captured.insert(key.to_string(), Some(v));
                }
            }
        }
    }
    let hinted = |key: &str| {
        hint.context
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .and_then(|(_, v)| match v.as_slice() {
                [one] => Some(one.clone()),
                _ => None,
            })
    };
    for s in positive {
        for c in s.conditions() {
            for var in c.variable_keys() {
                if let Some(v) = hinted(&c.key) {
                    captured.insert(var.to_string(), Some(v));
                }
            }
        }
    }
    push(captured);
    push(base.clone());
    push(
        keys.iter()
            .map(|k| ((*k).to_string(), Some(fresh(keys.len()))))
            .collect(),
    );
    // Literals compared with each key.
    for key in keys {
        let mut literals: Vec<String> = Vec::new();
        for s in all {
            for c in s.conditions() {
                let linked = &*c.key == *key || c.variable_keys().any(|v| v == *key);
                if !linked {
                    continue;
                }
                for text in c.written_values() {
                    if !text.contains(['*', '?', '$']) && !literals.iter().any(|l| **l == **text) {
                        literals.push(text.to_string());
                    }
                }
            }
        }
        for literal in literals {
            let mut m = base.clone();
            m.insert((*key).to_string(), Some(literal));
            push(m);
        }
    }
    let derived = caller_keys();
    let open: Vec<&str> = keys
        .iter()
        .copied()
        .filter(|k| !derived.iter().any(|d| d == k))
        .collect();
    for key in &open {
        let mut m = base.clone();
        m.insert((*key).to_string(), None);
        push(m);
    }
    let mut none = base;
    for key in &open {
        none.insert((*key).to_string(), None);
    }
    push(none);
    out
}

/// The keys the counterexample's caller gives a value of its own (lower-cased): a request
/// cannot leave them without a value.
fn caller_keys() -> &'static [String] {
    static KEYS: OnceLock<Vec<String>> = OnceLock::new();
    KEYS.get_or_init(|| {
        let Ok(caller) = RequestPrincipal::parse(CALLER) else {
            return Vec::new();
        };
        [
            "aws:username",
            "aws:principalarn",
            "aws:principalaccount",
            "aws:principaltype",
            "aws:principalisawsservice",
            "aws:userid",
            "aws:principalservicename",
        ]
        .iter()
        .filter(|k| caller.derived(k).is_some())
        .map(|k| (*k).to_string())
        .chain(std::iter::once("aws:resourceaccount".to_string()))
        .collect()
    })
}

/// Whether two statements match the same requests of an action both cover: the same
/// `Resource`/`NotResource` patterns and the same conditions, in order (in policies that
/// read `${...}` alike).
fn same_match(a: &CompiledStatement, b: &CompiledStatement) -> bool {
    a.resource_patterns() == b.resource_patterns()
        && a.conditions().len() == b.conditions().len()
        && a.conditions().iter().zip(b.conditions()).all(|(x, y)| {
            x.operator() == y.operator()
                && x.key == y.key
                && x.written_values() == y.written_values()
                && x.has_vars() == y.has_vars()
        })
}

/// One search: the statements that must match and those that must not.
struct Search<'a, 's> {
    positive: &'a [&'s CompiledStatement],
    negative: &'a [&'s CompiledStatement],
    /// The action takes only `"Resource": "*"`: the resource is `*`.
    wildcard_only: bool,
    /// Conditions on the keys of grounded policy variables, each with whether it must hold.
    pins: &'a [(Condition, bool)],
}

impl<'s> Search<'_, 's> {
    fn run(&self, choice: &mut Vec<Breaker<'s>>, tried: &mut usize) -> Outcome {
        let negative = self.negative;
        *tried += 1;
        if *tried > CHOICE_BUDGET {
            return Outcome::GaveUp(format!("more than {CHOICE_BUDGET} cases"));
        }
        // Check the choices so far: a dead end is cut here.
        let partial = self.check(choice, None);
        let Some(next) = negative.get(choice.len()) else {
            return partial;
        };
        if !matches!(partial, Outcome::Found(_)) {
            return partial;
        }
        // A statement that cannot match together with what is chosen so far needs no breaker:
        // one branch instead of one per resource and condition.
        if matches!(self.check(choice, Some(next)), Outcome::Empty) {
            choice.push(Breaker::Skip);
            let found = self.run(choice, tried);
            choice.pop();
            return found;
        }
        let mut gave_up: Option<String> = None;
        let breakers = std::iter::once(Breaker::Resource)
            .filter(|_| next.resource_patterns().is_some())
            .chain(next.conditions().iter().map(Breaker::Condition));
        for breaker in breakers {
            choice.push(breaker);
            let found = self.run(choice, tried);
            choice.pop();
            match found {
                Outcome::Found(w) => return Outcome::Found(w),
                Outcome::Empty => {}
                Outcome::GaveUp(why) => {
                    gave_up.get_or_insert(why);
                }
            }
        }
        gave_up.map_or(Outcome::Empty, Outcome::GaveUp)
    }

    /// Whether the positive statements (and `extra`, when given) and the breakers chosen for
    /// the first negative ones can hold together, with a witness.
    fn check(&self, choice: &[Breaker<'_>], extra: Option<&CompiledStatement>) -> Outcome {
        let negative = self.negative;
        let positive: Vec<&CompiledStatement> =
            self.positive.iter().copied().chain(extra).collect();
        // Resource: inside one pattern of each positive `Resource` (outside every pattern of a
        // `NotResource`), and outside the patterns of each statement broken by its resource.
        let mut must_any: Vec<Vec<Glob>> = Vec::new();
        let mut must_not: Vec<Glob> = Vec::new();
        for s in &positive {
            if let Some((negated, patterns)) = s.resource_patterns() {
                let globs = patterns.iter().filter_map(|p| p.tokens().map(Glob::arn));
                if negated {
                    must_not.extend(globs);
                } else {
                    must_any.push(globs.collect());
                }
            }
        }
        let mut holds: Vec<&Condition> = positive.iter().flat_map(|s| s.conditions()).collect();
        let mut fails: Vec<&Condition> = Vec::new();
        for (c, wanted) in self.pins {
            if *wanted {
                holds.push(c);
            } else {
                fails.push(c);
            }
        }
        for (s, breaker) in negative.iter().zip(choice) {
            match breaker {
                Breaker::Resource => {
                    if let Some((negated, patterns)) = s.resource_patterns() {
                        let globs = patterns.iter().filter_map(|p| p.tokens().map(Glob::arn));
                        if negated {
                            // Outside `NotResource`'s complement: inside one of its patterns.
                            must_any.push(globs.collect());
                        } else {
                            must_not.extend(globs);
                        }
                    }
                }
                Breaker::Condition(c) => fails.push(c),
                Breaker::Skip => {}
            }
        }
        if self.wildcard_only {
            must_any.push(vec![Glob::literal("*", false)]);
        }
        let free = must_any.is_empty() && must_not.is_empty();
        let resource = match resource_witness(&must_any, &must_not) {
            // Any resource will do: `*` reads best.
            Ok(Some(_)) if free => "*".to_string(),
            Ok(Some(r)) => r,
            Ok(None) => return Outcome::Empty,
            Err(why) => return Outcome::GaveUp(why),
        };
        // Conditions, key by key.
        let mut by_key: BTreeMap<Arc<str>, (Vec<&Condition>, Vec<&Condition>)> = BTreeMap::new();
        for c in holds {
            by_key.entry(Arc::clone(&c.key)).or_default().0.push(c);
        }
        for c in fails {
            by_key.entry(Arc::clone(&c.key)).or_default().1.push(c);
        }
        let mut context = Vec::new();
        for (holds, fails) in by_key.values() {
            // The key as the policy first writes it (keys ignore case).
            let Some(written) = holds.iter().chain(fails).next().map(|c| c.key_text()) else {
                continue;
            };
            match key_witness(holds, fails) {
                Ok(Some(KeyState::Absent)) => {}
                Ok(Some(KeyState::Values(values))) => context.push((written.to_string(), values)),
                Ok(None) => return Outcome::Empty,
                Err(why) => return Outcome::GaveUp(why),
            }
        }
        Outcome::Found(Witness { resource, context })
    }
}

/// A resource inside one glob of each group of `must_any` and outside every glob of
/// `must_not`; `Ok(None)` when there is none.
fn resource_witness(must_any: &[Vec<Glob>], must_not: &[Glob]) -> Result<Option<String>, String> {
    let not: Vec<&Glob> = must_not.iter().collect();
    let mut picked: Vec<&Glob> = Vec::with_capacity(must_any.len());
    let mut gave_up = None;
    let found = pick_each(must_any, &mut picked, &mut |must| match lang::find(
        must,
        &not,
        LANG_BUDGET,
    ) {
        lang::Search::Found(w) => Some(Ok(w)),
        lang::Search::Empty => None,
        lang::Search::GaveUp => {
            gave_up = Some("a resource question past the search budget".to_string());
            None
        }
    });
    match (found, gave_up) {
        (Some(Ok(w)), _) => Ok(Some(w)),
        (Some(Err(e)), _) | (None, Some(e)) => Err(e),
        (None, None) => Ok(None),
    }
}

/// Calls `f` with one glob of each group (every combination, in order) until it answers.
fn pick_each<'g, T>(
    groups: &'g [Vec<Glob>],
    picked: &mut Vec<&'g Glob>,
    f: &mut dyn FnMut(&[&Glob]) -> Option<T>,
) -> Option<T> {
    let Some(group) = groups.get(picked.len()) else {
        return f(picked);
    };
    for glob in group {
        picked.push(glob);
        let found = pick_each(groups, picked, f);
        picked.pop();
        if found.is_some() {
            return found;
        }
    }
    None
}

/// What a request gives a key.
enum KeyState {
    Absent,
    Values(Vec<String>),
}

/// A state of one key in which every condition of `holds` holds and every one of `fails`
/// fails; `Ok(None)` when there is none. The states tried, in order (each decides the
/// conditions as [`Condition::holds`] does): absent; the one value `""`; one other value; the
/// values `["", ""]`; several values, not all empty.
fn key_witness(holds: &[&Condition], fails: &[&Condition]) -> Result<Option<KeyState>, String> {
    let literals: Vec<(&Condition, bool)> = holds
        .iter()
        .map(|c| (*c, true))
        .chain(fails.iter().map(|c| (*c, false)))
        .collect();
    let all =
        |truth: &dyn Fn(&Condition) -> bool| literals.iter().all(|(c, want)| truth(c) == *want);
    let is_null = |c: &Condition| c.positive() == OperatorBase::Null;
    // Null holds for a present key when it asks for presence.
    let null_present = |c: &Condition| c.null_wants_absent().contains(&false);
    if all(&absent_holds) {
        return Ok(Some(KeyState::Absent));
    }
    let valued: Vec<(&Condition, bool)> = literals
        .iter()
        .copied()
        .filter(|(c, _)| !is_null(c))
        .collect();
    let families: Vec<OperatorFamily> = valued.iter().map(|(c, _)| c.positive().family()).collect();
    let typed = |f: OperatorFamily| {
        matches!(
            f,
            OperatorFamily::Numeric | OperatorFamily::Date | OperatorFamily::Ip
        )
    };
    if let Some(&first) = families.first() {
        if typed(first) {
            if families.iter().any(|&f| f != first) {
                return Err(format!(
                    "a key tested by {first:?} and other operators is not decided yet"
                ));
            }
            // One value (no set operators on these families: see `unsupported`); several
            // values make every one of them false.
            if literals
                .iter()
                .all(|(c, want)| !is_null(c) || null_present(c) == *want)
            {
                if let Some(v) = typed_witness(first, &valued) {
                    return Ok(Some(KeyState::Values(vec![v])));
                }
            }
            return Ok(several_values(&literals, &[]).map(KeyState::Values));
        }
        if families.iter().any(|&f| typed(f)) {
            return Err(
                "a key tested by string and Numeric, Date or IP operators is not decided yet"
                    .into(),
            );
        }
    }
    let mut texts: Vec<(&Condition, TextLanguage)> = Vec::with_capacity(valued.len());
    for (c, _) in &valued {
        let Some(language) = TextLanguage::of(c) else {
            return Err(format!("`{}` is not decided yet", c.operator()));
        };
        texts.push((c, language));
    }
    let language = |c: &Condition| {
        texts
            .iter()
            .find(|(t, _)| std::ptr::eq(*t, c))
            .map(|(_, l)| l)
    };
    let element = |c: &Condition, v: &str| {
        language(c).is_some_and(|l| l.accepts(v) != c.operator().is_negated())
    };
    let qualified = |c: &Condition| c.operator().qualifier.is_some();
    // The one value `""`: a null data set for set operators, a value for the others.
    let empty_one = |c: &Condition| {
        if is_null(c) {
            null_present(c)
        } else if qualified(c) {
            absent_holds(c)
        } else {
            element(c, "")
        }
    };
    if all(&empty_one) {
        return Ok(Some(KeyState::Values(vec![String::new()])));
    }
    // One other value: every condition tests it.
    if literals
        .iter()
        .all(|(c, want)| !is_null(c) || null_present(c) == *want)
    {
        let mut wanted = Wanted::default();
        for (c, want) in &valued {
            if let Some(l) = language(c) {
                wanted.add(l, *want != c.operator().is_negated());
            }
        }
        wanted.must_not.push(Glob::literal("", false));
        if let Some(v) = wanted.find()? {
            return Ok(Some(KeyState::Values(vec![v])));
        }
    }
    // `["", ""]`: a null data set for set operators; the other operators are false.
    let empty_two = |c: &Condition| {
        if is_null(c) {
            null_present(c)
        } else if qualified(c) {
            absent_holds(c)
        } else {
            false
        }
    };
    if all(&empty_two) {
        return Ok(Some(KeyState::Values(vec![String::new(), String::new()])));
    }
    Ok(several_values(&literals, &texts).map(KeyState::Values))
}

/// The truth of a condition for a request without the key (or with a null data set under its
/// set operator), as [`Condition::holds`] decides it.
fn absent_holds(c: &Condition) -> bool {
    if c.positive() == OperatorBase::Null {
        return c.null_wants_absent().contains(&true);
    }
    let op = c.operator();
    op.if_exists
        || match op.qualifier {
            Some(SetQualifier::ForAllValues) => true,
            Some(SetQualifier::ForAnyValue) => false,
            None => op.is_negated(),
        }
}

/// Several values, not all empty, that decide every literal as wanted, if there are such.
/// Without a set operator a condition is false for several values (`Null` asks only about
/// presence); `ForAllValues` holds when every value satisfies the operator, `ForAnyValue`
/// when one does. So each literal asks every value, or some value, to be in a language.
fn several_values(
    literals: &[(&Condition, bool)],
    texts: &[(&Condition, TextLanguage)],
) -> Option<Vec<String>> {
    let mut every = Wanted::default();
    let mut some: Vec<Wanted> = Vec::new();
    for (c, want) in literals {
        let op = c.operator();
        if c.positive() == OperatorBase::Null {
            if c.null_wants_absent().contains(&false) != *want {
                return None;
            }
            continue;
        }
        let Some(qualifier) = op.qualifier else {
            if *want {
                return None;
            }
            continue;
        };
        let language = texts.iter().find(|(t, _)| std::ptr::eq(*t, *c))?.1.clone();
        // Per value: inside the language when the element must satisfy the operator.
        let satisfy = |inside_wanted: bool| inside_wanted != op.is_negated();
        match (qualifier, *want) {
            (SetQualifier::ForAllValues, true) => every.add(&language, satisfy(true)),
            (SetQualifier::ForAnyValue, false) => every.add(&language, satisfy(false)),
            (SetQualifier::ForAnyValue, true) => {
                let mut w = Wanted::default();
                w.add(&language, satisfy(true));
                some.push(w);
            }
            (SetQualifier::ForAllValues, false) => {
                let mut w = Wanted::default();
                w.add(&language, satisfy(false));
                some.push(w);
            }
        }
    }
    let mut values: Vec<String> = Vec::new();
    for w in some {
        let mut both = every.clone();
        both.must_any.extend(w.must_any);
        both.must_not.extend(w.must_not);
        values.push(both.find().ok()??);
    }
    // At least one value that is not empty, and at least two values.
    if values.iter().all(String::is_empty) {
        let mut other = every.clone();
        other.must_not.push(Glob::literal("", false));
        values.push(other.find().ok()??);
    }
    if values.len() < 2 {
        let mut other = every.clone();
        other
            .must_not
            .extend(values.iter().map(|v| Glob::literal(v, false)));
        let extra = other.find().ok().flatten();
        let first = values.first()?.clone();
        values.push(extra.unwrap_or(first));
    }
    Some(values)
}

/// The language of a text condition's values: a request value satisfies the positive
/// operator when one of the globs accepts it.
#[derive(Clone)]
struct TextLanguage {
    globs: Vec<Glob>,
}

impl TextLanguage {
    fn of(c: &Condition) -> Option<Self> {
        let (how, values) = c.text_values()?;
        Some(TextLanguage {
            globs: values
                .iter()
                .map(|t| match how {
                    TextMatch::Glob { ignore_case } => Glob::plain(t, ignore_case),
                    TextMatch::Arn => Glob::arn(t),
                })
                .collect(),
        })
    }

    fn accepts(&self, text: &str) -> bool {
        self.globs.iter().any(|g| g.accepts(text))
    }
}

/// Languages one value must be in (one glob of each group) and globs it must not match.
#[derive(Clone, Default)]
struct Wanted {
    must_any: Vec<Vec<Glob>>,
    must_not: Vec<Glob>,
}

impl Wanted {
    /// The value inside (or outside) a language.
    fn add(&mut self, language: &TextLanguage, inside: bool) {
        if inside {
            self.must_any.push(language.globs.clone());
        } else {
            self.must_not.extend(language.globs.iter().cloned());
        }
    }

    fn find(&self) -> Result<Option<String>, String> {
        resource_witness(&self.must_any, &self.must_not)
    }
}

/// One request value that every condition of `valued` (one Numeric, Date or IP family, each
/// with whether it must hold) decides as wanted, if there is one: the intersection of each
/// condition's set (its complement for a negated operator that must hold, or a positive one
/// that must fail).
fn typed_witness(family: OperatorFamily, valued: &[(&Condition, bool)]) -> Option<String> {
    macro_rules! solve {
        ($set:ty) => {{
            let mut set = <$set>::all();
            for (c, wanted) in valued {
                let values = <$set>::for_values(c.positive(), c.written_values())?;
                let inside = *wanted != c.operator().is_negated();
                set = set.intersect(&if inside { values } else { values.complement() });
            }
            set.witness()
        }};
    }
    match family {
        OperatorFamily::Numeric => solve!(NumberSet),
        OperatorFamily::Date => solve!(DateSet),
        OperatorFamily::Ip => solve!(IpSet),
        _ => None,
    }
}

/// Checks a counterexample with the evaluator: NEW allows it and EXISTING does not.
fn confirm(
    old: &CompiledPolicy,
    new: &CompiledPolicy,
    example: &Counterexample,
) -> Result<(), String> {
    let principal = RequestPrincipal::parse(CALLER).map_err(|e| e.to_string())?;
    let principal = Arc::new(principal);
    let mut context = Context::new();
    for (key, values) in &example.context {
        context.insert(key, values.clone());
    }
    let request = Request::new(
        Arc::clone(&principal),
        &example.action,
        example.resource.clone(),
        // The policy alone decides: the resource is in the caller's account.
        principal.account.clone(),
        context,
    );
    // The policy alone: the verdict of its layer, not the whole decision, which for a KMS key
    // or a role's trust needs the resource's own policy too (IAM UG, "Policy evaluation
    // logic"; the evaluator answers implicit deny without one).
    let decide = |policy: &CompiledPolicy| {
        PolicySet {
            identity: vec![policy.clone()],
            ..PolicySet::default()
        }
        .explain(&request)
        .layers
        .iter()
        .find(|l| l.layer == PolicyType::Identity)
        .map(|l| l.verdict)
    };
    let (by_new, by_old) = (decide(new), decide(old));
    if by_new == Some(LayerVerdict::Allowed) && by_old != Some(LayerVerdict::Allowed) {
        Ok(())
    } else {
        Err(format!(
            "the counterexample ({} on {}) did not hold when evaluated (new: {by_new:?}, existing: {by_old:?}); this is a bug",
            example.action, example.resource
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_policy;

    fn policy(statements: &str) -> Policy {
        let text = format!(r#"{{"Version": "2012-10-17", "Statement": [{statements}]}}"#);
        parse_policy(&text, Some(crate::PolicyKind::Identity))
            .policy
            .expect("the test policy parses")
    }

    fn verdict(old: &str, new: &str) -> Verdict {
        no_new_access(&policy(old), &policy(new))
    }

    fn fail(old: &str, new: &str) -> Counterexample {
        match verdict(old, new) {
            Verdict::Fail(c) => *c,
            other => panic!("expected a counterexample, got {other:?}"),
        }
    }

    const GET_OBJECT: &str =
        r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}"#;

    // `new_access` lists every class of actions NEW adds, not only the first: `s3:Put*` adds
    // each S3 action whose name starts with `Put` (IAM UG "IAM JSON policy elements: Action")
    // and `s3:GetObject`, already allowed, is in none of them.
    #[test]
    fn new_access_lists_every_added_action() {
        let puts = r#"{"Effect": "Allow", "Action": ["s3:GetObject", "s3:Put*"], "Resource": "arn:aws:s3:::reports/*"}"#;
        let classes = new_access(&policy(GET_OBJECT), &policy(puts));
        let actions: Vec<&str> = classes
            .iter()
            .flat_map(|c| c.actions.iter().map(String::as_str))
            .collect();
        assert!(actions.contains(&"s3:PutObject"), "{actions:?}");
        assert!(actions.contains(&"s3:PutBucketPolicy"), "{actions:?}");
        assert!(!actions.contains(&"s3:GetObject"), "{actions:?}");
        assert!(
            actions.iter().all(|a| a.starts_with("s3:Put")),
            "{actions:?}"
        );
        assert!(classes
            .iter()
            .all(|c| matches!(c.verdict, Verdict::Fail(_))));
        // Nothing new the other way round but `s3:GetObject` stays; and no entry for PASS.
        assert!(new_access(&policy(puts), &policy(GET_OBJECT)).is_empty());
    }

    // IAM UG "IAM JSON policy elements: Action": `s3:Get*` matches every S3 action starting
    // with `Get`, so it allows more than `s3:GetObject`.
    #[test]
    fn widening_an_action_is_new_access() {
        let widened =
            r#"{"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::reports/*"}"#;
        let c = fail(GET_OBJECT, widened);
        assert!(
            c.action.starts_with("s3:Get") && c.action != "s3:GetObject",
            "{c:?}"
        );
        assert!(c.resource.starts_with("arn:aws:s3:::reports/"), "{c:?}");
        assert_eq!(verdict(widened, GET_OBJECT), Verdict::Pass);
        assert_eq!(verdict(GET_OBJECT, GET_OBJECT), Verdict::Pass);
    }

    // IAM UG "IAM JSON policy elements: Resource": `reports*` also names `reports-archive`.
    #[test]
    fn widening_a_resource_is_new_access() {
        let widened =
            r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports*"}"#;
        let c = fail(GET_OBJECT, widened);
        assert_eq!(c.action, "s3:GetObject");
        assert!(!c.resource.starts_with("arn:aws:s3:::reports/"), "{c:?}");
        assert!(c.resource.starts_with("arn:aws:s3:::reports"), "{c:?}");
    }

    // IAM UG "Policy evaluation logic": an explicit deny overrides any allow.
    #[test]
    fn a_deny_never_adds_access_and_removing_one_does() {
        let deny = r#"{"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/secret/*"}"#;
        let with_deny = format!("{GET_OBJECT}, {deny}");
        assert_eq!(verdict(GET_OBJECT, &with_deny), Verdict::Pass);
        let c = fail(&with_deny, GET_OBJECT);
        assert!(
            c.resource.starts_with("arn:aws:s3:::reports/secret/"),
            "{c:?}"
        );
    }

    // IAM UG "IAM JSON policy elements: NotAction": Allow with NotAction allows every action
    // but those listed.
    #[test]
    fn not_action_and_not_resource() {
        let all_but_iam = r#"{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}"#;
        let c = fail(GET_OBJECT, all_but_iam);
        assert!(!c.action.to_ascii_lowercase().starts_with("iam:"), "{c:?}");
        let everything = r#"{"Effect": "Allow", "Action": "*", "Resource": "*"}"#;
        let c = fail(all_but_iam, everything);
        assert!(c.action.to_ascii_lowercase().starts_with("iam:"), "{c:?}");
        let not_reports = r#"{"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::reports/*"}"#;
        let c = fail(GET_OBJECT, not_reports);
        assert!(!c.resource.starts_with("arn:aws:s3:::reports/"), "{c:?}");
    }

    // IAM UG "Condition operators": StringEquals holds only for the listed value; without
    // the key the condition is false. Dropping the condition allows other regions.
    #[test]
    fn dropping_a_condition_is_new_access() {
        let pinned = r#"{"Effect": "Allow", "Action": "ec2:DescribeInstances", "Resource": "*",
            "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}}"#;
        let free = r#"{"Effect": "Allow", "Action": "ec2:DescribeInstances", "Resource": "*"}"#;
        let c = fail(pinned, free);
        assert_eq!(c.action, "ec2:DescribeInstances");
        let region = c
            .context
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("aws:RequestedRegion"));
        assert!(
            region.is_none_or(|(_, v)| v != &["eu-west-1".to_string()]),
            "{c:?}"
        );
        assert_eq!(verdict(free, pinned), Verdict::Pass);
    }

    // IAM UG "Condition operators", "...IfExists": the condition holds when the key is absent.
    #[test]
    fn if_exists_allows_requests_without_the_key() {
        let strict = r#"{"Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "*",
            "Condition": {"StringEquals": {"ec2:InstanceType": "t3.micro"}}}"#;
        let lax = r#"{"Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "*",
            "Condition": {"StringEqualsIfExists": {"ec2:InstanceType": "t3.micro"}}}"#;
        let c = fail(strict, lax);
        assert!(
            c.context
                .iter()
                .all(|(k, _)| !k.eq_ignore_ascii_case("ec2:InstanceType")),
            "the key is absent: {c:?}"
        );
        assert_eq!(verdict(lax, strict), Verdict::Pass);
    }

    // A policy far past AWS's size quotas is answered, not a deep recursion.
    #[test]
    fn many_statements_give_up_without_recursing_deeply() {
        let deny = r#"{"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::x/*",
            "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}}"#;
        let many = std::iter::once(GET_OBJECT)
            .chain(std::iter::repeat_n(deny, 1_500))
            .collect::<Vec<_>>()
            .join(", ");
        let everything = r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}"#;
        assert!(matches!(
            verdict(&many, everything),
            Verdict::Fail(_) | Verdict::Unknown(_)
        ));
        assert!(matches!(
            verdict(everything, &many),
            Verdict::Unknown(_) | Verdict::Pass
        ));
    }

    #[test]
    fn undecided_features_are_unknown_never_pass() {
        let set_on_numbers = r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
            "Condition": {"ForAnyValue:NumericLessThan": {"aws:MultiFactorAuthAge": "1"}}}"#;
        assert!(matches!(
            verdict(GET_OBJECT, set_on_numbers),
            Verdict::Unknown(_)
        ));
    }

    fn value_of<'c>(c: &'c Counterexample, key: &str) -> Option<&'c [String]> {
        c.context
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_slice())
    }

    // IAM UG "IAM policy elements: Variables and tags", "Using variables in policies": at
    // evaluation `${aws:username}` is replaced by the request's value of the key. A Deny of
    // `alice`'s folder in EXISTING holds for the user named `alice`; NEW drops it, so NEW
    // allows `alice` her folder: FAIL, and only a username of `alice` shows it.
    #[test]
    fn a_variable_meets_a_literal_deny() {
        let home = r#"{"Effect": "Allow", "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::bucket/${aws:username}/*"}"#;
        let deny = r#"{"Effect": "Deny", "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::bucket/alice/*"}"#;
        let with_deny = format!("{home}, {deny}");
        let c = fail(&with_deny, home);
        assert_eq!(
            value_of(&c, "aws:username"),
            Some(&["alice".to_string()][..]),
            "{c:?}"
        );
        assert!(
            c.resource.starts_with("arn:aws:s3:::bucket/alice/"),
            "{c:?}"
        );
        // Adding the Deny allows nothing new.
        assert_eq!(verdict(home, &with_deny), Verdict::Pass);
        assert_eq!(verdict(home, home), Verdict::Pass);
    }

    // The same with a wildcard Deny (IAM UG "IAM JSON policy elements: Resource": `*`
    // matches any run of characters): EXISTING denies the folders of every user whose name
    // starts with `a`.
    #[test]
    fn a_variable_meets_a_wildcard_deny() {
        let home = r#"{"Effect": "Allow", "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::bucket/${aws:username}/*"}"#;
        let deny = r#"{"Effect": "Deny", "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::bucket/a*"}"#;
        let c = fail(&format!("{home}, {deny}"), home);
        let user = value_of(&c, "aws:username").expect("the user name is given");
        assert!(user.len() == 1 && user[0].starts_with('a'), "{c:?}");
    }

    // IAM UG "Amazon S3: Allows IAM users access to their S3 home directory, programmatically
    // and in the console": objects under `home/${aws:username}/` only. Every such object is
    // under `home/`, so widening to `home/*` adds the other users' folders, and narrowing
    // from `home/*` to the user's own folder adds nothing.
    #[test]
    fn s3_home_directory() {
        let own = r#"{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
            "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/home/${aws:username}/*"}"#;
        let all = r#"{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
            "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/home/*"}"#;
        assert_eq!(verdict(all, own), Verdict::Pass);
        let c = fail(own, all);
        let user = value_of(&c, "aws:username")
            .and_then(<[String]>::first)
            .cloned()
            .unwrap_or_else(|| "iampol-check".to_string());
        assert!(
            !c.resource
                .starts_with(&format!("arn:aws:s3:::amzn-s3-demo-bucket/home/{user}/")),
            "another user's folder: {c:?}"
        );
        // A request the evaluator allows with NEW only is in GET_OBJECT's bucket too.
        let c = fail(GET_OBJECT, own);
        assert!(
            c.resource
                .starts_with("arn:aws:s3:::amzn-s3-demo-bucket/home/"),
            "{c:?}"
        );
    }

    // IAM UG "Define permissions to access AWS resources based on tags" (ABAC): the
    // resource's `Owner` tag must equal the principal's. Dropping the condition adds
    // requests on resources of another owner; `StringEqualsIfExists` adds the resources
    // without the tag (IAM UG "Condition operators", "...IfExists"); adding the condition
    // adds nothing.
    #[test]
    fn abac_tag_equality() {
        let abac = r#"{"Effect": "Allow", "Action": "ec2:StartInstances", "Resource": "*",
            "Condition": {"StringEquals": {"aws:ResourceTag/Owner": "${aws:PrincipalTag/Owner}"}}}"#;
        let free = r#"{"Effect": "Allow", "Action": "ec2:StartInstances", "Resource": "*"}"#;
        let if_exists = r#"{"Effect": "Allow", "Action": "ec2:StartInstances", "Resource": "*",
            "Condition": {"StringEqualsIfExists": {"aws:ResourceTag/Owner": "${aws:PrincipalTag/Owner}"}}}"#;
        assert_eq!(verdict(free, abac), Verdict::Pass);
        assert_eq!(verdict(if_exists, abac), Verdict::Pass);
        assert_eq!(verdict(abac, abac), Verdict::Pass);
        let c = fail(abac, free);
        assert_ne!(
            value_of(&c, "aws:ResourceTag/Owner").filter(|v| v.len() == 1),
            value_of(&c, "aws:PrincipalTag/Owner").filter(|v| v.len() == 1),
            "{c:?}"
        );
        let c = fail(abac, if_exists);
        assert_eq!(value_of(&c, "aws:ResourceTag/Owner"), None, "{c:?}");
    }

    // IAM UG "Define permissions to access AWS resources based on tags" (ABAC) with a second
    // condition: NEW asks the principal's `team` tag to be `dev` besides the ABAC equality,
    // so it allows a subset of EXISTING (decided over every value of the tags, not only those
    // the policies write); a second allowed value for the resource's tag is new access.
    #[test]
    fn abac_with_a_literal() {
        let abac = r#"{"Effect": "Allow", "Action": "ec2:StopInstances", "Resource": "*",
            "Condition": {"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}}}"#;
        let dev = r#"{"Effect": "Allow", "Action": "ec2:StopInstances", "Resource": "*",
            "Condition": {"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}",
                "aws:PrincipalTag/team": "dev"}}}"#;
        assert_eq!(verdict(abac, dev), Verdict::Pass);
        let c = fail(dev, abac);
        assert_ne!(
            value_of(&c, "aws:PrincipalTag/team"),
            Some(&["dev".to_string()][..]),
            "{c:?}"
        );
        let shared = r#"{"Effect": "Allow", "Action": "ec2:StopInstances", "Resource": "*",
            "Condition": {"StringEquals": {"aws:ResourceTag/team": ["${aws:PrincipalTag/team}", "shared"]}}}"#;
        assert_eq!(verdict(shared, abac), Verdict::Pass);
        let c = fail(abac, shared);
        assert_eq!(
            value_of(&c, "aws:ResourceTag/team"),
            Some(&["shared".to_string()][..]),
            "{c:?}"
        );
    }

    // IAM UG "IAM policy elements: Variables and tags", "Specifying default values": without
    // a `team` tag the variable stands for `company-wide`.
    #[test]
    fn a_variable_with_a_default() {
        let default = r#"{"Effect": "Allow", "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/${aws:PrincipalTag/team, 'company-wide'}/*"}"#;
        let company = r#"{"Effect": "Allow", "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/company-wide/*"}"#;
        let bucket = r#"{"Effect": "Allow", "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*"}"#;
        assert_eq!(verdict(bucket, default), Verdict::Pass);
        // A principal with a `team` tag gets its team's folder, which `company` lacks...
        let c = fail(company, default);
        let team = value_of(&c, "aws:PrincipalTag/team").expect("the tag is given");
        assert_ne!(team, ["company-wide".to_string()], "{c:?}");
        // ... and loses `company-wide/`, which `company` allows whatever the tag.
        let c = fail(default, company);
        let team = value_of(&c, "aws:PrincipalTag/team").expect("the tag is given");
        assert_ne!(team, ["company-wide".to_string()], "{c:?}");
    }

    // IAM UG "IAM policy elements: Variables and tags", "Policy variables with no value": a
    // variable whose key the request lacks makes the `Resource` element match nothing. So a
    // folder named by a tag is only ever allowed with the tag, and a Deny of that folder
    // denies nothing without it.
    #[test]
    fn a_variable_without_a_value() {
        let tagged = r#"{"Effect": "Allow", "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/${aws:PrincipalTag/team}/*"}"#;
        let with_tag = r#"{"Effect": "Allow", "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*",
            "Condition": {"Null": {"aws:PrincipalTag/team": "false"}}}"#;
        assert_eq!(verdict(with_tag, tagged), Verdict::Pass);
        let bucket = r#"{"Effect": "Allow", "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*"}"#;
        let deny = r#"{"Effect": "Deny", "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/${aws:PrincipalTag/team}/*"}"#;
        // EXISTING denies the team's folder; NEW (no Deny) allows it.
        let c = fail(&format!("{bucket}, {deny}"), bucket);
        assert!(value_of(&c, "aws:PrincipalTag/team").is_some(), "{c:?}");
        // Against a policy that allows only tagged principals, the Deny-less NEW adds the
        // untagged ones.
        let c = fail(&format!("{with_tag}, {deny}"), bucket);
        assert_eq!(value_of(&c, "aws:PrincipalTag/team"), None, "{c:?}");
    }

    // IAM UG "Set operators for multivalued context keys": ForAllValues returns true when the
    // request has no value for the key (a null data set); ForAnyValue then returns false. So
    // ForAllValues allows a request without tags, which ForAnyValue does not; and ForAnyValue
    // allows a request whose tags include another key besides `team`, which ForAllValues does
    // not.
    #[test]
    fn set_operators_over_several_values() {
        let any = r#"{"Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "*",
            "Condition": {"ForAnyValue:StringEquals": {"aws:TagKeys": "team"}}}"#;
        let every = r#"{"Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "*",
            "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": "team"}}}"#;
        let c = fail(any, every);
        assert!(
            c.context
                .iter()
                .all(|(k, v)| !k.eq_ignore_ascii_case("aws:TagKeys")
                    || v.iter().all(String::is_empty)),
            "no tag key (or only empty ones): {c:?}"
        );
        let c = fail(every, any);
        let (_, keys) = c
            .context
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("aws:TagKeys"))
            .expect("tag keys are given");
        assert!(keys.iter().any(|k| k == "team"), "{c:?}");
        assert!(keys.iter().any(|k| k != "team"), "{c:?}");
        assert_eq!(verdict(any, any), Verdict::Pass);
        assert_eq!(verdict(every, every), Verdict::Pass);
    }

    // IAM UG "Condition operators", numeric: `aws:MultiFactorAuthAge` NumericLessThan 3600
    // allows sessions authenticated less than an hour ago; raising it to 7200 adds the
    // sessions between one and two hours old.
    #[test]
    fn numeric_conditions_are_intervals() {
        let hour = r#"{"Effect": "Allow", "Action": "iam:CreateUser", "Resource": "*",
            "Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}}"#;
        let two_hours = r#"{"Effect": "Allow", "Action": "iam:CreateUser", "Resource": "*",
            "Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": "7200"}}}"#;
        let c = fail(hour, two_hours);
        let (_, age) = c
            .context
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("aws:MultiFactorAuthAge"))
            .expect("the age is given");
        let age: f64 = age[0].parse().expect("a number");
        assert!((3600.0..7200.0).contains(&age), "{c:?}");
        assert_eq!(verdict(two_hours, hour), Verdict::Pass);
    }

    // IAM UG "Condition operators", IP address: `203.0.113.0/24` is within `203.0.113.0/16`'s
    // network `203.0.0.0/16`; NotIpAddress allows everything outside.
    #[test]
    fn ip_conditions_are_ranges() {
        let narrow = r#"{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*",
            "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}"#;
        let wide = r#"{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*",
            "Condition": {"IpAddress": {"aws:SourceIp": "203.0.0.0/16"}}}"#;
        let c = fail(narrow, wide);
        let ip = &c.context.first().expect("the address is given").1[0];
        assert!(
            ip.starts_with("203.0.") && !ip.starts_with("203.0.113."),
            "{c:?}"
        );
        assert_eq!(verdict(wide, narrow), Verdict::Pass);
        let outside = r#"{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*",
            "Condition": {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}"#;
        // Everything outside the /24 is more than the /16 allowed.
        assert!(!verdict(wide, &format!("{narrow}, {outside}")).is_pass());
    }
}
