//! 3-D U-Net for brain-tumour segmentation (the course's `unet_model_3d`), its training
//! on sampled sub-volumes, and whole-volume prediction by tiles or sliding windows.

use super::loss::soft_dice_loss_tensor;
use std::io::Write;
use std::path::{Path, PathBuf};

use ndarray::{Array4, ArrayView4, Axis, s};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tch::{Device, Kind, Tensor, nn, nn::ModuleT, nn::OptimizerConfig};

use crate::display::{Cell, Table};
use crate::imaging::{Case, sample_sub_volume, standardize};
use crate::plot::{Figure, Grid};
use crate::torch::fit_cache::{self, CachedFit, FitKey};
use crate::{Error, Result};

/// Shape of a [`UNet3d`].
#[derive(Debug, Clone, PartialEq)]
pub struct UNet3dConfig {
    /// Input channels (4 MRI sequences).
    pub in_channels: i64,
    /// Output channels (3 tumour classes, each with its own sigmoid).
    pub n_labels: i64,
    /// Levels, counting the bottom one (the course uses 4).
    pub depth: usize,
    /// Filters of the first convolution (doubled per level; the course uses 32).
    pub base_filters: i64,
    /// Batch normalisation after each convolution (the course's option; off by default).
    pub batch_norm: bool,
    /// Transposed convolutions (kernel 2, stride 2) instead of nearest-neighbour
    /// up-sampling (the course's `deconvolution` option; off by default).
    pub deconvolution: bool,
}

impl UNet3dConfig {
    /// The course's model: depth 4, 32 base filters, 4 → 3 channels, up-sampling, no batch
    /// norm — 16,318,307 parameters.
    pub fn course() -> Self {
        UNet3dConfig { in_channels: 4, n_labels: 3, depth: 4, base_filters: 32, batch_norm: false, deconvolution: false }
    }
    /// A CPU-sized model for notebooks: depth 3, 8 base filters, batch norm — 247,083
    /// parameters (trains on synthetic cases in a few minutes on two cores).
    pub fn small() -> Self {
        UNet3dConfig { in_channels: 4, n_labels: 3, depth: 3, base_filters: 8, batch_norm: true, deconvolution: false }
    }
    /// What each input side must be a multiple of: `2^(depth − 1)`.
    pub fn divisor(&self) -> usize {
        1 << (self.depth.max(1) - 1)
    }
}

#[derive(Debug)]
struct Block {
    conv: nn::Conv3D,
    bn: Option<nn::BatchNorm>,
}

impl Block {
    fn new(p: &nn::Path, cin: i64, cout: i64, bn: bool) -> Block {
        let cfg = nn::ConvConfig { padding: 1, ..Default::default() };
        Block { conv: nn::conv3d(p / "conv", cin, cout, 3, cfg), bn: bn.then(|| nn::batch_norm3d(p / "bn", cout, Default::default())) }
    }
    fn forward(&self, x: &Tensor, train: bool) -> Tensor {
        let y = x.apply(&self.conv);
        let y = match &self.bn {
            Some(b) => y.apply_t(b, train),
            None => y,
        };
        y.relu()
    }
}

/// The course's 3-D U-Net (after Çiçek et al. 2016, Isensee et al.): at level `l` two
/// 3×3×3 convolutions with `base·2^l` and `base·2^(l+1)` filters (ReLU, optional batch
/// norm), 2×2×2 max pooling between levels; on the way up a ×2 up-sampling (or a
/// transposed convolution), concatenation with the encoder's second convolution of that
/// level, and two convolutions with that many filters; a 1×1×1 convolution to `n_labels`
/// channels and a sigmoid per channel.
///
/// Parameter counts equal the course's Keras model: depth 2 → 833,507; depth 4 →
/// 16,318,307 (4 → 3 channels, 32 base filters, up-sampling). Variable names follow the
/// structure (`down0/a/conv/weight`, `up1/b/conv/bias`, `final/weight`).
#[derive(Debug)]
pub struct UNet3d {
    config: UNet3dConfig,
    down: Vec<(Block, Block)>,
    up: Vec<(Option<nn::ConvTranspose3D>, Block, Block)>,
    last: nn::Conv3D,
}

impl UNet3d {
    /// Builds the network's variables under `p`.
    pub fn new(p: &nn::Path, config: &UNet3dConfig) -> Result<UNet3d> {
        if config.depth == 0 || config.base_filters <= 0 || config.in_channels <= 0 || config.n_labels <= 0 {
            return Err(Error::invalid_arg(
                "config",
                format!("depth, base_filters, in_channels and n_labels must be positive: {config:?}"),
            ));
        }
        let bn = config.batch_norm;
        let mut down = Vec::new();
        let mut cin = config.in_channels;
        let mut second = Vec::new();
        for l in 0..config.depth {
            let f = config.base_filters << l;
            let q = p / format!("down{l}");
            let a = Block::new(&(&q / "a"), cin, f, bn);
            let b = Block::new(&(&q / "b"), f, 2 * f, bn);
            down.push((a, b));
            second.push(2 * f);
            cin = 2 * f;
        }
        let mut up = Vec::new();
        for l in (0..config.depth.saturating_sub(1)).rev() {
            let q = p / format!("up{l}");
            let skip = second[l];
            let tconv = config
                .deconvolution
                .then(|| nn::conv_transpose3d(&q / "deconv", cin, cin, 2, nn::ConvTransposeConfig { stride: 2, ..Default::default() }));
            let a = Block::new(&(&q / "a"), cin + skip, skip, bn);
            let b = Block::new(&(&q / "b"), skip, skip, bn);
            up.push((tconv, a, b));
            cin = skip;
        }
        let last = nn::conv3d(p / "final", cin, config.n_labels, 1, Default::default());
        Ok(UNet3d { config: config.clone(), down, up, last })
    }

