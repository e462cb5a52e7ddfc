"""Unit tests of the notebook runner's rules and of the kernel launcher (make test runs them;
`python tools/test_tools.py` alone takes a second). The rules are what keeps a learner's view
clean: each test builds the notebook output that a regression would produce."""

import json
import os
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output

sys.path.insert(0, str(Path(__file__).resolve().parent))
import book  # noqa: E402
import run_notebooks as rn  # noqa: E402

TOOLS = Path(__file__).resolve().parent


def nb_with(*outputs_per_cell):
    cells = []
    for outputs in outputs_per_cell:
        c = new_code_cell("x")
        c.outputs = list(outputs)
        cells.append(c)
    return new_notebook(cells=cells)


def stderr(text):
    return new_output("stream", name="stderr", text=text)


def stdout(text):
    return new_output("stream", name="stdout", text=text)


def result(data):
    return new_output("execute_result", data=data, execution_count=1)


def grader_html(summary):
    return result({"text/html": f'<div><p style="x">{summary}</p><table></table></div>', "text/plain": ""})


class RunnerRules(unittest.TestCase):
    def test_progress_on_stdout_passes_and_any_stderr_fails(self):
        self.assertIsNone(rn.stderr_problem(nb_with([stdout("random forest: 75/300 trees\n")])))
        # Progress lines used to be allowed on stderr; they showed as pink error boxes.
        p = rn.stderr_problem(nb_with([], [stderr("random forest: 75/300 trees\n")]))
        self.assertEqual(p, "cell 1 wrote to stderr: random forest: 75/300 trees")

    def test_failed_grader_report_is_shown_with_its_cases(self):
        text = "ai4med::course::grade FAILED sum: 1 of 2 tests failed\n  case wrong: expected 2, got 1\nother\n"
        p = rn.stderr_problem(nb_with([stderr(text)]))
        self.assertIn("ai4med::course::grade FAILED", p)
        self.assertIn("case wrong: expected 2, got 1", p)

    def test_bare_unit_result_fails(self):
        p = rn.stderr_problem(nb_with([result({"text/plain": "()"})]))
        self.assertEqual(p, "cell 0: the cell shows a bare `()`; end it with `;` or a value")

    def test_the_runners_own_reset_cells_are_not_judged_by_their_results(self):
        # The kernel reset between notebooks ends in a `()` result; only errors count there.
        self.assertIsNone(rn.stderr_problem(nb_with([result({"text/plain": "()"})]), check_results=False))

    def test_debug_text_instead_of_html_fails(self):
        p = rn.stderr_problem(nb_with([result({"text/plain": "KaplanMeier { times: [1.0, 2.0] }"})]))
        self.assertIn("plain Debug text", p)
        # Plain values, and result types that also sent HTML, are fine.
        for ok in ["0.5", "[1, 2, 3]", "Some(3)", "Ok(())", '"text"', "(1, 2.5)"]:
            self.assertIsNone(rn.stderr_problem(nb_with([result({"text/plain": ok})])), ok)
        self.assertIsNone(rn.stderr_problem(nb_with([result({"text/plain": "Table { .. }", "text/html": "<table/>"})])))

    def test_table_as_plain_text_fails(self):
        text = "the course's pairs\npair  verdict\n----  -------\n0–1   permissible\n"
        p = rn.stderr_problem(nb_with([result({"text/plain": text})]))
        self.assertIn("a table shows as plain text", p)
        self.assertIsNone(rn.stderr_problem(nb_with([result({"text/plain": text, "text/html": "<table/>"})])))
        self.assertIsNone(rn.stderr_problem(nb_with([result({"text/plain": "181"})])))

    def test_figure_with_positional_feature_names_fails(self):
        svg = '<svg><text x="1" y="2">x11 (±0.004)</text><text>age</text></svg>'
        p = rn.stderr_problem(nb_with([result({"image/svg+xml": svg, "text/plain": ""})]))
        self.assertIn("'x11'", p)
        named = '<svg><text x="1">age (±0.004)</text><text>x</text><text>0.5</text></svg>'
        self.assertIsNone(rn.stderr_problem(nb_with([result({"image/svg+xml": named, "text/plain": ""})])))

    def test_tagged_cells_may_write_to_stderr(self):
        nb = nb_with([stderr("panicked: boom\n")])
        nb.cells[0].metadata["tags"] = ["raises-exception"]
        self.assertIsNone(rn.stderr_problem(nb))

    def test_grader_counts(self):
        nb = nb_with(
            [grader_html("sum: all 3 tests passed")],
            [grader_html("mean: 2 of 5 tests failed")],
            [grader_html("std: no test cases")],
            [stdout("not a grader")],
        )
        self.assertEqual(rn.grader_counts(nb), (1, 3))
        self.assertEqual(rn.passing_graders(nb), ["sum"])
        self.assertEqual(rn.failed_graders(nb), 2)


