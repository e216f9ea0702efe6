//! Every verdict and every finding code of DESIGN.md, on messages signed in
//! the test with throwaway keys, plus tampered variants.

mod common;

use common::*;
use mailproof::signature::Canon;
use mailproof::{Report, ResultReason, SignatureResult, Verdict};

fn check(bytes: &[u8]) -> Report {
    verifier(&standard_zone()).verify_bytes("test.eml", bytes)
}

fn codes(r: &Report) -> Vec<&str> {
    r.findings.iter().map(|f| f.code.as_str()).collect()
}

#[test]
fn verified_relaxed_and_simple() {
    for (h, b) in [
        (Canon::Relaxed, Canon::Relaxed),
        (Canon::Simple, Canon::Simple),
        (Canon::Relaxed, Canon::Simple),
    ] {
        let r = check(&signed(&Sign {
            header_canon: h,
            body_canon: b,
            ..Default::default()
        }));
        assert_eq!(r.verdict, Verdict::Verified, "{h:?}/{b:?}: {r:#?}");
        assert_eq!(r.signatures[0].result, SignatureResult::Pass);
        assert!(r.findings.is_empty(), "{:?}", r.findings);
        let key = r.signatures[0].key.as_ref().unwrap();
        assert_eq!(key.bits, 2048);
        assert_eq!(key.sha256.len(), 64);
        assert_eq!(key.provenance.source, "file test.zone line 1");
    }
}

#[test]
fn verified_ed25519() {
    let msg = sign(
        MESSAGE.as_bytes(),
        &TestKey::load("ed25519"),
        &Sign {
            selector: "ed",
            algorithm: "ed25519-sha256",
            ..Default::default()
        },
    );
    let r = check(&msg);
    assert_eq!(r.verdict, Verdict::Verified, "{r:#?}");
    assert_eq!(r.signatures[0].key.as_ref().unwrap().key_type, "ed25519");
}

#[test]
fn body_byte_changed_is_headers_verified() {
    let msg = replace(&signed(&Sign::default()), "1,204,000", "1,904,000");
    let r = check(&msg);
    assert_eq!(r.verdict, Verdict::HeadersVerified);
    let s = &r.signatures[0];
    assert_eq!(s.result, SignatureResult::BodyHashMismatch);
    assert_eq!(
        (s.header_signature_valid, s.body_hash_matches),
        (Some(true), Some(false))
    );
}

#[test]
fn subject_changed_is_failed_and_body_still_checked() {
    let msg = replace(
        &signed(&Sign::default()),
        "Subject: Quarterly numbers",
        "Subject: Quarterly losses",
    );
    let r = check(&msg);
    assert_eq!(r.verdict, Verdict::Failed);
    let s = &r.signatures[0];
    assert_eq!(s.result, SignatureResult::BadSignature);
    assert_eq!(
        (s.header_signature_valid, s.body_hash_matches),
        (Some(false), Some(true))
    );
}

#[test]
fn injected_from_above_signed_one() {
    let signed = signed(&Sign::default());
    let mut msg = b"From: Mallory <ceo@example.com>\r\n".to_vec();
    msg.extend_from_slice(&signed);
    let r = check(&msg);
    assert_eq!(r.verdict, Verdict::PartiallyVerified, "{r:#?}");
    let f = r
        .findings
        .iter()
        .find(|f| f.code == "header_added_after_signing")
        .unwrap();
    assert_eq!(f.severity, mailproof::Severity::Critical);
    assert!(f.message.contains("2 From headers"));
}

#[test]
fn unsigned_subject_is_partial() {
    let r = check(&signed(&Sign {
        headers: vec!["from", "to", "cc", "date", "message-id"],
        ..Default::default()
    }));
    assert_eq!(r.verdict, Verdict::PartiallyVerified);
    assert!(
        r.findings
            .iter()
            .any(|f| f.code == "header_not_signed" && f.message.contains("Subject"))
    );
    assert!(r.does_not_prove.iter().any(|s| s.contains("Subject")));
}

