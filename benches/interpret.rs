//! Interpretation benchmark (`cargo bench --bench interpret`); `benches/interpret_vs_python.sh`
//! runs it next to scikit-learn's `permutation_importance` on data from the same model.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

#[path = "common.rs"]
mod common;
use common::best_of;

use ai4med::interpret::{PermutationConfig, permutation_importance};
use ai4med::metrics::roc_auc;
use ai4med::trees::RandomForestClassifier;
use ndarray::{Array2, s};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// `n` × 18 standard-normal features; y ~ Bernoulli(σ(x0 − x1 + 0.5·x2 − 0.5·x3 + 0.25·x4 −
/// 0.25·x5)). Same model as interpret_python.py.
fn data(n: usize, rng: &mut ChaCha8Rng) -> (Array2<f64>, Vec<f64>) {
    let x: Array2<f64> = Array2::from_shape_fn((n, 18), |_| StandardNormal.sample(&mut *rng));
    let w = [1.0, -1.0, 0.5, -0.5, 0.25, -0.25];
    let y = (0..n)
        .map(|i| {
            let z: f64 = w.iter().enumerate().map(|(j, b)| b * x[[i, j]]).sum();
            rng.random_bool(1.0 / (1.0 + (-z).exp())) as u8 as f64
        })
        .collect();
    (x, y)
}

fn main() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let (x, y) = data(4000, &mut rng);
    let (xt, yt) = (x.slice(s![..2000, ..]).to_owned(), &y[..2000]);
    let (xv, yv) = (x.slice(s![2000.., ..]).to_owned(), &y[2000..]);
    let forest = RandomForestClassifier::params().n_estimators(300).seed(0).progress(false).fit(&xt, yt).unwrap();
    let run = || {
        permutation_importance(|m: &Array2<f64>| forest.positive_proba(m), &xv, yv, roc_auc, PermutationConfig::new(100).seed(0)).unwrap()
    };
    println!("forest predict_proba 2000 rows, 300 trees: {:.4} s", best_of(5, || forest.positive_proba(&xv).unwrap()));
    let fast = || forest.permutation_importance(&xv, yv, roc_auc, PermutationConfig::new(100).seed(0)).unwrap();
    println!("permutation_importance 18 features x 100 repeats, 2000 rows, 300 trees: {:.4} s", best_of(1, fast));
    println!("generic permutation_importance (re-predicting the forest), same task: {:.4} s", best_of(1, run));
    let imp = fast();
    let generic = run();
    assert!(
        imp.drops().iter().zip(generic.drops().iter()).all(|(a, b)| (a - b).abs() < 1e-12),
        "the forest path must equal the generic one"
    );
    let top: Vec<String> = imp.ranked().iter().take(4).map(|r| format!("{} {:.4}", r.0, r.1)).collect();
    println!("(baseline AUC {:.4}; top: {})", imp.baseline(), top.join(", "));
}
