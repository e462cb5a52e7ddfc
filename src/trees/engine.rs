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
//!
//! Speed: before any tree grows, every feature value is replaced by its rank among the
//! column's distinct values ([`Ranked`], once per forest). A node then sorts 8-byte
//! `(rank, row)` keys — a two-pass radix sort on 16-bit ranks, or a primitive sort for
//! small nodes — instead of `(f64, row)` pairs, and the original values are looked up
//! only where a boundary or threshold needs them. Ranks are of exact values, so the
//! boundaries, thresholds and trees are the same as sorting the values themselves
//! (measured in `benches/README.md`). Hand-written because no crate ranks once and
//! sorts per node this way; scikit-learn sorts the float values at every node.

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

    /// The best boundary among the node's rows sorted by one feature: rows `[..pos]`
    /// go left. Only boundaries between values more than [`FEATURE_THRESHOLD`] apart
    /// that leave `min_leaf` rows on each side count ([`Sorted::boundary`]).
    /// Returns `(pos, score)`, bigger scores being better. The default keeps running
    /// statistics of the left part and scores each boundary with [`Criterion::proxy`].
    #[allow(clippy::too_many_arguments)]
    fn scan(
        &self,
        sorted: Sorted<'_>,
        weights: &[f64],
        stats: &[f64],
        wn: f64,
        min_leaf: usize,
        left: &mut [f64],
        right: &mut [f64],
        _rng: &mut ChaCha8Rng,
    ) -> Option<(usize, f64)> {
        scan_running(self, sorted, weights, stats, wn, min_leaf, left, right)
    }
}

/// [`Criterion::scan`]'s default: running statistics of the left part, each boundary
/// scored with [`Criterion::proxy`].
#[allow(clippy::too_many_arguments)]
fn scan_running<C: Criterion + ?Sized>(
    crit: &C,
    sorted: Sorted<'_>,
    weights: &[f64],
    stats: &[f64],
    wn: f64,
    min_leaf: usize,
    left: &mut [f64],
    right: &mut [f64],
) -> Option<(usize, f64)> {
    let n = sorted.len();
    left.iter_mut().for_each(|v| *v = 0.0);
    let mut wl = 0.0;
    let mut best: Option<(usize, f64)> = None;
    for pos in 1..n {
        let i = sorted.row(pos - 1);
        let w = weights[i];
        crit.add(left, i, w);
        wl += w;
        if !sorted.boundary(pos, min_leaf) {
            continue;
        }
        let wr = wn - wl;
        if wl <= 0.0 || wr <= 0.0 {
            continue;
        }
        for ((r, t), l) in right.iter_mut().zip(stats).zip(left.iter()) {
            *r = t - l;
        }
        let proxy = crit.proxy(left, wl, right, wr);
        if best.is_none_or(|b| proxy > b.1) {
            best = Some((pos, proxy));
        }
    }
    best
}

/// Feature columns ranked once for split search: row `i`'s value of feature `j` is
/// `uniq[j][r]`, `r` its rank among the column's distinct values (sorted, exact
/// equality), and `code[j][i] = 2r + near`, where `near` says that the next distinct
/// value is not more than [`FEATURE_THRESHOLD`] above this one. Rows and ranks must fit
/// in 31 bits (2³¹ rows of one feature would take 16 GB).
pub(crate) struct Ranked {
    code: Vec<Vec<u32>>,
    uniq: Vec<Vec<f64>>,
}