#[test]
fn content_past_body_length() {
    // l= covering the signed body, then a footer appended after signing.
    let base = signed(&Sign::default());
    let full = mailproof::message::RawMessage::parse(&base)
        .unwrap()
        .body()
        .len() as u64;
    let msg = signed(&Sign {
        body_length: Some(full - 10),
        ..Default::default()
    });
    let r = check(&msg);
    assert_eq!(r.signatures[0].result, SignatureResult::Pass);
    assert_eq!(r.verdict, Verdict::PartiallyVerified);
    assert!(codes(&r).contains(&"content_beyond_body_length"));
    let before = r.signatures[0].canonical_body_length.unwrap();
    let mut appended = msg.clone();
    appended.extend_from_slice(b"P.S. wire the money today.\r\n");
    let r = check(&appended);
    assert_eq!(r.signatures[0].result, SignatureResult::Pass);
    assert_eq!(r.verdict, Verdict::PartiallyVerified);
    let f = r
        .findings
        .iter()
        .find(|f| f.code == "content_beyond_body_length")
        .unwrap();
    let after = r.signatures[0].canonical_body_length.unwrap();
    assert!(after > before + 20);
    let past = after - (full - 10);
    assert!(
        f.message.contains(&format!("{past} more bytes")),
        "{}",
        f.message
    );
}

#[test]
fn signer_not_aligned_is_partial() {
    let msg = sign(
        MESSAGE.as_bytes(),
        &TestKey::load("rsa2048b"),
        &Sign {
            domain: "mailer.example.org",
            selector: "esp",
            ..Default::default()
        },
    );
    let r = check(&msg);
    assert_eq!(r.verdict, Verdict::PartiallyVerified);
    assert!(codes(&r).contains(&"signer_not_aligned"));
}

/// RFC 5322 3.6.2: a From may name several authors; each author's domain
/// must be the signer's organization for `verified`.
#[test]
fn several_authors_each_count_for_alignment() {
    let two = |second: &str| {
        let m = MESSAGE.replace(
            "From: Alice Example <alice@example.com>",
            &format!("From: Alice Example <alice@example.com>, {second}"),
        );
        check(&sign(
            m.as_bytes(),
            &TestKey::load("rsa2048"),
            &Sign::default(),
        ))
    };
    let r = two("Mallory <mallory@other.example>");
    assert_eq!(r.verdict, Verdict::PartiallyVerified, "{:?}", r.findings);
    let f = r
        .findings
        .iter()
        .find(|f| f.code == "signer_not_aligned")
        .expect("signer_not_aligned");
    assert!(f.message.contains("mallory@other.example"), "{}", f.message);
    assert!(!f.message.contains("alice@example.com"), "{}", f.message);
    assert!(
        r.does_not_prove
            .iter()
            .any(|s| s.contains("mallory@other.example")),
        "{:?}",
        r.does_not_prove
    );
    // Both authors in the signer's organization (one at a subdomain).
    let r = two("Bob <bob@news.example.com>");
    assert_eq!(r.verdict, Verdict::Verified, "{:?}", r.findings);
    // The foreign author first: still not aligned, still named.
    let m = MESSAGE.replace(
        "From: Alice Example <alice@example.com>",
        "From: mallory@other.example, Alice Example <alice@example.com>",
    );
    let r = check(&sign(
        m.as_bytes(),
        &TestKey::load("rsa2048"),
        &Sign::default(),
    ));
    assert_eq!(r.verdict, Verdict::PartiallyVerified, "{:?}", r.findings);
    assert!(codes(&r).contains(&"signer_not_aligned"));
}

#[test]
fn subdomain_signer_is_aligned() {
    let zone = standard_zone() + &zone_line("s", "news.example.com", &TestKey::load("rsa2048"));
    let msg = signed(&Sign {
        domain: "news.example.com",
        selector: "s",
        ..Default::default()
    });
    let r = verifier(&zone).verify_bytes("t", &msg);
    assert_eq!(r.verdict, Verdict::Verified, "{:?}", r.findings);
}

