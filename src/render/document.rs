//! The JSON document and JSONL record of a run, the run's settings, and the
//! one sentence for a time window that every renderer prints.

use crate::report::Report;
use serde::Serialize;

/// Settings recorded in a JSON document so that a run can be reproduced.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Settings {
    /// Key sources in the order consulted.
    pub key_sources: Vec<String>,
    /// The verification time of the run, RFC 3339 UTC: `verify --at`, or
    /// the clock when the run started (then a timestamp field, different
    /// on every run). `None` where the reports were judged at different
    /// times (the web page): each report has its own `verification_time`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification_time: Option<String>,
}

/// The time window in one sentence: "Signed between A (how) and B (how)."
pub fn time_window_line(w: &crate::report::TimeWindow) -> String {
    let before = match (&w.not_before, &w.not_before_source) {
        (Some(a), Some(how)) => Some(format!("{a} ({how})")),
        _ => None,
    };
    let after = match (&w.not_after, &w.not_after_source) {
        (Some(a), Some(how)) => Some(format!("{a} ({how})")),
        _ => None,
    };
    let mut s = match (before, after) {
        (Some(b), Some(a)) => format!("Signed between {b} and {a}."),
        (Some(b), None) => format!(
            "Signed after {b}; no later bound (no Received header with a readable date, no x=)."
        ),
        (None, Some(a)) => format!("Signed before {a}."),
        (None, None) => "No evidence bounds the signing time.".to_string(),
    };
    match (&w.key_first_seen, &w.key_last_seen) {
        (Some(f), Some(l)) if f == l => {
            s.push_str(&format!(" The archive has evidence of the key on {f}."))
        }
        (Some(f), Some(l)) => s.push_str(&format!(
            " The archive has evidence of the key from {f} to {l}."
        )),
        (Some(f), None) => s.push_str(&format!(" The archive has evidence of the key from {f}.")),
        (None, Some(l)) => s.push_str(&format!(" The archive has evidence of the key up to {l}.")),
        (None, None) => {}
    }
    for n in &w.notes {
        s.push_str(&format!(" Note: {n}."));
    }
    s
}

/// One JSON object per line, one line per report (DESIGN.md `--format jsonl`).
/// Hidden characters are escaped as `\uXXXX` (module `json`).
pub fn jsonl_line(report: &Report) -> String {
    super::json::to_string(report)
}
