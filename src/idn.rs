//! Internationalized domain names (RFC 8616): one spelling for every domain
//! mailproof compares or looks up.
//!
//! A domain may be written with U-labels (`bücher.example`, as RFC 8616
//! allows in `d=`, `i=`, From and Message-ID) or with A-labels
//! (`xn--bcher-kva.example`, the DNS form). Both name the same domain, so
//! every comparison (alignment, organizational domain, `i=` against `d=`,
//! Message-ID consistency) and every key lookup (archives, zone imports,
//! DNS query names) uses the lower-case A-label form made here. The
//! conversion is UTS #46 non-transitional processing (the `idna` crate, the
//! one the `url` crate uses) with STD3 ASCII rules except that the `_` of
//! `_domainkey` names passes, and no DNS length check (the caller's DNS
//! client judges lengths). The bytes a signature covers are never changed:
//! only the names compared and looked up are.

use idna::uts46::{AsciiDenyList, DnsLength, Hyphens, Uts46};

/// STD3 rules (letters, digits, hyphen) with the underscore of
/// `_domainkey` names allowed: every other ASCII character, control
/// characters and space included, makes a label invalid.
const DENY: AsciiDenyList = AsciiDenyList::new(true, "!\"#$%&'()*+,/:;<=>?@[\\]^`{|}~");

/// Why a domain has no A-label form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{domain:?} is not a valid domain name (IDNA, RFC 5891/UTS #46: a label does not convert)")]
pub struct IdnError {
    /// The domain as written.
    pub domain: String,
}

/// The lower-case A-label form of `domain`, without a trailing dot.
///
/// `Bücher.Example.` and `xn--bcher-kva.example` both give
/// `xn--bcher-kva.example`; an ASCII name is lower-cased.
///
/// Errors: [`IdnError`] when a label does not convert (a bad `xn--`
/// label, a character IDNA disallows, invalid bidi).
pub fn to_ascii(domain: &str) -> Result<String, IdnError> {
    let d = domain.trim_end_matches('.');
    if d.bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && !has_ace_label(d)
    {
        // the common case needs no Unicode tables
        return Ok(d.to_ascii_lowercase());
    }
    Uts46::new()
        .to_ascii(d.as_bytes(), DENY, Hyphens::Allow, DnsLength::Ignore)
        .map(|c| c.into_owned())
        .map_err(|_| IdnError {
            domain: domain.to_string(),
        })
}

/// [`to_ascii`], or `domain` lower-cased (ASCII only) when it does not
/// convert: for lookups and comparisons whose caller reports the invalid
/// name elsewhere (an invalid name then matches only itself).
pub fn to_ascii_lossy(domain: &str) -> String {
    to_ascii(domain).unwrap_or_else(|_| domain.trim_end_matches('.').to_ascii_lowercase())
}

/// The U-label form of a domain for readers, when it differs from the
/// A-label form `ascii` (that is, when some label is an IDN); `None` for a
/// plain ASCII name or one whose `xn--` labels do not decode.
pub fn to_unicode(ascii: &str) -> Option<String> {
    if !has_ace_label(ascii) && ascii.is_ascii() {
        return None;
    }
    let (u, ok) = Uts46::new().to_unicode(ascii.as_bytes(), DENY, Hyphens::Allow);
    (ok.is_ok() && u != ascii).then(|| u.into_owned())
}

/// Whether some label starts with the ACE prefix `xn--` (any case).
fn has_ace_label(d: &str) -> bool {
    d.split('.').any(|l| {
        l.as_bytes()
            .get(..4)
            .is_some_and(|p| p.eq_ignore_ascii_case(b"xn--"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_spellings_give_one_a_label() {
        assert_eq!(
            to_ascii("Bücher.Example.").unwrap(),
            "xn--bcher-kva.example"
        );
        assert_eq!(
            to_ascii("XN--BCHER-KVA.example").unwrap(),
            "xn--bcher-kva.example"
        );
        assert_eq!(to_ascii("Mail.Example.COM").unwrap(), "mail.example.com");
        assert_eq!(
            to_ascii("sel._domainkey.bücher.example").unwrap(),
            "sel._domainkey.xn--bcher-kva.example"
        );
        assert_eq!(
            to_unicode("xn--bcher-kva.example").as_deref(),
            Some("bücher.example")
        );
        assert_eq!(to_unicode("example.com"), None);
    }

    #[test]
    fn invalid_labels_are_errors_not_panics() {
        // a punycode label that decodes to nothing valid, an unpaired
        // bidi mix, a disallowed code point
        for bad in [
            "xn--a.example",
            "xn--zz-.example",
            "a\u{0}b.example",
            "\u{202e}x.example",
        ] {
            assert!(to_ascii(bad).is_err(), "{bad:?}");
            assert_eq!(to_unicode(bad), None, "{bad:?}");
        }
        assert_eq!(to_ascii_lossy("xn--a.Example"), "xn--a.example");
        // labels whose fourth byte is inside a character
        assert!(to_ascii("pay\u{85}pal.example").is_err());
        assert_eq!(to_unicode("pay\u{9b}pal.example"), None);
    }
}
