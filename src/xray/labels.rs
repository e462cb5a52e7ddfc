//! The ChestX-ray14 label table, class frequencies and patient leakage.

use crate::data::{CXR14_CLASSES, find_column};
use crate::display::Table;
use crate::plot::Figure;
use crate::{Error, Result};
use ndarray::{Array1, Array2, ArrayView2};
use polars::prelude::{Column, DataFrame, DataType};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use std::collections::{BTreeMap, HashSet};
use std::hash::Hash;
use std::path::Path;

/// One row per image of a chest X-ray label table, findings as a 0/1 matrix.
///
/// Read from the official ChestX-ray14 CSV (`Data_Entry_2017_v2020.csv`: columns
/// `Image Index`, `Finding Labels` with findings separated by `|` or `No Finding`,
/// `Follow-up #`, `Patient ID`, `Patient Age`, `Patient Gender`, `View Position`) by
/// [`LabelTable::read_csv`]; the course's own CSVs (one 0/1 column per finding plus
/// `Image` and `PatientId`) are read by [`LabelTable::from_frame`].
#[derive(Clone, Debug)]
pub struct LabelTable {
    /// Image file names (`00000001_000.png`).
    pub images: Vec<String>,
    /// Patient identifier of each image.
    pub patients: Vec<i64>,
    /// Follow-up number of the image for its patient (0 when unknown).
    pub follow_up: Vec<i64>,
    /// Age in years (NaN when unknown).
    pub ages: Vec<f64>,
    /// `M` / `F` (empty when unknown).
    pub sexes: Vec<String>,
    /// View position (`PA`, `AP`; empty when unknown).
    pub views: Vec<String>,
    /// Finding names, the columns of `labels`.
    pub classes: Vec<String>,
    /// `labels[[i, k]]` = 1 if image *i* carries finding *k*.
    pub labels: Array2<f64>,
}

impl LabelTable {
    /// Reads an official ChestX-ray14 label CSV with the 14 findings of
    /// [`CXR14_CLASSES`] as columns, in the course's order.
    ///
    /// A finding name not in the list (a typo, a file of another dataset) is an
    /// error naming it and the row; `No Finding` means no finding.
    ///
    /// ```
    /// let t = ai4med::xray::LabelTable::read_csv(ai4med::data::data_path("cxr14_labels_sample.csv").unwrap()).unwrap();
    /// assert_eq!((t.len(), t.classes.len()), (5845, 14));
    /// ```
    pub fn read_csv(path: impl AsRef<Path>) -> Result<LabelTable> {
        let path = path.as_ref();
        let df = crate::data::read_csv(path)?;
        let what = path.display().to_string();
        let images = string_column(&df, "Image Index", &what)?;
        let findings = string_column(&df, "Finding Labels", &what)?;
        let patients = int_column(&df, "Patient ID", &what)?;
        let n = images.len();
        let follow_up = int_column(&df, "Follow-up #", &what).unwrap_or_else(|_| vec![0; n]);
        let ages = crate::data::column_opt_f64(&df, "Patient Age")
            .map(|v| v.into_iter().map(|a| a.unwrap_or(f64::NAN)).collect())
            .unwrap_or_else(|_| vec![f64::NAN; n]);
        let sexes = string_column(&df, "Patient Gender", &what).unwrap_or_else(|_| vec![String::new(); n]);
        let views = string_column(&df, "View Position", &what).unwrap_or_else(|_| vec![String::new(); n]);
        let classes: Vec<String> = CXR14_CLASSES.iter().map(|s| s.to_string()).collect();
        let mut labels = Array2::zeros((n, classes.len()));
        for (i, f) in findings.iter().enumerate() {
            for name in f.split('|').map(str::trim).filter(|s| !s.is_empty()) {
                if name == "No Finding" {
                    continue;
                }
                let k = classes.iter().position(|c| c == name).ok_or_else(|| Error::InvalidValue {
                    what: format!("'Finding Labels' of {what}"),
                    value: name.to_string(),
                    index: i,
                    reason: format!("unknown finding; known: No Finding, {}", CXR14_CLASSES.join(", ")),
                })?;
                labels[[i, k]] = 1.0;
            }
        }
        Ok(LabelTable { images, patients, follow_up, ages, sexes, views, classes, labels })
    }

