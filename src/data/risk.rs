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

/// The course's own `load_data(n)` of the C2W1 labs, draw for draw: NumPy's legacy
/// global stream seeded with `seed` (the course calls `np.random.seed(0)`), so that
/// `risk_factors_numpy(100, 0)` gives the course's 100 patients to the last digit.
///
/// The recipe is [`risk_factors`]'s, in NumPy's order of draws:
/// `Age = exp(ln 60 + N/7)` for all `n` patients first (`np.random.normal(size=n)`),
/// then `exp` of `np.random.multivariate_normal(μ, Σ, n)` for systolic, diastolic
/// pressure and cholesterol, then `n` logistic draws for the outcome `y` (0.0 / 1.0,
/// a float as in the course). Values are not rounded.
///
/// NumPy's `multivariate_normal` multiplies a row of three standard normals by
/// `diag(√s)·V` from the SVD `Σ = U diag(s) V`. Σ has a repeated eigenvalue (1/150,
/// twice), so which basis of that plane `V` holds is up to LAPACK: the one here,
/// rows `−(1, 1, 1)/√3`, `(2, −1, −1)/√6`, `(0, −1, 1)/√2`, is the one the course's
/// machine returned, recovered from the course's printed rows (a least-squares fit of
/// the first five systolic values to the standard normals is exact to 10⁻⁹). NumPy
/// 2.4 with OpenBLAS returns another basis today and so other patients. Checked in the
/// tests against every value the course prints: the first rows, the column means, the
/// all-cell mean 88.24494498174543, the labels and the linear-regression coefficients.
///
/// Unlike [`risk_factors`] (our own seeded generator, bundled as
/// `data/risk_factors.csv`), this is for reproducing the course's printed numbers.
///
/// ```
/// let df = ai4med::data::risk_factors_numpy(100, 0).unwrap();
/// let age = ai4med::data::column_f64(&df, "Age").unwrap();
/// assert!((age[0] - 77.196340).abs() < 1e-6); // the course's first patient
/// ```
pub fn risk_factors_numpy(n: usize, seed: u32) -> Result<DataFrame> {
    crate::error::check::non_empty("patients", n)?;
    let mut state = crate::pyrng::NumpyRandomState::new(seed);
    let age: Vec<f64> = (0..n).map(|_| (60f64.ln() + state.standard_normal() / 7.0).exp()).collect();
    let (r, q, h) = (1.0 / 3f64.sqrt(), (2.0f64 / 3.0).sqrt(), 0.5f64.sqrt());
    let v = [[-r, -r, -r], [q, -q / 2.0, -q / 2.0], [0.0, -h, h]];
    let sqrt_s = [0.02f64.sqrt(), (1.0f64 / 150.0).sqrt(), (1.0f64 / 150.0).sqrt()];
    let mu = [100f64.ln(), 90f64.ln(), 100f64.ln()];
    let mut cols = [Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n)];
    for _ in 0..n {
        let z = [state.standard_normal(), state.standard_normal(), state.standard_normal()];
        for (j, col) in cols.iter_mut().enumerate() {
            let x: f64 = (0..3).map(|k| z[k] * (sqrt_s[k] * v[k][j])).sum();
            col.push((x + mu[j]).exp());
        }
    }
    let [sbp, dbp, chol] = cols;
    let y: Vec<f64> = (0..n)
        .map(|i| {
            let noise = state.logistic(0.0, 1.0);
            let (da, ds, dc) = (age[i].ln() - 60f64.ln(), sbp[i].ln() - 100f64.ln(), chol[i].ln() - 100f64.ln());
            f64::from(u8::from(0.4 * da + 0.33 * ds + 0.3 * dc - 2.0 * da * dc + 0.05 * noise > 0.0))
        })
        .collect();
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
        let row: Vec<String> =
            (0..cols.len()).map(|j| if ints[j] { format!("{}", vals[j][i] as i64) } else { format!("{:.6}", vals[j][i]) }).collect();
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
        assert!(
            want == have,
            "data/risk_factors.csv differs from risk_factors(6000, 2020): regenerate with `cargo run --bin ai4med-make-data`"
        );
    }

    /// The course's printed values (C2W1 labs 1–3: `load_data(100)` after
    /// `np.random.seed(0)`), then NumPy 2.4.6 draws with the course's basis:
    /// `np.random.seed(s); age = np.exp(np.log(60) + np.random.normal(size=n) / 7);
    /// z = np.random.standard_normal((n, 3)); x = np.exp(z @ (np.sqrt(s)[:, None] * V) + mu);
    /// L = np.random.logistic(size=n)` with `V` as documented.
    #[test]
    fn numpy_stream_reproduces_the_course_patients() {
        let df = risk_factors_numpy(100, 0).unwrap();
        let col = |c: &str| super::super::column_f64(&df, c).unwrap();
        let (age, sbp, dbp, chol, y) = (col("Age"), col("Systolic_BP"), col("Diastolic_BP"), col("Cholesterol"), col("y"));
        let close = |a: &[f64], b: &[f64], tol: f64| a.iter().zip(b).all(|(x, w)| (x - w).abs() <= tol);
        assert!(close(&age[..5], &[77.196340, 63.529850, 69.003986, 82.638210, 78.346286], 5e-7), "{:?}", &age[..5]);
        assert!(close(&sbp[..5], &[78.379387, 85.439716, 98.406978, 100.362697, 121.854369], 5e-7), "{:?}", &sbp[..5]);
        assert_eq!(y[..5], [0.0, 0.0, 1.0, 1.0, 1.0]);
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        assert!(close(&[mean(&age), mean(&sbp), mean(&dbp), mean(&chol)], &[61.145103, 99.762232, 91.147442, 100.925003], 5e-7));
        let all: f64 = (0..100).map(|i| age[i] + sbp[i] + dbp[i] + chol[i]).sum::<f64>() / 400.0;
        assert!((all - 88.24494498174543).abs() < 1e-12, "{all}");
        // NumPy, full precision: the first two rows and an odd n (a kept normal crosses
        // from the ages into the pressures).
        assert!(close(
            &[age[1], sbp[1], dbp[1], chol[1]],
            &[63.529850223417135, 85.43971582628376, 77.28870706228268, 107.48361433812602],
            1e-12
        ));
        assert_eq!(y.iter().sum::<f64>(), 52.0);
        let odd = risk_factors_numpy(7, 3).unwrap();
        let row = |i: usize| ["Age", "Systolic_BP", "Diastolic_BP", "Cholesterol"].map(|c| super::super::column_f64(&odd, c).unwrap()[i]);
        assert!(close(&row(0), &[77.4678425622382, 104.94573065188757, 97.51603857478901, 102.54205290443456], 1e-12), "{:?}", row(0));
        assert!(close(&row(6), &[59.29496235747005, 110.50589133040654, 94.29715936607202, 102.8505634842137], 1e-12), "{:?}", row(6));
        assert_eq!(super::super::column_f64(&odd, "y").unwrap(), [1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 1.0]);
    }

    /// The course's C2W1 lab 1: `LinearRegression().fit(X, y).coef_` on these patients.
    #[test]
    fn course_linear_regression_coefficients() {
        let df = risk_factors_numpy(100, 0).unwrap();
        let names = ["Age", "Systolic_BP", "Diastolic_BP", "Cholesterol"];
        let x = crate::prognosis::to_matrix(&df, &names).unwrap();
        let y = super::super::column_f64(&df, "y").unwrap();
        let fit = crate::prognosis::LinearRegression::params().fit(&crate::data::named(x.view(), &names).unwrap(), &y).unwrap();
        let got: Vec<f64> = fit.coefficients[1..].iter().map(|c| c.estimate).collect();
        for (g, w) in got.iter().zip([0.01341909, 0.00942119, 0.01241238, 0.00530774]) {
            assert!((g - w).abs() < 5e-9, "{got:?}");
        }
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
