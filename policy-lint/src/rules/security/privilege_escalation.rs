//! `S011` `privilege-escalation`.

use std::sync::OnceLock;

use policy_core::ast::{Policy, PolicyKind, Statement};
use policy_core::Span;

use super::common::{
    action_pattern_matches, is_allow, label, list_names, resource_pin, star_resource, ActionList,
};
use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags an identity policy whose `Allow` statements, taken together, grant one of the
    /// known sets of actions that let a principal raise its own permissions: changing
    /// policies (`iam:CreatePolicyVersion`, `iam:SetDefaultPolicyVersion`,
    /// `iam:Attach{User,Group,Role}Policy`, `iam:Put{User,Group,Role}Policy`), acting as
    /// other users (`iam:CreateAccessKey`, `iam:CreateLoginProfile`,
    /// `iam:UpdateLoginProfile`, `iam:AddUserToGroup`), trusting itself
    /// (`iam:UpdateAssumeRolePolicy`), taking over code that runs with a role
    /// (`lambda:UpdateFunctionCode`, `glue:UpdateDevEndpoint`,
    /// `sagemaker:CreatePresignedNotebookInstanceUrl`, the change sets of `cloudformation`), and
    /// `iam:PassRole` together with a service that runs code under the passed role
    /// (`ec2:RunInstances`, `lambda:CreateFunction` with `lambda:InvokeFunction`,
    /// `lambda:CreateEventSourceMapping` or `lambda:AddPermission`,
    /// `cloudformation:CreateStack`, `glue:CreateDevEndpoint`, Glue jobs, Data Pipeline,
    /// `codebuild` projects, ECS tasks and services, `sagemaker` notebooks and jobs, Spot
    /// requests, App Runner). The finding names the set and the statements that grant it.
    ///
    /// An action counts when an `Allow` grants it (by name, by a wildcard, or by leaving it
    /// out of `NotAction`, all matched against the IAM reference) on every resource (`*`,
    /// every resource of a type such as `…:role/*`, or `NotResource`), with no condition
    /// that narrows the resources (a positive operator on `aws:ResourceTag/…`,
    /// `aws:ResourceAccount`, `iam:PassedToService`, `iam:PolicyARN` or another service
    /// key, with a value other than `*`), and no `Deny` statement without conditions takes
    /// it away on `*`.
    ///
    /// ## Why is this bad?
    /// A principal with any of these sets can make itself an administrator, whatever the
    /// rest of the policy says.
    ///
    /// Covers cloudsplaining: `PrivilegeEscalation` (its Rhino Security Labs methods and
    /// the `iam:PassRole` paths of its newer list); parliament (community auditors):
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

/// A known way to escalate: every action of the set, and what it lets the principal do.
struct Method {
    actions: &'static [&'static str],
    how: &'static str,
}

