//! Single decision trees: [`DecisionTreeClassifier`] and [`DecisionTreeRegressor`].

use super::engine::{self, ClassCriterion, MseCriterion, Ranked, Tree};
use super::params::{Criterion, MaxFeatures, TreeSettings, tree_setters};
use crate::data::{AsFeatures, aligned, default_names};
use crate::{Error, Result};
use ndarray::{Array2, ArrayView2};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Distinct class labels (sorted) and each row's class index. Needs finite labels and
/// at least two classes.
pub(crate) fn encode_classes(y: &[f64]) -> Result<(Vec<f64>, Vec<u32>)> {
    crate::error::check::non_empty("y", y.len())?;
    crate::error::check::finite("y", y)?;
    let mut classes = y.to_vec();
    classes.sort_by(f64::total_cmp);
    classes.dedup();
    if classes.len() < 2 {
        return Err(Error::invalid_arg("y", format!("a classifier needs at least two classes, but every label is {}", classes[0])));
    }
    let idx = y.iter().map(|v| classes.partition_point(|c| c < v) as u32).collect();
    Ok((classes, idx))
}

/// Features, their names, and the columns as vectors.
pub(crate) type Prepared<'a> = (ndarray::CowArray<'a, f64, ndarray::Ix2>, Vec<String>, Vec<Vec<f64>>);

/// Feature matrix, names and target checked against each other.
pub(crate) fn prepare<'a, X: AsFeatures + ?Sized>(x: &'a X, y: &[f64]) -> Result<Prepared<'a>> {
    let (m, names) = x.to_features()?;
    let names = names.unwrap_or_else(|| default_names(m.ncols()));
    crate::error::check::same_len("x rows vs y", m.nrows(), y.len())?;
    let cols = engine::columns(&m.view(), &names)?;
    Ok((m, names, cols))
}

pub(crate) fn grow_classifier(cols: &Ranked, weights: &[f64], y: &[u32], k: usize, s: &TreeSettings, rng: &mut ChaCha8Rng) -> Result<Tree> {
    let entropy = match s.criterion {
        Criterion::Gini => false,
        Criterion::Entropy => true,
        Criterion::SquaredError => {
            return Err(Error::invalid_arg("criterion", "squared error is a regression criterion; use Gini or Entropy for classification"));
        }
    };
    let limits = s.limits(weights.len(), cols.len())?;
    Ok(engine::grow(cols, weights, &ClassCriterion { y, k, entropy }, limits, rng))
}

pub(crate) fn grow_regressor(cols: &Ranked, weights: &[f64], y: &[f64], s: &TreeSettings, rng: &mut ChaCha8Rng) -> Result<Tree> {
    if s.criterion != Criterion::SquaredError {
        return Err(Error::invalid_arg(
            "criterion",
            format!("{:?} is a classification criterion; regression uses SquaredError", s.criterion),
        ));
    }
    let limits = s.limits(weights.len(), cols.len())?;
    Ok(engine::grow(cols, weights, &MseCriterion { y }, limits, rng))
}

/// Normalised impurity importances (sum 1, or all zero for a stump).
pub(crate) fn normalise(mut imp: Vec<f64>) -> Vec<f64> {
    let total: f64 = imp.iter().sum();
    if total > 0.0 {
        imp.iter_mut().for_each(|v| *v /= total);
    }
    imp
}

/// Settings of a decision tree before fitting; `M` is the model it fits
/// ([`DecisionTreeClassifier`] or [`DecisionTreeRegressor`]).
#[derive(Debug)]
pub struct TreeParams<M> {
    pub(crate) settings: TreeSettings,
    _model: std::marker::PhantomData<M>,
}

// Copy and Clone whatever the model type (a derive would require `M: Copy`).
impl<M> Clone for TreeParams<M> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<M> Copy for TreeParams<M> {}

impl<M> TreeParams<M> {
    tree_setters!(settings);
    /// The settings as plain data.
    pub fn settings(&self) -> &TreeSettings {
        &self.settings
    }
}

