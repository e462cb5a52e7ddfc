//! Model interpretation: feature importance, Shapley values and their plots.
//!
//! - [`permutation_importance`] and [`drop_column_importance`]: model-agnostic
//!   importances as score drops ([`Importance`], with table and bar chart); for random
//!   forests [`RandomForestClassifier::permutation_importance`](crate::trees::RandomForestClassifier::permutation_importance)
//!   gives the same numbers without re-predicting the forest for every shuffle;
//! - [`exact_shapley`]: Shapley values by enumerating coalitions, for small models;
//! - TreeSHAP for decision trees, random forests and random survival forests
//!   ([`RandomSurvivalForest::shap_values`](crate::survival::RandomSurvivalForest::shap_values));
//! - `grad_cam`, `grad_cam_2d`, `grad_cam_3d` (feature `torch`): Grad-CAM maps for any
//!   tch CNN from a layer's activation and a score; `ai4med::nn::XrayClassifier::grad_cam`
//!   applies it to the chest X-ray model with overlays, panels and mask scores.
//!
//! [`ShapValues`] holds one explanation per row: `φ_ij`, the contribution of feature
//! `j` to the prediction for row `i`, with `f(x_i) = E[f] + Σ_j φ_ij` (local accuracy).
//! Tree models compute them exactly with TreeSHAP
//! ([`RandomForestClassifier::shap_values`](crate::trees::RandomForestClassifier::shap_values)).
//! The plots follow the `shap` package's conventions: red pushes the prediction up,
//! blue pushes it down; in the summary plot colour is the feature's value (blue low,
//! red high).

mod exact;
#[cfg(feature = "torch")]
mod gradcam;
mod importance;

pub use exact::{MAX_EXACT_FEATURES, exact_shapley};
#[cfg(feature = "torch")]
pub use gradcam::{grad_cam, grad_cam_2d, grad_cam_3d, grad_cam_from_arrays, upsample_bilinear};
pub use importance::{
    Importance, ImpurityImportance, PermutationConfig, drop_column_importance, impurity_importance, permutation, permutation_importance,
    shap_importance,
};
pub(crate) use importance::{prepare as importance_prepare, run_shuffles as importance_run_shuffles};

use crate::display::{Cell, Table, Tone};
pub use crate::plot::Chart;
use crate::plot::{plot_error, render_svg};
use crate::{Error, Result};
use ndarray::Array2;
use plotters::prelude::*;

/// SHAP's red (pushes the prediction up / high feature value).
const RED: RGBColor = RGBColor(255, 0, 82);
/// SHAP's blue (pushes it down / low feature value).
const BLUE: RGBColor = RGBColor(0, 139, 251);

fn blue_red(t: f64) -> RGBColor {
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.5 };
    let mix = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * t).round() as u8;
    RGBColor(mix(BLUE.0, RED.0), mix(BLUE.1, RED.1), mix(BLUE.2, RED.2))
}

/// Shapley values of a model's output for a set of rows.
///
/// ```
/// use ai4med::interpret::ShapValues;
/// use ai4med::ndarray::array;
/// let sv = ShapValues::new(array![[0.2, -0.1]], 0.3, array![[65.0, 120.0]], vec!["age".into(), "sbp".into()]).unwrap();
/// assert!((sv.prediction(0) - 0.4).abs() < 1e-12);
/// assert_eq!(sv.mean_abs()[0].0, "age");
/// ```
#[derive(Clone)]
pub struct ShapValues {
    values: Array2<f64>,
    expected_value: f64,
    features: Array2<f64>,
    names: Vec<String>,
}

/// A short summary, not the data (evcxr shows `{:?}` where it cannot show the HTML).
impl std::fmt::Debug for ShapValues {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ShapValues {{ rows: {}, features: {:?}, expected value: {} }}",
            self.values.nrows(),
            self.names,
            crate::display::short_float(self.expected_value)
        )
    }
}

