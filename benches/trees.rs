//! Tree benchmark (`cargo bench --bench trees`); `benches/trees_vs_python.sh` runs it
//! next to scikit-learn (`n_jobs=2`) and shap on data from the same generator.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

#[path = "common.rs"]
mod common;
use common::best_of;

use ai4med::trees::RandomForestClassifier;
use ndarray::{Array2, s};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// `n` rows × 20 standard-normal features; P(y = 1) = sigmoid(x0 − 0.8·x1 + 0.6·x2·x3 +
/// 0.5·|x4| + 0.3·x5 − 0.5). The same model as `trees_python.py`.
fn data(n: usize, rng: &mut ChaCha8Rng) -> (Array2<f64>, Vec<f64>) {
    let x: Array2<f64> = Array2::from_shape_fn((n, 20), |_| StandardNormal.sample(&mut *rng));
    let y = (0..n)
        .map(|i| {
            let z = x[[i, 0]] - 0.8 * x[[i, 1]] + 0.6 * x[[i, 2]] * x[[i, 3]] + 0.5 * x[[i, 4]].abs() + 0.3 * x[[i, 5]] - 0.5;
            (rng.random::<f64>() < 1.0 / (1.0 + (-z).exp())) as u8 as f64
        })
        .collect();
    (x, y)
}

fn main() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let (xt, yt) = data(5000, &mut rng);
    // TREES_BENCH=shap: only the TreeSHAP lines (the forest fits at n = 1e5 take minutes).
    // TREES_BENCH=fit / fit1e5 / fit1e3: only the forest fit at n = 1e4 / 1e5 / 1e3 (for
    // profiling). The 1e3 data come from their own stream, so adding them left the other
    // sizes' data as they were.
    let only = std::env::var("TREES_BENCH").unwrap_or_default();
    let mut small_rng = ChaCha8Rng::seed_from_u64(8);
    for (n, reps) in [(10_000, 3), (100_000, 1), (1_000, 5)] {
        let wanted = match only.as_str() {
            "shap" => false,
            "fit" => n == 10_000,
            "fit1e5" => n == 100_000,
            "fit1e3" => n == 1_000,
            _ => true,
        };
        if !wanted {
            continue;
        }
        let (x, y) = if n == 1_000 { data(n, &mut small_rng) } else { data(n, &mut rng) };
        let params = RandomForestClassifier::params().n_estimators(300).seed(1).progress(false);
        let t = best_of(reps, || params.fit(&x, &y).unwrap());
        println!("random_forest fit 300 trees n={n} p=20: {t:.4} s");
        let rf = params.fit(&x, &y).unwrap();
        let t = best_of(3, || rf.predict_proba(&xt).unwrap());
        println!("random_forest predict_proba 5000 rows n={n}: {t:.4} s");
        let p = rf.positive_proba(&xt).unwrap();
        println!("(n={n}: test AUC {:.4}, accuracy {:.4})", ai4med::metrics::roc_auc(&yt, &p).unwrap(), rf.score(&xt, &yt).unwrap());
    }
    if only.starts_with("fit") {
        return;
    }
    let (x, y) = data(10_000, &mut rng);
    let threads = rayon::current_num_threads();
    // Depths 4, 6, 8 and unlimited (fewer rows: an unlimited tree has ~1,500 leaves).
    for (depth, rows) in [(Some(4), 1000), (Some(6), 1000), (Some(8), 1000), (None, 200)] {
        let mut params = RandomForestClassifier::params().n_estimators(300).seed(1).progress(false);
        if let Some(d) = depth {
            params = params.max_depth(d);
        }
        let rf = params.fit(&x, &y).unwrap();
        let rows_x = x.slice(s![..rows, ..]).to_owned();
        let t = best_of(3, || rf.shap_values(&rows_x).unwrap());
        let depth = depth.map_or("unlimited".to_string(), |d| format!("<={d}"));
        println!("tree_shap {rows} rows x 300 trees depth {depth} ({threads} threads): {t:.4} s");
    }
}
