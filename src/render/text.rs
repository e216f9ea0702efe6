//! Plain text for a person at a terminal: the verdict first, then what the
//! signature proves and does not prove and the header block, then a line
//! "Technical details" with the words it uses explained, then the details.

use super::escape::terminal as esc;
use crate::report::{Report, Severity};
use std::fmt::Write;

/// Renders one report as text.
pub fn text(r: &Report) -> String {
    let (head, tail) = parts(r);
    match tail {
        Some(tail) => head + &glossary() + &tail,
        None => head,
    }
}

/// "Technical details", then the words the details use, explained
/// ([`super::glossary::GLOSSARY`]).
pub(crate) fn glossary() -> String {
    let mut o = String::from("\n  Technical details\n  -----------------\n  Words used below:\n");
    for (term, meaning) in super::glossary::GLOSSARY {
        let _ = writeln!(o, "  - {term}: {meaning}.");
    }
    o
}

/// The same line where a run prints several reports and explained the words
/// in the first.
pub(crate) const GLOSSARY_SEEN: &str = "\n  Technical details\n  -----------------\n  (the words used below are explained in the first message's technical details)\n";

/// [`text`] in two parts, split where the glossary goes: the verdict and the
/// account, then the technical details (`None` for an error report, which
/// has none).
pub(crate) fn parts(r: &Report) -> (String, Option<String>) {
    let mut o = String::new();
    let _ = writeln!(o, "{}: {}", esc(&r.source), r.label().to_uppercase());
    let _ = writeln!(o, "  {}", esc(&r.summary));
    if let Some(outer) = &r.found_in {
        let _ = writeln!(
            o,
            "  Found attached to {} (a forward, bounce or digest); this verdict is this attached message's own.",
            esc(outer)
        );
    }
    for c in &r.carries {
        let _ = writeln!(
            o,
            "  Carries {}: {}{}",
            esc(&c.source),
            c.verdict.label().to_uppercase(),
            c.subject
                .as_ref()
                .map(|s| format!(" (Subject: {})", esc(s)))
                .unwrap_or_default()
        );
    }
    if r.error.is_some() {
        // the summary above says why ("Not checked: ...")
        return (o, None);
    }
    if let Some(m) = &r.message {
        o.push('\n');
        // the displayed instance of these was added above the signed one
        let added: Vec<&str> = super::publish::reader_view(r)
            .into_iter()
            .filter(|row| row.coverage == super::publish::Coverage::AddedAfterSigning)
            .map(|row| row.name)
            .collect();
        for (label, v) in [
            ("From", &super::publish::from_words(m)),
            ("To", &m.to),
            ("Cc", &m.cc),
            ("Subject", &m.subject),
            ("Date", &m.date),
        ] {
            if let Some(v) = v {
                let _ = write!(o, "  {label:<8} {}", esc(v));
                if added.contains(&label) {
                    o.push_str("   <- ADDED AFTER SIGNING: not what the signature covers");
                }
                o.push('\n');
            }
        }
    }
    if let Some(w) = &r.time_window {
        let _ = writeln!(o, "\n  {}", esc(&super::document::time_window_line(w)));
    }
    list(&mut o, "What the signature proves", &r.proves);
    list(&mut o, "What it does not prove", &r.does_not_prove);
    let head = std::mem::take(&mut o);
    if let Some(f) = &r.forensics {
        coverage(&mut o, &f.coverage);
        timeline(&mut o, &f.timeline);
    }
    let n = r.signatures.len();
    if n > 0 {
        let _ = writeln!(
            o,
            "\n  {} ({n}):",
            if n == 1 { "Signature" } else { "Signatures" }
        );
        for s in &r.signatures {
            let _ = writeln!(
                o,
                "  #{} d={} s={} {}{}: {}",
                s.index,
                esc(&super::publish::signer_words(s)),
                esc(s.selector.as_deref().unwrap_or("(no s=)")),
                esc(s.algorithm.as_deref().unwrap_or("(no a=)")),
                s.canonicalization
                    .as_ref()
                    .map(|c| format!(" {c}"))
                    .unwrap_or_default(),
                super::publish::result_code(s)
            );
            let _ = writeln!(o, "     {}", esc(&s.detail));
            if let Some(k) = &s.key {
                let _ = writeln!(
                    o,
                    "     key: {} {} bits, sha256 {}, from {}{}",
                    k.key_type,
                    k.bits,
                    k.sha256,
                    esc(&k.provenance.source),
                    match (&k.provenance.first_seen, &k.provenance.last_seen) {
                        (Some(f), Some(l)) => format!(" (evidence {} to {})", esc(f), esc(l)),
                        _ if !k.provenance.from_this_message.is_empty() =>
                            " (no evidence independent of this message)".to_string(),
                        _ => String::new(),
                    }
                );
            }
        }
    }
    if !r.arc.sets.is_empty() {
        let _ = writeln!(
            o,
            "\n  ARC chain: {} ({})",
            r.arc.result.as_str(),
            esc(&r.arc.detail)
        );
        for set in &r.arc.sets {
            let dkim: Vec<String> = set
                .authentication_results
                .iter()
                .flat_map(|a| &a.dkim)
                .map(|d| match &d.domain {
                    Some(domain) => format!("dkim={} {domain}", d.result),
                    None => format!("dkim={}", d.result),
                })
                .collect();
            let _ = writeln!(
                o,
                "  i={} sealed by {} s={}: seal {}; recorded {}",
                set.instance,
                esc(set.domain.as_deref().unwrap_or("(no d=)")),
                esc(set.selector.as_deref().unwrap_or("(no s=)")),
                set.seal.result.map_or("not checked", |x| x.as_str()),
                if dkim.is_empty() {
                    "no dkim result".to_string()
                } else {
                    esc(&dkim.join(", "))
                }
            );
        }
    }
    if !r.findings.is_empty() {
        let _ = writeln!(o, "\n  Findings ({}):", r.findings.len());
        for f in &r.findings {
            let sev = match f.severity {
                Severity::Critical => "critical",
                Severity::Warning => "warning",
                Severity::Info => "info",
            };
            let which = f
                .signature
                .map(|i| format!(" (signature {i})"))
                .unwrap_or_default();
            let _ = writeln!(o, "  [{sev}] {}{which}: {}", f.code, esc(&f.message));
        }
    }
    if !r.repairs.is_empty() {
        let _ = writeln!(o, "\n  Repairs applied before verifying:");
        for rep in &r.repairs {
            let _ = writeln!(
                o,
                "  - {} (verified bytes sha256 {})",
                esc(&rep.description),
                rep.verified_sha256
            );
        }
    }
    let _ = writeln!(
        o,
        "\n  Input sha256 {} ({} bytes)",
        r.input_sha256, r.input_bytes
    );
    if let Some(t) = &r.verification_time {
        let _ = writeln!(
            o,
            "  Verification time {} (the clock of this run, or --at: give it as --at to repeat the run)",
            esc(t)
        );
    }
    (head, Some(o))
}

