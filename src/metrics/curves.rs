//! ROC and precision–recall curves, AUC and average precision.
//!
//! Scores are sorted once per class (positives and negatives separately, by radix
//! sort) and walked from the highest score down; tied scores form one threshold, as
//! in scikit-learn's `_binary_clf_curve`. AUC is the Mann–Whitney statistic
//! (`P(score⁺ > score⁻) + ½·P(tie)`), which equals the trapezoidal area under the
//! ROC curve.

use super::{Labels, prepare};
use crate::plot::Figure;
use crate::{Error, Result};

/// Positive and negative scores, each sorted ascending (−0.0 folded into 0.0).
pub(crate) struct Split {
    pub pos: Vec<f64>,
    pub neg: Vec<f64>,
}

impl Split {
    pub(crate) fn new(y: &[bool], scores: &[f64]) -> Split {
        let n_pos = y.iter().filter(|&&v| v).count();
        let mut pos = Vec::with_capacity(n_pos);
        let mut neg = Vec::with_capacity(y.len() - n_pos);
        for (&t, &s) in y.iter().zip(scores) {
            // `+ 0.0` turns -0.0 into 0.0 so the two compare as one tied score.
            if t { pos.push(s + 0.0) } else { neg.push(s + 0.0) }
        }
        radsort::sort(&mut pos);
        radsort::sort(&mut neg);
        Split { pos, neg }
    }

    pub(crate) fn require_both(&self, what: &str) -> Result<()> {
        if self.pos.is_empty() {
            return Err(Error::undefined(what, "y_true has no positive cases (only one class present)"));
        }
        if self.neg.is_empty() {
            return Err(Error::undefined(what, "y_true has no negative cases (only one class present)"));
        }
        Ok(())
    }

    /// Visits distinct scores from the highest down: `(score, positives, negatives)` at it.
    pub(crate) fn for_each_level_desc(&self, mut f: impl FnMut(f64, usize, usize)) {
        let (mut i, mut j) = (self.pos.len(), self.neg.len());
        while i > 0 || j > 0 {
            let v = match (i > 0, j > 0) {
                (true, true) => self.pos[i - 1].max(self.neg[j - 1]),
                (true, false) => self.pos[i - 1],
                _ => self.neg[j - 1],
            };
            let (mut p, mut n) = (0, 0);
            while i > 0 && self.pos[i - 1] == v {
                i -= 1;
                p += 1;
            }
            while j > 0 && self.neg[j - 1] == v {
                j -= 1;
                n += 1;
            }
            f(v, p, n);
        }
    }

    /// Mann–Whitney AUC; requires both classes.
    pub(crate) fn auc(&self) -> f64 {
        // Walking down, `neg_above` negatives outrank the current level.
        let mut neg_above = 0usize;
        let mut wrong = 0.0f64; // pairs where the negative scores higher, ties as ½
        self.for_each_level_desc(|_, p, n| {
            wrong += p as f64 * (neg_above as f64 + 0.5 * n as f64);
            neg_above += n;
        });
        1.0 - wrong / (self.pos.len() as f64 * self.neg.len() as f64)
    }
}

/// Area under the ROC curve (scikit-learn's `roc_auc_score` for binary labels).
///
/// Undefined when only one class is present.
///
/// ```
/// let auc = ai4med::metrics::roc_auc(&[0, 0, 1, 1], &[0.1, 0.4, 0.35, 0.8]).unwrap();
/// assert!((auc - 0.75).abs() < 1e-12);
/// ```
pub fn roc_auc<L: Labels + ?Sized>(y: &L, scores: &[f64]) -> Result<f64> {
    let y = prepare(y, scores)?;
    let s = Split::new(&y, scores);
    s.require_both("AUC")?;
    Ok(s.auc())
}

/// A ROC curve as scikit-learn's `roc_curve` returns it (with `drop_intermediate=True`):
/// thresholds in decreasing order, the first being `+∞` so the curve starts at (0, 0).
#[derive(Clone, PartialEq)]
pub struct RocCurve {
    /// False positive rates.
    pub fpr: Vec<f64>,
    /// True positive rates.
    pub tpr: Vec<f64>,
    /// Thresholds: a case is positive when its score is `>=` the threshold.
    pub thresholds: Vec<f64>,
    /// Area under the curve.
    pub auc: f64,
}

