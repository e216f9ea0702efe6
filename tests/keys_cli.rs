//! The `keys` commands and `verify --online/--save-keys/--at` through the
//! binary: capture a key from a test DNS server and reuse it offline,
//! round-trip every format, merge archives, rotated selectors, time windows.

mod common;
mod dnsserver;
mod httpserver;

use common::*;
use mailproof::keys::{ArchiveRecord, KeyRecord};
use std::path::Path;
use std::process::Command;

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mailproof"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn records(path: &Path) -> Vec<ArchiveRecord> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn fingerprint(key: &TestKey) -> String {
    KeyRecord::parse(&key.record()).unwrap().key.unwrap().sha256
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn key_only_in_dns_verifies_online_is_saved_and_reused_offline() {
    let key = TestKey::load("rsa2048");
    let dns = dnsserver::start(vec![(
        "s2015._domainkey.example.com",
        dnsserver::txt_record(&key.record()),
    )]);
    let dir = tempfile::tempdir().unwrap();
    let msg = dir.path().join("m.eml");
    std::fs::write(&msg, signed(&Sign::default())).unwrap();
    let saved = dir.path().join("seen.jsonl");
    let resolver = dns.addr.to_string();
    // The archive API (asked too) holds nothing for the domain.
    let http = httpserver::start(vec![]);
    // Offline, nothing has the key.
    let (code, out, _) = run(&["verify", "--no-builtin-keys", "--format", "jsonl", s(&msg)]);
    assert_eq!(code, 1);
    assert!(out.contains("\"no_key\""), "{out}");
    // Online: verifies from DNS and saves the key with its evidence.
    let (code, out, err) = run(&[
        "verify",
        "--no-builtin-keys",
        "--online",
        "--resolver",
        &resolver,
        "--archive-url",
        &http.url(),
        "--dns-timeout",
        "2",
        "--save-keys",
        s(&saved),
        "--format",
        "jsonl",
        s(&msg),
    ]);
    assert_eq!(code, 0, "{out}\n{err}");
    let r: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(r["verdict"], "verified");
    let k = &r["signatures"][0]["key"];
    assert_eq!(k["sha256"], fingerprint(&key));
    assert!(
        k["source"]
            .as_str()
            .unwrap()
            .starts_with(&format!("live DNS via {resolver} at "))
    );
    let recs = records(&saved);
    assert_eq!(recs.len(), 1);
    let rec = &recs[0];
    assert_eq!(rec.sha256.as_deref(), Some(fingerprint(&key).as_str()));
    assert_eq!(
        (rec.key_type.as_deref(), rec.bits),
        (Some("rsa"), Some(2048))
    );
    assert_eq!(rec.sources[0].origin, format!("live DNS via {resolver}"));
    assert_eq!(rec.sources[0].ttl, Some(300));
    assert_eq!(rec.sources[0].dnssec.as_deref(), Some("not_validated"));
    assert!(rec.first_seen.is_some() && rec.first_seen == rec.sources[0].seen);
    // Offline again, from the saved file.
    let (code, out, err) = run(&[
        "verify",
        "--no-builtin-keys",
        "--keys",
        s(&saved),
        "--format",
        "jsonl",
        s(&msg),
    ]);
    assert_eq!(code, 0, "{out}\n{err}");
    let r: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(
        r["signatures"][0]["key"]["source"],
        format!("file {}", saved.display())
    );
    assert_eq!(
        r["signatures"][0]["key"]["origins"][0]["origin"],
        format!("live DNS via {resolver}")
    );
}

