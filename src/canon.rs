//! Canonicalization (RFC 6376 section 3.4) of header fields and bodies.
//!
//! Body canonicalization streams into a [`Sink`] so that the body hash can be
//! computed without building the canonical body in memory, while counting the
//! full canonical length (needed to say how much content lies past `l=`).

use crate::message::HeaderField;
use crate::signature::Canon;

/// Receives canonicalized bytes.
pub trait Sink {
    /// Accepts the next run of canonical bytes.
    fn write(&mut self, bytes: &[u8]);
}

impl Sink for Vec<u8> {
    fn write(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// Appends the canonical form of one header field to `out`, ending in CRLF.
pub fn header(canon: Canon, field: &HeaderField<'_>, out: &mut Vec<u8>) {
    header_parts(canon, field.name, field.raw, field.value, out);
}

fn header_parts(canon: Canon, name: &[u8], raw: &[u8], value: &[u8], out: &mut Vec<u8>) {
    match canon {
        Canon::Simple => out.extend_from_slice(raw),
        Canon::Relaxed => {
            out.extend(name.iter().map(u8::to_ascii_lowercase));
            out.push(b':');
            relaxed_value(value, out);
            out.extend_from_slice(b"\r\n");
        }
    }
}

/// Relaxed header value: unfold, collapse white space runs, trim both ends.
fn relaxed_value(value: &[u8], out: &mut Vec<u8>) {
    let mut pending_space = false;
    let mut started = false;
    for (i, &b) in value.iter().enumerate() {
        match b {
            // Line ends (CRLF, or the bare LF the splitter also accepts) are
            // unfolded away; a lone CR is field content and stays, or an
            // inserted CR would go unnoticed (found by tests/tamper.rs).
            b'\n' => {}
            b'\r' if value.get(i + 1) == Some(&b'\n') => {}
            b' ' | b'\t' => pending_space = started,
            _ => {
                if pending_space {
                    out.push(b' ');
                    pending_space = false;
                }
                out.push(b);
                started = true;
            }
        }
    }
}

/// Canonical form of the signature's own header field, with the `b=` value
/// removed and no trailing line end, as the last input to the header hash.
pub fn signature_header(
    canon: Canon,
    field: &HeaderField<'_>,
    b_span: std::ops::Range<usize>,
    out: &mut Vec<u8>,
) {
    let value_start = field.raw.len() - field.value.len();
    let mut raw = Vec::with_capacity(field.raw.len());
    raw.extend_from_slice(&field.raw[..value_start + b_span.start]);
    raw.extend_from_slice(&field.raw[value_start + b_span.end..]);
    let value = raw[value_start..].to_vec();
    let mut canon_out = Vec::with_capacity(raw.len());
    header_parts(canon, field.name, &raw, &value, &mut canon_out);
    // drop the final line end: the signature field is hashed without it
    while canon_out.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        canon_out.pop();
    }
    out.extend_from_slice(&canon_out);
}

/// Streams the canonical body of `body` into `sink`.
pub fn body(canon: Canon, body: &[u8], sink: &mut impl Sink) {
    let mut pending_crlf = 0usize;
    let mut any = false;
    let mut line_buf = Vec::new();
    let mut rest = body;
    while !rest.is_empty() {
        let (line, next) = match memchr::memmem::find(rest, b"\r\n") {
            Some(i) => (&rest[..i], &rest[i + 2..]),
            None => (rest, &rest[rest.len()..]),
        };
        rest = next;
        let line: &[u8] = match canon {
            Canon::Simple => line,
            Canon::Relaxed => {
                line_buf.clear();
                relaxed_body_line(line, &mut line_buf);
                &line_buf
            }
        };
        if line.is_empty() {
            pending_crlf += 1;
            continue;
        }
        flush_crlf(sink, pending_crlf);
        sink.write(line);
        pending_crlf = 1;
        any = true;
    }
    // A non-empty body ends in one CRLF; an empty one is CRLF under simple
    // and nothing under relaxed.
    if any || canon == Canon::Simple {
        sink.write(b"\r\n");
    }
}

fn flush_crlf(sink: &mut impl Sink, n: usize) {
    for _ in 0..n {
        sink.write(b"\r\n");
    }
}

/// Relaxed body line: WSP runs become one SP, WSP at the line end is removed.
fn relaxed_body_line(line: &[u8], out: &mut Vec<u8>) {
    let mut pending_space = false;
    for &b in line {
        if b == b' ' || b == b'\t' {
            pending_space = true;
        } else {
            if pending_space {
                out.push(b' ');
                pending_space = false;
            }
            out.push(b);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::RawMessage;

    fn canon_body(c: Canon, b: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        body(c, b, &mut v);
        v
    }

    #[test]
    fn rfc6376_examples() {
        // RFC 6376 section 3.4.5
        let msg = b"A: X\r\nB : Y\t\r\n\tZ  \r\n\r\n C \r\nD \t E\r\n\r\n\r\n";
        let m = RawMessage::parse(msg).unwrap();
        let mut h = Vec::new();
        for f in &m.headers {
            header(Canon::Relaxed, f, &mut h);
        }
        assert_eq!(h, b"a:X\r\nb:Y Z\r\n");
        assert_eq!(canon_body(Canon::Relaxed, m.body()), b" C\r\nD E\r\n");
        let mut h = Vec::new();
        for f in &m.headers {
            header(Canon::Simple, f, &mut h);
        }
        assert_eq!(h, b"A: X\r\nB : Y\t\r\n\tZ  \r\n");
        assert_eq!(canon_body(Canon::Simple, m.body()), b" C \r\nD \t E\r\n");
    }

    #[test]
    fn empty_bodies() {
        assert_eq!(canon_body(Canon::Simple, b""), b"\r\n");
        assert_eq!(canon_body(Canon::Simple, b"\r\n\r\n"), b"\r\n");
        assert_eq!(canon_body(Canon::Relaxed, b""), b"");
        assert_eq!(canon_body(Canon::Relaxed, b" \r\n\t\r\n"), b"");
        assert_eq!(canon_body(Canon::Relaxed, b"x"), b"x\r\n");
    }

    #[test]
    fn signature_field_loses_b_value_and_line_end() {
        let msg = b"DKIM-Signature: a=1; b=XYZ;\r\n d=x\r\n\r\n";
        let m = RawMessage::parse(msg).unwrap();
        let tags = crate::tags::parse(m.headers[0].value).unwrap();
        let span = tags[1].span.clone();
        let mut out = Vec::new();
        signature_header(Canon::Simple, &m.headers[0], span.clone(), &mut out);
        assert_eq!(out, b"DKIM-Signature: a=1; b=;\r\n d=x");
        out.clear();
        signature_header(Canon::Relaxed, &m.headers[0], span, &mut out);
        assert_eq!(out, b"dkim-signature:a=1; b=; d=x");
    }
}
