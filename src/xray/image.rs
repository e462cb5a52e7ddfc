//! Radiograph files, resizing, standardization and augmentation.
//!
//! Images are `Array2<f32>` in `[0, 1]`, row-major (height × width), white = dense
//! (MONOCHROME2, as radiographs are read).

use super::labels::LabelTable;
use crate::display::{Html, Image, images_html};
use crate::{Error, Result};
use ndarray::{Array2, ArrayView2};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// Largest decoded PNG [`decode_png`] accepts: 1 GiB of samples (a 16-bit grey
/// radiograph of 4096 × 4096 is 32 MiB).
pub const MAX_PNG_BYTES: usize = 1 << 30;

/// Decodes a PNG (grey or colour, 1–16 bits, palette, alpha ignored) to a grey image
/// in `[0, 1]`; colour is converted with the ITU-R 601 luma weights used by PIL's
/// `convert("L")`. `what` names the file in error messages.
///
/// The size in the header is checked before the image is allocated: against
/// [`MAX_PNG_BYTES`], and against what the file's compressed bytes can hold (deflate
/// expands at most about 1032-fold), so a header claiming 255 × 122 million pixels in a
/// 70-byte file is an error, not a 31 GB allocation (found by fuzzing).
pub fn decode_png(bytes: &[u8], what: &str) -> Result<Array2<f32>> {
    let mut dec = png::Decoder::new(std::io::Cursor::new(bytes));
    dec.set_transformations(png::Transformations::EXPAND);
    let mut r = dec.read_info().map_err(|e| Error::parse(what, format!("not a readable PNG: {e}")))?;
    let size = r.output_buffer_size().ok_or_else(|| Error::parse(what, "PNG too large"))?;
    let (w0, h0) = (r.info().width, r.info().height);
    if size > MAX_PNG_BYTES {
        return Err(Error::parse(
            what,
            format!("{w0} × {h0} pixels need {size} bytes, over the {MAX_PNG_BYTES}-byte bound (MAX_PNG_BYTES)"),
        ));
    }
    // Each output row also carries a filter byte; 1032 is deflate's largest ratio.
    let rows_bytes = size.saturating_add(h0 as usize);
    if rows_bytes / 1032 > bytes.len() {
        return Err(Error::parse(what, format!("corrupt or truncated PNG: {w0} × {h0} pixels cannot come from {} bytes", bytes.len())));
    }
    let mut buf = vec![0; size];
    let info = r.next_frame(&mut buf).map_err(|e| Error::parse(what, format!("corrupt or truncated PNG: {e}")))?;
    let (w, h) = (info.width as usize, info.height as usize);
    let channels = match info.color_type {
        png::ColorType::Grayscale => 1,
        png::ColorType::GrayscaleAlpha => 2,
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        png::ColorType::Indexed => return Err(Error::parse(what, "palette PNG was not expanded")),
    };
    let (bytes_per, max) = match info.bit_depth {
        png::BitDepth::Sixteen => (2, 65535.0f32),
        png::BitDepth::Eight => (1, 255.0),
        d => return Err(Error::parse(what, format!("unsupported bit depth {d:?} after expansion"))),
    };
    let sample = |i: usize| -> f32 {
        if bytes_per == 2 { u16::from_be_bytes([buf[2 * i], buf[2 * i + 1]]) as f32 / max } else { buf[i] as f32 / max }
    };
    let mut out = Array2::zeros((h, w));
    for (p, v) in out.iter_mut().enumerate() {
        let b = p * channels;
        *v = if channels >= 3 { 0.299 * sample(b) + 0.587 * sample(b + 1) + 0.114 * sample(b + 2) } else { sample(b) };
    }
    Ok(out)
}

/// Reads a PNG file as a grey image in `[0, 1]` ([`decode_png`]); a missing file is an
/// I/O error naming it, a corrupt or truncated one a parse error naming it.
pub fn read_png(path: impl AsRef<Path>) -> Result<Array2<f32>> {
    let p = path.as_ref();
    let bytes = std::fs::read(p).map_err(|e| Error::io(p, e))?;
    decode_png(&bytes, &p.display().to_string())
}

