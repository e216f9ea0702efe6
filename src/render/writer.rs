//! One output path for every command that prints reports (`verify`,
//! `report`, batch runs and the web page's downloads): a [`Format`] and a
//! [`Writer`] that takes the reports one at a time and writes them to any
//! `io::Write`.
//!
//! Record formats (text, JSON Lines) are written as each report comes, and
//! so is the JSON document (its totals per verdict come after the reports).
//! HTML and Markdown put the overview and the contents table before the
//! messages; the writer keeps only the aggregate [`Overview`] and spools the
//! rendered per-message parts, in memory while they are small and
//! in an unnamed temporary file past [`SPOOL_IN_MEMORY`] bytes, so that
//! memory stays flat whatever the number of messages.

use super::document::Settings;
use super::overview::Overview;
use super::{html, markdown};
use crate::report::{Report, Verdict};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Seek, Write};

/// Spooled bytes kept in memory before they move to a temporary file.
pub const SPOOL_IN_MEMORY: usize = 4 << 20;

/// An output format of reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Text for people, one block per message.
    Text,
    /// One pretty-printed JSON document: every report, the totals per
    /// verdict and the settings used.
    Json,
    /// One JSON object per line, one line per message (DESIGN.md).
    Jsonl,
    /// One self-contained HTML file to publish.
    Html,
    /// GitHub-flavoured Markdown to publish.
    Markdown,
}

impl Format {
    /// Whether each message is written as it comes, with nothing before or
    /// after the records (text, JSON Lines).
    pub fn is_record_format(self) -> bool {
        matches!(self, Format::Text | Format::Jsonl)
    }

    /// Prepares one report for a [`Writer`] of this format: the formats
    /// whose per-message text does not depend on its place in the output are
    /// rendered here, so that the caller can do it on a worker thread.
    pub fn record(self, report: Report) -> Record {
        let verdict = report.verdict;
        match self {
            Format::Text => {
                let (head, details) = super::text::parts(&report);
                Record::Text {
                    verdict,
                    head,
                    details,
                }
            }
            Format::Jsonl => Record::Rendered {
                verdict,
                text: super::document::jsonl_line(&report) + "\n",
            },
            Format::Json => Record::Rendered {
                verdict,
                text: json_element(&report),
            },
            Format::Html | Format::Markdown => Record::Report(Box::new(report)),
        }
    }
}

/// One report, ready for a [`Writer`] (see [`Format::record`]).
pub enum Record {
    /// Rendered already, in the writer's format.
    Rendered {
        /// The report's verdict (counted for the totals).
        verdict: Verdict,
        /// The record's bytes, line end included.
        text: String,
    },
    /// A text record in two parts: the verdict and the account, then the
    /// technical details (none for an error). The writer puts the words
    /// the details use, explained, between them for the first record of a
    /// run, and a line pointing back to them for the others.
    Text {
        /// The report's verdict.
        verdict: Verdict,
        /// The verdict, the summary and what the signature proves.
        head: String,
        /// The technical details.
        details: Option<String>,
    },
    /// The report itself, rendered by the writer.
    Report(Box<Report>),
}

/// When a document (HTML, Markdown) gets the multi-message overview.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverviewMode {
    /// Only when it holds more than one message (`verify`, the page).
    WhenSeveral,
    /// Always (`report`).
    Always,
}

/// What a document holds besides the reports.
#[derive(Debug, Clone)]
pub struct DocumentOptions {
    /// Settings recorded in a JSON document.
    pub settings: Settings,
    /// When HTML and Markdown get the overview.
    pub overview: OverviewMode,
    /// Most messages with a section of their own in HTML and Markdown (the
    /// overview still counts every message); `None` for all.
    pub limit: Option<usize>,
    /// Keep the spooled parts in memory whatever their size (the web page
    /// promises that nothing is written to disk).
    pub memory_only: bool,
}

