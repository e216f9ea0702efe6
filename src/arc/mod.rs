//! ARC (RFC 8617): the chain of custody that intermediaries (mailing lists,
//! forwarders, Gmail) add to a message.
//!
//! Each intermediary adds one ARC set: an ARC-Authentication-Results field
//! (AAR: what it saw when the message arrived, e.g. `dkim=pass`), an
//! ARC-Message-Signature (AMS: a DKIM-like signature over headers and body)
//! and an ARC-Seal (AS: a signature over all ARC fields so far). For a
//! forensic reader the interesting part is the first AAR: if the chain is
//! intact and its sealer's key is archived, it is independent evidence of
//! what the original DKIM signature looked like at receipt, even when the
//! original signer's key has been lost. ARC never upgrades the verdict on
//! its own: it relies on trusting the sealer.
//!
//! Hashing, canonicalization, key lookup and crypto are shared with the DKIM
//! verifier ([`crate::sigcheck`], [`crate::crypto`]) so that key provenance
//! and short keys are handled the same way.

mod corroboration;
mod parse;

pub(crate) use corroboration::corroboration;
pub(crate) use parse::{AarRead, SealStamp};
use parse::{
    Kind, MAX_INSTANCE, aar_instance, parse_arc_sig, sig_hints, sig_instance, strict_tags,
};

use crate::dkim::check::{BodyCache, Judgement, KeyPolicy, header_hash, verify_with_keys};
use crate::dkim::repair::RepairKind;
use crate::dkim::signature::{Canon, DkimSignature};
use crate::keys::{self, ArchivedKey, Resolver};
use crate::limits::Limits;
use crate::message::RawMessage;
use crate::report::arc::{ArcReport, ArcResult, ArcSetReport, ArcSignatureReport};
use crate::report::{Repair, ResultReason, SignatureResult};
use crate::tags::{self, Tag};
use std::collections::BTreeMap;
use std::sync::Arc;

/// RFC 8301: verifiers must not accept RSA keys under 1024 bits.
const MIN_RSA_BITS: usize = 1024;

/// What the ARC stage hands on to the evidence stage: the chain as the
/// report states it, and what the stage read of the message's ARC-Seal and
/// ARC-Authentication-Results fields (also of those the chain check
/// rejects), so that no later stage parses an ARC field again.
#[derive(Debug, Default)]
pub(crate) struct ArcStage {
    /// The chain (RFC 8617 5.2), for the report's `arc`.
    pub report: ArcReport,
    /// Every ARC-Seal field whose tag list can be read, in field order.
    pub seals: Vec<SealStamp>,
    /// Every ARC-Authentication-Results field, in field order.
    pub aars: Vec<AarRead>,
}

/// The fields of one instance, as indices into the message's headers.
#[derive(Default)]
struct SetFields {
    seal: Vec<usize>,
    ams: Vec<usize>,
    aar: Vec<usize>,
}

/// Validates the ARC chain of `msg` (RFC 8617 5.2) and, when it fails on a
/// copy with bare LF line ends, on the copy converted to CRLF: a pass there
/// is kept and the conversion appended to `repairs`, marked as applying to
/// the ARC chain. The seals and AARs handed on are those of `msg` (the
/// conversion changes no instance or `t=` of a chain that passes, and no
/// unfolded field value).
pub(crate) fn check_with_repair(
    resolver: &Resolver,
    limits: &Limits,
    msg: &RawMessage<'_>,
    repairs: &mut Vec<Repair>,
) -> ArcStage {
    let mut arc = check(resolver, limits, msg);
    if arc.report.result != ArcResult::Fail || !crate::message::has_bare_lf(msg.bytes) {
        return arc;
    }
    let fixed = crate::message::lf_to_crlf(msg.bytes);
    let Ok(fixed_msg) = RawMessage::parse(&fixed) else {
        return arc;
    };
    let repaired = check(resolver, limits, &fixed_msg).report;
    if repaired.result != ArcResult::Pass {
        return arc;
    }
    arc.report = repaired;
    arc.report
        .detail
        .push_str(" (after converting bare LF line ends to CRLF)");
    let kind = RepairKind::CrlfLineEndings;
    repairs.push(Repair {
        kind: kind.code().into(),
        description: format!("{} (for the ARC chain)", kind.description()),
        verified_sha256: crate::util::sha256_hex(&fixed),
    });
    arc
}

