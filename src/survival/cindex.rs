//! Harrell's concordance index for censored data.

use super::SurvivalData;
use crate::{Error, Result};

/// Harrell's C as the course defines it (course 2 week 4, exercise `harrell_c`), in
/// O(n log n). `scores` are risks: a higher score should mean an earlier event.
///
/// A pair is permissible when at least one of the two had the event and the one with
/// the event is known to have had it first: `T_i < T_j` with `i` an event, or
/// `T_i = T_j` with `i` an event and `j` censored (censored at a time means alive
/// through it). Two events at the same time also form a permissible pair, which can
/// only be a tie (½, when the scores are equal) — never concordant. Concordant: the
/// earlier event has the higher score; tied scores count ½.
///
/// lifelines' `concordance_index` differs on ties in time (it skips pairs of equal
/// times); use [`harrell_c_pairs`] for the literal double loop.
///
/// ```
/// use ai4med::survival::{SurvivalData, harrell_c};
/// let d = SurvivalData::new(&[20.0, 20.0, 30.0, 30.0, 30.0], &[0.0, 1.0, 0.0, 1.0, 0.0]).unwrap();
/// let c = harrell_c(&d, &[20.0, 15.0, 5.0, 10.0, 15.0]).unwrap();
/// assert!((c - 0.5833333333333334).abs() < 1e-15);
/// ```
pub fn harrell_c(data: &SurvivalData, scores: &[f64]) -> Result<f64> {
    check(data, scores)?;
    let n = data.len();
    // Ranks of the scores (equal scores share a rank) for a Fenwick tree of counts.
    // Dense ranks of the scores (equal scores share a rank), by one radix sort.
    let mut by_score: Vec<usize> = (0..n).collect();
    radsort::sort_by_key(&mut by_score, |&i| scores[i]);
    let mut ranks = vec![0usize; n];
    let mut m = 0;
    for (k, &i) in by_score.iter().enumerate() {
        if k > 0 && scores[i] != scores[by_score[k - 1]] {
            m += 1;
        }
        ranks[i] = m;
    }
    let m = m + 1;
    let rank = |i: usize| ranks[i];
    let mut tree = vec![0u64; m + 1];
    let add = |tree: &mut Vec<u64>, r: usize| {
        let mut i = r + 1;
        while i <= m {
            tree[i] += 1;
            i += i & i.wrapping_neg();
        }
    };
    let below = |tree: &Vec<u64>, r: usize| -> u64 {
        // number of inserted scores with rank < r
        let mut i = r;
        let mut s = 0;
        while i > 0 {
            s += tree[i];
            i -= i & i.wrapping_neg();
        }
        s
    };
    let mut order: Vec<usize> = (0..n).collect();
    radsort::sort_by_key(&mut order, |&i| -data.time()[i]);
    let (mut concordant, mut ties, mut permissible) = (0.0f64, 0.0f64, 0.0f64);
    let mut inserted = 0u64;
    let mut i = 0;
    while i < n {
        let t = data.time()[order[i]];
        let mut j = i;
        while j < n && data.time()[order[j]] == t {
            j += 1;
        }
        let group = &order[i..j];
        // Censored subjects at this time outlived the events at this time.
        for &s in group.iter().filter(|&&s| !data.event()[s]) {
            add(&mut tree, rank(s));
            inserted += 1;
        }
        let events: Vec<usize> = group.iter().copied().filter(|&s| data.event()[s]).collect();
        for &s in &events {
            let r = rank(s);
            let lt = below(&tree, r);
            let le = below(&tree, r + 1);
            concordant += lt as f64;
            ties += (le - lt) as f64;
            permissible += inserted as f64;
        }
        // Pairs of events at the same time: permissible, ½ only when scores tie.
        let e = events.len();
        if e > 1 {
            permissible += (e * (e - 1) / 2) as f64;
            let mut ev_scores: Vec<f64> = events.iter().map(|&s| scores[s]).collect();
            ev_scores.sort_by(f64::total_cmp);
            let mut k = 0;
            while k < e {
                let mut l = k;
                while l < e && ev_scores[l] == ev_scores[k] {
                    l += 1;
                }
                let c = (l - k) as f64;
                ties += c * (c - 1.0) / 2.0;
                k = l;
            }
        }
        for &s in &events {
            add(&mut tree, rank(s));
            inserted += 1;
        }
        i = j;
    }
    if permissible == 0.0 {
        return Err(Error::undefined(
            "Harrell's C",
            "no permissible pair: every subject is censored, or no event precedes another follow-up time",
        ));
    }
    Ok((concordant + 0.5 * ties) / permissible)
}

