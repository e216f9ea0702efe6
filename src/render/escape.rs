//! Escaping of untrusted text (from leaked mail) for each output format.
//!
//! Every value that came from a message (names, subjects, file names, header
//! text) and every value from a key archive passes through one of these
//! functions before it reaches output. All of them first make control
//! characters and bidi overrides visible as `\u{..}` ([`visible`]): a line
//! break or a right-to-left override inside a Subject must not reshape the
//! report around it.

/// Shows every [`is_hidden`] character (control characters including ESC
/// and the C1 CSI U+009B, which start terminal escape sequences; line
/// breaks; bidi controls, which reorder text; zero-width and other
/// invisible characters, which make "pay\u{200b}pal" read as "paypal") as
/// `\u{..}` instead of emitting it.
pub fn visible(s: &str) -> String {
    if !s.chars().any(is_hidden) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_hidden(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether `c` must never reach output raw: a C0 or C1 control or DEL
/// (Unicode general category Cc), a bidi control ([`is_bidi_control`]),
/// U+2028 LINE SEPARATOR or U+2029 PARAGRAPH SEPARATOR, an interlinear
/// annotation character (U+FFF9-FFFB), or a default-ignorable code point
/// (Unicode `Default_Ignorable_Code_Point`, DerivedCoreProperties.txt:
/// soft hyphen U+00AD, zero-width space/joiners U+200B-200D, word joiner
/// and invisible operators U+2060-206F, BOM/ZWNBSP U+FEFF, variation
/// selectors, Hangul fillers, tag characters U+E0000-E0FFF, ...), which
/// renders as nothing.
pub fn is_hidden(c: char) -> bool {
    c.is_control()
        || is_bidi_control(c)
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{FFF9}'..='\u{FFFB}')
        || is_default_ignorable(c)
}

/// Unicode 16 `Default_Ignorable_Code_Point` (DerivedCoreProperties.txt).
fn is_default_ignorable(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'..='\u{1160}'
            | '\u{17B4}'..='\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFF8}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// Makes text safe for a terminal (see [`visible`]).
pub fn terminal(s: &str) -> String {
    visible(s)
}

/// The bidi formatting characters of Unicode UAX #9 section 2: embeddings
/// and overrides U+202A-202E, isolates U+2066-2069, the marks U+200E/200F
/// and the Arabic letter mark U+061C.
pub fn is_bidi_control(c: char) -> bool {
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
/// Every word that a linkifier could turn into a link (an address with `@`,
/// anything with `://`, a host name, domain or IP address: a dot between two
/// letters or digits) becomes a code span ([`markdown_code`]), with the
/// punctuation around it left outside. GFM links bare e-mail addresses,
/// `www.` names and URLs whatever their escapes, and renderers with a fuzzy
/// linkifier (markdown-it's linkify-it, many CMSs) also link bare host
/// names such as `login.paypal-secure.example`; none of them links inside
/// code.
///
/// The rest is escaped: the characters that open emphasis, code, links,
/// images, raw HTML, entities, math and table cells (`\ ` * _ { } [ ] < > &
/// | ~ $`), so `[x](javascript:..)` and `<script>` stay text, and those that
/// would start a block (`#`, `+`, `-`, `=`, `1.` at the start of the value).
pub fn markdown(s: &str, in_table: bool) -> String {
    let v = visible(s);
    let chars: Vec<(usize, char)> = v.char_indices().collect();
    let spans = linkable_words(&v);
    let lead_digits = chars.iter().take_while(|(_, c)| c.is_ascii_digit()).count();
    let mut out = String::with_capacity(v.len() + 8);
    let mut next_span = spans.iter().peekable();
    let mut skip_to = 0;
    for (i, &(at, c)) in chars.iter().enumerate() {
        if at < skip_to {
            continue;
        }
        if let Some(&&(from, to)) = next_span.peek()
            && from == at
        {
            out.push_str(&markdown_code(&v[from..to], in_table));
            skip_to = to;
            next_span.next();
            continue;
        }
        let escape = match c {
            '\\' | '`' | '*' | '_' | '{' | '}' | '[' | ']' | '<' | '>' | '&' | '|' | '~' | '$' => {
                true
            }
            '#' | '+' | '-' | '=' => i == 0,
            '.' | ')' => i > 0 && i == lead_digits,
            ':' => v[at..].starts_with("://"),
            _ => false,
        };
        if escape {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Byte ranges of the words of `v` (split on white space, without the
/// punctuation that surrounds them) that a linkifier could take for a link:
/// see [`markdown`].
fn linkable_words(v: &str) -> Vec<(usize, usize)> {
    const LEAD: &[char] = &['(', '<', '[', '{', '"', '\'', '*', '_'];
    const TRAIL: &[char] = &[
        '.', ',', ';', ':', '!', '?', ')', '>', ']', '}', '"', '\'', '*', '_',
    ];
    let is_dot = |c: char| matches!(c, '.' | '\u{3002}' | '\u{FF0E}' | '\u{FF61}');
    let mut spans = Vec::new();
    let mut pos = 0;
    for word in v.split(char::is_whitespace) {
        let start = pos;
        pos += word.len()
            + v[pos + word.len()..]
                .chars()
                .next()
                .map_or(0, char::len_utf8);
        let core = word.trim_start_matches(LEAD);
        let from = start + (word.len() - core.len());
        let mut core = core.trim_end_matches(TRAIL);
        // "example.com's": the possessive stays outside the span.
        for s in ["'s", "\u{2019}s"] {
            if let Some(c) = core.strip_suffix(s) {
                core = c.trim_end_matches(TRAIL);
            }
        }
        if core.is_empty() {
            continue;
        }
        let cs: Vec<char> = core.chars().collect();
        let dotted = cs
            .windows(3)
            .any(|w| w[0].is_alphanumeric() && is_dot(w[1]) && w[2].is_alphanumeric());
        if dotted || core.contains('@') || core.contains("://") || core.contains('\u{FF20}') {
            spans.push((from, from + core.len()));
        }
    }
    spans
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

/// Quotes a value as one shell word that the shell reads back as exactly
/// `s`, on one line of visible text: as it is when it holds only safe
/// characters, in single quotes otherwise (POSIX), and, when it holds an
/// [`is_hidden`] character (a line break, a bidi control ...), in ANSI-C
/// quotes `$'...'` (bash, zsh, ksh; POSIX.1-2024) with each byte of such a
/// character written `\xHH`, and `\` and `'` escaped. The result is
/// still untrusted text: HTML and Markdown escaping apply on top.
pub fn shell(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=+,:@%".contains(&b))
    {
        return s.to_string();
    }
    if !s.chars().any(is_hidden) {
        return format!("'{}'", s.replace('\'', "'\\''"));
    }
    let mut out = String::with_capacity(s.len() + 8);
    out.push_str("$'");
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            c if is_hidden(c) => {
                for b in c.encode_utf8(&mut [0; 4]).bytes() {
                    out.push_str(&format!("\\x{b:02x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// A Python string literal for any text, in double quotes: quotes and
/// backslashes are escaped, and every [`is_hidden`] character is written as
/// `\uXXXX` (`\UXXXXXXXX` above U+FFFF), so the result is one line of
/// visible text that Python reads back as the same string.
pub fn python_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if is_hidden(c) && (c as u32) <= 0xFFFF => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c if is_hidden(c) => out.push_str(&format!("\\U{:08x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
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
        assert_eq!(markdown("see WWW.x.org.", false), "see `WWW.x.org`.");
        assert_eq!(markdown("https://e.com a:b", false), "`https://e.com` a:b");
        assert_eq!(
            markdown(
                "by (login.paypal-secure.example), 192.0.2.1 or e.g. 1.5",
                false
            ),
            "by (`login.paypal-secure.example`), `192.0.2.1` or `e.g`. `1.5`"
        );
        assert_eq!(markdown("example.com's key", false), "`example.com`'s key");
        assert_eq!(markdown("see x:// or ftp:", false), r"see `x://` or ftp:");
        assert_eq!(markdown("a\nb $x$", false), r"a\\u\{a\}b \$x\$");
    }

    #[test]
    fn markdown_code_spans_fence_backticks_and_pipes() {
        assert_eq!(markdown_code("a`b", false), "``a`b``");
        assert_eq!(markdown_code("`a", false), "`` `a ``");
        assert_eq!(markdown_code("a|b", true), "`a\\|b`");
        assert_eq!(markdown("x <a@b.c>", false), r"x \<`a@b.c`\>");
        assert_eq!(markdown("a|b@c", true), r"`a\|b@c`");
        assert_eq!(markdown_code("", false), "`  `");
    }

    #[test]
    fn shell_and_python_and_zone_quoting() {
        assert_eq!(shell("a.eml"), "a.eml");
        assert_eq!(shell("it's $x.eml"), "'it'\\''s $x.eml'");
        // the real name, not its display form: a line break and a bidi
        // override in ANSI-C quotes, one visible line
        assert_eq!(
            shell("fn2/it's\nx\u{202e}\\.eml"),
            r"$'fn2/it\'s\x0ax\xe2\x80\xae\\.eml'"
        );
        assert!(!shell("a\u{1b}[31m").chars().any(is_hidden));
        assert_eq!(python_str("a\"b\\\n"), "\"a\\\"b\\\\\\n\"");
        assert_eq!(
            python_str("x\u{7f}\u{9b}\u{200b}\u{e0041}\u{1b}é"),
            r#""x\u007f\u009b\u200b\U000e0041\u001bé""#
        );
        assert_eq!(zone_txt("v=1; p=\"x\""), "\"v=1; p=\\\"x\\\"\"");
        let long = "a".repeat(300);
        assert_eq!(
            zone_txt(&long),
            format!("\"{}\" \"{}\"", "a".repeat(255), "a".repeat(45))
        );
    }
}
