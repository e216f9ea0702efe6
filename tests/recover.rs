//! Key recovery from signatures (`mailproof::recover`): the recovered
//! modulus is the real one, the key verifies the messages, messages by a
//! different key under the same selector are kept apart, and the report
//! says what a recovered key means.
//!
//! A recovery from 1024-bit e=65537 signatures costs a gcd of two
//! 67-million-bit numbers (about 10 s of one core; malachite is built
//! optimised even in test builds, see Cargo.toml), so most tests use a
//! 1024-bit key with e = 3 (same code, microseconds) or a 512-bit key; two
//! run the 1024-bit e = 65537 path. The 2048-bit recovery from three
//! messages through `mailproof keys recover` in a release build is
//! `cargo bench --bench recover`, beside the gmpy2 reference.

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
    recover::recover(&inputs, &Options::default(), &mut |_| {})
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

/// The same with e = 65537: one gcd of two 67-million-bit numbers.
#[test]
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
        assert!(report.proves[0].starts_with("These headers were signed with one private key, whose public key was recomputed from the signatures themselves"));
        assert!(
            report
                .does_not_prove
                .iter()
                .any(|l| l.starts_with("That example.com signed it"))
        );
        // The headline a reader sees first says the same, never that the
        // domain signed it.
        assert!(
            !report.summary.contains("the sender's own domain, signed"),
            "{}",
            report.summary
        );
        assert!(
            report.summary.starts_with(
                "Verified: the signature claiming example.com verifies with a key recomputed"
            ),
            "{}",
            report.summary
        );
        assert!(report.summary.contains("not that it was example.com"));
    }
    // The same key also in a published source: it vouches for the
    // recovered one (info, and the ordinary sentences).
    let both = Verifier::builder()
        .builtin_archive(false)
        .key_source(r.key_source())
        .key_source(
            mailproof::keys::KeyArchive::load_str(
                "published.zone",
                &zone_line("gone2015", "example.com", &key),
            )
            .unwrap(),
        )
        .clock(FixedClock(NOW))
        .build();
    let report = both.verify_bytes(msgs[0].0, &msgs[0].1);
    assert_eq!(report.verdict, Verdict::Verified);
    if report.has_finding("key_recovered") {
        let f = report
            .findings
            .iter()
            .find(|f| f.code == "key_recovered")
            .unwrap();
        assert_eq!(f.severity, mailproof::Severity::Info, "{}", f.message);
    }
    assert!(
        report
            .summary
            .starts_with("Verified: example.com, the sender's own domain, signed"),
        "{}",
        report.summary
    );
    // (an undated zone line: the sentence names the file, not a
    // publication by the domain that nothing dates)
    assert!(report.proves[0].starts_with("These headers were signed with the private key matching the public key that the file published.zone line 1 gives for example.com"), "{}", report.proves[0]);
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
/// before the right pair is tried.
#[test]
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
fn messages_saved_with_a_byte_order_mark_or_blank_lines_still_recover() {
    let key = TestKey::load("rsa512");
    let mut a = b"\xEF\xBB\xBF".to_vec();
    a.extend(message(&key, "One", SIGNED_AT, "rsa-sha256"));
    let mut b = b"\r\n\n".to_vec();
    b.extend(message(&key, "Two", SIGNED_AT + 60, "rsa-sha256"));
    let r = run(&[("a.eml", a.clone()), ("b.eml", b)]);
    assert_eq!(r.keys.len(), 1, "{:?}", r.unrecovered);
    assert_eq!(r.keys[0].modulus, modulus(&key));
    // `keys fetch --from` reads the selector past the mark too
    assert_eq!(
        mailproof::dkim::signature_selectors(&a),
        [("example.com".to_string(), "gone2015".to_string())]
    );
}

#[test]
fn bare_lf_messages_recover_through_the_crlf_repair() {
    let key = TestKey::load("rsa1024e3");
    use mailproof::dkim::signature::Canon;
    // a message signed with this header canonicalization, saved with LF
    let lf = |header_canon: Canon, subject: &str, t: i64| {
        let body = MESSAGE.replace("Quarterly numbers", subject);
        let signed = sign(
            body.as_bytes(),
            &key,
            &Sign {
                selector: "gone2015",
                header_canon,
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
        ("l1.eml", lf(Canon::Simple, "One", SIGNED_AT)),
        ("l2.eml", lf(Canon::Simple, "Two", SIGNED_AT + 1)),
    ]);
    assert_eq!(r.keys.len(), 1, "{:?}", r.unrecovered);
    assert!(r.keys[0].signatures.iter().all(|s| s.repaired));

    // relaxed header canonicalization reads LF and CRLF alike: the repair
    // changes no digest, and none is claimed
    let r = run(&[
        ("r1.eml", lf(Canon::Relaxed, "One", SIGNED_AT)),
        ("r2.eml", lf(Canon::Relaxed, "Two", SIGNED_AT + 1)),
    ]);
    assert_eq!(r.keys.len(), 1, "{:?}", r.unrecovered);
    assert!(r.keys[0].signatures.iter().all(|s| !s.repaired));
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

/// The standard message with its subject changed, signed at `t` under
/// `selector._domainkey.example.com`.
fn message_as(key: &TestKey, selector: &str, subject: &str, t: i64) -> Vec<u8> {
    let body = MESSAGE.replace("Quarterly numbers", subject);
    sign(
        body.as_bytes(),
        key,
        &Sign {
            selector,
            timestamp: Some(t),
            ..Default::default()
        },
    )
}

fn run_cli(args: &[&str], dir: &std::path::Path) -> (i32, String, String) {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_mailproof"))
        .args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8(o.stdout).unwrap(),
        String::from_utf8(o.stderr).unwrap(),
    )
}

fn records(jsonl: &str) -> std::collections::BTreeMap<String, serde_json::Value> {
    jsonl
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (v["source"].as_str().unwrap().to_string(), v)
        })
        .collect()
}

