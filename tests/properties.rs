//! Property tests of the numeric core (issue: robustness). Random inputs of random sizes,
//! including empty, one element, all ties, all censored, one class, NaN and infinities.
//! The property everywhere: the call returns `Ok` with finite, in-range values, or an
//! `Err` — never a panic (a panic in a notebook kernel loses the learner's variables).
//! Run longer with `PROPTEST_CASES=10000 cargo test --test properties`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use ai4med::metrics::{accuracy, average_precision, confusion, pr_curve, roc_auc, roc_curve, sensitivity, specificity};
use ai4med::nlp::{ConText, Labeler, Method, NegBio, PhraseLists};
use ai4med::prognosis::{Risk, cindex};
use ai4med::survival::{CoxPH, KaplanMeier, NelsonAalen, SurvivalData, harrell_c, logrank_test};
use ai4med::trees::{DecisionTreeClassifier, RandomForestClassifier};
use ndarray::{Array2, Array3};
use proptest::prelude::*;
use std::sync::OnceLock;

/// A float that is usually ordinary, sometimes tied, sometimes extreme or not a number.
fn value() -> impl Strategy<Value = f64> {
    prop_oneof![
        6 => -10.0..10.0f64,
        3 => (0..4).prop_map(|k| k as f64),
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(f64::NEG_INFINITY),
        1 => prop_oneof![Just(0.0), Just(-0.0), Just(1e308), Just(-1e308), Just(5e-324)],
    ]
}

/// Labels: 0/1 vectors (sometimes one class only); one vector in five has one value no
/// label may take (0.5, NaN, 2) at a random place, so both the `Ok` and the `Err` paths
/// are exercised.
fn labels(n: usize) -> impl Strategy<Value = Vec<f64>> {
    let clean =
        prop_oneof![8 => prop::collection::vec(prop_oneof![Just(0.0), Just(1.0)], n), 1 => Just(vec![1.0; n]), 1 => Just(vec![0.0; n])];
    (clean, prop::option::weighted(0.2, (any::<prop::sample::Index>(), prop_oneof![Just(0.5), Just(f64::NAN), Just(2.0)]))).prop_map(
        |(mut v, bad)| {
            if let (Some((i, x)), false) = (bad, v.is_empty()) {
                let k = i.index(v.len());
                v[k] = x;
            }
            v
        },
    )
}

fn labels_and_scores(max: usize) -> impl Strategy<Value = (Vec<f64>, Vec<f64>)> {
    (0..max).prop_flat_map(|n| (labels(n), prop::collection::vec(value(), n)))
}

/// A feature matrix: ordinary values and ties (constant columns happen); one matrix in
/// five has one NaN or infinite entry.
fn matrix(n: usize, cols: usize) -> impl Strategy<Value = Array2<f64>> {
    let v = prop_oneof![3 => -2.0..2.0f64, 2 => (0..3).prop_map(|k| k as f64)];
    (
        prop::collection::vec(v, n * cols),
        prop::option::weighted(0.2, (any::<prop::sample::Index>(), prop_oneof![Just(f64::NAN), Just(f64::INFINITY), Just(1e300)])),
    )
        .prop_map(move |(mut v, bad)| {
            if let (Some((i, x)), false) = (bad, v.is_empty()) {
                let k = i.index(v.len());
                v[k] = x;
            }
            Array2::from_shape_vec((n, cols), v).unwrap()
        })
}

fn in_unit(x: f64) -> bool {
    (0.0..=1.0).contains(&x)
}

fn non_increasing(v: &[f64]) -> bool {
    v.windows(2).all(|w| w[1] <= w[0] + 1e-12)
}

fn non_decreasing(v: &[f64]) -> bool {
    v.windows(2).all(|w| w[1] + 1e-12 >= w[0])
}

/// Survival data: times with ties, zeros and extremes; events 0/1 (sometimes all
/// censored). One time vector in five has one NaN, negative or infinite entry.
fn survival_input(max: usize) -> impl Strategy<Value = (Vec<f64>, Vec<f64>)> {
    (0..max).prop_flat_map(survival_input_n)
}

