//! Test helpers: sign messages with the throwaway keys in `fixtures/keys/`,
//! build key archives for them, and a verifier with a pinned clock.
//!
//! The signer builds the DKIM-Signature itself (so tests can set any tag:
//! t=, x=, l=, rsa-sha1, 512-bit keys), using the library's canonicalization.
//! Canonicalization is checked independently by the real and third-party
//! messages in `fixtures/`, and `signer_agrees_with_mail_auth` cross-checks
//! this signer against mail-auth's.
#![allow(dead_code)]

use base64::Engine;
use mailproof::keys::KeyArchive;
use mailproof::message::RawMessage;
use mailproof::signature::Canon;
use mailproof::{FixedClock, Verifier};
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::EncodePublicKey;
use std::path::PathBuf;

/// 2015-06-01T12:00:00Z: the signing time of the test messages.
pub const SIGNED_AT: i64 = 1_433_160_000;
/// 2026-01-01T00:00:00Z: "now" for the verifier.
pub const NOW: i64 = 1_767_225_600;

pub fn fixture(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(path)
}

pub const MESSAGE: &str = "From: Alice Example <alice@example.com>\r\n\
To: Bob Reporter <bob@example.net>\r\n\
Cc: Carol <carol@example.net>\r\n\
Subject: Quarterly numbers\r\n\
Date: Mon, 01 Jun 2015 12:00:00 +0000\r\n\
Message-ID: <q2-2015@example.com>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
\r\n\
Hi Bob,\r\n\
\r\n\
The  numbers for Q2 are attached.   \r\n\
Revenue: 1,204,000\r\n\
\r\n\
Alice\r\n\
\r\n";

pub const ALL_HEADERS: &[&str] = &[
    "from",
    "to",
    "cc",
    "subject",
    "date",
    "message-id",
    "mime-version",
    "content-type",
];

/// A throwaway private key.
#[allow(clippy::large_enum_variant)]
pub enum TestKey {
    Rsa(rsa::RsaPrivateKey),
    Ed25519(aws_lc_rs::signature::Ed25519KeyPair),
}

impl TestKey {
    pub fn load(name: &str) -> TestKey {
        let pem = std::fs::read_to_string(fixture(&format!("keys/{name}.pem"))).unwrap();
        if name.starts_with("ed25519") {
            let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
            let der = base64::engine::general_purpose::STANDARD
                .decode(b64)
                .unwrap();
            TestKey::Ed25519(
                aws_lc_rs::signature::Ed25519KeyPair::from_pkcs8_maybe_unchecked(&der).unwrap(),
            )
        } else {
            TestKey::Rsa(rsa::RsaPrivateKey::from_pkcs1_pem(&pem).unwrap())
        }
    }

    /// The DKIM key record (`v=DKIM1; k=...; p=...`).
    pub fn record(&self) -> String {
        use aws_lc_rs::signature::KeyPair;
        let b64 = base64::engine::general_purpose::STANDARD;
        match self {
            TestKey::Rsa(k) => format!(
                "v=DKIM1; k=rsa; p={}",
                b64.encode(k.to_public_key().to_public_key_der().unwrap().as_bytes())
            ),
            TestKey::Ed25519(k) => {
                format!(
                    "v=DKIM1; k=ed25519; p={}",
                    b64.encode(k.public_key().as_ref())
                )
            }
        }
    }

    fn sign(&self, alg: &str, data: &[u8]) -> Vec<u8> {
        match self {
            TestKey::Rsa(k) => {
                if alg == "rsa-sha1" {
                    let d = mailproof::crypto::hash(mailproof::signature::HashAlg::Sha1, data);
                    k.sign(rsa::Pkcs1v15Sign::new::<sha1::Sha1>(), &d).unwrap()
                } else {
                    let d = mailproof::crypto::hash(mailproof::signature::HashAlg::Sha256, data);
                    k.sign(rsa::Pkcs1v15Sign::new::<sha2::Sha256>(), &d)
                        .unwrap()
                }
            }
            TestKey::Ed25519(k) => {
                let d = mailproof::crypto::hash(mailproof::signature::HashAlg::Sha256, data);
                k.sign(&d).as_ref().to_vec()
            }
        }
    }
}

/// What to put in the signature.
#[derive(Clone)]
pub struct Sign<'a> {
    pub domain: &'a str,
    pub selector: &'a str,
    pub algorithm: &'a str,
    pub header_canon: Canon,
    pub body_canon: Canon,
    pub headers: Vec<&'a str>,
    pub timestamp: Option<i64>,
    pub expiration: Option<i64>,
    /// Sign only the first N canonical body bytes (`l=`).
    pub body_length: Option<u64>,
    pub identity: Option<&'a str>,
}

impl Default for Sign<'_> {
    fn default() -> Self {
        Sign {
            domain: "example.com",
            selector: "s2015",
            algorithm: "rsa-sha256",
            header_canon: Canon::Relaxed,
            body_canon: Canon::Relaxed,
            headers: ALL_HEADERS.to_vec(),
            timestamp: Some(SIGNED_AT),
            expiration: None,
            body_length: None,
            identity: None,
        }
    }
}

