//! The Medical Segmentation Decathlon folder layout (`dataset.json`, `imagesTr/`,
//! `labelsTr/`, `imagesTs/`).

use std::path::{Path, PathBuf};

use ndarray::{Array3, Array4, ArrayView3};
use serde::{Deserialize, Serialize};

use super::nifti::{Volume, read_nifti, write_nifti, write_nifti_labels};
use crate::{Error, Result};

/// The four sequences of Decathlon Task01 (BraTS), in channel order.
pub const BRATS_MODALITIES: [&str; 4] = ["FLAIR", "T1w", "t1gd", "T2w"];
/// The label values of Task01: 0 background, 1 edema, 2 non-enhancing tumour, 3 enhancing tumour.
pub const BRATS_LABELS: [&str; 4] = ["background", "edema", "non-enhancing tumor", "enhancing tumour"];
/// The three tumour classes (channels of a network's output; background dropped).
pub const BRATS_CLASSES: [&str; 3] = ["edema", "non-enhancing tumor", "enhancing tumor"];

#[derive(Debug, Serialize, Deserialize)]
struct Pair {
    image: String,
    label: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DatasetJson {
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    tensor_image_size: String,
    #[serde(default)]
    reference: String,
    #[serde(default)]
    licence: String,
    #[serde(default)]
    modality: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    labels: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    num_training: usize,
    #[serde(default)]
    num_test: usize,
    training: Vec<Pair>,
    #[serde(default)]
    test: Vec<String>,
}

/// One training case: a 4-D image `[x, y, z, channel]` and its label map `[x, y, z]`
/// (values 0 … number of labels − 1).
#[derive(Debug, Clone)]
pub struct Case {
    /// Case name (the file name without `.nii.gz`, e.g. `BRATS_001`).
    pub name: String,
    /// The image, `[x, y, z, channel]`.
    pub image: Array4<f32>,
    /// The label map, `[x, y, z]`.
    pub label: Array3<u8>,
    /// Voxel-to-world affine of the image.
    pub affine: [[f64; 4]; 4],
}

impl Case {
    /// Voxels per label value `0..n`.
    pub fn label_counts(&self, n: usize) -> Vec<usize> {
        let mut c = vec![0; n];
        for &v in &self.label {
            if (v as usize) < n {
                c[v as usize] += 1;
            }
        }
        c
    }
}

/// A Decathlon task folder: `dataset.json` with its modality and label names and the
/// lists of training pairs and test images. Cases load on demand.
///
/// Works on the real Task01_BrainTumour download (484 training cases of
/// 240 × 240 × 155 × 4) and on folders written by [`save_decathlon`].
#[derive(Debug, Clone)]
pub struct DecathlonDataset {
    root: PathBuf,
    name: String,
    modalities: Vec<String>,
    labels: Vec<String>,
    training: Vec<(PathBuf, PathBuf)>,
    test: Vec<PathBuf>,
}

fn sorted_values(m: &std::collections::BTreeMap<String, String>) -> Vec<String> {
    let mut v: Vec<(usize, String)> = m.iter().map(|(k, v)| (k.parse().unwrap_or(usize::MAX), v.clone())).collect();
    v.sort();
    v.into_iter().map(|x| x.1).collect()
}

impl DecathlonDataset {
    /// Opens a task folder (the one holding `dataset.json`). Paths in the JSON are
    /// relative to it (`./imagesTr/BRATS_001.nii.gz`). Missing files are reported when a
    /// case is loaded, not here; [`DecathlonDataset::missing`] lists them up front.
    pub fn open(root: impl AsRef<Path>) -> Result<DecathlonDataset> {
        let root = root.as_ref().to_path_buf();
        let jp = root.join("dataset.json");
        let text = std::fs::read_to_string(&jp).map_err(|e| Error::io(&jp, e))?;
        let j: DatasetJson = serde_json::from_str(&text).map_err(|e| Error::parse(jp.display().to_string(), e.to_string()))?;
        let at = |s: &str| root.join(s.trim_start_matches("./"));
        Ok(DecathlonDataset {
            name: j.name.clone(),
            modalities: sorted_values(&j.modality),
            labels: sorted_values(&j.labels),
            training: j.training.iter().map(|p| (at(&p.image), at(&p.label))).collect(),
            test: j.test.iter().map(|s| at(s)).collect(),
            root,
        })
    }

    /// The task's name (`BRATS` for Task01).
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The folder.
    pub fn root(&self) -> &Path {
        &self.root
    }
    /// Sequence names in channel order.
    pub fn modalities(&self) -> &[String] {
        &self.modalities
    }
    /// Label names by value.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }
    /// Number of training cases.
    pub fn len(&self) -> usize {
        self.training.len()
    }
    /// Whether there are no training cases.
    pub fn is_empty(&self) -> bool {
        self.training.is_empty()
    }
    /// Training case names in file order.
    pub fn case_names(&self) -> Vec<String> {
        self.training.iter().map(|(i, _)| case_name(i)).collect()
    }
    /// The training (image, label) file pairs.
    pub fn training_files(&self) -> &[(PathBuf, PathBuf)] {
        &self.training
    }
    /// The test images (no labels).
    pub fn test_files(&self) -> &[PathBuf] {
        &self.test
    }
    /// Files named in `dataset.json` that are not on disk.
    pub fn missing(&self) -> Vec<PathBuf> {
        self.training.iter().flat_map(|(a, b)| [a, b]).chain(self.test.iter()).filter(|p| !p.exists()).cloned().collect()
    }

