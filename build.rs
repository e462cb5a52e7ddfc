//! Build script: a fingerprint of the crate's source for `ai4med::torch::fit_cache`, so a
//! trained-model cache entry made by one version of the training code is never read by
//! another (the crate version alone would not change between commits).

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                files(&p, out);
            } else {
                out.push(p);
            }
        }
    }
}

fn main() {
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=Cargo.toml");
    let mut all = vec![PathBuf::from("Cargo.toml")];
    files(Path::new("src"), &mut all);
    all.sort();
    // SipHash with fixed keys: stable for one toolchain, which is all a cache key needs.
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for p in &all {
        p.hash(&mut h);
        std::fs::read(p).unwrap_or_default().hash(&mut h);
    }
    println!("cargo:rustc-env=AI4MED_SOURCE_HASH={:016x}", h.finish());
}
