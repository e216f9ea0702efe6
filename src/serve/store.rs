//! Results kept in memory so the page can show and download them: the
//! reports of the last few uploads, under unguessable ids. Nothing is
//! written to disk, and the message bytes themselves are not kept.

use crate::Report;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// How many uploads' results are kept; older ones are forgotten.
pub const KEPT_BATCHES: usize = 16;

/// The reports of one upload.
pub struct Batch {
    /// Random id, 32 hex digits.
    pub id: String,
    /// One report per message, in upload order.
    pub reports: Vec<Report>,
}

/// The last [`KEPT_BATCHES`] batches.
#[derive(Default)]
pub struct Store {
    batches: Mutex<VecDeque<Arc<Batch>>>,
}

impl Store {
    /// Keeps `reports` and returns their batch.
    pub fn insert(&self, reports: Vec<Report>) -> Arc<Batch> {
        let batch = Arc::new(Batch {
            id: random_id(),
            reports,
        });
        let mut b = self.batches.lock().unwrap_or_else(|p| p.into_inner());
        if b.len() >= KEPT_BATCHES {
            b.pop_front();
        }
        b.push_back(batch.clone());
        batch
    }

    /// The batch with this id, if it is still kept.
    pub fn get(&self, id: &str) -> Option<Arc<Batch>> {
        let b = self.batches.lock().unwrap_or_else(|p| p.into_inner());
        b.iter().find(|x| x.id == id).cloned()
    }
}

fn random_id() -> String {
    let mut buf = [0u8; 16];
    if aws_lc_rs::rand::fill(&mut buf).is_err() {
        // The system random source failing is not expected; fall back to
        // the clock so the page keeps working (ids stay unique per process).
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        buf = t.to_le_bytes();
    }
    buf.iter().map(|b| format!("{b:02x}")).collect()
}
