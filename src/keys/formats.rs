//! Every key-file format mailproof reads or writes, in one place.
//!
//! Reading ([`read`]) turns a file into a [`KeyFile`] (keys in file order,
//! each with the provenance the file gives it); writing turns archive
//! records ([`ArchiveRecord`]) into text. The store ([`super::archive`]) and
//! the commands ([`super::import`], [`super::export`]) build on this module;
//! it depends only on the key model ([`super::key`]).
//!
//! Formats read, detected by content ([`detect`]) unless the caller names one:
//! - zone lines: `<selector>._domainkey.<domain>. [TTL] [IN] TXT "<s1>" ["<s2>" ...]`,
//!   `;` comments (comment lines directly above a record are kept as its
//!   provenance: `; source: {json}`, `; first_seen: DATE`, `; last_seen: DATE`,
//!   `; dnssec: STATUS`, `; compromised: WHY`, any other comment as a note)
//!   and the test pragmas `;!NXDOMAIN name.`, `;!TIMEOUT name.`, `;!SERVFAIL name.`;
//! - a JSON array as served by the public key archive API:
//!   `[{domain, selector, firstSeenAt, lastSeenAt, value}]`;
//! - mailproof's archive format: one JSON object per line ([`ArchiveRecord`]),
//!   plain text that diffs and merges one key per line
//!   (documented in `docs/archive-format.md`);
//! - mailauth's `--dns-cache` JSON: `{"<name>": {"TXT": [["chunk", ...], ...]}}`;
//! - `dig` output (answer lines, with the server, date and AD flag of each reply);
//! - a PEM or DER public key, which needs the domain and selector it was published under.
//!
//! Formats written (all deterministic, in the order of the records given):
//! - zone lines, loadable by any DNS server (e.g. a BIND response-policy
//!   zone) or any verifier's test DNS, with the provenance in `;` comments
//!   that mailproof reads back ([`write_zone`]);
//! - mailauth's `--dns-cache` JSON (`mailauth report --dns-cache FILE`), with
//!   the provenance beside each name's `TXT` entry, which mailauth ignores
//!   ([`write_dns_cache`]);
//! - mailproof's archive format ([`write_jsonl`]).

use super::key::{ArchivedKey, Origin, Provenance};
use super::zone;
use crate::crypto::PublicKey;
use base64::Engine;
use std::collections::BTreeMap;
use std::fmt::Write;

/// One record of mailproof's archive format (one JSON object per line).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
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
    /// DNSSEC status of the latest live capture, if the key was seen live.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dnssec: Option<String>,
    /// Free notes.
    #[serde(default)]
    pub notes: Option<String>,
    /// Why the private key is known to be public, when it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compromised: Option<String>,
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

impl LoadError {
    pub(crate) fn syntax(path: &str, line: Option<usize>, message: impl Into<String>) -> Self {
        LoadError::Syntax {
            path: path.into(),
            line,
            message: message.into(),
        }
    }
}

/// A zone-file test pragma: what a test DNS answers for a name that has no
/// key (`;!NXDOMAIN name.`, `;!TIMEOUT name.`, `;!SERVFAIL name.`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pragma {
    NxDomain,
    Timeout,
    ServFail,
}

/// What one key file holds: its keys in file order (duplicates not yet
/// merged) and, for zone files, the test pragmas by record name.
#[derive(Debug, Default)]
pub(crate) struct KeyFile {
    /// The keys, each with the provenance the file gives it.
    pub(crate) keys: Vec<ArchivedKey>,
    /// `(record name, pragma)` in file order.
    pub(crate) pragmas: Vec<(String, Pragma)>,
}

