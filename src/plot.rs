//! Figures drawn with plotters' SVG backend and shown inline as `image/svg+xml`.
//!
//! [`Figure`] covers the course's charts: lines (ROC curves), steps (Kaplan–Meier),
//! scatter, shaded bands (confidence intervals), grouped bars (class frequencies,
//! importances) and text annotations (operating points). [`Heatmap`] draws a matrix
//! with a colour bar (missingness maps, confusion matrices).
//!
//! Text is laid out with an embedded DejaVu Sans font (the `dejavu` crate) through
//! plotters' `ab_glyph` backend, so no system font packages are needed; the SVG keeps
//! the text as `<text>` elements.
//!
//! Builder methods never fail. Problems in the inputs (mismatched lengths, mixing
//! bars with lines) are collected and reported when the figure is rendered:
//! [`Figure::to_svg`] returns the error and the inline display shows it as a readable
//! message. Non-finite points are skipped. A figure with no data draws empty axes
//! with a "no data" note.
//!
//! ```
//! use ai4med::plot::Figure;
//! let fig = Figure::new()
//!     .title("ROC curve")
//!     .x_label("false positive rate")
//!     .y_label("true positive rate")
//!     .line(&[0.0, 0.2, 1.0], &[0.0, 0.8, 1.0], "model (AUC 0.80)")
//!     .dashed(&[0.0, 1.0], &[0.0, 1.0], "random guess")
//!     .point(0.2, 0.8, "threshold 0.5");
//! let svg = fig.to_svg().unwrap();
//! assert!(svg.contains("ROC curve") && svg.contains("model (AUC 0.80)"));
//! ```

use crate::display::{Colormap, Svg, error_html, evcxr_block};
use crate::{Error, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::sync::Once;

static FONTS: Once = Once::new();

fn register_fonts() {
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

/// The default colour cycle (matplotlib's `tab10`).
pub const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// Where the legend goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Legend {
    /// Wherever it covers the least data (default), as matplotlib's `loc="best"`: of the
    /// four corners, the middles of the four sides and the centre, in that order of
    /// preference, the first place whose box covers the fewest drawn points (line and
    /// step segments sampled every few pixels, scatter points, band edges, histogram
    /// and bar areas, annotations).
    #[default]
    Best,
    /// Top right corner of the plotting area.
    UpperRight,
    /// Bottom right (ROC curves).
    LowerRight,
    /// Top left.
    UpperLeft,
    /// Bottom left (survival curves).
    LowerLeft,
    /// No legend.
    Hidden,
}

#[derive(Debug, Clone)]
enum Series {
    Line { x: Vec<f64>, y: Vec<f64>, label: String, dashed: bool, color: Option<RGBColor> },
    Step { x: Vec<f64>, y: Vec<f64>, label: String, color: Option<RGBColor> },
    Scatter { x: Vec<f64>, y: Vec<f64>, label: String, color: Option<RGBColor> },
    Band { x: Vec<f64>, lo: Vec<f64>, hi: Vec<f64>, label: String, step: bool, color: Option<RGBColor> },
    Bars { categories: Vec<String>, values: Vec<f64>, label: String },
    Hist { edges: Vec<f64>, heights: Vec<f64>, label: String, color: Option<RGBColor> },
    Point { x: f64, y: f64, text: String },
}

/// A 2-D figure: lines, steps, scatter, bands, bars and annotations on shared axes.
///
/// Series take the next colour of [`PALETTE`] unless one is given. Bar series cannot
/// be mixed with the others; several bar series are drawn grouped side by side over
/// the categories of the first.
#[derive(Clone)]
pub struct Figure {
    title: String,
    x_label: String,
    y_label: String,
    size: (u32, u32),
    x_range: Option<(f64, f64)>,
    y_range: Option<(f64, f64)>,
    legend: Legend,
    series: Vec<Series>,
    problems: Vec<String>,
}

/// A short summary, not the data: evcxr shows `{:?}` when it cannot call `evcxr_display`.
impl std::fmt::Debug for Figure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Figure {{ title: {:?}, series: {}, size: {:?} }}", self.title, self.series.len(), self.size)
    }
}

impl Default for Figure {
    fn default() -> Self {
        Self::new()
    }
}

fn finite_pairs(x: &[f64], y: &[f64]) -> Vec<(f64, f64)> {
    x.iter().zip(y).filter(|(a, b)| a.is_finite() && b.is_finite()).map(|(&a, &b)| (a, b)).collect()
}

fn step_path(pts: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut out = Vec::with_capacity(pts.len() * 2);
    for (i, &(x, y)) in pts.iter().enumerate() {
        if i > 0 {
            out.push((x, pts[i - 1].1));
        }
        out.push((x, y));
    }
    out
}

