//! Command-line parsing, the `verify` command and the `report` command; the
//! other commands are in the modules below.
//!
//! Exit status: 0 every message verified, 1 some message not verified,
//! 2 operational error (bad arguments, unreadable key file, missing input).

mod batch;
mod error;
mod extract;
mod keys;
mod recover;
mod report;
#[cfg(feature = "serve")]
mod serve;
mod summarize;

pub use error::CliError;
use error::Status;

use clap::{Parser, Subcommand, ValueEnum};
use mailproof::Limits;
use mailproof::render::{self, DocumentOptions, Settings};
use std::path::PathBuf;
use std::process::ExitCode;

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
    /// Manage key archives: list, show, import, export, fetch, recover.
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// Write a publishable HTML or Markdown report from the output of
    /// `verify --format jsonl` (or `--format json`).
    Report(ReportArgs),
    /// Write out the exact bytes of one message named by a source name
    /// (box.mbox#2, dump.zip#a.eml, fwd.eml#attached/1): the bytes whose
    /// SHA-256 the report gives as input_sha256.
    Extract(extract::ExtractArgs),
    /// Merge the JSONL records and/or summaries of runs (shards) into one
    /// summary.
    Summarize(summarize::SummarizeArgs),
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
    /// Reports written by `verify --format jsonl` (JSON Lines) or `verify
    /// --format json` (`-` reads stdin).
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
    #[command(flatten)]
    sources: keys::KeySourceArgs,
    /// With --online: add every key found online (live DNS, the public key
    /// archive API), with its evidence, to this archive file (created if
    /// missing).
    #[arg(long, value_name = "FILE", requires = "online")]
    save_keys: Option<PathBuf>,
    /// Judge the messages as of DATE instead of now (YYYY-MM-DD or RFC
    /// 3339, UTC when no offset is given). It decides two findings, never a
    /// signature's result: whether x= has passed (signature_expired, info)
    /// and whether t= lies more than a day after DATE
    /// (timestamp_after_verification_time, warning; the signature is still
    /// checked and can pass). The keys used are the same. Every report
    /// records the time used as verification_time.
    #[arg(long, value_name = "DATE")]
    at: Option<String>,
    /// Output format [default: text, or jsonl with --output].
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Write the records to FILE instead of stdout (JSONL, one line per
    /// message, flushed as it goes); stdout then gets the summary text.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Skip the messages already recorded in --output FILE (same source and
    /// input SHA-256) and append the others.
    #[arg(long, requires = "output")]
    resume: bool,
    /// Replace --output FILE when it exists (without it, or --resume, an
    /// existing file is an error).
    #[arg(long, requires = "output", conflicts_with = "resume")]
    force: bool,
    /// Write the summary of the run (verdicts, signers, missing keys,
    /// rotation timeline) as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    summary: Option<PathBuf>,
    /// Verify on N threads [default: all cores].
    #[arg(long, short = 'j', value_name = "N")]
    jobs: Option<usize>,
    /// Take only shard K of N (1-based): a deterministic 1/N of the messages,
    /// chosen by a hash of their source name. See docs/batch.md.
    #[arg(long, value_name = "K/N", value_parser = batch::parse_shard)]
    shard: Option<(u64, u64)>,
    /// No progress bar, no summary text and no tally.
    #[arg(long, short = 'q')]
    quiet: bool,
    /// Before verifying, recover the RSA keys that no key source has from
    /// the inputs' own signatures (two or more per selector), and verify
    /// with them (finding key_recovered). Reads the inputs twice.
    #[arg(long)]
    recover: bool,
    /// With --recover: start no key search after this much time (e.g. 90s,
    /// 10m, 2h; a search under way runs to its end) [default: no limit].
    #[arg(long, value_name = "DURATION", requires = "recover", value_parser = parse_duration)]
    recover_budget: Option<std::time::Duration>,
    #[command(flatten)]
    limits: LimitArgs,
    /// .eml files, mbox files, Maildirs, directories (walked recursively),
    /// archives (.zip, .tar, .tar.gz), Outlook .msg, PST and OST files, or - for standard
    /// input; a printed source name (box.mbox#2, dump.zip#a.eml,
    /// fwd.eml#attached/1) picks one message.
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<PathBuf>,
}

/// Caps that bound the work per message (see docs/reliability.md); a message
/// or signature over a cap is reported as such, never skipped.
#[derive(clap::Args)]
struct LimitArgs {
    /// Largest message read, in bytes (suffixes K, M, G allowed).
    #[arg(long, value_name = "BYTES", value_parser = parse_size, default_value = "64M")]
    max_message_size: u64,
    /// Most header fields in one message.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_headers)]
    max_headers: usize,
    /// Longest header field, folded lines included (suffixes K, M allowed).
    #[arg(long, value_name = "BYTES", value_parser = parse_size, default_value = "128K")]
    max_header_size: u64,
    /// Most DKIM signatures checked per message.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_signatures)]
    max_signatures: usize,
    /// Most distinct body hashes (l=, c=, a= combinations) per message.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_body_hashes)]
    max_body_hashes: usize,
    /// Largest RSA key used, in bits (at most 8192).
    #[arg(long, value_name = "BITS", default_value_t = Limits::default().max_key_bits)]
    max_key_bits: usize,
    /// Most ARC sets in a chain.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_arc_sets)]
    max_arc_sets: u32,
}

