//! Caps on what one message may cost, so that no input (leaked mail is
//! attacker-controlled) can take unbounded time or memory.
//!
//! Hitting a cap is never a crash and never a silent skip: a message over a
//! message-level cap gets an `error` report that names the cap and the
//! command-line flag that raises it; a signature over a per-signature cap is
//! reported as `malformed` with the same explanation.
//!
//! MIME depth has no cap because mailproof never parses the MIME structure:
//! the body is canonicalized and hashed as bytes, in one linear pass.

/// Configurable caps; [`Limits::default`] holds the safe defaults
/// documented in `docs/reliability.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Limits {
    /// Largest message, in bytes (`--max-message-size`).
    pub max_message_bytes: u64,
    /// Most header fields in one message (`--max-headers`).
    pub max_headers: usize,
    /// Longest header field in bytes, folded lines included (`--max-header-size`).
    pub max_header_bytes: usize,
    /// Most DKIM-Signature fields checked per message (`--max-signatures`).
    pub max_signatures: usize,
    /// Most distinct body hashes per message (`--max-body-hashes`): each
    /// different `l=` value (or canonicalization/hash pair) costs one full
    /// pass over the body.
    pub max_body_hashes: usize,
    /// Largest RSA key accepted, in bits (`--max-key-bits`); never above
    /// [`crate::crypto::MAX_RSA_BITS`].
    pub max_key_bits: usize,
    /// Most ARC sets in one chain (`--max-arc-sets`); RFC 8617 allows 50.
    pub max_arc_sets: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_message_bytes: 64 * 1024 * 1024,
            max_headers: 1_000,
            max_header_bytes: 128 * 1024,
            max_signatures: 32,
            max_body_hashes: 8,
            max_key_bits: crate::crypto::MAX_RSA_BITS,
            max_arc_sets: 50,
        }
    }
}

impl Limits {
    /// Checks the message-level caps without parsing (and without
    /// allocating per header, so a message of millions of tiny header
    /// lines is refused before anything is built for it). Returns why the
    /// message must not be checked.
    pub fn check_message(&self, bytes: &[u8]) -> Result<(), String> {
        let size = bytes.len() as u64;
        if size > self.max_message_bytes {
            return Err(too_big(size, self.max_message_bytes));
        }
        let mut fields = 0usize;
        let mut field_len = 0usize;
        let mut pos = 0;
        if let Some(lead) = crate::message::postmark_at(bytes) {
            pos = line_end(bytes, lead);
        }
        while pos < bytes.len() {
            let end = line_end(bytes, pos);
            let line = &bytes[pos..end];
            if line == b"\n" || line == b"\r\n" {
                break;
            }
            if matches!(line[0], b' ' | b'\t') {
                field_len += line.len();
            } else {
                fields += 1;
                field_len = line.len();
                if fields > self.max_headers {
                    return Err(format!(
                        "the message has more than {} header fields, the max-headers cap (raise it with --max-headers)",
                        self.max_headers
                    ));
                }
            }
            if field_len > self.max_header_bytes {
                return Err(format!(
                    "header field {} is longer than {} bytes, the max-header-size cap (raise it with --max-header-size)",
                    fields.max(1),
                    self.max_header_bytes
                ));
            }
            pos = end;
        }
        Ok(())
    }

    /// The largest RSA key that may be used (the configured cap, never
    /// above what the crypto layer accepts).
    pub fn key_bits(&self) -> usize {
        self.max_key_bits.min(crate::crypto::MAX_RSA_BITS)
    }
}

/// Why a message of `size` bytes is refused under a `cap`.
pub fn too_big(size: u64, cap: u64) -> String {
    format!(
        "the message is {size} bytes, over the max-message-size cap of {cap} bytes (raise it with --max-message-size)"
    )
}

fn line_end(bytes: &[u8], pos: usize) -> usize {
    memchr::memchr(b'\n', &bytes[pos..]).map_or(bytes.len(), |i| pos + i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_caps_name_the_flag() {
        let l = Limits {
            max_message_bytes: 100,
            max_headers: 2,
            max_header_bytes: 20,
            ..Limits::default()
        };
        assert!(l.check_message(b"A: 1\r\nB: 2\r\n\r\nbody").is_ok());
        let e = l.check_message(&[b'a'; 101]).unwrap_err();
        assert!(e.contains("--max-message-size"), "{e}");
        let e = l
            .check_message(b"A: 1\r\nB: 2\r\nC: 3\r\n\r\n")
            .unwrap_err();
        assert!(e.contains("--max-headers"), "{e}");
        let e = l
            .check_message(b"A: 1\r\nB: 2345678\r\n 9012345678\r\n\r\n")
            .unwrap_err();
        assert!(
            e.contains("header field 2") && e.contains("--max-header-size"),
            "{e}"
        );
        // Header-like lines in the body do not count.
        assert!(
            l.check_message(b"A: 1\r\n\r\nB: 2\r\nC: 3\r\nD: 4\r\n")
                .is_ok()
        );
    }

    #[test]
    fn key_bits_never_exceed_the_crypto_layer() {
        let l = Limits {
            max_key_bits: 1 << 20,
            ..Limits::default()
        };
        assert_eq!(l.key_bits(), crate::crypto::MAX_RSA_BITS);
    }
}
