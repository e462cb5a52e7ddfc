//! Survival estimators and the Cox model against lifelines 0.30.3 and R's survival 3.5.3
//! (`tests/fixtures/survival/make_fixtures.py` and `make_cox_r.R` record each producing call).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use ai4med::data::{column_f64, lymphoma, pbc_course};
use ai4med::survival::*;
use serde_json::Value;

fn fixtures() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/survival/survival.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn v(x: &Value) -> Vec<f64> {
    x.as_array().unwrap().iter().map(|a| a.as_f64().unwrap()).collect()
}

fn close(a: &[f64], b: &[f64], tol: f64, what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!((x - y).abs() <= tol * (1.0 + y.abs()), "{what}[{i}]: {x} vs {y}");
    }
}

fn lymphoma_data() -> (SurvivalData, Vec<f64>) {
    let df = lymphoma().unwrap();
    (SurvivalData::from_frame(&df, "Time", "Event").unwrap(), column_f64(&df, "Stage_group").unwrap())
}

/// `pbc_course()` in the coding the lifelines, R and scikit-survival fixtures were made
/// with (before `pbc_course` took the course's coding): `trt` 1 for D-penicillamine,
/// `sex` 1 for female, time in days / 365.25. Flipping a 0/1 covariate only flips its
/// Cox coefficient's sign, and rescaling time changes no ordering, so these fixtures
/// still test the same models; `tests/pbc_course.rs` checks the course's coding itself.
fn pbc_fixture_coding() -> polars::prelude::DataFrame {
    use polars::prelude::*;
    let df = pbc_course().unwrap();
    let flip = |name: &str| Column::new(name.into(), column_f64(&df, name).unwrap().iter().map(|v| 1.0 - v).collect::<Vec<f64>>());
    let time = Column::new("time".into(), column_f64(&df, "time").unwrap().iter().map(|t| t * 365.0 / 365.25).collect::<Vec<f64>>());
    let mut out = df.clone();
    out.with_column(flip("trt")).unwrap();
    out.with_column(flip("sex")).unwrap();
    out.with_column(time).unwrap();
    out
}

#[test]
fn kaplan_meier_and_nelson_aalen_match_lifelines() {
    let f = fixtures();
    let (d, _) = lymphoma_data();
    let km = KaplanMeier::params().fit(&d).unwrap();
    let k = &f["km_lymphoma"];
    close(km.times(), &v(&k["timeline"]), 1e-12, "timeline");
    close(km.survival(), &v(&k["survival"]), 1e-12, "survival");
    close(km.lower(), &v(&k["lower"]), 1e-10, "lower");
    close(km.upper(), &v(&k["upper"]), 1e-10, "upper");
    assert_eq!(km.median(), k["median"].as_f64().unwrap());
    let n = &f["na_lymphoma"];
    let na = NelsonAalen::params().smoothed(true).fit(&d).unwrap();
    close(na.times(), &v(&n["timeline"]), 1e-12, "NA timeline");
    close(na.cumulative_hazard(), &v(&n["smoothed"]), 1e-12, "NA smoothed");
    close(NelsonAalen::params().fit(&d).unwrap().cumulative_hazard(), &v(&n["plain"]), 1e-12, "NA plain");
    // H(t) between and beyond the fixture's points; NaN and negative times are errors
    let plain = NelsonAalen::params().fit(&d).unwrap();
    let h = plain.cumulative_hazard();
    assert_eq!(plain.at(0.0).unwrap(), h[0]);
    assert_eq!(plain.at(f64::INFINITY).unwrap(), *h.last().unwrap());
    let t1 = plain.times()[1];
    assert_eq!(plain.at(t1).unwrap(), h[1]);
    assert_eq!(plain.at(t1 - 1e-9).unwrap(), h[0]);
    for bad in [f64::NAN, -1.0, f64::NEG_INFINITY] {
        assert!(plain.at(bad).unwrap_err().to_string().contains("t"), "{bad}");
    }
}

#[test]
fn logrank_tests_match_lifelines() {
    let f = fixtures();
    let (d, stage) = lymphoma_data();
    let a = d.subset(&stage.iter().map(|s| *s == 1.0).collect::<Vec<_>>()).unwrap();
    let b = d.subset(&stage.iter().map(|s| *s == 2.0).collect::<Vec<_>>()).unwrap();
    let r = logrank_test(&a, &b).unwrap();
    close(
        &[r.statistic, r.p_value],
        &[f["logrank_lymphoma"]["statistic"].as_f64().unwrap(), f["logrank_lymphoma"]["p"].as_f64().unwrap()],
        1e-10,
        "two groups",
    );
    let pbc = pbc_fixture_coding();
    let d = SurvivalData::from_frame(&pbc, "time", "status").unwrap();
    let stage: Vec<i64> = column_f64(&pbc, "stage").unwrap().iter().map(|s| *s as i64).collect();
    let r = multivariate_logrank_test(&d, &stage).unwrap();
    let m = &f["logrank_pbc_stage"];
    assert_eq!(r.degrees_of_freedom as i64, m["df"].as_i64().unwrap());
    close(&[r.statistic, r.p_value], &[m["statistic"].as_f64().unwrap(), m["p"].as_f64().unwrap()], 1e-9, "k groups");
}

