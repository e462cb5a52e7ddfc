//! Missing data: how much is missing and where, whether dropping incomplete rows
//! biases the sample, and imputation (course 2 week 2, labs "missing data" and
//! "imputation", and the assignment's mean and iterative imputation).
//!
//! A value is missing when it is null in a polars frame or `NaN` (pandas' rule).
//!
//! ```
//! use ai4med::prep::impute::{IterativeImputer, SimpleImputer, fraction_rows_missing};
//! use ai4med::prelude::*;
//! // The course's imputation lab: feature_2 = 10 × feature_1 with two gaps.
//! let f2: Vec<Option<f64>> = (0..=10).map(|i| if i == 1 || i == 9 { None } else { Some(10.0 * i as f64) }).collect();
//! let df = df!("feature_1" => (0..=10).map(|i| i as f64).collect::<Vec<_>>(), "feature_2" => f2).unwrap();
//! assert!((fraction_rows_missing(&df).unwrap() - 2.0 / 11.0).abs() < 1e-12);
//! let mean = SimpleImputer::params().fit(&df).unwrap().transform(&df).unwrap();
//! assert_eq!(ai4med::data::column_f64(&mean, "feature_2").unwrap()[1], 50.0);
//! let it = IterativeImputer::params().fit(&df).unwrap().transform(&df).unwrap();
//! let f2 = ai4med::data::column_f64(&it, "feature_2").unwrap();
//! assert!((f2[1] - 10.0).abs() < 1e-9 && (f2[9] - 90.0).abs() < 1e-9);
//! ```

pub use crate::data::complete_cases;
use crate::data::{AsFeatures, default_names, missing_mask};
use crate::display::{Cell, Table, Tone};
use crate::plot::{Figure, Heatmap};
use crate::{Error, Result};
use ndarray::{Array2, ArrayView2};
use polars::prelude::*;

/// The share of rows with at least one missing value (the course exercise
/// `fraction_rows_missing`). An empty frame is an error.
///
/// ```
/// use ai4med::prelude::*;
/// let df = df!("a" => [None, Some(1.0), Some(1.0), None], "b" => [Some(1.0), None, Some(0.0), Some(1.0)]).unwrap();
/// assert_eq!(ai4med::prep::impute::fraction_rows_missing(&df).unwrap(), 0.75);
/// ```
pub fn fraction_rows_missing(df: &DataFrame) -> Result<f64> {
    crate::error::check::non_empty("frame rows", df.height())?;
    let m = missing_mask(df)?;
    let rows = m.rows().into_iter().filter(|r| r.iter().any(|&v| v)).count();
    Ok(rows as f64 / df.height() as f64)
}

/// Number of missing values in each row.
pub fn missing_per_row(df: &DataFrame) -> Result<Vec<usize>> {
    Ok(missing_mask(df)?.rows().into_iter().map(|r| r.iter().filter(|&&v| v).count()).collect())
}

/// Which rows miss a value in `column` (null or `NaN`); an unknown column is an error
/// naming the columns there are.
///
/// ```
/// use ai4med::prelude::*;
/// let df = df!("sbp" => [Some(120.0), None, Some(f64::NAN)]).unwrap();
/// assert_eq!(ai4med::prep::impute::is_missing(&df, "sbp").unwrap(), vec![false, true, true]);
/// ```
pub fn is_missing(df: &DataFrame, column: &str) -> Result<Vec<bool>> {
    let j = df
        .get_column_names()
        .iter()
        .position(|c| c.as_str() == column)
        .ok_or_else(|| Error::invalid_arg("column", format!("no column '{column}'; the frame has {:?}", df.get_column_names())))?;
    Ok(missing_mask(df)?.column(j).to_vec())
}

/// Missing values per column: name, count, fraction; displayed as a table, with the
/// number of complete rows in the caption.
#[derive(Debug, Clone)]
pub struct MissingSummary {
    /// `(column, missing count, fraction missing)` in frame order.
    pub columns: Vec<(String, usize, f64)>,
    /// Rows.
    pub n_rows: usize,
    /// Rows without any missing value.
    pub complete_rows: usize,
}

