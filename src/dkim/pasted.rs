//! Repairs of pasted and saved copies: what a web page, a clipboard or a
//! "save as" does to a message before it reaches a journalist. They are
//! tried only when the copy as given does not verify (after the repairs of
//! [`super::repair`]), each reported with a finding that names what was
//! changed, and the bytes that verified are hashed in the report so anyone
//! can repeat the check.
//!
//! - [`PastedRepair::ByteOrderMark`]: a UTF-8 byte order mark (EF BB BF)
//!   at the start, which Windows editors such as Notepad write when saving
//!   as UTF-8, is removed, with any blank lines or white space after it;
//!   glued to the first field name, it hides that field (a first
//!   DKIM-Signature field reads as no signature at all).
//! - [`PastedRepair::LeadingBlank`]: blank lines or white space before the
//!   first header field (a paste into a text editor, a web form) are
//!   removed; RFC 5322 2.1 has the header block start the message.
//! - [`PastedRepair::HtmlUnescaped`]: a header block saved from a web page
//!   that escaped it for HTML (`&lt;`, `&gt;`, `&amp;`, `&quot;`) is
//!   unescaped; the body is left as it is.
//!
//! (A `From ` postmark line on a single message is skipped by the message
//! splitter itself and reported as `mbox_postmark_ignored`.)

/// One repair of a pasted or saved copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PastedRepair {
    /// A UTF-8 byte order mark at the start removed (and blank lines or
    /// white space after it).
    ByteOrderMark,
    /// Blank lines or white space before the first header field removed.
    LeadingBlank,
    /// HTML character references in the header block unescaped.
    HtmlUnescaped,
}

impl PastedRepair {
    /// Every repair, in the order they are tried.
    pub const ALL: [PastedRepair; 3] = [
        PastedRepair::ByteOrderMark,
        PastedRepair::LeadingBlank,
        PastedRepair::HtmlUnescaped,
    ];

    /// Stable snake_case name (the report's `repairs[].kind`).
    pub fn code(self) -> &'static str {
        match self {
            PastedRepair::ByteOrderMark => "bom_removed",
            PastedRepair::LeadingBlank => "leading_blank_removed",
            PastedRepair::HtmlUnescaped => "html_escaping_removed",
        }
    }

    /// The finding code reported when the repair was needed.
    pub fn finding(self) -> &'static str {
        match self {
            PastedRepair::ByteOrderMark => "bom_repaired",
            PastedRepair::LeadingBlank => "leading_blank_repaired",
            PastedRepair::HtmlUnescaped => "html_escaping_repaired",
        }
    }

    /// The repaired bytes and what was done, in words (naming the bytes
    /// removed or replaced), or `None` when the copy has no trace of it.
    pub fn apply(self, bytes: &[u8]) -> Option<(Vec<u8>, String)> {
        match self {
            PastedRepair::ByteOrderMark => {
                let (n, marks) = lead(bytes);
                (marks > 0 && n < bytes.len()).then(|| {
                    let ws = n - marks * crate::message::UTF8_BOM.len();
                    let marks_words = if marks == 1 {
                        "the UTF-8 byte order mark".to_string()
                    } else {
                        format!("{marks} UTF-8 byte order marks")
                    };
                    let blanks = if ws == 0 {
                        String::new()
                    } else {
                        format!(
                            ", with {ws} byte{} of blank lines or white space",
                            if ws == 1 { "" } else { "s" },
                        )
                    };
                    (
                        bytes[n..].to_vec(),
                        format!(
                            "{marks_words} (EF BB BF, as Windows editors such as Notepad write when saving) before the first header field removed{blanks} ({})",
                            shown(&bytes[..n])
                        ),
                    )
                })
            }
            PastedRepair::LeadingBlank => {
                let n = blank_len(bytes);
                // a byte order mark in the run is ByteOrderMark's
                (n > 0 && n < bytes.len() && lead(bytes).1 == 0).then(|| {
                    (
                        bytes[n..].to_vec(),
                        format!(
                            "{n} byte{} of blank lines or white space before the first header field removed ({})",
                            if n == 1 { "" } else { "s" },
                            shown(&bytes[..n])
                        ),
                    )
                })
            }
            PastedRepair::HtmlUnescaped => {
                let end = header_end(bytes);
                let (head, body) = bytes.split_at(end);
                let (fixed, count) = unescape(head);
                (count > 0).then(|| {
                    let mut out = fixed;
                    out.extend_from_slice(body);
                    (
                        out,
                        format!(
                            "{count} HTML character reference{} in the header block replaced by the characters they stand for (&lt; &gt; &amp; &quot; &#39;): the copy was saved from a web page",
                            if count == 1 { "" } else { "s" }
                        ),
                    )
                })
            }
        }
    }
}

