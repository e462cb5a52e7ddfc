//! Sub-volume sampling and per-slice standardization (the course's `get_sub_volume` and
//! `standardize`).

use ndarray::{Array4, ArrayView3, ArrayView4, Axis, s};
use rand::Rng;

use crate::{Error, Result};

/// A training patch: the image channels first `[channel, px, py, pz]` and the one-hot
/// labels without the background class `[class − 1, px, py, pz]`.
#[derive(Debug, Clone)]
pub struct SubVolume {
    /// Image patch, channels first.
    pub x: Array4<f32>,
    /// One-hot labels of classes 1.. (background dropped), channels first.
    pub y: Array4<f32>,
    /// The patch's corner `[x, y, z]` in the volume.
    pub corner: [usize; 3],
    /// Draws it took (1 for [`sub_volume_at`]).
    pub tries: usize,
    /// Fraction of background voxels in the patch.
    pub background: f64,
}

/// All valid starting positions of a patch of length `patch` along an axis of length
/// `len`: `0..=len − patch` (the course's `np.random.randint(orig_x − output_x + 1)`).
///
/// ```
/// assert_eq!(ai4med::imaging::valid_starts(6, 3).unwrap(), vec![0, 1, 2, 3]);
/// assert!(ai4med::imaging::valid_starts(2, 3).is_err());
/// ```
pub fn valid_starts(len: usize, patch: usize) -> Result<Vec<usize>> {
    if patch == 0 || patch > len {
        return Err(Error::invalid_arg("patch", format!("patch length {patch} must be 1..={len} (the axis length)")));
    }
    Ok((0..=len - patch).collect())
}

/// One-hot encoding of a label patch `[x, y, z]` into `[n_classes, x, y, z]` (`f32`).
/// Labels ≥ `n_classes` are an error.
pub fn one_hot_labels(label: &ArrayView3<u8>, n_classes: usize) -> Result<Array4<f32>> {
    let (a, b, c) = label.dim();
    let mut y = Array4::<f32>::zeros((n_classes, a, b, c));
    for ((i, j, k), &v) in label.indexed_iter() {
        if v as usize >= n_classes {
            return Err(Error::InvalidValue {
                what: "label".into(),
                value: v.to_string(),
                index: i,
                reason: format!("at voxel [{i}, {j}, {k}]: labels must be below n_classes = {n_classes}"),
            });
        }
        y[[v as usize, i, j, k]] = 1.0;
    }
    Ok(y)
}

fn check_shapes(image: &ArrayView4<f32>, label: &ArrayView3<u8>, patch: [usize; 3], n_classes: usize) -> Result<()> {
    if image.shape()[..3] != *label.shape() {
        return Err(Error::ShapeMismatch {
            what: "label".into(),
            expected: format!("{:?} (the image's spatial shape)", &image.shape()[..3]),
            got: label.shape().to_vec(),
        });
    }
    if n_classes < 2 {
        return Err(Error::invalid_arg("n_classes", format!("need background and at least one class, got {n_classes}")));
    }
    for (ax, (&p, &n)) in patch.iter().zip(label.shape()).enumerate() {
        if p == 0 || p > n {
            return Err(Error::invalid_arg(
                "patch",
                format!("patch {patch:?} does not fit the volume {:?} (axis {ax}: {p} > {n})", label.shape()),
            ));
        }
    }
    Ok(())
}

/// The sub-volume with corner `corner` (deterministic variant of [`sample_sub_volume`]).
pub fn sub_volume_at(
    image: &ArrayView4<f32>,
    label: &ArrayView3<u8>,
    corner: [usize; 3],
    patch: [usize; 3],
    n_classes: usize,
) -> Result<SubVolume> {
    check_shapes(image, label, patch, n_classes)?;
    for ax in 0..3 {
        if corner[ax] + patch[ax] > label.shape()[ax] {
            return Err(Error::invalid_arg(
                "corner",
                format!("corner {corner:?} + patch {patch:?} runs past the volume {:?}", label.shape()),
            ));
        }
    }
    let [x0, y0, z0] = corner;
    let [px, py, pz] = patch;
    let lab = label.slice(s![x0..x0 + px, y0..y0 + py, z0..z0 + pz]);
    let oh = one_hot_labels(&lab, n_classes)?;
    let background = oh.index_axis(Axis(0), 0).sum() as f64 / (px * py * pz) as f64;
    let x = image.slice(s![x0..x0 + px, y0..y0 + py, z0..z0 + pz, ..]).permuted_axes([3, 0, 1, 2]).as_standard_layout().into_owned();
    let y = oh.slice(s![1.., .., .., ..]).to_owned();
    Ok(SubVolume { x, y, corner, tries: 1, background })
}

