//! DNS master files ("zone files") as name servers and key tools write them,
//! following RFC 1035 §5.1 (and RFC 2308 §4 for `$TTL`).
//!
//! - An entry is `<owner> [<TTL>] [<class>] <type> <RDATA>` (TTL and class
//!   in either order); a line starting with a blank repeats the previous
//!   owner; `@` is the origin; a name without a final dot is relative to
//!   the origin.
//! - `( ... )` continues an entry over several lines (as `opendkim-genkey`
//!   writes key records); `;` starts a comment, outside quoted strings.
//! - Character-strings are quoted (`"..."`) or bare words, with the escapes
//!   `\X` and `\DDD` (decimal byte).
//! - `$ORIGIN <name>` and `$TTL <ttl>` are followed; `$INCLUDE` is refused
//!   (a key file must not make mailproof read other files).
//!
//! mailproof's own additions, which are comments to any other reader: whole
//! comment lines directly above an entry are handed back with it (they carry
//! a key's provenance), and `;!KIND name` lines are test pragmas.
//!
//! Differences from a name server, for key files written by hand: when no
//! origin is known, a relative name that already holds `._domainkey.` is
//! taken as written, and `<selector>._domainkey` takes its domain from
//! `opendkim-genkey`'s trailing comment `; ----- DKIM key <selector> for <domain>`.
//! This module is a leaf: it knows nothing of keys.

/// One resource record of a zone file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    /// 1-based line where the entry starts.
    pub(crate) line: usize,
    /// Absolute owner name, lower-case, without the final dot.
    pub(crate) owner: String,
    /// TTL in seconds: the entry's own, else the `$TTL` in force.
    pub(crate) ttl: Option<u32>,
    /// Class mnemonic (upper-case), when written.
    pub(crate) class: Option<String>,
    /// Type mnemonic, upper-case (`TXT`, `MX`, `TYPE16`, ...).
    pub(crate) rtype: String,
    /// The RDATA fields, escapes resolved; for TXT, the character-strings.
    pub(crate) rdata: Vec<Vec<u8>>,
    /// Whole comment lines directly above the entry (after `;`, trimmed).
    pub(crate) comments: Vec<String>,
}

/// What a zone file holds, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Item {
    /// A resource record.
    Entry(Entry),
    /// A `;!KIND name` test pragma.
    Pragma {
        /// 1-based line.
        line: usize,
        /// The word after `;!`.
        kind: String,
        /// The name, lower-case, without the final dot.
        name: String,
    },
}

/// A syntax error, with the 1-based line it was found on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ZoneError {
    /// 1-based line.
    pub(crate) line: usize,
    /// What is wrong.
    pub(crate) message: String,
}

fn fail<T>(line: usize, message: impl Into<String>) -> Result<T, ZoneError> {
    Err(ZoneError {
        line,
        message: message.into(),
    })
}

/// One token of an entry.
#[derive(Debug)]
struct Token {
    bytes: Vec<u8>,
    quoted: bool,
    line: usize,
}

impl Token {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
}

