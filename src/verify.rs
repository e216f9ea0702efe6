//! The verifier: checks every DKIM signature of a message against the key
//! sources, header signature and body hash separately, and builds a report.

use crate::clock::{Clock, SystemClock};
use crate::dkim::check::{Checker, SigCheck};
use crate::dkim::repair::{self, RepairKind};
use crate::dkim::signature::{Canon, DkimSignature};
use crate::evidence::{CopyFacts, Given, PastedCopy};
use crate::keys::{self, KeySource, Resolver};
use crate::limits::Limits;
use crate::message::RawMessage;
use crate::report::{Repair, Report, SignatureResult};

/// Most transformations combined in one repair attempt.
const MAX_REPAIRS: usize = 3;
/// Most repair attempts per message (bounds the work on hostile input).
const MAX_REPAIR_PLANS: usize = 48;

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
    /// Whether a repair search whose outcome is known early stops there
    /// (see [`VerifierBuilder::repair_shortcuts`]).
    shortcuts: bool,
}

/// Builds a [`Verifier`].
pub struct VerifierBuilder {
    sources: Vec<Box<dyn KeySource>>,
    live: Vec<Box<dyn KeySource>>,
    builtin: bool,
    clock: Box<dyn Clock>,
    limits: Limits,
    shortcuts: bool,
}

impl VerifierBuilder {
    /// Whether the repair search of a copy with bare LF line ends may skip
    /// the copies whose outcome is already known (on by default): the copy
    /// as saved when the CRLF copy decides, the search when the
    /// mboxrd-unquoted CRLF copy decides. The reports are the same either
    /// way; off, every copy is checked, which the tests compare against.
    #[doc(hidden)]
    pub fn repair_shortcuts(mut self, yes: bool) -> Self {
        self.shortcuts = yes;
        self
    }

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

    /// Replaces the system clock: the verification time, which judges
    /// `x=` (finding `signature_expired`) and a `t=` in the future (finding
    /// `timestamp_after_verification_time`), and which each report records
    /// as `verification_time`. The keys used do not depend on it.
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
            shortcuts: self.shortcuts,
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
            shortcuts: true,
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

