//! Key recovery from signatures (`mailproof::recover`): the recovered
//! modulus is the real one, the key verifies the messages, messages by a
//! different key under the same selector are kept apart, and the report
//! says what a recovered key means.
//!
//! A recovery from 1024-bit e=65537 signatures costs a gcd of two
//! 67-million-bit numbers (15 to 40 s here), so the default tests use a
//! 1024-bit key with e = 3 (same code, microseconds) and a 512-bit key for
//! the e = 65537 path; the 1024-bit e = 65537 tests and the 2048-bit run of
//! the "done when" are `#[ignore]`d: run them with
//! `cargo test --release --test recover -- --ignored`.
#![cfg(feature = "gmp")]

mod common;

use common::*;
use mailproof::recover::{self, Input, Options, Recovery};
use mailproof::{FixedClock, Verdict, Verifier};
use rsa::traits::PublicKeyParts;

/// The standard message with its subject changed, signed at `t`.
fn message(key: &TestKey, subject: &str, t: i64, algorithm: &str) -> Vec<u8> {
    let body = MESSAGE.replace("Quarterly numbers", subject);
    sign(
        body.as_bytes(),
        key,
        &Sign {
            selector: "gone2015",
            algorithm,
            timestamp: Some(t),
            ..Default::default()
        },
    )
}

fn run(messages: &[(&str, Vec<u8>)]) -> Recovery {
    let inputs: Vec<Input<'_>> = messages
        .iter()
        .map(|(source, bytes)| Input { source, bytes })
        .collect();
    recover::recover(&inputs, &Options::default(), &mut |_| {}).unwrap()
}

fn modulus(key: &TestKey) -> Vec<u8> {
    match key {
        TestKey::Rsa(k) => k.n().to_bytes_be(),
        TestKey::Ed25519(_) => unreachable!(),
    }
}

/// A verifier whose only key source is the recovered keys.
fn verifier_with(recovery: &Recovery) -> Verifier {
    Verifier::builder()
        .builtin_archive(false)
        .key_source(recovery.key_source())
        .clock(FixedClock(NOW))
        .build()
}

#[test]
fn recovers_1024_bit_key_from_sha256_and_sha1_signatures() {
    recovers_from_sha256_and_sha1("rsa1024e3", 3);
}

/// The same with e = 65537: one gcd of two 67-million-bit numbers, about
/// 15 to 40 s in a debug build on a shared machine: ignored.
#[test]
#[ignore]
fn recovers_1024_bit_65537_key_from_sha256_and_sha1_signatures() {
    recovers_from_sha256_and_sha1("rsa1024", 65537);
}

/// The e = 65537 path (the big gcd) in the default run, on a 512-bit key
/// to keep it to seconds.
#[test]
fn recovers_512_bit_65537_key() {
    let key = TestKey::load("rsa512");
    let r = run(&[
        ("a.eml", message(&key, "One", SIGNED_AT, "rsa-sha256")),
        ("b.eml", message(&key, "Two", SIGNED_AT + 60, "rsa-sha1")),
    ]);
    assert_eq!(r.keys.len(), 1, "{:?}", r.unrecovered);
    assert_eq!((r.keys[0].exponent, r.keys[0].bits), (65537, 512));
    assert_eq!(r.keys[0].modulus, modulus(&key));
}

