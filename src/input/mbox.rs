//! Streaming mbox splitter (mboxo, mboxrd, and mboxes with CRLF endings).
//!
//! An mbox is a sequence of messages, each introduced by a `From ` postmark
//! line. The splitter reads blocks of [`BLOCK`] bytes from any [`BufRead`]
//! and jumps from one line starting `From ` to the next, so a mailbox of
//! many gigabytes is never held whole: at most one message (plus a block,
//! or the postmark line being read) is in memory, and a message over the
//! size limit is dropped as it is read.
//!
//! It changes no byte of a message. `>From ` quoting is left in place and
//! line endings are not touched: undoing them is the verifier's documented
//! repair chain, which reports what it did. The only bytes that are not
//! part of a message are the postmark line and the one empty line an mbox
//! writer puts between a message and the next postmark; both are kept on the
//! [`MboxEntry`] so the file can be rebuilt byte for byte. So are the bytes
//! an editor may put before the first postmark line (a UTF-8 byte order
//! mark, blank lines: [`crate::message::leading_len`]): they belong to no
//! message, and are kept apart on the first entry ([`MboxEntry::skipped`])
//! for the report to name.
//!
//! A line starting with `From ` separates messages when it is the first line,
//! when it follows an empty line, or when it looks like a postmark (it holds
//! a `HH:MM` time); an unquoted `From ` inside a paragraph of a body (a
//! careless mboxo writer) therefore stays in its message.

use std::io::BufRead;

/// One message of an mbox, with the framing around it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MboxEntry {
    /// 1-based position in the mailbox.
    pub index: usize,
    /// Bytes before the first postmark line that belong to no message (a
    /// UTF-8 byte order mark, blank lines), on the first entry only; empty
    /// otherwise.
    pub skipped: Vec<u8>,
    /// The `From ` postmark line, with its line end.
    pub postmark: Vec<u8>,
    /// The message exactly as stored (quoting and line ends untouched).
    pub message: Vec<u8>,
    /// The empty line the mbox writer put after the message (`\n`, `\r\n`
    /// or nothing).
    pub gap: Vec<u8>,
}

impl MboxEntry {
    /// Skipped bytes, postmark, message and gap: the bytes this entry
    /// occupied in the file.
    pub fn framed(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(
            self.skipped.len() + self.postmark.len() + self.message.len() + self.gap.len(),
        );
        v.extend_from_slice(&self.skipped);
        v.extend_from_slice(&self.postmark);
        v.extend_from_slice(&self.message);
        v.extend_from_slice(&self.gap);
        v
    }
}

