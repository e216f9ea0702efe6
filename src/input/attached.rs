//! Messages carried inside messages: a forward "as attachment", a bounce,
//! a digest. A `message/rfc822` (or `message/global`) part holds the
//! original byte for byte, signatures included, so it can be verified as a
//! message of its own; a bounce's `text/rfc822-headers` part holds only the
//! original's header block (RFC 6522), whose header signature can still be
//! checked.
//!
//! Only the parts of the message itself are returned, in order, not those
//! of the messages inside them: the caller recurses (naming the inner ones
//! `source#attached/N`, then `source#attached/N/M`, ...).

use mail_parser::{MessageParser, MimeHeaders, PartType};

/// One message found inside another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attached {
    /// The carried message, as the part holds it (transfer encoding undone
    /// when the part was base64 or quoted-printable encoded).
    pub bytes: Vec<u8>,
    /// Set for a header block without its body (`text/rfc822-headers`).
    pub headers_only: bool,
}

/// Why a header-only part cannot show the body, for reports.
pub const HEADERS_ONLY_WHY: &str = "this part (text/rfc822-headers, as in a delivery report) carries only the original's header block, not its body";

/// The messages directly inside `bytes`, in the order of their parts.
/// Bytes that are not MIME give none. A UTF-8 byte order mark and blank
/// lines or white space before the first header field (a copy saved by an
/// editor, the pasted-copy repairs of [`crate::dkim::pasted`]) are looked
/// past: glued to the first field or read as the end of the header block,
/// they would hide the carrier's Content-Type. The parts are given as they
/// are; nothing of them is changed.
pub fn extract(bytes: &[u8]) -> Vec<Attached> {
    let bytes = &bytes[pasted_lead(bytes)..];
    if !may_carry(bytes) {
        return Vec::new();
    }
    let Some(msg) = MessageParser::default().parse(bytes) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for part in msg.parts.iter().skip(1) {
        let slice = || {
            bytes
                .get(part.offset_body as usize..part.offset_end as usize)
                .unwrap_or_default()
        };
        match &part.body {
            PartType::Message(inner) => {
                // Parsed in place, the inner message borrows the whole
                // input and the part's offsets delimit it; decoded, it owns
                // its bytes.
                let b = if inner.raw_message.as_ptr() == bytes.as_ptr()
                    && inner.raw_message.len() == bytes.len()
                {
                    slice().to_vec()
                } else {
                    inner.raw_message.to_vec()
                };
                out.push(Attached {
                    bytes: b,
                    headers_only: false,
                });
            }
            PartType::Text(_)
                if part.content_type().is_some_and(|ct| {
                    ct.ctype().eq_ignore_ascii_case("text")
                        && ct
                            .subtype()
                            .is_some_and(|s| s.eq_ignore_ascii_case("rfc822-headers"))
                }) =>
            {
                out.push(Attached {
                    bytes: slice().to_vec(),
                    headers_only: true,
                });
            }
            _ => {}
        }
    }
    out
}

