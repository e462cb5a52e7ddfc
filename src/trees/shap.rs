//! Exact path-dependent TreeSHAP (Lundberg, Erion & Lee 2018, algorithm 2) for the
//! trees of this crate, and for trees imported with [`Tree::from_arrays`].

use super::engine::{LEAF, Tree};
use crate::interpret::ShapValues;
use crate::{Error, Result};
use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;

#[derive(Debug, Clone, Copy, Default)]
struct PathElem {
    feature: usize,
    zero: f64,
    one: f64,
    weight: f64,
}

const NO_FEATURE: usize = usize::MAX;

fn extend(path: &mut [PathElem], depth: usize, zero: f64, one: f64, feature: usize) {
    path[depth] = PathElem { feature, zero, one, weight: if depth == 0 { 1.0 } else { 0.0 } };
    let d1 = (depth + 1) as f64;
    for i in (0..depth).rev() {
        path[i + 1].weight += one * path[i].weight * (i + 1) as f64 / d1;
        path[i].weight = zero * path[i].weight * (depth - i) as f64 / d1;
    }
}

fn unwind(path: &mut [PathElem], depth: usize, idx: usize) {
    let (one, zero) = (path[idx].one, path[idx].zero);
    let d1 = (depth + 1) as f64;
    let mut next = path[depth].weight;
    for i in (0..depth).rev() {
        if one != 0.0 {
            let tmp = path[i].weight;
            path[i].weight = next * d1 / ((i + 1) as f64 * one);
            next = tmp - path[i].weight * zero * (depth - i) as f64 / d1;
        } else {
            path[i].weight = path[i].weight * d1 / (zero * (depth - i) as f64);
        }
    }
    for i in idx..depth {
        path[i].feature = path[i + 1].feature;
        path[i].zero = path[i + 1].zero;
        path[i].one = path[i + 1].one;
    }
}

fn unwound_sum(path: &[PathElem], depth: usize, idx: usize) -> f64 {
    let (one, zero) = (path[idx].one, path[idx].zero);
    let d1 = (depth + 1) as f64;
    let mut next = path[depth].weight;
    let mut total = 0.0;
    for i in (0..depth).rev() {
        if one != 0.0 {
            let tmp = next * d1 / ((i + 1) as f64 * one);
            total += tmp;
            next = path[i].weight - tmp * zero * ((depth - i) as f64 / d1);
        } else if zero != 0.0 {
            total += (path[i].weight / zero) / ((depth - i) as f64 / d1);
        }
    }
    total
}

struct Walk<'a> {
    tree: &'a Tree,
    x: &'a [f64],
    output: usize,
    scale: f64,
    phi: &'a mut [f64],
    paths: &'a mut Vec<Vec<PathElem>>,
}

impl Walk<'_> {
    fn recurse(&mut self, node: usize, level: usize, depth: usize, zero: f64, one: f64, feature: usize) {
        if self.paths.len() <= level {
            let cap = self.paths.first().map_or(2, Vec::len);
            self.paths.push(vec![PathElem::default(); cap]);
        }
        if level > 0 {
            let (head, tail) = self.paths.split_at_mut(level);
            tail[0][..depth].copy_from_slice(&head[level - 1][..depth]);
        }
        let mut depth = depth;
        {
            let path = &mut self.paths[level];
            extend(path, depth, zero, one, feature);
        }
        let t = self.tree;
        if t.left[node] == LEAF {
            let v = t.value_at(node)[self.output] * self.scale;
            let path = &self.paths[level];
            for i in 1..=depth {
                let w = unwound_sum(path, depth, i);
                let e = path[i];
                self.phi[e.feature] += w * (e.one - e.zero) * v;
            }
            return;
        }
        let f = t.feature[node];
        let (hot, cold) = if self.x[f] <= t.threshold[node] { (t.left[node], t.right[node]) } else { (t.right[node], t.left[node]) };
        let w = t.weighted_n[node];
        let (hot_zero, cold_zero) = (t.weighted_n[hot] / w, t.weighted_n[cold] / w);
        let (mut in_zero, mut in_one) = (1.0, 1.0);
        {
            let path = &mut self.paths[level];
            if let Some(k) = (1..=depth).find(|&k| path[k].feature == f) {
                in_zero = path[k].zero;
                in_one = path[k].one;
                unwind(path, depth, k);
                depth -= 1;
            }
        }
        self.recurse(hot, level + 1, depth + 1, hot_zero * in_zero, in_one, f);
        self.recurse(cold, level + 1, depth + 1, cold_zero * in_zero, 0.0, f);
    }
}

/// The expected output of a tree: leaf values weighted by their share of the root's cover.
fn expected(tree: &Tree, output: usize) -> f64 {
    let root = tree.weighted_n[0];
    (0..tree.n_nodes()).filter(|&n| tree.left[n] == LEAF).map(|n| tree.weighted_n[n] / root * tree.value_at(n)[output]).sum()
}

