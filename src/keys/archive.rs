//! The offline key archive and the file formats it reads.
//!
//! Formats are detected by content:
//! - zone lines: `<selector>._domainkey.<domain>. [TTL] [IN] TXT "<s1>" ["<s2>" ...]`,
//!   `;` comments (comment lines directly above a record are kept as its
//!   provenance notes) and the test pragmas `;!NXDOMAIN name.`,
//!   `;!TIMEOUT name.`, `;!SERVFAIL name.`;
//! - a JSON array as served by the public key archive API:
//!   `[{domain, selector, firstSeenAt, lastSeenAt, value}]`;
//! - mailproof's archive format: one JSON object per line ([`ArchiveRecord`]),
//!   plain text that diffs and merges one key per line.

use super::{ArchivedKey, KeySource, Lookup, Provenance, record_name};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// One record of mailproof's archive format (one JSON object per line).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ArchiveRecord {
    /// Signing domain.
    pub domain: String,
    /// Selector.
    pub selector: String,
    /// The full TXT record text.
    pub record: String,
    /// SHA-256 of the DER SubjectPublicKeyInfo (checked on load).
    #[serde(default)]
    pub sha256: Option<String>,
    /// `rsa` or `ed25519`.
    #[serde(default)]
    pub key_type: Option<String>,
    /// Key size in bits.
    #[serde(default)]
    pub bits: Option<usize>,
    /// Earliest dated evidence.
    #[serde(default)]
    pub first_seen: Option<String>,
    /// Latest dated evidence.
    #[serde(default)]
    pub last_seen: Option<String>,
    /// Evidence, one entry per place the key was published or observed.
    #[serde(default)]
    pub sources: Vec<Origin>,
    /// DNSSEC status when captured live, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dnssec: Option<String>,
    /// Free notes.
    #[serde(default)]
    pub notes: Option<String>,
    /// Why the private key is known to be public, when it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compromised: Option<String>,
}

/// One piece of evidence for a key.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Origin {
    /// Where: a repository file, a URL, "live DNS via 1.1.1.1", ...
    pub origin: String,
    /// When that evidence dates from, if known.
    #[serde(default)]
    pub seen: Option<String>,
}

