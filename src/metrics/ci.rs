//! Confidence intervals: the stratified bootstrap for any metric, and DeLong's
//! method for the AUC.

use super::curves::Split;
use super::{Labels, prepare};
use crate::{Error, Result};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use statrs::distribution::{ContinuousCDF, Normal};

/// An estimate with a two-sided confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// The point estimate (on the full data).
    pub estimate: f64,
    /// Lower bound.
    pub lower: f64,
    /// Upper bound.
    pub upper: f64,
    /// Confidence level, e.g. 0.95.
    pub level: f64,
}

impl std::fmt::Display for Interval {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.3} ({:.0}% CI {:.3}–{:.3})", self.estimate, self.level * 100.0, self.lower, self.upper)
    }
}

/// Settings of a bootstrap: resamples, confidence level, seed, and whether to resample
/// positives and negatives separately (stratified, the default and the course's way,
/// which keeps the prevalence fixed so the AUC is defined in every resample).
///
/// ```
/// let b = ai4med::metrics::Bootstrap::new(1000).seed(7).level(0.9);
/// assert_eq!((b.n_resamples, b.seed, b.level), (1000, 7, 0.9));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bootstrap {
    /// Number of resamples.
    pub n_resamples: usize,
    /// Confidence level in (0, 1).
    pub level: f64,
    /// Seed: the same seed gives the same interval, on any number of threads.
    pub seed: u64,
    /// Resample each class separately.
    pub stratified: bool,
}

impl Default for Bootstrap {
    fn default() -> Self {
        Bootstrap { n_resamples: 1000, level: 0.95, seed: 0, stratified: true }
    }
}

impl Bootstrap {
    /// `n` stratified resamples at the 95% level with seed 0.
    pub fn new(n_resamples: usize) -> Self {
        Bootstrap { n_resamples, ..Default::default() }
    }
    /// Sets the seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    /// Sets the confidence level.
    pub fn level(mut self, level: f64) -> Self {
        self.level = level;
        self
    }
    /// Resample all cases together instead of per class.
    pub fn unstratified(mut self) -> Self {
        self.stratified = false;
        self
    }
    fn check(&self) -> Result<()> {
        if self.n_resamples < 2 {
            return Err(Error::invalid_arg("n_resamples", format!("need at least 2 resamples, got {}", self.n_resamples)));
        }
        if !(self.level > 0.0 && self.level < 1.0) {
            return Err(Error::invalid_arg("level", format!("must lie strictly between 0 and 1, got {}", self.level)));
        }
        Ok(())
    }
    /// The random stream of resample `r`: independent of thread scheduling.
    fn rng(&self, r: usize) -> ChaCha8Rng {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(r as u64);
        rng
    }
}

/// Draws one resample as indices into the data: per class if stratified.
fn draw(rng: &mut ChaCha8Rng, pos: &[usize], neg: &[usize], stratified: bool, out: &mut Vec<usize>) {
    out.clear();
    if stratified {
        for _ in 0..pos.len() {
            out.push(pos[rng.random_range(0..pos.len())]);
        }
        for _ in 0..neg.len() {
            out.push(neg[rng.random_range(0..neg.len())]);
        }
    } else {
        let n = pos.len() + neg.len();
        for _ in 0..n {
            let k = rng.random_range(0..n);
            out.push(if k < pos.len() { pos[k] } else { neg[k - pos.len()] });
        }
    }
}

fn percentile_interval(estimate: f64, mut reps: Vec<f64>, level: f64) -> Interval {
    reps.sort_by(f64::total_cmp);
    let a = (1.0 - level) / 2.0;
    Interval {
        estimate,
        lower: super::calibration::quantile_sorted(&reps, a),
        upper: super::calibration::quantile_sorted(&reps, 1.0 - a),
        level,
    }
}

/// A bootstrap interval and how many resamples produced a value.
#[derive(Debug, Clone, PartialEq)]
pub struct BootstrapResult {
    /// Percentile interval around the full-data estimate.
    pub interval: Interval,
    /// Resamples in which the metric was defined (the others are left out).
    pub used: usize,
}

