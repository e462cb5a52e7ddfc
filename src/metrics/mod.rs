//! Evaluating diagnostic models (course 1, week 2: "Evaluating models").
//!
//! Free functions of `(y_true, y_score)` in the style of scikit-learn's metrics,
//! plus what scikit-learn and pROC leave out: confidence intervals on every metric
//! ([`bootstrap_ci`], [`delong_ci`]) and a per-class [`PerformanceTable`] that says
//! *why* a metric is not defined instead of printing NaN.
//!
//! **Conventions.**
//! - Ground truth is anything implementing [`Labels`]: `bool`s, or integers / floats
//!   that are exactly 0 or 1.
//! - A prediction is **positive when `score >= threshold`** (the course's graded
//!   convention, and scikit-learn's for curve thresholds). Thresholds for the
//!   threshold-based metrics must lie in `[0, 1]`: they apply to probabilities.
//! - Ratios whose denominator is zero (sensitivity with no positive cases, PPV with
//!   no positive predictions, ...) are [`Error::Undefined`],
//!   where scikit-learn returns 0 with a warning.
//!
//! ```
//! use ai4med::metrics::{confusion, sensitivity, specificity};
//! // The course's test case.
//! let y = [1, 0, 0, 1, 1];
//! let pred = [0.8, 0.8, 0.4, 0.6, 0.3];
//! let c = confusion(&y, &pred, 0.5).unwrap();
//! assert_eq!((c.tp, c.tn, c.fp, c.fn_), (2, 1, 1, 1));
//! assert!((sensitivity(&y, &pred, 0.5).unwrap() - 2.0 / 3.0).abs() < 1e-12);
//! assert_eq!(specificity(&y, &pred, 0.5).unwrap(), 0.5);
//! ```

mod calibration;
pub(crate) use calibration::quantile_sorted;
mod ci;
mod curves;
pub mod segmentation;
mod table;

pub use calibration::{BinStrategy, CalibrationCurve, Platt, PlattParams, brier_score, calibration_curve, calibration_grid};
pub use ci::{Bootstrap, BootstrapResult, DelongTest, Interval, bootstrap_auc, bootstrap_ci, delong_ci, delong_test, delong_variance};
pub use curves::{PrCurve, RocCurve, average_precision, pr_curve, pr_figure, roc_auc, roc_curve, roc_figure};
pub use table::{MetricValue, PerformanceTable};

use crate::error::check;
use crate::{Error, Result};

/// Ground-truth labels: `bool`s, or numbers that are exactly 0 or 1.
///
/// ```
/// use ai4med::metrics::Labels;
/// assert_eq!([1u8, 0].to_bools("y").unwrap(), vec![true, false]);
/// assert!([0.0, 0.5].to_bools("y").is_err());
/// ```
pub trait Labels {
    /// The labels as booleans, or an error naming the first value that is not 0/1.
    fn to_bools(&self, what: &str) -> Result<Vec<bool>>;
}

impl Labels for [bool] {
    fn to_bools(&self, _what: &str) -> Result<Vec<bool>> {
        Ok(self.to_vec())
    }
}

macro_rules! labels_num {
    ($($t:ty),*) => {$(
        impl Labels for [$t] {
            fn to_bools(&self, what: &str) -> Result<Vec<bool>> {
                self.iter()
                    .enumerate()
                    .map(|(i, &v)| {
                        if v == (1 as $t) {
                            Ok(true)
                        } else if v == (0 as $t) {
                            Ok(false)
                        } else {
                            Err(Error::InvalidValue {
                                what: what.to_string(),
                                value: format!("{v}"),
                                index: i,
                                reason: "labels must be 0 or 1".into(),
                            })
                        }
                    })
                    .collect()
            }
        }
    )*};
}
labels_num!(u8, u16, u32, u64, usize, i8, i16, i32, i64, f32, f64);

impl<T: Clone> Labels for Vec<T>
where
    [T]: Labels,
{
    fn to_bools(&self, what: &str) -> Result<Vec<bool>> {
        self.as_slice().to_bools(what)
    }
}

impl<T, const N: usize> Labels for [T; N]
where
    [T]: Labels,
{
    fn to_bools(&self, what: &str) -> Result<Vec<bool>> {
        self.as_slice().to_bools(what)
    }
}

impl<S> Labels for ndarray::ArrayBase<S, ndarray::Ix1>
where
    S: ndarray::Data,
    S::Elem: Clone,
    [S::Elem]: Labels,
{
    fn to_bools(&self, what: &str) -> Result<Vec<bool>> {
        self.to_vec().as_slice().to_bools(what)
    }
}

