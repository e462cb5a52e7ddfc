//! Risk models, learners, and the T-, S- and X-learners of individual treatment effect.

use super::trial::check_binary;
use crate::data::{AsFeatures, aligned, column_f64, default_names, find_column};
use crate::prognosis::{LinearRegression, LogisticRegression, Penalty};
use crate::trees::{
    DecisionTreeClassifier, DecisionTreeRegressor, ForestParams, RandomForestClassifier, RandomForestRegressor, TreeParams,
};
use crate::{Error, Result};
use polars::prelude::*;

/// A fitted model of the probability of the outcome, `P(y = 1 | x)`.
///
/// Implemented by [`LogisticRegression`], [`DecisionTreeClassifier`] and
/// [`RandomForestClassifier`]. Models fitted on a frame pick their columns by name, so
/// extra columns (such as the treatment column) in `x` are ignored.
pub trait RiskModel: Send + Sync {
    /// Predicted probability of the outcome for each row.
    fn risk(&self, x: &dyn AsFeatures) -> Result<Vec<f64>>;
}

impl RiskModel for LogisticRegression {
    fn risk(&self, x: &dyn AsFeatures) -> Result<Vec<f64>> {
        let names: Vec<String> = self.coefficients[1..].iter().map(|c| c.name.clone()).collect();
        let m = aligned(x, &names)?;
        self.predict_proba(&m.view())
    }
}

impl RiskModel for DecisionTreeClassifier {
    fn risk(&self, x: &dyn AsFeatures) -> Result<Vec<f64>> {
        self.positive_proba(x)
    }
}

impl RiskModel for RandomForestClassifier {
    fn risk(&self, x: &dyn AsFeatures) -> Result<Vec<f64>> {
        self.positive_proba(x)
    }
}

impl<M: RiskModel + ?Sized> RiskModel for Box<M> {
    fn risk(&self, x: &dyn AsFeatures) -> Result<Vec<f64>> {
        (**self).risk(x)
    }
}

/// Settings that fit a [`RiskModel`] on 0/1 outcomes: forest and tree parameters
/// (`RandomForestClassifier::params()…`, `DecisionTreeClassifier::params()…`) and
/// [`Logistic`].
pub trait RiskLearner: Sync {
    /// Fits a model of `P(y = 1 | x)`.
    fn fit_risk(&self, x: &dyn AsFeatures, y: &[f64]) -> Result<Box<dyn RiskModel>>;
}

impl RiskLearner for ForestParams<RandomForestClassifier> {
    fn fit_risk(&self, x: &dyn AsFeatures, y: &[f64]) -> Result<Box<dyn RiskModel>> {
        Ok(Box::new(self.fit(x, y)?))
    }
}

impl RiskLearner for TreeParams<DecisionTreeClassifier> {
    fn fit_risk(&self, x: &dyn AsFeatures, y: &[f64]) -> Result<Box<dyn RiskModel>> {
        Ok(Box::new(self.fit(x, y)?))
    }
}

/// Logistic regression as a [`RiskLearner`]: [`LogisticRegression`] with this penalty.
/// `Logistic(Penalty::L2 { c: 1.0 })` is scikit-learn's default `LogisticRegression()`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Logistic(pub Penalty);

impl RiskLearner for Logistic {
    fn fit_risk(&self, x: &dyn AsFeatures, y: &[f64]) -> Result<Box<dyn RiskModel>> {
        Ok(Box::new(fit_logistic(x, y, self.0)?))
    }
}

/// Fits a [`LogisticRegression`] on a matrix or frame (frame column names become the
/// coefficient names).
pub fn fit_logistic(x: &dyn AsFeatures, y: &[f64], penalty: Penalty) -> Result<LogisticRegression> {
    let (m, names) = x.to_features()?;
    let names = names.unwrap_or_else(|| default_names(m.ncols()));
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    LogisticRegression::fit(&m.view(), y, &refs, penalty)
}

/// A fitted model of a real-valued response (the second stage of the X-learner).
pub trait EffectModel: Send + Sync {
    /// Predicted response for each row.
    fn predict_effect(&self, x: &dyn AsFeatures) -> Result<Vec<f64>>;
}

impl EffectModel for RandomForestRegressor {
    fn predict_effect(&self, x: &dyn AsFeatures) -> Result<Vec<f64>> {
        self.predict(x)
    }
}

impl EffectModel for DecisionTreeRegressor {
    fn predict_effect(&self, x: &dyn AsFeatures) -> Result<Vec<f64>> {
        self.predict(x)
    }
}

