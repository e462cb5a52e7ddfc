//! Exact path-dependent TreeSHAP for the trees of this crate, and for trees imported with
//! [`Tree::from_arrays`], by two algorithms that give the same values (to rounding):
//!
//! - **leaf tables** (Fast TreeSHAP v2, Yang 2021), for trees whose root-to-leaf paths split
//!   on at most [`MAX_TABLE_FEATURES`] distinct features: the path-dependent value of a leaf
//!   depends on a row only through which of its path's `d` features the row agrees with (a
//!   bit mask `M`), so each leaf stores two numbers per mask, computed once per tree, and a
//!   row costs O(d) per leaf instead of the O(d²) of extending and unwinding paths;
//! - **path recursion** (Lundberg, Erion & Lee 2018, algorithm 2) for deeper trees.
//!
//! The leaf-table formula. For a leaf with value `v` whose path splits on the distinct
//! features `P` (`d = |P|`), let `z_j` be the product of the cover fractions
//! (`weighted_n[child] / weighted_n[parent]`) of the path's splits on `j`, and `M ⊆ P` the
//! features whose splits the row satisfies. With `Z(T) = Π_{j∈T} z_j` and
//! `H(T) = Σ_{S⊆T} |S|!(d−|S|−1)!/d! · Z(T∖S)`, the leaf adds
//! `v·(1−z_i)·Z(P∖M)·H(M∖{i})` to `φ_i` for `i ∈ M` and `−v·Z(P∖M)·H(M)` for `i ∈ P∖M`
//! (the Shapley value of the leaf's multilinear game `Π_{j∈P} (j∈S ? 1[j∈M] : z_j)`).
//! `H` over all `2^d` masks comes from `H_s(T∪{k}) = z_k·H_s(T) + H_{s+1}(T)`, where `H_s`
//! shifts the weight's `|S|` by `s`.

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

/// Trees whose every root-to-leaf path splits on at most this many distinct features take
/// the leaf-table algorithm (each leaf of such a path stores 2·2^d numbers); deeper trees
/// take the path recursion. Chosen by measurement (`benches/trees.rs`, see benches/README.md).
pub const MAX_TABLE_FEATURES: usize = 12;

/// Leaf tables are built for a group of trees at a time, then applied to every row: a group
/// holds about this many masks (16 bytes each; a larger tree is a group alone), so that its
/// tables stay in a core's cache while the rows pass. Measured on 1000 rows of a 300-tree
/// depth-8 forest (2 cores): groups of 2^21 masks 2.19 s, 2^17 1.05 s, 2^15 0.78 s, 2^13 0.72 s.
const TABLE_CHUNK: usize = 1 << 13;

/// A tree whose tables alone would pass this many masks (256 MB) takes the path recursion.
const TREE_TABLE_MAX: usize = 1 << 24;

/// Leaf tables of a group of trees (see the module documentation).
#[derive(Default)]
struct LeafTables {
    /// Per tree of the group: its index in the forest's slice and first node slot.
    trees: Vec<(usize, usize)>,
    n_nodes: usize,
    /// Per leaf: `v · scale`, and where its edges, features and table start.
    value: Vec<f64>,
    edge_start: Vec<usize>,
    feat_start: Vec<usize>,
    table_start: Vec<usize>,
    /// Per edge of a path: the split node (global slot), whether the path goes left there,
    /// and the bit of its feature in the leaf's mask.
    edge_node: Vec<u32>,
    edge_left: Vec<bool>,
    edge_bit: Vec<u8>,
    /// Per distinct feature of a path: its column and `1 − z`.
    feat: Vec<u32>,
    one_minus_z: Vec<f64>,
    /// Per leaf and mask `M`: `Z(P∖M)` and `H(M)`.
    zc: Vec<f64>,
    h: Vec<f64>,
}

