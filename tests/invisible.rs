//! Invisible and terminal-active characters, and host names, from a leaked
//! message must reach no output raw or live: every class of hidden character
//! is driven through every output of the command-line tool (verify in each
//! format, the batch summary, `report`, `summarize`), and the Markdown
//! report is rendered by a GFM renderer with autolinks and checked by a
//! fuzzy linkifier.

mod common;

use base64::Engine;
use common::*;
use std::path::Path;
use std::process::Command;

/// The character classes of issue 18 item 5. C0 line breaks are left out
/// (the outputs are made of lines; line breaks in values are tested in
/// tests/reports.rs).
const CLASSES: &[(&str, &[char])] = &[
    ("c0", &['\u{1b}', '\u{7}', '\u{b}', '\u{7f}']),
    ("c1", &['\u{85}', '\u{9b}', '\u{9d}']),
    (
        "bidi",
        &[
            '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{202e}', '\u{2066}', '\u{2067}',
            '\u{2068}', '\u{2069}', '\u{200e}', '\u{200f}', '\u{061c}',
        ],
    ),
    (
        "invisible",
        &[
            '\u{200b}', '\u{200c}', '\u{200d}', '\u{2060}', '\u{feff}', '\u{ad}', '\u{2028}',
            '\u{2029}',
        ],
    ),
];

fn mailproof(args: &[&str]) -> (String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mailproof"))
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "mailproof {args:?}: {:?}\n{stderr}",
        out.status
    );
    (String::from_utf8(out.stdout).unwrap(), stderr)
}

/// A signed message (example.com, so it verifies) carrying `h` in every
/// value a report prints: display names, addresses, Subject, Message-ID, a
/// Received hop, Authentication-Results, a second DKIM signature's d= and
/// s=, an ARC set and an attachment's file name.
fn message(h: &str) -> Vec<u8> {
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let body = format!(
        "From: =?UTF-8?B?{}?= <security@pay{h}pal.example>\r\n\
         To: Bob{h} <bob@example.net>\r\n\
         Cc: carol@ex{h}ample.net\r\n\
         Subject: Your account{h} is locked\r\n\
         Date: Mon, 01 Jun 2015 12:00:00 +0000\r\n\
         Message-ID: <id{h}@pay{h}pal.example>\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b1\"\r\n\
         \r\n\
         --b1\r\n\
         Content-Type: text/plain\r\n\
         \r\n\
         Hi\r\n\
         --b1\r\n\
         Content-Type: application/pdf; name=\"in{h}voice.pdf\"\r\n\
         Content-Disposition: attachment; filename=\"in{h}voice.pdf\"\r\n\
         \r\n\
         AAAA\r\n\
         --b1--\r\n",
        b64(&format!("Pay{h}Pal Security"))
    );
    let signed = sign(body.as_bytes(), &TestKey::load("rsa2048"), &Sign::default());
    let mut m = format!(
        "ARC-Seal: i=1; a=rsa-sha256; cv=none; d=arc{h}.example; s=a{h}1; t=1433160001; b=AAAA\r\n\
         ARC-Message-Signature: i=1; a=rsa-sha256; c=relaxed/relaxed; d=arc{h}.example; s=a{h}1;\r\n h=from; bh=AAAA; b=AAAA\r\n\
         ARC-Authentication-Results: i=1; mx.arc{h}.example; dkim=pass header.d=pay{h}pal.example\r\n\
         Received: from mx{h}.evil.example (mx{h}.evil.example [192.0.2.1])\r\n by login.pay{h}pal-secure.example with ESMTP id q{h}1;\r\n Mon, 01 Jun 2015 12:00:05 +0000\r\n\
         Authentication-Results: mx.pay{h}pal.example; dkim=pass header.d=pay{h}pal.example header.s=s{h}el\r\n\
         DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=pay{h}pal.example; s=s{h}1;\r\n t=1433160000; h=from:subject; bh=AAAA; b=AAAA\r\n"
    )
    .into_bytes();
    m.extend_from_slice(&signed);
    m
}

