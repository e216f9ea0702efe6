//! Reading the `dkim=` results of an Authentication-Results field (RFC 8601
//! section 2.2) or of its ARC copy, the ARC-Authentication-Results field
//! (RFC 8617 section 4.1.1): one reader for the ARC stage, which reports
//! each AAR, and for the evidence stage, which compares every recorded
//! result with our own.

use crate::util::strip_comments;

/// What a field records: its authserv-id and each `dkim=` result.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct AuthResults {
    /// The authserv-id (RFC 8601 2.2), without its optional version;
    /// `None` when the field is empty.
    pub authserv_id: Option<String>,
    /// Each `dkim=` resinfo, in field order.
    pub dkim: Vec<DkimResult>,
}

/// One `dkim=` resinfo.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct DkimResult {
    /// The result, lower-cased (`pass`, `fail`, `neutral`, ...).
    pub result: String,
    /// `header.d`, or else the domain of `header.i`, in lower-case A-label
    /// form (RFC 8616).
    pub domain: Option<String>,
    /// `header.s`, as written.
    pub selector: Option<String>,
    /// `header.i`, as written.
    pub identity: Option<String>,
    /// `header.b`: the first characters of the signature's `b=` value
    /// (RFC 6008), as written.
    pub b_prefix: Option<String>,
}

/// Reads `value`, a field's value (folded or not). With `arc`, a leading
/// `i=N;` (the AAR's instance, RFC 8617 4.1.1) is skipped before the
/// authserv-id. Comments are removed first (RFC 5322 3.2.2); a method
/// written `dkim = pass` (RFC 8601 allows CFWS around `=`) is read like
/// `dkim=pass`. Never fails: what cannot be read is left out.
pub(crate) fn parse(value: &str, arc: bool) -> AuthResults {
    let text = strip_comments(value);
    let mut items = text.split(';').map(str::trim).filter(|s| !s.is_empty());
    let mut first = items.next().unwrap_or_default();
    if arc && first.starts_with("i=") {
        first = items.next().unwrap_or_default();
    }
    let authserv_id = first
        .split_whitespace()
        .next()
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    let dkim = items.filter_map(dkim_result).collect();
    AuthResults { authserv_id, dkim }
}

/// One resinfo, when its method is `dkim`.
fn dkim_result(item: &str) -> Option<DkimResult> {
    let rest = item.strip_prefix("dkim")?.trim_start().strip_prefix('=')?;
    let mut words = rest.split_whitespace();
    let mut d = DkimResult {
        result: words.next()?.to_ascii_lowercase(),
        ..Default::default()
    };
    for w in words {
        let Some((k, v)) = w.split_once('=') else {
            continue;
        };
        let v = v.trim_matches('"').to_string();
        match k.to_ascii_lowercase().as_str() {
            "header.d" => d.domain = Some(crate::idn::to_ascii_lossy(&v)),
            "header.s" => d.selector = Some(v),
            "header.i" => d.identity = Some(v),
            "header.b" => d.b_prefix = Some(v),
            _ => {}
        }
    }
    if d.domain.is_none() {
        d.domain = d
            .identity
            .as_deref()
            .and_then(|i| i.rsplit_once('@'))
            .map(|(_, dom)| crate::idn::to_ascii_lossy(dom));
    }
    Some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_authserv_id_and_each_dkim_result() {
        let r = parse(
            "mx.example.net; (spf first) spf=pass smtp.mailfrom=a.example;\r\n \
             dkim=PASS (2048-bit key) header.d=Example.COM header.s=sel header.b=\"AbC\"; \
             dkim = fail header.i=@bücher.example",
            false,
        );
        assert_eq!(r.authserv_id.as_deref(), Some("mx.example.net"));
        assert_eq!(r.dkim.len(), 2);
        assert_eq!(r.dkim[0].result, "pass");
        assert_eq!(r.dkim[0].domain.as_deref(), Some("example.com"));
        assert_eq!(r.dkim[0].selector.as_deref(), Some("sel"));
        assert_eq!(r.dkim[0].b_prefix.as_deref(), Some("AbC"));
        assert_eq!(r.dkim[1].result, "fail");
        assert_eq!(r.dkim[1].domain.as_deref(), Some("xn--bcher-kva.example"));
        assert_eq!(r.dkim[1].identity.as_deref(), Some("@bücher.example"));
    }

    #[test]
    fn the_aar_instance_is_skipped_only_for_arc() {
        let v = "i=2; relay.example; dkim=pass header.d=a.example";
        assert_eq!(parse(v, true).authserv_id.as_deref(), Some("relay.example"));
        assert_eq!(parse(v, false).authserv_id.as_deref(), Some("i=2"));
        assert_eq!(parse(v, true).dkim.len(), 1);
    }

    #[test]
    fn other_methods_and_empty_fields_give_nothing() {
        assert_eq!(parse("", false), AuthResults::default());
        let r = parse("mx.example; dkim2=pass; dkimx; arc=pass; none", false);
        assert!(r.dkim.is_empty(), "{r:?}");
    }
}
