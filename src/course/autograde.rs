//! Autograding a class's submissions (`make grade`), the way nbgrader does it: the
//! instructor's graded cells go back into each learner's notebook before it runs, and the
//! grades are read from the graded cells' machine-readable output, not from their HTML.
//!
//! The steps, each a function here and a subcommand of the `ai4med-grade` binary:
//!
//! 1. [`restore_graded_cells`]: every cell of the solution notebook that builds a
//!    [`crate::course::grade::Grader`] (a *graded cell*; hidden test cases included) replaces the
//!    learner's cell with the same cell id, or is put back where it was if the learner
//!    deleted it. The learner's own code cells are kept as written, so a learner who edited
//!    a test cell to pass is graded on the instructor's cases all the same.
//! 2. The prepared notebooks run headless, each in a fresh kernel, with errors allowed and a
//!    time limit per cell (`tools/ai4med.sh grade` calls the notebook runner).
//! 3. [`grades_from_outputs`] reads each graded cell's [`crate::course::grade::GRADE_MIME`] output;
//!    [`grade_notebook`] turns them into one row per graded function: a function whose cell
//!    never reported (a panic outside a grader, a timeout, a dead kernel, a deleted function)
//!    scores 0 of the instructor's number of cases, with the reason.
//! 4. [`gradebook_csv`], [`summary_html`] and [`feedback_html`] write the gradebook, a table
//!    per notebook and a page per submission.

use crate::{Error, Result};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// One graded cell of a solution notebook.
#[derive(Debug, Clone, PartialEq)]
pub struct GradedCell {
    /// The cell's id (nbformat 4.5).
    pub id: String,
    /// The graded function: the name given to `Grader::new`.
    pub function: String,
    /// The instructor's cases: `.case(` and `.input(` calls in the cell (hidden ones too).
    pub cases: usize,
    /// The cell's source, as the instructor wrote it.
    pub source: String,
}

/// The text of a cell's `source` (a string or a list of lines).
pub fn cell_source(cell: &Value) -> String {
    match cell.get("source") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(lines)) => lines.iter().filter_map(Value::as_str).collect(),
        _ => String::new(),
    }
}

fn cells(nb: &Value, what: &str) -> Result<Vec<Value>> {
    nb.get("cells").and_then(Value::as_array).cloned().ok_or_else(|| Error::parse(what, "not a Jupyter notebook: no `cells` list"))
}

fn cell_id(cell: &Value) -> Option<&str> {
    cell.get("id").and_then(Value::as_str)
}

/// The graded cells of a solution notebook, in order: code cells that call
/// `Grader::new("name")`. A graded cell that also holds a `// BEGIN SOLUTION` region is an
/// error (putting it back would hand the learner the answer), as is a graded cell without
/// an id.
pub fn graded_cells(solution: &Value) -> Result<Vec<GradedCell>> {
    let re = regex::Regex::new(r#"Grader::new\(\s*"([^"]+)""#).map_err(|e| Error::invalid_arg("pattern", e.to_string()))?;
    let mut out = Vec::new();
    for (i, cell) in cells(solution, "solution")?.iter().enumerate() {
        if cell.get("cell_type").and_then(Value::as_str) != Some("code") {
            continue;
        }
        let src = cell_source(cell);
        let Some(m) = re.captures(&src) else { continue };
        if src.contains("BEGIN SOLUTION") {
            return Err(Error::invalid_arg("solution", format!("cell {i} builds a Grader and holds a solution region: split them")));
        }
        let id = cell_id(cell).ok_or_else(|| Error::invalid_arg("solution", format!("graded cell {i} has no id")))?;
        let cases = src
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .map(|l| l.matches(".case(").count() + l.matches(".input(").count())
            .sum();
        out.push(GradedCell { id: id.to_string(), function: m[1].to_string(), cases, source: src });
    }
    Ok(out)
}

fn as_lines(src: &str) -> Value {
    let mut lines: Vec<Value> = src.split_inclusive('\n').map(|l| Value::String(l.to_string())).collect();
    if lines.is_empty() {
        lines.push(Value::String(String::new()));
    }
    Value::Array(lines)
}

/// What [`restore_graded_cells`] did to one graded cell of the learner's copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Restored {
    /// The learner's cell was the instructor's already (hidden cases aside).
    Unchanged,
    /// The learner had changed the cell; the instructor's replaced it.
    Replaced,
    /// The learner had deleted the cell; it was put back.
    Reinserted,
}

