//! Command-line parsing, the `verify` command and the `report` command.
//!
//! Exit status: 0 every message verified, 1 some message not verified,
//! 2 operational error (bad arguments, unreadable key file, missing input).

mod inputs;
mod keys;
mod report;
#[cfg(feature = "serve")]
mod serve;

use clap::{Parser, Subcommand, ValueEnum};
use mailproof::keys::KeyArchive;
use mailproof::render::{self, Settings};
use mailproof::{Report, Verdict, Verifier};
use std::io::Write;
use std::path::PathBuf;

/// Tells whether a leaked email is authentic, and how far the proof reaches.
#[derive(Parser)]
#[command(name = "mailproof", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Verify the DKIM signatures of messages with archived keys.
    Verify(VerifyArgs),
    /// Manage key archives: list, show, import, export, fetch.
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// Write a publishable HTML or Markdown report from the output of
    /// `verify --format jsonl` (or `--format json`).
    Report(ReportArgs),
    /// A page on this computer to check messages in a web browser.
    #[cfg(feature = "serve")]
    Serve(serve::ServeArgs),
}

#[derive(clap::Args)]
struct ReportArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = PublishFormat::Html)]
    format: PublishFormat,
    /// Give at most this many messages a section of their own (the overview
    /// still counts every message).
    #[arg(long, value_name = "N", default_value_t = 200)]
    limit: usize,
    /// JSON Lines files written by `verify --format jsonl` (`-` reads stdin).
    #[arg(required = true, value_name = "FILE")]
    inputs: Vec<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum PublishFormat {
    Html,
    Markdown,
}

#[derive(clap::Args)]
struct VerifyArgs {
    /// Key archive file (zone lines, key-archive API JSON, or mailproof
    /// archive JSONL); may be repeated. Consulted before the built-in archive.
    #[arg(long = "keys", value_name = "FILE")]
    keys: Vec<PathBuf>,
    /// Do not use the built-in archive of historical keys.
    #[arg(long)]
    no_builtin_keys: bool,
    /// Also look keys up in live DNS (after the archives); keys seen live
    /// are reported with their capture evidence.
    #[arg(long)]
    online: bool,
    #[command(flatten)]
    dns: keys::DnsArgs,
    /// With --online: add every key seen in live DNS, with its evidence, to
    /// this archive file (created if missing).
    #[arg(long, value_name = "FILE", requires = "online")]
    save_keys: Option<PathBuf>,
    /// Judge the message at this reference time instead of now
    /// (YYYY-MM-DD or RFC 3339): expiry and the time window's upper bound.
    #[arg(long, value_name = "DATE")]
    at: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// .eml files or directories of them (walked recursively).
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
    Jsonl,
    /// One self-contained HTML file to publish.
    Html,
    /// GitHub-flavoured Markdown to publish.
    Markdown,
}

/// Runs the command line and returns the exit status.
pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    match cli.command {
        Command::Verify(args) => verify(args),
        Command::Keys(cmd) => keys::run(cmd),
        Command::Report(args) => report(args),
        #[cfg(feature = "serve")]
        Command::Serve(args) => serve::run(args),
    }
}

fn verify(args: VerifyArgs) -> i32 {
    let mut builder = Verifier::builder().builtin_archive(!args.no_builtin_keys);
    if let Some(at) = &args.at {
        match mailproof::parse_date(at) {
            Some(t) => builder = builder.clock(mailproof::FixedClock(t)),
            None => {
                eprintln!("mailproof: --at {at:?} is not a date (YYYY-MM-DD or RFC 3339)");
                return 2;
            }
        }
    }
    for path in &args.keys {
        match KeyArchive::load_file(path) {
            Ok(a) => builder = builder.key_source(a),
            Err(e) => {
                eprintln!("mailproof: key file {e}");
                return 2;
            }
        }
    }
    let dns = if args.online {
        match keys::dns_source(&args.dns) {
            Ok(d) => Some(d),
            Err(e) => {
                eprintln!("mailproof: {e}");
                return 2;
            }
        }
    } else {
        None
    };
    let verifier = match &dns {
        Some(d) => builder.live_source(d.clone()),
        None => builder,
    }
    .build();
    let settings = Settings {
        key_sources: verifier.source_names(),
    };
    let (items, mut operational_error) = inputs::collect(&args.inputs);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut reports: Vec<Report> = Vec::new();
    let mut all_verified = true;
    for item in items {
        let report = match &item.bytes {
            Ok(bytes) => verifier.verify_bytes(&item.source, bytes),
            Err(why) => Report::error(&item.source, &[], why.clone()),
        };
        all_verified &= report.verdict == Verdict::Verified;
        let written = match args.format {
            Format::Text => writeln!(out, "{}", render::text(&report)),
            Format::Jsonl => {
                writeln!(out, "{}", render::jsonl_line(&report)).and_then(|_| out.flush())
            }
            Format::Json | Format::Html | Format::Markdown => Ok(()),
        };
        if let Err(e) = written {
            eprintln!("mailproof: cannot write output: {e}");
            return 2;
        }
        if matches!(args.format, Format::Json | Format::Html | Format::Markdown) {
            reports.push(report);
        }
    }
    let whole = match args.format {
        Format::Json => Some(render::json(&reports, &settings)),
        Format::Html | Format::Markdown => Some(publishable(args.format, &reports)),
        Format::Text | Format::Jsonl => None,
    };
    if let Some(doc) = whole
        && let Err(e) = out.write_all(doc.as_bytes())
    {
        eprintln!("mailproof: cannot write output: {e}");
        return 2;
    }
    if let Err(e) = out.flush() {
        eprintln!("mailproof: cannot write output: {e}");
        operational_error = true;
    }
    if let (Some(dns), Some(path)) = (&dns, &args.save_keys) {
        match keys::save_seen(dns, path) {
            Ok(n) => eprintln!(
                "mailproof: {n} key(s) seen in live DNS saved to {}",
                path.display()
            ),
            Err(e) => {
                eprintln!("mailproof: {e}");
                operational_error = true;
            }
        }
    }
    if operational_error {
        2
    } else if all_verified {
        0
    } else {
        1
    }
}

/// An HTML or Markdown document for a `verify` run; several messages get the
/// overview and a table of contents.
fn publishable(format: Format, reports: &[Report]) -> String {
    let overview = (reports.len() > 1).then(|| render::Overview::of(reports));
    if matches!(format, Format::Markdown) {
        render::markdown(reports, overview.as_ref())
    } else {
        render::html(reports, overview.as_ref())
    }
}

fn report(args: ReportArgs) -> i32 {
    let loaded = report::load(&args.inputs, args.limit);
    let doc = match args.format {
        PublishFormat::Html => render::html(&loaded.shown, Some(&loaded.overview)),
        PublishFormat::Markdown => render::markdown(&loaded.shown, Some(&loaded.overview)),
    };
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(doc.as_bytes()).and_then(|_| out.flush()) {
        eprintln!("mailproof: cannot write output: {e}");
        return 2;
    }
    if loaded.failed {
        2
    } else if loaded.all_verified {
        0
    } else {
        1
    }
}
