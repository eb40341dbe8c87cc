//! The sets of request values one `Numeric*`, `Date*` or `IpAddress` condition accepts, exact
//! to the evaluator (`crate::eval`'s `matching_value`).
//!
//! A request value is a string. Each family reads it with the evaluator's own parser
//! ([`parse_number`], [`parse_date`], `IpAddr` after `trim`); a string the parser does not read
//! matches no policy value under any positive operator (UG
//! `reference_policies_elements_condition_operators`). So a set here is the parsed values it
//! holds, and a flag for "every string that does not parse".
//!
//! The parsed values of each family are a finite, totally ordered grid: `f64` (without NaN,
//! `-0` equal to `0`), `chrono` instants (nanoseconds, with the leap-second instants `chrono`
//! reads from `:60`), IPv4 and IPv6 addresses. Each grid is numbered by an order-preserving
//! integer key, and a set is a list of inclusive key ranges. An open end at `x` is the closed
//! end at the next grid point, so the ranges need no open/closed flags and every set operation
//! is exact.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use chrono::{DateTime, Utc};
use ipnet::IpNet;

use crate::ast::OperatorBase;
use crate::value::{parse_date, parse_ip_range, parse_number};

#[cfg(test)]
mod tests;

/// A grid point's number: ordered, with a successor and a predecessor.
trait Key: Copy + Ord + fmt::Debug {
    fn succ(self) -> Option<Self>;
    fn pred(self) -> Option<Self>;
}

macro_rules! impl_key {
    ($($t:ty),*) => {
        $(impl Key for $t {
            fn succ(self) -> Option<Self> {
                self.checked_add(1)
            }
            fn pred(self) -> Option<Self> {
                self.checked_sub(1)
            }
        })*
    };
}

impl_key!(u32, u64, u128, i128);

/// Inclusive key ranges.
// INVARIANT: sorted, each `lo <= hi`, disjoint and not adjacent (so equal sets are equal
// values).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Ranges<K> {
    spans: Vec<(K, K)>,
}

impl<K: Key> Ranges<K> {
    fn none() -> Self {
        Ranges { spans: Vec::new() }
    }

    /// `lo..=hi`; empty when `lo > hi`.
    fn span(lo: K, hi: K) -> Self {
        Self::normalized(vec![(lo, hi)])
    }

    fn normalized(mut spans: Vec<(K, K)>) -> Self {
        spans.retain(|(lo, hi)| lo <= hi);
        spans.sort_unstable();
        let mut out: Vec<(K, K)> = Vec::with_capacity(spans.len());
        for (lo, hi) in spans {
            if let Some(last) = out.last_mut() {
                // Overlapping or adjacent: one range.
                if last.1.succ().is_none_or(|next| lo <= next) {
                    last.1 = last.1.max(hi);
                    continue;
                }
            }
            out.push((lo, hi));
        }
        Ranges { spans: out }
    }

    fn union(&self, other: &Self) -> Self {
        Self::normalized(self.spans.iter().chain(&other.spans).copied().collect())
    }

    fn intersect(&self, other: &Self) -> Self {
        let mut out = Vec::new();
        let (mut a, mut b) = (self.spans.iter().peekable(), other.spans.iter().peekable());
        while let (Some(&&(alo, ahi)), Some(&&(blo, bhi))) = (a.peek(), b.peek()) {
            let (lo, hi) = (alo.max(blo), ahi.min(bhi));
            if lo <= hi {
                out.push((lo, hi));
            }
            if ahi < bhi {
                a.next();
            } else {
                b.next();
            }
        }
        Self::normalized(out)
    }

    /// Every key of `min..=max` not in the set (the set lies within `min..=max`).
    fn complement(&self, min: K, max: K) -> Self {
        let mut out = Vec::new();
        let mut from = Some(min);
        for &(lo, hi) in &self.spans {
            if let (Some(f), Some(before)) = (from, lo.pred()) {
                if f <= before {
                    out.push((f, before));
                }
            }
            from = hi.succ();
        }
        if let Some(f) = from {
            if f <= max {
                out.push((f, max));
            }
        }
        Self::normalized(out)
    }

    fn contains(&self, key: K) -> bool {
        let after = self.spans.partition_point(|&(lo, _)| lo <= key);
        after
            .checked_sub(1)
            .and_then(|i| self.spans.get(i))
            .is_some_and(|&(_, hi)| key <= hi)
    }

    fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }
}

