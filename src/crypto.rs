//! Public keys and the cryptographic checks.
//!
//! RSA keys of 1024 to 8192 bits and Ed25519 keys are checked with aws-lc
//! (fast, constant-time); RSA keys under 1024 bits, which aws-lc refuses, are
//! checked with the pure-Rust `rsa` crate, because a journalist needs to know
//! that a 512-bit signature is mathematically valid, and that it proves little.
//!
//! Every key is identified by the SHA-256 of its DER SubjectPublicKeyInfo, so
//! the same key gets the same fingerprint whether it was published as SPKI or
//! as a bare PKCS#1 `RSAPublicKey` (or, for Ed25519, as the raw 32 bytes).

use aws_lc_rs::{digest, signature as sig};
use rsa::pkcs1::{DecodeRsaPublicKey, EncodeRsaPublicKey};
use rsa::pkcs8::{DecodePublicKey, EncodePublicKey};
use rsa::traits::PublicKeyParts;

/// Hash algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashAlg {
    /// SHA-1
    Sha1,
    /// SHA-256
    Sha256,
}

impl HashAlg {
    /// The name used in key records' `h=` tag.
    pub fn name(self) -> &'static str {
        match self {
            HashAlg::Sha1 => "sha1",
            HashAlg::Sha256 => "sha256",
        }
    }
}

/// Receives canonicalized bytes.
pub trait Sink {
    /// Accepts the next run of canonical bytes.
    fn write(&mut self, bytes: &[u8]);
}

impl Sink for Vec<u8> {
    fn write(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// Largest RSA modulus accepted, in bits.
pub const MAX_RSA_BITS: usize = 8192;

/// A decoded public key, ready to verify.
#[derive(Clone)]
pub struct PublicKey {
    kind: KeyKind,
    /// DER SubjectPublicKeyInfo.
    spki: Vec<u8>,
    /// Key size in bits (256 for Ed25519).
    pub bits: usize,
    /// SHA-256 of the DER SubjectPublicKeyInfo, hex.
    pub sha256: String,
}

#[derive(Clone)]
enum KeyKind {
    /// RSA that aws-lc accepts: parsed once, reused for every signature.
    Rsa(
        std::sync::Arc<sig::ParsedPublicKey>,
        std::sync::Arc<sig::ParsedPublicKey>,
    ),
    /// RSA under 1024 bits, checked with the `rsa` crate.
    SmallRsa(Box<rsa::RsaPublicKey>),
    Ed25519(std::sync::Arc<sig::ParsedPublicKey>),
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "PublicKey({} {} bits, {})",
            self.key_type(),
            self.bits,
            self.sha256
        )
    }
}

/// Why key bytes could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// Not a DER RSA key (SPKI or PKCS#1).
    #[error("p= is not a valid RSA public key: {0}")]
    BadRsa(String),
    /// Ed25519 keys are exactly 32 bytes.
    #[error("p= is not a valid Ed25519 public key ({0} bytes, expected 32)")]
    BadEd25519(usize),
    /// Outside 512..=8192 bits.
    #[error("RSA key of {0} bits is outside the supported range (512 to 8192)")]
    RsaSize(usize),
}

const ED25519_SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

