//! A self-contained HTML report that a newsroom can publish unchanged.
//!
//! One file: inline CSS, no scripts, no fonts, images or any other request
//! (a Content-Security-Policy forbids them, should an escaping bug ever let
//! markup through); it renders offline and prints to PDF. Each message gets
//! its verdict in words (colour only repeats what the words say), what the
//! proof covers, the message as a reader sees it with each part marked,
//! signatures, findings, repairs, how to reproduce the result, and a
//! technical appendix. Every value from a message or a key archive goes
//! through [`escape::html`].
//!
//! Each section is one function, so new report fields (ARC, key time window,
//! header timeline) become one more function called from [`message`].

use super::escape::{html as e, html_block as block};
use super::overview::Overview;
use super::publish::{self, Coverage, Tone};
use crate::report::{Report, Verdict};
use std::fmt::Write;

const CSS: &str = include_str!("report.css");

/// Renders reports as one HTML document. `overview` adds the totals, signing
/// domains, missing keys and signing times of a multi-message run (it may
/// count more messages than `reports` holds when the per-message sections
/// were limited). For a run of any size without holding it, use
/// [`super::Writer`].
pub fn html(reports: &[Report], overview: Option<&Overview>) -> String {
    let parts = Parts {
        single_source: single_source(reports),
        overview,
        shown: reports.len(),
    };
    let mut o = String::new();
    front(&mut o, &parts);
    if parts.contents().is_some() {
        for (i, r) in reports.iter().enumerate() {
            contents_row(&mut o, r, i + 1);
        }
    }
    middle(&mut o, &parts);
    for (i, r) in reports.iter().enumerate() {
        message(&mut o, r, i + 1);
    }
    back(&mut o);
    o
}

/// The source of the only report, which names a one-message document.
fn single_source(reports: &[Report]) -> Option<&str> {
    match reports {
        [r] => Some(&r.source),
        _ => None,
    }
}

/// What the parts of a document around the contents rows and the message
/// sections depend on: the document is `front`, one contents row per shown
/// message, `middle`, one section per shown message, `back`.
pub(super) struct Parts<'a> {
    /// The source of the message when exactly one is shown.
    pub single_source: Option<&'a str>,
    /// The overview of all messages, when the document has one.
    pub overview: Option<&'a Overview>,
    /// Messages with a section (and a contents row).
    pub shown: usize,
}

impl Parts<'_> {
    /// The contents table's (shown, total) when the document has one.
    pub(super) fn contents(&self) -> Option<(usize, usize)> {
        match self.overview {
            Some(ov) if ov.messages > 0 => Some((self.shown, ov.messages)),
            Some(_) => None,
            None if self.shown > 1 => Some((self.shown, self.shown)),
            None => None,
        }
    }
}

/// Everything before the contents rows: head, introduction, overview and
/// the contents table's head.
pub(super) fn front(o: &mut String, p: &Parts) {
    head(o, p);
    intro(o);
    if let Some(ov) = p.overview {
        overview_sections(o, ov);
    }
    if let Some((shown, total)) = p.contents() {
        contents_open(o, shown, total);
    }
}

/// Everything between the contents rows and the message sections.
pub(super) fn middle(o: &mut String, p: &Parts) {
    if let Some((shown, _)) = p.contents() {
        o.push_str(if shown == 0 {
            "</nav>\n"
        } else {
            "</tbody>\n</table>\n</nav>\n"
        });
    }
}

/// Everything after the message sections.
pub(super) fn back(o: &mut String) {
    glossary(o);
    footer(o);
}

/// The technical terms, once per document.
fn glossary(o: &mut String) {
    o.push_str(
        "<section class=\"glossary\" id=\"glossary\">\n<h2>Words used in this report</h2>\n<dl>\n",
    );
    for (term, meaning) in super::glossary::GLOSSARY {
        let _ = writeln!(o, "<dt>{}</dt><dd>{}.</dd>", e(term), e(meaning));
    }
    o.push_str("</dl>\n</section>\n");
}