/// A key file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// I/O.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Syntax, with the line when known.
    #[error("{path}{}: {message}", line.map(|l| format!(" line {l}")).unwrap_or_default())]
    Syntax {
        /// The file.
        path: String,
        /// 1-based line, if the error has one.
        line: Option<usize>,
        /// What is wrong.
        message: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pragma {
    NxDomain,
    Timeout,
    ServFail,
}

/// An in-memory set of archived keys, looked up by selector and domain.
#[derive(Debug, Default, Clone)]
pub struct KeyArchive {
    name: String,
    keys: HashMap<String, Vec<Arc<ArchivedKey>>>,
    pragmas: HashMap<String, Pragma>,
}

impl KeyArchive {
    /// An empty archive with a display name.
    pub fn new(name: impl Into<String>) -> Self {
        KeyArchive {
            name: name.into(),
            ..Default::default()
        }
    }

    /// Adds a key. A key whose fingerprint is already held for the same
    /// selector is merged: the seen window widens and the evidence is kept.
    pub fn insert(&mut self, key: ArchivedKey) {
        let list = self
            .keys
            .entry(record_name(&key.domain, &key.selector))
            .or_default();
        if let Some(fp) = key.sha256()
            && let Some(existing) = list.iter_mut().find(|k| k.sha256() == Some(fp))
        {
            let e = Arc::make_mut(existing);
            merge_provenance(&mut e.provenance, &key.provenance);
            return;
        }
        list.push(Arc::new(key));
    }

    /// Every key, sorted by record name.
    pub fn keys(&self) -> Vec<&Arc<ArchivedKey>> {
        let mut names: Vec<&String> = self.keys.keys().collect();
        names.sort();
        names
            .into_iter()
            .flat_map(|n| self.keys[n].iter())
            .collect()
    }

    /// Number of keys held.
    pub fn len(&self) -> usize {
        self.keys.values().map(Vec::len).sum()
    }

    /// Whether the archive holds no key.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Loads a key file, detecting its format by content.
    pub fn load_file(path: &Path) -> Result<Self, LoadError> {
        let display = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| LoadError::Io {
            path: display.clone(),
            source,
        })?;
        Self::load_str(&display, &text)
    }

    /// Parses key file text; `path` names it in provenance and errors.
    pub fn load_str(path: &str, text: &str) -> Result<Self, LoadError> {
        let mut archive = KeyArchive::new(format!("file {path}"));
        match text.trim_start().as_bytes().first() {
            Some(b'[') => archive.load_api_json(path, text)?,
            Some(b'{') => archive.load_jsonl(path, &format!("file {path}"), text)?,
            _ => archive.load_zone(path, text)?,
        }
        Ok(archive)
    }

    fn load_zone(&mut self, path: &str, text: &str) -> Result<(), LoadError> {
        let mut notes: Vec<String> = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let lineno = i + 1;
            let err = |message: String| LoadError::Syntax {
                path: path.into(),
                line: Some(lineno),
                message,
            };
            let t = line.trim();
            if t.is_empty() {
                notes.clear();
                continue;
            }
            if let Some(p) = t.strip_prefix(";!") {
                let (kind, name) = p.split_once(char::is_whitespace).unwrap_or((p, ""));
                let pragma = match kind {
                    "NXDOMAIN" => Pragma::NxDomain,
                    "TIMEOUT" => Pragma::Timeout,
                    "SERVFAIL" => Pragma::ServFail,
                    other => return Err(err(format!("unknown pragma ;!{other}"))),
                };
                let name = name.trim().trim_end_matches('.').to_ascii_lowercase();
                self.pragmas.insert(name, pragma);
                continue;
            }
            if let Some(c) = t.strip_prefix(';') {
                notes.push(c.trim().to_string());
                continue;
            }
            let (name, record) = parse_zone_line(t).map_err(err)?;
            let Some((selector, domain)) = name.split_once("._domainkey.") else {
                return Err(err(format!(
                    "{name:?} is not a <selector>._domainkey.<domain> name"
                )));
            };
            let provenance = Provenance {
                source: format!("file {path} line {lineno}"),
                notes: (!notes.is_empty()).then(|| notes.join(" ")),
                ..Default::default()
            };
            notes.clear();
            self.insert(ArchivedKey::new(domain, selector, &record, provenance));
        }
        Ok(())
    }

    fn load_api_json(&mut self, path: &str, text: &str) -> Result<(), LoadError> {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct ApiKey {
            domain: String,
            selector: String,
            first_seen_at: Option<String>,
            last_seen_at: Option<String>,
            value: String,
        }
        let keys: Vec<ApiKey> = serde_json::from_str(text).map_err(|e| LoadError::Syntax {
            path: path.into(),
            line: Some(e.line()),
            message: format!("not a key-archive API JSON list: {e}"),
        })?;
        for k in keys {
            let provenance = Provenance {
                source: format!("file {path} (key archive API JSON)"),
                first_seen: k.first_seen_at.clone(),
                last_seen: k.last_seen_at.clone(),
                ..Default::default()
            };
            self.insert(ArchivedKey::new(
                &k.domain,
                &k.selector,
                &k.value,
                provenance,
            ));
        }
        Ok(())
    }

    fn load_jsonl(&mut self, path: &str, source: &str, text: &str) -> Result<(), LoadError> {
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let err = |message: String| LoadError::Syntax {
                path: path.into(),
                line: Some(i + 1),
                message,
            };
            let r: ArchiveRecord = serde_json::from_str(line)
                .map_err(|e| err(format!("not an archive record: {e}")))?;
            let provenance = Provenance {
                source: source.to_string(),
                first_seen: r.first_seen.clone(),
                last_seen: r.last_seen.clone(),
                origins: r.sources.clone(),
                notes: r.notes.clone(),
                compromised: r.compromised.clone(),
            };
            let key = ArchivedKey::new(&r.domain, &r.selector, &r.record, provenance);
            if let (Some(want), Some(got)) = (&r.sha256, key.sha256())
                && !want.eq_ignore_ascii_case(got)
            {
                return Err(err(format!(
                    "sha256 {want} does not match the key in the record ({got})"
                )));
            }
            self.insert(key);
        }
        Ok(())
    }
}

impl KeySource for KeyArchive {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn lookup(&self, domain: &str, selector: &str) -> Lookup {
        let name = record_name(domain, selector);
        if let Some(keys) = self.keys.get(&name) {
            return Lookup::Found(keys.clone());
        }
        match self.pragmas.get(&name) {
            Some(Pragma::Timeout) => Lookup::TempFail(format!("{name}: DNS timeout")),
            Some(Pragma::ServFail) => Lookup::TempFail(format!("{name}: DNS SERVFAIL")),
            _ => Lookup::NotFound,
        }
    }
}

/// Widens `into`'s seen window with `from`'s and keeps all evidence.
fn merge_provenance(into: &mut Provenance, from: &Provenance) {
    let pick = |a: &Option<String>, b: &Option<String>, earlier: bool| match (a, b) {
        (Some(x), Some(y)) => {
            let (xs, ys) = (crate::util::parse_date(x), crate::util::parse_date(y));
            Some(if (xs <= ys) == earlier {
                x.clone()
            } else {
                y.clone()
            })
        }
        (x, y) => x.clone().or_else(|| y.clone()),
    };
    into.first_seen = pick(&into.first_seen, &from.first_seen, true);
    into.last_seen = pick(&into.last_seen, &from.last_seen, false);
    if into.source != from.source {
        into.origins.push(Origin {
            origin: from.source.clone(),
            seen: None,
        });
    }
    for o in &from.origins {
        if !into.origins.contains(o) {
            into.origins.push(o.clone());
        }
    }
    if into.compromised.is_none() {
        into.compromised = from.compromised.clone();
    }
}

