//! Publishable reports (HTML, Markdown, the batch `report` command):
//! snapshots per scenario, a structural check of the HTML, and hostile
//! header values that must come out as text in every format.

mod common;

use common::*;
use mailproof::render::{self, Overview};
use mailproof::{Report, Verdict};
use std::process::Command;

// ---------------------------------------------------------------- scenarios

fn check(source: &str, bytes: &[u8]) -> Report {
    verifier(&standard_zone()).verify_bytes(source, bytes)
}

fn verified() -> Report {
    check("verified.eml", &signed(&Sign::default()))
}

fn headers_only() -> Report {
    let msg = replace(&signed(&Sign::default()), "1,204,000", "1,904,000");
    check("body-changed.eml", &msg)
}

fn failed() -> Report {
    let msg = replace(
        &signed(&Sign::default()),
        "Subject: Quarterly numbers",
        "Subject: Quarterly losses",
    );
    check("subject-changed.eml", &msg)
}

fn unverifiable() -> Report {
    let msg = signed(&Sign {
        selector: "gone",
        ..Default::default()
    });
    check("no-key.eml", &msg)
}

fn scenarios() -> Vec<(&'static str, Report)> {
    let s = vec![
        ("verified", verified()),
        ("headers_verified", headers_only()),
        ("failed", failed()),
        ("unverifiable", unverifiable()),
    ];
    for (name, r) in &s {
        assert_eq!(r.verdict.as_str(), *name, "test bug: {r:#?}");
    }
    s
}

/// Snapshots live in `snapshots/` at the top; the tool version and the
/// (long, separately reviewed) style sheet are redacted.
fn snapshot(name: &str, content: &str) {
    let version = format!(
        "mailproof {}",
        env!("CARGO_PKG_VERSION").replace('.', r"\.")
    );
    insta::with_settings!({
        snapshot_path => "../snapshots",
        prepend_module_to_snapshot => false,
        filters => vec![
            (version.as_str(), "mailproof [version]"),
            (r"(?s)<style>.*?</style>", "<style>[report.css]</style>"),
        ],
    }, {
        insta::assert_snapshot!(name, content);
    });
}

#[test]
fn html_snapshots() {
    for (name, r) in scenarios() {
        let html = render::html(std::slice::from_ref(&r), None);
        well_formed(&html);
        snapshot(&format!("report_html_{name}"), &html);
    }
}

#[test]
fn markdown_snapshots() {
    for (name, r) in scenarios() {
        let md = render::markdown(std::slice::from_ref(&r), None);
        markdown_is_inert(&md);
        snapshot(&format!("report_markdown_{name}"), &md);
    }
}

#[test]
fn batch_snapshots() {
    let mut reports: Vec<Report> = scenarios().into_iter().map(|(_, r)| r).collect();
    // a second message needing the same missing key, and one by another key
    reports.push(check(
        "no-key-2.eml",
        &signed(&Sign {
            selector: "gone",
            timestamp: Some(SIGNED_AT - 400 * 86_400),
            ..Default::default()
        }),
    ));
    reports.push(check(
        "other-key.eml",
        &signed(&Sign {
            selector: "old",
            timestamp: None,
            ..Default::default()
        }),
    ));
    let overview = Overview::of(&reports);
    assert_eq!(overview.messages, 6);
    let ranked = overview.missing_keys_ranked();
    assert_eq!(ranked[0].record, "gone._domainkey.example.com");
    assert_eq!((ranked[0].messages, ranked[0].unlocks), (2, 2));
    assert_eq!(overview.years(), vec![2014, 2015]);

    let html = render::html(&reports[..4], Some(&overview));
    well_formed(&html);
    assert!(html.contains("Showing the first 4 of 6 messages"));
    assert!(html.contains("<a href=\"#msg-4\">"));
    assert!(html.contains("id=\"msg-4\""));
    assert!(!html.contains("id=\"msg-5\""));
    snapshot("report_batch_html", &html);

    let md = render::markdown(&reports[..4], Some(&overview));
    markdown_is_inert(&md);
    snapshot("report_batch_markdown", &md);
}