impl EffectModel for LinearRegression {
    fn predict_effect(&self, x: &dyn AsFeatures) -> Result<Vec<f64>> {
        let names: Vec<String> = self.coefficients[1..].iter().map(|c| c.name.clone()).collect();
        let m = aligned(x, &names)?;
        self.predict(&m.view())
    }
}

/// Settings that fit an [`EffectModel`]: regression forest and tree parameters and [`Linear`].
pub trait EffectLearner: Sync {
    /// Fits a regression of `y` on `x`.
    fn fit_effect(&self, x: &dyn AsFeatures, y: &[f64]) -> Result<Box<dyn EffectModel>>;
}

impl EffectLearner for ForestParams<RandomForestRegressor> {
    fn fit_effect(&self, x: &dyn AsFeatures, y: &[f64]) -> Result<Box<dyn EffectModel>> {
        Ok(Box::new(self.fit(x, y)?))
    }
}

impl EffectLearner for TreeParams<DecisionTreeRegressor> {
    fn fit_effect(&self, x: &dyn AsFeatures, y: &[f64]) -> Result<Box<dyn EffectModel>> {
        Ok(Box::new(self.fit(x, y)?))
    }
}

/// Ordinary least squares as an [`EffectLearner`].
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Linear;

impl EffectLearner for Linear {
    fn fit_effect(&self, x: &dyn AsFeatures, y: &[f64]) -> Result<Box<dyn EffectModel>> {
        let (m, names) = x.to_features()?;
        let names = names.unwrap_or_else(|| default_names(m.ncols()));
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        Ok(Box::new(LinearRegression::fit(&m.view(), y, &refs)?))
    }
}

/// The rows of one arm of a trial, without the treatment column.
#[derive(Debug, Clone)]
pub struct Arm {
    /// Features (the treatment column removed).
    pub x: DataFrame,
    /// Outcomes.
    pub y: Vec<f64>,
}

/// Splits trial data by arm and drops the treatment column (course exercise
/// `treatment_dataset_split`): `(treated, control)`. The treatment column must hold
/// only 0/1, `y` must match the rows, and both arms must be non-empty.
///
/// ```
/// use ai4med::prelude::*;
/// let x = df!("age" => [50.0, 60.0, 70.0], "TRTMT" => [1.0, 0.0, 1.0]).unwrap();
/// let (t, c) = ai4med::causal::treatment_dataset_split(&x, &[1.0, 0.0, 0.0], "TRTMT").unwrap();
/// assert_eq!((t.x.shape(), c.y.clone()), ((2, 1), vec![0.0]));
/// ```
pub fn treatment_dataset_split(x: &DataFrame, y: &[f64], treatment: &str) -> Result<(Arm, Arm)> {
    crate::error::check::same_len("x rows vs y", x.height(), y.len())?;
    let w = column_f64(x, treatment)?;
    check_binary(treatment, &w)?;
    let rest = without(x, treatment)?;
    let mut arms = Vec::new();
    for (arm, v) in [("treated", 1.0), ("control", 0.0)] {
        let idx: Vec<IdxSize> = (0..w.len()).filter(|&i| w[i] == v).map(|i| i as IdxSize).collect();
        if idx.is_empty() {
            return Err(Error::undefined("treatment split", format!("the {arm} arm has no patients")));
        }
        let ys = idx.iter().map(|&i| y[i as usize]).collect();
        arms.push(Arm { x: rest.take(&IdxCa::from_vec("idx".into(), idx))?, y: ys });
    }
    let control = arms.pop().ok_or_else(|| Error::Empty { what: "control arm".into() })?;
    let treated = arms.pop().ok_or_else(|| Error::Empty { what: "treated arm".into() })?;
    Ok((treated, control))
}

/// The frame without one column (which must exist).
pub(crate) fn without(x: &DataFrame, name: &str) -> Result<DataFrame> {
    find_column(x, name)?;
    let cols: Vec<Column> = x.columns().iter().filter(|c| c.name().as_str() != name).cloned().collect();
    Ok(DataFrame::new(x.height(), cols)?)
}

/// The frame with one existing column set to a constant.
pub(crate) fn with_constant(x: &DataFrame, name: &str, value: f64) -> Result<DataFrame> {
    let idx = x.get_column_names().iter().position(|c| c.as_str() == name).ok_or_else(|| {
        Error::invalid_arg("treatment", format!("column '{name}' is not in the frame (it has {:?})", x.get_column_names()))
    })?;
    let mut out = crate::data::detach(x)?;
    out.replace_column(idx, Column::new(name.into(), vec![value; x.height()]))?;
    Ok(out)
}

/// Predicted risk reduction `P(y | untreated) − P(y | treated)` of a learner, per patient.
pub trait BenefitModel {
    /// Predicted absolute risk reduction for each row of `x`.
    fn predict(&self, x: &DataFrame) -> Result<Vec<f64>>;
}

