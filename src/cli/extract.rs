//! `mailproof extract SOURCE`: the exact bytes of the one message a source
//! name names (`box.mbox#2`, `dump.zip#a/b.eml`, `f.pst#Inbox/3`,
//! `fwd.eml#attached/1`, or a plain file), to stdout or `--out FILE`.
//!
//! They are the bytes `verify` checked under that name: their SHA-256 is
//! the report's `input_sha256`, so the publishable reports' "reproduce
//! this" steps write a message out of its container with this command
//! before `sha256sum` and dkimpy read it. For an Outlook item (`.msg`, PST)
//! or a bounce's `text/rfc822-headers` part they are the header block that
//! was kept, ended by an empty line, without the body (said on stderr;
//! [`mailproof::Verifier::headers_only_bytes`]).

use super::error::{CliError, Status};
use mailproof::input::{self, Messages};
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct ExtractArgs {
    /// Write the message to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    out: Option<PathBuf>,
    /// A source name as mailproof prints it (one message): a file,
    /// box.mbox#N, dump.zip#path/in/zip, x.msg#attached/N,
    /// dump.pst#Folder/N, fwd.eml#attached/N, or - (standard input).
    #[arg(value_name = "SOURCE")]
    source: PathBuf,
}

/// How many of the messages of a container the error message names.
const LISTED: usize = 5;

/// Finds the message and writes it. Exit 0 when written; a name that is
/// missing, unreadable or names no single message stops with status 2.
pub fn run(args: ExtractArgs) -> Result<Status, CliError> {
    let want = args.source.to_string_lossy().into_owned();
    let (planned, missing) = input::plan(std::slice::from_ref(&args.source));
    if let Some(m) = missing.first() {
        return Err(CliError::msg(m.to_string()));
    }
    // files are read only when they hold the message asked for
    let mut messages = Messages::new(planned, |_: &str| true)
        .max_bytes(mailproof::Limits::default().max_message_bytes)
        .defer_reads(true);
    let mut seen: Vec<String> = Vec::new();
    let mut buf = Vec::new();
    let found = loop {
        let Some(mut item) = messages.next() else {
            break None;
        };
        let source = std::mem::take(&mut item.source);
        let relevant = source == want || input::is_inside(&want, &source);
        let outlook = item.body_unavailable.take();
        if !relevant {
            seen.push(source);
            continue;
        }
        if let Err(why) = item.read_into(&mut buf) {
            return Err(CliError::msg(format!("{source}: {why}")));
        }
        let hit = if outlook.is_some() {
            (source == want).then(|| (std::mem::take(&mut buf), true))
        } else {
            mailproof::batch::find_message(&source, &buf, &want)
        };
        if let Some(hit) = hit {
            break Some((hit, outlook));
        }
        // the names this message does carry, for the hint
        let carried = if outlook.is_none() {
            mailproof::input::attached::extract(&buf).len()
        } else {
            0
        };
        seen.push(source.clone());
        seen.extend((1..=carried).map(|n| format!("{source}#attached/{n}")));
    };
    let Some(((mut bytes, headers_only), outlook)) = found else {
        return Err(CliError::msg(match seen.len() {
            0 => format!("{want}: names no message"),
            n => format!(
                "{want}: names no single message; give one source name as verify prints it{}: {}{}",
                if n == 1 { "" } else { ", e.g." },
                seen.iter()
                    .take(LISTED)
                    .map(|s| mailproof::render::escape::terminal(s))
                    .collect::<Vec<_>>()
                    .join(", "),
                if n > LISTED { ", ..." } else { "" }
            ),
        }));
    };
    if outlook.is_some() || headers_only {
        // as verify checks them, and as input_sha256 fingerprints them
        bytes = mailproof::Verifier::headers_only_bytes(&bytes);
    }
    if let Some(why) = outlook {
        eprintln!(
            "mailproof: {}: only the header block, without the body: {why}",
            mailproof::render::escape::terminal(&want)
        );
    } else if headers_only {
        eprintln!(
            "mailproof: {}: only the header block, without the body: {}",
            mailproof::render::escape::terminal(&want),
            mailproof::input::attached::HEADERS_ONLY_WHY
        );
    }
    match &args.out {
        Some(path) => std::fs::write(path, &bytes)
            .map_err(|e| CliError::msg(format!("cannot write {}: {e}", path.display())))?,
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(&bytes)
                .and_then(|()| out.flush())
                .map_err(CliError::Output)?;
        }
    }
    Ok(Status::Success)
}
