"""Python side of the interpretation benchmark: scikit-learn's permutation_importance
(n_jobs=2) on a 300-tree RandomForestClassifier, data from the same model as
benches/interpret.rs."""
import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.inspection import permutation_importance

from bench_util import best_of

rng = np.random.default_rng(3)
x = rng.normal(size=(4000, 18))
z = x[:, :6] @ np.array([1.0, -1.0, 0.5, -0.5, 0.25, -0.25])
y = (rng.random(4000) < 1 / (1 + np.exp(-z))).astype(int)
forest = RandomForestClassifier(n_estimators=300, random_state=0).fit(x[:2000], y[:2000])
res = {}


def run():
    res["r"] = permutation_importance(forest, x[2000:], y[2000:], scoring="roc_auc", n_repeats=100, random_state=0, n_jobs=2)


print(f"permutation_importance 18 features x 100 repeats, 2000 rows, 300 trees: {best_of(1, run):.4f} s")
order = np.argsort(-res["r"].importances_mean)[:4]
print("(top: " + ", ".join(f"x{j} {res['r'].importances_mean[j]:.4f}" for j in order) + ")")
