//! Model-agnostic feature importance: permutation and drop-column.

use crate::data::{AsFeatures, default_names};
use crate::display::{Cell, Table};
use crate::plot::Chart;
use crate::{Error, Result};
use ndarray::{Array2, Axis};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

/// Feature importances as score drops: for each feature (rows) and repeat (columns),
/// `baseline score − score without the feature's information`. Positive: the model
/// relies on the feature; near 0: it does not; negative: the model does better
/// without it (noise it overfits).
#[derive(Clone, PartialEq)]
pub struct Importance {
    names: Vec<String>,
    baseline: f64,
    drops: Array2<f64>,
    method: &'static str,
    unit: &'static str,
}

/// A short summary, not the data (evcxr shows `{:?}` where it cannot show the HTML).
impl std::fmt::Debug for Importance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Importance {{ method: {:?}, features: {:?}, baseline: {}, repeats: {} }}",
            self.method,
            self.names,
            crate::display::short_float(self.baseline),
            self.drops.ncols()
        )
    }
}

impl Importance {
    /// The score with all features intact.
    pub fn baseline(&self) -> f64 {
        self.baseline
    }
    /// Feature names, in the order of the rows of [`Importance::drops`].
    pub fn feature_names(&self) -> &[String] {
        &self.names
    }
    /// Score drops, features × repeats.
    pub fn drops(&self) -> &Array2<f64> {
        &self.drops
    }
    /// Mean drop per feature (scikit-learn's `importances_mean`): signed.
    pub fn means(&self) -> Vec<f64> {
        self.drops.mean_axis(Axis(1)).map(|m| m.to_vec()).unwrap_or_default()
    }
    /// Absolute mean drop per feature: how much the score moves, whatever the direction.
    pub fn absolute(&self) -> Vec<f64> {
        self.means().iter().map(|v| v.abs()).collect()
    }
    /// Standard deviation of the drops over repeats (ddof 0, scikit-learn's `importances_std`).
    pub fn stds(&self) -> Vec<f64> {
        self.drops.std_axis(Axis(1), 0.0).to_vec()
    }
    /// The mean drop of one feature by name.
    pub fn get(&self, feature: &str) -> Result<f64> {
        let j = self
            .names
            .iter()
            .position(|n| n == feature)
            .ok_or_else(|| Error::invalid_arg("feature", format!("'{feature}' is not among the features {:?}", self.names)))?;
        Ok(self.means()[j])
    }
    /// `(name, mean, std)` from most to least important.
    pub fn ranked(&self) -> Vec<(String, f64, f64)> {
        let (m, s) = (self.means(), self.stds());
        let mut out: Vec<(String, f64, f64)> = self.names.iter().cloned().zip(m).zip(s).map(|((n, m), s)| (n, m, s)).collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1));
        out
    }
    /// The ranking as a table.
    pub fn table(&self) -> Table {
        let mut t = Table::new(["feature", "importance (score drop)", "std over repeats"]);
        for (n, m, s) in self.ranked() {
            t.push_row([Cell::from(n), Cell::from(m), Cell::from(s)]);
        }
        if self.baseline.is_nan() {
            t.caption(format!("{} importance ({})", self.method, self.unit))
        } else {
            t.caption(format!("{} importance: baseline score {:.4}, {} repeat(s)", self.method, self.baseline, self.drops.ncols()))
        }
    }
    /// Horizontal bars of the mean drops, most important on top (at most `max_display`).
    pub fn plot(&self, max_display: usize) -> Chart {
        let ranked = self.ranked();
        let shown = &ranked[..ranked.len().min(max_display.max(1))];
        let labels: Vec<String> = shown.iter().map(|r| if r.2 > 0.0 { format!("{} (±{:.3})", r.0, r.2) } else { r.0.clone() }).collect();
        let values: Vec<f64> = shown.iter().map(|r| r.1).collect();
        crate::plot::barh(&format!("{} importance", self.method), self.unit, &labels, &values)
    }
}

