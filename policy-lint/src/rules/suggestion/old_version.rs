//! `N007` `old-version`.

use policy_core::ast::{Policy, Version};

use crate::context::LintContext;
use crate::declare_rule;
use crate::finding::{Applicability, Fix};
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags `"Version": "2008-10-17"`. When no string of the policy contains `${`, the fix
    /// writes `2012-10-17`.
    ///
    /// ## Why is this bad?
    /// The 2008 language has no policy variables: `${aws:username}` is literal text there,
    /// and some newer features are not available. Policies copied from old bucket, queue or
    /// topic policies often keep it without need.
    ///
    /// Covers parliament: `OLD_VERSION`; iam-policy-validator: `outdated_version`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2008-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    /// ```
    ///
    /// ## Fix safety
    /// Safe: offered only when the policy has no `${`, the one thing the two versions read
    /// differently.
    pub OldVersion { code: "N007", name: "old-version", category: Suggestion, severity: Note }
}

/// Whether some string of the policy contains `${`.
fn mentions_variables(policy: &Policy) -> bool {
    let has = |s: &str| s.contains("${");
    policy.statements.iter().any(|st| {
        st.resources().iter().any(|r| has(&r.node))
            || st.actions().iter().any(|a| has(&a.node))
            || st.sid.as_ref().is_some_and(|s| has(&s.node))
            || st.principal.as_ref().is_some_and(|p| {
                p.value
                    .entries()
                    .iter()
                    .any(|e| e.values.iter().any(|v| has(&v.node)))
            })
            || st.conditions().iter().any(|e| {
                e.keys
                    .iter()
                    .any(|kv| has(&kv.key.node) || kv.values.iter().any(|v| has(&v.node.as_text())))
            })
    })
}

impl Rule for OldVersion {
    fn check_policy(&self, policy: &Policy, ctx: &mut LintContext<'_>) {
        let Some(version) = policy.version.filter(|v| v.node == Version::V2008_10_17) else {
            return;
        };
        let fix = (!mentions_variables(policy)).then(|| {
            Fix::replace(
                Applicability::Safe,
                "write `2012-10-17`",
                version.span,
                "\"2012-10-17\"",
            )
        });
        ctx.report(
            Self::META,
            version.span,
            "`2008-10-17` is the old policy language, without policy variables",
        )
        .help("use `\"Version\": \"2012-10-17\"`")
        .fix_opt(fix);
    }
}
