//! Key archive files in every format detected by content (zone lines,
//! key-archive API JSON, mailproof JSONL, dig output, PEM/DER, DNS cache):
//! loading must never panic, and a loaded archive must export and reload.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailproof::keys::import::{ImportOptions, load_bytes};

fuzz_target!(|data: &[u8]| {
    let opts = ImportOptions {
        domain: Some("example.com".into()),
        selector: Some("sel".into()),
        ..Default::default()
    };
    if let Ok(archive) = load_bytes("fuzz", data, &opts) {
        let jsonl = archive.to_jsonl();
        let _ = load_bytes("fuzz-export", jsonl.as_bytes(), &ImportOptions::default());
        let _ = archive.records();
    }
});