/// Percentile bootstrap confidence interval of any metric `f(y, scores)`.
///
/// Each resample draws cases with replacement (per class when stratified), computes
/// the metric, and the interval is formed by the `(1 − level)/2` and `(1 + level)/2`
/// quantiles of the resampled values (numpy's linear interpolation). Resamples in
/// which the metric is undefined are skipped; if fewer than half remain, that is an
/// error. Resamples run in parallel; the result depends only on the seed.
///
/// ```
/// use ai4med::metrics::{Bootstrap, bootstrap_ci, roc_auc};
/// let y = [0, 0, 1, 1, 0, 1, 0, 1];
/// let s = [0.1, 0.4, 0.35, 0.8, 0.2, 0.7, 0.6, 0.9];
/// let r = bootstrap_ci(&y, &s, |y: &[bool], s: &[f64]| roc_auc(y, s), Bootstrap::new(200).seed(1)).unwrap();
/// assert!(r.interval.lower <= r.interval.estimate && r.interval.estimate <= r.interval.upper);
/// ```
pub fn bootstrap_ci<L, F>(y: &L, scores: &[f64], metric: F, cfg: Bootstrap) -> Result<BootstrapResult>
where
    L: Labels + ?Sized,
    F: Fn(&[bool], &[f64]) -> Result<f64> + Sync,
{
    cfg.check()?;
    let y = prepare(y, scores)?;
    let estimate = metric(&y, scores)?;
    let pos: Vec<usize> = (0..y.len()).filter(|&i| y[i]).collect();
    let neg: Vec<usize> = (0..y.len()).filter(|&i| !y[i]).collect();
    if cfg.stratified && (pos.is_empty() || neg.is_empty()) {
        return Err(Error::undefined("stratified bootstrap", "y_true has only one class"));
    }
    let reps: Vec<Option<f64>> = (0..cfg.n_resamples)
        .into_par_iter()
        .map_init(
            || (Vec::new(), Vec::new(), Vec::new()),
            |(idx, yb, sb), r| {
                let mut rng = cfg.rng(r);
                draw(&mut rng, &pos, &neg, cfg.stratified, idx);
                yb.clear();
                sb.clear();
                for &i in idx.iter() {
                    yb.push(y[i]);
                    sb.push(scores[i]);
                }
                metric(yb, sb).ok().filter(|v| v.is_finite())
            },
        )
        .collect();
    finish(estimate, reps, cfg)
}

fn finish(estimate: f64, reps: Vec<Option<f64>>, cfg: Bootstrap) -> Result<BootstrapResult> {
    let vals: Vec<f64> = reps.into_iter().flatten().collect();
    if vals.len() * 2 < cfg.n_resamples {
        return Err(Error::undefined(
            "bootstrap interval",
            format!("the metric was undefined in {} of {} resamples", cfg.n_resamples - vals.len(), cfg.n_resamples),
        ));
    }
    let used = vals.len();
    Ok(BootstrapResult { interval: percentile_interval(estimate, vals, cfg.level), used })
}