/// The learner's notebook with the solution's graded cells put back (hidden tests
/// included): a cell with a graded cell's id gets the instructor's source; a missing one is
/// inserted after the nearest earlier cell of the solution that the learner's copy still
/// has. All outputs are cleared. Returns the notebook and, per graded function, what was
/// done. A learner's cell that differs from the instructor's only by the removed hidden
/// regions counts as [`Restored::Unchanged`].
pub fn restore_graded_cells(solution: &Value, submission: &Value) -> Result<(Value, Vec<(String, Restored)>)> {
    let graded = graded_cells(solution)?;
    let sol_cells = cells(solution, "solution")?;
    let mut sub_cells = cells(submission, "submission")?;
    let mut log = Vec::new();
    for g in &graded {
        let fresh =
            json!({"cell_type": "code", "execution_count": null, "id": g.id, "metadata": {}, "outputs": [], "source": as_lines(&g.source)});
        if let Some(pos) = sub_cells.iter().position(|c| cell_id(c) == Some(g.id.as_str())) {
            let learner = cell_source(&sub_cells[pos]);
            let exercise = crate::course::exercise::transform_code(&g.source).unwrap_or_default();
            let what = if learner == g.source || learner == exercise { Restored::Unchanged } else { Restored::Replaced };
            sub_cells[pos] = fresh;
            log.push((g.function.clone(), what));
        } else {
            // After the nearest earlier solution cell that is still there.
            let sol_pos = sol_cells.iter().position(|c| cell_id(c) == Some(g.id.as_str())).unwrap_or(0);
            let anchor =
                sol_cells[..sol_pos].iter().rev().filter_map(cell_id).find_map(|id| sub_cells.iter().position(|c| cell_id(c) == Some(id)));
            let at = anchor.map_or(sub_cells.len(), |a| a + 1);
            sub_cells.insert(at, fresh);
            log.push((g.function.clone(), Restored::Reinserted));
        }
    }
    for c in sub_cells.iter_mut() {
        if c.get("cell_type").and_then(Value::as_str) == Some("code")
            && let Some(o) = c.as_object_mut()
        {
            o.insert("outputs".into(), json!([]));
            o.insert("execution_count".into(), Value::Null);
        }
    }
    let mut nb = submission.clone();
    if let Some(o) = nb.as_object_mut() {
        o.insert("cells".into(), Value::Array(sub_cells));
    }
    Ok((nb, log))
}

/// One graded function's result as reported by its cell.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionGrade {
    /// The graded function.
    pub function: String,
    /// Cases passed.
    pub passed: usize,
    /// Cases in all.
    pub total: usize,
    /// The per-case verdicts: name, expected, got, passed, reason.
    pub cases: Vec<Value>,
    /// Why there is no report, when the cell never produced one (empty otherwise).
    pub missing: String,
}

/// Every grader report in an executed notebook's outputs ([`crate::course::grade::GRADE_MIME`]),
/// in cell order. The payload may be stored as a JSON string (what evcxr sends) or as an
/// object.
pub fn grades_from_outputs(executed: &Value) -> Result<Vec<FunctionGrade>> {
    let mut out = Vec::new();
    for cell in cells(executed, "executed notebook")? {
        out.extend(cell_reports(&cell)?);
    }
    Ok(out)
}

