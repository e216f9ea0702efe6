//! Real published messages verify with the built-in archive alone.

mod common;

use mailproof::{FixedClock, SignatureResult, Verdict, Verifier};

fn builtin_only() -> Verifier {
    Verifier::builder()
        .builtin_archive(true)
        .clock(FixedClock(common::NOW))
        .build()
}

#[test]
fn published_leaks_verify_with_builtin_archive() {
    let cases = [
        ("Meeting for coffee.eml", "gmail.com", "20120113"),
        ("truncated.eml", "gmail.com", "20120113"),
        ("timestamped.eml", "gmail.com", "20120113"),
        ("Message14960479880043215677.eml", "gmail.com", "20161025"),
        ("message-gmail.txt", "gmail.com", "20161025"),
        ("examples-message.txt", "gmail.com", "20161025"),
    ];
    let v = builtin_only();
    for (file, domain, selector) in cases {
        let bytes = std::fs::read(common::fixture(&format!("real-world/{file}"))).unwrap();
        let r = v.verify_bytes(file, &bytes);
        assert_eq!(r.verdict, Verdict::Verified, "{file}: {:#?}", r.signatures);
        let s = r
            .signatures
            .iter()
            .find(|s| s.result == SignatureResult::Pass)
            .unwrap();
        assert_eq!(
            (s.domain.as_deref(), s.selector.as_deref()),
            (Some(domain), Some(selector))
        );
        let key = s.key.as_ref().unwrap();
        assert_eq!(key.provenance.source, "built-in archive");
        assert_eq!(key.bits, 2048);
        assert!(
            !key.provenance.origins.is_empty(),
            "{file}: key without provenance"
        );
    }
}

/// One line of `fixtures/real-world/MANIFEST`.
struct Published {
    file: String,
    domain: String,
    selector: String,
    key_sha256: String,
    header_only: bool,
}

fn manifest() -> Vec<Published> {
    let text = std::fs::read_to_string(common::fixture("real-world/MANIFEST")).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 8, "MANIFEST line without 8 fields: {l}");
            assert!(
                matches!(f[4], "pass" | "header_only"),
                "MANIFEST: bad expect {}",
                f[4]
            );
            assert!(
                f[5].contains(" @ "),
                "MANIFEST: source not repo @ commit path: {l}"
            );
            Published {
                file: f[0].into(),
                domain: f[1].into(),
                selector: f[2].into(),
                key_sha256: f[3].into(),
                header_only: f[4] == "header_only",
            }
        })
        .collect()
}

#[test]
fn every_published_message_verifies_with_the_builtin_archive_alone() {
    let with = builtin_only();
    let without = Verifier::builder()
        .builtin_archive(false)
        .clock(FixedClock(common::NOW))
        .build();
    let listed = manifest();
    assert!(
        listed.len() >= 20,
        "MANIFEST lists {} messages",
        listed.len()
    );
    for m in &listed {
        let bytes = std::fs::read(common::fixture(&format!("real-world/{}", m.file))).unwrap();
        let r = with.verify_bytes(&m.file, &bytes);
        let s = r
            .signatures
            .iter()
            .find(|s| {
                s.domain.as_deref() == Some(m.domain.as_str())
                    && s.selector.as_deref() == Some(m.selector.as_str())
            })
            .unwrap_or_else(|| panic!("{}: no signature by {}/{}", m.file, m.domain, m.selector));
        let key = s
            .key
            .as_ref()
            .unwrap_or_else(|| panic!("{}: no key: {:#?}", m.file, s));
        assert_eq!(key.provenance.source, "built-in archive", "{}", m.file);
        assert_eq!(key.sha256, m.key_sha256, "{}: another key verified", m.file);
        assert!(
            key.provenance
                .origins
                .iter()
                .any(|o| o.origin.contains(" @ ")),
            "{}: key without a repository source",
            m.file
        );
        assert_eq!(s.header_signature_valid, Some(true), "{}: {:#?}", m.file, s);
        if m.header_only {
            assert_eq!(s.result, SignatureResult::BodyHashMismatch, "{}", m.file);
            assert_eq!(r.verdict, Verdict::HeadersVerified, "{}", m.file);
        } else {
            assert_eq!(s.result, SignatureResult::Pass, "{}: {:#?}", m.file, s);
            assert!(
                matches!(r.verdict, Verdict::Verified | Verdict::PartiallyVerified),
                "{}: {:?}",
                m.file,
                r.verdict
            );
        }
        // the archive is what makes the difference
        let r = without.verify_bytes(&m.file, &bytes);
        assert!(
            r.signatures
                .iter()
                .filter(|s| s.domain.as_deref() == Some(m.domain.as_str()))
                .all(|s| s.result == SignatureResult::NoKey),
            "{}: verified without the built-in archive",
            m.file
        );
    }
}