/// The formats [`load_bytes`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `<selector>._domainkey.<domain>. TXT "..."` lines.
    Zone,
    /// `[{domain, selector, firstSeenAt, lastSeenAt, value}]`.
    ApiJson,
    /// mailproof's archive format, one JSON object per line.
    Archive,
    /// mailauth's `--dns-cache` JSON object.
    DnsCache,
    /// The output of `dig`.
    Dig,
    /// A PEM public key (`PUBLIC KEY` or `RSA PUBLIC KEY`).
    Pem,
    /// A DER public key (SubjectPublicKeyInfo or PKCS#1).
    Der,
}

impl Format {
    /// A short name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Format::Zone => "zone lines",
            Format::ApiJson => "key-archive API JSON",
            Format::Archive => "mailproof archive JSONL",
            Format::DnsCache => "mailauth dns-cache JSON",
            Format::Dig => "dig output",
            Format::Pem => "PEM public key",
            Format::Der => "DER public key",
        }
    }
}

/// What a file cannot say about itself.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// The format, when not detected by content.
    pub format: Option<Format>,
    /// Domain a PEM/DER key was published under; for a zone file, the
    /// origin of relative names until its first `$ORIGIN`.
    pub domain: Option<String>,
    /// Selector a PEM/DER key was published under.
    pub selector: Option<String>,
    /// Date of the evidence, for a PEM/DER key (YYYY-MM-DD or RFC 3339).
    pub seen: Option<String>,
}

/// Detects the format of a key file from its content.
pub fn detect(bytes: &[u8]) -> Format {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Format::Der;
    };
    let t = text.trim_start();
    if t.starts_with("-----BEGIN") {
        return Format::Pem;
    }
    if bytes.first() == Some(&0x30) {
        return Format::Der;
    }
    match t.as_bytes().first() {
        Some(b'[') => Format::ApiJson,
        Some(b'{') => match serde_json::from_str::<serde_json::Value>(t) {
            Ok(serde_json::Value::Object(m))
                if !m.contains_key("domain") && m.values().all(|v| v.is_object()) =>
            {
                Format::DnsCache
            }
            _ => Format::Archive,
        },
        _ if text.contains("<<>> DiG")
            || text.contains(";; ANSWER SECTION:")
            || text.contains(";; ->>HEADER<<-") =>
        {
            Format::Dig
        }
        _ => Format::Zone,
    }
}

/// Reads a key file in the format `opts` names or [`detect`] finds; `path`
/// names it in provenance and errors.
///
/// Errors: [`LoadError::Syntax`] naming the file and, when known, the line.
pub(crate) fn read(path: &str, bytes: &[u8], opts: &ImportOptions) -> Result<KeyFile, LoadError> {
    let format = opts.format.unwrap_or_else(|| detect(bytes));
    let mut file = KeyFile::default();
    let text = || {
        std::str::from_utf8(bytes).map_err(|e| {
            LoadError::syntax(
                path,
                None,
                format!("{} must be UTF-8 text: {e}", format.name()),
            )
        })
    };
    match format {
        Format::Zone => load_zone(&mut file, path, text()?, opts.domain.as_deref())?,
        Format::ApiJson => load_api_json(&mut file, path, text()?)?,
        Format::Archive => load_jsonl(&mut file, path, &format!("file {path}"), text()?)?,
        Format::DnsCache => load_dns_cache(&mut file, path, text()?)?,
        Format::Dig => load_dig(&mut file, path, text()?)?,
        Format::Pem => {
            let der = pem_to_der(path, text()?)?;
            load_public_key(&mut file, path, &der, "PEM", opts)?
        }
        Format::Der => load_public_key(&mut file, path, bytes, "DER", opts)?,
    }
    Ok(file)
}

