//! Recovers an RSA signing key from the signatures of a leak itself, for
//! the many dumps whose keys were rotated away before any archive saw them.
//!
//! For PKCS#1 v1.5 signatures `s1`, `s2` over encoded messages `m1`, `m2`
//! (EMSA-PKCS1-v1_5 of the header hash, computed exactly as verification
//! does) and public exponent `e`, the modulus `n` divides
//! `gcd(s1^e - m1, s2^e - m2)`. Signatures are grouped by domain and
//! selector; within a group the pairs closest in `t=` are tried first (the
//! likeliest to share a key), and a candidate is accepted only once it
//! verifies both signatures of the pair with the real verifier. Every other
//! signature of the group that the key verifies is attributed to it, so a
//! selector reused across rotations comes out as several keys.
//!
//! What a recovered key shows: the messages it verifies were signed by one
//! holder of one private key. It does not show that the domain published
//! that key: that needs its fingerprint found in a key archive or DNS
//! history. Ed25519 keys cannot be recovered this way (an Ed25519
//! signature does not determine its public key by a gcd).

mod math;

use crate::crypto::PublicKey;
use crate::dkim::signature::{Algorithm, DkimSignature, HashAlg};
use crate::keys::{ArchiveRecord, ArchivedKey, KeyArchive, Origin, Provenance};
use crate::message::{self, RawMessage};
use crate::util::rfc3339;
use std::collections::BTreeMap;

/// Name of the key source that holds recovered keys.
pub const SOURCE_NAME: &str = "recovered";

/// How every recovered key's provenance starts; how a recovered key is
/// recognised once written to an archive file and loaded again.
pub const MARKER: &str = crate::report::RECOVERED_MARKER;

/// Public exponents tried. The two small ones cost microseconds, 65537 (by
/// far the most common) costs the big gcd, so every pair is tried with the
/// cheap ones first; the order cannot change which key is found, since a
/// candidate must verify.
pub const EXPONENTS: [u32; 3] = [3, 17, 65537];

/// What a recovered key means, for notes and reports.
pub const MEANING: &str = "the messages this key verifies share one signer; tying that signer to the domain needs this fingerprint found in a key archive or DNS history";

/// One message to recover from.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// The path or name, recorded in the provenance.
    pub source: &'a str,
    /// The raw bytes.
    pub bytes: &'a [u8],
}

/// Limits of a recovery run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Pairs tried per (domain, selector) before giving up. Each failed
    /// pair of 2048-bit signatures costs about half a minute.
    pub max_attempts: usize,
    /// No big gcd is started after this moment, nor when the last one of
    /// the same key size took longer than the time left; a gcd under way
    /// runs to its end. `None`: no limit.
    pub deadline: Option<std::time::Instant>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_attempts: 8,
            deadline: None,
        }
    }
}

/// One signature in the inputs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SignatureRef {
    /// The input it came from.
    pub source: String,
    /// 1-based position among the message's DKIM-Signature fields.
    pub index: usize,
    /// `a=`
    pub algorithm: String,
    /// `t=`, Unix seconds.
    pub signed_at: Option<i64>,
    /// Whether it verified only after bare LF was converted to CRLF.
    pub repaired: bool,
    /// The message's Message-ID, as written, if it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// SHA-256 (hex) of the message's bytes as read: with the Message-ID,
    /// how a report recognises the message among the key's evidence.
    pub message_sha256: String,
}

/// A key recomputed from signatures.
#[derive(Debug, Clone)]
pub struct RecoveredKey {
    /// `d=`
    pub domain: String,
    /// `s=`
    pub selector: String,
    /// Public exponent.
    pub exponent: u32,
    /// The modulus, big-endian.
    pub modulus: Vec<u8>,
    /// Modulus size in bits.
    pub bits: usize,
    /// SHA-256 of the DER SubjectPublicKeyInfo, hex.
    pub sha256: String,
    /// A DKIM key record (`v=DKIM1; k=rsa; p=...`) for the key.
    pub record: String,
    /// Every signature of the inputs that the key verifies, oldest first.
    pub signatures: Vec<SignatureRef>,
}

