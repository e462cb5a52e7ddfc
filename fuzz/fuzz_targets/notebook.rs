#![no_main]
//! The exercise generator: marker regions in code and markdown, and whole notebooks.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = ai4med::course::exercise::transform_code(text);
        let _ = ai4med::course::exercise::transform_markdown(text);
    }
    if let Ok(nb) = serde_json::from_slice::<serde_json::Value>(data) {
        if let Ok(ex) = ai4med::course::exercise::make_exercise(&nb, "fuzz.ipynb") {
            let _ = ai4med::course::exercise::to_notebook_string(&ex);
        }
    }
});
