//! The `verify` run over many messages: inputs streamed in order, verified
//! on `--jobs` threads, one record written (and flushed) per message as it
//! comes, a summary at the end; `--resume` and `--shard` on top.

use super::error::{CliError, Status};
use mailproof::input::{self, Item, Messages, attached};
use mailproof::render::{self, DocumentOptions, Format, Record, Writer};
use mailproof::summary::{Entry, Summary};
use mailproof::{Report, Verifier};
use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, IsTerminal, Seek, Write};
use std::path::{Path, PathBuf};

/// Settings of one run, validated.
pub struct BatchSettings {
    pub inputs: Vec<PathBuf>,
    pub format: Format,
    /// What a document (JSON, HTML, Markdown) records besides the reports.
    pub document: DocumentOptions,
    pub output: Option<PathBuf>,
    pub summary: Option<PathBuf>,
    pub resume: bool,
    pub jobs: usize,
    pub shard: Option<(u64, u64)>,
    pub quiet: bool,
    /// `--recover`: (domain, selector, why) of the keys it could not
    /// recover, noted in the summary's missing keys.
    pub not_recovered: Vec<(String, String, String)>,
    /// Replace an existing --output file.
    pub force: bool,
}

/// What a worker made of one message (and those attached to it).
enum Done {
    /// Already in the output file (resume).
    Skipped,
    /// Verified, and rendered where the format allows: one record per
    /// report, the carrier first, then the messages attached to it.
    Record {
        records: Vec<Record>,
        entries: Vec<Entry>,
        consumed: u64,
    },
}

/// Parses `K/N` (1 <= K <= N).
pub fn parse_shard(s: &str) -> Result<(u64, u64), String> {
    let (k, n) = s
        .split_once('/')
        .ok_or_else(|| format!("--shard {s}: expected K/N, e.g. 1/4"))?;
    let k: u64 = k
        .trim()
        .parse()
        .map_err(|_| format!("--shard {s}: K is not a number"))?;
    let n: u64 = n
        .trim()
        .parse()
        .map_err(|_| format!("--shard {s}: N is not a number"))?;
    if n == 0 || k == 0 || k > n {
        return Err(format!("--shard {s}: need 1 <= K <= N"));
    }
    Ok((k, n))
}

/// Records already in an output file, read for `--resume`: the (source,
/// input hash) pairs, their summary, and the length of the complete lines
/// (a last line cut short by a killed run is dropped).
struct Previous {
    done: HashSet<(String, String)>,
    summary: Summary,
    good_len: u64,
}

fn read_previous(path: &Path) -> std::io::Result<Previous> {
    let mut prev = Previous {
        done: HashSet::new(),
        summary: Summary::new(),
        good_len: 0,
    };
    let f = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(prev),
        Err(e) => return Err(e),
    };
    let mut r = BufReader::new(f);
    let mut line = Vec::new();
    let mut pos = 0u64;
    loop {
        line.clear();
        let n = r.read_until(b'\n', &mut line)?;
        if n == 0 {
            break;
        }
        pos += n as u64;
        if !line.ends_with(b"\n") {
            break; // cut short: rewritten by this run
        }
        match serde_json::from_slice::<Entry>(&line) {
            Ok(e) => {
                prev.summary.add(&e);
                prev.done.insert((e.source, e.input_sha256));
            }
            Err(_) if line.iter().all(u8::is_ascii_whitespace) => {}
            Err(e) => {
                eprintln!(
                    "mailproof: {}: a record at byte {} is not readable ({e}); it is kept and its message will be checked again",
                    path.display(),
                    pos - n as u64
                );
            }
        }
        prev.good_len = pos;
    }
    Ok(prev)
}

fn open_output(s: &BatchSettings) -> Result<(Box<dyn Write>, Option<Previous>), CliError> {
    let Some(path) = &s.output else {
        return Ok((Box::new(std::io::stdout().lock()), None));
    };
    let err =
        |e: std::io::Error| CliError::msg(format!("cannot write output: {}: {e}", path.display()));
    if !s.resume {
        // a finished run's records are not replaced by accident
        if !s.force && std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() > 0) {
            return Err(CliError::msg(format!(
                "{} exists: --resume continues that run, --force replaces it",
                path.display()
            )));
        }
        let f = File::create(path).map_err(err)?;
        return Ok((Box::new(f), None));
    }
    let prev = read_previous(path).map_err(err)?;
    let mut f = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(err)?;
    f.set_len(prev.good_len).map_err(err)?;
    f.seek(std::io::SeekFrom::End(0)).map_err(err)?;
    Ok((Box::new(f), Some(prev)))
}

fn progress_bar(total: u64, quiet: bool) -> Option<indicatif::ProgressBar> {
    if quiet || !std::io::stderr().is_terminal() || std::env::var_os("CI").is_some() {
        return None;
    }
    let pb = indicatif::ProgressBar::new(total);
    let style = indicatif::ProgressStyle::with_template(
        "{elapsed_precise} [{wide_bar}] {bytes}/{total_bytes} {bytes_per_sec} ETA {eta} {msg}",
    )
    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    pb.set_style(style);
    Some(pb)
}

/// Names on stderr each error report of a name the input asked for and
/// did not find, and sets `flag` (the run's status is then 2).
fn say_not_found(flag: &std::sync::atomic::AtomicBool, reports: &[Report]) {
    flag.store(true, std::sync::atomic::Ordering::Relaxed);
    for r in reports {
        let line = format!(
            "{}: {}",
            r.source,
            r.error.as_deref().unwrap_or("not found")
        );
        eprintln!("mailproof: {}", mailproof::render::escape::terminal(&line));
    }
}

