//! Small helpers shared by several modules: hex, SHA-256, time formatting.

use aws_lc_rs::digest;

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
    out
}

/// SHA-256 of `bytes` as lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(digest::digest(&digest::SHA256, bytes).as_ref())
}

/// Formats a Unix time as RFC 3339 UTC (`2015-04-17T13:00:52Z`).
pub fn rfc3339(unix: i64) -> String {
    use chrono::{Datelike, Timelike};
    match chrono::DateTime::from_timestamp(unix, 0) {
        // the common years by hand: chrono's strftime parser showed in the
        // batch profile (several times per report)
        Some(t) if (0..=9999).contains(&t.year()) => {
            let mut b = *b"0000-00-00T00:00:00Z";
            let mut put = |at: usize, v: u32, width: usize| {
                let mut v = v;
                for i in (at..at + width).rev() {
                    b[i] = b'0' + (v % 10) as u8;
                    v /= 10;
                }
            };
            put(0, t.year() as u32, 4);
            put(5, t.month(), 2);
            put(8, t.day(), 2);
            put(11, t.hour(), 2);
            put(14, t.minute(), 2);
            put(17, t.second(), 2);
            b.iter().map(|&c| char::from(c)).collect()
        }
        Some(t) => t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        None => format!("@{unix}"),
    }
}

/// A length of time for a sentence, from `secs` seconds (its sign is
/// ignored), rounded down to whole units of the largest unit that still
/// counts at least two: "90 seconds", "45 minutes", "26 hours", "12 days";
/// from two years on, the days with the years beside: "4347 days (about
/// 11.9 years)". So a count of one is printed only as "1 second" (60-119
/// seconds read as seconds, and so on).
pub fn duration_words(secs: i64) -> String {
    const MINUTE: u64 = 60;
    const HOUR: u64 = 60 * MINUTE;
    const DAY: u64 = 24 * HOUR;
    let s = secs.unsigned_abs();
    match s {
        1 => "1 second".to_string(),
        _ if s < 2 * MINUTE => format!("{s} seconds"),
        _ if s < 2 * HOUR => format!("{} minutes", s / MINUTE),
        _ if s < 2 * DAY => format!("{} hours", s / HOUR),
        _ if s < 730 * DAY => format!("{} days", s / DAY),
        _ => format!(
            "{} days (about {:.1} years)",
            s / DAY,
            s as f64 / (365.2425 * DAY as f64)
        ),
    }
}

/// Parses a date given as `YYYY-MM-DD` (midnight UTC) or RFC 3339 into Unix seconds.
pub fn parse_date(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp());
    }
    let d = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    Some(d.and_hms_opt(0, 0, 0)?.and_utc().timestamp())
}

/// The organizational (registrable) domain by the Public Suffix List, in
/// lower-case A-label form (RFC 8616: `bücher.example` and
/// `xn--bcher-kva.example` are one organization).
pub fn org_domain(domain: &str) -> String {
    let d = crate::idn::to_ascii_lossy(domain);
    match psl::domain_str(&d) {
        Some(org) => org.to_string(),
        None => d,
    }
}

/// `s` with its RFC 5322 3.2.2 comments removed: each outermost
/// `( ... )`, nested comments and quoted pairs (`\(`, `\)`) inside it
/// included, becomes one space (a comment is folding white space to a
/// parser). A `)` outside any comment is text; an unclosed comment runs to
/// the end. Used for Received, Authentication-Results and
/// ARC-Authentication-Results fields.
pub fn strip_comments(s: &str) -> String {
    // The delimiters are ASCII, so the text between them is copied in runs
    // and UTF-8 stays whole.
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(k) = memchr::memchr3(b'(', b')', b'\\', &b[i..]) {
        if depth == 0 {
            out.extend_from_slice(&b[i..i + k]);
        }
        let at = i + k;
        i = at + 1;
        match (b[at], depth) {
            (b'\\', 0) => out.push(b'\\'),
            // a quoted pair inside a comment: skip the quoted character
            (b'\\', _) => i = (i + 1).min(b.len()),
            (b'(', _) => depth += 1,
            (_, 0) => out.push(b')'),
            _ => {
                depth -= 1;
                if depth == 0 {
                    out.push(b' ');
                }
            }
        }
    }
    if depth == 0 {
        out.extend_from_slice(&b[i..]);
    }
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// A deterministic pseudo-random sequence (xorshift64) for tests that
/// compare a fast routine with its definition on generated input.
#[cfg(test)]
pub(crate) struct TestRng(pub u64);

#[cfg(test)]
impl TestRng {
    /// The next value.
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// One of `items`, chosen by the next value.
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[(self.next() % items.len() as u64) as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition of [`strip_comments`], one character at a time.
    fn strip_comments_reference(s: &str) -> String {
        let mut depth = 0usize;
        let mut escaped = false;
        let mut out = String::new();
        for c in s.chars() {
            match c {
                _ if escaped => escaped = false,
                '\\' if depth > 0 => escaped = true,
                '(' => depth += 1,
                ')' if depth > 0 => {
                    depth -= 1;
                    if depth == 0 {
                        out.push(' ');
                    }
                }
                _ if depth == 0 => out.push(c),
                _ => {}
            }
        }
        out
    }

    #[test]
    fn strip_comments_matches_its_definition() {
        let alphabet = ["a", "(", ")", " ", "é", "x y", "((", "))", "\\", "\\("];
        let mut rng = TestRng(7);
        for n in 0..3000 {
            let s: String = (0..n % 23).map(|_| rng.pick(&alphabet)).collect();
            assert_eq!(strip_comments(&s), strip_comments_reference(&s), "{s:?}");
        }
        assert_eq!(strip_comments("a (b \\) c) d"), "a   d");
        assert_eq!(strip_comments("x) y"), "x) y");
    }

    #[test]
    fn durations_read_in_the_largest_unit_that_counts_two() {
        let cases = [
            (0, "0 seconds"),
            (-1, "1 second"),
            (119, "119 seconds"),
            (120, "2 minutes"),
            (-7199, "119 minutes"),
            (7200, "2 hours"),
            (47 * 3600 + 3599, "47 hours"),
            (2 * 86_400, "2 days"),
            (729 * 86_400, "729 days"),
            (104_343 * 3600, "4347 days (about 11.9 years)"),
        ];
        for (secs, words) in cases {
            assert_eq!(duration_words(secs), words, "{secs}");
        }
        // the extremes read as days too (no overflow)
        assert!(duration_words(i64::MIN).ends_with("years)"));
    }

    #[test]
    fn rfc3339_matches_chrono_strftime() {
        let strftime = |u: i64| {
            chrono::DateTime::from_timestamp(u, 0)
                .unwrap()
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string()
        };
        let mut rng = TestRng(1);
        for _ in 0..2000 {
            let u = (rng.next() % 253_402_300_800) as i64; // 0000..9999
            assert_eq!(rfc3339(u), strftime(u), "{u}");
        }
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(-62_167_219_200), strftime(-62_167_219_200));
        assert_eq!(rfc3339(253_402_300_800), strftime(253_402_300_800)); // year 10000
    }
}
