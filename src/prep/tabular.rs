//! Tabular preparation on polars data frames (course 2, week 1, lab "risk scores with
//! DataFrames and arrays" and the assignment's `make_standard_normal`).

use crate::data::column_f64;
use crate::{Error, Result};
use ndarray::Array2;
use polars::prelude::{AnyValue, Column, DataFrame, Series};

fn names(df: &DataFrame) -> Vec<String> {
    df.get_column_names().iter().map(|s| s.to_string()).collect()
}

fn replace_column(df: &mut DataFrame, name: &str, values: Vec<f64>) -> Result<()> {
    df.with_column(Column::new(name.into(), values))?;
    Ok(())
}

/// Natural logarithm of the given columns (all columns when `cols` is empty). A value
/// that is not positive is an error naming the column and row.
pub fn log_transform(df: &DataFrame, cols: &[&str]) -> Result<DataFrame> {
    let all = names(df);
    let cols: Vec<&str> = if cols.is_empty() { all.iter().map(String::as_str).collect() } else { cols.to_vec() };
    let mut out = crate::data::detach(df)?;
    for c in cols {
        let v = column_f64(df, c)?;
        if let Some(i) = v.iter().position(|x| !(x.is_finite() && *x > 0.0)) {
            return Err(Error::InvalidValue {
                what: format!("column '{c}'"),
                value: v[i].to_string(),
                index: i,
                reason: "the logarithm needs positive values".into(),
            });
        }
        replace_column(&mut out, c, v.iter().map(|x| x.ln()).collect())?;
    }
    Ok(out)
}

/// Column means and standard deviations (`ddof = 1`, as pandas) learnt from training
/// data and applied to any frame: `z = (x − mean_train) / sd_train`.
///
/// Using the training statistics on the test set keeps test information out of the
/// model, the point of the course's `make_standard_normal`.
///
/// ```
/// use ai4med::prelude::*;
/// use ai4med::prep::Standardizer;
/// let train = df!("f1" => [1.0, 2.0, 10.0]).unwrap();
/// let s = Standardizer::params().fit(&train).unwrap();
/// assert!((s.means()[0] - 13.0 / 3.0).abs() < 1e-12);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Standardizer {
    columns: Vec<String>,
    mean: Vec<f64>,
    sd: Vec<f64>,
}

/// Settings of a [`Standardizer`]: which columns (all unless set).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StandardizerParams {
    columns: Vec<String>,
}

impl StandardizerParams {
    /// Standardize only these columns (the others pass through unchanged).
    pub fn columns<S: AsRef<str>>(mut self, cols: &[S]) -> Self {
        self.columns = cols.iter().map(|c| c.as_ref().to_string()).collect();
        self
    }
    /// Learns means and standard deviations of the columns. A missing column, a column
    /// with fewer than two rows, a missing value or zero variance is an error.
    pub fn fit(&self, train: &DataFrame) -> Result<Standardizer> {
        Standardizer::fit_columns(train, &self.columns)
    }
}

impl crate::model::Fit<DataFrame, ()> for StandardizerParams {
    type Fitted = Standardizer;
    fn fit(&self, x: &DataFrame, _y: &()) -> Result<Standardizer> {
        StandardizerParams::fit(self, x)
    }
}

impl crate::model::Transform<DataFrame> for Standardizer {
    type Output = DataFrame;
    fn transform(&self, x: &DataFrame) -> Result<DataFrame> {
        Standardizer::transform(self, x)
    }
}

impl Standardizer {
    /// Settings before the fit (see [`crate::model`]).
    pub fn params() -> StandardizerParams {
        StandardizerParams::default()
    }

