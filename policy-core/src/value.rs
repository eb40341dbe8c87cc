//! Reading condition values as AWS does: numbers, dates, booleans, IP ranges, base64.
//! Shared by the linter (is this value valid?) and the evaluator (compare it).

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use ipnet::IpNet;

/// A number as the `Numeric*` operators read it (integers and decimals).
pub fn parse_number(text: &str) -> Option<f64> {
    let t = text.trim();
    let body = t.strip_prefix(['-', '+']).unwrap_or(t);
    // Only plain decimal notation: no `inf`, `NaN`, hex or exponent.
    let valid = !body.is_empty()
        && body.chars().all(|c| c.is_ascii_digit() || c == '.')
        && body.matches('.').count() <= 1
        && body != ".";
    if valid {
        t.parse().ok()
    } else {
        None
    }
}

/// A date as the `Date*` operators read it (UG `reference_policies_elements_condition_operators`,
/// "Date condition operators": W3C implementations of ISO 8601, or epoch seconds). Every form
/// of the W3C note "Date and Time Formats": `YYYY`, `YYYY-MM`, `YYYY-MM-DD`,
/// `YYYY-MM-DDThh:mmTZD`, `YYYY-MM-DDThh:mm:ssTZD`, `YYYY-MM-DDThh:mm:ss.sTZD` (`TZD` is `Z`
/// or `+hh:mm`/`-hh:mm`); a time without `TZD` is read as UTC. Missing parts are the start of
/// the period (`2026` is 2026-01-01T00:00:00Z). Any other run of digits is epoch seconds: a
/// four-digit number is a year (`YYYY`), as epoch seconds it would be a time in the first
/// three hours of 1970.
pub fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    let t = text.trim();
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        if t.len() == 4 {
            let year: i32 = t.parse().ok()?;
            return midnight(NaiveDate::from_ymd_opt(year, 1, 1)?);
        }
        let secs: i64 = t.parse().ok()?;
        return DateTime::from_timestamp(secs, 0);
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Some(d.with_timezone(&Utc));
    }
    // `YYYY-MM-DDThh:mmTZD` with an offset.
    if let Ok(d) = DateTime::parse_from_str(t, "%Y-%m-%dT%H:%M%:z") {
        return Some(d.with_timezone(&Utc));
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.fZ",
        "%Y-%m-%dT%H:%M:%SZ",
        "%Y-%m-%dT%H:%MZ",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(d) = NaiveDateTime::parse_from_str(t, format) {
            return Some(d.and_utc());
        }
    }
    if let Some((year, month)) = t.split_once('-').filter(|(y, m)| {
        y.len() == 4 && m.len() == 2 && (*y).bytes().chain((*m).bytes()).all(|b| b.is_ascii_digit())
    }) {
        return midnight(NaiveDate::from_ymd_opt(
            year.parse().ok()?,
            month.parse().ok()?,
            1,
        )?);
    }
    if t.len() == 10 {
        if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
            return midnight(d);
        }
    }
    None
}

fn midnight(d: NaiveDate) -> Option<DateTime<Utc>> {
    d.and_hms_opt(0, 0, 0).map(|d| d.and_utc())
}

/// A boolean as `Bool` and `Null` read it: `true` or `false`, in any case.
pub fn parse_bool(text: &str) -> Option<bool> {
    if text.eq_ignore_ascii_case("true") {
        Some(true)
    } else if text.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// An IPv4 or IPv6 address or CIDR range; a bare address is a single-host range.
pub fn parse_ip_range(text: &str) -> Option<IpNet> {
    let t = text.trim();
    t.parse::<IpNet>()
        .ok()
        .or_else(|| t.parse::<std::net::IpAddr>().ok().map(IpNet::from))
}

/// Whether text is base64 (standard alphabet, optional padding), as `BinaryEquals` needs.
pub fn is_base64(text: &str) -> bool {
    let body = text.trim_end_matches('=');
    !text.is_empty()
        && text.len() - body.len() <= 2
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> Option<DateTime<Utc>> {
        DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|d| d.with_timezone(&Utc))
    }

    /// Every form of the W3C note "Date and Time Formats", which the UG's "Date condition
    /// operators" cites, and epoch seconds. Missing parts are the start of the period.
    #[test]
    fn reads_every_w3c_date_form_and_epoch_seconds() {
        let cases = [
            ("1997", "1997-01-01T00:00:00Z"),
            ("1997-07", "1997-07-01T00:00:00Z"),
            ("1997-07-16", "1997-07-16T00:00:00Z"),
            ("1997-07-16T19:20+01:00", "1997-07-16T18:20:00Z"),
            ("1997-07-16T19:20Z", "1997-07-16T19:20:00Z"),
            ("1997-07-16T19:20:30+01:00", "1997-07-16T18:20:30Z"),
            ("1997-07-16T19:20:30.45+01:00", "1997-07-16T18:20:30.45Z"),
            ("1997-07-16T19:20:30.45Z", "1997-07-16T19:20:30.45Z"),
            ("2020-04-01T00:00:00Z", "2020-04-01T00:00:00Z"),
            ("1997-07-16T19:20:30", "1997-07-16T19:20:30Z"),
            ("1767225600", "2026-01-01T00:00:00Z"),
        ];
        for (text, want) in cases {
            assert_eq!(parse_date(text), utc(want), "{text}");
        }
        for bad in [
            "1997-13",
            "1997-00",
            "1997-02-30",
            "1997-7",
            "1997-07-16T19",
            "1997-07-16T19:20+1",
            "1997-07-16T25:00Z",
            "",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn reads_values_like_aws() {
        assert_eq!(parse_number("10"), Some(10.0));
        assert_eq!(parse_number("-1.5"), Some(-1.5));
        assert_eq!(parse_number("1e3"), None);
        assert_eq!(parse_number("NaN"), None);
        assert!(parse_date("2026-01-31").is_some());
        assert!(parse_date("2026-01-31T12:00:00Z").is_some());
        assert!(parse_date("2026-01-31T12:00:00.123+02:00").is_some());
        assert!(parse_date("1767225600").is_some());
        assert!(parse_date("31/01/2026").is_none());
        assert_eq!(parse_bool("TRUE"), Some(true));
        assert_eq!(parse_bool("1"), None);
        assert!(parse_ip_range("203.0.113.0/24").is_some());
        assert!(parse_ip_range("2001:db8::/32").is_some());
        assert!(parse_ip_range("203.0.113.7").is_some());
        assert!(parse_ip_range("203.0.113.0/33").is_none());
        assert!(is_base64("QmluYXJ5"));
        assert!(!is_base64("not base64!"));
    }
}
