//! Kaplan–Meier and Nelson–Aalen estimators and the survival-curve figure.

use super::SurvivalData;
use crate::display::{Cell, Table};
use crate::plot::{Chart, PALETTE, plot_error, render_svg};
use crate::{Error, Result};
use plotters::prelude::*;
use statrs::distribution::{ContinuousCDF, Normal};

/// The Kaplan–Meier product-limit estimate `S(t) = Π_{t_i ≤ t} (1 − d_i / n_i)` with
/// Greenwood's variance and log-log ("exponential Greenwood") confidence bands, the
/// defaults of lifelines' `KaplanMeierFitter` (course 2 week 3, lab "Kaplan–Meier" and
/// the assignment's homemade estimator).
///
/// The timeline holds 0 and every distinct follow-up time (events and censorings), as
/// lifelines' does; `n_i` counts subjects with time ≥ `t_i`, so subjects censored at an
/// event time are still at risk there.
#[derive(Clone)]
pub struct KaplanMeier {
    times: Vec<f64>,
    survival: Vec<f64>,
    at_risk: Vec<f64>,
    events: Vec<f64>,
    censored: Vec<f64>,
    greenwood: Vec<f64>,
    lower: Vec<f64>,
    upper: Vec<f64>,
    level: f64,
}

/// A short summary, not the data (evcxr shows `{:?}` where it cannot show the HTML).
impl std::fmt::Debug for KaplanMeier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let last = self.survival.last().copied().unwrap_or(1.0);
        write!(
            f,
            "KaplanMeier {{ times: {}, events: {}, censored: {}, last S(t): {}, level: {} }}",
            self.times.len(),
            self.events.iter().sum::<f64>(),
            self.censored.iter().sum::<f64>(),
            crate::display::short_float(last),
            self.level
        )
    }
}

/// Settings of a [`KaplanMeier`] fit: the confidence level of the bands (0.95 unless set).
///
/// ```
/// use ai4med::survival::{KaplanMeier, SurvivalData};
/// let data = SurvivalData::from_bools(&[1.0, 2.0, 2.0, 4.0], &[true, true, false, true]).unwrap();
/// let km = KaplanMeier::params().level(0.9).fit(&data).unwrap();
/// assert_eq!(km.survival_at(1.5).unwrap(), 0.75);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KaplanMeierParams {
    /// Confidence level of the bands, in (0, 1).
    pub level: f64,
}

impl Default for KaplanMeierParams {
    fn default() -> Self {
        KaplanMeierParams { level: 0.95 }
    }
}

impl KaplanMeierParams {
    /// Confidence level of the bands, in (0, 1) (lifelines' `1 − alpha`).
    pub fn level(mut self, level: f64) -> Self {
        self.level = level;
        self
    }
    /// Fits the estimator. Errors: a level outside (0, 1).
    pub fn fit(&self, data: &SurvivalData) -> Result<KaplanMeier> {
        KaplanMeier::fit_level(data, self.level)
    }
}

impl crate::model::Fit<(), SurvivalData> for KaplanMeierParams {
    type Fitted = KaplanMeier;
    fn fit(&self, _x: &(), y: &SurvivalData) -> Result<KaplanMeier> {
        KaplanMeierParams::fit(self, y)
    }
}

impl crate::model::PredictSurvival<()> for KaplanMeier {
    fn predict_survival(&self, _x: &(), times: &[f64]) -> Result<ndarray::Array2<f64>> {
        crate::model::check_times(times)?;
        Ok(ndarray::Array2::from_shape_fn((1, times.len()), |(_, k)| crate::model::step_at(&self.times, &self.survival, 1.0, times[k])))
    }
}

impl KaplanMeier {
    /// Settings before the fit (see [`crate::model`]).
    pub fn params() -> KaplanMeierParams {
        KaplanMeierParams::default()
    }