#[test]
fn weak_512_bit_key() {
    let msg = sign(
        MESSAGE.as_bytes(),
        &TestKey::load("rsa512"),
        &Sign {
            selector: "k512",
            ..Default::default()
        },
    );
    let r = check(&msg);
    assert_eq!(r.verdict, Verdict::WeakSignature, "{r:#?}");
    assert_eq!(r.signatures[0].result, SignatureResult::Pass);
    assert_eq!(r.signatures[0].key.as_ref().unwrap().bits, 512);
    let f = r.findings.iter().find(|f| f.code == "weak_key").unwrap();
    assert_eq!(f.severity, mailproof::Severity::Critical);
}

#[test]
fn rsa_1024_is_verified_with_warning_and_sha1_flagged() {
    let msg = sign(
        MESSAGE.as_bytes(),
        &TestKey::load("rsa1024"),
        &Sign {
            selector: "k1024",
            algorithm: "rsa-sha1",
            ..Default::default()
        },
    );
    let r = check(&msg);
    assert_eq!(r.verdict, Verdict::Verified, "{r:#?}");
    let weak = r.findings.iter().find(|f| f.code == "weak_key").unwrap();
    assert_eq!(weak.severity, mailproof::Severity::Warning);
    assert!(codes(&r).contains(&"sha1_signature"));
}

#[test]
fn expired_signature_is_checked_against_signing_time() {
    let msg = signed(&Sign {
        expiration: Some(SIGNED_AT + 7 * 86_400),
        ..Default::default()
    });
    let r = check(&msg);
    assert_eq!(r.verdict, Verdict::Verified);
    let f = r
        .findings
        .iter()
        .find(|f| f.code == "signature_expired")
        .unwrap();
    assert_eq!(f.severity, mailproof::Severity::Info);
    // x= before t=: expired when made.
    let r = check(&signed(&Sign {
        expiration: Some(SIGNED_AT - 1),
        ..Default::default()
    }));
    let f = r
        .findings
        .iter()
        .find(|f| f.code == "signature_expired")
        .unwrap();
    assert_eq!(f.severity, mailproof::Severity::Warning);
    // x= still in the future relative to the pinned clock: no finding.
    let r = check(&signed(&Sign {
        expiration: Some(NOW + 1),
        ..Default::default()
    }));
    assert!(!codes(&r).contains(&"signature_expired"));
}

#[test]
fn date_far_from_signing_time() {
    let msg = signed(&Sign {
        timestamp: Some(SIGNED_AT + 3 * 86_400),
        ..Default::default()
    });
    let r = check(&msg);
    let f = r
        .findings
        .iter()
        .find(|f| f.code == "date_mismatch")
        .unwrap();
    assert!(f.message.contains("differ by 3 days"), "{}", f.message);
    let r = check(&signed(&Sign {
        timestamp: Some(SIGNED_AT + 3600),
        ..Default::default()
    }));
    assert!(!codes(&r).contains(&"date_mismatch"));
}

#[test]
fn lf_only_copy_verifies_with_repair() {
    let msg = signed(&Sign {
        header_canon: Canon::Simple,
        body_canon: Canon::Simple,
        ..Default::default()
    });
    let lf = String::from_utf8(msg).unwrap().replace("\r\n", "\n");
    let r = check(lf.as_bytes());
    assert_eq!(r.verdict, Verdict::Verified);
    assert_eq!(r.repairs.len(), 1);
    assert_eq!(r.repairs[0].kind, "crlf_line_endings");
    assert!(codes(&r).contains(&"line_endings_repaired"));
    assert_ne!(r.repairs[0].verified_sha256, r.input_sha256);
}

#[test]
fn original_bytes_are_tried_first() {
    let r = check(&signed(&Sign::default()));
    assert!(r.repairs.is_empty());
    assert!(!codes(&r).contains(&"line_endings_repaired"));
}

