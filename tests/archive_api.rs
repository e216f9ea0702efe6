//! The public key archive's HTTP API (`--online`) against an HTTP server the
//! test starts on 127.0.0.1, serving recorded answers: keys found, an empty
//! list, 404, 500, an answer slower than the timeout, malformed JSON, an
//! answer over the size cap; and what the verifier makes of each.

mod common;
mod httpserver;

use common::*;
use httpserver::{Reply, api_entry, start};
use mailproof::keys::api::{ApiConfig, ArchiveApi};
use mailproof::keys::{KeyRecord, KeySource, Lookup};
use mailproof::{SignatureResult, Verdict, Verifier};
use std::sync::Arc;
use std::time::Duration;

fn api(url: String) -> Arc<ArchiveApi> {
    Arc::new(ArchiveApi::new(ApiConfig {
        url,
        timeout: Duration::from_secs(1),
        max_bytes: 16 * 1024,
    }))
}

fn verifier(api: &Arc<ArchiveApi>) -> Verifier {
    Verifier::builder()
        .builtin_archive(false)
        .live_source(api.clone())
        .build()
}

fn fingerprint(key: &TestKey) -> String {
    KeyRecord::parse(&key.record()).unwrap().key.unwrap().sha256
}

#[test]
fn key_served_by_the_archive_verifies_with_its_provenance() {
    let key = TestKey::load("rsa2048");
    let other = TestKey::load("rsa2048b");
    let body = format!(
        "[{},{},{},{}]",
        api_entry(
            "example.com",
            "s2015",
            &key.record(),
            "2023-05-01T10:00:00.000Z",
            "2024-02-01T00:00:00.000Z"
        ),
        api_entry(
            "example.com",
            "k2",
            &other.record(),
            "2023-06-01T00:00:00.000Z",
            "2023-06-01T00:00:00.000Z"
        ),
        api_entry(
            "mail.example.com",
            "s2015",
            &other.record(),
            "2023-07-01T00:00:00.000Z",
            "2023-07-01T00:00:00.000Z"
        ),
        // an answer about another domain is not an answer to the question
        api_entry(
            "evil.example",
            "s2015",
            &other.record(),
            "2023-07-01T00:00:00.000Z",
            "2023-07-01T00:00:00.000Z"
        ),
    );
    let http = start(vec![("example.com", Reply::json(body))]);
    let src = api(http.url());
    let r = verifier(&src).verify_bytes("t.eml", &signed(&Sign::default()));
    assert_eq!(r.verdict, Verdict::Verified, "{r:#?}");
    let k = r.signatures[0].key.as_ref().unwrap();
    assert_eq!(k.sha256, fingerprint(&key));
    let p = &k.provenance;
    let prefix = format!("public key archive API {}, fetched at ", http.url());
    assert!(p.source.starts_with(&prefix), "{}", p.source);
    assert!(
        p.source.ends_with(
            ", seen from 2023-05-01T10:00:00.000Z to 2024-02-01T00:00:00.000Z as served"
        ),
        "{}",
        p.source
    );
    assert_eq!(p.first_seen.as_deref(), Some("2023-05-01T10:00:00.000Z"));
    assert_eq!(p.last_seen.as_deref(), Some("2024-02-01T00:00:00.000Z"));

    // One request per domain per run, whatever the selectors asked.
    for sel in ["k2", "s2015", "nope"] {
        let _ = src.lookup("example.com", sel);
    }
    assert!(matches!(
        src.lookup("example.com", "nope"),
        Lookup::NotFound
    ));
    assert_eq!(http.requests(), ["/api/key?domain=example.com"]);
    // Only what was handed out is remembered for --save-keys ...
    let seen: Vec<String> = src
        .seen()
        .records()
        .iter()
        .map(|r| r.selector.clone())
        .collect();
    assert_eq!(seen, ["k2", "s2015"]);
    // ... and a whole domain with `keys fetch --archive`, subdomains too.
    let all = src.fetch_domain("example.com").unwrap();
    let names: Vec<(String, String)> = all
        .iter()
        .map(|k| (k.domain.clone(), k.selector.clone()))
        .collect();
    assert_eq!(
        names,
        [
            ("example.com".to_string(), "s2015".to_string()),
            ("example.com".into(), "k2".into()),
            ("mail.example.com".into(), "s2015".into()),
        ]
    );
    assert_eq!(http.requests().len(), 1);
}

#[test]
fn every_failure_is_temperror_with_its_reason_and_an_empty_list_is_no_key() {
    let key = TestKey::load("rsa2048");
    let good = format!(
        "[{}]",
        api_entry(
            "example.com",
            "s2015",
            &key.record(),
            "2023-05-01",
            "2024-02-01"
        )
    );
    let cases: Vec<(&str, Reply, SignatureResult, &str)> = vec![
        (
            "empty list",
            Reply::json("[]"),
            SignatureResult::NoKey,
            "no key",
        ),
        (
            "404",
            Reply::status(404),
            SignatureResult::Temperror,
            "HTTP status 404",
        ),
        (
            "500",
            Reply::status(500),
            SignatureResult::Temperror,
            "HTTP status 500 (server error)",
        ),
        (
            "slow",
            Reply::json(good.clone()).after(Duration::from_secs(3)),
            SignatureResult::Temperror,
            "no answer within 1 s",
        ),
        (
            "malformed",
            Reply::json("[{\"domain\": \"example.com\", "),
            SignatureResult::Temperror,
            "the answer is not the archive's JSON key list",
        ),
        (
            "not a list",
            Reply::json("\"Rate limit exceeded\""),
            SignatureResult::Temperror,
            "the answer is not the archive's JSON key list",
        ),
        (
            "over the cap",
            Reply::json(format!(
                "[{}]",
                vec![good.trim_matches(['[', ']']); 40].join(",")
            )),
            SignatureResult::Temperror,
            "the answer is larger than 16384 bytes",
        ),
    ];
    let msg = signed(&Sign::default());
    for (what, reply, result, detail) in cases {
        let http = start(vec![("example.com", reply)]);
        let src = api(http.url());
        let r = verifier(&src).verify_bytes("t.eml", &msg);
        let s = &r.signatures[0];
        assert_eq!(
            (s.result, r.verdict),
            (result, Verdict::Unverifiable),
            "{what}: {}",
            s.detail
        );
        assert!(s.detail.contains(detail), "{what}: {}", s.detail);
        assert!(src.seen().is_empty(), "{what}");
    }
}

#[test]
fn names_that_are_not_domains_are_never_sent() {
    let http = start(vec![]);
    let src = api(http.url());
    let Lookup::TempFail(why) = src.lookup("example.com&selector=x", "s") else {
        panic!("sent")
    };
    assert!(why.contains("is not a domain name"), "{why}");
    assert!(http.requests().is_empty());
}