impl Default for DocumentOptions {
    fn default() -> Self {
        DocumentOptions {
            settings: Settings::default(),
            overview: OverviewMode::WhenSeveral,
            limit: None,
            memory_only: false,
        }
    }
}

/// Writes reports in one [`Format`] to `W`, one at a time; [`Writer::finish`]
/// completes the document. Errors are the underlying writer's (a closed
/// pipe included).
pub struct Writer<W: Write> {
    out: W,
    state: State,
}

enum State {
    /// Text and JSON Lines; for text, whether the glossary was written.
    Records {
        glossary_written: bool,
    },
    Json(Box<JsonDoc>),
    Publish(Box<Publish>),
}

impl<W: Write> Writer<W> {
    /// A writer of `format` to `out`.
    pub fn new(format: Format, out: W, options: DocumentOptions) -> Self {
        let state = match format {
            Format::Text | Format::Jsonl => State::Records {
                glossary_written: false,
            },
            Format::Json => State::Json(Box::new(JsonDoc {
                settings: options.settings,
                totals: BTreeMap::new(),
                started: false,
                count: 0,
            })),
            Format::Html | Format::Markdown => State::Publish(Box::new(Publish {
                markdown: format == Format::Markdown,
                mode: options.overview,
                limit: options.limit.unwrap_or(usize::MAX),
                overview: Overview::new(),
                single_source: None,
                shown: 0,
                toc: Spool::new(options.memory_only),
                body: Spool::new(options.memory_only),
            })),
        };
        Writer { out, state }
    }

    /// Writes one record, prepared by [`Format::record`] of this writer's
    /// format.
    pub fn write(&mut self, record: Record) -> io::Result<()> {
        match (record, &mut self.state) {
            (Record::Rendered { text, .. }, State::Records { .. }) => {
                self.out.write_all(text.as_bytes())?;
                self.out.flush()
            }
            (Record::Text { head, details, .. }, State::Records { glossary_written }) => {
                self.out.write_all(head.as_bytes())?;
                if let Some(details) = details {
                    if *glossary_written {
                        self.out.write_all(super::text::GLOSSARY_SEEN.as_bytes())?;
                    } else {
                        self.out.write_all(super::text::glossary().as_bytes())?;
                        *glossary_written = true;
                    }
                    self.out.write_all(details.as_bytes())?;
                }
                self.out.write_all(b"\n")?;
                self.out.flush()
            }
            (Record::Rendered { verdict, text }, State::Json(doc)) => {
                doc.element(&mut self.out, verdict, &text)
            }
            (Record::Report(r), _) => self.write_report(&r),
            (Record::Rendered { .. } | Record::Text { .. }, _) => Err(io::Error::other(
                "a rendered record was given to a document writer",
            )),
        }
    }

    /// Writes one report.
    pub fn write_report(&mut self, r: &Report) -> io::Result<()> {
        match &mut self.state {
            State::Records { .. } => Err(io::Error::other(
                "a record writer takes records prepared by Format::record",
            )),
            State::Json(doc) => doc.element(&mut self.out, r.verdict, &json_element(r)),
            State::Publish(p) => p.add(r),
        }
    }

    /// Completes the document and returns the underlying writer, flushed.
    pub fn finish(mut self) -> io::Result<W> {
        match std::mem::replace(
            &mut self.state,
            State::Records {
                glossary_written: false,
            },
        ) {
            State::Records { .. } => {}
            State::Json(mut doc) => doc.finish(&mut self.out)?,
            State::Publish(p) => p.finish(&mut self.out)?,
        }
        self.out.flush()?;
        Ok(self.out)
    }
}

/// One pretty-printed JSON document holding every report, then the totals
/// per verdict (DESIGN.md `--format json`). The same bytes as a streaming
/// [`Writer`] of [`Format::Json`] writes, which this drives.
/// Hidden characters are escaped as `\uXXXX` (module `json`).
pub fn json(reports: &[Report], settings: &Settings) -> String {
    let options = DocumentOptions {
        settings: settings.clone(),
        ..Default::default()
    };
    let mut w = Writer::new(Format::Json, Vec::new(), options);
    for r in reports {
        w.write_report(r).expect("writing to memory");
    }
    let bytes = w.finish().expect("writing to memory");
    String::from_utf8(bytes).expect("JSON is UTF-8")
}

