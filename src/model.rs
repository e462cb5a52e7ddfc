//! One way to build, fit and use every model of the crate.
//!
//! Every model is built the same way: `Model::params()` returns the settings before the
//! fit (a `…Params` value; options are builder methods on it, never in method names),
//! `.fit(x, y)` learns from data and returns the fitted model, which carries the
//! model's own name.
//!
//! Naming rule: `…Params` is a model before its fit; the fitted type is the model's
//! name (`LogisticRegression`, `CoxPH`, `SimpleImputer`); `…Config` configures a
//! procedure that is not a pure fit of data (the neural networks' training loops, which
//! checkpoint and report progress; network architectures; data generators; permutation
//! importance); `…Settings`
//! is the plain data a params builder holds (`TreeSettings`, `ForestSettings`).
//!
//! | family | params → fitted | `x` | `y` | predictions |
//! |---|---|---|---|---|
//! | linear | [`LinearRegressionParams`](crate::linear::LinearRegressionParams) → [`LinearRegression`](crate::linear::LinearRegression) | features | `[f64]` | [`Predict`] |
//! | classifiers | [`LogisticRegressionParams`](crate::linear::LogisticRegressionParams), [`TreeParams`](crate::trees::TreeParams), [`ForestParams`](crate::trees::ForestParams) | features | 0/1 `[f64]` | [`Predict`], [`PredictProba`] |
//! | regressors | tree and forest params of the regressors | features | `[f64]` | [`Predict`] |
//! | survival | [`CoxParams`](crate::survival::CoxParams), `ForestParams<RandomSurvivalForest>` | features | [`SurvivalData`](crate::survival::SurvivalData) | [`PredictRisk`], [`PredictSurvival`] |
//! | survival curves | [`KaplanMeierParams`](crate::survival::KaplanMeierParams), [`NelsonAalenParams`](crate::survival::NelsonAalenParams) | `()` | [`SurvivalData`](crate::survival::SurvivalData) | [`PredictSurvival`] |
//! | calibration | [`PlattParams`](crate::metrics::PlattParams) → [`Platt`](crate::metrics::Platt) | scores `[f64]` | 0/1 `[f64]` | [`Predict`] |
//! | preparation | [`StandardizerParams`](crate::prep::StandardizerParams), [`SimpleImputerParams`](crate::prep::SimpleImputerParams), [`IterativeImputerParams`](crate::prep::IterativeImputerParams) | features | `()` | [`Transform`] |
//! | images | [`ImageStandardizerParams`](crate::xray::ImageStandardizerParams) | images `[Array2<f32>]` | `()` | `transform` |
//! | treatment effect | [`TLearnerParams`](crate::causal::TLearnerParams), [`SLearnerParams`](crate::causal::SLearnerParams), [`XLearnerParams`](crate::causal::XLearnerParams) | frame with the treatment column | 0/1 `[f64]` | [`Predict`] (risk reduction) |
//!
//! Features are anything [`AsFeatures`](crate::data::AsFeatures): an `ndarray` matrix
//! (columns `x0, x1, …`) or a polars `DataFrame` (columns by name). A model fitted on a
//! frame picks its columns by name at prediction time, in any order; extra columns are
//! ignored. Every fitted type also has inherent methods of the same names, so a notebook
//! never imports these traits; generic code (a grid search, the treatment-effect
//! learners, `tests/conformance.rs`, which runs one suite over every model) uses them.
//!
//! Grid search over any params that a grid can adjust is written once over these traits:
//! [`grid_search`](crate::model_selection::grid_search); so are the T-, S- and X-learners.
//! Every fitted model renders inline and implements `Display` through
//! [`Render`](crate::display::Render). `tests/conformance.rs` runs one suite over every
//! model in the table.
//!
//! This is scikit-learn's estimator API and linfa's params → fit split, in Rust's types:
//! an unfitted model cannot predict, and the fitted one cannot be refitted in place.
//!
//! ```
//! use ai4med::model::{Fit, PredictProba};
//! use ai4med::prelude::*;
//! use ai4med::trees::DecisionTreeClassifier;
//! let x = df!("age" => [40.0, 50.0, 60.0, 70.0], "sbp" => [120.0, 125.0, 150.0, 160.0]).unwrap();
//! let y = [0.0, 0.0, 1.0, 1.0];
//! let params = DecisionTreeClassifier::params().max_depth(Some(1));
//! let tree = Fit::fit(&params, &x, &y[..]).unwrap(); // or params.fit(&x, &y)
//! let p = PredictProba::positive_proba(&tree, &x.select(["sbp", "age"]).unwrap()).unwrap();
//! assert_eq!(p, vec![0.0, 0.0, 1.0, 1.0]);
//! ```

use crate::Result;
use ndarray::Array2;