/// How many bytes of white space (blank lines included) `bytes` starts with.
fn blank_len(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .take_while(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        .count()
}

/// The run of UTF-8 byte order marks and white space (blank lines
/// included) that `bytes` starts with, in any order: its length, and how
/// many byte order marks it holds.
fn lead(bytes: &[u8]) -> (usize, usize) {
    let (mut n, mut marks) = (0, 0);
    loop {
        if bytes[n..].starts_with(crate::message::UTF8_BOM) {
            n += crate::message::UTF8_BOM.len();
            marks += 1;
        } else if bytes
            .get(n)
            .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        {
            n += 1;
        } else {
            return (n, marks);
        }
    }
}

/// The bytes named in words: `\n` `\r` `\t` and spaces, as escapes, a
/// byte order mark as `\u{feff}`.
fn shown(b: &[u8]) -> String {
    let mut s = String::from("\"");
    let mut i = 0;
    while i < b.len() {
        if b[i..].starts_with(crate::message::UTF8_BOM) {
            s.push_str("\\u{feff}");
            i += crate::message::UTF8_BOM.len();
            continue;
        }
        match b[i] {
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            b'\t' => s.push_str("\\t"),
            _ => s.push(' '),
        }
        i += 1;
    }
    s.push('"');
    s
}

/// Offset of the empty line that ends the header block (or the end).
fn header_end(bytes: &[u8]) -> usize {
    let mut pos = 0;
    for line in bytes.split_inclusive(|b| *b == b'\n') {
        if line == b"\n" || line == b"\r\n" {
            return pos;
        }
        pos += line.len();
    }
    bytes.len()
}

/// HTML character references that a page escaping text produces.
const REFERENCES: [(&[u8], u8); 6] = [
    (b"&lt;", b'<'),
    (b"&gt;", b'>'),
    (b"&amp;", b'&'),
    (b"&quot;", b'"'),
    (b"&#39;", b'\''),
    (b"&#x27;", b'\''),
];

fn unescape(head: &[u8]) -> (Vec<u8>, usize) {
    let mut out = Vec::with_capacity(head.len());
    let mut count = 0;
    let mut i = 0;
    'outer: while i < head.len() {
        if head[i] == b'&' {
            for (from, to) in REFERENCES {
                if head[i..].starts_with(from) {
                    out.push(to);
                    i += from.len();
                    count += 1;
                    continue 'outer;
                }
            }
        }
        out.push(head[i]);
        i += 1;
    }
    (out, count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leading_blank_names_the_bytes() {
        let (fixed, what) = PastedRepair::LeadingBlank
            .apply(b"\n \r\nFrom: a@b.c\r\n\r\nx\r\n")
            .unwrap();
        assert_eq!(fixed, b"From: a@b.c\r\n\r\nx\r\n");
        assert!(
            what.starts_with("4 bytes") && what.contains(r#""\n \r\n""#),
            "{what}"
        );
        assert!(
            PastedRepair::LeadingBlank
                .apply(b"From: a@b.c\r\n")
                .is_none()
        );
    }

    #[test]
    fn byte_order_mark_is_removed_with_the_blank_lines_after_it() {
        let (fixed, what) = PastedRepair::ByteOrderMark
            .apply(b"\xEF\xBB\xBFDKIM-Signature: v=1\r\n\r\nx\r\n")
            .unwrap();
        assert_eq!(fixed, b"DKIM-Signature: v=1\r\n\r\nx\r\n");
        assert!(
            what.contains("EF BB BF") && !what.contains("blank"),
            "{what}"
        );
        let (fixed, what) = PastedRepair::ByteOrderMark
            .apply(b"\xEF\xBB\xBF\r\nFrom: a@b.c\r\n")
            .unwrap();
        assert_eq!(fixed, b"From: a@b.c\r\n");
        assert!(what.contains(r#"2 bytes of blank lines"#), "{what}");
        assert!(
            PastedRepair::ByteOrderMark
                .apply(b"From: a@b.c\r\n")
                .is_none()
        );
        assert!(
            PastedRepair::ByteOrderMark
                .apply(b"\xEF\xBB\xBF\n")
                .is_none()
        );
    }

    #[test]
    fn html_unescaping_stays_in_the_header_block() {
        let (fixed, what) = PastedRepair::HtmlUnescaped
            .apply(b"From: A &lt;a@b.c&gt;\r\nSubject: x &amp;amp; y\r\n\r\n&lt;p&gt;\r\n")
            .unwrap();
        assert_eq!(
            fixed,
            b"From: A <a@b.c>\r\nSubject: x &amp; y\r\n\r\n&lt;p&gt;\r\n"
        );
        assert!(what.starts_with("3 HTML"), "{what}");
    }
}
