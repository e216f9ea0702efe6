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
/// Bytes that are not MIME give none.
pub fn extract(bytes: &[u8]) -> Vec<Attached> {
    // Cheap test first, in any letter case: no "822" (message/rfc822,
    // text/rfc822-headers), "global" (message/global) or "digest"
    // (multipart/digest) anywhere, nothing to parse.
    let has = |needle: &[u8]| memchr::memmem::find(bytes, needle).is_some();
    if !has(b"822") && !has(b"lobal") && !has(b"LOBAL") && !has(b"igest") && !has(b"IGEST") {
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

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn plain_messages_carry_nothing() {
        assert!(extract(b"From: a@b.c\r\n\r\nmessage/rfc822 in words\r\n").is_empty());
    }
}