/// A model whose training measured how much each feature decreased impurity (trees
/// and forests).
pub trait ImpurityImportance {
    /// The features, in the model's order.
    fn feature_names(&self) -> &[String];
    /// Mean decrease in impurity per feature, summing to 1.
    fn feature_importances(&self) -> Vec<f64>;
}

/// Impurity-based importance (mean decrease in impurity, scikit-learn's
/// `feature_importances_`) as an [`Importance`] with its table and plot. Biased towards
/// features with many distinct values; [`permutation_importance`] is not.
///
/// ```
/// use ai4med::interpret::impurity_importance;
/// use ai4med::trees::DecisionTreeClassifier;
/// let x = ndarray::array![[1.0, 0.0], [2.0, 1.0], [3.0, 0.0], [4.0, 1.0]];
/// let tree = DecisionTreeClassifier::params().fit(&x, &[0.0, 0.0, 1.0, 1.0]).unwrap();
/// let imp = impurity_importance(&tree);
/// assert_eq!(imp.ranked()[0].0, "x0");
/// assert!(imp.plot(10).to_svg().is_ok());
/// ```
pub fn impurity_importance<M: ImpurityImportance + ?Sized>(model: &M) -> Importance {
    Importance::from_values(
        model.feature_names().to_vec(),
        &model.feature_importances(),
        "impurity",
        "share of the total impurity decrease",
    )
}

/// Mean |SHAP value| per feature (the global ranking of a SHAP summary) as an
/// [`Importance`] with its table and plot.
pub fn shap_importance(shap: &super::ShapValues) -> Importance {
    let (names, values): (Vec<String>, Vec<f64>) = shap.mean_abs().into_iter().unzip();
    Importance::from_values(names, &values, "SHAP", "mean |SHAP value| (average impact on the output)")
}

/// Configuration of [`permutation_importance`]: repeats, seed, and optionally which features.
///
/// ```
/// let s = ai4med::interpret::PermutationConfig::new(100).seed(7).features(&["age"]);
/// assert_eq!(s.repeats, 100);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PermutationConfig {
    /// Shuffles per feature (scikit-learn's `n_repeats`, default 5).
    pub repeats: usize,
    /// Seed: the same seed gives the same importances on any number of threads.
    pub seed: u64,
    /// Features to permute (all when `None`).
    pub features: Option<Vec<String>>,
}

impl Default for PermutationConfig {
    fn default() -> Self {
        PermutationConfig { repeats: 5, seed: 0, features: None }
    }
}

impl PermutationConfig {
    /// `repeats` shuffles per feature, seed 0, all features.
    pub fn new(repeats: usize) -> Self {
        PermutationConfig { repeats, ..Default::default() }
    }
    /// Sets the seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    /// Restricts to these features (by name).
    pub fn features(mut self, names: &[&str]) -> Self {
        self.features = Some(names.iter().map(|s| s.to_string()).collect());
        self
    }
}

/// Indices of the selected features, checked against the names.
fn selected(names: &[String], wanted: &Option<Vec<String>>) -> Result<Vec<usize>> {
    match wanted {
        None => Ok((0..names.len()).collect()),
        Some(w) if w.is_empty() => Err(Error::Empty { what: "features to permute".into() }),
        Some(w) => w
            .iter()
            .map(|f| {
                names
                    .iter()
                    .position(|n| n == f)
                    .ok_or_else(|| Error::invalid_arg("features", format!("'{f}' is not a column of x (it has {names:?})")))
            })
            .collect(),
    }
}