/// Validated `(labels, scores)`: same non-zero length, finite scores.
pub(crate) fn prepare<L: Labels + ?Sized>(y: &L, scores: &[f64]) -> Result<Vec<bool>> {
    let y = y.to_bools("y_true")?;
    check::non_empty("y_true", y.len())?;
    check::same_len("y_true vs y_score", y.len(), scores.len())?;
    check::finite("y_score", scores)?;
    Ok(y)
}

/// Checks that a threshold lies in `[0, 1]`.
pub(crate) fn check_threshold(t: f64) -> Result<()> {
    if !(0.0..=1.0).contains(&t) {
        return Err(Error::invalid_arg("threshold", format!("must lie in [0, 1] (it applies to probabilities), got {t}")));
    }
    Ok(())
}

/// True/false positive/negative counts at one threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Confusion {
    /// Positives predicted positive.
    pub tp: usize,
    /// Negatives predicted negative.
    pub tn: usize,
    /// Negatives predicted positive.
    pub fp: usize,
    /// Positives predicted negative (`fn` is a keyword).
    pub fn_: usize,
}

fn ratio(num: usize, den: usize, what: &str, why: &str) -> Result<f64> {
    if den == 0 { Err(Error::undefined(what, why)) } else { Ok(num as f64 / den as f64) }
}

impl Confusion {
    /// Counts from labels and scores: predicted positive when `score >= threshold`.
    pub fn from_scores(y: &[bool], scores: &[f64], threshold: f64) -> Confusion {
        let mut c = Confusion::default();
        for (&t, &s) in y.iter().zip(scores) {
            match (t, s >= threshold) {
                (true, true) => c.tp += 1,
                (true, false) => c.fn_ += 1,
                (false, true) => c.fp += 1,
                (false, false) => c.tn += 1,
            }
        }
        c
    }
    /// Number of cases.
    pub fn total(&self) -> usize {
        self.tp + self.tn + self.fp + self.fn_
    }
    /// (TP + TN) / total.
    pub fn accuracy(&self) -> Result<f64> {
        ratio(self.tp + self.tn, self.total(), "accuracy", "there are no cases")
    }
    /// (TP + FN) / total: the fraction of positive cases.
    pub fn prevalence(&self) -> Result<f64> {
        ratio(self.tp + self.fn_, self.total(), "prevalence", "there are no cases")
    }
    /// TP / (TP + FN), the true positive rate (recall).
    pub fn sensitivity(&self) -> Result<f64> {
        ratio(self.tp, self.tp + self.fn_, "sensitivity", "there are no positive cases")
    }
    /// TN / (TN + FP), the true negative rate.
    pub fn specificity(&self) -> Result<f64> {
        ratio(self.tn, self.tn + self.fp, "specificity", "there are no negative cases")
    }
    /// TP / (TP + FP), the positive predictive value (precision).
    pub fn ppv(&self) -> Result<f64> {
        ratio(self.tp, self.tp + self.fp, "PPV", "no case is predicted positive")
    }
    /// TN / (TN + FN), the negative predictive value.
    pub fn npv(&self) -> Result<f64> {
        ratio(self.tn, self.tn + self.fn_, "NPV", "no case is predicted negative")
    }
    /// 2·TP / (2·TP + FP + FN), the harmonic mean of PPV and sensitivity.
    pub fn f1(&self) -> Result<f64> {
        ratio(2 * self.tp, 2 * self.tp + self.fp + self.fn_, "F1", "there are no positive cases and no positive predictions")
    }
}

/// Confusion counts at `threshold` (course: `true_positives`, `true_negatives`, ...).
///
/// ```
/// // The course's test case: TP 2, TN 3, FP 4, FN 5.
/// let y = [1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1];
/// let p = [0.8, 0.7, 0.4, 0.3, 0.2, 0.5, 0.6, 0.7, 0.8, 0.1, 0.2, 0.3, 0.4, 0.0];
/// let c = ai4med::metrics::confusion(&y, &p, 0.5).unwrap();
/// assert_eq!((c.tp, c.tn, c.fp, c.fn_), (2, 3, 4, 5));
/// ```
pub fn confusion<L: Labels + ?Sized>(y: &L, scores: &[f64], threshold: f64) -> Result<Confusion> {
    check_threshold(threshold)?;
    let y = prepare(y, scores)?;
    Ok(Confusion::from_scores(&y, scores, threshold))
}

