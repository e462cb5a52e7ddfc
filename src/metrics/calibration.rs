//! Calibration: reliability curves, the Brier score and Platt scaling.

use super::{Labels, prepare};
use crate::plot::{Figure, Grid, Legend};
use crate::{Error, Result};

/// How [`calibration_curve`] forms its bins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BinStrategy {
    /// Equal-width bins on `[0, 1]` (scikit-learn's default).
    #[default]
    Uniform,
    /// Bins holding about the same number of predictions: edges at the quantiles of
    /// the predicted probabilities (linear interpolation, numpy's default).
    Quantile,
}

/// A reliability curve: for each non-empty bin, the observed fraction of positives
/// and the mean predicted probability.
#[derive(Clone, PartialEq)]
pub struct CalibrationCurve {
    /// Fraction of positive cases in each non-empty bin (scikit-learn's `prob_true`).
    pub prob_true: Vec<f64>,
    /// Mean predicted probability in each non-empty bin (`prob_pred`).
    pub prob_pred: Vec<f64>,
    /// Number of predictions in each non-empty bin.
    pub counts: Vec<usize>,
}

/// A short summary, not the data (evcxr shows `{:?}` where it cannot show the HTML).
impl std::fmt::Debug for CalibrationCurve {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CalibrationCurve {{ bins: {}, cases: {} }}", self.prob_true.len(), self.counts.iter().sum::<usize>())
    }
}

impl CalibrationCurve {
    /// The curve on a reliability diagram with the diagonal of perfect calibration.
    pub fn figure(&self, title: &str) -> Figure {
        Figure::new()
            .title(title)
            .x_label("mean predicted probability")
            .y_label("fraction of positives")
            .x_range(0.0, 1.0)
            .y_range(0.0, 1.02)
            .line(&self.prob_pred, &self.prob_true, "model")
            .scatter(&self.prob_pred, &self.prob_true, "")
            .dashed(&[0.0, 1.0], &[0.0, 1.0], "perfectly calibrated")
    }
}

/// numpy's `percentile` with linear interpolation, on sorted data.
pub(crate) fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    let h = q * (sorted.len() - 1) as f64;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// The reliability curve of probabilities `prob` against `y` with `n_bins` bins
/// (scikit-learn's `calibration_curve`): a probability equal to an inner bin edge
/// falls in the lower bin, and empty bins are left out.
///
/// ```
/// use ai4med::metrics::{calibration_curve, BinStrategy};
/// // scikit-learn's documentation example.
/// let y = [0, 0, 0, 0, 1, 1, 1, 1, 1];
/// let p = [0.1, 0.2, 0.3, 0.4, 0.65, 0.7, 0.8, 0.9, 1.0];
/// let c = calibration_curve(&y, &p, 3, BinStrategy::Uniform).unwrap();
/// assert_eq!(c.prob_true, vec![0.0, 0.5, 1.0]);
/// assert!((c.prob_pred[1] - 0.525).abs() < 1e-12);
/// ```
pub fn calibration_curve<L: Labels + ?Sized>(y: &L, prob: &[f64], n_bins: usize, strategy: BinStrategy) -> Result<CalibrationCurve> {
    let y = prepare(y, prob)?;
    if n_bins == 0 {
        return Err(Error::invalid_arg("n_bins", "need at least one bin"));
    }
    if let Some(i) = prob.iter().position(|p| !(0.0..=1.0).contains(p)) {
        return Err(Error::InvalidValue {
            what: "probabilities".into(),
            value: prob[i].to_string(),
            index: i,
            reason: "calibration needs probabilities in [0, 1]".into(),
        });
    }
    let inner: Vec<f64> = match strategy {
        BinStrategy::Uniform => (1..n_bins).map(|k| k as f64 / n_bins as f64).collect(),
        BinStrategy::Quantile => {
            let mut sorted = prob.to_vec();
            sorted.sort_by(f64::total_cmp);
            (1..n_bins).map(|k| quantile_sorted(&sorted, k as f64 / n_bins as f64)).collect()
        }
    };
    let mut sums = vec![0.0; n_bins];
    let mut trues = vec![0usize; n_bins];
    let mut totals = vec![0usize; n_bins];
    for (&t, &p) in y.iter().zip(prob) {
        // numpy.searchsorted(inner, p, side='left'): edges strictly below p.
        let b = inner.partition_point(|&e| e < p);
        sums[b] += p;
        trues[b] += t as usize;
        totals[b] += 1;
    }
    let mut c = CalibrationCurve { prob_true: Vec::new(), prob_pred: Vec::new(), counts: Vec::new() };
    for b in 0..n_bins {
        if totals[b] > 0 {
            c.prob_true.push(trues[b] as f64 / totals[b] as f64);
            c.prob_pred.push(sums[b] / totals[b] as f64);
            c.counts.push(totals[b]);
        }
    }
    Ok(c)
}

