//! DKIM key records (the TXT record at `selector._domainkey.domain`).

use crate::crypto::{KeyError, PublicKey};
use crate::tags;
use base64::Engine;

/// A parsed key record.
#[derive(Debug, Clone)]
pub struct KeyRecord {
    /// `k=` (default `rsa`).
    pub key_type: String,
    /// `h=` acceptable hash algorithms, if restricted.
    pub hashes: Option<Vec<String>>,
    /// `s=` service types (default `*`).
    pub services: Vec<String>,
    /// `t=` flags.
    pub flags: Vec<String>,
    /// `g=` granularity (RFC 4871, dropped by RFC 6376), when published.
    pub granularity: Option<String>,
    /// The key; `None` when `p=` is empty (revoked).
    pub key: Option<PublicKey>,
}

/// Why a key record cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    /// Tag-list syntax.
    #[error("key record syntax: {0}")]
    Syntax(String),
    /// `v=` present but not `DKIM1`, or not first.
    #[error("key record version {0:?} is not DKIM1")]
    Version(String),
    /// `p=` missing.
    #[error("key record has no p= tag")]
    NoKey,
    /// `p=` not base64.
    #[error("key record p= is not valid base64")]
    Base64,
    /// `k=` names a type this verifier does not know.
    #[error("key type k={0:?} is not supported")]
    KeyType(String),
    /// Key bytes unusable.
    #[error("{0}")]
    Key(#[from] KeyError),
}

impl KeyRecord {
    /// Parses a TXT record (all strings already concatenated).
    pub fn parse(txt: &str) -> Result<Self, RecordError> {
        let tags = tags::parse(txt.as_bytes()).map_err(|e| RecordError::Syntax(e.to_string()))?;
        if let Some(v) = tags::get(&tags, "v")
            && (v.value != "DKIM1" || tags[0].name != "v")
        {
            return Err(RecordError::Version(v.value.clone()));
        }
        let list = |name: &str| {
            tags::get(&tags, name).map(|t| {
                tags::strip_ws(&t.value)
                    .split(':')
                    .filter(|s| !s.is_empty())
                    .map(|s| s.to_ascii_lowercase())
                    .collect::<Vec<_>>()
            })
        };
        let key_type = tags::get(&tags, "k")
            .map(|t| tags::strip_ws(&t.value).to_ascii_lowercase())
            .unwrap_or_else(|| "rsa".into());
        let p = tags::get(&tags, "p").ok_or(RecordError::NoKey)?;
        let p = tags::strip_ws(&p.value);
        let key = if p.is_empty() {
            None
        } else {
            let der = base64::engine::general_purpose::STANDARD
                .decode(&p)
                .map_err(|_| RecordError::Base64)?;
            Some(match key_type.as_str() {
                "rsa" => PublicKey::rsa(&der)?,
                "ed25519" => PublicKey::ed25519(&der)?,
                other => return Err(RecordError::KeyType(other.into())),
            })
        };
        Ok(KeyRecord {
            key_type,
            hashes: list("h"),
            services: list("s").unwrap_or_else(|| vec!["*".into()]),
            flags: list("t").unwrap_or_default(),
            granularity: tags::get(&tags, "g").map(|t| tags::strip_ws(&t.value)),
            key,
        })
    }

    /// Whether the RFC 4871 granularity `g=` allows the local-part of `i=`:
    /// `*` alone matches anything, one `*` inside matches any run of
    /// characters, anything else must match exactly (case-sensitively); an
    /// empty `g=` allows nothing.
    pub fn allows_local_part(&self, local: &str) -> bool {
        let Some(g) = &self.granularity else {
            return true;
        };
        match g.split_once('*') {
            _ if g.is_empty() => false,
            None => g == local,
            Some((pre, post)) => {
                local.len() >= pre.len() + post.len()
                    && local.starts_with(pre)
                    && local.ends_with(post)
            }
        }
    }

    /// Whether `t=` carries `flag` (`y` testing, `s` strict identity).
    pub fn has_flag(&self, flag: &str) -> bool {
        self.flags.iter().any(|f| f == flag)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revoked_and_errors() {
        let r = KeyRecord::parse("v=DKIM1; p=").unwrap();
        assert!(r.key.is_none());
        assert_eq!(
            KeyRecord::parse("v=DKIM2; p=").unwrap_err(),
            RecordError::Version("DKIM2".into())
        );
        assert_eq!(KeyRecord::parse("k=rsa").unwrap_err(), RecordError::NoKey);
        assert_eq!(KeyRecord::parse("p=!!!").unwrap_err(), RecordError::Base64);
        assert!(matches!(
            KeyRecord::parse("k=dsa; p=AAAA").unwrap_err(),
            RecordError::KeyType(_)
        ));
        let r = KeyRecord::parse("k=rsa; t=y:s; h=sha256; p=").unwrap();
        assert!(r.has_flag("s") && r.has_flag("y"));
        assert_eq!(r.hashes.unwrap(), ["sha256"]);
    }
}
