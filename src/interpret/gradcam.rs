//! Grad-CAM for tch networks, 2-D and 3-D (feature `torch`).

use crate::{Error, Result};
use ndarray::{Array2, Array3};
use tch::{Device, Kind, Tensor};

/// Grad-CAM (Selvaraju et al., 2017) from an activation tensor and a score computed from it.
///
/// `activation` is the output of the chosen layer for **one** input, shape `[1, C, h, w]`
/// (images) or `[1, C, d, h, w]` (volumes), still in the autograd graph; `score` is the
/// scalar to explain (a class logit or probability) computed from it. Steps:
///
/// 1. `G = ∂score/∂A` (same shape as `A`);
/// 2. channel weights `α_c = mean over positions of G_c` (global average of the gradient);
/// 3. `cam = ReLU(Σ_c α_c · A_c)`: only the evidence *for* the score is kept;
/// 4. resized to `out_size` (`[H, W]` bilinear, `[D, H, W]` trilinear, corners not aligned);
/// 5. divided by its maximum, so the map lies in `[0, 1]` (an all-zero map stays zero).
///
/// The course computes the map from the sigmoid output; with the logit the map differs by
/// the positive factor `σ'(z)`, which step 5 removes. Returns the map on the CPU.
///
/// Errors: an activation that does not require gradients (weights frozen and input not
/// tracked, or computed under `no_grad`), a batch larger than one, a non-scalar score, or an
/// `out_size` whose length does not match the activation's spatial dimensions.
pub fn grad_cam(activation: &Tensor, score: &Tensor, out_size: &[i64]) -> Result<Tensor> {
    let dims = activation.dim();
    if dims != 4 && dims != 5 {
        return Err(Error::ShapeMismatch {
            what: "Grad-CAM activation".into(),
            expected: "[1, C, h, w] or [1, C, d, h, w]".into(),
            got: activation.size().iter().map(|&d| d as usize).collect(),
        });
    }
    if activation.size()[0] != 1 {
        return Err(Error::invalid_arg(
            "activation",
            format!("Grad-CAM explains one input at a time; the batch has {}", activation.size()[0]),
        ));
    }
    if out_size.len() != dims - 2 || out_size.iter().any(|&s| s < 1) {
        return Err(Error::invalid_arg(
            "out_size",
            format!("need {} positive sizes for a {}-D activation, got {out_size:?}", dims - 2, dims - 2),
        ));
    }
    if score.numel() != 1 {
        return Err(Error::invalid_arg("score", format!("must be a single value, got shape {:?}", score.size())));
    }
    if !activation.requires_grad() || !score.requires_grad() {
        return Err(Error::invalid_arg(
            "model",
            "the activations carry no gradients: the layer is frozen or ran under no_grad; Grad-CAM needs the autograd graph",
        ));
    }
    let grads = Tensor::f_run_backward(&[score], &[activation], true, false)?;
    let g = grads.first().ok_or_else(|| Error::invalid_arg("model", "no gradient returned"))?;
    let spatial: Vec<i64> = (2..dims as i64).collect();
    let kind = activation.kind();
    let alpha = g.f_mean_dim(spatial.as_slice(), true, kind)?;
    let cam = (alpha * activation.detach()).f_sum_dim_intlist(1, true, kind)?.relu();
    let up = if dims == 4 {
        cam.f_upsample_bilinear2d(out_size, false, None, None)?
    } else {
        cam.f_upsample_trilinear3d(out_size, false, None, None, None)?
    };
    let up = up.squeeze_dim(0).squeeze_dim(0).to_device(Device::Cpu).to_kind(Kind::Double);
    let max = up.max().double_value(&[]);
    Ok(if max > 0.0 { up / max } else { up })
}

/// [`grad_cam`] for images, as an `H × W` array.
pub fn grad_cam_2d(activation: &Tensor, score: &Tensor, height: usize, width: usize) -> Result<Array2<f64>> {
    let t = grad_cam(activation, score, &[height as i64, width as i64])?;
    let v = Vec::<f64>::try_from(t.flatten(0, -1))?;
    Array2::from_shape_vec((height, width), v).map_err(|e| Error::invalid_arg("Grad-CAM", e.to_string()))
}

/// [`grad_cam`] for volumes (3-D CNNs, e.g. a segmentation U-Net's encoder), as a
/// `D × H × W` array; beyond the course, which only explains 2-D images.
pub fn grad_cam_3d(activation: &Tensor, score: &Tensor, size: (usize, usize, usize)) -> Result<Array3<f64>> {
    let t = grad_cam(activation, score, &[size.0 as i64, size.1 as i64, size.2 as i64])?;
    let v = Vec::<f64>::try_from(t.flatten(0, -1))?;
    Array3::from_shape_vec(size, v).map_err(|e| Error::invalid_arg("Grad-CAM", e.to_string()))
}

/// Grad-CAM from arrays, for learners and for models outside tch: `activations` and
/// `gradients` are `C × h × w` (the gradient of the explained score with respect to the
/// activations); the result equals [`grad_cam_2d`] on the same numbers (weights = mean
/// gradient per channel, ReLU of the weighted sum, [`upsample_bilinear`] to
/// `height × width`, divided by the maximum).
pub fn grad_cam_from_arrays(activations: &Array3<f64>, gradients: &Array3<f64>, height: usize, width: usize) -> Result<Array2<f64>> {
    if activations.dim() != gradients.dim() {
        return Err(Error::ShapeMismatch {
            what: "gradients vs activations".into(),
            expected: format!("{:?}", activations.dim()),
            got: gradients.shape().to_vec(),
        });
    }
    let (c, h, w) = activations.dim();
    if c == 0 || h == 0 || w == 0 {
        return Err(Error::Empty { what: "activations".into() });
    }
    let to_t =
        |a: &Array3<f64>| Tensor::from_slice(a.as_standard_layout().as_slice().unwrap_or(&[])).reshape([1, c as i64, h as i64, w as i64]);
    let act = to_t(activations).set_requires_grad(true);
    // A score whose gradient with respect to the activations is exactly `gradients`.
    let score = (&act * to_t(gradients)).sum(Kind::Double);
    grad_cam_2d(&act, &score, height, width)
}