impl Ranked {
    /// Ranks finite columns (as [`columns`] returns them).
    pub(crate) fn new(cols: &[Vec<f64>]) -> Ranked {
        let (code, uniq) = cols
            .iter()
            .map(|col| {
                let mut order: Vec<u32> = (0..col.len() as u32).collect();
                order.sort_unstable_by(|&a, &b| col[a as usize].total_cmp(&col[b as usize]));
                let mut rank = vec![0u32; col.len()];
                let mut uniq: Vec<f64> = Vec::new();
                for &i in &order {
                    let v = col[i as usize];
                    // `==` rather than bits: -0.0 and 0.0 are one value, as in a float sort.
                    if uniq.last().is_none_or(|&u| u != v) {
                        uniq.push(v);
                    }
                    rank[i as usize] = (uniq.len() - 1) as u32;
                }
                let near: Vec<bool> =
                    (0..uniq.len()).map(|r| uniq.get(r + 1).is_some_and(|&next| next <= uniq[r] + FEATURE_THRESHOLD)).collect();
                let code = rank.iter().map(|&r| (r << 1) | u32::from(near[r as usize])).collect();
                (code, uniq)
            })
            .unzip();
        Ranked { code, uniq }
    }
    /// Number of features.
    pub(crate) fn len(&self) -> usize {
        self.code.len()
    }
    /// Row `i`'s sort key for feature `j` (see [`Sorted`]).
    #[inline]
    pub(crate) fn key(&self, j: usize, i: u32) -> u64 {
        let c = self.code[j][i as usize];
        (u64::from(c >> 1) << 32) | (u64::from(c & 1) << 31) | u64::from(i)
    }
    /// The distinct values of feature `j`, sorted.
    pub(crate) fn uniq(&self, j: usize) -> &[f64] {
        &self.uniq[j]
    }
}

/// A node's rows sorted by one feature: `keys[pos]` packs the row's rank (high 32 bits),
/// its `near` flag (bit 31, see [`Ranked`]) and the row (low 31 bits); `uniq` maps
/// ranks back to values.
#[derive(Clone, Copy)]
pub(crate) struct Sorted<'a> {
    pub keys: &'a [u64],
    pub uniq: &'a [f64],
}

impl Sorted<'_> {
    /// Number of rows.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }
    /// The row at sorted position `pos`.
    #[inline]
    pub(crate) fn row(&self, pos: usize) -> usize {
        (self.keys[pos] & 0x7fff_ffff) as usize
    }
    /// The feature value at sorted position `pos`.
    #[inline]
    pub(crate) fn value(&self, pos: usize) -> f64 {
        self.uniq[(self.keys[pos] >> 32) as usize]
    }
    /// Whether no two values are more than [`FEATURE_THRESHOLD`] apart (the feature is
    /// constant in the node and is not counted as drawn), read from the ranks and the
    /// `near` flag where they decide it, as in [`Sorted::boundary`].
    #[inline]
    pub(crate) fn is_constant(&self) -> bool {
        let (first, last) = (self.keys[0], self.keys[self.keys.len() - 1]);
        (first >> 32) == (last >> 32) || (first & (1 << 31) != 0 && self.value(self.keys.len() - 1) <= self.value(0) + FEATURE_THRESHOLD)
    }
    /// Whether `pos` (rows `[..pos]` left) separates values more than
    /// [`FEATURE_THRESHOLD`] apart and leaves `min_leaf` rows on each side
    /// (scikit-learn's `Xf[p] > Xf[p - 1] + FEATURE_THRESHOLD`). The values are only
    /// read when the lower one has a near neighbour: for ranks `a < b` without,
    /// `uniq[b] ≥ uniq[a + 1] > uniq[a] + ε`.
    #[inline]
    pub(crate) fn boundary(&self, pos: usize, min_leaf: usize) -> bool {
        let (lo, hi) = (self.keys[pos - 1], self.keys[pos]);
        pos >= min_leaf
            && self.keys.len() - pos >= min_leaf
            && (hi >> 32) != (lo >> 32)
            && (lo & (1 << 31) == 0 || self.value(pos) > self.value(pos - 1) + FEATURE_THRESHOLD)
    }
}

