//! The value sets checked against the evaluator: a set's membership must be what a real
//! compiled condition decides for the same request value.
//!
//! The oracle parses a one-statement policy with `crate::parse_policy`, compiles it with
//! `crate::eval::CompiledPolicy::new` and asks the statement whether its conditions hold for
//! a request whose context has the one value: it shares no code with the sets (beyond the
//! value parsers both call, which are the definition of what a request value means).

use std::collections::BTreeSet;
use std::fmt;

use chrono::{DateTime, TimeDelta, Utc};
use ipnet::IpNet;
use proptest::prelude::*;

use super::{DateSet, IpSet, NumberSet};
use crate::ast::OperatorBase;
use crate::eval::{CompiledPolicy, CompiledStatement};
use crate::request::{Context, Request, RequestPrincipal};

// ---------------------------------------------------------------------------------------------
// The oracle

/// One condition `{op: {key: values}}` compiled by the evaluator.
struct Oracle {
    key: &'static str,
    statement: CompiledStatement,
}

impl Oracle {
    fn new(op: &str, key: &'static str, values: &[String]) -> Self {
        let policy = serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {op: {key: values}},
            }],
        })
        .to_string();
        let parsed = crate::parse_policy(&policy, None);
        let policy = parsed.policy.expect("the test policy parses");
        let mut compiled = CompiledPolicy::new(&policy, "test", 0);
        let statement = compiled.statements.pop().expect("one statement");
        assert_eq!(statement.conditions().len(), 1, "{op} {values:?}");
        Oracle { key, statement }
    }

    /// Whether the evaluator's condition holds for a request with this one value.
    fn holds(&self, value: &str) -> bool {
        let mut context = Context::new();
        context.insert(self.key, vec![value.to_string()]);
        let request = Request::new(
            RequestPrincipal::parse("arn:aws:iam::111122223333:user/alice").unwrap(),
            "s3:GetObject",
            "arn:aws:s3:::bucket/object",
            None,
            context,
        );
        let mut buf = Vec::new();
        let mut missing = BTreeSet::new();
        self.statement
            .conditions_hold(&request, &mut buf, &mut missing)
    }
}

// ---------------------------------------------------------------------------------------------
// The three families behind one interface, for the generic checks

trait Domain: Clone + fmt::Debug + PartialEq {
    /// A context key of the family, from the UG's global condition keys.
    const KEY: &'static str;
    /// The family's operators: name, positive base, negated.
    const OPS: &'static [(&'static str, OperatorBase, bool)];
    fn empty() -> Self;
    fn all() -> Self;
    fn for_values(op: OperatorBase, values: &[String]) -> Option<Self>;
    fn intersect(&self, other: &Self) -> Self;
    fn union(&self, other: &Self) -> Self;
    fn complement(&self) -> Self;
    fn is_empty(&self) -> bool;
    fn contains(&self, request: &str) -> bool;
    fn witness(&self) -> Option<String>;
}

macro_rules! domain {
    ($t:ty, $key:expr, [$(($name:expr, $base:ident, $neg:expr)),*]) => {
        impl Domain for $t {
            const KEY: &'static str = $key;
            const OPS: &'static [(&'static str, OperatorBase, bool)] =
                &[$(($name, OperatorBase::$base, $neg)),*];
            fn empty() -> Self {
                <$t>::empty()
            }
            fn all() -> Self {
                <$t>::all()
            }
            fn for_values(op: OperatorBase, values: &[String]) -> Option<Self> {
                <$t>::for_values(op, values)
            }
            fn intersect(&self, other: &Self) -> Self {
                <$t>::intersect(self, other)
            }
            fn union(&self, other: &Self) -> Self {
                <$t>::union(self, other)
            }
            fn complement(&self) -> Self {
                <$t>::complement(self)
            }
            fn is_empty(&self) -> bool {
                <$t>::is_empty(self)
            }
            fn contains(&self, request: &str) -> bool {
                <$t>::contains(self, request)
            }
            fn witness(&self) -> Option<String> {
                <$t>::witness(self)
            }
        }
    };
}

