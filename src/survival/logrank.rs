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

impl LogRank {
    /// Observed and expected events per group, the statistic and p-value in the caption.
    pub fn table(&self) -> crate::display::Table {
        use crate::display::{Cell, Table};
        let mut t = Table::new(["group", "observed", "expected"]).max_rows(usize::MAX).caption(format!(
            "log-rank test: χ² = {:.4} on {} df, p = {}",
            self.statistic,
            self.degrees_of_freedom,
            crate::display::format_p(self.p_value)
        ));
        for (g, (o, e)) in self.groups.iter().zip(self.observed.iter().zip(&self.expected)) {
            t.push_row([Cell::from(g.as_str()), Cell::from(format!("{o:.0}")), Cell::from(format!("{e:.2}"))]);
        }
        t
    }
}

impl crate::display::Render for LogRank {
    fn render(&self) -> crate::display::View {
        crate::display::View::Table(self.table())
    }
}
crate::rendered!(LogRank);

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
    if a.n_events() + b.n_events() == 0 {
        return Err(Error::undefined("log-rank test", "every subject is censored: there are no events to compare"));
    }
    let tally = super::tally::tally_groups(&[(a.time(), a.event()), (b.time(), b.event())]);
    let mut r = from_tally(&tally, &[a.len() as f64, b.len() as f64])?;
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
    // Per distinct time, subjects leaving and events in each group.
    let g32: Vec<u32> = group.iter().map(|&g| g as u32).collect();
    let tally = super::tally::tally(data.time(), data.event(), Some(&g32), k);
    let mut sizes = vec![0.0; k];
    for &g in group {
        sizes[g] += 1.0;
    }
    from_tally(&tally, &sizes)
}

/// The test from the per-time tally and the group sizes.
fn from_tally(tally: &super::tally::Tally, sizes: &[f64]) -> Result<LogRank> {
    let k = sizes.len();
    let mut risk = sizes.to_vec();
    let mut observed = vec![0.0; k];
    let mut expected = vec![0.0; k];
    let mut cov = vec![vec![0.0; k]; k];
    for i in 0..tally.times.len() {
        let row = tally.row(i);
        let dt: f64 = (0..k).map(|g| row[2 * g + 1]).sum();
        let n: f64 = risk.iter().sum();
        if dt > 0.0 {
            for g in 0..k {
                observed[g] += row[2 * g + 1];
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
            risk[g] -= row[2 * g];
        }
    }
    // χ² = zᵀ V⁻¹ z over the first k − 1 groups.
    let m = k - 1;
    let z = nalgebra::DVector::from_iterator(m, (0..m).map(|g| observed[g] - expected[g]));
    let v = nalgebra::DMatrix::from_fn(m, m, |a, b| cov[a][b]);
    let stat = match v.clone().cholesky() {
        Some(ch) => z.dot(&ch.solve(&z)),
        None => {
            return Err(Error::undefined(
                "log-rank test",
                "the groups' variance matrix is singular (a group with no one at risk at any event time?)",
            ));
        }
    };
    let p = ChiSquared::new(m as f64).map(|c| 1.0 - c.cdf(stat)).unwrap_or(f64::NAN);
    Ok(LogRank { statistic: stat, degrees_of_freedom: m, p_value: p, groups: Vec::new(), observed, expected })
}
