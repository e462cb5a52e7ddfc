//! Random forests on the shared tree engine.

use super::engine::{self, Ranked, Tree};
use super::params::{Criterion, MaxFeatures, TreeSettings, tree_setters};
use super::single::{argmax_rows, encode_classes, grow_classifier, grow_regressor, normalise, prepare, r2};
use crate::data::{AsFeatures, aligned};
use crate::display::Progress;
use crate::{Error, Result};
use ndarray::{Array2, ArrayView2};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

/// Forest settings shared by classifier and regressor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ForestSettings {
    /// Settings of every tree (its seed is the forest's seed).
    pub tree: TreeSettings,
    /// Number of trees (default 100).
    pub n_estimators: usize,
    /// Fit each tree on a bootstrap resample (default true).
    pub bootstrap: bool,
    /// Size of each bootstrap resample as a fraction of the rows (default 1.0).
    pub max_samples: f64,
    /// Print progress lines to standard error for big fits (default true; only fits
    /// with at least 2·10⁶ row-trees print).
    pub progress: bool,
    /// Survival forests only: score this many randomly chosen split points per feature
    /// and node instead of all of them (randomForestSRC's `nsplit`); `None` scores all.
    pub split_points: Option<usize>,
}

/// Settings of a random forest before fitting; `M` is the model it fits.
#[derive(Debug)]
pub struct ForestParams<M> {
    pub(crate) settings: ForestSettings,
    _model: std::marker::PhantomData<M>,
}

// Copy and Clone whatever the model type (a derive would require `M: Copy`).
impl<M> Clone for ForestParams<M> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<M> Copy for ForestParams<M> {}

impl<M> ForestParams<M> {
    tree_setters!(settings.tree);
    /// Number of trees.
    pub fn n_estimators(mut self, n: usize) -> Self {
        self.settings.n_estimators = n;
        self
    }
    /// Bootstrap resampling on or off (off: every tree sees all rows, and there is no
    /// out-of-bag estimate).
    pub fn bootstrap(mut self, on: bool) -> Self {
        self.settings.bootstrap = on;
        self
    }
    /// Bootstrap size as a fraction of the rows, in (0, 1].
    pub fn max_samples(mut self, f: f64) -> Self {
        self.settings.max_samples = f;
        self
    }
    /// Survival forests: score only `k` random split points per feature and node
    /// (randomForestSRC's `nsplit = k`); `None` (default) scores every boundary.
    pub fn split_points(mut self, k: impl Into<Option<usize>>) -> Self {
        self.settings.split_points = k.into();
        self
    }
    /// Wraps settings (used by the forests of other modules).
    pub(crate) fn with_settings(settings: ForestSettings) -> Self {
        ForestParams { settings, _model: std::marker::PhantomData }
    }
    /// Progress lines on or off.
    pub fn progress(mut self, on: bool) -> Self {
        self.settings.progress = on;
        self
    }
    /// The settings as plain data.
    pub fn settings(&self) -> &ForestSettings {
        &self.settings
    }

    /// Grows the trees in parallel; each tree's random stream depends only on the seed
    /// and the tree's index, so results do not depend on the number of threads.
    pub(crate) fn grow_all<F>(&self, n: usize, grow: F) -> Result<(Vec<Tree>, Vec<Vec<u64>>)>
    where
        F: Fn(&[f64], &mut ChaCha8Rng) -> Result<Tree> + Sync,
    {
        let s = self.settings;
        if s.n_estimators == 0 {
            return Err(Error::invalid_arg("n_estimators", "a forest needs at least one tree"));
        }
        if !(s.max_samples > 0.0 && s.max_samples <= 1.0) {
            return Err(Error::invalid_arg("max_samples", format!("{} is outside (0, 1]", s.max_samples)));
        }
        let draws = ((s.max_samples * n as f64).round() as usize).max(1);
        let progress = Progress::new("random forest", s.n_estimators, "trees", s.progress && s.n_estimators * n >= 2_000_000);
        let grown: Result<Vec<(Tree, Vec<u64>)>> = (0..s.n_estimators)
            .into_par_iter()
            .map(|t| {
                let mut rng = ChaCha8Rng::seed_from_u64(s.tree.seed);
                rng.set_stream(t as u64);
                let mut weights = vec![0.0; n];
                let mut in_bag = vec![0u64; n.div_ceil(64)];
                if s.bootstrap {
                    for _ in 0..draws {
                        let i = rng.random_range(0..n);
                        weights[i] += 1.0;
                        in_bag[i / 64] |= 1 << (i % 64);
                    }
                } else {
                    weights.iter_mut().for_each(|w| *w = 1.0);
                    in_bag.iter_mut().for_each(|b| *b = u64::MAX);
                }
                let tree = grow(&weights, &mut rng)?;
                progress.tick();
                Ok((tree, in_bag))
            })
            .collect();
        Ok(grown?.into_iter().unzip())
    }
}