/// The Brier score, `mean((p − y)²)` (scikit-learn's `brier_score_loss`).
///
/// ```
/// let b = ai4med::metrics::brier_score(&[0, 1, 1, 0], &[0.1, 0.9, 0.8, 0.3]).unwrap();
/// assert!((b - 0.0375).abs() < 1e-12);
/// ```
pub fn brier_score<L: Labels + ?Sized>(y: &L, prob: &[f64]) -> Result<f64> {
    let y = prepare(y, prob)?;
    if let Some(i) = prob.iter().position(|p| !(0.0..=1.0).contains(p)) {
        return Err(Error::InvalidValue {
            what: "probabilities".into(),
            value: prob[i].to_string(),
            index: i,
            reason: "must lie in [0, 1]".into(),
        });
    }
    Ok(y.iter().zip(prob).map(|(&t, &p)| (p - t as u8 as f64).powi(2)).sum::<f64>() / y.len() as f64)
}

/// Platt scaling: a calibrator `p = 1 / (1 + exp(−(a·s + b)))` fitted to scores `s`.
///
/// `Platt::params().fit(&y, &scores)` follows Platt (1999) as scikit-learn's `CalibratedClassifierCV(method =
/// "sigmoid")` does: the targets are smoothed to `(N₊ + 1)/(N₊ + 2)` and
/// `1/(N₋ + 2)` so that separable data still give a finite fit, and the log loss is
/// minimised without a penalty (here by Newton's method to machine precision;
/// scikit-learn stops L-BFGS at a gradient of 1e-6). scikit-learn reports
/// `A = −a`, `B = −b`. `.smoothed(false)` uses the raw 0/1 labels, like the
/// course's plain logistic regression on the predictions (without its L2 penalty).
///
/// ```
/// use ai4med::metrics::Platt;
/// let y = [0, 0, 1, 0, 1, 1];
/// let s = [0.1, 0.3, 0.35, 0.5, 0.8, 0.9];
/// let cal = Platt::params().fit(&y, &s).unwrap();
/// let p = cal.predict(&s).unwrap();
/// assert!(p[5] > p[0] && cal.a > 0.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Platt {
    /// Slope.
    pub a: f64,
    /// Intercept.
    pub b: f64,
    /// Newton iterations used.
    pub iterations: usize,
}

/// Settings of a [`Platt`] fit: smoothed targets (Platt's, on unless set) or the raw labels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlattParams {
    /// Fit to Platt's smoothed targets (scikit-learn's) rather than the raw 0/1 labels.
    pub smoothed: bool,
}

impl Default for PlattParams {
    fn default() -> Self {
        PlattParams { smoothed: true }
    }
}

impl PlattParams {
    /// Smoothed targets on (default) or off; off fails to converge on perfectly
    /// separated data.
    pub fn smoothed(mut self, on: bool) -> Self {
        self.smoothed = on;
        self
    }
    /// Fits `P(y = 1 | s) = σ(a·s + b)` to labels `y` and scores `scores`.
    pub fn fit<L: Labels + ?Sized>(&self, y: &L, scores: &[f64]) -> Result<Platt> {
        Platt::fit_impl(y, scores, self.smoothed)
    }
}

/// The scores are the model's one feature (`x`), the labels its target (`y`).
impl crate::model::Fit<[f64], [f64]> for PlattParams {
    type Fitted = Platt;
    fn fit(&self, x: &[f64], y: &[f64]) -> Result<Platt> {
        PlattParams::fit(self, y, x)
    }
}

impl crate::model::Predict<[f64]> for Platt {
    fn predict(&self, x: &[f64]) -> Result<Vec<f64>> {
        Platt::predict(self, x)
    }
}

impl Platt {
    /// Settings before the fit (see [`crate::model`]).
    pub fn params() -> PlattParams {
        PlattParams::default()
    }