/// The size of a tree's leaf tables (Σ over leaves of 2^d), or `None` when some path has
/// more than `max_features` distinct features or the tables would pass `TREE_TABLE_MAX`.
fn table_size(tree: &Tree, max_features: usize) -> Option<usize> {
    let mut size = 0usize;
    let mut stack: Vec<(usize, Vec<usize>)> = vec![(0, Vec::new())];
    while let Some((n, mut feats)) = stack.pop() {
        if tree.left[n] == LEAF {
            size += 1 << feats.len();
            if size > TREE_TABLE_MAX {
                return None;
            }
            continue;
        }
        let f = tree.feature[n];
        if !feats.contains(&f) {
            feats.push(f);
            if feats.len() > max_features {
                return None;
            }
        }
        stack.push((tree.right[n], feats.clone()));
        stack.push((tree.left[n], feats));
    }
    Some(size)
}

impl LeafTables {
    fn add_tree(&mut self, index: usize, tree: &Tree, output: usize, scale: f64) -> Result<()> {
        let base = self.n_nodes;
        let node_slot =
            |n: usize| u32::try_from(base + n).map_err(|_| Error::invalid_arg("trees", "more than 2^32 nodes in one group of trees"));
        self.trees.push((index, base));
        self.n_nodes += tree.n_nodes();
        // Depth-first over root-to-leaf paths: (node, edges so far as (parent, went left)).
        let mut stack: Vec<(usize, Vec<(usize, bool)>)> = vec![(0, Vec::new())];
        let mut scratch = Vec::new();
        while let Some((n, edges)) = stack.pop() {
            if tree.left[n] != LEAF {
                let mut l = edges.clone();
                l.push((n, true));
                let mut r = edges;
                r.push((n, false));
                stack.push((tree.right[n], r));
                stack.push((tree.left[n], l));
                continue;
            }
            if edges.is_empty() {
                continue; // a stump: no feature moves the prediction
            }
            let mut feats: Vec<usize> = Vec::new();
            let mut z: Vec<f64> = Vec::new();
            self.edge_start.push(self.edge_node.len());
            for &(parent, left) in &edges {
                let f = tree.feature[parent];
                let child = if left { tree.left[parent] } else { tree.right[parent] };
                let frac = tree.weighted_n[child] / tree.weighted_n[parent];
                let bit = match feats.iter().position(|&g| g == f) {
                    Some(b) => {
                        z[b] *= frac;
                        b
                    }
                    None => {
                        feats.push(f);
                        z.push(frac);
                        feats.len() - 1
                    }
                };
                self.edge_node.push(node_slot(parent)?);
                self.edge_left.push(left);
                self.edge_bit.push(bit as u8);
            }
            self.value.push(tree.value_at(n)[output] * scale);
            self.feat_start.push(self.feat.len());
            for (&f, &zj) in feats.iter().zip(&z) {
                self.feat.push(f as u32);
                self.one_minus_z.push(1.0 - zj);
            }
            self.table_start.push(self.zc.len());
            push_tables(&z, &mut self.zc, &mut self.h, &mut scratch);
        }
        Ok(())
    }

    fn n_leaves(&self) -> usize {
        self.value.len()
    }

    /// Adds every leaf's share to `phi` for the row `x`; `left` is scratch space.
    fn apply(&self, trees: &[Tree], x: &[f64], phi: &mut [f64], left: &mut Vec<bool>) {
        left.clear();
        left.resize(self.n_nodes, false);
        for &(index, base) in &self.trees {
            let t = &trees[index];
            for n in 0..t.n_nodes() {
                if t.left[n] != LEAF {
                    left[base + n] = x[t.feature[n]] <= t.threshold[n];
                }
            }
        }
        let n_leaves = self.n_leaves();
        for leaf in 0..n_leaves {
            let (e0, e1) = (self.edge_start[leaf], self.edge_start.get(leaf + 1).copied().unwrap_or(self.edge_node.len()));
            let (f0, f1) = (self.feat_start[leaf], self.feat_start.get(leaf + 1).copied().unwrap_or(self.feat.len()));
            let d = f1 - f0;
            let mut mask: usize = (1 << d) - 1;
            for e in e0..e1 {
                if left[self.edge_node[e] as usize] != self.edge_left[e] {
                    mask &= !(1usize << self.edge_bit[e]);
                }
            }
            let t0 = self.table_start[leaf];
            let base = self.value[leaf] * self.zc[t0 + mask];
            let out = base * self.h[t0 + mask];
            for k in 0..d {
                let f = self.feat[f0 + k] as usize;
                if mask >> k & 1 == 1 {
                    phi[f] += base * self.one_minus_z[f0 + k] * self.h[t0 + (mask ^ (1 << k))];
                } else {
                    phi[f] -= out;
                }
            }
        }
    }
}

