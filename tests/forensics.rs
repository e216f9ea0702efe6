//! Header forensics: coverage map, timeline findings, receivers' verdicts,
//! Message-ID consistency. Each test fails without the check it names.

mod common;

use common::*;
use mailproof::{Report, Verdict};

fn check(bytes: &[u8]) -> Report {
    verifier(&standard_zone()).verify_bytes("t.eml", bytes)
}

fn has(r: &Report, code: &str) -> bool {
    r.findings.iter().any(|f| f.code == code)
}

/// The finding with `code`; panics with the findings there are.
fn finding<'r>(r: &'r Report, code: &str) -> &'r mailproof::report::Finding {
    r.findings
        .iter()
        .find(|f| f.code == code)
        .unwrap_or_else(|| panic!("no {code} in {:?}", r.findings))
}

/// The signed test message with header fields added on top, as relays do.
fn relayed(top: &str) -> Vec<u8> {
    let mut m = top.replace('\n', "\r\n").into_bytes();
    m.extend_from_slice(&signed(&Sign::default()));
    m
}

const GOOD_HOPS: &str = "Received: from mail.example.com (mail.example.com [192.0.2.1])\n by mx.example.net with ESMTPS id abc; Mon, 01 Jun 2015 12:00:05 +0000\n";

#[test]
fn coverage_map_statuses() {
    let mut msg = b"Subject: Re: urgent wire\r\n".to_vec();
    msg.extend_from_slice(&signed(&Sign {
        headers: vec!["from", "to", "subject", "date"],
        ..Default::default()
    }));
    let r = check(&msg);
    let cov = &r.forensics.as_ref().unwrap().coverage;
    let status = |name: &str, instance: usize| {
        cov.headers
            .iter()
            .find(|h| h.name == name && h.instance == instance)
            .map(|h| h.status.clone())
            .unwrap()
    };
    assert_eq!(status("From", 1), "authenticated");
    assert_eq!(status("Subject", 1), "added_after_signing");
    assert_eq!(status("Subject", 2), "authenticated");
    assert_eq!(status("Cc", 1), "not_covered");
    assert_eq!(cov.body.status, "authenticated");
    assert!(has(&r, "header_added_after_signing"));
    assert!(has(&r, "header_not_signed"));
    let text = mailproof::render::text(&r);
    assert!(text.contains("ADDED AFTER SIGNING"), "{text}");
}

#[test]
fn body_coverage_with_length_limit_lists_parts() {
    let mime = "From: Alice Example <alice@example.com>\r\nTo: bob@example.net\r\nSubject: files\r\nDate: Mon, 01 Jun 2015 12:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n--b1\r\nContent-Type: application/pdf; name=\"x.pdf\"\r\nContent-Disposition: attachment; filename=\"x.pdf\"\r\n\r\nJVBERi0xLjQK\r\n--b1--\r\n";
    let msg = sign(
        mime.as_bytes(),
        &TestKey::load("rsa2048"),
        &Sign {
            body_length: Some(60),
            headers: vec!["from", "to", "subject", "date", "content-type"],
            ..Default::default()
        },
    );
    let r = check(&msg);
    let body = &r.forensics.as_ref().unwrap().coverage.body;
    assert_eq!(body.status, "partially_authenticated");
    assert_eq!(body.signed_bytes, Some(60));
    assert_eq!(body.parts.len(), 2);
    assert_eq!(body.parts[0].status, "signed");
    assert_eq!(body.parts[1].filename.as_deref(), Some("x.pdf"));
    assert_eq!(body.parts[1].status, "not_signed");
    assert_eq!(r.verdict, Verdict::PartiallyVerified);
}

#[test]
fn consistent_chain_has_no_timeline_findings() {
    let r = check(&relayed(GOOD_HOPS));
    for code in [
        "received_out_of_order",
        "slow_hop",
        "signed_after_receipt",
        "implausible_timezone",
        "date_mismatch",
    ] {
        assert!(!has(&r, code), "{code}: {:?}", r.findings);
    }
    let t = &r.forensics.as_ref().unwrap().timeline;
    assert!(t.windows(2).all(|w| w[0].time <= w[1].time));
    assert!(t.iter().any(|e| e.source.starts_with("signature 1 t=")));
}

