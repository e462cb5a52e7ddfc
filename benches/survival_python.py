"""Python side of the survival benchmark: lifelines (Kaplan-Meier, log-rank, concordance,
Cox) and scikit-survival (random survival forest, n_jobs=2), on data from the same
generator as benches/survival.rs."""
import numpy as np
import pandas as pd
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.statistics import logrank_test
from lifelines.utils import concordance_index

from bench_util import best_of

rng = np.random.default_rng(3)


def data(n, p):
    x = rng.normal(size=(n, p))
    lr = 0.5 * x[:, 0] - 0.5 * x[:, 1] + 0.25 * x[:, 2]
    t = -np.log(rng.random(n)) / np.exp(lr)
    c = -np.log(rng.random(n)) / 0.5
    time = np.round(np.minimum(t, c) * 100) / 100 + 0.01
    return x, time, (t <= c).astype(float)


def data_tied(n, p):
    """AR(1) covariates (neighbouring columns correlate 0.6), times rounded up to 0.05
    and capped at 5 (at most 100 distinct times); same model as benches/survival.rs."""
    x = rng.normal(size=(n, p))
    for j in range(1, p):
        x[:, j] = 0.6 * x[:, j - 1] + 0.8 * x[:, j]
    lr = 0.5 * x[:, 0] - 0.5 * x[:, min(1, p - 1)] + 0.25 * x[:, min(2, p - 1)]
    t = -np.log(rng.random(n)) / np.exp(lr)
    c = -np.log(rng.random(n)) / 0.5
    time = np.clip(np.ceil(np.minimum(t, c) * 20), 1, 100) / 20
    return x, time, (t <= c).astype(float)


x, time, event = data(1_000_000, 3)
print(f"kaplan_meier n=1e6: {best_of(3, lambda: KaplanMeierFitter().fit(time, event)):.4f} s")
g = x[:, 0] > 0
print(f"logrank n=1e6: {best_of(3, lambda: logrank_test(time[g], time[~g], event[g], event[~g])):.4f} s")
jitter = time + np.random.default_rng(4).random(len(time)) * 0.01
print(f"kaplan_meier n=1e6 untied: {best_of(3, lambda: KaplanMeierFitter().fit(jitter, event)):.4f} s")
print(f"harrell_c n=1e6: {best_of(1, lambda: concordance_index(time, -x[:, 0], event)):.4f} s")

x, time, event = data_tied(1_000_000, 3)
print(f"kaplan_meier n=1e6 100 times: {best_of(3, lambda: KaplanMeierFitter().fit(time, event)):.4f} s")
g = x[:, 0] > 0
print(f"logrank n=1e6 100 times: {best_of(3, lambda: logrank_test(time[g], time[~g], event[g], event[~g])):.4f} s")
score = np.round(x[:, 0] * 2) / 2
print(f"harrell_c n=1e6 tied: {best_of(1, lambda: concordance_index(time, -score, event)):.4f} s")

x, time, event = data(100_000, 20)
df = pd.DataFrame(x, columns=[f"x{j}" for j in range(20)])
df["T"], df["E"] = time, event
print(f"cox efron n=1e5 p=20: {best_of(3, lambda: CoxPHFitter().fit(df, 'T', 'E')):.4f} s")
x, time, event = data_tied(100_000, 20)
df = pd.DataFrame(x, columns=[f"x{j}" for j in range(20)])
df["T"], df["E"] = time, event
print(f"cox efron n=1e5 p=20 correlated tied: {best_of(3, lambda: CoxPHFitter().fit(df, 'T', 'E')):.4f} s")
cph = CoxPHFitter().fit(df, "T", "E")
print(f"(tied cox coefficients 0..3: {np.round(cph.params_.values[:3], 4)})")

try:
    from sksurv.ensemble import RandomSurvivalForest
    from sksurv.metrics import concordance_index_censored

    # 1e4 training rows: at 5e4 scikit-survival's forest did not finish within 20 minutes
    # on this machine (see benches/README.md).
    x, time, event = data(20_000, 27)
    n = 10_000
    y = np.array([(bool(e), t) for e, t in zip(event[:n], time[:n])], dtype=[("e", bool), ("t", float)])
    make = lambda: RandomSurvivalForest(n_estimators=100, random_state=1, n_jobs=2).fit(x[:n], y)
    print(f"random_survival_forest 100 trees n=1e4 p=27: {best_of(1, make):.4f} s")
    m = make()
    c = concordance_index_censored(event[n:].astype(bool), time[n:], m.predict(x[n:]))[0]
    print(f"(random survival forest: held-out Harrell's C {c:.4f})")
except ImportError:
    print("(scikit-survival not installed: PYTHON=~/.cache/ai4med/sksurv-venv/bin/python for the forest)")