/// T-learner ("two models"): one risk model fitted on the treated arm, one on the
/// control arm; the predicted risk reduction of a patient is
/// `control.risk(x) − treated.risk(x)` (course exercise `TLearner`; like causalml's
/// `BaseTClassifier`, but with the course's sign: positive = the treatment helps).
///
/// ```
/// use ai4med::causal::{BenefitModel, Logistic, TLearner};
/// use ai4med::prognosis::Penalty;
/// let x = ai4med::data::levamisole().unwrap();
/// let y = ai4med::data::column_f64(&x, "outcome").unwrap();
/// let x = x.drop("outcome").unwrap();
/// let lr = Logistic(Penalty::L2 { c: 1.0 });
/// let t = TLearner::fit(&lr, &lr, &x, &y, "TRTMT").unwrap();
/// assert_eq!(t.predict(&x).unwrap().len(), 607);
/// ```
pub struct TLearner {
    treated: Box<dyn RiskModel>,
    control: Box<dyn RiskModel>,
}

impl TLearner {
    /// From two fitted models (e.g. each tuned by its own grid search).
    pub fn new(treated: impl RiskModel + 'static, control: impl RiskModel + 'static) -> TLearner {
        TLearner { treated: Box::new(treated), control: Box::new(control) }
    }
    /// Fits each arm's model on that arm's rows of `x` (the treatment column removed).
    pub fn fit(treated: &dyn RiskLearner, control: &dyn RiskLearner, x: &DataFrame, y: &[f64], treatment: &str) -> Result<TLearner> {
        let (t, c) = treatment_dataset_split(x, y, treatment)?;
        Ok(TLearner { treated: treated.fit_risk(&t.x, &t.y)?, control: control.fit_risk(&c.x, &c.y)? })
    }
    /// The treated-arm model.
    pub fn treated_model(&self) -> &dyn RiskModel {
        self.treated.as_ref()
    }
    /// The control-arm model.
    pub fn control_model(&self) -> &dyn RiskModel {
        self.control.as_ref()
    }
}

impl BenefitModel for TLearner {
    fn predict(&self, x: &DataFrame) -> Result<Vec<f64>> {
        let c = self.control.risk(x)?;
        let t = self.treated.risk(x)?;
        Ok(c.iter().zip(&t).map(|(c, t)| c - t).collect())
    }
}

impl std::fmt::Debug for TLearner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TLearner { treated, control }")
    }
}

/// S-learner ("single model"): one risk model fitted on all patients with the
/// treatment as a feature; the predicted risk reduction is `risk(x, T = 0) − risk(x,
/// T = 1)` (causalml's `BaseSClassifier`, course sign). With a main-effects logistic
/// model the effect is one constant odds ratio; trees can find interactions.
pub struct SLearner {
    model: Box<dyn RiskModel>,
    treatment: String,
}

impl SLearner {
    /// Fits `learner` on `x` including its treatment column.
    pub fn fit(learner: &dyn RiskLearner, x: &DataFrame, y: &[f64], treatment: &str) -> Result<SLearner> {
        crate::error::check::same_len("x rows vs y", x.height(), y.len())?;
        check_binary(treatment, &column_f64(x, treatment)?)?;
        Ok(SLearner { model: learner.fit_risk(x, y)?, treatment: treatment.to_string() })
    }
    /// The fitted model.
    pub fn model(&self) -> &dyn RiskModel {
        self.model.as_ref()
    }
}

impl BenefitModel for SLearner {
    fn predict(&self, x: &DataFrame) -> Result<Vec<f64>> {
        let c = self.model.risk(&with_constant(x, &self.treatment, 0.0)?)?;
        let t = self.model.risk(&with_constant(x, &self.treatment, 1.0)?)?;
        Ok(c.iter().zip(&t).map(|(c, t)| c - t).collect())
    }
}

impl std::fmt::Debug for SLearner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SLearner {{ treatment: {:?} }}", self.treatment)
    }
}

/// X-learner (Künzel et al. 2019; beyond the course). Stage 1 fits a T-learner's two
/// risk models `μ₁` (treated) and `μ₀` (control). Stage 2 imputes each patient's risk
/// reduction from the other arm's model — `D = μ₀(x) − y` for the treated, `D = y −
/// μ₁(x)` for the controls — and regresses `D` on `x` within each arm (`τ₁`, `τ₀`).
/// The prediction is `g·τ₀(x) + (1 − g)·τ₁(x)` with `g` the share treated in the
/// training data (the propensity, constant in a randomised trial).
pub struct XLearner {
    tau_treated: Box<dyn EffectModel>,
    tau_control: Box<dyn EffectModel>,
    g: f64,
}

