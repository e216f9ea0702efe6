//! Command-line parsing and the `verify` command.
//!
//! Exit status: 0 every message verified, 1 some message not verified,
//! 2 operational error (bad arguments, unreadable key file, missing input).

mod batch;
mod summarize;

use clap::{Parser, Subcommand, ValueEnum};
use mailproof::Verifier;
use mailproof::keys::KeyArchive;
use mailproof::render::Settings;
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
    /// Merge the JSONL records and/or summaries of runs (shards) into one
    /// summary.
    Summarize(summarize::SummarizeArgs),
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
    /// Look keys up in live DNS when no archive has them (not available yet).
    #[arg(long)]
    online: bool,
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
    /// No progress bar and no summary text.
    #[arg(long, short = 'q')]
    quiet: bool,
    /// .eml files, mbox files, Maildirs, directories (walked recursively),
    /// or - for standard input.
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
    Jsonl,
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
        Command::Summarize(args) => summarize::run(args),
    }
}

fn verify(args: VerifyArgs) -> i32 {
    if args.online {
        eprintln!(
            "mailproof: --online is not available in this build yet; use --keys with an archived key"
        );
        return 2;
    }
    let mut builder = Verifier::builder().builtin_archive(!args.no_builtin_keys);
    for path in &args.keys {
        match KeyArchive::load_file(path) {
            Ok(a) => builder = builder.key_source(a),
            Err(e) => {
                eprintln!("mailproof: key file {e}");
                return 2;
            }
        }
    }
    let verifier = builder.build();
    let settings = Settings {
        key_sources: verifier.source_names(),
    };
    let format = match args.format {
        Some(Format::Text) => batch::RecordFormat::Text,
        Some(Format::Json) => batch::RecordFormat::Json,
        Some(Format::Jsonl) => batch::RecordFormat::Jsonl,
        None if args.output.is_some() => batch::RecordFormat::Jsonl,
        None => batch::RecordFormat::Text,
    };
    if args.resume && format != batch::RecordFormat::Jsonl {
        eprintln!("mailproof: --resume needs JSONL records (--format jsonl)");
        return 2;
    }
    let jobs = match args.jobs {
        Some(0) => {
            eprintln!("mailproof: --jobs must be at least 1");
            return 2;
        }
        Some(n) => n,
        None => mailproof::batch::default_jobs(),
    };
    batch::run(
        &verifier,
        &settings,
        batch::BatchSettings {
            inputs: args.inputs,
            format,
            output: args.output,
            summary: args.summary,
            resume: args.resume,
            jobs,
            shard: args.shard,
            quiet: args.quiet,
        },
    )
}
