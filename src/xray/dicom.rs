//! Reading radiographs from DICOM files: our own walk over the element headers (dicom-rs's
//! dictionary for implicit VR). dicom-object's parser reserves each element's declared
//! length before reading it, which fuzzing turned into multi-gigabyte reservations five
//! times; the walk checks every length against the bytes that follow and reads the few
//! values a radiograph needs from the file's bytes.

// A parser of untrusted input: no unchecked indexing or overflowing arithmetic
// (robustness policy, src/lib.rs); each exception carries an `allow` with its reason.
#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::{Error, Result};
use dicom_dictionary_std::tags;
use ndarray::Array2;
use std::path::Path;

/// A grey DICOM image, windowed to `[0, 1]` with dense structures bright.
#[derive(Clone, Debug)]
pub struct DicomImage {
    /// Pixels in `[0, 1]`, rows × columns, MONOCHROME2 orientation (MONOCHROME1 inverted).
    pub pixels: Array2<f32>,
    /// Photometric interpretation in the file (`MONOCHROME1` or `MONOCHROME2`).
    pub photometric: String,
    /// Modality (`CR`, `DX`, `CT`, `MR`, …; empty when absent).
    pub modality: String,
    /// Bits stored per pixel.
    pub bits_stored: u16,
    /// Pixel spacing (row, column) in mm, when the file gives it.
    pub pixel_spacing: Option<(f64, f64)>,
    /// Patient ID, when present.
    pub patient_id: Option<String>,
    /// View position (`PA`, `AP`, …), when present.
    pub view: Option<String>,
}

/// The value representations of PS3.5 Table 6.2-1.
const VRS: [&str; 34] = [
    "AE", "AS", "AT", "CS", "DA", "DS", "DT", "FD", "FL", "IS", "LO", "LT", "OB", "OD", "OF", "OL", "OV", "OW", "PN", "SH", "SL", "SQ",
    "SS", "ST", "SV", "TM", "UC", "UI", "UL", "UN", "UR", "US", "UT", "UV",
];

const UNCOMPRESSED: [&str; 3] = ["1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.2"];

/// Reads the first frame of a grey DICOM file with uncompressed pixel data (implicit or
/// explicit VR, little or big endian; 8 or 16 bits allocated, signed or unsigned).
///
/// Stored values are masked to `BitsStored`, mapped through Rescale Slope/Intercept,
/// windowed by the first Window Center/Width when present (the DICOM linear window,
/// PS3.3 C.11.2.1.2) or else by the image's minimum and maximum, and inverted for
/// MONOCHROME1 so that bone is bright, as in MONOCHROME2 and PNG radiographs.
///
/// Errors name the file: not DICOM or truncated, compressed transfer syntaxes (JPEG,
/// JPEG 2000, RLE: decompress first, e.g. with `gdcmconv --raw`), colour images,
/// bit depths other than 8/16, and pixel data shorter than rows × columns.
pub fn read_dicom(path: impl AsRef<Path>) -> Result<DicomImage> {
    let p = path.as_ref();
    let bytes = std::fs::read(p).map_err(|e| Error::io(p, e))?;
    decode_dicom(&bytes, &p.display().to_string())
}

/// Decodes a DICOM file held in memory (with or without its 128-byte preamble); `what`
/// names it in errors. See [`read_dicom`].
///
/// ```
/// let path = ai4med::data::data_path("rg1_chest_pa_512.dcm").unwrap();
/// let bytes = std::fs::read(&path).unwrap();
/// let img = ai4med::xray::decode_dicom(&bytes, "chest.dcm").unwrap();
/// assert_eq!(img.pixels, ai4med::xray::read_dicom(&path).unwrap().pixels);
/// assert!(ai4med::xray::decode_dicom(&bytes[..300], "cut.dcm").is_err());
/// ```
pub fn decode_dicom(bytes: &[u8], what: &str) -> Result<DicomImage> {
    decode(&read_fields(bytes, what)?, what)
}