impl MissingSummary {
    /// Counts missing values per column and complete rows.
    pub fn of(df: &DataFrame) -> Result<MissingSummary> {
        crate::error::check::non_empty("frame rows", df.height())?;
        let m = missing_mask(df)?;
        let n = df.height();
        let columns = df
            .get_column_names()
            .iter()
            .enumerate()
            .map(|(j, c)| {
                let k = m.column(j).iter().filter(|&&v| v).count();
                (c.to_string(), k, k as f64 / n as f64)
            })
            .collect();
        let complete_rows = m.rows().into_iter().filter(|r| !r.iter().any(|&v| v)).count();
        Ok(MissingSummary { columns, n_rows: n, complete_rows })
    }
    /// The table: one row per column.
    pub fn table(&self) -> Table {
        let mut t = Table::new(["column", "missing", "fraction missing"]);
        for (c, k, f) in &self.columns {
            let tone = if *k > 0 { Tone::Bad } else { Tone::Plain };
            t.push_row([Cell::from(c.clone()), Cell::toned(k.to_string(), tone), Cell::from(*f)]);
        }
        t.caption(format!(
            "{} of {} rows ({:.1}%) have at least one missing value",
            self.n_rows - self.complete_rows,
            self.n_rows,
            100.0 * (self.n_rows - self.complete_rows) as f64 / self.n_rows as f64
        ))
    }
}

/// A map of missing values: rows down, columns across, missing cells bright (the
/// seaborn heatmap of `df.isnull()` in the course). Frames taller than `max_rows` are
/// shown by their first `max_rows` rows.
pub fn missingness_heatmap(df: &DataFrame, max_rows: usize) -> Result<Heatmap> {
    crate::error::check::non_empty("frame rows", df.height())?;
    let m = missing_mask(df)?;
    let rows = df.height().min(max_rows.max(1));
    let vals = Array2::from_shape_fn((rows, df.width()), |(i, j)| m[[i, j]] as u8 as f64);
    let cols: Vec<String> = df.get_column_names().iter().map(|s| s.to_string()).collect();
    Ok(Heatmap::new(vals)
        .title(format!("missing values (bright = missing), first {rows} rows"))
        .col_labels(cols)
        .colormap(crate::display::Colormap::Viridis)
        .size(720, 480))
}

/// Is dropping incomplete rows biased? For every numeric column, its mean and
/// standard deviation among complete rows and among rows with a missing value
/// elsewhere, the standardised mean difference `(m₁ − m₀)/√((s₁² + s₀²)/2)`, and
/// Welch's t-test p-value. A large difference in, say, age means complete-case
/// analysis studies a different population (the course's check that the missingness
/// is not completely at random).
pub fn compare_complete_cases(df: &DataFrame) -> Result<Table> {
    let m = missing_mask(df)?;
    let incomplete: Vec<bool> = m.rows().into_iter().map(|r| r.iter().any(|&v| v)).collect();
    let n_inc = incomplete.iter().filter(|&&v| v).count();
    if n_inc == 0 || n_inc == df.height() {
        return Err(Error::undefined(
            "complete-case comparison",
            if n_inc == 0 { "no row has a missing value" } else { "every row has a missing value" },
        ));
    }
    let mut t = Table::new([
        "column",
        "mean (complete)",
        "mean (with missing)",
        "sd (complete)",
        "sd (with missing)",
        "std. mean difference",
        "Welch p-value",
    ]);
    for col in df.columns() {
        if !col.dtype().is_primitive_numeric() && !col.dtype().is_bool() {
            continue;
        }
        let v = col.cast(&DataType::Float64)?;
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for (i, x) in v.f64()?.iter().enumerate() {
            if let Some(x) = x.filter(|x| x.is_finite()) {
                if incomplete[i] { b.push(x) } else { a.push(x) }
            }
        }
        let stats = |v: &[f64]| {
            let n = v.len() as f64;
            let m = v.iter().sum::<f64>() / n;
            let var = if v.len() > 1 { v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0) } else { f64::NAN };
            (m, var)
        };
        if a.len() < 2 || b.len() < 2 {
            t.push_row([
                Cell::from(col.name().to_string()),
                Cell::from("too few values"),
                Cell::from(""),
                Cell::from(""),
                Cell::from(""),
                Cell::from(""),
                Cell::from(""),
            ]);
            continue;
        }
        let ((ma, va), (mb, vb)) = (stats(&a), stats(&b));
        let smd = if va + vb > 0.0 { (mb - ma) / ((va + vb) / 2.0).sqrt() } else { 0.0 };
        let p = welch_p(ma, va, a.len() as f64, mb, vb, b.len() as f64);
        let tone = if smd.abs() >= 0.2 { Tone::Bad } else { Tone::Plain };
        t.push_row([
            Cell::from(col.name().to_string()),
            Cell::from(ma),
            Cell::from(mb),
            Cell::from(va.sqrt()),
            Cell::from(vb.sqrt()),
            Cell::toned(format!("{smd:+.3}"), tone),
            Cell::from(if p < 1e-16 {
                "< 1e-16".to_string()
            } else if p < 1e-4 {
                format!("{p:.1e}")
            } else {
                format!("{p:.4}")
            }),
        ]);
    }
    Ok(t.caption(format!(
        "{} complete rows vs {} rows with a missing value; |std. mean difference| ≥ 0.2 is marked",
        df.height() - n_inc,
        n_inc
    )))
}

