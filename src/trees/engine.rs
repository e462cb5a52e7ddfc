//! The CART engine shared by every tree in the crate.
//!
//! A tree is grown depth first, the way scikit-learn's `DepthFirstTreeBuilder` and
//! `BestSplitter` do it: at each node the candidate features are drawn without
//! replacement (features that are constant in the node do not count towards
//! `max_features`), the node's samples are sorted by each candidate, and every boundary
//! between two distinct values (more than 1e-7 apart) that leaves `min_samples_leaf`
//! samples on both sides is scored. The threshold is the midpoint of the two values;
//! a row goes left when `x <= threshold`.
//!
//! What a split optimises is a [`Criterion`]: class counts for Gini and entropy, sums
//! for squared error, and (in the survival module) event counts for the log-rank
//! statistic. Samples carry weights, which is how a forest's bootstrap enters (a row
//! drawn three times has weight 3), exactly as in scikit-learn.

use crate::{Error, Result};
use ndarray::ArrayView2;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// Feature values closer than this are treated as equal when looking for split points
/// (scikit-learn's `FEATURE_THRESHOLD`).
pub(crate) const FEATURE_THRESHOLD: f64 = 1e-7;

/// Marks "no child" in [`Tree`]'s child arrays.
pub const LEAF: usize = usize::MAX;

/// What a split optimises. Statistics of a set of samples are a fixed-length vector of
/// sums (`stats_len` numbers) that can be added sample by sample and subtracted, so
/// the right child's statistics are the node's minus the left child's.
pub(crate) trait Criterion: Sync {
    /// Length of the statistics vector.
    fn stats_len(&self) -> usize;
    /// Length of a node's stored value.
    fn value_len(&self) -> usize;
    /// Adds sample `i` with weight `w` to `stats`.
    fn add(&self, stats: &mut [f64], i: usize, w: f64);
    /// Node impurity from its statistics and total weight.
    fn impurity(&self, stats: &[f64], w: f64) -> f64;
    /// A quantity that orders splits like the impurity decrease (bigger is better);
    /// the same proxy scikit-learn uses where there is one, so ties break alike.
    fn proxy(&self, left: &[f64], wl: f64, right: &[f64], wr: f64) -> f64;
    /// The node's stored value (class fractions, or the mean).
    fn value(&self, stats: &[f64], w: f64, out: &mut [f64]);

    /// The best boundary among the node's rows sorted by one feature (`pairs` holds
    /// (value, row)): rows `[..pos]` go left. Only boundaries between values more than
    /// [`FEATURE_THRESHOLD`] apart that leave `min_leaf` rows on each side count.
    /// Returns `(pos, score)`, bigger scores being better. The default keeps running
    /// statistics of the left part and scores each boundary with [`Criterion::proxy`].
    #[allow(clippy::too_many_arguments)]
    fn scan(
        &self,
        pairs: &[(f64, u32)],
        weights: &[f64],
        stats: &[f64],
        wn: f64,
        min_leaf: usize,
        left: &mut [f64],
        right: &mut [f64],
        _rng: &mut ChaCha8Rng,
    ) -> Option<(usize, f64)> {
        let n = pairs.len();
        left.iter_mut().for_each(|v| *v = 0.0);
        let mut wl = 0.0;
        let mut best: Option<(usize, f64)> = None;
        for pos in 1..n {
            let (_, i) = pairs[pos - 1];
            let w = weights[i as usize];
            self.add(left, i as usize, w);
            wl += w;
            if !boundary(pairs, pos, min_leaf) {
                continue;
            }
            let wr = wn - wl;
            if wl <= 0.0 || wr <= 0.0 {
                continue;
            }
            for ((r, t), l) in right.iter_mut().zip(stats).zip(left.iter()) {
                *r = t - l;
            }
            let proxy = self.proxy(left, wl, right, wr);
            if best.is_none_or(|b| proxy > b.1) {
                best = Some((pos, proxy));
            }
        }
        best
    }
}

