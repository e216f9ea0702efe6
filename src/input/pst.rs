//! Outlook PST and OST files (MS-PST), read with Microsoft's `outlook-pst`
//! crate: every message of every folder of the mailbox's folder tree (the
//! IPM subtree, MS-PST 2.4.3: what Outlook shows; Outlook's own folders
//! outside it, such as free/busy data and search folders, are not read),
//! named `dump.pst#Folder/Sub/N` (N the 1-based position in the folder's
//! contents table; `/`, `#` and `%` in a folder name written `%2F`, `%23`,
//! `%25`; a name a sibling folder already has gets ` (2)`, ` (3)`, …).
//! Items kept at the top of the tree are named by the top folder's own
//! name, as Outlook shows it: `dump.pst#Top of Personal Folders/N`.
//!
//! Like a `.msg` ([`super::msg`]), a PST item keeps the received header
//! block (PR_TRANSPORT_MESSAGE_HEADERS, 0x007D) but not the body bytes, so
//! each message is an item of headers whose body is marked unavailable; a
//! message without received headers (a draft, a sent item, a contact) is an
//! error item that says so.
//!
//! The crate's store is single-threaded (`Rc`), so the file is read on a
//! thread of its own that hands the messages over a channel of
//! [`CHANNEL`] slots: one message at a time is read from the file, and the
//! reader waits while the verifiers are busy, so memory stays flat however
//! large the file.

use super::Item;
use super::msg::BODY_WHY;
use outlook_pst::ltp::prop_context::PropertyValue;
use outlook_pst::messaging::folder::Folder;
use outlook_pst::messaging::store::Store;
use outlook_pst::ndb::node_id::NodeId;
use std::path::PathBuf;
use std::rc::Rc;

/// The first bytes of a PST or OST file (`!BDN`, MS-PST 2.2.2.6).
pub const PST_MAGIC: &[u8] = b"!BDN";

/// Why a PST gave no item: none of its folders holds one.
pub const EMPTY: &str = "this Outlook PST/OST file holds no item in any folder that could be read (an empty store, or a damaged one whose folders cannot be found)";

/// Messages read ahead of the verifiers.
pub const CHANNEL: usize = 4;

/// PR_TRANSPORT_MESSAGE_HEADERS.
const TRANSPORT_HEADERS: u16 = 0x007D;
/// The name of the top of the folder tree when the file gives none.
const TOP: &str = "Top of Personal Folders";
/// Most folder levels walked.
const MAX_FOLDER_DEPTH: usize = 64;

/// The messages of a PST file, read on a thread of their own.
pub struct PstItems {
    rx: crossbeam_channel::Receiver<Item>,
}

impl PstItems {
    /// Starts reading `path`, naming its messages `source#Folder/N`;
    /// header blocks over `max` bytes are error items.
    pub fn open(path: PathBuf, source: String, max: u64) -> Self {
        let (tx, rx) = crossbeam_channel::bounded(CHANNEL);
        std::thread::spawn(move || {
            let sent = std::cell::Cell::new(0usize);
            let send = |item: Item| {
                sent.set(sent.get() + 1);
                tx.send(item).is_ok()
            };
            // a damaged file must give an error record, even if the
            // parser panics on it
            let walked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                walk_store(&path, &source, max, &send)
            }));
            let why = match walked {
                // a store with no item is one record, never silence
                Ok(Ok(())) if sent.get() == 0 => {
                    send(Item::new(source, Err(EMPTY.into())));
                    return;
                }
                Ok(Ok(())) => return,
                Ok(Err(e)) => e.to_string(),
                Err(_) => "the file is damaged (the PST reader gave up on it)".into(),
            };
            send(Item::new(
                source,
                Err(format!(
                    "cannot read this Outlook PST/OST file: {why}; the items before this were read"
                )),
            ));
        });
        PstItems { rx }
    }

    /// The next message, `None` at the end.
    pub fn next_item(&mut self) -> Option<Item> {
        self.rx.recv().ok()
    }
}

fn walk_store(
    path: &std::path::Path,
    source: &str,
    max: u64,
    send: &dyn Fn(Item) -> bool,
) -> std::io::Result<()> {
    let store = outlook_pst::open_store(path)?;
    let root = store.properties().ipm_sub_tree_entry_id()?;
    let root = store.open_folder(&root)?;
    let mut w = Walker {
        store,
        source,
        max,
        send,
        stopped: false,
    };
    // Items kept at the top of the folder tree (Outlook shows them under
    // the data file's own name) come first, named by that folder's name
    // like any other folder, then the sub-folders.
    let top = root
        .properties()
        .display_name()
        .unwrap_or_else(|_| TOP.to_string());
    let subs = w.sub_folders(&root);
    let mut names = unique(
        std::iter::once(top.as_str())
            .chain(subs.iter().map(|(n, _)| n.as_str()))
            .collect(),
    );
    let top = names.remove(0);
    w.contents(&top, &root);
    for (name, (_, folder)) in names.into_iter().zip(subs) {
        w.folder(&name, folder, 1);
    }
    Ok(())
}