    fn fit_columns(train: &DataFrame, cols: &[String]) -> Result<Standardizer> {
        let cols: Vec<String> = if cols.is_empty() { names(train) } else { cols.to_vec() };
        let mut mean = Vec::new();
        let mut sd = Vec::new();
        for c in &cols {
            let v = column_f64(train, c)?;
            if v.len() < 2 {
                return Err(Error::invalid_arg(
                    "train",
                    format!("column '{c}' needs at least 2 rows for a standard deviation, has {}", v.len()),
                ));
            }
            crate::error::check::finite(&format!("column '{c}'"), &v)?;
            let m = v.iter().sum::<f64>() / v.len() as f64;
            let s = (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64).sqrt();
            if s == 0.0 {
                return Err(Error::invalid_arg("train", format!("column '{c}' has zero variance: it cannot be standardized")));
            }
            mean.push(m);
            sd.push(s);
        }
        Ok(Standardizer { columns: cols, mean, sd })
    }

    /// Standardizes the learnt columns of `df` with the training statistics.
    pub fn transform(&self, df: &DataFrame) -> Result<DataFrame> {
        let mut out = crate::data::detach(df)?;
        for (k, c) in self.columns.iter().enumerate() {
            let v = column_f64(df, c)?;
            replace_column(&mut out, c, v.iter().map(|x| (x - self.mean[k]) / self.sd[k]).collect())?;
        }
        Ok(out)
    }

    /// The standardized columns.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }
    /// Training means.
    pub fn means(&self) -> &[f64] {
        &self.mean
    }
    /// Training standard deviations (`ddof = 1`).
    pub fn sds(&self) -> &[f64] {
        &self.sd
    }
}

/// The course's `make_standard_normal`: log-transform every column of both frames
/// (removing the right skew of lab values), then standardize both with the
/// *training* frame's mean and standard deviation.
///
/// ```
/// use ai4med::prelude::*;
/// let train = df!("f1" => [1.0, 2.0, 10.0], "f2" => [4.0, 5.0, 11.0]).unwrap();
/// let test = df!("f1" => [1.0, 3.0, 10.0], "f2" => [4.0, 6.0, 11.0]).unwrap();
/// let (tr, te) = ai4med::prognosis::make_standard_normal(&train, &test).unwrap();
/// let f1 = ai4med::data::column_f64(&te, "f1").unwrap();
/// assert!((f1[1] - 0.084683).abs() < 1e-6);
/// ```
pub fn make_standard_normal(train: &DataFrame, test: &DataFrame) -> Result<(DataFrame, DataFrame)> {
    let tr = log_transform(train, &[])?;
    let te = log_transform(test, &[])?;
    let s = Standardizer::params().fit(&tr)?;
    Ok((s.transform(&tr)?, s.transform(&te)?))
}

/// Sample skewness as pandas' `skew()` computes it (adjusted Fisher–Pearson,
/// `G₁ = g₁·√(n(n−1))/(n−2)`, `g₁ = m₃/m₂^{3/2}`); needs at least 3 values.
///
/// ```
/// let s = ai4med::prognosis::skewness(&[1.0, 2.0, 10.0]).unwrap();
/// assert!((s - 1.6523167403).abs() < 1e-9);
/// ```
pub fn skewness(values: &[f64]) -> Result<f64> {
    crate::error::check::finite("values", values)?;
    let n = values.len();
    if n < 3 {
        return Err(Error::undefined("skewness", format!("needs at least 3 values, got {n}")));
    }
    let nf = n as f64;
    let m = values.iter().sum::<f64>() / nf;
    let m2 = values.iter().map(|x| (x - m).powi(2)).sum::<f64>() / nf;
    let m3 = values.iter().map(|x| (x - m).powi(3)).sum::<f64>() / nf;
    if m2 == 0.0 {
        return Err(Error::undefined("skewness", "all values are equal"));
    }
    Ok(m3 / m2.powf(1.5) * (nf * (nf - 1.0)).sqrt() / (nf - 2.0))
}