/// The witness text for a set whose only members are strings that do not parse as a number.
const NOT_A_NUMBER: &str = "not-a-number";
/// ... as a date.
const NOT_A_DATE: &str = "not-a-date";
/// ... as an IP address.
const NOT_AN_IP_ADDRESS: &str = "not-an-ip-address";

// ---------------------------------------------------------------------------------------------
// Numbers

/// `f64::INFINITY.to_bits()`: the key of `0`, and half the key of `+inf`.
const NUMBER_ZERO: u64 = 0x7FF0_0000_0000_0000;
/// The key of `+inf` (`-inf` is 0).
const NUMBER_MAX: u64 = 2 * NUMBER_ZERO;

/// A number's key: `-inf` is 0, `0` (and `-0`) is [`NUMBER_ZERO`], `+inf` is [`NUMBER_MAX`];
/// neighbouring keys are neighbouring `f64`s. `None` for NaN, which `parse_number` never
/// returns (and which no comparison would match).
fn number_key(x: f64) -> Option<u64> {
    if x.is_nan() {
        return None;
    }
    let magnitude = x.abs().to_bits();
    Some(if x < 0.0 {
        NUMBER_ZERO - magnitude
    } else {
        NUMBER_ZERO + magnitude
    })
}

/// The number with this key (keys above [`NUMBER_MAX`] are read as `+inf`).
fn number_of(key: u64) -> f64 {
    match key.checked_sub(NUMBER_ZERO) {
        Some(up) => f64::from_bits(up.min(NUMBER_ZERO)),
        None => -f64::from_bits(NUMBER_ZERO - key),
    }
}

/// The evaluator's `NumericEquals` test of request number `r` against policy number `p`
/// (`eval/condition.rs`: a difference below `f64::EPSILON` relative to the request, at least
/// 1).
fn numeric_equals(r: f64, p: f64) -> bool {
    (r - p).abs() < f64::EPSILON * r.abs().max(1.0)
}

/// The keys of the request numbers `NumericEquals p` accepts.
///
/// The accepted numbers are one interval around `p`: as `r` moves away from `p`, `|r - p|`
/// grows by one for each unit and the tolerance by at most `EPSILON`, so on each side the
/// test holds up to one edge and no further, and each edge is found by bisection (the tests
/// probe both edges of many policy numbers against the evaluator). An infinite `p` (a
/// policy value of 309 digits) matches nothing: `inf - inf` is NaN and `r - inf` is never
/// below a finite tolerance; an infinite request matches nothing either.
fn equals_keys(p: f64) -> Ranges<u64> {
    let Some(kp) = number_key(p).filter(|_| p.is_finite()) else {
        return Ranges::none();
    };
    let holds = |k: u64| numeric_equals(number_of(k), p);
    // Last key that holds in kp..=MAX: holds(kp), not holds(MAX) (+inf).
    let (mut yes, mut no) = (kp, NUMBER_MAX);
    while no - yes > 1 {
        let mid = yes + (no - yes) / 2;
        if holds(mid) {
            yes = mid;
        } else {
            no = mid;
        }
    }
    let hi = yes;
    // First key that holds in 0..=kp: not holds(0) (-inf), holds(kp).
    let (mut no, mut yes) = (0, kp);
    while yes - no > 1 {
        let mid = no + (yes - no) / 2;
        if holds(mid) {
            yes = mid;
        } else {
            no = mid;
        }
    }
    Ranges::span(yes, hi)
}

/// Request values of a `Numeric*` condition key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NumberSet {
    /// Keys (see `number_key`) of the numbers in the set.
    values: Ranges<u64>,
    /// Whether the strings `parse_number` does not read are in the set.
    unparsed: bool,
}

impl NumberSet {
    /// No request value.
    pub(crate) fn empty() -> Self {
        NumberSet {
            values: Ranges::none(),
            unparsed: false,
        }
    }

    /// Every request value.
    pub(crate) fn all() -> Self {
        NumberSet {
            values: Ranges::span(0, NUMBER_MAX),
            unparsed: true,
        }
    }