/// The data range with 4 % padding each side; a single value (or a span too small to
/// label) gets ±10 % of its size, or ±1 at zero. Spans that overflow stay as they are and
/// are reported by [`axis`].
fn pad_range(lo: f64, hi: f64) -> (f64, f64) {
    if !(lo.is_finite() && hi.is_finite()) {
        return (0.0, 1.0);
    }
    let big = lo.abs().max(hi.abs());
    if hi - lo <= big * 1e-9 || hi - lo < 1e-300 {
        let d = if big > 1e-300 { big * 0.1 } else { 1.0 };
        return (lo - d, hi + d);
    }
    let d = (hi - lo) * 0.04;
    (lo - d, hi + d)
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

fn plot_err<E: std::error::Error + Send + Sync>(e: DrawingAreaErrorKind<E>) -> Error {
    Error::Plot(e.to_string())
}

impl Figure {
    /// An empty 640 × 440 figure.
    pub fn new() -> Self {
        Figure {
            title: String::new(),
            x_label: String::new(),
            y_label: String::new(),
            size: (640, 440),
            x_range: None,
            y_range: None,
            legend: Legend::default(),
            series: Vec::new(),
            problems: Vec::new(),
        }
    }

    /// Sets the title.
    pub fn title(mut self, t: impl Into<String>) -> Self {
        self.title = t.into();
        self
    }
    /// Sets the x-axis label.
    pub fn x_label(mut self, t: impl Into<String>) -> Self {
        self.x_label = t.into();
        self
    }
    /// Sets the y-axis label.
    pub fn y_label(mut self, t: impl Into<String>) -> Self {
        self.y_label = t.into();
        self
    }
    /// Sets the size in pixels (each side at least 100).
    pub fn size(mut self, width: u32, height: u32) -> Self {
        self.size = (width.max(100), height.max(100));
        self
    }
    /// Fixes the x range instead of fitting the data.
    pub fn x_range(mut self, lo: f64, hi: f64) -> Self {
        match axis(lo, hi, "x_range") {
            Ok(_) => self.x_range = Some((lo, hi)),
            Err(e) => self.problems.push(e.to_string()),
        }
        self
    }
    /// Fixes the y range instead of fitting the data.
    pub fn y_range(mut self, lo: f64, hi: f64) -> Self {
        match axis(lo, hi, "y_range") {
            Ok(_) => self.y_range = Some((lo, hi)),
            Err(e) => self.problems.push(e.to_string()),
        }
        self
    }
    /// Places (or hides) the legend.
    pub fn legend(mut self, pos: Legend) -> Self {
        self.legend = pos;
        self
    }

    fn check_len(&mut self, what: &str, a: usize, b: usize) -> bool {
        if a != b {
            self.problems.push(format!("{what}: x has {a} values but y has {b}"));
            false
        } else {
            true
        }
    }

    /// Adds a line through the points `(x[i], y[i])`. An empty label leaves it out of the legend.
    pub fn line(mut self, x: &[f64], y: &[f64], label: impl Into<String>) -> Self {
        let label = label.into();
        if self.check_len(&format!("line '{label}'"), x.len(), y.len()) {
            self.series.push(Series::Line { x: x.to_vec(), y: y.to_vec(), label, dashed: false, color: None });
        }
        self
    }
    /// Adds a line in a given colour.
    pub fn line_colored(mut self, x: &[f64], y: &[f64], label: impl Into<String>, rgb: [u8; 3]) -> Self {
        let label = label.into();
        if self.check_len(&format!("line '{label}'"), x.len(), y.len()) {
            let color = Some(RGBColor(rgb[0], rgb[1], rgb[2]));
            self.series.push(Series::Line { x: x.to_vec(), y: y.to_vec(), label, dashed: false, color });
        }
        self
    }
    /// Adds a grey dashed line (reference lines such as the random-guess diagonal).
    pub fn dashed(mut self, x: &[f64], y: &[f64], label: impl Into<String>) -> Self {
        let label = label.into();
        if self.check_len(&format!("dashed line '{label}'"), x.len(), y.len()) {
            let color = Some(RGBColor(120, 120, 120));
            self.series.push(Series::Line { x: x.to_vec(), y: y.to_vec(), label, dashed: true, color });
        }
        self
    }
    /// Adds a right-continuous step function: the value `y[i]` holds from `x[i]` until
    /// `x[i+1]` (survival curves, cumulative counts).
    pub fn step(mut self, x: &[f64], y: &[f64], label: impl Into<String>) -> Self {
        let label = label.into();
        if self.check_len(&format!("step '{label}'"), x.len(), y.len()) {
            self.series.push(Series::Step { x: x.to_vec(), y: y.to_vec(), label, color: None });
        }
        self
    }
    /// Adds unconnected markers.
    pub fn scatter(mut self, x: &[f64], y: &[f64], label: impl Into<String>) -> Self {
        let label = label.into();
        if self.check_len(&format!("scatter '{label}'"), x.len(), y.len()) {
            self.series.push(Series::Scatter { x: x.to_vec(), y: y.to_vec(), label, color: None });
        }
        self
    }
    /// Adds a shaded band between `lo` and `hi` (a confidence interval), in the colour of
    /// the series added just before it. `step = true` shades a step function's band.
    pub fn band(mut self, x: &[f64], lo: &[f64], hi: &[f64], label: impl Into<String>, step: bool) -> Self {
        let label = label.into();
        if self.check_len(&format!("band '{label}' (lower)"), x.len(), lo.len())
            && self.check_len(&format!("band '{label}' (upper)"), x.len(), hi.len())
        {
            self.series.push(Series::Band { x: x.to_vec(), lo: lo.to_vec(), hi: hi.to_vec(), label, step, color: None });
        }
        self
    }
    /// Adds a bar series over named categories.
    pub fn bars<S: AsRef<str>>(mut self, categories: &[S], values: &[f64], label: impl Into<String>) -> Self {
        let label = label.into();
        if categories.len() != values.len() {
            self.problems.push(format!("bars '{label}': {} categories but {} values", categories.len(), values.len()));
        } else {
            let categories = categories.iter().map(|s| s.as_ref().to_string()).collect();
            self.series.push(Series::Bars { categories, values: values.to_vec(), label });
        }
        self
    }
    /// Adds a histogram of `values` with `bins` equal-width bins over their finite range;
    /// with `density` the bar heights integrate to 1 (so a density curve can be laid
    /// over it), otherwise they are counts. Non-finite values are left out.
    pub fn histogram(self, values: &[f64], bins: usize, label: impl Into<String>, density: bool) -> Self {
        self.histograms(&[(label.into().as_str(), values)], bins, density)
    }

    /// Adds overlaid histograms of several groups on the same `bins` equal-width bins
    /// (spanning all groups' finite values), so their bars line up and compare directly.
    ///
    /// ```
    /// use ai4med::plot::Figure;
    /// let f = Figure::new().histograms(&[("treated", &[50.0, 61.0, 70.0][..]), ("control", &[45.0, 66.0][..])], 5, false);
    /// assert!(f.to_svg().unwrap().contains("control"));
    /// ```
    pub fn histograms(mut self, groups: &[(&str, &[f64])], bins: usize, density: bool) -> Self {
        if bins == 0 {
            for (label, _) in groups {
                self.problems.push(format!("histogram '{label}': needs at least one bin"));
            }
            return self;
        }
        let finite = |v: &[f64]| -> Vec<f64> { v.iter().copied().filter(|x| x.is_finite()).collect() };
        let (lo, hi) = groups
            .iter()
            .flat_map(|(_, v)| v.iter().copied().filter(|x| x.is_finite()))
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| (a.min(x), b.max(x)));
        if lo > hi {
            return self;
        }
        if bins > MAX_BINS {
            self.problems.push(format!("histogram: {bins} bins is more than {MAX_BINS}"));
            return self;
        }
        // One distinct value: a bin of width 1 around it (or ±5 % of a large value).
        let d = if lo.abs() > 10.0 { lo.abs() * 0.05 } else { 0.5 };
        let (lo, hi) = if hi > lo { (lo, hi) } else { (lo - d, hi + d) };
        let w = (hi - lo) / bins as f64;
        if !(w.is_finite() && w > 0.0) || axis(lo, hi, "histogram values").is_err() {
            self.problems.push(format!("histogram: values span {lo:e}..{hi:e}, too wide (or too narrow) for equal-width bins"));
            return self;
        }
        let edges: Vec<f64> = (0..=bins).map(|k| lo + k as f64 * w).collect();
        for (label, values) in groups {
            let v = finite(values);
            if v.is_empty() {
                continue;
            }
            let mut counts = vec![0.0; bins];
            for x in &v {
                let k = (((x - lo) / w) as usize).min(bins - 1);
                counts[k] += 1.0;
            }
            if density {
                let n = v.len() as f64;
                counts.iter_mut().for_each(|c| *c /= n * w);
            }
            self.series.push(Series::Hist { edges: edges.clone(), heights: counts, label: label.to_string(), color: None });
        }
        self
    }

    /// Marks a point with a dot and a text label (an operating point, a median).
    pub fn point(mut self, x: f64, y: f64, text: impl Into<String>) -> Self {
        self.series.push(Series::Point { x, y, text: text.into() });
        self
    }

    /// The first problem with the inputs, if any; otherwise whether this is a bar chart.
    fn validate(&self) -> Result<bool> {
        if let Some(p) = self.problems.first() {
            return Err(Error::Plot(p.clone()));
        }
        let has_bars = self.series.iter().any(|s| matches!(s, Series::Bars { .. }));
        let has_xy = self.series.iter().any(|s| !matches!(s, Series::Bars { .. }));
        if has_bars && has_xy {
            return Err(Error::Plot("bar series cannot be mixed with lines, steps, scatter or bands in one figure".into()));
        }
        Ok(has_bars)
    }

    /// Draws the figure; returns how many data points the legend covers. Where a
    /// best-placed legend would cover data anywhere and the y range is automatic, the
    /// y axis grows at the top by the legend's height, so the legend sits above the data
    /// (matplotlib leaves that to the user; a notebook figure should not need it).
    fn draw_on(&self, area: &DrawingArea<SVGBackend<'_>, Shift>) -> Result<usize> {
        let bars = self.validate()?;
        let draw = |a: &DrawingArea<SVGBackend<'_>, Shift>, headroom: f64| {
            if bars { self.draw_bars(a, headroom) } else { self.draw_xy(a, headroom) }
        };
        if self.legend == Legend::Best && self.y_range.is_none() && !self.legend_labels().is_empty() {
            let (w, h) = area.dim_in_pixel();
            let mut scratch = String::new();
            let covered = {
                let dry = SVGBackend::with_string(&mut scratch, (w.max(1), h.max(1))).into_drawing_area();
                draw(&dry, 0.0)?
            };
            if covered > 0 {
                // The plotting area is the panel less the title, the x-label area and margins.
                let plot_h = (h as f64 - if self.title.is_empty() { 0.0 } else { 30.0 } - 45.0 - 24.0).max(60.0);
                let legend_h = legend_dim(&self.legend_labels())?.1 as f64 + 12.0;
                let headroom = (legend_h / (plot_h - legend_h).max(20.0)).min(1.0);
                return draw(area, headroom);
            }
        }
        draw(area, 0.0)
    }

    /// Renders to an SVG string, or reports the first problem with the inputs.
    pub fn to_svg(&self) -> Result<String> {
        self.validate()?;
        register_fonts();
        let mut out = String::new();
        {
            let root = SVGBackend::with_string(&mut out, self.size).into_drawing_area();
            root.fill(&WHITE).map_err(plot_err)?;
            self.draw_on(&root)?;
            root.present().map_err(plot_err)?;
        }
        Ok(out)
    }

    /// Renders to an [`Svg`] value.
    pub fn svg(&self) -> Result<Svg> {
        self.to_svg().map(Svg)
    }

    /// Writes the figure as an SVG file.
    pub fn save(&self, path: impl AsRef<std::path::Path>) -> Result<()> {
        self.svg()?.save(path)
    }

    /// Prints the evcxr block: the SVG, or a readable message if the figure cannot be drawn.
    pub fn evcxr_display(&self) {
        match self.to_svg() {
            Ok(s) => print!("{}", evcxr_block("image/svg+xml", &s)),
            Err(e) => print!("{}", evcxr_block("text/html", &error_html("figure", &e))),
        }
    }

    fn data_ranges(&self) -> ((f64, f64), (f64, f64), bool) {
        let (mut x0, mut x1, mut y0, mut y1) = (f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY, f64::NEG_INFINITY);
        let mut any = false;
        let mut add = |x: f64, y: f64| {
            if x.is_finite() && y.is_finite() {
                x0 = x0.min(x);
                x1 = x1.max(x);
                y0 = y0.min(y);
                y1 = y1.max(y);
                any = true;
            }
        };
        for s in &self.series {
            match s {
                Series::Line { x, y, .. } | Series::Step { x, y, .. } | Series::Scatter { x, y, .. } => {
                    x.iter().zip(y).for_each(|(&a, &b)| add(a, b))
                }
                Series::Band { x, lo, hi, .. } => {
                    x.iter().zip(lo).for_each(|(&a, &b)| add(a, b));
                    x.iter().zip(hi).for_each(|(&a, &b)| add(a, b));
                }
                Series::Point { x, y, .. } => add(*x, *y),
                Series::Hist { edges, heights, .. } => {
                    for (k, h) in heights.iter().enumerate() {
                        add(edges[k], 0.0);
                        add(edges[k + 1], *h);
                    }
                }
                Series::Bars { .. } => {}
            }
        }
        let xr = self.x_range.unwrap_or_else(|| if any { pad_range(x0, x1) } else { (0.0, 1.0) });
        let yr = self.y_range.unwrap_or_else(|| if any { pad_range(y0, y1) } else { (0.0, 1.0) });
        (xr, yr, any)
    }

    fn chart_builder<'a, 'b>(&self, root: &'a DrawingArea<SVGBackend<'b>, Shift>) -> ChartBuilder<'a, 'b, SVGBackend<'b>> {
        let mut b = ChartBuilder::on(root);
        if !self.title.is_empty() {
            b.caption(&self.title, ("sans-serif", 18));
        }
        b.margin(12).x_label_area_size(if self.x_label.is_empty() { 30 } else { 45 }).y_label_area_size(if self.y_label.is_empty() {
            45
        } else {
            60
        });
        b
    }

    /// `headroom`: extra space above the data, as a fraction of the y span (for the legend).
    fn draw_xy(&self, root: &DrawingArea<SVGBackend<'_>, Shift>, headroom: f64) -> Result<usize> {
        let ((x0, x1), (y0, y1), any) = self.data_ranges();
        let y1 = y1 + (y1 - y0) * headroom;
        let (xs, ys) = (axis(x0, x1, "figure x values")?, axis(y0, y1, "figure y values")?);
        let mut chart = self.chart_builder(root).build_cartesian_2d(xs, ys).map_err(plot_err)?;
        let (xfmt, yfmt) = (tick_formatter(x0, x1), tick_formatter(y0, y1));
        chart
            .configure_mesh()
            .x_label_formatter(&xfmt)
            .y_label_formatter(&yfmt)
            .x_desc(self.x_label.as_str())
            .y_desc(self.y_label.as_str())
            .max_light_lines(2)
            .light_line_style(RGBColor(240, 240, 240))
            .bold_line_style(RGBColor(215, 215, 215))
            .label_style(("sans-serif", 12))
            .axis_desc_style(("sans-serif", 13))
            .draw()
            .map_err(plot_err)?;
        if !any {
            let mid = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
            chart
                .draw_series(std::iter::once(Text::new("no data", mid, ("sans-serif", 16).into_font().color(&RGBColor(120, 120, 120)))))
                .map_err(plot_err)?;
        }
        let mut next = 0usize;
        let mut last_color = PALETTE[0];
        let mut labelled = false;
        for s in &self.series {
            let mut take = |c: &Option<RGBColor>| {
                let col = c.unwrap_or_else(|| {
                    let k = PALETTE[next % PALETTE.len()];
                    next += 1;
                    k
                });
                last_color = col;
                col
            };
            match s {
                Series::Line { x, y, label, dashed, color } => {
                    let col = take(color);
                    let pts = finite_pairs(x, y);
                    let style = col.stroke_width(2);
                    let anno = if *dashed {
                        chart.draw_series(DashedLineSeries::new(pts, 6, 4, col.stroke_width(1))).map_err(plot_err)?
                    } else {
                        chart.draw_series(LineSeries::new(pts, style)).map_err(plot_err)?
                    };
                    if !label.is_empty() {
                        labelled = true;
                        anno.label(label.as_str()).legend(move |(a, b)| PathElement::new(vec![(a, b), (a + 18, b)], col.stroke_width(2)));
                    }
                }
                Series::Step { x, y, label, color } => {
                    let col = take(color);
                    let pts = step_path(&finite_pairs(x, y));
                    let anno = chart.draw_series(LineSeries::new(pts, col.stroke_width(2))).map_err(plot_err)?;
                    if !label.is_empty() {
                        labelled = true;
                        anno.label(label.as_str()).legend(move |(a, b)| PathElement::new(vec![(a, b), (a + 18, b)], col.stroke_width(2)));
                    }
                }
                Series::Scatter { x, y, label, color } => {
                    let col = take(color);
                    let pts = finite_pairs(x, y);
                    let anno = chart.draw_series(pts.into_iter().map(|p| Circle::new(p, 3, col.mix(0.8).filled()))).map_err(plot_err)?;
                    if !label.is_empty() {
                        labelled = true;
                        anno.label(label.as_str()).legend(move |(a, b)| Circle::new((a + 9, b), 3, col.filled()));
                    }
                }
                Series::Band { x, lo, hi, label, step, color } => {
                    let col = color.unwrap_or(last_color);
                    let lower = finite_pairs(x, lo);
                    let upper = finite_pairs(x, hi);
                    let (lower, upper) = if *step { (step_path(&lower), step_path(&upper)) } else { (lower, upper) };
                    let mut poly = lower;
                    poly.extend(upper.into_iter().rev());
                    if poly.len() >= 3 {
                        let anno = chart.draw_series(std::iter::once(Polygon::new(poly, col.mix(0.2).filled()))).map_err(plot_err)?;
                        if !label.is_empty() {
                            labelled = true;
                            anno.label(label.as_str())
                                .legend(move |(a, b)| Rectangle::new([(a, b - 5), (a + 18, b + 5)], col.mix(0.2).filled()));
                        }
                    }
                }
                Series::Point { x, y, text } => {
                    if x.is_finite() && y.is_finite() {
                        let (x, y) = (*x, *y);
                        chart.draw_series(std::iter::once(Circle::new((x, y), 5, BLACK.filled()))).map_err(plot_err)?;
                        chart
                            .draw_series(std::iter::once(
                                EmptyElement::at((x, y)) + Text::new(text.clone(), (9, 4), ("sans-serif", 12).into_font()),
                            ))
                            .map_err(plot_err)?;
                    }
                }
                Series::Hist { edges, heights, label, color } => {
                    let col = take(color);
                    let rects = heights
                        .iter()
                        .enumerate()
                        .map(|(k, &h)| Rectangle::new([(edges[k], 0.0), (edges[k + 1], h)], col.mix(0.55).filled()));
                    let anno = chart.draw_series(rects).map_err(plot_err)?;
                    if !label.is_empty() {
                        labelled = true;
                        anno.label(label.as_str())
                            .legend(move |(a, b)| Rectangle::new([(a, b - 5), (a + 14, b + 5)], col.mix(0.55).filled()));
                    }
                }
                Series::Bars { .. } => {}
            }
        }
        if labelled && self.legend != Legend::Hidden {
            let obstacles = self.xy_obstacles(|p| chart.backend_coord(&p));
            let area = (chart.plotting_area().get_base_pixel(), chart.plotting_area().dim_in_pixel());
            return self.draw_legend(&mut chart.configure_series_labels(), area, &self.legend_labels(), &obstacles);
        }
        Ok(0)
    }

    /// Pixel positions the data covers, for placing the legend: segments sampled every
    /// 3 px, points, band edges, histogram areas on a 4 px grid, annotation boxes.
    fn xy_obstacles(&self, to_px: impl Fn((f64, f64)) -> (i32, i32)) -> Vec<(i32, i32)> {
        let mut out = Vec::new();
        let path = |pts: &[(f64, f64)], out: &mut Vec<(i32, i32)>| {
            for w in pts.windows(2) {
                let (a, b) = (to_px(w[0]), to_px(w[1]));
                let n = ((a.0 - b.0).abs().max((a.1 - b.1).abs()) / 3).clamp(1, 2000);
                for k in 0..=n {
                    let t = k as f64 / n as f64;
                    out.push(((a.0 as f64 + t * (b.0 - a.0) as f64) as i32, (a.1 as f64 + t * (b.1 - a.1) as f64) as i32));
                }
            }
            if pts.len() == 1 {
                out.push(to_px(pts[0]));
            }
        };
        for s in &self.series {
            match s {
                Series::Line { x, y, .. } => path(&finite_pairs(x, y), &mut out),
                Series::Step { x, y, .. } => path(&step_path(&finite_pairs(x, y)), &mut out),
                Series::Scatter { x, y, .. } => out.extend(finite_pairs(x, y).into_iter().map(&to_px)),
                Series::Band { x, lo, hi, step, .. } => {
                    for e in [finite_pairs(x, lo), finite_pairs(x, hi)] {
                        path(&if *step { step_path(&e) } else { e }, &mut out);
                    }
                }
                Series::Hist { edges, heights, .. } => {
                    for (k, &h) in heights.iter().enumerate() {
                        let (a, b) = (to_px((edges[k], 0.0)), to_px((edges[k + 1], h)));
                        area(a, b, &mut out);
                    }
                }
                Series::Point { x, y, text } => {
                    let p = to_px((*x, *y));
                    area((p.0 - 5, p.1 - 8), (p.0 + 9 + 7 * text.chars().count() as i32, p.1 + 8), &mut out);
                }
                Series::Bars { .. } => {}
            }
        }
        out
    }

    /// The legend's entries, in drawing order (series with a label).
    fn legend_labels(&self) -> Vec<String> {
        self.series
            .iter()
            .filter_map(|s| match s {
                Series::Line { label, .. }
                | Series::Step { label, .. }
                | Series::Scatter { label, .. }
                | Series::Band { label, .. }
                | Series::Bars { label, .. }
                | Series::Hist { label, .. } => Some(label.clone()),
                Series::Point { .. } => None,
            })
            .filter(|l| !l.is_empty())
            .collect()
    }

    /// Draws the legend at the chosen or the best place; returns how many obstacle points
    /// its box covers.
    fn draw_legend<'a, 'b, DB: DrawingBackend + 'a, CT: plotters::coord::CoordTranslate>(
        &self,
        cfg: &mut plotters::chart::SeriesLabelStyle<'a, 'b, DB, CT>,
        area: ((i32, i32), (u32, u32)),
        labels: &[String],
        obstacles: &[(i32, i32)],
    ) -> Result<usize> {
        let dim = legend_dim(labels)?;
        let origin = area.0;
        let local: Vec<(i32, i32)> = obstacles.iter().map(|&(x, y)| (x - origin.0, y - origin.1)).collect();
        let (pos, covered) = match self.legend {
            Legend::Best | Legend::Hidden => best_legend_position(&local, dim, area.1),
            fixed => {
                let p = match fixed {
                    Legend::LowerRight => SeriesLabelPosition::LowerRight,
                    Legend::UpperLeft => SeriesLabelPosition::UpperLeft,
                    Legend::LowerLeft => SeriesLabelPosition::LowerLeft,
                    _ => SeriesLabelPosition::UpperRight,
                };
                let c = covered_by(&local, legend_box(&p, dim, area.1));
                (p, c)
            }
        };
        cfg.position(pos)
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(180, 180, 180))
            .label_font(("sans-serif", 12))
            .draw()
            .map_err(|e| Error::Plot(e.to_string()))?;
        Ok(covered)
    }

    fn draw_bars(&self, root: &DrawingArea<SVGBackend<'_>, Shift>, headroom: f64) -> Result<usize> {
        let bars: Vec<(&Vec<String>, &Vec<f64>, &String)> = self
            .series
            .iter()
            .filter_map(|s| match s {
                Series::Bars { categories, values, label } => Some((categories, values, label)),
                _ => None,
            })
            .collect();
        let cats = bars[0].0.clone();
        let n = cats.len().max(1);
        let (mut lo, mut hi) = (0.0f64, 0.0f64);
        for (_, v, _) in &bars {
            for &x in v.iter().filter(|x| x.is_finite()) {
                lo = lo.min(x);
                hi = hi.max(x);
            }
        }
        let (y0, y1) = self.y_range.unwrap_or_else(|| {
            let span = if hi - lo > 0.0 { hi - lo } else { 1.0 };
            (if lo < 0.0 { lo - 0.05 * span } else { 0.0 }, if hi > 0.0 { hi + 0.08 * span } else { 0.05 * span })
        });
        let y1 = y1 + (y1 - y0) * headroom;
        // Category names wider than their slot are written vertically (the x-label area
        // grows to fit them).
        let longest = cats.iter().map(|c| c.chars().count()).max().unwrap_or(0) as f64;
        let slot = (self.size.0 as f64 - 90.0) / n as f64;
        let vertical = longest * 6.8 > slot * 0.95;
        let mut builder = self.chart_builder(root);
        if vertical {
            builder.x_label_area_size((longest * 5.8) as u32 + if self.x_label.is_empty() { 14 } else { 32 });
        }
        let ys = axis(y0, y1, "bar values")?;
        let mut chart = builder.build_cartesian_2d((0..n as i32 - 1).into_segmented(), ys).map_err(plot_err)?;
        let fmt = |v: &SegmentValue<i32>| match v {
            SegmentValue::CenterOf(i) if !vertical => cats.get(*i as usize).cloned().unwrap_or_default(),
            _ => String::new(),
        };
        let yfmt = tick_formatter(y0, y1);
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n)
            .x_label_formatter(&fmt)
            .y_label_formatter(&yfmt)
            .x_desc(self.x_label.as_str())
            .y_desc(self.y_label.as_str())
            .max_light_lines(2)
            .light_line_style(RGBColor(240, 240, 240))
            .label_style(("sans-serif", 12))
            .axis_desc_style(("sans-serif", 13))
            .draw()
            .map_err(plot_err)?;
        if vertical {
            // Plotters centres mesh labels on their tick whatever the rotation, which puts
            // half of a vertical label above the axis: draw the names ourselves, reading
            // downwards from just below the axis.
            let style = TextStyle::from(("sans-serif", 12).into_font().transform(FontTransform::Rotate90)).color(&BLACK);
            for (i, c) in cats.iter().enumerate() {
                let (x, y) = chart.backend_coord(&(SegmentValue::CenterOf(i as i32), y0));
                root.draw(&Text::new(c.clone(), (x - 4, y + 6), style.clone())).map_err(plot_err)?;
            }
        }
        let k = bars.len();
        let seg_px = chart.plotting_area().dim_in_pixel().0 as f64 / n as f64;
        let w = 1.0 / (k as f64 + 0.6);
        let mut labelled = false;
        for (si, (_, values, label)) in bars.iter().enumerate() {
            let col = PALETTE[si % PALETTE.len()];
            // Each category is one segment; series si takes the si-th slot of width w.
            let left = ((0.3 * w + si as f64 * w) * seg_px) as u32;
            let right = ((1.0 - 0.3 * w - (si + 1) as f64 * w) * seg_px).max(0.0) as u32;
            let rects = values.iter().enumerate().filter(|(i, v)| *i < n && v.is_finite()).map(|(i, &v)| {
                let i = i as i32;
                let mut r = Rectangle::new([(SegmentValue::Exact(i), 0.0), (SegmentValue::Exact(i + 1), v)], col.filled());
                r.set_margin(0, 0, left, right);
                r
            });
            let anno = chart.draw_series(rects).map_err(plot_err)?;
            if !label.is_empty() && k > 1 {
                labelled = true;
                anno.label(label.as_str()).legend(move |(a, b)| Rectangle::new([(a, b - 5), (a + 14, b + 5)], col.filled()));
            }
        }
        if labelled && self.legend != Legend::Hidden {
            let mut obstacles = Vec::new();
            for (si, (_, values, _)) in bars.iter().enumerate() {
                for (i, &v) in values.iter().enumerate().filter(|(i, v)| *i < n && v.is_finite()) {
                    let a = chart.backend_coord(&(SegmentValue::Exact(i as i32), 0.0));
                    let b = chart.backend_coord(&(SegmentValue::Exact(i as i32 + 1), v));
                    let (l, r) =
                        (((0.3 * w + si as f64 * w) * seg_px) as i32, ((1.0 - 0.3 * w - (si + 1) as f64 * w) * seg_px).max(0.0) as i32);
                    area((a.0 + l, a.1), (b.0 - r, b.1), &mut obstacles);
                }
            }
            let plot_area = (chart.plotting_area().get_base_pixel(), chart.plotting_area().dim_in_pixel());
            return self.draw_legend(&mut chart.configure_series_labels(), plot_area, &self.legend_labels(), &obstacles);
        }
        Ok(0)
    }

    /// How many sampled data points (line and step segments every 3 px, scatter points,
    /// band edges, histogram and bar areas on a 4 px grid, annotations) the legend's box
    /// covers as drawn; 0 when the legend is clear of the data or there is none. For tests
    /// of figures, and to check a chosen fixed [`Legend`] position.
    pub fn legend_overlap(&self) -> Result<usize> {
        self.validate()?;
        register_fonts();
        let mut out = String::new();
        let root = SVGBackend::with_string(&mut out, self.size).into_drawing_area();
        self.draw_on(&root)
    }
}

