//! The fuzz corpora's interesting inputs, kept as regression tests: every
//! file in `fixtures/fuzz-regressions/<target>/` (inputs that reached new
//! code in the fuzzing campaign of docs/reliability.md, minimized, and the
//! reproducer of every finding) goes through the same check as that
//! target's fuzzer (`fuzz/fuzz_targets/common/mod.rs`, shared here), so a
//! panic, a broken cap or a report that does not render fails `cargo test`
//! without a fuzzer.

#[path = "../fuzz/fuzz_targets/common/mod.rs"]
mod fuzz_checks;

use std::path::{Path, PathBuf};

fn dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/fuzz-regressions")
        .join(target)
}

/// Runs every kept input of `target` through `check`; there must be some.
fn run(target: &str, check: fn(&[u8])) {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir(target))
        .unwrap_or_else(|e| panic!("{}: {e}", dir(target).display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().is_some_and(|n| n != "MANIFEST.md"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no kept inputs for {target}");
    for p in &paths {
        let data = std::fs::read(p).unwrap();
        let ok = std::panic::catch_unwind(|| check(&data));
        assert!(ok.is_ok(), "{target}: {} fails its fuzz check", p.display());
    }
    fuzz_checks::remove_scratch();
}

const TARGETS: [&str; 11] = [
    "archive",
    "attached",
    "files",
    "key_record",
    "mbox",
    "message",
    "msg",
    "pst",
    "signature",
    "upload",
    "verify",
];

#[test]
fn every_kept_directory_is_a_target_that_runs_here() {
    let mut found: Vec<String> = std::fs::read_dir(dir(""))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "MANIFEST.md")
        .collect();
    found.sort();
    assert_eq!(found, TARGETS);
}

#[test]
fn archive() {
    run("archive", fuzz_checks::archive);
}

#[test]
fn attached() {
    run("attached", fuzz_checks::attached);
}

#[test]
fn files() {
    run("files", fuzz_checks::files);
}

#[test]
fn key_record() {
    run("key_record", fuzz_checks::key_record);
}

#[test]
fn mbox() {
    run("mbox", fuzz_checks::mbox);
}

#[test]
fn message() {
    run("message", fuzz_checks::message);
}

#[test]
fn msg() {
    run("msg", fuzz_checks::msg);
}

#[test]
fn pst() {
    run("pst", fuzz_checks::pst);
    // and the real PST of the fixtures (too big to keep twice)
    let real = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/outlook/dist-list.pst");
    fuzz_checks::pst(&std::fs::read(real).unwrap());
    fuzz_checks::remove_scratch();
}

#[test]
fn signature() {
    run("signature", fuzz_checks::signature);
}

#[test]
fn upload() {
    run("upload", fuzz_checks::upload);
}

#[test]
fn verify() {
    run("verify", fuzz_checks::verify);
}
