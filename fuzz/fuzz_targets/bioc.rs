#![no_main]
//! BioC collections as XML and as JSON; a parsed collection must write and read back.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(c) = ai4med::nlp::bioc::Collection::from_xml(text) {
        let back = ai4med::nlp::bioc::Collection::from_xml(&c.to_xml()).expect("a written collection reads back");
        assert_eq!(back.documents.len(), c.documents.len());
    }
    if let Ok(c) = ai4med::nlp::bioc::Collection::from_json(text) {
        let json = c.to_json().expect("a parsed collection writes");
        ai4med::nlp::bioc::Collection::from_json(&json).expect("a written collection reads back");
    }
});