#[test]
fn manifest_lists_every_real_world_message() {
    let listed: Vec<String> = manifest().into_iter().map(|m| m.file).collect();
    for entry in std::fs::read_dir(common::fixture("real-world")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name != "MANIFEST" {
            assert!(listed.contains(&name), "{name} is not in MANIFEST");
        }
    }
}

#[test]
fn outlook_did_not_sign_to() {
    // outlook.com's h= leaves out To, so the recipient is not authenticated:
    // DESIGN.md makes that partially_verified, whatever peers say per signature.
    let bytes = std::fs::read(common::fixture("real-world/message-outlook.txt")).unwrap();
    let r = builtin_only().verify_bytes("m", &bytes);
    assert_eq!(r.signatures[0].result, SignatureResult::Pass);
    assert_eq!(r.verdict, Verdict::PartiallyVerified);
    assert!(
        r.findings
            .iter()
            .any(|f| f.code == "header_not_signed" && f.message.contains("To header"))
    );
}

#[test]
fn hunter_email_key_fingerprint_and_coverage() {
    let bytes = std::fs::read(common::fixture("real-world/Meeting for coffee.eml")).unwrap();
    let r = builtin_only().verify_bytes("m", &bytes);
    let key = r.signatures[0].key.as_ref().unwrap();
    assert_eq!(
        key.sha256,
        "dbed41632f226cb5dc3194f4baf7946b6c333c56e0b39deaf6f35baaaa5197d7"
    );
    assert_eq!(
        r.signatures[0].signed_at, None,
        "gmail did not set t= in 2015"
    );
    assert!(
        r.proves
            .iter()
            .any(|p| p.contains("gmail.com") && p.contains("Subject"))
    );
    assert!(r.does_not_prove.iter().any(|p| p.contains("replayed")));
    // saved with LF endings: repaired, and said so
    assert_eq!(r.repairs[0].kind, "crlf_line_endings");
}

#[test]
fn altered_leak_is_caught() {
    let bytes = std::fs::read(common::fixture("real-world/Meeting for coffee.eml")).unwrap();
    let altered = common::replace(
        &bytes,
        "Subject: Meeting for coffee?",
        "Subject: Meeting for money?",
    );
    let r = builtin_only().verify_bytes("m", &altered);
    assert_eq!(r.verdict, Verdict::Failed);
    let body_altered = common::replace(&bytes, "Dear Hunter", "Dear Joe");
    let r = builtin_only().verify_bytes("m", &body_altered);
    assert_eq!(r.verdict, Verdict::HeadersVerified);
}

#[test]
fn without_the_archive_it_is_unverifiable() {
    let bytes = std::fs::read(common::fixture("real-world/Meeting for coffee.eml")).unwrap();
    let r = Verifier::builder()
        .builtin_archive(false)
        .build()
        .verify_bytes("m", &bytes);
    assert_eq!(r.verdict, Verdict::Unverifiable);
    assert_eq!(r.signatures[0].result, SignatureResult::NoKey);
}

#[test]
fn reports_round_trip_through_json() {
    // `mailproof report` reads JSONL back: every field must survive.
    let v = builtin_only();
    for entry in std::fs::read_dir(common::fixture("real-world")).unwrap() {
        let path = entry.unwrap().path();
        if path.ends_with("MANIFEST") {
            continue;
        }
        let r = v.verify_bytes(&path.display().to_string(), &std::fs::read(&path).unwrap());
        let line = mailproof::render::jsonl_line(&r);
        let back: mailproof::Report = serde_json::from_str(&line).unwrap();
        assert_eq!(
            mailproof::render::jsonl_line(&back),
            line,
            "{}",
            path.display()
        );
    }
}

