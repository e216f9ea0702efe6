//! A closed standard output (`mailproof ... | head`, `| true`) is a normal
//! end for every command: exit status 0, nothing on stderr, never a panic.
//!
//! Each test starts the command with stdout on a pipe whose reading end is
//! already closed (closed in the parent before the spawn; the child never
//! had it), so the command's first write fails with EPIPE. (Closing it after
//! the spawn raced the child: a `serve` that printed its address first went
//! on running.)

mod common;
mod dnsserver;

use common::*;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};

/// Runs mailproof with a closed stdout; returns (status, stderr).
fn closed_stdout(args: &[&str]) -> (Option<i32>, String) {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut child = Command::new(env!("CARGO_BIN_EXE_mailproof"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (child.wait().unwrap().code(), err)
}

fn assert_normal_end(args: &[&str]) {
    let (code, err) = closed_stdout(args);
    assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
    assert_eq!(code, Some(0), "{args:?}: {err}");
    assert!(
        !err.contains("cannot write output"),
        "{args:?} called a closed stdout an error: {err}"
    );
}

/// A directory with messages, their key archive and a JSONL run of them.
struct Scenario {
    dir: tempfile::TempDir,
}

impl Scenario {
    fn new() -> Scenario {
        let dir = tempfile::tempdir().unwrap();
        let msgs = dir.path().join("msgs");
        std::fs::create_dir(&msgs).unwrap();
        for i in 0..3 {
            std::fs::write(msgs.join(format!("m{i}.eml")), signed(&Sign::default())).unwrap();
        }
        std::fs::write(dir.path().join("keys.zone"), standard_zone()).unwrap();
        let s = Scenario { dir };
        let out = Command::new(env!("CARGO_BIN_EXE_mailproof"))
            .args(["verify", "--no-builtin-keys", "--keys", &s.p("keys.zone")])
            .args(["--format", "jsonl", "--summary", &s.p("run.summary.json")])
            .arg(s.p("msgs"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        std::fs::write(s.dir.path().join("run.jsonl"), out.stdout).unwrap();
        s
    }

    fn p(&self, name: &str) -> String {
        self.dir.path().join(name).to_str().unwrap().to_string()
    }
}

#[test]
fn verify_in_every_format() {
    let s = Scenario::new();
    for format in ["text", "json", "jsonl", "html", "markdown"] {
        let keys = s.p("keys.zone");
        let msgs = s.p("msgs");
        assert_normal_end(&[
            "verify",
            "--no-builtin-keys",
            "--keys",
            &keys,
            "--format",
            format,
            &msgs,
        ]);
    }
}

#[test]
fn verify_summary_text_after_records_to_a_file() {
    let s = Scenario::new();
    let (keys, msgs, out) = (s.p("keys.zone"), s.p("msgs"), s.p("out.jsonl"));
    assert_normal_end(&[
        "verify",
        "--no-builtin-keys",
        "--keys",
        &keys,
        "--output",
        &out,
        &msgs,
    ]);
    // the records went to the file whole before stdout was found closed
    let records = std::fs::read_to_string(&out).unwrap();
    assert_eq!(records.lines().count(), 3, "{records}");
}

#[test]
fn report_in_both_formats() {
    let s = Scenario::new();
    for format in ["html", "markdown"] {
        assert_normal_end(&["report", "--format", format, &s.p("run.jsonl")]);
    }
}

#[test]
fn summarize_text_and_json() {
    let s = Scenario::new();
    assert_normal_end(&["summarize", &s.p("run.jsonl")]);
    assert_normal_end(&["summarize", "--json", &s.p("run.summary.json")]);
}

#[test]
fn keys_list_show_export() {
    let s = Scenario::new();
    let keys = s.p("keys.zone");
    assert_normal_end(&["keys", "list", "--keys", &keys]);
    assert_normal_end(&["keys", "list", "--keys", &keys, "--format", "jsonl"]);
    assert_normal_end(&["keys", "show", "--keys", &keys, "example.com"]);
    assert_normal_end(&["keys", "export", "--keys", &keys, "--format", "zone"]);
}

#[test]
fn keys_import_writes_only_its_archive() {
    let s = Scenario::new();
    let (keys, into) = (s.p("keys.zone"), s.p("archive.jsonl"));
    assert_normal_end(&["keys", "import", "--output", &into, &keys]);
    assert!(Path::new(&into).exists());
}

#[test]
fn keys_fetch_printing_records() {
    let key = TestKey::load("rsa2048");
    let dns = dnsserver::start(vec![(
        "s2015._domainkey.example.com",
        dnsserver::txt_record(&key.record()),
    )]);
    let resolver = dns.addr.to_string();
    assert_normal_end(&[
        "keys",
        "fetch",
        "--resolver",
        &resolver,
        "--dns-timeout",
        "2",
        "example.com",
        "s2015",
    ]);
}

#[test]
fn help_and_version() {
    assert_normal_end(&["--help"]);
    assert_normal_end(&["verify", "--help"]);
    assert_normal_end(&["--version"]);
}

#[cfg(feature = "serve")]
#[test]
fn serve_stops_when_no_one_reads_its_address() {
    assert_normal_end(&["serve", "--port", "0"]);
}
