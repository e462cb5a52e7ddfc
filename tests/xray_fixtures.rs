//! `ai4med::xray` against reference values (tests/fixtures/xray/make_fixtures.py).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use ndarray::Array2;
use serde_json::Value;

fn matrix(v: &Value) -> Array2<f32> {
    let rows: Vec<Vec<f32>> =
        v.as_array().unwrap().iter().map(|r| r.as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect()).collect();
    Array2::from_shape_fn((rows.len(), rows[0].len()), |(i, j)| rows[i][j])
}

#[test]
fn resize_equals_pillow_bilinear() {
    let f: Value =
        serde_json::from_str(&std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/xray/resize.json")).unwrap())
            .unwrap();
    let img = matrix(&f["input"]);
    for name in ["down", "up"] {
        let want = matrix(&f[name]);
        let got = ai4med::xray::resize(&img.view(), want.nrows(), want.ncols()).unwrap();
        let worst = got.iter().zip(want.iter()).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
        assert!(worst < 1e-4, "{name}: largest difference from Pillow {worst}");
    }
}
