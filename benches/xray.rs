//! Chest X-ray network benchmark (`cargo bench --features torch --bench xray`);
//! `benches/xray_vs_python.sh` runs it next to the same network in PyTorch (Python) on the
//! same libtorch (torch 2.4.0 from the project's venv).
//!
//! DenseNet-121 with a 14-finding head: inference (evaluation mode, no gradients) and one
//! training step (forward, class-weighted BCE from logits, backward, Adam) on a batch of 4
//! random images at 224² and 320², and the small DenseNet of the assignment (batch 32 at
//! 96²), and Grad-CAM of one 224² image at the last dense block. Peak resident memory
//! (VmHWM) is printed after each size.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

#[path = "common.rs"]
mod common;
use common::best_of;

use ai4med::nn::{DenseNet, DenseNetConfig, weighted_bce_with_logits};
use tch::nn::{self, ModuleT, OptimizerConfig};
use tch::{Device, Kind, Tensor};

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok()))
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn bench(name: &str, cfg: &DenseNetConfig, batch: i64, size: i64, reps: usize) {
    tch::manual_seed(0);
    let vs = nn::VarStore::new(Device::Cpu);
    let net = DenseNet::new(&vs.root(), cfg).unwrap();
    let x = Tensor::randn([batch, 3, size, size], (Kind::Float, Device::Cpu));
    let y = Tensor::rand([batch, cfg.num_classes], (Kind::Float, Device::Cpu)).gt(0.8).to_kind(Kind::Float);
    let wp = Tensor::full([cfg.num_classes], 0.8, (Kind::Float, Device::Cpu));
    let wn = Tensor::full([cfg.num_classes], 0.2, (Kind::Float, Device::Cpu));
    let infer = || {
        let _g = tch::no_grad_guard();
        net.forward_t(&x, false)
    };
    let _ = infer();
    println!("{name} inference batch {batch} at {size}: {:.4} s", best_of(reps, infer));
    let mut opt = nn::Adam::default().build(&vs, 1e-3).unwrap();
    let mut step = || {
        let loss = weighted_bce_with_logits(&net.forward_t(&x, true), &y, &wp, &wn);
        opt.backward_step(&loss);
        loss
    };
    let _ = step();
    println!("{name} training step batch {batch} at {size}: {:.4} s", best_of(reps, &mut step));
    println!("{name} peak resident memory after {size}: {:.0} MB", peak_rss_mb());
}

/// Grad-CAM of one 224² image for one class at the last dense block of DenseNet-121
/// (forward to the logits keeping the block's output, backward of one logit to it,
/// channel weights, weighted sum, ReLU, bilinear resize, normalisation).
fn bench_grad_cam() {
    tch::manual_seed(0);
    let vs = nn::VarStore::new(Device::Cpu);
    let net = DenseNet::new(&vs.root(), &DenseNetConfig::densenet121(14)).unwrap();
    let x = Tensor::randn([1, 3, 224, 224], (Kind::Float, Device::Cpu));
    let run = || {
        let (act, logits) = net.forward_at(&x, "features.denseblock4", false).unwrap();
        ai4med::interpret::grad_cam(&act, &logits.get(0).get(3), &[224, 224]).unwrap()
    };
    let _ = run();
    println!("densenet121 grad-cam one image at 224: {:.4} s", best_of(5, run));
}

fn main() {
    println!("libtorch threads: {}", tch::get_num_threads());
    bench_grad_cam();
    bench("small densenet", &DenseNetConfig::small(14), 32, 96, 5);
    bench("densenet121", &DenseNetConfig::densenet121(14), 4, 224, 3);
    bench("densenet121", &DenseNetConfig::densenet121(14), 4, 320, 3);
}
