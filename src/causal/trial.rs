//! Summaries of a two-arm randomised trial with a binary outcome.

use crate::display::{Cell, Table, Tone};
use crate::metrics::Interval;
use crate::{Error, Result};
use polars::prelude::DataFrame;
use statrs::distribution::{ContinuousCDF, Normal};

/// Checks that `values` are all 0 or 1.
pub(crate) fn check_binary(what: &str, values: &[f64]) -> Result<()> {
    match values.iter().position(|&v| v != 0.0 && v != 1.0) {
        Some(i) => Err(Error::InvalidValue { what: what.into(), value: values[i].to_string(), index: i, reason: "must be 0 or 1".into() }),
        None => Ok(()),
    }
}

/// Share of patients treated: the mean of the 0/1 treatment indicator (course
/// exercise `proportion_treated`). An empty or non-0/1 input is an error.
///
/// ```
/// use ai4med::causal::proportion_treated;
/// assert_eq!(proportion_treated(&[0.0, 1.0, 1.0, 1.0]).unwrap(), 0.75);
/// assert_eq!(proportion_treated(&[0.0, 0.0, 0.0, 0.0]).unwrap(), 0.0);
/// ```
pub fn proportion_treated(treatment: &[f64]) -> Result<f64> {
    crate::error::check::non_empty("treatment", treatment.len())?;
    check_binary("treatment", treatment)?;
    Ok(treatment.iter().sum::<f64>() / treatment.len() as f64)
}

/// Event rate in each arm, `(treated, control)`: the mean outcome among treated and
/// among untreated patients (course exercise `event_rate`). An arm without patients,
/// mismatched lengths or non-0/1 values are errors.
///
/// ```
/// let y = [0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 0.0];
/// let w = [1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0];
/// assert_eq!(ai4med::causal::event_rate(&y, &w).unwrap(), (0.5, 0.75));
/// ```
pub fn event_rate(outcome: &[f64], treatment: &[f64]) -> Result<(f64, f64)> {
    let t = Trial::new(outcome, treatment)?;
    Ok((t.events_treated as f64 / t.n_treated as f64, t.events_control as f64 / t.n_control as f64))
}

/// The number needed to treat, `1 / ARR`, with Altman's (1998) confidence interval.
///
/// A positive value is the number of patients to treat for one fewer event (NNTB);
/// a negative one, for one extra event (NNTH). When the ARR interval excludes 0 the
/// NNT interval is `[1/upper, 1/lower]`; when it contains 0 the interval runs from
/// `1/upper` (NNTB) through infinity to `|1/lower|` (NNTH), which [`std::fmt::Display`]
/// writes out.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Nnt {
    /// `1 / ARR` (infinite when the ARR is exactly 0).
    pub estimate: f64,
    /// The ARR interval it was derived from.
    pub arr: Interval,
}

impl Nnt {
    /// Whether the interval passes through infinity (the ARR interval contains 0).
    pub fn unbounded(&self) -> bool {
        self.arr.lower <= 0.0 && self.arr.upper >= 0.0
    }
    /// Bounds `[1/upper, 1/lower]` when the interval is bounded.
    pub fn bounds(&self) -> Option<(f64, f64)> {
        (!self.unbounded()).then(|| (1.0 / self.arr.upper, 1.0 / self.arr.lower))
    }
}

fn nnt_word(v: f64) -> String {
    if v > 0.0 { format!("NNTB {:.1}", v) } else { format!("NNTH {:.1}", -v) }
}

impl std::fmt::Display for Nnt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let est = if self.estimate.is_finite() { nnt_word(self.estimate) } else { "∞".into() };
        let level = self.arr.level * 100.0;
        match self.bounds() {
            Some((a, b)) => write!(f, "{est} ({level:.0}% CI {:.1}–{:.1})", a.abs(), b.abs()),
            None => {
                let benefit = if self.arr.upper > 0.0 { nnt_word(1.0 / self.arr.upper) } else { "NNTB ∞".into() };
                let harm = if self.arr.lower < 0.0 { nnt_word(1.0 / self.arr.lower) } else { "NNTH ∞".into() };
                write!(f, "{est} ({level:.0}% CI {benefit} to ∞ to {harm})")
            }
        }
    }
}

