//! NIfTI-1 and NIfTI-2 volumes: reading (plain or gzipped) and writing.

// A parser of untrusted input: no unchecked indexing or overflowing arithmetic
// (robustness policy, src/lib.rs); each exception carries an `allow` with its reason.
#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use std::io::Read;
use std::path::Path;

use ndarray::{ArrayD, ArrayView3, ArrayView4, IxDyn, ShapeBuilder};
use nifti::{NiftiHeader, NiftiType};
use rayon::prelude::*;

use crate::{Error, Result};

/// A volume read from (or to be written to) a NIfTI file: voxel values as `f32` with the
/// header's scaling applied, the voxel-to-world affine and the voxel spacing.
///
/// The array is indexed like nibabel's `get_fdata()`: `[i, j, k]` for 3-D and
/// `[i, j, k, t]` for 4-D (a Decathlon brain image is `240 × 240 × 155 × 4`, the last
/// axis the sequences FLAIR, T1, T1-Gd, T2), with the first index varying fastest in
/// memory as in the file (Fortran order), so reading costs no transposition.
///
/// Differences from nibabel: values are `f32`, not `f64` (`get_fdata`'s default), which
/// halves memory and is exact for every integer type up to 24 bits.
///
/// ```
/// use ai4med::imaging::{Volume, read_nifti, write_nifti};
/// let data = ndarray::Array::from_shape_fn(ndarray::IxDyn(&[4, 3, 2]), |d| (d[0] + 10 * d[1] + 100 * d[2]) as f32);
/// let v = Volume::new(data, Volume::diagonal_affine([2.0, 2.0, 3.0]));
/// let dir = std::env::temp_dir().join("ai4med-doc-nifti");
/// std::fs::create_dir_all(&dir).unwrap();
/// write_nifti(dir.join("v.nii.gz"), &v).unwrap();
/// let back = read_nifti(dir.join("v.nii.gz")).unwrap();
/// assert_eq!(back.shape(), &[4, 3, 2]);
/// assert_eq!(back.data()[[3, 2, 1]], 123.0);
/// assert_eq!(back.spacing(), &[2.0, 2.0, 3.0]);
/// ```
#[derive(Debug, Clone)]
pub struct Volume {
    data: ArrayD<f32>,
    affine: [[f64; 4]; 4],
    spacing: Vec<f64>,
    version: u8,
    datatype: String,
    description: String,
}

impl Volume {
    /// A volume from an array and an affine (spacing taken from the affine's column norms;
    /// further axes get spacing 1). Written as NIfTI-1 `FLOAT32`.
    #[allow(clippy::indexing_slicing, reason = "affine math on fixed 4 × 4 arrays, indexed by 0..3 loop counters")]
    pub fn new(data: ArrayD<f32>, affine: [[f64; 4]; 4]) -> Volume {
        let mut spacing: Vec<f64> =
            (0..3.min(data.ndim())).map(|c| (0..3).map(|r| affine[r][c] * affine[r][c]).sum::<f64>().sqrt()).collect();
        spacing.resize(data.ndim(), 1.0);
        Volume { data, affine, spacing, version: 1, datatype: "float32".into(), description: String::new() }
    }

    /// The affine `diag(sx, sy, sz, 1)`: voxel `[i, j, k]` at world `(i·sx, j·sy, k·sz)` mm.
    #[allow(clippy::indexing_slicing, reason = "affine math on fixed 4 × 4 arrays, indexed by 0..3 loop counters")]
    pub fn diagonal_affine(spacing: [f64; 3]) -> [[f64; 4]; 4] {
        let mut a = [[0.0; 4]; 4];
        for (i, s) in spacing.iter().enumerate() {
            a[i][i] = *s;
        }
        a[3][3] = 1.0;
        a
    }

    /// The voxel values (`f32`, scaling applied).
    pub fn data(&self) -> &ArrayD<f32> {
        &self.data
    }

    /// Takes the voxel values out.
    pub fn into_data(self) -> ArrayD<f32> {
        self.data
    }

