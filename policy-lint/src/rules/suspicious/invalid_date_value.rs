//! `W015` `invalid-date-value`.

use policy_core::ast::{OperatorFamily, Statement};
use policy_core::value::parse_date;

use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;
use crate::rules::suspicious::support::condition_keys;

declare_rule! {
    /// ## What it does
    /// Flags a `Date` condition value that AWS can read but probably not as meant:
    /// - a number of 12 digits or more, which looks like epoch *milliseconds* (AWS reads
    ///   epoch *seconds*, so `1767225600000` is in the year 57970);
    /// - a number of 8 digits or fewer, such as `20260131` or `2026`, which AWS reads as
    ///   seconds after 1 January 1970;
    /// - a date and time without a time zone (`2026-01-31T12:00:00`).
    ///
    /// Values that are not dates at all are reported by `condition-value-mismatch`.
    ///
    /// ## Why is this bad?
    /// The condition compares against a moment far from the intended one, so an expiry never
    /// comes or has long passed. Write `YYYY-MM-DD`, or a date and time in UTC with `Z`.
    ///
    /// Covers Access Analyzer: `INVALID_DATE_VALUE`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*", "Condition": {"DateLessThan": {"aws:CurrentTime": "20261231"}}}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*", "Condition": {"DateLessThan": {"aws:CurrentTime": "2026-12-31"}}}]}
    /// ```
    pub InvalidDateValue { code: "W015", name: "invalid-date-value", category: Suspicious, severity: Warning }
}

/// What is odd about a date value AWS can read, with advice.
fn problem(text: &str) -> Option<(String, String)> {
    let t = text.trim();
    let date = parse_date(t)?;
    if t.bytes().all(|b| b.is_ascii_digit()) {
        if t.len() >= 12 {
            return Some((
                format!(
                    "looks like epoch milliseconds, but AWS reads epoch seconds (the year {})",
                    date.format("%Y").to_string().trim_start_matches('+')
                ),
                format!(
                    "divide by 1000 (`{}`) or write the date as `YYYY-MM-DD`",
                    t.get(..t.len() - 3).unwrap_or(t)
                ),
            ));
        }
        if t.len() <= 8 {
            return Some((
                format!(
                    "is read as {t} seconds after 1970 ({})",
                    date.format("%Y-%m-%dT%H:%M:%SZ")
                ),
                "write the date as `YYYY-MM-DD`".to_string(),
            ));
        }
        return None;
    }
    if t.contains('T') && !t.ends_with(['Z', 'z']) && !has_offset(t) {
        return Some((
            "has no time zone".to_string(),
            format!("write `{t}Z` for UTC, or only the date `YYYY-MM-DD`"),
        ));
    }
    None
}

/// Whether a date-time ends with an offset such as `+02:00` or `-0500`.
fn has_offset(t: &str) -> bool {
    let Some((_, time)) = t.split_once('T') else {
        return false;
    };
    time.contains(['+', '-'])
}

impl Rule for InvalidDateValue {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        for (op, kv) in condition_keys(statement) {
            if op.node.base.family() != OperatorFamily::Date {
                continue;
            }
            for value in &kv.values {
                let text = value.node.as_text();
                if let Some((problem, help)) = problem(&text) {
                    ctx.report(
                        Self::META,
                        value.span,
                        format!("date `{text}` {problem} (key `{}`)", kv.key.node),
                    )
                    .help(help);
                }
            }
        }
    }
}
