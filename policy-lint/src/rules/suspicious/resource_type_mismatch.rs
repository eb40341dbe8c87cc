//! `W012` `resource-type-mismatch`.

use policy_core::ast::Statement;

use crate::context::LintContext;
use crate::declare_rule;
use crate::facts::action_by_id;
use crate::rule::Rule;
use crate::rules::suspicious::support::has_glob;
use crate::support::resource_types::{only_foreign_types, Applicability};

declare_rule! {
    /// ## What it does
    /// Flags an action that can be authorized only on resource types none of which any ARN
    /// of the statement's `Resource` can be, according to the ARN formats of the IAM
    /// reference: `s3:ListBucket` (a bucket) with only object ARNs
    /// (`arn:aws:s3:::reports/*`), `s3:GetObject` with only a bucket ARN. For a pattern such
    /// as `s3:Get*`, it is reported only when none of the actions it matches fits.
    ///
    /// It reports only what is certain: not when a resource is `*`, has a wildcard or variable
    /// in its service part, or matches no ARN format of its service; not for actions that
    /// accept only `"Resource": "*"` (see `wildcard-only-action-with-resource`), that the
    /// reference authorizes only on other services' resource types, or for which the
    /// reference is known to be incomplete (tagging actions, `elasticloadbalancing`).
    /// Wildcards and policy variables in ARNs stand for anything they could match, part by
    /// part: a `*` does not cross the colons between the six parts of an ARN.
    ///
    /// ## Why is this bad?
    /// AWS authorizes the action against the ARN of its resource, which none of the
    /// statement's ARNs match: the statement never grants (or denies) the action. The usual
    /// cause is a bucket-level action paired with object ARNs, or the reverse.
    ///
    /// Covers parliament: `RESOURCE_MISMATCH`; iam-policy-validator: `resource_mismatch`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetObject"], "Resource": "arn:aws:s3:::reports/*"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetObject"], "Resource": ["arn:aws:s3:::reports", "arn:aws:s3:::reports/*"]}]}
    /// ```
    pub ResourceTypeMismatch { code: "W012", name: "resource-type-mismatch", category: Suspicious, severity: Warning }
}

impl Rule for ResourceTypeMismatch {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        let (Some(action), Some(resource)) = (&statement.action, &statement.resource) else {
            return;
        };
        if action.negated || resource.negated || resource.items.is_empty() {
            return;
        }
        // Which actions can apply to the resources: the answer the security rules use too.
        let mut applicability = Applicability::new(resource.items.iter().map(|r| r.node.as_str()));
        if applicability.is_unlimited() {
            return;
        }
        let facts = ctx.facts(statement);
        for (item, entry) in action.items.iter().zip(&facts.items) {
            let text = item.node.as_str();
            let wild = has_glob(text);
            // The entry's actions, in the reference's order (resolved once per statement).
            let mut actions = entry.ids.iter().filter_map(|&id| action_by_id(id));
            let Some(first) = actions.next() else {
                continue;
            };
            // Actions that accept only `*` are `wildcard-only-action-with-resource`'s; those
            // the reference authorizes only on other services' types are too uncertain.
            if std::iter::once(first).chain(actions).any(|a| {
                a.accepts_only_wildcard_resource()
                    || only_foreign_types(&a)
                    || applicability.applies(&a)
            }) {
                continue;
            }
            let (message, types) = if wild {
                (
                    format!("no action `{text}` matches can be authorized on the resources of this statement"),
                    None,
                )
            } else {
                let types: Vec<_> = first
                    .resource_types()
                    .map(|rt| rt.resource_type())
                    .collect();
                let shown = types
                    .iter()
                    .copied()
                    .min_by_key(|t| t.arn_format().matches("${").count());
                let names = types
                    .iter()
                    .map(|t| format!("`{}`", t.name()))
                    .collect::<Vec<_>>()
                    .join(", ");
                (
                    format!("`{text}` applies to {names} resources, and no resource of this statement is one"),
                    shown.map(|t| t.arn_format()),
                )
            };
            let help = match types {
                Some(format) => format!("add a resource of the form `{format}`, or move the action to a statement that has one"),
                None => "name resources these actions apply to, or move the actions to a statement that does".to_string(),
            };
            ctx.report(Self::META, item.span, message)
                .help(help)
                .related(resource.span, "these resources");
        }
    }
}