domain!(
    NumberSet,
    "aws:MultiFactorAuthAge",
    [
        ("NumericEquals", NumericEquals, false),
        ("NumericNotEquals", NumericEquals, true),
        ("NumericLessThan", NumericLessThan, false),
        ("NumericLessThanEquals", NumericLessThanEquals, false),
        ("NumericGreaterThan", NumericGreaterThan, false),
        ("NumericGreaterThanEquals", NumericGreaterThanEquals, false)
    ]
);
domain!(
    DateSet,
    "aws:CurrentTime",
    [
        ("DateEquals", DateEquals, false),
        ("DateNotEquals", DateEquals, true),
        ("DateLessThan", DateLessThan, false),
        ("DateLessThanEquals", DateLessThanEquals, false),
        ("DateGreaterThan", DateGreaterThan, false),
        ("DateGreaterThanEquals", DateGreaterThanEquals, false)
    ]
);
domain!(
    IpSet,
    "aws:SourceIp",
    [
        ("IpAddress", IpAddress, false),
        ("NotIpAddress", IpAddress, true)
    ]
);

/// The set for a condition `op` (negated ones included) over `values`: the request values
/// for which the evaluator's per-value test is true.
fn set_for<D: Domain>(op: usize, values: &[String]) -> D {
    let (_, base, negated) = D::OPS[op];
    let set = D::for_values(base, values).expect("an operator of the family");
    if negated {
        set.complement()
    } else {
        set
    }
}

// ---------------------------------------------------------------------------------------------
// Hand cases from the IAM User Guide

/// UG "IAM JSON policy elements: Condition operators", "Numeric condition operators", with
/// the `aws:MultiFactorAuthAge` key (UG "AWS global condition context keys": seconds since
/// MFA; the UG's MFA examples allow `NumericLessThan` 3600). `NumericLessThan` is "less than"
/// on integers and decimals, so 3599.5 is in and 3600 is not; a value that is not a number
/// matches no number.
#[test]
fn mfa_age_less_than_an_hour() {
    let set = NumberSet::for_values(OperatorBase::NumericLessThan, &["3600"]).unwrap();
    for inside in ["0", "3599", "3599.5", "-1", "+12", " 60 "] {
        assert!(set.contains(inside), "{inside}");
    }
    for outside in ["3600", "3600.0", "7200", "", "abc", "1e3", "NaN", "inf"] {
        assert!(!set.contains(outside), "{outside}");
    }
    assert_eq!(set.witness().as_deref(), Some("0"));
    // Not less than 3600: 3600 and above, and every string that is not a number.
    let rest = set.complement();
    assert_eq!(rest.witness().as_deref(), Some("3600"));
    assert!(rest.contains("abc") && rest.contains("3600") && !rest.contains("12"));
    // Only the strings that are not numbers are neither below 3600 nor at or above it.
    let ge = NumberSet::for_values(OperatorBase::NumericGreaterThanEquals, &["3600"]).unwrap();
    let neither = set.union(&ge).complement();
    assert_eq!(neither.witness().as_deref(), Some("not-a-number"));
    assert!(!neither.contains("3600") && neither.contains("three"));
    // `NumericGreaterThan` 3600: the first integer above it.
    let gt = NumberSet::for_values(OperatorBase::NumericGreaterThan, &["3600"]).unwrap();
    assert_eq!(gt.witness().as_deref(), Some("3601"));
    assert!(!gt.contains("3600") && gt.contains("3600.001"));
}

/// UG "Numeric condition operators": `NumericEquals` matches the number, written any way
/// `parse_number` reads it; an invalid policy value matches nothing.
#[test]
fn numeric_equals_and_invalid_policy_values() {
    let set = NumberSet::for_values(OperatorBase::NumericEquals, &["10", "ten"]).unwrap();
    for inside in ["10", "10.0", "+10", "010"] {
        assert!(set.contains(inside), "{inside}");
    }
    for outside in ["11", "9.99", "ten", ""] {
        assert!(!set.contains(outside), "{outside}");
    }
    assert_eq!(set.witness().as_deref(), Some("10"));
    let nothing = NumberSet::for_values(OperatorBase::NumericEquals, &["ten"]).unwrap();
    assert!(nothing.is_empty());
    assert_eq!(nothing.witness(), None);
    assert_eq!(
        NumberSet::for_values(OperatorBase::NumericNotEquals, &["1"]),
        None
    );
}

