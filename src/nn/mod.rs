//! Neural networks on libtorch (feature `torch`): DenseNet, the weighted multi-label
//! loss on tensors, a chest X-ray classifier with training, prediction, checkpoints and
//! Grad-CAM; the 3-D U-Net for brain-tumour segmentation with its patch pipeline.
//!
//! | course | here |
//! |---|---|
//! | DenseNet-121 (Keras `DenseNet121`, ImageNet weights) | [`DenseNet`], [`DenseNetConfig::densenet121`] (torchvision names; no weights are bundled) |
//! | `get_weighted_loss` | [`weighted_bce_loss`] (probabilities + ε), [`weighted_bce_with_logits`] (training) |
//! | `model.fit_generator`, `model.predict_generator` | [`XrayClassifier::fit`], [`XrayClassifier::predict`], [`XrayClassifier::predict_dir`] |
//! | `unet_model_3d` (brain MRI, course 1 week 3) | [`UNet3d`], [`UNet3dConfig::course`], [`unet_parameter_count`] |
//! | `soft_dice_loss` as the Keras loss | [`soft_dice_loss_tensor`] |
//! | `model.fit_generator` on sub-volumes, `predict_and_viz` | [`SegmentationModel::fit`], [`SegmentationModel::predict_volume`] ([`Tiling`]) |
//! | `grad_cam` | [`XrayClassifier::grad_cam`], [`GradCam`] |

mod densenet;
mod loss;
mod train;
mod unet;

pub use densenet::{DenseNet, DenseNetConfig, parameter_count};
pub use loss::{soft_dice_loss_tensor, weighted_bce_loss, weighted_bce_with_logits};
pub use train::{EpochStats, GradCam, History, TrainConfig, XrayClassifier, images_to_tensor};
pub use unet::{
    SegEpoch, SegHistory, SegTrainConfig, SegmentationModel, Tiling, UNet3d, UNet3dConfig, probabilities_to_labels, unet_parameter_count,
};
