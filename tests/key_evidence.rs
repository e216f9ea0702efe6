//! What a report says about a key's evidence and the signing time:
//! - a key's window never rests on the message being verified (its own
//!   sighting, by SHA-256 or Message-ID, is left out and listed apart);
//! - a signing time outside a key's sightings is reported only when the
//!   evidence contradicts it (another key seen for the selector then, or
//!   the selector seen revoked before);
//! - a `t=` later than the verification time keeps the maths result and
//!   gets a finding naming both times.
//!
//! Messages are signed in the test with throwaway keys, or are the real
//! published messages of `fixtures/real-world/` checked against the
//! built-in archive.

mod common;

use common::*;
use mailproof::keys::KeyArchive;
use mailproof::{FixedClock, Report, SignatureResult, Verdict, Verifier};
use sha2::Digest;

fn sha256_hex(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn codes(r: &Report) -> Vec<&str> {
    r.findings.iter().map(|f| f.code.as_str()).collect()
}

/// A verifier over archive-format lines (one JSON object each).
fn verifier_over(lines: &[serde_json::Value]) -> Verifier {
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    Verifier::builder()
        .builtin_archive(false)
        .key_source(KeyArchive::load_str("a.jsonl", &text).unwrap())
        .clock(FixedClock(NOW))
        .build()
}

/// The archive line of `key` at example.com s2015, seen on `dates`
/// (plain dated captures).
fn key_line(key: &TestKey, dates: &[&str]) -> serde_json::Value {
    serde_json::json!({
        "domain": "example.com", "selector": "s2015", "record": key.record(),
        "first_seen": dates.first(), "last_seen": dates.last(),
        "sources": dates.iter().map(|d| serde_json::json!({"origin": format!("test capture {d}"), "seen": d})).collect::<Vec<_>>(),
    })
}

/// A sighting of a message (as `scripts/build-builtin-archive.py` writes one).
fn sighting(seen: &str, message_id: &str, sha256: &str) -> serde_json::Value {
    serde_json::json!({
        "origin": format!("verifies the real message {message_id}"),
        "seen": seen, "message_id": message_id, "message_sha256": sha256,
    })
}

// ---------------------------------------------------------------------
// No circular key evidence (issue 15 item 2)
// ---------------------------------------------------------------------

#[test]
fn published_leaks_do_not_cite_themselves_as_key_evidence() {
    let v = Verifier::builder()
        .builtin_archive(true)
        .clock(FixedClock(NOW))
        .build();
    // (file, its Message-ID, its own Date day, which the archive holds as
    // a sighting of this very message)
    for (file, id, own_day) in [
        (
            "Message14960479880043215677.eml",
            "<C0DFCCDD-E615-4542-8D51-71B3BE840CF4@gmail.com>",
            "2017-05-29",
        ),
        (
            "Meeting for coffee.eml",
            "<308AB1BA-9F61-4A92-9422-83578528A508@gmail.com>",
            "2015-04-17",
        ),
        // the same message with unsigned headers removed: other bytes,
        // same Message-ID
        (
            "truncated.eml",
            "<308AB1BA-9F61-4A92-9422-83578528A508@gmail.com>",
            "2015-04-17",
        ),
    ] {
        let bytes = std::fs::read(fixture(&format!("real-world/{file}"))).unwrap();
        let r = v.verify_bytes(file, &bytes);
        assert_eq!(r.verdict, Verdict::Verified, "{file}");
        let key = &r.signatures[0].key.as_ref().unwrap().provenance;
        assert!(
            key.origins
                .iter()
                .all(|o| o.message_id.as_deref() != Some(id) && !o.origin.contains(id)),
            "{file}: its own sighting is still cited: {:#?}",
            key.origins
        );
        assert_eq!(key.from_this_message.len(), 1, "{file}");
        assert_eq!(key.from_this_message[0].message_id.as_deref(), Some(id));
        assert_ne!(key.first_seen.as_deref(), Some(own_day), "{file}");
        let w = r.time_window.as_ref().unwrap();
        assert_ne!(w.key_first_seen.as_deref(), Some(own_day), "{file}");
        assert!(
            w.notes.iter().any(|n| n.contains("this very message")),
            "{file}: {:?}",
            w.notes
        );
        // the key still has independent evidence, which the account names
        assert!(!key.origins.is_empty() && key.first_seen.is_some());
        assert!(
            r.proves
                .iter()
                .any(|p| p.contains("own sighting not counted")),
            "{file}: {:?}",
            r.proves
        );
    }
    // TurkStream: its own Date was the key's first sighting; the first
    // independent one is a 2019 Gmail message
    let bytes = std::fs::read(fixture("real-world/Message14960479880043215677.eml")).unwrap();
    let r = v.verify_bytes("t", &bytes);
    let key = &r.signatures[0].key.as_ref().unwrap().provenance;
    assert_eq!(key.first_seen.as_deref(), Some("2019-12-08"));
    // and no warning pretends the 2017 signing contradicts the later
    // evidence: it is before it, which is information only
    assert_eq!(
        r.findings
            .iter()
            .find(|f| f.code == "signed_outside_key_window")
            .map(|f| f.severity),
        Some(mailproof::Severity::Info)
    );
}

#[test]
fn key_seen_only_in_this_message_has_no_independent_evidence() {
    let key = TestKey::load("rsa2048");
    let msg = signed(&Sign::default());
    let id = "<q2-2015@example.com>";
    let mut line = key_line(&key, &[]);
    line["first_seen"] = "2015-06-01".into();
    line["last_seen"] = "2015-06-01".into();
    line["sources"] = serde_json::json!([sighting("2015-06-01", id, &sha256_hex(&msg))]);
    let v = verifier_over(&[line.clone()]);

    let r = v.verify_bytes("t", &msg);
    assert_eq!(r.verdict, Verdict::Verified);
    let k = &r.signatures[0].key.as_ref().unwrap().provenance;
    assert_eq!(
        (k.first_seen.as_deref(), k.last_seen.as_deref()),
        (None, None)
    );
    assert!(k.origins.is_empty(), "{:#?}", k.origins);
    assert_eq!(k.from_this_message.len(), 1);
    let w = r.time_window.as_ref().unwrap();
    assert_eq!(
        (w.key_first_seen.as_deref(), w.key_last_seen.as_deref()),
        (None, None)
    );
    assert!(
        w.notes
            .iter()
            .any(|n| n.contains("no evidence independent of this message")),
        "{:?}",
        w.notes
    );
    assert!(
        r.proves
            .iter()
            .any(|p| p.contains("no evidence independent of this message")),
        "{:?}",
        r.proves
    );
    // the JSON names the evidence left out, with the message's identity
    let json = serde_json::to_value(&r).unwrap();
    let left_out = &json["signatures"][0]["key"]["from_this_message"][0];
    assert_eq!(left_out["message_id"], id);
    assert_eq!(left_out["message_sha256"], sha256_hex(&msg));
    assert!(json["signatures"][0]["key"].get("first_seen").is_none());

    // another copy of the message (other bytes, same Message-ID): still left out
    let copy = [b"X-Forwarded-By: archive\r\n".as_slice(), &msg].concat();
    let r = v.verify_bytes("copy", &copy);
    let k = &r.signatures[0].key.as_ref().unwrap().provenance;
    assert!(k.first_seen.is_none() && k.from_this_message.len() == 1);

    // a different message signed by the same key: the sighting counts
    let other = sign(
        &replace(MESSAGE.as_bytes(), id, "<q3-2015@example.com>"),
        &key,
        &Sign::default(),
    );
    let r = v.verify_bytes("other", &other);
    let k = &r.signatures[0].key.as_ref().unwrap().provenance;
    assert_eq!(k.first_seen.as_deref(), Some("2015-06-01"));
    assert_eq!(k.origins.len(), 1);
    assert!(k.from_this_message.is_empty());
    assert!(r.time_window.unwrap().notes.is_empty());
}

#[test]
fn text_report_says_the_key_has_no_independent_evidence() {
    let key = TestKey::load("rsa2048");
    let msg = signed(&Sign::default());
    let mut line = key_line(&key, &["2015-06-01"]);
    line["sources"] = serde_json::json!([sighting(
        "2015-06-01",
        "<q2-2015@example.com>",
        &sha256_hex(&msg)
    )]);
    let dir = tempfile::tempdir().unwrap();
    let (keys, eml) = (dir.path().join("k.jsonl"), dir.path().join("m.eml"));
    std::fs::write(&keys, format!("{line}\n")).unwrap();
    std::fs::write(&eml, &msg).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mailproof"))
        .args([
            "verify",
            "--no-builtin-keys",
            "--at",
            "2026-01-01",
            "--keys",
        ])
        .arg(&keys)
        .arg(&eml)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("no evidence independent of this message"),
        "{text}"
    );
    assert!(!text.contains("evidence 2015-06-01"), "{text}");
}

