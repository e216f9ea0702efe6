//! When was the message signed? Bounds from the evidence, each with its origin.
//!
//! A DKIM signature carries no trusted timestamp, so the report states a
//! window and says where each end comes from:
//! - lower bound: `t=` (the signer's clock, covered by the signature), else the
//!   Date header (set by the sender's software; noted whether it is signed);
//! - upper bound: the earliest of the topmost Received header (added by the
//!   receiving server: the message existed by then), `x=` (the signer's own
//!   expiry). The time of verification is not used: it would make the same
//!   input give different bytes every day, and it bounds nothing useful.
//!
//! The archive's first/last sighting of the key is reported beside the window,
//! not as a bound: a key is usually in use before anyone archives it. That
//! sighting is never the message itself (`key_evidence`): when the only
//! evidence of the key is this message, a note says so.
//!
//! A `t=` later than the verification time is a disagreement of clocks, not
//! a fault of syntax: [`after_verification`] reports it beside the maths
//! result.

use crate::dkim::check::SigCheck;
use crate::message::RawMessage;
use crate::report::{Finding, Severity, TimeWindow};
use crate::util::rfc3339;

/// The window for the deciding signature `c`, if its header signature verified.
pub(crate) fn compute(msg: &RawMessage<'_>, c: &SigCheck, now: i64) -> Option<TimeWindow> {
    if !c.result.header_valid() {
        return None;
    }
    let sig = c.sig.as_ref().ok()?;
    let date = msg.date();
    let (not_before, nb_source) = match (sig.timestamp, date) {
        (Some(t), _) => (
            Some(t),
            Some("t=, the signer's clock, covered by the signature".to_string()),
        ),
        (None, Some(d)) if sig.signs("Date") > 0 => (
            Some(d),
            Some("Date header, covered by the signature, set by the sender's software".to_string()),
        ),
        (None, Some(d)) => (
            Some(d),
            Some("Date header, not covered by the signature".to_string()),
        ),
        (None, None) => (None, None),
    };
    let _ = now;
    let mut uppers: Vec<(i64, String)> = Vec::new();
    if let Some(r) = topmost_received(msg) {
        uppers.push((
            r,
            "topmost Received header, added by the receiving server, not covered by the signature"
                .into(),
        ));
    }
    if let Some(x) = sig.expiration {
        uppers.push((x, "x=, the signature's own expiry".into()));
    }
    let (not_after, na_source) = uppers
        .into_iter()
        .min_by_key(|(t, _)| *t)
        .map_or((None, None), |(t, s)| (Some(t), Some(s)));
    let mut notes = Vec::new();
    if let (Some(nb), Some(na)) = (not_before, not_after)
        && nb > na
    {
        let not_after = na;
        notes.push(format!(
            "the bounds disagree: the lower bound ({}) is after the upper bound ({}); one of the clocks involved was wrong, or a header was altered",
            rfc3339(nb),
            rfc3339(not_after)
        ));
    }
    let key = c.key.as_ref().map(|k| &k.provenance);
    notes.extend(key.and_then(super::key_evidence::independence_note));
    Some(TimeWindow {
        not_before: not_before.map(rfc3339),
        not_before_source: nb_source,
        not_after: not_after.map(rfc3339),
        not_after_source: na_source,
        key_first_seen: key.and_then(|p| p.first_seen.clone()),
        key_last_seen: key.and_then(|p| p.last_seen.clone()),
        notes,
    })
}

/// `timestamp_after_verification_time`: signature `c`'s `t=` lies more than
/// a day after `now`, the verification time (the system clock, or `--at`).
/// RFC 6376 3.5 lets a verifier ignore such a signature; mailproof keeps
/// the maths result and names both times, because either clock may be the
/// wrong one: the signer's, or a verification time set before the signing.
/// The day of slack keeps `--at DAY` quiet for mail signed during that day.
pub(crate) fn after_verification(c: &SigCheck, now: i64) -> Option<Finding> {
    let t = c.sig.as_ref().ok()?.timestamp?;
    if t <= now + 86_400 {
        return None;
    }
    Some(Finding::new(
        "timestamp_after_verification_time",
        Severity::Warning,
        format!(
            "signature {}: t= {} is later than the verification time {} (the clock of this run, or --at): either the signer's clock was ahead or t= was set in the future, or the verification time is set before the signing; the signature is checked as usual",
            c.index,
            rfc3339(t),
            rfc3339(now)
        ),
        Some(c.index),
    ))
}

/// The date after the last `;` of the topmost Received header.
fn topmost_received(msg: &RawMessage<'_>) -> Option<i64> {
    let v = msg.fields("Received").next()?.text();
    let (_, date) = v.rsplit_once(';')?;
    mail_parser::DateTime::parse_rfc822(date.trim()).map(|d| d.to_timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::test_support::{check, message, message_at};
    use crate::report::SignatureResult;

    const JAN1: i64 = 1_704_067_200; // 2024-01-01T00:00:00Z, the Date header

    /// The window of `bytes`' first signature, taken as passing, judged
    /// just after the Date header.
    fn window(bytes: &[u8]) -> TimeWindow {
        let msg = RawMessage::parse(bytes).unwrap();
        compute(
            &msg,
            &check(&msg, 1, SignatureResult::Pass, None),
            JAN1 + 999,
        )
        .unwrap()
    }

    #[test]
    fn t_is_the_lower_bound_else_a_signed_date() {
        let w = window(&message_at(
            &[("example.com", "from:date")],
            Some(JAN1 - 60),
            "",
        ));
        assert_eq!(w.not_before.as_deref(), Some("2023-12-31T23:59:00Z"));
        let w = window(&message(&[("example.com", "from:date")], ""));
        assert_eq!(w.not_before.as_deref(), Some("2024-01-01T00:00:00Z"));
        assert!(
            w.not_before_source
                .unwrap()
                .starts_with("Date header, covered")
        );
        // An unsigned Date is used, and said to be unsigned.
        let w = window(&message(&[("example.com", "from")], ""));
        assert_eq!(w.not_before.as_deref(), Some("2024-01-01T00:00:00Z"));
        assert!(w.not_before_source.unwrap().contains("not covered"));
    }

    #[test]
    fn no_window_without_a_valid_header_signature() {
        let bytes = message_at(&[("example.com", "from:date")], Some(JAN1), "");
        let msg = RawMessage::parse(&bytes).unwrap();
        for r in [SignatureResult::BadSignature, SignatureResult::NoKey] {
            assert!(
                compute(&msg, &check(&msg, 1, r, None), JAN1).is_none(),
                "{r:?}"
            );
        }
    }

    #[test]
    fn a_t_after_the_verification_time_is_named_past_a_days_slack() {
        let bytes = message_at(&[("example.com", "from")], Some(JAN1), "");
        let msg = RawMessage::parse(&bytes).unwrap();
        let c = check(&msg, 1, SignatureResult::Pass, None);
        assert!(after_verification(&c, JAN1 - 3600).is_none());
        let f = after_verification(&c, JAN1 - 2 * 86_400).unwrap();
        assert_eq!(f.code, "timestamp_after_verification_time");
        assert!(f.message.contains("2024-01-01T00:00:00Z"), "{}", f.message);
    }
}