    /// The request values that match some policy value under `op` (a positive `Numeric*`
    /// operator), as the evaluator decides; `None` for any other operator. Policy values
    /// `parse_number` does not read match nothing.
    pub(crate) fn for_values<S: AsRef<str>>(op: OperatorBase, values: &[S]) -> Option<Self> {
        use OperatorBase as O;
        if !matches!(
            op,
            O::NumericEquals
                | O::NumericLessThan
                | O::NumericLessThanEquals
                | O::NumericGreaterThan
                | O::NumericGreaterThanEquals
        ) {
            return None;
        }
        let mut out = Ranges::none();
        for (p, k) in values
            .iter()
            .filter_map(|v| parse_number(v.as_ref()))
            .filter_map(|p| number_key(p).map(|k| (p, k)))
        {
            let keys = match op {
                O::NumericEquals => equals_keys(p),
                O::NumericLessThan => k.pred().map_or_else(Ranges::none, |b| Ranges::span(0, b)),
                O::NumericLessThanEquals => Ranges::span(0, k),
                O::NumericGreaterThan => k
                    .succ()
                    .map_or_else(Ranges::none, |a| Ranges::span(a, NUMBER_MAX)),
                _ => Ranges::span(k, NUMBER_MAX),
            };
            out = out.union(&keys);
        }
        Some(NumberSet {
            values: out,
            unparsed: false,
        })
    }

    /// Values in both sets.
    pub(crate) fn intersect(&self, other: &Self) -> Self {
        NumberSet {
            values: self.values.intersect(&other.values),
            unparsed: self.unparsed && other.unparsed,
        }
    }

    /// Values in either set.
    pub(crate) fn union(&self, other: &Self) -> Self {
        NumberSet {
            values: self.values.union(&other.values),
            unparsed: self.unparsed || other.unparsed,
        }
    }

    /// Values not in the set.
    pub(crate) fn complement(&self) -> Self {
        NumberSet {
            values: self.values.complement(0, NUMBER_MAX),
            unparsed: !self.unparsed,
        }
    }

    /// Whether no request value is in the set.
    pub(crate) fn is_empty(&self) -> bool {
        self.values.is_empty() && !self.unparsed
    }

    /// Whether the request value is in the set.
    pub(crate) fn contains(&self, request: &str) -> bool {
        match parse_number(request).and_then(number_key) {
            Some(k) => self.values.contains(k),
            None => self.unparsed,
        }
    }

    /// A request value in the set, in plain decimal (`parse_number` reads it back to the
    /// same number): `0` or the integer nearest 0 when there is one, else an end of the first
    /// range. A set of unparsed strings only gives `not-a-number`.
    pub(crate) fn witness(&self) -> Option<String> {
        for &(lo, hi) in &self.values.spans {
            let (a, b) = (number_of(lo), number_of(hi));
            let mut candidates = Vec::new();
            if lo <= NUMBER_ZERO && NUMBER_ZERO <= hi {
                candidates.push("0".to_string());
            }
            if a > 0.0 {
                candidates.push(decimal(a.ceil()));
            }
            if b < 0.0 {
                candidates.push(decimal(b.floor()));
            }
            candidates.push(decimal(a));
            candidates.push(decimal(b));
            if let Some(w) = candidates.into_iter().find(|c| self.contains(c)) {
                return Some(w);
            }
        }
        self.unparsed.then(|| NOT_A_NUMBER.to_string())
    }
}

/// A number in plain decimal that `parse_number` reads back to it: Rust's `{}` for finite
/// numbers (never an exponent, shortest round trip); for an infinity, a 310-digit integer,
/// which overflows to it.
fn decimal(x: f64) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        let sign = if x < 0.0 { "-" } else { "" };
        format!("{sign}1{}", "0".repeat(309))
    }
}

// ---------------------------------------------------------------------------------------------
// Dates

const NANOS: i128 = 1_000_000_000;
/// Keys per minute: 60 seconds and the leap second `chrono` reads from `:60` (any minute's
/// `:59` second with 1e9 to 2e9 - 1 nanoseconds).
const PER_MINUTE: i128 = 61 * NANOS;

/// An instant's key: minutes since the epoch × [`PER_MINUTE`] + nanoseconds into the minute,
/// the leap second after `:59`. Keys follow `chrono`'s order, which the evaluator compares.
fn date_key(d: DateTime<Utc>) -> i128 {
    let secs = i128::from(d.timestamp());
    // INVARIANT: 1e9 or more nanoseconds only at second 59 (chrono's leap second), so the
    // key stays within its minute.
    secs.div_euclid(60) * PER_MINUTE
        + secs.rem_euclid(60) * NANOS
        + i128::from(d.timestamp_subsec_nanos())
}

/// The instant with this key, if `chrono` has it.
fn date_of(key: i128) -> Option<DateTime<Utc>> {
    let (minute, into) = (key.div_euclid(PER_MINUTE), key.rem_euclid(PER_MINUTE));
    let (sec, nanos) = if into < 60 * NANOS {
        (into / NANOS, into % NANOS)
    } else {
        (59, into - 59 * NANOS)
    };
    DateTime::from_timestamp(
        i64::try_from(minute * 60 + sec).ok()?,
        u32::try_from(nanos).ok()?,
    )
}

