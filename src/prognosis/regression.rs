//! Linear and logistic regression with standard errors (course 2, week 1).
//!
//! Both fit an intercept plus one coefficient per column of `x`, solve their normal
//! equations by Cholesky factorisation (nalgebra), and report coefficients with
//! standard errors, Wald confidence intervals and p-values in a [`summary`](LogisticRegression::summary)
//! table.

use crate::display::{Cell, Table};
use crate::{Error, Result};
use nalgebra::{DMatrix, DVector};
use ndarray::{Array1, Array2, ArrayView2, s};
use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

fn check_xy(x: &ArrayView2<f64>, y: &[f64], names: &[&str]) -> Result<()> {
    let (n, p) = x.dim();
    crate::error::check::non_empty("x", n)?;
    crate::error::check::same_len("rows of x vs y", n, y.len())?;
    crate::error::check::same_len("columns of x vs names", p, names.len())?;
    crate::error::check::finite("y", y)?;
    for (j, col) in x.columns().into_iter().enumerate() {
        if let Some(i) = col.iter().position(|v| !v.is_finite()) {
            return Err(Error::InvalidValue {
                what: format!("column '{}'", names[j]),
                value: col[i].to_string(),
                index: i,
                reason: "features must be finite (impute or drop missing values first)".into(),
            });
        }
        let first = col[0];
        if n > 1 && col.iter().all(|&v| v == first) {
            return Err(Error::invalid_arg("x", format!("column '{}' is constant: it is collinear with the intercept", names[j])));
        }
    }
    if n <= p + 1 {
        return Err(Error::invalid_arg("x", format!("{n} rows cannot identify {} coefficients (intercept included)", p + 1)));
    }
    Ok(())
}

/// `[1, x]` as a nalgebra matrix.
fn design(x: &ArrayView2<f64>) -> DMatrix<f64> {
    let (n, p) = x.dim();
    DMatrix::from_fn(n, p + 1, |i, j| if j == 0 { 1.0 } else { x[[i, j - 1]] })
}

fn invert_spd(m: DMatrix<f64>, what: &str) -> Result<DMatrix<f64>> {
    m.cholesky().map(|c| c.inverse()).ok_or_else(|| {
        Error::invalid_arg("x", format!("{what}: the design matrix is rank-deficient (some columns are linear combinations of others)"))
    })
}

/// One row of a coefficient table.
#[derive(Debug, Clone, PartialEq)]
pub struct Coefficient {
    /// Term name (`intercept` first).
    pub name: String,
    /// Estimate.
    pub estimate: f64,
    /// Standard error.
    pub se: f64,
    /// Test statistic (t for linear, z for logistic).
    pub statistic: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    /// Lower 95% bound.
    pub lower: f64,
    /// Upper 95% bound.
    pub upper: f64,
}

/// Coefficients with statistic `b/se`, two-sided p-value and 95% interval from the
/// reference distribution `dist` (Student's t for OLS, the normal for Wald tests).
fn wald_table<D: ContinuousCDF<f64, f64>>(names: &[&str], beta: &[f64], se: &[f64], dist: &D) -> Vec<Coefficient> {
    let q = dist.inverse_cdf(0.975);
    std::iter::once("intercept")
        .chain(names.iter().copied())
        .enumerate()
        .map(|(j, name)| {
            let stat = beta[j] / se[j];
            Coefficient {
                name: name.to_string(),
                estimate: beta[j],
                se: se[j],
                statistic: stat,
                p_value: 2.0 * dist.cdf(-stat.abs()),
                lower: beta[j] - q * se[j],
                upper: beta[j] + q * se[j],
            }
        })
        .collect()
}

fn coefficient_table(title: &str, coefs: &[Coefficient], stat: &str, odds: bool) -> Table {
    let mut cols = vec!["term", "estimate", "std. error", stat, "p-value", "95% CI"];
    if odds {
        cols.extend(["odds ratio", "OR 95% CI"]);
    }
    let mut t = Table::new(cols).caption(title).max_rows(usize::MAX);
    for c in coefs {
        let mut row = vec![
            Cell::from(c.name.as_str()),
            Cell::from(format!("{:.4}", c.estimate)),
            Cell::from(format!("{:.4}", c.se)),
            Cell::from(format!("{:.3}", c.statistic)),
            Cell::from(crate::display::format_p(c.p_value)),
            Cell::from(format!("{:.4} – {:.4}", c.lower, c.upper)),
        ];
        if odds {
            row.push(Cell::from(format!("{:.4}", c.estimate.exp())));
            row.push(Cell::from(format!("{:.4} – {:.4}", c.lower.exp(), c.upper.exp())));
        }
        t.push_row(row);
    }
    t
}

