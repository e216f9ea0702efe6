//! The documented repairs: each is tried only when its trace is present,
//! the fewest are used, and every one is reported with the bytes verified.

mod common;

use common::*;
use mailproof::Verdict;
use mailproof::signature::Canon;

const BODY_WITH_FROM: &str = "From: Alice Example <alice@example.com>\r\n\
To: Bob Reporter <bob@example.net>\r\n\
Subject: Minutes of the meeting with a very long subject line that a mail client may wrap\r\n\
Date: Mon, 01 Jun 2015 12:00:00 +0000\r\n\
\r\n\
Minutes:\r\n\
From now on the budget is frozen.\r\n\
.. and that is final.\r\n\
Signed,   \r\n\
Alice\r\n";

fn simple() -> Sign<'static> {
    Sign {
        header_canon: Canon::Simple,
        body_canon: Canon::Simple,
        headers: vec!["from", "to", "subject", "date"],
        ..Default::default()
    }
}

fn signed_simple() -> Vec<u8> {
    sign(
        BODY_WITH_FROM.as_bytes(),
        &TestKey::load("rsa2048"),
        &simple(),
    )
}

fn kinds(r: &mailproof::Report) -> Vec<&str> {
    r.repairs.iter().map(|r| r.kind.as_str()).collect()
}

#[test]
fn lf_mbox_quoting_reported_lost_final_newline_not() {
    let s = String::from_utf8(signed_simple()).unwrap();
    let saved = s
        .replace("\r\n", "\n")
        .replace("\nFrom now", "\n>From now")
        .trim_end_matches('\n')
        .to_string();
    let r = verifier(&standard_zone()).verify_bytes("saved.eml", saved.as_bytes());
    assert_eq!(r.verdict, Verdict::Verified, "{:#?}", r.signatures);
    // the lost final newline changes no hash, so it is not a repair needed
    assert_eq!(kinds(&r), ["mboxrd_unquote", "crlf_line_endings"]);
    let codes: Vec<&str> = r.findings.iter().map(|f| f.code.as_str()).collect();
    for c in ["line_endings_repaired", "mbox_quoting_repaired"] {
        assert!(codes.contains(&c), "{c} missing from {codes:?}");
    }
    assert!(!codes.contains(&"final_newline_restored"), "{codes:?}");
    // the reported hash is the hash of the bytes that verified
    let fixed = mailproof::repair::apply_all(
        saved.as_bytes(),
        &[
            mailproof::repair::RepairKind::MboxrdUnquote,
            mailproof::repair::RepairKind::CrlfLineEndings,
        ],
    );
    let hash = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &fixed);
    let hex: String = hash.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(r.repairs[0].verified_sha256, hex);
}

#[test]
fn dot_stuffing_left_in() {
    let s = String::from_utf8(signed_simple()).unwrap();
    let stuffed = s.replace("\r\n.. and", "\r\n... and");
    let r = verifier(&standard_zone()).verify_bytes("t", stuffed.as_bytes());
    assert_eq!(r.verdict, Verdict::Verified);
    assert_eq!(kinds(&r), ["dot_unstuff"]);
}

#[test]
fn trailing_whitespace_added_by_a_client() {
    let s = String::from_utf8(signed_simple()).unwrap();
    let padded = s.replace("Alice\r\n", "Alice  \r\n");
    let r = verifier(&standard_zone()).verify_bytes("t", padded.as_bytes());
    // the signed "Signed,   " line keeps its spaces, so stripping all
    // trailing white space cannot restore it: the body stays unverified.
    assert_eq!(r.verdict, Verdict::HeadersVerified);
    let unpadded_sig = sign(
        BODY_WITH_FROM.replace("Signed,   ", "Signed,").as_bytes(),
        &TestKey::load("rsa2048"),
        &simple(),
    );
    let padded = String::from_utf8(unpadded_sig)
        .unwrap()
        .replace("Alice\r\n", "Alice \t\r\n");
    let r = verifier(&standard_zone()).verify_bytes("t", padded.as_bytes());
    assert_eq!(r.verdict, Verdict::Verified);
    assert_eq!(kinds(&r), ["trailing_whitespace_removed"]);
}

#[test]
fn refolded_header_under_simple_canonicalization() {
    let s = String::from_utf8(signed_simple()).unwrap();
    let folded = s.replace("subject line that", "subject line\r\n that");
    let r = verifier(&standard_zone()).verify_bytes("t", folded.as_bytes());
    assert_eq!(r.verdict, Verdict::Verified);
    assert_eq!(kinds(&r), ["headers_unfolded"]);
}