/// Every ARC-Seal with a readable `t=` is on the timeline, also the seals
/// the chain check rejects (`;;`, a non-numeric instance, a set over the
/// cap); a seal whose tag list cannot be read at all, or without `t=`, is
/// not.
#[test]
fn arc_seal_times_are_listed_even_from_a_broken_chain() {
    let seals = "ARC-Seal: i=2; a=rsa-sha256; cv=pass; d=relay.example; s=s; t=1433160010; b=AAAA\n\
                 ARC-Seal: i=1;; a=rsa-sha256; cv=none; d=relay.example; s=s; t=1433160008; b=AAAA\n\
                 ARC-Seal: i=x; t=1433160007\n\
                 ARC-Seal: i=3; t= +1433160009\n\
                 ARC-Seal: garbage t=1433160006\n\
                 ARC-Seal: i=4; cv=pass\n";
    let listed = |r: &Report| -> Vec<(String, String)> {
        r.forensics
            .as_ref()
            .unwrap()
            .timeline
            .iter()
            .filter(|e| e.source.starts_with("ARC-Seal"))
            .map(|e| (e.source.clone(), e.time.clone()))
            .collect()
    };
    let want = [
        (
            "ARC-Seal i=x t= (sealer's clock)".to_string(),
            "2015-06-01T12:00:07Z".to_string(),
        ),
        (
            "ARC-Seal i=1 t= (sealer's clock)".to_string(),
            "2015-06-01T12:00:08Z".to_string(),
        ),
        (
            "ARC-Seal i=3 t= (sealer's clock)".to_string(),
            "2015-06-01T12:00:09Z".to_string(),
        ),
        (
            "ARC-Seal i=2 t= (sealer's clock)".to_string(),
            "2015-06-01T12:00:10Z".to_string(),
        ),
    ];
    let r = check(&relayed(&format!("{seals}{GOOD_HOPS}")));
    assert_eq!(r.arc.result, mailproof::report::arc::ArcResult::Fail);
    assert_eq!(listed(&r), want);
    // Over the max-arc-sets cap the chain is not checked; its seals are
    // still listed.
    let two = "ARC-Seal: i=2; cv=pass; t=1433160010\nARC-Seal: i=1; cv=none; t=1433160008\n";
    let capped = mailproof::Verifier::builder()
        .builtin_archive(false)
        .key_source(mailproof::keys::KeyArchive::load_str("test.zone", &standard_zone()).unwrap())
        .clock(mailproof::FixedClock(NOW))
        .limits(mailproof::Limits {
            max_arc_sets: 1,
            ..Default::default()
        })
        .build()
        .verify_bytes("t.eml", &relayed(&format!("{two}{GOOD_HOPS}")));
    assert!(
        capped.arc.detail.contains("max-arc-sets"),
        "{}",
        capped.arc.detail
    );
    assert_eq!(listed(&capped), [want[1].clone(), want[3].clone()]);
}

#[test]
fn hops_going_backwards() {
    let hops = "Received: from a.example.net by mx2.example.net; Mon, 01 Jun 2015 11:00:00 +0000\nReceived: from mail.example.com by mx1.example.net; Mon, 01 Jun 2015 12:00:05 +0000\n";
    let r = check(&relayed(hops));
    let f = finding(&r, "received_out_of_order");
    assert!(
        f.message.contains("2015-06-01T11:00:00Z") && f.message.contains("2015-06-01T12:00:05Z"),
        "{}",
        f.message
    );
    assert!(
        f.message.contains(": 60 minutes backwards"),
        "{}",
        f.message
    );
}

/// A hop without a `by` clause is named in words, never as a placeholder,
/// and lengths of time read in days once they pass two days.
#[test]
fn unnamed_hops_and_long_gaps_read_as_words() {
    let hops = "Received: from a.example.net; Mon, 01 Jun 2015 11:00:00 +0000\nReceived: from mail.example.com; Mon, 01 Jun 2015 12:00:05 +0000\n";
    let r = check(&relayed(hops));
    let f = finding(&r, "received_out_of_order");
    assert!(
        f.message
            .starts_with("Received hop by a server that gave no name (2015-06-01T11:00:00Z)"),
        "{}",
        f.message
    );
    let timeline = &r.forensics.as_ref().unwrap().timeline;
    assert!(
        timeline
            .iter()
            .any(|e| e.source.ends_with("(by a server that gave no name)")),
        "{timeline:?}"
    );
    let text = serde_json::to_string(&r).unwrap();
    assert!(!text.contains("by ?") && !text.contains("(?"), "{text}");
    let slow = "Received: by mx2.example.net; Wed, 03 Jun 2015 12:00:00 +0000\nReceived: by mx1.example.net; Mon, 01 Jun 2015 11:00:00 +0000\n";
    let r = check(&relayed(slow));
    let f = finding(&r, "slow_hop");
    assert!(f.message.contains(" came 2 days after "), "{}", f.message);
}

#[test]
fn slow_hop_and_signed_after_receipt() {
    let hops = "Received: by mx2.example.net; Wed, 03 Jun 2015 12:00:00 +0000\nReceived: by mx1.example.net; Mon, 01 Jun 2015 11:00:00 +0000\n";
    let r = check(&relayed(hops));
    assert!(has(&r, "slow_hop"), "{:?}", r.findings);
    let f = finding(&r, "signed_after_receipt");
    assert!(f.message.contains("mx1.example.net"));
}

#[test]
fn implausible_zone() {
    let hops = "Received: by mx.example.net; Mon, 01 Jun 2015 12:00:05 +1900\n";
    assert!(has(&check(&relayed(hops)), "implausible_timezone"));
    assert!(!has(&check(&relayed(GOOD_HOPS)), "implausible_timezone"));
}

#[test]
fn date_far_from_first_hop_without_t() {
    let msg = signed(&Sign {
        timestamp: None,
        ..Default::default()
    });
    let mut late = "Received: by mx.example.net; Sat, 06 Jun 2015 12:00:00 +0000\r\n"
        .as_bytes()
        .to_vec();
    late.extend_from_slice(&msg);
    let r = check(&late);
    let f = finding(&r, "date_mismatch");
    assert!(f.message.contains("first Received hop"), "{}", f.message);
}

