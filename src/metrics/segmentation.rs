//! Segmentation metrics: Dice, soft Dice loss, per-class sensitivity and specificity,
//! Hausdorff distance (HD95).
//!
//! | course (brain tumour segmentation) | here |
//! |---|---|
//! | `single_class_dice_coefficient(y_true, y_pred, axis, epsilon)` | [`single_class_dice`] |
//! | `dice_coefficient(y_true, y_pred, axis, epsilon)` (mean over classes) | [`dice_coefficient`], [`dice_per_class`] |
//! | `soft_dice_loss(y_true, y_pred, axis, epsilon)` | [`soft_dice_loss`] (and `nn::soft_dice_loss_tensor` on tensors) |
//! | `compute_class_sens_spec(pred, label, class_num)` | [`class_sens_spec`], [`sens_spec_table`] |
//! | — (beyond the course) | [`dice_score`] with an explicit [`EmptyPolicy`], [`hausdorff_distance`] / HD95, [`segmentation_report`] |
//!
//! Multi-class inputs are channels-first, `[class, x, y, z]` (or any number of spatial
//! axes), the layout of the course's Keras model and of PyTorch. Any numeric element type
//! that converts to `f64` is accepted (`f64`, `f32`, `u8`). Shapes must match exactly; NaN
//! anywhere is an error.

use ndarray::{ArrayBase, ArrayView3, Axis, Data, Dimension, RemoveAxis};
use rayon::prelude::*;

use crate::display::{Cell, Table};
use crate::{Error, Result};

/// Element types the metrics accept: anything copyable into `f64` (`f64`, `f32`, `u8`, ...).
pub trait Value: Copy + Into<f64> + Sync {}
impl<T: Copy + Into<f64> + Sync> Value for T {}

fn same_shape<D: Dimension>(a: &[usize], b: &[usize], what: &str) -> Result<()> {
    let _ = std::marker::PhantomData::<D>;
    if a != b {
        return Err(Error::ShapeMismatch {
            what: format!("{what}: prediction vs label"),
            expected: format!("{a:?} (the prediction's shape)"),
            got: b.to_vec(),
        });
    }
    if a.iter().product::<usize>() == 0 {
        return Err(Error::Empty { what: what.to_string() });
    }
    Ok(())
}

/// Sums Σp·q, Σp, Σq, Σp², Σq² in one parallel pass; errors at the first NaN.
fn sums<A, B>(p: &[A], q: &[B], what: &str) -> Result<[f64; 5]>
where
    A: Value,
    B: Value,
{
    let chunk = 1 << 15;
    let r = p
        .par_chunks(chunk)
        .zip(q.par_chunks(chunk))
        .map(|(a, b)| {
            let mut s = [0.0f64; 5];
            for (&x, &y) in a.iter().zip(b) {
                let (x, y): (f64, f64) = (x.into(), y.into());
                s[0] += x * y;
                s[1] += x;
                s[2] += y;
                s[3] += x * x;
                s[4] += y * y;
            }
            s
        })
        .reduce(|| [0.0; 5], |a, b| [a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3], a[4] + b[4]]);
    if r.iter().any(|v| v.is_nan()) {
        return Err(Error::InvalidValue {
            what: what.to_string(),
            value: "NaN".into(),
            index: 0,
            reason: "predictions and labels must not contain NaN".into(),
        });
    }
    Ok(r)
}

fn class_sums<A, B, S, T, D>(pred: &ArrayBase<S, D>, label: &ArrayBase<T, D>, what: &str) -> Result<Vec<[f64; 5]>>
where
    A: Value,
    B: Value,
    S: Data<Elem = A>,
    T: Data<Elem = B>,
    D: Dimension + RemoveAxis,
{
    same_shape::<D>(pred.shape(), label.shape(), what)?;
    if pred.ndim() < 2 {
        return Err(Error::ShapeMismatch {
            what: what.to_string(),
            expected: "channels first: (class, x, ...) with at least one spatial axis".into(),
            got: pred.shape().to_vec(),
        });
    }
    pred.axis_iter(Axis(0))
        .zip(label.axis_iter(Axis(0)))
        .map(|(p, q)| {
            let (p, q) = (p.as_standard_layout(), q.as_standard_layout());
            let (ps, qs) = (p.as_slice().unwrap_or(&[]), q.as_slice().unwrap_or(&[]));
            sums(ps, qs, what)
        })
        .collect()
}

