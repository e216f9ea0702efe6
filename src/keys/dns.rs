//! Live DNS: the key published now, with the evidence of having seen it.
//!
//! Used by `verify --online` (a [`KeySource`] consulted after the archives)
//! and by `keys fetch`. Every answer is recorded as an [`ArchivedKey`] whose
//! provenance says when it was seen, through which resolver, with which TTL
//! and DNSSEC status, so that today's key can be preserved before it rotates.
//!
//! Lookups go through hickory-resolver (mail-auth's re-export) on a
//! single-threaded tokio runtime owned by the source; callers stay
//! synchronous. A timeout, SERVFAIL or any transport failure is a temporary
//! failure (`temperror`), never a verification failure; NXDOMAIN and an
//! empty answer mean the selector has no key (`no_key`).

use super::archive::KeyArchive;
use super::key::{ArchivedKey, KeySource, Lookup, Origin, Provenance, record_name};
use mail_auth::hickory_resolver::{
    self as hr,
    config::{ConnectionConfig, NameServerConfig, ResolveHosts, ResolverConfig},
    net::{DnsError, NetError, runtime::TokioRuntimeProvider},
    proto::{
        op::ResponseCode,
        rr::{RData, RecordType},
    },
};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How to reach DNS.
#[derive(Debug, Clone)]
pub struct DnsConfig {
    /// The resolver to ask (`IP:PORT`); `None` uses the system's resolvers.
    pub resolver: Option<SocketAddr>,
    /// Time allowed per attempt.
    pub timeout: Duration,
    /// Attempts before giving up.
    pub attempts: usize,
    /// Validate DNSSEC locally (from the root trust anchor) and record the
    /// result; without it the status is `not_validated`.
    pub dnssec: bool,
}

impl Default for DnsConfig {
    fn default() -> Self {
        DnsConfig {
            resolver: None,
            timeout: Duration::from_secs(5),
            attempts: 2,
            dnssec: false,
        }
    }
}

/// Why a DNS source could not be set up.
#[derive(Debug, thiserror::Error)]
#[error("cannot set up DNS: {0}")]
pub struct DnsSetupError(String);

/// The answer of live DNS for one selector.
#[derive(Debug, Clone)]
pub enum Fetched {
    /// The TXT records published now, with their capture evidence.
    Found(Vec<ArchivedKey>),
    /// The name does not exist or has no TXT record.
    NotFound(String),
    /// No answer now (timeout, SERVFAIL, network): try again later.
    TempFail(String),
}

/// Live DNS as a key source; remembers every key it saw.
pub struct DnsSource {
    runtime: tokio::runtime::Runtime,
    resolver: hr::TokioResolver,
    label: String,
    dnssec: bool,
    seen: Mutex<KeyArchive>,
}

