//! Turns uploaded files into messages to verify: an `.eml` is one message,
//! an mbox is split on its `From ` postmark lines (by [`crate::input::mbox`]), a `.zip` is opened and
//! each entry treated the same way (a zip inside a zip is not opened).
//!
//! Everything happens in memory, under [`Limits`]: a zip that unpacks to
//! more than the budget, a message larger than the limit or more messages
//! than allowed stop with an [`UploadError`] that says so in words.

use super::Limits;
use crate::input::mbox::{MboxError, MboxReader, starts_like_mbox};
use std::io::Read;

/// One message found in an upload: where it came from and its bytes, or
/// why it could not be read (it then becomes an `error` report).
#[derive(Debug)]
pub struct Item {
    /// File name, plus `/entry` inside a zip and `#N` for the N-th message of an mbox.
    pub source: String,
    /// The message exactly as stored, or why not.
    pub bytes: Result<Vec<u8>, String>,
}

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

/// Collects the messages of uploaded files, in order.
pub struct Expander<'a> {
    limits: &'a Limits,
    unpacked: u64,
    /// The messages found so far.
    pub items: Vec<Item>,
}

impl<'a> Expander<'a> {
    /// An expander with nothing collected yet.
    pub fn new(limits: &'a Limits) -> Self {
        Expander {
            limits,
            unpacked: 0,
            items: Vec::new(),
        }
    }

    /// Adds the messages of one uploaded file.
    pub fn add_file(&mut self, name: &str, data: Vec<u8>) -> Result<(), UploadError> {
        if is_zip(&data) {
            self.add_zip(name, &data)
        } else {
            self.add_messages(name, data)
        }
    }

    /// Adds a file that is not a zip: an mbox or one message.
    fn add_messages(&mut self, source: &str, data: Vec<u8>) -> Result<(), UploadError> {
        if starts_like_mbox(&data) {
            let limit = usize::try_from(self.limits.max_message_bytes).unwrap_or(usize::MAX);
            for entry in MboxReader::with_limit(&data[..], limit) {
                match entry {
                    Ok(e) => self.push(format!("{source}#{}", e.index), Ok(e.message))?,
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

    fn push(&mut self, source: String, bytes: Result<Vec<u8>, String>) -> Result<(), UploadError> {
        if self.items.len() >= self.limits.max_messages {
            return Err(UploadError::TooManyMessages {
                limit: self.limits.max_messages,
            });
        }
        self.items.push(Item { source, bytes });
        Ok(())
    }

    fn add_zip(&mut self, name: &str, data: &[u8]) -> Result<(), UploadError> {
        let mut archive = match zip::ZipArchive::new(std::io::Cursor::new(data)) {
            Ok(a) => a,
            Err(e) => {
                return self.push(
                    name.to_string(),
                    Err(format!("cannot open this zip file: {e}")),
                );
            }
        };
        for i in 0..archive.len() {
            let mut entry = match archive.by_index(i) {
                Ok(e) => e,
                Err(e) => {
                    self.push(
                        format!("{name}/#{}", i + 1),
                        Err(format!("cannot read this zip entry: {e}")),
                    )?;
                    continue;
                }
            };
            let entry_name = match entry.name() {
                Ok(n) => n.into_owned(),
                Err(_) => format!("#{}", i + 1),
            };
            if entry.is_dir() || skipped_entry(&entry_name) {
                continue;
            }
            let source = format!("{name}/{entry_name}");
            if entry.encrypted() {
                self.push(source, Err("this zip entry is encrypted".into()))?;
                continue;
            }
            // Read at most one byte more than either limit allows, whatever
            // size the entry claims (zip headers are attacker-controlled).
            let budget = self.limits.max_unpacked_bytes.saturating_sub(self.unpacked);
            let cap = budget.min(self.limits.max_message_bytes) + 1;
            let mut buf = Vec::new();
            if let Err(e) = (&mut entry).take(cap).read_to_end(&mut buf) {
                self.push(source, Err(format!("cannot unpack this zip entry: {e}")))?;
                continue;
            }
            self.unpacked += buf.len() as u64;
            if buf.len() as u64 == cap {
                if budget < self.limits.max_message_bytes + 1 {
                    return Err(UploadError::TooMuchUnpacked {
                        limit: self.limits.max_unpacked_bytes,
                    });
                }
                self.push(
                    source,
                    Err(format!(
                        "this entry unpacks to more than the {} a single message may be here",
                        human_bytes(self.limits.max_message_bytes)
                    )),
                )?;
                continue;
            }
            if is_zip(&buf) {
                self.push(
                    source,
                    Err("a zip inside a zip is not opened: unpack it first".into()),
                )?;
                continue;
            }
            self.add_messages(&source, buf)?;
        }
        Ok(())
    }
}

/// Entries that are never messages: macOS resource forks and hidden files.
fn skipped_entry(name: &str) -> bool {
    name.starts_with("__MACOSX/") || name.rsplit('/').next().is_some_and(|b| b.starts_with('.'))
}

fn is_zip(data: &[u8]) -> bool {
    data.starts_with(b"PK\x03\x04") || data.starts_with(b"PK\x05\x06")
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
        }
    }

    #[test]
    fn mbox_messages_are_numbered_and_kept_byte_for_byte() {
        let l = limits();
        let mut x = Expander::new(&l);
        let mbox = b"From a@b Mon Jan  1 00:00:00 2024\nSubject: one\n\n>From here\n\nFrom c@d Mon Jan  1 00:00:01 2024\r\nSubject: two\r\n\r\nx\r\n";
        x.add_file("box.mbox", mbox.to_vec()).unwrap();
        let got: Vec<(&str, &[u8])> = x
            .items
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
    fn limits_are_enforced() {
        let l = limits();
        let mut x = Expander::new(&l);
        x.add_file("big.eml", vec![b'a'; 101]).unwrap();
        assert!(
            x.items[0]
                .bytes
                .as_ref()
                .unwrap_err()
                .contains("larger than")
        );
        x.add_file("a.eml", b"Subject: a\n\nx\n".to_vec()).unwrap();
        x.add_file("b.eml", b"Subject: b\n\nx\n".to_vec()).unwrap();
        let err = x
            .add_file("c.eml", b"Subject: c\n\nx\n".to_vec())
            .unwrap_err();
        assert!(err.to_string().contains("more than 3 messages"), "{err}");
    }

    #[test]
    fn garbage_zip_is_an_error_item() {
        let l = limits();
        let mut x = Expander::new(&l);
        x.add_file("x.zip", b"PK\x03\x04garbage".to_vec()).unwrap();
        assert!(x.items[0].bytes.is_err());
    }

    #[test]
    fn sizes_in_words() {
        assert_eq!(human_bytes(64 << 20), "64 MB");
        assert_eq!(human_bytes(1536), "2 KB");
        assert_eq!(human_bytes(12), "12 bytes");
    }
}