fn head(o: &mut String, p: &Parts) {
    let title = match (p.single_source, p.overview) {
        (Some(source), None) => format!("Email verification report: {source}"),
        _ => format!(
            "Email verification report: {} messages",
            p.overview.map_or(p.shown, |ov| ov.messages)
        ),
    };
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\" />\n\
         <meta name=\"generator\" content=\"mailproof {}\" />\n\
         <title>{}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n",
        e(crate::TOOL_VERSION),
        e(&title)
    );
}

fn intro(o: &mut String) {
    let _ = write!(
        o,
        "<header class=\"doc\">\n<h1>Email verification report</h1>\n\
         <p class=\"lede\">Mail servers sign outgoing email with the domain's private key (DKIM). \
         The sending domain publishes the matching public key. If a signature still matches, \
         the parts of the message it covers are as that domain's server signed them (up to the white-space changes the signature allows). \
         Keys are replaced every few years and old ones disappear, so this report checks \
         signatures against archived copies of the keys and says where each copy came from.</p>\n\
         <p class=\"meta\">Made with mailproof {} (report format {}). Nothing in this file is \
         loaded from the internet.</p>\n</header>\n",
        e(crate::TOOL_VERSION),
        crate::SCHEMA_VERSION
    );
}

fn footer(o: &mut String) {
    o.push_str(
        "<footer>\n<p>Values taken from the messages are shown as text exactly as decoded; \
         invisible control characters are shown as <code>\\u{..}</code>.</p>\n</footer>\n</body>\n</html>\n",
    );
}

// ---------------------------------------------------------------- overview

fn overview_sections(o: &mut String, ov: &Overview) {
    let _ = writeln!(
        o,
        "<section class=\"overview\" id=\"overview\">\n<h2>Overview of {} message{}</h2>",
        ov.messages,
        plural(ov.messages)
    );
    verdict_totals(o, ov);
    domains_table(o, ov);
    missing_keys(o, ov);
    signing_times(o, ov);
    o.push_str("</section>\n");
}

fn verdict_totals(o: &mut String, ov: &Overview) {
    o.push_str("<h3>Verdicts</h3>\n");
    let rows: Vec<(Verdict, usize)> = Verdict::ALL
        .iter()
        .filter_map(|v| ov.verdicts.get(v).map(|n| (*v, *n)))
        .collect();
    if rows.is_empty() {
        o.push_str("<p>No messages.</p>\n");
        return;
    }
    let max = rows.iter().map(|(_, n)| *n).max().unwrap_or(1).max(1);
    let (label_w, bar_w, row_h) = (300usize, 500usize, 28usize);
    let height = rows.len() * row_h + 4;
    let _ = writeln!(
        o,
        "<svg class=\"chart\" role=\"img\" aria-labelledby=\"chart-title\" viewBox=\"0 0 {} {height}\" width=\"100%\" preserveAspectRatio=\"xMinYMin meet\">\n<title id=\"chart-title\">Messages per verdict</title>",
        label_w + bar_w + 70
    );
    for (i, (v, n)) in rows.iter().enumerate() {
        let (label, tone, _) = publish::verdict_words(*v);
        let y = i * row_h + 2;
        let w = (n * bar_w).div_ceil(max).max(2);
        let _ = writeln!(
            o,
            "<g class=\"tone-{}\"><text x=\"0\" y=\"{}\">{}</text><rect class=\"bar\" x=\"{label_w}\" y=\"{}\" width=\"{w}\" height=\"{}\" /><text x=\"{}\" y=\"{}\">{n}</text></g>",
            tone.class(),
            y + 18,
            e(label),
            y + 4,
            row_h - 8,
            label_w + w + 8,
            y + 18
        );
    }
    o.push_str("</svg>\n<table class=\"totals\">\n<thead><tr><th scope=\"col\">Verdict</th><th scope=\"col\" class=\"num\">Messages</th><th scope=\"col\">What it means</th></tr></thead>\n<tbody>\n");
    for (v, n) in rows {
        let (label, tone, meaning) = publish::verdict_words(v);
        let _ = writeln!(
            o,
            "<tr><td>{}</td><td class=\"num\">{n}</td><td>{}</td></tr>",
            badge(label, tone),
            e(meaning)
        );
    }
    o.push_str("</tbody>\n</table>\n");
}