/// Signatures of one selector that no recovered key verifies, and why.
#[derive(Debug, Clone)]
pub struct Unrecovered {
    /// `d=`
    pub domain: String,
    /// `s=`
    pub selector: String,
    /// Why no key came out of them.
    pub reason: String,
    /// The signatures.
    pub signatures: Vec<SignatureRef>,
}

/// The outcome of a recovery run.
#[derive(Debug, Clone, Default)]
pub struct Recovery {
    /// Keys found, by domain and selector.
    pub keys: Vec<RecoveredKey>,
    /// Signatures left without a key.
    pub unrecovered: Vec<Unrecovered>,
    /// Inputs or signatures that could not be used, with why.
    pub skipped: Vec<String>,
}

impl RecoveredKey {
    /// Earliest `t=` among its signatures.
    pub fn first_signed(&self) -> Option<i64> {
        self.signatures.iter().filter_map(|s| s.signed_at).min()
    }

    /// Latest `t=` among its signatures.
    pub fn last_signed(&self) -> Option<i64> {
        self.signatures.iter().filter_map(|s| s.signed_at).max()
    }

    /// `recovered from N signatures (files a, b, ...)`.
    pub fn description(&self) -> String {
        let mut files: Vec<&str> = Vec::new();
        for s in &self.signatures {
            if !files.contains(&s.source.as_str()) {
                files.push(&s.source);
            }
        }
        let shown = files.len().min(5);
        let mut list = files[..shown].join(", ");
        if files.len() > shown {
            list.push_str(&format!(" and {} more", files.len() - shown));
        }
        let n = self.signatures.len();
        format!(
            "{MARKER}{n} signature{} ({} {list})",
            if n == 1 { "" } else { "s" },
            if files.len() == 1 { "file" } else { "files" }
        )
    }

    /// Its provenance as a key in a key source: one piece of evidence per
    /// signature it was recovered from, each naming its message (so that a
    /// report on one of those messages leaves that message's own signature
    /// out of the key's evidence, DESIGN.md Key sources).
    pub fn provenance(&self) -> Provenance {
        Provenance {
            source: self.description(),
            first_seen: self.first_signed().map(rfc3339),
            last_seen: self.last_signed().map(rfc3339),
            origins: self
                .signatures
                .iter()
                .map(|s| Origin {
                    origin: format!(
                        "{MARKER}signatures including signature {} of {}, which the key verifies: its t= is a moment of use",
                        s.index, s.source
                    ),
                    seen: s.signed_at.map(rfc3339),
                    message_id: s.message_id.clone(),
                    message_sha256: Some(s.message_sha256.clone()),
                    ..Default::default()
                })
                .collect(),
            notes: Some(MEANING.to_string()),
            ..Default::default()
        }
    }

    /// The key as a record of mailproof's archive format.
    pub fn archive_record(&self) -> ArchiveRecord {
        let p = self.provenance();
        ArchiveRecord {
            domain: self.domain.clone(),
            selector: self.selector.clone(),
            record: self.record.clone(),
            sha256: Some(self.sha256.clone()),
            key_type: Some("rsa".into()),
            bits: Some(self.bits),
            first_seen: p.first_seen.clone(),
            last_seen: p.last_seen.clone(),
            sources: if p.origins.is_empty() {
                vec![Origin {
                    origin: p.source,
                    seen: p.last_seen,
                    ..Default::default()
                }]
            } else {
                p.origins
            },
            dnssec: None,
            notes: p.notes,
            compromised: None,
        }
    }

