//! The verifier: checks every DKIM signature of a message against the key
//! sources, header signature and body hash separately, and builds a report.

use crate::clock::{Clock, SystemClock};
use crate::keys::{self, ArchivedKey, KeySource, Lookup};
use crate::limits::Limits;
use crate::message::RawMessage;
use crate::repair::RepairKind;
use crate::report::{Repair, Report, SignatureResult};
use crate::sigcheck::{BodyCache, header_hash, usable};
use crate::signature::{Canon, DkimSignature, SignatureError, SignatureHints};
use std::sync::Arc;

/// Most transformations combined in one repair attempt.
const MAX_REPAIRS: usize = 3;
/// Most repair attempts per message (bounds the work on hostile input).
const MAX_REPAIR_PLANS: usize = 48;

/// The best repair attempt: the plan, the repaired bytes, their checks.
struct Repaired {
    plan: Vec<RepairKind>,
    bytes: Vec<u8>,
    checks: Vec<SigCheck>,
    verdict: crate::Verdict,
}

/// Verifies messages. Cheap to share between threads.
pub struct Verifier {
    sources: Vec<Box<dyn KeySource>>,
    clock: Box<dyn Clock>,
    pub(crate) limits: Limits,
}

/// Builds a [`Verifier`].
pub struct VerifierBuilder {
    sources: Vec<Box<dyn KeySource>>,
    live: Vec<Box<dyn KeySource>>,
    builtin: bool,
    clock: Box<dyn Clock>,
    limits: Limits,
}

impl VerifierBuilder {
    /// Adds a key source; sources are consulted in the order added, before
    /// the built-in archive.
    pub fn key_source(mut self, source: impl KeySource + 'static) -> Self {
        self.sources.push(Box::new(source));
        self
    }

    /// Adds a live source (DNS), consulted after every archive, the
    /// built-in one included.
    pub fn live_source(mut self, source: impl KeySource + 'static) -> Self {
        self.live.push(Box::new(source));
        self
    }

    /// Whether to consult the built-in archive (after the other sources).
    pub fn builtin_archive(mut self, yes: bool) -> Self {
        self.builtin = yes;
        self
    }

    /// Replaces the system clock (used only to judge `x=` against today).
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Box::new(clock);
        self
    }

    /// Replaces the default caps on message size, header count, signatures
    /// and the like (see [`Limits`]).
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The verifier.
    pub fn build(mut self) -> Verifier {
        if self.builtin {
            self.sources.push(Box::new(keys::builtin()));
        }
        self.sources.append(&mut self.live);
        Verifier {
            sources: self.sources,
            clock: self.clock,
            limits: self.limits,
        }
    }
}

/// The outcome of checking one DKIM-Signature field (internal).
pub(crate) struct SigCheck {
    pub index: usize,
    /// Index of the DKIM-Signature field among the message's header fields.
    pub field: usize,
    pub sig: Result<DkimSignature, SignatureError>,
    pub hints: SignatureHints,
    pub result: SignatureResult,
    pub detail: String,
    pub header_valid: Option<bool>,
    pub body_matches: Option<bool>,
    pub key: Option<Arc<ArchivedKey>>,
    pub keys_tried: usize,
    /// Set when live DNS now publishes a key the archives do not hold.
    pub key_rotated: Option<String>,
    pub canonical_body_len: Option<u64>,
    /// Indices into the message's header list covered by this signature.
    pub covered: Vec<usize>,
}

impl Verifier {
    /// A builder with no sources, the built-in archive on and the system clock.
    pub fn builder() -> VerifierBuilder {
        VerifierBuilder {
            sources: Vec::new(),
            live: Vec::new(),
            builtin: true,
            clock: Box::new(SystemClock),
            limits: Limits::default(),
        }
    }

    /// Names of the key sources, in the order consulted.
    pub fn source_names(&self) -> Vec<String> {
        self.sources.iter().map(|s| s.name()).collect()
    }

    /// The caps this verifier applies.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Verifies one message given as raw bytes; `source` names it in the report.
    /// A message over a message-level cap of [`Limits`] gets an `error`
    /// report naming the cap.
    pub fn verify_bytes(&self, source: &str, bytes: &[u8]) -> Report {
        if let Err(why) = self.limits.check_message(bytes) {
            return Report::error(source, bytes, why);
        }
        let msg = match RawMessage::parse(bytes) {
            Ok(m) => m,
            Err(e) => return Report::error(source, bytes, e.to_string()),
        };
        let mut report = self.verify_dkim(source, &msg);
        crate::arc::attach(self, &msg, &mut report);
        report
    }