struct Walker<'a> {
    store: Rc<dyn Store>,
    source: &'a str,
    max: u64,
    send: &'a dyn Fn(Item) -> bool,
    /// The receiving side is gone: stop reading.
    stopped: bool,
}

impl Walker<'_> {
    fn emit(&mut self, item: Item) {
        if !self.stopped && !(self.send)(item) {
            self.stopped = true;
        }
    }

    /// Sub-folders of `f`, by display name (then table order).
    fn sub_folders(&mut self, f: &Rc<dyn Folder>) -> Vec<(String, Rc<dyn Folder>)> {
        let Some(table) = f.hierarchy_table() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for row in table.rows_matrix() {
            let node = NodeId::from(u32::from(row.id()));
            let opened = self
                .store
                .properties()
                .make_entry_id(node)
                .and_then(|id| self.store.open_folder(&id));
            match opened {
                Ok(folder) => {
                    let name = folder
                        .properties()
                        .display_name()
                        .unwrap_or_else(|_| format!("folder {}", u32::from(node)));
                    out.push((name, folder));
                }
                Err(e) => self.emit(Item::new(
                    self.source.to_string(),
                    Err(format!("a folder of this PST cannot be read: {e}")),
                )),
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    /// The messages of `folder` (named `path`), then its sub-folders.
    fn folder(&mut self, path: &str, folder: Rc<dyn Folder>, depth: usize) {
        self.contents(path, &folder);
        if self.stopped || depth >= MAX_FOLDER_DEPTH {
            return;
        }
        let subs = self.sub_folders(&folder);
        let names = unique(subs.iter().map(|(n, _)| n.as_str()).collect());
        for (name, (_, sub)) in names.into_iter().zip(subs) {
            self.folder(&format!("{path}/{name}"), sub, depth + 1);
        }
    }

    /// The messages of `folder` (named `path`), not its sub-folders.
    fn contents(&mut self, path: &str, folder: &Rc<dyn Folder>) {
        let Some(table) = folder.contents_table() else {
            return;
        };
        for (n, row) in table.rows_matrix().enumerate() {
            if self.stopped {
                return;
            }
            let source = format!("{}#{path}/{}", self.source, n + 1);
            let node = NodeId::from(u32::from(row.id()));
            let item = self.message(source, node);
            self.emit(item);
        }
    }

    fn message(&self, source: String, node: NodeId) -> Item {
        let opened = self
            .store
            .properties()
            .make_entry_id(node)
            .and_then(|id| self.store.open_message(&id, Some(&[TRANSPORT_HEADERS])));
        let msg = match opened {
            Ok(m) => m,
            Err(e) => return Item::new(source, Err(format!("cannot read this message: {e}"))),
        };
        let headers = match msg.properties().get(TRANSPORT_HEADERS) {
            Some(PropertyValue::Unicode(v)) => String::from_utf16_lossy(v.buffer())
                .trim_end_matches('\0')
                .as_bytes()
                .to_vec(),
            Some(PropertyValue::String8(v)) => {
                let b = v.buffer();
                b[..b.iter().rposition(|c| *c != 0).map_or(0, |i| i + 1)].to_vec()
            }
            _ => {
                return Item::new(
                    source,
                    Err("this Outlook item holds no received headers (PR_TRANSPORT_MESSAGE_HEADERS): it was never received by mail (a draft, a sent copy, a contact or calendar item); there is no signature to check".into()),
                );
            }
        };
        if headers.len() as u64 > self.max {
            return Item::new(
                source,
                Err(crate::limits::too_big(headers.len() as u64, self.max)),
            );
        }
        let mut item = Item::new(source, Ok(headers));
        item.body_unavailable = Some(BODY_WHY.into());
        item.depth = 1;
        item
    }
}

/// Sibling folder names as source name segments ([`escape`]d), made
/// unique so that every item has a name of its own (`--resume` and
/// `dump.pst#Folder/N` inputs find items by name): a name already taken
/// by an earlier sibling gets ` (2)`, ` (3)`, … (the first free one).
fn unique(names: Vec<&str>) -> Vec<String> {
    let mut taken = std::collections::HashSet::new();
    names
        .into_iter()
        .map(|n| {
            let base = escape(n);
            let mut name = base.clone();
            let mut k = 1;
            while !taken.insert(name.clone()) {
                k += 1;
                name = format!("{base} ({k})");
            }
            name
        })
        .collect()
}

/// A folder name as one segment of a source name.
fn escape(name: &str) -> String {
    name.replace('%', "%25")
        .replace('/', "%2F")
        .replace('#', "%23")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sibling_names_are_escaped_and_made_unique() {
        assert_eq!(
            unique(vec![
                "Top",
                "Inbox",
                "Inbox",
                "Inbox",
                "a/b#c%",
                "a%2Fb%23c%25"
            ]),
            [
                "Top",
                "Inbox",
                "Inbox (2)",
                "Inbox (3)",
                "a%2Fb%23c%25",
                "a%252Fb%2523c%2525"
            ]
        );
        // a real folder named like a renamed duplicate keeps names unique
        let names = unique(vec!["Inbox", "Inbox", "Inbox (2)"]);
        let set: std::collections::HashSet<_> = names.iter().collect();
        assert_eq!(set.len(), 3, "{names:?}");
    }
}
