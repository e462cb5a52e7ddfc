#!/usr/bin/env bash
# Interpretation benchmark next to scikit-learn's permutation_importance (see benches/README.md).
exec "$(dirname "$0")/compare.sh" interpret benches/interpret_python.py
