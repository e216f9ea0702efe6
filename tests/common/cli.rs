#![allow(dead_code)]
//! Running the `mailproof` binary in a test: its exit code, output and
//! errors, and JSONL records read back.

use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// How one run of the binary ended.
pub struct Run {
    /// The exit status (-1 when ended by a signal).
    pub code: i32,
    /// Standard output, as bytes (a message written out is not text).
    pub stdout: Vec<u8>,
    /// Standard error, lossily decoded.
    pub stderr: String,
}

impl Run {
    /// Standard output as UTF-8 text (panics otherwise).
    pub fn text(&self) -> String {
        String::from_utf8(self.stdout.clone()).unwrap()
    }
}

/// Runs `mailproof ARGS` in `dir`.
pub fn mailproof(args: &[&str], dir: &Path) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_mailproof"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `verify` with only the test keys of `keys.zone` in `dir`.
pub const KEYS: [&str; 4] = ["verify", "--no-builtin-keys", "--keys", "keys.zone"];

/// `mailproof verify --no-builtin-keys --keys keys.zone EXTRA` in `dir`.
pub fn verify(dir: &Path, extra: &[&str]) -> Run {
    let args: Vec<&str> = KEYS.iter().chain(extra).copied().collect();
    mailproof(&args, dir)
}

/// The JSONL records of a run's output.
pub fn records(run: &Run) -> Vec<Value> {
    run.text()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}