fn welch_p(ma: f64, va: f64, na: f64, mb: f64, vb: f64, nb: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    let se2 = va / na + vb / nb;
    if !(se2 > 0.0) {
        return if ma == mb { 1.0 } else { 0.0 };
    }
    let t = (ma - mb) / se2.sqrt();
    let df = se2 * se2 / ((va / na).powi(2) / (na - 1.0) + (vb / nb).powi(2) / (nb - 1.0));
    match StudentsT::new(0.0, 1.0, df) {
        Ok(d) => 2.0 * (1.0 - d.cdf(t.abs())),
        Err(_) => f64::NAN,
    }
}

/// Overlaid density histograms of `column` among complete rows and among rows with a
/// missing value (the course compares the age distributions this way).
pub fn missingness_histogram(df: &DataFrame, column: &str, bins: usize) -> Result<Figure> {
    let m = missing_mask(df)?;
    let incomplete: Vec<bool> = m.rows().into_iter().map(|r| r.iter().any(|&v| v)).collect();
    let v = crate::data::frame_to_matrix(df, &[column])?;
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for (i, x) in v.column(0).iter().enumerate() {
        if x.is_finite() {
            if incomplete[i] { b.push(*x) } else { a.push(*x) }
        }
    }
    Ok(Figure::new()
        .title(format!("{column}: complete rows vs rows with missing values"))
        .x_label(column)
        .y_label("density")
        .histogram(&a, bins, format!("complete ({})", a.len()), true)
        .histogram(&b, bins, format!("with missing ({})", b.len()), true))
}

/// Anything an imputer can fill: an `ndarray` matrix (gives a matrix back) or a
/// numeric polars frame (gives a frame with the same column names back).
pub trait Imputable: AsFeatures {
    /// What the imputer returns.
    type Output;
    /// Wraps the filled matrix like the input.
    fn rebuild(&self, filled: Array2<f64>) -> Result<Self::Output>;
}

impl Imputable for Array2<f64> {
    type Output = Array2<f64>;
    fn rebuild(&self, filled: Array2<f64>) -> Result<Array2<f64>> {
        Ok(filled)
    }
}

impl Imputable for DataFrame {
    type Output = DataFrame;
    fn rebuild(&self, filled: Array2<f64>) -> Result<DataFrame> {
        let cols: Vec<Column> =
            self.get_column_names().iter().enumerate().map(|(j, name)| Column::new((*name).clone(), filled.column(j).to_vec())).collect();
        Ok(DataFrame::new(self.height(), cols)?)
    }
}

fn features_of<X: AsFeatures + ?Sized>(x: &X) -> Result<(Array2<f64>, Vec<String>)> {
    let (m, names) = x.to_features()?;
    let names = names.unwrap_or_else(|| default_names(m.ncols()));
    crate::error::check::non_empty("rows", m.nrows())?;
    crate::error::check::non_empty("columns", m.ncols())?;
    if let Some(((i, j), v)) = m.indexed_iter().find(|(_, v)| v.is_infinite()) {
        return Err(Error::InvalidValue {
            what: format!("column '{}'", names[j]),
            value: v.to_string(),
            index: i,
            reason: "infinite values cannot be imputed around".into(),
        });
    }
    Ok((m.into_owned(), names))
}