    fn fit_level(data: &SurvivalData, level: f64) -> Result<KaplanMeier> {
        if !(level > 0.0 && level < 1.0) {
            return Err(Error::invalid_arg("level", format!("{level} is outside (0, 1)")));
        }
        let z = Normal::standard().inverse_cdf(1.0 - (1.0 - level) / 2.0);
        let tally = super::tally::tally(data.time(), data.event(), None, 1);
        let table = tally.times.iter().enumerate().map(|(i, &t)| (t, tally.row(i)[1], tally.row(i)[0]));
        let n = data.len() as f64;
        let with_first = |v: f64| {
            let mut out = Vec::with_capacity(tally.times.len() + 1);
            out.push(v);
            out
        };
        let mut km = KaplanMeier {
            times: with_first(0.0),
            survival: with_first(1.0),
            at_risk: with_first(n),
            events: with_first(0.0),
            censored: with_first(0.0),
            greenwood: with_first(0.0),
            lower: Vec::new(),
            upper: Vec::new(),
            level,
        };
        let (mut s, mut g, mut risk) = (1.0f64, 0.0f64, n);
        for (k, (t, d, leave)) in table.enumerate() {
            if t == 0.0 && k == 0 {
                // Events at time 0 update the first point instead of adding one.
                km.times.pop();
                km.survival.pop();
                km.at_risk.pop();
                km.events.pop();
                km.censored.pop();
                km.greenwood.pop();
            }
            s *= 1.0 - d / risk;
            if d > 0.0 {
                g += if risk > d { d / (risk * (risk - d)) } else { f64::INFINITY };
            }
            km.times.push(t);
            km.survival.push(s);
            km.at_risk.push(risk);
            km.events.push(d);
            km.censored.push(leave - d);
            km.greenwood.push(g);
            risk -= leave;
        }
        // The bands (logs and exponentials) in a second pass, on all cores when long.
        let band = |(s, g): (&f64, &f64)| loglog_band(*s, *g, z);
        let bands: Vec<(f64, f64)> = if km.survival.len() > 1 << 14 {
            use rayon::prelude::*;
            km.survival.par_iter().zip(km.greenwood.par_iter()).map(band).collect()
        } else {
            km.survival.iter().zip(km.greenwood.iter()).map(band).collect()
        };
        (km.lower, km.upper) = bands.into_iter().unzip();
        Ok(km)
    }

    /// Timeline: 0 and every distinct follow-up time.
    pub fn times(&self) -> &[f64] {
        &self.times
    }
    /// `S(t)` at each timeline point.
    pub fn survival(&self) -> &[f64] {
        &self.survival
    }
    /// Subjects at risk just before each timeline point.
    pub fn at_risk(&self) -> &[f64] {
        &self.at_risk
    }
    /// Events at each timeline point.
    pub fn events(&self) -> &[f64] {
        &self.events
    }
    /// Censorings at each timeline point.
    pub fn censored(&self) -> &[f64] {
        &self.censored
    }
    /// Lower confidence band.
    pub fn lower(&self) -> &[f64] {
        &self.lower
    }
    /// Upper confidence band.
    pub fn upper(&self) -> &[f64] {
        &self.upper
    }
    /// Greenwood variance of `S(t)`: `S(t)² Σ d_i / (n_i (n_i − d_i))`.
    pub fn variance(&self) -> Vec<f64> {
        self.survival.iter().zip(&self.greenwood).map(|(s, g)| s * s * g).collect()
    }
    /// Confidence level of the bands.
    pub fn level(&self) -> f64 {
        self.level
    }
    /// `S(t)` for any `t ≥ 0` (a right-continuous step function); an error for
    /// negative or NaN `t`.
    pub fn survival_at(&self, t: f64) -> Result<f64> {
        if !(t >= 0.0) {
            return Err(Error::invalid_arg("t", format!("{t} is not a non-negative time")));
        }
        let k = self.times.partition_point(|&x| x <= t);
        Ok(if k == 0 { 1.0 } else { self.survival[k - 1] })
    }
    /// Median survival: the first time at which `S(t) ≤ 0.5`, or `∞` if the curve never
    /// gets there (lifelines' `median_survival_time_`).
    pub fn median(&self) -> f64 {
        self.quantile_time(0.5)
    }
    /// The first time at which `S(t) ≤ p` (`∞` if never).
    pub fn quantile_time(&self, p: f64) -> f64 {
        self.times.iter().zip(&self.survival).find(|(_, s)| **s <= p).map_or(f64::INFINITY, |(t, _)| *t)
    }
    /// The estimate as a table: time, at risk, events, censored, S(t) and the band.
    pub fn table(&self) -> Table {
        let lv = format!("{:.0}%", self.level * 100.0);
        let mut t = Table::new(["time", "at risk", "events", "censored", "S(t)", &format!("lower {lv}"), &format!("upper {lv}")]);
        for i in 0..self.times.len() {
            t.push_row([
                Cell::from(self.times[i]),
                Cell::count(self.at_risk[i]),
                Cell::count(self.events[i]),
                Cell::count(self.censored[i]),
                Cell::from(self.survival[i]),
                Cell::from(self.lower[i]),
                Cell::from(self.upper[i]),
            ]);
        }
        t.caption(format!("Kaplan–Meier estimate, median survival {}", fmt_time(self.median())))
    }
}