/// UG "Example policies": "AWS: Allows access based on date and time"
/// (`reference_policies_examples_aws-dates`): `DateGreaterThan` 2020-04-01T00:00:00Z and
/// `DateLessThan` 2020-06-30T23:59:59Z on `aws:CurrentTime`. Both ends are strict (UG "Date
/// condition operators": "after", "before").
#[test]
fn current_time_window() {
    let after =
        DateSet::for_values(OperatorBase::DateGreaterThan, &["2020-04-01T00:00:00Z"]).unwrap();
    let before =
        DateSet::for_values(OperatorBase::DateLessThan, &["2020-06-30T23:59:59Z"]).unwrap();
    let window = after.intersect(&before);
    for inside in [
        "2020-05-15T12:00:00Z",
        "2020-04-01T00:00:00.000000001Z",
        "2020-06-30T23:59:58.999999999Z",
        "2020-04-01T02:00:00+01:00",
        // Epoch seconds (UG "Date condition operators"): 2020-05-01T00:00:00Z.
        "1588291200",
        "2020-05",
        "2020-05-01",
    ] {
        assert!(window.contains(inside), "{inside}");
    }
    for outside in [
        "2020-04-01T00:00:00Z",
        "2020-04-01T01:00:00+01:00",
        "2020-06-30T23:59:59Z",
        "2020",
        "2020-04",
        "2021-01-01T00:00:00Z",
        "01/05/2020",
        "",
    ] {
        assert!(!window.contains(outside), "{outside}");
    }
    assert_eq!(window.witness().as_deref(), Some("2020-04-01T00:00:01Z"));
    let outside = window.complement();
    assert!(outside.contains("2020-04-01T00:00:00Z") && outside.contains("not a date"));
    // Both windows of the same bounds, one inclusive: only the two ends differ.
    let inclusive = DateSet::for_values(
        OperatorBase::DateGreaterThanEquals,
        &["2020-04-01T00:00:00Z"],
    )
    .unwrap()
    .intersect(
        &DateSet::for_values(OperatorBase::DateLessThanEquals, &["2020-06-30T23:59:59Z"]).unwrap(),
    );
    let ends = inclusive.intersect(&window.complement());
    assert!(ends.contains("2020-04-01T00:00:00Z") && ends.contains("2020-06-30T23:59:59Z"));
    assert!(!ends.contains("2020-05-01T00:00:00Z"));
    assert_eq!(ends.witness().as_deref(), Some("2020-04-01T00:00:00Z"));
}

/// UG "IP address condition operators": `IpAddress` on `aws:SourceIp` with the IPv4 range
/// `203.0.113.0/24` and the IPv6 range `2001:DB8:1234:5678::/64`. A /24 is the 256 addresses
/// 203.0.113.0–255; a /64 the addresses whose first 64 bits are 2001:db8:1234:5678.
#[test]
fn source_ip_ranges() {
    let set = IpSet::for_values(
        OperatorBase::IpAddress,
        &["203.0.113.0/24", "2001:DB8:1234:5678::/64"],
    )
    .unwrap();
    for inside in [
        "203.0.113.0",
        "203.0.113.255",
        " 203.0.113.9 ",
        "2001:db8:1234:5678::",
        "2001:DB8:1234:5678::1",
        "2001:db8:1234:5678:ffff:ffff:ffff:ffff",
    ] {
        assert!(set.contains(inside), "{inside}");
    }
    for outside in [
        "203.0.112.255",
        "203.0.114.0",
        "::ffff:203.0.113.9",
        "2001:db8:1234:5677:ffff:ffff:ffff:ffff",
        "2001:db8:1234:5679::",
        "203.0.113.9/32",
        "",
    ] {
        assert!(!set.contains(outside), "{outside}");
    }
    assert_eq!(set.witness().as_deref(), Some("203.0.113.0"));
    // NotIpAddress: everything else, strings that are not addresses included.
    let rest = set.complement();
    assert_eq!(rest.witness().as_deref(), Some("0.0.0.0"));
    assert!(rest.contains("203.0.114.0") && rest.contains("not an address"));
    // The IPv6 range alone: no IPv4 address, and its first address as the witness.
    let v6 = IpSet::for_values(OperatorBase::IpAddress, &["2001:DB8:1234:5678::/64"]).unwrap();
    assert_eq!(v6.witness().as_deref(), Some("2001:db8:1234:5678::"));
    let v4 = IpSet::for_values(OperatorBase::IpAddress, &["203.0.113.0/24"]).unwrap();
    assert!(v4.intersect(&v6).is_empty());
    assert_eq!(v4.intersect(&v6).witness(), None);
    // Host bits past the prefix are ignored; a bare address is one host.
    let host_bits = IpSet::for_values(OperatorBase::IpAddress, &["203.0.113.7/24"]).unwrap();
    assert_eq!(host_bits, v4);
    let one = IpSet::for_values(OperatorBase::IpAddress, &["203.0.113.7"]).unwrap();
    assert!(one.contains("203.0.113.7") && !one.contains("203.0.113.8"));
}