/// Whether `pos` (rows `[..pos]` left) separates distinct values and leaves `min_leaf`
/// rows on each side.
#[inline]
pub(crate) fn boundary(pairs: &[(f64, u32)], pos: usize, min_leaf: usize) -> bool {
    pos >= min_leaf && pairs.len() - pos >= min_leaf && pairs[pos].0 > pairs[pos - 1].0 + FEATURE_THRESHOLD
}

/// Gini or entropy impurity over `k` classes; targets are class indices as `f64`.
pub(crate) struct ClassCriterion<'a> {
    pub y: &'a [u32],
    pub k: usize,
    pub entropy: bool,
}

impl Criterion for ClassCriterion<'_> {
    fn stats_len(&self) -> usize {
        self.k
    }
    fn value_len(&self) -> usize {
        self.k
    }
    #[inline]
    fn add(&self, stats: &mut [f64], i: usize, w: f64) {
        stats[self.y[i] as usize] += w;
    }
    fn impurity(&self, stats: &[f64], w: f64) -> f64 {
        if w <= 0.0 {
            return 0.0;
        }
        if self.entropy {
            -stats.iter().filter(|&&c| c > 0.0).map(|&c| (c / w) * (c / w).log2()).sum::<f64>()
        } else {
            1.0 - stats.iter().map(|&c| (c / w) * (c / w)).sum::<f64>()
        }
    }
    #[inline]
    fn proxy(&self, left: &[f64], wl: f64, right: &[f64], wr: f64) -> f64 {
        if self.entropy {
            -wl * self.impurity(left, wl) - wr * self.impurity(right, wr)
        } else {
            let sl: f64 = left.iter().map(|c| c * c).sum();
            let sr: f64 = right.iter().map(|c| c * c).sum();
            sl / wl + sr / wr
        }
    }
    fn value(&self, stats: &[f64], w: f64, out: &mut [f64]) {
        for (o, c) in out.iter_mut().zip(stats) {
            *o = if w > 0.0 { c / w } else { 0.0 };
        }
    }
}

/// Squared error (variance) impurity; the value is the weighted mean.
pub(crate) struct MseCriterion<'a> {
    pub y: &'a [f64],
}

impl Criterion for MseCriterion<'_> {
    fn stats_len(&self) -> usize {
        2
    }
    fn value_len(&self) -> usize {
        1
    }
    #[inline]
    fn add(&self, stats: &mut [f64], i: usize, w: f64) {
        let y = self.y[i];
        stats[0] += w * y;
        stats[1] += w * y * y;
    }
    fn impurity(&self, stats: &[f64], w: f64) -> f64 {
        if w <= 0.0 {
            return 0.0;
        }
        let m = stats[0] / w;
        (stats[1] / w - m * m).max(0.0)
    }
    #[inline]
    fn proxy(&self, left: &[f64], wl: f64, right: &[f64], wr: f64) -> f64 {
        left[0] * left[0] / wl + right[0] * right[0] / wr
    }
    fn value(&self, stats: &[f64], w: f64, out: &mut [f64]) {
        out[0] = if w > 0.0 { stats[0] / w } else { 0.0 };
    }
}

/// Growth limits after counts and fractions have been resolved against the data.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub max_depth: usize,
    pub min_samples_split: usize,
    pub min_samples_leaf: usize,
    pub max_features: usize,
    pub min_impurity_decrease: f64,
}

/// A fitted binary tree in flat arrays (scikit-learn's `tree_` layout): node 0 is the
/// root, nodes are numbered in depth-first order (a node, its left subtree, its right
/// subtree), leaves have [`LEAF`] as both children.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Tree {
    pub(crate) left: Vec<usize>,
    pub(crate) right: Vec<usize>,
    pub(crate) feature: Vec<usize>,
    pub(crate) threshold: Vec<f64>,
    pub(crate) impurity: Vec<f64>,
    pub(crate) n_samples: Vec<usize>,
    pub(crate) weighted_n: Vec<f64>,
    pub(crate) value: Vec<f64>,
    pub(crate) value_len: usize,
    pub(crate) n_features: usize,
}

