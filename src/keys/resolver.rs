//! The [`Resolver`]: every key source in order, asked for the candidate keys
//! of one selector. DKIM signatures and ARC sets get their keys from it.

use super::key::{ArchivedKey, KeySource, Lookup, record_name};
use std::sync::Arc;

/// The key sources of a verification, in the order they are consulted:
/// archives named by the user, the built-in archive, then live sources.
pub struct Resolver {
    sources: Vec<Box<dyn KeySource>>,
}

/// What the sources hold for one selector.
#[derive(Debug, Default)]
pub struct Candidates {
    /// Every distinct key, in source order (deduplicated by fingerprint and
    /// record text).
    pub keys: Vec<Arc<ArchivedKey>>,
    /// The first temporary failure of a source, if any (RFC 6376 6.1.2
    /// `TEMPFAIL`).
    pub temperror: Option<String>,
    /// Set when a live source publishes a key that the archives do not
    /// hold: the selector was rotated or re-used since the archived key was
    /// seen.
    pub rotated: Option<String>,
}

impl Resolver {
    /// A resolver over `sources`, consulted in that order.
    pub fn new(sources: Vec<Box<dyn KeySource>>) -> Self {
        Resolver { sources }
    }

    /// Adds a source, consulted after the others.
    pub fn push(&mut self, source: Box<dyn KeySource>) {
        self.sources.push(source);
    }

    /// Names of the sources, in the order consulted.
    pub fn source_names(&self) -> Vec<String> {
        self.sources.iter().map(|s| s.name()).collect()
    }

    /// The candidate keys for `selector._domainkey.domain` from every source.
    pub fn candidates(&self, domain: &str, selector: &str) -> Candidates {
        let mut out = Candidates::default();
        let (mut archived, mut live) = (Vec::new(), Vec::new());
        for s in &self.sources {
            match s.lookup(domain, selector) {
                Lookup::Found(keys) => {
                    for k in keys {
                        let fp = k.sha256().unwrap_or("(no usable key)").to_string();
                        if s.is_live() {
                            live.push(fp);
                        } else {
                            archived.push(fp);
                        }
                        let dup = k.sha256().and(
                            out.keys
                                .iter()
                                .position(|o| o.sha256() == k.sha256() && o.record == k.record),
                        );
                        match dup {
                            None => out.keys.push(k),
                            // The same key published by some source is
                            // stronger evidence than its recovery from the
                            // messages: credit the published one.
                            Some(i)
                                if out.keys[i].provenance.is_recovered()
                                    && !k.provenance.is_recovered() =>
                            {
                                out.keys[i] = k
                            }
                            Some(_) => {}
                        }
                    }
                }
                Lookup::NotFound => {}
                Lookup::TempFail(why) => {
                    out.temperror.get_or_insert(why);
                }
            }
        }
        let fresh: Vec<&String> = live.iter().filter(|fp| !archived.contains(fp)).collect();
        out.rotated = (!archived.is_empty() && !fresh.is_empty()).then(|| {
            format!(
                "{} now publishes a key the archives do not hold (sha256 {}); archived key(s): {}. The selector was rotated (or re-used) since the archived key was seen",
                record_name(domain, selector),
                fresh.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "),
                archived.join(", ")
            )
        });
        out
    }
}
