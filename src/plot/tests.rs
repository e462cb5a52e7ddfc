//! Tests of the figures: SVG structure, robustness to bad inputs.

use super::*;

fn parse(svg: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse(svg).expect("valid SVG/XML")
}

fn texts(svg: &str) -> Vec<String> {
    let doc = parse(svg);
    doc.descendants().filter(|n| n.has_tag_name("text")).filter_map(|n| n.text().map(|t| t.trim().to_string())).collect()
}

#[test]
fn best_legend_avoids_the_data() {
    // A curve along the top edge and down the right side, like a survival curve
    // seen from the other end: the upper-right corner is covered.
    let x: Vec<f64> = (0..=50).map(|i| i as f64 / 50.0).collect();
    let y: Vec<f64> = x.iter().map(|&v| if v < 0.8 { 1.0 } else { 1.0 - 4.0 * (v - 0.8) }).collect();
    let fig = Figure::new().line(&x, &y, "a curve with a long label").line(&x, &x, "diagonal");
    assert_eq!(fig.legend_overlap().unwrap(), 0);
    assert!(fig.clone().legend(Legend::UpperRight).legend_overlap().unwrap() > 0);
    assert!(fig.clone().legend(Legend::UpperLeft).legend_overlap().unwrap() > 0);
    // Histograms fill their bars: the legend goes where no bar is tall.
    let v: Vec<f64> = (0..400).map(|i| ((i * 37) % 100) as f64 / 100.0 + if i % 3 == 0 { 0.0 } else { 1.5 }).collect();
    let h = Figure::new().histograms(&[("group one", &v[..200]), ("group two", &v[200..])], 20, false);
    assert_eq!(h.legend_overlap().unwrap(), 0);
    // Data that fill the whole area: the y axis makes room above them.
    let flat: Vec<f64> = (0..400).map(|i| (i % 100) as f64).collect();
    let full = Figure::new().histograms(&[("one", &flat[..200]), ("two", &flat[200..])], 10, false);
    assert_eq!(full.legend_overlap().unwrap(), 0);
    assert!(full.clone().y_range(0.0, 4.0).legend_overlap().unwrap() > 0);
    // Grouped bars too.
    let b = Figure::new().bars(&["a", "b", "c", "d"], &[1.0, 5.0, 5.0, 1.0], "train").bars(
        &["a", "b", "c", "d"],
        &[1.0, 4.0, 4.0, 1.0],
        "test",
    );
    assert_eq!(b.legend_overlap().unwrap(), 0);
}

#[test]
fn best_position_prefers_matplotlibs_order() {
    let area = (400, 300);
    let dim = (100, 40);
    assert_eq!(best_legend_position(&[], dim, area), (SeriesLabelPosition::UpperRight, 0));
    let upper_right: Vec<(i32, i32)> = (300..400).flat_map(|x| (0..60).map(move |y| (x, y))).collect();
    assert_eq!(best_legend_position(&upper_right, dim, area).0, SeriesLabelPosition::UpperLeft);
}

#[test]
fn tick_labels_are_short() {
    let svg = Figure::new().line(&[0.0, 350.0], &[0.0, 0.3], "").to_svg().unwrap();
    let t = texts(&svg);
    assert!(t.iter().any(|s| s == "300" || s == "200"), "{t:?}");
    assert!(!t.iter().any(|s| s.ends_with(".0") || s.len() > 8), "{t:?}");
    let f = tick_formatter(-1.0, 1.0);
    assert_eq!(f(&1e-17), "0");
    assert_eq!(f(&0.30000000000000004), "0.3");
    assert_eq!(f(&2.0), "2");
}

#[test]
fn grids_stay_within_a_page() {
    let figs: Vec<Figure> = (0..4).map(|i| Figure::new().title(format!("panel {i}")).line(&[0.0, 1.0], &[0.0, 1.0], "")).collect();
    let svg = Grid::new(figs, 4).to_svg().unwrap();
    let doc = parse(&svg);
    let width: u32 = doc.root_element().attribute("width").unwrap().parse().unwrap();
    assert!(width <= MAX_GRID_WIDTH, "{width}");
}

#[test]
fn labels_really_appear_as_text() {
    let svg = Figure::new()
        .title("Kaplan-Meier")
        .x_label("time (years)")
        .y_label("survival")
        .step(&[0.0, 1.0, 2.0], &[1.0, 0.8, 0.5], "group A")
        .band(&[0.0, 1.0, 2.0], &[1.0, 0.7, 0.4], &[1.0, 0.9, 0.6], "95% CI", true)
        .scatter(&[0.5], &[0.9], "censored")
        .to_svg()
        .unwrap();
    let t = texts(&svg);
    for want in ["Kaplan-Meier", "time (years)", "survival", "group A", "95% CI", "censored"] {
        assert!(t.iter().any(|s| s == want), "missing {want:?} in {t:?}");
    }
    assert!(svg.starts_with("<svg"));
}

