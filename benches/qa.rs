//! Question-answering latency (`cargo bench --features torch --bench qa`): `QaModel::answer`
//! per question (tokenize, pack, one forward pass, span search) on a generated clinical note of
//! about 100 word pieces, CPU, for the assignment's tiny BERT (2 layers, hidden 64) and for a
//! randomly initialised BERT-base-sized model (12 layers, hidden 768, 110 M weights). There is
//! no Python reference: the course's model is not available offline.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

#[path = "common.rs"]
mod common;
use common::best_of;

use ai4med::nlp::qa::{QaModel, QaTokenizer, tiny_bert_config};
use ai4med::nlp::synthetic_qa;
use rust_bert::bert::BertConfig;
use tch::Device;

fn main() {
    tch::set_num_threads(rayon::current_num_threads() as i32);
    let ex = synthetic_qa(50, 3).unwrap();
    let e = ex.iter().max_by_key(|e| e.passage.len()).unwrap();
    let n = QaTokenizer::bundled().unwrap().len();
    println!("passage of {} word pieces", QaTokenizer::bundled().unwrap().pieces(&e.passage).tokens.len());
    let tiny = QaModel::new(&tiny_bert_config(n), QaTokenizer::bundled().unwrap(), 0, Device::Cpu).unwrap();
    println!(
        "tiny BERT ({} weights) answer per question: {:.4} s",
        tiny.parameter_count(),
        best_of(20, || tiny.answer(&e.question, &e.passage).unwrap())
    );
    let mut base = QaModel::new(&BertConfig::default(), QaTokenizer::bundled().unwrap(), 0, Device::Cpu).unwrap();
    base.max_seq_length = 384;
    println!(
        "BERT-base-sized ({} weights) answer per question, max length 384: {:.4} s",
        base.parameter_count(),
        best_of(5, || base.answer(&e.question, &e.passage).unwrap())
    );
}