#[test]
fn fetch_by_name_and_from_messages() {
    let key = TestKey::load("rsa2048");
    let esp = TestKey::load("rsa2048b");
    let dns = dnsserver::start(vec![
        (
            "s2015._domainkey.example.com",
            dnsserver::txt_record(&key.record()),
        ),
        (
            "esp._domainkey.mailer.example.org",
            dnsserver::txt_record(&esp.record()),
        ),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let into = dir.path().join("a.jsonl");
    let resolver = dns.addr.to_string();
    let (code, _, err) = run(&[
        "keys",
        "fetch",
        "--resolver",
        &resolver,
        "--into",
        s(&into),
        "example.com",
        "s2015",
        "gone",
    ]);
    assert_eq!(code, 1, "one selector is missing: {err}");
    assert!(
        err.contains("gone._domainkey.example.com: NXDOMAIN"),
        "{err}"
    );
    assert_eq!(records(&into).len(), 1);
    let both = sign(
        &signed(&Sign::default()),
        &esp,
        &Sign {
            domain: "mailer.example.org",
            selector: "esp",
            ..Default::default()
        },
    );
    let msg = dir.path().join("m.eml");
    std::fs::write(&msg, both).unwrap();
    let (code, _, err) = run(&[
        "keys",
        "fetch",
        "--resolver",
        &resolver,
        "--into",
        s(&into),
        "--from",
        s(&msg),
    ]);
    assert_eq!(code, 0, "{err}");
    let recs = records(&into);
    assert_eq!(recs.len(), 2);
    // the second capture of the same key adds evidence, not a record
    let again = recs.iter().find(|r| r.domain == "example.com").unwrap();
    assert!(again.sources.len() <= 2);
    assert_eq!(recs[0].domain, "example.com", "sorted by domain");
}

/// One key per input format, all for different selectors.
fn inputs(dir: &Path) -> Vec<std::path::PathBuf> {
    let k1 = TestKey::load("rsa2048");
    let k2 = TestKey::load("rsa2048b");
    let k3 = TestKey::load("rsa1024");
    let k4 = TestKey::load("ed25519");
    let k5 = TestKey::load("rsa512");
    let files = [
        (
            "a.zone",
            format!(
                "; seen in a 2015 zone transfer\n; first_seen: 2015-01-01\n{}",
                zone_line("zone", "example.com", &k1)
            ),
        ),
        (
            "b.json",
            serde_json::json!([{"domain": "example.com", "selector": "api",
                "firstSeenAt": "2016-01-01T00:00:00Z", "lastSeenAt": "2017-01-01T00:00:00Z",
                "value": k2.record()}])
            .to_string(),
        ),
        (
            "c.json",
            serde_json::json!({"example.com": {"TXT": [["v=spf1 -all"]]},
                "cache._domainkey.example.com": {"TXT": [[&k3.record()[..100], &k3.record()[100..]]]}})
            .to_string(),
        ),
        (
            "d.txt",
            format!(
                "; <<>> DiG 9.18.6 <<>> txt dig._domainkey.example.com\n;; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 1\n;; flags: qr rd ra; QUERY: 1, ANSWER: 1\n\n;; QUESTION SECTION:\n;dig._domainkey.example.com. IN TXT\n\n;; ANSWER SECTION:\ndig._domainkey.example.com. 3600 IN TXT \"{}\"\n\n;; SERVER: 9.9.9.9#53(9.9.9.9) (UDP)\n;; WHEN: Mon Jun 01 12:00:00 UTC 2015\n",
                k4.record()
            ),
        ),
    ];
    let mut paths: Vec<_> = files
        .iter()
        .map(|(n, t)| {
            let p = dir.join(n);
            std::fs::write(&p, t).unwrap();
            p
        })
        .collect();
    let b64 = k5.record();
    let p = b64.split("p=").nth(1).unwrap();
    let pem = dir.join("e.pem");
    std::fs::write(
        &pem,
        format!("-----BEGIN PUBLIC KEY-----\n{p}\n-----END PUBLIC KEY-----\n"),
    )
    .unwrap();
    paths.push(pem);
    paths
}

#[test]
fn import_export_round_trips_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let into = dir.path().join("all.jsonl");
    let files = inputs(dir.path());
    let (pem, others) = files.split_last().unwrap();
    let mut args = vec!["keys", "import", "--into", s(&into)];
    args.extend(others.iter().map(|p| s(p)));
    let (code, _, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(&[
        "keys",
        "import",
        "--into",
        s(&into),
        "--domain",
        "example.com",
        "--selector",
        "pem",
        "--seen",
        "2014-05-05",
        s(pem),
    ]);
    assert_eq!(code, 0, "{err}");
    let all = records(&into);
    let sels: Vec<&str> = all.iter().map(|r| r.selector.as_str()).collect();
    assert_eq!(sels, ["api", "cache", "dig", "pem", "zone"]);
    assert!(
        all.iter()
            .all(|r| r.sha256.is_some() && !r.sources.is_empty())
    );
    let dig = all.iter().find(|r| r.selector == "dig").unwrap();
    assert_eq!(dig.sources[0].seen.as_deref(), Some("2015-06-01"));
    assert_eq!(dig.sources[0].ttl, Some(3600));
    let zone = all.iter().find(|r| r.selector == "zone").unwrap();
    assert_eq!(zone.notes.as_deref(), Some("seen in a 2015 zone transfer"));
    assert_eq!(zone.first_seen.as_deref(), Some("2015-01-01"));

    for format in ["zone", "dns-cache", "archive"] {
        let out = dir.path().join(format!("export.{format}"));
        let (code, _, err) = run(&[
            "keys",
            "export",
            "--no-builtin-keys",
            "--keys",
            s(&into),
            "--format",
            format,
            "-o",
            s(&out),
        ]);
        assert_eq!(code, 0, "{err}");
        let back = dir.path().join(format!("back-{format}.jsonl"));
        let (code, _, err) = run(&["keys", "import", "--into", s(&back), s(&out)]);
        assert_eq!(code, 0, "{format}: {err}");
        assert_eq!(
            records(&back),
            all,
            "{format} round trip changed the archive"
        );
    }
}

#[test]
fn merging_two_archives_widens_window_and_keeps_both_sources() {
    let dir = tempfile::tempdir().unwrap();
    let key = TestKey::load("rsa2048");
    let line = |first: &str, last: &str, origin: &str| {
        serde_json::json!({"domain": "example.com", "selector": "s2015", "record": key.record(),
            "first_seen": first, "last_seen": last,
            "sources": [{"origin": origin, "seen": first}]})
        .to_string()
            + "\n"
    };
    let a = dir.path().join("a.jsonl");
    let b = dir.path().join("b.jsonl");
    std::fs::write(&a, line("2015-01-01", "2015-12-31", "newsroom A capture")).unwrap();
    std::fs::write(&b, line("2014-03-01", "2015-06-30", "newsroom B capture")).unwrap();
    let out = dir.path().join("merged.jsonl");
    let (code, _, err) = run(&["keys", "import", "--into", s(&out), s(&a), s(&b)]);
    assert_eq!(code, 0, "{err}");
    let recs = records(&out);
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0].first_seen.as_deref(), Some("2014-03-01"));
    assert_eq!(recs[0].last_seen.as_deref(), Some("2015-12-31"));
    let origins: Vec<&str> = recs[0].sources.iter().map(|o| o.origin.as_str()).collect();
    assert_eq!(origins, ["newsroom B capture", "newsroom A capture"]);
    // Merging in the other order gives the same bytes: files merge cleanly.
    let out2 = dir.path().join("merged2.jsonl");
    run(&["keys", "import", "--into", s(&out2), s(&b), s(&a)]);
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&out2).unwrap());
}

