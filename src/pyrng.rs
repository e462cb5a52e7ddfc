//! Python's random streams, reproduced: the draws the course's code makes with the
//! standard library's `random` module and with NumPy's legacy global state
//! (`np.random.seed`), so that the course's random subsets and data splits come out
//! identical here.
//!
//! - [`PythonRandom`]: `random.seed(n)`, `random.getrandbits`, `random.sample` (the course's
//!   `c_statistic` subsamples the larger arm with it; [`crate::causal::random_subset`] uses it).
//! - [`NumpyRandomState`]: `np.random.seed(n)` and `np.random.permutation(n)`, which is
//!   what scikit-learn's `train_test_split` draws when its `random_state` is left at
//!   `None` after `np.random.seed` (the course's PBC split in course 2 week 4;
//!   [`crate::prognosis::train_test_split_numpy`]); its legacy doubles, normals and
//!   logistic draws, from which the course's C2W1 `load_data` builds its patients
//!   ([`crate::data::risk_factors_numpy`]).
//!
//! Both are Mersenne Twisters (MT19937, from the `rand_mt` crate); what is written here
//! is how each library seeds it and turns its 32-bit outputs into integers, which no
//! crate reproduces. Every stream is checked against CPython 3.11 / NumPy 2 outputs in
//! this module's tests.

use rand_mt::Mt;

/// Python's `random.Random` (the module-level functions of `random` share one).
///
/// ```
/// use ai4med::pyrng::PythonRandom;
/// // Python: random.seed(0); random.sample(range(5), 4) == [3, 4, 0, 1]
/// assert_eq!(PythonRandom::new(0).sample(5, 4), vec![3, 4, 0, 1]);
/// ```
pub struct PythonRandom {
    mt: Mt,
}

impl PythonRandom {
    /// `random.seed(seed)` for a non-negative integer: `init_by_array` over the seed's
    /// 32-bit words, low word first (one word for seeds below 2³²).
    pub fn new(seed: u64) -> PythonRandom {
        let words: Vec<u32> = if seed >> 32 == 0 { vec![seed as u32] } else { vec![seed as u32, (seed >> 32) as u32] };
        PythonRandom { mt: Mt::new_with_key(words) }
    }

    /// `random.getrandbits(k)` for `k ≤ 64`: 32-bit outputs, low word first, the last
    /// one shifted right to keep `k` bits. `getrandbits(0)` is 0 and draws nothing.
    pub fn getrandbits(&mut self, k: u32) -> u64 {
        match k {
            0 => 0,
            1..=32 => u64::from(self.mt.next_u32() >> (32 - k)),
            _ => {
                let lo = u64::from(self.mt.next_u32());
                let hi = u64::from(self.mt.next_u32() >> (64 - k.min(64)));
                lo | (hi << 32)
            }
        }
    }

    /// `random._randbelow(n)`: redraw `getrandbits(n.bit_length())` until it is below
    /// `n`. Returns 0 for `n = 0` without drawing.
    pub fn randbelow(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        let k = usize::BITS - n.leading_zeros();
        loop {
            let r = self.getrandbits(k) as usize;
            if r < n {
                return r;
            }
        }
    }

    /// `random.sample(range(n), m)`, in the order drawn (`m` is capped at `n`). Both of
    /// CPython's algorithms: a shrinking pool when `n ≤ 21 + 4^⌈log₄(3m)⌉` (the power
    /// term only for `m > 5`), else redrawing positions already taken.
    pub fn sample(&mut self, n: usize, m: usize) -> Vec<usize> {
        let m = m.min(n);
        let mut setsize = 21usize;
        if m > 5 {
            // 4 ** ceil(log(3m, 4)), with Python's float log(x) / log(4).
            let e = ((3 * m) as f64).ln() / 4f64.ln();
            setsize = setsize.saturating_add(4usize.saturating_pow(e.ceil() as u32));
        }
        if n <= setsize {
            let mut pool: Vec<usize> = (0..n).collect();
            let mut out = Vec::with_capacity(m);
            for i in 0..m {
                let j = self.randbelow(n - i);
                out.push(pool[j]);
                pool[j] = pool[n - i - 1];
            }
            out
        } else {
            let mut selected = std::collections::HashSet::with_capacity(m);
            let mut out = Vec::with_capacity(m);
            for _ in 0..m {
                let mut j = self.randbelow(n);
                while !selected.insert(j) {
                    j = self.randbelow(n);
                }
                out.push(j);
            }
            out
        }
    }
}

