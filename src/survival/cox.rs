//! Cox proportional hazards regression.

use super::SurvivalData;
use crate::data::{AsFeatures, aligned, default_names};
use crate::display::Table;
use crate::plot::{Chart, Figure, PALETTE, plot_error, render_svg};
use crate::{Error, Result};
use nalgebra::{DMatrix, DVector};
use ndarray::{Array2, ArrayView2};
use plotters::prelude::*;
use statrs::distribution::{ContinuousCDF, Normal};

/// How tied event times enter the partial likelihood.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Ties {
    /// Efron's approximation (lifelines' and R's default).
    #[default]
    Efron,
    /// Breslow's approximation (scikit-survival's default).
    Breslow,
}

/// A fitted Cox proportional hazards model `h(t | x) = h₀(t) exp(xᵀβ)` (course 2 week 4,
/// assignment "Cox proportional hazards and random survival forests", lifelines'
/// `CoxPHFitter`).
///
/// β maximises the partial likelihood (Efron's ties by default) by Newton–Raphson with
/// step halving, from β = 0, until the largest change is below 1e-10. Standard errors
/// come from the inverse of the observed information. Like lifelines, partial hazards
/// and the baseline are relative to the training means of the covariates:
/// `partial_hazard(x) = exp((x − x̄)ᵀβ)`, and the baseline cumulative hazard is
/// Breslow's `H₀(t) = Σ_{t_i ≤ t} d_i / Σ_{T_j ≥ t_i} partial_hazard(x_j)`.
///
/// Differences from lifelines: no strata, and the penalty is ridge only; [`concordance`](Self::concordance)
/// is the course's Harrell's C.
///
/// ```
/// use ai4med::survival::{CoxPH, SurvivalData};
/// use ai4med::ndarray::array;
/// let x = array![[1.0], [0.0], [1.0], [0.0], [1.0], [0.0]];
/// let d = SurvivalData::new(&[1.0, 5.0, 2.0, 6.0, 4.0, 3.0], &[1.0, 1.0, 1.0, 0.0, 1.0, 1.0]).unwrap();
/// let cox = CoxPH::params().fit(&x, &d).unwrap();
/// assert!(cox.coefficients()[0] > 0.0); // x = 1 dies earlier
/// ```
#[derive(Clone)]
pub struct CoxPH {
    names: Vec<String>,
    beta: Vec<f64>,
    se: Vec<f64>,
    means: Vec<f64>,
    log_likelihood: f64,
    null_log_likelihood: f64,
    iterations: usize,
    ties: Ties,
    baseline_times: Vec<f64>,
    baseline_hazard: Vec<f64>,
    /// Training partial hazards and outcomes, for the concordance computed on demand.
    train_scores: std::sync::Arc<(Vec<f64>, SurvivalData)>,
    concordance: std::sync::OnceLock<f64>,
    n: usize,
    n_events: usize,
}

/// A short summary, not the data (evcxr shows `{:?}` where it cannot show the HTML).
impl std::fmt::Debug for CoxPH {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let coef: Vec<String> =
            self.names.iter().zip(&self.beta).map(|(n, b)| format!("{n}: {}", crate::display::short_float(*b))).collect();
        write!(f, "CoxPH {{ coefficients: [{}], n: {}, events: {}, ties: {:?} }}", coef.join(", "), self.n, self.n_events, self.ties)
    }
}

/// Log partial likelihood, gradient and information (negative Hessian) at β, on
/// centred covariates `x` sorted by time descending.
/// What one sweep over a range of rows collects (see `Problem::sweep`).
struct Sweep {
    ll: f64,
    events: usize,
    grad: Vec<f64>,
    /// `m_l` of the events in small tied groups, one row of `p` per event.
    m_rows: Vec<f64>,
    /// `Σ m_l m_lᵀ` (`p × p`, row-major) of the larger tied groups, summed in closed
    /// form; empty until the first such group.
    mm: Vec<f64>,
    inv_phi: Vec<f64>,
    f_phi: Vec<f64>,
    group_of: Vec<usize>,
}

/// Tied groups with at least this many events add their `Σ m_l m_lᵀ` in closed form
/// (see `Problem::sweep`); smaller ones push one row per event for the matrix product.
const CLOSED_FORM_TIES: usize = 4;

struct Problem<'a> {
    /// Centred covariates (`n × p`), rows sorted by time, descending.
    rows: ndarray::Array2<f64>,
    time: &'a [f64],
    event: &'a [bool],
    ties: Ties,
    /// Ridge weight per coefficient (penalizer × n × sd²; 0 without penalty).
    penalty: Vec<f64>,
    /// Tied groups with at least this many events use the closed form
    /// ([`CLOSED_FORM_TIES`]; tests vary it).
    closed_form_ties: usize,
}