/// Encodes a grey image (values clipped to `[0, 1]`) as an 8-bit grey PNG.
pub fn encode_png(img: &ArrayView2<f32>) -> Result<Vec<u8>> {
    let (h, w) = img.dim();
    if h == 0 || w == 0 {
        return Err(Error::Empty { what: "image".into() });
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w as u32, h as u32);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        let mut wr = enc.write_header().map_err(|e| Error::Image(e.to_string()))?;
        let data: Vec<u8> = img.iter().map(|&v| (v.clamp(0.0, 1.0) * 255.0).round() as u8).collect();
        wr.write_image_data(&data).map_err(|e| Error::Image(e.to_string()))?;
    }
    Ok(out)
}

/// Writes a grey image as an 8-bit PNG file ([`encode_png`]).
pub fn write_png(path: impl AsRef<Path>, img: &ArrayView2<f32>) -> Result<()> {
    let p = path.as_ref();
    std::fs::write(p, encode_png(img)?).map_err(|e| Error::io(p, e))
}

/// Resizes with a separable triangle (bilinear) filter whose support widens with the
/// reduction factor, so that down-sampling averages every input pixel (PIL's
/// `resize(..., BILINEAR)`, not the aliasing point-sampling of a plain bilinear lookup;
/// equal to Pillow 13 on float images to 1e-4, tested in `tests/xray_fixtures.rs`).
///
/// ```
/// let img = ndarray::Array2::from_elem((40, 30), 0.5f32);
/// let r = ai4med::xray::resize(&img.view(), 16, 12).unwrap();
/// assert_eq!(r.dim(), (16, 12));
/// assert!(r.iter().all(|&v| (v - 0.5).abs() < 1e-6));
/// ```
pub fn resize(img: &ArrayView2<f32>, height: usize, width: usize) -> Result<Array2<f32>> {
    let (h, w) = img.dim();
    if h == 0 || w == 0 || height == 0 || width == 0 {
        return Err(Error::invalid_arg("size", format!("cannot resize {h}×{w} to {height}×{width}")));
    }
    let wx = filter_weights(w, width);
    let wy = filter_weights(h, height);
    // Rows first, then columns.
    let mut tmp = Array2::<f32>::zeros((h, width));
    for r in 0..h {
        for (c, (start, ws)) in wx.iter().enumerate() {
            tmp[[r, c]] = ws.iter().enumerate().map(|(k, &wt)| wt * img[[r, start + k]]).sum();
        }
    }
    let mut out = Array2::<f32>::zeros((height, width));
    for (r, (start, ws)) in wy.iter().enumerate() {
        for c in 0..width {
            out[[r, c]] = ws.iter().enumerate().map(|(k, &wt)| wt * tmp[[start + k, c]]).sum();
        }
    }
    Ok(out)
}

fn filter_weights(n_in: usize, n_out: usize) -> Vec<(usize, Vec<f32>)> {
    let scale = n_in as f64 / n_out as f64;
    let support = scale.max(1.0);
    (0..n_out)
        .map(|o| {
            let centre = (o as f64 + 0.5) * scale;
            let lo = ((centre - support).floor().max(0.0)) as usize;
            let hi = ((centre + support).ceil() as usize).min(n_in);
            let mut ws: Vec<f64> = (lo..hi).map(|i| (1.0 - ((i as f64 + 0.5 - centre) / support).abs()).max(0.0)).collect();
            let s: f64 = ws.iter().sum();
            if s > 0.0 {
                ws.iter_mut().for_each(|x| *x /= s);
            }
            (lo, ws.into_iter().map(|x| x as f32).collect())
        })
        .collect()
}