/// A short summary, not the data (evcxr shows `{:?}` where it cannot show the HTML).
impl std::fmt::Debug for RocCurve {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RocCurve {{ points: {}, auc: {} }}", self.fpr.len(), crate::display::short_float(self.auc))
    }
}

impl RocCurve {
    /// The threshold whose point is closest to the top-left corner (0, 1), as
    /// `(threshold, fpr, tpr)`; the first such point on ties. The `+∞` start is skipped.
    pub fn closest_to_top_left(&self) -> (f64, f64, f64) {
        let mut best = (f64::INFINITY, 0.0, 0.0);
        let mut best_d = f64::INFINITY;
        for k in 1..self.fpr.len() {
            let d = self.fpr[k].powi(2) + (1.0 - self.tpr[k]).powi(2);
            if d < best_d {
                best_d = d;
                best = (self.thresholds[k], self.fpr[k], self.tpr[k]);
            }
        }
        best
    }

    /// The threshold maximising Youden's J = sensitivity + specificity − 1, as
    /// `(threshold, J)`.
    pub fn youden(&self) -> (f64, f64) {
        let mut best = (f64::INFINITY, f64::NEG_INFINITY);
        for k in 1..self.fpr.len() {
            let j = self.tpr[k] - self.fpr[k];
            if j > best.1 {
                best = (self.thresholds[k], j);
            }
        }
        best
    }

    /// This curve alone on a ROC figure.
    pub fn figure(&self, name: &str) -> Figure {
        roc_figure(&[(name, self)])
    }
}

/// The ROC curve of `scores` against `y` (scikit-learn's `roc_curve`, `drop_intermediate=True`).
///
/// ```
/// let c = ai4med::metrics::roc_curve(&[0, 0, 1, 1], &[0.1, 0.4, 0.35, 0.8]).unwrap();
/// assert_eq!(c.fpr, vec![0.0, 0.0, 0.5, 0.5, 1.0]);
/// assert_eq!(c.tpr, vec![0.0, 0.5, 0.5, 1.0, 1.0]);
/// assert_eq!(c.thresholds, vec![f64::INFINITY, 0.8, 0.4, 0.35, 0.1]);
/// ```
pub fn roc_curve<L: Labels + ?Sized>(y: &L, scores: &[f64]) -> Result<RocCurve> {
    let y = prepare(y, scores)?;
    let s = Split::new(&y, scores);
    s.require_both("ROC curve")?;
    let (mut tps, mut fps, mut th) = (Vec::new(), Vec::new(), Vec::new());
    let (mut tp, mut fp) = (0usize, 0usize);
    s.for_each_level_desc(|v, p, n| {
        tp += p;
        fp += n;
        tps.push(tp);
        fps.push(fp);
        th.push(v);
    });
    // Drop points collinear with their neighbours (scikit-learn's second-difference rule).
    let keep: Vec<usize> = if tps.len() > 2 {
        let d2 = |a: &[usize], k: usize| a[k + 2] as i64 - 2 * a[k + 1] as i64 + a[k] as i64;
        let mut k = vec![0];
        for m in 0..tps.len() - 2 {
            if d2(&fps, m) != 0 || d2(&tps, m) != 0 {
                k.push(m + 1);
            }
        }
        k.push(tps.len() - 1);
        k
    } else {
        (0..tps.len()).collect()
    };
    let (np, nn) = (s.pos.len() as f64, s.neg.len() as f64);
    let mut fpr = vec![0.0];
    let mut tpr = vec![0.0];
    let mut thresholds = vec![f64::INFINITY];
    for k in keep {
        fpr.push(fps[k] as f64 / nn);
        tpr.push(tps[k] as f64 / np);
        thresholds.push(th[k]);
    }
    Ok(RocCurve { fpr, tpr, thresholds, auc: s.auc() })
}

/// Average precision, `AP = Σₖ (Rₖ − Rₖ₋₁)·Pₖ` over decreasing thresholds
/// (scikit-learn's `average_precision_score`: no interpolation).
///
/// Undefined when there are no positive cases.
///
/// ```
/// let ap = ai4med::metrics::average_precision(&[0, 0, 1, 1], &[0.1, 0.4, 0.35, 0.8]).unwrap();
/// assert!((ap - (0.5 * 1.0 + 0.5 * 2.0 / 3.0)).abs() < 1e-12);
/// ```
pub fn average_precision<L: Labels + ?Sized>(y: &L, scores: &[f64]) -> Result<f64> {
    let y = prepare(y, scores)?;
    let s = Split::new(&y, scores);
    if s.pos.is_empty() {
        return Err(Error::undefined("average precision", "y_true has no positive cases"));
    }
    Ok(s.pr_walk(|_, _, _| {}))
}

