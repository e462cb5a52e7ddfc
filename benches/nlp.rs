//! Report labelling benchmark (`cargo bench --bench nlp`); `benches/nlp_vs_python.sh` runs it
//! next to medspaCy's ConText on the same reports and rules.
//!
//! 1e5 generated report impressions (`nlp::synthetic_reports(100_000, 1)`), written to
//! `$TMPDIR/ai4med-bench-nlp/reports.txt` for the Python side, labelled with the CheXpert
//! phrase lists by ConText (`Method::context`) and by NegBio's regular expressions, on all
//! threads and on one.

#[path = "common.rs"]
mod common;
use common::best_of;

use ai4med::nlp::{Label, Labeler, Method, PhraseLists, evaluate_labels, synthetic_reports};

fn main() {
    let data = synthetic_reports(100_000, 1).unwrap();
    let dir = std::env::temp_dir().join("ai4med-bench-nlp");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("reports.txt"), data.reports.join("\n")).unwrap();
    let context = Labeler::new(PhraseLists::chexpert().unwrap(), Method::context().unwrap());
    let negbio = Labeler::new(PhraseLists::chexpert().unwrap(), Method::negbio().unwrap());
    let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    println!("ConText labelling 1e5 reports: {:.4} s", best_of(3, || context.label_all(&data.reports).unwrap()));
    println!("ConText labelling 1e5 reports, one thread: {:.4} s", one.install(|| best_of(3, || context.label_all(&data.reports).unwrap())));
    println!("NegBio regex labelling 1e5 reports: {:.4} s", best_of(3, || negbio.label_all(&data.reports).unwrap()));
    let pred: Vec<Vec<Label>> = context.label_all(&data.reports).unwrap().into_iter().map(|r| r.labels).collect();
    let f1 = evaluate_labels(&data.labels, &pred, &data.names).unwrap().macro_f1();
    println!("(ConText macro F1 against the generator's labels: {f1:.4})");
    let codes: Vec<String> = pred.iter().map(|r| r.iter().map(|l| l.code().map(|c| c.to_string()).unwrap_or_else(|| "NA".into())).collect::<Vec<_>>().join(",")).collect();
    std::fs::write(dir.join("ours.csv"), codes.join("\n")).unwrap();
}
