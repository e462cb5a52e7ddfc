//! Random survival forests on the shared tree engine, with log-rank splitting.

use super::SurvivalData;
use crate::data::{AsFeatures, aligned, default_names};
use crate::display::{Cell, Table};
use crate::trees::{ForestParams, ForestSettings, MaxFeatures, Ranked, Sorted, SplitCriterion, Tree, columns, grow, new_settings};
use crate::{Error, Result};
use ndarray::{Array2, ArrayView2};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

/// Log-rank splitting. Each row has the index of its time among the training data's
/// distinct times (`rank`) and an event flag. The score of a split is the log-rank
/// chi-squared statistic between the two children, found for every boundary of a
/// sorted feature in O(m log m) with Fenwick trees (see [`LogRank::scan`]).
struct LogRank<'a> {
    rank: &'a [u32],
    event: &'a [bool],
    split_points: Option<usize>,
}

struct Fenwick(Vec<f64>);

impl Fenwick {
    fn new(n: usize) -> Self {
        Fenwick(vec![0.0; n + 1])
    }
    fn add(&mut self, i: usize, v: f64) {
        let mut i = i + 1;
        while i < self.0.len() {
            self.0[i] += v;
            i += i & i.wrapping_neg();
        }
    }
    /// Sum over indices `< i`.
    fn prefix(&self, i: usize) -> f64 {
        let mut i = i;
        let mut s = 0.0;
        while i > 0 {
            s += self.0[i];
            i -= i & i.wrapping_neg();
        }
        s
    }
}

impl SplitCriterion for LogRank<'_> {
    fn stats_len(&self) -> usize {
        2
    }
    fn value_len(&self) -> usize {
        0
    }
    fn add(&self, stats: &mut [f64], i: usize, w: f64) {
        stats[0] += w * self.event[i] as u8 as f64;
        stats[1] += w;
    }
    /// 1 while the node has an event (it may be split), 0 otherwise.
    fn impurity(&self, stats: &[f64], _w: f64) -> f64 {
        (stats[0] > 0.0) as u8 as f64
    }
    fn proxy(&self, _l: &[f64], _wl: f64, _r: &[f64], _wr: f64) -> f64 {
        0.0
    }
    fn value(&self, _stats: &[f64], _w: f64, _out: &mut [f64]) {}

    /// Moving row `i` (weight `w`, time index `k`, event `δ`) into the left child
    /// changes the log-rank numerator `Σ_j (d_Lj − Y_Lj d_j / Y_j)` by `w δ − w H(k)`,
    /// with `H` the node's Nelson–Aalen hazard, and the variance
    /// `Σ_j c_j (Y_Lj/Y_j)(1 − Y_Lj/Y_j)`, `c_j = d_j (Y_j − d_j)/(Y_j − 1)`, by a linear
    /// prefix term and a quadratic one that needs `Σ_{j ≤ k} (c_j/Y_j²) Y_Lj`, kept with
    /// two Fenwick trees over the node's time indices.
    fn scan(
        &self,
        sorted: Sorted<'_>,
        weights: &[f64],
        _stats: &[f64],
        _wn: f64,
        min_leaf: usize,
        _left: &mut [f64],
        _right: &mut [f64],
        rng: &mut ChaCha8Rng,
    ) -> Option<(usize, f64)> {
        let m = sorted.len();
        let mut times: Vec<u32> = (0..m).map(|p| self.rank[sorted.row(p)]).collect();
        times.sort_unstable();
        times.dedup();
        let kk = times.len();
        if kk < 2 {
            return None;
        }
        let local: Vec<usize> = (0..m).map(|p| times.partition_point(|&t| t < self.rank[sorted.row(p)])).collect();
        let (mut d, mut cnt) = (vec![0.0; kk], vec![0.0; kk]);
        for (p, &k) in local.iter().enumerate() {
            let i = sorted.row(p);
            let w = weights[i];
            cnt[k] += w;
            if self.event[i] {
                d[local[p]] += w;
            }
        }
        let mut y = vec![0.0; kk];
        let mut acc = 0.0;
        for k in (0..kk).rev() {
            acc += cnt[k];
            y[k] = acc;
        }
        let (mut h, mut a, mut wq) = (vec![0.0; kk], vec![0.0; kk], vec![0.0; kk]);
        let (mut sh, mut sa, mut sw) = (0.0, 0.0, 0.0);
        for k in 0..kk {
            let c = if y[k] > 1.0 { d[k] * (y[k] - d[k]) / (y[k] - 1.0) } else { 0.0 };
            if y[k] > 0.0 {
                sh += d[k] / y[k];
                sa += c / y[k];
                sw += c / (y[k] * y[k]);
            }
            h[k] = sh;
            a[k] = sa;
            wq[k] = sw;
        }
        let chosen: Option<Vec<bool>> = self.split_points.map(|k| {
            let mut valid: Vec<usize> = (1..m).filter(|&p| sorted.boundary(p, min_leaf)).collect();
            valid.shuffle(rng);
            let mut mask = vec![false; m];
            for &p in valid.iter().take(k.max(1)) {
                mask[p] = true;
            }
            mask
        });
        let (mut f1, mut f2) = (Fenwick::new(kk), Fenwick::new(kk));
        let (mut o, mut e, mut l1, mut q, mut wl) = (0.0, 0.0, 0.0, 0.0, 0.0);
        let mut best: Option<(usize, f64)> = None;
        for pos in 1..m {
            let p = pos - 1;
            let i = sorted.row(p);
            let (w, k) = (weights[i], local[p]);
            if self.event[i] {
                o += w;
            }
            e += w * h[k];
            l1 += w * a[k];
            let s = wq[k] * (wl - f1.prefix(k)) + f2.prefix(k);
            q += 2.0 * w * s + w * w * wq[k];
            f1.add(k, w);
            f2.add(k, w * wq[k]);
            wl += w;
            if !sorted.boundary(pos, min_leaf) || chosen.as_ref().is_some_and(|c| !c[pos]) {
                continue;
            }
            let var = l1 - q;
            if var > 1e-12 {
                let stat = (o - e) * (o - e) / var;
                if best.is_none_or(|b| stat > b.1) {
                    best = Some((pos, stat));
                }
            }
        }
        best
    }
}

