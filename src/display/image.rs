//! Images from arrays, shown inline as PNG.

use super::{Colormap, Png, Rgb};
use crate::{Error, Result};
use ndarray::{ArrayView2, ArrayView3};

/// An 8-bit RGB raster made from an array, shown inline as `image/png`.
///
/// Grey images are scaled linearly from the array's finite minimum (black) to its
/// finite maximum (white), like matplotlib's `imshow` with default `vmin`/`vmax`;
/// [`Image::grey_range`] fixes the window instead. Non-finite pixels are drawn in
/// black; an array with no finite value at all is an error.
///
/// ```
/// use ai4med::display::{Image, Colormap};
/// use ndarray::array;
/// let img = Image::grey(&array![[0.0, 1.0], [2.0, 4.0]].view()).unwrap();
/// assert_eq!((img.width(), img.height()), (2, 2));
/// assert_eq!(img.pixel(1, 1), [255, 255, 255]);
/// assert_eq!(img.pixel(0, 1), [64, 64, 64]);
/// let heat = Image::colormap(&array![[0.0, 1.0]].view(), Colormap::Jet).unwrap();
/// assert_eq!(heat.pixel(0, 0), [0, 0, 128]);
/// ```
#[derive(Clone, PartialEq)]
pub struct Image {
    width: usize,
    height: usize,
    /// Row-major RGB bytes.
    data: Vec<u8>,
}

impl std::fmt::Debug for Image {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Image {{ width: {}, height: {} }}", self.width, self.height)
    }
}

fn finite_range(what: &str, a: &ArrayView2<f64>) -> Result<(f64, f64)> {
    if a.is_empty() {
        return Err(Error::Empty { what: what.to_string() });
    }
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for &v in a.iter().filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if lo > hi {
        return Err(Error::InvalidValue {
            what: what.to_string(),
            value: a.iter().next().map(|v| v.to_string()).unwrap_or_default(),
            index: 0,
            reason: "every pixel is NaN or infinite: nothing to draw".to_string(),
        });
    }
    Ok((lo, hi))
}

impl Image {
    /// A grey image scaled from the finite minimum to the finite maximum of `a`
    /// (rows are image rows). A constant image is drawn mid-grey.
    pub fn grey(a: &ArrayView2<f64>) -> Result<Image> {
        Self::colormap(a, Colormap::Gray)
    }

    /// A grey image with a fixed window: `lo` is black, `hi` white, values outside clamp.
    pub fn grey_range(a: &ArrayView2<f64>, lo: f64, hi: f64) -> Result<Image> {
        Self::colormap_range(a, Colormap::Gray, lo, hi)
    }

    /// A false-colour image of `a` through `cmap`, scaled from its finite minimum to maximum.
    pub fn colormap(a: &ArrayView2<f64>, cmap: Colormap) -> Result<Image> {
        let (lo, hi) = finite_range("image", a)?;
        Self::colormap_range(a, cmap, lo, hi)
    }

