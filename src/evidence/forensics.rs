//! Header forensics: connects the bytes a signature covers to what a reader
//! sees, and checks the message's other evidence for one consistent story.
//!
//! - [`coverage`]: which visible header instances and which part of the body
//!   a passing signature covers (the source of the coverage findings);
//! - [`received`]: the Received chain, parsed;
//! - [`timeline`]: every timestamp in one ordered list, with the
//!   inconsistencies between them;
//! - [`auth_results`]: what the receiving servers recorded
//!   (Authentication-Results), compared with our own results;
//! - [`consistency`]: Message-ID and mail program hints (information only).

use super::{auth_results, consistency, coverage, received, timeline};

use crate::report::forensics::Forensics;

use crate::arc::ArcStage;
use crate::dkim::check::SigCheck;
use crate::message::RawMessage;
use crate::report::Finding;

/// Runs every forensic check and appends its findings to `out`, and to
/// `late` those that follow every other finding of the report; `arc`: what
/// the ARC stage read of the ARC-Seal and ARC-Authentication-Results fields;
/// `body_unavailable`: why the copy has no body, if so.
pub(crate) fn analyze(
    msg: &RawMessage<'_>,
    checks: &[SigCheck],
    from_domain: Option<&str>,
    arc: &ArcStage,
    body_unavailable: Option<&str>,
    out: &mut Vec<Finding>,
    late: &mut Vec<Finding>,
) -> Forensics {
    let hops = received::parse_all(msg);
    let cov = coverage::build(msg, checks, body_unavailable.is_some());
    coverage::findings(&cov, msg, checks, out);
    timeline::findings(msg, checks, &hops, out);
    let receivers = auth_results::build(msg, checks, &hops, &arc.aars, body_unavailable.is_some());
    auth_results::findings(&receivers, body_unavailable, out, late);
    let signers: Vec<String> = checks
        .iter()
        .filter(|c| c.result.header_valid())
        .filter_map(|c| c.sig.as_ref().ok().map(|s| s.domain.clone()))
        .collect();
    consistency::findings(msg, from_domain, &signers, out);
    Forensics {
        coverage: cov,
        timeline: timeline::build(msg, checks, &hops, &arc.seals),
        received: hops,
        receiver_results: receivers.into_iter().map(|c| c.result).collect(),
    }
}