// ---------------------------------------------------------------------
// Key windows from one sighting (issue 16 item 7)
// ---------------------------------------------------------------------

/// The severity of the report's `signed_outside_key_window`, if any.
fn window_severity(r: &mailproof::Report) -> Option<mailproof::Severity> {
    r.findings
        .iter()
        .find(|f| f.code == "signed_outside_key_window")
        .map(|f| f.severity)
}

#[test]
fn signing_time_outside_sightings_alone_is_only_information() {
    let key = TestKey::load("rsa2048");
    let msg = signed(&Sign::default()); // t= 2015-06-01
    // one sighting, years later; two sightings, later; two, earlier
    for dates in [
        &["2019-01-01"][..],
        &["2019-01-01", "2020-01-01"],
        &["2012-01-01", "2013-01-01"],
    ] {
        let r = verifier_over(&[key_line(&key, dates)]).verify_bytes("t", &msg);
        assert_eq!(r.verdict, Verdict::Verified);
        // dated evidence of the key: the account says the domain published it
        assert!(
            r.proves[0].starts_with("These headers were signed with the private key matching the public key that example.com published under selector s2015: "),
            "{}",
            r.proves[0]
        );
        let f = r
            .findings
            .iter()
            .find(|f| f.code == "signed_outside_key_window")
            .unwrap_or_else(|| panic!("{dates:?}: {:#?}", r.findings));
        assert_eq!(f.severity, mailproof::Severity::Info, "{dates:?}");
        let side = if dates[0] > "2015" { "before" } else { "after" };
        assert!(
            f.message
                .starts_with(&format!("t= 2015-06-01T12:00:00Z is {side}"))
                && f.message.contains("nothing contradicts it"),
            "{}",
            f.message
        );
    }
    // inside the sightings (with a day's slack either side): no finding
    for dates in [&["2015-06-01"][..], &["2014-01-01", "2016-01-01"]] {
        let r = verifier_over(&[key_line(&key, dates)]).verify_bytes("t", &msg);
        assert_eq!(window_severity(&r), None, "{dates:?}");
    }
}

