//! Where bundled data lives.
//!
//! Bundled files sit under the repository's `data/` folder. Notebooks find them
//! wherever the notebook itself is opened, because the folder is located from the
//! crate's own source location (`CARGO_MANIFEST_DIR` at compile time). Set
//! `AI4MED_DATA` to use another folder (for example a copy of the full public
//! datasets laid out the same way).

use crate::{Error, Result};
use std::path::PathBuf;

/// The data folder: `$AI4MED_DATA` if set, else `<repository>/data`.
///
/// ```
/// assert!(ai4med::data::data_dir().ends_with("data") || std::env::var_os("AI4MED_DATA").is_some());
/// ```
pub fn data_dir() -> PathBuf {
    match std::env::var_os("AI4MED_DATA") {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data"),
    }
}

/// The path of a bundled file, relative to [`data_dir`]; an error naming the full
/// path (and the `AI4MED_DATA` override) if it does not exist.
///
/// ```
/// let e = ai4med::data::data_path("no/such/file.csv").unwrap_err();
/// assert!(e.to_string().contains("no/such/file.csv"));
/// ```
pub fn data_path(relative: &str) -> Result<PathBuf> {
    let p = data_dir().join(relative);
    if p.exists() {
        Ok(p)
    } else {
        Err(Error::io(
            &p,
            std::io::Error::new(std::io::ErrorKind::NotFound, "no such bundled file (AI4MED_DATA overrides the data folder)"),
        ))
    }
}
