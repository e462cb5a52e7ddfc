//! Survival benchmark (`cargo bench --bench survival`); `benches/survival_vs_python.sh`
//! runs it next to lifelines and scikit-survival on data from the same generator.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

#[path = "common.rs"]
mod common;
use common::best_of;

use ai4med::survival::{CoxPH, KaplanMeier, RandomSurvivalForest, SurvivalData, harrell_c, logrank_test};
use ndarray::{Array2, s};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// `n` × `p` standard-normal covariates; exponential event times with log-rate
/// 0.5·x0 − 0.5·x1 + 0.25·x2 (zero coefficients elsewhere), independent exponential
/// censoring; times rounded to 0.01 so there are ties. Same model as survival_python.py.
fn data(n: usize, p: usize, rng: &mut ChaCha8Rng) -> (Array2<f64>, Vec<f64>, Vec<f64>) {
    let x: Array2<f64> = Array2::from_shape_fn((n, p), |_| StandardNormal.sample(&mut *rng));
    let mut time = Vec::with_capacity(n);
    let mut event = Vec::with_capacity(n);
    for i in 0..n {
        let lr = 0.5 * x[[i, 0]] - 0.5 * x[[i, 1]] + 0.25 * x[[i, 2]];
        let t = -rng.random::<f64>().ln() / lr.exp();
        let c = -rng.random::<f64>().ln() / 0.5;
        time.push(((t.min(c)) * 100.0).round() / 100.0 + 0.01);
        event.push((t <= c) as u8 as f64);
    }
    (x, time, event)
}

/// The heavily tied, correlated variant: covariates AR(1) across columns
/// (`x_j = 0.6·x_{j−1} + 0.8·z_j`, so neighbouring columns correlate 0.6), the same
/// event and censoring model, times rounded up to 0.05 and capped at 5 (at most 100
/// distinct times). Same model as survival_python.py's `data_tied`.
fn data_tied(n: usize, p: usize, rng: &mut ChaCha8Rng) -> (Array2<f64>, Vec<f64>, Vec<f64>) {
    let mut x: Array2<f64> = Array2::from_shape_fn((n, p), |_| StandardNormal.sample(&mut *rng));
    for j in 1..p {
        for i in 0..n {
            x[[i, j]] = 0.6 * x[[i, j - 1]] + 0.8 * x[[i, j]];
        }
    }
    let mut time = Vec::with_capacity(n);
    let mut event = Vec::with_capacity(n);
    for i in 0..n {
        let lr = 0.5 * x[[i, 0]] - 0.5 * x[[i, 1.min(p - 1)]] + 0.25 * x[[i, 2.min(p - 1)]];
        let t = -rng.random::<f64>().ln() / lr.exp();
        let c = -rng.random::<f64>().ln() / 0.5;
        time.push(((t.min(c) * 20.0).ceil().clamp(1.0, 100.0)) / 20.0);
        event.push((t <= c) as u8 as f64);
    }
    (x, time, event)
}

