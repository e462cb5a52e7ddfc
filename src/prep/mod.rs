//! Data preparation before a model: tabular transforms on polars frames (log transform,
//! standardising, interactions, one-hot, frames to matrices) and missing-data analysis
//! and imputation in [`impute`]. Each fitted step follows [`crate::model`]'s
//! `params()` → `fit` → `transform`.

pub mod impute;
mod tabular;

pub use impute::{ImputeStrategy, IterativeImputer, IterativeImputerParams, SimpleImputer, SimpleImputerParams};
pub use tabular::{Standardizer, StandardizerParams, add_interactions, log_transform, make_standard_normal, one_hot, skewness, to_matrix};