#[test]
fn receivers_verdicts_and_trust() {
    let ar =
        "Authentication-Results: mx.example.net; dkim=pass header.d=example.com header.s=s2015\n";
    let r = check(&relayed(&format!("{ar}{GOOD_HOPS}")));
    let rr = &r.forensics.as_ref().unwrap().receiver_results;
    assert_eq!(rr.len(), 1);
    assert!(rr[0].trusted, "{}", rr[0].trust);
    assert_eq!(rr[0].comparison, "agrees");
    assert!(has(&r, "receiver_agrees"));

    // the receiver saw a pass, the copy we hold no longer verifies
    let tampered = replace(
        &relayed(&format!("{ar}{GOOD_HOPS}")),
        "1,204,000",
        "9,204,000",
    );
    let r = check(&tampered);
    let f = finding(&r, "receiver_disagrees");
    assert!(f.message.contains("changed after it was received"));

    // an A-R written by someone else (below the final receiver's hop) is not trusted
    let forged = format!(
        "{GOOD_HOPS}Received: by relay.other.org; Mon, 01 Jun 2015 12:00:02 +0000\nAuthentication-Results: mx.example.net; dkim=pass header.d=example.com\n"
    );
    let r = check(&relayed(&forged));
    let rr = &r.forensics.as_ref().unwrap().receiver_results;
    assert!(!rr[0].trusted);
    assert!(!has(&r, "receiver_agrees"));
    let other = "Authentication-Results: evil.example.org; dkim=pass header.d=example.com\n";
    let r = check(&relayed(&format!("{other}{GOOD_HOPS}")));
    assert!(!r.forensics.as_ref().unwrap().receiver_results[0].trusted);
}

#[test]
fn message_id_and_mailer_consistency() {
    let msg = MESSAGE.replace("<q2-2015@example.com>", "<1234@unrelated.example.org>");
    let r = check(&sign(
        msg.as_bytes(),
        &TestKey::load("rsa2048"),
        &Sign::default(),
    ));
    let f = finding(&r, "message_id_domain_mismatch");
    assert_eq!(f.severity, mailproof::Severity::Info);
    assert_eq!(
        r.verdict,
        Verdict::Verified,
        "info findings never change the verdict"
    );
    let msg = MESSAGE
        .replace("<q2-2015@example.com>", "<CAB=xyz@mail.gmail.com>")
        .replace(
            "MIME-Version",
            "X-Mailer: iPhone Mail (12B440)\r\nMIME-Version",
        );
    let r = check(&sign(
        msg.as_bytes(),
        &TestKey::load("rsa2048"),
        &Sign::default(),
    ));
    assert!(has(&r, "mailer_mismatch"));
    assert!(!has(&check(&signed(&Sign::default())), "mailer_mismatch"));
}

#[test]
fn real_gmail_chains_are_consistent() {
    let v = mailproof::Verifier::builder()
        .clock(mailproof::FixedClock(NOW))
        .build();
    for f in [
        "Meeting for coffee.eml",
        "timestamped.eml",
        "Message14960479880043215677.eml",
        "message-gmail.txt",
    ] {
        let bytes = std::fs::read(fixture(&format!("real-world/{f}"))).unwrap();
        let r = v.verify_bytes(f, &bytes);
        for code in [
            "received_out_of_order",
            "slow_hop",
            "signed_after_receipt",
            "implausible_timezone",
            "date_mismatch",
            "receiver_disagrees",
        ] {
            assert!(!has(&r, code), "{f}: {code}: {:?}", r.findings);
        }
        assert!(r.forensics.as_ref().unwrap().received.len() >= 2, "{f}");
    }
}

#[test]
fn text_report_shows_coverage_and_timeline() {
    let r = check(&relayed(GOOD_HOPS));
    insta::with_settings!({ snapshot_path => "../snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("forensics_text", mailproof::render::text(&r));
    });
}

/// Outlook writes the final receiver's Authentication-Results twice (edge and
/// mailbox server): one fact, so one finding per kind, whatever the kind.
#[test]
fn a_result_recorded_twice_is_one_finding() {
    let ar =
        "Authentication-Results: mx.example.net; dkim=pass header.d=example.com header.s=s2015\n";
    let twice = format!("{ar}{ar}{GOOD_HOPS}");
    for (msg, code) in [
        (relayed(&twice), "receiver_agrees"),
        (
            replace(&relayed(&twice), "1,204,000", "9,204,000"),
            "receiver_disagrees",
        ),
    ] {
        let r = check(&msg);
        assert_eq!(r.forensics.as_ref().unwrap().receiver_results.len(), 2);
        let n = r.findings.iter().filter(|f| f.code == code).count();
        assert_eq!(n, 1, "{code}: {:#?}", r.findings);
        for (i, f) in r.findings.iter().enumerate() {
            assert!(!r.findings[..i].contains(f), "duplicate {f:?}");
        }
    }
}
