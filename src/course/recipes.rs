//! Course recipes that combine data, preparation and splitting the way a course
//! notebook does, row for row (so the course's printed values come out to the digit).
//! The datasets and their course-specific preparation live in [`crate::data`].

use crate::Result;
use polars::prelude::DataFrame;

/// The course's split of the PBC analysis set (course 2 week 4): `np.random.seed(0)`,
/// then scikit-learn's `train_test_split(df, test_size=0.2)` and, on the rest,
/// `train_test_split(dev, test_size=0.25)`; returns `(train, validation, test)`. On
/// [`pbc_course`](crate::data::pbc_course) that is 154 / 52 / 52 patients, the course's rows in the course's order
/// ([`crate::model_selection::train_test_split_numpy`] draws NumPy's stream), so the course's
/// Cox model, hazard ratios and Harrell's C come out to the digit (`tests/pbc_course.rs`).
///
/// ```
/// let (train, val, test) = ai4med::course::pbc_course_split(&ai4med::data::pbc_course().unwrap()).unwrap();
/// assert_eq!((train.height(), val.height(), test.height()), (154, 52, 52));
/// ```
pub fn pbc_course_split(df: &DataFrame) -> Result<(DataFrame, DataFrame, DataFrame)> {
    use crate::model_selection::{TestSize, train_test_split_numpy};
    let mut state = crate::pyrng::NumpyRandomState::new(0);
    let (dev, test) = train_test_split_numpy(df, TestSize::Fraction(0.2), &mut state)?;
    let (train, val) = train_test_split_numpy(&dev, TestSize::Fraction(0.25), &mut state)?;
    Ok((train, val, test))
}