    /// The shape, e.g. `[240, 240, 155, 4]`.
    pub fn shape(&self) -> &[usize] {
        self.data.shape()
    }

    /// The voxel-to-world (RAS, mm) affine: the sform when its code is set, else the qform,
    /// else nibabel's fall-back (x flipped, centred), the same order nibabel uses.
    pub fn affine(&self) -> [[f64; 4]; 4] {
        self.affine
    }

    /// Voxel size per axis (the header's `pixdim[1..]`), like nibabel's `get_zooms()`.
    pub fn spacing(&self) -> &[f64] {
        &self.spacing
    }

    /// NIfTI version of the file read (1 or 2); 1 for volumes made in memory.
    pub fn version(&self) -> u8 {
        self.version
    }

    /// The stored data type of the file read (`"uint8"`, `"int16"`, `"float32"`, ...).
    pub fn datatype(&self) -> &str {
        &self.datatype
    }

    /// The header's `descrip` text.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// A 3-D view; a volume of any other dimensionality is an error.
    pub fn view3(&self) -> Result<ArrayView3<'_, f32>> {
        self.data.view().into_dimensionality().map_err(|_| Error::ShapeMismatch {
            what: "volume".into(),
            expected: "a 3-D volume (x, y, z)".into(),
            got: self.shape().to_vec(),
        })
    }

    /// A 4-D view (x, y, z, channel); a 3-D volume where 4-D is expected is an error.
    pub fn view4(&self) -> Result<ArrayView4<'_, f32>> {
        self.data.view().into_dimensionality().map_err(|_| Error::ShapeMismatch {
            what: "volume".into(),
            expected: "a 4-D volume (x, y, z, channel), e.g. 240 × 240 × 155 × 4".into(),
            got: self.shape().to_vec(),
        })
    }

    /// World coordinates (mm) of voxel `(i, j, k)`: `affine · (i, j, k, 1)`.
    #[allow(clippy::indexing_slicing, reason = "affine math on fixed 4 × 4 arrays, indexed by 0..3 loop counters")]
    pub fn voxel_to_world(&self, ijk: [f64; 3]) -> [f64; 3] {
        let a = &self.affine;
        [0, 1, 2].map(|r| a[r][0] * ijk[0] + a[r][1] * ijk[1] + a[r][2] * ijk[2] + a[r][3])
    }

    /// The same volume with other voxel values (same header).
    pub fn with_data(&self, data: ArrayD<f32>) -> Volume {
        let mut v = self.clone();
        v.spacing.resize(data.ndim(), 1.0);
        v.data = data;
        v
    }
}

fn parse_err(what: &str, reason: impl Into<String>) -> Error {
    Error::parse(what, reason)
}

/// Largest volume [`read_nifti`] and [`decode_nifti`] accept by default: 8 GiB, counted
/// as the larger of the voxel bytes in the file and the `f32` array they become. A BraTS
/// case (240 × 240 × 155 × 4) is 143 MB; raise the bound with [`NiftiReader::max_bytes`].
pub const DEFAULT_MAX_NIFTI_BYTES: u64 = 8 << 30;

/// Reads NIfTI-1 and NIfTI-2 volumes with a bound on their size.
///
/// Every size the header claims is checked before memory is reserved for it: against the
/// length of the file (or of the bytes in memory) when that is known, against
/// [`NiftiReader::max_bytes`] always, and a gzip stream, whose unpacked length is not
/// known in advance, is read into a buffer that grows only as the data arrives. So a
/// header claiming 2000³ voxels or a `vox_offset` of an exabyte gives an [`Error`] naming
/// the file, not an allocation failure that kills the kernel. nibabel has no such
/// bound (it maps the file and fails on access).
///
/// ```
/// use ai4med::imaging::NiftiReader;
/// let mut bytes = vec![0u8; 352];
/// bytes[..4].copy_from_slice(&348i32.to_le_bytes());
/// for (i, d) in [3i16, 2000, 2000, 2000].iter().enumerate() {
///     bytes[40 + 2 * i..42 + 2 * i].copy_from_slice(&d.to_le_bytes());
/// }
/// bytes[70..72].copy_from_slice(&16i16.to_le_bytes()); // float32
/// bytes[108..112].copy_from_slice(&352f32.to_le_bytes()); // vox_offset
/// bytes[344..348].copy_from_slice(b"n+1\0");
/// let err = NiftiReader::new().decode(&bytes, "huge.nii").unwrap_err().to_string();
/// assert!(err.contains("huge.nii") && err.contains("truncated"), "{err}");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NiftiReader {
    max_bytes: u64,
}

