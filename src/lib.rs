//! mailproof: forensic DKIM verification of leaked email.
//!
//! The library answers one question for a message: can we show
//! cryptographically that it is what it claims to be, and how far does that
//! proof reach? It checks every DKIM signature against archived public keys
//! (the keys of old mail are long gone from DNS), keeps the header signature
//! and the body hash apart, and returns a [`Report`] that renderers turn into
//! text or JSON.
//!
//! ```
//! use mailproof::{Verifier, keys::KeyArchive};
//!
//! let verifier = Verifier::builder()
//!     .builtin_archive(true)
//!     .build();
//! let bytes = std::fs::read("fixtures/real-world/Meeting for coffee.eml").unwrap();
//! let report = verifier.verify_bytes("Meeting for coffee.eml", &bytes);
//! assert_eq!(report.verdict, mailproof::Verdict::Verified);
//! assert_eq!(report.signatures[0].domain.as_deref(), Some("gmail.com"));
//! # let _ = KeyArchive::new("unused");
//! ```

pub mod arc;
mod authres;
pub mod batch;
mod clock;
pub mod crypto;
pub mod dkim;
mod evidence;
pub mod idn;
pub mod input;
pub mod keys;
pub mod limits;
pub mod message;
pub mod recover;
pub mod render;
pub mod report;
#[cfg(feature = "serve")]
pub mod serve;
pub mod summary;
pub mod tags;
mod util;
mod verify;

pub use clock::{Clock, FixedClock, SystemClock};
pub use dkim::{canon, repair, signature};
pub use limits::Limits;
pub use report::{
    Finding, Report, ResultReason, Severity, SignatureReport, SignatureResult, Verdict,
};
pub use util::{parse_date, rfc3339};
pub use verify::{Verifier, VerifierBuilder};

/// Version of the JSON report layout. Bumped when a field changes meaning or
/// disappears; new fields may be added without a bump.
pub const SCHEMA_VERSION: u32 = 1;

/// The version of this crate, recorded in every report.
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");
