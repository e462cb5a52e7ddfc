//! A content-addressed cache of trained networks, so that the same training run in two
//! notebooks (a solution and its exercise copy, two labs that train the same model) costs
//! one training.
//!
//! Off unless the environment variable [`ENV_VAR`] (`AI4MED_MODEL_CACHE`) names a folder.
//! When it does, [`crate::nn::XrayClassifier::fit`], [`crate::nn::SegmentationModel::fit`] and
//! [`crate::nlp::qa::QaModel::fit`] first compute a key from everything the result depends on:
//!
//! - which training loop, the crate's version and a fingerprint of its source (so a changed
//!   library never reads an old entry);
//! - the model's configuration and every variable of its initial weights (architecture and
//!   initialisation seed in one), libtorch's CPU thread count (it changes the order of
//!   floating-point reductions) and the device;
//! - every training and validation input, bit for bit, and every setting of the training
//!   configuration except `verbose` and `checkpoint`, which change what is shown or written,
//!   not what is learnt.
//!
//! A key found in the folder loads the final weights and the training history instead of
//! training, prints the epoch lines the training printed (when `verbose`) and one line saying
//! where they came from, and writes the checkpoint file when one is asked for: the same
//! model, history and files as training would give, bit for bit. A key not found trains as
//! usual and stores the result. Two processes that ask for the same key at once are
//! serialised by a file lock, so the second one waits and reads what the first one stored
//! (on a two-core machine the waiting kernel leaves both cores to the one that trains).
//!
//! What a hit does not do: advance libtorch's process-wide random generator (only dropout,
//! in the question-answering model, draws from it during training). Seed it again with
//! `tch::manual_seed` before any later random libtorch operation that must not depend on
//! whether the cache was used.
//!
//! The notebook runner (`tools/run_notebooks.py`) points this at a new, empty folder for each
//! run, so every `make test` still trains every distinct model once. A learner may set it to a
//! folder of their own to keep trained models across kernel restarts; an entry is about the
//! size of the model's weights. Any failure to read or write the cache is treated as a miss:
//! the cache can make a fit faster, never make it fail.

use crate::Result;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::Write;
use std::path::PathBuf;
use tch::nn::VarStore;
use tch::{Kind, Tensor};

/// The environment variable naming the cache folder (unset or empty: no cache).
pub const ENV_VAR: &str = "AI4MED_MODEL_CACHE";

/// The folder in use, when [`ENV_VAR`] names one.
pub fn dir() -> Option<PathBuf> {
    std::env::var_os(ENV_VAR).filter(|v| !v.is_empty()).map(PathBuf::from)
}

/// A fingerprint of the crate's source files, computed by `build.rs`.
const SOURCE: &str = env!("AI4MED_SOURCE_HASH");

/// Builds a cache key: a SHA-256 over tagged, length-prefixed parts, so that two different
/// sequences of parts never hash the same bytes.
pub(crate) struct FitKey(Sha256);

impl FitKey {
    /// A key for training loop `kind` on the current libtorch settings.
    pub(crate) fn new(kind: &str, device: tch::Device) -> FitKey {
        let mut k = FitKey(Sha256::new());
        k.text(kind).text(env!("CARGO_PKG_VERSION")).text(SOURCE);
        k.text(&format!("threads {} device {device:?}", tch::get_num_threads()));
        k
    }

    fn part(&mut self, tag: u8, bytes: &[u8]) -> &mut FitKey {
        self.0.update([tag]);
        self.0.update((bytes.len() as u64).to_le_bytes());
        self.0.update(bytes);
        self
    }

    /// A piece of text (a configuration's `Debug` form, a class name, …).
    pub(crate) fn text(&mut self, s: &str) -> &mut FitKey {
        self.part(b's', s.as_bytes())
    }

    /// Numbers, bit for bit.
    pub(crate) fn f32s(&mut self, v: impl IntoIterator<Item = f32>) -> &mut FitKey {
        let bytes: Vec<u8> = v.into_iter().flat_map(|x| x.to_bits().to_le_bytes()).collect();
        self.part(b'f', &bytes)
    }

    /// Numbers, bit for bit.
    pub(crate) fn f64s(&mut self, v: impl IntoIterator<Item = f64>) -> &mut FitKey {
        let bytes: Vec<u8> = v.into_iter().flat_map(|x| x.to_bits().to_le_bytes()).collect();
        self.part(b'd', &bytes)
    }

    /// Integers.
    pub(crate) fn i64s(&mut self, v: impl IntoIterator<Item = i64>) -> &mut FitKey {
        let bytes: Vec<u8> = v.into_iter().flat_map(|x| x.to_le_bytes()).collect();
        self.part(b'i', &bytes)
    }

    /// Images (or any arrays of `f32`): shape, then values.
    pub(crate) fn arrays<'a, D: ndarray::Dimension + 'a>(
        &mut self,
        arrays: impl IntoIterator<Item = &'a ndarray::Array<f32, D>>,
    ) -> &mut FitKey {
        for a in arrays {
            self.i64s(a.shape().iter().map(|&d| d as i64));
            self.f32s(a.iter().copied());
        }
        self
    }

    /// Every variable of a variable store, by name, with its kind, shape and values.
    pub(crate) fn var_store(&mut self, vs: &VarStore) -> Result<&mut FitKey> {
        let vars = vs.variables();
        let mut names: Vec<&String> = vars.keys().collect();
        names.sort();
        for name in names {
            let t = &vars[name];
            self.text(name).text(&format!("{:?}", t.kind())).i64s(t.size());
            let v = Vec::<f64>::try_from(t.to_kind(Kind::Double).flatten(0, -1))?;
            self.f64s(v);
        }
        Ok(self)
    }

