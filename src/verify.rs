//! The verifier: checks every DKIM signature of a message against the key
//! sources, header signature and body hash separately, and builds a report.

use crate::clock::{Clock, SystemClock};
use crate::dkim::check::{Checker, SigCheck};
use crate::dkim::repair::{self, RepairKind};
use crate::dkim::signature::{Canon, DkimSignature};
use crate::keys::{self, KeySource, Resolver};
use crate::limits::Limits;
use crate::message::RawMessage;
use crate::report::{Repair, Report, SignatureResult};

/// Most transformations combined in one repair attempt.
const MAX_REPAIRS: usize = 3;
/// Most repair attempts per message (bounds the work on hostile input).
const MAX_REPAIR_PLANS: usize = 48;

/// The best repair attempt: the plan, the repaired bytes, their checks.
struct Repaired {
    plan: Vec<RepairKind>,
    bytes: Vec<u8>,
    checks: Vec<SigCheck>,
    verdict: crate::Verdict,
}

/// What the DKIM stage hands on: the repaired bytes when a repair was
/// needed (`None`: the bytes as given), the signature checks on those bytes
/// and the repairs applied.
struct DkimStage {
    bytes: Option<Vec<u8>>,
    checks: Vec<SigCheck>,
    repairs: Vec<Repair>,
}

/// Verifies messages. Cheap to share between threads.
pub struct Verifier {
    resolver: Resolver,
    clock: Box<dyn Clock>,
    pub(crate) limits: Limits,
}

/// Builds a [`Verifier`].
pub struct VerifierBuilder {
    sources: Vec<Box<dyn KeySource>>,
    live: Vec<Box<dyn KeySource>>,
    builtin: bool,
    clock: Box<dyn Clock>,
    limits: Limits,
}

impl VerifierBuilder {
    /// Adds a key source; sources are consulted in the order added, before
    /// the built-in archive.
    pub fn key_source(mut self, source: impl KeySource + 'static) -> Self {
        self.sources.push(Box::new(source));
        self
    }

    /// Adds a live source (DNS), consulted after every archive, the
    /// built-in one included.
    pub fn live_source(mut self, source: impl KeySource + 'static) -> Self {
        self.live.push(Box::new(source));
        self
    }

    /// Whether to consult the built-in archive (after the other sources).
    pub fn builtin_archive(mut self, yes: bool) -> Self {
        self.builtin = yes;
        self
    }

    /// Replaces the system clock (used only to judge `x=` against today).
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Box::new(clock);
        self
    }

    /// Replaces the default caps on message size, header count, signatures
    /// and the like (see [`Limits`]).
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The verifier.
    pub fn build(mut self) -> Verifier {
        if self.builtin {
            self.sources.push(Box::new(keys::BuiltinArchive::new()));
        }
        self.sources.append(&mut self.live);
        Verifier {
            resolver: Resolver::new(self.sources),
            clock: self.clock,
            limits: self.limits,
        }
    }
}

impl Verifier {
    /// A builder with no sources, the built-in archive on and the system clock.
    pub fn builder() -> VerifierBuilder {
        VerifierBuilder {
            sources: Vec::new(),
            live: Vec::new(),
            builtin: true,
            clock: Box::new(SystemClock),
            limits: Limits::default(),
        }
    }

    /// Names of the key sources, in the order consulted.
    pub fn source_names(&self) -> Vec<String> {
        self.resolver.source_names()
    }

    /// The key sources, in the order consulted.
    pub fn resolver(&self) -> &Resolver {
        &self.resolver
    }

