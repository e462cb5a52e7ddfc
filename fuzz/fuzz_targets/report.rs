#![no_main]
//! Report text through cleaning, sentence splitting and the four labellers (keyword,
//! negation words, NegBio, ConText): any UTF-8 text, never a panic.
use ai4med::nlp::{ConText, Labeler, Method, NegBio, PhraseLists};
use std::sync::OnceLock;

fn labellers() -> &'static [Labeler] {
    static L: OnceLock<Vec<Labeler>> = OnceLock::new();
    L.get_or_init(|| {
        let p = PhraseLists::chexpert().expect("bundled phrases");
        vec![
            Labeler::new(p.clone(), Method::Keyword),
            Labeler::new(p.clone(), Method::KeywordNegation(vec!["no".into(), "not".into()])),
            Labeler::new(p.clone(), Method::NegBio(Box::new(NegBio::radtext().expect("bundled patterns")))),
            Labeler::new(p, Method::ConText(Box::new(ConText::clinical().expect("bundled rules")))),
        ]
    })
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = ai4med::nlp::clean(text);
    let _ = ai4med::nlp::split_sentences(text);
    for l in labellers() {
        let _ = l.label(text);
    }
});