/// Bootstrap interval of the AUC, fast: the scores are sorted once and each resample
/// only re-weights the sorted cases (O(n) per resample instead of a sort).
///
/// Draws the same resamples as [`bootstrap_ci`] with [`roc_auc`](super::roc_auc) for
/// the same seed, so the two agree.
pub fn bootstrap_auc<L: Labels + ?Sized>(y: &L, scores: &[f64], cfg: Bootstrap) -> Result<BootstrapResult> {
    cfg.check()?;
    let y = prepare(y, scores)?;
    let split = Split::new(&y, scores);
    split.require_both("AUC")?;
    let estimate = split.auc();
    // Order of cases by score, and each case's tie group in that order.
    let mut order: Vec<usize> = (0..y.len()).collect();
    order.sort_by(|&a, &b| (scores[a] + 0.0).total_cmp(&(scores[b] + 0.0)));
    let mut rank = vec![0usize; y.len()];
    let mut group_end = Vec::new(); // exclusive end (in sorted order) of each tie group
    for (k, &i) in order.iter().enumerate() {
        rank[i] = k;
        if k + 1 == order.len() || scores[order[k + 1]] + 0.0 != scores[i] + 0.0 {
            group_end.push(k + 1);
        }
    }
    let is_pos: Vec<bool> = order.iter().map(|&i| y[i]).collect();
    let pos: Vec<usize> = (0..y.len()).filter(|&i| y[i]).collect();
    let neg: Vec<usize> = (0..y.len()).filter(|&i| !y[i]).collect();
    let n = y.len();
    let reps: Vec<Option<f64>> = (0..cfg.n_resamples)
        .into_par_iter()
        .map_init(
            || (Vec::new(), vec![0u32; n]),
            |(idx, w), r| {
                let mut rng = cfg.rng(r);
                draw(&mut rng, &pos, &neg, cfg.stratified, idx);
                w.iter_mut().for_each(|v| *v = 0);
                for &i in idx.iter() {
                    w[rank[i]] += 1;
                }
                let (mut start, mut neg_below, mut num) = (0usize, 0.0f64, 0.0f64);
                let (mut wp_total, mut wn_total) = (0.0f64, 0.0f64);
                for &end in &group_end {
                    let (mut pw, mut nw) = (0.0f64, 0.0f64);
                    for k in start..end {
                        if is_pos[k] { pw += w[k] as f64 } else { nw += w[k] as f64 }
                    }
                    num += pw * (neg_below + 0.5 * nw);
                    neg_below += nw;
                    wp_total += pw;
                    wn_total += nw;
                    start = end;
                }
                if wp_total == 0.0 || wn_total == 0.0 { None } else { Some(num / (wp_total * wn_total)) }
            },
        )
        .collect();
    finish(estimate, reps, cfg)
}

/// Midranks (1-based, ties averaged) of `v`.
fn midranks(v: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..v.len()).collect();
    order.sort_by(|&a, &b| (v[a] + 0.0).total_cmp(&(v[b] + 0.0)));
    let mut r = vec![0.0; v.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && v[order[j + 1]] + 0.0 == v[order[i]] + 0.0 {
            j += 1;
        }
        let mid = (i + j) as f64 / 2.0 + 1.0;
        for k in i..=j {
            r[order[k]] = mid;
        }
        i = j + 1;
    }
    r
}

/// DeLong's structural components: `V10` per positive case and `V01` per negative,
/// by midranks (Sun & Xu 2014), O(n log n).
fn components(y: &[bool], s: &[f64]) -> (f64, Vec<f64>, Vec<f64>) {
    let x: Vec<f64> = y.iter().zip(s).filter(|(t, _)| **t).map(|(_, &v)| v).collect();
    let z: Vec<f64> = y.iter().zip(s).filter(|(t, _)| !**t).map(|(_, &v)| v).collect();
    let (m, n) = (x.len() as f64, z.len() as f64);
    let mut all = x.clone();
    all.extend_from_slice(&z);
    let tz = midranks(&all);
    let tx = midranks(&x);
    let ty = midranks(&z);
    let v10: Vec<f64> = (0..x.len()).map(|i| (tz[i] - tx[i]) / n).collect();
    let v01: Vec<f64> = (0..z.len()).map(|j| 1.0 - (tz[x.len() + j] - ty[j]) / m).collect();
    let auc = v10.iter().sum::<f64>() / m;
    (auc, v10, v01)
}

fn cov(a: &[f64], b: &[f64]) -> f64 {
    let ma = a.iter().sum::<f64>() / a.len() as f64;
    let mb = b.iter().sum::<f64>() / b.len() as f64;
    a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum::<f64>() / (a.len() as f64 - 1.0)
}

