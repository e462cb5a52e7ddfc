//! The concordance index for binary outcomes (course 2, week 1, lab "concordance index").

use crate::metrics::Labels;
use crate::{Error, Result};

/// Scores where a **higher value means higher risk** (a risk score, a predicted
/// probability of the event).
///
/// The c-index functions take scores through [`Risk`] or [`Longevity`], so the
/// direction is stated at the call site and cannot be flipped by accident.
#[derive(Debug, Clone, Copy)]
pub struct Risk<'a>(pub &'a [f64]);

/// Scores where a **higher value means a better outcome** (a predicted survival time,
/// a probability of staying event-free). Internally negated into a [`Risk`].
#[derive(Debug, Clone, Copy)]
pub struct Longevity<'a>(pub &'a [f64]);

/// Something the c-index can rank: [`Risk`] or [`Longevity`] scores.
pub trait Ranking {
    /// The scores oriented as risk (higher = riskier).
    fn risk(&self) -> Vec<f64>;
    /// Number of scores.
    fn len(&self) -> usize;
    /// True when there are no scores.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Ranking for Risk<'_> {
    fn risk(&self) -> Vec<f64> {
        self.0.to_vec()
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}

impl Ranking for Longevity<'_> {
    fn risk(&self) -> Vec<f64> {
        self.0.iter().map(|v| -v).collect()
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}

/// Harrell's concordance index for a binary outcome `y` (1 = event).
///
/// A pair of patients is *permissible* when their outcomes differ. It is *concordant*
/// when the patient with the event has the higher risk, and counts ½ when the risks
/// tie: `C = (concordant + ½·ties) / permissible`. For binary outcomes this equals the
/// ROC AUC; it is computed the same way, by sorting, in O(n log n).
///
/// ```
/// use ai4med::prognosis::{cindex, Risk, Longevity};
/// let y = [1, 0, 0, 1];
/// // The course's test cases.
/// assert_eq!(cindex(&y, Risk(&[0.0, 1.0, 1.0, 0.0])).unwrap(), 0.0);
/// assert_eq!(cindex(&y, Risk(&[1.0, 0.0, 0.0, 1.0])).unwrap(), 1.0);
/// assert_eq!(cindex(&y, Risk(&[0.5, 0.5, 0.0, 1.0])).unwrap(), 0.875);
/// // A predicted time to event ranks the other way round.
/// assert_eq!(cindex(&y, Longevity(&[0.0, 1.0, 1.0, 0.0])).unwrap(), 1.0);
/// ```
pub fn cindex<L: Labels + ?Sized, R: Ranking>(y: &L, scores: R) -> Result<f64> {
    let risk = scores.risk();
    crate::metrics::roc_auc(y, &risk).map_err(|e| match e {
        Error::Undefined { reason, .. } => Error::undefined("c-index", format!("no permissible pair: {reason}")),
        other => other,
    })
}

/// The c-index by its O(n²) definition, for checking [`cindex`] and for teaching.
pub fn cindex_pairs<L: Labels + ?Sized, R: Ranking>(y: &L, scores: R) -> Result<f64> {
    let risk = scores.risk();
    let y = crate::metrics::prepare(y, &risk)?;
    let (mut num, mut den) = (0.0f64, 0.0f64);
    for i in 0..y.len() {
        for j in (i + 1)..y.len() {
            if y[i] != y[j] {
                den += 1.0;
                let (e, n) = if y[i] { (i, j) } else { (j, i) };
                if risk[e] > risk[n] {
                    num += 1.0;
                } else if risk[e] == risk[n] {
                    num += 0.5;
                }
            }
        }
    }
    if den == 0.0 {
        return Err(Error::undefined("c-index", "no permissible pair: every outcome is the same"));
    }
    Ok(num / den)
}

/// How one pair of patients counts in the binary c-index ([`binary_pair`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryPair {
    /// Both had the event, or neither: the pair says nothing about ranking. Not
    /// permissible.
    SameOutcome,
    /// Permissible, and the patient with the event has the higher risk.
    Concordant,
    /// Permissible, and the patient with the event has the lower risk.
    Discordant,
    /// Permissible with equal risks: counts ½.
    RiskTie,
}

impl BinaryPair {
    /// Whether the pair enters the c-index at all.
    pub fn is_permissible(self) -> bool {
        self != BinaryPair::SameOutcome
    }

    /// A short description for tables.
    pub fn describe(self) -> &'static str {
        match self {
            BinaryPair::SameOutcome => "not permissible: same outcome",
            BinaryPair::Concordant => "concordant",
            BinaryPair::Discordant => "discordant",
            BinaryPair::RiskTie => "risk tie (½)",
        }
    }
}

/// The verdict on patients `i` and `j` (either order) for a binary outcome `y`: the
/// pair is permissible when the outcomes differ, concordant when the patient with the
/// event has the higher score, a tie when the scores are equal. These are the counts
/// [`cindex_pairs`] adds up; the course's C2W1 lab 4 walks through them by hand.
///
/// Errors: `i` or `j` out of range (naming `i` / `j`), `i == j`, labels that are not
/// 0/1, or scores that are not one finite value per patient.
///
/// ```
/// use ai4med::prognosis::{binary_pair, BinaryPair, Risk};
/// // The course's lab: outcomes [0, 0, 1, 0], risks [2.2, 3.3, 4.4, 4.4].
/// let (y, r) = ([0.0, 0.0, 1.0, 0.0], [2.2, 3.3, 4.4, 4.4]);
/// assert_eq!(binary_pair(&y, Risk(&r), 0, 1).unwrap(), BinaryPair::SameOutcome);
/// assert_eq!(binary_pair(&y, Risk(&r), 1, 2).unwrap(), BinaryPair::Concordant);
/// assert_eq!(binary_pair(&y, Risk(&r), 2, 3).unwrap(), BinaryPair::RiskTie);
/// ```
pub fn binary_pair<L: Labels + ?Sized, R: Ranking>(y: &L, scores: R, i: usize, j: usize) -> Result<BinaryPair> {
    let risk = scores.risk();
    crate::error::check::finite("scores", &risk)?;
    let y = crate::metrics::prepare(y, &risk)?;
    for (name, k) in [("i", i), ("j", j)] {
        if k >= y.len() {
            return Err(Error::invalid_arg(name, format!("patient {k} is out of range: there are {} patients", y.len())));
        }
    }
    if i == j {
        return Err(Error::invalid_arg("j", format!("a pair needs two different patients, got {i} twice")));
    }
    Ok(pair_of(&y, &risk, i, j))
}