/// A JSON document in the making: written report by report, the totals
/// per verdict at the end. The bytes are those of `serde_json`'s pretty
/// printer over [`super::json`]'s document.
struct JsonDoc {
    settings: Settings,
    totals: BTreeMap<Verdict, usize>,
    started: bool,
    count: usize,
}

impl JsonDoc {
    fn start(&mut self, out: &mut impl Write) -> io::Result<()> {
        if self.started {
            return Ok(());
        }
        self.started = true;
        let tool = crate::report::ToolInfo::default();
        write!(
            out,
            "{{\n  \"schema_version\": {},\n  \"tool\": {},\n  \"settings\": {},\n  \"reports\": [",
            crate::SCHEMA_VERSION,
            indented(&pretty(&tool), 2),
            indented(&pretty(&self.settings), 2),
        )
    }

    /// Writes one report, rendered by [`json_element`].
    fn element(&mut self, out: &mut impl Write, verdict: Verdict, text: &str) -> io::Result<()> {
        self.start(out)?;
        out.write_all(if self.count == 0 { b"\n" } else { b",\n" })?;
        out.write_all(text.as_bytes())?;
        self.count += 1;
        *self.totals.entry(verdict).or_default() += 1;
        Ok(())
    }

    fn finish(&mut self, out: &mut impl Write) -> io::Result<()> {
        self.start(out)?;
        out.write_all(if self.count == 0 { b"]" } else { b"\n  ]" })?;
        let totals: BTreeMap<&str, usize> = Verdict::ALL
            .iter()
            .filter_map(|v| self.totals.get(v).map(|n| (v.as_str(), *n)))
            .collect();
        writeln!(
            out,
            ",\n  \"totals\": {}\n}}",
            indented(&pretty(&totals), 2)
        )
    }
}

/// One report as an element of the JSON document's `reports` list
/// (pretty-printed, indented four spaces, no line end).
fn json_element(r: &Report) -> String {
    format!("    {}", indented(&pretty(r), 4))
}

/// Pretty-printed with hidden characters escaped (module `json`).
fn pretty(v: &impl serde::Serialize) -> String {
    super::json::to_string_pretty(v)
}

/// `s` with every line after the first indented by `n` spaces (JSON strings
/// hold no raw line breaks, so this only moves the printer's own lines).
fn indented(s: &str, n: usize) -> String {
    let pad = format!("\n{}", " ".repeat(n));
    s.replace('\n', &pad)
}

/// An HTML or Markdown document in the making: the overview so far, and the
/// rendered contents rows and message sections.
struct Publish {
    markdown: bool,
    mode: OverviewMode,
    limit: usize,
    overview: Overview,
    /// The source of the first report (names a one-message document).
    single_source: Option<String>,
    shown: usize,
    toc: Spool,
    body: Spool,
}

impl Publish {
    fn add(&mut self, r: &Report) -> io::Result<()> {
        self.overview.add(r);
        if self.overview.messages == 1 {
            self.single_source = Some(r.source.clone());
        }
        if self.shown >= self.limit {
            return Ok(());
        }
        self.shown += 1;
        let (mut row, mut section) = (String::new(), String::new());
        if self.markdown {
            markdown::contents_row(&mut row, r, self.shown);
            markdown::message(&mut section, r, self.shown);
        } else {
            html::contents_row(&mut row, r, self.shown);
            html::message(&mut section, r, self.shown);
        }
        self.toc.write_all(row.as_bytes())?;
        self.body.write_all(section.as_bytes())
    }