#[test]
fn unverifiable_cases() {
    // no key anywhere
    let r = check(&signed(&Sign {
        selector: "gone",
        ..Default::default()
    }));
    assert_eq!(
        (r.verdict, r.signatures[0].result),
        (Verdict::Unverifiable, SignatureResult::NoKey)
    );
    assert!(
        r.signatures[0]
            .detail
            .contains("gone._domainkey.example.com")
    );
    // revoked key
    let zone = "gone._domainkey.example.com. TXT \"v=DKIM1; p=\"\n";
    let r = verifier(zone).verify_bytes(
        "t",
        &signed(&Sign {
            selector: "gone",
            ..Default::default()
        }),
    );
    assert_eq!(
        (r.verdict, r.signatures[0].result),
        (Verdict::Unverifiable, SignatureResult::KeyRevoked)
    );
    // temporary DNS failure
    let zone = ";!TIMEOUT gone._domainkey.example.com.\n";
    let r = verifier(zone).verify_bytes(
        "t",
        &signed(&Sign {
            selector: "gone",
            ..Default::default()
        }),
    );
    assert_eq!(
        (r.verdict, r.signatures[0].result),
        (Verdict::Unverifiable, SignatureResult::Temperror)
    );
    // malformed signature: bh= removed
    let msg = signed(&Sign::default());
    let s = String::from_utf8(msg).unwrap();
    let start = s.find("bh=").unwrap();
    let end = start + s[start..].find(';').unwrap() + 1;
    let broken = format!("{}{}", &s[..start], &s[end..]);
    let r = check(broken.as_bytes());
    assert_eq!(
        (r.verdict, r.signatures[0].result),
        (Verdict::Unverifiable, SignatureResult::Malformed)
    );
    assert_eq!(r.signatures[0].domain.as_deref(), Some("example.com"));
    // unsupported algorithm
    let msg = replace(&signed(&Sign::default()), "a=rsa-sha256", "a=rsa-sha512");
    let r = check(&msg);
    assert_eq!(
        (r.verdict, r.signatures[0].result),
        (Verdict::Unverifiable, SignatureResult::Unsupported)
    );
    // key type does not match the algorithm
    let zone = zone_line("ed", "example.com", &TestKey::load("rsa2048"));
    let msg = sign(
        MESSAGE.as_bytes(),
        &TestKey::load("ed25519"),
        &Sign {
            selector: "ed",
            algorithm: "ed25519-sha256",
            ..Default::default()
        },
    );
    let r = verifier(&zone).verify_bytes("t", &msg);
    assert_eq!(r.signatures[0].result, SignatureResult::Unsupported);
}

#[test]
fn wrong_key_is_failed() {
    let zone = zone_line("s2015", "example.com", &TestKey::load("rsa2048b"));
    let r = verifier(&zone).verify_bytes("t", &signed(&Sign::default()));
    assert_eq!(r.verdict, Verdict::Failed);
}

#[test]
fn key_record_restrictions() {
    let key = TestKey::load("rsa2048");
    let rec = key.record();
    let with = |tags: &str| {
        format!(
            "s2015._domainkey.example.com. TXT \"{}\"\n",
            rec.replace("k=rsa;", &format!("k=rsa; {tags}"))
        )
    };
    let msg = signed(&Sign::default());
    let r = verifier(&with("h=sha1;")).verify_bytes("t", &msg);
    assert_eq!(
        r.signatures[0].result,
        SignatureResult::Malformed,
        "{}",
        r.signatures[0].detail
    );
    assert_eq!(
        r.signatures[0].reason,
        Some(ResultReason::KeyHashNotAllowed)
    );
    let r = verifier(&with("s=other;")).verify_bytes("t", &msg);
    assert_eq!(r.signatures[0].result, SignatureResult::Malformed);
    assert_eq!(r.signatures[0].reason, Some(ResultReason::KeyNotForEmail));
    let r = verifier(&with("g=bob;")).verify_bytes("t", &msg);
    assert_eq!(r.signatures[0].result, SignatureResult::Malformed);
    assert_eq!(r.signatures[0].reason, Some(ResultReason::KeyGranularity));
    // The reason is in the JSON for scripts, snake_case.
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["signatures"][0]["reason"], "key_granularity");
    let sub = signed(&Sign {
        identity: Some("alice@news.example.com"),
        ..Default::default()
    });
    let r = verifier(&with("t=s;")).verify_bytes("t", &sub);
    assert_eq!(r.signatures[0].result, SignatureResult::Malformed);
    assert!(r.signatures[0].detail.contains("t=s"));
    assert_eq!(
        r.signatures[0].reason,
        Some(ResultReason::KeySubdomainForbidden)
    );
    let r = verifier(&with("t=y;")).verify_bytes("t", &msg);
    assert_eq!(r.verdict, Verdict::Verified);
    // A result that says why by itself carries no reason.
    assert_eq!(r.signatures[0].reason, None);
    let json = serde_json::to_value(&r).unwrap();
    assert!(json["signatures"][0].get("reason").is_none());
    assert!(codes(&r).contains(&"key_testing_mode"));
}

