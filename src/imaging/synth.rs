//! Synthetic brain-tumour cases in the Decathlon Task01 (BraTS) layout.

use ndarray::{Array3, Array4, ArrayView3, Axis, Zip};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use rayon::prelude::*;

use super::decathlon::Case;
use super::nifti::read_nifti;
use crate::{Error, Result};

/// The MNI152 2009a templates at 2 mm (98 × 116 × 94) bundled in `data/`: T1 intensity
/// (scaled to `[0, 1]` by its 99.5th percentile), grey- and white-matter probabilities,
/// and two maps derived here: a skull-stripped brain mask (grey + white matter smoothed
/// with a 5-voxel box and thresholded at 0.3, which closes ventricles and sulci) and
/// cerebrospinal fluid = mask − grey − white (clipped to `[0, 1]`).
#[derive(Debug, Clone)]
pub struct Templates {
    /// T1-weighted template, `[0, 1]`.
    pub t1: Array3<f32>,
    /// Grey-matter probability.
    pub gm: Array3<f32>,
    /// White-matter probability.
    pub wm: Array3<f32>,
    /// Cerebrospinal-fluid fraction inside the mask.
    pub csf: Array3<f32>,
    /// Brain mask (1 inside, 0 outside).
    pub mask: Array3<f32>,
    /// Voxel size (mm).
    pub spacing: [f64; 3],
    /// Voxel-to-world affine (MNI mm).
    pub affine: [[f64; 4]; 4],
}

fn box_smooth(a: &Array3<f32>, r: usize) -> Array3<f32> {
    let mut out = a.clone();
    for ax in 0..3 {
        let src = out.clone();
        let n = src.shape()[ax];
        Zip::from(out.lanes_mut(Axis(ax))).and(src.lanes(Axis(ax))).for_each(|mut o, s| {
            let mut pre = vec![0.0f32; n + 1];
            for i in 0..n {
                pre[i + 1] = pre[i] + s[i];
            }
            for i in 0..n {
                let (lo, hi) = (i.saturating_sub(r), (i + r + 1).min(n));
                o[i] = (pre[hi] - pre[lo]) / (hi - lo) as f32;
            }
        });
    }
    out
}

/// One template volume, its affine and its voxel sizes.
type Template = (Array3<f32>, [[f64; 4]; 4], Vec<f64>);

/// Loads the bundled MNI152 templates (`data/mni152_2mm_{t1,gm,wm}.nii.gz`) and derives
/// the brain mask and CSF map (see [`Templates`]).
pub fn mni_templates() -> Result<Templates> {
    let read = |n: &str| -> Result<Template> {
        let v = read_nifti(crate::data::data_path(&format!("mni152_2mm_{n}.nii.gz"))?)?;
        Ok((v.view3()?.to_owned(), v.affine(), v.spacing().to_vec()))
    };
    let (t1, affine, sp) = read("t1")?;
    let (gm, _, _) = read("gm")?;
    let (wm, _, _) = read("wm")?;
    let mut sorted: Vec<f32> = t1.iter().copied().filter(|v| *v > 0.0).collect();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let p = sorted.get((sorted.len() as f64 * 0.995) as usize).copied().unwrap_or(1.0).max(1e-6);
    let t1 = t1.mapv(|v| (v / p).clamp(0.0, 1.0));
    let tissue = &gm + &wm;
    let mask = box_smooth(&tissue, 2).mapv(|v| if v > 0.3 { 1.0 } else { 0.0 });
    let csf = Zip::from(&mask).and(&tissue).map_collect(|&m, &t| (m - t).clamp(0.0, 1.0));
    Ok(Templates { t1, gm, wm, csf, mask, spacing: [sp[0], sp[1], sp[2]], affine })
}