    /// A table from a frame in the course's layout: an image column, a patient id
    /// column and one 0/1 column per finding in `classes`.
    pub fn from_frame(df: &DataFrame, image_col: &str, patient_col: &str, classes: &[&str]) -> Result<LabelTable> {
        let images = string_column(df, image_col, "frame")?;
        let patients = int_column(df, patient_col, "frame")?;
        let n = images.len();
        let mut labels = Array2::zeros((n, classes.len()));
        for (k, c) in classes.iter().enumerate() {
            for (i, v) in crate::data::column_f64(df, c)?.into_iter().enumerate() {
                if v != 0.0 && v != 1.0 {
                    return Err(Error::InvalidValue {
                        what: format!("column '{c}'"),
                        value: v.to_string(),
                        index: i,
                        reason: "labels must be 0 or 1".into(),
                    });
                }
                labels[[i, k]] = v;
            }
        }
        Ok(LabelTable {
            images,
            patients,
            follow_up: vec![0; n],
            ages: vec![f64::NAN; n],
            sexes: vec![String::new(); n],
            views: vec![String::new(); n],
            classes: classes.iter().map(|s| s.to_string()).collect(),
            labels,
        })
    }

    /// Number of images.
    pub fn len(&self) -> usize {
        self.images.len()
    }

    /// True when the table has no image.
    pub fn is_empty(&self) -> bool {
        self.images.is_empty()
    }

    /// Number of distinct patients.
    pub fn n_patients(&self) -> usize {
        self.patients.iter().collect::<HashSet<_>>().len()
    }

    /// The rows `idx`, in that order (an index past the end is an error).
    pub fn subset(&self, idx: &[usize]) -> Result<LabelTable> {
        if let Some(&bad) = idx.iter().find(|&&i| i >= self.len()) {
            return Err(Error::invalid_arg("idx", format!("row {bad} is past the end of a {}-image table", self.len())));
        }
        let pick = |v: &Vec<String>| idx.iter().map(|&i| v[i].clone()).collect::<Vec<_>>();
        Ok(LabelTable {
            images: pick(&self.images),
            patients: idx.iter().map(|&i| self.patients[i]).collect(),
            follow_up: idx.iter().map(|&i| self.follow_up[i]).collect(),
            ages: idx.iter().map(|&i| self.ages[i]).collect(),
            sexes: pick(&self.sexes),
            views: pick(&self.views),
            classes: self.classes.clone(),
            labels: self.labels.select(ndarray::Axis(0), idx),
        })
    }

    /// The table as a polars frame: `Image`, `PatientId`, `Age`, `Sex`, `View`, then
    /// one 0/1 integer column per finding (the course's CSV layout).
    pub fn to_frame(&self) -> Result<DataFrame> {
        let mut cols = vec![
            Column::new("Image".into(), self.images.clone()),
            Column::new("PatientId".into(), self.patients.clone()),
            Column::new("Age".into(), self.ages.clone()),
            Column::new("Sex".into(), self.sexes.clone()),
            Column::new("View".into(), self.views.clone()),
        ];
        for (k, c) in self.classes.iter().enumerate() {
            let v: Vec<i32> = self.labels.column(k).iter().map(|&x| x as i32).collect();
            cols.push(Column::new(c.as_str().into(), v));
        }
        Ok(DataFrame::new(self.len(), cols)?)
    }

    /// Positive and negative frequency of each finding ([`class_frequencies`]).
    pub fn class_frequencies(&self) -> Result<ClassFrequencies> {
        let (positive, negative) = class_frequencies(&self.labels.view())?;
        Ok(ClassFrequencies { classes: self.classes.clone(), positive, negative })
    }

    /// Splits by patient ([`patient_split`]) into tables with the given fractions of
    /// patients; no patient appears in two of them.
    pub fn patient_split(&self, fractions: &[f64], seed: u64) -> Result<Vec<LabelTable>> {
        patient_split(&self.patients, fractions, seed)?.iter().map(|idx| self.subset(idx)).collect()
    }
}

fn string_column(df: &DataFrame, name: &str, what: &str) -> Result<Vec<String>> {
    let c =
        find_column(df, name).map_err(|_| Error::parse(what, format!("no column '{name}'; columns are {:?}", df.get_column_names())))?;
    let c = c.cast(&DataType::String)?;
    c.str()?
        .iter()
        .enumerate()
        .map(|(i, v)| {
            v.map(str::to_string).ok_or_else(|| Error::InvalidValue {
                what: format!("column '{name}' of {what}"),
                value: "null".into(),
                index: i,
                reason: "missing value".into(),
            })
        })
        .collect()
}

