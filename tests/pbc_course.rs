//! The course's PBC pipeline (course 2 week 4 assignment), step by step against the same
//! steps run in pandas / scikit-learn / lifelines (tests/fixtures/survival/make_pbc_course.py)
//! and against the values the course's own notebook printed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use ai4med::course::pbc_course_split;
use ai4med::data::{PBC_CONTINUOUS_COLUMNS, column_f64, frame_to_matrix, pbc_course};
use ai4med::prelude::*;
use ai4med::prognosis::{Standardizer, one_hot};
use ai4med::survival::{CoxPH, SurvivalData, harrell_c};
use serde_json::Value;

fn fixture() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/survival/pbc_course.json");
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

/// The prepared set, its split, the training standardisation and the one-hot columns.
fn prepared() -> (DataFrame, DataFrame, DataFrame) {
    let (train, val, test) = pbc_course_split(&pbc_course().unwrap()).unwrap();
    let scaler = Standardizer::params().columns(&PBC_CONTINUOUS_COLUMNS).fit(&train).unwrap();
    let prep = |df: &DataFrame| one_hot(&scaler.transform(df).unwrap(), &["edema", "stage"], true).unwrap();
    (prep(&train), prep(&val), prep(&test))
}

#[test]
fn preparation_and_split_match_the_course() {
    let f = fixture();
    let df = pbc_course().unwrap();
    assert_eq!(df.shape(), (258, 19));
    for (name, want) in f["first_row"].as_object().unwrap() {
        let got = column_f64(&df, name).unwrap()[0];
        close(&[got], &[want.as_f64().unwrap()], 1e-15, name);
    }
    // The rows of each part, by position in the prepared frame, in the course's order.
    let mut with_pos = df.clone();
    with_pos.with_column(Column::new("pos".into(), (0..258).map(|i| i as f64).collect::<Vec<f64>>())).unwrap();
    let (train, val, test) = pbc_course_split(&with_pos).unwrap();
    for (part, key) in [(&train, "train"), (&val, "val"), (&test, "test")] {
        assert_eq!(column_f64(part, "pos").unwrap(), v(&f["split"][key]), "{key} rows");
    }
    let scaler = Standardizer::params().columns(&PBC_CONTINUOUS_COLUMNS).fit(&train).unwrap();
    close(scaler.means(), &v(&f["train_mean"]), 1e-13, "training means");
    close(scaler.sds(), &v(&f["train_std"]), 1e-13, "training standard deviations");
    let (train, _, _) = prepared();
    let names: Vec<String> = train.get_column_names().iter().map(|s| s.to_string()).collect();
    let want: Vec<String> = f["columns"].as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect();
    assert_eq!(names, want);
    assert_eq!(
        column_f64(&train, "status").unwrap().iter().filter(|&&s| s == 0.0).count() as u64,
        f["censored_in_train"].as_u64().unwrap()
    );
}

#[test]
fn cox_model_hazard_ratios_and_harrell_c_match_the_course() {
    let f = fixture();
    let (train, val, test) = prepared();
    let xy = |df: &DataFrame| (df.drop_many(["time", "status"]), SurvivalData::from_frame(df, "time", "status").unwrap());
    let (x_train, y_train) = xy(&train);
    let cox = CoxPH::params().fit(&x_train, &y_train).unwrap();
    close(cox.coefficients(), &v(&f["cox_params"]), 1e-5, "coefficients vs lifelines");
    close(cox.standard_errors(), &v(&f["cox_se"]), 1e-4, "standard errors vs lifelines");
    // The course's hazard_ratio on training rows (1, 5) and (4, 7): its notebook printed
    // 15.029017732492221 and 0.178045000699713 (lifelines' default convergence tolerance
    // leaves the 7th digit open).
    let rows = frame_to_matrix(&x_train, &[]).unwrap();
    let hr = |i: usize, j: usize| cox.hazard_ratio(&rows.row(i).to_vec(), &rows.row(j).to_vec()).unwrap();
    close(&[hr(1, 5), hr(4, 7)], &[15.029017732492221, 0.178045000699713], 1e-6, "course hazard ratios");
    close(
        &[hr(1, 5), hr(4, 7)],
        &[f["hazard_ratio"]["1,5"].as_f64().unwrap(), f["hazard_ratio"]["4,7"].as_f64().unwrap()],
        1e-6,
        "lifelines hazard ratios",
    );
    // Harrell's C of the partial hazards: the course's printed values, to the digit.
    for (part, course) in [(&train, 0.8265139116202946), (&val, 0.8544776119402985), (&test, 0.8478543563068921)] {
        let (x, y) = xy(part);
        let c = harrell_c(&y, &cox.predict_partial_hazard(&x).unwrap()).unwrap();
        assert!((c - course).abs() < 1e-12, "Harrell's C {c} vs the course's {course}");
    }
}
