//! Multi-label X-ray classifier: tensors, weighted loss, training, prediction, Grad-CAM.

use super::densenet::{DenseNet, DenseNetConfig, parameter_count};
use super::loss::{weighted_bce_loss, weighted_bce_with_logits};
use crate::display::{Colormap, Image, Table};
use crate::plot::{Figure, Grid};
use crate::torch::fit_cache::{self, CachedFit, FitKey};
use crate::xray::{Augment, LabelTable, Missing, Standardization, augment_rng, load_images};
use crate::{Error, Result};
use ndarray::{Array2, ArrayView2};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use std::io::Write;
use std::path::Path;
use tch::nn::{self, ModuleT, OptimizerConfig};
use tch::{Device, Kind, Tensor};

/// Stacks grey images (all the same size) into a `[N, 3, H, W]` float tensor, each
/// standardized by `std` and repeated into three channels.
pub fn images_to_tensor(images: &[&Array2<f32>], std: &Standardization, device: Device) -> Result<Tensor> {
    let first = images.first().ok_or_else(|| Error::Empty { what: "images".into() })?;
    let (h, w) = first.dim();
    let mut data = Vec::with_capacity(images.len() * h * w);
    for (i, img) in images.iter().enumerate() {
        if img.dim() != (h, w) {
            return Err(Error::ShapeMismatch {
                what: format!("image {i}"),
                expected: format!("({h}, {w}) like image 0"),
                got: img.shape().to_vec(),
            });
        }
        let s = std.apply(&img.view());
        if let Some(bad) = s.iter().position(|v| !v.is_finite()) {
            return Err(Error::InvalidValue {
                what: format!("image {i}"),
                value: s.iter().nth(bad).map(|v| v.to_string()).unwrap_or_default(),
                index: bad,
                reason: "pixels must be finite".into(),
            });
        }
        data.extend(s.iter().copied());
    }
    let t = Tensor::f_from_slice(&data)?.f_reshape([images.len() as i64, 1, h as i64, w as i64])?;
    Ok(t.f_expand([images.len() as i64, 3, h as i64, w as i64], false)?.contiguous().to_device(device))
}

/// Training settings.
#[derive(Clone, Debug)]
pub struct TrainConfig {
    /// Passes over the training images.
    pub epochs: usize,
    /// Images per step.
    pub batch_size: usize,
    /// Adam learning rate.
    pub learning_rate: f64,
    /// Stop when the mean validation AUC has not improved for this many epochs (0: never).
    pub patience: usize,
    /// Augmentation of training images (none when `None`).
    pub augment: Option<Augment>,
    /// Class weights: `true` uses the course's weights (w_pos = frequency of negatives,
    /// w_neg = frequency of positives, from the training labels); `false` plain BCE.
    pub class_weights: bool,
    /// Seed of shuffling and augmentation.
    pub seed: u64,
    /// Also write the best weights here (safetensors) whenever they improve.
    pub checkpoint: Option<std::path::PathBuf>,
    /// Print one line per epoch.
    pub verbose: bool,
}

impl Default for TrainConfig {
    /// 10 epochs, batch 32, Adam 1e-3, patience 3, default augmentation, class weights, seed 0.
    fn default() -> Self {
        TrainConfig {
            epochs: 10,
            batch_size: 32,
            learning_rate: 1e-3,
            patience: 3,
            augment: Some(Augment::default()),
            class_weights: true,
            seed: 0,
            checkpoint: None,
            verbose: true,
        }
    }
}

/// Statistics of one epoch.
#[derive(Clone, Debug)]
pub struct EpochStats {
    /// Epoch number (1-based).
    pub epoch: usize,
    /// Mean training loss over the epoch's steps.
    pub train_loss: f64,
    /// Validation loss (same weights as training).
    pub valid_loss: f64,
    /// Validation AUC per class (NaN where a class has only one label value).
    pub valid_auc: Vec<f64>,
    /// Wall-clock seconds.
    pub seconds: f64,
}

impl EpochStats {
    /// Mean of the defined per-class AUCs.
    pub fn mean_auc(&self) -> f64 {
        let v: Vec<f64> = self.valid_auc.iter().copied().filter(|a| a.is_finite()).collect();
        if v.is_empty() { f64::NAN } else { v.iter().sum::<f64>() / v.len() as f64 }
    }
}

