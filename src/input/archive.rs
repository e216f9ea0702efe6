//! Archives opened to their entries: `.zip`, `.tar`, `.tar.gz` / `.tgz`,
//! for `verify` on the command line and for uploads to `serve` (one code,
//! one set of defences).
//!
//! Entries are walked in byte order of their names (as a directory is),
//! named `archive#path/in/archive`; directories, hidden files and macOS
//! `__MACOSX/` forks are skipped. Archive headers are attacker-controlled,
//! so every entry is read through a guard, never trusting a declared size:
//!
//! - an entry is read to at most [`ArchiveLimits::max_entry_bytes`] (+1 to
//!   tell "over the cap" apart) and is an error beyond it;
//! - an archive unpacks to at most [`ArchiveLimits::max_unpacked_bytes`] in
//!   all and holds at most [`ArchiveLimits::max_entries`] entries (nested
//!   archives count against the outermost one's budget);
//! - a stream that inflates more than [`MAX_RATIO`] to 1 past its first MiB
//!   is stopped as a zip bomb before it fills memory;
//! - archives inside archives are opened to [`ArchiveLimits::max_depth`].
//!
//! Every refusal is an error naming the entry and the cap, never a panic.

use std::io::{self, Read, Seek};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Largest inflation ratio accepted past the first [`RATIO_GRACE`] bytes of
/// an entry (or gzip stream). Mail compresses a few times, base64 of
/// repeated bytes a few dozen; deflate bombs inflate about 1000:1.
pub const MAX_RATIO: u64 = 200;
/// Bytes an entry may inflate to before the ratio is judged.
pub const RATIO_GRACE: u64 = 1 << 20;

/// Caps on what one archive may unpack to (see the module comment).
#[derive(Debug, Clone)]
pub struct ArchiveLimits {
    /// Bytes of one entry.
    pub max_entry_bytes: u64,
    /// Bytes of all entries of one archive together (nested ones included).
    pub max_unpacked_bytes: u64,
    /// Entries of one archive (nested ones included).
    pub max_entries: usize,
    /// Archives inside archives opened (1: only the outermost).
    pub max_depth: usize,
}

impl Default for ArchiveLimits {
    /// 64 MiB an entry (the default `--max-message-size`), 16 GiB and one
    /// million entries an archive, three levels of nesting.
    fn default() -> Self {
        ArchiveLimits {
            max_entry_bytes: 64 << 20,
            max_unpacked_bytes: 16 << 30,
            max_entries: 1_000_000,
            max_depth: 3,
        }
    }
}

/// What one outermost archive has used of its [`ArchiveLimits`].
#[derive(Debug, Default, Clone)]
pub struct Budget {
    /// Bytes unpacked so far.
    pub unpacked: u64,
    /// Entries read so far.
    pub entries: usize,
}

/// Why an entry (or the rest of an archive) was not unpacked.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EntryError {
    /// The entry is over [`ArchiveLimits::max_entry_bytes`].
    #[error(
        "this entry unpacks to more than {cap} bytes, the cap on one message (raise it with --max-message-size)"
    )]
    TooBig {
        /// The cap in bytes.
        cap: u64,
    },
    /// The archive is over [`ArchiveLimits::max_unpacked_bytes`]; the rest
    /// of it is not read.
    #[error("the archive unpacks to more than {limit} bytes in all; the rest of it was not read")]
    TooMuchUnpacked {
        /// The cap in bytes.
        limit: u64,
    },
    /// The archive holds more than [`ArchiveLimits::max_entries`] entries.
    #[error("the archive holds more than {limit} entries; the rest of it was not read")]
    TooManyEntries {
        /// The cap.
        limit: usize,
    },
    /// The data inflates more than [`MAX_RATIO`] to 1.
    #[error(
        "the data inflates more than {MAX_RATIO} to 1 (a zip bomb?); it was not unpacked. Unpack it yourself with care if it is real mail"
    )]
    Bomb,
    /// The entry is encrypted.
    #[error("this entry is encrypted")]
    Encrypted,
    /// Reading failed.
    #[error("cannot unpack: {0}")]
    Io(String),
}

impl EntryError {
    /// Whether the rest of the archive must be skipped too.
    pub fn stops_archive(&self) -> bool {
        matches!(
            self,
            EntryError::TooMuchUnpacked { .. } | EntryError::TooManyEntries { .. }
        )
    }
}

