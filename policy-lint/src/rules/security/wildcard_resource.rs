//! `S003` `wildcard-resource`.

use policy_core::ast::{PolicyKind, Statement};
use policy_core::service_ref::Action;

use super::common::{
    action_by_id, has_positive_action, is_allow, is_resource_level, list_first, list_names,
    resource_pin,
};
use super::service_wildcard_action::replace_item;
use super::wildcard_action::is_full_wildcard;
use crate::context::LintContext;
use crate::declare_rule;
use crate::finding::{Applicability, Fix};
use crate::rule::Rule;
use crate::rules::util::split_arn;

declare_rule! {
    /// ## What it does
    /// Flags, in an `Allow` statement of an identity policy, a `Resource` of `*` (or an ARN
    /// that is effectively `*`, such as `arn:aws:s3:::*`) when the statement's actions
    /// support resource-level permissions: actions that read, write, tag or manage
    /// permissions and name a resource type. List actions, and actions that accept only `*`,
    /// are left out. A statement whose `Action` is `*` is left to `wildcard-action`.
    ///
    /// ## Why is this bad?
    /// The actions could be limited to named resources, but `*` lets them reach every
    /// resource of the account, and of other accounts whose resource policies trust it.
    ///
    /// A statement narrowed by a condition is not reported: a positive operator (not
    /// negated, not `…IfExists`, not `ForAllValues:`) on a key that scopes the resources or
    /// the network path, such as `aws:ResourceTag/…`, `aws:ResourceAccount`,
    /// `aws:ResourceOrgID`, `aws:SourceVpce` or any service key, with a value other than `*`.
    ///
    /// Covers parliament: `RESOURCE_STAR`, `RESOURCE_EFFECTIVELY_STAR`; iam-policy-validator:
    /// `wildcard_resource`; cloudsplaining: `InfrastructureModification` (in part); Access
    /// Analyzer has no such check.
    ///
    /// ## Fix safety
    /// Display only: the fix shows the ARN formats of the actions' resource types, with
    /// stand-ins to fill in.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:PutObject", "s3:DeleteObject"], "Resource": "*"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:PutObject", "s3:DeleteObject"], "Resource": "arn:aws:s3:::reports/*"}]}
    /// ```
    pub WildcardResource { code: "S003", name: "wildcard-resource", category: Security, severity: Warning }
}

/// Whether a `Resource` entry reaches every resource: `*`, or an ARN whose region, account
/// and resource parts are all wildcards or empty (`arn:aws:s3:::*`, `arn:*:lambda:*:*:*`).
pub(crate) fn is_effectively_star(text: &str) -> bool {
    if text == "*" {
        return true;
    }
    let parts = split_arn(text, 6);
    let open = |s: &&str| s.is_empty() || s.bytes().all(|b| b == b'*');
    match parts.as_slice() {
        [_, _, _, region, account, resource] => {
            open(region) && open(account) && !resource.is_empty() && open(resource)
        }
        _ => false,
    }
}

/// At most this many ARN formats are shown in a fix.
const MAX_FORMATS: usize = 12;

impl Rule for WildcardResource {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        if ctx.kind() != PolicyKind::Identity
            || !is_allow(statement)
            || !has_positive_action(statement)
            || statement
                .actions()
                .iter()
                .any(|a| is_full_wildcard(&a.node))
        {
            return;
        }
        let Some(element) = statement.resource.as_ref().filter(|r| !r.negated) else {
            return;
        };
        let Some(star) = element.items.iter().find(|i| is_effectively_star(&i.node)) else {
            return;
        };
        if resource_pin(statement).is_some() {
            return;
        }
        let actions: Vec<Action<'static>> = ctx
            .facts(statement)
            .ids
            .iter()
            .filter(|&&id| is_resource_level(id))
            .filter_map(|&id| action_by_id(id))
            .collect();
        if actions.is_empty() {
            return;
        }
        let names: Vec<String> = actions.iter().take(3).map(Action::full_name).collect();
        let shown = list_first(&names, actions.len());
        let (pronoun, verb) = if actions.len() == 1 {
            ("it", "supports")
        } else {
            ("they", "support")
        };
        let message = format!(
            "`{}` lets {shown} reach every resource, though {pronoun} {verb} resource-level permissions",
            star.node,
        );
        let fix = arn_formats_fix(&actions, element.span, star);
        ctx.report(Self::META, star.span, message)
            .help("name the resources the actions need by ARN, or narrow them with a condition such as `aws:ResourceTag/…`")
            .fix_opt(fix);
    }
}

/// A display-only fix naming the ARN formats of the actions' resource types (the required
/// ones when an action marks some required).
fn arn_formats_fix(
    actions: &[Action<'static>],
    element_span: policy_core::Span,
    star: &policy_core::ast::Node<String>,
) -> Option<Fix> {
    let mut found: Vec<&'static str> = Vec::new();
    for a in actions {
        let required = a.resource_types().any(|rt| rt.is_required());
        for rt in a
            .resource_types()
            .filter(|rt| !required || rt.is_required())
        {
            let format = rt.resource_type().arn_format();
            if !found
                .iter()
                .any(|f| std::ptr::eq(*f, format) || *f == format)
            {
                if found.len() == MAX_FORMATS {
                    return None;
                }
                found.push(format);
            }
        }
    }
    if found.is_empty() {
        return None;
    }
    let mut formats: Vec<String> = found
        .iter()
        .map(|f| f.replace("${Partition}", "aws"))
        .collect();
    formats.sort();
    let content = replace_item(element_span, star, &formats);
    Some(Fix::replace(
        Applicability::DisplayOnly,
        format!(
            "replace `{}` by ARNs of the form {}",
            star.node,
            list_names(&formats, MAX_FORMATS)
        ),
        star.span,
        content,
    ))
}