#[test]
fn repairs_never_rescue_real_tampering() {
    let s = String::from_utf8(signed_simple()).unwrap();
    let tampered = s
        .replace("budget is frozen", "budget is doubled")
        .replace("\r\n", "\n");
    let r = verifier(&standard_zone()).verify_bytes("t", tampered.as_bytes());
    assert_eq!(r.verdict, Verdict::HeadersVerified);
    assert!(r.repairs.iter().all(|x| x.kind == "crlf_line_endings"));
}

#[test]
fn clean_failure_tries_nothing() {
    let msg = replace(
        &signed(&Sign::default()),
        "Quarterly numbers",
        "Quarterly losses",
    );
    let r = verifier(&standard_zone()).verify_bytes("t", &msg);
    assert_eq!(r.verdict, Verdict::Failed);
    assert!(r.repairs.is_empty());
}

/// The signed test message with the Subject changed after signing.
fn subject_changed(msg: &[u8]) -> String {
    String::from_utf8(msg.to_vec())
        .unwrap()
        .replace("Subject: Minutes", "Subject: Agenda")
}

/// Issue 16 item 5: a failed header check does not stop the body check from
/// using the repairs. For every body repair, a copy whose only change is
/// the Subject reports the body hash as matching, with the repair named.
#[test]
fn body_result_uses_the_repairs_when_the_header_fails() {
    let s = subject_changed(&signed_simple());
    let cases: [(&str, String, &str); 4] = [
        ("lf", s.replace("\r\n", "\n"), "crlf_line_endings"),
        (
            "mbox",
            s.replace("\r\nFrom now", "\r\n>From now"),
            "mboxrd_unquote",
        ),
        ("dot", s.replace("\r\n.. and", "\r\n... and"), "dot_unstuff"),
        (
            "lf+mbox",
            s.replace("\r\n", "\n").replace("\nFrom now", "\n>From now"),
            "mboxrd_unquote",
        ),
    ];
    for (name, copy, kind) in cases {
        let r = verifier(&standard_zone()).verify_bytes("t", copy.as_bytes());
        assert_eq!(r.verdict, Verdict::Failed, "{name}");
        let sig = &r.signatures[0];
        assert_eq!(sig.header_signature_valid, Some(false), "{name}");
        assert_eq!(sig.body_hash_matches, Some(true), "{name}: {}", sig.detail);
        assert!(
            sig.detail.contains("body hash matches"),
            "{name}: {}",
            sig.detail
        );
        assert!(kinds(&r).contains(&kind), "{name}: {:?}", kinds(&r));
    }
    // with CRLF line ends and nothing else changed, no repair is needed
    let r = verifier(&standard_zone()).verify_bytes("t", s.as_bytes());
    assert_eq!(r.signatures[0].body_hash_matches, Some(true));
    assert!(r.repairs.is_empty(), "{:?}", kinds(&r));
}

/// The header result, likewise: a refolded header whose body was changed
/// gives a valid header signature (after unfolding) beside the body result.
#[test]
fn header_result_uses_the_repairs_when_the_body_fails() {
    let s = String::from_utf8(signed_simple()).unwrap();
    let copy = s
        .replace("subject line that", "subject line\r\n that")
        .replace("budget is frozen", "budget is doubled");
    let r = verifier(&standard_zone()).verify_bytes("t", copy.as_bytes());
    assert_eq!(r.verdict, Verdict::HeadersVerified);
    assert_eq!(r.signatures[0].header_signature_valid, Some(true));
    assert_eq!(r.signatures[0].body_hash_matches, Some(false));
    assert_eq!(kinds(&r), ["headers_unfolded"]);
}

/// Issue 16 item 8: a repair is reported only when the result would differ
/// without it. A lost final newline never changes a DKIM hash.
#[test]
fn a_repair_that_changes_nothing_is_not_reported() {
    let s = String::from_utf8(signed_simple()).unwrap();
    for (name, copy, want) in [
        ("crlf", s.trim_end_matches("\r\n").to_string(), vec![]),
        (
            "lf",
            s.replace("\r\n", "\n").trim_end_matches('\n').to_string(),
            vec!["crlf_line_endings"],
        ),
        (
            "tampered",
            subject_changed(s.trim_end_matches("\r\n").as_bytes()),
            vec![],
        ),
    ] {
        let r = verifier(&standard_zone()).verify_bytes("t", copy.as_bytes());
        assert_eq!(kinds(&r), want, "{name}");
        assert!(
            !r.findings
                .iter()
                .any(|f| f.code == "final_newline_restored"),
            "{name}: {:?}",
            r.findings
        );
    }
}

