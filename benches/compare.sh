#!/usr/bin/env bash
# Usage: benches/compare.sh BENCH PYTHON_SCRIPT
# Runs `cargo bench --bench BENCH` and the Python reference in one go and prints a table of
# ratios for the lines both print as "<measurement>: <seconds> s".
# Python: $PYTHON, default $AI4MED_CACHE/ref-venv/bin/python (scikit-learn, lifelines, ...).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-${AI4MED_CACHE:-$HOME/.cache/ai4med}/ref-venv/bin/python}
rust=$(cargo bench -q ${FEATURES:+--features "$FEATURES"} --bench "$1" 2>/dev/null)
py=$("$PY" "$2")
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
