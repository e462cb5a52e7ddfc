//! Train/test splits: seeded (ChaCha8) and NumPy-stream-exact (the course's
//! `np.random.seed` + scikit-learn `train_test_split`).

use crate::{Error, Result};
use polars::prelude::{DataFrame, IdxCa, IdxSize};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

/// How many rows go to the test set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TestSize {
    /// A fraction of the rows (rounded up, like scikit-learn).
    Fraction(f64),
    /// An exact number of rows.
    Count(usize),
}

/// A seeded random train/test split of the rows: `(train, test)`. The same seed gives
/// the same split; it is not the split scikit-learn's `train_test_split` makes for
/// the same seed (different random generators).
pub fn train_test_split(df: &DataFrame, test: TestSize, seed: u64) -> Result<(DataFrame, DataFrame)> {
    let n = df.height();
    let k = test_rows(n, test)?;
    let mut idx: Vec<IdxSize> = (0..n as IdxSize).collect();
    idx.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    let test_idx = IdxCa::from_vec("idx".into(), idx[..k].to_vec());
    let train_idx = IdxCa::from_vec("idx".into(), idx[k..].to_vec());
    let df = crate::data::detach(df)?;
    Ok((df.take(&train_idx)?, df.take(&test_idx)?))
}

/// scikit-learn's `train_test_split(df, test_size=…)` with `random_state=None`, drawing
/// from NumPy's global state `state` as scikit-learn does after `np.random.seed(s)`:
/// `(train, test)`, where `test` holds the rows `perm[..k]` and `train` the rows
/// `perm[k..]` of `perm = np.random.permutation(n)`, in that order, and `k` is the test
/// size (a fraction is rounded up, as scikit-learn does). Successive calls on one
/// `state` continue its stream, like successive calls after one `np.random.seed`.
///
/// The course's PBC split (course 2 week 4) is `np.random.seed(0)` and then two such
/// splits; [`crate::course::pbc_course_split`] reproduces it row for row. Errors as
/// [`train_test_split`].
///
/// ```
/// use ai4med::prelude::*;
/// use ai4med::prognosis::{train_test_split_numpy, TestSize};
/// use ai4med::pyrng::NumpyRandomState;
/// let df = df!("id" => [0i64, 1, 2, 3, 4]).unwrap();
/// // np.random.seed(0); np.random.permutation(5) == [2, 0, 1, 3, 4]
/// let (train, test) = train_test_split_numpy(&df, TestSize::Count(2), &mut NumpyRandomState::new(0)).unwrap();
/// assert_eq!(ai4med::data::column_f64(&test, "id").unwrap(), [2.0, 0.0]);
/// assert_eq!(ai4med::data::column_f64(&train, "id").unwrap(), [1.0, 3.0, 4.0]);
/// ```
pub fn train_test_split_numpy(
    df: &DataFrame,
    test: TestSize,
    state: &mut crate::pyrng::NumpyRandomState,
) -> Result<(DataFrame, DataFrame)> {
    let n = df.height();
    let k = test_rows(n, test)?;
    let idx: Vec<IdxSize> = state.permutation(n).into_iter().map(|i| i as IdxSize).collect();
    let test_idx = IdxCa::from_vec("idx".into(), idx[..k].to_vec());
    let train_idx = IdxCa::from_vec("idx".into(), idx[k..].to_vec());
    let df = crate::data::detach(df)?;
    Ok((df.take(&train_idx)?, df.take(&test_idx)?))
}

/// The number of test rows of a split of `n` rows.
fn test_rows(n: usize, test: TestSize) -> Result<usize> {
    let k = match test {
        TestSize::Fraction(f) if f > 0.0 && f < 1.0 => (f * n as f64).ceil() as usize,
        TestSize::Fraction(f) => return Err(Error::invalid_arg("test", format!("fraction must lie strictly between 0 and 1, got {f}"))),
        TestSize::Count(c) => c,
    };
    if k == 0 || k >= n {
        return Err(Error::invalid_arg(
            "test",
            format!("the test set must hold between 1 and {} of the {n} rows, got {k}", n.saturating_sub(1)),
        ));
    }
    Ok(k)
}
