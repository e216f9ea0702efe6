//! JSON and JSON Lines that carry no terminal-active or invisible character
//! raw.
//!
//! `serde_json` escapes only `"`, `\` and C0 controls. Every other
//! [`is_hidden`](super::escape::is_hidden) character (DEL, the C1 controls
//! such as U+009B, which some terminals take as ESC `[`, bidi overrides,
//! zero-width characters, U+2028/2029) would reach a terminal or a viewer
//! raw. These writers escape them as `\uXXXX` (a UTF-16 surrogate pair
//! above U+FFFF, RFC 8259 section 7), so the text is the same JSON value and
//! any `cat` or `less` of the file shows them.

use super::escape::is_hidden;
use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter, PrettyFormatter};
use std::io::{self, Write};

/// One line of compact JSON (no trailing newline). Panics only if `value`'s
/// `Serialize` fails, which the report types never do.
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> String {
    let mut out = Vec::with_capacity(512);
    write(&mut out, value).expect("reports serialize");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// Pretty-printed JSON (two-space indent, no trailing newline).
pub fn to_string_pretty<T: Serialize + ?Sized>(value: &T) -> String {
    let mut out = Vec::with_capacity(4096);
    write_pretty(&mut out, value).expect("reports serialize");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// Writes compact JSON to `w`. Errors: those of `w`, or of `value`'s
/// `Serialize`.
pub fn write<W: Write, T: Serialize + ?Sized>(w: W, value: &T) -> serde_json::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(w, Safe(CompactFormatter));
    value.serialize(&mut ser)
}

/// Writes pretty-printed JSON to `w`. Errors as [`write`].
pub fn write_pretty<W: Write, T: Serialize + ?Sized>(w: W, value: &T) -> serde_json::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(w, Safe(PrettyFormatter::new()));
    value.serialize(&mut ser)
}

/// A formatter that escapes hidden characters in strings and keys and
/// otherwise formats as the one it wraps.
struct Safe<F>(F);

impl<F: Formatter> Formatter for Safe<F> {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        // Printable ASCII holds no hidden character: most of a report,
        // written as is.
        if fragment.bytes().all(|b| (0x20..0x7f).contains(&b)) {
            return w.write_all(fragment.as_bytes());
        }
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if is_hidden(c) {
                w.write_all(&fragment.as_bytes()[start..i])?;
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    write!(w, "\\u{u:04x}")?;
                }
                start = i + c.len_utf8();
            }
        }
        w.write_all(&fragment.as_bytes()[start..])
    }

    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn end_object_key<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_key(w)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_characters_become_u_escapes_and_the_value_is_unchanged() {
        let s = "a\u{9b}31m\u{7f}b\u{202e}c\u{200b}d\u{2028}e\u{feff}f\u{e0041}g\x1bh\u{ad}Grüße";
        let v = serde_json::json!({ "k\u{200d}": [s] });
        for out in [to_string(&v), to_string_pretty(&v)] {
            assert!(!out.chars().any(|c| is_hidden(c) && c != '\n'), "{out:?}");
            for esc in [
                r"\u009b",
                r"\u007f",
                r"\u202e",
                r"\u200b",
                r"\u2028",
                r"\ufeff",
                r"\udb40\udc41",
                r"\u001b",
                r"\u00ad",
                r"k\u200d",
            ] {
                assert!(out.contains(esc), "{esc} missing from {out}");
            }
            assert!(out.contains("Grüße"));
            let back: serde_json::Value = serde_json::from_str(&out).unwrap();
            assert_eq!(back, v);
        }
        assert_eq!(
            to_string_pretty(&serde_json::json!({"a": [1]})),
            serde_json::to_string_pretty(&serde_json::json!({"a": [1]})).unwrap()
        );
    }
}
