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
//!   given whole, as it is on disk. A UTF-8 byte order mark and blank lines
//!   before the first `From ` line (a file saved by a text editor) do not
//!   hide it: they belong to no message, are skipped, and the first
//!   message's report says so ([`Item::skipped_before`]).
//! - `-` is standard input, read the same way (`-` or `-#N`).
//! - An archive (`.zip`, `.tar`, `.tar.gz`, recognised by content) is opened
//!   and its entries treated as files of their own, in name order, named
//!   `dump.zip#path/in/zip`, under the caps of [`archive`]; archives inside
//!   archives are opened to a small depth.
//! - An Outlook `.msg` ([`msg`]) gives its received header block (the body
//!   is not kept by the format: the item says so) and the messages attached
//!   to it, `x.msg#attached/N`; a PST or OST ([`pst`]) gives every message of
//!   every folder, `dump.pst#Folder/Sub/N`.
//!
//! Every name printed is accepted back as an input (see [`plan`]): `path#…`
//! that is not itself a file names one message (or folder, or entry) inside
//! the longest prefix that is a file.
//!
//! Failures to read become items whose bytes are an error, so that every
//! message read or attempted gets exactly one record.

pub mod archive;
pub mod attached;
pub mod mbox;
pub mod msg;
pub mod pst;

use archive::{ArchiveKind, ArchiveLimits, Blob, Budget, Entries};
use mbox::{MboxEntry, MboxError, MboxReader};
use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One message to verify: where it came from and its bytes, or why not.
#[derive(Debug)]
pub struct Item {
    /// `path`, `path#N` (N-th message of an mbox, 1-based), `-` or `-#N`,
    /// `archive#entry`, `x.msg#attached/N`, `dump.pst#Folder/N`.
    pub source: String,
    /// The message exactly as stored, or why it could not be read. With
    /// [`Messages::defer_reads`], only the first bytes of a plain file: the
    /// rest is in `rest`, read by [`Item::read_into`].
    pub bytes: Result<Vec<u8>, String>,
    /// The still unread part of a plain file ([`Messages::defer_reads`];
    /// read it with [`Item::read_into`]).
    pub rest: Option<Rest>,
    /// Set when the bytes are a header block whose body the input format
    /// did not keep (Outlook `.msg`, PST): why, in words. The verdict can
    /// then be at most `headers_verified`.
    pub body_unavailable: Option<String>,
    /// Set when the run asks for one message inside this one (an attached
    /// message, `x.eml#attached/1`): that name. Only reports named so, or
    /// inside it, are wanted.
    pub want: Option<Arc<str>>,
    /// How many containers (archives, `.msg`) this item is inside.
    pub depth: usize,
    /// Set when the input named a message inside a file (`x.mbox#9`) and
    /// the file holds none of that name: `bytes` says so. Like a missing
    /// input path, an operational error (exit status 2), not a verdict.
    pub name_not_found: bool,
    /// Bytes of the input just before this message that belong to no
    /// message and were skipped: a UTF-8 byte order mark or blank lines
    /// before an mbox's first postmark line ([`mbox::MboxEntry::skipped`]);
    /// empty otherwise. The message's report names them
    /// ([`crate::batch::note_skipped`]).
    pub skipped_before: Vec<u8>,
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
    /// An item of `bytes` (or an error) named `source`.
    pub fn new(source: String, bytes: Result<Vec<u8>, String>) -> Self {
        Item {
            source,
            bytes,
            rest: None,
            body_unavailable: None,
            want: None,
            depth: 0,
            name_not_found: false,
            skipped_before: Vec::new(),
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
    /// Set when the command line named one message inside the file
    /// (`small.mbox#2`, `dump.zip#a/b.eml`): that name.
    pub want: Option<Arc<str>>,
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
                want: None,
            });
            continue;
        }
        match std::fs::metadata(p) {
            Err(e) => match inside_file(p) {
                Some(planned) => out.push(planned),
                None => missing.push(MissingInput {
                    path: p.display().to_string(),
                    source: e,
                }),
            },
            Ok(m) if m.is_dir() => walk(p, &mut out),
            Ok(m) => out.push(checked_file(p, &m)),
        }
    }
    (out, missing)
}