impl LimitArgs {
    fn limits(&self) -> Limits {
        Limits {
            max_message_bytes: self.max_message_size,
            max_headers: self.max_headers,
            max_header_bytes: usize::try_from(self.max_header_size).unwrap_or(usize::MAX),
            max_signatures: self.max_signatures,
            max_body_hashes: self.max_body_hashes,
            max_key_bits: self.max_key_bits,
            max_arc_sets: self.max_arc_sets,
        }
    }
}

/// A byte count with an optional K, M or G suffix (powers of 1024).
fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (digits, mult) = match t.char_indices().last() {
        Some((i, 'k' | 'K')) => (&t[..i], 1u64 << 10),
        Some((i, 'm' | 'M')) => (&t[..i], 1 << 20),
        Some((i, 'g' | 'G')) => (&t[..i], 1 << 30),
        _ => (t, 1),
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .ok_or_else(|| {
            format!("{s:?} is not a size (a number of bytes, optionally with K, M or G)")
        })
}

/// A duration: a number with s, m or h (seconds if none).
fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let t = s.trim();
    let (digits, mult) = match t.char_indices().last() {
        Some((i, 's')) => (&t[..i], 1u64),
        Some((i, 'm')) => (&t[..i], 60),
        Some((i, 'h')) => (&t[..i], 3600),
        _ => (t, 1),
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .map(std::time::Duration::from_secs)
        .ok_or_else(|| format!("{s:?} is not a duration (a number with s, m or h, e.g. 90s, 10m)"))
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

impl Format {
    fn render_format(self) -> render::Format {
        match self {
            Format::Text => render::Format::Text,
            Format::Json => render::Format::Json,
            Format::Jsonl => render::Format::Jsonl,
            Format::Html => render::Format::Html,
            Format::Markdown => render::Format::Markdown,
        }
    }
}

/// Runs the command line: the exit status of a command that ran, or why it
/// stopped (printed by [`CliError::report`]).
pub fn run() -> Result<ExitCode, CliError> {
    let cli = Cli::try_parse().map_err(CliError::Usage)?;
    let status = match cli.command {
        Command::Verify(args) => verify(args),
        Command::Keys(cmd) => keys::run(cmd),
        Command::Report(args) => report::run(
            match args.format {
                PublishFormat::Html => render::Format::Html,
                PublishFormat::Markdown => render::Format::Markdown,
            },
            &args.inputs,
            args.limit,
        ),
        Command::Extract(args) => extract::run(args),
        Command::Summarize(args) => summarize::run(args),
        #[cfg(feature = "serve")]
        Command::Serve(args) => serve::run(args),
    }?;
    Ok(status.into())
}

fn verify(args: VerifyArgs) -> Result<Status, CliError> {
    let (mut builder, online) = args.sources.builder()?;
    builder = builder.limits(args.limits.limits());
    // One verification time for the whole run, recorded in the settings
    // and in every report: --at, or the clock as the run starts.
    let verification_time = match &args.at {
        Some(at) => mailproof::parse_date(at).ok_or_else(|| {
            CliError::msg(format!(
                "--at {at:?} is not a date (YYYY-MM-DD or RFC 3339)"
            ))
        })?,
        None => mailproof::Clock::now(&mailproof::SystemClock),
    };
    builder = builder.clock(mailproof::FixedClock(verification_time));
    let mut verifier = builder.build();
    let format = match (args.format, &args.output) {
        (Some(f), _) => f.render_format(),
        (None, Some(_)) => render::Format::Jsonl,
        (None, None) => render::Format::Text,
    };
    if args.resume && format != render::Format::Jsonl {
        return Err(CliError::msg(
            "--resume needs JSONL records (--format jsonl)",
        ));
    }
    let jobs = match args.jobs {
        Some(0) => return Err(CliError::msg("--jobs must be at least 1")),
        Some(n) => n,
        None => mailproof::batch::default_jobs(),
    };
    let mut not_recovered = Vec::new();
    if args.recover {
        if args.inputs.iter().any(|p| p.as_os_str() == "-") {
            return Err(CliError::msg(
                "--recover reads the inputs twice and cannot take standard input (-)",
            ));
        }
        let r = recover::before_batch(
            &verifier,
            &args.inputs,
            args.shard,
            jobs,
            args.recover_budget,
            args.quiet,
        );
        not_recovered = r
            .unrecovered
            .iter()
            .map(|u| (u.domain.clone(), u.selector.clone(), u.reason.clone()))
            .collect();
        if !r.keys.is_empty() {
            verifier.add_key_source(r.key_source());
        }
    }
    let document = DocumentOptions {
        settings: Settings {
            key_sources: verifier.source_names(),
            verification_time: Some(mailproof::rfc3339(verification_time)),
        },
        ..Default::default()
    };
    let status = batch::run(
        &verifier,
        batch::BatchSettings {
            inputs: args.inputs,
            format,
            document,
            output: args.output,
            summary: args.summary,
            resume: args.resume,
            jobs,
            shard: args.shard,
            quiet: args.quiet,
            not_recovered,
            force: args.force,
        },
    )?;
    let mut trouble = false;
    if let (Some(online), Some(path)) = (&online, &args.save_keys) {
        match keys::save_seen(&online.seen(), path) {
            Ok(n) => eprintln!(
                "mailproof: {n} key(s) found online saved to {}",
                path.display()
            ),
            Err(e) => {
                eprintln!("mailproof: {e}");
                trouble = true;
            }
        }
    }
    Ok(status.or_trouble(trouble))
}
