//! Survival analysis (course 2 weeks 3–4): survival data with censoring, the counting
//! helpers and naive estimator of the labs, Kaplan–Meier and Nelson–Aalen estimators,
//! log-rank tests, Harrell's C, and Cox proportional hazards.
//!
//! Conventions follow lifelines where the course does not fix them, and each item says
//! where it differs. A censored time means the subject was known alive *through* that
//! time (the course's convention): at a time where some die and some are censored, the
//! censored ones are still at risk.
//!
//! ```
//! use ai4med::survival::{KaplanMeier, SurvivalData};
//! let data = SurvivalData::new(&[5.0, 10.0, 15.0], &[0.0, 1.0, 0.0]).unwrap();
//! let km = KaplanMeier::params().fit(&data).unwrap();
//! assert_eq!(km.times(), &[0.0, 5.0, 10.0, 15.0]);
//! assert_eq!(km.survival(), &[1.0, 1.0, 0.5, 0.5]);
//! ```

mod cindex;
mod cox;
mod km;
mod logrank;
mod rsf;
mod tally;

pub use cindex::{PairVerdict, harrell_c, harrell_c_pairs, pair_table, pair_verdict};
pub use cox::{CoxPH, CoxParams, Ties};
pub use km::{KaplanMeier, KaplanMeierParams, NelsonAalen, NelsonAalenParams, km_figure};
pub use logrank::{LogRank, logrank_test, multivariate_logrank_test};
pub use rsf::RandomSurvivalForest;

use crate::{Error, Result};

/// Follow-up times with event indicators, checked on construction: times finite and
/// non-negative, events 0 or 1, equal lengths, at least one subject.
#[derive(Debug, Clone, PartialEq)]
pub struct SurvivalData {
    time: Vec<f64>,
    event: Vec<bool>,
}

impl SurvivalData {
    /// From times and 0/1 event indicators (1 = the event was observed, 0 = censored).
    pub fn new(time: &[f64], event: &[f64]) -> Result<SurvivalData> {
        crate::error::check::same_len("time vs event", time.len(), event.len())?;
        crate::error::check::non_empty("time", time.len())?;
        // Branch-free scans first (random 0/1 events defeat branch prediction); the
        // position of a bad value is looked up only when there is one.
        let bad_time = |t: &f64| !(t.is_finite() & (*t >= 0.0));
        let bad_event = |e: &f64| (*e != 0.0) & (*e != 1.0);
        // Large inputs are checked and copied on all cores (pure memory traffic).
        if time.len() >= 1 << 16 {
            use rayon::prelude::*;
            let (bad_t, bad_e) = rayon::join(
                || time.par_chunks(1 << 15).any(|c| c.iter().fold(false, |acc, t| acc | bad_time(t))),
                || event.par_chunks(1 << 15).any(|c| c.iter().fold(false, |acc, e| acc | bad_event(e))),
            );
            if !bad_t && !bad_e {
                let (time, event) = rayon::join(|| time.par_iter().copied().collect(), || event.par_iter().map(|&e| e == 1.0).collect());
                return Ok(SurvivalData { time, event });
            }
        }
        if time.iter().fold(false, |acc, t| acc | bad_time(t)) {
            let i = time.iter().position(bad_time).unwrap_or(0);
            return Err(Error::InvalidValue {
                what: "time".into(),
                value: time[i].to_string(),
                index: i,
                reason: "times must be finite and non-negative".into(),
            });
        }
        if event.iter().fold(false, |acc, e| acc | bad_event(e)) {
            let i = event.iter().position(bad_event).unwrap_or(0);
            return Err(Error::InvalidValue {
                what: "event".into(),
                value: event[i].to_string(),
                index: i,
                reason: "events must be 0 (censored) or 1 (observed)".into(),
            });
        }
        Ok(SurvivalData { time: time.to_vec(), event: event.iter().map(|&e| e == 1.0).collect() })
    }
    /// From boolean event flags.
    pub fn from_bools(time: &[f64], event: &[bool]) -> Result<SurvivalData> {
        let e: Vec<f64> = event.iter().map(|&b| b as u8 as f64).collect();
        SurvivalData::new(time, &e)
    }
    /// From two numeric columns of a polars frame.
    pub fn from_frame(df: &polars::prelude::DataFrame, time: &str, event: &str) -> Result<SurvivalData> {
        SurvivalData::new(&crate::data::column_f64(df, time)?, &crate::data::column_f64(df, event)?)
    }
    /// Number of subjects.
    pub fn len(&self) -> usize {
        self.time.len()
    }
    /// Always false (construction rejects empty data).
    pub fn is_empty(&self) -> bool {
        self.time.is_empty()
    }
    /// Follow-up times.
    pub fn time(&self) -> &[f64] {
        &self.time
    }
    /// Event flags.
    pub fn event(&self) -> &[bool] {
        &self.event
    }
    /// Number of observed events.
    pub fn n_events(&self) -> usize {
        self.event.iter().filter(|&&e| e).count()
    }
    /// The subjects selected by `keep`.
    pub fn subset(&self, keep: &[bool]) -> Result<SurvivalData> {
        crate::error::check::same_len("subjects vs selection", self.len(), keep.len())?;
        let (t, e): (Vec<f64>, Vec<bool>) =
            self.time.iter().zip(&self.event).zip(keep).filter(|(_, k)| **k).map(|((t, e), _)| (*t, *e)).unzip();
        SurvivalData::from_bools(&t, &e)
    }
    /// Distinct times (events or censorings) in increasing order, with the number of
    /// events and of subjects leaving (events + censorings) at each.
    pub(crate) fn table(&self) -> Vec<(f64, f64, f64)> {
        let t = tally::tally(&self.time, &self.event, None, 1);
        t.times.iter().enumerate().map(|(i, &time)| (time, t.row(i)[1], t.row(i)[0])).collect()
    }
}

