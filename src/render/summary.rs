//! Text rendering of a batch [`Summary`]: verdict counts first, then the
//! keys worth looking for, then the signers and their rotation timeline.

use super::escape::terminal;
use crate::report::Verdict;
use crate::summary::{Span, Summary, rank};
use std::fmt::Write;

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// "signed 2016-03-19 to 2016-04-02" (or one day), from `t=` or the
/// reports' time windows ([`crate::summary::Entry::signing_span`]).
fn span(s: &Span) -> String {
    let day = |t: &Option<String>| {
        t.as_deref()
            .map(|t| t.get(..10).unwrap_or(t).to_string())
            .unwrap_or_else(|| "an unknown date".into())
    };
    if s.first.is_none() {
        return "signing time unknown (no t=, no time window)".into();
    }
    let (first, last) = (day(&s.first), day(&s.last));
    if first == last {
        format!("signed {first}")
    } else {
        format!("signed {first} to {last}")
    }
}

/// The counts per verdict in one line, for stderr after a run of several
/// messages: "6 messages: 1 verified, 1 headers_verified, 4 failed."
pub fn tally_line(s: &Summary) -> String {
    let counts: Vec<String> = Verdict::ALL
        .iter()
        .filter_map(|v| {
            let n = s.count(*v);
            (n > 0).then(|| format!("{n} {}", v.as_str()))
        })
        .collect();
    format!(
        "{}: {}.",
        plural(s.messages, "message", "messages"),
        if counts.is_empty() {
            "none".to_string()
        } else {
            counts.join(", ")
        }
    )
}

/// The summary as text for a terminal (message-derived names escaped).
pub fn summary_text(s: &Summary) -> String {
    let mut o = String::new();
    let verified = s.count(Verdict::Verified);
    let _ = writeln!(
        o,
        "{} checked, {} verified.",
        plural(s.messages, "message", "messages"),
        verified
    );
    if s.duplicates_ignored > 0 {
        let _ = writeln!(
            o,
            "{} counted once.",
            plural(
                s.duplicates_ignored,
                "duplicate record",
                "duplicate records"
            )
        );
    }
    let _ = writeln!(o, "\nVerdicts:");
    for v in Verdict::ALL {
        let n = s.count(v);
        if n > 0 {
            let _ = writeln!(o, "  {:<20} {n:>9}", v.as_str());
        }
    }
    let ranked = rank(&s.missing_keys);
    let missing: Vec<_> = ranked.iter().filter(|k| k.still_missing()).collect();
    if !missing.is_empty() {
        let _ = writeln!(o, "\nMissing keys (find these to check more messages):");
        let _ = writeln!(
            o,
            "  (messages: how many have a signature needing the key; nothing else to check: of those, how many no other signature could check, so the key alone decides them; signed: t=, else the reports' time windows)"
        );
        for k in missing.iter().take(20) {
            let _ = write!(
                o,
                "  {}: {} ({} with nothing else to check), {}",
                terminal(&k.record),
                plural(k.messages, "message", "messages"),
                k.unverifiable_messages,
                span(&k.signed)
            );
            if let Some(why) = &k.not_recovered {
                let _ = write!(o, "; not recovered: {}", terminal(why));
            }
            o.push('\n');
        }
        if missing.len() > 20 {
            let _ = writeln!(o, "  ... and {} more", missing.len() - 20);
        }
    }
    let recovered: Vec<_> = ranked
        .iter()
        .filter(|k| !k.recovered_keys.is_empty())
        .collect();
    if !recovered.is_empty() {
        let _ = writeln!(
            o,
            "\nRecovered keys (recomputed from signatures, in this run or earlier from public messages; no record the domain published ties them to it: they show one signer, not that it was the domain):"
        );
        for k in recovered.iter().take(20) {
            let _ = writeln!(
                o,
                "  {}: {} verified with {} {}{}",
                terminal(&k.record),
                plural(k.recovered_messages, "message", "messages"),
                if k.recovered_keys.len() == 1 {
                    "key"
                } else {
                    "keys"
                },
                k.recovered_keys
                    .iter()
                    .map(|f| format!("SHA-256 {}", terminal(f)))
                    .collect::<Vec<_>>()
                    .join(", "),
                if k.still_missing() {
                    "; other signatures still need a key (above)"
                } else {
                    ""
                }
            );
        }
        if recovered.len() > 20 {
            let _ = writeln!(o, "  ... and {} more", recovered.len() - 20);
        }
    }
    if !s.findings.is_empty() {
        let _ = writeln!(o, "\nFindings (messages):");
        for (code, n) in &s.findings {
            let _ = writeln!(o, "  {:<28} {n:>9}", terminal(code));
        }
    }
    if !s.domains.is_empty() {
        let _ = writeln!(o, "\nSigners:");
        for (d, sels) in &s.domains {
            for (sel, st) in sels {
                let results: Vec<String> =
                    st.results.iter().map(|(r, n)| format!("{r} {n}")).collect();
                let _ = writeln!(
                    o,
                    "  {}: {}, {} ({})",
                    terminal(&crate::keys::record_name(d, sel)),
                    plural(st.signatures, "signature", "signatures"),
                    span(&st.signed),
                    results.join(", ")
                );
                for (fp, p) in &st.keys {
                    let _ = writeln!(
                        o,
                        "    key {}… ({} bits) verified {}, {}",
                        fp.get(..16).unwrap_or(fp),
                        p.bits,
                        plural(p.verified, "signature", "signatures"),
                        span(&p.signed)
                    );
                }
            }
        }
    }
    o
}
