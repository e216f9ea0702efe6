//! The verifier: checks every DKIM signature of a message against the key
//! sources, header signature and body hash separately, and builds a report.

use crate::canon;
use crate::crypto::Hasher;
use crate::keys::{self, ArchivedKey, KeySource, Lookup};
use crate::message::{self, RawMessage};
use crate::report::{Repair, Report, SignatureResult};
use crate::signature::{Canon, DkimSignature, HashAlg, SignatureError, SignatureHints};
use std::collections::HashMap;
use std::sync::Arc;

/// Source of "now", injected so tests can pin it.
pub trait Clock: Send + Sync {
    /// Current Unix time in seconds.
    fn now(&self) -> i64;
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64)
    }
}

/// A clock stopped at a given Unix time.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub i64);

impl Clock for FixedClock {
    fn now(&self) -> i64 {
        self.0
    }
}

/// Verifies messages. Cheap to share between threads.
pub struct Verifier {
    sources: Vec<Box<dyn KeySource>>,
    clock: Box<dyn Clock>,
}

/// Builds a [`Verifier`].
pub struct VerifierBuilder {
    sources: Vec<Box<dyn KeySource>>,
    builtin: bool,
    clock: Box<dyn Clock>,
}

impl VerifierBuilder {
    /// Adds a key source; sources are consulted in the order added, before
    /// the built-in archive.
    pub fn key_source(mut self, source: impl KeySource + 'static) -> Self {
        self.sources.push(Box::new(source));
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

    /// The verifier.
    pub fn build(mut self) -> Verifier {
        if self.builtin {
            self.sources.push(Box::new(keys::builtin()));
        }
        Verifier {
            sources: self.sources,
            clock: self.clock,
        }
    }
}

/// The outcome of checking one DKIM-Signature field (internal).
pub(crate) struct SigCheck {
    pub index: usize,
    pub sig: Result<DkimSignature, SignatureError>,
    pub hints: SignatureHints,
    pub result: SignatureResult,
    pub detail: String,
    pub header_valid: Option<bool>,
    pub body_matches: Option<bool>,
    pub key: Option<Arc<ArchivedKey>>,
    pub keys_tried: usize,
    pub canonical_body_len: Option<u64>,
    /// Indices into the message's header list covered by this signature.
    pub covered: Vec<usize>,
}

impl Verifier {
    /// A builder with no sources, the built-in archive on and the system clock.
    pub fn builder() -> VerifierBuilder {
        VerifierBuilder {
            sources: Vec::new(),
            builtin: true,
            clock: Box::new(SystemClock),
        }
    }

    /// Names of the key sources, in the order consulted.
    pub fn source_names(&self) -> Vec<String> {
        self.sources.iter().map(|s| s.name()).collect()
    }

    /// Verifies one message given as raw bytes; `source` names it in the report.
    pub fn verify_bytes(&self, source: &str, bytes: &[u8]) -> Report {
        let msg = match RawMessage::parse(bytes) {
            Ok(m) => m,
            Err(e) => return Report::error(source, bytes, e.to_string()),
        };
        let now = self.clock.now();
        let checks = self.check_all(&msg);
        let original = crate::analysis::build(source, bytes, &msg, &checks, Vec::new(), now);
        let needs_repair = original.verdict > crate::Verdict::Verified
            && !checks.is_empty()
            && message::has_bare_lf(bytes);
        if !needs_repair {
            return original;
        }
        let fixed = message::lf_to_crlf(bytes);
        let Ok(fixed_msg) = RawMessage::parse(&fixed) else {
            return original;
        };
        let fixed_checks = self.check_all(&fixed_msg);
        let repair = Repair {
            kind: "crlf_line_endings".into(),
            description: "bare LF line endings converted to CRLF (as sent over SMTP)".into(),
            verified_sha256: crate::util::sha256_hex(&fixed),
        };
        let repaired =
            crate::analysis::build(source, bytes, &fixed_msg, &fixed_checks, vec![repair], now);
        if repaired.verdict < original.verdict {
            repaired
        } else {
            original
        }
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

            sig: DkimSignature::parse(value),
            hints: crate::signature::hints(value),
            result: SignatureResult::Malformed,
            detail: String::new(),
            header_valid: None,
            body_matches: None,
            key: None,
            keys_tried: 0,
            canonical_body_len: None,
            covered: Vec::new(),
        };
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
        if msg.count("From") == 0 {
            check.result = SignatureResult::Malformed;
            check.detail = "the message has no From header field, which every signature must cover (RFC 6376 5.4)".into();
            return check;
        }
        // Body hash: always computed, whatever the key lookup says.
        let (body_hash, canon_len) = bodies.get(msg.body(), &sig);
        check.body_matches = Some(body_hash == sig.body_hash);
        check.canonical_body_len = Some(canon_len);
        let (header_digest, covered) = header_hash(msg, field, &sig);
        check.covered = covered;