#[test]
fn cox_matches_lifelines_and_r() {
    let f = fixtures();
    let c = &f["cox_pbc"];
    let pbc = pbc_fixture_coding();
    let d = SurvivalData::from_frame(&pbc, "time", "status").unwrap();
    let covs: Vec<String> = c["covariates"].as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect();
    let x = pbc.select(covs.iter().map(String::as_str)).unwrap();
    let cox = CoxPH::params().fit(&x, &d).unwrap();
    close(cox.coefficients(), &v(&c["params"]), 1e-6, "coefficients vs lifelines");
    close(cox.standard_errors(), &v(&c["se"]), 1e-5, "standard errors vs lifelines");
    close(&[cox.log_likelihood()], &[c["log_likelihood"].as_f64().unwrap()], 1e-9, "log-likelihood");
    let (bt, bh) = cox.baseline_cumulative_hazard();
    close(bt, &v(&c["baseline_times"]), 1e-12, "baseline times");
    close(bh, &v(&c["baseline_cumulative_hazard"]), 1e-6, "baseline cumulative hazard");
    let first5 = x.slice(0, 5);
    close(&cox.predict_partial_hazard(&first5).unwrap(), &v(&c["partial_hazard_first5"]), 1e-6, "partial hazards");
    let sf = cox.predict_survival_function(&x.slice(0, 3)).unwrap();
    for (i, row) in c["survival_first3"].as_array().unwrap().iter().enumerate() {
        close(sf.row(i).as_slice().unwrap(), &v(row), 1e-6, "survival function");
    }
    let pen = CoxPH::params().penalizer(0.1).fit(&x, &d).unwrap();
    close(pen.coefficients(), &v(&f["cox_pbc_penalized"]["params"]), 1e-6, "penalized coefficients vs lifelines");
    close(pen.standard_errors(), &v(&f["cox_pbc_penalized"]["se"]), 1e-5, "penalized standard errors vs lifelines");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/survival/cox_r.json");
    let r: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    for (ties, key) in [(Ties::Efron, "efron"), (Ties::Breslow, "breslow")] {
        let m = CoxPH::params().ties(ties).fit(&x, &d).unwrap();
        close(m.coefficients(), &v(&r[key]["params"]), 1e-6, key);
        close(m.standard_errors(), &v(&r[key]["se"]), 1e-5, key);
        close(&[m.log_likelihood()], &[r[key]["loglik"].as_f64().unwrap()], 1e-9, key);
    }
}

/// Random survival forests: our test C-index on scikit-survival's split lands within noise
/// of scikit-survival 0.28's (make_rsf_fixture.py).
#[test]
fn random_survival_forest_matches_scikit_survival_quality() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/survival/rsf.json");
    let f: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let pbc = pbc_fixture_coding();
    let covs: Vec<String> = f["covariates"].as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect();
    let idx = |k: &str| -> Vec<usize> { f[k].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect() };
    let x = ai4med::data::frame_to_matrix(&pbc, &covs.iter().map(String::as_str).collect::<Vec<_>>()).unwrap();
    let d = SurvivalData::from_frame(&pbc, "time", "status").unwrap();
    let pick = |rows: &[usize]| {
        let xm = x.select(ai4med::ndarray::Axis(0), rows);
        let t: Vec<f64> = rows.iter().map(|&i| d.time()[i]).collect();
        let e: Vec<bool> = rows.iter().map(|&i| d.event()[i]).collect();
        (xm, SurvivalData::from_bools(&t, &e).unwrap())
    };
    let (xtr, dtr) = pick(&idx("train"));
    let (xte, dte) = pick(&idx("test"));
    let theirs = v(&f["c_index"]);
    let their_mean = theirs.iter().sum::<f64>() / theirs.len() as f64;
    let ours: Vec<f64> = (0..3)
        .map(|seed| {
            let rsf = RandomSurvivalForest::params()
                .n_estimators(300)
                .min_samples_split(10)
                .min_samples_leaf(5)
                .seed(seed)
                .fit(&xtr, &dtr)
                .unwrap();
            harrell_c(&dte, &rsf.predict(&xte).unwrap()).unwrap()
        })
        .collect();
    let our_mean = ours.iter().sum::<f64>() / ours.len() as f64;
    assert!((our_mean - their_mean).abs() < 0.02, "test C ours {ours:?} vs scikit-survival {theirs:?}");
}
