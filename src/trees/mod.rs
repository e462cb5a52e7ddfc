//! Tree-based models (course 2 week 2, "Prognosis with tree-based models"): CART
//! decision trees, random forests, hold-out grid search and exact TreeSHAP.
//!
//! One engine grows every tree in the crate (classification with Gini or entropy,
//! regression with squared error, and the survival trees of
//! [`survival`](crate) forests): see [`Tree`] for the fitted layout, which matches
//! scikit-learn's `tree_` arrays, so scikit-learn trees can be imported with
//! [`Tree::from_arrays`] and explained or drawn here.
//!
//! ```
//! use ai4med::trees::{RandomForestClassifier, MaxFeatures};
//! use ai4med::ndarray::Array2;
//! let x = Array2::from_shape_fn((300, 3), |(i, j)| ((i * (j + 3) * 7919) % 101) as f64);
//! let y: Vec<f64> = (0..300).map(|i| (x[[i, 0]] + x[[i, 1]] > 100.0) as u8 as f64).collect();
//! let rf = RandomForestClassifier::params()
//!     .n_estimators(50)
//!     .max_depth(6)
//!     .max_features(MaxFeatures::All)
//!     .seed(10)
//!     .fit(&x, &y)
//!     .unwrap();
//! let shap = rf.shap_values(&x).unwrap();
//! // Local accuracy: SHAP values add up to the prediction.
//! let p = rf.positive_proba(&x).unwrap();
//! assert!((shap.prediction(0) - p[0]).abs() < 1e-9);
//! ```

mod engine;
mod forest;
mod grid;
mod params;
mod render;
mod shap;
mod single;

pub use engine::{LEAF, Node, Tree};
pub use forest::{ForestParams, ForestSettings, RandomForestClassifier, RandomForestRegressor};
pub use grid::{Combination, GridSearch, GridValue, ParamGrid, holdout_grid_search};
pub use params::{Criterion, MaxFeatures, MinSamples, TreeSettings};
pub use single::{DecisionTreeClassifier, DecisionTreeRegressor, TreeParams};

use engine::check_predict;

use crate::data::{AsFeatures, aligned};
use crate::display::{Cell, Table};
use crate::interpret::ShapValues;
use crate::plot::Chart;
use crate::{Error, Result};
use render::{Kind, View};

fn impurity_name(c: Criterion) -> &'static str {
    match c {
        Criterion::Gini => "gini",
        Criterion::Entropy => "entropy",
        Criterion::SquaredError => "squared_error",
    }
}

fn class_index(classes: &[f64], class: f64) -> Result<usize> {
    classes
        .iter()
        .position(|&c| c == class)
        .ok_or_else(|| Error::invalid_arg("class", format!("{class} is not one of the model's classes {classes:?}")))
}

fn shap_for<X: AsFeatures + ?Sized>(trees: &[Tree], output: usize, x: &X, names: &[String]) -> Result<ShapValues> {
    let m = aligned(x, names)?;
    check_predict(&m.view(), names.len(), names)?;
    shap::tree_shap(trees, output, &m.view(), names)
}

fn summary_table(title: String, rows: Vec<(&str, String)>, names: &[String], importances: &[f64]) -> Table {
    let mut t = Table::new(["", ""]);
    for (k, v) in rows {
        t.push_row([Cell::from(k), Cell::from(v)]);
    }
    let mut order: Vec<usize> = (0..names.len()).collect();
    order.sort_by(|&a, &b| importances[b].total_cmp(&importances[a]));
    let top: Vec<String> = order.iter().take(5).filter(|&&j| importances[j] > 0.0).map(|&j| format!("{} ({:.3})", names[j], importances[j])).collect();
    t.push_row([Cell::from("top importances"), Cell::from(top.join(", "))]);
    t.caption(title)
}

impl DecisionTreeClassifier {
    fn view(&self) -> View<'_> {
        View { tree: &self.tree, names: &self.names, kind: Kind::Classes(&self.classes), impurity_name: impurity_name(self.settings.criterion) }
    }
    /// The tree as indented text (scikit-learn's `export_text`), down to `max_depth`.
    pub fn to_text(&self, max_depth: usize) -> String {
        self.view().text(max_depth)
    }
    /// The tree as a diagram down to `max_depth` levels: split, impurity, samples and
    /// class probability per box, coloured by majority class and purity (the graphviz
    /// picture of the course lab).
    pub fn diagram(&self, max_depth: usize) -> Chart {
        self.view().chart(max_depth)
    }
    /// Exact TreeSHAP values of the probability of the last class (class 1 for 0/1
    /// labels) for every row of `x`.
    pub fn shap_values<X: AsFeatures + ?Sized>(&self, x: &X) -> Result<ShapValues> {
        shap_for(std::slice::from_ref(&self.tree), self.classes.len() - 1, x, &self.names)
    }
    /// TreeSHAP values of the probability of `class`.
    pub fn shap_values_for<X: AsFeatures + ?Sized>(&self, x: &X, class: f64) -> Result<ShapValues> {
        shap_for(std::slice::from_ref(&self.tree), class_index(&self.classes, class)?, x, &self.names)
    }
    /// A summary: depth, leaves, classes and the top importances.
    pub fn summary(&self) -> Table {
        let rows = vec![
            ("depth", self.tree.depth().to_string()),
            ("leaves", self.tree.n_leaves().to_string()),
            ("classes", format!("{:?}", self.classes)),
            ("training rows", self.tree.n_samples[0].to_string()),
        ];
        summary_table("decision tree classifier".into(), rows, &self.names, &self.feature_importances())
    }
    /// Shows the diagram (first 3 levels) inline.
    pub fn evcxr_display(&self) {
        self.diagram(3).evcxr_display();
    }
}

