//! The T-, S- and X-learners of individual treatment effect, written once over the
//! model traits of [`crate::model`]: any classifier's params fit the risk models, any
//! regressor's params the X-learner's effect models.

use super::trial::check_binary;
use crate::data::{column_f64, find_column};
use crate::model::{Fit, Predict, PredictProba};
use crate::{Error, Result};
use polars::prelude::*;

/// A fitted risk model `P(y = 1 | x)` inside a learner.
type RiskModel = Box<dyn PredictProba<DataFrame> + Send + Sync>;
/// A fitted regression inside the X-learner.
type EffectModel = Box<dyn Predict<DataFrame> + Send + Sync>;

fn fit_risk<L>(learner: &L, x: &DataFrame, y: &[f64]) -> Result<RiskModel>
where
    L: Fit<DataFrame, [f64]>,
    L::Fitted: PredictProba<DataFrame> + Send + Sync + 'static,
{
    Ok(Box::new(learner.fit(x, y)?))
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

/// Settings of a [`TLearner`]: the params of the treated arm's and the control arm's
/// classifiers and the treatment column.
#[derive(Debug, Clone)]
pub struct TLearnerParams<T, C> {
    treated: T,
    control: C,
    treatment: String,
}

impl<T, C> TLearnerParams<T, C>
where
    T: Fit<DataFrame, [f64]>,
    T::Fitted: PredictProba<DataFrame> + Send + Sync + 'static,
    C: Fit<DataFrame, [f64]>,
    C::Fitted: PredictProba<DataFrame> + Send + Sync + 'static,
{
    /// Fits each arm's model on that arm's rows of `x` (the treatment column removed).
    pub fn fit(&self, x: &DataFrame, y: &[f64]) -> Result<TLearner> {
        let (t, c) = treatment_dataset_split(x, y, &self.treatment)?;
        Ok(TLearner { treated: fit_risk(&self.treated, &t.x, &t.y)?, control: fit_risk(&self.control, &c.x, &c.y)? })
    }
}

impl<T, C> Fit<DataFrame, [f64]> for TLearnerParams<T, C>
where
    T: Fit<DataFrame, [f64]>,
    T::Fitted: PredictProba<DataFrame> + Send + Sync + 'static,
    C: Fit<DataFrame, [f64]>,
    C::Fitted: PredictProba<DataFrame> + Send + Sync + 'static,
{
    type Fitted = TLearner;
    fn fit(&self, x: &DataFrame, y: &[f64]) -> Result<TLearner> {
        TLearnerParams::fit(self, x, y)
    }
}

/// T-learner ("two models"): one risk model fitted on the treated arm, one on the
/// control arm; the predicted risk reduction of a patient is
/// `control.risk(x) − treated.risk(x)` (course exercise `TLearner`; like causalml's
/// `BaseTClassifier`, but with the course's sign: positive = the treatment helps).
///
/// ```
/// use ai4med::causal::TLearner;
/// use ai4med::prognosis::LogisticRegression;
/// let x = ai4med::data::levamisole().unwrap();
/// let y = ai4med::data::column_f64(&x, "outcome").unwrap();
/// let x = x.drop("outcome").unwrap();
/// let lr = LogisticRegression::params();
/// let t = TLearner::params(lr, lr, "TRTMT").fit(&x, &y).unwrap();
/// assert_eq!(t.predict(&x).unwrap().len(), 607);
/// ```
pub struct TLearner {
    treated: RiskModel,
    control: RiskModel,
}

impl TLearner {
    /// Settings: the classifiers' params for the treated and the control arm, and the
    /// treatment column (0/1).
    pub fn params<T, C>(treated: T, control: C, treatment: &str) -> TLearnerParams<T, C> {
        TLearnerParams { treated, control, treatment: treatment.to_string() }
    }
    /// From two fitted models (e.g. each tuned by its own grid search).
    pub fn new(
        treated: impl PredictProba<DataFrame> + Send + Sync + 'static,
        control: impl PredictProba<DataFrame> + Send + Sync + 'static,
    ) -> TLearner {
        TLearner { treated: Box::new(treated), control: Box::new(control) }
    }
    /// The treated-arm model.
    pub fn treated_model(&self) -> &(dyn PredictProba<DataFrame> + Send + Sync) {
        self.treated.as_ref()
    }
    /// The control-arm model.
    pub fn control_model(&self) -> &(dyn PredictProba<DataFrame> + Send + Sync) {
        self.control.as_ref()
    }
    /// Predicted absolute risk reduction for each row of `x`.
    pub fn predict(&self, x: &DataFrame) -> Result<Vec<f64>> {
        let c = self.control.positive_proba(x)?;
        let t = self.treated.positive_proba(x)?;
        Ok(c.iter().zip(&t).map(|(c, t)| c - t).collect())
    }
}

impl Predict<DataFrame> for TLearner {
    fn predict(&self, x: &DataFrame) -> Result<Vec<f64>> {
        TLearner::predict(self, x)
    }
}

impl std::fmt::Debug for TLearner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TLearner { treated, control }")
    }
}