    /// Loads training case `i`: the image must be 4-D with one channel per modality, the
    /// label 3-D of the same spatial shape with integer values below the number of labels.
    pub fn case(&self, i: usize) -> Result<Case> {
        let (ip, lp) =
            self.training.get(i).ok_or_else(|| Error::invalid_arg("i", format!("case {i} of {} training cases", self.training.len())))?;
        let image = read_nifti(ip)?;
        let label = read_nifti(lp)?;
        case_from(case_name(ip), &image, &label, self.modalities.len(), self.labels.len().max(1))
    }

    /// Loads the case with this name.
    pub fn case_named(&self, name: &str) -> Result<Case> {
        let i = self
            .case_names()
            .iter()
            .position(|n| n == name)
            .ok_or_else(|| Error::invalid_arg("name", format!("no training case {name} in {}", self.root.display())))?;
        self.case(i)
    }
}

fn case_name(p: &Path) -> String {
    let f = p.file_name().map(|s| s.to_string_lossy().to_string()).unwrap_or_default();
    f.trim_end_matches(".gz").trim_end_matches(".nii").to_string()
}

fn case_from(name: String, image: &Volume, label: &Volume, channels: usize, n_labels: usize) -> Result<Case> {
    let img = image.view4().map_err(|_| Error::ShapeMismatch {
        what: format!("image of {name}"),
        expected: "4-D (x, y, z, channel)".into(),
        got: image.shape().to_vec(),
    })?;
    if channels > 0 && img.shape()[3] != channels {
        return Err(Error::ShapeMismatch {
            what: format!("image of {name}"),
            expected: format!("{channels} channels (one per modality in dataset.json)"),
            got: img.shape().to_vec(),
        });
    }
    let lab = label.view3().map_err(|_| Error::ShapeMismatch {
        what: format!("label of {name}"),
        expected: "3-D (x, y, z)".into(),
        got: label.shape().to_vec(),
    })?;
    if lab.shape() != &img.shape()[..3] {
        return Err(Error::ShapeMismatch {
            what: format!("label of {name}"),
            expected: format!("{:?} (the image's spatial shape)", &img.shape()[..3]),
            got: lab.shape().to_vec(),
        });
    }
    let label = check_labels(&lab, n_labels)?;
    Ok(Case { name, image: img.as_standard_layout().into_owned(), label, affine: image.affine() })
}

/// Converts a label volume to `u8`, checking every value is an integer in `0..n_labels`
/// (`0..4` for BraTS); the first bad voxel is named in the error.
///
/// ```
/// let l = ndarray::array![[[0.0f32, 3.0]]];
/// assert!(ai4med::imaging::check_labels(&l.view(), 4).is_ok());
/// assert!(ai4med::imaging::check_labels(&l.view(), 3).is_err());
/// ```
pub fn check_labels(label: &ArrayView3<f32>, n_labels: usize) -> Result<Array3<u8>> {
    if n_labels == 0 || n_labels > 256 {
        return Err(Error::invalid_arg("n_labels", format!("must be 1 to 256, got {n_labels}")));
    }
    if let Some(((i, j, k), v)) = label.indexed_iter().find(|(_, v)| !(v.fract() == 0.0 && **v >= 0.0 && (**v as usize) < n_labels)) {
        return Err(Error::InvalidValue {
            what: "label volume".into(),
            value: v.to_string(),
            index: i + label.shape()[0] * (j + label.shape()[1] * k),
            reason: format!("at voxel [{i}, {j}, {k}]: labels must be integers 0..{}", n_labels - 1),
        });
    }
    Ok(label.mapv(|v| v as u8))
}

/// Writes cases as a Decathlon task folder: `imagesTr/<name>.nii.gz` (4-D float32),
/// `labelsTr/<name>.nii.gz` (uint8) and `dataset.json` naming the BraTS modalities and
/// labels. [`DecathlonDataset::open`] reads it back.
pub fn save_decathlon(dir: impl AsRef<Path>, name: &str, description: &str, cases: &[Case]) -> Result<DecathlonDataset> {
    let dir = dir.as_ref();
    if cases.is_empty() {
        return Err(Error::Empty { what: "cases".into() });
    }
    for sub in ["imagesTr", "labelsTr"] {
        let p = dir.join(sub);
        std::fs::create_dir_all(&p).map_err(|e| Error::io(&p, e))?;
    }
    let mut training = Vec::new();
    for c in cases {
        let v = Volume::new(c.image.clone().into_dyn(), c.affine);
        write_nifti(dir.join(format!("imagesTr/{}.nii.gz", c.name)), &v)?;
        write_nifti_labels(dir.join(format!("labelsTr/{}.nii.gz", c.name)), &c.label.view(), c.affine)?;
        training.push(Pair { image: format!("./imagesTr/{}.nii.gz", c.name), label: format!("./labelsTr/{}.nii.gz", c.name) });
    }
    let idx = |v: &[&str]| v.iter().enumerate().map(|(i, s)| (i.to_string(), s.to_string())).collect();
    let j = DatasetJson {
        name: name.into(),
        description: description.into(),
        tensor_image_size: "4D".into(),
        reference: "ai4med::imaging::synthetic_brats".into(),
        licence: "MIT OR Apache-2.0 (generated data)".into(),
        modality: idx(&BRATS_MODALITIES),
        labels: idx(&BRATS_LABELS),
        num_training: cases.len(),
        num_test: 0,
        training,
        test: vec![],
    };
    let jp = dir.join("dataset.json");
    std::fs::write(&jp, serde_json::to_string_pretty(&j).unwrap_or_default()).map_err(|e| Error::io(&jp, e))?;
    DecathlonDataset::open(dir)
}