    /// The key as zone-format text: comment lines (kept as notes when the
    /// file is loaded, which marks the key as recovered) and the record,
    /// in quoted strings of at most 255 bytes.
    pub fn zone_text(&self) -> String {
        let range = match (self.first_signed(), self.last_signed()) {
            (Some(f), Some(l)) => format!("signed {} to {}", rfc3339(f), rfc3339(l)),
            _ => "signing times unknown (no t=)".into(),
        };
        let chunks: Vec<String> = self
            .record
            .as_bytes()
            .chunks(255)
            .map(|c| format!("\"{}\"", String::from_utf8_lossy(c)))
            .collect();
        format!(
            "; {}\n; RSA {} bits, e={}, SHA-256 {}, {range}\n; {MEANING}\n{}._domainkey.{}. TXT {}\n",
            self.description(),
            self.bits,
            self.exponent,
            self.sha256,
            self.selector,
            self.domain,
            chunks.join(" ")
        )
    }

    /// The key, ready for a key source.
    pub fn archived_key(&self) -> ArchivedKey {
        ArchivedKey::new(
            &self.domain,
            &self.selector,
            &self.record,
            self.provenance(),
        )
    }
}

impl Recovery {
    /// The recovered keys as a key source named [`SOURCE_NAME`].
    pub fn key_source(&self) -> KeyArchive {
        let mut a = KeyArchive::new(SOURCE_NAME);
        for k in &self.keys {
            a.insert(k.archived_key());
        }
        a
    }
}

/// One RSA signature and the header digests it may have signed.
struct Sample {
    r: SignatureRef,
    hash: HashAlg,
    sig: Vec<u8>,
    /// Header digest, and whether it is of the CRLF-repaired bytes;
    /// likeliest first.
    digests: Vec<(Vec<u8>, bool)>,
}

type Group = (String, String);

/// The signatures of one message that recovery can use, read by
/// [`Signatures::read`]: a few hundred bytes per signature, not the message.
#[derive(Default)]
pub struct Signatures {
    rsa: Vec<(Group, Sample)>,
    ed: Vec<(Group, SignatureRef)>,
    skipped: Vec<String>,
}

impl Signatures {
    /// Reads the DKIM-Signature fields of one message, keeping those whose
    /// `(d=, s=)` `wanted` accepts: RSA ones with their header digests
    /// (RFC 6376 section 3.7, of the bytes as saved and, for a message
    /// with bare LF, of the CRLF-repaired bytes), Ed25519 ones to be
    /// reported as not recoverable. A message that does not parse, or a
    /// signature that cannot be used, is noted as skipped, with why.
    pub fn read(input: Input<'_>, wanted: &dyn Fn(&str, &str) -> bool) -> Signatures {
        let mut out = Signatures::default();
        // a byte order mark or blank lines an editor put before the first
        // field hide it from the parser; the header hash does not cover
        // them, so they are passed over (the verifier reports this as the
        // bom_removed / leading_blank_removed repair)
        let bytes = &input.bytes[message::leading_len(input.bytes)..];
        let msg = match RawMessage::parse(bytes) {
            Ok(m) => m,
            Err(e) => {
                out.skipped.push(format!("{}: {e}", input.source));
                return out;
            }
        };
        let fields = sig_fields(&msg);
        let message_id = msg
            .fields("Message-ID")
            .next()
            .map(|f| f.text().into_owned());
        let mut message_sha256: Option<String> = None;
        // Parsed only when a wanted signature needs the repaired digest.
        let mut fixed_bytes: Option<Option<Vec<u8>>> = None;
        for (n, &field) in fields.iter().enumerate() {
            let index = n + 1;
            let sig = match DkimSignature::parse(msg.headers[field].value) {
                Ok(s) => s,
                Err(e) => {
                    let hints = crate::dkim::signature::hints(msg.headers[field].value);
                    let concerned = match (hints.domain, hints.selector) {
                        (Some(d), Some(s)) => wanted(&d, &s),
                        _ => true,
                    };
                    if concerned {
                        out.skipped
                            .push(format!("{} signature {index}: {e}", input.source));
                    }
                    continue;
                }
            };
            if !wanted(&sig.domain, &sig.selector) {
                continue;
            }
            let r = SignatureRef {
                source: input.source.to_string(),
                index,
                algorithm: sig.algorithm.name().into(),
                signed_at: sig.timestamp,
                repaired: false,
                message_id: message_id.clone(),
                message_sha256: message_sha256
                    .get_or_insert_with(|| crate::util::sha256_hex(input.bytes))
                    .clone(),
            };
            let group = (sig.domain.clone(), sig.selector.clone());
            if sig.algorithm == Algorithm::Ed25519Sha256 {
                out.ed.push((group, r));
                continue;
            }
            let bits = sig.signature.len() * 8;
            if !(512..=crate::crypto::MAX_RSA_BITS).contains(&bits) {
                out.skipped.push(format!(
                    "{} signature {index}: a {bits}-bit b= is not the size of an RSA key mailproof accepts (512 to {} bits)",
                    input.source,
                    crate::crypto::MAX_RSA_BITS
                ));
                continue;
            }
            let mut digests = Vec::new();
            let fixed = fixed_bytes.get_or_insert_with(|| {
                message::has_bare_lf(bytes).then(|| message::lf_to_crlf(bytes))
            });
            if let Some(fb) = fixed.as_deref()
                && let Ok(fx) = RawMessage::parse(fb)
                && let Some(&ff) = sig_fields(&fx).get(n)
                && let Ok(fs) = DkimSignature::parse(fx.headers[ff].value)
            {
                digests.push((crate::dkim::check::header_hash(&fx, ff, &fs).0, true));
            }
            // the same digest with and without the repair: the repair
            // changed nothing the signature covers, so none is claimed
            let original = crate::dkim::check::header_hash(&msg, field, &sig).0;
            digests.retain(|(d, _)| *d != original);
            digests.push((original, false));
            out.rsa.push((
                group,
                Sample {
                    r,
                    hash: sig.algorithm.hash(),
                    sig: sig.signature,
                    digests,
                },
            ));
        }
        out
    }

