//! Treatment-effect benchmark (`cargo bench --bench causal`); `benches/causal_vs_python.sh`
//! runs it next to a plain-Python and a numpy C-for-benefit on data from the same model.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

#[path = "common.rs"]
mod common;
use common::best_of;

use ai4med::causal::{c_for_benefit, c_for_benefit_ci};
use ai4med::metrics::Bootstrap;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

/// `n` patients: predicted risk reduction ~ N(0.05, 0.1), treatment ~ Bernoulli(0.5),
/// outcome ~ Bernoulli(0.4 − treatment·prediction, clipped to [0.01, 0.99]); predictions
/// rounded to 1e-3 so there are ties. Same model as causal_python.py.
fn data(n: usize, rng: &mut ChaCha8Rng) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let normal: Normal<f64> = Normal::new(0.05, 0.1).unwrap();
    let pred: Vec<f64> = (0..n).map(|_| (normal.sample(&mut *rng) * 1000.0).round() / 1000.0).collect();
    let w: Vec<f64> = (0..n).map(|_| rng.random_bool(0.5) as u8 as f64).collect();
    let y: Vec<f64> = (0..n).map(|i| rng.random_bool((0.4 - w[i] * pred[i]).clamp(0.01, 0.99)) as u8 as f64).collect();
    (pred, y, w)
}

fn main() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let (pred, y, w) = data(10_000, &mut rng);
    println!("c_for_benefit n=1e4: {:.4} s", best_of(5, || c_for_benefit(&pred, &y, &w, 0).unwrap()));
    let cfg = Bootstrap::new(1000).seed(1);
    println!("c_for_benefit_ci 1000 boot n=1e4: {:.4} s", best_of(3, || c_for_benefit_ci(&pred, &y, &w, cfg).unwrap()));
    let r = c_for_benefit_ci(&pred, &y, &w, cfg).unwrap();
    println!("(C-for-benefit {})", r.interval);
}