/// Validates the ARC chain of `msg`. Each ARC-Seal and
/// ARC-Message-Signature tag list, and each ARC-Authentication-Results
/// field, is parsed once, here.
pub(crate) fn check(resolver: &Resolver, limits: &Limits, msg: &RawMessage<'_>) -> ArcStage {
    let fields: Vec<(usize, Kind)> = msg
        .headers
        .iter()
        .enumerate()
        .filter_map(|(i, h)| {
            let kind = if h.is("ARC-Seal") {
                Kind::Seal
            } else if h.is("ARC-Message-Signature") {
                Kind::Ams
            } else if h.is("ARC-Authentication-Results") {
                Kind::Aar
            } else {
                return None;
            };
            Some((i, kind))
        })
        .collect();
    let mut stage = ArcStage::default();
    if fields.is_empty() {
        return stage;
    }
    let mut sets: BTreeMap<u32, SetFields> = BTreeMap::new();
    let mut sig_tags: BTreeMap<usize, Vec<Tag>> = BTreeMap::new();
    let mut problems = Vec::new();
    for (i, kind) in fields {
        let field = &msg.headers[i];
        let inst = match kind {
            Kind::Aar => {
                stage.aars.push(AarRead::of(i, field));
                aar_instance(field.value)
            }
            Kind::Seal | Kind::Ams => {
                let read = tags::parse(field.value);
                if kind == Kind::Seal
                    && let Ok(t) = &read
                {
                    stage.seals.push(SealStamp::of(t));
                }
                strict_tags(field.value, read).and_then(|t| {
                    let n = sig_instance(&t)?;
                    sig_tags.insert(i, t);
                    Ok(n)
                })
            }
        };
        match inst {
            Ok(n) => {
                let set = sets.entry(n).or_default();
                match kind {
                    Kind::Seal => set.seal.push(i),
                    Kind::Ams => set.ams.push(i),
                    Kind::Aar => set.aar.push(i),
                }
            }
            Err(e) => problems.push(format!("{}: {e}", String::from_utf8_lossy(field.name))),
        }
    }
    let mut chain = Chain {
        resolver,
        policy: KeyPolicy {
            min_rsa_bits: MIN_RSA_BITS,
            max_rsa_bits: limits.key_bits(),
        },
        msg,
        sig_tags,
        bodies: BodyCache::default(),
    };
    stage.report = chain.report(&sets, &problems, &stage.aars, limits);
    stage
}

/// Instances 1..=N, each with exactly one AS, AMS and AAR.
fn structure(sets: &BTreeMap<u32, SetFields>) -> Result<(), String> {
    let n = sets.len() as u32;
    if n > MAX_INSTANCE {
        return Err(format!(
            "{n} ARC sets, more than the {MAX_INSTANCE} allowed"
        ));
    }
    for (want, (got, f)) in (1..).zip(sets.iter()) {
        if want != *got {
            return Err(format!("instance {want} is missing (found {got})"));
        }
        for (name, list) in [
            ("ARC-Seal", &f.seal),
            ("ARC-Message-Signature", &f.ams),
            ("ARC-Authentication-Results", &f.aar),
        ] {
            match list.len() {
                1 => {}
                0 => return Err(format!("instance {want} has no {name}")),
                k => return Err(format!("instance {want} has {k} {name} fields")),
            }
        }
    }
    Ok(())
}