/// Sample-wise standardization (Keras' `samplewise_center` +
/// `samplewise_std_normalization`, the course's generator): `(x − mean(x)) / (std(x) + 1e-6)`
/// with the population standard deviation of this image's pixels.
///
/// NaN policy: the mean and standard deviation are taken over the finite pixels only, and
/// a NaN or infinite pixel stays NaN in the result (an image with no finite pixel is all
/// NaN). Keras' NumPy arithmetic would instead turn the whole image into NaN for one NaN
/// pixel.
///
/// ```
/// let img = ndarray::array![[0.0f32, 1.0], [0.0, 1.0]];
/// let s = ai4med::xray::standardize_samplewise(&img.view());
/// assert!((s[[0, 1]] - 1.0).abs() < 1e-5 && (s[[0, 0]] + 1.0).abs() < 1e-5);
/// let with_nan = ndarray::array![[0.0f32, 1.0], [f32::NAN, 1.0], [0.0, f32::INFINITY]];
/// let s = ai4med::xray::standardize_samplewise(&with_nan.view());
/// assert!((s[[0, 1]] - 1.0).abs() < 1e-5 && (s[[0, 0]] + 1.0).abs() < 1e-5);
/// assert!(s[[1, 0]].is_nan() && s[[2, 1]].is_nan());
/// ```
pub fn standardize_samplewise(img: &ArrayView2<f32>) -> Array2<f32> {
    let (m, s) = mean_std(img.iter().copied());
    img.mapv(|v| if v.is_finite() { ((v as f64 - m) / (s + 1e-6)) as f32 } else { f32::NAN })
}

/// Mean and population standard deviation of the finite values (NaN, NaN when there are none).
fn mean_std(it: impl Iterator<Item = f32> + Clone) -> (f64, f64) {
    let (mut n, mut sum) = (0usize, 0.0f64);
    for v in it.clone().filter(|v| v.is_finite()) {
        n += 1;
        sum += v as f64;
    }
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    let m = sum / n as f64;
    let ss: f64 = it.filter(|v| v.is_finite()).map(|v| (v as f64 - m).powi(2)).sum();
    (m, (ss / n as f64).sqrt())
}

/// Feature-wise (dataset-wide) standardization, fitted on a training sample (Keras'
/// `featurewise_center` + `featurewise_std_normalization` on grey images, as the course
/// does with 100 training images): one mean and one standard deviation over all pixels of
/// the sample, applied to every image, `(x − mean) / (std + 1e-6)`.
/// Built as `ImageStandardizer::params().fit(&images)` (see [`crate::model`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ImageStandardizer {
    /// Mean pixel value of the fitting sample.
    pub mean: f64,
    /// Population standard deviation of its pixels.
    pub std: f64,
}

/// Settings of an [`ImageStandardizer`] (none: the statistics are over all pixels).
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct ImageStandardizerParams;

impl ImageStandardizerParams {
    /// Fits on a sample of images (any sizes). Errors: no pixels, a non-finite pixel.
    pub fn fit(&self, images: &[Array2<f32>]) -> Result<ImageStandardizer> {
        ImageStandardizer::fit_images(images)
    }
}

impl crate::model::Fit<[Array2<f32>], ()> for ImageStandardizerParams {
    type Fitted = ImageStandardizer;
    fn fit(&self, x: &[Array2<f32>], _y: &()) -> Result<ImageStandardizer> {
        ImageStandardizerParams::fit(self, x)
    }
}

impl ImageStandardizer {
    /// Settings before the fit (see [`crate::model`]).
    pub fn params() -> ImageStandardizerParams {
        ImageStandardizerParams
    }

    fn fit_images(images: &[Array2<f32>]) -> Result<ImageStandardizer> {
        if images.is_empty() || images.iter().all(|i| i.is_empty()) {
            return Err(Error::Empty { what: "images to fit the standardizer on".into() });
        }
        if images.iter().any(|i| i.iter().any(|v| !v.is_finite())) {
            return Err(Error::invalid_arg("images", "pixels must be finite"));
        }
        let (mean, std) = mean_std(images.iter().flat_map(|i| i.iter().copied()));
        Ok(ImageStandardizer { mean, std })
    }

    /// Applies the fitted mean and standard deviation.
    pub fn transform(&self, img: &ArrayView2<f32>) -> Array2<f32> {
        img.mapv(|v| ((v as f64 - self.mean) / (self.std + 1e-6)) as f32)
    }
}

/// How images are standardized before they reach the network.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Standardization {
    /// Each image by its own mean and standard deviation ([`standardize_samplewise`]).
    Samplewise,
    /// One mean and standard deviation fitted on training images ([`ImageStandardizer`]).
    Featurewise(ImageStandardizer),
    /// Pixels as they are, in `[0, 1]`.
    None,
}

