#!/usr/bin/env bash
# Runs every fuzz target (fuzz/fuzz_targets) for SECONDS each (default 150) with
# cargo-fuzz and libFuzzer, one after another, and prints a line per target: runs,
# coverage, and whether it found a crash. Needs a nightly toolchain (rustup's
# `nightly`) and cargo-fuzz (installed here from crates.io when missing). The corpus
# grows in fuzz/corpus/<target> (not committed); a crash lands in
# fuzz/artifacts/<target>/: copy it to fuzz/regressions/<target>/ so that
# tests/fuzz_inputs.rs keeps it fixed.
#   usage: tools/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs=${1:-150}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(nifti dicom png bioc notebook csv report openi)
rustup run nightly rustc --version >/dev/null 2>&1 || { echo "fuzzing needs a nightly toolchain (rustup toolchain install nightly)"; exit 1; }
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  log=$(mktemp)
  start=$(date +%s)
  set +e
  cargo +nightly fuzz run -O "$t" "corpus/$t" "seeds/$t" -- -max_total_time="$secs" -rss_limit_mb=2048 \
    -malloc_limit_mb=1024 -timeout=10 -max_len=8192 -print_final_stats=1 >"$log" 2>&1
  rc=$?
  set -e
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo "?")
  verdict=$([ $rc -eq 0 ] && echo "no crash" || echo "CRASH (see fuzz/artifacts/$t and $log)")
  echo "$t: $(( $(date +%s) - start )) s, $runs runs, coverage $cov edges: $verdict"
  [ $rc -eq 0 ] && rm -f "$log"
done