/// Adds the points of the pixel rectangle with corners `a` and `b` on a 4 px grid.
fn area(a: (i32, i32), b: (i32, i32), out: &mut Vec<(i32, i32)>) {
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
fn legend_dim(labels: &[String]) -> Result<(i32, i32)> {
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
fn legend_box(pos: &SeriesLabelPosition, dim: (i32, i32), area: (u32, u32)) -> (i32, i32, i32, i32) {
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

fn covered_by(points: &[(i32, i32)], b: (i32, i32, i32, i32)) -> usize {
    // 2 px of air around the box count as covered too.
    points.iter().filter(|&&(x, y)| x >= b.0 - 2 && x <= b.2 + 2 && y >= b.1 - 2 && y <= b.3 + 2).count()
}

/// matplotlib's `loc="best"`: the first of the nine places, in matplotlib's order of
/// preference, whose box covers the fewest points (plotting-area pixels).
fn best_legend_position(points: &[(i32, i32)], dim: (i32, i32), area: (u32, u32)) -> (SeriesLabelPosition, usize) {
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
    move |v: &f64| crate::grade::short_float(if v.abs() <= eps { 0.0 } else { *v })
}

/// Widest a [`Grid`] is drawn, in pixels (about a notebook page): panels that would not fit
/// wrap onto more rows.
pub const MAX_GRID_WIDTH: u32 = 960;

/// Several figures side by side in one SVG (calibration before/after, per-class panels).
///
/// Each panel has the given cell size; panels fill rows of `cols`, or of fewer where `cols`
/// panels would be wider than [`MAX_GRID_WIDTH`].
///
/// ```
/// use ai4med::plot::{Figure, Grid};
/// let a = Figure::new().title("before").line(&[0.0, 1.0], &[0.0, 1.0], "");
/// let b = Figure::new().title("after").line(&[0.0, 1.0], &[1.0, 0.0], "");
/// let svg = Grid::new(vec![a, b], 2).to_svg().unwrap();
/// assert!(svg.contains("before") && svg.contains("after"));
/// ```
#[derive(Clone)]
pub struct Grid {
    figures: Vec<Figure>,
    cols: usize,
    cell: (u32, u32),
}

/// A short summary, not the data (evcxr shows `{:?}` where it cannot show the HTML).
impl std::fmt::Debug for Grid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Grid {{ panels: {}, cols: {}, cell: {:?} }}", self.figures.len(), self.cols, self.cell)
    }
}

impl Grid {
    /// Panels in rows of `cols` (at least 1), each 420 × 320 pixels.
    pub fn new(figures: Vec<Figure>, cols: usize) -> Self {
        Grid { figures, cols: cols.max(1), cell: (420, 320) }
    }
    /// Sets the size of each panel.
    pub fn cell_size(mut self, width: u32, height: u32) -> Self {
        self.cell = (width.max(100), height.max(100));
        self
    }
    /// Renders to SVG; the first failing panel's problem is the error.
    pub fn to_svg(&self) -> Result<String> {
        if self.figures.is_empty() {
            return Err(Error::Empty { what: "figure grid".into() });
        }
        for f in &self.figures {
            f.validate()?;
        }
        // At most MAX_GRID_WIDTH pixels wide: Jupyter shrinks a wider SVG to the page, and
        // its 12 px labels with it (a 4 × 350 px grid read at 9 px).
        let fit = (MAX_GRID_WIDTH / self.cell.0).max(1) as usize;
        let cols = self.cols.min(self.figures.len()).min(fit).max(1);
        let rows = self.figures.len().div_ceil(cols);
        register_fonts();
        let mut out = String::new();
        {
            let size = (self.cell.0 * cols as u32, self.cell.1 * rows as u32);
            let root = SVGBackend::with_string(&mut out, size).into_drawing_area();
            root.fill(&WHITE).map_err(plot_err)?;
            let areas = root.split_evenly((rows, cols));
            for (f, a) in self.figures.iter().zip(areas.iter()) {
                f.draw_on(a)?;
            }
            root.present().map_err(plot_err)?;
        }
        Ok(out)
    }
    /// Prints the evcxr block: the SVG or a readable message.
    pub fn evcxr_display(&self) {
        match self.to_svg() {
            Ok(s) => print!("{}", evcxr_block("image/svg+xml", &s)),
            Err(e) => print!("{}", evcxr_block("text/html", &error_html("figure grid", &e))),
        }
    }
}

/// A matrix drawn as coloured cells with a colour bar (missingness maps, confusion matrices).
///
/// Rows run top to bottom like a table. NaN cells are drawn light grey.
///
/// ```
/// use ai4med::plot::Heatmap;
/// use ndarray::array;
/// let h = Heatmap::new(array![[1.0, 0.0], [0.0, 1.0]])
///     .title("confusion matrix")
///     .row_labels(["negative", "positive"])
///     .col_labels(["pred 0", "pred 1"])
///     .annotate(true);
/// assert!(h.to_svg().unwrap().contains("confusion matrix"));
/// ```
#[derive(Clone)]
pub struct Heatmap {
    values: ndarray::Array2<f64>,
    title: String,
    rows: Vec<String>,
    cols: Vec<String>,
    cmap: Colormap,
    annotate: bool,
    size: (u32, u32),
}

/// A short summary, not the data (evcxr shows `{:?}` where it cannot show the HTML).
impl std::fmt::Debug for Heatmap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Heatmap {{ title: {:?}, shape: {:?} }}", self.title, self.values.dim())
    }
}

