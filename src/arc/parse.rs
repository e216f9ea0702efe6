//! Parsing the ARC header fields (RFC 8617 4.1): instance tags, ARC-Seal and
//! ARC-Message-Signature into the shape the DKIM helpers check, and
//! ARC-Authentication-Results.

use crate::authres::AuthResults;
use crate::dkim::check::Judgement;
use crate::dkim::signature::{Algorithm, Canon, DkimSignature};
use crate::message::HeaderField;
use crate::report::arc::{AarDkim, AarReport, ArcSignatureReport};
use crate::report::{ResultReason, SignatureResult};
use crate::tags::{self, Tag, TagError};
use base64::Engine;

/// RFC 8617 5.1.1.1: at most 50 ARC sets.
pub(super) const MAX_INSTANCE: u32 = 50;

/// Which ARC field.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Seal,
    Ams,
    Aar,
}

/// `d=`, `s=`, `a=` as far as they can be read.
pub(super) fn sig_hints(value: &[u8]) -> ArcSignatureReport {
    let h = crate::dkim::signature::hints(value);
    ArcSignatureReport {
        domain: h.domain,
        selector: h.selector,
        algorithm: h.algorithm,
        ..Default::default()
    }
}

/// `read`, the tag list of `value` as [`tags::parse`] gave it, when every
/// element but a trailing one is a tag (RFC 6376 3.2: `;;` is not allowed).
pub(super) fn strict_tags(
    value: &[u8],
    read: Result<Vec<Tag>, TagError>,
) -> Result<Vec<Tag>, String> {
    let tags = read.map_err(|e| e.to_string())?;
    let elems: Vec<&[u8]> = value.split(|&b| b == b';').collect();
    let empty = |e: &&[u8]| e.iter().all(|b| b.is_ascii_whitespace());
    if elems[..elems.len() - 1].iter().any(empty) {
        return Err("empty tag list element (\";;\")".into());
    }
    Ok(tags)
}

/// An ARC-Seal's instance and time as its tag list states them, read
/// leniently: the timeline lists every seal whose tag list can be read,
/// also one the chain check rejects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SealStamp {
    /// `i=` as written (empty when absent).
    pub instance: String,
    /// `t=`, seconds since the Unix epoch, when it reads as a number.
    pub timestamp: Option<i64>,
}

impl SealStamp {
    /// The stamp of a seal whose tag list is `tags`.
    pub(super) fn of(tags: &[Tag]) -> SealStamp {
        SealStamp {
            instance: tags::get(tags, "i")
                .map(|t| t.value.clone())
                .unwrap_or_default(),
            timestamp: tags::get(tags, "t").and_then(|t| t.value.trim().parse::<i64>().ok()),
        }
    }
}

pub(super) fn instance_number(v: &str) -> Result<u32, String> {
    let n: u32 = (!v.is_empty() && v.len() <= 3 && v.bytes().all(|b| b.is_ascii_digit()))
        .then(|| v.parse().ok())
        .flatten()
        .ok_or_else(|| format!("i={v:?} is not an instance number"))?;
    if !(1..=MAX_INSTANCE).contains(&n) {
        return Err(format!("i={n} is outside 1..{MAX_INSTANCE}"));
    }
    Ok(n)
}

/// The instance (`i=`) of an ARC-Seal or ARC-Message-Signature whose tag
/// list is `tags`.
pub(super) fn sig_instance(tags: &[Tag]) -> Result<u32, String> {
    let i = tags::get(tags, "i").ok_or("no i= tag")?;
    instance_number(&i.value)
}

/// The AAR starts with `i=N;` (RFC 8617 4.1.1).
pub(super) fn aar_instance(value: &[u8]) -> Result<u32, String> {
    let text = String::from_utf8_lossy(value);
    let t = text.trim_start();
    let rest = t
        .strip_prefix("i=")
        .ok_or("does not start with i=")?
        .trim_start();
    let (num, _) = rest.split_once(';').ok_or("i= is not followed by ';'")?;
    instance_number(num.trim())
}

