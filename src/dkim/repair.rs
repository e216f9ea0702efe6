//! Documented repairs for the ways leaked copies get mangled on the way from
//! the mail server to a journalist: saved with LF line ends, mbox `>From `
//! quoting left in, SMTP dot-stuffing left in, trailing white space or line
//! folding changed by a mail client, the final newline lost.
//!
//! The verifier tries the original bytes first, then the fewest
//! transformations that make the message verify, and reports each one with
//! the SHA-256 of the bytes that verified, so anyone can reproduce it.
//! A repair is only ever tried when its trace is present in the bytes.

use crate::message;

/// One transformation of the message bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RepairKind {
    /// mboxrd: one `>` removed from body lines matching `>+From `.
    MboxrdUnquote,
    /// mboxo: `>` removed from body lines starting `>From ` (one level only).
    MboxoUnquote,
    /// SMTP dot-stuffing left in: body lines starting `..` lose one dot.
    DotUnstuff,
    /// Spaces and tabs at the end of body lines removed (added by a client).
    TrailingWhitespace,
    /// Folded header fields unfolded (a client re-wrapped long headers).
    UnfoldHeaders,
    /// The lost final line end restored.
    FinalNewline,
    /// Bare LF line ends converted to CRLF (as sent over SMTP).
    CrlfLineEndings,
}

impl RepairKind {
    /// Every repair, in the order they are applied.
    pub const ALL: [RepairKind; 7] = [
        RepairKind::MboxrdUnquote,
        RepairKind::MboxoUnquote,
        RepairKind::DotUnstuff,
        RepairKind::TrailingWhitespace,
        RepairKind::UnfoldHeaders,
        RepairKind::FinalNewline,
        RepairKind::CrlfLineEndings,
    ];

