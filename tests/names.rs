//! Names as they really come (issue 16 items 3, 4, 12, 14), on messages
//! signed in the test with throwaway keys:
//! internationalized domain names in every position (d=, i=, From,
//! Message-ID, the key's name in an archive), malformed header lines of
//! each kind, From addresses whose display text holds another address,
//! and encoded words in the coverage map.

mod common;

use common::*;
use mailproof::render;
use mailproof::{Report, SignatureResult, Verdict};

const A: &str = "xn--bcher-kva.example";
const U: &str = "bücher.example";

fn codes(r: &Report) -> Vec<&str> {
    r.findings.iter().map(|f| f.code.as_str()).collect()
}

/// The standard message with its From and Message-ID at `from_domain`,
/// signed with d=`d` (and `i=` when given) by the 2048-bit key.
fn idn_signed(d: &str, from_domain: &str, identity: Option<&str>) -> Vec<u8> {
    let msg = MESSAGE
        .replace("alice@example.com", &format!("alice@{from_domain}"))
        .replace("q2-2015@example.com", &format!("q2-2015@{from_domain}"));
    sign(
        msg.as_bytes(),
        &TestKey::load("rsa2048"),
        &Sign {
            domain: d,
            identity,
            ..Default::default()
        },
    )
}

/// A verifier whose only key is the 2048-bit one at `s2015._domainkey.<domain>`
/// (the name written as given: U-labels or A-labels).
fn idn_verifier(domain: &str) -> mailproof::Verifier {
    verifier(&zone_line("s2015", domain, &TestKey::load("rsa2048")))
}

#[test]
fn idn_in_every_position_is_one_domain() {
    // (d= as written, From domain, key name in the archive, i=)
    let cases: [(&str, &str, &str, Option<&str>); 6] = [
        (U, A, A, None),
        (A, U, U, None),
        (U, U, A, Some("alice@bücher.example")),
        (A, A, U, Some("@mail.bücher.example")),
        (
            "Bücher.Example",
            "mail.xn--bcher-kva.example",
            U,
            Some("@XN--BCHER-KVA.example"),
        ),
        (A, A, A, Some("alice@xn--bcher-kva.example")),
    ];
    for (d, from, key_name, i) in cases {
        let r = idn_verifier(key_name).verify_bytes("idn.eml", &idn_signed(d, from, i));
        let case = format!("d={d} From @{from} key under {key_name} i={i:?}");
        assert_eq!(r.verdict, Verdict::Verified, "{case}: {r:#?}");
        let s = &r.signatures[0];
        assert_eq!(s.result, SignatureResult::Pass, "{case}");
        assert_eq!(s.domain.as_deref(), Some(A), "{case}");
        assert_eq!(s.domain_unicode.as_deref(), Some(U), "{case}");
        let m = r.message.as_ref().unwrap();
        let from_a = if from.starts_with("mail.") {
            format!("mail.{A}")
        } else {
            A.to_string()
        };
        assert_eq!(m.from_domain.as_deref(), Some(from_a.as_str()), "{case}");
        assert!(
            m.from_domain_unicode.as_deref().unwrap().ends_with(U),
            "{case}"
        );
        // Message-ID at the same domain, in whichever form: no mismatch
        for code in [
            "signer_not_aligned",
            "message_id_domain_mismatch",
            "invalid_domain_name",
        ] {
            assert!(!codes(&r).contains(&code), "{case}: {code}");
        }
        // the signed bytes keep d= as written
        if d != A {
            assert!(
                r.signatures[0].detail.is_empty() || !r.signatures[0].detail.contains("malformed")
            );
        }
    }
}

#[test]
fn idn_signer_outside_the_from_organization_is_not_aligned() {
    let r = idn_verifier(U).verify_bytes("idn.eml", &idn_signed(U, "xn--mller-kva.example", None));
    assert_eq!(r.verdict, Verdict::PartiallyVerified, "{r:#?}");
    assert!(codes(&r).contains(&"signer_not_aligned"));
    assert_eq!(
        r.message.as_ref().unwrap().from_domain_unicode.as_deref(),
        Some("müller.example")
    );
}

