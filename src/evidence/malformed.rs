//! `malformed_header_line`: header-block lines that break RFC 5322 syntax.
//!
//! [`RawMessage::parse`] keeps them (a field with a NUL byte or a
//! non-ASCII name as an opaque field, a line with no colon as a stray
//! line), so that one bad line never turns a signed message into an
//! `error`. The signatures are judged as usual: a malformed field listed
//! in `h=` is hashed exactly as written, so a signature that verifies
//! over it shows the signer saw those very bytes; one that no signature
//! covers is as unauthenticated as any unsigned header.

use crate::dkim::check::SigCheck;
use crate::message::RawMessage;
use crate::report::{Finding, Severity};

/// Lines listed in the finding's text; the rest are counted.
const LISTED: usize = 5;
/// Characters of a stray line quoted in the finding.
const QUOTED: usize = 40;

/// The one `malformed_header_line` finding of a message, if it has
/// malformed lines: warning when some line is not covered by a signature
/// whose header hash verified, info when every one is.
pub(crate) fn finding(msg: &RawMessage<'_>, checks: &[SigCheck]) -> Option<Finding> {
    let mut lines: Vec<(usize, String, bool)> = Vec::new();
    for &i in &msg.malformed_fields {
        let f = &msg.headers[i];
        if bom_glued(f) {
            // named by its own finding (`byte_order_mark`)
            continue;
        }
        let covering: Vec<String> = checks
            .iter()
            .filter(|c| c.result.header_valid() && c.covered.contains(&i))
            .map(|c| c.index.to_string())
            .collect();
        let name = String::from_utf8_lossy(f.name);
        let what = if memchr::memchr(0, f.raw).is_some() {
            format!("a NUL byte in the {name:?} field")
        } else {
            format!("a field name, {name:?}, with bytes other than printable ASCII")
        };
        let cover = if covering.is_empty() {
            "no signature covers it".to_string()
        } else {
            format!(
                "signature {} covers it and hashed it as written",
                covering.join(", ")
            )
        };
        lines.push((f.offset, format!("{what} ({cover})"), !covering.is_empty()));
    }
    for &at in &msg.stray_lines {
        let end = memchr::memchr(b'\n', &msg.bytes[at..]).map_or(msg.bytes.len(), |n| at + n);
        let text = String::from_utf8_lossy(&msg.bytes[at..end]);
        let text = text.trim_end_matches('\r');
        let quoted: String = text.chars().take(QUOTED).collect();
        let more = if text.chars().count() > QUOTED {
            "…"
        } else {
            ""
        };
        lines.push((
            at,
            format!(
                "a line that is not a header field ({quoted:?}{more}: no colon, or a continuation with no field above it); ignored, no signature can select it"
            ),
            false,
        ));
    }
    if lines.is_empty() {
        return None;
    }
    lines.sort_by_key(|l| l.0);
    let all_covered = lines.iter().all(|l| l.2);
    let mut listed: Vec<String> = lines
        .iter()
        .take(LISTED)
        .map(|(at, what, _)| format!("byte {at}: {what}"))
        .collect();
    if lines.len() > LISTED {
        listed.push(format!("and {} more", lines.len() - LISTED));
    }
    Some(Finding::new(
        "malformed_header_line",
        if all_covered {
            Severity::Info
        } else {
            Severity::Warning
        },
        format!(
            "{} line(s) of the header block break RFC 5322 syntax and were kept as written; the signatures were judged as usual: {}",
            lines.len(),
            listed.join("; ")
        ),
        None,
    ))
}

/// Whether `f` is the first field of a copy that starts with a UTF-8 byte
/// order mark, malformed only by it: the name after the mark is a
/// well-formed field name and the field holds no NUL byte.
pub(crate) fn bom_glued(f: &crate::message::HeaderField<'_>) -> bool {
    f.offset == 0
        && f.name
            .strip_prefix(crate::message::UTF8_BOM)
            .is_some_and(|n| crate::message::is_field_name(n) && memchr::memchr(0, f.raw).is_none())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::test_support::{check, message};
    use crate::report::SignatureResult;

    fn finding_for(extra: &str, h: &str, result: SignatureResult) -> Option<Finding> {
        let bytes = message(&[("example.com", h)], extra);
        let msg = RawMessage::parse(&bytes).unwrap();
        finding(&msg, &[check(&msg, 1, result, None)])
    }

    #[test]
    fn a_clean_header_block_has_no_finding() {
        assert!(finding_for("", "from", SignatureResult::Pass).is_none());
    }

    #[test]
    fn severity_depends_on_whether_a_valid_signature_covers_the_line() {
        let nul = "X-Odd: a\0b\r\n";
        let covered = finding_for(nul, "from:x-odd", SignatureResult::Pass).unwrap();
        assert_eq!(covered.code, "malformed_header_line");
        assert_eq!(covered.severity, Severity::Info);
        assert!(
            covered.message.contains("signature 1 covers it"),
            "{}",
            covered.message
        );
        let unsigned = finding_for(nul, "from", SignatureResult::Pass).unwrap();
        assert_eq!(unsigned.severity, Severity::Warning);
        assert!(
            unsigned.message.contains("no signature covers it"),
            "{}",
            unsigned.message
        );
        // A signature that failed covers nothing.
        let failed = finding_for(nul, "from:x-odd", SignatureResult::BadSignature).unwrap();
        assert_eq!(failed.severity, Severity::Warning);
    }

    #[test]
    fn stray_lines_are_quoted_and_long_lists_counted() {
        let strays: String = (0..7).map(|i| format!("stray line {i}\r\n")).collect();
        let f = finding_for(&strays, "from", SignatureResult::Pass).unwrap();
        assert!(f.message.contains("\"stray line 0\""), "{}", f.message);
        assert!(f.message.contains("and 2 more"), "{}", f.message);
        assert_eq!(f.severity, Severity::Warning);
    }
}
