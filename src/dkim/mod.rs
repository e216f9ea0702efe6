//! DKIM (RFC 6376, RFC 8463): signature fields, canonicalization, the
//! repairs tried on mangled copies, and the check of each signature.
//!
//! - [`signature`]: parsing a DKIM-Signature field and the checks that need
//!   no key;
//! - [`canon`]: canonicalization (RFC 6376 3.4);
//! - [`repair`]: the documented repairs of saved copies (line endings,
//!   mbox quoting, ...);
//! - [`pasted`]: the repairs of pasted and saved copies (blank lines before
//!   the headers, an HTML-escaped header block);
//! - `check`: one [`check::SigCheck`] per signature: body hash and header
//!   signature checked separately against every candidate key.

pub mod canon;
pub(crate) mod check;
pub mod pasted;
pub mod repair;
pub mod signature;

/// Every (domain, selector) pair named by the DKIM-Signature fields of a
/// message, in order, without duplicates (read leniently, so that keys of
/// malformed signatures can still be fetched; a byte order mark or blank
/// lines an editor put before the first field are passed over, see
/// [`crate::message::leading_len`]).
pub fn signature_selectors(message: &[u8]) -> Vec<(String, String)> {
    let message = &message[crate::message::leading_len(message)..];
    let Ok(msg) = crate::message::RawMessage::parse(message) else {
        return Vec::new();
    };
    let mut out: Vec<(String, String)> = Vec::new();
    for h in msg.headers.iter().filter(|h| h.is("DKIM-Signature")) {
        let hints = signature::hints(h.value);
        if let (Some(d), Some(s)) = (hints.domain, hints.selector) {
            let pair = (d.trim_end_matches('.').to_ascii_lowercase(), s);
            if !pair.0.is_empty() && !pair.1.is_empty() && !out.contains(&pair) {
                out.push(pair);
            }
        }
    }
    out
}
