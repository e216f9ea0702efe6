//! The key model: a published key record with its evidence ([`ArchivedKey`],
//! [`Provenance`], [`Origin`]) and the [`KeySource`] trait every source
//! implements. A leaf of `keys/`: it uses only [`super::record`].

use super::record::{KeyRecord, RecordError};
pub use crate::report::{Origin, Provenance};
use std::sync::Arc;

/// One published key record for a selector, with its provenance.
#[derive(Debug, Clone)]
pub struct ArchivedKey {
    /// `d=` domain, lower-case A-label form (RFC 8616; [`crate::idn`]).
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
    /// The key as a report states it (provenance, fingerprint, type, size,
    /// record), or `None` when the record holds no usable key.
    pub fn report(&self) -> Option<crate::report::KeyReport> {
        let pk = self.parsed.as_ref().ok()?.key.as_ref()?;
        Some(crate::report::KeyReport {
            provenance: self.provenance.clone(),
            sha256: pk.sha256.clone(),
            key_type: pk.key_type().into(),
            bits: pk.bits,
            record: self.record.clone(),
            strength: self.strength()?,
        })
    }

    /// What the key's size and history let a signature prove (as
    /// [`Self::report`] states it, without building the report), or `None`
    /// when the record holds no usable key.
    pub fn strength(&self) -> Option<crate::report::KeyStrength> {
        let pk = self.parsed.as_ref().ok()?.key.as_ref()?;
        Some(crate::report::KeyStrength::of(
            pk.key_type(),
            pk.bits,
            self.provenance.compromised.is_some(),
        ))
    }

    /// Builds a key from its record text, parsing it once.
    pub fn new(domain: &str, selector: &str, record: &str, provenance: Provenance) -> Self {
        ArchivedKey {
            domain: crate::idn::to_ascii_lossy(domain),
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

/// The DNS name of a key record, `selector._domainkey.domain`, in
/// lower-case A-label form (RFC 8616 section 4): a key stored under
/// `bücher.example` is found by `xn--bcher-kva.example` and the other way
/// round. A name that does not convert is only lower-cased.
pub fn record_name(domain: &str, selector: &str) -> String {
    crate::idn::to_ascii_lossy(&format!(
        "{}._domainkey.{}",
        selector,
        domain.trim_end_matches('.')
    ))
}

/// Widens `into`'s seen window with `from`'s and keeps all evidence.
pub(crate) fn merge_provenance(into: &mut Provenance, from: &Provenance) {
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
    if into.origins.is_empty() {
        into.origins.push(Origin::new(into.source.clone(), None));
    }
    let incoming = if from.origins.is_empty() {
        vec![Origin::new(from.source.clone(), None)]
    } else {
        from.origins.clone()
    };
    for o in incoming {
        if !into.origins.contains(&o) {
            into.origins.push(o);
        }
    }
    if into.compromised.is_none() {
        into.compromised = from.compromised.clone();
    }
    if from.dnssec.is_some() {
        into.dnssec = from.dnssec.clone();
    }
    match (&mut into.notes, &from.notes) {
        (Some(a), Some(b)) if !a.contains(b.as_str()) => {
            a.push('\n');
            a.push_str(b);
        }
        (None, Some(b)) => into.notes = Some(b.clone()),
        _ => {}
    }
}