/// The archive formats read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveKind {
    /// PKZIP.
    Zip,
    /// POSIX / GNU tar.
    Tar,
    /// gzip (only a tar inside is opened).
    Gzip,
}

/// The archive format of bytes that start with `head` (512 bytes suffice),
/// by content: zip local or end-of-directory header, gzip magic, `ustar`
/// magic at offset 257.
pub fn sniff(head: &[u8]) -> Option<ArchiveKind> {
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        Some(ArchiveKind::Zip)
    } else if head.starts_with(b"\x1f\x8b") {
        Some(ArchiveKind::Gzip)
    } else if head.get(257..262) == Some(b"ustar") {
        Some(ArchiveKind::Tar)
    } else {
        None
    }
}

/// Entries that are never messages: directories' macOS resource forks and
/// hidden files.
pub fn skipped_entry(name: &str) -> bool {
    name.starts_with("__MACOSX/") || name.rsplit('/').next().is_some_and(|b| b.starts_with('.'))
}

/// Something readable and seekable that can be moved between threads.
pub trait ReadSeek: Read + Seek + Send {}
impl<T: Read + Seek + Send> ReadSeek for T {}

/// Where an archive's bytes are: a file (re-opened for each pass) or memory.
#[derive(Debug, Clone)]
pub enum Blob {
    /// A file on disk.
    File(PathBuf),
    /// Bytes in memory (an entry of an outer archive, an upload).
    Memory(Arc<[u8]>),
}

impl Blob {
    /// A fresh reader at offset 0.
    pub fn open(&self) -> io::Result<Box<dyn ReadSeek>> {
        Ok(match self {
            Blob::File(p) => Box::new(std::fs::File::open(p)?),
            Blob::Memory(b) => Box::new(io::Cursor::new(ArcBytes(b.clone()))),
        })
    }

    /// Up to `n` first bytes (decompressed for gzip when `inflate`).
    pub fn head(&self, n: usize, inflate: bool) -> Vec<u8> {
        let mut out = Vec::new();
        if let Ok(r) = self.open() {
            let _ = if inflate {
                flate2::read::GzDecoder::new(r)
                    .take(n as u64)
                    .read_to_end(&mut out)
            } else {
                r.take(n as u64).read_to_end(&mut out)
            };
        }
        out
    }
}

struct ArcBytes(Arc<[u8]>);
impl AsRef<[u8]> for ArcBytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// A reader that stops with [`EntryError::Bomb`] once it has produced more
/// than [`RATIO_GRACE`] bytes and more than [`MAX_RATIO`] times what its
/// compressed input (`input`) has consumed.
struct RatioGuard<R> {
    inner: R,
    input: Arc<AtomicU64>,
    out: u64,
}

impl<R: Read> Read for RatioGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.out += n as u64;
        let input = self.input.load(Ordering::Relaxed).max(1);
        if self.out > RATIO_GRACE && self.out / input > MAX_RATIO {
            return Err(io::Error::other(BombMark));
        }
        Ok(n)
    }
}

#[derive(Debug)]
struct BombMark;
impl std::fmt::Display for BombMark {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("inflation ratio over the cap")
    }
}
impl std::error::Error for BombMark {}

fn is_bomb(e: &io::Error) -> bool {
    e.get_ref().is_some_and(|i| i.is::<BombMark>())
}

/// Counts the bytes read through it into a shared counter.
struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Reads one entry from `r` under the caps, charging `budget`.
fn read_entry(
    r: &mut dyn Read,
    limits: &ArchiveLimits,
    budget: &mut Budget,
) -> Result<Vec<u8>, EntryError> {
    budget.entries += 1;
    if budget.entries > limits.max_entries {
        return Err(EntryError::TooManyEntries {
            limit: limits.max_entries,
        });
    }
    let left = limits.max_unpacked_bytes.saturating_sub(budget.unpacked);
    let cap = left.min(limits.max_entry_bytes) + 1;
    let mut buf = Vec::new();
    let res = r.take(cap).read_to_end(&mut buf);
    budget.unpacked += buf.len() as u64;
    match res {
        Err(e) if is_bomb(&e) => return Err(EntryError::Bomb),
        Err(e) => return Err(EntryError::Io(e.to_string())),
        Ok(_) => {}
    }
    if buf.len() as u64 == cap {
        return Err(if left < limits.max_entry_bytes + 1 {
            EntryError::TooMuchUnpacked {
                limit: limits.max_unpacked_bytes,
            }
        } else {
            EntryError::TooBig {
                cap: limits.max_entry_bytes,
            }
        });
    }
    Ok(buf)
}

