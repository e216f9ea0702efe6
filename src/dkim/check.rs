//! Checking DKIM signatures (RFC 6376 6.1): for each DKIM-Signature field,
//! the body hash and the header signature, each checked on its own, against
//! every candidate key of its selector. The helpers here (covered headers
//! and their hash, cached body hashes, key-record restrictions, the
//! key-verification loop) are shared with ARC sets (RFC 8617).

use super::canon;
use super::signature::{Canon, DkimSignature, HashAlg, SignatureError, SignatureHints};
use crate::crypto::Hasher;
use crate::keys::{self, ArchivedKey, Resolver};
use crate::limits::Limits;
use crate::message::RawMessage;
use crate::report::{ResultReason, SignatureResult};
use std::sync::Arc;

/// The outcome of checking one DKIM-Signature field (internal).
#[derive(Clone)]
pub(crate) struct SigCheck {
    pub index: usize,
    /// Index of the DKIM-Signature field among the message's header fields.
    pub field: usize,
    pub sig: Result<DkimSignature, SignatureError>,
    pub hints: SignatureHints,
    pub result: SignatureResult,
    /// Why, when `result` is `malformed` or `unsupported`.
    pub reason: Option<ResultReason>,
    pub detail: String,
    pub header_valid: Option<bool>,
    pub body_matches: Option<bool>,
    pub key: Option<Arc<ArchivedKey>>,
    pub keys_tried: usize,
    /// Every candidate key the sources held for the selector, the one in
    /// `key` included: the evidence a signing time is judged against.
    pub candidates: Vec<Arc<ArchivedKey>>,
    /// Set when live DNS now publishes a key the archives do not hold.
    pub key_rotated: Option<String>,
    pub canonical_body_len: Option<u64>,
    /// Indices into the message's header list covered by this signature.
    pub covered: Vec<usize>,
}

impl SigCheck {
    /// Sets `result`, `reason` and `detail` from `j`.
    pub(crate) fn judge(&mut self, j: Judgement) {
        self.result = j.result;
        self.reason = j.reason;
        self.detail = j.detail;
    }

    /// Whether the key that checked this signature cannot carry proof (RSA
    /// under 1024 bits, or a private half known to be public; see
    /// [`crate::report::KeyStrength::carries_proof`]). False without a key.
    pub(crate) fn key_too_weak(&self) -> bool {
        self.key
            .as_deref()
            .and_then(ArchivedKey::strength)
            .is_some_and(|s| !s.carries_proof())
    }

    /// Whether the result rests on the cryptography alone (`pass`,
    /// `body_hash_mismatch`, `bad_signature`): the results a repair of the
    /// bytes can change, part by part.
    pub(crate) fn is_maths(&self) -> bool {
        matches!(
            self.result,
            SignatureResult::Pass
                | SignatureResult::BodyHashMismatch
                | SignatureResult::BadSignature
        )
    }

    /// Sets `result` and `detail` from `header_valid` and `body_matches`
    /// for a signature whose key was usable (RFC 6376 6.1.3: header
    /// signature and body hash judged separately). `body_hash_matches` and
    /// `header_signature_valid` may come from different repairs of the
    /// bytes (see `verify`), so each is worded on its own.
    pub(crate) fn settle(&mut self) {
        let body_ok = self.body_matches == Some(true);
        (self.result, self.detail) = if self.header_valid == Some(true) {
            if body_ok {
                (
                    SignatureResult::Pass,
                    "header signature and body hash verify".into(),
                )
            } else {
                (
                    SignatureResult::BodyHashMismatch,
                    "header signature verifies; the body hash does not match (body changed after signing)".into(),
                )
            }
        } else {
            (
                SignatureResult::BadSignature,
                format!(
                    "header signature does not verify with {}; body hash {}",
                    self.keys_words(),
                    if body_ok {
                        "matches"
                    } else {
                        "does not match either"
                    }
                ),
            )
        };
    }

    /// The key or keys a header signature was checked with, in words:
    /// "the key (sel._domainkey.example.com)" or "any of 3 keys (...)".
    pub(crate) fn keys_words(&self) -> String {
        let name = self.sig.as_ref().map_or_else(
            |_| String::new(),
            |s| format!(" ({})", keys::record_name(&s.domain, &s.selector)),
        );
        if self.keys_tried == 1 {
            format!("the key{name}")
        } else {
            format!("any of {} keys{name}", self.keys_tried)
        }
    }
}

/// A result that is not the maths' alone: the result, its typed reason
/// (for `malformed` and `unsupported`) and the evidence in words.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Judgement {
    pub result: SignatureResult,
    pub reason: Option<ResultReason>,
    pub detail: String,
}

