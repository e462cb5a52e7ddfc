//! `ai4med-grade`: the two file-handling halves of `make grade` (see [`ai4med::course::autograde`]);
//! `tools/ai4med.sh grade` runs the notebooks in between.
//!
//! ```text
//! ai4med-grade prepare SOLUTIONS SUBMISSIONS WORK
//! ai4med-grade report  SOLUTIONS WORK EXECUTED OUT
//! ```
//!
//! `prepare` matches every submitted notebook to its solution by file name and writes the
//! learner's copy with the instructor's graded cells put back to `WORK/<learner>/<path of the
//! solution>`, plus `WORK/manifest.json`. Submissions come as one folder per learner
//! (`SUBMISSIONS/<learner>/…/<notebook>.ipynb`) or as files named by learner
//! (`SUBMISSIONS/<learner>--<notebook>.ipynb`). `report` reads the executed copies under
//! `EXECUTED/<learner>/…` (a missing one scores 0) and writes `OUT/gradebook.csv`,
//! `OUT/summary/<notebook>.html` and `OUT/feedback/<learner>.html`.

use ai4med::course::autograde::{GradebookRow, feedback_html, grade_notebook, gradebook_csv, restore_graded_cells, summary_html};
use ai4med::course::exercise::{find_solution_notebooks, read_notebook, to_notebook_string};
use ai4med::{Error, Result};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let run = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["prepare", sol, sub, work] => prepare(Path::new(sol), Path::new(sub), Path::new(work)),
        ["report", sol, work, exec, out] => report(Path::new(sol), Path::new(work), Path::new(exec), Path::new(out)),
        _ => {
            eprintln!("usage: ai4med-grade prepare SOLUTIONS SUBMISSIONS WORK\n       ai4med-grade report SOLUTIONS WORK EXECUTED OUT");
            return ExitCode::from(2);
        }
    };
    match run {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn io(p: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| Error::io(p, e)
}

/// Every `.ipynb` under `dir`, sorted, skipping checkpoints.
fn notebooks_under(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).map_err(io(&d))? {
            let p = entry.map_err(io(&d))?.path();
            if p.is_dir() {
                if p.file_name().is_some_and(|n| n != ".ipynb_checkpoints") {
                    stack.push(p);
                }
            } else if p.extension().is_some_and(|e| e == "ipynb") {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

fn file_name(p: &Path) -> String {
    p.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default()
}

/// (learner, notebook file name, path) for every submitted notebook.
fn submissions(dir: &Path) -> Result<Vec<(String, String, PathBuf)>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io(dir))? {
        let p = entry.map_err(io(dir))?.path();
        if p.is_dir() {
            let learner = file_name(&p);
            for nb in notebooks_under(&p)? {
                out.push((learner.clone(), file_name(&nb), nb));
            }
        } else if p.extension().is_some_and(|e| e == "ipynb") {
            let name = file_name(&p);
            match name.split_once("--") {
                Some((learner, notebook)) if !learner.is_empty() => out.push((learner.to_string(), notebook.to_string(), p.clone())),
                _ => {
                    return Err(Error::invalid_arg(
                        "SUBMISSIONS",
                        format!("{name}: a file at the top level must be named LEARNER--NOTEBOOK.ipynb"),
                    ));
                }
            }
        }
    }
    out.sort();
    Ok(out)
}

fn prepare(sol_dir: &Path, sub_dir: &Path, work: &Path) -> Result<()> {
    let mut by_name: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for s in find_solution_notebooks(sol_dir)? {
        by_name.entry(file_name(&s)).or_default().push(s);
    }
    if work.exists() {
        std::fs::remove_dir_all(work).map_err(io(work))?;
    }
    let mut manifest = Vec::new();
    for (learner, name, path) in submissions(sub_dir)? {
        let Some(solutions) = by_name.get(&name) else {
            println!("skipped  {learner}: {name} matches no solution notebook");
            continue;
        };
        if solutions.len() > 1 {
            return Err(Error::invalid_arg("SOLUTIONS", format!("{name} names {} solution notebooks", solutions.len())));
        }
        let sol_path = &solutions[0];
        let rel = sol_path.strip_prefix(sol_dir).unwrap_or(sol_path).to_path_buf();
        let solution = read_notebook(sol_path)?;
        if ai4med::course::autograde::graded_cells(&solution)?.is_empty() {
            println!("skipped  {learner}: {name} has no graded cells");
            continue;
        }
        let entry = match read_notebook(&path).and_then(|sub| restore_graded_cells(&solution, &sub)) {
            Ok((nb, log)) => {
                let target = work.join(&learner).join(&rel);
                if let Some(d) = target.parent() {
                    std::fs::create_dir_all(d).map_err(io(d))?;
                }
                std::fs::write(&target, to_notebook_string(&nb)?).map_err(io(&target))?;
                let changed: Vec<String> = log
                    .iter()
                    .filter(|(_, r)| *r != ai4med::course::autograde::Restored::Unchanged)
                    .map(|(f, r)| format!("{f} ({r:?})"))
                    .collect();
                println!(
                    "prepared {learner}: {}{}",
                    rel.display(),
                    if changed.is_empty() { String::new() } else { format!("; graded cells put back: {}", changed.join(", ")) }
                );
                json!({"submission": learner, "notebook": rel.to_string_lossy(), "prepared": true, "restored": changed})
            }
            Err(e) => {
                // An unreadable notebook scores 0 on every graded function; the run goes on.
                println!("unreadable {learner}: {name}: {e}");
                json!({"submission": learner, "notebook": rel.to_string_lossy(), "prepared": false, "error": e.to_string()})
            }
        };
        manifest.push(entry);
    }
    std::fs::create_dir_all(work).map_err(io(work))?;
    let m = work.join("manifest.json");
    std::fs::write(&m, serde_json::to_string_pretty(&manifest).map_err(|e| Error::parse("manifest", e.to_string()))? + "\n")
        .map_err(io(&m))?;
    println!("{} submitted notebook(s) prepared in {}", manifest.len(), work.display());
    Ok(())
}

fn report(sol_dir: &Path, work: &Path, executed: &Path, out: &Path) -> Result<()> {
    let m = work.join("manifest.json");
    let manifest: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(&m).map_err(io(&m))?).map_err(|e| Error::parse("manifest", e.to_string()))?;
    let mut rows = Vec::new();
    for entry in &manifest {
        let learner = entry["submission"].as_str().unwrap_or("").to_string();
        let rel = entry["notebook"].as_str().unwrap_or("").to_string();
        let solution = read_notebook(&sol_dir.join(&rel))?;
        let exec_path = executed.join(&learner).join(&rel);
        let exec = if exec_path.exists() { Some(read_notebook(&exec_path)?) } else { None };
        let mut grades = grade_notebook(&solution, exec.as_ref())?;
        if let Some(e) = entry.get("error").and_then(Value::as_str) {
            for g in grades.iter_mut() {
                g.missing = format!("the submitted notebook could not be read: {e}");
            }
        }
        rows.extend(grades.into_iter().map(|grade| GradebookRow { submission: learner.clone(), notebook: rel.clone(), grade }));
    }
    for d in ["summary", "feedback"] {
        std::fs::create_dir_all(out.join(d)).map_err(io(out))?;
    }
    let csv = out.join("gradebook.csv");
    std::fs::write(&csv, gradebook_csv(&rows)).map_err(io(&csv))?;
    let mut notebooks: Vec<&str> = rows.iter().map(|r| r.notebook.as_str()).collect();
    notebooks.sort();
    notebooks.dedup();
    for nb in &notebooks {
        let page = out.join("summary").join(format!("{}.html", nb.trim_end_matches(".ipynb").replace('/', "__")));
        std::fs::write(&page, summary_html(nb, &rows)).map_err(io(&page))?;
    }
    let mut learners: Vec<&str> = rows.iter().map(|r| r.submission.as_str()).collect();
    learners.sort();
    learners.dedup();
    for l in &learners {
        let page = out.join("feedback").join(format!("{l}.html"));
        std::fs::write(&page, feedback_html(l, &rows)).map_err(io(&page))?;
    }
    let (p, t): (usize, usize) = rows.iter().fold((0, 0), |(p, t), r| (p + r.grade.passed, t + r.grade.total));
    println!(
        "gradebook: {} row(s), {} submission(s), {} notebook(s), {p} of {t} cases passed → {}",
        rows.len(),
        learners.len(),
        notebooks.len(),
        csv.display()
    );
    Ok(())
}
