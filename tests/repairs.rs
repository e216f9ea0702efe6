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
fn lf_mbox_quoting_and_lost_final_newline_all_reported() {
    let s = String::from_utf8(signed_simple()).unwrap();
    let saved = s
        .replace("\r\n", "\n")
        .replace("\nFrom now", "\n>From now")
        .trim_end_matches('\n')
        .to_string();
    let r = verifier(&standard_zone()).verify_bytes("saved.eml", saved.as_bytes());
    assert_eq!(r.verdict, Verdict::Verified, "{:#?}", r.signatures);
    assert_eq!(
        kinds(&r),
        [
            "mboxrd_unquote",
            "final_newline_restored",
            "crlf_line_endings"
        ]
    );
    let codes: Vec<&str> = r.findings.iter().map(|f| f.code.as_str()).collect();
    for c in [
        "line_endings_repaired",
        "mbox_quoting_repaired",
        "final_newline_restored",
    ] {
        assert!(codes.contains(&c), "{c} missing from {codes:?}");
    }
    // the reported hash is the hash of the bytes that verified
    let fixed = mailproof::repair::apply_all(
        saved.as_bytes(),
        &[
            mailproof::repair::RepairKind::MboxrdUnquote,
            mailproof::repair::RepairKind::FinalNewline,
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