/// What [`XrayClassifier::fit`] did, epoch by epoch.
#[derive(Clone, Debug)]
pub struct History {
    /// Class names.
    pub classes: Vec<String>,
    /// One entry per epoch run.
    pub epochs: Vec<EpochStats>,
    /// Epoch whose weights were kept (best mean validation AUC).
    pub best_epoch: usize,
}

impl History {
    /// The history as a cache record (numbers bit for bit).
    fn to_record(&self) -> serde_json::Value {
        let e = &self.epochs;
        serde_json::json!({
            "best_epoch": self.best_epoch,
            "epoch": e.iter().map(|x| x.epoch).collect::<Vec<_>>(),
            "train_loss": fit_cache::bits(&e.iter().map(|x| x.train_loss).collect::<Vec<_>>()),
            "valid_loss": fit_cache::bits(&e.iter().map(|x| x.valid_loss).collect::<Vec<_>>()),
            "valid_auc": e.iter().map(|x| fit_cache::bits(&x.valid_auc)).collect::<Vec<_>>(),
            "seconds": fit_cache::bits(&e.iter().map(|x| x.seconds).collect::<Vec<_>>()),
        })
    }

    /// The inverse of [`History::to_record`].
    fn from_record(r: &serde_json::Value, classes: &[String]) -> Option<History> {
        let epoch: Vec<usize> = r["epoch"].as_array()?.iter().map(|v| v.as_u64().map(|x| x as usize)).collect::<Option<_>>()?;
        let (tl, vl, s) =
            (fit_cache::from_bits(&r["train_loss"])?, fit_cache::from_bits(&r["valid_loss"])?, fit_cache::from_bits(&r["seconds"])?);
        let auc: Vec<Vec<f64>> = r["valid_auc"].as_array()?.iter().map(fit_cache::from_bits).collect::<Option<_>>()?;
        if [tl.len(), vl.len(), s.len(), auc.len()].iter().any(|&n| n != epoch.len()) || auc.iter().any(|a| a.len() != classes.len()) {
            return None;
        }
        let epochs = (0..epoch.len())
            .map(|i| EpochStats { epoch: epoch[i], train_loss: tl[i], valid_loss: vl[i], valid_auc: auc[i].clone(), seconds: s[i] })
            .collect();
        Some(History { classes: classes.to_vec(), epochs, best_epoch: r["best_epoch"].as_u64()? as usize })
    }

    /// Two panels side by side: the training and validation loss per epoch, and the mean
    /// validation AUC per epoch with the kept (best) epoch marked. Loss and AUC have
    /// different scales, so each gets its own labelled axis.
    pub fn figure(&self) -> Grid {
        let x: Vec<f64> = self.epochs.iter().map(|e| e.epoch as f64).collect();
        let auc: Vec<f64> = self.epochs.iter().map(|e| e.mean_auc()).collect();
        let loss = Figure::new()
            .title("Loss")
            .x_label("epoch")
            .y_label("weighted cross-entropy loss")
            .line(&x, &self.epochs.iter().map(|e| e.train_loss).collect::<Vec<_>>(), "training")
            .line(&x, &self.epochs.iter().map(|e| e.valid_loss).collect::<Vec<_>>(), "validation");
        let mut score = Figure::new().title("Mean validation AUC").x_label("epoch").y_label("AUC").line(&x, &auc, "");
        if let Some(k) = self.epochs.iter().position(|e| e.epoch == self.best_epoch) {
            score = score.point(x[k], auc[k], "kept");
        }
        Grid::new(vec![loss, score], 2).cell_size(470, 340)
    }

    /// Epoch, losses, mean AUC and seconds.
    pub fn table(&self) -> Table {
        let mut t = Table::new(["epoch", "training loss", "validation loss", "mean validation AUC", "seconds"]).max_rows(usize::MAX);
        for e in &self.epochs {
            t.push_row([
                format!("{}{}", e.epoch, if e.epoch == self.best_epoch { " (kept)" } else { "" }),
                format!("{:.4}", e.train_loss),
                format!("{:.4}", e.valid_loss),
                format!("{:.4}", e.mean_auc()),
                format!("{:.1}", e.seconds),
            ]);
        }
        t
    }
}

