//! `S030` `cross-account-permissions-management`.

use std::sync::OnceLock;

use policy_core::ast::{Policy, PolicyKind, PrincipalKind, Statement};
use policy_core::service_ref::{AccessLevel, ServiceRef};

use super::common::{
    is_allow, list_names, names_of, pinning_condition, principal_account, principals,
    requires_bool_true, wildcard_principal, ActionList, Fixed,
};
use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;
use crate::rules::util::split_arn;

declare_rule! {
    /// ## What it does
    /// Flags an `Allow` statement of a resource policy that grants another account actions
    /// of the Permissions management access level: the actions that change who may use the
    /// resource, its own policy first (`s3:PutBucketPolicy`, `s3:PutBucketAcl`,
    /// `kms:PutKeyPolicy`, `lambda:AddPermission`, `sqs:SetQueueAttributes`,
    /// `sns:SetTopicAttributes`, `secretsmanager:PutResourcePolicy`,
    /// `ecr:SetRepositoryPolicy`, and every other action the Service Authorization Reference
    /// puts at that level), including through a wildcard (`kms:*`, `s3:*`).
    ///
    /// Another account is an `AWS` principal of an account that is not ours, or `"*"` (or
    /// `{"AWS": "*"}`) pinned only to an organization (`aws:PrincipalOrgID`,
    /// `aws:PrincipalOrgPaths`) or to accounts that are not ours (`aws:PrincipalAccount`,
    /// `kms:CallerAccount`, `aws:PrincipalArn`). Ours: the configured `accounts`, else the
    /// accounts of the policy's resource ARNs, else, in a key policy, the account of the
    /// statement AWS's default key policy writes (`Sid` `Enable IAM User Permissions`). When
    /// none is known only the organization-wide grant is reported. `"*"` with no such pin is
    /// left to `resource-policy-public`.
    ///
    /// ## Why is this bad?
    /// Whoever may change a resource's policy owns the resource: the other account can grant
    /// itself everything, lock the owner out, or make the resource public. The KMS Developer
    /// Guide ("Allowing users in other accounts to use a KMS key") gives other accounts only
    /// the cryptographic operations, never `kms:*` or `kms:PutKeyPolicy`.
    ///
    /// Not reported: `kms:CreateGrant`, `kms:RevokeGrant` and `kms:RetireGrant` under
    /// `"Bool": {"kms:GrantIsForAWSResource": "true"}` (the KMS Developer Guide's own
    /// cross-account example, which lets AWS services that use the key create grants), and
    /// `s3:ObjectOwnerOverrideToBucketOwner`, which hands ownership of replicas to the
    /// bucket owner (S3 User Guide, "Changing the replica owner").
    ///
    /// ## Example
    /// ```json,expect_finding,kind=resource
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": ["sqs:SendMessage", "sqs:SetQueueAttributes"], "Resource": "arn:aws:sqs:us-east-2:111122223333:orders"}]}
    /// ```
    ///
    /// ## Use instead
    /// Keep the queue's administration in its own account (and give the other account only
    /// `sqs:SendMessage` in a statement of its own):
    /// ```json,kind=resource
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/queue-admin"}, "Action": "sqs:SetQueueAttributes", "Resource": "arn:aws:sqs:us-east-2:111122223333:orders"}]}
    /// ```
    pub CrossAccountPermissionsManagement { code: "S030", name: "cross-account-permissions-management", category: Security, severity: Warning }
}

/// The Permissions management actions that stay with the resource's owner or are the
/// documented cross-account forms (see the rule's doc).
const GRANT_ACTIONS: [&str; 3] = ["kms:CreateGrant", "kms:RevokeGrant", "kms:RetireGrant"];
const OWNER_ACTIONS: [&str; 1] = ["s3:ObjectOwnerOverrideToBucketOwner"];

/// The `Sid` of the statement of AWS's default key policy that names the key's account.
const DEFAULT_KEY_POLICY_SID: &str = "Enable IAM User Permissions";

/// Every action of the Permissions management access level, resolved once.
fn list() -> &'static ActionList {
    static LIST: OnceLock<ActionList> = OnceLock::new();
    LIST.get_or_init(|| {
        ActionList::from_actions(ServiceRef::get().actions().filter(|a| {
            let name = a.full_name();
            a.access_level() == AccessLevel::PermissionsManagement
                && !OWNER_ACTIONS.iter().any(|o| o.eq_ignore_ascii_case(&name))
        }))
    })
}

