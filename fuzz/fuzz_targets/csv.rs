#![no_main]
//! CSV loading (the shape check and polars): the input is written to a file in /dev/shm
//! because the loader reads paths, as notebooks do.
use std::sync::OnceLock;

fn path() -> &'static std::path::Path {
    static P: OnceLock<std::path::PathBuf> = OnceLock::new();
    P.get_or_init(|| {
        let dir = if std::path::Path::new("/dev/shm").is_dir() { std::path::PathBuf::from("/dev/shm") } else { std::env::temp_dir() };
        dir.join(format!("ai4med-fuzz-{}.csv", std::process::id()))
    })
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if std::fs::write(path(), data).is_ok() {
        let _ = ai4med::data::read_csv(path());
    }
});