struct Chain<'v, 'a, 'm> {
    resolver: &'v Resolver,
    policy: KeyPolicy,
    msg: &'a RawMessage<'m>,
    /// The tag list of every ARC-Seal and ARC-Message-Signature with an
    /// instance, by field index (read once, in [`check`]).
    sig_tags: BTreeMap<usize, Vec<Tag>>,
    bodies: BodyCache,
}

impl Chain<'_, '_, '_> {
    /// The chain's report, from its sets, the `problems` found reading the
    /// fields' instances and the AARs read.
    fn report(
        &mut self,
        sets: &BTreeMap<u32, SetFields>,
        problems: &[String],
        aars: &[AarRead],
        limits: &Limits,
    ) -> ArcReport {
        let mut report = ArcReport {
            result: ArcResult::Fail,
            detail: String::new(),
            sets: sets
                .iter()
                .map(|(n, f)| self.describe(*n, f, aars))
                .collect(),
        };
        if let Some(p) = problems.first() {
            report.detail = format!("broken chain: {p}");
            return report;
        }
        if sets.len() > limits.max_arc_sets as usize {
            report.detail = format!(
                "not checked: {} ARC sets, over the max-arc-sets cap of {} (raise it with --max-arc-sets)",
                sets.len(),
                limits.max_arc_sets
            );
            return report;
        }
        if let Err(e) = structure(sets) {
            report.detail = format!("broken chain: {e}");
            return report;
        }
        let found = self.validate(sets, &mut report.sets);
        if let Some(why) = found.failure {
            report.detail = why;
        } else if found.unchecked.is_empty() {
            report.result = ArcResult::Pass;
            report.detail = format!(
                "{} ARC set(s); every seal and the newest message signature verify",
                sets.len()
            );
        } else {
            report.result = ArcResult::Unverifiable;
            report.detail = found.unchecked_detail();
        }
        report
    }

    /// What can be read of one set, before any check.
    fn describe(&mut self, n: u32, f: &SetFields, aars: &[AarRead]) -> ArcSetReport {
        let first = |l: &Vec<usize>| l.first().map(|i| &self.msg.headers[*i]);
        let seal = first(&f.seal).map(|h| sig_hints(h.value));
        let ams = first(&f.ams).map(|h| sig_hints(h.value));
        let cv = f
            .seal
            .first()
            .and_then(|i| self.sig_tags.get(i))
            .and_then(|t| tags::get(t, "cv").map(|c| c.value.clone()));
        let seal = seal.unwrap_or_default();
        ArcSetReport {
            instance: n,
            domain: seal.domain.clone(),
            selector: seal.selector.clone(),
            key: None,
            cv,
            seal,
            message_signature: ams.unwrap_or_default(),
            authentication_results: f
                .aar
                .first()
                .and_then(|i| aars.iter().find(|a| a.field == *i))
                .map(AarRead::report),
        }
    }

    /// Checks seals, message signatures and `cv=`; returns the first
    /// reason the chain fails and the seals and message signatures that
    /// could not be checked for want of a key.
    fn validate(
        &mut self,
        sets: &BTreeMap<u32, SetFields>,
        out: &mut [ArcSetReport],
    ) -> Validation {
        let n = sets.len();
        let mut found = Validation::default();
        let idx: Vec<(usize, usize, usize)> = sets
            .values()
            .map(|f| (f.aar[0], f.ams[0], f.seal[0]))
            .collect();
        // cv= rules (RFC 8617 5.2 step 2 and 4.1.3)
        for (k, rep) in out.iter().enumerate() {
            let want = if k == 0 { "none" } else { "pass" };
            match rep.cv.as_deref() {
                Some("fail") => found.fail(format!(
                    "ARC-Seal i={} records cv=fail: the chain was already broken",
                    k + 1
                )),
                Some(c) if c == want => {}
                Some(c) => found.fail(format!(
                    "ARC-Seal i={} has cv={c:?}, expected {want}",
                    k + 1
                )),
                None => found.fail(format!("ARC-Seal i={} has no cv=", k + 1)),
            }
        }
        // every AMS is checked for the report; only the newest must verify
        for (k, (_, ams, _)) in idx.iter().enumerate() {
            let r = self.check_ams(*ams);
            if k + 1 == n {
                found.needed(&r, &format!("ARC-Message-Signature i={n}"), || {
                    format!(
                        "the newest ARC-Message-Signature (i={n}) does not verify: {}",
                        r.detail
                    )
                });
            }
            out[k].message_signature = r;
        }
        for k in 0..n {
            let r = self.check_seal(&idx[..=k]);
            found.needed(&r, &format!("ARC-Seal i={}", k + 1), || {
                format!(
                    "the ARC-Seal of instance {} does not verify: {}",
                    k + 1,
                    r.detail
                )
            });
            out[k].key = r.key.clone();
            out[k].seal = r;
        }
        found
    }

    fn check_ams(&mut self, field: usize) -> ArcSignatureReport {
        let h = self.msg.headers[field];
        let mut rep = sig_hints(h.value);
        let sig = match parse_arc_sig(self.tags_of(field), Kind::Ams) {
            Ok(s) => s,
            Err(j) => {
                judge(&mut rep, j);
                return rep;
            }
        };
        let (digest, _) = header_hash(self.msg, field, &sig);
        let (bh, _) = self.bodies.get(self.msg.body(), &sig);
        let (j, key) = self.crypto(&sig, &digest);
        rep.key = key.as_deref().and_then(ArchivedKey::report);
        if j.result == SignatureResult::Pass && bh != sig.body_hash {
            judge(
                &mut rep,
                Judgement::plain(
                    SignatureResult::BodyHashMismatch,
                    "the signature verifies but the body hash does not match".into(),
                ),
            );
        } else {
            judge(&mut rep, j);
        }
        rep
    }

    /// The seal of the last set in `sets`, over the ARC fields of all of them.
    fn check_seal(&mut self, sets: &[(usize, usize, usize)]) -> ArcSignatureReport {
        let Some(&(_, _, seal)) = sets.last() else {
            return ArcSignatureReport::default();
        };
        let h = self.msg.headers[seal];
        let mut rep = sig_hints(h.value);
        let sig = match parse_arc_sig(self.tags_of(seal), Kind::Seal) {
            Ok(s) => s,
            Err(j) => {
                judge(&mut rep, j);
                return rep;
            }
        };
        let mut data = Vec::new();
        for (k, &(aar, ams, s)) in sets.iter().enumerate() {
            crate::dkim::canon::header(Canon::Relaxed, &self.msg.headers[aar], &mut data);
            crate::dkim::canon::header(Canon::Relaxed, &self.msg.headers[ams], &mut data);
            if k + 1 < sets.len() {
                crate::dkim::canon::header(Canon::Relaxed, &self.msg.headers[s], &mut data);
            }
        }
        let b_span = tags::get(&sig.tags, "b")
            .map(|t| t.span.clone())
            .unwrap_or(0..0);
        crate::dkim::canon::signature_header(Canon::Relaxed, &h, b_span, &mut data);
        let digest = crate::crypto::hash(sig.algorithm.hash(), &data);
        let (j, key) = self.crypto(&sig, &digest);
        rep.key = key.as_deref().and_then(ArchivedKey::report);
        judge(&mut rep, j);
        rep
    }

    /// The tag list of the ARC-Seal or ARC-Message-Signature at `field`.
    fn tags_of(&self, field: usize) -> Vec<Tag> {
        self.sig_tags.get(&field).cloned().unwrap_or_default()
    }

    /// Looks up the keys and checks the signature over `digest`.
    fn crypto(&self, sig: &DkimSignature, digest: &[u8]) -> (Judgement, Option<Arc<ArchivedKey>>) {
        let name = keys::record_name(&sig.domain, &sig.selector);
        let found = self.resolver.candidates(&sig.domain, &sig.selector);
        if found.keys.is_empty() {
            let j = match found.temperror {
                Some(w) => Judgement::plain(
                    SignatureResult::Temperror,
                    format!("key lookup failed temporarily: {w}"),
                ),
                None => Judgement::plain(
                    SignatureResult::NoKey,
                    format!("no key for {name} in any source"),
                ),
            };
            return (j, None);
        }
        let outcome = verify_with_keys(sig, &found.keys, digest, &self.policy);
        if let Some(k) = outcome.verified {
            return (
                Judgement::plain(SignatureResult::Pass, format!("verifies with {name}")),
                Some(k),
            );
        }
        if let Some(k) = outcome.failed.last() {
            return (
                Judgement::plain(
                    SignatureResult::BadSignature,
                    format!("does not verify with {name}"),
                ),
                Some(k.clone()),
            );
        }
        match outcome.problems.into_iter().next() {
            Some((j, k)) => (j, Some(k)),
            None => (
                Judgement::malformed(ResultReason::NoUsableKey, "no usable key".into()),
                None,
            ),
        }
    }
}

