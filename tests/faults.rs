//! Fault injection. DNS: timeouts, SERVFAIL, truncated answers, garbage and
//! huge TXT records from a responder on 127.0.0.1 must give `temperror` or
//! `malformed` (never `failed`, never a panic). File system and output:
//! unreadable inputs become `error` records and the run goes on; a closed
//! pipe or a full disk on stdout is a clear error with exit status 2, and
//! every record written before it is intact.

mod common;
mod dnsserver;

use common::*;
use dnsserver::{Answer, start, txt, txt_record};
use mailproof::keys::dns::{DnsConfig, DnsSource};
use mailproof::{FixedClock, SignatureResult, Verdict, Verifier};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn dns_verifier(addr: std::net::SocketAddr) -> Verifier {
    let dns = DnsSource::new(&DnsConfig {
        resolver: Some(addr),
        timeout: Duration::from_millis(400),
        attempts: 1,
        dnssec: false,
    })
    .unwrap();
    Verifier::builder()
        .builtin_archive(false)
        .live_source(dns)
        .clock(FixedClock(NOW))
        .build()
}

#[test]
fn dns_faults_are_temperror_or_malformed_never_failed() {
    let huge_garbage = "x".repeat(40_000);
    let huge_key = format!("v=DKIM1; k=rsa; p={}", "A".repeat(30_000));
    let cases: Vec<(&str, Answer, &[SignatureResult])> = vec![
        ("timeout", Answer::Silent, &[SignatureResult::Temperror]),
        ("servfail", Answer::ServFail, &[SignatureResult::Temperror]),
        (
            "truncated",
            Answer::TruncatedOnly,
            &[SignatureResult::Temperror],
        ),
        (
            "notdns",
            Answer::Garbage(b"\x81\x80\xff\xff\xff\xffjunk".to_vec()),
            &[SignatureResult::Temperror],
        ),
        (
            "garbage",
            txt(&["\u{1}\u{7f} not a key; ;;; ==="]),
            &[SignatureResult::Malformed, SignatureResult::NoKey],
        ),
        (
            "badkey",
            txt(&["v=DKIM1; k=rsa; p=AAAAB3NzaC1yc2EAAAADAQAB"]),
            &[SignatureResult::Malformed],
        ),
        (
            "hugejunk",
            txt_record(&huge_garbage),
            &[SignatureResult::Malformed, SignatureResult::NoKey],
        ),
        (
            "hugekey",
            txt_record(&huge_key),
            &[SignatureResult::Malformed],
        ),
    ];
    let zone = cases
        .iter()
        .map(|(sel, a, _)| {
            (
                Box::leak(format!("{sel}._domainkey.example.com").into_boxed_str()) as &str,
                a.clone(),
            )
        })
        .collect();
    let dns = start(zone);
    let v = dns_verifier(dns.addr);
    for (sel, _, allowed) in &cases {
        let msg = signed(&Sign {
            selector: sel,
            ..Sign::default()
        });
        let started = Instant::now();
        let r = v.verify_bytes("m.eml", &msg);
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{sel}: too slow"
        );
        assert_eq!(r.verdict, Verdict::Unverifiable, "{sel}: {}", r.summary);
        let s = &r.signatures[0];
        assert!(
            allowed.contains(&s.result),
            "{sel}: {:?} ({})",
            s.result,
            s.detail
        );
    }
}

// ---- file system and output ----------------------------------------------

fn mailproof(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_mailproof"))
        .args(args)
        .output()
        .unwrap()
}

/// A directory with two valid messages, and keys for them.
fn scenario() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("keys.zone"), standard_zone()).unwrap();
    let msgs = dir.path().join("msgs");
    std::fs::create_dir(&msgs).unwrap();
    std::fs::write(msgs.join("a.eml"), signed(&Sign::default())).unwrap();
    std::fs::write(msgs.join("b.eml"), signed(&Sign::default())).unwrap();
    let keys = dir.path().join("keys.zone").display().to_string();
    (dir, keys)
}

fn jsonl_records(stdout: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("every written record is whole JSON"))
        .collect()
}

