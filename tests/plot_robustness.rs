//! Plots never hang or panic on extreme data: every case must return (Ok or Err) within a
//! time limit, run on its own thread so a hang fails the test instead of stalling it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use ai4med::plot::{Figure, Heatmap, barh};
use std::sync::mpsc;
use std::time::Duration;

fn returns<F: FnOnce() -> ai4med::Result<String> + Send + 'static>(name: &str, f: F) -> ai4med::Result<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)));
    });
    match rx.recv_timeout(Duration::from_secs(20)) {
        Ok(Ok(r)) => r,
        Ok(Err(_)) => panic!("{name}: panicked"),
        Err(_) => panic!("{name}: did not return within 20 s (a hang)"),
    }
}

const BIG: f64 = 1e308;

#[test]
fn figures_with_huge_or_infinite_spans_return() {
    // (case, figure, drawn?): spans past ±1e300 are errors naming the axis; small and
    // subnormal spans are padded and drawn; non-finite points are skipped.
    let cases: Vec<(&str, Figure, bool)> = vec![
        ("line spanning ±1e308", Figure::new().line(&[0.0, 1.0], &[-BIG, BIG], "y"), false),
        ("x spanning ±1e308", Figure::new().line(&[-BIG, BIG], &[0.0, 1.0], "x"), false),
        ("f64::MAX both ways", Figure::new().scatter(&[f64::MIN, f64::MAX], &[f64::MIN, f64::MAX], "s"), false),
        ("explicit range ±1e308", Figure::new().line(&[0.0, 1.0], &[0.0, 1.0], "y").x_range(-BIG, BIG).y_range(-BIG, BIG), false),
        ("near the top", Figure::new().line(&[0.0, 1.0], &[1.7e308, f64::MAX], "y"), false),
        ("tiny span", Figure::new().line(&[0.0, 1.0], &[1e-300, 1e-300 + 1e-310], "y"), true),
        ("subnormal", Figure::new().line(&[0.0, 1e-320], &[0.0, 5e-324], "y"), true),
        ("just inside the bound", Figure::new().line(&[-9e305, 9e305], &[-9e305, 9e305], "y").x_range(-1e306, 1e306), true),
        ("one huge value", Figure::new().line(&[0.0, 1.0], &[1e200, 1e200], "y"), true),
        ("infinities and NaN only", Figure::new().line(&[f64::INFINITY, f64::NAN], &[f64::NEG_INFINITY, 1.0], "y"), true),
        ("bars ±1e308", Figure::new().bars(&["a", "b"], &[-BIG, BIG], "v"), false),
        ("histogram ±1e308", Figure::new().histogram(&[-BIG, 0.0, BIG], 10, "h", false), false),
        ("histogram with usize::MAX bins", Figure::new().histogram(&[1.0, 2.0], usize::MAX, "h", false), false),
        ("histogram of one large value", Figure::new().histogram(&[1e200, 1e200], 10, "h", false), true),
        ("band ±1e308", Figure::new().band(&[0.0, 1.0], &[-BIG, -BIG], &[BIG, BIG], "b", false), false),
        ("point at 1e308", Figure::new().line(&[0.0, 1.0], &[0.0, 1.0], "y").point(BIG, BIG, "far"), false),
    ];
    for (name, fig, drawn) in cases {
        match returns(name, move || fig.to_svg()) {
            Ok(svg) => assert!(drawn && svg.starts_with("<svg"), "{name}: drawn, expected an error"),
            Err(e) => {
                let e = e.to_string();
                assert!(!drawn, "{name}: {e}");
                assert!(e.contains("axis range") || e.contains("x_range") || e.contains("histogram"), "{name}: {e}");
            }
        }
    }
}

#[test]
fn heatmaps_and_bar_charts_with_extreme_values_return() {
    let values = ndarray::array![[-BIG, BIG], [f64::NAN, 0.0]];
    let e = returns("heatmap ±1e308", move || Heatmap::new(values).annotate(true).to_svg()).unwrap_err();
    assert!(e.to_string().contains("heatmap values"), "{e}");
    let values = ndarray::array![[f64::MAX, f64::MIN], [f64::INFINITY, 1.0]];
    assert!(returns("heatmap f64::MAX", move || Heatmap::new(values).to_svg()).is_err());
    let values = ndarray::array![[1e200, 1e200], [f64::NAN, 1e200]];
    assert!(returns("heatmap of one huge value", move || Heatmap::new(values).to_svg()).is_ok());
    assert!(returns("barh ±1e308", || barh("t", "x", &["a", "b"], &[-BIG, BIG]).to_svg()).is_err());
    assert!(returns("barh f64::MAX", || barh("t", "x", &["a", "b"], &[f64::MAX, f64::MIN]).to_svg()).is_err());
    assert!(returns("barh ordinary", || barh("t", "x", &["a", "b"], &[1.0, -2.0]).to_svg()).is_ok());
}