class UnfinishedCascades(unittest.TestCase):
    def error(self, evalue):
        return new_output("error", ename="Error", evalue=evalue, traceback=["\x1b[31m[E0425] Error:\x1b[0m " + evalue])

    def test_missing_values_after_an_unfinished_call_become_one_line(self):
        nb = nb_with(
            [self.error("cannot find value `z` in this scope")],  # before any unfinished call: kept
            [stderr("`extract_effect` is not written yet: finish that exercise above, then run this cell again\n")],
            [self.error("cannot find value `or` in this scope"), self.error("cannot find value `or` in this scope")],
            [self.error("cannot find value `or` in this scope"), self.error("mismatched types")],  # another error: kept
        )
        self.assertEqual(rn.collapse_unfinished_cascades(nb), 1)
        self.assertEqual([o.output_type for o in nb.cells[0].outputs], ["error"])
        (note,) = nb.cells[2].outputs
        self.assertEqual(note.name, "stdout")
        self.assertEqual(note.text, "not run: it needs `or`, missing because an exercise above is unfinished (`extract_effect`, cell 1)\n")
        self.assertEqual(len([o for o in nb.cells[3].outputs if o.output_type == "error"]), 2)


class KernelLauncher(unittest.TestCase):
    """tools/ai4med-kernel with a stand-in evcxr_jupyter that reports what it was given."""

    def launch(self, cwd, env_root=None, cache=None):
        if cache is None:
            with tempfile.TemporaryDirectory() as cache:
                return self.launch(cwd, env_root, cache)
        fake = Path(cache) / "tools" / "bin" / "evcxr_jupyter"
        fake.parent.mkdir(parents=True, exist_ok=True)
        fake.write_text(
            "#!/bin/sh\n"
            'echo "No configuration file found, use the default configuration"\n'
            'cat "$EVCXR_CONFIG_DIR/init.evcxr"\n'
            'echo "wrapper=$RUSTC_WRAPPER"\n'
            'for d in $(echo "$LD_LIBRARY_PATH" | tr : " "); do [ -d "$d" ] || echo "missing library folder $d"; done\n'
        )
        fake.chmod(0o755)
        env = {k: v for k, v in os.environ.items() if k != "AI4MED_ROOT"}
        env["AI4MED_CACHE"] = cache
        if env_root is not None:
            env["AI4MED_ROOT"] = env_root
        p = subprocess.run(["bash", str(TOOLS / "ai4med-kernel")], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)
        return p.stdout, p.stderr

    def test_loads_the_clone_the_notebook_is_in_and_says_so(self):
        with tempfile.TemporaryDirectory() as other:
            clone = Path(other) / "clone"
            (clone / "notebooks" / "c1").mkdir(parents=True)
            (clone / "Cargo.toml").write_text('[package]\nname = "ai4med"\n')
            out, err = self.launch(cwd=clone / "notebooks" / "c1")
            self.assertIn(f'path = "{clone}"', out)
            self.assertIn(f"loads the ai4med crate of {clone}", err)
            # evcxr's config line is filtered out of the kernel's terminal output.
            self.assertNotIn("No configuration file found", out)
            # Cells link against one shared build of the crate (see KernelRustc) ...
            self.assertIn(f"wrapper={TOOLS / 'kernel-rustc'}\n", out)
            # ... whose folder exists before evcxr starts, even in a slot that never built:
            # glibc never looks again in a search-path folder it once found missing.
            self.assertNotIn("missing library folder", out)

    def test_environment_root_wins_and_outside_any_clone_the_launchers_clone(self):
        root = str(TOOLS.parent)
        with tempfile.TemporaryDirectory() as elsewhere:
            out, _ = self.launch(cwd=elsewhere)
            self.assertIn(f'path = "{root}"', out)
            out, _ = self.launch(cwd=elsewhere, env_root=root)
            self.assertIn(f'path = "{root}"', out)

    def test_a_build_of_the_crate_whose_shared_library_is_gone_is_built_again(self):
        # kernel-rustc keeps only the newest libai4med-HASH.so; cargo still counts an older
        # build fresh, and its cells would link the crate statically. Such builds go, so
        # cargo builds the clone's again (with its .so); builds with their .so stay.
        host = subprocess.run(["rustc", "-vV"], capture_output=True, text=True).stdout
        host = next(l.split(": ")[1] for l in host.splitlines() if l.startswith("host: "))
        with tempfile.TemporaryDirectory() as cache:
            debug = Path(cache) / "evcxr" / "slot-0" / "build" / "target" / host / "debug"
            (debug / "deps").mkdir(parents=True)
            files = {}
            for build in ("ai4med-aaaa", "ai4med-bbbb"):
                (debug / ".fingerprint" / build).mkdir(parents=True)
                for name in (f"lib{build}.rlib", f"lib{build}.rmeta", f"{build}.d"):
                    (debug / "deps" / name).write_text("")
            (debug / "deps" / "libai4med-aaaa.so").write_text("")
            _, err = self.launch(cwd=cache, env_root=str(TOOLS.parent), cache=cache)
            self.assertTrue((debug / "deps" / "libai4med-aaaa.rlib").exists())
            self.assertTrue((debug / ".fingerprint" / "ai4med-aaaa").exists())
            for gone in ("deps/libai4med-bbbb.rlib", "deps/libai4med-bbbb.rmeta", "deps/ai4med-bbbb.d", ".fingerprint/ai4med-bbbb"):
                self.assertFalse((debug / gone).exists(), gone)
            self.assertIn("had 1 build(s) of the ai4med crate without the shared library", err)
            _, err = self.launch(cwd=cache, env_root=str(TOOLS.parent), cache=cache)
            self.assertNotIn("without the shared library", err)


