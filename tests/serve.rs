//! `mailproof serve` over HTTP: each test starts the server on a free port
//! of 127.0.0.1 and talks to it with a plain HTTP/1.1 client written here
//! (so tests can send any Host, Origin or body they like).
#![cfg(feature = "serve")]

mod common;

use common::{Sign, TestKey, finding_codes, standard_zone, zip_of};
use mailproof::serve::{Limits, Options, Server};
use mailproof::{FixedClock, Verifier};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

fn start(verifier: Verifier, limits: Limits) -> SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let options = Options {
                limits,
                online: false,
            };
            let server = Server::bind("127.0.0.1:0".parse().unwrap(), verifier, options)
                .await
                .unwrap();
            tx.send(server.local_addr()).unwrap();
            server.run().await.unwrap();
        });
    });
    let addr = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    assert!(addr.ip().is_loopback());
    addr
}

/// A server with the built-in archive (for the real message) and the test keys.
fn server() -> SocketAddr {
    server_with(Limits::default())
}

fn server_with(limits: Limits) -> SocketAddr {
    let verifier = Verifier::builder()
        .key_source(mailproof::keys::KeyArchive::load_str("test.zone", &standard_zone()).unwrap())
        .clock(FixedClock(common::NOW))
        .build();
    start(verifier, limits)
}

struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.text()))
    }
}

/// Sends one request. `host: None` sends the server's own 127.0.0.1:PORT;
/// `Some("")` sends no Host header at all.
fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    host: Option<&str>,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Resp {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let own = addr.to_string();
    let host = host.unwrap_or(&own);
    let mut head = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    if !host.is_empty() {
        head += &format!("Host: {host}\r\n");
    }
    for (n, v) in headers {
        head += &format!("{n}: {v}\r\n");
    }
    head += &format!("Content-Length: {}\r\n\r\n", body.len());
    // The server may answer (413) before reading the whole body.
    let _ = s.write_all(head.as_bytes()).and_then(|_| s.write_all(body));
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no response head: {:?}", String::from_utf8_lossy(&raw)));
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    assert!(
        !headers
            .iter()
            .any(|(n, v)| n.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked")),
        "this client reads only Content-Length bodies"
    );
    Resp {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    }
}

fn get(addr: SocketAddr, path: &str) -> Resp {
    request(addr, "GET", path, None, &[], b"")
}

const BOUNDARY: &str = "mailprooftestboundary7MA4YWxk";

fn multipart(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = Vec::new();
    for (name, data) in files {
        b.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        b.extend_from_slice(data);
        b.extend_from_slice(b"\r\n");
    }
    b.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    b
}

/// Uploads files as the page does (same Origin, Sec-Fetch-Site same-origin).
fn upload(addr: SocketAddr, files: &[(&str, &[u8])]) -> Resp {
    let origin = format!("http://{addr}");
    request(
        addr,
        "POST",
        "/api/verify",
        None,
        &[
            (
                "Content-Type",
                &format!("multipart/form-data; boundary={BOUNDARY}"),
            ),
            ("Origin", &origin),
            ("Sec-Fetch-Site", "same-origin"),
        ],
        &multipart(files),
    )
}

fn coffee() -> Vec<u8> {
    std::fs::read(common::fixture("real-world/Meeting for coffee.eml")).unwrap()
}

fn assert_safety_headers(r: &Resp) {
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert!(r.header("content-security-policy").is_some());
}

#[test]
fn page_is_self_contained_and_allows_only_its_own_script() {
    let addr = server();
    let r = get(addr, "/");
    assert_eq!(r.status, 200);
    assert_safety_headers(&r);
    let csp = r.header("content-security-policy").unwrap();
    assert!(csp.contains("default-src 'none'"), "{csp}");
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
        "{csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    let page = r.text();
    assert!(page.contains("<input") && page.contains("type=\"file\""));
    assert!(
        page.contains("<label for=\"file\""),
        "the file input has a label"
    );
    assert!(page.contains("aria-live"), "results are announced");
    // No inline script, no inline handlers, nothing fetched from elsewhere.
    for (i, _) in page.match_indices("<script") {
        assert!(page[i..i + 40].contains("src=\"/"), "inline script at {i}");
    }
    assert!(!page.contains(" onclick=") && !page.contains(" onload="));
    assert!(!page.contains("http://") && !page.contains("https://") && !page.contains("//cdn"));
    assert!(!page.contains("{{"), "unfilled placeholder");

    let js = get(addr, "/app.js");
    assert_eq!(js.status, 200);
    assert!(
        js.header("content-type")
            .unwrap()
            .starts_with("text/javascript")
    );
    assert!(
        !js.text().contains("innerHTML"),
        "message values go in as text only"
    );
    let css = get(addr, "/app.css");
    assert_eq!(css.status, 200);
    assert!(css.header("content-type").unwrap().starts_with("text/css"));
    assert_eq!(get(addr, "/nothing-here").status, 404);
}

#[test]
fn foreign_host_names_are_refused() {
    let addr = server();
    let port = addr.port();
    for host in [
        "evil.example".to_string(),
        format!("evil.example:{port}"),
        format!("127.0.0.1.evil.example:{port}"),
        format!("127.0.0.1:{}", port.wrapping_add(1)),
        String::new(), // no Host header at all
    ] {
        let r = request(addr, "GET", "/", Some(&host), &[], b"");
        assert_eq!(r.status, 421, "Host {host:?} was accepted");
        assert_safety_headers(&r);
        // Refused before any handler ran: not even the upload endpoint answers.
        let r = request(addr, "POST", "/api/verify", Some(&host), &[], b"");
        assert_eq!(r.status, 421, "Host {host:?} was accepted for POST");
    }
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("LOCALHOST:{port}"),
    ] {
        assert_eq!(
            request(addr, "GET", "/", Some(&host), &[], b"").status,
            200,
            "{host}"
        );
    }
}

