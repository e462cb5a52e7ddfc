#![no_main]
//! NIfTI-1/2, plain or gzipped (recognised by magic bytes): any bytes give a volume or an
//! error, never a panic, abort or an allocation beyond what the input holds.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = ai4med::imaging::decode_nifti(data, "fuzz.nii");
});
