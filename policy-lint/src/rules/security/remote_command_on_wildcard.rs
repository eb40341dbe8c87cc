//! `S016` `remote-command-on-wildcard`.

use std::sync::OnceLock;

use policy_core::ast::Statement;

use super::common::{list_names, names_of, unrestricted_grant, ActionList};
use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;
use crate::support::story::is_told_whole;

declare_rule! {
    /// ## What it does
    /// Flags an `Allow` statement of an identity policy that grants, on every resource (`*`,
    /// every resource of a type, or `NotResource`), actions that run commands or open shells
    /// on instances and containers: `ssm:SendCommand`, `ssm:StartSession`,
    /// `ec2-instance-connect:SendSSHPublicKey`,
    /// `ec2-instance-connect:SendSerialConsoleSSHPublicKey` and `ecs:ExecuteCommand`.
    ///
    /// A statement that allows every action (`Action: "*"`, `NotAction`) is left to
    /// `wildcard-action` or `not-action-with-allow`, whose finding tells its whole story.
    ///
    /// ## Why is this bad?
    /// A shell on an instance is a shell with the instance's role: the principal gains the
    /// permissions of every instance profile and task role it can reach, and their data.
    ///
    /// A statement narrowed by a condition is not reported: a positive operator (not
    /// negated, not `…IfExists`, not `ForAllValues:`) on a key that scopes the resources or
    /// the network path, such as `aws:ResourceTag/…` (`ssm:resourceTag/…`), `aws:SourceIp`,
    /// `aws:SourceVpce` or any service key, with a value other than `*`. Nor are the SSM
    /// actions when the statement names the documents they may run (no wildcard): those
    /// documents, not a shell, run on the instances.
    ///
    /// Covers iam-policy-validator: `action_condition_enforcement` (source IP for
    /// `ssm:StartSession` and `ssm:Run*`); cloudsplaining: the `ec2-instance-connect` and
    /// `ecs:ExecuteCommand` paths of its newer `PrivilegeEscalation` methods.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ssm:StartSession", "Resource": "*"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ssm:StartSession", "Resource": "arn:aws:ec2:eu-west-1:111122223333:instance/i-0123456789abcdef0"}]}
    /// ```
    pub RemoteCommandOnWildcard { code: "S016", name: "remote-command-on-wildcard", category: Security, severity: Warning }
}

/// Actions that run commands or open shells.
const ACTIONS: &[&str] = &[
    "ssm:SendCommand",
    "ssm:StartSession",
    "ec2-instance-connect:SendSSHPublicKey",
    "ec2-instance-connect:SendSerialConsoleSSHPublicKey",
    "ecs:ExecuteCommand",
];

/// The actions, resolved once.
fn list() -> &'static ActionList {
    static LIST: OnceLock<ActionList> = OnceLock::new();
    LIST.get_or_init(|| ActionList::new(ACTIONS))
}

/// Whether the statement names the SSM documents it may run, none with a wildcard: then
/// `ssm:SendCommand` and `ssm:StartSession` run only those, on whichever instance.
fn documents_named(statement: &Statement) -> bool {
    let Some(element) = statement.resource.as_ref().filter(|r| !r.negated) else {
        return false;
    };
    let documents: Vec<&str> = element
        .items
        .iter()
        .map(|i| i.node.as_str())
        .filter(|r| r.contains(":document/"))
        .collect();
    !documents.is_empty()
        && !element.items.iter().any(|i| i.node == "*")
        && documents.iter().all(|d| {
            d.rsplit_once(":document/")
                .is_some_and(|(_, name)| !name.contains(['*', '?']))
        })
}

impl Rule for RemoteCommandOnWildcard {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        // A statement that allows every action is `wildcard-action`'s or
        // `not-action-with-allow`'s story.
        if is_told_whole(statement, ctx) {
            return;
        }
        let Some(mut grant) =
            unrestricted_grant(&ctx.facts(statement), statement, ctx.kind(), list())
        else {
            return;
        };
        if documents_named(statement) {
            grant
                .granted
                .retain(|&i| list().get(i).is_some_and(|e| e.service != "ssm"));
            if grant.granted.is_empty() {
                return;
            }
        }
        let names = names_of(list(), &grant.granted);
        ctx.report(
            Self::META,
            grant.at,
            format!(
                "grants {} on every resource: actions that run commands on instances or containers",
                list_names(&names, 3)
            ),
        )
        .help("name the instances or clusters, or narrow them with a tag condition such as `ssm:resourceTag/…`")
        .related(grant.resource, "every resource");
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_listed_action_is_known() {
        assert_eq!(super::list().iter().count(), super::ACTIONS.len());
    }
}
