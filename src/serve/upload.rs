//! Turns uploaded files into messages to verify: an `.eml` is one message,
//! an mbox is split on its `From ` postmark lines (by [`crate::input::mbox`]),
//! an archive (`.zip`, `.tar`, `.tar.gz`) is opened by
//! [`crate::input::archive`], with the same defences as on the command line,
//! and each entry treated the same way (archives inside archives to a small
//! depth); an Outlook `.msg` gives its header block and attached messages
//! ([`crate::input::msg`]).
//!
//! Everything happens in memory, one message at a time, under [`Limits`]: archives that unpack to
//! more than the budget, a message larger than the limit or more messages
//! than allowed stop with an [`UploadError`] that says so in words.

use super::Limits;
pub use crate::input::Item;
use crate::input::archive::{self, ArchiveLimits, Blob, Budget, Entries, EntryError};
use crate::input::mbox::{MboxError, MboxReader, starts_like_mbox};

/// Why an upload as a whole was refused.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// More messages than [`Limits::max_messages`].
    #[error(
        "The files hold more than {limit} messages, the most this page checks at once. Split them into smaller batches, or use `mailproof verify` in a terminal, which has no limit."
    )]
    TooManyMessages {
        /// The limit.
        limit: usize,
    },
    /// A zip unpacks to more than [`Limits::max_unpacked_bytes`].
    #[error(
        "The zip files unpack to more than {}, the most this page unpacks at once. Split the archive, or use `mailproof verify` in a terminal.",
        human_bytes(*limit)
    )]
    TooMuchUnpacked {
        /// The limit in bytes.
        limit: u64,
    },
}

/// Sizes in words for messages: "64 MB", "512 KB", "900 bytes".
pub fn human_bytes(n: u64) -> String {
    const MB: u64 = 1024 * 1024;
    if n >= MB && n.is_multiple_of(MB) {
        format!("{} MB", n / MB)
    } else if n >= MB {
        format!("{:.1} MB", n as f64 / MB as f64)
    } else if n >= 1024 {
        format!("{} KB", n.div_ceil(1024))
    } else {
        format!("{n} bytes")
    }
}

/// Finds the messages of uploaded files, in order, and hands each to a
/// sink as soon as it is found, so that only one unpacked message is held
/// at a time.
pub struct Expander<'a, F: FnMut(Item)> {
    limits: &'a Limits,
    budget: Budget,
    count: usize,
    sink: F,
}

impl<'a, F: FnMut(Item)> Expander<'a, F> {
    /// An expander that has found nothing yet and gives what it finds to `sink`.
    pub fn new(limits: &'a Limits, sink: F) -> Self {
        Expander {
            limits,
            budget: Budget::default(),
            count: 0,
            sink,
        }
    }

    /// How many messages (and error items) were handed to the sink.
    pub fn count(&self) -> usize {
        self.count
    }

    fn archive_limits(&self) -> ArchiveLimits {
        ArchiveLimits {
            max_entry_bytes: self.limits.max_message_bytes,
            max_unpacked_bytes: self.limits.max_unpacked_bytes,
            max_entries: self.limits.max_messages.saturating_mul(4),
            ..ArchiveLimits::default()
        }
    }

    /// Adds the messages of one uploaded file.
    pub fn add_file(&mut self, name: &str, data: Vec<u8>) -> Result<(), UploadError> {
        self.add_at(name, data, 0)
    }

    fn add_at(&mut self, name: &str, data: Vec<u8>, depth: usize) -> Result<(), UploadError> {
        if let Some(kind) = archive::sniff(&data) {
            if depth >= self.archive_limits().max_depth {
                return self.push(
                    name.to_string(),
                    Err("an archive nested this deep is not opened: unpack it first".into()),
                );
            }
            return self.add_archive(name, data, kind, depth + 1);
        }
        if data.starts_with(crate::input::msg::OLE_MAGIC) {
            for item in
                crate::input::msg::items(name, &data, depth + 1, self.limits.max_message_bytes)
            {
                self.push_item(item)?;
            }
            return Ok(());
        }
        self.add_messages(name, data)
    }

