#!/usr/bin/env bash
# Tree benchmark next to scikit-learn and shap (see benches/README.md).
exec "$(dirname "$0")/compare.sh" trees benches/trees_python.py
