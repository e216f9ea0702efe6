//! From signature checks to a report: coverage findings, the verdict, and the
//! plain-language account of what the proof covers.

use super::copy::Given;
use crate::arc::ArcStage;
use crate::dkim::check::SigCheck;
use crate::keys::ArchivedKey;
use crate::message::RawMessage;
use crate::report::KeyStrength;
use crate::report::{
    Finding, MessageSummary, Repair, Report, ResultReason, Severity, SignatureReport,
    SignatureResult, ToolInfo, Verdict,
};
use crate::util::{org_domain, rfc3339};

/// Headers a reader sees; the first five must be signed for `verified`.
const REQUIRED_VISIBLE: [&str; 5] = ["From", "To", "Cc", "Subject", "Date"];
const MIN_PROOF_BITS: usize = KeyStrength::MIN_PROOF_RSA_BITS;
const RECOMMENDED_BITS: usize = KeyStrength::RECOMMENDED_RSA_BITS;

struct Ctx<'a, 'm> {
    msg: &'a RawMessage<'m>,
    checks: &'a [SigCheck],
    from_domain: Option<String>,
    /// Every author of the top-most From (RFC 5322 3.6.2 allows several):
    /// `(address, lower-case domain)`.
    authors: Vec<(String, String)>,
    /// The mailboxes of the top-most From field, as parsed once.
    from: Vec<super::address::Mailbox>,
    now: i64,
    /// Why the copy has no body, if so (see [`super::copy`]).
    body_unavailable: Option<&'a str>,
}

/// The verdict alone, without the report (used to compare repair attempts).
pub(crate) fn verdict_of(msg: &RawMessage<'_>, checks: &[SigCheck]) -> Verdict {
    verdict(&Ctx::new(msg, checks, 0, None)).0
}

impl<'a, 'm> Ctx<'a, 'm> {
    /// The context of one message: its top-most From field is parsed here,
    /// once, for the authors, the From domain, the summary and the
    /// findings.
    fn new(
        msg: &'a RawMessage<'m>,
        checks: &'a [SigCheck],
        now: i64,
        body_unavailable: Option<&'a str>,
    ) -> Self {
        let from = msg
            .fields("From")
            .next()
            .map(|f| super::address::mailboxes(&f.text()))
            .unwrap_or_default();
        let authors: Vec<(String, String)> = from
            .iter()
            .filter_map(|m| Some((m.address.clone(), m.domain()?)))
            .collect();
        Ctx {
            msg,
            checks,
            from_domain: authors.first().map(|(_, d)| d.clone()),
            authors,
            from,
            now,
            body_unavailable,
        }
    }
}

/// Assembles the report for one message: `given`, the copy as read, of
/// whose bytes `msg` is the variant the signatures were judged on.
///
/// Returns the report and the verdict the signatures give before the cap
/// of a body not available (what the repair search of pasted copies
/// compares; the report's verdict otherwise).
pub(crate) fn build(
    given: &Given<'_>,
    msg: &RawMessage<'_>,
    checks: &[SigCheck],
    mut repairs: Vec<Repair>,
    arc: ArcStage,
) -> (Report, Verdict) {
    let Given {
        source,
        bytes: input,
        now,
        facts,
    } = *given;
    // Keys as the report states them: without the message's own sightings.
    let checks = &*super::key_evidence::independent_checks(checks, input, msg);
    let why = facts.body_unavailable;
    let ctx = Ctx::new(msg, checks, now, why);
    let mut findings = Vec::new();
    for r in &repairs {
        let kind = crate::dkim::repair::RepairKind::ALL
            .into_iter()
            .find(|k| k.code() == r.kind);
        findings.push(super::copy::repair_finding(
            kind.map_or("repaired", |k| k.finding()),
            r,
        ));
    }
    message_findings(&ctx, &mut findings);
    for c in checks {
        signature_findings(&ctx, c, &mut findings);
    }
    let mut late = Vec::new();
    let forensics = super::forensics::analyze(
        msg,
        checks,
        ctx.from_domain.as_deref(),
        &arc,
        why,
        &mut findings,
        &mut late,
    );
    let summary = message_summary(&ctx, &forensics.coverage);
    signer_alignment_finding(&ctx, &mut findings);
    let signatures: Vec<SignatureReport> =
        checks.iter().map(|c| signature_report(c, why)).collect();
    let arc = arc.report;
    findings.extend(crate::arc::corroboration(
        &arc,
        ctx.from_domain.as_deref(),
        &signatures,
    ));
    if let Some(p) = &facts.pasted {
        findings.push(super::copy::repair_finding(p.finding, &p.repair));
        repairs.insert(0, p.repair.clone());
    }
    let (signed, decider) = verdict(&ctx);
    // Without the body, nothing better than `headers_verified` is shown.
    let verdict = match why {
        Some(_) => signed.max(Verdict::HeadersVerified),
        None => signed,
    };
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    dedup_findings(&mut findings);
    if let Some(why) = why {
        let lead = super::copy::leading_findings(why, verdict == Verdict::Failed);
        findings.splice(0..0, lead);
        findings.append(&mut late);
        findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    }
    let (proves, mut does_not_prove) = account(&ctx, signed, decider);
    if let Some(why) = why {
        does_not_prove.insert(0, super::copy::body_not_proved(why));
    }
    let summary_line = match (why, verdict) {
        (Some(why), Verdict::HeadersVerified) => {
            let signer = signatures
                .iter()
                .find(|s| s.header_signature_valid == Some(true))
                .and_then(|s| s.domain.as_deref())
                .unwrap_or("the signer");
            super::copy::headers_verified_summary(signer, why)
        }
        (Some(_), Verdict::Failed) => super::copy::failed_summary(
            signatures
                .iter()
                .find_map(|s| s.domain.as_deref())
                .unwrap_or("the signer"),
        ),
        _ => sentence(&ctx, signed, decider),
    };
    let input = facts.pasted.as_ref().map_or(input, |p| p.input);
    let report = Report {
        schema_version: crate::SCHEMA_VERSION,
        tool: ToolInfo::default(),
        source: source.to_string(),
        input_sha256: crate::util::sha256_hex(input),
        input_bytes: input.len() as u64,
        verification_time: Some(rfc3339(now)),
        verdict,
        summary: summary_line,
        message: Some(summary),
        signatures,
        arc,
        findings,
        repairs,
        forensics: Some(forensics),
        time_window: decider.and_then(|i| super::time_window::compute(msg, &checks[i], now)),
        proves,
        does_not_prove,
        error: None,
        found_in: None,
        carries: Vec::new(),
    };
    (report, signed)
}

