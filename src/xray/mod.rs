//! Chest X-ray classification (course 1, week 1): the ChestX-ray14 label table,
//! class imbalance and weighted loss, patient leakage, radiograph files and
//! pre-processing, and a synthetic radiograph generator with finding masks.
//!
//! The network side (DenseNet-121, training, prediction) is in `ai4med::nn`
//! (feature `torch`).
//!
//! | course lab / exercise | here |
//! |---|---|
//! | data exploration, pre-processing | [`LabelTable`], [`read_png`], [`resize`], [`standardize_samplewise`], [`ImageStandardizer`], [`image_grid`] |
//! | counting labels, weighted loss (`compute_class_freqs`, `get_weighted_loss`) | [`class_frequencies`], [`ClassFrequencies`], [`bce_sum`], [`weighted_loss`] |
//! | patient overlap and data leakage (`check_for_leakage`) | [`check_for_leakage`], [`LeakageReport`], [`patient_split`] |
//! | the images themselves | [`synthetic_cxr`] (synthetic, with masks), [`load_images`] (a real image folder, PNG or DICOM), [`read_dicom`] |

mod dicom;
mod image;
mod labels;
mod synth;

pub use dicom::{DicomImage, decode_dicom, read_dicom, read_image};
#[cfg(feature = "torch")]
pub(crate) use image::grey_stretched;
pub use image::{
    Augment, ImageSet, ImageStandardizer, ImageStandardizerParams, MAX_PNG_BYTES, Missing, Standardization, augment_rng, decode_png,
    encode_png, image_grid, load_images, read_png, resize, standardize_samplewise, write_png,
};
#[cfg(feature = "torch")]
pub(crate) use labels::check_binary;
pub use labels::{
    ClassFrequencies, LabelTable, LeakageReport, bce_sum, check_for_leakage, class_frequencies, patient_split, random_image_split,
    weighted_loss,
};
pub use synth::{Sampling, SynthConfig, SyntheticCxr, synthetic_cxr};