/// The grader reports in one cell's outputs, in output order.
fn cell_reports(cell: &Value) -> Result<Vec<FunctionGrade>> {
    let mut out = Vec::new();
    for o in cell.get("outputs").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]) {
        let Some(payload) = o.pointer("/data").and_then(|d| d.get(crate::course::grade::GRADE_MIME)) else { continue };
        let v: Value = match payload {
            Value::String(s) => serde_json::from_str(s).map_err(|e| Error::parse("grade output", e.to_string()))?,
            Value::Array(parts) => serde_json::from_str(&parts.iter().filter_map(Value::as_str).collect::<String>())
                .map_err(|e| Error::parse("grade output", e.to_string()))?,
            other => other.clone(),
        };
        let n = |k: &str| v.get(k).and_then(Value::as_u64).unwrap_or(0) as usize;
        out.push(FunctionGrade {
            function: v.get("function").and_then(Value::as_str).unwrap_or("").to_string(),
            passed: n("passed"),
            total: n("total"),
            cases: v.get("cases").and_then(Value::as_array).cloned().unwrap_or_default(),
            missing: String::new(),
        });
    }
    Ok(out)
}

/// The first error an executed notebook shows (`ename: evalue` of the first error output),
/// if any: why a graded cell may not have reported.
pub fn first_error(executed: &Value) -> Option<String> {
    for cell in cells(executed, "executed notebook").ok()? {
        for o in cell.get("outputs").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]) {
            if o.get("output_type").and_then(Value::as_str) == Some("error") {
                let name = o.get("ename").and_then(Value::as_str).unwrap_or("error");
                let value = o.get("evalue").and_then(Value::as_str).unwrap_or("");
                let line = value.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
                return Some(format!("{name}: {}", line.chars().take(200).collect::<String>()));
            }
        }
    }
    None
}

/// One row per graded function of the solution, in the solution's order: the learner's
/// report for it, or 0 of the instructor's case count with the reason it is missing. A
/// function graded in more than one cell keeps the last report, as a re-run would show.
pub fn grade_notebook(solution: &Value, executed: Option<&Value>) -> Result<Vec<FunctionGrade>> {
    let graded = graded_cells(solution)?;
    // Only the instructor's own graded cells count, and in each the last report of its
    // function (the grader's own display comes after anything the learner's code printed):
    // a learner's cell that prints a report-shaped payload grades nothing. A report must
    // list exactly the instructor's number of cases (hidden ones included, which the learner
    // never saw) and count its passing ones truly. The learner's code runs in the grader's
    // process, so this raises the bar for a forgery rather than ruling it out, as with
    // nbgrader: the feedback pages show every case for a human to look at.
    let consistent = |r: &FunctionGrade, g: &GradedCell| {
        r.total == g.cases
            && r.cases.len() == g.cases
            && r.passed == r.cases.iter().filter(|c| c.get("passed").and_then(Value::as_bool) == Some(true)).count()
    };
    let mut reports = Vec::new();
    if let Some(nb) = executed {
        for cell in cells(nb, "executed notebook")? {
            let src = cell_source(&cell);
            for g in graded.iter().filter(|g| g.source == src) {
                if let Some(r) = cell_reports(&cell)?.into_iter().rev().find(|r| r.function == g.function)
                    && consistent(&r, g)
                {
                    reports.push(r);
                }
            }
        }
    }
    let why = match executed {
        None => "the notebook did not run (no executed copy)".to_string(),
        Some(nb) => first_error(nb)
            .map(|e| format!("its graded cell did not report; the notebook's first error: {e}"))
            .unwrap_or_else(|| "its graded cell did not report (a time limit, or the kernel stopped)".to_string()),
    };
    let mut seen: BTreeMap<String, FunctionGrade> = BTreeMap::new();
    for r in reports {
        seen.insert(r.function.clone(), r);
    }
    let mut rows = Vec::new();
    let mut listed = std::collections::HashSet::new();
    for g in graded {
        if !listed.insert(g.function.clone()) {
            continue;
        }
        rows.push(seen.remove(&g.function).unwrap_or(FunctionGrade {
            function: g.function.clone(),
            passed: 0,
            total: g.cases,
            cases: Vec::new(),
            missing: why.clone(),
        }));
    }
    Ok(rows)
}

