//! Splits a raw message into header fields and body without changing a byte.
//!
//! DKIM works on the exact bytes that were signed, so this splitter keeps
//! every header field as the slice it came from (name, colon, value, folding
//! and line terminator). Both CRLF and bare LF line ends are recognised, so a
//! message saved with LF endings can still be read; whether it verifies that
//! way is the verifier's business.

/// One header field exactly as it stands in the message.
#[derive(Debug, Clone, Copy)]
pub struct HeaderField<'a> {
    /// The field name, without the colon and without trailing white space.
    pub name: &'a [u8],
    /// Everything after the colon, including folding and the final line end.
    pub value: &'a [u8],
    /// The whole field: name, colon, value.
    pub raw: &'a [u8],
    /// Byte offset of the field in the message.
    pub offset: usize,
}

impl<'a> HeaderField<'a> {
    /// Whether the field name equals `name`, ignoring ASCII case.
    pub fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name.as_bytes())
    }

    /// The value unfolded, with line ends removed and outer white space trimmed,
    /// decoded lossily as UTF-8. Borrowed from the message when nothing had
    /// to change but the trim (one line, valid UTF-8): most fields.
    pub fn text(&self) -> std::borrow::Cow<'a, str> {
        use std::borrow::Cow;
        if memchr::memchr2(b'\r', b'\n', self.value).is_none()
            && let Ok(s) = std::str::from_utf8(self.value)
        {
            return Cow::Borrowed(s.trim());
        }
        let mut unfolded: Vec<u8>;
        let v = if memchr::memchr2(b'\r', b'\n', self.value).is_some() {
            // copied in runs between line-end bytes
            unfolded = Vec::with_capacity(self.value.len());
            let mut rest = self.value;
            while let Some(i) = memchr::memchr2(b'\r', b'\n', rest) {
                unfolded.extend_from_slice(&rest[..i]);
                rest = &rest[i + 1..];
            }
            unfolded.extend_from_slice(rest);
            &unfolded[..]
        } else {
            self.value
        };
        Cow::Owned(match std::str::from_utf8(v) {
            Ok(s) => s.trim().to_string(),
            Err(_) => String::from_utf8_lossy(v).trim().to_string(),
        })
    }
}

/// A message split into header fields and body.
#[derive(Debug, Clone)]
pub struct RawMessage<'a> {
    /// The bytes the split was made from.
    pub bytes: &'a [u8],
    /// Header fields in message order (top first).
    pub headers: Vec<HeaderField<'a>>,
    /// Offset of the first body byte (after the empty line).
    pub body_offset: usize,
    /// Lines in the header block that are not header fields (no colon, or
    /// a continuation line with no field above it), by offset. They are
    /// kept out of [`Self::headers`], so no `h=` can select them.
    pub stray_lines: Vec<usize>,
    /// Header fields kept although they break RFC 5322 syntax, by index
    /// into [`Self::headers`]: a NUL byte in the field (RFC 5322 4.1
    /// obsolete syntax allows it) or a field name with bytes other than
    /// printable ASCII (a non-ASCII letter). Such a field stays an opaque
    /// field: `h=` selects it by its name bytes (ASCII case ignored) and
    /// canonicalization hashes it as written (RFC 6376 3.4).
    pub malformed_fields: Vec<usize>,
    /// Offset just past a leading mbox `From ` postmark line, when present
    /// (after the [`Self::leading_len`] bytes before it).
    pub postmark_len: usize,
    /// Bytes before that postmark line that belong to no message: a UTF-8
    /// byte order mark and blank lines ([`leading_len`]); 0 without a
    /// postmark.
    pub leading_len: usize,
    /// The `boundary` parameters of the MIME parts, once asked for
    /// ([`RawMessage::mime_boundaries`]).
    boundaries: std::sync::OnceLock<Vec<Vec<u8>>>,
    /// The top-most Date field as a Unix time, once asked for
    /// ([`RawMessage::date`]).
    date: std::sync::OnceLock<Option<i64>>,
}

/// Why bytes could not be read as a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// Zero bytes.
    #[error("the input is empty")]
    Empty,
    /// No header field could be found at the top.
    #[error("the input does not start with a header field (\"Name: value\"): not an email message")]
    NoHeaders,
    /// Bytes that are clearly binary: NUL bytes in the first line, or in
    /// a header block with no well-formed field at its top.
    #[error(
        "the header block contains NUL bytes and no header field at its top: not an email message"
    )]
    Binary,
}