impl Default for NiftiReader {
    fn default() -> Self {
        NiftiReader { max_bytes: DEFAULT_MAX_NIFTI_BYTES }
    }
}

impl NiftiReader {
    /// A reader with the default bound, [`DEFAULT_MAX_NIFTI_BYTES`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the largest volume accepted, in bytes (see [`DEFAULT_MAX_NIFTI_BYTES`]).
    pub fn max_bytes(mut self, bytes: u64) -> Self {
        self.max_bytes = bytes;
        self
    }

    /// Reads a NIfTI-1 or NIfTI-2 file; see [`read_nifti`].
    pub fn read(&self, path: impl AsRef<Path>) -> Result<Volume> {
        let p = path.as_ref();
        let what = p.display().to_string();
        let file = std::fs::File::open(p).map_err(|e| Error::io(p, e))?;
        let len = file.metadata().map_err(|e| Error::io(p, e))?.len();
        let mut f = std::io::BufReader::with_capacity(1 << 20, file);
        let gz = std::io::BufRead::fill_buf(&mut f).map_err(|e| Error::io(p, e))?.starts_with(&[0x1f, 0x8b]);
        if gz {
            read_stream(flate2::bufread::MultiGzDecoder::new(f), true, None, self.max_bytes, &what)
        } else {
            read_stream(f, false, Some(len), self.max_bytes, &what)
        }
    }

    /// Decodes a NIfTI file held in memory (gzipped or not); `what` names it in errors.
    pub fn decode(&self, bytes: &[u8], what: &str) -> Result<Volume> {
        if bytes.starts_with(&[0x1f, 0x8b]) {
            read_stream(flate2::read::MultiGzDecoder::new(bytes), true, None, self.max_bytes, what)
        } else {
            read_stream(bytes, false, Some(bytes.len() as u64), self.max_bytes, what)
        }
    }
}

/// Reads a NIfTI-1 or NIfTI-2 file (`.nii` or `.nii.gz`; gzip is recognised by its magic
/// bytes, not the name). Every numeric data type is converted to `f32` with
/// `scl_slope`/`scl_inter` applied (when the slope is neither 0 nor NaN, as nibabel does).
///
/// Errors name the file: not NIfTI, a corrupt gzip stream, a file shorter than its header
/// says (truncated), an unsupported data type (complex, RGB), a separate `.hdr/.img` pair,
/// a volume over [`DEFAULT_MAX_NIFTI_BYTES`] (use [`NiftiReader`] to raise it).
pub fn read_nifti(path: impl AsRef<Path>) -> Result<Volume> {
    NiftiReader::new().read(path)
}

/// Decodes a NIfTI file held in memory (gzipped or not); `what` names it in errors.
/// See [`read_nifti`] and [`NiftiReader::decode`].
pub fn decode_nifti(bytes: &[u8], what: &str) -> Result<Volume> {
    NiftiReader::new().decode(bytes, what)
}

/// Reads into `buf` until it is full or the stream ends; returns the bytes read.
fn fill<R: Read>(r: &mut R, buf: &mut [u8], gz: bool, what: &str) -> Result<usize> {
    let mut got = 0usize;
    while let Some(rest) = buf.get_mut(got..).filter(|r| !r.is_empty()) {
        match r.read(rest) {
            Ok(0) => break,
            Ok(k) => got = got.saturating_add(k),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(parse_err(what, if gz { format!("corrupt or truncated gzip stream ({e})") } else { e.to_string() })),
        }
    }
    Ok(got)
}

