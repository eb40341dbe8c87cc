//! `N001` `ip-range-host-bits`.

use policy_core::ast::{OperatorFamily, Statement};
use policy_core::value::parse_ip_range;

use crate::context::LintContext;
use crate::declare_rule;
use crate::finding::{Applicability, Fix};
use crate::rule::Rule;
use crate::rules::suspicious::support::{condition_keys, json_string};

declare_rule! {
    /// ## What it does
    /// Flags a CIDR range in an `IpAddress` or `NotIpAddress` condition whose address has
    /// bits set after the prefix, such as `203.0.113.7/24`, and rewrites it to the network
    /// address (`203.0.113.0/24`).
    ///
    /// ## Why is this bad?
    /// AWS ignores the bits after the prefix, so `203.0.113.7/24` is the whole
    /// `203.0.113.0/24` network. Whoever wrote it probably meant the single address
    /// `203.0.113.7` (`/32`), or did not notice that the range is 256 addresses wide.
    ///
    /// Covers Access Analyzer: `IMPROVE_IP_RANGE`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"NotIpAddress": {"aws:SourceIp": "203.0.113.7/24"}}}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]}
    /// ```
    ///
    /// ## Fix safety
    /// Safe: AWS reads both forms as the same range. If a single address was meant, write it
    /// with `/32` instead.
    pub IpRangeHostBits { code: "N001", name: "ip-range-host-bits", category: Suggestion, severity: Note }
}

impl Rule for IpRangeHostBits {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        for (op, kv) in condition_keys(statement) {
            if op.node.base.family() != OperatorFamily::Ip {
                continue;
            }
            for value in &kv.values {
                let text = value.node.as_text();
                let Some(net) = parse_ip_range(&text) else {
                    continue;
                };
                if net.addr() == net.network() {
                    continue;
                }
                let fixed = format!("{}/{}", net.network(), net.prefix_len());
                ctx.report(
                    Self::META,
                    value.span,
                    format!("`{text}` has bits set after the prefix: AWS reads it as `{fixed}`"),
                )
                .help(format!(
                    "write `{fixed}`, or `{}/{}` for the single address",
                    net.addr(),
                    net.max_prefix_len()
                ))
                .fix(Fix::replace(
                    Applicability::Safe,
                    format!("write `{fixed}`"),
                    value.span,
                    json_string(&fixed),
                ));
            }
        }
    }
}
