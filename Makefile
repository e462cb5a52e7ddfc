# The two commands of the README are `make notebooks` and `make test`.
# Each first installs whatever is missing (Python venv with Jupyter and torch 2.4.0,
# evcxr_jupyter, the "Rust (ai4med)" kernelspec); see tools/ai4med.sh.
.PHONY: notebooks test exercises lab setup bench-notebook screenshots fuzz nlp-data

notebooks:
	@bash tools/ai4med.sh notebooks

test:
	@bash tools/ai4med.sh test

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