    /// Checks DKIM signatures against this verifier's keys and caps.
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
        self.verify_copy(source, bytes, None)
    }

    /// [`Verifier::verify_bytes`] of a copy whose body the input format
    /// did not keep, when `body_unavailable` says why.
    fn verify_copy(&self, source: &str, bytes: &[u8], body_unavailable: Option<&str>) -> Report {
        let as_given = CopyFacts {
            body_unavailable,
            pasted: None,
        };
        let (report, verdict) = self.verify_as_given(source, bytes, &as_given);
        if verdict < crate::Verdict::HeadersVerified {
            return report;
        }
        let mut best: Option<(Report, crate::Verdict)> = None;
        for kind in crate::dkim::pasted::PastedRepair::ALL {
            let Some((fixed, what)) = kind.apply(bytes) else {
                continue;
            };
            // the report is of the input as read, with the repair on record
            let pasted = CopyFacts {
                body_unavailable,
                pasted: Some(PastedCopy {
                    input: bytes,
                    repair: Repair {
                        kind: kind.code().into(),
                        description: what,
                        verified_sha256: crate::util::sha256_hex(&fixed),
                    },
                    finding: kind.finding(),
                }),
            };
            let r = self.verify_as_given(source, &fixed, &pasted);
            let floor = best.as_ref().map_or(verdict, |b| b.1);
            if r.1 < floor {
                best = Some(r);
            }
        }
        best.map_or(report, |b| b.0)
    }

    /// [`Verifier::verify_bytes`] without the repairs of pasted copies:
    /// the report, and the verdict the signatures give (see
    /// [`crate::evidence::build`]).
    fn verify_as_given(
        &self,
        source: &str,
        bytes: &[u8],
        facts: &CopyFacts<'_>,
    ) -> (Report, crate::Verdict) {
        let error = |why: String| (Report::error(source, bytes, why), crate::Verdict::Error);
        if let Err(why) = self.limits.check_message(bytes) {
            return error(why);
        }
        let msg = match RawMessage::parse(bytes) {
            Ok(m) => m,
            Err(e) => return error(e.to_string()),
        };
        let given = Given {
            source,
            bytes,
            now: self.clock.now(),
            facts,
        };
        // A copy with only bare LF line ends (an mbox, a file saved on a
        // Unix system) was signed in its CRLF form, as sent over SMTP (RFC
        // 6376 5.3): its CRLF copy is checked first, or, when its body has
        // `>From ` lines quoted by the mboxrd convention, its unquoted CRLF
        // copy (see `mboxrd_decides`). When that copy verifies and the copy
        // as saved cannot do as well, the copy as saved is not checked at
        // all (see `crlf_decides`), and the copy, parsed once, goes on to
        // the later stages.
        let mut crlf = None;
        if only_bare_lf(bytes) {
            let mboxrd = if self.shortcuts {
                match self.mboxrd_decides(&given, &msg) {
                    Ok(report) => return report,
                    Err(tried) => tried,
                }
            } else {
                Vec::new()
            };
            let fixed = crate::message::lf_to_crlf(bytes);
            if let Ok(fixed_msg) = RawMessage::parse(&fixed) {
                let v = self.check_parsed(&fixed_msg, vec![RepairKind::CrlfLineEndings]);
                if self.shortcuts && crlf_decides(&msg, &v) {
                    let repairs = repairs_of(&v.plan, &fixed);
                    return self.finish(&given, &fixed_msg, &v.checks, repairs);
                }
                drop(fixed_msg);
                let mut done = vec![v];
                // the search tries the unquoted copy only after a CRLF copy
                // that does not verify: so is it handed over
                if done[0].verdict != crate::Verdict::Verified {
                    done.extend(mboxrd);
                }
                crlf = Some((done, fixed));
            }
        }
        let dkim = self.verify_dkim(&msg, crlf);
        // Every later stage reads the byte variant the signatures were
        // judged on (the original, or the repaired copy).
        let repaired = dkim
            .bytes
            .as_deref()
            .map(|b| RawMessage::parse(b).expect("parsed when tried"));
        let variant = repaired.as_ref().unwrap_or(&msg);
        self.finish(&given, variant, &dkim.checks, dkim.repairs)
    }

    /// An mbox copy (bare LF line ends, `>From ` body lines quoted by the
    /// mboxrd convention), checked before its CRLF copy. The repair search
    /// of [`Verifier::verify_dkim`] would check the CRLF copy, then, when it
    /// does not verify, the copy as saved and
    /// `[mboxrd_unquote, crlf_line_endings]`, the first plan after
    /// `[crlf_line_endings]` for such a copy ([`repair::plans_for`] keeps
    /// only the plans with the CRLF repair, fewest first, in
    /// [`RepairKind::ALL`] order, where `mboxrd_unquote` is first). When that
    /// plan verifies every signature whole, without `l=`, and the copy as
    /// saved cannot (see [`crlf_decides`]), the search would keep it: the
    /// CRLF copy cannot verify then, since each signature's hashed body
    /// holds an unquoted line the CRLF copy has quoted, and no copy with
    /// more repairs ranks higher. The report is built here without
    /// checking the CRLF copy or the copy as saved. Otherwise the plan's
    /// check is handed back for the search to reuse (`Err`, empty when the
    /// plan does not apply).
    fn mboxrd_decides(
        &self,
        given: &Given<'_>,
        msg: &RawMessage<'_>,
    ) -> Result<(Report, crate::Verdict), Vec<Variant>> {
        let bytes = given.bytes;
        if !RepairKind::MboxrdUnquote.applies(bytes) {
            return Err(Vec::new());
        }
        let plan = vec![RepairKind::MboxrdUnquote, RepairKind::CrlfLineEndings];
        let fixed = repair::apply_all(bytes, &plan);
        let Ok(fixed_msg) = RawMessage::parse(&fixed) else {
            return Err(Vec::new());
        };
        let v = self.check_parsed(&fixed_msg, plan);
        let whole = v.checks.iter().all(|c| c.result == SignatureResult::Pass);
        if !(whole && crlf_decides(msg, &v)) {
            return Err(vec![v]);
        }
        let repairs = repairs_of(&v.plan, &fixed);
        Ok(self.finish(given, &fixed_msg, &v.checks, repairs))
    }

    /// The stages after DKIM: ARC on the byte variant the signatures were
    /// judged on, then the evidence and the report.
    fn finish(
        &self,
        given: &Given<'_>,
        variant: &RawMessage<'_>,
        checks: &[SigCheck],
        mut repairs: Vec<Repair>,
    ) -> (Report, crate::Verdict) {
        let arc =
            crate::arc::check_with_repair(&self.resolver, &self.limits, variant, &mut repairs);
        crate::evidence::build(given, variant, checks, repairs, arc)
    }

    /// Verifies a header block whose body the input format did not keep
    /// (an Outlook `.msg` or PST item keeps the received headers as
    /// PR_TRANSPORT_MESSAGE_HEADERS, MS-OXPROPS 2.1021, but not the body
    /// bytes; a bounce's `text/rfc822-headers` part). The header signature
    /// is checked as usual (RFC 6376 3.7); the body hash cannot be, so the
    /// verdict is at most `headers_verified` and the report says why
    /// (`why`, in words) and what to ask the source for.
    pub fn verify_headers_only(&self, source: &str, headers: &[u8], why: &str) -> Report {
        let bytes = Self::headers_only_bytes(headers);
        self.verify_copy(source, &bytes, Some(why))
    }

    /// The bytes [`Verifier::verify_headers_only`] checks for a header
    /// block, and whose SHA-256 its report gives as `input_sha256`: the
    /// header block without the line ends after it, then CRLF CRLF (the
    /// empty line that ends it) and no body.
    pub fn headers_only_bytes(headers: &[u8]) -> Vec<u8> {
        let end = headers.len()
            - headers
                .iter()
                .rev()
                .take_while(|b| matches!(b, b'\r' | b'\n'))
                .count();
        let mut bytes = headers[..end].to_vec();
        bytes.extend_from_slice(b"\r\n\r\n");
        bytes
    }

    /// The DKIM stage of [`Verifier::verify_bytes`]: every signature checked
    /// on the bytes as given and, when they fail, on the documented repairs.
    ///
    /// The copy kept is the one with the best verdict, then the most
    /// signature parts (header signature, body hash) verifying, then the
    /// fewest repairs: a repair is applied only when the result would
    /// differ without it. Each signature's header and body results are then
    /// the best any repair gave, each on its own (see [`best_parts`]).
    ///
    /// `crlf`, for a copy with bare LF line ends: the repair plans already
    /// checked (the CRLF copy, then, when it does not verify, perhaps the
    /// mboxrd-unquoted CRLF copy, see [`Verifier::mboxrd_decides`]) and the
    /// CRLF copy's bytes.
    fn verify_dkim(
        &self,
        msg: &RawMessage<'_>,
        crlf: Option<(Vec<Variant>, Vec<u8>)>,
    ) -> DkimStage {
        let bytes = msg.bytes;
        let checks = self.checker().check_all(msg);
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
        // (the verdict, which parses From, only when a repair may be tried)
        let verdict = (!failing.is_empty()).then(|| crate::evidence::verdict_of(msg, &checks));
        let Some(verdict) = verdict.filter(|v| *v != crate::Verdict::Verified) else {
            return DkimStage {
                bytes: None,
                checks,
                repairs: Vec::new(),
            };
        };
        let allowed = allowed_repairs(&failing);
        let mut tried = vec![Variant {
            plan: Vec::new(),
            checks,
            verdict,
        }];
        let (done, crlf_bytes) = crlf.unzip();
        self.try_repairs(bytes, &allowed, &mut tried, done.unwrap_or_default());
        self.try_unions(bytes, &mut tried);
        tried.sort_by_key(|v| v.plan.len());
        let best = (0..tried.len())
            .min_by_key(|&i| tried[i].rank())
            .unwrap_or(0);
        let mut chosen = tried.remove(best);
        let fixed = match crlf_bytes {
            Some(b) if chosen.plan == [RepairKind::CrlfLineEndings] => Some(b),
            _ => (!chosen.plan.is_empty()).then(|| repair::apply_all(bytes, &chosen.plan)),
        };
        let judged = fixed.as_deref().unwrap_or(bytes);
        best_parts(&mut chosen.checks, &tried, |plan| {
            crate::util::sha256_hex(&repair::apply_all(bytes, plan))
        });
        // The parts taken from other copies must not change the verdict of
        // the copy kept (they cannot when header and body repairs are
        // independent; if they would, the copy's own results stand).
        if let Ok(m) = RawMessage::parse(judged)
            && crate::evidence::verdict_of(&m, &chosen.checks) != chosen.verdict
            && let Some(own) = self.reparse_checks(judged)
        {
            chosen.checks = own;
        }
        let repairs = repairs_of(&chosen.plan, judged);
        DkimStage {
            bytes: fixed,
            checks: chosen.checks,
            repairs,
        }
    }

    /// The checks of `bytes` as they stand.
    fn reparse_checks(&self, bytes: &[u8]) -> Option<Vec<SigCheck>> {
        let m = RawMessage::parse(bytes).ok()?;
        Some(self.checker().check_all(&m))
    }

    /// Checks `bytes` repaired by `plan`; `None` if the result does not parse.
    fn try_plan(&self, bytes: &[u8], plan: Vec<RepairKind>) -> Option<Variant> {
        self.check_variant(&repair::apply_all(bytes, &plan), plan)
    }

    /// Checks `fixed`, the bytes repaired by `plan`; `None` if they do not
    /// parse.
    fn check_variant(&self, fixed: &[u8], plan: Vec<RepairKind>) -> Option<Variant> {
        let fixed_msg = RawMessage::parse(fixed).ok()?;
        Some(self.check_parsed(&fixed_msg, plan))
    }

    /// Checks `fixed_msg`, the message repaired by `plan`.
    fn check_parsed(&self, fixed_msg: &RawMessage<'_>, plan: Vec<RepairKind>) -> Variant {
        let checks = self.checker().check_all(fixed_msg);
        let verdict = crate::evidence::verdict_of(fixed_msg, &checks);
        Variant {
            plan,
            checks,
            verdict,
        }
    }

    /// Tries the repair plans fewest-transformations first (at most
    /// [`MAX_REPAIR_PLANS`]), until one verifies, adding each to `tried`.
    /// `done`: plans already checked (their results are taken, not redone).
    fn try_repairs(
        &self,
        bytes: &[u8],
        allowed: &[RepairKind],
        tried: &mut Vec<Variant>,
        mut done: Vec<Variant>,
    ) {
        for plan in repair::plans_for(bytes, MAX_REPAIRS, allowed)
            .into_iter()
            .take(MAX_REPAIR_PLANS)
        {
            if tried.iter().any(|v| v.verdict == crate::Verdict::Verified) {
                break;
            }
            match done.iter().position(|v| v.plan == plan) {
                Some(i) => tried.push(done.swap_remove(i)),
                None => tried.extend(self.try_plan(bytes, plan)),
            }
        }
    }

    /// For each signature whose header signature verifies under one plan
    /// and whose body hash matches under another, tries both plans together
    /// (header and body are hashed apart, so the union keeps both parts).
    fn try_unions(&self, bytes: &[u8], tried: &mut Vec<Variant>) {
        let n = tried.first().map_or(0, |v| v.checks.len());
        for i in 0..n {
            let first = |part: fn(&SigCheck) -> bool| {
                tried
                    .iter()
                    .filter(|v| v.checks.get(i).is_some_and(|c| c.is_maths() && part(c)))
                    .min_by_key(|v| v.plan.len())
                    .map(|v| v.plan.clone())
            };
            let (Some(h), Some(b)) = (
                first(|c| c.header_valid == Some(true)),
                first(|c| c.body_matches == Some(true)),
            ) else {
                continue;
            };
            let union: Vec<RepairKind> = RepairKind::ALL
                .into_iter()
                .filter(|k| h.contains(k) || b.contains(k))
                .collect();
            let both_mbox = union.contains(&RepairKind::MboxrdUnquote)
                && union.contains(&RepairKind::MboxoUnquote);
            if both_mbox || tried.iter().any(|v| v.plan == union) {
                continue;
            }
            tried.extend(self.try_plan(bytes, union));
        }
    }
}

