//! The report model: what a verification found, as data.
//!
//! Renderers ([`crate::render`]) are pure functions of a [`Report`]. Field
//! names that scripts read (`verdict`, `signatures[].result`, `key.sha256`,
//! `findings[].code`, ...) are fixed by DESIGN.md; new fields may be added.

pub mod arc;
pub mod forensics;
mod keys;

pub use keys::{Origin, Provenance, RECOVERED_MARKER};
use serde::{Deserialize, Serialize};

/// The message-level answer. With several signatures the strongest decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// A signature by the From domain, with an adequate key, verifies over
    /// headers and body, and everything a reader sees is covered.
    Verified,
    /// A signature verifies, but something the reader sees is not covered,
    /// or the signer is not the From domain.
    PartiallyVerified,
    /// The header signature verifies but the body was changed after signing.
    HeadersVerified,
    /// The maths verifies, but the key is too weak (or known compromised) to
    /// carry proof.
    WeakSignature,
    /// A key was found and the signature does not verify: altered or forged.
    Failed,
    /// Signatures exist but none could be checked (no key, revoked, malformed,
    /// unsupported, DNS failure).
    Unverifiable,
    /// No DKIM signature at all.
    Unsigned,
    /// The input is not an email message or could not be read.
    Error,
}

impl Verdict {
    /// All verdicts, strongest first.
    pub const ALL: [Verdict; 8] = [
        Verdict::Verified,
        Verdict::PartiallyVerified,
        Verdict::HeadersVerified,
        Verdict::WeakSignature,
        Verdict::Failed,
        Verdict::Unverifiable,
        Verdict::Unsigned,
        Verdict::Error,
    ];

    /// The JSON string.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Verified => "verified",
            Verdict::PartiallyVerified => "partially_verified",
            Verdict::HeadersVerified => "headers_verified",
            Verdict::WeakSignature => "weak_signature",
            Verdict::Failed => "failed",
            Verdict::Unverifiable => "unverifiable",
            Verdict::Unsigned => "unsigned",
            Verdict::Error => "error",
        }
    }
}

impl Verdict {
    /// All verdicts, worst first, for sorting a list of messages so that the
    /// ones needing attention come first: a proven alteration or forgery
    /// (`failed`) before a signature that proves nothing, before one that
    /// could not be checked.
    pub const WORST_FIRST: [Verdict; 8] = [
        Verdict::Failed,
        Verdict::WeakSignature,
        Verdict::HeadersVerified,
        Verdict::PartiallyVerified,
        Verdict::Unverifiable,
        Verdict::Unsigned,
        Verdict::Error,
        Verdict::Verified,
    ];

    /// Position in [`Verdict::WORST_FIRST`] (0 = worst).
    pub fn worst_first_rank(self) -> usize {
        Verdict::WORST_FIRST
            .iter()
            .position(|v| *v == self)
            .unwrap_or(0)
    }

    /// The verdict's one name for readers, used by every output format (text,
    /// HTML, Markdown, the summary sentence, the web page). The JSON keeps
    /// [`Verdict::as_str`].
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Verified => "Verified",
            Verdict::PartiallyVerified => "Partially verified",
            Verdict::HeadersVerified => "Headers verified, body changed",
            Verdict::WeakSignature => "Weak signature",
            Verdict::Failed => "Failed",
            Verdict::Unverifiable => "Unverifiable",
            Verdict::Unsigned => "Unsigned",
            Verdict::Error => "Not readable",
        }
    }

    /// What the verdict means, in one sentence for readers.
    pub fn meaning(self) -> &'static str {
        match self {
            Verdict::Verified => {
                "The sender's own domain signed this message, and the signature covers everything a reader sees."
            }
            Verdict::PartiallyVerified => {
                "A valid signature exists, but some part of what a reader sees is not covered by it. Read what it does not prove."
            }
            Verdict::HeadersVerified => {
                "The signed headers are authentic, but the text of the message was changed (or re-encoded) after signing."
            }
            Verdict::WeakSignature => {
                "The signature's maths checks out (over the headers at least), but its key is too weak (or its private half is publicly known) for it to prove anything."
            }
            Verdict::Failed => {
                "The signing domain's public key was found and the signature does not match the message: it was altered after signing, or the signature is forged."
            }
            Verdict::Unverifiable => {
                "The message is signed, but no signature could be checked, usually because the signing domain's public key is not in any archive."
            }
            Verdict::Unsigned => {
                "The message carries no DKIM signature, so nothing about it can be shown cryptographically."
            }
            Verdict::Error => "The input could not be read as an email message.",
        }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Outcome of one signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureResult {
    /// Header signature and body hash both verify.
    Pass,
    /// The header signature verifies, the body hash does not.
    BodyHashMismatch,
    /// The header signature does not verify with any candidate key.
    BadSignature,
    /// No source has a key for the selector.
    NoKey,
    /// The key record has an empty `p=`.
    KeyRevoked,
    /// The signature or the key record cannot be read, or policy forbids its use.
    Malformed,
    /// A temporary lookup failure (DNS timeout, SERVFAIL).
    Temperror,
    /// An algorithm, canonicalization or key type this verifier does not implement.
    Unsupported,
}

