//! Treatment effect on the odds and risk scales; baseline risk; empirical risk reduction by risk group.

use super::learners::with_constant;
use super::trial::check_binary;
use crate::display::{Cell, Table};
use crate::model::PredictProba;
use crate::plot::Figure;
use crate::prognosis::LogisticRegression;
use crate::{Error, Result};
use polars::prelude::DataFrame;

/// Absolute risk reduction implied by an odds ratio at a baseline risk `p` (course
/// exercise `OR_to_ARR`): the treated risk is `p₁ = OR·odds / (1 + OR·odds)` with
/// `odds = p / (1 − p)`, and `ARR = p − p₁`. A constant odds ratio below 1 gives the
/// largest risk reduction to patients of intermediate baseline risk.
///
/// ```
/// use ai4med::causal::or_to_arr;
/// assert!((or_to_arr(0.75, 0.5).unwrap() - 0.15).abs() < 1e-12);
/// assert!((or_to_arr(0.04, 1.2).unwrap() - (-0.007619047619047616)).abs() < 1e-15);
/// ```
pub fn or_to_arr(baseline_risk: f64, odds_ratio: f64) -> Result<f64> {
    if !(0.0..=1.0).contains(&baseline_risk) {
        return Err(Error::invalid_arg("baseline_risk", format!("must be a probability in [0, 1], got {baseline_risk}")));
    }
    if !(odds_ratio > 0.0 && odds_ratio.is_finite()) {
        return Err(Error::invalid_arg("odds_ratio", format!("must be positive and finite, got {odds_ratio}")));
    }
    if baseline_risk == 1.0 {
        return Ok(0.0);
    }
    let odds = baseline_risk / (1.0 - baseline_risk);
    let treated_odds = odds_ratio * odds;
    Ok(baseline_risk - treated_odds / (1.0 + treated_odds))
}

/// The treatment coefficient of a fitted logistic model and its odds ratio
/// `(θ, exp(θ))` (course exercise `extract_treatment_effect`). An odds ratio below 1
/// means the treatment lowers the odds of the outcome.
///
/// ```
/// use ai4med::causal::treatment_effect;
/// use ai4med::prognosis::LogisticRegression;
/// let df = ai4med::data::levamisole().unwrap();
/// let y = ai4med::data::column_f64(&df, "outcome").unwrap();
/// let lr = LogisticRegression::params().fit(&df.drop("outcome").unwrap(), &y).unwrap();
/// let (theta, or) = treatment_effect(&lr, "TRTMT").unwrap();
/// assert!(theta < 0.0 && (or - theta.exp()).abs() < 1e-12);
/// ```
pub fn treatment_effect(model: &LogisticRegression, treatment: &str) -> Result<(f64, f64)> {
    let c = model.coefficients[1..].iter().find(|c| c.name == treatment).ok_or_else(|| {
        let names: Vec<&str> = model.coefficients[1..].iter().map(|c| c.name.as_str()).collect();
        Error::invalid_arg("treatment", format!("the model has no coefficient '{treatment}' (it has {names:?})"))
    })?;
    Ok((c.estimate, c.estimate.exp()))
}

/// Each patient's predicted risk without treatment: the model's risk with the
/// treatment column set to 0 (course exercise `base_risks`).
pub fn baseline_risks<M: PredictProba<DataFrame> + ?Sized>(model: &M, x: &DataFrame, treatment: &str) -> Result<Vec<f64>> {
    model.positive_proba(&with_constant(x, treatment, 0.0)?)
}

/// How risk groups are formed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Binning {
    /// `k` groups of (about) equal size between the quantiles (pandas' `qcut(x, k)`:
    /// linear-interpolation quantiles as edges, intervals `(lo, hi]`, the lowest value
    /// in the first group; repeated edges are an error).
    Quantile(usize),
    /// `k` groups of equal width between the minimum and maximum (pandas' `cut(x, k)`:
    /// the lowest edge moved down by 0.1% of the range).
    Uniform(usize),
}

/// One risk group of [`RiskBins`].
#[derive(Debug, Clone, PartialEq)]
pub struct RiskBin {
    /// Lower edge (exclusive, except for the first group).
    pub lower: f64,
    /// Upper edge (inclusive).
    pub upper: f64,
    /// Mean baseline risk of the group's patients.
    pub mean_risk: f64,
    /// Patients in the treated arm.
    pub n_treated: usize,
    /// Patients in the control arm.
    pub n_control: usize,
    /// Event rate among the treated (NaN without treated patients).
    pub rate_treated: f64,
    /// Event rate among the controls (NaN without controls).
    pub rate_control: f64,
}