fn findings(record: &serde_json::Value, code: &str) -> Vec<String> {
    record["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == code)
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect()
}

/// `verify --recover` over a dump: the selector that two messages share and
/// no source has gets its key recovered and every message of it verifies
/// with `key_recovered` naming the messages used; a selector with one
/// message stays missing with the reason; a selector a key file holds is
/// left to that key; the summary lists both kinds.
#[test]
fn verify_recover_recovers_keys_no_source_has() {
    let gone = TestKey::load("rsa1024e3");
    let lone_key = TestKey::load("rsa1024b");
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    let put = |name: &str, bytes: Vec<u8>| std::fs::write(inbox.join(name), bytes).unwrap();
    put("a1.eml", message_as(&gone, "gone2015", "One", SIGNED_AT));
    put(
        "a2.eml",
        message_as(&gone, "gone2015", "Two", SIGNED_AT + 60),
    );
    put(
        "a3.eml",
        message_as(&gone, "gone2015", "Three", SIGNED_AT + 600),
    );
    put("b.eml", message_as(&lone_key, "lone", "Alone", SIGNED_AT));
    // Signed with the same (cheaply recoverable) key under a selector that
    // the key file holds: recovery must leave it alone.
    put("k1.eml", message_as(&gone, "kept", "Kept one", SIGNED_AT));
    put(
        "k2.eml",
        message_as(&gone, "kept", "Kept two", SIGNED_AT + 5),
    );
    std::fs::write(
        dir.path().join("keys.zone"),
        zone_line("kept", "example.com", &gone),
    )
    .unwrap();
    let base = [
        "verify",
        "--no-builtin-keys",
        "--keys",
        "keys.zone",
        "--format",
        "jsonl",
        "-j",
        "2",
    ];

    // Without --recover the selector's messages have no key.
    let (code, out, _) = run_cli(&[&base[..], &["inbox"]].concat(), dir.path());
    assert_eq!(code, 1);
    let recs = records(&out);
    assert_eq!(recs["inbox/a1.eml"]["verdict"], "unverifiable");
    assert!(findings(&recs["inbox/a1.eml"], "key_recovered").is_empty());

    let (code, out, err) = run_cli(
        &[
            &base[..],
            &[
                "--recover",
                "--summary",
                "s.json",
                "-o",
                "out.jsonl",
                "inbox",
            ],
        ]
        .concat(),
        dir.path(),
    );
    assert_eq!(code, 1, "{err}");
    // the summary's heading is true of keys recovered in this run and of
    // recovered keys from an archive alike
    assert!(
        out.contains("Recovered keys (recomputed from signatures, in this run or earlier"),
        "{out}"
    );
    assert!(!out.contains("the messages' own signatures"), "{out}");
    let recs = records(&std::fs::read_to_string(dir.path().join("out.jsonl")).unwrap());
    assert_eq!(recs.len(), 6);
    for name in ["a1", "a2", "a3"] {
        let r = &recs[&format!("inbox/{name}.eml")];
        assert_eq!(r["verdict"], "verified", "{name}: {r}");
        let f = findings(r, "key_recovered");
        assert_eq!(f.len(), 1, "{name}: {r}");
        assert!(
            f[0].contains(
                "recovered from 3 signatures (files inbox/a1.eml, inbox/a2.eml, inbox/a3.eml)"
            ),
            "{}",
            f[0]
        );
    }
    for name in ["k1", "k2"] {
        let r = &recs[&format!("inbox/{name}.eml")];
        assert_eq!(r["verdict"], "verified");
        assert!(findings(r, "key_recovered").is_empty(), "{r}");
    }
    assert_eq!(recs["inbox/b.eml"]["verdict"], "unverifiable");
    assert!(
        err.contains("key recovered for gone2015._domainkey.example.com: RSA 1024 bits"),
        "{err}"
    );
    assert!(!err.contains("kept._domainkey"), "{err}");

    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("s.json")).unwrap()).unwrap();
    let missing = summary["missing_keys"].as_array().unwrap();
    let entry = |record: &str| {
        missing
            .iter()
            .find(|m| m["record"] == record)
            .unwrap_or_else(|| panic!("{record} in {missing:?}"))
    };
    let lone = entry("lone._domainkey.example.com");
    assert_eq!(lone["messages"], 1);
    assert!(
        lone["not_recovered"]
            .as_str()
            .unwrap()
            .starts_with("only one signature"),
        "{lone}"
    );
    let recovered = entry("gone2015._domainkey.example.com");
    assert_eq!(recovered["messages"], 0);
    assert_eq!(recovered["recovered_messages"], 3);
    let fp = recovered["recovered_keys"][0].as_str().unwrap();
    assert_eq!(
        recs["inbox/a1.eml"]["signatures"][0]["key"]["sha256"], fp,
        "the listed key is the one that verified"
    );
    assert_eq!(missing.len(), 2, "{missing:?}");
    // The summary text (on stdout, the records going to a file).
    assert!(
        out.contains("lone._domainkey.example.com: 1 message (1 with nothing else to check)")
            && out.contains("not recovered: only one signature"),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "gone2015._domainkey.example.com: 3 messages verified with key SHA-256 {fp}"
        )),
        "{out}"
    );
}