fn recovers_from_sha256_and_sha1(name: &str, exponent: u32) {
    let key = TestKey::load(name);
    let msgs = [
        ("a.eml", message(&key, "One", SIGNED_AT, "rsa-sha256")),
        ("b.eml", message(&key, "Two", SIGNED_AT + 60, "rsa-sha1")),
        (
            "c.eml",
            message(&key, "Three", SIGNED_AT + 7200, "rsa-sha256"),
        ),
    ];
    let r = run(&msgs);
    assert_eq!(r.keys.len(), 1, "{:?}", r.unrecovered);
    let k = &r.keys[0];
    assert_eq!(k.modulus, modulus(&key));
    assert_eq!((k.exponent, k.bits), (exponent, 1024));
    assert_eq!(
        k.signatures
            .iter()
            .map(|s| s.source.as_str())
            .collect::<Vec<_>>(),
        ["a.eml", "b.eml", "c.eml"]
    );
    assert_eq!(
        k.description(),
        "recovered from 3 signatures (files a.eml, b.eml, c.eml)"
    );
    let rec = k.archive_record();
    assert_eq!(rec.first_seen.as_deref(), Some("2015-06-01T12:00:00Z"));
    assert_eq!(rec.last_seen.as_deref(), Some("2015-06-01T14:00:00Z"));
    assert_eq!(rec.sha256.as_deref(), Some(k.sha256.as_str()));
    assert!(r.unrecovered.is_empty());

    // Verifying with the recovered key passes, and the report says what it means.
    let v = verifier_with(&r);
    assert_eq!(v.source_names(), ["recovered"]);
    for (name, bytes) in &msgs {
        let report = v.verify_bytes(name, bytes);
        assert_eq!(report.verdict, Verdict::Verified, "{report:#?}");
        let f = report
            .findings
            .iter()
            .find(|f| f.code == "key_recovered")
            .expect("key_recovered finding");
        assert_eq!(f.severity, mailproof::Severity::Warning);
        assert!(f.message.contains("share one signer"), "{}", f.message);
        assert!(f.message.contains("key archive or DNS history"));
        assert!(f.message.contains(&k.sha256));
        assert!(report.proves[0].starts_with("One private key, recovered from the signatures"));
        assert!(
            report
                .does_not_prove
                .iter()
                .any(|l| l.starts_with("That example.com signed it"))
        );
    }
}

#[test]
fn archive_and_zone_output_load_back_as_recovered_keys() {
    let key = TestKey::load("rsa1024e3");
    let msgs = [
        ("x.eml", message(&key, "One", SIGNED_AT, "rsa-sha256")),
        ("y.eml", message(&key, "Two", SIGNED_AT + 5, "rsa-sha256")),
    ];
    let r = run(&msgs);
    assert_eq!(r.keys.len(), 1);
    assert_eq!(
        (r.keys[0].exponent, r.keys[0].modulus.clone()),
        (3, modulus(&key))
    );
    let jsonl = serde_json::to_string(&r.keys[0].archive_record()).unwrap() + "\n";
    let zone = r.keys[0].zone_text();
    for (name, text) in [("out.jsonl", jsonl), ("out.zone", zone)] {
        let v = Verifier::builder()
            .builtin_archive(false)
            .key_source(mailproof::keys::KeyArchive::load_str(name, &text).unwrap())
            .clock(FixedClock(NOW))
            .build();
        let report = v.verify_bytes("x.eml", &msgs[0].1);
        assert_eq!(report.verdict, Verdict::Verified, "{name}: {report:#?}");
        assert!(report.has_finding("key_recovered"), "{name}");
    }
    // A key from an ordinary archive gets no such finding.
    let plain =
        verifier(&zone_line("gone2015", "example.com", &key)).verify_bytes("x.eml", &msgs[0].1);
    assert_eq!(plain.verdict, Verdict::Verified);
    assert!(!plain.has_finding("key_recovered"));
}

#[test]
fn different_keys_under_one_selector_are_kept_apart() {
    // Two keys under the same selector name; the closest pair in t= mixes them.
    let a = TestKey::load("rsa1024e3");
    let b = TestKey::load("rsa1024b");
    let msgs = [
        ("a1.eml", message(&a, "A one", SIGNED_AT, "rsa-sha256")),
        ("b1.eml", message(&b, "B one", SIGNED_AT + 10, "rsa-sha256")),
        ("a2.eml", message(&a, "A two", SIGNED_AT + 1000, "rsa-sha1")),
    ];
    let r = run(&msgs);
    assert_eq!(r.keys.len(), 1, "{:?}", r.keys);
    assert_eq!(r.keys[0].modulus, modulus(&a));
    let sources: Vec<&str> = r.keys[0]
        .signatures
        .iter()
        .map(|s| s.source.as_str())
        .collect();
    assert_eq!(sources, ["a1.eml", "a2.eml"]);
    assert_eq!(r.unrecovered.len(), 1);
    assert_eq!(r.unrecovered[0].signatures[0].source, "b1.eml");
    assert!(
        r.unrecovered[0].reason.contains("no other signature"),
        "{}",
        r.unrecovered[0].reason
    );
    // The recovered key does not verify the other key's message.
    let report = verifier_with(&r).verify_bytes("b1.eml", &msgs[1].1);
    assert_eq!(report.verdict, Verdict::Failed);
}