    fn finish(mut self, out: &mut impl Write) -> io::Result<()> {
        let with_overview = match self.mode {
            OverviewMode::Always => true,
            OverviewMode::WhenSeveral => self.overview.messages > 1,
        };
        let overview = with_overview.then_some(&self.overview);
        let mut front = String::new();
        if self.markdown {
            markdown::front(&mut front, overview, self.shown);
            out.write_all(front.as_bytes())?;
            if markdown::has_contents(overview, self.shown) {
                self.toc.copy_to(out)?;
            }
            self.body.copy_to(out)?;
            let mut back = String::new();
            markdown::back(&mut back);
            return out.write_all(back.as_bytes());
        }
        let parts = html::Parts {
            single_source: self.single_source.as_deref().filter(|_| self.shown == 1),
            overview,
            shown: self.shown,
        };
        html::front(&mut front, &parts);
        out.write_all(front.as_bytes())?;
        if parts.contents().is_some() {
            self.toc.copy_to(out)?;
        }
        let mut middle = String::new();
        html::middle(&mut middle, &parts);
        out.write_all(middle.as_bytes())?;
        self.body.copy_to(out)?;
        let mut back = String::new();
        html::back(&mut back);
        out.write_all(back.as_bytes())
    }
}

/// Bytes written now and read back once at the end: in memory up to
/// [`SPOOL_IN_MEMORY`], then in an unnamed temporary file (removed by the
/// system when it is closed).
struct Spool {
    memory: Vec<u8>,
    file: Option<File>,
    memory_only: bool,
}