    /// Stable snake_case name, used in reports.
    pub fn code(self) -> &'static str {
        match self {
            RepairKind::MboxrdUnquote => "mboxrd_unquote",
            RepairKind::MboxoUnquote => "mboxo_unquote",
            RepairKind::DotUnstuff => "dot_unstuff",
            RepairKind::TrailingWhitespace => "trailing_whitespace_removed",
            RepairKind::UnfoldHeaders => "headers_unfolded",
            RepairKind::FinalNewline => "final_newline_restored",
            RepairKind::CrlfLineEndings => "crlf_line_endings",
        }
    }

    /// The finding code reported when this repair was needed.
    pub fn finding(self) -> &'static str {
        match self {
            RepairKind::CrlfLineEndings => "line_endings_repaired",
            RepairKind::MboxrdUnquote | RepairKind::MboxoUnquote => "mbox_quoting_repaired",
            RepairKind::DotUnstuff => "dot_stuffing_repaired",
            RepairKind::TrailingWhitespace => "trailing_whitespace_repaired",
            RepairKind::UnfoldHeaders => "header_folding_repaired",
            RepairKind::FinalNewline => "final_newline_restored",
        }
    }

    /// What was done, in words.
    pub fn description(self) -> &'static str {
        match self {
            RepairKind::MboxrdUnquote => {
                "mbox quoting removed: one '>' taken off body lines of the form '>From ', '>>From ', ... (mboxrd)"
            }
            RepairKind::MboxoUnquote => {
                "mbox quoting removed: '>' taken off body lines starting '>From ' (mboxo)"
            }
            RepairKind::DotUnstuff => {
                "SMTP dot-stuffing removed: body lines starting '..' lose one dot"
            }
            RepairKind::TrailingWhitespace => "spaces and tabs at the end of body lines removed",
            RepairKind::UnfoldHeaders => "folded header fields joined back onto one line",
            RepairKind::FinalNewline => {
                "the missing final line end restored (needed only where the last line is a header field signed with simple canonicalization)"
            }
            RepairKind::CrlfLineEndings => {
                "bare LF line endings converted to CRLF (as sent over SMTP)"
            }
        }
    }

    /// Whether the bytes carry the trace this repair undoes.
    pub fn applies(self, bytes: &[u8]) -> bool {
        let body = body_of(bytes);
        match self {
            RepairKind::MboxrdUnquote | RepairKind::MboxoUnquote | RepairKind::DotUnstuff => {
                self.marked_lines(body).next().is_some()
            }
            RepairKind::TrailingWhitespace => {
                lines(body).any(|l| matches!(strip_eol(l).last(), Some(b' ' | b'\t')))
            }
            RepairKind::UnfoldHeaders => {
                // a continuation line of a field other than a signature
                // (the same walk as `apply`, without building the copy)
                let head = &bytes[..bytes.len() - body.len()];
                let (mut keep, mut first) = (false, true);
                lines(head).any(|l| {
                    let continued = matches!(l.first(), Some(b' ' | b'\t'));
                    let joins = continued && !first && !keep;
                    if !continued {
                        keep = is_signature_field(l);
                    }
                    first = false;
                    joins
                })
            }
            RepairKind::FinalNewline => !bytes.is_empty() && !bytes.ends_with(b"\n"),
            RepairKind::CrlfLineEndings => message::has_bare_lf(bytes),
        }
    }

    /// For the repairs that drop the first byte of some body lines (an
    /// mbox `>` quote, a doubled SMTP dot): where those lines start in
    /// `body`, in order. Other repairs mark none.
    fn marked_lines<'b>(self, body: &'b [u8]) -> impl Iterator<Item = usize> + 'b {
        let first = match self {
            RepairKind::DotUnstuff => b'.',
            _ => b'>',
        };
        let marked = move |at: usize| {
            let line = &body[at..];
            match self {
                RepairKind::MboxrdUnquote => is_quoted_from(line, true),
                RepairKind::MboxoUnquote => line.starts_with(b">From "),
                RepairKind::DotUnstuff => line.starts_with(b".."),
                _ => false,
            }
        };
        line_starts_with(body, first).filter(move |&at| marked(at))
    }

    /// Applies the repair.
    pub fn apply(self, bytes: &[u8]) -> Vec<u8> {
        let body_start = bytes.len() - body_of(bytes).len();
        let (head, body) = bytes.split_at(body_start);
        let map_body = |f: &dyn Fn(&[u8], &mut Vec<u8>)| {
            let mut out = head.to_vec();
            for l in lines(body) {
                f(l, &mut out);
            }
            out
        };
        match self {
            RepairKind::MboxrdUnquote | RepairKind::MboxoUnquote | RepairKind::DotUnstuff => {
                // each marked line loses its first byte; the runs between
                // are copied whole
                let mut out = Vec::with_capacity(bytes.len());
                out.extend_from_slice(head);
                let mut copied = 0;
                for at in self.marked_lines(body) {
                    out.extend_from_slice(&body[copied..at]);
                    copied = at + 1;
                }
                out.extend_from_slice(&body[copied..]);
                out
            }
            RepairKind::TrailingWhitespace => map_body(&|l, out| {
                let content = strip_eol(l);
                let end = content
                    .iter()
                    .rposition(|b| !matches!(b, b' ' | b'\t'))
                    .map_or(0, |i| i + 1);
                out.extend_from_slice(&content[..end]);
                out.extend_from_slice(&l[content.len()..]);
            }),
            RepairKind::UnfoldHeaders => {
                let mut out = Vec::with_capacity(bytes.len());
                let mut ls = lines(head).peekable();
                let mut keep = false;
                while let Some(l) = ls.next() {
                    if !matches!(l.first(), Some(b' ' | b'\t')) {
                        keep = is_signature_field(l);
                    }
                    let folded_next = ls
                        .peek()
                        .is_some_and(|n| matches!(n.first(), Some(b' ' | b'\t')));
                    out.extend_from_slice(if folded_next && !keep {
                        strip_eol(l)
                    } else {
                        l
                    });
                }
                out.extend_from_slice(body);
                out
            }
            RepairKind::FinalNewline => {
                let mut out = bytes.to_vec();
                out.extend_from_slice(if message::has_bare_lf(bytes) {
                    b"\n"
                } else {
                    b"\r\n"
                });
                out
            }
            RepairKind::CrlfLineEndings => message::lf_to_crlf(bytes),
        }
    }
}

/// The repair plans worth trying for `bytes`: every combination of at most
/// `max` applicable repairs (never both mbox variants), fewest first, each
/// in application order. A plan is kept by the verifier only when no plan
/// with fewer repairs gives the same result, so a repair that changes
/// nothing (a restored final line end, almost always) is never reported.
pub fn plans(bytes: &[u8], max: usize) -> Vec<Vec<RepairKind>> {
    plans_for(bytes, max, &RepairKind::ALL)
}

