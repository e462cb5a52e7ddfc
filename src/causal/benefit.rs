//! C-for-benefit (van Klaveren et al. 2018): discrimination of predicted treatment benefit.

use super::trial::check_binary;
use crate::metrics::{Bootstrap, BootstrapResult, Interval};
use crate::model::Predict;
use crate::trees::{Combination, GridSearch, ParamGrid};
use crate::{Error, Result};
use polars::prelude::DataFrame;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// One patient in a matched pair: `(predicted risk reduction, outcome 0/1)`.
pub type Patient = (f64, f64);

/// Concordance counts over pairs of matched pairs, for benefits sorted by prediction.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Counts {
    concordant: f64,
    tied: f64,
    permissible: f64,
}

impl Counts {
    fn score(self) -> Result<f64> {
        if self.permissible == 0.0 {
            return Err(Error::undefined(
                "C-for-benefit",
                "no permissible pairs of pairs: every matched pair has the same observed benefit",
            ));
        }
        Ok((self.concordant + 0.5 * self.tied) / self.permissible)
    }
}

/// Counts over `(predicted, observed)` items given in nondecreasing order of
/// prediction; observed benefit ∈ {−1, 0, 1} as index 0, 1, 2. O(m).
fn count_sorted(items: impl Iterator<Item = (f64, usize)>) -> Counts {
    let mut c = Counts::default();
    let mut below = [0.0f64; 3];
    let mut group = [0.0f64; 3];
    let mut current = f64::NAN;
    let flush = |c: &mut Counts, below: &mut [f64; 3], group: &mut [f64; 3]| {
        for o in 0..3 {
            if group[o] == 0.0 {
                continue;
            }
            let lower: f64 = below[..o].iter().sum();
            let other: f64 = (0..3).filter(|&k| k != o).map(|k| below[k]).sum();
            c.concordant += group[o] * lower;
            c.permissible += group[o] * other;
        }
        let ties = group[0] * group[1] + group[0] * group[2] + group[1] * group[2];
        c.tied += ties;
        c.permissible += ties;
        for o in 0..3 {
            below[o] += group[o];
            group[o] = 0.0;
        }
    };
    for (p, o) in items {
        if p != current {
            flush(&mut c, &mut below, &mut group);
            current = p;
        }
        group[o] += 1.0;
    }
    flush(&mut c, &mut below, &mut group);
    c
}

fn observed(control_y: f64, treated_y: f64) -> usize {
    // benefit = control outcome − treated outcome, shifted to 0..=2
    (control_y - treated_y + 1.0) as usize
}

/// C-for-benefit of matched pairs (course exercise `c_for_benefit_score`). Each pair
/// is `(control patient, treated patient)`, a patient being `(predicted risk
/// reduction, outcome)`. A pair's observed benefit is the control outcome minus the
/// treated outcome (1: the treated patient avoided the event the control had; −1: the
/// reverse; 0: same outcome), its predicted benefit the mean of the two predictions.
/// Over all pairs of pairs with different observed benefit (permissible), the score
/// is `(concordant + ½·tied predictions) / permissible`, concordant meaning the pair
/// with the larger predicted benefit has the larger observed benefit.
///
/// Computed in O(m log m) (sort by predicted benefit, then one pass with counts per
/// observed-benefit level) rather than over all O(m²) pairs of pairs; tests check it
/// against the pair loop. Errors: non-0/1 outcomes, non-finite predictions, no
/// permissible pair.
///
/// ```
/// use ai4med::causal::c_for_benefit_score;
/// let pairs = [((0.64, 1.0), (0.54, 0.0)), ((0.44, 0.0), (0.40, 1.0)), ((0.56, 1.0), (0.74, 0.0)),
///              ((0.22, 0.0), (0.22, 1.0)), ((0.22, 1.0), (0.22, 0.0))];
/// assert!((c_for_benefit_score(&pairs).unwrap() - 0.75).abs() < 1e-12);
/// ```
pub fn c_for_benefit_score(pairs: &[(Patient, Patient)]) -> Result<f64> {
    crate::error::check::non_empty("pairs", pairs.len())?;
    let mut items = Vec::with_capacity(pairs.len());
    for (i, &((pc, yc), (pt, yt))) in pairs.iter().enumerate() {
        for (v, what) in [(pc, "control prediction"), (pt, "treated prediction")] {
            if !v.is_finite() {
                return Err(Error::InvalidValue {
                    what: format!("pairs ({what})"),
                    value: v.to_string(),
                    index: i,
                    reason: "predictions must be finite".into(),
                });
            }
        }
        for (v, what) in [(yc, "control outcome"), (yt, "treated outcome")] {
            if v != 0.0 && v != 1.0 {
                return Err(Error::InvalidValue {
                    what: format!("pairs ({what})"),
                    value: v.to_string(),
                    index: i,
                    reason: "outcomes must be 0 or 1".into(),
                });
            }
        }
        items.push(((pc + pt) / 2.0, observed(yc, yt)));
    }
    items.sort_by(|a, b| a.0.total_cmp(&b.0));
    count_sorted(items.into_iter()).score()
}