pub(crate) fn new_settings(criterion: Criterion, max_features: MaxFeatures) -> ForestSettings {
    ForestSettings {
        tree: TreeSettings::new(criterion, max_features),
        n_estimators: 100,
        bootstrap: true,
        max_samples: 1.0,
        progress: true,
        split_points: None,
    }
}

/// Mean over trees of each tree's leaf values, rows in parallel, trees in order (so the
/// result is the same on any number of threads).
fn average(trees: &[Tree], x: &ArrayView2<f64>, k: usize) -> Array2<f64> {
    let n = x.nrows();
    let mut out = Array2::zeros((n, k));
    // Trees outer, rows inner within a block of rows: one tree's nodes stay in cache
    // while every row of the block walks it. Each row still adds the trees in order.
    out.axis_chunks_iter_mut(ndarray::Axis(0), 256).into_par_iter().enumerate().for_each(|(c, mut block)| {
        let rows = x.slice(ndarray::s![c * 256..c * 256 + block.nrows(), ..]);
        let all: Vec<usize> = (0..block.nrows()).collect();
        let mut leaves = Vec::with_capacity(256);
        for t in trees {
            t.leaves_of(&all, |r, j| rows[[r, j]], &mut leaves);
            for (r, &leaf) in leaves.iter().enumerate() {
                for (o, a) in block.row_mut(r).iter_mut().zip(t.value_at(leaf)) {
                    *o += a;
                }
            }
        }
    });
    out /= trees.len() as f64;
    out
}

/// Out-of-bag means: for each training row, the mean over the trees that did not see
/// it; `NaN` rows for rows that every tree saw.
fn out_of_bag(trees: &[Tree], in_bag: &[Vec<u64>], cols: &[Vec<f64>], k: usize) -> Array2<f64> {
    let n = cols.first().map_or(0, Vec::len);
    let mut out = Array2::zeros((n, k));
    // Trees outer, rows inner within a block of rows (as in `average`): one tree's nodes
    // stay in cache while the block's out-of-bag rows walk it, in lockstep.
    out.axis_chunks_iter_mut(ndarray::Axis(0), 256).into_par_iter().enumerate().for_each(|(c, mut block)| {
        let (nb, p) = (block.nrows(), cols.len());
        let mut used = vec![0usize; nb];
        // The block's rows, row-major: a walk reads a row's features near each other.
        let mut xb = vec![0.0; nb * p];
        for (j, col) in cols.iter().enumerate() {
            for r in 0..nb {
                xb[r * p + j] = col[c * 256 + r];
            }
        }
        let (mut rows, mut leaves) = (Vec::with_capacity(256), Vec::with_capacity(256));
        for (t, bag) in trees.iter().zip(in_bag) {
            rows.clear();
            rows.extend((0..nb).filter(|&r| {
                let i = c * 256 + r;
                bag[i / 64] >> (i % 64) & 1 == 0
            }));
            t.leaves_of(&rows, |r, j| xb[r * p + j], &mut leaves);
            for (&r, &leaf) in rows.iter().zip(&leaves) {
                used[r] += 1;
                for (o, a) in block.row_mut(r).iter_mut().zip(t.value_at(leaf)) {
                    *o += a;
                }
            }
        }
        for (r, &m) in used.iter().enumerate() {
            let mut row = block.row_mut(r);
            if m == 0 {
                row.fill(f64::NAN);
            } else {
                row /= m as f64;
            }
        }
    });
    out
}

