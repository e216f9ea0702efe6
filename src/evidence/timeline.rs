//! Every timestamp of the message on one line, and where they disagree.
//!
//! Sources: the Date header, each signature's `t=` and `x=`, ARC-Seal `t=`,
//! each Received hop, and X-Received timestamps. Findings name the two
//! values they compare: `received_out_of_order`, `date_mismatch` (against
//! the first Received hop when no signature has `t=`), `signed_after_receipt`,
//! `implausible_timezone`, `slow_hop`.

use crate::arc::SealStamp;
use crate::dkim::check::SigCheck;
use crate::message::RawMessage;
use crate::report::forensics::{Hop, TimelineEntry};
use crate::report::{Finding, Severity};
use crate::util::{duration_words, rfc3339};

/// Clock skew tolerated between hops, in seconds.
const SKEW: i64 = 15 * 60;
/// A hop slower than this is reported.
const SLOW: i64 = 86_400;

/// The ordered timeline; `seals`: the ARC-Seal stamps the ARC stage read.
pub(crate) fn build(
    msg: &RawMessage<'_>,
    checks: &[SigCheck],
    hops: &[Hop],
    seals: &[SealStamp],
) -> Vec<TimelineEntry> {
    let mut out = Vec::new();
    let mut push = |unix: i64, source: String, signed: bool| {
        out.push(TimelineEntry {
            time: rfc3339(unix),
            source,
            signed,
            unix,
        });
    };
    let date_signed = checks
        .iter()
        .any(|c| c.result.header_valid() && c.sig.as_ref().is_ok_and(|s| s.signs("Date") > 0));
    if let Some(d) = msg.date() {
        push(d, "Date header (sender's software)".into(), date_signed);
    }
    for c in checks {
        let Ok(s) = &c.sig else { continue };
        let valid = c.result.header_valid();
        if let Some(t) = s.timestamp {
            push(
                t,
                format!("signature {} t= ({}, signer's clock)", c.index, s.domain),
                valid,
            );
        }
        if let Some(x) = s.expiration {
            push(
                x,
                format!("signature {} x= expiry ({})", c.index, s.domain),
                valid,
            );
        }
    }
    for s in seals {
        if let Some(t) = s.timestamp {
            push(
                t,
                format!("ARC-Seal i={} t= (sealer's clock)", s.instance),
                false,
            );
        }
    }
    for h in &msg.headers {
        if h.is("X-Received") {
            let v = h.text();
            if let Some(d) = v
                .rfind(';')
                .and_then(|i| mail_parser::DateTime::parse_rfc822(v[i + 1..].trim()))
            {
                push(
                    d.to_timestamp(),
                    "X-Received (vendor relay stamp)".into(),
                    false,
                );
            }
        }
    }
    for hop in hops {
        if let Some(u) = hop.unix {
            push(
                u,
                format!(
                    "Received hop {} of {} (by {})",
                    hops.len() + 1 - hop.position,
                    hops.len(),
                    by(hop)
                ),
                false,
            );
        }
    }
    out.sort_by(|a, b| a.unix.cmp(&b.unix).then(a.source.cmp(&b.source)));
    out
}

/// The timestamp findings.
pub(crate) fn findings(
    msg: &RawMessage<'_>,
    checks: &[SigCheck],
    hops: &[Hop],
    out: &mut Vec<Finding>,
) {
    // Chronological order: the bottom Received field is the first hop.
    let chrono: Vec<&Hop> = hops.iter().rev().filter(|h| h.unix.is_some()).collect();
    for w in chrono.windows(2) {
        let (a, b) = (w[0], w[1]);
        let (ta, tb) = (a.unix.unwrap_or(0), b.unix.unwrap_or(0));
        if tb + SKEW < ta {
            out.push(Finding::new(
                "received_out_of_order",
                Severity::Warning,
                format!(
                    "Received hop by {} ({}) is earlier than the hop before it, by {} ({}): {} backwards, more than clock skew explains",
                    by(b),
                    rfc3339(tb),
                    by(a),
                    rfc3339(ta),
                    duration_words(ta - tb)
                ),
                None,
            ));
        } else if tb - ta > SLOW {
            out.push(Finding::new(
                "slow_hop",
                Severity::Info,
                format!(
                    "the hop by {} ({}) came {} after the hop by {} ({})",
                    by(b),
                    rfc3339(tb),
                    duration_words(tb - ta),
                    by(a),
                    rfc3339(ta)
                ),
                None,
            ));
        }
    }
    for h in hops {
        if let (Some(off), Some(zone)) = (h.offset_minutes, &h.zone)
            && (!(-12 * 60..=14 * 60).contains(&off) || off % 15 != 0)
        {
            out.push(Finding::new(
                "implausible_timezone",
                Severity::Info,
                format!(
                    "Received hop by {} states time zone {zone}, which no place on Earth uses",
                    by(h)
                ),
                None,
            ));
        }
    }
    if let Some(zone) = date_zone(msg)
        && (!(-12 * 60..=14 * 60).contains(&zone.0) || zone.0 % 15 != 0)
    {
        out.push(Finding::new(
            "implausible_timezone",
            Severity::Info,
            format!(
                "the Date header states time zone {}, which no place on Earth uses",
                zone.1
            ),
            None,
        ));
    }
    // The first hop after signing: the lowest Received field above the
    // signature field.
    for c in checks.iter().filter(|c| c.result.header_valid()) {
        let Some(t) = c.sig.as_ref().ok().and_then(|s| s.timestamp) else {
            continue;
        };
        let receipt = hops
            .iter()
            .filter(|h| h.field < c.field && h.unix.is_some())
            .max_by_key(|h| h.field);
        if let Some(r) = receipt.and_then(|r| r.unix.map(|u| (r, u)))
            && t > r.1 + SKEW
        {
            out.push(Finding::new(
                    "signed_after_receipt",
                    Severity::Warning,
                    format!(
                        "signature {} claims t= {}, after the first server that received the signed message stamped it ({}, by {})",
                        c.index,
                        rfc3339(t),
                        rfc3339(r.1),
                        by(r.0)
                    ),
                    Some(c.index),
                ));
        }
    }
    // Date against the first hop, when no signature states a time.
    let any_t = checks
        .iter()
        .any(|c| c.sig.as_ref().is_ok_and(|s| s.timestamp.is_some()));
    if !any_t && let (Some(d), Some(first)) = (msg.date(), chrono.first()) {
        let u = first.unix.unwrap_or(d);
        if (u - d).abs() > 86_400 {
            out.push(Finding::new(
                "date_mismatch",
                Severity::Warning,
                format!(
                    "the Date header ({}) and the first Received hop ({}, by {}) differ by {}",
                    rfc3339(d),
                    rfc3339(u),
                    by(first),
                    duration_words(u - d)
                ),
                None,
            ));
        }
    }
}

