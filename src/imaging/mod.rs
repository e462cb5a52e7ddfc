//! Brain MRI volumes: NIfTI input/output, the Medical Segmentation Decathlon layout, slice
//! views and overlays, sub-volume sampling and standardization, and a generator of
//! synthetic brain-tumour cases.
//!
//! | course (brain tumour segmentation, course 1 week 3) | here |
//! |---|---|
//! | `nib.load(path).get_fdata()` | [`read_nifti`] → [`Volume`]; [`write_nifti`], [`write_nifti_labels`] |
//! | `load_case(image_nifty_file, label_nifty_file)` | [`DecathlonDataset::case`] → [`Case`] |
//! | `visualize_data_gif`, slice plots with labels | [`slice()`], [`overlay`], [`montage`], [`sweep_gif`] |
//! | `get_sub_volume(image, label, ...)` | [`sample_sub_volume`] (the course's name in [`crate::course::get_sub_volume`]), [`sub_volume_at`], [`valid_starts`] |
//! | `standardize(image)` | [`standardize`] |
//! | the BraTS data of the Decathlon (not redistributable) | [`synthetic_brats`], [`SynthBrainConfig`] |
//!
//! Array layout: volumes are `[x, y, z]` and images `[x, y, z, channel]` as in the NIfTI
//! file (nibabel's order); network inputs and labels are channels first,
//! `[channel, x, y, z]`, like the course's Keras model and PyTorch.

mod decathlon;
mod nifti;
mod sample;
mod synth;
mod view;

pub use decathlon::{BRATS_CLASSES, BRATS_LABELS, BRATS_MODALITIES, Case, DecathlonDataset, check_labels, save_decathlon};
pub use nifti::{DEFAULT_MAX_NIFTI_BYTES, NiftiReader, Volume, decode_nifti, read_nifti, write_nifti, write_nifti_labels};
pub use sample::{SubVolume, one_hot_labels, sample_sub_volume, standardize, sub_volume_at, valid_starts};
pub use synth::{SynthBrainConfig, Templates, mni_templates, synthetic_brats};
pub use view::{LABEL_COLOURS, Plane, montage, normalise, overlay, slice, slice_labels, sweep_gif};
