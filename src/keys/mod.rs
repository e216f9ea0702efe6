//! Where public keys come from, and the evidence that comes with them.
//!
//! A [`KeySource`] answers "which keys were published for this selector?".
//! The [`KeyArchive`] is the offline source: keys loaded from files
//! (zone lines, the key-archive API's JSON, mailproof's own archive format)
//! or compiled in ([`builtin`]). Every key carries its [`Provenance`].
//!
//! Files, each depending only on those listed before it (no import cycle):
//! - `record.rs`: the TXT key record ([`KeyRecord`]);
//! - `key.rs`: the key model ([`ArchivedKey`], [`Provenance`], [`Origin`])
//!   and the [`KeySource`] trait;
//! - `formats.rs`: reading and writing every key-file format;
//! - `archive.rs`: the store ([`KeyArchive`]) and the built-in archive;
//! - [`import`], [`export`]: the `keys import` / `keys export` logic;
//! - [`dns`]: live DNS.

mod archive;
pub mod dns;
pub mod export;
mod formats;
pub mod import;
mod key;
mod record;

pub use archive::{KeyArchive, builtin};
pub use formats::{ArchiveRecord, LoadError};
pub use key::{ArchivedKey, KeySource, Lookup, Origin, Provenance, record_name};
pub use record::{KeyRecord, RecordError};

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