fn int_column(df: &DataFrame, name: &str, what: &str) -> Result<Vec<i64>> {
    let c =
        find_column(df, name).map_err(|_| Error::parse(what, format!("no column '{name}'; columns are {:?}", df.get_column_names())))?;
    let c = c.cast(&DataType::Int64).map_err(|e| Error::parse(what, format!("column '{name}' is not integer: {e}")))?;
    c.i64()?
        .iter()
        .enumerate()
        .map(|(i, v)| {
            v.ok_or_else(|| Error::InvalidValue {
                what: format!("column '{name}' of {what}"),
                value: "null".into(),
                index: i,
                reason: "missing or not an integer".into(),
            })
        })
        .collect()
}

/// Fraction of positive and of negative cases for each column of a 0/1 label matrix
/// (the course's `compute_class_freqs`): `positive[k] = mean(labels[:, k])`,
/// `negative[k] = 1 − positive[k]`.
///
/// ```
/// use ndarray::array;
/// let y = array![[1., 0., 0.], [0., 1., 1.], [1., 0., 1.], [1., 1., 1.], [1., 0., 1.]];
/// let (pos, neg) = ai4med::xray::class_frequencies(&y.view()).unwrap();
/// assert_eq!(pos.to_vec(), vec![0.8, 0.4, 0.8]);
/// assert!((neg[1] - 0.6).abs() < 1e-15);
/// ```
pub fn class_frequencies(labels: &ArrayView2<f64>) -> Result<(Array1<f64>, Array1<f64>)> {
    if labels.nrows() == 0 {
        return Err(Error::Empty { what: "labels (no rows)".into() });
    }
    check_binary(labels, "labels")?;
    let n = labels.nrows() as f64;
    let positive = labels.sum_axis(ndarray::Axis(0)) / n;
    let negative = positive.mapv(|p| 1.0 - p);
    Ok((positive, negative))
}

pub(crate) fn check_binary(labels: &ArrayView2<f64>, what: &str) -> Result<()> {
    for ((i, k), &v) in labels.indexed_iter() {
        if v != 0.0 && v != 1.0 {
            return Err(Error::InvalidValue {
                what: what.into(),
                value: v.to_string(),
                index: i * labels.ncols() + k,
                reason: format!("labels must be 0 or 1 (row {i}, column {k})"),
            });
        }
    }
    Ok(())
}

/// Positive/negative frequencies per finding, with the weights that balance them.
#[derive(Clone, Debug)]
pub struct ClassFrequencies {
    /// Finding names.
    pub classes: Vec<String>,
    /// Fraction of images with the finding.
    pub positive: Array1<f64>,
    /// Fraction without it.
    pub negative: Array1<f64>,
}

impl ClassFrequencies {
    /// The course's loss weights: `w_pos = negative frequency`, `w_neg = positive
    /// frequency`, so that `w_pos·freq_pos = w_neg·freq_neg` for every finding.
    pub fn weights(&self) -> (Array1<f64>, Array1<f64>) {
        (self.negative.clone(), self.positive.clone())
    }

    /// The frequencies as a table (finding, positive, negative, weighted positive and
    /// negative contributions).
    pub fn table(&self) -> Table {
        let (wp, wn) = self.weights();
        let mut t = Table::new(["finding", "positive", "negative", "w_pos × positive", "w_neg × negative"]).max_rows(usize::MAX);
        for (k, c) in self.classes.iter().enumerate() {
            t.push_row([
                c.clone(),
                format!("{:.4}", self.positive[k]),
                format!("{:.4}", self.negative[k]),
                format!("{:.4}", wp[k] * self.positive[k]),
                format!("{:.4}", wn[k] * self.negative[k]),
            ]);
        }
        t
    }

    /// Bar chart of positive and negative frequency per finding; with `weighted`,
    /// each bar is multiplied by its weight (the bars then pair up exactly).
    pub fn figure(&self, weighted: bool) -> Figure {
        let (wp, wn) = if weighted { self.weights() } else { (Array1::ones(self.positive.len()), Array1::ones(self.positive.len())) };
        let pos: Vec<f64> = (&self.positive * &wp).to_vec();
        let neg: Vec<f64> = (&self.negative * &wn).to_vec();
        Figure::new()
            .title(if weighted { "Contribution to the loss after weighting" } else { "Class frequencies" })
            .y_label(if weighted { "weighted frequency" } else { "frequency" })
            .bars(&self.classes, &pos, "positive")
            .bars(&self.classes, &neg, "negative")
            .size(820, 380)
    }
}