#[test]
fn all_and_empty() {
    fn check<D: Domain>() {
        assert!(D::empty().is_empty());
        assert!(!D::all().is_empty());
        assert_eq!(D::all().complement(), D::empty());
        assert_eq!(D::empty().complement(), D::all());
        assert_eq!(D::empty().witness(), None);
        let w = D::all().witness().unwrap();
        assert!(D::all().contains(&w));
    }
    check::<NumberSet>();
    check::<DateSet>();
    check::<IpSet>();
}

// ---------------------------------------------------------------------------------------------
// The grids have no holes

/// A fixed pseudo-random sequence (xorshift), for spreading probes over a grid.
fn spread(n: usize) -> impl Iterator<Item = u64> {
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    std::iter::repeat_with(move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    })
    .take(n)
}

/// Every number key is the value of some request string, which `decimal` writes: so a set
/// with a range is never empty of request strings, and `is_empty` is exact.
#[test]
fn every_number_key_is_a_request_value() {
    let ends = [
        0,
        1,
        super::NUMBER_ZERO - 1,
        super::NUMBER_ZERO,
        super::NUMBER_ZERO + 1,
        super::NUMBER_MAX - 1,
        super::NUMBER_MAX,
    ];
    let keys = ends
        .into_iter()
        .chain(spread(5000).map(|r| r % (super::NUMBER_MAX + 1)));
    for k in keys {
        let text = super::decimal(super::number_of(k));
        let back = crate::value::parse_number(&text).and_then(super::number_key);
        assert_eq!(back, Some(k), "{text}");
    }
}

/// Every date key is an instant `parse_date` reads from `%Y-%m-%dT%H:%M:%S%.fZ`, leap
/// seconds and signed years beyond 0000-9999 included: no holes, so `is_empty` is exact.
#[test]
fn every_date_key_is_a_request_value() {
    let (min, max) = super::date_bounds();
    let width = u128::try_from(max - min + 1).unwrap();
    let random = spread(5000).map(|r| {
        let r = u128::from(r) << 64 | u128::from(r.rotate_left(17));
        min + i128::try_from(r % width).unwrap()
    });
    // Keys in the leap second of random minutes.
    let leap = spread(500).map(|r| {
        let minutes = (max - min) / super::PER_MINUTE;
        let minute = min.div_euclid(super::PER_MINUTE) + i128::from(r) % minutes;
        minute * super::PER_MINUTE + 60 * super::NANOS + i128::from(r % 1_000_000_000)
    });
    let keys = [min, min + 1, max - 1, max]
        .into_iter()
        .chain(random)
        .chain(leap);
    for k in keys {
        let d = super::date_of(k).unwrap_or_else(|| panic!("no instant for key {k}"));
        assert_eq!(super::date_key(d), k, "{d:?}");
        let text = d.format("%Y-%m-%dT%H:%M:%S%.fZ").to_string();
        assert_eq!(crate::value::parse_date(&text), Some(d), "{text}");
    }
    // Nothing beyond the ends.
    assert_eq!(super::date_of(min - 1), None);
    assert_eq!(super::date_of(max + 1), None);
}

// ---------------------------------------------------------------------------------------------
// `NumericEquals` at its edges

/// A number `steps` floats away from `x` (toward +inf when positive).
fn step(x: f64, steps: i64) -> f64 {
    let mut x = x;
    for _ in 0..steps.unsigned_abs() {
        x = if steps > 0 { next_up(x) } else { -next_up(-x) };
    }
    x
}

fn next_up(x: f64) -> f64 {
    if x.is_nan() || x == f64::INFINITY {
        x
    } else if x == 0.0 {
        f64::from_bits(1)
    } else if x > 0.0 {
        f64::from_bits(x.to_bits() + 1)
    } else {
        f64::from_bits(x.to_bits() - 1)
    }
}

