//! What is known of the copy beyond its bytes, and what follows from it:
//! a body the input format did not keep (an Outlook `.msg` or PST item, a
//! bounce's `text/rfc822-headers` part), and a pasted copy repaired before
//! it was checked ([`crate::dkim::pasted`]).
//!
//! A copy without its body is checked as headers followed by an empty body
//! (RFC 6376 3.7: the header signature does not depend on the body). Its
//! verdict is at most `headers_verified`; a body hash mismatch is "not
//! checked", not "changed"; a receiver's `dkim=pass`, which covered the
//! body, is neither confirmed nor contradicted; and the account says what
//! to ask the source for.

use crate::dkim::check::SigCheck;
use crate::report::{Finding, Repair, Severity, SignatureResult};

/// What the verifier knows of the copy beyond its bytes, for
/// [`super::build`].
#[derive(Debug, Default)]
pub(crate) struct CopyFacts<'a> {
    /// The input format did not keep the body: why, in words (e.g. "an
    /// Outlook .msg file keeps the headers but not the body bytes"); the
    /// bytes checked are the header block and an empty body.
    pub body_unavailable: Option<&'a str>,
    /// The bytes checked are a pasted copy repaired first.
    pub pasted: Option<PastedCopy<'a>>,
}

/// The copy under verification as every report of it names it: where it
/// came from, the bytes as read (before any repair), the verification
/// time and what is known of it beyond its bytes. Built once per copy by
/// the verifier and handed to [`super::build`].
#[derive(Clone, Copy)]
pub(crate) struct Given<'a> {
    /// The report's `source`.
    pub source: &'a str,
    /// The bytes as read (the report's `input_sha256` and `input_bytes`,
    /// unless [`CopyFacts::pasted`] says which bytes were read).
    pub bytes: &'a [u8],
    /// The verification time, Unix seconds (`--at`, or the clock).
    pub now: i64,
    /// What is known of the copy beyond its bytes.
    pub facts: &'a CopyFacts<'a>,
}

/// A pasted copy repaired before it was checked.
#[derive(Debug)]
pub(crate) struct PastedCopy<'a> {
    /// The input as read: the report's `input_sha256` and `input_bytes`
    /// are of these bytes, not of the repaired ones.
    pub input: &'a [u8],
    /// The repair, first in the report's `repairs`; its `verified_sha256`
    /// is of the repaired bytes.
    pub repair: Repair,
    /// The finding code naming it.
    pub finding: &'static str,
}

/// Why a header signature of a copy that kept only the headers can fail
/// although the message was not altered.
const REWRITTEN: &str = "This copy keeps the headers as the receiving mail server stored them, and Microsoft Exchange and Office 365 rewrite some signed headers on the way into a mailbox (angle brackets added around a bare address, quotes added around a MIME parameter such as charset), which breaks the signature as well: do not conclude that the message was altered from this copy alone.";

/// What to ask a source for when the body cannot be checked.
const ASK_FOR_EML: &str = "ask the source for the original message as an .eml file (in Outlook on the web: \"Download\"; in Gmail: \"Download message\"; in Apple Mail: File > Save As > Raw Message Source), which keeps the body bytes the signature covers";

/// The finding of a repair applied before verifying (DKIM repairs and the
/// pasted-copy repair alike).
pub(super) fn repair_finding(code: &str, r: &Repair) -> Finding {
    Finding {
        code: code.into(),
        severity: Severity::Info,
        message: format!(
            "the copy as saved did not verify; repair applied before verifying: {} (bytes verified: SHA-256 {})",
            r.description, r.verified_sha256
        ),
        signature: None,
    }
}

/// `mbox_leading_bytes_skipped`: the bytes before a mailbox's first
/// postmark line (a UTF-8 byte order mark, blank lines) were skipped,
/// named on the report of the mailbox's first message.
pub(crate) fn leading_bytes_finding(skipped: &[u8]) -> Finding {
    Finding::new(
        "mbox_leading_bytes_skipped",
        Severity::Info,
        format!(
            "the mailbox starts with {} before its first \"From \" line; they belong to no message and were skipped before this message was read (no byte of a message was changed)",
            crate::input::mbox::describe_skipped(skipped)
        ),
        None,
    )
}

