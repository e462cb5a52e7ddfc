#!/usr/bin/env bash
# DenseNet benchmark next to PyTorch (Python) on the same libtorch (see benches/README.md).
# Uses the project's venv (torch 2.4.0) and the libtorch environment of tools/ai4med.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(bash tools/ai4med.sh env)"
export PYTHON=${PYTHON:-${AI4MED_CACHE:-$HOME/.cache/ai4med}/venv/bin/python}
FEATURES=torch exec benches/compare.sh xray benches/xray_python.py