    /// A false-colour image with a fixed value window `[lo, hi]`.
    pub fn colormap_range(a: &ArrayView2<f64>, cmap: Colormap, lo: f64, hi: f64) -> Result<Image> {
        if a.is_empty() {
            return Err(Error::Empty { what: "image".into() });
        }
        if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
            return Err(Error::invalid_arg("lo/hi", format!("need finite lo <= hi, got lo = {lo}, hi = {hi}")));
        }
        let (h, w) = a.dim();
        let mut data = Vec::with_capacity(h * w * 3);
        for &v in a.iter() {
            let c: Rgb = if !v.is_finite() {
                [0, 0, 0]
            } else if hi > lo {
                cmap.map((v - lo) / (hi - lo))
            } else {
                cmap.map(0.5)
            };
            data.extend_from_slice(&c);
        }
        Ok(Image { width: w, height: h, data })
    }

    /// An RGB image from an array of shape `(rows, cols, 3)` with values in `[0, 1]`
    /// (clamped; non-finite values become 0).
    pub fn rgb(a: &ArrayView3<f64>) -> Result<Image> {
        let (h, w, c) = a.dim();
        if c != 3 {
            return Err(Error::ShapeMismatch { what: "RGB image".into(), expected: "(rows, cols, 3)".into(), got: a.shape().to_vec() });
        }
        if h == 0 || w == 0 {
            return Err(Error::Empty { what: "RGB image".into() });
        }
        let data = a.iter().map(|&v| if v.is_finite() { (v.clamp(0.0, 1.0) * 255.0).round() as u8 } else { 0 }).collect();
        Ok(Image { width: w, height: h, data })
    }

    /// Blends a heatmap or mask over this image: each pixel becomes
    /// `(1 − α·s)·base + α·s·cmap(s)`, where `s` is the overlay value scaled to `[0, 1]`
    /// by its finite min and max (or taken as is when `raw` values already lie in
    /// `[0, 1]`). Pixels where the overlay is 0 or NaN keep the base colour, so binary
    /// masks and Grad-CAM maps both read naturally. `alpha` must lie in `[0, 1]`.
    pub fn overlay(&self, over: &ArrayView2<f64>, cmap: Colormap, alpha: f64) -> Result<Image> {
        if over.dim() != (self.height, self.width) {
            return Err(Error::ShapeMismatch {
                what: "overlay".into(),
                expected: format!("({}, {}) like the base image", self.height, self.width),
                got: over.shape().to_vec(),
            });
        }
        if !(0.0..=1.0).contains(&alpha) {
            return Err(Error::invalid_arg("alpha", format!("must lie in [0, 1], got {alpha}")));
        }
        let (lo, hi) = finite_range("overlay", over)?;
        let (lo, hi) = if lo >= 0.0 && hi <= 1.0 { (0.0, 1.0) } else { (lo, hi) };
        let mut data = self.data.clone();
        for (k, &v) in over.iter().enumerate() {
            if !v.is_finite() {
                continue;
            }
            let s = if hi > lo { ((v - lo) / (hi - lo)).clamp(0.0, 1.0) } else { 1.0 };
            let c = cmap.map(s);
            let a = alpha * s;
            for ch in 0..3 {
                let base = data[3 * k + ch] as f64;
                data[3 * k + ch] = ((1.0 - a) * base + a * c[ch] as f64).round() as u8;
            }
        }
        Ok(Image { width: self.width, height: self.height, data })
    }

    /// Paints a binary mask in one colour: where `mask` is nonzero (and finite) each
    /// pixel becomes `(1 − α)·base + α·colour`; elsewhere the base shows. This is the
    /// usual way to draw a label (a tumour region, a finding's outline) over a scan.
    pub fn overlay_mask(&self, mask: &ArrayView2<f64>, colour: Rgb, alpha: f64) -> Result<Image> {
        if mask.dim() != (self.height, self.width) {
            return Err(Error::ShapeMismatch {
                what: "mask".into(),
                expected: format!("({}, {}) like the base image", self.height, self.width),
                got: mask.shape().to_vec(),
            });
        }
        if !(0.0..=1.0).contains(&alpha) {
            return Err(Error::invalid_arg("alpha", format!("must lie in [0, 1], got {alpha}")));
        }
        let mut data = self.data.clone();
        for (k, &v) in mask.iter().enumerate() {
            if v.is_finite() && v != 0.0 {
                for ch in 0..3 {
                    let base = data[3 * k + ch] as f64;
                    data[3 * k + ch] = ((1.0 - alpha) * base + alpha * colour[ch] as f64).round() as u8;
                }
            }
        }
        Ok(Image { width: self.width, height: self.height, data })
    }

    /// Enlarges the image `k` times by pixel repetition (for tiny arrays); `k` ≥ 1.
    pub fn upscale(&self, k: usize) -> Result<Image> {
        if k == 0 {
            return Err(Error::invalid_arg("k", "upscale factor must be at least 1"));
        }
        let (w, h) = (self.width * k, self.height * k);
        let mut data = Vec::with_capacity(w * h * 3);
        for y in 0..h {
            for x in 0..w {
                data.extend_from_slice(&self.pixel(y / k, x / k));
            }
        }
        Ok(Image { width: w, height: h, data })
    }

    /// The raw row-major RGB bytes (3 per pixel).
    pub fn rgb_bytes(&self) -> &[u8] {
        &self.data
    }

    /// Width in pixels.
    pub fn width(&self) -> usize {
        self.width
    }
    /// Height in pixels.
    pub fn height(&self) -> usize {
        self.height
    }
    /// The colour at `(row, col)`; out-of-range positions give black.
    pub fn pixel(&self, row: usize, col: usize) -> Rgb {
        if row >= self.height || col >= self.width {
            return [0, 0, 0];
        }
        let k = 3 * (row * self.width + col);
        [self.data[k], self.data[k + 1], self.data[k + 2]]
    }

    /// Encodes as PNG (8-bit RGB).
    pub fn to_png(&self) -> Result<Png> {
        let mut out = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut out, self.width as u32, self.height as u32);
            enc.set_color(png::ColorType::Rgb);
            enc.set_depth(png::BitDepth::Eight);
            let mut w = enc.write_header().map_err(|e| Error::Image(e.to_string()))?;
            w.write_image_data(&self.data).map_err(|e| Error::Image(e.to_string()))?;
        }
        Ok(Png(out))
    }

    /// Writes the PNG to a file.
    pub fn save(&self, path: impl AsRef<std::path::Path>) -> Result<()> {
        self.to_png()?.save(path)
    }

    /// Prints the evcxr block (`image/png`); an encoding failure prints a readable message.
    pub fn evcxr_display(&self) {
        match self.to_png() {
            Ok(p) => p.evcxr_display(),
            Err(e) => print!("{}", super::evcxr_block("text/html", &super::error_html("image", &e))),
        }
    }
}

