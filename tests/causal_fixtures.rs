//! Treatment-effect tools against scikit-learn 1.7.2, statsmodels 0.15.0, pandas 2.3.3 and the
//! course's plain-Python C-for-benefit (`tests/fixtures/causal/make_fixtures.py` records each call).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use ai4med::causal::*;
use ai4med::data::{LEVAMISOLE_COLUMNS, column_f64, levamisole};
use ai4med::prognosis::{LogisticRegression, Penalty};
use serde_json::Value;

fn fixtures() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/causal/causal.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn v(x: &Value) -> Vec<f64> {
    x.as_array().unwrap().iter().map(|a| a.as_f64().unwrap_or(f64::NAN)).collect()
}

fn close(a: &[f64], b: &[f64], tol: f64, what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        let both_nan = x.is_nan() && y.is_nan();
        assert!(both_nan || (x - y).abs() <= tol * (1.0 + y.abs()), "{what}[{i}]: {x} vs {y}");
    }
}

fn data() -> (polars::prelude::DataFrame, Vec<f64>) {
    let df = levamisole().unwrap();
    let y = column_f64(&df, "outcome").unwrap();
    (df.drop("outcome").unwrap(), y)
}

#[test]
fn levamisole_recipe_matches_pandas() {
    let f = fixtures();
    let (x, y) = data();
    assert_eq!(x.height() as u64, f["n"].as_u64().unwrap());
    assert_eq!(column_f64(&x, "TRTMT").unwrap().iter().sum::<f64>() as u64, f["n_treated"].as_u64().unwrap());
    assert_eq!(y.iter().sum::<f64>() as u64, f["events"].as_u64().unwrap());
    assert_eq!(x.width() + 1, LEVAMISOLE_COLUMNS.len());
}

#[test]
fn logistic_model_matches_scikit_learn() {
    let f = fixtures();
    let (x, y) = data();
    for (key, penalty) in [("lr_l2", Penalty::L2 { c: 1.0 }), ("lr_none", Penalty::None)] {
        let m = LogisticRegression::params().penalty(penalty).fit(&x, &y).unwrap();
        let ours: Vec<f64> = m.coefficients.iter().map(|c| c.estimate).collect();
        let mut want = vec![f[key]["intercept"].as_f64().unwrap()];
        want.extend(v(&f[key]["coef"]));
        close(&ours, &want, 1e-6, key);
    }
    let m = LogisticRegression::params().fit(&x, &y).unwrap();
    let base = baseline_risks(&m, &x, "TRTMT").unwrap();
    close(&base, &v(&f["baseline_risk"]), 1e-6, "baseline risk");
    let (theta, or) = treatment_effect(&m, "TRTMT").unwrap();
    close(&[theta, or], &[v(&f["lr_l2"]["coef"])[7], v(&f["lr_l2"]["coef"])[7].exp()], 1e-6, "treatment effect");
}

#[test]
fn risk_groups_match_pandas_qcut_and_cut() {
    let f = fixtures();
    let (x, y) = data();
    let w = column_f64(&x, "TRTMT").unwrap();
    let base = v(&f["baseline_risk"]);
    let q = RiskBins::new(&base, &y, &w, Binning::Quantile(10)).unwrap();
    close(&q.arr(), &v(&f["arr_qcut10"]), 1e-12, "qcut ARR");
    let u = RiskBins::new(&base, &y, &w, Binning::Uniform(10)).unwrap();
    close(&u.arr(), &v(&f["arr_cut10"]), 1e-12, "cut ARR");
}

#[test]
fn trial_intervals_match_statsmodels() {
    let f = fixtures();
    let (x, y) = data();
    let t = Trial::new(&y, &column_f64(&x, "TRTMT").unwrap()).unwrap();
    let pair = |i: ai4med::metrics::Interval| vec![i.lower, i.upper];
    let s = &f["trial"];
    close(&pair(t.proportion_treated()), &v(&s["proportion_treated"]), 1e-12, "proportion treated");
    let (rt, rc) = t.event_rates();
    close(&pair(rt), &v(&s["rate_treated"]), 1e-12, "rate treated");
    close(&pair(rc), &v(&s["rate_control"]), 1e-12, "rate control");
    let diff = v(&s["diff_treated_minus_control"]);
    close(&pair(t.absolute_risk_reduction()), &[-diff[1], -diff[0]], 1e-12, "ARR");
    close(&pair(t.relative_risk().unwrap()), &v(&s["rr"]), 1e-12, "RR");
    close(&pair(t.odds_ratio().unwrap()), &v(&s["or"]), 1e-12, "OR");
}

#[test]
fn c_for_benefit_matches_the_course_loop() {
    let f = fixtures();
    for case in f["c_for_benefit_score"].as_array().unwrap() {
        let pairs: Vec<(Patient, Patient)> = case["pairs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                let a = v(&p[0]);
                let b = v(&p[1]);
                ((a[0], a[1]), (b[0], b[1]))
            })
            .collect();
        close(&[c_for_benefit_score(&pairs).unwrap()], &[case["score"].as_f64().unwrap()], 1e-12, "c_for_benefit_score");
    }
    for case in f["c_statistic_equal_arms"].as_array().unwrap() {
        let c = c_for_benefit(&v(&case["pred"]), &v(&case["y"]), &v(&case["w"]), 0).unwrap();
        close(&[c], &[case["c"].as_f64().unwrap()], 1e-12, "c_statistic");
    }
}

/// The course's `c_statistic` with arms of unequal size: the larger arm is subsampled as
/// Python's `random.seed(seed); random.sample(arm, m)` does
/// (`tests/fixtures/causal/make_c_statistic_unequal.py`), so the values agree exactly,
/// the course's own test case (0.6) among them.
#[test]
fn c_statistic_with_unequal_arms_matches_python() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/causal/c_statistic_unequal.json")).unwrap();
    let f: serde_json::Value = serde_json::from_str(&text).unwrap();
    let cases = f["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 9);
    assert_eq!(cases[0]["c"].as_f64().unwrap(), 0.6);
    for case in cases {
        let c = c_for_benefit(&v(&case["pred"]), &v(&case["y"]), &v(&case["w"]), case["seed"].as_u64().unwrap()).unwrap();
        close(&[c], &[case["c"].as_f64().unwrap()], 1e-12, "c_statistic (unequal arms)");
    }
}
