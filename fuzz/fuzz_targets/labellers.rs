//! The report labellers the `report` and `openi` targets run (included by `#[path]`; not a
//! target itself): keyword, negation words, NegBio and ConText.
use ai4med::nlp::{ConText, Labeler, Method, NegBio, PhraseLists};
use std::sync::OnceLock;

pub fn labellers() -> &'static [Labeler] {
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