/// True when the two lists share at least one patient id (the course's
/// `check_for_leakage`, on the id columns of two splits).
///
/// ```
/// assert!(ai4med::xray::check_for_leakage(&[0, 1, 2], &[2, 3, 4]));
/// assert!(!ai4med::xray::check_for_leakage(&[0, 1, 2], &[3, 4, 5]));
/// ```
pub fn check_for_leakage<T: Eq + Hash>(a: &[T], b: &[T]) -> bool {
    let set: HashSet<&T> = a.iter().collect();
    b.iter().any(|x| set.contains(x))
}

/// Images and patients per split and the patients shared by each pair of splits.
#[derive(Clone, Debug)]
pub struct LeakageReport {
    /// Split names.
    pub names: Vec<String>,
    /// Images per split.
    pub images: Vec<usize>,
    /// Distinct patients per split.
    pub patients: Vec<usize>,
    /// For each pair (i, j), i < j, the sorted patient ids in both.
    pub overlaps: Vec<(usize, usize, Vec<i64>)>,
}

impl LeakageReport {
    /// Counts images and patients in each named split of patient ids and lists the
    /// patients two splits share.
    ///
    /// ```
    /// let r = ai4med::xray::LeakageReport::new(&[("train", &[1, 1, 2][..]), ("valid", &[2, 3][..])]);
    /// assert!(r.leaks());
    /// assert_eq!(r.overlaps[0].2, vec![2]);
    /// ```
    pub fn new(splits: &[(&str, &[i64])]) -> LeakageReport {
        let sets: Vec<HashSet<i64>> = splits.iter().map(|(_, ids)| ids.iter().copied().collect()).collect();
        let mut overlaps = Vec::new();
        for i in 0..sets.len() {
            for j in i + 1..sets.len() {
                let mut both: Vec<i64> = sets[i].intersection(&sets[j]).copied().collect();
                both.sort_unstable();
                overlaps.push((i, j, both));
            }
        }
        LeakageReport {
            names: splits.iter().map(|(n, _)| n.to_string()).collect(),
            images: splits.iter().map(|(_, ids)| ids.len()).collect(),
            patients: sets.iter().map(HashSet::len).collect(),
            overlaps,
        }
    }

    /// True when some patient is in two splits.
    pub fn leaks(&self) -> bool {
        self.overlaps.iter().any(|o| !o.2.is_empty())
    }

    /// `Ok` when no patient is in two splits, else an error naming the splits and the
    /// first shared ids: use it where a patient-grouped split is required (for example
    /// splits read from files).
    ///
    /// ```
    /// use ai4med::xray::LeakageReport;
    /// let e = LeakageReport::new(&[("train", &[1, 2][..]), ("test", &[2, 3][..])]).require_grouped().unwrap_err();
    /// assert!(e.to_string().contains("train and test share 1 patient(s): 2"));
    /// ```
    pub fn require_grouped(&self) -> Result<()> {
        match self.overlaps.iter().find(|o| !o.2.is_empty()) {
            None => Ok(()),
            Some((i, j, ids)) => {
                let shown: Vec<String> = ids.iter().take(5).map(|x| x.to_string()).collect();
                Err(Error::invalid_arg(
                    "splits",
                    format!(
                        "a patient-grouped split was required but {} and {} share {} patient(s): {}{}",
                        self.names[*i],
                        self.names[*j],
                        ids.len(),
                        shown.join(", "),
                        if ids.len() > 5 { ", …" } else { "" }
                    ),
                ))
            }
        }
    }

    /// One row per split (images, patients) and one per pair of splits (number of
    /// shared patients and the first few ids).
    pub fn table(&self) -> Table {
        let mut t = Table::new(["split", "images", "patients", "shared patient ids"]);
        for i in 0..self.names.len() {
            t.push_row([self.names[i].clone(), self.images[i].to_string(), self.patients[i].to_string(), String::new()]);
        }
        for (i, j, ids) in &self.overlaps {
            let shown: Vec<String> = ids.iter().take(8).map(|x| x.to_string()).collect();
            let more = if ids.len() > 8 { format!(", … ({} in all)", ids.len()) } else { String::new() };
            t.push_row([
                format!("{} ∩ {}", self.names[*i], self.names[*j]),
                String::new(),
                ids.len().to_string(),
                format!("{}{more}", shown.join(", ")),
            ]);
        }
        t
    }
}

