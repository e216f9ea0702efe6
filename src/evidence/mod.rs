//! Evidence: from the signature checks ([`crate::dkim::check::SigCheck`]) and
//! the parsed message to a [`crate::report::Report`]. Every policy (what
//! counts as weak, what a reader sees and whether it is covered, the
//! verdict) is decided here once and stored in the report; renderers only
//! print it.
//!
//! - `build`: the verdict (DESIGN.md's table), the findings about keys and
//!   signatures, the one-line summary and the plain-language account;
//! - `forensics`: runs the header forensics below and gathers their model;
//! - `coverage`: which visible header instances and which part of the body
//!   a passing signature covers;
//! - `received`: the Received chain (RFC 5321 4.4), parsed;
//! - `timeline`: every timestamp in one ordered list, with the
//!   inconsistencies between them;
//! - `time_window`: when the message was signed, as far as the evidence goes;
//! - `key_evidence`: the keys' evidence without the message's own sightings,
//!   and whether it contradicts the signing time;
//! - `auth_results`: what receivers recorded (RFC 8601), compared with ours;
//! - `consistency`: Message-ID and mail program hints (information only);
//! - `copy`: what is known of the copy beyond its bytes (a body the input
//!   format did not keep, a pasted copy repaired first) and what follows
//!   from it for the verdict, findings and account.
//!
//! Files import one way: `build` uses `forensics`, `key_evidence` and
//! `time_window`; `time_window` uses `key_evidence`;
//! `forensics` uses the five analysers; `timeline` and `auth_results` use
//! `received` and `time_window`; `build` and `auth_results` use `copy`;
//! nothing here imports `build`.

mod address;
mod auth_results;
mod build;
mod consistency;
mod copy;
mod coverage;
mod forensics;
mod key_evidence;
mod malformed;
mod received;
#[cfg(test)]
mod test_support;
mod time_window;
mod timeline;

pub(crate) use build::{build, verdict_of};
pub(crate) use copy::{CopyFacts, Given, PastedCopy, leading_bytes_finding};