impl Problem<'_> {
    /// One sweep over rows `lo..hi` (time order), starting from the risk-set sums `s0`,
    /// `s1` of the rows before `lo`: the log-likelihood terms (without the shift), the
    /// gradient, the Efron mean covariates, and per tied group `Σ 1/φ` and `Σ f/φ`.
    fn sweep(&self, lo: usize, hi: usize, eta: &[f64], w: &[f64], mut s0: f64, mut s1: Vec<f64>) -> Sweep {
        let p = s1.len();
        let x = &self.rows;
        let mut t1 = vec![0.0; p];
        let mut out = Sweep {
            ll: 0.0,
            events: 0,
            grad: vec![0.0; p],
            m_rows: Vec::new(),
            mm: Vec::new(),
            inv_phi: Vec::new(),
            f_phi: Vec::new(),
            group_of: vec![0; hi - lo],
        };
        let mut i = lo;
        while i < hi {
            let t = self.time[i];
            let g = out.inv_phi.len();
            let mut t0 = 0.0;
            t1.iter_mut().for_each(|v| *v = 0.0);
            let mut d = 0usize;
            let mut j = i;
            while j < hi && self.time[j] == t {
                let xj = x.row(j);
                s0 += w[j];
                for a in 0..p {
                    s1[a] += w[j] * xj[a];
                }
                if self.event[j] {
                    d += 1;
                    t0 += w[j];
                    for a in 0..p {
                        t1[a] += w[j] * xj[a];
                        out.grad[a] += xj[a];
                    }
                    out.ll += eta[j];
                }
                out.group_of[j - lo] = g;
                j += 1;
            }
            let (mut a_sum, mut b_sum) = (0.0, 0.0);
            let frac = |l: usize| match self.ties {
                Ties::Efron => l as f64 / d as f64,
                Ties::Breslow => 0.0,
            };
            if d < self.closed_form_ties {
                for l in 0..d {
                    let f = frac(l);
                    let phi = s0 - f * t0;
                    out.ll -= phi.ln();
                    for a in 0..p {
                        let m = (s1[a] - f * t1[a]) / phi;
                        out.grad[a] -= m;
                        out.m_rows.push(m);
                    }
                    a_sum += 1.0 / phi;
                    b_sum += f / phi;
                }
            } else {
                // m_l = (s1 − f_l t1)/φ_l = (r1 + g_l t1)/φ_l with r1 = s1 − t1 (the
                // group's non-events and everyone later) and g_l = 1 − f_l ≥ 0, so
                // Σ m_l = s1 Σ 1/φ − t1 Σ f/φ and
                // Σ m_l m_lᵀ = A r1 r1ᵀ + B (r1 t1ᵀ + t1 r1ᵀ) + C t1 t1ᵀ with
                // A = Σ 1/φ², B = Σ g/φ², C = Σ g²/φ² (positive weights: no cancellation
                // in the scalars). O(d + p²) instead of d rows of p and d·p² later.
                let (mut a2, mut b2, mut c2) = (0.0, 0.0, 0.0);
                for l in 0..d {
                    let f = frac(l);
                    let phi = s0 - f * t0;
                    out.ll -= phi.ln();
                    a_sum += 1.0 / phi;
                    b_sum += f / phi;
                    let (g, q) = (1.0 - f, 1.0 / (phi * phi));
                    a2 += q;
                    b2 += g * q;
                    c2 += g * g * q;
                }
                for a in 0..p {
                    out.grad[a] -= s1[a] * a_sum - t1[a] * b_sum;
                }
                if out.mm.is_empty() {
                    out.mm = vec![0.0; p * p];
                }
                for a in 0..p {
                    let (ra, ta) = (s1[a] - t1[a], t1[a]);
                    for b in 0..p {
                        let (rb, tb) = (s1[b] - t1[b], t1[b]);
                        out.mm[a * p + b] += a2 * ra * rb + b2 * (ra * tb + ta * rb) + c2 * ta * tb;
                    }
                }
            }
            out.events += d;
            out.inv_phi.push(a_sum);
            out.f_phi.push(b_sum);
            i = j;
        }
        out
    }

    /// One pass over the rows (sorted by time, descending) with running risk-set sums
    /// `S0 = Σ w`, `S1 = Σ w x` (`w = exp(xᵀβ − shift)`) gives the log-likelihood, the
    /// gradient and the mean covariate `m_l` of every Efron term. The information
    /// `Σ_l [S2(t_l) − f_l T2_l]/φ_l − m_l m_lᵀ` is then assembled with two matrix
    /// products instead of running `p × p` sums: each row enters every `S2(t_l)` of the
    /// event times it is at risk for, with weight `w · Σ_l 1/φ_l`, so the first part is
    /// the weighted Gram matrix `Xᵀ diag(u) X`, and the second is `MᵀM` (tied groups of
    /// [`CLOSED_FORM_TIES`] or more events add their share in closed form). On large data
    /// the pass runs as two halves at once (the second starting from the first half's
    /// totals) and both products in cache-sized row chunks on all cores.
    fn eval(&self, beta: &DVector<f64>) -> (f64, DVector<f64>, DMatrix<f64>) {
        self.eval_split(beta, self.time.len() >= 1 << 14)
    }

    /// [`Problem::eval`], with the sweep split in two halves or not.
    fn eval_split(&self, beta: &DVector<f64>, split: bool) -> (f64, DVector<f64>, DMatrix<f64>) {
        use rayon::prelude::*;
        let (n, p) = (self.time.len(), beta.len());
        let x = &self.rows;
        let bv = ndarray::ArrayView1::from(beta.as_slice());
        let eta: Vec<f64> = (0..n).into_par_iter().with_min_len(4096).map(|i| x.row(i).dot(&bv)).collect();
        let shift = eta.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let w: Vec<f64> = eta.par_iter().with_min_len(4096).map(|e| (e - shift).exp()).collect();
        // The sweep over rows in time order is a running sum; on large data the second
        // half starts from the first half's totals, so both halves run at once. The split
        // sits at a group boundary and is fixed by the data, so results are reproducible.
        let mut mid = if split { n / 2 } else { n };
        while mid < n && mid > 0 && self.time[mid] == self.time[mid - 1] {
            mid += 1;
        }
        let (first, second) = if mid < n {
            rayon::join(
                || self.sweep(0, mid, &eta, &w, 0.0, vec![0.0; p]),
                || {
                    let mut s1 = vec![0.0; p];
                    let mut s0 = 0.0;
                    for i in 0..mid {
                        s0 += w[i];
                        for (a, &v) in s1.iter_mut().zip(x.row(i).iter()) {
                            *a += w[i] * v;
                        }
                    }
                    Some(self.sweep(mid, n, &eta, &w, s0, s1))
                },
            )
        } else {
            (self.sweep(0, n, &eta, &w, 0.0, vec![0.0; p]), None)
        };
        let mut ll = first.ll - shift * first.events as f64;
        let mut grad = first.grad;
        let mut m_rows = first.m_rows;
        let mut mm_closed = first.mm;
        let (mut inv_phi, mut f_phi, mut group_of) = (first.inv_phi, first.f_phi, first.group_of);
        if let Some(b) = second {
            ll += b.ll - shift * b.events as f64;
            for (g, v) in grad.iter_mut().zip(&b.grad) {
                *g += v;
            }
            m_rows.extend_from_slice(&b.m_rows);
            if mm_closed.is_empty() {
                mm_closed = b.mm;
            } else if !b.mm.is_empty() {
                mm_closed.iter_mut().zip(&b.mm).for_each(|(a, v)| *a += v);
            }
            let offset = inv_phi.len();
            inv_phi.extend_from_slice(&b.inv_phi);
            f_phi.extend_from_slice(&b.f_phi);
            group_of.extend(b.group_of.iter().map(|g| g + offset));
        }
        // Row weights: w_i · (Σ over groups at or after its own of Σ 1/φ) − the Efron
        // correction for tied event rows.
        let mut after = vec![0.0; inv_phi.len() + 1];
        for g in (0..inv_phi.len()).rev() {
            after[g] = after[g + 1] + inv_phi[g];
        }
        let u: Vec<f64> = (0..n)
            .map(|i| {
                let g = group_of[i];
                w[i] * (after[g] - if self.event[i] { f_phi[g] } else { 0.0 })
            })
            .collect();
        let m = ndarray::Array2::from_shape_vec((m_rows.len() / p.max(1), p), m_rows).unwrap_or_else(|_| ndarray::Array2::zeros((0, p)));
        let gram = chunked_gram(x, Some(&u));
        let mm = chunked_gram(&m, None);
        let mut grad = DVector::from_vec(grad);
        let closed = |a: usize, b: usize| if mm_closed.is_empty() { 0.0 } else { mm_closed[a * p + b] };
        let mut info = DMatrix::from_fn(p, p, |a, b| gram[[a, b]] - mm[[a, b]] - closed(a, b));
        for (j, &wt) in self.penalty.iter().enumerate() {
            ll -= 0.5 * wt * beta[j] * beta[j];
            grad[j] -= wt * beta[j];
            info[(j, j)] += wt;
        }
        (ll, grad, info)
    }
}