impl DnsSource {
    /// A source asking `config.resolver` (or the system's resolvers).
    pub fn new(config: &DnsConfig) -> Result<Self, DnsSetupError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| DnsSetupError(e.to_string()))?;
        let provider = TokioRuntimeProvider::default();
        let (mut builder, label) = match config.resolver {
            Some(addr) => {
                let conns = [ConnectionConfig::udp(), ConnectionConfig::tcp()]
                    .into_iter()
                    .map(|mut c| {
                        c.port = addr.port();
                        c
                    })
                    .collect();
                let ns = NameServerConfig::new(addr.ip(), true, conns);
                let cfg = ResolverConfig::from_name_servers(vec![ns]);
                (
                    hr::Resolver::builder_with_config(cfg, provider),
                    format!("live DNS via {addr}"),
                )
            }
            None => {
                let b = hr::Resolver::builder(provider).map_err(|e| {
                    DnsSetupError(format!(
                        "cannot read the system resolver configuration: {e}"
                    ))
                })?;
                (b, "live DNS via the system resolver".to_string())
            }
        };
        let opts = builder.options_mut();
        opts.timeout = config.timeout;
        opts.attempts = config.attempts.max(1);
        opts.use_hosts_file = ResolveHosts::Never;
        opts.cache_size = 0;
        opts.validate = config.dnssec;
        let resolver = {
            let _guard = runtime.enter();
            builder.build().map_err(|e| DnsSetupError(e.to_string()))?
        };
        Ok(DnsSource {
            runtime,
            resolver,
            label,
            dnssec: config.dnssec,
            seen: Mutex::new(KeyArchive::new("keys seen in live DNS")),
        })
    }

    /// Asks DNS for the TXT records of `selector._domainkey.domain` now.
    pub fn fetch(&self, domain: &str, selector: &str) -> Fetched {
        let name = record_name(domain, selector);
        let fqdn = format!("{name}.");
        let answer = self
            .runtime
            .block_on(self.resolver.lookup(fqdn.as_str(), RecordType::TXT));
        let lookup = match answer {
            Ok(l) => l,
            Err(e) => return classify(&name, &e),
        };
        let when = crate::util::rfc3339(now());
        let mut keys = Vec::new();
        for rec in lookup.answers() {
            let RData::TXT(txt) = &rec.data else { continue };
            let bytes: Vec<u8> = txt
                .txt_data
                .iter()
                .flat_map(|s| s.iter().copied())
                .collect();
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let dnssec = self.dnssec_status(rec);
            let origin = Origin {
                origin: self.label.clone(),
                seen: Some(when.clone()),
                ttl: Some(rec.ttl),
                dnssec: Some(dnssec.clone()),
                ..Default::default()
            };
            let provenance = Provenance {
                source: format!("{} at {when}", self.label),
                first_seen: Some(when.clone()),
                last_seen: Some(when.clone()),
                origins: vec![origin],
                dnssec: Some(dnssec),
                ..Default::default()
            };
            keys.push(ArchivedKey::new(domain, selector, &text, provenance));
        }
        if keys.is_empty() {
            return Fetched::NotFound(format!("{name}: no TXT record in the answer"));
        }
        if let Ok(mut seen) = self.seen.lock() {
            for k in &keys {
                seen.insert(k.clone());
            }
        }
        Fetched::Found(keys)
    }

    /// Every key this source has seen so far, with its capture evidence.
    pub fn seen(&self) -> KeyArchive {
        self.seen.lock().map(|a| a.clone()).unwrap_or_default()
    }

    #[cfg(test)]
    fn label(&self) -> &str {
        &self.label
    }

    fn dnssec_status(&self, rec: &hr::proto::rr::Record) -> String {
        if !self.dnssec {
            return "not_validated".into();
        }
        use hr::proto::dnssec::Proof;
        match rec.proof {
            Proof::Secure => "secure",
            Proof::Insecure => "insecure",
            Proof::Bogus => "bogus",
            Proof::Indeterminate => "indeterminate",
        }
        .into()
    }
}

fn now() -> i64 {
    crate::clock::SystemClock.now()
}

use crate::clock::Clock as _;

/// Sorts a resolver error into "no such key" and "try again later".
fn classify(name: &str, e: &NetError) -> Fetched {
    if e.is_nx_domain() {
        return Fetched::NotFound(format!("{name}: NXDOMAIN (no such name)"));
    }
    if e.is_no_records_found() {
        return Fetched::NotFound(format!("{name}: the name has no TXT record"));
    }
    let why = match e {
        NetError::Timeout => "DNS timeout (no answer from the resolver)".to_string(),
        NetError::Dns(DnsError::ResponseCode(ResponseCode::ServFail)) => {
            "DNS SERVFAIL (the resolver could not get an answer)".to_string()
        }
        NetError::Dns(DnsError::ResponseCode(code)) => format!("DNS error response {code}"),
        NetError::Dns(DnsError::DnssecBogus) => "DNSSEC validation failed (bogus)".to_string(),
        other => format!("DNS lookup failed: {other}"),
    };
    Fetched::TempFail(format!("{name}: {why}"))
}

impl KeySource for DnsSource {
    fn name(&self) -> String {
        self.label.clone()
    }

    fn lookup(&self, domain: &str, selector: &str) -> Lookup {
        match self.fetch(domain, selector) {
            Fetched::Found(keys) => Lookup::Found(keys.into_iter().map(Arc::new).collect()),
            Fetched::NotFound(_) => Lookup::NotFound,
            Fetched::TempFail(why) => Lookup::TempFail(why),
        }
    }

    fn is_live(&self) -> bool {
        true
    }
}

/// Lets a shared [`DnsSource`] be handed to the verifier while the caller
/// keeps it to save what it saw.
impl KeySource for Arc<DnsSource> {
    fn name(&self) -> String {
        self.as_ref().name()
    }
    fn lookup(&self, domain: &str, selector: &str) -> Lookup {
        self.as_ref().lookup(domain, selector)
    }
    fn is_live(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_names_the_resolver() {
        let s = DnsSource::new(&DnsConfig {
            resolver: Some("127.0.0.1:5353".parse().unwrap()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(s.label(), "live DNS via 127.0.0.1:5353");
        assert!(s.seen().is_empty());
    }
}