/// Ordinary least squares `y ≈ b₀ + Σ bⱼ·xⱼ` with classical (homoscedastic) standard
/// errors, t statistics on `n − p − 1` degrees of freedom and R² (statsmodels' `OLS`).
///
/// ```
/// use ndarray::array;
/// let x = array![[1.0], [2.0], [3.0], [4.0]];
/// let m = ai4med::prognosis::LinearRegression::fit(&x.view(), &[3.1, 4.9, 7.2, 8.8], &["dose"]).unwrap();
/// assert!((m.coefficients[1].estimate - 1.94).abs() < 1e-9);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct LinearRegression {
    /// Intercept first, then one per column.
    pub coefficients: Vec<Coefficient>,
    /// Coefficient of determination.
    pub r_squared: f64,
    /// Residual variance `RSS / (n − p − 1)`.
    pub sigma2: f64,
}

impl LinearRegression {
    /// Fits by the normal equations. Errors: mismatched shapes, non-finite values,
    /// constant or collinear columns, too few rows.
    pub fn fit(x: &ArrayView2<f64>, y: &[f64], names: &[&str]) -> Result<LinearRegression> {
        check_xy(x, y, names)?;
        let xd = design(x);
        let yv = DVector::from_column_slice(y);
        let xtx_inv = invert_spd(xd.transpose() * &xd, "linear regression")?;
        let beta = &xtx_inv * (xd.transpose() * &yv);
        let resid = &yv - &xd * &beta;
        let (n, k) = (xd.nrows() as f64, xd.ncols() as f64);
        let rss = resid.norm_squared();
        let mean = y.iter().sum::<f64>() / n;
        let tss: f64 = y.iter().map(|v| (v - mean).powi(2)).sum();
        let sigma2 = rss / (n - k);
        let t = StudentsT::new(0.0, 1.0, n - k).map_err(|e| Error::invalid_arg("x", e.to_string()))?;
        let se: Vec<f64> = (0..beta.len()).map(|j| (sigma2 * xtx_inv[(j, j)]).sqrt()).collect();
        let coefficients = wald_table(names, beta.as_slice(), &se, &t);
        Ok(LinearRegression { coefficients, r_squared: if tss > 0.0 { 1.0 - rss / tss } else { f64::NAN }, sigma2 })
    }

    /// Predictions for new rows (same columns as in the fit).
    pub fn predict(&self, x: &ArrayView2<f64>) -> Result<Vec<f64>> {
        linear_predictor(&self.coefficients, x)
    }

    /// The coefficient table.
    pub fn summary(&self) -> Table {
        coefficient_table(&format!("Linear regression (R² = {:.4})", self.r_squared), &self.coefficients, "t", false)
    }

    /// Prints the summary for evcxr.
    pub fn evcxr_display(&self) {
        self.summary().evcxr_display()
    }
}

fn linear_predictor(coefs: &[Coefficient], x: &ArrayView2<f64>) -> Result<Vec<f64>> {
    if x.ncols() + 1 != coefs.len() {
        return Err(Error::ShapeMismatch {
            what: "x".into(),
            expected: format!("{} columns as in the fit", coefs.len() - 1),
            got: x.shape().to_vec(),
        });
    }
    Ok(x.rows().into_iter().map(|r| coefs[0].estimate + r.iter().zip(&coefs[1..]).map(|(v, c)| v * c.estimate).sum::<f64>()).collect())
}

/// Regularisation of a logistic regression.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Penalty {
    /// Maximum likelihood (statsmodels' `Logit`, scikit-learn's `penalty=None`).
    None,
    /// scikit-learn's default: minimise `½‖w‖² + C·Σ log-loss`, intercept not penalised.
    /// `C = 1` is scikit-learn's default.
    L2 {
        /// Inverse regularisation strength.
        c: f64,
    },
}

