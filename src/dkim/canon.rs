//! Canonicalization (RFC 6376 section 3.4) of header fields and bodies.
//!
//! Body canonicalization streams into a [`Sink`] so that the body hash can be
//! computed without building the canonical body in memory, while counting the
//! full canonical length (needed to say how much content lies past `l=`).

use crate::dkim::signature::Canon;
use crate::message::HeaderField;

pub use crate::crypto::Sink;

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
///
/// This is the hot path of a batch run (every byte of every body passes
/// through it), so it avoids per-byte and per-line work: simple bodies are
/// handed over in one piece, relaxed lines are copied in runs between
/// white space and collected in a buffer so the hash sees few, large writes.
/// `tests::matches_the_line_by_line_definition` checks it against the plain
/// RFC 6376 3.4.3/3.4.4 definition.
pub fn body(canon: Canon, body: &[u8], sink: &mut impl Sink) {
    match canon {
        Canon::Simple => simple_body(body, sink),
        Canon::Relaxed => relaxed_body(body, sink),
    }
}

/// Simple: the body as is, with trailing empty lines removed and one CRLF
/// at the end (an empty body becomes CRLF).
fn simple_body(body: &[u8], sink: &mut impl Sink) {
    let mut end = body.len();
    while end >= 2 && &body[end - 2..end] == b"\r\n" {
        end -= 2;
    }
    if end > 0 {
        sink.write(&body[..end]);
    }
    sink.write(b"\r\n");
}

/// Size at which staged relaxed output is passed to the sink.
const CHUNK: usize = 64 << 10;
/// Unchanged runs at least this long go to the sink straight from the
/// input (no copy); shorter ones are staged so the hash is not fed crumbs.
const DIRECT: usize = 512;

/// Relaxed: per line, WSP runs become one SP and WSP at the line end goes;
/// trailing empty lines are removed; a non-empty body ends in CRLF.
///
/// Most of a body comes out unchanged (base64 parts, text with single
/// spaces), so the input is passed through in runs and only the places
/// that change (a tab, a WSP run, WSP before CRLF) break a run.
fn relaxed_body(body: &[u8], sink: &mut impl Sink) {
    // Trailing lines that are empty once their WSP is gone are dropped,
    // with the WSP at the end of the last line kept.
    let mut end = body.len();
    loop {
        if end >= 2 && &body[end - 2..end] == b"\r\n" {
            end -= 2;
        } else if end >= 1 && matches!(body[end - 1], b' ' | b'\t') {
            end -= 1;
        } else {
            break;
        }
    }
    let b = &body[..end];
    let mut out = Staged {
        buf: Vec::new(),
        cap: (b.len() + 2).min(CHUNK + DIRECT),
        sink,
    };
    let mut run = 0; // start of the unchanged run not yet emitted
    let mut i = 0;
    // A single SP before a byte other than WSP or CR (most of the spaces in
    // text) stays as it is, so only the places where a change may be due
    // are visited: a tab, two SPs, SP before CR. Each is found by its own
    // scan, which moves forward only (linear in all).
    let mut places = Places::new(b);
    while let Some(at) = places.next_from(i) {
        // back to the start of the WSP run (at most one SP: a longer run
        // would have been found earlier)
        let j = if at > i && b[at - 1] == b' ' {
            at - 1
        } else {
            at
        };
        let mut k = at + 1;
        while k < b.len() && matches!(b[k], b' ' | b'\t') {
            k += 1;
        }
        // k < b.len(): WSP at the very end was trimmed above.
        if b[k..].starts_with(b"\r\n") {
            out.emit(&b[run..j]);
            run = k;
        } else if !(k == j + 1 && b[j] == b' ') {
            out.emit(&b[run..j]);
            out.emit(b" ");
            run = k;
        }
        i = k;
    }
    out.emit(&b[run..]);
    if !b.is_empty() {
        out.emit(b"\r\n");
    }
    out.flush();
}

/// The places in a body where relaxed canonicalization may change
/// something: a tab, two SPs, SP before CR. Three forward scans (memchr and
/// memmem), each kept at its next match.
struct Places<'b> {
    body: &'b [u8],
    /// The two-byte scans (two SPs, SP before CR), built once per body.
    pairs: [memchr::memmem::Finder<'static>; 2],
    /// Next match of each scan (tab, then the pairs) at or after where it
    /// last looked (`body.len()` for none).
    next: [usize; 3],
}

impl<'b> Places<'b> {
    fn new(body: &'b [u8]) -> Self {
        let pairs = [b"  ", b" \r"].map(|p| memchr::memmem::Finder::new(p).into_owned());
        let mut p = Places {
            body,
            pairs,
            next: [0; 3],
        };
        for scan in 0..3 {
            p.next[scan] = p.find(scan, 0);
        }
        p
    }

