//! Slices, label overlays, slice grids and animated sweeps of brain volumes.

use base64::Engine;
use ndarray::{Array2, Array3, ArrayView3, Axis};

use crate::display::{Html, Image, Rgb, escape_html};
use crate::{Error, Result};

/// A slicing plane. Slices are oriented for reading, assuming the volume's axes run
/// roughly left→right, posterior→anterior, inferior→superior (RAS, as in MNI space and
/// the Decathlon files):
/// - `Axial` (fixed z): rows from anterior (top) to posterior, columns along x;
/// - `Coronal` (fixed y): rows from superior (top) to inferior, columns along x;
/// - `Sagittal` (fixed x): rows from superior to inferior, columns along y.
///
/// The course plots `image[:, :, k]` unrotated; these are the same voxels turned so the
/// head points up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plane {
    /// Fixed z (horizontal slice).
    Axial,
    /// Fixed y (front view).
    Coronal,
    /// Fixed x (side view).
    Sagittal,
}

impl Plane {
    fn axis(self) -> usize {
        match self {
            Plane::Axial => 2,
            Plane::Coronal => 1,
            Plane::Sagittal => 0,
        }
    }
    /// Lower-case name (`axial`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Plane::Axial => "axial",
            Plane::Coronal => "coronal",
            Plane::Sagittal => "sagittal",
        }
    }
}

fn oriented<T: Copy>(vol: &ArrayView3<T>, plane: Plane, index: usize) -> Result<Array2<T>> {
    let ax = plane.axis();
    let n = vol.shape()[ax];
    if index >= n {
        return Err(Error::invalid_arg(
            "index",
            format!("{} slice {index} of a volume with {n} along axis {ax} ({:?})", plane.name(), vol.shape()),
        ));
    }
    let s = vol.index_axis(Axis(ax), index);
    // s is (first remaining axis, second remaining axis); rows = second axis reversed.
    let t = s.reversed_axes();
    let mut out = t.to_owned();
    out.invert_axis(Axis(0));
    Ok(out)
}

/// One slice of a 3-D volume as a display-oriented 2-D array (see [`Plane`]).
///
/// ```
/// use ai4med::imaging::{slice, Plane};
/// let v = ndarray::Array3::<f32>::from_shape_fn((4, 3, 2), |(i, j, k)| (100 * i + 10 * j + k) as f32);
/// let a = slice(&v.view(), Plane::Axial, 1).unwrap();
/// assert_eq!(a.dim(), (3, 4));          // rows = y (anterior first), columns = x
/// assert_eq!(a[[0, 2]], 221.0);          // top row is y = 2
/// assert!(slice(&v.view(), Plane::Axial, 2).is_err());
/// ```
pub fn slice(vol: &ArrayView3<f32>, plane: Plane, index: usize) -> Result<Array2<f64>> {
    Ok(oriented(vol, plane, index)?.mapv(|v| v as f64))
}

/// The same slice of a label map (values kept).
pub fn slice_labels(label: &ArrayView3<u8>, plane: Plane, index: usize) -> Result<Array2<u8>> {
    oriented(label, plane, index)
}