/// Keeps the first of findings that say the same thing (same code,
/// severity, message and signature): two stages, or two header fields
/// carrying one result (a receiver that writes its Authentication-Results
/// twice), must not make one fact read as two.
fn dedup_findings(findings: &mut Vec<Finding>) {
    let mut kept: Vec<Finding> = Vec::with_capacity(findings.len());
    for f in findings.drain(..) {
        if !kept.contains(&f) {
            kept.push(f);
        }
    }
    *findings = kept;
}

/// Whether a key's provenance holds no dated evidence at all (a key file
/// given on the command line with no dates): nothing says the domain
/// published the key, or when.
fn undated(p: &crate::report::Provenance) -> bool {
    p.first_seen.is_none()
        && p.last_seen.is_none()
        && p.origins.iter().all(|o| o.seen.is_none())
        && p.from_this_message.is_empty()
}

fn key_bits(c: &SigCheck) -> Option<(usize, &'static str)> {
    let pk = c.key.as_ref()?.parsed.as_ref().ok()?.key.as_ref()?;
    Some((pk.bits, pk.key_type()))
}

/// Whether signature `c` covers every visible header instance and the whole body.
fn fully_covers(ctx: &Ctx<'_, '_>, c: &SigCheck) -> bool {
    let Ok(sig) = &c.sig else { return false };
    let headers_ok = REQUIRED_VISIBLE.iter().all(|name| {
        let present = ctx.msg.count(name);
        present == 0 || (sig.signs(name) >= present)
    });
    // MIME labels: no instance added above a signed one, and where a label
    // that decides the body's reading is unsigned, one consistent reading.
    let labels_ok = super::coverage::MIME_LABELS.iter().all(|name| {
        let signed = sig.signs(name);
        signed == 0 || ctx.msg.count(name) <= signed
    }) && {
        let unsigned = super::coverage::labels_unsigned(sig);
        unsigned.is_empty() || super::coverage::mime_ambiguity(ctx.msg, &unsigned).is_none()
    };
    headers_ok && labels_ok && beyond_length(c).is_none_or(|n| n == 0)
}

/// Canonical body bytes past `l=`, if `l=` is set.
fn beyond_length(c: &SigCheck) -> Option<u64> {
    let l = c.sig.as_ref().ok()?.body_length?;
    Some(c.canonical_body_len?.saturating_sub(l))
}

/// Whether `c`'s signer is in the organizational domain of every author
/// of the From field (DESIGN.md: every author of a multi-author From).
fn aligned(ctx: &Ctx<'_, '_>, c: &SigCheck) -> bool {
    match &c.sig {
        Ok(sig) if !ctx.authors.is_empty() => unaligned_authors(ctx, &sig.domain).is_empty(),
        Ok(sig) => ctx
            .from_domain
            .as_ref()
            .is_some_and(|from| org_domain(&sig.domain) == org_domain(from)),
        _ => false,
    }
}

/// The From authors outside `signer`'s organizational domain.
fn unaligned_authors<'c>(ctx: &'c Ctx<'_, '_>, signer: &str) -> Vec<&'c str> {
    let org = org_domain(signer);
    ctx.authors
        .iter()
        .filter(|(_, d)| org_domain(d) != org)
        .map(|(a, _)| a.as_str())
        .collect()
}

/// The message verdict and the index (into checks) of the deciding signature.
fn verdict(ctx: &Ctx<'_, '_>) -> (Verdict, Option<usize>) {
    if ctx.checks.is_empty() {
        return (Verdict::Unsigned, None);
    }
    let mut best = (Verdict::Unverifiable, None);
    for (i, c) in ctx.checks.iter().enumerate() {
        let v = match c.result {
            SignatureResult::Pass | SignatureResult::BodyHashMismatch if c.key_too_weak() => {
                Verdict::WeakSignature
            }
            SignatureResult::Pass if fully_covers(ctx, c) && aligned(ctx, c) => Verdict::Verified,
            SignatureResult::Pass => Verdict::PartiallyVerified,
            SignatureResult::BodyHashMismatch => Verdict::HeadersVerified,
            SignatureResult::BadSignature => Verdict::Failed,
            _ => Verdict::Unverifiable,
        };
        if v < best.0 || best.1.is_none() && v == best.0 {
            best = (v, Some(i));
        }
    }
    best
}