/// Harrell's C by the course's double loop over all pairs, O(n²): the definition that
/// [`harrell_c`] computes fast.
pub fn harrell_c_pairs(data: &SurvivalData, scores: &[f64]) -> Result<f64> {
    check(data, scores)?;
    let (t, e) = (data.time(), data.event());
    let (mut concordant, mut ties, mut permissible) = (0.0f64, 0.0f64, 0.0f64);
    for i in 0..t.len() {
        for j in (i + 1)..t.len() {
            if !(e[i] || e[j]) {
                continue;
            }
            if e[i] && e[j] {
                permissible += 1.0;
                if scores[i] == scores[j] {
                    ties += 1.0;
                } else if (t[i] < t[j] && scores[i] > scores[j]) || (t[i] > t[j] && scores[i] < scores[j]) {
                    concordant += 1.0;
                }
            } else {
                let (unc, cen) = if e[i] { (i, j) } else { (j, i) };
                if t[unc] <= t[cen] {
                    permissible += 1.0;
                    if scores[unc] == scores[cen] {
                        ties += 1.0;
                    } else if scores[unc] > scores[cen] {
                        concordant += 1.0;
                    }
                }
            }
        }
    }
    if permissible == 0.0 {
        return Err(Error::undefined("Harrell's C", "no permissible pair"));
    }
    Ok((concordant + 0.5 * ties) / permissible)
}

/// How one pair of subjects counts in Harrell's C under the course's rules (course 2
/// week 4, lab "permissible pairs"; [`pair_verdict`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairVerdict {
    /// Both censored: nobody is known to have died first. Not permissible.
    BothCensored,
    /// One died after the other was censored: the censored one may have died first. Not
    /// permissible.
    CensoredFirst,
    /// Permissible, and the one who died first has the higher score.
    Concordant,
    /// Permissible, and the one who died first has the lower score (for two deaths at the
    /// same time, any score difference).
    Discordant,
    /// Permissible with equal scores: counts ½.
    ScoreTie,
}

impl PairVerdict {
    /// Whether the pair enters Harrell's C at all.
    pub fn is_permissible(self) -> bool {
        !matches!(self, PairVerdict::BothCensored | PairVerdict::CensoredFirst)
    }

    /// A short description for tables.
    pub fn describe(self) -> &'static str {
        match self {
            PairVerdict::BothCensored => "not permissible: both censored",
            PairVerdict::CensoredFirst => "not permissible: censored before the event",
            PairVerdict::Concordant => "concordant",
            PairVerdict::Discordant => "discordant",
            PairVerdict::ScoreTie => "score tie (½)",
        }
    }
}

