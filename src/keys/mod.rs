//! Where public keys come from, and the evidence that comes with them.
//!
//! A [`KeySource`] answers "which keys were published for this selector?".
//! The [`KeyArchive`] is the offline source: keys loaded from files
//! (zone lines, the key-archive API's JSON, mailproof's own archive format)
//! or compiled in ([`builtin`]). Every key carries its [`Provenance`].

mod archive;
pub mod dns;
pub mod export;
pub mod import;
mod record;

pub use archive::{ArchiveRecord, KeyArchive, LoadError, Origin, builtin};
pub use record::{KeyRecord, RecordError};

use std::sync::Arc;

/// Where a key came from and when it was seen.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Provenance {
    /// The source that supplied it: `built-in archive`, `file keys.zone line 4`, ...
    pub source: String,
    /// Earliest dated evidence of the key (YYYY-MM-DD or RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<String>,
    /// Latest dated evidence of the key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<String>,
    /// Each piece of evidence: where the key was published or observed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub origins: Vec<Origin>,
    /// Free notes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// DNSSEC status of the latest live capture (`secure`, `insecure`,
    /// `bogus`, `indeterminate`, `not_validated`), when the key was seen live.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dnssec: Option<String>,
    /// Set when the private half is known to be published or factored: a
    /// signature by such a key proves nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compromised: Option<String>,
}

/// One published key record for a selector, with its provenance.
#[derive(Debug, Clone)]
pub struct ArchivedKey {
    /// `d=` domain, lower-case.
    pub domain: String,
    /// Selector.
    pub selector: String,
    /// The TXT record text.
    pub record: String,
    /// The record parsed, or why it cannot be used.
    pub parsed: Result<KeyRecord, RecordError>,
    /// Where it came from.
    pub provenance: Provenance,
}

impl ArchivedKey {
    /// Builds a key from its record text, parsing it once.
    pub fn new(domain: &str, selector: &str, record: &str, provenance: Provenance) -> Self {
        ArchivedKey {
            domain: domain.trim_end_matches('.').to_ascii_lowercase(),
            selector: selector.to_string(),
            record: record.to_string(),
            parsed: KeyRecord::parse(record),
            provenance,
        }
    }

    /// The key's fingerprint, when the record holds a usable key.
    pub fn sha256(&self) -> Option<&str> {
        self.parsed
            .as_ref()
            .ok()?
            .key
            .as_ref()
            .map(|k| k.sha256.as_str())
    }
}

/// The answer of a key source for one selector.
#[derive(Debug, Clone)]
pub enum Lookup {
    /// One or more records (several when the selector was rotated).
    Found(Vec<Arc<ArchivedKey>>),
    /// The source knows the name does not exist / has no record.
    NotFound,
    /// The source could not answer now (DNS timeout, SERVFAIL): try again later.
    TempFail(String),
}

/// A place to look up keys.
pub trait KeySource: Send + Sync {
    /// Human-readable name, recorded in reports.
    fn name(&self) -> String;
    /// Keys for `selector._domainkey.domain`.
    fn lookup(&self, domain: &str, selector: &str) -> Lookup;
    /// Whether the source answers with what is published now (live DNS)
    /// rather than what was archived. A live key that differs from every
    /// archived key for the same selector means the selector was rotated.
    fn is_live(&self) -> bool {
        false
    }
}

/// The DNS name of a key record.
pub fn record_name(domain: &str, selector: &str) -> String {
    format!("{}._domainkey.{}", selector, domain.trim_end_matches('.')).to_ascii_lowercase()
}

/// Every (domain, selector) pair named by the DKIM-Signature fields of a
/// message, in order, without duplicates (read leniently, so that keys of
/// malformed signatures can still be fetched).
pub fn signature_selectors(message: &[u8]) -> Vec<(String, String)> {
    let Ok(msg) = crate::message::RawMessage::parse(message) else {
        return Vec::new();
    };
    let mut out: Vec<(String, String)> = Vec::new();
    for h in msg.headers.iter().filter(|h| h.is("DKIM-Signature")) {
        let hints = crate::signature::hints(h.value);
        if let (Some(d), Some(s)) = (hints.domain, hints.selector) {
            let pair = (d.trim_end_matches('.').to_ascii_lowercase(), s);
            if !pair.0.is_empty() && !pair.1.is_empty() && !out.contains(&pair) {
                out.push(pair);
            }
        }
    }
    out
}
