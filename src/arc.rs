//! ARC (RFC 8617): the chain of custody that intermediaries (mailing lists,
//! forwarders, Gmail) add to a message.
//!
//! Each intermediary adds one ARC set: an ARC-Authentication-Results field
//! (AAR: what it saw when the message arrived, e.g. `dkim=pass`), an
//! ARC-Message-Signature (AMS: a DKIM-like signature over headers and body)
//! and an ARC-Seal (AS: a signature over all ARC fields so far). For a
//! forensic reader the interesting part is the first AAR: if the chain is
//! intact and its sealer's key is archived, it is independent evidence of
//! what the original DKIM signature looked like at receipt, even when the
//! original signer's key has been lost. ARC never upgrades the verdict on
//! its own: it relies on trusting the sealer.
//!
//! Hashing, canonicalization, key lookup and crypto are shared with the DKIM
//! verifier ([`crate::sigcheck`], [`crate::crypto`]) so that key provenance
//! and short keys are handled the same way.

use crate::dkim::check::{BodyCache, KeyPolicy, header_hash, verify_with_keys};
use crate::dkim::signature::{Algorithm, Canon, DkimSignature};
use crate::keys::{self, ArchivedKey, Resolver};
use crate::limits::Limits;
use crate::message::RawMessage;
use crate::report::arc::{
    AarDkim, AarReport, ArcReport, ArcResult, ArcSetReport, ArcSignatureReport,
};
use crate::report::{Finding, KeyReport, Report, Severity, SignatureReport, SignatureResult};
use crate::tags::{self, Tag};
use base64::Engine;
use std::collections::BTreeMap;
use std::sync::Arc;

/// RFC 8617 5.1.1.1: at most 50 ARC sets.
const MAX_INSTANCE: u32 = 50;
/// RFC 8301: verifiers must not accept RSA keys under 1024 bits.
const MIN_RSA_BITS: usize = 1024;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Seal,
    Ams,
    Aar,
}

/// The fields of one instance, as indices into the message's headers.
#[derive(Default)]
struct SetFields {
    seal: Vec<usize>,
    ams: Vec<usize>,
    aar: Vec<usize>,
}

/// Validates the ARC chain of the message in `bytes` and records it in
/// `report`, with the `arc_corroborates` finding when it applies. Like DKIM,
/// the original bytes are tried first and bare LF line ends are converted
/// to CRLF only when the original chain does not pass.
pub(crate) fn attach(
    resolver: &Resolver,
    limits: &Limits,
    msg: &RawMessage<'_>,
    report: &mut Report,
) {
    let bytes = msg.bytes;
    let mut arc = check(resolver, limits, msg);
    if arc.result == ArcResult::Fail && crate::message::has_bare_lf(bytes) {
        let fixed = crate::message::lf_to_crlf(bytes);
        if let Ok(fixed_msg) = RawMessage::parse(&fixed) {
            let repaired = check(resolver, limits, &fixed_msg);
            if repaired.result == ArcResult::Pass {
                arc = repaired;
                arc.detail
                    .push_str(" (after converting bare LF line ends to CRLF)");
            }
        }
    }
    let from = report.message.as_ref().and_then(|m| m.from_domain.clone());
    if let Some(f) = corroboration(&arc, from.as_deref(), &report.signatures) {
        report.findings.push(f);
    }
    report.arc = arc;
}