    /// The configuration.
    pub fn config(&self) -> &UNet3dConfig {
        &self.config
    }

    /// Checks an input `[N, in_channels, x, y, z]` whose sides are multiples of
    /// [`UNet3dConfig::divisor`].
    pub fn check_input(&self, x: &Tensor) -> Result<()> {
        let sz = x.size();
        let d = self.config.divisor() as i64;
        if sz.len() != 5 || sz[1] != self.config.in_channels || sz[2..].iter().any(|&s| s < d || s % d != 0) {
            return Err(Error::ShapeMismatch {
                what: "U-Net input".into(),
                expected: format!("[batch, {}, x, y, z] with x, y, z multiples of {d}", self.config.in_channels),
                got: sz.iter().map(|&v| v as usize).collect(),
            });
        }
        Ok(())
    }

    /// Logits (before the sigmoid), `[N, n_labels, x, y, z]`; the input is checked.
    pub fn logits(&self, x: &Tensor, train: bool) -> Result<Tensor> {
        self.check_input(x)?;
        let mut skips = Vec::new();
        let mut h = x.shallow_clone();
        for (l, (a, b)) in self.down.iter().enumerate() {
            h = b.forward(&a.forward(&h, train), train);
            if l + 1 < self.down.len() {
                skips.push(h.shallow_clone());
                h = h.max_pool3d([2, 2, 2], [2, 2, 2], [0, 0, 0], [1, 1, 1], false);
            }
        }
        for (t, a, b) in &self.up {
            let skip = skips.pop().ok_or_else(|| Error::invalid_arg("U-Net", "skip connections out of step"))?;
            let upped = match t {
                Some(t) => h.apply(t),
                None => h.upsample_nearest3d(&skip.size()[2..], None, None, None),
            };
            h = b.forward(&a.forward(&Tensor::cat(&[upped, skip], 1), train), train);
        }
        Ok(h.apply(&self.last))
    }
}

impl ModuleT for UNet3d {
    /// Sigmoid probabilities `[N, n_labels, x, y, z]`. Panics on a wrong input shape, as
    /// every tch module does; [`UNet3d::logits`] returns an error instead.
    // tch's ModuleT::forward_t returns a Tensor, not a Result: the trait leaves no other
    // way to report a wrong shape (tch's own modules panic inside libtorch the same way).
    #[allow(clippy::panic)]
    fn forward_t(&self, x: &Tensor, train: bool) -> Tensor {
        match self.logits(x, train) {
            Ok(t) => t.sigmoid(),
            Err(e) => panic!("{e}"),
        }
    }
}

/// Number of trainable values of a U-Net with this configuration (built on the CPU and
/// dropped).
///
/// ```no_run
/// use ai4med::nn::{UNet3dConfig, unet_parameter_count};
/// assert_eq!(unet_parameter_count(&UNet3dConfig { depth: 2, ..UNet3dConfig::course() }).unwrap(), 833_507);
/// assert_eq!(unet_parameter_count(&UNet3dConfig::course()).unwrap(), 16_318_307);
/// ```
pub fn unet_parameter_count(config: &UNet3dConfig) -> Result<i64> {
    let vs = nn::VarStore::new(Device::Cpu);
    let _ = UNet3d::new(&vs.root(), config)?;
    Ok(vs.trainable_variables().iter().map(|t| t.numel() as i64).sum())
}

/// Settings of [`SegmentationModel::fit`].
#[derive(Debug, Clone)]
pub struct SegTrainConfig {
    /// Patch size `[x, y, z]` (multiples of the network's divisor).
    pub patch: [usize; 3],
    /// Patches per step.
    pub batch_size: usize,
    /// Steps per epoch (each draws `batch_size` fresh patches).
    pub steps_per_epoch: usize,
    /// Epochs.
    pub epochs: usize,
    /// Adam's learning rate.
    pub learning_rate: f64,
    /// Patches with at least this fraction of background are redrawn (course: 0.95).
    pub background_threshold: f64,
    /// Draws before a case counts as having no usable patch.
    pub max_tries: usize,
    /// Validation patches drawn once (with the same sampler) from the validation cases.
    pub valid_patches: usize,
    /// ε of the soft Dice loss.
    pub epsilon: f64,
    /// Seed for patch sampling (and the caller seeds the weights in
    /// [`SegmentationModel::new`]).
    pub seed: u64,
    /// Where to write the best weights (safetensors or `.ot`), if anywhere.
    pub checkpoint: Option<PathBuf>,
    /// Print one line per epoch.
    pub verbose: bool,
}

