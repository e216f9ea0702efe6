//! Where messages come from: `.eml` files, directories, Maildirs, mbox files
//! and standard input, turned into a stream of [`Item`]s in a reproducible
//! order, each with a stable, unique `source` name.
//!
//! - A directory is walked recursively in byte order of the entry names;
//!   hidden entries are skipped. In a Maildir (a directory holding `cur/` and
//!   `new/`) only `cur/`, `new/` and Maildir++ sub-folders (`.Name/` holding
//!   `cur/`) are read: `tmp/` holds deliveries in progress and the files at
//!   its top are the mail server's indexes.
//! - A file that starts with a `From ` line and holds more than one message
//!   is an mbox: its messages are named `path#1`, `path#2`, ... and streamed
//!   one at a time ([`mbox::MboxReader`]), never read whole. A file with a
//!   single message (with or without a postmark line) is named `path` and
//!   given whole, as it is on disk.
//! - `-` is standard input, read the same way (`-` or `-#N`).
//!
//! Failures to read become items whose bytes are an error, so that every
//! message read or attempted gets exactly one record.

pub mod mbox;

use mbox::{MboxEntry, MboxError, MboxReader};
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

/// One message to verify: where it came from and its bytes, or why not.
#[derive(Debug)]
pub struct Item {
    /// `path`, `path#N` (N-th message of an mbox, 1-based), `-` or `-#N`.
    pub source: String,
    /// The message exactly as stored, or why it could not be read.
    pub bytes: Result<Vec<u8>, String>,
}

/// One input file found by [`plan`] (or standard input).
#[derive(Debug, Clone)]
pub struct Planned {
    /// The file, or `None` for standard input.
    pub path: Option<PathBuf>,
    /// Its name in reports.
    pub source: String,
    /// Size on disk when known (for progress).
    pub size: Option<u64>,
    /// Set when the entry could not be listed (unreadable directory).
    pub error: Option<String>,
}

/// A command-line path that does not exist.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {source}")]
pub struct MissingInput {
    /// The path as given.
    pub path: String,
    /// Why.
    pub source: std::io::Error,
}

/// Expands paths into the files to read, in order. Paths that do not exist
/// are returned apart (an operational error for the caller); unreadable
/// directories become entries with an error.
pub fn plan(paths: &[PathBuf]) -> (Vec<Planned>, Vec<MissingInput>) {
    let mut out = Vec::new();
    let mut missing = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            out.push(Planned {
                path: None,
                source: "-".into(),
                size: None,
                error: None,
            });
            continue;
        }
        match std::fs::metadata(p) {
            Err(e) => missing.push(MissingInput {
                path: p.display().to_string(),
                source: e,
            }),
            Ok(m) if m.is_dir() => walk(p, &mut out),
            Ok(m) => out.push(file(p, Some(m.len()))),
        }
    }
    (out, missing)
}

fn file(p: &Path, size: Option<u64>) -> Planned {
    Planned {
        path: Some(p.to_path_buf()),
        source: p.display().to_string(),
        size,
        error: None,
    }
}

fn is_maildir(dir: &Path) -> bool {
    dir.join("cur").is_dir() && dir.join("new").is_dir()
}

fn walk(dir: &Path, out: &mut Vec<Planned>) {
    let mut entries: Vec<(PathBuf, std::fs::FileType)> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok())
            .filter_map(|e| Some((e.path(), e.file_type().ok()?)))
            .collect(),
        Err(e) => {
            out.push(Planned {
                error: Some(format!("cannot read directory: {e}")),
                ..file(dir, None)
            });
            return;
        }
    };
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let maildir = is_maildir(dir);
    for (p, ty) in entries {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        // follow symlinks for the kind of entry
        let is_dir = if ty.is_symlink() {
            p.is_dir()
        } else {
            ty.is_dir()
        };
        if maildir {
            let subfolder = name.starts_with('.') && is_dir && is_maildir(&p);
            if !(name == "cur" || name == "new" || subfolder) {
                continue;
            }
        } else if name.starts_with('.') {
            continue;
        }
        if is_dir {
            walk(&p, out);
        } else {
            let size = std::fs::metadata(&p).ok().map(|m| m.len());
            out.push(file(&p, size));
        }
    }
}

/// The messages of planned inputs, read lazily in order. Only messages whose
/// source `select` accepts are read into memory and returned (a shard); the
/// others of an mbox are split and dropped, other files are not opened.
pub struct Messages<F> {
    planned: std::vec::IntoIter<Planned>,
    select: F,
    current: Option<Mailbox>,
    /// Input bytes consumed so far (for progress).
    pub consumed: u64,
}

struct Mailbox {
    source: String,
    reader: MboxReader<BufReader<Box<dyn Read + Send>>>,
}

impl<F: FnMut(&str) -> bool> Messages<F> {
    /// Messages of `planned`, restricted to sources accepted by `select`.
    pub fn new(planned: Vec<Planned>, select: F) -> Self {
        Messages {
            planned: planned.into_iter(),
            select,
            current: None,
            consumed: 0,
        }
    }

    fn next_from_mailbox(&mut self) -> Option<Item> {
        loop {
            let mb = self.current.as_mut()?;
            let entry = match mb.reader.next() {
                None => {
                    self.current = None;
                    return None;
                }
                Some(e) => e,
            };
            let index = mb.reader.position();
            let source = format!("{}#{}", mb.source, index);
            let item = match entry {
                Ok(e) => {
                    self.consumed += (e.postmark.len() + e.message.len() + e.gap.len()) as u64;
                    Item {
                        source,
                        bytes: Ok(e.message),
                    }
                }
                Err(e) => Item {
                    source,
                    bytes: Err(e.to_string()),
                },
            };
            if (self.select)(&item.source) {
                return Some(item);
            }
        }
    }

