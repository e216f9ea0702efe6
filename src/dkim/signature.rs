//! DKIM-Signature header fields: parsing and the checks that need no key.

pub use crate::crypto::HashAlg;
use crate::tags::{self, Tag};
use base64::Engine;

/// Signing algorithm (`a=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Algorithm {
    /// `rsa-sha256`
    #[serde(rename = "rsa-sha256")]
    RsaSha256,
    /// `rsa-sha1` (forbidden for signers by RFC 8301, still found in old mail)
    #[serde(rename = "rsa-sha1")]
    RsaSha1,
    /// `ed25519-sha256` (RFC 8463)
    #[serde(rename = "ed25519-sha256")]
    Ed25519Sha256,
}

impl Algorithm {
    /// The name as written in `a=`.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::RsaSha256 => "rsa-sha256",
            Algorithm::RsaSha1 => "rsa-sha1",
            Algorithm::Ed25519Sha256 => "ed25519-sha256",
        }
    }
    /// The hash half of the algorithm.
    pub fn hash(self) -> HashAlg {
        match self {
            Algorithm::RsaSha1 => HashAlg::Sha1,
            _ => HashAlg::Sha256,
        }
    }
    /// The key type the algorithm needs (`k=` of the key record).
    pub fn key_type(self) -> &'static str {
        match self {
            Algorithm::Ed25519Sha256 => "ed25519",
            _ => "rsa",
        }
    }
}

/// Canonicalization algorithm for headers or body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Canon {
    /// `simple`: bytes as they are.
    Simple,
    /// `relaxed`: white space and header-name case normalised.
    Relaxed,
}

impl Canon {
    /// The name as written in `c=`.
    pub fn name(self) -> &'static str {
        match self {
            Canon::Simple => "simple",
            Canon::Relaxed => "relaxed",
        }
    }
}

/// A parsed DKIM-Signature.
#[derive(Debug, Clone)]
pub struct DkimSignature {
    /// `a=`
    pub algorithm: Algorithm,
    /// `d=` in lower-case A-label form (RFC 8616 section 4: a `d=` written
    /// with U-labels names the same domain); used for every key lookup and
    /// comparison. The signed bytes keep `d=` as written.
    pub domain: String,
    /// `s=`
    pub selector: String,
    /// `h=`, as written, in order.
    pub signed_headers: Vec<String>,
    /// `bh=`, decoded.
    pub body_hash: Vec<u8>,
    /// `b=`, decoded.
    pub signature: Vec<u8>,
    /// Header canonicalization.
    pub header_canon: Canon,
    /// Body canonicalization.
    pub body_canon: Canon,
    /// `i=` (defaults to `@d`).
    pub identity: String,
    /// `l=`
    pub body_length: Option<u64>,
    /// `t=`
    pub timestamp: Option<i64>,
    /// `x=`
    pub expiration: Option<i64>,
    /// All tags, as parsed (the `b=` span is used to blank it for hashing).
    pub tags: Vec<Tag>,
    /// For a pre-RFC draft signature, its `v=` (empty when the tag is
    /// missing); `None` for an RFC 6376 `v=1` signature.
    pub draft_version: Option<String>,
}

/// Why a signature cannot be checked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// Syntax or required-tag problems.
    #[error("malformed signature: {0}")]
    Malformed(String),
    /// Well-formed but uses something this verifier does not implement.
    #[error("unsupported: {0}")]
    Unsupported(String),
}

impl SignatureError {
    fn malformed(s: impl Into<String>) -> Self {
        SignatureError::Malformed(s.into())
    }
}

/// What could be read from a signature even when it is malformed: shown in
/// reports so that a reader sees which domain and selector it claimed.
#[derive(Debug, Clone, Default)]
pub struct SignatureHints {
    /// `d=` if readable.
    pub domain: Option<String>,
    /// `s=` if readable.
    pub selector: Option<String>,
    /// `a=` as written.
    pub algorithm: Option<String>,
}

/// Reads `d=`, `s=` and `a=` leniently from a header value.
pub fn hints(value: &[u8]) -> SignatureHints {
    let mut h = SignatureHints::default();
    for part in value.split(|&b| b == b';') {
        let Some(eq) = memchr::memchr(b'=', part) else {
            continue;
        };
        // only d=, s= and a= are wanted: the name decides before the value
        // (b= is long) is decoded
        let slot = match part[..eq].trim_ascii() {
            b"d" => &mut h.domain,
            b"s" => &mut h.selector,
            b"a" => &mut h.algorithm,
            _ => continue,
        };
        let val = tags::strip_ws(&String::from_utf8_lossy(&part[eq + 1..]));
        *slot = Some(val);
    }
    if let Some(d) = &mut h.domain {
        *d = crate::idn::to_ascii_lossy(d);
    }
    h
}

