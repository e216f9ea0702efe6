//! Outlook `.msg` files: a message saved by Outlook as an OLE compound file
//! (MS-CFB) of MAPI properties (MS-OXMSG), read with the `cfb` crate.
//!
//! Outlook keeps the header block as it was received, in the string
//! property PR_TRANSPORT_MESSAGE_HEADERS (0x007D; stream
//! `__substg1.0_007D001F`, UTF-16LE, or `…001E`, 8-bit), but not the body
//! bytes: the body is kept as plain text, HTML or RTF properties that
//! Outlook re-encoded. So a `.msg` gives its header block as an item whose
//! body is marked unavailable (the verdict is then at most
//! `headers_verified`, and the report says why and what to ask for).
//!
//! The messages attached to it are given too, as `x.msg#attached/N`, in the
//! order of the attachment storages: an attached `.eml` (PR_ATTACH_DATA_BIN
//! with MIME type `message/rfc822` or a `.eml` name) holds the original
//! MIME bytes and is verified whole; an embedded Outlook message
//! (PR_ATTACH_DATA_OBJ, `__substg1.0_3701000D`) is read like the `.msg`
//! itself, recursively (`x.msg#attached/N/M`).

use super::Item;
use std::io::{Cursor, Read};

/// The first bytes of an OLE compound file (MS-CFB 2.2).
pub const OLE_MAGIC: &[u8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1";

/// Why the body of a `.msg` or PST item cannot be checked, in words.
pub const BODY_WHY: &str = "Outlook keeps the headers of a received message as they arrived but stores the body re-encoded (as text, HTML or RTF), not the bytes that were signed";

/// Most levels of embedded messages read.
const MAX_EMBEDDED: usize = 5;

type Ole = cfb::CompoundFile<Cursor<Vec<u8>>>;

/// The items of a `.msg` file named `source`: its header block (or an
/// error when it holds none), then its attached messages. `max` caps the
/// bytes read from any one stream.
pub fn items(source: &str, data: &[u8], depth: usize, max: u64) -> Vec<Item> {
    let mut out = Vec::new();
    let mut ole = match cfb::CompoundFile::open(Cursor::new(data.to_vec())) {
        Ok(o) => o,
        Err(e) => {
            out.push(Item::new(
                source.into(),
                Err(format!("cannot read this Outlook .msg file: {e}")),
            ));
            return out;
        }
    };
    // a damaged file must give an error record, even if the parser
    // panics on it
    let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        message(&mut ole, "/", source, depth, max, 0, &mut out);
    }));
    if read.is_err() {
        out.push(Item::new(
            source.into(),
            Err("this Outlook .msg file is damaged: reading it stopped here".into()),
        ));
    }
    out
}

/// Reads the message stored under `dir` (`/` or an embedded message's
/// storage).
fn message(
    ole: &mut Ole,
    dir: &str,
    source: &str,
    depth: usize,
    max: u64,
    level: usize,
    out: &mut Vec<Item>,
) {
    let mut item = match transport_headers(ole, dir, max) {
        Some(Ok(h)) => {
            let mut i = Item::new(source.into(), Ok(h));
            i.body_unavailable = Some(BODY_WHY.into());
            i
        }
        Some(Err(e)) => Item::new(source.into(), Err(e)),
        None => Item::new(
            source.into(),
            Err("this Outlook message holds no received headers (PR_TRANSPORT_MESSAGE_HEADERS): it was never received by mail (a draft or a sent copy), or Outlook dropped them; there is no signature to check".into()),
        ),
    };
    item.depth = depth;
    out.push(item);
    let prefix = if level == 0 {
        format!("{source}#attached/")
    } else {
        format!("{source}/")
    };
    let mut n = 0;
    for att in attachments(ole, dir) {
        let embedded = format!("{att}/__substg1.0_3701000D");
        if ole.is_storage(&embedded) {
            n += 1;
            if level + 1 >= MAX_EMBEDDED {
                out.push(Item::new(
                    format!("{prefix}{n}"),
                    Err(format!(
                        "an Outlook message embedded more than {MAX_EMBEDDED} deep is not read"
                    )),
                ));
                continue;
            }
            message(
                ole,
                &embedded,
                &format!("{prefix}{n}"),
                depth,
                max,
                level + 1,
                out,
            );
            continue;
        }
        if !is_attached_message(ole, &att, max) {
            continue;
        }
        n += 1;
        let mut item = Item::new(
            format!("{prefix}{n}"),
            read_stream(ole, &format!("{att}/__substg1.0_37010102"), max),
        );
        item.depth = depth;
        out.push(item);
    }
}