/// A fitted tree's leaves as Nelson–Aalen increments on the training event times.
#[derive(Debug, Clone)]
struct SurvivalTree {
    tree: Tree,
    /// For each node (empty for internal nodes): (event-time index, hazard increment).
    leaves: Vec<Vec<(u32, f64)>>,
}

/// A random survival forest (course 2 week 4 assignment, where the course called R's
/// randomForestSRC; scikit-survival's `RandomSurvivalForest`).
///
/// Trees grow on bootstrap resamples with log-rank splitting on `√p` random features
/// per node (`max_features`), `min_samples_split = 6` and `min_samples_leaf = 3` by
/// default (scikit-survival's defaults), exhaustively over split points or, with
/// `split_points(k)`, over `k` random ones per feature (randomForestSRC's `nsplit`).
/// Each leaf holds the Nelson–Aalen estimate of its in-bag rows (bootstrap counts as
/// weights); the ensemble cumulative hazard is the mean over trees, and the risk score
/// ([`predict`](Self::predict), "mortality") is its sum over the training event times,
/// as in both reference packages. Out-of-bag rows give an honest Harrell's C and the
/// permutation importance (VIMP).
#[derive(Clone)]
pub struct RandomSurvivalForest {
    trees: Vec<SurvivalTree>,
    in_bag: Vec<Vec<u64>>,
    event_times: Vec<f64>,
    names: Vec<String>,
    settings: ForestSettings,
    train_cols: Vec<Vec<f64>>,
    train: SurvivalData,
}

/// A short summary, not the data (evcxr shows `{:?}` where it cannot show the HTML).
impl std::fmt::Debug for RandomSurvivalForest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "RandomSurvivalForest {{ trees: {}, features: {:?}, event times: {} }}",
            self.trees.len(),
            self.names,
            self.event_times.len()
        )
    }
}