    /// Adds a file that is not an archive: an mbox or one message.
    fn add_messages(&mut self, source: &str, data: Vec<u8>) -> Result<(), UploadError> {
        if starts_like_mbox(&data) {
            let limit = usize::try_from(self.limits.max_message_bytes).unwrap_or(usize::MAX);
            for entry in MboxReader::with_limit(&data[..], limit) {
                match entry {
                    Ok(e) => {
                        let mut item = Item::new(format!("{source}#{}", e.index), Ok(e.message));
                        item.skipped_before = e.skipped;
                        self.push_item(item)?;
                    }
                    Err(MboxError::TooLarge { index, .. }) => self.push(
                        format!("{source}#{index}"),
                        Err(format!(
                            "this message is larger than the {} a single message may be here",
                            human_bytes(self.limits.max_message_bytes)
                        )),
                    )?,
                    Err(e) => self.push(format!("{source}#?"), Err(e.to_string()))?,
                }
            }
            return Ok(());
        }
        let bytes = if data.len() as u64 > self.limits.max_message_bytes {
            Err(format!(
                "this file is {}, larger than the {} a single message may be here",
                human_bytes(data.len() as u64),
                human_bytes(self.limits.max_message_bytes)
            ))
        } else if data.is_empty() {
            Err("the file is empty".to_string())
        } else {
            Ok(data)
        };
        self.push(source.to_string(), bytes)
    }

    /// Hands one message (or why it cannot be read) to the sink. Errors:
    /// [`UploadError::TooManyMessages`] past [`Limits::max_messages`].
    pub fn push(
        &mut self,
        source: String,
        bytes: Result<Vec<u8>, String>,
    ) -> Result<(), UploadError> {
        self.push_item(Item::new(source, bytes))
    }

    fn push_item(&mut self, item: Item) -> Result<(), UploadError> {
        if self.count >= self.limits.max_messages {
            return Err(UploadError::TooManyMessages {
                limit: self.limits.max_messages,
            });
        }
        self.count += 1;
        (self.sink)(item);
        Ok(())
    }