/// NumPy's legacy global random state (`np.random.seed`, `np.random.permutation`), the
/// stream scikit-learn draws from when `random_state` is `None`.
///
/// ```
/// use ai4med::pyrng::NumpyRandomState;
/// // NumPy: np.random.seed(0); np.random.permutation(5) == [2, 0, 1, 3, 4]
/// assert_eq!(NumpyRandomState::new(0).permutation(5), vec![2, 0, 1, 3, 4]);
/// ```
pub struct NumpyRandomState {
    mt: Mt,
    /// The second value of the last polar Box–Muller pair, kept for the next normal
    /// draw (NumPy's `has_gauss` / `gauss`).
    gauss: Option<f64>,
}

impl NumpyRandomState {
    /// `np.random.seed(seed)` with an integer seed (NumPy's `mt19937_seed`, the
    /// reference `init_genrand`).
    pub fn new(seed: u32) -> NumpyRandomState {
        NumpyRandomState { mt: Mt::new(seed), gauss: None }
    }

    /// NumPy's `random_interval(max)`: a uniform integer in `0..=max`, by masking 32-bit
    /// outputs to the smallest covering power of two and redrawing values above `max`
    /// (for `max` above 2³² − 1, 64-bit outputs made of two 32-bit draws, the first one
    /// high).
    pub fn random_interval(&mut self, max: u64) -> u64 {
        if max == 0 {
            return 0;
        }
        let mut mask = max;
        for shift in [1, 2, 4, 8, 16, 32] {
            mask |= mask >> shift;
        }
        loop {
            let value = if max <= u64::from(u32::MAX) {
                u64::from(self.mt.next_u32()) & mask
            } else {
                // NumPy's next_uint64 for MT19937: (first << 32) | second.
                let hi = u64::from(self.mt.next_u32());
                let lo = u64::from(self.mt.next_u32());
                ((hi << 32) | lo) & mask
            };
            if value <= max {
                return value;
            }
        }
    }

    /// `np.random.random_sample()`: a double in `[0, 1)` from two 32-bit outputs,
    /// `((a >> 5)·2²⁶ + (b >> 6)) / 2⁵³` (53 random bits).
    pub fn random_sample(&mut self) -> f64 {
        let a = f64::from(self.mt.next_u32() >> 5);
        let b = f64::from(self.mt.next_u32() >> 6);
        (a * 67_108_864.0 + b) / 9_007_199_254_740_992.0
    }

    /// `np.random.standard_normal()` (and `normal(0, 1)`): NumPy's legacy polar
    /// Box–Muller. Two uniforms `x₁, x₂` in `(−1, 1)` are drawn until `0 < r² < 1`;
    /// `f = √(−2 ln r² / r²)`; `f·x₂` is returned and `f·x₁` kept for the next call.
    pub fn standard_normal(&mut self) -> f64 {
        if let Some(g) = self.gauss.take() {
            return g;
        }
        loop {
            let x1 = 2.0 * self.random_sample() - 1.0;
            let x2 = 2.0 * self.random_sample() - 1.0;
            let r2 = x1 * x1 + x2 * x2;
            if r2 < 1.0 && r2 != 0.0 {
                let f = (-2.0 * r2.ln() / r2).sqrt();
                self.gauss = Some(f * x1);
                return f * x2;
            }
        }
    }

    /// `np.random.logistic(loc, scale)`: `loc + scale·ln(U / (1 − U))` with `U` from
    /// [`random_sample`](Self::random_sample), redrawn while `U = 0`.
    pub fn logistic(&mut self, loc: f64, scale: f64) -> f64 {
        let mut u = self.random_sample();
        while u <= 0.0 {
            u = self.random_sample();
        }
        loc + scale * (u / (1.0 - u)).ln()
    }