/// Request values around the policy numbers: each value, a few floats either side of it and
/// of the ends of `NumericEquals`'s tolerance (`EPSILON` absolute below 1, relative above).
fn numbers_near(values: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for p in values.iter().filter_map(|v| crate::value::parse_number(v)) {
        let tol = f64::EPSILON * p.abs().max(1.0);
        for base in [p, p + tol, p - tol, p + tol / 2.0, p - tol / 2.0] {
            for k in -3..=3 {
                let x = step(base, k);
                if x.is_finite() {
                    out.push(format!("{x}"));
                }
            }
        }
    }
    out
}

/// Every policy number's `NumericEquals` set agrees with the evaluator a few floats inside and
/// outside both of its ends, and at the ends of the tolerance: the bisection found the edges.
#[test]
fn numeric_equals_edges_match_the_evaluator() {
    let mut policy_numbers: Vec<f64> = vec![
        0.0,
        1.0,
        -1.0,
        0.5,
        -0.5,
        3600.0,
        0.1,
        1e-300,
        5e-324,
        f64::EPSILON,
        f64::EPSILON / 2.0,
        1.0 - f64::EPSILON,
        1.0 + f64::EPSILON,
        -1.0 + f64::EPSILON / 2.0,
        2.0,
        0.75,
        1e15,
        9_007_199_254_740_993.0,
        1e300,
        f64::MAX,
        -f64::MAX,
        123.456,
    ];
    // A fixed pseudo-random spread over many magnitudes.
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..300 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let x = f64::from_bits(seed >> 2);
        if x.is_finite() {
            policy_numbers.push(if seed & 1 == 0 { x } else { -x });
        }
        policy_numbers.push(f64::from(u32::try_from(seed >> 40).unwrap()) / 1024.0);
    }
    for p in policy_numbers {
        let text = format!("{p}");
        let values = vec![text.clone()];
        let oracle = Oracle::new("NumericEquals", "aws:MultiFactorAuthAge", &values);
        let set = NumberSet::for_values(OperatorBase::NumericEquals, &values).unwrap();
        assert!(set.contains(&text), "{text}");
        let (lo, hi) = set.values.spans[0];
        let (a, b) = (super::number_of(lo), super::number_of(hi));
        let mut probes = numbers_near(&values);
        for k in -4..=4 {
            probes.push(format!("{}", step(a, k)));
            probes.push(format!("{}", step(b, k)));
        }
        for probe in probes {
            assert_eq!(
                set.contains(&probe),
                oracle.holds(&probe),
                "NumericEquals {text}, request {probe}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Random sets built from random conditions, checked against the evaluator

/// A set expression over conditions.
#[derive(Debug, Clone)]
enum Expr {
    /// A condition: the operator's index in `OPS`, and its policy values.
    Condition(usize, Vec<String>),
    Union(Box<Expr>, Box<Expr>),
    Intersect(Box<Expr>, Box<Expr>),
    Complement(Box<Expr>),
}

impl Expr {
    fn conditions<'a>(&'a self, out: &mut Vec<(usize, &'a [String])>) {
        match self {
            Expr::Condition(op, values) => out.push((*op, values)),
            Expr::Union(a, b) | Expr::Intersect(a, b) => {
                a.conditions(out);
                b.conditions(out);
            }
            Expr::Complement(a) => a.conditions(out),
        }
    }

    fn set<D: Domain>(&self) -> D {
        match self {
            Expr::Condition(op, values) => set_for::<D>(*op, values),
            Expr::Union(a, b) => a.set::<D>().union(&b.set()),
            Expr::Intersect(a, b) => a.set::<D>().intersect(&b.set()),
            Expr::Complement(a) => a.set::<D>().complement(),
        }
    }

    /// Whether the evaluator puts `value` in the set: the conditions decide, in the order
    /// `conditions` lists them, and the expression combines their answers.
    fn holds<D: Domain>(&self, oracles: &mut std::slice::Iter<'_, Oracle>, value: &str) -> bool {
        match self {
            Expr::Condition(..) => oracles
                .next()
                .expect("one oracle per condition")
                .holds(value),
            Expr::Union(a, b) => {
                let x = a.holds::<D>(oracles, value);
                let y = b.holds::<D>(oracles, value);
                x || y
            }
            Expr::Intersect(a, b) => {
                let x = a.holds::<D>(oracles, value);
                let y = b.holds::<D>(oracles, value);
                x && y
            }
            Expr::Complement(a) => !a.holds::<D>(oracles, value),
        }
    }
}

fn expr(ops: usize, value: BoxedStrategy<String>) -> impl Strategy<Value = Expr> {
    let leaf = (0..ops, prop::collection::vec(value, 1..=3))
        .prop_map(|(op, values)| Expr::Condition(op, values));
    leaf.prop_recursive(3, 8, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Expr::Union(Box::new(a), Box::new(b))),
            (inner.clone(), inner.clone())
                .prop_map(|(a, b)| Expr::Intersect(Box::new(a), Box::new(b))),
            inner.prop_map(|a| Expr::Complement(Box::new(a))),
        ]
    })
}

