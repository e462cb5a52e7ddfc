"""Execute notebooks headless on the "Rust (ai4med)" kernel.

Usage:
  run_notebooks.py [--out DIR] [--exercises] [--jobs N] [--cell-timeout S] PATH...
                   [--exercises-from DIR --exercises-out DIR]
  run_notebooks.py --warm-only

Every notebook found under PATH (files or folders) runs in a fresh evcxr context: no
variables, no items, a new process running its cells, execution counts from 1. Up to
--jobs kernels run at the same time (default: AI4MED_JOBS, else 2 on a machine with
at least 2 cores and 12 GiB of memory, else 1), and each is reused from notebook to
notebook with evcxr's `:clear` in between (see Worker; --fresh-kernels starts a new
kernel for every notebook instead). Each running kernel holds its own evcxr build slot
(tools/ai4med-kernel); exercise notebooks get their own TMPDIR; before the run, slot 0 is warmed (the crate
compiled for this clone) and copied to the other slots, so no slot compiles the crate
again. Notebooks start longest first (times of earlier runs, kept in
$AI4MED_CACHE/notebook-times.json), which keeps the two kernels busy to the end.

Every kernel of a run shares one new, empty trained-model cache (AI4MED_MODEL_CACHE, see
ai4med::torch::fit_cache): a network trained by one notebook is loaded, bit for bit the
same, by any later notebook that trains it with the same data, settings and initial
weights (a solution and its exercise copy, two Grad-CAM labs). Each run still trains each
distinct model once; the folder is removed at the end. So that a notebook finds such a
model ready rather than waiting for it, an exercise copy starts only after its solution has
finished, and a notebook whose metadata has `"ai4med": {"run_after": [PATH, ...]}` only
after those notebooks (while any other notebook can run instead).

For each notebook it writes the executed copy as .ipynb and .html under --out
(mirroring the path) and prints one line as it finishes: i of N, time, cells,
status, elapsed and an estimate of the time left. At the end it lists the five
slowest notebooks and the five slowest cells.

Solutions mode (default): any cell error, any stderr line (the library's progress lines
go to stdout), a cell showing a bare `()` or a result as plain Debug text instead of
HTML, and any failed graded case fails the notebook (kernels run with
AI4MED_GRADE=strict: ai4med::course::grade writes a failed report to stderr, and the log shows
its failed cases). Exercises mode (--exercises, or the notebooks under
--exercises-from; AI4MED_GRADE=practice): cell errors and failed graded cases are
expected (todo!() bodies) and counted, but the kernel must survive the whole notebook,
every cell must have run, and no graded cell may pass (an unfinished exercise that passes
its grader means the grader cannot fail). A cell that fails only because an unfinished
exercise above left its variables undefined shows one "not run: …" line instead of one
compiler error per missing name (collapse_unfinished_cascades). Submissions mode
(--submissions, used by `make grade`) is exercises mode where a passing graded cell is
what the learner hoped for, not an error.

Exits non-zero if any notebook fails. The last line of each group reads
"notebooks: N passed, M failed" (or "exercises: ...").
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbconvert import HTMLExporter

KERNEL = "ai4med"
ROOT = Path(__file__).resolve().parent.parent
# The kernel preloads the ai4med crate of this clone (tools/ai4med-kernel reads it).
os.environ.setdefault("AI4MED_ROOT", str(ROOT))
CACHE = Path(os.environ.get("AI4MED_CACHE", Path.home() / ".cache" / "ai4med"))
EVCXR = CACHE / "evcxr"
TIMES = CACHE / "notebook-times.json"
MAX_SLOTS = 8  # tools/ai4med-kernel has 8 slots


def find_notebooks(paths):
    found = []
    for p in map(Path, paths):
        if p.is_file() and p.suffix == ".ipynb":
            found.append(p)
        elif p.is_dir():
            found.extend(q for q in p.rglob("*.ipynb") if ".ipynb_checkpoints" not in q.parts)
    return sorted(set(found))


def slot_dir(i: int) -> Path:
    return EVCXR / f"slot-{i}"


def cold_build() -> bool:
    return not (slot_dir(0) / "build" / "target").exists()


def announce_cold():
    if cold_build():
        print(
            "[ai4med] First run: the kernel compiles the ai4med crate and its dependencies "
            "(polars, plotters, tch, rust-bert) once. This takes about 5 minutes on 2 cores; "
            "later kernels start in seconds.",
            flush=True,
        )


def default_jobs() -> int:
    env = os.environ.get("AI4MED_JOBS")
    if env:
        return max(1, min(MAX_SLOTS, int(env)))
    cores = os.cpu_count() or 1
    try:
        mem_kb = next(int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal:"))
    except (OSError, StopIteration, ValueError):
        mem_kb = 0
    # Two kernels overlap one's compiling with the other's running; the heavy training
    # notebooks peak at a few GiB each, so 12 GiB holds two with room to spare.
    return 2 if cores >= 2 and mem_kb >= 12 * 1024 * 1024 else 1


def first_error(nb):
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                text = " ".join([out.get("ename", ""), out.get("evalue", "")]).strip()
                return text.splitlines()[0] if text else "error"
    return None


# Lines a cell may print to stderr without failing: progress reports such as
# "random forest: 150/300 trees" (ai4med::display::Progress).
GRADE_FAILED = "ai4med::course::grade FAILED"


def stderr_problem(nb, check_results: bool = True):
    """The first stderr line of a solution notebook, or a result that reads badly. evcxr
    prints the error of a cell ending in `?` to stderr instead of raising, so this is how
    such errors show; the library's progress and training lines go to stdout, so anything on
    stderr is a pink box a learner would take for an error.
    A failed graded cell (ai4med::course::grade under AI4MED_GRADE=strict) returns its whole
    report, so the log shows each failed case with what was expected and what came."""
    for i, cell in enumerate(nb.cells):
        if "raises-exception" in cell.get("metadata", {}).get("tags", []):
            continue  # a cell meant to fail (nbclient's tag), e.g. one showing a panic
        # evcxr may split one cell's stderr over several stream outputs
        text = "".join(
            out.get("text", "")
            for out in cell.get("outputs", [])
            if out.get("output_type") == "stream" and out.get("name") == "stderr"
        )
        lines = text.splitlines()
        for k, line in enumerate(lines):
            if line.startswith(GRADE_FAILED):
                report = [line] + [ln.strip() for ln in lines[k + 1 :] if ln.startswith("  case ")]
                return f"cell {i}: " + "\n      ".join(report)
            if line.strip():
                return f"cell {i} wrote to stderr: {line.strip()[:200]}"
        problem = result_problem(cell) if check_results else None
        if problem:
            return f"cell {i}: {problem}"
    return None


# A struct's Debug text (`KaplanMeier { times: [...`, `Report(...)`): the cell's result type
# rendered as plain text instead of its HTML.
DEBUG_TEXT = re.compile(r"^(?!(?:Some|Ok|Err)\()[A-Z][A-Za-z0-9_]*(?:<[^>]*>)?\s*[{(]")


# A figure's text naming a feature by position (`x0`, `x11 (±0.004)`): the default names of a
# matrix without column names.
UNNAMED_FEATURE = re.compile(r"<text[^>]*>\s*(x\d+)(?: \([^<]*\))?\s*</text>")


def result_problem(cell):
    """A cell result a learner should not see: a bare `()` (a cell that ends in a call
    returning nothing, which evcxr prints), a value of one of our result types shown as
    its Debug text because no HTML came with it, or a figure naming features x0, x1, …"""
    for out in cell.get("outputs", []):
        if out.get("output_type") != "execute_result":
            continue
        data = out.get("data", {})
        text = data.get("text/plain", "")
        text = "".join(text) if isinstance(text, list) else text
        if text.strip() == "()":
            return "the cell shows a bare `()`; end it with `;` or a value"
        svg = data.get("image/svg+xml", "")
        svg = "".join(svg) if isinstance(svg, list) else svg
        unnamed = UNNAMED_FEATURE.search(svg)
        if unnamed:
            return f"a figure labels a feature {unnamed.group(1)!r}: its names were lost (pass the DataFrame, not its matrix)"
        rich = any(k in data for k in ("text/html", "image/png", "image/svg+xml", "text/markdown"))
        if not rich and DEBUG_TEXT.match(text.strip()):
            return f"a result shows as plain Debug text, not HTML: {text.strip()[:80]}"
        if not rich and text.strip().count("\n") >= 2:
            # A table or frame as text: evcxr tries `(last expression).evcxr_display()` and
            # falls back to text when that does not compile, e.g. when the expression moves
            # a variable the notebook keeps (`t.caption(..)` on a `let t` of the cell).
            first = text.strip().splitlines()[0][:60]
            return (f"a table shows as plain text, not HTML ({first!r}): end the cell with a block "
                    "that owns the value, or clone a notebook variable the last expression moves")
    return None


# A grader's summary is the text of one HTML element: "<p …>name: 2 of 5 tests failed</p>".
# Anchored at the '>' before it so that a match attempt scans one element's text at most:
# an unanchored `[^<>\n]+:` retried from every position of a long base64 image (an
# <img src="data:…"> of several MB) took minutes of CPU per notebook.
GRADE_SUMMARY = re.compile(r">([^<>\n]*): (all \d+ tests passed|\d+ of \d+ tests failed|no test cases)<")


def grader_counts(nb):
    """(graded cells whose report passed, graded cells with a report) in an executed notebook.
    A graded cell that did not show a report at all (it failed to compile) counts in neither."""
    passed = total = 0
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            html = out.get("data", {}).get("text/html", "") if "data" in out else ""
            html = "".join(html) if isinstance(html, list) else html
            for _name, verdict in GRADE_SUMMARY.findall(html):
                total += 1
                passed += verdict.startswith("all ")
    return passed, total


def passing_graders(nb):
    """Names of the graded cells whose report passed."""
    names = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            html = out.get("data", {}).get("text/html", "") if "data" in out else ""
            html = "".join(html) if isinstance(html, list) else html
            names += [n for n, verdict in GRADE_SUMMARY.findall(html) if verdict.startswith("all ")]
    return names


def failed_graders(nb) -> int:
    """How many graded cells of an exercise run show a failed report (expected there)."""
    passed, total = grader_counts(nb)
    return total - passed


UNFINISHED = re.compile(r"`(\w+)` is not written yet")
MISSING = re.compile(r"^cannot find (?:value|type|function|struct|macro) `(\w+)` in this scope$")


def collapse_unfinished_cascades(nb) -> int:
    """In an exercise run, a cell that calls an unfinished function stops with one line
    ("`f` is not written yet", from the library's panic hook) and evcxr keeps none of that
    cell's variables; every later cell using them then fails to compile with one
    "cannot find value `x`" error per use. For each later cell whose only errors are such
    missing names, the errors are replaced by one line naming what it needs and which
    unfinished function is the cause. Cells with any other error keep it. Returns how many
    cells were collapsed. Only exercise runs do this; a learner running the notebook in
    Jupyter stops at the first error anyway."""
    cause = None  # (cell index, function) of the latest unfinished call
    collapsed = 0
    for i, cell in enumerate(nb.cells):
        outs = cell.get("outputs", [])
        for out in outs:
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                m = UNFINISHED.search("".join(out.get("text", "")))
                if m:
                    cause = (i, m.group(1))
        errors = [o for o in outs if o.get("output_type") == "error"]
        if cause is None or not errors:
            continue
        names = [MISSING.match(str(o.get("evalue", "")).strip()) for o in errors]
        if not all(names):
            continue
        needed = ", ".join(f"`{n}`" for n in dict.fromkeys(m.group(1) for m in names))
        note = nbformat.v4.new_output(
            "stream",
            name="stdout",
            text=f"not run: it needs {needed}, missing because an exercise above is unfinished (`{cause[1]}`, cell {cause[0]})\n",
        )
        cell["outputs"] = [o for o in outs if o.get("output_type") != "error"] + [note]
        collapsed += 1
    return collapsed


def grade_mode(exercises: bool) -> str:
    """AI4MED_GRADE for a notebook: solutions fail on any failed graded case, exercise
    copies (todo!() bodies) only show them (ai4med::course::grade::GradeMode)."""
    return "practice" if exercises else "strict"


def _stamp(value):
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def cell_times(nb):
    """(cell index, seconds) for every executed code cell, from nbclient's timing
    metadata (busy → reply: what the cell cost, compile included)."""
    out = []
    for i, cell in enumerate(nb.cells):
        ex = cell.get("metadata", {}).get("execution", {})
        t0, t1 = _stamp(ex.get("iopub.status.busy")), _stamp(ex.get("shell.execute_reply"))
        if t0 is not None and t1 is not None:
            out.append((i, max(0.0, t1 - t0)))
    return out


def kernel_dep_line() -> str:
    """The `:dep` line of the kernel's init file (tools/ai4med-kernel writes the same one):
    `:clear` forgets dependencies, so a reused kernel is given it again."""
    root = os.environ["AI4MED_ROOT"]
    features = os.environ.get("AI4MED_KERNEL_FEATURES", "torch")
    feat = ""
    if features:
        feat = ", features = [" + ", ".join(f'"{f}"' for f in features.split(",")) + "]"
    return f':dep ai4med = {{ path = "{root}"{feat} }}'


def uses_kernel_commands(nb) -> bool:
    """Whether a notebook changes evcxr's settings (`:opt`, `:dep`, ...): those survive
    `:clear`, so such a notebook gets a kernel of its own."""
    for cell in nb.cells:
        if cell.cell_type == "code" and any(l.lstrip().startswith(":") for l in cell.source.splitlines()):
            return True
    return False


def result_offset(nb):
    """How far above its cell's count the kernel numbered the first execute_result, or
    None. nbclient numbers the cells itself (1, 2, ...); evcxr numbers results with its
    own counter, which on a new kernel runs one ahead of the cells (evcxr 0.22: offset 1)
    and on a reused kernel has run on through earlier notebooks."""
    for cell in nb.cells:
        if cell.cell_type != "code" or cell.get("execution_count") is None:
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "execute_result" and out.get("execution_count") is not None:
                return out["execution_count"] - cell.execution_count
    return None


def renumber(nb, fresh_offset: int):
    """Result counts as a new kernel gives them: cell count + `fresh_offset` (the offset
    measured on this worker's new kernel; see result_offset)."""
    for cell in nb.cells:
        if cell.cell_type != "code" or cell.get("execution_count") is None:
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "execute_result" and out.get("execution_count") is not None:
                out["execution_count"] = cell.execution_count + fresh_offset


def drop_cell_libraries(build) -> None:
    """Deletes evcxr's compiled cells (`libcode_N.so`, 10–90 MB each) in a build folder;
    evcxr never removes them (see Worker._drop_cell_libraries)."""
    for so in Path(build, "target").glob("*/debug/libcode_*.so"):
        try:
            so.unlink()
        except OSError:
            pass


def process_tree(pid: int) -> list:
    """`pid` and all its descendants (from /proc), for a kernel's memory use."""
    seen, stack = [], [pid]
    while stack:
        p = stack.pop()
        seen.append(p)
        try:
            for t in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{t}/children") as f:
                    stack += [int(c) for c in f.read().split()]
        except (OSError, ValueError):
            pass
    return seen


def tree_rss(pid: int) -> int:
    """Resident memory of a process and its descendants, in bytes."""
    page = os.sysconf("SC_PAGE_SIZE")
    total = 0
    for p in process_tree(pid):
        try:
            with open(f"/proc/{p}/statm") as f:
                total += int(f.read().split()[1]) * page
        except (OSError, ValueError, IndexError):
            pass
    return total


def tree_cpu_ticks(pid: int) -> int:
    """CPU time (clock ticks) a process tree has used: user and system time of each process
    and of its children that have exited (a finished rustc counts through cargo)."""
    total = 0
    for p in process_tree(pid):
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += sum(int(v) for v in fields[11:15])  # utime stime cutime cstime
        except (OSError, ValueError, IndexError):
            pass
    return total


def waits_on_file_lock(pid: int) -> bool:
    """Whether a thread of the tree sleeps in a file lock: a kernel waiting for another
    kernel to finish training the same model (the model cache's lock) is idle, not hung."""
    for p in process_tree(pid):
        try:
            for t in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{t}/wchan") as f:
                    w = f.read()
                if "lock_inode_wait" in w or "flock" in w or w.startswith("locks_"):
                    return True
        except OSError:
            pass
    return False


# A kernel whose whole process tree uses no CPU for this long while a notebook runs is hung
# (seen once: evcxr's parent waiting on its child's pipe while the child waited for code;
# environment.md). Notebook cells compute; none waits minutes on anything but the CPU.
IDLE_KERNEL_S = float(os.environ.get("AI4MED_IDLE_KERNEL_S", "300"))


class MemoryWatch(threading.Thread):
    """Measures the resident memory of a kernel's process tree every second until `done` is set
    (`peak`: the kernel, the process running its cells, rust-analyzer and any rustc it started)
    and, when `limit` is above 0, kills a kernel over it: the notebook then ends as "kernel
    died", and the limit is named in its status. `make grade` sets a limit so one learner's
    runaway allocation cannot take the machine down. It also kills a kernel whose tree used
    no CPU for `idle` seconds (`idle_tripped`, a hung kernel; 0 turns this off) unless it
    waits on a file lock (the model cache): the worker then runs the notebook once more on
    a fresh kernel."""

    def __init__(self, pid_of, limit: int, idle: float = IDLE_KERNEL_S):
        super().__init__(daemon=True)
        self.pid_of, self.limit, self.idle = pid_of, limit, idle
        self.tripped = 0
        self.idle_tripped = 0.0
        self.peak = 0
        self.done = threading.Event()

    def _kill(self, pid: int):
        import signal

        for p in reversed(process_tree(pid)):
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass

    def run(self):
        last_ticks, since = None, time.monotonic()
        while not self.done.wait(1.0):
            pid = self.pid_of()
            if not pid:
                continue
            used = tree_rss(pid)
            self.peak = max(self.peak, used)
            if self.limit and used > self.limit:
                self.tripped = used
                self._kill(pid)
                return
            if self.idle > 0:
                ticks = tree_cpu_ticks(pid)
                now = time.monotonic()
                if ticks != last_ticks or waits_on_file_lock(pid):
                    last_ticks, since = ticks, now
                elif now - since >= self.idle:
                    self.idle_tripped = now - since
                    self._kill(pid)
                    return


def kernel_pid(km):
    prov = getattr(km, "provisioner", None) if km is not None else None
    return getattr(prov, "pid", None) if prov is not None else None


class Worker:
    """One kernel, kept across notebooks.

    Starting an evcxr kernel costs ~17 s and its first cell that binds a variable ~10 s
    (rust-analyzer loading and resolving the dependency graph; environment.md, "Where a
    notebook's time goes"). Between two notebooks the worker sends `:clear`, which discards
    every variable and item and restarts the process that runs the cells (fresh statics,
    fresh libtorch state), keeps rust-analyzer's tables, and then gives the `:dep` back and
    moves to the notebook's folder. A kernel that died or timed out is replaced; a notebook
    with evcxr commands of its own gets a new kernel. Solutions see the usual TMPDIR,
    exercise copies `<tmp>/ai4med-exercises`, so a solution and its exercise copy running
    side by side never share the fixed temp file names notebooks use."""

    def __init__(self, reuse: bool, memory_limit_gb: float = 0.0):
        import tempfile

        from jupyter_client.manager import AsyncKernelManager

        self.reuse = reuse
        self.memory_limit = int(memory_limit_gb * 2**30)
        self.km_class = AsyncKernelManager
        self.km = None
        # Solutions see the usual temp folder (their printed paths stay as they were);
        # exercise copies get one of their own, so a solution and its exercise copy running
        # side by side never share the fixed file names notebooks write there.
        self.tmp = tempfile.gettempdir()
        self.exercise_tmp = os.path.join(self.tmp, "ai4med-exercises")
        os.makedirs(self.exercise_tmp, exist_ok=True)
        self.fresh_offset = 1  # evcxr 0.22's, until a notebook on a new kernel shows its own

    def shutdown(self):
        if self.km is not None:
            try:
                from jupyter_core.utils import run_sync

                run_sync(self.km.shutdown_kernel)(now=True)
            except Exception:
                pass
            self.km = None

    def close(self):
        build = self._build_dir() if self._alive() else None
        self.shutdown()
        if build is not None:  # the last notebook's compiled cells: nothing loads them now
            drop_cell_libraries(build)

    def _alive(self) -> bool:
        if self.km is None or not self.km.has_kernel:
            return False
        try:
            from jupyter_core.utils import run_sync

            return bool(run_sync(self.km.is_alive)())
        except Exception:
            return False

    def _reset(self, nb_dir: Path, tmp: str, grade: str, cell_timeout: int) -> bool:
        """Clears the reused kernel for the next notebook; False if that failed."""
        cwd = json.dumps(str(nb_dir))
        tmpdir = json.dumps(tmp)
        mode = json.dumps(grade)
        reset = nbformat.v4.new_notebook(
            cells=[
                nbformat.v4.new_code_cell(":clear"),
                nbformat.v4.new_code_cell(kernel_dep_line()),
                # The process that runs the cells was just restarted: give it the notebook's
                # folder, temp folder and grading mode (Rust 2024 marks set_var unsafe;
                # nothing else runs).
                nbformat.v4.new_code_cell(
                    f"std::env::set_current_dir({cwd}).unwrap(); unsafe {{ std::env::set_var(\"TMPDIR\", {tmpdir}); "
                    f"std::env::set_var(\"AI4MED_GRADE\", {mode}); }};"
                ),
            ]
        )
        client = NotebookClient(reset, km=self.km, kernel_name=KERNEL, timeout=cell_timeout)
        try:
            client.execute()
            # Only errors count here: the reset's own results are nobody's view.
            ok = first_error(reset) is None and stderr_problem(reset, check_results=False) is None
            if ok:
                self._drop_cell_libraries()
            return ok
        except Exception:
            return False
        finally:
            if client.kc is not None:
                client.kc.stop_channels()

    def _build_dir(self) -> str | None:
        """The kernel's evcxr build folder (its build slot), read from its environment."""
        try:
            pid = self.km.provisioner.process.pid  # tools/ai4med-kernel execs evcxr: same pid
            env = open(f"/proc/{pid}/environ", "rb").read().split(b"\0")
            return next(e.split(b"=", 1)[1].decode() for e in env if e.startswith(b"EVCXR_TMPDIR="))
        except Exception:
            return None

    def _drop_cell_libraries(self):
        """Deletes the compiled cells of earlier notebooks. evcxr writes every cell as
        `libcode_N.so` (10–90 MB: each links the Rust code it uses statically) and never
        removes them; a new kernel starts again at N = 1 and overwrites them, a reused one
        counts on, so without this a suite run leaves tens of GB in each build slot. After
        `:clear` the process that loaded them is gone, so none is in use."""
        build = self._build_dir()
        if build is not None:
            drop_cell_libraries(build)

    def run(self, path: str, rel: str, out_dir: str | None, exercises: bool, cell_timeout: int, notebook_timeout: float = 0.0, retried: bool = False):
        path = Path(path)
        nb = nbformat.read(path, as_version=4)
        n_code = sum(1 for c in nb.cells if c.cell_type == "code")
        graded = (0, 0)
        t0 = time.monotonic()
        own = uses_kernel_commands(nb) or not self.reuse
        tmp = self.exercise_tmp if exercises else self.tmp
        grade = grade_mode(exercises)
        if self._alive() and (own or not self._reset(path.parent.resolve(), tmp, grade, cell_timeout)):
            self.shutdown()
        elif not self._alive():
            self.shutdown()
        new_kernel = self.km is None
        if new_kernel:
            self.km = self.km_class(kernel_name=KERNEL)
        client = NotebookClient(
            nb,
            km=self.km,
            kernel_name=KERNEL,
            timeout=cell_timeout,
            startup_timeout=3600,
            allow_errors=exercises,
            record_timing=True,
            resources={"metadata": {"path": str(path.parent.resolve())}},
        )
        if notebook_timeout:
            # A limit on the whole notebook (make grade): each cell gets what is left of it.
            deadline = [None]

            def cell_limit(cell):
                if deadline[0] is None:  # starts with the first cell, after the kernel is up
                    deadline[0] = time.monotonic() + notebook_timeout
                return max(1, min(cell_timeout, int(deadline[0] - time.monotonic())))

            client.timeout_func = cell_limit
        status, detail = "ok", ""
        # Always measured (the peak goes into the notebook's line); killed only over a limit.
        watch = MemoryWatch(lambda: kernel_pid(self.km), self.memory_limit)
        watch.start()
        try:
            client.execute(cwd=str(path.parent.resolve()), env={**os.environ, "TMPDIR": tmp, "AI4MED_GRADE": grade})
        except DeadKernelError as e:
            status, detail = "kernel died", str(e).splitlines()[0] if str(e) else ""
            if watch.idle_tripped:
                detail = f"hung kernel: no CPU used for {watch.idle_tripped:.0f} s (AI4MED_IDLE_KERNEL_S), killed"
            if watch.tripped:
                detail = f"memory ceiling: the kernel held {watch.tripped / 2**30:.1f} GiB, over the {self.memory_limit / 2**30:g} GiB allowed"
        except CellTimeoutError as e:
            status, detail = "timeout", str(e).splitlines()[0] if str(e) else ""
        except CellExecutionError:
            status, detail = "error", first_error(nb) or ""
        except Exception as e:  # kernel failed to start, missing kernelspec, ...
            status, detail = "failed", f"{type(e).__name__}: {e}".splitlines()[0]
        finally:
            watch.done.set()
            if client.kc is not None:
                client.kc.stop_channels()
        elapsed = time.monotonic() - t0
        if status != "ok" or own:
            self.shutdown()  # never hand a broken or reconfigured kernel to the next notebook
        if watch.idle_tripped and not retried:
            # A hung kernel is the kernel's fault, not the notebook's: once more on a fresh one.
            print(f"[ai4med] {rel}: {detail}; running it again on a fresh kernel", flush=True)
            r = self.run(str(path), rel, out_dir, exercises, cell_timeout, notebook_timeout, retried=True)
            r["elapsed"] += elapsed
            if r["status"] == "ok":
                r["detail"] = "; ".join(d for d in [r["detail"], f"passed on a fresh kernel after a hung one ({elapsed:.0f} s lost)"] if d)
            return r
        if new_kernel:
            offset = result_offset(nb)
            if offset is not None:
                self.fresh_offset = offset
        else:
            renumber(nb, self.fresh_offset)
        if status == "ok" and not exercises:
            problem = stderr_problem(nb)
            if problem:
                status, detail = "error", problem
        if status == "ok" and exercises:
            unrun = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.get("execution_count") is None]
            if unrun:
                status, detail = "incomplete", f"cells not run: {unrun[:5]}"
            else:
                notes = []
                collapsed = collapse_unfinished_cascades(nb)
                if first_error(nb):
                    notes.append("expected errors in unfinished exercises")
                if collapsed:
                    notes.append(f"{collapsed} cell(s) not run for want of an unfinished exercise's values")
                passed, total = grader_counts(nb)
                graded = (passed, total)
                if total:
                    notes.append(f"graded functions passing: {passed} of {total}")
                detail = "; ".join(notes)
                # A generated exercise is unfinished by construction: a grader that passes on
                # its stub cannot tell a learner's answer from none.
                lenient = passing_graders(nb)
                if lenient and not os.environ.get("AI4MED_RUN_SUBMISSIONS"):
                    status, detail = "error", f"graded cell(s) pass on the unfinished exercise: {', '.join(lenient)}"
        if out_dir is not None:
            target = Path(out_dir) / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, target)
            html, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
            target.with_suffix(".html").write_text(html, encoding="utf-8")
        return {"status": status, "detail": detail, "elapsed": elapsed, "cells": n_code, "cell_times": cell_times(nb), "graded": graded,
                "peak_bytes": watch.peak}


