//! What every response passes through: the Host check against DNS
//! rebinding, the Origin check against other web pages posting to the
//! server, and the headers that keep results out of caches and forbid any
//! script but the page's own.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use std::sync::Arc;

/// CSP of the page: its own script and style files only, requests to itself
/// only, frames from itself only (the report view), embeddable nowhere.
pub const PAGE_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self'; connect-src 'self'; frame-src 'self'; form-action 'none'; \
     base-uri 'none'; frame-ancestors 'none'";

/// CSP of a report: no script at all, its inline style, and framed only by
/// the page.
pub const REPORT_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'self'";

/// The Host header values the server answers: the loopback names with the
/// bound port, and the bound address itself when it is a specific one.
pub fn allowed_hosts(addr: SocketAddr) -> Vec<String> {
    let port = addr.port();
    let mut v = vec![format!("127.0.0.1:{port}"), format!("localhost:{port}")];
    let own = match addr {
        SocketAddr::V4(a) => a.ip().to_string(),
        SocketAddr::V6(a) => format!("[{}]", a.ip()),
    };
    if !addr.ip().is_unspecified() && !v.contains(&format!("{own}:{port}")) {
        v.push(format!("{own}:{port}"));
    }
    v
}

/// Rejects requests for another Host (421) or, for anything but GET and
/// HEAD, from another origin (403); sets the safety headers on the rest.
pub async fn guard(State(allowed): State<Arc<Vec<String>>>, req: Request, next: Next) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    if !allowed.iter().any(|a| a.eq_ignore_ascii_case(host)) {
        return finish(
            (
                StatusCode::MISDIRECTED_REQUEST,
                format!(
                    "mailproof answers only requests for {}. Open the address that `mailproof serve` printed.\n",
                    allowed.join(" or ")
                ),
            )
                .into_response(),
        );
    }
    if !matches!(*req.method(), Method::GET | Method::HEAD) && !same_origin(req.headers(), host) {
        return finish(
            (
                StatusCode::FORBIDDEN,
                "mailproof accepts uploads only from its own page.\n",
            )
                .into_response(),
        );
    }
    finish(next.run(req).await)
}

/// Whether a state-changing request comes from the page itself. Browsers
/// send `Origin` on every cross-origin POST and `Sec-Fetch-Site` on all
/// requests; tools that send neither are not web pages and are let through.
fn same_origin(h: &HeaderMap, host: &str) -> bool {
    let origin_ok = match h.get(header::ORIGIN).map(|o| o.to_str().unwrap_or("")) {
        None => true,
        Some(o) => o.eq_ignore_ascii_case(&format!("http://{host}")),
    };
    let site_ok = match h.get("sec-fetch-site").map(|o| o.to_str().unwrap_or("")) {
        None => true,
        Some(s) => matches!(s, "same-origin" | "none"),
    };
    origin_ok && site_ok
}

fn finish(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    let defaults: [(header::HeaderName, &'static str); 7] = [
        (header::CONTENT_SECURITY_POLICY, PAGE_CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::CACHE_CONTROL, "no-store"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (
            header::HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
        (
            header::HeaderName::from_static("cross-origin-resource-policy"),
            "same-origin",
        ),
    ];
    for (name, value) in defaults {
        if !h.contains_key(&name) {
            h.insert(name, HeaderValue::from_static(value));
        }
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_for_loopback_and_specific_addresses() {
        assert_eq!(
            allowed_hosts("127.0.0.1:8025".parse().unwrap()),
            ["127.0.0.1:8025", "localhost:8025"]
        );
        assert_eq!(
            allowed_hosts("0.0.0.0:80".parse().unwrap()),
            ["127.0.0.1:80", "localhost:80"]
        );
        assert_eq!(
            allowed_hosts("[::1]:9".parse().unwrap()),
            ["127.0.0.1:9", "localhost:9", "[::1]:9"]
        );
    }

    #[test]
    fn origin_rules() {
        let mut h = HeaderMap::new();
        assert!(same_origin(&h, "127.0.0.1:1"));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:1"),
        );
        assert!(same_origin(&h, "127.0.0.1:1"));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://evil.example"),
        );
        assert!(!same_origin(&h, "127.0.0.1:1"));
        let mut h = HeaderMap::new();
        h.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(!same_origin(&h, "127.0.0.1:1"));
    }
}