/// The escalation methods (Rhino Security Labs' list as used by cloudsplaining and
/// parliament, and the `iam:PassRole` paths documented since), most direct first.
const METHODS: &[Method] = &[
    Method {
        actions: &["iam:CreatePolicyVersion"],
        how: "write a new default version of a managed policy",
    },
    Method {
        actions: &["iam:SetDefaultPolicyVersion"],
        how: "switch a managed policy to another of its versions",
    },
    Method {
        actions: &["iam:AttachUserPolicy"],
        how: "attach any managed policy to a user",
    },
    Method {
        actions: &["iam:AttachGroupPolicy"],
        how: "attach any managed policy to a group",
    },
    Method {
        actions: &["iam:AttachRolePolicy"],
        how: "attach any managed policy to a role",
    },
    Method {
        actions: &["iam:PutUserPolicy"],
        how: "write an inline policy into a user",
    },
    Method {
        actions: &["iam:PutGroupPolicy"],
        how: "write an inline policy into a group",
    },
    Method {
        actions: &["iam:PutRolePolicy"],
        how: "write an inline policy into a role",
    },
    Method {
        actions: &["iam:CreateAccessKey"],
        how: "create access keys for another user",
    },
    Method {
        actions: &["iam:CreateLoginProfile"],
        how: "give another user a console password",
    },
    Method {
        actions: &["iam:UpdateLoginProfile"],
        how: "change another user's console password",
    },
    Method {
        actions: &["iam:UpdateAssumeRolePolicy"],
        how: "make any role trust the principal",
    },
    Method {
        actions: &["iam:AddUserToGroup"],
        how: "join a more powerful group",
    },
    Method {
        actions: &["lambda:UpdateFunctionCode"],
        how: "replace a function's code and run it with the function's role",
    },
    Method {
        actions: &["glue:UpdateDevEndpoint"],
        how: "add a key to a Glue development endpoint and use its role",
    },
    Method {
        actions: &["sagemaker:CreatePresignedNotebookInstanceUrl"],
        how: "open a notebook and use its role",
    },
    Method {
        actions: &[
            "cloudformation:CreateChangeSet",
            "cloudformation:ExecuteChangeSet",
        ],
        how: "change a stack that runs with its own role",
    },
    Method {
        actions: &["iam:PassRole", "ec2:RunInstances"],
        how: "start an instance with any role",
    },
    Method {
        actions: &["iam:PassRole", "ec2:RequestSpotInstances"],
        how: "start a Spot instance with any role",
    },
    Method {
        actions: &[
            "iam:PassRole",
            "lambda:CreateFunction",
            "lambda:InvokeFunction",
        ],
        how: "create a function with any role and invoke it",
    },
    Method {
        actions: &[
            "iam:PassRole",
            "lambda:CreateFunction",
            "lambda:CreateEventSourceMapping",
        ],
        how: "create a function with any role and trigger it from a stream",
    },
    Method {
        actions: &[
            "iam:PassRole",
            "lambda:CreateFunction",
            "lambda:AddPermission",
        ],
        how: "create a function with any role and allow itself to invoke it",
    },
    Method {
        actions: &["iam:PassRole", "cloudformation:CreateStack"],
        how: "create a stack that runs with any role",
    },
    Method {
        actions: &["iam:PassRole", "glue:CreateDevEndpoint"],
        how: "create a Glue development endpoint with any role",
    },
    Method {
        actions: &["iam:PassRole", "glue:CreateJob", "glue:StartJobRun"],
        how: "create and run a Glue job with any role",
    },
    Method {
        actions: &[
            "iam:PassRole",
            "datapipeline:CreatePipeline",
            "datapipeline:PutPipelineDefinition",
            "datapipeline:ActivatePipeline",
        ],
        how: "run a data pipeline with any role",
    },
    Method {
        actions: &[
            "iam:PassRole",
            "codebuild:CreateProject",
            "codebuild:StartBuild",
        ],
        how: "create and run a CodeBuild project with any role",
    },
    Method {
        actions: &["iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:RunTask"],
        how: "run an ECS task with any role",
    },
    Method {
        actions: &[
            "iam:PassRole",
            "ecs:RegisterTaskDefinition",
            "ecs:StartTask",
        ],
        how: "start an ECS task with any role",
    },
    Method {
        actions: &[
            "iam:PassRole",
            "ecs:RegisterTaskDefinition",
            "ecs:CreateService",
        ],
        how: "create an ECS service with any role",
    },
    Method {
        actions: &[
            "iam:PassRole",
            "sagemaker:CreateNotebookInstance",
            "sagemaker:CreatePresignedNotebookInstanceUrl",
        ],
        how: "create a notebook with any role and open it",
    },
    Method {
        actions: &["iam:PassRole", "sagemaker:CreateTrainingJob"],
        how: "run a SageMaker training job with any role",
    },
    Method {
        actions: &["iam:PassRole", "sagemaker:CreateProcessingJob"],
        how: "run a SageMaker processing job with any role",
    },
    Method {
        actions: &["iam:PassRole", "apprunner:CreateService"],
        how: "create an App Runner service with any role",
    },
];

/// Every action of every method, resolved once, and each method's actions as indices into
/// it (a method naming an action the reference does not know is left out).
fn tables() -> &'static (ActionList, Vec<Vec<usize>>) {
    static TABLES: OnceLock<(ActionList, Vec<Vec<usize>>)> = OnceLock::new();
    TABLES.get_or_init(|| {
        let names: Vec<&str> = METHODS
            .iter()
            .flat_map(|m| m.actions.iter().copied())
            .collect();
        let list = ActionList::new(&names);
        let methods = METHODS
            .iter()
            .map(|m| {
                m.actions
                    .iter()
                    .filter_map(|a| list.position(a))
                    .collect::<Vec<usize>>()
            })
            .collect();
        (list, methods)
    })
}

