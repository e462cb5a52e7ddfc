"""Writes the small seed inputs of the fuzz targets (fuzz/seeds/<target>/), by hand so
that no imaging library is needed: a NIfTI-1 and a NIfTI-2 volume (plain and gzipped),
explicit-VR little-endian DICOMs with and without the preamble, an implicit-VR one, grey and RGB PNGs,
a BioC collection as XML and JSON, a notebook with solution and hidden-test markers,
CSV files, and report text. Run from the repository root: python3 tools/fuzz_seeds.py"""

import gzip
import json
import struct
import zlib
from pathlib import Path

ROOT = Path("fuzz/seeds")


def put(target, name, data):
    d = ROOT / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data if isinstance(data, bytes) else data.encode())


def nifti1(dims, datatype, bitpix, voxels):
    h = bytearray(348)
    struct.pack_into("<i", h, 0, 348)
    dim = [len(dims)] + list(dims) + [1] * (7 - len(dims))
    struct.pack_into("<8h", h, 40, *dim)
    struct.pack_into("<hh", h, 70, datatype, bitpix)
    struct.pack_into("<8f", h, 76, 1.0, 1.0, 1.0, 2.0, 1.0, 1.0, 1.0, 1.0)
    struct.pack_into("<f", h, 108, 352.0)
    struct.pack_into("<ff", h, 112, 2.0, 1.0)  # scl_slope, scl_inter
    struct.pack_into("<h", h, 254, 1)  # sform_code
    for row, off in ((1.0, 0.0, 0.0, 0.0), 280), ((0.0, 1.0, 0.0, 0.0), 296), ((0.0, 0.0, 2.0, 0.0), 312):
        struct.pack_into("<4f", h, off, *row)
    h[344:348] = b"n+1\0"
    return bytes(h) + b"\0\0\0\0" + voxels


def nifti2(dims, voxels):
    h = bytearray(540)
    struct.pack_into("<i", h, 0, 540)
    h[4:12] = b"n+2\0\r\n\x1a\n"
    struct.pack_into("<hh", h, 12, 16, 32)
    dim = [len(dims)] + list(dims) + [1] * (7 - len(dims))
    struct.pack_into("<8q", h, 16, *dim)
    struct.pack_into("<8d", h, 104, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0)
    struct.pack_into("<q", h, 168, 544)
    struct.pack_into("<dd", h, 176, 1.0, 0.0)
    return bytes(h) + b"\0\0\0\0" + voxels