fn survival_input_n(n: usize) -> impl Strategy<Value = (Vec<f64>, Vec<f64>)> {
    let time = prop_oneof![6 => 0.0..50.0f64, 4 => (0..5).prop_map(|k| k as f64), 1 => Just(1e300)];
    {
        let times = (
            prop::collection::vec(time.clone(), n),
            prop::option::weighted(0.2, (any::<prop::sample::Index>(), prop_oneof![Just(f64::NAN), Just(-1.0), Just(f64::INFINITY)])),
        )
            .prop_map(|(mut v, bad)| {
                if let (Some((i, x)), false) = (bad, v.is_empty()) {
                    let k = i.index(v.len());
                    v[k] = x;
                }
                v
            });
        (times, labels(n))
    }
}

proptest! {
    // 256 cases each by default (proptest's); PROPTEST_CASES sets another number.

    #[test]
    fn classification_metrics((y, s) in labels_and_scores(40), t in value()) {
        if let Ok(a) = roc_auc(&y, &s) {
            prop_assert!(in_unit(a), "AUC {a}");
        }
        if let Ok(c) = roc_curve(&y, &s) {
            prop_assert!(in_unit(c.auc));
            prop_assert!(c.fpr.iter().chain(&c.tpr).all(|&v| in_unit(v)));
            prop_assert!(non_decreasing(&c.fpr) && non_decreasing(&c.tpr));
            prop_assert_eq!(c.fpr.len(), c.tpr.len());
        }
        if let Ok(ap) = average_precision(&y, &s) {
            prop_assert!(in_unit(ap), "AP {ap}");
        }
        if let Ok(c) = pr_curve(&y, &s) {
            prop_assert!(c.precision.iter().chain(&c.recall).all(|&v| in_unit(v)));
        }
        if let Ok(c) = confusion(&y, &s, t) {
            prop_assert_eq!(c.tp + c.tn + c.fp + c.fn_, y.len());
        }
        for v in [accuracy(&y, &s, t), sensitivity(&y, &s, t), specificity(&y, &s, t)].into_iter().flatten() {
            prop_assert!(in_unit(v), "{v}");
        }
    }

    #[test]
    fn concordance_index((y, s) in labels_and_scores(40)) {
        if let Ok(c) = cindex(&y, Risk(&s)) {
            prop_assert!(in_unit(c), "c-index {c}");
        }
    }

    #[test]
    fn survival_estimators((t, e) in survival_input(40), scores in prop::collection::vec(value(), 0..40), q in value()) {
        let Ok(d) = SurvivalData::new(&t, &e) else { return Ok(()) };
        if let Ok(km) = KaplanMeier::params().fit(&d) {
            prop_assert!(km.survival().iter().all(|&v| in_unit(v)), "{:?}", km.survival());
            prop_assert!(non_increasing(km.survival()));
            prop_assert!(non_decreasing(km.times()));
            if let Ok(v) = km.survival_at(q) {
                prop_assert!(in_unit(v));
            }
        }
        let na = NelsonAalen::params().fit(&d).unwrap();
        prop_assert!(na.cumulative_hazard().iter().all(|&h| h >= 0.0 && !h.is_nan()));
        prop_assert!(non_decreasing(na.cumulative_hazard()));
        if let Ok(h) = na.at(q) {
            prop_assert!(h >= 0.0);
        } else {
            prop_assert!(!(q >= 0.0), "at({q}) failed");
        }
        if let Ok(c) = harrell_c(&d, &scores) {
            prop_assert!(in_unit(c), "Harrell's C {c}");
        }
        // two groups: the first half against the second
        let h = t.len() / 2;
        if let (Ok(a), Ok(b)) = (SurvivalData::new(&t[..h], &e[..h]), SurvivalData::new(&t[h..], &e[h..]))
            && let Ok(lr) = logrank_test(&a, &b) {
                prop_assert!(in_unit(lr.p_value) && lr.statistic >= 0.0, "log-rank {:?} {:?}", lr.statistic, lr.p_value);
            }
    }

    #[test]
    fn cox_fit(((t, e), x) in (0..30usize, 1..4usize).prop_flat_map(|(n, c)| (survival_input_n(n), matrix(n, c)))) {
        let Ok(d) = SurvivalData::new(&t, &e) else { return Ok(()) };
        if let Ok(m) = CoxPH::params().fit(&x, &d) {
            prop_assert!(m.coefficients().iter().all(|b| b.is_finite()), "{:?}", m.coefficients());
            if let Ok(p) = m.predict_partial_hazard(&x) {
                prop_assert!(p.iter().all(|&v| v >= 0.0 || v.is_nan()));
            }
        }
    }

    #[test]
    fn trees_and_forests((y, x) in (0..30usize, 1..4usize).prop_flat_map(|(n, c)| (labels(n), matrix(n, c))), seed in any::<u64>(), depth in prop::option::of(1..6usize)) {
        if let Ok(m) = DecisionTreeClassifier::params().max_depth(depth).seed(seed).fit(&x, &y)
            && let Ok(p) = m.positive_proba(&x) {
                prop_assert!(p.iter().all(|&v| in_unit(v)), "{p:?}");
            }
        if let Ok(m) = RandomForestClassifier::params().n_estimators(5).max_depth(depth).seed(seed).fit(&x, &y)
            && let Ok(p) = m.positive_proba(&x) {
                prop_assert!(p.iter().all(|&v| in_unit(v)), "{p:?}");
            }
    }

    #[test]
    fn imputers(vals in prop::collection::vec(value(), 0..40), cols in 1..4usize) {
        let n = vals.len() / cols;
        let x = Array2::from_shape_vec((n, cols), vals[..n * cols].to_vec()).unwrap();
        for imp in [ai4med::prep::impute::SimpleImputer::params(), ai4med::prep::impute::SimpleImputer::params().strategy(ai4med::prep::impute::ImputeStrategy::Median)] {
            if let Ok(f) = imp.fit(&x)
                && let Ok(out) = f.transform(&x) {
                    prop_assert_eq!(out.dim(), x.dim());
                }
        }
    }

    #[test]
    fn segmentation_metrics(dims in (0..5usize, 0..5usize, 0..4usize), bits in prop::collection::vec(0..3u8, 0..100), eps in value(), q in value()) {
        let n = dims.0 * dims.1 * dims.2;
        let pick = |off: usize| Array3::from_shape_fn(dims, |(i, j, k)| bits.get((off + i * 13 + j * 5 + k) % bits.len().max(1)).copied().unwrap_or(0) % 2);
        let (a, b) = (pick(0), pick(7));
        let (af, bf) = (a.mapv(f64::from), b.mapv(f64::from));
        if let Ok(d) = ai4med::metrics::segmentation::single_class_dice(&af, &bf, eps) {
            prop_assert!(in_unit(d) || n == 0, "Dice {d}");
        }
        if let Ok(h) = ai4med::metrics::segmentation::hausdorff_distance(&a.view(), &b.view(), [1.0, 1.0, 2.0], q) {
            // documented: both masks empty → NaN (as MONAI), one empty → +∞
            let both_empty = a.iter().all(|&v| v == 0) && b.iter().all(|&v| v == 0);
            prop_assert!(h >= 0.0 || (h.is_nan() && both_empty), "Hausdorff {h}");
        }
    }

    #[test]
    fn labellers_on_any_text(report in "\\PC{0,120}", words in prop::collection::vec(prop::sample::select(vec!["no", "not", "effusion", "pneumothorax", "İ", "é", ".", ":", "without", "possible", "cannot", "exclude", "edema", "\n", "ẞ", "🫁"]), 0..25)) {
        let text = format!("{report} {}", words.join(" "));
        for labeler in labellers() {
            if let Ok(r) = labeler.label(&text) {
                prop_assert_eq!(r.labels.len(), labeler.names().len());
            }
        }
    }
}

fn labellers() -> &'static [Labeler] {
    static L: OnceLock<Vec<Labeler>> = OnceLock::new();
    L.get_or_init(|| {
        let p = PhraseLists::chexpert().unwrap();
        vec![
            Labeler::new(p.clone(), Method::Keyword),
            Labeler::new(p.clone(), Method::KeywordNegation(vec!["no".into(), "not".into()])),
            Labeler::new(p.clone(), Method::NegBio(Box::new(NegBio::radtext().unwrap()))),
            Labeler::new(p, Method::ConText(Box::new(ConText::clinical().unwrap()))),
        ]
    })
}
