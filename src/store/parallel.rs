//! Bulk work split over the cores: sealing and digesting a large commit is CPU work per
//! value, independent between values, and dominates an import.

use std::num::NonZeroUsize;

/// Fewer items than this per thread and the thread costs more than it saves.
const MIN_PER_THREAD: usize = 512;

fn threads(n: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
    cores.min(n / MIN_PER_THREAD).max(1)
}

/// `f` over `items` in one contiguous chunk per core; the results concatenated in input
/// order. The first error wins; a panic in a worker is raised again here.
pub fn map_chunks<I, O, E, F>(items: &[I], f: F) -> Result<Vec<O>, E>
where
    I: Sync,
    O: Send,
    E: Send,
    F: Fn(&[I]) -> Result<Vec<O>, E> + Sync,
{
    let t = threads(items.len());
    if t == 1 {
        return f(items);
    }
    let per = items.len().div_ceil(t);
    let parts: Vec<Result<Vec<O>, E>> = std::thread::scope(|s| {
        let handles: Vec<_> = items.chunks(per).map(|c| s.spawn(|| f(c))).collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    let mut out = Vec::with_capacity(items.len());
    for p in parts {
        out.extend(p?);
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::store::StoreError;

    #[test]
    fn keeps_order_and_reports_an_error() {
        let items: Vec<u32> = (0..10_000).collect();
        let out = map_chunks(&items, |c| {
            Ok::<_, StoreError>(c.iter().map(|x| x * 2).collect())
        })
        .unwrap();
        assert_eq!(out, items.iter().map(|x| x * 2).collect::<Vec<_>>());
        let bad = map_chunks(&items, |c| {
            if c.contains(&9_999) {
                Err(StoreError::Decode("late".into()))
            } else {
                Ok(c.to_vec())
            }
        });
        assert!(matches!(bad, Err(StoreError::Decode(m)) if m == "late"));
        assert!(
            map_chunks::<u32, u32, StoreError, _>(&[], |c| Ok(c.to_vec()))
                .unwrap()
                .is_empty()
        );
    }
}