impl Split {
    /// Walks the distinct scores from the highest down, calling `f(score, precision,
    /// recall)` at each, and returns the average precision `Σ (Rₖ − Rₖ₋₁)·Pₖ`.
    /// Requires at least one positive case.
    fn pr_walk(&self, mut f: impl FnMut(f64, f64, f64)) -> f64 {
        let np = self.pos.len() as f64;
        let (mut tp, mut fp, mut prev_r, mut ap) = (0usize, 0usize, 0.0f64, 0.0f64);
        self.for_each_level_desc(|v, p, n| {
            tp += p;
            fp += n;
            let r = tp as f64 / np;
            let pr = tp as f64 / (tp + fp) as f64;
            ap += (r - prev_r) * pr;
            prev_r = r;
            f(v, pr, r);
        });
        ap.max(0.0)
    }
}

/// A precision–recall curve as scikit-learn's `precision_recall_curve` returns it:
/// recall decreasing, thresholds increasing, and a final point (recall 0, precision 1)
/// with no threshold.
#[derive(Clone, PartialEq)]
pub struct PrCurve {
    /// Precision at each threshold, then 1.
    pub precision: Vec<f64>,
    /// Recall at each threshold, then 0.
    pub recall: Vec<f64>,
    /// Distinct scores, increasing.
    pub thresholds: Vec<f64>,
    /// Average precision.
    pub average_precision: f64,
}

/// A short summary, not the data (evcxr shows `{:?}` where it cannot show the HTML).
impl std::fmt::Debug for PrCurve {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PrCurve {{ points: {}, average_precision: {} }}", self.recall.len(), crate::display::short_float(self.average_precision))
    }
}

impl PrCurve {
    /// This curve alone on a PR figure.
    pub fn figure(&self, name: &str) -> Figure {
        pr_figure(&[(name, self)])
    }
}

/// The precision–recall curve of `scores` against `y`.
///
/// ```
/// let c = ai4med::metrics::pr_curve(&[0, 0, 1, 1], &[0.1, 0.4, 0.35, 0.8]).unwrap();
/// assert_eq!(c.recall, vec![1.0, 1.0, 0.5, 0.5, 0.0]);
/// assert_eq!(c.thresholds, vec![0.1, 0.35, 0.4, 0.8]);
/// ```
pub fn pr_curve<L: Labels + ?Sized>(y: &L, scores: &[f64]) -> Result<PrCurve> {
    let y = prepare(y, scores)?;
    let s = Split::new(&y, scores);
    if s.pos.is_empty() {
        return Err(Error::undefined("precision-recall curve", "y_true has no positive cases"));
    }
    let (mut precision, mut recall, mut thresholds) = (Vec::new(), Vec::new(), Vec::new());
    let ap = s.pr_walk(|v, pr, r| {
        precision.push(pr);
        recall.push(r);
        thresholds.push(v);
    });
    precision.reverse();
    recall.reverse();
    thresholds.reverse();
    precision.push(1.0);
    recall.push(0.0);
    Ok(PrCurve { precision, recall, thresholds, average_precision: ap })
}

/// ROC curves of several models or classes on one figure: AUC in the legend and the
/// random-guess diagonal.
///
/// Takes `(name, curve)` pairs, owned or borrowed: `&[("Edema", &roc)]` or a
/// `Vec<(String, RocCurve)>`.
pub fn roc_figure<S: AsRef<str>, C: std::borrow::Borrow<RocCurve>>(curves: &[(S, C)]) -> Figure {
    let mut f = Figure::new()
        .title("ROC curve")
        .x_label("false positive rate (1 − specificity)")
        .y_label("true positive rate (sensitivity)")
        .x_range(0.0, 1.0)
        .y_range(0.0, 1.02);
    for (name, c) in curves {
        let c = c.borrow();
        f = f.line(&c.fpr, &c.tpr, format!("{} (AUC {:.3})", name.as_ref(), c.auc));
    }
    f.dashed(&[0.0, 1.0], &[0.0, 1.0], "random guess")
}