/// One gradebook row.
#[derive(Debug, Clone, PartialEq)]
pub struct GradebookRow {
    /// The submission (learner).
    pub submission: String,
    /// The notebook, relative to the solutions folder.
    pub notebook: String,
    /// The graded function and its result.
    pub grade: FunctionGrade,
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

/// The gradebook as CSV: `submission,notebook,function,passed,total,note`, one row per
/// submission × graded function (`note` says why a function has no report).
pub fn gradebook_csv(rows: &[GradebookRow]) -> String {
    let mut s = String::from("submission,notebook,function,passed,total,note\n");
    for r in rows {
        s.push_str(&format!(
            "{},{},{},{},{},{}\n",
            csv_field(&r.submission),
            csv_field(&r.notebook),
            csv_field(&r.grade.function),
            r.grade.passed,
            r.grade.total,
            csv_field(&r.grade.missing)
        ));
    }
    s
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

const PAGE_STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse;margin:0.5rem 0}td,th{border:1px solid #d1d5db;padding:0.2rem 0.5rem;text-align:left;vertical-align:top}.pass{color:#1e7e34}.fail{color:#a71d2a;font-weight:bold}";

/// One page per notebook: a row per submission, a column per graded function
/// (`passed / total`), and the total.
pub fn summary_html(notebook: &str, rows: &[GradebookRow]) -> String {
    let mine: Vec<&GradebookRow> = rows.iter().filter(|r| r.notebook == notebook).collect();
    let mut functions: Vec<String> = Vec::new();
    for r in &mine {
        if !functions.contains(&r.grade.function) {
            functions.push(r.grade.function.clone());
        }
    }
    let mut subs: Vec<String> = mine.iter().map(|r| r.submission.clone()).collect();
    subs.dedup();
    let mut h = format!(
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>{0}</title><style>{PAGE_STYLE}</style></head><body><h1>{0}</h1><table><tr><th>submission</th>",
        esc(notebook)
    );
    for f in &functions {
        h.push_str(&format!("<th><code>{}</code></th>", esc(f)));
    }
    h.push_str("<th>total</th></tr>");
    for s in &subs {
        h.push_str(&format!("<tr><td><a href='../feedback/{0}.html'>{0}</a></td>", esc(s)));
        let (mut p, mut t) = (0, 0);
        for f in &functions {
            match mine.iter().find(|r| &r.submission == s && &r.grade.function == f) {
                Some(r) => {
                    p += r.grade.passed;
                    t += r.grade.total;
                    let class = if r.grade.passed == r.grade.total && r.grade.total > 0 { "pass" } else { "fail" };
                    h.push_str(&format!("<td class='{class}'>{} / {}</td>", r.grade.passed, r.grade.total));
                }
                None => h.push_str("<td>—</td>"),
            }
        }
        h.push_str(&format!("<td>{p} / {t}</td></tr>"));
    }
    h.push_str("</table></body></html>\n");
    h
}

/// One page per submission: for each notebook and graded function, every case with what
/// was expected and what the learner's function gave, or why the function has no result.
pub fn feedback_html(submission: &str, rows: &[GradebookRow]) -> String {
    let mut h = format!(
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>{0}</title><style>{PAGE_STYLE}</style></head><body><h1>Feedback for {0}</h1>",
        esc(submission)
    );
    let mut current = String::new();
    for r in rows.iter().filter(|r| r.submission == submission) {
        if r.notebook != current {
            current = r.notebook.clone();
            h.push_str(&format!("<h2>{}</h2>", esc(&current)));
        }
        let g = &r.grade;
        h.push_str(&format!("<h3><code>{}</code>: {} of {} cases passed</h3>", esc(&g.function), g.passed, g.total));
        if !g.missing.is_empty() {
            h.push_str(&format!("<p class='fail'>{}</p>", esc(&g.missing)));
            continue;
        }
        h.push_str("<table><tr><th>case</th><th>expected</th><th>got</th><th>result</th><th>reason</th></tr>");
        for c in &g.cases {
            let s = |k: &str| c.get(k).and_then(Value::as_str).unwrap_or("").to_string();
            let ok = c.get("passed").and_then(Value::as_bool).unwrap_or(false);
            h.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td class='{}'>{}</td><td>{}</td></tr>",
                esc(&s("name")),
                esc(&s("expected")),
                esc(&s("got")),
                if ok { "pass" } else { "fail" },
                if ok { "pass" } else { "FAIL" },
                esc(&s("reason"))
            ));
        }
        h.push_str("</table>");
    }
    h.push_str("</body></html>\n");
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(id: &str, src: &str) -> Value {
        json!({"cell_type": "code", "id": id, "metadata": {}, "outputs": [], "execution_count": null, "source": src})
    }