/// Walks the element headers of a DICOM file and checks that every defined length fits
/// in the bytes that follow it, before the `dicom-object` parser sees the file: that
/// parser reserves an element's declared length before reading it, so a corrupt length
/// field (0xFFFFFFF0) would reserve gigabytes and abort the process (found by fuzzing,
/// `fuzz/regressions/dicom`). Sequences, items and undefined lengths are entered, so
/// nested elements are checked too; fragments of encapsulated pixel data are skipped.
/// Implicit VR uses the standard dictionary to recognise sequences.
fn read_fields<'a>(bytes: &'a [u8], what: &str) -> Result<Fields<'a>> {
    use dicom_core::dictionary::{DataDictionary, DataDictionaryEntry, VirtualVr};
    use dicom_core::{Tag, VR};
    let bad = |at: usize, msg: &str| Error::parse(what, format!("byte {at}: {msg}"));
    let start = if bytes.get(128..132) == Some(b"DICM") {
        132
    } else if bytes.get(..4) == Some(b"DICM") {
        4
    } else {
        return Err(Error::parse(what, "not a DICOM file (no \"DICM\" marker at byte 128 or 0)"));
    };
    // Fixed-size reads at `i + k`; None past the end (checked arithmetic, slice patterns).
    let u16_at = |i: usize, k: usize, le: bool| -> Option<u16> {
        match *bytes.get(i.checked_add(k)?..i.checked_add(k)?.checked_add(2)?)? {
            [a, b] => Some(if le { u16::from_le_bytes([a, b]) } else { u16::from_be_bytes([a, b]) }),
            _ => None,
        }
    };
    let u32_at = |i: usize, k: usize, le: bool| -> Option<u32> {
        match *bytes.get(i.checked_add(k)?..i.checked_add(k)?.checked_add(4)?)? {
            [a, b, c, d] => Some(if le { u32::from_le_bytes([a, b, c, d]) } else { u32::from_be_bytes([a, b, c, d]) }),
            _ => None,
        }
    };
    let dict = dicom_dictionary_std::StandardDataDictionary;
    let mut i = start;
    let mut syntax: Option<String> = None;
    let mut fragments = false; // inside encapsulated pixel data
    let mut meta_end: Option<usize> = None;
    let mut fields = Fields { ts: String::new(), le: true, elements: std::collections::HashMap::new() };
    // Ends of the sequences and items the walk is inside (None: undefined length, closed
    // by a delimiter); elements are recorded only at the top level.
    let mut open: Vec<Option<usize>> = Vec::new();
    while i < bytes.len() {
        while let Some(Some(end)) = open.last() {
            if i >= *end {
                open.pop();
            } else {
                break;
            }
        }
        let truncated = || bad(i, "truncated element header");
        // The meta group (0002) is explicit VR little endian; the data set follows the
        // transfer syntax it names.
        // The meta group ends where its group length (0002,0000) says, as the parser
        // reads it; without one, at the first element of another group.
        let in_meta = match meta_end {
            Some(end) => i < end,
            None => u16_at(i, 0, true).ok_or_else(truncated)? == 0x0002,
        };
        let ts = syntax.as_deref().unwrap_or("1.2.840.10008.1.2.1");
        if !in_meta && !UNCOMPRESSED.contains(&ts) {
            // compressed pixel data are not read (see decode); a deflated data set could
            // not even be walked
            return Err(Error::parse(
                what,
                format!(
                    "pixel data use the compressed transfer syntax {ts}; only uncompressed files are read (decompress with e.g. `gdcmconv --raw`)"
                ),
            ));
        }
        let le = in_meta || ts != "1.2.840.10008.1.2.2";
        let explicit = in_meta || ts != "1.2.840.10008.1.2";
        let (g, e) = (u16_at(i, 0, le).ok_or_else(truncated)?, u16_at(i, 2, le).ok_or_else(truncated)?);
        let tag = Tag(g, e);
        let mut vr_size: Option<usize> = None;
        let (len, header, sequence): (u32, usize, bool) = if g == 0xFFFE {
            // item, item delimiter, sequence delimiter: tag and a 4-byte length
            (u32_at(i, 4, le).ok_or_else(truncated)?, 8, e == 0xE000 && !fragments)
        } else if explicit {
            let vr = bytes.get(i.saturating_add(4)..i.saturating_add(6)).ok_or_else(truncated)?;
            if !VRS.iter().any(|v| v.as_bytes() == vr) {
                // the parser would guess a length layout for it; a corrupt file either way
                return Err(bad(i, &format!("invalid value representation {:?}", String::from_utf8_lossy(vr))));
            }
            vr_size = match vr {
                b"SS" | b"US" | b"OW" => Some(2),
                b"AT" | b"FL" | b"SL" | b"UL" | b"OF" | b"OL" => Some(4),
                b"FD" | b"SV" | b"UV" | b"OD" | b"OV" => Some(8),
                _ => None,
            };
            if matches!(vr, b"OB" | b"OD" | b"OF" | b"OL" | b"OV" | b"OW" | b"SQ" | b"SV" | b"UC" | b"UN" | b"UR" | b"UT" | b"UV") {
                (u32_at(i, 8, le).ok_or_else(truncated)?, 12, vr == b"SQ")
            } else {
                (u32::from(u16_at(i, 6, le).ok_or_else(truncated)?), 8, false)
            }
        } else {
            let vr = dict.by_tag(tag).map(|en| en.vr());
            // the parser reads binary VRs of the dictionary in whole values, as in explicit VR
            vr_size = match vr {
                Some(VirtualVr::Exact(VR::SS | VR::US | VR::OW)) | Some(VirtualVr::Xs) => Some(2),
                Some(VirtualVr::Exact(VR::AT | VR::FL | VR::SL | VR::UL | VR::OF | VR::OL)) => Some(4),
                Some(VirtualVr::Exact(VR::FD | VR::SV | VR::UV | VR::OD | VR::OV)) => Some(8),
                _ => None,
            };
            (u32_at(i, 4, le).ok_or_else(truncated)?, 8, matches!(vr, Some(VirtualVr::Exact(VR::SQ))))
        };
        let body = i.saturating_add(header);
        if tag == Tag(0xFFFE, 0xE0DD) {
            fragments = false;
        }
        if tag == Tag(0xFFFE, 0xE0DD) || tag == Tag(0xFFFE, 0xE00D) {
            // a delimiter closes the innermost frame of undefined length
            if let Some(pos) = open.iter().rposition(Option::is_none) {
                open.truncate(pos);
            }
        }
        if len == u32::MAX {
            // Undefined length is only read on sequences, items and encapsulated pixel
            // data; the parser reads other elements of undefined length (UN) in ways this
            // walk cannot follow, so they are refused (fuzzing found a 4 GB reservation).
            if !(sequence || g == 0xFFFE || tag == Tag(0x7FE0, 0x0010)) {
                return Err(bad(i, &format!("element {tag} has an undefined length but is not a sequence")));
            }
            // its content (elements, items, fragments) follows
            if tag == Tag(0x7FE0, 0x0010) {
                fragments = true;
            }
            open.push(None);
            i = body;
            continue;
        }
        let len = len as usize;
        if let Some(size) = vr_size {
            // a binary value whose length is not a whole number of values: the parser
            // would read past it and lose its place in the file
            if len.checked_rem(size) != Some(0) {
                return Err(bad(i, &format!("element {tag} has {len} bytes, not a whole number of {size}-byte values")));
            }
        }
        let left = bytes.len().saturating_sub(body);
        if len > left {
            return Err(bad(i, &format!("element {tag} claims {len} bytes, only {left} follow (a corrupt or truncated file)")));
        }
        let end = body.saturating_add(len);
        if tag == Tag(0x0002, 0x0000) && i == start && len == 4 {
            meta_end = u32_at(body, 0, true).map(|g| end.saturating_add(g as usize));
        }
        if tag == Tag(0x0002, 0x0010) {
            syntax = bytes.get(body..end).map(|v| String::from_utf8_lossy(v).trim_end_matches(['\0', ' ']).to_string());
        }
        if open.is_empty()
            && !sequence
            && g != 0xFFFE
            && let Some(value) = bytes.get(body..end)
        {
            fields
                .elements
                .entry(tag)
                .or_insert((if explicit { bytes.get(i.saturating_add(4)..i.saturating_add(6)) } else { None }, value));
        }
        if sequence {
            open.push(Some(end));
        }
        i = if sequence { body } else { end };
    }
    fields.ts = syntax.unwrap_or_default();
    fields.le = fields.ts != "1.2.840.10008.1.2.2";
    Ok(fields)
}