    /// The DKIM part of [`Verifier::verify_bytes`].
    fn verify_dkim(&self, source: &str, msg: &RawMessage<'_>) -> Report {
        let bytes = msg.bytes;
        let now = self.clock.now();
        let checks = self.check_all(msg);
        let verdict = crate::analysis::verdict_of(msg, &checks);
        // Repairs can only help a signature whose key was found and whose
        // check failed on these bytes.
        let failing: Vec<&SigCheck> = checks
            .iter()
            .filter(|c| {
                matches!(
                    c.result,
                    SignatureResult::BadSignature | SignatureResult::BodyHashMismatch
                )
            })
            .collect();
        if verdict != crate::Verdict::Verified && !failing.is_empty() {
            // A repair can only help the part that failed: when every failing
            // signature's header signature verified, only body repairs matter;
            // when every failing signature's body hash matched, only header ones.
            let body_only = failing.iter().all(|c| c.header_valid == Some(true));
            let headers_only = failing.iter().all(|c| c.body_matches == Some(true));
            // Nor can a repair that relaxed canonicalization undoes anyway:
            // trailing white space (relaxed body) and folding (relaxed
            // headers) do not change what such a signature hashed.
            let relaxed = |part: fn(&DkimSignature) -> Canon| {
                failing
                    .iter()
                    .all(|c| c.sig.as_ref().is_ok_and(|s| part(s) == Canon::Relaxed))
            };
            let (relaxed_body, relaxed_headers) =
                (relaxed(|s| s.body_canon), relaxed(|s| s.header_canon));
            let allowed: Vec<RepairKind> = RepairKind::ALL
                .into_iter()
                .filter(|k| !body_only || k.touches_body())
                .filter(|k| !headers_only || k.touches_headers())
                .filter(|k| !(relaxed_body && *k == RepairKind::TrailingWhitespace))
                .filter(|k| !(relaxed_headers && *k == RepairKind::UnfoldHeaders))
                .collect();
            if let Some(best) = self
                .try_repairs(bytes, &allowed)
                .filter(|b| b.verdict < verdict)
            {
                let fixed_msg = RawMessage::parse(&best.bytes).expect("parsed when tried");
                let sha = crate::util::sha256_hex(&best.bytes);
                let repairs = best
                    .plan
                    .iter()
                    .map(|k| Repair {
                        kind: k.code().into(),
                        description: k.description().into(),
                        verified_sha256: sha.clone(),
                    })
                    .collect();
                return crate::analysis::build(
                    source,
                    bytes,
                    &fixed_msg,
                    &best.checks,
                    repairs,
                    now,
                );
            }
        }
        crate::analysis::build(source, bytes, msg, &checks, Vec::new(), now)
    }

    /// Tries the repair plans fewest-transformations first and returns the
    /// best verdict reached by the fewest transformations. Only verdicts are
    /// computed here; the caller builds the one report that is kept.
    fn try_repairs(&self, bytes: &[u8], allowed: &[RepairKind]) -> Option<Repaired> {
        let mut best: Option<Repaired> = None;
        for mut plan in crate::repair::plans_for(bytes, MAX_REPAIRS, allowed)
            .into_iter()
            .take(MAX_REPAIR_PLANS)
        {
            if best
                .as_ref()
                .is_some_and(|b| b.verdict == crate::Verdict::Verified)
            {
                break;
            }
            if RepairKind::FinalNewline.applies(bytes) {
                plan.insert(
                    plan.len() - usize::from(plan.last() == Some(&RepairKind::CrlfLineEndings)),
                    RepairKind::FinalNewline,
                );
            }
            let fixed = crate::repair::apply_all(bytes, &plan);
            let Ok(fixed_msg) = RawMessage::parse(&fixed) else {
                continue;
            };
            let checks = self.check_all(&fixed_msg);
            let verdict = crate::analysis::verdict_of(&fixed_msg, &checks);
            if best.as_ref().is_none_or(|b| verdict < b.verdict) {
                best = Some(Repaired {
                    plan,
                    bytes: fixed,
                    checks,
                    verdict,
                });
            }
        }
        best
    }

