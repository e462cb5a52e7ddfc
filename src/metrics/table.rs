//! The per-class performance table of the assignment, with optional confidence intervals.

/// A metric of a confusion matrix.
type Metric = fn(&Confusion) -> Result<f64>;
use super::{Bootstrap, Confusion, bootstrap_auc, bootstrap_ci, check_threshold};
use crate::display::{Cell, Table, Tone};
use crate::{Error, Result};
use ndarray::ArrayView2;

/// One metric of one class: its value (or why it is not defined) and an optional interval.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricValue {
    /// The value, or the reason it is not defined.
    pub value: std::result::Result<f64, String>,
    /// Bootstrap percentile interval, when requested and defined.
    pub ci: Option<(f64, f64)>,
}

impl MetricValue {
    fn from(r: Result<f64>) -> Self {
        MetricValue {
            value: r.map_err(|e| match e {
                Error::Undefined { reason, .. } => reason,
                other => other.to_string(),
            }),
            ci: None,
        }
    }
    fn cell(&self) -> Cell {
        match (&self.value, self.ci) {
            (Ok(v), Some((lo, hi))) => Cell::from(format!("{v:.3} ({lo:.3}–{hi:.3})")),
            (Ok(v), None) => Cell::from(format!("{v:.3}")),
            (Err(why), _) => Cell::toned(format!("not defined: {why}"), Tone::Muted),
        }
    }
}

/// The metric columns, in the course's order.
pub const METRICS: [&str; 8] = ["accuracy", "prevalence", "sensitivity", "specificity", "PPV", "NPV", "AUC", "F1"];

/// One row per class: counts at the class's threshold and every metric of
/// `METRICS` (the course's list), optionally with bootstrap intervals (course: `get_performance_metrics`).
///
/// ```
/// use ai4med::metrics::PerformanceTable;
/// use ndarray::array;
/// let y = array![[1.0, 0.0], [0.0, 0.0], [1.0, 0.0], [0.0, 0.0]];
/// let p = array![[0.9, 0.2], [0.3, 0.7], [0.6, 0.1], [0.4, 0.3]];
/// let t = PerformanceTable::compute(&y.view(), &p.view(), &["Edema", "Mass"], &[0.5]).unwrap();
/// assert_eq!(t.value("Edema", "sensitivity"), Some(1.0));
/// // "Mass" has no positive case: its sensitivity and AUC are not defined, with the reason.
/// assert!(t.get("Mass", "AUC").unwrap().value.is_err());
/// ```
#[derive(Clone, PartialEq)]
pub struct PerformanceTable {
    classes: Vec<String>,
    thresholds: Vec<f64>,
    counts: Vec<Confusion>,
    values: Vec<Vec<MetricValue>>,
    ci_level: Option<f64>,
}

impl PerformanceTable {
    /// Computes the table for labels `y` (n × k, 0/1) and predictions `pred` (n × k).
    /// `thresholds` holds one threshold per class, or a single one for all.
    pub fn compute(y: &ArrayView2<f64>, pred: &ArrayView2<f64>, classes: &[&str], thresholds: &[f64]) -> Result<Self> {
        Self::build(y, pred, classes, thresholds, None)
    }

    /// Like [`PerformanceTable::compute`], with a bootstrap interval on every metric
    /// except prevalence (fixed by a stratified bootstrap).
    pub fn with_ci(y: &ArrayView2<f64>, pred: &ArrayView2<f64>, classes: &[&str], thresholds: &[f64], cfg: Bootstrap) -> Result<Self> {
        Self::build(y, pred, classes, thresholds, Some(cfg))
    }

    fn build(y: &ArrayView2<f64>, pred: &ArrayView2<f64>, classes: &[&str], thresholds: &[f64], cfg: Option<Bootstrap>) -> Result<Self> {
        if y.dim() != pred.dim() {
            return Err(Error::ShapeMismatch {
                what: "predictions".into(),
                expected: format!("{:?} like the labels", y.dim()),
                got: pred.shape().to_vec(),
            });
        }
        let (n, k) = y.dim();
        crate::error::check::non_empty("labels", n * k)?;
        crate::error::check::same_len("class names vs label columns", classes.len(), k)?;
        let thresholds: Vec<f64> = match thresholds.len() {
            1 => vec![thresholds[0]; k],
            m if m == k => thresholds.to_vec(),
            m => return Err(Error::LengthMismatch { what: "thresholds vs classes (or give one threshold)".into(), left: m, right: k }),
        };
        for &t in &thresholds {
            check_threshold(t)?;
        }
        let mut counts = Vec::with_capacity(k);
        let mut values = Vec::with_capacity(k);
        for j in 0..k {
            let yj: Vec<f64> = y.column(j).to_vec();
            let pj: Vec<f64> = pred.column(j).to_vec();
            let yb = super::prepare(&yj, &pj).map_err(|e| Error::parse(format!("class '{}'", classes[j]), e.to_string()))?;
            let t = thresholds[j];
            let c = Confusion::from_scores(&yb, &pj, t);
            let mut row = vec![
                MetricValue::from(c.accuracy()),
                MetricValue::from(c.prevalence()),
                MetricValue::from(c.sensitivity()),
                MetricValue::from(c.specificity()),
                MetricValue::from(c.ppv()),
                MetricValue::from(c.npv()),
                MetricValue::from(super::roc_auc(&yb, &pj)),
                MetricValue::from(c.f1()),
            ];
            if let Some(cfg) = cfg {
                let ci_of = |f: fn(&Confusion) -> Result<f64>| {
                    bootstrap_ci(&yb, &pj, |y: &[bool], s: &[f64]| f(&Confusion::from_scores(y, s, t)), cfg)
                        .ok()
                        .map(|r| (r.interval.lower, r.interval.upper))
                };
                let fns: [(usize, Metric); 6] = [
                    (0, Confusion::accuracy),
                    (2, Confusion::sensitivity),
                    (3, Confusion::specificity),
                    (4, Confusion::ppv),
                    (5, Confusion::npv),
                    (7, Confusion::f1),
                ];
                for (m, f) in fns {
                    if row[m].value.is_ok() {
                        row[m].ci = ci_of(f);
                    }
                }
                if row[6].value.is_ok() {
                    row[6].ci = bootstrap_auc(&yb, &pj, cfg).ok().map(|r| (r.interval.lower, r.interval.upper));
                }
            }
            counts.push(c);
            values.push(row);
        }
        Ok(PerformanceTable {
            classes: classes.iter().map(|s| s.to_string()).collect(),
            thresholds,
            counts,
            values,
            ci_level: cfg.map(|c| c.level),
        })
    }