/// Logistic regression `P(y = 1 | x) = σ(b₀ + Σ bⱼ·xⱼ)` fitted by Newton's method with
/// a line search, until the Newton decrement is below `1e-10·(1 + objective)` (the
/// step then taken leaves coefficient errors far below 1e-8). Each Newton step is one
/// pass over the rows, in parallel over fixed chunks (results do not depend on thread
/// scheduling).
///
/// With [`Penalty::L2`] the coefficients are scikit-learn's `LogisticRegression(C = c)`
/// (its default is `Penalty::L2 { c: 1.0 }`); with [`Penalty::None`] they are the
/// maximum-likelihood estimates of statsmodels' `Logit`. Standard errors come from the
/// inverse Hessian at the optimum (for the penalised fit they are the penalised
/// Hessian's, a common approximation that scikit-learn does not report). Perfect
/// separation makes the unpenalised estimates infinite: that is reported as an error,
/// not looped on.
///
/// ```
/// use ndarray::array;
/// use ai4med::prognosis::{LogisticRegression, Penalty};
/// let x = array![[0.5], [1.0], [1.5], [2.0], [2.5], [3.0]];
/// let y = [0.0, 0.0, 1.0, 0.0, 1.0, 1.0];
/// let m = LogisticRegression::fit(&x.view(), &y, &["dose"], Penalty::None).unwrap();
/// let p = m.predict_proba(&x.view()).unwrap();
/// assert!(p[5] > p[0]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct LogisticRegression {
    /// Intercept first, then one per column.
    pub coefficients: Vec<Coefficient>,
    /// Log-likelihood at the estimate (without the penalty).
    pub log_likelihood: f64,
    /// Newton iterations used.
    pub iterations: usize,
    /// The penalty used.
    pub penalty: Penalty,
}

fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 { 1.0 / (1.0 + (-z).exp()) } else { z.exp() / (1.0 + z.exp()) }
}

/// Rows per parallel chunk; partial sums are added in chunk order, so results do not
/// depend on thread scheduling.
const CHUNK: usize = 4096;

fn softplus(z: f64) -> f64 {
    if z > 0.0 { z + (-z).exp().ln_1p() } else { z.exp().ln_1p() }
}

/// Row ranges of the chunks.
fn chunks(n: usize) -> Vec<(usize, usize)> {
    (0..n.div_ceil(CHUNK)).map(|c| (c * CHUNK, ((c + 1) * CHUNK).min(n))).collect()
}

/// Σ log-loss `log(1 + e^z) − y·z` with `z = X·β` (`X` = `[1, x]`).
fn sweep_loss(xr: &Array2<f64>, y: &[f64], beta: &Array1<f64>) -> f64 {
    use rayon::prelude::*;
    let parts: Vec<f64> = chunks(xr.nrows())
        .into_par_iter()
        .map(|(lo, hi)| {
            let z = xr.slice(s![lo..hi, ..]).dot(beta);
            z.iter().zip(&y[lo..hi]).map(|(&z, &t)| softplus(z) - t * z).sum::<f64>()
        })
        .collect();
    parts.iter().sum()
}

/// Log-loss, gradient `Xᵀ(p − y)` and Hessian `Xᵀ·diag(p(1 − p))·X` in one pass, chunk
/// by chunk with matrix products (matrixmultiply's blocked kernels).
fn sweep_newton(xr: &Array2<f64>, y: &[f64], beta: &Array1<f64>) -> (f64, Vec<f64>, DMatrix<f64>) {
    use rayon::prelude::*;
    let k = xr.ncols();
    let parts: Vec<(f64, Array1<f64>, Array2<f64>)> = chunks(xr.nrows())
        .into_par_iter()
        .map(|(lo, hi)| {
            let xs = xr.slice(s![lo..hi, ..]);
            let z = xs.dot(beta);
            let loss: f64 = z.iter().zip(&y[lo..hi]).map(|(&z, &t)| softplus(z) - t * z).sum();
            let p = z.mapv(sigmoid);
            let d = &p - &ndarray::ArrayView1::from(&y[lo..hi]);
            let g = xs.t().dot(&d);
            let sw = p.mapv(|v| (v * (1.0 - v)).sqrt());
            let scaled = &xs * &sw.insert_axis(ndarray::Axis(1));
            let h = scaled.t().dot(&scaled);
            (loss, g, h)
        })
        .collect();
    let mut f = 0.0;
    let mut g = vec![0.0; k];
    let mut h = DMatrix::zeros(k, k);
    for (pf, pg, ph) in &parts {
        f += pf;
        for a in 0..k {
            g[a] += pg[a];
            for b in 0..k {
                h[(a, b)] += ph[[a, b]];
            }
        }
    }
    (f, g, h)
}

