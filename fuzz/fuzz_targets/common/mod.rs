//! What each fuzz target checks, one function per target, shared with the
//! main crate's `tests/fuzz_regressions.rs` (which runs every kept corpus
//! input through the same function under `cargo test`), plus the verifier
//! with the fixtures' keys, every output format, and the panic policy for
//! the parsers mailproof wraps in `catch_unwind`.
//!
//! Every function must never panic on any bytes; the assertions in them are
//! the properties a finding breaks.
#![allow(dead_code)]

mod msg_recipe;

use mailproof::batch::{MAX_ATTACHED_DEPTH, Message, verify_message};
use mailproof::canon;
use mailproof::input::archive::{self, ArchiveLimits};
use mailproof::input::attached::extract;
use mailproof::input::mbox::{MboxReader, starts_like_mbox};
use mailproof::input::msg::{self, OLE_MAGIC};
use mailproof::input::pst::PstItems;
use mailproof::input::{Messages, plan};
use mailproof::keys::KeyArchive;
use mailproof::keys::KeyRecord;
use mailproof::keys::import::{ImportOptions, load_bytes};
use mailproof::message::{self, RawMessage};
use mailproof::render::{self, Settings};
use mailproof::signature::{self, Canon, DkimSignature};
use mailproof::{FixedClock, Report, Verdict, Verifier};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, Once, OnceLock};

/// The repository root (this file is used from `fuzz/` and from the main
/// crate's tests).
fn root() -> &'static Path {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    if dir.join("fixtures").is_dir() {
        dir
    } else {
        dir.parent().unwrap_or(dir)
    }
}

/// Every `*.zone` file under `dir`, in path order.
fn zones(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            zones(&p, out);
        } else if p.extension().is_some_and(|e| e == "zone") {
            out.push(p);
        }
    }
}

/// A verifier with every key of the fixtures' zone files (so that the seed
/// messages reach the cryptographic checks) and a pinned clock; offline.
pub fn verifier() -> &'static Verifier {
    static V: OnceLock<Verifier> = OnceLock::new();
    V.get_or_init(|| {
        let mut files = Vec::new();
        zones(&root().join("fixtures"), &mut files);
        let text: String = files
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap_or_default() + "\n")
            .collect();
        let archive =
            KeyArchive::load_str("fuzz.zone", &text).unwrap_or_else(|_| KeyArchive::new("empty"));
        Verifier::builder()
            .builtin_archive(false)
            .key_source(archive)
            .clock(FixedClock(1_767_225_600))
            .build()
    })
}

/// Renders `reports` in every output format, and checks what any report
/// must hold: a source name, a summary sentence, one JSONL line.
pub fn render_all(reports: &[Report]) {
    for r in reports {
        assert!(!r.source.is_empty(), "a report without a source name");
        assert!(
            !r.summary.is_empty(),
            "{}: a report without a summary",
            r.source
        );
        let line = render::jsonl_line(r);
        assert!(!line.contains('\n'), "a JSONL record over several lines");
        let verdict = r.label().to_uppercase();
        assert!(
            render::text(r).contains(&verdict),
            "text without the verdict"
        );
    }
    let _ = render::json(reports, &Settings::default());
    let _ = render::html(reports, None);
    let _ = render::markdown(reports, None);
}

/// libFuzzer's panic hook aborts on every panic, even one the library
/// catches. The Outlook readers (`cfb`, `outlook-pst`) are wrapped in
/// `catch_unwind` by mailproof (a damaged file becomes an error record), so
/// a panic raised inside those crates is let through to that
/// `catch_unwind` and noted once per place on stderr; a panic anywhere else
/// (mailproof's own code, or one nobody catches) still aborts.
pub fn let_outlook_parsers_panic() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let abort_hook = std::panic::take_hook();
        let seen: Mutex<HashSet<String>> = Mutex::new(HashSet::new());
        std::panic::set_hook(Box::new(move |info| {
            let place = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_default();
            let wrapped = ["/outlook-pst-", "/cfb-"].iter().any(|c| place.contains(c))
                && place.contains("/registry/");
            if !wrapped {
                abort_hook(info);
                return;
            }
            if seen.lock().is_ok_and(|mut s| s.insert(place.clone())) {
                let what = info
                    .payload()
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| info.payload().downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                eprintln!(
                    "caught panic in an Outlook parser (mailproof turns it into an error record): {place}: {what}"
                );
            }
        }));
    });
}

