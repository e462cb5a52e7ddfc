//! Solution notebook → exercise notebook.
//!
//! Notebooks are written as solutions. Marker comments tell the generator what to
//! hide:
//!
//! | in a code cell | becomes |
//! |---|---|
//! | `// BEGIN SOLUTION` … `// END SOLUTION` | `// YOUR CODE HERE` and `todo!("NAME")` (`NAME` the enclosing function, if any) at the marker's indentation |
//! | `// BEGIN SOLUTION placeholder: EXPR` … `// END SOLUTION` | `// YOUR CODE HERE` and `EXPR` |
//! | `// BEGIN HIDDEN TESTS` … `// END HIDDEN TESTS` | nothing |
//!
//! In a markdown cell, `<!-- BEGIN SOLUTION -->` … `<!-- END SOLUTION -->` becomes
//! `*Your answer here.*`. Markers must be alone on their line (after indentation)
//! and cannot nest. Outputs and execution counts are cleared.
//!
//! `todo!()` keeps the exercise compiling: the function type-checks, and a graded
//! cell that calls it reports "not implemented yet" instead of crashing the kernel
//! (see [`crate::course::grade`]); any other cell that calls it prints one line naming the
//! function (the panic hook of [`crate::course::grade`]). A function whose body holds a solution
//! region gets `#[allow(unused_variables)]`, since its stub does not use its parameters.
//!
//! Each generated notebook records a fingerprint of its cells in its metadata
//! (`ai4med.fingerprint`). [`write_exercise`] refuses to overwrite an exercise whose
//! cells no longer match their fingerprint, i.e. one a learner has worked in, unless
//! forced.
//!
//! ```
//! use ai4med::course::exercise::transform_code;
//! let src = "fn f(x: f64) -> f64 {\n    // BEGIN SOLUTION\n    x * 2.0\n    // END SOLUTION\n}\n";
//! assert_eq!(transform_code(src).unwrap(), "#[allow(unused_variables)]\nfn f(x: f64) -> f64 {\n    // YOUR CODE HERE\n    todo!(\"f\")\n}\n");
//! ```

// A parser of untrusted input: no unchecked indexing or overflowing arithmetic
// (robustness policy, src/lib.rs); each exception carries an `allow` with its reason.
#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::{Error, Result};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

const BEGIN_SOLUTION: &str = "// BEGIN SOLUTION";
const END_SOLUTION: &str = "// END SOLUTION";
const BEGIN_HIDDEN: &str = "// BEGIN HIDDEN TESTS";
const END_HIDDEN: &str = "// END HIDDEN TESTS";
const MD_BEGIN: &str = "<!-- BEGIN SOLUTION -->";
const MD_END: &str = "<!-- END SOLUTION -->";

#[derive(PartialEq)]
enum Region {
    None,
    Solution,
    Hidden,
}