/// `path#name` that is not a file: the longest prefix before a `#` that is
/// a file (or `-`), asked for `name` inside it.
fn inside_file(p: &Path) -> Option<Planned> {
    let whole = p.to_str()?;
    let mut cut = whole.len();
    while let Some(i) = whole[..cut].rfind('#') {
        cut = i;
        let (file_part, rest) = whole.split_at(i);
        if rest.len() < 2 {
            continue;
        }
        let want = Some(Arc::<str>::from(whole));
        if file_part == "-" {
            return Some(Planned {
                path: None,
                source: "-".into(),
                size: None,
                error: None,
                want,
            });
        }
        if let Some(m) = std::fs::metadata(file_part).ok().filter(|m| !m.is_dir()) {
            let mut f = checked_file(Path::new(file_part), &m);
            f.want = want;
            return Some(f);
        }
    }
    None
}

/// Whether an item named `source` matters to a run that asks for `want`:
/// it is that message, one inside it, or one that holds it.
pub fn relevant(source: &str, want: &str) -> bool {
    source == want || is_inside(source, want) || is_inside(want, source)
}

/// Whether `inner` names something inside `outer`: `outer#…`, or
/// `outer/…` when `outer` is already inside a file (a folder of a PST or of
/// an archive, a message attached to an attached message).
pub fn is_inside(inner: &str, outer: &str) -> bool {
    inner
        .strip_prefix(outer)
        .is_some_and(|rest| rest.starts_with('#') || (rest.starts_with('/') && outer.contains('#')))
}

