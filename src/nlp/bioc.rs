//! A BioC document model (collection → documents → passages → sentences → annotations),
//! with BioC JSON and BioC XML in and out, as NegBio and radtext exchange reports.
//!
//! Offsets are byte offsets into the passage's document text, as in BioC (whose offsets are
//! in the file's encoding; for ASCII reports bytes and characters agree).
//!
//! ```
//! use ai4med::nlp::bioc::{Collection, Document, Passage};
//! let mut c = Collection::new("ai4med");
//! c.documents.push(Document::from_text("r1", "No effusion. Possible pneumonia."));
//! let json = c.to_json().unwrap();
//! let back = Collection::from_json(&json).unwrap();
//! assert_eq!(back, c);
//! let xml = c.to_xml();
//! assert_eq!(Collection::from_xml(&xml).unwrap(), c);
//! ```

// A parser of untrusted input: no unchecked indexing or overflowing arithmetic
// (robustness policy, src/lib.rs); each exception carries an `allow` with its reason.
#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::label::{Labeler, ReportLabels};
use super::negation::Certainty;
use super::text::sentence_spans;
use crate::display::escape_html;
use crate::{Error, Result};

/// Key–value information attached to any BioC element.
pub type Infons = BTreeMap<String, String>;

/// Where an annotation lies: `offset` and `length` in bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    /// Start.
    pub offset: usize,
    /// Length.
    pub length: usize,
}

/// An annotation: a span of text with information (for a mention: the observation and
/// whether it is negated or uncertain).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Annotation {
    /// Identifier, unique in the document.
    pub id: String,
    /// Information (`observation`, `negation`, `uncertainty`, ...).
    #[serde(default)]
    pub infons: Infons,
    /// The annotated text.
    pub text: String,
    /// Its locations.
    pub locations: Vec<Location>,
}

/// A sentence of a passage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sentence {
    /// Offset of the sentence in the document.
    pub offset: usize,
    /// Information.
    #[serde(default)]
    pub infons: Infons,
    /// The sentence's text.
    pub text: String,
    /// Annotations inside it.
    #[serde(default)]
    pub annotations: Vec<Annotation>,
}

/// A passage (a report section such as the impression).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Passage {
    /// Offset of the passage in the document.
    pub offset: usize,
    /// Information (e.g. `section_type`).
    #[serde(default)]
    pub infons: Infons,
    /// The passage's text.
    #[serde(default)]
    pub text: String,
    /// Its sentences, when split.
    #[serde(default)]
    pub sentences: Vec<Sentence>,
    /// Passage-level annotations.
    #[serde(default)]
    pub annotations: Vec<Annotation>,
}

/// A document (one report).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    /// Identifier.
    pub id: String,
    /// Information.
    #[serde(default)]
    pub infons: Infons,
    /// Passages.
    pub passages: Vec<Passage>,
}

impl Document {
    /// A document with one passage holding `text`.
    pub fn from_text(id: &str, text: &str) -> Document {
        Document {
            id: id.to_string(),
            infons: Infons::new(),
            passages: vec![Passage { offset: 0, infons: Infons::new(), text: text.to_string(), sentences: vec![], annotations: vec![] }],
        }
    }

    /// Splits every passage into sentences ([`sentence_spans`]), replacing earlier splits.
    pub fn split_sentences(&mut self) {
        for p in &mut self.passages {
            p.sentences = sentence_spans(&p.text)
                .into_iter()
                .map(|(a, z)| Sentence {
                    offset: p.offset.saturating_add(a),
                    infons: Infons::new(),
                    text: p.text.get(a..z).unwrap_or_default().to_string(),
                    annotations: vec![],
                })
                .collect();
        }
    }
}

/// A collection of documents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Collection {
    /// Where the documents come from.
    pub source: String,
    /// Date (free text, e.g. `2026-11-26`).
    #[serde(default)]
    pub date: String,
    /// Name of the key file describing the infons.
    #[serde(default)]
    pub key: String,
    /// Information.
    #[serde(default)]
    pub infons: Infons,
    /// Documents.
    pub documents: Vec<Document>,
}