/// Reads a zone file (RFC 1035 §5, see [`super::zone`]): every TXT record at
/// a `<selector>._domainkey.<domain>` name is a key; other names (SPF,
/// DMARC) and other record types are skipped. `origin` is the origin of
/// relative names before any `$ORIGIN`.
fn load_zone(
    file: &mut KeyFile,
    path: &str,
    text: &str,
    origin: Option<&str>,
) -> Result<(), LoadError> {
    let items =
        zone::parse(text, origin).map_err(|e| LoadError::syntax(path, Some(e.line), e.message))?;
    for item in items {
        match item {
            zone::Item::Pragma { line, kind, name } => {
                let pragma = match kind.as_str() {
                    "NXDOMAIN" => Pragma::NxDomain,
                    "TIMEOUT" => Pragma::Timeout,
                    "SERVFAIL" => Pragma::ServFail,
                    other => {
                        return Err(LoadError::syntax(
                            path,
                            Some(line),
                            format!(
                                "unknown pragma ;!{other} (known: ;!NXDOMAIN, ;!TIMEOUT, ;!SERVFAIL)"
                            ),
                        ));
                    }
                };
                file.pragmas.push((name, pragma));
            }
            zone::Item::Entry(e) => {
                if e.rtype != "TXT" {
                    continue;
                }
                let Some((selector, domain)) = e.owner.split_once("._domainkey.") else {
                    continue;
                };
                let here = format!("file {path} line {}", e.line);
                let provenance = zone_provenance(&here, &e.comments)
                    .map_err(|m| LoadError::syntax(path, Some(e.line), m))?;
                let record = String::from_utf8_lossy(&e.rdata.concat()).into_owned();
                file.keys
                    .push(ArchivedKey::new(domain, selector, &record, provenance));
            }
        }
    }
    Ok(())
}

/// Provenance of a zone record from the comment lines directly above it.
fn zone_provenance(here: &str, comments: &[String]) -> Result<Provenance, String> {
    let mut p = Provenance {
        source: here.to_string(),
        ..Default::default()
    };
    let mut notes: Vec<String> = Vec::new();
    for c in comments {
        let (field, value) = c.split_once(':').unwrap_or(("", c));
        let value = value.trim().to_string();
        match field.trim() {
            "source" => p
                .origins
                .push(serde_json::from_str(&value).map_err(|e| {
                    format!("'; source:' comment is not a JSON source object: {e}")
                })?),
            "first_seen" => p.first_seen = Some(value),
            "last_seen" => p.last_seen = Some(value),
            "dnssec" => p.dnssec = Some(value),
            "compromised" => p.compromised = Some(value),
            "sha256" | "key" => {}
            "note" => notes.push(value),
            _ => notes.push(c.clone()),
        }
    }
    if p.origins.is_empty() {
        p.origins.push(Origin::new(here, None));
    }
    p.notes = (!notes.is_empty()).then(|| notes.join("\n"));
    Ok(p)
}

/// One entry of the public key archive API's answer, as served by
/// `GET /api/key?domain=D` (ZK Email's archive: zkemail/archive
/// `src/app/api/key/route.ts`, `DomainSearchResults`).
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ApiKey {
    pub(crate) domain: String,
    pub(crate) selector: String,
    #[serde(default)]
    pub(crate) first_seen_at: Option<String>,
    #[serde(default)]
    pub(crate) last_seen_at: Option<String>,
    pub(crate) value: String,
    /// Per-channel windows, served by newer versions of the archive.
    #[serde(default)]
    pub(crate) observations: Option<Vec<ApiObservation>>,
}

/// One channel's window over a key in the archive's answer: `live_dns`
/// (read from DNS) or `gcd_recovered` (recovered from signatures).
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ApiObservation {
    pub(crate) source: String,
    #[serde(default)]
    pub(crate) first_seen_at: Option<String>,
    #[serde(default)]
    pub(crate) last_seen_at: Option<String>,
}

/// Parses the archive API's JSON list.
pub(crate) fn parse_api_json(text: &str) -> Result<Vec<ApiKey>, serde_json::Error> {
    serde_json::from_str(text)
}