#[test]
fn rotated_selector_old_message_verifies_with_older_key() {
    let dir = tempfile::tempdir().unwrap();
    let old = TestKey::load("rsa2048");
    let new = TestKey::load("rsa2048b");
    let rec = |k: &TestKey, first: &str, last: &str| {
        serde_json::json!({"domain": "example.com", "selector": "s", "record": k.record(),
            "first_seen": first, "last_seen": last,
            "sources": [{"origin": format!("capture {first}"), "seen": first}]})
        .to_string()
    };
    let archive = dir.path().join("k.jsonl");
    std::fs::write(
        &archive,
        format!(
            "{}\n{}\n",
            rec(&new, "2019-01-01", "2021-01-01"),
            rec(&old, "2014-01-01", "2016-01-01")
        ),
    )
    .unwrap();
    let msg = dir.path().join("old.eml");
    std::fs::write(
        &msg,
        sign(
            MESSAGE.as_bytes(),
            &old,
            &Sign {
                selector: "s",
                ..Default::default()
            },
        ),
    )
    .unwrap();
    let (code, out, err) = run(&[
        "verify",
        "--no-builtin-keys",
        "--keys",
        s(&archive),
        "--format",
        "json",
        s(&msg),
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let sig = &doc["reports"][0]["signatures"][0];
    assert_eq!(sig["keys_tried"], 2);
    assert_eq!(sig["key"]["sha256"], fingerprint(&old));
    assert_eq!(sig["key"]["first_seen"], "2014-01-01");
    let (_, text, _) = run(&[
        "verify",
        "--no-builtin-keys",
        "--keys",
        s(&archive),
        s(&msg),
    ]);
    assert!(text.contains(&fingerprint(&old)), "{text}");
    assert!(!text.contains(&fingerprint(&new)), "{text}");
}

#[test]
fn time_window_in_text_and_json_and_at() {
    let dir = tempfile::tempdir().unwrap();
    let zone = dir.path().join("k.zone");
    std::fs::write(&zone, standard_zone()).unwrap();
    let signed_msg = signed(&Sign {
        expiration: Some(SIGNED_AT + 30 * 86_400),
        ..Default::default()
    });
    let mut m =
        b"Received: from mx.example.net by inbox.example.net; Mon, 01 Jun 2015 12:00:07 +0000\r\n"
            .to_vec();
    m.extend_from_slice(&signed_msg);
    let msg = dir.path().join("m.eml");
    std::fs::write(&msg, m).unwrap();
    let (_, out, _) = run(&[
        "verify",
        "--no-builtin-keys",
        "--keys",
        s(&zone),
        "--format",
        "jsonl",
        s(&msg),
    ]);
    let r: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let w = &r["time_window"];
    assert_eq!(w["not_before"], "2015-06-01T12:00:00Z");
    assert!(w["not_before_source"].as_str().unwrap().starts_with("t="));
    assert_eq!(w["not_after"], "2015-06-01T12:00:07Z");
    assert!(
        w["not_after_source"]
            .as_str()
            .unwrap()
            .starts_with("topmost Received")
    );
    assert!(
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "signature_expired")
    );
    let (_, text, _) = run(&["verify", "--no-builtin-keys", "--keys", s(&zone), s(&msg)]);
    assert!(
        text.contains("Signed between 2015-06-01T12:00:00Z (t=, the signer's clock, covered by the signature) and 2015-06-01T12:00:07Z (topmost Received header"),
        "{text}"
    );
    // At a reference time before x=, the signature has not expired yet.
    let (_, out, _) = run(&[
        "verify",
        "--no-builtin-keys",
        "--keys",
        s(&zone),
        "--at",
        "2015-06-02",
        "--format",
        "jsonl",
        s(&msg),
    ]);
    let r: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert!(
        !r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "signature_expired"),
        "{r}"
    );
    let (code, _, err) = run(&["verify", "--at", "yesterday", s(&msg)]);
    assert_eq!(code, 2);
    assert!(err.contains("--at"), "{err}");
}