    /// Whether nothing usable (nor anything skipped) was read.
    pub fn is_empty(&self) -> bool {
        self.rsa.is_empty() && self.ed.is_empty() && self.skipped.is_empty()
    }
}

/// Signatures gathered message by message, for a recovery over inputs too
/// many to hold in memory (`verify --recover` over a whole dump).
///
/// With a cap of `k` signatures per (domain, selector), a selector with
/// more keeps a sample spread evenly over the input order (every signature
/// until `k`, then every second, every fourth, ...), so that a selector
/// reused across rotations still has signatures of each key.
pub struct Collector {
    cap: usize,
    rsa: BTreeMap<Group, Thinned<Sample>>,
    ed: BTreeMap<Group, Thinned<SignatureRef>>,
    skipped: Vec<String>,
}

/// An evenly thinned sample of a sequence.
struct Thinned<T> {
    kept: Vec<T>,
    /// Every `stride`-th item is kept.
    stride: usize,
    /// Items offered.
    seen: usize,
}

impl<T> Default for Thinned<T> {
    fn default() -> Self {
        Thinned {
            kept: Vec::new(),
            stride: 1,
            seen: 0,
        }
    }
}

impl<T> Thinned<T> {
    fn offer(&mut self, x: T, cap: usize) {
        if self.seen.is_multiple_of(self.stride) {
            self.kept.push(x);
            if self.kept.len() > cap.max(1) {
                let mut i = 0;
                self.kept.retain(|_| {
                    i += 1;
                    i % 2 == 1
                });
                self.stride = self.stride.saturating_mul(2);
            }
        }
        self.seen += 1;
    }
}

impl Default for Collector {
    fn default() -> Self {
        Collector::new(usize::MAX)
    }
}

impl Collector {
    /// An empty collector keeping at most `cap` signatures per
    /// (domain, selector) (`usize::MAX`: all).
    pub fn new(cap: usize) -> Self {
        Collector {
            cap,
            rsa: BTreeMap::new(),
            ed: BTreeMap::new(),
            skipped: Vec::new(),
        }
    }