fn whole_sums<A, B, S, T, D>(pred: &ArrayBase<S, D>, label: &ArrayBase<T, D>, what: &str) -> Result<[f64; 5]>
where
    A: Value,
    B: Value,
    S: Data<Elem = A>,
    T: Data<Elem = B>,
    D: Dimension + RemoveAxis,
{
    same_shape::<D>(pred.shape(), label.shape(), what)?;
    match (pred.as_slice_memory_order(), label.as_slice_memory_order()) {
        (Some(p), Some(q)) if pred.strides() == label.strides() => sums(p, q, what),
        _ => {
            let (p, q) = (pred.as_standard_layout(), label.as_standard_layout());
            sums(p.as_slice().unwrap_or(&[]), q.as_slice().unwrap_or(&[]), what)
        }
    }
}

fn check_eps(epsilon: f64) -> Result<()> {
    if !epsilon.is_finite() || epsilon < 0.0 {
        return Err(Error::invalid_arg("epsilon", format!("must be finite and ≥ 0, got {epsilon}")));
    }
    Ok(())
}

fn ratio(num: f64, den: f64, what: &str) -> Result<f64> {
    if den == 0.0 {
        return Err(Error::undefined(
            what,
            "prediction and label are both empty and epsilon is 0; use epsilon > 0 or dice_score with an EmptyPolicy",
        ));
    }
    Ok(num / den)
}

/// Dice coefficient of one class, the course's `single_class_dice_coefficient`:
///
/// `(2·Σ p·q + ε) / (Σ p + Σ q + ε)`
///
/// over every element of `pred` (probabilities or 0/1) and `label` (0/1). With `ε > 0`
/// two empty masks score 1; with `ε = 0` that case is an error. The course's default ε is
/// `1e-5`; its test cases use 1.
///
/// ```
/// use ndarray::array;
/// let pred = array![[1.0, 0.0], [0.0, 1.0]];
/// let d = ai4med::metrics::segmentation::single_class_dice(&pred, &array![[1.0, 1.0], [0.0, 0.0]], 1.0).unwrap();
/// assert!((d - 0.6).abs() < 1e-12);
/// ```
pub fn single_class_dice<A, B, S, T, D>(pred: &ArrayBase<S, D>, label: &ArrayBase<T, D>, epsilon: f64) -> Result<f64>
where
    A: Value,
    B: Value,
    S: Data<Elem = A>,
    T: Data<Elem = B>,
    D: Dimension + RemoveAxis,
{
    check_eps(epsilon)?;
    let s = whole_sums(pred, label, "single-class Dice")?;
    ratio(2.0 * s[0] + epsilon, s[1] + s[2] + epsilon, "Dice")
}

/// Per-class Dice of channels-first arrays `[class, x, y, z]`: [`single_class_dice`] of
/// each `pred[c]` against `label[c]`.
pub fn dice_per_class<A, B, S, T, D>(pred: &ArrayBase<S, D>, label: &ArrayBase<T, D>, epsilon: f64) -> Result<Vec<f64>>
where
    A: Value,
    B: Value,
    S: Data<Elem = A>,
    T: Data<Elem = B>,
    D: Dimension + RemoveAxis,
{
    check_eps(epsilon)?;
    class_sums(pred, label, "Dice")?.iter().map(|s| ratio(2.0 * s[0] + epsilon, s[1] + s[2] + epsilon, "Dice")).collect()
}

