#!/usr/bin/env bash
# Runs the prognosis benchmark and its lifelines / scikit-learn counterpart in one go and prints ratios.
# Needs a Python with lifelines and scikit-learn (set PYTHON, default: $AI4MED_CACHE/ref-venv/bin/python).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-${AI4MED_CACHE:-$HOME/.cache/ai4med}/ref-venv/bin/python}
rust=$(cargo bench -q --bench prognosis 2>/dev/null)
py=$("$PY" benches/prognosis_python.py)
echo "$rust"; echo "$py"
python3 - "$rust" "$py" <<'PY'
import re, sys
def parse(t):
    return {m.group(1): float(m.group(2)) for m in re.finditer(r"^(.*?): ([0-9.]+) s$", t, re.M)}
r, p = parse(sys.argv[1]), parse(sys.argv[2])
print(f"\n| measurement | ai4med (s) | Python (s) | speed-up |\n|---|---|---|---|")
for k in r:
    if k in p:
        print(f"| {k} | {r[k]:.4f} | {p[k]:.4f} | {p[k] / r[k]:.1f}× |")
PY