/// The verdict on subjects `i` and `j` (in either order): both died — permissible;
/// one died — permissible when the death came no later than the other's censoring (a
/// subject censored at t was alive through t); both censored — never. A permissible
/// pair is concordant when the one who died first has the higher score, a tie when the
/// scores are equal. These are the counts [`harrell_c`] adds up.
///
/// Errors: `i` or `j` out of range (naming `i` / `j`), `i == j`, or `scores` not one
/// finite value per subject.
///
/// ```
/// use ai4med::survival::{pair_verdict, PairVerdict, SurvivalData};
/// // The course's lab: patient 4 censored at time 2, patient 5 died at time 4.
/// let d = SurvivalData::new(&[2.0, 4.0, 2.0, 4.0, 2.0, 4.0, 2.0, 4.0], &[1.0, 1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 0.0]).unwrap();
/// let risk = [20.0, 40.0, 40.0, 20.0, 20.0, 40.0, 40.0, 20.0];
/// assert_eq!(pair_verdict(&d, &risk, 4, 5).unwrap(), PairVerdict::CensoredFirst);
/// assert!(pair_verdict(&d, &risk, 6, 7).unwrap().is_permissible());
/// ```
pub fn pair_verdict(data: &SurvivalData, scores: &[f64], i: usize, j: usize) -> Result<PairVerdict> {
    check(data, scores)?;
    let n = data.len();
    for (name, k) in [("i", i), ("j", j)] {
        if k >= n {
            return Err(Error::invalid_arg(name, format!("subject {k} is out of range: there are {n} subjects")));
        }
    }
    if i == j {
        return Err(Error::invalid_arg("j", format!("a pair needs two different subjects, got {i} twice")));
    }
    Ok(verdict(data.time(), data.event(), scores, i, j))
}

fn verdict(t: &[f64], e: &[bool], scores: &[f64], i: usize, j: usize) -> PairVerdict {
    if !(e[i] || e[j]) {
        return PairVerdict::BothCensored;
    }
    let (first, second) = if e[i] && e[j] {
        if t[i] <= t[j] { (i, j) } else { (j, i) }
    } else {
        let (unc, cen) = if e[i] { (i, j) } else { (j, i) };
        if t[unc] > t[cen] {
            return PairVerdict::CensoredFirst;
        }
        (unc, cen)
    };
    if scores[first] == scores[second] {
        PairVerdict::ScoreTie
    } else if scores[first] > scores[second] && !(e[i] && e[j] && t[i] == t[j]) {
        PairVerdict::Concordant
    } else {
        PairVerdict::Discordant
    }
}

/// Every pair of subjects with its [`pair_verdict`] under the course's rules (course 2
/// week 4, lab "permissible pairs"): not permissible (and why), concordant, discordant
/// or a score tie. Meant for small teaching examples.
pub fn pair_table(data: &SurvivalData, scores: &[f64]) -> Result<crate::display::Table> {
    use crate::display::{Cell, Table, Tone};
    check(data, scores)?;
    let (t, e) = (data.time(), data.event());
    let mut table = Table::new(["pair", "times", "events", "scores", "verdict"]);
    for i in 0..t.len() {
        for j in (i + 1)..t.len() {
            let v = verdict(t, e, scores, i, j);
            let tone = match v {
                PairVerdict::Concordant => Tone::Good,
                PairVerdict::Discordant => Tone::Bad,
                _ => Tone::Plain,
            };
            table.push_row([
                Cell::from(format!("{i}–{j}")),
                Cell::from(format!("{} / {}", t[i], t[j])),
                Cell::from(format!("{} / {}", e[i] as u8, e[j] as u8)),
                Cell::from(format!("{} / {}", scores[i], scores[j])),
                Cell::toned(v.describe(), tone),
            ]);
        }
    }
    Ok(table)
}