/// A DenseNet with a sigmoid head for multi-label findings, with its pre-processing.
#[derive(Debug)]
pub struct XrayClassifier {
    vs: nn::VarStore,
    net: DenseNet,
    /// Finding names (one output each).
    pub classes: Vec<String>,
    /// Images are resized to `size × size` before use.
    pub size: usize,
    /// Standardization applied to every image.
    pub standardization: Standardization,
}

impl XrayClassifier {
    /// A new network (weights drawn with libtorch's generator seeded by `seed`) with one
    /// output per class; `config.num_classes` is set to `classes.len()`.
    pub fn new<S: AsRef<str>>(
        config: &DenseNetConfig,
        classes: &[S],
        size: usize,
        standardization: Standardization,
        seed: u64,
        device: Device,
    ) -> Result<XrayClassifier> {
        if classes.is_empty() {
            return Err(Error::Empty { what: "classes".into() });
        }
        if size < 16 {
            return Err(Error::invalid_arg("size", format!("images must be at least 16 pixels, got {size}")));
        }
        tch::manual_seed(seed as i64);
        let vs = nn::VarStore::new(device);
        let cfg = DenseNetConfig { num_classes: classes.len() as i64, ..config.clone() };
        let net = DenseNet::new(&vs.root(), &cfg)?;
        Ok(XrayClassifier { vs, net, classes: classes.iter().map(|s| s.as_ref().to_string()).collect(), size, standardization })
    }

    /// The network.
    pub fn net(&self) -> &DenseNet {
        &self.net
    }

    /// The variable store (weights and batch-norm statistics).
    pub fn var_store(&self) -> &nn::VarStore {
        &self.vs
    }

    /// (all values, trainable values), see [`parameter_count`].
    pub fn parameter_count(&self) -> (i64, i64) {
        parameter_count(&self.vs)
    }

