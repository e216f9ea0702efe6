//! Outlook PST/OST files, read from a scratch file.
//! The property checked is in `common::pst` (shared with the main crate's
//! tests/fuzz_regressions.rs).
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    common::let_outlook_parsers_panic();
    common::pst(data);
});