/// Domain syntax: dot-separated labels of letters, digits and hyphens.
pub(super) fn valid_domain(d: &str) -> bool {
    !d.is_empty()
        && d.len() <= 253
        && d.trim_end_matches('.').split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

pub(super) fn b64(v: &str, tag: &str) -> Result<Vec<u8>, String> {
    let s = tags::strip_ws(v);
    if s.is_empty() {
        return Err(format!("{tag}= is empty"));
    }
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .map_err(|e| format!("{tag}= is not valid base64 ({e})"))
}

/// Reads an ARC-Seal or ARC-Message-Signature, whose tag list `tags` was
/// read by [`strict_tags`], into the shape the shared DKIM helpers use (the
/// identity is the bare domain: ARC's `i=` is the instance, not an agent
/// identifier).
pub(super) fn parse_arc_sig(tags: Vec<Tag>, kind: Kind) -> Result<DkimSignature, Judgement> {
    let bad = |w: String| Judgement::malformed(ResultReason::SignatureSyntax, w);
    let req = |name: &str| {
        tags::get(&tags, name)
            .map(|t| t.value.as_str())
            .ok_or_else(|| bad(format!("required tag {name}= is missing")))
    };
    let algorithm = match req("a")? {
        "rsa-sha256" => Algorithm::RsaSha256,
        "ed25519-sha256" => Algorithm::Ed25519Sha256,
        other => {
            return Err(Judgement::new(
                SignatureResult::Unsupported,
                ResultReason::SignatureUnsupported,
                format!("algorithm a={other:?} (ARC uses rsa-sha256; RFC 8301 forbids sha1)"),
            ));
        }
    };
    let signature = b64(req("b")?, "b").map_err(bad)?;
    let domain = req("d")?.to_string();
    // judged in A-label form (RFC 8616): a U-label d= is a domain name too
    if !valid_domain(&crate::idn::to_ascii_lossy(&domain)) {
        return Err(bad(format!("d={domain:?} is not a domain name")));
    }
    let selector = req("s")?.to_string();
    if selector.is_empty() {
        return Err(bad("s= is empty".into()));
    }
    let timestamp = match tags::get(&tags, "t") {
        None => None,
        Some(t) if !t.value.is_empty() && t.value.bytes().all(|b| b.is_ascii_digit()) => {
            t.value.parse::<i64>().ok()
        }
        Some(t) => return Err(bad(format!("t={:?} is not a number", t.value))),
    };
    let mut sig = DkimSignature {
        algorithm,
        domain: crate::idn::to_ascii_lossy(&domain),
        selector,
        signed_headers: Vec::new(),
        body_hash: Vec::new(),
        signature,
        header_canon: Canon::Relaxed,
        body_canon: Canon::Relaxed,
        identity: format!("@{}", crate::idn::to_ascii_lossy(&domain)),
        body_length: None,
        timestamp,
        expiration: None,
        tags: Vec::new(),
        draft_version: None,
    };
    match kind {
        Kind::Seal => {
            if tags::get(&tags, "h").is_some() {
                return Err(bad("an ARC-Seal must not carry h= (RFC 8617 4.1.3)".into()));
            }
            let cv = req("cv")?;
            if !matches!(cv, "none" | "pass" | "fail") {
                return Err(bad(format!("cv={cv:?} is not none, pass or fail")));
            }
        }
        _ => {
            sig.body_hash = b64(req("bh")?, "bh").map_err(bad)?;
            let h = req("h")?;
            sig.signed_headers = h
                .split(':')
                .map(tags::strip_ws)
                .filter(|s| !s.is_empty())
                .collect();
            if sig
                .signed_headers
                .iter()
                .any(|n| n.eq_ignore_ascii_case("arc-seal"))
            {
                return Err(bad(
                    "h= lists ARC-Seal, which an ARC-Message-Signature must not sign".into(),
                ));
            }
            (sig.header_canon, sig.body_canon) = match tags::get(&tags, "c") {
                None => (Canon::Simple, Canon::Simple),
                Some(c) => {
                    let one = |s: &str| match s {
                        "simple" => Ok(Canon::Simple),
                        "relaxed" => Ok(Canon::Relaxed),
                        o => Err(bad(format!("canonicalization {o:?}"))),
                    };
                    match c.value.split_once('/') {
                        Some((h, b)) => (one(h)?, one(b)?),
                        None => (one(&c.value)?, Canon::Simple),
                    }
                }
            };
        }
    }
    sig.tags = tags;
    Ok(sig)
}

/// An ARC-Authentication-Results field as the ARC stage read it, once, for
/// the chain's report and for the evidence stage, which compares its
/// `dkim=` results with our own.
#[derive(Debug)]
pub(crate) struct AarRead {
    /// The field's index in the message's headers.
    pub field: usize,
    /// The value, unfolded ([`HeaderField::text`]).
    pub text: String,
    /// Its authserv-id and `dkim=` results ([`crate::authres::parse`],
    /// the `i=` instance skipped).
    pub results: AuthResults,
}

impl AarRead {
    /// Reads `header`, the field at `field`.
    pub(super) fn of(field: usize, header: &HeaderField<'_>) -> AarRead {
        let text = header.text().into_owned();
        let results = crate::authres::parse(&text, true);
        AarRead {
            field,
            text,
            results,
        }
    }

    /// The field as the report states it.
    pub(super) fn report(&self) -> AarReport {
        AarReport {
            raw: self.text.clone(),
            authserv_id: self.results.authserv_id.clone(),
            dkim: self
                .results
                .dkim
                .iter()
                .map(|d| AarDkim {
                    result: d.result.clone(),
                    domain: d.domain.clone(),
                    selector: d.selector.clone(),
                    identity: d.identity.clone(),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::RawMessage;

    #[test]
    fn aar_fields_are_read() {
        let msg = RawMessage::parse(
            b"ARC-Authentication-Results: i=1; mx.google.com;\r\n dkim=pass (test mode) header.i=@Example.com header.s=sel;\r\n spf=pass smtp.mailfrom=x\r\n\r\n",
        )
        .unwrap();
        let read = AarRead::of(0, &msg.headers[0]);
        assert_eq!(
            read.results.dkim[0].identity.as_deref(),
            Some("@Example.com")
        );
        let a = read.report();
        assert_eq!(
            a.raw,
            "i=1; mx.google.com; dkim=pass (test mode) header.i=@Example.com header.s=sel; spf=pass smtp.mailfrom=x"
        );
        assert_eq!(a.authserv_id.as_deref(), Some("mx.google.com"));
        assert_eq!(a.dkim.len(), 1);
        assert_eq!(a.dkim[0].domain.as_deref(), Some("example.com"));
        assert_eq!(a.dkim[0].selector.as_deref(), Some("sel"));
        assert_eq!(aar_instance(b" i=2; x"), Ok(2));
        assert!(aar_instance(b" x; i=2;").is_err());
        assert!(aar_instance(b" i=2 x").is_err());
    }

    /// The instance of a signature field, as the ARC stage reads it.
    fn instance(value: &[u8]) -> Result<u32, String> {
        strict_tags(value, tags::parse(value)).and_then(|t| sig_instance(&t))
    }

    #[test]
    fn instances_and_tags_are_strict() {
        assert!(instance(b"i=0; a=x").is_err());
        assert!(instance(b"i=; a=x").is_err());
        assert!(instance(b"i=1;; a=x").is_err());
        assert_eq!(instance(b"i=1; a=x;"), Ok(1));
        assert!(valid_domain("example.org") && !valid_domain("exa mple.org"));
        assert!(!valid_domain("bücher.example"));
        assert!(valid_domain(&crate::idn::to_ascii_lossy("bücher.example")));
    }
}