fn check_width(m: &Array2<f64>, names: &[String], trained: &[String]) -> Result<()> {
    if m.ncols() != trained.len() {
        return Err(Error::ShapeMismatch {
            what: "data to impute".into(),
            expected: format!("(rows, {})", trained.len()),
            got: m.shape().to_vec(),
        });
    }
    if names.len() == trained.len() && names.iter().zip(trained).any(|(a, b)| a != b) && !names.iter().all(|n| n.starts_with('x')) {
        return Err(Error::invalid_arg("columns", format!("the imputer was fitted on {trained:?} but got {names:?}")));
    }
    Ok(())
}

/// Column means (or medians) of the observed values; an entirely missing column is an
/// error naming it.
fn column_stats(m: &Array2<f64>, names: &[String], median: bool) -> Result<Vec<f64>> {
    (0..m.ncols())
        .map(|j| {
            let mut v: Vec<f64> = m.column(j).iter().copied().filter(|x| x.is_finite()).collect();
            if v.is_empty() {
                return Err(Error::invalid_arg(
                    "column",
                    format!("column '{}' is entirely missing: there is nothing to impute it from", names[j]),
                ));
            }
            if median {
                v.sort_by(f64::total_cmp);
                let k = v.len();
                Ok(if k % 2 == 1 { v[k / 2] } else { (v[k / 2 - 1] + v[k / 2]) / 2.0 })
            } else {
                Ok(v.iter().sum::<f64>() / v.len() as f64)
            }
        })
        .collect()
}

/// The fill value of a [`SimpleImputer`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ImputeStrategy {
    /// The column's training mean (the course's `SimpleImputer(strategy='mean')`).
    #[default]
    Mean,
    /// The column's training median.
    Median,
}

/// Settings of a [`SimpleImputer`]: the strategy (mean unless set).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SimpleImputerParams {
    /// Mean or median.
    pub strategy: ImputeStrategy,
}

/// Mean or median imputation, as scikit-learn's `SimpleImputer`: each missing value
/// becomes its column's mean (median) over the training rows. Built as
/// `SimpleImputer::params().fit(&train)` (see [`crate::model`]).
///
/// ```
/// use ai4med::prep::impute::{ImputeStrategy, SimpleImputer};
/// let train = ndarray::array![[1.0, f64::NAN], [3.0, 4.0], [f64::NAN, 8.0], [5.0, 9.0]];
/// let imp = SimpleImputer::params().strategy(ImputeStrategy::Median).fit(&train).unwrap();
/// assert_eq!(imp.transform(&train).unwrap().column(1).to_vec(), vec![8.0, 4.0, 8.0, 9.0]);
/// ```
#[derive(Debug, Clone)]
pub struct SimpleImputer {
    fill: Vec<f64>,
    names: Vec<String>,
    median: bool,
}

impl SimpleImputerParams {
    /// Mean or median.
    pub fn strategy(mut self, s: ImputeStrategy) -> Self {
        self.strategy = s;
        self
    }
    /// Learns the fill values from `train` (missing values are NaN or null).
    pub fn fit<X: AsFeatures + ?Sized>(&self, train: &X) -> Result<SimpleImputer> {
        let median = self.strategy == ImputeStrategy::Median;
        let (m, names) = features_of(train)?;
        Ok(SimpleImputer { fill: column_stats(&m, &names, median)?, names, median })
    }
}

impl<X: AsFeatures + ?Sized> crate::model::Fit<X, ()> for SimpleImputerParams {
    type Fitted = SimpleImputer;
    fn fit(&self, x: &X, _y: &()) -> Result<SimpleImputer> {
        SimpleImputerParams::fit(self, x)
    }
}

impl<X: Imputable> crate::model::Transform<X> for SimpleImputer {
    type Output = X::Output;
    fn transform(&self, x: &X) -> Result<X::Output> {
        SimpleImputer::transform(self, x)
    }
}

impl SimpleImputer {
    /// Settings before the fit (see [`crate::model`]).
    pub fn params() -> SimpleImputerParams {
        SimpleImputerParams::default()
    }
    /// The value each column's gaps are filled with.
    pub fn fill_values(&self) -> Vec<(String, f64)> {
        self.names.iter().cloned().zip(self.fill.iter().copied()).collect()
    }
    /// Fills the gaps of `x` (same columns as the training data).
    pub fn transform<X: Imputable>(&self, x: &X) -> Result<X::Output> {
        let (mut m, names) = features_of(x)?;
        check_width(&m, &names, &self.names)?;
        for ((_, j), v) in m.indexed_iter_mut() {
            if v.is_nan() {
                *v = self.fill[j];
            }
        }
        x.rebuild(m)
    }
    /// "mean" or "median".
    pub fn strategy(&self) -> &'static str {
        if self.median { "median" } else { "mean" }
    }
}