#[test]
fn idn_key_is_looked_up_under_the_a_label_in_every_archive_format() {
    let key = TestKey::load("rsa2048");
    let msg = idn_signed(U, A, None);
    // key-archive API JSON with the U-label form, JSONL archive with A-label
    let api = format!(
        "[{{\"domain\":\"{U}\",\"selector\":\"s2015\",\"firstSeenAt\":\"2015-01-01T00:00:00Z\",\"lastSeenAt\":\"2016-01-01T00:00:00Z\",\"value\":\"{}\"}}]",
        key.record()
    );
    let archive = mailproof::keys::KeyArchive::load_str("keys.json", &api).unwrap();
    assert_eq!(archive.keys()[0].domain, A);
    let v = mailproof::Verifier::builder()
        .builtin_archive(false)
        .key_source(archive)
        .clock(mailproof::FixedClock(NOW))
        .build();
    let r = v.verify_bytes("idn.eml", &msg);
    assert_eq!(r.verdict, Verdict::Verified, "{r:#?}");
    // the DNS query name is the A-label form
    assert_eq!(
        mailproof::keys::record_name("Bücher.Example.", "s2015"),
        format!("s2015._domainkey.{A}")
    );
}

#[test]
fn invalid_idna_is_a_finding_never_a_panic() {
    // d= with a label that does not convert: the signature is malformed
    let r = idn_verifier(A).verify_bytes("bad.eml", &idn_signed("xn--a.example", A, None));
    assert_eq!(r.signatures[0].result, SignatureResult::Malformed, "{r:#?}");
    assert!(
        r.signatures[0].detail.contains("IDNA"),
        "{}",
        r.signatures[0].detail
    );
    assert_eq!(r.verdict, Verdict::Unverifiable);
    // i= whose domain does not convert
    let r = idn_verifier(A).verify_bytes("bad.eml", &idn_signed(A, A, Some("a@xn--zz-.example")));
    assert_eq!(r.signatures[0].result, SignatureResult::Malformed, "{r:#?}");
    // From and Message-ID domains that do not convert: named in a finding
    let r = idn_verifier(A).verify_bytes("bad.eml", &idn_signed(A, "xn--a.example", None));
    let bad: Vec<&str> = r
        .findings
        .iter()
        .filter(|f| f.code == "invalid_domain_name")
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(bad.len(), 2, "{:#?}", r.findings);
    assert!(bad[0].contains("From address") && bad[1].contains("Message-ID"));
    assert_eq!(r.verdict, Verdict::PartiallyVerified);
}

#[test]
fn readers_see_the_u_label_beside_the_a_label() {
    let r = idn_verifier(A).verify_bytes("idn.eml", &idn_signed(U, A, None));
    let both = format!("{A} ({U})");
    let text = render::text(&r);
    assert!(text.contains(&format!("d={both}")), "{text}");
    assert!(text.contains(&format!("(domain {both})")), "{text}");
    let html = render::html(std::slice::from_ref(&r), None);
    assert!(html.contains(&both), "html");
    let md = render::markdown(std::slice::from_ref(&r), None);
    assert!(md.contains(&both), "markdown");
    let json: serde_json::Value = serde_json::from_str(&render::jsonl_line(&r)).unwrap();
    assert_eq!(json["signatures"][0]["domain_unicode"], U);
    assert_eq!(json["message"]["from_domain_unicode"], U);
}

// ---- malformed header lines (item 4) ----------------------------------

/// The standard message with `line` inserted after its Date field.
fn with_line(line: &[u8]) -> Vec<u8> {
    let at = MESSAGE.find("Message-ID:").unwrap();
    let mut m = MESSAGE.as_bytes()[..at].to_vec();
    m.extend_from_slice(line);
    m.extend_from_slice(&MESSAGE.as_bytes()[at..]);
    m
}

fn malformed(r: &Report) -> &mailproof::Finding {
    r.findings
        .iter()
        .find(|f| f.code == "malformed_header_line")
        .unwrap_or_else(|| panic!("no malformed_header_line: {:#?}", r.findings))
}