/// Every output of the CLI for the messages in `dir`: (what, text).
fn all_outputs(dir: &Path, zone: &Path) -> Vec<(String, String)> {
    let d = dir.to_str().unwrap();
    let z = zone.to_str().unwrap();
    let mut outs = Vec::new();
    for f in ["text", "json", "jsonl", "html", "markdown"] {
        let args = ["verify", "--no-builtin-keys", "--keys", z, "--format", f, d];
        let (o, e) = mailproof(&args);
        outs.push((format!("verify --format {f}"), o));
        outs.push((format!("verify --format {f} (stderr)"), e));
    }
    let work = tempfile::tempdir().unwrap();
    let jsonl = work.path().join("run.jsonl");
    let summary = work.path().join("run.summary.json");
    let (o, e) = mailproof(&[
        "verify",
        "--no-builtin-keys",
        "--keys",
        z,
        "--output",
        jsonl.to_str().unwrap(),
        "--summary",
        summary.to_str().unwrap(),
        "--quiet",
        d,
    ]);
    outs.push(("verify --output: stdout".into(), o));
    outs.push(("verify --output: stderr".into(), e));
    outs.push((
        "verify --output file".into(),
        std::fs::read_to_string(&jsonl).unwrap(),
    ));
    outs.push((
        "verify --summary file".into(),
        std::fs::read_to_string(&summary).unwrap(),
    ));
    let j = jsonl.to_str().unwrap();
    for f in ["html", "markdown"] {
        outs.push((
            format!("report --format {f}"),
            mailproof(&["report", "--format", f, j]).0,
        ));
    }
    outs.push(("summarize".into(), mailproof(&["summarize", j]).0));
    outs.push((
        "summarize --json".into(),
        mailproof(&["summarize", "--json", j]).0,
    ));
    outs
}

fn zone_file(dir: &Path) -> std::path::PathBuf {
    let zone = dir.join("keys.zone");
    std::fs::write(&zone, standard_zone()).unwrap();
    zone
}

