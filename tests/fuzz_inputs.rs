//! The fuzz targets' inputs, run on the stable toolchain in `cargo test`: every seed in
//! `fuzz/seeds/<target>/` (valid inputs: each must parse) and every input a fuzzer found
//! to crash or hang in `fuzz/regressions/<target>/` (each must now return, Ok or Err).
//! The fuzzers themselves need nightly: see TESTING.md.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::path::{Path, PathBuf};

fn files(dir: &str, target: &str) -> Vec<PathBuf> {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz").join(dir).join(target);
    let mut v: Vec<PathBuf> = std::fs::read_dir(&d).map(|r| r.filter_map(|e| e.ok().map(|e| e.path())).collect()).unwrap_or_default();
    v.sort();
    v
}

/// What each fuzz target does with its input; `Ok(true)` when the input parsed.
fn run(target: &str, data: &[u8]) -> bool {
    match target {
        "nifti" => ai4med::imaging::decode_nifti(data, "seed").is_ok(),
        "dicom" => ai4med::xray::decode_dicom(data, "seed").is_ok(),
        "png" => ai4med::xray::decode_png(data, "seed").is_ok(),
        "bioc" => {
            let text = String::from_utf8_lossy(data);
            let xml = ai4med::nlp::bioc::Collection::from_xml(&text).map(|c| {
                let back = ai4med::nlp::bioc::Collection::from_xml(&c.to_xml()).expect("a written collection reads back");
                assert_eq!(back.documents.len(), c.documents.len());
            });
            let json = ai4med::nlp::bioc::Collection::from_json(&text)
                .map(|c| ai4med::nlp::bioc::Collection::from_json(&c.to_json().unwrap()).expect("round trip"));
            xml.is_ok() || json.is_ok()
        }
        "notebook" => {
            let text = String::from_utf8_lossy(data);
            let code = ai4med::course::exercise::transform_code(&text).is_ok();
            let _ = ai4med::course::exercise::transform_markdown(&text);
            let nb = serde_json::from_slice::<serde_json::Value>(data)
                .ok()
                .map(|nb| ai4med::course::exercise::make_exercise(&nb, "seed.ipynb").is_ok());
            nb.unwrap_or(code)
        }
        "csv" => {
            let p = std::env::temp_dir().join(format!("ai4med-fuzz-input-{}.csv", std::process::id()));
            std::fs::write(&p, data).unwrap();
            let ok = ai4med::data::read_csv(&p).is_ok();
            let _ = std::fs::remove_file(&p);
            ok
        }
        "report" => {
            let text = String::from_utf8_lossy(data);
            let p = ai4med::nlp::PhraseLists::chexpert().unwrap();
            let l = ai4med::nlp::Labeler::new(p.clone(), ai4med::nlp::Method::ConText(Box::new(ai4med::nlp::ConText::clinical().unwrap())));
            let n = ai4med::nlp::Labeler::new(p, ai4med::nlp::Method::negbio().unwrap());
            let _ = ai4med::nlp::clean(&text);
            let _ = n.label(&text);
            l.label(&text).is_ok()
        }
        "openi" => {
            let text = String::from_utf8_lossy(data);
            match ai4med::nlp::parse_openi_xml(&text, "seed") {
                Ok(r) => {
                    for m in [ai4med::nlp::Method::negbio().unwrap(), ai4med::nlp::Method::context().unwrap()] {
                        let l = ai4med::nlp::Labeler::new(ai4med::nlp::PhraseLists::chexpert().unwrap(), m);
                        let _ = ai4med::nlp::mesh_labels(&r, &l.names());
                        if !r.text().is_empty() {
                            l.label(&r.text()).unwrap();
                        }
                    }
                    true
                }
                Err(_) => false,
            }
        }
        other => panic!("unknown fuzz target {other}"),
    }
}

const TARGETS: [&str; 8] = ["nifti", "dicom", "png", "bioc", "notebook", "csv", "report", "openi"];

#[test]
fn seeds_parse() {
    for t in TARGETS {
        let seeds = files("seeds", t);
        assert!(!seeds.is_empty(), "no seeds for {t}");
        for f in seeds {
            let data = std::fs::read(&f).unwrap();
            assert!(run(t, &data), "seed {} does not parse", f.display());
        }
    }
}

#[test]
fn regressions_return() {
    for t in TARGETS {
        for f in files("regressions", t) {
            let data = std::fs::read(&f).unwrap();
            // each crash a fuzzer found was a malformed file: it must now be an error
            // (a panic fails the test, an endless loop times it out)
            assert!(!run(t, &data), "{} parsed", f.display());
        }
    }
}

/// The same 4 × 3 16-bit image written with explicit and with implicit VR decodes alike
/// (implicit VR takes each element's VR from the standard dictionary).
#[test]
fn implicit_and_explicit_vr_agree() {
    let read = |name: &str| {
        let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/dicom").join(name);
        ai4med::xray::read_dicom(p).unwrap()
    };
    let (e, i) = (read("explicit_le_16.dcm"), read("implicit_le_16.dcm"));
    assert_eq!(e.pixels, i.pixels);
    assert_eq!((e.bits_stored, e.modality.as_str(), e.photometric.as_str()), (12, "CR", "MONOCHROME2"));
    assert_eq!((i.bits_stored, i.modality.as_str()), (12, "CR"));
    // window centre 100, width 200 (DS text) over raw values masked to 12 bits
    assert!(e.pixels.iter().all(|v| (0.0..=1.0).contains(v)));
}