/// Validated arms: indices of control and treated patients, in their original order.
fn arms(pred_arr: &[f64], outcome: &[f64], treatment: &[f64]) -> Result<(Vec<usize>, Vec<usize>)> {
    use crate::error::check;
    check::same_len("pred_arr vs outcome", pred_arr.len(), outcome.len())?;
    check::same_len("pred_arr vs treatment", pred_arr.len(), treatment.len())?;
    check::non_empty("pred_arr", pred_arr.len())?;
    check::finite("pred_arr", pred_arr)?;
    check_binary("outcome", outcome)?;
    check_binary("treatment", treatment)?;
    let (t, c): (Vec<usize>, Vec<usize>) = (0..pred_arr.len()).partition(|&i| treatment[i] == 1.0);
    if t.is_empty() || c.is_empty() {
        let arm = if t.is_empty() { "treated" } else { "control" };
        return Err(Error::undefined("C-for-benefit", format!("the {arm} arm has no patients, so no pairs can be matched")));
    }
    Ok((c, t))
}

/// A seeded random subset of `m` of the positions `0..n`, in increasing order (all of
/// them when `m ≥ n`, drawing nothing): how [`benefit_pairs`] subsamples the larger arm.
///
/// The subset is the one Python draws with `random.seed(seed)` followed by
/// `random.sample(range(n), m)`, sorted ([`crate::pyrng::PythonRandom`]): the course's
/// `c_statistic` subsamples the larger arm that way, so the course's test case and
/// Python's values on random data come out the same (`tests/causal_fixtures.rs`).
///
/// ```
/// // Python: random.seed(0); random.sample(range(5), 4) == [3, 4, 0, 1]
/// assert_eq!(ai4med::causal::random_subset(5, 4, 0), vec![0, 1, 3, 4]);
/// let s = ai4med::causal::random_subset(10, 4, 7);
/// assert!(s.windows(2).all(|w| w[0] < w[1]) && s == ai4med::causal::random_subset(10, 4, 7));
/// ```
pub fn random_subset(n: usize, m: usize, seed: u64) -> Vec<usize> {
    if m >= n {
        return (0..n).collect();
    }
    let mut keep = crate::pyrng::PythonRandom::new(seed).sample(n, m);
    keep.sort_unstable();
    keep
}

/// The arm's indices after subsampling to `m`, sorted by prediction (ties in original order).
fn matched_order(arm: &[usize], m: usize, seed: u64, pred: &[f64]) -> Vec<usize> {
    let mut kept: Vec<usize> = random_subset(arm.len(), m, seed).into_iter().map(|k| arm[k]).collect();
    kept.sort_by(|&a, &b| pred[a].total_cmp(&pred[b]).then(a.cmp(&b)));
    kept
}

/// The matched pairs of [`c_for_benefit`]: `(control, treated)` patients, lowest
/// predicted benefit first. The larger arm (in the original row order) keeps the
/// positions [`random_subset`]`(its size, size of the smaller arm, seed)`; each arm is
/// then sorted by prediction (a stable sort) and the k-th patients are paired.
pub fn benefit_pairs(pred_arr: &[f64], outcome: &[f64], treatment: &[f64], seed: u64) -> Result<Vec<(Patient, Patient)>> {
    let (c, t) = arms(pred_arr, outcome, treatment)?;
    let m = c.len().min(t.len());
    let (c, t) = (matched_order(&c, m, seed, pred_arr), matched_order(&t, m, seed, pred_arr));
    Ok(c.iter().zip(&t).map(|(&i, &j)| ((pred_arr[i], outcome[i]), (pred_arr[j], outcome[j]))).collect())
}