impl ForestParams<RandomSurvivalForest> {
    /// Fits on covariates `x` (array or numeric frame) and survival outcomes.
    pub fn fit<X: AsFeatures + ?Sized>(&self, x: &X, data: &SurvivalData) -> Result<RandomSurvivalForest> {
        let (m, names) = x.to_features()?;
        let names = names.unwrap_or_else(|| default_names(m.ncols()));
        crate::error::check::same_len("x rows vs subjects", m.nrows(), data.len())?;
        if data.n_events() == 0 {
            return Err(Error::undefined("random survival forest", "every subject is censored: there is nothing to split on"));
        }
        let cols = columns(&m.view(), &names)?;
        let mut distinct = data.time().to_vec();
        distinct.sort_by(f64::total_cmp);
        distinct.dedup();
        let rank: Vec<u32> = data.time().iter().map(|t| distinct.partition_point(|v| v < t) as u32).collect();
        let mut event_times: Vec<f64> = data.time().iter().zip(data.event()).filter(|(_, e)| **e).map(|(t, _)| *t).collect();
        event_times.sort_by(f64::total_cmp);
        event_times.dedup();
        let s = self.settings;
        let crit = LogRank { rank: &rank, event: data.event(), split_points: s.split_points };
        let ranked = Ranked::new(&cols);
        let grown = self.grow_all(data.len(), |w, rng| {
            let limits = s.tree.limits(w.len(), cols.len())?;
            Ok(grow(&ranked, w, &crit, limits, rng))
        })?;
        let (trees, in_bag) = grown;
        // Leaf Nelson–Aalen estimates from the in-bag rows, bootstrap counts as weights.
        let trees: Vec<SurvivalTree> = trees
            .into_par_iter()
            .enumerate()
            .map(|(t, tree)| {
                let weights = bootstrap_weights(&s, t, data.len());
                leaf_estimates(tree, &cols, &weights, data, &event_times)
            })
            .collect();
        Ok(RandomSurvivalForest { trees, in_bag, event_times, names, settings: s, train_cols: cols, train: data.clone() })
    }
}

/// The bootstrap weights of tree `t`, redrawn from its random stream exactly as
/// [`ForestParams::grow_all`] drew them.
fn bootstrap_weights(s: &ForestSettings, t: usize, n: usize) -> Vec<f64> {
    if !s.bootstrap {
        return vec![1.0; n];
    }
    let mut rng = ChaCha8Rng::seed_from_u64(s.tree.seed);
    rng.set_stream(t as u64);
    let draws = ((s.max_samples * n as f64).round() as usize).max(1);
    let mut w = vec![0.0; n];
    for _ in 0..draws {
        w[rng.random_range(0..n)] += 1.0;
    }
    w
}

fn leaf_estimates(tree: Tree, cols: &[Vec<f64>], weights: &[f64], data: &SurvivalData, event_times: &[f64]) -> SurvivalTree {
    let mut rows: Vec<Vec<usize>> = vec![Vec::new(); tree.n_nodes()];
    for (i, &w) in weights.iter().enumerate() {
        if w > 0.0 {
            rows[tree.leaf_of(|j| cols[j][i])].push(i);
        }
    }
    let leaves = rows
        .into_iter()
        .map(|mut r| {
            if r.is_empty() {
                return Vec::new();
            }
            r.sort_by(|&a, &b| data.time()[a].total_cmp(&data.time()[b]));
            let mut at_risk: f64 = r.iter().map(|&i| weights[i]).sum();
            let mut out = Vec::new();
            let mut k = 0;
            while k < r.len() {
                let t = data.time()[r[k]];
                let (mut d, mut leave) = (0.0, 0.0);
                while k < r.len() && data.time()[r[k]] == t {
                    let w = weights[r[k]];
                    leave += w;
                    if data.event()[r[k]] {
                        d += w;
                    }
                    k += 1;
                }
                if d > 0.0 {
                    let idx = event_times.partition_point(|&e| e < t) as u32;
                    out.push((idx, d / at_risk));
                }
                at_risk -= leave;
            }
            out
        })
        .collect();
    SurvivalTree { tree, leaves }
}

