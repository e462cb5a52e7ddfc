//! DenseNet (Huang et al., 2017) in tch with torchvision's layout and parameter names.

use crate::{Error, Result};
use tch::Tensor;
use tch::nn::{self, ModuleT};

/// Shape of a DenseNet.
///
/// Parameter names follow torchvision's `densenet121` (`features.conv0.weight`,
/// `features.denseblock1.denselayer1.norm1.running_mean`, …, `classifier.weight`), so a
/// torchvision state dict saved as safetensors loads into [`DenseNetConfig::densenet121`]
/// unchanged.
#[derive(Clone, Debug, PartialEq)]
pub struct DenseNetConfig {
    /// Channels of the stem convolution (`num_init_features`, 64 in DenseNet-121).
    pub init_features: i64,
    /// Channels each dense layer adds (`growth_rate`, 32).
    pub growth: i64,
    /// Bottleneck width factor (`bn_size`, 4): the 1×1 convolution has `bn_size·growth` outputs.
    pub bn_size: i64,
    /// Dense layers per block (`[6, 12, 24, 16]`).
    pub blocks: Vec<i64>,
    /// Input channels (3: grey radiographs are repeated into three channels).
    pub in_channels: i64,
    /// Outputs of the linear head; 0 for the feature extractor alone.
    pub num_classes: i64,
}

impl DenseNetConfig {
    /// DenseNet-121 (the course's network): 64 stem channels, growth 32, blocks 6-12-24-16.
    pub fn densenet121(num_classes: i64) -> Self {
        DenseNetConfig { init_features: 64, growth: 32, bn_size: 4, blocks: vec![6, 12, 24, 16], in_channels: 3, num_classes }
    }

    /// A small DenseNet for CPU training on 64–128 px images: 24 stem channels, growth
    /// 12, three blocks of 4 layers (≈ 0.11 M parameters, 1/65 of DenseNet-121).
    pub fn small(num_classes: i64) -> Self {
        DenseNetConfig { init_features: 24, growth: 12, bn_size: 4, blocks: vec![4, 4, 4], in_channels: 3, num_classes }
    }

    /// Channels of the final feature map.
    pub fn feature_channels(&self) -> i64 {
        let mut c = self.init_features;
        for (i, &n) in self.blocks.iter().enumerate() {
            c += n * self.growth;
            if i + 1 < self.blocks.len() {
                c /= 2;
            }
        }
        c
    }

    fn check(&self) -> Result<()> {
        if self.init_features < 1
            || self.growth < 1
            || self.bn_size < 1
            || self.in_channels < 1
            || self.num_classes < 0
            || self.blocks.is_empty()
            || self.blocks.iter().any(|&b| b < 1)
        {
            return Err(Error::invalid_arg(
                "DenseNetConfig",
                format!("all sizes must be positive and there must be at least one block: {self:?}"),
            ));
        }
        Ok(())
    }
}

fn conv(p: nn::Path, c_in: i64, c_out: i64, k: i64, padding: i64, stride: i64) -> nn::Conv2D {
    nn::conv2d(p, c_in, c_out, k, nn::ConvConfig { stride, padding, bias: false, ..Default::default() })
}

#[derive(Debug)]
struct DenseLayer {
    norm1: nn::BatchNorm,
    conv1: nn::Conv2D,
    norm2: nn::BatchNorm,
    conv2: nn::Conv2D,
}

#[derive(Debug)]
struct Transition {
    norm: nn::BatchNorm,
    conv: nn::Conv2D,
}

/// A DenseNet whose forward pass can stop at (and hand back) any named layer, for Grad-CAM.
///
/// Layers, in order: `features.pool0` (stem convolution, batch norm, ReLU, max-pool),
/// `features.denseblockK` (output of block K, the concatenation of all its layers —
/// Keras' `convK_blockN_concat`), `features.transitionK`, `features.norm5` (final batch
/// norm and ReLU), then global average pooling and the linear `classifier` (logits).
#[derive(Debug)]
pub struct DenseNet {
    config: DenseNetConfig,
    conv0: nn::Conv2D,
    norm0: nn::BatchNorm,
    blocks: Vec<Vec<DenseLayer>>,
    transitions: Vec<Transition>,
    norm5: nn::BatchNorm,
    classifier: Option<nn::Linear>,
}