fn domains_table(o: &mut String, ov: &Overview) {
    if ov.domains.is_empty() {
        return;
    }
    o.push_str("<h3>Signing domains</h3>\n<table class=\"domains\">\n<thead><tr><th scope=\"col\">Domain</th><th scope=\"col\" class=\"num\">Messages</th><th scope=\"col\" class=\"num\">Signatures</th><th scope=\"col\">Results</th><th scope=\"col\">Selectors</th></tr></thead>\n<tbody>\n");
    for (d, c) in &ov.domains {
        let results = publish::result_counts(&c.results);
        let selectors: Vec<String> = c.selectors.iter().map(|s| e(s)).collect();
        let _ = writeln!(
            o,
            "<tr><td class=\"value\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"value\">{}</td></tr>",
            e(d),
            c.messages,
            c.signatures,
            e(&results),
            selectors.join(", ")
        );
    }
    o.push_str("</tbody>\n</table>\n");
}

fn missing_keys(o: &mut String, ov: &Overview) {
    let ranked = ov.missing_keys_ranked();
    if ranked.is_empty() {
        return;
    }
    o.push_str("<h3>Missing keys</h3>\n<p>No archive had these keys. Finding an archived copy of the first ones would let the most messages be checked.</p>\n<table class=\"missing\">\n<thead><tr><th scope=\"col\">Key record</th><th scope=\"col\" class=\"num\">Messages only this key can check</th><th scope=\"col\" class=\"num\">Messages that need it</th><th scope=\"col\">Signed between</th></tr></thead>\n<tbody>\n");
    for m in ranked {
        let _ = writeln!(
            o,
            "<tr><td class=\"value\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            e(&m.record),
            m.unlocks,
            m.messages,
            e(&publish::day_span(
                m.first_signed.as_deref(),
                m.last_signed.as_deref()
            ))
        );
    }
    o.push_str("</tbody>\n</table>\n<ul class=\"columns\">\n");
    for (column, meaning) in publish::MISSING_KEYS_COLUMNS {
        let _ = writeln!(
            o,
            "<li><strong>{}</strong>: {}.</li>",
            e(column),
            e(meaning)
        );
    }
    o.push_str("</ul>\n");
}

fn signing_times(o: &mut String, ov: &Overview) {
    let years = ov.years();
    if ov.signing_times.is_empty() {
        return;
    }
    let _ = write!(
        o,
        "<h3>Signing times per selector</h3>\n<p>{}</p>\n<table class=\"times\">\n<thead><tr><th scope=\"col\">Domain</th><th scope=\"col\">Selector</th><th scope=\"col\" class=\"num\">Signatures</th><th scope=\"col\">Per year</th></tr></thead>\n<tbody>\n",
        e(publish::SIGNING_TIMES_EXPLAINED)
    );
    let max = ov
        .signing_times
        .values()
        .flat_map(|t| t.per_year.values().copied())
        .max()
        .unwrap_or(1)
        .max(1);
    for ((domain, selector), t) in &ov.signing_times {
        let total: usize = t.per_year.values().sum::<usize>() + t.undated;
        let mut words: Vec<String> = t
            .per_year
            .iter()
            .map(|(y, n)| format!("{y}: {n}"))
            .collect();
        if t.undated > 0 {
            words.push(format!("no signing time: {}", t.undated));
        }
        let _ = writeln!(
            o,
            "<tr><td class=\"value\">{}</td><td class=\"value\">{}</td><td class=\"num\">{total}</td><td>{}<span class=\"years\">{}</span></td></tr>",
            e(domain),
            e(selector),
            histogram(&years, &t.per_year, max),
            words.join(", ")
        );
    }
    o.push_str("</tbody>\n</table>\n");
}

/// A small bar per year on a shared axis; the counts are also written out
/// beside it, so the chart is never the only carrier of the numbers.
fn histogram(
    years: &[i32],
    per_year: &std::collections::BTreeMap<i32, usize>,
    max: usize,
) -> String {
    if years.is_empty() {
        return String::new();
    }
    let (w, h) = (14usize, 24usize);
    let mut s = format!(
        "<svg class=\"hist\" aria-hidden=\"true\" viewBox=\"0 0 {} {}\" width=\"{}\" height=\"{}\">",
        years.len() * w,
        h + 1,
        years.len() * w,
        h + 1
    );
    for (i, y) in years.iter().enumerate() {
        let n = per_year.get(y).copied().unwrap_or(0);
        let bh = if n == 0 {
            0
        } else {
            (n * h).div_ceil(max).max(2)
        };
        let _ = write!(
            s,
            "<rect class=\"axis\" x=\"{}\" y=\"{h}\" width=\"{}\" height=\"1\" /><rect class=\"bar\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{bh}\" />",
            i * w,
            w,
            i * w + 1,
            h - bh,
            w - 2
        );
    }
    s.push_str("</svg>");
    s
}