#[test]
fn one_malformed_unsigned_line_never_hides_a_valid_signature() {
    for (kind, line, what) in [
        ("NUL byte", &b"X-Junk: a\0b\r\n"[..], "NUL byte"),
        (
            "non-ASCII field name",
            "Sübject: x\r\n".as_bytes(),
            "printable ASCII",
        ),
        (
            "no colon",
            &b"this line has no colon\r\n"[..],
            "not a header field",
        ),
        ("space in name", &b"Bad Name: x\r\n"[..], "printable ASCII"),
    ] {
        let msg = sign(
            &with_line(line),
            &TestKey::load("rsa2048"),
            &Sign::default(),
        );
        let r = verifier(&standard_zone()).verify_bytes("m.eml", &msg);
        assert_eq!(r.verdict, Verdict::Verified, "{kind}: {r:#?}");
        let f = malformed(&r);
        assert_eq!(f.severity, mailproof::Severity::Warning, "{kind}");
        assert!(f.message.contains(what), "{kind}: {}", f.message);
        assert!(
            f.message.contains("no signature covers it") || kind == "no colon",
            "{kind}: {}",
            f.message
        );
        // the finding is escaped like any message value
        let text = render::text(&r);
        assert!(!text.contains('\0'), "{kind}: raw NUL in text");
        let html = render::html(std::slice::from_ref(&r), None);
        assert!(!html.contains('\0'), "{kind}: raw NUL in html");
        // and the rest of the message is judged as usual: a changed body fails it
        let changed = replace(&msg, "1,204,000", "1,904,000");
        let r = verifier(&standard_zone()).verify_bytes("m.eml", &changed);
        assert_eq!(r.verdict, Verdict::HeadersVerified, "{kind}");
    }
}

#[test]
fn a_malformed_field_in_h_is_hashed_as_written() {
    // RFC 6376 3.4: canonicalization works on the bytes; a field the
    // signer listed in h= is covered whatever its syntax.
    for (kind, line, name) in [
        ("NUL byte", &b"X-Junk: a\0b\r\n"[..], "x-junk"),
        ("non-ASCII name", "Sübject: x\r\n".as_bytes(), "Sübject"),
    ] {
        let mut headers = ALL_HEADERS.to_vec();
        headers.push(name);
        let opts = Sign {
            headers,
            ..Default::default()
        };
        let msg = sign(&with_line(line), &TestKey::load("rsa2048"), &opts);
        let r = verifier(&standard_zone()).verify_bytes("m.eml", &msg);
        assert_eq!(r.verdict, Verdict::Verified, "{kind}: {r:#?}");
        let f = malformed(&r);
        assert_eq!(
            f.severity,
            mailproof::Severity::Info,
            "{kind}: {}",
            f.message
        );
        assert!(
            f.message.contains("signature 1 covers it"),
            "{kind}: {}",
            f.message
        );
        // a byte of the covered malformed field changed: the signature fails
        let tampered = replace(
            &msg,
            &String::from_utf8_lossy(&line[..line.len() - 3]),
            &format!("{}Z", String::from_utf8_lossy(&line[..line.len() - 3])),
        );
        let r = verifier(&standard_zone()).verify_bytes("m.eml", &tampered);
        assert_eq!(r.verdict, Verdict::Failed, "{kind}: {r:#?}");
    }
}

#[test]
fn input_that_is_not_mail_stays_an_error() {
    let v = verifier(&standard_zone());
    for bytes in [
        &b"\x89PNG\r\n\x1a\n\x00\x00"[..],
        b"Dear Bob, here is the plan: x\nmore text\n",
        b"X: \0\0\0\n",
    ] {
        assert_eq!(v.verify_bytes("x", bytes).verdict, Verdict::Error);
    }
}

// ---- From addresses (item 14) -----------------------------------------

/// The standard message with its From field replaced, signed by example.com.
fn from_signed(from: &str) -> Report {
    let msg = MESSAGE.replace(
        "From: Alice Example <alice@example.com>",
        &format!("From: {from}"),
    );
    let bytes = sign(msg.as_bytes(), &TestKey::load("rsa2048"), &Sign::default());
    verifier(&standard_zone()).verify_bytes("from.eml", &bytes)
}

