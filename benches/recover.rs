//! Times a 2048-bit key recovery from two messages beside the reference
//! technique in Python with gmpy2 (`scripts/recover_gmpy2.py`), in the same
//! run on the same machine, and prints the ratio; then runs the issue's
//! "done when": `mailproof keys recover` on three messages signed by a
//! 2048-bit key that no archive holds, and verifies them with its output.
//!
//! `cargo bench --bench recover` (needs `python3` with `gmpy2`; without it
//! the reference is skipped and said so). Both sides run on one core:
//! malachite and gmpy2 (GMP) are single-threaded.

#[path = "../tests/common/mod.rs"]
mod common;

use common::*;
use mailproof::recover::{self, Input, Options};
use rsa::traits::PublicKeyParts;
use std::process::Command;
use std::time::Instant;

fn message(key: &TestKey, subject: &str, t: i64) -> Vec<u8> {
    let body = MESSAGE.replace("Quarterly numbers", subject);
    sign(
        body.as_bytes(),
        key,
        &Sign {
            selector: "gone2015",
            timestamp: Some(t),
            ..Default::default()
        },
    )
}

/// The `b=` value of the message's signature, as an integer.
fn signature(msg: &[u8]) -> rsa::BigUint {
    let raw = mailproof::message::RawMessage::parse(msg).unwrap();
    let sig = mailproof::dkim::signature::DkimSignature::parse(raw.headers[0].value).unwrap();
    rsa::BigUint::from_bytes_be(&sig.signature)
}

fn main() {
    let key = TestKey::load("rsa2048b");
    let TestKey::Rsa(private) = &key else {
        unreachable!()
    };
    let (n, e) = (private.n().clone(), private.e().clone());
    let msgs: Vec<(String, Vec<u8>)> = [("One", 0), ("Two", 30), ("Three", 90)]
        .iter()
        .map(|(s, dt)| (format!("m-{s}.eml"), message(&key, s, SIGNED_AT + dt)))
        .collect();
    let dir = tempfile::tempdir().unwrap();

    // The reference gets the very same numbers: s and m = s^e mod n.
    let mut hex = format!("{e:x}\n");
    for (_, m) in &msgs[..2] {
        let s = signature(m);
        hex += &format!("{s:x}\n{:x}\n", s.modpow(&e, &n));
    }
    let numbers = dir.path().join("numbers.hex");
    std::fs::write(&numbers, hex).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/recover_gmpy2.py");
    let reference = Command::new("python3").arg(script).arg(&numbers).output();
    let gmpy2_secs = match reference {
        Ok(o) if o.status.success() => {
            let out = String::from_utf8_lossy(&o.stdout).to_string();
            let secs: f64 = out.split_whitespace().next().unwrap().parse().unwrap();
            println!("gmpy2 reference, gcd(s1^e - m1, s2^e - m2), 2048-bit: {secs:.1} s");
            Some(secs)
        }
        Ok(o) => {
            println!(
                "gmpy2 reference skipped: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            );
            None
        }
        Err(e) => {
            println!("gmpy2 reference skipped: cannot run python3: {e}");
            None
        }
    };

    // mailproof, from the two messages (parsing, hashing, every exponent,
    // the gcd and the verification included).
    let inputs: Vec<Input<'_>> = msgs[..2]
        .iter()
        .map(|(s, b)| Input {
            source: s,
            bytes: b,
        })
        .collect();
    let start = Instant::now();
    let r = recover::recover(&inputs, &Options::default(), &mut |_| {});
    let ours = start.elapsed().as_secs_f64();
    assert_eq!(r.keys.len(), 1);
    assert_eq!(r.keys[0].modulus, n.to_bytes_be());
    println!("mailproof recover, 2 messages, 2048-bit: {ours:.1} s");
    if let Some(g) = gmpy2_secs {
        println!("ratio mailproof / gmpy2: {:.2}", ours / g);
    }

    // Done when: `keys recover` on three messages, then verify with its output.
    let inbox = dir.path().join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    for (name, bytes) in &msgs {
        std::fs::write(inbox.join(name), bytes).unwrap();
    }
    let out = dir.path().join("recovered.jsonl");
    let exe = env!("CARGO_BIN_EXE_mailproof");
    let start = Instant::now();
    let status = Command::new(exe)
        .args(["keys", "recover", "--out"])
        .arg(&out)
        .arg(&inbox)
        .output()
        .unwrap();
    let cli = start.elapsed().as_secs_f64();
    assert!(status.status.success(), "{status:?}");
    let zone = String::from_utf8_lossy(&status.stdout);
    assert!(zone.contains(&recover::MARKER.to_string()), "{zone}");
    println!("mailproof keys recover, 3 messages, 2048-bit: {cli:.1} s");
    if let Some(g) = gmpy2_secs {
        println!(
            "ratio keys recover (3 messages) / gmpy2 (2 messages): {:.2}",
            cli / g
        );
    }
    let verify = Command::new(exe)
        .args(["verify", "--no-builtin-keys", "--format", "jsonl", "--keys"])
        .arg(&out)
        .arg(&inbox)
        .output()
        .unwrap();
    let lines = String::from_utf8_lossy(&verify.stdout);
    assert_eq!(verify.status.code(), Some(0), "{lines}");
    assert_eq!(
        lines.matches("\"verdict\":\"verified\"").count(),
        3,
        "{lines}"
    );
    assert!(lines.contains("key_recovered"));
    println!(
        "verify --keys recovered.jsonl: 3 of 3 messages verified, each with a key_recovered finding"
    );
}