impl ApiKey {
    /// The entry as a key whose provenance names `source` and, for the
    /// dates, `origin` (the place this answer was read from).
    pub(crate) fn to_key(&self, source: String, origin: String) -> ArchivedKey {
        let mut origins = vec![Origin::new(origin.clone(), self.last_seen_at.clone())];
        let mut notes = Vec::new();
        for o in self.observations.iter().flatten() {
            origins.push(Origin::new(
                format!(
                    "{origin}: {} observation from {} to {}",
                    o.source,
                    o.first_seen_at.as_deref().unwrap_or("an unknown date"),
                    o.last_seen_at.as_deref().unwrap_or("an unknown date")
                ),
                o.last_seen_at.clone(),
            ));
            if o.source == "gcd_recovered" {
                notes.push(
                    "the archive recovered this key from signatures (gcd_recovered): it was not read from DNS".to_string(),
                );
            }
        }
        notes.dedup();
        let provenance = Provenance {
            origins,
            source,
            first_seen: self.first_seen_at.clone(),
            last_seen: self.last_seen_at.clone(),
            notes: (!notes.is_empty()).then(|| notes.join("\n")),
            ..Default::default()
        };
        ArchivedKey::new(&self.domain, &self.selector, &self.value, provenance)
    }
}

fn load_api_json(file: &mut KeyFile, path: &str, text: &str) -> Result<(), LoadError> {
    let keys = parse_api_json(text).map_err(|e| {
        LoadError::syntax(
            path,
            Some(e.line()),
            format!("not a key-archive API JSON list: {e}"),
        )
    })?;
    for (n, k) in keys.iter().enumerate() {
        file.keys.push(k.to_key(
            format!("file {path} (key archive API JSON)"),
            format!("key archive API JSON, file {path} entry {}", n + 1),
        ));
    }
    Ok(())
}

pub(crate) fn load_jsonl(
    file: &mut KeyFile,
    path: &str,
    source: &str,
    text: &str,
) -> Result<(), LoadError> {
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let err = |message: String| LoadError::syntax(path, Some(i + 1), message);
        let r: ArchiveRecord =
            serde_json::from_str(line).map_err(|e| err(format!("not an archive record: {e}")))?;
        let origins = if r.sources.is_empty() {
            vec![Origin::new(format!("file {path} line {}", i + 1), None)]
        } else {
            r.sources.clone()
        };
        let provenance = Provenance {
            source: source.to_string(),
            first_seen: r.first_seen.clone(),
            last_seen: r.last_seen.clone(),
            origins,
            notes: r.notes.clone(),
            dnssec: r.dnssec.clone(),
            compromised: r.compromised.clone(),
            ..Default::default()
        };
        let key = ArchivedKey::new(&r.domain, &r.selector, &r.record, provenance);
        if let (Some(want), Some(got)) = (&r.sha256, key.sha256())
            && !want.eq_ignore_ascii_case(got)
        {
            return Err(err(format!(
                "sha256 {want} does not match the key in the record ({got})"
            )));
        }
        file.keys.push(key);
    }
    Ok(())
}

/// The provenance block a `--dns-cache` export puts beside `TXT`, so that a
/// round trip through mailauth's format keeps the evidence. mailauth reads
/// only the `TXT` entry of each name and ignores this one.
pub(crate) const DNS_CACHE_PROVENANCE: &str = "mailproof";

