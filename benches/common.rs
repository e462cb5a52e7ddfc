//! Helpers shared by the benchmark binaries (included with `#[path]`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::time::Instant;

/// The fastest of `k` runs of `f`, in seconds.
pub fn best_of<T>(k: usize, mut f: impl FnMut() -> T) -> f64 {
    (0..k)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(f());
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}
