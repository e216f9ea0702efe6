//! Plain words for the technical terms of a report, shared by every renderer.

/// The technical terms a reader meets in a report, each in plain words
/// (shown once: in text under "Technical details", in HTML and Markdown as
/// a section at the end of the document).
pub const GLOSSARY: &[(&str, &str)] = &[
    (
        "DKIM signature",
        "a seal that the sending domain's mail server makes over a message with the domain's private key; anyone can check it with the matching public key the domain publishes in DNS (RFC 6376)",
    ),
    (
        "selector (s=)",
        "the name under which a domain publishes one of its public keys; a domain can have several, and replaces them over the years",
    ),
    (
        "canonicalization (c=)",
        "how strictly the signature treats white space and line folding: \"simple\" allows no change at all, \"relaxed\" tolerates the small changes mail servers make",
    ),
    (
        "t= and x=",
        "the signing time and the expiry time written into the signature by the signer's own clock",
    ),
    (
        "Received hop",
        "a Received header that each mail server adds on the way, with its name and the time; the topmost is the last server",
    ),
    (
        "bare LF / CRLF",
        "line endings: mail is signed with CRLF (carriage return and line feed); saving a message often turns them into bare LF, which is repaired before checking",
    ),
    (
        "ARC",
        "seals that forwarding services (mailing lists, forwarders) add to say what they saw when the message reached them (RFC 8617)",
    ),
];
