//! The summary of a batch run: what a data desk needs to see about a whole
//! dump at once.
//!
//! Counts per verdict, per signing domain and selector, per finding code; the
//! keys that no source had, ranked by how many messages each would let us
//! check; and, per selector, the first and last signing time seen and which
//! keys (by fingerprint) verified in which period (a rotation timeline).
//!
//! A summary is built from reports ([`Summary::add_report`]) or from the
//! JSONL records a run wrote ([`Entry`], read back with serde), and summaries
//! of shards merge ([`Summary::merge`]) into the summary of the whole run.
//! The model is plain data so that every renderer (text here, HTML or
//! Markdown elsewhere) can present it.

use crate::report::{Report, Verdict};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::hash::{Hash, Hasher};

/// Layout version of the summary JSON.
pub const SUMMARY_SCHEMA_VERSION: u32 = 1;

/// What one message contributes to a summary: the fields of its JSONL
/// record that the summary reads (unknown fields are ignored).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// `source` of the record.
    pub source: String,
    /// `input_sha256` of the record.
    pub input_sha256: String,
    /// `input_bytes` of the record.
    #[serde(default)]
    pub input_bytes: u64,
    /// `verdict` as written.
    pub verdict: String,
    /// Per signature.
    #[serde(default)]
    pub signatures: Vec<EntrySignature>,
    /// Finding codes.
    #[serde(default)]
    pub findings: Vec<EntryFinding>,
    /// The report's signing-time window (`time_window`), when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_window: Option<EntryWindow>,
}

/// The fields of a report's `time_window` that the summary reads.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EntryWindow {
    /// Earliest signing time (RFC 3339).
    #[serde(default)]
    pub not_before: Option<String>,
    /// Latest signing time (RFC 3339).
    #[serde(default)]
    pub not_after: Option<String>,
}

impl Entry {
    /// When signature `s` of this message was made, as the message's report
    /// states it: its `t=` (one moment), else the report's time window when
    /// that window dates the message as a whole (lower bound from the Date
    /// header, upper bound from the topmost Received header or `x=`), else
    /// nothing. A window whose lower bound is another signature's `t=` does
    /// not date this one.
    pub fn signing_span(&self, s: &EntrySignature) -> Span {
        let mut span = Span::default();
        if let Some(t) = s.signed_at.as_deref() {
            span.see(Some(t));
        } else if let Some(w) = &self.time_window
            // a lower bound equal to a signature's t= is that signature's
            // (the window's "how" is prose for readers, not read here)
            && !self
                .signatures
                .iter()
                .any(|o| o.signed_at.is_some() && o.signed_at == w.not_before)
            && (w.not_before.is_some() || w.not_after.is_some())
        {
            span.see(w.not_before.as_deref());
            span.see(w.not_after.as_deref());
        }
        span
    }
}

/// The fields of one signature that the summary reads.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EntrySignature {
    /// 1-based position among the DKIM-Signature fields (records before
    /// this field was read: the position in `signatures`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
    /// `d=`
    #[serde(default)]
    pub domain: Option<String>,
    /// `s=`
    #[serde(default)]
    pub selector: Option<String>,
    /// Result string (`pass`, `no_key`, ...).
    pub result: String,
    /// `t=` as RFC 3339.
    #[serde(default)]
    pub signed_at: Option<String>,
    /// The key that verified (or the first candidate).
    #[serde(default)]
    pub key: Option<EntryKey>,
}

/// Key fingerprint and size.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EntryKey {
    /// SHA-256 of the DER public key.
    pub sha256: String,
    /// Size in bits.
    #[serde(default)]
    pub bits: usize,
}

/// A finding code.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EntryFinding {
    /// Stable snake_case code.
    pub code: String,
    /// 1-based index of the signature it concerns, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<usize>,
}

impl From<&Report> for Entry {
    fn from(r: &Report) -> Self {
        Entry {
            source: r.source.clone(),
            input_sha256: r.input_sha256.clone(),
            input_bytes: r.input_bytes,
            verdict: r.verdict.as_str().to_string(),
            signatures: r
                .signatures
                .iter()
                .map(|s| EntrySignature {
                    index: Some(s.index),
                    domain: s.domain.clone(),
                    selector: s.selector.clone(),
                    result: s.result.as_str().to_string(),
                    signed_at: s.signed_at.clone(),
                    key: s.key.as_ref().map(|k| EntryKey {
                        sha256: k.sha256.clone(),
                        bits: k.bits,
                    }),
                })
                .collect(),
            findings: r
                .findings
                .iter()
                .map(|f| EntryFinding {
                    code: f.code.clone(),
                    signature: f.signature,
                })
                .collect(),
            time_window: r.time_window.as_ref().map(|w| EntryWindow {
                not_before: w.not_before.clone(),
                not_after: w.not_after.clone(),
            }),
        }
    }
}

