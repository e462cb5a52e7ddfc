//! The levamisole colon-cancer trial (R `survival::colon`) and the course's analysis set.

use crate::{Error, Result};
use polars::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The adjuvant colon-cancer trial (Moertel et al. 1990; R `survival::colon`) as
/// bundled: 929 patients, two rows each (`etype` 1 recurrence, 2 death), with `rx`
/// ("Obs", "Lev", "Lev+5FU"), `status` (1 event), `time` (days), `sex`, `age`,
/// `obstruct`, `perfor`, `adhere`, `nodes`, `differ` (1 well … 3 poor, gaps), `extent`
/// (1 submucosa … 4 contiguous structures), `surg`, `node4`.
///
/// ```
/// assert_eq!(ai4med::data::colon().unwrap().shape(), (1858, 16));
/// ```
pub fn colon() -> Result<DataFrame> {
    colon_from(super::data_path("colon.csv")?)
}

/// A colon table in the same layout from any CSV file (e.g. R's `write.csv(survival::colon)`).
pub fn colon_from(path: impl AsRef<std::path::Path>) -> Result<DataFrame> {
    let df = super::read_csv(path)?;
    for c in ["rx", "etype", "status", "time", "nodes", "differ", "extent"] {
        if super::find_column(&df, c).is_err() {
            return Err(Error::parse("colon table", format!("column '{c}' is missing; is this R's survival::colon layout?")));
        }
    }
    Ok(df)
}

/// Columns of [`levamisole`], in order.
pub const LEVAMISOLE_COLUMNS: [&str; 14] = [
    "sex", "age", "obstruct", "perfor", "adhere", "nodes", "node4", "outcome", "TRTMT", "differ_2", "differ_3", "extent_2", "extent_3",
    "extent_4",
];

/// Days in the course's five-year horizon.
const FIVE_YEARS: f64 = 5.0 * 365.0;

/// The course's levamisole analysis set (course 3 week 1 assignment), from [`colon`]:
/// the death records (`etype` 2) of the arms "Obs" (control) and "Lev+5FU" (treated),
/// rows with a missing `nodes` removed; `outcome` = 1 for a death within five years
/// (`status` 1 and `time` ≤ 1825 days), `TRTMT` = 1 for levamisole + fluorouracil;
/// `differ` and `extent` one-hot with the first level dropped (`differ_2`, `differ_3`,
/// `extent_2` … `extent_4`; the 13 patients with unknown `differ` get zeros in both
/// `differ_` columns, as pandas' `get_dummies` does). 607 rows, 295 treated, columns
/// [`LEVAMISOLE_COLUMNS`], all `f64`.
///
/// As in the course, the 12 patients censored alive before five years count as
/// `outcome` 0 (a simplification: their five-year status is unknown).
///
/// ```
/// let df = ai4med::data::levamisole().unwrap();
/// assert_eq!(df.shape(), (607, 14));
/// ```
pub fn levamisole() -> Result<DataFrame> {
    levamisole_from(&colon()?)
}