/// The contents table's head: `shown` of `total` messages get a row.
fn contents_open(o: &mut String, shown: usize, total: usize) {
    o.push_str("<nav class=\"contents\" aria-label=\"Messages\">\n<h2>Messages</h2>\n");
    if shown < total {
        let _ = writeln!(
            o,
            "<p class=\"limit\">Showing the first {shown} of {total} messages (<code>--limit</code> sets how many).</p>"
        );
    }
    if shown > 0 {
        o.push_str("<table class=\"toc\">\n<thead><tr><th scope=\"col\" class=\"num\">#</th><th scope=\"col\">File</th><th scope=\"col\">Verdict</th><th scope=\"col\">Subject</th></tr></thead>\n<tbody>\n");
    }
}

/// The contents row of message `n` (1-based).
pub(super) fn contents_row(o: &mut String, r: &Report, n: usize) {
    let label = r.label();
    let tone = publish::report_tone(r);
    let subject = match publish::subject_or_why(r) {
        Ok(s) => format!("<td class=\"value\">{}</td>", e(s)),
        Err(why) => format!("<td class=\"absent\">{why}</td>"),
    };
    let _ = writeln!(
        o,
        "<tr><td class=\"num\"><a href=\"#msg-{n}\">{n}</a></td><td class=\"value\"><a href=\"#msg-{n}\">{}</a></td><td>{}</td>{subject}</tr>",
        e(&r.source),
        badge(label, tone),
    );
}

// ---------------------------------------------------------------- message

/// One message's section. New report sections are one more call here.
pub(super) fn message(o: &mut String, r: &Report, n: usize) {
    let _ = writeln!(
        o,
        "<section class=\"message\" id=\"msg-{n}\">\n<h2><span class=\"num\">Message {n}</span> <span class=\"source\">{}</span></h2>",
        e(&r.source)
    );
    banner(o, r);
    if let Some(err) = &r.error {
        let _ = writeln!(o, "<p>Why: {}</p>", e(err));
    } else {
        proof_reach(o, r);
        reader_view(o, r);
        when(o, r);
        signatures(o, r);
        findings(o, r);
        repairs(o, r);
    }
    reproduce(o, r);
    appendix(o, r);
    o.push_str("</section>\n");
}

fn badge(label: &str, tone: Tone) -> String {
    format!(
        "<span class=\"badge tone-{}\">{}</span>",
        tone.class(),
        e(label)
    )
}

fn banner(o: &mut String, r: &Report) {
    let label = r.label();
    let tone = publish::report_tone(r);
    let _ = writeln!(
        o,
        "<div class=\"banner tone-{}\">\n<p class=\"verdict\"><span class=\"label\">{}</span> <code class=\"code\">{}</code></p>\n<p class=\"summary\">{}</p>\n</div>",
        tone.class(),
        e(label),
        r.verdict.as_str(),
        e(&publish::summary(r)),
    );
}

fn proof_reach(o: &mut String, r: &Report) {
    o.push_str("<div class=\"reach\">\n<div class=\"proves\">\n<h3>What this proves</h3>\n");
    list_or(
        o,
        &r.proves,
        "Nothing about this message can be shown from its signatures.",
    );
    o.push_str("</div>\n<div class=\"not-proves\">\n<h3>What this does not prove</h3>\n");
    list_or(o, &r.does_not_prove, "See the findings below.");
    o.push_str("</div>\n</div>\n");
}

fn list_or(o: &mut String, items: &[String], empty: &str) {
    if items.is_empty() {
        let _ = writeln!(o, "<p>{}</p>", e(empty));
        return;
    }
    o.push_str("<ul>\n");
    for i in items {
        let _ = writeln!(o, "<li>{}</li>", e(i));
    }
    o.push_str("</ul>\n");
}

