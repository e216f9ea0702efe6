//! What `mailproof serve` does with an uploaded file (zip, tar, tar.gz, mbox, .msg).
//! The property checked is in `common::upload` (shared with the main crate's
//! tests/fuzz_regressions.rs).
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    common::let_outlook_parsers_panic();
    common::upload(data);
});
