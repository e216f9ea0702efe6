//! Escaping of untrusted text (from leaked mail) for each output format.
//!
//! Every value that came from a message (names, subjects, file names, header
//! text) and every value from a key archive passes through one of these
//! functions before it reaches output. All of them first make control
//! characters and bidi overrides visible as `\u{..}` ([`visible`]): a line
//! break or a right-to-left override inside a Subject must not reshape the
//! report around it.

/// Shows control characters (including ESC, which starts terminal escape
/// sequences, and line breaks) and bidi overrides (which reorder text) as
/// `\u{..}` instead of emitting them.
pub fn visible(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() || is_bidi_control(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// Makes text safe for a terminal (see [`visible`]).
pub fn terminal(s: &str) -> String {
    visible(s)
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Makes text safe for HTML element content and quoted attribute values:
/// `& < > " '` become entities, control characters become visible.
pub fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in visible(s).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Like [`html`] for a `<pre>` block: line breaks are kept, every line is
/// escaped.
pub fn html_block(s: &str) -> String {
    s.split('\n').map(html).collect::<Vec<_>>().join("\n")
}

/// Makes text safe as GitHub-flavoured Markdown inline text, in a paragraph,
/// a list item or a table cell.
///
/// Escaped always: the characters that open emphasis, code, links, images,
/// raw HTML, entities, math and table cells (`\ ` * _ { } [ ] < > & | ~ $`),
/// so `[x](javascript:..)` and `<script>` stay text. Escaped where they
/// would start a block (`#`, `+`, `-`, `=`, `1.` at the start of the value).
/// Escaped so GitHub does not turn them into links: the `:` of `://` and the
/// `.` of `www.`. GitHub links any bare e-mail address whatever its escapes,
/// so text containing `@` becomes a code span instead ([`markdown_code`]).
pub fn markdown(s: &str, in_table: bool) -> String {
    let v = visible(s);
    if v.contains('@') {
        return markdown_code(&v, in_table);
    }
    let chars: Vec<char> = v.chars().collect();
    let lead_digits = chars.iter().take_while(|c| c.is_ascii_digit()).count();
    let mut out = String::with_capacity(v.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        let next = |k: usize| chars.get(i + k).copied();
        let escape = match c {
            '\\' | '`' | '*' | '_' | '{' | '}' | '[' | ']' | '<' | '>' | '&' | '|' | '~' | '$' => {
                true
            }
            '#' | '+' | '-' | '=' => i == 0,
            '.' | ')' => i > 0 && i == lead_digits,
            ':' => next(1) == Some('/') && next(2) == Some('/'),
            _ => false,
        };
        let www = c == '.'
            && i >= 3
            && chars[i - 3..i]
                .iter()
                .collect::<String>()
                .eq_ignore_ascii_case("www");
        if escape || www {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Makes text a GitHub-flavoured Markdown code span: shown literally, never
/// a link, never markup. The fence is longer than any run of backticks in the
/// text; inside a table, `|` is escaped (GFM removes that escape in cells).
pub fn markdown_code(s: &str, in_table: bool) -> String {
    let v = visible(s);
    let longest = v.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let body = if in_table { v.replace('|', "\\|") } else { v };
    // CommonMark strips one space from each end when both have one, and a
    // backtick at an end would merge with the fence: pad in those cases.
    let pad = body.is_empty() || body.starts_with(['`', ' ']) || body.ends_with(['`', ' ']);
    let sp = if pad { " " } else { "" };
    format!("{fence}{sp}{body}{sp}{fence}")
}

/// Quotes a value as one POSIX shell word (single quotes). Control
/// characters are shown as `\u{..}` first, so the result is always one line.
pub fn shell(s: &str) -> String {
    let v = visible(s);
    if !v.is_empty()
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=+,:@%".contains(&b))
    {
        return v;
    }
    format!("'{}'", v.replace('\'', "'\\''"))
}

/// A Python (and JSON) string literal for any text: quotes, backslashes and
/// control characters are escaped; the result is one line.
pub fn python_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string())
}

/// A DNS zone-file character string for a TXT record: split into quoted
/// pieces of at most 255 bytes, with `"` and `\` escaped and anything outside
/// printable ASCII written as `\DDD` bytes.
pub fn zone_txt(s: &str) -> String {
    let mut pieces = Vec::new();
    let mut cur = String::new();
    let mut len = 0;
    for &b in s.as_bytes() {
        if len == 255 {
            pieces.push(std::mem::take(&mut cur));
            len = 0;
        }
        match b {
            b'"' | b'\\' => {
                cur.push('\\');
                cur.push(b as char);
            }
            0x20..=0x7e => cur.push(b as char),
            _ => cur.push_str(&format!("\\{b:03}")),
        }
        len += 1;
    }
    pieces.push(cur);
    pieces
        .iter()
        .map(|p| format!("\"{p}\""))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_escapes_controls() {
        assert_eq!(terminal("a\x1b[31mb\r\n"), "a\\u{1b}[31mb\\u{d}\\u{a}");
        assert_eq!(terminal("x\u{202E}y"), "x\\u{202e}y");
        assert_eq!(terminal("Grüße"), "Grüße");
    }

    #[test]
    fn html_escapes_markup_and_quotes() {
        assert_eq!(
            html("<script>alert('x')</script> & \"q\"\n"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;\\u{a}"
        );
        assert_eq!(html("Grüße"), "Grüße");
    }

    #[test]
    fn markdown_escapes_links_html_and_tables() {
        assert_eq!(
            markdown("[x](javascript:alert(1))", false),
            r"\[x\](javascript:alert(1))"
        );
        assert_eq!(markdown("- 1. a-b", false), r"\- 1. a-b");
        assert_eq!(markdown("12. x", false), r"12\. x");
        assert_eq!(markdown("<b>a|b</b>", true), r"\<b\>a\|b\</b\>");
        assert_eq!(markdown("see WWW.x.org.", false), r"see WWW\.x.org.");
        assert_eq!(markdown("https://e.com a:b", false), r"https\://e.com a:b");
        assert_eq!(markdown("a\nb $x$", false), r"a\\u\{a\}b \$x\$");
    }

    #[test]
    fn markdown_code_spans_fence_backticks_and_pipes() {
        assert_eq!(markdown_code("a`b", false), "``a`b``");
        assert_eq!(markdown_code("`a", false), "`` `a ``");
        assert_eq!(markdown_code("a|b", true), "`a\\|b`");
        assert_eq!(markdown("x <a@b.c>", false), "`x <a@b.c>`");
        assert_eq!(markdown_code("", false), "`  `");
    }

    #[test]
    fn shell_and_python_and_zone_quoting() {
        assert_eq!(shell("a.eml"), "a.eml");
        assert_eq!(shell("it's $x.eml"), "'it'\\''s $x.eml'");
        assert_eq!(python_str("a\"b\\\n"), "\"a\\\"b\\\\\\n\"");
        assert_eq!(zone_txt("v=1; p=\"x\""), "\"v=1; p=\\\"x\\\"\"");
        let long = "a".repeat(300);
        assert_eq!(
            zone_txt(&long),
            format!("\"{}\" \"{}\"", "a".repeat(255), "a".repeat(45))
        );
    }
}
