//! Seeded chest X-ray prediction sets for the evaluation week (synthetic).
//!
//! The course evaluates its DenseNet-121 on 1000 validation images × 14 findings.
//! Neither those predictions nor the images can be shipped, so
//! [`cxr_predictions`] generates a set with the same schema:
//!
//! - **labels**: each finding is present independently with its prevalence in the
//!   real ChestX-ray14 label table ([`CXR14_PREVALENCE`]: counts over the 112,120
//!   images of `Data_Entry_2017_v2020.csv`, as shipped in the `torchxrayvision` 1.5.7
//!   package; recomputed by `tools/data/cxr14_label_frequencies.py`);
//! - **scores**: a binormal model. For finding *k* with target AUC *Aₖ*, the latent
//!   score is `z = dₖ·y + ε`, `ε ~ N(0, 1)`, `dₖ = √2·Φ⁻¹(Aₖ)`, so the population AUC
//!   is exactly *Aₖ*; the prediction is `p = σ(1.2·(z − dₖ/2))`. Centring at `dₖ/2`
//!   mimics a model trained with a class-weighted loss: predictions straddle 0.5
//!   whatever the prevalence, so they overestimate the risk of rare findings (the
//!   miscalibration that Platt scaling repairs in the assignment).
//!
//! The target AUCs are in the range published for DenseNet-121 models on
//! ChestX-ray14 (about 0.7 for infiltration up to about 0.92 for emphysema and hernia).

use crate::{Error, Result};
use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use statrs::distribution::{ContinuousCDF, Normal};

/// The 14 ChestX-ray14 findings in the course's column order.
pub const CXR14_CLASSES: [&str; 14] = [
    "Cardiomegaly",
    "Emphysema",
    "Effusion",
    "Hernia",
    "Infiltration",
    "Mass",
    "Nodule",
    "Atelectasis",
    "Pneumothorax",
    "Pleural_Thickening",
    "Pneumonia",
    "Fibrosis",
    "Edema",
    "Consolidation",
];

/// Fraction of the 112,120 ChestX-ray14 images carrying each finding of
/// [`CXR14_CLASSES`] (counts 2776, 2516, 13317, 227, 19894, 5782, 6331, 11559, 5302,
/// 3385, 1431, 1686, 2303, 4667).
pub const CXR14_PREVALENCE: [f64; 14] = [
    2776.0 / 112120.0,
    2516.0 / 112120.0,
    13317.0 / 112120.0,
    227.0 / 112120.0,
    19894.0 / 112120.0,
    5782.0 / 112120.0,
    6331.0 / 112120.0,
    11559.0 / 112120.0,
    5302.0 / 112120.0,
    3385.0 / 112120.0,
    1431.0 / 112120.0,
    1686.0 / 112120.0,
    2303.0 / 112120.0,
    4667.0 / 112120.0,
];

/// Target AUC of each finding in the generator.
pub const CXR14_TARGET_AUC: [f64; 14] = [0.90, 0.92, 0.88, 0.92, 0.70, 0.82, 0.75, 0.80, 0.85, 0.78, 0.73, 0.81, 0.87, 0.79];

/// Labels and predicted probabilities for several findings on the same cases.
#[derive(Debug, Clone, PartialEq)]
pub struct PredictionSet {
    /// Finding names, one per column.
    pub classes: Vec<String>,
    /// 0/1 labels, cases × findings.
    pub labels: Array2<f64>,
    /// Predicted probabilities, cases × findings.
    pub predictions: Array2<f64>,
}

impl PredictionSet {
    /// The set as CSV: a column per finding with its labels, then `<finding>_pred`
    /// columns with probabilities printed to 6 decimals.
    pub fn to_csv(&self) -> String {
        let mut s = String::new();
        let mut head: Vec<String> = self.classes.clone();
        head.extend(self.classes.iter().map(|c| format!("{c}_pred")));
        s.push_str(&head.join(","));
        s.push('\n');
        for i in 0..self.labels.nrows() {
            let mut row: Vec<String> = self.labels.row(i).iter().map(|v| format!("{v:.0}")).collect();
            row.extend(self.predictions.row(i).iter().map(|v| format!("{v:.6}")));
            s.push_str(&row.join(","));
            s.push('\n');
        }
        s
    }

    /// Reads the layout written by [`PredictionSet::to_csv`] from a data frame.
    pub fn from_frame(df: &polars::prelude::DataFrame, classes: &[&str]) -> Result<PredictionSet> {
        crate::error::check::non_empty("classes", classes.len())?;
        let n = df.height();
        let mut labels = Array2::zeros((n, classes.len()));
        let mut predictions = Array2::zeros((n, classes.len()));
        for (j, c) in classes.iter().enumerate() {
            for (i, v) in super::column_f64(df, c)?.into_iter().enumerate() {
                labels[[i, j]] = v;
            }
            for (i, v) in super::column_f64(df, &format!("{c}_pred"))?.into_iter().enumerate() {
                predictions[[i, j]] = v;
            }
        }
        Ok(PredictionSet { classes: classes.iter().map(|s| s.to_string()).collect(), labels, predictions })
    }