/// A time span, RFC 3339 strings (they order lexically).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    /// Earliest signing time seen.
    pub first: Option<String>,
    /// Latest signing time seen.
    pub last: Option<String>,
}

impl Span {
    /// Extends the span to include `t`.
    pub fn see(&mut self, t: Option<&str>) {
        let Some(t) = t else { return };
        if self.first.as_deref().is_none_or(|f| t < f) {
            self.first = Some(t.to_string());
        }
        if self.last.as_deref().is_none_or(|l| t > l) {
            self.last = Some(t.to_string());
        }
    }

    /// Extends the span to include `o`.
    pub fn merge(&mut self, o: &Span) {
        self.see(o.first.as_deref());
        self.see(o.last.as_deref());
    }
}

/// One key seen verifying signatures of a selector.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KeyPeriod {
    /// Key size in bits.
    pub bits: usize,
    /// Signatures whose header signature this key verified.
    pub verified: u64,
    /// Signing times of those signatures.
    pub signed: Span,
}

/// Counts for one selector of one domain.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SelectorStats {
    /// Signatures by this selector.
    pub signatures: u64,
    /// Signatures per result.
    pub results: BTreeMap<String, u64>,
    /// First and last signing time of any of its signatures.
    pub signed: Span,
    /// Keys that verified, by SHA-256 fingerprint, with when they signed.
    pub keys: BTreeMap<String, KeyPeriod>,
}

/// A key no source had. With `verify --recover`, also a key that no source
/// had and that was recovered from the input's own signatures.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MissingKey {
    /// `selector._domainkey.domain`
    pub record: String,
    /// Domain.
    pub domain: String,
    /// Selector.
    pub selector: String,
    /// Messages with a signature that needs this key.
    pub messages: u64,
    /// Of those, messages left `unverifiable`: nothing else could be checked.
    pub unverifiable_messages: u64,
    /// When the signatures needing it were made.
    pub signed: Span,
    /// Messages whose signature for this record verified with a key
    /// recovered from the input's own signatures (finding `key_recovered`);
    /// they are not counted in `messages`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub recovered_messages: u64,
    /// SHA-256 fingerprints of the keys recovered for this record, sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recovered_keys: Vec<String>,
    /// Why recovery (`verify --recover`) left signatures of this record
    /// without a key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_recovered: Option<String>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl MissingKey {
    /// Whether messages still need this key (some signature had none).
    pub fn still_missing(&self) -> bool {
        self.messages > 0
    }
}

/// The summary of a run (or of several merged).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// [`SUMMARY_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Messages counted.
    pub messages: u64,
    /// Input bytes of those messages.
    pub bytes: u64,
    /// Records seen twice (same source and input hash) and counted once.
    pub duplicates_ignored: u64,
    /// Messages per verdict.
    pub verdicts: BTreeMap<String, u64>,
    /// Messages per finding code (a message counts once per code).
    pub findings: BTreeMap<String, u64>,
    /// Per signing domain, per selector.
    pub domains: BTreeMap<String, BTreeMap<String, SelectorStats>>,
    /// Absent keys, most useful first.
    #[serde(with = "ranked")]
    pub missing_keys: BTreeMap<String, MissingKey>,
    /// 64-bit hashes of (source, input hash) already counted: 8 bytes a
    /// message, so a million-message dump costs a few MB.
    #[serde(skip)]
    seen: HashSet<u64>,
}

impl Default for Summary {
    fn default() -> Self {
        Summary {
            schema_version: SUMMARY_SCHEMA_VERSION,
            messages: 0,
            bytes: 0,
            duplicates_ignored: 0,
            verdicts: BTreeMap::new(),
            findings: BTreeMap::new(),
            domains: BTreeMap::new(),
            missing_keys: BTreeMap::new(),
            seen: HashSet::new(),
        }
    }
}

/// Missing keys are kept by record name and written as a list ranked by
/// the number of messages each would let us check.
mod ranked {
    use super::MissingKey;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::collections::BTreeMap;

