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
pub fn collect(paths: &[PathBuf], max_bytes: u64) -> (Vec<Item>, bool) {
    let mut items = Vec::new();
    let mut failed = false;
    for p in paths {
        match std::fs::metadata(p) {
            Err(e) => {
                eprintln!("mailproof: {}: {}", p.display(), e);
                failed = true;
            }
            Ok(m) if m.is_dir() => walk(p, &mut items, max_bytes),
            Ok(_) => items.push(read(p, max_bytes)),
        }
    }
    (items, failed)
}

fn walk(dir: &Path, items: &mut Vec<Item>, max_bytes: u64) {
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
        let linked_dir =
            std::fs::symlink_metadata(&p).is_ok_and(|m| m.file_type().is_symlink()) && p.is_dir();
        if linked_dir {
            // Following links could loop (a link to a parent) or multiply
            // the walk; say so instead of skipping silently.
            items.push(Item {
                source: p.display().to_string(),
                bytes: Err("symbolic link to a directory: not followed".into()),
            });
        } else if p.is_dir() {
            if name == "tmp" && dir.join("cur").is_dir() {
                continue; // Maildir delivery in progress
            }
            walk(&p, items, max_bytes);
        } else {
            items.push(read(&p, max_bytes));
        }
    }
}

fn read(p: &Path, max_bytes: u64) -> Item {
    let source = p.display().to_string();
    let bytes = match read_capped(p, max_bytes) {
        Ok(b) if looks_like_mbox(&b) => Err(
            "this looks like an mbox file (several messages, each starting with a \"From \" line); mbox input is not supported yet: split it into .eml files".into(),
        ),
        Ok(b) => Ok(b),
        Err(e) => Err(e),
    };
    Item { source, bytes }
}

/// Reads a regular file of at most `max` bytes. Anything else (a FIFO or
/// device, which could block or never end; a file over the cap, which is
/// not read into memory at all) is refused with the reason.
fn read_capped(p: &Path, max: u64) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let cannot = |e: std::io::Error| format!("cannot read file: {e}");
    let meta = std::fs::metadata(p).map_err(cannot)?;
    if !meta.is_file() {
        return Err("cannot read file: not a regular file (a FIFO, socket or device)".into());
    }
    if meta.len() > max {
        return Err(mailproof::limits::too_big(meta.len(), max));
    }
    let file = std::fs::File::open(p).map_err(cannot)?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // The file may have grown since it was measured: never read past the cap.
    file.take(max + 1).read_to_end(&mut bytes).map_err(cannot)?;
    if bytes.len() as u64 > max {
        return Err(format!(
            "the file grew past the max-message-size cap of {max} bytes while being read (raise it with --max-message-size)"
        ));
    }
    Ok(bytes)
}

/// An mbox holds more than one `From ` separator line.
fn looks_like_mbox(b: &[u8]) -> bool {
    b.starts_with(b"From ") && memchr::memmem::find_iter(b, b"\nFrom ").next().is_some()
}
