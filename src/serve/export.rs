//! What the page offers to download: the report as HTML, Markdown and
//! JSON, and the keys used as zone lines, for one message or a whole upload.

use crate::keys::{ArchivedKey, KeyArchive};
use crate::render::{self, Settings};
use crate::report::Report;

/// A download format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The self-contained HTML report (`verify --format html`).
    Html,
    /// The Markdown report (`verify --format markdown`).
    Markdown,
    /// The JSON document (`verify --format json`).
    Json,
    /// The keys the signatures were checked with, as zone lines.
    Keys,
}

impl Kind {
    /// The kind named by the last path segment (`report.html`, ...).
    pub fn from_file(name: &str) -> Option<Kind> {
        match name {
            "report.html" => Some(Kind::Html),
            "report.md" => Some(Kind::Markdown),
            "report.json" => Some(Kind::Json),
            "keys.zone" => Some(Kind::Keys),
            _ => None,
        }
    }

    /// Content-Type of the body.
    pub fn content_type(self) -> &'static str {
        match self {
            Kind::Html => "text/html; charset=utf-8",
            Kind::Markdown => "text/markdown; charset=utf-8",
            Kind::Json => "application/json",
            Kind::Keys => "text/plain; charset=utf-8",
        }
    }

    /// File name extension of a download.
    pub fn extension(self) -> &'static str {
        match self {
            Kind::Html => "html",
            Kind::Markdown => "md",
            Kind::Json => "json",
            Kind::Keys => "zone",
        }
    }
}

/// Renders `reports` as `kind`, with the writer `verify --format` uses
/// (several messages get the overview).
pub fn render(kind: Kind, reports: &[Report], settings: &Settings) -> String {
    let format = match kind {
        Kind::Html => render::Format::Html,
        Kind::Markdown => render::Format::Markdown,
        Kind::Json => render::Format::Json,
        Kind::Keys => return keys_zone(reports),
    };
    let options = render::DocumentOptions {
        settings: settings.clone(),
        memory_only: true,
        ..Default::default()
    };
    let mut w = render::Writer::new(format, Vec::new(), options);
    for r in reports {
        // writing to memory (never to disk: memory_only) cannot fail
        let _ = w.write_report(r);
    }
    let bytes = w.finish().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

/// The keys that the reports' signatures were checked with, as zone lines
/// with their provenance, so that anyone can repeat the verification.
pub fn keys_zone(reports: &[Report]) -> String {
    let mut archive = KeyArchive::new("keys used");
    for s in reports.iter().flat_map(|r| &r.signatures) {
        if let (Some(k), Some(d), Some(sel)) = (&s.key, &s.domain, &s.selector) {
            archive.insert(ArchivedKey::new(d, sel, &k.record, k.provenance.clone()));
        }
    }
    if archive.is_empty() {
        return "; No key was found for any signature of these messages.\n".to_string();
    }
    crate::keys::export::to_zone(&archive)
}

/// The download file name of `reports`: after the message's file for one
/// message, after the uploaded file for several (the part of their sources
/// before `#N` or a zip's `/entry`; "…-and-more" when they came from several
/// files).
pub fn download_name(reports: &[Report], kind: Kind) -> String {
    let upload = |r: &Report| {
        let s = r.source.as_str();
        s.find(['#', '/']).map_or(s, |i| &s[..i]).to_string()
    };
    match reports {
        [] => file_name(None, kind),
        [r] => file_name(Some(&r.source), kind),
        [first, rest @ ..] => {
            let name = upload(first);
            if rest.iter().all(|r| upload(r) == name) {
                file_name(Some(&name), kind)
            } else {
                let stem = name.rsplit_once('.').map_or(name.as_str(), |(a, _)| a);
                // file_name drops the last extension: ".x" stands for it
                file_name(Some(&format!("{stem}-and-more.x")), kind)
            }
        }
    }
}

/// A download file name from the message's source: letters, digits, `-`
/// and `_` only (the source is untrusted and ends up in a header).
pub fn file_name(source: Option<&str>, kind: Kind) -> String {
    let stem = source
        .map(|s| {
            let base = s.rsplit(['/', '\\']).next().unwrap_or(s);
            let base = base.rsplit_once('.').map_or(base, |(a, _)| a);
            let cleaned: String = base
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                        c
                    } else {
                        '-'
                    }
                })
                .take(60)
                .collect();
            cleaned.trim_matches('-').to_string()
        })
        .filter(|s| !s.is_empty());
    let what = if kind == Kind::Keys { "keys" } else { "report" };
    match stem {
        Some(s) => format!("mailproof-{what}-{s}.{}", kind.extension()),
        None => format!("mailproof-{what}.{}", kind.extension()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_tame() {
        assert_eq!(
            file_name(Some("x/Meeting for coffee.eml"), Kind::Html),
            "mailproof-report-Meeting-for-coffee.html"
        );
        assert_eq!(
            file_name(Some("\"; evil\r\n.eml"), Kind::Keys),
            "mailproof-keys-evil.zone"
        );
        assert_eq!(file_name(None, Kind::Json), "mailproof-report.json");
    }

    #[test]
    fn downloads_of_several_messages_are_named_after_the_upload() {
        let r = |s: &str| Report::error(s, b"", "x".into());
        let mbox = [r("leak 2015.mbox#1"), r("leak 2015.mbox#2")];
        assert_eq!(
            download_name(&mbox, Kind::Html),
            "mailproof-report-leak-2015.html"
        );
        let zip = [r("dump.zip/a.eml"), r("dump.zip/b/c.mbox#3")];
        assert_eq!(download_name(&zip, Kind::Keys), "mailproof-keys-dump.zone");
        let two = [r("a.eml"), r("b.eml")];
        assert_eq!(
            download_name(&two, Kind::Markdown),
            "mailproof-report-a-and-more.md"
        );
        assert_eq!(
            download_name(&mbox[..1], Kind::Json),
            "mailproof-report-leak-2015.json"
        );
    }
}