    pub fn serialize<S: Serializer>(
        m: &BTreeMap<String, MissingKey>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        super::rank(m).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<String, MissingKey>, D::Error> {
        let v: Vec<MissingKey> = Vec::deserialize(d)?;
        let mut m: BTreeMap<String, MissingKey> = BTreeMap::new();
        for k in v {
            match m.get_mut(&k.record) {
                Some(e) => super::merge_missing(e, &k),
                None => {
                    m.insert(k.record.clone(), k);
                }
            }
        }
        Ok(m)
    }
}

/// Missing keys ranked: most messages first, then most messages with
/// nothing else to check, then by name.
pub fn rank(m: &BTreeMap<String, MissingKey>) -> Vec<&MissingKey> {
    let mut v: Vec<&MissingKey> = m.values().collect();
    v.sort_by(|a, b| {
        b.messages
            .cmp(&a.messages)
            .then(b.unverifiable_messages.cmp(&a.unverifiable_messages))
            .then(a.record.cmp(&b.record))
    });
    v
}

fn merge_missing(e: &mut MissingKey, o: &MissingKey) {
    e.messages += o.messages;
    e.unverifiable_messages += o.unverifiable_messages;
    e.signed.merge(&o.signed);
    e.recovered_messages += o.recovered_messages;
    for k in &o.recovered_keys {
        add_sorted(&mut e.recovered_keys, k);
    }
    if e.not_recovered.is_none() {
        e.not_recovered.clone_from(&o.not_recovered);
    }
}

fn add_sorted(v: &mut Vec<String>, x: &str) {
    if let Err(i) = v.binary_search_by(|y| y.as_str().cmp(x)) {
        v.insert(i, x.to_string());
    }
}

fn bump(m: &mut BTreeMap<String, u64>, k: &str, n: u64) {
    match m.get_mut(k) {
        Some(c) => *c += n,
        None => {
            m.insert(k.to_string(), n);
        }
    }
}

impl Summary {
    /// An empty summary.
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts a report.
    pub fn add_report(&mut self, r: &Report) {
        self.add(&Entry::from(r));
    }

    /// Counts a record; a record already counted (same source and input
    /// hash) is ignored and counted in `duplicates_ignored`. Returns whether
    /// it was counted.
    pub fn add(&mut self, e: &Entry) -> bool {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (&e.source, &e.input_sha256).hash(&mut h);
        if !self.seen.insert(h.finish()) {
            self.duplicates_ignored += 1;
            return false;
        }
        self.messages += 1;
        self.bytes += e.input_bytes;
        bump(&mut self.verdicts, &e.verdict, 1);
        let codes: BTreeSet<&str> = e.findings.iter().map(|f| f.code.as_str()).collect();
        for c in codes {
            bump(&mut self.findings, c, 1);
        }
        let mut missing_here: BTreeSet<String> = BTreeSet::new();
        let mut recovered_here: BTreeSet<String> = BTreeSet::new();
        let recovered_sigs: BTreeSet<usize> = e
            .findings
            .iter()
            .filter(|f| f.code == "key_recovered")
            .filter_map(|f| f.signature)
            .collect();
        for (pos, s) in e.signatures.iter().enumerate() {
            let signed = e.signing_span(s);
            let domain = s.domain.as_deref().unwrap_or("(none)").to_ascii_lowercase();
            let selector = s.selector.as_deref().unwrap_or("(none)").to_string();
            let st = self
                .domains
                .entry(domain.clone())
                .or_default()
                .entry(selector.clone())
                .or_default();
            st.signatures += 1;
            bump(&mut st.results, &s.result, 1);
            st.signed.merge(&signed);
            if matches!(s.result.as_str(), "pass" | "body_hash_mismatch")
                && let Some(k) = &s.key
            {
                let p = st.keys.entry(k.sha256.clone()).or_default();
                p.bits = k.bits;
                p.verified += 1;
                p.signed.merge(&signed);
            }
            if s.result == "no_key" && s.domain.is_some() && s.selector.is_some() {
                let record = crate::keys::record_name(&domain, &selector);
                let mk = self
                    .missing_keys
                    .entry(record.clone())
                    .or_insert_with(|| MissingKey {
                        record: record.clone(),
                        domain: domain.clone(),
                        selector: selector.clone(),
                        ..Default::default()
                    });
                mk.signed.merge(&signed);
                if missing_here.insert(record) {
                    mk.messages += 1;
                    if e.verdict == Verdict::Unverifiable.as_str() {
                        mk.unverifiable_messages += 1;
                    }
                }
            }
            if recovered_sigs.contains(&s.index.unwrap_or(pos + 1))
                && s.domain.is_some()
                && s.selector.is_some()
                && let Some(k) = &s.key
            {
                let record = crate::keys::record_name(&domain, &selector);
                let mk = self.missing_entry(&record, &domain, &selector);
                mk.signed.merge(&signed);
                add_sorted(&mut mk.recovered_keys, &k.sha256);
                if recovered_here.insert(record) {
                    mk.recovered_messages += 1;
                }
            }
        }
        true
    }