/// PR_TRANSPORT_MESSAGE_HEADERS of the message under `dir`, as bytes
/// (UTF-16LE decoded; 8-bit kept as is), `None` when absent.
fn transport_headers(ole: &mut Ole, dir: &str, max: u64) -> Option<Result<Vec<u8>, String>> {
    let unicode = join(dir, "__substg1.0_007D001F");
    if ole.is_stream(&unicode) {
        // UTF-16 text grows by up to half in UTF-8: the cap is on the
        // header block handed on, so it is checked again after decoding
        return Some(read_stream(ole, &unicode, max).and_then(|b| {
            let text = utf16(&b).into_bytes();
            if text.len() as u64 > max {
                return Err(over_cap(max));
            }
            Ok(text)
        }));
    }
    let ansi = join(dir, "__substg1.0_007D001E");
    if ole.is_stream(&ansi) {
        return Some(read_stream(ole, &ansi, max).map(|mut b| {
            // a PT_STRING8 value may end with its NUL terminator
            while b.last() == Some(&0) {
                b.pop();
            }
            b
        }));
    }
    None
}

/// The attachment storages under `dir`, in name order.
fn attachments(ole: &Ole, dir: &str) -> Vec<String> {
    let mut names: Vec<String> = match ole.read_storage(dir) {
        Ok(entries) => entries
            .filter(|e| e.is_storage() && e.name().starts_with("__attach_version1.0_#"))
            .map(|e| e.path().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    };
    names.sort();
    names
}

/// Whether an attachment holds a whole MIME message: MIME type
/// `message/rfc822` (PR_ATTACH_MIME_TAG, 0x370E) or a `.eml` file name
/// (PR_ATTACH_LONG_FILENAME, 0x3707).
fn is_attached_message(ole: &mut Ole, att: &str, max: u64) -> bool {
    if !ole.is_stream(join(att, "__substg1.0_37010102")) {
        return false;
    }
    let text = |ole: &mut Ole, id: &str| {
        read_stream(
            ole,
            &join(att, &format!("__substg1.0_{id}001F")),
            max.min(4096),
        )
        .map(|b| utf16(&b).to_ascii_lowercase())
        .unwrap_or_default()
    };
    text(ole, "370E").trim() == "message/rfc822" || text(ole, "3707").trim().ends_with(".eml")
}

fn join(dir: &str, name: &str) -> String {
    format!("{}/{name}", dir.trim_end_matches('/'))
}

fn read_stream(ole: &mut Ole, path: &str, max: u64) -> Result<Vec<u8>, String> {
    let mut s = ole
        .open_stream(path)
        .map_err(|e| format!("cannot read {path} in this .msg file: {e}"))?;
    let mut buf = Vec::new();
    (&mut s)
        .take(max + 1)
        .read_to_end(&mut buf)
        .map_err(|e| format!("cannot read {path} in this .msg file: {e}"))?;
    if buf.len() as u64 > max {
        return Err(over_cap(max));
    }
    Ok(buf)
}

fn over_cap(max: u64) -> String {
    format!("a property of this .msg file is over the max-message-size cap of {max} bytes")
}

/// UTF-16LE to a string (unpaired surrogates replaced), without a trailing NUL.
pub(crate) fn utf16(b: &[u8]) -> String {
    let units = b.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]]));
    let s: String = char::decode_utf16(units)
        .map(|r| r.unwrap_or('\u{fffd}'))
        .collect();
    s.trim_end_matches('\0').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A `.msg` whose received headers are `headers`, as UTF-16.
    fn msg_with_headers(headers: &str) -> Vec<u8> {
        let mut ole = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
        let units: Vec<u8> = headers.encode_utf16().flat_map(u16::to_le_bytes).collect();
        ole.create_stream("/__substg1.0_007D001F")
            .unwrap()
            .write_all(&units)
            .unwrap();
        ole.flush().unwrap();
        ole.into_inner().into_inner()
    }

    #[test]
    fn the_size_cap_holds_for_the_decoded_header_block() {
        // 4,000 bytes of UTF-16, under the cap, but 6,000 bytes of UTF-8
        let file = msg_with_headers(&format!("Subject: {}\r\n", "€".repeat(2000)));
        let items = items("x.msg", &file, 0, 4096);
        let err = items[0].bytes.as_ref().unwrap_err();
        assert!(err.contains("cap of 4096 bytes"), "{err}");
        let items = super::items("x.msg", &file, 0, 8192);
        assert_eq!(items[0].bytes.as_ref().unwrap().len(), 6011);
    }
}