    fn prepare<'a>(&self, images: &'a [Array2<f32>]) -> Result<std::borrow::Cow<'a, [Array2<f32>]>> {
        if images.iter().all(|i| i.dim() == (self.size, self.size)) {
            return Ok(std::borrow::Cow::Borrowed(images));
        }
        Ok(std::borrow::Cow::Owned(images.iter().map(|i| self.sized(i)).collect::<Result<Vec<_>>>()?))
    }

    /// The image at the model's size (resized when it is not).
    fn sized(&self, image: &Array2<f32>) -> Result<Array2<f32>> {
        if image.dim() == (self.size, self.size) { Ok(image.clone()) } else { crate::xray::resize(&image.view(), self.size, self.size) }
    }

    /// One image through the network up to `layer`: (the sized image, the layer's
    /// activation, the class logit, its probability), for Grad-CAM.
    fn forward_one(&self, image: &Array2<f32>, class: usize, layer: &str) -> Result<(Array2<f32>, Tensor, Tensor, f64)> {
        if class >= self.classes.len() {
            return Err(Error::invalid_arg("class", format!("index {class} but the model has {} classes", self.classes.len())));
        }
        let img = self.sized(image)?;
        let x = images_to_tensor(&[&img], &self.standardization, self.vs.device())?;
        let (act, logits) = self.net.forward_at(&x, layer, false)?;
        let logit = logits.get(0).get(class as i64);
        let probability = logit.sigmoid().double_value(&[]);
        Ok((img, act, logit, probability))
    }

    /// Trains with Adam on the (optionally class-weighted) binary cross-entropy,
    /// shuffling with `config.seed`, evaluating loss and per-class AUC on the validation
    /// images after every epoch, stopping early after `patience` epochs without a better
    /// mean AUC, and keeping the weights of the best epoch (also written to
    /// `config.checkpoint`). With `AI4MED_MODEL_CACHE` set, a fit that already ran with the
    /// same data, settings and initial weights is loaded instead of repeated
    /// ([`crate::torch::fit_cache`]).
    pub fn fit(
        &mut self,
        train: (&[Array2<f32>], &ArrayView2<f64>),
        valid: (&[Array2<f32>], &ArrayView2<f64>),
        config: &TrainConfig,
    ) -> Result<History> {
        let k = self.classes.len();
        for (what, (imgs, y)) in [("training", train), ("validation", valid)] {
            if imgs.is_empty() {
                return Err(Error::Empty { what: format!("{what} images") });
            }
            if y.dim() != (imgs.len(), k) {
                return Err(Error::ShapeMismatch {
                    what: format!("{what} labels"),
                    expected: format!("({}, {k})", imgs.len()),
                    got: y.shape().to_vec(),
                });
            }
            crate::xray::check_binary(y, &format!("{what} labels"))?;
        }
        if config.epochs == 0 || config.batch_size == 0 {
            return Err(Error::invalid_arg("config", "epochs and batch_size must be at least 1"));
        }
        let cache = CachedFit::open(|| self.fit_key(train, valid, config));
        if let Some(hit) = cache.as_ref().and_then(|c| c.load(&mut self.vs, |r| History::from_record(r, &self.classes))) {
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
    fn fit_key(
        &self,
        train: (&[Array2<f32>], &ArrayView2<f64>),
        valid: (&[Array2<f32>], &ArrayView2<f64>),
        config: &TrainConfig,
    ) -> Result<FitKey> {
        let mut key = FitKey::new("XrayClassifier::fit", self.vs.device());
        key.text(&format!("{:?} {:?} {} {:?}", self.net.config(), self.classes, self.size, self.standardization));
        key.var_store(&self.vs)?;
        for (imgs, y) in [train, valid] {
            key.arrays(imgs.iter()).f64s(y.iter().copied());
        }
        key.text(&format!("{:?}", TrainConfig { checkpoint: None, verbose: false, ..config.clone() }));
        Ok(key)
    }

    fn train_epochs(
        &mut self,
        train: (&[Array2<f32>], &ArrayView2<f64>),
        valid: (&[Array2<f32>], &ArrayView2<f64>),
        config: &TrainConfig,
        lines: &mut Vec<String>,
    ) -> Result<History> {
        let k = self.classes.len();
        let mut say = |line: String| {
            if config.verbose {
                println!("{line}");
                let _ = std::io::stdout().flush();
            }
            lines.push(line);
        };
        let device = self.vs.device();
        let train_imgs = self.prepare(train.0)?;
        let valid_imgs = self.prepare(valid.0)?;
        let (w_pos, w_neg) = if config.class_weights {
            let f = crate::xray::class_frequencies(train.1)?;
            (f.1.to_vec(), f.0.to_vec())
        } else {
            (vec![1.0; k], vec![1.0; k])
        };
        let w_pos = Tensor::from_slice(&w_pos.iter().map(|&x| x as f32).collect::<Vec<_>>()).to_device(device);
        let w_neg = Tensor::from_slice(&w_neg.iter().map(|&x| x as f32).collect::<Vec<_>>()).to_device(device);
        let labels = |y: &ArrayView2<f64>, idx: &[usize]| -> Result<Tensor> {
            let v: Vec<f32> = idx.iter().flat_map(|&i| y.row(i).iter().map(|&x| x as f32).collect::<Vec<_>>()).collect();
            Ok(Tensor::f_from_slice(&v)?.f_reshape([idx.len() as i64, k as i64])?.to_device(device))
        };
        let mut opt = nn::Adam::default().build(&self.vs, config.learning_rate)?;
        let mut best = nn::VarStore::new(device);
        let _ = DenseNet::new(&best.root(), self.net.config())?;
        best.copy(&self.vs)?;
        let mut history = History { classes: self.classes.clone(), epochs: Vec::new(), best_epoch: 0 };
        let mut best_auc = f64::NEG_INFINITY;
        let mut order: Vec<usize> = (0..train_imgs.len()).collect();
        let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
        for epoch in 1..=config.epochs {
            let t0 = std::time::Instant::now();
            order.shuffle(&mut rng);
            let (mut sum, mut steps) = (0.0, 0);
            for chunk in order.chunks(config.batch_size) {
                let batch: Vec<Array2<f32>> = match &config.augment {
                    Some(a) => chunk.iter().map(|&i| a.apply(&train_imgs[i].view(), &mut augment_rng(config.seed, epoch, i))).collect(),
                    None => chunk.iter().map(|&i| train_imgs[i].clone()).collect(),
                };
                let refs: Vec<&Array2<f32>> = batch.iter().collect();
                let x = images_to_tensor(&refs, &self.standardization, device)?;
                let y = labels(train.1, chunk)?;
                let logits = self.net.forward_t(&x, true);
                let loss = weighted_bce_with_logits(&logits, &y, &w_pos, &w_neg);
                opt.backward_step(&loss);
                sum += loss.double_value(&[]);
                steps += 1;
            }
            // Validation.
            let probs = self.predict_prepared(&valid_imgs)?;
            let all: Vec<usize> = (0..valid_imgs.len()).collect();
            let pt = Tensor::from_slice(&probs.iter().map(|&p| p as f32).collect::<Vec<_>>())
                .reshape([valid_imgs.len() as i64, k as i64])
                .to_device(device);
            let valid_loss = weighted_bce_loss(&pt, &labels(valid.1, &all)?, &w_pos, &w_neg, 1e-7).double_value(&[]);
            let valid_auc: Vec<f64> = (0..k)
                .map(|c| {
                    crate::metrics::roc_auc(valid.1.column(c).to_vec().as_slice(), probs.column(c).to_vec().as_slice()).unwrap_or(f64::NAN)
                })
                .collect();
            let stats = EpochStats { epoch, train_loss: sum / steps as f64, valid_loss, valid_auc, seconds: t0.elapsed().as_secs_f64() };
            let mean = stats.mean_auc();
            let improved = mean > best_auc;
            say(format!(
                "epoch {epoch:>3}/{}: training loss {:.4}, validation loss {:.4}, mean AUC {:.4}{} ({:.1} s)",
                config.epochs,
                stats.train_loss,
                valid_loss,
                mean,
                if improved { " *" } else { "" },
                stats.seconds
            ));
            history.epochs.push(stats);
            if improved {
                best_auc = mean;
                history.best_epoch = epoch;
                best.copy(&self.vs)?;
                if let Some(p) = &config.checkpoint {
                    self.save(p)?;
                }
            } else if config.patience > 0 && epoch - history.best_epoch >= config.patience {
                say(format!("early stop: no better mean AUC for {} epochs; keeping epoch {}", config.patience, history.best_epoch));
                break;
            }
        }
        self.vs.copy(&best)?;
        Ok(history)
    }

    fn predict_prepared(&self, images: &[Array2<f32>]) -> Result<Array2<f64>> {
        let k = self.classes.len();
        let mut out = Array2::zeros((images.len(), k));
        let _guard = tch::no_grad_guard();
        for (b, chunk) in images.chunks(64).enumerate() {
            let refs: Vec<&Array2<f32>> = chunk.iter().collect();
            let x = images_to_tensor(&refs, &self.standardization, self.vs.device())?;
            let p = self.net.forward_t(&x, false).sigmoid().to_device(Device::Cpu).to_kind(Kind::Double);
            let v: Vec<f64> = Vec::<f64>::try_from(p.flatten(0, -1))?;
            for (i, row) in v.chunks(k).enumerate() {
                for (c, &x) in row.iter().enumerate() {
                    out[[b * 64 + i, c]] = x;
                }
            }
        }
        Ok(out)
    }

    /// Probabilities `[N, classes]` (sigmoid of the logits, evaluation mode, no gradients);
    /// images of another size are resized first.
    pub fn predict(&self, images: &[Array2<f32>]) -> Result<Array2<f64>> {
        if images.is_empty() {
            return Err(Error::Empty { what: "images".into() });
        }
        let imgs = self.prepare(images)?;
        self.predict_prepared(&imgs)
    }

    /// Loads the images of `table` from `dir` ([`load_images`]) and predicts them:
    /// returns the rows that were read and their probabilities.
    pub fn predict_dir(&self, dir: impl AsRef<Path>, table: &LabelTable, missing: Missing) -> Result<(LabelTable, Array2<f64>)> {
        let set = load_images(dir, table, self.size, self.size, missing)?;
        let p = self.predict(&set.images)?;
        Ok((set.table, p))
    }

    /// Saves the weights (safetensors when the path ends in `.safetensors`, else
    /// libtorch's `.ot` format).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        Ok(self.vs.save(path)?)
    }

    /// Loads weights saved by [`XrayClassifier::save`] (or a torchvision state dict in
    /// safetensors with the same configuration); a missing or mismatching tensor is an error.
    pub fn load(&mut self, path: impl AsRef<Path>) -> Result<()> {
        let p = path.as_ref();
        if !p.exists() {
            return Err(Error::io(p, std::io::Error::new(std::io::ErrorKind::NotFound, "no such weights file")));
        }
        Ok(self.vs.load(p)?)
    }

    /// Grad-CAM of one image for one class at a named layer (`net().layer_names()`; the
    /// course uses the last dense block's output, here `features.denseblockN`): the
    /// activation and the class logit go to [`crate::interpret::grad_cam_2d`] (channel
    /// weights = spatial mean of the gradient, ReLU of the weighted sum, bilinear resize to
    /// the image size, divided by the maximum). An unknown layer is an error listing the
    /// valid names.
    pub fn grad_cam(&self, image: &Array2<f32>, class: usize, layer: &str) -> Result<GradCam> {
        let (img, act, logit, probability) = self.forward_one(image, class, layer)?;
        let heat = crate::interpret::grad_cam_2d(&act, &logit, self.size, self.size)?;
        Ok(GradCam { class: self.classes[class].clone(), probability, heatmap: heat, image: img })
    }
}

