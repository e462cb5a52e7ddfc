# The two commands of the README are `make notebooks` and `make test`.
# Each first installs whatever is missing (Python venv with Jupyter and torch 2.4.0,
# evcxr_jupyter, the "Rust (ai4med)" kernelspec); see tools/ai4med.sh.
.PHONY: notebooks test check exercises lab setup bench-notebook screenshots fuzz nlp-data book grade image

notebooks:
	@bash tools/ai4med.sh notebooks

test:
	@bash tools/ai4med.sh test

# The first step of make test alone: cargo fmt --check, clippy (all targets and features,
# warnings denied), the build and unit tests without features, cargo doc (warnings denied).
check:
	@bash tools/ai4med.sh check

exercises:
	@bash tools/ai4med.sh exercises

lab:
	@bash tools/ai4med.sh lab

setup:
	@bash tools/ai4med.sh setup

bench-notebook:
	@bash tools/ai4med.sh bench-notebook

# The OpenI chest X-ray reports (fetched from PyPI into the cache; also part of every set-up).
nlp-data:
	@bash tools/ai4med.sh nlp-data

# Every figure of the executed notebooks (target/notebooks, from `make notebooks` or
# `make test`) as a PNG rendered by headless Chromium, under target/screenshots.
screenshots:
	@bash tools/ai4med.sh screenshots

# Coverage-guided fuzzing of the parsers (nightly toolchain; see TESTING.md).
fuzz:
	@bash tools/fuzz.sh $(FUZZ_SECONDS)

# The course as a static site under target/book: every executed solution notebook as HTML with
# navigation, an index by course and week, the data and licence notes; checked in headless
# Chromium (no console errors, images decode, figures have a size, formulas typeset).
book:
	@bash tools/ai4med.sh book

# Autograde a class: make grade SUBMISSIONS=DIR [OUT=DIR] (one folder per learner, or files
# named LEARNER--NOTEBOOK.ipynb). Writes OUT/gradebook.csv, OUT/summary/, OUT/feedback/.
OUT ?= target/grade
grade:
	@bash tools/ai4med.sh grade "$(SUBMISSIONS)" "$(OUT)"

# The learner image for a JupyterHub or BinderHub (Dockerfile), built with podman and checked
# by running one notebook inside it (tools/container.sh; environment.md, "Serving a class").
image:
	@bash tools/container.sh all
