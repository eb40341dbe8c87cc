//! `S021` `key-policy-grants-all-kms`.

use policy_core::ast::{PolicyKind, PrincipalKind, Statement};

use super::common::{action_pattern_matches, is_account_principal, is_allow, principals};
use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags an `Allow` statement of a resource policy (a KMS key policy) that grants every
    /// KMS action (`kms:*` or `*`) to a principal other than an account: a role, a user or
    /// a service. The statement that gives the account root `kms:*` (which delegates to IAM
    /// policies) is the default and is not reported; wildcard principals are left to
    /// `resource-policy-public`.
    ///
    /// ## Why is this bad?
    /// `kms:*` mixes the key's administration (`kms:PutKeyPolicy`,
    /// `kms:ScheduleKeyDeletion`, `kms:DisableKey`) with its use (`kms:Decrypt`). A role that
    /// only encrypts can then take the key over or destroy the data it protects. AWS's
    /// default key policy gives key administrators and key users separate lists of actions.
    ///
    /// Conditions do not split administration from use, so a statement with conditions is
    /// still reported.
    ///
    /// Covers iam-policy-validator: `wildcard_action`/`service_wildcard` (in part);
    /// cloudsplaining: `ServiceWildcard` (for key policies it is given); Access Analyzer and
    /// parliament have no such check.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=resource
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/app"}, "Action": "kms:*", "Resource": "*"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=resource
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/app"}, "Action": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"], "Resource": "*"}]}
    /// ```
    pub KeyPolicyGrantsAllKms { code: "S021", name: "key-policy-grants-all-kms", category: Security, severity: Warning }
}

impl Rule for KeyPolicyGrantsAllKms {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        if ctx.kind() != PolicyKind::Resource || !is_allow(statement) {
            return;
        }
        let Some(element) = statement.action.as_ref().filter(|a| !a.negated) else {
            return;
        };
        // Every KMS action: a pattern that matches both an administrative and a use action.
        let Some(item) = element.items.iter().find(|i| {
            action_pattern_matches(&i.node, "kms", "PutKeyPolicy")
                && action_pattern_matches(&i.node, "kms", "Decrypt")
                && action_pattern_matches(&i.node, "kms", "ScheduleKeyDeletion")
        }) else {
            return;
        };
        // Only key policies: the resource is the key itself (`*`).
        if !statement.resources().iter().any(|r| r.node == "*") {
            return;
        }
        for p in principals(statement) {
            let delegated = match p.kind {
                Some(PrincipalKind::Aws) => p.value == "*" || is_account_principal(p.value),
                None => true,
                Some(_) => false,
            };
            if delegated {
                continue;
            }
            ctx.report(
                Self::META,
                p.span,
                format!(
                    "`{}` gives `{}` every KMS action on the key, its administration included",
                    item.node, p.value
                ),
            )
            .help("give key users only `kms:Encrypt`, `kms:Decrypt`, `kms:ReEncrypt*`, `kms:GenerateDataKey*` and `kms:DescribeKey`, and key administrators the administrative actions")
            .related(item.span, "every KMS action");
        }
    }
}