fn fmt_time(t: f64) -> String {
    if t.is_infinite() { "not reached".into() } else { crate::display::table::format_float(t) }
}

/// lifelines' log(−log) band: `exp(−exp(log(−log S) ∓ z √g / log S))`; 1 where S = 1 and
/// 0 where S = 0 (the band degenerates there).
fn loglog_band(s: f64, g: f64, z: f64) -> (f64, f64) {
    if s >= 1.0 {
        return (1.0, 1.0);
    }
    if s <= 0.0 || !g.is_finite() {
        return (0.0, 0.0);
    }
    // exp(−exp(log(−log s) ∓ h)) with h = z·√g / log s, written as exp(log s · e^{∓h}):
    // one logarithm and three exponentials.
    let v = s.ln();
    let e = (z * g.sqrt() / v).exp();
    ((v / e).exp(), (v * e).exp())
}

/// The Nelson–Aalen estimate of the cumulative hazard `H(t) = Σ_{t_i ≤ t} d_i / n_i`
/// (course 2 week 4, lab "hazard function"). With `smoothed`, tied events are
/// counted one at a time, `Σ_{k<d_i} 1 / (n_i − k)`, which is lifelines' default
/// (`nelson_aalen_smoothing=True`); scikit-survival uses the plain form.
#[derive(Debug, Clone)]
pub struct NelsonAalen {
    times: Vec<f64>,
    hazard: Vec<f64>,
}

/// Settings of a [`NelsonAalen`] fit: whether tied events are smoothed (off unless set,
/// scikit-survival's form; lifelines smooths).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct NelsonAalenParams {
    /// Count tied events one at a time (lifelines' `nelson_aalen_smoothing=True`).
    pub smoothed: bool,
}

impl NelsonAalenParams {
    /// Smoothing of ties on or off.
    pub fn smoothed(mut self, on: bool) -> Self {
        self.smoothed = on;
        self
    }
    /// Fits the estimator.
    pub fn fit(&self, data: &SurvivalData) -> Result<NelsonAalen> {
        Ok(NelsonAalen::fit_smoothed(data, self.smoothed))
    }
}

impl crate::model::Fit<(), SurvivalData> for NelsonAalenParams {
    type Fitted = NelsonAalen;
    fn fit(&self, _x: &(), y: &SurvivalData) -> Result<NelsonAalen> {
        NelsonAalenParams::fit(self, y)
    }
}

impl crate::model::PredictSurvival<()> for NelsonAalen {
    /// `exp(−H(t))`.
    fn predict_survival(&self, _x: &(), times: &[f64]) -> Result<ndarray::Array2<f64>> {
        crate::model::check_times(times)?;
        Ok(ndarray::Array2::from_shape_fn((1, times.len()), |(_, k)| {
            (-crate::model::step_at(&self.times, &self.hazard, 0.0, times[k])).exp()
        }))
    }
}

impl NelsonAalen {
    /// Settings before the fit (see [`crate::model`]): `NelsonAalen::params().fit(&data)`
    /// is the plain estimator `Σ d_i / n_i`.
    pub fn params() -> NelsonAalenParams {
        NelsonAalenParams::default()
    }
    fn fit_smoothed(data: &SurvivalData, smoothed: bool) -> NelsonAalen {
        let mut risk = data.len() as f64;
        let mut h = 0.0;
        let mut times = vec![0.0];
        let mut hazard = vec![0.0];
        for (k, (t, d, leave)) in data.table().into_iter().enumerate() {
            if k == 0 && t == 0.0 {
                times.pop();
                hazard.pop();
            }
            if d > 0.0 {
                h += if smoothed { (0..d as usize).map(|j| 1.0 / (risk - j as f64)).sum::<f64>() } else { d / risk };
            }
            times.push(t);
            hazard.push(h);
            risk -= leave;
        }
        NelsonAalen { times, hazard }
    }
    /// Timeline: 0 and every distinct follow-up time.
    pub fn times(&self) -> &[f64] {
        &self.times
    }
    /// `H(t)` at each timeline point.
    pub fn cumulative_hazard(&self) -> &[f64] {
        &self.hazard
    }
    /// `H(t)` at any `t ≥ 0` (a right-continuous step function); an error naming `t` for
    /// a negative or NaN time, as [`KaplanMeier::survival_at`] (a NaN time used to give
    /// `H = 0`, a value that looks valid). `t = ∞` gives the last value.
    pub fn at(&self, t: f64) -> Result<f64> {
        if !(t >= 0.0) {
            return Err(Error::invalid_arg("t", format!("{t} is not a non-negative time")));
        }
        let k = self.times.partition_point(|&x| x <= t);
        Ok(if k == 0 { 0.0 } else { self.hazard[k - 1] })
    }
    /// The survival curve implied by the hazard, `exp(−H(t))` (Breslow–Fleming–Harrington).
    pub fn survival(&self) -> Vec<f64> {
        self.hazard.iter().map(|h| (-h).exp()).collect()
    }
}