def dicom(preamble=True, rows=4, cols=3, bits=16, implicit=False):
    def el(group, elem, vr, value):
        if implicit and group != 0x0002:
            return struct.pack("<HHI", group, elem, len(value)) + value
        if vr in (b"OB", b"OW", b"UN", b"SQ", b"UT"):
            return struct.pack("<HH2sHI", group, elem, vr, 0, len(value)) + value
        return struct.pack("<HH2sH", group, elem, vr, len(value)) + value

    def text(s):
        b = s.encode()
        return b + (b"\0" if len(b) % 2 else b"")

    ts = text("1.2.840.10008.1.2" if implicit else "1.2.840.10008.1.2.1")
    meta_body = el(0x0002, 0x0001, b"OB", b"\0\1") + el(0x0002, 0x0002, b"UI", text("1.2.840.10008.5.1.4.1.1.1")) + el(0x0002, 0x0003, b"UI", text("1.2.3.4")) + el(0x0002, 0x0010, b"UI", ts)
    meta = el(0x0002, 0x0000, b"UL", struct.pack("<I", len(meta_body))) + meta_body
    pixels = bytes((i * 37) % 256 for i in range(rows * cols * bits // 8))
    body = (
        el(0x0008, 0x0060, b"CS", text("CR"))
        + el(0x0028, 0x0002, b"US", struct.pack("<H", 1))
        + el(0x0028, 0x0004, b"CS", text("MONOCHROME2"))
        + el(0x0028, 0x0010, b"US", struct.pack("<H", rows))
        + el(0x0028, 0x0011, b"US", struct.pack("<H", cols))
        + el(0x0028, 0x0100, b"US", struct.pack("<H", bits))
        + el(0x0028, 0x0101, b"US", struct.pack("<H", bits - 4 if bits == 16 else bits))
        + el(0x0028, 0x0102, b"US", struct.pack("<H", bits - 5 if bits == 16 else bits - 1))
        + el(0x0028, 0x0103, b"US", struct.pack("<H", 0))
        + el(0x0028, 0x1050, b"DS", text("100"))
        + el(0x0028, 0x1051, b"DS", text("200"))
        + el(0x7FE0, 0x0010, b"OW" if bits == 16 else b"OB", pixels)
    )
    return (b"\0" * 128 if preamble else b"") + b"DICM" + meta + body


def png(width, height, colour, depth, rows):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\0" + r for r in rows)
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def main():
    vox = struct.pack("<12f", *[float(i) for i in range(12)])
    n1 = nifti1((3, 2, 2), 16, 32, vox)
    put("nifti", "n1_float32.nii", n1)
    put("nifti", "n1_float32.nii.gz", gzip.compress(n1, mtime=0))
    put("nifti", "n1_uint8_4d.nii", nifti1((2, 2, 1, 2), 2, 8, bytes(range(8))))
    put("nifti", "n1_int16.nii", nifti1((2, 3), 4, 16, struct.pack("<6h", -3, -2, -1, 0, 1, 2)))
    put("nifti", "n2_float32.nii", nifti2((3, 2, 2), vox))
    put("dicom", "explicit_le_16.dcm", dicom())
    put("dicom", "no_preamble_8.dcm", dicom(preamble=False, bits=8))
    put("dicom", "implicit_le_16.dcm", dicom(implicit=True))
    put("png", "grey8.png", png(3, 2, 0, 8, [bytes([0, 128, 255]), bytes([10, 20, 30])]))
    put("png", "grey16.png", png(2, 2, 0, 16, [struct.pack(">2H", 0, 65535), struct.pack(">2H", 300, 40000)]))
    put("png", "rgb8.png", png(2, 1, 2, 8, [bytes([255, 0, 0, 0, 255, 0])]))
    doc = {"id": "r1", "infons": {}, "passages": [{"offset": 0, "infons": {}, "text": "No pneumothorax. Small effusion.", "sentences": [], "annotations": [{"id": "a1", "infons": {"observation": "Effusion"}, "locations": [{"offset": 23, "length": 8}], "text": "effusion"}], "relations": []}], "annotations": [], "relations": []}
    put("bioc", "collection.json", json.dumps({"source": "fuzz", "date": "2026-11-28", "key": "k", "infons": {}, "documents": [doc]}))
    put(
        "bioc",
        "collection.xml",
        '<?xml version="1.0" encoding="utf-8"?><collection><source>fuzz</source><date>2026-11-28</date><key>k</key>'
        '<document><id>r1</id><passage><offset>0</offset><text>No pneumothorax &amp; small effusion.</text>'
        '<annotation id="a1"><infon key="observation">Effusion</infon><location offset="29" length="8"/><text>effusion</text></annotation>'
        "</passage></document></collection>",
    )
    cell = "fn f(x: f64) -> f64 {\n    // BEGIN SOLUTION\n    x * 2.0\n    // END SOLUTION\n}\n// BEGIN HIDDEN TESTS\nassert_eq!(f(1.0), 2.0);\n// END HIDDEN TESTS\n"
    nb = {"cells": [{"cell_type": "code", "execution_count": 1, "id": "c1", "metadata": {}, "outputs": [], "source": cell.splitlines(True)},
                    {"cell_type": "markdown", "id": "m1", "metadata": {}, "source": ["Why?\n", "<!-- BEGIN SOLUTION -->\n", "Because.\n", "<!-- END SOLUTION -->\n"]}],
          "metadata": {"kernelspec": {"name": "ai4med", "display_name": "Rust (ai4med)", "language": "rust"}}, "nbformat": 4, "nbformat_minor": 5}
    put("notebook", "notebook.ipynb", json.dumps(nb))
    put("notebook", "cell.rs", "    // BEGIN SOLUTION placeholder: vec![]\n    vec![1, 2]\n    // END SOLUTION\n")
    put("csv", "plain.csv", "time,event,age\n5,1,61.5\n8,0,\n12,1,70\n")
    put("csv", "quoted.csv", 'id,impression\n1,"No effusion, no pneumothorax."\n2,"Line one\nline two"\r\n')
    put("report", "report.txt", "FINDINGS: No focal consolidation, effusion or pneumothorax. Heart size is normal.\nIMPRESSION: Possible left lower lobe pneumonia; cannot exclude atelectasis.")
    put("report", "unicode.txt", "İİ no pneumothorax. Épanchement pleural: possible effusion ẞ.")
    # an OpenI report in the collection's XML layout, written here (the real ones may not be copied)
    put(
        "openi",
        "report.xml",
        '<?xml version="1.0" encoding="utf-8"?><eCitation><meta type="rr"/><uId id="CXR1"/><MedlineCitation><Article><Abstract>'
        '<AbstractText Label="INDICATION">Cough</AbstractText><AbstractText Label="FINDINGS">Heart size normal. No focal consolidation, '
        'pleural effusion or pneumothorax.</AbstractText><AbstractText Label="IMPRESSION">No acute disease.</AbstractText>'
        "</Abstract></Article></MedlineCitation><MeSH><major>normal</major><minor>Pleural Effusion/left/small</minor></MeSH></eCitation>",
    )


if __name__ == "__main__":
    main()