impl Default for SegTrainConfig {
    fn default() -> Self {
        SegTrainConfig {
            patch: [32, 32, 32],
            batch_size: 4,
            steps_per_epoch: 20,
            epochs: 10,
            learning_rate: 3e-3,
            background_threshold: 0.95,
            max_tries: 1000,
            valid_patches: 16,
            epsilon: 1e-5,
            seed: 0,
            checkpoint: None,
            verbose: true,
        }
    }
}

/// One epoch of [`SegmentationModel::fit`].
#[derive(Debug, Clone)]
pub struct SegEpoch {
    /// 1-based epoch.
    pub epoch: usize,
    /// Mean training soft Dice loss.
    pub train_loss: f64,
    /// Soft Dice loss on the validation patches.
    pub valid_loss: f64,
    /// Dice per class on the validation patches (probabilities thresholded at 0.5,
    /// ε = 1e-5).
    pub valid_dice: Vec<f64>,
    /// Wall time.
    pub seconds: f64,
}

/// Training history of [`SegmentationModel::fit`].
#[derive(Debug, Clone)]
pub struct SegHistory {
    /// Class names.
    pub classes: Vec<String>,
    /// Per-epoch numbers.
    pub epochs: Vec<SegEpoch>,
    /// Epoch whose weights were kept (lowest validation loss).
    pub best_epoch: usize,
}

impl SegHistory {
    /// The history as a cache record (numbers bit for bit).
    fn to_record(&self) -> serde_json::Value {
        let e = &self.epochs;
        serde_json::json!({
            "best_epoch": self.best_epoch,
            "epoch": e.iter().map(|x| x.epoch).collect::<Vec<_>>(),
            "train_loss": fit_cache::bits(&e.iter().map(|x| x.train_loss).collect::<Vec<_>>()),
            "valid_loss": fit_cache::bits(&e.iter().map(|x| x.valid_loss).collect::<Vec<_>>()),
            "valid_dice": e.iter().map(|x| fit_cache::bits(&x.valid_dice)).collect::<Vec<_>>(),
            "seconds": fit_cache::bits(&e.iter().map(|x| x.seconds).collect::<Vec<_>>()),
        })
    }

    /// The inverse of [`SegHistory::to_record`].
    fn from_record(r: &serde_json::Value, classes: &[String]) -> Option<SegHistory> {
        let epoch: Vec<usize> = r["epoch"].as_array()?.iter().map(|v| v.as_u64().map(|x| x as usize)).collect::<Option<_>>()?;
        let (tl, vl, s) =
            (fit_cache::from_bits(&r["train_loss"])?, fit_cache::from_bits(&r["valid_loss"])?, fit_cache::from_bits(&r["seconds"])?);
        let dice: Vec<Vec<f64>> = r["valid_dice"].as_array()?.iter().map(fit_cache::from_bits).collect::<Option<_>>()?;
        if [tl.len(), vl.len(), s.len(), dice.len()].iter().any(|&n| n != epoch.len()) || dice.iter().any(|d| d.len() != classes.len()) {
            return None;
        }
        let epochs = (0..epoch.len())
            .map(|i| SegEpoch { epoch: epoch[i], train_loss: tl[i], valid_loss: vl[i], valid_dice: dice[i].clone(), seconds: s[i] })
            .collect();
        Some(SegHistory { classes: classes.to_vec(), epochs, best_epoch: r["best_epoch"].as_u64()? as usize })
    }

    /// Two panels side by side: the training and validation soft Dice loss per epoch, and
    /// the validation Dice of each class per epoch (each on its own labelled axis).
    pub fn figure(&self) -> Grid {
        let x: Vec<f64> = self.epochs.iter().map(|e| e.epoch as f64).collect();
        let loss = Figure::new()
            .title("Soft Dice loss")
            .x_label("epoch")
            .y_label("loss")
            .line(&x, &self.epochs.iter().map(|e| e.train_loss).collect::<Vec<_>>(), "training")
            .line(&x, &self.epochs.iter().map(|e| e.valid_loss).collect::<Vec<_>>(), "validation");
        let mut dice = Figure::new().title("Validation Dice by class").x_label("epoch").y_label("Dice");
        for (c, name) in self.classes.iter().enumerate() {
            dice = dice.line(
                &x,
                &self.epochs.iter().map(|e| e.valid_dice.get(c).copied().unwrap_or(f64::NAN)).collect::<Vec<_>>(),
                name.as_str(),
            );
        }
        Grid::new(vec![loss, dice], 2).cell_size(470, 340)
    }
    /// One row per epoch: losses, validation Dice per class, seconds.
    pub fn table(&self) -> Table {
        let mut cols = vec!["epoch".to_string(), "training loss".into(), "validation loss".into()];
        cols.extend(self.classes.iter().map(|c| format!("Dice {c}")));
        cols.push("seconds".into());
        let mut t = Table::new(cols);
        for e in &self.epochs {
            let mut row = vec![Cell::from(e.epoch), Cell::from(e.train_loss), Cell::from(e.valid_loss)];
            row.extend(e.valid_dice.iter().map(|&d| Cell::from(d)));
            row.push(Cell::from(e.seconds));
            t.push_row(row);
        }
        t.caption(format!("best epoch {}", self.best_epoch))
    }
}

