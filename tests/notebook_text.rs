//! Checks on the notebooks' own text (markdown cells of the solution notebooks, which the
//! exercise copies share).
//!
//! Formulas are LaTeX between `$…$`: a subscript written as plain text (`d_i / n_i`,
//! `∏_{t_i ≤ t}`) renders as literal underscores in Jupyter and in the HTML, and italic
//! runs where Markdown reads `_…_` as emphasis.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use regex::Regex;
use serde_json::Value;
use std::path::Path;

fn markdown_cells(nb: &Value) -> Vec<String> {
    nb["cells"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["cell_type"] == "markdown")
        .map(|c| match &c["source"] {
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect::<String>(),
            Value::String(s) => s.clone(),
            _ => String::new(),
        })
        .collect()
}

/// The text of a markdown cell with math (`$$…$$`, `$…$`), code spans and HTML comments removed.
fn prose(md: &str) -> String {
    let mut t = md.to_string();
    for re in [r"(?s)\$\$.*?\$\$", r"\$[^$\n]*\$", r"`[^`\n]*`", r"(?s)<!--.*?-->", r"\]\([^)]*\)"] {
        t = Regex::new(re).unwrap().replace_all(&t, " ").into_owned();
    }
    t
}

#[test]
fn formulas_are_inside_dollars() {
    // A subscript (x_i, t_{i}), a LaTeX command, or a big operator written as text.
    let math = Regex::new(r"\b[A-Za-z]_(?:\{|[A-Za-z0-9]\b)|\\[a-z]{2,}\b|[∏∑∫]").unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("notebooks");
    let mut found = Vec::new();
    for p in ai4med::course::exercise::find_solution_notebooks(&root).unwrap() {
        let nb = ai4med::course::exercise::read_notebook(&p).unwrap();
        for (i, md) in markdown_cells(&nb).iter().enumerate() {
            let text = prose(md);
            if let Some(m) = math.find(&text) {
                let start = text[..m.start()].char_indices().rev().nth(30).map_or(0, |(k, _)| k);
                let end = text[m.end()..].char_indices().nth(30).map_or(text.len(), |(k, _)| m.end() + k);
                found.push(format!("{} markdown cell {i}: …{}…", p.strip_prefix(&root).unwrap_or(&p).display(), &text[start..end]));
            }
        }
    }
    assert!(found.is_empty(), "formulas outside $…$:\n{}", found.join("\n"));
}

#[test]
fn the_check_sees_a_plain_text_formula() {
    let math = Regex::new(r"\b[A-Za-z]_(?:\{|[A-Za-z0-9]\b)|\\[a-z]{2,}\b|[∏∑∫]").unwrap();
    assert!(math.is_match(&prose("with d_i the deaths at t_i")));
    assert!(!math.is_match(&prose("with $d_i$ the deaths, `n_i` in code, $$\\prod_i x$$")));
}