/// `Xᵀ diag(u) X` (or `XᵀX` without weights), in row chunks on all cores: each chunk's
/// product is formed from a small reused buffer that stays in cache, and the chunk
/// products are added in chunk order, so the result does not depend on scheduling.
fn chunked_gram(x: &ndarray::Array2<f64>, u: Option<&[f64]>) -> ndarray::Array2<f64> {
    use rayon::prelude::*;
    const ROWS: usize = 2048;
    let (n, p) = x.dim();
    let parts: Vec<ndarray::Array2<f64>> = (0..n.div_ceil(ROWS))
        .into_par_iter()
        .map_init(
            || ndarray::Array2::<f64>::zeros((ROWS, p)),
            |buf, c| {
                let (lo, hi) = (c * ROWS, ((c + 1) * ROWS).min(n));
                let xs = x.slice(ndarray::s![lo..hi, ..]);
                let mut g = ndarray::Array2::<f64>::zeros((p, p));
                match u {
                    Some(u) => {
                        let mut b = buf.slice_mut(ndarray::s![..hi - lo, ..]);
                        for ((mut br, xr), &ui) in b.rows_mut().into_iter().zip(xs.rows()).zip(&u[lo..hi]) {
                            br.zip_mut_with(&xr, |d, &v| *d = v * ui);
                        }
                        ndarray::linalg::general_mat_mul(1.0, &xs.t(), &b, 0.0, &mut g);
                    }
                    None => ndarray::linalg::general_mat_mul(1.0, &xs.t(), &xs, 0.0, &mut g),
                }
                g
            },
        )
        .collect();
    let mut total = ndarray::Array2::<f64>::zeros((p, p));
    for g in &parts {
        total += g;
    }
    total
}

/// Settings of a Cox fit: tie handling and an optional ridge penalty.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct CoxParams {
    /// Tie handling (Efron by default).
    pub ties: Ties,
    /// Ridge penalty λ on standardised coefficients: the mean log partial likelihood
    /// minus `λ/2 Σ (β_j sd_j)²`, i.e. `n·λ/2 Σ (β_j sd_j)²` off the total — exactly
    /// lifelines' `penalizer` with `l1_ratio = 0` (default 0: plain partial likelihood).
    pub penalizer: f64,
}

impl CoxParams {
    /// Tie handling.
    pub fn ties(mut self, t: Ties) -> Self {
        self.ties = t;
        self
    }
    /// Ridge penalty on standardised coefficients (lifelines' `penalizer`). A small
    /// value (0.01–0.1) keeps coefficients finite when a covariate level has no events
    /// in the training data.
    pub fn penalizer(mut self, l: f64) -> Self {
        self.penalizer = l;
        self
    }
    /// Fits the model.
    pub fn fit<X: AsFeatures + ?Sized>(&self, x: &X, data: &SurvivalData) -> Result<CoxPH> {
        CoxPH::fit_params(x, data, *self)
    }
}