impl DecisionTreeRegressor {
    fn view(&self) -> View<'_> {
        View { tree: &self.tree, names: &self.names, kind: Kind::Regression, impurity_name: impurity_name(self.settings.criterion) }
    }
    /// The tree as indented text, down to `max_depth`.
    pub fn to_text(&self, max_depth: usize) -> String {
        self.view().text(max_depth)
    }
    /// The tree as a diagram down to `max_depth` levels.
    pub fn diagram(&self, max_depth: usize) -> Chart {
        self.view().chart(max_depth)
    }
    /// Exact TreeSHAP values of the prediction for every row of `x`.
    pub fn shap_values<X: AsFeatures + ?Sized>(&self, x: &X) -> Result<ShapValues> {
        shap_for(std::slice::from_ref(&self.tree), 0, x, &self.names)
    }
    /// Shows the diagram (first 3 levels) inline.
    pub fn evcxr_display(&self) {
        self.diagram(3).evcxr_display();
    }
}

impl RandomForestClassifier {
    /// Exact TreeSHAP values of the forest's probability of the last class (class 1 for
    /// 0/1 labels): the mean of the trees' SHAP values, as `shap.TreeExplainer` computes
    /// for scikit-learn forests.
    pub fn shap_values<X: AsFeatures + ?Sized>(&self, x: &X) -> Result<ShapValues> {
        shap_for(&self.trees, self.classes.len() - 1, x, &self.names)
    }
    /// TreeSHAP values of the probability of `class`.
    pub fn shap_values_for<X: AsFeatures + ?Sized>(&self, x: &X, class: f64) -> Result<ShapValues> {
        shap_for(&self.trees, class_index(&self.classes, class)?, x, &self.names)
    }
    /// Tree `i` drawn down to `max_depth` levels.
    pub fn diagram(&self, i: usize, max_depth: usize) -> Chart {
        match self.trees.get(i) {
            Some(t) => View { tree: t, names: &self.names, kind: Kind::Classes(&self.classes), impurity_name: impurity_name(self.settings.tree.criterion) }
                .chart(max_depth),
            None => Chart::from_result(Err(Error::invalid_arg("tree", format!("tree {i} does not exist: the forest has {}", self.trees.len()))), "tree diagram"),
        }
    }
    /// A summary: trees, depth range, out-of-bag accuracy and top importances.
    pub fn summary(&self) -> Table {
        let depths: Vec<usize> = self.trees.iter().map(Tree::depth).collect();
        let mut rows = vec![
            ("trees", self.trees.len().to_string()),
            ("depth (min–max)", format!("{}–{}", depths.iter().min().unwrap_or(&0), depths.iter().max().unwrap_or(&0))),
            ("classes", format!("{:?}", self.classes)),
        ];
        if let Ok(s) = self.oob_score() {
            rows.push(("out-of-bag accuracy", format!("{s:.4}")));
        }
        summary_table("random forest classifier".into(), rows, &self.names, &self.feature_importances())
    }
    /// Shows the summary inline.
    pub fn evcxr_display(&self) {
        self.summary().evcxr_display();
    }
}

impl RandomForestRegressor {
    /// Exact TreeSHAP values of the forest's prediction.
    pub fn shap_values<X: AsFeatures + ?Sized>(&self, x: &X) -> Result<ShapValues> {
        shap_for(&self.trees, 0, x, &self.names)
    }
    /// A summary: trees, out-of-bag R² and top importances.
    pub fn summary(&self) -> Table {
        let mut rows = vec![("trees", self.trees.len().to_string())];
        if let Ok(s) = self.oob_score() {
            rows.push(("out-of-bag R²", format!("{s:.4}")));
        }
        summary_table("random forest regressor".into(), rows, &self.names, &self.feature_importances())
    }
    /// Shows the summary inline.
    pub fn evcxr_display(&self) {
        self.summary().evcxr_display();
    }
}

/// SHAP values of an ensemble of imported trees (for example a scikit-learn forest
/// brought in with [`Tree::from_arrays`]): the mean over trees of output column
/// `output` of their values, explained for every row of `x`.
pub fn ensemble_shap_values(trees: &[Tree], output: usize, x: &ndarray::ArrayView2<f64>, names: &[String]) -> Result<ShapValues> {
    crate::error::check::non_empty("trees", trees.len())?;
    if let Some(t) = trees.iter().find(|t| output >= t.value_len()) {
        return Err(Error::invalid_arg("output", format!("output {output} but the trees store {} values per node", t.value_len())));
    }
    crate::error::check::same_len("feature names vs columns", names.len(), x.ncols())?;
    check_predict(x, trees[0].n_features(), names)?;
    shap::tree_shap(trees, output, x, names)
}