/// One entry of an archive, unpacked or refused.
#[derive(Debug)]
pub struct Entry {
    /// The entry's path inside the archive.
    pub name: String,
    /// Its bytes, or why not.
    pub bytes: Result<Vec<u8>, EntryError>,
}

/// Why an archive gave no entry: nothing in it is a file to read.
pub const EMPTY: &str =
    "the archive holds no file to read (it is empty, or holds only directories and hidden files)";
/// Why a zip gave no entry although it starts with one: its central
/// directory (PKWARE APPNOTE 4.3.12), which lists the entries, is damaged.
pub const DAMAGED_ZIP: &str = "this zip file's central directory lists no entries although the file starts with one: it is damaged or was cut short; repair it (e.g. `zip -FF`) or unpack what it holds with another tool";

/// Walks the entries of an archive in name order. `wanted` is asked for
/// each entry name before it is unpacked: entries it refuses are skipped
/// unread (used to re-check one entry of a large archive).
pub struct Entries {
    inner: Walk,
    limits: ArchiveLimits,
    stopped: bool,
}

enum Walk {
    Zip {
        archive: Box<zip::ZipArchive<Box<dyn ReadSeek>>>,
        order: std::vec::IntoIter<(String, usize)>,
    },
    Tar(TarWalk),
    /// An archive that could not be opened: one error, then nothing.
    Failed(Option<String>),
}

impl Entries {
    /// Opens `blob` as an archive of `kind`.
    pub fn open(blob: Blob, kind: ArchiveKind, limits: ArchiveLimits) -> Self {
        let zip_entry_first = kind == ArchiveKind::Zip && blob.head(4, false) == b"PK\x03\x04";
        let inner = match kind {
            ArchiveKind::Zip => open_zip(&blob),
            ArchiveKind::Tar => TarWalk::index(blob, false).map(Walk::Tar),
            ArchiveKind::Gzip => {
                if sniff(&blob.head(512, true)) == Some(ArchiveKind::Tar) {
                    TarWalk::index(blob, true).map(Walk::Tar)
                } else {
                    Err("a gzip file that does not hold a tar archive is not opened: unpack it first".into())
                }
            }
        }
        .unwrap_or_else(|e| Walk::Failed(Some(e)));
        // An archive with nothing to read is one error record, never
        // silence: a zip whose central directory is damaged lists no entry
        // at all, though its local entries are there.
        let inner = match inner {
            Walk::Zip { archive, order } if order.as_slice().is_empty() => {
                Walk::Failed(Some(if archive.is_empty() && zip_entry_first {
                    DAMAGED_ZIP.to_string()
                } else {
                    EMPTY.to_string()
                }))
            }
            Walk::Tar(t) if t.order.is_empty() && t.tail_error.is_none() => {
                Walk::Failed(Some(EMPTY.to_string()))
            }
            w => w,
        };
        Entries {
            inner,
            limits,
            stopped: false,
        }
    }

    /// The next entry whose name `wanted` accepts, unpacked; `Err` once for
    /// an archive that cannot be opened at all or has no file to read
    /// ([`EMPTY`], [`DAMAGED_ZIP`]). After an error that
    /// [stops the archive](EntryError::stops_archive), nothing more.
    pub fn next_entry(
        &mut self,
        budget: &mut Budget,
        wanted: &mut dyn FnMut(&str) -> bool,
    ) -> Option<Result<Entry, String>> {
        if self.stopped {
            return None;
        }
        let entry = match &mut self.inner {
            Walk::Failed(e) => return e.take().map(Err),
            Walk::Zip { archive, order } => loop {
                let (name, i) = order.next()?;
                if !wanted(&name) {
                    continue;
                }
                let bytes = match archive.by_index(i) {
                    Err(e) => Err(EntryError::Io(e.to_string())),
                    Ok(f) if f.encrypted() => Err(EntryError::Encrypted),
                    Ok(f) => {
                        let input = Arc::new(AtomicU64::new(f.compressed_size()));
                        let mut guard = RatioGuard {
                            inner: f,
                            input,
                            out: 0,
                        };
                        read_entry(&mut guard, &self.limits, budget)
                    }
                };
                break Entry { name, bytes };
            },
            Walk::Tar(t) => t.next(&self.limits, budget, wanted)?,
        };
        if entry.bytes.as_ref().is_err_and(|e| e.stops_archive()) {
            self.stopped = true;
        }
        Some(Ok(entry))
    }
}