#[test]
fn verify_html_with_several_messages_has_contents_and_overview() {
    let dir = tempfile::tempdir().unwrap();
    let keys = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.eml"), signed(&Sign::default())).unwrap();
    std::fs::write(
        dir.path().join("b.eml"),
        replace(&signed(&Sign::default()), "1,204,000", "1,904,000"),
    )
    .unwrap();
    let zone = keys.path().join("k.zone");
    std::fs::write(&zone, standard_zone()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mailproof"))
        .args(["verify", "--no-builtin-keys", "--format", "html", "--keys"])
        .arg(&zone)
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let html = String::from_utf8(out.stdout).unwrap();
    well_formed(&html);
    assert!(html.contains("Overview of 2 messages"));
    assert!(html.contains("<a href=\"#msg-2\">"));
    assert_eq!(html.matches("<section class=\"message\"").count(), 2);
}

// ---------------------------------------------------------------- report command

fn report_cmd(args: &[&str], input: &std::path::Path) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mailproof"))
        .arg("report")
        .args(args)
        .arg(input)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn report_command_reads_jsonl_and_limits_sections() {
    let reports: Vec<Report> = scenarios().into_iter().map(|(_, r)| r).collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.jsonl");
    let jsonl: String = reports
        .iter()
        .map(|r| render::jsonl_line(r) + "\n")
        .collect();
    std::fs::write(&path, &jsonl).unwrap();

    // Reading back gives the same document as rendering directly.
    let (code, md, err) = report_cmd(&["--format", "markdown", "--limit", "2"], &path);
    assert_eq!((code, err.as_str()), (Some(1), ""));
    assert_eq!(
        md,
        render::markdown(&reports[..2], Some(&Overview::of(&reports)))
    );
    assert!(md.contains("Showing the first 2 of 4 messages"));
    let (code, html, _) = report_cmd(&[], &path);
    assert_eq!(code, Some(1));
    assert_eq!(html, render::html(&reports, Some(&Overview::of(&reports))));

    // A `--format json` document is read too.
    let doc = render::json(&reports, &Default::default());
    std::fs::write(&path, doc).unwrap();
    let (code, md2, _) = report_cmd(&["--format", "markdown", "--limit", "2"], &path);
    assert_eq!((code, md2), (Some(1), md));

    // Bad lines (not JSON, not UTF-8) are named, skipped, and make the status 2.
    let mut bytes = b"not json\n\xff\xfe\n".to_vec();
    bytes.extend_from_slice(jsonl.as_bytes());
    std::fs::write(&path, bytes).unwrap();
    let (code, out, err) = report_cmd(&["--format", "markdown", "--limit", "0"], &path);
    assert_eq!(code, Some(2));
    assert!(err.contains("line 1: not a mailproof report"), "{err}");
    assert!(err.contains("line 2: not a mailproof report"), "{err}");
    assert!(out.contains("Overview of 4 messages"));
    assert!(out.contains("Showing the first 0 of 4 messages"));
    assert!(!out.contains("## Message 1"));

    let (code, _, err) = report_cmd(&[], &dir.path().join("missing.jsonl"));
    assert_eq!(code, Some(2));
    assert!(err.contains("missing.jsonl"));
}

// ---------------------------------------------------------------- hostile input

const HOSTILE_SOURCE: &str = "leak/<b>it's</b> $(touch pwned) `x`|[l](javascript:x).eml";

fn hostile() -> Report {
    let msg = MESSAGE
        .replace(
            "From: Alice Example <alice@example.com>",
            &format!("From: {} <alice@example.com>", encoded_word(HOSTILE_NAME)),
        )
        .replace(
            "Subject: Quarterly numbers",
            &format!("Subject: {}", encoded_word(HOSTILE_SUBJECT)),
        );
    let bytes = sign(msg.as_bytes(), &TestKey::load("rsa2048"), &Sign::default());
    let r = check(HOSTILE_SOURCE, &bytes);
    assert_eq!(r.verdict, Verdict::Verified, "{r:#?}");
    let m = r.message.as_ref().unwrap();
    assert_eq!(
        m.subject.as_deref(),
        Some(HOSTILE_SUBJECT),
        "decoding changed"
    );
    // a display name with specials is shown quoted (issue 16 item 14), so
    // the real address is the one in the final angle brackets
    assert_eq!(
        m.from.as_deref(),
        Some(
            format!(
                "\"{}\" <alice@example.com>",
                HOSTILE_NAME.replace('"', "\\\"")
            )
            .as_str()
        )
    );
    r
}

/// No raw control character (or, except in JSON, which carries the exact
/// value for programs, bidi override) reaches the output.
fn no_raw_controls(format: &str, out: &str) {
    let bidi = if format.starts_with("json") {
        '\u{1b}'
    } else {
        '\u{202e}'
    };
    for c in ['\u{1b}', bidi, '\r'] {
        assert!(!out.contains(c), "{format}: raw {c:?} in output");
    }
}

#[test]
fn hostile_header_values_are_escaped_in_every_format() {
    let r = hostile();

    let text = render::text(&r);
    no_raw_controls("text", &text);
    assert!(
        !text.contains("\nInjected: yes"),
        "text: line break injected"
    );
    assert!(text.contains("\\u{1b}[31m\\u{202e}gnp.exe\\u{a}Injected: yes"));

    for (format, out) in [
        ("jsonl", render::jsonl_line(&r)),
        (
            "json",
            render::json(std::slice::from_ref(&r), &Default::default()),
        ),
    ] {
        no_raw_controls(format, &out);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let m = if format == "json" {
            &v["reports"][0]["message"]
        } else {
            &v["message"]
        };
        assert_eq!(m["subject"], HOSTILE_SUBJECT, "{format}: value changed");
    }
    let line = render::jsonl_line(&r);
    assert!(!line.contains('\n'), "jsonl: more than one line");

    let html = render::html(std::slice::from_ref(&r), None);
    no_raw_controls("html", &html);
    well_formed(&html);
    for bad in ["<script", "<img", "<b>", "<!--", "javascript:alert(1)\""] {
        assert!(!html.contains(bad), "html: {bad} in output");
    }
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(html.contains("&#39;leak/&lt;b&gt;it&#39;\\&#39;&#39;s&lt;/b&gt; $(touch pwned)"));

    let md = render::markdown(std::slice::from_ref(&r), None);
    no_raw_controls("markdown", &md);
    markdown_is_inert(&md);
    let rendered = markdown_to_html(&md);
    assert!(rendered.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(rendered.contains("[x](javascript:alert(1))"));
    assert!(rendered.contains("&lt;img src=x onerror=alert(1)&gt;"));
}

// ---------------------------------------------------------------- checkers

/// Renders Markdown with a CommonMark + GFM-tables parser.
fn markdown_to_html(md: &str) -> String {
    use pulldown_cmark::{Options, Parser, html};
    let mut out = String::new();
    html::push_html(
        &mut out,
        Parser::new_ext(md, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH),
    );
    out
}

/// The Markdown renders without raw HTML, images or links other than the
/// report's own anchors.
fn markdown_is_inert(md: &str) {
    let html = markdown_to_html(md);
    for bad in ["<script", "<img", "<b>", "<!--", "<strong>b</strong>"] {
        assert!(!html.contains(bad), "markdown renders {bad}: {html}");
    }
    for (i, _) in html.match_indices("<a ") {
        let rest = &html[i..];
        assert!(
            rest.starts_with("<a href=\"#message-"),
            "markdown renders a link: {}",
            &rest[..rest.len().min(80)]
        );
    }
    // every table row has as many cells as its header
    for table in html.split("<table>").skip(1) {
        let table = table.split("</table>").next().unwrap();
        let head = table.split("</tr>").next().unwrap();
        let header = head.matches("<th>").count() + head.matches("<th ").count();
        for row in table.split("<tr>").skip(2) {
            assert_eq!(row.matches("<td").count(), header, "table row: {row}");
        }
    }
}

const VOID: [&str; 6] = ["meta", "br", "hr", "img", "input", "link"];

/// A small structural check: tags balance, entities are the five we emit
/// (or numeric), no element or attribute fetches anything from outside the
/// document, and there are no scripts or event handlers.
fn well_formed(html: &str) {
    assert!(html.starts_with("<!DOCTYPE html>\n"));
    let mut stack: Vec<String> = Vec::new();
    let mut rest = html["<!DOCTYPE html>\n".len()..].to_string();
    while let Some(lt) = rest.find('<') {
        check_text(&rest[..lt]);
        let gt = rest[lt..].find('>').expect("unclosed tag") + lt;
        let tag = rest[lt + 1..gt].to_string();
        rest = rest[gt + 1..].to_string();
        if let Some(name) = tag.strip_prefix('/') {
            let open = stack
                .pop()
                .unwrap_or_else(|| panic!("</{name}> closes nothing"));
            assert_eq!(open, name, "</{name}> closes <{open}>");
            continue;
        }
        let name: String = tag
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        assert!(!name.is_empty(), "bad tag <{tag}>");
        assert_ne!(name, "script");
        check_attributes(&tag);
        if name == "style" {
            let end = rest.find("</style>").expect("unclosed style");
            let css = &rest[..end];
            assert!(
                !css.contains("url(") && !css.contains("@import"),
                "CSS fetches"
            );
            rest = rest[end + "</style>".len()..].to_string();
            continue;
        }
        if !VOID.contains(&name.as_str()) && !tag.ends_with('/') {
            stack.push(name);
        }
    }
    check_text(&rest);
    assert!(stack.is_empty(), "unclosed: {stack:?}");
}

fn check_text(text: &str) {
    assert!(!text.contains('>'), "raw > in text: {text}");
    for (i, _) in text.match_indices('&') {
        let t = &text[i..];
        assert!(
            ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"]
                .iter()
                .any(|e| t.starts_with(e)),
            "bare & in text: {}",
            &t[..t.len().min(20)]
        );
    }
}

fn check_attributes(tag: &str) {
    let mut s = tag;
    while let Some(eq) = s.find("=\"") {
        let name = s[..eq].rsplit(' ').next().unwrap().to_ascii_lowercase();
        let value_end = s[eq + 2..].find('"').expect("unclosed attribute") + eq + 2;
        let value = &s[eq + 2..value_end];
        assert!(!value.contains('<'), "< in attribute {name}");
        assert!(!name.starts_with("on"), "event handler {name}");
        if ["href", "src", "action", "xlink:href", "srcset", "poster"].contains(&name.as_str()) {
            assert!(
                value.starts_with('#'),
                "{name}=\"{value}\" leaves the document"
            );
        }
        let lower = value.to_ascii_lowercase();
        assert!(
            !lower.contains("http://") && !lower.contains("https://") && !lower.contains("url("),
            "{name}=\"{value}\" refers outside"
        );
        s = &s[value_end + 1..];
    }
}

#[test]
fn structural_check_can_fail() {
    for bad in [
        "<!DOCTYPE html>\n<p><b></p></b>",
        "<!DOCTYPE html>\n<p>",
        "<!DOCTYPE html>\n<img src=\"https://x/y.png\" />",
        "<!DOCTYPE html>\n<a href=\"//x.example/\">x</a>",
        "<!DOCTYPE html>\n<p>a & b</p>",
        "<!DOCTYPE html>\n<style>body{background:url(x.png)}</style>",
        "<!DOCTYPE html>\n<p onclick=\"x\">a</p>",
    ] {
        assert!(
            std::panic::catch_unwind(|| well_formed(bad)).is_err(),
            "accepted {bad}"
        );
    }
}

// ------------------------------------------------- one name per verdict

/// Every format names a verdict with the one label that `Verdict::label`
/// owns; none uses another verdict's name or an old synonym.
#[test]
fn each_verdict_has_one_name_in_every_format() {
    let unsigned = check("unsigned.eml", MESSAGE.as_bytes());
    let error = check("not-mail.eml", b"\x00\x01 binary");
    let mut all = scenarios();
    all.push(("unsigned", unsigned));
    all.push(("error", error));
    let synonyms = [
        "Cannot be checked",
        "Not signed",
        "Not checked",
        "Failed: altered or forged",
        "Weak signature: no proof",
    ];
    for (name, r) in &all {
        assert_eq!(r.verdict.as_str(), *name, "test bug: {r:#?}");
        let label = r.verdict.label();
        let text = render::text(r);
        let html = render::html(std::slice::from_ref(r), None);
        let md = render::markdown(std::slice::from_ref(r), None);
        assert!(
            text.lines()
                .next()
                .unwrap()
                .ends_with(&label.to_uppercase()),
            "{name}: {text}"
        );
        assert!(r.summary.starts_with(label), "{name}: {}", r.summary);
        assert!(html.contains(label), "{name}: html lacks {label}");
        assert!(md.contains(label), "{name}: markdown lacks {label}");
        for out in [&text, &html, &md] {
            for s in synonyms {
                assert!(!out.contains(s), "{name}: {s:?} in\n{out}");
            }
        }
    }
}

#[test]
fn worst_first_puts_failed_before_unverifiable() {
    let order = Verdict::WORST_FIRST;
    let at = |v: Verdict| order.iter().position(|x| *x == v).unwrap();
    assert_eq!(order[0], Verdict::Failed);
    assert!(at(Verdict::Failed) < at(Verdict::Unverifiable));
    assert!(at(Verdict::Unverifiable) < at(Verdict::Verified));
    assert_eq!(Verdict::Failed.worst_first_rank(), 0);
    let mut all = Verdict::ALL.to_vec();
    all.sort_by_key(|v| v.worst_first_rank());
    assert_eq!(all, order.to_vec());
}

/// A key's notes gathered from several sources (the built-in gmail.com
/// 20120113 key has two) are a row each in the technical appendix, not
/// one row with an escaped line end.
#[test]
fn key_notes_are_a_row_each() {
    let path = common::fixture("real-world/Meeting for coffee.eml");
    let bytes = std::fs::read(path).unwrap();
    let r = mailproof::Verifier::builder()
        .clock(mailproof::FixedClock(common::NOW))
        .build()
        .verify_bytes("m.eml", &bytes);
    let html = render::html(std::slice::from_ref(&r), None);
    assert!(!html.contains("\\u{a}"), "escaped line end in the notes");
    assert!(html.matches("Key notes").count() >= 2, "{html}");
}
