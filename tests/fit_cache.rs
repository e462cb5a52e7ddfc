//! The trained-model cache (`ai4med::torch::fit_cache`): a second identical fit loads the
//! first one's result, bit for bit the same as training again; anything that changes the
//! result misses; a damaged entry is a miss, never an error.
//!
//! One test function only: it sets `AI4MED_MODEL_CACHE` for this whole test process (each
//! integration test file is its own process), and libtorch's generator is process-wide.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]
#![allow(unsafe_code, reason = "set_var in a single-test binary (see SAFETY below)")]
#![cfg(feature = "torch")]

use ai4med::imaging::{BRATS_CLASSES, SynthBrainConfig, synthetic_brats};
use ai4med::nlp::qa::{QaModel, QaTokenizer, QaTrainConfig, tiny_bert_config};
use ai4med::nn::{DenseNetConfig, History, SegTrainConfig, SegmentationModel, TrainConfig, UNet3dConfig, XrayClassifier};
use ai4med::tch::Device;
use ai4med::torch::fit_cache::ENV_VAR;
use ai4med::xray::Standardization;
use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::path::{Path, PathBuf};

fn images(seed: u64, n: usize) -> (Vec<Array2<f32>>, Array2<f64>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut imgs = Vec::new();
    let mut y = Array2::zeros((n, 2));
    for i in 0..n {
        let mut img = Array2::from_shape_fn((32, 32), |_| rng.random_range(0.0..0.2f32));
        if rng.random_bool(0.5) {
            let (r, c) = (rng.random_range(2..24), rng.random_range(2..24));
            img.slice_mut(ndarray::s![r..r + 6, c..c + 6]).fill(0.9);
            y[[i, 0]] = 1.0;
        }
        if rng.random_bool(0.5) {
            img.slice_mut(ndarray::s![.., ..16]).mapv_inplace(|v| v + 0.3);
            y[[i, 1]] = 1.0;
        }
        imgs.push(img);
    }
    (imgs, y)
}

struct Fit {
    history: History,
    probs: Array2<f64>,
}

fn xray_fit(seed: u64, lr: f64, checkpoint: Option<PathBuf>) -> Fit {
    let (ti, ty) = images(1, 48);
    let (vi, vy) = images(2, 24);
    let cfg = DenseNetConfig { init_features: 8, growth: 8, bn_size: 2, blocks: vec![2, 2], in_channels: 3, num_classes: 2 };
    let mut m = XrayClassifier::new(&cfg, &["square", "left"], 32, Standardization::None, seed, Device::Cpu).unwrap();
    let tc = TrainConfig {
        epochs: 3,
        batch_size: 16,
        learning_rate: lr,
        patience: 0,
        augment: None,
        verbose: false,
        checkpoint,
        ..Default::default()
    };
    let history = m.fit((&ti, &ty.view()), (&vi, &vy.view()), &tc).unwrap();
    Fit { history, probs: m.predict(&vi).unwrap() }
}

fn same_numbers(a: &History, b: &History, with_seconds: bool) {
    assert_eq!(a.best_epoch, b.best_epoch);
    assert_eq!(a.epochs.len(), b.epochs.len());
    for (x, y) in a.epochs.iter().zip(&b.epochs) {
        assert_eq!(x.train_loss.to_bits(), y.train_loss.to_bits());
        assert_eq!(x.valid_loss.to_bits(), y.valid_loss.to_bits());
        assert_eq!(
            x.valid_auc.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            y.valid_auc.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        );
        if with_seconds {
            assert_eq!(x.seconds.to_bits(), y.seconds.to_bits());
        }
    }
}

fn entries(dir: &Path, ext: &str) -> usize {
    std::fs::read_dir(dir)
        .map(|d| d.flatten().filter(|e| e.path().to_string_lossy().ends_with(ext) && !e.path().to_string_lossy().contains(".tmp.")).count())
        .unwrap_or(0)
}

fn set_cache(dir: Option<&Path>) {
    // SAFETY: this test binary has a single test function, so no other thread reads the
    // environment while it changes.
    unsafe {
        match dir {
            Some(d) => std::env::set_var(ENV_VAR, d),
            None => std::env::remove_var(ENV_VAR),
        }
    }
}