#[test]
fn other_web_pages_cannot_post() {
    let addr = server();
    let body = multipart(&[("m.eml", &coffee())]);
    let ct = format!("multipart/form-data; boundary={BOUNDARY}");
    for extra in [
        [("Origin", "http://evil.example"), ("X-Nothing", "")],
        [("Origin", "null"), ("X-Nothing", "")],
        [("Sec-Fetch-Site", "cross-site"), ("X-Nothing", "")],
        [
            ("Sec-Fetch-Site", "same-site"),
            ("Origin", "http://127.0.0.1:1"),
        ],
    ] {
        let mut h = vec![("Content-Type", ct.as_str())];
        h.extend(extra);
        let r = request(addr, "POST", "/api/verify", None, &h, &body);
        assert_eq!(r.status, 403, "{extra:?}");
    }
}

#[test]
fn real_message_verifies_and_every_download_works() {
    let addr = server();
    let r = upload(addr, &[("Meeting for coffee.eml", &coffee())]);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_safety_headers(&r);
    let j = r.json();
    let msgs = j["messages"].as_array().unwrap();
    assert_eq!(msgs.len(), 1);
    let m = &msgs[0];
    assert_eq!(m["verdict"], "verified");
    assert_eq!(m["signer"], "gmail.com");
    assert_eq!(m["subject"], "Meeting for coffee?");
    assert!(!m["proves"].as_array().unwrap().is_empty());
    assert!(!m["does_not_prove"].as_array().unwrap().is_empty());
    let batch = j["batch"].as_str().unwrap();
    assert_eq!(batch.len(), 32);

    // The report view: the same HTML as `verify --format html`, scripts
    // forbidden, framable only by the page, not a download.
    let view = get(addr, &format!("/b/{batch}/1/report.html"));
    assert_eq!(view.status, 200);
    assert_safety_headers(&view);
    let csp = view.header("content-security-policy").unwrap();
    assert!(
        csp.contains("default-src 'none'") && !csp.contains("script-src"),
        "{csp}"
    );
    assert!(csp.contains("frame-ancestors 'self'"), "{csp}");
    assert_eq!(view.header("x-frame-options"), Some("SAMEORIGIN"));
    assert!(view.header("content-disposition").is_none());
    let html = view.text();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("Meeting for coffee?"));
    assert!(html.to_lowercase().contains("verified"));

    let dl = get(addr, &format!("/b/{batch}/1/report.html?download=1"));
    assert_eq!(
        dl.header("content-disposition"),
        Some("attachment; filename=\"mailproof-report-Meeting-for-coffee.html\"")
    );
    assert_eq!(dl.body, view.body);

    let md = get(addr, &format!("/b/{batch}/1/report.md?download=1"));
    assert_eq!(md.status, 200);
    assert!(
        md.header("content-type")
            .unwrap()
            .starts_with("text/markdown")
    );
    assert!(md.text().starts_with('#'), "{}", md.text());

    let json = get(addr, &format!("/b/{batch}/1/report.json?download=1"));
    let doc = json.json();
    assert_eq!(doc["reports"][0]["verdict"], "verified");
    assert_eq!(doc["reports"][0]["source"], "Meeting for coffee.eml");

    let keys = get(addr, &format!("/b/{batch}/1/keys.zone?download=1"));
    assert_eq!(keys.status, 200);
    let zone = keys.text();
    assert!(
        zone.contains("\n20120113._domainkey.gmail.com. TXT \"k=rsa; p=MIIB"),
        "{zone}"
    );
    assert!(zone.contains("; sha256: "), "{zone}");
    // The exported keys alone verify the message again.
    let again = Verifier::builder()
        .builtin_archive(false)
        .key_source(mailproof::keys::KeyArchive::load_str("keys.zone", &zone).unwrap())
        .clock(FixedClock(common::NOW))
        .build()
        .verify_bytes("again", &coffee());
    assert_eq!(again.verdict, mailproof::Verdict::Verified);

    // Unknown batches and messages are plain 404s.
    assert_eq!(get(addr, &format!("/b/{batch}/2/report.html")).status, 404);
    assert_eq!(get(addr, &format!("/b/{batch}/0/report.html")).status, 404);
    assert_eq!(get(addr, &format!("/b/{batch}/1/secrets.txt")).status, 404);
    assert_eq!(
        get(addr, "/b/00000000000000000000000000000000/1/report.html").status,
        404
    );
}