impl<X: AsFeatures + ?Sized> crate::model::Fit<X, SurvivalData> for CoxParams {
    type Fitted = CoxPH;
    fn fit(&self, x: &X, y: &SurvivalData) -> Result<CoxPH> {
        CoxParams::fit(self, x, y)
    }
}

impl<X: AsFeatures + ?Sized> crate::model::PredictRisk<X> for CoxPH {
    /// The partial hazards.
    fn predict_risk(&self, x: &X) -> Result<Vec<f64>> {
        self.predict_partial_hazard(x)
    }
}

impl<X: AsFeatures + ?Sized> crate::model::PredictSurvival<X> for CoxPH {
    fn predict_survival(&self, x: &X, times: &[f64]) -> Result<Array2<f64>> {
        crate::model::check_times(times)?;
        let ph = self.predict_partial_hazard(x)?;
        Ok(Array2::from_shape_fn((ph.len(), times.len()), |(i, k)| {
            (-crate::model::step_at(&self.baseline_times, &self.baseline_hazard, 0.0, times[k]) * ph[i]).exp()
        }))
    }
}

impl CoxPH {
    /// Settings to adjust (ties, penalizer) before fitting: `CoxPH::params().fit(&x,
    /// &data)` is lifelines' `CoxPHFitter().fit` with Efron's ties.
    pub fn params() -> CoxParams {
        CoxParams::default()
    }

