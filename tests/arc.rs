//! ARC chain results by what the key sources hold: a chain whose sealer's
//! key is in no source is `unverifiable` (it could not be checked), not
//! `fail`; a wrong key or a broken chain is `fail`; the right key `pass`.
//!
//! The chain is sealed here (RFC 8617 4.1: ARC-Authentication-Results,
//! ARC-Message-Signature, ARC-Seal) with a throwaway key from
//! `fixtures/keys/`, using the library's canonicalization.

mod common;

use base64::Engine;
use common::*;
use mailproof::Report;
use mailproof::message::RawMessage;
use mailproof::report::arc::ArcResult;
use mailproof::signature::{Canon, HashAlg};
use rsa::pkcs1::DecodeRsaPrivateKey;

const SEALER: &str = "relay.example";
const SELECTOR: &str = "arc";

fn rsa_sign(key: &rsa::RsaPrivateKey, data: &[u8]) -> String {
    let d = mailproof::crypto::hash(HashAlg::Sha256, data);
    let sig = key
        .sign(rsa::Pkcs1v15Sign::new::<sha2::Sha256>(), &d)
        .unwrap();
    base64::engine::general_purpose::STANDARD.encode(sig)
}

/// The first field of `text` (one header field, CRLF-terminated), parsed.
fn with_field<R>(text: &str, f: impl FnOnce(&RawMessage<'_>) -> R) -> R {
    let block = format!("{text}\r\n");
    let msg = RawMessage::parse(block.as_bytes()).unwrap();
    f(&msg)
}

/// The standard message, DKIM-signed by example.com, with one ARC set
/// (instance 1, `cv=cv`) sealed by `SELECTOR._domainkey.SEALER` with
/// `fixtures/keys/rsa2048b.pem`.
fn sealed(cv: &str) -> Vec<u8> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let pem = std::fs::read_to_string(fixture("keys/rsa2048b.pem")).unwrap();
    let key = rsa::RsaPrivateKey::from_pkcs1_pem(&pem).unwrap();
    let message = signed(&Sign::default());
    let msg = RawMessage::parse(&message).unwrap();
    let t = SIGNED_AT + 5;

    let aar = format!(
        "ARC-Authentication-Results: i=1; mx.{SEALER}; dkim=pass header.d=example.com header.s=s2015\r\n"
    );

    // ARC-Message-Signature: a DKIM signature with i= (RFC 8617 4.1.2).
    let mut hasher = mailproof::crypto::Hasher::new(HashAlg::Sha256, None);
    mailproof::canon::body(Canon::Relaxed, msg.body(), &mut hasher);
    let bh = b64.encode(hasher.finish());
    let signed_headers = ["from", "to", "subject", "date", "message-id"];
    let ams_value = format!(
        " i=1; a=rsa-sha256; c=relaxed/relaxed; d={SEALER}; s={SELECTOR}; t={t};\r\n\th={};\r\n\tbh={bh};\r\n\tb=",
        signed_headers.join(":")
    );
    let mut data = Vec::new();
    for name in signed_headers {
        let h = msg.headers.iter().rev().find(|h| h.is(name)).unwrap();
        mailproof::canon::header(Canon::Relaxed, h, &mut data);
    }
    with_field(&format!("ARC-Message-Signature:{ams_value}\r\n"), |m| {
        mailproof::canon::signature_header(Canon::Relaxed, &m.headers[0], 0..0, &mut data)
    });
    let ams = format!(
        "ARC-Message-Signature:{ams_value}{}\r\n",
        rsa_sign(&key, &data)
    );

    // ARC-Seal over the AAR, the AMS and itself (RFC 8617 4.1.3, 5.1.1).
    let seal_value =
        format!(" i=1; a=rsa-sha256; cv={cv}; d={SEALER}; s={SELECTOR}; t={t};\r\n\tb=");
    let mut data = Vec::new();
    for field in [&aar, &ams] {
        with_field(field, |m| {
            mailproof::canon::header(Canon::Relaxed, &m.headers[0], &mut data)
        });
    }
    with_field(&format!("ARC-Seal:{seal_value}\r\n"), |m| {
        mailproof::canon::signature_header(Canon::Relaxed, &m.headers[0], 0..0, &mut data)
    });
    let seal = format!("ARC-Seal:{seal_value}{}\r\n", rsa_sign(&key, &data));

    let mut out = format!("{seal}{ams}{aar}").into_bytes();
    out.extend_from_slice(&message);
    out
}

fn check(message: &[u8], zone: &str) -> Report {
    verifier(zone).verify_bytes("arc.eml", message)
}

fn sealer_zone(key: &str) -> String {
    standard_zone() + &zone_line(SELECTOR, SEALER, &TestKey::load(key))
}

#[test]
fn chain_with_the_sealers_key_passes() {
    let r = check(&sealed("none"), &sealer_zone("rsa2048b"));
    assert_eq!(r.arc.result, ArcResult::Pass, "{}", r.arc.detail);
}

#[test]
fn chain_without_the_sealers_key_is_unverifiable_and_names_the_key() {
    let r = check(&sealed("none"), &standard_zone());
    assert_eq!(r.arc.result, ArcResult::Unverifiable, "{}", r.arc.detail);
    assert!(
        r.arc
            .detail
            .contains("no key for arc._domainkey.relay.example in any source"),
        "{}",
        r.arc.detail
    );
    assert!(
        r.arc.detail.starts_with("could not be checked"),
        "{}",
        r.arc.detail
    );
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["arc"]["result"], "unverifiable");
    // The text report says so, not "fail".
    let text = mailproof::render::text(&r);
    assert!(
        text.contains("ARC chain: unverifiable (could not be checked"),
        "{text}"
    );
    // Without a verified chain, the first sealer's dkim=pass corroborates nothing.
    let r = check(&sealed("none"), &standard_zone());
    assert!(!r.findings.iter().any(|f| f.code == "arc_corroborates"));
}

#[test]
fn chain_with_a_wrong_key_published_fails() {
    let r = check(&sealed("none"), &sealer_zone("rsa2048"));
    assert_eq!(r.arc.result, ArcResult::Fail, "{}", r.arc.detail);
    assert!(r.arc.detail.contains("does not verify"), "{}", r.arc.detail);
}

#[test]
fn broken_chain_fails_even_when_the_key_is_missing() {
    // Instance 1 must record cv=none (RFC 8617 5.1.1): a structural fault
    // outweighs a key we could not find.
    let r = check(&sealed("pass"), &standard_zone());
    assert_eq!(r.arc.result, ArcResult::Fail, "{}", r.arc.detail);
    assert!(r.arc.detail.contains("cv=\"pass\""), "{}", r.arc.detail);
}
