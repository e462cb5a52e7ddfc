//! Neural networks on libtorch (feature `torch`): DenseNet, the weighted multi-label
//! loss on tensors, a chest X-ray classifier with training, prediction, checkpoints and
//! Grad-CAM.
//!
//! | course | here |
//! |---|---|
//! | DenseNet-121 (Keras `DenseNet121`, ImageNet weights) | [`DenseNet`], [`DenseNetConfig::densenet121`] (torchvision names; no weights are bundled) |
//! | `get_weighted_loss` | [`weighted_bce_loss`] (probabilities + ε), [`weighted_bce_with_logits`] (training) |
//! | `model.fit_generator`, `model.predict_generator` | [`XrayClassifier::fit`], [`XrayClassifier::predict`], [`XrayClassifier::predict_dir`] |
//! | `grad_cam` | [`XrayClassifier::grad_cam`], [`GradCam`] |

mod densenet;
mod train;

pub use densenet::{DenseNet, DenseNetConfig, parameter_count};
pub use train::{EpochStats, GradCam, History, TrainConfig, XrayClassifier, images_to_tensor, weighted_bce_loss, weighted_bce_with_logits};
