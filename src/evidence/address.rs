//! Address fields as a reader should see them, and the authors alignment
//! is judged on.
//!
//! The address is the addr-spec (RFC 5322 3.4.1), never text around it: in
//! `"x <a@example.com>"@example.net` the quoted string is the local part and
//! the sender is at `example.net`; in `"a@example.com" <b@evil.example>`,
//! `(a@example.com) b@evil.example` or an encoded-word display name that
//! decodes to `a@example.com <a@example.com>`, the sender is
//! `b@evil.example`. mail-parser reads the first as a display name with an
//! empty local part, so mailbox lists are split here with the RFC 5322
//! tokens (quoted strings, comments, angle addresses, groups); encoded
//! words in display names are still decoded by mail-parser. For display,
//! a display name that holds an address-like character (`<>@,;:"()[]\`) is
//! shown quoted, so the real address is always the one in the final angle
//! brackets.

use crate::message::HeaderField;
use std::borrow::Cow;

/// One mailbox of an address field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mailbox {
    /// The display name (phrase or, without one, a comment), decoded.
    pub name: Option<String>,
    /// The addr-spec as written, quoted local part included (empty for
    /// `name <>`).
    pub address: String,
}

impl Mailbox {
    /// The domain of the addr-spec (after its last `@`), in lower-case
    /// A-label form (RFC 8616); `None` without an `@`.
    pub fn domain(&self) -> Option<String> {
        let (_, d) = self.address.rsplit_once('@')?;
        let d = d.trim();
        (!d.is_empty()).then(|| crate::idn::to_ascii_lossy(d))
    }

    /// The domain as written, for an error message.
    pub fn domain_as_written(&self) -> Option<&str> {
        self.address.rsplit_once('@').map(|(_, d)| d.trim())
    }

    /// `name <address>`, the name quoted when it holds specials.
    fn display(&self) -> String {
        let name = |n: &str| {
            if needs_quotes(n) {
                format!("\"{}\"", quote(n))
            } else {
                n.to_string()
            }
        };
        match &self.name {
            Some(n) if self.address.is_empty() => name(n),
            Some(n) => format!("{} <{}>", name(n), self.address),
            None => self.address.clone(),
        }
    }
}

/// Header names whose value is a mailbox list.
const ADDRESS_FIELDS: [&str; 7] = [
    "From",
    "Sender",
    "Reply-To",
    "To",
    "Cc",
    "Bcc",
    "Resent-From",
];
/// Header names whose value is unstructured text with encoded words.
const TEXT_FIELDS: [&str; 3] = ["Subject", "Comments", "Keywords"];

