//! Rendering: embedded fonts, the SVG backend, axis checks, fixed ticks and legend placement.

use super::*;
use std::sync::Once;

pub(super) static FONTS: Once = Once::new();

pub(super) fn register_fonts() {
    FONTS.call_once(|| {
        // DejaVu Sans ships inside the `dejavu` crate; registration only fails on a
        // corrupt font file, which would be a packaging bug: then text is skipped.
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular());
        let _ = plotters::style::register_font("sans-serif", FontStyle::Bold, dejavu::sans::bold());
    });
}

/// Draws with `draw` on a white SVG canvas of `size` pixels (fonts registered) and
/// returns the SVG text: the common frame of the crate's custom charts.
pub(crate) fn render_svg<F>(size: (u32, u32), draw: F) -> Result<String>
where
    F: FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> Result<()>,
{
    register_fonts();
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, size).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        draw(&root)?;
        root.present().map_err(plot_err)?;
    }
    Ok(out)
}

/// A plotters drawing error as ours.
pub(crate) fn plot_error<E: std::error::Error + Send + Sync>(e: DrawingAreaErrorKind<E>) -> Error {
    Error::Plot(e.to_string())
}

/// Most bins a histogram may have (a million): more cannot be seen and only cost memory.
pub const MAX_BINS: usize = 1_000_000;

/// Largest coordinate magnitude a chart axis may reach (1e306): padding, tick spacing and
/// plotters' own arithmetic then stay finite.
pub const MAX_AXIS: f64 = 1e306;

/// Checks a float axis before plotters sees it and returns it as a range: both ends
/// finite, `lo < hi`, both within ±[`MAX_AXIS`], and the span at least 1e-9 of the larger
/// end (narrower spans cannot be told apart from one value in tick labels; plotters'
/// tick search on a span that overflows to infinity, or on one below f64's resolution,
/// never ends). The error names the axis (`what`) and the values, so a figure of data
/// spanning ±1e308 reports it instead of freezing the kernel.
pub(crate) fn axis(lo: f64, hi: f64, what: &str) -> Result<std::ops::Range<f64>> {
    let big = lo.abs().max(hi.abs());
    if !(lo.is_finite() && hi.is_finite()) || lo >= hi {
        return Err(Error::invalid_arg(what, format!("axis range needs finite lo < hi, got {lo}..{hi}")));
    }
    if big > MAX_AXIS {
        return Err(Error::invalid_arg(
            what,
            format!("axis range {lo:e}..{hi:e} reaches past ±{MAX_AXIS:e}; rescale the data (e.g. a log or a unit) to draw it"),
        ));
    }
    if hi - lo < big * 1e-9 {
        return Err(Error::invalid_arg(
            what,
            format!("axis range {lo:e}..{hi:e} is narrower than f64 can label; subtract an offset first"),
        ));
    }
    Ok(lo..hi)
}

pub(super) fn plot_err<E: std::error::Error + Send + Sync>(e: DrawingAreaErrorKind<E>) -> Error {
    Error::Plot(e.to_string())
}

/// Adds the points of the pixel rectangle with corners `a` and `b` on a 4 px grid.
pub(super) fn area(a: (i32, i32), b: (i32, i32), out: &mut Vec<(i32, i32)>) {
    let (x0, x1) = (a.0.min(b.0), a.0.max(b.0));
    let (y0, y1) = (a.1.min(b.1), a.1.max(b.1));
    let mut y = y0;
    while y <= y1 {
        let mut x = x0;
        while x <= x1 {
            out.push((x, y));
            x += 4;
        }
        out.push((x1, y));
        y += 4;
    }
}

/// Width and height in pixels of plotters' legend box for these labels (12 px sans-serif,
/// its 30 px symbol area and 10 px margins).
pub(super) fn legend_dim(labels: &[String]) -> Result<(i32, i32)> {
    let font: TextStyle = ("sans-serif", 12).into_font().into();
    let mut text = MultiLineText::<_, &str>::new((0, 0), &font);
    for l in labels {
        text.push_line(l.as_str());
    }
    let (w, h) = text.estimate_dimension().map_err(|e| Error::Plot(format!("{e:?}")))?;
    Ok((w + 30 + 20, h + 20))
}