    /// `np.random.permutation(n)`: `arange(n)` shuffled by Fisher–Yates from the end
    /// (`for i in n−1..1: swap(i, random_interval(i))`).
    pub fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut v: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            let j = self.random_interval(i as u64) as usize;
            v.swap(i, j);
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// CPython 3.11: `random.seed(seed); random.sample(range(n), m)`.
    #[test]
    fn sample_matches_cpython() {
        let cases: [(usize, usize, u64, &[usize]); 6] = [
            (5, 4, 0, &[3, 4, 0, 1]),
            (10, 4, 7, &[5, 2, 6, 9]),
            (30, 8, 11, &[14, 27, 17, 24, 29, 25, 16, 18]),
            (50, 3, (1 << 40) + 5, &[32, 33, 17]),
            // n above the set size: the redraw algorithm.
            (1000, 5, 1, &[137, 582, 867, 821, 782]),
            (
                100,
                30,
                3,
                &[30, 75, 69, 16, 47, 77, 60, 80, 74, 8, 94, 1, 93, 33, 70, 29, 24, 87, 97, 85, 82, 50, 19, 84, 89, 66, 49, 88, 90, 20],
            ),
        ];
        for (n, m, seed, want) in cases {
            assert_eq!(PythonRandom::new(seed).sample(n, m), want, "n {n}, m {m}, seed {seed}");
        }
        // random.seed(0); [random.getrandbits(32) for _ in range(2)]
        let mut r = PythonRandom::new(0);
        assert_eq!((r.getrandbits(32), r.getrandbits(32)), (3626764237, 1654615998));
    }

    /// NumPy 2.4.6: `np.random.seed(s); np.random.permutation(n)`.
    #[test]
    fn permutation_matches_numpy() {
        assert_eq!(NumpyRandomState::new(0).permutation(5), [2, 0, 1, 3, 4]);
        assert_eq!(
            NumpyRandomState::new(0).permutation(258)[..20],
            [194, 111, 225, 116, 122, 153, 8, 236, 180, 144, 190, 159, 139, 37, 223, 181, 231, 101, 235, 224]
        );
        assert_eq!(
            NumpyRandomState::new(12345).permutation(40),
            [
                32, 19, 2, 21, 5, 25, 3, 28, 0, 4, 12, 33, 15, 8, 35, 30, 20, 24, 7, 6, 26, 17, 10, 13, 11, 31, 18, 16, 22, 23, 27, 9, 14,
                36, 38, 39, 1, 29, 37, 34
            ]
        );
    }

    /// NumPy 2.4.6: `np.random.seed(0); np.random.random_sample(2)`,
    /// `np.random.seed(0); np.random.normal(size=3)` (the third value is the first of a
    /// new pair, so the kept value is used once), and
    /// `np.random.seed(1); np.random.logistic(size=2)`.
    #[test]
    fn doubles_normals_and_logistic_match_numpy() {
        let mut r = NumpyRandomState::new(0);
        assert_eq!([r.random_sample(), r.random_sample()], [0.5488135039273248, 0.7151893663724195]);
        let mut r = NumpyRandomState::new(0);
        assert_eq!(
            [r.standard_normal(), r.standard_normal(), r.standard_normal()],
            [1.764052345967664, 0.4001572083672233, 0.9787379841057392]
        );
        let mut r = NumpyRandomState::new(1);
        assert_eq!([r.logistic(0.0, 1.0), r.logistic(0.0, 1.0)], [-0.33501045224546777, 0.9460717698494664]);
    }

    /// NumPy 2.4.6: `np.random.RandomState(3).randint(0, 2**40, size=2)`.
    #[test]
    fn interval_64_bit_path() {
        let mut r = NumpyRandomState::new(3);
        let max = (1u64 << 40) - 1;
        assert_eq!([r.random_interval(max), r.random_interval(max)], [455570294424, 1073054410371]);
    }
}
