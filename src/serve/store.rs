//! Results kept in memory so the page can show and download them: the
//! reports of the last uploads, under unguessable ids, within a byte budget.
//! Nothing is written to disk, and the message bytes themselves are not
//! kept.
//!
//! Each report is cut to fit before it is kept ([`compact`]): text values
//! longer than a cap end in a visible "…cut", long lists (header fields,
//! Received hops, timeline) keep their first entries, and a finding
//! `cut_by_serve` says what was left out. The store then drops the oldest
//! uploads first until the new one fits ([`Store::insert`]).

use crate::Report;
use crate::report::{Finding, Severity};
use serde_json::Value;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// How many uploads' results are kept at most, whatever their size.
pub const KEPT_BATCHES: usize = 16;

/// The mark at the end of a text value that was cut.
pub const CUT_MARK: &str = "…cut";

/// Finding code of a report that was cut to fit ([`compact`]).
pub const CUT_FINDING: &str = "cut_by_serve";

/// The reports of one upload.
pub struct Batch {
    /// Random id, 32 hex digits.
    pub id: String,
    /// One report per message, in upload order.
    pub reports: Vec<Report>,
    /// What the reports are counted as against the budget ([`kept_bytes`]).
    pub bytes: usize,
}

/// The last batches, at most [`KEPT_BATCHES`] and at most `budget` bytes.
pub struct Store {
    budget: usize,
    batches: Mutex<VecDeque<Arc<Batch>>>,
}

impl Store {
    /// A store that keeps at most `budget` bytes of reports ([`kept_bytes`]).
    pub fn new(budget: usize) -> Store {
        Store {
            budget,
            batches: Mutex::new(VecDeque::new()),
        }
    }

    /// Keeps `reports` and returns their batch, first dropping the oldest
    /// batches until the new one fits in the budget (a batch larger than
    /// the whole budget is kept alone).
    pub fn insert(&self, reports: Vec<Report>) -> Arc<Batch> {
        let bytes = reports.iter().map(kept_bytes).sum();
        let batch = Arc::new(Batch {
            id: random_id(),
            reports,
            bytes,
        });
        let mut b = self.batches.lock().unwrap_or_else(|p| p.into_inner());
        let mut used: usize = b.iter().map(|x| x.bytes).sum();
        while !b.is_empty() && (b.len() >= KEPT_BATCHES || used + bytes > self.budget) {
            if let Some(old) = b.pop_front() {
                used -= old.bytes;
            }
        }
        b.push_back(batch.clone());
        batch
    }

    /// The batch with this id, if it is still kept.
    pub fn get(&self, id: &str) -> Option<Arc<Batch>> {
        let b = self.batches.lock().unwrap_or_else(|p| p.into_inner());
        b.iter().find(|x| x.id == id).cloned()
    }

    /// Bytes counted for the batches kept now.
    #[cfg(test)]
    pub fn bytes(&self) -> usize {
        let b = self.batches.lock().unwrap_or_else(|p| p.into_inner());
        b.iter().map(|x| x.bytes).sum()
    }
}

/// What a kept report counts against the budget: twice the length of its
/// JSON (strings, vectors and their headers in memory take about that).
pub fn kept_bytes(r: &Report) -> usize {
    2 * json_len(r)
}

fn json_len<T: serde::Serialize>(v: &T) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0 += b.len();
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut c = Count(0);
    let _ = serde_json::to_writer(&mut c, v);
    c.0
}

/// Collects the reports of one upload as they are made, each cut to fit
/// ([`compact`]) so that all of them together count at most the budget:
/// reports start with up to [`REPORT_START`] bytes each, and whenever the
/// total passes the budget every report so far is cut again to half as
/// much (down to [`REPORT_FLOOR`]).
pub struct Keeper {
    budget: usize,
    per_report: usize,
    used: usize,
    reports: Vec<Report>,
}

/// Bytes ([`kept_bytes`]) one report may count before any is cut.
pub const REPORT_START: usize = 256 << 10;
/// The least a report is cut to.
pub const REPORT_FLOOR: usize = 4 << 10;

impl Keeper {
    /// A keeper for at most `budget` bytes of reports.
    pub fn new(budget: usize) -> Keeper {
        Keeper {
            budget,
            per_report: REPORT_START,
            used: 0,
            reports: Vec::new(),
        }
    }