/// A grid of rendered [`Image`]s (overlays, heatmaps) with captions, as inline HTML.
pub fn images_html<S: AsRef<str>>(images: &[Image], captions: &[S], cols: usize, cell_px: usize) -> crate::Result<super::Html> {
    crate::error::check::same_len("images vs captions", images.len(), captions.len())?;
    let cols = cols.max(1);
    let mut html = format!("<div style=\"display:grid;grid-template-columns:repeat({cols},{cell_px}px);gap:6px\">");
    for (img, cap) in images.iter().zip(captions) {
        let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &img.to_png()?.0);
        html.push_str(&format!(
            "<figure style=\"margin:0\"><img src=\"data:image/png;base64,{b64}\" style=\"width:{cell_px}px;image-rendering:pixelated\"/><figcaption style=\"font:11px sans-serif\">{}</figcaption></figure>",
            super::escape_html(cap.as_ref())
        ));
    }
    html.push_str("</div>");
    Ok(super::Html(html))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array2, Array3, array};

    fn decode(p: &Png) -> (png::OutputInfo, Vec<u8>) {
        let dec = png::Decoder::new(std::io::Cursor::new(p.0.clone()));
        let mut r = dec.read_info().unwrap();
        let mut buf = vec![0; r.output_buffer_size().unwrap()];
        let info = r.next_frame(&mut buf).unwrap();
        buf.truncate(info.buffer_size());
        (info, buf)
    }

    #[test]
    fn png_round_trips() {
        let a = Array2::from_shape_fn((3, 5), |(i, j)| (i * 5 + j) as f64);
        let img = Image::grey(&a.view()).unwrap();
        let (info, buf) = decode(&img.to_png().unwrap());
        assert_eq!((info.width, info.height), (5, 3));
        assert_eq!(&buf[..3], &[0, 0, 0]);
        assert_eq!(&buf[buf.len() - 3..], &[255, 255, 255]);
        let block = img.to_png().unwrap().evcxr_content();
        assert!(block.starts_with("EVCXR_BEGIN_CONTENT image/png\niVBORw0KGgo"));
    }

    #[test]
    fn nan_pixels_and_all_nan() {
        let a = array![[f64::NAN, 1.0], [2.0, 3.0]];
        let img = Image::grey(&a.view()).unwrap();
        assert_eq!(img.pixel(0, 0), [0, 0, 0]);
        assert_eq!(img.pixel(1, 1), [255, 255, 255]);
        let all = Array2::from_elem((2, 2), f64::NAN);
        let e = Image::grey(&all.view()).unwrap_err();
        assert!(e.to_string().contains("every pixel is NaN"), "{e}");
        let empty = Array2::<f64>::zeros((0, 3));
        assert!(matches!(Image::grey(&empty.view()), Err(Error::Empty { .. })));
    }

    #[test]
    fn constant_image_is_mid_grey() {
        let a = Array2::from_elem((2, 2), 7.0);
        assert_eq!(Image::grey(&a.view()).unwrap().pixel(0, 0), [128, 128, 128]);
    }

    #[test]
    fn rgb_shape_checked() {
        let bad = Array3::<f64>::zeros((2, 2, 4));
        assert!(matches!(Image::rgb(&bad.view()), Err(Error::ShapeMismatch { .. })));
        let mut ok = Array3::<f64>::zeros((1, 1, 3));
        ok[[0, 0, 0]] = 1.0;
        assert_eq!(Image::rgb(&ok.view()).unwrap().pixel(0, 0), [255, 0, 0]);
    }

    #[test]
    fn overlay_blends_mask() {
        let base = Image::grey(&array![[0.0, 1.0]].view()).unwrap();
        let mask = array![[1.0, 0.0]];
        let o = base.overlay(&mask.view(), Colormap::Hot, 0.5).unwrap();
        // pixel 0: half black, half white (hot(1) = white) -> 128; pixel 1 unchanged.
        assert_eq!(o.pixel(0, 0), [128, 128, 128]);
        assert_eq!(o.pixel(0, 1), [255, 255, 255]);
        assert!(base.overlay(&array![[1.0]].view(), Colormap::Hot, 0.5).is_err());
        assert!(base.overlay(&mask.view(), Colormap::Hot, 1.5).is_err());
    }

    #[test]
    fn mask_overlay_uses_one_colour() {
        let base = Image::grey(&array![[0.0, 1.0]].view()).unwrap();
        let o = base.overlay_mask(&array![[1.0, 0.0]].view(), [255, 0, 0], 0.5).unwrap();
        assert_eq!(o.pixel(0, 0), [128, 0, 0]);
        assert_eq!(o.pixel(0, 1), [255, 255, 255]);
        assert!(base.overlay_mask(&array![[1.0]].view(), [255, 0, 0], 0.5).is_err());
    }

    #[test]
    fn upscale_repeats_pixels() {
        let img = Image::grey(&array![[0.0, 1.0]].view()).unwrap().upscale(3).unwrap();
        assert_eq!((img.width(), img.height()), (6, 3));
        assert_eq!(img.pixel(2, 2), [0, 0, 0]);
        assert_eq!(img.pixel(2, 3), [255, 255, 255]);
    }
}
