"""Notebook-kernel benchmark (`make bench-notebook`).

Reports, on the "Rust (ai4med)" kernel with the persistent build folder warm:
  - time to start a fresh kernel (which preloads the ai4med crate),
  - time of the first cell (`use ai4med::prelude::*;`),
  - time of the first cell that binds a variable (rust-analyzer's one-off type inference),
  - median and p90 of trivial cells (`let x = 1 + 1; x`; also cells ending in `;` and in a
    Table),
  - the same first cells in a second fresh kernel after it sat idle for --idle seconds (a
    learner reading the notebook's introduction): the patched evcxr (tools/evcxr) works out
    the dependency graph's names and trait implementations in the background meanwhile,
  - what the notebook runner pays to hand the kernel to the next notebook (`:clear`, the
    `:dep` again, the notebook's folder) and that notebook's first cells,
  - the whole headless suite (every notebook under notebooks/), if --suite is given.

Run it twice if the first run reports a cold build: the first compile is not what
this benchmark measures.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from jupyter_client.manager import start_new_kernel

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("AI4MED_ROOT", str(ROOT))


def run_cell(kc, code, timeout=3600):
    t0 = time.monotonic()
    reply = kc.execute_interactive(code, timeout=timeout, output_hook=lambda msg: None)
    dt = time.monotonic() - t0
    if reply["content"]["status"] != "ok":
        raise RuntimeError(f"cell failed: {code!r}: {reply['content']}")
    return dt


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cells", type=int, default=30, help="trivial cells to time")
    ap.add_argument("--suite", action="store_true", help="also time `make notebooks`")
    ap.add_argument("--idle", type=float, default=30.0, help="seconds a second kernel sits idle before its first cells (0: skip)")
    args = ap.parse_args()

    t0 = time.monotonic()
    km, kc = start_new_kernel(kernel_name="ai4med", startup_timeout=3600)
    start = time.monotonic() - t0
    try:
        first = run_cell(kc, "use ai4med::prelude::*;")
        # The first cell that binds a variable: evcxr asks rust-analyzer for its type, which
        # resolves names through the whole dependency graph once per kernel.
        first_let = run_cell(kc, "let v = vec![1.0, 0.0, 0.0, 1.0];")
        trivial = [run_cell(kc, f"let x{i} = {i} + 1; x{i}") for i in range(args.cells)]
        # An integer result has no evcxr_display method: stock evcxr compiled the cell above
        # twice (once with `.evcxr_display()`, then with Debug); the patched one (tools/evcxr)
        # asks rust-analyzer and compiles the Debug form once. Most notebook cells end in `;`
        # or in a result type of the crate that renders inline: one compile each.
        quiet = [run_cell(kc, f"let q{i} = {i} + 1;") for i in range(args.cells)]
        rich = [run_cell(kc, f'let t{i} = ai4med::display::Table::new(["a"]); t{i}') for i in range(args.cells)]
        # What the notebook runner pays between two notebooks on a reused kernel
        # (tools/run_notebooks.py, Worker._reset): :clear, the :dep again, the folder.
        sys.path.insert(0, str(ROOT / "tools"))
        from run_notebooks import kernel_dep_line

        t0 = time.monotonic()
        run_cell(kc, ":clear")
        run_cell(kc, kernel_dep_line())
        run_cell(kc, f"std::env::set_current_dir({str(ROOT)!r}).unwrap();".replace("'", '"'))
        switch = time.monotonic() - t0
        after = run_cell(kc, "use ai4med::prelude::*;") + run_cell(kc, "let v = vec![1.0, 0.0, 0.0, 1.0];")
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    idle_first = idle_let = None
    if args.idle > 0:
        km, kc = start_new_kernel(kernel_name="ai4med", startup_timeout=3600)
        try:
            time.sleep(args.idle)
            idle_first = run_cell(kc, "use ai4med::prelude::*;")
            idle_let = run_cell(kc, "let v = vec![1.0, 0.0, 0.0, 1.0];")
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)

    def p90(ts):
        ts = sorted(ts)
        return ts[min(len(ts) - 1, int(round(0.9 * (len(ts) - 1))))]

    print(f"kernel start (crate preload, warm cache): {start:6.2f} s")
    print(f"first cell (use ai4med::prelude::*):     {first:6.2f} s")
    print(f"first cell total (start + first cell):   {start + first:6.2f} s")
    print(f"first cell binding a variable:            {first_let:6.2f} s")
    print(f"trivial cell, median of {len(trivial)}:            {statistics.median(trivial):6.2f} s (`let x = 1 + 1; x`)")
    print(f"trivial cell, p90:                        {p90(trivial):6.2f} s")
    print(f"cell ending in `;`, median / p90:         {statistics.median(quiet):6.2f} s / {p90(quiet):.2f} s")
    print(f"cell ending in a Table, median / p90:     {statistics.median(rich):6.2f} s / {p90(rich):.2f} s")
    print(f"next notebook on the reused kernel:       {switch:6.2f} s (:clear, :dep, folder)")
    print(f"  then its use + first variable cell:     {after:6.2f} s")
    if idle_let is not None:
        print(f"after {args.idle:.0f} s idle: use, first variable cell: {idle_first:6.2f} s, {idle_let:.2f} s")
    if args.suite:
        t0 = time.monotonic()
        rc = subprocess.call(
            [sys.executable, str(ROOT / "tools" / "run_notebooks.py"), "--out", str(ROOT / "target" / "notebooks"), str(ROOT / "notebooks")]
        )
        print(f"whole suite (make notebooks, warm):       {time.monotonic() - t0:6.1f} s (exit {rc})")


if __name__ == "__main__":
    main()