#[test]
fn rotated_selector_uses_the_key_that_verifies() {
    let old = TestKey::load("rsa2048");
    let new = TestKey::load("rsa2048b");
    let zone = zone_line("s", "example.com", &new) + &zone_line("s", "example.com", &old);
    let msg = sign(
        MESSAGE.as_bytes(),
        &old,
        &Sign {
            selector: "s",
            ..Default::default()
        },
    );
    let r = verifier(&zone).verify_bytes("t", &msg);
    assert_eq!(r.verdict, Verdict::Verified);
    let s = &r.signatures[0];
    assert_eq!(s.keys_tried, 2);
    assert_eq!(
        s.key.as_ref().unwrap().provenance.source,
        "file test.zone line 2"
    );
}

#[test]
fn strongest_signature_decides() {
    // a failing ESP signature on top of a passing author signature
    let author = signed(&Sign::default());
    let both = sign(
        &author,
        &TestKey::load("rsa2048b"),
        &Sign {
            domain: "mailer.example.org",
            selector: "esp",
            ..Default::default()
        },
    );
    let tampered_esp = replace(&both, "d=mailer.example.org", "d=mailer.example.org; z=x");
    let r = check(&tampered_esp);
    assert_eq!(r.signatures.len(), 2);
    assert_eq!(r.signatures[0].result, SignatureResult::BadSignature);
    assert_eq!(r.signatures[1].result, SignatureResult::Pass);
    assert_eq!(r.verdict, Verdict::Verified);
}

#[test]
fn unsigned_and_error() {
    let r = check(MESSAGE.as_bytes());
    assert_eq!(r.verdict, Verdict::Unsigned);
    for bad in [
        &b""[..],
        b"\x00\x01\x02binary",
        b"just some text\nwith lines\n",
        b"%PDF-1.4\n%\xe2\xe3\n",
    ] {
        let r = check(bad);
        assert_eq!(r.verdict, Verdict::Error, "{bad:?}");
        assert!(r.error.is_some());
    }
}

#[test]
fn signer_agrees_with_mail_auth() {
    use mail_auth::common::crypto::{RsaKey, Sha256};
    use mail_auth::dkim::DkimSigner;
    use rsa::pkcs8::EncodePrivateKey;
    let TestKey::Rsa(private) = TestKey::load("rsa2048") else {
        unreachable!()
    };
    let der = private.to_pkcs8_der().unwrap();
    #[allow(deprecated)]
    let key = RsaKey::<Sha256>::from_pkcs8_der(der.as_bytes()).unwrap();
    let sig = DkimSigner::from_key(key)
        .domain("example.com")
        .selector("s2015")
        .headers(["From", "To", "Cc", "Subject", "Date"])
        .sign(MESSAGE.as_bytes())
        .unwrap();
    let mut msg = format!("DKIM-Signature: {}", sig_value(&sig)).into_bytes();
    msg.extend_from_slice(MESSAGE.as_bytes());
    // mail-auth stamps t= with the real clock, so verify with the real clock.
    let v = mailproof::Verifier::builder()
        .builtin_archive(false)
        .key_source(mailproof::keys::KeyArchive::load_str("test.zone", &standard_zone()).unwrap())
        .build();
    let r = v.verify_bytes("t", &msg);
    assert_eq!(r.verdict, Verdict::Verified, "{r:#?}");
}