/// Sorts packed `(rank, row)` keys by rank (ties by row): a radix sort on the rank
/// above 64 keys (radsort skips the rank's zero high bytes), a primitive sort below
/// (on the forest benchmark, cut-offs from 32 to 256 measured alike, 1024 slower).
pub(crate) fn sort_keys(keys: &mut [u64]) {
    if keys.len() > 64 {
        radsort::sort_by_key(keys, |k| (k >> 32) as u32);
    } else {
        keys.sort_unstable();
    }
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
    /// Two classes under Gini (the commonest case) keep the left counts in registers and
    /// add without a branch on the class; the arithmetic is the default scan's, step for
    /// step (adding `0.0` to the other class changes nothing), so the splits are the same.
    fn scan(
        &self,
        sorted: Sorted<'_>,
        weights: &[f64],
        stats: &[f64],
        wn: f64,
        min_leaf: usize,
        left: &mut [f64],
        right: &mut [f64],
        _rng: &mut ChaCha8Rng,
    ) -> Option<(usize, f64)> {
        if self.entropy || self.k != 2 {
            return scan_running(self, sorted, weights, stats, wn, min_leaf, left, right);
        }
        let (t0, t1) = (stats[0], stats[1]);
        let (mut l0, mut l1, mut wl) = (0.0f64, 0.0f64, 0.0f64);
        let mut best: Option<(usize, f64)> = None;
        for pos in 1..sorted.len() {
            let i = sorted.row(pos - 1);
            let w = weights[i];
            let c = f64::from(self.y[i] & 1);
            l0 += w * (1.0 - c);
            l1 += w * c;
            wl += w;
            if !sorted.boundary(pos, min_leaf) {
                continue;
            }
            let wr = wn - wl;
            if wl <= 0.0 || wr <= 0.0 {
                continue;
            }
            let (r0, r1) = (t0 - l0, t1 - l1);
            let proxy = (0.0 + l0 * l0 + l1 * l1) / wl + (0.0 + r0 * r0 + r1 * r1) / wr;
            if best.is_none_or(|b| proxy > b.1) {
                best = Some((pos, proxy));
            }
        }
        best
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
    /// The split nodes gathered for prediction walks, built on first use.
    #[serde(skip)]
    pub(crate) walk: WalkCache,
}

/// One node as a prediction walk reads it: everything a step needs in 24 bytes, where
/// [`Tree`]'s parallel arrays would cost four loads from four places (`left` is
/// [`WALK_LEAF`] at leaves).
#[derive(Clone, Copy, Debug)]
pub(crate) struct WalkNode {
    threshold: f64,
    feature: u32,
    left: u32,
    right: u32,
}

const WALK_LEAF: u32 = u32::MAX;

/// [`Tree`]'s walk nodes, derived from its arrays on first use; not serialised, and
/// two caches always compare equal (the arrays carry the tree).
#[derive(Clone, Default)]
pub(crate) struct WalkCache(std::sync::OnceLock<Vec<WalkNode>>);

impl PartialEq for WalkCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl std::fmt::Debug for WalkCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WalkCache")
    }
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
        let walk = self.walk_nodes();
        let mut n = 0usize;
        loop {
            let node = walk[n];
            if node.left == WALK_LEAF {
                return n;
            }
            n = if row(node.feature as usize) <= node.threshold { node.left } else { node.right } as usize;
        }
    }
    /// The walk nodes (built once; node counts and features fit in `u32` because a
    /// tree's arrays would not fit in memory otherwise).
    fn walk_nodes(&self) -> &[WalkNode] {
        self.walk.0.get_or_init(|| {
            (0..self.n_nodes())
                .map(|n| {
                    let leaf = self.left[n] == LEAF;
                    WalkNode {
                        threshold: self.threshold[n],
                        feature: if leaf { 0 } else { self.feature[n] as u32 },
                        left: if leaf { WALK_LEAF } else { self.left[n] as u32 },
                        right: if leaf { WALK_LEAF } else { self.right[n] as u32 },
                    }
                })
                .collect()
        })
    }
    /// The leaves of several rows (`leaves[k]` for `rows[k]`; `x(row, feature)` reads a
    /// value, which must be finite). Eight rows walk the tree in lockstep, so the loads
    /// of different rows overlap where one walk alone waits on each node before it can
    /// read the next; the leaves are the ones [`Tree::leaf_of`] finds.
    pub(crate) fn leaves_of(&self, rows: &[usize], x: impl Fn(usize, usize) -> f64, leaves: &mut Vec<usize>) {
        const LANES: usize = 8;
        let walk = self.walk_nodes();
        leaves.clear();
        for chunk in rows.chunks(LANES) {
            let mut node = [0u32; LANES];
            let lanes = &mut node[..chunk.len()];
            loop {
                let mut moved = false;
                for (n, &r) in lanes.iter_mut().zip(chunk) {
                    let w = walk[*n as usize];
                    if w.left != WALK_LEAF {
                        *n = if x(r, w.feature as usize) <= w.threshold { w.left } else { w.right };
                        moved = true;
                    }
                }
                if !moved {
                    break;
                }
            }
            leaves.extend(lanes.iter().map(|&n| n as usize));
        }
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
            walk: WalkCache::default(),
        })
    }

    /// Impurity-decrease importance of each feature, unnormalised: the sum over the
    /// node's splits of `w·imp − w_l·imp_l − w_r·imp_r`.
    pub(crate) fn raw_importances(&self) -> Vec<f64> {
        let mut imp = vec![0.0; self.n_features];
        for i in 0..self.n_nodes() {
            let (l, r) = (self.left[i], self.right[i]);
            if l != LEAF {
                imp[self.feature[i]] +=
                    self.weighted_n[i] * self.impurity[i] - self.weighted_n[l] * self.impurity[l] - self.weighted_n[r] * self.impurity[r];
            }
        }
        imp
    }
}

