//! Live DNS against a DNS server the test starts on 127.0.0.1: answers,
//! multi-string TXT, NXDOMAIN, SERVFAIL, timeout, TCP fallback for an
//! oversized answer, and what the verifier makes of each.

mod common;
mod dnsserver;

use common::*;
use dnsserver::{Answer, start, txt, txt_record};
use mailproof::keys::dns::{DnsConfig, DnsSource, Fetched};
use mailproof::keys::{KeyArchive, KeyRecord};
use mailproof::{FixedClock, SignatureResult, Verdict, Verifier};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

const NAME: &str = "s2015._domainkey.example.com";

fn source(addr: std::net::SocketAddr) -> DnsSource {
    DnsSource::new(&DnsConfig {
        resolver: Some(addr),
        timeout: Duration::from_secs(1),
        attempts: 1,
        dnssec: false,
    })
    .unwrap()
}

fn fingerprint(key: &TestKey) -> String {
    KeyRecord::parse(&key.record()).unwrap().key.unwrap().sha256
}

#[test]
fn answer_is_captured_with_evidence() {
    let key = TestKey::load("rsa2048");
    let dns = start(vec![(NAME, txt_record(&key.record()))]);
    let src = source(dns.addr);
    let Fetched::Found(keys) = src.fetch("example.com", "s2015") else {
        panic!("no answer")
    };
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].record, key.record());
    assert_eq!(keys[0].sha256(), Some(fingerprint(&key).as_str()));
    let o = &keys[0].provenance.origins[0];
    assert_eq!(o.origin, format!("live DNS via {}", dns.addr));
    assert_eq!(o.ttl, Some(300));
    assert_eq!(o.dnssec.as_deref(), Some("not_validated"));
    assert!(mailproof::parse_date(o.seen.as_deref().unwrap()).is_some());
    assert_eq!(src.seen().len(), 1);
}

#[test]
fn multi_string_txt_is_concatenated() {
    let key = TestKey::load("rsa2048");
    let rec = key.record();
    // Three character-strings (each at most 255 bytes), split mid-tag.
    let dns = start(vec![(NAME, txt(&[&rec[..20], &rec[20..200], &rec[200..]]))]);
    let Fetched::Found(keys) = source(dns.addr).fetch("example.com", "s2015") else {
        panic!("no answer")
    };
    assert_eq!(keys[0].record, rec);
    assert!(keys[0].sha256().is_some());
}

