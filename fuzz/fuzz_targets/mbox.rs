//! The mbox splitter: must never panic or loop, and must split without
//! changing a byte: the framed entries (postmark, message, gap), in order,
//! are exactly the input when nothing was skipped.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailproof::input::mbox::{MboxReader, starts_like_mbox};

fuzz_target!(|data: &[u8]| {
    // A small per-message limit also exercises the skip path.
    let reader = MboxReader::with_limit(std::io::Cursor::new(data), 4096);
    let mut rebuilt = Vec::new();
    let mut skipped = false;
    for (i, entry) in reader.enumerate() {
        assert!(i <= data.len(), "more entries than input bytes");
        match entry {
            Ok(e) => {
                assert_eq!(e.index, i + 1);
                rebuilt.extend_from_slice(&e.framed());
            }
            Err(_) => skipped = true,
        }
    }
    if !skipped && starts_like_mbox(data) {
        assert!(rebuilt == data, "split changed bytes");
    }
});
