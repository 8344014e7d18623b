//! Work over many findings or records on every core, in contiguous chunks,
//! so results keep their order whatever the thread count.

use std::ops::Range;

/// Below this many items one thread is quicker than starting more.
pub const MIN_ITEMS: usize = 2_000;

fn threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, usize::from)
        .clamp(1, 8)
}

/// One chunk of the items.
pub struct Chunk<'a, T> {
    pub items: &'a [T],
    /// Where the chunk sits in the whole list.
    pub range: Range<usize>,
    /// How many chunks there are.
    pub of: usize,
}

impl<T> Chunk<'_, T> {
    /// How many items to make room for: the first chunk's output is kept and
    /// the others appended to it, so it makes room for `all`.
    pub fn room_for(&self, all: usize) -> usize {
        if self.range.start == 0 {
            all
        } else {
            self.items.len()
        }
    }
}

/// Runs `work` on contiguous chunks of `items` (one per core when there are
/// at least `min` items, else one), and returns the results in order. A chunk
/// whose work panicked becomes `failed(range)`: a bug must show as an error,
/// never as findings silently missing.
pub fn in_chunks<T: Sync, R: Send>(
    items: &[T],
    min: usize,
    work: impl Fn(Chunk<'_, T>) -> R + Sync,
    failed: impl Fn(Range<usize>) -> R,
) -> Vec<R> {
    let threads = threads();
    if threads == 1 || items.len() < min {
        let whole = || {
            work(Chunk {
                items,
                range: 0..items.len(),
                of: 1,
            })
        };
        return vec![
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(whole))
                .unwrap_or_else(|_| failed(0..items.len())),
        ];
    }
    let size = items.len().div_ceil(threads);
    let of = items.len().div_ceil(size);
    let work = &work;
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(size)
            .enumerate()
            .map(|(i, part)| {
                let range = i * size..i * size + part.len();
                let handle = s.spawn({
                    let range = range.clone();
                    move || {
                        work(Chunk {
                            items: part,
                            range,
                            of,
                        })
                    }
                });
                (range, handle)
            })
            .collect();
        handles
            .into_iter()
            .map(|(range, h)| h.join().unwrap_or_else(|_| failed(range)))
            .collect()
    })
}

/// `work` on every item, as many at once as there are cores, the results in
/// the items' order. For a few large independent inputs: while one is in a
/// part that runs on one core (reading its structure), another uses the
/// other. An item whose work panicked becomes `failed(item)`.
pub fn each<T: Sync, R: Send>(
    items: &[T],
    work: impl Fn(&T) -> R + Sync,
    failed: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    use std::panic::{AssertUnwindSafe, catch_unwind};
    use std::sync::atomic::{AtomicUsize, Ordering};
    let one =
        |item: &T| catch_unwind(AssertUnwindSafe(|| work(item))).unwrap_or_else(|_| failed(item));
    let workers = threads().min(items.len());
    if workers <= 1 {
        return items.iter().map(one).collect();
    }
    let next = AtomicUsize::new(0);
    let mut done: Vec<(usize, R)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else {
                            return out;
                        };
                        out.push((i, one(item)));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

/// The chunks' lists as one, without a copy when there was one chunk.
pub fn concat<T>(mut parts: Vec<Vec<T>>) -> Vec<T> {
    if parts.len() == 1 {
        return parts.pop().unwrap_or_default();
    }
    let mut out = Vec::with_capacity(parts.iter().map(Vec::len).sum());
    for part in parts {
        out.extend(part);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_every_item_once_in_order() {
        let items: Vec<usize> = (0..10_001).collect();
        let parts = in_chunks(
            &items,
            10,
            |c| {
                assert_eq!(c.items, &items[c.range.clone()]);
                c.items.to_vec()
            },
            |_| Vec::new(),
        );
        assert_eq!(parts.concat(), items);
        let one = in_chunks(&items[..5], 10, |c| c.of, |_| 0);
        assert_eq!(one, vec![1]);
    }

    #[test]
    fn each_keeps_order_and_reports_a_panic_in_place() {
        let items: Vec<usize> = (0..50).collect();
        let out = each(
            &items,
            |&i| {
                if i == 7 {
                    panic!("parser bug");
                }
                Ok(i * 2)
            },
            |&i| Err(i),
        );
        assert_eq!(out.len(), 50);
        for (i, r) in out.iter().enumerate() {
            if i == 7 {
                assert_eq!(r, &Err(7));
            } else {
                assert_eq!(r, &Ok(i * 2));
            }
        }
    }

    #[test]
    fn a_panicking_chunk_is_reported_not_lost() {
        let items: Vec<usize> = (0..4_000).collect();
        let parts = in_chunks(
            &items,
            10,
            |c| {
                if c.range.start == 0 {
                    panic!("parser bug");
                }
                Ok(c.items.len())
            },
            Err,
        );
        assert!(matches!(&parts[0], Err(r) if r.start == 0 && r.end > 0));
        assert!(parts[1..].iter().all(Result::is_ok));
    }
}
