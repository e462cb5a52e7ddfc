//! Feature matrices from arrays or polars frames, with column names.

use crate::{Error, Result};
use ndarray::{Array2, ArrayView2, CowArray, Ix2};
use polars::prelude::*;

/// A feature matrix (borrowed or owned) with the column names when the input has them.
pub type Features<'a> = (CowArray<'a, f64, Ix2>, Option<Vec<String>>);

/// Anything a model can take as its feature matrix: an `ndarray` matrix (columns
/// named `x0, x1, …`) or a polars [`DataFrame`] whose columns are all numeric (the
/// names travel with it; nulls become `NaN`, which models reject with the column's
/// name and imputers fill).
///
/// ```
/// use ai4med::data::AsFeatures;
/// use ai4med::prelude::*;
/// let df = df!("age" => [50.0, 60.0], "sbp" => [Some(120.0), None]).unwrap();
/// let (x, names) = df.to_features().unwrap();
/// assert_eq!(names.unwrap(), vec!["age", "sbp"]);
/// assert!(x[[1, 1]].is_nan());
/// ```
pub trait AsFeatures {
    /// The matrix (rows × features) and the column names when the input has them.
    fn to_features(&self) -> Result<Features<'_>>;
}

impl AsFeatures for Array2<f64> {
    fn to_features(&self) -> Result<Features<'_>> {
        Ok((CowArray::from(self.view()), None))
    }
}

impl AsFeatures for ArrayView2<'_, f64> {
    fn to_features(&self) -> Result<Features<'_>> {
        Ok((CowArray::from(self.view()), None))
    }
}

impl AsFeatures for DataFrame {
    fn to_features(&self) -> Result<Features<'_>> {
        let names: Vec<String> = self.get_column_names().iter().map(|s| s.to_string()).collect();
        Ok((CowArray::from(frame_to_matrix(self, &[])?), Some(names)))
    }
}

impl<T: AsFeatures + ?Sized> AsFeatures for &T {
    fn to_features(&self) -> Result<Features<'_>> {
        (**self).to_features()
    }
}

/// A matrix with column names: features for a model whose coefficients or importances
/// should carry names without building a frame. Made by [`named`].
#[derive(Debug, Clone)]
pub struct Named<'a> {
    x: ArrayView2<'a, f64>,
    names: Vec<String>,
}

/// Names the columns of a matrix (one name per column, no repeats).
///
/// ```
/// use ai4med::data::{AsFeatures, named};
/// let x = ndarray::array![[1.0, 2.0], [3.0, 4.0]];
/// let f = named(x.view(), &["age", "sbp"]).unwrap();
/// assert_eq!(f.to_features().unwrap().1.unwrap(), vec!["age", "sbp"]);
/// assert!(named(x.view(), &["age"]).is_err());
/// ```
pub fn named<'a, S: AsRef<str>>(x: ArrayView2<'a, f64>, names: &[S]) -> Result<Named<'a>> {
    crate::error::check::same_len("columns of x vs names", x.ncols(), names.len())?;
    let names: Vec<String> = names.iter().map(|s| s.as_ref().to_string()).collect();
    for (i, n) in names.iter().enumerate() {
        if names[..i].contains(n) {
            return Err(Error::invalid_arg("names", format!("column name {n:?} appears twice")));
        }
    }
    Ok(Named { x, names })
}

impl AsFeatures for Named<'_> {
    fn to_features(&self) -> Result<Features<'_>> {
        Ok((CowArray::from(self.x.view()), Some(self.names.clone())))
    }
}

/// Numeric columns of a frame as a matrix, nulls (and NaN) as `NaN`; all columns when
/// `cols` is empty. A missing or non-numeric column is an error naming it.
pub fn frame_to_matrix(df: &DataFrame, cols: &[&str]) -> Result<Array2<f64>> {
    let names: Vec<String> = df.get_column_names().iter().map(|s| s.to_string()).collect();
    let cols: Vec<&str> = if cols.is_empty() { names.iter().map(String::as_str).collect() } else { cols.to_vec() };
    let mut m = Array2::zeros((df.height(), cols.len()));
    for (j, c) in cols.iter().enumerate() {
        let col = super::find_column(df, c)?;
        if !col.dtype().is_primitive_numeric() && !col.dtype().is_bool() {
            return Err(Error::invalid_arg(
                "column",
                format!("column '{c}' has type {} but features must be numeric (one-hot encode it first)", col.dtype()),
            ));
        }
        let cast = col.cast(&DataType::Float64)?;
        for (i, v) in cast.f64()?.iter().enumerate() {
            m[[i, j]] = v.unwrap_or(f64::NAN);
        }
    }
    Ok(m)
}

/// Names for `p` unnamed columns: `x0, x1, …`.
pub(crate) fn default_names(p: usize) -> Vec<String> {
    (0..p).map(|j| format!("x{j}")).collect()
}

/// Lines up prediction features with the training columns: a frame's columns are
/// picked by name (in any order; missing ones are an error), a plain matrix must have
/// the training width.
pub(crate) fn aligned<'a, X: AsFeatures + ?Sized>(x: &'a X, trained: &[String]) -> Result<CowArray<'a, f64, Ix2>> {
    let (m, names) = x.to_features()?;
    match names {
        Some(names) if names.as_slice() != trained => {
            let mut out = Array2::zeros((m.nrows(), trained.len()));
            for (j, t) in trained.iter().enumerate() {
                let k = names.iter().position(|n| n == t).ok_or_else(|| {
                    Error::invalid_arg("x", format!("the model was fitted with column '{t}', which this frame lacks (it has {names:?})"))
                })?;
                out.column_mut(j).assign(&m.column(k));
            }
            Ok(CowArray::from(out))
        }
        _ => {
            if m.ncols() != trained.len() {
                return Err(Error::ShapeMismatch {
                    what: "x".into(),
                    expected: format!("(rows, {})", trained.len()),
                    got: m.shape().to_vec(),
                });
            }
            Ok(m)
        }
    }
}