/// The first statement that grants an action without restriction, and where.
#[derive(Clone, Copy)]
struct Grant<'p> {
    statement: &'p Statement,
    at: Span,
}

impl Rule for PrivilegeEscalation {
    fn check_policy(&self, policy: &Policy, ctx: &mut LintContext<'_>) {
        if ctx.kind() != PolicyKind::Identity {
            return;
        }
        let (list, methods) = tables();
        let n = list.iter().count();
        let mut granted: Vec<Option<Grant<'_>>> = vec![None; n];
        let mut denied = vec![false; n];
        for statement in &policy.statements {
            if is_allow(statement) {
                if ctx.facts(statement).broad(statement).is_none()
                    || resource_pin(statement).is_some()
                {
                    continue;
                }
                for i in list.covered_by(&ctx.facts(statement), statement) {
                    if let Some(slot @ None) = granted.get_mut(i) {
                        let at = grant_span(statement, list, i);
                        *slot = Some(Grant { statement, at });
                    }
                }
            } else if statement.effect().is_some()
                && statement.conditions().is_empty()
                && star_resource(statement).is_some()
            {
                for i in list.covered_by(&ctx.facts(statement), statement) {
                    if let Some(d) = denied.get_mut(i) {
                        *d = true;
                    }
                }
            }
        }
        let open = |i: usize| -> Option<Grant<'_>> {
            if denied.get(i).copied().unwrap_or(true) {
                return None;
            }
            granted.get(i).copied().flatten()
        };
        let found: Vec<(usize, Vec<(usize, Grant<'_>)>)> = methods
            .iter()
            .enumerate()
            .filter(|(m, ids)| {
                !ids.is_empty()
                    && METHODS
                        .get(*m)
                        .is_some_and(|method| ids.len() == method.actions.len())
            })
            .filter_map(|(m, ids)| {
                let grants: Option<Vec<(usize, Grant<'_>)>> =
                    ids.iter().map(|&i| open(i).map(|g| (i, g))).collect();
                grants.map(|g| (m, g))
            })
            .collect();
        let Some((first, grants)) = found.first() else {
            return;
        };
        let Some(method) = METHODS.get(*first) else {
            return;
        };
        let names: Vec<String> = grants
            .iter()
            .filter_map(|(i, _)| list.get(*i).map(|e| e.display.clone()))
            .collect();
        let mut statements: Vec<&Statement> = Vec::new();
        for (_, g) in grants {
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
        let set = names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(" + ");
        let others: Vec<String> = found
            .iter()
            .skip(1)
            .filter_map(|(m, _)| METHODS.get(*m))
            .map(|m| m.actions.join(" + "))
            .collect();
        let more = if others.is_empty() {
            String::new()
        } else {
            format!("; also {}", list_names(&others, 2))
        };
        let Some((_, primary)) = grants.first() else {
            return;
        };
        let mut finding = ctx
            .report(
                Self::META,
                primary.at,
                format!(
                    "{by} privilege escalation with {set}: {}{more}",
                    method.how
                ),
            )
            .help("remove one action of the set, or name the resources it applies to (and limit `iam:PassRole` with `iam:PassedToService`)");
        for ((_, g), name) in grants.iter().zip(&names).skip(1) {
            finding = finding.related(g.at, format!("grants `{name}`"));
        }
    }
}

/// Where statement grants entry `i` of the list: the first `Action` entry that matches it,
/// or the `NotAction` key.
fn grant_span(statement: &Statement, list: &ActionList, i: usize) -> Span {
    let Some(element) = &statement.action else {
        return statement.span;
    };
    if element.negated {
        return element.key_span;
    }
    list.get(i)
        .and_then(|e| {
            element
                .items
                .iter()
                .find(|item| action_pattern_matches(&item.node, &e.service, &e.name))
        })
        .map_or(element.span, |item| item.span)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_method_is_known() {
        let (_, methods) = super::tables();
        for (m, ids) in super::METHODS.iter().zip(methods) {
            assert_eq!(ids.len(), m.actions.len(), "{:?}", m.actions);
        }
    }
}
