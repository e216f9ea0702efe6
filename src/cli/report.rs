//! The `report` command: a publishable HTML or Markdown report from the JSON
//! Lines that `verify --format jsonl` wrote (or a `--format json` document).
//!
//! The overview (totals, signing domains, missing keys, signing times)
//! counts every report read; only the first `--limit` get a section of their
//! own, so a dump of any size gives a file a browser can open. A line that
//! is not a report is named on stderr and skipped; the run goes on and ends
//! with status 2.

use mailproof::Report;
use mailproof::render::Overview;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// What was read: the overview of all reports, the first `limit` reports,
/// whether every message was verified, and whether anything could not be read.
pub struct Loaded {
    pub overview: Overview,
    pub shown: Vec<Report>,
    pub all_verified: bool,
    pub failed: bool,
}

impl Loaded {
    fn add(&mut self, r: Report, limit: usize) {
        self.overview.add(&r);
        self.all_verified &= r.verdict == mailproof::Verdict::Verified;
        if self.shown.len() < limit {
            self.shown.push(r);
        }
    }
}

/// A `--format json` document: only its reports are read.
#[derive(serde::Deserialize)]
struct Document {
    reports: Vec<Report>,
}

/// Reads every input (`-` is standard input).
pub fn load(inputs: &[String], limit: usize) -> Loaded {
    let mut l = Loaded {
        overview: Overview::new(),
        shown: Vec::new(),
        all_verified: true,
        failed: false,
    };
    for name in inputs {
        let reader: Box<dyn Read> = if name == "-" {
            Box::new(std::io::stdin().lock())
        } else {
            match std::fs::File::open(Path::new(name)) {
                Ok(f) => Box::new(f),
                Err(e) => {
                    eprintln!("mailproof: {name}: {e}");
                    l.failed = true;
                    continue;
                }
            }
        };
        read_one(name, BufReader::new(reader), limit, &mut l);
    }
    l
}

fn read_one(name: &str, mut reader: impl BufRead, limit: usize, l: &mut Loaded) {
    let mut line = Vec::new();
    let mut n = 0usize;
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => return,
            Ok(_) => n += 1,
            Err(e) => {
                eprintln!("mailproof: {name} line {}: {e}", n + 1);
                l.failed = true;
                return;
            }
        }
        let text = line.trim_ascii();
        if text.is_empty() {
            continue;
        }
        match serde_json::from_slice::<Report>(text) {
            Ok(r) => l.add(r, limit),
            // A pretty-printed JSON document starts with a lone `{`.
            Err(_) if n == 1 && text == b"{" => {
                let mut rest = line.clone();
                if let Err(e) = reader.read_to_end(&mut rest) {
                    eprintln!("mailproof: {name}: {e}");
                    l.failed = true;
                    return;
                }
                match serde_json::from_slice::<Document>(&rest) {
                    Ok(doc) => doc.reports.into_iter().for_each(|r| l.add(r, limit)),
                    Err(e) => {
                        eprintln!("mailproof: {name}: not a mailproof JSON document: {e}");
                        l.failed = true;
                    }
                }
                return;
            }
            Err(e) => {
                eprintln!("mailproof: {name} line {n}: not a mailproof report: {e}");
                l.failed = true;
            }
        }
    }
}