    /// Adds the signatures of one message.
    pub fn push(&mut self, s: Signatures) {
        for (g, x) in s.rsa {
            self.rsa.entry(g).or_default().offer(x, self.cap);
        }
        for (g, x) in s.ed {
            self.ed.entry(g).or_default().offer(x, self.cap);
        }
        self.skipped.extend(s.skipped);
    }

    /// Reads one message and adds its signatures (every selector).
    pub fn add(&mut self, input: Input<'_>) {
        self.push(Signatures::read(input, &|_, _| true));
    }

    /// Selectors with at least one signature gathered, as `(d=, s=)`.
    pub fn selectors(&self) -> Vec<(String, String)> {
        let mut v: Vec<Group> = self.rsa.keys().chain(self.ed.keys()).cloned().collect();
        v.sort();
        v.dedup();
        v
    }

    /// Runs the recovery over what was gathered. Selectors with the most
    /// signatures go first (under a time budget, they unlock the most
    /// messages). `progress` receives one line per expensive step.
    pub fn recover(self, opts: &Options, progress: &mut dyn FnMut(&str)) -> Recovery {
        let mut out = Recovery {
            skipped: self.skipped,
            ..Default::default()
        };
        for ((domain, selector), refs) in self.ed {
            out.unrecovered.push(Unrecovered {
                domain,
                selector,
                reason: "Ed25519 keys cannot be recovered from signatures: the gcd technique works only for RSA".into(),
                signatures: refs.kept,
            });
        }
        let mut groups: Vec<(Group, Vec<Sample>)> =
            self.rsa.into_iter().map(|(g, t)| (g, t.kept)).collect();
        groups.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then_with(|| a.0.cmp(&b.0)));
        let mut budget = search::Budget::new(opts.deadline);
        for ((domain, selector), samples) in groups {
            search::group(
                &domain,
                &selector,
                samples,
                opts,
                &mut budget,
                progress,
                &mut out,
            );
        }
        out
    }
}

fn sig_fields(msg: &RawMessage<'_>) -> Vec<usize> {
    (0..msg.headers.len())
        .filter(|&i| msg.headers[i].is("DKIM-Signature"))
        .collect()
}

/// EMSA-PKCS1-v1_5 encoding of `digest` in `k` bytes (RFC 8017 9.2).
pub fn emsa_pkcs1_v15(hash: HashAlg, digest: &[u8], k: usize) -> Option<Vec<u8>> {
    const SHA256: [u8; 19] = [
        0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
        0x05, 0x00, 0x04, 0x20,
    ];
    const SHA1: [u8; 15] = [
        0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14,
    ];
    let prefix: &[u8] = match hash {
        HashAlg::Sha256 => &SHA256,
        HashAlg::Sha1 => &SHA1,
    };
    let t_len = prefix.len() + digest.len();
    if k < t_len + 11 {
        return None;
    }
    let mut em = vec![0xff; k];
    em[0] = 0;
    em[1] = 1;
    em[k - t_len - 1] = 0;
    em[k - t_len..k - digest.len()].copy_from_slice(prefix);
    em[k - digest.len()..].copy_from_slice(digest);
    Some(em)
}

