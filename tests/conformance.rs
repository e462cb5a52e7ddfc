//! One suite over every model of the crate, written once against the traits of
//! `ai4med::model` (scikit-learn's `check_estimator` in spirit): the same seed gives the
//! same model; frame and matrix inputs agree; a frame's columns are matched by name in any
//! order, extra columns ignored, a missing one an error naming it; NaN, empty and
//! one-class inputs are errors naming the argument; predictions have the documented
//! shapes and ranges.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use ai4med::Error;
use ai4med::causal::{SLearner, TLearner, XLearner};
use ai4med::display::Render;
use ai4med::metrics::Platt;
use ai4med::model::{Fit, Predict, PredictProba, PredictRisk, PredictSurvival, Transform};
use ai4med::prelude::*;
use ai4med::prep::impute::{ImputeStrategy, IterativeImputer, SimpleImputer};
use ai4med::prognosis::{LinearRegression, LogisticRegression, Penalty, Standardizer};
use ai4med::survival::{CoxPH, KaplanMeier, NelsonAalen, RandomSurvivalForest, SurvivalData};
use ai4med::trees::{DecisionTreeClassifier, DecisionTreeRegressor, RandomForestClassifier, RandomForestRegressor};
use rand::{Rng, SeedableRng};

/// Three features `a, b, c`; a 0/1 outcome driven by `a`, a real response, survival times
/// shortened by `a`, and a 0/1 treatment column `TRTMT` that halves the risk when `a > 0`.
struct Data {
    x: DataFrame,
    m: Array2<f64>,
    labels: Vec<f64>,
    response: Vec<f64>,
    survival: SurvivalData,
    trial: DataFrame,
    trial_y: Vec<f64>,
}

