//! Small signature checks for the evidence modules' unit tests: a message
//! with the DKIM-Signature fields asked for, and a [`SigCheck`] left as the
//! checker would leave it, its result set by hand so that each policy is
//! tested apart from the cryptography.

use crate::dkim::check::SigCheck;
use crate::dkim::signature::DkimSignature;
use crate::keys::ArchivedKey;
use crate::message::RawMessage;
use crate::report::{Provenance, SignatureResult};
use std::sync::Arc;

/// A 512-bit RSA key (`fixtures/keys/rsa512.pem`'s public half): too
/// small to carry proof.
pub(crate) const RSA512: &str = "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAMsG0/HvetjRsyMN2gE9nXWKhVK66TYJIjPXNP1QEw8hpIju9e/37mMi6rDFxBtOAvyT4bkq0+GoL/H6rjQb5xkCAwEAAQ==";

/// A message from alice@example.com with one DKIM-Signature per
/// `(d=, h=)` on top (`s=sel`, `b=AAAA`, no `t=`: see [`message_at`]),
/// then the `extra` header fields, then From, To, Subject and Date
/// (2024-01-01T00:00:00Z) and the body `body`.
pub(crate) fn message(signatures: &[(&str, &str)], extra: &str) -> Vec<u8> {
    message_at(signatures, None, extra)
}

/// [`message`] with `t=` on every signature when `t` is given.
pub(crate) fn message_at(signatures: &[(&str, &str)], t: Option<i64>, extra: &str) -> Vec<u8> {
    let mut m = String::new();
    let t = t.map(|t| format!(" t={t};")).unwrap_or_default();
    for (d, h) in signatures {
        m += &format!(
            "DKIM-Signature: v=1; a=rsa-sha256; d={d}; s=sel; c=relaxed/relaxed; h={h};{t}\r\n bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=AAAA\r\n"
        );
    }
    m += extra;
    m += "From: Alice <alice@example.com>\r\nTo: bob@example.net\r\nSubject: hi\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\n\r\nbody\r\n";
    m.into_bytes()
}

/// Signature `index` (1-based; the `index`-th DKIM-Signature field) with
/// `result`, as the checker would leave it; `key` is the `p=` of the RSA
/// key it was checked with.
pub(crate) fn check(
    msg: &RawMessage<'_>,
    index: usize,
    result: SignatureResult,
    key: Option<&str>,
) -> SigCheck {
    let field = msg
        .headers
        .iter()
        .enumerate()
        .filter(|(_, h)| h.is("DKIM-Signature"))
        .nth(index - 1)
        .map(|(i, _)| i)
        .expect("the message has that many signatures");
    let value = msg.headers[field].value;
    let sig = DkimSignature::parse(value).unwrap();
    let covered = crate::dkim::check::header_hash(msg, field, &sig).1;
    let key = key.map(|p| {
        Arc::new(ArchivedKey::new(
            &sig.domain,
            &sig.selector,
            &format!("v=DKIM1; k=rsa; p={p}"),
            Provenance::default(),
        ))
    });
    SigCheck {
        index,
        field,
        hints: crate::dkim::signature::hints(value),
        sig: Ok(sig),
        result,
        reason: None,
        detail: String::new(),
        header_valid: Some(result.header_valid()),
        body_matches: Some(result == SignatureResult::Pass),
        candidates: key.iter().cloned().collect(),
        key,
        keys_tried: 1,
        key_rotated: None,
        canonical_body_len: Some(6),
        covered,
    }
}