/// Fraction of subjects censored (the course exercise `frac_censored`).
///
/// ```
/// let d = ai4med::survival::SurvivalData::new(&[1.0, 2.0, 3.0, 4.0], &[1.0, 0.0, 0.0, 1.0]).unwrap();
/// assert_eq!(ai4med::survival::censored_fraction(&d), 0.5);
/// ```
pub fn censored_fraction(data: &SurvivalData) -> f64 {
    (data.len() - data.n_events()) as f64 / data.len() as f64
}

/// Subjects known to have survived past `t`: follow-up time strictly after `t` (any
/// event status).
pub fn survived_past(data: &SurvivalData, t: f64) -> usize {
    data.time.iter().filter(|&&x| x > t).count()
}

/// Subjects who may have survived past `t`: known survivors plus those censored at or
/// before `t`, whose fate after censoring is unknown.
pub fn may_have_survived(data: &SurvivalData, t: f64) -> usize {
    data.time.iter().zip(&data.event).filter(|(x, e)| **x > t || !**e).count()
}

/// Subjects not censored before `t`: an observed event (at any time), or followed
/// until at least `t`.
pub fn not_censored_before(data: &SurvivalData, t: f64) -> usize {
    data.time.iter().zip(&data.event).filter(|(x, e)| **e || **x >= t).count()
}

/// The naive estimator of the course: `S(t) ≈ X / M` with `X` the subjects followed
/// past `t` (time > t) and `M` those whose status at `t` is known (time > t, or an
/// observed event). Subjects censored at or before `t` are dropped, which biases the
/// estimate downwards: they are exactly the ones known to be alive for a while.
///
/// Course values: on times (5, 10, 15) with events (0, 1, 0), `S(3) = 1`,
/// `S(12) = 0.5`, `S(20) = 0`; on times (5, 5, 10), events (0, 1, 0), `S(5) = 0.5`.
///
/// ```
/// use ai4med::survival::{SurvivalData, naive_estimator};
/// let d = SurvivalData::new(&[5.0, 10.0, 15.0], &[0.0, 1.0, 0.0]).unwrap();
/// assert_eq!(naive_estimator(&d, 12.0).unwrap(), 0.5);
/// let tied = SurvivalData::new(&[5.0, 5.0, 10.0], &[0.0, 1.0, 0.0]).unwrap();
/// assert_eq!(naive_estimator(&tied, 5.0).unwrap(), 0.5);
/// ```
pub fn naive_estimator(data: &SurvivalData, t: f64) -> Result<f64> {
    let x = survived_past(data, t);
    let m = data.time.iter().zip(&data.event).filter(|(x, e)| **x > t || **e).count();
    if m == 0 {
        return Err(Error::undefined("naive estimate", format!("every subject was censored at or before t = {t}")));
    }
    Ok(x as f64 / m as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn course_counting_values() {
        let d = SurvivalData::new(&[5.0, 10.0, 15.0], &[0.0, 1.0, 0.0]).unwrap();
        assert_eq!(naive_estimator(&d, 3.0).unwrap(), 1.0);
        assert_eq!(naive_estimator(&d, 12.0).unwrap(), 0.5);
        assert_eq!(naive_estimator(&d, 20.0).unwrap(), 0.0);
        let tied = SurvivalData::new(&[5.0, 5.0, 10.0], &[0.0, 1.0, 0.0]).unwrap();
        assert_eq!(naive_estimator(&tied, 5.0).unwrap(), 0.5);
        assert_eq!(survived_past(&d, 10.0), 1);
        assert_eq!(may_have_survived(&d, 10.0), 2);
        assert_eq!(censored_fraction(&d), 2.0 / 3.0);
        assert!(SurvivalData::new(&[-1.0], &[1.0]).is_err());
        assert!(SurvivalData::new(&[f64::NAN], &[1.0]).is_err());
        assert!(SurvivalData::new(&[1.0], &[2.0]).is_err());
        assert!(SurvivalData::new(&[], &[]).is_err());
        assert!(SurvivalData::new(&[1.0, 2.0], &[1.0]).is_err());
    }
}