/// A CART classification tree, as scikit-learn's `DecisionTreeClassifier` (course 2
/// week 2, lab "decision trees" and the assignment's `DecisionTreeClassifier` on
/// NHANES).
///
/// Defaults are scikit-learn's: Gini, unlimited depth, `min_samples_split = 2`,
/// `min_samples_leaf = 1`, all features per split. Leaves store class fractions;
/// [`predict_proba`](Self::predict_proba) returns them. Differences from scikit-learn:
/// a single-class target is an error (scikit-learn fits a constant), features must be
/// finite (scikit-learn ≥ 1.3 routes `NaN` down a learned side; here impute first), and
/// the random feature order differs, so trees can differ where two splits tie exactly.
///
/// ```
/// use ai4med::trees::DecisionTreeClassifier;
/// use ai4med::ndarray::array;
/// let x = array![[1.0], [2.0], [3.0], [4.0]];
/// let y = [0.0, 0.0, 1.0, 1.0];
/// let dt = DecisionTreeClassifier::params().max_depth(2).fit(&x, &y).unwrap();
/// assert_eq!(dt.predict(&x).unwrap(), y.to_vec());
/// assert_eq!(dt.tree().node(0).unwrap().threshold, 2.5);
/// ```
#[derive(Debug, Clone)]
pub struct DecisionTreeClassifier {
    pub(crate) tree: Tree,
    pub(crate) classes: Vec<f64>,
    pub(crate) names: Vec<String>,
    pub(crate) settings: TreeSettings,
}

impl TreeParams<DecisionTreeClassifier> {
    /// Fits on `x` (rows × features: an array or a numeric polars frame) and class
    /// labels `y`.
    pub fn fit<X: AsFeatures + ?Sized>(&self, x: &X, y: &[f64]) -> Result<DecisionTreeClassifier> {
        let (_, names, cols) = prepare(x, y)?;
        let (classes, idx) = encode_classes(y)?;
        let weights = vec![1.0; y.len()];
        let mut rng = ChaCha8Rng::seed_from_u64(self.settings.seed);
        let tree = grow_classifier(&Ranked::new(&cols), &weights, &idx, classes.len(), &self.settings, &mut rng)?;
        Ok(DecisionTreeClassifier { tree, classes, names, settings: self.settings })
    }
}

impl DecisionTreeClassifier {
    /// Default settings (Gini, no depth limit) to adjust before fitting.
    pub fn params() -> TreeParams<DecisionTreeClassifier> {
        TreeParams { settings: TreeSettings::new(Criterion::Gini, MaxFeatures::All), _model: std::marker::PhantomData }
    }
    /// Class probabilities (rows × classes, classes in [`classes`](Self::classes) order):
    /// the training class fractions in the row's leaf.
    pub fn predict_proba<X: AsFeatures + ?Sized>(&self, x: &X) -> Result<Array2<f64>> {
        let m = aligned(x, &self.names)?;
        engine::check_predict(&m.view(), self.names.len(), &self.names)?;
        Ok(proba(&self.tree, &m.view()))
    }
    /// The probability of the last (largest) class: for 0/1 labels the probability of 1,
    /// the `predict_proba(X)[:, 1]` of the course.
    pub fn positive_proba<X: AsFeatures + ?Sized>(&self, x: &X) -> Result<Vec<f64>> {
        let p = self.predict_proba(x)?;
        Ok(p.column(p.ncols() - 1).to_vec())
    }
    /// The most probable class of each row (the first of tied classes).
    pub fn predict<X: AsFeatures + ?Sized>(&self, x: &X) -> Result<Vec<f64>> {
        let p = self.predict_proba(x)?;
        Ok(argmax_rows(&p, &self.classes))
    }
    /// Mean accuracy on `(x, y)`.
    pub fn score<X: AsFeatures + ?Sized>(&self, x: &X, y: &[f64]) -> Result<f64> {
        let pred = self.predict(x)?;
        crate::error::check::same_len("x rows vs y", pred.len(), y.len())?;
        Ok(pred.iter().zip(y).filter(|(a, b)| a == b).count() as f64 / y.len() as f64)
    }
    /// The class labels, sorted.
    pub fn classes(&self) -> &[f64] {
        &self.classes
    }
    /// The fitted tree.
    pub fn tree(&self) -> &Tree {
        &self.tree
    }
    /// Feature names (from the frame, or `x0, x1, …`).
    pub fn feature_names(&self) -> &[String] {
        &self.names
    }
    /// The settings it was fitted with.
    pub fn settings(&self) -> &TreeSettings {
        &self.settings
    }
    /// Impurity-based (mean decrease in impurity) importances, summing to 1.
    pub fn feature_importances(&self) -> Vec<f64> {
        normalise(self.tree.raw_importances())
    }
}