/// Scales a volume to `[0, 1]` for display: 0 at the 0.5th and 1 at the 99.5th percentile
/// of its nonzero voxels (background stays 0), clipped. Robust to the few very bright
/// voxels MRI volumes have; the course min–max normalises instead.
pub fn normalise(vol: &ArrayView3<f32>) -> Result<Array3<f32>> {
    let mut v: Vec<f32> = vol.iter().copied().filter(|x| x.is_finite() && *x != 0.0).collect();
    if v.is_empty() {
        return Ok(Array3::zeros(vol.raw_dim()));
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let q = |p: f64| v[((v.len() - 1) as f64 * p).round() as usize];
    let hi = q(0.995);
    let lo = if v[0] < 0.0 { q(0.005) } else { 0.0 };
    let span = if hi > lo { hi - lo } else { 1.0 };
    Ok(vol.mapv(|x| if x.is_finite() { ((x - lo) / span).clamp(0.0, 1.0) } else { 0.0 }))
}

/// Label colours: 1 edema red, 2 non-enhancing tumour green, 3 enhancing tumour blue
/// (further labels cycle through yellow, magenta, cyan).
pub const LABEL_COLOURS: [Rgb; 6] = [[230, 40, 40], [40, 200, 60], [50, 90, 255], [240, 220, 40], [220, 60, 220], [40, 220, 220]];

/// A grey slice (values in `[0, 1]`, e.g. from [`normalise`]) with a label slice drawn
/// over it in colour (see [`LABEL_COLOURS`]) at opacity `alpha`; label 0 is left clear.
pub fn overlay(grey: &Array2<f64>, label: Option<&Array2<u8>>, alpha: f64) -> Result<Image> {
    let mut img = Image::grey_range(&grey.view(), 0.0, 1.0)?;
    if let Some(l) = label {
        if l.dim() != grey.dim() {
            return Err(Error::ShapeMismatch {
                what: "label slice".into(),
                expected: format!("{:?} like the image slice", grey.shape()),
                got: l.shape().to_vec(),
            });
        }
        let max = l.iter().copied().max().unwrap_or(0);
        for v in 1..=max {
            if l.iter().any(|&x| x == v) {
                let m = l.mapv(|x| if x == v { 1.0 } else { 0.0 });
                img = img.overlay_mask(&m.view(), LABEL_COLOURS[(v as usize - 1) % LABEL_COLOURS.len()], alpha)?;
            }
        }
    }
    Ok(img)
}

fn frame(vol: &ArrayView3<f32>, label: Option<&ArrayView3<u8>>, plane: Plane, i: usize, alpha: f64) -> Result<Image> {
    let g = slice(vol, plane, i)?;
    let l = label.map(|l| slice_labels(l, plane, i)).transpose()?;
    overlay(&g, l.as_ref(), alpha)
}

fn check_pair(vol: &ArrayView3<f32>, label: Option<&ArrayView3<u8>>) -> Result<()> {
    if vol.is_empty() {
        return Err(Error::Empty { what: "volume".into() });
    }
    if let Some(l) = label
        && l.shape() != vol.shape()
    {
        return Err(Error::ShapeMismatch {
            what: "label volume".into(),
            expected: format!("{:?} like the image", vol.shape()),
            got: l.shape().to_vec(),
        });
    }
    Ok(())
}

/// A grid of `n` evenly spaced slices in one plane (with labels in colour when given),
/// each `cell_px` wide, captioned with the slice index. `vol` should be in `[0, 1]`
/// (see [`normalise`]).
pub fn montage(vol: &ArrayView3<f32>, label: Option<&ArrayView3<u8>>, plane: Plane, n: usize, cols: usize, cell_px: usize) -> Result<Html> {
    check_pair(vol, label)?;
    let len = vol.shape()[plane.axis()];
    let n = n.clamp(1, len);
    let idx: Vec<usize> = (0..n).map(|k| ((k as f64 + 0.5) * len as f64 / n as f64) as usize).collect();
    let imgs = idx.iter().map(|&i| frame(vol, label, plane, i, 0.45)).collect::<Result<Vec<_>>>()?;
    let caps: Vec<String> = idx.iter().map(|i| format!("{} {i}", plane.name())).collect();
    crate::display::images_html(&imgs, &caps, cols, cell_px)
}

/// An animated GIF sweeping through the volume slice by slice in one plane (labels in
/// colour when given), `step` slices per frame, `delay_ms` per frame, each frame enlarged
/// `scale` times; shown inline as an `<img>` (the course's `visualize_data_gif`).
pub fn sweep_gif(
    vol: &ArrayView3<f32>,
    label: Option<&ArrayView3<u8>>,
    plane: Plane,
    step: usize,
    delay_ms: u16,
    scale: usize,
) -> Result<Html> {
    check_pair(vol, label)?;
    let len = vol.shape()[plane.axis()];
    let step = step.max(1);
    let mut out = Vec::new();
    {
        let first = frame(vol, label, plane, 0, 0.45)?.upscale(scale.max(1))?;
        let (w, h) = (first.width() as u16, first.height() as u16);
        let mut enc = gif::Encoder::new(&mut out, w, h, &[]).map_err(|e| Error::Image(e.to_string()))?;
        enc.set_repeat(gif::Repeat::Infinite).map_err(|e| Error::Image(e.to_string()))?;
        for i in (0..len).step_by(step) {
            let img = frame(vol, label, plane, i, 0.45)?.upscale(scale.max(1))?;
            let mut f = gif::Frame::from_rgb_speed(w, h, img.rgb_bytes(), 10);
            f.delay = (delay_ms / 10).max(1);
            enc.write_frame(&f).map_err(|e| Error::Image(e.to_string()))?;
        }
    }
    let b64 = base64::engine::general_purpose::STANDARD.encode(&out);
    Ok(Html(format!(
        "<figure style=\"margin:0\"><img src=\"data:image/gif;base64,{b64}\" style=\"image-rendering:pixelated\"/><figcaption style=\"font:11px sans-serif\">{}</figcaption></figure>",
        escape_html(&format!("{} sweep, {} frames", plane.name(), len.div_ceil(step)))
    )))
}
