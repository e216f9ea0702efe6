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
    /// The message exactly as stored, or why it could not be read. With
    /// [`Messages::defer_reads`], only the first bytes of a plain file: the
    /// rest is in `rest`, read by [`Item::read_into`].
    pub bytes: Result<Vec<u8>, String>,
    /// The still unread part of a plain file ([`Messages::defer_reads`];
    /// read it with [`Item::read_into`]).
    pub rest: Option<Rest>,
}

/// The open file behind a deferred [`Item`], positioned after its first
/// bytes.
#[derive(Debug)]
pub struct Rest {
    file: File,
    size: u64,
    max: u64,
}

impl Item {
    fn new(source: String, bytes: Result<Vec<u8>, String>) -> Self {
        Item {
            source,
            bytes,
            rest: None,
        }
    }

    /// The whole message, into `buf`: `bytes` as they are, or, for a
    /// deferred file, `bytes` and the rest of the file (`buf` is cleared
    /// first and its capacity reused, so a worker thread keeps one buffer).
    /// Takes the item, so a file is read once. A read failure or a file
    /// grown over the size cap is an error, as it would be read eagerly.
    pub fn read_into(self, buf: &mut Vec<u8>) -> Result<(), String> {
        let head = self.bytes?;
        match self.rest {
            None => {
                *buf = head;
                Ok(())
            }
            Some(mut rest) => read_rest(&head, &mut rest.file, rest.size, rest.max, buf),
        }
    }
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
            Ok(m) => out.push(checked_file(p, &m)),
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

/// A file entry, or an error entry for what must not be opened: a FIFO,
/// socket or device (opening or reading it could block forever).
fn checked_file(p: &Path, m: &std::fs::Metadata) -> Planned {
    let mut f = file(p, Some(m.len()));
    if !m.is_file() {
        f.error = Some("cannot read file: not a regular file (a FIFO, socket or device)".into());
    }
    f
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
        if is_dir && ty.is_symlink() {
            // A link to a parent would make the walk loop (exponentially
            // with two links): say so instead of following it.
            out.push(Planned {
                error: Some("symbolic link to a directory: not followed".into()),
                ..file(&p, None)
            });
        } else if is_dir {
            walk(&p, out);
        } else {
            match std::fs::metadata(&p) {
                Ok(m) => out.push(checked_file(&p, &m)),
                // vanished since listing, or a dangling link: File::open
                // reports why
                Err(_) => out.push(file(&p, None)),
            }
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
    /// Largest message read into memory (see [`Messages::max_bytes`]).
    max_bytes: u64,
    /// Leave plain files to [`Item::read_into`] (see [`Messages::defer_reads`]).
    defer: bool,
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
            max_bytes: crate::Limits::default().max_message_bytes,
            defer: false,
        }
    }

    /// Plain files (not mboxes, not standard input) are opened and checked
    /// here but read by [`Item::read_into`], so that several worker threads
    /// read in parallel, each into a buffer it reuses. Without this, every
    /// item holds its whole message.
    pub fn defer_reads(mut self, yes: bool) -> Self {
        self.defer = yes;
        self
    }

