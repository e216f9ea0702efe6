//! Aggregates over many reports for the overview of a multi-message report:
//! totals per verdict, signing domains, missing keys ranked by the messages
//! they would let us check, and signing times per selector.
//!
//! This is the renderers' own small aggregation, fed one report at a time so
//! that a dump of any size is counted without holding it in memory. The
//! batch work (`summary.rs` on the `batch` branch) computes the same figures
//! for batch runs; when it lands, [`Overview`] can be filled from it instead.

use super::publish::missing_key_name;
use crate::report::{Report, Verdict};
use std::collections::{BTreeMap, BTreeSet};

/// Counts for one signing domain (`d=`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DomainCounts {
    /// Messages with at least one signature by the domain.
    pub messages: usize,
    /// Signatures by the domain.
    pub signatures: usize,
    /// Signatures per result.
    pub results: BTreeMap<&'static str, usize>,
    /// Selectors seen.
    pub selectors: BTreeSet<String>,
}

/// A key that no source had, and what finding it would do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MissingKey {
    /// `selector._domainkey.domain`
    pub record: String,
    /// Messages with a signature that needs it.
    pub messages: usize,
    /// Of those, messages that are `unverifiable` now: the key would let us
    /// check them at all.
    pub unlocks: usize,
    /// Earliest signing time of those signatures: `t=`, else the report's
    /// time window ([`crate::summary::Entry::signing_span`]).
    pub first_signed: Option<String>,
    /// Latest signing time.
    pub last_signed: Option<String>,
}

/// Signing times of one selector, per year: the year of `t=`, else the year
/// of the report's time window when both its ends fall in it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SigningTimes {
    /// Signatures per year.
    pub per_year: BTreeMap<i32, usize>,
    /// Signatures dated to no single year (no `t=`, and no time window, or
    /// one spanning a new year).
    pub undated: usize,
}

/// Aggregates over a run or a dump of reports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overview {
    /// Reports counted.
    pub messages: usize,
    /// Messages per verdict.
    pub verdicts: BTreeMap<Verdict, usize>,
    /// Per signing domain, named for readers (`xn--bcher-kva.example
    /// (bücher.example)` for an internationalized name).
    pub domains: BTreeMap<String, DomainCounts>,
    /// Per missing key record name.
    pub missing_keys: BTreeMap<String, MissingKey>,
    /// Per (domain, selector).
    pub signing_times: BTreeMap<(String, String), SigningTimes>,
}

impl Overview {
    /// An empty overview.
    pub fn new() -> Self {
        Self::default()
    }

    /// Aggregates over `reports`.
    pub fn of(reports: &[Report]) -> Self {
        let mut o = Self::new();
        for r in reports {
            o.add(r);
        }
        o
    }

    /// Counts one more report.
    pub fn add(&mut self, r: &Report) {
        self.messages += 1;
        *self.verdicts.entry(r.verdict).or_default() += 1;
        let mut domains_seen = BTreeSet::new();
        let mut missing_seen = BTreeSet::new();
        let entry = crate::summary::Entry::from(r);
        for (s, es) in r.signatures.iter().zip(&entry.signatures) {
            let signed = entry.signing_span(es);
            // the A-label form, with the U-label form beside it for an IDN
            let domain = match &s.domain {
                Some(_) => super::publish::signer_words(s),
                None => "(none)".into(),
            };
            let d = self.domains.entry(domain.clone()).or_default();
            d.signatures += 1;
            *d.results.entry(s.result.as_str()).or_default() += 1;
            if let Some(sel) = &s.selector {
                d.selectors.insert(sel.clone());
            }
            if domains_seen.insert(domain.clone()) {
                d.messages += 1;
            }
            if let Some(name) = missing_key_name(s) {
                let m = self
                    .missing_keys
                    .entry(name.clone())
                    .or_insert_with(|| MissingKey {
                        record: name.clone(),
                        ..Default::default()
                    });
                if missing_seen.insert(name) {
                    m.messages += 1;
                    if r.verdict == Verdict::Unverifiable {
                        m.unlocks += 1;
                    }
                }
                if let Some(t) = &signed.first
                    && m.first_signed.as_ref().is_none_or(|f| t < f)
                {
                    m.first_signed = Some(t.clone());
                }
                if let Some(t) = &signed.last
                    && m.last_signed.as_ref().is_none_or(|l| t > l)
                {
                    m.last_signed = Some(t.clone());
                }
            }
            let selector = s.selector.clone().unwrap_or_else(|| "(none)".into());
            let times = self.signing_times.entry((domain, selector)).or_default();
            let first_year = signed.first.as_deref().and_then(year);
            let one_year = first_year.filter(|y| signed.last.as_deref().and_then(year) == Some(*y));
            match one_year {
                Some(y) => *times.per_year.entry(y).or_default() += 1,
                None => times.undated += 1,
            }
        }
    }

    /// Missing keys, most useful first: by messages they would make
    /// checkable, then by messages that need them, then by name.
    pub fn missing_keys_ranked(&self) -> Vec<&MissingKey> {
        let mut v: Vec<&MissingKey> = self.missing_keys.values().collect();
        v.sort_by(|a, b| {
            b.unlocks
                .cmp(&a.unlocks)
                .then(b.messages.cmp(&a.messages))
                .then(a.record.cmp(&b.record))
        });
        v
    }

    /// The years spanned by all signing times, oldest first (empty when no
    /// signature carries a time).
    pub fn years(&self) -> Vec<i32> {
        let all = self
            .signing_times
            .values()
            .flat_map(|t| t.per_year.keys().copied());
        let (min, max) = all.fold((i32::MAX, i32::MIN), |(lo, hi), y| (lo.min(y), hi.max(y)));
        if min > max {
            return Vec::new();
        }
        // A dump spanning centuries (a forged t=) would make a useless axis:
        // keep it readable by listing only years that occur.
        if max - min > 40 {
            let set: BTreeSet<i32> = self
                .signing_times
                .values()
                .flat_map(|t| t.per_year.keys().copied())
                .collect();
            return set.into_iter().collect();
        }
        (min..=max).collect()
    }
}

/// The year of an RFC 3339 time.
fn year(t: &str) -> Option<i32> {
    let y = t.get(..4)?;
    if y.bytes().all(|b| b.is_ascii_digit()) {
        y.parse().ok()
    } else {
        None
    }
}
