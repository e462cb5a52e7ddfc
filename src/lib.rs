//! # ai4med — AI for Medicine in Rust
//!
//! A notebook-friendly library for the three-course *AI for Medicine* curriculum:
//! diagnosis, prognosis and treatment. Every notebook under `notebooks/` runs on the
//! project's evcxr kernel (`Rust (ai4med)`), which preloads this crate; a notebook's
//! first cell is `use ai4med::prelude::*;`.
//!
//! Modules, by concept (`tests/module_layers.rs` checks that no module uses one that uses
//! it back):
//! - [`data`]: bundled datasets and their loaders, features from arrays or frames ([`data::AsFeatures`]), what counts as missing;
//! - [`prep`]: preparation before a model: log transform, standardising, interactions, one-hot, imputation ([`prep::impute`]);
//! - [`model`]: the traits every model implements (`params()` → `fit` → predict) and the table of model families;
//! - [`linear`]: linear and logistic regression with standard errors, one coefficient table;
//! - [`model_selection`]: train/test splits (the course's NumPy-seeded ones too) and hold-out grid search;
//! - [`metrics`]: diagnostic metrics, ROC/PR/calibration curves, Platt scaling, bootstrap and DeLong intervals, [`metrics::segmentation`] (Dice, soft Dice loss, Hausdorff);
//! - [`trees`]: decision trees and random forests on one CART engine, TreeSHAP;
//! - [`survival`]: Kaplan–Meier, Nelson–Aalen, log-rank, Harrell's C, Cox models, random survival forests;
//! - [`interpret`]: permutation and drop-column importance, exact and tree Shapley values, their plots;
//! - [`causal`]: trial summaries, OR ↔ ARR, T-/S-/X-learners, C-for-benefit;
//! - [`prognosis`]: clinical risk scores and the c-index, with course 2's toolbox re-exported in one place;
//! - [`imaging`]: NIfTI volumes, the Decathlon layout, MRI slices and overlays, sub-volume sampling, synthetic brain tumours;
//! - [`xray`]: chest X-ray labels, class weights, patient leakage, image pre-processing, synthetic radiographs;
//! - [`nlp`]: report cleaning, mentions, NegBio and ConText negation/uncertainty, CheXpert-style labels, F1, BioC; `nlp::qa` (feature `torch`): BERT extractive question answering;
//! - `nn` (feature `torch`): DenseNet-121, the 3-D U-Net, losses on tensors, training and prediction;
//! - `torch` (feature `torch`): libtorch through tch 0.17;
//! - [`display`]: one rendering path ([`display::Render`]): inline HTML tables, SVG figures, PNG images, and `Display` text;
//! - [`plot`]: SVG figures (line, step, scatter, band, bars, heatmap);
//! - [`pyrng`]: Python's and NumPy's random streams, so the course's random subsets and splits are reproduced;
//! - [`course`]: the course-facing layer: graded cells ([`course::grade`]), exercise notebooks, autograding a class, course recipes.
//!
//! Errors: every fallible function returns [`Result`], with [`Error`] naming the
//! offending argument, shape or value.
//!
//! ## NaN and infinities
//!
//! A NaN never comes back as a number that looks valid. Family by family
//! (`tests/nan_policy.rs` checks each line):
//! - **metrics, c-index, calibration**: a NaN or infinite score or threshold, or a label
//!   other than 0/1, is an [`Error`] naming `y_score`, `threshold` or `y_true`; a ratio
//!   with no cases (sensitivity without positives) is [`Error::Undefined`], where
//!   scikit-learn warns and returns 0 or NaN;
//! - **survival**: NaN or negative times, NaN scores or covariates are errors naming
//!   `time`, `scores` or the covariate; `survival_at(t)` and `NelsonAalen::at(t)` reject a
//!   NaN or negative `t` (lifelines returns NaN or extrapolates);
//! - **imaging and segmentation**: NaN voxels are errors in `imaging::standardize`, Dice
//!   and the soft Dice loss; documented NaN results: the Hausdorff distance of two empty
//!   masks is NaN and of one empty mask +∞ (as MONAI), and
//!   `xray::standardize_samplewise` takes its statistics over the finite pixels and
//!   leaves non-finite ones NaN;
//! - **losses**: probabilities outside [0, 1] (NaN included) are errors; with ε = 0 a
//!   term whose weight is 0 counts as 0 (0·ln 0), so a perfect prediction has loss 0;
//! - **plots**: non-finite points are skipped; an axis that would span past ±1e306 is an
//!   error naming it ([`plot::MAX_AXIS`]).
//!
//! Readers check every size a header claims against the bytes present and against a
//! documented bound before allocating ([`imaging::NiftiReader`], [`xray::MAX_PNG_BYTES`],
//! DICOM element lengths, CSV field counts); text routines slice on character
//! boundaries. Library code has no `unwrap`, `expect` or `panic!` (denied below, checked
//! by clippy in `make test`). TESTING.md lists the property tests and fuzz targets.

// Lints (missing docs; no unwrap, expect or panic in library code: a panic in a notebook
// kernel loses the learner's variables) are in Cargo.toml's [lints] table; each remaining
// exception carries an `#[allow]` with its reason. Checked by `make test` (clippy with
// warnings denied, all targets, all features).

pub mod causal;
pub mod course;
pub mod data;
pub mod display;
pub mod error;
pub mod imaging;
pub mod interpret;
pub mod linear;
pub mod metrics;
pub mod model;
pub mod model_selection;
pub mod nlp;
#[cfg(feature = "torch")]
pub mod nn;
pub mod plot;
pub mod prep;
pub mod prognosis;
pub mod pyrng;
pub mod survival;
#[cfg(feature = "torch")]
pub mod torch;
pub mod trees;
pub mod xray;

pub use error::{Error, Result};

pub use ndarray;
pub use plotters;
pub use polars;
pub use rand;
pub use rand_chacha;
#[cfg(feature = "torch")]
pub use rust_bert;
#[cfg(feature = "torch")]
pub use tch;

/// Everything a notebook usually needs: `use ai4med::prelude::*;`.
///
/// Brings polars' prelude (`df!`, `DataFrame`, `Series`, ...), the common ndarray
/// types, and this crate's display, plot and grading types.
pub mod prelude {
    pub use polars::prelude::*;

    pub use crate::course::grade::{Grader, Report};
    pub use crate::display::{Cell, Colormap, FrameExt, Html, Image, Table};
    pub use crate::plot::{Figure, Grid, Heatmap, Legend};
    pub use crate::{Error, Result};
    pub use ndarray::{Array1, Array2, Array3, Array4, ArrayD, ArrayView1, ArrayView2, ArrayView3, ArrayView4, Axis, array, s};
}