/// Returns `message` with a DKIM-Signature for `opts` prepended.
pub fn sign(message: &[u8], key: &TestKey, opts: &Sign<'_>) -> Vec<u8> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let msg = RawMessage::parse(message).unwrap();
    let hash = if opts.algorithm == "rsa-sha1" {
        mailproof::signature::HashAlg::Sha1
    } else {
        mailproof::signature::HashAlg::Sha256
    };
    let mut hasher = mailproof::crypto::Hasher::new(hash, opts.body_length);
    mailproof::canon::body(opts.body_canon, msg.body(), &mut hasher);
    let bh = b64.encode(hasher.finish());
    let mut value = format!(
        " v=1; a={}; c={}/{}; d={}; s={};",
        opts.algorithm,
        opts.header_canon.name(),
        opts.body_canon.name(),
        opts.domain,
        opts.selector
    );
    if let Some(t) = opts.timestamp {
        value.push_str(&format!(" t={t};"));
    }
    if let Some(x) = opts.expiration {
        value.push_str(&format!(" x={x};"));
    }
    if let Some(l) = opts.body_length {
        value.push_str(&format!(" l={l};"));
    }
    if let Some(i) = opts.identity {
        value.push_str(&format!(" i={i};"));
    }
    value.push_str(&format!(
        "\r\n\th={};\r\n\tbh={bh};\r\n\tb=",
        opts.headers.join(":")
    ));
    // Canonicalize the selected headers (bottom-most instance first) and the
    // signature field itself with an empty b=.
    let mut data = Vec::new();
    let mut used = vec![false; msg.headers.len()];
    for name in &opts.headers {
        if let Some(i) = (0..msg.headers.len())
            .rev()
            .find(|&i| !used[i] && msg.headers[i].is(name))
        {
            used[i] = true;
            mailproof::canon::header(opts.header_canon, &msg.headers[i], &mut data);
        }
    }
    let field = format!("DKIM-Signature:{value}\r\n");
    let sig_msg = format!("{field}\r\n");
    let parsed = RawMessage::parse(sig_msg.as_bytes()).unwrap();
    mailproof::canon::signature_header(opts.header_canon, &parsed.headers[0], 0..0, &mut data);
    let b = b64.encode(key.sign(opts.algorithm, &data));
    let mut out = format!("DKIM-Signature:{value}{b}\r\n").into_bytes();
    out.extend_from_slice(message);
    out
}

/// Signs the standard test message with the 2048-bit key and default options.
pub fn signed(opts: &Sign<'_>) -> Vec<u8> {
    sign(MESSAGE.as_bytes(), &TestKey::load("rsa2048"), opts)
}

/// A zone-format archive text publishing `key` at `selector._domainkey.domain`.
pub fn zone_line(selector: &str, domain: &str, key: &TestKey) -> String {
    format!("{selector}._domainkey.{domain}. TXT \"{}\"\n", key.record())
}

/// A verifier with only the given zone text as key source and the clock at [`NOW`].
pub fn verifier(zone: &str) -> Verifier {
    Verifier::builder()
        .builtin_archive(false)
        .key_source(KeyArchive::load_str("test.zone", zone).unwrap())
        .clock(FixedClock(NOW))
        .build()
}

/// The standard archive: example.com s2015 (rsa2048), plus the other test keys
/// under their own selectors.
pub fn standard_zone() -> String {
    let mut z = String::new();
    z += &zone_line("s2015", "example.com", &TestKey::load("rsa2048"));
    z += &zone_line("k1024", "example.com", &TestKey::load("rsa1024"));
    z += &zone_line("k512", "example.com", &TestKey::load("rsa512"));
    z += &zone_line("ed", "example.com", &TestKey::load("ed25519"));
    z += &zone_line("esp", "mailer.example.org", &TestKey::load("rsa2048b"));
    z
}

/// Replaces the first occurrence of `from` with `to` in `bytes`.
pub fn replace(bytes: &[u8], from: &str, to: &str) -> Vec<u8> {
    let s = String::from_utf8(bytes.to_vec()).unwrap();
    assert!(s.contains(from), "test bug: {from:?} not in message");
    s.replacen(from, to, 1).into_bytes()
}

/// A Subject that is markup, a link, a terminal escape and a bidi override
/// in every output format, if anything were let through raw.
pub const HOSTILE_SUBJECT: &str = "<script>alert(1)</script> [x](javascript:alert(1)) | `tick` **b** <!-- www.evil.example https://evil.example/a\u{1b}[31m\u{202e}gnp.exe\nInjected: yes";
/// A display name that is markup and a link in every format.
pub const HOSTILE_NAME: &str =
    "<img src=x onerror=alert(1)> [c](https://evil.example) | \"q\" 'a' & `x`";
/// `s` as an RFC 2047 encoded word (UTF-8, base64), for header values
/// with bytes that may not appear raw.
pub fn encoded_word(s: &str) -> String {
    format!(
        "=?utf-8?b?{}?=",
        base64::engine::general_purpose::STANDARD.encode(s)
    )
}

/// A zip archive (deflated) of `entries`, `(name, bytes)` in order.
pub fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// The finding codes of a report read back from JSON, in order.
pub fn finding_codes(r: &serde_json::Value) -> Vec<String> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}
