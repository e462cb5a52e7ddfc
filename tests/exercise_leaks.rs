//! Exercises hide their answers: for every solution notebook, no line of a solution
//! region (`// BEGIN SOLUTION` … `// END SOLUTION`) appears anywhere in the generated
//! exercise notebook, e.g. in a visible reference implementation of a graded cell.
//! Lines shorter than 20 characters after trimming (`}`, `Ok(out)`, `let n = x.len();`)
//! are too generic to count as a leak.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use serde_json::Value;
use std::path::Path;

fn cells_text(nb: &Value) -> Vec<String> {
    nb["cells"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| match &c["source"] {
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect::<String>(),
            Value::String(s) => s.clone(),
            _ => String::new(),
        })
        .collect()
}

fn solution_lines(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in code.lines() {
        let t = line.trim();
        if t.starts_with("// BEGIN SOLUTION") {
            inside = true;
        } else if t == "// END SOLUTION" {
            inside = false;
        } else if inside && t.chars().count() >= 20 && !t.starts_with("//") {
            out.push(t.to_string());
        }
    }
    out
}

#[test]
fn no_solution_line_appears_in_an_exercise() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("notebooks");
    let notebooks = ai4med::course::exercise::find_solution_notebooks(&root).unwrap();
    assert!(notebooks.len() > 10);
    let mut leaks = Vec::new();
    for p in notebooks {
        let nb = ai4med::course::exercise::read_notebook(&p).unwrap();
        let ex = ai4med::course::exercise::make_exercise(&nb, "x.ipynb").unwrap();
        let solution: Vec<String> = cells_text(&nb).iter().flat_map(|c| solution_lines(c)).collect();
        let exercise: Vec<String> =
            cells_text(&ex).iter().flat_map(|c| c.lines().map(|l| l.trim().to_string()).collect::<Vec<_>>()).collect();
        for line in &solution {
            if exercise.iter().any(|e| e == line) {
                leaks.push(format!("{}: {line}", p.strip_prefix(&root).unwrap_or(&p).display()));
            }
        }
    }
    assert!(leaks.is_empty(), "{} solution lines visible in exercises:\n{}", leaks.len(), leaks.join("\n"));
}

/// The exercise copy never talks about markers it does not show: no cell of a generated
/// exercise names `BEGIN SOLUTION`, `END SOLUTION` or `BEGIN HIDDEN TESTS` (a text that
/// explains the solution markers reads wrongly there).
#[test]
fn no_exercise_mentions_the_markers() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("notebooks");
    let mut found = Vec::new();
    for p in ai4med::course::exercise::find_solution_notebooks(&root).unwrap() {
        let nb = ai4med::course::exercise::read_notebook(&p).unwrap();
        let ex = ai4med::course::exercise::make_exercise(&nb, "x.ipynb").unwrap();
        for (i, text) in cells_text(&ex).iter().enumerate() {
            for m in ["BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"] {
                if text.contains(m) {
                    found.push(format!("{} cell {i}: {m}", p.strip_prefix(&root).unwrap_or(&p).display()));
                }
            }
        }
    }
    assert!(found.is_empty(), "exercise cells naming solution markers:\n{}", found.join("\n"));
}