/// Scratch buffers reused across nodes.
struct Scratch {
    keys: Vec<u64>,
    best_keys: Vec<u64>,
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
    /// Statistics, total weight and impurity, when the parent's split computed them.
    known: Option<(Vec<f64>, f64, f64)>,
}

/// The best split found at a node.
struct Split {
    feature: usize,
    threshold: f64,
    pos: usize,
    proxy: f64,
}

/// Grows a tree on the ranked columns `cols`, over the rows with positive weight in
/// `weights`.
pub(crate) fn grow<C: Criterion>(cols: &Ranked, weights: &[f64], crit: &C, limits: Limits, rng: &mut ChaCha8Rng) -> Tree {
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
        walk: WalkCache::default(),
    };
    let mut scratch = Scratch {
        keys: Vec::with_capacity(samples.len()),
        best_keys: Vec::with_capacity(samples.len()),
        left: vec![0.0; sl],
        right: vec![0.0; sl],
        features: (0..p).collect(),
    };
    let mut stats = vec![0.0; sl];
    let mut val = vec![0.0; vl];
    let mut stack = vec![Pending { start: 0, end: samples.len(), depth: 0, parent: None, known: None }];
    while let Some(node) = stack.pop() {
        let n = node.end - node.start;
        let (wn, impurity) = match node.known {
            Some((known, wn, impurity)) => {
                stats.copy_from_slice(&known);
                (wn, impurity)
            }
            None => {
                stats.iter_mut().for_each(|s| *s = 0.0);
                let mut wn = 0.0;
                for &i in &samples[node.start..node.end] {
                    let w = weights[i as usize];
                    crit.add(&mut stats, i as usize, w);
                    wn += w;
                }
                (wn, crit.impurity(&stats, wn))
            }
        };
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
        let may_split =
            node.depth < limits.max_depth && n >= limits.min_samples_split && n >= 2 * limits.min_samples_leaf && impurity > f64::EPSILON;
        if !may_split {
            continue;
        }
        let Some(split) = best_split(cols, weights, crit, &stats, wn, &samples[node.start..node.end], limits, rng, &mut scratch) else {
            continue;
        };
        // Reorder the node's samples: left part first, in the sorted order of the split feature.
        let seg = &mut samples[node.start..node.end];
        for (k, &key) in scratch.best_keys.iter().enumerate() {
            seg[k] = (key & 0x7fff_ffff) as u32;
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
        stack.push(Pending {
            start: mid,
            end: node.end,
            depth: node.depth + 1,
            parent: Some((id, false)),
            known: Some((sr_stats, wr, ir)),
        });
        stack.push(Pending {
            start: node.start,
            end: mid,
            depth: node.depth + 1,
            parent: Some((id, true)),
            known: Some((sl_stats, wl, il)),
        });
    }
    tree
}