impl LogisticRegression {
    /// A model with the coefficients given, not fitted: `P(y = 1 | x) = σ(intercept +
    /// Σ βⱼ·xⱼ)` with one `(name, βⱼ)` per column, in the column order that
    /// [`predict_proba`](Self::predict_proba) expects. Standard errors, statistics,
    /// p-values, interval bounds and the log-likelihood are NaN; `iterations` is 0 and
    /// the penalty [`Penalty::None`].
    ///
    /// scikit-learn's equivalent is assigning `coef_` and `intercept_` to a
    /// `LogisticRegression`. Graded cells use it to test functions that take a fitted
    /// model (`extract_treatment_effect`, `base_risks`, `lr_arr_quantile` in course 3
    /// week 1) on a model whose predictions are known by hand.
    ///
    /// Errors: a non-finite coefficient (`intercept` or `coefficients`), or an empty or
    /// repeated column name.
    ///
    /// ```
    /// use ndarray::array;
    /// use ai4med::prognosis::LogisticRegression;
    /// let m = LogisticRegression::from_coefficients(-1.0, &[("age", 0.5), ("TRTMT", -1.0)]).unwrap();
    /// let p = m.predict_proba(&array![[2.0, 0.0], [2.0, 1.0]].view()).unwrap();
    /// assert_eq!(p[0], 0.5); // σ(−1 + 0.5·2) = σ(0)
    /// assert!((p[1] - 1.0 / (1.0 + 1f64.exp())).abs() < 1e-15); // σ(−1)
    /// assert!(LogisticRegression::from_coefficients(0.0, &[("a", 1.0), ("a", 2.0)]).is_err());
    /// ```
    pub fn from_coefficients(intercept: f64, coefficients: &[(&str, f64)]) -> Result<LogisticRegression> {
        if !intercept.is_finite() {
            return Err(Error::invalid_arg("intercept", format!("must be finite, got {intercept}")));
        }
        let mut seen = std::collections::HashSet::new();
        for (i, &(name, b)) in coefficients.iter().enumerate() {
            if name.is_empty() {
                return Err(Error::invalid_arg("coefficients", format!("column {i} has an empty name")));
            }
            if !seen.insert(name) {
                return Err(Error::invalid_arg("coefficients", format!("column name {name:?} appears twice")));
            }
            if !b.is_finite() {
                return Err(Error::invalid_arg("coefficients", format!("the coefficient of {name:?} must be finite, got {b}")));
            }
        }
        let row = |name: &str, estimate: f64| Coefficient {
            name: name.to_string(),
            estimate,
            se: f64::NAN,
            statistic: f64::NAN,
            p_value: f64::NAN,
            lower: f64::NAN,
            upper: f64::NAN,
        };
        Ok(LogisticRegression {
            coefficients: std::iter::once(row("intercept", intercept)).chain(coefficients.iter().map(|&(n, b)| row(n, b))).collect(),
            log_likelihood: f64::NAN,
            iterations: 0,
            penalty: Penalty::None,
        })
    }

