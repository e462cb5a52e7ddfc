//! The NaN policy written in the crate documentation (`ai4med` › "NaN and infinities"),
//! family by family: an `Error` naming the argument, or the documented NaN result — never
//! a number that looks valid.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use ai4med::Error;
use ndarray::{Array3, Axis, array};

fn names(e: Error, arg: &str) {
    let s = format!("{e:?} {e}");
    assert!(s.contains(arg), "error should name {arg}: {s}");
}

#[test]
fn metrics_reject_nan_scores_labels_and_thresholds() {
    use ai4med::metrics::*;
    let y = [1.0, 0.0, 1.0, 0.0];
    let s = [0.9, f64::NAN, 0.4, 0.2];
    names(roc_auc(&y, &s).unwrap_err(), "y_score");
    names(average_precision(&y, &s).unwrap_err(), "y_score");
    names(accuracy(&y, &s, 0.5).unwrap_err(), "y_score");
    names(brier_score(&y, &s).unwrap_err(), "y_score");
    names(roc_auc(&[1.0, f64::NAN, 0.0], &[0.1, 0.2, 0.3]).unwrap_err(), "y_true");
    names(accuracy(&y, &[0.9, 0.1, 0.4, 0.2], f64::NAN).unwrap_err(), "threshold");
    names(ai4med::prognosis::cindex(&y, ai4med::prognosis::Risk(&s)).unwrap_err(), "y_score");
    // undefined ratios are errors too, not NaN
    assert!(matches!(sensitivity(&[0.0, 0.0], &[0.1, 0.9], 0.5), Err(Error::Undefined { .. })));
}

#[test]
fn survival_rejects_nan_times_scores_covariates() {
    use ai4med::survival::*;
    names(SurvivalData::new(&[1.0, f64::NAN], &[1.0, 0.0]).unwrap_err(), "time");
    let d = SurvivalData::new(&[1.0, 2.0, 3.0], &[1.0, 0.0, 1.0]).unwrap();
    names(harrell_c(&d, &[0.1, f64::NAN, 0.3]).unwrap_err(), "scores");
    names(KaplanMeier::params().fit(&d).unwrap().survival_at(f64::NAN).unwrap_err(), "t");
    names(NelsonAalen::params().fit(&d).unwrap().at(f64::NAN).unwrap_err(), "t");
    names(CoxPH::params().fit(&array![[1.0], [f64::NAN], [0.0]], &d).unwrap_err(), "covariate");
}

#[test]
fn imaging_and_losses() {
    let a = array![[1.0, f64::NAN], [0.0, 1.0]];
    let b = array![[1.0, 1.0], [0.0, 1.0]];
    assert!(ai4med::metrics::segmentation::single_class_dice(&a, &b, 1.0).is_err());
    assert!(ai4med::metrics::segmentation::soft_dice_loss(&a.clone().insert_axis(Axis(0)), &b.clone().insert_axis(Axis(0)), 1.0).is_err());
    names(ai4med::xray::weighted_loss(&b.view(), &a.view(), &[0.5, 0.5], &[0.5, 0.5], 1e-7).unwrap_err(), "predictions");
    let img = ndarray::Array4::<f32>::from_elem((1, 2, 2, 1), f32::NAN);
    names(ai4med::imaging::standardize(&img.view()).unwrap_err(), "image");
    // documented NaN results
    let empty = Array3::<u8>::zeros((3, 3, 3));
    assert!(ai4med::metrics::segmentation::hausdorff_distance(&empty.view(), &empty.view(), [1.0; 3], 95.0).unwrap().is_nan());
    let mut one = empty.clone();
    one[[1, 1, 1]] = 1;
    assert_eq!(ai4med::metrics::segmentation::hausdorff_distance(&one.view(), &empty.view(), [1.0; 3], 95.0).unwrap(), f64::INFINITY);
    let x = array![[0.0f32, f32::NAN], [1.0, 1.0]];
    let s = ai4med::xray::standardize_samplewise(&x.view());
    assert!(s[[0, 1]].is_nan() && s.iter().filter(|v| v.is_finite()).count() == 3);
}
