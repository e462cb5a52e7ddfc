//! The course's synthetic risk-factor data for the linear-model week (seeded).
//!
//! Following the course's generator (used there for a diabetic-retinopathy style
//! outcome):
//!
//! - `Age = exp(ln 60 + N(0, 1)/7)`;
//! - `(SBP, DBP, Chol) = exp(MVN(μ, Σ))` with `μ = (ln 100, ln 90, ln 100)` and
//!   `Σ = (1/45)·[[0.5, 0.2, 0.2], [0.2, 0.5, 0.2], [0.2, 0.2, 0.5]]`;
//! - `y = 1` when `0.4·(ln Age − ln 60) + 0.33·(ln SBP − ln 100) + 0.3·(ln Chol − ln 100)
//!   − 2.0·(ln Age − ln 60)·(ln Chol − ln 100) + 0.05·L > 0`, with `L` standard
//!   logistic noise.
//!
//! The interaction term is what the assignment's second model discovers.

use crate::Result;
use polars::prelude::{DataFrame, df};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// `n` synthetic patients: columns `Age`, `Systolic_BP`, `Diastolic_BP`, `Cholesterol`
/// (rounded to 6 decimals) and the outcome `y` (0/1).
///
/// ```
/// let df = ai4med::data::risk_factors(100, 1).unwrap();
/// assert_eq!(df.shape(), (100, 5));
/// ```
pub fn risk_factors(n: usize, seed: u64) -> Result<DataFrame> {
    crate::error::check::non_empty("patients", n)?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // Cholesky factor of (1/45)·[[.5,.2,.2],[.2,.5,.2],[.2,.2,.5]].
    let s = 1.0 / 45.0;
    let cov = [[0.5 * s, 0.2 * s, 0.2 * s], [0.2 * s, 0.5 * s, 0.2 * s], [0.2 * s, 0.2 * s, 0.5 * s]];
    let mut l = [[0.0f64; 3]; 3];
    for i in 0..3 {
        for j in 0..=i {
            let sum: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            l[i][j] = if i == j { (cov[i][i] - sum).sqrt() } else { (cov[i][j] - sum) / l[j][j] };
        }
    }
    let mu = [100f64.ln(), 90f64.ln(), 100f64.ln()];
    let round = |v: f64| (v * 1e6).round() / 1e6;
    let (mut age, mut sbp, mut dbp, mut chol, mut y) = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..n {
        let e: f64 = StandardNormal.sample(&mut rng);
        let a_ln = 60f64.ln() + e / 7.0;
        let z: [f64; 3] = [StandardNormal.sample(&mut rng), StandardNormal.sample(&mut rng), StandardNormal.sample(&mut rng)];
        let v: Vec<f64> = (0..3).map(|i| mu[i] + (0..=i).map(|k| l[i][k] * z[k]).sum::<f64>()).collect();
        let u: f64 = rng.random_range(1e-12..1.0);
        let logistic = (u / (1.0 - u)).ln();
        let (da, ds, dc) = (a_ln - 60f64.ln(), v[0] - mu[0], v[2] - mu[2]);
        let score = 0.4 * da + 0.33 * ds + 0.3 * dc - 2.0 * da * dc + 0.05 * logistic;
        age.push(round(a_ln.exp()));
        sbp.push(round(v[0].exp()));
        dbp.push(round(v[1].exp()));
        chol.push(round(v[2].exp()));
        y.push((score > 0.0) as i64);
    }
    Ok(df!("Age" => age, "Systolic_BP" => sbp, "Diastolic_BP" => dbp, "Cholesterol" => chol, "y" => y)?)
}

/// The frame as CSV text (header row, 6 decimals), as bundled in `data/risk_factors.csv`.
pub fn frame_to_csv(df: &DataFrame) -> Result<String> {
    let cols: Vec<String> = df.get_column_names().iter().map(|s| s.to_string()).collect();
    let vals: Vec<Vec<f64>> = cols.iter().map(|c| super::column_f64(df, c)).collect::<Result<_>>()?;
    let ints: Vec<bool> = df.columns().iter().map(|c| c.dtype().is_integer()).collect();
    let mut s = cols.join(",");
    s.push('\n');
    for i in 0..df.height() {
        let row: Vec<String> = (0..cols.len()).map(|j| if ints[j] { format!("{}", vals[j][i] as i64) } else { format!("{:.6}", vals[j][i]) }).collect();
        s.push_str(&row.join(","));
        s.push('\n');
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_file_is_what_the_generator_makes() {
        let want = frame_to_csv(&risk_factors(6000, 2020).unwrap()).unwrap();
        let have = std::fs::read_to_string(super::super::data_dir().join("risk_factors.csv")).unwrap();
        assert!(want == have, "data/risk_factors.csv differs from risk_factors(6000, 2020): regenerate with `cargo run --bin ai4med-make-data`");
    }

    #[test]
    fn marginals_match_the_recipe() {
        let df = risk_factors(20_000, 3).unwrap();
        let age = super::super::column_f64(&df, "Age").unwrap();
        let la: Vec<f64> = age.iter().map(|a| a.ln()).collect();
        let m = la.iter().sum::<f64>() / la.len() as f64;
        let sd = (la.iter().map(|v| (v - m).powi(2)).sum::<f64>() / la.len() as f64).sqrt();
        assert!((m - 60f64.ln()).abs() < 0.01 && (sd - 1.0 / 7.0).abs() < 0.005, "{m} {sd}");
        let sbp = super::super::column_f64(&df, "Systolic_BP").unwrap();
        let ls: Vec<f64> = sbp.iter().map(|a| a.ln()).collect();
        let v = ls.iter().map(|x| (x - 100f64.ln()).powi(2)).sum::<f64>() / ls.len() as f64;
        assert!((v - 0.5 / 45.0).abs() < 0.001, "{v}");
    }
}
