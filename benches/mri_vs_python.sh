#!/usr/bin/env bash
# Brain MRI benchmark next to numpy / nibabel (ref venv) and PyTorch (project venv, same
# libtorch); see benches/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(bash tools/ai4med.sh env)"
export PYTHON=${PYTHON:-${AI4MED_CACHE:-$HOME/.cache/ai4med}/venv/bin/python}
export REF_PYTHON=${REF_PYTHON:-${AI4MED_CACHE:-$HOME/.cache/ai4med}/ref-venv/bin/python}
FEATURES=torch exec benches/compare.sh mri benches/mri_python.py
