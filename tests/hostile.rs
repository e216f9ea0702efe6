//! Hostile input: caps that name themselves, and no message lost. A
//! directory mixing valid messages with broken, empty, binary, huge and
//! cap-busting files gives exactly one record per file, no panic, in
//! bounded time.

mod common;

use common::*;
use mailproof::keys::KeyArchive;
use mailproof::{FixedClock, Limits, ResultReason, SignatureResult, Verdict, Verifier};
use std::process::Command;
use std::time::{Duration, Instant};

fn limited(limits: Limits) -> Verifier {
    Verifier::builder()
        .builtin_archive(false)
        .key_source(KeyArchive::load_str("test.zone", &standard_zone()).unwrap())
        .clock(FixedClock(NOW))
        .limits(limits)
        .build()
}

#[test]
fn message_level_caps_give_an_error_naming_the_cap() {
    let msg = signed(&Sign::default());
    let v = limited(Limits {
        max_message_bytes: 100,
        ..Limits::default()
    });
    let r = v.verify_bytes("m.eml", &msg);
    assert_eq!(r.verdict, Verdict::Error);
    assert!(r.error.unwrap().contains("--max-message-size"));
    let v = limited(Limits {
        max_headers: 5,
        ..Limits::default()
    });
    let r = v.verify_bytes("m.eml", &msg);
    assert_eq!(r.verdict, Verdict::Error);
    assert!(r.error.unwrap().contains("--max-headers"));
    let v = limited(Limits {
        max_header_bytes: 100,
        ..Limits::default()
    });
    let r = v.verify_bytes("m.eml", &msg);
    assert_eq!(r.verdict, Verdict::Error);
    assert!(r.error.unwrap().contains("--max-header-size"));
    // Default caps let the same message through.
    assert_eq!(
        limited(Limits::default())
            .verify_bytes("m.eml", &msg)
            .verdict,
        Verdict::Verified
    );
}

#[test]
fn signatures_over_the_caps_are_malformed_naming_the_cap() {
    // Three signatures with different l= values (three body hashes).
    let key = TestKey::load("rsa2048");
    let mut msg = MESSAGE.as_bytes().to_vec();
    for l in [10, 20, 30] {
        msg = sign(
            &msg,
            &key,
            &Sign {
                body_length: Some(l),
                ..Sign::default()
            },
        );
    }
    let all = limited(Limits::default()).verify_bytes("m.eml", &msg);
    assert!(
        all.signatures
            .iter()
            .all(|s| s.result == SignatureResult::Pass)
    );
    let v = limited(Limits {
        max_signatures: 2,
        ..Limits::default()
    });
    let r = v.verify_bytes("m.eml", &msg);
    assert_eq!(r.signatures.len(), 3, "no signature is skipped silently");
    assert_eq!(r.signatures[2].result, SignatureResult::Malformed);
    assert_eq!(r.signatures[2].reason, Some(ResultReason::MaxSignatures));
    assert!(
        r.signatures[2].detail.contains("--max-signatures"),
        "{}",
        r.signatures[2].detail
    );
    assert_eq!(r.signatures[2].domain.as_deref(), Some("example.com"));
    let v = limited(Limits {
        max_body_hashes: 1,
        ..Limits::default()
    });
    let r = v.verify_bytes("m.eml", &msg);
    assert_eq!(r.signatures[0].result, SignatureResult::Pass);
    assert_eq!(r.signatures[1].result, SignatureResult::Malformed);
    assert_eq!(r.signatures[1].reason, Some(ResultReason::MaxBodyHashes));
    assert!(
        r.signatures[1].detail.contains("--max-body-hashes"),
        "{}",
        r.signatures[1].detail
    );
    let v = limited(Limits {
        max_key_bits: 1024,
        ..Limits::default()
    });
    let r = v.verify_bytes("m.eml", &signed(&Sign::default()));
    assert_eq!(r.verdict, Verdict::Unverifiable);
    assert_eq!(r.signatures[0].result, SignatureResult::Malformed);
    assert_eq!(r.signatures[0].reason, Some(ResultReason::MaxKeyBits));
    assert!(
        r.signatures[0].detail.contains("--max-key-bits"),
        "{}",
        r.signatures[0].detail
    );
}

/// Pathological shapes that must stay fast under the default caps.
#[test]
fn pathological_messages_are_bounded() {
    let v = limited(Limits::default());
    let mut many_headers = Vec::new();
    for i in 0..200_000 {
        many_headers.extend_from_slice(format!("X-{i}: v\r\n").as_bytes());
    }
    let mut long_field = b"Subject: ".to_vec();
    long_field.extend(std::iter::repeat_n(b'a', 1 << 20));
    let mut many_sigs = Vec::new();
    for _ in 0..5000 {
        many_sigs.extend_from_slice(b"DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=s2015; h=from; bh=AAAA; b=AAAA; l=1\r\n");
    }
    many_sigs.extend_from_slice(MESSAGE.as_bytes());
    let mut blank_body = b"From: a@example.com\r\n\r\n".to_vec();
    blank_body.extend(std::iter::repeat_n(b'\n', 4 << 20));
    for (name, msg) in [
        ("many headers", many_headers),
        ("long field", long_field),
        ("many signatures", many_sigs),
        ("4 MiB of bare LF", blank_body),
    ] {
        let started = Instant::now();
        let r = v.verify_bytes("m.eml", &msg);
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{name}: too slow"
        );
        assert_ne!(r.verdict, Verdict::Verified, "{name}");
    }
}

