//! `S011` `privilege-escalation`.

use policy_core::ast::{Policy, PolicyKind, Statement};

use super::common::{label, list_names, EscalationGrants, OpenPath};
use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;
use crate::support::story::is_told_whole;

declare_rule! {
    /// ## What it does
    /// Flags an identity policy whose `Allow` statements, taken together, grant every action
    /// of one of the privilege-escalation paths of pathfinding.cloud (65 paths: changing
    /// policies such as `iam:CreatePolicyVersion` or `iam:PutRolePolicy`, acting as other
    /// users with `iam:CreateAccessKey`, taking over code that runs with a role such as
    /// `lambda:UpdateFunctionCode` or `ssm:SendCommand`, and `iam:PassRole` with a service
    /// that runs code under the passed role, such as `ec2:RunInstances` or `ecs:RunTask`).
    /// The finding names the path's id (`ec2-001`) and the statements that grant it.
    ///
    /// An action counts when an `Allow` grants it (by name, by a wildcard, or by leaving it
    /// out of `NotAction`, all matched against the IAM reference) on every resource of a
    /// type it applies to (`*`, every resource of a type such as `…:role/*`, or
    /// `NotResource`), with no condition that narrows the resources (a positive operator on
    /// `aws:ResourceTag/…`, `aws:ResourceAccount`, `iam:PolicyARN` or another service key,
    /// with a value other than `*`), and no `Deny` statement without conditions takes it
    /// away on `*`. `Action: "*"` on `arn:aws:iam::*:role/*` grants the role actions, not
    /// `ec2:RunInstances`.
    ///
    /// `iam:PassedToService` limits where a role goes, not which role: `iam:PassRole` on
    /// every role with `iam:PassedToService` pinned to `ec2.amazonaws.com` together with
    /// `ec2:RunInstances` is still path `ec2-001`. The condition closes only the paths whose
    /// service it leaves out.
    ///
    /// A path granted by one statement that allows every action (`Action: "*"`, or
    /// `NotAction`) is left to `wildcard-action` or `not-action-with-allow`, whose finding
    /// names it.
    ///
    /// ## Why is this bad?
    /// A principal with any of these sets can make itself an administrator, or act as a
    /// more powerful principal, whatever the rest of the policy says.
    ///
    /// Covers cloudsplaining: `PrivilegeEscalation`; parliament (community auditors):
    /// `PRIVILEGE_ESCALATION`; iam-policy-validator: `sensitive_action`
    /// (`privilege_escalation`); Access Analyzer: only the `PASS_ROLE_*` part.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Sid": "Pass", "Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}, {"Sid": "Run", "Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "*"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Sid": "Pass", "Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::111122223333:role/web-server", "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}}, {"Sid": "Run", "Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "*", "Condition": {"StringEquals": {"ec2:Vpc": "arn:aws:ec2:eu-west-1:111122223333:vpc/vpc-1a2b3c4d"}}}]}
    /// ```
    pub PrivilegeEscalation { code: "S011", name: "privilege-escalation", category: Security, severity: Warning }
}

impl Rule for PrivilegeEscalation {
    fn check_policy(&self, policy: &Policy, ctx: &mut LintContext<'_>) {
        if ctx.kind() != PolicyKind::Identity {
            return;
        }
        let mut grants = EscalationGrants::new();
        for statement in &policy.statements {
            grants.add(statement, &ctx.facts(statement));
        }
        // A path that one statement allowing every action grants by itself is that
        // statement's story (`wildcard-action`, `not-action-with-allow`).
        let found: Vec<OpenPath<'_>> = grants
            .open_paths()
            .into_iter()
            .filter(|open| {
                !open
                    .grants
                    .iter()
                    .all(|(_, g)| is_told_whole(g.statement, ctx))
            })
            .collect();
        let Some(first) = found.first() else {
            return;
        };
        let mut statements: Vec<&Statement> = Vec::new();
        for (_, g) in &first.grants {
            if !statements.iter().any(|s| std::ptr::eq(*s, g.statement)) {
                statements.push(g.statement);
            }
        }
        let by = if statements.len() == 1 {
            format!(
                "statement {} allows",
                statements.first().map_or(String::new(), |s| label(s))
            )
        } else {
            let labels: Vec<String> = statements.iter().map(|s| label(s)).collect();
            format!("statements {} allow", labels.join(", "))
        };
        let set = first
            .grants
            .iter()
            .map(|(name, _)| format!("`{name}`"))
            .collect::<Vec<_>>()
            .join(" + ");
        let others: Vec<&str> = found.iter().skip(1).map(|p| p.path.id.as_str()).collect();
        let more = if others.is_empty() {
            String::new()
        } else {
            format!("; also {}", list_names(&others, 3))
        };
        let path = first.path;
        let Some((_, primary)) = first.grants.first() else {
            return;
        };
        let mut finding = ctx
            .report(
                Self::META,
                primary.at,
                format!(
                    "{by} privilege escalation path `{}` ({}) with {set}{more}",
                    path.id, path.category
                ),
            )
            .help(format!(
                "remove one action of the set, or name the resources it applies to (limiting `iam:PassRole` to named roles); path: {}",
                path.url
            ));
        for (name, g) in first.grants.iter().skip(1) {
            finding = finding.related(g.at, format!("grants `{name}`"));
        }
    }
}