fn open_zip(blob: &Blob) -> Result<Walk, String> {
    let r = blob
        .open()
        .map_err(|e| format!("cannot read the zip file: {e}"))?;
    let archive = zip::ZipArchive::new(r).map_err(|e| format!("cannot open this zip file: {e}"))?;
    let mut order: Vec<(String, usize)> = Vec::new();
    for (i, name) in archive.file_names_raw().enumerate() {
        let name = String::from_utf8_lossy(name).into_owned();
        if name.ends_with('/') || skipped_entry(&name) {
            continue;
        }
        order.push((name, i));
    }
    order.sort();
    Ok(Walk::Zip {
        archive: Box::new(archive),
        order: order.into_iter(),
    })
}

/// A tar (plain or gzip-compressed) read in name order. A plain tar is
/// indexed once and each entry read by seeking; a compressed one cannot
/// seek, so it is read again for each window of entries that fit in
/// [`TAR_WINDOW`] bytes (once when the archive is already in name order).
struct TarWalk {
    blob: Blob,
    gzip: bool,
    /// (name, position in the stream, size, data offset), in name order.
    order: Vec<(String, usize, u64, u64)>,
    next: usize,
    /// Entries of the current window of a compressed tar, by order index.
    window: std::collections::BTreeMap<usize, Result<Vec<u8>, EntryError>>,
    /// An error that ended the index pass, reported after the entries found.
    tail_error: Option<String>,
}

/// Most bytes of a compressed tar's entries held at once while reading
/// them in name order.
pub const TAR_WINDOW: u64 = 64 << 20;

impl TarWalk {
    fn stream(&self) -> io::Result<(Box<dyn Read + Send>, Arc<AtomicU64>)> {
        let raw = self.blob.open()?;
        let count = Arc::new(AtomicU64::new(0));
        let r: Box<dyn Read + Send> = if self.gzip {
            Box::new(RatioGuard {
                inner: flate2::read::GzDecoder::new(Counting {
                    inner: raw,
                    count: count.clone(),
                }),
                input: count.clone(),
                out: 0,
            })
        } else {
            Box::new(raw)
        };
        Ok((r, count))
    }

    fn index(blob: Blob, gzip: bool) -> Result<Self, String> {
        let mut t = TarWalk {
            blob,
            gzip,
            order: Vec::new(),
            next: 0,
            window: Default::default(),
            tail_error: None,
        };
        let (r, _) = t
            .stream()
            .map_err(|e| format!("cannot read the tar file: {e}"))?;
        let mut archive = tar::Archive::new(r);
        let entries = archive
            .entries()
            .map_err(|e| format!("cannot open this tar file: {e}"))?;
        for (pos, e) in entries.enumerate() {
            let e = match e {
                Ok(e) => e,
                Err(e) => {
                    t.tail_error = Some(if is_bomb(&e) {
                        format!("after its first {pos} entries, {}", EntryError::Bomb)
                    } else {
                        format!("the tar file is damaged after its first {pos} entries: {e}")
                    });
                    break;
                }
            };
            if !e.header().entry_type().is_file() {
                continue;
            }
            let name = match e.path() {
                Ok(p) => p.to_string_lossy().trim_start_matches("./").to_string(),
                Err(_) => continue,
            };
            if name.is_empty() || skipped_entry(&name) {
                continue;
            }
            t.order.push((
                name,
                pos,
                e.header().size().unwrap_or(0),
                e.raw_file_position(),
            ));
        }
        t.order.sort();
        Ok(t)
    }

    fn next(
        &mut self,
        limits: &ArchiveLimits,
        budget: &mut Budget,
        wanted: &mut dyn FnMut(&str) -> bool,
    ) -> Option<Entry> {
        loop {
            let Some((name, _, size, offset)) = self.order.get(self.next).cloned() else {
                return self.tail_error.take().map(|e| Entry {
                    name: String::new(),
                    bytes: Err(EntryError::Io(e)),
                });
            };
            let i = self.next;
            self.next += 1;
            if !wanted(&name) {
                continue;
            }
            let bytes = if self.gzip {
                if !self.window.contains_key(&i) {
                    self.fill_window(i, limits, budget, wanted);
                }
                self.window.remove(&i).unwrap_or(Err(EntryError::Io(
                    "the entry vanished from the archive on a second reading".into(),
                )))
            } else {
                self.blob
                    .open()
                    .and_then(|mut f| {
                        f.seek(io::SeekFrom::Start(offset))?;
                        Ok(f)
                    })
                    .map_err(|e| EntryError::Io(e.to_string()))
                    .and_then(|f| read_entry(&mut f.take(size), limits, budget))
            };
            return Some(Entry { name, bytes });
        }
    }