impl ShapValues {
    /// Explanations `values` (rows × features) of rows `features` (same shape) around
    /// the base value `expected_value`.
    pub fn new(values: Array2<f64>, expected_value: f64, features: Array2<f64>, names: Vec<String>) -> Result<ShapValues> {
        if values.dim() != features.dim() {
            return Err(Error::ShapeMismatch {
                what: "features".into(),
                expected: format!("{:?} like the SHAP values", values.dim()),
                got: features.shape().to_vec(),
            });
        }
        crate::error::check::same_len("feature names vs columns", names.len(), values.ncols())?;
        Ok(ShapValues { values, expected_value, features, names })
    }
    /// The SHAP values, rows × features.
    pub fn values(&self) -> &Array2<f64> {
        &self.values
    }
    /// The base value `E[f(X)]` over the training data (the cover-weighted mean of the
    /// trees' leaf values).
    pub fn expected_value(&self) -> f64 {
        self.expected_value
    }
    /// The explained rows' feature values.
    pub fn features(&self) -> &Array2<f64> {
        &self.features
    }
    /// Feature names.
    pub fn feature_names(&self) -> &[String] {
        &self.names
    }
    /// Number of explained rows.
    pub fn n_rows(&self) -> usize {
        self.values.nrows()
    }
    /// The model output that row `i`'s values add up to: `E[f] + Σ_j φ_ij` (`NaN` past
    /// the last row).
    pub fn prediction(&self, i: usize) -> f64 {
        if i >= self.n_rows() {
            return f64::NAN;
        }
        self.expected_value + self.values.row(i).sum()
    }
    /// Mean |φ| per feature, largest first: the global importance ranking.
    pub fn mean_abs(&self) -> Vec<(String, f64)> {
        let n = self.n_rows().max(1) as f64;
        let mut out: Vec<(String, f64)> = self
            .names
            .iter()
            .enumerate()
            .map(|(j, name)| (name.clone(), self.values.column(j).iter().map(|v| v.abs()).sum::<f64>() / n))
            .collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1));
        out
    }
    fn column_of(&self, feature: &str) -> Result<usize> {
        self.names
            .iter()
            .position(|n| n == feature)
            .ok_or_else(|| Error::invalid_arg("feature", format!("no feature '{feature}'; the explanation has {:?}", self.names)))
    }
    fn check_row(&self, row: usize) -> Result<()> {
        if row >= self.n_rows() {
            return Err(Error::invalid_arg("row", format!("row {row} does not exist: {} rows were explained", self.n_rows())));
        }
        Ok(())
    }

    /// Row `row`'s explanation as a table: feature, value, SHAP value, largest |φ| first.
    pub fn row_table(&self, row: usize) -> Result<Table> {
        self.check_row(row)?;
        let mut order: Vec<usize> = (0..self.names.len()).collect();
        order.sort_by(|&a, &b| self.values[[row, b]].abs().total_cmp(&self.values[[row, a]].abs()));
        let mut t = Table::new(["feature", "value", "SHAP value"]);
        for j in order {
            let v = self.values[[row, j]];
            let tone = if v > 0.0 {
                Tone::Bad
            } else if v < 0.0 {
                Tone::Good
            } else {
                Tone::Plain
            };
            t.push_row([Cell::from(self.names[j].clone()), Cell::from(self.features[[row, j]]), Cell::toned(format!("{v:+.4}"), tone)]);
        }
        Ok(t.caption(format!(
            "row {row}: E[f] = {:.4}, f(x) = {:.4} (red raises the prediction, green lowers it)",
            self.expected_value,
            self.prediction(row)
        )))
    }

    /// A force-style (waterfall) chart of one row: from the base value `E[f]`, each of
    /// the `max_display` largest contributions as an arrow-like bar (red up, blue down),
    /// the rest lumped together, ending at the row's prediction.
    pub fn force_plot(&self, row: usize, max_display: usize) -> Chart {
        let names = self.names.clone();
        let build = || -> Result<String> {
            self.check_row(row)?;
            let mut order: Vec<usize> = (0..names.len()).collect();
            order.sort_by(|&a, &b| self.values[[row, b]].abs().total_cmp(&self.values[[row, a]].abs()));
            let k = max_display.max(1).min(order.len());
            let mut items: Vec<(String, f64)> =
                order[..k].iter().map(|&j| (format!("{} = {}", names[j], short(self.features[[row, j]])), self.values[[row, j]])).collect();
            if order.len() > k {
                let rest: f64 = order[k..].iter().map(|&j| self.values[[row, j]]).sum();
                items.push((format!("{} other features", order.len() - k), rest));
            }
            // Bars from the bottom (base value) to the top (prediction).
            items.reverse();
            let base = self.expected_value;
            let mut cum = base;
            let mut bars = Vec::new();
            for (label, v) in items.iter().rev() {
                bars.push((label.clone(), cum, cum + v));
                cum += v;
            }
            bars.reverse();
            let (lo, hi) = bars.iter().fold((base.min(cum), base.max(cum)), |(a, b), (_, s, e)| (a.min(*s).min(*e), b.max(*s).max(*e)));
            let pad = ((hi - lo) * 0.08).max(1e-6);
            let h = 90 + 32 * bars.len() as u32;
            let labels: Vec<String> = bars.iter().map(|b| b.0.clone()).collect();
            render_svg((720, h), |root| {
                let n = bars.len();
                let mut chart = ChartBuilder::on(root)
                    .caption(format!("row {row}: E[f] = {base:.3} → f(x) = {cum:.3}"), ("sans-serif", 16))
                    .margin(12)
                    .x_label_area_size(40)
                    .y_label_area_size(230)
                    .build_cartesian_2d(crate::plot::axis(lo - pad, hi + pad, "contributions")?, -0.5..(n as f64 - 0.5))
                    .map_err(plot_error)?;
                chart
                    .configure_mesh()
                    .x_label_formatter(&crate::plot::tick_formatter(lo - pad, hi + pad))
                    .max_light_lines(2)
                    .disable_y_mesh()
                    .y_labels(n)
                    .y_label_formatter(&|y| {
                        let i = y.round() as i64;
                        if (y - i as f64).abs() < 1e-6 && i >= 0 && (i as usize) < n {
                            labels[n - 1 - i as usize].clone()
                        } else {
                            String::new()
                        }
                    })
                    .x_desc("model output")
                    .label_style(("sans-serif", 12))
                    .light_line_style(RGBColor(240, 240, 240))
                    .draw()
                    .map_err(plot_error)?;
                for (i, (_, s, e)) in bars.iter().enumerate() {
                    let y = (n - 1 - i) as f64;
                    let col = if e >= s { RED } else { BLUE };
                    chart
                        .draw_series(std::iter::once(Rectangle::new([(*s, y - 0.32), (*e, y + 0.32)], col.filled())))
                        .map_err(plot_error)?;
                    let text = format!("{:+.3}", e - s);
                    let at = (*e, y);
                    let offset = if e >= s { (4, -6) } else { (-46, -6) };
                    chart
                        .draw_series(std::iter::once(EmptyElement::at(at) + Text::new(text, offset, ("sans-serif", 12).into_font())))
                        .map_err(plot_error)?;
                }
                for (x, dash) in [(base, "E[f]"), (cum, "f(x)")] {
                    chart
                        .draw_series(DashedLineSeries::new(
                            vec![(x, -0.5), (x, n as f64 - 0.5)],
                            4,
                            3,
                            RGBColor(90, 90, 90).stroke_width(1),
                        ))
                        .map_err(plot_error)?;
                    chart
                        .draw_series(std::iter::once(
                            EmptyElement::at((x, n as f64 - 0.5)) + Text::new(dash, (3, 2), ("sans-serif", 12).into_font()),
                        ))
                        .map_err(plot_error)?;
                }
                Ok(())
            })
        };
        Chart::from_result(build(), "force plot")
    }

    /// The beeswarm summary: one row per feature (largest mean |φ| on top, at most
    /// `max_display`), one dot per explained row at its SHAP value, coloured by the
    /// feature's value (blue low → red high, scaled between the 5th and 95th
    /// percentiles as `shap` does).
    pub fn summary_plot(&self, max_display: usize) -> Chart {
        let build = || -> Result<String> {
            crate::error::check::non_empty("explained rows", self.n_rows())?;
            let ranking = self.mean_abs();
            let k = max_display.max(1).min(ranking.len());
            let feats: Vec<usize> = ranking[..k].iter().map(|(n, _)| self.names.iter().position(|m| m == n).unwrap_or(0)).collect();
            let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
            for &j in &feats {
                for &v in self.values.column(j) {
                    lo = lo.min(v);
                    hi = hi.max(v);
                }
            }
            let pad = ((hi - lo) * 0.05).max(1e-6);
            let labels: Vec<String> = feats.iter().map(|&j| self.names[j].clone()).collect();
            let h = 80 + 34 * k as u32;
            render_svg((720, h.max(220)), |root| {
                let (main, bar) = root.split_horizontally(650);
                let mut chart = ChartBuilder::on(&main)
                    .caption("SHAP values (colour: feature value)", ("sans-serif", 16))
                    .margin(12)
                    .x_label_area_size(40)
                    .y_label_area_size(170)
                    .build_cartesian_2d(crate::plot::axis(lo - pad, hi + pad, "SHAP values")?, -0.5..(k as f64 - 0.5))
                    .map_err(plot_error)?;
                chart
                    .configure_mesh()
                    .x_label_formatter(&crate::plot::tick_formatter(lo - pad, hi + pad))
                    .max_light_lines(2)
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
                    .x_desc("SHAP value (impact on model output)")
                    .label_style(("sans-serif", 12))
                    .light_line_style(RGBColor(240, 240, 240))
                    .draw()
                    .map_err(plot_error)?;
                chart
                    .draw_series(std::iter::once(PathElement::new(vec![(0.0, -0.5), (0.0, k as f64 - 0.5)], RGBColor(150, 150, 150))))
                    .map_err(plot_error)?;
                for (r, &j) in feats.iter().enumerate() {
                    let y0 = (k - 1 - r) as f64;
                    let col = self.features.column(j);
                    let (q5, q95) = percentiles(col.iter().copied().collect());
                    let pts = swarm(self.values.column(j).iter().copied().collect(), lo - pad, hi + pad);
                    chart
                        .draw_series(pts.into_iter().map(|(i, off)| {
                            let v = self.values[[i, j]];
                            let t = if q95 > q5 { (col[i] - q5) / (q95 - q5) } else { 0.5 };
                            Circle::new((v, y0 + off), 2, blue_red(t).mix(0.85).filled())
                        }))
                        .map_err(plot_error)?;
                }
                colour_bar(&bar, "feature value")
            })
        };
        Chart::from_result(build(), "summary plot")
    }

    /// Dependence plot: each row's value of `feature` against its SHAP value for that
    /// feature, coloured by the value of `color_by` when given (interactions show up
    /// as vertical spread that tracks the colour).
    pub fn dependence_plot(&self, feature: &str, color_by: Option<&str>) -> Chart {
        let build = || -> Result<String> {
            let j = self.column_of(feature)?;
            let c = color_by.map(|f| self.column_of(f)).transpose()?;
            crate::error::check::non_empty("explained rows", self.n_rows())?;
            let xs: Vec<f64> = self.features.column(j).to_vec();
            let ys: Vec<f64> = self.values.column(j).to_vec();
            let (x0, x1) = min_max(&xs);
            let (y0, y1) = min_max(&ys);
            let (px, py) = (((x1 - x0) * 0.05).max(1e-6), ((y1 - y0) * 0.08).max(1e-6));
            let colours: Vec<RGBColor> = match c {
                Some(k) => {
                    let col: Vec<f64> = self.features.column(k).to_vec();
                    let (q5, q95) = percentiles(col.clone());
                    col.iter().map(|v| blue_red(if q95 > q5 { (v - q5) / (q95 - q5) } else { 0.5 })).collect()
                }
                None => vec![BLUE; xs.len()],
            };
            render_svg((680, 440), |root| {
                let (main, bar) = root.split_horizontally(if c.is_some() { 610 } else { 680 });
                let mut chart = ChartBuilder::on(&main)
                    .caption(format!("dependence of the prediction on {feature}"), ("sans-serif", 16))
                    .margin(12)
                    .x_label_area_size(45)
                    .y_label_area_size(60)
                    .build_cartesian_2d(
                        crate::plot::axis(x0 - px, x1 + px, "feature values")?,
                        crate::plot::axis(y0 - py, y1 + py, "SHAP values")?,
                    )
                    .map_err(plot_error)?;
                chart
                    .configure_mesh()
                    .x_label_formatter(&crate::plot::tick_formatter(x0 - px, x1 + px))
                    .y_label_formatter(&crate::plot::tick_formatter(y0 - py, y1 + py))
                    .max_light_lines(2)
                    .x_desc(feature)
                    .y_desc(format!("SHAP value for {feature}"))
                    .label_style(("sans-serif", 12))
                    .light_line_style(RGBColor(240, 240, 240))
                    .draw()
                    .map_err(plot_error)?;
                chart
                    .draw_series(xs.iter().zip(&ys).zip(&colours).map(|((&x, &y), col)| Circle::new((x, y), 3, col.mix(0.8).filled())))
                    .map_err(plot_error)?;
                if let Some(name) = color_by {
                    colour_bar(&bar, name)?;
                }
                Ok(())
            })
        };
        Chart::from_result(build(), "dependence plot")
    }
}