/// A CART regression tree with squared-error splits, as scikit-learn's
/// `DecisionTreeRegressor`. Leaves predict the mean of their training targets.
///
/// ```
/// use ai4med::trees::DecisionTreeRegressor;
/// use ai4med::ndarray::array;
/// let x = array![[1.0], [2.0], [3.0], [4.0]];
/// let dt = DecisionTreeRegressor::params().max_depth(1).fit(&x, &[1.0, 1.0, 5.0, 7.0]).unwrap();
/// assert_eq!(dt.predict(&x).unwrap(), vec![1.0, 1.0, 6.0, 6.0]);
/// ```
#[derive(Debug, Clone)]
pub struct DecisionTreeRegressor {
    pub(crate) tree: Tree,
    pub(crate) names: Vec<String>,
    pub(crate) settings: TreeSettings,
}

impl TreeParams<DecisionTreeRegressor> {
    /// Fits on `x` and real targets `y`.
    pub fn fit<X: AsFeatures + ?Sized>(&self, x: &X, y: &[f64]) -> Result<DecisionTreeRegressor> {
        let (_, names, cols) = prepare(x, y)?;
        crate::error::check::finite("y", y)?;
        let weights = vec![1.0; y.len()];
        let mut rng = ChaCha8Rng::seed_from_u64(self.settings.seed);
        let tree = grow_regressor(&Ranked::new(&cols), &weights, y, &self.settings, &mut rng)?;
        Ok(DecisionTreeRegressor { tree, names, settings: self.settings })
    }
}

impl DecisionTreeRegressor {
    /// Default settings (squared error, no depth limit) to adjust before fitting.
    pub fn params() -> TreeParams<DecisionTreeRegressor> {
        TreeParams { settings: TreeSettings::new(Criterion::SquaredError, MaxFeatures::All), _model: std::marker::PhantomData }
    }
    /// The mean training target in each row's leaf.
    pub fn predict<X: AsFeatures + ?Sized>(&self, x: &X) -> Result<Vec<f64>> {
        let m = aligned(x, &self.names)?;
        engine::check_predict(&m.view(), self.names.len(), &self.names)?;
        Ok(regress(&self.tree, &m.view()))
    }
    /// Coefficient of determination R² on `(x, y)`.
    pub fn score<X: AsFeatures + ?Sized>(&self, x: &X, y: &[f64]) -> Result<f64> {
        r2(&self.predict(x)?, y)
    }
    /// The fitted tree.
    pub fn tree(&self) -> &Tree {
        &self.tree
    }
    /// Feature names.
    pub fn feature_names(&self) -> &[String] {
        &self.names
    }
    /// The settings it was fitted with.
    pub fn settings(&self) -> &TreeSettings {
        &self.settings
    }
    /// Impurity-based importances, summing to 1.
    pub fn feature_importances(&self) -> Vec<f64> {
        normalise(self.tree.raw_importances())
    }
}

pub(crate) fn proba(tree: &Tree, x: &ArrayView2<f64>) -> Array2<f64> {
    let k = tree.value_len();
    let mut out = Array2::zeros((x.nrows(), k));
    for (i, row) in x.rows().into_iter().enumerate() {
        let leaf = tree.leaf_of(|j| row[j]);
        out.row_mut(i).assign(&ndarray::ArrayView1::from(tree.value_at(leaf)));
    }
    out
}

pub(crate) fn regress(tree: &Tree, x: &ArrayView2<f64>) -> Vec<f64> {
    x.rows().into_iter().map(|row| tree.value_at(tree.leaf_of(|j| row[j]))[0]).collect()
}

pub(crate) fn argmax_rows(p: &Array2<f64>, classes: &[f64]) -> Vec<f64> {
    p.rows()
        .into_iter()
        .map(|r| {
            let mut best = 0;
            for (k, &v) in r.iter().enumerate() {
                if v > r[best] {
                    best = k;
                }
            }
            classes[best]
        })
        .collect()
}

pub(crate) fn r2(pred: &[f64], y: &[f64]) -> Result<f64> {
    crate::error::check::same_len("predictions vs y", pred.len(), y.len())?;
    crate::error::check::non_empty("y", y.len())?;
    let mean = y.iter().sum::<f64>() / y.len() as f64;
    let ss_tot: f64 = y.iter().map(|v| (v - mean).powi(2)).sum();
    let ss_res: f64 = pred.iter().zip(y).map(|(p, v)| (v - p).powi(2)).sum();
    if ss_tot == 0.0 {
        return Err(Error::undefined("R²", "the targets are constant"));
    }
    Ok(1.0 - ss_res / ss_tot)
}
