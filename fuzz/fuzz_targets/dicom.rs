#![no_main]
//! DICOM (with or without preamble) through the crate's decoder.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = ai4med::xray::decode_dicom(data, "fuzz.dcm");
});
