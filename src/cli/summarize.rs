//! `mailproof summarize FILE...`: merges the JSONL records and/or summary
//! JSON files of several runs (typically the shards of one dump) into one
//! summary. Records seen in more than one file are counted once.

use super::error::{CliError, Status, print};
use mailproof::render;
use mailproof::summary::{Entry, Summary};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct SummarizeArgs {
    /// Print the merged summary as JSON instead of text.
    #[arg(long)]
    json: bool,
    /// JSONL record files written by `verify --output` (or `--format
    /// jsonl`), JSON documents of `verify --format json`, or summary files
    /// written by `verify --summary` (detected by content).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
}

/// A file read whole: a `verify --format json` document (its reports are
/// counted like JSONL records) or a `--summary` file.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum WholeFile {
    Document { reports: Vec<Entry> },
    Summary(Summary),
}

/// Adds one file (records, a JSON document or a summary) to `total`.
fn add_file(path: &Path, total: &mut Summary) -> Result<(), String> {
    let err = |e: std::io::Error| format!("{}: {e}", path.display());
    let mut r = BufReader::new(std::fs::File::open(path).map_err(err)?);
    // A summary file and a `verify --format json` document are each one
    // pretty-printed JSON object: the first line is "{".
    if r.fill_buf().map_err(err)?.starts_with(b"{\n") {
        match serde_json::from_reader(r) {
            Ok(WholeFile::Document { reports }) => reports.iter().for_each(|e| {
                total.add(e);
            }),
            Ok(WholeFile::Summary(s)) => total.merge(&s),
            Err(e) => {
                return Err(format!(
                    "{}: neither a summary nor a JSON document of reports: {e}",
                    path.display()
                ));
            }
        }
        return Ok(());
    }
    let mut line = Vec::new();
    let mut n = 0usize;
    loop {
        line.clear();
        if r.read_until(b'\n', &mut line).map_err(err)? == 0 {
            break;
        }
        n += 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<Entry>(&line) {
            Ok(e) => {
                total.add(&e);
            }
            // the cut-short last line of a killed run
            Err(_) if !line.ends_with(b"\n") => {
                eprintln!(
                    "mailproof: {} line {n}: incomplete last record ignored",
                    path.display()
                );
            }
            Err(e) => return Err(format!("{} line {n}: not a record: {e}", path.display())),
        }
    }
    Ok(())
}

/// Runs the command (an unreadable input stops it).
pub fn run(args: SummarizeArgs) -> Result<Status, CliError> {
    let mut total = Summary::new();
    for f in &args.files {
        add_file(f, &mut total)?;
    }
    if args.json {
        print(&(render::json::to_string_pretty(&total) + "\n"))?;
    } else {
        print(&render::summary_text(&total))?;
    }
    Ok(Status::Success)
}
