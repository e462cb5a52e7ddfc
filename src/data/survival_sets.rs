//! Bundled survival datasets: lymphoma (lifelines) and PBC (R `survival`).

use crate::{Error, Result};
use polars::prelude::*;

/// The lymphoma data of the course's survival-estimates assignment (80 patients:
/// `Stage_group` 1 or 2, `Time` in days, `Event` = 1 for an observed death). The
/// bundled file is lifelines' copy, whose column `Censor` is renamed `Event` here
/// because it holds 1 for *observed* deaths.
///
/// ```
/// let df = ai4med::data::lymphoma().unwrap();
/// assert_eq!(df.shape(), (80, 3));
/// ```
pub fn lymphoma() -> Result<DataFrame> {
    let raw = super::read_bundled_csv("lymphoma.csv")?;
    let cols = vec![
        Column::new("Stage_group".into(), super::column_f64(&raw, "Stage_group")?),
        Column::new("Time".into(), super::column_f64(&raw, "Time")?),
        Column::new("Event".into(), super::column_f64(&raw, "Censor")?),
    ];
    Ok(DataFrame::new(raw.height(), cols)?)
}

/// The Mayo Clinic primary biliary cholangitis trial (R `survival::pbc`, 418 rows) as
/// bundled: `status` 0 censored, 1 transplant, 2 dead; `time` in days; `trt` 1
/// D-penicillamine, 2 placebo (missing for the 106 non-randomised patients); `sex`
/// "f"/"m"; laboratory values with gaps.
pub fn pbc() -> Result<DataFrame> {
    pbc_from(super::data_path("pbc.csv")?)
}

/// A PBC table in the same layout from any CSV file (e.g. R's `write.csv(survival::pbc)`).
pub fn pbc_from(path: impl AsRef<std::path::Path>) -> Result<DataFrame> {
    let df = super::read_csv(path)?;
    for c in ["time", "status", "trt", "age", "sex"] {
        if super::find_column(&df, c).is_err() {
            return Err(Error::parse("PBC table", format!("column '{c}' is missing; is this R's survival::pbc layout?")));
        }
    }
    Ok(df)
}

/// The course's PBC analysis set (course 2 week 4 assignment), from [`pbc`], prepared
/// as the course's `load_data` does: drop `id` (and a row-name column, if the CSV has
/// one); drop the patients whose follow-up ended in a transplant (`status` 1); `status`
/// becomes 1 for death, 0 for censored (`status / 2`); `time` in years (days / 365);
/// `trt` 0 for D-penicillamine, 1 for placebo (`trt − 1`); `sex` 0 for female, 1 for
/// male; then drop every row with a missing value. 258 rows × 19 columns, in the order
/// of the CSV; the first row is the course's (time 1.0958904, status 1, trt 0, age
/// 58.765, sex 0, …, stage 4), checked in `tests/pbc_course.rs` against the course's
/// steps run in pandas.
///
/// ```
/// let df = ai4med::data::pbc_course().unwrap();
/// assert_eq!(df.shape(), (258, 19));
/// ```
pub fn pbc_course() -> Result<DataFrame> {
    pbc_course_from(&pbc()?)
}

/// [`pbc_course`] applied to a PBC table loaded with [`pbc_from`].
pub fn pbc_course_from(raw: &DataFrame) -> Result<DataFrame> {
    let raw = super::detach(raw)?;
    let status = super::column_opt_f64(&raw, "status")?;
    let keep: Vec<bool> = status.iter().map(|s| *s != Some(1.0)).collect();
    let mut cols: Vec<Column> = Vec::new();
    for name in raw.get_column_names() {
        let name = name.as_str();
        if matches!(name, "id" | "" | "rownames" | "Unnamed: 0") {
            continue;
        }
        let values: Vec<Option<f64>> = match name {
            "status" => status.iter().map(|s| s.map(|v| v / 2.0)).collect(),
            "time" => super::column_opt_f64(&raw, name)?.into_iter().map(|t| t.map(|d| d / 365.0)).collect(),
            "trt" => super::column_opt_f64(&raw, name)?.into_iter().map(|t| t.map(|v| v - 1.0)).collect(),
            "sex" => {
                // pandas' map({'f': 0.0, 'm': 1.0}): any other value becomes missing.
                let s = super::find_column(&raw, "sex")?.cast(&DataType::String)?;
                s.str()?
                    .iter()
                    .map(|v| match v {
                        Some("f") => Some(0.0),
                        Some("m") => Some(1.0),
                        _ => None,
                    })
                    .collect()
            }
            _ => super::column_opt_f64(&raw, name)?,
        };
        let kept: Vec<Option<f64>> = values.into_iter().zip(&keep).filter(|(_, k)| **k).map(|(v, _)| v).collect();
        cols.push(Column::new(name.into(), kept));
    }
    let n = keep.iter().filter(|&&k| k).count();
    let df = DataFrame::new(n, cols)?;
    super::complete_cases(&df)
}

/// The continuous columns of the PBC set, which the course standardises with the
/// training split's mean and standard deviation.
pub const PBC_CONTINUOUS_COLUMNS: [&str; 10] =
    ["age", "bili", "chol", "albumin", "copper", "alk.phos", "ast", "trig", "platelet", "protime"];

#[cfg(test)]
mod tests {
    #[test]
    fn course_recipe() {
        let df = super::pbc_course().unwrap();
        assert_eq!(df.shape(), (258, 19));
        let status = crate::data::column_f64(&df, "status").unwrap();
        assert_eq!(status.iter().sum::<f64>(), 111.0);
        // The course's coding: trt − 1, sex m = 1, days / 365.
        assert_eq!(crate::data::column_f64(&df, "trt").unwrap()[0], 0.0);
        assert_eq!(crate::data::column_f64(&df, "sex").unwrap()[0], 0.0);
        assert_eq!(crate::data::column_f64(&df, "time").unwrap()[0], 400.0 / 365.0);
        let l = super::lymphoma().unwrap();
        assert_eq!(crate::data::column_f64(&l, "Event").unwrap().iter().sum::<f64>(), 54.0);
    }
}