/// Recovers the RSA keys that signed the inputs. `progress` receives one
/// line per expensive step (each big gcd takes seconds to a minute).
pub fn recover(inputs: &[Input<'_>], opts: &Options, progress: &mut dyn FnMut(&str)) -> Recovery {
    let mut c = Collector::default();
    for input in inputs {
        c.add(*input);
    }
    c.recover(opts, progress)
}

/// Public key for (n, e), through the same decoder as every archived key.
fn public_key(modulus: &[u8], e: u32) -> Option<(PublicKey, String)> {
    use base64::Engine;
    use rsa::pkcs8::EncodePublicKey;
    let key = rsa::RsaPublicKey::new_with_max_size(
        rsa::BigUint::from_bytes_be(modulus),
        rsa::BigUint::from(e),
        crate::crypto::MAX_RSA_BITS,
    )
    .ok()?;
    let der = key.to_public_key_der().ok()?;
    let pk = PublicKey::rsa(der.as_bytes()).ok()?;
    let record = format!(
        "v=DKIM1; k=rsa; p={}",
        base64::engine::general_purpose::STANDARD.encode(der.as_bytes())
    );
    Some((pk, record))
}

mod search {
    //! The pair search within one (domain, selector).

    use super::math::{self, Big};
    use super::{EXPONENTS, Options, RecoveredKey, Recovery, Sample, Unrecovered};
    use std::collections::{BTreeMap, HashSet};
    use std::time::{Duration, Instant};

    /// The time budget of a run, shared by its selectors.
    pub(super) struct Budget {
        deadline: Option<Instant>,
        /// How long the last big gcd took, per signature size in bytes.
        cost: BTreeMap<usize, Duration>,
    }

    impl Budget {
        pub(super) fn new(deadline: Option<Instant>) -> Self {
            Budget {
                deadline,
                cost: BTreeMap::new(),
            }
        }

        /// Whether a big gcd on `k`-byte signatures may start: the deadline
        /// has not passed, and the last one of that size would still fit.
        fn allows(&self, k: usize) -> bool {
            let Some(d) = self.deadline else {
                return true;
            };
            let now = Instant::now();
            now < d && self.cost.get(&k).is_none_or(|c| now + *c <= d)
        }

        fn spent(&mut self, k: usize, took: Duration) {
            self.cost.insert(k, took);
        }
    }

    /// Neighbours (in `t=` order) each signature is paired with.
    const WINDOW: usize = 8;
    /// Trial division bound for stripping small cofactors of the gcd.
    const SMALL_PRIME_BOUND: u32 = 1 << 16;

    struct Nums {
        s: Big,
        /// Encoded messages, parallel to `Sample::digests` (None: too short).
        m: Vec<Option<Big>>,
    }

    pub(super) fn group(
        domain: &str,
        selector: &str,
        mut samples: Vec<Sample>,
        opts: &Options,
        budget: &mut Budget,
        progress: &mut dyn FnMut(&str),
        out: &mut Recovery,
    ) {
        samples.sort_by(|a, b| {
            (
                a.r.signed_at.is_none(),
                a.r.signed_at,
                &a.r.source,
                a.r.index,
            )
                .cmp(&(
                    b.r.signed_at.is_none(),
                    b.r.signed_at,
                    &b.r.source,
                    b.r.index,
                ))
        });
        let nums: Vec<Nums> = samples
            .iter()
            .map(|s| Nums {
                s: math::from_be(&s.sig),
                m: s.digests
                    .iter()
                    .map(|(d, _)| {
                        super::emsa_pkcs1_v15(s.hash, d, s.sig.len()).map(|m| math::from_be(&m))
                    })
                    .collect(),
            })
            .collect();
        let mut remaining: Vec<usize> = (0..samples.len()).collect();
        let mut tried: HashSet<(usize, usize)> = HashSet::new();
        let mut attempts = 0;
        let mut out_of_time = false;
        // First every pair with the small exponents (microseconds each), so
        // keys with e = 3 or 17 leave the pool before any big gcd; then the
        // big gcds with e = 65537, at most `max_attempts` of them.
        for (exps, cheap) in [(&EXPONENTS[..2], true), (&EXPONENTS[2..], false)] {
            tried.clear();
            while remaining.len() >= 2 && (cheap || attempts < opts.max_attempts) {
                let Some((i, j)) = closest_pair(&samples, &remaining, &tried) else {
                    break;
                };
                if !cheap && !budget.allows(samples[i].sig.len()) {
                    out_of_time = true;
                    break;
                }
                tried.insert((i, j));
                if !cheap {
                    attempts += 1;
                    progress(&format!(
                        "{selector}._domainkey.{domain}: trying {}#{} and {}#{} ({}-bit signatures{})",
                        samples[i].r.source,
                        samples[i].r.index,
                        samples[j].r.source,
                        samples[j].r.index,
                        samples[i].sig.len() * 8,
                        match (samples[i].r.signed_at, samples[j].r.signed_at) {
                            (Some(a), Some(b)) => format!(", signed {} s apart", (a - b).abs()),
                            _ => String::new(),
                        }
                    ));
                }
                let started = Instant::now();
                let found = try_pair(domain, selector, &samples, &nums, &remaining, (i, j), exps);
                if !cheap {
                    budget.spent(samples[i].sig.len(), started.elapsed());
                }
                let Some(key) = found else {
                    continue;
                };
                let verified: HashSet<usize> = key.1.iter().map(|(x, _)| *x).collect();
                remaining.retain(|x| !verified.contains(x));
                let mut k = key.0;
                k.signatures = key
                    .1
                    .iter()
                    .map(|&(x, repaired)| {
                        let mut r = samples[x].r.clone();
                        r.repaired = repaired;
                        r
                    })
                    .collect();
                progress(&format!(
                    "{selector}._domainkey.{domain}: recovered RSA {} bits, SHA-256 {}, verifying {} signature(s)",
                    k.bits,
                    k.sha256,
                    k.signatures.len()
                ));
                out.keys.push(k);
            }
        }
        if remaining.is_empty() {
            return;
        }
        let reason = if samples.len() == 1 {
            "only one signature for this selector: recovery needs two by the same key".to_string()
        } else if remaining.len() == 1 {
            "no other signature in the inputs was made with the key of this one".to_string()
        } else if out_of_time {
            format!(
                "the time budget for recovery ran out ({attempts} pair{} tried here)",
                if attempts == 1 { "" } else { "s" }
            )
        } else if attempts >= opts.max_attempts
            && closest_pair(&samples, &remaining, &tried).is_some()
        {
            format!(
                "stopped after {attempts} pairs that shared no key (raise the attempt limit to go on)"
            )
        } else {
            format!("no pair of these signatures shares a key ({attempts} pairs tried)")
        };
        out.unrecovered.push(Unrecovered {
            domain: domain.into(),
            selector: selector.into(),
            reason,
            signatures: remaining.iter().map(|&x| samples[x].r.clone()).collect(),
        });
    }

    /// The untried pair of same-size signatures closest in `t=` (signatures
    /// without `t=` come last and are paired in input order).
    fn closest_pair(
        samples: &[Sample],
        remaining: &[usize],
        tried: &HashSet<(usize, usize)>,
    ) -> Option<(usize, usize)> {
        let mut best: Option<(i64, usize, usize)> = None;
        for (p, &i) in remaining.iter().enumerate() {
            for &j in remaining.iter().skip(p + 1).take(WINDOW) {
                let (a, b) = (&samples[i], &samples[j]);
                if tried.contains(&(i, j)) || a.sig.len() != b.sig.len() || a.sig == b.sig {
                    continue;
                }
                let gap = match (a.r.signed_at, b.r.signed_at) {
                    (Some(x), Some(y)) => (x - y).abs(),
                    _ => i64::MAX,
                };
                if best.is_none_or(|(g, _, _)| gap < g) {
                    best = Some((gap, i, j));
                }
            }
        }
        best.map(|(_, i, j)| (i, j))
    }

    /// The key shared by signatures `i` and `j`, with every remaining
    /// signature it verifies (and whether through the repaired bytes).
    fn try_pair(
        domain: &str,
        selector: &str,
        samples: &[Sample],
        nums: &[Nums],
        remaining: &[usize],
        (i, j): (usize, usize),
        exponents: &[u32],
    ) -> Option<(RecoveredKey, Vec<(usize, bool)>)> {
        let k = samples[i].sig.len();
        for &e in exponents {
            let pi = math::pow(&nums[i].s, e);
            let pj = math::pow(&nums[j].s, e);
            for mi in nums[i].m.iter().flatten() {
                for mj in nums[j].m.iter().flatten() {
                    let mut g = math::gcd(math::abs_diff(&pi, mi), math::abs_diff(&pj, mj));
                    if !refine(&mut g, k, e, nums, remaining, (i, j)) {
                        continue;
                    }
                    if !math::verifies(&g, e, &nums[i].s, mi)
                        || !math::verifies(&g, e, &nums[j].s, mj)
                    {
                        continue;
                    }
                    if let Some(found) = accept(domain, selector, &g, e, samples, remaining) {
                        return Some(found);
                    }
                }
            }
        }
        None
    }

    /// Reduces a multiple of the modulus to a modulus of `k` bytes: strips
    /// small factors, then narrows with the group's other signatures.
    fn refine(
        g: &mut Big,
        k: usize,
        e: u32,
        nums: &[Nums],
        remaining: &[usize],
        pair: (usize, usize),
    ) -> bool {
        let want = (k * 8) as u64;
        // Far larger than a key: not a modulus times a small cofactor.
        if math::bits(g) > want * 64 || math::bits(g) + 8 <= want {
            return false;
        }
        math::strip_small_factors(g, SMALL_PRIME_BOUND);
        for &x in remaining
            .iter()
            .filter(|&&x| x != pair.0 && x != pair.1)
            .take(4)
        {
            if math::bits(g) <= want {
                break;
            }
            for m in nums[x].m.iter().flatten() {
                let narrowed = math::narrow(g, &nums[x].s, e, m);
                if math::bits(&narrowed) + 8 > want {
                    *g = narrowed;
                    break;
                }
            }
        }
        math::bits(g) <= want && math::bits(g) + 8 > want
    }

    /// Builds the key for modulus `n` and checks every remaining signature
    /// with the real verifier; the candidate stands only if it verifies.
    fn accept(
        domain: &str,
        selector: &str,
        n: &Big,
        e: u32,
        samples: &[Sample],
        remaining: &[usize],
    ) -> Option<(RecoveredKey, Vec<(usize, bool)>)> {
        let modulus = math::to_be(n);
        let (pk, record) = super::public_key(&modulus, e)?;
        let verified: Vec<(usize, bool)> = remaining
            .iter()
            .filter_map(|&x| {
                let s = &samples[x];
                s.digests
                    .iter()
                    .find(|(d, _)| pk.verify(s.hash, d, &s.sig))
                    .map(|(_, repaired)| (x, *repaired))
            })
            .collect();
        if verified.len() < 2 {
            return None;
        }
        Some((
            RecoveredKey {
                domain: domain.into(),
                selector: selector.into(),
                exponent: e,
                bits: pk.bits,
                sha256: pk.sha256.clone(),
                modulus,
                record,
                signatures: Vec::new(),
            },
            verified,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emsa_layout() {
        let em = emsa_pkcs1_v15(HashAlg::Sha256, &[7u8; 32], 128).unwrap();
        assert_eq!(&em[..3], &[0, 1, 0xff]);
        assert_eq!(em[128 - 32 - 19 - 1], 0);
        assert_eq!(em[128 - 32 - 19], 0x30);
        assert_eq!(&em[96..], &[7u8; 32]);
        assert!(emsa_pkcs1_v15(HashAlg::Sha1, &[0u8; 20], 40).is_none());
    }

    #[test]
    fn marker_is_recognised_in_every_place_it_is_written() {
        let mut p = Provenance::default();
        assert!(!p.is_recovered());
        p.notes = Some("recovered from 2 signatures (files a, b) ...".into());
        assert!(p.is_recovered());
        let p = Provenance {
            origins: vec![Origin {
                origin: "recovered from 3 signatures (files x)".into(),
                ..Default::default()
            }],
            ..Default::default()
        };
        assert!(p.is_recovered());
    }
}