/// How many bytes before the first header field are no part of the message:
/// a UTF-8 byte order mark, then spaces, tabs and line ends.
fn pasted_lead(bytes: &[u8]) -> usize {
    let bom = if bytes.starts_with(crate::message::UTF8_BOM) {
        crate::message::UTF8_BOM.len()
    } else {
        0
    };
    bom + bytes[bom..]
        .iter()
        .take_while(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        .count()
}

/// Cheap test before a MIME parse (which decodes every part): whether a
/// Content-Type field could name a carried message, i.e. whether "822"
/// (message/rfc822, text/rfc822-headers), "global" (message/global) or
/// "digest" (multipart/digest), in any mix of upper and lower case
/// (mail-parser lower-cases the type and subtype before it compares them),
/// occurs on a line that can belong to a Content-Type field (see
/// [`content_type_lines`]). Occurrences elsewhere (an indented line of
/// text, a base64 attachment, where "822" turns up by chance) need no
/// parse. A message whose own Content-Type names neither "multipart" nor
/// "message" is read as one part, so it carries nothing and its body is not
/// searched. Nor is what lies outside a header block: the message's own,
/// and those after a `--` (mail-parser starts a part after `--boundary`,
/// at a line start or not), up to their empty line. Linear in the input:
/// `--` is looked for once, and only the lines of those blocks are
/// searched.
fn may_carry(bytes: &[u8]) -> bool {
    const LABELS: [&[u8]; 3] = [b"822", b"global", b"digest"];
    const COMPOSITE: [&[u8]; 2] = [b"multipart", b"message"];
    let head = header_block(bytes);
    if !content_type_lines(head).any(|line| names_any(line, &COMPOSITE)) {
        return false;
    }
    let finder = memchr::memmem::Finder::new(b"--");
    let mut at = head.len();
    let mut block = head;
    loop {
        if content_type_lines(block).any(|line| names_any(line, &LABELS)) {
            return true;
        }
        let Some(dashes) = finder.find(&bytes[at..]).map(|off| at + off) else {
            return false;
        };
        // the block runs from the line the dashes are on to its empty line
        let start = memchr::memrchr(b'\n', &bytes[at..dashes]).map_or(at, |nl| at + nl + 1);
        block = header_block(&bytes[start..]);
        at = (start + block.len()).max(dashes + 2);
    }
}

/// The lines of `bytes` (split at LF) that can belong to a Content-Type
/// field: one starting with the field name (any case), and the folded
/// continuation lines (starting with white space) after it.
fn content_type_lines(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut start = 0;
    // whether the line before was a Content-Type line or its continuation
    let mut in_field = false;
    let ends = memchr::memchr_iter(b'\n', bytes).chain(std::iter::once(bytes.len()));
    ends.filter_map(move |end| {
        let line = &bytes[start..end];
        start = end + 1;
        in_field = (in_field && matches!(line.first(), Some(b' ' | b'\t')))
            || line
                .get(..12)
                .is_some_and(|n| n.eq_ignore_ascii_case(b"content-type"));
        in_field.then_some(line)
    })
}

/// `bytes` up to the first empty line (LF or CRLF): the message's own
/// header block, or all of it when there is no empty line.
fn header_block(bytes: &[u8]) -> &[u8] {
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', bytes) {
        if matches!(&bytes[start..end], b"" | b"\r") {
            return &bytes[..start];
        }
        start = end + 1;
    }
    bytes
}