impl SignatureResult {
    /// The JSON string.
    pub fn as_str(self) -> &'static str {
        match self {
            SignatureResult::Pass => "pass",
            SignatureResult::BodyHashMismatch => "body_hash_mismatch",
            SignatureResult::BadSignature => "bad_signature",
            SignatureResult::NoKey => "no_key",
            SignatureResult::KeyRevoked => "key_revoked",
            SignatureResult::Malformed => "malformed",
            SignatureResult::Temperror => "temperror",
            SignatureResult::Unsupported => "unsupported",
        }
    }

    /// The `dkim=` result a receiver would record for it (RFC 8601 2.7.1):
    /// `pass`; `fail` for a signature that does not verify, header or
    /// body; `temperror`; `neutral` for what this verifier cannot process
    /// (`unsupported`); `permerror` for the rest (no key, revoked key,
    /// malformed signature or key record: RFC 6376 PERMFAIL).
    pub fn rfc8601(self) -> &'static str {
        match self {
            SignatureResult::Pass => "pass",
            SignatureResult::BodyHashMismatch | SignatureResult::BadSignature => "fail",
            SignatureResult::Temperror => "temperror",
            SignatureResult::Unsupported => "neutral",
            SignatureResult::NoKey | SignatureResult::KeyRevoked | SignatureResult::Malformed => {
                "permerror"
            }
        }
    }

    /// Whether the header signature verified (pass or body hash mismatch).
    pub fn header_valid(self) -> bool {
        matches!(
            self,
            SignatureResult::Pass | SignatureResult::BodyHashMismatch
        )
    }
}

/// Why a signature's result is `malformed` or `unsupported`: those results
/// fold several causes, and scripts should not have to read `detail`'s
/// prose to tell a broken signature from a cap or a key record's policy.
/// Serialized as the signature's `reason` (snake_case), set only with
/// those two results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResultReason {
    /// The DKIM-Signature (or ARC) field cannot be read: a tag is missing,
    /// repeated or invalid (RFC 6376 3.5, 6.1.1; RFC 8617 4.1).
    SignatureSyntax,
    /// An algorithm, canonicalization or version this verifier does not
    /// implement (RFC 6376 6.1.1; RFC 8301, RFC 8463).
    SignatureUnsupported,
    /// The message has no From field, or none with an address, so no author
    /// for the signature to vouch for (RFC 6376 5.4, RFC 5322 3.6.2).
    NoAuthor,
    /// `l=` is longer than the body: the body was cut after signing, so
    /// no length of it is signed as claimed (RFC 6376 3.5).
    BodyShorterThanLength,
    /// Not checked: over the `--max-signatures` cap.
    MaxSignatures,
    /// Not checked: a body hash over the `--max-body-hashes` cap.
    MaxBodyHashes,
    /// The key is larger than the `--max-key-bits` cap.
    MaxKeyBits,
    /// The RSA key is smaller than the minimum in force (RFC 8301 3.2).
    KeyTooSmall,
    /// The key record cannot be read (RFC 6376 3.6.1).
    KeyRecordSyntax,
    /// The key record's `k=` is a key type this verifier does not
    /// implement, or does not match the signature's `a=`.
    KeyTypeMismatch,
    /// The key record's `h=` does not allow the signature's hash.
    KeyHashNotAllowed,
    /// The key record's `s=` does not include email.
    KeyNotForEmail,
    /// The key record's `t=s` forbids a subdomain in `i=` (RFC 6376 3.6.1).
    KeySubdomainForbidden,
    /// The key record's `g=` does not allow the `i=` local part (RFC 4871
    /// 3.6.1).
    KeyGranularity,
    /// No candidate key could be used and none says why.
    NoUsableKey,
    /// The input format kept the header block but not the body (an Outlook
    /// `.msg` or PST item, a `text/rfc822-headers` part): the body hash was
    /// compared only with the empty body standing in for it, so the
    /// `body_hash_mismatch` or `bad_signature` result says nothing of the
    /// message's body (`body_hash_matches` is null).
    BodyNotAvailable,
}