#[test]
fn identical_fits_train_once_and_load_bit_for_bit() {
    let dir = std::env::temp_dir().join(format!("ai4med-fit-cache-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);

    // Without the cache: the reference, trained twice to show training is deterministic.
    set_cache(None);
    let reference = xray_fit(3, 3e-3, None);
    same_numbers(&reference.history, &xray_fit(3, 3e-3, None).history, false);
    assert!(!dir.exists());

    // With it: the first fit trains and stores one entry; the second loads it.
    set_cache(Some(&dir));
    let first = xray_fit(3, 3e-3, None);
    same_numbers(&reference.history, &first.history, false);
    assert_eq!(first.probs, reference.probs);
    assert_eq!((entries(&dir, ".safetensors"), entries(&dir, ".json")), (1, 1));
    let ck = dir.join("checkpoint.safetensors");
    let second = xray_fit(3, 3e-3, Some(ck.clone()));
    same_numbers(&first.history, &second.history, true); // replayed, wall times included
    assert_eq!(second.probs, reference.probs);
    assert_eq!(entries(&dir, ".json"), 1, "a hit stores nothing new");
    // The checkpoint a hit writes holds the kept weights.
    let cfg = DenseNetConfig { init_features: 8, growth: 8, bn_size: 2, blocks: vec![2, 2], in_channels: 3, num_classes: 2 };
    let mut back = XrayClassifier::new(&cfg, &["square", "left"], 32, Standardization::None, 99, Device::Cpu).unwrap();
    back.load(&ck).unwrap();
    assert_eq!(back.predict(&images(2, 24).0).unwrap(), reference.probs);
    std::fs::remove_file(&ck).unwrap();

    // Other initial weights or other settings: a miss, a new entry.
    let other_seed = xray_fit(4, 3e-3, None);
    assert_ne!(other_seed.probs, reference.probs);
    xray_fit(3, 2e-3, None);
    assert_eq!(entries(&dir, ".json"), 3);

    // A damaged entry is a miss: the fit trains again and gives the reference result.
    for e in std::fs::read_dir(&dir).unwrap().flatten() {
        if e.path().extension().is_some_and(|x| x == "safetensors") {
            std::fs::write(e.path(), b"not safetensors").unwrap();
        }
    }
    let again = xray_fit(3, 3e-3, None);
    same_numbers(&reference.history, &again.history, false);
    assert_eq!(again.probs, reference.probs);

    // U-Net: the same contract.
    let cases = synthetic_brats(4, &SynthBrainConfig { shape: [32, 32, 24], ..Default::default() }).unwrap();
    let unet = || {
        let mut m =
            SegmentationModel::new(&UNet3dConfig { depth: 2, base_filters: 4, ..UNet3dConfig::small() }, &BRATS_CLASSES, 3, Device::Cpu)
                .unwrap();
        let cfg = SegTrainConfig {
            patch: [16, 16, 16],
            batch_size: 2,
            steps_per_epoch: 3,
            epochs: 2,
            valid_patches: 4,
            background_threshold: 0.95,
            verbose: false,
            ..Default::default()
        };
        let h = m.fit(&cases[..3], &cases[3..], &cfg).unwrap();
        let p = m.predict_patch(&cases[3].image.slice(ndarray::s![..16, ..16, ..16, ..]).permuted_axes([3, 0, 1, 2])).unwrap();
        (h, p)
    };
    set_cache(None);
    let (h0, p0) = unet();
    set_cache(Some(&dir));
    let before = entries(&dir, ".json");
    let (h1, p1) = unet();
    let (h2, p2) = unet();
    assert_eq!(entries(&dir, ".json"), before + 1);
    for (a, b) in [(&h0, &h1), (&h1, &h2)] {
        assert_eq!(a.best_epoch, b.best_epoch);
        assert_eq!(
            a.epochs.iter().map(|e| e.valid_loss.to_bits()).collect::<Vec<_>>(),
            b.epochs.iter().map(|e| e.valid_loss.to_bits()).collect::<Vec<_>>()
        );
    }
    assert_eq!(
        h1.epochs.iter().map(|e| e.seconds.to_bits()).collect::<Vec<_>>(),
        h2.epochs.iter().map(|e| e.seconds.to_bits()).collect::<Vec<_>>()
    );
    assert_eq!(p0, p1);
    assert_eq!(p1, p2);

    // Question answering: the losses and the answers.
    let examples = ai4med::nlp::synthetic_qa(40, 7).unwrap();
    let qa = || {
        let t = QaTokenizer::bundled().unwrap();
        let mut m = QaModel::new(&tiny_bert_config(t.len()), t, 1, Device::Cpu).unwrap();
        let losses =
            m.fit(&examples[..32], &QaTrainConfig { epochs: 2, batch_size: 16, learning_rate: 2e-3, seed: 0, verbose: false }).unwrap();
        let answers: Vec<String> = examples[32..].iter().map(|e| m.answer(&e.question, &e.passage).unwrap().text).collect();
        (losses, answers)
    };
    set_cache(None);
    let q0 = qa();
    set_cache(Some(&dir));
    let q1 = qa();
    let q2 = qa();
    assert_eq!(q0, q1);
    assert_eq!(q1, q2);

    set_cache(None);
    std::fs::remove_dir_all(&dir).unwrap();
}