impl Heatmap {
    /// A heatmap of `values` (rows × columns).
    pub fn new(values: ndarray::Array2<f64>) -> Self {
        Heatmap {
            values,
            title: String::new(),
            rows: Vec::new(),
            cols: Vec::new(),
            cmap: Colormap::Viridis,
            annotate: false,
            size: (640, 440),
        }
    }
    /// Sets the title.
    pub fn title(mut self, t: impl Into<String>) -> Self {
        self.title = t.into();
        self
    }
    /// Names the rows (shown on the left).
    pub fn row_labels<I: IntoIterator<Item = S>, S: Into<String>>(mut self, l: I) -> Self {
        self.rows = l.into_iter().map(Into::into).collect();
        self
    }
    /// Names the columns (shown below).
    pub fn col_labels<I: IntoIterator<Item = S>, S: Into<String>>(mut self, l: I) -> Self {
        self.cols = l.into_iter().map(Into::into).collect();
        self
    }
    /// Sets the colormap (default viridis).
    pub fn colormap(mut self, c: Colormap) -> Self {
        self.cmap = c;
        self
    }
    /// Writes each cell's value in the cell.
    pub fn annotate(mut self, yes: bool) -> Self {
        self.annotate = yes;
        self
    }
    /// Sets the size in pixels.
    pub fn size(mut self, width: u32, height: u32) -> Self {
        self.size = (width.max(150), height.max(100));
        self
    }