/// Number of true positives at `threshold`.
pub fn true_positives<L: Labels + ?Sized>(y: &L, scores: &[f64], threshold: f64) -> Result<usize> {
    Ok(confusion(y, scores, threshold)?.tp)
}
/// Number of true negatives at `threshold`.
pub fn true_negatives<L: Labels + ?Sized>(y: &L, scores: &[f64], threshold: f64) -> Result<usize> {
    Ok(confusion(y, scores, threshold)?.tn)
}
/// Number of false positives at `threshold`.
pub fn false_positives<L: Labels + ?Sized>(y: &L, scores: &[f64], threshold: f64) -> Result<usize> {
    Ok(confusion(y, scores, threshold)?.fp)
}
/// Number of false negatives at `threshold`.
pub fn false_negatives<L: Labels + ?Sized>(y: &L, scores: &[f64], threshold: f64) -> Result<usize> {
    Ok(confusion(y, scores, threshold)?.fn_)
}

/// (TP + TN) / n at `threshold` (course: `get_accuracy`).
pub fn accuracy<L: Labels + ?Sized>(y: &L, scores: &[f64], threshold: f64) -> Result<f64> {
    confusion(y, scores, threshold)?.accuracy()
}

/// Fraction of positive labels, Σy / n (course: `get_prevalence`).
///
/// ```
/// assert_eq!(ai4med::metrics::prevalence(&[1, 0, 0, 1, 1, 0, 0, 0, 0, 1]).unwrap(), 0.4);
/// ```
pub fn prevalence<L: Labels + ?Sized>(y: &L) -> Result<f64> {
    let y = y.to_bools("y_true")?;
    check::non_empty("y_true", y.len())?;
    Ok(y.iter().filter(|&&v| v).count() as f64 / y.len() as f64)
}

/// TP / (TP + FN) at `threshold` (course: `get_sensitivity`).
pub fn sensitivity<L: Labels + ?Sized>(y: &L, scores: &[f64], threshold: f64) -> Result<f64> {
    confusion(y, scores, threshold)?.sensitivity()
}
/// TN / (TN + FP) at `threshold` (course: `get_specificity`).
pub fn specificity<L: Labels + ?Sized>(y: &L, scores: &[f64], threshold: f64) -> Result<f64> {
    confusion(y, scores, threshold)?.specificity()
}
/// TP / (TP + FP) at `threshold` (course: `get_ppv`).
pub fn ppv<L: Labels + ?Sized>(y: &L, scores: &[f64], threshold: f64) -> Result<f64> {
    confusion(y, scores, threshold)?.ppv()
}
/// TN / (TN + FN) at `threshold` (course: `get_npv`).
pub fn npv<L: Labels + ?Sized>(y: &L, scores: &[f64], threshold: f64) -> Result<f64> {
    confusion(y, scores, threshold)?.npv()
}
/// F1 = 2·TP / (2·TP + FP + FN) at `threshold` (scikit-learn's `f1_score`, except
/// that 0/0 is an error rather than 0).
pub fn f1<L: Labels + ?Sized>(y: &L, scores: &[f64], threshold: f64) -> Result<f64> {
    confusion(y, scores, threshold)?.f1()
}

/// PPV from sensitivity, specificity and prevalence by Bayes' rule:
/// `PPV = sens·prev / (sens·prev + (1 − spec)·(1 − prev))`.
///
/// ```
/// let p = ai4med::metrics::ppv_from_bayes(0.9, 0.8, 0.1).unwrap();
/// assert!((p - 0.09 / (0.09 + 0.18)).abs() < 1e-12);
/// ```
pub fn ppv_from_bayes(sensitivity: f64, specificity: f64, prevalence: f64) -> Result<f64> {
    for (name, v) in [("sensitivity", sensitivity), ("specificity", specificity), ("prevalence", prevalence)] {
        if !(0.0..=1.0).contains(&v) {
            return Err(Error::invalid_arg(name, format!("must lie in [0, 1], got {v}")));
        }
    }
    let num = sensitivity * prevalence;
    let den = num + (1.0 - specificity) * (1.0 - prevalence);
    if den == 0.0 {
        return Err(Error::undefined(
            "PPV",
            "no case would be predicted positive (sensitivity·prevalence and (1 − specificity)·(1 − prevalence) are both 0)",
        ));
    }
    Ok(num / den)
}

/// One row of a threshold sweep.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SweepRow {
    /// The threshold.
    pub threshold: f64,
    /// Counts at that threshold.
    pub counts: Confusion,
}