/// Parses a zone file. `origin` is the origin before any `$ORIGIN` (a domain,
/// with or without the final dot).
///
/// Errors: the first syntax error, with its line.
pub(crate) fn parse(text: &str, origin: Option<&str>) -> Result<Vec<Item>, ZoneError> {
    let lines: Vec<&str> = text.lines().collect();
    let mut items = Vec::new();
    let mut comments: Vec<String> = Vec::new();
    let mut origin: Option<String> = origin.map(|o| normalize(o.as_bytes()));
    let mut default_ttl: Option<u32> = None;
    let mut last_owner: Option<String> = None;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let lineno = i + 1;
        let t = line.trim();
        if t.is_empty() {
            comments.clear();
            i += 1;
            continue;
        }
        if let Some(p) = t.strip_prefix(";!") {
            let (kind, name) = p.split_once(char::is_whitespace).unwrap_or((p, ""));
            items.push(Item::Pragma {
                line: lineno,
                kind: kind.to_string(),
                name: normalize(name.trim().as_bytes()),
            });
            i += 1;
            continue;
        }
        if let Some(c) = t.strip_prefix(';') {
            comments.push(c.trim().to_string());
            i += 1;
            continue;
        }
        let blank_owner = line.starts_with([' ', '\t']);
        let mut tokens = Vec::new();
        let mut trailing = Vec::new();
        let mut depth = 0usize;
        loop {
            tokenize(lines[i], i + 1, &mut tokens, &mut depth, &mut trailing)?;
            i += 1;
            if depth == 0 {
                break;
            }
            if i == lines.len() {
                return fail(
                    lineno,
                    "'(' is never closed: the entry starting here runs to the end of the file",
                );
            }
        }
        if tokens.is_empty() {
            // only parentheses and comments
            continue;
        }
        let first = &tokens[0];
        if !blank_owner && !first.quoted && first.bytes.starts_with(b"$") {
            comments.clear();
            let arg = tokens.get(1);
            match first.text().to_ascii_uppercase().as_str() {
                "$ORIGIN" => {
                    let Some(a) = arg else {
                        return fail(lineno, "$ORIGIN needs a domain name");
                    };
                    origin = Some(resolve(a, origin.as_deref(), &[])?);
                }
                "$TTL" => {
                    let Some(a) = arg else {
                        return fail(lineno, "$TTL needs a time to live");
                    };
                    default_ttl = Some(parse_ttl(&a.text()).ok_or_else(|| ZoneError {
                        line: lineno,
                        message: format!("$TTL {:?} is not a time to live", a.text()),
                    })?);
                }
                "$INCLUDE" => {
                    return fail(
                        lineno,
                        "$INCLUDE is not followed (a key file may not make mailproof read other files): import the included file separately",
                    );
                }
                other => return fail(lineno, format!("unknown directive {other}")),
            }
            continue;
        }
        let mut rest = tokens.iter();
        // The owner is resolved after the type is found, so that a line
        // that is no record at all is reported as such.
        let owner_token = if blank_owner { None } else { rest.next() };
        let mut ttl = None;
        let mut class = None;
        let rtype = loop {
            let Some(tok) = rest.next() else {
                return fail(lineno, "the entry has no record type");
            };
            let w = tok.text();
            if tok.quoted {
                return fail(
                    tok.line,
                    format!("expected a TTL, class or record type, found the string {w:?}"),
                );
            }
            if ttl.is_none()
                && let Some(v) = parse_ttl(&w)
            {
                ttl = Some(v);
                continue;
            }
            let up = w.to_ascii_uppercase();
            if class.is_none() && CLASSES.contains(&up.as_str()) {
                class = Some(up);
                continue;
            }
            if is_type(&up) {
                break up;
            }
            return fail(
                tok.line,
                format!("expected a TTL, class or record type, found {w:?}"),
            );
        };
        let owner = match owner_token {
            Some(tok) => resolve(tok, origin.as_deref(), &trailing)?,
            None => match &last_owner {
                Some(o) => o.clone(),
                None => {
                    return fail(
                        lineno,
                        "the entry starts with a blank (meaning: the owner name of the entry above), but no entry is above it",
                    );
                }
            },
        };
        let rdata: Vec<Vec<u8>> = rest.map(|t| t.bytes.clone()).collect();
        if rtype == "TXT" && rdata.is_empty() {
            return fail(lineno, "TXT record has no text");
        }
        last_owner = Some(owner.clone());
        items.push(Item::Entry(Entry {
            line: lineno,
            owner,
            ttl: ttl.or(default_ttl),
            class,
            rtype,
            rdata,
            comments: std::mem::take(&mut comments),
        }));
    }
    Ok(items)
}

const CLASSES: [&str; 4] = ["IN", "CH", "HS", "CS"];

/// Resource record types a zone file may hold (RFC 1035 and later); any
/// other type is written `TYPEnnn` (RFC 3597).
const TYPES: [&str; 40] = [
    "A",
    "NS",
    "MD",
    "MF",
    "CNAME",
    "SOA",
    "MB",
    "MG",
    "MR",
    "NULL",
    "WKS",
    "PTR",
    "HINFO",
    "MINFO",
    "MX",
    "TXT",
    "RP",
    "AFSDB",
    "SIG",
    "KEY",
    "AAAA",
    "LOC",
    "SRV",
    "NAPTR",
    "KX",
    "CERT",
    "DNAME",
    "OPT",
    "DS",
    "SSHFP",
    "RRSIG",
    "NSEC",
    "DNSKEY",
    "NSEC3",
    "NSEC3PARAM",
    "TLSA",
    "SMIMEA",
    "SVCB",
    "HTTPS",
    "CAA",
];