/// Ordinary least squares with an intercept by SVD of the centred design (minimum-norm
/// solution when columns are collinear, like scikit-learn's `LinearRegression`).
#[derive(Debug, Clone)]
struct Ols {
    coef: Vec<f64>,
    intercept: f64,
}

impl Ols {
    fn fit(x: &ArrayView2<f64>, y: &[f64]) -> Ols {
        let (n, p) = x.dim();
        let ym = y.iter().sum::<f64>() / n.max(1) as f64;
        if p == 0 || n == 0 {
            return Ols { coef: vec![0.0; p], intercept: ym };
        }
        let xm: Vec<f64> = (0..p).map(|j| x.column(j).sum() / n as f64).collect();
        let a = nalgebra::DMatrix::from_fn(n, p, |i, j| x[[i, j]] - xm[j]);
        let b = nalgebra::DVector::from_iterator(n, y.iter().map(|v| v - ym));
        let svd = a.svd(true, true);
        let max_sv = svd.singular_values.iter().copied().fold(0.0, f64::max);
        let eps = max_sv * (n.max(p) as f64) * f64::EPSILON;
        let coef: Vec<f64> = match svd.solve(&b, eps) {
            Ok(c) => c.iter().copied().collect(),
            Err(_) => vec![0.0; p],
        };
        let intercept = ym - coef.iter().zip(&xm).map(|(c, m)| c * m).sum::<f64>();
        Ols { coef, intercept }
    }
    fn predict_row(&self, row: impl Iterator<Item = f64>) -> f64 {
        self.intercept + self.coef.iter().zip(row).map(|(c, v)| c * v).sum::<f64>()
    }
}

/// Round-robin regression imputation in the spirit of scikit-learn's
/// `IterativeImputer` (course 2 week 2: `IterativeImputer(max_iter=…, min_value=0)`).
///
/// Start from mean imputation; then, `max_iter` times, for each column in order of
/// increasing missingness, regress it on all other (currently imputed) columns using
/// the rows where it is observed, and replace its missing entries by the predictions,
/// clipped to `[min_value, max_value]`. Stops early when the largest absolute row sum
/// of changes falls below `tol × max |observed value|`. `transform` replays the fitted
/// sequence of regressions on new data, so a test set is imputed with models learned
/// on the training set only.
///
/// Differences from scikit-learn: the regression is ordinary least squares (scikit-
/// learn's default estimator is `BayesianRidge`; pass `estimator=LinearRegression()`
/// there to get our numbers, which the test fixtures do); no posterior sampling; an
/// entirely missing column is an error instead of being dropped.
///
/// Built as `IterativeImputer::params()…fit(&train)` (see [`crate::model`]).
#[derive(Debug, Clone)]
pub struct IterativeImputer {
    means: Vec<f64>,
    sequence: Vec<(usize, Ols)>,
    n_iter: usize,
    names: Vec<String>,
    min_value: f64,
    max_value: f64,
    train_filled: Array2<f64>,
}

/// Settings of an [`IterativeImputer`]: `max_iter = 10`, `tol = 1e-3`, no clipping
/// unless set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IterativeImputerParams {
    max_iter: usize,
    tol: f64,
    min_value: f64,
    max_value: f64,
}

impl Default for IterativeImputerParams {
    fn default() -> Self {
        IterativeImputerParams { max_iter: 10, tol: 1e-3, min_value: f64::NEG_INFINITY, max_value: f64::INFINITY }
    }
}

impl<X: AsFeatures + ?Sized> crate::model::Fit<X, ()> for IterativeImputerParams {
    type Fitted = IterativeImputer;
    fn fit(&self, x: &X, _y: &()) -> Result<IterativeImputer> {
        IterativeImputerParams::fit(self, x)
    }
}

impl<X: Imputable> crate::model::Transform<X> for IterativeImputer {
    type Output = X::Output;
    fn transform(&self, x: &X) -> Result<X::Output> {
        IterativeImputer::transform(self, x)
    }
}