/// Reads `n` values of `T` (plain old data), growing the buffer only as data arrives when
/// the stream's length is unknown (`exact` false), so a lying header cannot reserve more
/// than the stream holds (at most twice what arrived). Returns the values and the bytes read;
/// fewer than `n` values means the stream ended early.
fn read_pod<T: bytemuck::Pod, R: Read>(r: &mut R, n: usize, exact: bool, gz: bool, what: &str) -> Result<(Vec<T>, usize)> {
    const CHUNK: usize = 1 << 22; // values per first read when the length is unknown
    let mut v: Vec<T> = Vec::new();
    let mut got_bytes = 0usize;
    let size = std::mem::size_of::<T>();
    while v.len() < n {
        let len = v.len();
        let left = n.saturating_sub(len);
        let step = if exact { left } else { left.min(len.max(CHUNK)) };
        v.try_reserve_exact(step).map_err(|_| parse_err(what, format!("cannot reserve memory for {n} values")))?;
        v.resize(len.saturating_add(step), T::zeroed());
        let got = fill(r, bytemuck::cast_slice_mut(v.get_mut(len..).unwrap_or_default()), gz, what)?;
        got_bytes = got_bytes.saturating_add(got);
        if got < step.saturating_mul(size) {
            v.truncate(len.saturating_add(got.checked_div(size).unwrap_or(0)));
            break;
        }
    }
    Ok((v, got_bytes))
}

/// Header first, then the voxels straight into their final buffer: `float32` in the
/// machine's byte order needs no conversion pass and no second copy. `known_len` is the
/// length of the whole (unpacked) stream when known; `max_bytes` the reader's bound.
fn read_stream<R: Read>(mut r: R, gz: bool, known_len: Option<u64>, max_bytes: u64, what: &str) -> Result<Volume> {
    let mut head = vec![0u8; 540];
    let got = fill(&mut r, head.get_mut(..4).unwrap_or_default(), gz, what)?;
    if got < 4 {
        return Err(parse_err(what, format!("{got} bytes is too short for a NIfTI header")));
    }
    let sizeof = match *head.as_slice() {
        [a, b, c, d, ..] => i32::from_le_bytes([a, b, c, d]),
        _ => 0,
    };
    let hlen = match sizeof {
        348 | 0x5c01_0000 => 348,
        540 | 0x1c02_0000 => 540,
        _ => return Err(parse_err(what, format!("not a NIfTI file (sizeof_hdr {sizeof}, expected 348 or 540)"))),
    };
    let got = fill(&mut r, head.get_mut(4..hlen).unwrap_or_default(), gz, what)?.saturating_add(4);
    if got < hlen {
        return Err(parse_err(what, format!("truncated: {got} bytes, a NIfTI-{} header needs {hlen}", if hlen == 348 { 1 } else { 2 })));
    }
    let head = head.get(..hlen).unwrap_or_default();
    let h = if hlen == 348 { header1(head, what)? } else { header2(head, what)? };
    if h.vox_offset < hlen {
        return Err(parse_err(what, format!("vox_offset {} lies inside the header", h.vox_offset)));
    }
    let n = h
        .dims
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .ok_or_else(|| parse_err(what, format!("volume too large: dimensions {:?}", h.dims)))?;
    let size = h.dtype.size_of();
    let need = n.checked_mul(size).ok_or_else(|| parse_err(what, format!("volume too large: dimensions {:?}", h.dims)))?;
    let truncated = |got: u64| {
        parse_err(
            what,
            format!(
                "truncated: the header promises {need} bytes of voxel data from offset {} ({:?} × {}), the file holds {got}",
                h.vox_offset, h.dims, h.dtype_name
            ),
        )
    };
    if let Some(len) = known_len
        && (h.vox_offset as u64).saturating_add(need as u64) > len
    {
        return Err(truncated(len.saturating_sub(h.vox_offset as u64)));
    }
    let array_bytes = (n as u64).saturating_mul(4).max(need as u64);
    if array_bytes > max_bytes {
        return Err(parse_err(
            what,
            format!(
                "volume of {array_bytes} bytes ({:?} × {}) is over the reader's bound of {max_bytes} bytes; raise it with NiftiReader::max_bytes",
                h.dims, h.dtype_name
            ),
        ));
    }
    // Skip extensions up to the voxel data, without holding them.
    let skip = h.vox_offset.saturating_sub(hlen) as u64;
    let skipped = std::io::copy(&mut (&mut r).take(skip), &mut std::io::sink())
        .map_err(|e| parse_err(what, if gz { format!("corrupt or truncated gzip stream ({e})") } else { e.to_string() }))?;
    if skipped < skip {
        return Err(parse_err(what, "truncated: the file ends before its voxel data"));
    }
    let exact = known_len.is_some();
    let mut data = if matches!(h.dtype, NiftiType::Float32) && h.little == cfg!(target_endian = "little") {
        let (v, got) = read_pod::<f32, _>(&mut r, n, exact, gz, what)?;
        if got < need {
            return Err(truncated(got as u64));
        }
        v
    } else {
        let (raw, got) = read_pod::<u8, _>(&mut r, need, exact, gz, what)?;
        if got < need {
            return Err(truncated(got as u64));
        }
        convert(&raw, h.dtype, h.little, n, what)?
    };
    let (slope, inter) = (h.slope, h.inter);
    if slope != 0.0 && slope.is_finite() && (slope != 1.0 || inter != 0.0) {
        let (s, i) = (slope as f32, inter as f32);
        data.par_iter_mut().for_each(|v| *v = *v * s + i);
    }
    let arr = ArrayD::from_shape_vec(IxDyn(&h.dims).f(), data).map_err(|e| parse_err(what, e.to_string()))?;
    Ok(Volume { data: arr, affine: h.affine, spacing: h.spacing, version: h.version, datatype: h.dtype_name, description: h.description })
}