impl PublicKey {
    /// Decodes an RSA key from SPKI or PKCS#1 DER.
    pub fn rsa(der: &[u8]) -> Result<Self, KeyError> {
        let key = rsa::RsaPublicKey::from_public_key_der(der)
            .or_else(|_| rsa::RsaPublicKey::from_pkcs1_der(der))
            .or_else(|_| rsa_without_size_limit(der))
            .map_err(|e| KeyError::BadRsa(e.to_string()))?;
        let bits = key.n().bits();
        if !(512..=MAX_RSA_BITS).contains(&bits) {
            return Err(KeyError::RsaSize(bits));
        }
        let spki = key
            .to_public_key_der()
            .map_err(|e| KeyError::BadRsa(e.to_string()))?
            .into_vec();
        let kind = if bits >= 1024 {
            let pkcs1 = key
                .to_pkcs1_der()
                .map_err(|e| KeyError::BadRsa(e.to_string()))?;
            let parse = |alg: &'static sig::RsaParameters| {
                sig::UnparsedPublicKey::new(alg, pkcs1.as_bytes())
                    .parse()
                    .map(std::sync::Arc::new)
                    .map_err(|e| KeyError::BadRsa(e.to_string()))
            };
            KeyKind::Rsa(
                parse(&sig::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY)?,
                parse(&sig::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY)?,
            )
        } else {
            KeyKind::SmallRsa(Box::new(key))
        };
        Ok(Self::finish(kind, spki, bits))
    }

    /// Decodes an Ed25519 key from its raw 32 bytes (RFC 8463).
    pub fn ed25519(raw: &[u8]) -> Result<Self, KeyError> {
        // RFC 8463 publishes the bare 32 bytes; an SPKI-wrapped key is
        // refused, as Mail::DKIM and dkimpy do.
        if raw.len() != 32 {
            return Err(KeyError::BadEd25519(raw.len()));
        }
        let parsed = sig::UnparsedPublicKey::new(&sig::ED25519, raw)
            .parse()
            .map_err(|_| KeyError::BadEd25519(raw.len()))?;
        let mut spki = ED25519_SPKI_PREFIX.to_vec();
        spki.extend_from_slice(raw);
        Ok(Self::finish(
            KeyKind::Ed25519(std::sync::Arc::new(parsed)),
            spki,
            256,
        ))
    }

    fn finish(kind: KeyKind, spki: Vec<u8>, bits: usize) -> Self {
        let sha256 = crate::util::sha256_hex(&spki);
        PublicKey {
            kind,
            spki,
            bits,
            sha256,
        }
    }

    /// `rsa` or `ed25519`.
    pub fn key_type(&self) -> &'static str {
        match self.kind {
            KeyKind::Ed25519(_) => "ed25519",
            _ => "rsa",
        }
    }

    /// The DER SubjectPublicKeyInfo.
    pub fn spki_der(&self) -> &[u8] {
        &self.spki
    }

    /// Checks `signature` over a message whose `hash` digest is given.
    ///
    /// For RSA the digest is wrapped in PKCS#1 v1.5; for Ed25519 (RFC 8463)
    /// the digest itself is the signed message.
    pub fn verify(&self, hash: HashAlg, digest_bytes: &[u8], signature: &[u8]) -> bool {
        match &self.kind {
            KeyKind::Rsa(sha256, sha1) => {
                let (key, alg) = match hash {
                    HashAlg::Sha256 => (sha256, &digest::SHA256),
                    HashAlg::Sha1 => (sha1, &digest::SHA1_FOR_LEGACY_USE_ONLY),
                };
                match digest::Digest::import_less_safe(digest_bytes, alg) {
                    Ok(d) => key.verify_digest_sig(&d, signature).is_ok(),
                    Err(_) => false,
                }
            }
            KeyKind::SmallRsa(key) => {
                let scheme = match hash {
                    HashAlg::Sha256 => rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
                    HashAlg::Sha1 => rsa::Pkcs1v15Sign::new::<sha1::Sha1>(),
                };
                key.verify(scheme, digest_bytes, signature).is_ok()
            }
            KeyKind::Ed25519(key) => key.verify_sig(digest_bytes, signature).is_ok(),
        }
    }
}

/// The `rsa` crate refuses moduli under its default minimum in some paths;
/// decode the PKCS#1 integers by hand as a last resort.
fn rsa_without_size_limit(der: &[u8]) -> rsa::Result<rsa::RsaPublicKey> {
    use rsa::pkcs1::der::Decode;
    let spki = rsa::pkcs8::spki::SubjectPublicKeyInfoRef::from_der(der)
        .ok()
        .and_then(|s| s.subject_public_key.as_bytes().map(|b| b.to_vec()));
    let pkcs1 = spki.unwrap_or_else(|| der.to_vec());
    let k = rsa::pkcs1::RsaPublicKey::from_der(&pkcs1).map_err(|_| rsa::Error::InvalidModulus)?;
    let n = rsa::BigUint::from_bytes_be(k.modulus.as_bytes());
    let e = rsa::BigUint::from_bytes_be(k.public_exponent.as_bytes());
    rsa::RsaPublicKey::new_with_max_size(n, e, MAX_RSA_BITS)
}

/// An incremental hash that is also a canonicalization [`Sink`], with an
/// optional length limit (`l=`) and a count of every byte offered.
pub struct Hasher {
    ctx: digest::Context,
    limit: Option<u64>,
    /// Bytes offered to the hasher (the full canonical length).
    pub offered: u64,
    /// Bytes actually hashed (at most the limit).
    pub hashed: u64,
}

impl Hasher {
    /// A hasher for `alg`, hashing at most `limit` bytes.
    pub fn new(alg: HashAlg, limit: Option<u64>) -> Self {
        let alg = match alg {
            HashAlg::Sha256 => &digest::SHA256,
            HashAlg::Sha1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
        };
        Hasher {
            ctx: digest::Context::new(alg),
            limit,
            offered: 0,
            hashed: 0,
        }
    }

    /// The digest.
    pub fn finish(self) -> Vec<u8> {
        self.ctx.finish().as_ref().to_vec()
    }
}

impl Sink for Hasher {
    fn write(&mut self, bytes: &[u8]) {
        self.offered += bytes.len() as u64;
        let take = match self.limit {
            Some(l) => (l.saturating_sub(self.hashed)).min(bytes.len() as u64) as usize,
            None => bytes.len(),
        };
        if take > 0 {
            self.ctx.update(&bytes[..take]);
            self.hashed += take as u64;
        }
    }
}

/// Digest of `bytes`.
pub fn hash(alg: HashAlg, bytes: &[u8]) -> Vec<u8> {
    let mut h = Hasher::new(alg, None);
    h.write(bytes);
    h.finish()
}