fn file(p: &Path, size: Option<u64>) -> Planned {
    Planned {
        path: Some(p.to_path_buf()),
        source: p.display().to_string(),
        size,
        error: None,
        want: None,
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
/// others of an mbox or archive are split and dropped, other files are not
/// opened.
pub struct Messages<F> {
    planned: std::vec::IntoIter<Planned>,
    select: F,
    /// Containers being walked, innermost last.
    stack: Vec<Frame>,
    /// Input bytes consumed so far (for progress).
    pub consumed: u64,
    /// Largest message read into memory (see [`Messages::max_bytes`]).
    max_bytes: u64,
    /// Leave plain files to [`Item::read_into`] (see [`Messages::defer_reads`]).
    defer: bool,
    archive_limits: ArchiveLimits,
    /// What the current planned input's archives have unpacked.
    budget: Budget,
    /// The one message asked for in the current planned input, and whether
    /// anything matched it yet.
    want: Option<(Arc<str>, bool)>,
}

/// A container being walked.
enum Frame {
    Mailbox(Mailbox),
    Archive {
        source: String,
        entries: Box<Entries>,
        depth: usize,
    },
    /// Items found all at once (the parts of a `.msg`).
    Queue(VecDeque<Item>),
    Pst(pst::PstItems),
}

struct Mailbox {
    source: String,
    reader: MboxReader<BufReader<Box<dyn Read + Send>>>,
    depth: usize,
}

/// What bytes hold, by content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Archive(ArchiveKind),
    Msg,
    Pst,
    Mbox,
    Plain,
}

fn kind_of(head: &[u8]) -> Kind {
    if let Some(k) = archive::sniff(head) {
        Kind::Archive(k)
    } else if head.starts_with(msg::OLE_MAGIC) {
        Kind::Msg
    } else if head.starts_with(pst::PST_MAGIC) {
        Kind::Pst
    } else if mbox::starts_like_mbox(head) {
        Kind::Mbox
    } else {
        Kind::Plain
    }
}

/// Bytes read to tell a file's kind.
const SNIFF: usize = 512;

impl<F: FnMut(&str) -> bool> Messages<F> {
    /// Messages of `planned`, restricted to sources accepted by `select`.
    pub fn new(planned: Vec<Planned>, select: F) -> Self {
        Messages {
            planned: planned.into_iter(),
            select,
            stack: Vec::new(),
            consumed: 0,
            max_bytes: crate::Limits::default().max_message_bytes,
            defer: false,
            archive_limits: ArchiveLimits::default(),
            budget: Budget::default(),
            want: None,
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
    /// read; a bigger mbox message or archive entry is skipped with an
    /// error item.
    pub fn max_bytes(mut self, max: u64) -> Self {
        self.max_bytes = max;
        self.archive_limits.max_entry_bytes = max;
        self
    }

    /// Replaces the caps on archives (the entry cap stays
    /// [`Messages::max_bytes`]).
    pub fn archive_limits(mut self, limits: ArchiveLimits) -> Self {
        self.archive_limits = ArchiveLimits {
            max_entry_bytes: self.max_bytes,
            ..limits
        };
        self
    }

    /// Whether an item named `source` is wanted by the current input.
    fn wanted(&self, source: &str) -> bool {
        self.want.as_ref().is_none_or(|(w, _)| relevant(source, w))
    }

    /// The next item of the innermost container, or `None` when it is done.
    fn next_in_frame(&mut self) -> Option<Item> {
        let want = self.want.as_ref().map(|(w, _)| w.clone());
        let frame = self.stack.last_mut()?;
        match frame {
            Frame::Mailbox(mb) => {
                let entry = mb.reader.next()?;
                let index = mb.reader.position();
                let source = format!("{}#{}", mb.source, index);
                let mut item = match entry {
                    Ok(e) => {
                        if mb.depth == 0 {
                            self.consumed +=
                                (e.postmark.len() + e.message.len() + e.gap.len()) as u64;
                        }
                        let mut item = Item::new(source, Ok(e.message));
                        item.skipped_before = e.skipped;
                        item
                    }
                    Err(e) => Item::new(source, Err(e.to_string())),
                };
                item.depth = mb.depth;
                Some(item)
            }
            Frame::Archive {
                source,
                entries,
                depth,
            } => {
                let prefix = format!("{source}#");
                let mut wanted = |name: &str| {
                    want.as_ref()
                        .is_none_or(|w| relevant(&format!("{prefix}{name}"), w))
                };
                let entry = entries.next_entry(&mut self.budget, &mut wanted)?;
                let mut item = match entry {
                    Err(why) => Item::new(source.clone(), Err(why)),
                    Ok(e) if e.name.is_empty() => Item::new(
                        source.clone(),
                        Err(e.bytes.err().map(|e| e.to_string()).unwrap_or_default()),
                    ),
                    Ok(e) => Item::new(
                        format!("{prefix}{}", e.name),
                        e.bytes.map_err(|e| e.to_string()),
                    ),
                };
                item.depth = *depth;
                Some(item)
            }
            Frame::Queue(q) => q.pop_front(),
            Frame::Pst(p) => p.next_item(),
        }
    }

    /// Opens a container held in memory (an archive entry, a message of a
    /// `.msg`), or returns the item when it is a message.
    fn expand(&mut self, mut item: Item) -> Option<Item> {
        let Ok(bytes) = &item.bytes else {
            return Some(item);
        };
        if item.body_unavailable.is_some() {
            return Some(item);
        }
        let kind = kind_of(&bytes[..bytes.len().min(SNIFF)]);
        let depth = item.depth + 1;
        let too_deep = depth > self.archive_limits.max_depth;
        match kind {
            Kind::Plain => Some(item),
            Kind::Mbox => {
                let data = std::mem::take(item.bytes.as_mut().ok()?);
                let reader: Box<dyn Read + Send> = Box::new(std::io::Cursor::new(data));
                self.open_mailbox(item.source, BufReader::new(reader), item.depth)
            }
            _ if too_deep => {
                item.bytes = Err(format!(
                    "a container nested more than {} deep is not opened: unpack it first",
                    self.archive_limits.max_depth
                ));
                Some(item)
            }
            Kind::Archive(k) => {
                let data: Arc<[u8]> = std::mem::take(item.bytes.as_mut().ok()?).into();
                self.stack.push(Frame::Archive {
                    source: item.source,
                    entries: Box::new(Entries::open(
                        Blob::Memory(data),
                        k,
                        self.archive_limits.clone(),
                    )),
                    depth,
                });
                None
            }
            Kind::Msg => {
                let data = std::mem::take(item.bytes.as_mut().ok()?);
                let items = msg::items(&item.source, &data, depth, self.max_bytes);
                self.stack.push(Frame::Queue(items.into()));
                None
            }
            Kind::Pst => {
                item.bytes = Err(
                    "a PST or OST file inside an archive is not opened: unpack it first".into(),
                );
                Some(item)
            }
        }
    }

    /// Opens the next planned input; returns a whole-file item, or `None`
    /// once it has set up a container to walk (or skipped a file).
    fn open(&mut self, p: Planned) -> Option<Item> {
        if let Some(why) = p.error {
            return (self.select)(&p.source).then_some(Item::new(p.source, Err(why)));
        }
        let mut file = match &p.path {
            None => None,
            Some(path) => {
                if !(self.select)(&p.source) && p.want.is_none() && !may_be_container(path) {
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
        let mut head = [0u8; SNIFF];
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
        let kind = kind_of(head);
        match (kind, &p.path) {
            (Kind::Archive(k), Some(path)) => {
                self.consumed += p.size.unwrap_or(0);
                self.stack.push(Frame::Archive {
                    source: p.source,
                    entries: Box::new(Entries::open(
                        Blob::File(path.clone()),
                        k,
                        self.archive_limits.clone(),
                    )),
                    depth: 1,
                });
                return None;
            }
            (Kind::Pst, Some(path)) => {
                self.consumed += p.size.unwrap_or(0);
                let items = pst::PstItems::open(path.clone(), p.source, self.max_bytes);
                self.stack.push(Frame::Pst(items));
                return None;
            }
            (Kind::Mbox, _) => {
                let reader: Box<dyn Read + Send> = match file {
                    Some(f) => Box::new(f),
                    None => Box::new(std::io::stdin()),
                };
                let chained: Box<dyn Read + Send> =
                    Box::new(std::io::Cursor::new(head.to_vec()).chain(reader));
                let reader = BufReader::with_capacity(256 << 10, chained);
                return self.open_mailbox(p.source, reader, 0);
            }
            _ => {}
        }
        let container = kind != Kind::Plain;
        if !container && !(self.select)(&p.source) {
            self.consumed += p.size.unwrap_or(0);
            return None;
        }
        let max = self.max_bytes;
        if let Some(size) = p.size.filter(|s| *s > max) {
            self.consumed += size;
            return Some(Item::new(p.source, Err(crate::limits::too_big(size, max))));
        }
        let size = p.size.unwrap_or(0);
        if let Some(f) = file.take_if(|_| self.defer && !container) {
            self.consumed += size;
            let mut item = Item::new(p.source, Ok(head.to_vec()));
            item.rest = Some(Rest { file: f, size, max });
            return Some(item);
        }
        let mut bytes = Vec::new();
        let res = match &mut file {
            Some(f) => read_rest(head, f, size, max, &mut bytes),
            None => read_rest(head, &mut std::io::stdin(), size, max, &mut bytes),
        };
        self.consumed += bytes.len() as u64;
        Some(Item::new(p.source, res.map(|()| bytes)))
    }

    /// A file that starts with a postmark: one message is given whole under
    /// the file's name; more are streamed as `source#N`.
    fn open_mailbox(
        &mut self,
        source: String,
        reader: BufReader<Box<dyn Read + Send>>,
        depth: usize,
    ) -> Option<Item> {
        let limit = usize::try_from(self.max_bytes).unwrap_or(usize::MAX);
        let mut reader = MboxReader::with_limit(reader, limit);
        let first = reader.next();
        // Peek whether a second message follows without reading it whole:
        // a postmark line is waiting once the first message is complete.
        if !reader.has_pending() {
            let mut item = match first {
                None => Item::new(source.clone(), Ok(Vec::new())),
                Some(Ok(e)) => {
                    let bytes = e.framed();
                    if depth == 0 {
                        self.consumed += bytes.len() as u64;
                    }
                    // the cap was on the message: with its postmark line
                    // and gap it may be over
                    let max = self.max_bytes;
                    if bytes.len() as u64 > max {
                        Item::new(
                            source.clone(),
                            Err(crate::limits::too_big(bytes.len() as u64, max)),
                        )
                    } else {
                        Item::new(source.clone(), Ok(bytes))
                    }
                }
                Some(Err(e)) => Item::new(source.clone(), Err(e.to_string())),
            };
            item.depth = depth;
            return Some(item);
        }
        let first_item = first.map(|r| (r, format!("{source}#1")));
        self.stack.push(Frame::Mailbox(Mailbox {
            source,
            reader,
            depth,
        }));
        let mut item = match first_item? {
            (Ok(e), src) => {
                if depth == 0 {
                    self.consumed +=
                        (e.skipped.len() + e.postmark.len() + e.message.len() + e.gap.len()) as u64;
                }
                let mut item = Item::new(src, Ok(e.message));
                item.skipped_before = e.skipped;
                item
            }
            (Err(e), src) => Item::new(src, Err(e.to_string())),
        };
        item.depth = depth;
        Some(item)
    }

    /// Hands out an item found anywhere: dropped when the run does not want
    /// it, opened when it is a container, else returned.
    fn route(&mut self, item: Item) -> Option<Item> {
        if !self.wanted(&item.source) {
            return None;
        }
        // deferred items hold only their first bytes; `open` has sniffed them
        let mut item = if item.rest.is_some() {
            item
        } else {
            self.expand(item)?
        };
        // the first message of an mbox held in memory comes back named #1
        if !self.wanted(&item.source) || !(self.select)(&item.source) {
            return None;
        }
        if let Some((w, matched)) = &mut self.want {
            if item.source.as_str() != &**w && is_inside(w, &item.source) {
                // a message that holds the one wanted: only MIME bytes can
                // (a header block's attachments come as items of their own)
                if item.body_unavailable.is_some() {
                    return None;
                }
                item.want = Some(w.clone());
            }
            *matched = true;
        }
        Some(item)
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

/// Whether a file may be a container (an mbox, archive, `.msg` or PST), so
/// that its messages must be listed even when the file's own name is outside
/// the shard. Reads the first bytes.
fn may_be_container(path: &Path) -> bool {
    let mut head = Vec::new();
    File::open(path)
        .and_then(|f| f.take(SNIFF as u64).read_to_end(&mut head))
        .is_ok()
        && kind_of(&head) != Kind::Plain
}

impl<F: FnMut(&str) -> bool> Iterator for Messages<F> {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        loop {
            let item = if self.stack.is_empty() {
                if let Some((w, false)) = self.want.take() {
                    let why = format!(
                        "no message, entry or folder of this name was found in {}",
                        self.planned_name(&w)
                    );
                    if (self.select)(&w) {
                        let mut item = Item::new(w.to_string(), Err(why));
                        item.name_not_found = true;
                        return Some(item);
                    }
                }
                let p = self.planned.next()?;
                self.want = p.want.clone().map(|w| (w, false));
                self.budget = Budget::default();
                match self.open(p) {
                    Some(item) => item,
                    None => continue,
                }
            } else {
                match self.next_in_frame() {
                    Some(item) => item,
                    None => {
                        self.stack.pop();
                        continue;
                    }
                }
            };
            if let Some(item) = self.route(item) {
                return Some(item);
            }
        }
    }
}

impl<F> Messages<F> {
    /// The file part of a wanted name (for messages).
    fn planned_name(&self, want: &str) -> String {
        let mut cut = want.len();
        while let Some(i) = want[..cut].rfind('#') {
            cut = i;
            if want[..i] == *"-" || Path::new(&want[..i]).is_file() {
                return want[..i].to_string();
            }
        }
        want.to_string()
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
