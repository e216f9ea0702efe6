//! The coverage map: exactly which visible parts a passing signature covers.
//!
//! A header instance is `authenticated` when a signature whose header
//! signature verified covers that very instance; `added_after_signing` when a
//! verified signature covers the name but not this instance (DKIM signs the
//! bottom-most instances, so an extra one above the signed one is unsigned);
//! `weak_signature` when only signatures whose key cannot carry proof
//! (RSA under 1024 bits, a published private key) cover it; `not_covered`
//! otherwise. The coverage findings come from this one model.

use crate::dkim::check::SigCheck;
use crate::message::RawMessage;
use crate::report::forensics::{BodyCoverage, Coverage, HeaderCoverage, PartCoverage};
use crate::report::{Finding, Severity, SignatureResult};
use mail_parser::MimeHeaders;

/// Headers a reader sees, in display order.
pub const VISIBLE: [&str; 15] = [
    "From",
    "Sender",
    "Reply-To",
    "To",
    "Cc",
    "Subject",
    "Date",
    "Message-ID",
    "Content-Type",
    "Content-Transfer-Encoding",
    "List-Id",
    "List-Unsubscribe",
    "List-Post",
    "List-Help",
    "List-Archive",
];
/// Visible headers whose absence from the signature is a finding.
const MUST_SIGN: [&str; 8] = [
    "From",
    "To",
    "Cc",
    "Subject",
    "Date",
    "Reply-To",
    "Content-Type",
    "Content-Transfer-Encoding",
];
/// Names that should occur once; an unsigned extra instance is suspicious.
const SINGLE: [&str; 11] = [
    "From",
    "Sender",
    "Reply-To",
    "To",
    "Cc",
    "Subject",
    "Date",
    "Message-ID",
    "Content-Type",
    "Content-Transfer-Encoding",
    "MIME-Version",
];
/// Of those, the ones that decide what a reader sees (critical when added):
/// the visible headers and the MIME labels that decide how the body is shown.
const SHOWN: [&str; 10] = [
    "From",
    "Sender",
    "Reply-To",
    "To",
    "Cc",
    "Subject",
    "Date",
    "Content-Type",
    "Content-Transfer-Encoding",
    "MIME-Version",
];
/// The MIME labels (RFC 2045) that decide how the body is displayed.
pub(crate) const MIME_LABELS: [&str; 3] =
    ["Content-Type", "Content-Transfer-Encoding", "MIME-Version"];
/// Of those, the ones whose absence from `h=` leaves the body's reading open.
pub(crate) const MIME_READING: [&str; 2] = ["Content-Type", "Content-Transfer-Encoding"];

/// Whether signature `sig` leaves a MIME reading label out of `h=` entirely.
pub(crate) fn labels_unsigned(sig: &crate::dkim::signature::DkimSignature) -> Vec<&'static str> {
    MIME_READING
        .into_iter()
        .filter(|n| sig.signs(n) == 0)
        .collect()
}

