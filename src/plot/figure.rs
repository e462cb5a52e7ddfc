//! [`Figure`]: lines, steps, scatter, bands, grouped bars and annotations on one pair of axes.

use super::*;

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
pub(super) enum Series {
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
    pub(super) series: Vec<Series>,
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

pub(super) fn finite_pairs(x: &[f64], y: &[f64]) -> Vec<(f64, f64)> {
    x.iter().zip(y).filter(|(a, b)| a.is_finite() && b.is_finite()).map(|(&a, &b)| (a, b)).collect()
}

pub(super) fn step_path(pts: &[(f64, f64)]) -> Vec<(f64, f64)> {
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
pub(super) fn pad_range(lo: f64, hi: f64) -> (f64, f64) {
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
    pub(super) fn validate(&self) -> Result<bool> {
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
    pub(super) fn draw_on(&self, area: &DrawingArea<SVGBackend<'_>, Shift>) -> Result<usize> {
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