/// Settings of [`synthetic_brats`].
#[derive(Debug, Clone)]
pub struct SynthBrainConfig {
    /// Output volume shape `[x, y, z]`; the brain's bounding box (plus a margin) is mapped
    /// onto it. Default `[64, 64, 48]` (about 2.7 × 3.2 × 3.3 mm voxels) keeps CPU
    /// training in a notebook to minutes; `[240, 240, 155]` gives the Decathlon's shape.
    pub shape: [usize; 3],
    /// Seed; case `i` uses its own stream derived from `(seed, i)`.
    pub seed: u64,
    /// Edema radius range as a fraction of the brain's extent (default 0.18–0.28).
    pub radius: (f64, f64),
    /// Standard deviation of the Rician noise relative to white matter's FLAIR level
    /// (default 0.03).
    pub noise: f64,
    /// Strength of the smooth multiplicative bias field (default 0.15: up to about ±15 %).
    pub bias: f64,
    /// Fraction of cases without a tumour (default 0; BraTS has none).
    pub healthy_fraction: f64,
    /// First case number in the names (`BRATS_001` for 1).
    pub first_id: usize,
}

impl Default for SynthBrainConfig {
    fn default() -> Self {
        SynthBrainConfig {
            shape: [64, 64, 48],
            seed: 2019,
            radius: (0.18, 0.28),
            noise: 0.03,
            bias: 0.15,
            healthy_fraction: 0.0,
            first_id: 1,
        }
    }
}

// Mean intensities per tissue and sequence (FLAIR, T1, T1-Gd, T2), on a 0-1 scale.
const WM: [f64; 4] = [0.40, 0.88, 0.88, 0.26];
const GM: [f64; 4] = [0.62, 0.50, 0.52, 0.52];
const CSF: [f64; 4] = [0.08, 0.15, 0.16, 0.95];
const EDEMA: [f64; 4] = [0.95, 0.45, 0.47, 0.80];
const NECROSIS: [f64; 4] = [0.55, 0.25, 0.28, 0.90];
const ENHANCING: [f64; 4] = [0.75, 0.50, 1.00, 0.60];

fn trilinear(a: &ArrayView3<f32>, p: [f64; 3]) -> f32 {
    let (nx, ny, nz) = a.dim();
    if p[0] < 0.0 || p[1] < 0.0 || p[2] < 0.0 || p[0] > (nx - 1) as f64 || p[1] > (ny - 1) as f64 || p[2] > (nz - 1) as f64 {
        return 0.0;
    }
    let (x0, y0, z0) = (p[0].floor() as usize, p[1].floor() as usize, p[2].floor() as usize);
    let (x1, y1, z1) = ((x0 + 1).min(nx - 1), (y0 + 1).min(ny - 1), (z0 + 1).min(nz - 1));
    let (fx, fy, fz) = ((p[0] - x0 as f64) as f32, (p[1] - y0 as f64) as f32, (p[2] - z0 as f64) as f32);
    let l = |x, y, z| a[[x, y, z]];
    let c00 = l(x0, y0, z0) * (1.0 - fx) + l(x1, y0, z0) * fx;
    let c10 = l(x0, y1, z0) * (1.0 - fx) + l(x1, y1, z0) * fx;
    let c01 = l(x0, y0, z1) * (1.0 - fx) + l(x1, y0, z1) * fx;
    let c11 = l(x0, y1, z1) * (1.0 - fx) + l(x1, y1, z1) * fx;
    let c0 = c00 * (1.0 - fy) + c10 * fy;
    let c1 = c01 * (1.0 - fy) + c11 * fy;
    c0 * (1.0 - fz) + c1 * fz
}