impl RandomSurvivalForest {
    /// Default settings: 100 trees, `√p` features per split, `min_samples_split = 6`,
    /// `min_samples_leaf = 3`, bootstrap, every split point scored, seed 0.
    pub fn params() -> ForestParams<RandomSurvivalForest> {
        let mut s = new_settings(crate::trees::Criterion::Gini, MaxFeatures::Sqrt);
        s.tree.min_samples_split = crate::trees::MinSamples::Count(6);
        s.tree.min_samples_leaf = crate::trees::MinSamples::Count(3);
        ForestParams::with_settings(s)
    }

    /// The training data's distinct event times: the time grid of every prediction.
    pub fn event_times(&self) -> &[f64] {
        &self.event_times
    }
    /// Feature names.
    pub fn feature_names(&self) -> &[String] {
        &self.names
    }
    /// Number of trees.
    pub fn n_trees(&self) -> usize {
        self.trees.len()
    }
    /// The settings it was fitted with.
    pub fn settings(&self) -> &ForestSettings {
        &self.settings
    }
    /// The fitted trees (split structure only).
    pub fn trees(&self) -> Vec<&Tree> {
        self.trees.iter().map(|t| &t.tree).collect()
    }

    /// Ensemble cumulative hazard of one row over the trees chosen by `use_tree`.
    fn chf_row(&self, row: impl Fn(usize) -> f64 + Copy, use_tree: impl Fn(usize) -> bool, out: &mut [f64]) -> usize {
        out.iter_mut().for_each(|v| *v = 0.0);
        let mut used = 0;
        for (t, st) in self.trees.iter().enumerate() {
            if !use_tree(t) {
                continue;
            }
            used += 1;
            let leaf = st.tree.leaf_of(row);
            for &(k, inc) in &st.leaves[leaf] {
                out[k as usize] += inc;
            }
        }
        let mut acc = 0.0;
        for v in out.iter_mut() {
            acc += *v;
            *v = if used > 0 { acc / used as f64 } else { f64::NAN };
        }
        used
    }

    fn chf_matrix(&self, x: &ArrayView2<f64>) -> Array2<f64> {
        let k = self.event_times.len();
        let mut out = Array2::zeros((x.nrows(), k));
        out.axis_iter_mut(ndarray::Axis(0)).into_par_iter().enumerate().for_each(|(i, mut r)| {
            let mut buf = vec![0.0; k];
            let row = x.row(i);
            self.chf_row(|j| row[j], |_| true, &mut buf);
            r.assign(&ndarray::ArrayView1::from(&buf));
        });
        out
    }

