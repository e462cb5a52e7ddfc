"""Python side of the tree benchmark: scikit-learn forests (n_jobs=2) and shap's
TreeExplainer on data from the same generator as benches/trees.rs."""
import os

import numpy as np
import shap
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import roc_auc_score

from bench_util import best_of

rng = np.random.default_rng(7)


def data(n):
    x = rng.normal(size=(n, 20))
    z = x[:, 0] - 0.8 * x[:, 1] + 0.6 * x[:, 2] * x[:, 3] + 0.5 * np.abs(x[:, 4]) + 0.3 * x[:, 5] - 0.5
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(float)
    return x, y


xt, yt = data(5000)
# TREES_BENCH=shap: only the TreeSHAP lines (the forest fits at n = 1e5 take minutes);
# TREES_BENCH=fit / fit1e5 / fit1e3: only the forest fit at n = 1e4 / 1e5 / 1e3. The 1e3
# data come from their own stream, so the other sizes' data are as before.
only = os.environ.get("TREES_BENCH", "")
sizes = [(10_000, 3), (100_000, 1), (1_000, 5)]
wanted = {"shap": [], "fit": sizes[:1], "fit1e5": sizes[1:2], "fit1e3": sizes[2:]}.get(only, sizes)
small_rng = np.random.default_rng(8)
for n, reps in wanted:
    if n == 1_000:
        rng, small_rng = small_rng, rng
    x, y = data(n)
    if n == 1_000:
        rng, small_rng = small_rng, rng
    make = lambda: RandomForestClassifier(n_estimators=300, random_state=1, n_jobs=2).fit(x, y)
    t = best_of(reps, make)
    print(f"random_forest fit 300 trees n={n} p=20: {t:.4f} s")
    rf = make()
    t = best_of(3, lambda: rf.predict_proba(xt))
    print(f"random_forest predict_proba 5000 rows n={n}: {t:.4f} s")
    p = rf.predict_proba(xt)[:, 1]
    print(f"(n={n}: test AUC {roc_auc_score(yt, p):.4f}, accuracy {rf.score(xt, yt):.4f})")
if only.startswith("fit"):
    raise SystemExit(0)
x, y = data(10_000)
# shap's TreeExplainer runs on one thread; the label carries ours (RAYON_NUM_THREADS).
threads = os.environ.get("RAYON_NUM_THREADS") or str(os.cpu_count())
for depth, rows in [(4, 1000), (6, 1000), (8, 1000), (None, 200)]:
    rf = RandomForestClassifier(n_estimators=300, max_depth=depth, random_state=1, n_jobs=2).fit(x, y)
    ex = shap.TreeExplainer(rf)
    t = best_of(3, lambda: ex.shap_values(x[:rows]))
    label = "unlimited" if depth is None else f"<={depth}"
    print(f"tree_shap {rows} rows x 300 trees depth {label} ({threads} threads): {t:.4f} s")
