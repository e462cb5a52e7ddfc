"""Python side of the treatment-effect benchmark: the course's C-for-benefit written plainly
(random.sample, sorted, the O(m^2) loop over pairs of pairs) and a vectorised numpy version
(sort + searchsorted), bootstrapped by resampling each arm; same data model as
benches/causal.rs."""
import random
import time

import numpy as np

from bench_util import best_of

rng = np.random.default_rng(3)
n = 10_000
pred = np.round(rng.normal(0.05, 0.1, n) * 1000) / 1000
w = (rng.random(n) < 0.5).astype(float)
y = (rng.random(n) < np.clip(0.4 - w * pred, 0.01, 0.99)).astype(float)


def c_for_benefit_score(pairs):
    obs = [i[1] - j[1] for (i, j) in pairs]
    pb = [np.mean([i[0], j[0]]) for (i, j) in pairs]
    conc = perm = tie = 0
    for a in range(len(pairs)):
        for b in range(a + 1, len(pairs)):
            if obs[a] != obs[b]:
                perm += 1
                if (pb[a] > pb[b] and obs[a] > obs[b]) or (pb[a] < pb[b] and obs[a] < obs[b]):
                    conc += 1
                if pb[a] == pb[b]:
                    tie += 1
    return (conc + 0.5 * tie) / perm


def c_statistic(pred, y, w, seed=0):
    random.seed(seed)
    tuples = list(zip(pred, y, w))
    untreated = [t for t in tuples if t[2] == 0]
    treated = [t for t in tuples if t[2] == 1]
    if len(treated) < len(untreated):
        untreated = random.sample(untreated, len(treated))
    if len(untreated) < len(treated):
        treated = random.sample(treated, len(untreated))
    untreated = sorted(untreated, key=lambda t: t[0])
    treated = sorted(treated, key=lambda t: t[0])
    return c_for_benefit_score(list(zip(untreated, treated)))


def numpy_score(pc, yc, pt, yt):
    """C-for-benefit of rank-matched arms (both sorted), O(m log m) with numpy."""
    pb = (pc + pt) / 2
    ob = (yc - yt).astype(int)
    conc = tie = perm = 0.0
    for a in (-1, 0, 1):
        xa = np.sort(pb[ob == a])
        for b in (-1, 0, 1):
            if b <= a:
                continue
            xb = pb[ob == b]
            lo = np.searchsorted(xa, xb, side="left")
            hi = np.searchsorted(xa, xb, side="right")
            conc += lo.sum()  # pairs where the higher-benefit pair also has higher prediction
            tie += (hi - lo).sum()
            perm += len(xa) * len(xb)
    return (conc + 0.5 * tie) / perm


def numpy_bootstrap(pred, y, w, reps, seed=1):
    g = np.random.default_rng(seed)
    c, t = np.flatnonzero(w == 0), np.flatnonzero(w == 1)
    m = min(len(c), len(t))
    out = []
    for _ in range(reps):
        ci = g.choice(c, m)
        ti = g.choice(t, m)
        ci = ci[np.argsort(pred[ci], kind="stable")]
        ti = ti[np.argsort(pred[ti], kind="stable")]
        out.append(numpy_score(pred[ci], y[ci], pred[ti], y[ti]))
    return np.percentile(out, [2.5, 97.5])


t0 = time.perf_counter()
c = c_statistic(pred, y, w)
one = time.perf_counter() - t0
print(f"c_for_benefit n=1e4: {one:.4f} s")
print(f"c_for_benefit_ci 1000 boot n=1e4: {1000 * one:.4f} s")
print(f"(plain Python: one replicate timed, x1000 extrapolated; C = {c:.4f})")
print(f"numpy c_for_benefit_ci 1000 boot n=1e4: {best_of(1, lambda: numpy_bootstrap(pred, y, w, 1000)):.4f} s")
print(f"(numpy bootstrap interval {numpy_bootstrap(pred, y, w, 200)})")