/// Mbox copies (bare LF line ends, quoted `From ` lines) of signed
/// messages of every shape the shortcuts reason about: the report with the
/// shortcuts on (the CRLF copy or the mboxrd-unquoted CRLF copy deciding
/// without the copy as saved) is the report of the whole repair search.
#[test]
fn mbox_shortcuts_give_the_whole_search_outcome() {
    let zone = standard_zone();
    let fast = verifier(&zone);
    let whole = mailproof::Verifier::builder()
        .builtin_archive(false)
        .key_source(mailproof::keys::KeyArchive::load_str("test.zone", &zone).unwrap())
        .clock(mailproof::FixedClock(NOW))
        .repair_shortcuts(false)
        .build();
    let rsa = TestKey::load("rsa2048");
    let relaxed = Sign {
        headers: vec!["from", "to", "subject", "date"],
        ..Default::default()
    };
    let k1024 = Sign {
        selector: "k1024",
        ..relaxed.clone()
    };
    let with_l = Sign {
        body_length: Some(40),
        ..relaxed.clone()
    };
    let body = BODY_WITH_FROM.as_bytes();
    let folded = BODY_WITH_FROM.replace("Subject: Minutes", "Subject:\r\n Minutes");
    let mut signed: Vec<(&str, Vec<u8>)> = vec![
        ("simple", sign(body, &rsa, &simple())),
        ("relaxed", sign(body, &rsa, &relaxed)),
        ("l=", sign(body, &rsa, &with_l)),
        ("folded simple", sign(folded.as_bytes(), &rsa, &simple())),
        (
            "two signatures",
            sign(
                &sign(body, &rsa, &relaxed),
                &TestKey::load("rsa1024"),
                &k1024,
            ),
        ),
        (
            // the second signature's key is not the one published
            "one bad signature",
            sign(&sign(body, &rsa, &relaxed), &rsa, &k1024),
        ),
    ];
    // a signer that hashed the mbox form itself (LF, quoted)
    let mbox_form = BODY_WITH_FROM
        .replace("\r\n", "\n")
        .replace("\nFrom now", "\n>From now");
    signed.push((
        "signed as stored",
        sign(mbox_form.as_bytes(), &rsa, &relaxed),
    ));
    // one signature made over the message sent, one over its mbox form
    let sent = String::from_utf8(sign(body, &rsa, &relaxed)).unwrap();
    let stored = sent
        .replace("\r\n", "\n")
        .replace("\nFrom now", "\n>From now");
    signed.push((
        "sent and stored",
        sign(stored.as_bytes(), &TestKey::load("rsa1024"), &k1024),
    ));
    // a body line that really begins `>From ` (an mboxo writer stores it
    // as it is, so unquoting it breaks the body hash)
    let literal = BODY_WITH_FROM.replace("\r\nFrom now", "\r\n>From now");
    signed.push(("literal >From", sign(literal.as_bytes(), &rsa, &relaxed)));
    signed.push(("literal >From, l=", sign(literal.as_bytes(), &rsa, &with_l)));
    let mut decided = 0;
    for (name, msg) in &signed {
        let text = String::from_utf8(msg.clone()).unwrap();
        let lf = text.replace("\r\n", "\n");
        let copies = [
            ("mboxrd", lf.replace("\nFrom now", "\n>From now")),
            (
                "mboxo",
                lf.replace("\nFrom now", "\n>From now")
                    .replace("\n..", "\n>.."),
            ),
            ("nested", lf.replace("\nFrom now", "\n>>From now")),
            (
                "tampered",
                lf.replace("\nFrom now", "\n>From now")
                    .replace("frozen", "thawed"),
            ),
            ("lf only", lf.clone()),
        ];
        for (how, copy) in copies {
            let a = fast.verify_bytes("m.eml", copy.as_bytes());
            let b = whole.verify_bytes("m.eml", copy.as_bytes());
            assert_eq!(
                serde_json::to_string_pretty(&a).unwrap(),
                serde_json::to_string_pretty(&b).unwrap(),
                "{name}, {how}"
            );
            decided += usize::from(
                a.verdict == Verdict::Verified
                    && kinds(&a) == ["mboxrd_unquote", "crlf_line_endings"],
            );
        }
    }
    // the shortcut's own case occurs (and is judged the same)
    assert!(decided >= 3, "{decided}");
}

fn sha256_hex(b: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(b)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

/// The standard signed message (its DKIM-Signature the first field) as a
/// Windows editor saves it: a UTF-8 byte order mark in front.
fn with_bom(m: &[u8]) -> Vec<u8> {
    [b"\xEF\xBB\xBF".as_slice(), m].concat()
}

fn finding<'r>(r: &'r mailproof::Report, code: &str) -> Option<&'r mailproof::report::Finding> {
    r.findings.iter().find(|f| f.code == code)
}

