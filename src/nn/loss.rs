//! Losses on tensors, for training: the course's weighted binary cross-entropy (chest
//! X-ray classifier) and soft Dice loss (3-D U-Net). Their values on plain arrays, for
//! checking by hand, are [`crate::xray::weighted_loss`] and
//! [`crate::metrics::segmentation::soft_dice_loss`].

use tch::{Kind, Tensor};

/// The course's weighted loss on tensors of probabilities: `Σₖ −meanᵢ[w_pos[k]·y·ln(p + ε) +
/// w_neg[k]·(1 − y)·ln(1 − p + ε)]` ([`crate::xray::weighted_loss`] on arrays).
pub fn weighted_bce_loss(probs: &Tensor, y: &Tensor, w_pos: &Tensor, w_neg: &Tensor, epsilon: f64) -> Tensor {
    let pos: Tensor = w_pos * y * (probs + epsilon).log();
    let one_minus: Tensor = 1.0 - probs;
    let neg: Tensor = w_neg * (1.0 - y) * (one_minus + epsilon).log();
    -(pos + neg).mean_dim(0, false, Kind::Float).sum(Kind::Float)
}

/// The same loss from logits without ε, computed stably through `log σ(z)` and
/// `log σ(−z) = log(1 − σ(z))`: what training uses.
pub fn weighted_bce_with_logits(logits: &Tensor, y: &Tensor, w_pos: &Tensor, w_neg: &Tensor) -> Tensor {
    let pos: Tensor = w_pos * y * logits.log_sigmoid();
    let neg: Tensor = w_neg * (1.0 - y) * (-logits).log_sigmoid();
    -(pos + neg).mean_dim(0, false, Kind::Float).sum(Kind::Float)
}

/// The course's soft Dice loss on tensors, `[N, C, x, y, z]` probabilities against 0/1
/// targets: `1 − mean_c (2·Σ p·q + ε) / (Σ p² + Σ q² + ε)`, the sums running over the batch
/// and the spatial axes of each class (a "batch Dice": a patch without some class does
/// not get a per-patch ratio of ε/ε). Same value as [`crate::metrics::segmentation::soft_dice_loss`] on one
/// patch.
pub fn soft_dice_loss_tensor(pred: &Tensor, target: &Tensor, epsilon: f64) -> Tensor {
    let dims: Vec<i64> = std::iter::once(0).chain(2..pred.dim() as i64).collect();
    let num = (pred * target).sum_dim_intlist(dims.as_slice(), false, Kind::Float) * 2.0 + epsilon;
    let den = (pred * pred).sum_dim_intlist(dims.as_slice(), false, Kind::Float)
        + (target * target).sum_dim_intlist(dims.as_slice(), false, Kind::Float)
        + epsilon;
    (num / den).mean(Kind::Float).neg() + 1.0
}
