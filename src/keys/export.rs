//! Writing an archive out so that others can reproduce a verification
//! (`keys export`): zone lines with provenance comments, mailauth's
//! `--dns-cache` JSON, or mailproof's archive JSONL (the writers are in
//! [`super::formats`]). All three are deterministic: keys sorted by domain,
//! selector, fingerprint.

use super::archive::KeyArchive;
use super::formats;

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

/// Zone lines, each preceded by its provenance as comments (which
/// `keys import` reads back).
pub fn to_zone(archive: &KeyArchive) -> String {
    formats::write_zone(&archive.records())
}

/// mailauth's `--dns-cache` JSON: one entry per record name, its TXT
/// records as lists of strings of at most 255 bytes, and the provenance of
/// each key under `"mailproof"`.
pub fn to_dns_cache(archive: &KeyArchive) -> String {
    formats::write_dns_cache(&archive.records())
}