#[test]
fn a_byte_order_mark_hiding_the_signature_is_removed_and_reported() {
    let v = verifier(&standard_zone());
    let signed = signed(&Sign::default());
    let bom = with_bom(&signed);
    let r = v.verify_bytes("bom.eml", &bom);
    assert_eq!(r.verdict, Verdict::Verified, "{:?}", r.findings);
    assert_eq!(kinds(&r), ["bom_removed"]);
    // the report is of the input as read; the repair names the bytes verified
    assert_eq!(r.input_sha256, sha256_hex(&bom));
    assert_eq!(r.repairs[0].verified_sha256, sha256_hex(&signed));
    let f = finding(&r, "bom_repaired").expect("bom_repaired");
    assert!(f.message.contains("EF BB BF"), "{}", f.message);
    assert!(finding(&r, "malformed_header_line").is_none());

    // saved with LF line ends too: both repairs, each reported
    let lf = with_bom(
        &String::from_utf8(signed.clone())
            .unwrap()
            .replace("\r\n", "\n")
            .into_bytes(),
    );
    let r = v.verify_bytes("bom-lf.eml", &lf);
    assert_eq!(r.verdict, Verdict::Verified, "{:?}", r.findings);
    assert_eq!(kinds(&r), ["bom_removed", "crlf_line_endings"]);
    assert_eq!(r.input_sha256, sha256_hex(&lf));
    assert!(finding(&r, "line_endings_repaired").is_some());

    // the repair does not rescue an altered message
    let altered = with_bom(&replace(&signed, "Subject: Quarterly", "Subject: Yearly"));
    let r = v.verify_bytes("bom-altered.eml", &altered);
    assert_eq!(r.verdict, Verdict::Failed, "{:?}", r.findings);
    assert_eq!(kinds(&r), ["bom_removed"]);

    // marks and blank lines in any order, or a mark twice (two saves):
    // one repair removes the whole run, and names it
    for lead in [
        &b"\n\xEF\xBB\xBF"[..],
        b" \xEF\xBB\xBF",
        b"\xEF\xBB\xBF\xEF\xBB\xBF",
        b"\xEF\xBB\xBF\n\xEF\xBB\xBF\r\n",
    ] {
        let bytes = [lead, signed.as_slice()].concat();
        let r = v.verify_bytes("lead.eml", &bytes);
        assert_eq!(r.verdict, Verdict::Verified, "{lead:?}: {:?}", r.findings);
        assert_eq!(kinds(&r), ["bom_removed"], "{lead:?}");
        assert_eq!(r.repairs[0].verified_sha256, sha256_hex(&signed));
        assert!(finding(&r, "byte_order_mark").is_none(), "{lead:?}");
    }
}

#[test]
fn a_byte_order_mark_before_an_unsigned_first_field_is_named() {
    let v = verifier(&standard_zone());
    let m = with_bom(
        &[
            b"Received: by mx.example.net; Mon, 01 Jun 2015 12:00:01 +0000\r\n".as_slice(),
            &signed(&Sign::default()),
        ]
        .concat(),
    );
    let r = v.verify_bytes("later.eml", &m);
    // verifies as given: no repair, but the mark is named, not left as a
    // malformed field name
    assert_eq!(r.verdict, Verdict::Verified, "{:?}", r.findings);
    assert!(r.repairs.is_empty(), "{:?}", r.repairs);
    let f = finding(&r, "byte_order_mark").expect("byte_order_mark");
    assert!(f.message.contains("\"Received\""), "{}", f.message);
    assert!(
        finding(&r, "malformed_header_line").is_none(),
        "{:?}",
        r.findings
    );
}

#[test]
fn bytes_before_a_postmark_line_are_skipped_and_named() {
    let v = verifier(&standard_zone());
    let signed = signed(&Sign::default());
    for (lead, words) in [
        (&b"\xEF\xBB\xBF"[..], "3 bytes (a UTF-8 byte order mark"),
        (b"\r\n\n", r#"3 bytes (blank lines: "\r\n\n")"#),
    ] {
        let m = [
            lead,
            b"From alice@example.com Mon Jun  1 12:00:00 2015\r\n",
            &signed,
        ]
        .concat();
        let r = v.verify_bytes("one.mbox", &m);
        assert_eq!(r.verdict, Verdict::Verified, "{:?}", r.findings);
        // skipped, as the postmark line is: nothing to repair
        assert!(r.repairs.is_empty(), "{:?}", r.repairs);
        assert!(finding(&r, "mbox_postmark_ignored").is_some());
        let f = finding(&r, "mbox_leading_bytes_skipped").expect("named");
        assert!(f.message.contains(words), "{}", f.message);
        assert_eq!(r.input_sha256, sha256_hex(&m));
    }
}
