//! What `mailproof serve` does with an uploaded file before verifying:
//! zip entries opened, mboxes split, every limit enforced. With small
//! limits, so the caps are hit: must never panic, never hand on a message
//! over the size limit, never more messages than allowed, and never unpack
//! more than the budget (plus one over-cap read per entry).
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailproof::serve::Limits;
use mailproof::serve::upload::Expander;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_upload_bytes: 1 << 20,
        max_messages: 16,
        max_message_bytes: 4096,
        max_unpacked_bytes: 32 * 1024,
        ..Limits::default()
    };
    let mut seen = 0usize;
    let mut bytes = 0u64;
    let mut x = Expander::new(&limits, |item| {
        seen += 1;
        if let Ok(b) = &item.bytes {
            assert!(b.len() as u64 <= limits.max_message_bytes, "message over the cap");
            bytes += b.len() as u64;
        }
    });
    let _ = x.add_file("fuzz.zip", data.to_vec());
    let n = x.count();
    drop(x);
    assert_eq!(n, seen);
    assert!(seen <= limits.max_messages);
    if data.starts_with(b"PK") {
        assert!(bytes <= limits.max_unpacked_bytes + limits.max_message_bytes);
    }
});