    fn check_all(&self, msg: &RawMessage<'_>) -> Vec<SigCheck> {
        let mut bodies = BodyCache::default();
        msg.headers
            .iter()
            .enumerate()
            .filter(|(_, h)| h.is("DKIM-Signature"))
            .enumerate()
            .map(|(n, (field, _))| self.check_one(msg, n + 1, field, &mut bodies))
            .collect()
    }

    fn check_one(
        &self,
        msg: &RawMessage<'_>,
        index: usize,
        field: usize,
        bodies: &mut BodyCache,
    ) -> SigCheck {
        let value = msg.headers[field].value;
        let mut check = SigCheck {
            index,
            field,

            sig: DkimSignature::parse(value),
            hints: crate::signature::hints(value),
            result: SignatureResult::Malformed,
            detail: String::new(),
            header_valid: None,
            body_matches: None,
            key: None,
            keys_tried: 0,
            key_rotated: None,
            canonical_body_len: None,
            covered: Vec::new(),
        };
        if index > self.limits.max_signatures {
            let why = format!(
                "not checked: signature {index} is over the max-signatures cap of {} per message (raise it with --max-signatures)",
                self.limits.max_signatures
            );
            check.sig = Err(SignatureError::Malformed(why.clone()));
            check.detail = why;
            return check;
        }
        let sig = match &check.sig {
            Ok(s) => s.clone(),
            Err(e) => {
                check.result = match e {
                    SignatureError::Malformed(_) => SignatureResult::Malformed,
                    SignatureError::Unsupported(_) => SignatureResult::Unsupported,
                };
                check.detail = e.to_string();
                return check;
            }
        };
        if !msg.fields("From").any(|f| f.text().contains('@')) {
            check.result = SignatureResult::Malformed;
            check.detail = if msg.count("From") == 0 {
                "the message has no From header field, which every signature must cover (RFC 6376 5.4)".into()
            } else {
                "the From header field holds no mailbox address (RFC 5322 3.6.2), so there is no author for the signature to vouch for".into()
            };
            return check;
        }
        if !bodies.has(&sig) && bodies.len() >= self.limits.max_body_hashes {
            check.detail = format!(
                "not checked: this signature needs a body hash (l=, c=, a= combination) beyond the max-body-hashes cap of {} different ones per message (raise it with --max-body-hashes)",
                self.limits.max_body_hashes
            );
            return check;
        }
        // Body hash: always computed, whatever the key lookup says.
        let (body_hash, canon_len) = bodies.get(msg.body(), &sig);
        check.body_matches = Some(body_hash == sig.body_hash);
        check.canonical_body_len = Some(canon_len);
        let (header_digest, covered) = header_hash(msg, field, &sig);
        check.covered = covered;

        let (candidates, temp, rotated) = self.candidates(&sig.domain, &sig.selector);
        check.keys_tried = candidates.len();
        check.key_rotated = rotated;
        if candidates.is_empty() {
            (check.result, check.detail) = match temp {
                Some(why) => (
                    SignatureResult::Temperror,
                    format!("key lookup failed temporarily: {why}"),
                ),
                None => (
                    SignatureResult::NoKey,
                    format!(
                        "no key for {} in any source",
                        keys::record_name(&sig.domain, &sig.selector)
                    ),
                ),
            };
            return check;
        }
        let mut problems: Vec<(SignatureResult, String)> = Vec::new();
        for key in &candidates {
            match usable(&sig, key) {
                Err(p) => problems.push(p),
                Ok(pk) if pk.key_type() == "rsa" && pk.bits > self.limits.key_bits() => {
                    problems.push((
                        SignatureResult::Malformed,
                        format!(
                            "RSA key of {} bits is over the max-key-bits cap of {} (raise it with --max-key-bits)",
                            pk.bits,
                            self.limits.key_bits()
                        ),
                    ));
                }
                Ok(pk) => {
                    let ok = pk.verify(sig.algorithm.hash(), &header_digest, &sig.signature);
                    if ok {
                        check.key = Some(key.clone());
                        check.header_valid = Some(true);
                        break;
                    }
                    problems.push((SignatureResult::BadSignature, String::new()));
                    if check.key.is_none() {
                        check.key = Some(key.clone());
                    }
                }
            }
        }
        let body_ok = check.body_matches == Some(true);
        if let Some(why) = unusable_claims(&sig, canon_len, self.clock.now()) {
            if problems
                .iter()
                .any(|(r, _)| *r == SignatureResult::BadSignature)
                && check.header_valid.is_none()
            {
                check.header_valid = Some(false);
            }
            check.result = SignatureResult::Malformed;
            check.detail = format!(
                "{why}; header signature {}",
                if check.header_valid == Some(true) {
                    "verifies"
                } else {
                    "does not verify"
                }
            );
            return check;
        }
        if check.header_valid == Some(true) {
            (check.result, check.detail) = if body_ok {
                (
                    SignatureResult::Pass,
                    "header signature and body hash verify".into(),
                )
            } else {
                (
                    SignatureResult::BodyHashMismatch,
                    "header signature verifies; the body hash does not match (body changed after signing)".into(),
                )
            };
            return check;
        }
        if problems
            .iter()
            .any(|(r, _)| *r == SignatureResult::BadSignature)
        {
            check.header_valid = Some(false);
            check.result = SignatureResult::BadSignature;
            check.detail = format!(
                "header signature does not verify with {} ({}); body hash {}",
                if candidates.len() == 1 {
                    "the key".to_string()
                } else {
                    format!("any of {} keys", candidates.len())
                },
                keys::record_name(&sig.domain, &sig.selector),
                if body_ok {
                    "matches"
                } else {
                    "does not match either"
                }
            );
            return check;
        }
        // No usable key: report the most telling problem.
        let order = [
            SignatureResult::KeyRevoked,
            SignatureResult::Unsupported,
            SignatureResult::Malformed,
        ];
        let (result, detail) = order
            .iter()
            .find_map(|r| problems.iter().find(|(p, _)| p == r))
            .cloned()
            .unwrap_or((SignatureResult::Malformed, "no usable key".into()));
        check.result = result;
        check.detail = detail;
        check
    }