fn reader_view(o: &mut String, r: &Report) {
    o.push_str("<h3>The message as a reader sees it</h3>\n<table class=\"reader\">\n<thead><tr><th scope=\"col\">Part</th><th scope=\"col\">As shown</th><th scope=\"col\">Status</th></tr></thead>\n<tbody>\n");
    for row in publish::reader_view(r) {
        let (label, tone, why) = row.coverage.words();
        let value = match (&row.value, row.coverage) {
            (Some(v), _) if v.trim().is_empty() => "<td class=\"absent\">(empty)</td>".into(),
            (Some(v), _) => format!("<td class=\"value\">{}</td>", e(v)),
            (None, Coverage::NotPresent) => "<td class=\"absent\">(none)</td>".into(),
            (None, _) => {
                "<td class=\"absent\">(the text of the message is not reproduced here)</td>".into()
            }
        };
        let _ = writeln!(
            o,
            "<tr><th scope=\"row\">{}</th>{value}<td>{} <span class=\"why\">{}</span></td></tr>",
            row.name,
            badge(label, tone),
            e(why)
        );
    }
    o.push_str("</tbody>\n</table>\n");
}

/// The signing-time window and the ordered timeline of the message's timestamps.
fn when(o: &mut String, r: &Report) {
    let timeline = r
        .forensics
        .as_ref()
        .map(|f| &f.timeline[..])
        .unwrap_or_default();
    if r.time_window.is_none() && timeline.is_empty() {
        return;
    }
    o.push_str("<h3>When it was signed</h3>\n");
    if let Some(w) = &r.time_window {
        let _ = writeln!(o, "<p>{}</p>", e(&super::document::time_window_line(w)));
    }
    if !timeline.is_empty() {
        o.push_str("<table class=\"timeline\">\n<thead><tr><th scope=\"col\">Time (UTC)</th><th scope=\"col\">Source</th><th scope=\"col\">Signed?</th></tr></thead>\n<tbody>\n");
        for t in timeline {
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                e(&t.time),
                e(&t.source),
                if t.signed { "yes" } else { "no" }
            );
        }
        o.push_str("</tbody>\n</table>\n");
    }
}

fn signatures(o: &mut String, r: &Report) {
    if r.signatures.is_empty() {
        return;
    }
    let _ = writeln!(
        o,
        "<h3>Signature{}</h3>\n<table class=\"signatures\">\n<thead><tr><th scope=\"col\" class=\"num\">#</th><th scope=\"col\">Signed by</th><th scope=\"col\">Selector</th><th scope=\"col\">Result</th><th scope=\"col\">Method</th><th scope=\"col\">Key</th><th scope=\"col\">Key fingerprint (SHA-256)</th><th scope=\"col\">Where the key came from</th></tr></thead>\n<tbody>",
        plural(r.signatures.len())
    );
    for s in &r.signatures {
        let (label, tone) = publish::signature_words(s);
        let method = [s.algorithm.as_deref(), s.canonicalization.as_deref()]
            .into_iter()
            .flatten()
            .map(e)
            .collect::<Vec<_>>()
            .join("<br />");
        let (fp, from) = match &s.key {
            Some(k) => (
                format!("<code class=\"hash\">{}</code>", e(&k.sha256)),
                format!(
                    "{}{}",
                    e(&k.provenance.source),
                    publish::seen_words(s)
                        .map(|w| format!("<br /><span class=\"dates\">{}</span>", e(&w)))
                        .unwrap_or_default()
                ),
            ),
            None => ("—".into(), "no source had it".into()),
        };
        let _ = writeln!(
            o,
            "<tr><td class=\"num\">{}</td><td class=\"value\">{}</td><td class=\"value\">{}</td><td>{}</td><td class=\"small\">{method}</td><td>{}</td><td>{fp}</td><td>{from}</td></tr>",
            s.index,
            e(&publish::signer_words(s)),
            e(s.selector.as_deref().unwrap_or("(no s=)")),
            badge(label, tone),
            e(&publish::key_words(s))
        );
    }
    o.push_str("</tbody>\n</table>\n<ul class=\"details\">\n");
    for s in &r.signatures {
        let _ = writeln!(o, "<li>Signature {}: {}</li>", s.index, e(&s.detail));
    }
    o.push_str("</ul>\n");
}

