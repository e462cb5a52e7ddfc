//! Choosing and checking models: train/test splits ([`train_test_split`], and
//! [`train_test_split_numpy`], which reproduces the course's NumPy-seeded splits) and
//! hold-out grid search over hyper-parameters ([`ParamGrid`], [`holdout_grid_search`] with
//! any fitting closure, [`grid_search`] over any params that [`Tune`] and [`Fit`](crate::model::Fit)).
//! Patient-grouped splits of chest X-rays live with their data in [`crate::xray`];
//! the C-for-benefit search in [`crate::causal::benefit_grid_search`].

mod grid;
mod split;

pub use grid::{Combination, GridSearch, GridValue, ParamGrid, Tune, grid_search, holdout_grid_search};
pub use split::{TestSize, train_test_split, train_test_split_numpy};