/// The course's `get_sub_volume`: draws random corners (uniform over
/// [`valid_starts`] on each axis) until the patch's background fraction is below
/// `background_threshold` (the course uses 0.95, so at least 5 % tumour), at most
/// `max_tries` times. Returns the image patch channels first and the one-hot labels
/// without background.
///
/// Where the course prints "Tried … times … Giving up" and returns `None`, this returns an
/// [`Error::Undefined`] saying how many tries were made and how much foreground the
/// volume has at all (none, for a healthy case).
///
/// ```
/// use ndarray::{Array3, Array4};
/// let image = Array4::<f32>::from_shape_fn((8, 8, 6, 2), |(i, j, k, c)| (i + j + k + c) as f32);
/// let mut label = Array3::<u8>::zeros((8, 8, 6));
/// label.slice_mut(ndarray::s![2..6, 2..6, 1..5]).fill(2);
/// let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(1);
/// let sv = ai4med::imaging::sample_sub_volume(&image.view(), &label.view(), [4, 4, 4], 4, 0.5, 100, &mut rng).unwrap();
/// assert_eq!(sv.x.shape(), &[2, 4, 4, 4]);
/// assert_eq!(sv.y.shape(), &[3, 4, 4, 4]);
/// assert!(sv.background < 0.5);
/// ```
#[allow(clippy::too_many_arguments)]
pub fn sample_sub_volume<R: Rng>(
    image: &ArrayView4<f32>,
    label: &ArrayView3<u8>,
    patch: [usize; 3],
    n_classes: usize,
    background_threshold: f64,
    max_tries: usize,
    rng: &mut R,
) -> Result<SubVolume> {
    check_shapes(image, label, patch, n_classes)?;
    if !(0.0..=1.0).contains(&background_threshold) {
        return Err(Error::invalid_arg("background_threshold", format!("must be in [0, 1], got {background_threshold}")));
    }
    if max_tries == 0 {
        return Err(Error::invalid_arg("max_tries", "must be at least 1"));
    }
    let shape = label.shape().to_vec();
    let need = (patch[0] * patch[1] * patch[2]) as f64;
    for tries in 1..=max_tries {
        let corner = [0, 1, 2].map(|a| rng.random_range(0..=shape[a] - patch[a]));
        let [x0, y0, z0] = corner;
        let bg = label.slice(s![x0..x0 + patch[0], y0..y0 + patch[1], z0..z0 + patch[2]]).iter().filter(|&&v| v == 0).count() as f64 / need;
        if bg < background_threshold {
            let mut sv = sub_volume_at(image, label, corner, patch, n_classes)?;
            sv.tries = tries;
            return Ok(sv);
        }
    }
    let fg = label.iter().filter(|&&v| v != 0).count();
    Err(Error::undefined(
        "sub-volume",
        format!(
            "tried {max_tries} times to find a {patch:?} patch with background below {background_threshold}; the volume has {fg} foreground voxels of {}{}",
            label.len(),
            if fg == 0 { " (no tumour at all)" } else { "" }
        ),
    ))
}

/// The course's `standardize`: for each channel and each z-slice of a channels-first
/// patch `[channel, x, y, z]`, subtract the slice's mean and divide by its (population)
/// standard deviation. A constant slice (standard deviation 0) becomes all zeros, where
/// the course's code would reuse the previous slice's values.
///
/// ```
/// let x = ndarray::Array4::<f32>::from_shape_fn((1, 3, 3, 2), |(_, i, j, k)| (i * 3 + j) as f32 * (k as f32 + 1.0));
/// let s = ai4med::imaging::standardize(&x.view()).unwrap();
/// let sl = s.slice(ndarray::s![0, .., .., 1]);
/// assert!(sl.mean().unwrap().abs() < 1e-6);
/// assert!((sl.std(0.0) - 1.0).abs() < 1e-5);
/// ```
pub fn standardize(image: &ArrayView4<f32>) -> Result<Array4<f32>> {
    if image.is_empty() {
        return Err(Error::Empty { what: "image".into() });
    }
    if let Some(v) = image.iter().find(|v| !v.is_finite()) {
        return Err(Error::InvalidValue { what: "image".into(), value: v.to_string(), index: 0, reason: "values must be finite".into() });
    }
    let mut out = image.as_standard_layout().into_owned();
    let (c, _, _, z) = out.dim();
    for ci in 0..c {
        for zi in 0..z {
            let mut sl = out.slice_mut(s![ci, .., .., zi]);
            let n = sl.len() as f64;
            let mean = sl.iter().map(|&v| v as f64).sum::<f64>() / n;
            let var = sl.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / n;
            let sd = var.sqrt();
            if sd > 0.0 {
                sl.mapv_inplace(|v| ((v as f64 - mean) / sd) as f32);
            } else {
                sl.fill(0.0);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array3, Array4};
    use rand::SeedableRng;

    #[test]
    fn sampler_respects_threshold_and_gives_up_clearly() {
        let image = Array4::<f32>::from_shape_fn((10, 9, 8, 4), |(i, j, k, c)| (i * 1000 + j * 100 + k * 10 + c) as f32);
        let mut label = Array3::<u8>::zeros((10, 9, 8));
        label.slice_mut(s![3..7, 3..7, 2..6]).fill(1);
        label[[4, 4, 4]] = 3;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        for _ in 0..20 {
            let sv = sample_sub_volume(&image.view(), &label.view(), [4, 4, 3], 4, 0.8, 1000, &mut rng).unwrap();
            assert!(sv.background < 0.8);
            let [x0, y0, z0] = sv.corner;
            // channels first, values copied from the corner
            assert_eq!(sv.x[[2, 1, 2, 0]], image[[x0 + 1, y0 + 2, z0, 2]]);
            // one-hot rows sum to 1 - background
            let fg: f32 = sv.y.sum();
            assert!(((fg as f64) / 48.0 - (1.0 - sv.background)).abs() < 1e-9);
        }
        let empty = Array3::<u8>::zeros((10, 9, 8));
        let e = sample_sub_volume(&image.view(), &empty.view(), [4, 4, 3], 4, 0.95, 50, &mut rng).unwrap_err().to_string();
        assert!(e.contains("tried 50 times") && e.contains("no tumour"), "{e}");
        assert!(sample_sub_volume(&image.view(), &label.view(), [11, 4, 3], 4, 0.95, 5, &mut rng).is_err());
        assert!(sub_volume_at(&image.view(), &label.view(), [8, 0, 0], [4, 4, 3], 4).is_err());
    }

    #[test]
    fn standardize_zeroes_constant_slices() {
        let x = Array4::<f32>::ones((2, 3, 3, 2));
        let s = standardize(&x.view()).unwrap();
        assert!(s.iter().all(|&v| v == 0.0));
    }
}