impl ShapValues {}

/// A number in at most 4 significant figures for labels.
fn short(v: f64) -> String {
    if v == v.round() && v.abs() < 1e6 {
        format!("{v:.0}")
    } else {
        let s = format!("{v:.4}");
        let t = s.trim_end_matches('0').trim_end_matches('.');
        t.to_string()
    }
}

fn min_max(v: &[f64]) -> (f64, f64) {
    let (lo, hi) = v.iter().filter(|x| x.is_finite()).fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| (a.min(x), b.max(x)));
    if lo > hi { (0.0, 1.0) } else { (lo, hi) }
}

/// The 5th and 95th percentiles (linear interpolation), the colour scale of `shap`.
fn percentiles(mut v: Vec<f64>) -> (f64, f64) {
    v.retain(|x| x.is_finite());
    if v.is_empty() {
        return (0.0, 1.0);
    }
    v.sort_by(f64::total_cmp);
    let q = |p: f64| {
        let pos = p * (v.len() - 1) as f64;
        let (i, f) = (pos.floor() as usize, pos - pos.floor());
        if i + 1 < v.len() { v[i] * (1.0 - f) + v[i + 1] * f } else { v[i] }
    };
    let (a, b) = (q(0.05), q(0.95));
    if b > a { (a, b) } else { min_max(&v) }
}