#[test]
fn no_hidden_character_arrives_raw_in_any_format() {
    for (class, chars) in CLASSES {
        let keys = tempfile::tempdir().unwrap();
        let zone = zone_file(keys.path());
        let dir = tempfile::tempdir().unwrap();
        for (i, &c) in chars.iter().enumerate() {
            let h = c.to_string();
            std::fs::write(dir.path().join(format!("{i:02}-leak{h}.eml")), message(&h)).unwrap();
        }
        let outs = all_outputs(dir.path(), &zone);
        for (what, out) in &outs {
            for &c in chars.iter() {
                assert!(
                    !out.contains(c),
                    "{class}: U+{:04X} raw in `{what}`: {:?}",
                    c as u32,
                    &out[out.find(c).unwrap().saturating_sub(60)..][..80.min(out.len())]
                );
            }
        }
        // Not vacuous: the values are there, escaped. Text, HTML and
        // Markdown show `\u{200b}`; JSON carries `\u200b` (the same value).
        for (what, out) in &outs {
            if what.contains("stderr")
                || what.starts_with("summarize")
                || what.contains("stdout")
                || what.contains("summary")
            {
                continue;
            }
            let json = what.contains("json") || what.contains("file");
            for &c in chars.iter() {
                let shown = if json {
                    format!("\\u{:04x}", c as u32)
                } else {
                    format!("\\u{{{:x}}}", c as u32)
                };
                // JSON writes C0 controls in serde_json's own form, the same value.
                // Markdown escapes the braces outside code spans.
                let md = shown.replace('{', "\\{").replace('}', "\\}");
                assert!(
                    out.contains(&shown) || out.contains(&md),
                    "{class}: {shown} not shown in `{what}`"
                );
            }
        }
        // The JSON still carries the exact values.
        let doc = &outs
            .iter()
            .find(|(w, _)| w == "verify --format json")
            .unwrap()
            .1;
        let v: serde_json::Value = serde_json::from_str(doc).unwrap();
        let subjects: Vec<&str> = v["reports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["message"]["subject"].as_str().unwrap())
            .collect();
        for &c in chars.iter() {
            let want = format!("Your account{c} is locked");
            assert!(subjects.contains(&want.as_str()), "{class}: {subjects:?}");
        }
    }
}

/// The host names, domains and addresses a message can carry, in every
/// header a report shows.
fn hosts_message() -> Vec<u8> {
    let body = "From: PayPal Service <service@paypal-secure.example>\r\n\
         To: victim@example.net, www.example.org <someone@mail.example.net>\r\n\
         Cc: audit@example.org\r\n\
         Subject: Verify at www.paypal-secure.example or https://login.paypal-secure.example/x or login.paypal-secure.example today\r\n\
         Date: Mon, 01 Jun 2015 12:00:00 +0000\r\n\
         Message-ID: <abc.def@paypal-secure.example>\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b1\"\r\n\
         \r\n\
         --b1\r\n\
         Content-Type: text/plain\r\n\
         \r\n\
         Hi\r\n\
         --b1\r\n\
         Content-Type: application/pdf; name=\"www.invoice.example\"\r\n\
         Content-Disposition: attachment; filename=\"www.invoice.example\"\r\n\
         \r\n\
         AAAA\r\n\
         --b1--\r\n";
    let signed = sign(body.as_bytes(), &TestKey::load("rsa2048"), &Sign::default());
    let mut m = b"ARC-Seal: i=1; a=rsa-sha256; cv=none; d=arc.paypal-secure.example; s=arc1; t=1433160001; b=AAAA\r\n\
ARC-Message-Signature: i=1; a=rsa-sha256; c=relaxed/relaxed; d=arc.paypal-secure.example; s=arc1;\r\n h=from; bh=AAAA; b=AAAA\r\n\
ARC-Authentication-Results: i=1; mx.paypal-secure.example; dkim=pass header.d=www.paypal-secure.example\r\n\
Received: from relay.paypal-secure.example (relay.paypal-secure.example [192.0.2.1])\r\n by login.paypal-secure.example with ESMTP id abc.def; Mon, 01 Jun 2015 12:00:05 +0000\r\n\
Received: from www.evil.example (unknown [198.51.100.7]) by mx.example.net\r\n with ESMTPS id x1; Mon, 01 Jun 2015 12:00:09 +0000\r\n\
Authentication-Results: mx.example.net; dkim=pass header.d=www.paypal-secure.example header.s=sel; spf=pass smtp.mailfrom=bounce@paypal-secure.example\r\n\
DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=www.paypal-secure.example; s=sel;\r\n t=1433160000; h=from:subject; bh=AAAA; b=AAAA\r\n"
        .to_vec();
    m.extend_from_slice(&signed);
    m
}

/// Text of rendered HTML outside `<code>` and `<pre>`, tags removed and
/// entities decoded: what a linkifier working on the rendered page sees.
fn text_outside_code(html: &str) -> String {
    let mut rest = html;
    let mut out = String::new();
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        let tail = &rest[lt..];
        let skip = ["<code", "<pre"].iter().find_map(|open| {
            tail.starts_with(open).then(|| {
                let close = format!("</{}>", &open[1..]);
                tail.find(&close).map(|e| e + close.len()).unwrap()
            })
        });
        let end = skip.unwrap_or_else(|| tail.find('>').unwrap() + 1);
        out.push(' ');
        rest = &tail[end..];
    }
    out.push_str(rest);
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

#[test]
fn markdown_links_nothing_from_the_message_under_gfm_autolinks_and_a_fuzzy_linkifier() {
    let keys = tempfile::tempdir().unwrap();
    let zone = zone_file(keys.path());
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("www.leak.example.eml"), hosts_message()).unwrap();
    std::fs::write(
        dir.path().join("second.eml"),
        replace(&hosts_message(), "Hi\r\n", "Hi!\r\n"),
    )
    .unwrap();
    let outs = all_outputs(dir.path(), &zone);
    let mut checked = 0;
    for (what, md) in outs
        .iter()
        .filter(|(w, _)| w.ends_with("markdown") && !w.contains("stderr"))
    {
        let mut opts = comrak::Options::default();
        opts.extension.autolink = true;
        opts.extension.table = true;
        opts.extension.strikethrough = true;
        let html = comrak::markdown_to_html(md, &opts);
        // The renderer does link what the GFM spec says it links: a check
        // that it is on, so the assertions below can fail.
        let control = comrak::markdown_to_html("see www.paypal-secure.example", &opts);
        assert!(control.contains("<a href=\"http://www.paypal-secure.example\""));
        // Every link is one of the report's own anchors.
        for (i, _) in html.match_indices("<a ") {
            let a = &html[i..];
            assert!(
                a.starts_with("<a href=\"#message-"),
                "{what}: a link from the message: {}",
                &a[..a.len().min(120)]
            );
        }
        // A fuzzy linkifier (bare host names, e-mail addresses) finds
        // nothing outside code.
        let text = text_outside_code(&html);
        let mut finder = linkify::LinkFinder::new();
        finder.url_must_have_scheme(false);
        let found: Vec<&str> = finder.links(&text).map(|l| l.as_str()).collect();
        assert!(found.is_empty(), "{what}: linkable outside code: {found:?}");
        for host in [
            "login.paypal-secure.example",
            "www.paypal-secure.example",
            "service@paypal-secure.example",
        ] {
            assert!(md.contains(host), "{what}: {host} not in the report");
        }
        checked += 1;
    }
    assert_eq!(checked, 2, "verify and report both give Markdown");
}