/// Kaplan–Meier curves of several groups on one figure: steps with shaded confidence
/// bands (if `bands`), censoring ticks, and a table of subjects at risk under the axis,
/// as lifelines' `add_at_risk_counts` draws it: one count per time tick, right under it,
/// the number still followed just before that time. `time_label` names the x axis with
/// its unit (`"days since diagnosis"`); the legend goes where it covers no curve if such
/// a place exists (see [`crate::plot::Legend::Best`]).
pub fn km_figure(curves: &[(&str, &KaplanMeier)], title: &str, time_label: &str, bands: bool) -> Chart {
    let build = || -> Result<String> {
        crate::error::check::non_empty("curves", curves.len())?;
        let t_max = curves.iter().filter_map(|(_, k)| k.times.last().copied()).fold(0.0, f64::max).max(1e-9);
        // The time ticks: the axis labels exactly these, and the at-risk table counts at them.
        let ticks: Vec<f64> = {
            let step = nice_step(t_max / 7.0);
            (0..).map(|k| k as f64 * step).take_while(|&t| t <= t_max * 1.0001).collect()
        };
        let rows = curves.len() as u32;
        let table_h = 34 + 18 * rows;
        let label_w = curves.iter().map(|(l, _)| l.chars().count()).max().unwrap_or(4).clamp(6, 30) as u32 * 7 + 14;
        render_svg((720, 440 + table_h), |root| {
            let (top, bottom) = root.split_vertically(440);
            let mut chart = ChartBuilder::on(&top)
                .caption(title, ("sans-serif", 16))
                .margin(12)
                .margin_left(12 + label_w.saturating_sub(60))
                .x_label_area_size(40)
                .y_label_area_size(60)
                .build_cartesian_2d(
                    crate::plot::FixedTicks::new(crate::plot::axis(0.0, t_max * 1.03, "survival times")?, ticks.clone()),
                    0.0..1.03,
                )
                .map_err(plot_error)?;
            let tick_label = |t: &f64| crate::display::short_float(*t);
            chart
                .configure_mesh()
                .x_label_formatter(&tick_label)
                .y_label_formatter(&crate::plot::tick_formatter(0.0, 1.03))
                .x_desc(if time_label.is_empty() { "time" } else { time_label })
                .y_desc("survival probability S(t)")
                .label_style(("sans-serif", 12))
                .max_light_lines(2)
                .light_line_style(RGBColor(243, 243, 243))
                .draw()
                .map_err(plot_error)?;
            for (g, (label, km)) in curves.iter().enumerate() {
                let col = PALETTE[g % PALETTE.len()];
                let mut pts: Vec<(f64, f64)> = Vec::new();
                for (i, (&t, &s)) in km.times.iter().zip(&km.survival).enumerate() {
                    if i > 0 {
                        pts.push((t, km.survival[i - 1]));
                    }
                    pts.push((t, s));
                }
                if bands {
                    let mut poly: Vec<(f64, f64)> = Vec::new();
                    for i in 0..km.times.len() {
                        if i > 0 {
                            poly.push((km.times[i], km.lower[i - 1]));
                        }
                        poly.push((km.times[i], km.lower[i]));
                    }
                    for i in (0..km.times.len()).rev() {
                        poly.push((km.times[i], km.upper[i]));
                        if i > 0 {
                            poly.push((km.times[i], km.upper[i - 1]));
                        }
                    }
                    chart.draw_series(std::iter::once(Polygon::new(poly, col.mix(0.18).filled()))).map_err(plot_error)?;
                }
                chart
                    .draw_series(LineSeries::new(pts, col.stroke_width(2)))
                    .map_err(plot_error)?
                    .label(label.to_string())
                    .legend(move |(a, b)| PathElement::new(vec![(a, b), (a + 18, b)], col.stroke_width(2)));
                // Censoring ticks.
                let marks: Vec<(f64, f64)> =
                    km.times.iter().zip(&km.survival).zip(&km.censored).filter(|(_, c)| **c > 0.0).map(|((t, s), _)| (*t, *s)).collect();
                chart
                    .draw_series(
                        marks.into_iter().map(|p| EmptyElement::at(p) + PathElement::new(vec![(0, -5), (0, 5)], col.stroke_width(1))),
                    )
                    .map_err(plot_error)?;
            }
            // The legend where it covers the fewest curve points.
            let mut points = Vec::new();
            for (_, km) in curves {
                let mut prev = (0.0, 1.0);
                for (&t, &s) in km.times.iter().zip(&km.survival) {
                    for p in [(t, prev.1), (t, s)] {
                        let steps = 40;
                        for k in 0..=steps {
                            let f = k as f64 / steps as f64;
                            points.push(chart.backend_coord(&(prev.0 + f * (p.0 - prev.0), prev.1 + f * (p.1 - prev.1))));
                        }
                        prev = p;
                    }
                }
            }
            let labels: Vec<String> = curves.iter().map(|(l, _)| l.to_string()).collect();
            let area = (chart.plotting_area().get_base_pixel(), chart.plotting_area().dim_in_pixel());
            let local: Vec<(i32, i32)> = points.iter().map(|&(x, y)| (x - area.0.0, y - area.0.1)).collect();
            let (pos, _) = crate::plot::best_legend_place(&local, &labels, area.1)?;
            chart
                .configure_series_labels()
                .position(pos)
                .background_style(WHITE.mix(0.85))
                .border_style(RGBColor(180, 180, 180))
                .label_font(("sans-serif", 12))
                .draw()
                .map_err(plot_error)?;
            let font = ("sans-serif", 12).into_font();
            bottom.draw(&Text::new("at risk", (10, 6), font.clone().style(FontStyle::Bold))).map_err(plot_error)?;
            for (g, (label, km)) in curves.iter().enumerate() {
                let y = 26 + 18 * g as i32;
                let col = PALETTE[g % PALETTE.len()];
                bottom.draw(&Text::new(label.to_string(), (10, y), font.clone().color(&col))).map_err(plot_error)?;
                for &t in &ticks {
                    let (px, _) = chart.backend_coord(&(t, 0.0));
                    let k = km.times.partition_point(|&x| x < t);
                    let n = if k < km.times.len() { km.at_risk[k] } else { 0.0 };
                    // Centred under the tick (about 7 px per digit).
                    let text = format!("{n:.0}");
                    let half = (7 * text.len() as i32) / 2;
                    bottom.draw(&Text::new(text, (px - half, y), font.clone())).map_err(plot_error)?;
                }
            }
            Ok(())
        })
    };
    Chart::from_result(build(), "Kaplan–Meier figure")
}