#[test]
fn list_and_show() {
    let dir = tempfile::tempdir().unwrap();
    let zone = dir.path().join("k.zone");
    std::fs::write(&zone, standard_zone()).unwrap();
    let (code, out, _) = run(&["keys", "list", "--no-builtin-keys", "--keys", s(&zone)]);
    assert_eq!(code, 0);
    // a line of column names, then one line per key
    assert_eq!(out.lines().count(), 6);
    assert!(out.starts_with("DOMAIN\tSELECTOR\tSHA-256"), "{out}");
    assert_eq!(
        out.lines()
            .map(|l| l.split('\t').count())
            .collect::<Vec<_>>(),
        vec![6; 6],
        "every line has the header's columns: {out}"
    );
    let fp = fingerprint(&TestKey::load("rsa2048b"));
    let (code, out, _) = run(&[
        "keys",
        "show",
        "--no-builtin-keys",
        "--keys",
        s(&zone),
        &fp[..10],
    ]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with("esp._domainkey.mailer.example.org\n"),
        "{out}"
    );
    assert!(
        out.contains(&format!("file {} line 5", zone.display())),
        "{out}"
    );
    // Notes gathered from several sources (the built-in gmail.com
    // 20120113 key has two) read a line each, not joined by an escaped
    // line end.
    let (code, out, _) = run(&["keys", "show", "gmail.com"]);
    assert_eq!(code, 0);
    assert!(!out.contains("\\u{a}"), "{out}");
    let notes: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.starts_with("20120113._domainkey.gmail.com"))
        .skip_while(|l| !l.starts_with("  notes"))
        .take_while(|l| l.starts_with("  notes") || l.starts_with("           "))
        .collect();
    assert!(notes.len() >= 2, "{out}");
    let (code, _, err) = run(&[
        "keys",
        "show",
        "--no-builtin-keys",
        "--keys",
        s(&zone),
        "nothing",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("no key matches"));
    let (code, _, err) = run(&["keys", "list", "--keys", "/nonexistent/k.zone"]);
    assert_eq!(code, 2);
    assert!(err.contains("/nonexistent/k.zone"), "{err}");
}

/// The key's `p=` value cut into 3 character-strings, as key tools wrap it.
fn wrapped_p(key: &TestKey) -> String {
    let rec = key.record();
    let p = rec.split_once("p=").unwrap().1;
    let third = p.len() / 3;
    format!(
        "\"p={}\"\n\t  \"{}\"\n\t  \"{}\"",
        &p[..third],
        &p[third..2 * third],
        &p[2 * third..]
    )
}