class KernelRustc(unittest.TestCase):
    """tools/kernel-rustc with a stand-in rustc that records its arguments (and writes the
    .so a real one would)."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.deps = Path(self.tmp.name) / "deps"
        self.deps.mkdir()
        self.rustc = Path(self.tmp.name) / "rustc"
        self.rustc.write_text(
            "#!/usr/bin/env bash\n"
            'printf "%s\\n" "$@" > "$ARGS_OUT"\n'
            'for ((i=1; i<=$#; i++)); do [[ ${!i} == dylib ]] && touch "$SO_OUT"; done\n'
            "exit 0\n"
        )
        self.rustc.chmod(0o755)

    def tearDown(self):
        self.tmp.cleanup()

    def run_wrapper(self, *args):
        out = Path(self.tmp.name) / "args"
        env = dict(os.environ, ARGS_OUT=str(out), SO_OUT=str(self.deps / "libai4med-abc.so"))
        p = subprocess.run(["bash", str(TOOLS / "kernel-rustc"), str(self.rustc), *args], env=env, capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        return out.read_text().splitlines()

    def test_a_link_broken_by_the_incremental_cache_is_built_again_without_it(self):
        incr = Path(self.tmp.name) / "incremental"
        (incr / "ai4med-1").mkdir(parents=True)
        (incr / "ctx-1").mkdir()
        # A stand-in rustc whose link fails while ai4med's incremental folder exists.
        self.rustc.write_text(
            "#!/usr/bin/env bash\n"
            'echo run >> "$ARGS_OUT.runs"\n'
            'if compgen -G "$INCR/ai4med-*" > /dev/null; then\n'
            '  echo "rust-lld: error: undefined hidden symbol: core::ptr::drop_in_place (.llvm.1)" >&2; exit 1\n'
            "fi\n"
            'echo "warning: kept" >&2\n'
            "exit 0\n"
        )
        out = Path(self.tmp.name) / "args"
        env = dict(os.environ, ARGS_OUT=str(out), INCR=str(incr))
        args = ["--crate-name", "ai4med", "--crate-type", "lib", "-C", f"incremental={incr}", "--out-dir", str(self.deps)]
        p = subprocess.run(["bash", str(TOOLS / "kernel-rustc"), str(self.rustc), *args], env=env, capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(Path(str(out) + ".runs").read_text().split(), ["run", "run"])
        self.assertNotIn("undefined hidden symbol", p.stderr)
        self.assertIn("warning: kept", p.stderr)
        self.assertTrue((incr / "ctx-1").exists())
        # Any other failure is reported as it is, without a retry.
        (incr / "ai4med-1").mkdir()
        self.rustc.write_text('#!/usr/bin/env bash\necho run >> "$ARGS_OUT.runs"\necho "error[E0425]: cannot find value" >&2\nexit 1\n')
        Path(str(out) + ".runs").write_text("")
        p = subprocess.run(["bash", str(TOOLS / "kernel-rustc"), str(self.rustc), *args], env=env, capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 1)
        self.assertIn("E0425", p.stderr)
        self.assertEqual(Path(str(out) + ".runs").read_text().split(), ["run"])
        self.assertTrue((incr / "ai4med-1").exists())

    def test_the_crate_is_also_a_dylib_linked_from_rlibs_and_old_copies_go(self):
        (self.deps / "libpolars-1.rlib").touch()
        old = ["libai4med-old.so", "libai4med-old.rlib", "libai4med-old.rmeta", "ai4med-old.d"]
        for name in old:
            (self.deps / name).touch()
        (self.deps.parent / ".fingerprint" / "ai4med-old").mkdir(parents=True)
        got = self.run_wrapper(
            "--crate-name", "ai4med", "--crate-type", "lib", "-C", "extra-filename=-abc",
            "--out-dir", str(self.deps), "--extern", f"polars={self.deps}/libpolars-1.rmeta",
            "--extern", f"rand={self.deps}/librand-2.rmeta",
        )
        self.assertEqual(got[:5], ["--crate-name", "ai4med", "--crate-type", "lib", "--crate-type"])
        self.assertEqual(got[5], "dylib")
        self.assertIn(f"polars={self.deps}/libpolars-1.rlib", got)
        # No rlib beside it: left as it was (rustc then says what is missing).
        self.assertIn(f"rand={self.deps}/librand-2.rmeta", got)
        self.assertTrue((self.deps / "libai4med-abc.so").exists())
        # An older build goes whole, so that cargo never counts it fresh without its .so.
        for name in old:
            self.assertFalse((self.deps / name).exists(), name)
        self.assertFalse((self.deps.parent / ".fingerprint" / "ai4med-old").exists())

    def test_cells_link_the_so_when_there_is_one(self):
        rlib = f"ai4med={self.deps}/libai4med-abc.rlib"
        out = Path(self.tmp.name) / "build" / "torch-sys-1" / "out"
        out.mkdir(parents=True)
        (out / "libtch.a").touch()
        cell = ["--crate-name", "ctx", "--crate-type", "cdylib", "--extern", rlib, "-L", f"native={out}", "-L", "native=/venv/torch/lib"]
        self.assertEqual(self.run_wrapper(*cell), cell)
        (self.deps / "libai4med-abc.so").touch()
        got = self.run_wrapper(*cell)
        self.assertIn(f"ai4med={self.deps}/libai4med-abc.so", got)
        # tch's C wrapper of libtorch: the cell links what it calls of it (a generic tch
        # function instantiated in a cell once failed to load: at_load_callback_with_device).
        self.assertEqual(got[-2:], ["-l", "static=tch"])
        # ... and is linked by tools/kernel-linker (against a stub of the .so) ...
        self.assertIn(f"linker={TOOLS / 'kernel-linker'}", got)
        # ... unless a linker was chosen already.
        got = self.run_wrapper(*cell, "-C", "linker=clang")
        self.assertNotIn(f"linker={TOOLS / 'kernel-linker'}", got)

    def test_other_crates_and_probes_pass_through(self):
        args = ["--crate-name", "polars", "--crate-type", "lib", "--extern", f"rand={self.deps}/librand-2.rmeta"]
        (self.deps / "librand-2.rlib").touch()
        self.assertEqual(self.run_wrapper(*args), args)
        probe = ["-", "--crate-name", "___", "--print=file-names", "--crate-type", "bin", "--crate-type", "lib"]
        self.assertEqual(self.run_wrapper(*probe), probe)


class KernelLinker(unittest.TestCase):
    """tools/kernel-linker: a cell links against an empty stub with the shared library's
    SONAME, and still finds the library's functions when it is loaded."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = Path(self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def cc(self, *args):
        subprocess.run(["cc", *args], check=True, capture_output=True, timeout=60)

    def test_a_cell_linked_against_the_stub_loads_and_calls_the_library(self):
        d = self.dir
        native = d / "native"
        native.mkdir()
        # libbig needs libhuge (as libai4med needs libtorch_cpu); libextra is needed by nobody.
        (d / "huge.c").write_text("int huge_part(void) { return 40; }\n")
        (d / "extra.c").write_text("int extra_part(void) { return 1; }\n")
        (d / "big.c").write_text("int huge_part(void);\nint big_answer(void) { return huge_part() + 2; }\n")
        (d / "cell.c").write_text("int big_answer(void);\nint cell(void) { return big_answer() + 1; }\n")
        self.cc("-shared", "-fPIC", "-Wl,-soname,libhuge.so", "-o", str(native / "libhuge.so"), str(d / "huge.c"))
        self.cc("-shared", "-fPIC", "-Wl,-soname,libextra.so", "-o", str(native / "libextra.so"), str(d / "extra.c"))
        so = d / "deps" / "libbig-abc.so"
        so.parent.mkdir()
        self.cc("-shared", "-fPIC", "-Wl,-soname,libbig-abc.so", "-o", str(so), str(d / "big.c"), "-L", str(native), "-lhuge")
        self.cc("-c", "-fPIC", "-o", str(d / "cell.o"), str(d / "cell.c"))
        stub = d / "stub" / "libbig-abc.so"
        record = d / "cc"
        record.write_text('#!/usr/bin/env bash\nprintf "%s\\n" "$@" > "$ARGS_OUT"\nexec cc "$@"\n')
        record.chmod(0o755)
        env = dict(os.environ, AI4MED_LINK_SO=str(so), AI4MED_LINK_STUB=str(stub), AI4MED_LINK_CC=str(record), ARGS_OUT=str(d / "args"))
        out = d / "libcell.so"
        p = subprocess.run(
            ["bash", str(TOOLS / "kernel-linker"), "-shared", "-o", str(out), str(d / "cell.o"),
             "-Wl,--as-needed", str(so), "-L", str(native), "-lhuge", "-lextra", "-lm"],
            env=env, capture_output=True, text=True, timeout=60,
        )
        self.assertEqual(p.returncode, 0, p.stderr)
        args = (d / "args").read_text().splitlines()
        # The stub stands in for the library; what the library needs is left out; the rest stays.
        self.assertIn(str(stub), args)
        self.assertNotIn(str(so), args)
        self.assertNotIn("-lhuge", args)
        self.assertIn("-lextra", args)
        self.assertIn("-lm", args)
        dyn = subprocess.run(["readelf", "-d", str(out)], capture_output=True, text=True).stdout
        self.assertIn("[libbig-abc.so]", dyn)
        # Loaded, the cell's call resolves in the real library (found on the search path).
        run = subprocess.run(
            [sys.executable, "-c", f"import ctypes; print(ctypes.CDLL({str(out)!r}).cell())"],
            env=dict(os.environ, LD_LIBRARY_PATH=f"{so.parent}:{native}"), capture_output=True, text=True, timeout=60,
        )
        self.assertEqual(run.stdout.strip(), "43", run.stderr)

    def test_without_a_library_to_stub_the_arguments_pass_unchanged(self):
        record = self.dir / "cc"
        record.write_text('#!/usr/bin/env bash\nprintf "%s\\n" "$@" > "$ARGS_OUT"\n')
        record.chmod(0o755)
        args = ["-shared", "-o", "x.so", "y.o", "-L", str(self.dir), "-lfoo"]
        for extra in ({}, {"AI4MED_LINK_SO": str(self.dir / "missing.so"), "AI4MED_LINK_STUB": str(self.dir / "s.so")}):
            env = dict(os.environ, AI4MED_LINK_CC=str(record), ARGS_OUT=str(self.dir / "args"), **extra)
            subprocess.run(["bash", str(TOOLS / "kernel-linker"), *args], env=env, check=True, timeout=30)
            self.assertEqual((self.dir / "args").read_text().splitlines(), args)