/// Appends `Z(P∖M)` and `H(M)` for every mask `M` of a path with cover products `z`.
fn push_tables(z: &[f64], zc: &mut Vec<f64>, h: &mut Vec<f64>, scratch: &mut Vec<f64>) {
    let d = z.len();
    let size = 1usize << d;
    let full = size - 1;
    // Shapley weights w(k) = k!(d−k−1)!/d! = 1 / (d · C(d−1, k)); zero past d − 1.
    let mut w = vec![0.0; d + 2];
    let mut binom = 1.0;
    for (k, wk) in w.iter_mut().enumerate().take(d) {
        *wk = 1.0 / (d as f64 * binom);
        binom = binom * (d - 1 - k) as f64 / (k + 1) as f64;
    }
    // Z over subsets, then its complement.
    let start = zc.len();
    let mut zin = vec![1.0; size];
    for m in 1..size {
        let k = m.trailing_zeros() as usize;
        zin[m] = zin[m & (m - 1)] * z[k];
    }
    zc.extend((0..size).map(|m| zin[full ^ m]));
    debug_assert_eq!(zc.len(), start + size);
    // H_s(T) for s = 0..=d, row-major by mask.
    let width = d + 2;
    scratch.clear();
    scratch.resize(size * width, 0.0);
    scratch[..width].copy_from_slice(&w[..width]);
    for m in 1..size {
        let k = m.trailing_zeros() as usize;
        let t = m & (m - 1);
        let zk = z[k];
        let top = d + 1 - (m.count_ones() as usize);
        for s_ in 0..top.min(width - 1) {
            scratch[m * width + s_] = zk * scratch[t * width + s_] + scratch[t * width + s_ + 1];
        }
    }
    h.extend((0..size).map(|m| scratch[m * width]));
}

/// SHAP values of the mean of `trees` (output column `output` of their leaf values) for
/// every row of `x`: rows in parallel, trees in order, so results do not depend on the
/// number of threads. Trees up to [`MAX_TABLE_FEATURES`] distinct features per path use
/// the leaf tables, deeper ones the path recursion.
pub(crate) fn tree_shap(trees: &[Tree], output: usize, x: &ArrayView2<f64>, names: &[String]) -> Result<ShapValues> {
    shap_with(trees, output, x, names, MAX_TABLE_FEATURES)
}