/// One node of a [`Tree`], borrowed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Node<'a> {
    /// Node index.
    pub id: usize,
    /// Split feature (column index), `None` for a leaf.
    pub feature: Option<usize>,
    /// Split threshold: rows with `x[feature] <= threshold` go left (−2 at leaves, as in
    /// scikit-learn).
    pub threshold: f64,
    /// Left and right children, `None` for a leaf.
    pub children: Option<(usize, usize)>,
    /// Impurity of the node (Gini, entropy, variance, ...).
    pub impurity: f64,
    /// Number of distinct training rows that reached the node.
    pub n_samples: usize,
    /// Their total weight (with bootstrap: the number of draws).
    pub weighted_n_samples: f64,
    /// The node's value: class fractions for classification, the mean for regression.
    pub value: &'a [f64],
}

impl Tree {
    /// Number of nodes.
    pub fn n_nodes(&self) -> usize {
        self.left.len()
    }
    /// Number of leaves.
    pub fn n_leaves(&self) -> usize {
        self.left.iter().filter(|&&l| l == LEAF).count()
    }
    /// Number of feature columns the tree was fitted on.
    pub fn n_features(&self) -> usize {
        self.n_features
    }
    /// Length of each node's value (number of classes, or 1).
    pub fn value_len(&self) -> usize {
        self.value_len
    }
    /// Depth: the number of splits on the longest root-to-leaf path (0 for a stump leaf).
    pub fn depth(&self) -> usize {
        let mut best = 0;
        let mut stack = vec![(0usize, 0usize)];
        while let Some((n, d)) = stack.pop() {
            if self.left[n] == LEAF {
                best = best.max(d);
            } else {
                stack.push((self.left[n], d + 1));
                stack.push((self.right[n], d + 1));
            }
        }
        best
    }
    /// Node `id`, or `None` past the end.
    pub fn node(&self, id: usize) -> Option<Node<'_>> {
        if id >= self.n_nodes() {
            return None;
        }
        let leaf = self.left[id] == LEAF;
        Some(Node {
            id,
            feature: (!leaf).then_some(self.feature[id]),
            threshold: self.threshold[id],
            children: (!leaf).then_some((self.left[id], self.right[id])),
            impurity: self.impurity[id],
            n_samples: self.n_samples[id],
            weighted_n_samples: self.weighted_n[id],
            value: &self.value[id * self.value_len..(id + 1) * self.value_len],
        })
    }
    /// All nodes in index order.
    pub fn nodes(&self) -> impl Iterator<Item = Node<'_>> + '_ {
        (0..self.n_nodes()).filter_map(|i| self.node(i))
    }
    /// The leaf that a row falls into. The row must have `n_features` finite values
    /// (checked by the public predict methods).
    #[inline]
    pub(crate) fn leaf_of(&self, row: impl Fn(usize) -> f64) -> usize {
        let mut n = 0;
        while self.left[n] != LEAF {
            n = if row(self.feature[n]) <= self.threshold[n] { self.left[n] } else { self.right[n] };
        }
        n
    }
    /// The value stored at node `n`.
    #[inline]
    pub(crate) fn value_at(&self, n: usize) -> &[f64] {
        &self.value[n * self.value_len..(n + 1) * self.value_len]
    }

    /// Builds a tree from scikit-learn's `tree_` arrays (`children_left`,
    /// `children_right` with −1 for leaves, `feature`, `threshold`, `value` flattened
    /// row by row, `n_node_samples`, `weighted_n_node_samples`, `impurity`), so trees
    /// fitted elsewhere can be explained and drawn here. Checked: lengths agree,
    /// children point forward inside the array, features are in range, thresholds are
    /// finite at split nodes.
    #[allow(clippy::too_many_arguments)]
    pub fn from_arrays(
        children_left: &[i64],
        children_right: &[i64],
        feature: &[i64],
        threshold: &[f64],
        value: &[f64],
        n_node_samples: &[usize],
        weighted_n_node_samples: &[f64],
        impurity: &[f64],
        n_features: usize,
    ) -> Result<Tree> {
        let n = children_left.len();
        crate::error::check::non_empty("children_left", n)?;
        for (what, len) in [
            ("children_right", children_right.len()),
            ("feature", feature.len()),
            ("threshold", threshold.len()),
            ("n_node_samples", n_node_samples.len()),
            ("weighted_n_node_samples", weighted_n_node_samples.len()),
            ("impurity", impurity.len()),
        ] {
            crate::error::check::same_len(&format!("children_left vs {what}"), n, len)?;
        }
        if !value.len().is_multiple_of(n) || value.is_empty() {
            return Err(Error::invalid_arg("value", format!("{} numbers cannot be split evenly over {n} nodes", value.len())));
        }
        let value_len = value.len() / n;
        let mut left = vec![LEAF; n];
        let mut right = vec![LEAF; n];
        let mut feat = vec![0usize; n];
        for i in 0..n {
            let (l, r) = (children_left[i], children_right[i]);
            if (l < 0) != (r < 0) {
                return Err(Error::invalid_arg("children", format!("node {i} has one child only")));
            }
            if l >= 0 {
                if l as usize <= i || r as usize <= i || l as usize >= n || r as usize >= n {
                    return Err(Error::invalid_arg("children", format!("node {i} has children {l}, {r} outside {}..{n}", i + 1)));
                }
                if feature[i] < 0 || feature[i] as usize >= n_features {
                    return Err(Error::invalid_arg("feature", format!("node {i} splits on feature {} of {n_features}", feature[i])));
                }
                if !threshold[i].is_finite() {
                    return Err(Error::invalid_arg("threshold", format!("node {i} has threshold {}", threshold[i])));
                }
                left[i] = l as usize;
                right[i] = r as usize;
                feat[i] = feature[i] as usize;
            }
        }
        Ok(Tree {
            left,
            right,
            feature: feat,
            threshold: threshold.to_vec(),
            impurity: impurity.to_vec(),
            n_samples: n_node_samples.to_vec(),
            weighted_n: weighted_n_node_samples.to_vec(),
            value: value.to_vec(),
            value_len,
            n_features,
        })
    }

    /// Impurity-decrease importance of each feature, unnormalised: the sum over the
    /// node's splits of `w·imp − w_l·imp_l − w_r·imp_r`.
    pub(crate) fn raw_importances(&self) -> Vec<f64> {
        let mut imp = vec![0.0; self.n_features];
        for i in 0..self.n_nodes() {
            let (l, r) = (self.left[i], self.right[i]);
            if l != LEAF {
                imp[self.feature[i]] += self.weighted_n[i] * self.impurity[i]
                    - self.weighted_n[l] * self.impurity[l]
                    - self.weighted_n[r] * self.impurity[r];
            }
        }
        imp
    }
}

