#!/usr/bin/env bash
# Prognosis benchmark next to lifelines and scikit-learn (see benches/README.md).
exec "$(dirname "$0")/compare.sh" prognosis benches/prognosis_python.py