impl RiskBin {
    /// Empirical absolute risk reduction `rate_control − rate_treated` (NaN if an arm is empty).
    pub fn arr(&self) -> f64 {
        self.rate_control - self.rate_treated
    }
}

/// Empirical risk reduction per baseline-risk group (course exercise
/// `lr_ARR_quantile`): patients are grouped by their predicted baseline risk, and in
/// each group the control event rate minus the treated event rate is the observed
/// absolute risk reduction. Plotted against the curve [`or_to_arr`] predicts for a
/// constant odds ratio, it shows whether the model's effect fits the data.
///
/// ```
/// use ai4med::causal::{Binning, RiskBins};
/// let risk = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8];
/// let y = [0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0];
/// let w = [1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0];
/// let bins = RiskBins::new(&risk, &y, &w, Binning::Quantile(2)).unwrap();
/// assert_eq!(bins.arr(), vec![0.5, -0.5]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RiskBins {
    bins: Vec<RiskBin>,
    binning: Binning,
}

/// Group edges as pandas computes them.
fn edges(sorted: &[f64], binning: Binning) -> Result<Vec<f64>> {
    let (lo, hi) = (sorted[0], sorted[sorted.len() - 1]);
    let e: Vec<f64> = match binning {
        Binning::Quantile(k) | Binning::Uniform(k) if k == 0 => return Err(Error::invalid_arg("bins", "need at least one group")),
        Binning::Quantile(k) => (0..=k).map(|i| crate::metrics::quantile_sorted(sorted, i as f64 / k as f64)).collect(),
        Binning::Uniform(k) => {
            if lo == hi {
                let (a, b) = (lo - 0.001 * lo.abs(), hi + 0.001 * hi.abs());
                let (a, b) = if lo == 0.0 { (-0.001, 0.001) } else { (a, b) };
                (0..=k).map(|i| a + (b - a) * i as f64 / k as f64).collect()
            } else {
                let mut e: Vec<f64> = (0..=k).map(|i| lo + (hi - lo) * i as f64 / k as f64).collect();
                e[0] -= (hi - lo) * 0.001;
                e
            }
        }
    };
    if let Some(w) = e.windows(2).find(|w| w[0] >= w[1]) {
        return Err(Error::invalid_arg(
            "bins",
            format!("group edges must be distinct, but {} repeats (too many groups for the distinct risks; use fewer)", w[0]),
        ));
    }
    Ok(e)
}

impl RiskBins {
    /// Groups patients by `baseline_risk` and computes each group's event rates.
    pub fn new(baseline_risk: &[f64], outcome: &[f64], treatment: &[f64], binning: Binning) -> Result<RiskBins> {
        use crate::error::check;
        check::same_len("baseline_risk vs outcome", baseline_risk.len(), outcome.len())?;
        check::same_len("baseline_risk vs treatment", baseline_risk.len(), treatment.len())?;
        check::non_empty("baseline_risk", baseline_risk.len())?;
        check::finite("baseline_risk", baseline_risk)?;
        check_binary("outcome", outcome)?;
        check_binary("treatment", treatment)?;
        let mut sorted = baseline_risk.to_vec();
        sorted.sort_by(f64::total_cmp);
        let e = edges(&sorted, binning)?;
        let k = e.len() - 1;
        let mut acc = vec![(0.0, 0usize, 0usize, 0.0, 0.0); k];
        for ((&r, &y), &w) in baseline_risk.iter().zip(outcome).zip(treatment) {
            // (lo, hi]: the first edge ≥ r, the lowest value in group 0.
            let b = e[1..].partition_point(|&edge| edge < r).min(k - 1);
            let a = &mut acc[b];
            a.0 += r;
            if w == 1.0 {
                a.1 += 1;
                a.3 += y;
            } else {
                a.2 += 1;
                a.4 += y;
            }
        }
        let bins = acc
            .iter()
            .enumerate()
            .map(|(i, &(sum, nt, nc, et, ec))| RiskBin {
                lower: e[i],
                upper: e[i + 1],
                mean_risk: sum / (nt + nc) as f64,
                n_treated: nt,
                n_control: nc,
                rate_treated: et / nt as f64,
                rate_control: ec / nc as f64,
            })
            .collect();
        Ok(RiskBins { bins, binning })
    }

    /// Baseline risks from a model ([`baseline_risks`]), then [`RiskBins::new`] with the
    /// outcome and treatment columns of the same frame.
    pub fn from_model<M: PredictProba<DataFrame> + ?Sized>(
        model: &M,
        x: &DataFrame,
        outcome: &[f64],
        treatment: &str,
        binning: Binning,
    ) -> Result<RiskBins> {
        let risk = baseline_risks(model, x, treatment)?;
        RiskBins::new(&risk, outcome, &crate::data::column_f64(x, treatment)?, binning)
    }