impl IterativeImputerParams {
    /// Number of imputation rounds (0 leaves the mean imputation).
    pub fn max_iter(mut self, n: usize) -> Self {
        self.max_iter = n;
        self
    }
    /// Early-stopping tolerance, relative to the largest observed |value|.
    pub fn tol(mut self, t: f64) -> Self {
        self.tol = t;
        self
    }
    /// Imputed values are at least this (e.g. 0 for lab values that cannot be negative).
    pub fn min_value(mut self, v: f64) -> Self {
        self.min_value = v;
        self
    }
    /// Imputed values are at most this.
    pub fn max_value(mut self, v: f64) -> Self {
        self.max_value = v;
        self
    }
    /// Learns the sequence of regressions on `train`.
    pub fn fit<X: AsFeatures + ?Sized>(&self, train: &X) -> Result<IterativeImputer> {
        if !(self.min_value <= self.max_value) {
            return Err(Error::invalid_arg("min_value", format!("{} is above max_value {}", self.min_value, self.max_value)));
        }
        if !(self.tol >= 0.0) {
            return Err(Error::invalid_arg("tol", format!("{} must be a non-negative number", self.tol)));
        }
        let (x, names) = features_of(train)?;
        let (n, p) = x.dim();
        let means = column_stats(&x, &names, false)?;
        let mask = x.mapv(f64::is_nan);
        let mut xt = x.clone();
        for ((_, j), v) in xt.indexed_iter_mut() {
            if v.is_nan() {
                *v = means[j];
            }
        }
        let any_missing = mask.iter().any(|&m| m);
        let mut sequence = Vec::new();
        let mut n_iter = 0;
        if any_missing && self.max_iter > 0 {
            let frac: Vec<usize> = (0..p).map(|j| mask.column(j).iter().filter(|&&m| m).count()).collect();
            let mut order: Vec<usize> = (0..p).collect();
            order.sort_by_key(|&j| frac[j]); // stable, like numpy's mergesort argsort
            let max_abs = x.iter().filter(|v| v.is_finite()).fold(0.0f64, |a, v| a.max(v.abs()));
            let tol = self.tol * max_abs;
            for it in 0..self.max_iter {
                let prev = xt.clone();
                for &j in &order {
                    let model = self.impute_one(&mut xt, &mask, j, None, n);
                    sequence.push((j, model));
                }
                n_iter = it + 1;
                let change = (&xt - &prev).rows().into_iter().map(|r| r.iter().map(|v| v.abs()).sum::<f64>()).fold(0.0, f64::max);
                if change < tol {
                    break;
                }
            }
        }
        Ok(IterativeImputer { means, sequence, n_iter, names, min_value: self.min_value, max_value: self.max_value, train_filled: xt })
    }

    /// Fits (or, with `model`, reuses) the regression of column `j` on the others and
    /// fills its missing entries.
    fn impute_one(&self, xt: &mut Array2<f64>, mask: &Array2<bool>, j: usize, model: Option<&Ols>, n: usize) -> Ols {
        impute_one(xt, mask, j, model, n, self.min_value, self.max_value)
    }
}

fn impute_one(xt: &mut Array2<f64>, mask: &Array2<bool>, j: usize, model: Option<&Ols>, n: usize, lo: f64, hi: f64) -> Ols {
    let p = xt.ncols();
    let others: Vec<usize> = (0..p).filter(|&k| k != j).collect();
    let model = match model {
        Some(m) => m.clone(),
        None => {
            let rows: Vec<usize> = (0..n).filter(|&i| !mask[[i, j]]).collect();
            let xa = Array2::from_shape_fn((rows.len(), others.len()), |(r, c)| xt[[rows[r], others[c]]]);
            let ya: Vec<f64> = rows.iter().map(|&i| xt[[i, j]]).collect();
            Ols::fit(&xa.view(), &ya)
        }
    };
    for i in 0..xt.nrows() {
        if mask[[i, j]] {
            let v = model.predict_row(others.iter().map(|&k| xt[[i, k]]));
            xt[[i, j]] = v.clamp(lo, hi);
        }
    }
    model
}