        let (candidates, temp) = self.candidates(&sig.domain, &sig.selector);
        check.keys_tried = candidates.len();
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
    /// fingerprint), and the first temporary failure if any.
    fn candidates(&self, domain: &str, selector: &str) -> (Vec<Arc<ArchivedKey>>, Option<String>) {
        let mut out: Vec<Arc<ArchivedKey>> = Vec::new();
        let mut temp = None;
        for s in &self.sources {
            match s.lookup(domain, selector) {
                Lookup::Found(keys) => {
                    for k in keys {
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
        (out, temp)
    }
}

/// Checks the key record's restrictions against the signature.
fn usable<'k>(
    sig: &DkimSignature,
    key: &'k ArchivedKey,
) -> Result<&'k crate::crypto::PublicKey, (SignatureResult, String)> {
    let rec = key.parsed.as_ref().map_err(|e| {
        let r = match e {
            keys::RecordError::KeyType(_) => SignatureResult::Unsupported,
            _ => SignatureResult::Malformed,
        };
        (r, format!("key record unusable: {e}"))
    })?;
    if rec.key_type != sig.algorithm.key_type() {
        return Err((
            SignatureResult::Unsupported,
            format!(
                "key type k={} does not match a={}",
                rec.key_type,
                sig.algorithm.name()
            ),
        ));
    }
    let Some(pk) = rec.key.as_ref() else {
        return Err((
            SignatureResult::KeyRevoked,
            "the key record has an empty p= (key revoked)".into(),
        ));
    };
    if let Some(h) = &rec.hashes
        && !h.iter().any(|x| x == sig.algorithm.hash().name())
    {
        return Err((
            SignatureResult::Malformed,
            format!(
                "key record h={} does not allow {}",
                h.join(":"),
                sig.algorithm.hash().name()
            ),
        ));
    }
    if !rec.services.iter().any(|s| s == "*" || s == "email") {
        return Err((
            SignatureResult::Malformed,
            format!("key record s={} is not for email", rec.services.join(":")),
        ));
    }
    if rec.has_flag("s") && sig.identity_domain() != sig.domain {
        return Err((
            SignatureResult::Malformed,
            format!(
                "key record t=s forbids the subdomain identity i={} for d={}",
                sig.identity, sig.domain
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
    let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, h) in msg.headers.iter().enumerate() {
        if i != sig_field {
            by_name
                .entry(String::from_utf8_lossy(h.name).to_ascii_lowercase())
                .or_default()
                .push(i);
        }
    }
    let mut data = Vec::with_capacity(1024);
    let mut covered = Vec::new();
    for name in &sig.signed_headers {
        if let Some(i) = by_name
            .get_mut(&name.to_ascii_lowercase())
            .and_then(Vec::pop)
        {
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
struct BodyCache(Vec<(BodyKey, Vec<u8>, u64)>);

/// Body canonicalization, hash and `l=`: what a body hash depends on.
type BodyKey = (Canon, HashAlg, Option<u64>);

impl BodyCache {
    fn get(&mut self, body: &[u8], sig: &DkimSignature) -> (Vec<u8>, u64) {
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
