//! Counting subjects per distinct follow-up time: the one pass under Kaplan–Meier,
//! Nelson–Aalen and the log-rank tests.
//!
//! Real follow-up times are heavily tied (days, months), so the distinct times are
//! usually far fewer than the subjects. The counts are then gathered in a small hash
//! table per chunk of subjects, chunks in parallel (no sort of the subjects at all) and only the distinct times are sorted.
//! When a chunk finds too many distinct times for that to pay, the tally falls back to
//! one radix sort of all subjects. Both paths give identical results.

use rayon::prelude::*;

/// Distinct times in increasing order with, per time, `2k` counts: for group `g`,
/// subjects leaving the risk set at `2g` and events at `2g + 1`.
pub(crate) struct Tally {
    pub times: Vec<f64>,
    pub counts: Vec<f64>,
    pub width: usize,
}

impl Tally {
    /// Counts of distinct time `i`.
    pub fn row(&self, i: usize) -> &[f64] {
        &self.counts[i * self.width..(i + 1) * self.width]
    }
}

/// A small open-addressing hash table from time bits to a slot number (linear
/// probing, power-of-two size, `EMPTY` never a valid key: times are finite).
struct Table {
    keys: Vec<u64>,
    slots: Vec<u32>,
    shift: u32,
    len: usize,
}

const EMPTY: u64 = u64::MAX;