    /// Opens the next planned input; returns a whole-file item, or `None`
    /// once it has set up a mailbox to stream (or skipped a file).
    fn open(&mut self, p: Planned) -> Option<Item> {
        if let Some(why) = p.error {
            return (self.select)(&p.source).then_some(Item {
                source: p.source,
                bytes: Err(why),
            });
        }
        let reader: Box<dyn Read + Send> = match &p.path {
            None => Box::new(std::io::stdin()),
            Some(path) => {
                if !(self.select)(&p.source) && !may_be_mbox(path) {
                    self.consumed += p.size.unwrap_or(0);
                    return None;
                }
                match File::open(path) {
                    Ok(f) => Box::new(f),
                    Err(e) => {
                        return (self.select)(&p.source).then(|| Item {
                            source: p.source,
                            bytes: Err(format!("cannot read file: {e}")),
                        });
                    }
                }
            }
        };
        // Peek at the first bytes without a buffer: a plain message is then
        // read straight into its own vector (no copy through a BufReader).
        let mut reader = reader;
        let mut head = [0u8; 5];
        let mut got = 0;
        while got < head.len() {
            match reader.read(&mut head[got..]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    return (self.select)(&p.source).then(|| Item {
                        source: p.source,
                        bytes: Err(format!("cannot read file: {e}")),
                    });
                }
            }
        }
        let head = &head[..got];
        if !mbox::starts_like_mbox(head) {
            if !(self.select)(&p.source) {
                self.consumed += p.size.unwrap_or(0);
                return None;
            }
            let mut bytes = Vec::with_capacity(p.size.unwrap_or(0) as usize + 1);
            bytes.extend_from_slice(head);
            let res = reader.read_to_end(&mut bytes);
            self.consumed += bytes.len() as u64;
            return Some(Item {
                source: p.source,
                bytes: res
                    .map(|_| bytes)
                    .map_err(|e| format!("cannot read file: {e}")),
            });
        }
        let chained: Box<dyn Read + Send> =
            Box::new(std::io::Cursor::new(head.to_vec()).chain(reader));
        let reader = BufReader::with_capacity(256 << 10, chained);
        self.open_mailbox(p.source, reader)
    }

    /// A file that starts with a postmark: one message is given whole under
    /// the file's name; more are streamed as `source#N`.
    fn open_mailbox(
        &mut self,
        source: String,
        reader: BufReader<Box<dyn Read + Send>>,
    ) -> Option<Item> {
        let mut reader = MboxReader::new(reader);
        let first = reader.next();
        // Peek whether a second message follows without reading it whole:
        // a postmark line is waiting once the first message is complete.
        if !reader.has_pending() {
            let item = match first {
                None => Item {
                    source: source.clone(),
                    bytes: Ok(Vec::new()),
                },
                Some(Ok(e)) => {
                    let bytes = e.framed();
                    self.consumed += bytes.len() as u64;
                    Item {
                        source: source.clone(),
                        bytes: Ok(bytes),
                    }
                }
                Some(Err(e)) => Item {
                    source: source.clone(),
                    bytes: Err(e.to_string()),
                },
            };
            return (self.select)(&source).then_some(item);
        }
        let first_item = first.map(|r| (r, format!("{source}#1")));
        self.current = Some(Mailbox { source, reader });
        match first_item {
            Some((Ok(e), src)) => {
                self.consumed += (e.postmark.len() + e.message.len() + e.gap.len()) as u64;
                (self.select)(&src).then_some(Item {
                    source: src,
                    bytes: Ok(e.message),
                })
            }
            Some((Err(e), src)) => (self.select)(&src).then_some(Item {
                source: src,
                bytes: Err(e.to_string()),
            }),
            None => None,
        }
    }
}

/// Whether a file may be an mbox (so its messages must be split even when
/// the file's own name is outside the shard). Reads the first 5 bytes.
fn may_be_mbox(path: &Path) -> bool {
    let mut head = [0u8; 5];
    File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok()
        && mbox::starts_like_mbox(&head)
}

impl<F: FnMut(&str) -> bool> Iterator for Messages<F> {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        loop {
            if self.current.is_some() {
                if let Some(item) = self.next_from_mailbox() {
                    return Some(item);
                }
                continue;
            }
            let p = self.planned.next()?;
            if let Some(item) = self.open(p) {
                return Some(item);
            }
        }
    }
}

/// Reads one whole mbox entry list (tests and tools; streams nothing).
pub fn split_mbox(bytes: &[u8]) -> Result<Vec<MboxEntry>, MboxError> {
    MboxReader::new(bytes).collect()
}

/// Total size of the planned inputs that have a known size.
pub fn total_size(planned: &[Planned]) -> u64 {
    planned.iter().filter_map(|p| p.size).sum()
}

/// A stable 64-bit hash of a source name (FNV-1a), used for sharding: the
/// same name lands in the same shard on every machine and every run.
pub fn source_hash(source: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in source.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Shard `k` of `n` (1-based `k`): whether `source` belongs to it.
pub fn in_shard(source: &str, k: u64, n: u64) -> bool {
    n <= 1 || source_hash(source) % n == k - 1
}