/// One copy of the message tried by the DKIM stage: the repairs applied
/// (none: the bytes as given), the checks on the result, its verdict.
struct Variant {
    plan: Vec<RepairKind>,
    checks: Vec<SigCheck>,
    verdict: crate::Verdict,
}

impl Variant {
    /// How many signature parts (header signature, body hash) verify.
    fn parts(&self) -> usize {
        self.checks
            .iter()
            .map(|c| {
                usize::from(c.header_valid == Some(true))
                    + usize::from(c.body_matches == Some(true))
            })
            .sum()
    }

    /// Best first: the verdict, then the most parts verified, then the
    /// fewest repairs.
    fn rank(&self) -> (crate::Verdict, std::cmp::Reverse<usize>, usize) {
        (
            self.verdict,
            std::cmp::Reverse(self.parts()),
            self.plan.len(),
        )
    }
}

/// The repairs of `plan` as a report lists them, each with the SHA-256 of
/// `fixed`, the bytes verified (RFC 6376 says nothing of repairs: this is
/// DESIGN.md's `repairs` field). Empty, and no hash computed, for the
/// bytes as given.
fn repairs_of(plan: &[RepairKind], fixed: &[u8]) -> Vec<Repair> {
    if plan.is_empty() {
        return Vec::new();
    }
    let sha = crate::util::sha256_hex(fixed);
    plan.iter()
        .map(|k| Repair {
            kind: k.code().into(),
            description: k.description().into(),
            verified_sha256: sha.clone(),
        })
        .collect()
}