/// What [`Chain::validate`] found in a chain whose structure is in order.
#[derive(Default)]
struct Validation {
    /// The first reason the chain fails (RFC 8617 5.2: `cv` would be
    /// `fail`), if any.
    failure: Option<String>,
    /// The seals and message signatures needed for validation that could
    /// not be checked because their key is in no source (`no_key`) or its
    /// lookup failed temporarily (`temperror`): the reason in words, and
    /// the field (`ARC-Seal i=1`), in the order checked.
    unchecked: Vec<(String, String)>,
}

impl Validation {
    /// Records `why` the chain fails, unless a reason is already recorded.
    fn fail(&mut self, why: String) {
        if self.failure.is_none() {
            self.failure = Some(why);
        }
    }

    /// Records the outcome of a signature the chain needs, checked as
    /// `rep` for the field `label`: nothing when it passes, unchecked when
    /// its key could not be had, else a failure (`why`).
    fn needed(&mut self, rep: &ArcSignatureReport, label: &str, why: impl FnOnce() -> String) {
        match rep.result {
            Some(SignatureResult::Pass) => {}
            Some(SignatureResult::NoKey) => self.unchecked.push((rep.detail.clone(), label.into())),
            Some(SignatureResult::Temperror) => {
                let name = match (&rep.domain, &rep.selector) {
                    (Some(d), Some(s)) => format!("{}: ", keys::record_name(d, s)),
                    _ => String::new(),
                };
                self.unchecked
                    .push((format!("{name}{}", rep.detail), label.into()));
            }
            Some(
                SignatureResult::BodyHashMismatch
                | SignatureResult::BadSignature
                | SignatureResult::KeyRevoked
                | SignatureResult::Malformed
                | SignatureResult::Unsupported,
            )
            | None => self.fail(why()),
        }
    }

    /// The chain's detail when nothing fails but something was unchecked:
    /// each distinct reason once, with the fields it stopped, e.g. `could
    /// not be checked: no key for s._domainkey.example.net in any source
    /// (ARC-Message-Signature i=1, ARC-Seal i=1); nothing in the chain
    /// fails`.
    fn unchecked_detail(&self) -> String {
        let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
        for (why, label) in &self.unchecked {
            match groups.iter_mut().find(|(w, _)| *w == why.as_str()) {
                Some((_, labels)) => labels.push(label),
                None => groups.push((why, vec![label])),
            }
        }
        let parts: Vec<String> = groups
            .iter()
            .map(|(why, labels)| format!("{why} ({})", labels.join(", ")))
            .collect();
        format!(
            "could not be checked: {}; nothing in the chain fails",
            parts.join("; ")
        )
    }
}

/// Sets an ARC signature report's result, reason and detail from `j`.
fn judge(rep: &mut ArcSignatureReport, j: Judgement) {
    rep.result = Some(j.result);
    rep.reason = j.reason;
    rep.detail = j.detail;
}