    /// Reads the compressed stream once more and keeps the entries of the
    /// window starting at order index `from` (those `wanted` accepts, up to
    /// [`TAR_WINDOW`] bytes of declared size, at least one).
    fn fill_window(
        &mut self,
        from: usize,
        limits: &ArchiveLimits,
        budget: &mut Budget,
        wanted: &mut dyn FnMut(&str) -> bool,
    ) {
        let mut want: std::collections::HashMap<usize, usize> = Default::default();
        let mut total = 0u64;
        for (i, (name, pos, size, _)) in self.order.iter().enumerate().skip(from) {
            if i != from && !wanted(name) {
                continue;
            }
            if !want.is_empty() && total + size > TAR_WINDOW {
                break;
            }
            total += size;
            want.insert(*pos, i);
        }
        let fail = |w: &mut std::collections::BTreeMap<_, _>, e: String| {
            for i in want.values() {
                w.entry(*i)
                    .or_insert_with(|| Err(EntryError::Io(e.clone())));
            }
        };
        let (r, _) = match self.stream() {
            Ok(s) => s,
            Err(e) => return fail(&mut self.window, e.to_string()),
        };
        let mut archive = tar::Archive::new(r);
        let entries = match archive.entries() {
            Ok(e) => e,
            Err(e) => return fail(&mut self.window, e.to_string()),
        };
        let mut found = 0;
        for (pos, e) in entries.enumerate() {
            let Some(i) = want.get(&pos) else {
                if let Err(e) = e {
                    let why = if is_bomb(&e) {
                        EntryError::Bomb.to_string()
                    } else {
                        e.to_string()
                    };
                    return fail(&mut self.window, why);
                }
                continue;
            };
            let bytes = match e {
                Ok(mut e) => read_entry(&mut e, limits, budget),
                Err(e) if is_bomb(&e) => Err(EntryError::Bomb),
                Err(e) => Err(EntryError::Io(e.to_string())),
            };
            self.window.insert(*i, bytes);
            found += 1;
            if found == want.len() {
                break;
            }
        }
        fail(
            &mut self.window,
            "the entry is missing on a second reading".into(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn entries_of(data: Vec<u8>) -> Vec<Result<Entry, String>> {
        let kind = sniff(&data).expect("an archive");
        let mut e = Entries::open(Blob::Memory(data.into()), kind, ArchiveLimits::default());
        let mut budget = Budget::default();
        std::iter::from_fn(|| e.next_entry(&mut budget, &mut |_| true)).collect()
    }

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(io::Cursor::new(Vec::new()));
        for (name, data) in entries {
            w.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn a_zip_whose_directory_lists_nothing_is_an_error_not_silence() {
        let good = zip_of(&[("a.eml", b"From: a@example.com\r\n\r\nhi\r\n")]);
        assert_eq!(entries_of(good.clone()).len(), 1);
        // the local entry kept, then an empty end-of-central-directory
        // record: what a cut or damaged zip looks like to a reader
        let cd = good.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
        let mut damaged = good[..cd].to_vec();
        damaged.extend_from_slice(b"PK\x05\x06");
        damaged.extend_from_slice(&[0; 12]);
        damaged.extend_from_slice(&(cd as u32).to_le_bytes());
        damaged.extend_from_slice(&[0; 2]);
        let got = entries_of(damaged);
        assert_eq!(got.len(), 1, "one record for the whole archive");
        assert_eq!(got[0].as_ref().unwrap_err(), DAMAGED_ZIP);
    }

    #[test]
    fn an_archive_with_no_file_to_read_says_so() {
        let hidden = zip_of(&[("__MACOSX/._a", b"fork"), (".DS_Store", b"x")]);
        let got = entries_of(hidden);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].as_ref().unwrap_err(), EMPTY);
        let mut t = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Directory);
        h.set_size(0);
        h.set_cksum();
        t.append_data(&mut h, "dir/", io::empty()).unwrap();
        let got = entries_of(t.into_inner().unwrap());
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].as_ref().unwrap_err(), EMPTY);
    }
}