fn b64(value: &str, tag: &str) -> Result<Vec<u8>, SignatureError> {
    base64::engine::general_purpose::STANDARD
        .decode(tags::strip_ws(value))
        .map_err(|e| SignatureError::malformed(format!("{tag}= is not valid base64 ({e})")))
}

fn number(value: &str, tag: &str) -> Result<u64, SignatureError> {
    let v = tags::strip_ws(value);
    if v.is_empty() || v.len() > 16 || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SignatureError::malformed(format!(
            "{tag}={v:?} is not a number"
        )));
    }
    v.parse()
        .map_err(|_| SignatureError::malformed(format!("{tag}= is out of range")))
}

/// Decodes DKIM-quoted-printable (`=XX` hex escapes, RFC 6376 2.11).
fn qp_decode(v: &str) -> String {
    let b = v.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (b[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'=', Some(x)) => {
                out.push(x);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn canon(name: &str) -> Result<Canon, SignatureError> {
    match name {
        "simple" => Ok(Canon::Simple),
        "relaxed" => Ok(Canon::Relaxed),
        other => Err(SignatureError::Unsupported(format!(
            "canonicalization {other:?}"
        ))),
    }
}

impl DkimSignature {
    /// Parses the value of a DKIM-Signature header field (after the colon).
    pub fn parse(value: &[u8]) -> Result<Self, SignatureError> {
        let tags = tags::parse(value).map_err(|e| SignatureError::malformed(e.to_string()))?;
        let req = |name: &str| {
            tags::get(&tags, name)
                .map(|t| t.value.as_str())
                .ok_or_else(|| {
                    SignatureError::malformed(format!("required tag {name}= is missing"))
                })
        };
        // Draft-era signatures (no v=, or v=0.x, 2005-2007) use the same
        // hashing as RFC 6376 once bh= exists; they are checked and flagged.
        let draft_version = match tags::get(&tags, "v").map(|t| t.value.as_str()) {
            Some("1") => None,
            None => Some(String::new()),
            Some(v) if v.starts_with("0.") => Some(v.to_string()),
            Some(v) => {
                return Err(SignatureError::malformed(format!(
                    "version v={v:?} is not 1"
                )));
            }
        };
        // Without v=, a signature is read as a draft only when it uses none
        // of RFC 4871's own syntax: `q=dns/txt` is the RFC spelling (drafts
        // wrote `dns` or left q= out), so such a signature is an RFC one
        // whose required v= is missing (RFC 6376 3.5).
        if draft_version.as_deref() == Some("")
            && tags::get(&tags, "q").is_some_and(|q| {
                tags::strip_ws(&q.value)
                    .split(':')
                    .any(|m| m.eq_ignore_ascii_case("dns/txt"))
            })
        {
            return Err(SignatureError::malformed(
                "required tag v= is missing (the signature uses RFC syntax, q=dns/txt, so it is not a pre-RFC draft)",
            ));
        }
        let algorithm = match tags::strip_ws(req("a")?).to_ascii_lowercase().as_str() {
            "rsa-sha256" => Algorithm::RsaSha256,
            "rsa-sha1" => Algorithm::RsaSha1,
            "ed25519-sha256" => Algorithm::Ed25519Sha256,
            other => {
                return Err(SignatureError::Unsupported(format!(
                    "algorithm a={other:?}"
                )));
            }
        };
        let signature = b64(req("b")?, "b")?;
        let body_hash = b64(req("bh")?, "bh")?;
        let domain = tags::strip_ws(req("d")?);
        let selector = tags::strip_ws(req("s")?);
        if domain.is_empty() || selector.is_empty() {
            return Err(SignatureError::malformed("d= or s= is empty"));
        }
        let domain = crate::idn::to_ascii(&domain)
            .map_err(|e| SignatureError::malformed(format!("d= {e}")))?;
        let signed_headers: Vec<String> = req("h")?.split(':').map(tags::strip_ws).collect();
        if signed_headers.iter().any(|h| h.is_empty()) {
            return Err(SignatureError::malformed("h= has an empty header name"));
        }
        if !signed_headers
            .iter()
            .any(|h| h.eq_ignore_ascii_case("from"))
        {
            return Err(SignatureError::malformed("h= does not include From"));
        }
        let (header_canon, body_canon) = match tags::get(&tags, "c") {
            None => (Canon::Simple, Canon::Simple),
            Some(t) => {
                let c = tags::strip_ws(&t.value).to_ascii_lowercase();
                match c.split_once('/') {
                    Some((h, b)) => (canon(h)?, canon(b)?),
                    None => (canon(&c)?, Canon::Simple),
                }
            }
        };
        if let Some(q) = tags::get(&tags, "q") {
            let q = tags::strip_ws(&q.value);
            // draft signatures wrote the DNS method as plain `dns`
            let dns = |m: &str| {
                m.eq_ignore_ascii_case("dns/txt")
                    || draft_version.is_some() && m.eq_ignore_ascii_case("dns")
            };
            if !q.split(':').any(dns) {
                return Err(SignatureError::Unsupported(format!("query method q={q:?}")));
            }
        }
        let identity = match tags::get(&tags, "i") {
            Some(t) => {
                let i = qp_decode(&tags::strip_ws(&t.value));
                let Some((_, idom)) = i.rsplit_once('@') else {
                    return Err(SignatureError::malformed(format!("i={i:?} has no '@'")));
                };
                // compared in A-label form (RFC 8616 section 4)
                let idom = crate::idn::to_ascii(idom)
                    .map_err(|e| SignatureError::malformed(format!("i= domain {e}")))?;
                if idom != domain && !idom.ends_with(&format!(".{domain}")) {
                    return Err(SignatureError::malformed(format!(
                        "i= domain {idom:?} is not d={domain:?} or a subdomain of it"
                    )));
                }
                i
            }
            None => format!("@{domain}"),
        };
        let opt = |name: &str| {
            tags::get(&tags, name)
                .map(|t| number(&t.value, name))
                .transpose()
        };
        let body_length = opt("l")?;
        let timestamp = opt("t")?.map(|v| v as i64);
        let expiration = opt("x")?.map(|v| v as i64);
        Ok(DkimSignature {
            algorithm,
            domain,
            selector,
            signed_headers,
            body_hash,
            signature,
            header_canon,
            body_canon,
            identity,
            body_length,
            timestamp,
            expiration,
            tags,
            draft_version,
        })
    }

    /// The domain part of `i=`, in lower-case A-label form (as [`Self::domain`]).
    pub fn identity_domain(&self) -> String {
        crate::idn::to_ascii_lossy(self.identity.rsplit_once('@').map_or("", |(_, d)| d))
    }

    /// How many times `name` is listed in `h=`.
    pub fn signs(&self, name: &str) -> usize {
        self.signed_headers
            .iter()
            .filter(|h| h.eq_ignore_ascii_case(name))
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIG: &[u8] = b" v=1; a=rsa-sha256; c=relaxed/simple; d=Example.COM; s=sel;\r\n\th=from:to:subject; t=100; x=200; l=5; bh=AAAA; b=AA\r\n AA";

    #[test]
    fn parses_fields() {
        let s = DkimSignature::parse(SIG).unwrap();
        assert_eq!(s.domain, "example.com");
        assert_eq!(s.header_canon, Canon::Relaxed);
        assert_eq!(s.body_canon, Canon::Simple);
        assert_eq!(s.signed_headers, ["from", "to", "subject"]);
        assert_eq!(
            (s.timestamp, s.expiration, s.body_length),
            (Some(100), Some(200), Some(5))
        );
        assert_eq!(s.signature, vec![0, 0, 0]);
        assert_eq!(s.identity, "@example.com");
    }

    #[test]
    fn classifies_errors() {
        let no_from = b"v=1; a=rsa-sha256; d=a.b; s=x; h=to; bh=AAAA; b=AAAA";
        assert!(matches!(
            DkimSignature::parse(no_from),
            Err(SignatureError::Malformed(_))
        ));
        let alg = b"v=1; a=rsa-md5; d=a.b; s=x; h=from; bh=AAAA; b=AAAA";
        assert!(matches!(
            DkimSignature::parse(alg),
            Err(SignatureError::Unsupported(_))
        ));
        let bad_i = b"v=1; a=rsa-sha256; d=a.b; s=x; h=from; bh=AAAA; b=AAAA; i=@evil.com";
        assert!(matches!(
            DkimSignature::parse(bad_i),
            Err(SignatureError::Malformed(_))
        ));
        let v = b"v=2; a=rsa-sha256; d=a.b; s=x; h=from; bh=AAAA; b=AAAA";
        assert!(matches!(
            DkimSignature::parse(v),
            Err(SignatureError::Malformed(_))
        ));
    }
}
