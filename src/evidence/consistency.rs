//! Message-ID and mail program hints. Never proof of forgery: software and
//! relays vary; these findings are `info` and say so.

use crate::message::RawMessage;
use crate::report::{Finding, Severity};
use crate::util::org_domain;

/// `message_id_domain_mismatch`, `mailer_mismatch`.
pub(crate) fn findings(
    msg: &RawMessage<'_>,
    from_domain: Option<&str>,
    signers: &[String],
    out: &mut Vec<Finding>,
) {
    let Some(mid) = msg.fields("Message-ID").next().map(|h| h.text()) else {
        return;
    };
    let id = mid.trim().trim_start_matches('<').trim_end_matches('>');
    let Some((local, domain)) = id.rsplit_once('@') else {
        return;
    };
    // compared in A-label form (RFC 8616): a U-label Message-ID domain is
    // the same domain as its xn-- spelling
    let domain = crate::idn::to_ascii_lossy(domain);
    let mid_org = org_domain(&domain);
    let known = from_domain
        .map(org_domain)
        .into_iter()
        .chain(signers.iter().map(|s| org_domain(s)));
    let known: Vec<String> = known.collect();
    let generator = generator(local, &domain);
    if !known.is_empty() && !known.contains(&mid_org) && generator.is_none() {
        out.push(Finding::new(
            "message_id_domain_mismatch",
            Severity::Info,
            format!(
                "the Message-ID domain ({domain}) belongs to neither the From domain nor a signer ({}); common with third-party senders, not a sign of forgery on its own",
                known.join(", ")
            ),
            None,
        ));
    }
    let mailer = msg
        .fields("X-Mailer")
        .chain(msg.fields("User-Agent"))
        .next()
        .map(|h| h.text());
    if let (Some(mailer), Some(generator)) = (mailer, generator) {
        let m = mailer.to_ascii_lowercase();
        let claims_apple =
            m.contains("iphone mail") || m.contains("apple mail") || m.contains("ipad mail");
        let claims_outlook = m.contains("microsoft outlook");
        let mismatch = (claims_apple && generator != "Apple Mail")
            || (claims_outlook && generator == "Apple Mail");
        if mismatch {
            out.push(Finding::new(
                "mailer_mismatch",
                Severity::Info,
                format!(
                    "the mail program header says {mailer:?} but the Message-ID looks like one made by {generator}; clients and relays sometimes rewrite either, so this proves nothing by itself"
                ),
                None,
            ));
        }
    }
}

/// Recognises the Message-ID formats of a few common generators.
fn generator(local: &str, domain: &str) -> Option<&'static str> {
    if domain == "mail.gmail.com" {
        return Some("Gmail");
    }
    if domain.ends_with(".prod.outlook.com") || domain.ends_with("outlook.com") && local.len() > 30
    {
        return Some("Outlook.com / Exchange Online");
    }
    let uuid = local.len() == 36
        && local.char_indices().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        });
    if uuid && local.chars().all(|c| !c.is_ascii_lowercase()) {
        return Some("Apple Mail");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_generators() {
        assert_eq!(generator("CAE0=abc", "mail.gmail.com"), Some("Gmail"));
        assert_eq!(
            generator("B5B4D8A3-1C2D-4E5F-8A9B-0C1D2E3F4A5B", "gmail.com"),
            Some("Apple Mail")
        );
        assert_eq!(generator("12345", "example.com"), None);
    }
}