/// The top-level elements of a DICOM file as the walk found them: value bytes and, in
/// explicit VR, the VR written in the file.
struct Fields<'a> {
    ts: String,
    le: bool,
    elements: std::collections::HashMap<dicom_core::Tag, (Option<&'a [u8]>, &'a [u8])>,
}

impl Fields<'_> {
    fn value(&self, tag: dicom_core::Tag) -> Option<&[u8]> {
        self.elements.get(&tag).map(|(_, v)| *v)
    }

    /// The VR of an element: the one written in the file, else the dictionary's.
    fn vr(&self, tag: dicom_core::Tag) -> Option<[u8; 2]> {
        use dicom_core::dictionary::{DataDictionary, DataDictionaryEntry, VirtualVr};
        match self.elements.get(&tag) {
            Some((Some([a, b]), _)) => Some([*a, *b]),
            _ => match dicom_dictionary_std::StandardDataDictionary.by_tag(tag).map(|e| e.vr()) {
                Some(VirtualVr::Exact(vr)) => vr.to_string().as_bytes().try_into().ok(),
                Some(VirtualVr::Xs) => Some(*b"US"),
                _ => None,
            },
        }
    }

    /// Text of a string element, without padding; None when absent or empty.
    fn text(&self, tag: dicom_core::Tag) -> Option<String> {
        self.value(tag)
            .map(|v| String::from_utf8_lossy(v).trim_matches(|c: char| c == '\0' || c.is_whitespace()).to_string())
            .filter(|s| !s.is_empty())
    }

    /// The numbers of an element: binary (US, SS, UL, SL, FL, FD) in the file's byte
    /// order, or decimal text (IS, DS) split at backslashes.
    fn numbers(&self, tag: dicom_core::Tag) -> Option<Vec<f64>> {
        let v = self.value(tag)?;
        let le = self.le;
        let vals: Vec<f64> = match &self.vr(tag)? {
            b"US" => v
                .chunks_exact(2)
                .map(|c| match *c {
                    [a, b] => f64::from(if le { u16::from_le_bytes([a, b]) } else { u16::from_be_bytes([a, b]) }),
                    _ => 0.0,
                })
                .collect(),
            b"SS" => v
                .chunks_exact(2)
                .map(|c| match *c {
                    [a, b] => f64::from(if le { i16::from_le_bytes([a, b]) } else { i16::from_be_bytes([a, b]) }),
                    _ => 0.0,
                })
                .collect(),
            b"UL" => v
                .chunks_exact(4)
                .map(|c| match *c {
                    [a, b, d, e] => f64::from(if le { u32::from_le_bytes([a, b, d, e]) } else { u32::from_be_bytes([a, b, d, e]) }),
                    _ => 0.0,
                })
                .collect(),
            b"SL" => v
                .chunks_exact(4)
                .map(|c| match *c {
                    [a, b, d, e] => f64::from(if le { i32::from_le_bytes([a, b, d, e]) } else { i32::from_be_bytes([a, b, d, e]) }),
                    _ => 0.0,
                })
                .collect(),
            b"FL" => v
                .chunks_exact(4)
                .map(|c| match *c {
                    [a, b, d, e] => f64::from(if le { f32::from_le_bytes([a, b, d, e]) } else { f32::from_be_bytes([a, b, d, e]) }),
                    _ => 0.0,
                })
                .collect(),
            b"FD" => v
                .chunks_exact(8)
                .map(|c| c.try_into().map(|a: [u8; 8]| if le { f64::from_le_bytes(a) } else { f64::from_be_bytes(a) }).unwrap_or(0.0))
                .collect(),
            _ => String::from_utf8_lossy(v)
                .trim_matches(|c: char| c == '\0' || c.is_whitespace())
                .split('\\')
                .filter_map(|t| t.trim().parse::<f64>().ok())
                .collect(),
        };
        (!vals.is_empty()).then_some(vals)
    }

    fn float(&self, tag: dicom_core::Tag) -> Option<f64> {
        self.numbers(tag).and_then(|v| v.first().copied())
    }

    fn int(&self, tag: dicom_core::Tag) -> Option<i64> {
        self.float(tag).filter(|v| v.fract() == 0.0 && v.abs() < 9.0e15).map(|v| v as i64)
    }
}