#[test]
fn opendkim_genkey_file_verifies_a_message() {
    // The layout opendkim-genkey writes to <selector>.txt: a relative owner
    // name, the record continued over lines in parentheses, and the domain
    // named only in the trailing comment. Before, the whole file failed
    // with exit 2.
    let key = TestKey::load("rsa2048");
    let dir = tempfile::tempdir().unwrap();
    let txt = dir.path().join("s2015.txt");
    std::fs::write(
        &txt,
        format!(
            "s2015._domainkey\tIN\tTXT\t( \"v=DKIM1; h=sha256; k=rsa; \"\n\t  {} )  ; ----- DKIM key s2015 for example.com\n",
            wrapped_p(&key)
        ),
    )
    .unwrap();
    let msg = dir.path().join("m.eml");
    std::fs::write(&msg, signed(&Sign::default())).unwrap();
    let (code, out, err) = run(&[
        "verify",
        "--no-builtin-keys",
        "--keys",
        s(&txt),
        "--format",
        "jsonl",
        s(&msg),
    ]);
    assert_eq!(code, 0, "{out}\n{err}");
    let r: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(r["verdict"], "verified");
    assert_eq!(r["signatures"][0]["key"]["sha256"], fingerprint(&key));
}

#[test]
fn bind_zone_with_origin_ttl_and_other_records_imports_its_keys() {
    let key = TestKey::load("rsa2048");
    let dir = tempfile::tempdir().unwrap();
    let zone = dir.path().join("example.com.zone");
    std::fs::write(
        &zone,
        format!(
            "$ORIGIN example.com.\n\
             $TTL 1d\n\
             @\tIN SOA ns1 hostmaster (\n\
             \t\t2024010101 ; serial\n\
             \t\t3600 900 604800 86400 )\n\
             \tIN NS ns1\n\
             \tIN MX 10 mail\n\
             \tIN TXT \"v=spf1 mx -all\"\n\
             _dmarc IN TXT \"v=DMARC1; p=reject\"\n\
             ; first_seen: 2024-01-01\n\
             s2015._domainkey 300 IN TXT ( \"v=DKIM1; k=rsa; \" ; the key\n\
             \t  {} )\n",
            wrapped_p(&key)
        ),
    )
    .unwrap();
    let into = dir.path().join("a.jsonl");
    let (code, _, err) = run(&["keys", "import", "--into", s(&into), s(&zone)]);
    assert_eq!(code, 0, "{err}");
    let all = records(&into);
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(
        (all[0].domain.as_str(), all[0].selector.as_str()),
        ("example.com", "s2015")
    );
    assert_eq!(all[0].sha256.as_deref(), Some(fingerprint(&key).as_str()));
    assert_eq!(all[0].first_seen.as_deref(), Some("2024-01-01"));
    assert_eq!(
        all[0].sources[0].origin,
        format!("file {} line 11", zone.display())
    );

    // Errors name the file and the line.
    let bad = dir.path().join("bad.zone");
    std::fs::write(
        &bad,
        "$ORIGIN example.com.\n\ns1._domainkey TXT ( \"v=DKIM1; \"\n  \"p=\"\n",
    )
    .unwrap();
    let (code, _, err) = run(&["keys", "import", "--into", s(&into), s(&bad)]);
    assert_eq!(code, 2);
    assert!(
        err.contains(&format!("{} line 3: '(' is never closed", bad.display())),
        "{err}"
    );
}