/// A two-arm trial with a binary outcome (1 = the event, e.g. death within five years)
/// and a 0/1 treatment indicator, validated on construction: equal lengths, only 0/1,
/// both arms non-empty.
///
/// Effect measures compare the treated arm (rate `p₁`, `n₁` patients, `a` events) with
/// the control arm (`p₀`, `n₀`, `c`):
/// - absolute risk reduction `ARR = p₀ − p₁` (positive: treatment prevents events),
///   Wald interval `± z·√(p₀(1−p₀)/n₀ + p₁(1−p₁)/n₁)` (statsmodels'
///   `confint_proportions_2indep(method="wald")`, sign flipped to control − treated);
/// - relative risk `RR = p₁ / p₀`, interval `exp(log RR ± z·√(1/a − 1/n₁ + 1/c − 1/n₀))`
///   (statsmodels' `compare="ratio", method="log"`);
/// - odds ratio `(a/(n₁−a)) / (c/(n₀−c))`, Woolf's interval `exp(log OR ± z·√(1/a +
///   1/(n₁−a) + 1/c + 1/(n₀−c)))` (statsmodels' `compare="odds-ratio",
///   method="logit"`); a zero cell makes the ratio intervals undefined (an error, no
///   continuity correction);
/// - number needed to treat `1/ARR` ([`Nnt`]);
/// - proportions (treated share, event rates) with Wilson score intervals (statsmodels'
///   `proportion_confint(method="wilson")`).
///
/// ```
/// use ai4med::causal::Trial;
/// let y = [0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 0.0];
/// let w = [1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0];
/// let t = Trial::new(&y, &w).unwrap();
/// assert!((t.absolute_risk_reduction().estimate - 0.25).abs() < 1e-12);
/// assert!((t.relative_risk().unwrap().estimate - 0.5 / 0.75).abs() < 1e-12);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Trial {
    /// Patients in the treated arm.
    pub n_treated: usize,
    /// Patients in the control arm.
    pub n_control: usize,
    /// Events in the treated arm.
    pub events_treated: usize,
    /// Events in the control arm.
    pub events_control: usize,
    level: f64,
}

impl Trial {
    /// A trial from the outcome and treatment columns (0/1 each); 95% intervals.
    pub fn new(outcome: &[f64], treatment: &[f64]) -> Result<Trial> {
        crate::error::check::same_len("outcome vs treatment", outcome.len(), treatment.len())?;
        crate::error::check::non_empty("trial", outcome.len())?;
        check_binary("outcome", outcome)?;
        check_binary("treatment", treatment)?;
        let n_treated = treatment.iter().filter(|&&w| w == 1.0).count();
        let n_control = treatment.len() - n_treated;
        if n_treated == 0 || n_control == 0 {
            let empty = if n_treated == 0 { "treated" } else { "control" };
            return Err(Error::undefined("trial summary", format!("the {empty} arm has no patients")));
        }
        let events_treated = outcome.iter().zip(treatment).filter(|&(&y, &w)| y == 1.0 && w == 1.0).count();
        let events_control = outcome.iter().zip(treatment).filter(|&(&y, &w)| y == 1.0 && w == 0.0).count();
        Ok(Trial { n_treated, n_control, events_treated, events_control, level: 0.95 })
    }

    /// A trial from a frame's outcome and treatment columns (by name).
    pub fn from_frame(df: &DataFrame, outcome: &str, treatment: &str) -> Result<Trial> {
        Trial::new(&crate::data::column_f64(df, outcome)?, &crate::data::column_f64(df, treatment)?)
    }

    /// Sets the confidence level (default 0.95).
    pub fn level(mut self, level: f64) -> Result<Trial> {
        if !(level > 0.0 && level < 1.0) {
            return Err(Error::invalid_arg("level", format!("must lie strictly between 0 and 1, got {level}")));
        }
        self.level = level;
        Ok(self)
    }

