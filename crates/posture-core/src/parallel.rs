//! Work over many findings or records on every core, in contiguous chunks,
//! so results keep their order whatever the thread count.

use std::ops::Range;

/// Below this many items one thread is quicker than starting more.
pub const MIN_ITEMS: usize = 2_000;

pub fn threads() -> usize {
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
pub fn concat<T: Send + Sync>(mut parts: Vec<Vec<T>>) -> Vec<T> {
    if parts.len() == 1 {
        return parts.pop().unwrap_or_default();
    }
    let mut out = Vec::new();
    append_all(&mut out, parts);
    out
}

/// Below this many bytes one thread copies quicker than starting more.
const MIN_PARALLEL_BYTES: usize = 8 << 20;

/// Moves every part's items onto the end of `into`, in order, copying on
/// every core. Joining a million findings is a third of a gigabyte written
/// to fresh memory: one core spends a fifth of a second or more on it
/// (mostly the kernel zeroing pages on first touch), while the others wait.
/// Large parts (inputs' lists) are moved one at a time, each part's memory
/// given back as soon as it is moved, so joining costs the largest part
/// twice over rather than the whole list.
pub fn append_all<T: Send + Sync>(into: &mut Vec<T>, parts: Vec<Vec<T>>) {
    let total: usize = parts.iter().map(Vec::len).sum();
    into.reserve_exact(total);
    let bytes = |n: usize| n.saturating_mul(std::mem::size_of::<T>());
    let largest = parts.iter().map(Vec::len).max().unwrap_or(0);
    if threads() > 1 && bytes(largest) < MIN_PARALLEL_BYTES && bytes(total) >= MIN_PARALLEL_BYTES {
        // Many small parts (the batches of one input): copied together.
        move_in_shares(into, parts, total);
        return;
    }
    for part in parts {
        append_one(into, part);
    }
}

/// Items to move and the room they go to, of the same length.
type Move<'a, T> = (&'a [T], &'a mut [std::mem::MaybeUninit<T>]);

/// Moves many parts' items onto the end of `into` (which has room for
/// `total` more), each thread filling an equal share; the parts' memory
/// is given back once all are moved.
fn move_in_shares<T: Send + Sync>(into: &mut Vec<T>, mut parts: Vec<Vec<T>>, total: usize) {
    let threads = threads();
    let start = into.len();
    // Each thread fills an equal share of the room; a part may span shares.
    let share = total.div_ceil(threads);
    let mut room: &mut [std::mem::MaybeUninit<T>] = &mut into.spare_capacity_mut()[..total];
    let mut jobs: Vec<Vec<Move<'_, T>>> = Vec::new();
    let mut job = Vec::new();
    let mut left_in_share = share;
    for part in &parts {
        let mut src: &[T] = part;
        while !src.is_empty() {
            let n = src.len().min(left_in_share);
            let (here, rest) = std::mem::take(&mut room).split_at_mut(n);
            room = rest;
            job.push((&src[..n], here));
            src = &src[n..];
            left_in_share -= n;
            if left_in_share == 0 {
                jobs.push(std::mem::take(&mut job));
                left_in_share = share;
            }
        }
    }
    jobs.push(job);
    std::thread::scope(|s| {
        for job in jobs {
            s.spawn(move || {
                for (src, dst) in job {
                    // SAFETY: `dst` is spare capacity of `into`, as long as
                    // `src`, and no other job's `dst` overlaps it. The items are
                    // copied bit for bit; which copy owns them is settled below,
                    // after every copy is done.
                    unsafe {
                        std::ptr::copy_nonoverlapping(
                            src.as_ptr(),
                            dst.as_mut_ptr().cast::<T>(),
                            src.len(),
                        );
                    }
                }
            });
        }
    });
    // Reached only when every thread finished (a failed spawn or a panic
    // unwinds out of the scope first, leaving the parts as their owners).
    // SAFETY: the `total` items after `start` were just initialised from the
    // parts, which then forget theirs (length 0: their memory is freed
    // without dropping the items, which `into` now owns).
    unsafe {
        into.set_len(start + total);
        for part in &mut parts {
            part.set_len(0);
        }
    }
}

/// Moves `part`'s items onto the end of `into` (which has room for them),
/// on every core when there are enough bytes; `part`'s memory is given back.
fn append_one<T: Send + Sync>(into: &mut Vec<T>, mut part: Vec<T>) {
    let n = part.len();
    if threads() == 1 || n.saturating_mul(std::mem::size_of::<T>()) < MIN_PARALLEL_BYTES {
        into.append(&mut part);
        return;
    }
    move_in_shares(into, vec![part], n);
}

/// Asks for the memory at `p` to be read into the cache. Only a hint: `p`
/// may point anywhere (past the end included); nothing is read from it here.
#[inline(always)]
pub fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch reads no memory the program can see and never
    // faults, whatever the address; SSE is part of every x86_64 target.
    unsafe {
        std::arch::x86_64::_mm_prefetch(p.cast::<i8>(), std::arch::x86_64::_MM_HINT_T0);
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appended_parts_keep_their_order_and_are_moved_once() {
        // Owned strings, enough bytes to copy on every core, parts that
        // span the threads' shares and empty parts between them.
        let n = 3 * MIN_PARALLEL_BYTES / std::mem::size_of::<String>();
        let numbered = |lens: &[usize]| -> Vec<Vec<String>> {
            lens.iter()
                .scan(0usize, |next, &len| {
                    let part = (*next..*next + len).map(|i| i.to_string()).collect();
                    *next += len;
                    Some(part)
                })
                .collect()
        };
        // Large parts (moved one at a time), and many small ones (together).
        let small_parts = vec![n / 64; 100];
        for lens in [&[n / 3, 0, 1, n, 7, 0, n / 2][..], &small_parts] {
            let parts = numbered(lens);
            let expected: Vec<String> = parts.concat();
            let mut into = vec!["first".to_string()];
            append_all(&mut into, parts);
            assert_eq!(into[0], "first");
            assert_eq!(into[1..], expected[..]);
        }
        let small = concat(vec![vec![1u8, 2], vec![], vec![3]]);
        assert_eq!(small, vec![1, 2, 3]);
    }

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