fn need_two_each(y: &[bool]) -> Result<()> {
    let p = y.iter().filter(|&&v| v).count();
    if p < 2 || y.len() - p < 2 {
        return Err(Error::undefined(
            "DeLong variance",
            format!("needs at least 2 positive and 2 negative cases, got {p} and {}", y.len() - p),
        ));
    }
    Ok(())
}

/// The AUC and its DeLong variance `S₁₀/m + S₀₁/n` (as pROC's `var(roc, method = "delong")`).
pub fn delong_variance<L: Labels + ?Sized>(y: &L, scores: &[f64]) -> Result<(f64, f64)> {
    let y = prepare(y, scores)?;
    need_two_each(&y)?;
    let (auc, v10, v01) = components(&y, scores);
    let var = cov(&v10, &v10) / v10.len() as f64 + cov(&v01, &v01) / v01.len() as f64;
    Ok((auc, var))
}

fn normal() -> Normal {
    // Normal::new(0, 1) cannot fail; fall back to a default standard normal regardless.
    Normal::new(0.0, 1.0).unwrap_or_else(|_| Normal::standard())
}

/// DeLong confidence interval of the AUC: `AUC ± z·√var`, clipped to [0, 1]
/// (pROC's `ci.auc(method = "delong")`).
///
/// ```
/// let y = [0, 0, 1, 1, 0, 1, 0, 1];
/// let s = [0.1, 0.4, 0.35, 0.8, 0.2, 0.7, 0.6, 0.9];
/// let ci = ai4med::metrics::delong_ci(&y, &s, 0.95).unwrap();
/// assert!((ci.estimate - 0.875).abs() < 1e-12);
/// ```
pub fn delong_ci<L: Labels + ?Sized>(y: &L, scores: &[f64], level: f64) -> Result<Interval> {
    if !(level > 0.0 && level < 1.0) {
        return Err(Error::invalid_arg("level", format!("must lie strictly between 0 and 1, got {level}")));
    }
    let (auc, var) = delong_variance(y, scores)?;
    let z = normal().inverse_cdf(0.5 + level / 2.0);
    let half = z * var.sqrt();
    Ok(Interval { estimate: auc, lower: (auc - half).max(0.0), upper: (auc + half).min(1.0), level })
}

/// DeLong's test for two correlated AUCs (two scores on the same cases).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DelongTest {
    /// AUC of the first scores.
    pub auc_a: f64,
    /// AUC of the second scores.
    pub auc_b: f64,
    /// z statistic of `auc_a − auc_b`.
    pub z: f64,
    /// Two-sided p-value.
    pub p_value: f64,
}

