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

/// Why a key record cannot be used (RFC 6376 §3.6.1). The messages say what
/// is wrong and what the record should hold instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    /// Tag-list syntax (RFC 6376 §3.2).
    #[error("key record is not a valid tag list: {0}")]
    Syntax(String),
    /// `v=` present with a value other than `DKIM1`.
    #[error("key record v={0:?} is not a DKIM key record version (the only version is v=DKIM1)")]
    Version(String),
    /// `v=DKIM1` present, but not as the first tag; the number is its
    /// 1-based position.
    #[error("key record has v=DKIM1 as tag {0}, but v= must be the first tag when present")]
    VersionNotFirst(usize),
    /// `p=` missing.
    #[error("key record has no p= tag (the public key data)")]
    NoKey,
    /// `p=` not base64; the reason from the decoder.
    #[error("key record p= is not valid base64: {0}")]
    Base64(String),
    /// `k=` names a type this verifier does not know.
    #[error("key type k={0:?} is not supported (only k=rsa and k=ed25519 are)")]
    KeyType(String),
    /// Key bytes unusable.
    #[error("{0}")]
    Key(#[from] KeyError),
}

impl KeyRecord {
    /// Parses a TXT record (all strings already concatenated).
    pub fn parse(txt: &str) -> Result<Self, RecordError> {
        let tags = tags::parse(txt.as_bytes()).map_err(|e| RecordError::Syntax(e.to_string()))?;
        if let Some(pos) = tags.iter().position(|t| t.name == "v") {
            if tags[pos].value != "DKIM1" {
                return Err(RecordError::Version(tags[pos].value.clone()));
            }
            if pos != 0 {
                return Err(RecordError::VersionNotFirst(pos + 1));
            }
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
                .map_err(|e| RecordError::Base64(e.to_string()))?;
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

    const KEY512: &str = "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAP8GA3mvMMWjkJ9CQTE5115ZuwHUwpKaK/34OjPx6sU4I8mK1fZaxFs+a6EjP6AIzRjY8BnUQqIdLBYjPG5GJW0CAwEAAQ==";

    fn err(txt: &str) -> (RecordError, String) {
        let e = KeyRecord::parse(txt).unwrap_err();
        let s = e.to_string();
        (e, s)
    }

    #[test]
    fn revoked_flags_and_hashes() {
        let r = KeyRecord::parse("v=DKIM1; p=").unwrap();
        assert!(r.key.is_none());
        let r = KeyRecord::parse("k=rsa; t=y:s; h=sha256; p=").unwrap();
        assert!(r.has_flag("s") && r.has_flag("y"));
        assert_eq!(r.hashes.unwrap(), ["sha256"]);
        let r = KeyRecord::parse(&format!("v=DKIM1; k=rsa; p={KEY512}")).unwrap();
        assert_eq!(r.key.unwrap().bits, 512);
    }

    #[test]
    fn syntax_error_names_the_element() {
        let (e, s) = err("v=DKIM1;p");
        assert!(matches!(e, RecordError::Syntax(_)));
        assert_eq!(
            s,
            "key record is not a valid tag list: tag list element \"p\" has no '='"
        );
    }

    #[test]
    fn wrong_version_names_the_value_and_the_right_one() {
        let (e, s) = err("v=DKIM2; p=");
        assert_eq!(e, RecordError::Version("DKIM2".into()));
        assert_eq!(
            s,
            "key record v=\"DKIM2\" is not a DKIM key record version (the only version is v=DKIM1)"
        );
    }

    #[test]
    fn version_not_first_says_so() {
        let (e, s) = err("k=rsa; v=DKIM1; p=");
        assert_eq!(e, RecordError::VersionNotFirst(2));
        assert_eq!(
            s,
            "key record has v=DKIM1 as tag 2, but v= must be the first tag when present"
        );
        assert!(!s.contains("is not DKIM1"), "{s}");
    }

    #[test]
    fn missing_key_data() {
        let (e, s) = err("v=DKIM1; k=rsa");
        assert_eq!(e, RecordError::NoKey);
        assert_eq!(s, "key record has no p= tag (the public key data)");
    }

    #[test]
    fn bad_base64_gives_the_decoder_reason() {
        let (e, s) = err("p=!!!");
        assert!(matches!(e, RecordError::Base64(_)));
        assert!(
            s.starts_with("key record p= is not valid base64: ") && s.contains("offset 0"),
            "{s}"
        );
    }

    #[test]
    fn unknown_key_type_lists_the_known_ones() {
        let (e, s) = err("k=dsa; p=AAAA");
        assert_eq!(e, RecordError::KeyType("dsa".into()));
        assert_eq!(
            s,
            "key type k=\"dsa\" is not supported (only k=rsa and k=ed25519 are)"
        );
    }

    #[test]
    fn unusable_key_bytes() {
        let (e, s) = err("k=ed25519; p=AAAA");
        assert!(matches!(e, RecordError::Key(KeyError::BadEd25519(3))));
        assert_eq!(
            s,
            "p= is not a valid Ed25519 public key (3 bytes, expected 32)"
        );
        let (e, s) = err("p=AAAA");
        assert!(matches!(e, RecordError::Key(KeyError::BadRsa(_))));
        assert!(s.starts_with("p= is not a valid RSA public key"), "{s}");
    }
}