/// Why a message could not be taken from the mailbox.
#[derive(Debug, thiserror::Error)]
pub enum MboxError {
    /// Reading failed; the rest of the mailbox cannot be split.
    #[error("cannot read the mailbox: {0}")]
    Io(#[from] std::io::Error),
    /// The message is larger than the limit; its bytes were skipped.
    #[error("message {index} is larger than {limit} bytes and was skipped")]
    TooLarge {
        /// 1-based position.
        index: usize,
        /// The limit in bytes.
        limit: usize,
    },
}

/// Largest message kept by default (bytes); larger ones become an error.
pub const DEFAULT_MAX_MESSAGE: usize = 256 << 20;

/// Longest line always read whole (a postmark line, or a line of a
/// message under a small limit); longer lines are read up to the message
/// limit.
pub const MAX_LINE: usize = 64 << 10;

/// Whether bytes start like an mbox: a `From ` postmark line, perhaps
/// after a UTF-8 byte order mark and blank lines
/// ([`crate::message::leading_len`]).
pub fn starts_like_mbox(prefix: &[u8]) -> bool {
    crate::message::postmark_at(prefix).is_some()
}

/// The bytes skipped before a mailbox's first postmark line
/// ([`MboxEntry::skipped`]), in words for a report: how many, then a byte
/// order mark and the blank lines shown with `\n`, `\r` and `\t`, as in
/// `2 bytes (blank lines: "\n\n")`.
pub fn describe_skipped(skipped: &[u8]) -> String {
    let bom = crate::message::UTF8_BOM;
    let n = skipped.len();
    let marks = skipped.windows(bom.len()).filter(|w| *w == bom).count();
    let mut shown = String::new();
    let mut i = 0;
    while i < n {
        if skipped[i..].starts_with(bom) {
            shown.push_str("\\u{feff}");
            i += bom.len();
            continue;
        }
        shown.push_str(match skipped[i] {
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            _ => " ",
        });
        i += 1;
    }
    let first = "a UTF-8 byte order mark, EF BB BF, as Windows editors write";
    let what = match (marks, n - marks * bom.len()) {
        (0, _) => format!("blank lines: \"{shown}\""),
        (1, 0) => first.to_string(),
        // the usual order: the mark, then blank lines
        (1, _) if skipped.starts_with(bom) => format!(
            "{first}, then blank lines: \"{}\"",
            &shown["\\u{feff}".len()..]
        ),
        (m, 0) => format!("{m} UTF-8 byte order marks, EF BB BF, as Windows editors write"),
        (m, _) => format!(
            "{m} UTF-8 byte order mark{} (EF BB BF, as Windows editors write) and blank lines: \"{shown}\"",
            if m == 1 { "" } else { "s" }
        ),
    };
    format!("{n} byte{} ({what})", if n == 1 { "" } else { "s" })
}

/// Iterator over the messages of an mbox read from `R`.
///
/// The input is read in blocks of [`BLOCK`] bytes into one buffer; the
/// lines of a message are not copied one by one: the splitter jumps with
/// `memmem` from one line starting `From ` to the next, and each message
/// is copied once, whole, out of the buffer. The rules are those of a
/// line-by-line reading (see the module documentation, and the reference
/// splitter the tests compare against).
pub struct MboxReader<R> {
    reader: R,
    limit: usize,
    /// The postmark line that starts the next message, once read.
    next_postmark: Option<Vec<u8>>,
    index: usize,
    /// Bytes read and not yet handed out are `buf[lo..filled]`.
    buf: Vec<u8>,
    lo: usize,
    filled: usize,
    /// How many bytes one read asks for (at least).
    block: usize,
    /// The input is exhausted.
    eof: bool,
    done: bool,
    /// The bytes before the first postmark have been looked at.
    started: bool,
}

/// Bytes asked for by one read of the mailbox.
pub const BLOCK: usize = 256 << 10;

impl<R: BufRead> MboxReader<R> {
    /// A splitter over `reader`, which should be positioned at a `From ` line
    /// (a byte order mark and blank lines before it are skipped, see
    /// [`MboxEntry::skipped`]; other bytes before the first postmark form
    /// message 1 without a postmark).
    pub fn new(reader: R) -> Self {
        Self::with_limit(reader, DEFAULT_MAX_MESSAGE)
    }

    /// As [`MboxReader::new`], with a per-message size limit.
    pub fn with_limit(reader: R, limit: usize) -> Self {
        MboxReader {
            reader,
            limit,
            next_postmark: None,
            index: 0,
            buf: Vec::new(),
            lo: 0,
            filled: 0,
            block: BLOCK,
            eof: false,
            done: false,
            started: false,
        }
    }

    /// At the start of the input: the bytes before a first postmark line
    /// that belong to no message (a byte order mark, blank lines), taken
    /// out of the buffer; empty when there are none, or when no postmark
    /// follows them (they are then the start of message 1). Reads until
    /// that is known: the bytes after the blank lines hold 5 bytes and
    /// some that is no white space, or the input ends, or the blank lines
    /// run over [`MAX_LINE`] (then nothing is skipped).
    fn skip_leading(&mut self) -> std::io::Result<Vec<u8>> {
        loop {
            let head = &self.buf[self.lo..self.filled];
            let n = crate::message::leading_len(head);
            let rest = &head[n..];
            let known = rest.len() >= 5 && rest.iter().any(|b| !matches!(b, b' ' | b'\t' | b'\r'));
            if n > MAX_LINE {
                return Ok(Vec::new());
            }
            if known || self.eof {
                if n == 0 || !rest.starts_with(b"From ") {
                    return Ok(Vec::new());
                }
                let skipped = head[..n].to_vec();
                self.lo += n;
                return Ok(skipped);
            }
            // (white space over a line's length before any line end: no
            // postmark can follow it)
            if rest.len() > MAX_LINE {
                return Ok(Vec::new());
            }
            self.fill()?;
        }
    }