fn data(n: usize) -> Data {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let (mut a, mut b, mut c, mut labels, mut response, mut time, mut event, mut w, mut ty) =
        (vec![], vec![], vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
    for _ in 0..n {
        let (av, bv, cv): (f64, f64, f64) = (rng.random_range(-1.0..1.0), rng.random_range(-1.0..1.0), rng.random_range(0.0..10.0));
        let p = 1.0 / (1.0 + (-3.0 * av).exp());
        labels.push(rng.random_bool(p) as u8 as f64);
        response.push(2.0 * av - bv + 0.1 * rng.random_range(-1.0..1.0));
        time.push(1.0 + (10.0 * rng.random::<f64>() * (-av).exp()).round());
        event.push(rng.random_bool(0.7) as u8 as f64);
        let wv = rng.random_bool(0.5) as u8 as f64;
        let risk = if av > 0.0 && wv == 1.0 { 0.5 * p } else { p };
        w.push(wv);
        ty.push(rng.random_bool(risk) as u8 as f64);
        a.push(av);
        b.push(bv);
        c.push(cv);
    }
    let x = df!("a" => &a, "b" => &b, "c" => &c).unwrap();
    let m = Array2::from_shape_fn((n, 3), |(i, j)| [a[i], b[i], c[i]][j]);
    let trial = df!("a" => &a, "b" => &b, "TRTMT" => &w).unwrap();
    Data { x, m, labels, response, survival: SurvivalData::new(&time, &event).unwrap(), trial, trial_y: ty }
}

/// `x` with columns reversed and an extra column in front: a model fitted on `x` must
/// give the same predictions.
fn shuffled(x: &DataFrame) -> DataFrame {
    let mut cols: Vec<Column> = x.columns().iter().rev().cloned().collect();
    cols.insert(0, Column::new("unused".into(), vec![1e9; x.height()]));
    DataFrame::new(x.height(), cols).unwrap()
}

fn with_nan(x: &DataFrame, col: &str) -> DataFrame {
    let mut v = ai4med::data::column_f64(x, col).unwrap();
    v[3] = f64::NAN;
    let mut out = x.clone();
    out.replace(col, Column::new(col.into(), v)).unwrap();
    out
}

fn names(e: Error, arg: &str, model: &str) {
    let s = format!("{e:?} {e}");
    assert!(s.contains(arg), "{model}: the error should name {arg}: {s}");
}

/// Every fitted model renders inline through the one path and prints as text.
fn renders<M: Render + std::fmt::Display>(model: &str, m: &M) {
    let block = m.render().evcxr_content(model);
    assert!(block.starts_with("EVCXR_BEGIN_CONTENT ") && block.ends_with("EVCXR_END_CONTENT\n"), "{model}: {block:.200}");
    assert!(!block.contains("#c0392b"), "{model}: the view failed (error box): {block:.400}");
    let text = m.to_string();
    assert!(!text.trim().is_empty() && !text.contains("<svg"), "{model}: {text:.200}");
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// The suite of supervised models on features (classifiers and regressors).
fn supervised<P, M>(model: &str, params: &P, y: &[f64], classifier: bool)
where
    P: Fit<DataFrame, [f64], Fitted = M> + Fit<Array2<f64>, [f64], Fitted = M>,
    M: Predict<DataFrame> + Predict<Array2<f64>> + std::fmt::Debug + Render + std::fmt::Display,
{
    let d = data(300);
    let fit_frame = |x: &DataFrame, y: &[f64]| Fit::<DataFrame, [f64]>::fit(params, x, y);
    let m1 = fit_frame(&d.x, y).unwrap();
    let p1 = Predict::<DataFrame>::predict(&m1, &d.x).unwrap();
    assert_eq!(p1.len(), d.x.height(), "{model}: one prediction per row");
    renders(model, &m1);
    // same seed, same model
    let m2 = fit_frame(&d.x, y).unwrap();
    assert_eq!(bits(&p1), bits(&Predict::<DataFrame>::predict(&m2, &d.x).unwrap()), "{model}: refit differs");
    // matrix input agrees with the frame
    let mm = Fit::<Array2<f64>, [f64]>::fit(params, &d.m, y).unwrap();
    assert_eq!(bits(&p1), bits(&Predict::<Array2<f64>>::predict(&mm, &d.m).unwrap()), "{model}: matrix fit differs from frame fit");
    assert_eq!(bits(&p1), bits(&Predict::<Array2<f64>>::predict(&m1, &d.m).unwrap()), "{model}: matrix prediction differs");
    // columns by name, in any order, extra ones ignored; a missing one named
    assert_eq!(bits(&p1), bits(&Predict::<DataFrame>::predict(&m1, &shuffled(&d.x)).unwrap()), "{model}: column order matters");
    names(Predict::<DataFrame>::predict(&m1, &d.x.drop("b").unwrap()).unwrap_err(), "'b'", model);
    // a matrix of the wrong width
    assert!(Predict::<Array2<f64>>::predict(&m1, &Array2::zeros((2, 2))).is_err(), "{model}: a 2-column matrix was accepted");
    // bad inputs
    names(fit_frame(&with_nan(&d.x, "b"), y).unwrap_err(), "'b'", model);
    let mut y_nan = y.to_vec();
    y_nan[5] = f64::NAN;
    names(fit_frame(&d.x, &y_nan).unwrap_err(), "y", model);
    names(fit_frame(&d.x, &y[..10]).unwrap_err(), "y", model);
    let empty = d.x.head(Some(0));
    assert!(fit_frame(&empty, &[]).is_err(), "{model}: fitted on no rows");
    names(Predict::<DataFrame>::predict(&m1, &with_nan(&d.x, "a")).unwrap_err(), "'a'", model);
    if classifier {
        names(fit_frame(&d.x, &vec![1.0; d.x.height()]).unwrap_err(), "class", model);
    }
}

/// Extra checks for classifiers: probabilities.
fn probabilistic<P, M>(model: &str, params: &P)
where
    P: Fit<DataFrame, [f64], Fitted = M>,
    M: PredictProba<DataFrame> + Predict<DataFrame>,
{
    let d = data(300);
    let m = params.fit(&d.x, &d.labels).unwrap();
    let p = m.predict_proba(&d.x).unwrap();
    assert_eq!(p.dim(), (300, 2), "{model}: predict_proba shape");
    assert!(p.rows().into_iter().all(|r| (r.sum() - 1.0).abs() < 1e-12 && r.iter().all(|v| (0.0..=1.0).contains(v))), "{model}: rows");
    let pos = m.positive_proba(&d.x).unwrap();
    assert_eq!(bits(&pos), bits(&p.column(1).to_vec()), "{model}: positive_proba is column 1");
    let labels = m.predict(&d.x).unwrap();
    assert!(labels.iter().all(|&l| l == 0.0 || l == 1.0), "{model}: labels");
    // the risk model learns the signal: mean risk higher where a > 0
    let a = ai4med::data::column_f64(&d.x, "a").unwrap();
    let mean = |hi: bool| {
        let v: Vec<f64> = pos.iter().zip(&a).filter(|(_, a)| (**a > 0.0) == hi).map(|(p, _)| *p).collect();
        v.iter().sum::<f64>() / v.len() as f64
    };
    assert!(mean(true) > mean(false) + 0.2, "{model}: {} vs {}", mean(true), mean(false));
}

#[test]
fn classifiers() {
    let d = data(300);
    let logistic = LogisticRegression::params();
    supervised("logistic regression", &logistic, &d.labels, true);
    probabilistic("logistic regression", &logistic);
    supervised("unpenalised logistic regression", &LogisticRegression::params().penalty(Penalty::None), &d.labels, true);
    let tree = DecisionTreeClassifier::params().max_depth(3).seed(1);
    supervised("decision tree", &tree, &d.labels, true);
    probabilistic("decision tree", &tree);
    let forest = RandomForestClassifier::params().n_estimators(20).min_samples_leaf(5).seed(1);
    supervised("random forest", &forest, &d.labels, true);
    probabilistic("random forest", &forest);
}

#[test]
fn regressors() {
    let d = data(300);
    supervised("linear regression", &LinearRegression::params(), &d.response, false);
    supervised("regression tree", &DecisionTreeRegressor::params().max_depth(4).seed(1), &d.response, false);
    supervised("regression forest", &RandomForestRegressor::params().n_estimators(20).seed(1), &d.response, false);
    // R² of the linear model on its own training data: the response is linear
    let lr = LinearRegression::params().fit(&d.x, &d.response).unwrap();
    assert!(lr.r_squared > 0.95, "{}", lr.r_squared);
}

/// The suite of survival models on features.
fn survival<P, M>(model: &str, params: &P)
where
    P: Fit<DataFrame, SurvivalData, Fitted = M> + Fit<Array2<f64>, SurvivalData, Fitted = M>,
    M: PredictRisk<DataFrame> + PredictRisk<Array2<f64>> + PredictSurvival<DataFrame> + std::fmt::Debug + Render + std::fmt::Display,
{
    let d = data(300);
    let m1 = Fit::<DataFrame, SurvivalData>::fit(params, &d.x, &d.survival).unwrap();
    let r1 = PredictRisk::<DataFrame>::predict_risk(&m1, &d.x).unwrap();
    assert_eq!(r1.len(), 300, "{model}: one risk per row");
    renders(model, &m1);
    let m2 = Fit::<DataFrame, SurvivalData>::fit(params, &d.x, &d.survival).unwrap();
    assert_eq!(bits(&r1), bits(&PredictRisk::<DataFrame>::predict_risk(&m2, &d.x).unwrap()), "{model}: refit differs");
    let mm = Fit::<Array2<f64>, SurvivalData>::fit(params, &d.m, &d.survival).unwrap();
    assert_eq!(bits(&r1), bits(&PredictRisk::<Array2<f64>>::predict_risk(&mm, &d.m).unwrap()), "{model}: matrix fit differs");
    assert_eq!(bits(&r1), bits(&PredictRisk::<DataFrame>::predict_risk(&m1, &shuffled(&d.x)).unwrap()), "{model}: column order");
    names(PredictRisk::<DataFrame>::predict_risk(&m1, &d.x.drop("c").unwrap()).unwrap_err(), "'c'", model);
    names(Fit::<DataFrame, SurvivalData>::fit(params, &with_nan(&d.x, "b"), &d.survival).unwrap_err(), "'b'", model);
    names(PredictRisk::<DataFrame>::predict_risk(&m1, &with_nan(&d.x, "a")).unwrap_err(), "'a'", model);
    let short = d.survival.subset(&(0..300).map(|i| i < 10).collect::<Vec<_>>()).unwrap();
    assert!(Fit::<DataFrame, SurvivalData>::fit(params, &d.x, &short).is_err(), "{model}: 300 rows with 10 subjects");
    // higher risk where a > 0 (shorter times)
    let a = ai4med::data::column_f64(&d.x, "a").unwrap();
    let c = ai4med::survival::harrell_c(&d.survival, &r1).unwrap();
    assert!(c > 0.6, "{model}: training C {c}");
    let _ = a;
    survival_curves(model, &m1, &d.x, 300);
}

/// Survival functions: rows × times, in [0, 1], non-increasing in t, 1 at t = 0 before
/// any event; a NaN or negative time is an error naming `times`.
fn survival_curves<X: ?Sized, M: PredictSurvival<X>>(model: &str, m: &M, x: &X, rows: usize) {
    let times = [0.0, 0.5, 1.0, 2.5, 5.0, 10.0, 1e9];
    let s = m.predict_survival(x, &times).unwrap();
    assert_eq!(s.dim(), (rows, times.len()), "{model}: survival shape");
    for r in s.rows() {
        assert!(r.iter().all(|v| (0.0..=1.0).contains(v)), "{model}: {r}");
        assert!(r.windows(2).into_iter().all(|w| w[1] <= w[0] + 1e-15), "{model}: not monotone {r}");
        assert_eq!(r[0], 1.0, "{model}: S(0)");
    }
    names(m.predict_survival(x, &[1.0, f64::NAN]).unwrap_err(), "times", model);
    names(m.predict_survival(x, &[-1.0]).unwrap_err(), "times", model);
}

#[test]
fn survival_models() {
    survival("Cox model", &CoxPH::params());
    survival("penalised Cox model", &CoxPH::params().penalizer(0.1));
    survival("random survival forest", &RandomSurvivalForest::params().n_estimators(10).min_samples_leaf(10).seed(3));
}

#[test]
fn survival_curves_without_covariates() {
    let d = data(300);
    let km = Fit::<(), SurvivalData>::fit(&KaplanMeier::params(), &(), &d.survival).unwrap();
    survival_curves("Kaplan–Meier", &km, &(), 1);
    renders("Kaplan–Meier", &km);
    // the curve is the estimator's own
    let s = km.predict_survival(&(), &[3.0]).unwrap();
    assert_eq!(s[[0, 0]], km.survival_at(3.0).unwrap());
    names(KaplanMeier::params().level(1.5).fit(&d.survival).unwrap_err(), "level", "Kaplan–Meier");
    for smoothed in [false, true] {
        let na = Fit::<(), SurvivalData>::fit(&NelsonAalen::params().smoothed(smoothed), &(), &d.survival).unwrap();
        survival_curves("Nelson–Aalen", &na, &(), 1);
        renders("Nelson–Aalen", &na);
        assert_eq!(na.predict_survival(&(), &[3.0]).unwrap()[[0, 0]], (-na.at(3.0).unwrap()).exp());
    }
}

#[test]
fn platt_scaling() {
    let d = data(300);
    let scores: Vec<f64> = ai4med::data::column_f64(&d.x, "a").unwrap();
    let p = Platt::params();
    let cal = Fit::<[f64], [f64]>::fit(&p, &scores[..], &d.labels[..]).unwrap();
    assert_eq!(cal, Fit::<[f64], [f64]>::fit(&p, &scores[..], &d.labels[..]).unwrap(), "refit differs");
    renders("Platt", &cal);
    let q = Predict::<[f64]>::predict(&cal, &scores[..]).unwrap();
    assert_eq!(q.len(), 300);
    assert!(q.iter().all(|v| *v > 0.0 && *v < 1.0));
    let mut bad = scores.clone();
    bad[2] = f64::NAN;
    names(Fit::<[f64], [f64]>::fit(&p, &bad[..], &d.labels[..]).unwrap_err(), "score", "Platt");
    names(Predict::<[f64]>::predict(&cal, &bad[..]).unwrap_err(), "score", "Platt");
    names(Fit::<[f64], [f64]>::fit(&p, &scores[..], &vec![0.0; 300][..]).unwrap_err(), "class", "Platt");
    assert!(Fit::<[f64], [f64]>::fit(&p, &scores[..10], &d.labels[..]).is_err(), "lengths differ");
    assert!(Fit::<[f64], [f64]>::fit(&p, &[][..], &[][..]).is_err(), "empty");
}

/// The suite of preparation steps: fitted on the training frame, applied to any frame with
/// the same columns; the same data give the same step.
fn preparation<P, M>(model: &str, params: &P, x: &DataFrame)
where
    P: Fit<DataFrame, (), Fitted = M>,
    M: Transform<DataFrame, Output = DataFrame> + std::fmt::Debug + Render + std::fmt::Display,
{
    let m1 = params.fit(x, &()).unwrap();
    renders(model, &m1);
    let out = m1.transform(x).unwrap();
    assert_eq!(out.shape(), x.shape(), "{model}: shape");
    assert_eq!(out.get_column_names(), x.get_column_names(), "{model}: names");
    let m2 = params.fit(x, &()).unwrap();
    assert_eq!(out, m2.transform(x).unwrap(), "{model}: refit differs");
    assert!(out.columns().iter().all(|c| c.null_count() == 0), "{model}: gaps left");
    assert!(params.fit(&x.head(Some(0)), &()).is_err(), "{model}: fitted on no rows");
}

#[test]
fn preparation_steps() {
    let d = data(300);
    preparation("standardizer", &Standardizer::params(), &d.x);
    let std = Standardizer::params().fit(&d.x).unwrap();
    names(Standardizer::params().fit(&with_nan(&d.x, "b")).unwrap_err(), "'b'", "standardizer");
    names(std.transform(&d.x.drop("c").unwrap()).unwrap_err(), "c", "standardizer");
    // imputers take NaN (that is their job); a column with nothing observed is named
    let gappy = with_nan(&with_nan(&d.x, "a"), "c");
    for (model, imputed) in [
        ("mean imputer", SimpleImputer::params().fit(&gappy).unwrap().transform(&gappy).unwrap()),
        ("median imputer", SimpleImputer::params().strategy(ImputeStrategy::Median).fit(&gappy).unwrap().transform(&gappy).unwrap()),
        ("iterative imputer", IterativeImputer::params().fit(&gappy).unwrap().transform(&gappy).unwrap()),
    ] {
        let a = ai4med::data::column_f64(&imputed, "a").unwrap();
        assert!(a.iter().all(|v| v.is_finite()), "{model}");
        assert_eq!(imputed.get_column_names(), gappy.get_column_names(), "{model}");
    }
    preparation("mean imputer", &SimpleImputer::params(), &gappy);
    preparation("iterative imputer", &IterativeImputer::params(), &gappy);
    let dead = df!("a" => [1.0, 2.0, 3.0], "gone" => [f64::NAN; 3]).unwrap();
    names(SimpleImputer::params().fit(&dead).unwrap_err(), "gone", "mean imputer");
    names(IterativeImputer::params().fit(&dead).unwrap_err(), "gone", "iterative imputer");
}

/// The suite of treatment-effect learners: frames with the treatment column, predicted
/// risk reductions.
fn effect_learner<P, M>(model: &str, params: &P)
where
    P: Fit<DataFrame, [f64], Fitted = M>,
    M: Predict<DataFrame> + std::fmt::Debug + Render + std::fmt::Display,
{
    let d = data(600);
    let m1 = params.fit(&d.trial, &d.trial_y).unwrap();
    renders(model, &m1);
    let p1 = m1.predict(&d.trial).unwrap();
    assert_eq!(p1.len(), 600, "{model}");
    assert!(p1.iter().all(|v| (-1.0..=1.0).contains(v)), "{model}: a risk reduction outside [−1, 1]");
    assert_eq!(bits(&p1), bits(&params.fit(&d.trial, &d.trial_y).unwrap().predict(&d.trial).unwrap()), "{model}: refit");
    assert_eq!(bits(&p1), bits(&m1.predict(&shuffled(&d.trial)).unwrap()), "{model}: column order");
    names(params.fit(&d.trial.drop("TRTMT").unwrap(), &d.trial_y).unwrap_err(), "TRTMT", model);
    names(params.fit(&with_nan(&d.trial, "b"), &d.trial_y).unwrap_err(), "'b'", model);
    names(params.fit(&d.trial, &d.trial_y[..5]).unwrap_err(), "y", model);
    let all_treated = d.trial.clone().with_column(Column::new("TRTMT".into(), vec![1.0; 600])).unwrap().clone();
    names(params.fit(&all_treated, &d.trial_y).unwrap_err(), "arm", model);
}

#[test]
fn treatment_effect_learners() {
    let lr = LogisticRegression::params();
    let forest = RandomForestClassifier::params().n_estimators(20).min_samples_leaf(10).seed(1);
    let regressor = RandomForestRegressor::params().n_estimators(20).min_samples_leaf(10).seed(2);
    effect_learner("T-learner (logistic)", &TLearner::params(lr, lr, "TRTMT"));
    effect_learner("T-learner (forests)", &TLearner::params(forest, forest, "TRTMT"));
    effect_learner("X-learner", &XLearner::params(forest, regressor, "TRTMT"));
    effect_learner("X-learner (linear effects)", &XLearner::params(lr, LinearRegression::params(), "TRTMT"));
    // the S-learner needs the treatment column in the frame, so its arm check differs
    let d = data(600);
    let s = SLearner::params(forest, "TRTMT");
    let m = s.fit(&d.trial, &d.trial_y).unwrap();
    assert_eq!(bits(&m.predict(&d.trial).unwrap()), bits(&m.predict(&shuffled(&d.trial)).unwrap()));
    names(s.fit(&d.trial.drop("TRTMT").unwrap(), &d.trial_y).unwrap_err(), "TRTMT", "S-learner");
}
