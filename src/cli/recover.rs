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
    #[arg(long, value_name = "FILE")]
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
    };
    let mut progress = |line: &str| eprintln!("mailproof: {line}");
    let recovery = recover::recover(&inputs, &opts, &mut progress)
        .map_err(|e| CliError::msg(e.to_string()))?;
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
