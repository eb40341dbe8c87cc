//! `W016` `principal-unique-id`.

use policy_core::ast::{PrincipalKind, Statement};

use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a unique ID of an IAM role (`AROA…`) or user (`AIDA…`) in an `AWS` principal.
    ///
    /// ## Why is this bad?
    /// AWS stores a role or user ARN in a principal as the entity's unique ID, and shows the
    /// ID instead of the ARN once the role or user has been deleted. A policy that names an
    /// ID therefore usually refers to a principal that no longer exists; a role created again
    /// with the same name gets a new ID, so the grant does not apply to it. Write the ARN.
    ///
    /// Covers Access Analyzer: `INVALID_ROLE_REFERENCE`, `INVALID_USER_REFERENCE`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=resource
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "AROA1234567890EXAMPLE"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=resource
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/reporting"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    /// ```
    pub PrincipalUniqueId { code: "W016", name: "principal-unique-id", category: Suspicious, severity: Warning }
}

/// The kind of entity a unique ID names, from its prefix.
fn entity(text: &str) -> Option<&'static str> {
    let kind = match text.get(..4)? {
        "AROA" => "role",
        "AIDA" => "user",
        _ => return None,
    };
    (text.len() >= 16
        && text
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()))
    .then_some(kind)
}

impl Rule for PrincipalUniqueId {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        let Some(principal) = &statement.principal else {
            return;
        };
        for entry in principal.value.entries() {
            if entry.kind.node != PrincipalKind::Aws {
                continue;
            }
            for value in &entry.values {
                if let Some(kind) = entity(&value.node) {
                    ctx.report(
                        Self::META,
                        value.span,
                        format!("`{}` is the unique ID of an IAM {kind}, usually shown for a deleted {kind}", value.node),
                    )
                    .help(format!("write the {kind}'s ARN (`arn:aws:iam::111122223333:{kind}/name`); a {kind} created again gets a new ID"));
                }
            }
        }
    }
}
