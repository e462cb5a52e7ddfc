//! Metrics benchmark (`cargo bench --bench metrics`); `benches/metrics_vs_sklearn.sh`
//! runs it next to scikit-learn and prints the ratios.
//!
//! Data: labels Bernoulli(0.3), scores uniform on [0, 1) (no ties; the "tied" lines
//! round them to 0.01), seeded. Each
//! timing is the best of 3 runs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

#[path = "common.rs"]
mod common;
use common::best_of;

use ai4med::metrics::{Bootstrap, average_precision, bootstrap_auc, roc_auc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn data(n: usize, seed: u64) -> (Vec<bool>, Vec<f64>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let y = (0..n).map(|_| rng.random_bool(0.3)).collect();
    let s = (0..n).map(|_| rng.random::<f64>()).collect();
    (y, s)
}

fn main() {
    println!("threads: {}", rayon::current_num_threads());
    for n in [1_000_000usize, 10_000_000] {
        let (y, s) = data(n, 1);
        let t = best_of(3, || roc_auc(&y, &s).unwrap());
        println!("roc_auc n={n}: {t:.4} s");
        let t = best_of(3, || average_precision(&y, &s).unwrap());
        println!("average_precision n={n}: {t:.4} s");
    }
    // Tied scores: rounded to 0.01 (101 distinct values), as predicted risks often are.
    let (y, s) = data(1_000_000, 4);
    let s: Vec<f64> = s.iter().map(|v| (v * 100.0).round() / 100.0).collect();
    println!("roc_auc n=1000000 tied: {:.4} s", best_of(3, || roc_auc(&y, &s).unwrap()));
    println!("average_precision n=1000000 tied: {:.4} s", best_of(3, || average_precision(&y, &s).unwrap()));
    let (y, s) = data(100_000, 2);
    let t = best_of(3, || bootstrap_auc(&y, &s, Bootstrap::new(1000).seed(3)).unwrap());
    println!("bootstrap_auc 1000 resamples n=100000: {t:.4} s");
}