struct Header {
    version: u8,
    dims: Vec<usize>,
    dtype: NiftiType,
    dtype_name: String,
    little: bool,
    vox_offset: usize,
    slope: f64,
    inter: f64,
    affine: [[f64; 4]; 4],
    spacing: Vec<f64>,
    description: String,
}

fn dtype_name(t: NiftiType) -> &'static str {
    match t {
        NiftiType::Uint8 => "uint8",
        NiftiType::Int8 => "int8",
        NiftiType::Uint16 => "uint16",
        NiftiType::Int16 => "int16",
        NiftiType::Uint32 => "uint32",
        NiftiType::Int32 => "int32",
        NiftiType::Uint64 => "uint64",
        NiftiType::Int64 => "int64",
        NiftiType::Float32 => "float32",
        NiftiType::Float64 => "float64",
        _ => "unsupported",
    }
}

fn text(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(b.get(..end).unwrap_or(b)).trim().to_string()
}

/// The NIfTI affine from sform / qform / pixdim, in nibabel's order of preference.
#[allow(clippy::too_many_arguments)]
#[allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "fixed 4 × 4 and 8-element arrays indexed by constants and 0..3 loop counters; float arithmetic"
)]
fn best_affine(
    sform_code: i32,
    srow: [[f64; 4]; 3],
    qform_code: i32,
    quat: [f64; 3],
    offset: [f64; 3],
    pixdim: &[f64; 8],
    dims: &[usize],
) -> [[f64; 4]; 4] {
    let mut a = [[0.0; 4]; 4];
    a[3][3] = 1.0;
    if sform_code > 0 {
        a[..3].copy_from_slice(&srow);
        return a;
    }
    let d = |i: usize| if pixdim[i] > 0.0 { pixdim[i] } else { 1.0 };
    if qform_code > 0 {
        let [b, c, dd] = quat;
        let w2 = 1.0 - (b * b + c * c + dd * dd);
        let aq = if w2 < 1e-7 { 0.0 } else { w2.sqrt() };
        let r = [
            [aq * aq + b * b - c * c - dd * dd, 2.0 * (b * c - aq * dd), 2.0 * (b * dd + aq * c)],
            [2.0 * (b * c + aq * dd), aq * aq + c * c - b * b - dd * dd, 2.0 * (c * dd - aq * b)],
            [2.0 * (b * dd - aq * c), 2.0 * (c * dd + aq * b), aq * aq + dd * dd - c * c - b * b],
        ];
        let qfac = if pixdim[0] < 0.0 { -1.0 } else { 1.0 };
        let z = [d(1), d(2), d(3) * qfac];
        for i in 0..3 {
            for j in 0..3 {
                a[i][j] = r[i][j] * z[j];
            }
            a[i][3] = offset[i];
        }
        return a;
    }
    // nibabel's fall-back: x flipped, origin at the volume's centre.
    let n = |i: usize| dims.get(i).copied().unwrap_or(1) as f64;
    a[0][0] = -d(1);
    a[1][1] = d(2);
    a[2][2] = d(3);
    a[0][3] = (n(0) - 1.0) / 2.0 * d(1);
    a[1][3] = -(n(1) - 1.0) / 2.0 * d(2);
    a[2][3] = -(n(2) - 1.0) / 2.0 * d(3);
    a
}