fn mean_importances(trees: &[Tree]) -> Vec<f64> {
    let p = trees[0].n_features();
    let mut acc = vec![0.0; p];
    for t in trees {
        for (a, v) in acc.iter_mut().zip(normalise(t.raw_importances())) {
            *a += v;
        }
    }
    normalise(acc)
}

/// A random forest classifier, as scikit-learn's `RandomForestClassifier` (course 2
/// week 2 assignment: forests on NHANES tuned by hold-out grid search on the c-index).
///
/// Each tree grows without depth limit (unless set) on a bootstrap resample, drawing
/// `√p` candidate features per split by default; the forest's probability is the mean
/// of the trees' leaf class fractions. Trees grow in parallel (rayon) and each tree's
/// random stream depends only on `(seed, tree index)`, so a seed fixes the forest on
/// any machine. The out-of-bag estimate comes for free with bootstrap:
/// [`oob_proba`](Self::oob_proba), [`oob_score`](Self::oob_score).
///
/// Differences from scikit-learn: a single-class target is an error; NaN features are
/// an error (impute first); random streams differ, so forests agree with
/// scikit-learn's in accuracy, not tree by tree.
///
/// ```
/// use ai4med::trees::RandomForestClassifier;
/// use ai4med::ndarray::Array2;
/// let x = Array2::from_shape_fn((200, 2), |(i, j)| ((i * 7 + j * 13) % 50) as f64);
/// let y: Vec<f64> = (0..200).map(|i| (x[[i, 0]] > 25.0) as u8 as f64).collect();
/// let rf = RandomForestClassifier::params().n_estimators(20).seed(1).fit(&x, &y).unwrap();
/// assert!(rf.score(&x, &y).unwrap() > 0.95);
/// assert!(rf.oob_score().unwrap() > 0.9);
/// ```
#[derive(Debug, Clone)]
pub struct RandomForestClassifier {
    pub(crate) trees: Vec<Tree>,
    pub(crate) classes: Vec<f64>,
    pub(crate) names: Vec<String>,
    pub(crate) settings: ForestSettings,
    oob: Option<Array2<f64>>,
    y_train: Vec<f64>,
}

impl ForestParams<RandomForestClassifier> {
    /// Fits on `x` (array or numeric frame) and class labels `y`.
    pub fn fit<X: AsFeatures + ?Sized>(&self, x: &X, y: &[f64]) -> Result<RandomForestClassifier> {
        let (_, names, cols) = prepare(x, y)?;
        let (classes, idx) = encode_classes(y)?;
        let k = classes.len();
        let s = self.settings;
        let ranked = Ranked::new(&cols);
        let (trees, in_bag) = self.grow_all(y.len(), |w, rng| grow_classifier(&ranked, w, &idx, k, &s.tree, rng))?;
        let oob = s.bootstrap.then(|| out_of_bag(&trees, &in_bag, &cols, k));
        Ok(RandomForestClassifier { trees, classes, names, settings: s, oob, y_train: y.to_vec() })
    }
}