/// A scratch file of this process and thread, for inputs read from a path.
fn scratch(kind: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "mailproof-fuzz-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::create_dir_all(&dir).expect("the scratch directory can be made");
    dir.join(kind)
}

/// Removes this thread's scratch files.
pub fn remove_scratch() {
    if let Some(dir) = scratch("x").parent() {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// Header/body splitting, line-end repair and body canonicalization on
/// arbitrary bytes: the split must be byte-exact.
pub fn message(data: &[u8]) {
    if let Ok(msg) = RawMessage::parse(data) {
        // Every field is a slice of the input at its offset, and fields
        // never overlap the body.
        let mut last_end = msg.postmark_len;
        for h in &msg.headers {
            assert_eq!(&data[h.offset..h.offset + h.raw.len()], h.raw);
            assert!(h.offset >= last_end);
            last_end = h.offset + h.raw.len();
            let _ = h.text();
            let mut out = Vec::new();
            canon::header(Canon::Relaxed, h, &mut out);
            canon::header(Canon::Simple, h, &mut out);
        }
        assert!(last_end <= msg.body_offset);
        for c in [Canon::Simple, Canon::Relaxed] {
            let mut out = Vec::new();
            canon::body(c, msg.body(), &mut out);
        }
    }
    let fixed = message::lf_to_crlf(data);
    assert!(!message::has_bare_lf(&fixed));
    for plan in mailproof::repair::plans(data, 3).into_iter().take(8) {
        let _ = mailproof::repair::apply_all(data, &plan);
    }
}

/// DKIM-Signature values and tag lists: parse, hints and the b= blanking
/// used for the header hash; tag spans stay inside the input.
pub fn signature(data: &[u8]) {
    if let Ok(tags) = mailproof::tags::parse(data) {
        for t in &tags {
            assert!(t.span.start <= t.span.end && t.span.end <= data.len());
        }
    }
    let _ = signature::hints(data);
    if let Ok(sig) = DkimSignature::parse(data) {
        let _ = sig.identity_domain();
        let _ = sig.signs("from");
        // Blank b= inside a real header field, as the verifier does.
        let mut field = b"DKIM-Signature:".to_vec();
        field.extend_from_slice(data);
        field.extend_from_slice(b"\r\n\r\n");
        if let Ok(msg) = RawMessage::parse(&field)
            && msg.headers.len() == 1
            && msg.headers[0].value.starts_with(data)
        {
            let span = mailproof::tags::get(&sig.tags, "b").map_or(0..0, |t| t.span.clone());
            for c in [Canon::Simple, Canon::Relaxed] {
                let mut out = Vec::new();
                canon::signature_header(c, &msg.headers[0], span.clone(), &mut out);
            }
        }
    }
}

/// DKIM key records (TXT text).
pub fn key_record(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(rec) = KeyRecord::parse(&text) {
        let _ = rec.allows_local_part("user");
        let _ = rec.allows_local_part("");
        let _ = rec.has_flag("s");
    }
}

/// Key archive files in every format detected by content (zone files with
/// `( ... )`, `$ORIGIN`, `$TTL`; key-archive API JSON, mailproof JSONL, dig
/// output, PEM/DER, DNS cache): a loaded archive exports to JSONL that
/// loads back with the same records.
pub fn archive(data: &[u8]) {
    let opts = ImportOptions {
        domain: Some("example.com".into()),
        selector: Some("sel".into()),
        ..Default::default()
    };
    if let Ok(archive) = load_bytes("fuzz", data, &opts) {
        let jsonl = archive.to_jsonl();
        let back = load_bytes("fuzz-export", jsonl.as_bytes(), &ImportOptions::default());
        let back = back.expect("an exported archive loads back");
        assert_eq!(
            back.records().len(),
            archive.records().len(),
            "export lost records"
        );
    }
}

/// The mbox splitter: must never loop, and must split without changing a
/// byte: the framed entries (postmark, message, gap), in order, are exactly
/// the input when nothing was skipped.
pub fn mbox(data: &[u8]) {
    // A small per-message limit also exercises the skip path.
    let reader = MboxReader::with_limit(std::io::Cursor::new(data), 4096);
    let mut rebuilt = Vec::new();
    let mut skipped = false;
    for (i, entry) in reader.enumerate() {
        assert!(i <= data.len(), "more entries than input bytes");
        match entry {
            Ok(e) => {
                assert_eq!(e.index, i + 1);
                rebuilt.extend_from_slice(&e.framed());
            }
            Err(_) => skipped = true,
        }
    }
    if !skipped && starts_like_mbox(data) {
        assert!(rebuilt == data, "split changed bytes");
    }
}

/// What `mailproof serve` does with an uploaded file before verifying:
/// archives (zip, tar, tar.gz) opened, mboxes split, `.msg` read, every
/// limit enforced. With small limits, so the caps are hit: never a message
/// over the size limit, never more messages than allowed, and never more
/// unpacked than the budget (plus one over-cap read per entry).
#[cfg(feature = "serve")]
pub fn upload(data: &[u8]) {
    use mailproof::serve::Limits;
    use mailproof::serve::upload::Expander;
    let limits = Limits {
        max_upload_bytes: 1 << 20,
        max_messages: 16,
        max_message_bytes: 4096,
        max_unpacked_bytes: 32 * 1024,
        ..Limits::default()
    };
    let mut seen = 0usize;
    let mut bytes = 0u64;
    let mut x = Expander::new(&limits, |item| {
        seen += 1;
        if let Ok(b) = &item.bytes {
            assert!(
                b.len() as u64 <= limits.max_message_bytes,
                "message over the cap"
            );
            bytes += b.len() as u64;
        }
    });
    let _ = x.add_file("fuzz.zip", data.to_vec());
    let n = x.count();
    assert_eq!(n, seen);
    assert!(seen <= limits.max_messages);
    if archive::sniff(data).is_some() {
        assert!(bytes <= limits.max_unpacked_bytes + limits.max_message_bytes);
    }
}

/// Verifies `items`' messages (at most `most` of them) as `verify` does.
fn verify_items<'a>(
    items: impl Iterator<Item = &'a mailproof::input::Item>,
    most: usize,
) -> Vec<Report> {
    let mut reports = Vec::new();
    for item in items.take(most) {
        let Ok(bytes) = &item.bytes else { continue };
        reports.extend(verify_message(
            verifier(),
            Message {
                source: &item.source,
                bytes,
                body_unavailable: item.body_unavailable.as_deref(),
                want: None,
            },
        ));
    }
    reports
}

/// Outlook `.msg` files (MS-CFB compound files of MAPI properties,
/// MS-OXMSG): the received header block, the attached `.eml` files and the
/// embedded Outlook messages, each verified (header-only where the body is
/// not kept) and rendered. There must be at least one item, all named
/// inside the file and none over the size cap, and a header block is never
/// fully `verified`.
///
/// An input that starts with the compound-file magic is read as it is; any
/// other input is a recipe for one ([`msg_recipe::build`]), so that
/// mutations reach the MAPI layout and not only the container.
pub fn msg(data: &[u8]) {
    const MAX: u64 = 64 * 1024;
    let built;
    let file = if data.starts_with(OLE_MAGIC) {
        data
    } else {
        match msg_recipe::build(data) {
            Some(f) => {
                built = f;
                &built[..]
            }
            None => return,
        }
    };
    let items = msg::items("fuzz.msg", file, 0, MAX);
    assert!(!items.is_empty(), "a .msg gave no item at all");
    for item in &items {
        assert!(
            item.source == "fuzz.msg" || item.source.starts_with("fuzz.msg#attached/"),
            "item named outside the file: {}",
            item.source
        );
        if let Ok(bytes) = &item.bytes {
            assert!(
                bytes.len() as u64 <= MAX,
                "{}: an item over the size cap",
                item.source
            );
        }
    }
    let reports = verify_items(items.iter(), 16);
    for r in &reports {
        if r.source == "fuzz.msg" {
            assert_ne!(
                r.verdict,
                Verdict::Verified,
                "a header block cannot be fully verified"
            );
        }
    }
    render_all(&reports);
}

/// Outlook PST/OST files (MS-PST), read with `outlook-pst` from a file (the
/// bytes are written to a scratch file, since the library reads PSTs from
/// a path): every folder walked, every message's received header block
/// verified header-only and rendered. The reader thread must hand over
/// every item and end; every item is named inside the file, under the size
/// cap, and marked as a header block.
pub fn pst(data: &[u8]) {
    const MAX: u64 = 64 * 1024;
    let path = scratch("input.pst");
    std::fs::write(&path, data).expect("the scratch file is writable");
    let mut reader = PstItems::open(path, "fuzz.pst".into(), MAX);
    let mut items = Vec::new();
    while let Some(item) = reader.next_item() {
        assert!(
            items.len() <= data.len(),
            "more items than the file can hold"
        );
        assert!(
            item.source == "fuzz.pst" || item.source.starts_with("fuzz.pst#"),
            "item named outside the file: {}",
            item.source
        );
        if let Ok(bytes) = &item.bytes {
            assert!(bytes.len() as u64 <= MAX, "an item over the size cap");
            assert!(
                item.body_unavailable.is_some(),
                "a PST item claims its body"
            );
        }
        items.push(item);
    }
    let reports = verify_items(items.iter(), 16);
    for r in &reports {
        assert_ne!(
            r.verdict,
            Verdict::Verified,
            "a header block cannot be fully verified"
        );
    }
    render_all(&reports);
}

/// A file given to `verify` on the command line, read by content as
/// `input::Messages` does: a `.zip`, `.tar` or `.tar.gz` opened from disk
/// (archives inside to a small depth), an mbox streamed, an Outlook `.msg`
/// or PST, or one message. With small caps, so that they are hit: every
/// item is named inside the file, no message over the size cap is handed
/// on, and an archive never unpacks much more than its budget.
pub fn files(data: &[u8]) {
    const MAX: u64 = 4096;
    const UNPACKED: u64 = 32 * 1024;
    let path = scratch("input");
    std::fs::write(&path, data).expect("the scratch file is writable");
    let (planned, missing) = plan(std::slice::from_ref(&path));
    assert!(missing.is_empty());
    let name = planned[0].source.clone();
    let messages = Messages::new(planned, |_| true)
        .max_bytes(MAX)
        .archive_limits(ArchiveLimits {
            max_unpacked_bytes: UNPACKED,
            max_entries: 64,
            max_depth: 3,
            ..ArchiveLimits::default()
        });
    let mut n = 0usize;
    let mut unpacked = 0u64;
    for item in messages {
        n += 1;
        assert!(n <= 100_000, "the reader does not end");
        assert!(
            item.source == name || item.source.starts_with(&format!("{name}#")),
            "item named outside the file: {}",
            item.source
        );
        if let Ok(bytes) = &item.bytes {
            assert!(
                bytes.len() as u64 <= MAX,
                "{}: {} bytes, over the cap",
                item.source,
                bytes.len()
            );
            unpacked += bytes.len() as u64;
        }
    }
    assert!(n >= 1, "a file gave no item");
    if archive::sniff(data).is_some() {
        assert!(
            unpacked <= UNPACKED + MAX,
            "{unpacked} bytes handed on from an archive"
        );
    }
}

/// Messages carried inside messages (a forward as attachment, a bounce's
/// `text/rfc822-headers`, a digest), extracted and verified recursively as
/// `verify` does: every carried message comes from the input (never longer
/// than it), and the reports are named and linked as the contract says
/// (the message first, then `#attached/N...`, each naming the message it
/// was found in, the carrier listing what it carries).
pub fn attached(data: &[u8]) {
    let direct = extract(data);
    for a in &direct {
        assert!(
            a.bytes.len() <= data.len(),
            "a carried message longer than its carrier"
        );
    }
    let reports = verify_message(
        verifier(),
        Message {
            source: "fuzz.eml",
            bytes: data,
            body_unavailable: None,
            want: None,
        },
    );
    assert!(!reports.is_empty(), "no report for the message");
    assert_eq!(reports[0].source, "fuzz.eml");
    assert!(reports[0].found_in.is_none());
    if reports[0].verdict != Verdict::Error {
        assert_eq!(
            reports[0].carries.len(),
            direct.len(),
            "carries lists every direct part"
        );
    }
    for r in &reports[1..] {
        let rest = r
            .source
            .strip_prefix("fuzz.eml#attached/")
            .expect("named inside the message");
        assert!(
            rest.split('/').count() <= MAX_ATTACHED_DEPTH,
            "deeper than the cap: {}",
            r.source
        );
        let parent = r
            .found_in
            .as_deref()
            .expect("an attached report names its carrier");
        assert!(
            r.source.starts_with(parent),
            "{} found in {parent}",
            r.source
        );
    }
    render_all(&reports);
}

/// The whole verification path on one message: a report named after the
/// input, rendered in every output format.
pub fn verify(data: &[u8]) {
    let report = verifier().verify_bytes("fuzz.eml", data);
    assert_eq!(report.source, "fuzz.eml");
    render_all(std::slice::from_ref(&report));
}
