//! Metrics against reference outputs of scikit-learn 1.7.2 and pROC 1.18.0.
//!
//! The fixtures and the calls that produced them live in `tests/fixtures/metrics/`
//! (`make_fixtures.py`, `make_delong.R`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use ai4med::metrics::*;
use serde_json::Value;

fn load(name: &str) -> Value {
    let p = format!("{}/tests/fixtures/metrics/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(p).expect("fixture")).expect("json")
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().expect("array").iter().map(|x| x.as_f64().unwrap_or(f64::INFINITY)).collect()
}

fn close(a: &[f64], b: &[f64], tol: f64, what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: lengths {} vs {}", a.len(), b.len());
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!((x == y) || (x - y).abs() <= tol * (1.0 + y.abs()), "{what}[{i}]: {x} vs {y}");
    }
}

fn cases() -> Vec<(String, Vec<f64>, Vec<f64>, Value)> {
    let f = load("cases.json");
    f["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap().to_string(), floats(&c["y"]), floats(&c["s"]), c.clone()))
        .collect()
}

#[test]
fn roc_curve_auc_and_ap_match_sklearn() {
    for (name, y, s, c) in cases() {
        let roc = roc_curve(&y, &s).unwrap();
        close(&roc.fpr, &floats(&c["roc_fpr"]), 1e-12, &format!("{name} fpr"));
        close(&roc.tpr, &floats(&c["roc_tpr"]), 1e-12, &format!("{name} tpr"));
        close(&roc.thresholds, &floats(&c["roc_thresholds"]), 1e-12, &format!("{name} thresholds"));
        let auc = roc_auc(&y, &s).unwrap();
        assert!((auc - c["auc"].as_f64().unwrap()).abs() < 1e-12, "{name} auc");
        let ap = average_precision(&y, &s).unwrap();
        assert!((ap - c["ap"].as_f64().unwrap()).abs() < 1e-12, "{name} ap {ap}");
        let pr = pr_curve(&y, &s).unwrap();
        close(&pr.precision, &floats(&c["pr_precision"]), 1e-12, &format!("{name} precision"));
        close(&pr.recall, &floats(&c["pr_recall"]), 1e-12, &format!("{name} recall"));
        close(&pr.thresholds, &floats(&c["pr_thresholds"]), 1e-12, &format!("{name} pr thresholds"));
    }
}

#[test]
fn calibration_and_brier_match_sklearn() {
    for (name, y, s, c) in cases() {
        for strategy in ["uniform", "quantile"] {
            for bins in [5usize, 10] {
                let st = if strategy == "uniform" { BinStrategy::Uniform } else { BinStrategy::Quantile };
                let cc = calibration_curve(&y, &s, bins, st).unwrap();
                let want = &c["calibration"][format!("{strategy}_{bins}")];
                close(&cc.prob_true, &floats(&want["prob_true"]), 1e-12, &format!("{name} {strategy} {bins} prob_true"));
                close(&cc.prob_pred, &floats(&want["prob_pred"]), 1e-12, &format!("{name} {strategy} {bins} prob_pred"));
            }
        }
        let b = brier_score(&y, &s).unwrap();
        assert!((b - c["brier"].as_f64().unwrap()).abs() < 1e-12, "{name} brier");
    }
}

#[test]
fn platt_matches_sklearn_sigmoid_calibration() {
    for (name, y, s, c) in cases() {
        let p = Platt::params().fit(&y, &s).unwrap();
        // scikit-learn: P = 1 / (1 + exp(A·s + B)); it stops L-BFGS at gtol 1e-6, so
        // compare the calibrated probabilities rather than the raw parameters.
        let (a, b) = (c["platt_sklearn_A"].as_f64().unwrap(), c["platt_sklearn_B"].as_f64().unwrap());
        let ours = p.predict(&s).unwrap();
        for (i, &v) in s.iter().enumerate() {
            let theirs = 1.0 / (1.0 + (a * v + b).exp());
            assert!((ours[i] - theirs).abs() < 1e-5, "{name}[{i}]: {} vs {theirs}", ours[i]);
        }
        assert!((p.a + a).abs() < 1e-3 * (1.0 + a.abs()), "{name}: a {} vs -A {}", p.a, -a);
    }
}

#[test]
fn delong_matches_proc() {
    let d = load("delong.json");
    for (name, y, s, _) in cases() {
        let want = &d["cases"][&name];
        let (auc, var) = delong_variance(&y, &s).unwrap();
        assert!((auc - want["auc"].as_f64().unwrap()).abs() < 1e-12, "{name} auc");
        assert!((var - want["var"].as_f64().unwrap()).abs() < 1e-12 * (1.0 + var), "{name} var {var}");
        let ci = delong_ci(&y, &s, 0.95).unwrap();
        assert!((ci.lower - want["ci_lower"].as_f64().unwrap()).abs() < 1e-9, "{name} lower");
        assert!((ci.upper - want["ci_upper"].as_f64().unwrap()).abs() < 1e-9, "{name} upper");
        let s2: Vec<f64> = s.iter().enumerate().map(|(i, v)| v + 0.05 * ((i + 1) as f64).sin()).collect();
        let t = delong_test(&y, &s, &s2).unwrap();
        assert!((t.z - want["test_z"].as_f64().unwrap()).abs() < 1e-9, "{name} z {} vs {}", t.z, want["test_z"]);
        assert!((t.p_value - want["test_p"].as_f64().unwrap()).abs() < 1e-9, "{name} p");
    }
}