/// Settings of an [`SLearner`]: the params of its classifier and the treatment column.
#[derive(Debug, Clone)]
pub struct SLearnerParams<L> {
    learner: L,
    treatment: String,
}

impl<L> SLearnerParams<L>
where
    L: Fit<DataFrame, [f64]>,
    L::Fitted: PredictProba<DataFrame> + Send + Sync + 'static,
{
    /// Fits the classifier on `x` including its treatment column.
    pub fn fit(&self, x: &DataFrame, y: &[f64]) -> Result<SLearner> {
        crate::error::check::same_len("x rows vs y", x.height(), y.len())?;
        check_binary(&self.treatment, &column_f64(x, &self.treatment)?)?;
        Ok(SLearner { model: fit_risk(&self.learner, x, y)?, treatment: self.treatment.clone() })
    }
}

impl<L> Fit<DataFrame, [f64]> for SLearnerParams<L>
where
    L: Fit<DataFrame, [f64]>,
    L::Fitted: PredictProba<DataFrame> + Send + Sync + 'static,
{
    type Fitted = SLearner;
    fn fit(&self, x: &DataFrame, y: &[f64]) -> Result<SLearner> {
        SLearnerParams::fit(self, x, y)
    }
}

/// S-learner ("single model"): one risk model fitted on all patients with the
/// treatment as a feature; the predicted risk reduction is `risk(x, T = 0) − risk(x,
/// T = 1)` (causalml's `BaseSClassifier`, course sign). With a main-effects logistic
/// model the effect is one constant odds ratio; trees can find interactions.
pub struct SLearner {
    model: RiskModel,
    treatment: String,
}

impl SLearner {
    /// Settings: the classifier's params and the treatment column (0/1).
    pub fn params<L>(learner: L, treatment: &str) -> SLearnerParams<L> {
        SLearnerParams { learner, treatment: treatment.to_string() }
    }
    /// The fitted model.
    pub fn model(&self) -> &(dyn PredictProba<DataFrame> + Send + Sync) {
        self.model.as_ref()
    }
    /// Predicted absolute risk reduction for each row of `x`.
    pub fn predict(&self, x: &DataFrame) -> Result<Vec<f64>> {
        let c = self.model.positive_proba(&with_constant(x, &self.treatment, 0.0)?)?;
        let t = self.model.positive_proba(&with_constant(x, &self.treatment, 1.0)?)?;
        Ok(c.iter().zip(&t).map(|(c, t)| c - t).collect())
    }
}

impl Predict<DataFrame> for SLearner {
    fn predict(&self, x: &DataFrame) -> Result<Vec<f64>> {
        SLearner::predict(self, x)
    }
}

impl std::fmt::Debug for SLearner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SLearner {{ treatment: {:?} }}", self.treatment)
    }
}

/// Settings of an [`XLearner`]: a classifier's params for the outcome models, a
/// regressor's params for the effect models, and the treatment column.
#[derive(Debug, Clone)]
pub struct XLearnerParams<C, R> {
    classifier: C,
    regressor: R,
    treatment: String,
}

impl<C, R> XLearnerParams<C, R>
where
    C: Fit<DataFrame, [f64]>,
    C::Fitted: PredictProba<DataFrame> + Send + Sync + 'static,
    R: Fit<DataFrame, [f64]>,
    R::Fitted: Predict<DataFrame> + Send + Sync + 'static,
{
    /// Fits both stages.
    pub fn fit(&self, x: &DataFrame, y: &[f64]) -> Result<XLearner> {
        let (t, c) = treatment_dataset_split(x, y, &self.treatment)?;
        let mu1 = self.classifier.fit(&t.x, &t.y)?;
        let mu0 = self.classifier.fit(&c.x, &c.y)?;
        let d1: Vec<f64> = mu0.positive_proba(&t.x)?.iter().zip(&t.y).map(|(m, y)| m - y).collect();
        let d0: Vec<f64> = mu1.positive_proba(&c.x)?.iter().zip(&c.y).map(|(m, y)| y - m).collect();
        let tau_treated: EffectModel = Box::new(self.regressor.fit(&t.x, &d1)?);
        let tau_control: EffectModel = Box::new(self.regressor.fit(&c.x, &d0)?);
        let g = t.y.len() as f64 / (t.y.len() + c.y.len()) as f64;
        Ok(XLearner { tau_treated, tau_control, g })
    }
}

