"""Checks that every line a cell prints reaches Jupyter before the cell ends (item 7 of
tools/evcxr/README.md): runs N cells (default 150) that each print one line to stdout and one
to stderr on the "Rust (ai4med)" kernel while three busy processes load the CPU, and counts the
lines that are missing from a cell's output or arrive after its "idle" status. Exits 1 on any.

    eval "$(bash tools/ai4med.sh env)"; python tools/evcxr/check_output_order.py [N]

Stock evcxr_jupyter 0.22.0 lost 3 of 120 stdout lines and delivered about one stderr line in
ten late on the 2-core machine (2026-12-07); the patched build none of 150.
"""

import subprocess
import sys
import time

from jupyter_client.manager import start_new_kernel


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 150
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(3)]
    km, kc = start_new_kernel(kernel_name="ai4med", startup_timeout=900)
    missing = late = 0
    try:
        kc.execute_interactive("use ai4med::prelude::*;", timeout=600)
        for i in range(n):
            got = []

            def hook(m, got=got):
                if m["msg_type"] == "stream":
                    got.append(m["content"]["text"])

            reply = kc.execute_interactive(f'println!("line {i}"); eprintln!("err {i}");', timeout=600, output_hook=hook)
            text = "".join(got)
            for want in (f"line {i}\n", f"err {i}\n"):
                if want not in text:
                    missing += 1
                    print(f"cell {i}: {want.strip()!r} missing from its output {text!r}", flush=True)
            # Anything still arriving for this cell after its idle status came late.
            deadline = time.monotonic() + 0.2
            while time.monotonic() < deadline:
                try:
                    m = kc.get_iopub_msg(timeout=0.05)
                except Exception:
                    continue
                if m["parent_header"].get("msg_id") == reply["parent_header"]["msg_id"] and m["msg_type"] == "stream":
                    late += 1
                    print(f"cell {i}: {m['content']['text']!r} arrived after the cell ended", flush=True)
    finally:
        for h in hogs:
            h.kill()
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    print(f"{n} cells: {missing} line(s) missing, {late} late")
    return 1 if missing or late else 0


if __name__ == "__main__":
    sys.exit(main())
