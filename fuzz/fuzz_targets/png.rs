#![no_main]
//! PNG radiographs (grey, RGB, 8/16 bits) to a grey float image.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = ai4med::xray::decode_png(data, "fuzz.png");
});