    /// The groups, lowest risk first.
    pub fn bins(&self) -> &[RiskBin] {
        &self.bins
    }

    /// Empirical ARR of each group (NaN where an arm is empty).
    pub fn arr(&self) -> Vec<f64> {
        self.bins.iter().map(RiskBin::arr).collect()
    }

    /// The groups as a table; with an odds ratio, also the ARR it predicts at each group's mean risk.
    pub fn table(&self, odds_ratio: Option<f64>) -> Table {
        let mut cols = vec!["baseline risk", "mean risk", "treated", "control", "rate treated", "rate control", "empirical ARR"];
        if odds_ratio.is_some() {
            cols.push("ARR predicted by OR");
        }
        let mut t = Table::new(cols);
        for (i, b) in self.bins.iter().enumerate() {
            let open = if i == 0 { "[" } else { "(" };
            let mut row = vec![
                Cell::from(format!("{open}{:.3}, {:.3}]", b.lower, b.upper)),
                Cell::from(b.mean_risk),
                Cell::from(b.n_treated),
                Cell::from(b.n_control),
                Cell::from(b.rate_treated),
                Cell::from(b.rate_control),
                Cell::from(b.arr()),
            ];
            if let Some(or) = odds_ratio {
                row.push(or_to_arr(b.mean_risk.clamp(0.0, 1.0), or).map(Cell::from).unwrap_or_else(|e| Cell::from(e.to_string())));
            }
            t.push_row(row);
        }
        let how = match self.binning {
            Binning::Quantile(k) => format!("{k} quantile groups"),
            Binning::Uniform(k) => format!("{k} equal-width groups"),
        };
        t.caption(format!("absolute risk reduction by baseline risk ({how})"))
    }

    /// Empirical ARR per group (points at each group's mean risk) and, with an odds
    /// ratio, the curve [`or_to_arr`] predicts.
    pub fn figure(&self, odds_ratio: Option<f64>) -> Figure {
        let pts: Vec<&RiskBin> = self.bins.iter().filter(|b| b.arr().is_finite() && b.mean_risk.is_finite()).collect();
        let x: Vec<f64> = pts.iter().map(|b| b.mean_risk).collect();
        let y: Vec<f64> = pts.iter().map(|b| b.arr()).collect();
        let mut f = Figure::new()
            .title("Risk reduction by baseline risk")
            .x_label("baseline risk (predicted, untreated)")
            .y_label("absolute risk reduction")
            .scatter(&x, &y, "empirical (per group)");
        if let Some(or) = odds_ratio {
            let lo = self.bins.first().map_or(0.0, |b| b.lower.max(0.0));
            let hi = self.bins.last().map_or(1.0, |b| b.upper.min(1.0));
            let xs: Vec<f64> = (0..=100).map(|i| lo + (hi - lo) * i as f64 / 100.0).collect();
            let ys: Vec<f64> = xs.iter().map(|&p| or_to_arr(p, or).unwrap_or(f64::NAN)).collect();
            f = f.line(&xs, &ys, format!("predicted, OR = {or:.3}"));
        }
        f
    }

    /// For groups formed on *predicted risk reduction* (pass a learner's predictions as
    /// `baseline_risk` to [`RiskBins::new`]): empirical ARR of each group against the
    /// group's mean predicted ARR, with the diagonal of perfect calibration. Points
    /// above the diagonal: the treatment helped that group more than predicted.
    pub fn benefit_calibration_figure(&self) -> Figure {
        let pts: Vec<&RiskBin> = self.bins.iter().filter(|b| b.arr().is_finite() && b.mean_risk.is_finite()).collect();
        let x: Vec<f64> = pts.iter().map(|b| b.mean_risk).collect();
        let y: Vec<f64> = pts.iter().map(|b| b.arr()).collect();
        let lo = x.iter().chain(&y).fold(f64::INFINITY, |a, &b| a.min(b));
        let hi = x.iter().chain(&y).fold(f64::NEG_INFINITY, |a, &b| a.max(b));
        let (lo, hi) = if lo < hi { (lo, hi) } else { (-0.5, 0.5) };
        Figure::new()
            .title("Predicted vs observed risk reduction")
            .x_label("mean predicted ARR (group)")
            .y_label("observed ARR (control − treated event rate)")
            .dashed(&[lo, hi], &[lo, hi], "perfect calibration")
            .scatter(&x, &y, "groups of predicted ARR")
    }
}