fn list(o: &mut String, title: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    let _ = writeln!(o, "\n  {title}:");
    for i in items {
        let _ = writeln!(o, "  - {}", esc(i));
    }
}

/// The coverage map: each visible header instance and the body, with status.
fn coverage(o: &mut String, c: &crate::report::forensics::Coverage) {
    let _ = writeln!(o, "\n  What a reader sees, and what the signatures cover:");
    for h in &c.headers {
        let status = match h.status.as_str() {
            "authenticated" => format!("authenticated (signature {})", join(&h.signatures)),
            "added_after_signing" => "ADDED AFTER SIGNING".to_string(),
            "weak_signature" => format!("signed, weak key (signature {})", join(&h.signatures)),
            _ => "not covered".to_string(),
        };
        let name = if h.instances > 1 {
            format!("{} ({} of {})", h.name, h.instance, h.instances)
        } else {
            h.name.clone()
        };
        let _ = writeln!(
            o,
            "  {:<16} {:<30} {}",
            esc(&name),
            status,
            esc(&if ADDRESS_FIELDS
                .iter()
                .any(|n| h.name.eq_ignore_ascii_case(n))
            {
                clip_keep_end(&h.value, 120)
            } else {
                clip(&h.value, 60)
            })
        );
    }
    let b = &c.body;
    let body = match b.status.as_str() {
        "authenticated" => format!(
            "authenticated: all {} bytes (signature {})",
            b.canonical_bytes.unwrap_or(0),
            b.signature.unwrap_or(0)
        ),
        "partially_authenticated" => format!(
            "PARTLY authenticated: the first {} of {} bytes after canonicalization (signature {}); the rest is not",
            b.signed_bytes.unwrap_or(0),
            b.canonical_bytes.unwrap_or(0),
            b.signature.unwrap_or(0)
        ),
        "changed" => "CHANGED after signing (body hash does not match)".to_string(),
        "weak_signature" => format!(
            "signed with a weak key (signature {}): proves nothing",
            b.signature.unwrap_or(0)
        ),
        "not_available" => {
            "not checked: this copy does not keep the body bytes that were signed".to_string()
        }
        _ => "not authenticated".to_string(),
    };
    let _ = writeln!(o, "  {:<16} {body}", "Body");
    for p in &b.parts {
        let _ = writeln!(
            o,
            "  {:<16} {} {} raw body bytes {}-{}: {}",
            "",
            esc(&p.content_type),
            p.filename
                .as_deref()
                .map(|f| format!("{:?}", esc(f)))
                .unwrap_or_default(),
            p.start,
            p.end,
            p.status.replace('_', " ")
        );
    }
}