#[test]
fn another_key_seen_for_the_selector_then_contradicts_the_signing_time() {
    let key = TestKey::load("rsa2048");
    let other = TestKey::load("rsa2048b");
    let lines = [
        key_line(&key, &["2019-01-01"]),
        key_line(&other, &["2014-06-01", "2016-01-01"]),
    ];
    let msg = signed(&Sign::default()); // t= 2015-06-01, inside the other key's window
    let r = verifier_over(&lines).verify_bytes("t", &msg);
    assert_eq!(r.signatures[0].result, SignatureResult::Pass);
    let f = r
        .findings
        .iter()
        .find(|f| f.code == "signed_outside_key_window")
        .expect("finding");
    assert_eq!(f.severity, mailproof::Severity::Warning);
    assert!(
        f.message.starts_with("t= 2015-06-01T12:00:00Z"),
        "{}",
        f.message
    );
    let other_fp = KeyArchive::load_str("o.jsonl", &format!("{}\n", lines[1]))
        .unwrap()
        .records()[0]
        .sha256
        .clone()
        .unwrap();
    assert!(f.message.contains(&other_fp), "{}", f.message);

    // the signing time inside the key's own sightings: no finding, even
    // though the other key was seen then too
    let lines = [
        key_line(&key, &["2015-01-01", "2019-01-01"]),
        key_line(&other, &["2014-06-01", "2016-01-01"]),
    ];
    let r = verifier_over(&lines).verify_bytes("t", &msg);
    assert_eq!(window_severity(&r), None);

    // the two keys seen in the same period (a commit holding both, the
    // selector serving both): the other one's sighting contradicts nothing
    let lines = [
        key_line(&key, &["2016-01-01"]),
        key_line(&other, &["2014-06-01", "2016-01-01"]),
    ];
    let r = verifier_over(&lines).verify_bytes("t", &msg);
    assert_eq!(window_severity(&r), Some(mailproof::Severity::Info));

    // the other key seen only far from the signing time: no contradiction,
    // only information
    let lines = [
        key_line(&key, &["2019-01-01"]),
        key_line(&other, &["2010-06-01"]),
    ];
    let r = verifier_over(&lines).verify_bytes("t", &msg);
    assert_eq!(window_severity(&r), Some(mailproof::Severity::Info));
}

#[test]
fn without_t_the_date_header_is_the_signing_time_judged() {
    let key = TestKey::load("rsa2048");
    let other = TestKey::load("rsa2048b");
    let lines = [
        key_line(&key, &["2019-01-01", "2020-01-01"]),
        key_line(&other, &["2015-06-01"]),
    ];
    let msg = signed(&Sign {
        timestamp: None,
        ..Default::default()
    });
    let r = verifier_over(&lines).verify_bytes("t", &msg);
    let f = r
        .findings
        .iter()
        .find(|f| f.code == "signed_outside_key_window")
        .expect("finding");
    assert!(
        f.message.starts_with("the Date header (no t=) 2015-06-01"),
        "{}",
        f.message
    );
    let w = r.time_window.unwrap();
    assert!(
        w.not_before_source
            .unwrap()
            .starts_with("Date header, covered")
    );
}

