//! Treatment effect estimation (course 3, week 1): trial summaries, the odds-ratio ↔
//! risk-reduction link, meta-learners of individual benefit, and C-for-benefit.
//!
//! Conventions, as in the course: `outcome` is 1 for the (bad) event, `treatment` (the
//! `TRTMT` column) is 1 for treated patients, and benefit is measured as **absolute
//! risk reduction** `ARR = risk without treatment − risk with treatment`, so a positive
//! value means the treatment helps. (causalml and EconML report the opposite sign,
//! treated − control.)
//!
//! - [`Trial`]: event rates per arm, ARR, relative risk, odds ratio, number needed to
//!   treat, each with an interval; [`proportion_treated`], [`event_rate`].
//! - [`or_to_arr`], [`treatment_effect`] (the treatment coefficient of a logistic
//!   model), [`baseline_risks`], [`RiskBins`] (empirical ARR per baseline-risk group).
//! - [`TLearner`], [`SLearner`], [`XLearner`] over any classifier's params (logistic
//!   regression, trees, forests; see [`crate::model`]), [`treatment_dataset_split`].
//! - [`c_for_benefit_score`], [`c_for_benefit`], [`c_for_benefit_ci`] (bootstrap),
//!   [`benefit_grid_search`].
//! - Plots: [`arr_curve_figure`], [`RiskBins::figure`], [`RiskBins::benefit_calibration_figure`],
//!   [`arr_histogram`].

mod benefit;
mod effect;
mod learners;
mod trial;

pub use benefit::{Patient, benefit_grid_search, benefit_pairs, c_for_benefit, c_for_benefit_ci, c_for_benefit_score, random_subset};
pub use effect::{Binning, RiskBin, RiskBins, arr_curve_figure, arr_histogram, baseline_risks, or_to_arr, treatment_effect};
pub use learners::{Arm, SLearner, SLearnerParams, TLearner, TLearnerParams, XLearner, XLearnerParams, treatment_dataset_split};
pub use trial::{Nnt, Trial, event_rate, proportion_treated};
