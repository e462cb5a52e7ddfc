//! Hold-out grid search over hyper-parameters.

use crate::display::{Cell, Progress, Table, Tone};
use crate::model::{Fit, PredictProba};
use crate::{Error, Result};

/// One hyper-parameter value in a grid.
#[derive(Debug, Clone, PartialEq)]
pub enum GridValue {
    /// A whole number (`n_estimators`, `max_depth`, counts).
    Int(usize),
    /// A real number (fractions, penalties).
    Float(f64),
    /// A word (`"sqrt"`, `"entropy"`).
    Text(String),
    /// No value (`max_depth = None`: unlimited).
    Absent,
}

impl std::fmt::Display for GridValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GridValue::Int(v) => write!(f, "{v}"),
            GridValue::Float(v) => write!(f, "{v}"),
            GridValue::Text(s) => write!(f, "{s}"),
            GridValue::Absent => write!(f, "None"),
        }
    }
}

impl From<usize> for GridValue {
    fn from(v: usize) -> Self {
        GridValue::Int(v)
    }
}
impl From<i32> for GridValue {
    fn from(v: i32) -> Self {
        if v >= 0 { GridValue::Int(v as usize) } else { GridValue::Float(v as f64) }
    }
}
impl From<f64> for GridValue {
    fn from(v: f64) -> Self {
        GridValue::Float(v)
    }
}
impl From<&str> for GridValue {
    fn from(v: &str) -> Self {
        GridValue::Text(v.to_string())
    }
}
impl<T: Into<GridValue>> From<Option<T>> for GridValue {
    fn from(v: Option<T>) -> Self {
        v.map_or(GridValue::Absent, Into::into)
    }
}

/// Named lists of values; the search tries every combination (the Cartesian product,
/// first parameter varying slowest).
///
/// ```
/// use ai4med::trees::ParamGrid;
/// let grid = ParamGrid::new().add("n_estimators", [50, 100]).add("max_depth", [Some(3), None]);
/// assert_eq!(grid.combinations().unwrap().len(), 4);
/// ```
#[derive(Debug, Clone, Default)]
pub struct ParamGrid {
    params: Vec<(String, Vec<GridValue>)>,
}

impl ParamGrid {
    /// An empty grid.
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds a parameter and the values to try.
    pub fn add<V: Into<GridValue>>(mut self, name: impl Into<String>, values: impl IntoIterator<Item = V>) -> Self {
        self.params.push((name.into(), values.into_iter().map(Into::into).collect()));
        self
    }
    /// Every combination; an empty grid or a parameter without values is an error.
    pub fn combinations(&self) -> Result<Vec<Combination>> {
        if self.params.is_empty() {
            return Err(Error::Empty { what: "parameter grid".into() });
        }
        if let Some((name, _)) = self.params.iter().find(|(_, v)| v.is_empty()) {
            return Err(Error::Empty { what: format!("values of grid parameter '{name}'") });
        }
        let mut out = vec![Combination::default()];
        for (name, values) in &self.params {
            out = out
                .into_iter()
                .flat_map(|c| {
                    values.iter().map(move |v| {
                        let mut c = c.clone();
                        c.values.push((name.clone(), v.clone()));
                        c
                    })
                })
                .collect();
        }
        Ok(out)
    }
}

/// One point of a grid: parameter names with values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Combination {
    pub(crate) values: Vec<(String, GridValue)>,
}

impl std::fmt::Display for Combination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self.values.iter().map(|(k, v)| format!("{k} = {v}")).collect();
        write!(f, "{}", parts.join(", "))
    }
}

impl Combination {
    /// The `(name, value)` pairs in grid order.
    pub fn values(&self) -> &[(String, GridValue)] {
        &self.values
    }
    /// The value of `name`, if the grid has it.
    pub fn get(&self, name: &str) -> Option<&GridValue> {
        self.values.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }
}

/// Params that a grid point can adjust (trees and forests: scikit-learn's parameter
/// names). What [`grid_search`] needs besides [`Fit`].
pub trait Tune: Sized {
    /// These params with the grid point's values applied; an unknown name or a value of
    /// the wrong kind is an error naming it.
    fn apply(self, c: &Combination) -> Result<Self>;
}

/// Hold-out grid search written once over the model traits: for each combination of
/// `grid`, `params.apply(c)` is fitted on `(x_train, y_train)` and scored by
/// `score(y_valid, predictions)` on the validation split, where the predictions are
/// the positive-class probabilities (higher score is better). The same as
/// [`holdout_grid_search`] with the fitting and scoring spelled out.
///
/// ```
/// use ai4med::model_selection::{ParamGrid, grid_search};
/// use ai4med::trees::DecisionTreeClassifier;
/// use ai4med::ndarray::Array2;
/// let x = Array2::from_shape_fn((60, 1), |(i, _)| i as f64);
/// let y: Vec<f64> = (0..60).map(|i| ((i / 10) % 2) as f64).collect();
/// let grid = ParamGrid::new().add("max_depth", [1, 2, 8]);
/// let gs = grid_search(DecisionTreeClassifier::params(), &grid, (&x, &y[..]), (&x, &y[..]), |y, p| ai4med::metrics::roc_auc(y, p))
///     .unwrap();
/// assert_eq!(gs.best_combination().to_string(), "max_depth = 8");
/// ```
pub fn grid_search<P, X, S>(
    params: P,
    grid: &ParamGrid,
    train: (&X, &[f64]),
    valid: (&X, &[f64]),
    score: S,
) -> Result<GridSearch<P::Fitted>>
where
    P: Fit<X, [f64]> + Tune + Clone,
    P::Fitted: PredictProba<X>,
    X: ?Sized,
    S: Fn(&[f64], &[f64]) -> Result<f64>,
{
    holdout_grid_search(grid, |c| {
        let model = params.clone().apply(c)?.fit(train.0, train.1)?;
        let s = score(valid.1, &model.positive_proba(valid.0)?)?;
        Ok((model, s))
    })
}