fn pair_of(y: &[bool], risk: &[f64], i: usize, j: usize) -> BinaryPair {
    if y[i] == y[j] {
        return BinaryPair::SameOutcome;
    }
    let (e, n) = if y[i] { (i, j) } else { (j, i) };
    if risk[e] > risk[n] {
        BinaryPair::Concordant
    } else if risk[e] == risk[n] {
        BinaryPair::RiskTie
    } else {
        BinaryPair::Discordant
    }
}

/// Every pair of patients with its [`binary_pair`] verdict, as a table (for small
/// teaching examples: `n(n − 1)/2` rows).
pub fn binary_pair_table<L: Labels + ?Sized, R: Ranking>(y: &L, scores: R) -> Result<crate::display::Table> {
    use crate::display::{Cell, Table, Tone};
    let risk = scores.risk();
    crate::error::check::finite("scores", &risk)?;
    let y = crate::metrics::prepare(y, &risk)?;
    let mut table = Table::new(["pair", "outcomes", "risks", "verdict"]);
    for i in 0..y.len() {
        for j in (i + 1)..y.len() {
            let v = pair_of(&y, &risk, i, j);
            let tone = match v {
                BinaryPair::Concordant => Tone::Good,
                BinaryPair::Discordant => Tone::Bad,
                _ => Tone::Plain,
            };
            table.push_row([
                Cell::from(format!("{i}–{j}")),
                Cell::from(format!("{} / {}", u8::from(y[i]), u8::from(y[j]))),
                Cell::from(format!("{} / {}", risk[i], risk[j])),
                Cell::toned(v.describe(), tone),
            ]);
        }
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn fast_equals_pairs_on_random_inputs() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        for n in [2usize, 5, 40, 200] {
            let y: Vec<u8> = (0..n)
                .map(|i| {
                    if i == 0 {
                        1
                    } else if i == 1 {
                        0
                    } else {
                        rng.random_range(0..2)
                    }
                })
                .collect();
            let s: Vec<f64> = (0..n).map(|_| rng.random_range(0..5) as f64).collect();
            let a = cindex(&y, Risk(&s)).unwrap();
            let b = cindex_pairs(&y, Risk(&s)).unwrap();
            assert!((a - b).abs() < 1e-12, "n={n}: {a} vs {b}");
            let c = cindex(&y, Longevity(&s)).unwrap();
            assert!((c - (1.0 - a)).abs() < 1e-12);
        }
    }

    /// Adding up the pair verdicts gives the c-index, on random tied data; bad indices
    /// are errors naming the index.
    #[test]
    fn pair_verdicts_add_up_to_the_cindex() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        for n in [2usize, 6, 25] {
            let y: Vec<u8> = (0..n).map(|i| if i < 2 { i as u8 } else { rng.random_range(0..2) }).collect();
            let s: Vec<f64> = (0..n).map(|_| rng.random_range(0..4) as f64).collect();
            let (mut num, mut den) = (0.0, 0.0);
            for i in 0..n {
                for j in (i + 1)..n {
                    let v = binary_pair(&y, Risk(&s), i, j).unwrap();
                    assert_eq!(v, binary_pair(&y, Risk(&s), j, i).unwrap());
                    den += f64::from(u8::from(v.is_permissible()));
                    num += match v {
                        BinaryPair::Concordant => 1.0,
                        BinaryPair::RiskTie => 0.5,
                        _ => 0.0,
                    };
                }
            }
            assert!((num / den - cindex(&y, Risk(&s)).unwrap()).abs() < 1e-12);
            assert_eq!(binary_pair_table(&y, Risk(&s)).unwrap().n_rows(), n * (n - 1) / 2);
        }
        let (y, r) = ([0.0, 0.0, 1.0, 0.0], [2.2, 3.3, 4.4, 4.4]);
        assert_eq!(binary_pair(&y, Risk(&r), 0, 2).unwrap(), BinaryPair::Concordant);
        assert!(matches!(binary_pair(&y, Risk(&r), 0, 4), Err(Error::InvalidArgument { ref name, .. }) if name == "j"));
        assert!(binary_pair(&y, Risk(&r), 1, 1).is_err());
        assert!(binary_pair(&y, Risk(&[1.0, f64::NAN, 0.0, 0.0]), 0, 2).is_err());
    }

    #[test]
    fn no_permissible_pairs() {
        let e = cindex(&[1, 1], Risk(&[0.1, 0.2])).unwrap_err();
        assert!(e.to_string().contains("no permissible pair"), "{e}");
        assert!(cindex_pairs(&[0, 0], Risk(&[0.1, 0.2])).is_err());
        assert!(cindex(&[1, 0], Risk(&[0.1])).is_err());
    }
}
