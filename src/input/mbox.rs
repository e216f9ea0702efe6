//! Streaming mbox splitter (mboxo, mboxrd, and mboxes with CRLF endings).
//!
//! An mbox is a sequence of messages, each introduced by a `From ` postmark
//! line. The splitter reads one line at a time from any [`BufRead`], so a
//! mailbox of many gigabytes is never held whole: at most one message (plus
//! the line being read) is in memory.
//!
//! It changes no byte of a message. `>From ` quoting is left in place and
//! line endings are not touched: undoing them is the verifier's documented
//! repair chain, which reports what it did. The only bytes that are not
//! part of a message are the postmark line and the one empty line an mbox
//! writer puts between a message and the next postmark; both are kept on the
//! [`MboxEntry`] so the file can be rebuilt byte for byte.
//!
//! A line starting with `From ` separates messages when it is the first line,
//! when it follows an empty line, or when it looks like a postmark (it holds
//! a `HH:MM` time); an unquoted `From ` inside a paragraph of a body (a
//! careless mboxo writer) therefore stays in its message.

use std::io::{BufRead, Read};

/// One message of an mbox, with the framing around it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MboxEntry {
    /// 1-based position in the mailbox.
    pub index: usize,
    /// The `From ` postmark line, with its line end.
    pub postmark: Vec<u8>,
    /// The message exactly as stored (quoting and line ends untouched).
    pub message: Vec<u8>,
    /// The empty line the mbox writer put after the message (`\n`, `\r\n`
    /// or nothing).
    pub gap: Vec<u8>,
}

impl MboxEntry {
    /// Postmark, message and gap: the bytes this entry occupied in the file.
    pub fn framed(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(self.postmark.len() + self.message.len() + self.gap.len());
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

/// Whether bytes start like an mbox (a `From ` postmark line).
pub fn starts_like_mbox(prefix: &[u8]) -> bool {
    prefix.starts_with(b"From ")
}

/// Iterator over the messages of an mbox read from `R`.
pub struct MboxReader<R> {
    reader: R,
    limit: usize,
    /// The postmark line that starts the next message, once read.
    next_postmark: Option<Vec<u8>>,
    index: usize,
    line: Vec<u8>,
    done: bool,
}

impl<R: BufRead> MboxReader<R> {
    /// A splitter over `reader`, which should be positioned at a `From ` line
    /// (bytes before the first postmark form message 1 without a postmark).
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
            line: Vec::with_capacity(256),
            done: false,
        }
    }

    fn read_entry(&mut self) -> Result<Option<MboxEntry>, MboxError> {
        let mut postmark = self.next_postmark.take().unwrap_or_default();
        let mut message: Vec<u8> = Vec::new();
        let mut too_large = false;
        let mut first = true;
        loop {
            let (n, cut) = self.read_line()?;
            if n == 0 {
                self.done = true;
                break;
            }
            if cut {
                // a line over the limit: its message is too large
                first = false;
                too_large = true;
                message.clear();
                message.shrink_to(64 << 10);
                continue;
            }
            if self.index == 0 && first && postmark.is_empty() && message.is_empty() {
                first = false;
                if self.line.starts_with(b"From ") {
                    postmark = std::mem::take(&mut self.line);
                    continue;
                }
            }
            first = false;
            if self.line.starts_with(b"From ") && is_separator(&message, &self.line) {
                self.next_postmark = Some(std::mem::take(&mut self.line));
                break;
            }
            if message.len() + self.line.len() > self.limit {
                too_large = true;
                message.clear();
                message.shrink_to(64 << 10);
                continue;
            }
            if !too_large {
                message.extend_from_slice(&self.line);
            }
        }
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
        let gap = split_gap(&mut message);
        Ok(Some(MboxEntry {
            index: self.index,
            postmark,
            message,
            gap,
        }))
    }

    /// Reads the next line into `self.line`, keeping at most
    /// [`MAX_LINE`] or `limit + 1` bytes of it, whichever is more, and
    /// dropping the rest unread into memory, so that a line without end (a
    /// damaged or hostile file) cannot fill memory: such a line makes its
    /// message too large anyway. Returns the bytes kept (0 at the end of
    /// the input) and whether the line was cut.
    fn read_line(&mut self) -> std::io::Result<(usize, bool)> {
        self.line.clear();
        let cap = self.limit.max(MAX_LINE).saturating_add(1);
        let n = (&mut self.reader)
            .take(cap as u64)
            .read_until(b'\n', &mut self.line)?;
        if n < cap || self.line.ends_with(b"\n") {
            return Ok((n, false));
        }
        loop {
            let buf = self.reader.fill_buf()?;
            if buf.is_empty() {
                return Ok((n, true));
            }
            match memchr::memchr(b'\n', buf) {
                Some(i) => {
                    self.reader.consume(i + 1);
                    return Ok((n, true));
                }
                None => {
                    let len = buf.len();
                    self.reader.consume(len);
                }
            }
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
        assert!(r.line.capacity() < 1 << 20, "the line was held whole");
        assert!(r.next().is_none());
    }
}