fn load_dns_cache(file: &mut KeyFile, path: &str, text: &str) -> Result<(), LoadError> {
    let doc: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(text).map_err(|e| {
            LoadError::syntax(
                path,
                Some(e.line()),
                format!("not a mailauth dns-cache JSON object: {e}"),
            )
        })?;
    for (name, entry) in &doc {
        let lname = name.trim_end_matches('.').to_ascii_lowercase();
        let Some((selector, domain)) = lname.split_once("._domainkey.") else {
            continue; // SPF, DMARC and other names are not keys
        };
        let bad = |what: &str| {
            LoadError::syntax(
                path,
                None,
                format!("entry {name:?}: {what} (expected {{\"TXT\": [[\"chunk\", ...], ...]}})"),
            )
        };
        let Some(txts) = entry.get("TXT") else {
            continue;
        };
        let txts = txts.as_array().ok_or_else(|| bad("TXT is not a list"))?;
        let saved: Vec<ArchiveRecord> = match entry.get(DNS_CACHE_PROVENANCE) {
            Some(v) => serde_json::from_value(v.clone()).map_err(|e| {
                bad(&format!(
                    "{DNS_CACHE_PROVENANCE} is not a list of records: {e}"
                ))
            })?,
            None => Vec::new(),
        };
        for (n, txt) in txts.iter().enumerate() {
            let record = match txt {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Array(chunks) => chunks
                    .iter()
                    .map(|c| c.as_str().map(str::to_string))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| bad("a TXT chunk is not a string"))?
                    .concat(),
                _ => {
                    return Err(bad(
                        "a TXT record is neither a string nor a list of strings",
                    ));
                }
            };
            let here = format!(
                "file {path} (mailauth dns-cache JSON) {name} TXT #{}",
                n + 1
            );
            let mut key = ArchivedKey::new(domain, selector, &record, Provenance::default());
            let prior = saved
                .iter()
                .find(|r| r.sha256.is_some() && r.sha256.as_deref() == key.sha256())
                .or_else(|| saved.iter().find(|r| r.record == record));
            key.provenance = match prior {
                Some(r) => Provenance {
                    source: here,
                    first_seen: r.first_seen.clone(),
                    last_seen: r.last_seen.clone(),
                    origins: r.sources.clone(),
                    notes: r.notes.clone(),
                    dnssec: r.dnssec.clone(),
                    compromised: r.compromised.clone(),
                    ..Default::default()
                },
                None => Provenance {
                    origins: vec![Origin::new(here.clone(), None)],
                    source: here,
                    ..Default::default()
                },
            };
            file.keys.push(key);
        }
    }
    Ok(())
}

/// One reply in dig output, collected until its trailing statistics.
#[derive(Default)]
struct DigReply {
    question: Option<String>,
    answers: Vec<(usize, String, u32, String)>,
    flags: Vec<String>,
    server: Option<String>,
    when: Option<String>,
}

fn load_dig(file: &mut KeyFile, path: &str, text: &str) -> Result<(), LoadError> {
    let mut reply = DigReply::default();
    let mut in_answer = false;
    for (i, line) in text.lines().enumerate() {
        let lineno = i + 1;
        let t = line.trim();
        if t.starts_with(";; ->>HEADER<<-") || t.starts_with("; <<>> DiG") {
            if !reply.answers.is_empty() {
                finish_dig_reply(file, path, std::mem::take(&mut reply));
            }
            reply = DigReply::default();
            in_answer = false;
            continue;
        }
        if let Some(f) = t.strip_prefix(";; flags:") {
            let flags = f.split(';').next().unwrap_or("");
            reply.flags = flags.split_whitespace().map(str::to_string).collect();
            continue;
        }
        if let Some(s) = t.strip_prefix(";; SERVER:") {
            reply.server = Some(s.trim().to_string());
            continue;
        }
        if let Some(w) = t.strip_prefix(";; WHEN:") {
            reply.when = dig_date(w.trim());
            continue;
        }
        if t.starts_with(";; ") && t.ends_with("SECTION:") {
            in_answer = t == ";; ANSWER SECTION:";
            continue;
        }
        if let Some(q) = t.strip_prefix(';')
            && !q.starts_with(';')
            && reply.question.is_none()
            && q.split_whitespace().last() == Some("TXT")
        {
            reply.question = q.split_whitespace().next().map(str::to_string);
            continue;
        }
        if t.is_empty() || t.starts_with(';') {
            if t.is_empty() {
                in_answer = false;
            }
            continue;
        }
        let words: Vec<&str> = t.split_whitespace().collect();
        let rtype = words
            .iter()
            .skip(1)
            .find(|w| !w.bytes().all(|b| b.is_ascii_digit()) && !w.eq_ignore_ascii_case("IN"));
        if !rtype.is_some_and(|r| r.eq_ignore_ascii_case("TXT")) {
            continue; // CNAME, RRSIG and other records are not keys
        }
        if !in_answer && !text.contains(";; ANSWER SECTION:") {
            // dig +noall +answer: every line is an answer
        } else if !in_answer {
            continue;
        }
        let ttl = words
            .get(1)
            .and_then(|w| w.parse::<u32>().ok())
            .unwrap_or(0);
        let (owner, record) =
            parse_zone_line(t).map_err(|m| LoadError::syntax(path, Some(lineno), m))?;
        reply.answers.push((lineno, owner, ttl, record));
    }
    if !reply.answers.is_empty() {
        finish_dig_reply(file, path, reply);
    }
    Ok(())
}