/// The timeline, oldest first.
fn timeline(o: &mut String, t: &[crate::report::forensics::TimelineEntry]) {
    if t.is_empty() {
        return;
    }
    let _ = writeln!(o, "\n  Timeline (UTC):");
    for e in t {
        let _ = writeln!(
            o,
            "  {}  {}{}",
            e.time,
            esc(&e.source),
            if e.signed { " [signed]" } else { "" }
        );
    }
}

fn join(v: &[usize]) -> String {
    v.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Fields whose value ends with the real address, which clipping must keep.
const ADDRESS_FIELDS: [&str; 5] = ["From", "Sender", "Reply-To", "To", "Cc"];

/// `s` cut to about `n` characters in the middle, so that its end (the
/// address after a long display name) stays visible.
fn clip_keep_end(s: &str, n: usize) -> String {
    let count = s.chars().count();
    if count <= n {
        return s.to_string();
    }
    let head: String = s.chars().take(n / 3).collect();
    let tail: String = s.chars().skip(count - (n - n / 3)).collect();
    format!("{head}...{tail}")
}

fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}...", s.chars().take(n).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    /// A recorded result without a domain (`dkim=none`) is written without
    /// a placeholder for it.
    #[test]
    fn a_recorded_result_without_a_domain_has_no_placeholder() {
        let m = "ARC-Seal: i=1; a=rsa-sha256; cv=none; d=list.example; s=arc; t=1704067200; b=AAAA\r\n\
                 ARC-Message-Signature: i=1; a=rsa-sha256; c=relaxed/relaxed; d=list.example; s=arc; h=from; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=AAAA\r\n\
                 ARC-Authentication-Results: i=1; mx.list.example; dkim=none\r\n\
                 From: a@example.com\r\nSubject: s\r\n\r\nbody\r\n";
        let v = crate::Verifier::builder().builtin_archive(false).build();
        let t = super::text(&v.verify_bytes("m.eml", m.as_bytes()));
        let line = t.lines().find(|l| l.contains("i=1 sealed by")).expect(&t);
        assert!(line.ends_with("recorded dkim=none"), "{line}");
    }
}