/// Whether `line` holds one of `labels`, in any mix of case.
fn names_any(line: &[u8], labels: &[&[u8]]) -> bool {
    labels.iter().any(|label| {
        line.windows(label.len())
            .any(|w| w.eq_ignore_ascii_case(label))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether a full parse finds a carried message among the parts after
    /// the first (the ones [`extract`] looks at).
    fn parse_carries(m: &str) -> bool {
        let parsed = MessageParser::default().parse(m.as_bytes()).unwrap();
        parsed
            .parts
            .iter()
            .skip(1)
            .any(|p| matches!(p.body, PartType::Message(_)))
    }

    #[test]
    fn finds_an_attached_message_byte_for_byte() {
        let inner = "From: a@example.com\r\nSubject: hi\r\n\r\nbody line\r\n";
        let outer = format!(
            "From: b@example.org\r\nContent-Type: multipart/mixed; boundary=\"XX\"\r\n\r\n--XX\r\nContent-Type: text/plain\r\n\r\nsee below\r\n--XX\r\nContent-Type: message/rfc822\r\n\r\n{inner}\r\n--XX--\r\n"
        );
        let got = extract(outer.as_bytes());
        assert_eq!(got.len(), 1);
        assert!(!got[0].headers_only);
        assert_eq!(String::from_utf8_lossy(&got[0].bytes), inner);
    }

    /// The cheap test lets through what a parse would find (a folded
    /// Content-Type included) and skips "822" inside an attachment.
    #[test]
    fn carried_messages_are_found_behind_folded_labels_and_not_in_base64() {
        let inner = "From: a@example.com\r\nSubject: hi\r\n\r\nbody line\r\n";
        let outer = format!(
            "From: b@example.org\r\nContent-Type: multipart/mixed; boundary=\"XX\"\r\n\r\n--XX\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nQUJD822lobalIGESTREVG\r\n--XX\r\nContent-Type:\r\n message/rfc822\r\n\r\n{inner}\r\n--XX--\r\n"
        );
        assert!(may_carry(outer.as_bytes()));
        let got = extract(outer.as_bytes());
        assert_eq!(got.len(), 1);
        assert_eq!(String::from_utf8_lossy(&got[0].bytes), inner);
        // mail-parser lower-cases the labels: so does the cheap test
        for label in ["message/gLoBaL", "Multipart/DiGeSt", "MESSAGE/RFC822"] {
            let mixed = outer.replace("message/rfc822", label);
            assert!(may_carry(mixed.as_bytes()), "{label}");
        }
        let mixed = outer.replace("message/rfc822", "message/gLoBaL");
        assert_eq!(extract(mixed.as_bytes()).len(), 1);
        let only_base64 = outer.replace(
            "Content-Type:\r\n message/rfc822",
            "Content-Type: text/plain",
        );
        assert!(!may_carry(only_base64.as_bytes()));
        assert!(extract(only_base64.as_bytes()).is_empty());
        // what the parse finds in every case the test skips
        for m in [outer.as_str(), &only_base64] {
            let carries = parse_carries(m);
            assert_eq!(carries, may_carry(m.as_bytes()));
        }
    }

    /// An indented line of text is not part of a Content-Type field, and a
    /// label on the second folded line of one still counts.
    #[test]
    fn only_continuations_of_a_content_type_line_are_searched() {
        let indented = "From: b@example.org\r\nContent-Type: text/plain\r\nSubject: x\r\n digest of the week\r\n\r\nforwarded:\r\n    message/rfc822 (global)\r\n";
        assert!(!may_carry(indented.as_bytes()));
        let inner = "From: a@example.com\r\nSubject: hi\r\n\r\nbody line\r\n";
        let twice_folded = format!(
            "From: b@example.org\r\nContent-Type: multipart/mixed;\r\n boundary=\"XX\"\r\n\r\n--XX\r\nContent-Type:\r\n\r\n\tmessage/rfc822\r\n\r\n{inner}\r\n--XX--\r\n"
        );
        let folded = twice_folded.replace(":\r\n\r\n\tmessage", ":\r\n \r\n\tmessage");
        assert!(may_carry(folded.as_bytes()));
        assert_eq!(extract(folded.as_bytes()).len(), 1);
        for m in [indented, &folded] {
            let carries = parse_carries(m);
            assert_eq!(carries, may_carry(m.as_bytes()), "{m}");
        }
    }

    /// A one-part message is not searched, even when its text shows the
    /// source of a MIME message; a multipart or message one is, whatever
    /// the case of its type.
    #[test]
    fn only_composite_messages_are_searched() {
        let inner = "From: a@example.com\r\nSubject: hi\r\n\r\nbody line\r\n";
        let shown = format!(
            "From: b@example.org\r\nContent-Type: text/plain\r\n\r\n--XX\r\nContent-Type: message/rfc822\r\n\r\n{inner}--XX--\r\n"
        );
        let mixed = shown.replace("text/plain", "MultiPart/Mixed; boundary=XX");
        let folded = shown.replace("text/plain", "\r\n\tmultipart/mixed;\r\n boundary=XX");
        let message = format!("From: b@example.org\r\nContent-Type: Message/RFC822\r\n\r\n{inner}");
        let cases = [
            (&shown, false),
            (&mixed, true),
            (&folded, true),
            (&message, true),
        ];
        for (m, searched) in cases {
            assert_eq!(may_carry(m.as_bytes()), searched, "{m}");
            // never a carried message the parse would find and the test not
            let carries = parse_carries(m);
            assert!(!carries || may_carry(m.as_bytes()), "{m}");
            assert_eq!(carries, !extract(m.as_bytes()).is_empty(), "{m}");
        }
        assert_eq!(extract(mixed.as_bytes()).len(), 1);
        assert_eq!(extract(folded.as_bytes()).len(), 1);
    }

    /// Only header blocks are searched: a Content-Type line in a preamble
    /// or in a part's text is not, one after a boundary in mid-line is.
    #[test]
    fn only_header_blocks_are_searched() {
        let inner = "From: a@example.com\r\nSubject: hi\r\n\r\nbody line\r\n";
        let preamble = format!(
            "From: b@example.org\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\nContent-Type: message/rfc822\r\n\r\n--XX\r\nContent-Type: text/plain\r\n\r\nsee:\r\n\r\nContent-Type: message/rfc822\r\n\r\n{inner}--XX--\r\n"
        );
        let mid_line = format!(
            "From: b@example.org\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\nContent-Type: text/plain\r\n\r\nsee below--XX\r\nContent-Type: message/rfc822\r\n\r\n{inner}--XX--\r\n"
        );
        for (m, searched) in [(&preamble, false), (&mid_line, true)] {
            assert_eq!(may_carry(m.as_bytes()), searched, "{m}");
            let carries = parse_carries(m);
            assert_eq!(carries, searched, "{m}");
        }
    }

    #[test]
    fn plain_messages_carry_nothing() {
        assert!(extract(b"From: a@b.c\r\n\r\nmessage/rfc822 in words\r\n").is_empty());
    }
}