/// Validates the ARC chain of `msg`.
pub(crate) fn check(resolver: &Resolver, limits: &Limits, msg: &RawMessage<'_>) -> ArcReport {
    let fields: Vec<(usize, Kind)> = msg
        .headers
        .iter()
        .enumerate()
        .filter_map(|(i, h)| {
            let kind = if h.is("ARC-Seal") {
                Kind::Seal
            } else if h.is("ARC-Message-Signature") {
                Kind::Ams
            } else if h.is("ARC-Authentication-Results") {
                Kind::Aar
            } else {
                return None;
            };
            Some((i, kind))
        })
        .collect();
    if fields.is_empty() {
        return ArcReport::default();
    }
    let mut sets: BTreeMap<u32, SetFields> = BTreeMap::new();
    let mut problems = Vec::new();
    for (i, kind) in fields {
        let field = &msg.headers[i];
        let inst = match kind {
            Kind::Aar => aar_instance(field.value),
            _ => sig_instance(field.value),
        };
        match inst {
            Ok(n) => {
                let set = sets.entry(n).or_default();
                match kind {
                    Kind::Seal => set.seal.push(i),
                    Kind::Ams => set.ams.push(i),
                    Kind::Aar => set.aar.push(i),
                }
            }
            Err(e) => problems.push(format!("{}: {e}", String::from_utf8_lossy(field.name))),
        }
    }
    let mut chain = Chain {
        resolver,
        policy: KeyPolicy {
            min_rsa_bits: MIN_RSA_BITS,
            max_rsa_bits: limits.key_bits(),
        },
        msg,
        bodies: BodyCache::default(),
    };
    let mut report = ArcReport {
        result: ArcResult::Fail,
        detail: String::new(),
        sets: sets.iter().map(|(n, f)| chain.describe(*n, f)).collect(),
    };
    if let Some(p) = problems.first() {
        report.detail = format!("broken chain: {p}");
        return report;
    }
    if sets.len() > limits.max_arc_sets as usize {
        report.detail = format!(
            "not checked: {} ARC sets, over the max-arc-sets cap of {} (raise it with --max-arc-sets)",
            sets.len(),
            limits.max_arc_sets
        );
        return report;
    }
    if let Err(e) = structure(&sets) {
        report.detail = format!("broken chain: {e}");
        return report;
    }
    report.detail = chain.validate(&sets, &mut report.sets);
    if report.detail.is_empty() {
        report.result = ArcResult::Pass;
        report.detail = format!(
            "{} ARC set(s); every seal and the newest message signature verify",
            sets.len()
        );
    }
    report
}

/// Instances 1..=N, each with exactly one AS, AMS and AAR.
fn structure(sets: &BTreeMap<u32, SetFields>) -> Result<(), String> {
    let n = sets.len() as u32;
    if n > MAX_INSTANCE {
        return Err(format!(
            "{n} ARC sets, more than the {MAX_INSTANCE} allowed"
        ));
    }
    for (want, (got, f)) in (1..).zip(sets.iter()) {
        if want != *got {
            return Err(format!("instance {want} is missing (found {got})"));
        }
        for (name, list) in [
            ("ARC-Seal", &f.seal),
            ("ARC-Message-Signature", &f.ams),
            ("ARC-Authentication-Results", &f.aar),
        ] {
            match list.len() {
                1 => {}
                0 => return Err(format!("instance {want} has no {name}")),
                k => return Err(format!("instance {want} has {k} {name} fields")),
            }
        }
    }
    Ok(())
}

struct Chain<'v, 'a, 'm> {
    resolver: &'v Resolver,
    policy: KeyPolicy,
    msg: &'a RawMessage<'m>,
    bodies: BodyCache,
}