    fn hex(self) -> String {
        self.0.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// One entry of the cache, held under its file lock from [`CachedFit::open`] until dropped.
pub(crate) struct CachedFit {
    weights: PathBuf,
    record: PathBuf,
    _lock: File,
}

/// What a hit gives back: the stored record and the epoch lines, the weights already loaded.
pub(crate) struct Hit<T> {
    /// The training history, parsed from what [`CachedFit::store`] received.
    pub(crate) record: T,
    /// The lines the training printed (or would have printed).
    pub(crate) lines: Vec<String>,
}

impl CachedFit {
    /// The entry for `key`, locked, or `None` when the cache is off or its folder unusable.
    /// Waits (printing one line) while another process holds the same entry.
    /// The key is computed (by `key`) only when the cache is on.
    pub(crate) fn open(key: impl FnOnce() -> Result<FitKey>) -> Option<CachedFit> {
        let dir = dir()?;
        std::fs::create_dir_all(&dir).ok()?;
        let stem = key().ok()?.hex();
        let lock = File::options().create(true).truncate(false).write(true).open(dir.join(format!("{stem}.lock"))).ok()?;
        if lock.try_lock().is_err() {
            println!("[model cache] another kernel is training this very model; waiting for it to finish, then using its result");
            let _ = std::io::stdout().flush();
            lock.lock().ok()?;
        }
        Some(CachedFit { weights: dir.join(format!("{stem}.safetensors")), record: dir.join(format!("{stem}.json")), _lock: lock })
    }

    /// Reads the record with `parse`, then loads the stored weights into `vs`; `None` (a
    /// miss) when the entry is absent or unreadable, and then `vs` is unchanged.
    pub(crate) fn load<T>(&self, vs: &mut VarStore, parse: impl FnOnce(&serde_json::Value) -> Option<T>) -> Option<Hit<T>> {
        let text = std::fs::read_to_string(&self.record).ok()?;
        let v: serde_json::Value = serde_json::from_str(&text).ok()?;
        let lines = v.get("lines")?.as_array()?.iter().map(|l| l.as_str().map(str::to_string)).collect::<Option<Vec<_>>>()?;
        let record = parse(v.get("record")?)?;
        let saved: Vec<(String, Tensor)> = vs.variables().into_iter().map(|(n, t)| (n, t.detach().copy())).collect();
        if vs.load(&self.weights).is_err() {
            // Put back what a partial load may have overwritten.
            let vars = vs.variables();
            tch::no_grad(|| {
                for (name, t) in &saved {
                    if let Some(v) = vars.get(name) {
                        v.shallow_clone().copy_(t);
                    }
                }
            });
            return None;
        }
        Some(Hit { record, lines })
    }

    /// Stores the final weights of `vs`, the record and the epoch lines. Written to
    /// temporary names first, so a reader never sees half an entry.
    pub(crate) fn store(&self, vs: &VarStore, record: serde_json::Value, lines: &[String]) {
        let tmp_w = self.weights.with_extension("tmp.safetensors");
        let tmp_r = self.record.with_extension("tmp.json");
        let doc = serde_json::json!({ "record": record, "lines": lines });
        let ok = vs.save(&tmp_w).is_ok()
            && std::fs::write(&tmp_r, doc.to_string()).is_ok()
            && std::fs::rename(&tmp_w, &self.weights).is_ok()
            && std::fs::rename(&tmp_r, &self.record).is_ok();
        if !ok {
            for p in [&tmp_w, &tmp_r, &self.record] {
                let _ = std::fs::remove_file(p);
            }
        }
    }

    /// Replays a hit's epoch lines and says where they came from (when `verbose`).
    pub(crate) fn replay(lines: &[String], verbose: bool) {
        if verbose {
            for l in lines {
                println!("{l}");
            }
            println!("{}", hit_note());
            let _ = std::io::stdout().flush();
        }
    }
}

/// The line a hit prints after the replayed epoch lines.
fn hit_note() -> String {
    format!(
        "[model cache] the same training already ran with these data, settings and initial weights; its weights and history were loaded from {ENV_VAR}"
    )
}

/// `f64`s as their bit patterns, so NaN and infinities survive JSON.
pub(crate) fn bits(v: &[f64]) -> serde_json::Value {
    serde_json::Value::from(v.iter().map(|x| x.to_bits()).collect::<Vec<u64>>())
}

/// The inverse of [`bits`].
pub(crate) fn from_bits(v: &serde_json::Value) -> Option<Vec<f64>> {
    v.as_array()?.iter().map(|x| x.as_u64().map(f64::from_bits)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_separate_parts_and_values() {
        let k = |f: &dyn Fn(&mut FitKey)| {
            let mut k = FitKey::new("t", tch::Device::Cpu);
            f(&mut k);
            k.hex()
        };
        assert_eq!(
            k(&|k| {
                k.text("ab");
            }),
            k(&|k| {
                k.text("ab");
            })
        );
        assert_ne!(
            k(&|k| {
                k.text("ab").text("c");
            }),
            k(&|k| {
                k.text("a").text("bc");
            })
        );
        assert_ne!(
            k(&|k| {
                k.f32s([0.0]);
            }),
            k(&|k| {
                k.f32s([-0.0]);
            })
        );
        assert_ne!(
            k(&|k| {
                k.f64s([1.0]);
            }),
            k(&|k| {
                k.i64s([1.0f64.to_bits() as i64]);
            })
        );
        let nan = bits(&[f64::NAN, f64::INFINITY, -0.0, 0.1]);
        let back = from_bits(&nan).unwrap();
        assert!(back[0].is_nan() && back[1] == f64::INFINITY && back[2].to_bits() == (-0.0f64).to_bits() && back[3] == 0.1);
    }
}