/// [`levamisole`] applied to a colon table loaded with [`colon_from`].
pub fn levamisole_from(raw: &DataFrame) -> Result<DataFrame> {
    let raw = super::detach(raw)?;
    let rx = super::find_column(&raw, "rx")?.cast(&DataType::String)?;
    let rx: Vec<Option<String>> = rx.str()?.iter().map(|v| v.map(str::to_string)).collect();
    let etype = super::column_opt_f64(&raw, "etype")?;
    let nodes = super::column_opt_f64(&raw, "nodes")?;
    let keep: Vec<usize> = (0..raw.height())
        .filter(|&i| etype[i] == Some(2.0) && matches!(rx[i].as_deref(), Some("Obs") | Some("Lev+5FU")) && nodes[i].is_some())
        .collect();
    if keep.is_empty() {
        return Err(Error::Empty { what: "levamisole set (no death records of the Obs and Lev+5FU arms with known nodes)".into() });
    }
    let pick = |name: &str| -> Result<Vec<Option<f64>>> {
        let v = super::column_opt_f64(&raw, name)?;
        Ok(keep.iter().map(|&i| v[i]).collect())
    };
    let status = pick("status")?;
    let time = pick("time")?;
    let differ = pick("differ")?;
    let extent = pick("extent")?;
    let mut cols: Vec<Column> = Vec::new();
    for name in LEVAMISOLE_COLUMNS {
        let values: Vec<f64> = match name {
            "outcome" => {
                status.iter().zip(&time).map(|(s, t)| (*s == Some(1.0) && t.is_some_and(|t| t <= FIVE_YEARS)) as u8 as f64).collect()
            }
            "TRTMT" => keep.iter().map(|&i| (rx[i].as_deref() == Some("Lev+5FU")) as u8 as f64).collect(),
            "differ_2" => dummy(&differ, 2.0),
            "differ_3" => dummy(&differ, 3.0),
            "extent_2" => dummy(&extent, 2.0),
            "extent_3" => dummy(&extent, 3.0),
            "extent_4" => dummy(&extent, 4.0),
            _ => {
                let v = pick(name)?;
                if let Some(i) = v.iter().position(Option::is_none) {
                    return Err(Error::InvalidValue {
                        what: format!("colon column '{name}'"),
                        value: "missing".into(),
                        index: keep[i],
                        reason: "the levamisole set needs every value of this column".into(),
                    });
                }
                v.into_iter().map(|x| x.unwrap_or(f64::NAN)).collect()
            }
        };
        cols.push(Column::new(name.into(), values));
    }
    Ok(DataFrame::new(keep.len(), cols)?)
}

/// A seeded random sample of `n` rows of [`levamisole`] (rows kept in their original
/// order): the small trial table of the course's first treatment lab.
///
/// ```
/// let df = ai4med::data::levamisole_sample(50, 7).unwrap();
/// assert_eq!(df.height(), 50);
/// ```
pub fn levamisole_sample(n: usize, seed: u64) -> Result<DataFrame> {
    let full = levamisole()?;
    if n == 0 || n > full.height() {
        return Err(Error::invalid_arg("n", format!("must be between 1 and {} rows, got {n}", full.height())));
    }
    let mut idx: Vec<IdxSize> =
        rand::seq::index::sample(&mut ChaCha8Rng::seed_from_u64(seed), full.height(), n).into_iter().map(|i| i as IdxSize).collect();
    idx.sort_unstable();
    Ok(full.take(&IdxCa::from_vec("idx".into(), idx))?)
}

fn dummy(values: &[Option<f64>], level: f64) -> Vec<f64> {
    values.iter().map(|v| (*v == Some(level)) as u8 as f64).collect()
}

#[cfg(test)]
mod tests {
    use crate::data::column_f64;

    #[test]
    fn course_recipe_counts() {
        let df = super::levamisole().unwrap();
        assert_eq!(df.shape(), (607, 14));
        let w = column_f64(&df, "TRTMT").unwrap();
        let y = column_f64(&df, "outcome").unwrap();
        assert_eq!(w.iter().sum::<f64>(), 295.0);
        assert_eq!(y.iter().sum::<f64>(), 254.0);
        let treated_deaths: f64 = y.iter().zip(&w).map(|(y, w)| y * w).sum();
        assert_eq!(treated_deaths, 106.0); // 0.3593 × 295
        let d2: f64 = column_f64(&df, "differ_2").unwrap().iter().sum();
        let d3: f64 = column_f64(&df, "differ_3").unwrap().iter().sum();
        assert_eq!((d2, d3), (438.0, 103.0));
        let s = super::levamisole_sample(50, 1).unwrap();
        assert_eq!(s.shape(), (50, 14));
        assert_eq!(s, super::levamisole_sample(50, 1).unwrap());
        assert!(super::levamisole_sample(0, 1).is_err());
    }
}