    fn fit_params<X: AsFeatures + ?Sized>(x: &X, data: &SurvivalData, params: CoxParams) -> Result<CoxPH> {
        let ties = params.ties;
        if !(params.penalizer >= 0.0 && params.penalizer.is_finite()) {
            return Err(Error::invalid_arg("penalizer", format!("{} must be a non-negative number", params.penalizer)));
        }
        let (m, names) = x.to_features()?;
        let names = names.unwrap_or_else(|| default_names(m.ncols()));
        let (n, p) = m.dim();
        crate::error::check::same_len("x rows vs subjects", n, data.len())?;
        crate::error::check::non_empty("covariates", p)?;
        if data.n_events() == 0 {
            return Err(Error::undefined("Cox model", "every subject is censored: the partial likelihood is flat"));
        }
        // Means, finiteness and constancy in one pass over the rows (cache-friendly).
        let mut sums = vec![0.0; p];
        let (mut lo, mut hi) = (m.row(0).to_vec(), m.row(0).to_vec());
        let mut finite = true;
        for r in m.rows() {
            for (j, &v) in r.iter().enumerate() {
                sums[j] += v;
                lo[j] = lo[j].min(v);
                hi[j] = hi[j].max(v);
                finite &= v.is_finite();
            }
        }
        if !finite {
            for j in 0..p {
                let col = m.column(j);
                if let Some(i) = col.iter().position(|v| !v.is_finite()) {
                    return Err(Error::InvalidValue {
                        what: format!("covariate '{}'", names[j]),
                        value: col[i].to_string(),
                        index: i,
                        reason: "covariates must be finite (impute missing values first)".into(),
                    });
                }
            }
        }
        let means: Vec<f64> = sums.iter().map(|s| s / n as f64).collect();
        for j in 0..p {
            if hi[j] - lo[j] <= 1e-12 * (1.0 + lo[j].abs()) {
                return Err(Error::invalid_arg(
                    "x",
                    format!("covariate '{}' is constant ({}): its coefficient is not identifiable", names[j], lo[j]),
                ));
            }
        }
        let mut order: Vec<usize> = (0..n).collect();
        radsort::sort_by_key(&mut order, |&i| -data.time()[i]);
        // Centred rows in time order (row-major) and each column's variance. The rows are
        // scattered to their places in input order rather than gathered in time order:
        // a gather waits on one cache miss per row, while scattered stores queue up
        // (measured: the fit on 1e5 × 20 spent 29% of its time in the gather).
        let mut rows = ndarray::Array2::<f64>::zeros((n, p));
        let mut place = vec![0usize; n];
        for (k, &i) in order.iter().enumerate() {
            place[i] = k;
        }
        for (i, src) in m.rows().into_iter().enumerate() {
            for ((v, &x), mu) in rows.row_mut(place[i]).iter_mut().zip(src.iter()).zip(&means) {
                *v = x - mu;
            }
        }
        let mut sumsq = vec![0.0; p];
        for r in rows.rows() {
            for (ss, v) in sumsq.iter_mut().zip(r.iter()) {
                *ss += v * v;
            }
        }
        let var: Vec<f64> = sumsq.iter().map(|ss| ss / (n as f64 - 1.0).max(1.0)).collect();
        let time: Vec<f64> = order.iter().map(|&i| data.time()[i]).collect();
        let event: Vec<bool> = order.iter().map(|&i| data.event()[i]).collect();
        let penalty: Vec<f64> = var.iter().map(|v| params.penalizer * n as f64 * v).collect();
        let prob = Problem { rows, time: &time, event: &event, ties, penalty, closed_form_ties: CLOSED_FORM_TIES };

        let mut beta = DVector::zeros(p);
        let (mut ll, mut grad, mut info) = prob.eval(&beta);
        let null_ll = ll;
        let mut iterations = 0;
        let mut converged = false;
        let mut last_step = f64::NAN;
        for it in 1..=100 {
            iterations = it;
            let chol = info.clone().cholesky().ok_or_else(|| {
                Error::undefined(
                    "Cox model",
                    "the information matrix is singular: covariates are collinear, or one separates the events perfectly (its coefficient diverges)",
                )
            })?;
            let delta = chol.solve(&grad);
            if it > 1 && delta.amax() < 1e-10 {
                // The Newton step left is below tolerance: take it without another pass
                // over the data (the likelihood changes by O(step²)).
                beta += &delta;
                last_step = delta.amax();
                converged = true;
                break;
            }
            let mut step = 1.0;
            let mut accepted = None;
            for _ in 0..40 {
                let cand = &beta + &delta * step;
                let (l2, g2, i2) = prob.eval(&cand);
                if l2.is_finite() && l2 >= ll - 1e-12 * ll.abs().max(1.0) {
                    accepted = Some((cand, l2, g2, i2));
                    break;
                }
                step *= 0.5;
            }
            let Some((cand, l2, g2, i2)) = accepted else {
                return Err(Error::NotConverged {
                    what: "Cox partial likelihood".into(),
                    iterations: it,
                    detail: format!("no step along the Newton direction increased the likelihood (last change {last_step:.3e})"),
                });
            };
            last_step = (&cand - &beta).amax();
            let dll = l2 - ll;
            beta = cand;
            ll = l2;
            grad = g2;
            info = i2;
            if last_step < 1e-10 || (dll.abs() < 1e-14 * ll.abs().max(1.0) && grad.amax() < 1e-8) {
                converged = true;
                break;
            }
            if beta.amax() > 50.0 {
                return Err(Error::NotConverged {
                    what: "Cox partial likelihood".into(),
                    iterations: it,
                    detail: format!(
                        "coefficients diverge (largest |β| = {:.1}): a covariate separates the events; last step {last_step:.3e}",
                        beta.amax()
                    ),
                });
            }
        }
        if !converged {
            return Err(Error::NotConverged {
                what: "Cox partial likelihood".into(),
                iterations,
                detail: format!("last change in β {last_step:.3e}"),
            });
        }
        let cov = info
            .clone()
            .cholesky()
            .map(|c| c.inverse())
            .ok_or_else(|| Error::undefined("Cox model", "the information matrix is singular at the optimum"))?;
        let se: Vec<f64> = (0..p).map(|j| cov[(j, j)].sqrt()).collect();
        // A coefficient whose standard error dwarfs its covariate's scale is drifting to
        // infinity: the partial likelihood has no maximum (separation).
        let sd = |j: usize| var[j].sqrt();
        if let Some(j) = (0..p).find(|&j| se[j] * sd(j) > 1e3) {
            return Err(Error::NotConverged {
                what: "Cox partial likelihood".into(),
                iterations,
                detail: format!(
                    "the coefficient of '{}' diverges (β = {:.3}, se = {:.3e}): the events are separated by this covariate (for example a category level with no events in these data); merge or drop the level, or fit with CoxPH::params().penalizer(0.1)",
                    names[j], beta[j], se[j]
                ),
            });
        }
        let beta: Vec<f64> = beta.iter().copied().collect();

        // Breslow baseline cumulative hazard at each distinct time (lifelines' layout).
        let ph: Vec<f64> = prob.rows.dot(&ndarray::ArrayView1::from(&beta[..])).iter().map(|e| e.exp()).collect();
        let mut times = Vec::new();
        let mut hazard = Vec::new();
        {
            // time descending: accumulate risk sums, then reverse
            let mut risk = 0.0;
            let mut i = 0;
            let mut rows: Vec<(f64, f64)> = Vec::new(); // (time, d / risk)
            while i < n {
                let t = time[i];
                let mut d = 0.0;
                let mut j = i;
                while j < n && time[j] == t {
                    risk += ph[j];
                    d += event[j] as u8 as f64;
                    j += 1;
                }
                rows.push((t, d / risk));
                i = j;
            }
            rows.reverse();
            let mut h = 0.0;
            for (t, inc) in rows {
                h += inc;
                times.push(t);
                hazard.push(h);
            }
        }
        let scores: Vec<f64> = {
            let mut s = vec![0.0; n];
            for (k, &i) in order.iter().enumerate() {
                s[i] = ph[k];
            }
            s
        };
        Ok(CoxPH {
            names,
            beta,
            se,
            means,
            log_likelihood: ll,
            null_log_likelihood: null_ll,
            iterations,
            ties,
            baseline_times: times,
            baseline_hazard: hazard,
            train_scores: std::sync::Arc::new((scores, data.clone())),
            concordance: std::sync::OnceLock::new(),
            n,
            n_events: data.n_events(),
        })
    }