/// The budget: once it is spent no big gcd starts, and the summary says
/// why the key stayed missing. Standard input cannot be read twice.
#[test]
fn verify_recover_budget_and_bad_arguments() {
    let key = TestKey::load("rsa512");
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    for (i, t) in [0, 30].into_iter().enumerate() {
        std::fs::write(
            inbox.join(format!("{i}.eml")),
            message_as(&key, "old512", &format!("N{i}"), SIGNED_AT + t),
        )
        .unwrap();
    }
    let (code, _, err) = run_cli(
        &[
            "verify",
            "--no-builtin-keys",
            "--recover",
            "--recover-budget",
            "0s",
            "--summary",
            "s.json",
            "-q",
            "inbox",
        ],
        dir.path(),
    );
    assert_eq!(code, 1, "{err}");
    let summary = std::fs::read_to_string(dir.path().join("s.json")).unwrap();
    assert!(
        summary.contains("the time budget for recovery ran out (0 pairs tried here)"),
        "{summary}"
    );
    assert!(!summary.contains("recovered_keys"), "{summary}");

    let (code, _, err) = run_cli(&["verify", "--recover", "-"], dir.path());
    assert_eq!(code, 2);
    assert!(err.contains("cannot take standard input"), "{err}");
    let (code, _, err) = run_cli(&["verify", "--recover-budget", "5m", "inbox"], dir.path());
    assert_eq!(code, 2);
    assert!(err.contains("--recover"), "{err}");
    let (code, _, err) = run_cli(
        &["verify", "--recover", "--recover-budget", "soon", "inbox"],
        dir.path(),
    );
    assert_eq!(code, 2);
    assert!(err.contains("is not a duration"), "{err}");
}

/// A recovered key's evidence is the signatures it was recovered from; a
/// report on one of those messages leaves that message's own signature out
/// (DESIGN.md: a key's window never rests on the message being verified),
/// also when the key went through an archive file.
#[test]
fn recovered_key_evidence_leaves_out_the_message_verified() {
    let key = TestKey::load("rsa1024e3");
    // two messages (distinct Message-IDs: one Message-ID is one message)
    let msg = |id: &str, t: i64| {
        let body = MESSAGE.replace("<q2-2015@example.com>", id);
        let opts = Sign {
            selector: "gone2015",
            timestamp: Some(t),
            ..Default::default()
        };
        sign(body.as_bytes(), &key, &opts)
    };
    let msgs = [
        ("x.eml", msg("<x@example.com>", SIGNED_AT)),
        ("y.eml", msg("<y@example.com>", SIGNED_AT + 7200)),
    ];
    let r = run(&msgs);
    assert_eq!(r.keys.len(), 1);
    let jsonl = serde_json::to_string(&r.keys[0].archive_record()).unwrap() + "\n";
    let from_file = Verifier::builder()
        .builtin_archive(false)
        .key_source(mailproof::keys::KeyArchive::load_str("k.jsonl", &jsonl).unwrap())
        .clock(FixedClock(NOW))
        .build();
    for v in [verifier_with(&r), from_file] {
        for ((name, bytes), other_t) in msgs
            .iter()
            .zip(["2015-06-01T14:00:00Z", "2015-06-01T12:00:00Z"])
        {
            let report = v.verify_bytes(name, bytes);
            assert_eq!(report.verdict, Verdict::Verified, "{report:#?}");
            let p = &report.signatures[0].key.as_ref().unwrap().provenance;
            assert_eq!(p.from_this_message.len(), 1, "{name}: {p:#?}");
            assert!(p.from_this_message[0].origin.contains(name), "{p:#?}");
            assert_eq!(p.origins.len(), 1, "{name}: {p:#?}");
            assert_eq!(
                (p.first_seen.as_deref(), p.last_seen.as_deref()),
                (Some(other_t), Some(other_t)),
                "{name}"
            );
            assert!(report.has_finding("key_recovered"));
        }
    }
}