#[test]
fn empty_figure_draws_axes_with_note() {
    let svg = Figure::new().title("nothing").to_svg().unwrap();
    assert!(texts(&svg).iter().any(|s| s == "no data"));
}

#[test]
fn problems_are_errors_not_panics() {
    let f = Figure::new().line(&[1.0, 2.0], &[1.0], "bad");
    let e = f.to_svg().unwrap_err();
    assert!(e.to_string().contains("x has 2 values but y has 1"), "{e}");
    let f = Figure::new().bars(&["a"], &[1.0], "b").line(&[0.0], &[0.0], "l");
    assert!(f.to_svg().is_err());
    let f = Figure::new().x_range(1.0, 0.0);
    assert!(f.to_svg().is_err());
}

#[test]
fn nan_points_are_skipped() {
    let svg = Figure::new().line(&[0.0, f64::NAN, 1.0], &[0.0, 1.0, f64::INFINITY], "x").to_svg().unwrap();
    parse(&svg);
    let svg = Figure::new().line(&[f64::NAN], &[f64::NAN], "all nan").to_svg().unwrap();
    assert!(texts(&svg).iter().any(|s| s == "no data"));
}

#[test]
fn bars_label_categories() {
    let svg = Figure::new()
        .title("class frequency")
        .bars(&["Atelectasis", "Effusion"], &[0.1, 0.12], "positive")
        .bars(&["Atelectasis", "Effusion"], &[0.9, 0.88], "negative")
        .to_svg()
        .unwrap();
    let t = texts(&svg);
    assert!(t.iter().any(|s| s == "Atelectasis") && t.iter().any(|s| s == "Effusion"), "{t:?}");
    assert!(t.iter().any(|s| s == "negative"));
    let rects = parse(&svg).descendants().filter(|n| n.has_tag_name("rect")).count();
    assert!(rects >= 5, "{rects}");
}

#[test]
fn histogram_density_integrates_to_one() {
    let v: Vec<f64> = (0..100).map(|i| i as f64 / 10.0).collect();
    let f = Figure::new().histogram(&v, 7, "x", true);
    if let Some(Series::Hist { edges, heights, .. }) = f.series.first() {
        let area: f64 = heights.iter().enumerate().map(|(k, h)| h * (edges[k + 1] - edges[k])).sum();
        assert!((area - 1.0).abs() < 1e-12);
    } else {
        panic!("no histogram");
    }
    assert!(f.to_svg().unwrap().contains(">x<") || f.to_svg().unwrap().contains("x"));
    assert!(Figure::new().histogram(&[1.0], 0, "none", false).to_svg().is_err());
    assert!(Figure::new().histogram(&[2.0, 2.0], 3, "flat", false).to_svg().is_ok());
    assert!(Figure::new().histogram(&[f64::NAN], 3, "nan", false).to_svg().is_ok());
}

#[test]
fn degenerate_inputs_do_not_panic() {
    let empty: [&str; 0] = [];
    assert!(Figure::new().bars(&empty, &[], "none").to_svg().is_ok());
    assert!(Figure::new().bars(&["a"], &[f64::NAN], "nan").to_svg().is_ok());
    assert!(Figure::new().bars(&["a", "b"], &[-1.0, -2.0], "negative").to_svg().is_ok());
    assert!(Figure::new().line(&[1.0, 1.0], &[5.0, 5.0], "one point twice").to_svg().is_ok());
    assert!(Figure::new().line(&[0.0, 1e300], &[-1e300, 1e300], "huge").to_svg().is_ok());
    assert!(Figure::new().band(&[0.0], &[0.0], &[1.0], "one-point band", false).to_svg().is_ok());
    assert!(Figure::new().point(f64::NAN, 0.0, "nan point").to_svg().is_ok());
    assert!(Figure::new().size(0, 0).to_svg().is_ok());
    assert!(Grid::new(vec![], 2).to_svg().is_err());
    assert!(Heatmap::new(ndarray::Array2::from_elem((2, 2), f64::NAN)).to_svg().is_ok());
}

#[test]
fn heatmap_checks_shapes_and_draws_nan() {
    let h = Heatmap::new(ndarray::array![[f64::NAN, 1.0]]).row_labels(["r"]).col_labels(["a", "b"]).annotate(true);
    let svg = h.to_svg().unwrap();
    assert!(texts(&svg).iter().any(|s| s == "NaN"));
    assert!(Heatmap::new(ndarray::Array2::zeros((0, 2))).to_svg().is_err());
    assert!(Heatmap::new(ndarray::array![[1.0]]).row_labels(["a", "b"]).to_svg().is_err());
}