impl ResultReason {
    /// The JSON string.
    pub fn as_str(self) -> &'static str {
        match self {
            ResultReason::SignatureSyntax => "signature_syntax",
            ResultReason::SignatureUnsupported => "signature_unsupported",
            ResultReason::NoAuthor => "no_author",
            ResultReason::BodyShorterThanLength => "body_shorter_than_length",
            ResultReason::MaxSignatures => "max_signatures",
            ResultReason::MaxBodyHashes => "max_body_hashes",
            ResultReason::MaxKeyBits => "max_key_bits",
            ResultReason::KeyTooSmall => "key_too_small",
            ResultReason::KeyRecordSyntax => "key_record_syntax",
            ResultReason::KeyTypeMismatch => "key_type_mismatch",
            ResultReason::KeyHashNotAllowed => "key_hash_not_allowed",
            ResultReason::KeyNotForEmail => "key_not_for_email",
            ResultReason::KeySubdomainForbidden => "key_subdomain_forbidden",
            ResultReason::KeyGranularity => "key_granularity",
            ResultReason::NoUsableKey => "no_usable_key",
            ResultReason::BodyNotAvailable => "body_not_available",
        }
    }
}

/// How serious a finding is for the reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Context; changes nothing about the proof.
    Info,
    /// Limits what the proof covers.
    Warning,
    /// Undermines the proof for what it names.
    Critical,
}

/// One observation about the message, with evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable snake_case code (see DESIGN.md and docs/findings.md).
    pub code: String,
    /// Severity.
    pub severity: Severity,
    /// Plain-language evidence, naming the values compared.
    pub message: String,
    /// 1-based index of the signature it concerns, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature: Option<usize>,
}

impl Finding {
    /// A finding with a stable `code`, a severity, the evidence in words and
    /// the signature (1-based) it concerns, if any.
    pub fn new(code: &str, severity: Severity, message: String, signature: Option<usize>) -> Self {
        Finding {
            code: code.into(),
            severity,
            message,
            signature,
        }
    }
}

/// The key a signature was checked with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyReport {
    /// Where it came from (and the evidence with it).
    #[serde(flatten)]
    pub provenance: Provenance,
    /// SHA-256 of the DER SubjectPublicKeyInfo.
    pub sha256: String,
    /// `rsa` or `ed25519`.
    pub key_type: String,
    /// Key size in bits.
    pub bits: usize,
    /// The TXT record as published.
    pub record: String,
    /// Whether the key can carry proof ([`KeyStrength::of`]), decided once
    /// here so that every renderer says the same.
    #[serde(default)]
    pub strength: KeyStrength,
}

/// What a key's size and history let a signature prove (RFC 8301 3.2 for
/// the sizes).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyStrength {
    /// Ed25519, or RSA of at least 2048 bits.
    #[default]
    Adequate,
    /// RSA of 1024 to 2047 bits: proof, with a `weak_key` warning.
    BelowRecommended,
    /// RSA under 1024 bits: the maths can be checked but proves nothing
    /// (such keys have been factored for hire).
    TooWeak,
    /// The private half is known to be published or factored: proves nothing.
    Compromised,
}

impl KeyStrength {
    /// RSA keys under this many bits cannot carry proof.
    pub const MIN_PROOF_RSA_BITS: usize = 1024;
    /// RSA keys under this many bits get a `weak_key` warning.
    pub const RECOMMENDED_RSA_BITS: usize = 2048;

    /// The strength of a key of `key_type` (`rsa`, `ed25519`) and `bits`,
    /// `compromised` when its private half is known to be public.
    pub fn of(key_type: &str, bits: usize, compromised: bool) -> Self {
        if compromised {
            KeyStrength::Compromised
        } else if key_type != "rsa" || bits >= Self::RECOMMENDED_RSA_BITS {
            KeyStrength::Adequate
        } else if bits >= Self::MIN_PROOF_RSA_BITS {
            KeyStrength::BelowRecommended
        } else {
            KeyStrength::TooWeak
        }
    }

    /// Whether a signature by such a key can prove anything.
    pub fn carries_proof(self) -> bool {
        matches!(self, KeyStrength::Adequate | KeyStrength::BelowRecommended)
    }
}