impl<'a> RawMessage<'a> {
    /// Splits `bytes` into header fields and body.
    ///
    /// Leniently: a field with a NUL byte or a non-ASCII name is kept and
    /// listed in [`Self::malformed_fields`]; a line that is no field at all
    /// is listed in [`Self::stray_lines`]. Errors only for bytes that are not
    /// a message: [`ParseError::Empty`], [`ParseError::NoHeaders`] (no field
    /// at the top, or no well-formed field at all), [`ParseError::Binary`]
    /// (the same with NUL bytes, or NUL in the first line).
    pub fn parse(bytes: &'a [u8]) -> Result<Self, ParseError> {
        if bytes.is_empty() {
            return Err(ParseError::Empty);
        }
        let mut pos = 0;
        let mut postmark_len = 0;
        let mut leading = 0;
        if let Some(lead) = postmark_at(bytes) {
            leading = lead;
            pos = line_end(bytes, lead);
            postmark_len = pos;
        }
        let mut headers: Vec<HeaderField<'a>> = Vec::new();
        let mut stray_lines = Vec::new();
        let mut malformed_fields = Vec::new();
        let mut saw_nul = false;
        let mut body_offset = bytes.len();
        while pos < bytes.len() {
            let start = pos;
            let end = line_end(bytes, pos);
            let line = &bytes[start..end];
            if line == b"\r\n" || line == b"\n" {
                body_offset = end;
                break;
            }
            let nul = memchr::memchr(0, line).is_some();
            saw_nul |= nul;
            if nul && start == postmark_len {
                return Err(ParseError::Binary);
            }
            if matches!(line[0], b' ' | b'\t') {
                match headers.last_mut() {
                    Some(last) if last.offset + last.raw.len() == start => {
                        let value_start = last.offset + last.raw.len() - last.value.len();
                        last.raw = &bytes[last.offset..end];
                        last.value = &bytes[value_start..end];
                        if nul && malformed_fields.last() != Some(&(headers.len() - 1)) {
                            malformed_fields.push(headers.len() - 1);
                        }
                    }
                    _ => stray_lines.push(start),
                }
                pos = end;
                continue;
            }
            match line.iter().position(|&b| b == b':') {
                Some(colon) if !trim_end_ws(&line[..colon]).is_empty() => {
                    let name = trim_end_ws(&line[..colon]);
                    if nul || !is_field_name(name) {
                        malformed_fields.push(headers.len());
                    }
                    headers.push(HeaderField {
                        name,
                        value: &bytes[start + colon + 1..end],
                        raw: &bytes[start..end],
                        offset: start,
                    });
                }
                _ => stray_lines.push(start),
            }
            pos = end;
        }
        // A message whose first line is not a header field, or that has no
        // well-formed field at all, is not a message.
        if headers.len() == malformed_fields.len() || stray_lines.first() == Some(&postmark_len) {
            return Err(if saw_nul {
                ParseError::Binary
            } else {
                ParseError::NoHeaders
            });
        }
        Ok(RawMessage {
            bytes,
            headers,
            body_offset,
            stray_lines,
            malformed_fields,
            postmark_len,
            leading_len: leading,
            boundaries: std::sync::OnceLock::new(),
            date: std::sync::OnceLock::new(),
        })
    }

    /// The top-most Date field (RFC 5322 3.6.1) as seconds since the Unix
    /// epoch, UTC, as mail-parser reads its date-time (RFC 5322 3.3, with
    /// the obsolete forms); `None` when there is no Date field or it does
    /// not read as a date. Parsed on the first call only.
    pub fn date(&self) -> Option<i64> {
        *self.date.get_or_init(|| {
            let v = self.fields("Date").next()?.text();
            mail_parser::DateTime::parse_rfc822(&v).map(|d| d.to_timestamp())
        })
    }

    /// The `boundary` parameter of every MIME part's Content-Type (RFC
    /// 2046 5.1.1), top first, as mail-parser reads the structure: the
    /// message is parsed (every part decoded) on the first call only.
    pub fn mime_boundaries(&self) -> &[Vec<u8>] {
        self.boundaries.get_or_init(|| {
            use mail_parser::MimeHeaders;
            let Some(parsed) = mail_parser::MessageParser::new().parse(self.bytes) else {
                return Vec::new();
            };
            parsed
                .parts
                .iter()
                .filter_map(|p| p.content_type()?.attribute("boundary"))
                .map(|b| b.as_bytes().to_vec())
                .collect()
        })
    }

    /// The body bytes (possibly empty).
    pub fn body(&self) -> &'a [u8] {
        &self.bytes[self.body_offset..]
    }

    /// Header fields with the given name, top first.
    pub fn fields<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s HeaderField<'a>> + 's {
        self.headers.iter().filter(move |h| h.is(name))
    }

    /// How many header fields carry the given name.
    pub fn count(&self, name: &str) -> usize {
        self.fields(name).count()
    }
}

/// The UTF-8 byte order mark (U+FEFF as EF BB BF), which Windows editors
/// such as Notepad write at the start of a file saved as UTF-8.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// How many bytes editors and pastes may have put before the first line
/// of a file: any mix of [`UTF8_BOM`]s and whole lines of nothing but
/// spaces, tabs and CR (blank lines), in any order (a BOM after a blank
/// line, two BOMs from two saves). Counts whole lines only: white space
/// before other text on the same line is not counted, except right after
/// a BOM.
pub fn leading_len(bytes: &[u8]) -> usize {
    let mut n = 0;
    loop {
        if bytes[n..].starts_with(UTF8_BOM) {
            n += UTF8_BOM.len();
        } else if let Some(i) = bytes[n..]
            .iter()
            .position(|b| !matches!(b, b' ' | b'\t' | b'\r'))
            .filter(|&i| bytes[n + i] == b'\n')
        {
            n += i + 1;
        } else if let Some(i) = bytes[n..]
            .iter()
            .position(|b| !matches!(b, b' ' | b'\t'))
            .filter(|&i| i > 0 && bytes[n + i..].starts_with(UTF8_BOM))
        {
            // white space, then a BOM, on one line
            n += i;
        } else {
            return n;
        }
    }
}