impl XrayClassifier {
    /// The inputs of Grad-CAM as arrays: the activations of `layer` for one image
    /// (`C × h × w`), the gradient of the class's logit with respect to them, and the class
    /// probability — what the course's assignment extracts with a Keras `GradientTape` and
    /// what [`crate::interpret::grad_cam_from_arrays`] turns into a map.
    pub fn activation_and_gradient(
        &self,
        image: &Array2<f32>,
        class: usize,
        layer: &str,
    ) -> Result<(ndarray::Array3<f64>, ndarray::Array3<f64>, f64)> {
        let (_, act, logit, probability) = self.forward_one(image, class, layer)?;
        let grads = Tensor::f_run_backward(&[&logit], &[&act], false, false)?;
        let grad = grads.first().ok_or_else(|| Error::invalid_arg("layer", "libtorch returned no gradient"))?;
        Ok((crate::torch::to_array3(&act)?, crate::torch::to_array3(grad)?, probability))
    }

    /// The two tensors the course's Grad-CAM starts from, for the learner to
    /// differentiate: the activations of `layer` for one image (`1 × C × h × w`, still in
    /// the autograd graph) and the logits (`1 × classes`). The gradient of one logit
    /// with respect to the activations is then
    /// `Tensor::run_backward(&[&logits.get(0).get(c)], &[&activations], …)` — what the
    /// course's assignment gets from Keras's `K.gradients`, and what
    /// [`activation_and_gradient`](Self::activation_and_gradient) does in one call.
    /// An unknown layer is an error listing the valid names.
    pub fn activation_and_logits(&self, image: &Array2<f32>, layer: &str) -> Result<(Tensor, Tensor)> {
        let img = self.sized(image)?;
        let x = images_to_tensor(&[&img], &self.standardization, self.vs.device())?;
        self.net.forward_at(&x, layer, false)
    }