/// How [`SegmentationModel::predict_volume`] covers a volume.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Tiling {
    /// Non-overlapping patches; the volume is zero-padded to a multiple of the patch (the
    /// course's way).
    Grid,
    /// Overlapping windows (`overlap` in `[0, 1)`, e.g. 0.5) whose predictions are
    /// averaged, weighted by a Gaussian centred on each window (σ = patch/8) when
    /// `gaussian`, else uniformly (MONAI's `sliding_window_inference`, beyond the course).
    Sliding {
        /// Fraction of a window shared with the next.
        overlap: f64,
        /// Gaussian (true) or constant (false) blending weights.
        gaussian: bool,
    },
}

/// A 3-D U-Net with its weights and the patch pipeline around it: training on sampled
/// sub-volumes, prediction of patches and whole volumes, checkpoints.
pub struct SegmentationModel {
    vs: nn::VarStore,
    net: UNet3d,
    classes: Vec<String>,
}

impl std::fmt::Debug for SegmentationModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SegmentationModel {{ {:?}, classes: {:?}, parameters: {} }}", self.net.config, self.classes, self.parameter_count())
    }
}

fn to_tensor(x: &[&Array4<f32>], device: Device) -> Result<Tensor> {
    let sh = x[0].shape().to_vec();
    let mut v = Vec::with_capacity(x.len() * x[0].len());
    for a in x {
        if a.shape() != sh.as_slice() {
            return Err(Error::ShapeMismatch { what: "patch batch".into(), expected: format!("{sh:?}"), got: a.shape().to_vec() });
        }
        v.extend(a.iter().copied());
    }
    let dims: Vec<i64> = std::iter::once(x.len() as i64).chain(sh.iter().map(|&d| d as i64)).collect();
    Ok(Tensor::f_from_slice(&v)?.f_reshape(dims.as_slice())?.to_device(device))
}

fn from_tensor(t: &Tensor) -> Result<Vec<f32>> {
    Ok(Vec::<f32>::try_from(t.to_device(Device::Cpu).to_kind(Kind::Float).flatten(0, -1))?)
}

impl SegmentationModel {
    /// A new model with weights drawn from libtorch's generator seeded with `seed`
    /// (process-wide in libtorch), on `device`. `classes` names the output channels
    /// (their number must equal `config.n_labels`).
    pub fn new<S: AsRef<str>>(config: &UNet3dConfig, classes: &[S], seed: u64, device: Device) -> Result<SegmentationModel> {
        if classes.len() as i64 != config.n_labels {
            return Err(Error::LengthMismatch { what: "classes vs n_labels".into(), left: classes.len(), right: config.n_labels as usize });
        }
        tch::manual_seed(seed as i64);
        let vs = nn::VarStore::new(device);
        let net = UNet3d::new(&vs.root(), config)?;
        Ok(SegmentationModel { vs, net, classes: classes.iter().map(|c| c.as_ref().to_string()).collect() })
    }

    /// The network.
    pub fn net(&self) -> &UNet3d {
        &self.net
    }
    /// Output class names.
    pub fn classes(&self) -> &[String] {
        &self.classes
    }
    /// Trainable values.
    pub fn parameter_count(&self) -> i64 {
        self.vs.trainable_variables().iter().map(|t| t.numel() as i64).sum()
    }

    fn check_patch(&self, patch: [usize; 3]) -> Result<()> {
        let d = self.net.config.divisor();
        if patch.iter().any(|&p| p == 0 || p % d != 0) {
            return Err(Error::invalid_arg("patch", format!("{patch:?}: every side must be a positive multiple of {d} (2^(depth−1))")));
        }
        Ok(())
    }