/// The server a hop names in its `by` clause, for a sentence; a hop
/// without one is said to be unnamed, not shown as a placeholder.
fn by(hop: &Hop) -> &str {
    hop.by.as_deref().unwrap_or("a server that gave no name")
}

fn date_zone(msg: &RawMessage<'_>) -> Option<(i32, String)> {
    let v = msg.fields("Date").next()?.text();
    let d = mail_parser::DateTime::parse_rfc822(&v)?;
    let sign = if d.tz_before_gmt { -1 } else { 1 };
    Some((
        sign * (i32::from(d.tz_hour) * 60 + i32::from(d.tz_minute)),
        format!(
            "{}{:02}{:02}",
            if d.tz_before_gmt { '-' } else { '+' },
            d.tz_hour,
            d.tz_minute
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::test_support::{check, message_at};
    use crate::report::SignatureResult;

    const JAN1: i64 = 1_704_067_200; // the test message's Date

    /// Codes of the findings for a message with `received` on top (top-most
    /// first) and one signature with `t`.
    fn codes(received: &[&str], t: Option<i64>) -> Vec<String> {
        let top: String = received
            .iter()
            .map(|r| format!("Received: {r}\r\n"))
            .collect();
        let bytes = [
            top.as_bytes(),
            &message_at(&[("example.com", "from:date")], t, ""),
        ]
        .concat();
        let msg = RawMessage::parse(&bytes).unwrap();
        let checks = [check(&msg, 1, SignatureResult::Pass, None)];
        let hops = super::super::received::parse_all(&msg);
        let mut out = Vec::new();
        findings(&msg, &checks, &hops, &mut out);
        out.into_iter().map(|f| f.code).collect()
    }

    #[test]
    fn entries_are_in_time_order_with_their_signed_flag() {
        let bytes = [
            &b"Received: from a by mx.example.net; Mon, 1 Jan 2024 00:00:30 +0000\r\n"[..],
            &message_at(&[("example.com", "from:date")], Some(JAN1 - 5), ""),
        ]
        .concat();
        let msg = RawMessage::parse(&bytes).unwrap();
        let checks = [check(&msg, 1, SignatureResult::Pass, None)];
        let hops = super::super::received::parse_all(&msg);
        let seals = [
            SealStamp {
                instance: "1".into(),
                timestamp: Some(JAN1 + 20),
            },
            SealStamp {
                instance: "2".into(),
                timestamp: None,
            },
        ];
        let t = build(&msg, &checks, &hops, &seals);
        let got: Vec<(i64, bool)> = t.iter().map(|e| (e.unix - JAN1, e.signed)).collect();
        assert_eq!(
            got,
            [(-5, true), (0, true), (20, false), (30, false)],
            "{t:?}"
        );
        assert_eq!(t[2].source, "ARC-Seal i=1 t= (sealer's clock)");
        assert!(t[0].source.contains("t="), "{}", t[0].source);
        assert!(t[1].source.starts_with("Date header"), "{}", t[1].source);
    }

    #[test]
    fn each_disagreement_is_named() {
        let mx = "from b by mx.example.net; Mon, 1 Jan 2024 00:01:00 +0000";
        let relay_late = "from a by relay.example.com; Mon, 1 Jan 2024 01:00:00 +0000";
        let relay_ok = "from a by relay.example.com; Mon, 1 Jan 2024 00:00:30 +0000";
        assert!(codes(&[mx, relay_ok], Some(JAN1)).is_empty());
        // The lower (earlier) hop is an hour after the upper one.
        assert!(codes(&[mx, relay_late], Some(JAN1)).contains(&"received_out_of_order".into()));
        // Two days between hops.
        let mx_late = "from b by mx.example.net; Wed, 3 Jan 2024 00:01:00 +0000";
        assert!(codes(&[mx_late, relay_ok], Some(JAN1)).contains(&"slow_hop".into()));
        // t= an hour after the server above the signature received it.
        assert!(codes(&[mx], Some(JAN1 + 3600)).contains(&"signed_after_receipt".into()));
        // No t=, and a Date two days before the first hop.
        assert!(codes(&[mx_late], None).contains(&"date_mismatch".into()));
        assert!(!codes(&[mx], None).contains(&"date_mismatch".into()));
    }
}
