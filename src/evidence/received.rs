//! Received header fields (RFC 5321 4.4), parsed leniently.

use crate::message::RawMessage;
use crate::report::forensics::Hop;
use crate::util::strip_comments;

/// Every Received field, top (latest) first.
pub fn parse_all(msg: &RawMessage<'_>) -> Vec<Hop> {
    msg.headers
        .iter()
        .enumerate()
        .filter(|(_, h)| h.is("Received"))
        .enumerate()
        .map(|(n, (i, h))| parse(n + 1, i, &h.text()))
        .collect()
}

/// Parses one Received value.
pub fn parse(position: usize, field: usize, value: &str) -> Hop {
    let (clauses, date) = match value.rfind(';') {
        Some(i) => (&value[..i], Some(value[i + 1..].trim())),
        None => (value, None),
    };
    let words = strip_comments(clauses);
    let words: Vec<&str> = words.split_whitespace().collect();
    let clause = |key: &str| {
        words
            .iter()
            .position(|w| w.eq_ignore_ascii_case(key))
            .and_then(|i| words.get(i + 1))
            .map(|w| w.trim_end_matches(';').to_string())
    };
    let parsed = date.and_then(mail_parser::DateTime::parse_rfc822);
    let (unix, time, zone, offset_minutes) = match parsed {
        Some(d) => {
            let sign = if d.tz_before_gmt { -1 } else { 1 };
            let off = sign * (i32::from(d.tz_hour) * 60 + i32::from(d.tz_minute));
            (
                Some(d.to_timestamp()),
                Some(crate::util::rfc3339(d.to_timestamp())),
                Some(format!(
                    "{}{:02}{:02}",
                    if d.tz_before_gmt { '-' } else { '+' },
                    d.tz_hour,
                    d.tz_minute
                )),
                Some(off),
            )
        }
        None => (None, None, None, None),
    };
    Hop {
        position,
        field,
        from: clause("from"),
        by: clause("by"),
        with: clause("with"),
        id: clause("id"),
        time,
        zone,
        unix,
        offset_minutes,
    }
}

/// Whether a host name is a DNS name with a registrable domain (not an IP
/// literal, not a bare internal host name).
pub fn is_domain_name(host: &str) -> bool {
    let h = host
        .trim_matches(|c| c == '[' || c == ']')
        .trim_end_matches('.');
    h.contains('.')
        && h.parse::<std::net::IpAddr>().is_err()
        && h.chars().any(|c| c.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition, one char at a time: text inside (nested) comments
    /// goes, each closing parenthesis leaves a space, a stray ')' stays.
    #[test]
    fn parses_gmail_hop() {
        let h = parse(
            2,
            5,
            "from mail-qc0-x232.google.com (mail-qc0-x232.google.com. [2607:f8b0:400d:c01::232]) by mx.google.com with ESMTPS id u123si11512941qhd.83.2015.04.17.06.00.52 for <hbiden@rosemontseneca.com> (version=TLSv1.2 cipher=ECDHE-RSA-AES128-GCM-SHA256 bits=128/128); Fri, 17 Apr 2015 06:00:53 -0700 (PDT)",
        );
        assert_eq!(h.from.as_deref(), Some("mail-qc0-x232.google.com"));
        assert_eq!(h.by.as_deref(), Some("mx.google.com"));
        assert_eq!(h.with.as_deref(), Some("ESMTPS"));
        assert_eq!(h.time.as_deref(), Some("2015-04-17T13:00:53Z"));
        assert_eq!(h.zone.as_deref(), Some("-0700"));
        assert_eq!(h.offset_minutes, Some(-420));
    }

    #[test]
    fn domain_names() {
        assert!(is_domain_name("mx.google.com"));
        assert!(!is_domain_name("10.36.47.149"));
        assert!(!is_domain_name("qcbii10"));
        assert!(!is_domain_name("[2607:f8b0::1]"));
    }
}
