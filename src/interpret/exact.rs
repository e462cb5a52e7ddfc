//! Shapley values by enumerating every coalition of features (small models).

use super::ShapValues;
use crate::data::{AsFeatures, default_names};
use crate::{Error, Result};
use ndarray::Array2;

/// Most features [`exact_shapley`] enumerates (2^16 coalitions per row).
pub const MAX_EXACT_FEATURES: usize = 16;

/// Most model evaluations per explained row (coalitions × background rows).
const MAX_EVALS: usize = 4_000_000;

/// Exact Shapley values by enumeration (course 3 week 3, the Shapley-value lesson).
///
/// The value of a coalition `S` of features for row `x` is the model's mean output when
/// the features in `S` take `x`'s values and the others take each background row's
/// values: `v(S) = mean_b f(x_S, b_{−S})` (interventional, as `shap`'s
/// `ExactExplainer`/`KernelExplainer` with a background set). Feature `j` gets
/// `φ_j = Σ_{S ∌ j} |S|! (p − |S| − 1)! / p! · (v(S ∪ {j}) − v(S))`, so
/// `Σ_j φ_j = f(x) − v(∅)` with `v(∅)` the mean output over the background (the
/// expected value). Cost: `2^p × background rows` evaluations per row, so `p` is
/// limited to [`MAX_EXACT_FEATURES`]; use TreeSHAP for tree models. For a linear model
/// `φ_j = β_j (x_j − mean_b b_j)`.
///
/// ```
/// use ai4med::interpret::exact_shapley;
/// use ndarray::array;
/// let f = |m: &ndarray::Array2<f64>| Ok(m.rows().into_iter().map(|r| 2.0 * r[0] - r[1] + r[0] * r[1]).collect());
/// let x = array![[1.0, 2.0]];
/// let background = array![[0.0, 0.0], [2.0, 1.0]];
/// let shap = exact_shapley(f, &x, &background).unwrap();
/// let total: f64 = shap.values().row(0).sum();
/// assert!((shap.expected_value() + total - 2.0).abs() < 1e-12); // f(x) = 2 − 2 + 2
/// ```
pub fn exact_shapley<X, B, P>(predict: P, x: &X, background: &B) -> Result<ShapValues>
where
    X: AsFeatures + ?Sized,
    B: AsFeatures + ?Sized,
    P: Fn(&Array2<f64>) -> Result<Vec<f64>>,
{
    let (xm, names) = x.to_features()?;
    let (bm, _) = background.to_features()?;
    let p = xm.ncols();
    let names = names.unwrap_or_else(|| default_names(p));
    crate::error::check::non_empty("x rows", xm.nrows())?;
    crate::error::check::non_empty("background rows", bm.nrows())?;
    if bm.ncols() != p {
        return Err(Error::ShapeMismatch { what: "background".into(), expected: format!("(rows, {p})"), got: bm.shape().to_vec() });
    }
    if p == 0 || p > MAX_EXACT_FEATURES {
        return Err(Error::invalid_arg(
            "x",
            format!(
                "exact Shapley values enumerate 2^p coalitions: p must be between 1 and {MAX_EXACT_FEATURES}, got {p} (use TreeSHAP for trees)"
            ),
        ));
    }
    let coalitions = 1usize << p;
    let nb = bm.nrows();
    if coalitions * nb > MAX_EVALS {
        return Err(Error::invalid_arg(
            "background",
            format!(
                "{coalitions} coalitions × {nb} background rows is over {MAX_EVALS} evaluations per row; use a smaller background sample"
            ),
        ));
    }
    // Shapley weights by coalition size: |S|! (p − |S| − 1)! / p!.
    let fact = |k: usize| (1..=k).map(|v| v as f64).product::<f64>();
    let weight: Vec<f64> = (0..p).map(|s| fact(s) * fact(p - s - 1) / fact(p)).collect();
    let mut values = Array2::zeros((xm.nrows(), p));
    let mut expected = f64::NAN;
    let mut batch = Array2::zeros((coalitions * nb, p));
    for (i, row) in xm.rows().into_iter().enumerate() {
        for s in 0..coalitions {
            for b in 0..nb {
                let mut out = batch.row_mut(s * nb + b);
                for j in 0..p {
                    out[j] = if s >> j & 1 == 1 { row[j] } else { bm[[b, j]] };
                }
            }
        }
        let f = predict(&batch)?;
        crate::error::check::same_len("predictions vs coalition rows", f.len(), coalitions * nb)?;
        crate::error::check::finite("predictions", &f)?;
        let v: Vec<f64> = (0..coalitions).map(|s| f[s * nb..(s + 1) * nb].iter().sum::<f64>() / nb as f64).collect();
        expected = v[0];
        for j in 0..p {
            let mut phi = 0.0;
            for s in 0..coalitions {
                if s >> j & 1 == 0 {
                    phi += weight[(s as u32).count_ones() as usize] * (v[s | 1 << j] - v[s]);
                }
            }
            values[[i, j]] = phi;
        }
    }
    ShapValues::new(values, expected, xm.to_owned(), names)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn linear_model_closed_form_and_errors() {
        let beta = [0.5, -1.0, 2.0];
        let f =
            |m: &Array2<f64>| Ok(m.rows().into_iter().map(|r| 1.0 + beta.iter().zip(r.iter()).map(|(b, v)| b * v).sum::<f64>()).collect());
        let x = array![[1.0, 2.0, 3.0], [0.0, -1.0, 0.5]];
        let bg = array![[0.0, 0.0, 0.0], [2.0, 2.0, 2.0], [1.0, 0.0, 4.0]];
        let shap = exact_shapley(f, &x, &bg).unwrap();
        let means = [1.0, 2.0 / 3.0, 2.0];
        for i in 0..2 {
            for j in 0..3 {
                assert!((shap.values()[[i, j]] - beta[j] * (x[[i, j]] - means[j])).abs() < 1e-12);
            }
        }
        assert!(exact_shapley(f, &x, &array![[0.0, 0.0]]).is_err());
        let wide = Array2::<f64>::zeros((1, 17));
        assert!(exact_shapley(|m: &Array2<f64>| Ok(vec![0.0; m.nrows()]), &wide, &wide).unwrap_err().to_string().contains("TreeSHAP"));
        assert!(exact_shapley(|_: &Array2<f64>| Ok(vec![0.0; 2]), &x, &bg).is_err());
    }
}
