//! Header/body splitting, line-end repair and body canonicalization on
//! arbitrary bytes: must never panic, and the split must be byte-exact.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailproof::canon;
use mailproof::message::{self, RawMessage};
use mailproof::signature::Canon;

fuzz_target!(|data: &[u8]| {
    if let Ok(msg) = RawMessage::parse(data) {
        // Every field is a slice of the input at its offset, and fields
        // never overlap the body.
        let mut last_end = msg.postmark_len;
        for h in &msg.headers {
            assert_eq!(&data[h.offset..h.offset + h.raw.len()], h.raw);
            assert!(h.offset >= last_end);
            last_end = h.offset + h.raw.len();
            let _ = h.text();
            let mut out = Vec::new();
            canon::header(Canon::Relaxed, h, &mut out);
            canon::header(Canon::Simple, h, &mut out);
        }
        assert!(last_end <= msg.body_offset);
        for c in [Canon::Simple, Canon::Relaxed] {
            let mut out = Vec::new();
            canon::body(c, msg.body(), &mut out);
        }
    }
    let fixed = message::lf_to_crlf(data);
    assert!(!message::has_bare_lf(&fixed));
    for plan in mailproof::repair::plans(data, 3).into_iter().take(8) {
        let _ = mailproof::repair::apply_all(data, &plan);
    }
});
