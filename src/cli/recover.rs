//! `mailproof keys recover`: recomputes RSA signing keys from the
//! signatures of the inputs, prints them as zone records on stdout and
//! appends them as archive records to `--out`.
//!
//! Exit status: 0 at least one key recovered, 1 none, 2 operational error.

use super::error::{CliError, Status, print};
use mailproof::recover::{self, Input, Options};
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct RecoverArgs {
    /// Append the recovered keys, in mailproof's archive format (one JSON
    /// object per line), to this file; use it later with `verify --keys`.
    #[arg(long = "output", short = 'o', alias = "out", value_name = "FILE")]
    out: Option<PathBuf>,
    /// Pairs of signatures tried per selector before giving up (each failed
    /// 2048-bit pair costs about half a minute).
    #[arg(long, default_value_t = Options::default().max_attempts, value_name = "N")]
    max_attempts: usize,
    /// .eml files, mbox files, Maildirs or directories (walked recursively).
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<PathBuf>,
}

/// Runs a `keys` subcommand.
pub fn recover_cmd(args: RecoverArgs) -> Result<Status, CliError> {
    let (planned, missing) = mailproof::input::plan(&args.inputs);
    let mut operational_error = !missing.is_empty();
    for m in &missing {
        eprintln!("mailproof: {m}");
    }
    let mut readable: Vec<(String, Vec<u8>)> = Vec::new();
    for item in mailproof::input::Messages::new(planned, |_: &str| true) {
        match item.bytes {
            Ok(b) => readable.push((item.source, b)),
            Err(why) => {
                eprintln!("mailproof: {}: {why}", item.source);
                operational_error = true;
            }
        }
    }
    let inputs: Vec<Input<'_>> = readable
        .iter()
        .map(|(source, bytes)| Input { source, bytes })
        .collect();
    let opts = Options {
        max_attempts: args.max_attempts,
        ..Default::default()
    };
    let mut progress = |line: &str| eprintln!("mailproof: {line}");
    let recovery = recover::recover(&inputs, &opts, &mut progress);
    for why in &recovery.skipped {
        eprintln!("mailproof: skipped {why}");
    }
    let mut text = String::new();
    for key in &recovery.keys {
        text.push_str(&key.zone_text());
        for s in &key.signatures {
            text.push_str(&format!(
                ";   verifies {} signature {}{}\n",
                s.source,
                s.index,
                if s.repaired {
                    " (after converting bare LF to CRLF)"
                } else {
                    ""
                }
            ));
        }
        text.push('\n');
    }
    for u in &recovery.unrecovered {
        text.push_str(&format!(
            "; not recovered: {}._domainkey.{} ({} signature{}): {}\n",
            u.selector,
            u.domain,
            u.signatures.len(),
            if u.signatures.len() == 1 { "" } else { "s" },
            u.reason
        ));
    }
    print(&text)?;
    if let Some(path) = &args.out {
        append_records(path, &recovery).map_err(|e| {
            CliError::msg(format!("{}: cannot append records: {e}", path.display()))
        })?;
    }
    eprintln!(
        "mailproof: {} key{} recovered",
        recovery.keys.len(),
        if recovery.keys.len() == 1 { "" } else { "s" }
    );
    let status = if recovery.keys.is_empty() {
        Status::NotVerified
    } else {
        Status::Success
    };
    Ok(status.or_trouble(operational_error))
}

fn append_records(path: &std::path::Path, recovery: &recover::Recovery) -> std::io::Result<()> {
    let mut lines = String::new();
    for key in &recovery.keys {
        let json = serde_json::to_string(&key.archive_record()).map_err(std::io::Error::other)?;
        lines.push_str(&json);
        lines.push('\n');
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    f.write_all(lines.as_bytes())
}

/// Signatures kept per selector for `verify --recover` (spread evenly over
/// the input): enough pairs for the search, a few hundred bytes each.
const BATCH_SAMPLES_PER_SELECTOR: usize = 64;

/// `verify --recover`: before the batch, reads the inputs once for the RSA
/// signatures whose selector no key source of `verifier` holds, and
/// recovers keys from those that share one (docs/key-recovery.md). The
/// caller adds `recovery.key_source()` to the verifier. Progress goes to a
/// terminal's stderr (a spinner), or as lines to stderr otherwise, unless
/// `quiet`.
pub fn before_batch(
    verifier: &mailproof::Verifier,
    inputs: &[PathBuf],
    shard: Option<(u64, u64)>,
    jobs: usize,
    budget: Option<std::time::Duration>,
    quiet: bool,
) -> recover::Recovery {
    use mailproof::input;
    use std::io::IsTerminal;
    let started = std::time::Instant::now();
    let terminal = !quiet && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
    let (planned, _missing) = input::plan(inputs); // named by the batch itself
    let pb = terminal.then(|| {
        let pb = indicatif::ProgressBar::new(input::total_size(&planned));
        let style = indicatif::ProgressStyle::with_template(
            "{elapsed_precise} key recovery: reading signatures [{wide_bar}] {bytes}/{total_bytes} {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
        pb.set_style(style);
        pb
    });
    let mut messages = input::Messages::new(planned, move |src: &str| {
        shard.is_none_or(|(k, n)| input::in_shard(src, k, n))
    })
    .max_bytes(verifier.limits().max_message_bytes);
    let items = std::iter::from_fn(move || {
        let item = messages.next()?;
        Some((item, messages.consumed))
    });
    let wanted = |d: &str, s: &str| !verifier.has_key(d, s);
    let mut collector = recover::Collector::new(BATCH_SAMPLES_PER_SELECTOR);
    let mut read = 0u64;
    let _ = mailproof::batch::ordered_parallel(
        items,
        jobs,
        |(item, consumed): (input::Item, u64)| {
            let sigs = match &item.bytes {
                Ok(b) => recover::Signatures::read(
                    Input {
                        source: &item.source,
                        bytes: b,
                    },
                    &wanted,
                ),
                // the batch reports the unreadable input itself
                Err(_) => recover::Signatures::default(),
            };
            (sigs, consumed)
        },
        |(sigs, consumed)| -> Result<(), ()> {
            collector.push(sigs);
            read += 1;
            if let Some(pb) = &pb {
                pb.set_position(consumed);
                pb.set_message(format!("{read} messages"));
            }
            Ok(())
        },
    );
    if let Some(pb) = &pb {
        pb.finish_and_clear();
    }
    let opts = Options {
        deadline: budget.map(|b| started + b),
        ..Default::default()
    };
    let spinner = terminal.then(|| {
        let pb = indicatif::ProgressBar::new_spinner();
        let style = indicatif::ProgressStyle::with_template(
            "{elapsed_precise} key recovery {spinner} {wide_msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner());
        pb.set_style(style);
        pb.enable_steady_tick(std::time::Duration::from_millis(200));
        pb
    });
    let mut progress = |line: &str| match &spinner {
        Some(pb) => pb.set_message(mailproof::render::escape::terminal(line)),
        None if !quiet => eprintln!("mailproof: {}", mailproof::render::escape::terminal(line)),
        None => {}
    };
    let recovery = collector.recover(&opts, &mut progress);
    if let Some(pb) = &spinner {
        pb.finish_and_clear();
    }
    if !quiet {
        for k in &recovery.keys {
            eprintln!(
                "mailproof: key recovered for {}: RSA {} bits, SHA-256 {}, {}",
                mailproof::render::escape::terminal(&mailproof::keys::record_name(
                    &k.domain,
                    &k.selector
                )),
                k.bits,
                k.sha256,
                mailproof::render::escape::terminal(&k.description())
            );
        }
    }
    recovery
}