impl Collection {
    /// An empty collection.
    pub fn new(source: &str) -> Collection {
        Collection { source: source.to_string(), date: String::new(), key: String::new(), infons: Infons::new(), documents: vec![] }
    }

    /// BioC JSON.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self).map_err(|e| Error::parse("BioC collection", e.to_string()))
    }

    /// Reads BioC JSON.
    pub fn from_json(text: &str) -> Result<Collection> {
        serde_json::from_str(text).map_err(|e| Error::parse("BioC JSON", e.to_string()))
    }

    /// BioC XML (`<collection>` with `<document>`, `<passage>`, `<sentence>`,
    /// `<annotation>`, `<infon key=…>`, `<location offset=… length=…>`).
    pub fn to_xml(&self) -> String {
        let mut x =
            String::from("<?xml version='1.0' encoding='utf-8' standalone='yes'?>\n<!DOCTYPE collection SYSTEM 'BioC.dtd'>\n<collection>");
        let e = |s: &str| escape_html(s);
        let infons = |x: &mut String, m: &Infons| {
            for (k, v) in m {
                x.push_str(&format!("<infon key=\"{}\">{}</infon>", e(k), e(v)));
            }
        };
        let ann = |x: &mut String, a: &Annotation| {
            x.push_str(&format!("<annotation id=\"{}\">", e(&a.id)));
            infons(x, &a.infons);
            for l in &a.locations {
                x.push_str(&format!("<location offset=\"{}\" length=\"{}\"/>", l.offset, l.length));
            }
            x.push_str(&format!("<text>{}</text></annotation>", e(&a.text)));
        };
        x.push_str(&format!("<source>{}</source><date>{}</date><key>{}</key>", e(&self.source), e(&self.date), e(&self.key)));
        infons(&mut x, &self.infons);
        for d in &self.documents {
            x.push_str(&format!("<document><id>{}</id>", e(&d.id)));
            infons(&mut x, &d.infons);
            for p in &d.passages {
                x.push_str("<passage>");
                infons(&mut x, &p.infons);
                x.push_str(&format!("<offset>{}</offset><text>{}</text>", p.offset, e(&p.text)));
                for s in &p.sentences {
                    x.push_str("<sentence>");
                    infons(&mut x, &s.infons);
                    x.push_str(&format!("<offset>{}</offset><text>{}</text>", s.offset, e(&s.text)));
                    for a in &s.annotations {
                        ann(&mut x, a);
                    }
                    x.push_str("</sentence>");
                }
                for a in &p.annotations {
                    ann(&mut x, a);
                }
                x.push_str("</passage>");
            }
            x.push_str("</document>");
        }
        x.push_str("</collection>\n");
        x
    }

    /// Reads BioC XML; malformed XML, a missing `<id>`/`<offset>` or a non-numeric offset is
    /// an error naming the element.
    pub fn from_xml(text: &str) -> Result<Collection> {
        let opts = roxmltree::ParsingOptions { allow_dtd: true, ..Default::default() };
        let doc = roxmltree::Document::parse_with_options(text, opts).map_err(|e| Error::parse("BioC XML", e.to_string()))?;
        let root = doc.root_element();
        if root.tag_name().name() != "collection" {
            return Err(Error::parse("BioC XML", format!("root element is <{}>, expected <collection>", root.tag_name().name())));
        }
        fn child_text(n: roxmltree::Node, tag: &str) -> String {
            n.children().find(|c| c.has_tag_name(tag)).and_then(|c| c.text()).unwrap_or("").to_string()
        }
        fn num(n: roxmltree::Node, tag: &str, what: &str) -> Result<usize> {
            let t = child_text(n, tag);
            t.trim().parse().map_err(|_| Error::parse("BioC XML", format!("<{what}> has <{tag}> {t:?}, expected a number")))
        }
        fn infons(n: roxmltree::Node) -> Infons {
            n.children()
                .filter(|c| c.has_tag_name("infon"))
                .map(|c| (c.attribute("key").unwrap_or("").to_string(), c.text().unwrap_or("").to_string()))
                .collect()
        }
        fn anns(n: roxmltree::Node) -> Result<Vec<Annotation>> {
            n.children()
                .filter(|c| c.has_tag_name("annotation"))
                .map(|a| {
                    let locations = a
                        .children()
                        .filter(|c| c.has_tag_name("location"))
                        .map(|l| {
                            let g = |k: &str| {
                                l.attribute(k)
                                    .and_then(|v| v.parse().ok())
                                    .ok_or_else(|| Error::parse("BioC XML", format!("<location> needs a numeric {k}")))
                            };
                            Ok(Location { offset: g("offset")?, length: g("length")? })
                        })
                        .collect::<Result<_>>()?;
                    Ok(Annotation {
                        id: a.attribute("id").unwrap_or("").to_string(),
                        infons: infons(a),
                        text: child_text(a, "text"),
                        locations,
                    })
                })
                .collect()
        }
        let mut c = Collection {
            source: child_text(root, "source"),
            date: child_text(root, "date"),
            key: child_text(root, "key"),
            infons: infons(root),
            documents: vec![],
        };
        for d in root.children().filter(|n| n.has_tag_name("document")) {
            let mut passages = Vec::new();
            for p in d.children().filter(|n| n.has_tag_name("passage")) {
                let mut sentences = Vec::new();
                for s in p.children().filter(|n| n.has_tag_name("sentence")) {
                    sentences.push(Sentence {
                        offset: num(s, "offset", "sentence")?,
                        infons: infons(s),
                        text: child_text(s, "text"),
                        annotations: anns(s)?,
                    });
                }
                passages.push(Passage {
                    offset: num(p, "offset", "passage")?,
                    infons: infons(p),
                    text: child_text(p, "text"),
                    sentences,
                    annotations: anns(p)?,
                });
            }
            c.documents.push(Document { id: child_text(d, "id"), infons: infons(d), passages });
        }
        Ok(c)
    }
}