/// DeLong's test of `H₀: AUC_a = AUC_b` for paired scores (pROC's `roc.test(method =
/// "delong", paired = TRUE)`): `z = (A − B)/√(var A + var B − 2 cov)`.
pub fn delong_test<L: Labels + ?Sized>(y: &L, scores_a: &[f64], scores_b: &[f64]) -> Result<DelongTest> {
    let y = prepare(y, scores_a)?;
    crate::error::check::same_len("scores_a vs scores_b", scores_a.len(), scores_b.len())?;
    crate::error::check::finite("scores_b", scores_b)?;
    need_two_each(&y)?;
    let (a, v10a, v01a) = components(&y, scores_a);
    let (b, v10b, v01b) = components(&y, scores_b);
    let (m, n) = (v10a.len() as f64, v01a.len() as f64);
    let var_a = cov(&v10a, &v10a) / m + cov(&v01a, &v01a) / n;
    let var_b = cov(&v10b, &v10b) / m + cov(&v01b, &v01b) / n;
    let c = cov(&v10a, &v10b) / m + cov(&v01a, &v01b) / n;
    let var = var_a + var_b - 2.0 * c;
    if !(var > 0.0) {
        return Err(Error::undefined("DeLong test", "the two AUC estimates have zero variance of their difference (identical rankings?)"));
    }
    let z = (a - b) / var.sqrt();
    let p_value = 2.0 * normal().cdf(-z.abs());
    Ok(DelongTest { auc_a: a, auc_b: b, z, p_value })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::roc_auc;

    fn data(n: usize, seed: u64) -> (Vec<bool>, Vec<f64>) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let y: Vec<bool> = (0..n).map(|i| i % 3 == 0).collect();
        let s: Vec<f64> =
            y.iter().map(|&t| ((t as u8 as f64) * 0.8 + rng.random::<f64>()).min(1.0) * 0.5).map(|v| (v * 20.0).round() / 20.0).collect();
        (y, s)
    }

    #[test]
    fn fast_auc_bootstrap_equals_generic() {
        let (y, s) = data(200, 3);
        let cfg = Bootstrap::new(300).seed(11);
        let fast = bootstrap_auc(&y, &s, cfg).unwrap();
        let slow = bootstrap_ci(&y, &s, |y: &[bool], s: &[f64]| roc_auc(y, s), cfg).unwrap();
        assert!((fast.interval.lower - slow.interval.lower).abs() < 1e-12);
        assert!((fast.interval.upper - slow.interval.upper).abs() < 1e-12);
        assert_eq!(fast.used, 300);
        // Same seed, same answer; another seed, another answer.
        assert_eq!(bootstrap_auc(&y, &s, cfg).unwrap(), fast);
        assert_ne!(bootstrap_auc(&y, &s, cfg.seed(12)).unwrap().interval, fast.interval);
    }

    #[test]
    fn unstratified_and_undefined_resamples() {
        let (y, s) = data(60, 4);
        let r =
            bootstrap_ci(&y, &s, |y: &[bool], s: &[f64]| super::super::sensitivity(y, s, 0.5), Bootstrap::new(100).unstratified()).unwrap();
        assert!(r.used <= 100);
        assert!(bootstrap_ci(&[1, 1], &[0.1, 0.2], |y: &[bool], s: &[f64]| roc_auc(y, s), Bootstrap::new(10)).is_err());
        assert!(bootstrap_auc(&y, &s, Bootstrap::new(1)).is_err());
        assert!(bootstrap_auc(&y, &s, Bootstrap::new(10).level(1.0)).is_err());
    }

    #[test]
    fn delong_components_match_brute_force() {
        let (y, s) = data(90, 5);
        let (auc, v10, v01) = components(&y, &s);
        let x: Vec<f64> = y.iter().zip(&s).filter(|(t, _)| **t).map(|(_, &v)| v).collect();
        let z: Vec<f64> = y.iter().zip(&s).filter(|(t, _)| !**t).map(|(_, &v)| v).collect();
        let psi = |a: f64, b: f64| {
            if a > b {
                1.0
            } else if a == b {
                0.5
            } else {
                0.0
            }
        };
        for (i, &xi) in x.iter().enumerate() {
            let want = z.iter().map(|&zj| psi(xi, zj)).sum::<f64>() / z.len() as f64;
            assert!((v10[i] - want).abs() < 1e-12);
        }
        for (j, &zj) in z.iter().enumerate() {
            let want = x.iter().map(|&xi| psi(xi, zj)).sum::<f64>() / x.len() as f64;
            assert!((v01[j] - want).abs() < 1e-12);
        }
        assert!((auc - roc_auc(&y, &s).unwrap()).abs() < 1e-12);
    }

    #[test]
    fn delong_test_symmetry_and_errors() {
        let (y, s) = data(90, 6);
        let s2: Vec<f64> = s.iter().enumerate().map(|(i, v)| v + 0.01 * (i % 7) as f64).collect();
        let t = delong_test(&y, &s, &s2).unwrap();
        let u = delong_test(&y, &s2, &s).unwrap();
        assert!((t.z + u.z).abs() < 1e-12 && (t.p_value - u.p_value).abs() < 1e-12);
        assert!(delong_test(&y, &s, &s).is_err());
        assert!(delong_ci(&[1, 0, 0], &[0.5, 0.2, 0.1], 0.95).is_err());
    }
}
