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
//! What the model does not decide yet is answered `Unknown` with the reason, never `Pass`:
//! policy variables, `Principal`/`NotPrincipal`, Numeric/Date/IP operators, set operators
//! (`ForAllValues:`/`ForAnyValue:`). A counterexample is checked with the evaluator before it is
//! reported; if the evaluator disagrees, the answer is `Unknown` (and that is a bug).

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use super::domain::{DateSet, IpSet, NumberSet};
use super::lang::{self, Glob};
use crate::ast::{Effect, OperatorBase, OperatorFamily, Policy};
use crate::eval::condition::{Condition, TextMatch};
use crate::eval::{
    compile, CompiledPolicy, CompiledStatement, Decision, PolicySet, PERMISSIONLESS,
};
use crate::request::{Context, Request, RequestPrincipal};
use crate::service_ref::ServiceRef;

/// How many product states one language question may explore.
const LANG_BUDGET: usize = 200_000;
/// How many choices the search may try for one action class before giving up.
const CHOICE_BUDGET: usize = 100_000;
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
    let old = compile(existing, "existing", 0);
    let new = compile(new, "new", 1);
    if let Some(why) = unsupported(&old).or_else(|| unsupported(&new)) {
        return Verdict::Unknown(why);
    }
    // Action classes: the statements (of both policies) whose actions include the action, and
    // whether the action takes only `"Resource": "*"` (the evaluator then matches `*`).
    let statements: Vec<&CompiledStatement> =
        old.statements.iter().chain(new.statements.iter()).collect();
    let mut classes: BTreeMap<(Vec<bool>, bool), String> = BTreeMap::new();
    for service in reference_actions() {
        // Statements none of whose patterns can name the service decide all its actions
        // alike, without matching each one.
        let relevance: Vec<(bool, bool)> = statements
            .iter()
            .map(|s| s.may_match_service(&service.prefix))
            .collect();
        if relevance.iter().all(|(may, _)| !may) {
            // Every action of the service has the same signature: one class per resource kind.
            let signature: Vec<bool> = relevance.iter().map(|&(_, negated)| negated).collect();
            for wildcard_only in [false, true] {
                if let Some(action) = service
                    .actions
                    .iter()
                    .find(|a| a.wildcard_only == wildcard_only)
                {
                    classes
                        .entry((signature.clone(), wildcard_only))
                        .or_insert_with(|| action.name.clone());
                }
            }
            continue;
        }
        for action in &service.actions {
            let signature: Vec<bool> = statements
                .iter()
                .zip(&relevance)
                .map(|(s, &(may, negated))| {
                    if may {
                        s.matches_action(&action.lower)
                    } else {
                        negated
                    }
                })
                .collect();
            classes
                .entry((signature, action.wildcard_only))
                .or_insert_with(|| action.name.clone());
        }
    }
    let split = old.statements.len();
    let mut unknown: Option<String> = None;
    // Deterministic: classes in the order of their signatures.
    for ((signature, wildcard_only), action) in &classes {
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
        for allow in &new_allows {
            // Either no Allow of EXISTING matches, or one of its Denies does.
            let mut modes: Vec<(Vec<&CompiledStatement>, Vec<&CompiledStatement>)> = Vec::new();
            let mut negative: Vec<&CompiledStatement> = new_denies.clone();
            negative.extend(old_allows.iter().copied());
            modes.push((vec![*allow], negative));
            for deny in &old_denies {
                modes.push((vec![*allow, *deny], new_denies.clone()));
            }
            for (positive, negative) in modes {
                match solve(&positive, &negative, *wildcard_only) {
                    Outcome::Found(witness) => {
                        let example = Counterexample {
                            action: action.clone(),
                            resource: witness.resource,
                            context: witness.context,
                            principal: CALLER.to_string(),
                            allowed_by: {
                                let (i, sid) = allow.position();
                                (i, sid.map(str::to_string))
                            },
                        };
                        return match confirm(&old, &new, &example) {
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
        if let Some((_, patterns)) = s.resource_patterns() {
            if patterns.iter().any(|p| p.tokens().is_none()) {
                return at("a policy variable in `Resource`");
            }
        }
        for c in s.conditions() {
            let op = c.operator();
            if op.qualifier.is_some() {
                return at(&format!("the set operator `{op}`"));
            }
            let family = c.positive().family();
            let typed = matches!(
                family,
                OperatorFamily::Numeric | OperatorFamily::Date | OperatorFamily::Ip
            );
            if family != OperatorFamily::Null && !typed && c.text_values().is_none() {
                return at(&format!("`{op}` with a policy variable in its values"));
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
}

/// A request that every statement of `positive` matches (action aside) and no statement of
/// `negative` does.
fn solve(
    positive: &[&CompiledStatement],
    negative: &[&CompiledStatement],
    wildcard_only: bool,
) -> Outcome {
    let mut choice: Vec<Breaker<'_>> = Vec::with_capacity(negative.len());
    let mut tried = 0usize;
    let search = Search {
        positive,
        negative,
        wildcard_only,
    };
    search.run(&mut choice, &mut tried)
}

/// One search: the statements that must match and those that must not.
struct Search<'a, 's> {
    positive: &'a [&'s CompiledStatement],
    negative: &'a [&'s CompiledStatement],
    /// The action takes only `"Resource": "*"`: the resource is `*`.
    wildcard_only: bool,
}

impl<'s> Search<'_, 's> {
    fn run(&self, choice: &mut Vec<Breaker<'s>>, tried: &mut usize) -> Outcome {
        let negative = self.negative;
        *tried += 1;
        if *tried > CHOICE_BUDGET {
            return Outcome::GaveUp(format!("more than {CHOICE_BUDGET} cases"));
        }
        // Check the choices so far: a dead end is cut here.
        let partial = self.check(choice);
        let Some(next) = negative.get(choice.len()) else {
            return partial;
        };
        if !matches!(partial, Outcome::Found(_)) {
            return partial;
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

    /// Whether the positive statements and the breakers chosen for the first negative ones can
    /// hold together, with a witness.
    fn check(&self, choice: &[Breaker<'_>]) -> Outcome {
        let (positive, negative) = (self.positive, self.negative);
        // Resource: inside one pattern of each positive `Resource` (outside every pattern of a
        // `NotResource`), and outside the patterns of each statement broken by its resource.
        let mut must_any: Vec<Vec<Glob>> = Vec::new();
        let mut must_not: Vec<Glob> = Vec::new();
        for s in positive {
            if let Some((negated, patterns)) = s.resource_patterns() {
                let globs = patterns.iter().filter_map(|p| p.tokens().map(Glob::arn));
                if negated {
                    must_not.extend(globs);
                } else {
                    must_any.push(globs.collect());
                }
            }
        }
        let holds: Vec<&Condition> = positive.iter().flat_map(|s| s.conditions()).collect();
        let mut fails: Vec<&Condition> = Vec::new();
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
/// fails (no set operators: see [`unsupported`]); `Ok(None)` when there is none.
fn key_witness(holds: &[&Condition], fails: &[&Condition]) -> Result<Option<KeyState>, String> {
    // Absent: a condition holds by the evaluator's rule for a missing key.
    let absent_holds = |c: &Condition| {
        if c.positive() == OperatorBase::Null {
            c.null_wants_absent().contains(&true)
        } else {
            c.operator().if_exists || c.operator().is_negated()
        }
    };
    if holds.iter().all(|c| absent_holds(c)) && fails.iter().all(|c| !absent_holds(c)) {
        return Ok(Some(KeyState::Absent));
    }
    // Several values: without a set operator, every condition but `Null` is false; `Null`
    // holds when it asks for the key to be present.
    let many_holds = |c: &Condition| {
        c.positive() == OperatorBase::Null && c.null_wants_absent().contains(&false)
    };
    if holds.iter().all(|c| many_holds(c)) && fails.iter().all(|c| !many_holds(c)) {
        // Two values no condition reads (the conditions that must hold are all `Null`).
        return Ok(Some(KeyState::Values(vec!["a".into(), "b".into()])));
    }
    // One value: `Null` asks only about presence; each other condition puts the value
    // inside (or outside) the union of its values' languages.
    let null_ok = holds
        .iter()
        .filter(|c| c.positive() == OperatorBase::Null)
        .all(|c| c.null_wants_absent().contains(&false))
        && fails
            .iter()
            .filter(|c| c.positive() == OperatorBase::Null)
            .all(|c| !c.null_wants_absent().contains(&false));
    if !null_ok {
        return Ok(None);
    }
    let valued: Vec<(&Condition, bool)> = holds
        .iter()
        .map(|c| (*c, true))
        .chain(fails.iter().map(|c| (*c, false)))
        .filter(|(c, _)| c.positive() != OperatorBase::Null)
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
            return Ok(typed_witness(first, &valued).map(|v| KeyState::Values(vec![v])));
        }
        if families.iter().any(|&f| typed(f)) {
            return Err(
                "a key tested by string and Numeric, Date or IP operators is not decided yet"
                    .into(),
            );
        }
    }
    let mut must_any: Vec<Vec<Glob>> = Vec::new();
    let mut must_not: Vec<Glob> = Vec::new();
    for (c, wanted) in holds
        .iter()
        .map(|c| (c, true))
        .chain(fails.iter().map(|c| (c, false)))
    {
        if c.positive() == OperatorBase::Null {
            continue;
        }
        let Some((how, values)) = c.text_values() else {
            return Err(format!("`{}` is not decided yet", c.operator()));
        };
        let globs: Vec<Glob> = values
            .iter()
            .map(|t| match how {
                TextMatch::Glob { ignore_case } => Glob::plain(t, ignore_case),
                TextMatch::Arn => Glob::arn(t),
            })
            .collect();
        // The value is in the union when the positive operator must hold.
        if wanted == c.operator().is_negated() {
            must_not.extend(globs);
        } else {
            must_any.push(globs);
        }
    }
    Ok(resource_witness(&must_any, &must_not)?.map(|v| KeyState::Values(vec![v])))
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
    let decide = |policy: &CompiledPolicy| {
        PolicySet {
            identity: vec![policy.clone()],
            ..PolicySet::default()
        }
        .evaluate(&request)
        .decision
    };
    let (by_new, by_old) = (decide(new), decide(old));
    if by_new == Decision::Allowed && by_old != Decision::Allowed {
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

    #[test]
    fn undecided_features_are_unknown_never_pass() {
        let set = r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
            "Condition": {"ForAnyValue:StringEquals": {"aws:TagKeys": "team"}}}"#;
        assert!(matches!(verdict(GET_OBJECT, set), Verdict::Unknown(_)));
        let variable = r#"{"Effect": "Allow", "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::home/${aws:username}/*"}"#;
        assert!(matches!(verdict(GET_OBJECT, variable), Verdict::Unknown(_)));
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
