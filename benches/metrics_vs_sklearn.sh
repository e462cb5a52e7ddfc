#!/usr/bin/env bash
# Metrics benchmark next to scikit-learn (see benches/README.md).
exec "$(dirname "$0")/compare.sh" metrics benches/metrics_sklearn.py