/// Replaces solution regions and removes hidden-test regions in Rust cell source.
///
/// Errors name the line of an unbalanced or nested marker.
pub fn transform_code(src: &str) -> Result<String> {
    let mut out = String::with_capacity(src.len());
    let mut region = Region::None;
    let mut opened_at = 0;
    // The function being written, if any: where its `fn` line starts in `out`, its name,
    // its indentation, the brace depth before it, and whether it got its `allow` yet.
    let mut current_fn: Option<(usize, String, String, i64, bool)> = None;
    let mut fn_opened = false;
    let mut depth: i64 = 0;
    for (no, line) in (1usize..).zip(src.split_inclusive('\n')) {
        let t = line.trim();
        let indent = line.strip_suffix(line.trim_start()).unwrap_or("");
        let marker = |what: &str| Error::parse("notebook cell", format!("line {no}: {what}"));
        if let Some(rest) = t.strip_prefix(BEGIN_SOLUTION) {
            if region != Region::None {
                return Err(marker(&format!("`{BEGIN_SOLUTION}` inside a region opened on line {opened_at}")));
            }
            let enclosing = current_fn.as_mut().filter(|f| depth > f.3);
            let rest = rest.trim();
            let placeholder = if rest.is_empty() {
                match &enclosing {
                    Some(f) => format!("todo!(\"{}\")", f.1),
                    None => "todo!()".to_string(),
                }
            } else if let Some(p) = rest.strip_prefix("placeholder:") {
                p.trim().to_string()
            } else {
                return Err(marker(&format!("unexpected text after `{BEGIN_SOLUTION}`: {rest:?} (use `placeholder: EXPR`)")));
            };
            // A stub leaves the function's parameters unused; say that this is intended,
            // so the learner sees no warning per parameter.
            if let Some(f) = enclosing
                && !f.4
                && f.0 <= out.len()
            {
                out.insert_str(f.0, &format!("{}#[allow(unused_variables)]\n", f.2));
                f.4 = true;
            }
            out.push_str(&format!("{indent}// YOUR CODE HERE\n{indent}{placeholder}\n"));
            region = Region::Solution;
            opened_at = no;
        } else if t == END_SOLUTION {
            if region != Region::Solution {
                return Err(marker(&format!("`{END_SOLUTION}` without a matching `{BEGIN_SOLUTION}`")));
            }
            region = Region::None;
        } else if t == BEGIN_HIDDEN {
            if region != Region::None {
                return Err(marker(&format!("`{BEGIN_HIDDEN}` inside a region opened on line {opened_at}")));
            }
            region = Region::Hidden;
            opened_at = no;
        } else if t == END_HIDDEN {
            if region != Region::Hidden {
                return Err(marker(&format!("`{END_HIDDEN}` without a matching `{BEGIN_HIDDEN}`")));
            }
            region = Region::None;
        } else if region == Region::None {
            if let Some(name) = fn_name(t) {
                current_fn = Some((out.len(), name, indent.to_string(), depth, false));
                fn_opened = false;
            }
            depth = depth.saturating_add(brace_balance(line));
            fn_opened |= line.split("//").next().unwrap_or("").contains('{');
            // The function's body has closed: what follows is not inside it.
            if fn_opened && current_fn.as_ref().is_some_and(|f| depth <= f.3) {
                current_fn = None;
            }
            out.push_str(line);
        }
    }
    if region != Region::None {
        return Err(Error::parse("notebook cell", format!("region opened on line {opened_at} is never closed")));
    }
    if !src.ends_with('\n') && out.ends_with('\n') {
        out.pop();
    }
    Ok(out)
}

/// The name of the function a line declares (`fn name`, `pub fn name`, `pub(crate) fn name`).
fn fn_name(trimmed: &str) -> Option<String> {
    let rest = trimmed.strip_prefix("pub(crate) ").or_else(|| trimmed.strip_prefix("pub ")).unwrap_or(trimmed);
    let rest = rest.strip_prefix("fn ")?.trim_start();
    let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
    (!name.is_empty()).then_some(name)
}

/// `{` minus `}` on a line, ignoring a `//` comment (strings with unbalanced braces are
/// rare enough in notebook code for this to find where a function ends).
fn brace_balance(line: &str) -> i64 {
    let code = line.split("//").next().unwrap_or("");
    code.chars()
        .map(|c| match c {
            '{' => 1,
            '}' => -1,
            _ => 0,
        })
        .sum()
}

/// Replaces `<!-- BEGIN SOLUTION -->` … `<!-- END SOLUTION -->` in markdown with a prompt.
pub fn transform_markdown(src: &str) -> Result<String> {
    let mut out = String::with_capacity(src.len());
    let mut inside = false;
    for (no, line) in (1usize..).zip(src.split_inclusive('\n')) {
        match line.trim() {
            MD_BEGIN if inside => return Err(Error::parse("markdown cell", format!("line {no}: nested `{MD_BEGIN}`"))),
            MD_BEGIN => {
                inside = true;
                out.push_str("*Your answer here.*\n");
            }
            MD_END if !inside => return Err(Error::parse("markdown cell", format!("line {no}: `{MD_END}` without a begin"))),
            MD_END => inside = false,
            _ if !inside => out.push_str(line),
            _ => {}
        }
    }
    if inside {
        return Err(Error::parse("markdown cell", "a solution region is never closed"));
    }
    if !src.ends_with('\n') && out.ends_with('\n') {
        out.pop();
    }
    Ok(out)
}