/// One DKIM-Signature header field and what came of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignatureReport {
    /// 1-based position among the DKIM-Signature fields, top first.
    pub index: usize,
    /// `d=` in lower-case A-label form (RFC 8616: the form keys are looked
    /// up and domains compared under; `xn--bcher-kva.example`).
    pub domain: Option<String>,
    /// `d=` in U-label form for readers (`bücher.example`), present only
    /// when `domain` is an internationalized name (untrusted text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain_unicode: Option<String>,
    /// `s=`
    pub selector: Option<String>,
    /// `a=` as written.
    pub algorithm: Option<String>,
    /// `c=` as `header/body`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub canonicalization: Option<String>,
    /// The outcome.
    pub result: SignatureResult,
    /// Why, when `result` is `malformed` or `unsupported` (which fold
    /// several causes); absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<ResultReason>,
    /// Why, in words.
    pub detail: String,
    /// Whether the header signature verified (checked even when the body did not).
    pub header_signature_valid: Option<bool>,
    /// Whether the body hash matched (checked even when the header signature did not).
    pub body_hash_matches: Option<bool>,
    /// `h=` as written.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signed_headers: Vec<String>,
    /// `i=`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    /// `t=` as RFC 3339.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signed_at: Option<String>,
    /// `x=` as RFC 3339.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// `l=`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_length: Option<u64>,
    /// Canonical body length of this message under this signature's `c=`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub canonical_body_length: Option<u64>,
    /// The key that verified, or the first candidate when none did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<KeyReport>,
    /// How many candidate keys the sources held for this selector.
    pub keys_tried: usize,
}

/// When the message was signed, as far as the evidence shows, and where each
/// bound comes from (see `timewindow.rs`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeWindow {
    /// Earliest signing time (RFC 3339), if any evidence gives one.
    pub not_before: Option<String>,
    /// Where the lower bound comes from (`t=`, Date header).
    pub not_before_source: Option<String>,
    /// Latest signing time (RFC 3339).
    pub not_after: Option<String>,
    /// Where the upper bound comes from (topmost Received, `x=`, reference time).
    pub not_after_source: Option<String>,
    /// Earliest archived evidence of the verifying key (context, not a bound).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_first_seen: Option<String>,
    /// Latest archived evidence of the verifying key (context, not a bound).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_last_seen: Option<String>,
    /// Caveats, e.g. bounds that contradict each other.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// A transformation that was needed before the message verified.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Repair {
    /// `crlf_line_endings`, ...
    pub kind: String,
    /// What was done.
    pub description: String,
    /// SHA-256 of the bytes that were verified after the repair.
    pub verified_sha256: String,
}

/// The visible parts of the message, decoded for display (untrusted text).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MessageSummary {
    /// Top-most From header, decoded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// To.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// Cc.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cc: Option<String>,
    /// Subject, decoded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Date as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// Message-ID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// Domain of the (first) From address in lower-case A-label form
    /// (RFC 8616), the form compared with `d=`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_domain: Option<String>,
    /// `from_domain` in U-label form for readers, present only when it is
    /// an internationalized name (untrusted text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_domain_unicode: Option<String>,
}

/// Tool name and version, recorded in every report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolInfo {
    /// `mailproof`
    pub name: String,
    /// Crate version (of the tool that made the report, which may be another
    /// version when a report is read back from JSON).
    pub version: String,
}

impl Default for ToolInfo {
    fn default() -> Self {
        ToolInfo {
            name: "mailproof".into(),
            version: crate::TOOL_VERSION.into(),
        }
    }
}