impl IterativeImputer {
    /// Settings before the fit (see [`crate::model`]).
    pub fn params() -> IterativeImputerParams {
        IterativeImputerParams::default()
    }
    /// Number of rounds run before stopping.
    pub fn n_iter(&self) -> usize {
        self.n_iter
    }
    /// The training data as imputed during fitting.
    pub fn training_imputation(&self) -> &Array2<f64> {
        &self.train_filled
    }
    /// Fills the gaps of `x` by replaying the fitted regressions.
    pub fn transform<X: Imputable>(&self, x: &X) -> Result<X::Output> {
        let (m, names) = features_of(x)?;
        check_width(&m, &names, &self.names)?;
        let mask = m.mapv(f64::is_nan);
        let mut xt = m.clone();
        for ((_, j), v) in xt.indexed_iter_mut() {
            if v.is_nan() {
                *v = self.means[j];
            }
        }
        if !mask.iter().all(|&v| v) {
            let n = xt.nrows();
            for (j, model) in &self.sequence {
                impute_one(&mut xt, &mask, *j, Some(model), n, self.min_value, self.max_value);
            }
        }
        x.rebuild(xt)
    }
}

impl crate::display::Render for MissingSummary {
    fn render(&self) -> crate::display::View {
        crate::display::View::Table(self.table())
    }
}
crate::rendered!(MissingSummary);

impl SimpleImputer {
    /// The fill value of each column.
    pub fn table(&self) -> Table {
        let mut t = Table::new(["column", self.strategy()]).max_rows(usize::MAX).caption(format!("{} imputation", self.strategy()));
        for (name, v) in self.fill_values() {
            t.push_row([Cell::from(name), Cell::from(v)]);
        }
        t
    }
}

impl crate::display::Render for SimpleImputer {
    fn render(&self) -> crate::display::View {
        crate::display::View::Table(self.table())
    }
}

impl crate::display::Render for IterativeImputer {
    fn render(&self) -> crate::display::View {
        crate::display::View::text(format!(
            "iterative imputation of {} columns ({}): {} rounds of least-squares regressions, values clipped to [{}, {}]",
            self.names.len(),
            self.names.join(", "),
            self.n_iter,
            self.min_value,
            self.max_value
        ))
    }
}
crate::rendered!(SimpleImputer, IterativeImputer);

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::df;

    #[test]
    fn course_values_and_errors() {
        let df = df!("a" => [None, Some(1.0), Some(1.0), None], "b" => [Some(1.0), None, Some(0.0), Some(1.0)]).unwrap();
        assert_eq!(fraction_rows_missing(&df).unwrap(), 0.75);
        assert_eq!(missing_per_row(&df).unwrap(), vec![1, 1, 0, 1]);
        let s = MissingSummary::of(&df).unwrap();
        assert_eq!(s.complete_rows, 1);
        assert_eq!(s.columns[0].1, 2);
        let nan = df!("a" => [f64::NAN, 1.0]).unwrap();
        assert_eq!(fraction_rows_missing(&nan).unwrap(), 0.5);
        let all = df!("a" => [None::<f64>, None], "b" => [1.0, 2.0]).unwrap();
        let e = SimpleImputer::params().fit(&all).unwrap_err().to_string();
        assert!(e.contains("'a' is entirely missing"), "{e}");
        assert!(IterativeImputer::params().fit(&all).is_err());
        assert!(fraction_rows_missing(&DataFrame::empty()).is_err());
        let complete = df!("a" => [1.0, 2.0]).unwrap();
        assert!(compare_complete_cases(&complete).is_err());
        let m = SimpleImputer::params().strategy(ImputeStrategy::Median).fit(&df).unwrap();
        assert!(m.transform(&df!("a" => [1.0]).unwrap()).is_err());
    }

    #[test]
    fn transform_replays_training_models() {
        let x = ndarray::array![[1.0, 2.0], [2.0, f64::NAN], [3.0, 6.0], [4.0, 8.0], [f64::NAN, 10.0]];
        let f = IterativeImputer::params().fit(&x).unwrap();
        let out = f.transform(&x).unwrap();
        assert!((out[[1, 1]] - 4.0).abs() < 1e-9, "{out}");
        assert!((out[[4, 0]] - 5.0).abs() < 1e-9, "{out}");
        let clip = IterativeImputer::params().min_value(0.0).max_value(3.0).fit(&x).unwrap().transform(&x).unwrap();
        assert_eq!(clip[[1, 1]], 3.0);
    }
}