/// A BioC collection of labelled reports, NegBio-style: one document per report with one
/// passage (the cleaned text when the labeller cleans), its sentences, and one annotation
/// per mention carrying `observation`, `negation` / `uncertainty` (`"True"` when they apply)
/// and `certainty`; the document's infons hold each observation's label code.
pub fn labelled_collection<S: AsRef<str>>(labeler: &Labeler, ids: &[S], labels: &[ReportLabels]) -> Result<Collection> {
    crate::error::check::same_len("ids vs labelled reports", ids.len(), labels.len())?;
    let names = labeler.names();
    let mut c = Collection::new("ai4med::nlp");
    c.infons.insert("method".into(), labeler.method().name().into());
    for (id, r) in ids.iter().zip(labels) {
        let text = r.sentences.join(" ");
        let mut doc = Document::from_text(id.as_ref(), &text);
        let mut offset: usize = 0;
        let mut sentences = Vec::new();
        for (si, s) in r.sentences.iter().enumerate() {
            let mut annotations = Vec::new();
            for (k, m) in r.mentions.iter().enumerate().filter(|(_, m)| m.sentence == si) {
                let mut infons = Infons::new();
                infons.insert("observation".into(), names.get(m.observation).cloned().unwrap_or_default());
                infons.insert("certainty".into(), format!("{:?}", m.certainty).to_lowercase());
                if m.certainty == Certainty::Negative {
                    infons.insert("negation".into(), "True".into());
                }
                if m.certainty == Certainty::Uncertain {
                    infons.insert("uncertainty".into(), "True".into());
                }
                annotations.push(Annotation {
                    id: format!("T{k}"),
                    infons,
                    text: m.text.clone(),
                    locations: vec![Location { offset: offset.saturating_add(m.span.0), length: m.span.1.saturating_sub(m.span.0) }],
                });
            }
            sentences.push(Sentence { offset, infons: Infons::new(), text: s.clone(), annotations });
            offset = offset.saturating_add(s.len()).saturating_add(1);
        }
        if let Some(p) = doc.passages.first_mut() {
            p.sentences = sentences;
        }
        for (n, l) in names.iter().zip(&r.labels) {
            doc.infons.insert(n.clone(), l.code().map(|v| v.to_string()).unwrap_or_default());
        }
        c.documents.push(doc);
    }
    Ok(c)
}