    /// Trains with Adam on the soft Dice loss. Each step draws `batch_size` patches: a
    /// training case at random, then [`sample_sub_volume`] (background below
    /// `background_threshold`), then [`standardize`]. Validation patches are drawn once
    /// from the validation cases. After each epoch: validation soft Dice loss and per-class
    /// Dice; the weights of the epoch with the lowest validation loss are kept (and written
    /// to `checkpoint`). Sampling is seeded by `config.seed`; one line per epoch is printed
    /// when `verbose`. With `AI4MED_MODEL_CACHE` set, a fit that already ran with the same
    /// cases, settings and initial weights is loaded instead of repeated
    /// ([`crate::torch::fit_cache`]).
    pub fn fit(&mut self, train: &[Case], valid: &[Case], config: &SegTrainConfig) -> Result<SegHistory> {
        self.check_patch(config.patch)?;
        if train.is_empty() || valid.is_empty() {
            return Err(Error::Empty { what: if train.is_empty() { "training cases".into() } else { "validation cases".into() } });
        }
        if config.epochs == 0 || config.batch_size == 0 || config.steps_per_epoch == 0 || config.valid_patches == 0 {
            return Err(Error::invalid_arg("config", "epochs, batch_size, steps_per_epoch and valid_patches must be at least 1"));
        }
        let channels = self.net.config.in_channels as usize;
        for c in train.iter().chain(valid) {
            if c.image.shape()[3] != channels {
                return Err(Error::ShapeMismatch {
                    what: format!("image of {}", c.name),
                    expected: format!("(x, y, z, {channels})"),
                    got: c.image.shape().to_vec(),
                });
            }
        }
        let cache = CachedFit::open(|| self.fit_key(train, valid, config));
        if let Some(hit) = cache.as_ref().and_then(|c| c.load(&mut self.vs, |r| SegHistory::from_record(r, &self.classes))) {
            CachedFit::replay(&hit.lines, config.verbose);
            if let Some(p) = &config.checkpoint {
                self.save(p)?;
            }
            return Ok(hit.record);
        }
        let mut lines = Vec::new();
        let history = self.train_epochs(train, valid, config, &mut lines)?;
        if let Some(c) = cache {
            c.store(&self.vs, history.to_record(), &lines);
        }
        Ok(history)
    }

    /// The key of a fit in the trained-model cache ([`crate::torch::fit_cache`]).
    fn fit_key(&self, train: &[Case], valid: &[Case], config: &SegTrainConfig) -> Result<FitKey> {
        let mut key = FitKey::new("SegmentationModel::fit", self.vs.device());
        key.text(&format!("{:?} {:?}", self.net.config, self.classes));
        key.var_store(&self.vs)?;
        for set in [train, valid] {
            key.i64s([set.len() as i64]);
            for c in set {
                key.arrays([&c.image]).i64s(c.label.shape().iter().map(|&d| d as i64)).i64s(c.label.iter().map(|&v| i64::from(v)));
            }
        }
        key.text(&format!("{:?}", SegTrainConfig { checkpoint: None, verbose: false, ..config.clone() }));
        Ok(key)
    }

    fn train_epochs(&mut self, train: &[Case], valid: &[Case], config: &SegTrainConfig, lines: &mut Vec<String>) -> Result<SegHistory> {
        let n_classes = self.net.config.n_labels as usize + 1;
        let device = self.vs.device();
        let draw = |cases: &[Case], rng: &mut ChaCha8Rng| -> Result<(Array4<f32>, Array4<f32>)> {
            let c = &cases[rng.random_range(0..cases.len())];
            let sv = sample_sub_volume(
                &c.image.view(),
                &c.label.view(),
                config.patch,
                n_classes,
                config.background_threshold,
                config.max_tries,
                rng,
            )
            .map_err(|e| Error::undefined("training patch", format!("case {}: {e}", c.name)))?;
            Ok((standardize(&sv.x.view())?, sv.y))
        };
        let mut vrng = ChaCha8Rng::seed_from_u64(config.seed ^ 0x05EE_D0F0_A11D);
        let vset: Vec<(Array4<f32>, Array4<f32>)> = (0..config.valid_patches).map(|_| draw(valid, &mut vrng)).collect::<Result<_>>()?;
        let mut opt = nn::Adam::default().build(&self.vs, config.learning_rate)?;
        let mut best = nn::VarStore::new(device);
        let _ = UNet3d::new(&best.root(), &self.net.config)?;
        best.copy(&self.vs)?;
        let mut history = SegHistory { classes: self.classes.clone(), epochs: Vec::new(), best_epoch: 0 };
        let mut best_loss = f64::INFINITY;
        let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
        for epoch in 1..=config.epochs {
            let t0 = std::time::Instant::now();
            let mut sum = 0.0;
            for _ in 0..config.steps_per_epoch {
                let batch: Vec<(Array4<f32>, Array4<f32>)> =
                    (0..config.batch_size).map(|_| draw(train, &mut rng)).collect::<Result<_>>()?;
                let x = to_tensor(&batch.iter().map(|b| &b.0).collect::<Vec<_>>(), device)?;
                let y = to_tensor(&batch.iter().map(|b| &b.1).collect::<Vec<_>>(), device)?;
                let p = self.net.logits(&x, true)?.sigmoid();
                let loss = soft_dice_loss_tensor(&p, &y, config.epsilon);
                opt.backward_step(&loss);
                sum += loss.double_value(&[]);
            }
            let (valid_loss, valid_dice) = self.evaluate_patches(&vset, config.epsilon)?;
            let stats = SegEpoch {
                epoch,
                train_loss: sum / config.steps_per_epoch as f64,
                valid_loss,
                valid_dice,
                seconds: t0.elapsed().as_secs_f64(),
            };
            let improved = valid_loss < best_loss;
            let dice: Vec<String> = self.classes.iter().zip(&stats.valid_dice).map(|(c, d)| format!("{c} {d:.3}")).collect();
            let line = format!(
                "epoch {epoch:>3}/{}: training loss {:.4}, validation loss {:.4}, Dice {}{} ({:.1} s)",
                config.epochs,
                stats.train_loss,
                valid_loss,
                dice.join(", "),
                if improved { " *" } else { "" },
                stats.seconds
            );
            if config.verbose {
                println!("{line}");
                let _ = std::io::stdout().flush();
            }
            lines.push(line);
            history.epochs.push(stats);
            if improved {
                best_loss = valid_loss;
                history.best_epoch = epoch;
                best.copy(&self.vs)?;
                if let Some(p) = &config.checkpoint {
                    self.save(p)?;
                }
            }
        }
        self.vs.copy(&best)?;
        Ok(history)
    }