impl RandomForestClassifier {
    /// Default settings: 100 trees, Gini, `√p` features per split, bootstrap, seed 0.
    pub fn params() -> ForestParams<RandomForestClassifier> {
        ForestParams { settings: new_settings(Criterion::Gini, MaxFeatures::Sqrt), _model: std::marker::PhantomData }
    }
    /// Class probabilities (rows × classes): the mean of the trees' leaf fractions.
    pub fn predict_proba<X: AsFeatures + ?Sized>(&self, x: &X) -> Result<Array2<f64>> {
        let m = aligned(x, &self.names)?;
        engine::check_predict(&m.view(), self.names.len(), &self.names)?;
        Ok(average(&self.trees, &m.view(), self.classes.len()))
    }
    /// Probability of the last (largest) class — for 0/1 labels, of class 1.
    pub fn positive_proba<X: AsFeatures + ?Sized>(&self, x: &X) -> Result<Vec<f64>> {
        let p = self.predict_proba(x)?;
        Ok(p.column(p.ncols() - 1).to_vec())
    }
    /// The most probable class per row.
    pub fn predict<X: AsFeatures + ?Sized>(&self, x: &X) -> Result<Vec<f64>> {
        Ok(argmax_rows(&self.predict_proba(x)?, &self.classes))
    }
    /// Mean accuracy on `(x, y)`.
    pub fn score<X: AsFeatures + ?Sized>(&self, x: &X, y: &[f64]) -> Result<f64> {
        let pred = self.predict(x)?;
        crate::error::check::same_len("x rows vs y", pred.len(), y.len())?;
        Ok(pred.iter().zip(y).filter(|(a, b)| a == b).count() as f64 / y.len() as f64)
    }
    /// Permutation importance of the positive-class probability
    /// ([`crate::interpret::permutation_importance`] with `predict = positive_proba`),
    /// computed without re-predicting the whole forest for every shuffle: each tree's
    /// leaf value and, per feature, the splits on that feature along each row's path are
    /// recorded once; a shuffle of feature *j* only revisits those splits: the row keeps
    /// its leaf unless a split on *j* sends the shuffled value the other way, and only then
    /// walks the other subtree; only changed leaves update the sum. Shuffles are identical to the generic function's with the same
    /// settings; predictions agree to rounding (importances to 1e-12, tested).
    ///
    /// Falls back to re-predicting the forest for more than 64 features or when the record
    /// (24 bytes per split on each row's path, bounded by the trees' depths) would exceed 1 GB.
    ///
    /// ```
    /// use ai4med::interpret::PermutationConfig;
    /// use ai4med::trees::RandomForestClassifier;
    /// use ndarray::Array2;
    /// let x = Array2::from_shape_fn((200, 3), |(i, j)| ((i * (j + 3)) % 17) as f64);
    /// let y: Vec<f64> = (0..200).map(|i| (((i * 3) % 17) > 8) as u8 as f64).collect();
    /// let rf = RandomForestClassifier::params().n_estimators(20).seed(0).progress(false).fit(&x, &y).unwrap();
    /// let auc = |y: &[f64], p: &[f64]| ai4med::metrics::roc_auc(y, p);
    /// let imp = rf.permutation_importance(&x, &y, auc, PermutationConfig::new(5).seed(1)).unwrap();
    /// assert_eq!(imp.ranked()[0].0, "x0");
    /// ```
    pub fn permutation_importance<X, M>(
        &self,
        x: &X,
        y: &[f64],
        metric: M,
        settings: crate::interpret::PermutationConfig,
    ) -> Result<crate::interpret::Importance>
    where
        X: AsFeatures + ?Sized,
        M: Fn(&[f64], &[f64]) -> Result<f64> + Sync,
    {
        let m = aligned(x, &self.names)?;
        engine::check_predict(&m.view(), self.names.len(), &self.names)?;
        let (n, p, t) = (m.nrows(), m.ncols(), self.trees.len());
        let cols = crate::interpret::importance_prepare(&self.names, n, y, &settings)?;
        let names: Vec<String> = cols.iter().map(|&j| self.names[j].clone()).collect();
        let record_bytes: usize = self.trees.iter().map(|tr| tr.depth() + 1).sum::<usize>().saturating_mul(n).saturating_mul(24);
        if p > 64 || self.trees.iter().any(|tr| tr.n_nodes() > u32::MAX as usize) || record_bytes > 1 << 30 {
            // The generic path: re-predict the whole forest for every shuffle.
            let base = m.to_owned();
            let baseline = metric(y, &self.positive_proba(&base)?)?;
            let drops = crate::interpret::importance_run_shuffles(
                &cols,
                n,
                &settings,
                || base.clone(),
                |work: &mut Array2<f64>, j, perm| {
                    for (i, &src) in perm.iter().enumerate() {
                        work[[i, j]] = base[[src, j]];
                    }
                    let s = self.positive_proba(&*work).and_then(|pred| metric(y, &pred));
                    work.column_mut(j).assign(&base.column(j));
                    Ok(baseline - s?)
                },
            )?;
            return Ok(crate::interpret::Importance::from_parts(names, baseline, drops));
        }
        let pos = self.classes.len() - 1;
        // Per tree: each row's positive-class leaf value and, for each feature, the nodes
        // on the row's path that split on it (in path order), with their thresholds and
        // the direction the row took.
        #[derive(Clone, Copy)]
        struct Split {
            row: u32,
            node: u32,
            went_left: bool,
            threshold: f64,
        }
        struct Paths {
            vals: Vec<f64>,
            by_feature: Vec<Vec<Split>>,
        }
        let per_tree: Vec<Paths> = self
            .trees
            .par_iter()
            .map(|tree| {
                let mut pt = Paths { vals: Vec::with_capacity(n), by_feature: vec![Vec::new(); p] };
                for (i, row) in m.rows().into_iter().enumerate() {
                    let mut node = 0usize;
                    while tree.left[node] != engine::LEAF {
                        let f = tree.feature[node];
                        let went_left = row[f] <= tree.threshold[node];
                        pt.by_feature[f].push(Split { row: i as u32, node: node as u32, went_left, threshold: tree.threshold[node] });
                        node = if went_left { tree.left[node] } else { tree.right[node] };
                    }
                    pt.vals.push(tree.value_at(node)[pos]);
                }
                pt
            })
            .collect();
        let tf = t as f64;
        // Unnormalised sums over trees, in tree order (what `positive_proba` divides by T).
        let mut base_sum = vec![0.0; n];
        for pt in &per_tree {
            for (o, v) in base_sum.iter_mut().zip(&pt.vals) {
                *o += v;
            }
        }
        let base_pred: Vec<f64> = base_sum.iter().map(|v| v / tf).collect();
        crate::error::check::same_len("predictions vs rows", base_pred.len(), y.len())?;
        let baseline = metric(y, &base_pred)?;
        let drops = crate::interpret::importance_run_shuffles(&cols, n, &settings, Vec::new, |out: &mut Vec<f64>, j, perm| {
            out.clear();
            out.extend_from_slice(&base_sum);
            for (tree, pt) in self.trees.iter().zip(&per_tree) {
                // A row leaves its recorded path only at a node on j that sends the
                // shuffled value the other way; then the other subtree is walked.
                let mut done = u32::MAX;
                for sp in &pt.by_feature[j] {
                    if sp.row == done {
                        continue;
                    }
                    let i = sp.row as usize;
                    let vj = m[[perm[i], j]];
                    let goes_left = vj <= sp.threshold;
                    if goes_left != sp.went_left {
                        done = sp.row;
                        let node = sp.node as usize;
                        let row = m.row(i);
                        let mut nd = if goes_left { tree.left[node] } else { tree.right[node] };
                        while tree.left[nd] != engine::LEAF {
                            let f = tree.feature[nd];
                            let xv = if f == j { vj } else { row[f] };
                            nd = if xv <= tree.threshold[nd] { tree.left[nd] } else { tree.right[nd] };
                        }
                        out[i] += tree.value_at(nd)[pos] - pt.vals[i];
                    }
                }
            }
            out.iter_mut().for_each(|o| *o /= tf);
            Ok(baseline - metric(y, out)?)
        })?;
        Ok(crate::interpret::Importance::from_parts(names, baseline, drops))
    }