/// Scratch buffers reused across nodes.
struct Scratch {
    pairs: Vec<(f64, u32)>,
    best_pairs: Vec<(f64, u32)>,
    left: Vec<f64>,
    right: Vec<f64>,
    features: Vec<usize>,
}

/// A node waiting to be split: its samples are `samples[start..end]`.
struct Pending {
    start: usize,
    end: usize,
    depth: usize,
    parent: Option<(usize, bool)>,
    impurity: Option<f64>,
}

/// The best split found at a node.
struct Split {
    feature: usize,
    threshold: f64,
    pos: usize,
    proxy: f64,
}

/// Grows a tree on the columns `cols` (column-major feature values, finite), over the
/// rows with positive weight in `weights`.
pub(crate) fn grow<C: Criterion>(
    cols: &[Vec<f64>],
    weights: &[f64],
    crit: &C,
    limits: Limits,
    rng: &mut ChaCha8Rng,
) -> Tree {
    let p = cols.len();
    let mut samples: Vec<u32> = (0..weights.len() as u32).filter(|&i| weights[i as usize] > 0.0).collect();
    let sl = crit.stats_len();
    let vl = crit.value_len();
    let mut tree = Tree {
        left: Vec::new(),
        right: Vec::new(),
        feature: Vec::new(),
        threshold: Vec::new(),
        impurity: Vec::new(),
        n_samples: Vec::new(),
        weighted_n: Vec::new(),
        value: Vec::new(),
        value_len: vl,
        n_features: p,
    };
    let mut scratch = Scratch {
        pairs: Vec::with_capacity(samples.len()),
        best_pairs: Vec::with_capacity(samples.len()),
        left: vec![0.0; sl],
        right: vec![0.0; sl],
        features: (0..p).collect(),
    };
    let mut stats = vec![0.0; sl];
    let mut val = vec![0.0; vl];
    let mut stack = vec![Pending { start: 0, end: samples.len(), depth: 0, parent: None, impurity: None }];
    while let Some(node) = stack.pop() {
        let idx = &samples[node.start..node.end];
        let n = idx.len();
        stats.iter_mut().for_each(|s| *s = 0.0);
        let mut wn = 0.0;
        for &i in idx {
            let w = weights[i as usize];
            crit.add(&mut stats, i as usize, w);
            wn += w;
        }
        let impurity = node.impurity.unwrap_or_else(|| crit.impurity(&stats, wn));
        crit.value(&stats, wn, &mut val);
        let id = tree.left.len();
        tree.left.push(LEAF);
        tree.right.push(LEAF);
        tree.feature.push(0);
        tree.threshold.push(-2.0); // scikit-learn's TREE_UNDEFINED at leaves
        tree.impurity.push(impurity);
        tree.n_samples.push(n);
        tree.weighted_n.push(wn);
        tree.value.extend_from_slice(&val);
        if let Some((parent, is_left)) = node.parent {
            if is_left {
                tree.left[parent] = id;
            } else {
                tree.right[parent] = id;
            }
        }
        let may_split = node.depth < limits.max_depth
            && n >= limits.min_samples_split
            && n >= 2 * limits.min_samples_leaf
            && impurity > f64::EPSILON;
        if !may_split {
            continue;
        }
        let Some(split) = best_split(cols, weights, crit, &stats, wn, &samples[node.start..node.end], limits, rng, &mut scratch)
        else {
            continue;
        };
        // Reorder the node's samples: left part first, in the sorted order of the split feature.
        let seg = &mut samples[node.start..node.end];
        for (k, &(_, i)) in scratch.best_pairs.iter().enumerate() {
            seg[k] = i;
        }
        // Children impurities and the improvement (scikit-learn's formula).
        let (mut sl_stats, mut sr_stats) = (vec![0.0; sl], vec![0.0; sl]);
        let (mut wl, mut wr) = (0.0, 0.0);
        for &i in &seg[..split.pos] {
            let w = weights[i as usize];
            crit.add(&mut sl_stats, i as usize, w);
            wl += w;
        }
        for &i in &seg[split.pos..] {
            let w = weights[i as usize];
            crit.add(&mut sr_stats, i as usize, w);
            wr += w;
        }
        let (il, ir) = (crit.impurity(&sl_stats, wl), crit.impurity(&sr_stats, wr));
        let total_w: f64 = tree.weighted_n[0];
        let improvement = wn / total_w * (impurity - wl / wn * il - wr / wn * ir);
        if improvement + f64::EPSILON < limits.min_impurity_decrease {
            continue;
        }
        let _ = split.proxy;
        tree.feature[id] = split.feature;
        tree.threshold[id] = split.threshold;
        let mid = node.start + split.pos;
        stack.push(Pending { start: mid, end: node.end, depth: node.depth + 1, parent: Some((id, false)), impurity: Some(ir) });
        stack.push(Pending { start: node.start, end: mid, depth: node.depth + 1, parent: Some((id, true)), impurity: Some(il) });
    }
    tree
}