impl Judgement {
    /// `result` for `reason`, with `detail`.
    pub(crate) fn new(result: SignatureResult, reason: ResultReason, detail: String) -> Self {
        Judgement {
            result,
            reason: Some(reason),
            detail,
        }
    }

    /// A result that says why by itself (`no_key`, `key_revoked`,
    /// `temperror`, and the maths' results).
    pub(crate) fn plain(result: SignatureResult, detail: String) -> Self {
        Judgement {
            result,
            reason: None,
            detail,
        }
    }

    /// `malformed` for `reason`.
    pub(crate) fn malformed(reason: ResultReason, detail: String) -> Self {
        Judgement::new(SignatureResult::Malformed, reason, detail)
    }
}

impl From<&SignatureError> for Judgement {
    fn from(e: &SignatureError) -> Self {
        match e {
            SignatureError::Malformed(_) => {
                Judgement::malformed(ResultReason::SignatureSyntax, e.to_string())
            }
            SignatureError::Unsupported(_) => Judgement::new(
                SignatureResult::Unsupported,
                ResultReason::SignatureUnsupported,
                e.to_string(),
            ),
        }
    }
}

/// Checks the key record's restrictions against the signature.
pub(crate) fn usable<'k>(
    sig: &DkimSignature,
    key: &'k ArchivedKey,
) -> Result<&'k crate::crypto::PublicKey, Judgement> {
    let rec = key.parsed.as_ref().map_err(|e| {
        let detail = format!("key record unusable: {e}");
        match e {
            keys::RecordError::KeyType(_) => Judgement::new(
                SignatureResult::Unsupported,
                ResultReason::KeyTypeMismatch,
                detail,
            ),
            _ => Judgement::malformed(ResultReason::KeyRecordSyntax, detail),
        }
    })?;
    if rec.key_type != sig.algorithm.key_type() {
        return Err(Judgement::new(
            SignatureResult::Unsupported,
            ResultReason::KeyTypeMismatch,
            format!(
                "key type k={} does not match a={}",
                rec.key_type,
                sig.algorithm.name()
            ),
        ));
    }
    let Some(pk) = rec.key.as_ref() else {
        return Err(Judgement::plain(
            SignatureResult::KeyRevoked,
            "the key record has an empty p= (key revoked)".into(),
        ));
    };
    if let Some(h) = &rec.hashes
        && !h.iter().any(|x| x == sig.algorithm.hash().name())
    {
        return Err(Judgement::malformed(
            ResultReason::KeyHashNotAllowed,
            format!(
                "key record h={} does not allow {}",
                h.join(":"),
                sig.algorithm.hash().name()
            ),
        ));
    }
    if !rec.services.iter().any(|s| s == "*" || s == "email") {
        return Err(Judgement::malformed(
            ResultReason::KeyNotForEmail,
            format!("key record s={} is not for email", rec.services.join(":")),
        ));
    }
    if rec.has_flag("s") && sig.identity_domain() != sig.domain {
        return Err(Judgement::malformed(
            ResultReason::KeySubdomainForbidden,
            format!(
                "key record t=s forbids the subdomain identity i={} for d={}",
                sig.identity, sig.domain
            ),
        ));
    }
    let local = sig.identity.rsplit_once('@').map_or("", |(l, _)| l);
    if !rec.allows_local_part(local) {
        return Err(Judgement::malformed(
            ResultReason::KeyGranularity,
            format!(
                "key record g={} does not allow the identity i={} (RFC 4871 granularity: the domain restricted this key to other senders)",
                rec.granularity.as_deref().unwrap_or(""),
                sig.identity
            ),
        ));
    }
    Ok(pk)
}

/// Hash of the signed header fields plus the signature field, and the
/// indices of the fields it covered (bottom-most instances first, RFC 6376 5.4.2).
pub(crate) fn header_hash(
    msg: &RawMessage<'_>,
    sig_field: usize,
    sig: &DkimSignature,
) -> (Vec<u8>, Vec<usize>) {
    // Each name takes the bottom-most instance not taken yet; names are
    // compared as text (lossy UTF-8), ASCII case ignored.
    let names: Vec<std::borrow::Cow<'_, str>> = msg
        .headers
        .iter()
        .map(|h| String::from_utf8_lossy(h.name))
        .collect();
    let mut taken = vec![false; names.len()];
    let mut data = Vec::with_capacity(1024);
    let mut covered = Vec::new();
    for name in &sig.signed_headers {
        let found = (0..names.len())
            .rev()
            .find(|&i| i != sig_field && !taken[i] && names[i].eq_ignore_ascii_case(name));
        if let Some(i) = found {
            taken[i] = true;
            canon::header(sig.header_canon, &msg.headers[i], &mut data);
            covered.push(i);
        }
    }
    let b_span = crate::tags::get(&sig.tags, "b")
        .map(|t| t.span.clone())
        .unwrap_or(0..0);
    canon::signature_header(sig.header_canon, &msg.headers[sig_field], b_span, &mut data);
    (crate::crypto::hash(sig.algorithm.hash(), &data), covered)
}