impl Chain<'_, '_, '_> {
    /// What can be read of one set, before any check.
    fn describe(&mut self, n: u32, f: &SetFields) -> ArcSetReport {
        let first = |l: &Vec<usize>| l.first().map(|i| &self.msg.headers[*i]);
        let seal = first(&f.seal).map(|h| sig_hints(h.value));
        let ams = first(&f.ams).map(|h| sig_hints(h.value));
        let cv = first(&f.seal)
            .and_then(|h| tags::parse(h.value).ok())
            .and_then(|t| tags::get(&t, "cv").map(|c| c.value.clone()));
        let seal = seal.unwrap_or_default();
        ArcSetReport {
            instance: n,
            domain: seal.domain.clone(),
            selector: seal.selector.clone(),
            key: None,
            cv,
            seal,
            message_signature: ams.unwrap_or_default(),
            authentication_results: first(&f.aar).map(|h| parse_aar(h.value)),
        }
    }

    /// Checks seals, message signatures and `cv=`; returns why the chain
    /// fails, or an empty string when it passes.
    fn validate(&mut self, sets: &BTreeMap<u32, SetFields>, out: &mut [ArcSetReport]) -> String {
        let n = sets.len();
        let mut why = String::new();
        let mut note = |w: String| {
            if why.is_empty() {
                why = w;
            }
        };
        let idx: Vec<(usize, usize, usize)> = sets
            .values()
            .map(|f| (f.aar[0], f.ams[0], f.seal[0]))
            .collect();
        // cv= rules (RFC 8617 5.2 step 2 and 4.1.3)
        for (k, rep) in out.iter().enumerate() {
            let want = if k == 0 { "none" } else { "pass" };
            match rep.cv.as_deref() {
                Some("fail") => note(format!(
                    "ARC-Seal i={} records cv=fail: the chain was already broken",
                    k + 1
                )),
                Some(c) if c == want => {}
                Some(c) => note(format!(
                    "ARC-Seal i={} has cv={c:?}, expected {want}",
                    k + 1
                )),
                None => note(format!("ARC-Seal i={} has no cv=", k + 1)),
            }
        }
        // every AMS is checked for the report; only the newest must verify
        for (k, (_, ams, _)) in idx.iter().enumerate() {
            let r = self.check_ams(*ams);
            if k + 1 == n && r.result != Some(SignatureResult::Pass) {
                note(format!(
                    "the newest ARC-Message-Signature (i={n}) does not verify: {}",
                    r.detail
                ));
            }
            out[k].message_signature = r;
        }
        for k in 0..n {
            let r = self.check_seal(&idx[..=k]);
            if r.result != Some(SignatureResult::Pass) {
                note(format!(
                    "the ARC-Seal of instance {} does not verify: {}",
                    k + 1,
                    r.detail
                ));
            }
            out[k].key = r.key.clone();
            out[k].seal = r;
        }
        why
    }

    fn check_ams(&mut self, field: usize) -> ArcSignatureReport {
        let h = self.msg.headers[field];
        let mut rep = sig_hints(h.value);
        let sig = match parse_arc_sig(h.value, Kind::Ams) {
            Ok(s) => s,
            Err((r, why)) => {
                rep.result = Some(r);
                rep.detail = why;
                return rep;
            }
        };
        let (digest, _) = header_hash(self.msg, field, &sig);
        let (bh, _) = self.bodies.get(self.msg.body(), &sig);
        let (result, detail, key) = self.crypto(&sig, &digest);
        rep.key = key.as_deref().and_then(key_report);
        (rep.result, rep.detail) = match result {
            SignatureResult::Pass if bh != sig.body_hash => (
                Some(SignatureResult::BodyHashMismatch),
                "the signature verifies but the body hash does not match".into(),
            ),
            r => (Some(r), detail),
        };
        rep
    }

    /// The seal of the last set in `sets`, over the ARC fields of all of them.
    fn check_seal(&mut self, sets: &[(usize, usize, usize)]) -> ArcSignatureReport {
        let Some(&(_, _, seal)) = sets.last() else {
            return ArcSignatureReport::default();
        };
        let h = self.msg.headers[seal];
        let mut rep = sig_hints(h.value);
        let sig = match parse_arc_sig(h.value, Kind::Seal) {
            Ok(s) => s,
            Err((r, why)) => {
                rep.result = Some(r);
                rep.detail = why;
                return rep;
            }
        };
        let mut data = Vec::new();
        for (k, &(aar, ams, s)) in sets.iter().enumerate() {
            crate::dkim::canon::header(Canon::Relaxed, &self.msg.headers[aar], &mut data);
            crate::dkim::canon::header(Canon::Relaxed, &self.msg.headers[ams], &mut data);
            if k + 1 < sets.len() {
                crate::dkim::canon::header(Canon::Relaxed, &self.msg.headers[s], &mut data);
            }
        }
        let b_span = tags::get(&sig.tags, "b")
            .map(|t| t.span.clone())
            .unwrap_or(0..0);
        crate::dkim::canon::signature_header(Canon::Relaxed, &h, b_span, &mut data);
        let digest = crate::crypto::hash(sig.algorithm.hash(), &data);
        let (result, detail, key) = self.crypto(&sig, &digest);
        rep.key = key.as_deref().and_then(key_report);
        rep.result = Some(result);
        rep.detail = detail;
        rep
    }

    /// Looks up the keys and checks the signature over `digest`.
    fn crypto(
        &self,
        sig: &DkimSignature,
        digest: &[u8],
    ) -> (SignatureResult, String, Option<Arc<ArchivedKey>>) {
        let name = keys::record_name(&sig.domain, &sig.selector);
        let found = self.resolver.candidates(&sig.domain, &sig.selector);
        if found.keys.is_empty() {
            return match found.temperror {
                Some(w) => (
                    SignatureResult::Temperror,
                    format!("key lookup failed temporarily: {w}"),
                    None,
                ),
                None => (
                    SignatureResult::NoKey,
                    format!("no key for {name} in any source"),
                    None,
                ),
            };
        }
        let outcome = verify_with_keys(sig, &found.keys, digest, &self.policy);
        if let Some(k) = outcome.verified {
            return (
                SignatureResult::Pass,
                format!("verifies with {name}"),
                Some(k),
            );
        }
        if let Some(k) = outcome.failed.last() {
            return (
                SignatureResult::BadSignature,
                format!("does not verify with {name}"),
                Some(k.clone()),
            );
        }
        match outcome.problems.into_iter().next() {
            Some((r, why, k)) => (r, why, Some(k)),
            None => (SignatureResult::NoKey, "no usable key".into(), None),
        }
    }
}