#[allow(clippy::too_many_arguments)]
fn best_split<C: Criterion>(
    cols: &[Vec<f64>],
    weights: &[f64],
    crit: &C,
    stats: &[f64],
    wn: f64,
    idx: &[u32],
    limits: Limits,
    rng: &mut ChaCha8Rng,
    s: &mut Scratch,
) -> Option<Split> {
    let p = cols.len();
    let n = idx.len();
    let min_leaf = limits.min_samples_leaf.max(1);
    let mut best: Option<Split> = None;
    let mut visited = 0usize;
    // Fisher–Yates: features[..f] are drawn, features[f..] are not yet.
    let feats = &mut s.features;
    for f in 0..p {
        if visited >= limits.max_features {
            break;
        }
        let j = rng.random_range(f..p);
        feats.swap(f, j);
        let feat = feats[f];
        let col = &cols[feat];
        s.pairs.clear();
        s.pairs.extend(idx.iter().map(|&i| (col[i as usize], i)));
        if s.pairs.len() > 256 {
            radsort::sort_by_key(&mut s.pairs, |p| p.0);
        } else {
            s.pairs.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        }
        if s.pairs[n - 1].0 <= s.pairs[0].0 + FEATURE_THRESHOLD {
            continue; // constant in this node: does not count towards max_features
        }
        visited += 1;
        let mut improved = false;
        if let Some((pos, proxy)) = crit.scan(&s.pairs, weights, stats, wn, min_leaf, &mut s.left, &mut s.right, rng)
            && best.as_ref().is_none_or(|b| proxy > b.proxy)
        {
            let (a, b) = (s.pairs[pos - 1].0, s.pairs[pos].0);
            let mut thr = a / 2.0 + b / 2.0;
            if thr == b || !thr.is_finite() {
                thr = a;
            }
            best = Some(Split { feature: feat, threshold: thr, pos, proxy });
            improved = true;
        }
        if improved {
            std::mem::swap(&mut s.pairs, &mut s.best_pairs);
        }
    }
    best
}