fn finish_dig_reply(file: &mut KeyFile, path: &str, reply: DigReply) {
    let question = reply
        .question
        .map(|q| q.trim_end_matches('.').to_ascii_lowercase());
    let dnssec = if reply.flags.iter().any(|f| f == "ad") {
        "resolver_ad"
    } else {
        "not_validated"
    };
    for (lineno, owner, ttl, record) in reply.answers {
        // A CNAME'd selector answers under the target's name: the key
        // belongs to the name that was asked.
        let name = question
            .clone()
            .filter(|q| q.contains("._domainkey."))
            .unwrap_or(owner);
        let Some((selector, domain)) = name.split_once("._domainkey.") else {
            continue;
        };
        let mut origin = format!("dig output, file {path} line {lineno}");
        if let Some(s) = &reply.server {
            origin.push_str(&format!(", answered by {s}"));
        }
        let o = Origin {
            origin: origin.clone(),
            seen: reply.when.clone(),
            ttl: Some(ttl),
            dnssec: Some(dnssec.to_string()),
            ..Default::default()
        };
        let provenance = Provenance {
            source: format!("file {path} line {lineno} (dig output)"),
            first_seen: reply.when.clone(),
            last_seen: reply.when.clone(),
            origins: vec![o],
            dnssec: Some(dnssec.into()),
            ..Default::default()
        };
        file.keys
            .push(ArchivedKey::new(domain, selector, &record, provenance));
    }
}

/// The date of dig's `;; WHEN: Tue Sep 06 16:44:47 EEST 2022` line, as
/// YYYY-MM-DD (the zone abbreviation is ambiguous, so only the day is kept).
fn dig_date(when: &str) -> Option<String> {
    let w: Vec<&str> = when.split_whitespace().collect();
    let (mon, day, year) = match w.as_slice() {
        [_, m, d, _, _, y] | [_, m, d, _, y] => (*m, *d, *y),
        _ => return None,
    };
    let d = chrono::NaiveDate::parse_from_str(&format!("{mon} {day} {year}"), "%b %d %Y").ok()?;
    Some(d.format("%Y-%m-%d").to_string())
}

fn pem_to_der(path: &str, text: &str) -> Result<Vec<u8>, LoadError> {
    let mut inside = false;
    let mut b64 = String::new();
    for line in text.lines() {
        let l = line.trim();
        if l.starts_with("-----BEGIN") {
            if !l.contains("PUBLIC KEY") {
                return Err(LoadError::syntax(
                    path,
                    None,
                    format!("{l}: only public keys can be imported (never share a private key)"),
                ));
            }
            inside = true;
        } else if l.starts_with("-----END") {
            break;
        } else if inside && !l.contains(':') {
            b64.push_str(l);
        }
    }
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|e| LoadError::syntax(path, None, format!("PEM body is not base64: {e}")))
}

/// The 12-byte SPKI prefix of an Ed25519 key (RFC 8410).
const ED25519_SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

