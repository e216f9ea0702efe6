//! Builds an Outlook `.msg` from a recipe, for the `msg` fuzz target (an
//! input that is not a compound file): byte 0 chooses the string types and
//! the kind of each attachment, byte 1 a number of byte pokes (3 bytes
//! each: offset / 8, xor) applied to the built file so that the container
//! parser meets damage too, and the rest, split at `\0\0\0\0`, is the
//! header block followed by one part per attachment (at most 8).

use std::io::Write;

fn utf16(s: &[u8]) -> Vec<u8> {
    String::from_utf8_lossy(s)
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect()
}

type Ole = cfb::CompoundFile<std::io::Cursor<Vec<u8>>>;

fn put(ole: &mut Ole, path: &str, data: &[u8]) -> Option<()> {
    ole.create_stream(path).ok()?.write_all(data).ok()
}

/// The MAPI string properties of one message under `dir`.
fn message(ole: &mut Ole, dir: &str, headers: &[u8], unicode: bool) -> Option<()> {
    put(
        ole,
        &format!("{dir}/__substg1.0_001A001F"),
        &utf16(b"IPM.Note"),
    )?;
    if unicode {
        put(ole, &format!("{dir}/__substg1.0_007D001F"), &utf16(headers))
    } else {
        let mut b = headers.to_vec();
        b.push(0);
        put(ole, &format!("{dir}/__substg1.0_007D001E"), &b)
    }
}

/// Builds a `.msg` from a recipe (see the module comment).
pub fn build(data: &[u8]) -> Option<Vec<u8>> {
    let (&flags, rest) = data.split_first()?;
    let (&pokes, rest) = rest.split_first()?;
    let pokes = usize::from(pokes % 9);
    let (pokes, payload) = rest.split_at_checked(pokes * 3)?;
    let mut parts = Vec::new();
    let mut start = 0;
    while let Some(i) = memfind(&payload[start..], b"\0\0\0\0") {
        parts.push(&payload[start..start + i]);
        start += i + 4;
    }
    parts.push(&payload[start..]);
    let mut ole = cfb::CompoundFile::create(std::io::Cursor::new(Vec::new())).ok()?;
    message(&mut ole, "", parts[0], flags & 1 == 0)?;
    for (n, part) in parts.iter().enumerate().skip(1).take(8) {
        let att = format!("/__attach_version1.0_#{:08X}", n - 1);
        ole.create_storage(&att).ok()?;
        // bits 1.. of the flags, one per attachment: an embedded Outlook
        // message, else an attached file (`.eml` by name or by MIME type)
        if flags >> (n % 8) & 1 == 1 {
            let inner = format!("{att}/__substg1.0_3701000D");
            ole.create_storage(&inner).ok()?;
            message(&mut ole, &inner, part, n % 2 == 0)?;
        } else {
            put(&mut ole, &format!("{att}/__substg1.0_37010102"), part)?;
            if n % 2 == 0 {
                put(
                    &mut ole,
                    &format!("{att}/__substg1.0_370E001F"),
                    &utf16(b"message/rfc822"),
                )?;
            } else {
                put(
                    &mut ole,
                    &format!("{att}/__substg1.0_3707001F"),
                    &utf16(b"Original.EML"),
                )?;
            }
        }
    }
    ole.flush().ok()?;
    let mut file = ole.into_inner().into_inner();
    for p in pokes.chunks_exact(3) {
        let at = usize::from(u16::from_le_bytes([p[0], p[1]])) * 8 % file.len();
        file[at] ^= p[2];
    }
    Some(file)
}

fn memfind(h: &[u8], n: &[u8]) -> Option<usize> {
    h.windows(n.len()).position(|w| w == n)
}
