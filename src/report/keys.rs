//! Where a key came from: the provenance every key in a report carries.

/// Where a key came from and when it was seen.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Provenance {
    /// The source that supplied it: `built-in archive`, `file keys.zone line 4`, ...
    pub source: String,
    /// Earliest dated evidence of the key (YYYY-MM-DD or RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<String>,
    /// Latest dated evidence of the key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<String>,
    /// Each piece of evidence: where the key was published or observed.
    /// In a report, only evidence independent of the message under
    /// verification (DESIGN.md "no circular key evidence").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub origins: Vec<Origin>,
    /// In a report: evidence that came from the message under verification
    /// itself (a sighting with the same input SHA-256 or Message-ID), left
    /// out of `origins`, `first_seen` and `last_seen` so that the key's
    /// window never rests on the message it is used to judge. Empty in
    /// archives.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub from_this_message: Vec<Origin>,
    /// Free notes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// DNSSEC status of the latest live capture (`secure`, `insecure`,
    /// `bogus`, `indeterminate`, `not_validated`), when the key was seen live.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dnssec: Option<String>,
    /// Set when the private half is known to be published or factored: a
    /// signature by such a key proves nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compromised: Option<String>,
}

impl Provenance {
    /// Whether the key was recovered from signatures (`keys recover`)
    /// rather than published: its source, notes or an origin (one left out
    /// as this message's own included) begins with [`RECOVERED_MARKER`].
    pub fn is_recovered(&self) -> bool {
        self.source.starts_with(RECOVERED_MARKER)
            || self
                .notes
                .as_deref()
                .is_some_and(|n| n.starts_with(RECOVERED_MARKER))
            || self
                .origins
                .iter()
                .chain(&self.from_this_message)
                .any(|o| o.origin.starts_with(RECOVERED_MARKER))
    }
}

/// How the provenance of a key recovered from signatures begins
/// (`recovered from 3 signatures (...)`).
pub const RECOVERED_MARKER: &str = "recovered from ";

/// One piece of evidence for a key.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Origin {
    /// Where: a repository file, a URL, "live DNS via 1.1.1.1:53", ...
    pub origin: String,
    /// When that evidence dates from, if known (YYYY-MM-DD or RFC 3339).
    #[serde(default)]
    pub seen: Option<String>,
    /// TTL of the DNS answer, for a live capture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<u32>,
    /// DNSSEC status of the DNS answer, for a live capture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dnssec: Option<String>,
    /// For a sighting (a real message the key verifies): that message's
    /// Message-ID, angle brackets included, as written in the message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// For a sighting: SHA-256 (lower-case hex) of that message's bytes as
    /// published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_sha256: Option<String>,
}

impl Origin {
    /// Evidence with only a description.
    pub fn new(origin: impl Into<String>, seen: Option<String>) -> Self {
        Origin {
            origin: origin.into(),
            seen,
            ..Default::default()
        }
    }

    /// Whether this evidence is a sighting of the message identified by
    /// `sha256` (lower-case hex of its bytes, any of several copies) or
    /// `message_id` (compared without surrounding white space and angle
    /// brackets, case-sensitively as RFC 5322 3.6.4 leaves the local part).
    pub fn is_from_message(&self, sha256: &[String], message_id: Option<&str>) -> bool {
        let bare = |s: &str| {
            s.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .trim()
                .to_string()
        };
        self.message_sha256
            .as_deref()
            .is_some_and(|h| sha256.iter().any(|s| s.eq_ignore_ascii_case(h.trim())))
            || matches!((self.message_id.as_deref(), message_id), (Some(a), Some(b)) if !bare(a).is_empty() && bare(a) == bare(b))
    }
}