/// Settings that learn a model from `x` (features, or `()` for models without
/// covariates) and `y` (targets: labels, responses, survival data, or `()` for
/// unsupervised preparation steps).
pub trait Fit<X: ?Sized, Y: ?Sized> {
    /// The fitted model.
    type Fitted;
    /// Learns from the data. Errors name the offending argument (`x`, `y`, a column).
    fn fit(&self, x: &X, y: &Y) -> Result<Self::Fitted>;
}

impl<X: ?Sized, Y: ?Sized, P: Fit<X, Y> + ?Sized> Fit<X, Y> for &P {
    type Fitted = P::Fitted;
    fn fit(&self, x: &X, y: &Y) -> Result<P::Fitted> {
        (**self).fit(x, y)
    }
}

/// Point predictions: class labels for classifiers, values for regressors, calibrated
/// probabilities for [`Platt`](crate::metrics::Platt), predicted risk reductions for the
/// treatment-effect learners.
pub trait Predict<X: ?Sized> {
    /// One prediction per row of `x`.
    fn predict(&self, x: &X) -> Result<Vec<f64>>;
}

/// Class probabilities of a classifier.
pub trait PredictProba<X: ?Sized> {
    /// Rows × classes probabilities, classes in ascending order (scikit-learn's
    /// `predict_proba`).
    fn predict_proba(&self, x: &X) -> Result<Array2<f64>>;
    /// `P(y = 1 | x)` for each row (the risk a course exercise ranks): the column of
    /// class 1, or zeros when the model never saw class 1.
    fn positive_proba(&self, x: &X) -> Result<Vec<f64>>;
}

/// Risk scores of a survival model: higher means an earlier event (what Harrell's C
/// ranks). The Cox model's partial hazard, the survival forest's expected number of
/// events (scikit-survival's `predict`).
pub trait PredictRisk<X: ?Sized> {
    /// One risk score per row of `x`.
    fn predict_risk(&self, x: &X) -> Result<Vec<f64>>;
}

/// Survival functions of a survival model.
pub trait PredictSurvival<X: ?Sized> {
    /// `S(t | xᵢ)` at each of `times` (rows of `x` × `times`; one row for models without
    /// covariates, whose `x` is `()`). The step functions are right-continuous: at an
    /// event time the value after that time's drop. Errors: a negative or NaN time.
    fn predict_survival(&self, x: &X, times: &[f64]) -> Result<Array2<f64>>;
}

/// A fitted preparation step (standardising, imputing).
pub trait Transform<X: ?Sized> {
    /// What the step returns (a matrix for a matrix, a frame for a frame).
    type Output;
    /// Applies the fitted step to new data.
    fn transform(&self, x: &X) -> Result<Self::Output>;
}

/// Checks the times a [`PredictSurvival`] is asked for.
pub(crate) fn check_times(times: &[f64]) -> Result<()> {
    for (i, &t) in times.iter().enumerate() {
        if !(t >= 0.0) {
            return Err(crate::Error::InvalidValue {
                what: "times".into(),
                value: t.to_string(),
                index: i,
                reason: "times must be non-negative numbers".into(),
            });
        }
    }
    Ok(())
}

/// The value of a right-continuous step function (`values[k]` from `grid[k]` on, `start`
/// before `grid[0]`) at `t`; `grid` ascending.
pub(crate) fn step_at(grid: &[f64], values: &[f64], start: f64, t: f64) -> f64 {
    let k = grid.partition_point(|&g| g <= t);
    if k == 0 { start } else { values.get(k - 1).copied().unwrap_or(start) }
}

/// Implements [`Fit`], [`Predict`] and (for classifiers) [`PredictProba`] by calling the
/// types' inherent methods of the same names.
macro_rules! feature_model {
    (classifier $params:ty => $model:ty) => {
        $crate::model::feature_model!(regressor $params => $model);
        impl<X: $crate::data::AsFeatures + ?Sized> $crate::model::PredictProba<X> for $model {
            fn predict_proba(&self, x: &X) -> $crate::Result<ndarray::Array2<f64>> {
                <$model>::predict_proba(self, x)
            }
            fn positive_proba(&self, x: &X) -> $crate::Result<Vec<f64>> {
                <$model>::positive_proba(self, x)
            }
        }
    };
    (regressor $params:ty => $model:ty) => {
        impl<X: $crate::data::AsFeatures + ?Sized> $crate::model::Fit<X, [f64]> for $params {
            type Fitted = $model;
            fn fit(&self, x: &X, y: &[f64]) -> $crate::Result<$model> {
                <$params>::fit(self, x, y)
            }
        }
        impl<X: $crate::data::AsFeatures + ?Sized> $crate::model::Predict<X> for $model {
            fn predict(&self, x: &X) -> $crate::Result<Vec<f64>> {
                <$model>::predict(self, x)
            }
        }
    };
}
pub(crate) use feature_model;
