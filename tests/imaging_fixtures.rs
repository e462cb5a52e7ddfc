//! NIfTI reading checked against nibabel 5.4.2 (fixtures and reference values written by
//! `tools/data/extract_mri.py`): shape, affine, zooms, data sums and sampled voxels of
//! nibabel's own test files (NIfTI-1 uint8, NIfTI-1 4-D int16 gzipped, NIfTI-2) and of the
//! bundled brain MRI files.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use ai4med::imaging::{
    DecathlonDataset, SynthBrainConfig, Volume, decode_nifti, read_nifti, save_decathlon, synthetic_brats, write_nifti, write_nifti_labels,
};
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/imaging").join(name)
}

#[test]
fn reads_like_nibabel() {
    let refs: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(fixture("nifti_reference.json")).unwrap()).unwrap();
    for (name, r) in refs.as_object().unwrap() {
        let path =
            if name.starts_with("mni") || name.starts_with("brain1") { ai4med::data::data_path(name).unwrap() } else { fixture(name) };
        let v = read_nifti(&path).unwrap();
        let shape: Vec<usize> = r["shape"].as_array().unwrap().iter().map(|x| x.as_u64().unwrap() as usize).collect();
        assert_eq!(v.shape(), shape.as_slice(), "{name}");
        assert_eq!(v.version() as u64, r["version"].as_u64().unwrap(), "{name}");
        assert_eq!(
            v.datatype(),
            r["dtype"].as_str().unwrap().trim_start_matches(['<', '>', '=']).replace("u1", "uint8").replace("i2", "int16"),
            "{name}"
        );
        let aff = v.affine();
        for (i, row) in r["affine"].as_array().unwrap().iter().enumerate() {
            for (j, x) in row.as_array().unwrap().iter().enumerate() {
                assert!((aff[i][j] - x.as_f64().unwrap()).abs() < 1e-5, "{name} affine[{i}][{j}] {} vs {}", aff[i][j], x);
            }
        }
        for (s, z) in v.spacing().iter().zip(r["zooms"].as_array().unwrap()) {
            assert!((s - z.as_f64().unwrap()).abs() < 1e-6, "{name} zooms");
        }
        let sum: f64 = v.data().iter().map(|&x| x as f64).sum();
        let want = r["sum"].as_f64().unwrap();
        assert!((sum - want).abs() <= 1e-5 * want.abs().max(1.0), "{name} sum {sum} vs {want}");
        let sq: f64 = v.data().iter().map(|&x| (x as f64).powi(2)).sum();
        let want = r["sum_sq"].as_f64().unwrap();
        assert!((sq - want).abs() <= 1e-5 * want.abs().max(1.0), "{name} sum_sq");
        for pair in r["voxels"].as_array().unwrap() {
            let idx: Vec<usize> = pair[0].as_array().unwrap().iter().map(|x| x.as_u64().unwrap() as usize).collect();
            let want = pair[1].as_f64().unwrap();
            let got = v.data()[idx.as_slice()] as f64;
            assert!((got - want).abs() <= 1e-5 * want.abs().max(1.0), "{name} voxel {idx:?}: {got} vs {want}");
        }
    }
}

#[test]
fn truncated_and_corrupt_files_are_errors() {
    let bytes = std::fs::read(fixture("anatomical.nii")).unwrap();
    let e = decode_nifti(&bytes[..bytes.len() - 100], "cut.nii").unwrap_err().to_string();
    assert!(e.contains("truncated") && e.contains("cut.nii"), "{e}");
    assert!(decode_nifti(&bytes[..200], "short.nii").unwrap_err().to_string().contains("truncated"));
    let gz = std::fs::read(fixture("example4d.nii.gz")).unwrap();
    let e = decode_nifti(&gz[..gz.len() / 2], "half.nii.gz").unwrap_err().to_string();
    assert!(e.contains("gzip"), "{e}");
    let mut bad = gz.clone();
    for b in bad.iter_mut().skip(40).take(200) {
        *b ^= 0x5a;
    }
    assert!(decode_nifti(&bad, "bad.nii.gz").is_err());
    assert!(decode_nifti(b"hello world, not nifti at all", "x").unwrap_err().to_string().contains("not a NIfTI"));
    assert!(read_nifti("/no/such/file.nii").is_err());
    // 3-D where 4-D is expected
    let v = read_nifti(fixture("anatomical.nii")).unwrap();
    assert!(v.view4().unwrap_err().to_string().contains("4-D"));
}