/// The same with two e=65537 keys, so the mixed pair costs a failed big gcd
/// before the right pair is tried. Slow (three gcds of 67-million-bit
/// numbers): ignored.
#[test]
#[ignore]
fn different_65537_keys_under_one_selector_are_kept_apart() {
    let a = TestKey::load("rsa1024");
    let b = TestKey::load("rsa1024b");
    let msgs = [
        ("a1.eml", message(&a, "A one", SIGNED_AT, "rsa-sha256")),
        ("b1.eml", message(&b, "B one", SIGNED_AT + 10, "rsa-sha256")),
        (
            "a2.eml",
            message(&a, "A two", SIGNED_AT + 1000, "rsa-sha256"),
        ),
    ];
    let r = run(&msgs);
    assert_eq!(r.keys.len(), 1, "{:?}", r.keys);
    assert_eq!(r.keys[0].modulus, modulus(&a));
    let sources: Vec<&str> = r.keys[0]
        .signatures
        .iter()
        .map(|s| s.source.as_str())
        .collect();
    assert_eq!(sources, ["a1.eml", "a2.eml"]);
    assert_eq!(r.unrecovered[0].signatures[0].source, "b1.eml");
}

#[test]
fn ed25519_and_lone_signatures_are_explained() {
    let ed = sign(
        MESSAGE.as_bytes(),
        &TestKey::load("ed25519"),
        &Sign {
            selector: "ed",
            algorithm: "ed25519-sha256",
            ..Default::default()
        },
    );
    let lone = message(
        &TestKey::load("rsa1024e3"),
        "Alone",
        SIGNED_AT,
        "rsa-sha256",
    );
    // A b= far larger than any RSA key (s^e would not fit in memory).
    let huge = replace(&lone, "\tb=", &format!("\tb={}", "A".repeat(40_000)));
    let r = run(&[
        ("huge.eml", huge.clone()),
        ("huge2.eml", huge),
        ("ed.eml", ed.clone()),
        ("ed2.eml", ed),
        ("lone.eml", lone),
        ("junk.txt", b"not mail".to_vec()),
    ]);
    assert!(r.keys.is_empty());
    let reasons: Vec<&str> = r.unrecovered.iter().map(|u| u.reason.as_str()).collect();
    assert!(
        reasons
            .iter()
            .any(|r| r.starts_with("Ed25519 keys cannot be recovered")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| r.starts_with("only one signature")),
        "{reasons:?}"
    );
    assert!(
        r.skipped.iter().any(|s| s.starts_with("junk.txt")),
        "{:?}",
        r.skipped
    );
    assert!(
        r.skipped
            .iter()
            .any(|s| s.starts_with("huge.eml signature 1: a 24") && s.contains("not the size")),
        "{:?}",
        r.skipped
    );
}

#[test]
fn bare_lf_messages_recover_through_the_crlf_repair() {
    let key = TestKey::load("rsa1024e3");
    let simple = |subject: &str, t: i64| {
        let body = MESSAGE.replace("Quarterly numbers", subject);
        let signed = sign(
            body.as_bytes(),
            &key,
            &Sign {
                selector: "gone2015",
                header_canon: mailproof::signature::Canon::Simple,
                timestamp: Some(t),
                ..Default::default()
            },
        );
        String::from_utf8(signed)
            .unwrap()
            .replace("\r\n", "\n")
            .into_bytes()
    };
    let r = run(&[
        ("l1.eml", simple("One", SIGNED_AT)),
        ("l2.eml", simple("Two", SIGNED_AT + 1)),
    ]);
    assert_eq!(r.keys.len(), 1, "{:?}", r.unrecovered);
    assert!(r.keys[0].signatures.iter().all(|s| s.repaired));
}