/// Vertical offsets for a beeswarm row: values are binned along the axis and points
/// sharing a bin are stacked alternately above and below the centre line (as `shap`
/// does), within ±0.4 of the row. Returns (row index, offset).
fn swarm(values: Vec<f64>, lo: f64, hi: f64) -> Vec<(usize, f64)> {
    let nbins = 120usize;
    let width = (hi - lo).max(1e-12) / nbins as f64;
    let mut order: Vec<usize> = (0..values.len()).filter(|&i| values[i].is_finite()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut counts = vec![0usize; nbins + 1];
    let mut placed = Vec::with_capacity(order.len());
    let biggest = {
        let mut c = vec![0usize; nbins + 1];
        for &i in &order {
            c[(((values[i] - lo) / width) as usize).min(nbins)] += 1;
        }
        c.into_iter().max().unwrap_or(1).max(1)
    };
    let step = (0.8 / biggest as f64).min(0.06);
    for i in order {
        let b = (((values[i] - lo) / width) as usize).min(nbins);
        let k = counts[b];
        counts[b] += 1;
        let level = k.div_ceil(2) as f64;
        let sign = if k % 2 == 1 { 1.0 } else { -1.0 };
        placed.push((i, (sign * level * step).clamp(-0.4, 0.4)));
    }
    placed
}

/// A vertical blue → red colour bar labelled "feature value: low … high".
fn colour_bar(area: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>, label: &str) -> Result<()> {
    let (w, h) = area.dim_in_pixel();
    let (x0, top, bottom) = (10i32, 50i32, h as i32 - 60);
    if bottom <= top || w < 20 {
        return Ok(());
    }
    let steps = 50;
    for s in 0..steps {
        let t = 1.0 - s as f64 / (steps - 1) as f64;
        let y = top + (bottom - top) * s / steps;
        let y2 = top + (bottom - top) * (s + 1) / steps;
        area.draw(&Rectangle::new([(x0, y), (x0 + 12, y2)], blue_red(t).filled())).map_err(plot_error)?;
    }
    let font = ("sans-serif", 12).into_font();
    area.draw(&Text::new("high", (x0 - 2, top - 14), font.clone())).map_err(plot_error)?;
    area.draw(&Text::new("low", (x0, bottom + 4), font.clone())).map_err(plot_error)?;
    let (first, second) = match label.split_once(' ') {
        Some((a, b)) => (a.to_string(), b.to_string()),
        None => (label.to_string(), String::new()),
    };
    area.draw(&Text::new(first, (x0 - 8, bottom + 20), font.clone())).map_err(plot_error)?;
    area.draw(&Text::new(second, (x0 - 4, bottom + 33), font)).map_err(plot_error)?;
    Ok(())
}

impl ShapValues {
    /// Features ranked by mean |SHAP value|, with the expected value in the caption.
    pub fn table(&self) -> Table {
        let mut t = Table::new(["feature", "mean |SHAP value|"]).max_rows(usize::MAX);
        for (name, v) in self.mean_abs() {
            t.push_row([Cell::from(name), Cell::from(v)]);
        }
        t.caption(format!("SHAP values for {} rows × {} features, E[f] = {:.4}", self.n_rows(), self.names.len(), self.expected_value))
    }
}

impl crate::display::Render for ShapValues {
    fn render(&self) -> crate::display::View {
        crate::display::View::Table(self.table())
    }
}
crate::rendered!(ShapValues);
