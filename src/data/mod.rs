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

mod colon;
mod cxr;
mod features;
mod missing;
mod nhefs;
mod risk;
mod survival_sets;
pub use colon::{LEVAMISOLE_COLUMNS, colon, colon_from, levamisole, levamisole_from, levamisole_sample};
pub use cxr::{CXR14_CLASSES, CXR14_PREVALENCE, PredictionSet, cxr_predictions, toy_predictions};
pub use features::{AsFeatures, Features, Named, frame_to_matrix, named};
pub(crate) use features::{aligned, default_names};
pub use missing::complete_cases;
pub(crate) use missing::missing_mask;
pub use nhefs::{NHEFS_FEATURES, nhefs, nhefs_from, nhefs_mortality, nhefs_mortality_from};
pub use risk::{frame_to_csv, risk_factors, risk_factors_numpy};
pub use survival_sets::{PBC_CONTINUOUS_COLUMNS, lymphoma, pbc, pbc_course, pbc_course_from, pbc_from};

use polars::prelude::{Column, CsvReadOptions, DataFrame, DataType, SerReader};

/// A `rows × cols` matrix of independent standard-normal draws from a generator seeded
/// with `seed` (ChaCha8), for toy examples and tests in notebooks.
///
/// ```
/// let z = ai4med::data::standard_normal(2000, 2, 0);
/// assert!(z.column(0).mean().unwrap().abs() < 0.1);
/// ```
pub fn standard_normal(rows: usize, cols: usize, seed: u64) -> ndarray::Array2<f64> {
    use rand::SeedableRng;
    use rand_distr::Distribution;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    ndarray::Array2::from_shape_fn((rows, cols), |_| rand_distr::StandardNormal.sample(&mut rng))
}

/// Reads a CSV file with a header row into a polars `DataFrame` (types inferred from
/// the whole file).
///
/// A row with more or fewer fields than the header is an error naming the file and the
/// line (pandas raises on too many fields and, like polars, silently fills too few with
/// NaN; a file cut mid-line would otherwise load with a last row of nulls).
///
/// ```
/// let dir = std::env::temp_dir().join("ai4med-doc-csv");
/// std::fs::create_dir_all(&dir).unwrap();
/// std::fs::write(dir.join("cut.csv"), "a,b,c\n1,2,3\n4,5").unwrap();
/// let e = ai4med::data::read_csv(dir.join("cut.csv")).unwrap_err().to_string();
/// assert!(e.contains("line 3 has 2 fields, the header has 3 (the last line: is the file truncated?)"), "{e}");
/// ```
pub fn read_csv(path: impl AsRef<std::path::Path>) -> Result<DataFrame> {
    let p = path.as_ref();
    if !p.exists() {
        return Err(Error::io(p, std::io::Error::new(std::io::ErrorKind::NotFound, "no such file")));
    }
    check_csv_shape(p)?;
    CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(None)
        .try_into_reader_with_file_path(Some(p.to_path_buf()))
        .and_then(|r| r.finish())
        .map_err(|e| Error::parse(p.display().to_string(), e.to_string()))
}

/// Checks that every record of a CSV file has as many fields as its header: a file cut
/// in the middle of a line (a partial download or copy) or a ragged row is an error naming
/// the file and the line, where polars alone fills the missing fields with nulls and the
/// rows look valid. Streams the file with the `csv` crate (quoted fields, embedded
/// newlines and CRLF are understood as polars understands them); blank lines are skipped.
fn check_csv_shape(p: &std::path::Path) -> Result<()> {
    let what = p.display().to_string();
    let mut r =
        csv::ReaderBuilder::new().has_headers(true).flexible(true).from_path(p).map_err(|e| Error::parse(what.clone(), e.to_string()))?;
    let want = r.headers().map_err(|e| Error::parse(what.clone(), e.to_string()))?.len();
    let mut rec = csv::ByteRecord::new();
    loop {
        match r.read_byte_record(&mut rec) {
            Ok(false) => return Ok(()),
            Ok(true) => {
                if rec.len() != want {
                    let line = rec.position().map(|q| q.line()).unwrap_or(0);
                    let last = matches!(r.read_byte_record(&mut csv::ByteRecord::new()), Ok(false));
                    let end = if last { " (the last line: is the file truncated?)" } else { "" };
                    return Err(Error::parse(what, format!("line {line} has {} fields, the header has {want}{end}", rec.len())));
                }
            }
            Err(e) => return Err(Error::parse(what, e.to_string())),
        }
    }
}

/// Reads a bundled CSV (path relative to [`data_dir`]).
///
/// ```
/// let df = ai4med::data::read_bundled_csv("cxr14_valid_predictions.csv").unwrap();
/// assert_eq!(df.height(), 1000);
/// ```
pub fn read_bundled_csv(relative: &str) -> Result<DataFrame> {
    read_csv(data_path(relative)?)
}

/// A numeric column as `f64`s; a missing column or a null value is an error naming it.
pub fn column_f64(df: &DataFrame, name: &str) -> Result<Vec<f64>> {
    let col = find_column(df, name)
        .map_err(|_| Error::invalid_arg("column", format!("no column '{name}'; the frame has {:?}", df.get_column_names())))?;
    let cast = col.cast(&DataType::Float64)?;
    let ca = cast.f64()?;
    ca.iter()
        .enumerate()
        .map(|(i, v)| {
            v.ok_or_else(|| Error::InvalidValue {
                what: format!("column '{name}'"),
                value: "null".into(),
                index: i,
                reason: "missing value".into(),
            })
        })
        .collect()
}

/// Looks a column up by name with a linear scan. Polars' own `DataFrame::column` uses
/// a cached, hashed schema when the frame has one, and inside an evcxr notebook each
/// cell is compiled separately with its own copy of the hasher's global seed: a frame
/// whose schema was cached in one cell is then not found by name in the next ("no
/// column 'Age'" although the frame lists it). Every lookup in this crate goes
/// through here; in notebook cells prefer [`column_f64`] and friends over
/// `df.column(..)` for the same reason.
pub fn find_column<'a>(df: &'a DataFrame, name: &str) -> Result<&'a Column> {
    df.columns()
        .iter()
        .find(|c| c.name().as_str() == name)
        .ok_or_else(|| Error::invalid_arg("column", format!("no column '{name}'; the frame has {:?}", df.get_column_names())))
}

/// A numeric column as `f64` values with nulls kept as `None` (found by a linear scan,
/// see [`find_column`]).
pub(crate) fn column_opt_f64(df: &DataFrame, name: &str) -> Result<Vec<Option<f64>>> {
    let c = find_column(df, name)?.cast(&DataType::Float64)?;
    Ok(c.f64()?.iter().collect())
}

/// The same frame without a cached schema, so that polars' name lookups in this copy of
/// the code agree with each other (see [`find_column`]). Cheap: columns are shared.
/// Functions of this crate that derive a frame from a caller's frame start from the
/// detached copy, so the frames they return can be used by name in the calling cell.
pub(crate) fn detach(df: &DataFrame) -> Result<DataFrame> {
    Ok(DataFrame::new(df.height(), df.columns().to_vec())?)
}