/// Checks one expression: every sampled request value and the witness are in the set exactly
/// when the evaluator says so; a set that is not empty has a witness; the set laws hold.
fn check_expr<D: Domain>(e: &Expr, samples: &[String]) -> Result<(), TestCaseError> {
    let mut conditions = Vec::new();
    e.conditions(&mut conditions);
    let oracles: Vec<Oracle> = conditions
        .iter()
        .map(|(op, values)| Oracle::new(D::OPS[*op].0, D::KEY, values))
        .collect();
    let set: D = e.set();
    let witness = set.witness();
    prop_assert_eq!(witness.is_some(), !set.is_empty(), "{:?}", set);
    let mut probes: Vec<&str> = samples.iter().map(String::as_str).collect();
    probes.extend(witness.as_deref());
    for probe in probes {
        let want = e.holds::<D>(&mut oracles.iter(), probe);
        prop_assert_eq!(
            set.contains(probe),
            want,
            "request {:?}, set {:?}",
            probe,
            set
        );
    }
    if let Some(w) = &witness {
        prop_assert!(e.holds::<D>(&mut oracles.iter(), w), "witness {w:?}");
    }
    if set.is_empty() {
        for probe in samples {
            prop_assert!(!e.holds::<D>(&mut oracles.iter(), probe), "{probe:?}");
        }
    }
    let not = set.complement();
    prop_assert_eq!(&not.complement(), &set);
    prop_assert!(set.intersect(&not).is_empty());
    prop_assert_eq!(set.union(&not), D::all());
    Ok(())
}

/// Request samples: random ones, and the ones near every policy value of the expression.
fn samples(e: &Expr, random: Vec<String>, near: fn(&[String]) -> Vec<String>) -> Vec<String> {
    let mut conditions = Vec::new();
    e.conditions(&mut conditions);
    let mut out = random;
    for (_, values) in conditions {
        out.extend(values.iter().cloned());
        out.extend(near(values));
    }
    out
}

// Numbers

fn number_text() -> BoxedStrategy<String> {
    prop_oneof![
        (-5i32..=5).prop_map(|i| i.to_string()),
        (-100_000i32..100_000, 0i32..4)
            .prop_map(|(n, d)| format!("{}", f64::from(n) / 10f64.powi(d))),
        any::<f64>()
            .prop_filter("finite", |x| x.is_finite())
            .prop_map(|x| format!("{x}")),
        prop::sample::select(vec![
            "3600",
            "0.1",
            "1.5",
            "-0",
            "0",
            "+7",
            " 7 ",
            ".5",
            "5.",
            "0.30000000000000004",
            "1e3",
            "abc",
            "",
            "NaN",
            "inf",
            "-",
            ".",
            "1.2.3",
            "0x10",
            "1_000",
        ])
        .prop_map(ToString::to_string),
        Just(format!("1{}", "0".repeat(309))),
        Just(format!("-1{}", "0".repeat(309))),
        Just(format!("0.{}1", "0".repeat(330))),
    ]
    .boxed()
}

// Dates