/// Whether every line end of `bytes` is a bare LF (there is one, and no
/// CRLF).
fn only_bare_lf(bytes: &[u8]) -> bool {
    memchr::memchr(b'\n', bytes).is_some() && memchr::memmem::find(bytes, b"\r\n").is_none()
}

/// Whether the CRLF copy `crlf` of a message with only bare LF line ends
/// (`msg`, as saved) is the copy the repair search would keep, without
/// checking the copy as saved: the CRLF copy verifies, and the copy as
/// saved verifies fewer signature parts even at best, and no signature
/// whole (so it cannot be `verified` as saved).
///
/// At best, the copy as saved gets the CRLF copy's result for every part
/// whose hashed bytes do not change with the line ends: a header signature
/// with relaxed canonicalization (RFC 6376 3.4.2 removes the line ends),
/// or with simple canonicalization over fields without a line end; a body
/// hash over a body without a line end. Every other part hashes bare LF
/// where the signer hashed CRLF, so it fails. Only plain results count
/// (no `l=`, every signature's key found and usable), so that nothing but
/// the hashes differs between the copies. With fewer parts and a verdict
/// no better than `verified`, the copy as saved ranks below the CRLF copy
/// ([`Variant::rank`]), and it verifies no part the CRLF copy does not,
/// so the search would keep the CRLF copy and take nothing from the copy
/// as saved: the outcome is the search's.
fn crlf_decides(msg: &RawMessage<'_>, crlf: &Variant) -> bool {
    if crlf.verdict != crate::Verdict::Verified {
        return false;
    }
    let plain =
        |c: &SigCheck| c.is_maths() && c.sig.as_ref().is_ok_and(|s| s.body_length.is_none());
    if !crlf.checks.iter().all(plain) {
        return false;
    }
    let body_has_eol = memchr::memchr(b'\n', msg.body()).is_some();
    let has_eol = |i: usize| {
        msg.headers
            .get(i)
            .is_some_and(|h| memchr::memchr(b'\n', h.raw).is_some())
    };
    let mut as_saved_at_best = 0;
    for c in &crlf.checks {
        let Ok(sig) = &c.sig else { return false };
        let field = msg.headers.get(c.field).map_or(&b""[..], |h| h.raw);
        let field = field.strip_suffix(b"\n").unwrap_or(field);
        let header_same = sig.header_canon == Canon::Relaxed
            || (!c.covered.iter().any(|&i| has_eol(i)) && memchr::memchr(b'\n', field).is_none());
        let header = header_same && c.header_valid == Some(true);
        let body = !body_has_eol && c.body_matches == Some(true);
        if header && body {
            // it may pass as saved, and the copy as saved verify with it
            return false;
        }
        as_saved_at_best += usize::from(header) + usize::from(body);
    }
    crlf.parts() > as_saved_at_best
}

