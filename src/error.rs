//! The one error type of the crate.
//!
//! Every fallible function in `ai4med` returns [`Result<T>`]. Bad input (NaN, empty
//! arrays, mismatched lengths, a single class, wrong shapes, truncated files) comes
//! back as an [`Error`] whose message names the argument and the offending value,
//! never as a panic: a panic inside an evcxr kernel can cost a learner the whole
//! session state.
//!
//! The [`check`] helpers are the shared validation vocabulary of the crate's modules.

use std::path::PathBuf;

/// `Result` with [`Error`] as the error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in `ai4med`.
///
/// Variants carry the shapes, lengths and values involved so the message alone tells
/// a learner what to fix.
///
/// ```
/// use ai4med::Error;
/// let e = Error::LengthMismatch { what: "y_true vs y_score".into(), left: 3, right: 4 };
/// assert_eq!(e.to_string(), "length mismatch in y_true vs y_score: 3 vs 4");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An input that must hold at least one element was empty.
    #[error("empty input: {what} has no elements")]
    Empty {
        /// What was empty (argument name and context).
        what: String,
    },
    /// Two inputs that must have the same length do not.
    #[error("length mismatch in {what}: {left} vs {right}")]
    LengthMismatch {
        /// Which two inputs.
        what: String,
        /// Length of the first.
        left: usize,
        /// Length of the second.
        right: usize,
    },
    /// An array has the wrong shape.
    #[error("shape mismatch in {what}: expected {expected}, got {got:?}")]
    ShapeMismatch {
        /// Which input.
        what: String,
        /// The expected shape, in words (e.g. `"(rows, cols, 3)"`).
        expected: String,
        /// The shape that was passed.
        got: Vec<usize>,
    },
    /// A value is outside its domain (NaN, infinite, negative where it must be positive, ...).
    #[error("invalid value in {what}: {value} at index {index} ({reason})")]
    InvalidValue {
        /// Which input.
        what: String,
        /// The offending value, formatted.
        value: String,
        /// Its position in the input.
        index: usize,
        /// Why it is invalid.
        reason: String,
    },
    /// An argument or option has an invalid setting.
    #[error("invalid argument `{name}`: {reason}")]
    InvalidArgument {
        /// Argument name.
        name: String,
        /// What is wrong and what is allowed.
        reason: String,
    },
    /// A quantity is mathematically undefined for this input (e.g. AUC with one class).
    #[error("{what} is not defined: {reason}")]
    Undefined {
        /// The quantity.
        what: String,
        /// Why (e.g. "y_true has no positive cases").
        reason: String,
    },
    /// An iterative fit stopped before converging.
    #[error("{what} did not converge after {iterations} iterations: {detail}")]
    NotConverged {
        /// The fit.
        what: String,
        /// Iterations done.
        iterations: usize,
        /// Last step size, gradient norm or similar.
        detail: String,
    },
    /// A file could not be read or written.
    #[error("I/O error on {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A file or string could not be parsed.
    #[error("cannot parse {what}: {reason}")]
    Parse {
        /// What was being parsed (file name, format).
        what: String,
        /// Why.
        reason: String,
    },
    /// Drawing a figure failed.
    #[error("plot error: {0}")]
    Plot(String),
    /// Encoding an image failed.
    #[error("image error: {0}")]
    Image(String),
    /// An error from polars.
    #[error(transparent)]
    Polars(#[from] polars::error::PolarsError),
    /// An error from libtorch (feature `torch`).
    #[cfg(feature = "torch")]
    #[error(transparent)]
    Torch(#[from] tch::TchError),
}

impl Error {
    /// Shorthand for [`Error::InvalidArgument`].
    pub fn invalid_arg(name: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidArgument { name: name.into(), reason: reason.into() }
    }

    /// Shorthand for [`Error::Undefined`].
    pub fn undefined(what: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Undefined { what: what.into(), reason: reason.into() }
    }

    /// Shorthand for [`Error::Parse`].
    pub fn parse(what: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Parse { what: what.into(), reason: reason.into() }
    }

    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), source }
    }
}

/// Validation helpers shared by every module.
///
/// Each returns `Ok(())` or the [`Error`] variant a learner should see.
pub mod check {
    use super::{Error, Result};

    /// Fails with [`Error::Empty`] when `len == 0`.
    ///
    /// ```
    /// assert!(ai4med::error::check::non_empty("y", 0).is_err());
    /// assert!(ai4med::error::check::non_empty("y", 2).is_ok());
    /// ```
    pub fn non_empty(what: &str, len: usize) -> Result<()> {
        if len == 0 { Err(Error::Empty { what: what.to_string() }) } else { Ok(()) }
    }

    /// Fails with [`Error::LengthMismatch`] when `left != right`.
    ///
    /// ```
    /// let e = ai4med::error::check::same_len("x vs y", 2, 3).unwrap_err();
    /// assert_eq!(e.to_string(), "length mismatch in x vs y: 2 vs 3");
    /// ```
    pub fn same_len(what: &str, left: usize, right: usize) -> Result<()> {
        if left != right { Err(Error::LengthMismatch { what: what.to_string(), left, right }) } else { Ok(()) }
    }

    /// Fails with [`Error::InvalidValue`] at the first NaN or infinite value.
    ///
    /// ```
    /// let e = ai4med::error::check::finite("scores", &[0.1, f64::NAN]).unwrap_err();
    /// assert!(e.to_string().contains("index 1"));
    /// ```
    pub fn finite(what: &str, values: &[f64]) -> Result<()> {
        match values.iter().position(|v| !v.is_finite()) {
            Some(i) => Err(Error::InvalidValue {
                what: what.to_string(),
                value: values[i].to_string(),
                index: i,
                reason: "values must be finite (no NaN or infinity)".to_string(),
            }),
            None => Ok(()),
        }
    }
}