fn sig_value(sig: &mail_auth::dkim::Signature) -> String {
    use mail_auth::common::headers::HeaderWriter;
    let h = sig.to_header();
    h.trim_start_matches("DKIM-Signature:")
        .trim_start()
        .to_string()
}

/// A message whose text/plain body also holds a MIME part under a boundary
/// no Content-Type declares: relabelled multipart, a mail program shows
/// "account 9999" instead of "account 1111".
const TWO_READINGS: &str = "From: Alice Example <alice@example.com>\r\n\
To: Bob Reporter <bob@example.net>\r\n\
Subject: Payment\r\n\
Date: Mon, 01 Jun 2015 12:00:00 +0000\r\n\
MIME-Version: 1.0\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
Content-Transfer-Encoding: 7bit\r\n\
\r\n\
Pay to account 1111\r\n\
--hidden\r\n\
Content-Type: text/plain\r\n\
\r\n\
Pay to account 9999\r\n\
--hidden--\r\n";

fn sign_with(msg: &str, headers: &[&str]) -> Vec<u8> {
    sign(
        msg.as_bytes(),
        &TestKey::load("rsa2048"),
        &Sign {
            headers: headers.to_vec(),
            ..Default::default()
        },
    )
}

const LABELS_SIGNED: &[&str] = &[
    "from",
    "to",
    "subject",
    "date",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
];

#[test]
fn mime_label_added_above_signed_one_is_partial() {
    for added in [
        "Content-Type: text/html\r\n",
        "Content-Transfer-Encoding: base64\r\n",
        "MIME-Version: 2.0\r\n",
    ] {
        let msg = sign_with(TWO_READINGS, LABELS_SIGNED);
        let msg = replace(&msg, "From: Alice", &format!("{added}From: Alice"));
        let r = check(&msg);
        assert_eq!(
            r.verdict,
            Verdict::PartiallyVerified,
            "{added}: {:?}",
            r.findings
        );
        let f = r
            .findings
            .iter()
            .find(|f| f.code == "header_added_after_signing")
            .expect("header_added_after_signing");
        assert_eq!(f.severity, mailproof::Severity::Critical, "{added}");
        // Signed once, nothing added: verified.
        let r = check(&sign_with(TWO_READINGS, LABELS_SIGNED));
        assert_eq!(r.verdict, Verdict::Verified, "{:?}", r.findings);
    }
}

#[test]
fn unsigned_label_over_body_with_two_readings_is_partial() {
    for h in [
        &[
            "from",
            "to",
            "subject",
            "date",
            "mime-version",
            "content-transfer-encoding",
        ][..],
        &[
            "from",
            "to",
            "subject",
            "date",
            "mime-version",
            "content-type",
        ][..],
    ] {
        let r = check(&sign_with(TWO_READINGS, h));
        assert_eq!(
            r.verdict,
            Verdict::PartiallyVerified,
            "{h:?}: {:?}",
            r.findings
        );
        let f = r
            .findings
            .iter()
            .find(|f| f.code == "mime_reading_ambiguous")
            .expect("mime_reading_ambiguous");
        assert_eq!(f.severity, mailproof::Severity::Critical);
        assert!(
            f.message.contains("9999") && f.message.contains("hidden"),
            "{}",
            f.message
        );
    }
    // The same body with one reading (no second boundary): verified, and the
    // account says the labels are unsigned.
    let one = TWO_READINGS
        .replace("--hidden--", "-- \r\nAlice")
        .replace("--hidden", "Regards");
    let r = check(&sign_with(&one, &["from", "to", "subject", "date"]));
    assert_eq!(r.verdict, Verdict::Verified, "{:?}", r.findings);
    assert!(!codes(&r).contains(&"mime_reading_ambiguous"));
    assert!(
        r.does_not_prove
            .iter()
            .any(|s| s.contains("Content-Type and Content-Transfer-Encoding are not signed")),
        "{:?}",
        r.does_not_prove
    );
}

