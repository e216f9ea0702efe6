//! The `report` command: a publishable HTML or Markdown report from the JSON
//! Lines that `verify --format jsonl` wrote (or a `--format json` document).
//!
//! The overview (totals, signing domains, missing keys, signing times)
//! counts every report read; only the first `--limit` get a section of their
//! own, so a dump of any size gives a file a browser can open. A line that
//! is not a report is named on stderr and skipped; the run goes on and ends
//! with status 2.

use super::error::{CliError, Status};
use mailproof::Report;
use mailproof::render::{DocumentOptions, Format, OverviewMode, Writer};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// Reads every input (`-` is standard input) and writes the document to
/// stdout, one report at a time.
pub fn run(format: Format, inputs: &[String], limit: usize) -> Result<Status, CliError> {
    let options = DocumentOptions {
        overview: OverviewMode::Always,
        limit: Some(limit),
        ..Default::default()
    };
    let mut writer = Writer::new(format, std::io::stdout().lock(), options);
    let mut all_verified = true;
    let mut failed = false;
    let mut add = |r: Report| -> std::io::Result<()> {
        all_verified &= r.verdict == mailproof::Verdict::Verified;
        writer.write_report(&r)
    };
    for name in inputs {
        let reader: Box<dyn Read> = if name == "-" {
            Box::new(std::io::stdin().lock())
        } else {
            match std::fs::File::open(Path::new(name)) {
                Ok(f) => Box::new(f),
                Err(e) => {
                    eprintln!("mailproof: {name}: {e}");
                    failed = true;
                    continue;
                }
            }
        };
        failed |= !read_one(name, BufReader::new(reader), &mut add)?;
    }
    drop(writer.finish()?);
    Ok(if all_verified {
        Status::Success
    } else {
        Status::NotVerified
    }
    .or_trouble(failed))
}

/// A `--format json` document: only its reports are read.
#[derive(serde::Deserialize)]
struct Document {
    reports: Vec<Report>,
}

/// Hands every report of one input to `add`; returns whether all of it
/// could be read (what could not is named on stderr). Errors are `add`'s.
fn read_one(
    name: &str,
    mut reader: impl BufRead,
    add: &mut impl FnMut(Report) -> std::io::Result<()>,
) -> std::io::Result<bool> {
    let mut line = Vec::new();
    let mut n = 0usize;
    let mut ok = true;
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => return Ok(ok),
            Ok(_) => n += 1,
            Err(e) => {
                eprintln!("mailproof: {name} line {}: {e}", n + 1);
                return Ok(false);
            }
        }
        let text = line.trim_ascii();
        if text.is_empty() {
            continue;
        }
        match serde_json::from_slice::<Report>(text) {
            Ok(r) => add(r)?,
            // A pretty-printed JSON document starts with a lone `{`.
            Err(_) if n == 1 && text == b"{" => {
                let mut rest = line.clone();
                if let Err(e) = reader.read_to_end(&mut rest) {
                    eprintln!("mailproof: {name}: {e}");
                    return Ok(false);
                }
                return match serde_json::from_slice::<Document>(&rest) {
                    Ok(doc) => {
                        for r in doc.reports {
                            add(r)?;
                        }
                        Ok(ok)
                    }
                    Err(e) => {
                        eprintln!("mailproof: {name}: not a mailproof JSON document: {e}");
                        Ok(false)
                    }
                };
            }
            Err(e) => {
                eprintln!("mailproof: {name} line {n}: not a mailproof report: {e}");
                ok = false;
            }
        }
    }
}