/// Precision–recall curves on one figure, with average precision in the legend.
pub fn pr_figure<S: AsRef<str>, C: std::borrow::Borrow<PrCurve>>(curves: &[(S, C)]) -> Figure {
    let mut f = Figure::new()
        .title("Precision-recall curve")
        .x_label("recall (sensitivity)")
        .y_label("precision (PPV)")
        .x_range(0.0, 1.0)
        .y_range(0.0, 1.02);
    for (name, c) in curves {
        let c = c.borrow();
        // Drawn as steps from high recall to low, as the curve is a step function.
        let mut r = c.recall.clone();
        let mut p = c.precision.clone();
        r.reverse();
        p.reverse();
        f = f.step(&r, &p, format!("{} (AP {:.3})", name.as_ref(), c.average_precision));
    }
    f
}

impl crate::display::Render for RocCurve {
    fn render(&self) -> crate::display::View {
        crate::display::View::Figure(self.figure("model").to_svg())
    }
}
crate::rendered!(RocCurve);

impl crate::display::Render for PrCurve {
    fn render(&self) -> crate::display::View {
        crate::display::View::Figure(self.figure("model").to_svg())
    }
}
crate::rendered!(PrCurve);

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// O(n²) Mann–Whitney AUC, the definition.
    fn auc_brute(y: &[bool], s: &[f64]) -> f64 {
        let mut num = 0.0;
        let mut den = 0.0;
        for i in 0..y.len() {
            for j in 0..y.len() {
                if y[i] && !y[j] {
                    den += 1.0;
                    if s[i] > s[j] {
                        num += 1.0
                    } else if s[i] == s[j] {
                        num += 0.5
                    }
                }
            }
        }
        num / den
    }

    fn trapezoid(x: &[f64], y: &[f64]) -> f64 {
        (1..x.len()).map(|k| (x[k] - x[k - 1]) * (y[k] + y[k - 1]) / 2.0).sum()
    }

    #[test]
    fn auc_matches_brute_force_with_ties() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for n in [2usize, 3, 10, 57, 300] {
            let y: Vec<bool> = (0..n).map(|i| i == 0 || (i > 1 && rng.random_bool(0.3))).collect();
            // Few distinct values: many ties.
            let s: Vec<f64> = (0..n).map(|_| (rng.random_range(0..7) as f64) / 6.0).collect();
            let a = roc_auc(&y, &s).unwrap();
            assert!((a - auc_brute(&y, &s)).abs() < 1e-12, "n={n}");
            let c = roc_curve(&y, &s).unwrap();
            assert!((trapezoid(&c.fpr, &c.tpr) - a).abs() < 1e-12);
        }
    }

    #[test]
    fn negative_zero_ties_with_zero() {
        let a = roc_auc(&[true, false], &[0.0, -0.0]).unwrap();
        assert_eq!(a, 0.5);
    }

    #[test]
    fn one_class_is_undefined() {
        let e = roc_auc(&[1, 1], &[0.2, 0.3]).unwrap_err();
        assert!(e.to_string().contains("no negative cases"), "{e}");
        assert!(roc_curve(&[0, 0], &[0.2, 0.3]).is_err());
        assert!(average_precision(&[0, 0], &[0.2, 0.3]).is_err());
        // AP is defined without negatives.
        assert_eq!(average_precision(&[1, 1], &[0.2, 0.3]).unwrap(), 1.0);
    }

    #[test]
    fn best_threshold() {
        let c = roc_curve(&[0, 0, 1, 1], &[0.1, 0.4, 0.35, 0.8]).unwrap();
        let (t, fpr, tpr) = c.closest_to_top_left();
        assert_eq!((t, fpr, tpr), (0.8, 0.0, 0.5));
        let (tj, j) = c.youden();
        assert_eq!((tj, j), (0.8, 0.5));
    }

    #[test]
    fn figures_render() {
        let c = roc_curve(&[0, 0, 1, 1], &[0.1, 0.4, 0.35, 0.8]).unwrap();
        let svg = roc_figure(&[("Edema", &c)]).to_svg().unwrap();
        assert!(svg.contains("Edema (AUC 0.750)"));
        let p = pr_curve(&[0, 0, 1, 1], &[0.1, 0.4, 0.35, 0.8]).unwrap();
        assert!(pr_figure(&[("Edema", &p)]).to_svg().unwrap().contains("(AP 0.833)"));
    }
}
