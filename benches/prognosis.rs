//! Prognosis benchmark (`cargo bench --bench prognosis`); `benches/prognosis_vs_python.sh`
//! runs it next to lifelines and scikit-learn. Best of 3 runs each.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

#[path = "common.rs"]
mod common;
use common::best_of;

use ai4med::prognosis::{LogisticRegression, Risk, cindex};
use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

fn main() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let n = 1_000_000;
    let y: Vec<f64> = (0..n).map(|_| rng.random_bool(0.3) as u8 as f64).collect();
    let s: Vec<f64> = (0..n).map(|_| rng.random::<f64>()).collect();
    println!("cindex n=1000000: {:.4} s", best_of(3, || cindex(&y, Risk(&s)).unwrap()));

    // Logistic regression, 1e5 × 20, true coefficients 0.1·j, intercept −0.5.
    let (n, p) = (100_000, 20);
    let x = Array2::from_shape_fn((n, p), |_| StandardNormal.sample(&mut rng));
    let y: Vec<f64> = (0..n)
        .map(|i| {
            let z = -0.5 + (0..p).map(|j| 0.1 * j as f64 * x[[i, j]]).sum::<f64>();
            (rng.random::<f64>() < 1.0 / (1.0 + (-z).exp())) as u8 as f64
        })
        .collect();
    let names: Vec<String> = (0..p).map(|j| format!("x{j}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let t = best_of(3, || LogisticRegression::params().fit(&ai4med::data::named(x.view(), &refs).unwrap(), &y).unwrap());
    println!("logistic_regression n=100000 p=20: {t:.4} s");
    println!("logistic_regression n=100000 p=20 (tol 1e-10): {t:.4} s");
    let m = LogisticRegression::params().fit(&ai4med::data::named(x.view(), &refs).unwrap(), &y).unwrap();
    println!("(Newton iterations: {})", m.iterations);
}
