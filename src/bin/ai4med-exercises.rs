//! `ai4med-exercises`: writes the exercise version of every solution notebook.
//!
//! Usage: `ai4med-exercises [--force] [--out DIR] [SOLUTIONS_DIR]`
//! (defaults: `notebooks` → `exercises`). Notebooks without solution markers are
//! skipped. An exercise a learner has edited is kept unless `--force` is given.

use ai4med::course::exercise::{WriteOutcome, find_solution_notebooks, write_exercise};
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut force = false;
    let mut out = PathBuf::from("exercises");
    let mut src = PathBuf::from("notebooks");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--force" => force = true,
            "--out" => match args.next() {
                Some(d) => out = PathBuf::from(d),
                None => {
                    eprintln!("--out needs a directory");
                    return ExitCode::from(2);
                }
            },
            "-h" | "--help" => {
                println!("usage: ai4med-exercises [--force] [--out DIR] [SOLUTIONS_DIR]");
                return ExitCode::SUCCESS;
            }
            other if other.starts_with('-') => {
                eprintln!("unknown option {other}; see --help");
                return ExitCode::from(2);
            }
            other => src = PathBuf::from(other),
        }
    }
    let solutions = match find_solution_notebooks(&src) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut failed = false;
    for sol in &solutions {
        let rel = sol.strip_prefix(&src).unwrap_or(sol);
        let target = out.join(rel);
        match write_exercise(sol, &target, force) {
            Ok(WriteOutcome::KeptEdited) => {
                println!("kept     {} (you have edited it; --force overwrites)", target.display())
            }
            Ok(o) => println!("{:<8} {}", format!("{o:?}").to_lowercase(), target.display()),
            Err(e) => {
                eprintln!("error    {}: {e}", sol.display());
                failed = true;
            }
        }
    }
    println!("{} solution notebook(s) → {}", solutions.len(), out.display());
    if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}
