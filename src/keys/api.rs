//! The public DKIM key archive online: ZK Email's archive
//! (<https://archive.prove.email>), which has collected keys from DNS since
//! 2023 and serves them as `GET /api/key?domain=D` → the JSON list
//! `[{domain, selector, firstSeenAt, lastSeenAt, value}]` (zkemail/archive
//! `src/app/api/key/route.ts`; the same list `keys import` reads from a file).
//!
//! Used by `verify --online` (a [`KeySource`] after the local archives,
//! beside live DNS) and by `keys fetch --archive`. Only the signing domain
//! leaves the machine, once per domain per run (answers are cached, and
//! concurrent lookups of one domain wait for a single request). Every key
//! carries the provenance "public key archive API URL, fetched at T, seen
//! from A to B as served": the dates are the archive's claim, not ours.
//!
//! Any failure (no answer within the timeout, an HTTP status other than
//! 200, malformed JSON, an answer over the size cap, a name that is not a
//! domain) is a temporary failure with its reason (`temperror`), never a
//! verification failure; an empty list means the archive holds no key
//! (`no_key`). HTTP goes through ureq with rustls (aws-lc-rs) and the
//! Mozilla root certificates compiled in (webpki-roots).

use super::archive::KeyArchive;
use super::formats::parse_api_json;
use super::key::{ArchivedKey, KeySource, Lookup};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// The public archive's key endpoint.
pub const DEFAULT_URL: &str = "https://archive.prove.email/api/key";

/// How to reach the archive API.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// The key endpoint (`?domain=D` is appended); a mirror serving the same
    /// answers may stand in for [`DEFAULT_URL`].
    pub url: String,
    /// Time allowed for a whole request (connection, TLS, answer).
    pub timeout: Duration,
    /// Largest answer read, in bytes; a longer one is a failure.
    pub max_bytes: u64,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            url: DEFAULT_URL.to_string(),
            timeout: Duration::from_secs(10),
            max_bytes: 4 << 20,
        }
    }
}

/// The archive's answer for one domain: its keys (possibly none), or why
/// there is no answer.
pub type DomainAnswer = Result<Vec<Arc<ArchivedKey>>, String>;

/// The public key archive API as a key source; remembers every key it
/// handed out.
pub struct ArchiveApi {
    agent: ureq::Agent,
    config: ApiConfig,
    answers: Mutex<HashMap<String, Arc<OnceLock<DomainAnswer>>>>,
    seen: Mutex<KeyArchive>,
}