fn check(data: &SurvivalData, scores: &[f64]) -> Result<()> {
    crate::error::check::same_len("subjects vs scores", data.len(), scores.len())?;
    crate::error::check::finite("scores", scores)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// Adding up the pair verdicts gives Harrell's C, on tied random data; the course's
    /// lab pairs get the course's verdicts; bad indices are errors.
    #[test]
    fn pair_verdicts_add_up_to_harrell_c() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        for _ in 0..50 {
            let n = rng.random_range(2..30);
            let t: Vec<f64> = (0..n).map(|_| rng.random_range(1..6) as f64).collect();
            let e: Vec<f64> = (0..n).map(|_| rng.random_range(0..2) as f64).collect();
            let s: Vec<f64> = (0..n).map(|_| rng.random_range(0..4) as f64).collect();
            let d = SurvivalData::new(&t, &e).unwrap();
            let (mut num, mut den) = (0.0, 0.0);
            for i in 0..n {
                for j in (i + 1)..n {
                    let v = pair_verdict(&d, &s, i, j).unwrap();
                    assert_eq!(v, pair_verdict(&d, &s, j, i).unwrap());
                    if v.is_permissible() {
                        den += 1.0;
                    }
                    num += match v {
                        PairVerdict::Concordant => 1.0,
                        PairVerdict::ScoreTie => 0.5,
                        _ => 0.0,
                    };
                }
            }
            match harrell_c(&d, &s) {
                Ok(c) => assert!((c - num / den).abs() < 1e-12),
                Err(_) => assert_eq!(den, 0.0),
            }
        }
        let d = SurvivalData::new(&[2.0, 4.0, 2.0, 4.0, 2.0, 4.0, 2.0, 4.0], &[1.0, 1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 0.0]).unwrap();
        let risk = [20.0, 40.0, 40.0, 20.0, 20.0, 40.0, 40.0, 20.0];
        assert!(pair_verdict(&d, &risk, 0, 1).unwrap().is_permissible());
        assert_eq!(pair_verdict(&d, &risk, 4, 7).unwrap(), PairVerdict::BothCensored);
        assert!(pair_verdict(&d, &risk, 6, 7).unwrap().is_permissible());
        assert_eq!(pair_verdict(&d, &risk, 4, 5).unwrap(), PairVerdict::CensoredFirst);
        assert!(pair_verdict(&d, &risk, 8, 1).unwrap_err().to_string().contains('i'));
        assert!(pair_verdict(&d, &risk, 2, 2).is_err());
    }

    #[test]
    fn course_values() {
        let d = |t: &[f64], e: &[f64]| SurvivalData::new(t, e).unwrap();
        let all = d(&[30.0, 12.0, 84.0, 9.0], &[1.0, 1.0, 1.0, 1.0]);
        assert_eq!(harrell_c(&all, &[0.5, 0.9, 0.1, 1.0]).unwrap(), 1.0);
        let some = d(&[30.0, 12.0, 84.0, 9.0], &[1.0, 0.0, 1.0, 1.0]);
        assert_eq!(harrell_c(&some, &[0.5, 0.9, 0.1, 1.0]).unwrap(), 1.0);
        let tied = d(&[30.0, 30.0, 20.0, 20.0], &[1.0, 0.0, 1.0, 0.0]);
        assert_eq!(harrell_c(&tied, &[10.0, 5.0, 15.0, 20.0]).unwrap(), 0.75);
        let five = d(&[20.0, 20.0, 30.0, 30.0, 30.0], &[0.0, 1.0, 0.0, 1.0, 0.0]);
        assert_eq!(harrell_c(&five, &[20.0, 15.0, 5.0, 10.0, 15.0]).unwrap(), 0.5833333333333334);
        assert!(harrell_c(&d(&[1.0, 2.0], &[0.0, 0.0]), &[1.0, 2.0]).is_err());
    }

    #[test]
    fn fast_matches_pairs_on_random_tied_data() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        for case in 0..200 {
            let n = rng.random_range(2..60);
            let t: Vec<f64> = (0..n).map(|_| rng.random_range(0..8) as f64).collect();
            let e: Vec<f64> = (0..n).map(|_| rng.random_bool(0.6) as u8 as f64).collect();
            let s: Vec<f64> = (0..n).map(|_| rng.random_range(0..5) as f64).collect();
            let d = SurvivalData::new(&t, &e).unwrap();
            match (harrell_c(&d, &s), harrell_c_pairs(&d, &s)) {
                (Ok(a), Ok(b)) => assert!((a - b).abs() < 1e-12, "case {case}: {a} vs {b}"),
                (Err(_), Err(_)) => {}
                (a, b) => panic!("case {case}: {a:?} vs {b:?}"),
            }
        }
    }
}
