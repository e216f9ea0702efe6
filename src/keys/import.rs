//! Reading keys from the places journalists find them.
//!
//! Each format becomes a [`KeyArchive`] whose keys carry where they were
//! read from. The format is detected by content ([`detect`]) unless the
//! caller names it:
//! - zone lines and mailproof's archive JSONL (see [`super::archive`]);
//! - the public key archive API's JSON list;
//! - mailauth's `--dns-cache` JSON: `{"<name>": {"TXT": [["chunk", ...], ...]}}`;
//! - `dig` output (answer lines, with the server, date and AD flag of each reply);
//! - a PEM or DER public key, which needs the domain and selector it was published under.

use super::archive::{KeyArchive, LoadError, Origin};
use super::{ArchivedKey, Provenance};
use crate::crypto::PublicKey;
use base64::Engine;

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
    /// Domain a PEM/DER key was published under.
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

/// Reads a key file; `path` names it in provenance and errors.
pub fn load_bytes(path: &str, bytes: &[u8], opts: &ImportOptions) -> Result<KeyArchive, LoadError> {
    let format = opts.format.unwrap_or_else(|| detect(bytes));
    let mut archive = KeyArchive::new(format!("file {path}"));
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
        Format::Zone => archive.load_zone(path, text()?)?,
        Format::ApiJson => archive.load_api_json(path, text()?)?,
        Format::Archive => archive.load_jsonl(path, &format!("file {path}"), text()?)?,
        Format::DnsCache => load_dns_cache(&mut archive, path, text()?)?,
        Format::Dig => load_dig(&mut archive, path, text()?)?,
        Format::Pem => {
            let der = pem_to_der(path, text()?)?;
            load_public_key(&mut archive, path, &der, "PEM", opts)?
        }
        Format::Der => load_public_key(&mut archive, path, bytes, "DER", opts)?,
    }
    Ok(archive)
}

/// The provenance block a `--dns-cache` export puts beside `TXT`, so that a
/// round trip through mailauth's format keeps the evidence. mailauth reads
/// only the `TXT` entry of each name and ignores this one.
pub(crate) const DNS_CACHE_PROVENANCE: &str = "mailproof";

fn load_dns_cache(archive: &mut KeyArchive, path: &str, text: &str) -> Result<(), LoadError> {
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
        let saved: Vec<super::ArchiveRecord> = match entry.get(DNS_CACHE_PROVENANCE) {
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
                },
                None => Provenance {
                    origins: vec![Origin::new(here.clone(), None)],
                    source: here,
                    ..Default::default()
                },
            };
            archive.insert(key);
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

