//! Where public keys come from, and the evidence that comes with them.
//!
//! A [`KeySource`] answers "which keys were published for this selector?".
//! The [`KeyArchive`] is the offline source: keys loaded from files
//! (zone lines, the key-archive API's JSON, mailproof's own archive format)
//! or compiled in ([`builtin`], looked up without parsing it whole through
//! [`BuiltinArchive`]). Every key carries its [`Provenance`].
//!
//! Files, each depending only on those listed before it (no import cycle):
//! - `record.rs`: the TXT key record ([`KeyRecord`]);
//! - `key.rs`: the key model ([`ArchivedKey`], [`Provenance`], [`Origin`])
//!   and the [`KeySource`] trait;
//! - `zone.rs`: DNS master files (RFC 1035 §5), knowing nothing of keys;
//! - `formats.rs`: reading and writing every key-file format;
//! - `archive.rs`: the store ([`KeyArchive`]) and the built-in archive;
//! - [`import`], [`export`]: the `keys import` / `keys export` logic;
//! - [`dns`]: live DNS;
//! - [`api`]: the public key archive's HTTP API.

pub mod api;
mod archive;
pub mod dns;
pub mod export;
mod formats;
pub mod import;
mod key;
mod record;
mod resolver;
mod zone;

pub use archive::{BuiltinArchive, KeyArchive, builtin};
pub use formats::{ArchiveRecord, LoadError};
pub use key::{ArchivedKey, KeySource, Lookup, Origin, Provenance, record_name};
pub use record::{KeyRecord, RecordError};
pub use resolver::{Candidates, Resolver};