/// Mean Dice over classes, the course's `dice_coefficient`: the mean of
/// [`dice_per_class`] (channels first).
///
/// ```
/// use ndarray::array;
/// let i2 = array![[1.0, 0.0], [0.0, 1.0]];
/// let pred = ndarray::stack![ndarray::Axis(0), i2, i2];
/// let label = array![[[1.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [0.0, 1.0]]];
/// let d = ai4med::metrics::segmentation::dice_coefficient(&pred, &label, 1.0).unwrap();
/// assert!((d - 0.7166666666666667).abs() < 1e-12);
/// ```
pub fn dice_coefficient<A, B, S, T, D>(pred: &ArrayBase<S, D>, label: &ArrayBase<T, D>, epsilon: f64) -> Result<f64>
where
    A: Value,
    B: Value,
    S: Data<Elem = A>,
    T: Data<Elem = B>,
    D: Dimension + RemoveAxis,
{
    let d = dice_per_class(pred, label, epsilon)?;
    Ok(d.iter().sum::<f64>() / d.len() as f64)
}

/// Soft Dice loss, as the course defines it (squares in the denominator):
///
/// `1 − mean_c (2·Σ p·q + ε) / (Σ p² + Σ q² + ε)`
///
/// with sums over the spatial axes of channels-first `[class, x, ...]` arrays. Use it as
/// a training loss on probabilities; `nn::soft_dice_loss_tensor` is the same on tensors.
///
/// ```
/// use ndarray::array;
/// let l = ai4med::metrics::segmentation::soft_dice_loss(&array![[[1.0, 0.0], [0.0, 1.0]]], &array![[[1.0, 1.0], [0.0, 0.0]]], 1.0).unwrap();
/// assert!((l - 0.4).abs() < 1e-12);
/// ```
pub fn soft_dice_loss<A, B, S, T, D>(pred: &ArrayBase<S, D>, label: &ArrayBase<T, D>, epsilon: f64) -> Result<f64>
where
    A: Value,
    B: Value,
    S: Data<Elem = A>,
    T: Data<Elem = B>,
    D: Dimension + RemoveAxis,
{
    check_eps(epsilon)?;
    let per: Vec<f64> = class_sums(pred, label, "soft Dice loss")?
        .iter()
        .map(|s| ratio(2.0 * s[0] + epsilon, s[3] + s[4] + epsilon, "soft Dice"))
        .collect::<Result<_>>()?;
    Ok(1.0 - per.iter().sum::<f64>() / per.len() as f64)
}

/// What a score does when the ground truth of a class is empty (MONAI users keep tripping
/// on this: a case without enhancing tumour is common in BraTS).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmptyPolicy {
    /// Empty truth → NaN, left out of means (MONAI `DiceMetric(ignore_empty=True)`, its
    /// default), whatever the prediction.
    Skip,
    /// Empty truth and empty prediction → 1; empty truth with any predicted voxel → 0
    /// (MONAI `ignore_empty=False`; the BraTS challenge's convention).
    Score,
    /// Empty truth → an error naming the class.
    Error,
}

/// Hard Dice `2·|P ∩ T| / (|P| + |T|)` of binary masks (values must be 0 or 1), with no
/// ε; an empty truth is handled by `empty`. This is the evaluation score; the course's
/// ε-smoothed [`single_class_dice`] is the training-time form.
///
/// ```
/// use ai4med::metrics::segmentation::{dice_score, EmptyPolicy};
/// use ndarray::array;
/// let none = array![[0u8, 0], [0, 0]];
/// assert!(dice_score(&none, &none, EmptyPolicy::Skip).unwrap().is_nan());
/// assert_eq!(dice_score(&none, &none, EmptyPolicy::Score).unwrap(), 1.0);
/// assert_eq!(dice_score(&array![[1u8, 0], [0, 0]], &none, EmptyPolicy::Score).unwrap(), 0.0);
/// assert!(dice_score(&none, &none, EmptyPolicy::Error).is_err());
/// assert_eq!(dice_score(&array![[1u8, 1], [0, 0]], &array![[1u8, 0], [0, 0]], EmptyPolicy::Skip).unwrap(), 2.0 / 3.0);
/// ```
pub fn dice_score<A, B, S, T, D>(pred: &ArrayBase<S, D>, truth: &ArrayBase<T, D>, empty: EmptyPolicy) -> Result<f64>
where
    A: Value,
    B: Value,
    S: Data<Elem = A>,
    T: Data<Elem = B>,
    D: Dimension + RemoveAxis,
{
    check_binary(pred, "prediction mask")?;
    check_binary(truth, "truth mask")?;
    let s = whole_sums(pred, truth, "Dice score")?;
    if s[2] == 0.0 {
        return match empty {
            EmptyPolicy::Skip => Ok(f64::NAN),
            EmptyPolicy::Score => Ok(if s[1] == 0.0 { 1.0 } else { 0.0 }),
            EmptyPolicy::Error => Err(Error::undefined("Dice score", "the truth mask is empty (EmptyPolicy::Error)")),
        };
    }
    Ok(2.0 * s[0] / (s[1] + s[2]))
}