/// The "done when": three messages signed by a 2048-bit key that no
/// archive holds; the key comes out within three minutes on one core and
/// verifies them. Slow (one gcd of two 134-million-bit numbers): ignored.
#[test]
#[ignore]
fn recovers_2048_bit_key_within_three_minutes() {
    let key = TestKey::load("rsa2048b");
    let msgs = [
        ("m1.eml", message(&key, "One", SIGNED_AT, "rsa-sha256")),
        ("m2.eml", message(&key, "Two", SIGNED_AT + 30, "rsa-sha256")),
        (
            "m3.eml",
            message(&key, "Three", SIGNED_AT + 90, "rsa-sha256"),
        ),
    ];
    // Absent from every archive: the built-in one alone cannot verify them.
    let builtin_only = Verifier::builder().clock(FixedClock(NOW)).build();
    assert_eq!(
        builtin_only.verify_bytes("m1.eml", &msgs[0].1).verdict,
        Verdict::Unverifiable
    );
    let start = std::time::Instant::now();
    let r = run(&msgs);
    let elapsed = start.elapsed();
    eprintln!("2048-bit recovery from 3 messages: {elapsed:.1?}");
    assert!(elapsed.as_secs() < 180, "{elapsed:?}");
    assert_eq!(r.keys.len(), 1);
    assert_eq!(r.keys[0].modulus, modulus(&key));
    assert_eq!(r.keys[0].signatures.len(), 3);
    let v = verifier_with(&r);
    for (name, bytes) in &msgs {
        assert_eq!(v.verify_bytes(name, bytes).verdict, Verdict::Verified);
    }
}

#[test]
fn cli_keys_recover_prints_zone_records_and_appends_archive_records() {
    let key = TestKey::load("rsa1024e3");
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    std::fs::write(
        inbox.join("1.eml"),
        message(&key, "One", SIGNED_AT, "rsa-sha256"),
    )
    .unwrap();
    std::fs::write(
        inbox.join("2.eml"),
        message(&key, "Two", SIGNED_AT + 9, "rsa-sha1"),
    )
    .unwrap();
    let out = dir.path().join("keys.jsonl");
    std::fs::write(&out, "").unwrap();
    let exe = env!("CARGO_BIN_EXE_mailproof");
    let run = || {
        std::process::Command::new(exe)
            .args(["keys", "recover", "--out"])
            .arg(&out)
            .arg(&inbox)
            .output()
            .unwrap()
    };
    let o = run();
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let stdout = String::from_utf8(o.stdout).unwrap();
    assert!(
        stdout.starts_with("; recovered from 2 signatures (files "),
        "{stdout}"
    );
    assert!(stdout.contains("gone2015._domainkey.example.com. TXT \"v=DKIM1; k=rsa; p="));
    assert!(stdout.contains("share one signer"));
    run();
    let lines = std::fs::read_to_string(&out).unwrap();
    assert_eq!(
        lines.lines().count(),
        2,
        "appends, one record per key per run"
    );
    let v = std::process::Command::new(exe)
        .args(["verify", "--no-builtin-keys", "--format", "jsonl", "--keys"])
        .arg(&out)
        .arg(&inbox)
        .output()
        .unwrap();
    let report = String::from_utf8(v.stdout).unwrap();
    assert_eq!(v.status.code(), Some(0), "{report}");
    assert_eq!(report.matches("key_recovered").count(), 2);
    // Nothing to recover from: exit 1 and say why.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    std::fs::write(
        empty.join("lone.eml"),
        message(&key, "Lone", SIGNED_AT, "rsa-sha256"),
    )
    .unwrap();
    let o = std::process::Command::new(exe)
        .args(["keys", "recover"])
        .arg(&empty)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains(
        "; not recovered: gone2015._domainkey.example.com (1 signature): only one signature"
    ));
}