    fn checked<'a, X: AsFeatures + ?Sized>(&self, x: &'a X) -> Result<ndarray::CowArray<'a, f64, ndarray::Ix2>> {
        let m = aligned(x, &self.names)?;
        for ((i, j), v) in m.indexed_iter() {
            if !v.is_finite() {
                return Err(Error::InvalidValue {
                    what: format!("feature '{}'", self.names[j]),
                    value: v.to_string(),
                    index: i,
                    reason: "impute missing values first".into(),
                });
            }
        }
        Ok(m)
    }

    /// Ensemble cumulative hazard `H(t | x)` at each of [`event_times`](Self::event_times):
    /// rows × times.
    pub fn predict_cumulative_hazard<X: AsFeatures + ?Sized>(&self, x: &X) -> Result<Array2<f64>> {
        let m = self.checked(x)?;
        Ok(self.chf_matrix(&m.view()))
    }
    /// Survival `exp(−H(t | x))` at each event time (scikit-survival computes the
    /// ensemble Kaplan–Meier instead; the two agree closely).
    pub fn predict_survival_function<X: AsFeatures + ?Sized>(&self, x: &X) -> Result<Array2<f64>> {
        Ok(self.predict_cumulative_hazard(x)?.mapv(|h| (-h).exp()))
    }
    /// Risk scores ("mortality"): the ensemble cumulative hazard summed over the
    /// training event times; higher means earlier expected death. Use them as scores
    /// for Harrell's C.
    pub fn predict<X: AsFeatures + ?Sized>(&self, x: &X) -> Result<Vec<f64>> {
        Ok(self.predict_cumulative_hazard(x)?.rows().into_iter().map(|r| r.sum()).collect())
    }

    fn oob_scores(&self, cols: &[Vec<f64>]) -> Vec<f64> {
        let n = self.train.len();
        let k = self.event_times.len();
        (0..n)
            .into_par_iter()
            .map_init(
                || vec![0.0; k],
                |buf, i| {
                    let used = self.chf_row(|j| cols[j][i], |t| self.in_bag[t][i / 64] >> (i % 64) & 1 == 0, buf);
                    if used == 0 { f64::NAN } else { buf.iter().sum() }
                },
            )
            .collect()
    }

    fn oob_c(&self, scores: &[f64]) -> Result<f64> {
        let keep: Vec<bool> = scores.iter().map(|s| s.is_finite()).collect();
        let d = self.train.subset(&keep)?;
        let s: Vec<f64> = scores.iter().copied().filter(|s| s.is_finite()).collect();
        super::harrell_c(&d, &s)
    }

    /// Out-of-bag risk scores of the training rows (`NaN` where every tree saw the row).
    pub fn oob_prediction(&self) -> Result<Vec<f64>> {
        if !self.settings.bootstrap {
            return Err(Error::undefined("out-of-bag estimate", "the forest was fitted without bootstrap"));
        }
        Ok(self.oob_scores(&self.train_cols))
    }
    /// Out-of-bag Harrell's C (course definition) of the training data.
    pub fn oob_concordance(&self) -> Result<f64> {
        self.oob_c(&self.oob_prediction()?)
    }
    /// Permutation variable importance (VIMP): for each feature, the drop in out-of-bag
    /// Harrell's C when its training values are shuffled (seeded), averaged over
    /// `repeats` shuffles. Positive means the forest relies on the feature. One
    /// [`Importance`](crate::interpret::Importance) (table, `ranked()`, `plot()`) like the
    /// crate's other importances.
    pub fn variable_importance(&self, repeats: usize, seed: u64) -> Result<crate::interpret::Importance> {
        if repeats == 0 {
            return Err(Error::invalid_arg("repeats", "at least one shuffle per feature"));
        }
        let base = self.oob_concordance()?;
        let mut drops = ndarray::Array2::zeros((self.names.len(), repeats));
        for j in 0..self.names.len() {
            for r in 0..repeats {
                let mut rng = ChaCha8Rng::seed_from_u64(seed);
                rng.set_stream((j * repeats + r) as u64);
                let mut cols = self.train_cols.clone();
                cols[j].shuffle(&mut rng);
                drops[[j, r]] = base - self.oob_c(&self.oob_scores(&cols))?;
            }
        }
        Ok(crate::interpret::Importance::from_parts(self.names.clone(), base, drops)
            .with_method("permutation (out-of-bag Harrell's C)", "drop in out-of-bag Harrell's C"))
    }
    /// Exact TreeSHAP values of the risk score [`predict`](Self::predict) for every row
    /// of `x` (beyond the course; neither scikit-survival, `shap` nor randomForestSRC
    /// offers it). Each tree's leaf contributes `Σ_k inc_k · (K − k)` to the score (its
    /// Nelson–Aalen increments `inc_k` at event-time index `k`, summed into the
    /// cumulative hazard at every later event time, `K` event times), so path-dependent
    /// TreeSHAP (Lundberg et al. 2020) applies to these scalar leaves with the in-bag
    /// bootstrap counts as node cover. Each row's values sum to its score minus the
    /// expected value.
    pub fn shap_values<X: AsFeatures + ?Sized>(&self, x: &X) -> Result<crate::interpret::ShapValues> {
        let k = self.event_times.len();
        let trees: Vec<Tree> = self
            .trees
            .iter()
            .map(|st| {
                let mut t = st.tree.clone();
                t.value = st.leaves.iter().map(|leaf| leaf.iter().map(|&(e, inc)| inc * (k - e as usize) as f64).sum()).collect();
                t.value_len = 1;
                t
            })
            .collect();
        let m = aligned(x, &self.names)?;
        crate::trees::tree_shap(&trees, 0, &m.view(), &self.names)
    }
    /// A summary table: trees, event times, out-of-bag C.
    pub fn summary(&self) -> Table {
        let mut t = Table::new(["", ""]);
        t.push_row([Cell::from("trees"), Cell::from(self.trees.len().to_string())]);
        t.push_row([Cell::from("training subjects / events"), Cell::from(format!("{} / {}", self.train.len(), self.train.n_events()))]);
        t.push_row([Cell::from("distinct event times"), Cell::from(self.event_times.len().to_string())]);
        if let Ok(c) = self.oob_concordance() {
            t.push_row([Cell::from("out-of-bag Harrell's C"), Cell::from(format!("{c:.4}"))]);
        }
        t.caption("random survival forest")
    }
}