/// Adds every pairwise product of the numeric columns as a column named `a_x_b`
/// (course: `add_interactions`), after the original columns, pairs in column order.
///
/// ```
/// use ai4med::prelude::*;
/// let df = df!("Age" => [1.0, 2.0], "BP" => [3.0, 4.0], "Chol" => [5.0, 6.0]).unwrap();
/// let out = ai4med::prognosis::add_interactions(&df).unwrap();
/// let names: Vec<String> = out.get_column_names().iter().map(|s| s.to_string()).collect();
/// assert_eq!(names, ["Age", "BP", "Chol", "Age_x_BP", "Age_x_Chol", "BP_x_Chol"]);
/// assert_eq!(ai4med::data::column_f64(&out, "BP_x_Chol").unwrap(), vec![15.0, 24.0]);
/// ```
pub fn add_interactions(df: &DataFrame) -> Result<DataFrame> {
    let cols = names(df);
    let values: Vec<Vec<f64>> = cols.iter().map(|c| column_f64(df, c)).collect::<Result<_>>()?;
    let mut out = crate::data::detach(df)?;
    for i in 0..cols.len() {
        for j in (i + 1)..cols.len() {
            let name = format!("{}_x_{}", cols[i], cols[j]);
            let prod: Vec<f64> = values[i].iter().zip(&values[j]).map(|(a, b)| a * b).collect();
            out.with_column(Column::new(name.as_str().into(), prod))?;
        }
    }
    Ok(out)
}

fn category_label(v: &AnyValue<'_>) -> String {
    match v {
        AnyValue::String(s) => s.to_string(),
        AnyValue::StringOwned(s) => s.to_string(),
        other => other.to_string(),
    }
}

/// One-hot (dummy) encoding of categorical columns, as pandas' `get_dummies`: each
/// column is replaced by 0/1 columns named `column_value`, categories in sorted order;
/// `drop_first` leaves out the first category (the reference level), which a model with
/// an intercept needs. A missing value is an error.
///
/// ```
/// use ai4med::prelude::*;
/// let df = df!("stage" => [1i64, 3, 2, 3], "age" => [50.0, 60.0, 70.0, 80.0]).unwrap();
/// let out = ai4med::prognosis::one_hot(&df, &["stage"], true).unwrap();
/// let names: Vec<String> = out.get_column_names().iter().map(|s| s.to_string()).collect();
/// assert_eq!(names, ["age", "stage_2", "stage_3"]);
/// ```
pub fn one_hot(df: &DataFrame, cols: &[&str], drop_first: bool) -> Result<DataFrame> {
    let mut out = crate::data::detach(df)?;
    for &c in cols {
        let col = crate::data::find_column(df, c)
            .map_err(|_| Error::invalid_arg("cols", format!("no column '{c}'; the frame has {:?}", names(df))))?;
        let s: Series = col.as_materialized_series().clone();
        if let Some(i) = (0..s.len()).find(|&i| matches!(s.get(i), Ok(AnyValue::Null))) {
            return Err(Error::InvalidValue {
                what: format!("column '{c}'"),
                value: "null".into(),
                index: i,
                reason: "one-hot encoding needs every value".into(),
            });
        }
        let uniq = s.unique()?.sort(Default::default())?;
        let levels: Vec<String> = (0..uniq.len()).filter_map(|i| uniq.get(i).ok().map(|v| category_label(&v))).collect();
        let labels: Vec<String> = (0..s.len()).filter_map(|i| s.get(i).ok().map(|v| category_label(&v))).collect();
        out = out.drop(c)?;
        for level in levels.iter().skip(drop_first as usize) {
            let v: Vec<f64> = labels.iter().map(|l| (l == level) as u8 as f64).collect();
            out.with_column(Column::new(format!("{c}_{level}").as_str().into(), v))?;
        }
    }
    Ok(out)
}

/// Numeric columns as an `n × k` matrix (all columns when `cols` is empty).
pub fn to_matrix(df: &DataFrame, cols: &[&str]) -> Result<Array2<f64>> {
    let all = names(df);
    let cols: Vec<&str> = if cols.is_empty() { all.iter().map(String::as_str).collect() } else { cols.to_vec() };
    let mut m = Array2::zeros((df.height(), cols.len()));
    for (j, c) in cols.iter().enumerate() {
        for (i, v) in column_f64(df, c)?.into_iter().enumerate() {
            m[[i, j]] = v;
        }
    }
    Ok(m)
}

