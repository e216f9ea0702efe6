//! Verifying many messages on several threads, with results in input order
//! and bounded memory.
//!
//! One thread reads the inputs (in order), `jobs` threads do the work, and
//! the caller's thread receives the results in the order the inputs came,
//! so a run's output is reproducible whatever the thread timing. At most
//! `window` messages are between reading and the caller's sink at any time
//! (read, queued, being worked on, or waiting for an earlier one to finish),
//! so memory stays bounded however large the dump.

use crate::input::attached::{self, HEADERS_ONLY_WHY};
use crate::input::{is_inside, relevant};
use crate::report::Carried;
use crate::{Report, Verifier};
use std::collections::BTreeMap;

/// Most levels of attached messages opened (a forward of a forward of ...).
pub const MAX_ATTACHED_DEPTH: usize = 5;

/// One message to verify with [`verify_message`].
#[derive(Debug, Clone, Copy)]
pub struct Message<'a> {
    /// Its name in reports.
    pub source: &'a str,
    /// Its bytes as read.
    pub bytes: &'a [u8],
    /// Set when `bytes` is a header block without its body: why, in words
    /// ([`Verifier::verify_headers_only`]).
    pub body_unavailable: Option<&'a str>,
    /// Set when only one message inside this one is wanted (`x#attached/1`):
    /// only reports named so, or inside it, are returned.
    pub want: Option<&'a str>,
}

/// Verifies a message and, recursively to [`MAX_ATTACHED_DEPTH`], the
/// messages attached to it (`message/rfc822` parts, RFC 2046 5.2.1; a
/// bounce's `text/rfc822-headers`, RFC 6522), each as a message of its own
/// named `source#attached/N` (`#attached/N/M` one level further down).
/// Reports come in order: the message, then each attached one depth first.
/// Each attached message's report names the message it was found in
/// (`found_in`); the carrier's report lists each one and its verdict
/// (`carries`), and its summary says that its verdict is not theirs.
pub fn verify_message(verifier: &Verifier, m: Message<'_>) -> Vec<Report> {
    verify_named(verifier, m).reports
}

/// What [`verify_named`] gives: the reports, and whether the name asked
/// for was not found.
#[derive(Debug)]
pub struct Named {
    /// As [`verify_message`] gives them: when the wanted name was not
    /// found, one `error` report named so, saying why.
    pub reports: Vec<Report>,
    /// Set when [`Message::want`] named a message this one does not carry:
    /// the caller's input named something that is not there (for the CLI,
    /// like a missing input path: exit status 2).
    pub name_not_found: bool,
}

/// [`verify_message`], also telling whether [`Message::want`] named a
/// message that is not there.
pub fn verify_named(verifier: &Verifier, m: Message<'_>) -> Named {
    let mut out = Vec::new();
    walk(verifier, m, None, 0, &mut out);
    let name_not_found = m.want.is_some() && out.is_empty();
    if let Some(w) = m.want.filter(|_| name_not_found) {
        out.push(Report::error(
            w,
            &[],
            format!("{} carries no message of this name", m.source),
        ));
    }
    Named {
        reports: out,
        name_not_found,
    }
}