    fn evaluate_patches(&self, set: &[(Array4<f32>, Array4<f32>)], epsilon: f64) -> Result<(f64, Vec<f64>)> {
        let _g = tch::no_grad_guard();
        let device = self.vs.device();
        let k = self.classes.len();
        let (mut inter, mut ps, mut ys, mut soft_num, mut soft_den) =
            (vec![0.0; k], vec![0.0; k], vec![0.0; k], vec![0.0; k], vec![0.0; k]);
        for chunk in set.chunks(4) {
            let x = to_tensor(&chunk.iter().map(|b| &b.0).collect::<Vec<_>>(), device)?;
            let y = to_tensor(&chunk.iter().map(|b| &b.1).collect::<Vec<_>>(), device)?;
            let p = self.net.logits(&x, false)?.sigmoid();
            let hard = p.gt(0.5).to_kind(Kind::Float);
            let dims: &[i64] = &[0, 2, 3, 4];
            let f = |t: Tensor| -> Result<Vec<f64>> {
                Ok(from_tensor(&t.sum_dim_intlist(dims, false, Kind::Float))?.iter().map(|&v| v as f64).collect())
            };
            let (a, b, c, d, e) = (f(&hard * &y)?, f(hard.shallow_clone())?, f(y.shallow_clone())?, f(&p * &y)?, f(&p * &p + &y * &y)?);
            for i in 0..k {
                inter[i] += a[i];
                ps[i] += b[i];
                ys[i] += c[i];
                soft_num[i] += d[i];
                soft_den[i] += e[i];
            }
        }
        let loss = 1.0 - (0..k).map(|i| (2.0 * soft_num[i] + epsilon) / (soft_den[i] + epsilon)).sum::<f64>() / k as f64;
        let dice = (0..k).map(|i| (2.0 * inter[i] + 1e-5) / (ps[i] + ys[i] + 1e-5)).collect();
        Ok((loss, dice))
    }

    /// Probabilities `[n_labels, px, py, pz]` of one channels-first patch
    /// `[channels, px, py, pz]`, standardized first ([`standardize`]) as in training.
    pub fn predict_patch(&self, x: &ArrayView4<f32>) -> Result<Array4<f32>> {
        let std = standardize(x)?;
        let out = self.forward_batch(&[&std])?;
        out.into_iter().next().ok_or_else(|| Error::Empty { what: "prediction".into() })
    }

    fn forward_batch(&self, xs: &[&Array4<f32>]) -> Result<Vec<Array4<f32>>> {
        let _g = tch::no_grad_guard();
        let t = to_tensor(xs, self.vs.device())?;
        let p = self.net.logits(&t, false)?.sigmoid();
        let v = from_tensor(&p)?;
        let sh = xs[0].shape();
        let k = self.classes.len();
        let per = k * sh[1] * sh[2] * sh[3];
        v.chunks(per)
            .map(|c| {
                Array4::from_shape_vec((k, sh[1], sh[2], sh[3]), c.to_vec()).map_err(|e| Error::invalid_arg("prediction", e.to_string()))
            })
            .collect()
    }

