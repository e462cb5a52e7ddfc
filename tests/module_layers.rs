//! The crate's top-level modules form layers: no module uses a sibling that uses it back
//! (directly or through a longer loop). Read from the sources: every `crate::module` path
//! in code (comments, doc links and `#[cfg(test)]` modules excluded) is an edge.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn top_modules(src: &Path) -> Vec<String> {
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
    lib.lines().filter_map(|l| l.trim().strip_prefix("pub mod ").and_then(|m| m.strip_suffix(';')).map(str::to_string)).collect()
}

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Code lines of a file: comments dropped, unit-test modules cut off.
fn code(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(k) => &text[..k],
        None => text,
    };
    text.lines().filter(|l| !l.trim_start().starts_with("//")).map(|l| l.split(" //").next().unwrap_or(l)).collect::<Vec<_>>().join("\n")
}

#[test]
fn no_module_uses_a_module_that_uses_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let modules = top_modules(&src);
    assert!(modules.len() > 10, "{modules:?}");
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for m in &modules {
        let mut paths = Vec::new();
        let dir = src.join(m);
        if dir.is_dir() {
            files(&dir, &mut paths);
        } else {
            paths.push(src.join(format!("{m}.rs")));
        }
        let deps = edges.entry(m.clone()).or_default();
        for p in paths {
            let text = code(&std::fs::read_to_string(&p).unwrap());
            for other in &modules {
                if other != m && (text.contains(&format!("crate::{other}::")) || text.contains(&format!("crate::{other};"))) {
                    deps.insert(other.clone());
                }
            }
        }
    }
    // every cycle, found by depth-first search from each module
    let mut cycles = Vec::new();
    for start in &modules {
        let mut stack = vec![(start.clone(), vec![start.clone()])];
        while let Some((node, path)) = stack.pop() {
            for next in edges.get(&node).into_iter().flatten() {
                if next == start {
                    cycles.push(path.join(" → ") + " → " + start);
                } else if !path.contains(next) && next > start {
                    let mut p = path.clone();
                    p.push(next.clone());
                    stack.push((next.clone(), p));
                }
            }
        }
    }
    assert!(cycles.is_empty(), "module cycles:\n{}", cycles.join("\n"));
}