fn message_findings(ctx: &Ctx<'_, '_>, out: &mut Vec<Finding>) {
    if ctx.msg.postmark_len > 0 {
        out.push(Finding::new(
            "mbox_postmark_ignored",
            Severity::Info,
            "the file starts with an mbox \"From \" line; it is not part of the message and was skipped".into(),
            None,
        ));
    }
    if ctx.msg.leading_len > 0 {
        out.push(super::copy::leading_bytes_finding(
            &ctx.msg.bytes[..ctx.msg.leading_len],
        ));
    }
    if let Some(first) = ctx
        .msg
        .headers
        .first()
        .filter(|f| super::malformed::bom_glued(f))
    {
        out.push(super::copy::byte_order_mark_finding(
            &first.name[crate::message::UTF8_BOM.len()..],
        ));
    }
    out.extend(super::malformed::finding(ctx.msg, ctx.checks));
    out.extend(super::address::invalid_domain_findings(ctx.msg, &ctx.from));
}

fn signature_findings(ctx: &Ctx<'_, '_>, c: &SigCheck, out: &mut Vec<Finding>) {
    let idx = Some(c.index);
    let Ok(sig) = &c.sig else { return };
    if sig.algorithm == crate::dkim::signature::Algorithm::RsaSha1 {
        out.push(Finding::new(
            "sha1_signature",
            Severity::Warning,
            format!("signature {} uses rsa-sha1, which RFC 8301 forbids: SHA-1 collisions are practical", c.index),
            idx,
        ));
    }
    if let Some(v) = &sig.draft_version {
        out.push(Finding::new(
            "pre_rfc_signature",
            Severity::Warning,
            format!(
                "signature {} is a pre-standard draft signature ({}): it was checked with RFC 6376 hashing, which the drafts that had bh= share; receivers following RFC 6376 would ignore it",
                c.index,
                if v.is_empty() { "no v= tag".to_string() } else { format!("v={v}") }
            ),
            idx,
        ));
    }
    if let Some((bits, "rsa")) = key_bits(c)
        && bits < RECOMMENDED_BITS
        && c.result.header_valid()
    {
        let (sev, why) = if bits < MIN_PROOF_BITS {
            (
                Severity::Critical,
                "keys this small can be factored, so anyone could have made this signature",
            )
        } else {
            (
                Severity::Warning,
                "1024-bit RSA is below today's recommended 2048 bits, though no public factoring of such a DKIM key is known",
            )
        };
        out.push(Finding::new(
            "weak_key",
            sev,
            format!("the key is RSA {bits}-bit: {why}"),
            idx,
        ));
    }
    if let Some(k) = &c.key {
        if let Some(why) = &k.provenance.compromised {
            out.push(Finding::new(
                "key_compromised",
                Severity::Critical,
                format!("the private half of this key is known to be public: {why}"),
                idx,
            ));
        }
        if c.result.header_valid() && k.parsed.as_ref().is_ok_and(|r| r.has_flag("y")) {
            out.push(Finding::new(
                "key_testing_mode",
                Severity::Info,
                "the key record has t=y: the domain declared it was testing DKIM".into(),
                idx,
            ));
        }
        out.extend(super::key_evidence::window_contradiction(
            c,
            sig,
            k,
            ctx.msg.date(),
        ));
        if c.result.header_valid() && k.provenance.is_recovered() {
            out.push(key_recovered_finding(ctx, c, sig, k));
        }
    }
    if let Some(why) = &c.key_rotated {
        out.push(Finding::new(
            "key_rotated",
            Severity::Info,
            why.clone(),
            idx,
        ));
    }
    out.extend(super::time_window::after_verification(c, ctx.now));
    if let Some(x) = sig.expiration {
        if let Some(t) = sig.timestamp.filter(|t| x < *t) {
            out.push(Finding::new(
                "signature_expired",
                Severity::Warning,
                format!(
                    "x= {} is before t= {}: the signature was already expired when made",
                    rfc3339(x),
                    rfc3339(t)
                ),
                idx,
            ));
        } else if x < ctx.now {
            out.push(Finding::new(
                "signature_expired",
                Severity::Info,
                format!(
                    "x= {} is in the past as of the verification time {} (the clock of this run, or --at); expiry limits how long receivers should accept the signature, not whether it was valid when made (checked against the signing time instead)",
                    rfc3339(x),
                    rfc3339(ctx.now)
                ),
                idx,
            ));
        }
    }
    if let (Some(t), Some(date)) = (sig.timestamp, ctx.msg.date()) {
        let diff = (t - date).abs();
        if diff > 86_400 && c.result.header_valid() {
            out.push(Finding::new(
                "date_mismatch",
                Severity::Warning,
                format!(
                    "the Date header ({}) and the signature time t= ({}) differ by {}",
                    rfc3339(date),
                    rfc3339(t),
                    crate::util::duration_words(diff)
                ),
                idx,
            ));
        }
    }
}

/// Whether `c` verified with a recovered key that nothing published vouches
/// for: no other candidate of its selector with the same fingerprint comes
/// from an archive, DNS or a key file, and no other signature of the
/// message verified with a published key.
fn recovered_unvouched(ctx: &Ctx<'_, '_>, c: &SigCheck) -> bool {
    let Some(k) = c.key.as_ref().filter(|k| k.provenance.is_recovered()) else {
        return false;
    };
    let published_twin = c
        .candidates
        .iter()
        .any(|o| !o.provenance.is_recovered() && o.sha256().is_some() && o.sha256() == k.sha256());
    let other_published = ctx.checks.iter().any(|o| {
        o.result.header_valid()
            && o.key
                .as_ref()
                .is_some_and(|ok| !ok.provenance.is_recovered())
    });
    !published_twin && !other_published
}