    /// Grad-CAM panels for one image: the image, then one overlay for each of the `top`
    /// classes with the highest predicted probability (caption: class and probability),
    /// as inline HTML — the course's multi-label Grad-CAM figure.
    pub fn grad_cam_panel(&self, image: &Array2<f32>, top: usize, layer: &str, cell_px: usize) -> Result<crate::display::Html> {
        let p = self.predict(std::slice::from_ref(image))?;
        let mut order: Vec<usize> = (0..self.classes.len()).collect();
        order.sort_by(|&a, &b| p[[0, b]].total_cmp(&p[[0, a]]));
        let img = self.sized(image)?;
        let mut shown = vec![crate::xray::grey_stretched(&img)?];
        let mut captions = vec!["image".to_string()];
        for &c in order.iter().take(top) {
            let g = self.grad_cam(&img, c, layer)?;
            shown.push(g.overlay(0.6)?);
            captions.push(format!("{} p = {:.3}", self.classes[c], g.probability));
        }
        crate::display::images_html(&shown, &captions, shown.len(), cell_px)
    }
}

/// A Grad-CAM heatmap for one image and one class.
#[derive(Clone, Debug)]
pub struct GradCam {
    /// The class explained.
    pub class: String,
    /// The model's probability for it.
    pub probability: f64,
    /// Heatmap in `[0, 1]`, the image's size.
    pub heatmap: Array2<f64>,
    /// The (resized) input image.
    pub image: Array2<f32>,
}