fn load_public_key(
    file: &mut KeyFile,
    path: &str,
    der: &[u8],
    kind: &str,
    opts: &ImportOptions,
) -> Result<(), LoadError> {
    let (Some(domain), Some(selector)) = (&opts.domain, &opts.selector) else {
        return Err(LoadError::syntax(
            path,
            None,
            format!(
                "a {kind} public key does not say where it was published: give --domain and --selector"
            ),
        ));
    };
    let b64 = base64::engine::general_purpose::STANDARD;
    let record = if der.len() == 44 && der.starts_with(&ED25519_SPKI_PREFIX) {
        format!("v=DKIM1; k=ed25519; p={}", b64.encode(&der[12..]))
    } else {
        let pk = PublicKey::rsa(der).map_err(|e| LoadError::syntax(path, None, e.to_string()))?;
        format!("v=DKIM1; k=rsa; p={}", b64.encode(pk.spki_der()))
    };
    let here = format!("{kind} public key file {path}");
    let provenance = Provenance {
        source: here.clone(),
        first_seen: opts.seen.clone(),
        last_seen: opts.seen.clone(),
        origins: vec![Origin::new(here, opts.seen.clone())],
        ..Default::default()
    };
    file.keys
        .push(ArchivedKey::new(domain, selector, &record, provenance));
    Ok(())
}

/// Splits one zone-file line holding a TXT record (as in dig's answers)
/// into its owner name (lower-case, without the final dot) and the
/// concatenated text of its character-strings.
pub(crate) fn parse_zone_line(line: &str) -> Result<(String, String), String> {
    let items = zone::parse(line, None).map_err(|e| e.message)?;
    match items.into_iter().next() {
        Some(zone::Item::Entry(e)) if e.rtype == "TXT" => Ok((
            e.owner,
            String::from_utf8_lossy(&e.rdata.concat()).into_owned(),
        )),
        Some(zone::Item::Entry(e)) => Err(format!("expected a TXT record, found {}", e.rtype)),
        _ => Err("expected '<name> TXT \"<record>\"'".into()),
    }
}

impl ArchivedKey {
    /// The key as a record of the archive format. Evidence is sorted by date
    /// and description so that merging in any order gives the same line.
    pub fn to_record(&self) -> ArchiveRecord {
        let p = &self.provenance;
        let mut sources = p.origins.clone();
        if sources.is_empty() {
            sources.push(Origin::new(p.source.clone(), None));
        }
        sources.sort_by(|a, b| (&a.seen, &a.origin).cmp(&(&b.seen, &b.origin)));
        sources.dedup();
        let pk = self.parsed.as_ref().ok().and_then(|r| r.key.as_ref());
        ArchiveRecord {
            domain: self.domain.clone(),
            selector: self.selector.clone(),
            record: self.record.clone(),
            sha256: pk.map(|k| k.sha256.clone()),
            key_type: pk.map(|k| k.key_type().to_string()),
            bits: pk.map(|k| k.bits),
            first_seen: p.first_seen.clone(),
            last_seen: p.last_seen.clone(),
            sources,
            dnssec: p.dnssec.clone(),
            notes: p.notes.clone(),
            compromised: p.compromised.clone(),
        }
    }
}

/// Records in mailproof's archive format: one JSON object per line, in the
/// order given (the store sorts them), so that files diff and merge line by
/// line.
pub(crate) fn write_jsonl(records: &[ArchiveRecord]) -> String {
    let mut out = String::new();
    for r in records {
        out.push_str(&serde_json::to_string(r).expect("records serialize"));
        out.push('\n');
    }
    out
}