#[test]
fn the_sender_shown_is_the_real_addr_spec() {
    // (From as written, shown as, From domain)
    for (from, shown, domain) in [
        (
            "\"x <alice@example.com>\"@evil.example",
            "\"x <alice@example.com>\"@evil.example",
            "evil.example",
        ),
        (
            "\"alice@example.com <alice@example.com>\" <mallory@evil.example>",
            "\"alice@example.com <alice@example.com>\" <mallory@evil.example>",
            "evil.example",
        ),
        (
            "(alice@example.com) mallory@evil.example",
            "\"alice@example.com\" <mallory@evil.example>",
            "evil.example",
        ),
        (
            "=?utf-8?b?YUBleGFtcGxlLmNvbSA8YUBleGFtcGxlLmNvbT4=?= <mallory@evil.example>",
            "\"a@example.com <a@example.com>\" <mallory@evil.example>",
            "evil.example",
        ),
    ] {
        let r = from_signed(from);
        let m = r.message.as_ref().unwrap();
        assert_eq!(m.from.as_deref(), Some(shown), "{from}");
        assert_eq!(m.from_domain.as_deref(), Some(domain), "{from}");
        assert_eq!(r.verdict, Verdict::PartiallyVerified, "{from}");
        let f = r
            .findings
            .iter()
            .find(|f| f.code == "signer_not_aligned")
            .unwrap();
        assert!(f.message.contains(domain), "{from}: {}", f.message);
        let cov = &r.forensics.as_ref().unwrap().coverage.headers[0];
        assert_eq!(cov.value, shown, "{from}: coverage map");
    }
    // a display name long enough to be clipped in the text coverage map
    // still leaves the real address visible there
    let long = format!(
        "\"{} <alice@example.com>\" <mallory@evil.example>",
        "x".repeat(150)
    );
    let r = from_signed(&long);
    let text = render::text(&r);
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("From") && l.contains("authenticated"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(line.ends_with("<mallory@evil.example>"), "{line}");
    assert!(line.contains("..."), "{line}");
    // the other way round: the author is at the signer's domain
    let r = from_signed("\"m <mallory@evil.example>\"@example.com");
    assert_eq!(r.verdict, Verdict::Verified, "{r:#?}");
    assert_eq!(
        r.message.as_ref().unwrap().from.as_deref(),
        Some("\"m <mallory@evil.example>\"@example.com")
    );
}

// ---- encoded words in the coverage map (item 12) ----------------------

#[test]
fn the_coverage_map_shows_decoded_text() {
    let msg = MESSAGE
        .replace(
            "Subject: Quarterly numbers",
            "Subject: =?iso-2022-jp?B?GyRCJDMkcyRLJEEkTxsoQg==?=",
        )
        .replace(
            "Cc: Carol <carol@example.net>",
            "Cc: =?utf-8?q?Carol_=C3=89?= <carol@example.net>",
        );
    let bytes = sign(msg.as_bytes(), &TestKey::load("rsa2048"), &Sign::default());
    let r = verifier(&standard_zone()).verify_bytes("jp.eml", &bytes);
    assert_eq!(r.verdict, Verdict::Verified, "{r:#?}");
    let cov = &r.forensics.as_ref().unwrap().coverage.headers;
    let value = |name: &str| cov.iter().find(|h| h.name == name).unwrap().value.as_str();
    assert_eq!(value("Subject"), "こんにちは");
    assert_eq!(value("Cc"), "Carol É <carol@example.net>");
    assert_eq!(
        r.message.as_ref().unwrap().subject.as_deref(),
        Some("こんにちは")
    );
    let text = render::text(&r);
    let html = render::html(std::slice::from_ref(&r), None);
    let md = render::markdown(std::slice::from_ref(&r), None);
    let json = render::jsonl_line(&r);
    for (format, out) in [
        ("text", &text),
        ("html", &html),
        ("markdown", &md),
        ("json", &json),
    ] {
        assert!(!out.contains("=?iso-2022-jp"), "{format}: raw encoded word");
        assert!(!out.contains("=?utf-8?q?"), "{format}: raw encoded word");
        assert!(out.contains("こんにちは"), "{format}");
    }
    // the text coverage map line itself
    assert!(
        text.lines().any(|l| l.trim_start().starts_with("Subject")
            && l.contains("authenticated")
            && l.contains("こんにちは")),
        "{text}"
    );
}