    /// Reads more of the input after `buf[..filled]`, first moving the
    /// unconsumed bytes to the front when that makes room. Returns false
    /// at the end of the input.
    fn fill(&mut self) -> std::io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        if self.buf.len() - self.filled < self.block {
            if self.lo > 0 {
                self.buf.copy_within(self.lo..self.filled, 0);
                self.filled -= self.lo;
                self.lo = 0;
            }
            if self.buf.len() - self.filled < self.block {
                let len = (self.filled + self.block).max(self.buf.len() * 2);
                self.buf.resize(len, 0);
            }
        }
        loop {
            match self.reader.read(&mut self.buf[self.filled..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.filled += n;
                    return Ok(true);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Gives back the memory of a buffer grown for a large message.
    fn shrink(&mut self) {
        if self.buf.len() > 8 * self.block && self.filled - self.lo <= self.block {
            self.buf.copy_within(self.lo..self.filled, 0);
            self.filled -= self.lo;
            self.lo = 0;
            self.buf.truncate(2 * self.block);
            self.buf.shrink_to_fit();
        }
    }

    fn read_entry(&mut self) -> Result<Option<MboxEntry>, MboxError> {
        let skipped = if self.started {
            Vec::new()
        } else {
            self.started = true;
            self.skip_leading()?
        };
        let mut postmark = self.next_postmark.take().unwrap_or_default();
        // A line longer than this is cut (not held): its message is too
        // large anyway.
        let cap = self.limit.max(MAX_LINE).saturating_add(1);
        // The message so far is `buf[lo..lo + mlen]`; `lo + mlen` is the
        // start of the next line (unless `mid_line`). A message over the
        // limit is dropped as it is read (`mlen` stays 0).
        let mut mlen = 0usize;
        let mut too_large = false;
        let mut first = true;
        // `lo` is inside a cut line, whose rest is skipped unread into memory
        let mut mid_line = false;
        // the first `clean` bytes of the line at `lo + mlen` hold no line
        // end (searched already, before more was read)
        let mut clean = 0usize;
        let message = loop {
            if mid_line {
                match memchr::memchr(b'\n', &self.buf[self.lo..self.filled]) {
                    Some(i) => {
                        self.lo += i + 1;
                        mid_line = false;
                    }
                    None => {
                        self.lo = self.filled;
                        if !self.fill()? {
                            self.done = true;
                            break Vec::new();
                        }
                    }
                }
                continue;
            }
            let at = self.lo + mlen;
            let avail = self.filled - at;
            let nl = memchr::memchr(b'\n', &self.buf[at..self.filled.min(at + 5)]);
            if avail < 5 && nl.is_none() && !self.eof {
                self.fill()?;
                continue;
            }
            if avail == 0 {
                self.done = true;
                let m = self.buf[self.lo..at].to_vec();
                self.lo = at;
                break m;
            }
            if self.buf[at..self.filled].starts_with(b"From ") {
                // the whole line is needed to tell a postmark
                let len = match memchr::memchr(b'\n', &self.buf[at + clean..self.filled])
                    .map(|i| i + clean)
                {
                    Some(i) if i < cap => Some(i + 1),
                    Some(_) => None,
                    None if self.eof => (avail < cap).then_some(avail),
                    None if avail >= cap => None,
                    None => {
                        clean = avail;
                        self.fill()?;
                        continue;
                    }
                };
                clean = 0;
                let Some(len) = len else {
                    // cut: the message is too large
                    first = false;
                    too_large = true;
                    mlen = 0;
                    self.lo = at;
                    mid_line = true;
                    continue;
                };
                let line = &self.buf[at..at + len];
                if self.index == 0 && first && postmark.is_empty() && mlen == 0 {
                    first = false;
                    postmark = line.to_vec();
                    self.lo = at + len;
                    continue;
                }
                first = false;
                if is_separator(&self.buf[self.lo..at], line) {
                    self.next_postmark = Some(line.to_vec());
                    let m = self.buf[self.lo..at].to_vec();
                    self.lo = at + len;
                    break m;
                }
                self.take_lines(at, len, &mut mlen, &mut too_large);
                continue;
            }
            first = false;
            // Whole lines up to the next line starting `From `, or up to
            // the last line end read: none of them starts a message.
            let region = &self.buf[at..self.filled];
            let len = match memchr::memmem::find(&region[clean..], b"\nFrom ") {
                Some(i) => Some(clean + i + 1),
                None => memchr::memrchr(b'\n', &region[clean..])
                    .map(|i| clean + i + 1)
                    .or(self.eof.then_some(region.len())),
            };
            if len.is_some() {
                clean = 0;
            }
            match len {
                Some(len) => self.take_lines(at, len, &mut mlen, &mut too_large),
                None if too_large || mlen + region.len() > self.limit => {
                    // a line that makes the message too large: not held
                    too_large = true;
                    mlen = 0;
                    clean = 0;
                    self.lo = self.filled;
                    mid_line = true;
                }
                None => {
                    clean = region.len();
                    self.fill()?;
                }
            }
        };
        self.shrink();
        if postmark.is_empty() && message.is_empty() && !too_large {
            return Ok(None);
        }
        self.index += 1;
        if too_large {
            return Err(MboxError::TooLarge {
                index: self.index,
                limit: self.limit,
            });
        }
        let mut message = message;
        let gap = split_gap(&mut message);
        Ok(Some(MboxEntry {
            index: self.index,
            skipped,
            postmark,
            message,
            gap,
        }))
    }

    /// Adds the whole lines `buf[at..at + len]` to the message, or drops
    /// them (and the message) once it is over the limit. A line over the
    /// line cap is over the limit too (the cap is above the limit).
    fn take_lines(&mut self, at: usize, len: usize, mlen: &mut usize, too_large: &mut bool) {
        if !*too_large && *mlen + len > self.limit {
            *too_large = true;
            *mlen = 0;
        }
        if *too_large {
            self.lo = at + len;
        } else {
            *mlen += len;
        }
    }

    /// Whether the next message's postmark line has already been read (so
    /// another message follows).
    pub fn has_pending(&self) -> bool {
        self.next_postmark.is_some()
    }

    /// 1-based index of the last entry returned (or failed).
    pub fn position(&self) -> usize {
        self.index
    }
}

impl<R: BufRead> Iterator for MboxReader<R> {
    type Item = Result<MboxEntry, MboxError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done && self.next_postmark.is_none() {
            return None;
        }
        match self.read_entry() {
            Ok(Some(e)) => Some(Ok(e)),
            Ok(None) => None,
            Err(e @ MboxError::Io(_)) => {
                self.done = true;
                self.next_postmark = None;
                self.index += 1;
                Some(Err(e))
            }
            Err(e) => Some(Err(e)),
        }
    }
}

/// Whether a `From ` line ends the message collected so far.
fn is_separator(message: &[u8], line: &[u8]) -> bool {
    message.is_empty()
        || message.ends_with(b"\n\n")
        || message.ends_with(b"\n\r\n")
        || looks_like_postmark(line)
}

/// `From sender date`: holds a `HH:MM` time after the sender.
fn looks_like_postmark(line: &[u8]) -> bool {
    let rest = &line[5..];
    if rest.first().is_none_or(|b| b.is_ascii_whitespace()) {
        return false;
    }
    rest.windows(5).any(|w| {
        w[0].is_ascii_digit() && w[1].is_ascii_digit() && w[2] == b':' && w[3].is_ascii_digit()
    }) && rest.windows(4).any(|w| w.iter().all(u8::is_ascii_digit))
}

/// Removes the empty line an mbox writer adds after each message: one line
/// end, when the message itself ends with a line end followed by it.
fn split_gap(message: &mut Vec<u8>) -> Vec<u8> {
    for eol in [&b"\r\n"[..], &b"\n"[..]] {
        if message.ends_with(eol) {
            let rest = &message[..message.len() - eol.len()];
            if rest.ends_with(b"\n") {
                let at = message.len() - eol.len();
                return message.split_off(at);
            }
        }
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read as _;

    /// The line-by-line splitter this one replaced (read with `read_until`,
    /// one line at a time): the definition the block splitter must match.
    fn reference(input: &[u8], limit: usize) -> Vec<Result<MboxEntry, usize>> {
        let mut reader = input;
        // a byte order mark and blank lines before a first postmark
        let lead = crate::message::leading_len(input);
        let mut skipped = Vec::new();
        if lead > 0 && lead <= MAX_LINE && input[lead..].starts_with(b"From ") {
            skipped = input[..lead].to_vec();
            reader = &input[lead..];
        }
        let (mut out, mut index, mut next_postmark, mut done) = (Vec::new(), 0, None, false);
        let cap = limit.max(MAX_LINE).saturating_add(1);
        let mut read_line = |line: &mut Vec<u8>| -> (usize, bool) {
            line.clear();
            let n = (&mut reader)
                .take(cap as u64)
                .read_until(b'\n', line)
                .unwrap();
            if n < cap || line.ends_with(b"\n") {
                return (n, false);
            }
            match memchr::memchr(b'\n', reader) {
                Some(i) => reader = &reader[i + 1..],
                None => reader = &reader[reader.len()..],
            }
            (n, true)
        };
        while !(done && next_postmark.is_none()) {
            let mut postmark: Vec<u8> = next_postmark.take().unwrap_or_default();
            let mut message: Vec<u8> = Vec::new();
            let (mut too_large, mut first) = (false, true);
            let mut line = Vec::new();
            loop {
                let (n, cut) = read_line(&mut line);
                if n == 0 {
                    done = true;
                    break;
                }
                if cut {
                    first = false;
                    too_large = true;
                    message.clear();
                    continue;
                }
                if index == 0 && first && postmark.is_empty() && message.is_empty() {
                    first = false;
                    if line.starts_with(b"From ") {
                        postmark = std::mem::take(&mut line);
                        continue;
                    }
                }
                first = false;
                if line.starts_with(b"From ") && is_separator(&message, &line) {
                    next_postmark = Some(std::mem::take(&mut line));
                    break;
                }
                if message.len() + line.len() > limit {
                    too_large = true;
                    message.clear();
                    continue;
                }
                if !too_large {
                    message.extend_from_slice(&line);
                }
            }
            if postmark.is_empty() && message.is_empty() && !too_large {
                break;
            }
            index += 1;
            let skipped = std::mem::take(&mut skipped);
            if too_large {
                out.push(Err(index));
                continue;
            }
            let gap = split_gap(&mut message);
            out.push(Ok(MboxEntry {
                index,
                skipped,
                postmark,
                message,
                gap,
            }));
        }
        out
    }

    /// The block splitter against the line-by-line reference, on 1,500 generated
    /// mailboxes (postmarks, `From ` lines in bodies, CRLF and LF, long
    /// lines, missing final line ends, byte order marks and blank lines
    /// before the first postmark), with small limits and blocks so
    /// that lines and postmarks straddle the reads.
    #[test]
    fn agrees_with_the_line_by_line_reference() {
        let pieces: [&[u8]; 16] = [
            b"\xEF\xBB\xBF",
            b" \t\n",
            b"From a@b Mon Jan  1 00:00:00 2001\n",
            b"From a@b Mon Jan  1 00:00:00 2001\r\n",
            b"From here on\n",
            b"From ",
            b"Fro",
            b"m x\n",
            b"A: 1\n",
            b"B: 2\r\n",
            b"\n",
            b"\r\n",
            b">From x\n",
            b"body line of some length, more than a few bytes\n",
            b"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            b"\nFrom z Tue Jan  2 10:11:12 2002\n",
        ];
        let mut rng = crate::util::TestRng(7);
        for n in 0..1500 {
            let mut m: Vec<u8> = (0..n % 29)
                .flat_map(|_| rng.pick(&pieces).to_vec())
                .collect();
            if n % 97 == 0 {
                // a line longer than the line cap
                m.extend(std::iter::repeat_n(b'y', MAX_LINE + 3));
                m.extend_from_slice(b"\nFrom b Mon Jan  1 00:00:00 2001\nC: 3\n\nz\n");
            }
            for limit in [10, 40, 200, 1 << 20] {
                let want = reference(&m, limit);
                for block in [1, 7, 64, BLOCK] {
                    let mut r = MboxReader::with_limit(&m[..], limit);
                    r.block = block;
                    let got: Vec<Result<MboxEntry, usize>> = r
                        .map(|e| match e {
                            Ok(e) => Ok(e),
                            Err(MboxError::TooLarge { index, .. }) => Err(index),
                            Err(e) => panic!("{e}"),
                        })
                        .collect();
                    assert_eq!(
                        got,
                        want,
                        "limit {limit} block {block} input {:?}",
                        String::from_utf8_lossy(&m)
                    );
                }
            }
        }
    }

    fn split(b: &[u8]) -> Vec<MboxEntry> {
        MboxReader::new(b).map(|e| e.unwrap()).collect()
    }

    #[test]
    fn splits_and_keeps_every_byte() {
        let mbox = b"From a@b Mon Jan  1 00:00:00 2001\nA: 1\n\n>From x\nbody\n\nFrom c@d Mon Jan  1 00:00:01 2001\r\nB: 2\r\n\r\nx\r\n\r\n";
        let e = split(mbox);
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].message, b"A: 1\n\n>From x\nbody\n");
        assert_eq!(e[0].gap, b"\n");
        assert_eq!(e[1].message, b"B: 2\r\n\r\nx\r\n");
        assert_eq!(e[1].gap, b"\r\n");
        let rebuilt: Vec<u8> = e.iter().flat_map(|e| e.framed()).collect();
        assert_eq!(rebuilt, mbox);
        assert_eq!((e[0].index, e[1].index), (1, 2));
    }

    #[test]
    fn a_byte_order_mark_and_blank_lines_before_the_first_postmark_are_skipped() {
        let body = b"From a@b Mon Jan  1 00:00:00 2001\nA: 1\n\nx\n\nFrom c@d Mon Jan  1 00:00:01 2001\nB: 2\n\ny\n";
        for lead in [
            &b"\xEF\xBB\xBF"[..],
            b"\n",
            b"\r\n \t\n",
            b"\xEF\xBB\xBF\n\n",
        ] {
            let mbox = [lead, &body[..]].concat();
            assert!(starts_like_mbox(&mbox));
            for block in [1, 2, 5, BLOCK] {
                let mut r = MboxReader::new(&mbox[..]);
                r.block = block;
                let e: Vec<MboxEntry> = r.map(|e| e.unwrap()).collect();
                assert_eq!(e.len(), 2, "{lead:?} {block}");
                assert_eq!(e[0].skipped, lead);
                assert_eq!(e[0].message, b"A: 1\n\nx\n");
                assert!(e[1].skipped.is_empty());
                let rebuilt: Vec<u8> = e.iter().flat_map(|e| e.framed()).collect();
                assert_eq!(rebuilt, mbox);
            }
        }
        // not before a postmark: the start of message 1, as before
        let e = split(b"\xEF\xBB\xBFA: 1\n\nx\n");
        assert_eq!(e.len(), 1);
        assert!(e[0].skipped.is_empty());
        assert_eq!(e[0].message, b"\xEF\xBB\xBFA: 1\n\nx\n");
        assert!(!starts_like_mbox(b"\xEF\xBB\xBFA: 1\n"));
        assert!(!starts_like_mbox(b"  From a@b Mon Jan  1 00:00:00 2001\n"));
        assert_eq!(
            describe_skipped(b"\xEF\xBB\xBF\r\n"),
            r#"5 bytes (a UTF-8 byte order mark, EF BB BF, as Windows editors write, then blank lines: "\r\n")"#
        );
        // marks and blank lines in any order, marks twice
        let postmark = b"From a@b Mon Jan  1 00:00:00 2001\n";
        for lead in [
            &b"\n\xEF\xBB\xBF"[..],
            b" \xEF\xBB\xBF",
            b"\xEF\xBB\xBF\xEF\xBB\xBF",
        ] {
            let mut bytes = lead.to_vec();
            bytes.extend_from_slice(postmark);
            assert!(starts_like_mbox(&bytes), "{lead:?}");
        }
        assert_eq!(
            describe_skipped(b"\n\xEF\xBB\xBF"),
            r#"4 bytes (1 UTF-8 byte order mark (EF BB BF, as Windows editors write) and blank lines: "\n\u{feff}")"#
        );
        assert_eq!(
            describe_skipped(b"\xEF\xBB\xBF\xEF\xBB\xBF"),
            "6 bytes (2 UTF-8 byte order marks, EF BB BF, as Windows editors write)"
        );
    }

    #[test]
    fn unquoted_from_inside_a_paragraph_stays() {
        let mbox = b"From a@b Sat Jan  1 00:00:00 2000\nA: 1\n\nline\nFrom here on we talk\n\nFrom b@c Sat Jan  1 00:00:00 2000\nB: 2\n\nx\n";
        let e = split(mbox);
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].message, b"A: 1\n\nline\nFrom here on we talk\n");
        assert_eq!(e[1].message, b"B: 2\n\nx\n");
        assert_eq!(e[1].gap, b"");
    }