/// [`tree_shap`] with leaf tables for paths of up to `max_features` distinct features
/// (0: the path recursion for every tree).
fn shap_with(trees: &[Tree], output: usize, x: &ArrayView2<f64>, names: &[String], max_features: usize) -> Result<ShapValues> {
    crate::error::check::non_empty("trees", trees.len())?;
    let p = trees[0].n_features();
    if x.ncols() != p {
        return Err(Error::ShapeMismatch { what: "x".into(), expected: format!("(rows, {p})"), got: x.shape().to_vec() });
    }
    if trees.iter().any(|t| t.weighted_n.iter().any(|&w| !(w > 0.0))) {
        return Err(Error::invalid_arg("trees", "TreeSHAP needs a positive sample weight (cover) at every node"));
    }
    let scale = 1.0 / trees.len() as f64;
    let mut values = Array2::zeros((x.nrows(), p));
    // Consecutive runs of trees by algorithm; table runs split further to bound memory.
    let mut start = 0;
    while start < trees.len() {
        let mut tables = LeafTables::default();
        let mut end = start;
        let mut size = 0usize;
        while end < trees.len() {
            match table_size(&trees[end], max_features) {
                Some(s) if tables.trees.is_empty() || size + s <= TABLE_CHUNK => {
                    tables.add_tree(end, &trees[end], output, scale)?;
                    size += s;
                    end += 1;
                }
                _ => break,
            }
        }
        if end > start {
            values.axis_iter_mut(ndarray::Axis(0)).into_par_iter().enumerate().for_each_init(
                || (Vec::new(), vec![0.0; p]),
                |(left, phi), (i, mut out)| {
                    let row = x.row(i).to_vec();
                    phi.iter_mut().zip(out.iter()).for_each(|(a, b)| *a = *b);
                    tables.apply(trees, &row, phi, left);
                    out.assign(&ndarray::ArrayView1::from(&phi[..]));
                },
            );
        } else {
            // Deep trees, up to the next one that takes the tables.
            while end < trees.len() && table_size(&trees[end], max_features).is_none() {
                end += 1;
            }
            let deep = &trees[start..end];
            let max_depth = deep.iter().map(Tree::depth).max().unwrap_or(0);
            values.axis_iter_mut(ndarray::Axis(0)).into_par_iter().enumerate().for_each_init(
                || vec![vec![PathElem::default(); max_depth + 2]; max_depth + 2],
                |paths, (i, mut out)| {
                    let row = x.row(i).to_vec();
                    let mut phi = out.to_vec();
                    for t in deep {
                        Walk { tree: t, x: &row, output, scale, phi: &mut phi, paths }.recurse(0, 0, 0, 1.0, 1.0, NO_FEATURE);
                    }
                    out.assign(&ndarray::ArrayView1::from(&phi));
                },
            );
        }
        start = end;
    }
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

    /// The leaf tables against the path recursion on random forests: few features (paths
    /// that split on one feature several times) and many, depths 1 to unlimited, classifier
    /// and regressor outputs, and forests that mix shallow and deep trees (runs of each
    /// algorithm, and table groups split by size).
    #[test]
    fn leaf_tables_match_the_path_recursion() {
        use crate::trees::RandomForestRegressor;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        for &(p, n) in &[(3usize, 200usize), (12, 300)] {
            let x = Array2::from_shape_fn((n, p), |_| rng.random_range(-2.0..2.0f64));
            let y: Vec<f64> =
                (0..n).map(|i| x[[i, 0]] * x[[i, 1 % p]] + (x[[i, 2]] > 0.3) as u8 as f64 + 0.3 * rng.random::<f64>()).collect();
            let yc: Vec<f64> = y.iter().map(|v| (*v > 0.5) as u8 as f64).collect();
            let names: Vec<String> = (0..p).map(|j| format!("f{j}")).collect();
            let mut mixed: Vec<Tree> = Vec::new();
            for depth in [Some(1), Some(3), Some(6), Some(10), None] {
                let mut params = RandomForestRegressor::params().n_estimators(4).seed(depth.unwrap_or(0) as u64);
                if let Some(d) = depth {
                    params = params.max_depth(d);
                }
                let rf = params.fit(&x, &y).unwrap();
                mixed.extend(rf.trees().iter().cloned());
                let mut params = RandomForestClassifier::params().n_estimators(4).seed(7);
                if let Some(d) = depth {
                    params = params.max_depth(d);
                }
                let rc = params.fit(&x, &yc).unwrap();
                for (trees, output) in [(rf.trees(), 0), (rc.trees(), 1)] {
                    let fast = shap_with(trees, output, &x.view(), &names, MAX_TABLE_FEATURES).unwrap();
                    let slow = shap_with(trees, output, &x.view(), &names, 0).unwrap();
                    let worst = (fast.values() - slow.values()).iter().fold(0.0f64, |m, v| m.max(v.abs()));
                    assert!(worst < 1e-10, "p {p}, depth {depth:?}, output {output}: {worst:e}");
                }
            }
            // Shallow and deep trees in one forest; with a small MAX some groups recurse.
            for max in [MAX_TABLE_FEATURES, 4, 2] {
                let fast = shap_with(&mixed, 0, &x.view(), &names, max).unwrap();
                let slow = shap_with(&mixed, 0, &x.view(), &names, 0).unwrap();
                let worst = (fast.values() - slow.values()).iter().fold(0.0f64, |m, v| m.max(v.abs()));
                assert!(worst < 1e-10, "mixed forest, p {p}, max {max}: {worst:e}");
            }
        }
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