def worker_main(tasks, results, reuse: bool, memory_limit_gb: float = 0.0):
    """A worker process: runs the notebooks it is handed on its own kernel until None."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    w = Worker(reuse, memory_limit_gb)
    try:
        while True:
            task = tasks.get()
            if task is None:
                break
            key, args = task
            try:
                r = w.run(*args)
            except Exception as e:
                w.shutdown()
                r = {"status": "failed", "detail": f"{type(e).__name__}: {e}".splitlines()[0], "elapsed": 0.0, "cells": 0, "cell_times": []}
            results.put((key, r))
    finally:
        w.close()


def warm():
    announce_cold()
    t0 = time.monotonic()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("use ai4med::prelude::*;")])
    NotebookClient(nb, kernel_name=KERNEL, timeout=3600, startup_timeout=3600).execute()
    print(f"[ai4med] kernel warm ({time.monotonic() - t0:.1f} s)", flush=True)


def seed_slots(jobs: int):
    """Copies slot 0's build folder (just warmed for this clone) to slots 1..jobs-1
    whose copy is older, so a second kernel never compiles the crate again. A slot
    whose lock is held (a kernel is running in it) is left alone."""
    import fcntl

    src = slot_dir(0) / "build"
    stamp_file = src / ".ai4med-warmed"
    if not stamp_file.exists():
        return
    want = stamp_file.read_text()
    for i in range(1, jobs):
        d = slot_dir(i)
        d.mkdir(parents=True, exist_ok=True)
        dst = d / "build"
        have = (dst / ".ai4med-warmed").read_text() if (dst / ".ai4med-warmed").exists() else None
        if have == want:
            continue
        with open(d / "lock", "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue
            t0 = time.monotonic()
            tmp = d / "build.seeding"
            shutil.rmtree(tmp, ignore_errors=True)
            subprocess.run(["cp", "-a", "--reflink=auto", str(src), str(tmp)], check=True)
            shutil.rmtree(dst, ignore_errors=True)
            tmp.rename(dst)
            # The launcher's record of which clone the slot last built (it warns when that
            # changes): the copy now holds slot 0's.
            if (slot_dir(0) / "root").exists():
                shutil.copyfile(slot_dir(0) / "root", d / "root")
            print(f"[ai4med] build slot {i} seeded from slot 0 ({time.monotonic() - t0:.1f} s)", flush=True)


def source_stamp() -> str:
    """What a warm slot was built from: the clone, the kernel's features, and the size
    and modification time of every file cargo looks at (sources, manifest, lock file).
    Two slots with the same stamp hold the same build."""
    import hashlib

    root = Path(os.environ["AI4MED_ROOT"])
    h = hashlib.sha256(f"{root}|{os.environ.get('AI4MED_KERNEL_FEATURES', 'torch')}".encode())
    files = [root / "Cargo.toml", root / "Cargo.lock", *sorted((root / "src").rglob("*"))]
    for f in files:
        try:
            st = f.stat()
        except OSError:
            continue
        h.update(f"{f}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return h.hexdigest() + "\n"


def warm_and_seed(jobs: int):
    """Warms slot 0 for this clone (compiles the crate if it changed), marks it with a
    stamp of what was built, then seeds the other slots from it."""
    import fcntl

    slot_dir(0).mkdir(parents=True, exist_ok=True)
    # Hold slot 0's lock while warming? No: the warming kernel takes slot 0 itself. Make
    # sure nothing else holds it, so the warming kernel lands there.
    with open(slot_dir(0) / "lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            print("[ai4med] build slot 0 is in use by another kernel; not seeding other slots", flush=True)
            return
    t0 = time.monotonic()
    warm()
    build = slot_dir(0) / "build"
    # Compiled cells left by earlier kernels are never loaded again; drop them before the
    # folder is copied to other slots (see Worker._drop_cell_libraries).
    with open(slot_dir(0) / "lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            drop_cell_libraries(build)
        except OSError:
            pass
    if build.exists():
        (build / ".ai4med-warmed").write_text(source_stamp())
    if jobs > 1:
        seed_slots(jobs)
    print(f"[ai4med] ready to run with {jobs} kernel(s) at a time ({time.monotonic() - t0:.1f} s)", flush=True)


def load_times():
    """Earlier run times: this machine's ($AI4MED_CACHE/notebook-times.json) over the ones
    committed in tools/notebook-times.json (a measured run on the CI machine kind), so a
    fresh cache still starts the long notebooks first."""
    times = {}
    for f in (ROOT / "tools" / "notebook-times.json", TIMES):
        try:
            times.update(json.loads(f.read_text()))
        except (OSError, ValueError):
            pass
    return times


def save_times(times):
    try:
        TIMES.parent.mkdir(parents=True, exist_ok=True)
        tmp = TIMES.with_suffix(".tmp")
        tmp.write_text(json.dumps(times, indent=1, sort_keys=True))
        tmp.replace(TIMES)
    except OSError:
        pass


def fmt_min(s: float) -> str:
    s = int(round(s))
    return f"{s // 60}:{s % 60:02d}"


def relative(nb: Path, group_root: Path) -> str:
    try:
        return str(nb.resolve().relative_to(group_root.resolve()))
    except ValueError:
        return nb.name


def group(paths, out, exercises):
    notebooks = find_notebooks(paths)
    common = Path(os.path.commonpath([str(Path(p).resolve()) for p in paths])) if paths else Path(".")
    root = common if common.is_dir() else common.parent
    return [
        {"path": nb, "rel": relative(nb, root), "out": str(out) if out else None, "exercises": exercises}
        for nb in notebooks
    ]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="*")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--exercises", action="store_true")
    ap.add_argument("--exercises-from", type=Path, default=None, help="also run the exercise notebooks under DIR, in exercises mode")
    ap.add_argument("--exercises-out", type=Path, default=None)
    ap.add_argument("--jobs", type=int, default=None, help="kernels at a time (default: AI4MED_JOBS or 2 on 2+ cores)")
    ap.add_argument("--cell-timeout", type=int, default=1800)
    ap.add_argument("--notebook-timeout", type=float, default=0.0, help="seconds for all the cells of one notebook together (0: no limit beyond --cell-timeout)")
    ap.add_argument("--warm-only", action="store_true")
    ap.add_argument("--fresh-kernels", action="store_true", help="start a new kernel for every notebook instead of clearing a reused one")
    ap.add_argument("--submissions", action="store_true", help="learners' notebooks for make grade: exercises mode, where passing graded cells are what is hoped for")
    ap.add_argument("--memory-limit-gb", type=float, default=0.0, help="kill a kernel whose processes hold more memory than this (0: no limit)")
    args = ap.parse_args()
    if args.submissions:
        args.exercises = True
        os.environ["AI4MED_RUN_SUBMISSIONS"] = "1"  # read by the workers, which inherit it
    if args.warm_only:
        warm()
        return 0
    jobs = max(1, min(MAX_SLOTS, args.jobs or default_jobs()))
    work = group(args.paths, args.out, args.exercises) if args.paths else []
    if args.exercises_from is not None:
        work += group([args.exercises_from], args.exercises_out, True)
    if not work:
        print("notebooks: no notebooks found under " + " ".join(map(str, args.paths)))
        return 1
    times = load_times()

    def key(w):
        return ("exercise:" if w["exercises"] else "") + w["rel"]

    def estimate(w):
        t = times.get(key(w))
        if t is None and w["exercises"]:
            t = times.get(w["rel"])  # an exercise copy costs about what its solution does
        if t is None:
            nb = nbformat.read(w["path"], as_version=4)
            t = 15 + 3 * sum(1 for c in nb.cells if c.cell_type == "code")
        return float(t)

    for w in work:
        w["estimate"] = estimate(w)
    # Longest first: the two kernels then finish close together.
    order = sorted(work, key=lambda w: -w["estimate"])
    set_dependencies(order)

    warm_and_seed(jobs)
    import tempfile

    model_cache = tempfile.mkdtemp(prefix="ai4med-model-cache-")
    os.environ["AI4MED_MODEL_CACHE"] = model_cache  # inherited by every kernel started below
    try:
        return run_all(order, jobs, args, times, key)
    finally:
        shutil.rmtree(model_cache, ignore_errors=True)


def set_dependencies(order):
    """Sets w["after"], the indices into `order` of the notebooks that should finish before w
    starts, so that w finds their trained models in the run's model cache instead of waiting
    for them (a kernel waiting on a model another kernel is training leaves a core idle):
    an exercise copy comes after its solution, and a notebook whose metadata lists
    `ai4med.run_after` (paths relative to its folder) after those notebooks."""
    index = {(w["exercises"], Path(w["path"]).resolve()): i for i, w in enumerate(order)}
    solution_by_rel = {w["rel"]: i for i, w in enumerate(order) if not w["exercises"]}
    for w in order:
        after = set()
        if w["exercises"] and w["rel"] in solution_by_rel:
            after.add(solution_by_rel[w["rel"]])
        try:
            meta = nbformat.read(w["path"], as_version=4).metadata.get("ai4med", {})
        except Exception:
            meta = {}
        for rel in meta.get("run_after", []):
            j = index.get((w["exercises"], (Path(w["path"]).parent / rel).resolve()))
            if j is not None:
                after.add(j)
        w["after"] = after


def next_task(pending, finished, order):
    """The first pending notebook (longest first) whose dependencies have finished; when none
    has, the first pending one (it may wait on a model in training, but the run goes on)."""
    for j, i in enumerate(pending):
        if order[i]["after"] <= finished:
            return pending.pop(j)
    return pending.pop(0) if pending else None


def run_all(order, jobs, args, times, key):
    n = len(order)
    results = {}
    t_all = time.monotonic()
    remaining = sum(w["estimate"] for w in order)
    done = 0
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    tasks, done_q = ctx.Queue(), ctx.Queue()
    pending, finished = list(range(n)), set()

    def hand_out():
        """One item for the one idle worker: a notebook, or None to stop it."""
        i = next_task(pending, finished, order)
        if i is None:
            tasks.put(None)
        else:
            w = order[i]
            tasks.put((i, (str(w["path"]), w["rel"], w["out"], w["exercises"], args.cell_timeout, args.notebook_timeout)))

    for _ in range(jobs):
        hand_out()
    procs = [ctx.Process(target=worker_main, args=(tasks, done_q, not args.fresh_kernels, args.memory_limit_gb)) for _ in range(jobs)]
    for p in procs:
        p.start()
    try:
        while done < n:
            try:
                i, r = done_q.get(timeout=30)
            except Exception:
                if not any(p.is_alive() for p in procs):
                    break  # every worker is gone: the rest never ran
                continue
            w = order[i]
            results[i] = (w, r)
            finished.add(i)
            hand_out()
            done += 1
            remaining -= w["estimate"]
            if r["status"] == "ok":
                times[key(w)] = round(r["elapsed"], 1)
            elapsed = time.monotonic() - t_all
            left = max(0.0, remaining) / jobs
            line = (
                f"[{done:>2}/{n}] {r['elapsed']:7.1f} s  {r['cells']:3d} cells  {r['status']:<11} "
                f"{'exercise ' if w['exercises'] and args.exercises_from else ''}{w['path']}"
            )
            if r["detail"]:
                line += f"  ({r['detail']})"
            if r.get("peak_bytes"):
                line += f"  [kernel peak {r['peak_bytes'] / 2**30:.1f} GiB]"
            line += f"  [elapsed {fmt_min(elapsed)}, ~{fmt_min(left)} left]"
            print(line, flush=True)
    finally:
        for p in procs:
            p.join(timeout=120)
            if p.is_alive():
                p.terminate()
    for i, w in enumerate(order):
        if i not in results:
            results[i] = (w, {"status": "failed", "detail": "not run (worker died)", "elapsed": 0.0, "cells": 0, "cell_times": []})
            print(f"[--/{n}]     0.0 s             failed      {w['path']}  (not run: worker died)", flush=True)
    total = time.monotonic() - t_all
    save_times(times)

    all_results = list(results.values())
    print(f"[ai4med] {n} notebook(s) in {total:.1f} s with {jobs} kernel(s) at a time")
    print("[ai4med] slowest notebooks:")
    for w, r in sorted(all_results, key=lambda x: -x[1]["elapsed"])[:5]:
        print(f"  {r['elapsed']:7.1f} s  {w['path']}")
    print("[ai4med] slowest cells:")
    cells = [(t, i, w["path"]) for w, r in all_results for i, t in r["cell_times"]]
    for t, i, p in sorted(cells, key=lambda x: -x[0])[:5]:
        print(f"  {t:7.1f} s  cell {i:>2}  {p}")
    print("[ai4med] largest kernels (resident memory of the kernel's process tree, sampled each second):")
    for w, r in sorted(all_results, key=lambda x: -x[1].get("peak_bytes", 0))[:5]:
        print(f"  {r.get('peak_bytes', 0) / 2**30:7.2f} GiB  {w['path']}")
    outs = [o for o in (args.out, args.exercises_out) if o]
    if outs:
        print("[ai4med] executed copies in " + ", ".join(map(str, outs)))
    ok_all = True
    for label, is_ex in (("notebooks", False), ("submissions" if args.submissions else "exercises", True)):
        rs = [r for w, r in all_results if w["exercises"] == is_ex]
        if not rs:
            continue
        passed = sum(r["status"] == "ok" for r in rs)
        failed = len(rs) - passed
        ok_all &= failed == 0
        if is_ex:
            # "passed" here means the kernel survived every cell; how far the exercises are
            # is the graded functions' count.
            gp = sum(r.get("graded", (0, 0))[0] for r in rs)
            gt = sum(r.get("graded", (0, 0))[1] for r in rs)
            if args.submissions:
                print(f"submissions: graded functions passing: {gp} of {gt} (the gradebook counts cases)")
            else:
                print(f"exercises: graded functions passing: {gp} of {gt} (unfinished exercises are expected to fail)")
        print(f"{label}: {passed} {'ran to the end' if args.submissions else 'passed'}, {failed} {'stopped early' if args.submissions else 'failed'}")
    return 0 if ok_all else 1


if __name__ == "__main__":
    sys.exit(main())