    /// Checks DKIM signatures against this verifier's keys and caps, with
    /// claims of time judged against `now`.
    fn checker(&self) -> Checker<'_> {
        Checker {
            resolver: &self.resolver,
            limits: &self.limits,
        }
    }

    /// Whether some key source holds a record for
    /// `selector._domainkey.domain` (RFC 6376 section 3.6.2.1), usable or
    /// not. Live sources are asked too.
    pub fn has_key(&self, domain: &str, selector: &str) -> bool {
        !self.resolver.candidates(domain, selector).keys.is_empty()
    }

    /// Adds a key source after all the others (live DNS included): for
    /// keys found once the verifier is built, such as keys recovered from
    /// the input's own signatures (`verify --recover`).
    pub fn add_key_source(&mut self, source: impl KeySource + 'static) {
        self.resolver.push(Box::new(source));
    }

    /// The caps this verifier applies.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Verifies one message given as raw bytes; `source` names it in the report.
    /// A message over a message-level cap of [`Limits`] gets an `error`
    /// report naming the cap.
    ///
    /// A copy that does not verify as given (verdict `headers_verified` or
    /// worse) is tried again with the repairs of pasted and saved copies
    /// ([`crate::dkim::pasted`]); one that makes it verify better is kept
    /// and reported as a repair with a finding naming what was changed.
    pub fn verify_bytes(&self, source: &str, bytes: &[u8]) -> Report {
        let report = self.verify_as_given(source, bytes);
        if report.verdict < crate::Verdict::HeadersVerified {
            return report;
        }
        let mut best: Option<Report> = None;
        for kind in crate::dkim::pasted::PastedRepair::ALL {
            let Some((fixed, what)) = kind.apply(bytes) else {
                continue;
            };
            let mut r = self.verify_as_given(source, &fixed);
            let floor = best.as_ref().map_or(report.verdict, |b| b.verdict);
            if r.verdict >= floor {
                continue;
            }
            // the report is of the input as read, with the repair on record
            r.input_sha256 = report.input_sha256.clone();
            r.input_bytes = report.input_bytes;
            let sha = crate::util::sha256_hex(&fixed);
            r.repairs.insert(
                0,
                Repair {
                    kind: kind.code().into(),
                    description: what.clone(),
                    verified_sha256: sha.clone(),
                },
            );
            r.findings.push(crate::report::Finding {
                code: kind.finding().into(),
                severity: crate::report::Severity::Info,
                message: format!(
                    "the copy as saved did not verify; repair applied before verifying: {what} (bytes verified: SHA-256 {sha})"
                ),
                signature: None,
            });
            r.findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
            best = Some(r);
        }
        best.unwrap_or(report)
    }

    /// [`Verifier::verify_bytes`] without the repairs of pasted copies.
    fn verify_as_given(&self, source: &str, bytes: &[u8]) -> Report {
        if let Err(why) = self.limits.check_message(bytes) {
            return Report::error(source, bytes, why);
        }
        let msg = match RawMessage::parse(bytes) {
            Ok(m) => m,
            Err(e) => return Report::error(source, bytes, e.to_string()),
        };
        let now = self.clock.now();
        let dkim = self.verify_dkim(&msg);
        // Every later stage reads the byte variant the signatures were
        // judged on (the original, or the repaired copy).
        let repaired = dkim
            .bytes
            .as_deref()
            .map(|b| RawMessage::parse(b).expect("parsed when tried"));
        let variant = repaired.as_ref().unwrap_or(&msg);
        let mut repairs = dkim.repairs;
        let arc =
            crate::arc::check_with_repair(&self.resolver, &self.limits, variant, &mut repairs);
        crate::evidence::build(source, bytes, variant, &dkim.checks, repairs, arc, now)
    }

    /// Verifies a header block whose body the input format did not keep
    /// (an Outlook `.msg` or PST item keeps the received headers as
    /// PR_TRANSPORT_MESSAGE_HEADERS, MS-OXPROPS 2.1021, but not the body
    /// bytes; a bounce's `text/rfc822-headers` part). The header signature
    /// is checked as usual (RFC 6376 3.7); the body hash cannot be, so the
    /// verdict is at most `headers_verified` and the report says why
    /// (`why`, in words) and what to ask the source for.
    pub fn verify_headers_only(&self, source: &str, headers: &[u8], why: &str) -> Report {
        // the header block, then the empty line that ends it, no body
        let end = headers.len()
            - headers
                .iter()
                .rev()
                .take_while(|b| matches!(b, b'\r' | b'\n'))
                .count();
        let mut bytes = headers[..end].to_vec();
        bytes.extend_from_slice(b"\r\n\r\n");
        let mut report = self.verify_bytes(source, &bytes);
        if report.verdict != crate::Verdict::Error {
            body_unavailable(&mut report, why);
        }
        report
    }

    /// The DKIM stage of [`Verifier::verify_bytes`]: every signature checked
    /// on the bytes as given and, when they fail, on the documented repairs.
    fn verify_dkim(&self, msg: &RawMessage<'_>) -> DkimStage {
        let bytes = msg.bytes;
        let checks = self.checker().check_all(msg);
        let verdict = crate::evidence::verdict_of(msg, &checks);
        // Repairs can only help a signature whose key was found and whose
        // check failed on these bytes.
        let failing: Vec<&SigCheck> = checks
            .iter()
            .filter(|c| {
                matches!(
                    c.result,
                    SignatureResult::BadSignature | SignatureResult::BodyHashMismatch
                )
            })
            .collect();
        if verdict != crate::Verdict::Verified && !failing.is_empty() {
            // A repair can only help the part that failed: when every failing
            // signature's header signature verified, only body repairs matter;
            // when every failing signature's body hash matched, only header ones.
            let body_only = failing.iter().all(|c| c.header_valid == Some(true));
            let headers_only = failing.iter().all(|c| c.body_matches == Some(true));
            // Nor can a repair that relaxed canonicalization undoes anyway:
            // trailing white space (relaxed body) and folding (relaxed
            // headers) do not change what such a signature hashed.
            let relaxed = |part: fn(&DkimSignature) -> Canon| {
                failing
                    .iter()
                    .all(|c| c.sig.as_ref().is_ok_and(|s| part(s) == Canon::Relaxed))
            };
            let (relaxed_body, relaxed_headers) =
                (relaxed(|s| s.body_canon), relaxed(|s| s.header_canon));
            let allowed: Vec<RepairKind> = RepairKind::ALL
                .into_iter()
                .filter(|k| !body_only || k.touches_body())
                .filter(|k| !headers_only || k.touches_headers())
                .filter(|k| !(relaxed_body && *k == RepairKind::TrailingWhitespace))
                .filter(|k| !(relaxed_headers && *k == RepairKind::UnfoldHeaders))
                .collect();
            if let Some(best) = self
                .try_repairs(bytes, &allowed)
                .filter(|b| b.verdict < verdict)
            {
                let sha = crate::util::sha256_hex(&best.bytes);
                let repairs = best
                    .plan
                    .iter()
                    .map(|k| Repair {
                        kind: k.code().into(),
                        description: k.description().into(),
                        verified_sha256: sha.clone(),
                    })
                    .collect();
                return DkimStage {
                    bytes: Some(best.bytes),
                    checks: best.checks,
                    repairs,
                };
            }
        }
        DkimStage {
            bytes: None,
            checks,
            repairs: Vec::new(),
        }
    }

    /// Tries the repair plans fewest-transformations first and returns the
    /// best verdict reached by the fewest transformations. Only verdicts are
    /// computed here; the caller builds the one report that is kept.
    fn try_repairs(&self, bytes: &[u8], allowed: &[RepairKind]) -> Option<Repaired> {
        let mut best: Option<Repaired> = None;
        for mut plan in repair::plans_for(bytes, MAX_REPAIRS, allowed)
            .into_iter()
            .take(MAX_REPAIR_PLANS)
        {
            if best
                .as_ref()
                .is_some_and(|b| b.verdict == crate::Verdict::Verified)
            {
                break;
            }
            if RepairKind::FinalNewline.applies(bytes) {
                plan.insert(
                    plan.len() - usize::from(plan.last() == Some(&RepairKind::CrlfLineEndings)),
                    RepairKind::FinalNewline,
                );
            }
            let fixed = repair::apply_all(bytes, &plan);
            let Ok(fixed_msg) = RawMessage::parse(&fixed) else {
                continue;
            };
            let checks = self.checker().check_all(&fixed_msg);
            let verdict = crate::evidence::verdict_of(&fixed_msg, &checks);
            if best.as_ref().is_none_or(|b| verdict < b.verdict) {
                best = Some(Repaired {
                    plan,
                    bytes: fixed,
                    checks,
                    verdict,
                });
            }
        }
        best
    }
}