/// Splits image rows at random, ignoring patients (what *not* to do: the lab shows
/// that this leaks patients between the splits). Returns row indices per split.
pub fn random_image_split(n: usize, fractions: &[f64], seed: u64) -> Result<Vec<Vec<usize>>> {
    check_fractions(fractions)?;
    let mut idx: Vec<usize> = (0..n).collect();
    idx.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    Ok(cut(&idx, fractions)
        .into_iter()
        .map(|mut v| {
            v.sort_unstable();
            v
        })
        .collect())
}

/// Patient-grouped split (like scikit-learn's `GroupShuffleSplit`, for any number of
/// splits): the distinct patient ids are shuffled with `seed` and cut by the
/// `fractions` of *patients*; every image goes where its patient went, so no patient
/// can leak. Returns sorted row indices per split.
///
/// `fractions` must be positive and sum to 1 (±1e-9).
///
/// ```
/// let ids = [7, 7, 8, 9, 9, 9, 10, 11];
/// let s = ai4med::xray::patient_split(&ids, &[0.5, 0.5], 1).unwrap();
/// assert_eq!(s[0].len() + s[1].len(), 8);
/// let a: Vec<i64> = s[0].iter().map(|&i| ids[i]).collect();
/// let b: Vec<i64> = s[1].iter().map(|&i| ids[i]).collect();
/// assert!(!ai4med::xray::check_for_leakage(&a, &b));
/// ```
pub fn patient_split(patients: &[i64], fractions: &[f64], seed: u64) -> Result<Vec<Vec<usize>>> {
    check_fractions(fractions)?;
    if patients.is_empty() {
        return Err(Error::Empty { what: "patients".into() });
    }
    let mut rows: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
    for (i, &p) in patients.iter().enumerate() {
        rows.entry(p).or_default().push(i);
    }
    let mut ids: Vec<i64> = rows.keys().copied().collect();
    if ids.len() < fractions.len() {
        return Err(Error::invalid_arg(
            "fractions",
            format!("{} splits requested but only {} distinct patients", fractions.len(), ids.len()),
        ));
    }
    ids.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    Ok(cut(&ids, fractions)
        .into_iter()
        .map(|group| {
            let mut v: Vec<usize> = group.iter().flat_map(|p| rows[p].iter().copied()).collect();
            v.sort_unstable();
            v
        })
        .collect())
}

fn check_fractions(fractions: &[f64]) -> Result<()> {
    if fractions.is_empty() || fractions.iter().any(|&f| !(f > 0.0 && f <= 1.0)) || (fractions.iter().sum::<f64>() - 1.0).abs() > 1e-9 {
        return Err(Error::invalid_arg("fractions", format!("need positive fractions summing to 1, got {fractions:?}")));
    }
    Ok(())
}

fn cut<T: Clone>(items: &[T], fractions: &[f64]) -> Vec<Vec<T>> {
    let n = items.len();
    let mut out = Vec::with_capacity(fractions.len());
    let mut start = 0;
    let mut acc = 0.0;
    for (k, f) in fractions.iter().enumerate() {
        acc += f;
        let end = if k + 1 == fractions.len() { n } else { ((acc * n as f64).round() as usize).clamp(start, n) };
        out.push(items[start..end].to_vec());
        start = end;
    }
    out
}