#[test]
fn hostile_header_values_are_escaped_everywhere() {
    let addr = server();
    let hostile = "<script>alert(1)</script><img src=x onerror=alert(2)> \u{202E}fdp.exe";
    let msg = common::MESSAGE
        .replace("Subject: Quarterly numbers", &format!("Subject: {hostile}"))
        .replace("Alice Example", "\"<b onmouseover=alert(3)>Alice</b>\"");
    let signed = common::sign(msg.as_bytes(), &TestKey::load("rsa2048"), &Sign::default());
    let r = upload(addr, &[("<svg onload=alert(4)>.eml", &signed)]);
    assert_eq!(r.status, 200, "{}", r.text());
    let j = r.json();
    let m = &j["messages"][0];
    assert_eq!(m["verdict"], "verified", "{m}");
    // The API hands values over as JSON strings (the page inserts them as
    // text); the bidi override is made visible as in every report.
    let subject = m["subject"].as_str().unwrap();
    assert!(subject.contains("<script>alert(1)</script>"));
    assert!(
        !subject.contains('\u{202E}') && subject.contains("\\u{202e}"),
        "{subject}"
    );
    assert_eq!(r.header("content-type"), Some("application/json"));

    let batch = j["batch"].as_str().unwrap();
    let html = get(addr, &format!("/b/{batch}/1/report.html")).text();
    for raw in [
        "<script>alert",
        "<img src=x",
        "<b onmouseover",
        "<svg onload",
        "\u{202E}",
    ] {
        assert!(!html.contains(raw), "{raw:?} reached the HTML report");
    }
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    // Markdown shows such values only inside code spans, where they are text.
    let md = get(addr, &format!("/b/{batch}/1/report.md")).text();
    assert!(
        md.contains("`<script>alert(1)</script><img src=x onerror=alert(2)> \\u{202e}fdp.exe`"),
        "{md}"
    );
    for line in md
        .lines()
        .filter(|l| l.contains("<script>") || l.contains("<img"))
    {
        let before = &line[..line.find('<').unwrap()];
        assert!(
            before.ends_with('`') || before.matches('`').count() % 2 == 1,
            "{line}"
        );
    }
    // The download file name is made of safe characters only.
    let dl = get(addr, &format!("/b/{batch}/1/report.html?download=1"));
    assert_eq!(
        dl.header("content-disposition"),
        Some("attachment; filename=\"mailproof-report-svg-onload-alert-4.html\"")
    );
}

