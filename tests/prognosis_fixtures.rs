//! Prognosis models against scikit-learn 1.7.2, statsmodels 0.15 and lifelines 0.30.3 on
//! the bundled `data/risk_factors.csv` (fixtures and the producing script in
//! `tests/fixtures/prognosis/`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use ai4med::data::{column_f64, read_bundled_csv};
use ai4med::prognosis::*;
use serde_json::Value;

fn fixture() -> Value {
    let p = format!("{}/tests/fixtures/prognosis/regression.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

const FEATS: [&str; 4] = ["Age", "Systolic_BP", "Diastolic_BP", "Cholesterol"];

/// log, then standardize with the whole frame's statistics (as the fixture script does).
fn prepared() -> (polars::prelude::DataFrame, Vec<f64>) {
    let d = read_bundled_csv("risk_factors.csv").unwrap();
    let y = column_f64(&d, "y").unwrap();
    let x = d.select(FEATS).unwrap();
    let x = log_transform(&x, &[]).unwrap();
    let x = Standardizer::params().fit(&x).unwrap().transform(&x).unwrap();
    (x, y)
}

fn close(a: &[f64], b: &[f64], tol: f64, what: &str) {
    assert_eq!(a.len(), b.len(), "{what}");
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!((x - y).abs() <= tol * (1.0 + y.abs()), "{what}[{i}]: {x} vs {y}");
    }
}

#[test]
fn logistic_regression_matches_sklearn_and_statsmodels() {
    let f = fixture();
    let (x, y) = prepared();
    for (key, frame) in [("main", x.clone()), ("interactions", add_interactions(&x).unwrap())] {
        let want_cols: Vec<String> = f[key]["columns"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
        let cols: Vec<String> = frame.get_column_names().iter().map(|s| s.to_string()).collect();
        assert_eq!(cols, want_cols);
        let names: Vec<&str> = cols.iter().map(String::as_str).collect();
        let m = to_matrix(&frame, &[]).unwrap();
        let l2 = LogisticRegression::params().fit(&ai4med::data::named(m.view(), &names).unwrap(), &y).unwrap();
        let est: Vec<f64> = l2.coefficients.iter().map(|c| c.estimate).collect();
        close(&est, &floats(&f[key]["sklearn_l2_c1"]), 1e-6, &format!("{key} sklearn"));
        let mle = LogisticRegression::params().penalty(Penalty::None).fit(&ai4med::data::named(m.view(), &names).unwrap(), &y).unwrap();
        let est: Vec<f64> = mle.coefficients.iter().map(|c| c.estimate).collect();
        let se: Vec<f64> = mle.coefficients.iter().map(|c| c.se).collect();
        close(&est, &floats(&f[key]["logit_params"]), 1e-8, &format!("{key} Logit params"));
        close(&se, &floats(&f[key]["logit_bse"]), 1e-8, &format!("{key} Logit SE"));
        assert!((mle.log_likelihood - f[key]["logit_llf"].as_f64().unwrap()).abs() < 1e-7);
        let risk = l2.decision_function(&m.view()).unwrap();
        let c = cindex(&y, Risk(&risk)).unwrap();
        assert!((c - f[key]["lifelines_cindex_of_sklearn_risk"].as_f64().unwrap()).abs() < 1e-6, "{key} c-index {c}");
    }
}

#[test]
fn ols_matches_statsmodels() {
    let f = fixture();
    let (x, _) = prepared();
    let m = to_matrix(&x, &["Age", "Diastolic_BP", "Cholesterol"]).unwrap();
    let sbp = column_f64(&x, "Systolic_BP").unwrap();
    let r = LinearRegression::params().fit(&ai4med::data::named(m.view(), &["Age", "Diastolic_BP", "Cholesterol"]).unwrap(), &sbp).unwrap();
    let est: Vec<f64> = r.coefficients.iter().map(|c| c.estimate).collect();
    let se: Vec<f64> = r.coefficients.iter().map(|c| c.se).collect();
    close(&est, &floats(&f["ols"]["params"]), 1e-9, "OLS params");
    close(&se, &floats(&f["ols"]["bse"]), 1e-9, "OLS SE");
    assert!((r.r_squared - f["ols"]["rsquared"].as_f64().unwrap()).abs() < 1e-10);
}

#[test]
fn skewness_matches_pandas() {
    let f = fixture();
    let d = read_bundled_csv("risk_factors.csv").unwrap();
    for feat in FEATS {
        let s = skewness(&column_f64(&d, feat).unwrap()).unwrap();
        assert!((s - f["skew_raw"][feat].as_f64().unwrap()).abs() < 1e-10, "{feat}: {s}");
    }
}