    /// Renders to SVG.
    pub fn to_svg(&self) -> Result<String> {
        let (nr, nc) = self.values.dim();
        if nr == 0 || nc == 0 {
            return Err(Error::Empty { what: "heatmap values".into() });
        }
        for (what, labels, n) in [("row_labels", &self.rows, nr), ("col_labels", &self.cols, nc)] {
            if !labels.is_empty() && labels.len() != n {
                return Err(Error::LengthMismatch { what: format!("heatmap {what} vs matrix"), left: labels.len(), right: n });
            }
        }
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for &v in self.values.iter().filter(|v| v.is_finite()) {
            lo = lo.min(v);
            hi = hi.max(v);
        }
        if lo > hi {
            (lo, hi) = (0.0, 1.0);
        }
        let colour_axis = axis(lo, if hi > lo { hi } else { lo + lo.abs().max(1.0) }, "heatmap values")?;
        let scale = |v: f64| if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
        register_fonts();
        let mut out = String::new();
        {
            let root = SVGBackend::with_string(&mut out, self.size).into_drawing_area();
            root.fill(&WHITE).map_err(plot_err)?;
            let (main, bar) = root.split_horizontally(self.size.0 - 90);
            let mut b = ChartBuilder::on(&main);
            if !self.title.is_empty() {
                b.caption(&self.title, ("sans-serif", 18));
            }
            let mut chart = b
                .margin(12)
                .x_label_area_size(40)
                .y_label_area_size(90)
                .build_cartesian_2d((0..nc as i32 - 1).into_segmented(), (0..nr as i32 - 1).into_segmented())
                .map_err(plot_err)?;
            let name = |labels: &Vec<String>, i: i32| labels.get(i as usize).cloned().unwrap_or_else(|| i.to_string());
            // Rows are drawn top-down: row r sits at y segment (nr - 1 - r).
            let xf = |v: &SegmentValue<i32>| match v {
                SegmentValue::CenterOf(i) => name(&self.cols, *i),
                _ => String::new(),
            };
            let yf = |v: &SegmentValue<i32>| match v {
                SegmentValue::CenterOf(i) => name(&self.rows, nr as i32 - 1 - *i),
                _ => String::new(),
            };
            chart
                .configure_mesh()
                .disable_mesh()
                .x_labels(nc.min(40))
                .y_labels(nr.min(40))
                .x_label_formatter(&xf)
                .y_label_formatter(&yf)
                .label_style(("sans-serif", 12))
                .draw()
                .map_err(plot_err)?;
            let cells = self.values.indexed_iter().map(|((r, c), &v)| {
                let y = nr as i32 - 1 - r as i32;
                let color = if v.is_finite() {
                    let k = self.cmap.map(scale(v));
                    RGBColor(k[0], k[1], k[2]).filled()
                } else {
                    RGBColor(220, 220, 220).filled()
                };
                Rectangle::new(
                    [
                        (SegmentValue::Exact(c as i32), SegmentValue::Exact(y)),
                        (SegmentValue::Exact(c as i32 + 1), SegmentValue::Exact(y + 1)),
                    ],
                    color,
                )
            });
            chart.draw_series(cells).map_err(plot_err)?;
            if self.annotate {
                let texts = self.values.indexed_iter().map(|((r, c), &v)| {
                    let y = nr as i32 - 1 - r as i32;
                    let dark = v.is_finite() && scale(v) < 0.5;
                    let col = if dark { WHITE } else { BLACK };
                    let t = if v.is_finite() { crate::display::table::format_float(v) } else { "NaN".into() };
                    Text::new(
                        t,
                        (SegmentValue::CenterOf(c as i32), SegmentValue::CenterOf(y)),
                        ("sans-serif", 12).into_font().color(&col).pos(plotters::style::text_anchor::Pos::new(
                            plotters::style::text_anchor::HPos::Center,
                            plotters::style::text_anchor::VPos::Center,
                        )),
                    )
                });
                chart.draw_series(texts).map_err(plot_err)?;
            }
            // Colour bar.
            let mut cb = ChartBuilder::on(&bar)
                .margin_top(if self.title.is_empty() { 12 } else { 40 })
                .margin_bottom(52)
                .margin_right(10)
                .y_label_area_size(45)
                .build_cartesian_2d(0.0..1.0, colour_axis.clone())
                .map_err(plot_err)?;
            let cb_fmt = tick_formatter(colour_axis.start, colour_axis.end);
            cb.configure_mesh()
                .disable_mesh()
                .disable_x_axis()
                .y_labels(5)
                .y_label_formatter(&cb_fmt)
                .label_style(("sans-serif", 12))
                .draw()
                .map_err(plot_err)?;
            let steps = 64;
            let top = colour_axis.end;
            let strip = (0..steps).map(|i| {
                let a = lo + (top - lo) * i as f64 / steps as f64;
                let b = lo + (top - lo) * (i + 1) as f64 / steps as f64;
                let k = self.cmap.map((i as f64 + 0.5) / steps as f64);
                Rectangle::new([(0.0, a), (1.0, b)], RGBColor(k[0], k[1], k[2]).filled())
            });
            cb.draw_series(strip).map_err(plot_err)?;
            root.present().map_err(plot_err)?;
        }
        Ok(out)
    }