fn findings(o: &mut String, r: &Report) {
    if r.findings.is_empty() {
        return;
    }
    o.push_str("<h3>Findings</h3>\n<ul class=\"findings\">\n");
    for f in &r.findings {
        let (label, tone) = publish::severity_words(f.severity);
        let sig = f
            .signature
            .map(|i| format!(" (signature {i})"))
            .unwrap_or_default();
        let _ = writeln!(
            o,
            "<li>{} {}{sig} <code class=\"code\">{}</code></li>",
            badge(label, tone),
            e(&f.message),
            e(&f.code)
        );
    }
    o.push_str("</ul>\n");
}

fn repairs(o: &mut String, r: &Report) {
    if r.repairs.is_empty() {
        return;
    }
    o.push_str("<h3>Repairs applied</h3>\n<p>The file as saved did not verify; it did after these standard repairs of damage that saving and forwarding cause. Each step is listed with the fingerprint of the bytes before and after it.</p>\n<table class=\"repairs\">\n<thead><tr><th scope=\"col\">What was done</th><th scope=\"col\">SHA-256 before</th><th scope=\"col\">SHA-256 after</th></tr></thead>\n<tbody>\n");
    let mut before = r.input_sha256.clone();
    for rep in &r.repairs {
        let _ = writeln!(
            o,
            "<tr><td>{}</td><td><code class=\"hash\">{}</code></td><td><code class=\"hash\">{}</code></td></tr>",
            e(&rep.description),
            e(&before),
            e(&rep.verified_sha256)
        );
        before = rep.verified_sha256.clone();
    }
    o.push_str("</tbody>\n</table>\n");
}

fn reproduce(o: &mut String, r: &Report) {
    let rep = publish::reproduce(r);
    let _ = writeln!(
        o,
        "<h3>Reproduce this</h3>\n<ol class=\"steps\">\n<li>{} Its SHA-256 fingerprint must be <code class=\"hash\">{}</code> ({} bytes):\n<pre>{}</pre>{}</li>",
        e(rep.first_step),
        e(&r.input_sha256),
        r.input_bytes,
        block(&rep.checksum),
        rep.limits
            .map(|l| format!("\n<p>{}</p>", e(l)))
            .unwrap_or_default()
    );
    if !rep.zone.is_empty() {
        let _ = writeln!(
            o,
            "<li>Save the key record{} used as <code>{}</code> (DNS zone-file lines):\n<pre>{}</pre></li>",
            plural(
                rep.zone
                    .lines()
                    .filter(|l| l.starts_with("; signature "))
                    .count()
            ),
            publish::ZONE_FILE,
            block(&rep.zone)
        );
    }
    let _ = writeln!(
        o,
        "<li>Run mailproof{}; it reports the verdict <code>{}</code>:\n<pre>{}</pre></li>",
        if rep.zone.is_empty() {
            " (no archive had a key, so this only shows the same outcome)"
        } else {
            " with only those keys"
        },
        r.verdict.as_str(),
        block(&rep.command)
    );
    if let Some(py) = &rep.dkimpy {
        let _ = writeln!(
            o,
            "<li>Check with a different program, dkimpy, using the same key records without going online (it prints <code>True</code> for a signature that verifies):\n<pre>{}</pre></li>",
            block(py)
        );
    }
    o.push_str("</ol>\n");
}

fn appendix(o: &mut String, r: &Report) {
    o.push_str("<details class=\"appendix\">\n<summary>Technical details</summary>\n");
    for s in &r.signatures {
        let _ = writeln!(o, "<h4>Signature {}</h4>", s.index);
        definitions(o, &publish::technical_rows(s));
    }
    o.push_str("<h4>Report</h4>\n");
    definitions(o, &publish::report_rows(r));
    o.push_str("</details>\n");
}

fn definitions(o: &mut String, rows: &[(&str, String)]) {
    o.push_str("<dl>\n");
    for (k, v) in rows {
        let _ = writeln!(o, "<dt>{}</dt><dd>{}</dd>", e(k), e(v));
    }
    o.push_str("</dl>\n");
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