    #[test]
    fn postmark_without_blank_line_before_it_still_splits() {
        let mbox = b"From a@b Sat Jan  1 00:00:00 2000\nA: 1\n\nx\nFrom b@c Sat Jan  1 00:00:00 2000\nB: 2\n\ny";
        let e = split(mbox);
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].message, b"A: 1\n\nx\n");
        assert_eq!(e[1].message, b"B: 2\n\ny");
    }

    #[test]
    fn too_large_messages_are_errors_and_splitting_goes_on() {
        let mbox = b"From a Sat Jan  1 00:00:00 2000\nA: 1\n\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n\nFrom b Sat Jan  1 00:00:00 2000\nB: 2\n\ny\n";
        let got: Vec<_> = MboxReader::with_limit(&mbox[..], 20).collect();
        assert_eq!(got.len(), 2);
        assert!(matches!(got[0], Err(MboxError::TooLarge { index: 1, .. })));
        assert_eq!(got[1].as_ref().unwrap().message, b"B: 2\n\ny\n");
        assert_eq!(got[1].as_ref().unwrap().index, 2);
    }

    #[test]
    fn empty_input_has_no_messages() {
        assert!(split(b"").is_empty());
    }

    #[test]
    fn a_line_over_the_limit_is_skipped_without_holding_it() {
        let long = "x".repeat(10_000);
        let mbox = format!(
            "From a@example.com Mon Jun  1 12:00:00 2015\nSubject: {long}\n\nFrom b@example.com Mon Jun  1 12:00:00 2015\nSubject: ok\n\nbody\n"
        );
        let got: Vec<_> = MboxReader::with_limit(mbox.as_bytes(), 4096).collect();
        assert_eq!(got.len(), 2);
        assert!(matches!(got[0], Err(MboxError::TooLarge { index: 1, .. })));
        let second = got[1].as_ref().unwrap();
        assert_eq!(second.index, 2);
        assert_eq!(second.message, b"Subject: ok\n\nbody\n");
        // a postmark line without end: one error, never the line in memory
        let endless = std::io::BufReader::new(
            std::io::Cursor::new(b"From x".to_vec()).chain(std::io::repeat(b'x').take(64 << 20)),
        );
        let mut r = MboxReader::with_limit(endless, 4096);
        assert!(matches!(r.next(), Some(Err(MboxError::TooLarge { .. }))));
        assert!(r.buf.capacity() < 1 << 20, "the line was held whole");
        assert!(r.next().is_none());
    }
}