#[test]
fn unreadable_inputs_become_error_records_and_the_run_goes_on() {
    let (dir, keys) = scenario();
    let msgs = dir.path().join("msgs");
    // A FIFO (reading it would block forever), a dangling link (a file
    // removed between listing and reading), a link to a parent directory
    // (a walk loop) and a file over --max-message-size.
    let fifo = msgs.join("c-fifo.eml");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    std::os::unix::fs::symlink(msgs.join("gone.eml"), msgs.join("d-vanished.eml")).unwrap();
    std::os::unix::fs::symlink(&msgs, msgs.join("e-loop")).unwrap();
    std::fs::write(msgs.join("f-big.eml"), vec![b'a'; 5000]).unwrap();
    let started = Instant::now();
    let out = mailproof(&[
        "verify",
        "--no-builtin-keys",
        "--keys",
        &keys,
        "--format",
        "jsonl",
        "--max-message-size",
        "4K",
        msgs.to_str().unwrap(),
    ]);
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let recs = jsonl_records(&out.stdout);
    let verdicts: Vec<(&str, &str)> = recs
        .iter()
        .map(|r| {
            let src = r["source"].as_str().unwrap();
            let name = Path::new(src).file_name().unwrap().to_str().unwrap();
            (name, r["verdict"].as_str().unwrap())
        })
        .collect();
    assert_eq!(
        verdicts,
        [
            ("a.eml", "verified"),
            ("b.eml", "verified"),
            ("c-fifo.eml", "error"),
            ("d-vanished.eml", "error"),
            ("e-loop", "error"),
            ("f-big.eml", "error"),
        ]
    );
    let err = |i: usize| recs[i]["error"].as_str().unwrap().to_string();
    assert!(err(2).contains("not a regular file"), "{}", err(2));
    assert!(err(3).contains("cannot read file"), "{}", err(3));
    assert!(err(4).contains("not followed"), "{}", err(4));
    assert!(err(5).contains("--max-message-size"), "{}", err(5));
}

/// Runs `verify --format jsonl` over `n` copies of a message with stdout
/// going to `stdout`; returns (exit status, stderr).
fn run_to(stdout: Stdio, n: usize) -> (Option<i32>, String, tempfile::TempDir) {
    let (dir, keys) = scenario();
    let msgs = dir.path().join("msgs");
    for i in 0..n {
        std::fs::write(msgs.join(format!("m{i:04}.eml")), signed(&Sign::default())).unwrap();
    }
    let out = Command::new(env!("CARGO_BIN_EXE_mailproof"))
        .args([
            "verify",
            "--no-builtin-keys",
            "--keys",
            &keys,
            "--format",
            "jsonl",
        ])
        .arg(&msgs)
        .stdout(stdout)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        dir,
    )
}

#[test]
fn full_disk_on_stdout_is_exit_2_with_a_clear_error() {
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full");
    let Ok(full) = full else {
        eprintln!("no /dev/full here: skipped");
        return;
    };
    let (code, stderr, _dir) = run_to(Stdio::from(full), 3);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("cannot write output"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn closed_pipe_is_a_normal_end_and_records_written_before_are_intact() {
    // A reader that takes the first 12000 bytes, then closes the pipe.
    let (dir, keys) = scenario();
    let msgs = dir.path().join("msgs");
    for i in 0..40 {
        std::fs::write(msgs.join(format!("m{i:04}.eml")), signed(&Sign::default())).unwrap();
    }
    let script = format!(
        "{} verify --no-builtin-keys --keys {keys} --format jsonl {} 2>{}/err | head -c 12000 > {}/out; exit ${{PIPESTATUS[0]}}",
        env!("CARGO_BIN_EXE_mailproof"),
        msgs.display(),
        dir.path().display(),
        dir.path().display()
    );
    let status = Command::new("bash").args(["-c", &script]).status().unwrap();
    let stderr = std::fs::read_to_string(dir.path().join("err")).unwrap();
    // A consumer that stops reading (`| head`) ends the run normally.
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    // What got through is whole records (each flushed whole), cut only by head.
    let out = std::fs::read(dir.path().join("out")).unwrap();
    let whole = out.split(|&b| b == b'\n').count() - 1;
    assert!(whole >= 1, "no whole record before the pipe closed");
    jsonl_records(&out[..out.iter().rposition(|&b| b == b'\n').unwrap() + 1]);
}

#[test]
fn full_disk_on_output_file_is_exit_2_with_a_clear_error() {
    if !Path::new("/dev/full").exists() {
        eprintln!("no /dev/full here: skipped");
        return;
    }
    let (dir, keys) = scenario();
    let out = mailproof(&[
        "verify",
        "--no-builtin-keys",
        "-q",
        "--keys",
        &keys,
        "--output",
        "/dev/full",
        dir.path().join("msgs").to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.to_lowercase().contains("space") || stderr.contains("write"),
        "{stderr}"
    );
}