#[test]
fn write_read_round_trip_and_decathlon_layout() {
    let dir = std::env::temp_dir().join(format!("ai4med-nifti-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let v = read_nifti(fixture("example4d.nii.gz")).unwrap();
    for name in ["a.nii", "a.nii.gz"] {
        write_nifti(dir.join(name), &v).unwrap();
        let back = read_nifti(dir.join(name)).unwrap();
        assert_eq!(back.data(), v.data());
        assert_eq!(back.spacing()[..3], v.spacing()[..3]);
        for i in 0..3 {
            for j in 0..4 {
                assert!((back.affine()[i][j] - v.affine()[i][j]).abs() < 1e-4);
            }
        }
    }
    let lab = ndarray::Array3::<u8>::from_shape_fn((5, 4, 3), |(i, j, k)| ((i + j + k) % 4) as u8);
    write_nifti_labels(dir.join("l.nii.gz"), &lab.view(), Volume::diagonal_affine([1.0, 1.0, 1.0])).unwrap();
    let back = read_nifti(dir.join("l.nii.gz")).unwrap();
    assert_eq!(back.datatype(), "uint8");
    assert_eq!(back.view3().unwrap().mapv(|x| x as u8), lab);

    let cases = synthetic_brats(2, &SynthBrainConfig { shape: [24, 28, 20], ..Default::default() }).unwrap();
    let ds = save_decathlon(dir.join("Task01_Synthetic"), "BRATS", "synthetic", &cases).unwrap();
    assert_eq!(ds.len(), 2);
    assert_eq!(ds.modalities(), ["FLAIR", "T1w", "t1gd", "T2w"]);
    assert!(ds.missing().is_empty());
    let c = ds.case(1).unwrap();
    assert_eq!(c.name, "BRATS_002");
    assert_eq!(c.image, cases[1].image);
    assert_eq!(c.label, cases[1].label);
    // a label value outside 0..3 is an error naming the voxel
    let mut badl = cases[0].label.clone();
    badl[[3, 4, 5]] = 7;
    write_nifti_labels(dir.join("Task01_Synthetic/labelsTr/BRATS_001.nii.gz"), &badl.view(), cases[0].affine).unwrap();
    let e = ds.case(0).unwrap_err().to_string();
    assert!(e.contains("[3, 4, 5]"), "{e}");
    assert!(DecathlonDataset::open(dir.join("nowhere")).is_err());
    std::fs::remove_dir_all(&dir).ok();
}

/// A NIfTI-1 header (from nibabel's `anatomical.nii`) with its dimensions, data type and
/// voxel offset replaced, followed by `data` bytes.
fn lying_header(dims: &[i16], datatype: i16, bitpix: i16, vox_offset: f32, data: usize) -> Vec<u8> {
    let mut b = std::fs::read(fixture("anatomical.nii")).unwrap()[..352].to_vec();
    let mut dim = [1i16; 8];
    dim[0] = dims.len() as i16;
    dim[1..=dims.len()].copy_from_slice(dims);
    for (i, d) in dim.iter().enumerate() {
        b[40 + 2 * i..42 + 2 * i].copy_from_slice(&d.to_le_bytes());
    }
    b[70..72].copy_from_slice(&datatype.to_le_bytes());
    b[72..74].copy_from_slice(&bitpix.to_le_bytes());
    b[108..112].copy_from_slice(&vox_offset.to_le_bytes());
    b.extend(std::iter::repeat_n(7u8, data));
    b
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// Headers that claim more than the file holds are errors found before any large
/// allocation (each of these would reserve 4–32 GB or more if trusted; the test would
/// abort or swap rather than fail).
#[test]
fn lying_headers_are_errors_not_allocations() {
    use ai4med::imaging::NiftiReader;
    // 2000³ float32 = 32 GB promised, 1 kB present
    let huge = lying_header(&[2000, 2000, 2000], 16, 32, 352.0, 1000);
    let e = decode_nifti(&huge, "huge.nii").unwrap_err().to_string();
    assert!(e.contains("huge.nii") && e.contains("truncated"), "{e}");
    let e = decode_nifti(&gzip(&huge), "huge.nii.gz").unwrap_err().to_string();
    assert!(e.contains("over the reader's bound"), "{e}");
    // 1000³ uint8 = 1 GB (4 GB as f32) promised, under the bound, in a gzip stream whose
    // length is unknown until read: the buffer grows only as bytes arrive
    let big = lying_header(&[1000, 1000, 1000], 2, 8, 352.0, 5000);
    let e = decode_nifti(&gzip(&big), "big.nii.gz").unwrap_err().to_string();
    assert!(e.contains("truncated") && e.contains("holds 5000"), "{e}");
    // an absurd vox_offset, plain and gzipped
    let far = lying_header(&[2, 2, 2], 16, 32, 1e30, 32);
    assert!(decode_nifti(&far, "far.nii").unwrap_err().to_string().contains("truncated"));
    assert!(decode_nifti(&gzip(&far), "far.nii.gz").unwrap_err().to_string().contains("truncated"));
    // a NaN vox_offset, and dimensions whose product overflows
    let nan = lying_header(&[2, 2, 2], 16, 32, f32::NAN, 32);
    assert!(decode_nifti(&nan, "nan.nii").is_err());
    let wide = lying_header(&[i16::MAX; 7], 2, 8, 352.0, 10);
    assert!(decode_nifti(&wide, "wide.nii").unwrap_err().to_string().contains("too large"));
    // the bound can be lowered (and raised) per reader
    let e = NiftiReader::new().max_bytes(1000).read(fixture("anatomical.nii")).unwrap_err().to_string();
    assert!(e.contains("bound of 1000 bytes"), "{e}");
    assert!(NiftiReader::new().max_bytes(u64::MAX).read(fixture("anatomical.nii")).is_ok());
    // the header itself (2 × 2 × 2 float32 with its 32 bytes) still reads
    let ok = lying_header(&[2, 2, 2], 16, 32, 352.0, 32);
    assert_eq!(decode_nifti(&ok, "ok.nii").unwrap().shape(), &[2, 2, 2]);
}