    /// Adds one report, cutting it (and, if needed, the others) to fit.
    pub fn push(&mut self, r: Report) {
        let r = compact(r, self.per_report);
        self.used += kept_bytes(&r);
        self.reports.push(r);
        while self.used > self.budget && self.per_report > REPORT_FLOOR {
            self.per_report = (self.per_report / 2).max(REPORT_FLOOR);
            let per = self.per_report;
            self.reports = std::mem::take(&mut self.reports)
                .into_iter()
                .map(|r| compact(r, per))
                .collect();
            self.used = self.reports.iter().map(kept_bytes).sum();
        }
    }

    /// The reports, in the order they were pushed.
    pub fn into_reports(self) -> Vec<Report> {
        self.reports
    }
}

/// Text values that are never cut: key material and fingerprints, which the
/// keys download and the reproduction steps need whole (none comes from
/// the message; a key record is at most 8192 bits).
const WHOLE: &[&str] = &["record", "sha256", "input_sha256", "verified_sha256"];

/// Cuts `r` until it counts at most `budget` bytes ([`kept_bytes`]):
/// first text values over 1024 bytes and lists over 200 entries, then 256
/// and 50, then 64 and 10. A report that was cut gets a finding
/// [`CUT_FINDING`] saying what was left out; a report within the budget is
/// returned unchanged.
pub fn compact(r: Report, budget: usize) -> Report {
    if kept_bytes(&r) <= budget {
        return r;
    }
    let mut r = r;
    r.findings.retain(|f| f.code != CUT_FINDING);
    // The usual bulk, header text, is cut in place first: cheap, and often
    // enough (a JSON round trip of a report of megabytes is not).
    let texts = cut_header_text(&mut r, FIRST_TEXT_CAP);
    if texts > 0 && kept_bytes(&r) + 1024 <= budget {
        let cut = Cut {
            texts,
            lists: Vec::new(),
        };
        r.findings.push(Finding {
            code: CUT_FINDING.into(),
            severity: Severity::Info,
            message: cut.describe(FIRST_TEXT_CAP, 0),
            signature: None,
        });
        return r;
    }
    let Ok(full) = serde_json::to_value(&r) else {
        return r;
    };
    let steps = [(FIRST_TEXT_CAP, 200), (256, 50), (64, 10)];
    let mut last = r;
    for (i, &(text, list)) in steps.iter().enumerate() {
        let mut v = full.clone();
        let mut cut = Cut {
            texts,
            lists: Vec::new(),
        };
        cut_value(&mut v, None, text, list, &mut cut);
        let Ok(mut small) = serde_json::from_value::<Report>(v) else {
            return last;
        };
        small.findings.push(Finding {
            code: CUT_FINDING.into(),
            severity: Severity::Info,
            message: cut.describe(text, list),
            signature: None,
        });
        last = small;
        if kept_bytes(&last) <= budget || i + 1 == steps.len() {
            break;
        }
    }
    last
}

/// The first cap on text values, in bytes.
const FIRST_TEXT_CAP: usize = 1024;

/// Cuts the text copied from header fields (the message summary, the
/// coverage map's values, Received hops, Authentication-Results and
/// ARC-Authentication-Results fields) to `cap` bytes; returns how many
/// values were cut.
fn cut_header_text(r: &mut Report, cap: usize) -> usize {
    let mut n = 0;
    let mut cut = |s: &mut String| {
        if s.len() > cap {
            let mut end = cap;
            while !s.is_char_boundary(end) {
                end -= 1;
            }
            s.truncate(end);
            s.push_str(CUT_MARK);
            n += 1;
        }
    };
    if let Some(m) = &mut r.message {
        for s in [
            &mut m.from,
            &mut m.to,
            &mut m.cc,
            &mut m.subject,
            &mut m.date,
            &mut m.message_id,
            &mut m.from_domain,
        ]
        .into_iter()
        .flatten()
        {
            cut(s);
        }
    }
    if let Some(f) = &mut r.forensics {
        for h in &mut f.coverage.headers {
            cut(&mut h.value);
        }
        for h in &mut f.received {
            for s in [
                &mut h.from,
                &mut h.by,
                &mut h.with,
                &mut h.id,
                &mut h.time,
                &mut h.zone,
            ]
            .into_iter()
            .flatten()
            {
                cut(s);
            }
        }
        for x in &mut f.receiver_results {
            cut(&mut x.header);
        }
    }
    for set in &mut r.arc.sets {
        if let Some(a) = &mut set.authentication_results {
            cut(&mut a.raw);
        }
    }
    n
}

#[derive(Default)]
struct Cut {
    texts: usize,
    /// Names of the lists that were cut.
    lists: Vec<String>,
}