/// The repairs worth trying for the `failing` signatures.
fn allowed_repairs(failing: &[&SigCheck]) -> Vec<RepairKind> {
    // A repair can only help the part that failed: when every failing
    // signature's header signature verified, only body repairs matter;
    // when every failing signature's body hash matched, only header ones.
    let body_only = failing.iter().all(|c| c.header_valid == Some(true));
    let headers_only = failing.iter().all(|c| c.body_matches == Some(true));
    // Nor can a repair that relaxed canonicalization undoes anyway:
    // trailing white space (relaxed body) and folding (relaxed headers) do
    // not change what such a signature hashed.
    let relaxed = |part: fn(&DkimSignature) -> Canon| {
        failing
            .iter()
            .all(|c| c.sig.as_ref().is_ok_and(|s| part(s) == Canon::Relaxed))
    };
    let (relaxed_body, relaxed_headers) = (relaxed(|s| s.body_canon), relaxed(|s| s.header_canon));
    RepairKind::ALL
        .into_iter()
        .filter(|k| !body_only || k.touches_body())
        .filter(|k| !headers_only || k.touches_headers())
        .filter(|k| !(relaxed_body && *k == RepairKind::TrailingWhitespace))
        .filter(|k| !(relaxed_headers && *k == RepairKind::UnfoldHeaders))
        .collect()
}