/// Body hashes already computed for this message, by (canon, hash, l=).
#[derive(Default)]
pub(crate) struct BodyCache(Vec<(BodyKey, Vec<u8>, u64)>);

/// What a body hash depends on: canonicalization, hash and `l=`.
type BodyKey = (Canon, HashAlg, Option<u64>);

impl BodyCache {
    /// Whether the body hash `sig` needs is already computed.
    pub(crate) fn has(&self, sig: &DkimSignature) -> bool {
        let k = (sig.body_canon, sig.algorithm.hash(), sig.body_length);
        self.0.iter().any(|(key, _, _)| *key == k)
    }

    /// How many different body hashes are computed.
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    pub(crate) fn get(&mut self, body: &[u8], sig: &DkimSignature) -> (Vec<u8>, u64) {
        let k = (sig.body_canon, sig.algorithm.hash(), sig.body_length);
        if let Some((_, h, n)) = self.0.iter().find(|(key, _, _)| *key == k) {
            return (h.clone(), *n);
        }
        let mut hasher = Hasher::new(k.1, k.2);
        canon::body(k.0, body, &mut hasher);
        let n = hasher.offered;
        let h = hasher.finish();
        self.0.push((k, h.clone(), n));
        (h, n)
    }
}

/// The RSA key sizes a check accepts, in bits. DKIM checks keys of any size
/// (a weak key gives `weak_signature`, RFC 8301 3.2 notwithstanding, because
/// a reader must learn that the maths holds and proves little); ARC follows
/// RFC 8301 and refuses keys under 1024 bits. Both refuse keys over the
/// `--max-key-bits` cap ([`Limits::key_bits`]).
pub(crate) struct KeyPolicy {
    /// Smallest RSA key accepted.
    pub min_rsa_bits: usize,
    /// Largest RSA key accepted.
    pub max_rsa_bits: usize,
}

/// What the candidate keys of a selector said about one header digest.
#[derive(Default)]
pub(crate) struct KeyOutcome {
    /// The key that verified the signature, if one did.
    pub verified: Option<Arc<ArchivedKey>>,
    /// Usable keys whose maths did not verify, in candidate order.
    pub failed: Vec<Arc<ArchivedKey>>,
    /// Keys that could not be used, with why, in candidate order.
    pub problems: Vec<(Judgement, Arc<ArchivedKey>)>,
}

/// Tries every candidate key on `digest` (the one key-verification loop of
/// DKIM and ARC), stopping at the first that verifies.
pub(crate) fn verify_with_keys(
    sig: &DkimSignature,
    candidates: &[Arc<ArchivedKey>],
    digest: &[u8],
    policy: &KeyPolicy,
) -> KeyOutcome {
    let mut out = KeyOutcome::default();
    for key in candidates {
        match usable(sig, key) {
            Err(j) => out.problems.push((j, key.clone())),
            Ok(pk) if pk.key_type() == "rsa" && pk.bits < policy.min_rsa_bits => {
                out.problems.push((
                    Judgement::new(
                        SignatureResult::Unsupported,
                        ResultReason::KeyTooSmall,
                        format!(
                            "RSA key of {} bits is below the {} bits RFC 8301 requires",
                            pk.bits, policy.min_rsa_bits
                        ),
                    ),
                    key.clone(),
                ));
            }
            Ok(pk) if pk.key_type() == "rsa" && pk.bits > policy.max_rsa_bits => {
                out.problems.push((
                    Judgement::malformed(
                        ResultReason::MaxKeyBits,
                        format!(
                            "RSA key of {} bits is over the max-key-bits cap of {} (raise it with --max-key-bits)",
                            pk.bits, policy.max_rsa_bits
                        ),
                    ),
                    key.clone(),
                ));
            }
            Ok(pk) => {
                if pk.verify(sig.algorithm.hash(), digest, &sig.signature) {
                    out.verified = Some(key.clone());
                    break;
                }
                out.failed.push(key.clone());
            }
        }
    }
    out
}

/// Checks every DKIM-Signature field of a message against the keys of a
/// [`Resolver`], within [`Limits`]. No claim of time decides a result here
/// (expiry is judged against the signing time, a `t=` after the
/// verification time is a finding): the maths result stands.
pub(crate) struct Checker<'a> {
    /// Where keys come from.
    pub resolver: &'a Resolver,
    /// Caps on signatures, body hashes and key sizes.
    pub limits: &'a Limits,
}

