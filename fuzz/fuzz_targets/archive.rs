//! Key archive files in every format (zone files included).
//! The property checked is in `common::archive` (shared with the main crate's
//! tests/fuzz_regressions.rs).
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    common::let_outlook_parsers_panic();
    common::archive(data);
});
