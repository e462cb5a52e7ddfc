"""Python side of the prognosis benchmark: lifelines' concordance_index and
scikit-learn's LogisticRegression (lbfgs, C=1, default tolerance) on the same sizes and
data model as benches/prognosis.rs. (That the coefficients agree with scikit-learn's to
1e-6 is checked on the bundled data by tests/prognosis_fixtures.rs.)"""

import lifelines
import numpy as np
from bench_util import best_of
import sklearn
from lifelines.utils import concordance_index
from sklearn.linear_model import LogisticRegression




print(f"lifelines {lifelines.__version__}, scikit-learn {sklearn.__version__}")
rng = np.random.default_rng(1)
n = 1_000_000
y = (rng.random(n) < 0.3).astype(float)
s = rng.random(n)
print(f"cindex n=1000000: {best_of(3, lambda: concordance_index(y, s)):.4f} s")
n, p = 100_000, 20
X = rng.normal(size=(n, p))
z = -0.5 + X @ (0.1 * np.arange(p))
y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(float)
print(f"logistic_regression n=100000 p=20: {best_of(3, lambda: LogisticRegression(C=1.0).fit(X, y)):.4f} s")
# At its default tol=1e-4, lbfgs stops before the coefficients agree to 1e-6 with the
# exact optimum; with tol=1e-10 they do. Time that too, and show the gap.
tight = LogisticRegression(C=1.0, tol=1e-10, max_iter=10_000)
print(f"logistic_regression n=100000 p=20 (tol 1e-10): {best_of(3, lambda: tight.fit(X, y)):.4f} s")
loose = LogisticRegression(C=1.0).fit(X, y)
gap = np.abs(np.r_[loose.intercept_, loose.coef_[0]] - np.r_[tight.intercept_, tight.coef_[0]]).max()
print(f"(max |coefficient difference| default vs tol 1e-10: {gap:.1e})")