impl crate::display::Render for RandomSurvivalForest {
    fn render(&self) -> crate::display::View {
        crate::display::View::Table(self.summary())
    }
}
crate::rendered!(RandomSurvivalForest);

impl<X: AsFeatures + ?Sized> crate::model::Fit<X, SurvivalData> for ForestParams<RandomSurvivalForest> {
    type Fitted = RandomSurvivalForest;
    fn fit(&self, x: &X, y: &SurvivalData) -> Result<RandomSurvivalForest> {
        ForestParams::<RandomSurvivalForest>::fit(self, x, y)
    }
}

impl<X: AsFeatures + ?Sized> crate::model::PredictRisk<X> for RandomSurvivalForest {
    /// The ensemble mortality ([`predict`](RandomSurvivalForest::predict)).
    fn predict_risk(&self, x: &X) -> Result<Vec<f64>> {
        self.predict(x)
    }
}

impl<X: AsFeatures + ?Sized> crate::model::PredictSurvival<X> for RandomSurvivalForest {
    fn predict_survival(&self, x: &X, times: &[f64]) -> Result<Array2<f64>> {
        crate::model::check_times(times)?;
        let s = self.predict_survival_function(x)?;
        Ok(Array2::from_shape_fn((s.nrows(), times.len()), |(i, k)| {
            let row = s.row(i);
            crate::model::step_at(&self.event_times, row.as_slice().unwrap_or(&[]), 1.0, times[k])
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survival::harrell_c;

    #[test]
    fn shap_values_add_up_to_the_risk_score() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let n = 300;
        let x: Array2<f64> = Array2::from_shape_fn((n, 4), |_| rng.random_range(-1.0..1.0));
        let time: Vec<f64> =
            (0..n).map(|i| ((-rng.random::<f64>().ln()) / (x[[i, 0]] - 0.5 * x[[i, 1]]).exp() * 10.0).round() + 1.0).collect();
        let event: Vec<f64> = (0..n).map(|_| rng.random_bool(0.7) as u8 as f64).collect();
        let d = SurvivalData::new(&time, &event).unwrap();
        let rsf = RandomSurvivalForest::params().n_estimators(20).seed(1).progress(false).fit(&x, &d).unwrap();
        let shap = rsf.shap_values(&x).unwrap();
        let pred = rsf.predict(&x).unwrap();
        for i in 0..n {
            let total = shap.expected_value() + shap.values().row(i).sum();
            assert!((total - pred[i]).abs() <= 1e-9 * pred[i].abs().max(1.0), "{total} vs {}", pred[i]);
        }
        // The informative features carry the attributions.
        let mean_abs: Vec<f64> = (0..4).map(|j| shap.values().column(j).iter().map(|v| v.abs()).sum::<f64>()).collect();
        assert!(mean_abs[0] > mean_abs[2] && mean_abs[0] > mean_abs[3], "{mean_abs:?}");
    }

    /// The Fenwick scan gives the same statistic as computing the log-rank test of the
    /// two children directly.
    #[test]
    fn scan_matches_direct_logrank() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        for _ in 0..50 {
            let n = rng.random_range(8..40);
            let time: Vec<f64> = (0..n).map(|_| rng.random_range(1..10) as f64).collect();
            let event: Vec<bool> = (0..n).map(|_| rng.random_bool(0.7)).collect();
            let x: Vec<f64> = (0..n).map(|_| rng.random_range(0..6) as f64).collect();
            let w: Vec<f64> = (0..n).map(|_| rng.random_range(1..3) as f64).collect();
            let mut distinct = time.clone();
            distinct.sort_by(f64::total_cmp);
            distinct.dedup();
            let rank: Vec<u32> = time.iter().map(|t| distinct.partition_point(|v| v < t) as u32).collect();
            let ranked = Ranked::new(std::slice::from_ref(&x));
            let mut keys: Vec<u64> = (0..n as u32).map(|i| ranked.key(0, i)).collect();
            keys.sort_unstable();
            let sorted = Sorted { keys: &keys, uniq: ranked.uniq(0) };
            for pos in 1..n {
                if !sorted.boundary(pos, 1) {
                    continue;
                }
                // Direct weighted log-rank of rows [..pos] vs the rest.
                let left: Vec<bool> = {
                    let mut l = vec![false; n];
                    for p in 0..pos {
                        l[sorted.row(p)] = true;
                    }
                    l
                };
                let (mut num, mut var) = (0.0, 0.0);
                for &t in &distinct {
                    let (mut y, mut yl, mut d, mut dl) = (0.0, 0.0, 0.0, 0.0);
                    for i in 0..n {
                        if time[i] >= t {
                            y += w[i];
                            if left[i] {
                                yl += w[i];
                            }
                        }
                        if time[i] == t && event[i] {
                            d += w[i];
                            if left[i] {
                                dl += w[i];
                            }
                        }
                    }
                    if d > 0.0 {
                        num += dl - yl * d / y;
                        if y > 1.0 {
                            var += (yl / y) * (1.0 - yl / y) * d * (y - d) / (y - 1.0);
                        }
                    }
                }
                // The scan's statistic at exactly this boundary.
                let crit = LogRank { rank: &rank, event: &event, split_points: None };
                // Make every other boundary invalid by giving the rows two ranks only.
                let only: Vec<u64> = keys.iter().enumerate().map(|(k, &key)| (u64::from(k >= pos) << 32) | (key & 0xffff_ffff)).collect();
                let got = crit.scan(Sorted { keys: &only, uniq: &[0.0, 1.0] }, &w, &[], 0.0, 1, &mut [], &mut [], &mut rng);
                if var > 1e-12 {
                    let (gp, gs) = got.unwrap();
                    assert_eq!(gp, pos);
                    assert!((gs - num * num / var).abs() < 1e-9 * (1.0 + gs), "{gs} vs {}", num * num / var);
                }
            }
        }
    }

    #[test]
    fn forest_ranks_a_strong_signal() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let n = 300;
        let x = Array2::from_shape_fn((n, 3), |_| rng.random::<f64>());
        let time: Vec<f64> = (0..n).map(|i| (-rng.random::<f64>().ln()) / (4.0 * x[[i, 0]]).exp()).collect();
        let event: Vec<f64> = (0..n).map(|_| rng.random_bool(0.8) as u8 as f64).collect();
        let d = SurvivalData::new(&time, &event).unwrap();
        let rsf = RandomSurvivalForest::params().n_estimators(30).seed(1).fit(&x, &d).unwrap();
        let c = harrell_c(&d, &rsf.predict(&x).unwrap()).unwrap();
        let truth = harrell_c(&d, &x.column(0).to_vec()).unwrap();
        assert!(c > truth, "{c} vs true score {truth}");
        let oob = rsf.oob_concordance().unwrap();
        assert!(oob > truth - 0.05 && oob < c, "out-of-bag {oob}, true score {truth}");
        let vimp = rsf.variable_importance(1, 3).unwrap();
        assert_eq!(vimp.ranked()[0].0, "x0");
        let again = RandomSurvivalForest::params().n_estimators(30).seed(1).fit(&x, &d).unwrap();
        assert_eq!(again.predict(&x).unwrap(), rsf.predict(&x).unwrap());
        let sf = rsf.predict_survival_function(&x).unwrap();
        assert!(sf.row(0).windows(2).into_iter().all(|w| w[1] <= w[0] + 1e-15));
        let censored = SurvivalData::new(&time, &vec![0.0; n]).unwrap();
        assert!(RandomSurvivalForest::params().fit(&x, &censored).is_err());
    }
}
