//! `N010` `ineffective-statement`.

use policy_core::analysis::compare::{no_new_access, Verdict};
use policy_core::ast::{Effect, Node, Policy, Statement};
use policy_core::service_ref::ServiceRef;
use policy_core::Span;

use crate::context::LintContext;
use crate::declare_rule;
use crate::finding::{Applicability, Fix};
use crate::rule::Rule;
use crate::rules::suspicious::support::{remove_list_item, statement_anchor};
use crate::support::proof::with_statements;

declare_rule! {
    /// ## What it does
    /// Flags a statement whose removal changes no decision, decided exactly over every
    /// request (action of the IAM reference, resource, condition values) rather than by
    /// comparing statements' text:
    /// - an `Allow` statement when the policy without it allows exactly the same requests
    ///   (the other `Allow` statements grant what it grants, or the `Deny` statements take it
    ///   away, or its conditions never hold);
    /// - a `Deny` statement when the other `Deny` statements already deny every request it
    ///   denies.
    ///
    /// A `Deny` that no `Allow` of the same policy reaches is *not* flagged: an explicit deny
    /// in one policy overrides an allow in any other policy that applies to the request (IAM
    /// User Guide, "Policy evaluation logic"), so such a `Deny` still decides requests that
    /// other policies allow.
    ///
    /// When several statements are ineffective only together (two copies of one statement),
    /// one of them is reported (the later), so that removing every reported statement still
    /// changes no decision. Where the decision procedure cannot decide (a policy variable, a
    /// `Principal`, an action the IAM reference does not list) there is no finding.
    ///
    /// This rule is not in the default selection: it decides one question over every request
    /// per statement, which costs more than every other rule together on large policy sets.
    /// Select it by code (`--extend-select N010`) or by name. It finds everything
    /// `redundant-statement` (`N004`) and `shadowed-statement` (`W014`) find, and more.
    ///
    /// ## Why is this bad?
    /// The statement changes nothing. Whoever wrote it probably believes it grants or denies
    /// something the policy would not grant or deny without it: a condition that limits
    /// nothing, an `Allow` a `Deny` cancels, a `Deny` inside another.
    ///
    /// Covers Access Analyzer: `REDUNDANT_STATEMENT` (exactly, for both effects).
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Sid": "ReadReports", "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": ["arn:aws:s3:::reports", "arn:aws:s3:::reports/*"]}, {"Sid": "ReadReportObjects", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/2026/*"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Sid": "ReadReports", "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": ["arn:aws:s3:::reports", "arn:aws:s3:::reports/*"]}]}
    /// ```
    ///
    /// ## Fix safety
    /// Safe: the fix removes the statement, which provably changes no decision, alone or
    /// together with the other statements this rule reports.
    pub IneffectiveStatement { code: "N010", name: "ineffective-statement", category: Suggestion, severity: Note, opt_in: true }
}

impl Rule for IneffectiveStatement {
    fn check_policy(&self, policy: &Policy, ctx: &mut LintContext<'_>) {
        let spans: Vec<Span> = policy.statements.iter().map(|s| s.span).collect();
        for (index, why) in ineffective(policy) {
            let Some(statement) = policy.statements.get(index) else {
                continue;
            };
            let fix = remove_list_item(&spans, index).map(|edit| Fix {
                applicability: Applicability::Safe,
                message: format!("remove statement {}", statement.label()),
                edits: vec![edit],
            });
            let cover = match why {
                Why::AllowCovered(c) | Why::DenyCovered(c) => {
                    c.and_then(|i| policy.statements.get(i))
                }
                Why::AllowDenied => None,
            };
            let label = statement.label();
            let message = match (why, cover) {
                (Why::AllowCovered(_), Some(c)) => format!(
                    "statement {label} changes no decision: statement {} already allows every request it allows",
                    c.label()
                ),
                (Why::AllowCovered(_), None) => format!(
                    "statement {label} changes no decision: the policy allows the same requests without it"
                ),
                (Why::AllowDenied, _) => format!(
                    "statement {label} changes no decision: the policy's `Deny` statements deny every request it allows"
                ),
                (Why::DenyCovered(_), Some(c)) => format!(
                    "statement {label} changes no decision: statement {} already denies every request it denies",
                    c.label()
                ),
                (Why::DenyCovered(_), None) => format!(
                    "statement {label} changes no decision: the policy's other `Deny` statements deny every request it denies"
                ),
            };
            let report = ctx.report(Self::META, statement_anchor(statement), message);
            match cover {
                Some(c) => report.related(statement_anchor(c), "covers it alone"),
                None => report,
            }
            .fix_opt(fix);
        }
    }
}

/// Why a statement changes no decision; the statement that covers it alone, when one does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Why {
    /// An `Allow` that the policy without it allows the same requests as.
    AllowCovered(Option<usize>),
    /// An `Allow` whose requests the `Deny` statements all deny.
    AllowDenied,
    /// A `Deny` whose requests the other `Deny` statements deny.
    DenyCovered(Option<usize>),
}

/// The statements of `policy` that change no decision, by index, with why; from the last to
/// the first. A statement is reported when removing it from the whole policy changes no
/// decision, and also when it is removed from the policy less the statements reported before
/// it: then each fix alone, and all of them together, change no decision. Only the statement
/// tested must be decidable ([`decidable`]): another statement's action the reference does
/// not list reads as matching nothing, which can only hide a finding.
fn ineffective(policy: &Policy) -> Vec<(usize, Why)> {
    let mut found = Vec::new();
    let mut remaining: Vec<usize> = (0..policy.statements.len()).collect();
    for index in (0..policy.statements.len()).rev() {
        let Some(statement) = policy.statements.get(index) else {
            continue;
        };
        let Some(effect) = statement.effect().filter(|_| decidable(statement)) else {
            continue;
        };
        let all: Vec<usize> = (0..policy.statements.len()).collect();
        let Some(why) = changes_nothing(policy, &all, index, effect) else {
            continue;
        };
        let why = if remaining.len() == all.len() {
            why
        } else {
            match changes_nothing(policy, &remaining, index, effect) {
                Some(why) => why,
                None => continue,
            }
        };
        remaining.retain(|&i| i != index);
        found.push((index, why));
    }
    found
}

/// Whether statement `index` changes no decision in the policy of the statements `among`
/// (indices into `policy`, `index` among them), and why.
fn changes_nothing(policy: &Policy, among: &[usize], index: usize, effect: Effect) -> Option<Why> {
    let others: Vec<usize> = among.iter().copied().filter(|&i| i != index).collect();
    match effect {
        Effect::Allow => {
            let with = subset(policy, among, None);
            let without = subset(policy, &others, None);
            if !no_new_access(&without, &with).is_pass() {
                return None;
            }
            // Which statement covers it alone, or whether the Denies take it all away.
            let alone = subset(policy, &[index], None);
            let cover = others.iter().copied().find(|&i| {
                policy.statements.get(i).and_then(Statement::effect) == Some(Effect::Allow)
                    && no_new_access(&subset(policy, &[i], None), &alone).is_pass()
            });
            if cover.is_some() {
                return Some(Why::AllowCovered(cover));
            }
            let denies: Vec<usize> = others
                .iter()
                .copied()
                .filter(|&i| {
                    policy.statements.get(i).and_then(Statement::effect) == Some(Effect::Deny)
                })
                .collect();
            let mut with_denies = denies.clone();
            with_denies.push(index);
            let empty = subset(policy, &[], None);
            if !denies.is_empty()
                && no_new_access(&empty, &subset(policy, &with_denies, None)).is_pass()
            {
                return Some(Why::AllowDenied);
            }
            Some(Why::AllowCovered(None))
        }
        Effect::Deny => {
            // Read as `Allow`, a `Deny` statement matches the requests it denies (matching
            // does not depend on the effect without `NotPrincipal`, which is not decided).
            let denies: Vec<usize> = others
                .iter()
                .copied()
                .filter(|&i| {
                    policy.statements.get(i).and_then(Statement::effect) == Some(Effect::Deny)
                })
                .collect();
            let this = subset(policy, &[index], Some(Effect::Allow));
            let rest = subset(policy, &denies, Some(Effect::Allow));
            if !matches!(no_new_access(&rest, &this), Verdict::Pass) {
                return None;
            }
            let cover = denies.iter().copied().find(|&i| {
                no_new_access(&subset(policy, &[i], Some(Effect::Allow)), &this).is_pass()
            });
            Some(Why::DenyCovered(cover))
        }
    }
}

/// The policy of the statements `indices` of `policy`, each with `effect` when given.
fn subset(policy: &Policy, indices: &[usize], effect: Option<Effect>) -> Policy {
    let statements = indices
        .iter()
        .filter_map(|&i| policy.statements.get(i))
        .map(|s| {
            let mut s = s.clone();
            if let (Some(effect), Some(old)) = (effect, s.effect) {
                s.effect = Some(Node::new(effect, old.span));
            }
            s
        })
        .collect();
    with_statements(policy, statements)
}

/// Whether the decision procedure can be trusted on the statement: it has `Action` or
/// `NotAction`, and each of its `Action` patterns names an action of the IAM reference (the reference may
/// be behind AWS: an action it does not list would read as matching nothing).
fn decidable(statement: &Statement) -> bool {
    let Some(action) = &statement.action else {
        return false;
    };
    action.negated
        || action
            .items
            .iter()
            .all(|a| !ServiceRef::get().expand(&a.node).is_empty())
}