#[test]
fn selector_seen_revoked_before_the_signing_time_contradicts_it() {
    let key = TestKey::load("rsa2048");
    let revoked = |day: &str| {
        serde_json::json!({
            "domain": "example.com", "selector": "s2015", "record": "v=DKIM1; k=rsa; p=",
            "first_seen": day, "last_seen": day,
            "sources": [{"origin": format!("test capture {day}: empty p="), "seen": day}],
        })
    };
    let msg = signed(&Sign::default()); // t= 2015-06-01
    // key seen 2013, selector seen revoked 2014: a 2015 signature contradicts
    let r = verifier_over(&[key_line(&key, &["2013-01-01"]), revoked("2014-01-01")])
        .verify_bytes("t", &msg);
    assert_eq!(r.signatures[0].result, SignatureResult::Pass);
    let f = r
        .findings
        .iter()
        .find(|f| f.code == "signed_outside_key_window")
        .expect("finding");
    assert!(f.message.contains("revoked"), "{}", f.message);
    assert!(f.message.contains("2014-01-01"), "{}", f.message);

    assert_eq!(f.severity, mailproof::Severity::Warning);

    // the key seen again after the revocation (re-published): no
    // contradiction, only information
    let r = verifier_over(&[
        key_line(&key, &["2013-01-01", "2014-06-01"]),
        revoked("2014-01-01"),
    ])
    .verify_bytes("t", &msg);
    assert_eq!(window_severity(&r), Some(mailproof::Severity::Info));

    // revoked only after the signing time: no contradiction
    let r = verifier_over(&[key_line(&key, &["2013-01-01"]), revoked("2016-01-01")])
        .verify_bytes("t", &msg);
    assert_eq!(window_severity(&r), Some(mailproof::Severity::Info));
}

// ---------------------------------------------------------------------
// t= later than the verification time (issue 16 item 6)
// ---------------------------------------------------------------------

#[test]
fn timestamp_after_verification_time_keeps_the_maths_result() {
    let msg = signed(&Sign::default()); // t= 2015-06-01T12:00:00Z
    let at = |now: i64| {
        Verifier::builder()
            .builtin_archive(false)
            .key_source(KeyArchive::load_str("test.zone", &standard_zone()).unwrap())
            .clock(FixedClock(now))
            .build()
            .verify_bytes("t", &msg)
    };
    // verification time a month before the signing time (e.g. --at 2015-05-01)
    let r = at(SIGNED_AT - 31 * 86_400);
    assert_eq!(
        r.signatures[0].result,
        SignatureResult::Pass,
        "{}",
        r.signatures[0].detail
    );
    assert_eq!(r.verdict, Verdict::Verified);
    let f = r
        .findings
        .iter()
        .find(|f| f.code == "timestamp_after_verification_time")
        .expect("finding");
    assert_eq!(f.severity, mailproof::Severity::Warning);
    assert!(f.message.contains("2015-06-01T12:00:00Z"), "{}", f.message);
    assert!(f.message.contains("2015-05-01T12:00:00Z"), "{}", f.message);
    // a tampered copy still fails as usual: the maths decides
    let tampered = replace(&msg, "1,204,000", "9,204,000");
    let r = Verifier::builder()
        .builtin_archive(false)
        .key_source(KeyArchive::load_str("test.zone", &standard_zone()).unwrap())
        .clock(FixedClock(SIGNED_AT - 31 * 86_400))
        .build()
        .verify_bytes("t", &tampered);
    assert_eq!(r.signatures[0].result, SignatureResult::BodyHashMismatch);
    // verification after the signing, or within its day: no finding
    for now in [NOW, SIGNED_AT - 12 * 3600] {
        assert!(!codes(&at(now)).contains(&"timestamp_after_verification_time"));
    }
}

#[test]
fn at_before_the_signing_time_is_named_in_the_finding() {
    let dir = tempfile::tempdir().unwrap();
    let (keys, eml) = (dir.path().join("k.zone"), dir.path().join("m.eml"));
    std::fs::write(&keys, standard_zone()).unwrap();
    std::fs::write(&eml, signed(&Sign::default())).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mailproof"))
        .args([
            "verify",
            "--no-builtin-keys",
            "--format",
            "jsonl",
            "--at",
            "2015-05-01",
            "--keys",
        ])
        .arg(&keys)
        .arg(&eml)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["verdict"], "verified");
    assert_eq!(r["signatures"][0]["result"], "pass");
    let f = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "timestamp_after_verification_time")
        .expect("finding");
    let m = f["message"].as_str().unwrap();
    assert!(m.contains("t= 2015-06-01T12:00:00Z"), "{m}");
    assert!(
        m.contains("2015-05-01T00:00:00Z") && m.contains("--at"),
        "{m}"
    );
}