impl Standardization {
    /// Applies the rule to one image.
    pub fn apply(&self, img: &ArrayView2<f32>) -> Array2<f32> {
        match self {
            Standardization::Samplewise => standardize_samplewise(img),
            Standardization::Featurewise(s) => s.transform(img),
            Standardization::None => img.to_owned(),
        }
    }
}

/// Random augmentation of training images: horizontal flip, rotation, shift and
/// contrast, each drawn per image from a seeded generator. Geometry is resampled
/// bilinearly with edge pixels repeated outside the image (Keras' `fill_mode="nearest"`).
///
/// Horizontal flips are off by default: on a chest radiograph they move the heart to
/// the wrong side, which a model can learn to rely on.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Augment {
    /// Flip left–right with probability 1/2.
    pub flip: bool,
    /// Rotation drawn uniformly in ±degrees.
    pub max_rotation_deg: f64,
    /// Shift drawn uniformly in ±fraction of the size, per axis.
    pub max_shift: f64,
    /// Contrast factor drawn uniformly in `[1 − c, 1 + c]`, applied around the mean.
    pub contrast: f64,
}

impl Default for Augment {
    /// No flip, ±5°, ±5 % shift, ±10 % contrast.
    fn default() -> Self {
        Augment { flip: false, max_rotation_deg: 5.0, max_shift: 0.05, contrast: 0.1 }
    }
}

impl Augment {
    /// Augments one image.
    pub fn apply<R: Rng>(&self, img: &ArrayView2<f32>, rng: &mut R) -> Array2<f32> {
        let (h, w) = img.dim();
        let flip = self.flip && rng.random_bool(0.5);
        let angle =
            if self.max_rotation_deg > 0.0 { rng.random_range(-self.max_rotation_deg..=self.max_rotation_deg).to_radians() } else { 0.0 };
        let (dy, dx) = if self.max_shift > 0.0 {
            (rng.random_range(-self.max_shift..=self.max_shift) * h as f64, rng.random_range(-self.max_shift..=self.max_shift) * w as f64)
        } else {
            (0.0, 0.0)
        };
        let c = if self.contrast > 0.0 { rng.random_range(1.0 - self.contrast..=1.0 + self.contrast) } else { 1.0 };
        let (cy, cx) = ((h as f64 - 1.0) / 2.0, (w as f64 - 1.0) / 2.0);
        let (sn, cs) = angle.sin_cos();
        let mean = img.iter().map(|&v| v as f64).sum::<f64>() / (h * w).max(1) as f64;
        let mut out = Array2::zeros((h, w));
        for r in 0..h {
            for col in 0..w {
                // Inverse map: output pixel → source coordinates.
                let (y, x) = (r as f64 - cy - dy, col as f64 - cx - dx);
                let sy = cs * y - sn * x + cy;
                let mut sx = sn * y + cs * x + cx;
                if flip {
                    sx = w as f64 - 1.0 - sx;
                }
                let v = bilinear(img, sy, sx);
                out[[r, col]] = (mean + c * (v - mean)) as f32;
            }
        }
        out
    }
}

fn bilinear(img: &ArrayView2<f32>, y: f64, x: f64) -> f64 {
    let (h, w) = img.dim();
    let y = y.clamp(0.0, h as f64 - 1.0);
    let x = x.clamp(0.0, w as f64 - 1.0);
    let (y0, x0) = (y.floor() as usize, x.floor() as usize);
    let (y1, x1) = ((y0 + 1).min(h - 1), (x0 + 1).min(w - 1));
    let (fy, fx) = (y - y0 as f64, x - x0 as f64);
    let g = |r: usize, c: usize| img[[r, c]] as f64;
    (1.0 - fy) * ((1.0 - fx) * g(y0, x0) + fx * g(y0, x1)) + fy * ((1.0 - fx) * g(y1, x0) + fx * g(y1, x1))
}

/// What to do when a listed image file is missing or unreadable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Missing {
    /// Stop with an error naming the first files that failed.
    Fail,
    /// Leave those rows out (the returned table says which rows were kept).
    Skip,
}

/// Images of a label table, loaded from a folder.
#[derive(Clone, Debug)]
pub struct ImageSet {
    /// The rows whose images were loaded (all rows unless [`Missing::Skip`] dropped some).
    pub table: LabelTable,
    /// One image per row, resized to the requested size.
    pub images: Vec<Array2<f32>>,
    /// Files that could not be read, with the reason (only with [`Missing::Skip`]).
    pub skipped: Vec<(PathBuf, String)>,
}