fn main() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    // SURVIVAL_BENCH=cox: only the Cox fits, many times over (for profiling).
    if std::env::var("SURVIVAL_BENCH").is_ok_and(|v| v == "cox") {
        let (x, time, event) = data_tied(100_000, 20, &mut rng);
        let d = SurvivalData::new(&time, &event).unwrap();
        println!(
            "cox efron n=1e5 p=20 correlated tied, 50 fits: {:.4} s",
            best_of(1, || (0..50).for_each(|_| drop(CoxPH::params().fit(&x, &d).unwrap())))
        );
        return;
    }
    let (x, time, event) = data(1_000_000, 3, &mut rng);
    let d = SurvivalData::new(&time, &event).unwrap();
    // Timed from the raw arrays, as lifelines' fit(time, event) is (validation included).
    println!("kaplan_meier n=1e6: {:.4} s", best_of(5, || KaplanMeier::params().fit(&SurvivalData::new(&time, &event).unwrap()).unwrap()));
    let g: Vec<bool> = (0..d.len()).map(|i| x[[i, 0]] > 0.0).collect();
    let pick = |v: &[f64], want: bool| -> Vec<f64> { v.iter().zip(&g).filter(|(_, g)| **g == want).map(|(v, _)| *v).collect() };
    let (ta, ea, tb, eb) = (pick(&time, true), pick(&event, true), pick(&time, false), pick(&event, false));
    let logrank = || logrank_test(&SurvivalData::new(&ta, &ea).unwrap(), &SurvivalData::new(&tb, &eb).unwrap()).unwrap();
    println!("logrank n=1e6: {:.4} s", best_of(5, logrank));
    // Continuous times (no ties): every subject its own time.
    let mut jitter_rng = ChaCha8Rng::seed_from_u64(4);
    let jitter: Vec<f64> = time.iter().map(|t| t + jitter_rng.random::<f64>() * 0.01).collect();
    println!(
        "kaplan_meier n=1e6 untied: {:.4} s",
        best_of(5, || KaplanMeier::params().fit(&SurvivalData::new(&jitter, &event).unwrap()).unwrap())
    );
    let score: Vec<f64> = x.column(0).to_vec();
    println!("harrell_c n=1e6: {:.4} s", best_of(3, || harrell_c(&d, &score).unwrap()));

    // Heavy ties (at most 100 distinct times) and tied scores (x0 rounded to 0.5).
    let (x, time, event) = data_tied(1_000_000, 3, &mut rng);
    println!(
        "kaplan_meier n=1e6 100 times: {:.4} s",
        best_of(5, || KaplanMeier::params().fit(&SurvivalData::new(&time, &event).unwrap()).unwrap())
    );
    let g: Vec<bool> = (0..time.len()).map(|i| x[[i, 0]] > 0.0).collect();
    let pick = |v: &[f64], want: bool| -> Vec<f64> { v.iter().zip(&g).filter(|(_, g)| **g == want).map(|(v, _)| *v).collect() };
    let (ta, ea, tb, eb) = (pick(&time, true), pick(&event, true), pick(&time, false), pick(&event, false));
    let logrank = || logrank_test(&SurvivalData::new(&ta, &ea).unwrap(), &SurvivalData::new(&tb, &eb).unwrap()).unwrap();
    println!("logrank n=1e6 100 times: {:.4} s", best_of(5, logrank));
    let d = SurvivalData::new(&time, &event).unwrap();
    let score: Vec<f64> = x.column(0).iter().map(|v| (v * 2.0).round() / 2.0).collect();
    println!("harrell_c n=1e6 tied: {:.4} s", best_of(3, || harrell_c(&d, &score).unwrap()));

    let (x, time, event) = data(100_000, 20, &mut rng);
    let d = SurvivalData::new(&time, &event).unwrap();
    println!("cox efron n=1e5 p=20: {:.4} s", best_of(3, || CoxPH::params().fit(&x, &d).unwrap()));
    let cox = CoxPH::params().fit(&x, &d).unwrap();
    println!("(cox coefficients 0..3: {:.4?})", &cox.coefficients()[..3]);
    let (x, time, event) = data_tied(100_000, 20, &mut rng);
    let d = SurvivalData::new(&time, &event).unwrap();
    println!("cox efron n=1e5 p=20 correlated tied: {:.4} s", best_of(3, || CoxPH::params().fit(&x, &d).unwrap()));
    let cox = CoxPH::params().fit(&x, &d).unwrap();
    println!("(tied cox coefficients 0..3: {:.4?}, {} iterations)", &cox.coefficients()[..3], cox.iterations());

    for (n_total, n_train) in [(20_000, 10_000), (60_000, 50_000)] {
        let (x, time, event) = data(n_total, 27, &mut rng);
        let d = SurvivalData::new(&time[..n_train], &event[..n_train]).unwrap();
        let xt = x.slice(s![..n_train, ..]).to_owned();
        let params = RandomSurvivalForest::params().n_estimators(100).seed(1).progress(false);
        let t = best_of(1, || params.fit(&xt, &d).unwrap());
        println!("random_survival_forest 100 trees n={} p=27: {t:.4} s", if n_train == 10_000 { "1e4" } else { "5e4" });
        let rsf = params.fit(&xt, &d).unwrap();
        let test = SurvivalData::new(&time[n_train..], &event[n_train..]).unwrap();
        let c = harrell_c(&test, &rsf.predict(&x.slice(s![n_train.., ..]).to_owned()).unwrap()).unwrap();
        println!("(random survival forest n={n_train}: held-out Harrell's C {c:.4})");
    }
}