fn check_binary<A, S, D>(a: &ArrayBase<S, D>, what: &str) -> Result<()>
where
    A: Copy + Into<f64>,
    S: Data<Elem = A>,
    D: Dimension + RemoveAxis,
{
    if let Some((i, v)) = a.iter().map(|&v| v.into()).enumerate().find(|(_, v)| *v != 0.0 && *v != 1.0) {
        return Err(Error::InvalidValue {
            what: what.to_string(),
            value: v.to_string(),
            index: i,
            reason: "a binary mask holds only 0 and 1 (threshold probabilities first, e.g. p > 0.5)".into(),
        });
    }
    Ok(())
}

/// Sensitivity and specificity of one class on binary volumes, the course's
/// `compute_class_sens_spec`: `TP / (TP + FN)` and `TN / (TN + FP)` over all voxels.
/// Values must be 0 or 1. A class with no positive voxel in the label has NaN
/// sensitivity (numpy's 0/0), one with no negative voxel NaN specificity.
///
/// ```
/// use ndarray::array;
/// let (se, sp) = ai4med::metrics::segmentation::class_sens_spec(&array![[1.0, 0.0], [0.0, 1.0]], &array![[1.0, 1.0], [0.0, 1.0]]).unwrap();
/// assert_eq!((se, sp), (2.0 / 3.0, 1.0));
/// ```
pub fn class_sens_spec<A, B, S, T, D>(pred: &ArrayBase<S, D>, label: &ArrayBase<T, D>) -> Result<(f64, f64)>
where
    A: Value,
    B: Value,
    S: Data<Elem = A>,
    T: Data<Elem = B>,
    D: Dimension + RemoveAxis,
{
    check_binary(pred, "prediction")?;
    check_binary(label, "label")?;
    let s = whole_sums(pred, label, "sensitivity/specificity")?;
    let n = pred.len() as f64;
    let tp = s[0];
    let fn_ = s[2] - tp;
    let fp = s[1] - tp;
    let tn = n - tp - fn_ - fp;
    Ok((tp / (tp + fn_), tn / (tn + fp)))
}

/// A table of sensitivity and specificity per class (rows) of channels-first binary
/// arrays, the course's `get_sens_spec_df`; `classes` names the channels (e.g. edema,
/// non-enhancing tumour, enhancing tumour).
pub fn sens_spec_table<A, B, S, T, D>(pred: &ArrayBase<S, D>, label: &ArrayBase<T, D>, classes: &[&str]) -> Result<Table>
where
    A: Value,
    B: Value,
    S: Data<Elem = A>,
    T: Data<Elem = B>,
    D: Dimension + RemoveAxis,
{
    same_shape::<D>(pred.shape(), label.shape(), "sensitivity/specificity")?;
    if pred.ndim() < 2 || pred.shape()[0] != classes.len() {
        return Err(Error::ShapeMismatch {
            what: "prediction".into(),
            expected: format!("({}, x, ...) with one channel per class name", classes.len()),
            got: pred.shape().to_vec(),
        });
    }
    let mut t = Table::new(["class", "sensitivity", "specificity"]);
    for (c, name) in classes.iter().enumerate() {
        let (se, sp) = class_sens_spec(&pred.index_axis(Axis(0), c).into_dyn(), &label.index_axis(Axis(0), c).into_dyn())?;
        t.push_row([Cell::from(*name), Cell::from(se), Cell::from(sp)]);
    }
    Ok(t)
}

