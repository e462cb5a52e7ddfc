#!/usr/bin/env bash
# How libtorch training degrades when the machine is busy, per OpenMP setting.
#
# Trains a small CNN (PyTorch 2.4.0 from the ai4med venv: the same libtorch_cpu and libgomp
# that tch links into the notebook kernel) for a fixed number of steps, alone and beside
# (a) one busy single-threaded process and (b) a second copy of itself, with libgomp's
# default wait policy, OMP_WAIT_POLICY=PASSIVE, and one intra-op thread.
# Usage: bash benches/torch_threads.sh   (after `make setup`; needs a quiet machine)
set -euo pipefail
CACHE=${AI4MED_CACHE:-$HOME/.cache/ai4med}
PY=$CACHE/venv/bin/python
STEPS=${STEPS:-40}
script=$(mktemp --suffix=.py)
cat > "$script" <<'PY'
import os, sys, time, warnings
warnings.filterwarnings("ignore")
import torch
torch.manual_seed(0)
steps = int(sys.argv[1])
net = torch.nn.Sequential(
    torch.nn.Conv2d(1, 16, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
    torch.nn.Conv2d(16, 32, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
    torch.nn.Conv2d(32, 64, 3, padding=1), torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(1),
    torch.nn.Flatten(), torch.nn.Linear(64, 14))
opt = torch.optim.Adam(net.parameters(), 1e-3)
x = torch.randn(16, 1, 64, 64); y = (torch.rand(16, 14) > 0.8).float()
for _ in range(3):
    opt.zero_grad(); torch.nn.functional.binary_cross_entropy_with_logits(net(x), y).backward(); opt.step()
t0 = time.perf_counter()
for _ in range(steps):
    opt.zero_grad(); torch.nn.functional.binary_cross_entropy_with_logits(net(x), y).backward(); opt.step()
print(f"{time.perf_counter() - t0:.2f}")
PY
busy() { "$PY" -c 'while True: pass' >/dev/null 2>&1 & echo $!; }
run() {  # label, env...
  local label=$1; shift
  local alone beside_busy beside_self b p
  alone=$(env "$@" "$PY" "$script" "$STEPS")
  b=$(busy); beside_busy=$(env "$@" "$PY" "$script" "$STEPS"); kill "$b"; wait "$b" 2>/dev/null || true
  env "$@" "$PY" "$script" "$STEPS" > "$script.other" & p=$!
  beside_self=$(env "$@" "$PY" "$script" "$STEPS"); wait "$p"
  printf '%-34s %8s s %12s s %14s s (other copy %s s)\n' "$label" "$alone" "$beside_busy" "$beside_self" "$(cat "$script.other")"
}
printf '%-34s %10s %14s %16s\n' "setting ($STEPS steps)" "alone" "beside 1 busy" "beside itself"
run "2 threads, default wait policy" -u OMP_WAIT_POLICY OMP_NUM_THREADS=2
run "2 threads, OMP_WAIT_POLICY=PASSIVE" OMP_NUM_THREADS=2 OMP_WAIT_POLICY=PASSIVE
run "1 thread" OMP_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE
rm -f "$script" "$script.other"