impl ArchiveApi {
    /// A source asking `config.url`. Nothing is sent until a lookup.
    pub fn new(config: ApiConfig) -> Self {
        let tls = ureq::tls::TlsConfig::builder()
            .provider(ureq::tls::TlsProvider::Rustls)
            .root_certs(ureq::tls::RootCerts::WebPki)
            .unversioned_rustls_crypto_provider(Arc::new(
                rustls::crypto::aws_lc_rs::default_provider(),
            ))
            .build();
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(config.timeout))
            .http_status_as_error(false)
            .max_redirects(3)
            .user_agent(format!("mailproof/{}", crate::TOOL_VERSION))
            .tls_config(tls)
            .build()
            .new_agent();
        ArchiveApi {
            agent,
            config,
            answers: Mutex::new(HashMap::new()),
            seen: Mutex::new(KeyArchive::new("keys served by the public key archive API")),
        }
    }

    /// The endpoint asked.
    pub fn url(&self) -> &str {
        &self.config.url
    }

    /// Every key the archive served for `domain` and its subdomains, asking
    /// at most once per run; all of them are remembered (see [`Self::seen`]).
    pub fn fetch_domain(&self, domain: &str) -> DomainAnswer {
        let answer = self.answer(domain);
        if let (Ok(keys), Ok(mut seen)) = (&answer, self.seen.lock()) {
            for k in keys {
                seen.insert((**k).clone());
            }
        }
        answer
    }

    /// Every key this source has handed out so far, with its evidence.
    pub fn seen(&self) -> KeyArchive {
        self.seen.lock().map(|a| a.clone()).unwrap_or_default()
    }

    /// The cached answer for `domain`, asking the archive the first time.
    fn answer(&self, domain: &str) -> DomainAnswer {
        let domain = crate::idn::to_ascii_lossy(domain);
        let cell = {
            let Ok(mut map) = self.answers.lock() else {
                return Err("the archive API source is unusable after a crash".into());
            };
            map.entry(domain.clone()).or_default().clone()
        };
        cell.get_or_init(|| self.request(&domain)).clone()
    }

    fn request(&self, domain: &str) -> DomainAnswer {
        let url = &self.config.url;
        if !is_domain(domain) {
            return Err(format!(
                "{domain:?} is not a domain name: not sent to the public key archive API"
            ));
        }
        let fail = |why: String| {
            Err(format!(
                "public key archive API {url}, domain {domain}: {why}"
            ))
        };
        let mut response = match self.agent.get(url).query("domain", domain).call() {
            Ok(r) => r,
            Err(ureq::Error::Timeout(_)) => {
                return fail(format!(
                    "no answer within {} s",
                    self.config.timeout.as_secs_f64()
                ));
            }
            Err(e) => return fail(format!("request failed: {e}")),
        };
        let status = response.status().as_u16();
        if status != 200 {
            let what = match status {
                404 => " (not found: is the URL the archive's key endpoint?)",
                429 => " (rate limited: try again later)",
                500..=599 => " (server error)",
                _ => "",
            };
            return fail(format!("HTTP status {status}{what}"));
        }
        let body = response
            .body_mut()
            .with_config()
            .limit(self.config.max_bytes)
            .read_to_vec();
        let body = match body {
            Ok(b) => b,
            Err(ureq::Error::BodyExceedsLimit(_)) => {
                return fail(format!(
                    "the answer is larger than {} bytes",
                    self.config.max_bytes
                ));
            }
            Err(ureq::Error::Timeout(_)) => {
                return fail(format!(
                    "the answer did not arrive within {} s",
                    self.config.timeout.as_secs_f64()
                ));
            }
            Err(e) => return fail(format!("reading the answer failed: {e}")),
        };
        let text = match std::str::from_utf8(&body) {
            Ok(t) => t,
            Err(e) => return fail(format!("the answer is not UTF-8 text: {e}")),
        };
        let entries = match parse_api_json(text) {
            Ok(v) => v,
            Err(e) => {
                return fail(format!(
                    "the answer is not the archive's JSON key list: {e}"
                ));
            }
        };
        let when = crate::util::rfc3339(crate::Clock::now(&crate::SystemClock));
        let suffix = format!(".{domain}");
        let mut keys = Vec::new();
        for e in entries {
            let d = crate::idn::to_ascii_lossy(&e.domain);
            // The API also lists subdomains; anything else is not an answer
            // to the question asked.
            if d != domain && !d.ends_with(&suffix) {
                continue;
            }
            let said = format!(
                "public key archive API {url}, fetched at {when}, seen from {} to {} as served",
                e.first_seen_at.as_deref().unwrap_or("(no date)"),
                e.last_seen_at.as_deref().unwrap_or("(no date)")
            );
            keys.push(Arc::new(e.to_key(said.clone(), said)));
        }
        Ok(keys)
    }
}

/// Letters, digits, `-` and `_` in dot-separated labels of 1 to 63
/// characters, 253 at most: nothing else is sent (a `d=` value is
/// attacker-controlled).
fn is_domain(d: &str) -> bool {
    !d.is_empty()
        && d.len() <= 253
        && d.split('.').all(|l| {
            (1..=63).contains(&l.len())
                && l.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

impl KeySource for ArchiveApi {
    fn name(&self) -> String {
        format!("public key archive API {}", self.config.url)
    }

    fn lookup(&self, domain: &str, selector: &str) -> Lookup {
        let domain = crate::idn::to_ascii_lossy(domain);
        match self.answer(&domain) {
            Err(why) => Lookup::TempFail(why),
            Ok(keys) => {
                let found: Vec<Arc<ArchivedKey>> = keys
                    .iter()
                    .filter(|k| k.domain == domain && k.selector.eq_ignore_ascii_case(selector))
                    .cloned()
                    .collect();
                if found.is_empty() {
                    return Lookup::NotFound;
                }
                if let Ok(mut seen) = self.seen.lock() {
                    for k in &found {
                        seen.insert((**k).clone());
                    }
                }
                Lookup::Found(found)
            }
        }
    }
}

/// Lets a shared [`ArchiveApi`] be handed to the verifier while the caller
/// keeps it to save what it served.
impl KeySource for Arc<ArchiveApi> {
    fn name(&self) -> String {
        self.as_ref().name()
    }
    fn lookup(&self, domain: &str, selector: &str) -> Lookup {
        self.as_ref().lookup(domain, selector)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_domain_names_are_sent() {
        assert!(is_domain("example.com"));
        assert!(is_domain("mail_1.example-2.co"));
        for bad in [
            "",
            "a..b",
            "x.com&selector=s",
            "a/b",
            "é.com",
            "a b",
            &"a".repeat(64),
        ] {
            assert!(!is_domain(bad), "{bad:?}");
        }
        // refused before any request: the URL points nowhere
        let api = ArchiveApi::new(ApiConfig {
            url: "http://127.0.0.1:9/api/key".into(),
            ..Default::default()
        });
        let Lookup::TempFail(why) = api.lookup("x.com&selector=s", "s") else {
            panic!()
        };
        assert!(why.contains("is not a domain name"), "{why}");
    }
}