/// Sum over images of the binary cross-entropy of one finding,
/// `−Σᵢ [yᵢ·ln pᵢ + (1 − yᵢ)·ln(1 − pᵢ)]`, optionally with class weights
/// (`w_pos` on positive terms, `w_neg` on negative ones) — the numbers of the
/// course's weighted-loss lab.
///
/// ```
/// let y = [1., 1., 1., 0.];
/// let s = ai4med::xray::bce_sum(&y, &[0.9; 4], 1.0, 1.0).unwrap();
/// assert!((s - 2.6187).abs() < 1e-4);
/// let w = ai4med::xray::bce_sum(&y, &[0.1; 4], 0.25, 0.75).unwrap();
/// assert!((w - 1.8060).abs() < 1e-4);
/// ```
pub fn bce_sum(y: &[f64], p: &[f64], w_pos: f64, w_neg: f64) -> Result<f64> {
    crate::error::check::same_len("y vs p", y.len(), p.len())?;
    crate::error::check::non_empty("y", y.len())?;
    let mut s = 0.0;
    for (i, (&t, &q)) in y.iter().zip(p).enumerate() {
        if t != 0.0 && t != 1.0 {
            return Err(Error::InvalidValue { what: "y".into(), value: t.to_string(), index: i, reason: "labels must be 0 or 1".into() });
        }
        if !(q > 0.0 && q < 1.0) {
            return Err(Error::InvalidValue {
                what: "p".into(),
                value: q.to_string(),
                index: i,
                reason: "probabilities must lie strictly between 0 and 1".into(),
            });
        }
        s -= if t == 1.0 { w_pos * q.ln() } else { w_neg * (1.0 - q).ln() };
    }
    Ok(s)
}

/// The course's weighted multi-label loss (its `get_weighted_loss`):
///
/// `L = Σₖ −meanᵢ [ w_pos[k]·yᵢₖ·ln(pᵢₖ + ε) + w_neg[k]·(1 − yᵢₖ)·ln(1 − pᵢₖ + ε) ]`,
///
/// summed over findings *k*, averaged over images *i*. The same formula on tensors is
/// `ai4med::nn::weighted_bce_loss` (feature `torch`).
///
/// With `ε = 0` a term whose factor is 0 counts as 0 (so a perfect prediction has loss
/// 0, where NumPy gives `0·ln 0 = NaN`), and a confident wrong prediction gives `+∞`.
///
/// ```
/// use ndarray::array;
/// let y = array![[1., 1., 1.], [1., 1., 0.], [0., 1., 0.], [1., 0., 1.]];
/// let p = ndarray::Array2::from_elem((4, 3), 0.7);
/// let l = ai4med::xray::weighted_loss(&y.view(), &p.view(), &[0.25, 0.25, 0.5], &[0.75, 0.75, 0.5], 1.0).unwrap();
/// assert!((l - -0.4956203).abs() < 1e-7);
/// ```
pub fn weighted_loss(y: &ArrayView2<f64>, p: &ArrayView2<f64>, w_pos: &[f64], w_neg: &[f64], epsilon: f64) -> Result<f64> {
    if y.dim() != p.dim() {
        return Err(Error::ShapeMismatch {
            what: "predictions vs labels".into(),
            expected: format!("{:?}", y.dim()),
            got: p.shape().to_vec(),
        });
    }
    crate::error::check::same_len("w_pos vs number of findings", w_pos.len(), y.ncols())?;
    crate::error::check::same_len("w_neg vs number of findings", w_neg.len(), y.ncols())?;
    if y.nrows() == 0 {
        return Err(Error::Empty { what: "labels (no rows)".into() });
    }
    check_binary(y, "labels")?;
    if !(epsilon >= 0.0) {
        return Err(Error::invalid_arg("epsilon", format!("must be ≥ 0, got {epsilon}")));
    }
    let n = y.nrows() as f64;
    let mut loss = 0.0;
    for k in 0..y.ncols() {
        let mut s = 0.0;
        for i in 0..y.nrows() {
            let (t, q) = (y[[i, k]], p[[i, k]]);
            if !(0.0..=1.0).contains(&q) {
                return Err(Error::InvalidValue {
                    what: "predictions".into(),
                    value: q.to_string(),
                    index: i * y.ncols() + k,
                    reason: "probabilities must lie in [0, 1]".into(),
                });
            }
            // A term whose factor w·y (or w·(1 − y)) is 0 contributes 0, also when its
            // logarithm is −∞ (ε = 0 and a perfect prediction): the limit x·ln x → 0.
            let pos = w_pos[k] * t;
            let neg = w_neg[k] * (1.0 - t);
            if pos != 0.0 {
                s += pos * (q + epsilon).ln();
            }
            if neg != 0.0 {
                s += neg * (1.0 - q + epsilon).ln();
            }
        }
        loss -= s / n;
    }
    Ok(loss)
}

