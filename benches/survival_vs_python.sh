#!/usr/bin/env bash
# Survival benchmark next to lifelines and scikit-survival (see benches/README.md).
# scikit-survival pins its own scikit-learn; keep it in a separate venv and point PYTHON at it:
#   python -m venv ~/.cache/ai4med/sksurv-venv && ~/.cache/ai4med/sksurv-venv/bin/pip install scikit-survival lifelines pandas
exec "$(dirname "$0")/compare.sh" survival benches/survival_python.py
