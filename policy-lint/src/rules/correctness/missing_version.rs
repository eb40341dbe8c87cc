//! `C006` `missing-version`.

use policy_core::ast::Policy;

use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a policy with no `Version` element.
    ///
    /// ## Why is this bad?
    /// Without `"Version": "2012-10-17"` AWS reads the policy with the 2008 language, in which
    /// policy variables such as `${aws:username}` are plain text: a resource
    /// `arn:aws:s3:::home/${aws:username}/*` then matches only a folder literally named
    /// `${aws:username}`.
    ///
    /// Covers Access Analyzer: `MISSING_VERSION`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    /// ```
    pub MissingVersion { code: "C006", name: "missing-version", category: Correctness, severity: Warning }
}

impl Rule for MissingVersion {
    fn check_policy(&self, policy: &Policy, ctx: &mut LintContext<'_>) {
        if policy.version_key.is_none() {
            let start = policy.span.start;
            ctx.report(
                Self::META,
                policy_core::Span {
                    start,
                    end: start.saturating_add(1),
                },
                "the policy has no `Version`",
            )
            .help("add `\"Version\": \"2012-10-17\"` so that policy variables work");
        }
    }
}