    fn z(&self) -> f64 {
        Normal::standard().inverse_cdf(0.5 + self.level / 2.0)
    }

    fn wilson(&self, k: usize, n: usize) -> Interval {
        let (k, n, z) = (k as f64, n as f64, self.z());
        let p = k / n;
        let denom = 1.0 + z * z / n;
        let centre = (p + z * z / (2.0 * n)) / denom;
        let half = z / denom * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt();
        Interval { estimate: p, lower: centre - half, upper: centre + half, level: self.level }
    }

    /// Share of patients treated, with a Wilson interval.
    pub fn proportion_treated(&self) -> Interval {
        self.wilson(self.n_treated, self.n_treated + self.n_control)
    }

    /// Event rates `(treated, control)` with Wilson intervals.
    pub fn event_rates(&self) -> (Interval, Interval) {
        (self.wilson(self.events_treated, self.n_treated), self.wilson(self.events_control, self.n_control))
    }

    /// Absolute risk reduction `p₀ − p₁` with the Wald interval.
    pub fn absolute_risk_reduction(&self) -> Interval {
        let (p1, n1) = (self.events_treated as f64 / self.n_treated as f64, self.n_treated as f64);
        let (p0, n0) = (self.events_control as f64 / self.n_control as f64, self.n_control as f64);
        let se = (p0 * (1.0 - p0) / n0 + p1 * (1.0 - p1) / n1).sqrt();
        let d = p0 - p1;
        let z = self.z();
        Interval { estimate: d, lower: d - z * se, upper: d + z * se, level: self.level }
    }

    /// Relative risk `p₁ / p₀` with the log interval; undefined when an arm has no events.
    pub fn relative_risk(&self) -> Result<Interval> {
        let (a, n1, c, n0) = (self.events_treated as f64, self.n_treated as f64, self.events_control as f64, self.n_control as f64);
        if a == 0.0 || c == 0.0 {
            return Err(Error::undefined("relative risk interval", "an arm has no events (log of zero)"));
        }
        let lr = (a / n1 / (c / n0)).ln();
        let se = (1.0 / a - 1.0 / n1 + 1.0 / c - 1.0 / n0).sqrt();
        let z = self.z();
        Ok(Interval { estimate: lr.exp(), lower: (lr - z * se).exp(), upper: (lr + z * se).exp(), level: self.level })
    }

    /// Odds ratio (treated vs control) with Woolf's interval; undefined with a zero cell.
    pub fn odds_ratio(&self) -> Result<Interval> {
        let (a, b) = (self.events_treated as f64, (self.n_treated - self.events_treated) as f64);
        let (c, d) = (self.events_control as f64, (self.n_control - self.events_control) as f64);
        if a == 0.0 || b == 0.0 || c == 0.0 || d == 0.0 {
            return Err(Error::undefined("odds ratio", "a cell of the 2×2 table is zero (every or no patient of an arm had the event)"));
        }
        let lo = (a * d / (b * c)).ln();
        let se = (1.0 / a + 1.0 / b + 1.0 / c + 1.0 / d).sqrt();
        let z = self.z();
        Ok(Interval { estimate: lo.exp(), lower: (lo - z * se).exp(), upper: (lo + z * se).exp(), level: self.level })
    }

    /// Number needed to treat, `1 / ARR`.
    pub fn number_needed_to_treat(&self) -> Nnt {
        let arr = self.absolute_risk_reduction();
        Nnt { estimate: 1.0 / arr.estimate, arr }
    }