    fn fit_impl<L: Labels + ?Sized>(y: &L, scores: &[f64], smooth: bool) -> Result<Platt> {
        let y = prepare(y, scores)?;
        let n_pos = y.iter().filter(|&&v| v).count() as f64;
        let n_neg = y.len() as f64 - n_pos;
        if n_pos == 0.0 || n_neg == 0.0 {
            return Err(Error::undefined("Platt scaling", "y_true has only one class"));
        }
        if !smooth {
            let max_neg = y.iter().zip(scores).filter(|(t, _)| !**t).map(|(_, &v)| v).fold(f64::NEG_INFINITY, f64::max);
            let min_pos = y.iter().zip(scores).filter(|(t, _)| **t).map(|(_, &v)| v).fold(f64::INFINITY, f64::min);
            let max_pos = y.iter().zip(scores).filter(|(t, _)| **t).map(|(_, &v)| v).fold(f64::NEG_INFINITY, f64::max);
            let min_neg = y.iter().zip(scores).filter(|(t, _)| !**t).map(|(_, &v)| v).fold(f64::INFINITY, f64::min);
            if max_neg < min_pos || max_pos < min_neg {
                return Err(Error::NotConverged {
                    what: "Platt scaling without smoothing".into(),
                    iterations: 0,
                    detail:
                        "the scores separate the classes perfectly, so the slope grows without bound; use Platt::params() with its default smoothed targets"
                            .into(),
                });
            }
        }
        let (t_pos, t_neg) = if smooth { ((n_pos + 1.0) / (n_pos + 2.0), 1.0 / (n_neg + 2.0)) } else { (1.0, 0.0) };
        let t: Vec<f64> = y.iter().map(|&v| if v { t_pos } else { t_neg }).collect();
        // Fit on scaled scores for conditioning (the loss is invariant to it).
        let scale = scores.iter().fold(0.0f64, |m, s| m.max(s.abs())).max(1.0);
        let s: Vec<f64> = scores.iter().map(|v| v / scale).collect();
        let loss = |a: f64, b: f64| -> f64 {
            s.iter()
                .zip(&t)
                .map(|(&x, &ti)| {
                    let z = a * x + b;
                    // log(1 + e^z) − t·z, computed stably.
                    let softplus = if z > 0.0 { z + (-z).exp().ln_1p() } else { z.exp().ln_1p() };
                    softplus - ti * z
                })
                .sum()
        };
        let (mut a, mut b) = (0.0, ((n_pos + 1.0) / (n_neg + 1.0)).ln());
        let mut f = loss(a, b);
        for it in 1..=200 {
            let (mut ga, mut gb, mut haa, mut hab, mut hbb) = (0.0, 0.0, 0.0, 0.0, 0.0);
            for (&x, &ti) in s.iter().zip(&t) {
                let p = 1.0 / (1.0 + (-(a * x + b)).exp());
                let w = p * (1.0 - p);
                ga += (p - ti) * x;
                gb += p - ti;
                haa += w * x * x;
                hab += w * x;
                hbb += w;
            }
            let det = haa * hbb - hab * hab;
            if !(det.is_finite() && det > 1e-300) {
                return Err(Error::NotConverged {
                    what: "Platt scaling".into(),
                    iterations: it,
                    detail: "the Hessian became singular (constant scores, or perfectly separated labels without smoothing)".into(),
                });
            }
            let da = (hbb * ga - hab * gb) / det;
            let db = (haa * gb - hab * ga) / det;
            // Backtracking line search on the log loss.
            let mut step = 1.0;
            let (mut na, mut nb, mut nf) = (a - da, b - db, loss(a - da, b - db));
            while !(nf <= f) && step > 1e-10 {
                step *= 0.5;
                na = a - step * da;
                nb = b - step * db;
                nf = loss(na, nb);
            }
            let moved = (na - a).abs() + (nb - b).abs();
            a = na;
            b = nb;
            f = nf;
            if moved < 1e-13 * (1.0 + a.abs() + b.abs()) {
                return Ok(Platt { a: a / scale, b, iterations: it });
            }
        }
        Err(Error::NotConverged {
            what: "Platt scaling".into(),
            iterations: 200,
            detail: format!("last estimate a = {}, b = {b}; the labels may be perfectly separated", a / scale),
        })
    }

