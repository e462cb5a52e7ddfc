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
mod params;
mod render;
mod shap;
mod single;
mod tune;

pub use engine::{LEAF, Node, Tree};
pub use forest::{ForestParams, ForestSettings, RandomForestClassifier, RandomForestRegressor};
// The grid search of course 2 week 2, where the course's notebooks look for it.
pub use crate::model_selection::{Combination, GridSearch, GridValue, ParamGrid, holdout_grid_search};
pub use params::{Criterion, MaxFeatures, MinSamples, TreeSettings};
pub use single::{DecisionTreeClassifier, DecisionTreeRegressor, TreeParams};

use engine::check_predict;
pub(crate) use engine::{Criterion as SplitCriterion, Ranked, Sorted, columns, grow};
pub(crate) use forest::new_settings;
pub(crate) use shap::tree_shap;

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
    let top: Vec<String> =
        order.iter().take(5).filter(|&&j| importances[j] > 0.0).map(|&j| format!("{} ({:.3})", names[j], importances[j])).collect();
    t.push_row([Cell::from("top importances"), Cell::from(top.join(", "))]);
    t.caption(title)
}

impl DecisionTreeClassifier {
    fn view(&self) -> View<'_> {
        View {
            tree: &self.tree,
            names: &self.names,
            kind: Kind::Classes(&self.classes),
            impurity_name: impurity_name(self.settings.criterion),
        }
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
            Some(t) => View {
                tree: t,
                names: &self.names,
                kind: Kind::Classes(&self.classes),
                impurity_name: impurity_name(self.settings.tree.criterion),
            }
            .chart(max_depth),
            None => Chart::from_result(
                Err(Error::invalid_arg("tree", format!("tree {i} does not exist: the forest has {}", self.trees.len()))),
                "tree diagram",
            ),
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

impl crate::display::Render for DecisionTreeClassifier {
    fn render(&self) -> crate::display::View {
        crate::display::View::Figure(self.diagram(3).to_svg())
    }
}
crate::rendered!(DecisionTreeClassifier);

impl crate::display::Render for DecisionTreeRegressor {
    fn render(&self) -> crate::display::View {
        crate::display::View::Figure(self.diagram(3).to_svg())
    }
}
crate::rendered!(DecisionTreeRegressor);

impl crate::display::Render for RandomForestClassifier {
    fn render(&self) -> crate::display::View {
        crate::display::View::Table(self.summary())
    }
}
crate::rendered!(RandomForestClassifier);

impl crate::display::Render for RandomForestRegressor {
    fn render(&self) -> crate::display::View {
        crate::display::View::Table(self.summary())
    }
}
crate::rendered!(RandomForestRegressor);

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array2, array};
    use polars::prelude::*;

    fn toy(n: usize) -> (Array2<f64>, Vec<f64>) {
        let x = Array2::from_shape_fn((n, 4), |(i, j)| ((i * 31 + j * 17) % 23) as f64 + 0.25 * j as f64);
        let y = (0..n).map(|i| ((x[[i, 0]] + x[[i, 2]]) > 22.0) as u8 as f64).collect();
        (x, y)
    }

    #[test]
    fn bad_input_is_an_error_with_a_reason() {
        let (mut x, y) = toy(40);
        let e = DecisionTreeClassifier::params().fit(&x, &[1.0; 40]).unwrap_err().to_string();
        assert!(e.contains("at least two classes"), "{e}");
        let e = RandomForestClassifier::params().max_features(MaxFeatures::Count(9)).fit(&x, &y).unwrap_err().to_string();
        assert!(e.contains("9 features asked for") && e.contains("4 columns"), "{e}");
        let e = DecisionTreeClassifier::params().fit(&x, &y[..10]).unwrap_err().to_string();
        assert!(e.contains("length mismatch"), "{e}");
        let e = DecisionTreeClassifier::params().max_depth(0).fit(&x, &y).unwrap_err().to_string();
        assert!(e.contains("max_depth"), "{e}");
        let e = DecisionTreeClassifier::params().min_samples_leaf(1.5).fit(&x, &y).unwrap_err().to_string();
        assert!(e.contains("fraction 1.5"), "{e}");
        assert!(RandomForestClassifier::params().n_estimators(0).fit(&x, &y).is_err());
        assert!(DecisionTreeRegressor::params().criterion(Criterion::Gini).fit(&x, &y).is_err());
        let dt = DecisionTreeClassifier::params().fit(&x, &y).unwrap();
        assert!(dt.predict(&Array2::<f64>::zeros((2, 3))).is_err());
        x[[5, 2]] = f64::NAN;
        let e = DecisionTreeClassifier::params().fit(&x, &y).unwrap_err().to_string();
        assert!(e.contains("feature 'x2'") && e.contains("index 5") && e.contains("impute"), "{e}");
        let df = df!("age" => [Some(1.0), None, Some(3.0)], "sbp" => [1.0, 2.0, 3.0]).unwrap();
        let e = DecisionTreeClassifier::params().fit(&df, &[0.0, 1.0, 0.0]).unwrap_err().to_string();
        assert!(e.contains("feature 'age'"), "{e}");
        assert!(holdout_grid_search(&ParamGrid::new(), |_| Ok(((), 1.0))).is_err());
        assert!(ParamGrid::new().add::<usize>("max_depth", []).combinations().is_err());
        let e = DecisionTreeClassifier::params().apply(&ParamGrid::new().add("max_dept", [3]).combinations().unwrap()[0]).unwrap_err();
        assert!(e.to_string().contains("unknown parameter 'max_dept'"));
        assert!(dt.shap_values_for(&toy(3).0, 7.0).is_err());
    }

    /// Every estimator: fixed seed → identical model; output shapes; frames and arrays agree.
    #[test]
    fn conformance() {
        let (x, y) = toy(120);
        let names = ["a", "b", "c", "d"];
        let cols: Vec<Column> = names.iter().enumerate().map(|(j, n)| Column::new((*n).into(), x.column(j).to_vec())).collect();
        let df = DataFrame::new(120, cols).unwrap();
        let a = RandomForestClassifier::params().n_estimators(12).seed(3).fit(&x, &y).unwrap();
        let b = RandomForestClassifier::params().n_estimators(12).seed(3).fit(&df, &y).unwrap();
        assert_eq!(a.trees(), b.trees());
        assert_eq!(a.predict_proba(&x).unwrap(), b.predict_proba(&df).unwrap());
        assert_eq!(b.feature_names(), names);
        // Columns are matched by name, whatever their order.
        let shuffled = df.select(["d", "b", "a", "c"]).unwrap();
        assert_eq!(b.predict_proba(&shuffled).unwrap(), b.predict_proba(&df).unwrap());
        let c = RandomForestClassifier::params().n_estimators(12).seed(4).fit(&x, &y).unwrap();
        assert_ne!(a.trees(), c.trees());
        assert_eq!(a.predict_proba(&x).unwrap().dim(), (120, 2));
        let r = RandomForestRegressor::params().n_estimators(5).fit(&x, &y).unwrap();
        assert_eq!(r.predict(&x).unwrap().len(), 120);
        assert_eq!(r.oob_prediction().unwrap().len(), 120);
        let imp = a.feature_importances();
        assert!((imp.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        let dt = DecisionTreeClassifier::params().max_depth(3).fit(&x, &y).unwrap();
        assert!(dt.tree().depth() <= 3);
        assert!(dt.diagram(2).to_svg().unwrap().contains("samples = 120"));
        assert!(dt.to_text(5).starts_with("|--- x"), "{}", dt.to_text(5));
        let leaf = DecisionTreeClassifier::params().min_samples_leaf(30).fit(&x, &y).unwrap();
        assert!(leaf.tree().nodes().all(|n| n.n_samples >= 30));
    }

    #[test]
    fn forest_without_bootstrap_uses_every_row() {
        let x = array![[0.0], [1.0], [2.0], [3.0]];
        let y = [0.0, 0.0, 1.0, 1.0];
        let rf = RandomForestClassifier::params().n_estimators(3).bootstrap(false).fit(&x, &y).unwrap();
        assert!(rf.oob_score().is_err());
        assert_eq!(rf.predict(&x).unwrap(), y.to_vec());
        assert!(rf.trees().iter().all(|t| t.node(0).unwrap().weighted_n_samples == 4.0));
    }
}

crate::model::feature_model!(classifier TreeParams<DecisionTreeClassifier> => DecisionTreeClassifier);
crate::model::feature_model!(regressor TreeParams<DecisionTreeRegressor> => DecisionTreeRegressor);
crate::model::feature_model!(classifier ForestParams<RandomForestClassifier> => RandomForestClassifier);
crate::model::feature_model!(regressor ForestParams<RandomForestRegressor> => RandomForestRegressor);

macro_rules! impurity {
    ($($t:ty),*) => {$(
        impl crate::interpret::ImpurityImportance for $t {
            fn feature_names(&self) -> &[String] {
                &self.names
            }
            fn feature_importances(&self) -> Vec<f64> {
                <$t>::feature_importances(self)
            }
        }
    )*};
}
impurity!(DecisionTreeClassifier, DecisionTreeRegressor, RandomForestClassifier, RandomForestRegressor);