impl<C, R> Fit<DataFrame, [f64]> for XLearnerParams<C, R>
where
    C: Fit<DataFrame, [f64]>,
    C::Fitted: PredictProba<DataFrame> + Send + Sync + 'static,
    R: Fit<DataFrame, [f64]>,
    R::Fitted: Predict<DataFrame> + Send + Sync + 'static,
{
    type Fitted = XLearner;
    fn fit(&self, x: &DataFrame, y: &[f64]) -> Result<XLearner> {
        XLearnerParams::fit(self, x, y)
    }
}

/// X-learner (Künzel et al. 2019; beyond the course). Stage 1 fits a T-learner's two
/// risk models `μ₁` (treated) and `μ₀` (control). Stage 2 imputes each patient's risk
/// reduction from the other arm's model — `D = μ₀(x) − y` for the treated, `D = y −
/// μ₁(x)` for the controls — and regresses `D` on `x` within each arm (`τ₁`, `τ₀`).
/// The prediction is `g·τ₀(x) + (1 − g)·τ₁(x)` with `g` the share treated in the
/// training data (the propensity, constant in a randomised trial).
pub struct XLearner {
    tau_treated: EffectModel,
    tau_control: EffectModel,
    g: f64,
}

impl XLearner {
    /// Settings: `classifier` for the outcome models, `regressor` for the effect models,
    /// the treatment column (0/1).
    pub fn params<C, R>(classifier: C, regressor: R, treatment: &str) -> XLearnerParams<C, R> {
        XLearnerParams { classifier, regressor, treatment: treatment.to_string() }
    }
    /// Predicted absolute risk reduction for each row of `x`.
    pub fn predict(&self, x: &DataFrame) -> Result<Vec<f64>> {
        let a = self.tau_control.predict(x)?;
        let b = self.tau_treated.predict(x)?;
        Ok(a.iter().zip(&b).map(|(a, b)| self.g * a + (1.0 - self.g) * b).collect())
    }
}

impl Predict<DataFrame> for XLearner {
    fn predict(&self, x: &DataFrame) -> Result<Vec<f64>> {
        XLearner::predict(self, x)
    }
}

impl std::fmt::Debug for XLearner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "XLearner {{ share treated: {:.3} }}", self.g)
    }
}

impl crate::display::Render for TLearner {
    fn render(&self) -> crate::display::View {
        crate::display::View::text("T-learner: predicted risk reduction = control model's risk − treated model's risk".into())
    }
}

impl crate::display::Render for SLearner {
    fn render(&self) -> crate::display::View {
        crate::display::View::text(format!(
            "S-learner: predicted risk reduction = risk with {t} = 0 − risk with {t} = 1",
            t = self.treatment
        ))
    }
}

impl crate::display::Render for XLearner {
    fn render(&self) -> crate::display::View {
        crate::display::View::text(format!(
            "X-learner: predicted risk reduction = {:.3}·τ₀(x) + {:.3}·τ₁(x) (weights: the share treated)",
            self.g,
            1.0 - self.g
        ))
    }
}
crate::rendered!(TLearner, SLearner, XLearner);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prognosis::{LogisticRegression, Penalty};
    use crate::trees::{RandomForestClassifier, RandomForestRegressor};

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
        let t = TLearner::params(forest, forest, "TRTMT").fit(&x, &y).unwrap();
        let s = SLearner::params(forest, "TRTMT").fit(&x, &y).unwrap();
        let xl = XLearner::params(forest, RandomForestRegressor::params().n_estimators(50).min_samples_leaf(40).seed(2), "TRTMT")
            .fit(&x, &y)
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
        let lr = LogisticRegression::params().penalty(Penalty::None);
        let only = with_constant(&x, "TRTMT", 1.0).unwrap();
        assert!(TLearner::params(lr, lr, "TRTMT").fit(&only, &y).unwrap_err().to_string().contains("control arm"));
        let bad = with_constant(&x, "TRTMT", 2.0).unwrap();
        assert!(SLearner::params(lr, "TRTMT").fit(&bad, &y).is_err());
    }
}
