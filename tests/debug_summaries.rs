//! Every result type that renders inline has a short `Debug`: a summary, never its data.
//! evcxr falls back to `{:?}` where it cannot call a type's `evcxr_display`, and a
//! derived `Debug` of a Kaplan–Meier fit or a chart prints thousands of numbers or a
//! whole SVG document into the notebook.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use ai4med::metrics::{pr_curve, roc_curve, roc_figure};
use ai4med::survival::{KaplanMeier, SurvivalData};

fn short(what: &str, text: String) {
    assert!(text.len() < 300, "{what}: {} characters: {}", text.len(), &text[..text.len().min(300)]);
    assert!(!text.contains("<svg") && !text.contains("[0.0"), "{what}: {text}");
}

#[test]
fn result_types_debug_as_summaries() {
    let n = 2000;
    let time: Vec<f64> = (0..n).map(|i| 1.0 + (i * 37 % 997) as f64).collect();
    let event: Vec<f64> = (0..n).map(|i| (i % 3 != 0) as u8 as f64).collect();
    let data = SurvivalData::new(&time, &event).unwrap();
    let km = KaplanMeier::params().fit(&data).unwrap();
    let dbg = format!("{km:?}");
    assert!(dbg.starts_with("KaplanMeier {"), "{dbg}");
    short("KaplanMeier", dbg);
    short("km_figure", format!("{:?}", ai4med::survival::km_figure(&[("all", &km)], "t", "days", true)));

    let y: Vec<f64> = (0..n).map(|i| (i % 2) as f64).collect();
    let s: Vec<f64> = (0..n).map(|i| ((i * 7919) % 1000) as f64 / 1000.0).collect();
    let roc = roc_curve(&y, &s).unwrap();
    short("RocCurve", format!("{roc:?}"));
    short("PrCurve", format!("{:?}", pr_curve(&y, &s).unwrap()));
    let fig = roc_figure(&[("model", &roc)]);
    short("Figure", format!("{fig:?}"));
    short("Grid", format!("{:?}", ai4med::plot::Grid::new(vec![fig.clone(), fig], 2)));
    short("Svg", format!("{:?}", roc_figure(&[("model", &roc)]).svg().unwrap()));
    short("Html", format!("{:?}", ai4med::display::Html("x".repeat(10_000))));
    short("Png", format!("{:?}", ai4med::display::Png(vec![0; 10_000])));

    let x = ndarray::Array2::from_shape_fn((n, 2), |(i, j)| ((i * (j + 3)) % 11) as f64);
    let cox = ai4med::survival::CoxPH::params().fit(&x, &data).unwrap();
    let dbg = format!("{cox:?}");
    assert!(dbg.contains("x0: ") && dbg.contains("events: "), "{dbg}");
    short("CoxPH", dbg);
}