#[test]
fn nxdomain_servfail_and_timeout() {
    let dns = start(vec![
        ("gone._domainkey.example.com", Answer::NxDomain),
        ("broken._domainkey.example.com", Answer::ServFail),
        ("slow._domainkey.example.com", Answer::Silent),
    ]);
    let src = source(dns.addr);
    match src.fetch("example.com", "gone") {
        Fetched::NotFound(why) => assert!(why.contains("NXDOMAIN"), "{why}"),
        other => panic!("{other:?}"),
    }
    match src.fetch("example.com", "broken") {
        Fetched::TempFail(why) => assert!(why.contains("SERVFAIL"), "{why}"),
        other => panic!("{other:?}"),
    }
    let started = std::time::Instant::now();
    match src.fetch("example.com", "slow") {
        Fetched::TempFail(why) => assert!(why.contains("timeout"), "{why}"),
        other => panic!("{other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(20));
    assert!(src.seen().is_empty());
}

#[test]
fn oversized_answer_is_retried_over_tcp() {
    let key = TestKey::load("rsa2048");
    // A record padded with a note tag past any UDP payload size the client offers.
    let big = format!(
        "v=DKIM1; k=rsa; n={}; {}",
        "x".repeat(1500),
        &key.record()[16..]
    );
    assert!(KeyRecord::parse(&big).unwrap().key.is_some());
    let dns = start(vec![(NAME, txt_record(&big))]);
    let Fetched::Found(keys) = source(dns.addr).fetch("example.com", "s2015") else {
        panic!("no answer")
    };
    assert_eq!(keys[0].record, big);
    assert!(dns.udp_queries.load(Ordering::SeqCst) >= 1);
    assert!(
        dns.tcp_queries.load(Ordering::SeqCst) >= 1,
        "the truncated UDP answer was not retried over TCP"
    );
}

fn online_verifier(archive: Option<KeyArchive>, dns: &Arc<DnsSource>) -> Verifier {
    let mut b = Verifier::builder()
        .builtin_archive(false)
        .clock(FixedClock(NOW))
        .live_source(dns.clone());
    if let Some(a) = archive {
        b = b.key_source(a);
    }
    b.build()
}

#[test]
fn verifier_results_for_dns_outcomes() {
    let msg = signed(&Sign::default());
    let key = TestKey::load("rsa2048");
    for (answer, result, verdict, detail) in [
        (
            txt_record(&key.record()),
            SignatureResult::Pass,
            Verdict::Verified,
            "verify",
        ),
        (
            Answer::NxDomain,
            SignatureResult::NoKey,
            Verdict::Unverifiable,
            "no key",
        ),
        (
            Answer::ServFail,
            SignatureResult::Temperror,
            Verdict::Unverifiable,
            "SERVFAIL",
        ),
        (
            Answer::Silent,
            SignatureResult::Temperror,
            Verdict::Unverifiable,
            "timeout",
        ),
    ] {
        let dns = start(vec![(NAME, answer)]);
        let src = Arc::new(source(dns.addr));
        let r = online_verifier(None, &src).verify_bytes("t.eml", &msg);
        let s = &r.signatures[0];
        assert_eq!((s.result, r.verdict), (result, verdict), "{r:#?}");
        assert!(s.detail.contains(detail), "{}", s.detail);
    }
}

#[test]
fn archive_first_then_dns_and_rotation_is_reported() {
    // The archive holds the key that signed; DNS now publishes another one.
    let old = TestKey::load("rsa2048");
    let new = TestKey::load("rsa2048b");
    let dns = start(vec![(NAME, txt_record(&new.record()))]);
    let src = Arc::new(source(dns.addr));
    let archive =
        KeyArchive::load_str("old.zone", &zone_line("s2015", "example.com", &old)).unwrap();
    let r = online_verifier(Some(archive), &src).verify_bytes("t.eml", &signed(&Sign::default()));
    assert_eq!(r.verdict, Verdict::Verified);
    let k = r.signatures[0].key.as_ref().unwrap();
    assert_eq!(k.provenance.source, "file old.zone line 1");
    assert_eq!(r.signatures[0].keys_tried, 2);
    let f = r
        .findings
        .iter()
        .find(|f| f.code == "key_rotated")
        .expect("key_rotated");
    assert!(f.message.contains(&fingerprint(&new)), "{}", f.message);
    // The same key in DNS and archive is no rotation.
    let dns = start(vec![(NAME, txt_record(&old.record()))]);
    let src = Arc::new(source(dns.addr));
    let archive =
        KeyArchive::load_str("old.zone", &zone_line("s2015", "example.com", &old)).unwrap();
    let r = online_verifier(Some(archive), &src).verify_bytes("t.eml", &signed(&Sign::default()));
    assert!(!r.has_finding("key_rotated"));
    assert_eq!(
        src.seen().len(),
        1,
        "the live sighting is kept for --save-keys"
    );
}

#[test]
fn a_u_label_d_is_asked_of_dns_in_a_label_form() {
    // RFC 8616 section 4: the key of d=bücher.example is published at the
    // A-label name; the server knows only that name.
    let key = TestKey::load("rsa2048");
    let dns = start(vec![(
        "s2015._domainkey.xn--bcher-kva.example",
        txt_record(&key.record()),
    )]);
    let msg = MESSAGE.replace("alice@example.com", "alice@xn--bcher-kva.example");
    let signed = sign(
        msg.as_bytes(),
        &key,
        &Sign {
            domain: "bücher.example",
            ..Default::default()
        },
    );
    let src = Arc::new(source(dns.addr));
    let r = online_verifier(None, &src).verify_bytes("idn.eml", &signed);
    assert_eq!(r.verdict, Verdict::Verified, "{r:#?}");
    assert_eq!(
        r.signatures[0].domain.as_deref(),
        Some("xn--bcher-kva.example")
    );
}
