//! One statement, one story: a statement that allows every action (`Action: *`) or every
//! action but a few (`NotAction` with `Allow`) gets one finding, from `wildcard-action` or
//! `not-action-with-allow`, which names what it leads to (privilege escalation, credentials
//! exposure, ...). The rules about parts of what it allows ask [`is_told_whole`] and leave
//! such a statement alone while its owner runs.

use std::sync::OnceLock;

use policy_core::ast::{Effect, PolicyKind, Statement};

use crate::context::LintContext;
use crate::registry;
use crate::rule::RuleMeta;

/// Whether an `Action` entry matches every action (`*`, `*:*`, `**`).
pub(crate) fn is_full_wildcard(text: &str) -> bool {
    !text.is_empty()
        && text.bytes().all(|b| b == b'*' || b == b':')
        && text.matches(':').count() <= 1
}

/// The rule that tells the whole story of the statement, if any: `wildcard-action` for an
/// `Action` with `*`, `not-action-with-allow` for `NotAction`, when the statement is an
/// `Allow` of an identity or resource policy (what those rules report).
pub(crate) fn owner(statement: &Statement, kind: PolicyKind) -> Option<&'static RuleMeta> {
    static OWNERS: OnceLock<(Option<&'static RuleMeta>, Option<&'static RuleMeta>)> =
        OnceLock::new();
    if statement.effect() != Some(Effect::Allow)
        || !matches!(kind, PolicyKind::Identity | PolicyKind::Resource)
    {
        return None;
    }
    let element = statement.action.as_ref()?;
    let (wildcard, not_action) = OWNERS.get_or_init(|| {
        (
            registry::by_name("wildcard-action"),
            registry::by_name("not-action-with-allow"),
        )
    });
    if element.negated {
        *not_action
    } else if element.items.iter().any(|i| is_full_wildcard(&i.node)) {
        *wildcard
    } else {
        None
    }
}

/// Whether another rule reports the statement as a whole (see [`owner`]) in this run.
pub(crate) fn is_told_whole(statement: &Statement, ctx: &LintContext<'_>) -> bool {
    owner(statement, ctx.kind()).is_some_and(|meta| ctx.settings().is_enabled(meta))
}