impl GradCam {
    /// The image in grey with the heatmap in `jet` over it; the overlay's opacity is
    /// `max_alpha × probability` so that a confident prediction shows strongly and a
    /// doubtful one faintly.
    pub fn overlay(&self, max_alpha: f64) -> Result<Image> {
        crate::xray::grey_stretched(&self.image)?.overlay(
            &self.heatmap.view(),
            Colormap::Jet,
            (max_alpha * self.probability).clamp(0.0, 1.0),
        )
    }

    /// Fraction of the heatmap's mass inside a 0/1 mask ("energy-based pointing game").
    pub fn mass_in(&self, mask: &ArrayView2<u8>) -> Result<f64> {
        if mask.dim() != self.heatmap.dim() {
            return Err(Error::ShapeMismatch {
                what: "mask".into(),
                expected: format!("{:?}", self.heatmap.dim()),
                got: mask.shape().to_vec(),
            });
        }
        let total: f64 = self.heatmap.sum();
        if total <= 0.0 {
            return Err(Error::undefined("heatmap mass in mask", "the heatmap is all zeros"));
        }
        Ok(self.heatmap.iter().zip(mask.iter()).filter(|(_, m)| **m == 1).map(|(h, _)| h).sum::<f64>() / total)
    }

    /// Pointing game: true when the heatmap's maximum falls inside the mask.
    pub fn hits(&self, mask: &ArrayView2<u8>) -> Result<bool> {
        if mask.dim() != self.heatmap.dim() {
            return Err(Error::ShapeMismatch {
                what: "mask".into(),
                expected: format!("{:?}", self.heatmap.dim()),
                got: mask.shape().to_vec(),
            });
        }
        let (idx, _) =
            self.heatmap.indexed_iter().fold(((0, 0), f64::NEG_INFINITY), |best, (ix, &v)| if v > best.1 { (ix, v) } else { best });
        Ok(mask[idx] == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn tensor_loss_matches_course_values() {
        let _lock = crate::torch::test_lock();
        let y = Tensor::from_slice(&[1f32, 1., 1., 1., 1., 0., 0., 1., 0., 1., 0., 1.]).reshape([4, 3]);
        let wp = Tensor::from_slice(&[0.25f32, 0.25, 0.5]);
        let wn = Tensor::from_slice(&[0.75f32, 0.75, 0.5]);
        for v in [0.7f32, 0.3] {
            let p = Tensor::full([4, 3], v as f64, (Kind::Float, Device::Cpu));
            let l = weighted_bce_loss(&p, &y, &wp, &wn, 1.0).double_value(&[]);
            assert!((l + 0.4956203).abs() < 1e-6, "{l}");
        }
        // Logit form equals the probability form with ε = 0.
        let z = Tensor::from_slice(&[0.3f32, -1.2, 2.0, 0.1, 0.0, -0.5, 1.5, -2.0, 0.7, 0.2, -0.1, 0.9]).reshape([4, 3]);
        let a = weighted_bce_with_logits(&z, &y, &wp, &wn).double_value(&[]);
        let b = weighted_bce_loss(&z.sigmoid(), &y, &wp, &wn, 0.0).double_value(&[]);
        assert!((a - b).abs() < 1e-5);
        let yy = array![[1., 1., 1.], [1., 1., 0.], [0., 1., 0.], [1., 0., 1.]];
        let zz =
            Array2::from_shape_vec((4, 3), Vec::<f32>::try_from(z.sigmoid().flatten(0, -1)).unwrap().into_iter().map(f64::from).collect())
                .unwrap();
        let c = crate::xray::weighted_loss(&yy.view(), &zz.view(), &[0.25, 0.25, 0.5], &[0.75, 0.75, 0.5], 0.0).unwrap();
        assert!((a - c).abs() < 1e-5);
    }

    #[test]
    fn tiny_training_learns_a_bright_square_and_grad_cam_points_at_it() {
        let _lock = crate::torch::test_lock();
        // Class 0: a bright square somewhere; class 1: image brighter on the left.
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        use rand::Rng;
        let make = |rng: &mut ChaCha8Rng, n: usize| {
            let mut imgs = Vec::new();
            let mut y = Array2::zeros((n, 2));
            let mut masks = Vec::new();
            for i in 0..n {
                let mut img = Array2::from_shape_fn((32, 32), |_| rng.random_range(0.0..0.2f32));
                let mut m = Array2::<u8>::zeros((32, 32));
                if rng.random_bool(0.5) {
                    let (r, c) = (rng.random_range(2..24), rng.random_range(2..24));
                    img.slice_mut(ndarray::s![r..r + 6, c..c + 6]).fill(0.9);
                    m.slice_mut(ndarray::s![r..r + 6, c..c + 6]).fill(1);
                    y[[i, 0]] = 1.0;
                }
                if rng.random_bool(0.5) {
                    img.slice_mut(ndarray::s![.., ..16]).mapv_inplace(|v| v + 0.3);
                    y[[i, 1]] = 1.0;
                }
                imgs.push(img);
                masks.push(m);
            }
            (imgs, y, masks)
        };
        let (ti, ty, _) = make(&mut rng, 160);
        let (vi, vy, vm) = make(&mut rng, 60);
        let cfg = DenseNetConfig { init_features: 8, growth: 8, bn_size: 2, blocks: vec![2, 2], in_channels: 3, num_classes: 2 };
        let mut m = XrayClassifier::new(&cfg, &["square", "left"], 32, Standardization::None, 3, Device::Cpu).unwrap();
        let tc = TrainConfig {
            epochs: 12,
            batch_size: 16,
            learning_rate: 3e-3,
            patience: 0,
            augment: None,
            verbose: false,
            ..Default::default()
        };
        let h = m.fit((&ti, &ty.view()), (&vi, &vy.view()), &tc).unwrap();
        let best = &h.epochs[h.best_epoch - 1];
        assert!(best.valid_auc[0] > 0.9 && best.valid_auc[1] > 0.9, "{:?}", best.valid_auc);
        // Grad-CAM of the square class concentrates on the square: its peak falls inside
        // the 6 × 6 square for at least half of the positives, and the map's mass inside
        // the square is on average at least twice the square's share of the image (36/1024).
        let (mut hits, mut n, mut mass) = (0, 0, 0.0);
        for i in (0..vi.len()).filter(|&i| vy[[i, 0]] == 1.0) {
            let g = m.grad_cam(&vi[i], 0, "features.denseblock1").unwrap();
            n += 1;
            hits += usize::from(g.hits(&vm[i].view()).unwrap());
            mass += g.mass_in(&vm[i].view()).unwrap();
        }
        assert!(hits * 2 >= n && mass / n as f64 >= 2.0 * 36.0 / 1024.0, "{hits}/{n} hits, mean mass {:.3}", mass / n as f64);
        assert!(m.grad_cam(&vi[0], 5, "features.denseblock2").is_err());
        // Save / load round trip gives the same predictions.
        let dir = std::env::temp_dir().join(format!("ai4med-nn-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("w.safetensors");
        m.save(&p).unwrap();
        let mut m2 = XrayClassifier::new(&cfg, &["square", "left"], 32, Standardization::None, 99, Device::Cpu).unwrap();
        m2.load(&p).unwrap();
        assert_eq!(m.predict(&vi[..5]).unwrap(), m2.predict(&vi[..5]).unwrap());
        assert!(m2.load(dir.join("none.safetensors")).is_err());
        let _ = std::fs::remove_dir_all(&dir);
        // Bad input.
        assert!(m.fit((&ti, &vy.view()), (&vi, &vy.view()), &tc).is_err());
    }
}
