//! The whole verification path on one message, with a small in-memory
//! archive (the test keys for example.com) and a pinned clock: must never
//! panic, and the report must serialise.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailproof::keys::KeyArchive;
use mailproof::{FixedClock, Verifier};
use std::sync::OnceLock;

fn verifier() -> &'static Verifier {
    static V: OnceLock<Verifier> = OnceLock::new();
    V.get_or_init(|| {
        Verifier::builder()
            .builtin_archive(false)
            .key_source(archive())
            .clock(FixedClock(1_767_225_600))
            .build()
    })
}

/// Every key of the fixtures (written by scripts/fuzz-seeds.py), so that the
/// seed messages reach the cryptographic checks; empty if not built yet.
fn archive() -> KeyArchive {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/seeds/keys.zone");
    let text = std::fs::read_to_string(path).unwrap_or_default();
    KeyArchive::load_str("fuzz.zone", &text).unwrap_or_else(|_| KeyArchive::new("empty"))
}

fuzz_target!(|data: &[u8]| {
    let report = verifier().verify_bytes("fuzz.eml", data);
    let _ = mailproof::render::jsonl_line(&report);
    let _ = mailproof::render::text(&report);
});
