//! Settings shared by decision trees and forests.

use super::engine::Limits;
use crate::{Error, Result};

/// The impurity a split minimises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Criterion {
    /// Gini impurity `1 − Σ_k p_k²` (classification; the default there).
    #[default]
    Gini,
    /// Entropy `−Σ_k p_k log₂ p_k` (classification).
    Entropy,
    /// Squared error: the weighted variance around the node mean (regression).
    SquaredError,
}

/// A minimum number of samples, as a count or as a fraction of the training rows
/// (rounded up), like scikit-learn's int-or-float parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MinSamples {
    /// An absolute count.
    Count(usize),
    /// A fraction in (0, 1] of the number of training rows, rounded up.
    Fraction(f64),
}

impl From<usize> for MinSamples {
    fn from(n: usize) -> Self {
        MinSamples::Count(n)
    }
}

impl From<f64> for MinSamples {
    fn from(f: f64) -> Self {
        MinSamples::Fraction(f)
    }
}

impl MinSamples {
    fn resolve(self, what: &str, n: usize, least: usize) -> Result<usize> {
        match self {
            MinSamples::Count(c) if c >= least => Ok(c),
            MinSamples::Count(c) => Err(Error::invalid_arg(what, format!("{c} is below the smallest allowed value {least}"))),
            MinSamples::Fraction(f) if f > 0.0 && f <= 1.0 => Ok(((f * n as f64).ceil() as usize).max(least)),
            MinSamples::Fraction(f) => Err(Error::invalid_arg(what, format!("fraction {f} is outside (0, 1]"))),
        }
    }
}

/// How many features each split considers (drawn at random per node).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum MaxFeatures {
    /// Every feature (scikit-learn's `None`; the default for single trees).
    #[default]
    All,
    /// `max(1, ⌊√p⌋)` (scikit-learn's `"sqrt"`, its default for forest classifiers).
    Sqrt,
    /// `max(1, ⌊log₂ p⌋)`.
    Log2,
    /// A fixed count, at most the number of features.
    Count(usize),
    /// A fraction in (0, 1] of the features, `max(1, ⌊f·p⌋)`.
    Fraction(f64),
}

impl MaxFeatures {
    pub(crate) fn resolve(self, p: usize) -> Result<usize> {
        let k = match self {
            MaxFeatures::All => p,
            MaxFeatures::Sqrt => ((p as f64).sqrt().floor() as usize).max(1),
            MaxFeatures::Log2 => ((p as f64).log2().floor() as usize).max(1),
            MaxFeatures::Count(c) if c >= 1 && c <= p => c,
            MaxFeatures::Count(c) => {
                return Err(Error::invalid_arg("max_features", format!("{c} features asked for, but the data have {p} columns")));
            }
            MaxFeatures::Fraction(f) if f > 0.0 && f <= 1.0 => ((f * p as f64).floor() as usize).max(1),
            MaxFeatures::Fraction(f) => return Err(Error::invalid_arg("max_features", format!("fraction {f} is outside (0, 1]"))),
        };
        Ok(k)
    }
}

/// Growth settings of one tree; defaults are scikit-learn's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TreeSettings {
    /// Impurity criterion.
    pub criterion: Criterion,
    /// Maximum depth (`None`: grow until the other limits stop it).
    pub max_depth: Option<usize>,
    /// A node with fewer samples is not split (default 2).
    pub min_samples_split: MinSamples,
    /// Each child keeps at least this many samples (default 1).
    pub min_samples_leaf: MinSamples,
    /// Features considered per split.
    pub max_features: MaxFeatures,
    /// A split must decrease the weighted impurity by at least this much (default 0).
    pub min_impurity_decrease: f64,
    /// Seed of the feature draws.
    pub seed: u64,
}

impl TreeSettings {
    pub(crate) fn new(criterion: Criterion, max_features: MaxFeatures) -> Self {
        TreeSettings {
            criterion,
            max_depth: None,
            min_samples_split: MinSamples::Count(2),
            min_samples_leaf: MinSamples::Count(1),
            max_features,
            min_impurity_decrease: 0.0,
            seed: 0,
        }
    }

    /// Resolves counts and fractions against `n` rows and `p` features, checking them.
    pub(crate) fn limits(&self, n: usize, p: usize) -> Result<Limits> {
        let min_samples_leaf = self.min_samples_leaf.resolve("min_samples_leaf", n, 1)?;
        let min_samples_split = self.min_samples_split.resolve("min_samples_split", n, 2)?.max(2 * min_samples_leaf);
        if let Some(0) = self.max_depth {
            return Err(Error::invalid_arg("max_depth", "must be at least 1 (or None for no limit)"));
        }
        if !(self.min_impurity_decrease >= 0.0) {
            return Err(Error::invalid_arg(
                "min_impurity_decrease",
                format!("{} must be a non-negative number", self.min_impurity_decrease),
            ));
        }
        Ok(Limits {
            max_depth: self.max_depth.unwrap_or(usize::MAX),
            min_samples_split,
            min_samples_leaf,
            max_features: self.max_features.resolve(p)?,
            min_impurity_decrease: self.min_impurity_decrease,
        })
    }
}

/// Builder methods shared by tree and forest parameter types.
macro_rules! tree_setters {
    ($($field:ident).+) => {
        /// Impurity criterion (Gini or entropy for classifiers, squared error for regressors).
        pub fn criterion(mut self, c: $crate::trees::Criterion) -> Self {
            self.$($field).+.criterion = c;
            self
        }
        /// Maximum depth; `None` grows until the other limits stop it.
        pub fn max_depth(mut self, d: impl Into<Option<usize>>) -> Self {
            self.$($field).+.max_depth = d.into();
            self
        }
        /// Smallest node that may be split: a count (`10`) or a fraction of the rows (`0.05`).
        pub fn min_samples_split(mut self, m: impl Into<$crate::trees::MinSamples>) -> Self {
            self.$($field).+.min_samples_split = m.into();
            self
        }
        /// Smallest leaf: a count (`5`) or a fraction of the rows (`0.01`).
        pub fn min_samples_leaf(mut self, m: impl Into<$crate::trees::MinSamples>) -> Self {
            self.$($field).+.min_samples_leaf = m.into();
            self
        }
        /// Features considered at each split.
        pub fn max_features(mut self, m: $crate::trees::MaxFeatures) -> Self {
            self.$($field).+.max_features = m;
            self
        }
        /// Smallest weighted impurity decrease a split must achieve.
        pub fn min_impurity_decrease(mut self, v: f64) -> Self {
            self.$($field).+.min_impurity_decrease = v;
            self
        }
        /// Seed of every random draw: the same seed gives the same model.
        pub fn seed(mut self, s: u64) -> Self {
            self.$($field).+.seed = s;
            self
        }
    };
}
pub(crate) use tree_setters;
