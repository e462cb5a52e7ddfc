//! Linear and logistic regression with standard errors (course 2, week 1).
//!
//! Both fit an intercept plus one coefficient per column of `x`, solve their normal
//! equations by Cholesky factorisation (nalgebra), and report coefficients with
//! standard errors, Wald confidence intervals and p-values in a [`summary`](LogisticRegression::summary)
//! table.

use crate::data::{AsFeatures, aligned, default_names};
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

/// One row of a coefficient table: linear, logistic and Cox models all report these
/// (for the logistic and Cox models `exp(estimate)` is the odds or hazard ratio).
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
/// reference distribution `dist` (Student's t for OLS, the normal for Wald tests), one
/// per name (no intercept: the Cox model's rows).
pub(crate) fn wald_rows<D: ContinuousCDF<f64, f64>>(names: &[&str], beta: &[f64], se: &[f64], dist: &D) -> Vec<Coefficient> {
    let q = dist.inverse_cdf(0.975);
    names
        .iter()
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

/// [`wald_rows`] with the intercept first.
fn wald_table<D: ContinuousCDF<f64, f64>>(names: &[&str], beta: &[f64], se: &[f64], dist: &D) -> Vec<Coefficient> {
    let all: Vec<&str> = std::iter::once("intercept").chain(names.iter().copied()).collect();
    wald_rows(&all, beta, se, dist)
}

/// The one coefficient table of the crate's regression models (linear, logistic, Cox):
/// term, estimate, standard error, the test statistic (`stat`: "t" or "z"), p-value and
/// 95% interval; with `ratio` (`"OR"` for logistic, `"HR"` for Cox) also `exp(estimate)`
/// and its interval, the odds or hazard ratio. Rows with p < 0.05 have their p-value
/// marked.
///
/// ```
/// use ai4med::linear::{Coefficient, coefficient_table};
/// let c = Coefficient { name: "age".into(), estimate: 0.5, se: 0.1, statistic: 5.0, p_value: 1e-6, lower: 0.3, upper: 0.7 };
/// let t = coefficient_table("demo", &[c], "z", Some("HR")).to_string();
/// assert!(t.contains("HR 95% CI") && t.contains("1.6487"));
/// ```
pub fn coefficient_table(title: &str, coefs: &[Coefficient], stat: &str, ratio: Option<&str>) -> Table {
    let mut cols: Vec<String> = ["term", "estimate", "std. error", stat, "p-value", "95% CI"].iter().map(|s| s.to_string()).collect();
    if let Some(r) = ratio {
        cols.extend([r.to_string(), format!("{r} 95% CI")]);
    }
    let mut t = Table::new(cols).caption(title).max_rows(usize::MAX);
    for c in coefs {
        let tone = if c.p_value < 0.05 { crate::display::Tone::Good } else { crate::display::Tone::Plain };
        let mut row = vec![
            Cell::from(c.name.as_str()),
            Cell::from(format!("{:.4}", c.estimate)),
            Cell::from(format!("{:.4}", c.se)),
            Cell::from(format!("{:.3}", c.statistic)),
            Cell::toned(crate::display::format_p(c.p_value), tone),
            Cell::from(format!("{:.4} – {:.4}", c.lower, c.upper)),
        ];
        if ratio.is_some() {
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
/// Built as `LinearRegression::params().fit(&x, &y)` with `x` a frame or a matrix
/// (columns by name, see [`crate::model`]).
///
/// ```
/// use ai4med::prelude::*;
/// use ai4med::prognosis::LinearRegression;
/// let x = df!("dose" => [1.0, 2.0, 3.0, 4.0]).unwrap();
/// let m = LinearRegression::params().fit(&x, &[3.1, 4.9, 7.2, 8.8]).unwrap();
/// assert!((m.coefficients[1].estimate - 1.94).abs() < 1e-9);
/// assert_eq!(m.coefficients[1].name, "dose");
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

/// Settings of a [`LinearRegression`] (none yet: an intercept is always fitted).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LinearRegressionParams;

impl LinearRegressionParams {
    /// Fits by the normal equations. Errors: mismatched shapes, non-finite values,
    /// constant or collinear columns, too few rows.
    pub fn fit<X: AsFeatures + ?Sized>(&self, x: &X, y: &[f64]) -> Result<LinearRegression> {
        let (m, names) = x.to_features()?;
        let names = names.unwrap_or_else(|| default_names(m.ncols()));
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        LinearRegression::fit_named(&m.view(), y, &refs)
    }
}

crate::model::feature_model!(regressor LinearRegressionParams => LinearRegression);

/// The fitted columns' names (the coefficients after the intercept).
fn feature_names(coefs: &[Coefficient]) -> Vec<String> {
    coefs.iter().skip(1).map(|c| c.name.clone()).collect()
}

impl LinearRegression {
    /// Settings before the fit (see [`crate::model`]).
    pub fn params() -> LinearRegressionParams {
        LinearRegressionParams
    }

    /// Names of the fitted columns, in order.
    pub fn feature_names(&self) -> Vec<String> {
        feature_names(&self.coefficients)
    }

    fn fit_named(x: &ArrayView2<f64>, y: &[f64], names: &[&str]) -> Result<LinearRegression> {
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

    /// Predictions for new rows: a frame's columns are picked by name, a matrix must
    /// have the fitted columns in order.
    pub fn predict<X: AsFeatures + ?Sized>(&self, x: &X) -> Result<Vec<f64>> {
        let m = aligned(x, &self.feature_names())?;
        linear_predictor(&self.coefficients, &m.view())
    }

    /// The coefficient table.
    pub fn summary(&self) -> Table {
        coefficient_table(&format!("Linear regression (R² = {:.4})", self.r_squared), &self.coefficients, "t", None)
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
    if let Some(((i, j), v)) = x.indexed_iter().find(|(_, v)| !v.is_finite()) {
        return Err(Error::InvalidValue {
            what: format!("column '{}'", coefs.get(j + 1).map_or("?", |c| c.name.as_str())),
            value: v.to_string(),
            index: i,
            reason: "features must be finite (impute or drop missing values first)".into(),
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
/// Built as `LogisticRegression::params().penalty(…).fit(&x, &y)`; the default
/// penalty is scikit-learn's default, `Penalty::L2 { c: 1.0 }`.
///
/// ```
/// use ai4med::prelude::*;
/// use ai4med::prognosis::{LogisticRegression, Penalty};
/// let x = df!("dose" => [0.5, 1.0, 1.5, 2.0, 2.5, 3.0]).unwrap();
/// let y = [0.0, 0.0, 1.0, 0.0, 1.0, 1.0];
/// let m = LogisticRegression::params().penalty(Penalty::None).fit(&x, &y).unwrap();
/// let p = m.positive_proba(&x).unwrap();
/// assert!(p[5] > p[0]);
/// assert_eq!(m.predict_proba(&x).unwrap().row(0).sum(), 1.0);
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

/// Settings of a [`LogisticRegression`]: the penalty (scikit-learn's default
/// `Penalty::L2 { c: 1.0 }` unless set).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogisticRegressionParams {
    /// Regularisation.
    pub penalty: Penalty,
}

impl Default for LogisticRegressionParams {
    fn default() -> Self {
        LogisticRegressionParams { penalty: Penalty::L2 { c: 1.0 } }
    }
}

impl LogisticRegressionParams {
    /// Regularisation ([`Penalty::None`] for statsmodels' `Logit`).
    pub fn penalty(mut self, penalty: Penalty) -> Self {
        self.penalty = penalty;
        self
    }

    /// Fits the model. `y` holds 0/1 labels. Errors: mismatched shapes, non-finite
    /// values, constant or collinear columns, one class only, perfect separation
    /// without a penalty.
    pub fn fit<X: AsFeatures + ?Sized>(&self, x: &X, y: &[f64]) -> Result<LogisticRegression> {
        let (m, names) = x.to_features()?;
        let names = names.unwrap_or_else(|| default_names(m.ncols()));
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        LogisticRegression::fit_named(&m.view(), y, &refs, self.penalty)
    }
}

crate::model::feature_model!(classifier LogisticRegressionParams => LogisticRegression);

impl LogisticRegression {
    /// Settings before the fit (see [`crate::model`]).
    pub fn params() -> LogisticRegressionParams {
        LogisticRegressionParams::default()
    }

    /// Names of the fitted columns, in order.
    pub fn feature_names(&self) -> Vec<String> {
        feature_names(&self.coefficients)
    }

    /// A model with the coefficients given, not fitted: `P(y = 1 | x) = σ(intercept +
    /// Σ βⱼ·xⱼ)` with one `(name, βⱼ)` per column, in the column order that
    /// [`positive_proba`](Self::positive_proba) expects. Standard errors, statistics,
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
    /// let p = m.positive_proba(&array![[2.0, 0.0], [2.0, 1.0]]).unwrap();
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

    fn fit_named(x: &ArrayView2<f64>, y: &[f64], names: &[&str], penalty: Penalty) -> Result<LogisticRegression> {
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

    /// `P(y = 1 | x) = σ(b₀ + Σ bⱼ·xⱼ)` for new rows (a frame's columns by name, a
    /// matrix's in the fitted order).
    pub fn positive_proba<X: AsFeatures + ?Sized>(&self, x: &X) -> Result<Vec<f64>> {
        Ok(self.decision_function(x)?.into_iter().map(sigmoid).collect())
    }

    /// Rows × 2 class probabilities `[P(y = 0), P(y = 1)]` (scikit-learn's `predict_proba`).
    pub fn predict_proba<X: AsFeatures + ?Sized>(&self, x: &X) -> Result<Array2<f64>> {
        let p = self.positive_proba(x)?;
        Ok(Array2::from_shape_fn((p.len(), 2), |(i, j)| if j == 1 { p[i] } else { 1.0 - p[i] }))
    }

    /// Predicted labels: 1 where the log-odds are positive (`P(y = 1) > 0.5`), else 0.
    pub fn predict<X: AsFeatures + ?Sized>(&self, x: &X) -> Result<Vec<f64>> {
        Ok(self.decision_function(x)?.into_iter().map(|z| if z > 0.0 { 1.0 } else { 0.0 }).collect())
    }

    /// The linear predictor `b₀ + Σ bⱼ·xⱼ` (log-odds) for new rows.
    pub fn decision_function<X: AsFeatures + ?Sized>(&self, x: &X) -> Result<Vec<f64>> {
        let m = aligned(x, &self.feature_names())?;
        linear_predictor(&self.coefficients, &m.view())
    }

    /// Odds ratios `exp(bⱼ)` of the non-intercept terms, with their names.
    pub fn odds_ratios(&self) -> Vec<(String, f64)> {
        self.coefficients[1..].iter().map(|c| (c.name.clone(), c.estimate.exp())).collect()
    }

    /// The coefficient table with odds ratios (OR).
    pub fn summary(&self) -> Table {
        let pen = match self.penalty {
            Penalty::None => "no penalty".to_string(),
            Penalty::L2 { c } => format!("L2 penalty, C = {c}"),
        };
        coefficient_table(
            &format!("Logistic regression ({pen}; log-likelihood {:.4})", self.log_likelihood),
            &self.coefficients,
            "z",
            Some("OR"),
        )
    }
}

impl crate::display::Render for LinearRegression {
    fn render(&self) -> crate::display::View {
        crate::display::View::Table(self.summary())
    }
}
crate::rendered!(LinearRegression);

impl crate::display::Render for LogisticRegression {
    fn render(&self) -> crate::display::View {
        crate::display::View::Table(self.summary())
    }
}
crate::rendered!(LogisticRegression);

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn linear_exact_fit_by_hand() {
        // y = 1 + 2x exactly: estimates exact, R² = 1.
        let x = array![[0.0], [1.0], [2.0], [3.0]];
        let m = LinearRegression::params().fit(&x, &[1.0, 3.0, 5.0, 7.0]).unwrap();
        assert!((m.coefficients[0].estimate - 1.0).abs() < 1e-12);
        assert!((m.coefficients[1].estimate - 2.0).abs() < 1e-12);
        assert!((m.r_squared - 1.0).abs() < 1e-12);
        assert_eq!(m.predict(&array![[10.0]]).unwrap().len(), 1);
        assert!(m.predict(&array![[1.0, 2.0]]).is_err());
    }

    #[test]
    fn logistic_score_equations_hold() {
        let x = array![[0.5, 1.0], [1.0, 0.2], [1.5, 0.3], [2.0, 0.9], [2.5, 0.1], [3.0, 0.5], [0.7, 0.8], [2.2, 0.4]];
        let y = [0.0, 0.0, 1.0, 0.0, 1.0, 1.0, 1.0, 0.0];
        let m = LogisticRegression::params().penalty(Penalty::None).fit(&x, &y).unwrap();
        let p = m.positive_proba(&x).unwrap();
        // At the MLE, Σ (p − y)·[1, x] = 0.
        let g0: f64 = p.iter().zip(&y).map(|(p, y)| p - y).sum();
        let g1: f64 = p.iter().zip(&y).zip(x.column(0)).map(|((p, y), v)| (p - y) * v).sum();
        assert!(g0.abs() < 1e-9 && g1.abs() < 1e-9, "{g0} {g1}");
        assert!(m.summary().to_string().contains("OR 95% CI"));
    }

    #[test]
    fn separation_and_collinearity_are_reported() {
        let x = array![[0.0], [1.0], [2.0], [3.0]];
        let e = LogisticRegression::params().penalty(Penalty::None).fit(&x, &[0.0, 0.0, 1.0, 1.0]).unwrap_err();
        assert!(e.to_string().contains("separated"), "{e}");
        assert!(LogisticRegression::params().fit(&x, &[0.0, 0.0, 1.0, 1.0]).is_ok());
        let x2 = array![[0.0, 0.0], [1.0, 2.0], [2.0, 4.0], [3.0, 6.0], [4.0, 8.0]];
        let e = LinearRegression::params().fit(&x2, &[1.0, 2.0, 2.5, 4.0, 5.5]).unwrap_err();
        assert!(e.to_string().contains("rank-deficient"), "{e}");
        let c = array![[1.0], [1.0], [1.0]];
        assert!(LinearRegression::params().fit(&c, &[1.0, 2.0, 3.0]).unwrap_err().to_string().contains("constant"));
        assert!(LogisticRegression::params().penalty(Penalty::None).fit(&x, &[1.0, 1.0, 1.0, 1.0]).is_err());
        assert!(LogisticRegression::params().penalty(Penalty::None).fit(&x, &[0.0, 2.0, 1.0, 1.0]).is_err());
        let nan = array![[0.0], [f64::NAN], [2.0], [3.0]];
        assert!(LogisticRegression::params().penalty(Penalty::None).fit(&nan, &[0.0, 1.0, 0.0, 1.0]).is_err());
    }
}