fn rfc3339(d: DateTime<Utc>) -> String {
    d.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

fn date_text() -> BoxedStrategy<String> {
    let instant = (0i64..4_102_444_800, 0u32..1_000_000_000, 0u8..4).prop_map(|(s, n, kind)| {
        let d = DateTime::from_timestamp(s, n).unwrap();
        match kind {
            0 => rfc3339(d),
            1 => d.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            2 => s.to_string(),
            _ => d.format("%Y-%m-%d").to_string(),
        }
    });
    prop_oneof![
        instant,
        prop::sample::select(vec![
            "2020-04-01T00:00:00Z",
            "2020-06-30T23:59:59Z",
            "2020-04-01T01:00:00+01:00",
            "2026",
            "2026-01",
            "2026-01-31",
            "1767225600",
            "0",
            "2016-12-31T23:59:60Z",
            "2016-12-31T23:59:60.5Z",
            "2017-01-01T00:00:00Z",
            "2020-01-01T00:00:00.5+01:00",
            "1997-07-16T19:20",
            "1997-07-16T19:20+01:00",
            "+12345-01-01T00:00:00Z",
            "-0005-01-01T00:00:00Z",
            "-262143-01-01T00:00:00Z",
            "+262142-12-31T23:59:60.999999999Z",
            "31/01/2026",
            "",
            "yesterday",
            "2026-13",
        ])
        .prop_map(ToString::to_string),
    ]
    .boxed()
}

fn dates_near(values: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for d in values.iter().filter_map(|v| crate::value::parse_date(v)) {
        for delta in [
            TimeDelta::nanoseconds(1),
            TimeDelta::seconds(1),
            TimeDelta::minutes(1),
        ] {
            for x in [d.checked_add_signed(delta), d.checked_sub_signed(delta)]
                .into_iter()
                .flatten()
            {
                out.push(x.format("%Y-%m-%dT%H:%M:%S%.fZ").to_string());
            }
        }
        out.push(d.format("%Y-%m-%dT%H:%M:60Z").to_string());
        out.push(d.format("%Y-%m-%dT%H:%M:59.999999999Z").to_string());
        out.push(d.timestamp().to_string());
    }
    out
}

// IP addresses

fn ip_text() -> BoxedStrategy<String> {
    prop_oneof![
        (any::<u32>(), 0u8..=32).prop_map(|(a, p)| format!("{}/{p}", std::net::Ipv4Addr::from(a))),
        any::<u32>().prop_map(|a| std::net::Ipv4Addr::from(a).to_string()),
        (any::<u128>(), 0u8..=128)
            .prop_map(|(a, p)| format!("{}/{p}", std::net::Ipv6Addr::from(a))),
        any::<u128>().prop_map(|a| std::net::Ipv6Addr::from(a).to_string()),
        prop::sample::select(vec![
            "203.0.113.0/24",
            "2001:DB8:1234:5678::/64",
            "203.0.113.7",
            "203.0.113.7/24",
            "10.0.0.0/8",
            "0.0.0.0/0",
            "::/0",
            "::ffff:203.0.113.0/120",
            "::ffff:203.0.113.9",
            " 203.0.113.9 ",
            "203.0.113.0/33",
            "203.0.113",
            "not-an-ip",
            "",
        ])
        .prop_map(ToString::to_string),
    ]
    .boxed()
}

fn ips_near(values: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for net in values
        .iter()
        .filter_map(|v| crate::value::parse_ip_range(v))
    {
        match net {
            IpNet::V4(n) => {
                for a in [u32::from(n.network()), u32::from(n.broadcast())] {
                    for x in [a.checked_sub(1), Some(a), a.checked_add(1)]
                        .into_iter()
                        .flatten()
                    {
                        out.push(std::net::Ipv4Addr::from(x).to_string());
                    }
                }
            }
            IpNet::V6(n) => {
                for a in [u128::from(n.network()), u128::from(n.broadcast())] {
                    for x in [a.checked_sub(1), Some(a), a.checked_add(1)]
                        .into_iter()
                        .flatten()
                    {
                        out.push(std::net::Ipv6Addr::from(x).to_string());
                    }
                }
            }
        }
    }
    out
}

proptest! {
    #[test]
    fn number_sets_match_the_evaluator(
        e in expr(NumberSet::OPS.len(), number_text()),
        random in prop::collection::vec(number_text(), 0..12),
    ) {
        let samples = samples(&e, random, numbers_near);
        check_expr::<NumberSet>(&e, &samples)?;
    }

    #[test]
    fn date_sets_match_the_evaluator(
        e in expr(DateSet::OPS.len(), date_text()),
        random in prop::collection::vec(date_text(), 0..12),
    ) {
        let samples = samples(&e, random, dates_near);
        check_expr::<DateSet>(&e, &samples)?;
    }

    #[test]
    fn ip_sets_match_the_evaluator(
        e in expr(IpSet::OPS.len(), ip_text()),
        random in prop::collection::vec(ip_text(), 0..12),
    ) {
        let samples = samples(&e, random, ips_near);
        check_expr::<IpSet>(&e, &samples)?;
    }
}