    /// Fits the model. `y` holds 0/1 labels.
    pub fn fit(x: &ArrayView2<f64>, y: &[f64], names: &[&str], penalty: Penalty) -> Result<LogisticRegression> {
        check_xy(x, y, names)?;
        if let Some(i) = y.iter().position(|&v| v != 0.0 && v != 1.0) {
            return Err(Error::InvalidValue {
                what: "y".into(),
                value: y[i].to_string(),
                index: i,
                reason: "labels must be 0 or 1".into(),
            });
        }
        let pos = y.iter().filter(|&&v| v == 1.0).count();
        if pos == 0 || pos == y.len() {
            return Err(Error::undefined("logistic regression", "y has only one class"));
        }
        let lambda = match penalty {
            Penalty::None => 0.0,
            Penalty::L2 { c } if c > 0.0 && c.is_finite() => 1.0 / c,
            Penalty::L2 { c } => return Err(Error::invalid_arg("C", format!("must be positive and finite, got {c}"))),
        };
        let (n, k) = (x.nrows(), x.ncols() + 1);
        let mut xr = Array2::ones((n, k));
        xr.slice_mut(s![.., 1..]).assign(x);
        let penalty_term = |b: &[f64]| 0.5 * lambda * b[1..].iter().map(|v| v * v).sum::<f64>();
        let mut beta = vec![0.0; k];
        beta[0] = (pos as f64 / (n - pos) as f64).ln();
        // Loss, gradient and Hessian at the current point; one pass over the rows each.
        let (mut loss, mut g, mut hessian) = sweep_newton(&xr, y, &Array1::from(beta.clone()));
        let mut converged = false;
        for it in 1..=100 {
            let f = loss + penalty_term(&beta);
            for j in 1..k {
                g[j] += lambda * beta[j];
                hessian[(j, j)] += lambda;
            }
            if converged {
                // The Hessian at the estimate gives the standard errors.
                let cov = invert_spd(hessian, "logistic regression")?;
                let se: Vec<f64> = (0..k).map(|j| cov[(j, j)].sqrt()).collect();
                let coefficients = wald_table(names, &beta, &se, &Normal::standard());
                return Ok(LogisticRegression { coefficients, log_likelihood: -loss, iterations: it - 1, penalty });
            }
            let chol = hessian.clone().cholesky().ok_or_else(|| {
                if lambda == 0.0 && f < 1e-6 {
                    Error::NotConverged {
                        what: "logistic regression".into(),
                        iterations: it,
                        detail: "the classes are perfectly separated: the maximum-likelihood estimates are infinite (use Penalty::L2)"
                            .into(),
                    }
                } else {
                    Error::invalid_arg(
                        "x",
                        "logistic regression: the design matrix is rank-deficient (some columns are linear combinations of others)",
                    )
                }
            })?;
            let gv = DVector::from_column_slice(&g);
            let step = chol.solve(&gv);
            // Newton decrement gᵀH⁻¹g: twice the predicted decrease of the objective.
            // Once it is this small, the step about to be taken (quadratic convergence)
            // leaves errors far below 1e-8.
            let decrement = gv.dot(&step);
            converged = decrement <= 1e-10 * (1.0 + f.abs());
            let mut t = 1.0;
            let mut cand: Vec<f64> = beta.iter().zip(step.iter()).map(|(b, d)| b - t * d).collect();
            let (mut cl, mut cg, mut ch) = sweep_newton(&xr, y, &Array1::from(cand.clone()));
            if !(cl + penalty_term(&cand) <= f) {
                // Backtrack with cheap loss-only passes, then one full pass at the accepted point.
                while !(sweep_loss(&xr, y, &Array1::from(cand.clone())) + penalty_term(&cand) <= f) && t > 1e-12 {
                    t *= 0.5;
                    cand = beta.iter().zip(step.iter()).map(|(b, d)| b - t * d).collect();
                }
                if t <= 1e-12 {
                    // No decrease possible: the current point is optimal to rounding.
                    cand = beta.clone();
                    converged = true;
                }
                (cl, cg, ch) = sweep_newton(&xr, y, &Array1::from(cand.clone()));
            }
            beta = cand;
            (loss, g, hessian) = (cl, cg, ch);
            let largest = beta.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            if lambda == 0.0 && (largest > 1e6 || loss < 1e-8 * n as f64) {
                return Err(Error::NotConverged {
                    what: "logistic regression".into(),
                    iterations: it,
                    detail: format!(
                        "the classes are (nearly) perfectly separated: coefficients grow without bound (largest |b| = {largest:.3e}); use Penalty::L2"
                    ),
                });
            }
        }
        Err(Error::NotConverged { what: "logistic regression".into(), iterations: 100, detail: format!("log-loss {loss}") })
    }

    /// Predicted probabilities `σ(b₀ + Σ bⱼ·xⱼ)` for new rows.
    pub fn predict_proba(&self, x: &ArrayView2<f64>) -> Result<Vec<f64>> {
        Ok(linear_predictor(&self.coefficients, x)?.into_iter().map(sigmoid).collect())
    }

    /// The linear predictor `b₀ + Σ bⱼ·xⱼ` (log-odds) for new rows.
    pub fn decision_function(&self, x: &ArrayView2<f64>) -> Result<Vec<f64>> {
        linear_predictor(&self.coefficients, x)
    }

