//! The ARC chain as a report states it (RFC 8617 vocabulary).

use super::{KeyReport, ResultReason, SignatureResult};
use serde::Serialize;

/// The chain validation status (RFC 8617 `cv`), as we computed it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArcResult {
    /// No ARC fields at all.
    #[default]
    None,
    /// Every seal verifies, the newest message signature verifies and the
    /// instances and `cv=` values are in order.
    Pass,
    /// Something in the chain is missing, out of order or does not verify.
    Fail,
    /// The chain is in order and no seal or message signature fails its
    /// check, but one needed for validation could not be checked: its
    /// sealer's key is in no source (signature result `no_key`) or its
    /// lookup failed temporarily (`temperror`). Not evidence of tampering;
    /// the detail names the key(s).
    Unverifiable,
}

impl ArcResult {
    /// The JSON string.
    pub fn as_str(self) -> &'static str {
        match self {
            ArcResult::None => "none",
            ArcResult::Pass => "pass",
            ArcResult::Fail => "fail",
            ArcResult::Unverifiable => "unverifiable",
        }
    }
}

/// The ARC chain of a message.
#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
#[serde(default)]
pub struct ArcReport {
    /// `pass`, `fail`, `unverifiable` or `none`.
    pub result: ArcResult,
    /// Why, in words (empty for `none`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
    /// The sets, oldest (instance 1) first.
    pub sets: Vec<ArcSetReport>,
}

/// One ARC set (one intermediary).
#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
#[serde(default)]
pub struct ArcSetReport {
    /// `i=`
    pub instance: u32,
    /// The sealer's domain (`d=` of the ARC-Seal).
    pub domain: Option<String>,
    /// The seal's selector.
    pub selector: Option<String>,
    /// The seal's key and its provenance, when one was found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<KeyReport>,
    /// The `cv=` the sealer recorded for the chain before it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cv: Option<String>,
    /// The ARC-Seal check.
    pub seal: ArcSignatureReport,
    /// The ARC-Message-Signature check.
    pub message_signature: ArcSignatureReport,
    /// What the intermediary recorded on receipt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authentication_results: Option<AarReport>,
}

/// The check of one ARC-Seal or ARC-Message-Signature.
#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
#[serde(default)]
pub struct ArcSignatureReport {
    /// `d=`
    pub domain: Option<String>,
    /// `s=`
    pub selector: Option<String>,
    /// `a=` as written.
    pub algorithm: Option<String>,
    /// Outcome, when checked.
    pub result: Option<SignatureResult>,
    /// Why, when `result` is `malformed` or `unsupported`; absent
    /// otherwise (see [`ResultReason`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<ResultReason>,
    /// Why, in words.
    pub detail: String,
    /// The key that verified, or the first candidate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<KeyReport>,
}

/// An ARC-Authentication-Results field.
#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
#[serde(default)]
pub struct AarReport {
    /// The field value, unfolded.
    pub raw: String,
    /// The authserv-id (who wrote it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authserv_id: Option<String>,
    /// Its `dkim=` results.
    pub dkim: Vec<AarDkim>,
}

/// One `dkim=` result recorded in an AAR.
#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
#[serde(default)]
pub struct AarDkim {
    /// `pass`, `fail`, ...
    pub result: String,
    /// `header.d=`, or the domain of `header.i=`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// `header.s=`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selector: Option<String>,
    /// `header.i=`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
}