impl Table {
    fn with_capacity(cap: usize) -> Table {
        let size = (2 * cap).next_power_of_two().max(16);
        Table::sized(size)
    }
    fn sized(size: usize) -> Table {
        Table { keys: vec![EMPTY; size], slots: vec![0; size], shift: 64 - size.trailing_zeros(), len: 0 }
    }
    /// Doubles the table (kept at most half full so probes stay short).
    fn grow(&mut self) {
        let old = std::mem::replace(
            self,
            Table { keys: vec![EMPTY; 2 * self.keys.len()], slots: vec![0; 2 * self.keys.len()], shift: self.shift - 1, len: 0 },
        );
        let mask = self.keys.len() - 1;
        for (k, s) in old.entries() {
            let mut i = (k.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize;
            while self.keys[i] != EMPTY {
                i = (i + 1) & mask;
            }
            self.keys[i] = k;
            self.slots[i] = s;
        }
        self.len = old.len;
    }
    /// The slot of `k`, inserting it with the next free slot number if new.
    #[inline]
    fn slot(&mut self, k: u64) -> (u32, bool) {
        if 2 * (self.len + 1) > self.keys.len() {
            self.grow();
        }
        let mask = self.keys.len() - 1;
        let mut i = (k.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize;
        loop {
            let here = self.keys[i];
            if here == k {
                return (self.slots[i], false);
            }
            if here == EMPTY {
                self.keys[i] = k;
                self.slots[i] = self.len as u32;
                self.len += 1;
                return (self.slots[i], true);
            }
            i = (i + 1) & mask;
        }
    }
    fn entries(&self) -> impl Iterator<Item = (u64, u32)> + '_ {
        self.keys.iter().zip(&self.slots).filter(|(k, _)| **k != EMPTY).map(|(k, s)| (*k, *s))
    }
}

/// `t` as a hash key; `-0.0` and `0.0` are the same time.
fn key(t: f64) -> u64 {
    (t + 0.0).to_bits()
}

/// Subjects per chunk of the hash path.
const CHUNK: usize = 1 << 16;

/// Counts one chunk into a hash table; `None` once it holds more than `cap` distinct times.
fn hash_chunk(time: &[f64], event: &[bool], group: Option<&[u32]>, width: usize, cap: usize) -> Option<(Table, Vec<f64>)> {
    let mut table = Table::sized(512);
    let mut counts: Vec<f64> = Vec::new();
    for i in 0..time.len() {
        let (slot, new) = table.slot(key(time[i]));
        if new {
            if table.len > cap {
                return None;
            }
            counts.resize(counts.len() + width, 0.0);
        }
        let base = slot as usize * width + 2 * group.map_or(0, |g| g[i] as usize);
        counts[base] += 1.0;
        counts[base + 1] += event[i] as u8 as f64;
    }
    Some((table, counts))
}

/// The tally of `time`/`event` (with group labels `0..k` when given; `k = 1` without).
pub(crate) fn tally(time: &[f64], event: &[bool], group: Option<&[u32]>, k: usize) -> Tally {
    let width = 2 * k;
    let n = time.len();
    let cap = (CHUNK / 8).max(1024);
    let parts: Option<Vec<(Table, Vec<f64>)>> = (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| {
            let (lo, hi) = (c * CHUNK, ((c + 1) * CHUNK).min(n));
            hash_chunk(&time[lo..hi], &event[lo..hi], group.map(|g| &g[lo..hi]), width, cap)
        })
        .collect();
    match parts {
        Some(parts) => merge(parts, width),
        None => {
            // Too many distinct times: radix-sort halves on both cores, then merge.
            let half = n.div_ceil(2).max(1 << 15);
            let parts: Vec<Tally> = (0..n.div_ceil(half))
                .into_par_iter()
                .map(|c| {
                    let (lo, hi) = (c * half, ((c + 1) * half).min(n));
                    sorted(&time[lo..hi], &event[lo..hi], group.map(|g| &g[lo..hi]), width)
                })
                .collect();
            merge_sorted(parts, width)
        }
    }
}

/// Merges tallies sorted by time (same width), adding the counts of equal times.
fn merge_sorted(mut parts: Vec<Tally>, width: usize) -> Tally {
    while parts.len() > 1 {
        let b = parts.pop().unwrap_or(Tally { times: Vec::new(), counts: Vec::new(), width });
        let a = parts.pop().unwrap_or(Tally { times: Vec::new(), counts: Vec::new(), width });
        let mut times = Vec::with_capacity(a.times.len() + b.times.len());
        let mut counts = Vec::with_capacity(a.counts.len() + b.counts.len());
        let (mut i, mut j) = (0, 0);
        while i < a.times.len() || j < b.times.len() {
            let take_a = j == b.times.len() || (i < a.times.len() && a.times[i] <= b.times[j]);
            let take_b = i == a.times.len() || (j < b.times.len() && b.times[j] <= a.times[i]);
            let t = if take_a { a.times[i] } else { b.times[j] };
            times.push(t);
            let base = counts.len();
            counts.resize(base + width, 0.0);
            if take_a {
                for (c, v) in counts[base..].iter_mut().zip(a.row(i)) {
                    *c += v;
                }
                i += 1;
            }
            if take_b {
                for (c, v) in counts[base..].iter_mut().zip(b.row(j)) {
                    *c += v;
                }
                j += 1;
            }
        }
        parts.push(Tally { times, counts, width });
    }
    parts.pop().unwrap_or(Tally { times: Vec::new(), counts: Vec::new(), width })
}

/// The tally of several groups given as separate samples (group `g` = `parts[g]`):
/// each is tallied on its own, then the sorted lists are merged, so the samples are
/// never concatenated.
pub(crate) fn tally_groups(parts: &[(&[f64], &[bool])]) -> Tally {
    let k = parts.len();
    let width = 2 * k;
    let singles: Vec<Tally> = parts.par_iter().map(|(t, e)| tally(t, e, None, 1)).collect();
    let mut pos = vec![0usize; k];
    let mut times = Vec::new();
    let mut counts = Vec::new();
    loop {
        let next = (0..k).filter(|&g| pos[g] < singles[g].times.len()).map(|g| singles[g].times[pos[g]]).fold(f64::INFINITY, f64::min);
        if next == f64::INFINITY {
            break;
        }
        times.push(next);
        let base = counts.len();
        counts.resize(base + width, 0.0);
        for g in 0..k {
            if pos[g] < singles[g].times.len() && singles[g].times[pos[g]] == next {
                counts[base + 2 * g] = singles[g].row(pos[g])[0];
                counts[base + 2 * g + 1] = singles[g].row(pos[g])[1];
                pos[g] += 1;
            }
        }
    }
    Tally { times, counts, width }
}

/// Adds the chunk tables together and orders the distinct times.
fn merge(parts: Vec<(Table, Vec<f64>)>, width: usize) -> Tally {
    let distinct = parts.iter().map(|p| p.0.len).max().unwrap_or(0);
    let mut all = Table::with_capacity(distinct * 2);
    let mut counts: Vec<f64> = Vec::new();
    for (table, part) in &parts {
        for (k, slot) in table.entries() {
            let (s, new) = all.slot(k);
            if new {
                counts.resize(counts.len() + width, 0.0);
            }
            for j in 0..width {
                counts[s as usize * width + j] += part[slot as usize * width + j];
            }
        }
    }
    let mut order: Vec<(f64, u32)> = all.entries().map(|(k, s)| (f64::from_bits(k), s)).collect();
    radsort::sort_by_key(&mut order, |o| o.0);
    let mut out = Vec::with_capacity(counts.len());
    for &(_, s) in &order {
        out.extend_from_slice(&counts[s as usize * width..(s as usize + 1) * width]);
    }
    Tally { times: order.into_iter().map(|o| o.0).collect(), counts: out, width }
}

/// The fallback: one radix sort of all subjects, then a pass over runs of equal times.
fn sorted(time: &[f64], event: &[bool], group: Option<&[u32]>, width: usize) -> Tally {
    let mut recs: Vec<(f64, u32)> = (0..time.len()).map(|i| (time[i] + 0.0, 2 * group.map_or(0, |g| g[i]) + event[i] as u32)).collect();
    radsort::sort_by_key(&mut recs, |r| r.0);
    let mut times: Vec<f64> = Vec::new();
    let mut counts: Vec<f64> = Vec::new();
    for (t, code) in recs {
        if times.last() != Some(&t) {
            times.push(t);
            counts.resize(counts.len() + width, 0.0);
        }
        let base = counts.len() - width + (code & !1) as usize;
        counts[base] += 1.0;
        counts[base + 1] += (code & 1) as f64;
    }
    Tally { times, counts, width }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    #[test]
    fn hash_and_sort_paths_agree() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        for (n, levels) in [(10, 3), (1000, 50), (200_000, 300), (200_000, 1_000_000)] {
            let time: Vec<f64> = (0..n).map(|_| rng.random_range(0..levels) as f64 / 7.0).collect();
            let event: Vec<bool> = (0..n).map(|_| rng.random_bool(0.6)).collect();
            let group: Vec<u32> = (0..n).map(|_| rng.random_range(0..3)).collect();
            let a = tally(&time, &event, Some(&group), 3);
            let b = sorted(&time, &event, Some(&group), 6);
            assert_eq!(a.times, b.times);
            assert_eq!(a.counts, b.counts);
            assert!(a.times.windows(2).all(|w| w[0] < w[1]));
            assert_eq!(a.counts.iter().step_by(2).sum::<f64>(), n as f64);
        }
        // Separate samples give the tally of their union with group labels.
        let (t1, e1) = (vec![3.0, 1.0, 2.0, 2.0], vec![true, false, true, true]);
        let (t2, e2) = (vec![2.0, 5.0], vec![false, true]);
        let m = tally_groups(&[(&t1, &e1), (&t2, &e2)]);
        let u = tally(&[t1.clone(), t2.clone()].concat(), &[e1.clone(), e2.clone()].concat(), Some(&[0, 0, 0, 0, 1, 1]), 2);
        assert_eq!((m.times.clone(), m.counts.clone()), (u.times, u.counts));
        let z = tally(&[0.0, -0.0, 1.0], &[true, false, true], None, 1);
        assert_eq!(z.times, vec![0.0, 1.0]);
        assert_eq!(z.row(0), &[2.0, 1.0]);
    }
}
