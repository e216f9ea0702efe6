//! DKIM key records (TXT text): parse must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailproof::keys::KeyRecord;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(rec) = KeyRecord::parse(&text) {
        let _ = rec.allows_local_part("user");
        let _ = rec.allows_local_part("");
        let _ = rec.has_flag("s");
    }
});