    /// Calibrated probabilities for scores.
    pub fn predict(&self, scores: &[f64]) -> Result<Vec<f64>> {
        crate::error::check::finite("scores", scores)?;
        Ok(scores.iter().map(|&s| 1.0 / (1.0 + (-(self.a * s + self.b)).exp())).collect())
    }
}

/// A grid of reliability diagrams, one per class, before and after Platt scaling:
/// each entry is `(class name, y, scores)` (owned or borrowed); two panels per class
/// side by side.
pub fn calibration_grid<S, Y, P>(classes: &[(S, Y, P)], n_bins: usize) -> Result<Grid>
where
    S: AsRef<str>,
    Y: AsRef<[f64]>,
    P: AsRef<[f64]>,
{
    let mut figs = Vec::new();
    for (name, y, s) in classes {
        let (name, y, s) = (name.as_ref(), y.as_ref(), s.as_ref());
        let before = calibration_curve(y, s, n_bins, BinStrategy::Uniform)?;
        let platt = Platt::params().fit(y, s)?;
        let after = calibration_curve(y, &platt.predict(s)?, n_bins, BinStrategy::Uniform)?;
        figs.push(before.figure(&format!("{name}: before")).legend(Legend::Hidden));
        figs.push(after.figure(&format!("{name}: after Platt scaling")).legend(Legend::Hidden));
    }
    Ok(Grid::new(figs, 2))
}

impl crate::display::Render for CalibrationCurve {
    fn render(&self) -> crate::display::View {
        crate::display::View::Figure(self.figure("Calibration curve").to_svg())
    }
}
crate::rendered!(CalibrationCurve);

impl crate::display::Render for Platt {
    fn render(&self) -> crate::display::View {
        crate::display::View::text(format!(
            "Platt scaling: P(y = 1 | s) = σ({:.6}·s + {:.6}) ({} Newton iterations)",
            self.a, self.b, self.iterations
        ))
    }
}
crate::rendered!(Platt);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_bins_and_edges() {
        // Edge values go to the lower bin.
        let c = calibration_curve(&[0, 1, 1], &[0.5, 0.5, 0.6], 2, BinStrategy::Uniform).unwrap();
        assert_eq!(c.counts, vec![2, 1]);
        let c = calibration_curve(&[0, 0, 1, 1], &[0.1, 0.2, 0.3, 0.9], 2, BinStrategy::Quantile).unwrap();
        // median edge = 0.25
        assert_eq!(c.prob_true, vec![0.0, 1.0]);
        assert!(calibration_curve(&[0, 1], &[0.1, 1.1], 2, BinStrategy::Uniform).is_err());
        assert!(calibration_curve(&[0, 1], &[0.1, 0.2], 0, BinStrategy::Uniform).is_err());
    }

    #[test]
    fn platt_gradient_is_zero_at_fit() {
        let y = [0, 0, 1, 0, 1, 1, 0, 1];
        let s = [-2.0, -1.0, -0.5, 0.0, 0.2, 1.0, 1.5, 3.0];
        let c = Platt::params().smoothed(false).fit(&y, &s).unwrap();
        let p = c.predict(&s).unwrap();
        let g0: f64 = p.iter().zip(&y).map(|(p, &t)| p - t as f64).sum();
        let g1: f64 = p.iter().zip(&y).zip(&s).map(|((p, &t), x)| (p - t as f64) * x).sum();
        assert!(g0.abs() < 1e-10 && g1.abs() < 1e-10, "{g0} {g1}");
    }

    #[test]
    fn platt_separable_needs_smoothing() {
        let y = [0, 0, 1, 1];
        let s = [0.1, 0.2, 0.8, 0.9];
        assert!(Platt::params().fit(&y, &s).is_ok());
        assert!(matches!(Platt::params().smoothed(false).fit(&y, &s), Err(Error::NotConverged { .. })));
        assert!(Platt::params().fit(&[1, 1], &[0.1, 0.2]).is_err());
    }

    #[test]
    fn grid_renders() {
        let y = [0.0, 0.0, 1.0, 0.0, 1.0, 1.0];
        let s = [0.1, 0.3, 0.35, 0.5, 0.8, 0.9];
        let g = calibration_grid(&[("A", &y[..], &s[..])], 3).unwrap();
        let svg = g.to_svg().unwrap();
        assert!(svg.contains("A: after Platt scaling"));
    }
}