    /// Coefficients β (log hazard ratios), in covariate order.
    pub fn coefficients(&self) -> &[f64] {
        &self.beta
    }
    /// Standard errors of β.
    pub fn standard_errors(&self) -> &[f64] {
        &self.se
    }
    /// Covariate names.
    pub fn feature_names(&self) -> &[String] {
        &self.names
    }
    /// Training means of the covariates (the reference point of partial hazards).
    pub fn means(&self) -> &[f64] {
        &self.means
    }
    /// Hazard ratios exp(β).
    pub fn hazard_ratios(&self) -> Vec<f64> {
        self.beta.iter().map(|b| b.exp()).collect()
    }
    /// Log partial likelihood at the optimum.
    pub fn log_likelihood(&self) -> f64 {
        self.log_likelihood
    }
    /// Log partial likelihood at β = 0.
    pub fn null_log_likelihood(&self) -> f64 {
        self.null_log_likelihood
    }
    /// Likelihood-ratio test against the null model: statistic and p-value (χ², p df).
    pub fn likelihood_ratio_test(&self) -> (f64, f64) {
        use statrs::distribution::ChiSquared;
        let stat = 2.0 * (self.log_likelihood - self.null_log_likelihood);
        let p = ChiSquared::new(self.beta.len() as f64).map(|c| 1.0 - c.cdf(stat.max(0.0))).unwrap_or(f64::NAN);
        (stat, p)
    }
    /// Newton iterations used.
    pub fn iterations(&self) -> usize {
        self.iterations
    }
    /// Tie handling used.
    pub fn ties(&self) -> Ties {
        self.ties
    }
    /// Harrell's C (course definition) of the partial hazards on the training data.
    pub fn concordance(&self) -> f64 {
        *self.concordance.get_or_init(|| super::harrell_c(&self.train_scores.1, &self.train_scores.0).unwrap_or(f64::NAN))
    }
    /// One row per covariate: β, se, Wald z, p, 95% CI of β (the hazard ratio is
    /// `exp(estimate)`); the rows of [`summary`](Self::summary).
    pub fn summary_rows(&self) -> Vec<crate::linear::Coefficient> {
        let names: Vec<&str> = self.names.iter().map(String::as_str).collect();
        crate::linear::wald_rows(&names, &self.beta, &self.se, &Normal::standard())
    }
    /// The coefficient table (the crate's one [`coefficient_table`](crate::linear::coefficient_table),
    /// with hazard ratios HR = exp(β)); the caption holds the fit statistics.
    pub fn summary(&self) -> Table {
        let (lr, lrp) = self.likelihood_ratio_test();
        let caption = format!(
            "Cox proportional hazards ({:?} ties): {} subjects, {} events; log-likelihood {:.4}; concordance {:.4}; likelihood-ratio test {:.2} on {} df, p {}",
            self.ties,
            self.n,
            self.n_events,
            self.log_likelihood,
            self.concordance(),
            lr,
            self.beta.len(),
            {
                let p = crate::display::format_p(lrp);
                if p.starts_with('<') { p } else { format!("= {p}") }
            }
        );
        crate::linear::coefficient_table(&caption, &self.summary_rows(), "z", Some("HR"))
    }