impl Standardizer {
    /// The training mean and standard deviation of each standardized column.
    pub fn table(&self) -> crate::display::Table {
        use crate::display::{Cell, Table};
        let mut t = Table::new(["column", "mean", "sd"]).max_rows(usize::MAX).caption("standardization (training statistics)");
        for ((c, m), s) in self.columns.iter().zip(&self.mean).zip(&self.sd) {
            t.push_row([Cell::from(c.as_str()), Cell::from(*m), Cell::from(*s)]);
        }
        t
    }
}

impl crate::display::Render for Standardizer {
    fn render(&self) -> crate::display::View {
        crate::display::View::Table(self.table())
    }
}
crate::rendered!(Standardizer);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model_selection::{TestSize, train_test_split};
    use polars::prelude::df;

    #[test]
    fn course_standardization_values() {
        let train = df!("f1" => [1.0, 2.0, 10.0], "f2" => [4.0, 5.0, 11.0]).unwrap();
        let test = df!("f1" => [1.0, 3.0, 10.0], "f2" => [4.0, 6.0, 11.0]).unwrap();
        let (tr, te) = make_standard_normal(&train, &test).unwrap();
        let want_tr = [-0.845330, -0.258557, 1.103887];
        let want_te = [-0.845330, 0.084683, 1.103887];
        for (a, b) in column_f64(&tr, "f1").unwrap().iter().zip(want_tr) {
            assert!((a - b).abs() < 1e-6, "{a} vs {b}");
        }
        for (a, b) in column_f64(&te, "f1").unwrap().iter().zip(want_te) {
            assert!((a - b).abs() < 1e-6, "{a} vs {b}");
        }
    }

    #[test]
    fn bad_values() {
        let df = df!("a" => [1.0, 0.0]).unwrap();
        let e = log_transform(&df, &[]).unwrap_err();
        assert!(e.to_string().contains("column 'a'") && e.to_string().contains("index 1"), "{e}");
        let flat = df!("a" => [2.0, 2.0]).unwrap();
        assert!(Standardizer::params().fit(&flat).unwrap_err().to_string().contains("zero variance"));
        let nan = df!("a" => [Some(1.0), None]).unwrap();
        assert!(Standardizer::params().fit(&nan).is_err());
        assert!(skewness(&[1.0, 2.0]).is_err());
        assert!(one_hot(&df, &["nope"], true).is_err());
        assert!(train_test_split(&df, TestSize::Count(2), 1).is_err());
        assert!(train_test_split(&df, TestSize::Fraction(1.5), 1).is_err());
        assert!(Standardizer::params().columns(&["x"]).fit(&DataFrame::empty()).is_err());
    }

    #[test]
    fn split_is_seeded_and_complete() {
        let df = df!("i" => (0..20).map(|i| i as f64).collect::<Vec<_>>()).unwrap();
        let (tr, te) = train_test_split(&df, TestSize::Fraction(0.25), 7).unwrap();
        assert_eq!((tr.height(), te.height()), (15, 5));
        let (tr2, _) = train_test_split(&df, TestSize::Fraction(0.25), 7).unwrap();
        assert!(tr.equals(&tr2));
        let mut all = column_f64(&tr, "i").unwrap();
        all.extend(column_f64(&te, "i").unwrap());
        all.sort_by(f64::total_cmp);
        assert_eq!(all, (0..20).map(|i| i as f64).collect::<Vec<_>>());
    }

    #[test]
    fn one_hot_strings_keep_all_without_drop() {
        let df = df!("sex" => ["f", "m", "f"]).unwrap();
        let out = one_hot(&df, &["sex"], false).unwrap();
        assert_eq!(column_f64(&out, "sex_f").unwrap(), vec![1.0, 0.0, 1.0]);
        assert_eq!(column_f64(&out, "sex_m").unwrap(), vec![0.0, 1.0, 0.0]);
        let m = to_matrix(&out, &[]).unwrap();
        assert_eq!(m.dim(), (3, 2));
    }
}