#[test]
fn no_message_lost_in_a_directory_of_hostile_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("keys.zone"), standard_zone()).unwrap();
    let m = dir.path().join("msgs");
    std::fs::create_dir_all(m.join("sub")).unwrap();
    let mut files = 0;
    let mut put = |name: &str, bytes: Vec<u8>| {
        std::fs::write(m.join(name), bytes).unwrap();
        files += 1;
    };
    for i in 0..5 {
        put(&format!("valid{i}.eml"), signed(&Sign::default()));
    }
    put("empty.eml", Vec::new());
    put(
        "binary.eml",
        (0..4096u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect(),
    );
    put("text.eml", b"just some text\nno headers\n".to_vec());
    put(
        "nul-in-headers.eml",
        b"From: a@b.c\r\nX: \0\0\r\n\r\nbody".to_vec(),
    );
    put(
        "sub/truncated.eml",
        signed(&Sign::default())[..300].to_vec(),
    );
    put("sub/huge.eml", {
        let mut b = signed(&Sign::default());
        b.extend(std::iter::repeat_n(b'x', 3 << 20));
        b
    });
    put("over-cap.eml", vec![b'A'; 9 << 20]);
    put("many-headers.eml", "X: y\r\n".repeat(5000).into_bytes());
    put(
        "latin1.eml",
        b"From: \xe9l\xe8ve <a@example.com>\r\nSubject: \xff\xfe\r\n\r\n\xff\r\n".to_vec(),
    );
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_mailproof"))
        .args([
            "verify",
            "--no-builtin-keys",
            "--format",
            "jsonl",
            "--max-message-size",
            "8M",
            "--keys",
        ])
        .arg(dir.path().join("keys.zone"))
        .arg(&m)
        .output()
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(30), "not bounded");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), files, "records written == messages read");
    let count = |v: &str| lines.iter().filter(|r| r["verdict"] == v).count();
    assert_eq!(count("verified"), 5);
    assert!(count("error") >= 5, "{}", count("error"));
    for r in &lines {
        let src = r["source"].as_str().unwrap();
        if src.ends_with("over-cap.eml") || src.ends_with("many-headers.eml") {
            assert_eq!(r["verdict"], "error");
            assert!(r["error"].as_str().unwrap().contains("--max-"), "{r}");
        }
    }
}

/// Batch mode (parallel, --output file): an mbox with an over-cap message
/// and hostile files around it; every message gets exactly one record.
#[test]
fn no_message_lost_in_batch_mode_with_an_mbox() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("keys.zone"), standard_zone()).unwrap();
    let m = dir.path().join("in");
    std::fs::create_dir(&m).unwrap();
    let mut mbox = Vec::new();
    for body in [
        signed(&Sign::default()),
        vec![b'x'; 6000],
        b"not a message\n".to_vec(),
        signed(&Sign::default()),
    ] {
        mbox.extend_from_slice(b"From a@example.com Mon Jun  1 12:00:00 2015\n");
        mbox.extend_from_slice(&body);
        mbox.extend_from_slice(b"\n");
    }
    std::fs::write(m.join("box.mbox"), mbox).unwrap();
    std::fs::write(m.join("empty.eml"), b"").unwrap();
    std::fs::write(m.join("valid.eml"), signed(&Sign::default())).unwrap();
    std::fs::write(m.join("zbig.eml"), vec![b'y'; 9000]).unwrap();
    let out_file = dir.path().join("out.jsonl");
    let out = Command::new(env!("CARGO_BIN_EXE_mailproof"))
        .args([
            "verify",
            "--no-builtin-keys",
            "-q",
            "--jobs",
            "2",
            "--max-message-size",
            "4K",
            "--keys",
        ])
        .arg(dir.path().join("keys.zone"))
        .arg("--output")
        .arg(&out_file)
        .arg(&m)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let recs: Vec<serde_json::Value> = std::fs::read_to_string(&out_file)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let got: Vec<(String, String)> = recs
        .iter()
        .map(|r| {
            let src = r["source"].as_str().unwrap();
            let name = std::path::Path::new(src)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (name, r["verdict"].as_str().unwrap().to_string())
        })
        .collect();
    let want = [
        ("box.mbox#1", "verified"),
        ("box.mbox#2", "error"),
        ("box.mbox#3", "error"),
        ("box.mbox#4", "verified"),
        ("empty.eml", "error"),
        ("valid.eml", "verified"),
        ("zbig.eml", "error"),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(got, want, "records written == messages read, in order");
}