/// Confusion counts at each threshold (the lab's threshold sweep), in the order given.
pub fn threshold_sweep<L: Labels + ?Sized>(y: &L, scores: &[f64], thresholds: &[f64]) -> Result<Vec<SweepRow>> {
    let y = prepare(y, scores)?;
    thresholds
        .iter()
        .map(|&t| {
            check_threshold(t)?;
            Ok(SweepRow { threshold: t, counts: Confusion::from_scores(&y, scores, t) })
        })
        .collect()
}

/// A sweep as a table: threshold, TP, TN, FP, FN, sensitivity, specificity.
pub fn sweep_table(rows: &[SweepRow]) -> crate::display::Table {
    use crate::display::{Cell, Table};
    let mut t = Table::new(["threshold", "TP", "TN", "FP", "FN", "sensitivity", "specificity"]).max_rows(usize::MAX);
    for r in rows {
        let c = r.counts;
        let cell = |v: Result<f64>| match v {
            Ok(x) => Cell::from(x),
            Err(_) => Cell::toned("not defined", crate::display::Tone::Muted),
        };
        t.push_row([
            Cell::from(r.threshold),
            Cell::from(c.tp),
            Cell::from(c.tn),
            Cell::from(c.fp),
            Cell::from(c.fn_),
            cell(c.sensitivity()),
            cell(c.specificity()),
        ]);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn course_counts() {
        let y = [1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1];
        let p = [0.8, 0.7, 0.4, 0.3, 0.2, 0.5, 0.6, 0.7, 0.8, 0.1, 0.2, 0.3, 0.4, 0.0];
        assert_eq!(true_positives(&y, &p, 0.5).unwrap(), 2);
        assert_eq!(true_negatives(&y, &p, 0.5).unwrap(), 3);
        assert_eq!(false_positives(&y, &p, 0.5).unwrap(), 4);
        assert_eq!(false_negatives(&y, &p, 0.5).unwrap(), 5);
    }

    #[test]
    fn course_rates() {
        let y = [1, 0, 0, 1, 1];
        let p = [0.8, 0.8, 0.4, 0.6, 0.3];
        assert!((accuracy(&y, &p, 0.5).unwrap() - 0.6).abs() < 1e-12);
        assert!((sensitivity(&y, &p, 0.5).unwrap() - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(specificity(&y, &p, 0.5).unwrap(), 0.5);
        assert!((ppv(&y, &p, 0.5).unwrap() - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(npv(&y, &p, 0.5).unwrap(), 0.5);
        assert_eq!(prevalence(&[1, 0, 0, 1, 1, 0, 0, 0, 0, 1]).unwrap(), 0.4);
        // F1 = 2·2 / (4 + 1 + 1)
        assert!((f1(&y, &p, 0.5).unwrap() - 4.0 / 6.0).abs() < 1e-12);
    }

    #[test]
    fn threshold_is_inclusive() {
        let c = confusion(&[true, false], &[0.5, 0.5], 0.5).unwrap();
        assert_eq!((c.tp, c.fp), (1, 1));
    }

    #[test]
    fn bad_input() {
        assert!(matches!(confusion(&[1, 0], &[0.1], 0.5), Err(Error::LengthMismatch { .. })));
        assert!(matches!(confusion(&[1, 0], &[0.1, f64::NAN], 0.5), Err(Error::InvalidValue { index: 1, .. })));
        assert!(matches!(confusion::<[u8]>(&[], &[], 0.5), Err(Error::Empty { .. })));
        assert!(matches!(confusion(&[1, 2], &[0.1, 0.2], 0.5), Err(Error::InvalidValue { .. })));
        assert!(matches!(confusion(&[1, 0], &[0.1, 0.2], 1.5), Err(Error::InvalidArgument { .. })));
        let e = sensitivity(&[0, 0], &[0.1, 0.7], 0.5).unwrap_err();
        assert_eq!(e.to_string(), "sensitivity is not defined: there are no positive cases");
        assert!(ppv(&[1, 0], &[0.1, 0.2], 0.5).is_err());
        assert!(ppv_from_bayes(1.2, 0.5, 0.5).is_err());
    }

    #[test]
    fn sweep() {
        let rows = threshold_sweep(&[1, 0, 1], &[0.9, 0.4, 0.3], &[0.0, 0.35, 1.0]).unwrap();
        assert_eq!(rows[1].counts, Confusion { tp: 1, tn: 0, fp: 1, fn_: 1 });
        let t = sweep_table(&rows);
        assert_eq!(t.n_rows(), 3);
        assert_eq!(t.cell(2, 6).unwrap().text, "1.0");
    }
}