/// `byte_order_mark`: the copy as given starts with a UTF-8 byte order
/// mark glued to the first header field's name `name` (the copy was
/// checked as given, that field under its glued name).
pub(crate) fn byte_order_mark_finding(name: &[u8]) -> Finding {
    let name = String::from_utf8_lossy(name);
    Finding::new(
        "byte_order_mark",
        Severity::Info,
        format!(
            "the copy starts with a UTF-8 byte order mark (EF BB BF, as Windows editors such as Notepad write when saving), which is no part of the message as sent; it is glued to the name of the first header field, {name:?}, so no signature selects that field by its name; the signatures were judged on the bytes as given"
        ),
        None,
    )
}

/// With the body not available: whether `c`'s header signature verifies
/// while its body hash was not checked (not computed, or a mismatch against
/// the empty body that stands in for the body).
pub(super) fn body_unchecked(c: &SigCheck) -> bool {
    c.header_valid == Some(true)
        && (c.body_matches.is_none() || c.result == SignatureResult::BodyHashMismatch)
}

/// With the body not available (`why`): whether `c`'s body hash was
/// compared only with the empty body that stands in for it, so that its
/// mismatch says nothing about the message's body.
pub(super) fn body_compared_with_nothing(c: &SigCheck) -> bool {
    c.is_maths() && c.body_matches == Some(false)
}

/// The signature detail of [`body_compared_with_nothing`]: the header
/// result as the check gave it, the body not checked and why.
pub(super) fn unchecked_detail(c: &SigCheck, why: &str) -> String {
    if c.header_valid == Some(true) {
        format!("header signature valid; body hash not checked: {why}")
    } else {
        format!(
            "header signature does not verify with {}; body hash not checked: {why}",
            c.keys_words()
        )
    }
}

/// `receiver_unconfirmed` for a receiver's `dkim=pass` on signature `index`,
/// whose header signature verifies here but whose body is not available.
pub(super) fn receiver_unconfirmed(
    authserv_id: &str,
    domain: Option<&str>,
    index: usize,
    why: &str,
) -> Finding {
    Finding {
        code: "receiver_unconfirmed".into(),
        severity: Severity::Info,
        message: format!(
            "{authserv_id} recorded dkim=pass{} on arrival; signature {index}'s header signature verifies here, but its body cannot be checked from this copy ({why}), so the receiver's pass for the body is its word, not proof",
            domain.map(|d| format!(" for {d}")).unwrap_or_default()
        ),
        signature: Some(index),
    }
}

/// The findings that lead the report of a copy without its body: that the
/// body was not checked and, when the header signature failed, that the
/// receiving server may have rewritten signed headers.
pub(super) fn leading_findings(why: &str, failed: bool) -> Vec<Finding> {
    let mut out = vec![Finding {
        code: "body_not_available".into(),
        severity: Severity::Warning,
        message: format!("the body was not checked: {why}; {ASK_FOR_EML}"),
        signature: None,
    }];
    if failed {
        // Seen in real PSTs: Office 365 stored `To: <a@b>` for a bare
        // address and `charset="ISO-8859-1"` for `charset=ISO-8859-1`;
        // with both undone, gmail.com's header signature verifies.
        out.push(Finding {
            code: "headers_may_be_rewritten".into(),
            severity: Severity::Warning,
            message: format!("{REWRITTEN} To check, {ASK_FOR_EML}."),
            signature: None,
        });
    }
    out
}

/// The one-line summary of a copy without its body, when its verdict is
/// `headers_verified` (`signer`: the domain whose header signature
/// verifies).
pub(super) fn headers_verified_summary(signer: &str, why: &str) -> String {
    format!(
        "Headers verified: {signer}'s signature over the headers is valid, but the body cannot be checked from this copy: {why}."
    )
}

/// The one-line summary of a copy without its body whose header signature
/// failed (`signer`: the signing domain): it leads with what is known of
/// this copy, not with "altered or forged", which the rewrite alone also
/// explains.
pub(super) fn failed_summary(signer: &str) -> String {
    format!(
        "Failed as stored: a public key of {signer} was found, and the signature does not match the headers as this copy stores them. {REWRITTEN}"
    )
}

/// The first line of `does_not_prove` for a copy without its body.
pub(super) fn body_not_proved(why: &str) -> String {
    format!(
        "The body: {why}, so whether it is what was signed cannot be checked. To check it, {ASK_FOR_EML}."
    )
}