/// SHAP values of the mean of `trees` (output column `output` of their leaf values) for
/// every row of `x`: rows in parallel, trees in order, so results do not depend on the
/// number of threads.
pub(crate) fn tree_shap(trees: &[Tree], output: usize, x: &ArrayView2<f64>, names: &[String]) -> Result<ShapValues> {
    crate::error::check::non_empty("trees", trees.len())?;
    let p = trees[0].n_features();
    if x.ncols() != p {
        return Err(Error::ShapeMismatch { what: "x".into(), expected: format!("(rows, {p})"), got: x.shape().to_vec() });
    }
    if trees.iter().any(|t| t.weighted_n.iter().any(|&w| !(w > 0.0))) {
        return Err(Error::invalid_arg("trees", "TreeSHAP needs a positive sample weight (cover) at every node"));
    }
    let scale = 1.0 / trees.len() as f64;
    let max_depth = trees.iter().map(Tree::depth).max().unwrap_or(0);
    let mut values = Array2::zeros((x.nrows(), p));
    values.axis_iter_mut(ndarray::Axis(0)).into_par_iter().enumerate().for_each_init(
        || vec![vec![PathElem::default(); max_depth + 2]; max_depth + 2],
        |paths, (i, mut out)| {
            let row = x.row(i).to_vec();
            let mut phi = vec![0.0; p];
            for t in trees {
                Walk { tree: t, x: &row, output, scale, phi: &mut phi, paths }.recurse(0, 0, 0, 1.0, 1.0, NO_FEATURE);
            }
            out.assign(&ndarray::ArrayView1::from(&phi));
        },
    );
    let expected_value = trees.iter().map(|t| expected(t, output)).sum::<f64>() * scale;
    ShapValues::new(values, expected_value, x.to_owned(), names.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trees::{DecisionTreeRegressor, RandomForestClassifier};
    use rand::{Rng, SeedableRng};

    /// Shapley values by enumerating feature subsets, with the path-dependent value
    /// function E[f(x) | x_S] that follows covers for features outside S.
    fn brute(tree: &Tree, x: &[f64], output: usize) -> Vec<f64> {
        fn cond(t: &Tree, n: usize, x: &[f64], s: u32, o: usize) -> f64 {
            if t.left[n] == LEAF {
                return t.value_at(n)[o];
            }
            let f = t.feature[n];
            if s >> f & 1 == 1 {
                let c = if x[f] <= t.threshold[n] { t.left[n] } else { t.right[n] };
                cond(t, c, x, s, o)
            } else {
                let (l, r) = (t.left[n], t.right[n]);
                (t.weighted_n[l] * cond(t, l, x, s, o) + t.weighted_n[r] * cond(t, r, x, s, o)) / t.weighted_n[n]
            }
        }
        let p = tree.n_features();
        let fact = |k: usize| (1..=k).map(|v| v as f64).product::<f64>();
        let mut phi = vec![0.0; p];
        for j in 0..p {
            for s in 0u32..(1 << p) {
                if s >> j & 1 == 1 {
                    continue;
                }
                let k = s.count_ones() as usize;
                let w = fact(k) * fact(p - k - 1) / fact(p);
                phi[j] += w * (cond(tree, 0, x, s | 1 << j, output) - cond(tree, 0, x, s, output));
            }
        }
        phi
    }

    #[test]
    fn matches_subset_enumeration_and_sums_to_prediction() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let n = 300;
        let x = Array2::from_shape_fn((n, 5), |_| rng.random_range(0..8) as f64);
        let y: Vec<f64> = (0..n).map(|i| x[[i, 0]] * 2.0 + x[[i, 1]] * x[[i, 2]] - x[[i, 0]] * x[[i, 3]] + rng.random::<f64>()).collect();
        let dt = DecisionTreeRegressor::params().max_depth(7).fit(&x, &y).unwrap();
        let sv = dt.shap_values(&x).unwrap();
        let pred = dt.predict(&x).unwrap();
        for i in 0..40 {
            let b = brute(dt.tree(), x.row(i).as_slice().unwrap(), 0);
            for j in 0..5 {
                assert!((b[j] - sv.values()[[i, j]]).abs() < 1e-9, "row {i} feature {j}: {} vs {}", b[j], sv.values()[[i, j]]);
            }
        }
        for i in 0..n {
            let s: f64 = sv.values().row(i).sum();
            assert!((s + sv.expected_value() - pred[i]).abs() < 1e-9);
        }
        let yc: Vec<f64> = y.iter().map(|v| (*v > 8.0) as u8 as f64).collect();
        let rf = RandomForestClassifier::params().n_estimators(15).max_depth(6).seed(4).fit(&x, &yc).unwrap();
        let sv = rf.shap_values(&x).unwrap();
        let p = rf.positive_proba(&x).unwrap();
        for i in 0..n {
            let s: f64 = sv.values().row(i).sum();
            assert!((s + sv.expected_value() - p[i]).abs() < 1e-9);
        }
    }
}
