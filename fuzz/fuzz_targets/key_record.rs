//! DKIM key records (TXT text).
//! The property checked is in `common::key_record` (shared with the main crate's
//! tests/fuzz_regressions.rs).
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    common::let_outlook_parsers_panic();
    common::key_record(data);
});