/// Keys the archive holds only as recovered from two real posts
/// (archive/sources/recovered-mailing-lists.zone): a verdict that rests on
/// one says so (`key_recovered`), and the fixture that tests the key is a
/// third post, not one the key was recovered from.
#[test]
fn recovered_keys_are_reported_as_recovered_and_tested_on_a_third_message() {
    let archive = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/archive/builtin.jsonl"
    ))
    .unwrap();
    let v = builtin_only();
    let mut recovered = Vec::new();
    for m in manifest() {
        let record: serde_json::Value = archive
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .find(|r| {
                r["domain"] == m.domain.as_str()
                    && r["selector"] == m.selector.as_str()
                    && r["sha256"] == m.key_sha256.as_str()
            })
            .unwrap_or_else(|| panic!("{}: key not in the built-in archive", m.file));
        let sources = record["sources"].as_array().unwrap();
        let from: Vec<&str> = sources
            .iter()
            .filter(|s| {
                s["origin"]
                    .as_str()
                    .unwrap()
                    .starts_with("recovered from the RSA signatures of two real messages")
            })
            .map(|s| s["message_sha256"].as_str().unwrap())
            .collect();
        if from.is_empty() {
            continue;
        }
        recovered.push(format!("{}/{}", m.domain, m.selector));
        assert_eq!(from.len(), 2, "{}: recovered from {from:?}", m.file);
        let bytes = std::fs::read(common::fixture(&format!("real-world/{}", m.file))).unwrap();
        let r = v.verify_bytes(&m.file, &bytes);
        assert!(
            !from.contains(&r.input_sha256.as_str()),
            "{}: the fixture is one of the messages its key was recovered from",
            m.file
        );
        assert!(
            r.findings.iter().any(|f| f.code == "key_recovered"),
            "{}: {:#?}",
            m.file,
            r.findings
        );
    }
    for provider in [
        "aol.com/a2048",
        "verizon.net/a2048",
        "gmx.net/badeba3b8450",
        "gmx.de/s31663417",
        "web.de/s29768273",
        "yandex.ru/mail",
        "zoho.com/zm2022",
        "gmail.com/20251104",
        "proton.me/protonmail",
        "gmx.com/s31663417",
        "web.de/dbaedf251592",
        "mail.ru/mail3",
        "inbox.ru/mail",
        "me.com/1a1hai",
        "mandrillapp.com/mandrill",
    ] {
        assert!(
            recovered.iter().any(|r| r == provider),
            "{provider}: no fixture tests its recovered key ({recovered:?})"
        );
    }
}

/// A key seen on one day only reads "on D", never "from D to D", in the
/// time window and in what the signature proves (checked on every real
/// message, some of whose keys have a single dated sighting).
#[test]
fn a_single_day_of_key_evidence_is_said_once() {
    let v = builtin_only();
    let mut single = 0;
    for m in manifest() {
        let bytes = std::fs::read(common::fixture(&format!("real-world/{}", m.file))).unwrap();
        let r = v.verify_bytes(&m.file, &bytes);
        let text = mailproof::render::text(&r);
        for part in text.split("evidence").skip(1) {
            let words: Vec<&str> = part.split_whitespace().take(8).collect();
            if let Some(i) = words.iter().position(|w| *w == "from")
                && words.get(i + 2) == Some(&"to")
                && let (Some(a), Some(b)) = (words.get(i + 1), words.get(i + 3))
            {
                let b = b.trim_end_matches(['.', ',', ';']);
                assert_ne!(*a, b, "{}: {part:.80}", m.file);
            }
        }
        if let Some(k) = r.signatures.iter().find_map(|s| s.key.as_ref())
            && k.provenance.first_seen.is_some()
            && k.provenance.first_seen == k.provenance.last_seen
        {
            single += 1;
            assert!(text.contains(" on "), "{}", m.file);
        }
    }
    assert!(single > 0, "no real message has a key seen on one day only");
}
