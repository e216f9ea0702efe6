//! The publishable report as GitHub-flavoured Markdown, for a newsroom CMS.
//!
//! Same content as the HTML report ([`super::html`]), in the same order,
//! with the wording from [`super::publish`]. Message values go through
//! [`escape::markdown`] (text) or [`escape::markdown_code`] (literal values
//! such as addresses and file names), so nothing from a message becomes
//! markup, raw HTML or a link. Code blocks use a fence longer than any
//! backtick run inside them. No raw HTML is emitted: the technical details
//! are a plain appendix section.

use super::escape::{self, markdown_code as code};
use super::overview::Overview;
use super::publish::{self, Coverage};
use crate::report::{Report, Verdict};
use std::fmt::Write;

fn t(s: &str) -> String {
    escape::markdown(s, false)
}

fn cell(s: &str) -> String {
    escape::markdown(s, true)
}

/// Renders reports as one Markdown document (see [`super::html`] for
/// `overview`; [`super::Writer`] streams a run of any size).
pub fn markdown(reports: &[Report], overview: Option<&Overview>) -> String {
    let mut o = String::new();
    front(&mut o, overview, reports.len());
    if has_contents(overview, reports.len()) {
        for (i, r) in reports.iter().enumerate() {
            contents_row(&mut o, r, i + 1);
        }
    }
    for (i, r) in reports.iter().enumerate() {
        message(&mut o, r, i + 1);
    }
    back(&mut o);
    o
}

/// Everything after the message sections: the technical terms, once per
/// document.
pub(super) fn back(o: &mut String) {
    o.push_str("\n## Words used in this report\n\n");
    for (term, meaning) in super::glossary::GLOSSARY {
        let _ = writeln!(o, "- **{}**: {}.", t(term), t(meaning));
    }
}

/// Everything before the contents rows: introduction, overview and the
/// contents table's head. The document is `front`, one contents row per
/// shown message, then one section per shown message.
pub(super) fn front(o: &mut String, overview: Option<&Overview>, shown: usize) {
    intro(o);
    if let Some(ov) = overview {
        overview_sections(o, ov);
        contents_open(o, shown, ov.messages);
    } else if shown > 1 {
        contents_open(o, shown, shown);
    }
}

fn intro(o: &mut String) {
    let _ = write!(
        o,
        "# Email verification report\n\n\
         Mail servers sign outgoing email with the domain's private key (DKIM). The sending domain \
         publishes the matching public key. If a signature still matches, the parts of the \
         message it covers are as that domain's server signed them (up to the white-space changes the signature allows). Keys are replaced \
         every few years and old ones disappear, so this report checks signatures against \
         archived copies of the keys and says where each copy came from.\n\n\
         *Made with mailproof {} (report format {}).*\n",
        crate::TOOL_VERSION,
        crate::SCHEMA_VERSION
    );
}

// ---------------------------------------------------------------- overview

fn overview_sections(o: &mut String, ov: &Overview) {
    let _ = writeln!(
        o,
        "\n## Overview of {} message{}\n\n### Verdicts\n",
        ov.messages,
        plural(ov.messages)
    );
    let max = ov.verdicts.values().copied().max().unwrap_or(1).max(1);
    o.push_str("| Verdict | Messages | | What it means |\n|---|---:|---|---|\n");
    for v in Verdict::ALL {
        let Some(n) = ov.verdicts.get(&v) else {
            continue;
        };
        let (label, _, meaning) = publish::verdict_words(v);
        let bar = "█".repeat((n * 20).div_ceil(max));
        let _ = writeln!(
            o,
            "| **{}** | {n} | {bar} | {} |",
            cell(label),
            cell(meaning)
        );
    }
    domains(o, ov);
    missing_keys(o, ov);
    signing_times(o, ov);
}

fn domains(o: &mut String, ov: &Overview) {
    if ov.domains.is_empty() {
        return;
    }
    o.push_str("\n### Signing domains\n\n| Domain | Messages | Signatures | Results | Selectors |\n|---|---:|---:|---|---|\n");
    for (d, c) in &ov.domains {
        let results = publish::result_counts(&c.results);
        let selectors: Vec<String> = c.selectors.iter().map(|s| code(s, true)).collect();
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} |",
            code(d, true),
            c.messages,
            c.signatures,
            cell(&results),
            selectors.join(", ")
        );
    }
}

fn missing_keys(o: &mut String, ov: &Overview) {
    let ranked = ov.missing_keys_ranked();
    if ranked.is_empty() {
        return;
    }
    o.push_str("\n### Missing keys\n\nNo archive had these keys. Finding an archived copy of the first ones would let the most messages be checked.\n\n| Key record | Messages only this key can check | Messages that need it | Signed between |\n|---|---:|---:|---|\n");
    for m in ranked {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} |",
            code(&m.record, true),
            m.unlocks,
            m.messages,
            cell(&publish::day_span(
                m.first_signed.as_deref(),
                m.last_signed.as_deref()
            ))
        );
    }
    o.push('\n');
    for (column, meaning) in publish::MISSING_KEYS_COLUMNS {
        let _ = writeln!(o, "- **{column}**: {meaning}.");
    }
}