    fn missing_entry(&mut self, record: &str, domain: &str, selector: &str) -> &mut MissingKey {
        self.missing_keys
            .entry(record.to_string())
            .or_insert_with(|| MissingKey {
                record: record.to_string(),
                domain: domain.to_string(),
                selector: selector.to_string(),
                ..Default::default()
            })
    }

    /// Notes why key recovery (`verify --recover`) left the signatures of
    /// `selector._domainkey.domain` without a key, in that record's entry
    /// of `missing_keys` (nothing happens when it has none).
    pub fn note_not_recovered(&mut self, domain: &str, selector: &str, reason: &str) {
        let record = crate::keys::record_name(domain, selector);
        if let Some(mk) = self.missing_keys.get_mut(&record) {
            mk.not_recovered = Some(reason.to_string());
        }
    }

    /// Adds another summary (a shard of the same run). Duplicates across
    /// summaries cannot be seen here: merge the JSONL records for that.
    pub fn merge(&mut self, o: &Summary) {
        self.messages += o.messages;
        self.bytes += o.bytes;
        self.duplicates_ignored += o.duplicates_ignored;
        for (k, n) in &o.verdicts {
            bump(&mut self.verdicts, k, *n);
        }
        for (k, n) in &o.findings {
            bump(&mut self.findings, k, *n);
        }
        for (d, sels) in &o.domains {
            let mine = self.domains.entry(d.clone()).or_default();
            for (s, st) in sels {
                let m = mine.entry(s.clone()).or_default();
                m.signatures += st.signatures;
                for (r, n) in &st.results {
                    bump(&mut m.results, r, *n);
                }
                m.signed.merge(&st.signed);
                for (fp, p) in &st.keys {
                    let mp = m.keys.entry(fp.clone()).or_default();
                    mp.bits = p.bits;
                    mp.verified += p.verified;
                    mp.signed.merge(&p.signed);
                }
            }
        }
        for (r, mk) in &o.missing_keys {
            match self.missing_keys.get_mut(r) {
                Some(e) => merge_missing(e, mk),
                None => {
                    self.missing_keys.insert(r.clone(), mk.clone());
                }
            }
        }
    }

    /// Messages with this verdict.
    pub fn count(&self, v: Verdict) -> u64 {
        self.verdicts.get(v.as_str()).copied().unwrap_or(0)
    }

