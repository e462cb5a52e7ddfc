"""scikit-learn side of the metrics benchmark (same sizes and data model as benches/metrics.rs)."""

import numpy as np
from bench_util import best_of
import sklearn
from sklearn.metrics import average_precision_score, roc_auc_score




print(f"scikit-learn {sklearn.__version__}, numpy {np.__version__}")
rng = np.random.default_rng(1)
for n in (1_000_000, 10_000_000):
    y = rng.random(n) < 0.3
    s = rng.random(n)
    print(f"roc_auc n={n}: {best_of(3, lambda: roc_auc_score(y, s)):.4f} s")
    print(f"average_precision n={n}: {best_of(3, lambda: average_precision_score(y, s)):.4f} s")

# Tied scores: rounded to 0.01 (101 distinct values).
n = 1_000_000
y = rng.random(n) < 0.3
s = np.round(rng.random(n) * 100) / 100
print(f"roc_auc n={n} tied: {best_of(3, lambda: roc_auc_score(y, s)):.4f} s")
print(f"average_precision n={n} tied: {best_of(3, lambda: average_precision_score(y, s)):.4f} s")

# The usual Python bootstrap: resample positives and negatives with replacement, call
# roc_auc_score. Timed on 100 resamples and scaled to 1000.
n = 100_000
y = rng.random(n) < 0.3
s = rng.random(n)
pos, neg = np.flatnonzero(y), np.flatnonzero(~y)


def boot(reps):
    r = np.random.default_rng(3)
    out = []
    for _ in range(reps):
        idx = np.concatenate([r.choice(pos, len(pos)), r.choice(neg, len(neg))])
        out.append(roc_auc_score(y[idx], s[idx]))
    return np.percentile(out, [2.5, 97.5])


print(f"bootstrap_auc 1000 resamples n=100000: {10 * best_of(1, lambda: boot(100)):.4f} s")