/// Column-major copy of `x`, checking that every value is finite; the error names the
/// column (by name when names are given) and the first bad row.
pub(crate) fn columns(x: &ArrayView2<f64>, names: &[String]) -> Result<Vec<Vec<f64>>> {
    let (n, p) = x.dim();
    crate::error::check::non_empty("x (rows)", n)?;
    crate::error::check::non_empty("x (columns)", p)?;
    let mut out = Vec::with_capacity(p);
    for j in 0..p {
        let col: Vec<f64> = x.column(j).to_vec();
        if let Some(i) = col.iter().position(|v| !v.is_finite()) {
            let name = names.get(j).cloned().unwrap_or_else(|| format!("{j}"));
            return Err(Error::InvalidValue {
                what: format!("feature '{name}'"),
                value: format!("{}", col[i]),
                index: i,
                reason: "trees need finite features: impute missing values first (ai4med::impute)".into(),
            });
        }
        out.push(col);
    }
    Ok(out)
}

/// Checks a prediction input: the right number of columns, all finite.
pub(crate) fn check_predict(x: &ArrayView2<f64>, n_features: usize, names: &[String]) -> Result<()> {
    if x.ncols() != n_features {
        return Err(Error::ShapeMismatch { what: "x".into(), expected: format!("(rows, {n_features})"), got: x.shape().to_vec() });
    }
    for ((i, j), v) in x.indexed_iter() {
        if !v.is_finite() {
            let name = names.get(j).cloned().unwrap_or_else(|| format!("{j}"));
            return Err(Error::InvalidValue {
                what: format!("feature '{name}'"),
                value: format!("{v}"),
                index: i,
                reason: "trees need finite features: impute missing values first (ai4med::impute)".into(),
            });
        }
    }
    Ok(())
}