fn decode(f: &Fields<'_>, what: &str) -> Result<DicomImage> {
    let ts = f.ts.clone();
    if !UNCOMPRESSED.contains(&ts.as_str()) {
        return Err(Error::parse(
            what,
            format!(
                "pixel data use the compressed transfer syntax {ts}; only uncompressed files are read (decompress with e.g. `gdcmconv --raw`)"
            ),
        ));
    }
    let samples = f.int(tags::SAMPLES_PER_PIXEL).unwrap_or(1);
    if samples != 1 {
        return Err(Error::parse(what, format!("{samples} samples per pixel: only grey images (1 sample) are radiographs")));
    }
    let rows = usize::try_from(f.int(tags::ROWS).ok_or_else(|| Error::parse(what, "missing Rows"))?)
        .map_err(|_| Error::parse(what, "negative Rows"))?;
    let cols = usize::try_from(f.int(tags::COLUMNS).ok_or_else(|| Error::parse(what, "missing Columns"))?)
        .map_err(|_| Error::parse(what, "negative Columns"))?;
    let allocated = f.int(tags::BITS_ALLOCATED).ok_or_else(|| Error::parse(what, "missing Bits Allocated"))?;
    let stored = f.int(tags::BITS_STORED).unwrap_or(allocated);
    let signed = f.int(tags::PIXEL_REPRESENTATION).unwrap_or(0) == 1;
    if allocated != 8 && allocated != 16 {
        return Err(Error::parse(what, format!("unsupported bit depth: {allocated} bits allocated (8 or 16 are read)")));
    }
    if !(1..=allocated).contains(&stored) {
        return Err(Error::parse(what, format!("Bits Stored {stored} does not fit in {allocated} bits allocated")));
    }
    if rows == 0 || cols == 0 {
        return Err(Error::parse(what, format!("empty image: {rows} × {cols}")));
    }
    let photometric = f.text(tags::PHOTOMETRIC_INTERPRETATION).unwrap_or_else(|| "MONOCHROME2".into());
    if photometric != "MONOCHROME1" && photometric != "MONOCHROME2" {
        return Err(Error::parse(what, format!("photometric interpretation {photometric}: only MONOCHROME1/2 are read")));
    }
    let data = f.value(tags::PIXEL_DATA).ok_or_else(|| Error::parse(what, "no pixel data"))?;
    let bytes = if allocated == 16 { 2 } else { 1 };
    let too_large = || Error::parse(what, format!("{rows} × {cols} pixels is too large"));
    let n = rows.checked_mul(cols).ok_or_else(too_large)?;
    let data = data.get(..n.checked_mul(bytes).ok_or_else(too_large)?).ok_or_else(|| {
        Error::parse(what, format!("truncated pixel data: {} bytes for {rows} × {cols} pixels of {allocated} bits", data.len()))
    })?;
    let big_endian = ts == "1.2.840.10008.1.2.2";
    // stored is 1..=16 here (checked above), so these shifts cannot overflow.
    let stored_bits = stored as u32;
    let mask: u32 = 1u32.wrapping_shl(stored_bits).wrapping_sub(1);
    let sign_bit: u32 = 1u32.wrapping_shl(stored_bits.wrapping_sub(1));
    let slope = f.float(tags::RESCALE_SLOPE).unwrap_or(1.0);
    let intercept = f.float(tags::RESCALE_INTERCEPT).unwrap_or(0.0);
    let values: Vec<f64> = data
        .chunks_exact(bytes)
        .map(|b| {
            let raw: u32 = match *b {
                [x, y] => (if big_endian { u16::from_be_bytes([x, y]) } else { u16::from_le_bytes([x, y]) }) as u32,
                [x] => x as u32,
                _ => 0,
            };
            let v = raw & mask;
            let v = if signed && v & sign_bit != 0 { (v as i64).wrapping_sub(1i64.wrapping_shl(stored_bits)) } else { v as i64 };
            v as f64 * slope + intercept
        })
        .collect();
    let (lo, hi) = match (f.float(tags::WINDOW_CENTER), f.float(tags::WINDOW_WIDTH)) {
        (Some(c), Some(w)) if w >= 1.0 => (c - 0.5 - (w - 1.0) / 2.0, c - 0.5 + (w - 1.0) / 2.0),
        _ => values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v))),
    };
    let invert = photometric == "MONOCHROME1";
    let scaled: Vec<f32> = values
        .iter()
        .map(|&v| {
            let t = if hi > lo { ((v - lo) / (hi - lo)).clamp(0.0, 1.0) } else { 0.0 };
            (if invert { 1.0 - t } else { t }) as f32
        })
        .collect();
    let pixels = Array2::from_shape_vec((rows, cols), scaled).map_err(|e| Error::parse(what, e.to_string()))?;
    let pixel_spacing = f.numbers(tags::PIXEL_SPACING).and_then(|v| match v.as_slice() {
        [a, b, ..] => Some((*a, *b)),
        _ => None,
    });
    Ok(DicomImage {
        pixels,
        photometric,
        modality: f.text(tags::MODALITY).unwrap_or_default(),
        bits_stored: stored as u16,
        pixel_spacing,
        patient_id: f.text(tags::PATIENT_ID),
        view: f.text(tags::VIEW_POSITION),
    })
}