/// Runs the batch. Errors stop it: the output cannot be opened or written.
pub fn run(verifier: &Verifier, s: BatchSettings) -> Result<Status, CliError> {
    let (planned, missing) = input::plan(&s.inputs);
    let mut operational_error = !missing.is_empty();
    for m in &missing {
        eprintln!("mailproof: {m}");
    }
    let (out, previous) = open_output(&s)?;
    let (done, mut summary) = match previous {
        Some(p) => (p.done, p.summary),
        None => (HashSet::new(), Summary::new()),
    };
    let skipped_before = summary.messages;
    let pb = progress_bar(input::total_size(&planned), s.quiet);
    let shard = s.shard;
    let mut messages = Messages::new(planned, move |src: &str| {
        shard.is_none_or(|(k, n)| input::in_shard(src, k, n))
    })
    .max_bytes(verifier.limits().max_message_bytes)
    .defer_reads(true);
    // a name asked for inside a file that has none (`x.mbox#9`): like a
    // missing input path, named on stderr and status 2 (the record says so)
    let name_not_found = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let not_found = name_not_found.clone();
    let items = std::iter::from_fn(move || {
        let item = messages.next()?;
        if let (true, Err(why)) = (item.name_not_found, &item.bytes) {
            say_not_found(&not_found, &[Report::error(&item.source, &[], why.clone())]);
        }
        Some((item, messages.consumed))
    });
    let format = s.format;
    let work_one = |mut item: Item, buf: &mut Vec<u8>, consumed: u64| -> Done {
        let source = std::mem::take(&mut item.source);
        let body_unavailable = item.body_unavailable.take();
        let want = item.want.take();
        let skipped = std::mem::take(&mut item.skipped_before);
        let reports = match item.read_into(buf) {
            Ok(()) => {
                let is_done = |src: &str, bytes: &[u8]| {
                    !done.is_empty() && done.contains(&(src.to_string(), sha256_hex(bytes)))
                };
                // attached messages come with their carrier: skip only
                // when nothing is attached (or all of it is done too)
                if want.is_none() && is_done(&source, buf) && attached::extract(buf).is_empty() {
                    return Done::Skipped;
                }
                let named = mailproof::batch::verify_named(
                    verifier,
                    mailproof::batch::Message {
                        source: &source,
                        bytes: buf,
                        body_unavailable: body_unavailable.as_deref(),
                        want: want.as_deref(),
                    },
                );
                let mut reports = named.reports;
                if named.name_not_found {
                    say_not_found(&name_not_found, &reports);
                }
                mailproof::batch::note_skipped(&mut reports, &source, &skipped);
                if !done.is_empty() {
                    reports.retain(|r| !done.contains(&(r.source.clone(), r.input_sha256.clone())));
                }
                reports
            }
            Err(why) => {
                let r = Report::error(&source, &[], why);
                if done.contains(&(r.source.clone(), r.input_sha256.clone())) {
                    return Done::Skipped;
                }
                vec![r]
            }
        };
        if reports.is_empty() {
            return Done::Skipped;
        }
        Done::Record {
            entries: reports.iter().map(Entry::from).collect(),
            // rendered here, on the worker, where the format allows; the
            // line end is in it so that the writer makes one write call
            records: reports.into_iter().map(|r| format.record(r)).collect(),
            consumed,
        }
    };
    let work = |(item, consumed): (Item, u64)| -> Done {
        thread_local! {
            // each worker reads its files into one buffer it keeps
            static BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        BUF.with_borrow_mut(|buf| {
            let done = work_one(item, buf, consumed);
            // one huge message must not pin its size for the whole run
            if buf.capacity() > 16 << 20 {
                *buf = Vec::new();
            }
            done
        })
    };
    let mut writer = Writer::new(s.format, out, s.document.clone());
    let mut written = 0u64;
    let sink = |d: Done| -> std::io::Result<()> {
        let Done::Record {
            records,
            entries,
            consumed,
        } = d
        else {
            return Ok(());
        };
        for e in &entries {
            summary.add(e);
        }
        written += entries.len() as u64;
        for record in records {
            writer.write(record)?;
        }
        if let Some(pb) = &pb {
            pb.set_position(consumed);
            pb.set_message(format!(
                "{written} message{}",
                if written == 1 { "" } else { "s" }
            ));
        }
        Ok(())
    };
    let result = mailproof::batch::ordered_parallel(items, s.jobs, work, sink);
    if let Some(pb) = &pb {
        pb.finish_and_clear();
    }
    result?;
    drop(writer.finish()?);
    operational_error |= name_not_found.load(std::sync::atomic::Ordering::Relaxed);
    for (d, sel, why) in &s.not_recovered {
        summary.note_not_recovered(d, sel, why);
    }
    if let Some(path) = &s.summary {
        let json = mailproof::render::json::to_string_pretty(&summary) + "\n";
        if let Err(e) = std::fs::write(path, json) {
            eprintln!("mailproof: cannot write summary {}: {e}", path.display());
            operational_error = true;
        }
    }
    if !s.quiet && (s.output.is_some() || s.summary.is_some()) {
        if skipped_before > 0 {
            eprintln!(
                "mailproof: resumed: {skipped_before} records were already in the output, {written} added"
            );
        }
        // stdout is free when the records go to a file; else the summary
        // goes to stderr so that stdout holds only records.
        let text = render::summary_text(&summary);
        if s.output.is_some() {
            super::error::print(&text)?;
        } else {
            eprint!("{text}");
        }
    } else if !s.quiet && summary.messages > 1 {
        eprintln!("mailproof: {}", render::tally_line(&summary));
    }
    let status = if summary.all_verified() {
        Status::Success
    } else {
        Status::NotVerified
    };
    Ok(status.or_trouble(operational_error))
}

fn sha256_hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes);
    d.as_ref()
        .iter()
        .fold(String::with_capacity(64), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}