impl Checker<'_> {
    pub(crate) fn check_all(&self, msg: &RawMessage<'_>) -> Vec<SigCheck> {
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
            hints: super::signature::hints(value),
            result: SignatureResult::Malformed,
            reason: None,
            detail: String::new(),
            header_valid: None,
            body_matches: None,
            key: None,
            keys_tried: 0,
            candidates: Vec::new(),
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
            check.judge(Judgement::malformed(ResultReason::MaxSignatures, why));
            return check;
        }
        let sig = match &check.sig {
            Ok(s) => s.clone(),
            Err(e) => {
                let j = Judgement::from(e);
                check.judge(j);
                return check;
            }
        };
        if !msg.fields("From").any(|f| f.text().contains('@')) {
            check.judge(Judgement::malformed(ResultReason::NoAuthor, if msg.count("From") == 0 {
                "the message has no From header field, which every signature must cover (RFC 6376 5.4)".into()
            } else {
                "the From header field holds no mailbox address (RFC 5322 3.6.2), so there is no author for the signature to vouch for".into()
            }));
            return check;
        }
        if !bodies.has(&sig) && bodies.len() >= self.limits.max_body_hashes {
            check.judge(Judgement::malformed(ResultReason::MaxBodyHashes, format!(
                "not checked: this signature needs a body hash (l=, c=, a= combination) beyond the max-body-hashes cap of {} different ones per message (raise it with --max-body-hashes)",
                self.limits.max_body_hashes
            )));
            return check;
        }
        // Body hash: always computed, whatever the key lookup says.
        let (body_hash, canon_len) = bodies.get(msg.body(), &sig);
        check.body_matches = Some(body_hash == sig.body_hash);
        check.canonical_body_len = Some(canon_len);
        let (header_digest, covered) = header_hash(msg, field, &sig);
        check.covered = covered;

        let found = self.resolver.candidates(&sig.domain, &sig.selector);
        let candidates = found.keys;
        check.keys_tried = candidates.len();
        check.candidates = candidates.clone();
        check.key_rotated = found.rotated;
        if candidates.is_empty() {
            (check.result, check.detail) = match found.temperror {
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
        let policy = KeyPolicy {
            min_rsa_bits: 0,
            max_rsa_bits: self.limits.key_bits(),
        };
        let outcome = verify_with_keys(&sig, &candidates, &header_digest, &policy);
        if let Some(k) = &outcome.verified {
            check.key = Some(k.clone());
            check.header_valid = Some(true);
        } else if let Some(k) = outcome.failed.first() {
            check.key = Some(k.clone());
        }
        let problems: Vec<Judgement> = outcome
            .problems
            .iter()
            .map(|(j, _)| j.clone())
            .chain(
                outcome
                    .failed
                    .iter()
                    .map(|_| Judgement::plain(SignatureResult::BadSignature, String::new())),
            )
            .collect();
        if let Some(why) = unusable_claims(&sig, canon_len) {
            if problems
                .iter()
                .any(|j| j.result == SignatureResult::BadSignature)
                && check.header_valid.is_none()
            {
                check.header_valid = Some(false);
            }
            check.judge(Judgement::malformed(
                ResultReason::BodyShorterThanLength,
                format!(
                    "{why}; header signature {}",
                    if check.header_valid == Some(true) {
                        "verifies"
                    } else {
                        "does not verify"
                    }
                ),
            ));
            return check;
        }
        if check.header_valid == Some(true)
            || problems
                .iter()
                .any(|j| j.result == SignatureResult::BadSignature)
        {
            check.header_valid = Some(check.header_valid == Some(true));
            check.settle();
            return check;
        }
        // No usable key: report the most telling problem.
        let order = [
            SignatureResult::KeyRevoked,
            SignatureResult::Unsupported,
            SignatureResult::Malformed,
        ];
        let j = order
            .iter()
            .find_map(|r| problems.iter().find(|j| j.result == *r))
            .cloned()
            .unwrap_or_else(|| {
                Judgement::malformed(ResultReason::NoUsableKey, "no usable key".into())
            });
        check.judge(j);
        check
    }
}

/// Claims in a signature that make it unusable whatever the maths says
/// (RFC 6376 3.5): an `l=` longer than the body (the body was cut after
/// signing, so no length of it is signed as claimed). A `t=` after the
/// verification time is not one of them: it is a disagreement of clocks,
/// reported as a finding beside the maths result
/// ([`crate::evidence`]'s `timestamp_after_verification_time`).
fn unusable_claims(sig: &DkimSignature, canonical_len: u64) -> Option<String> {
    sig.body_length.filter(|l| *l > canonical_len).map(|l| {
        format!(
            "l={l} is longer than the body ({canonical_len} canonical bytes): the body was truncated after signing"
        )
    })
}
