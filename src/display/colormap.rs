//! Colormaps for images, heatmaps and overlays.

/// An 8-bit RGB colour.
pub type Rgb = [u8; 3];

/// A colormap: maps a value in `[0, 1]` to a colour.
///
/// Each map is piecewise linear between control points taken from matplotlib's
/// definitions (`gray`, `viridis` sampled at nine points, `jet`, `hot`) plus a
/// diverging blue–white–red map for signed quantities such as SHAP values.
///
/// ```
/// use ai4med::display::Colormap;
/// assert_eq!(Colormap::Gray.map(0.0), [0, 0, 0]);
/// assert_eq!(Colormap::Gray.map(1.0), [255, 255, 255]);
/// assert_eq!(Colormap::Jet.map(0.5), [123, 255, 123]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Colormap {
    /// Black to white.
    #[default]
    Gray,
    /// matplotlib's perceptually uniform default (dark purple → yellow).
    Viridis,
    /// The rainbow map used in most Grad-CAM figures (dark blue → dark red).
    Jet,
    /// Black → red → yellow → white.
    Hot,
    /// Diverging: dark blue (0) → white (0.5) → dark red (1).
    BlueWhiteRed,
}

type Segments = &'static [(f64, f64)];

const VIRIDIS_T: [f64; 9] = [0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1.0];
const VIRIDIS: [[f64; 3]; 9] = [
    [68.0, 1.0, 84.0],
    [71.0, 44.0, 122.0],
    [59.0, 82.0, 139.0],
    [44.0, 114.0, 142.0],
    [33.0, 145.0, 140.0],
    [39.0, 173.0, 129.0],
    [92.0, 200.0, 99.0],
    [170.0, 220.0, 50.0],
    [253.0, 231.0, 37.0],
];
const BWR_T: [f64; 5] = [0.0, 0.25, 0.5, 0.75, 1.0];
const BWR: [[f64; 3]; 5] = [[5.0, 48.0, 97.0], [67.0, 147.0, 195.0], [247.0, 247.0, 247.0], [214.0, 96.0, 77.0], [103.0, 0.0, 31.0]];
const JET: [Segments; 3] = [
    &[(0.0, 0.0), (0.35, 0.0), (0.66, 1.0), (0.89, 1.0), (1.0, 0.5)],
    &[(0.0, 0.0), (0.125, 0.0), (0.375, 1.0), (0.64, 1.0), (0.91, 0.0), (1.0, 0.0)],
    &[(0.0, 0.5), (0.11, 1.0), (0.34, 1.0), (0.65, 0.0), (1.0, 0.0)],
];
const HOT: [Segments; 3] = [
    &[(0.0, 0.0416), (0.365079, 1.0), (1.0, 1.0)],
    &[(0.0, 0.0), (0.365079, 0.0), (0.746032, 1.0), (1.0, 1.0)],
    &[(0.0, 0.0), (0.746032, 0.0), (1.0, 1.0)],
];

fn interp(segs: &[(f64, f64)], t: f64) -> f64 {
    let mut prev = segs[0];
    for &(x, y) in &segs[1..] {
        if t <= x {
            let w = if x > prev.0 { (t - prev.0) / (x - prev.0) } else { 0.0 };
            return prev.1 + w * (y - prev.1);
        }
        prev = (x, y);
    }
    prev.1
}

fn interp_rgb(ts: &[f64], cols: &[[f64; 3]], t: f64) -> Rgb {
    let i = ts.iter().position(|&x| x >= t).unwrap_or(ts.len() - 1).max(1);
    let (t0, t1) = (ts[i - 1], ts[i]);
    let w = ((t - t0) / (t1 - t0)).clamp(0.0, 1.0);
    let c = |k: usize| (cols[i - 1][k] + w * (cols[i][k] - cols[i - 1][k])).round() as u8;
    [c(0), c(1), c(2)]
}

fn to_u8(v: f64) -> u8 {
    (v.clamp(0.0, 1.0) * 255.0).round() as u8
}

impl Colormap {
    /// The colour for `t`; values are clamped to `[0, 1]` and NaN maps like 0.
    pub fn map(self, t: f64) -> Rgb {
        let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
        match self {
            Colormap::Gray => {
                let v = to_u8(t);
                [v, v, v]
            }
            Colormap::Viridis => interp_rgb(&VIRIDIS_T, &VIRIDIS, t),
            Colormap::BlueWhiteRed => interp_rgb(&BWR_T, &BWR, t),
            Colormap::Jet => [to_u8(interp(JET[0], t)), to_u8(interp(JET[1], t)), to_u8(interp(JET[2], t))],
            Colormap::Hot => [to_u8(interp(HOT[0], t)), to_u8(interp(HOT[1], t)), to_u8(interp(HOT[2], t))],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_match_matplotlib() {
        assert_eq!(Colormap::Viridis.map(0.0), [68, 1, 84]);
        assert_eq!(Colormap::Viridis.map(1.0), [253, 231, 37]);
        assert_eq!(Colormap::Jet.map(0.0), [0, 0, 128]);
        assert_eq!(Colormap::Jet.map(1.0), [128, 0, 0]);
        assert_eq!(Colormap::Hot.map(1.0), [255, 255, 255]);
        assert_eq!(Colormap::BlueWhiteRed.map(0.5), [247, 247, 247]);
    }

    #[test]
    fn clamps_and_nan() {
        assert_eq!(Colormap::Gray.map(-3.0), [0, 0, 0]);
        assert_eq!(Colormap::Gray.map(7.0), [255, 255, 255]);
        assert_eq!(Colormap::Gray.map(f64::NAN), [0, 0, 0]);
        assert_eq!(Colormap::Gray.map(0.5), [128, 128, 128]);
    }
}