/// Zone lines, each preceded by its provenance as comments.
pub(crate) fn write_zone(records: &[ArchiveRecord]) -> String {
    let mut o = String::from(
        "; DKIM keys exported by mailproof. Provenance comments above each record\n\
         ; (source, first_seen, last_seen, ...) are read back by `mailproof keys import`.\n",
    );
    for r in records {
        o.push('\n');
        if let Some(fp) = &r.sha256 {
            let _ = writeln!(
                o,
                "; sha256: {fp} ({} {} bits)",
                r.key_type.as_deref().unwrap_or("unknown type"),
                r.bits.unwrap_or(0)
            );
        }
        for (field, v) in [
            ("first_seen", &r.first_seen),
            ("last_seen", &r.last_seen),
            ("dnssec", &r.dnssec),
            ("compromised", &r.compromised),
        ] {
            if let Some(v) = v {
                let _ = writeln!(o, "; {field}: {}", one_line(v));
            }
        }
        for s in &r.sources {
            let _ = writeln!(
                o,
                "; source: {}",
                serde_json::to_string(s).expect("sources serialize")
            );
        }
        if let Some(n) = &r.notes {
            for line in n.lines() {
                let _ = writeln!(o, "; note: {}", one_line(line));
            }
        }
        let _ = writeln!(
            o,
            "{}._domainkey.{}. TXT {}",
            r.selector,
            r.domain,
            txt_strings(&r.record)
        );
    }
    o
}

/// mailauth's `--dns-cache` JSON: one entry per record name, its TXT
/// records as lists of strings of at most 255 bytes, and the provenance of
/// each key under `"mailproof"`.
pub(crate) fn write_dns_cache(records: &[ArchiveRecord]) -> String {
    let mut names: BTreeMap<String, serde_json::Map<String, serde_json::Value>> = BTreeMap::new();
    for r in records {
        let entry = names
            .entry(format!("{}._domainkey.{}", r.selector, r.domain))
            .or_default();
        let chunks: Vec<serde_json::Value> = chunks(&r.record)
            .into_iter()
            .map(serde_json::Value::String)
            .collect();
        push(entry, "TXT", serde_json::Value::Array(chunks));
        push(
            entry,
            DNS_CACHE_PROVENANCE,
            serde_json::to_value(r).expect("records serialize"),
        );
    }
    let mut s = serde_json::to_string_pretty(&names).expect("json");
    s.push('\n');
    s
}

fn push(entry: &mut serde_json::Map<String, serde_json::Value>, k: &str, v: serde_json::Value) {
    if let serde_json::Value::Array(list) = entry
        .entry(k)
        .or_insert_with(|| serde_json::Value::Array(Vec::new()))
    {
        list.push(v);
    }
}

fn one_line(s: &str) -> String {
    s.replace(['\r', '\n'], " ")
}

/// Splits a record into character-strings of at most 255 bytes (RFC 1035),
/// on character boundaries.
fn chunks(record: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in record.chars() {
        if cur.len() + c.len_utf8() > 255 {
            out.push(std::mem::take(&mut cur));
        }
        cur.push(c);
    }
    if !cur.is_empty() || out.is_empty() {
        out.push(cur);
    }
    out
}

/// The record as quoted zone-file strings, escaping `"`, `\` and
/// non-printable bytes.
fn txt_strings(record: &str) -> String {
    chunks(record)
        .iter()
        .map(|c| {
            let mut q = String::from("\"");
            for b in c.bytes() {
                match b {
                    b'"' | b'\\' => {
                        q.push('\\');
                        q.push(b as char);
                    }
                    0x20..=0x7e => q.push(b as char),
                    _ => {
                        let _ = write!(q, "\\{b:03}");
                    }
                }
            }
            q.push('"');
            q
        })
        .collect::<Vec<_>>()
        .join(" ")
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
    fn long_records_are_split_and_escaped() {
        let rec = format!("v=DKIM1; n=\"q\\\u{e9}; p={}", "A".repeat(300));
        let z = txt_strings(&rec);
        assert!(
            z.starts_with("\"v=DKIM1; n=\\\"q\\\\\\195\\169; p=AAA"),
            "{z}"
        );
        assert_eq!(z.matches("\" \"").count(), 1);
        let (_, back) = parse_zone_line(&format!("s._domainkey.x. TXT {z}")).unwrap();
        assert_eq!(back, rec);
    }
}
