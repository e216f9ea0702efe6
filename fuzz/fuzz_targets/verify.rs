//! The whole verification path on one message.
//! The property checked is in `common::verify` (shared with the main crate's
//! tests/fuzz_regressions.rs).
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    common::let_outlook_parsers_panic();
    common::verify(data);
});