fn is_type(up: &str) -> bool {
    TYPES.contains(&up)
        || [
            "SPF",
            "URI",
            "ZONEMD",
            "CDS",
            "CDNSKEY",
            "OPENPGPKEY",
            "CSYNC",
        ]
        .contains(&up)
        || up
            .strip_prefix("TYPE")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// A TTL: decimal seconds, or BIND's units (`1h30m`, `2d`, `1w`).
fn parse_ttl(w: &str) -> Option<u32> {
    if w.is_empty() || !w.as_bytes()[0].is_ascii_digit() {
        return None;
    }
    if w.bytes().all(|b| b.is_ascii_digit()) {
        return w.parse().ok();
    }
    let mut total: u64 = 0;
    let mut num: Option<u64> = None;
    for c in w.chars() {
        if let Some(d) = c.to_digit(10) {
            num = Some(
                num.unwrap_or(0)
                    .checked_mul(10)?
                    .checked_add(u64::from(d))?,
            );
            continue;
        }
        let unit = match c.to_ascii_lowercase() {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return None,
        };
        total = total.checked_add(num.take()?.checked_mul(unit)?)?;
    }
    if num.is_some() {
        return None; // digits after the last unit
    }
    u32::try_from(total).ok()
}

/// Lower-case, without the final dot.
fn normalize(name: &[u8]) -> String {
    String::from_utf8_lossy(name)
        .trim_end_matches('.')
        .to_ascii_lowercase()
}

/// The absolute form of an owner name token.
fn resolve(tok: &Token, origin: Option<&str>, trailing: &[String]) -> Result<String, ZoneError> {
    let name = tok.text();
    if name == "@" {
        return match origin {
            Some(o) => Ok(o.to_string()),
            None => fail(tok.line, "'@' stands for the origin, but no $ORIGIN is set"),
        };
    }
    if name.ends_with('.') {
        return Ok(normalize(name.as_bytes()));
    }
    let lower = name.to_ascii_lowercase();
    match origin {
        Some("") => Ok(lower),
        Some(o) => Ok(format!("{lower}.{o}")),
        None if lower.contains("._domainkey.") => Ok(lower),
        None => {
            if let Some(domain) = opendkim_domain(&lower, trailing) {
                return Ok(format!("{lower}.{domain}"));
            }
            fail(
                tok.line,
                format!(
                    "{name:?} is a relative name and no origin is known: add \"$ORIGIN <domain>.\" above it (or give --domain)"
                ),
            )
        }
    }
}

/// The domain of `opendkim-genkey`'s trailing comment
/// `----- DKIM key <selector> for <domain>` when it names this selector.
fn opendkim_domain(owner: &str, trailing: &[String]) -> Option<String> {
    let selector = owner.strip_suffix("._domainkey")?;
    trailing.iter().find_map(|c| {
        let rest = c.trim_start_matches(['-', ' ']).strip_prefix("DKIM key ")?;
        let (sel, domain) = rest.split_once(" for ")?;
        let domain = domain.split_whitespace().next()?;
        (sel.eq_ignore_ascii_case(selector) && domain.contains('.'))
            .then(|| normalize(domain.as_bytes()))
    })
}

/// Adds the tokens of one physical line; tracks parentheses across lines.
fn tokenize(
    line: &str,
    lineno: usize,
    tokens: &mut Vec<Token>,
    depth: &mut usize,
    trailing: &mut Vec<String>,
) -> Result<(), ZoneError> {
    let b = line.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b' ' | b'\t' | b'\r' => i += 1,
            b'(' => {
                *depth += 1;
                i += 1;
            }
            b')' => {
                if *depth == 0 {
                    return fail(lineno, "')' without an opening '('");
                }
                *depth -= 1;
                i += 1;
            }
            b';' => {
                trailing.push(line[i + 1..].trim().to_string());
                break;
            }
            b'"' => {
                i += 1;
                let mut out = Vec::new();
                loop {
                    match b.get(i) {
                        None => return fail(lineno, "unterminated quoted string"),
                        Some(b'"') => {
                            i += 1;
                            break;
                        }
                        Some(b'\\') => i = escape(b, i, lineno, &mut out)?,
                        Some(&c) => {
                            out.push(c);
                            i += 1;
                        }
                    }
                }
                tokens.push(Token {
                    bytes: out,
                    quoted: true,
                    line: lineno,
                });
            }
            _ => {
                let mut out = Vec::new();
                while i < b.len()
                    && !matches!(b[i], b' ' | b'\t' | b'\r' | b'(' | b')' | b';' | b'"')
                {
                    if b[i] == b'\\' {
                        i = escape(b, i, lineno, &mut out)?;
                    } else {
                        out.push(b[i]);
                        i += 1;
                    }
                }
                tokens.push(Token {
                    bytes: out,
                    quoted: false,
                    line: lineno,
                });
            }
        }
    }
    Ok(())
}

