//! `S025` `github-oidc-sub-wildcard`.

use policy_core::ast::{OperatorBase, PolicyKind, PrincipalKind, SetQualifier, Statement};

use super::common::{is_allow, principals};
use super::oidc_trust_without_sub_or_aud::{oidc_host, GITHUB};
use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags, in a role trust policy that trusts GitHub Actions
    /// (`token.actions.githubusercontent.com`), a `…Like` condition on
    /// `token.actions.githubusercontent.com:sub` whose value leaves the repository open:
    /// `*`, `repo:*`, `repo:octo-org/*`, `repo:*/deploy:*`. A wildcard after the repository
    /// (`repo:octo-org/deploy:ref:refs/heads/*`) is accepted: it only opens branches of one
    /// repository.
    ///
    /// ## Why is this bad?
    /// Every repository the pattern matches can assume the role, including forks and
    /// repositories created later; with `repo:*` or `*`, any repository on GitHub.
    ///
    /// Covers Access Analyzer: `SPECIFIC_GITHUB_REPO_AND_BRANCH_RECOMMENDED` (for the
    /// repository; Access Analyzer also warns on a wildcard branch);
    /// iam-policy-validator: `trust_policy_validation` (in part).
    ///
    /// ## Example
    /// ```json,expect_finding,kind=trust
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"}, "Action": "sts:AssumeRoleWithWebIdentity", "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}, "StringLike": {"token.actions.githubusercontent.com:sub": "repo:octo-org/*"}}}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=trust
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"}, "Action": "sts:AssumeRoleWithWebIdentity", "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}, "StringLike": {"token.actions.githubusercontent.com:sub": "repo:octo-org/deploy:ref:refs/heads/*"}}}]}
    /// ```
    pub GithubOidcSubWildcard { code: "S025", name: "github-oidc-sub-wildcard", category: Security, severity: Warning }
}

/// Who a subject pattern lets in, when it leaves the repository open.
fn open_repository(value: &str) -> Option<String> {
    let mut parts = value.splitn(3, ':');
    let (kind, repo) = (parts.next().unwrap_or_default(), parts.next());
    if kind != "repo" {
        return kind
            .contains(['*', '?'])
            .then(|| "any repository on GitHub".to_string());
    }
    let repo = repo?;
    let (owner, name) = repo.split_once('/').unwrap_or((repo, ""));
    if owner.contains(['*', '?']) || repo.is_empty() {
        Some("repositories of any owner".to_string())
    } else if name.bytes().all(|b| b == b'*') {
        Some(format!("any repository of `{owner}` (new ones included)"))
    } else if name.contains(['*', '?']) {
        Some(format!("any repository of `{owner}` named like `{name}`"))
    } else {
        None
    }
}

impl Rule for GithubOidcSubWildcard {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        if ctx.kind() != PolicyKind::Trust || !is_allow(statement) {
            return;
        }
        let trusts_github = principals(statement).iter().any(|p| {
            p.kind == Some(PrincipalKind::Federated)
                && oidc_host(p.value).is_some_and(|h| h.eq_ignore_ascii_case(GITHUB))
        });
        if !trusts_github {
            return;
        }
        for entry in statement.conditions() {
            let op = entry.operator.node;
            if op.is_negated()
                || op.base != OperatorBase::StringLike
                || op.qualifier == Some(SetQualifier::ForAllValues)
            {
                continue;
            }
            for kv in &entry.keys {
                if !kv
                    .key
                    .node
                    .eq_ignore_ascii_case("token.actions.githubusercontent.com:sub")
                {
                    continue;
                }
                for v in &kv.values {
                    let text = v.node.as_text();
                    if let Some(what) = open_repository(&text) {
                        ctx.report(
                            Self::META,
                            v.span,
                            format!("subject `{text}` lets {what} assume this role"),
                        )
                        .help("name the repository: `repo:<owner>/<repository>:ref:refs/heads/<branch>` or `…:environment:<name>`");
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::open_repository;

    #[test]
    fn repository_wildcards() {
        assert!(open_repository("*").is_some());
        assert!(open_repository("repo:*").is_some());
        assert!(open_repository("repo:octo-org/*").is_some());
        assert!(open_repository("repo:*/deploy:*").is_some());
        assert!(open_repository("repo:octo-org/deploy:*").is_none());
        assert!(open_repository("repo:octo-org/deploy:ref:refs/heads/*").is_none());
    }
}