    /// Odds ratios `exp(bⱼ)` of the non-intercept terms, with their names.
    pub fn odds_ratios(&self) -> Vec<(String, f64)> {
        self.coefficients[1..].iter().map(|c| (c.name.clone(), c.estimate.exp())).collect()
    }

    /// The coefficient table with odds ratios.
    pub fn summary(&self) -> Table {
        let pen = match self.penalty {
            Penalty::None => "no penalty".to_string(),
            Penalty::L2 { c } => format!("L2 penalty, C = {c}"),
        };
        coefficient_table(&format!("Logistic regression ({pen}; log-likelihood {:.4})", self.log_likelihood), &self.coefficients, "z", true)
    }

    /// Prints the summary for evcxr.
    pub fn evcxr_display(&self) {
        self.summary().evcxr_display()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn linear_exact_fit_by_hand() {
        // y = 1 + 2x exactly: estimates exact, R² = 1.
        let x = array![[0.0], [1.0], [2.0], [3.0]];
        let m = LinearRegression::fit(&x.view(), &[1.0, 3.0, 5.0, 7.0], &["x"]).unwrap();
        assert!((m.coefficients[0].estimate - 1.0).abs() < 1e-12);
        assert!((m.coefficients[1].estimate - 2.0).abs() < 1e-12);
        assert!((m.r_squared - 1.0).abs() < 1e-12);
        assert_eq!(m.predict(&array![[10.0]].view()).unwrap().len(), 1);
        assert!(m.predict(&array![[1.0, 2.0]].view()).is_err());
    }

    #[test]
    fn logistic_score_equations_hold() {
        let x = array![[0.5, 1.0], [1.0, 0.2], [1.5, 0.3], [2.0, 0.9], [2.5, 0.1], [3.0, 0.5], [0.7, 0.8], [2.2, 0.4]];
        let y = [0.0, 0.0, 1.0, 0.0, 1.0, 1.0, 1.0, 0.0];
        let m = LogisticRegression::fit(&x.view(), &y, &["a", "b"], Penalty::None).unwrap();
        let p = m.predict_proba(&x.view()).unwrap();
        // At the MLE, Σ (p − y)·[1, x] = 0.
        let g0: f64 = p.iter().zip(&y).map(|(p, y)| p - y).sum();
        let g1: f64 = p.iter().zip(&y).zip(x.column(0)).map(|((p, y), v)| (p - y) * v).sum();
        assert!(g0.abs() < 1e-9 && g1.abs() < 1e-9, "{g0} {g1}");
        assert!(m.summary().to_string().contains("odds ratio"));
    }

    #[test]
    fn separation_and_collinearity_are_reported() {
        let x = array![[0.0], [1.0], [2.0], [3.0]];
        let e = LogisticRegression::fit(&x.view(), &[0.0, 0.0, 1.0, 1.0], &["x"], Penalty::None).unwrap_err();
        assert!(e.to_string().contains("separated"), "{e}");
        assert!(LogisticRegression::fit(&x.view(), &[0.0, 0.0, 1.0, 1.0], &["x"], Penalty::L2 { c: 1.0 }).is_ok());
        let x2 = array![[0.0, 0.0], [1.0, 2.0], [2.0, 4.0], [3.0, 6.0], [4.0, 8.0]];
        let e = LinearRegression::fit(&x2.view(), &[1.0, 2.0, 2.5, 4.0, 5.5], &["a", "b"]).unwrap_err();
        assert!(e.to_string().contains("rank-deficient"), "{e}");
        let c = array![[1.0], [1.0], [1.0]];
        assert!(LinearRegression::fit(&c.view(), &[1.0, 2.0, 3.0], &["const"]).unwrap_err().to_string().contains("constant"));
        assert!(LogisticRegression::fit(&x.view(), &[1.0, 1.0, 1.0, 1.0], &["x"], Penalty::None).is_err());
        assert!(LogisticRegression::fit(&x.view(), &[0.0, 2.0, 1.0, 1.0], &["x"], Penalty::None).is_err());
        let nan = array![[0.0], [f64::NAN], [2.0], [3.0]];
        assert!(LogisticRegression::fit(&nan.view(), &[0.0, 1.0, 0.0, 1.0], &["x"], Penalty::None).is_err());
    }
}