fn check_dims(dim0: i64, dims: &[i64], what: &str) -> Result<Vec<usize>> {
    if !(1..=7).contains(&dim0) {
        return Err(parse_err(what, format!("dim[0] = {dim0}: the number of dimensions must be 1 to 7")));
    }
    let used = dims.get(..dim0 as usize).ok_or_else(|| parse_err(what, format!("dim[0] = {dim0} but only {} sizes", dims.len())))?;
    used.iter().map(|&d| if d >= 1 { Ok(d as usize) } else { Err(parse_err(what, format!("dimension size {d} in {used:?}"))) }).collect()
}

#[allow(clippy::too_many_arguments)]
fn finish(
    version: u8,
    datatype: i16,
    dims: Vec<usize>,
    little: bool,
    vox_offset: f64,
    slope: f64,
    inter: f64,
    affine: [[f64; 4]; 4],
    pixdim: &[f64; 8],
    description: String,
    what: &str,
) -> Result<Header> {
    let dtype = match datatype {
        2 => NiftiType::Uint8,
        4 => NiftiType::Int16,
        8 => NiftiType::Int32,
        16 => NiftiType::Float32,
        64 => NiftiType::Float64,
        256 => NiftiType::Int8,
        512 => NiftiType::Uint16,
        768 => NiftiType::Uint32,
        1024 => NiftiType::Int64,
        1280 => NiftiType::Uint64,
        32 | 128 | 1536 | 1792 | 2048 | 2304 => NiftiType::Complex64,
        _ => return Err(parse_err(what, format!("unknown NIfTI datatype code {datatype}"))),
    };
    let name = dtype_name(dtype);
    if name == "unsupported" {
        return Err(parse_err(what, format!("data type {dtype:?} is not supported (only real numbers: (u)int8–64, float32/64)")));
    }
    if vox_offset < 1.0 {
        return Err(parse_err(what, "vox_offset 0: a separate .hdr/.img pair; convert it to a single .nii file"));
    }
    let spacing = pixdim.iter().skip(1).take(dims.len()).copied().collect();
    Ok(Header {
        version,
        dims,
        dtype,
        dtype_name: name.into(),
        little,
        vox_offset: vox_offset as usize,
        slope,
        inter,
        affine,
        spacing,
        description,
    })
}