/// Squared Euclidean distance transform along one line (Felzenszwalb–Huttenlocher):
/// `f` holds 0 at sites and +∞ elsewhere, scaled by `w²` per step.
fn edt_1d(f: &mut [f64], w2: f64, v: &mut [usize], z: &mut [f64], out: &mut [f64]) {
    let n = f.len();
    let mut k = 0usize;
    let first = match f.iter().position(|x| x.is_finite()) {
        Some(i) => i,
        None => return,
    };
    v[0] = first;
    z[0] = f64::NEG_INFINITY;
    z[1] = f64::INFINITY;
    for q in first + 1..n {
        if !f[q].is_finite() {
            continue;
        }
        loop {
            let p = v[k];
            let s = ((f[q] + w2 * (q * q) as f64) - (f[p] + w2 * (p * p) as f64)) / (2.0 * w2 * (q as f64 - p as f64));
            if s <= z[k] && k > 0 {
                k -= 1;
                continue;
            }
            if s <= z[k] {
                // k == 0: replace the only parabola
                v[0] = q;
                z[0] = f64::NEG_INFINITY;
                z[1] = f64::INFINITY;
                break;
            }
            k += 1;
            v[k] = q;
            z[k] = s;
            z[k + 1] = f64::INFINITY;
            break;
        }
    }
    k = 0;
    for (q, o) in out.iter_mut().enumerate().take(n) {
        while z[k + 1] < q as f64 {
            k += 1;
        }
        let d = q as f64 - v[k] as f64;
        *o = w2 * d * d + f[v[k]];
    }
    f.copy_from_slice(&out[..n]);
}

/// Euclidean distance (mm, with `spacing`) from every voxel to the nearest `true` voxel
/// of `sites`; +∞ everywhere when there is none.
pub(crate) fn distance_transform(sites: &ArrayView3<bool>, spacing: [f64; 3]) -> ndarray::Array3<f64> {
    let mut d = sites.map(|&s| if s { 0.0 } else { f64::INFINITY });
    for ax in 0..3 {
        let n = d.shape()[ax];
        let w2 = spacing[ax] * spacing[ax];
        let mut lanes: Vec<_> = d.lanes_mut(Axis(ax)).into_iter().collect();
        lanes.par_iter_mut().for_each_init(
            || (vec![0.0; n], vec![0usize; n], vec![0.0; n + 1], vec![0.0; n]),
            |(f, v, z, out), lane| {
                for (a, b) in f.iter_mut().zip(lane.iter()) {
                    *a = *b;
                }
                edt_1d(f, w2, v, z, out);
                for (a, b) in lane.iter_mut().zip(f.iter()) {
                    *a = *b;
                }
            },
        );
    }
    d.mapv_inplace(f64::sqrt);
    d
}

/// Surface voxels: in the mask with a 6-neighbour outside it (voxels on the volume's
/// border count as surface, like scipy's erosion with border value 0).
fn surface(m: &ArrayView3<bool>) -> ndarray::Array3<bool> {
    let (nx, ny, nz) = m.dim();
    ndarray::Array3::from_shape_fn((nx, ny, nz), |(i, j, k)| {
        if !m[[i, j, k]] {
            return false;
        }
        if i == 0 || j == 0 || k == 0 || i + 1 == nx || j + 1 == ny || k + 1 == nz {
            return true;
        }
        !(m[[i - 1, j, k]] && m[[i + 1, j, k]] && m[[i, j - 1, k]] && m[[i, j + 1, k]] && m[[i, j, k - 1]] && m[[i, j, k + 1]])
    })
}