impl Cut {
    fn describe(&self, text: usize, list: usize) -> String {
        let mut parts = Vec::new();
        if self.texts > 0 {
            parts.push(format!(
                "text values are cut after {text} bytes (they end in \"{CUT_MARK}\")"
            ));
        }
        if !self.lists.is_empty() {
            parts.push(format!(
                "only the first {list} entries of these lists are kept: {}",
                self.lists.join(", ")
            ));
        }
        format!(
            "mailproof serve shortened this report to keep it in memory: {}. The verdict and the signatures are as checked; run `mailproof verify` on the file for the full report.",
            if parts.is_empty() {
                "nothing was left out".to_string()
            } else {
                parts.join("; ")
            }
        )
    }
}

fn cut_value(v: &mut Value, key: Option<&str>, text: usize, list: usize, cut: &mut Cut) {
    match v {
        Value::String(s) if s.len() > text && !key.is_some_and(|k| WHOLE.contains(&k)) => {
            let mut end = text;
            while !s.is_char_boundary(end) {
                end -= 1;
            }
            s.truncate(end);
            s.push_str(CUT_MARK);
            cut.texts += 1;
        }
        Value::Array(a) => {
            if a.len() > list {
                let name = key.unwrap_or("list").to_string();
                if !cut.lists.contains(&name) {
                    cut.lists.push(name);
                }
                a.truncate(list);
            }
            for x in a {
                cut_value(x, key, text, list, cut);
            }
        }
        Value::Object(o) => {
            for (k, x) in o.iter_mut() {
                cut_value(x, Some(k), text, list, cut);
            }
        }
        _ => {}
    }
}

fn random_id() -> String {
    let mut buf = [0u8; 16];
    if aws_lc_rs::rand::fill(&mut buf).is_err() {
        // The system random source failing is not expected; fall back to
        // the clock so the page keeps working (ids stay unique per process).
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        buf = t.to_le_bytes();
    }
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(subject_len: usize, headers: usize) -> Report {
        let mut r = Report::error("x.eml", b"", "test".to_string());
        r.message = Some(crate::report::MessageSummary {
            subject: Some("é".repeat(subject_len / 2)),
            ..Default::default()
        });
        r.does_not_prove = (0..headers).map(|i| format!("line {i}")).collect();
        r
    }

    #[test]
    fn small_reports_are_kept_whole() {
        let r = report(100, 3);
        assert_eq!(compact(r.clone(), 1 << 20), r);
    }

    #[test]
    fn big_reports_are_cut_visibly_to_the_budget() {
        let r = report(200_000, 5000);
        let c = compact(r, 64 * 1024);
        assert!(kept_bytes(&c) <= 64 * 1024, "{}", kept_bytes(&c));
        let s = c.message.as_ref().unwrap().subject.as_deref().unwrap();
        assert!(s.ends_with(CUT_MARK) && s.starts_with("éé"), "{s}");
        assert!(c.does_not_prove.len() <= 200);
        let f = c.findings.iter().find(|f| f.code == CUT_FINDING).unwrap();
        assert!(
            f.message.contains("lists are kept: does_not_prove"),
            "{}",
            f.message
        );
        assert_eq!(c.verdict, crate::Verdict::Error);
        // Cut again: still one such finding.
        let again = compact(c, 16 * 1024);
        assert_eq!(
            again
                .findings
                .iter()
                .filter(|f| f.code == CUT_FINDING)
                .count(),
            1
        );
    }

    #[test]
    fn the_oldest_batches_go_first_to_stay_within_the_budget() {
        let one = kept_bytes(&report(10_000, 0));
        let store = Store::new(one * 3 + one / 2);
        let ids: Vec<String> = (0..5)
            .map(|_| store.insert(vec![report(10_000, 0)]).id.clone())
            .collect();
        assert!(store.get(&ids[0]).is_none() && store.get(&ids[1]).is_none());
        assert!(ids[2..].iter().all(|id| store.get(id).is_some()));
        assert!(store.bytes() <= one * 3 + one / 2);
        // A keeper cuts reports until the upload fits its budget.
        let mut k = Keeper::new(200 << 10);
        for _ in 0..40 {
            k.push(report(100_000, 300));
        }
        let kept = k.into_reports();
        assert_eq!(kept.len(), 40);
        assert!(kept.iter().map(kept_bytes).sum::<usize>() <= 200 << 10);
        // One batch larger than the whole budget is kept alone.
        let big = store.insert(vec![report(10_000, 0); 5]);
        assert!(store.get(&big.id).is_some() && store.get(&ids[4]).is_none());
    }
}
