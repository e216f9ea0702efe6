//! Plain text for a person at a terminal: the verdict first, then what the
//! signature proves and does not prove, then the details.

use super::escape::terminal as esc;
use crate::report::{Report, Severity};
use std::fmt::Write;

/// Renders one report as text.
pub fn text(r: &Report) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{}: {}",
        esc(&r.source),
        r.verdict.as_str().to_uppercase().replace('_', " ")
    );
    let _ = writeln!(o, "  {}", esc(&r.summary));
    if let Some(e) = &r.error {
        let _ = writeln!(o, "  Error: {}", esc(e));
        return o;
    }
    if let Some(m) = &r.message {
        o.push('\n');
        for (label, v) in [
            ("From", &m.from),
            ("To", &m.to),
            ("Cc", &m.cc),
            ("Subject", &m.subject),
            ("Date", &m.date),
        ] {
            if let Some(v) = v {
                let _ = writeln!(o, "  {label:<8} {}", esc(v));
            }
        }
    }
    list(&mut o, "What the signature proves", &r.proves);
    list(&mut o, "What it does not prove", &r.does_not_prove);
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
                esc(s.domain.as_deref().unwrap_or("?")),
                esc(s.selector.as_deref().unwrap_or("?")),
                esc(s.algorithm.as_deref().unwrap_or("?")),
                s.canonicalization
                    .as_ref()
                    .map(|c| format!(" {c}"))
                    .unwrap_or_default(),
                s.result.as_str()
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
                .map(|d| format!("dkim={} {}", d.result, d.domain.as_deref().unwrap_or("?")))
                .collect();
            let _ = writeln!(
                o,
                "  i={} sealed by {} s={}: seal {}; recorded {}",
                set.instance,
                esc(set.domain.as_deref().unwrap_or("?")),
                esc(set.selector.as_deref().unwrap_or("?")),
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
            let _ = writeln!(o, "  [{sev}] {}: {}", f.code, esc(&f.message));
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
    o
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
