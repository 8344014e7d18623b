//! A JSON input parsed while it is still being split: the scan hands its
//! records over in batches, and the other cores parse each batch as soon
//! as it is handed over (the scan of a 400 MB page used to run alone, the
//! other core waiting). Batches are numbered, so the findings keep the
//! file's order whichever core parsed them.

use std::collections::VecDeque;
use std::path::Path;
use std::sync::{Condvar, Mutex, PoisonError};

use super::document::{self, JsonRecords, Places, RawRecord};
use super::{Loaded, MAX_RAW_PER_INPUT};

/// Records per batch: small enough that the cores start early, large
/// enough that handing over costs nothing.
const BATCH: usize = 4096;

/// Raw records kept per batch, for the first batches: about the input's
/// first [`MAX_RAW_PER_INPUT`] findings where a record gives one (ASFF), and
/// as many spread over the first records where a record gives many.
const RAW_PER_BATCH: usize = BATCH;

/// Parses the JSON input `text` into `loaded`: small inputs (and one large
/// Kubescape scan, a single record) as a whole once split, large ones in
/// batches while the scan goes on.
pub(super) fn parse_json(loaded: &mut Loaded, text: &str, cluster: Option<&str>) {
    let threads = crate::parallel::threads();
    let queue = Queue::default();
    let parsed: Mutex<Vec<(usize, Loaded)>> = Mutex::default();
    let path = loaded.path.clone();
    let (small, broken) = std::thread::scope(|s| {
        // Whatever happens to the scan, the cores waiting for batches are
        // let go (else the scope would wait for them for ever).
        let _close = CloseOnDrop(&queue);
        let mut pending = Vec::new();
        let mut handed = 0usize;
        let broken = document::scan_json(text, &mut |record| {
            pending.push(record);
            if threads > 1 && pending.len() == BATCH {
                if handed == 0 {
                    for _ in 1..threads {
                        s.spawn(|| work(&queue, &parsed, &path, text, cluster));
                    }
                }
                queue.push(handed, std::mem::take(&mut pending));
                handed += 1;
            }
        });
        if handed == 0 {
            return (Some(pending), broken);
        }
        queue.push(handed, pending);
        queue.close();
        work(&queue, &parsed, &path, text, cluster);
        (None, broken)
    });
    match small {
        Some(records) => super::parse_raw(loaded, &JsonRecords { text, records }, cluster),
        None => {
            let mut parts = parsed.into_inner().unwrap_or_else(PoisonError::into_inner);
            parts.sort_by_key(|(index, _)| *index);
            super::merge_all(loaded, parts.into_iter().map(|(_, part)| part).collect());
        }
    }
    super::report_broken(loaded, broken);
}

/// Parses batches until the scan is over and none is left.
fn work(
    queue: &Queue<'_>,
    parsed: &Mutex<Vec<(usize, Loaded)>>,
    path: &Path,
    text: &str,
    cluster: Option<&str>,
) {
    let mut places = Places::new(text);
    while let Some((index, batch)) = queue.pop() {
        let raw = if index * RAW_PER_BATCH < MAX_RAW_PER_INPUT {
            RAW_PER_BATCH
        } else {
            0
        };
        let part = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            super::parse_batch(path, &batch, batch.len(), raw, cluster, &mut places)
        }))
        .unwrap_or_else(|_| {
            let first = index * BATCH;
            let at = batch.first().map(|r| Places::new(text).of(r.text));
            Loaded::internal_error(path, at, first..first + batch.len())
        });
        parsed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((index, part));
    }
}

struct CloseOnDrop<'q, 'a>(&'q Queue<'a>);

impl Drop for CloseOnDrop<'_, '_> {
    fn drop(&mut self) {
        self.0.close();
    }
}

/// Batches handed over and not taken yet.
#[derive(Default)]
struct Queue<'a> {
    state: Mutex<QueueState<'a>>,
    ready: Condvar,
}

#[derive(Default)]
struct QueueState<'a> {
    batches: VecDeque<(usize, Vec<RawRecord<'a>>)>,
    closed: bool,
}

impl<'a> Queue<'a> {
    fn push(&self, index: usize, batch: Vec<RawRecord<'a>>) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.batches.push_back((index, batch));
        self.ready.notify_one();
    }

    /// No more batches will come.
    fn close(&self) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.closed = true;
        self.ready.notify_all();
    }

    /// The next batch; `None` once the queue is closed and empty.
    fn pop(&self) -> Option<(usize, Vec<RawRecord<'a>>)> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if let Some(batch) = state.batches.pop_front() {
                return Some(batch);
            }
            if state.closed {
                return None;
            }
            state = self
                .ready
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}