fn signing_times(o: &mut String, ov: &Overview) {
    if ov.signing_times.is_empty() {
        return;
    }
    let _ = write!(
        o,
        "\n### Signing times per selector\n\n{}\n\n",
        publish::SIGNING_TIMES_EXPLAINED
    );
    o.push_str("| Domain | Selector | Signatures | Per year |\n|---|---|---:|---|\n");
    for ((domain, selector), times) in &ov.signing_times {
        let total: usize = times.per_year.values().sum::<usize>() + times.undated;
        let mut words: Vec<String> = times
            .per_year
            .iter()
            .map(|(y, n)| format!("{y}: {n}"))
            .collect();
        if times.undated > 0 {
            words.push(format!("no signing time: {}", times.undated));
        }
        let _ = writeln!(
            o,
            "| {} | {} | {total} | {} |",
            code(domain, true),
            code(selector, true),
            words.join(", ")
        );
    }
}

/// Whether the document has a contents table (and so contents rows).
pub(super) fn has_contents(overview: Option<&Overview>, shown: usize) -> bool {
    match overview {
        Some(ov) => ov.messages > 0 && shown > 0,
        None => shown > 1,
    }
}

/// The contents table's head: `shown` of `total` messages get a row.
fn contents_open(o: &mut String, shown: usize, total: usize) {
    if total == 0 {
        return;
    }
    o.push_str("\n## Messages\n\n");
    if shown < total {
        let _ = writeln!(
            o,
            "Showing the first {shown} of {total} messages (`--limit` sets how many).\n"
        );
    }
    if shown > 0 {
        o.push_str("| # | File | Verdict | Subject |\n|---:|---|---|---|\n");
    }
}

/// The contents row of message `n` (1-based).
pub(super) fn contents_row(o: &mut String, r: &Report, n: usize) {
    let label = r.label();
    let subject = match publish::subject_or_why(r) {
        Ok(s) => code(s, true),
        Err(why) => format!("*{why}*"),
    };
    let _ = writeln!(
        o,
        "| [{n}](#message-{n}) | {} | {} | {subject} |",
        code(&r.source, true),
        cell(label),
    );
}

// ---------------------------------------------------------------- message