    /// Candidate keys from every source in order (deduplicated by
    /// fingerprint), the first temporary failure if any, and a note when a
    /// live source publishes a key that the archives do not hold.
    pub(crate) fn candidates(
        &self,
        domain: &str,
        selector: &str,
    ) -> (Vec<Arc<ArchivedKey>>, Option<String>, Option<String>) {
        let mut out: Vec<Arc<ArchivedKey>> = Vec::new();
        let mut temp = None;
        let (mut archived, mut live) = (Vec::new(), Vec::new());
        for s in &self.sources {
            match s.lookup(domain, selector) {
                Lookup::Found(keys) => {
                    for k in keys {
                        let fp = k.sha256().unwrap_or("(no usable key)").to_string();
                        if s.is_live() {
                            live.push(fp);
                        } else {
                            archived.push(fp);
                        }
                        let dup = k.sha256().is_some()
                            && out
                                .iter()
                                .any(|o| o.sha256() == k.sha256() && o.record == k.record);
                        if !dup {
                            out.push(k);
                        }
                    }
                }
                Lookup::NotFound => {}
                Lookup::TempFail(why) => {
                    temp.get_or_insert(why);
                }
            }
        }
        let fresh: Vec<&String> = live.iter().filter(|fp| !archived.contains(fp)).collect();
        let rotated = (!archived.is_empty() && !fresh.is_empty()).then(|| {
            format!(
                "{} now publishes a key the archives do not hold (sha256 {}); archived key(s): {}. The selector was rotated (or re-used) since the archived key was seen",
                keys::record_name(domain, selector),
                fresh.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "),
                archived.join(", ")
            )
        });
        (out, temp, rotated)
    }
}

/// Claims in a signature that make it unusable whatever the maths says
/// (RFC 6376 3.5): an `l=` longer than the body (the body was cut after
/// signing, so no length of it is signed as claimed) and a `t=` more than a
/// day after "now" (a signature cannot have been made in the future).
fn unusable_claims(sig: &DkimSignature, canonical_len: u64, now: i64) -> Option<String> {
    if let Some(l) = sig.body_length.filter(|l| *l > canonical_len) {
        return Some(format!(
            "l={l} is longer than the body ({canonical_len} canonical bytes): the body was truncated after signing"
        ));
    }
    if let Some(t) = sig.timestamp.filter(|t| *t > now + 86_400) {
        return Some(format!(
            "t= {} lies in the future of the verification time {}",
            crate::util::rfc3339(t),
            crate::util::rfc3339(now)
        ));
    }
    None
}