fn source_text(cell: &Value) -> String {
    match cell.get("source") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(parts)) => parts.iter().filter_map(Value::as_str).collect(),
        _ => String::new(),
    }
}

/// Splits text into Jupyter's list-of-lines form (each line keeps its newline).
fn source_lines(s: &str) -> Value {
    Value::Array(s.split_inclusive('\n').map(|l| Value::String(l.to_string())).collect())
}

/// FNV-1a over the cells' types and sources: stable across runs and platforms.
fn fingerprint(cells: &[Value]) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for c in cells {
        let kind = c.get("cell_type").and_then(Value::as_str).unwrap_or("");
        for b in kind.bytes().chain([0u8]).chain(source_text(c).bytes()).chain([0xffu8]) {
            h ^= b as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
    }
    format!("{h:016x}")
}

/// Turns a solution notebook (nbformat 4 JSON) into its exercise version.
///
/// `source_name` is recorded in the metadata (`ai4med.solution`).
pub fn make_exercise(nb: &Value, source_name: &str) -> Result<Value> {
    let mut nb = nb.clone();
    let cells = nb
        .get_mut("cells")
        .and_then(Value::as_array_mut)
        .ok_or_else(|| Error::parse(source_name, "not a Jupyter notebook: no `cells` list"))?;
    for (i, cell) in (1usize..).zip(cells.iter_mut()) {
        let kind = cell.get("cell_type").and_then(Value::as_str).unwrap_or("").to_string();
        let src = source_text(cell);
        let new = match kind.as_str() {
            "code" => transform_code(&src),
            "markdown" => transform_markdown(&src),
            _ => Ok(src),
        }
        .map_err(|e| Error::parse(format!("{source_name}, cell {i}"), e.to_string()))?;
        if let Some(obj) = cell.as_object_mut() {
            obj.insert("source".into(), source_lines(&new));
            if kind == "code" {
                obj.insert("outputs".into(), json!([]));
                obj.insert("execution_count".into(), Value::Null);
            }
        }
    }
    let fp = fingerprint(cells);
    let meta = nb
        .as_object_mut()
        .ok_or_else(|| Error::parse(source_name, "notebook is not a JSON object"))?
        .entry("metadata")
        .or_insert(json!({}));
    if let Some(m) = meta.as_object_mut() {
        m.insert("ai4med".into(), json!({ "exercise": true, "solution": source_name, "fingerprint": fp }));
    }
    Ok(nb)
}

/// Serialises a notebook the way Jupyter does (one-space indent, sorted keys, final newline).
pub fn to_notebook_string(nb: &Value) -> Result<String> {
    let mut buf = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b" ");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
    serde::Serialize::serialize(nb, &mut ser).map_err(|e| Error::parse("notebook", e.to_string()))?;
    let mut s = String::from_utf8(buf).map_err(|e| Error::parse("notebook", e.to_string()))?;
    s.push('\n');
    Ok(s)
}

/// Reads a notebook file.
pub fn read_notebook(path: &Path) -> Result<Value> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    serde_json::from_str(&text).map_err(|e| Error::parse(path.display().to_string(), e.to_string()))
}

/// What [`write_exercise`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteOutcome {
    /// A new exercise file.
    Created,
    /// An untouched earlier exercise, regenerated.
    Updated,
    /// Identical to what was there.
    Unchanged,
    /// Left alone: the learner has edited it (force to overwrite).
    KeptEdited,
}

/// True if the notebook at `path` carries a fingerprint that no longer matches its cells.
fn edited_by_learner(existing: &Value) -> bool {
    let recorded = existing.pointer("/metadata/ai4med/fingerprint").and_then(Value::as_str);
    let cells = existing.get("cells").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
    match recorded {
        Some(fp) => fp != fingerprint(cells),
        None => true,
    }
}

