//! Verifying many messages on several threads, with results in input order
//! and bounded memory.
//!
//! One thread reads the inputs (in order), `jobs` threads do the work, and
//! the caller's thread receives the results in the order the inputs came,
//! so a run's output is reproducible whatever the thread timing. At most
//! `window` messages are between reading and the caller's sink at any time
//! (read, queued, being worked on, or waiting for an earlier one to finish),
//! so memory stays bounded however large the dump.

use std::collections::BTreeMap;

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
