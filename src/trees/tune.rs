//! Grid points applied to tree and forest parameters (scikit-learn's parameter names).

use super::forest::ForestParams;
use super::params::{Criterion, MaxFeatures, MinSamples};
use super::single::TreeParams;
use crate::model_selection::{Combination, GridValue, Tune};
use crate::{Error, Result};

fn as_count(name: &str, v: &GridValue) -> Result<usize> {
    match v {
        GridValue::Int(n) => Ok(*n),
        other => Err(Error::invalid_arg(name, format!("expects a whole number, got {other}"))),
    }
}

fn as_min_samples(name: &str, v: &GridValue) -> Result<MinSamples> {
    match v {
        GridValue::Int(n) => Ok(MinSamples::Count(*n)),
        GridValue::Float(f) => Ok(MinSamples::Fraction(*f)),
        other => Err(Error::invalid_arg(name, format!("expects a count or a fraction, got {other}"))),
    }
}

fn as_max_features(v: &GridValue) -> Result<MaxFeatures> {
    match v {
        GridValue::Int(n) => Ok(MaxFeatures::Count(*n)),
        GridValue::Float(f) => Ok(MaxFeatures::Fraction(*f)),
        GridValue::Absent => Ok(MaxFeatures::All),
        GridValue::Text(s) => match s.as_str() {
            "sqrt" => Ok(MaxFeatures::Sqrt),
            "log2" => Ok(MaxFeatures::Log2),
            "all" | "None" => Ok(MaxFeatures::All),
            _ => Err(Error::invalid_arg("max_features", format!("'{s}' is not one of sqrt, log2, all"))),
        },
    }
}

fn as_criterion(v: &GridValue) -> Result<Criterion> {
    match v {
        GridValue::Text(s) if s == "gini" => Ok(Criterion::Gini),
        GridValue::Text(s) if s == "entropy" => Ok(Criterion::Entropy),
        GridValue::Text(s) if s == "squared_error" => Ok(Criterion::SquaredError),
        other => Err(Error::invalid_arg("criterion", format!("'{other}' is not one of gini, entropy, squared_error"))),
    }
}

const TREE_KEYS: &str = "max_depth, min_samples_split, min_samples_leaf, max_features, min_impurity_decrease, criterion, seed";

macro_rules! apply_tree_keys {
    ($self:ident, $k:ident, $v:ident) => {
        match $k.as_str() {
            "max_depth" => match $v {
                GridValue::Absent => $self.max_depth(None),
                v => $self.max_depth(as_count("max_depth", v)?),
            },
            "min_samples_split" => $self.min_samples_split(as_min_samples("min_samples_split", $v)?),
            "min_samples_leaf" => $self.min_samples_leaf(as_min_samples("min_samples_leaf", $v)?),
            "max_features" => $self.max_features(as_max_features($v)?),
            "min_impurity_decrease" => match $v {
                GridValue::Float(f) => $self.min_impurity_decrease(*f),
                GridValue::Int(n) => $self.min_impurity_decrease(*n as f64),
                other => return Err(Error::invalid_arg("min_impurity_decrease", format!("expects a number, got {other}"))),
            },
            "criterion" => $self.criterion(as_criterion($v)?),
            "seed" | "random_state" => $self.seed(as_count("seed", $v)? as u64),
            _ => return Err(Error::invalid_arg("parameter", format!("unknown parameter '{}'", $k))),
        }
    };
}

impl<M> TreeParams<M> {
    /// These settings with the grid point's values applied (names as in scikit-learn:
    /// `max_depth`, `min_samples_split`, `min_samples_leaf`, `max_features`,
    /// `min_impurity_decrease`, `criterion`, `seed`/`random_state`).
    pub fn apply(self, c: &Combination) -> Result<Self> {
        let mut s = self;
        for (k, v) in &c.values {
            s = apply_tree_keys!(s, k, v);
        }
        let _ = TREE_KEYS;
        Ok(s)
    }
}

impl<M> ForestParams<M> {
    /// These settings with the grid point's values applied: the tree parameters of
    /// [`TreeParams::apply`] plus `n_estimators`, `bootstrap` (0/1) and `max_samples`.
    pub fn apply(self, c: &Combination) -> Result<Self> {
        let mut s = self;
        for (k, v) in &c.values {
            s = match k.as_str() {
                "n_estimators" => s.n_estimators(as_count(k, v)?),
                "bootstrap" => s.bootstrap(as_count(k, v)? != 0),
                "max_samples" => match v {
                    GridValue::Float(f) => s.max_samples(*f),
                    GridValue::Absent => s.max_samples(1.0),
                    other => return Err(Error::invalid_arg("max_samples", format!("expects a fraction, got {other}"))),
                },
                _ => apply_tree_keys!(s, k, v),
            };
        }
        Ok(s)
    }
}

impl<M> Tune for TreeParams<M> {
    fn apply(self, c: &Combination) -> Result<Self> {
        TreeParams::apply(self, c)
    }
}

impl<M> Tune for ForestParams<M> {
    fn apply(self, c: &Combination) -> Result<Self> {
        ForestParams::apply(self, c)
    }
}
