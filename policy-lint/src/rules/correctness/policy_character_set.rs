//! `C203` `policy-character-set`.

use policy_core::ast::{Node, Policy};

use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a string of the policy (a `Sid`, an action, a resource, a principal, a condition
    /// key or value) with a character IAM does not accept: anything but tab, line feed,
    /// carriage return and the characters U+0020 to U+00FF. Typographic quotes and dashes
    /// pasted from documents, non-breaking hyphens and zero-width spaces are the usual ones.
    ///
    /// ## Why is this bad?
    /// AWS rejects the policy document. Where a tool accepts it, the character never matches
    /// the plain one it looks like: `arn:aws:s3:::reports‐2026` (with U+2010) is not the
    /// bucket `reports-2026`.
    ///
    /// Covers Access Analyzer: (no check; IAM rejects the document, UG
    /// `reference_iam-quotas`).
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Sid": "ReadReports", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports–2026/*"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Sid": "ReadReports", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports-2026/*"}]}
    /// ```
    pub PolicyCharacterSet { code: "C203", name: "policy-character-set", category: Correctness, severity: Error }
}

/// Whether IAM accepts the character in a policy document.
fn allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{ff}')
}

/// The plain character a look-alike probably stands for.
fn replacement(c: char) -> Option<&'static str> {
    Some(match c {
        '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{2032}' => "'",
        '\u{201c}' | '\u{201d}' | '\u{201e}' | '\u{2033}' => "\"",
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2212}' => "-",
        '\u{2026}' => "...",
        '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}' | '\u{feff}' => "",
        '\u{2002}' | '\u{2003}' | '\u{2009}' | '\u{202f}' => " ",
        _ => return None,
    })
}

/// Whether every character is allowed, tested on bytes for the usual ASCII text.
fn all_allowed(text: &str) -> bool {
    if text.is_ascii() {
        text.bytes()
            .all(|b| b >= 0x20 || matches!(b, b'\t' | b'\n' | b'\r'))
    } else {
        text.chars().all(allowed)
    }
}

fn check(node: &Node<String>, what: &str, ctx: &mut LintContext<'_>) {
    if all_allowed(&node.node) {
        return;
    }
    let Some(bad) = node.node.chars().find(|&c| !allowed(c)) else {
        return;
    };
    let code = format!("U+{:04X}", u32::from(bad));
    let shown = if bad.is_control() || replacement(bad) == Some("") {
        code
    } else {
        format!("{code} `{bad}`")
    };
    let help = match replacement(bad) {
        Some("") => "delete the invisible character".to_string(),
        Some(plain) => format!("replace it with `{plain}`"),
        None => "policies may contain only tab, line feed, carriage return and U+0020 to U+00FF"
            .to_string(),
    };
    ctx.report(
        PolicyCharacterSet::META,
        node.span,
        format!("{what} contains {shown}, which IAM does not accept in a policy"),
    )
    .help(help);
}

impl Rule for PolicyCharacterSet {
    fn check_policy(&self, policy: &Policy, ctx: &mut LintContext<'_>) {
        if let Some(id) = &policy.id {
            check(id, "the `Id`", ctx);
        }
        for statement in &policy.statements {
            if let Some(sid) = &statement.sid {
                check(sid, "the `Sid`", ctx);
            }
            for a in statement.actions() {
                check(a, "the action", ctx);
            }
            for r in statement.resources() {
                check(r, "the resource", ctx);
            }
            if let Some(p) = &statement.principal {
                for v in p.value.entries().iter().flat_map(|e| &e.values) {
                    check(v, "the principal", ctx);
                }
            }
            for entry in statement.conditions() {
                for kv in &entry.keys {
                    check(&kv.key, "the condition key", ctx);
                    for v in &kv.values {
                        if let policy_core::ast::ConditionValue::String(s) = &v.node {
                            if !all_allowed(s) {
                                check(&Node::new(s.clone(), v.span), "the condition value", ctx);
                            }
                        }
                    }
                }
            }
        }
    }
}