/// Splits a zone line into its owner name and concatenated TXT text.
fn parse_zone_line(line: &str) -> Result<(String, String), String> {
    let (name, rest) = line
        .split_once(char::is_whitespace)
        .ok_or_else(|| "expected '<name> TXT \"<record>\"'".to_string())?;
    let mut rest = rest.trim_start();
    // optional TTL and class before the type
    loop {
        let (word, tail) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        if word.eq_ignore_ascii_case("TXT") {
            rest = tail.trim_start();
            break;
        }
        if word.eq_ignore_ascii_case("IN")
            || word.bytes().all(|b| b.is_ascii_digit()) && !word.is_empty()
        {
            rest = tail.trim_start();
            continue;
        }
        return Err(format!("expected a TXT record, found {word:?}"));
    }
    let mut out = Vec::new();
    let bytes = rest.as_bytes();
    let mut i = 0;
    let mut strings = 0;
    while i < bytes.len() {
        match bytes[i] {
            b' ' | b'\t' | b'(' | b')' => i += 1,
            b';' => break,
            b'"' => {
                i += 1;
                strings += 1;
                loop {
                    match bytes.get(i) {
                        None => return Err("unterminated quoted string".into()),
                        Some(b'"') => {
                            i += 1;
                            break;
                        }
                        Some(b'\\') => {
                            let d = &bytes[i + 1..(i + 4).min(bytes.len())];
                            if d.len() == 3 && d.iter().all(u8::is_ascii_digit) {
                                let v: u32 = std::str::from_utf8(d).unwrap().parse().unwrap();
                                out.push(u8::try_from(v).map_err(|_| "bad \\DDD escape")?);
                                i += 4;
                            } else if let Some(c) = bytes.get(i + 1) {
                                out.push(*c);
                                i += 2;
                            } else {
                                return Err("dangling backslash".into());
                            }
                        }
                        Some(c) => {
                            out.push(*c);
                            i += 1;
                        }
                    }
                }
            }
            _ => {
                // unquoted single string
                let start = i;
                while i < bytes.len() && !matches!(bytes[i], b' ' | b'\t' | b';') {
                    i += 1;
                }
                out.extend_from_slice(&bytes[start..i]);
                strings += 1;
            }
        }
    }
    if strings == 0 {
        return Err("TXT record has no text".into());
    }
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    Ok((name, String::from_utf8_lossy(&out).into_owned()))
}

const BUILTIN: &str = include_str!("../../archive/builtin.jsonl");

/// The built-in archive of well-known historical keys, compiled into the
/// binary (`archive/builtin.jsonl`), each with its published provenance.
pub fn builtin() -> KeyArchive {
    let mut a = KeyArchive::new("built-in archive");
    a.load_jsonl("archive/builtin.jsonl", "built-in archive", BUILTIN)
        .expect("the built-in archive is checked by tests");
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_lines_with_multiple_strings_and_escapes() {
        let (n, r) =
            parse_zone_line(r#"s._domainkey.example.com. 300 IN TXT "v=DKIM1; " "p=AB\"C" ; c"#)
                .unwrap();
        assert_eq!(n, "s._domainkey.example.com");
        assert_eq!(r, "v=DKIM1; p=AB\"C");
        assert!(parse_zone_line("x._domainkey.a. MX 10 b").is_err());
        assert!(parse_zone_line(r#"x._domainkey.a. TXT "open"#).is_err());
    }

    #[test]
    fn errors_name_file_and_line() {
        let e = KeyArchive::load_str("k.zone", "; ok\nbroken line here\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "k.zone line 2: expected a TXT record, found \"line\""
        );
        let e = KeyArchive::load_str("k.json", "[{\"domain\": 1}]").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("k.json line 1: not a key-archive API JSON list")
        );
    }

    #[test]
    fn builtin_archive_loads_with_fingerprints() {
        let a = builtin();
        assert!(a.len() >= 30);
        let Lookup::Found(k) = a.lookup("gmail.com", "20120113") else {
            panic!()
        };
        assert_eq!(k[0].provenance.source, "built-in archive");
        assert_eq!(
            k[0].parsed.as_ref().unwrap().key.as_ref().unwrap().bits,
            2048
        );
    }

    #[test]
    fn merging_widens_window_and_keeps_sources() {
        let rec = "p=MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAP8GA3mvMMWjkJ9CQTE5115ZuwHUwpKaK/34OjPx6sU4I8mK1fZaxFs+a6EjP6AIzRjY8BnUQqIdLBYjPG5GJW0CAwEAAQ==";
        let mut a = KeyArchive::new("t");
        let p = |s: &str, f: &str, l: &str| Provenance {
            source: s.into(),
            first_seen: Some(f.into()),
            last_seen: Some(l.into()),
            ..Default::default()
        };
        a.insert(ArchivedKey::new(
            "x.org",
            "s",
            rec,
            p("one", "2015-01-01", "2016-01-01"),
        ));
        a.insert(ArchivedKey::new(
            "x.org",
            "s",
            rec,
            p("two", "2014-01-01", "2015-06-01"),
        ));
        assert_eq!(a.len(), 1);
        let k = a.keys()[0];
        assert_eq!(k.provenance.first_seen.as_deref(), Some("2014-01-01"));
        assert_eq!(k.provenance.last_seen.as_deref(), Some("2016-01-01"));
        assert_eq!(k.provenance.origins[0].origin, "two");
    }
}