/// What to ask a source for when the body cannot be checked.
const ASK_FOR_EML: &str = "ask the source for the original message as an .eml file (in Outlook on the web: \"Download\"; in Gmail: \"Download message\"; in Apple Mail: File > Save As > Raw Message Source), which keeps the body bytes the signature covers";

/// Caps a report whose body was not available at `headers_verified` and
/// says why in its account (see [`Verifier::verify_headers_only`]).
fn body_unavailable(report: &mut Report, why: &str) {
    use crate::Verdict;
    use crate::report::{Finding, Severity};
    report.verdict = report.verdict.max(Verdict::HeadersVerified);
    for s in &mut report.signatures {
        if s.result == SignatureResult::BodyHashMismatch {
            s.body_hash_matches = None;
            s.detail = format!("header signature valid; body hash not checked: {why}");
        }
    }
    if report.verdict == Verdict::HeadersVerified {
        let signer = report
            .signatures
            .iter()
            .find(|s| s.header_signature_valid == Some(true))
            .and_then(|s| s.domain.clone())
            .unwrap_or_else(|| "the signer".into());
        report.summary = format!(
            "Headers verified: {signer}'s signature over the headers is valid, but the body cannot be checked from this copy: {why}."
        );
        report
            .does_not_prove
            .retain(|l| !l.starts_with("The body:"));
    }
    report.does_not_prove.insert(
        0,
        format!("The body: {why}, so whether it is what was signed cannot be checked. To check it, {ASK_FOR_EML}."),
    );
    report.findings.insert(
        0,
        Finding {
            code: "body_not_available".into(),
            severity: Severity::Warning,
            message: format!("the body was not checked: {why}; {ASK_FOR_EML}"),
            signature: None,
        },
    );
    report
        .findings
        .sort_by_key(|f| std::cmp::Reverse(f.severity));
}