    /// Everything above as a table.
    pub fn summary(&self) -> Table {
        let lv = format!("{:.0}% CI", self.level * 100.0);
        let mut t = Table::new(["measure", "estimate", &lv]);
        let row = |t: &mut Table, name: &str, i: Interval| {
            t.push_row([Cell::from(name), Cell::from(i.estimate), Cell::from(format!("{:.4} – {:.4}", i.lower, i.upper))])
        };
        row(&mut t, "proportion treated", self.proportion_treated());
        let (et, ec) = self.event_rates();
        row(&mut t, "event rate, treated", et);
        row(&mut t, "event rate, control", ec);
        row(&mut t, "absolute risk reduction (control − treated)", self.absolute_risk_reduction());
        for (name, r) in
            [("relative risk (treated / control)", self.relative_risk()), ("odds ratio (treated vs control)", self.odds_ratio())]
        {
            match r {
                Ok(i) => row(&mut t, name, i),
                Err(e) => t.push_row([Cell::from(name), Cell::toned(format!("not defined: {e}"), Tone::Bad), Cell::from("")]),
            }
        }
        let nnt = self.number_needed_to_treat();
        let nnt_text = nnt.to_string();
        let (est, ci) = nnt_text
            .split_once(" (")
            .map(|(a, b)| (a.to_string(), b.trim_end_matches(')').to_string()))
            .unwrap_or((nnt_text, String::new()));
        t.push_row([Cell::from("number needed to treat"), Cell::from(est), Cell::from(ci)]);
        t.caption(format!(
            "trial: {} treated ({} events), {} control ({} events)",
            self.n_treated, self.events_treated, self.n_control, self.events_control
        ))
    }
}

impl crate::display::Render for Trial {
    fn render(&self) -> crate::display::View {
        crate::display::View::Table(self.summary())
    }
}
crate::rendered!(Trial);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn course_values_and_errors() {
        assert_eq!(proportion_treated(&[0.0, 1.0, 0.0, 0.0]).unwrap(), 0.25);
        assert!(proportion_treated(&[]).is_err());
        assert!(proportion_treated(&[0.0, 2.0]).is_err());
        assert!(event_rate(&[1.0, 0.0], &[1.0, 1.0]).unwrap_err().to_string().contains("control arm"));
        assert!(event_rate(&[1.0, 0.0], &[1.0]).is_err());
        assert!(event_rate(&[1.0, 0.5], &[1.0, 0.0]).is_err());
        let df = polars::prelude::df!("outcome" => [1.0, 0.0], "TRTMT" => [1.0, 0.0]).unwrap();
        assert!(Trial::from_frame(&df, "outcome", "treated").unwrap_err().to_string().contains("treated"));
        assert_eq!(Trial::from_frame(&df, "outcome", "TRTMT").unwrap().n_treated, 1);
        assert!(Trial::new(&[1.0, 0.0], &[1.0, 0.0]).unwrap().level(1.5).is_err());
    }

    #[test]
    fn nnt_by_hand() {
        // 10/100 treated vs 20/100 control: ARR 0.1, NNT 10.
        let y: Vec<f64> = (0..200).map(|i| if i < 100 { (i < 10) as u8 as f64 } else { (i < 120) as u8 as f64 }).collect();
        let w: Vec<f64> = (0..200).map(|i| (i < 100) as u8 as f64).collect();
        let t = Trial::new(&y, &w).unwrap();
        let nnt = t.number_needed_to_treat();
        assert!((nnt.estimate - 10.0).abs() < 1e-9);
        // ARR CI = 0.1 ± 1.96·sqrt(0.16/100 + 0.09/100) = 0.1 ± 0.098 → bounded.
        let (lo, hi) = nnt.bounds().unwrap();
        assert!(lo > 5.0 && lo < 5.1 && hi > 400.0, "{lo} {hi}");
        assert!(nnt.to_string().starts_with("NNTB 10.0"));
        let t2 = Trial::new(&y[..150], &w[..150]).unwrap();
        assert!(t2.number_needed_to_treat().unbounded() || t2.number_needed_to_treat().bounds().is_some());
        let table = t.summary();
        assert_eq!(table.n_rows(), 7);
        let zero = Trial::new(&[0.0, 0.0, 1.0, 0.0], &[1.0, 1.0, 0.0, 0.0]).unwrap();
        assert!(zero.odds_ratio().is_err() && zero.relative_risk().is_err());
        assert!(zero.summary().to_html().contains("not defined"));
    }
}