impl DenseNet {
    /// Creates the variables under `p` (`p / "features" / …`, `p / "classifier"`).
    pub fn new(p: &nn::Path, config: &DenseNetConfig) -> Result<DenseNet> {
        config.check()?;
        let f = p / "features";
        let bn = |q: nn::Path, c: i64| nn::batch_norm2d(q, c, Default::default());
        let conv0 = conv(&f / "conv0", config.in_channels, config.init_features, 7, 3, 2);
        let norm0 = bn(&f / "norm0", config.init_features);
        let mut c = config.init_features;
        let mut blocks = Vec::new();
        let mut transitions = Vec::new();
        for (i, &n) in config.blocks.iter().enumerate() {
            let bp = &f / format!("denseblock{}", i + 1);
            let inter = config.bn_size * config.growth;
            let layers = (0..n)
                .map(|j| {
                    let lp = &bp / format!("denselayer{}", j + 1);
                    let cin = c + j * config.growth;
                    DenseLayer {
                        norm1: bn(&lp / "norm1", cin),
                        conv1: conv(&lp / "conv1", cin, inter, 1, 0, 1),
                        norm2: bn(&lp / "norm2", inter),
                        conv2: conv(&lp / "conv2", inter, config.growth, 3, 1, 1),
                    }
                })
                .collect();
            blocks.push(layers);
            c += n * config.growth;
            if i + 1 < config.blocks.len() {
                let tp = &f / format!("transition{}", i + 1);
                transitions.push(Transition { norm: bn(&tp / "norm", c), conv: conv(&tp / "conv", c, c / 2, 1, 0, 1) });
                c /= 2;
            }
        }
        let norm5 = bn(&f / "norm5", c);
        let classifier = (config.num_classes > 0).then(|| nn::linear(p / "classifier", c, config.num_classes, Default::default()));
        Ok(DenseNet { config: config.clone(), conv0, norm0, blocks, transitions, norm5, classifier })
    }

    /// The configuration.
    pub fn config(&self) -> &DenseNetConfig {
        &self.config
    }

    /// Names of the layers [`DenseNet::forward_at`] can stop at.
    pub fn layer_names(&self) -> Vec<String> {
        let mut v = vec!["features.pool0".to_string()];
        for i in 0..self.blocks.len() {
            v.push(format!("features.denseblock{}", i + 1));
            if i < self.transitions.len() {
                v.push(format!("features.transition{}", i + 1));
            }
        }
        v.push("features.norm5".into());
        v
    }

    /// Runs the network and returns (activation of `layer`, logits). The activation is
    /// the tensor the named layer outputs, still part of the autograd graph, so
    /// gradients of any logit with respect to it can be taken (Grad-CAM). An unknown
    /// name is an error listing the valid ones; a model without a classifier head
    /// returns the pooled features in place of logits.
    pub fn forward_at(&self, xs: &Tensor, layer: &str, train: bool) -> Result<(Tensor, Tensor)> {
        let names = self.layer_names();
        if !names.iter().any(|n| n == layer) {
            return Err(Error::invalid_arg("layer", format!("no layer '{layer}'; the layers are {}", names.join(", "))));
        }
        let mut keep = None;
        let out = self.run(xs, train, &mut |name, t| {
            if name == layer {
                keep = Some(t.shallow_clone());
            }
        })?;
        let act = keep.ok_or_else(|| Error::invalid_arg("layer", format!("layer '{layer}' was not reached")))?;
        Ok((act, out))
    }

    /// Pooled features (after `norm5`, ReLU and global average pooling), shape `[N, C]`.
    pub fn features(&self, xs: &Tensor, train: bool) -> Result<Tensor> {
        let mut pooled = None;
        let _logits = self.run(xs, train, &mut |name, t| {
            if name == "pooled" {
                pooled = Some(t.shallow_clone());
            }
        })?;
        pooled.ok_or_else(|| Error::invalid_arg("model", "no pooled features"))
    }