/// `d=`, `s=`, `a=` as far as they can be read.
fn sig_hints(value: &[u8]) -> ArcSignatureReport {
    let h = crate::dkim::signature::hints(value);
    ArcSignatureReport {
        domain: h.domain,
        selector: h.selector,
        algorithm: h.algorithm,
        ..Default::default()
    }
}

fn key_report(k: &ArchivedKey) -> Option<KeyReport> {
    let pk = k.parsed.as_ref().ok()?.key.as_ref()?;
    Some(KeyReport {
        provenance: k.provenance.clone(),
        sha256: pk.sha256.clone(),
        key_type: pk.key_type().into(),
        bits: pk.bits,
        record: k.record.clone(),
    })
}

/// A tag list in which every element but a trailing one is a tag
/// (RFC 6376 3.2: `;;` is not allowed).
fn strict_tags(value: &[u8]) -> Result<Vec<Tag>, String> {
    let tags = tags::parse(value).map_err(|e| e.to_string())?;
    let elems: Vec<&[u8]> = value.split(|&b| b == b';').collect();
    let empty = |e: &&[u8]| e.iter().all(|b| b.is_ascii_whitespace());
    if elems[..elems.len() - 1].iter().any(empty) {
        return Err("empty tag list element (\";;\")".into());
    }
    Ok(tags)
}

fn instance_number(v: &str) -> Result<u32, String> {
    let n: u32 = (!v.is_empty() && v.len() <= 3 && v.bytes().all(|b| b.is_ascii_digit()))
        .then(|| v.parse().ok())
        .flatten()
        .ok_or_else(|| format!("i={v:?} is not an instance number"))?;
    if !(1..=MAX_INSTANCE).contains(&n) {
        return Err(format!("i={n} is outside 1..{MAX_INSTANCE}"));
    }
    Ok(n)
}

