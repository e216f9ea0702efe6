//! Writing an archive out so that others can reproduce a verification.
//!
//! - zone lines, loadable by any DNS server (e.g. a BIND response-policy
//!   zone) or any verifier's test DNS, with the provenance in `;` comments
//!   that mailproof reads back;
//! - mailauth's `--dns-cache` JSON (`mailauth report --dns-cache FILE`), with
//!   the provenance beside each name's `TXT` entry (mailauth ignores it);
//! - mailproof's archive format ([`KeyArchive::to_jsonl`]).
//!
//! All three are deterministic: keys sorted by domain, selector, fingerprint.

use super::archive::KeyArchive;
use super::import::DNS_CACHE_PROVENANCE;
use std::collections::BTreeMap;
use std::fmt::Write;

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// `<selector>._domainkey.<domain>. TXT "..."` with provenance comments.
    Zone,
    /// mailauth's `--dns-cache` JSON.
    DnsCache,
    /// mailproof's archive JSONL.
    Archive,
}

/// Renders `archive` in `format`.
pub fn export(archive: &KeyArchive, format: ExportFormat) -> String {
    match format {
        ExportFormat::Zone => to_zone(archive),
        ExportFormat::DnsCache => to_dns_cache(archive),
        ExportFormat::Archive => archive.to_jsonl(),
    }
}

/// Zone lines, each preceded by its provenance as comments.
pub fn to_zone(archive: &KeyArchive) -> String {
    let mut o = String::from(
        "; DKIM keys exported by mailproof. Provenance comments above each record\n\
         ; (source, first_seen, last_seen, ...) are read back by `mailproof keys import`.\n",
    );
    for r in archive.records() {
        o.push('\n');
        if let Some(fp) = &r.sha256 {
            let _ = writeln!(
                o,
                "; sha256: {fp} ({} {} bits)",
                r.key_type.as_deref().unwrap_or("?"),
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
pub fn to_dns_cache(archive: &KeyArchive) -> String {
    let mut names: BTreeMap<String, serde_json::Map<String, serde_json::Value>> = BTreeMap::new();
    for r in archive.records() {
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
            serde_json::to_value(&r).expect("records serialize"),
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
    fn long_records_are_split_and_escaped() {
        let rec = format!("v=DKIM1; n=\"q\\\u{e9}; p={}", "A".repeat(300));
        let z = txt_strings(&rec);
        assert!(
            z.starts_with("\"v=DKIM1; n=\\\"q\\\\\\195\\169; p=AAA"),
            "{z}"
        );
        assert_eq!(z.matches("\" \"").count(), 1);
        let (_, back) =
            crate::keys::archive::parse_zone_line(&format!("s._domainkey.x. TXT {z}")).unwrap();
        assert_eq!(back, rec);
    }
}