/// Bilinear resize of a 2-D map as libtorch's `upsample_bilinear2d` with
/// `align_corners = false` (PyTorch's `F.interpolate(..., mode="bilinear")`, OpenCV's
/// `INTER_LINEAR` when enlarging): the resize Grad-CAM uses.
pub fn upsample_bilinear(map: &Array2<f64>, height: usize, width: usize) -> Result<Array2<f64>> {
    let (h, w) = map.dim();
    if h == 0 || w == 0 || height == 0 || width == 0 {
        return Err(Error::invalid_arg("size", format!("cannot resize {h}×{w} to {height}×{width}")));
    }
    let t = Tensor::from_slice(map.as_standard_layout().as_slice().unwrap_or(&[])).reshape([1, 1, h as i64, w as i64]);
    let up = t.f_upsample_bilinear2d([height as i64, width as i64], false, None, None)?;
    Array2::from_shape_vec((height, width), Vec::<f64>::try_from(up.flatten(0, -1))?).map_err(|e| Error::invalid_arg("map", e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A score that is a known linear function of the activation: Grad-CAM must return
    /// ReLU(Σ_c w_c A_c) with w_c the mean of the score's weights on channel c.
    #[test]
    fn linear_score_gives_the_closed_form_map() {
        let a = Tensor::from_slice(&[1.0f32, -2.0, 3.0, 0.5, 0.0, 1.0, -1.0, 2.0]).reshape([1, 2, 2, 2]).set_requires_grad(true);
        // score = Σ w ⊙ A with per-channel constant weights 2 and −1 → α = (2, −1).
        let w = Tensor::from_slice(&[2.0f32, 2.0, 2.0, 2.0, -1.0, -1.0, -1.0, -1.0]).reshape([1, 2, 2, 2]);
        let score = (&a * &w).sum(Kind::Float);
        let cam = grad_cam_2d(&a, &score, 2, 2).unwrap();
        // Σ_c α_c A_c = 2·[1, −2, 3, 0.5] − [0, 1, −1, 2] = [2, −5, 7, −1] → ReLU → /7.
        let want = [2.0 / 7.0, 0.0, 1.0, 0.0];
        for (g, w) in cam.iter().zip(want) {
            assert!((g - w).abs() < 1e-6, "{cam:?}");
        }
        // 3-D: one channel, weight 1 → the map is the normalised ReLU of the activation, upsampled.
        let v = Tensor::from_slice(&[0.0f32, 1.0, 2.0, 4.0, -1.0, 0.0, 0.0, 0.0]).reshape([1, 1, 2, 2, 2]).set_requires_grad(true);
        let s = v.sum(Kind::Float);
        let m = grad_cam_3d(&v, &s, (4, 4, 4)).unwrap();
        assert_eq!(m.dim(), (4, 4, 4));
        assert!((m.iter().cloned().fold(0.0, f64::max) - 1.0).abs() < 1e-9);
        assert!(m.iter().all(|&x| x >= 0.0));
    }

    #[test]
    fn array_form_equals_tensor_form() {
        let a = ndarray::Array3::from_shape_fn((3, 4, 5), |(c, i, j)| ((c * 7 + i * 3 + j) % 5) as f64 - 1.5);
        let g = ndarray::Array3::from_shape_fn((3, 4, 5), |(c, i, j)| ((c + 2 * i + j) % 3) as f64 - 0.8);
        let m = grad_cam_from_arrays(&a, &g, 8, 10).unwrap();
        // By hand: weights, ReLU of the weighted sum, upsample, normalise.
        let mut cam = Array2::<f64>::zeros((4, 5));
        for c in 0..3 {
            let wc = g.index_axis(ndarray::Axis(0), c).mean().unwrap();
            cam = cam + a.index_axis(ndarray::Axis(0), c).mapv(|v| wc * v);
        }
        cam.mapv_inplace(|v| v.max(0.0));
        let up = upsample_bilinear(&cam, 8, 10).unwrap();
        let up = &up / up.fold(0.0f64, |x, &y| x.max(y));
        assert!((&m - &up).iter().all(|d| d.abs() < 1e-12));
        assert!(grad_cam_from_arrays(&a, &g.slice(ndarray::s![..2, .., ..]).to_owned(), 8, 10).is_err());
    }

    #[test]
    fn bad_inputs_are_errors() {
        let a = Tensor::ones([1, 2, 3, 3], (Kind::Float, Device::Cpu));
        let s = a.sum(Kind::Float);
        let e = grad_cam(&a, &s, &[6, 6]).unwrap_err().to_string();
        assert!(e.contains("no gradients"), "{e}");
        let a = a.set_requires_grad(true);
        let s = a.sum(Kind::Float);
        assert!(grad_cam(&a, &s, &[6]).is_err());
        let b = Tensor::ones([2, 2, 3, 3], (Kind::Float, Device::Cpu)).set_requires_grad(true);
        assert!(grad_cam(&b, &b.sum(Kind::Float), &[6, 6]).is_err());
        assert!(grad_cam(&a, &(&a * 2.0), &[6, 6]).is_err());
    }
}