/// Loads the images of `table` from `dir` (PNG, or DICOM for `.dcm` names; file names from the table's `images`,
/// looked up directly in `dir` and, as in the ChestX-ray14 download, in any
/// `images_*/images/` sub-folder), resized to `height × width`, in parallel.
///
/// With [`Missing::Fail`] a missing or corrupt file is an error naming up to five such
/// files and how many failed; with [`Missing::Skip`] they are reported in
/// [`ImageSet::skipped`] and their rows dropped.
pub fn load_images(dir: impl AsRef<Path>, table: &LabelTable, height: usize, width: usize, missing: Missing) -> Result<ImageSet> {
    let dir = dir.as_ref();
    if !dir.is_dir() {
        return Err(Error::io(dir, std::io::Error::new(std::io::ErrorKind::NotFound, "image folder does not exist")));
    }
    let mut folders = vec![dir.to_path_buf()];
    if let Ok(rd) = std::fs::read_dir(dir) {
        let mut subs: Vec<PathBuf> = rd.filter_map(|e| e.ok()).map(|e| e.path().join("images")).filter(|p| p.is_dir()).collect();
        subs.sort();
        folders.extend(subs);
    }
    type Loaded = std::result::Result<Array2<f32>, (PathBuf, String)>;
    let results: Vec<(usize, Loaded)> = table
        .images
        .par_iter()
        .enumerate()
        .map(|(i, name)| {
            let path = folders.iter().map(|f| f.join(name)).find(|p| p.exists()).unwrap_or_else(|| dir.join(name));
            let r = super::dicom::read_image(&path).and_then(|img| resize(&img.view(), height, width)).map_err(|e| (path, e.to_string()));
            (i, r)
        })
        .collect();
    let mut keep = Vec::new();
    let mut images = Vec::new();
    let mut skipped = Vec::new();
    for (i, r) in results {
        match r {
            Ok(img) => {
                keep.push(i);
                images.push(img);
            }
            Err(e) => skipped.push(e),
        }
    }
    if !skipped.is_empty() && missing == Missing::Fail {
        let names: Vec<String> = skipped.iter().take(5).map(|(p, e)| format!("{} ({e})", p.display())).collect();
        return Err(Error::parse(
            format!("images in {}", dir.display()),
            format!(
                "{} of {} files could not be read: {}{}",
                skipped.len(),
                table.len(),
                names.join("; "),
                if skipped.len() > 5 { "; …" } else { "" }
            ),
        ));
    }
    Ok(ImageSet { table: table.subset(&keep)?, images, skipped })
}

/// A grid of grey images with captions, shown inline as HTML (PNG thumbnails).
///
/// ```
/// let img = ndarray::Array2::from_elem((8, 8), 0.5f32);
/// let g = ai4med::xray::image_grid(&[img.clone(), img], &["a", "b"], 2, 64).unwrap();
/// assert!(g.0.contains("data:image/png;base64,"));
/// ```
pub fn image_grid<S: AsRef<str>>(images: &[Array2<f32>], captions: &[S], cols: usize, cell_px: usize) -> Result<Html> {
    crate::error::check::same_len("images vs captions", images.len(), captions.len())?;
    let shown = images.iter().map(grey_stretched).collect::<Result<Vec<_>>>()?;
    images_html(&shown, captions, cols, cell_px)
}

/// A grey image stretched to its own minimum and maximum (standardized images have
/// values outside `[0, 1]`); a constant image shows black.
pub(crate) fn grey_stretched(img: &Array2<f32>) -> Result<Image> {
    let (lo, hi) = img.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
    Image::grey(&img.mapv(|v| if hi > lo { ((v - lo) / (hi - lo)) as f64 } else { 0.0 }).view())
}

/// A seeded generator for augmentation (one stream per epoch and image index, so the
/// same training run gives the same augmentations on any thread count).
pub fn augment_rng(seed: u64, epoch: usize, index: usize) -> ChaCha8Rng {
    let mut r = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed_a06e);
    r.set_stream(((epoch as u64) << 32) | index as u64);
    r
}

