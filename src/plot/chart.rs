//! [`Chart`]: a rendered chart or its error, and [`barh`], the one category-bars chart
//! (importances, coefficients).

use super::*;

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