    /// Caps the size of one message read into memory (the verifier's
    /// `max_message_bytes`): a bigger file is an error item and is not
    /// read; a bigger mbox message is skipped with an error item.
    pub fn max_bytes(mut self, max: u64) -> Self {
        self.max_bytes = max;
        self
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
                    Item::new(source, Ok(e.message))
                }
                Err(e) => Item::new(source, Err(e.to_string())),
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
            return (self.select)(&p.source).then_some(Item::new(p.source, Err(why)));
        }
        let mut file = match &p.path {
            None => None,
            Some(path) => {
                if !(self.select)(&p.source) && !may_be_mbox(path) {
                    self.consumed += p.size.unwrap_or(0);
                    return None;
                }
                match File::open(path) {
                    Ok(f) => Some(f),
                    Err(e) => {
                        return (self.select)(&p.source)
                            .then(|| Item::new(p.source, Err(format!("cannot read file: {e}"))));
                    }
                }
            }
        };
        // Peek at the first bytes without a buffer: a plain message is then
        // read straight into its own vector (no copy through a BufReader).
        let mut head = [0u8; 5];
        let mut got = 0;
        while got < head.len() {
            let n = match &mut file {
                Some(f) => f.read(&mut head[got..]),
                None => std::io::stdin().read(&mut head[got..]),
            };
            match n {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    return (self.select)(&p.source)
                        .then(|| Item::new(p.source, Err(format!("cannot read file: {e}"))));
                }
            }
        }
        let head = &head[..got];
        if !mbox::starts_like_mbox(head) {
            if !(self.select)(&p.source) {
                self.consumed += p.size.unwrap_or(0);
                return None;
            }
            let max = self.max_bytes;
            if let Some(size) = p.size.filter(|s| *s > max) {
                self.consumed += size;
                return Some(Item::new(p.source, Err(crate::limits::too_big(size, max))));
            }
            let size = p.size.unwrap_or(0);
            if let Some(f) = file.take_if(|_| self.defer) {
                self.consumed += size;
                return Some(Item {
                    source: p.source,
                    bytes: Ok(head.to_vec()),
                    rest: Some(Rest { file: f, size, max }),
                });
            }
            let mut bytes = Vec::new();
            let res = match &mut file {
                Some(f) => read_rest(head, f, size, max, &mut bytes),
                None => read_rest(head, &mut std::io::stdin(), size, max, &mut bytes),
            };
            self.consumed += bytes.len() as u64;
            return Some(Item::new(p.source, res.map(|()| bytes)));
        }
        let reader: Box<dyn Read + Send> = match file {
            Some(f) => Box::new(f),
            None => Box::new(std::io::stdin()),
        };
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
        let limit = usize::try_from(self.max_bytes).unwrap_or(usize::MAX);
        let mut reader = MboxReader::with_limit(reader, limit);
        let first = reader.next();
        // Peek whether a second message follows without reading it whole:
        // a postmark line is waiting once the first message is complete.
        if !reader.has_pending() {
            let item = match first {
                None => Item::new(source.clone(), Ok(Vec::new())),
                Some(Ok(e)) => {
                    let bytes = e.framed();
                    self.consumed += bytes.len() as u64;
                    Item::new(source.clone(), Ok(bytes))
                }
                Some(Err(e)) => Item::new(source.clone(), Err(e.to_string())),
            };
            return (self.select)(&source).then_some(item);
        }
        let first_item = first.map(|r| (r, format!("{source}#1")));
        self.current = Some(Mailbox { source, reader });
        match first_item {
            Some((Ok(e), src)) => {
                self.consumed += (e.postmark.len() + e.message.len() + e.gap.len()) as u64;
                (self.select)(&src).then_some(Item::new(src, Ok(e.message)))
            }
            Some((Err(e), src)) => {
                (self.select)(&src).then_some(Item::new(src, Err(e.to_string())))
            }
            None => None,
        }
    }
}

/// Reads a plain message into `buf` (cleared first): `head`, the bytes
/// already peeked, then the rest of `reader`, never past `max` (even if
/// the file grew, or is standard input).
fn read_rest(
    head: &[u8],
    reader: &mut dyn Read,
    size: u64,
    max: u64,
    buf: &mut Vec<u8>,
) -> Result<(), String> {
    buf.clear();
    buf.reserve(size.min(max) as usize + 1);
    buf.extend_from_slice(head);
    let left = (max + 1).saturating_sub(head.len() as u64);
    reader
        .take(left)
        .read_to_end(buf)
        .map_err(|e| format!("cannot read file: {e}"))?;
    if buf.len() as u64 > max {
        return Err(format!(
            "the input is over the max-message-size cap of {max} bytes (raise it with --max-message-size)"
        ));
    }
    Ok(())
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
