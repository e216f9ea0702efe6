//! DKIM-Signature values and tag lists: parse, hints and the b= blanking
//! used for the header hash must never panic on any bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailproof::message::RawMessage;
use mailproof::signature::{self, DkimSignature};

fuzz_target!(|data: &[u8]| {
    if let Ok(tags) = mailproof::tags::parse(data) {
        for t in &tags {
            assert!(t.span.start <= t.span.end && t.span.end <= data.len());
        }
    }
    let _ = signature::hints(data);
    if let Ok(sig) = DkimSignature::parse(data) {
        let _ = sig.identity_domain();
        let _ = sig.signs("from");
        // Blank b= inside a real header field, as the verifier does.
        let mut field = b"DKIM-Signature:".to_vec();
        field.extend_from_slice(data);
        field.extend_from_slice(b"\r\n\r\n");
        if let Ok(msg) = RawMessage::parse(&field)
            && msg.headers.len() == 1
            && msg.headers[0].value.starts_with(data)
        {
            let span = mailproof::tags::get(&sig.tags, "b").map_or(0..0, |t| t.span.clone());
            for c in [signature::Canon::Simple, signature::Canon::Relaxed] {
                let mut out = Vec::new();
                mailproof::canon::signature_header(c, &msg.headers[0], span.clone(), &mut out);
            }
        }
    }
});
