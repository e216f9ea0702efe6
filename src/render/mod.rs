//! Renderers: pure functions from reports to text, JSON and JSON Lines.
//!
//! Everything that came from a message is untrusted; each renderer escapes
//! it for its format (see [`escape`]).

pub mod escape;
mod summary;
mod text;

pub use summary::summary_text;
pub use text::text;

use crate::report::{Report, Verdict};
use serde::Serialize;

/// Settings recorded in a JSON document so that a run can be reproduced.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Settings {
    /// Key sources in the order consulted.
    pub key_sources: Vec<String>,
}

/// One JSON document for a whole run.
#[derive(Serialize)]
struct Document<'a> {
    schema_version: u32,
    tool: crate::report::ToolInfo,
    settings: &'a Settings,
    totals: std::collections::BTreeMap<&'static str, usize>,
    reports: &'a [Report],
}

/// One JSON object per line, one line per report (DESIGN.md `--format jsonl`).
pub fn jsonl_line(report: &Report) -> String {
    serde_json::to_string(report).expect("reports serialize")
}

/// One pretty-printed JSON document holding every report and the totals per verdict.
pub fn json(reports: &[Report], settings: &Settings) -> String {
    let totals = Verdict::ALL
        .iter()
        .map(|v| {
            (
                v.as_str(),
                reports.iter().filter(|r| r.verdict == *v).count(),
            )
        })
        .filter(|(_, n)| *n > 0)
        .collect();
    let doc = Document {
        schema_version: crate::SCHEMA_VERSION,
        tool: Default::default(),
        settings,
        totals,
        reports,
    };
    let mut s = serde_json::to_string_pretty(&doc).expect("reports serialize");
    s.push('\n');
    s
}
