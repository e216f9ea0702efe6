//! Outlook PST and OST files: recognised by content, not read yet (they
//! become an error record that says so).

use super::Item;
use std::path::PathBuf;

/// The first bytes of a PST or OST file (`!BDN`).
pub const PST_MAGIC: &[u8] = b"!BDN";

/// The messages of a PST file.
pub struct PstItems {
    done: Option<Item>,
}

impl PstItems {
    /// Starts reading `path`.
    pub fn open(_path: PathBuf, source: String, _max: u64) -> Self {
        PstItems {
            done: Some(Item::new(
                source,
                Err("Outlook PST and OST files are not read by this version".into()),
            )),
        }
    }

    /// The next message, `None` at the end.
    pub fn next_item(&mut self) -> Option<Item> {
        self.done.take()
    }
}
