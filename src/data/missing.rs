//! What counts as missing: null in a polars frame, or `NaN` in a float column (pandas' rule).

use super::detach;
use crate::Result;
use ndarray::Array2;
use polars::prelude::*;

/// Missing cells of a frame (rows × columns).
/// Missing values per column of a frame: nulls, plus `NaN`s in float columns.
pub(crate) fn missing_mask(df: &DataFrame) -> Result<Array2<bool>> {
    let mut m = Array2::from_elem((df.height(), df.width()), false);
    for (j, col) in df.columns().iter().enumerate() {
        let s = col.as_materialized_series();
        let nulls = s.is_null();
        for (i, v) in nulls.iter().enumerate() {
            if v == Some(true) {
                m[[i, j]] = true;
            }
        }
        if s.dtype().is_float() {
            let f = s.cast(&DataType::Float64)?;
            for (i, v) in f.f64()?.iter().enumerate() {
                if v.is_some_and(f64::is_nan) {
                    m[[i, j]] = true;
                }
            }
        }
    }
    Ok(m)
}

/// The rows without any missing value (complete-case analysis, pandas' `dropna()`).
///
/// ```
/// use ai4med::prelude::*;
/// let df = df!("a" => [Some(1.0), None, Some(3.0)], "b" => [1.0, 2.0, f64::NAN]).unwrap();
/// assert_eq!(ai4med::data::complete_cases(&df).unwrap().height(), 1);
/// ```
pub fn complete_cases(df: &DataFrame) -> Result<DataFrame> {
    let m = missing_mask(df)?;
    let keep: BooleanChunked = m.rows().into_iter().map(|r| Some(!r.iter().any(|&v| v))).collect();
    Ok(detach(df)?.filter(&keep)?)
}
