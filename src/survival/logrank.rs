//! Log-rank tests for equal survival between groups.

use super::SurvivalData;
use crate::{Error, Result};
use statrs::distribution::{ChiSquared, ContinuousCDF};

/// Result of a log-rank test.
#[derive(Debug, Clone, PartialEq)]
pub struct LogRank {
    /// The chi-squared statistic.
    pub statistic: f64,
    /// Degrees of freedom (groups − 1).
    pub degrees_of_freedom: usize,
    /// `P(χ²_df ≥ statistic)`.
    pub p_value: f64,
    /// Group labels, in the order of `observed` and `expected`.
    pub groups: Vec<String>,
    /// Observed events per group.
    pub observed: Vec<f64>,
    /// Expected events per group under equal hazards.
    pub expected: Vec<f64>,
}

impl std::fmt::Display for LogRank {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "log-rank test: χ² = {:.4} on {} df, p = {:.4e}", self.statistic, self.degrees_of_freedom, self.p_value)?;
        for (g, (o, e)) in self.groups.iter().zip(self.observed.iter().zip(&self.expected)) {
            writeln!(f, "  {g:<16} observed {o:>6.0}  expected {e:>8.2}")?;
        }
        Ok(())
    }
}

/// Two-group log-rank test (lifelines' `logrank_test`): at each distinct event time,
/// observed minus expected deaths in group A and the hypergeometric variance
/// `n_A n_B d (n − d) / (n² (n − 1))`; the statistic `(Σ O − E)² / Σ V` is χ² with 1 df.
///
/// ```
/// use ai4med::survival::{SurvivalData, logrank_test};
/// let a = SurvivalData::new(&[1.0, 2.0, 3.0, 4.0], &[1.0, 1.0, 1.0, 1.0]).unwrap();
/// let b = SurvivalData::new(&[5.0, 6.0, 7.0, 8.0], &[1.0, 1.0, 1.0, 0.0]).unwrap();
/// assert!(logrank_test(&a, &b).unwrap().p_value < 0.01);
/// ```
pub fn logrank_test(a: &SurvivalData, b: &SurvivalData) -> Result<LogRank> {
    let time: Vec<f64> = a.time().iter().chain(b.time()).copied().collect();
    let event: Vec<bool> = a.event().iter().chain(b.event()).copied().collect();
    let group: Vec<usize> = std::iter::repeat_n(0, a.len()).chain(std::iter::repeat_n(1, b.len())).collect();
    let mut r = multivariate(&SurvivalData::from_bools(&time, &event)?, &group, 2)?;
    r.groups = vec!["A".into(), "B".into()];
    Ok(r)
}

/// k-group log-rank test (lifelines' `multivariate_logrank_test`): the vector of
/// observed − expected events of the first k − 1 groups against its covariance, χ²
/// with k − 1 df. `groups` labels each subject; at least two distinct labels.
pub fn multivariate_logrank_test<G: ToString>(data: &SurvivalData, groups: &[G]) -> Result<LogRank> {
    crate::error::check::same_len("subjects vs groups", data.len(), groups.len())?;
    let labels: Vec<String> = groups.iter().map(ToString::to_string).collect();
    let mut names = labels.clone();
    names.sort();
    names.dedup();
    if names.len() < 2 {
        return Err(Error::invalid_arg("groups", format!("a log-rank test needs at least two groups, got only {:?}", names)));
    }
    let idx: Vec<usize> = labels.iter().map(|l| names.binary_search(l).unwrap_or(0)).collect();
    let mut r = multivariate(data, &idx, names.len())?;
    r.groups = names;
    Ok(r)
}

fn multivariate(data: &SurvivalData, group: &[usize], k: usize) -> Result<LogRank> {
    if data.n_events() == 0 {
        return Err(Error::undefined("log-rank test", "every subject is censored: there are no events to compare"));
    }
    // (time, group, event) sorted by time: one radix sort over contiguous records.
    let mut recs: Vec<(f64, u32, bool)> = (0..data.len()).map(|i| (data.time()[i], group[i] as u32, data.event()[i])).collect();
    radsort::sort_by_key(&mut recs, |r| r.0);
    let mut risk = vec![0.0; k];
    for &g in group {
        risk[g] += 1.0;
    }
    let mut observed = vec![0.0; k];
    let mut expected = vec![0.0; k];
    let mut cov = vec![vec![0.0; k]; k];
    let mut i = 0;
    while i < recs.len() {
        let t = recs[i].0;
        let mut j = i;
        let mut d = vec![0.0; k];
        let mut leave = vec![0.0; k];
        while j < recs.len() && recs[j].0 == t {
            let (_, g, e) = recs[j];
            leave[g as usize] += 1.0;
            if e {
                d[g as usize] += 1.0;
            }
            j += 1;
        }
        let dt: f64 = d.iter().sum();
        let n: f64 = risk.iter().sum();
        if dt > 0.0 {
            for g in 0..k {
                observed[g] += d[g];
                expected[g] += dt * risk[g] / n;
            }
            if n > 1.0 {
                let f = dt * (n - dt) / (n * n * (n - 1.0));
                for g in 0..k {
                    for h in 0..k {
                        cov[g][h] += f * (if g == h { risk[g] * n } else { 0.0 } - risk[g] * risk[h]);
                    }
                }
            }
        }
        for g in 0..k {
            risk[g] -= leave[g];
        }
        i = j;
    }
    // χ² = zᵀ V⁻¹ z over the first k − 1 groups.
    let m = k - 1;
    let z = nalgebra::DVector::from_iterator(m, (0..m).map(|g| observed[g] - expected[g]));
    let v = nalgebra::DMatrix::from_fn(m, m, |a, b| cov[a][b]);
    let stat = match v.clone().cholesky() {
        Some(ch) => z.dot(&ch.solve(&z)),
        None => {
            return Err(Error::undefined("log-rank test", "the groups' variance matrix is singular (a group with no one at risk at any event time?)"));
        }
    };
    let p = ChiSquared::new(m as f64).map(|c| 1.0 - c.cdf(stat)).unwrap_or(f64::NAN);
    Ok(LogRank { statistic: stat, degrees_of_freedom: m, p_value: p, groups: Vec::new(), observed, expected })
}