impl XLearner {
    /// Fits both stages: `classifier` for the outcome models, `regressor` for the effect models.
    pub fn fit(classifier: &dyn RiskLearner, regressor: &dyn EffectLearner, x: &DataFrame, y: &[f64], treatment: &str) -> Result<XLearner> {
        let (t, c) = treatment_dataset_split(x, y, treatment)?;
        let mu1 = classifier.fit_risk(&t.x, &t.y)?;
        let mu0 = classifier.fit_risk(&c.x, &c.y)?;
        let d1: Vec<f64> = mu0.risk(&t.x)?.iter().zip(&t.y).map(|(m, y)| m - y).collect();
        let d0: Vec<f64> = mu1.risk(&c.x)?.iter().zip(&c.y).map(|(m, y)| y - m).collect();
        let tau_treated = regressor.fit_effect(&t.x, &d1)?;
        let tau_control = regressor.fit_effect(&c.x, &d0)?;
        let g = t.y.len() as f64 / (t.y.len() + c.y.len()) as f64;
        Ok(XLearner { tau_treated, tau_control, g })
    }
}

impl BenefitModel for XLearner {
    fn predict(&self, x: &DataFrame) -> Result<Vec<f64>> {
        let a = self.tau_control.predict_effect(x)?;
        let b = self.tau_treated.predict_effect(x)?;
        Ok(a.iter().zip(&b).map(|(a, b)| self.g * a + (1.0 - self.g) * b).collect())
    }
}

impl std::fmt::Debug for XLearner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "XLearner {{ share treated: {:.3} }}", self.g)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trees::RandomForestRegressor;

    fn synthetic(n: usize) -> (DataFrame, Vec<f64>) {
        // Treatment helps only patients with a > 0: risk 0.7 → 0.2; otherwise 0.4 either way.
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let (mut a, mut b, mut w, mut y) = (vec![], vec![], vec![], vec![]);
        for _ in 0..n {
            let av: f64 = rng.random_range(-1.0..1.0);
            let wv = rng.random_bool(0.5) as u8 as f64;
            let p = if av > 0.0 { if wv == 1.0 { 0.2 } else { 0.7 } } else { 0.4 };
            a.push(av);
            b.push(rng.random_range(-1.0..1.0));
            w.push(wv);
            y.push(rng.random_bool(p) as u8 as f64);
        }
        (df!("a" => a, "b" => b, "TRTMT" => w).unwrap(), y)
    }

    #[test]
    fn learners_recover_the_effect() {
        let (x, y) = synthetic(4000);
        let a = column_f64(&x, "a").unwrap();
        let forest = RandomForestClassifier::params().n_estimators(50).min_samples_leaf(40).seed(1);
        let t = TLearner::fit(&forest, &forest, &x, &y, "TRTMT").unwrap();
        let s = SLearner::fit(&forest, &x, &y, "TRTMT").unwrap();
        let xl = XLearner::fit(&forest, &RandomForestRegressor::params().n_estimators(50).min_samples_leaf(40).seed(2), &x, &y, "TRTMT")
            .unwrap();
        for (name, pred) in [("T", t.predict(&x).unwrap()), ("S", s.predict(&x).unwrap()), ("X", xl.predict(&x).unwrap())] {
            let mean = |pos: bool| {
                let v: Vec<f64> = pred.iter().zip(&a).filter(|(_, a)| (**a > 0.0) == pos).map(|(p, _)| *p).collect();
                v.iter().sum::<f64>() / v.len() as f64
            };
            assert!((mean(true) - 0.5).abs() < 0.12, "{name}: {}", mean(true));
            assert!(mean(false).abs() < 0.1, "{name}: {}", mean(false));
        }
    }

    #[test]
    fn split_and_errors() {
        let (x, y) = synthetic(100);
        let (t, c) = treatment_dataset_split(&x, &y, "TRTMT").unwrap();
        assert_eq!(t.y.len() + c.y.len(), 100);
        assert_eq!(t.x.width(), 2);
        assert!(treatment_dataset_split(&x, &y[..5], "TRTMT").is_err());
        assert!(treatment_dataset_split(&x, &y, "nope").is_err());
        let lr = Logistic(Penalty::None);
        let only = with_constant(&x, "TRTMT", 1.0).unwrap();
        assert!(TLearner::fit(&lr, &lr, &only, &y, "TRTMT").unwrap_err().to_string().contains("control arm"));
        let bad = with_constant(&x, "TRTMT", 2.0).unwrap();
        assert!(SLearner::fit(&lr, &bad, &y, "TRTMT").is_err());
    }
}