fn walk(
    verifier: &Verifier,
    m: Message<'_>,
    found_in: Option<&str>,
    depth: usize,
    out: &mut Vec<Report>,
) -> Option<Carried> {
    if m.want.is_some_and(|w| !relevant(m.source, w)) {
        return None;
    }
    let shown = m
        .want
        .is_none_or(|w| m.source == w || is_inside(m.source, w));
    let mut report = match m.body_unavailable {
        Some(why) => verifier.verify_headers_only(m.source, m.bytes, why),
        None => verifier.verify_bytes(m.source, m.bytes),
    };
    report.found_in = found_in.map(str::to_string);
    let at = out.len();
    let inner = if depth < MAX_ATTACHED_DEPTH && report.verdict != crate::Verdict::Error {
        attached::extract(m.bytes)
    } else {
        Vec::new()
    };
    let prefix = attached_prefix(m.source);
    let mut carried = Vec::new();
    for (n, a) in inner.iter().enumerate() {
        let source = format!("{prefix}{}", n + 1);
        let child = Message {
            source: &source,
            bytes: &a.bytes,
            body_unavailable: a.headers_only.then_some(HEADERS_ONLY_WHY),
            want: m.want,
        };
        if let Some(c) = walk(verifier, child, Some(m.source), depth + 1, out) {
            carried.push(c);
        }
    }
    if !carried.is_empty() {
        report.summary.push_str(&carrier_sentence(&carried));
    }
    report.carries = carried;
    let summary = report.message.as_ref();
    let me = Carried {
        source: report.source.clone(),
        verdict: report.verdict,
        from: summary.and_then(|s| s.from.clone()),
        subject: summary.and_then(|s| s.subject.clone()),
    };
    if shown {
        out.insert(at, report);
    }
    Some(me)
}

/// Names, on the report of the message `source` among `reports`, the
/// bytes skipped before it that belong to no message (an input's
/// [`crate::input::Item::skipped_before`]: a UTF-8 byte order mark or
/// blank lines before an mbox's first postmark line), as an info finding
/// `mbox_leading_bytes_skipped`. Nothing when `skipped` is empty or no
/// report is of `source`.
pub fn note_skipped(reports: &mut [Report], source: &str, skipped: &[u8]) {
    if skipped.is_empty() {
        return;
    }
    if let Some(r) = reports.iter_mut().find(|r| r.source == source) {
        r.findings
            .push(crate::evidence::leading_bytes_finding(skipped));
        r.findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    }
}

/// The start of the names of the messages attached to `source`:
/// `x.eml#attached/`, and `x.eml#attached/1/` for one already attached
/// (`x.eml#attached/1` holds `x.eml#attached/1/1`).
fn attached_prefix(source: &str) -> String {
    match source.rsplit('#').next() {
        Some(last) if last.starts_with("attached/") && source.contains('#') => {
            format!("{source}/")
        }
        _ => format!("{source}#attached/"),
    }
}

/// The bytes that [`verify_message`] checks under the name `want` when it
/// is given `bytes` named `source`: `bytes` themselves when `want` is
/// `source`, or those of a message attached to it (`source#attached/N`,
/// to [`MAX_ATTACHED_DEPTH`] levels), with whether they are a header block
/// whose body was not kept. `None` when no message of that name is there.
pub fn find_message(source: &str, bytes: &[u8], want: &str) -> Option<(Vec<u8>, bool)> {
    fn find(source: &str, bytes: &[u8], want: &str, depth: usize) -> Option<(Vec<u8>, bool)> {
        let prefix = attached_prefix(source);
        let rest = want.strip_prefix(&prefix)?;
        if depth >= MAX_ATTACHED_DEPTH {
            return None;
        }
        let n: usize = rest.split('/').next()?.parse().ok()?;
        let a = attached::extract(bytes)
            .into_iter()
            .nth(n.checked_sub(1)?)?;
        let name = format!("{prefix}{n}");
        if name == want {
            Some((a.bytes, a.headers_only))
        } else {
            find(&name, &a.bytes, want, depth + 1)
        }
    }
    if source == want {
        return Some((bytes.to_vec(), false));
    }
    find(source, bytes, want, 0)
}

/// "This message carries 1 attached message ... verdict above is this
/// message's own."
fn carrier_sentence(carried: &[Carried]) -> String {
    let list: Vec<String> = carried
        .iter()
        .map(|c| format!("{} ({})", c.source, c.verdict))
        .collect();
    let n = carried.len();
    format!(
        " It carries {n} attached message{} checked on {} own: {}. The verdict above is for this carrying message only, not for what it carries.",
        if n == 1 { "" } else { "s" },
        if n == 1 { "its" } else { "their" },
        list.join(", ")
    )
}

