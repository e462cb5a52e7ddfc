//! [`Heatmap`]: a matrix with a colour bar.

use super::*;

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
