//! Prognosis with linear models (course 2, week 1: "Linear prognostic models").
//!
//! - clinical risk scores: [`cha2ds2_vasc`], [`meld`], [`ascvd`];
//! - tabular preparation on polars frames: [`log_transform`], [`Standardizer`],
//!   [`make_standard_normal`], [`skewness`], [`add_interactions`], [`one_hot`],
//!   [`train_test_split`], [`train_test_split_numpy`] (the course's NumPy-seeded splits), [`to_matrix`];
//! - models: [`LinearRegression`], [`LogisticRegression`] with standard errors;
//! - evaluation: the concordance index [`cindex`] with typed score direction
//!   ([`Risk`], [`Longevity`]).

mod cindex;
mod prep;
mod regression;
mod scores;

pub use cindex::{BinaryPair, Longevity, Ranking, Risk, binary_pair, binary_pair_table, cindex, cindex_pairs};
pub use prep::{
    Standardizer, TestSize, add_interactions, log_transform, make_standard_normal, one_hot, skewness, to_matrix, train_test_split,
    train_test_split_numpy,
};
pub use regression::{Coefficient, LinearRegression, LogisticRegression, Penalty};
pub use scores::{ascvd, ascvd_sum, cha2ds2_vasc, cha2ds2_vasc_for, meld};