#[cfg(test)]
mod tests {
    #[test]
    fn weighted_loss_with_zero_epsilon() {
        let y = ndarray::array![[1.0, 0.0], [0.0, 1.0]];
        let (wp, wn) = ([0.5, 0.5], [0.5, 0.5]);
        let perfect = y.clone();
        assert_eq!(super::weighted_loss(&y.view(), &perfect.view(), &wp, &wn, 0.0).unwrap(), 0.0);
        let wrong = y.mapv(|v| 1.0 - v);
        assert_eq!(super::weighted_loss(&y.view(), &wrong.view(), &wp, &wn, 0.0).unwrap(), f64::INFINITY);
        let half = ndarray::Array2::from_elem((2, 2), 0.5);
        let l = super::weighted_loss(&y.view(), &half.view(), &wp, &wn, 0.0).unwrap();
        assert!((l - 2.0 * 0.5 * std::f64::consts::LN_2).abs() < 1e-12, "{l}");
        assert!(super::weighted_loss(&y.view(), &half.view(), &wp, &wn, f64::NAN).is_err());
    }

    use super::*;
    use ndarray::array;

    #[test]
    fn course_weighted_loss_values() {
        let y = array![[1., 1., 1.], [1., 1., 0.], [0., 1., 0.], [1., 0., 1.]];
        for v in [0.7, 0.3] {
            let p = Array2::from_elem((4, 3), v);
            let l = weighted_loss(&y.view(), &p.view(), &[0.25, 0.25, 0.5], &[0.75, 0.75, 0.5], 1.0).unwrap();
            assert!((l + 0.4956203).abs() < 1e-7, "{l}");
        }
        let y4 = [1., 1., 1., 0.];
        assert!((bce_sum(&y4, &[0.1; 4], 1.0, 1.0).unwrap() - 7.0131).abs() < 1e-4);
        assert!((bce_sum(&y4, &[0.9; 4], 0.25, 0.75).unwrap() - 1.8060).abs() < 1e-4);
        assert!(bce_sum(&y4, &[0.0; 4], 1.0, 1.0).is_err());
        assert!(weighted_loss(&y.view(), &Array2::zeros((4, 2)).view(), &[1.; 3], &[1.; 3], 1.0).is_err());
    }

    #[test]
    fn label_table_reads_sample_and_rejects_unknown_findings() {
        let t = LabelTable::read_csv(crate::data::data_path("cxr14_labels_sample.csv").unwrap()).unwrap();
        assert_eq!(t.n_patients(), 1500);
        let f = t.class_frequencies().unwrap();
        // Hernia is the rarest finding, infiltration the most common.
        let imax = f.positive.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).unwrap().0;
        assert_eq!(t.classes[imax], "Infiltration");
        let dir = std::env::temp_dir().join(format!("ai4med-labels-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("bad.csv");
        std::fs::write(&p, "Image Index,Finding Labels,Patient ID\na.png,Cardiomegaly|Pneumonitis,1\n").unwrap();
        let e = LabelTable::read_csv(&p).unwrap_err().to_string();
        assert!(e.contains("Pneumonitis"), "{e}");
        std::fs::write(&p, "Image Index,Finding Labels\na.png,Cardiomegaly\n").unwrap();
        assert!(LabelTable::read_csv(&p).unwrap_err().to_string().contains("Patient ID"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn patient_split_never_leaks_and_random_split_does() {
        let t = LabelTable::read_csv(crate::data::data_path("cxr14_labels_sample.csv").unwrap()).unwrap();
        let parts = t.patient_split(&[0.7, 0.1, 0.2], 3).unwrap();
        assert_eq!(parts.iter().map(LabelTable::len).sum::<usize>(), t.len());
        let r =
            LeakageReport::new(&[("train", &parts[0].patients[..]), ("valid", &parts[1].patients[..]), ("test", &parts[2].patients[..])]);
        assert!(!r.leaks());
        assert_eq!(r.patients.iter().sum::<usize>(), 1500);
        let idx = random_image_split(t.len(), &[0.8, 0.2], 3).unwrap();
        let a: Vec<i64> = idx[0].iter().map(|&i| t.patients[i]).collect();
        let b: Vec<i64> = idx[1].iter().map(|&i| t.patients[i]).collect();
        assert!(check_for_leakage(&a, &b));
        assert!(patient_split(&[1, 2], &[0.5, 0.3], 0).is_err());
        assert!(patient_split(&[1], &[0.5, 0.5], 0).is_err());
        let _ = r.table().to_string();
    }
}