/// Generates the exercise for `solution` at `target`, keeping a learner's edited copy
/// unless `force`.
pub fn write_exercise(solution: &Path, target: &Path, force: bool) -> Result<WriteOutcome> {
    let nb = read_notebook(solution)?;
    let name = solution.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let text = to_notebook_string(&make_exercise(&nb, &name)?)?;
    let outcome = if target.exists() {
        let old_text = std::fs::read_to_string(target).map_err(|e| Error::io(target, e))?;
        if old_text == text {
            return Ok(WriteOutcome::Unchanged);
        }
        let old: Value = serde_json::from_str(&old_text).unwrap_or(Value::Null);
        if !force && edited_by_learner(&old) {
            return Ok(WriteOutcome::KeptEdited);
        }
        WriteOutcome::Updated
    } else {
        WriteOutcome::Created
    };
    if let Some(dir) = target.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    std::fs::write(target, text).map_err(|e| Error::io(target, e))?;
    Ok(outcome)
}

/// Every `.ipynb` under `dir` (sorted, skipping `.ipynb_checkpoints`) that contains a
/// solution or hidden-test marker.
pub fn find_solution_notebooks(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let rd = std::fs::read_dir(&d).map_err(|e| Error::io(&d, e))?;
        for entry in rd {
            let p = entry.map_err(|e| Error::io(&d, e))?.path();
            if p.is_dir() {
                if p.file_name().is_some_and(|n| n != ".ipynb_checkpoints") {
                    stack.push(p);
                }
            } else if p.extension().is_some_and(|e| e == "ipynb") {
                let text = std::fs::read_to_string(&p).map_err(|e| Error::io(&p, e))?;
                if [BEGIN_SOLUTION, BEGIN_HIDDEN, MD_BEGIN].iter().any(|m| text.contains(m)) {
                    found.push(p);
                }
            }
        }
    }
    found.sort();
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholder_and_hidden_tests() {
        let src = "fn f() -> Vec<f64> {\n  // BEGIN SOLUTION placeholder: vec![]\n  vec![1.0]\n  // END SOLUTION\n}\n// BEGIN HIDDEN TESTS\nassert_eq!(f(), vec![1.0]);\n// END HIDDEN TESTS\nf()";
        assert_eq!(transform_code(src).unwrap(), "#[allow(unused_variables)]\nfn f() -> Vec<f64> {\n  // YOUR CODE HERE\n  vec![]\n}\nf()");
        // Outside any function: a plain todo!(), nothing annotated; a closed function
        // before the region is not the enclosing one.
        let src = "fn g() -> i32 { 1 }\nlet x = {\n    // BEGIN SOLUTION\n    2\n    // END SOLUTION\n};";
        assert_eq!(transform_code(src).unwrap(), "fn g() -> i32 { 1 }\nlet x = {\n    // YOUR CODE HERE\n    todo!()\n};");
        // Two regions in one function: one attribute; `pub fn` with an indented body.
        let src = "    pub fn h(a: u8) -> u8 {\n        let b = {\n            // BEGIN SOLUTION\n            a\n            // END SOLUTION\n        };\n        // BEGIN SOLUTION\n        b\n        // END SOLUTION\n    }\n";
        let out = transform_code(src).unwrap();
        assert_eq!(out.matches("#[allow(unused_variables)]").count(), 1, "{out}");
        assert!(
            out.starts_with("    #[allow(unused_variables)]\n    pub fn h(a: u8)") && out.matches("todo!(\"h\")").count() == 2,
            "{out}"
        );
    }

    #[test]
    fn unbalanced_markers_are_errors() {
        let e = transform_code("// BEGIN SOLUTION\nx\n").unwrap_err();
        assert!(e.to_string().contains("never closed"), "{e}");
        let e = transform_code("x\n// END SOLUTION\n").unwrap_err();
        assert!(e.to_string().contains("line 2"), "{e}");
        let e = transform_code("// BEGIN SOLUTION\n// BEGIN HIDDEN TESTS\n").unwrap_err();
        assert!(e.to_string().contains("inside a region opened on line 1"), "{e}");
        assert!(transform_code("// BEGIN SOLUTION please\n// END SOLUTION\n").is_err());
        assert!(transform_markdown("<!-- END SOLUTION -->\n").is_err());
    }

    #[test]
    fn markdown_answers() {
        let md = "Why?\n<!-- BEGIN SOLUTION -->\nBecause.\n<!-- END SOLUTION -->\nNext.";
        assert_eq!(transform_markdown(md).unwrap(), "Why?\n*Your answer here.*\nNext.");
    }

    fn sample() -> Value {
        json!({
            "cells": [
                {"cell_type": "markdown", "metadata": {}, "source": ["# Title\n", "<!-- BEGIN SOLUTION -->\n", "secret\n", "<!-- END SOLUTION -->\n"]},
                {"cell_type": "code", "execution_count": 3, "metadata": {}, "outputs": [{"output_type": "stream", "name": "stdout", "text": ["6\n"]}],
                 "source": ["fn f() -> i32 {\n", "    // BEGIN SOLUTION\n", "    6\n", "    // END SOLUTION\n", "}\n", "f()"]}
            ],
            "metadata": {"kernelspec": {"name": "ai4med", "display_name": "Rust (ai4med)", "language": "rust"}},
            "nbformat": 4, "nbformat_minor": 5
        })
    }

    #[test]
    fn notebook_transform_clears_outputs_and_fingerprints() {
        let ex = make_exercise(&sample(), "lab.ipynb").unwrap();
        let code = &ex["cells"][1];
        assert_eq!(code["outputs"], json!([]));
        assert_eq!(code["execution_count"], Value::Null);
        assert_eq!(source_text(code), "#[allow(unused_variables)]\nfn f() -> i32 {\n    // YOUR CODE HERE\n    todo!(\"f\")\n}\nf()");
        assert_eq!(source_text(&ex["cells"][0]), "# Title\n*Your answer here.*\n");
        assert_eq!(ex["metadata"]["ai4med"]["solution"], "lab.ipynb");
        assert_eq!(ex["metadata"]["kernelspec"]["name"], "ai4med");
        assert!(!edited_by_learner(&ex));
        let s = to_notebook_string(&ex).unwrap();
        assert!(s.starts_with("{\n \"cells\": [\n"));
        assert!(s.find("\"metadata\"").unwrap() < s.find("\"nbformat\"").unwrap());
    }

    #[test]
    fn learner_edits_are_kept_unless_forced() {
        let dir = std::env::temp_dir().join(format!("ai4med-ex-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let sol = dir.join("lab.ipynb");
        std::fs::write(&sol, to_notebook_string(&sample()).unwrap()).unwrap();
        let target = dir.join("out").join("lab.ipynb");
        assert_eq!(write_exercise(&sol, &target, false).unwrap(), WriteOutcome::Created);
        assert_eq!(write_exercise(&sol, &target, false).unwrap(), WriteOutcome::Unchanged);
        // The learner fills in the exercise.
        let mut ex: Value = serde_json::from_str(&std::fs::read_to_string(&target).unwrap()).unwrap();
        ex["cells"][1]["source"] = source_lines("fn f() -> i32 { 6 }\nf()");
        std::fs::write(&target, to_notebook_string(&ex).unwrap()).unwrap();
        assert_eq!(write_exercise(&sol, &target, false).unwrap(), WriteOutcome::KeptEdited);
        assert_eq!(write_exercise(&sol, &target, true).unwrap(), WriteOutcome::Updated);
        // Running the exercise only adds outputs: still regenerated.
        let mut ex: Value = serde_json::from_str(&std::fs::read_to_string(&target).unwrap()).unwrap();
        ex["cells"][1]["outputs"] = json!([{"output_type": "stream", "name": "stderr", "text": ["x"]}]);
        std::fs::write(&target, to_notebook_string(&ex).unwrap()).unwrap();
        assert_eq!(write_exercise(&sol, &target, false).unwrap(), WriteOutcome::Updated);
        assert_eq!(find_solution_notebooks(&dir).unwrap(), vec![sol.clone()]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn not_a_notebook() {
        assert!(make_exercise(&json!({"x": 1}), "bad.ipynb").is_err());
    }
}