    fn rows(&self, x: &ArrayView2<f64>) -> Result<Vec<f64>> {
        for ((i, j), v) in x.indexed_iter() {
            if !v.is_finite() {
                return Err(Error::InvalidValue {
                    what: format!("covariate '{}'", self.names[j]),
                    value: v.to_string(),
                    index: i,
                    reason: "covariates must be finite".into(),
                });
            }
        }
        Ok(x.rows().into_iter().map(|r| r.iter().zip(&self.beta).zip(&self.means).map(|((v, b), m)| (v - m) * b).sum()).collect())
    }
    /// Log partial hazards `(x − x̄)ᵀβ` of the rows of `x` (a frame's columns are matched
    /// by name).
    pub fn predict_log_partial_hazard<X: AsFeatures + ?Sized>(&self, x: &X) -> Result<Vec<f64>> {
        let m = aligned(x, &self.names)?;
        self.rows(&m.view())
    }
    /// Partial hazards `exp((x − x̄)ᵀβ)`: relative risks, the scores for Harrell's C.
    pub fn predict_partial_hazard<X: AsFeatures + ?Sized>(&self, x: &X) -> Result<Vec<f64>> {
        Ok(self.predict_log_partial_hazard(x)?.into_iter().map(f64::exp).collect())
    }
    /// The hazard ratio of patient `a` relative to patient `b`, `exp((x_a − x_b)ᵀβ)` (the
    /// course exercise `hazard_ratio`).
    pub fn hazard_ratio(&self, a: &[f64], b: &[f64]) -> Result<f64> {
        crate::error::check::same_len("patient a vs coefficients", a.len(), self.beta.len())?;
        crate::error::check::same_len("patient b vs coefficients", b.len(), self.beta.len())?;
        crate::error::check::finite("patient a", a)?;
        crate::error::check::finite("patient b", b)?;
        Ok(a.iter().zip(b).zip(&self.beta).map(|((x, y), c)| (x - y) * c).sum::<f64>().exp())
    }
    /// Distinct training times and the baseline cumulative hazard `H₀(t)` there.
    pub fn baseline_cumulative_hazard(&self) -> (&[f64], &[f64]) {
        (&self.baseline_times, &self.baseline_hazard)
    }
    /// Predicted survival `S(t | x) = exp(−H₀(t) · partial_hazard(x))` at each
    /// baseline time: rows × times.
    pub fn predict_survival_function<X: AsFeatures + ?Sized>(&self, x: &X) -> Result<Array2<f64>> {
        let ph = self.predict_partial_hazard(x)?;
        Ok(Array2::from_shape_fn((ph.len(), self.baseline_times.len()), |(i, k)| (-self.baseline_hazard[k] * ph[i]).exp()))
    }
    /// Predicted survival curves of some rows as a step figure, one line per row
    /// labelled by `labels`.
    pub fn survival_figure<X: AsFeatures + ?Sized, S: AsRef<str>>(&self, x: &X, labels: &[S]) -> Result<Figure> {
        let s = self.predict_survival_function(x)?;
        crate::error::check::same_len("rows vs labels", s.nrows(), labels.len())?;
        let mut t = vec![0.0];
        t.extend_from_slice(&self.baseline_times);
        let mut fig = Figure::new().title("Cox model: predicted survival").x_label("time").y_label("S(t | x)").y_range(0.0, 1.02);
        for (i, l) in labels.iter().enumerate() {
            let mut y = vec![1.0];
            y.extend(s.row(i).iter());
            fig = fig.step(&t, &y, l.as_ref());
        }
        Ok(fig)
    }
    /// Forest plot of the hazard ratios with their 95% intervals (log scale axis in
    /// β units, labelled as ratios).
    pub fn coefficient_plot(&self) -> Chart {
        let rows = self.summary_rows();
        let build = || -> Result<String> {
            let k = rows.len();
            // Axis limited to hazard ratios in [e⁻⁵, e⁵]; wider intervals run off the edge.
            let lo = rows.iter().map(|r| r.lower).filter(|v| v.is_finite()).fold(0.0f64, f64::min).max(-5.0);
            let hi = rows.iter().map(|r| r.upper).filter(|v| v.is_finite()).fold(0.0f64, f64::max).min(5.0);
            let pad = ((hi - lo) * 0.08).max(0.05);
            let longest = rows.iter().map(|r| r.name.chars().count()).max().unwrap_or(4) as u32;
            render_svg((680, (90 + 28 * k as u32).max(200)), |root| {
                let mut chart = ChartBuilder::on(root)
                    .caption("Cox model: hazard ratios (95% CI)", ("sans-serif", 16))
                    .margin(12)
                    .x_label_area_size(40)
                    .y_label_area_size((longest * 7 + 16).clamp(60, 260))
                    .build_cartesian_2d(
                        crate::plot::FixedTicks::new(
                            crate::plot::axis(lo - pad, hi + pad, "hazard ratios")?,
                            ratio_ticks(lo - pad, hi + pad).iter().map(|r| r.ln()).collect(),
                        ),
                        -0.5..(k as f64 - 0.5),
                    )
                    .map_err(plot_error)?;
                chart
                    .configure_mesh()
                    .disable_y_mesh()
                    .y_labels(k)
                    .y_label_formatter(&|y| {
                        let i = y.round() as i64;
                        if (y - i as f64).abs() < 1e-6 && i >= 0 && (i as usize) < k {
                            rows[k - 1 - i as usize].name.clone()
                        } else {
                            String::new()
                        }
                    })
                    .x_label_formatter(&|b| crate::display::short_float((b.exp() * 1e6).round() / 1e6))
                    .x_desc("hazard ratio (log scale)")
                    .label_style(("sans-serif", 12))
                    .light_line_style(RGBColor(240, 240, 240))
                    .draw()
                    .map_err(plot_error)?;
                chart
                    .draw_series(DashedLineSeries::new(
                        vec![(0.0, -0.5), (0.0, k as f64 - 0.5)],
                        4,
                        3,
                        RGBColor(120, 120, 120).stroke_width(1),
                    ))
                    .map_err(plot_error)?;
                for (r, row) in rows.iter().enumerate() {
                    let y = (k - 1 - r) as f64;
                    let col = PALETTE[0];
                    let clip = |v: f64| v.clamp(lo - pad, hi + pad);
                    chart
                        .draw_series(std::iter::once(PathElement::new(
                            vec![(clip(row.lower), y), (clip(row.upper), y)],
                            col.stroke_width(2),
                        )))
                        .map_err(plot_error)?;
                    chart
                        .draw_series(std::iter::once(
                            EmptyElement::at((clip(row.estimate), y)) + Rectangle::new([(-4, -4), (4, 4)], col.filled()),
                        ))
                        .map_err(plot_error)?;
                }
                Ok(())
            })
        };
        Chart::from_result(build(), "coefficient plot")
    }
}

/// Hazard-ratio ticks for a log axis spanning `ln_lo..ln_hi` (in β units): powers of two
/// (…, 0.25, 0.5, 1, 2, 4, …) when the axis spans at most a factor of 64, otherwise
/// 1–2–5 steps per decade (0.1, 0.2, 0.5, 1, 2, 5, 10, …), thinned to at most 9 ticks
/// keeping 1. Ratios a reader can place, where ticks evenly spaced in β read as e^(k/2).
fn ratio_ticks(ln_lo: f64, ln_hi: f64) -> Vec<f64> {
    let (lo, hi) = (ln_lo.exp(), ln_hi.exp());
    let candidates: Vec<f64> = if hi / lo <= 64.0 {
        (-12..=12).map(|k| 2f64.powi(k)).collect()
    } else {
        (-6..=6).flat_map(|d| [1.0, 2.0, 5.0].map(|m| m * 10f64.powi(d))).collect()
    };
    let mut ticks: Vec<f64> = candidates.into_iter().filter(|&r| r >= lo * (1.0 - 1e-9) && r <= hi * (1.0 + 1e-9)).collect();
    while ticks.len() > 9 {
        // Keep every other tick, counted from 1 so that 1 stays.
        let one = ticks.iter().position(|&r| (r - 1.0).abs() < 1e-12).unwrap_or(0);
        ticks = ticks.into_iter().enumerate().filter(|(i, _)| i.abs_diff(one) % 2 == 0).map(|(_, r)| r).collect();
    }
    ticks
}