/// The value of `f` as a reader should see it: mailbox lists as
/// `name <address>` joined by `, `, encoded words decoded in text fields,
/// other fields unfolded as written (untrusted text; renderers escape it).
pub(crate) fn display_value(f: &HeaderField<'_>) -> String {
    let text = f.text();
    if ADDRESS_FIELDS.iter().any(|n| f.is(n)) {
        let boxes = mailboxes(&text);
        if !boxes.is_empty() {
            return boxes
                .iter()
                .map(Mailbox::display)
                .collect::<Vec<_>>()
                .join(", ");
        }
    } else if TEXT_FIELDS.iter().any(|n| f.is(n)) {
        return decode_words(&text);
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The mailboxes of an (unfolded) address field value, group members
/// included, in order (also those without an `@`, which have no
/// [`Mailbox::domain`]).
pub(crate) fn mailboxes(value: &str) -> Vec<Mailbox> {
    let mut out = Vec::new();
    let mut current: Vec<Token<'_>> = Vec::new();
    for t in tokens(value) {
        match t {
            Token::Special(',') | Token::Special(';') => {
                out.extend(mailbox(&std::mem::take(&mut current)));
            }
            // `group-name:` starts a group; its name is not an author
            Token::Special(':') if !current.contains(&Token::Special('<')) => current.clear(),
            t => current.push(t),
        }
    }
    out.extend(mailbox(&current));
    out
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token<'a> {
    /// A quoted string, unquoted (`\x` pairs resolved).
    Quoted(Cow<'a, str>),
    /// A comment's text, unwrapped.
    Comment(Cow<'a, str>),
    /// `< > , ; : @`
    Special(char),
    /// Any other run of non-space characters (atoms, dots, encoded words).
    Atom(&'a str),
    /// White space between tokens.
    Space,
}

/// The tokens of `s`. Quoted strings and comments borrow from `s` unless a
/// `\x` pair had to be resolved.
fn tokens(s: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut chars = s.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            '"' => {
                let start = at + 1;
                let (mut end, mut owned) = (s.len(), None::<String>);
                while let Some((i, c)) = chars.next() {
                    match c {
                        '\\' => {
                            let o = owned.get_or_insert_with(|| s[start..i].to_string());
                            o.extend(chars.next().map(|(_, n)| n));
                        }
                        '"' => {
                            end = i;
                            break;
                        }
                        c => owned.iter_mut().for_each(|o| o.push(c)),
                    }
                }
                out.push(Token::Quoted(
                    owned.map_or(Cow::Borrowed(&s[start..end]), Cow::Owned),
                ));
            }
            '(' => {
                let start = at + 1;
                let (mut end, mut owned) = (s.len(), None::<String>);
                let mut depth = 1usize;
                while let Some((i, c)) = chars.next() {
                    match c {
                        '\\' => {
                            let o = owned.get_or_insert_with(|| s[start..i].to_string());
                            o.extend(chars.next().map(|(_, n)| n));
                            continue;
                        }
                        '(' => depth += 1,
                        ')' => {
                            depth -= 1;
                            if depth == 0 {
                                end = i;
                                break;
                            }
                        }
                        _ => {}
                    }
                    owned.iter_mut().for_each(|o| o.push(c));
                }
                out.push(Token::Comment(
                    owned.map_or(Cow::Borrowed(&s[start..end]), Cow::Owned),
                ));
            }
            '<' | '>' | ',' | ';' | ':' | '@' => out.push(Token::Special(c)),
            c if c.is_whitespace() => {
                if out.last() != Some(&Token::Space) {
                    out.push(Token::Space);
                }
            }
            _ => {
                let mut end = s.len();
                while let Some(&(i, n)) = chars.peek() {
                    if n.is_whitespace() || "\"()<>,;:@".contains(n) {
                        end = i;
                        break;
                    }
                    chars.next();
                }
                out.push(Token::Atom(&s[at..end]));
            }
        }
    }
    out
}

/// One mailbox from its tokens: `phrase <addr-spec>` or a bare addr-spec.
fn mailbox(ts: &[Token<'_>]) -> Option<Mailbox> {
    let comment = ts.iter().find_map(|t| match t {
        Token::Comment(c) if !c.trim().is_empty() => Some(decode_words(c.trim())),
        _ => None,
    });
    if let Some(open) = ts.iter().position(|t| *t == Token::Special('<')) {
        let close = ts[open..]
            .iter()
            .position(|t| *t == Token::Special('>'))
            .map_or(ts.len(), |n| open + n);
        let inner = &ts[open + 1..close];
        // an obsolete route (`@a,@b:`) before the addr-spec is dropped
        let inner = match inner.iter().rposition(|t| *t == Token::Special(':')) {
            Some(colon) => &inner[colon + 1..],
            None => inner,
        };
        let address = addr_spec(inner);
        let name = phrase(&ts[..open]).or(comment);
        return (!address.is_empty() || name.is_some()).then_some(Mailbox { name, address });
    }
    let address = addr_spec(ts);
    (!address.is_empty()).then_some(Mailbox {
        name: comment,
        address,
    })
}

/// An addr-spec as written: quoted strings re-quoted, comments and white
/// space dropped (RFC 5322 3.4.1 allows CFWS between its parts).
fn addr_spec(ts: &[Token<'_>]) -> String {
    let mut s = String::new();
    for t in ts {
        match t {
            Token::Quoted(q) => {
                s.push('"');
                s.push_str(&quote(q));
                s.push('"');
            }
            Token::Atom(a) => s.push_str(a),
            Token::Special(c) => s.push(*c),
            Token::Comment(_) | Token::Space => {}
        }
    }
    s
}

/// A display name: its words joined by single spaces, encoded words
/// decoded; `None` when empty.
fn phrase(ts: &[Token<'_>]) -> Option<String> {
    let mut words = String::new();
    let mut first = true;
    for t in ts {
        let mut buf = [0; 4];
        let word: &str = match t {
            Token::Quoted(q) => q,
            Token::Atom(a) => a,
            Token::Special(c) => c.encode_utf8(&mut buf),
            Token::Comment(_) | Token::Space => continue,
        };
        if !first {
            words.push(' ');
        }
        first = false;
        words.push_str(word);
    }
    // decoded as a whole: adjacent encoded words join without a space
    let p = decode_words(&words);
    let p = p.trim();
    (!p.is_empty()).then(|| p.to_string())
}

/// `s` with its RFC 2047 encoded words decoded (by mail-parser).
fn decode_words(s: &str) -> String {
    if !s.contains("=?") {
        return s.to_string();
    }
    let field = format!("Subject: {s}\r\n\r\n");
    mail_parser::MessageParser::new()
        .parse_headers(field.as_bytes())
        .and_then(|m| m.subject().map(str::to_string))
        .unwrap_or_else(|| s.to_string())
}

/// Whether a display name must be quoted to be read as one name.
fn needs_quotes(name: &str) -> bool {
    name.contains(['<', '>', '@', ',', ';', ':', '"', '(', ')', '[', ']', '\\'])
}

/// `s` with `"` and `\` escaped for a quoted string.
fn quote(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// `invalid_domain_name`: a From author's or the Message-ID's domain that
/// is not a valid IDNA name (RFC 5891; a bad `xn--` label, a disallowed
/// character). Such a domain is compared as written, so it matches no
/// valid `d=`. Domain literals (`[192.0.2.1]`) are not names and pass.
/// `from`: the mailboxes of the top-most From field ([`mailboxes`]).
pub(crate) fn invalid_domain_findings(
    msg: &crate::message::RawMessage<'_>,
    from: &[Mailbox],
) -> Vec<crate::report::Finding> {
    let mut bad: Vec<(String, String)> = Vec::new();
    for m in from {
        let d = m.domain_as_written().filter(|d| !d.starts_with('['));
        if let Some(Err(e)) = d.map(crate::idn::to_ascii) {
            bad.push((format!("the From address {:?}", m.address), e.domain));
        }
    }
    if let Some(f) = msg.fields("Message-ID").next() {
        let id = f.text();
        let id = id.trim().trim_start_matches('<').trim_end_matches('>');
        let d = id
            .rsplit_once('@')
            .map(|(_, d)| d)
            .filter(|d| !d.starts_with('['));
        if let Some(Err(e)) = d.map(crate::idn::to_ascii) {
            bad.push(("the Message-ID".into(), e.domain));
        }
    }
    bad.into_iter()
        .map(|(what, domain)| {
            crate::report::Finding::new(
                "invalid_domain_name",
                crate::report::Severity::Warning,
                format!(
                    "{what} has the domain {domain:?}, which is not a valid domain name (a label fails IDNA conversion, RFC 5891): it was compared as written, so no signature's d= can match it"
                ),
                None,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(v: &str) -> (Option<String>, String, String) {
        let b = mailboxes(v);
        assert_eq!(b.len(), 1, "{v}: {b:?}");
        (b[0].name.clone(), b[0].address.clone(), b[0].display())
    }

    #[test]
    fn the_addr_spec_is_the_address() {
        let (n, a, d) = one("\"x <a@example.com>\"@example.net");
        assert_eq!((n, a.as_str()), (None, "\"x <a@example.com>\"@example.net"));
        assert_eq!(d, "\"x <a@example.com>\"@example.net");
        assert_eq!(
            mailboxes("\"x <a@example.com>\"@example.net")[0]
                .domain()
                .as_deref(),
            Some("example.net")
        );
        let (n, a, d) = one("\"a@example.com <a@example.com>\" <b@evil.example>");
        assert_eq!(n.as_deref(), Some("a@example.com <a@example.com>"));
        assert_eq!(a, "b@evil.example");
        assert_eq!(d, "\"a@example.com <a@example.com>\" <b@evil.example>");
        let (n, a, _) = one("(a@example.com) b@evil.example");
        assert_eq!(
            (n.as_deref(), a.as_str()),
            (Some("a@example.com"), "b@evil.example")
        );
        let (_, a, _) = one("Alice <\"quoted>@x\"@example.org>");
        assert_eq!(a, "\"quoted>@x\"@example.org");
        let (n, a, d) = one("Alice Example <alice@example.com>");
        assert_eq!(
            (n.as_deref(), a.as_str()),
            (Some("Alice Example"), "alice@example.com")
        );
        assert_eq!(d, "Alice Example <alice@example.com>");
    }

    /// Quoted strings and comments: `\x` pairs resolved, nested comments
    /// kept whole, an unclosed one running to the end; atoms stop at
    /// specials.
    #[test]
    fn tokens_resolve_pairs_and_nesting() {
        use Token::*;
        fn b(s: &str) -> Cow<'_, str> {
            Cow::Borrowed(s)
        }
        fn o(s: &str) -> Cow<'static, str> {
            Cow::Owned(s.to_string())
        }
        assert_eq!(
            tokens(r#""a\"b" (c (d) \) e)x@y.z"#),
            vec![
                Quoted(o("a\"b")),
                Space,
                Comment(o("c (d) ) e")),
                Atom("x"),
                Special('@'),
                Atom("y.z"),
            ]
        );
        assert_eq!(
            tokens(r#""plain" (note)<a>"#),
            vec![
                Quoted(b("plain")),
                Space,
                Comment(b("note")),
                Special('<'),
                Atom("a"),
                Special('>'),
            ]
        );
        assert_eq!(tokens(r#"(open "q"#), vec![Comment(b(r#"open "q"#))]);
        assert_eq!(tokens(r#""open \"q"#), vec![Quoted(o(r#"open "q"#))]);
        assert_eq!(tokens(")x>"), vec![Atom(")x"), Special('>')]);
        let boxes = mailboxes(r#""Doe, \"J\"" (work) <j@example.com>"#);
        assert_eq!(boxes[0].name.as_deref(), Some(r#"Doe, "J""#));
        assert_eq!(boxes[0].address, "j@example.com");
    }

    #[test]
    fn lists_groups_and_routes() {
        let b = mailboxes(
            "a@x.example, Team: b@y.example, \"C, D\" <c@z.example>; <@r.example:e@w.example>",
        );
        let addrs: Vec<&str> = b.iter().map(|m| m.address.as_str()).collect();
        assert_eq!(
            addrs,
            ["a@x.example", "b@y.example", "c@z.example", "e@w.example"]
        );
        assert!(mailboxes("undisclosed-recipients:;").is_empty());
        assert_eq!(mailboxes("bob")[0].domain(), None);
        assert_eq!(
            mailboxes("x@Bücher.Example")[0].domain().as_deref(),
            Some("xn--bcher-kva.example")
        );
    }

    #[test]
    fn encoded_word_names_are_decoded_and_quoted() {
        // =?utf-8?b?...?= of "a@example.com <a@example.com>"
        let (n, a, d) =
            one("=?utf-8?b?YUBleGFtcGxlLmNvbSA8YUBleGFtcGxlLmNvbT4=?= <b@evil.example>");
        assert_eq!(n.as_deref(), Some("a@example.com <a@example.com>"));
        assert_eq!(a, "b@evil.example");
        assert_eq!(d, "\"a@example.com <a@example.com>\" <b@evil.example>");
    }
}