    /// Out-of-bag class probabilities of the training rows (rows seen by every tree are
    /// `NaN`); an error without bootstrap.
    pub fn oob_proba(&self) -> Result<&Array2<f64>> {
        self.oob.as_ref().ok_or_else(|| Error::undefined("out-of-bag estimate", "the forest was fitted without bootstrap"))
    }
    /// Out-of-bag accuracy over the training rows that have an estimate (scikit-learn's
    /// `oob_score_`).
    pub fn oob_score(&self) -> Result<f64> {
        let p = self.oob_proba()?;
        let pred = argmax_rows(p, &self.classes);
        let (mut hit, mut m) = (0usize, 0usize);
        for (i, (a, b)) in pred.iter().zip(&self.y_train).enumerate() {
            if p[[i, 0]].is_finite() {
                m += 1;
                hit += (a == b) as usize;
            }
        }
        if m == 0 {
            return Err(Error::undefined("out-of-bag score", "every row was in every bootstrap sample; add trees"));
        }
        Ok(hit as f64 / m as f64)
    }
    /// Mean decrease in impurity, averaged over trees, summing to 1.
    pub fn feature_importances(&self) -> Vec<f64> {
        mean_importances(&self.trees)
    }
    /// The fitted trees.
    pub fn trees(&self) -> &[Tree] {
        &self.trees
    }
    /// Class labels, sorted.
    pub fn classes(&self) -> &[f64] {
        &self.classes
    }
    /// Feature names.
    pub fn feature_names(&self) -> &[String] {
        &self.names
    }
    /// The settings it was fitted with.
    pub fn settings(&self) -> &ForestSettings {
        &self.settings
    }
}

