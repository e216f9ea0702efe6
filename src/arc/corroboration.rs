//! The `arc_corroborates` finding: what an intact ARC chain adds to a
//! signature we could not verify ourselves.

use crate::report::arc::{ArcReport, ArcResult};
use crate::report::{Finding, Severity, SignatureReport, SignatureResult};

/// Finding `arc_corroborates`: an intact chain whose first intermediary
/// recorded `dkim=pass` for the From domain, while our own check of that
/// domain's signature could not pass.
pub(crate) fn corroboration(
    arc: &ArcReport,
    from_domain: Option<&str>,
    signatures: &[SignatureReport],
) -> Option<Finding> {
    if arc.result != ArcResult::Pass {
        return None;
    }
    let from = crate::util::org_domain(from_domain?);
    let first = arc.sets.first()?;
    let aar = first.authentication_results.as_ref()?;
    let rec = aar.dkim.iter().find(|d| {
        d.result == "pass"
            && d.domain
                .as_deref()
                .is_some_and(|dom| crate::util::org_domain(dom) == from)
    })?;
    let dom = rec.domain.clone().unwrap_or_default();
    let ours: Vec<&SignatureReport> = signatures
        .iter()
        .filter(|s| {
            s.domain
                .as_deref()
                .is_some_and(|d| d.eq_ignore_ascii_case(&dom))
        })
        .collect();
    if ours.iter().any(|s| s.result == SignatureResult::Pass) {
        return None;
    }
    let our_view = match ours.first() {
        Some(s) => format!("our own check of that signature gave {}", s.result.as_str()),
        None => "the message no longer carries a signature by that domain".into(),
    };
    let sealers: Vec<String> = arc
        .sets
        .iter()
        .map(|s| {
            format!(
                "i={} {} (key {})",
                s.instance,
                s.domain.as_deref().unwrap_or("(no d=)"),
                s.key
                    .as_ref()
                    .map(|k| format!("sha256 {} from {}", k.sha256, k.provenance.source))
                    .unwrap_or_else(|| "not found".into())
            )
        })
        .collect();
    Some(Finding {
        code: "arc_corroborates".into(),
        severity: Severity::Info,
        message: format!(
            "an intact ARC chain sealed by {} records that {} saw a passing DKIM signature by {dom}{} when the message arrived; {our_view}. This is independent evidence that the original signature was valid at receipt, resting on trust in the sealer; it does not change the verdict",
            sealers.join(", "),
            aar.authserv_id
                .as_deref()
                .unwrap_or("the first intermediary"),
            rec.selector
                .as_deref()
                .map(|s| format!(" (selector {s})"))
                .unwrap_or_default(),
        ),
        signature: ours.first().map(|s| s.index),
    })
}