fn header1(raw: &[u8], what: &str) -> Result<Header> {
    if raw.len() < 348 {
        return Err(parse_err(what, format!("truncated: {} bytes, a NIfTI-1 header needs 348", raw.len())));
    }
    let h: NiftiHeader = NiftiHeader::from_reader(raw.get(..348).unwrap_or(raw)).map_err(|e| parse_err(what, e.to_string()))?;
    if !matches!(h.magic.get(..3), Some(b"n+1") | Some(b"ni1")) {
        return Err(parse_err(what, "no NIfTI-1 magic (an Analyze 7.5 file?)"));
    }
    let (&dim0, rest) = h.dim.split_first().ok_or_else(|| parse_err(what, "no dim field"))?;
    let dims: Vec<i64> = rest.iter().map(|&d| d as i16 as i64).collect();
    let dims = check_dims(dim0 as i16 as i64, &dims, what)?;
    let mut pixdim = [0.0; 8];
    for (p, &v) in pixdim.iter_mut().zip(h.pixdim.iter()) {
        *p = v as f64;
    }
    let f = |r: [f32; 4]| r.map(|x| x as f64);
    let affine = best_affine(
        h.sform_code as i32,
        [f(h.srow_x), f(h.srow_y), f(h.srow_z)],
        h.qform_code as i32,
        [h.quatern_b as f64, h.quatern_c as f64, h.quatern_d as f64],
        [h.quatern_x as f64, h.quatern_y as f64, h.quatern_z as f64],
        &pixdim,
        &dims,
    );
    let little = matches!(h.endianness, nifti::Endianness::Little);
    finish(
        1,
        h.datatype,
        dims,
        little,
        h.vox_offset as f64,
        h.scl_slope as f64,
        h.scl_inter as f64,
        affine,
        &pixdim,
        text(&h.descrip),
        what,
    )
}

fn header2(raw: &[u8], what: &str) -> Result<Header> {
    if raw.len() < 540 {
        return Err(parse_err(what, format!("truncated: {} bytes, a NIfTI-2 header needs 540", raw.len())));
    }
    let little = raw.get(..4) == Some(&540i32.to_le_bytes()[..]);
    // A field of `n` bytes at offset `o` (zeros if it were past the end, which the length
    // check above rules out), in little-endian order.
    let b = |o: usize, n: usize| -> [u8; 8] {
        let mut x = [0u8; 8];
        if let (Some(dst), Some(src)) = (x.get_mut(..n), o.checked_add(n).and_then(|e| raw.get(o..e))) {
            dst.copy_from_slice(src);
            if !little {
                dst.reverse();
            }
        }
        x
    };
    let i16_ = |o| {
        let [a, c, ..] = b(o, 2);
        i16::from_le_bytes([a, c])
    };
    let i32_ = |o| {
        let [a, c, d, e, ..] = b(o, 4);
        i32::from_le_bytes([a, c, d, e])
    };
    let i64_ = |o| i64::from_le_bytes(b(o, 8));
    let f64_ = |o| f64::from_le_bytes(b(o, 8));
    if raw.get(4..7) != Some(b"n+2") {
        return Err(parse_err(what, "no NIfTI-2 magic"));
    }
    let datatype = i16_(12);
    // offsets of the NIfTI-2 fields (nifti2.h): dim[8] at 16, pixdim[8] at 104, srow_x/y/z at 400/432/464
    let dim: Vec<i64> = [16, 24, 32, 40, 48, 56, 64, 72].map(i64_).to_vec();
    let (&dim0, rest) = dim.split_first().ok_or_else(|| parse_err(what, "no dim field"))?;
    let dims = check_dims(dim0, rest, what)?;
    let pixdim = [104, 112, 120, 128, 136, 144, 152, 160].map(f64_);
    let vox_offset = i64_(168) as f64;
    let (slope, inter) = (f64_(176), f64_(184));
    let description = text(raw.get(240..320).unwrap_or_default());
    let (qcode, scode) = (i32_(344), i32_(348));
    let quat = [f64_(352), f64_(360), f64_(368)];
    let offset = [f64_(376), f64_(384), f64_(392)];
    let srow = [[400, 408, 416, 424], [432, 440, 448, 456], [464, 472, 480, 488]].map(|row| row.map(f64_));
    let affine = best_affine(scode, srow, qcode, quat, offset, &pixdim, &dims);
    finish(2, datatype, dims, little, vox_offset, slope, inter, affine, &pixdim, description, what)
}