/// C-for-benefit of predicted risk reductions on trial data (course exercise
/// `c_statistic`): the larger arm is randomly subsampled (seeded) to the size of the
/// smaller, each arm is sorted by predicted risk reduction, the k-th control is
/// matched with the k-th treated patient, and the pairs are scored by
/// [`c_for_benefit_score`]. 0.5 is chance, 1 a perfect ranking of benefit.
///
/// The subsample comes from this crate's seeded generator, so for the same seed it is
/// not the subsample of the course's `random.sample`; when the arms have equal size
/// nothing is random and the score is the course's exactly.
///
/// ```
/// use ai4med::causal::c_for_benefit;
/// let pred = [0.1, 0.3, 0.2, 0.4, 0.05, 0.35];
/// let y = [1.0, 0.0, 0.0, 1.0, 0.0, 1.0];
/// let w = [0.0, 1.0, 0.0, 1.0, 1.0, 0.0];
/// let c = c_for_benefit(&pred, &y, &w, 0).unwrap();
/// assert!((0.0..=1.0).contains(&c));
/// ```
pub fn c_for_benefit(pred_arr: &[f64], outcome: &[f64], treatment: &[f64], seed: u64) -> Result<f64> {
    let pairs = benefit_pairs(pred_arr, outcome, treatment, seed)?;
    // Both arms are sorted, so the pairs' mean predictions are already nondecreasing.
    count_sorted(pairs.iter().map(|&((pc, yc), (pt, yt))| ((pc + pt) / 2.0, observed(yc, yt)))).score()
}

/// Percentile bootstrap interval of [`c_for_benefit`] (the estimate is
/// `c_for_benefit(…, cfg.seed)`). Each replicate draws `m = min(n_treated, n_control)`
/// patients with replacement from each arm — the same distribution as resampling each
/// arm at its own size and then subsampling the larger one, as the estimate does —
/// matches them by rank and scores the pairs. Replicates without a permissible pair
/// are skipped (error if more than half are). Runs in parallel; the result depends only
/// on the seed (`cfg.stratified` is ignored: arms are always resampled separately).
/// Each replicate costs O(n) (counting sort on the pre-sorted arms), so 1000
/// replicates on 10⁴ patients take a fraction of a second.
///
/// ```
/// use ai4med::causal::c_for_benefit_ci;
/// use ai4med::metrics::Bootstrap;
/// let pred: Vec<f64> = (0..200).map(|i| (i % 17) as f64 / 17.0).collect();
/// let y: Vec<f64> = (0..200).map(|i| ((i * 7) % 3 == 0) as u8 as f64).collect();
/// let w: Vec<f64> = (0..200).map(|i| (i % 2) as f64).collect();
/// let r = c_for_benefit_ci(&pred, &y, &w, Bootstrap::new(200).seed(3)).unwrap();
/// assert!(r.interval.lower <= r.interval.upper);
/// ```
pub fn c_for_benefit_ci(pred_arr: &[f64], outcome: &[f64], treatment: &[f64], cfg: Bootstrap) -> Result<BootstrapResult> {
    use rayon::prelude::*;
    if cfg.n_resamples < 2 {
        return Err(Error::invalid_arg("n_resamples", format!("need at least 2 resamples, got {}", cfg.n_resamples)));
    }
    if !(cfg.level > 0.0 && cfg.level < 1.0) {
        return Err(Error::invalid_arg("level", format!("must lie strictly between 0 and 1, got {}", cfg.level)));
    }
    let estimate = c_for_benefit(pred_arr, outcome, treatment, cfg.seed)?;
    let (c, t) = arms(pred_arr, outcome, treatment)?;
    let m = c.len().min(t.len());
    let (c, t) = (matched_order(&c, c.len(), 0, pred_arr), matched_order(&t, t.len(), 0, pred_arr));
    let arm_data = |idx: &[usize]| -> Vec<(f64, f64)> { idx.iter().map(|&i| (pred_arr[i], outcome[i])).collect() };
    let (cd, td) = (arm_data(&c), arm_data(&t));
    let reps: Vec<f64> = (0..cfg.n_resamples)
        .into_par_iter()
        .map_init(
            || (Vec::new(), Vec::new(), Vec::new(), Vec::new()),
            |(cc, tc, cs, ts), r| {
                let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
                rng.set_stream(r as u64 + 1);
                draw_sorted(&mut rng, cd.len(), m, cc, cs);
                draw_sorted(&mut rng, td.len(), m, tc, ts);
                let items = cs.iter().zip(ts.iter()).map(|(&i, &j)| {
                    let ((pc, yc), (pt, yt)) = (cd[i], td[j]);
                    ((pc + pt) / 2.0, observed(yc, yt))
                });
                count_sorted(items).score().unwrap_or(f64::NAN)
            },
        )
        .collect();
    let mut ok: Vec<f64> = reps.into_iter().filter(|v| v.is_finite()).collect();
    if ok.len() * 2 < cfg.n_resamples {
        return Err(Error::undefined(
            "C-for-benefit bootstrap",
            format!("only {} of {} resamples had a permissible pair", ok.len(), cfg.n_resamples),
        ));
    }
    ok.sort_by(f64::total_cmp);
    let a = (1.0 - cfg.level) / 2.0;
    let interval = Interval {
        estimate,
        lower: crate::metrics::quantile_sorted(&ok, a),
        upper: crate::metrics::quantile_sorted(&ok, 1.0 - a),
        level: cfg.level,
    };
    Ok(BootstrapResult { interval, used: ok.len() })
}