fn sig_instance(value: &[u8]) -> Result<u32, String> {
    let tags = strict_tags(value)?;
    let i = tags::get(&tags, "i").ok_or("no i= tag")?;
    instance_number(&i.value)
}

/// The AAR starts with `i=N;` (RFC 8617 4.1.1).
fn aar_instance(value: &[u8]) -> Result<u32, String> {
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
fn valid_domain(d: &str) -> bool {
    !d.is_empty()
        && d.len() <= 253
        && d.trim_end_matches('.').split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

fn b64(v: &str, tag: &str) -> Result<Vec<u8>, String> {
    let s = tags::strip_ws(v);
    if s.is_empty() {
        return Err(format!("{tag}= is empty"));
    }
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .map_err(|e| format!("{tag}= is not valid base64 ({e})"))
}

/// Parses an ARC-Seal or ARC-Message-Signature into the shape the shared
/// DKIM helpers use (the identity is the bare domain: ARC's `i=` is the
/// instance, not an agent identifier).
fn parse_arc_sig(value: &[u8], kind: Kind) -> Result<DkimSignature, (SignatureResult, String)> {
    let bad = |w: String| (SignatureResult::Malformed, w);
    let tags = strict_tags(value).map_err(bad)?;
    let req = |name: &str| {
        tags::get(&tags, name)
            .map(|t| t.value.as_str())
            .ok_or_else(|| bad(format!("required tag {name}= is missing")))
    };
    let algorithm = match req("a")? {
        "rsa-sha256" => Algorithm::RsaSha256,
        "ed25519-sha256" => Algorithm::Ed25519Sha256,
        other => {
            return Err((
                SignatureResult::Unsupported,
                format!("algorithm a={other:?} (ARC uses rsa-sha256; RFC 8301 forbids sha1)"),
            ));
        }
    };
    let signature = b64(req("b")?, "b").map_err(bad)?;
    let domain = req("d")?.to_string();
    if !valid_domain(&domain) {
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
        domain: domain.to_ascii_lowercase(),
        selector,
        signed_headers: Vec::new(),
        body_hash: Vec::new(),
        signature,
        header_canon: Canon::Relaxed,
        body_canon: Canon::Relaxed,
        identity: format!("@{}", domain.to_ascii_lowercase()),
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

/// Reads the instance, authserv-id and `dkim=` results of an AAR.
fn parse_aar(value: &[u8]) -> AarReport {
    let raw: String = String::from_utf8_lossy(value)
        .replace(['\r', '\n'], "")
        .trim()
        .to_string();
    let text = strip_comments(&raw);
    let mut parts = text.split(';').map(str::trim);
    let first = parts.next().unwrap_or("");
    let authserv_id = if first.starts_with("i=") {
        parts.next()
    } else {
        Some(first)
    }
    .map(|s| s.split_whitespace().next().unwrap_or("").to_string())
    .filter(|s| !s.is_empty());
    let dkim = parts
        .filter_map(|p| {
            let rest = p.strip_prefix("dkim")?.trim_start().strip_prefix('=')?;
            let mut words = rest.split_whitespace();
            let result = words.next()?.to_ascii_lowercase();
            let mut d = AarDkim {
                result,
                ..Default::default()
            };
            for w in words {
                let Some((k, v)) = w.split_once('=') else {
                    continue;
                };
                let v = v.trim_matches('"').to_string();
                match k.to_ascii_lowercase().as_str() {
                    "header.d" => d.domain = Some(v.to_ascii_lowercase()),
                    "header.s" => d.selector = Some(v),
                    "header.i" => d.identity = Some(v),
                    _ => {}
                }
            }
            if d.domain.is_none() {
                d.domain = d
                    .identity
                    .as_deref()
                    .and_then(|i| i.rsplit_once('@'))
                    .map(|(_, dom)| dom.to_ascii_lowercase());
            }
            Some(d)
        })
        .collect();
    AarReport {
        raw,
        authserv_id,
        dkim,
    }
}

/// Removes RFC 5322 comments (nested parentheses).
fn strip_comments(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut depth = 0usize;
    let mut escaped = false;
    for c in s.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' if depth > 0 => escaped = true,
            '(' => depth += 1,
            ')' if depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// Finding `arc_corroborates`: an intact chain whose first intermediary
/// recorded `dkim=pass` for the From domain, while our own check of that
/// domain's signature could not pass.
pub(crate) fn corroboration(
    arc: &ArcReport,
    from_domain: Option<&str>,
    signatures: &[SignatureReport],
) -> Option<Finding> {
    if arc.result != ArcResult::Pass {
        return None;
    }
    let from = crate::util::org_domain(from_domain?);
    let first = arc.sets.first()?;
    let aar = first.authentication_results.as_ref()?;
    let rec = aar.dkim.iter().find(|d| {
        d.result == "pass"
            && d.domain
                .as_deref()
                .is_some_and(|dom| crate::util::org_domain(dom) == from)
    })?;
    let dom = rec.domain.clone().unwrap_or_default();
    let ours: Vec<&SignatureReport> = signatures
        .iter()
        .filter(|s| {
            s.domain
                .as_deref()
                .is_some_and(|d| d.eq_ignore_ascii_case(&dom))
        })
        .collect();
    if ours.iter().any(|s| s.result == SignatureResult::Pass) {
        return None;
    }
    let our_view = match ours.first() {
        Some(s) => format!("our own check of that signature gave {}", s.result.as_str()),
        None => "the message no longer carries a signature by that domain".into(),
    };
    let sealers: Vec<String> = arc
        .sets
        .iter()
        .map(|s| {
            format!(
                "i={} {} (key {})",
                s.instance,
                s.domain.as_deref().unwrap_or("?"),
                s.key
                    .as_ref()
                    .map(|k| format!("sha256 {} from {}", k.sha256, k.provenance.source))
                    .unwrap_or_else(|| "?".into())
            )
        })
        .collect();
    Some(Finding {
        code: "arc_corroborates".into(),
        severity: Severity::Info,
        message: format!(
            "an intact ARC chain sealed by {} records that {} saw a passing DKIM signature by {dom}{} when the message arrived; {our_view}. This is independent evidence that the original signature was valid at receipt, resting on trust in the sealer; it does not change the verdict",
            sealers.join(", "),
            aar.authserv_id
                .as_deref()
                .unwrap_or("the first intermediary"),
            rec.selector
                .as_deref()
                .map(|s| format!(" (selector {s})"))
                .unwrap_or_default(),
        ),
        signature: ours.first().map(|s| s.index),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aar_fields_are_read() {
        let a = parse_aar(
            b" i=1; mx.google.com;\r\n dkim=pass (test mode) header.i=@Example.com header.s=sel;\r\n spf=pass smtp.mailfrom=x",
        );
        assert_eq!(a.authserv_id.as_deref(), Some("mx.google.com"));
        assert_eq!(a.dkim.len(), 1);
        assert_eq!(a.dkim[0].domain.as_deref(), Some("example.com"));
        assert_eq!(a.dkim[0].selector.as_deref(), Some("sel"));
        assert_eq!(aar_instance(b" i=2; x"), Ok(2));
        assert!(aar_instance(b" x; i=2;").is_err());
        assert!(aar_instance(b" i=2 x").is_err());
    }

    #[test]
    fn instances_and_tags_are_strict() {
        assert!(sig_instance(b"i=0; a=x").is_err());
        assert!(sig_instance(b"i=; a=x").is_err());
        assert!(sig_instance(b"i=1;; a=x").is_err());
        assert_eq!(sig_instance(b"i=1; a=x;"), Ok(1));
        assert!(valid_domain("example.org") && !valid_domain("exa mple.org"));
    }
}