/// Gives each signature of the kept copy (`checks`) the best header result
/// and the best body result any tried copy gave it, each on its own, and
/// says in the signature's detail which repairs that part needed (with the
/// SHA-256 of those bytes, from `sha_of`). `tried` is ordered fewest
/// repairs first; only `pass`, `body_hash_mismatch` and `bad_signature`
/// results are combined (the others do not rest on the bytes' hashes).
fn best_parts(
    checks: &mut [SigCheck],
    tried: &[Variant],
    sha_of: impl Fn(&[RepairKind]) -> String,
) {
    for (i, c) in checks.iter_mut().enumerate() {
        if !c.is_maths() {
            continue;
        }
        let other = |part: fn(&SigCheck) -> bool| {
            tried.iter().find_map(|v| {
                v.checks
                    .get(i)
                    .filter(|o| o.is_maths() && part(o))
                    .map(|o| (o, &v.plan))
            })
        };
        let mut notes = Vec::new();
        if c.header_valid != Some(true)
            && let Some((o, plan)) = other(|o| o.header_valid == Some(true))
        {
            c.header_valid = Some(true);
            c.key.clone_from(&o.key);
            c.keys_tried = o.keys_tried;
            c.covered.clone_from(&o.covered);
            notes.push(("header signature", plan));
        }
        if c.body_matches != Some(true)
            && let Some((o, plan)) = other(|o| o.body_matches == Some(true))
        {
            c.body_matches = Some(true);
            c.canonical_body_len = o.canonical_body_len;
            notes.push(("body hash", plan));
        }
        if notes.is_empty() {
            continue;
        }
        c.settle();
        for (part, plan) in notes {
            let how = if plan.is_empty() {
                "as given".to_string()
            } else {
                format!(
                    "repaired ({})",
                    plan.iter().map(|k| k.code()).collect::<Vec<_>>().join(", ")
                )
            };
            c.detail.push_str(&format!(
                "; the {part} verifies on the copy {how}, SHA-256 {}",
                sha_of(plan)
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dkim::signature::{SignatureError, SignatureHints};

    fn check(index: usize, header: bool, body: bool) -> SigCheck {
        let mut c = SigCheck {
            index,
            field: 0,
            sig: Err(SignatureError::Malformed("test".into())),
            hints: SignatureHints::default(),
            result: SignatureResult::BadSignature,
            reason: None,
            detail: String::new(),
            header_valid: Some(header),
            body_matches: Some(body),
            key: None,
            keys_tried: 1,
            candidates: Vec::new(),
            key_rotated: None,
            canonical_body_len: Some(1),
            covered: Vec::new(),
        };
        c.settle();
        c
    }

    fn variant(plan: Vec<RepairKind>, parts: &[(bool, bool)]) -> Variant {
        Variant {
            plan,
            checks: parts
                .iter()
                .enumerate()
                .map(|(i, (h, b))| check(i + 1, *h, *b))
                .collect(),
            verdict: crate::Verdict::Failed,
        }
    }

    /// Two signatures wanting different repairs: the kept copy serves the
    /// first; the second gets its body result from the copy that gave it,
    /// and its detail names that copy.
    #[test]
    fn each_part_is_the_best_any_copy_gave() {
        let mut kept = variant(
            vec![RepairKind::DotUnstuff],
            &[(true, true), (false, false)],
        );
        let tried = [
            variant(vec![], &[(true, false), (false, false)]),
            variant(
                vec![RepairKind::MboxoUnquote],
                &[(true, false), (false, true)],
            ),
        ];
        best_parts(&mut kept.checks, &tried, |p| format!("sha-of-{}", p.len()));
        assert_eq!(kept.checks[0].result, SignatureResult::Pass);
        assert!(!kept.checks[0].detail.contains("copy"));
        let c = &kept.checks[1];
        assert_eq!((c.header_valid, c.body_matches), (Some(false), Some(true)));
        assert_eq!(c.result, SignatureResult::BadSignature);
        assert!(c.detail.contains("body hash matches"), "{}", c.detail);
        assert!(
            c.detail.contains(
                "body hash verifies on the copy repaired (mboxo_unquote), SHA-256 sha-of-1"
            ),
            "{}",
            c.detail
        );
        // ranking: verdict, then parts verified, then fewest repairs
        assert!(tried[1].rank() < tried[0].rank());
        let longer = variant(
            vec![RepairKind::MboxoUnquote, RepairKind::DotUnstuff],
            &[(true, false), (false, true)],
        );
        assert!(tried[1].rank() < longer.rank());
    }
}