    /// The metric of a class (`metric` as in the table's columns).
    pub fn get(&self, class: &str, metric: &str) -> Option<&MetricValue> {
        let i = self.classes.iter().position(|c| c == class)?;
        let m = METRICS.iter().position(|&x| x == metric)?;
        Some(&self.values[i][m])
    }

    /// The value of a metric of a class, if defined.
    pub fn value(&self, class: &str, metric: &str) -> Option<f64> {
        self.get(class, metric).and_then(|v| v.value.clone().ok())
    }

    /// The counts of a class.
    pub fn counts(&self, class: &str) -> Option<Confusion> {
        self.classes.iter().position(|c| c == class).map(|i| self.counts[i])
    }

    /// The table: class, TP, TN, FP, FN, the metrics, threshold.
    pub fn table(&self) -> Table {
        let mut cols = vec!["class", "TP", "TN", "FP", "FN"];
        cols.extend(METRICS);
        cols.push("threshold");
        let mut t = Table::new(cols).max_rows(usize::MAX);
        for (i, class) in self.classes.iter().enumerate() {
            let c = self.counts[i];
            let mut row = vec![Cell::from(class.as_str()), Cell::from(c.tp), Cell::from(c.tn), Cell::from(c.fp), Cell::from(c.fn_)];
            row.extend(self.values[i].iter().map(MetricValue::cell));
            row.push(Cell::from(self.thresholds[i]));
            t.push_row(row);
        }
        if let Some(level) = self.ci_level {
            t = t.note(format!("In brackets: {:.0}% stratified bootstrap percentile intervals.", level * 100.0));
        }
        t
    }
}

impl std::fmt::Debug for PerformanceTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.table())
    }
}

impl crate::display::Render for PerformanceTable {
    fn render(&self) -> crate::display::View {
        crate::display::View::Table(self.table())
    }
}
crate::rendered!(PerformanceTable);

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn table_with_ci_and_undefined() {
        let y = array![[1.0, 0.0], [0.0, 0.0], [1.0, 0.0], [0.0, 0.0], [1.0, 0.0], [0.0, 0.0]];
        let p = array![[0.9, 0.2], [0.3, 0.7], [0.6, 0.1], [0.4, 0.3], [0.45, 0.2], [0.55, 0.1]];
        let t = PerformanceTable::with_ci(&y.view(), &p.view(), &["A", "B"], &[0.5, 0.5], Bootstrap::new(50).seed(3)).unwrap();
        let auc = t.get("A", "AUC").unwrap();
        assert!((auc.value.clone().unwrap() - 8.0 / 9.0).abs() < 1e-12);
        assert!(auc.ci.is_some());
        assert_eq!(t.get("B", "sensitivity").unwrap().value, Err("there are no positive cases".to_string()));
        let html = t.table().to_html();
        assert!(html.contains("not defined: there are no positive cases"));
        assert!(html.contains("95% stratified bootstrap"));
        assert_eq!(t.counts("A").unwrap(), Confusion { tp: 2, tn: 2, fp: 1, fn_: 1 });
    }

    #[test]
    fn shape_errors() {
        let y = array![[1.0, 0.0]];
        let p = array![[0.9]];
        assert!(PerformanceTable::compute(&y.view(), &p.view(), &["A", "B"], &[0.5]).is_err());
        let p = array![[0.9, 0.1]];
        assert!(PerformanceTable::compute(&y.view(), &p.view(), &["A"], &[0.5]).is_err());
        assert!(PerformanceTable::compute(&y.view(), &p.view(), &["A", "B"], &[0.5, 0.5, 0.5]).is_err());
        let y = array![[2.0, 0.0]];
        let e = PerformanceTable::compute(&y.view(), &p.view(), &["A", "B"], &[0.5]).unwrap_err();
        assert!(e.to_string().contains("class 'A'"), "{e}");
    }
}
