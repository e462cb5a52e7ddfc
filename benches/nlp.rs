//! Report labelling benchmark (`cargo bench --bench nlp`); `benches/nlp_vs_python.sh` runs it
//! next to medspaCy's ConText on the same reports and rules.
//!
//! 1e5 generated report impressions (`nlp::synthetic_reports(100_000, 1)`), written to
//! `$TMPDIR/ai4med-bench-nlp/reports.txt` for the Python side, labelled with the CheXpert
//! phrase lists by ConText (`Method::context`) and by NegBio's regular expressions, on all
//! threads and on one.
//!
//! Then, when set-up has fetched them (`make nlp-data`), the 3,955 real OpenI reports: each
//! labeller's precision / recall / F1 per observation against the reports' MeSH indexing
//! (`nlp::evaluate_on_mesh`), and the files the Python side needs for the same evaluation:
//! the labeller's sentences of every scored report (`openi_sentences.jsonl`, in the
//! temporary folder only: the reports may not be redistributed), the MeSH gold labels, our
//! ConText labels and our CXR rules. `NLP_BENCH=openi` runs only this part.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

#[path = "common.rs"]
mod common;
use common::best_of;

use ai4med::nlp::{
    CXR_EXTRA_RULES, CXR_SCOPED_RULES, Label, Labeler, Method, PhraseLists, evaluate_labels, evaluate_on_mesh, mesh_labels,
    openi_available, openi_path, read_openi, synthetic_reports,
};

fn codes(labels: &[Label]) -> String {
    labels.iter().map(|l| l.code().map(|c| c.to_string()).unwrap_or_else(|| "NA".into())).collect::<Vec<_>>().join(",")
}

fn openi(dir: &std::path::Path) {
    if !openi_available() {
        println!("(OpenI reports not fetched: `make nlp-data`; real-report evaluation skipped)");
        return;
    }
    let reports = read_openi(openi_path()).unwrap();
    let scored: Vec<_> = reports.iter().filter(|r| r.is_indexed() && !r.text().is_empty()).collect();
    let texts: Vec<String> = scored.iter().map(|r| r.text()).collect();
    let methods = [
        ("keyword", Method::Keyword),
        ("course negation substrings", Method::course_negation()),
        ("NegBio regex", Method::negbio().unwrap()),
        ("ConText", Method::context().unwrap()),
    ];
    println!("\nOpenI: {} reports, {} scored against MeSH (indexed, with FINDINGS or IMPRESSION)", reports.len(), scored.len());
    println!("| labeller | macro F1 (observations with >= 20 MeSH positives) | {} |", PhraseLists::chexpert().unwrap().names().join(" | "));
    for (name, m) in methods {
        let l = Labeler::new(PhraseLists::chexpert().unwrap(), m);
        let ev = evaluate_on_mesh(&l, &reports).unwrap();
        let f: Vec<String> = ev.scores.f1.iter().map(|x| format!("{x:.3}")).collect();
        println!("| ai4med {name} | {:.3} | {} |", ev.macro_f1(20), f.join(" | "));
        if name == "ConText" {
            println!("ConText labelling OpenI reports: {:.4} s", best_of(5, || l.label_all(&texts).unwrap()));
            let names = l.names();
            let labelled = l.label_all(&texts).unwrap();
            let mut sentences = String::new();
            for r in &labelled {
                sentences.push_str(&serde_json::to_string(&r.sentences).unwrap());
                sentences.push('\n');
            }
            std::fs::write(dir.join("openi_sentences.jsonl"), sentences).unwrap();
            std::fs::write(dir.join("openi_ours.csv"), labelled.iter().map(|r| codes(&r.labels)).collect::<Vec<_>>().join("\n")).unwrap();
            std::fs::write(
                dir.join("openi_gold.csv"),
                scored.iter().map(|r| codes(&mesh_labels(r, &names))).collect::<Vec<_>>().join("\n"),
            )
            .unwrap();
            std::fs::write(dir.join("openi_support.csv"), ev.scores.support.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(","))
                .unwrap();
        }
        if name == "NegBio regex" {
            println!("NegBio regex labelling OpenI reports: {:.4} s", best_of(5, || l.label_all(&texts).unwrap()));
        }
    }
    let dir_name = |d: ai4med::nlp::Direction| format!("{d:?}").to_uppercase();
    let snake = |s: String| {
        let mut o = String::new();
        for (i, ch) in s.chars().enumerate() {
            if ch.is_uppercase() && i > 0 {
                o.push('_');
            }
            o.push(ch.to_ascii_uppercase());
        }
        o
    };
    let mut rules: Vec<serde_json::Value> = CXR_EXTRA_RULES.iter().map(|(l, c, d)| serde_json::json!({"literal": l, "category": snake(format!("{c:?}")), "direction": dir_name(*d), "max_scope": null})).collect();
    rules.extend(CXR_SCOPED_RULES.iter().map(
        |(l, c, d, n)| serde_json::json!({"literal": l, "category": snake(format!("{c:?}")), "direction": dir_name(*d), "max_scope": n}),
    ));
    std::fs::write(dir.join("cxr_rules.json"), serde_json::to_string_pretty(&rules).unwrap()).unwrap();
}

fn main() {
    let dir = std::env::temp_dir().join("ai4med-bench-nlp");
    std::fs::create_dir_all(&dir).unwrap();
    if std::env::var("NLP_BENCH").as_deref() == Ok("openi") {
        openi(&dir);
        return;
    }
    let data = synthetic_reports(100_000, 1).unwrap();
    std::fs::write(dir.join("reports.txt"), data.reports.join("\n")).unwrap();
    let context = Labeler::new(PhraseLists::chexpert().unwrap(), Method::context().unwrap());
    let negbio = Labeler::new(PhraseLists::chexpert().unwrap(), Method::negbio().unwrap());
    let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    println!("ConText labelling 1e5 reports: {:.4} s", best_of(3, || context.label_all(&data.reports).unwrap()));
    println!(
        "ConText labelling 1e5 reports, one thread: {:.4} s",
        one.install(|| best_of(3, || context.label_all(&data.reports).unwrap()))
    );
    println!("NegBio regex labelling 1e5 reports: {:.4} s", best_of(3, || negbio.label_all(&data.reports).unwrap()));
    let pred: Vec<Vec<Label>> = context.label_all(&data.reports).unwrap().into_iter().map(|r| r.labels).collect();
    let f1 = evaluate_labels(&data.labels, &pred, &data.names).unwrap().macro_f1();
    println!("(ConText macro F1 against the generator's labels: {f1:.4})");
    let rows: Vec<String> = pred.iter().map(|r| codes(r)).collect();
    std::fs::write(dir.join("ours.csv"), rows.join("\n")).unwrap();
    openi(&dir);
}