/// How many messages may be in flight per worker thread: enough that a
/// worker rarely waits for a slow (large) message ahead of it in order.
pub const WINDOW_PER_JOB: usize = 32;
/// Most messages in flight in all (each may hold an open file, so this also
/// bounds the descriptors used: well under macOS's default limit of 256
/// open files, and Linux's 1024).
pub const MAX_WINDOW: usize = 128;

/// Number of worker threads to use by default: the cores available.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Runs `work` over `items` on `jobs` threads and hands each result to
/// `sink` in input order. Stops early when `sink` returns an error (the
/// items not yet handed over are dropped) and returns that error.
pub fn ordered_parallel<I, T, R, W, S, E>(
    items: I,
    jobs: usize,
    work: W,
    mut sink: S,
) -> Result<(), E>
where
    I: Iterator<Item = T> + Send,
    T: Send,
    R: Send,
    W: Fn(T) -> R + Sync,
    S: FnMut(R) -> Result<(), E>,
{
    if jobs <= 1 {
        for item in items {
            sink(work(item))?;
        }
        return Ok(());
    }
    let window = (jobs * WINDOW_PER_JOB).min(MAX_WINDOW);
    let (ticket_tx, ticket_rx) = crossbeam_channel::bounded::<()>(window);
    for _ in 0..window {
        let _ = ticket_tx.send(());
    }
    let (job_tx, job_rx) = crossbeam_channel::bounded::<(u64, T)>(window);
    let (res_tx, res_rx) = crossbeam_channel::bounded::<(u64, R)>(window);
    std::thread::scope(|scope| {
        scope.spawn(move || {
            for (seq, item) in (0u64..).zip(items) {
                // a ticket per message in flight; none left means wait
                if ticket_rx.recv().is_err() || job_tx.send((seq, item)).is_err() {
                    break;
                }
            }
        });
        for _ in 0..jobs {
            let job_rx = job_rx.clone();
            let res_tx = res_tx.clone();
            let work = &work;
            scope.spawn(move || {
                for (seq, item) in job_rx {
                    if res_tx.send((seq, work(item))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(job_rx);
        drop(res_tx);
        let mut next = 0u64;
        let mut waiting: BTreeMap<u64, R> = BTreeMap::new();
        let result = (|| {
            for (seq, r) in &res_rx {
                waiting.insert(seq, r);
                while let Some(r) = waiting.remove(&next) {
                    sink(r)?;
                    next += 1;
                    let _ = ticket_tx.send(());
                }
            }
            Ok(())
        })();
        // On error: stop the reader, and let the workers drain.
        drop(ticket_tx);
        drop(res_rx);
        result
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_input_order_whatever_the_timing() {
        let mut got = Vec::new();
        let r: Result<(), ()> = ordered_parallel(
            0..200u64,
            4,
            |i| {
                if i % 7 == 0 {
                    std::thread::sleep(std::time::Duration::from_millis(2));
                }
                i * 2
            },
            |r| {
                got.push(r);
                Ok(())
            },
        );
        assert!(r.is_ok());
        assert_eq!(got, (0..200u64).map(|i| i * 2).collect::<Vec<_>>());
    }

    #[test]
    fn a_sink_error_stops_the_run() {
        let mut n = 0;
        let r = ordered_parallel(
            0..10_000u64,
            3,
            |i| i,
            |i| {
                n += 1;
                if i == 50 { Err(i) } else { Ok(()) }
            },
        );
        assert_eq!(r, Err(50));
        assert_eq!(n, 51);
    }

    #[test]
    fn in_flight_messages_stay_within_the_window() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let read = AtomicUsize::new(0);
        let mut max_ahead = 0;
        let mut done = 0;
        let items = (0..500).inspect(|_| {
            read.fetch_add(1, Ordering::SeqCst);
        });
        let r: Result<(), ()> = ordered_parallel(
            items,
            2,
            |i| i,
            |_| {
                done += 1;
                max_ahead = max_ahead.max(read.load(Ordering::SeqCst) - done);
                Ok(())
            },
        );
        assert!(r.is_ok());
        assert!(max_ahead <= 2 * WINDOW_PER_JOB + 1, "{max_ahead}");
    }
}