/// A signature verified with a key recomputed from the leak's own
/// signatures: consistent with one signer, not tied to the domain.
fn key_recovered_finding(
    ctx: &Ctx<'_, '_>,
    c: &SigCheck,
    sig: &crate::dkim::signature::DkimSignature,
    k: &crate::keys::ArchivedKey,
) -> Finding {
    let vouched = !recovered_unvouched(ctx, c);
    Finding::new(
        "key_recovered",
        if vouched {
            Severity::Info
        } else {
            Severity::Warning
        },
        format!(
            "signature {} verifies with a key recovered from the signatures of the messages themselves (SHA-256 {}; {}), not with a key published by {}: this shows that the messages it verifies share one signer; tying that signer to {} needs this fingerprint found in a key archive or DNS history",
            c.index,
            k.sha256()
                .unwrap_or("(no fingerprint: the key does not parse)"),
            k.provenance.source,
            sig.domain,
            sig.domain
        ),
        Some(c.index),
    )
}

/// Decodes the visible headers (top-most instance of each) for display:
/// addresses as their real addr-specs, encoded words decoded. The values
/// are the coverage map's (one [`super::address::display_value`] per
/// field, not two).
fn message_summary(
    ctx: &Ctx<'_, '_>,
    coverage: &crate::report::forensics::Coverage,
) -> MessageSummary {
    let shown = |name: &str| {
        coverage
            .headers
            .iter()
            .find(|h| h.instance == 1 && h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.clone())
    };
    let raw = |name: &str| ctx.msg.fields(name).next().map(|f| f.text().into_owned());
    let from_domain = ctx.from_domain.clone();
    MessageSummary {
        from: shown("From"),
        to: shown("To"),
        cc: shown("Cc"),
        subject: shown("Subject"),
        date: raw("Date"),
        message_id: raw("Message-ID"),
        from_domain_unicode: from_domain.as_deref().and_then(crate::idn::to_unicode),
        from_domain,
    }
}

/// Signature `c` as the report states it; `body_unavailable`: why the copy
/// has no body, if so (a body hash mismatch is then "not checked").
fn signature_report(c: &SigCheck, body_unavailable: Option<&str>) -> SignatureReport {
    let sig = c.sig.as_ref().ok();
    let unchecked = body_unavailable.filter(|_| super::copy::body_compared_with_nothing(c));
    SignatureReport {
        index: c.index,
        domain: sig
            .map(|s| s.domain.clone())
            .or_else(|| c.hints.domain.clone()),
        domain_unicode: sig
            .map(|s| s.domain.as_str())
            .or(c.hints.domain.as_deref())
            .and_then(crate::idn::to_unicode),
        selector: sig
            .map(|s| s.selector.clone())
            .or_else(|| c.hints.selector.clone()),
        algorithm: sig
            .map(|s| s.algorithm.name().to_string())
            .or_else(|| c.hints.algorithm.clone()),
        canonicalization: sig.map(|s| format!("{}/{}", s.header_canon.name(), s.body_canon.name())),
        result: c.result,
        reason: match unchecked {
            Some(_) => Some(ResultReason::BodyNotAvailable),
            None => c.reason,
        },
        detail: unchecked.map_or_else(
            || c.detail.clone(),
            |why| super::copy::unchecked_detail(c, why),
        ),
        header_signature_valid: c.header_valid,
        body_hash_matches: if unchecked.is_some() {
            None
        } else {
            c.body_matches
        },
        signed_headers: sig.map(|s| s.signed_headers.clone()).unwrap_or_default(),
        identity: sig.map(|s| s.identity.clone()),
        signed_at: sig.and_then(|s| s.timestamp).map(rfc3339),
        expires_at: sig.and_then(|s| s.expiration).map(rfc3339),
        body_length: sig.and_then(|s| s.body_length),
        canonical_body_length: c.canonical_body_len,
        key: c.key.as_deref().and_then(ArchivedKey::report),
        keys_tried: c.keys_tried,
    }
}