#[test]
fn part_hidden_in_epilogue_is_partial() {
    let msg = "From: Alice Example <alice@example.com>\r\n\
To: Bob Reporter <bob@example.net>\r\n\
Subject: Payment\r\n\
Date: Mon, 01 Jun 2015 12:00:00 +0000\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"b1\"\r\n\
\r\n\
--b1\r\n\
Content-Type: text/plain\r\n\
\r\n\
Pay to account 1111\r\n\
--b1--\r\n\
--b1\r\n\
Content-Type: text/plain\r\n\
\r\n\
Pay to account 9999\r\n";
    let r = check(&sign_with(
        msg,
        &["from", "to", "subject", "date", "mime-version"],
    ));
    assert_eq!(r.verdict, Verdict::PartiallyVerified, "{:?}", r.findings);
    let f = r
        .findings
        .iter()
        .find(|f| f.code == "mime_reading_ambiguous")
        .expect("mime_reading_ambiguous");
    assert!(
        f.message.contains("epilogue") && f.message.contains("9999"),
        "{}",
        f.message
    );
}

#[test]
fn summary_names_only_what_the_message_has() {
    let no_subject = MESSAGE.replace("Subject: Quarterly numbers\r\n", "");
    let r = check(&sign(
        no_subject.as_bytes(),
        &TestKey::load("rsa2048"),
        &Sign::default(),
    ));
    assert_eq!(r.verdict, Verdict::Verified, "{:?}", r.findings);
    assert!(!r.summary.contains("subject"), "{}", r.summary);
    assert!(
        r.summary
            .contains("the sender, the recipients, the date and the whole body"),
        "{}",
        r.summary
    );
}

#[test]
fn unsigned_label_prepended_when_not_in_h_is_partial() {
    // Content-Type and Content-Transfer-Encoding not in h= (as Gmail signs):
    // a second, different instance above the original gives two readings.
    let h = &["from", "to", "subject", "date", "mime-version"][..];
    let one = TWO_READINGS
        .replace("--hidden--", "-- \r\nAlice")
        .replace("--hidden", "Regards");
    assert_eq!(check(&sign_with(&one, h)).verdict, Verdict::Verified);
    for added in [
        "Content-Type: text/html\r\n",
        "Content-Transfer-Encoding: base64\r\n",
    ] {
        let msg = replace(
            &sign_with(&one, h),
            "From: Alice",
            &format!("{added}From: Alice"),
        );
        let r = check(&msg);
        assert_eq!(
            r.verdict,
            Verdict::PartiallyVerified,
            "{added}: {:?}",
            r.findings
        );
        let f = r
            .findings
            .iter()
            .find(|f| f.code == "mime_reading_ambiguous")
            .expect("mime_reading_ambiguous");
        assert_eq!(f.severity, mailproof::Severity::Critical);
        let name = added.split(':').next().unwrap();
        assert!(
            f.message.contains(&format!("2 {name} fields")),
            "{}",
            f.message
        );
    }
}