    /// Whether every message counted was `verified` (true when none was).
    pub fn all_verified(&self) -> bool {
        self.count(Verdict::Verified) == self.messages
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(source: &str, verdict: &str, sigs: &[(&str, &str, &str, Option<&str>)]) -> Entry {
        Entry {
            source: source.into(),
            input_sha256: format!("h-{source}"),
            input_bytes: 10,
            verdict: verdict.into(),
            signatures: sigs
                .iter()
                .map(|(d, s, r, k)| EntrySignature {
                    index: None,
                    domain: Some(d.to_string()),
                    selector: Some(s.to_string()),
                    result: r.to_string(),
                    signed_at: Some(format!("2015-0{}-01T00:00:00Z", source.len() % 9 + 1)),
                    key: k.map(|k| EntryKey {
                        sha256: k.into(),
                        bits: 2048,
                    }),
                })
                .collect(),
            findings: vec![EntryFinding {
                code: "weak_key".into(),
                signature: None,
            }],
            time_window: None,
        }
    }

    /// `t=` dates a signature; without it, a window dated by the Date
    /// header does; a window whose lower bound is another signature's `t=`
    /// does not.
    #[test]
    fn signing_span_prefers_t_then_a_message_wide_window() {
        let mut e = entry("a", "verified", &[("x.com", "s1", "pass", None)]);
        let window = EntryWindow {
            not_before: Some("2015-06-01T12:00:00Z".into()),
            not_after: Some("2015-06-02T00:00:00Z".into()),
        };
        e.time_window = Some(window);
        let t = e.signing_span(&e.signatures[0]);
        assert_eq!(t.first, t.last, "t= is one moment");
        e.signatures[0].signed_at = None;
        let w = e.signing_span(&e.signatures[0]);
        assert_eq!(w.first.as_deref(), Some("2015-06-01T12:00:00Z"));
        assert_eq!(w.last.as_deref(), Some("2015-06-02T00:00:00Z"));
        // the window's lower bound is another signature's t=
        let mut other = e.signatures[0].clone();
        other.signed_at = Some("2015-06-01T12:00:00Z".into());
        e.signatures.push(other);
        assert_eq!(e.signing_span(&e.signatures[0]), Span::default());
    }

    #[test]
    fn counts_ranks_and_merges() {
        let a = vec![
            entry("a", "verified", &[("x.com", "s1", "pass", Some("K1"))]),
            entry("bb", "unverifiable", &[("y.com", "old", "no_key", None)]),
            entry(
                "ccc",
                "verified",
                &[
                    ("x.com", "s1", "pass", Some("K2")),
                    ("z.com", "esp", "no_key", None),
                ],
            ),
            entry("dddd", "unverifiable", &[("y.com", "old", "no_key", None)]),
        ];
        let mut s = Summary::new();
        for e in &a {
            assert!(s.add(e));
        }
        assert!(!s.add(&a[0]));
        assert_eq!(s.duplicates_ignored, 1);
        assert_eq!(s.messages, 4);
        assert_eq!(s.count(Verdict::Verified), 2);
        assert_eq!(s.findings["weak_key"], 4);
        let x = &s.domains["x.com"]["s1"];
        assert_eq!((x.signatures, x.keys.len()), (2, 2));
        assert_eq!(
            x.keys["K2"].signed.first.as_deref(),
            Some("2015-04-01T00:00:00Z")
        );
        let ranked = rank(&s.missing_keys);
        assert_eq!(ranked[0].record, "old._domainkey.y.com");
        assert_eq!(
            (ranked[0].messages, ranked[0].unverifiable_messages),
            (2, 2)
        );
        assert_eq!(
            (ranked[1].messages, ranked[1].unverifiable_messages),
            (1, 0)
        );

        // a summary written and read back merges like the records it came from
        let json = serde_json::to_string(&s).unwrap();
        let back: Summary = serde_json::from_str(&json).unwrap();
        let mut twice = back.clone();
        twice.merge(&back);
        assert_eq!(twice.messages, 8);
        assert_eq!(twice.missing_keys["old._domainkey.y.com"].messages, 4);
        assert_eq!(twice.domains["x.com"]["s1"].keys["K1"].verified, 2);
    }

    #[test]
    fn recovered_keys_are_listed_apart_from_the_missing_ones() {
        let mut recovered = entry(
            "r.eml",
            "verified",
            &[("x.com", "old", "pass", Some("fp1"))],
        );
        recovered.findings.push(EntryFinding {
            code: "key_recovered".into(),
            signature: Some(1),
        });
        // the same selector, but this message's signature still had no key
        let still = entry("s.eml", "unverifiable", &[("x.com", "old", "no_key", None)]);
        let lone = entry("l.eml", "unverifiable", &[("y.com", "one", "no_key", None)]);
        // a key from an archive: no key_recovered finding, not listed
        let plain = entry("p.eml", "verified", &[("z.com", "k", "pass", Some("fp2"))]);
        let mut s = Summary::new();
        for e in [&recovered, &still, &lone, &plain] {
            s.add(e);
        }
        s.note_not_recovered("y.com", "one", "only one signature");
        s.note_not_recovered("absent.com", "a", "ignored: no entry");
        let x = &s.missing_keys["old._domainkey.x.com"];
        assert_eq!((x.messages, x.recovered_messages), (1, 1));
        assert_eq!(x.recovered_keys, ["fp1"]);
        assert!(x.still_missing());
        let y = &s.missing_keys["one._domainkey.y.com"];
        assert_eq!(y.not_recovered.as_deref(), Some("only one signature"));
        assert!(y.recovered_keys.is_empty());
        assert_eq!(s.missing_keys.len(), 2);
        // Round trip through JSON and a merge keep the recovery fields.
        let json = serde_json::to_string(&s).unwrap();
        let back: Summary = serde_json::from_str(&json).unwrap();
        let mut twice = back.clone();
        twice.merge(&back);
        let x2 = &twice.missing_keys["old._domainkey.x.com"];
        assert_eq!((x2.recovered_messages, x2.recovered_keys.len()), (2, 1));
        assert_eq!(
            twice.missing_keys["one._domainkey.y.com"]
                .not_recovered
                .as_deref(),
            Some("only one signature")
        );
        // Without recovery the JSON has none of the new fields.
        let mut plain_only = Summary::new();
        plain_only.add(&lone);
        let j = serde_json::to_string(&plain_only).unwrap();
        assert!(!j.contains("recovered"), "{j}");
    }
}