    /// Prints the evcxr block: the SVG or a readable message.
    pub fn evcxr_display(&self) {
        match self.to_svg() {
            Ok(s) => print!("{}", evcxr_block("image/svg+xml", &s)),
            Err(e) => print!("{}", evcxr_block("text/html", &error_html("heatmap", &e))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(svg: &str) -> roxmltree::Document<'_> {
        roxmltree::Document::parse(svg).expect("valid SVG/XML")
    }

    fn texts(svg: &str) -> Vec<String> {
        let doc = parse(svg);
        doc.descendants().filter(|n| n.has_tag_name("text")).filter_map(|n| n.text().map(|t| t.trim().to_string())).collect()
    }

    #[test]
    fn best_legend_avoids_the_data() {
        // A curve along the top edge and down the right side, like a survival curve
        // seen from the other end: the upper-right corner is covered.
        let x: Vec<f64> = (0..=50).map(|i| i as f64 / 50.0).collect();
        let y: Vec<f64> = x.iter().map(|&v| if v < 0.8 { 1.0 } else { 1.0 - 4.0 * (v - 0.8) }).collect();
        let fig = Figure::new().line(&x, &y, "a curve with a long label").line(&x, &x, "diagonal");
        assert_eq!(fig.legend_overlap().unwrap(), 0);
        assert!(fig.clone().legend(Legend::UpperRight).legend_overlap().unwrap() > 0);
        assert!(fig.clone().legend(Legend::UpperLeft).legend_overlap().unwrap() > 0);
        // Histograms fill their bars: the legend goes where no bar is tall.
        let v: Vec<f64> = (0..400).map(|i| ((i * 37) % 100) as f64 / 100.0 + if i % 3 == 0 { 0.0 } else { 1.5 }).collect();
        let h = Figure::new().histograms(&[("group one", &v[..200]), ("group two", &v[200..])], 20, false);
        assert_eq!(h.legend_overlap().unwrap(), 0);
        // Data that fill the whole area: the y axis makes room above them.
        let flat: Vec<f64> = (0..400).map(|i| (i % 100) as f64).collect();
        let full = Figure::new().histograms(&[("one", &flat[..200]), ("two", &flat[200..])], 10, false);
        assert_eq!(full.legend_overlap().unwrap(), 0);
        assert!(full.clone().y_range(0.0, 4.0).legend_overlap().unwrap() > 0);
        // Grouped bars too.
        let b = Figure::new().bars(&["a", "b", "c", "d"], &[1.0, 5.0, 5.0, 1.0], "train").bars(
            &["a", "b", "c", "d"],
            &[1.0, 4.0, 4.0, 1.0],
            "test",
        );
        assert_eq!(b.legend_overlap().unwrap(), 0);
    }

    #[test]
    fn best_position_prefers_matplotlibs_order() {
        let area = (400, 300);
        let dim = (100, 40);
        assert_eq!(best_legend_position(&[], dim, area), (SeriesLabelPosition::UpperRight, 0));
        let upper_right: Vec<(i32, i32)> = (300..400).flat_map(|x| (0..60).map(move |y| (x, y))).collect();
        assert_eq!(best_legend_position(&upper_right, dim, area).0, SeriesLabelPosition::UpperLeft);
    }

    #[test]
    fn tick_labels_are_short() {
        let svg = Figure::new().line(&[0.0, 350.0], &[0.0, 0.3], "").to_svg().unwrap();
        let t = texts(&svg);
        assert!(t.iter().any(|s| s == "300" || s == "200"), "{t:?}");
        assert!(!t.iter().any(|s| s.ends_with(".0") || s.len() > 8), "{t:?}");
        let f = tick_formatter(-1.0, 1.0);
        assert_eq!(f(&1e-17), "0");
        assert_eq!(f(&0.30000000000000004), "0.3");
        assert_eq!(f(&2.0), "2");
    }

    #[test]
    fn grids_stay_within_a_page() {
        let figs: Vec<Figure> = (0..4).map(|i| Figure::new().title(format!("panel {i}")).line(&[0.0, 1.0], &[0.0, 1.0], "")).collect();
        let svg = Grid::new(figs, 4).to_svg().unwrap();
        let doc = parse(&svg);
        let width: u32 = doc.root_element().attribute("width").unwrap().parse().unwrap();
        assert!(width <= MAX_GRID_WIDTH, "{width}");
    }

    #[test]
    fn labels_really_appear_as_text() {
        let svg = Figure::new()
            .title("Kaplan-Meier")
            .x_label("time (years)")
            .y_label("survival")
            .step(&[0.0, 1.0, 2.0], &[1.0, 0.8, 0.5], "group A")
            .band(&[0.0, 1.0, 2.0], &[1.0, 0.7, 0.4], &[1.0, 0.9, 0.6], "95% CI", true)
            .scatter(&[0.5], &[0.9], "censored")
            .to_svg()
            .unwrap();
        let t = texts(&svg);
        for want in ["Kaplan-Meier", "time (years)", "survival", "group A", "95% CI", "censored"] {
            assert!(t.iter().any(|s| s == want), "missing {want:?} in {t:?}");
        }
        assert!(svg.starts_with("<svg"));
    }

    #[test]
    fn empty_figure_draws_axes_with_note() {
        let svg = Figure::new().title("nothing").to_svg().unwrap();
        assert!(texts(&svg).iter().any(|s| s == "no data"));
    }

    #[test]
    fn problems_are_errors_not_panics() {
        let f = Figure::new().line(&[1.0, 2.0], &[1.0], "bad");
        let e = f.to_svg().unwrap_err();
        assert!(e.to_string().contains("x has 2 values but y has 1"), "{e}");
        let f = Figure::new().bars(&["a"], &[1.0], "b").line(&[0.0], &[0.0], "l");
        assert!(f.to_svg().is_err());
        let f = Figure::new().x_range(1.0, 0.0);
        assert!(f.to_svg().is_err());
    }

    #[test]
    fn nan_points_are_skipped() {
        let svg = Figure::new().line(&[0.0, f64::NAN, 1.0], &[0.0, 1.0, f64::INFINITY], "x").to_svg().unwrap();
        parse(&svg);
        let svg = Figure::new().line(&[f64::NAN], &[f64::NAN], "all nan").to_svg().unwrap();
        assert!(texts(&svg).iter().any(|s| s == "no data"));
    }

    #[test]
    fn bars_label_categories() {
        let svg = Figure::new()
            .title("class frequency")
            .bars(&["Atelectasis", "Effusion"], &[0.1, 0.12], "positive")
            .bars(&["Atelectasis", "Effusion"], &[0.9, 0.88], "negative")
            .to_svg()
            .unwrap();
        let t = texts(&svg);
        assert!(t.iter().any(|s| s == "Atelectasis") && t.iter().any(|s| s == "Effusion"), "{t:?}");
        assert!(t.iter().any(|s| s == "negative"));
        let rects = parse(&svg).descendants().filter(|n| n.has_tag_name("rect")).count();
        assert!(rects >= 5, "{rects}");
    }

    #[test]
    fn histogram_density_integrates_to_one() {
        let v: Vec<f64> = (0..100).map(|i| i as f64 / 10.0).collect();
        let f = Figure::new().histogram(&v, 7, "x", true);
        if let Some(Series::Hist { edges, heights, .. }) = f.series.first() {
            let area: f64 = heights.iter().enumerate().map(|(k, h)| h * (edges[k + 1] - edges[k])).sum();
            assert!((area - 1.0).abs() < 1e-12);
        } else {
            panic!("no histogram");
        }
        assert!(f.to_svg().unwrap().contains(">x<") || f.to_svg().unwrap().contains("x"));
        assert!(Figure::new().histogram(&[1.0], 0, "none", false).to_svg().is_err());
        assert!(Figure::new().histogram(&[2.0, 2.0], 3, "flat", false).to_svg().is_ok());
        assert!(Figure::new().histogram(&[f64::NAN], 3, "nan", false).to_svg().is_ok());
    }

    #[test]
    fn degenerate_inputs_do_not_panic() {
        let empty: [&str; 0] = [];
        assert!(Figure::new().bars(&empty, &[], "none").to_svg().is_ok());
        assert!(Figure::new().bars(&["a"], &[f64::NAN], "nan").to_svg().is_ok());
        assert!(Figure::new().bars(&["a", "b"], &[-1.0, -2.0], "negative").to_svg().is_ok());
        assert!(Figure::new().line(&[1.0, 1.0], &[5.0, 5.0], "one point twice").to_svg().is_ok());
        assert!(Figure::new().line(&[0.0, 1e300], &[-1e300, 1e300], "huge").to_svg().is_ok());
        assert!(Figure::new().band(&[0.0], &[0.0], &[1.0], "one-point band", false).to_svg().is_ok());
        assert!(Figure::new().point(f64::NAN, 0.0, "nan point").to_svg().is_ok());
        assert!(Figure::new().size(0, 0).to_svg().is_ok());
        assert!(Grid::new(vec![], 2).to_svg().is_err());
        assert!(Heatmap::new(ndarray::Array2::from_elem((2, 2), f64::NAN)).to_svg().is_ok());
    }

    #[test]
    fn heatmap_checks_shapes_and_draws_nan() {
        let h = Heatmap::new(ndarray::array![[f64::NAN, 1.0]]).row_labels(["r"]).col_labels(["a", "b"]).annotate(true);
        let svg = h.to_svg().unwrap();
        assert!(texts(&svg).iter().any(|s| s == "NaN"));
        assert!(Heatmap::new(ndarray::Array2::zeros((0, 2))).to_svg().is_err());
        assert!(Heatmap::new(ndarray::array![[1.0]]).row_labels(["a", "b"]).to_svg().is_err());
    }
}

/// A rendered chart (SVG), or the reason it could not be drawn; either shows inline.
#[derive(Clone)]
pub struct Chart {
    svg: std::result::Result<String, String>,
    what: &'static str,
}

/// A short summary, not the data (evcxr shows `{:?}` where it cannot show the HTML).
impl std::fmt::Debug for Chart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.svg {
            Ok(s) => write!(f, "Chart {{ what: {:?}, svg: {} bytes }}", self.what, s.len()),
            Err(e) => write!(f, "Chart {{ what: {:?}, error: {e:?} }}", self.what),
        }
    }
}