    fn run(&self, xs: &Tensor, train: bool, tap: &mut dyn FnMut(&str, &Tensor)) -> Result<Tensor> {
        if xs.dim() != 4 || xs.size()[1] != self.config.in_channels {
            return Err(Error::ShapeMismatch {
                what: "DenseNet input".into(),
                expected: format!("[N, {}, H, W]", self.config.in_channels),
                got: xs.size().iter().map(|&d| d as usize).collect(),
            });
        }
        let mut x = xs.apply(&self.conv0).apply_t(&self.norm0, train).relu().f_max_pool2d([3, 3], [2, 2], [1, 1], [1, 1], false)?;
        tap("features.pool0", &x);
        for (i, block) in self.blocks.iter().enumerate() {
            for l in block {
                let y = x.apply_t(&l.norm1, train).relu().apply(&l.conv1).apply_t(&l.norm2, train).relu().apply(&l.conv2);
                x = Tensor::f_cat(&[&x, &y], 1)?;
            }
            tap(&format!("features.denseblock{}", i + 1), &x);
            if let Some(t) = self.transitions.get(i) {
                x = x.apply_t(&t.norm, train).relu().apply(&t.conv).f_avg_pool2d([2, 2], [2, 2], [0, 0], false, true, None::<i64>)?;
                tap(&format!("features.transition{}", i + 1), &x);
            }
        }
        let x = x.apply_t(&self.norm5, train).relu();
        tap("features.norm5", &x);
        let pooled = x.f_adaptive_avg_pool2d([1, 1])?.flatten(1, -1);
        tap("pooled", &pooled);
        Ok(match &self.classifier {
            Some(c) => pooled.apply(c),
            None => pooled,
        })
    }
}

impl ModuleT for DenseNet {
    /// Logits `[N, num_classes]` (pooled features when there is no head). Panics on a
    /// wrong input shape, as tch modules do; [`DenseNet::forward_at`] returns errors instead.
    // tch's ModuleT::forward_t returns a Tensor, not a Result: the trait leaves no other
    // way to report a wrong shape (tch's own modules panic inside libtorch the same way).
    #[allow(clippy::expect_used)]
    fn forward_t(&self, xs: &Tensor, train: bool) -> Tensor {
        self.run(xs, train, &mut |_, _| {}).expect("DenseNet input must be [N, C, H, W]")
    }
}

/// Numbers of values in a variable store: (all, trainable). "All" includes batch-norm
/// running means and variances, as Keras' "Total params" does; "trainable" excludes
/// them (Keras' "Trainable params"). PyTorch's `sum(p.numel() for p in
/// model.parameters())` equals the trainable count, its buffers make up the difference
/// (torchvision also keeps a `num_batches_tracked` counter per batch norm, which tch does not).
///
/// DenseNet-121 without a head: 7,037,504 values, 6,953,856 trainable (tested).
pub fn parameter_count(vs: &nn::VarStore) -> (i64, i64) {
    let all: i64 = vs.variables().values().map(|t| t.numel() as i64).sum();
    let trainable: i64 = vs.trainable_variables().iter().map(|t| t.numel() as i64).sum();
    (all, trainable)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Device, Kind};

    #[test]
    fn densenet121_parameter_counts_and_names() {
        let _lock = crate::torch::test_lock();
        let vs = nn::VarStore::new(Device::Cpu);
        let _net = DenseNet::new(&vs.root(), &DenseNetConfig::densenet121(0)).unwrap();
        assert_eq!(parameter_count(&vs), (7_037_504, 6_953_856));
        let vars = vs.variables();
        for name in [
            "features.conv0.weight",
            "features.denseblock4.denselayer16.conv2.weight",
            "features.transition3.norm.running_var",
            "features.norm5.bias",
        ] {
            assert!(vars.contains_key(name), "{name}");
        }
        assert_eq!(DenseNetConfig::densenet121(14).feature_channels(), 1024);
    }

    #[test]
    fn small_net_forward_shapes_and_layer_errors() {
        let _lock = crate::torch::test_lock();
        let vs = nn::VarStore::new(Device::Cpu);
        let net = DenseNet::new(&vs.root(), &DenseNetConfig::small(5)).unwrap();
        let x = Tensor::randn([2, 3, 64, 64], (Kind::Float, Device::Cpu));
        assert_eq!(net.forward_t(&x, false).size(), vec![2, 5]);
        let (a, y) = net.forward_at(&x, "features.denseblock3", false).unwrap();
        assert_eq!(a.size(), vec![2, net.config().feature_channels(), 4, 4]);
        assert_eq!(y.size(), vec![2, 5]);
        let e = net.forward_at(&x, "conv5_block16_concat", false).unwrap_err().to_string();
        assert!(e.contains("features.denseblock3"), "{e}");
        let bad = Tensor::zeros([2, 1, 64, 64], (Kind::Float, Device::Cpu));
        assert!(net.forward_at(&bad, "features.norm5", false).is_err());
    }
}