/// The one-sentence summary.
fn sentence(ctx: &Ctx<'_, '_>, v: Verdict, decider: Option<usize>) -> String {
    let d = decider
        .and_then(|i| ctx.checks[i].sig.as_ref().ok())
        .map(|s| s.domain.clone())
        .unwrap_or_default();
    if let Some(c) = decider.map(|i| &ctx.checks[i])
        && c.result.header_valid()
        && recovered_unvouched(ctx, c)
    {
        // The key is exact but tied to the domain by nothing published:
        // the headline must not name the domain as the signer.
        let what = match v {
            Verdict::Verified => format!("the signature covers {}", covered_phrase(ctx)),
            Verdict::HeadersVerified => "the body does not match the signature".into(),
            _ => "it does not cover everything a reader sees (see findings)".into(),
        };
        return format!(
            "{}: the signature claiming {d} verifies with a key recomputed from the messages' own signatures, which no archive or DNS record ties to {d} yet; this shows the messages share one signer, not that it was {d}; {what}.",
            v.label()
        );
    }
    match v {
        Verdict::Verified => format!(
            "Verified: {d}, the sender's own domain, signed this message, and the signature covers {}.",
            covered_phrase(ctx)
        ),
        Verdict::PartiallyVerified => match decider.and_then(|i| forged_sender(ctx, &ctx.checks[i])) {
            Some((shown, Some(signed))) => format!(
                "Partially verified, and the sender shown is not the one signed: the From a mail program displays ({shown}) was added after signing; the From that {d} signed is {signed}."
            ),
            Some((shown, None)) => format!(
                "Partially verified, and the sender shown is not signed: the From a mail program displays ({shown}) was added after {d} signed the message."
            ),
            None => {
                let c = decider.map(|i| &ctx.checks[i]);
                let aligned = c.is_some_and(|c| aligned(ctx, c));
                let covers = c.is_some_and(|c| fully_covers(ctx, c));
                let outside = c
                    .and_then(|c| c.sig.as_ref().ok())
                    .map(|s| unaligned_authors(ctx, &s.domain))
                    .unwrap_or_default();
                let whose = if outside.is_empty() {
                    "the sender's domain".to_string()
                } else {
                    format!("the domain of {}", outside.join(", "))
                };
                match (aligned, covers) {
                    (false, true) => format!(
                        "Partially verified: a signature by {d} is valid and covers what a reader sees, but {d} is not {whose}: it shows that {d} (a sending service or another organization) signed this message, not that the sender's own domain did (see findings)."
                    ),
                    (false, false) => format!(
                        "Partially verified: a signature by {d} is valid, but {d} is not {whose}, and the signature does not cover everything a reader sees (see findings)."
                    ),
                    (true, _) => format!(
                        "Partially verified: a signature by {d} is valid, but it does not cover everything a reader sees (see findings)."
                    ),
                }
            }
        },
        Verdict::HeadersVerified => format!(
            "Headers verified, body changed: {d}'s signature over the headers is valid, but the body was changed after signing."
        ),
        Verdict::WeakSignature
            if decider.is_some_and(|i| ctx.checks[i].result == SignatureResult::BodyHashMismatch) =>
        {
            format!(
                "Weak signature: the signature by {d} checks out mathematically over the headers, but not over the body, which was changed after signing; and its key is too weak to prove anything."
            )
        }
        Verdict::WeakSignature => format!(
            "Weak signature: the signature by {d} checks out mathematically, but its key is too weak to prove anything."
        ),
        Verdict::Failed => format!(
            "Failed: a public key of {d} was found, and the signature does not match the message with it: the message was altered after signing, or the signature is forged."
        ),
        Verdict::Unverifiable => "Unverifiable: the message is signed, but no signature could be checked (see each signature's detail).".into(),
        Verdict::Unsigned => "Unsigned: the message has no DKIM signature, so nothing about it can be shown cryptographically.".into(),
        Verdict::Error => "Not readable.".into(),
    }
}

/// When the top-most From (the one mail programs display) is not covered
/// by `c` although the message has more than one From: that From, decoded,
/// and the From instance `c` did sign, if any (RFC 6376 5.4.2: a signature
/// covers the bottom-most instances, so a From added on top is unsigned).
fn forged_sender(ctx: &Ctx<'_, '_>, c: &SigCheck) -> Option<(String, Option<String>)> {
    let froms: Vec<usize> = (0..ctx.msg.headers.len())
        .filter(|i| ctx.msg.headers[*i].is("From"))
        .collect();
    let shown = *froms.first()?;
    if froms.len() < 2 || c.covered.contains(&shown) {
        return None;
    }
    let text = |i: usize| super::address::display_value(&ctx.msg.headers[i]);
    let signed = froms
        .iter()
        .find(|i| c.covered.contains(i))
        .map(|i| text(*i));
    Some((text(shown), signed))
}