impl Spool {
    fn new(memory_only: bool) -> Self {
        Spool {
            memory: Vec::new(),
            file: None,
            memory_only,
        }
    }

    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        if !self.memory_only
            && self.file.is_none()
            && self.memory.len() + bytes.len() > SPOOL_IN_MEMORY
        {
            let mut f = tempfile::tempfile()?;
            f.write_all(&self.memory)?;
            self.memory = Vec::new();
            self.file = Some(f);
        }
        match &mut self.file {
            Some(f) => f.write_all(bytes),
            None => {
                self.memory.extend_from_slice(bytes);
                Ok(())
            }
        }
    }

    fn copy_to(&mut self, out: &mut impl Write) -> io::Result<()> {
        match &mut self.file {
            Some(f) => {
                f.rewind()?;
                io::copy(&mut io::BufReader::new(f), out).map(|_| ())
            }
            None => out.write_all(&self.memory),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spool_moves_to_a_file_past_its_memory_share_and_keeps_every_byte() {
        let mut s = Spool::new(false);
        let chunk: Vec<u8> = (0..=255u8).cycle().take(1 << 20).collect();
        for _ in 0..6 {
            s.write_all(&chunk).unwrap();
        }
        assert!(s.file.is_some());
        assert!(s.memory.is_empty());
        let mut out = Vec::new();
        s.copy_to(&mut out).unwrap();
        assert_eq!(out.len(), 6 << 20);
        assert!(out.chunks(1 << 20).all(|c| c == chunk.as_slice()));
    }

    /// A text run explains the words once, in the first message's
    /// technical details; one message reads as `text::text` gives it.
    #[test]
    fn text_runs_explain_the_words_once() {
        let v = crate::Verifier::builder().builtin_archive(false).build();
        let report = |n: u8| {
            let m = format!("From: a@example.com\r\nSubject: m{n}\r\n\r\nbody\r\n");
            v.verify_bytes(&format!("m{n}.eml"), m.as_bytes())
        };
        let run = |reports: Vec<Report>| {
            let mut w = Writer::new(Format::Text, Vec::new(), DocumentOptions::default());
            for r in reports {
                w.write(Format::Text.record(r)).unwrap();
            }
            String::from_utf8(w.finish().unwrap()).unwrap()
        };
        let one = run(vec![report(1)]);
        assert_eq!(one, super::super::text::text(&report(1)) + "\n");
        let error = Report::error("e.eml", b"x", "not a message".into());
        let three = run(vec![error.clone(), report(1), report(2)]);
        let first = super::super::glossary::GLOSSARY[0].0;
        assert_eq!(
            three.matches(&format!("  - {first}: ")).count(),
            1,
            "{three}"
        );
        let m1 = three.find("m1.eml").unwrap();
        let m2 = three.find("m2.eml").unwrap();
        assert!(three[m1..m2].contains("Words used below:"));
        assert!(three[m2..].contains("explained in the first message's technical details"));
        assert!(three.starts_with(&super::super::text::text(&error)));
        // an error says why once (in its summary), not twice
        let e = super::super::text::text(&error);
        assert_eq!(e.matches("not a message").count(), 1, "{e}");
    }

    /// A contents row says why a message shows no subject (none, empty,
    /// not read) in HTML and Markdown, never a blank cell; so does the
    /// reader's view of an empty field.
    #[test]
    fn contents_rows_say_why_there_is_no_subject() {
        let v = crate::Verifier::builder().builtin_archive(false).build();
        let reports = vec![
            v.verify_bytes("none.eml", b"From: a@example.com\r\n\r\nbody\r\n"),
            v.verify_bytes(
                "empty.eml",
                b"From: a@example.com\r\nSubject:  \r\n\r\nbody\r\n",
            ),
            Report::error("err.eml", b"x", "not a message".into()),
            v.verify_bytes(
                "hi.eml",
                b"From: a@example.com\r\nSubject: hi\r\n\r\nbody\r\n",
            ),
        ];
        for format in [Format::Html, Format::Markdown] {
            let mut w = Writer::new(format, Vec::new(), DocumentOptions::default());
            for r in &reports {
                w.write(format.record(r.clone())).unwrap();
            }
            let doc = String::from_utf8(w.finish().unwrap()).unwrap();
            let row = |source: &str| {
                doc.lines()
                    .find(|l| l.contains(source) && l.contains("#m"))
                    .unwrap_or_else(|| panic!("{format:?}: no row for {source}"))
                    .to_string()
            };
            assert!(row("none.eml").contains("(no Subject field)"), "{format:?}");
            assert!(row("empty.eml").contains("(empty Subject)"), "{format:?}");
            assert!(row("err.eml").contains("(not read)"), "{format:?}");
            let hi = row("hi.eml");
            assert!(
                hi.contains("hi") && !hi.contains("Subject)"),
                "{format:?}: {hi}"
            );
            assert!(!doc.contains("<td class=\"value\"></td>"), "{format:?}");
            assert!(!doc.contains("|  |"), "{format:?}");
            // and the reader's view of the empty Subject says so too
            assert!(
                doc.contains("(empty)<") || doc.contains("*(empty)*"),
                "{format:?}"
            );
        }
    }

    /// The streamed JSON document is what serde_json's pretty printer makes
    /// of the whole document (with the totals last), for any number of
    /// reports.
    #[test]
    fn streamed_json_equals_the_pretty_printed_document() {
        #[derive(serde::Serialize)]
        struct Whole<'a> {
            schema_version: u32,
            tool: crate::report::ToolInfo,
            settings: &'a Settings,
            reports: &'a [Report],
            totals: BTreeMap<&'static str, usize>,
        }
        let settings = Settings {
            key_sources: vec!["a \"quoted\"\nname".into(), "built-in".into()],
            verification_time: Some("2026-01-01T00:00:00Z".into()),
        };
        let all: Vec<Report> = (0..3)
            .map(|i| Report::error(&format!("m{i}\n.eml"), b"x\r\n", "not a message".into()))
            .collect();
        for n in 0..=3 {
            let reports = &all[..n];
            let mut totals = BTreeMap::new();
            if n > 0 {
                totals.insert("error", n);
            }
            let whole = Whole {
                schema_version: crate::SCHEMA_VERSION,
                tool: Default::default(),
                settings: &settings,
                reports,
                totals,
            };
            let want = serde_json::to_string_pretty(&whole).unwrap() + "\n";
            assert_eq!(super::json(reports, &settings), want, "{n} reports");
        }
    }
}