/// A seeded random permutation of `0..n` (Fisher–Yates with ChaCha8 seeded by `seed`): the
/// shuffle of the course's `permute_feature`, given to learners so that their result can be
/// checked exactly. Row `i` of a permuted column takes the value of row `perm[i]`.
///
/// ```
/// let p = ai4med::interpret::permutation(5, 1);
/// let mut s = p.clone();
/// s.sort();
/// assert_eq!(s, vec![0, 1, 2, 3, 4]);
/// assert_eq!(p, ai4med::interpret::permutation(5, 1));
/// ```
pub fn permutation(n: usize, seed: u64) -> Vec<usize> {
    let mut perm: Vec<usize> = (0..n).collect();
    perm.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    perm
}

/// Permutation importance (course 3 week 3; scikit-learn's `permutation_importance`):
/// the score `metric(y, predict(x))` with all features, minus the score after shuffling
/// one feature's column (breaking its link with the outcome while keeping its
/// distribution), for each feature and repeat. `metric` must be higher-is-better
/// (negate a loss); `predict` maps a feature matrix (columns in `x`'s order) to one
/// prediction per row, e.g. `|m| forest.positive_proba(m)`.
///
/// Shuffles are seeded per (feature, repeat), and the feature × repeat tasks run in
/// parallel, so results depend only on the seed. Differences from scikit-learn: the
/// random stream differs (same seed, different shuffles), and `predict` is any
/// closure rather than an estimator with a scorer.
///
/// ```
/// use ai4med::interpret::{permutation_importance, PermutationConfig};
/// use ai4med::prognosis::{cindex, Risk};
/// use ndarray::Array2;
/// // Feature 0 decides the outcome, feature 1 is noise.
/// let x = Array2::from_shape_fn((200, 2), |(i, j)| if j == 0 { (i % 20) as f64 } else { ((i * 7) % 13) as f64 });
/// let y: Vec<f64> = (0..200).map(|i| ((i % 20) >= 10) as u8 as f64).collect();
/// let imp = permutation_importance(|m: &Array2<f64>| Ok(m.column(0).to_vec()), &x, &y,
///     |y, p| cindex(y, Risk(p)), PermutationConfig::new(20).seed(1)).unwrap();
/// assert!(imp.means()[0] > 0.4 && imp.means()[1] == 0.0);
/// ```
pub fn permutation_importance<X, P, M>(predict: P, x: &X, y: &[f64], metric: M, settings: PermutationConfig) -> Result<Importance>
where
    X: AsFeatures + ?Sized,
    P: Fn(&Array2<f64>) -> Result<Vec<f64>> + Sync,
    M: Fn(&[f64], &[f64]) -> Result<f64> + Sync,
{
    if settings.repeats == 0 {
        return Err(Error::invalid_arg("repeats", "need at least one repeat"));
    }
    let (m, names) = x.to_features()?;
    let names = names.unwrap_or_else(|| default_names(m.ncols()));
    let cols = prepare(&names, m.nrows(), y, &settings)?;
    let base = m.to_owned();
    let score = |mat: &Array2<f64>| -> Result<f64> {
        let pred = predict(mat)?;
        crate::error::check::same_len("predictions vs rows", pred.len(), y.len())?;
        metric(y, &pred)
    };
    let baseline = score(&base)?;
    let drops = run_shuffles(
        &cols,
        base.nrows(),
        &settings,
        || base.clone(),
        |work, j, perm| {
            for (i, &src) in perm.iter().enumerate() {
                work[[i, j]] = base[[src, j]];
            }
            let s = score(work);
            work.column_mut(j).assign(&base.column(j));
            Ok(baseline - s?)
        },
    )?;
    Ok(Importance {
        names: cols.iter().map(|&j| names[j].clone()).collect(),
        baseline,
        drops,
        method: "permutation",
        unit: "drop in score",
    })
}

