//! Prognosis (course 2, week 1: "Linear prognostic models"): clinical risk scores and
//! the c-index are defined here; the preparation steps, linear models and splits the
//! course uses with them are re-exported from [`crate::prep`], [`crate::linear`] and
//! [`crate::model_selection`], so a course notebook finds them in one place.
//!
//! - clinical risk scores: [`cha2ds2_vasc`], [`meld`], [`ascvd`];
//! - tabular preparation on polars frames: [`log_transform`], [`Standardizer`],
//!   [`make_standard_normal`], [`skewness`], [`add_interactions`], [`one_hot`],
//!   [`train_test_split`], [`train_test_split_numpy`] (the course's NumPy-seeded splits), [`to_matrix`];
//! - models: [`LinearRegression`], [`LogisticRegression`] with standard errors;
//! - evaluation: the concordance index [`cindex`] with typed score direction
//!   ([`Risk`], [`Longevity`]).

mod cindex;
mod scores;

pub use cindex::{BinaryPair, Longevity, Ranking, Risk, binary_pair, binary_pair_table, cindex, cindex_pairs};
// Course 2's toolbox under the course's module: the same items as in `prep`, `linear`
// and `model_selection`, where they are defined.
pub use crate::linear::{Coefficient, LinearRegression, LinearRegressionParams, LogisticRegression, LogisticRegressionParams, Penalty};
pub use crate::model_selection::{TestSize, train_test_split, train_test_split_numpy};
pub use crate::prep::{
    Standardizer, StandardizerParams, add_interactions, log_transform, make_standard_normal, one_hot, skewness, to_matrix,
};
pub use scores::{ascvd, ascvd_sum, cha2ds2_vasc, cha2ds2_vasc_for, meld};