    fn find(&self, scan: usize, from: usize) -> usize {
        let hay = &self.body[from..];
        let found = match scan {
            0 => memchr::memchr(b'\t', hay),
            _ => self.pairs[scan - 1].find(hay),
        };
        found.map_or(self.body.len(), |off| from + off)
    }

    /// The first place at or after `from`.
    fn next_from(&mut self, from: usize) -> Option<usize> {
        for scan in 0..3 {
            if self.next[scan] < from {
                self.next[scan] = self.find(scan, from);
            }
        }
        let at = self.next.into_iter().min()?;
        (at < self.body.len()).then_some(at)
    }
}

/// Output of [`relaxed_body`]: long runs go straight to the sink, short
/// ones are gathered first.
struct Staged<'s, S: Sink> {
    buf: Vec<u8>,
    /// What `buf` reserves on first use: a chunk, or less for a small body
    /// (a 64 KB allocation per small body showed in the profile).
    cap: usize,
    sink: &'s mut S,
}

impl<S: Sink> Staged<'_, S> {
    fn emit(&mut self, bytes: &[u8]) {
        if bytes.len() >= DIRECT {
            self.flush();
            self.sink.write(bytes);
        } else {
            if self.buf.capacity() == 0 {
                self.buf.reserve(self.cap);
            }
            self.buf.extend_from_slice(bytes);
            if self.buf.len() >= CHUNK {
                self.flush();
            }
        }
    }

    fn flush(&mut self) {
        if !self.buf.is_empty() {
            self.sink.write(&self.buf);
            self.buf.clear();
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

    /// RFC 6376 3.4.3/3.4.4 read literally, line by line: the reference the
    /// fast [`body`] must agree with.
    fn reference(c: Canon, body: &[u8]) -> Vec<u8> {
        let mut lines: Vec<Vec<u8>> = Vec::new();
        let mut rest = body;
        while !rest.is_empty() {
            let i = rest.windows(2).position(|w| w == b"\r\n");
            let (line, next) = match i {
                Some(i) => (&rest[..i], &rest[i + 2..]),
                None => (rest, &rest[rest.len()..]),
            };
            rest = next;
            let line = match c {
                Canon::Simple => line.to_vec(),
                Canon::Relaxed => {
                    let mut v = Vec::new();
                    let mut space = false;
                    for &b in line {
                        if b == b' ' || b == b'\t' {
                            space = true;
                        } else {
                            if space {
                                v.push(b' ');
                            }
                            space = false;
                            v.push(b);
                        }
                    }
                    v
                }
            };
            lines.push(line);
        }
        while lines.last().is_some_and(|l| l.is_empty()) {
            lines.pop();
        }
        let mut out = Vec::new();
        for l in &lines {
            out.extend_from_slice(l);
            out.extend_from_slice(b"\r\n");
        }
        if out.is_empty() && c == Canon::Simple {
            out.extend_from_slice(b"\r\n");
        }
        out
    }

    #[test]
    fn matches_the_line_by_line_definition() {
        // deterministic pseudo-random bodies over the bytes that matter
        let alphabet = b"ab \t\r\n\r\n";
        let mut rng = crate::util::TestRng(0x9e37_79b9_7f4a_7c15);
        for n in 0..3000 {
            let len = n % 97;
            let body: Vec<u8> = (0..len).map(|_| rng.pick(alphabet)).collect();
            for c in [Canon::Simple, Canon::Relaxed] {
                assert_eq!(canon_body(c, &body), reference(c, &body), "{c:?} {body:?}");
            }
        }
        // a body larger than one output chunk
        let big: Vec<u8> = b"x  y \t\r\n\r\n".repeat(20_000);
        assert_eq!(
            canon_body(Canon::Relaxed, &big),
            reference(Canon::Relaxed, &big)
        );
        // long unchanged runs (passed through without staging) between
        // changes, as base64 parts and plain text give
        for n in 0..200 {
            let mut body = Vec::new();
            for _ in 0..(n % 7 + 1) {
                let run = (rng.next() % 3000) as usize;
                body.extend(std::iter::repeat_n(b'Q', run));
                let breaks: [&[u8]; 6] = [
                    b" \r\n",
                    b"\r\n",
                    b"a b\r\n",
                    b"\t",
                    b"  ",
                    b"\r\n\r\n \r\n",
                ];
                body.extend_from_slice(rng.pick(&breaks));
            }
            assert_eq!(
                canon_body(Canon::Relaxed, &body),
                reference(Canon::Relaxed, &body),
                "{n}"
            );
        }
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