impl crate::display::Render for ImageStandardizer {
    fn render(&self) -> crate::display::View {
        crate::display::View::text(format!("feature-wise standardization: (x − {:.6}) / ({:.6} + 1e-6)", self.mean, self.std))
    }
}
crate::rendered!(ImageStandardizer);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_round_trip_and_corrupt_files() {
        let img = Array2::from_shape_fn((5, 7), |(r, c)| ((r * 7 + c) as f32) / 34.0);
        let bytes = encode_png(&img.view()).unwrap();
        let back = decode_png(&bytes, "mem").unwrap();
        assert!(back.iter().zip(img.iter()).all(|(a, b)| (a - b).abs() <= 0.5 / 255.0 + 1e-6));
        let e = decode_png(&bytes[..bytes.len() / 2], "half.png").unwrap_err().to_string();
        assert!(e.contains("half.png"), "{e}");
        assert!(decode_png(b"not a png", "x").is_err());
        let rg1 = read_png(crate::data::data_path("rg1_chest_pa.png").unwrap()).unwrap();
        assert_eq!(rg1.dim(), (512, 482));
    }

    #[test]
    fn resize_preserves_mean_and_matches_box_average_for_halving() {
        let img = Array2::from_shape_fn((8, 8), |(r, c)| ((r * 3 + c * 5) % 7) as f32);
        let r = resize(&img.view(), 4, 4).unwrap();
        let (m1, m2) = (img.mean().unwrap(), r.mean().unwrap());
        assert!((m1 - m2).abs() < 0.05, "{m1} {m2}");
        let up = resize(&img.view(), 16, 16).unwrap();
        assert!((up.mean().unwrap() - m1).abs() < 0.1);
    }

    #[test]
    fn standardizers_and_augment() {
        let img = Array2::from_shape_fn((10, 10), |(r, c)| (r + c) as f32 / 18.0);
        let s = standardize_samplewise(&img.view());
        assert!(s.mean().unwrap().abs() < 1e-5);
        let f = ImageStandardizer::params().fit(std::slice::from_ref(&img)).unwrap();
        assert!((f.transform(&img.view()) - &s).iter().all(|d| d.abs() < 1e-5));
        assert!(ImageStandardizer::params().fit(&[]).is_err());
        let a = Augment { flip: true, max_rotation_deg: 0.0, max_shift: 0.0, contrast: 0.0 };
        let mut flipped = None;
        for i in 0..8 {
            let out = a.apply(&img.view(), &mut augment_rng(1, 0, i));
            if out != img {
                flipped = Some(out);
            }
        }
        let fl = flipped.unwrap();
        assert!((fl[[0, 0]] - img[[0, 9]]).abs() < 1e-6);
        let z = Augment { flip: false, max_rotation_deg: 0.0, max_shift: 0.0, contrast: 0.0 }.apply(&img.view(), &mut augment_rng(1, 0, 0));
        assert!((z - &img).iter().all(|d| d.abs() < 1e-6));
    }

    #[test]
    fn directory_loader_names_missing_files() {
        let dir = std::env::temp_dir().join(format!("ai4med-imgdir-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("images_001/images")).unwrap();
        let img = Array2::from_elem((20, 20), 0.25f32);
        write_png(dir.join("a.png"), &img.view()).unwrap();
        write_png(dir.join("images_001/images/b.png"), &img.view()).unwrap();
        std::fs::write(dir.join("c.png"), b"\x89PNG truncated").unwrap();
        let df =
            polars::df!("Image" => ["a.png", "b.png", "c.png", "d.png"], "PatientId" => [1i64, 1, 2, 3], "X" => [0i32, 1, 0, 1]).unwrap();
        let t = LabelTable::from_frame(&df, "Image", "PatientId", &["X"]).unwrap();
        let e = load_images(&dir, &t, 10, 10, Missing::Fail).unwrap_err().to_string();
        assert!(e.contains("c.png") && e.contains("d.png") && e.contains("2 of 4"), "{e}");
        let s = load_images(&dir, &t, 10, 10, Missing::Skip).unwrap();
        assert_eq!(s.table.images, vec!["a.png", "b.png"]);
        assert_eq!(s.images[1].dim(), (10, 10));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