impl Rule for CrossAccountPermissionsManagement {
    fn check_policy(&self, policy: &Policy, ctx: &mut LintContext<'_>) {
        if ctx.kind() != PolicyKind::Resource {
            return;
        }
        let ours = our_accounts(policy, &ctx.settings().accounts);
        for statement in &policy.statements {
            if !is_allow(statement) {
                continue;
            }
            let facts = ctx.facts(statement);
            let grant_exempt = grants_for_aws_resources(statement);
            let Some(element) = &statement.action else {
                continue;
            };
            let granted: Vec<usize> = list()
                .covered(&facts, element.negated)
                .into_iter()
                .filter(|&i| {
                    !(grant_exempt
                        && list().get(i).is_some_and(|e| {
                            GRANT_ACTIONS
                                .iter()
                                .any(|g| g.eq_ignore_ascii_case(&e.display))
                        }))
                })
                .collect();
            if granted.is_empty() {
                continue;
            }
            let actions = list_names(&names_of(list(), &granted), 3);
            for (span, who) in foreign_principals(statement, &ours) {
                ctx.report(
                    Self::META,
                    span,
                    format!("{who} may change who can use this resource: {actions}"),
                )
                .help("keep the actions that change the resource's policy in the owning account; give other accounts only the actions they use");
            }
        }
    }
}

/// The accounts that own the policy's resource (see the rule's doc).
fn our_accounts(policy: &Policy, configured: &[String]) -> Vec<String> {
    if !configured.is_empty() {
        return configured.to_vec();
    }
    let mut found: Vec<String> = Vec::new();
    let add = |found: &mut Vec<String>, account: &str| {
        if !found.iter().any(|f| f == account) {
            found.push(account.to_string());
        }
    };
    for statement in &policy.statements {
        for r in statement.resources() {
            if let Some(account) = split_arn(&r.node, 6)
                .get(4)
                .filter(|a| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()))
            {
                add(&mut found, account);
            }
        }
    }
    if found.is_empty() {
        let default = policy.statements.iter().find(|s| {
            s.sid
                .as_ref()
                .is_some_and(|sid| sid.node == DEFAULT_KEY_POLICY_SID)
        });
        for p in default.map(principals).unwrap_or_default() {
            if p.kind == Some(PrincipalKind::Aws) {
                if let Some(account) = principal_account(p.value) {
                    add(&mut found, account);
                }
            }
        }
    }
    found
}

/// The statement's principals that belong to another account, with a description.
fn foreign_principals(statement: &Statement, ours: &[String]) -> Vec<(policy_core::Span, String)> {
    let is_ours = |account: &str| ours.iter().any(|o| o == account);
    let mut out = Vec::new();
    if let Some(wildcard) = wildcard_principal(statement) {
        if let Some(kv) = pinning_condition(statement, Fixed::Strict, |k| {
            matches!(k, "aws:principalorgid" | "aws:principalorgpaths")
        }) {
            let orgs: Vec<String> = kv
                .values
                .iter()
                .map(|v| v.node.as_text().into_owned())
                .collect();
            out.push((
                wildcard.span,
                format!("every account of {}", list_names(&orgs, 2)),
            ));
        } else if !ours.is_empty() {
            let pinned = pinning_condition(statement, Fixed::Strict, |k| {
                matches!(
                    k,
                    "aws:principalaccount" | "kms:calleraccount" | "aws:principalarn"
                )
            });
            if let Some(kv) = pinned {
                let foreign: Vec<String> = kv
                    .values
                    .iter()
                    .filter_map(|v| {
                        let text = v.node.as_text();
                        principal_account(&text)
                            .filter(|a| !is_ours(a))
                            .map(str::to_string)
                    })
                    .collect();
                if !foreign.is_empty() {
                    out.push((
                        wildcard.span,
                        format!("account {}", list_names(&foreign, 2)),
                    ));
                }
            }
        }
    }
    if ours.is_empty() {
        return out;
    }
    for p in principals(statement) {
        if p.kind != Some(PrincipalKind::Aws) {
            continue;
        }
        if let Some(account) = principal_account(p.value).filter(|a| !is_ours(a)) {
            out.push((p.span, format!("`{}` of account `{account}`", p.value)));
        }
    }
    out
}

/// Whether the statement requires `kms:GrantIsForAWSResource` to be true.
fn grants_for_aws_resources(statement: &Statement) -> bool {
    requires_bool_true(statement, "kms:GrantIsForAWSResource")
}