/// Everything found about one message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Layout version of this JSON ([`crate::SCHEMA_VERSION`]).
    pub schema_version: u32,
    /// Tool and version.
    pub tool: ToolInfo,
    /// The input path (plus `#N` for the N-th message of an mbox).
    pub source: String,
    /// SHA-256 of the input bytes as read.
    pub input_sha256: String,
    /// Size of the input in bytes.
    pub input_bytes: u64,
    /// The verification time the message was judged at, RFC 3339 UTC
    /// (`2026-06-01T00:00:00Z`): `verify --at`, or the clock when the run
    /// started. It decides the time findings (`signature_expired`,
    /// `timestamp_after_verification_time`); `verify --at` with it gives
    /// the same findings again. Without `--at` it is a timestamp field: it
    /// differs from run to run. `None` for a report of an input that was
    /// not read, and in records written before the field existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_time: Option<String>,
    /// The answer.
    pub verdict: Verdict,
    /// One plain sentence saying the verdict and why.
    pub summary: String,
    /// Visible headers (untrusted text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<MessageSummary>,
    /// Every DKIM-Signature, top first.
    pub signatures: Vec<SignatureReport>,
    /// The ARC chain (RFC 8617), `none` when the message has no ARC sets.
    pub arc: arc::ArcReport,
    /// Observations, most severe first.
    pub findings: Vec<Finding>,
    /// Transformations needed before verification (empty: original bytes).
    pub repairs: Vec<Repair>,
    /// When the deciding signature was made, as far as the evidence shows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_window: Option<TimeWindow>,
    /// Header forensics: coverage map, timeline, Received chain, receivers' results.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forensics: Option<forensics::Forensics>,
    /// What the signature proves, in plain language.
    pub proves: Vec<String>,
    /// What it does not prove.
    pub does_not_prove: Vec<String>,
    /// Why the input could not be read, for `error`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Set when this message was found attached to another one (a forward
    /// "as attachment", a bounce, a digest): that message's `source`. The
    /// verdict is this message's own, not the carrier's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub found_in: Option<String>,
    /// The messages attached to this one, each verified as a message of its
    /// own (see their reports); this report's verdict is not theirs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub carries: Vec<Carried>,
}

/// A message attached to the one reported, and its own verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Carried {
    /// Its `source` (`fwd.eml#attached/1`).
    pub source: String,
    /// Its verdict.
    pub verdict: Verdict,
    /// Its From header, decoded (untrusted text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Its Subject, decoded (untrusted text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
}

impl Report {
    /// The report's verdict in words for readers: [`Verdict::label`], except
    /// that a `headers_verified` report whose body the input format did not
    /// keep (finding `body_not_available`: an Outlook `.msg` or PST item, a
    /// bounce's header copy) reads "Headers verified, body not checked", as
    /// its body was never compared and must not read as changed.
    pub fn label(&self) -> &'static str {
        if self.verdict == Verdict::HeadersVerified && self.body_not_available() {
            "Headers verified, body not checked"
        } else {
            self.verdict.label()
        }
    }

    /// Whether the input kept no body to check (finding
    /// `body_not_available`, see [`crate::Verifier::verify_headers_only`]).
    pub fn body_not_available(&self) -> bool {
        self.findings.iter().any(|f| f.code == "body_not_available")
    }

    /// Whether a partially verified message has a critical finding (a From
    /// or other visible header added above the signed one, an ambiguous MIME
    /// reading): what a reader sees is not what was signed, and every
    /// renderer shows such a report in the critical colour, as `failed`.
    pub fn partial_with_critical_finding(&self) -> bool {
        self.verdict == Verdict::PartiallyVerified
            && self
                .findings
                .iter()
                .any(|f| f.severity == Severity::Critical)
    }
    /// A report for input that could not be read as a message.
    pub fn error(source: &str, bytes: &[u8], why: String) -> Self {
        Report {
            schema_version: crate::SCHEMA_VERSION,
            tool: ToolInfo::default(),
            source: source.to_string(),
            input_sha256: crate::util::sha256_hex(bytes),
            input_bytes: bytes.len() as u64,
            verification_time: None,
            verdict: Verdict::Error,
            summary: format!("{}: {why}.", Verdict::Error.label()),
            message: None,
            signatures: Vec::new(),
            arc: Default::default(),
            findings: Vec::new(),
            repairs: Vec::new(),
            time_window: None,
            forensics: None,
            proves: Vec::new(),
            does_not_prove: Vec::new(),
            error: Some(why),
            found_in: None,
            carries: Vec::new(),
        }
    }

    /// Whether a finding with this code is present.
    pub fn has_finding(&self, code: &str) -> bool {
        self.findings.iter().any(|f| f.code == code)
    }
}

#[cfg(test)]
mod result_name_tests {
    use super::SignatureResult::*;

    #[test]
    fn each_result_has_its_rfc8601_dkim_result() {
        let names: Vec<&str> = [
            Pass,
            BodyHashMismatch,
            BadSignature,
            NoKey,
            KeyRevoked,
            Malformed,
            Temperror,
            Unsupported,
        ]
        .iter()
        .map(|r| r.rfc8601())
        .collect();
        assert_eq!(
            names,
            [
                "pass",
                "fail",
                "fail",
                "permerror",
                "permerror",
                "permerror",
                "temperror",
                "neutral"
            ]
        );
    }
}
