#![no_main]
//! Report text through cleaning, sentence splitting and the four labellers (keyword,
//! negation words, NegBio, ConText): any UTF-8 text, never a panic.
#[path = "labellers.rs"]
mod labellers;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = ai4med::nlp::clean(text);
    let _ = ai4med::nlp::split_sentences(text);
    for l in labellers::labellers() {
        let _ = l.label(text);
    }
});