class KernelCargo(unittest.TestCase):
    """tools/kernel-cargo with a stand-in cargo and rustc: a cell's compile is replayed
    without cargo only while nothing but the cell can have changed, and the replay writes
    what evcxr reads from cargo."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        t = Path(self.tmp.name)
        self.calls = t / "calls"
        self.build = t / "build"
        (self.build / "src").mkdir(parents=True)
        self.clone = t / "clone"
        (self.clone / "src").mkdir(parents=True)
        (self.clone / "src" / "lib.rs").write_text("pub fn f() {}\n")
        (self.build / "Cargo.toml").write_text(f'[dependencies]\nai4med = {{ path = "{self.clone}" }}\n')
        (self.build / "Cargo.lock").write_text("# lock\n")
        (self.build / "src" / "lib.rs").write_text("fn cell() {}\n")
        self.rustc = t / "rustc"
        self.rustc.write_text(
            "#!/usr/bin/env bash\n"
            'echo rustc >> "$CALLS"\n'
            'out=""; ansi=0\n'
            'for ((i=1; i<=$#; i++)); do j=$((i+1)); [[ ${!i} == --out-dir ]] && out=${!j}; [[ ${!i} == *rendered-ansi* ]] && ansi=1; done\n'
            'if grep -q ERROR src/lib.rs; then\n'
            '  echo \'{"$message_type":"diagnostic","message":"cannot find value","level":"error","rendered":"error: cannot find value"}\' >&2\n'
            "  exit 1\n"
            "fi\n"
            'if [[ $ansi == 1 ]]; then r="\\u001b[33mwarning\\u001b[0m: unused"; else r="warning: unused"; fi\n'
            'echo "{\\"\\$message_type\\":\\"diagnostic\\",\\"message\\":\\"unused\\",\\"level\\":\\"warning\\",\\"rendered\\":\\"$r\\"}" >&2\n'
            'echo \'{"$message_type":"artifact","artifact":"x","emit":"link"}\' >&2\n'
            'mkdir -p "$out"; cp src/lib.rs "$out/libctx.so"\n'
        )
        self.cargo = t / "cargo"
        self.cargo.write_text(
            "#!/usr/bin/env bash\n"
            'echo "cargo $*" >> "$CALLS"\n'
            '[[ " $* " == *" build "* ]] || exit 0\n'
            'deps=$PWD/target/deps; up=$PWD/target/debug/libctx.so\n'
            '[[ -n ${BUILD_CRATE:-} ]] && "$RUSTC_WRAPPER" "$STANDIN_RUSTC" --crate-name ai4med --crate-type lib --out-dir "$deps/crate" 2> /dev/null\n'
            '"$RUSTC_WRAPPER" "$STANDIN_RUSTC" --crate-name ctx src/lib.rs --error-format=json '
            '--json=diagnostic-rendered-ansi,artifacts --crate-type cdylib --out-dir "$deps" 2> "$PWD/err"; rc=$?\n'
            'while IFS= read -r l; do [[ $l == *diagnostic* ]] && echo "{\\"reason\\":\\"compiler-message\\",\\"message\\":$l}"; done < "$PWD/err"\n'
            '[[ $rc == 0 ]] || exit 101\n'
            'mkdir -p "${up%/*}"; rm -f "$up"; ln "$deps/libctx.so" "$up"\n'
            'echo "{\\"reason\\":\\"compiler-artifact\\",\\"package_id\\":\\"path+file://$PWD#ctx@1.0.0\\",'
            '\\"manifest_path\\":\\"$PWD/Cargo.toml\\",\\"target\\":{\\"kind\\":[\\"cdylib\\"],\\"name\\":\\"ctx\\"},'
            '\\"filenames\\":[\\"$up\\"],\\"fresh\\":false}"\n'
            'echo \'{"reason":"build-finished","success":true}\'\n'
        )
        for f in (self.rustc, self.cargo):
            f.chmod(0o755)
        self.env = dict(
            os.environ, CALLS=str(self.calls), STANDIN_RUSTC=str(self.rustc), AI4MED_REAL_CARGO=str(self.cargo),
            RUSTC_WRAPPER=str(TOOLS / "kernel-rustc"), AI4MED_KERNEL_ID="k1", CARGO_HOME=str(t / "cargo-home"),
        )
        self.env.pop("AI4MED_KERNEL_CARGO_REPLAY", None)

    def tearDown(self):
        self.tmp.cleanup()

    def cell(self, code, *args, **env):
        (self.build / "src" / "lib.rs").write_text(code)
        self.calls.write_text("")
        args = args or ("--offline", "build", "--target", "x86_64-unknown-linux-gnu", "--message-format=json")
        p = subprocess.run([str(TOOLS / "kernel-cargo"), *args], cwd=self.build, env=dict(self.env, **env), capture_output=True, text=True, timeout=30)
        return p, self.calls.read_text().split()

    def test_a_cell_is_replayed_when_nothing_else_changed(self):
        p, calls = self.cell("fn a() {}\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(calls[0], "cargo")
        p, calls = self.cell("fn b() {}\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(calls, ["rustc"])
        lines = [json.loads(line) for line in p.stdout.splitlines()]
        self.assertEqual([m["reason"] for m in lines], ["compiler-message", "compiler-artifact", "build-finished"])
        # cargo's plain JSON has no ANSI colours in the rendered text
        self.assertEqual(lines[0]["message"]["rendered"], "warning: unused")
        self.assertEqual(lines[0]["target"]["name"], "ctx")
        self.assertTrue(lines[2]["success"])
        uplifted = Path(lines[1]["filenames"][0])
        self.assertEqual(uplifted.read_text(), "fn b() {}\n")

    def test_a_real_build_of_the_crate_does_not_wait_on_the_wrapper(self):
        # tools/kernel-rustc waits for cargo's other children before it builds the crate's
        # shared library; nothing of kernel-cargo's may be one of them (a `tee` once was).
        p, calls = self.cell("fn a() {}\n", BUILD_CRATE="1")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual((calls[0], calls.count("rustc")), ("cargo", 2))

    def test_a_failed_replay_reports_the_error_as_cargo_does(self):
        self.cell("fn a() {}\n")
        p, calls = self.cell("ERROR\n")
        self.assertEqual(calls, ["rustc"])
        self.assertEqual(p.returncode, 101)
        lines = [json.loads(line) for line in p.stdout.splitlines()]
        self.assertEqual(lines[0]["message"]["level"], "error")
        self.assertFalse(lines[-1]["success"])

    def test_anything_else_that_may_have_changed_goes_to_cargo(self):
        self.cell("fn a() {}\n")
        self.assertEqual(self.cell("fn b() {}\n")[1], ["rustc"])
        # another kernel process
        self.assertEqual(self.cell("fn c() {}\n", AI4MED_KERNEL_ID="k2")[1][0], "cargo")
        self.assertEqual(self.cell("fn c() {}\n")[1][0], "cargo")
        # a :dep or :opt (the manifest changes)
        with open(self.build / "Cargo.toml", "a") as f:
            f.write("rand = \"0.8\"\n")
        self.assertEqual(self.cell("fn d() {}\n")[1][0], "cargo")
        self.assertEqual(self.cell("fn d() {}\n")[1], ["rustc"])
        # the clone's source edited
        future = time.time() + 5
        os.utime(self.clone / "src" / "lib.rs", (future, future))
        self.assertEqual(self.cell("fn e() {}\n")[1][0], "cargo")
        # other commands, other flags, and the switch
        self.assertEqual(self.cell("fn f() {}\n", "check", "--message-format=json")[1][0], "cargo")
        self.assertEqual(self.cell("fn f() {}\n", RUSTFLAGS="-Copt-level=1")[1][0], "cargo")
        self.assertEqual(self.cell("fn f() {}\n", AI4MED_KERNEL_CARGO_REPLAY="0")[1][0], "cargo")

    def test_a_lock_file_pruned_by_a_build_without_dependencies_is_seeded_from_the_clone(self):
        # The stand-in cargo records the lock file it was given.
        text = self.cargo.read_text().replace(
            'echo "cargo $*" >> "$CALLS"\n',
            'echo "cargo $*" >> "$CALLS"\ncp Cargo.lock "$CALLS.lock"\n'
            'grep -q ctx Cargo.lock || printf \'\\n[[package]]\\nname = "ctx"\\n\' >> Cargo.lock\n', 1)
        self.cargo.write_text(text)
        clone_lock = '[[package]]\nname = "ai4med"\nversion = "0.1.0"\n\n[[package]]\nname = "zerocopy"\nversion = "0.8.64"\n'
        (self.clone / "Cargo.lock").write_text(clone_lock)
        seen = Path(str(self.calls) + ".lock")
        # evcxr's start-up build: no dependency, cargo's lock lists only the cell crate
        manifest = (self.build / "Cargo.toml").read_text()
        (self.build / "Cargo.toml").write_text("[dependencies]\n")
        (self.build / "Cargo.lock").write_text('[[package]]\nname = "ctx"\n')
        self.cell("fn a() {}\n", AI4MED_KERNEL_LOCK=str(self.clone / "Cargo.lock"))
        self.assertEqual(seen.read_text(), '[[package]]\nname = "ctx"\n')
        # then the :dep line, which evcxr first checks with `cargo metadata` on a manifest of its
        # own (indented): cargo starts from the clone's pinned versions
        (self.build / "Cargo.toml").write_text("\n    [dependencies]\n    " + manifest.splitlines()[1] + "\n")
        self.cell("fn b() {}\n", "metadata", AI4MED_KERNEL_LOCK=str(self.clone / "Cargo.lock"))
        self.assertEqual(seen.read_text(), clone_lock)
        (self.build / "Cargo.lock").write_text('[[package]]\nname = "ctx"\n')
        (self.build / "Cargo.toml").write_text(manifest)
        self.cell("fn b() {}\n", AI4MED_KERNEL_LOCK=str(self.clone / "Cargo.lock"))
        self.assertEqual(seen.read_text(), clone_lock)
        # cargo rewrote the seeded lock (the stand-in appends the cell crate): the next cell is
        # replayed all the same
        self.assertEqual(self.cell("fn b2() {}\n", AI4MED_KERNEL_LOCK=str(self.clone / "Cargo.lock"))[1], ["rustc"])
        # a lock that already names ai4med (cargo added the cell crate) is left alone
        (self.build / "Cargo.lock").write_text(clone_lock + '\n[[package]]\nname = "ctx"\n')
        self.cell("fn c() {}\n", "metadata", AI4MED_KERNEL_LOCK=str(self.clone / "Cargo.lock"))
        self.assertEqual(seen.read_text(), clone_lock + '\n[[package]]\nname = "ctx"\n')


class MakeLab(unittest.TestCase):
    def test_lab_is_rooted_at_the_clone_and_runs_as_root(self):
        out = subprocess.run(["bash", str(TOOLS / "ai4med.sh"), "lab-args"], capture_output=True, text=True, timeout=60).stdout.split()
        root = str(TOOLS.parent)
        self.assertIn(f"--ServerApp.root_dir={root}", out)
        self.assertIn("--LabApp.default_url=/lab/tree/notebooks", out)
        self.assertEqual("--allow-root" in out, os.getuid() == 0)


class MemoryCeiling(unittest.TestCase):
    def test_a_kernel_over_the_limit_is_killed(self):
        # A stand-in kernel: a shell whose child holds ~150 MB.
        proc = subprocess.Popen(["bash", "-c", f"{sys.executable} -c 'x = bytearray(150 * 2**20); import time; time.sleep(60)'"])
        try:
            watch = rn.MemoryWatch(lambda: proc.pid, 60 * 2**20)
            watch.start()
            watch.join(timeout=30)
            self.assertGreater(watch.tripped, 60 * 2**20)
            self.assertIsNotNone(proc.wait(timeout=10))
        finally:
            proc.kill()
        # Under the limit nothing happens.
        quiet = subprocess.Popen(["sleep", "5"])
        watch = rn.MemoryWatch(lambda: quiet.pid, 2**30)
        watch.start()
        time.sleep(1.5)
        watch.done.set()
        self.assertEqual(watch.tripped, 0)
        self.assertIsNone(quiet.poll())
        quiet.kill()


class HungKernel(unittest.TestCase):
    def test_an_idle_kernel_is_killed_and_a_busy_one_is_not(self):
        # A stand-in hung kernel: a shell whose child sleeps (no CPU at all).
        proc = subprocess.Popen(["bash", "-c", "sleep 60"])
        try:
            watch = rn.MemoryWatch(lambda: proc.pid, 0, idle=2.0)
            watch.start()
            watch.join(timeout=30)
            self.assertGreaterEqual(watch.idle_tripped, 2.0)
            self.assertIsNotNone(proc.wait(timeout=10))
        finally:
            proc.kill()
        # A computing one is left alone.
        busy = subprocess.Popen([sys.executable, "-c", "import time\nt = time.time()\nwhile time.time() - t < 6: pass"])
        watch = rn.MemoryWatch(lambda: busy.pid, 0, idle=2.0)
        watch.start()
        time.sleep(4.5)
        watch.done.set()
        self.assertEqual(watch.idle_tripped, 0.0)
        self.assertIsNone(busy.poll())
        busy.kill()

    def test_a_kernel_waiting_on_a_file_lock_is_not_hung(self):
        with tempfile.TemporaryDirectory() as d:
            lock = os.path.join(d, "model.lock")
            holder = subprocess.Popen(["flock", lock, "sleep", "8"])
            time.sleep(0.5)
            waiter = subprocess.Popen(["bash", "-c", f"flock {lock} true"])
            try:
                watch = rn.MemoryWatch(lambda: waiter.pid, 0, idle=2.0)
                watch.start()
                time.sleep(5)
                watch.done.set()
                self.assertEqual(watch.idle_tripped, 0.0)
                self.assertIsNone(waiter.poll())
            finally:
                holder.kill()
                waiter.kill()

    def test_cpu_ticks_count_the_tree(self):
        self.assertGreater(rn.tree_cpu_ticks(os.getpid()), 0)


class Book(unittest.TestCase):
    ITEMS = ["c1-diagnosis/w1-xray/assignment-xray-diagnosis.ipynb", "c1-diagnosis/w1-xray/lab-10-x.ipynb",
             "00-getting-started.ipynb", "c1-diagnosis/w1-xray/lab-2-y.ipynb", "c2-prognosis/w1-linear/lab-1-z.ipynb"]

    def test_pages_follow_the_course_map(self):
        with tempfile.TemporaryDirectory() as d:
            for rel in self.ITEMS:
                (Path(d) / rel).parent.mkdir(parents=True, exist_ok=True)
                (Path(d) / rel).touch()
            got = [p.as_posix() for p in book.notebooks(Path(d))]
        # Getting started first, then each week's labs by number (10 after 2), then its assignment.
        self.assertEqual(got, ["00-getting-started.ipynb", "c1-diagnosis/w1-xray/lab-2-y.ipynb", "c1-diagnosis/w1-xray/lab-10-x.ipynb",
                               "c1-diagnosis/w1-xray/assignment-xray-diagnosis.ipynb", "c2-prognosis/w1-linear/lab-1-z.ipynb"])

    def test_links_are_relative_to_the_page(self):
        page = Path("c2-prognosis/w3-survival/lab-2-kaplan-meier.html")
        self.assertEqual(book.link(page, Path("index.html")), "../../index.html")
        self.assertEqual(book.link(Path("index.html"), Path("_static/x.js")), "_static/x.js")
        bar = book.nav(page, (Path("c2-prognosis/w3-survival/lab-1-a.ipynb"), "Lab 1"), None)
        self.assertIn('href="../../c2-prognosis/w3-survival/lab-1-a.html">← Lab 1', bar)
        self.assertIn('<span class="ai4med-none">→</span>', bar)

    def test_index_groups_by_course_and_week(self):
        items = [Path(p) for p in ["00-getting-started.ipynb", "c1-diagnosis/w1-xray/lab-1-a.ipynb", "c1-diagnosis/w2-evaluation/assignment-b.ipynb"]]
        with tempfile.TemporaryDirectory() as d:
            book.write_index(Path(d), items, ["Start", "Lab 1: a", "Assignment: b"])
            text = (Path(d) / "index.html").read_text()
        self.assertLess(text.index("Start"), text.index("Course 1"))
        self.assertLess(text.index("Week 1 · Chest X-ray"), text.index("Lab 1: a"))
        self.assertLess(text.index("Lab 1: a"), text.index("Week 2 · Evaluating"))
        self.assertIn('<a href="c1-diagnosis/w2-evaluation/assignment-b.html">Assignment: b</a> <small>(assignment)</small>', text)

    def test_probe_findings_become_problems(self):
        r = {"errors": ["failed to load https://cdn/x.js"], "broken_images": ["data:image/png;base64,AA"], "empty_svgs": 0, "unrendered_formulas": 2}
        p = book.problems("a.html", r)
        self.assertEqual(len(p), 3)
        self.assertEqual(book.problems("b.html", {"errors": [], "broken_images": [], "empty_svgs": 0, "unrendered_formulas": 0}), [])


if __name__ == "__main__":
    unittest.main()
