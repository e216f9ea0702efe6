//! Turns command-line paths into messages to verify: files are read whole,
//! directories are walked recursively in sorted order (hidden entries and
//! Maildir `tmp/` folders skipped), so runs are reproducible.

use std::path::{Path, PathBuf};

/// One message to verify: where it came from and its bytes (or why not).
pub struct Item {
    pub source: String,
    pub bytes: Result<Vec<u8>, String>,
}

/// Collects the messages under `paths`. Missing paths are reported on stderr
/// and flagged as an operational error; unreadable files become error items.
pub fn collect(paths: &[PathBuf]) -> (Vec<Item>, bool) {
    let mut items = Vec::new();
    let mut failed = false;
    for p in paths {
        match std::fs::metadata(p) {
            Err(e) => {
                eprintln!("mailproof: {}: {}", p.display(), e);
                failed = true;
            }
            Ok(m) if m.is_dir() => walk(p, &mut items),
            Ok(_) => items.push(read(p)),
        }
    }
    (items, failed)
}

fn walk(dir: &Path, items: &mut Vec<Item>) {
    let mut entries: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(e) => {
            items.push(Item {
                source: dir.display().to_string(),
                bytes: Err(format!("cannot read directory: {e}")),
            });
            return;
        }
    };
    entries.sort();
    for p in entries {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.starts_with('.') {
            continue;
        }
        if p.is_dir() {
            if name == "tmp" && dir.join("cur").is_dir() {
                continue; // Maildir delivery in progress
            }
            walk(&p, items);
        } else {
            items.push(read(&p));
        }
    }
}

fn read(p: &Path) -> Item {
    let source = p.display().to_string();
    let bytes = match std::fs::read(p) {
        Ok(b) if looks_like_mbox(&b) => Err(
            "this looks like an mbox file (several messages, each starting with a \"From \" line); mbox input is not supported yet: split it into .eml files".into(),
        ),
        Ok(b) => Ok(b),
        Err(e) => Err(format!("cannot read file: {e}")),
    };
    Item { source, bytes }
}

/// An mbox holds more than one `From ` separator line.
fn looks_like_mbox(b: &[u8]) -> bool {
    b.starts_with(b"From ") && memchr::memmem::find_iter(b, b"\nFrom ").next().is_some()
}