/// Like [`plans`], limited to the repairs in `allowed`.
pub fn plans_for(bytes: &[u8], max: usize, allowed: &[RepairKind]) -> Vec<Vec<RepairKind>> {
    let found: Vec<RepairKind> = RepairKind::ALL
        .into_iter()
        .filter(|k| allowed.contains(k))
        // A restored final line end changes no body hash (RFC 6376 3.4.3,
        // 3.4.4); it is worth trying only where the message ends in a
        // header field.
        .filter(|k| *k != RepairKind::FinalNewline || ends_in_header(bytes))
        .filter(|k| k.applies(bytes))
        .collect();
    let mut out: Vec<Vec<RepairKind>> = Vec::new();
    let n = found.len();
    for mask in 1u32..(1 << n) {
        let plan: Vec<RepairKind> = (0..n)
            .filter(|i| mask & (1 << i) != 0)
            .map(|i| found[i])
            .collect();
        let both_mbox =
            plan.contains(&RepairKind::MboxrdUnquote) && plan.contains(&RepairKind::MboxoUnquote);
        if plan.len() <= max && !both_mbox {
            out.push(plan);
        }
    }
    // A copy with bare LF line ends cannot verify without CRLF restored
    // (signatures are made over the CRLF form sent by SMTP), so every plan
    // for such a copy includes that repair.
    if found.contains(&RepairKind::CrlfLineEndings) {
        out.retain(|p| p.contains(&RepairKind::CrlfLineEndings));
    }
    out.sort_by_key(|p| p.len());
    out
}

impl RepairKind {
    /// Whether the repair can change a body hash. A restored final line
    /// end cannot: both body canonicalizations end the body with one CRLF
    /// whether or not it had one (RFC 6376 3.4.3, 3.4.4).
    pub fn touches_body(self) -> bool {
        !matches!(self, RepairKind::UnfoldHeaders | RepairKind::FinalNewline)
    }

    /// Whether the repair can change a header hash (a restored final line
    /// end only where the message has no body and ends in a header field).
    pub fn touches_headers(self) -> bool {
        matches!(
            self,
            RepairKind::UnfoldHeaders | RepairKind::CrlfLineEndings | RepairKind::FinalNewline
        )
    }
}

/// Applies a plan in order.
pub fn apply_all(bytes: &[u8], plan: &[RepairKind]) -> Vec<u8> {
    let Some((first, rest)) = plan.split_first() else {
        return bytes.to_vec();
    };
    let mut cur = first.apply(bytes);
    for k in rest {
        cur = k.apply(&cur);
    }
    cur
}

/// Whether the message has no empty line, so its last line is a header field.
fn ends_in_header(bytes: &[u8]) -> bool {
    !lines(bytes).any(|l| l == b"\n" || l == b"\r\n")
}

/// The body (after the first empty line), or an empty slice at the end.
fn body_of(bytes: &[u8]) -> &[u8] {
    let mut pos = 0;
    for l in lines(bytes) {
        pos += l.len();
        if l == b"\n" || l == b"\r\n" {
            return &bytes[pos..];
        }
    }
    &bytes[bytes.len()..]
}

/// Lines including their line end (found with `memchr`: the repair checks
/// run over whole messages, and a byte-by-byte split showed in profiles).
fn lines(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = bytes;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let end = memchr::memchr(b'\n', rest).map_or(rest.len(), |i| i + 1);
        let (line, next) = rest.split_at(end);
        rest = next;
        Some(line)
    })
}

/// Where the lines of `bytes` that begin with `first` start (one `memmem`
/// scan for LF followed by `first`, not a walk line by line).
fn line_starts_with(bytes: &[u8], first: u8) -> impl Iterator<Item = usize> + '_ {
    let finder = memchr::memmem::Finder::new(&[b'\n', first]).into_owned();
    let at_start = (bytes.first() == Some(&first)).then_some(0);
    let mut from = 0;
    at_start.into_iter().chain(std::iter::from_fn(move || {
        let nl = from + finder.find(&bytes[from..])?;
        from = nl + 1;
        Some(nl + 1)
    }))
}

fn strip_eol(l: &[u8]) -> &[u8] {
    let l = l.strip_suffix(b"\n").unwrap_or(l);
    l.strip_suffix(b"\r").unwrap_or(l)
}

/// Signature fields keep their folding: their own bytes were signed as folded.
fn is_signature_field(line: &[u8]) -> bool {
    let name = line.split(|b| *b == b':').next().unwrap_or_default();
    let name = String::from_utf8_lossy(name).trim().to_ascii_lowercase();
    name == "dkim-signature" || name.starts_with("arc-")
}