/// ARR against baseline risk for each constant odds ratio: the curves of [`or_to_arr`].
///
/// ```
/// let svg = ai4med::causal::arr_curve_figure(&[0.5, 0.75, 1.2]).to_svg().unwrap();
/// assert!(svg.contains("OR = 0.75"));
/// ```
pub fn arr_curve_figure(odds_ratios: &[f64]) -> Figure {
    let xs: Vec<f64> = (0..=200).map(|i| i as f64 / 200.0).collect();
    let mut f = Figure::new()
        .title("Absolute risk reduction for a constant odds ratio")
        .x_label("baseline risk")
        .y_label("absolute risk reduction");
    for &or in odds_ratios {
        let ys: Vec<f64> = xs.iter().map(|&p| or_to_arr(p, or).unwrap_or(f64::NAN)).collect();
        f = f.line(&xs, &ys, format!("OR = {or}"));
    }
    f
}

/// Histograms of predicted risk reduction, one per named learner, overlaid on shared bins.
///
/// ```
/// let f = ai4med::causal::arr_histogram(&[("T-learner", &[0.1, 0.2, -0.05][..])], 10);
/// assert!(f.to_svg().unwrap().contains("T-learner"));
/// ```
pub fn arr_histogram(predictions: &[(&str, &[f64])], bins: usize) -> Figure {
    Figure::new().title("Predicted risk reduction").x_label("predicted ARR (control risk − treated risk)").y_label("patients").histograms(
        predictions,
        bins,
        false,
    )
}

impl crate::display::Render for RiskBins {
    fn render(&self) -> crate::display::View {
        crate::display::View::Table(self.table(None))
    }
}
crate::rendered!(RiskBins);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn or_to_arr_properties() {
        assert_eq!(or_to_arr(0.0, 0.5).unwrap(), 0.0);
        assert_eq!(or_to_arr(1.0, 0.5).unwrap(), 0.0);
        assert_eq!(or_to_arr(0.3, 1.0).unwrap(), 0.0);
        assert!(or_to_arr(1.2, 0.5).is_err() && or_to_arr(0.5, 0.0).is_err() && or_to_arr(f64::NAN, 1.0).is_err());
        // Maximum ARR for OR < 1 at p = 1 / (1 + sqrt(OR)).
        let or: f64 = 0.5;
        let best = 1.0 / (1.0 + or.sqrt());
        let at = or_to_arr(best, or).unwrap();
        assert!(at > or_to_arr(best - 0.05, or).unwrap() && at > or_to_arr(best + 0.05, or).unwrap());
    }

    #[test]
    fn pandas_bins() {
        // pandas: pd.qcut([1..10], 4) edges 1, 3.25, 5.5, 7.75, 10 → counts 3, 2, 2, 3.
        let r: Vec<f64> = (1..=10).map(f64::from).collect();
        let y = vec![0.0; 10];
        let w: Vec<f64> = (0..10).map(|i| (i % 2) as f64).collect();
        let q = RiskBins::new(&r, &y, &w, Binning::Quantile(4)).unwrap();
        let counts: Vec<usize> = q.bins().iter().map(|b| b.n_treated + b.n_control).collect();
        assert_eq!(counts, [3, 2, 2, 3]);
        assert_eq!(q.bins()[1].lower, 3.25);
        // pd.cut([1..10], 3): edges 0.991, 4, 7, 10 → counts 4, 3, 3.
        let u = RiskBins::new(&r, &y, &w, Binning::Uniform(3)).unwrap();
        let counts: Vec<usize> = u.bins().iter().map(|b| b.n_treated + b.n_control).collect();
        assert_eq!(counts, [4, 3, 3]);
        assert!((u.bins()[0].lower - 0.991).abs() < 1e-12);
        // Repeated edges and bad input.
        assert!(RiskBins::new(&[0.5; 10], &y, &w, Binning::Quantile(3)).is_err());
        assert_eq!(RiskBins::new(&[0.5; 10], &y, &w, Binning::Uniform(3)).unwrap().bins()[1].n_control, 5);
        assert!(RiskBins::new(&r, &y[..3], &w, Binning::Uniform(3)).is_err());
        assert!(RiskBins::new(&r, &y, &w, Binning::Quantile(0)).is_err());
        let svg = q.figure(Some(0.7)).to_svg().unwrap();
        assert!(svg.contains("empirical"));
        assert!(q.benefit_calibration_figure().to_svg().unwrap().contains("perfect calibration"));
        assert_eq!(q.table(Some(0.7)).n_rows(), 4);
    }
}