/// The shuffles of [`permutation_importance`]: for each selected column `j` and repeat,
/// the seeded permutation of `0..n` (ChaCha8 seeded with `settings.seed`, stream
/// `j·repeats + repeat`), handed to `task(state, j, perm)`, which returns the score drop.
/// Tasks run in parallel with one `state` per worker. Shared by the generic function and
/// the forest-specific path so that both shuffle identically.
pub(crate) fn run_shuffles<S, I, T>(cols: &[usize], n: usize, settings: &PermutationConfig, init: I, task: T) -> Result<Array2<f64>>
where
    I: Fn() -> S + Sync + Send,
    T: Fn(&mut S, usize, &[usize]) -> Result<f64> + Sync + Send,
{
    use rayon::prelude::*;
    let r = settings.repeats;
    let tasks: Vec<(usize, usize)> = (0..cols.len()).flat_map(|k| (0..r).map(move |rep| (k, rep))).collect();
    let drops: Vec<f64> = tasks
        .into_par_iter()
        .map_init(
            || (init(), Vec::with_capacity(n)),
            |(state, perm), (k, rep)| -> Result<f64> {
                let j = cols[k];
                let mut rng = ChaCha8Rng::seed_from_u64(settings.seed);
                rng.set_stream((j * r + rep) as u64);
                perm.clear();
                perm.extend(0..n);
                perm.shuffle(&mut rng);
                task(state, j, perm)
            },
        )
        .collect::<Result<Vec<f64>>>()?;
    Array2::from_shape_vec((cols.len(), r), drops).map_err(|e| Error::invalid_arg("importance", e.to_string()))
}

/// Checks the settings and resolves the selected columns (shared with the forest path).
pub(crate) fn prepare(names: &[String], rows: usize, y: &[f64], settings: &PermutationConfig) -> Result<Vec<usize>> {
    if settings.repeats == 0 {
        return Err(Error::invalid_arg("repeats", "need at least one repeat"));
    }
    crate::error::check::same_len("x rows vs y", rows, y.len())?;
    crate::error::check::non_empty("x rows", rows)?;
    selected(names, &settings.features)
}

impl Importance {
    /// One value per feature (impurity decreases, mean |SHAP values|): a single
    /// "repeat", no baseline score (NaN).
    pub(crate) fn from_values(names: Vec<String>, values: &[f64], method: &'static str, unit: &'static str) -> Importance {
        let drops = Array2::from_shape_fn((values.len(), 1), |(i, _)| values[i]);
        Importance { names, baseline: f64::NAN, drops, method, unit }
    }

    pub(crate) fn with_method(mut self, method: &'static str, unit: &'static str) -> Importance {
        self.method = method;
        self.unit = unit;
        self
    }

    pub(crate) fn from_parts(names: Vec<String>, baseline: f64, drops: Array2<f64>) -> Importance {
        Importance { names, baseline, drops, method: "permutation", unit: "drop in score" }
    }
}

