//! Crypto backend choice, measured: RSA-2048 verify and SHA-256 through
//! aws-lc (what mailproof uses) beside the pure-Rust `rsa` and `sha2` crates
//! (the fallback for RSA under 1024 bits), in the same run.
//!
//! Run: `cargo bench --bench crypto`. Prints ratios; absolute numbers on a
//! shared machine are noise.

use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::EncodePublicKey;
use sha2::Digest;
use std::hint::black_box;
use std::time::{Duration, Instant};

fn rate(name: &str, f: &mut dyn FnMut()) -> f64 {
    for _ in 0..10 {
        f();
    }
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < Duration::from_millis(1500) {
        f();
        n += 1;
    }
    let per_s = n as f64 / start.elapsed().as_secs_f64();
    println!("{name:<40} {per_s:>12.0} /s");
    per_s
}

fn main() {
    let pem = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/keys/rsa2048.pem"
    ))
    .unwrap();
    let private = rsa::RsaPrivateKey::from_pkcs1_pem(&pem).unwrap();
    let public = private.to_public_key();
    let spki = public.to_public_key_der().unwrap();
    let digest = sha2::Sha256::digest(b"canonical headers").to_vec();
    let sig = private
        .sign(rsa::Pkcs1v15Sign::new::<sha2::Sha256>(), &digest)
        .unwrap();
    let ours = mailproof::crypto::PublicKey::rsa(spki.as_bytes()).unwrap();
    let alg = mailproof::signature::HashAlg::Sha256;
    assert!(ours.verify(alg, &digest, &sig));

    println!("RSA-2048 PKCS#1 v1.5 verify (key parsed once)");
    let a = rate("aws-lc-rs (mailproof::crypto)", &mut || {
        black_box(ours.verify(alg, black_box(&digest), black_box(&sig)));
    });
    let r = rate("rsa crate 0.9", &mut || {
        black_box(
            public
                .verify(
                    rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
                    black_box(&digest),
                    black_box(&sig),
                )
                .is_ok(),
        );
    });
    println!("  aws-lc / rsa crate = {:.1}x\n", a / r);

    let data = vec![0x61u8; 1 << 20];
    println!("SHA-256 over 1 MiB");
    let a = rate("aws-lc-rs digest", &mut || {
        black_box(mailproof::crypto::hash(alg, black_box(&data)));
    });
    let s = rate("sha2 crate 0.10", &mut || {
        black_box(sha2::Sha256::digest(black_box(&data)));
    });
    println!("  aws-lc / sha2 crate = {:.1}x", a / s);
}
