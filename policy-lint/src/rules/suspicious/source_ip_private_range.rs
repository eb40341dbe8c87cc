//! `W008` `source-ip-private-range`.

use std::net::IpAddr;

use policy_core::ast::{OperatorFamily, Statement};
use policy_core::value::parse_ip_range;

use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;
use crate::rules::suspicious::support::condition_keys;

declare_rule! {
    /// ## What it does
    /// Flags private address ranges in `IpAddress` or `NotIpAddress` conditions on
    /// `aws:SourceIp`: RFC 1918 (`10.0.0.0/8`, `172.16.0.0/12`, `192.168.0.0/16`),
    /// loopback, link-local, shared address space (`100.64.0.0/10`) and IPv6 unique-local
    /// (`fc00::/7`), loopback and link-local ranges.
    ///
    /// ## Why is this bad?
    /// `aws:SourceIp` holds the public address a request comes from; it is not present at
    /// all for requests through a VPC endpoint, and never holds a private address. A range
    /// of private addresses therefore never matches: an `Allow` with only private ranges
    /// grants nothing, and a `Deny` with `NotIpAddress` denies every request, the ones from
    /// inside the VPC included. Private addresses are tested with `aws:VpcSourceIp`,
    /// together with `aws:SourceVpc` or `aws:SourceVpce`.
    ///
    /// Covers Access Analyzer: `PRIVATE_IP_ADDRESS`, `PRIVATE_NOTIPADDRESS`,
    /// `PRIVATE_IP_ADDRESS_SUBSET`, `PRIVATE_NOTIPADDRESS_SUBSET`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"NotIpAddress": {"aws:VpcSourceIp": "10.0.0.0/8"}, "StringNotEquals": {"aws:SourceVpc": "vpc-1a2b3c4d"}}}]}
    /// ```
    pub SourceIpPrivateRange { code: "W008", name: "source-ip-private-range", category: Suspicious, severity: Warning }
}

/// Whether every address of the range `addr/prefix` is private, loopback or link-local.
pub(crate) fn is_private_range(addr: IpAddr, prefix: u8) -> bool {
    const V4: [([u8; 4], u8); 6] = [
        ([10, 0, 0, 0], 8),
        ([172, 16, 0, 0], 12),
        ([192, 168, 0, 0], 16),
        ([127, 0, 0, 0], 8),
        ([169, 254, 0, 0], 16),
        ([100, 64, 0, 0], 10),
    ];
    match addr {
        IpAddr::V4(a) => {
            let a = u32::from(a);
            V4.iter().any(|(net, len)| {
                let mask = u32::MAX.checked_shl(32 - u32::from(*len)).unwrap_or(0);
                prefix >= *len && a & mask == u32::from_be_bytes(*net)
            })
        }
        IpAddr::V6(a) => {
            if let Some(v4) = a.to_ipv4_mapped() {
                return prefix >= 96 && is_private_range(IpAddr::V4(v4), prefix - 96);
            }
            let a = u128::from(a);
            // Unique local fc00::/7, link-local fe80::/10, loopback ::1/128.
            let in_net = |net: u128, len: u8| {
                let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
                prefix >= len && a & mask == net
            };
            in_net(0xfc00 << 112, 7) || in_net(0xfe80 << 112, 10) || in_net(1, 128)
        }
    }
}

impl Rule for SourceIpPrivateRange {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        for (op, kv) in condition_keys(statement) {
            if op.node.base.family() != OperatorFamily::Ip
                || !kv.key.node.eq_ignore_ascii_case("aws:SourceIp")
            {
                continue;
            }
            let private: Vec<_> = kv
                .values
                .iter()
                .filter(|v| {
                    parse_ip_range(&v.node.as_text())
                        .is_some_and(|net| is_private_range(net.addr(), net.prefix_len()))
                })
                .collect();
            if private.is_empty() {
                continue;
            }
            let operator = op.node;
            let help = "`aws:SourceIp` holds public addresses only: test private addresses with `aws:VpcSourceIp` and `aws:SourceVpc` or `aws:SourceVpce`";
            if private.len() == kv.values.len() {
                let outcome = if operator.is_negated() {
                    "matches every request that has the key"
                } else {
                    "never matches"
                };
                let listed = private
                    .iter()
                    .map(|v| format!("`{}`", v.node.as_text()))
                    .collect::<Vec<_>>()
                    .join(", ");
                ctx.report(
                    Self::META,
                    kv.values_span,
                    format!("`{operator}` lists only private ranges ({listed}) for `{}`, so it {outcome}", kv.key.node),
                )
                .help(help);
            } else {
                for v in private {
                    ctx.report(
                        Self::META,
                        v.span,
                        format!(
                            "`{}` is a private range, which `{}` never holds",
                            v.node.as_text(),
                            kv.key.node
                        ),
                    )
                    .help(help);
                }
            }
        }
    }
}