/// A random forest regressor, as scikit-learn's `RandomForestRegressor`: squared-error
/// trees on bootstrap resamples, all features per split by default (scikit-learn's
/// default since 1.1), prediction = mean of the trees.
///
/// ```
/// use ai4med::trees::RandomForestRegressor;
/// use ai4med::ndarray::Array2;
/// let x = Array2::from_shape_fn((100, 1), |(i, _)| i as f64);
/// let y: Vec<f64> = (0..100).map(|i| 2.0 * i as f64).collect();
/// let rf = RandomForestRegressor::params().n_estimators(10).fit(&x, &y).unwrap();
/// assert!(rf.score(&x, &y).unwrap() > 0.99);
/// ```
#[derive(Debug, Clone)]
pub struct RandomForestRegressor {
    pub(crate) trees: Vec<Tree>,
    pub(crate) names: Vec<String>,
    pub(crate) settings: ForestSettings,
    oob: Option<Vec<f64>>,
    y_train: Vec<f64>,
}

impl ForestParams<RandomForestRegressor> {
    /// Fits on `x` and real targets `y`.
    pub fn fit<X: AsFeatures + ?Sized>(&self, x: &X, y: &[f64]) -> Result<RandomForestRegressor> {
        let (_, names, cols) = prepare(x, y)?;
        crate::error::check::finite("y", y)?;
        let s = self.settings;
        let ranked = Ranked::new(&cols);
        let (trees, in_bag) = self.grow_all(y.len(), |w, rng| grow_regressor(&ranked, w, y, &s.tree, rng))?;
        let oob = s.bootstrap.then(|| out_of_bag(&trees, &in_bag, &cols, 1).column(0).to_vec());
        Ok(RandomForestRegressor { trees, names, settings: s, oob, y_train: y.to_vec() })
    }
}

impl RandomForestRegressor {
    /// Default settings: 100 trees, squared error, all features, bootstrap, seed 0.
    pub fn params() -> ForestParams<RandomForestRegressor> {
        ForestParams { settings: new_settings(Criterion::SquaredError, MaxFeatures::All), _model: std::marker::PhantomData }
    }
    /// Mean of the trees' predictions.
    pub fn predict<X: AsFeatures + ?Sized>(&self, x: &X) -> Result<Vec<f64>> {
        let m = aligned(x, &self.names)?;
        engine::check_predict(&m.view(), self.names.len(), &self.names)?;
        Ok(average(&self.trees, &m.view(), 1).column(0).to_vec())
    }
    /// R² on `(x, y)`.
    pub fn score<X: AsFeatures + ?Sized>(&self, x: &X, y: &[f64]) -> Result<f64> {
        r2(&self.predict(x)?, y)
    }
    /// Out-of-bag predictions of the training rows (`NaN` where every tree saw the row).
    pub fn oob_prediction(&self) -> Result<&[f64]> {
        self.oob.as_deref().ok_or_else(|| Error::undefined("out-of-bag estimate", "the forest was fitted without bootstrap"))
    }
    /// Out-of-bag R² over rows that have an estimate.
    pub fn oob_score(&self) -> Result<f64> {
        let p = self.oob_prediction()?;
        let (pp, yy): (Vec<f64>, Vec<f64>) = p.iter().zip(&self.y_train).filter(|(a, _)| a.is_finite()).map(|(a, b)| (*a, *b)).unzip();
        r2(&pp, &yy)
    }
    /// Mean decrease in impurity, averaged over trees, summing to 1.
    pub fn feature_importances(&self) -> Vec<f64> {
        mean_importances(&self.trees)
    }
    /// The fitted trees.
    pub fn trees(&self) -> &[Tree] {
        &self.trees
    }
    /// Feature names.
    pub fn feature_names(&self) -> &[String] {
        &self.names
    }
    /// The settings it was fitted with.
    pub fn settings(&self) -> &ForestSettings {
        &self.settings
    }
}