/// Decodes the escape at `b[i] == '\\'` into `out`; returns the index after it.
fn escape(b: &[u8], i: usize, lineno: usize, out: &mut Vec<u8>) -> Result<usize, ZoneError> {
    let d = &b[i + 1..(i + 4).min(b.len())];
    if d.len() == 3 && d.iter().all(u8::is_ascii_digit) {
        let v = d.iter().fold(0u32, |a, c| a * 10 + u32::from(c - b'0'));
        let byte = u8::try_from(v).map_err(|_| ZoneError {
            line: lineno,
            message: format!("bad escape \\{v:03}: a byte is at most \\255"),
        })?;
        out.push(byte);
        return Ok(i + 4);
    }
    match b.get(i + 1) {
        Some(c) if c.is_ascii_digit() => fail(
            lineno,
            "bad escape: a backslash followed by a digit needs three digits (\\DDD)",
        ),
        Some(&c) => {
            out.push(c);
            Ok(i + 2)
        }
        None => fail(lineno, "a backslash ends the line"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(text: &str, origin: Option<&str>) -> Vec<Entry> {
        parse(text, origin)
            .unwrap()
            .into_iter()
            .filter_map(|i| match i {
                Item::Entry(e) => Some(e),
                Item::Pragma { .. } => None,
            })
            .collect()
    }

    fn txt(e: &Entry) -> String {
        String::from_utf8(e.rdata.concat()).unwrap()
    }

    fn err(text: &str) -> ZoneError {
        parse(text, None).unwrap_err()
    }

    #[test]
    fn opendkim_genkey_output_with_parentheses_and_its_comment() {
        let z = "mail._domainkey\tIN\tTXT\t( \"v=DKIM1; h=sha256; k=rsa; \"\n\
                 \t  \"p=MIIBIjANBgkqh\"\n\
                 \t  \"kiG9w0BAQEF\" )  ; ----- DKIM key mail for example.com\n";
        let e = entries(z, None);
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].owner, "mail._domainkey.example.com");
        assert_eq!(e[0].line, 1);
        assert_eq!(e[0].class.as_deref(), Some("IN"));
        assert_eq!(e[0].rtype, "TXT");
        assert_eq!(
            txt(&e[0]),
            "v=DKIM1; h=sha256; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEF"
        );
        // the comment must name this selector
        let other = z.replace("key mail for", "key other for");
        let e = parse(&other, None).unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.message.contains("relative name"), "{}", e.message);
    }

    #[test]
    fn origin_ttl_relative_names_at_and_blank_owner() {
        let z = "$ORIGIN example.com.\n\
                 $TTL 1h\n\
                 @ 300 IN TXT \"v=spf1 -all\"\n\
                 s1._domainkey IN 600 TXT \"p=A\" \"B\"\n\
                 \x20   TXT \"p=C\"\n\
                 $ORIGIN sub\n\
                 s2._domainkey TXT p=D ; bare word\n\
                 s3._domainkey.other.org. TXT \"p=E\"\n";
        let e = entries(z, None);
        let got: Vec<(&str, Option<u32>, String)> = e
            .iter()
            .map(|e| (e.owner.as_str(), e.ttl, txt(e)))
            .collect();
        assert_eq!(
            got,
            [
                ("example.com", Some(300), "v=spf1 -all".to_string()),
                ("s1._domainkey.example.com", Some(600), "p=AB".into()),
                ("s1._domainkey.example.com", Some(3600), "p=C".into()),
                ("s2._domainkey.sub.example.com", Some(3600), "p=D".into()),
                ("s3._domainkey.other.org", Some(3600), "p=E".into()),
            ]
        );
    }

    #[test]
    fn given_origin_and_names_without_origin() {
        let e = entries("s._domainkey TXT \"p=\"", Some("Example.ORG."));
        assert_eq!(e[0].owner, "s._domainkey.example.org");
        // a name that already holds its domain, written without the final dot
        let e = entries("s._domainkey.example.net TXT \"p=\"", None);
        assert_eq!(e[0].owner, "s._domainkey.example.net");
        let e = err("s._domainkey TXT \"p=\"");
        assert_eq!(e.line, 1);
        assert!(e.message.contains("$ORIGIN"), "{}", e.message);
        let e = err("\n@ TXT \"p=\"");
        assert_eq!(
            (e.line, e.message.as_str()),
            (2, "'@' stands for the origin, but no $ORIGIN is set")
        );
    }

    #[test]
    fn comments_above_belong_to_the_next_entry_only() {
        let z = "; source: a\n; note: b\ns._domainkey.x. TXT \"p=\" ; trailing\n\n; loose\n\nt._domainkey.x. TXT \"p=\"\n";
        let e = entries(z, None);
        assert_eq!(e[0].comments, ["source: a", "note: b"]);
        assert!(e[1].comments.is_empty());
    }

    #[test]
    fn quoted_strings_keep_parentheses_semicolons_and_escapes() {
        let e = entries(
            r#"s._domainkey.x. TXT "a (b) ; c" "\"q\" \\ \065\066" d\;e"#,
            None,
        );
        assert_eq!(
            e[0].rdata,
            [
                b"a (b) ; c".to_vec(),
                b"\"q\" \\ AB".to_vec(),
                b"d;e".to_vec()
            ]
        );
    }

    #[test]
    fn pragmas_and_other_types() {
        let items = parse(";!TIMEOUT s._domainkey.x.\nx. 300 IN MX 10 mail.x.\n", None).unwrap();
        assert_eq!(
            items[0],
            Item::Pragma {
                line: 1,
                kind: "TIMEOUT".into(),
                name: "s._domainkey.x".into()
            }
        );
        let Item::Entry(mx) = &items[1] else { panic!() };
        assert_eq!((mx.rtype.as_str(), mx.rdata.len()), ("MX", 2));
    }

    #[test]
    fn ttl_forms() {
        assert_eq!(parse_ttl("3600"), Some(3600));
        assert_eq!(parse_ttl("1h30m"), Some(5400));
        assert_eq!(parse_ttl("1W"), Some(604_800));
        assert_eq!(parse_ttl("1h3"), None);
        assert_eq!(parse_ttl("h"), None);
        assert_eq!(parse_ttl("99999999999"), None);
    }

    #[test]
    fn errors_name_the_line() {
        let cases: [(&str, usize, &str); 9] = [
            ("s._domainkey.x. TXT ( \"p=\"\n\n", 1, "'(' is never closed"),
            ("s._domainkey.x. TXT \"p=\" )", 1, "')' without"),
            (
                "; c\ns._domainkey.x. TXT \"open",
                2,
                "unterminated quoted string",
            ),
            ("broken line here", 1, "found \"line\""),
            ("s._domainkey.x. 300 IN", 1, "has no record type"),
            ("s._domainkey.x. TXT", 1, "TXT record has no text"),
            ("$INCLUDE other.zone", 1, "$INCLUDE is not followed"),
            ("$TTL soon", 1, "$TTL \"soon\" is not a time to live"),
            ("\n\ns._domainkey.x. TXT \"\\300\"", 3, "at most \\255"),
        ];
        for (text, line, what) in cases {
            let e = err(text);
            assert_eq!(e.line, line, "{text:?}: {}", e.message);
            assert!(e.message.contains(what), "{text:?}: {}", e.message);
        }
        let e = err("  TXT \"p=\"");
        assert!(e.message.contains("no entry is above it"), "{}", e.message);
    }
}