    fn solution() -> Value {
        json!({"cells": [
            code("a", "fn double(x: i32) -> i32 {\n    // BEGIN SOLUTION\n    2 * x\n    // END SOLUTION\n}"),
            code("b", "Grader::new(\"double\")\n    .case(\"two\", 2, 4)\n    // BEGIN HIDDEN TESTS\n    .case(\"three\", 3, 6)\n    // END HIDDEN TESTS\n    .run(double)"),
            code("c", "println!(\"done\");"),
        ], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    }

    #[test]
    fn graded_cells_are_found_with_their_cases() {
        let g = graded_cells(&solution()).unwrap();
        assert_eq!(g.len(), 1);
        assert_eq!((g[0].id.as_str(), g[0].function.as_str(), g[0].cases), ("b", "double", 2));
        let mixed = json!({"cells": [code("x", "// BEGIN SOLUTION\n// END SOLUTION\nGrader::new(\"f\").run(f)")]});
        assert!(graded_cells(&mixed).is_err());
    }

    #[test]
    fn edited_and_deleted_graded_cells_come_back() {
        let sol = solution();
        let learner_fn = code("a", "fn double(x: i32) -> i32 { x + x }");
        // Edited to pass: the instructor's cell replaces it, hidden case included.
        let edited = json!({"cells": [learner_fn, code("b", "Grader::new(\"double\").case(\"two\", 2, 4).run(|_| 4)"), code("c", "")]});
        let (nb, log) = restore_graded_cells(&sol, &edited).unwrap();
        assert_eq!(log, vec![("double".to_string(), Restored::Replaced)]);
        assert!(cell_source(&nb["cells"][1]).contains(".case(\"three\", 3, 6)"));
        assert_eq!(cell_source(&nb["cells"][0]), "fn double(x: i32) -> i32 { x + x }");
        // Deleted: put back after the learner's cell "a".
        let deleted = json!({"cells": [code("a", "fn double(x: i32) -> i32 { 2 * x }"), code("c", "")]});
        let (nb, log) = restore_graded_cells(&sol, &deleted).unwrap();
        assert_eq!(log, vec![("double".to_string(), Restored::Reinserted)]);
        assert_eq!(cell_id(&nb["cells"][1]), Some("b"));
        // Untouched exercise cell (hidden cases removed by the generator): unchanged.
        let ex = crate::course::exercise::make_exercise(&sol, "s.ipynb").unwrap();
        let (_, log) = restore_graded_cells(&sol, &ex).unwrap();
        assert_eq!(log[0].1, Restored::Unchanged);
    }

    #[test]
    fn grades_come_from_the_json_output_and_missing_ones_score_zero() {
        let sol = solution();
        let report = crate::course::grade::Grader::new("double").case("two", 2, 4).case("three", 3, 6).run(|x: i32| x + 2);
        let mut executed = sol.clone();
        executed["cells"][1]["outputs"] = json!([{"output_type": "execute_result", "execution_count": 2, "metadata": {},
            "data": {"text/html": "<p>…</p>", crate::course::grade::GRADE_MIME: report.to_json()}}]);
        let rows = grade_notebook(&sol, Some(&executed)).unwrap();
        assert_eq!((rows[0].passed, rows[0].total, rows[0].missing.as_str()), (1, 2, ""));
        // A notebook that stopped at an error before the graded cell.
        let mut failed = sol.clone();
        failed["cells"][0]["outputs"] =
            json!([{"output_type": "error", "ename": "Error", "evalue": "`double` is not written yet", "traceback": []}]);
        let rows = grade_notebook(&sol, Some(&failed)).unwrap();
        assert_eq!((rows[0].passed, rows[0].total), (0, 2));
        assert!(rows[0].missing.contains("`double` is not written yet"), "{}", rows[0].missing);
        let rows = grade_notebook(&sol, None).unwrap();
        assert!(rows[0].missing.contains("did not run"));
    }

    #[test]
    fn a_forged_report_grades_nothing() {
        let sol = solution();
        let forged = json!({"function": "double", "passed": 9, "total": 9, "cases": []}).to_string();
        let real = crate::course::grade::Grader::new("double").case("two", 2, 4).case("three", 3, 6).run(|x: i32| x + 2);
        let out = |payloads: Vec<String>| {
            json!(
                payloads
                    .into_iter()
                    .map(|p| json!({"output_type": "display_data", "metadata": {},
                "data": {crate::course::grade::GRADE_MIME: p}}))
                    .collect::<Vec<_>>()
            )
        };
        // Printed from a learner's own cell (not the instructor's graded cell): ignored.
        let mut executed = sol.clone();
        executed["cells"][2]["outputs"] = out(vec![forged.clone()]);
        let rows = grade_notebook(&sol, Some(&executed)).unwrap();
        assert_eq!((rows[0].passed, rows[0].total), (0, 2));
        // Printed by the learner's function inside the graded cell, before the grader's own
        // report: the grader's (last) report counts.
        executed["cells"][2]["outputs"] = json!([]);
        executed["cells"][1]["outputs"] = out(vec![forged.clone(), real.to_json()]);
        let rows = grade_notebook(&sol, Some(&executed)).unwrap();
        assert_eq!((rows[0].passed, rows[0].total), (1, 2));
        // Alone in the graded cell (the grader never reported), a payload that does not list
        // the instructor's cases counts for nothing.
        executed["cells"][1]["outputs"] = out(vec![forged]);
        let rows = grade_notebook(&sol, Some(&executed)).unwrap();
        assert_eq!((rows[0].passed, rows[0].total), (0, 2));
        let visible_only = crate::course::grade::Grader::new("double").case("two", 2, 4).run(|x: i32| 2 * x);
        executed["cells"][1]["outputs"] = out(vec![visible_only.to_json()]);
        assert_eq!(grade_notebook(&sol, Some(&executed)).unwrap()[0].passed, 0);
    }

    #[test]
    fn gradebook_and_pages() {
        let row = |s: &str, p: usize| GradebookRow {
            submission: s.into(),
            notebook: "nb.ipynb".into(),
            grade: FunctionGrade {
                function: "double".into(),
                passed: p,
                total: 2,
                cases: vec![json!({"name": "two", "expected": "4", "got": "<4>", "passed": true, "reason": ""})],
                missing: String::new(),
            },
        };
        let rows = vec![row("ada", 2), row("bob, jr", 1)];
        assert_eq!(
            gradebook_csv(&rows),
            "submission,notebook,function,passed,total,note\nada,nb.ipynb,double,2,2,\n\"bob, jr\",nb.ipynb,double,1,2,\n"
        );
        let s = summary_html("nb.ipynb", &rows);
        assert!(s.contains("<td class='pass'>2 / 2</td>") && s.contains("<td class='fail'>1 / 2</td>"));
        let f = feedback_html("ada", &rows);
        assert!(f.contains("&lt;4&gt;") && !f.contains("bob"));
    }
}