/// Drop-column importance: the validation score of a model refitted without each
/// feature, subtracted from the score of the model fitted with all of them. Slower than
/// permutation importance (one refit per feature) but it asks a different question:
/// how much the *best model without the feature* loses, which accounts for features
/// that stand in for each other (dropping one of two copies costs nothing).
///
/// `fit_predict(x_train, y_train, x_valid)` fits a model on the training columns and
/// returns its predictions for the validation rows (same columns, same order). Refits
/// run in parallel.
///
/// ```
/// use ai4med::interpret::drop_column_importance;
/// use ai4med::prognosis::{cindex, LinearRegression, Risk};
/// use ndarray::Array2;
/// let x = Array2::from_shape_fn((100, 2), |(i, j)| if j == 0 { i as f64 } else { ((i * 37) % 11) as f64 });
/// let y: Vec<f64> = (0..100).map(|i| (i >= 50) as u8 as f64).collect();
/// let imp = drop_column_importance(|xt: &Array2<f64>, yt: &[f64], xv: &Array2<f64>| {
///     LinearRegression::params().fit(xt, yt)?.predict(xv)
/// }, &x, &y, &x, &y, |y, p| cindex(y, Risk(p))).unwrap();
/// assert!(imp.means()[0] > 0.3);
/// ```
pub fn drop_column_importance<X, F, M>(
    fit_predict: F,
    x_train: &X,
    y_train: &[f64],
    x_valid: &X,
    y_valid: &[f64],
    metric: M,
) -> Result<Importance>
where
    X: AsFeatures + ?Sized,
    F: Fn(&Array2<f64>, &[f64], &Array2<f64>) -> Result<Vec<f64>> + Sync,
    M: Fn(&[f64], &[f64]) -> Result<f64> + Sync,
{
    use rayon::prelude::*;
    let (tr, names) = x_train.to_features()?;
    let (va, vnames) = x_valid.to_features()?;
    let names = names.unwrap_or_else(|| default_names(tr.ncols()));
    if tr.ncols() != va.ncols() {
        return Err(Error::ShapeMismatch { what: "x_valid".into(), expected: format!("(rows, {})", tr.ncols()), got: va.shape().to_vec() });
    }
    if let Some(v) = vnames
        && v != names
    {
        return Err(Error::invalid_arg("x_valid", format!("columns {v:?} differ from the training columns {names:?}")));
    }
    crate::error::check::same_len("x_train rows vs y_train", tr.nrows(), y_train.len())?;
    crate::error::check::same_len("x_valid rows vs y_valid", va.nrows(), y_valid.len())?;
    if tr.ncols() < 2 {
        return Err(Error::invalid_arg("x_train", "drop-column importance needs at least two features (a model needs one left)"));
    }
    let (tr, va) = (tr.to_owned(), va.to_owned());
    let score = |t: &Array2<f64>, v: &Array2<f64>| -> Result<f64> {
        let pred = fit_predict(t, y_train, v)?;
        crate::error::check::same_len("predictions vs validation rows", pred.len(), y_valid.len())?;
        metric(y_valid, &pred)
    };
    let baseline = score(&tr, &va)?;
    let without = |m: &Array2<f64>, j: usize| -> Array2<f64> {
        let keep: Vec<usize> = (0..m.ncols()).filter(|&k| k != j).collect();
        m.select(Axis(1), &keep)
    };
    let drops: Vec<f64> =
        (0..tr.ncols()).into_par_iter().map(|j| Ok(baseline - score(&without(&tr, j), &without(&va, j))?)).collect::<Result<Vec<f64>>>()?;
    let drops = Array2::from_shape_vec((names.len(), 1), drops).map_err(|e| Error::invalid_arg("importance", e.to_string()))?;
    Ok(Importance { names, baseline, drops, method: "drop-column", unit: "drop in score" })
}

