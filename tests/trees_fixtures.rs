//! Trees, forests, TreeSHAP and imputation against scikit-learn 1.7.2 and shap 0.51.0.
//! The reference values come from `tests/fixtures/trees/make_fixtures.py` (each
//! fixture records the producing call).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use ai4med::ndarray::{Array2, s};
use ai4med::prep::impute::{IterativeImputer, SimpleImputer};
use ai4med::trees::{DecisionTreeClassifier, DecisionTreeRegressor, RandomForestClassifier, Tree, ensemble_shap_values};
use serde_json::Value;

fn fixtures() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/trees/trees.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn vec_f64(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap_or(f64::NAN)).collect()
}

fn vec_i64(v: &Value) -> Vec<i64> {
    v.as_array().unwrap().iter().map(|x| x.as_i64().unwrap()).collect()
}

fn matrix(v: &Value) -> Array2<f64> {
    let rows: Vec<Vec<f64>> = v.as_array().unwrap().iter().map(vec_f64).collect();
    Array2::from_shape_fn((rows.len(), rows[0].len()), |(i, j)| rows[i][j])
}

fn import(t: &Value, p: usize) -> Tree {
    Tree::from_arrays(
        &vec_i64(&t["children_left"]),
        &vec_i64(&t["children_right"]),
        &vec_i64(&t["feature"]),
        &vec_f64(&t["threshold"]),
        &vec_f64(&t["value"]),
        &vec_i64(&t["n_node_samples"]).iter().map(|&v| v as usize).collect::<Vec<_>>(),
        &vec_f64(&t["weighted_n_node_samples"]),
        &vec_f64(&t["impurity"]),
        p,
    )
    .unwrap()
}

/// Same structure: children, features, thresholds, counts; values and impurities to 1e-12.
fn assert_same_tree(ours: &Tree, theirs: &Tree, name: &str) {
    assert_eq!(ours.n_nodes(), theirs.n_nodes(), "{name}: node count");
    let mut tied_child = vec![false; ours.n_nodes()];
    for (a, b) in ours.nodes().zip(theirs.nodes()) {
        if tied_child[a.id] {
            // The two one-row leaves under a tied split: the same pair, maybe swapped.
            assert_eq!(a.n_samples, b.n_samples, "{name}: node {} samples", a.id);
            continue;
        }
        assert_eq!(a.children, b.children, "{name}: node {} children", a.id);
        // A node of two rows is split the same way by every feature that separates them:
        // an exact tie that scikit-learn breaks by its random feature order.
        let tie = a.n_samples == 2;
        if let (true, Some((l, r))) = (tie, a.children) {
            tied_child[l] = true;
            tied_child[r] = true;
        }
        if !tie {
            assert_eq!(a.feature, b.feature, "{name}: node {} feature", a.id);
        }
        if a.feature.is_some() && !tie {
            assert_eq!(a.threshold, b.threshold, "{name}: node {} threshold", a.id);
        }
        assert_eq!(a.n_samples, b.n_samples, "{name}: node {} samples", a.id);
        assert!((a.impurity - b.impurity).abs() < 1e-9, "{name}: node {} impurity {} vs {}", a.id, a.impurity, b.impurity);
        for (x, y) in a.value.iter().zip(b.value) {
            assert!((x - y).abs() < 1e-12, "{name}: node {} value", a.id);
        }
    }
}

#[test]
fn single_trees_match_scikit_learn_node_for_node() {
    let f = fixtures();
    let single = &f["single"];
    let x = matrix(&single["x"]);
    let yc = vec_f64(&single["y_class"]);
    let yr = vec_f64(&single["y_reg"]);
    let p = x.ncols();
    let trees = &single["trees"];
    let check_imp = |ours: Vec<f64>, name: &str| {
        for (a, b) in ours.iter().zip(vec_f64(&trees[name]["importances"])) {
            assert!((a - b).abs() < 1e-12, "{name}: importances {a} vs {b}");
        }
    };

    let dt = DecisionTreeClassifier::params().max_depth(4).fit(&x, &yc).unwrap();
    assert_same_tree(dt.tree(), &import(&trees["gini_depth4"]["tree"], p), "gini_depth4");
    check_imp(dt.feature_importances(), "gini_depth4");

    let dt = DecisionTreeClassifier::params()
        .criterion(ai4med::trees::Criterion::Entropy)
        .min_samples_leaf(10)
        .max_depth(6)
        .fit(&x, &yc)
        .unwrap();
    assert_same_tree(dt.tree(), &import(&trees["entropy_leaf10"]["tree"], p), "entropy_leaf10");
    check_imp(dt.feature_importances(), "entropy_leaf10");

    let rt = DecisionTreeRegressor::params().max_depth(5).fit(&x, &yr).unwrap();
    assert_same_tree(rt.tree(), &import(&trees["mse_depth5"]["tree"], p), "mse_depth5");
    // (no importance check here: node 60's tied split credits a different feature)

    let rt = DecisionTreeRegressor::params().min_samples_split(0.1).min_samples_leaf(0.02).fit(&x, &yr).unwrap();
    assert_same_tree(rt.tree(), &import(&trees["mse_split_frac"]["tree"], p), "mse_split_frac");
}

