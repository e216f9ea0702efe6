//! The coverage map: exactly which visible parts a passing signature covers.
//!
//! A header instance is `authenticated` when a signature whose header
//! signature verified covers that very instance; `added_after_signing` when a
//! verified signature covers the name but not this instance (DKIM signs the
//! bottom-most instances, so an extra one above the signed one is unsigned);
//! `not_covered` otherwise. The coverage findings come from this one model.

use crate::dkim::check::SigCheck;
use crate::message::RawMessage;
use crate::report::forensics::{BodyCoverage, Coverage, HeaderCoverage, PartCoverage};
use crate::report::{Finding, Severity, SignatureResult};
use mail_parser::MimeHeaders;

/// Headers a reader sees, in display order.
pub const VISIBLE: [&str; 14] = [
    "From",
    "Sender",
    "Reply-To",
    "To",
    "Cc",
    "Subject",
    "Date",
    "Message-ID",
    "Content-Type",
    "List-Id",
    "List-Unsubscribe",
    "List-Post",
    "List-Help",
    "List-Archive",
];
/// Visible headers whose absence from the signature is a finding.
const MUST_SIGN: [&str; 7] = [
    "From",
    "To",
    "Cc",
    "Subject",
    "Date",
    "Reply-To",
    "Content-Type",
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
/// Of those, the ones a reader sees (critical when added).
const SHOWN: [&str; 7] = ["From", "Sender", "Reply-To", "To", "Cc", "Subject", "Date"];

fn header_valid(c: &SigCheck) -> bool {
    c.result.header_valid() && c.sig.is_ok()
}

/// Builds the coverage map.
pub(crate) fn build(msg: &RawMessage<'_>, checks: &[SigCheck]) -> Coverage {
    let valid: Vec<&SigCheck> = checks.iter().filter(|c| header_valid(c)).collect();
    let mut headers = Vec::new();
    for name in VISIBLE {
        let idx: Vec<usize> = (0..msg.headers.len())
            .filter(|i| msg.headers[*i].is(name))
            .collect();
        for (n, &i) in idx.iter().enumerate() {
            let sigs: Vec<usize> = valid
                .iter()
                .filter(|c| c.covered.contains(&i))
                .map(|c| c.index)
                .collect();
            let named = valid
                .iter()
                .any(|c| c.sig.as_ref().is_ok_and(|s| s.signs(name) > 0));
            let status = if !sigs.is_empty() {
                "authenticated"
            } else if named {
                "added_after_signing"
            } else {
                "not_covered"
            };
            headers.push(HeaderCoverage {
                name: String::from_utf8_lossy(msg.headers[i].name).into_owned(),
                instance: n + 1,
                instances: idx.len(),
                value: msg.headers[i]
                    .text()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "),
                status: status.into(),
                signatures: sigs,
            });
        }
    }
    Coverage {
        headers,
        body: body(msg, &valid),
    }
}

fn body(msg: &RawMessage<'_>, valid: &[&SigCheck]) -> BodyCoverage {
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
/// `content_beyond_body_length`.
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
