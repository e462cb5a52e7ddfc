#!/usr/bin/env bash
# Report labelling next to medspaCy (see benches/README.md). medspaCy 1.3.1 pins numpy < 2,
# so it lives in its own venv: $MEDSPACY_PYTHON, default $AI4MED_CACHE/medspacy-venv/bin/python
# (python3 -m venv "$AI4MED_CACHE/medspacy-venv" && "$AI4MED_CACHE/medspacy-venv/bin/pip" install medspacy==1.3.1).
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHON=${MEDSPACY_PYTHON:-${AI4MED_CACHE:-$HOME/.cache/ai4med}/medspacy-venv/bin/python}
exec benches/compare.sh nlp benches/nlp_python.py