    fn add_archive(
        &mut self,
        name: &str,
        data: Vec<u8>,
        kind: archive::ArchiveKind,
        depth: usize,
    ) -> Result<(), UploadError> {
        let mut entries = Entries::open(Blob::Memory(data.into()), kind, self.archive_limits());
        while let Some(entry) = entries.next_entry(&mut self.budget, &mut |_| true) {
            let entry = match entry {
                Ok(e) => e,
                Err(why) => {
                    self.push(name.to_string(), Err(why))?;
                    continue;
                }
            };
            let source = if entry.name.is_empty() {
                name.to_string()
            } else {
                format!("{name}#{}", entry.name)
            };
            match entry.bytes {
                Ok(b) => self.add_at(&source, b, depth)?,
                Err(EntryError::TooMuchUnpacked { .. }) => {
                    return Err(UploadError::TooMuchUnpacked {
                        limit: self.limits.max_unpacked_bytes,
                    });
                }
                Err(EntryError::TooBig { .. }) => self.push(
                    source,
                    Err(format!(
                        "this entry unpacks to more than the {} a single message may be here",
                        human_bytes(self.limits.max_message_bytes)
                    )),
                )?,
                Err(e) => self.push(source, Err(e.to_string()))?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            max_upload_bytes: 1 << 20,
            max_messages: 3,
            max_message_bytes: 100,
            max_unpacked_bytes: 250,
            ..Limits::default()
        }
    }

    #[test]
    fn mbox_messages_are_numbered_and_kept_byte_for_byte() {
        let l = limits();
        let mut items = Vec::new();
        let mut x = Expander::new(&l, |i| items.push(i));
        let mbox = b"From a@b Mon Jan  1 00:00:00 2024\nSubject: one\n\n>From here\n\nFrom c@d Mon Jan  1 00:00:01 2024\r\nSubject: two\r\n\r\nx\r\n";
        x.add_file("box.mbox", mbox.to_vec()).unwrap();
        assert_eq!(x.count(), 2);
        let got: Vec<(&str, &[u8])> = items
            .iter()
            .map(|i| (i.source.as_str(), i.bytes.as_deref().unwrap()))
            .collect();
        assert_eq!(
            got,
            [
                ("box.mbox#1", &b"Subject: one\n\n>From here\n"[..]),
                ("box.mbox#2", &b"Subject: two\r\n\r\nx\r\n"[..]),
            ]
        );
    }

    #[test]
    fn bytes_before_the_first_postmark_are_skipped_and_kept_for_the_report() {
        let l = limits();
        let mbox = b"From a@b Mon Jan  1 00:00:00 2024\nSubject: one\n\nx\n\nFrom c@d Mon Jan  1 00:00:01 2024\nSubject: two\n\ny\n";
        for lead in [&b"\xEF\xBB\xBF"[..], b"\n\n"] {
            let mut items = Vec::new();
            let mut x = Expander::new(&l, |i| items.push(i));
            x.add_file("box.mbox", [lead, &mbox[..]].concat()).unwrap();
            assert_eq!(x.count(), 2, "{lead:?}");
            assert_eq!(items[0].source, "box.mbox#1");
            assert_eq!(items[0].bytes.as_deref().unwrap(), b"Subject: one\n\nx\n");
            assert_eq!(items[0].skipped_before, lead);
            assert_eq!(items[1].bytes.as_deref().unwrap(), b"Subject: two\n\ny\n");
            assert!(items[1].skipped_before.is_empty());
        }
    }

    #[test]
    fn limits_are_enforced() {
        let l = limits();
        let mut items = Vec::new();
        let mut x = Expander::new(&l, |i| items.push(i));
        x.add_file("big.eml", vec![b'a'; 101]).unwrap();
        x.add_file("a.eml", b"Subject: a\n\nx\n".to_vec()).unwrap();
        x.add_file("b.eml", b"Subject: b\n\nx\n".to_vec()).unwrap();
        let err = x
            .add_file("c.eml", b"Subject: c\n\nx\n".to_vec())
            .unwrap_err();
        assert!(err.to_string().contains("more than 3 messages"), "{err}");
        assert!(items[0].bytes.as_ref().unwrap_err().contains("larger than"));
        assert_eq!(items.len(), 3);
    }

    #[test]
    fn tar_gz_uploads_are_opened_like_zips() {
        let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        let mut t = tar::Builder::new(gz);
        for (name, data) in [
            ("b.eml", &b"Subject: b\n\nx\n"[..]),
            ("a.eml", b"Subject: a\n\nx\n"),
        ] {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_cksum();
            t.append_data(&mut h, name, data).unwrap();
        }
        let data = t.into_inner().unwrap().finish().unwrap();
        let l = Limits {
            max_unpacked_bytes: 1 << 20,
            ..limits()
        };
        let mut items = Vec::new();
        let mut x = Expander::new(&l, |i| items.push(i));
        x.add_file("up.tgz", data).unwrap();
        let names: Vec<&str> = items.iter().map(|i| i.source.as_str()).collect();
        assert_eq!(names, ["up.tgz#a.eml", "up.tgz#b.eml"]);
        assert_eq!(items[0].bytes.as_deref().unwrap(), b"Subject: a\n\nx\n");
    }

    #[test]
    fn garbage_zip_is_an_error_item() {
        let l = limits();
        let mut items = Vec::new();
        let mut x = Expander::new(&l, |i| items.push(i));
        x.add_file("x.zip", b"PK\x03\x04garbage".to_vec()).unwrap();
        assert!(items[0].bytes.is_err());
    }

    #[test]
    fn sizes_in_words() {
        assert_eq!(human_bytes(64 << 20), "64 MB");
        assert_eq!(human_bytes(1536), "2 KB");
        assert_eq!(human_bytes(12), "12 bytes");
    }
}
