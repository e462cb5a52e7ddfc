"""Execute notebooks headless on the "Rust (ai4med)" kernel.

Usage:
  run_notebooks.py [--out DIR] [--exercises] [--cell-timeout S] PATH...
  run_notebooks.py --warm-only

Every notebook found under PATH (files or folders, sorted) runs in a fresh kernel,
one after another (kernels share the persistent evcxr build folder, so the crate
compiles once). For each notebook it writes the executed copy as .ipynb and .html
under --out (mirroring the path) and prints one line: time, cells, status.

Solutions mode (default): any cell error fails the notebook.
Exercises mode (--exercises): cell errors are expected (todo!() bodies), but the
kernel must survive the whole notebook and every cell must have run.

Exits non-zero if any notebook fails. The last line reads
"notebooks: N passed, M failed".
"""

import argparse
import os
import re
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbconvert import HTMLExporter

KERNEL = "ai4med"
# The kernel preloads the ai4med crate of this clone (tools/ai4med-kernel reads it).
os.environ.setdefault("AI4MED_ROOT", str(Path(__file__).resolve().parent.parent))
CACHE = Path(os.environ.get("AI4MED_CACHE", Path.home() / ".cache" / "ai4med"))


def find_notebooks(paths):
    found = []
    for p in map(Path, paths):
        if p.is_file() and p.suffix == ".ipynb":
            found.append(p)
        elif p.is_dir():
            found.extend(q for q in p.rglob("*.ipynb") if ".ipynb_checkpoints" not in q.parts)
    return sorted(set(found))


def cold_build() -> bool:
    return not (CACHE / "evcxr" / "slot-0" / "build" / "target").exists()


def announce_cold():
    if cold_build():
        print(
            "[ai4med] First run: the kernel compiles the ai4med crate and its dependencies "
            "(polars, plotters, tch, rust-bert) once. This takes about 5 minutes on 2 cores; "
            "later kernels start in seconds.",
            flush=True,
        )


def first_error(nb):
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                text = " ".join([out.get("ename", ""), out.get("evalue", "")]).strip()
                return text.splitlines()[0] if text else "error"
    return None


# Lines a cell may print to stderr without failing: progress reports such as
# "random forest: 150/300 trees" (ai4med::display::Progress).
PROGRESS = re.compile(r"^[^:]+: \d+/\d+ \S+$")


def stderr_problem(nb):
    """The first stderr line that is not a progress report. evcxr prints the error of
    a cell ending in `?` to stderr instead of raising, so this is how such errors show."""
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                for line in out.get("text", "").splitlines():
                    if line.strip() and not PROGRESS.match(line.strip()):
                        return f"cell {i} wrote to stderr: {line.strip()[:200]}"
    return None


def run_one(path: Path, root: Path, out_dir: Path | None, exercises: bool, cell_timeout: int):
    nb = nbformat.read(path, as_version=4)
    n_code = sum(1 for c in nb.cells if c.cell_type == "code")
    client = NotebookClient(
        nb,
        kernel_name=KERNEL,
        timeout=cell_timeout,
        startup_timeout=3600,
        allow_errors=exercises,
        record_timing=True,
        resources={"metadata": {"path": str(path.parent.resolve())}},
    )
    t0 = time.monotonic()
    status, detail = "ok", ""
    try:
        client.execute()
    except DeadKernelError as e:
        status, detail = "kernel died", str(e).splitlines()[0] if str(e) else ""
    except CellTimeoutError as e:
        status, detail = "timeout", str(e).splitlines()[0] if str(e) else ""
    except CellExecutionError:
        status, detail = "error", first_error(nb) or ""
    except Exception as e:  # kernel failed to start, missing kernelspec, ...
        status, detail = "failed", f"{type(e).__name__}: {e}".splitlines()[0]
    elapsed = time.monotonic() - t0
    if status == "ok" and not exercises:
        problem = stderr_problem(nb)
        if problem:
            status, detail = "error", problem
    if status == "ok" and exercises:
        unrun = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.get("execution_count") is None]
        if unrun:
            status, detail = "incomplete", f"cells not run: {unrun[:5]}"
        elif first_error(nb):
            detail = "expected errors in unfinished exercises"
    if out_dir is not None:
        try:
            rel = path.resolve().relative_to(root.resolve())
        except ValueError:
            rel = Path(path.name)
        target = out_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)
        html, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
        target.with_suffix(".html").write_text(html, encoding="utf-8")
    return status, detail, elapsed, n_code


def warm():
    announce_cold()
    t0 = time.monotonic()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("use ai4med::prelude::*;")])
    NotebookClient(nb, kernel_name=KERNEL, timeout=3600, startup_timeout=3600).execute()
    print(f"[ai4med] kernel warm ({time.monotonic() - t0:.1f} s)", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="*")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--exercises", action="store_true")
    ap.add_argument("--cell-timeout", type=int, default=1800)
    ap.add_argument("--warm-only", action="store_true")
    args = ap.parse_args()
    if args.warm_only:
        warm()
        return 0
    notebooks = find_notebooks(args.paths)
    if not notebooks:
        print("notebooks: no notebooks found under " + " ".join(args.paths))
        return 1
    common = Path(os.path.commonpath([str(Path(p).resolve()) for p in args.paths]))
    root = common if common.is_dir() else common.parent
    announce_cold()
    passed = failed = 0
    t_all = time.monotonic()
    for nb in notebooks:
        status, detail, elapsed, cells = run_one(nb, root, args.out, args.exercises, args.cell_timeout)
        ok = status == "ok"
        passed += ok
        failed += not ok
        line = f"{elapsed:7.1f} s  {cells:3d} cells  {status:<11} {nb}"
        if detail:
            line += f"  ({detail})"
        print(line, flush=True)
    total = time.monotonic() - t_all
    where = f"; executed copies in {args.out}" if args.out else ""
    print(f"[ai4med] {len(notebooks)} notebook(s) in {total:.1f} s{where}")
    kind = "exercises" if args.exercises else "notebooks"
    print(f"{kind}: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