/// The visible parts a `verified` signature covers, naming only those the
/// message has (docs/report.md, "The one-line summary").
fn covered_phrase(ctx: &Ctx<'_, '_>) -> String {
    let mut parts = Vec::new();
    if ctx.msg.count("From") > 0 {
        parts.push("the sender");
    }
    if ctx.msg.count("To") + ctx.msg.count("Cc") > 0 {
        parts.push("the recipients");
    }
    if ctx.msg.count("Subject") > 0 {
        parts.push("the subject");
    }
    if ctx.msg.count("Date") > 0 {
        parts.push("the date");
    }
    parts.push("the whole body");
    match parts.split_last() {
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// What the deciding signature proves and does not prove.
fn account(ctx: &Ctx<'_, '_>, v: Verdict, decider: Option<usize>) -> (Vec<String>, Vec<String>) {
    let mut proves = Vec::new();
    let mut not = Vec::new();
    let Some(c) = decider.map(|i| &ctx.checks[i]) else {
        not.push(
            "Anything about who wrote or sent the message: it carries no DKIM signature.".into(),
        );
        return (proves, not);
    };
    let Ok(sig) = &c.sig else {
        not.push("Anything: no signature could be checked.".into());
        return (proves, not);
    };
    if c.result.header_valid() && v != Verdict::WeakSignature {
        let covered: Vec<String> = c
            .covered
            .iter()
            .map(|i| String::from_utf8_lossy(ctx.msg.headers[*i].name).into_owned())
            .collect();
        let recovered = recovered_unvouched(ctx, c);
        proves.push(if recovered {
            format!(
                "These headers were signed with one private key, whose public key was recomputed from the signatures themselves and has not (yet) been found published by {} (selector {}): {}.",
                sig.domain,
                sig.selector,
                covered.join(", ")
            )
        } else if let Some(k) = c.key.as_deref().filter(|k| undated(&k.provenance)) {
            // nothing says the domain published it: only the source does
            format!(
                "These headers were signed with the private key matching the public key that the {} gives for {} under selector {} (nothing in it says when, or that {} published it): {}.",
                k.provenance.source,
                sig.domain,
                sig.selector,
                sig.domain,
                covered.join(", ")
            )
        } else {
            format!(
                "These headers were signed with the private key matching the public key that {} published under selector {}: {}.",
                sig.domain,
                sig.selector,
                covered.join(", ")
            )
        });
        if recovered {
            not.push(format!(
                "That {} signed it: the key was recomputed from the messages, so it only shows they share one signer, until its fingerprint is found in a key archive or DNS history for {}.",
                sig.domain, sig.domain
            ));
        }
        if c.result == SignatureResult::Pass {
            proves.push(match (sig.body_length, beyond_length(c)) {
                (Some(l), Some(n)) if n > 0 => format!("Only the first {l} bytes of the body are as signed; {n} more bytes were not signed."),
                _ if sig.body_canon == crate::dkim::signature::Canon::Relaxed => format!("The body is as signed ({} bytes after canonicalization), up to the white-space changes relaxed canonicalization ignores (spaces at line ends, runs of spaces, blank lines at the end).", c.canonical_body_len.unwrap_or(0)),
                _ => format!("The body is exactly as signed ({} bytes after canonicalization).", c.canonical_body_len.unwrap_or(0)),
            });
        }
        if let Some(t) = sig.timestamp {
            proves.push(format!(
                "The signature says it was made at {} (t=, by the signer's own clock).",
                rfc3339(t)
            ));
        }
        if let (Some(k), Some((bits, ty))) = (&c.key, key_bits(c)) {
            let window = match (&k.provenance.first_seen, &k.provenance.last_seen) {
                _ if !k.provenance.from_this_message.is_empty()
                    && k.provenance.origins.is_empty()
                    && k.provenance.first_seen.is_none() =>
                {
                    ", with no evidence independent of this message (its only sighting is this message itself)".to_string()
                }
                (Some(f), Some(l)) => format!(
                    ", with dated evidence {}{}",
                    if f == l {
                        format!("on {f}")
                    } else {
                        format!("from {f} to {l}")
                    },
                    if k.provenance.from_this_message.is_empty() {
                        ""
                    } else {
                        " (this message's own sighting not counted)"
                    }
                ),
                _ => String::new(),
            };
            proves.push(format!(
                "The key ({} {} bits, SHA-256 {}) comes from the {}{}.",
                ty.to_uppercase(),
                bits,
                k.sha256()
                    .unwrap_or("(no fingerprint: the key does not parse)"),
                k.provenance.source,
                window
            ));
        }
    }
    match v {
        // without the body, the line on it comes from `copy`
        Verdict::HeadersVerified if ctx.body_unavailable.is_some() => {}
        Verdict::HeadersVerified => not.push("The body: it does not match the signed body hash, so it was changed (or re-encoded) after signing.".into()),
        Verdict::WeakSignature => not.push("Anything: the key is too weak (or its private half is public), so someone other than the domain could have produced this signature.".into()),
        Verdict::Failed => not.push("Anything: the signature does not match the message as it stands, so nothing in it can be attributed to the domain (it may have signed an earlier version, or never signed it).".into()),
        Verdict::Unverifiable => not.push("Anything: the signature could not be checked (no usable key).".into()),
        _ => {}
    }
    if matches!(
        v,
        Verdict::Verified | Verdict::PartiallyVerified | Verdict::HeadersVerified
    ) {
        if !aligned(ctx, c) {
            let outside = unaligned_authors(ctx, &sig.domain);
            not.push(if ctx.authors.len() > 1 && !outside.is_empty() {
                format!(
                    "That every author's domain sent it: the signer is {}, and these authors are outside its organization: {}.",
                    sig.domain,
                    outside.join(", ")
                )
            } else {
                format!(
                    "That the From domain ({}) sent it: the signer is {}, a different organization.",
                    ctx.from_domain.as_deref().unwrap_or("unknown"),
                    sig.domain
                )
            });
        }
        for name in REQUIRED_VISIBLE {
            let present = ctx.msg.count(name);
            if present > 0 && sig.signs(name) < present {
                not.push(
                    format!(
                        "The {name} header: {} it is not covered by this signature.",
                        if sig.signs(name) == 0 {
                            ""
                        } else {
                            "one instance of"
                        }
                    )
                    .replace(":  it", ": it"),
                );
            }
        }
        let unsigned_labels: Vec<String> = super::coverage::labels_unsigned(sig)
            .into_iter()
            .map(|n| {
                if ctx.msg.count(n) == 0 {
                    format!("{n} (absent here)")
                } else {
                    n.to_string()
                }
            })
            .collect();
        if !unsigned_labels.is_empty() {
            not.push(format!(
                "How the body is meant to be shown: {} not signed, so a label that tells a mail program how to read the body bytes could have been added or changed after signing.",
                unsigned_labels.join(" and ")
                    + if unsigned_labels.len() > 1 { " are" } else { " is" }
            ));
        }
        not.push(format!(
            "Who typed or sent the message: anyone with access to the sending account or to {}'s mail servers could have produced it.",
            sig.domain
        ));
        not.push("That it went only to the listed recipients, or only once: a signed message can be re-sent (replayed) unchanged to anyone.".into());
        not.push("Anything outside the signature: unsigned headers (Received lines, Bcc, any header not listed above) could have been added or changed.".into());
        not.push("The exact time of writing: t= is the signer's own clock, and the Date header is set by the sender's software.".into());
    }
    (proves, not)
}

/// `signer_not_aligned`: the only passing signatures are by another organization.
fn signer_alignment_finding(ctx: &Ctx<'_, '_>, out: &mut Vec<Finding>) {
    let passing: Vec<&SigCheck> = ctx
        .checks
        .iter()
        .filter(|c| c.result == SignatureResult::Pass && c.sig.is_ok())
        .collect();
    if passing.is_empty() || passing.iter().any(|c| aligned(ctx, c)) {
        return;
    }
    let signers: Vec<String> = passing
        .iter()
        .filter_map(|c| c.sig.as_ref().ok())
        .map(|s| s.domain.clone())
        .collect();
    // Authors no passing signer's organization covers; when each author is
    // covered by some signer but none covers all, those outside the first.
    let mut outside: Vec<&str> = ctx
        .authors
        .iter()
        .filter(|(_, d)| !signers.iter().any(|s| org_domain(s) == org_domain(d)))
        .map(|(a, _)| a.as_str())
        .collect();
    if outside.is_empty() {
        outside = unaligned_authors(ctx, &signers[0]);
    }
    let at = if ctx.authors.len() > 1 {
        format!(
            "the From field names {} authors and these are outside the signer's organization: {}",
            ctx.authors.len(),
            outside.join(", ")
        )
    } else {
        format!(
            "the From address is at {}",
            ctx.from_domain.as_deref().unwrap_or("(no From domain)")
        )
    };
    out.push(Finding::new(
        "signer_not_aligned",
        Severity::Warning,
        format!(
            "the passing signature(s) are by {} but {at}: the signer vouches for the message, not for the From domain",
            signers.join(", "),
        ),
        None,
    ));
}

#[cfg(test)]
mod tests {
    //! The verdict table (DESIGN.md "Verdicts") on small signature checks:
    //! results are set by hand, so each row is tested apart from the
    //! cryptography.
    use super::*;
    use crate::evidence::copy::CopyFacts;
    use crate::evidence::test_support::{RSA512, check, message};

    fn verdict_with(
        bytes: &[u8],
        results: &[(SignatureResult, Option<&str>)],
    ) -> (Verdict, Option<usize>) {
        let msg = RawMessage::parse(bytes).unwrap();
        let checks: Vec<SigCheck> = results
            .iter()
            .enumerate()
            .map(|(i, (r, k))| check(&msg, i + 1, *r, *k))
            .collect();
        assert_eq!(verdict_of(&msg, &checks), verdict(&ctx(&msg, &checks)).0);
        verdict(&ctx(&msg, &checks))
    }

    fn ctx<'a, 'm>(msg: &'a RawMessage<'m>, checks: &'a [SigCheck]) -> Ctx<'a, 'm> {
        Ctx::new(msg, checks, 0, None)
    }

    const ALL: &str = "from:to:subject:date";

    #[test]
    fn each_result_gives_its_row_of_the_table() {
        use SignatureResult::*;
        let full = message(&[("example.com", ALL)], "");
        for (result, want) in [
            (Pass, Verdict::Verified),
            (BodyHashMismatch, Verdict::HeadersVerified),
            (BadSignature, Verdict::Failed),
            (NoKey, Verdict::Unverifiable),
            (KeyRevoked, Verdict::Unverifiable),
            (Malformed, Verdict::Unverifiable),
            (Temperror, Verdict::Unverifiable),
            (Unsupported, Verdict::Unverifiable),
        ] {
            assert_eq!(verdict_with(&full, &[(result, None)]).0, want, "{result:?}");
        }
        assert_eq!(
            verdict_with(&message(&[], ""), &[]),
            (Verdict::Unsigned, None)
        );
    }

    #[test]
    fn a_pass_short_of_full_coverage_or_alignment_is_partial() {
        let pass = [(SignatureResult::Pass, None)];
        // Subject not signed.
        let m = message(&[("example.com", "from:to:date")], "");
        assert_eq!(verdict_with(&m, &pass).0, Verdict::PartiallyVerified);
        // A second Subject the signature does not cover.
        let m = message(&[("example.com", ALL)], "Subject: added\r\n");
        assert_eq!(verdict_with(&m, &pass).0, Verdict::PartiallyVerified);
        // Signed by another organization than the author's.
        let m = message(&[("other.example", ALL)], "");
        assert_eq!(verdict_with(&m, &pass).0, Verdict::PartiallyVerified);
        // A subdomain of the author's organization is aligned.
        let m = message(&[("mail.example.com", ALL)], "");
        assert_eq!(verdict_with(&m, &pass).0, Verdict::Verified);
    }

    /// The headline of a partial verification names what falls short: the
    /// signer's domain, the coverage, or both.
    #[test]
    fn the_partial_headline_names_what_falls_short() {
        let headline = |d: &str, h: &str| {
            let bytes = message(&[(d, h)], "");
            let msg = RawMessage::parse(&bytes).unwrap();
            let checks = [check(&msg, 1, SignatureResult::Pass, None)];
            let ctx = ctx(&msg, &checks);
            let (v, decider) = verdict(&ctx);
            assert_eq!(v, Verdict::PartiallyVerified, "{d} {h}");
            sentence(&ctx, v, decider)
        };
        let other = "other.example is not the domain of alice@example.com";
        let s = headline("other.example", ALL);
        assert!(
            s.contains(other) && s.contains("covers what a reader sees"),
            "{s}"
        );
        assert!(!s.contains("does not cover"), "{s}");
        let s = headline("example.com", "from:to:date");
        assert!(
            s.contains("does not cover everything") && !s.contains(other),
            "{s}"
        );
        let s = headline("other.example", "from:to:date");
        assert!(
            s.contains(other) && s.contains("does not cover everything"),
            "{s}"
        );
    }

    #[test]
    fn a_key_too_small_for_proof_makes_a_valid_signature_weak() {
        let m = message(&[("example.com", ALL)], "");
        for r in [SignatureResult::Pass, SignatureResult::BodyHashMismatch] {
            assert_eq!(
                verdict_with(&m, &[(r, Some(RSA512))]).0,
                Verdict::WeakSignature,
                "{r:?}"
            );
        }
        // A failed signature stays failed whatever its key.
        assert_eq!(
            verdict_with(&m, &[(SignatureResult::BadSignature, Some(RSA512))]).0,
            Verdict::Failed
        );
        // The headline claims maths only where it held: not over a body
        // whose hash does not match.
        let msg = RawMessage::parse(&m).unwrap();
        let headline = |r: SignatureResult| {
            let checks = [check(&msg, 1, r, Some(RSA512))];
            let ctx = ctx(&msg, &checks);
            let (v, decider) = verdict(&ctx);
            sentence(&ctx, v, decider)
        };
        let s = headline(SignatureResult::BodyHashMismatch);
        assert!(
            s.contains("over the headers, but not over the body") && s.contains("too weak"),
            "{s}"
        );
        let s = headline(SignatureResult::Pass);
        assert!(!s.contains("body") && s.contains("too weak"), "{s}");
    }

    /// A copy without its body (an Outlook item): the evidence stage caps
    /// the verdict, reads a body hash mismatch as "not checked" and says
    /// why in the findings and the account; the same copy with its body
    /// reads as changed.
    #[test]
    fn a_copy_without_its_body_is_judged_on_its_headers() {
        let why = "this format keeps only the headers";
        let receiver = "Received: from a by mx.example.net; Mon, 1 Jan 2024 00:00:05 +0000\r\n\
                        Authentication-Results: mx.example.net; dkim=pass header.d=example.com\r\n";
        let bytes = message(&[("example.com", ALL)], receiver);
        let msg = RawMessage::parse(&bytes).unwrap();
        let run = |result, body_unavailable| {
            let checks = [check(&msg, 1, result, None)];
            let facts = CopyFacts {
                body_unavailable,
                pasted: None,
            };
            let arc = ArcStage::default();
            let given = Given {
                source: "t.eml",
                bytes: &bytes,
                now: 0,
                facts: &facts,
            };
            build(&given, &msg, &checks, Vec::new(), arc)
        };
        let codes = |r: &Report| {
            r.findings
                .iter()
                .map(|f| f.code.clone())
                .collect::<Vec<_>>()
        };
        let (r, signed) = run(SignatureResult::BodyHashMismatch, Some(why));
        assert_eq!(signed, Verdict::HeadersVerified);
        assert_eq!(r.verdict, Verdict::HeadersVerified);
        assert_eq!(r.signatures[0].body_hash_matches, None);
        assert_eq!(r.signatures[0].reason, Some(ResultReason::BodyNotAvailable));
        assert!(
            r.signatures[0].detail.ends_with(why),
            "{}",
            r.signatures[0].detail
        );
        let f = r.forensics.as_ref().unwrap();
        assert_eq!(f.coverage.body.status, "not_available");
        assert_eq!(f.receiver_results[0].comparison, "unconfirmed");
        let c = codes(&r);
        assert_eq!(c.first().map(String::as_str), Some("body_not_available"));
        assert_eq!(c.last().map(String::as_str), Some("receiver_unconfirmed"));
        assert!(!c.contains(&"receiver_disagrees".into()), "{c:?}");
        assert!(
            r.summary.contains("body cannot be checked"),
            "{}",
            r.summary
        );
        assert!(r.does_not_prove[0].starts_with(&format!("The body: {why}")));
        let body_lines = r
            .does_not_prove
            .iter()
            .filter(|l| l.starts_with("The body:"));
        assert_eq!(body_lines.count(), 1);
        // A pass is capped too; the signatures' own verdict is kept for
        // comparing repaired copies.
        let (r, signed) = run(SignatureResult::Pass, Some(why));
        assert_eq!(
            (signed, r.verdict),
            (Verdict::Verified, Verdict::HeadersVerified)
        );
        // A failed header signature may be the receiving server's rewrite;
        // its body was not compared with anything either.
        let (r, _) = run(SignatureResult::BadSignature, Some(why));
        assert_eq!(
            codes(&r)[..2],
            ["body_not_available", "headers_may_be_rewritten"]
        );
        let s = &r.signatures[0];
        assert_eq!(
            (s.header_signature_valid, s.body_hash_matches, s.reason),
            (Some(false), None, Some(ResultReason::BodyNotAvailable))
        );
        assert!(
            s.detail
                .starts_with("header signature does not verify with the key")
                && s.detail.ends_with(&format!("body hash not checked: {why}")),
            "{}",
            s.detail
        );
        assert!(r.summary.starts_with("Failed as stored"), "{}", r.summary);
        // With the body, the same mismatch means the body changed.
        let (r, _) = run(SignatureResult::BodyHashMismatch, None);
        assert_eq!(
            (r.signatures[0].body_hash_matches, r.signatures[0].reason),
            (Some(false), None)
        );
        let f = r.forensics.as_ref().unwrap();
        assert_eq!(f.coverage.body.status, "changed");
        assert_eq!(f.receiver_results[0].comparison, "disagrees");
        assert!(codes(&r).contains(&"receiver_disagrees".into()));
        assert!(r.summary.contains("body changed"), "{}", r.summary);
    }

    #[test]
    fn the_best_signature_decides_and_the_first_of_equals() {
        use SignatureResult::*;
        let two = message(&[("other.example", ALL), ("example.com", ALL)], "");
        assert_eq!(
            verdict_with(&two, &[(BadSignature, None), (Pass, None)]),
            (Verdict::Verified, Some(1))
        );
        assert_eq!(
            verdict_with(&two, &[(Pass, None), (BodyHashMismatch, None)]),
            (Verdict::PartiallyVerified, Some(0))
        );
        assert_eq!(
            verdict_with(&two, &[(NoKey, None), (NoKey, None)]),
            (Verdict::Unverifiable, Some(0))
        );
    }
}
