//! `N009` `redundant-principal`.

use policy_core::ast::{PrincipalKind, Statement};

use crate::context::LintContext;
use crate::declare_rule;
use crate::finding::{Applicability, Fix};
use crate::rule::Rule;
use crate::rules::suspicious::support::{is_account_id, remove_node};

declare_rule! {
    /// ## What it does
    /// Flags an `AWS` principal that another principal of the same list already includes:
    /// the same value twice (an account ID and its `arn:aws:iam::ID:root` count as the
    /// same), a role session (`arn:aws:sts::ID:assumed-role/name/session`) listed with its
    /// role, or anything listed with `"*"`. `Service`, `Federated` and `CanonicalUser`
    /// values are checked for duplicates. The fix removes the item. `NotPrincipal` is not
    /// checked: with `Deny`, AWS matches the account, the role and the role session of a
    /// caller separately, so a `NotPrincipal` lists all three on purpose (IAM User Guide,
    /// "AWS JSON policy elements: `NotPrincipal`"), and removing one denies that caller.
    ///
    /// ## Why is this bad?
    /// A role ARN in a principal matches every session of the role, and `"*"` every
    /// principal, so the extra entry adds nothing; it often hides a mistake such as a `"*"`
    /// that was meant to be removed.
    ///
    /// Covers Access Analyzer: `REDUNDANT_PRINCIPAL_IN_ROLE_TRUST_POLICY`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=trust
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::111122223333:role/deploy", "arn:aws:sts::111122223333:assumed-role/deploy/ci"]}, "Action": "sts:AssumeRole"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=trust
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::111122223333:role/deploy"]}, "Action": "sts:AssumeRole"}]}
    /// ```
    ///
    /// ## Fix safety
    /// Safe: the `Principal` element matches the same callers without the item (the rule
    /// never edits `NotPrincipal`).
    pub RedundantPrincipal { code: "N009", name: "redundant-principal", category: Suggestion, severity: Note }
}

/// The canonical form of an `AWS` principal: an account ID becomes its root ARN.
fn canonical(kind: PrincipalKind, text: &str) -> String {
    if kind == PrincipalKind::Aws && is_account_id(text) {
        format!("arn:aws:iam::{text}:root")
    } else {
        text.to_string()
    }
}

/// The role ARN (without path) of a role-session ARN, as `(partition, account, role)`.
fn session_role(text: &str) -> Option<(&str, &str, &str)> {
    let rest = text.strip_prefix("arn:")?;
    let mut parts = rest.splitn(5, ':');
    let (partition, service, _, account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    if service != "sts" {
        return None;
    }
    let (role, session) = resource.strip_prefix("assumed-role/")?.split_once('/')?;
    (!role.is_empty() && !session.is_empty()).then_some((partition, account, role))
}

/// Whether `text` is the ARN of the role `role` in `account` (any path).
fn is_role(text: &str, partition: &str, account: &str, role: &str) -> bool {
    let prefix = format!("arn:{partition}:iam::{account}:role/");
    text.strip_prefix(&prefix)
        .is_some_and(|path| path == role || path.ends_with(&format!("/{role}")))
}

impl Rule for RedundantPrincipal {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        // `NotPrincipal` is left alone: with `Deny`, AWS matches the account, the role and
        // the session separately (IAM User Guide, "AWS JSON policy elements: NotPrincipal"),
        // so an item that looks covered by another one still changes who is excluded.
        let Some(principal) = statement.principal.as_ref().filter(|p| !p.negated) else {
            return;
        };
        for entry in principal.value.entries() {
            let values = &entry.values;
            if values.len() < 2 {
                continue;
            }
            let kind = entry.kind.node;
            let star = values.iter().position(|v| v.node == "*");
            for (j, value) in values.iter().enumerate() {
                let text = value.node.as_str();
                let this = canonical(kind, text);
                let earlier = values
                    .iter()
                    .take(j)
                    .position(|v| canonical(kind, &v.node) == this);
                let (by, reason) = if let Some(i) = earlier {
                    (i, "the same principal is listed before")
                } else if let Some(i) = star.filter(|&i| i != j && kind == PrincipalKind::Aws) {
                    (i, "`*` already matches every principal")
                } else if let Some((partition, account, role)) =
                    session_role(text).filter(|_| kind == PrincipalKind::Aws)
                {
                    match values
                        .iter()
                        .position(|v| is_role(&v.node, partition, account, role))
                    {
                        Some(i) => (i, "the role already matches all of its sessions"),
                        None => continue,
                    }
                } else {
                    continue;
                };
                let by_span = values.get(by).map_or(value.span, |v| v.span);
                let fix = remove_node(values, j).map(|edit| Fix {
                    applicability: Applicability::Safe,
                    message: format!("remove `{text}`"),
                    edits: vec![edit],
                });
                ctx.report(
                    Self::META,
                    value.span,
                    format!("principal `{text}` is redundant: {reason}"),
                )
                .related(by_span, "covered by this principal")
                .fix_opt(fix);
            }
        }
    }
}