    /// The bundled 1000 × 14 set (`data/cxr14_valid_predictions.csv`, made by
    /// `cxr_predictions(1000, 2024)`).
    pub fn bundled() -> Result<PredictionSet> {
        let df = super::read_bundled_csv("cxr14_valid_predictions.csv")?;
        Self::from_frame(&df, &CXR14_CLASSES)
    }

    /// Labels of one finding.
    pub fn labels_of(&self, class: &str) -> Result<Vec<f64>> {
        Ok(self.labels.column(self.index(class)?).to_vec())
    }

    /// Predictions of one finding.
    pub fn predictions_of(&self, class: &str) -> Result<Vec<f64>> {
        Ok(self.predictions.column(self.index(class)?).to_vec())
    }

    fn index(&self, class: &str) -> Result<usize> {
        self.classes
            .iter()
            .position(|c| c == class)
            .ok_or_else(|| Error::invalid_arg("class", format!("'{class}' is not one of {:?}", self.classes)))
    }
}

fn binormal(rng: &mut ChaCha8Rng, n: usize, prevalence: f64, auc: f64) -> (Vec<f64>, Vec<f64>) {
    let std = Normal::standard();
    let d = std::f64::consts::SQRT_2 * std.inverse_cdf(auc);
    let mut y = Vec::with_capacity(n);
    let mut p = Vec::with_capacity(n);
    for _ in 0..n {
        let t = rng.random_bool(prevalence);
        let e: f64 = StandardNormal.sample(rng);
        let z = d * t as u8 as f64 + e;
        y.push(t as u8 as f64);
        p.push(1.0 / (1.0 + (-1.2 * (z - d / 2.0)).exp()));
    }
    (y, p)
}

/// `n` synthetic validation cases × the 14 findings (see the module docs for the model).
///
/// ```
/// let s = ai4med::data::cxr_predictions(200, 1).unwrap();
/// assert_eq!(s.labels.dim(), (200, 14));
/// assert_eq!(s, ai4med::data::cxr_predictions(200, 1).unwrap());
/// ```
pub fn cxr_predictions(n: usize, seed: u64) -> Result<PredictionSet> {
    crate::error::check::non_empty("cases", n)?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let k = CXR14_CLASSES.len();
    let mut labels = Array2::zeros((n, k));
    let mut predictions = Array2::zeros((n, k));
    for j in 0..k {
        let (y, p) = binormal(&mut rng, n, CXR14_PREVALENCE[j], CXR14_TARGET_AUC[j]);
        for i in 0..n {
            labels[[i, j]] = y[i];
            predictions[[i, j]] = (p[i] * 1e6).round() / 1e6;
        }
    }
    Ok(PredictionSet { classes: CXR14_CLASSES.iter().map(|s| s.to_string()).collect(), labels, predictions })
}

/// A toy single-finding set of `n` cases with the given prevalence and target AUC
/// (the same binormal model), for comparing a balanced and an unbalanced test set.
///
/// ```
/// let (y, p) = ai4med::data::toy_predictions(300, 0.5, 0.8, 3).unwrap();
/// assert_eq!((y.len(), p.len()), (300, 300));
/// ```
pub fn toy_predictions(n: usize, prevalence: f64, auc: f64, seed: u64) -> Result<(Vec<f64>, Vec<f64>)> {
    crate::error::check::non_empty("cases", n)?;
    if !(0.0..=1.0).contains(&prevalence) {
        return Err(Error::invalid_arg("prevalence", format!("must lie in [0, 1], got {prevalence}")));
    }
    if !(auc > 0.0 && auc < 1.0) {
        return Err(Error::invalid_arg("auc", format!("must lie strictly between 0 and 1, got {auc}")));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    Ok(binormal(&mut rng, n, prevalence, auc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::roc_auc;

    #[test]
    fn bundled_file_is_what_the_generator_makes() {
        let want = cxr_predictions(1000, 2024).unwrap().to_csv();
        let have = std::fs::read_to_string(super::super::data_dir().join("cxr14_valid_predictions.csv")).unwrap();
        assert!(
            want == have,
            "data/cxr14_valid_predictions.csv differs from cxr_predictions(1000, 2024): regenerate with `cargo run --bin ai4med-make-data`"
        );
        let s = PredictionSet::bundled().unwrap();
        assert_eq!(s.labels.dim(), (1000, 14));
    }

    #[test]
    fn generator_hits_prevalence_and_auc() {
        let s = cxr_predictions(40_000, 9).unwrap();
        for j in [0usize, 2, 4] {
            let y = s.labels.column(j).to_vec();
            let p = s.predictions.column(j).to_vec();
            let prev = y.iter().sum::<f64>() / y.len() as f64;
            assert!((prev - CXR14_PREVALENCE[j]).abs() < 0.01, "{j}: {prev}");
            let auc = roc_auc(&y, &p).unwrap();
            assert!((auc - CXR14_TARGET_AUC[j]).abs() < 0.03, "{j}: {auc}");
        }
        assert!(toy_predictions(10, 1.5, 0.8, 1).is_err());
    }
}