/// Where a leading mbox `From ` postmark line starts: after the
/// [`leading_len`] bytes before it (0 when none), or `None` when the bytes
/// do not start with one.
pub fn postmark_at(bytes: &[u8]) -> Option<usize> {
    let lead = leading_len(bytes);
    bytes[lead..].starts_with(b"From ").then_some(lead)
}

/// Offset just past the line end (LF) that follows `pos`, or the input length.
fn line_end(bytes: &[u8], pos: usize) -> usize {
    match memchr::memchr(b'\n', &bytes[pos..]) {
        Some(i) => pos + i + 1,
        None => bytes.len(),
    }
}

fn trim_end_ws(b: &[u8]) -> &[u8] {
    let mut end = b.len();
    while end > 0 && matches!(b[end - 1], b' ' | b'\t') {
        end -= 1;
    }
    &b[..end]
}

/// RFC 5322 field name: printable ASCII except colon, at least one byte.
pub(crate) fn is_field_name(name: &[u8]) -> bool {
    !name.is_empty() && name.iter().all(|&b| (33..=126).contains(&b) && b != b':')
}

/// Whether the bytes hold a bare LF (an LF not preceded by CR).
pub fn has_bare_lf(bytes: &[u8]) -> bool {
    memchr::memchr_iter(b'\n', bytes).any(|i| i == 0 || bytes[i - 1] != b'\r')
}

/// Converts every bare LF to CRLF, leaving existing CRLF alone.
pub fn lf_to_crlf(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 32);
    let mut last = 0;
    for i in memchr::memchr_iter(b'\n', bytes) {
        if i == 0 || bytes[i - 1] != b'\r' {
            out.extend_from_slice(&bytes[last..i]);
            out.extend_from_slice(b"\r\n");
            last = i + 1;
        }
    }
    out.extend_from_slice(&bytes[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_folded_headers_and_body() {
        let m = b"From: a@b.c\r\nSubject: one\r\n two\r\n\r\nbody\r\n";
        let msg = RawMessage::parse(m).unwrap();
        assert_eq!(msg.headers.len(), 2);
        assert_eq!(msg.headers[1].name, b"Subject");
        assert_eq!(msg.headers[1].value, b" one\r\n two\r\n");
        assert_eq!(msg.headers[1].raw, b"Subject: one\r\n two\r\n");
        assert_eq!(msg.body(), b"body\r\n");
        assert_eq!(msg.headers[1].text(), "one two");
        let m = b"Subject:  a\r\n\tb\n c\rd \xff \r\n\r\n";
        let msg = RawMessage::parse(m).unwrap();
        assert_eq!(msg.headers[0].text(), "a\tb cd \u{fffd}");
    }

    #[test]
    fn rejects_non_messages() {
        assert_eq!(RawMessage::parse(b"").unwrap_err(), ParseError::Empty);
        assert_eq!(
            RawMessage::parse(b"hello world\nthis is text\n").unwrap_err(),
            ParseError::NoHeaders
        );
        assert_eq!(
            RawMessage::parse(b"A: \0\0\0\n").unwrap_err(),
            ParseError::Binary
        );
    }

    #[test]
    fn malformed_lines_are_kept_not_fatal() {
        let m = b"From: a@b.c\r\nX-Bin: a\0b\r\nS\xc3\xbcbject: x\r\nno colon here\r\nTo: d@e.f\r\n\r\nbody";
        let msg = RawMessage::parse(m).unwrap();
        let names: Vec<&[u8]> = msg.headers.iter().map(|h| h.name).collect();
        assert_eq!(
            names,
            [&b"From"[..], b"X-Bin", "S\u{fc}bject".as_bytes(), b"To"]
        );
        assert_eq!(msg.malformed_fields, [1, 2]);
        assert_eq!(msg.stray_lines, [38]);
        assert_eq!(&m[38..51], b"no colon here");
        assert_eq!(msg.body(), b"body");
        // a NUL on a continuation line marks its field once
        let m = b"A: b\r\nX: 1\r\n \0\r\n \0\r\n\r\n";
        assert_eq!(RawMessage::parse(m).unwrap().malformed_fields, [1]);
        // only malformed fields: not a message
        assert_eq!(
            RawMessage::parse(b"Dear Bob, here is: x\n").unwrap_err(),
            ParseError::NoHeaders
        );
    }

    #[test]
    fn crlf_repair_keeps_existing_crlf() {
        assert_eq!(lf_to_crlf(b"a\nb\r\nc\n"), b"a\r\nb\r\nc\r\n");
        assert!(has_bare_lf(b"a\r\nb\n"));
        assert!(!has_bare_lf(b"a\r\nb\r\n"));
    }
}
