//! Header forensics as a report states it: coverage of what a reader sees,
//! the Received chain, the timeline and the receivers' recorded results.

use serde::Serialize;

/// Everything header forensics found about one message.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Forensics {
    /// Which visible parts a verified signature covers.
    pub coverage: Coverage,
    /// Every timestamp, in time order.
    pub timeline: Vec<TimelineEntry>,
    /// The Received chain, top (last hop) first.
    pub received: Vec<Hop>,
    /// `dkim=` results the receivers recorded, compared with ours.
    pub receiver_results: Vec<ReceiverResult>,
}

/// Coverage of the whole message.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Coverage {
    /// One entry per instance of a visible header, top first.
    pub headers: Vec<HeaderCoverage>,
    /// The body.
    pub body: BodyCoverage,
}

/// One visible header instance.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct HeaderCoverage {
    /// Header name as written.
    pub name: String,
    /// 1 = top-most instance of this name.
    pub instance: usize,
    /// How many instances of this name the message has.
    pub instances: usize,
    /// The value as the header block shows it (untrusted text): unfolded,
    /// encoded words decoded, addresses as `name <addr-spec>`.
    pub value: String,
    /// `authenticated`, `added_after_signing` or `not_covered`.
    pub status: String,
    /// Signatures (1-based) whose verified header signature covers this instance.
    pub signatures: Vec<usize>,
}

/// The body.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct BodyCoverage {
    /// `authenticated`, `partially_authenticated` (an `l=` limit), `changed`
    /// (body hash mismatch), `not_available` (the input kept no body to
    /// compare: an Outlook `.msg` or PST item) or `not_authenticated`.
    pub status: String,
    /// The signature that decides this status (1-based).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature: Option<usize>,
    /// Canonical body length.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub canonical_bytes: Option<u64>,
    /// Bytes covered when `l=` limits the signature.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signed_bytes: Option<u64>,
    /// MIME parts and where they fall, when `l=` limits the signature.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<PartCoverage>,
}

/// One MIME leaf part relative to an `l=` limit.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct PartCoverage {
    /// Content type (`text/plain`).
    pub content_type: String,
    /// Attachment file name, if any (untrusted text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    /// Byte range of the part in the raw body.
    pub start: u64,
    /// End of that range.
    pub end: u64,
    /// `signed`, `partly_signed` or `not_signed` (by raw offsets, which for
    /// relaxed canonicalization are approximate).
    pub status: String,
}

/// One relay hop, as its Received header field states it.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Hop {
    /// Position among the Received fields counted from the top (1 = the
    /// last hop, added by the final receiver).
    pub position: usize,
    /// Index of the header field in the message (0 = first line).
    #[serde(skip)]
    pub field: usize,
    /// `from` clause (the sending host as it named itself).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// `by` clause (the receiving host).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// `with` clause (protocol).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub with: Option<String>,
    /// `id` clause.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Timestamp as RFC 3339 UTC.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// Time zone offset as written (`-0700`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    /// Unix time.
    #[serde(skip)]
    pub unix: Option<i64>,
    /// Zone offset in minutes east of UTC.
    #[serde(skip)]
    pub offset_minutes: Option<i32>,
}

/// One timestamp.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct TimelineEntry {
    /// RFC 3339 UTC.
    pub time: String,
    /// Where it comes from, in words.
    pub source: String,
    /// Whether a verified signature covers it.
    pub signed: bool,
    /// Unix time (not serialized).
    #[serde(skip)]
    pub(crate) unix: i64,
}

/// One `dkim=` result a receiver recorded.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct ReceiverResult {
    /// `Authentication-Results` or `ARC-Authentication-Results`.
    pub header: String,
    /// The authserv-id (who recorded it).
    pub authserv_id: String,
    /// Whether this result can be trusted, and why (or why not).
    pub trusted: bool,
    /// The reason for `trusted`.
    pub trust: String,
    /// The recorded result (`pass`, `fail`, `neutral`, ...).
    pub result: String,
    /// `header.d` (or the domain of `header.i`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// `header.s`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selector: Option<String>,
    /// `header.b` (a prefix of the signature it judged).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature_prefix: Option<String>,
    /// Our signature (1-based) it refers to, if one matches.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub our_signature: Option<usize>,
    /// `agrees`, `disagrees`, `unconfirmed` (we could not check), or
    /// `no_matching_signature`.
    pub comparison: String,
}