/// `m` ranks drawn with replacement from `0..n`, in increasing order (counting sort).
fn draw_sorted(rng: &mut ChaCha8Rng, n: usize, m: usize, counts: &mut Vec<u32>, out: &mut Vec<usize>) {
    counts.clear();
    counts.resize(n, 0);
    for _ in 0..m {
        counts[rng.random_range(0..n)] += 1;
    }
    out.clear();
    for (i, &k) in counts.iter().enumerate() {
        for _ in 0..k {
            out.push(i);
        }
    }
}

/// Hold-out grid search scored by C-for-benefit: for each combination of `grid`,
/// `fit` returns a fitted learner (T-, S- or X-learner, built from the combination),
/// which predicts risk reduction on the validation frame `valid` (with its treatment
/// column); the score is [`c_for_benefit`] with `seed`. The best combination has the
/// highest score; the table lists every combination.
pub fn benefit_grid_search<M, F>(
    grid: &ParamGrid,
    mut fit: F,
    valid: &DataFrame,
    valid_y: &[f64],
    treatment: &str,
    seed: u64,
) -> Result<GridSearch<M>>
where
    M: Predict<DataFrame>,
    F: FnMut(&Combination) -> Result<M>,
{
    let w = crate::data::column_f64(valid, treatment)?;
    crate::error::check::same_len("valid rows vs valid_y", valid.height(), valid_y.len())?;
    crate::trees::holdout_grid_search(grid, |c| {
        let model = fit(c)?;
        let pred = model.predict(valid)?;
        let score = c_for_benefit(&pred, valid_y, &w, seed)?;
        Ok((model, score))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The course's `c_statistic` test case: `random.seed(0)` drops the treated patient
    /// with prediction 0.7, and the C-for-benefit is 0.6.
    #[test]
    fn course_c_statistic_case() {
        let pred = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
        let y = [0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0];
        let w = [0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0];
        let pairs = benefit_pairs(&pred, &y, &w, 0).unwrap();
        assert!(pairs.iter().all(|&(_, (p, _))| p != 0.7));
        assert!((c_for_benefit(&pred, &y, &w, 0).unwrap() - 0.6).abs() < 1e-12);
    }

    /// The course's O(m²) loop.
    fn brute(pairs: &[(Patient, Patient)]) -> Option<f64> {
        let obs: Vec<f64> = pairs.iter().map(|&((_, yc), (_, yt))| yc - yt).collect();
        let pred: Vec<f64> = pairs.iter().map(|&((a, _), (b, _))| (a + b) / 2.0).collect();
        let (mut conc, mut perm, mut tie) = (0.0, 0.0, 0.0);
        for i in 0..pairs.len() {
            for j in i + 1..pairs.len() {
                if obs[i] != obs[j] {
                    perm += 1.0;
                    if (pred[i] > pred[j] && obs[i] > obs[j]) || (pred[i] < pred[j] && obs[i] < obs[j]) {
                        conc += 1.0;
                    }
                    if pred[i] == pred[j] {
                        tie += 1.0;
                    }
                }
            }
        }
        (perm > 0.0).then(|| (conc + 0.5 * tie) / perm)
    }

    #[test]
    fn fast_equals_pair_loop_on_random_tied_data() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        for trial in 0..300 {
            let m = 1 + trial % 40;
            let levels = 1 + trial % 6;
            let pairs: Vec<(Patient, Patient)> = (0..m)
                .map(|_| {
                    let p = |rng: &mut ChaCha8Rng| rng.random_range(0..levels) as f64 / 4.0;
                    ((p(&mut rng), rng.random_range(0..2) as f64), (p(&mut rng), rng.random_range(0..2) as f64))
                })
                .collect();
            match (brute(&pairs), c_for_benefit_score(&pairs)) {
                (Some(b), Ok(f)) => assert!((b - f).abs() < 1e-12, "{b} vs {f}"),
                (None, Err(_)) => {}
                (b, f) => panic!("{b:?} vs {f:?}"),
            }
        }
    }

    #[test]
    fn matching_and_errors() {
        // Equal arms: nothing random; matched by rank.
        let pred = [0.3, 0.1, 0.2, 0.5, 0.4, 0.0];
        let y = [1.0, 0.0, 1.0, 0.0, 0.0, 1.0];
        let w = [1.0, 1.0, 1.0, 0.0, 0.0, 0.0];
        let pairs = benefit_pairs(&pred, &y, &w, 9).unwrap();
        assert_eq!(pairs, vec![((0.0, 1.0), (0.1, 0.0)), ((0.4, 0.0), (0.2, 1.0)), ((0.5, 0.0), (0.3, 1.0))]);
        assert_eq!(c_for_benefit(&pred, &y, &w, 1).unwrap(), c_for_benefit_score(&pairs).unwrap());
        // Unequal arms: seeded subsample of the larger.
        let w2 = [1.0, 1.0, 0.0, 0.0, 0.0, 0.0];
        let a = benefit_pairs(&pred, &y, &w2, 5).unwrap();
        assert_eq!(a.len(), 2);
        assert_eq!(a, benefit_pairs(&pred, &y, &w2, 5).unwrap());
        assert!(c_for_benefit(&pred, &y, &[1.0; 6], 0).unwrap_err().to_string().contains("control arm"));
        assert!(c_for_benefit(&pred, &y[..3], &w, 0).is_err());
        assert!(c_for_benefit(&pred, &[2.0; 6], &w, 0).is_err());
        assert!(c_for_benefit(&[f64::NAN; 6], &y, &w, 0).is_err());
        assert!(
            c_for_benefit_score(&[((0.1, 1.0), (0.2, 1.0)), ((0.3, 0.0), (0.2, 0.0))]).unwrap_err().to_string().contains("permissible")
        );
        assert!(c_for_benefit_score(&[]).is_err());
        assert!(c_for_benefit_score(&[((0.1, 0.5), (0.2, 1.0))]).is_err());
    }

    #[test]
    fn bootstrap_is_deterministic_and_covers() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let n = 3000;
        let pred: Vec<f64> = (0..n).map(|_| rng.random_range(-0.2..0.4)).collect();
        let w: Vec<f64> = (0..n).map(|_| rng.random_bool(0.45) as u8 as f64).collect();
        // Outcome risk falls with treatment in proportion to the predicted benefit.
        let y: Vec<f64> = (0..n).map(|i| rng.random_bool(0.5 - w[i] * pred[i]) as u8 as f64).collect();
        let cfg = Bootstrap::new(300).seed(4);
        let a = c_for_benefit_ci(&pred, &y, &w, cfg).unwrap();
        let b = c_for_benefit_ci(&pred, &y, &w, cfg).unwrap();
        assert_eq!(a, b);
        assert!(a.interval.lower < a.interval.estimate && a.interval.estimate < a.interval.upper);
        assert!(a.interval.estimate > 0.53, "{:?}", a.interval);
        assert_eq!(a.used, 300);
        assert!(c_for_benefit_ci(&pred, &y, &w, Bootstrap::new(1)).is_err());
    }
}
