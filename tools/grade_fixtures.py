"""Synthetic submissions of tests/fixtures/grade/solutions/mini-assignment.ipynb, one per kind
of learner `make grade` must cope with; `make test` grades them and compares the gradebook with
tests/fixtures/grade/expected_gradebook.csv.

Usage: grade_fixtures.py OUT_DIR   (writes OUT_DIR/<kind>/mini-assignment.ipynb, and one
                                    submission named by file, OUT_DIR/byname--mini-assignment.ipynb)
"""

import copy
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
SOLUTION = ROOT / "tests" / "fixtures" / "grade" / "solutions" / "mini-assignment.ipynb"

PREVALENCE = "fn prevalence(y: &[f64]) -> f64 {{\n    {}\n}}"
ODDS = "fn odds(p: f64) -> f64 {{\n    {}\n}}"
RIGHT_P = "y.iter().sum::<f64>() / y.len() as f64"
RIGHT_O = "p / (1.0 - p)"

# kind -> (prevalence body, odds body, what else the learner did)
KINDS = {
    "correct": (RIGHT_P, RIGHT_O, None),
    "wrong": ("y.iter().sum::<f64>()", RIGHT_O, None),  # a count, not a share
    "unfinished": ('todo!("prevalence")', 'todo!("odds")', None),
    "endless-loop": ("loop { std::hint::spin_loop(); }", RIGHT_O, None),
    "panics": ('panic!("not today")', RIGHT_O, None),
    "deleted-test-cell": (RIGHT_P, RIGHT_O, "delete"),
    "edited-test-cell": ("0.5", RIGHT_O, "edit"),  # right on one visible case only
    "kernel-crash": (RIGHT_P, "std::process::abort()", None),
    # A loop at the top level of the learner's cell, outside any grader: only the notebook's
    # time limit (AI4MED_GRADE_NOTEBOOK_TIMEOUT) stops it, and the cells after it never run.
    "stuck-cell": (RIGHT_P, RIGHT_O, "stuck"),
}


def source(cell):
    return cell.source if isinstance(cell.source, str) else "".join(cell.source)


def submission(kind):
    nb = nbformat.read(SOLUTION, as_version=4)
    p_body, o_body, test = KINDS[kind]
    cells = []
    for cell in nb.cells:
        src = source(cell)
        if src.startswith("fn prevalence"):
            cell.source = PREVALENCE.format(p_body)
        elif src.startswith("fn odds"):
            cell.source = ODDS.format(o_body)
            if test == "stuck":
                cell.source += "\nloop { std::hint::spin_loop(); }"
        elif 'Grader::new("prevalence")' in src:
            # What the learner sees: the exercise version, hidden cases removed.
            cell.source = "\n".join(l for l in src.split("\n") if "three of four" not in l and "HIDDEN" not in l)
            if test == "delete":
                continue
            if test == "edit":
                cell.source = 'Grader::new("prevalence")\n    .case("one of two", vec![1.0, 0.0], 0.5)\n    .run(|y: Vec<f64>| prevalence(&y))'
        cells.append(copy.deepcopy(cell))
    nb.cells = cells
    return nb


def main(out):
    out = Path(out)
    for kind in KINDS:
        (out / kind).mkdir(parents=True, exist_ok=True)
        nbformat.write(submission(kind), out / kind / "mini-assignment.ipynb")
    nbformat.write(submission("correct"), out / "byname--mini-assignment.ipynb")
    print(f"{len(KINDS) + 1} synthetic submissions → {out}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "target/grade-fixtures")