fn load_dig(archive: &mut KeyArchive, path: &str, text: &str) -> Result<(), LoadError> {
    let mut reply = DigReply::default();
    let mut in_answer = false;
    for (i, line) in text.lines().enumerate() {
        let lineno = i + 1;
        let t = line.trim();
        if t.starts_with(";; ->>HEADER<<-") || t.starts_with("; <<>> DiG") {
            if !reply.answers.is_empty() {
                finish_dig_reply(archive, path, std::mem::take(&mut reply));
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
        let (owner, record) = super::archive::parse_zone_line(t)
            .map_err(|m| LoadError::syntax(path, Some(lineno), m))?;
        reply.answers.push((lineno, owner, ttl, record));
    }
    if !reply.answers.is_empty() {
        finish_dig_reply(archive, path, reply);
    }
    Ok(())
}

fn finish_dig_reply(archive: &mut KeyArchive, path: &str, reply: DigReply) {
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
        };
        let provenance = Provenance {
            source: format!("file {path} line {lineno} (dig output)"),
            first_seen: reply.when.clone(),
            last_seen: reply.when.clone(),
            origins: vec![o],
            dnssec: Some(dnssec.into()),
            ..Default::default()
        };
        archive.insert(ArchivedKey::new(domain, selector, &record, provenance));
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
    archive: &mut KeyArchive,
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
    archive.insert(ArchivedKey::new(domain, selector, &record, provenance));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{KeySource, Lookup};

    const REC: &str = "p=MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAP8GA3mvMMWjkJ9CQTE5115ZuwHUwpKaK/34OjPx6sU4I8mK1fZaxFs+a6EjP6AIzRjY8BnUQqIdLBYjPG5GJW0CAwEAAQ==";

    #[test]
    fn detects_formats() {
        assert_eq!(detect(b"s._domainkey.x. TXT \"p=\""), Format::Zone);
        assert_eq!(detect(b"[{\"domain\": \"x\"}]"), Format::ApiJson);
        assert_eq!(detect(b"{\"domain\": \"x\"}\n"), Format::Archive);
        assert_eq!(detect(b"{\"a.x\": {\"TXT\": []}}"), Format::DnsCache);
        assert_eq!(detect(b"; <<>> DiG 9.18 <<>> txt x\n"), Format::Dig);
        assert_eq!(detect(b"-----BEGIN PUBLIC KEY-----\n"), Format::Pem);
        assert_eq!(detect(&[0x30, 0x82, 0xff, 0xfe]), Format::Der);
    }

    #[test]
    fn dig_output_with_cname_server_date_and_ad_flag() {
        let dig = format!(
            "; <<>> DiG 9.18.6 <<>> txt s1._domainkey.example.com\n\
;; global options: +cmd\n\
;; Got answer:\n\
;; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 24796\n\
;; flags: qr rd ra ad; QUERY: 1, ANSWER: 2, AUTHORITY: 0, ADDITIONAL: 1\n\
\n\
;; QUESTION SECTION:\n\
;s1._domainkey.example.com.\tIN\tTXT\n\
\n\
;; ANSWER SECTION:\n\
s1._domainkey.example.com. 300\tIN\tCNAME\ts1.dkim.esp.net.\n\
s1.dkim.esp.net.\t1799\tIN\tTXT\t\"v=DKIM1; \" \"{REC}\"\n\
\n\
;; Query time: 36 msec\n\
;; SERVER: 1.1.1.1#53(1.1.1.1) (UDP)\n\
;; WHEN: Sun Sep 04 21:35:04 EEST 2022\n\
;; MSG SIZE  rcvd: 255\n"
        );
        let a = load_bytes("d.txt", dig.as_bytes(), &ImportOptions::default()).unwrap();
        let Lookup::Found(k) = a.lookup("example.com", "s1") else {
            panic!("key not under the asked name")
        };
        assert_eq!(k[0].record, format!("v=DKIM1; {REC}"));
        let o = &k[0].provenance.origins[0];
        assert_eq!(o.seen.as_deref(), Some("2022-09-04"));
        assert_eq!(o.ttl, Some(1799));
        assert_eq!(o.dnssec.as_deref(), Some("resolver_ad"));
        assert!(o.origin.contains("1.1.1.1#53"), "{}", o.origin);
    }

    #[test]
    fn dns_cache_skips_other_names_and_reads_chunks() {
        let j = format!(
            r#"{{"example.com": {{"TXT": [["v=spf1 -all"]]}},
               "s._domainkey.example.com": {{"TXT": [["v=DKIM1; ", "{REC}"]]}}}}"#
        );
        let a = load_bytes("c.json", j.as_bytes(), &ImportOptions::default()).unwrap();
        assert_eq!(a.len(), 1);
        let e = load_bytes(
            "c.json",
            br#"{"s._domainkey.x.org": {"TXT": [[1]]}}"#,
            &ImportOptions::default(),
        )
        .unwrap_err();
        assert!(e.to_string().starts_with("c.json: entry"), "{e}");
    }

    #[test]
    fn pem_needs_domain_and_selector_and_refuses_private_keys() {
        let pem = format!(
            "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
            REC.trim_start_matches("p=")
        );
        let e = load_bytes("k.pem", pem.as_bytes(), &ImportOptions::default()).unwrap_err();
        assert!(e.to_string().contains("--domain and --selector"), "{e}");
        let opts = ImportOptions {
            domain: Some("x.org".into()),
            selector: Some("s".into()),
            ..Default::default()
        };
        let a = load_bytes("k.pem", pem.as_bytes(), &opts).unwrap();
        assert_eq!(a.records()[0].bits, Some(512));
        let e = load_bytes(
            "p.pem",
            b"-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n",
            &opts,
        )
        .unwrap_err();
        assert!(e.to_string().contains("only public keys"), "{e}");
    }
}