fn smoothstep(edge: f64, width: f64, d: f64) -> f64 {
    // 1 well inside (d < edge − width), 0 well outside.
    let t = ((edge + width - d) / (2.0 * width)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

struct Tumour {
    centre: [f64; 3],
    radii: [f64; 3],
    rot: [[f64; 3]; 3],
    waves: Vec<([f64; 3], f64, f64)>,
    enh: f64,
    nec: f64,
    inner: [f64; 3],
}

impl Tumour {
    fn distance(&self, p: [f64; 3], centre: [f64; 3]) -> f64 {
        let d = [p[0] - centre[0], p[1] - centre[1], p[2] - centre[2]];
        let mut q = [0.0; 3];
        for r in 0..3 {
            q[r] = (self.rot[r][0] * d[0] + self.rot[r][1] * d[1] + self.rot[r][2] * d[2]) / self.radii[r];
        }
        let base = (q[0] * q[0] + q[1] * q[1] + q[2] * q[2]).sqrt();
        let wob: f64 = self.waves.iter().map(|(k, ph, a)| a * (k[0] * q[0] + k[1] * q[1] + k[2] * q[2] + ph).sin()).sum();
        base * (1.0 + wob)
    }
}

fn rotation(rng: &mut ChaCha8Rng, max_angle: f64) -> [[f64; 3]; 3] {
    let a: [f64; 3] = [0, 1, 2].map(|_| rng.random_range(-max_angle..max_angle));
    let (cx, sx, cy, sy, cz, sz) = (a[0].cos(), a[0].sin(), a[1].cos(), a[1].sin(), a[2].cos(), a[2].sin());
    let rx = [[1.0, 0.0, 0.0], [0.0, cx, -sx], [0.0, sx, cx]];
    let ry = [[cy, 0.0, sy], [0.0, 1.0, 0.0], [-sy, 0.0, cy]];
    let rz = [[cz, -sz, 0.0], [sz, cz, 0.0], [0.0, 0.0, 1.0]];
    let mul = |a: [[f64; 3]; 3], b: [[f64; 3]; 3]| {
        let mut c = [[0.0; 3]; 3];
        for i in 0..3 {
            for j in 0..3 {
                c[i][j] = (0..3).map(|k| a[i][k] * b[k][j]).sum();
            }
        }
        c
    };
    mul(rz, mul(ry, rx))
}

/// Generates `n` synthetic brain-tumour cases in the Decathlon Task01 layout: 4-D images
/// `[x, y, z, 4]` (FLAIR, T1, T1-Gd, T2; skull-stripped, background 0) and label maps
/// `[x, y, z]` (0 background, 1 edema, 2 non-enhancing tumour, 3 enhancing tumour).
///
/// Recipe, per case (its own random stream from `(seed, case)`, so a case does not depend
/// on `n` or on the thread count):
/// 1. **Anatomy**: the MNI152 templates ([`mni_templates`]) under a random affine
///    (scale 0.92–1.08 per axis, rotation up to ±6° per axis, shift up to ±4 mm), sampled
///    trilinearly onto a grid covering the template brain's bounding box plus 6 %.
/// 2. **Tumour**: a centre drawn among white-matter voxels (probability > 0.5) at least
///    0.6 radius inside the brain box; three nested shells of a randomly rotated ellipsoid
///    (edema radius from `radius` × brain extent, each axis ×0.8–1.2) whose surface is
///    deformed by three random sinusoids (each ±4–8 %): edema `d < 1`, enhancing tumour
///    `d < e` (e ∈ 0.55–0.75), non-enhancing core `d < e·(0.55–0.8)` measured from a centre
///    shifted by up to 10 % of the radius; labels are cut at these surfaces inside the
///    brain mask.
/// 3. **Contrast**: each voxel mixes tissue means (white, grey matter, CSF, edema,
///    necrosis, enhancing rim; table in the source) by tissue probability and a smooth
///    (partial-volume) tumour membership; per case every sequence is scaled by 0.9–1.1 and
///    every tissue mean shifted by ±0.04.
/// 4. **Artefacts**: a smooth multiplicative bias field per sequence (`exp` of a random
///    quadratic, amplitude `bias`) and Rician noise (σ = `noise`), then a scale to
///    scanner-like units (300–1000 per sequence). Outside the mask the image is 0.
///
/// What it is not: real patients. Tumour shape, mass effect (none here), infiltration
/// and scanner physics are simplified; use it to learn and test the pipeline, and the
/// real Decathlon data ([`super::DecathlonDataset`]) to judge a model.
///
/// ```no_run
/// use ai4med::imaging::{synthetic_brats, SynthBrainConfig};
/// let cases = synthetic_brats(2, &SynthBrainConfig::default()).unwrap();
/// assert_eq!(cases[0].image.shape(), &[64, 64, 48, 4]);
/// assert!(cases[0].label_counts(4)[3] > 0);
/// ```
pub fn synthetic_brats(n: usize, config: &SynthBrainConfig) -> Result<Vec<Case>> {
    if n == 0 {
        return Err(Error::invalid_arg("n", "ask for at least one case"));
    }
    if config.shape.iter().any(|&s| s < 8) {
        return Err(Error::invalid_arg("shape", format!("each axis needs at least 8 voxels, got {:?}", config.shape)));
    }
    if !(0.0..0.5).contains(&config.radius.0) || !(config.radius.0..0.5).contains(&config.radius.1) {
        return Err(Error::invalid_arg("radius", format!("need 0 ≤ min ≤ max < 0.5, got {:?}", config.radius)));
    }
    if config.noise < 0.0 || config.bias < 0.0 || !(0.0..=1.0).contains(&config.healthy_fraction) {
        return Err(Error::invalid_arg("config", "noise and bias must be ≥ 0, healthy_fraction in [0, 1]"));
    }
    let t = mni_templates()?;
    (0..n).into_par_iter().map(|i| one_case(&t, config, i)).collect()
}

fn one_case(t: &Templates, cfg: &SynthBrainConfig, i: usize) -> Result<Case> {
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (i as u64 + 1));
    let [nx, ny, nz] = cfg.shape;
    // Bounding box of the template brain (template voxels), with a margin.
    let (mut lo, mut hi) = ([f64::INFINITY; 3], [f64::NEG_INFINITY; 3]);
    for ((a, b, c), &m) in t.mask.indexed_iter() {
        if m > 0.5 {
            for (ax, v) in [a, b, c].into_iter().enumerate() {
                lo[ax] = lo[ax].min(v as f64);
                hi[ax] = hi[ax].max(v as f64);
            }
        }
    }
    for ax in 0..3 {
        let m = 0.06 * (hi[ax] - lo[ax]);
        lo[ax] -= m;
        hi[ax] += m;
    }
    let step = [0, 1, 2].map(|ax| (hi[ax] - lo[ax]) / cfg.shape[ax] as f64); // template voxels per output voxel
    let spacing = [0, 1, 2].map(|ax| step[ax] * t.spacing[ax]);
    let centre_t = [0, 1, 2].map(|ax| (lo[ax] + hi[ax]) / 2.0);
    // Random affine around the centre (in template voxel units).
    let rot = rotation(&mut rng, 6f64.to_radians());
    let scale = [0, 1, 2].map(|_| rng.random_range(0.92..1.08));
    let shift = [0, 1, 2].map(|ax| rng.random_range(-4.0..4.0) / t.spacing[ax]);
    let to_template = |p: [f64; 3]| -> [f64; 3] {
        // p: output voxel index → template voxel coordinates
        let u = [0, 1, 2].map(|ax| (p[ax] + 0.5) * step[ax] + lo[ax] - centre_t[ax]);
        let mut q = [0.0; 3];
        for r in 0..3 {
            q[r] = (rot[r][0] * u[0] + rot[r][1] * u[1] + rot[r][2] * u[2]) * scale[r] + centre_t[r] + shift[r];
        }
        q
    };
    // Sample anatomy.
    let len = nx * ny * nz;
    let mut fields = vec![[0f32; 5]; len]; // t1, gm, wm, csf, mask
    fields.par_iter_mut().enumerate().for_each(|(idx, f)| {
        let (a, b, c) = (idx / (ny * nz), (idx / nz) % ny, idx % nz);
        let q = to_template([a as f64, b as f64, c as f64]);
        *f = [
            trilinear(&t.t1.view(), q),
            trilinear(&t.gm.view(), q),
            trilinear(&t.wm.view(), q),
            trilinear(&t.csf.view(), q),
            trilinear(&t.mask.view(), q),
        ];
    });
    // Tumour, in output-voxel coordinates measured in mm.
    let healthy = rng.random::<f64>() < cfg.healthy_fraction;
    let extent = [0, 1, 2].map(|ax| cfg.shape[ax] as f64 * spacing[ax] / 1.12);
    let r0 = rng.random_range(cfg.radius.0..=cfg.radius.1) * (extent[0] + extent[1] + extent[2]) / 3.0;
    let radii = [0, 1, 2].map(|_| r0 * rng.random_range(0.8..1.2));
    let candidates: Vec<usize> = (0..len)
        .filter(|&idx| {
            let (a, b, c) = (idx / (ny * nz), (idx / nz) % ny, idx % nz);
            let p = [a as f64 * spacing[0], b as f64 * spacing[1], c as f64 * spacing[2]];
            let inside = (0..3).all(|ax| {
                p[ax] > 0.06 * extent[ax] + 0.6 * radii[ax]
                    && p[ax] < cfg.shape[ax] as f64 * spacing[ax] - 0.06 * extent[ax] - 0.6 * radii[ax]
            });
            inside && fields[idx][2] > 0.5 && fields[idx][4] > 0.5
        })
        .collect();
    let tumour = if healthy || candidates.is_empty() {
        None
    } else {
        let idx = candidates[rng.random_range(0..candidates.len())];
        let (a, b, c) = (idx / (ny * nz), (idx / nz) % ny, idx % nz);
        let centre = [a as f64 * spacing[0], b as f64 * spacing[1], c as f64 * spacing[2]];
        let rot = rotation(&mut rng, std::f64::consts::PI);
        let waves = (0..3)
            .map(|_| {
                let v: [f64; 3] = [0, 1, 2].map(|_| rng.random_range(-1.0..1.0));
                let norm = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt().max(1e-6);
                let k = rng.random_range(1.5..4.0);
                (
                    [v[0] / norm * k, v[1] / norm * k, v[2] * k / norm],
                    rng.random_range(0.0..std::f64::consts::TAU),
                    rng.random_range(0.04..0.08),
                )
            })
            .collect();
        let enh = rng.random_range(0.55..0.75);
        let nec = enh * rng.random_range(0.55..0.8);
        let inner = [0, 1, 2].map(|ax| centre[ax] + rng.random_range(-0.1..0.1) * radii[ax]);
        Some(Tumour { centre, radii, rot, waves, enh, nec, inner })
    };
    // Per-case contrast jitter.
    let gain: [f64; 4] = [0, 1, 2, 3].map(|_| rng.random_range(0.9..1.1));
    let jit = |m: [f64; 4], rng: &mut ChaCha8Rng| m.map(|v| v + rng.random_range(-0.04..0.04));
    let (wm_m, gm_m, csf_m, ed_m, nec_m, enh_m) =
        (jit(WM, &mut rng), jit(GM, &mut rng), jit(CSF, &mut rng), jit(EDEMA, &mut rng), jit(NECROSIS, &mut rng), jit(ENHANCING, &mut rng));
    let bias: Vec<[f64; 9]> = (0..4).map(|_| [0; 9].map(|_| rng.random_range(-1.0..1.0) * cfg.bias / 3.0)).collect();
    let units: [f64; 4] = [0, 1, 2, 3].map(|_| rng.random_range(300.0..1000.0));
    let noise_seed: u64 = rng.random();
    let mut image = Array4::<f32>::zeros((nx, ny, nz, 4));
    let mut label = Array3::<u8>::zeros((nx, ny, nz));
    let normal = Normal::new(0.0, cfg.noise.max(1e-12)).map_err(|e| Error::invalid_arg("noise", e.to_string()))?;
    image.axis_iter_mut(Axis(0)).into_par_iter().zip(label.axis_iter_mut(Axis(0)).into_par_iter()).enumerate().for_each(
        |(a, (mut img, mut lab))| {
            let mut nrng = ChaCha8Rng::seed_from_u64(noise_seed ^ (a as u64).wrapping_mul(0xD1B5_4A32_D192_ED03));
            for b in 0..ny {
                for c in 0..nz {
                    let f = fields[(a * ny + b) * nz + c];
                    if f[4] < 0.5 {
                        continue;
                    }
                    let p = [a as f64 * spacing[0], b as f64 * spacing[1], c as f64 * spacing[2]];
                    let (gm, wm, csf) = (f[1] as f64, f[2] as f64, f[3] as f64);
                    let tot = (gm + wm + csf).max(1e-6);
                    let (m_e, m_r, m_n, lab_v) = match &tumour {
                        Some(tm) => {
                            let d = tm.distance(p, tm.centre);
                            let di = tm.distance(p, tm.inner);
                            let l = if di < tm.nec {
                                2
                            } else if d < tm.enh {
                                3
                            } else if d < 1.0 {
                                1
                            } else {
                                0
                            };
                            (smoothstep(1.0, 0.06, d), smoothstep(tm.enh, 0.05, d), smoothstep(tm.nec, 0.05, di), l)
                        }
                        None => (0.0, 0.0, 0.0, 0),
                    };
                    lab[[b, c]] = lab_v;
                    let u = [0, 1, 2].map(|ax| 2.0 * p[ax] / (cfg.shape[ax] as f64 * spacing[ax]) - 1.0);
                    for s in 0..4 {
                        let healthy_v = (wm * wm_m[s] + gm * gm_m[s] + csf * csf_m[s]) / tot;
                        let core = (1.0 - m_n) * enh_m[s] + m_n * nec_m[s];
                        let tumour_v = (1.0 - m_r) * ed_m[s] + m_r * core;
                        let v = (1.0 - m_e) * healthy_v + m_e * tumour_v;
                        let bc = &bias[s];
                        let field = (bc[0] * u[0]
                            + bc[1] * u[1]
                            + bc[2] * u[2]
                            + bc[3] * u[0] * u[0]
                            + bc[4] * u[1] * u[1]
                            + bc[5] * u[2] * u[2]
                            + bc[6] * u[0] * u[1]
                            + bc[7] * u[1] * u[2]
                            + bc[8] * u[0] * u[2])
                            .exp();
                        let clean = v * gain[s] * field;
                        let (n1, n2) = if cfg.noise > 0.0 { (normal.sample(&mut nrng), normal.sample(&mut nrng)) } else { (0.0, 0.0) };
                        let noisy = ((clean + n1).powi(2) + n2 * n2).sqrt();
                        img[[b, c, s]] = (noisy * units[s]) as f32;
                    }
                }
            }
        },
    );
    let mut affine = t.affine;
    // Output voxel (i, j, k) sits at template voxel lo + (i + 0.5)·step (before the random
    // transform, which the affine does not record: it models a different head).
    for r in 0..3 {
        let col_sum: f64 = (0..3).map(|c| t.affine[r][c] * (lo[c] + 0.5 * step[c])).sum();
        for c in 0..3 {
            affine[r][c] = t.affine[r][c] * step[c];
        }
        affine[r][3] = t.affine[r][3] + col_sum;
    }
    Ok(Case { name: format!("BRATS_{:03}", cfg.first_id + i), image, label, affine })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases_are_deterministic_and_have_all_classes() {
        let cfg = SynthBrainConfig { shape: [40, 44, 32], ..Default::default() };
        let a = synthetic_brats(3, &cfg).unwrap();
        let b = synthetic_brats(2, &cfg).unwrap();
        assert_eq!(a[1].image, b[1].image);
        assert_eq!(a[1].label, b[1].label);
        for c in &a {
            let counts = c.label_counts(4);
            assert!(counts.iter().all(|&k| k > 0), "{} {counts:?}", c.name);
            // the tumour is a modest part of the brain
            let brain = c.image.index_axis(Axis(3), 0).iter().filter(|&&v| v > 0.0).count();
            let tum = counts[1] + counts[2] + counts[3];
            assert!(tum * 50 > brain && tum * 3 < brain, "{} tumour {tum} of brain {brain}", c.name);
            // contrasts: edema bright on FLAIR, enhancing bright on T1-Gd
            let mean = |ch: usize, l: u8| {
                let v: Vec<f64> =
                    c.label.indexed_iter().filter(|(_, x)| **x == l).map(|((i, j, k), _)| c.image[[i, j, k, ch]] as f64).collect();
                v.iter().sum::<f64>() / v.len() as f64
            };
            assert!(mean(0, 1) > 1.3 * mean(0, 0));
            assert!(mean(2, 3) > 1.2 * mean(2, 1));
        }
        let h = synthetic_brats(1, &SynthBrainConfig { healthy_fraction: 1.0, shape: [16, 16, 12], ..Default::default() }).unwrap();
        assert_eq!(h[0].label_counts(4)[0], 16 * 16 * 12);
        assert!(synthetic_brats(0, &cfg).is_err());
        assert!(synthetic_brats(1, &SynthBrainConfig { shape: [4, 40, 40], ..Default::default() }).is_err());
    }
}