/// One message's section. New report sections are one more call here.
pub(super) fn message(o: &mut String, r: &Report, n: usize) {
    // GitHub derives the anchor `message-N` from this heading; the file
    // name is on its own line so that it cannot change the anchor.
    let _ = writeln!(o, "\n## Message {n}\n\nFile: {}\n", code(&r.source, false));
    banner(o, r);
    if let Some(err) = &r.error {
        let _ = writeln!(o, "\nWhy: {}", t(err));
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
    o.push_str("\n### When it was signed\n\n");
    if let Some(w) = &r.time_window {
        let _ = writeln!(o, "{}\n", t(&super::document::time_window_line(w)));
    }
    if !timeline.is_empty() {
        o.push_str("| Time (UTC) | Source | Signed? |\n|---|---|---|\n");
        for e in timeline {
            let _ = writeln!(
                o,
                "| {} | {} | {} |",
                super::escape::markdown(&e.time, true),
                super::escape::markdown(&e.source, true),
                if e.signed { "yes" } else { "no" }
            );
        }
    }
}

fn banner(o: &mut String, r: &Report) {
    let label = r.label();
    let _ = writeln!(
        o,
        "> **{}** (`{}`)\n>\n> {}",
        t(label),
        r.verdict.as_str(),
        t(&publish::summary(r))
    );
}

fn proof_reach(o: &mut String, r: &Report) {
    o.push_str("\n### What this proves\n\n");
    list_or(
        o,
        &r.proves,
        "Nothing about this message can be shown from its signatures.",
    );
    o.push_str("\n### What this does not prove\n\n");
    list_or(o, &r.does_not_prove, "See the findings below.");
}

fn list_or(o: &mut String, items: &[String], empty: &str) {
    if items.is_empty() {
        let _ = writeln!(o, "{}", t(empty));
        return;
    }
    for i in items {
        let _ = writeln!(o, "- {}", t(i));
    }
}

fn reader_view(o: &mut String, r: &Report) {
    o.push_str(
        "\n### The message as a reader sees it\n\n| Part | As shown | Status |\n|---|---|---|\n",
    );
    for row in publish::reader_view(r) {
        let (label, _, why) = row.coverage.words();
        let value = match (&row.value, row.coverage) {
            (Some(v), _) if v.trim().is_empty() => "*(empty)*".into(),
            (Some(v), _) => code(v, true),
            (None, Coverage::NotPresent) => "*(none)*".into(),
            (None, _) => "*(the text of the message is not reproduced here)*".into(),
        };
        let _ = writeln!(
            o,
            "| **{}** | {value} | **{}**: {} |",
            row.name,
            cell(label),
            cell(why)
        );
    }
}

fn signatures(o: &mut String, r: &Report) {
    if r.signatures.is_empty() {
        return;
    }
    let _ = writeln!(
        o,
        "\n### Signature{}\n\n| # | Signed by | Selector | Result | Method | Key | Key fingerprint (SHA-256) | Where the key came from |\n|---:|---|---|---|---|---|---|---|",
        plural(r.signatures.len())
    );
    for s in &r.signatures {
        let (label, _) = publish::signature_words(s);
        let method = [s.algorithm.as_deref(), s.canonicalization.as_deref()]
            .into_iter()
            .flatten()
            .map(cell)
            .collect::<Vec<_>>()
            .join(", ");
        let (fp, from) = match &s.key {
            Some(k) => (
                format!("`{}`", cell(&k.sha256)),
                format!(
                    "{}{}",
                    cell(&k.provenance.source),
                    publish::seen_words(s)
                        .map(|w| format!(" ({})", cell(&w)))
                        .unwrap_or_default()
                ),
            ),
            None => ("—".into(), "no source had it".into()),
        };
        let _ = writeln!(
            o,
            "| {} | {} | {} | **{}** | {method} | {} | {fp} | {from} |",
            s.index,
            code(&publish::signer_words(s), true),
            code(s.selector.as_deref().unwrap_or("(no s=)"), true),
            cell(label),
            cell(&publish::key_words(s))
        );
    }
    o.push('\n');
    for s in &r.signatures {
        let _ = writeln!(o, "- Signature {}: {}", s.index, t(&s.detail));
    }
}

fn findings(o: &mut String, r: &Report) {
    if r.findings.is_empty() {
        return;
    }
    o.push_str("\n### Findings\n\n");
    for f in &r.findings {
        let (label, _) = publish::severity_words(f.severity);
        let sig = f
            .signature
            .map(|i| format!(" (signature {i})"))
            .unwrap_or_default();
        let _ = writeln!(
            o,
            "- **{label}**: {}{sig} {}",
            t(&f.message),
            code(&f.code, false)
        );
    }
}

fn repairs(o: &mut String, r: &Report) {
    if r.repairs.is_empty() {
        return;
    }
    o.push_str("\n### Repairs applied\n\nThe file as saved did not verify; it did after these standard repairs of damage that saving and forwarding cause.\n\n| What was done | SHA-256 before | SHA-256 after |\n|---|---|---|\n");
    let mut before = r.input_sha256.clone();
    for rep in &r.repairs {
        let _ = writeln!(
            o,
            "| {} | {} | {} |",
            cell(&rep.description),
            code(&before, true),
            code(&rep.verified_sha256, true)
        );
        before = rep.verified_sha256.clone();
    }
}

/// A fenced code block whose fence no line of `body` can close.
fn block(lang: &str, body: &str) -> String {
    let longest = body.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    format!("{fence}{lang}\n{}\n{fence}\n", body.trim_end_matches('\n'))
}

fn reproduce(o: &mut String, r: &Report) {
    let rep = publish::reproduce(r);
    let _ = writeln!(
        o,
        "\n### Reproduce this\n\n1. {} Its SHA-256 fingerprint must be `{}` ({} bytes):\n\n{}",
        t(rep.first_step),
        cell(&r.input_sha256),
        r.input_bytes,
        indent(&block("sh", &rep.checksum))
    );
    if let Some(limits) = rep.limits {
        let _ = writeln!(o, "   {}\n", t(limits));
    }
    let mut step = 2;
    if !rep.zone.is_empty() {
        let _ = writeln!(
            o,
            "{step}. Save the key record{} used as `{}` (DNS zone-file lines):\n\n{}",
            plural(
                rep.zone
                    .lines()
                    .filter(|l| l.starts_with("; signature "))
                    .count()
            ),
            publish::ZONE_FILE,
            indent(&block("dns", &rep.zone))
        );
        step += 1;
    }
    let _ = writeln!(
        o,
        "{step}. Run mailproof{}; it reports the verdict `{}`:\n\n{}",
        if rep.zone.is_empty() {
            " (no archive had a key, so this only shows the same outcome)"
        } else {
            " with only those keys"
        },
        r.verdict.as_str(),
        indent(&block("sh", &rep.command))
    );
    if let Some(py) = &rep.dkimpy {
        let _ = writeln!(
            o,
            "{}. Check with a different program, dkimpy, using the same key records without going online (it prints `True` for a signature that verifies):\n\n{}",
            step + 1,
            indent(&block("python", py))
        );
    }
}

fn indent(s: &str) -> String {
    s.lines()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("   {l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

fn appendix(o: &mut String, r: &Report) {
    let _ = writeln!(o, "\n### Technical details\n");
    for s in &r.signatures {
        let _ = writeln!(o, "#### Signature {}\n", s.index);
        definitions(o, &publish::technical_rows(s));
    }
    o.push_str("#### Report\n\n");
    definitions(o, &publish::report_rows(r));
}

fn definitions(o: &mut String, rows: &[(&str, String)]) {
    o.push_str("| Field | Value |\n|---|---|\n");
    for (k, v) in rows {
        let _ = writeln!(o, "| {} | {} |", cell(k), code(v, true));
    }
    o.push('\n');
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