fn convert(bytes: &[u8], t: NiftiType, little: bool, n: usize, what: &str) -> Result<Vec<f32>> {
    macro_rules! conv {
        ($ty:ty, $w:expr) => {{
            let mut out = vec![0f32; n];
            out.par_chunks_mut(1 << 16).zip(bytes.par_chunks($w << 16)).for_each(|(o, b)| {
                for (v, c) in o.iter_mut().zip(b.chunks_exact($w)) {
                    let arr: [u8; $w] = c.try_into().unwrap_or([0; $w]);
                    *v = (if little { <$ty>::from_le_bytes(arr) } else { <$ty>::from_be_bytes(arr) }) as f32;
                }
            });
            out
        }};
    }
    Ok(match t {
        NiftiType::Uint8 => bytes.par_iter().map(|&b| b as f32).collect(),
        NiftiType::Int8 => bytes.par_iter().map(|&b| b as i8 as f32).collect(),
        NiftiType::Uint16 => conv!(u16, 2),
        NiftiType::Int16 => conv!(i16, 2),
        NiftiType::Uint32 => conv!(u32, 4),
        NiftiType::Int32 => conv!(i32, 4),
        NiftiType::Uint64 => conv!(u64, 8),
        NiftiType::Int64 => conv!(i64, 8),
        NiftiType::Float32 => conv!(f32, 4),
        NiftiType::Float64 => conv!(f64, 8),
        other => return Err(parse_err(what, format!("data type {other:?} is not supported"))),
    })
}

#[allow(clippy::indexing_slicing, reason = "affine math on fixed 4 × 4 arrays, indexed by 0..3 loop counters")]
fn header_for(affine: &[[f64; 4]; 4], spacing: &[f64], description: &str) -> NiftiHeader {
    let mut h = NiftiHeader::default();
    let r = |i: usize| [0, 1, 2, 3].map(|c| affine[i][c] as f32);
    h.srow_x = r(0);
    h.srow_y = r(1);
    h.srow_z = r(2);
    h.sform_code = 2; // aligned to another file / template
    h.qform_code = 0;
    #[allow(clippy::arithmetic_side_effects)] // i + 1 ≤ 7
    for (i, s) in spacing.iter().enumerate().take(7) {
        h.pixdim[i + 1] = *s as f32; // i < 7: pixdim has 8 entries
    }
    h.pixdim[0] = 1.0;
    h.xyzt_units = 2; // mm
    h.scl_slope = 1.0;
    h.scl_inter = 0.0;
    let mut d = description.as_bytes().to_vec();
    d.truncate(79);
    h.descrip = d;
    h
}

/// Writes a volume as NIfTI-1 `FLOAT32` (`.nii`, or gzipped when the name ends in `.gz`),
/// with the affine stored as the sform (code 2) and the spacing in `pixdim`.
pub fn write_nifti(path: impl AsRef<Path>, volume: &Volume) -> Result<()> {
    let p = path.as_ref();
    if volume.data.is_empty() {
        return Err(Error::Empty { what: "volume".into() });
    }
    let h = header_for(&volume.affine, &volume.spacing, &volume.description);
    // The writer walks the transposed array in logical order: x fastest, as NIfTI wants.
    nifti::writer::WriterOptions::new(p)
        .reference_header(&h)
        .write_nifti(&volume.data)
        .map_err(|e| Error::parse(p.display().to_string(), format!("cannot write NIfTI: {e}")))
}

/// Writes a label map (`u8`, e.g. Decathlon labels 0–3) as NIfTI-1 `UINT8` with the given
/// affine (stored as the sform).
#[allow(clippy::indexing_slicing, reason = "affine math on fixed 4 × 4 arrays, indexed by 0..3 loop counters")]
pub fn write_nifti_labels(path: impl AsRef<Path>, labels: &ArrayView3<u8>, affine: [[f64; 4]; 4]) -> Result<()> {
    let p = path.as_ref();
    if labels.is_empty() {
        return Err(Error::Empty { what: "labels".into() });
    }
    let spacing: Vec<f64> = (0..3).map(|c| (0..3).map(|r| affine[r][c] * affine[r][c]).sum::<f64>().sqrt()).collect();
    let h = header_for(&affine, &spacing, "labels");
    nifti::writer::WriterOptions::new(p)
        .reference_header(&h)
        .write_nifti(labels)
        .map_err(|e| Error::parse(p.display().to_string(), format!("cannot write NIfTI: {e}")))
}