#[test]
fn tree_shap_matches_shap_on_scikit_learn_forests() {
    let f = fixtures();
    let x = matrix(&f["single"]["x"]);
    let rows = x.slice(s![..60, ..]).to_owned();
    let names: Vec<String> = (0..x.ncols()).map(|j| format!("x{j}")).collect();
    for (key, output, pred_key) in [("shap_classifier", 1, "proba"), ("shap_regressor", 0, "prediction")] {
        let case = &f[key];
        let trees: Vec<Tree> = case["trees"].as_array().unwrap().iter().map(|t| import(t, x.ncols())).collect();
        let sv = ensemble_shap_values(&trees, output, &rows.view(), &names).unwrap();
        let want = matrix(&case["shap_values"]);
        let ev = case["expected_value"].as_f64().unwrap();
        assert!((sv.expected_value() - ev).abs() < 1e-9, "{key}: expected value {} vs {ev}", sv.expected_value());
        let worst = sv.values().iter().zip(want.iter()).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        assert!(worst < 1e-9, "{key}: largest SHAP difference {worst}");
        for (i, p) in vec_f64(&case[pred_key]).iter().enumerate() {
            assert!((sv.prediction(i) - p).abs() < 1e-9, "{key}: row {i} local accuracy");
        }
    }
}

fn auc(y: &[f64], s: &[f64]) -> f64 {
    ai4med::metrics::roc_auc(y, s).unwrap()
}

#[test]
fn forest_accuracy_is_within_noise_of_scikit_learn() {
    let f = fixtures();
    let q = &f["forest_quality"];
    let x = matrix(&q["x"]);
    let y = vec_f64(&q["y"]);
    let n = q["n_train"].as_u64().unwrap() as usize;
    let (xtr, xte) = (x.slice(s![..n, ..]).to_owned(), x.slice(s![n.., ..]).to_owned());
    let (ytr, yte) = (&y[..n], &y[n..]);
    let theirs: Vec<f64> = q["scores"].as_array().unwrap().iter().map(|s| s["auc"].as_f64().unwrap()).collect();
    let their_mean = theirs.iter().sum::<f64>() / theirs.len() as f64;
    let mut ours = Vec::new();
    for seed in 0..3 {
        let rf = RandomForestClassifier::params().n_estimators(200).min_samples_leaf(3).seed(seed).fit(&xtr, ytr).unwrap();
        ours.push(auc(yte, &rf.positive_proba(&xte).unwrap()));
    }
    let our_mean = ours.iter().sum::<f64>() / ours.len() as f64;
    assert!((our_mean - their_mean).abs() < 0.01, "AUC ours {ours:?} vs scikit-learn {theirs:?}");
}

fn with_nan(v: &Value) -> Array2<f64> {
    matrix(v)
}

fn assert_close(a: &Array2<f64>, b: &Array2<f64>, tol: f64, what: &str) {
    assert_eq!(a.dim(), b.dim(), "{what}: shape");
    let worst = a.iter().zip(b.iter()).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max);
    assert!(worst < tol, "{what}: largest difference {worst}");
}

#[test]
fn imputers_match_scikit_learn() {
    let f = fixtures();
    let imp = &f["impute"];
    let train = with_nan(&imp["train"]);
    let test = with_nan(&imp["test"]);
    let it = IterativeImputer::params().max_iter(10).min_value(0.0).fit(&train).unwrap();
    assert_eq!(it.n_iter() as i64, imp["iterative"]["n_iter"].as_i64().unwrap());
    assert_close(&it.transform(&train).unwrap(), &matrix(&imp["iterative"]["train"]), 1e-8, "iterative (train)");
    assert_close(&it.transform(&test).unwrap(), &matrix(&imp["iterative"]["test"]), 1e-8, "iterative (test)");
    let it1 = IterativeImputer::params().max_iter(1).fit(&train).unwrap();
    assert_close(&it1.transform(&test).unwrap(), &matrix(&imp["iterative_1"]["test"]), 1e-9, "iterative, 1 round");
    assert_close(&SimpleImputer::params().fit(&train).unwrap().transform(&test).unwrap(), &matrix(&imp["mean"]), 1e-12, "mean");
    assert_close(
        &SimpleImputer::params().strategy(ai4med::prep::impute::ImputeStrategy::Median).fit(&train).unwrap().transform(&test).unwrap(),
        &matrix(&imp["median"]),
        1e-12,
        "median",
    );
}