/// The first and last keys: `chrono`'s first instant, and the leap second after its last
/// (`+262142-12-31T23:59:60.999999999Z`, which `parse_date` reads). Every key between is an
/// instant `parse_date` reads from `%Y-%m-%dT%H:%M:%S%.fZ` (signed years beyond 0000–9999).
fn date_bounds() -> (i128, i128) {
    (
        date_key(DateTime::<Utc>::MIN_UTC),
        date_key(DateTime::<Utc>::MAX_UTC) + NANOS,
    )
}

/// Request values of a `Date*` condition key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DateSet {
    /// Keys (see `date_key`) of the instants in the set.
    instants: Ranges<i128>,
    /// Whether the strings `parse_date` does not read are in the set.
    unparsed: bool,
}

impl DateSet {
    /// No request value.
    pub(crate) fn empty() -> Self {
        DateSet {
            instants: Ranges::none(),
            unparsed: false,
        }
    }

    /// Every request value.
    pub(crate) fn all() -> Self {
        let (min, max) = date_bounds();
        DateSet {
            instants: Ranges::span(min, max),
            unparsed: true,
        }
    }

    /// The request values that match some policy value under `op` (a positive `Date*`
    /// operator), as the evaluator decides; `None` for any other operator. Policy values
    /// `parse_date` does not read match nothing.
    pub(crate) fn for_values<S: AsRef<str>>(op: OperatorBase, values: &[S]) -> Option<Self> {
        use OperatorBase as O;
        if !matches!(
            op,
            O::DateEquals
                | O::DateLessThan
                | O::DateLessThanEquals
                | O::DateGreaterThan
                | O::DateGreaterThanEquals
        ) {
            return None;
        }
        let (min, max) = date_bounds();
        let mut out = Ranges::none();
        for k in values
            .iter()
            .filter_map(|v| parse_date(v.as_ref()))
            .map(date_key)
        {
            let keys = match op {
                O::DateEquals => Ranges::span(k, k),
                O::DateLessThan => Ranges::span(min, k - 1),
                O::DateLessThanEquals => Ranges::span(min, k),
                O::DateGreaterThan => Ranges::span(k + 1, max),
                _ => Ranges::span(k, max),
            };
            out = out.union(&keys);
        }
        Some(DateSet {
            instants: out,
            unparsed: false,
        })
    }

    /// Values in both sets.
    pub(crate) fn intersect(&self, other: &Self) -> Self {
        DateSet {
            instants: self.instants.intersect(&other.instants),
            unparsed: self.unparsed && other.unparsed,
        }
    }

    /// Values in either set.
    pub(crate) fn union(&self, other: &Self) -> Self {
        DateSet {
            instants: self.instants.union(&other.instants),
            unparsed: self.unparsed || other.unparsed,
        }
    }

    /// Values not in the set.
    pub(crate) fn complement(&self) -> Self {
        let (min, max) = date_bounds();
        DateSet {
            instants: self.instants.complement(min, max),
            unparsed: !self.unparsed,
        }
    }

    /// Whether no request value is in the set.
    pub(crate) fn is_empty(&self) -> bool {
        self.instants.is_empty() && !self.unparsed
    }

    /// Whether the request value is in the set.
    pub(crate) fn contains(&self, request: &str) -> bool {
        match parse_date(request) {
            Some(d) => self.instants.contains(date_key(d)),
            None => self.unparsed,
        }
    }

    /// A request value in the set, as `YYYY-MM-DDThh:mm:ss[.s]Z` (RFC 3339 for years
    /// 0000–9999; a signed year beyond): the first whole second of the first range when it
    /// has one, else its first instant. A set of unparsed strings only gives `not-a-date`.
    pub(crate) fn witness(&self) -> Option<String> {
        for &(lo, hi) in &self.instants.spans {
            let whole = whole_second_from(lo).filter(|&k| k <= hi);
            let found = whole
                .into_iter()
                .chain([lo, hi])
                .filter_map(date_of)
                .map(|d| d.format("%Y-%m-%dT%H:%M:%S%.fZ").to_string())
                .find(|text| self.contains(text));
            if found.is_some() {
                return found;
            }
        }
        self.unparsed.then(|| NOT_A_DATE.to_string())
    }
}