#[test]
fn key_only_in_the_archive_api_verifies_online_is_saved_and_reused_offline() {
    let key = TestKey::load("rsa2048");
    // Live DNS answers nothing; only the archive API holds the key.
    let dns = dnsserver::start(vec![]);
    let body = format!(
        "[{}]",
        httpserver::api_entry(
            "example.com",
            "s2015",
            &key.record(),
            "2023-05-01T10:00:00.000Z",
            "2024-02-01T00:00:00.000Z"
        )
    );
    let http = httpserver::start(vec![("example.com", httpserver::Reply::json(body))]);
    let dir = tempfile::tempdir().unwrap();
    let msg = dir.path().join("m.eml");
    std::fs::write(&msg, signed(&Sign::default())).unwrap();
    let saved = dir.path().join("saved.jsonl");
    let (code, out, err) = run(&[
        "verify",
        "--no-builtin-keys",
        "--online",
        "--resolver",
        &dns.addr.to_string(),
        "--dns-timeout",
        "2",
        "--archive-url",
        &http.url(),
        "--save-keys",
        s(&saved),
        "--format",
        "jsonl",
        s(&msg),
    ]);
    assert_eq!(code, 0, "{out}\n{err}");
    let r: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(r["verdict"], "verified");
    let k = &r["signatures"][0]["key"];
    assert_eq!(k["sha256"], fingerprint(&key));
    let said = k["source"].as_str().unwrap();
    assert!(
        said.starts_with(&format!(
            "public key archive API {}, fetched at ",
            http.url()
        )) && said
            .ends_with("seen from 2023-05-01T10:00:00.000Z to 2024-02-01T00:00:00.000Z as served"),
        "{said}"
    );
    assert_eq!(http.requests(), ["/api/key?domain=example.com"]);
    let recs = records(&saved);
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0].sha256.as_deref(), Some(fingerprint(&key).as_str()));
    assert_eq!(
        recs[0].first_seen.as_deref(),
        Some("2023-05-01T10:00:00.000Z")
    );
    // Offline, from the saved file alone.
    let (code, out, err) = run(&[
        "verify",
        "--no-builtin-keys",
        "--keys",
        s(&saved),
        "--format",
        "jsonl",
        s(&msg),
    ]);
    assert_eq!(code, 0, "{out}\n{err}");
    let r: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(r["verdict"], "verified");
    assert_eq!(
        r["signatures"][0]["key"]["source"],
        format!("file {}", saved.display())
    );
    assert_eq!(r["signatures"][0]["key"]["origins"][0]["origin"], said);
}

#[test]
fn fetch_archive_stores_every_key_of_the_domains() {
    let key = TestKey::load("rsa2048");
    let other = TestKey::load("rsa2048b");
    let body = format!(
        "[{},{}]",
        httpserver::api_entry(
            "example.com",
            "s2015",
            &key.record(),
            "2023-05-01",
            "2024-02-01"
        ),
        httpserver::api_entry(
            "example.com",
            "old",
            &other.record(),
            "2023-01-01",
            "2023-02-01"
        ),
    );
    let http = httpserver::start(vec![
        ("example.com", httpserver::Reply::json(body)),
        ("down.example", httpserver::Reply::status(500)),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let into = dir.path().join("a.jsonl");
    let (code, _, err) = run(&[
        "keys",
        "fetch",
        "--archive",
        "--archive-url",
        &http.url(),
        "--into",
        s(&into),
        "example.com",
        "empty.example",
        "down.example",
    ]);
    // Some domain had no key: exit 1, with each reason on stderr.
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("example.com: 2 key(s) served"), "{err}");
    assert!(
        err.contains("empty.example: the public key archive holds no key"),
        "{err}"
    );
    assert!(
        err.contains("temporary failure: public key archive API"),
        "{err}"
    );
    assert!(err.contains("down.example: HTTP status 500"), "{err}");
    let recs = records(&into);
    let sels: Vec<&str> = recs.iter().map(|r| r.selector.as_str()).collect();
    assert_eq!(sels, ["old", "s2015"]);
    assert!(
        recs[1].sources[0]
            .origin
            .starts_with("public key archive API ")
    );
}

/// One spelling for output files (`--output`, `-o`) across commands; the
/// old ones (`--into`, `--out`) still work but are not shown.
#[test]
fn output_is_spelled_one_way() {
    let dir = tempfile::tempdir().unwrap();
    let zone = dir.path().join("k.zone");
    std::fs::write(&zone, standard_zone()).unwrap();
    let into = dir.path().join("a.jsonl");
    let (code, _, err) = run(&["keys", "import", "-o", s(&into), s(&zone)]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(std::fs::read_to_string(&into).unwrap().lines().count(), 5);
    for cmd in [
        &["verify", "--help"][..],
        &["keys", "import", "--help"],
        &["keys", "export", "--help"],
        &["keys", "fetch", "--help"],
        &["keys", "recover", "--help"],
    ] {
        let (code, out, _) = run(cmd);
        assert_eq!(code, 0);
        assert!(out.contains("-o, --output <"), "{cmd:?}: {out}");
        assert!(
            !out.contains("--into") && !out.contains("--out "),
            "{cmd:?}: {out}"
        );
    }
}
