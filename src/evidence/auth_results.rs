//! What the receiving servers recorded at the time (RFC 8601
//! Authentication-Results, and the ARC-Authentication-Results copies),
//! compared with our own results.
//!
//! Only results added by the final receiving organization can be trusted:
//! anyone upstream, the sender included, can write an Authentication-Results
//! field. The receiving organization is the one named in the top-most
//! Received field with a DNS host name; a result is trusted when its
//! authserv-id belongs to that organization and it sits above the first
//! Received field written by another organization.

use super::received::is_domain_name;
use crate::arc::AarRead;
use crate::dkim::check::SigCheck;
use crate::message::RawMessage;
use crate::report::forensics::{Hop, ReceiverResult};
use crate::report::{Finding, Severity};
use crate::util::org_domain;

/// A recorded result compared with ours.
pub(crate) struct Compared {
    /// As the report states it.
    pub result: ReceiverResult,
    /// The receiver recorded `dkim=pass` for a signature whose header
    /// signature verifies here but whose body is not available: neither
    /// agreement nor a sign that the message changed after receipt.
    pub body_unchecked: bool,
}

/// Reads and compares every recorded `dkim=` result: each
/// Authentication-Results field is read here, each
/// ARC-Authentication-Results field is taken from `aars`, as the ARC stage
/// read it. `body_unavailable`: the copy has no body (see
/// [`super::copy`]).
pub(crate) fn build(
    msg: &RawMessage<'_>,
    checks: &[SigCheck],
    hops: &[Hop],
    aars: &[AarRead],
    body_unavailable: bool,
) -> Vec<Compared> {
    let receiver_org = hops.iter().find_map(|h| {
        h.by.as_deref()
            .filter(|b| is_domain_name(b))
            .map(org_domain)
    });
    let boundary = receiver_org.as_ref().and_then(|org| {
        hops.iter()
            .filter(|h| h.by.as_deref().is_some_and(is_domain_name))
            .find(|h| h.by.as_deref().map(org_domain).as_ref() != Some(org))
            .map(|h| h.field)
    });
    let mut out = Vec::new();
    for (i, h) in msg.headers.iter().enumerate() {
        let arc = h.is("ARC-Authentication-Results");
        let own;
        let read = if arc {
            match aars.iter().find(|a| a.field == i) {
                Some(a) => &a.results,
                None => continue,
            }
        } else if h.is("Authentication-Results") {
            own = crate::authres::parse(&h.text(), false);
            &own
        } else {
            continue;
        };
        let authserv_id = read.authserv_id.clone().unwrap_or_default();
        let (trusted, trust) = trust(&authserv_id, i, arc, receiver_org.as_deref(), boundary);
        for d in &read.dkim {
            let mut r = ReceiverResult {
                header: if arc {
                    "ARC-Authentication-Results"
                } else {
                    "Authentication-Results"
                }
                .into(),
                authserv_id: authserv_id.clone(),
                trusted,
                trust: trust.clone(),
                result: d.result.clone(),
                domain: d.domain.clone(),
                selector: d.selector.clone(),
                signature_prefix: d.b_prefix.clone(),
                our_signature: None,
                comparison: "no_matching_signature".into(),
            };
            let body_unchecked = compare(&mut r, checks, body_unavailable);
            out.push(Compared {
                result: r,
                body_unchecked,
            });
        }
    }
    out
}

fn trust(
    id: &str,
    field: usize,
    arc: bool,
    org: Option<&str>,
    boundary: Option<usize>,
) -> (bool, String) {
    if arc {
        return (
            false,
            "an ARC copy: trustworthy only as far as the ARC chain verifies (see arc)".into(),
        );
    }
    let Some(org) = org else {
        return (false, "no Received field names the receiving server, so its results cannot be told from forged ones".into());
    };
    if org_domain(id) != org {
        return (
            false,
            format!(
                "recorded by {id}, not by the final receiver ({org}): anyone upstream could have written it"
            ),
        );
    }
    if boundary.is_some_and(|b| field > b) {
        return (
            false,
            format!(
                "below a Received field written outside {org}: it was present before the message reached the final receiver"
            ),
        );
    }
    (
        true,
        format!("recorded by the final receiver ({org}) on arrival"),
    )
}

/// Sets `r`'s signature and comparison; true when the comparison is
/// `unconfirmed` for want of the body ([`Compared::body_unchecked`]).
fn compare(r: &mut ReceiverResult, checks: &[SigCheck], body_unavailable: bool) -> bool {
    let matched = checks.iter().find(|c| {
        let Ok(s) = &c.sig else { return false };
        if let Some(p) = &r.signature_prefix {
            // `b=` as written, white space removed (RFC 6008 3).
            let b = crate::tags::get(&s.tags, "b").map(|t| crate::tags::strip_ws(&t.value));
            return b.is_some_and(|b| b.starts_with(p.as_str()));
        }
        r.domain.as_deref() == Some(s.domain.as_str())
            && r.selector.as_deref().is_none_or(|sel| sel == s.selector)
    });
    let Some(c) = matched else { return false };
    r.our_signature = Some(c.index);
    let ours = c.result.rfc8601();
    if !matches!(ours, "pass" | "fail") {
        r.comparison = "unconfirmed".into();
        return false;
    }
    let theirs = if r.result == "pass" { "pass" } else { "fail" };
    if ours == theirs {
        r.comparison = "agrees".into();
        return false;
    }
    // A receiver's pass covered the body too; with the body not checked
    // here, our header-only result neither agrees nor disagrees with it.
    if body_unavailable && theirs == "pass" && super::copy::body_unchecked(c) {
        r.comparison = "unconfirmed".into();
        return true;
    }
    r.comparison = "disagrees".into();
    false
}