/// Where the body can be read more than one way (RFC 2046 5.1.1): the
/// description of what a different Content-Type would reveal, or `None`
/// when the body has one consistent MIME reading. `unsigned` names the
/// labels of [`MIME_READING`] that the signature leaves out of `h=`.
///
/// A second reading exists when an unsigned label occurs more than once
/// with different values (mail programs differ in which instance they
/// use), when a line `--B` (B a valid boundary, 1-70
/// bchars, not ending in space) for a boundary `B` that no Content-Type of
/// the message declares is followed by a `Content-` header line (a MIME part
/// a relabelled body would display), or when a declared boundary's
/// delimiter followed by a `Content-` header line sits after that
/// boundary's close delimiter (a part hidden in the epilogue; parts hidden
/// in a preamble need a boundary of their own and fall under the first rule).
pub(crate) fn mime_ambiguity(msg: &RawMessage<'_>, unsigned: &[&str]) -> Option<String> {
    for name in unsigned {
        let values: Vec<String> = msg
            .fields(name)
            .map(|f| f.text().split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        if let (Some(first), Some(last)) = (values.first(), values.last())
            && !first.eq_ignore_ascii_case(last)
        {
            let cut = |v: &str| v.chars().take(80).collect::<String>();
            return Some(format!(
                "the message has {} {name} fields, \"{}\" (top, the one most mail programs use) and \"{}\" (bottom): the body is shown one way or the other depending on the mail program",
                values.len(),
                cut(first),
                cut(last)
            ));
        }
    }
    let mut declared: Vec<Vec<u8>> = Vec::new();
    for f in msg.fields("Content-Type") {
        if let Some(b) = boundary_param(&f.text()) {
            declared.push(b.into_bytes());
        }
    }
    // The boundaries the MIME parts declare take a parse of the whole
    // message, which decodes every part. More declared boundaries can only
    // remove a delimiter ambiguity (a line that is undeclared, or hidden
    // after a close delimiter, with the fewer is one with the more, or
    // the first such line already was), so the parse is needed only when
    // the header fields' own boundaries leave one; it is made once per
    // message (`RawMessage::mime_boundaries`).
    delimiter_ambiguity(msg.body(), &declared)?;
    declared.extend(msg.mime_boundaries().iter().cloned());
    delimiter_ambiguity(msg.body(), &declared)
}

/// The first `--B` line of `body` (B a valid boundary) that is followed by
/// a `Content-` header line and is either not a delimiter of a `declared`
/// boundary or one after that boundary's close delimiter (see
/// [`mime_ambiguity`]), described.
fn delimiter_ambiguity(body: &[u8], declared: &[Vec<u8>]) -> Option<String> {
    // the line at `at`, without its line end (LF or CRLF), and where the
    // next line starts (`None` after the last line)
    let line_at = |at: usize| -> (&[u8], Option<usize>) {
        let (end, next) = match memchr::memchr(b'\n', &body[at..]) {
            Some(k) => (at + k, Some(at + k + 1)),
            None => (body.len(), None),
        };
        let l = &body[at..end];
        (l.strip_suffix(b"\r").unwrap_or(l), next)
    };
    let mut closed: Vec<&[u8]> = Vec::new();
    let mut pos = 0;
    loop {
        // the next line starting `--`
        let start = if body[pos..].starts_with(b"--") {
            pos
        } else {
            match memchr::memmem::find(&body[pos..], b"\n--") {
                Some(k) => pos + k + 1,
                None => return None,
            }
        };
        let (line, next) = line_at(start);
        let Some(next) = next else {
            // the last line: no header line follows it
            return None;
        };
        pos = next;
        let rest = trim_end_ws(&line[2..]);
        let (token, close) = match rest.strip_suffix(b"--") {
            Some(t) if declared.iter().any(|d| d == t) => (t, true),
            _ => (rest, false),
        };
        if !is_boundary(token) {
            continue;
        }
        let is_declared = declared.iter().any(|d| d == token);
        if close {
            closed.push(token);
            continue;
        }
        let hidden_after_close = is_declared && closed.contains(&token);
        if is_declared && !hidden_after_close {
            continue;
        }
        let (header, after) = line_at(next);
        if !starts_content_header(header) {
            continue;
        }
        let i = memchr::memchr_iter(b'\n', &body[..start]).count();
        let shown: String = after
            .map(|a| &body[a..])
            .unwrap_or_default()
            .split(|b| *b == b'\n')
            .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
            .skip_while(|l| !l.is_empty())
            .skip(1)
            .find(|l| !l.is_empty())
            .map(|l| String::from_utf8_lossy(&l[..l.len().min(80)]).into_owned())
            .unwrap_or_default();
        let token = String::from_utf8_lossy(token);
        let header = String::from_utf8_lossy(&header[..header.len().min(80)]);
        return Some(if hidden_after_close {
            format!(
                "after the close delimiter of boundary \"{token}\" (in the epilogue, which mail programs hide) the body holds another part ({header}) that begins: \"{shown}\""
            )
        } else {
            format!(
                "body line {} is a delimiter of boundary \"{token}\", which no Content-Type of the message declares: relabelled as multipart/mixed; boundary=\"{token}\", the body would show a part ({header}) that begins: \"{shown}\"",
                i + 1
            )
        });
    }
}

fn trim_end_ws(b: &[u8]) -> &[u8] {
    let n = b
        .iter()
        .rposition(|c| !matches!(c, b' ' | b'\t'))
        .map_or(0, |p| p + 1);
    &b[..n]
}

/// RFC 2046 5.1.1 `boundary`: 1-70 bchars, not ending in a space.
fn is_boundary(t: &[u8]) -> bool {
    !t.is_empty()
        && t.len() <= 70
        && !t.ends_with(b" ")
        && t.iter()
            .all(|c| c.is_ascii_alphanumeric() || b"'()+_,-./:=? ".contains(c))
}

fn starts_content_header(l: &[u8]) -> bool {
    l.len() > 8
        && l[..8].eq_ignore_ascii_case(b"content-")
        && l.iter().position(|c| *c == b':').is_some_and(|p| {
            l[..p]
                .iter()
                .all(|c| c.is_ascii_alphanumeric() || *c == b'-')
        })
}

/// The `boundary` parameter of a Content-Type value, unquoted.
fn boundary_param(v: &str) -> Option<String> {
    let lower = v.to_ascii_lowercase();
    let at = lower.find("boundary=")? + "boundary=".len();
    let rest = &v[at..];
    Some(if let Some(q) = rest.strip_prefix('"') {
        q.split('"').next()?.to_string()
    } else {
        rest.split([';', ' ', '\t', '\r', '\n']).next()?.to_string()
    })
}

fn header_valid(c: &SigCheck) -> bool {
    c.result.header_valid() && c.sig.is_ok()
}

/// Builds the coverage map. `body_unavailable`: the copy has no body (see
/// [`super::copy`]), so a body hash mismatch means `not_available`, not
/// `changed`.
pub(crate) fn build(msg: &RawMessage<'_>, checks: &[SigCheck], body_unavailable: bool) -> Coverage {
    let valid: Vec<&SigCheck> = checks.iter().filter(|c| header_valid(c)).collect();
    // a key that cannot carry proof authenticates nothing: what only such
    // a signature covers is `weak_signature`
    let (weak, proof): (Vec<&SigCheck>, Vec<&SigCheck>) =
        valid.iter().partition(|c| c.key_too_weak());
    let covering = |sigs: &[&SigCheck], i: usize| -> Vec<usize> {
        sigs.iter()
            .filter(|c| c.covered.contains(&i))
            .map(|c| c.index)
            .collect()
    };
    let mut headers = Vec::new();
    for name in VISIBLE {
        let idx: Vec<usize> = (0..msg.headers.len())
            .filter(|i| msg.headers[*i].is(name))
            .collect();
        for (n, &i) in idx.iter().enumerate() {
            let proved = covering(&proof, i);
            let weakly = covering(&weak, i);
            let named = || {
                valid
                    .iter()
                    .any(|c| c.sig.as_ref().is_ok_and(|s| s.signs(name) > 0))
            };
            let (status, sigs) = if !proved.is_empty() {
                ("authenticated", proved)
            } else if !weakly.is_empty() {
                ("weak_signature", weakly)
            } else if named() {
                ("added_after_signing", Vec::new())
            } else {
                ("not_covered", Vec::new())
            };
            headers.push(HeaderCoverage {
                name: String::from_utf8_lossy(msg.headers[i].name).into_owned(),
                instance: n + 1,
                instances: idx.len(),
                value: super::address::display_value(&msg.headers[i]),
                status: status.into(),
                signatures: sigs,
            });
        }
    }
    let mut body_coverage = body(msg, &proof, body_unavailable);
    if body_coverage.status == "not_authenticated" && !weak.is_empty() {
        body_coverage = body(msg, &weak, body_unavailable);
        if matches!(
            body_coverage.status.as_str(),
            "authenticated" | "partially_authenticated"
        ) {
            body_coverage.status = "weak_signature".into();
        }
    }
    Coverage {
        headers,
        body: body_coverage,
    }
}

fn body(msg: &RawMessage<'_>, valid: &[&SigCheck], body_unavailable: bool) -> BodyCoverage {
    let pass: Vec<&&SigCheck> = valid
        .iter()
        .filter(|c| c.result == SignatureResult::Pass)
        .collect();
    let limit = |c: &SigCheck| c.sig.as_ref().ok().and_then(|s| s.body_length);
    let beyond = |c: &SigCheck| match (limit(c), c.canonical_body_len) {
        (Some(l), Some(n)) => n > l,
        _ => false,
    };
    let full = pass.iter().find(|c| !beyond(c));
    let (status, c) = match (full, pass.first(), valid.first()) {
        (Some(c), _, _) => ("authenticated", Some(**c)),
        (None, Some(c), _) => ("partially_authenticated", Some(**c)),
        (None, None, Some(c)) if body_unavailable => ("not_available", Some(*c)),
        (None, None, Some(c)) => ("changed", Some(*c)),
        _ => ("not_authenticated", None),
    };
    let signed_bytes = c.filter(|c| beyond(c)).and_then(limit);
    BodyCoverage {
        status: status.into(),
        signature: c.map(|c| c.index),
        canonical_bytes: c.and_then(|c| c.canonical_body_len),
        signed_bytes,
        parts: signed_bytes.map(|l| parts(msg, l)).unwrap_or_default(),
    }
}

/// MIME leaf parts with their raw body offsets, relative to `l`.
fn parts(msg: &RawMessage<'_>, l: u64) -> Vec<PartCoverage> {
    let Some(parsed) = mail_parser::MessageParser::new().parse(msg.bytes) else {
        return Vec::new();
    };
    let base = msg.body_offset as u64;
    parsed
        .parts
        .iter()
        .filter(|p| !matches!(p.body, mail_parser::PartType::Multipart(_)))
        .map(|p| {
            let start = u64::from(p.offset_body).saturating_sub(base);
            let end = u64::from(p.offset_end).saturating_sub(base);
            let content_type = p
                .content_type()
                .map(|ct| match &ct.c_subtype {
                    Some(s) => format!("{}/{}", ct.c_type, s),
                    None => ct.c_type.to_string(),
                })
                .unwrap_or_else(|| "text/plain".into());
            let status = if end <= l {
                "signed"
            } else if start < l {
                "partly_signed"
            } else {
                "not_signed"
            };
            PartCoverage {
                content_type,
                filename: p.attachment_name().map(str::to_string),
                start,
                end,
                status: status.into(),
            }
        })
        .collect()
}

/// The coverage findings: `header_added_after_signing`, `header_not_signed`,
/// `content_beyond_body_length`, `mime_reading_ambiguous`.
pub(crate) fn findings(
    cov: &Coverage,
    msg: &RawMessage<'_>,
    checks: &[SigCheck],
    out: &mut Vec<Finding>,
) {
    let valid: Vec<&SigCheck> = checks.iter().filter(|c| header_valid(c)).collect();
    if valid.is_empty() {
        return;
    }
    for name in SINGLE {
        let present = msg.count(name);
        let signed = valid
            .iter()
            .filter_map(|c| c.sig.as_ref().ok())
            .map(|s| s.signs(name))
            .max()
            .unwrap_or(0);
        if signed > 0 && present > signed {
            let shown = SHOWN.contains(&name);
            out.push(Finding::new(
                "header_added_after_signing",
                if shown { Severity::Critical } else { Severity::Warning },
                format!(
                    "the message has {present} {name} headers but the signature covers only {signed}: the extra one (usually the top one, which mail programs display) was added after signing"
                ),
                None,
            ));
        }
    }
    for name in MUST_SIGN {
        let instances: Vec<&HeaderCoverage> = cov
            .headers
            .iter()
            .filter(|h| h.name.eq_ignore_ascii_case(name))
            .collect();
        if !instances.is_empty() && instances.iter().all(|h| h.status == "not_covered") {
            out.push(Finding::new(
                "header_not_signed",
                Severity::Warning,
                format!("the {name} header is present but no verified signature covers it: it could have been changed or added"),
                None,
            ));
        }
    }
    let unsigned_labels = valid
        .iter()
        .filter_map(|c| c.sig.as_ref().ok())
        .map(labels_unsigned)
        .min_by_key(Vec::len)
        .unwrap_or_default();
    if !unsigned_labels.is_empty()
        && let Some(what) = mime_ambiguity(msg, &unsigned_labels)
    {
        out.push(Finding::new(
            "mime_reading_ambiguous",
            Severity::Critical,
            format!(
                "{} not signed, so the label could be changed after signing without breaking the signature, and the body can be read more than one way: {what}",
                unsigned_labels.join(" and ")
                    + if unsigned_labels.len() > 1 { " are" } else { " is" }
            ),
            None,
        ));
    }
    for c in &valid {
        let (Ok(sig), Some(n)) = (&c.sig, c.canonical_body_len) else {
            continue;
        };
        if let Some(l) = sig.body_length.filter(|l| n > *l) {
            out.push(Finding::new(
                "content_beyond_body_length",
                Severity::Critical,
                format!(
                    "l={l} limits signature {} to the first {l} body bytes; {} more bytes follow and are not authenticated",
                    c.index,
                    n - l
                ),
                Some(c.index),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::test_support::{RSA512, check, message};

    #[test]
    fn a_key_that_cannot_carry_proof_authenticates_nothing() {
        let bytes = message(&[("example.com", "from:to:subject:date")], "");
        let msg = RawMessage::parse(&bytes).unwrap();
        let weak = |r| [check(&msg, 1, r, Some(RSA512))];
        let c = build(&msg, &weak(SignatureResult::Pass), false);
        assert_eq!(status(&c, "From", 1), "weak_signature");
        assert_eq!(c.headers[0].signatures, [1]);
        assert_eq!(c.body.status, "weak_signature");
        // a body hash mismatch is still a changed body, whatever the key
        let c = build(&msg, &weak(SignatureResult::BodyHashMismatch), false);
        assert_eq!(c.body.status, "changed");
        assert_eq!(status(&c, "Subject", 1), "weak_signature");
    }

    fn coverage(extra: &str, h: &str, result: SignatureResult) -> Coverage {
        let bytes = message(&[("example.com", h)], extra);
        let msg = RawMessage::parse(&bytes).unwrap();
        build(&msg, &[check(&msg, 1, result, None)], false)
    }

    fn status<'c>(c: &'c Coverage, name: &str, instance: usize) -> &'c str {
        let h = c
            .headers
            .iter()
            .find(|h| h.name == name && h.instance == instance);
        h.map_or("absent", |h| h.status.as_str())
    }

    #[test]
    fn each_visible_instance_gets_its_status() {
        // The extra Subject sits above the original one, so h=subject
        // (bottom-most first) covers the original only.
        let c = coverage(
            "Subject: added\r\n",
            "from:subject:date",
            SignatureResult::Pass,
        );
        assert_eq!(status(&c, "From", 1), "authenticated");
        assert_eq!(status(&c, "Subject", 1), "added_after_signing");
        assert_eq!(status(&c, "Subject", 2), "authenticated");
        assert_eq!(status(&c, "To", 1), "not_covered");
        assert_eq!(
            c.headers
                .iter()
                .find(|h| h.name == "From")
                .unwrap()
                .signatures,
            [1]
        );
    }

    #[test]
    fn the_body_status_follows_the_result() {
        let all = "from:to:subject:date";
        assert_eq!(
            coverage("", all, SignatureResult::Pass).body.status,
            "authenticated"
        );
        assert_eq!(
            coverage("", all, SignatureResult::BodyHashMismatch)
                .body
                .status,
            "changed"
        );
        // Without the body, a mismatch says nothing about it.
        let bytes = message(&[("example.com", all)], "");
        let msg = RawMessage::parse(&bytes).unwrap();
        let mismatch = [check(&msg, 1, SignatureResult::BodyHashMismatch, None)];
        assert_eq!(build(&msg, &mismatch, true).body.status, "not_available");
        let failed = coverage("", all, SignatureResult::BadSignature);
        assert_eq!(failed.body.status, "not_authenticated");
        // A signature that does not verify authenticates no header.
        assert_eq!(status(&failed, "From", 1), "not_covered");
    }
}