#[test]
fn zip_and_mbox_give_one_row_per_message() {
    let addr = server();
    let good = common::signed(&Sign::default());
    let altered = common::replace(&good, "Revenue: 1,204,000", "Revenue: 9,204,000");
    let mut mbox = b"From alice@example.com Mon Jun  1 12:00:00 2015\n".to_vec();
    mbox.extend_from_slice(&good);
    mbox.extend_from_slice(b"\nFrom alice@example.com Mon Jun  1 12:00:01 2015\n");
    mbox.extend_from_slice(&altered);
    let zip = zip_of(&[
        ("leak/one.eml", &good),
        ("leak/box.mbox", &mbox),
        ("__MACOSX/leak/._one.eml", b"resource fork"),
        ("leak/notes.txt", b"not an email at all"),
    ]);
    let r = upload(addr, &[("leak.zip", &zip), ("coffee.eml", &coffee())]);
    assert_eq!(r.status, 200, "{}", r.text());
    let j = r.json();
    let rows: Vec<(String, String)> = j["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["source"].as_str().unwrap().to_string(),
                m["verdict"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    // zip entries in name order, as a directory is walked
    let expect = [
        ("leak.zip#leak/box.mbox#1", "verified"),
        ("leak.zip#leak/box.mbox#2", "headers_verified"),
        ("leak.zip#leak/notes.txt", "error"),
        ("leak.zip#leak/one.eml", "verified"),
        ("coffee.eml", "verified"),
    ];
    let got: Vec<(&str, &str)> = rows.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    assert_eq!(got, expect);
    // Sort keys for the table: verdict rank and the Date as a timestamp.
    assert_eq!(j["messages"][1]["rank"], 2);
    assert_eq!(j["messages"][0]["timestamp"], common::SIGNED_AT);

    // The whole upload as one report and one key file.
    let batch = j["batch"].as_str().unwrap();
    let all = get(addr, &format!("/b/{batch}/all/report.json")).json();
    assert_eq!(all["reports"].as_array().unwrap().len(), 5);
    let zone = get(addr, &format!("/b/{batch}/all/keys.zone")).text();
    assert!(
        zone.contains("s2015._domainkey.example.com.")
            && zone.contains("20120113._domainkey.gmail.com.")
    );
    let html = get(addr, &format!("/b/{batch}/all/report.html")).text();
    assert!(html.contains("5 messages"), "overview of the batch");
}

#[test]
fn limits_answer_in_words() {
    let limits = Limits {
        max_upload_bytes: 4096,
        max_messages: 3,
        max_message_bytes: 2048,
        max_unpacked_bytes: 64 * 1024,
        ..Limits::default()
    };
    let addr = server_with(limits);

    // Over the upload size, by a little (checked while reading) and by a
    // lot (the body limit stops the read).
    for size in [5000, 300_000] {
        let r = upload(addr, &[("big.eml", &vec![b'a'; size])]);
        assert_eq!(r.status, 413, "{size}");
        let e = r.json()["error"].as_str().unwrap().to_string();
        assert!(e.contains("larger than 4 KB"), "{e}");
        // the way out is stated as it is: verify caps each message
        assert!(!e.contains("no limit"), "{e}");
        assert!(
            e.contains("caps each message at 64 MB") && e.contains("--max-message-size"),
            "{e}"
        );
    }

    // Too many messages in an mbox.
    let mut mbox = Vec::new();
    for i in 0..4 {
        mbox.extend_from_slice(
            format!("From x@y Mon Jun  1 12:00:0{i} 2015\nSubject: {i}\n\nhi\n\n").as_bytes(),
        );
    }
    let r = upload(addr, &[("box.mbox", &mbox)]);
    assert_eq!(r.status, 413);
    assert!(
        r.json()["error"]
            .as_str()
            .unwrap()
            .contains("more than 3 messages")
    );

    // A zip bomb: a tiny zip that unpacks far past the budget.
    let bomb = zip_of(&[
        ("a.eml", &vec![b'\n'; 40_000]),
        ("b.eml", &vec![b'\n'; 40_000]),
    ]);
    assert!(bomb.len() < 4096);
    let r = upload(addr, &[("bomb.zip", &bomb)]);
    let j = r.json();
    // Each entry is over the per-message limit: error rows, not a crash.
    assert_eq!(r.status, 200, "{j}");
    assert_eq!(j["messages"][0]["verdict"], "error");
    assert!(
        j["messages"][0]["summary"]
            .as_str()
            .unwrap()
            .contains("more than the 2 KB"),
        "{j}"
    );

    // Nothing uploaded, or not multipart at all.
    let r = upload(addr, &[]);
    assert_eq!(r.status, 400);
    assert!(r.json()["error"].as_str().unwrap().contains("No file"));
    let r = request(
        addr,
        "POST",
        "/api/verify",
        None,
        &[("Content-Type", "text/plain")],
        b"hello",
    );
    assert_eq!(r.status, 400);
    assert!(r.json()["error"].is_string());
}

#[test]
fn zip_budget_stops_the_whole_upload() {
    let limits = Limits {
        max_upload_bytes: 4096,
        max_messages: 100,
        max_message_bytes: 50_000,
        max_unpacked_bytes: 60_000,
        ..Limits::default()
    };
    let addr = server_with(limits);
    let bomb = zip_of(&[
        ("a.eml", &vec![b'\n'; 40_000]),
        ("b.eml", &vec![b'\n'; 40_000]),
    ]);
    let r = upload(addr, &[("bomb.zip", &bomb)]);
    assert_eq!(r.status, 413);
    assert!(
        r.json()["error"]
            .as_str()
            .unwrap()
            .contains("unpack to more than")
    );
}

#[test]
fn garbage_is_an_error_row_not_a_crash() {
    let addr = server();
    let r = upload(
        addr,
        &[
            ("empty.eml", b""),
            ("binary.eml", &[0xff, 0xfe, 0, 1, 2, 3, b'\n', b'\n']),
            ("broken.zip", b"PK\x03\x04 this is not really a zip"),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let j = r.json();
    let msgs = j["messages"].as_array().unwrap();
    assert_eq!(msgs.len(), 3);
    for m in msgs {
        assert_ne!(m["verdict"], "verified", "{m}");
    }
    assert_eq!(msgs[0]["verdict"], "error");
    assert_eq!(msgs[2]["verdict"], "error");
    // The server is still up.
    assert_eq!(get(addr, "/").status, 200);
}

/// A download of several messages is named after the uploaded file.
#[test]
fn batch_downloads_are_named_after_the_upload() {
    let addr = server();
    let mut mbox = Vec::new();
    for i in 0..2 {
        mbox.extend_from_slice(
            format!("From x@y Mon Jun  1 12:00:0{i} 2015\nSubject: {i}\n\nhi\n\n").as_bytes(),
        );
    }
    let r = upload(addr, &[("Leak dump 2015.mbox", &mbox)]);
    assert_eq!(r.status, 200);
    let batch = r.json()["batch"].as_str().unwrap().to_string();
    for (file, name) in [
        (
            "report.html?download=1",
            "mailproof-report-Leak-dump-2015.html",
        ),
        ("report.md", "mailproof-report-Leak-dump-2015.md"),
        ("report.json", "mailproof-report-Leak-dump-2015.json"),
        ("keys.zone", "mailproof-keys-Leak-dump-2015.zone"),
    ] {
        let r = get(addr, &format!("/b/{batch}/all/{file}"));
        assert_eq!(r.status, 200, "{file}");
        assert_eq!(
            r.header("content-disposition"),
            Some(format!("attachment; filename=\"{name}\"").as_str()),
            "{file}"
        );
    }
}

#[test]
fn a_byte_order_mark_hides_neither_an_mbox_nor_a_signature() {
    let addr = server();
    let good = common::signed(&Sign::default());
    let altered = common::replace(&good, "Revenue: 1,204,000", "Revenue: 9,204,000");
    // as Windows Notepad saves them: EF BB BF in front
    let mut mbox = b"\xEF\xBB\xBFFrom alice@example.com Mon Jun  1 12:00:00 2015\n".to_vec();
    mbox.extend_from_slice(&good);
    mbox.extend_from_slice(b"\nFrom alice@example.com Mon Jun  1 12:00:01 2015\n");
    mbox.extend_from_slice(&altered);
    let eml = [b"\xEF\xBB\xBF".as_slice(), &good].concat();
    let r = upload(addr, &[("box.mbox", &mbox), ("bom.eml", &eml)]);
    assert_eq!(r.status, 200, "{}", r.text());
    let j = r.json();
    let rows: Vec<(&str, &str)> = j["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["source"].as_str().unwrap(),
                m["verdict"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("box.mbox#1", "verified"),
            ("box.mbox#2", "headers_verified"),
            ("bom.eml", "verified"),
        ]
    );
    let batch = j["batch"].as_str().unwrap();
    let all = get(addr, &format!("/b/{batch}/all/report.json")).json();
    let reports = all["reports"].as_array().unwrap();
    // the skipped mark is named on the first message only
    assert!(finding_codes(&reports[0]).contains(&"mbox_leading_bytes_skipped".into()));
    assert!(!finding_codes(&reports[1]).contains(&"mbox_leading_bytes_skipped".into()));
    assert_eq!(reports[2]["repairs"][0]["kind"], "bom_removed");
}