/// Issue 16 item 11: a forged visible sender (a From added above the signed
/// one) says so in the first sentence, naming the signed sender; the header
/// block marks the line; every format shows the critical colour.
#[test]
fn forged_sender_is_named_in_the_first_sentence_and_marked_everywhere() {
    let mut msg = b"From: Treasury Payments <payments@treasury.example>\r\n".to_vec();
    msg.extend_from_slice(&signed(&Sign::default()));
    let r = check(&msg);
    assert_eq!(r.verdict, Verdict::PartiallyVerified, "{r:#?}");
    assert!(
        r.summary.contains("the sender shown is not the one signed")
            && r.summary.contains(
                "(Treasury Payments <payments@treasury.example>) was added after signing"
            )
            && r.summary
                .contains("the From that example.com signed is Alice Example <alice@example.com>"),
        "{}",
        r.summary
    );
    assert!(r.partial_with_critical_finding());
    let text = mailproof::render::text(&r);
    let from_line = text
        .lines()
        .find(|l| l.trim_start().starts_with("From "))
        .unwrap();
    assert!(
        from_line.contains("Treasury Payments") && from_line.contains("ADDED AFTER SIGNING"),
        "{text}"
    );
    let html = mailproof::render::html(std::slice::from_ref(&r), None);
    assert!(html.contains("<div class=\"banner tone-bad\">"), "{html}");
    // the same message without the forged line: the usual sentence, no mark
    let plain = check(&signed(&Sign::default()));
    assert!(!plain.partial_with_critical_finding());
    assert!(!mailproof::render::text(&plain).contains("ADDED AFTER SIGNING"));
    // a Subject added on top is critical too, but the sender sentence is not used
    let mut subj = b"Subject: Pay to account 9999\r\n".to_vec();
    subj.extend_from_slice(&signed(&Sign::default()));
    let r = check(&subj);
    assert!(!r.summary.contains("sender shown"), "{}", r.summary);
    let text = mailproof::render::text(&r);
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("Subject "))
        .unwrap();
    assert!(
        line.contains("Pay to account 9999") && line.contains("ADDED AFTER SIGNING"),
        "{text}"
    );
}

/// Issue 16 item 10: the account says what was published (the public key)
/// and what signed (the matching private key), and does not call a relaxed
/// body "exactly" as signed.
#[test]
fn the_account_names_public_and_private_keys_literally() {
    let r = check(&signed(&Sign::default()));
    let all = r.proves.join("\n") + &r.does_not_prove.join("\n") + &r.summary;
    assert!(!all.contains("private key published"), "{all}");
    assert!(
        // the test zone line has no date: the file, not the domain, is
        // what gives the key (a dated key: tests/key_evidence.rs)
        r.proves[0].starts_with("These headers were signed with the private key matching the public key that the file test.zone line 1 gives for example.com under selector s2015 (nothing in it says when, or that example.com published it): From, "),
        "{}",
        r.proves[0]
    );
    assert!(
        r.proves[1].contains("up to the white-space changes relaxed canonicalization ignores"),
        "{}",
        r.proves[1]
    );
    let simple = check(&signed(&Sign {
        body_canon: Canon::Simple,
        ..Default::default()
    }));
    assert!(
        simple.proves[1].starts_with("The body is exactly as signed"),
        "{}",
        simple.proves[1]
    );
}

/// DESIGN.md's `header_not_signed` names Content-Transfer-Encoding among the
/// headers a reader depends on: present and unsigned, it is reported (and
/// shown in the coverage map); signed, it is not.
#[test]
fn unsigned_content_transfer_encoding_is_header_not_signed() {
    let with_cte = MESSAGE.replace(
        "Content-Type: text/plain; charset=utf-8\r\n",
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n",
    );
    let key = TestKey::load("rsa2048");
    let unsigned = check(&sign(with_cte.as_bytes(), &key, &Sign::default()));
    let f = unsigned
        .findings
        .iter()
        .find(|f| f.code == "header_not_signed" && f.message.contains("Content-Transfer-Encoding"));
    assert!(f.is_some(), "{:#?}", unsigned.findings);
    let map = &unsigned.forensics.as_ref().unwrap().coverage.headers;
    assert!(
        map.iter()
            .any(|h| h.name == "Content-Transfer-Encoding" && h.status == "not_covered"),
        "{map:#?}"
    );
    let mut headers = ALL_HEADERS.to_vec();
    headers.push("content-transfer-encoding");
    let signed = check(&sign(
        with_cte.as_bytes(),
        &key,
        &Sign {
            headers,
            ..Default::default()
        },
    ));
    assert!(
        !signed
            .findings
            .iter()
            .any(|f| f.code == "header_not_signed"),
        "{:#?}",
        signed.findings
    );
}
