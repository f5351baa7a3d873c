//! A scoped parallel map over a slice (no dependency: `std::thread::scope`), shared by every
//! operator for the work that does not depend on the other transactions of a batch (hashing,
//! signature recovery).
//!
//! Items are handed out in blocks of [`BLOCK`] from a shared cursor, so a core that is busy with
//! something else (or slower items, such as those with more signatures) never leaves the others
//! waiting at the end; the results keep the input order. The calling thread works too.

use std::{num::NonZeroUsize, sync::Mutex};

/// Items handed to a thread at a time.
const BLOCK: usize = 128;

/// Number of threads the map uses for `len` items: one per available core, no more than there
/// are blocks.
fn threads_for(len: usize) -> usize {
    let blocks = len.div_ceil(BLOCK);
    if blocks <= 1 {
        return 1;
    }
    std::thread::available_parallelism().map_or(1, NonZeroUsize::get).min(blocks)
}

/// `items.iter().map(f).collect()`, computed on [`std::thread::available_parallelism`] threads.
///
/// The results keep the order of `items`. Fewer than two blocks of items run on the calling thread
/// alone; a panic in `f` propagates to the caller.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = threads_for(items.len());
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let mut out: Vec<Option<R>> = std::iter::repeat_with(|| None).take(items.len()).collect();
    {
        let work = Mutex::new(items.chunks(BLOCK).zip(out.chunks_mut(BLOCK)));
        let worker = || {
            // `and_then` consumes the guard: the lock is held only to take a block, not to work on it.
            while let Some((input, output)) = work.lock().ok().and_then(|mut blocks| blocks.next()) {
                for (item, slot) in input.iter().zip(output) {
                    *slot = Some(f(item));
                }
            }
        };
        std::thread::scope(|scope| {
            for _ in 1..threads {
                scope.spawn(worker);
            }
            worker();
        });
    }
    // Every block was taken and filled (a panicking worker propagates out of the scope).
    out.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_for_every_length() {
        for len in [0, 1, BLOCK - 1, BLOCK, BLOCK + 1, 10 * BLOCK + 7] {
            let items: Vec<u64> = (0..len as u64).collect();
            assert_eq!(map(&items, |x| x * 3), items.iter().map(|x| x * 3).collect::<Vec<_>>(), "{len}");
        }
    }
}