/// The first key at or after `key` that is a whole second other than a leap second.
fn whole_second_from(key: i128) -> Option<i128> {
    let (minute, into) = (key.div_euclid(PER_MINUTE), key.rem_euclid(PER_MINUTE));
    if into % NANOS == 0 && into < 60 * NANOS {
        Some(key)
    } else if into < 59 * NANOS {
        Some(minute * PER_MINUTE + (into / NANOS + 1) * NANOS)
    } else {
        minute.checked_add(1)?.checked_mul(PER_MINUTE)
    }
}

// ---------------------------------------------------------------------------------------------
// IP addresses

/// Request values of an IP address condition key (`IpAddress`, `NotIpAddress`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IpSet {
    /// IPv4 addresses in the set.
    v4: Ranges<u32>,
    /// IPv6 addresses in the set (IPv4-mapped ones included: they are IPv6 addresses, which
    /// no IPv4 range contains).
    v6: Ranges<u128>,
    /// Whether the strings that are not an address (after `trim`) are in the set.
    unparsed: bool,
}

impl IpSet {
    /// No request value.
    pub(crate) fn empty() -> Self {
        IpSet {
            v4: Ranges::none(),
            v6: Ranges::none(),
            unparsed: false,
        }
    }

    /// Every request value.
    pub(crate) fn all() -> Self {
        IpSet {
            v4: Ranges::span(0, u32::MAX),
            v6: Ranges::span(0, u128::MAX),
            unparsed: true,
        }
    }

    /// The request addresses that some policy range contains (`op` is `IpAddress`; `None`
    /// for any other operator). A range's host bits are ignored (`203.0.113.7/24` is
    /// `203.0.113.0/24`); a bare address is a single host; values `parse_ip_range` does not
    /// read match nothing.
    pub(crate) fn for_values<S: AsRef<str>>(op: OperatorBase, values: &[S]) -> Option<Self> {
        if op != OperatorBase::IpAddress {
            return None;
        }
        let (mut v4, mut v6) = (Vec::new(), Vec::new());
        for net in values.iter().filter_map(|v| parse_ip_range(v.as_ref())) {
            match net {
                IpNet::V4(n) => v4.push((u32::from(n.network()), u32::from(n.broadcast()))),
                IpNet::V6(n) => v6.push((u128::from(n.network()), u128::from(n.broadcast()))),
            }
        }
        Some(IpSet {
            v4: Ranges::normalized(v4),
            v6: Ranges::normalized(v6),
            unparsed: false,
        })
    }

    /// Values in both sets.
    pub(crate) fn intersect(&self, other: &Self) -> Self {
        IpSet {
            v4: self.v4.intersect(&other.v4),
            v6: self.v6.intersect(&other.v6),
            unparsed: self.unparsed && other.unparsed,
        }
    }

    /// Values in either set.
    pub(crate) fn union(&self, other: &Self) -> Self {
        IpSet {
            v4: self.v4.union(&other.v4),
            v6: self.v6.union(&other.v6),
            unparsed: self.unparsed || other.unparsed,
        }
    }

    /// Values not in the set.
    pub(crate) fn complement(&self) -> Self {
        IpSet {
            v4: self.v4.complement(0, u32::MAX),
            v6: self.v6.complement(0, u128::MAX),
            unparsed: !self.unparsed,
        }
    }

    /// Whether no request value is in the set.
    pub(crate) fn is_empty(&self) -> bool {
        self.v4.is_empty() && self.v6.is_empty() && !self.unparsed
    }

    /// Whether the request value is in the set.
    pub(crate) fn contains(&self, request: &str) -> bool {
        match request.trim().parse::<IpAddr>() {
            Ok(IpAddr::V4(a)) => self.v4.contains(u32::from(a)),
            Ok(IpAddr::V6(a)) => self.v6.contains(u128::from(a)),
            Err(_) => self.unparsed,
        }
    }

    /// A request value in the set: the first IPv4 address, else the first IPv6 address,
    /// else (a set of unparsed strings only) `not-an-ip-address`.
    pub(crate) fn witness(&self) -> Option<String> {
        let v4 = self
            .v4
            .spans
            .first()
            .map(|&(lo, _)| Ipv4Addr::from(lo).to_string());
        let v6 = self
            .v6
            .spans
            .first()
            .map(|&(lo, _)| Ipv6Addr::from(lo).to_string());
        v4.into_iter()
            .chain(v6)
            .find(|w| self.contains(w))
            .or_else(|| self.unparsed.then(|| NOT_AN_IP_ADDRESS.to_string()))
    }
}