    /// Probabilities `[n_labels, x, y, z]` for a whole image `[x, y, z, channels]`,
    /// covering it with patches of `patch` by [`Tiling`]; each patch is standardized as in
    /// training. Volumes smaller than a patch along an axis are zero-padded.
    pub fn predict_volume(&self, image: &ArrayView4<f32>, patch: [usize; 3], tiling: Tiling) -> Result<Array4<f32>> {
        self.check_patch(patch)?;
        let (nx, ny, nz, nc) = image.dim();
        if nc != self.net.config.in_channels as usize {
            return Err(Error::ShapeMismatch {
                what: "image".into(),
                expected: format!("(x, y, z, {})", self.net.config.in_channels),
                got: image.shape().to_vec(),
            });
        }
        let dims = [nx, ny, nz];
        let starts: Vec<Vec<usize>> = match tiling {
            Tiling::Grid => (0..3).map(|a| (0..dims[a].div_ceil(patch[a])).map(|i| i * patch[a]).collect()).collect(),
            Tiling::Sliding { overlap, .. } => {
                if !(0.0..1.0).contains(&overlap) {
                    return Err(Error::invalid_arg("overlap", format!("must be in [0, 1), got {overlap}")));
                }
                (0..3)
                    .map(|a| {
                        if dims[a] <= patch[a] {
                            return vec![0];
                        }
                        let stride = ((patch[a] as f64 * (1.0 - overlap)).round() as usize).max(1);
                        let mut v: Vec<usize> = (0..).map(|i| i * stride).take_while(|&s| s + patch[a] < dims[a]).collect();
                        v.push(dims[a] - patch[a]);
                        v
                    })
                    .collect()
            }
        };
        // Padded extent.
        let ext = [0, 1, 2].map(|a| starts[a].iter().map(|s| s + patch[a]).max().unwrap_or(patch[a]).max(dims[a]));
        let mut padded = Array4::<f32>::zeros((nc, ext[0], ext[1], ext[2]));
        padded.slice_mut(s![.., ..nx, ..ny, ..nz]).assign(&image.view().permuted_axes([3, 0, 1, 2]));
        let k = self.classes.len();
        let mut acc = Array4::<f32>::zeros((k, ext[0], ext[1], ext[2]));
        let mut wsum = ndarray::Array3::<f32>::zeros((ext[0], ext[1], ext[2]));
        let weight = match tiling {
            Tiling::Sliding { gaussian: true, .. } => {
                let g = |i: usize, n: usize| {
                    let c = (n as f64 - 1.0) / 2.0;
                    let sd = n as f64 / 8.0;
                    (-(i as f64 - c).powi(2) / (2.0 * sd * sd)).exp()
                };
                let w = ndarray::Array3::from_shape_fn((patch[0], patch[1], patch[2]), |(i, j, l)| {
                    (g(i, patch[0]) * g(j, patch[1]) * g(l, patch[2])) as f32
                });
                let m = w.iter().cloned().fold(0.0f32, f32::max);
                w.mapv(|v| (v / m).max(1e-3))
            }
            _ => ndarray::Array3::ones((patch[0], patch[1], patch[2])),
        };
        let mut corners = Vec::new();
        for &a in &starts[0] {
            for &b in &starts[1] {
                for &c in &starts[2] {
                    corners.push([a, b, c]);
                }
            }
        }
        for chunk in corners.chunks(4) {
            let xs: Vec<Array4<f32>> = chunk
                .iter()
                .map(|&[a, b, c]| standardize(&padded.slice(s![.., a..a + patch[0], b..b + patch[1], c..c + patch[2]])))
                .collect::<Result<_>>()?;
            let preds = self.forward_batch(&xs.iter().collect::<Vec<_>>())?;
            for (&[a, b, c], p) in chunk.iter().zip(preds) {
                let mut dst = acc.slice_mut(s![.., a..a + patch[0], b..b + patch[1], c..c + patch[2]]);
                for (mut d, pk) in dst.axis_iter_mut(Axis(0)).zip(p.axis_iter(Axis(0))) {
                    d.zip_mut_with(&(&pk * &weight), |x, y| *x += y);
                }
                let mut ws = wsum.slice_mut(s![a..a + patch[0], b..b + patch[1], c..c + patch[2]]);
                ws += &weight;
            }
        }
        let mut out = acc.slice(s![.., ..nx, ..ny, ..nz]).to_owned();
        let w = wsum.slice(s![..nx, ..ny, ..nz]);
        for mut ch in out.axis_iter_mut(Axis(0)) {
            ch.zip_mut_with(&w, |x, &y| *x /= y.max(1e-12));
        }
        Ok(out)
    }

    /// Saves the weights (safetensors when the path ends in `.safetensors`, else `.ot`).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        Ok(self.vs.save(path)?)
    }

    /// Loads weights written by [`SegmentationModel::save`] for the same configuration; a
    /// missing file or a mismatching tensor is an error.
    pub fn load(&mut self, path: impl AsRef<Path>) -> Result<()> {
        let p = path.as_ref();
        if !p.exists() {
            return Err(Error::io(p, std::io::Error::new(std::io::ErrorKind::NotFound, "no such weights file")));
        }
        Ok(self.vs.load(p)?)
    }
}