impl crate::display::Render for CoxPH {
    fn render(&self) -> crate::display::View {
        crate::display::View::Table(self.summary())
    }
}
crate::rendered!(CoxPH);

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn ratio_ticks_read_as_ratios() {
        assert_eq!(ratio_ticks(0.4f64.ln(), 5f64.ln()), vec![0.5, 1.0, 2.0, 4.0]);
        assert_eq!(ratio_ticks(-0.1, 0.1), vec![1.0]);
        let wide = ratio_ticks(0.005f64.ln(), 300f64.ln());
        assert!(wide.len() <= 9 && wide.contains(&1.0), "{wide:?}");
        assert!(wide.windows(2).all(|w| w[0] < w[1]));
        // Many powers of two are thinned around 1.
        let t = ratio_ticks(0.02f64.ln(), 50f64.ln());
        assert!(t.len() <= 9 && t.contains(&1.0), "{t:?}");
    }

    #[test]
    fn split_sweep_equals_one_sweep() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let (n, p) = (40_000, 3);
        let rows = ndarray::Array2::from_shape_fn((n, p), |_| rng.random_range(-1.0..1.0));
        // Times in descending order with heavy ties (as the fit arranges them).
        let mut time: Vec<f64> = (0..n).map(|_| rng.random_range(0..500) as f64).collect();
        time.sort_by(|a, b| b.total_cmp(a));
        let event: Vec<bool> = (0..n).map(|_| rng.random_bool(0.6)).collect();
        for ties in [Ties::Efron, Ties::Breslow] {
            let mut prob =
                Problem { rows: rows.clone(), time: &time, event: &event, ties, penalty: vec![0.0; p], closed_form_ties: CLOSED_FORM_TIES };
            let beta = DVector::from_vec(vec![0.3, -0.2, 0.1]);
            let (l1, g1, i1) = prob.eval_split(&beta, false);
            let (l2, g2, i2) = prob.eval_split(&beta, true);
            assert!((l1 - l2).abs() <= 1e-9 * l1.abs());
            assert!((&g1 - &g2).amax() <= 1e-9 * g1.amax().max(1.0));
            assert!((&i1 - &i2).amax() <= 1e-9 * i1.amax());
            // The tied groups' closed form against one row per event, and with every
            // group (even single events) in closed form.
            for closed in [usize::MAX, 1] {
                prob.closed_form_ties = closed;
                let (l3, g3, i3) = prob.eval_split(&beta, true);
                assert!((l1 - l3).abs() <= 1e-11 * l1.abs(), "{l1} vs {l3}");
                assert!((&g1 - &g3).amax() <= 1e-9 * g1.amax().max(1.0), "{g1} vs {g3}");
                assert!((&i1 - &i3).amax() <= 1e-11 * i1.amax(), "{i1} vs {i3}");
            }
        }
    }

    #[test]
    fn bad_input_is_reported() {
        let d = SurvivalData::new(&[1.0, 2.0, 3.0, 4.0, 5.0], &[1.0, 0.0, 1.0, 1.0, 0.0]).unwrap();
        let constant = array![[1.0], [1.0], [1.0], [1.0], [1.0]];
        assert!(CoxPH::params().fit(&constant, &d).unwrap_err().to_string().contains("constant"));
        let collinear = array![[1.0, 2.0], [2.0, 4.0], [0.0, 0.0], [3.0, 6.0], [1.5, 3.0]];
        assert!(CoxPH::params().fit(&collinear, &d).unwrap_err().to_string().contains("collinear"));
        let nan = array![[1.0], [f64::NAN], [0.0], [3.0], [1.0]];
        assert!(CoxPH::params().fit(&nan, &d).unwrap_err().to_string().contains("covariate 'x0'"));
        let censored = SurvivalData::new(&[1.0, 2.0, 3.0, 4.0, 5.0], &[0.0; 5]).unwrap();
        assert!(CoxPH::params().fit(&array![[1.0], [0.0], [2.0], [3.0], [1.0]], &censored).is_err());
        // Perfect separation: the covariate orders the deaths exactly.
        let sep = SurvivalData::new(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[1.0; 6]).unwrap();
        let e = CoxPH::params().fit(&array![[6.0], [5.0], [4.0], [3.0], [2.0], [1.0]], &sep).unwrap_err().to_string();
        assert!(e.contains("diverge") || e.contains("separat"), "{e}");
        assert!(CoxPH::params().penalizer(-1.0).fit(&array![[1.0], [0.0], [2.0], [3.0], [1.0]], &d).is_err());
        assert!(super::super::multivariate_logrank_test(&d, &["a"; 5]).unwrap_err().to_string().contains("two groups"));
        assert!(super::super::multivariate_logrank_test(&censored, &["a", "b", "a", "b", "a"]).is_err());
    }

    #[test]
    fn hazard_ratio_and_survival_curves() {
        let x = array![[1.0, 0.2], [0.0, 1.0], [1.0, 0.5], [0.0, 0.1], [1.0, 0.9], [0.0, 0.4], [1.0, 0.3], [0.0, 0.8]];
        let d = SurvivalData::new(&[1.0, 5.0, 6.0, 2.0, 3.0, 4.0, 2.5, 7.0], &[1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0]).unwrap();
        let cox = CoxPH::params().fit(&x, &d).unwrap();
        let b = cox.coefficients();
        let hr = cox.hazard_ratio(&[1.0, 0.2], &[0.0, 0.4]).unwrap();
        assert!((hr - (b[0] - 0.2 * b[1]).exp()).abs() < 1e-12);
        let ph = cox.predict_partial_hazard(&x).unwrap();
        assert!((ph[0] / ph[5] - cox.hazard_ratio(&[1.0, 0.2], &[0.0, 0.4]).unwrap()).abs() < 1e-9);
        let s = cox.predict_survival_function(&x).unwrap();
        assert!(s.rows().into_iter().all(|r| r.windows(2).into_iter().all(|w| w[1] <= w[0] + 1e-15)));
        assert!(cox.coefficient_plot().to_svg().unwrap().contains("hazard ratio"));
    }
}