/// numpy's default (linear) percentile of unsorted values.
fn percentile(v: &mut [f64], q: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let pos = q / 100.0 * (v.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    v[lo] + (v[hi] - v[lo]) * (pos - lo as f64)
}

/// Symmetric Hausdorff distance between two binary 3-D masks, in mm with `spacing`:
/// the surface voxels of each mask (in it, with a 6-neighbour outside), the distance of
/// each to the nearest surface voxel of the other, and the larger of the two directed
/// `percentile`s (numpy's linear percentile; 100 = the classical Hausdorff distance,
/// 95 = HD95, as MONAI's `compute_hausdorff_distance(percentile=95)`).
///
/// Empty masks: both empty → NaN, one empty → +∞ (MONAI returns the same values with a
/// warning). Beyond the course, which reports Dice, sensitivity and specificity only.
///
/// ```
/// use ndarray::Array3;
/// let mut a = Array3::<u8>::zeros((8, 8, 8));
/// let mut b = a.clone();
/// a[[2, 2, 2]] = 1;
/// b[[2, 2, 5]] = 1;
/// let hd = ai4med::metrics::segmentation::hausdorff_distance(&a.view(), &b.view(), [1.0, 1.0, 2.0], 95.0).unwrap();
/// assert_eq!(hd, 6.0);
/// ```
pub fn hausdorff_distance(pred: &ArrayView3<u8>, truth: &ArrayView3<u8>, spacing: [f64; 3], percentile_q: f64) -> Result<f64> {
    same_shape::<ndarray::Ix3>(pred.shape(), truth.shape(), "Hausdorff distance")?;
    if !(0.0..=100.0).contains(&percentile_q) {
        return Err(Error::invalid_arg("percentile", format!("must be in [0, 100], got {percentile_q}")));
    }
    if spacing.iter().any(|s| !s.is_finite() || *s <= 0.0) {
        return Err(Error::invalid_arg("spacing", format!("voxel sizes must be positive, got {spacing:?}")));
    }
    check_binary(pred, "prediction mask")?;
    check_binary(truth, "truth mask")?;
    let pm = pred.map(|&v| v == 1);
    let tm = truth.map(|&v| v == 1);
    let (pe, te) = (!pm.iter().any(|&v| v), !tm.iter().any(|&v| v));
    if pe && te {
        return Ok(f64::NAN);
    }
    if pe || te {
        return Ok(f64::INFINITY);
    }
    let (ps, ts) = (surface(&pm.view()), surface(&tm.view()));
    let (dp, dt) = (distance_transform(&ps.view(), spacing), distance_transform(&ts.view(), spacing));
    let mut a: Vec<f64> = ps.iter().zip(dt.iter()).filter(|(s, _)| **s).map(|(_, d)| *d).collect();
    let mut b: Vec<f64> = ts.iter().zip(dp.iter()).filter(|(s, _)| **s).map(|(_, d)| *d).collect();
    Ok(percentile(&mut a, percentile_q).max(percentile(&mut b, percentile_q)))
}

/// One row per tumour class for a predicted case: hard Dice ([`dice_score`] with
/// [`EmptyPolicy::Skip`]), sensitivity, specificity ([`class_sens_spec`]) and HD95 in mm
/// ([`hausdorff_distance`] at the 95th percentile), from class probabilities
/// `probs[c, x, y, z]` thresholded at `threshold` against the label map (class `c` is
/// label value `c + 1`), plus a mean row over the classes with a defined value.
pub fn segmentation_report(
    probs: &ndarray::ArrayView4<f32>,
    label: &ArrayView3<u8>,
    threshold: f32,
    spacing: [f64; 3],
    classes: &[&str],
) -> Result<Table> {
    if probs.shape()[1..] != *label.shape() || probs.shape()[0] != classes.len() {
        return Err(Error::ShapeMismatch {
            what: "probabilities".into(),
            expected: format!("({}, {:?}) — one channel per class over the label's shape", classes.len(), label.shape()),
            got: probs.shape().to_vec(),
        });
    }
    let mut t = Table::new(["class", "Dice", "sensitivity", "specificity", "HD95 (mm)", "true voxels", "predicted voxels"]);
    let mut sums = [0.0f64; 4];
    let mut counts = [0usize; 4];
    for (c, name) in classes.iter().enumerate() {
        let pm = probs.index_axis(Axis(0), c).mapv(|v| (v > threshold) as u8);
        let tm = label.mapv(|v| (v as usize == c + 1) as u8);
        let d = dice_score(&pm, &tm, EmptyPolicy::Skip)?;
        let (se, sp) = class_sens_spec(&pm, &tm)?;
        let hd = hausdorff_distance(&pm.view(), &tm.view(), spacing, 95.0)?;
        for (k, v) in [d, se, sp, hd].into_iter().enumerate() {
            if v.is_finite() {
                sums[k] += v;
                counts[k] += 1;
            }
        }
        t.push_row([
            Cell::from(*name),
            Cell::from(d),
            Cell::from(se),
            Cell::from(sp),
            Cell::from(hd),
            Cell::from(tm.iter().filter(|&&v| v == 1).count()),
            Cell::from(pm.iter().filter(|&&v| v == 1).count()),
        ]);
    }
    let mean = |k: usize| if counts[k] > 0 { sums[k] / counts[k] as f64 } else { f64::NAN };
    t.push_row([
        Cell::from("mean"),
        Cell::from(mean(0)),
        Cell::from(mean(1)),
        Cell::from(mean(2)),
        Cell::from(mean(3)),
        Cell::from(""),
        Cell::from(""),
    ]);
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array3, array};
    use rand::{Rng, SeedableRng};

    fn i2() -> ndarray::Array2<f64> {
        array![[1.0, 0.0], [0.0, 1.0]]
    }

    #[test]
    fn course_dice_cases() {
        let l1 = array![[1.0, 1.0], [0.0, 0.0]];
        let l2 = array![[1.0, 1.0], [0.0, 1.0]];
        assert!((single_class_dice(&i2(), &l1, 1.0).unwrap() - 0.6).abs() < 1e-15);
        assert!((single_class_dice(&i2(), &l2, 1.0).unwrap() - 0.8333333333333334).abs() < 1e-15);
        let pred = ndarray::stack![Axis(0), i2(), i2()];
        let label = ndarray::stack![Axis(0), l1, l2];
        assert!((dice_coefficient(&pred, &label, 1.0).unwrap() - 0.7166666666666667).abs() < 1e-15);
    }

    #[test]
    fn course_soft_dice_cases() {
        let l1 = array![[[1.0, 1.0], [0.0, 0.0]]];
        let l2 = array![[[1.0, 1.0], [0.0, 1.0]]];
        let p = i2().insert_axis(Axis(0));
        assert!((soft_dice_loss(&p, &l1, 1.0).unwrap() - 0.4).abs() < 1e-15);
        assert!((soft_dice_loss(&(&p * 0.5), &l1, 1.0).unwrap() - 0.4285714285714286).abs() < 1e-15);
        assert!((soft_dice_loss(&p, &l2, 1.0).unwrap() - 0.16666666666666663).abs() < 1e-15);
        let q = array![[[1.0, 0.8], [0.0, 1.0]]];
        assert!((soft_dice_loss(&q, &l2, 1.0).unwrap() - 0.006024096385542355).abs() < 1e-15);
    }

    #[test]
    fn course_sens_spec_cases() {
        assert_eq!(class_sens_spec(&i2(), &array![[1.0, 1.0], [0.0, 0.0]]).unwrap(), (0.5, 0.5));
        assert_eq!(class_sens_spec(&i2(), &array![[1.0, 1.0], [0.0, 1.0]]).unwrap(), (0.6666666666666666, 1.0));
        assert!(class_sens_spec(&array![[0.3, 0.0]], &array![[1.0, 0.0]]).is_err());
    }

    #[test]
    fn bad_input_is_an_error() {
        assert!(single_class_dice(&array![1.0, 2.0], &array![1.0, 2.0, 3.0], 1.0).is_err());
        assert!(single_class_dice(&array![f64::NAN], &array![1.0], 1.0).is_err());
        assert!(single_class_dice(&array![0.0], &array![0.0], 0.0).is_err());
        assert!(single_class_dice(&ndarray::Array1::<f64>::zeros(0), &ndarray::Array1::<f64>::zeros(0), 1.0).is_err());
        assert!(dice_coefficient(&array![1.0], &array![1.0], 1.0).is_err());
    }

    #[test]
    fn strided_views_agree_with_copies() {
        let a = Array3::from_shape_fn((3, 5, 4), |(i, j, k)| ((i * 7 + j * 3 + k) % 5) as f64 / 4.0);
        let b = Array3::from_shape_fn((3, 5, 4), |(i, j, k)| ((i + j + k) % 2) as f64);
        let at = a.view().reversed_axes();
        let bt = b.view().reversed_axes();
        let d1 = single_class_dice(&a, &b, 1e-5).unwrap();
        let d2 = single_class_dice(&at, &bt, 1e-5).unwrap();
        let d3 = single_class_dice(&at.to_owned(), &b.view().reversed_axes().as_standard_layout(), 1e-5).unwrap();
        assert!((d1 - d2).abs() < 1e-12 && (d1 - d3).abs() < 1e-12);
    }

    fn brute_hd(a: &Array3<u8>, b: &Array3<u8>, sp: [f64; 3], q: f64) -> f64 {
        let sa = surface(&a.map(|&v| v == 1).view());
        let sb = surface(&b.map(|&v| v == 1).view());
        let pts = |s: &Array3<bool>| {
            s.indexed_iter()
                .filter(|(_, v)| **v)
                .map(|((i, j, k), _)| [i as f64 * sp[0], j as f64 * sp[1], k as f64 * sp[2]])
                .collect::<Vec<_>>()
        };
        let (pa, pb) = (pts(&sa), pts(&sb));
        let dir = |x: &[[f64; 3]], y: &[[f64; 3]]| {
            let mut d: Vec<f64> = x
                .iter()
                .map(|p| {
                    y.iter()
                        .map(|r| ((p[0] - r[0]).powi(2) + (p[1] - r[1]).powi(2) + (p[2] - r[2]).powi(2)).sqrt())
                        .fold(f64::INFINITY, f64::min)
                })
                .collect();
            percentile(&mut d, q)
        };
        dir(&pa, &pb).max(dir(&pb, &pa))
    }

    #[test]
    fn hausdorff_matches_brute_force() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for _ in 0..20 {
            let sh = (rng.random_range(3..9), rng.random_range(3..9), rng.random_range(3..9));
            let p: f64 = rng.random_range(0.1..0.6);
            let a = Array3::from_shape_simple_fn(sh, || (rng.random::<f64>() < p) as u8);
            let b = Array3::from_shape_simple_fn(sh, || (rng.random::<f64>() < p) as u8);
            if a.sum() == 0 || b.sum() == 0 {
                continue;
            }
            let sp = [rng.random_range(0.5..2.0), rng.random_range(0.5..2.0), rng.random_range(0.5..3.0)];
            for q in [95.0, 100.0] {
                let fast = hausdorff_distance(&a.view(), &b.view(), sp, q).unwrap();
                let slow = brute_hd(&a, &b, sp, q);
                assert!((fast - slow).abs() < 1e-9, "{fast} vs {slow}");
            }
        }
        let z = Array3::<u8>::zeros((3, 3, 3));
        let mut o = z.clone();
        o[[1, 1, 1]] = 1;
        assert!(hausdorff_distance(&z.view(), &z.view(), [1.0; 3], 95.0).unwrap().is_nan());
        assert_eq!(hausdorff_distance(&o.view(), &z.view(), [1.0; 3], 95.0).unwrap(), f64::INFINITY);
    }
}
