//! The DKIM tag-list syntax (RFC 6376 section 3.2), shared by signatures and
//! key records.
//!
//! The parser keeps the byte range of every value so that the `b=` value of a
//! signature can be blanked in place, as header canonicalization requires.

use std::ops::Range;

/// One `name=value` pair of a tag list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    /// Tag name as written (case-sensitive per RFC 6376).
    pub name: String,
    /// Value with surrounding folding white space removed.
    pub value: String,
    /// Byte range of the value (after `=`, up to `;` or the end) in the input.
    pub span: Range<usize>,
}

/// Why a tag list could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TagError {
    /// A `;`-separated element has no `=`.
    #[error("tag list element {0:?} has no '='")]
    MissingEquals(String),
    /// A tag name is empty or has characters outside ALPHA / DIGIT / `_`.
    #[error("invalid tag name {0:?}")]
    BadName(String),
    /// The same tag appears twice.
    #[error("tag {0:?} appears more than once")]
    Duplicate(String),
}

/// Parses a tag list.
pub fn parse(input: &[u8]) -> Result<Vec<Tag>, TagError> {
    let mut tags: Vec<Tag> = Vec::new();
    let mut start = 0;
    while start <= input.len() {
        let end = input[start..]
            .iter()
            .position(|&b| b == b';')
            .map_or(input.len(), |i| start + i);
        let elem = &input[start..end];
        if !elem.iter().all(|b| is_fws(*b)) {
            let Some(eq) = elem.iter().position(|&b| b == b'=') else {
                return Err(TagError::MissingEquals(lossy(elem)));
            };
            let name = lossy(trim(&elem[..eq]));
            let valid = name.as_bytes().first().is_some_and(u8::is_ascii_alphabetic)
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
            if !valid {
                return Err(TagError::BadName(name));
            }
            if tags.iter().any(|t| t.name == name) {
                return Err(TagError::Duplicate(name));
            }
            let vstart = start + eq + 1;
            tags.push(Tag {
                name,
                value: lossy(trim(&input[vstart..end])),
                span: vstart..end,
            });
        }
        start = end + 1;
    }
    Ok(tags)
}

/// Looks up a tag by name.
pub fn get<'t>(tags: &'t [Tag], name: &str) -> Option<&'t Tag> {
    tags.iter().find(|t| t.name == name)
}

/// Removes all folding white space (for base64 values such as `b=`, `bh=`, `p=`).
pub fn strip_ws(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    out.extend(value.split(|c: char| c.is_ascii_whitespace()));
    out
}

fn is_fws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn trim(b: &[u8]) -> &[u8] {
    let start = b.iter().position(|c| !is_fws(*c)).unwrap_or(b.len());
    let end = b.iter().rposition(|c| !is_fws(*c)).map_or(start, |i| i + 1);
    &b[start..end]
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_with_folding_and_trailing_semicolon() {
        let t = parse(b" v=1; a=rsa-sha256;\r\n\tb=ab\r\n cd; ").unwrap();
        assert_eq!(t.len(), 3);
        assert_eq!(t[2].value, "ab\r\n cd");
        assert_eq!(strip_ws(&t[2].value), "abcd");
    }

    #[test]
    fn rejects_duplicates_and_bad_elements() {
        assert_eq!(
            parse(b"a=1; a=2").unwrap_err(),
            TagError::Duplicate("a".into())
        );
        assert!(matches!(
            parse(b"a=1; junk").unwrap_err(),
            TagError::MissingEquals(_)
        ));
        assert!(matches!(parse(b"1a=1").unwrap_err(), TagError::BadName(_)));
    }

    #[test]
    fn span_points_at_value() {
        let input = b"bh=xyz; b=abc";
        let t = parse(input).unwrap();
        assert_eq!(&input[t[1].span.clone()], b"abc");
    }
}
