//! Information extraction from radiology reports: cleaning, sentences, observation mentions,
//! negation and uncertainty, CheXpert-style labels, evaluation, BioC documents, and a
//! generator of labelled report impressions.
//!
//! | course (medical question answering, course 3 week 2) | here |
//! |---|---|
//! | `re.search(pattern, text)` with look-arounds, `str.translate` (lab 1) | [`regex_search`], [`translate`] |
//! | `clean(sentence)` | [`clean`] |
//! | sentence splitting of a report | [`split_sentences`], [`sentence_spans`] |
//! | `get_labels` (keyword labeller) | [`Labeler`] with [`Method::Keyword`] |
//! | `get_labels_negative_aware` | [`Method::course_negation`] (substrings, as the course; [`Method::keyword_negation`] on whole words) |
//! | NegBio / the CheXpert labeller (Java, dependency parser) | [`Method::negbio`] (NegBio's regular expressions), [`Method::context`] (ConText scopes), pure Rust |
//! | BioC collections, documents, passages, annotations | [`bioc`] (JSON and XML) |
//! | synonyms, is-a hierarchy | several phrases per observation in [`PhraseLists`]; [`propagate_hierarchy`], [`CHEXPERT_HIERARCHY`], `Labeler::hierarchy` |
//! | per-label F1 | [`evaluate_labels`], [`LabelScores::table`] |
//! | (not in the course) real reports: the Indiana University / OpenI collection with its MeSH indexing | [`read_openi`], [`mesh_labels`], [`evaluate_on_mesh`] (fetched by set-up, never committed) |
//! | `get_span_from_scores`, `construct_answer` | [`best_span`], [`construct_answer`] (the model side is `ai4med::nlp::qa`, feature `torch`) |
//!
//! Rules and phrase lists are bundled in `data/nlp/` (radtext, medspaCy and negspaCy, all
//! MIT; see `data/README.md`).

pub mod bioc;
mod label;
mod negation;
mod openi;
#[cfg(feature = "torch")]
pub mod qa;
mod qa_text;
mod synth;
mod text;

pub use bioc::labelled_collection;
pub use label::{
    CHEXPERT_HIERARCHY, COURSE_NEGATIVE_WORDS, Label, LabelScores, LabeledMention, Labeler, Mention, Method, PhraseLists, ReportLabels,
    evaluate_labels, label_count_figure, label_frame, propagate_hierarchy,
};
pub use negation::{
    CXR_EXTRA_RULES, CXR_SCOPED_RULES, Category, Certainty, ConText, ContextRule, Direction, Modifier, NEGBIO_EXTRA_NEGATION,
    NEGBIO_EXTRA_UNCERTAINTY, NegBio,
};
pub use openi::{
    MAX_REPORT_BYTES, MESH_TO_CHEXPERT, MeshEvaluation, OpenIReport, evaluate_on_mesh, mesh_labels, mesh_table, openi_available,
    openi_path, parse_openi_xml, read_openi,
};
pub use qa_text::{QaExample, answer_f1, best_span, construct_answer, exact_match, normalize_answer, synthetic_qa};
pub use synth::{Phrasing, SyntheticReports, synthetic_reports};
pub use text::{
    SECTION_HEADERS, Token, clean, read_reports, regex_search, report_from_bytes, sentence_spans, split_sentences, strip_section_header,
    tokenize, translate,
};