/// Label map `[x, y, z]` from class probabilities `[3, x, y, z]` (BraTS order edema,
/// non-enhancing, enhancing): each voxel gets the class with the highest probability if
/// that exceeds `threshold`, else background 0 — a display helper; the course evaluates
/// each channel thresholded on its own.
pub fn probabilities_to_labels(probs: &ArrayView4<f32>, threshold: f32) -> ndarray::Array3<u8> {
    let (_, x, y, z) = probs.dim();
    ndarray::Array3::from_shape_fn((x, y, z), |(i, j, l)| {
        let (mut best, mut arg) = (threshold, 0u8);
        for c in 0..probs.shape()[0] {
            let p = probs[[c, i, j, l]];
            if p > best {
                best = p;
                arg = c as u8 + 1;
            }
        }
        arg
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imaging::{SynthBrainConfig, synthetic_brats};

    #[test]
    fn parameter_counts_match_the_course() {
        assert_eq!(unet_parameter_count(&UNet3dConfig { depth: 2, ..UNet3dConfig::course() }).unwrap(), 833_507);
        assert_eq!(unet_parameter_count(&UNet3dConfig::course()).unwrap(), 16_318_307);
        assert_eq!(unet_parameter_count(&UNet3dConfig::small()).unwrap(), 247_083);
        // deconvolution adds the transposed convolutions' weights: 64·64·8 + 64
        assert_eq!(
            unet_parameter_count(&UNet3dConfig { depth: 2, deconvolution: true, ..UNet3dConfig::course() }).unwrap(),
            833_507 + 128 * 128 * 8 + 128
        );
    }

    #[test]
    fn tensor_soft_dice_equals_array_version() {
        let p = ndarray::array![[[1.0f32, 0.8], [0.0, 1.0]]];
        let q = ndarray::array![[[1.0f32, 1.0], [0.0, 1.0]]];
        let pt = Tensor::from_slice(p.as_slice().unwrap()).reshape([1, 1, 2, 2, 1]);
        let qt = Tensor::from_slice(q.as_slice().unwrap()).reshape([1, 1, 2, 2, 1]);
        let l = soft_dice_loss_tensor(&pt, &qt, 1.0).double_value(&[]);
        assert!((l - 0.006024096385542355).abs() < 1e-6, "{l}");
    }

    #[test]
    fn bad_shapes_are_errors_and_tiling_covers_the_volume() {
        let _l = crate::torch::test_lock();
        let m =
            SegmentationModel::new(&UNet3dConfig { depth: 2, base_filters: 2, ..UNet3dConfig::small() }, &["a", "b", "c"], 1, Device::Cpu)
                .unwrap();
        assert!(m.net().logits(&Tensor::zeros([1, 4, 5, 8, 8], (Kind::Float, Device::Cpu)), false).is_err());
        assert!(m.net().logits(&Tensor::zeros([1, 3, 8, 8, 8], (Kind::Float, Device::Cpu)), false).is_err());
        let img = Array4::<f32>::from_shape_fn((10, 7, 9, 4), |(i, j, k, c)| (i + j * k + c) as f32);
        for t in [Tiling::Grid, Tiling::Sliding { overlap: 0.5, gaussian: true }, Tiling::Sliding { overlap: 0.25, gaussian: false }] {
            let p = m.predict_volume(&img.view(), [4, 4, 4], t).unwrap();
            assert_eq!(p.shape(), &[3, 10, 7, 9]);
            assert!(p.iter().all(|v| v.is_finite() && (0.0..=1.0).contains(v)));
        }
        assert!(m.predict_volume(&img.view(), [3, 4, 4], Tiling::Grid).is_err());
        // a patch predicted alone equals the grid tile when the volume is one patch
        let one = img.slice(s![..8, ..4, ..8, ..]).to_owned();
        let a = m.predict_volume(&one.view(), [8, 4, 8], Tiling::Grid).unwrap();
        let b = m.predict_patch(&one.view().permuted_axes([3, 0, 1, 2])).unwrap();
        assert!(a.iter().zip(b.iter()).all(|(x, y)| (x - y).abs() < 1e-6));
        assert!(SegmentationModel::new(&UNet3dConfig::small(), &["a"], 1, Device::Cpu).is_err());
    }

    #[test]
    fn short_training_learns_the_synthetic_tumour() {
        let _l = crate::torch::test_lock();
        let cases = synthetic_brats(6, &SynthBrainConfig { shape: [32, 32, 24], ..Default::default() }).unwrap();
        let mut m = SegmentationModel::new(
            &UNet3dConfig { depth: 2, base_filters: 8, ..UNet3dConfig::small() },
            &crate::imaging::BRATS_CLASSES,
            3,
            Device::Cpu,
        )
        .unwrap();
        let dir = std::env::temp_dir().join(format!("ai4med-unet-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let ck = dir.join("best.safetensors");
        let cfg = SegTrainConfig {
            patch: [16, 16, 16],
            batch_size: 4,
            steps_per_epoch: 10,
            epochs: 4,
            valid_patches: 8,
            background_threshold: 0.95,
            checkpoint: Some(ck.clone()),
            verbose: false,
            ..Default::default()
        };
        let h = m.fit(&cases[..5], &cases[5..], &cfg).unwrap();
        assert_eq!(h.epochs.len(), 4);
        let first = h.epochs[0].valid_loss;
        let best = h.epochs[h.best_epoch - 1].valid_loss;
        assert!(best < first || h.best_epoch == 1);
        assert!(h.epochs.last().unwrap().train_loss < h.epochs[0].train_loss, "{:?}", h.epochs);
        let p = m.predict_volume(&cases[5].image.view(), [16, 16, 16], Tiling::Grid).unwrap();
        let mut m2 = SegmentationModel::new(
            &UNet3dConfig { depth: 2, base_filters: 8, ..UNet3dConfig::small() },
            &crate::imaging::BRATS_CLASSES,
            99,
            Device::Cpu,
        )
        .unwrap();
        m2.load(&ck).unwrap();
        let p2 = m2.predict_volume(&cases[5].image.view(), [16, 16, 16], Tiling::Grid).unwrap();
        assert!(p.iter().zip(p2.iter()).all(|(a, b)| (a - b).abs() < 1e-5));
        std::fs::remove_dir_all(&dir).ok();
    }
}