/// `receiver_agrees` / `receiver_disagrees` / `receiver_unconfirmed`, for
/// trusted results only. The `receiver_unconfirmed` of a result unconfirmed
/// for want of the body (the body is not available: `why`) goes to `late`:
/// it follows every other finding of the report.
pub(crate) fn findings(
    results: &[Compared],
    why: Option<&str>,
    out: &mut Vec<Finding>,
    late: &mut Vec<Finding>,
) {
    for c in results.iter().filter(|c| c.result.trusted) {
        let r = &c.result;
        let sig = r.our_signature;
        if let (true, Some(why), Some(i)) = (c.body_unchecked, why, sig) {
            late.push(super::copy::receiver_unconfirmed(
                &r.authserv_id,
                r.domain.as_deref(),
                i,
                why,
            ));
            continue;
        }
        let who = match &r.domain {
            Some(d) => format!("{} recorded dkim={} for {d}", r.authserv_id, r.result),
            None => format!("{} recorded dkim={}", r.authserv_id, r.result),
        };
        match r.comparison.as_str() {
            "agrees" => out.push(Finding::new(
                "receiver_agrees",
                Severity::Info,
                format!("{who} on arrival, and our check of signature {} agrees", sig.unwrap_or(0)),
                sig,
            )),
            "disagrees" => out.push(Finding::new(
                "receiver_disagrees",
                Severity::Warning,
                format!(
                    "{who} on arrival, but our check of signature {} differs: {}",
                    sig.unwrap_or(0),
                    if r.result == "pass" {
                        "the message was changed after it was received"
                    } else {
                        "the receiver could not verify it then (no key, or a transient failure), or the copy differs"
                    }
                ),
                sig,
            )),
            "unconfirmed" if r.result == "pass" => out.push(Finding::new(
                "receiver_unconfirmed",
                Severity::Info,
                format!("{who} on arrival; we could not check signature {} ourselves, so this is the receiver's word, not proof", sig.unwrap_or(0)),
                sig,
            )),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::test_support::{check, message};
    use crate::report::SignatureResult;

    const ALL: &str = "from:to:subject:date";
    const RECEIVED: &str =
        "Received: from out.example.com by mx.example.net; Mon, 1 Jan 2024 00:00:05 +0000\r\n";

    fn results(extra: &str, ours: SignatureResult) -> Vec<ReceiverResult> {
        let bytes = message(&[("example.com", ALL)], "");
        // The extra fields go above the signature, as receivers add them.
        let bytes = [extra.as_bytes(), &bytes].concat();
        let msg = RawMessage::parse(&bytes).unwrap();
        let checks = [check(&msg, 1, ours, None)];
        let resolver = crate::keys::Resolver::new(Vec::new());
        let arc = crate::arc::check(&resolver, &crate::limits::Limits::default(), &msg);
        build(
            &msg,
            &checks,
            &super::super::received::parse_all(&msg),
            &arc.aars,
            false,
        )
        .into_iter()
        .map(|c| c.result)
        .collect()
    }

    #[test]
    fn the_final_receivers_result_is_trusted_and_compared() {
        let ar = "Authentication-Results: mx.example.net; dkim=pass header.d=example.com header.s=sel header.b=AAAA\r\n";
        let r = results(&format!("{ar}{RECEIVED}"), SignatureResult::Pass);
        assert_eq!(r.len(), 1);
        assert!(r[0].trusted, "{}", r[0].trust);
        assert_eq!(r[0].our_signature, Some(1));
        assert_eq!(r[0].comparison, "agrees");
        let r = results(&format!("{ar}{RECEIVED}"), SignatureResult::BadSignature);
        assert_eq!(r[0].comparison, "disagrees");
        let r = results(&format!("{ar}{RECEIVED}"), SignatureResult::NoKey);
        assert_eq!(r[0].comparison, "unconfirmed");
    }

    #[test]
    fn a_header_b_prefix_must_match_our_signatures_b() {
        let ar = "Authentication-Results: mx.example.net; dkim=pass header.d=example.com header.b=ZZZZ\r\n";
        let r = results(&format!("{ar}{RECEIVED}"), SignatureResult::Pass);
        assert_eq!(r[0].our_signature, None);
        assert_eq!(r[0].comparison, "no_matching_signature");
    }

    #[test]
    fn results_written_by_others_are_not_trusted() {
        // Another organization's authserv-id.
        let ar = "Authentication-Results: relay.example.org; dkim=pass header.d=example.com\r\n";
        let r = results(&format!("{ar}{RECEIVED}"), SignatureResult::Pass);
        assert!(!r[0].trusted);
        assert!(
            r[0].trust.contains("not by the final receiver"),
            "{}",
            r[0].trust
        );
        // No Received field names a receiver.
        let ar = "Authentication-Results: mx.example.net; dkim=pass header.d=example.com\r\n";
        let r = results(ar, SignatureResult::Pass);
        assert!(!r[0].trusted);
        // Below a Received written outside the receiver's organization.
        let outside = "Received: from a by relay.example.org; Mon, 1 Jan 2024 00:00:02 +0000\r\n";
        let r = results(&format!("{RECEIVED}{outside}{ar}"), SignatureResult::Pass);
        assert!(!r[0].trusted);
        assert!(r[0].trust.contains("below a Received"), "{}", r[0].trust);
        // An ARC copy is only as good as the chain.
        let aar =
            "ARC-Authentication-Results: i=1; mx.example.net; dkim=pass header.d=example.com\r\n";
        let r = results(&format!("{aar}{RECEIVED}"), SignatureResult::Pass);
        assert_eq!(r[0].header, "ARC-Authentication-Results");
        assert!(!r[0].trusted);
    }
}
