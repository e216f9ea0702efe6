//! Checks shared by DKIM signatures and ARC sets: which headers a signature
//! covers and their hash, body hashes (cached per canonicalization), and
//! whether a published key may be used for a signature.

use crate::canon;
use crate::crypto::Hasher;
use crate::keys::{self, ArchivedKey};
use crate::message::RawMessage;
use crate::report::SignatureResult;
use crate::signature::{Canon, DkimSignature, HashAlg};
use std::collections::HashMap;

/// Checks the key record's restrictions against the signature.
pub(crate) fn usable<'k>(
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
    let local = sig.identity.rsplit_once('@').map_or("", |(l, _)| l);
    if !rec.allows_local_part(local) {
        return Err((
            SignatureResult::Malformed,
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
pub(crate) struct BodyCache(Vec<(BodyKey, Vec<u8>, u64)>);

/// What a body hash depends on: canonicalization, hash and `l=`.
type BodyKey = (Canon, HashAlg, Option<u64>);

impl BodyCache {
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