fn is_quoted_from(l: &[u8], rd: bool) -> bool {
    let n = l.iter().take_while(|b| **b == b'>').count();
    n >= 1 && (rd || n == 1) && l[n..].starts_with(b"From ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applies_agrees_with_apply_and_lines_with_split() {
        let pieces: [&[u8]; 11] = [
            b"A: x\r\n",
            b">>From y\r\n",
            b".\n",
            b" folded\r\n",
            b"\tmore\n",
            b"DKIM-Signature: a=1;\r\n",
            b"ARC-Seal: i=1\n",
            b"\r\n",
            b"body \n",
            b">From x\n",
            b"..dot",
        ];
        let mut rng = crate::util::TestRng(11);
        for n in 0..3000 {
            let m: Vec<u8> = (0..n % 13)
                .flat_map(|_| rng.pick(&pieces).to_vec())
                .collect();
            let split: Vec<&[u8]> = m.split_inclusive(|b| *b == b'\n').collect();
            assert_eq!(lines(&m).collect::<Vec<_>>(), split);
            for k in RepairKind::ALL {
                if k != RepairKind::FinalNewline {
                    assert_eq!(k.applies(&m), k.apply(&m) != m, "{k:?} {m:?}");
                }
            }
            // the line-start repairs, read line by line
            let body = body_of(&m);
            let by_line = |drops: &dyn Fn(&[u8]) -> bool| {
                let mut out = m[..m.len() - body.len()].to_vec();
                for l in lines(body) {
                    out.extend_from_slice(if drops(l) { &l[1..] } else { l });
                }
                out
            };
            type Drops<'f> = &'f dyn Fn(&[u8]) -> bool;
            let cases: [(RepairKind, Drops<'_>); 3] = [
                (RepairKind::MboxrdUnquote, &|l| is_quoted_from(l, true)),
                (RepairKind::MboxoUnquote, &|l| l.starts_with(b">From ")),
                (RepairKind::DotUnstuff, &|l| l.starts_with(b"..")),
            ];
            for (k, drops) in cases {
                assert_eq!(k.apply(&m), by_line(drops), "{k:?} {m:?}");
            }
        }
    }

    const M: &[u8] = b"From: a@b.c\nSubject: x\n y\n\nbody \n>From here\n>>From there\n..dot\nend";

    #[test]
    fn each_repair_undoes_its_trace() {
        let rd = RepairKind::MboxrdUnquote.apply(M);
        assert!(rd.ends_with(b"\nFrom here\n>From there\n..dot\nend"));
        let o = RepairKind::MboxoUnquote.apply(M);
        assert!(o.ends_with(b"\nFrom here\n>>From there\n..dot\nend"));
        assert!(RepairKind::DotUnstuff.apply(M).ends_with(b"\n.dot\nend"));
        assert!(
            RepairKind::TrailingWhitespace
                .apply(M)
                .ends_with(b"\n\nbody\n>From here\n>>From there\n..dot\nend")
        );
        assert!(
            RepairKind::UnfoldHeaders
                .apply(M)
                .starts_with(b"From: a@b.c\nSubject: x y\n\nbody")
        );
        assert!(RepairKind::FinalNewline.apply(M).ends_with(b"end\n"));
        assert!(
            RepairKind::CrlfLineEndings
                .apply(M)
                .starts_with(b"From: a@b.c\r\n")
        );
    }

    #[test]
    fn header_lines_are_not_unquoted() {
        let m = b">From x\nA: b\n\nbody\n";
        assert_eq!(RepairKind::MboxrdUnquote.apply(m), m.to_vec());
        assert!(!RepairKind::MboxrdUnquote.applies(m));
    }

    #[test]
    fn plans_only_include_applicable_repairs_fewest_first() {
        assert!(plans(b"A: b\r\n\r\nclean\r\n", 3).is_empty());
        let p = plans(M, 3);
        assert_eq!(p[0].len(), 1);
        assert!(p.windows(2).all(|w| w[0].len() <= w[1].len()));
        assert!(
            p.iter()
                .all(|plan| !(plan.contains(&RepairKind::MboxrdUnquote)
                    && plan.contains(&RepairKind::MboxoUnquote)))
        );
        assert!(p.iter().all(|plan| plan.len() <= 3));
    }
}