impl crate::display::Render for Importance {
    fn render(&self) -> crate::display::View {
        crate::display::View::Table(self.table())
    }
}
crate::rendered!(Importance);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prognosis::{LogisticRegression, Risk, cindex};
    use rand::Rng;
    use rand_distr::{Distribution, StandardNormal};

    /// The issue's known value: an informative N(0,1) feature and a noise feature,
    /// y = round(sigmoid(informative)), logistic model, c-index → ≈0.5 and ≈0.0.
    #[test]
    fn informative_and_noise_features() {
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let x = Array2::from_shape_fn((1000, 2), |_| StandardNormal.sample(&mut rng));
        let y: Vec<f64> = x.column(0).iter().map(|&v: &f64| (1.0 / (1.0 + (-v).exp())).round()).collect();
        let lr = LogisticRegression::params().fit(&crate::data::named(x.view(), &["informative", "noise"]).unwrap(), &y).unwrap();
        let imp = permutation_importance(
            |m: &Array2<f64>| lr.positive_proba(m),
            &x,
            &y,
            |y, p| cindex(y, Risk(p)),
            PermutationConfig::new(100).seed(3),
        )
        .unwrap();
        let m = imp.means();
        assert!((m[0] - 0.5).abs() <= 0.01 + 0.1 * 0.5, "{m:?}");
        assert!(m[1].abs() <= 0.01, "{m:?}");
        assert_eq!(imp.ranked()[0].0, "x0");
        // Deterministic, and a subset gives the same values for its features.
        let again = permutation_importance(
            |m: &Array2<f64>| lr.positive_proba(m),
            &x,
            &y,
            |y, p| cindex(y, Risk(p)),
            PermutationConfig::new(100).seed(3).features(&["x1"]),
        )
        .unwrap();
        assert_eq!(again.drops().row(0), imp.drops().row(1));
        assert!(imp.table().n_rows() == 2 && imp.plot(5).to_svg().is_ok());
    }

    #[test]
    fn forest_path_equals_generic_permutation_importance() {
        use crate::trees::RandomForestClassifier;
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let x: Array2<f64> = Array2::from_shape_fn((300, 6), |_| StandardNormal.sample(&mut rng));
        let y: Vec<f64> =
            (0..300).map(|i| rng.random_bool(1.0 / (1.0 + (-(x[[i, 0]] - x[[i, 1]] + 0.5 * x[[i, 2]])).exp())) as u8 as f64).collect();
        let rf = RandomForestClassifier::params().n_estimators(30).seed(2).progress(false).fit(&x, &y).unwrap();
        let auc = |y: &[f64], p: &[f64]| crate::metrics::roc_auc(y, p);
        let settings = PermutationConfig::new(7).seed(9);
        let generic = permutation_importance(|m: &Array2<f64>| rf.positive_proba(m), &x, &y, auc, settings.clone()).unwrap();
        let fast = rf.permutation_importance(&x, &y, auc, settings.clone()).unwrap();
        let close = |a: &Importance, b: &Importance| {
            a.feature_names() == b.feature_names()
                && (a.baseline() - b.baseline()).abs() < 1e-12
                && a.drops().iter().zip(b.drops().iter()).all(|(u, v)| (u - v).abs() < 1e-12)
        };
        assert!(close(&generic, &fast), "{generic:?}\n{fast:?}");
        let some = rf.permutation_importance(&x, &y, auc, settings.features(&["x4", "x1"])).unwrap();
        assert!(some.drops().row(1).iter().zip(generic.drops().row(1)).all(|(u, v)| (u - v).abs() < 1e-12));
        assert_eq!(some.feature_names(), ["x4".to_string(), "x1".to_string()]);
        assert!(rf.permutation_importance(&x, &y, auc, PermutationConfig::new(0)).is_err());
    }

    #[test]
    fn bad_input() {
        let x = Array2::from_shape_fn((10, 2), |(i, j)| (i * (j + 1)) as f64);
        let y: Vec<f64> = (0..10).map(|i| (i % 2) as f64).collect();
        let pred = |m: &Array2<f64>| Ok(m.column(0).to_vec());
        let metric = |y: &[f64], p: &[f64]| cindex(y, Risk(p));
        assert!(permutation_importance(pred, &x, &y, metric, PermutationConfig::new(0)).unwrap_err().to_string().contains("repeat"));
        assert!(
            permutation_importance(pred, &x, &y, metric, PermutationConfig::new(2).features(&["age"]))
                .unwrap_err()
                .to_string()
                .contains("'age'")
        );
        assert!(permutation_importance(pred, &x, &y[..5], metric, PermutationConfig::new(2)).is_err());
        let short = |_: &Array2<f64>| Ok(vec![0.0; 3]);
        assert!(permutation_importance(short, &x, &y, metric, PermutationConfig::new(2)).is_err());
        let one = Array2::from_shape_fn((10, 1), |(i, _)| i as f64);
        let fp = |_: &Array2<f64>, _: &[f64], v: &Array2<f64>| Ok(v.column(0).to_vec());
        assert!(drop_column_importance(fp, &one, &y, &one, &y, metric).is_err());
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let three = Array2::from_shape_fn((10, 3), |_| rng.random::<f64>());
        assert!(drop_column_importance(fp, &x, &y, &three, &y, metric).is_err());
    }
}