impl Chart {
    /// Wraps a rendering result (custom charts of other modules).
    pub fn from_result(svg: Result<String>, what: &'static str) -> Chart {
        Chart { svg: svg.map_err(|e| e.to_string()), what }
    }
    /// The SVG text, or the error that stopped the drawing.
    pub fn to_svg(&self) -> Result<String> {
        self.svg.clone().map_err(|e| Error::Plot(format!("{}: {e}", self.what)))
    }
    /// Writes the SVG to a file.
    pub fn save(&self, path: impl AsRef<std::path::Path>) -> Result<()> {
        crate::display::Svg(self.to_svg()?).save(path)
    }
    /// Shows the chart inline (or a readable error).
    pub fn evcxr_display(&self) {
        match self.to_svg() {
            Ok(s) => print!("{}", evcxr_block("image/svg+xml", &s)),
            Err(e) => print!("{}", evcxr_block("text/html", &error_html(self.what, &e))),
        }
    }
}

/// Horizontal bars, one per label, drawn top to bottom in the given order (long
/// category names stay readable: importances, coefficients). Negative values extend
/// left of zero; non-finite values are skipped.
///
/// ```
/// let c = ai4med::plot::barh("importance", "share", &["Age", "Years smoked"], &[0.3, 0.2]);
/// assert!(c.to_svg().unwrap().contains("Years smoked"));
/// ```
pub fn barh<S: AsRef<str>>(title: &str, x_label: &str, labels: &[S], values: &[f64]) -> Chart {
    let labels: Vec<String> = labels.iter().map(|s| s.as_ref().to_string()).collect();
    let build = || -> Result<String> {
        if labels.len() != values.len() {
            return Err(Error::LengthMismatch { what: "bar labels vs values".into(), left: labels.len(), right: values.len() });
        }
        crate::error::check::non_empty("bars", values.len())?;
        let k = labels.len();
        let (lo, hi) = values.iter().filter(|v| v.is_finite()).fold((0.0f64, 0.0f64), |(a, b), &v| (a.min(v), b.max(v)));
        let span = if hi - lo > 0.0 { hi - lo } else { 1.0 };
        let (x0, x1) = (if lo < 0.0 { lo - 0.05 * span } else { 0.0 }, if hi > 0.0 { hi + 0.08 * span } else { 0.05 * span });
        let longest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(4) as u32;
        render_svg((680, (80 + 26 * k as u32).max(200)), |root| {
            let mut chart = ChartBuilder::on(root)
                .caption(title, ("sans-serif", 16))
                .margin(12)
                .x_label_area_size(40)
                .y_label_area_size((longest * 7 + 16).clamp(60, 260))
                .build_cartesian_2d(axis(x0, x1, "bar values")?, -0.5..(k as f64 - 0.5))
                .map_err(plot_err)?;
            chart
                .configure_mesh()
                .disable_y_mesh()
                .y_labels(k)
                .y_label_formatter(&|y| {
                    let i = y.round() as i64;
                    if (y - i as f64).abs() < 1e-6 && i >= 0 && (i as usize) < k {
                        labels[k - 1 - i as usize].clone()
                    } else {
                        String::new()
                    }
                })
                .x_label_formatter(&tick_formatter(x0, x1))
                .max_light_lines(2)
                .x_desc(x_label)
                .label_style(("sans-serif", 12))
                .light_line_style(RGBColor(240, 240, 240))
                .draw()
                .map_err(plot_err)?;
            chart
                .draw_series(values.iter().enumerate().filter(|(_, v)| v.is_finite()).map(|(r, v)| {
                    let y = (k - 1 - r) as f64;
                    Rectangle::new([(0.0, y - 0.35), (*v, y + 0.35)], PALETTE[0].filled())
                }))
                .map_err(plot_err)?;
            Ok(())
        })
    };
    Chart::from_result(build(), "bar chart")
}