/// Every combination's hold-out score, the best combination and its model.
#[derive(Clone)]
pub struct GridSearch<M> {
    rows: Vec<(Combination, std::result::Result<f64, String>)>,
    best: usize,
    model: M,
}

/// A short summary, not the data (evcxr shows `{:?}` where it cannot show the HTML).
impl<M> std::fmt::Debug for GridSearch<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let best = self.rows.get(self.best).and_then(|r| r.1.as_ref().ok()).copied().unwrap_or(f64::NAN);
        write!(f, "GridSearch {{ combinations: {}, best score: {} }}", self.rows.len(), crate::display::short_float(best))
    }
}

/// Hold-out grid search, as the course's `holdout_grid_search`: for each combination
/// of `grid`, `fit_and_score` fits a model on the training split and returns it with
/// its score on the validation split (higher is better: negate losses). Combinations
/// whose fit fails are reported in the table and skipped; if all fail, the first error
/// is returned. Progress lines appear for grids of 8 or more combinations.
///
/// ```
/// use ai4med::trees::{DecisionTreeClassifier, ParamGrid, holdout_grid_search};
/// use ai4med::ndarray::Array2;
/// let x = Array2::from_shape_fn((60, 1), |(i, _)| i as f64);
/// let y: Vec<f64> = (0..60).map(|i| ((i / 10) % 2) as f64).collect();
/// let grid = ParamGrid::new().add("max_depth", [1, 2, 8]);
/// let gs = holdout_grid_search(&grid, |c| {
///     let m = DecisionTreeClassifier::params().apply(c)?.fit(&x, &y)?;
///     let s = m.score(&x, &y)?;
///     Ok((m, s))
/// }).unwrap();
/// assert_eq!(gs.best_combination().to_string(), "max_depth = 8");
/// ```
pub fn holdout_grid_search<M, F>(grid: &ParamGrid, mut fit_and_score: F) -> Result<GridSearch<M>>
where
    F: FnMut(&Combination) -> Result<(M, f64)>,
{
    let combos = grid.combinations()?;
    let progress = Progress::new("grid search", combos.len(), "combinations", combos.len() >= 8);
    let mut rows = Vec::with_capacity(combos.len());
    let mut best: Option<(usize, M, f64)> = None;
    let mut first_err = None;
    for (i, c) in combos.into_iter().enumerate() {
        match fit_and_score(&c) {
            Ok((m, s)) if s.is_finite() => {
                if best.as_ref().is_none_or(|b| s > b.2) {
                    best = Some((i, m, s));
                }
                rows.push((c, Ok(s)));
            }
            Ok((_, s)) => rows.push((c, Err(format!("score {s} is not a number")))),
            Err(e) => {
                let msg = e.to_string();
                first_err.get_or_insert(e);
                rows.push((c, Err(msg)));
            }
        }
        progress.tick();
    }
    match best {
        Some((i, model, _)) => Ok(GridSearch { rows, best: i, model }),
        None => Err(first_err.unwrap_or_else(|| Error::undefined("grid search", "no combination produced a finite score"))),
    }
}

impl<M> GridSearch<M> {
    /// The best combination.
    pub fn best_combination(&self) -> &Combination {
        &self.rows[self.best].0
    }
    /// Its validation score.
    pub fn best_score(&self) -> f64 {
        self.rows[self.best].1.clone().unwrap_or(f64::NAN)
    }
    /// The model fitted with the best combination.
    pub fn best_model(&self) -> &M {
        &self.model
    }
    /// Takes the best model out.
    pub fn into_best_model(self) -> M {
        self.model
    }
    /// Every combination with its score (or why it failed), in grid order.
    pub fn scores(&self) -> Vec<(Combination, Option<f64>)> {
        self.rows.iter().map(|(c, s)| (c.clone(), s.as_ref().ok().copied())).collect()
    }
    /// The results as a table, one row per combination, the best highlighted.
    pub fn table(&self) -> Table {
        let names: Vec<String> = self.rows[0].0.values.iter().map(|(k, _)| k.clone()).collect();
        let mut cols = names.clone();
        cols.push("validation score".into());
        let mut t = Table::new(cols);
        for (i, (c, s)) in self.rows.iter().enumerate() {
            let mut cells: Vec<Cell> = c.values.iter().map(|(_, v)| Cell::from(v.to_string())).collect();
            cells.push(match s {
                Ok(v) if i == self.best => Cell::toned(format!("{v:.4} (best)"), Tone::Good),
                Ok(v) => Cell::from(*v),
                Err(e) => Cell::toned(format!("failed: {e}"), Tone::Bad),
            });
            t.push_row(cells);
        }
        t.caption(format!("hold-out grid search: {} combinations, best {}", self.rows.len(), self.best_combination()))
    }
    /// Shows the table inline (its [`Render`](crate::display::Render) view).
    pub fn evcxr_display(&self) {
        print!("{}", crate::display::Render::render(self).evcxr_content("grid search"));
    }
}

impl<M> crate::display::Render for GridSearch<M> {
    fn render(&self) -> crate::display::View {
        crate::display::View::Table(self.table())
    }
}

impl<M> std::fmt::Display for GridSearch<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        crate::display::Render::render(self).write_text(f, self)
    }
}