/// Reads a radiograph by extension: `.dcm`/`.dicom` through [`read_dicom`], anything
/// else as PNG ([`super::read_png`]).
pub fn read_image(path: impl AsRef<Path>) -> Result<Array2<f32>> {
    let p = path.as_ref();
    match p.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("dcm") | Some("dicom") => Ok(read_dicom(p)?.pixels),
        _ => super::read_png(p),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rg1_dicom_matches_the_png_and_is_inverted() {
        let d = read_dicom(crate::data::data_path("rg1_chest_pa_512.dcm").unwrap()).unwrap();
        assert_eq!(d.photometric, "MONOCHROME1");
        assert_eq!(d.modality, "CR");
        let png = super::super::read_png(crate::data::data_path("rg1_chest_pa.png").unwrap()).unwrap();
        let a = super::super::resize(&d.pixels.view(), 128, 120).unwrap();
        let b = super::super::resize(&png.view(), 128, 120).unwrap();
        let (ma, mb) = (a.mean().unwrap(), b.mean().unwrap());
        let cov: f32 = a.iter().zip(b.iter()).map(|(x, y)| (x - ma) * (y - mb)).sum();
        let va: f32 = a.iter().map(|x| (x - ma).powi(2)).sum();
        let vb: f32 = b.iter().map(|y| (y - mb).powi(2)).sum();
        let r = cov / (va * vb).sqrt();
        assert!(r > 0.95, "correlation {r}");
    }

    #[test]
    fn truncated_and_missing_dicom_files_are_errors() {
        let src = std::fs::read(crate::data::data_path("rg1_chest_pa_512.dcm").unwrap()).unwrap();
        let dir = std::env::temp_dir().join(format!("ai4med-dicom-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("cut.dcm");
        std::fs::write(&p, &src[..src.len() / 2]).unwrap();
        let e = read_dicom(&p).unwrap_err().to_string();
        assert!(e.contains("cut.dcm"), "{e}");
        std::fs::write(&p, b"definitely not DICOM").unwrap();
        assert!(read_image(&p).is_err());
        assert!(read_dicom(dir.join("none.dcm")).is_err());
        // Bits Allocated (0028,0100), US, explicit VR little endian: 16 → 32.
        let pat = [0x28u8, 0x00, 0x00, 0x01, b'U', b'S', 0x02, 0x00, 0x10, 0x00];
        let at = src.windows(pat.len()).position(|w| w == pat).unwrap();
        let mut bad = src.clone();
        bad[at + 8] = 0x20;
        std::fs::write(&p, &bad).unwrap();
        let e = read_dicom(&p).unwrap_err().to_string();
        assert!(e.contains("unsupported bit depth: 32"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