/// The legend box (left, top, right, bottom) in plotting-area pixels for a position, as
/// plotters lays it out (5 px from the edges).
pub(super) fn legend_box(pos: &SeriesLabelPosition, dim: (i32, i32), area: (u32, u32)) -> (i32, i32, i32, i32) {
    use SeriesLabelPosition::*;
    let (aw, ah) = (area.0 as i32, area.1 as i32);
    let x = match pos {
        UpperLeft | MiddleLeft | LowerLeft => 5,
        UpperMiddle | MiddleMiddle | LowerMiddle => (aw - dim.0) / 2,
        UpperRight | MiddleRight | LowerRight => aw - dim.0 - 5,
        Coordinate(x, _) => *x,
    };
    let y = match pos {
        UpperLeft | UpperMiddle | UpperRight => 5,
        MiddleLeft | MiddleMiddle | MiddleRight => (ah - dim.1) / 2,
        LowerLeft | LowerMiddle | LowerRight => ah - dim.1 - 5,
        Coordinate(_, y) => *y,
    };
    (x, y, x + dim.0, y + dim.1)
}

pub(super) fn covered_by(points: &[(i32, i32)], b: (i32, i32, i32, i32)) -> usize {
    // 2 px of air around the box count as covered too.
    points.iter().filter(|&&(x, y)| x >= b.0 - 2 && x <= b.2 + 2 && y >= b.1 - 2 && y <= b.3 + 2).count()
}

/// matplotlib's `loc="best"`: the first of the nine places, in matplotlib's order of
/// preference, whose box covers the fewest points (plotting-area pixels).
pub(super) fn best_legend_position(points: &[(i32, i32)], dim: (i32, i32), area: (u32, u32)) -> (SeriesLabelPosition, usize) {
    use SeriesLabelPosition::*;
    let mut best = (UpperRight, usize::MAX);
    for pos in [UpperRight, UpperLeft, LowerLeft, LowerRight, MiddleRight, MiddleLeft, LowerMiddle, UpperMiddle, MiddleMiddle] {
        let c = covered_by(points, legend_box(&pos, dim, area));
        if c < best.1 {
            best = (pos, c);
        }
        if c == 0 {
            break;
        }
    }
    best
}

/// The best place for a legend with these `labels` on a plotting area of `area` pixels,
/// given the data's pixel `points` relative to the area's top-left corner, and how many
/// of them its box covers (for the crate's custom charts; [`Figure`] does this itself).
pub(crate) fn best_legend_place(points: &[(i32, i32)], labels: &[String], area: (u32, u32)) -> Result<(SeriesLabelPosition, usize)> {
    Ok(best_legend_position(points, legend_dim(labels)?, area))
}

/// A float axis whose ticks (labels and grid lines) are exactly `ticks`, for charts that
/// must line other things up with them (the at-risk counts under a Kaplan–Meier plot) or
/// that choose their own (hazard ratios on a log axis). plotters' `with_key_points` does
/// the same but drops the default label formatting the mesh needs.
#[derive(Clone)]
pub(crate) struct FixedTicks {
    range: plotters::coord::types::RangedCoordf64,
    ticks: Vec<f64>,
}

impl FixedTicks {
    pub(crate) fn new(range: std::ops::Range<f64>, ticks: Vec<f64>) -> Self {
        FixedTicks { range: range.into(), ticks }
    }
}

impl plotters::coord::ranged1d::Ranged for FixedTicks {
    type FormatOption = plotters::coord::ranged1d::DefaultFormatting;
    type ValueType = f64;
    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.range.map(value, limit)
    }
    fn key_points<H: plotters::coord::ranged1d::KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.max_num_points() == 0 || hint.weight().allow_light_points() { Vec::new() } else { self.ticks.clone() }
    }
    fn range(&self) -> std::ops::Range<f64> {
        self.range.range()
    }
}

/// Tick labels of an axis spanning `lo..hi`: at most 7 significant digits, no trailing
/// zeros (`350`, not `350.0`; `0.3`, not `0.30000000000000004`), and exactly 0 for a
/// value within 1e-9 of the span of zero.
pub(crate) fn tick_formatter(lo: f64, hi: f64) -> impl Fn(&f64) -> String {
    let eps = (hi - lo).abs() * 1e-9;
    move |v: &f64| crate::display::short_float(if v.abs() <= eps { 0.0 } else { *v })
}