#[allow(clippy::too_many_arguments)]
fn best_split<C: Criterion>(
    cols: &Ranked,
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
        s.keys.clear();
        s.keys.extend(idx.iter().map(|&i| cols.key(feat, i)));
        sort_keys(&mut s.keys);
        let sorted = Sorted { keys: &s.keys, uniq: cols.uniq(feat) };
        if sorted.is_constant() {
            continue; // constant in this node: does not count towards max_features
        }
        visited += 1;
        let mut improved = false;
        if let Some((pos, proxy)) = crit.scan(sorted, weights, stats, wn, min_leaf, &mut s.left, &mut s.right, rng)
            && best.as_ref().is_none_or(|b| proxy > b.proxy)
        {
            let (a, b) = (sorted.value(pos - 1), sorted.value(pos));
            let mut thr = a / 2.0 + b / 2.0;
            if thr == b || !thr.is_finite() {
                thr = a;
            }
            best = Some(Split { feature: feat, threshold: thr, pos, proxy });
            improved = true;
        }
        if improved {
            std::mem::swap(&mut s.keys, &mut s.best_keys);
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
                reason: "trees need finite features: impute missing values first (ai4med::prep::impute)".into(),
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
                reason: "trees need finite features: impute missing values first (ai4med::prep::impute)".into(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    /// A column with exact ties, values closer than the threshold, ±0 and a wide range.
    fn awkward_column(n: usize, rng: &mut ChaCha8Rng) -> Vec<f64> {
        (0..n)
            .map(|_| match rng.random_range(0..6) {
                0 => 0.0,
                1 => -0.0,
                2 => rng.random_range(0..4) as f64 * 0.6e-7,
                3 => rng.random_range(0..5) as f64,
                4 => rng.random_range(-1e6..1e6),
                _ => 1.0 + rng.random_range(0..3) as f64 * 1e-8,
            })
            .collect()
    }

    #[test]
    fn ranked_boundaries_match_sorting_the_values() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        for round in 0..200 {
            let n = rng.random_range(2..120);
            let col = if round % 3 == 0 { (0..n).map(|_| rng.random::<f64>()).collect() } else { awkward_column(n, &mut rng) };
            let ranked = Ranked::new(std::slice::from_ref(&col));
            let node: Vec<u32> = (0..n as u32).filter(|_| rng.random_bool(0.7)).collect();
            if node.len() < 2 {
                continue;
            }
            let mut keys: Vec<u64> = node.iter().map(|&i| ranked.key(0, i)).collect();
            sort_keys(&mut keys);
            let mut values: Vec<f64> = node.iter().map(|&i| col[i as usize]).collect();
            values.sort_by(f64::total_cmp);
            {
                let sorted = Sorted { keys: &keys, uniq: ranked.uniq(0) };
                assert_eq!(sorted.is_constant(), values[values.len() - 1] <= values[0] + FEATURE_THRESHOLD, "round {round}");
                for pos in 0..sorted.len() {
                    // The row's own value, and the same order as a float sort (±0 equal).
                    assert_eq!(sorted.value(pos), col[sorted.row(pos)]);
                    assert!(sorted.value(pos) == values[pos], "{} vs {}", sorted.value(pos), values[pos]);
                }
                for min_leaf in [1, 3] {
                    for pos in 1..sorted.len() {
                        let by_value =
                            pos >= min_leaf && values.len() - pos >= min_leaf && values[pos] > values[pos - 1] + FEATURE_THRESHOLD;
                        assert_eq!(sorted.boundary(pos, min_leaf), by_value, "round {round} pos {pos} {:?}", &values[pos - 1..=pos]);
                    }
                }
            }
        }
    }

    #[test]
    fn two_class_gini_scan_matches_the_running_scan() {
        let mut rng = ChaCha8Rng::seed_from_u64(12);
        for round in 0..300 {
            let n = rng.random_range(2..200);
            let y: Vec<u32> = (0..n).map(|_| rng.random_range(0..2)).collect();
            let weights: Vec<f64> =
                (0..n).map(|_| if round % 2 == 0 { rng.random_range(0..4) as f64 } else { rng.random::<f64>() * 3.0 }).collect();
            let col: Vec<f64> = (0..n).map(|_| rng.random_range(0..(n / 2).max(2)) as f64).collect();
            let ranked = Ranked::new(std::slice::from_ref(&col));
            let mut keys: Vec<u64> = (0..n as u32).map(|i| ranked.key(0, i)).collect();
            sort_keys(&mut keys);
            let sorted = Sorted { keys: &keys, uniq: ranked.uniq(0) };
            let crit = ClassCriterion { y: &y, k: 2, entropy: false };
            let mut stats = vec![0.0; 2];
            let mut wn = 0.0;
            for i in 0..n {
                crit.add(&mut stats, i, weights[i]);
                wn += weights[i];
            }
            let (mut l, mut r) = (vec![0.0; 2], vec![0.0; 2]);
            let min_leaf = rng.random_range(1..4);
            let fast = crit.scan(sorted, &weights, &stats, wn, min_leaf, &mut l, &mut r, &mut rng);
            let slow = scan_running(&crit, sorted, &weights, &stats, wn, min_leaf, &mut l, &mut r);
            assert_eq!(fast.map(|(p, v)| (p, v.to_bits())), slow.map(|(p, v)| (p, v.to_bits())), "round {round}");
        }
    }

    #[test]
    fn lockstep_leaves_match_single_walks() {
        let mut rng = ChaCha8Rng::seed_from_u64(13);
        let n = 300;
        let cols: Vec<Vec<f64>> = (0..4).map(|_| (0..n).map(|_| rng.random_range(0..20) as f64).collect()).collect();
        let y: Vec<u32> = (0..n).map(|i| u32::from(cols[0][i] + cols[1][i] > 19.0)).collect();
        let limits =
            Limits { max_depth: usize::MAX, min_samples_split: 2, min_samples_leaf: 1, max_features: 2, min_impurity_decrease: 0.0 };
        let tree = grow(&Ranked::new(&cols), &vec![1.0; n], &ClassCriterion { y: &y, k: 2, entropy: false }, limits, &mut rng);
        assert!(tree.depth() > 3);
        let rows: Vec<usize> = (0..n).filter(|_| rng.random_bool(0.8)).collect();
        let mut leaves = Vec::new();
        tree.leaves_of(&rows, |i, j| cols[j][i], &mut leaves);
        let single: Vec<usize> = rows.iter().map(|&i| tree.leaf_of(|j| cols[j][i])).collect();
        // Both against a walk over the tree's own arrays.
        let by_arrays: Vec<usize> = rows
            .iter()
            .map(|&i| {
                let mut n = 0;
                while tree.left[n] != LEAF {
                    n = if cols[tree.feature[n]][i] <= tree.threshold[n] { tree.left[n] } else { tree.right[n] };
                }
                n
            })
            .collect();
        assert_eq!(leaves, by_arrays);
        assert_eq!(single, by_arrays);
    }
}