fn nice_step(raw: f64) -> f64 {
    if !(raw > 0.0) {
        return 1.0;
    }
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let nice = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * mag
}

impl crate::display::Render for KaplanMeier {
    fn render(&self) -> crate::display::View {
        crate::display::View::Figure(km_figure(&[("Kaplan–Meier", self)], "Kaplan–Meier estimate", "time", true).to_svg())
    }
}
crate::rendered!(KaplanMeier);

impl NelsonAalen {
    /// The cumulative hazard as a step figure.
    pub fn figure(&self) -> crate::plot::Figure {
        crate::plot::Figure::new().title("Nelson–Aalen estimate").x_label("time").y_label("H(t)").step(&self.times, &self.hazard, "H(t)")
    }
}

impl crate::display::Render for NelsonAalen {
    fn render(&self) -> crate::display::View {
        crate::display::View::Figure(self.figure().to_svg())
    }
}
crate::rendered!(NelsonAalen);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn course_values() {
        let d = SurvivalData::new(&[5.0, 10.0, 15.0], &[0.0, 1.0, 0.0]).unwrap();
        let km = KaplanMeier::params().fit(&d).unwrap();
        assert_eq!(km.times(), &[0.0, 5.0, 10.0, 15.0]);
        assert_eq!(km.survival(), &[1.0, 1.0, 0.5, 0.5]);
        let d = SurvivalData::new(&[2.0, 15.0, 12.0, 10.0, 20.0], &[0.0, 0.0, 1.0, 1.0, 1.0]).unwrap();
        let km = KaplanMeier::params().fit(&d).unwrap();
        assert_eq!(km.times(), &[0.0, 2.0, 10.0, 12.0, 15.0, 20.0]);
        assert_eq!(km.survival(), &[1.0, 1.0, 0.75, 0.5, 0.5, 0.0]);
        assert_eq!(km.median(), 12.0);
        assert_eq!(km.survival_at(11.0).unwrap(), 0.75);
        assert!(km.survival_at(-1.0).is_err());
        assert!(km_figure(&[("all", &km)], "t", "days", true).to_svg().unwrap().contains("at risk"));
    }
}
