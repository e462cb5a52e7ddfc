#!/usr/bin/env bash
# Treatment-effect benchmark next to plain-Python and numpy C-for-benefit (see benches/README.md).
exec "$(dirname "$0")/compare.sh" causal benches/causal_python.py
