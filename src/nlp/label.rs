//! Observation mentions, report labels and the labellers.

use polars::prelude::*;
use rayon::prelude::*;
use regex::{Regex, RegexSet};
use serde::Deserialize;

use super::negation::{Certainty, ConText, NegBio};
use super::text::{clean, sentence_spans, strip_section_header, tokenize};
use crate::display::{Cell, Table};
use crate::plot::Figure;
use crate::{Error, Result};

/// The label of one observation in one report, in the CheXpert labeller's schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Label {
    /// Present (code 1).
    Positive,
    /// Absent (code 0).
    Negative,
    /// Uncertain (code −1).
    Uncertain,
    /// Not mentioned (blank).
    NotMentioned,
}

impl Label {
    /// The course's codes: 1, 0, −1, `None` for not mentioned.
    pub fn code(self) -> Option<i32> {
        match self {
            Label::Positive => Some(1),
            Label::Negative => Some(0),
            Label::Uncertain => Some(-1),
            Label::NotMentioned => None,
        }
    }
    /// The inverse of [`Label::code`]; other values are an error.
    pub fn from_code(code: Option<i32>) -> Result<Label> {
        match code {
            Some(1) => Ok(Label::Positive),
            Some(0) => Ok(Label::Negative),
            Some(-1) => Ok(Label::Uncertain),
            None => Ok(Label::NotMentioned),
            Some(v) => Err(Error::InvalidValue {
                what: "label code".into(),
                value: v.to_string(),
                index: 0,
                reason: "codes are 1, 0, -1 or missing".into(),
            }),
        }
    }
}

/// One observation's mention patterns.
#[derive(Debug, Clone)]
struct Observation {
    name: String,
    include: Vec<Regex>,
    exclude: Vec<Regex>,
}

/// A mention of an observation in a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    /// Index of the observation in [`PhraseLists::names`].
    pub observation: usize,
    /// Byte span in the sentence (extended to the end of the word, so `atelecta` gives
    /// `atelectasis`).
    pub span: (usize, usize),
    /// The mention's text.
    pub text: String,
}

#[derive(Deserialize)]
struct PhraseEntry {
    #[serde(default)]
    include: Vec<String>,
    #[serde(default)]
    exclude: Vec<String>,
}

/// Mention and unmention phrase lists per observation. Phrases are case-insensitive regular
/// expressions matched from a word start (as radtext does: `atelecta` matches `atelectasis`,
/// `\blines?\b` a whole word); a mention overlapping an `exclude` match (`pericardial
/// effusion` for Pleural Effusion) is dropped.
///
/// With [`PhraseLists::chexpert`] the labels include CheXpert's *No Finding*, derived rather
/// than matched: positive when no other observation except Support Devices is positive or
/// uncertain, else not mentioned.
#[derive(Debug, Clone)]
pub struct PhraseLists {
    observations: Vec<Observation>,
    no_finding: bool,
    /// Every include phrase of every observation, in order, as one set: one pass over a
    /// sentence says which phrases occur, and only those are searched for their spans (most
    /// sentences contain none of the ~130). Same mentions as searching each phrase.
    include_set: RegexSet,
}

fn compile_phrase(p: &str) -> Result<Regex> {
    let starts_word = p.chars().next().is_some_and(|c| c.is_alphanumeric());
    let re = if starts_word { format!(r"(?i)\b(?:{p})") } else { format!(r"(?i)(?:{p})") };
    Regex::new(&re).map_err(|e| Error::parse(format!("phrase {p:?}"), e.to_string()))
}

impl PhraseLists {
    /// Lists from `(observation, include phrases, exclude phrases)`.
    ///
    /// ```
    /// use ai4med::nlp::PhraseLists;
    /// let p = PhraseLists::new(&[("Pneumonia", &["pneumonia", "infection"][..], &[][..])]).unwrap();
    /// let m = p.mentions("Right lower lobe pneumonia.");
    /// assert_eq!((m[0].observation, m[0].text.as_str()), (0, "pneumonia"));
    /// ```
    pub fn new(lists: &[(&str, &[&str], &[&str])]) -> Result<PhraseLists> {
        if lists.is_empty() {
            return Err(Error::Empty { what: "phrase lists".into() });
        }
        let observations = lists
            .iter()
            .map(|(name, inc, exc)| {
                if inc.is_empty() {
                    return Err(Error::invalid_arg("phrases", format!("observation {name} has no include phrase")));
                }
                Ok(Observation {
                    name: name.to_string(),
                    include: inc.iter().map(|p| compile_phrase(p)).collect::<Result<_>>()?,
                    exclude: exc.iter().map(|p| compile_phrase(p)).collect::<Result<_>>()?,
                })
            })
            .collect::<Result<_>>()?;
        PhraseLists::with(observations, false)
    }

    fn with(observations: Vec<Observation>, no_finding: bool) -> Result<PhraseLists> {
        let include_set = RegexSet::new(observations.iter().flat_map(|o| o.include.iter().map(|r| r.as_str())))
            .map_err(|e| Error::parse("phrase lists", e.to_string()))?;
        Ok(PhraseLists { observations, no_finding, include_set })
    }

    fn bundled(file: &str, no_finding: bool) -> Result<PhraseLists> {
        let p = crate::data::data_path(&format!("nlp/{file}"))?;
        let text = std::fs::read_to_string(&p).map_err(|e| Error::io(&p, e))?;
        let m: indexmap_like::Ordered = serde_json::from_str(&text).map_err(|e| Error::parse(p.display().to_string(), e.to_string()))?;
        let mut observations = Vec::new();
        for (name, v) in m.0 {
            if no_finding && name == "No Finding" {
                continue;
            }
            let e: PhraseEntry =
                serde_json::from_value(v).map_err(|e| Error::parse(format!("{} entry {name}", p.display()), e.to_string()))?;
            observations.push(Observation {
                name,
                include: e.include.iter().map(|s| compile_phrase(s)).collect::<Result<_>>()?,
                exclude: e.exclude.iter().map(|s| compile_phrase(s)).collect::<Result<_>>()?,
            });
        }
        PhraseLists::with(observations, no_finding)
    }

    /// The CheXpert labeller's 13 observations (radtext's `chexpert_phrases.yml`, bundled as
    /// `data/nlp/chexpert_phrases.json`) plus the derived No Finding: 14 labels.
    pub fn chexpert() -> Result<PhraseLists> {
        Self::bundled("chexpert_phrases.json", true)
    }

    /// The ChestX-ray14 observations (radtext's `cxr14_phrases_v2.yml`).
    pub fn cxr14() -> Result<PhraseLists> {
        Self::bundled("cxr14_phrases.json", false)
    }

    /// Label names in column order (with `No Finding` last for CheXpert).
    pub fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.observations.iter().map(|o| o.name.clone()).collect();
        if self.no_finding {
            v.push("No Finding".into());
        }
        v
    }

    /// Mentions in one sentence, in order of position (one per observation and span).
    pub fn mentions(&self, sentence: &str) -> Vec<Mention> {
        let mut out = Vec::new();
        let hits = self.include_set.matches(sentence);
        if !hits.matched_any() {
            return out;
        }
        let mut first = 0;
        for (k, o) in self.observations.iter().enumerate() {
            let ids = first..first + o.include.len();
            first += o.include.len();
            if !ids.clone().any(|i| hits.matched(i)) {
                continue;
            }
            let excluded: Vec<(usize, usize)> =
                o.exclude.iter().flat_map(|r| r.find_iter(sentence).map(|m| (m.start(), m.end()))).collect();
            for (r, i) in o.include.iter().zip(ids) {
                if !hits.matched(i) {
                    continue;
                }
                for m in r.find_iter(sentence) {
                    let mut end = m.end();
                    while let Some(c) = sentence[end..].chars().next() {
                        if c.is_alphanumeric() { end += c.len_utf8() } else { break }
                    }
                    let (a, z) = (m.start(), end);
                    if z == a
                        || excluded.iter().any(|&(x, y)| x < z && a < y)
                        || out.iter().any(|q: &Mention| q.observation == k && q.span.0 < z && a < q.span.1)
                    {
                        continue;
                    }
                    out.push(Mention { observation: k, span: (a, z), text: sentence[a..z].to_string() });
                }
            }
        }
        out.sort_by_key(|m| (m.span.0, m.observation));
        out
    }
}

/// A tiny order-preserving JSON object reader (the phrase files list observations in a
/// meaningful order).
mod indexmap_like {
    use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
    pub struct Ordered(pub Vec<(String, serde_json::Value)>);
    impl<'de> Deserialize<'de> for Ordered {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Ordered;
                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    f.write_str("a JSON object")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Ordered, A::Error> {
                    let mut v = Vec::new();
                    while let Some((k, x)) = m.next_entry::<String, serde_json::Value>()? {
                        v.push((k, x));
                    }
                    Ok(Ordered(v))
                }
            }
            d.deserialize_map(V)
        }
    }
}

/// The negative words of the course's `get_labels_negative_aware`, matched as substrings
/// of the lower-cased sentence ([`Method::NegationSubstrings`]).
pub const COURSE_NEGATIVE_WORDS: [&str; 8] = ["no", "not", "doesn't", "does not", "have not", "can not", "can't", "n't"];

/// How a mention's certainty is decided.
#[derive(Debug, Clone)]
pub enum Method {
    /// The course's keyword labeller: every mention is positive.
    Keyword,
    /// A negation-aware keyword labeller on whole words: a mention is negative when its
    /// sentence contains any of these words as a token (e.g. `no`, `not`), else positive.
    /// Unlike the course's rule ([`Method::NegationSubstrings`]), `normal` or `nodule` do not
    /// count as `no`.
    KeywordNegation(Vec<String>),
    /// The course's `get_labels_negative_aware` rule: a mention is negative when its
    /// lower-cased sentence contains any of these strings anywhere, even inside a word (so
    /// `no` also matches `normal`, `nodule` and `unknown`), else positive.
    NegationSubstrings(Vec<String>),
    /// NegBio's regular expressions ([`NegBio`]), with its noun-phrase bridge. Gets right:
    /// negation and hedges tied to the mention's own phrase, lists after one "no", and a
    /// positive finding joined by "and" after a negated one ("no effusion and mild
    /// cardiomegaly"). Gets wrong: cues its patterns do not spell out (a hedge in a relative
    /// clause, "no pleural line of pneumothorax"). On the OpenI reports: macro F1 0.704
    /// against MeSH, 0.849 of our hand labels (`benches/README.md`).
    NegBio(Box<NegBio>),
    /// ConText with scopes ([`ConText`]). Gets right: any finding within a trigger's scope,
    /// however the sentence is built, and normal-size statements through our CXR rules. Gets
    /// wrong: a positive finding after a negated one in the same sentence without a
    /// terminator ("no effusion and mild cardiomegaly": both negated). On the OpenI reports:
    /// macro F1 0.758 against MeSH, 0.883 of our hand labels.
    ConText(Box<ConText>),
}

impl Method {
    /// Whole-word negation ([`Method::KeywordNegation`]) with the words `no` and `not`.
    pub fn keyword_negation() -> Method {
        Method::KeywordNegation(vec!["no".into(), "not".into()])
    }
    /// The course's negation-aware labeller ([`Method::NegationSubstrings`]) with its
    /// strings [`COURSE_NEGATIVE_WORDS`] (course 3 week 2, `get_labels_negative_aware`).
    pub fn course_negation() -> Method {
        Method::NegationSubstrings(COURSE_NEGATIVE_WORDS.iter().map(|w| w.to_string()).collect())
    }
    /// NegBio with the bundled radtext patterns.
    pub fn negbio() -> Result<Method> {
        Ok(Method::NegBio(Box::new(NegBio::radtext()?)))
    }
    /// ConText with [`ConText::clinical`] rules.
    pub fn context() -> Result<Method> {
        Ok(Method::ConText(Box::new(ConText::clinical()?)))
    }
    /// A short name for tables.
    pub fn name(&self) -> &'static str {
        match self {
            Method::Keyword => "keyword",
            Method::KeywordNegation(_) => "keyword + negation words",
            Method::NegationSubstrings(_) => "keyword + negation substrings (course)",
            Method::NegBio(_) => "NegBio regex",
            Method::ConText(_) => "ConText",
        }
    }
}

/// A mention with the sentence it is in and its certainty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabeledMention {
    /// Observation index.
    pub observation: usize,
    /// Sentence index in the report.
    pub sentence: usize,
    /// Byte span in the (cleaned) sentence.
    pub span: (usize, usize),
    /// Mention text.
    pub text: String,
    /// What the sentence says about it.
    pub certainty: Certainty,
}

/// Labels of one report: one [`Label`] per observation ([`PhraseLists::names`] order) and the
/// mentions behind them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportLabels {
    /// One label per observation.
    pub labels: Vec<Label>,
    /// The mentions found.
    pub mentions: Vec<LabeledMention>,
    /// The sentences (cleaned when the labeller cleans).
    pub sentences: Vec<String>,
}

/// CheXpert's is-a relations between its observations, `(parent, child)`: Lung Opacity is the
/// parent of Edema, Consolidation, Lung Lesion and Atelectasis, Consolidation of Pneumonia,
/// Enlarged Cardiomediastinum of Cardiomegaly (Irvin et al., AAAI 2019, figure 2).
pub const CHEXPERT_HIERARCHY: [(&str, &str); 6] = [
    ("Lung Opacity", "Edema"),
    ("Lung Opacity", "Consolidation"),
    ("Lung Opacity", "Lung Lesion"),
    ("Lung Opacity", "Atelectasis"),
    ("Consolidation", "Pneumonia"),
    ("Enlarged Cardiomediastinum", "Cardiomegaly"),
];

/// Propagates labels up an is-a hierarchy of `(parent, child)` names, children first: a
/// positive child makes its parent positive; an uncertain child makes a parent that is
/// negative or not mentioned uncertain. Repeated until nothing changes, so grandparents
/// follow (Pneumonia → Consolidation → Lung Opacity). Unknown names are an error.
///
/// ```
/// use ai4med::nlp::{Label::*, propagate_hierarchy, CHEXPERT_HIERARCHY};
/// let names: Vec<String> = ["Lung Opacity", "Consolidation", "Pneumonia"].iter().map(|s| s.to_string()).collect();
/// let mut l = vec![NotMentioned, Negative, Positive];
/// propagate_hierarchy(&mut l, &names, &CHEXPERT_HIERARCHY[..]).unwrap_err(); // other names are missing
/// propagate_hierarchy(&mut l, &names, &[("Lung Opacity", "Consolidation"), ("Consolidation", "Pneumonia")]).unwrap();
/// assert_eq!(l, vec![Positive, Positive, Positive]);
/// ```
pub fn propagate_hierarchy(labels: &mut [Label], names: &[String], pairs: &[(&str, &str)]) -> Result<()> {
    crate::error::check::same_len("labels vs names", labels.len(), names.len())?;
    let idx = |n: &str| {
        names
            .iter()
            .position(|x| x == n)
            .ok_or_else(|| Error::invalid_arg("hierarchy", format!("no observation named {n:?} among {}", names.join(", "))))
    };
    let pairs: Vec<(usize, usize)> = pairs.iter().map(|(p, c)| Ok((idx(p)?, idx(c)?))).collect::<Result<_>>()?;
    loop {
        let mut changed = false;
        for &(p, c) in &pairs {
            let new = match (labels[c], labels[p]) {
                (Label::Positive, l) if l != Label::Positive => Some(Label::Positive),
                (Label::Uncertain, Label::Negative | Label::NotMentioned) => Some(Label::Uncertain),
                _ => None,
            };
            if let Some(v) = new {
                labels[p] = v;
                changed = true;
            }
        }
        if !changed {
            return Ok(());
        }
    }
}

/// A report labeller: phrase lists + a [`Method`]. Per report: split into sentences (line
/// breaks end one), drop a leading section header ([`strip_section_header`]), clean each
/// sentence (the course's [`clean`], unless turned off), find mentions, decide each mention's certainty,
/// then aggregate per observation as the CheXpert labeller does — positive if any mention is
/// positive, else uncertain if any is uncertain, else negative if any is negative, else not
/// mentioned.
///
/// ```
/// use ai4med::nlp::{Label, Labeler, Method, PhraseLists};
/// let l = Labeler::new(PhraseLists::chexpert().unwrap(), Method::context().unwrap());
/// let r = l.label("No pneumothorax. Small left pleural effusion. Cannot exclude pneumonia.").unwrap();
/// let names = l.names();
/// let of = |n: &str| r.labels[names.iter().position(|x| x == n).unwrap()];
/// assert_eq!(of("Pneumothorax"), Label::Negative);
/// assert_eq!(of("Pleural Effusion"), Label::Positive);
/// assert_eq!(of("Pneumonia"), Label::Uncertain);
/// assert_eq!(of("Edema"), Label::NotMentioned);
/// ```
#[derive(Debug, Clone)]
pub struct Labeler {
    phrases: PhraseLists,
    method: Method,
    /// Apply [`clean`] first (default true).
    pub clean: bool,
    /// An is-a hierarchy to propagate after aggregation ([`propagate_hierarchy`]); `None` by
    /// default, as the CheXpert labeller does not propagate.
    pub hierarchy: Option<Vec<(String, String)>>,
}

impl Labeler {
    /// A labeller.
    pub fn new(phrases: PhraseLists, method: Method) -> Labeler {
        Labeler { phrases, method, clean: true, hierarchy: None }
    }
    /// Label names.
    pub fn names(&self) -> Vec<String> {
        self.phrases.names()
    }
    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// Labels one report; an empty (or all-whitespace) report is an error.
    pub fn label(&self, report: &str) -> Result<ReportLabels> {
        if report.trim().is_empty() {
            return Err(Error::Empty { what: "report".into() });
        }
        // Sentences of the text as written (line breaks still separate them), each without a
        // section header, then cleaned; cleaning can expose a boundary ("effusion.no
        // pneumothorax"), so cleaned sentences are split once more.
        let mut sentences: Vec<String> = Vec::new();
        for (a, z) in sentence_spans(report) {
            let s = strip_section_header(&report[a..z]);
            if s.trim().is_empty() {
                continue;
            }
            if self.clean {
                let c = clean(s);
                sentences.extend(sentence_spans(&c).into_iter().map(|(a, z)| c[a..z].to_string()));
            } else {
                sentences.push(s.to_string());
            }
        }
        let k = self.phrases.observations.len();
        let mut mentions = Vec::new();
        for (si, s) in sentences.iter().enumerate() {
            let ms = self.phrases.mentions(s);
            if ms.is_empty() {
                continue;
            }
            let certainties: Vec<Certainty> = match &self.method {
                Method::Keyword => vec![Certainty::Positive; ms.len()],
                Method::KeywordNegation(words) => {
                    let toks = tokenize(s);
                    let neg = toks.iter().any(|t| words.contains(&t.text));
                    vec![if neg { Certainty::Negative } else { Certainty::Positive }; ms.len()]
                }
                Method::NegationSubstrings(words) => {
                    let lower = s.to_lowercase();
                    let neg = words.iter().any(|w| !w.is_empty() && lower.contains(&w.to_lowercase()));
                    vec![if neg { Certainty::Negative } else { Certainty::Positive }; ms.len()]
                }
                Method::NegBio(n) => ms.iter().map(|m| n.classify(s, m.span)).collect::<Result<_>>()?,
                Method::ConText(c) => {
                    let toks = tokenize(s);
                    let mods = c.modifiers(&toks);
                    ms.iter().map(|m| ConText::decide(&mods, &toks, m.span)).collect()
                }
            };
            for (m, c) in ms.into_iter().zip(certainties) {
                mentions.push(LabeledMention { observation: m.observation, sentence: si, span: m.span, text: m.text, certainty: c });
            }
        }
        let mut labels = vec![Label::NotMentioned; k];
        for (o, label) in labels.iter_mut().enumerate() {
            let cs: Vec<Certainty> = mentions.iter().filter(|m| m.observation == o).map(|m| m.certainty).collect();
            *label = if cs.contains(&Certainty::Positive) {
                Label::Positive
            } else if cs.contains(&Certainty::Uncertain) {
                Label::Uncertain
            } else if cs.contains(&Certainty::Negative) {
                Label::Negative
            } else {
                Label::NotMentioned
            };
        }
        if let Some(h) = &self.hierarchy {
            let pairs: Vec<(&str, &str)> = h.iter().map(|(p, c)| (p.as_str(), c.as_str())).collect();
            let names: Vec<String> = self.phrases.observations.iter().map(|o| o.name.clone()).collect();
            propagate_hierarchy(&mut labels, &names, &pairs)?;
        }
        if self.phrases.no_finding {
            let any = self
                .phrases
                .observations
                .iter()
                .zip(&labels)
                .any(|(o, l)| o.name != "Support Devices" && matches!(l, Label::Positive | Label::Uncertain));
            labels.push(if any { Label::NotMentioned } else { Label::Positive });
        }
        Ok(ReportLabels { labels, mentions, sentences })
    }

    /// Labels many reports in parallel; the first bad report's error names its index.
    pub fn label_all<S: AsRef<str> + Sync>(&self, reports: &[S]) -> Result<Vec<ReportLabels>> {
        reports
            .par_iter()
            .enumerate()
            .map(|(i, r)| self.label(r.as_ref()).map_err(|e| Error::invalid_arg("reports", format!("report {i}: {e}"))))
            .collect()
    }

    /// A frame of label codes (1, 0, −1, null) with one column per observation.
    pub fn frame(&self, labels: &[ReportLabels]) -> Result<DataFrame> {
        label_frame(&labels.iter().map(|r| r.labels.clone()).collect::<Vec<_>>(), &self.names())
    }

    /// The mentions of one report as a table: sentence, mention, observation, certainty.
    pub fn mention_table(&self, r: &ReportLabels) -> Table {
        let names = self.names();
        let mut t = Table::new(["sentence", "mention", "observation", "certainty"]);
        for m in &r.mentions {
            t.push_row([
                Cell::from(r.sentences.get(m.sentence).map(String::as_str).unwrap_or("")),
                Cell::from(m.text.as_str()),
                Cell::from(names[m.observation].as_str()),
                Cell::from(format!("{:?}", m.certainty).to_lowercase()),
            ]);
        }
        t
    }
}

/// A frame of label codes (Int32: 1, 0, −1, null) with one column per name.
pub fn label_frame(labels: &[Vec<Label>], names: &[String]) -> Result<DataFrame> {
    for (i, l) in labels.iter().enumerate() {
        if l.len() != names.len() {
            return Err(Error::LengthMismatch { what: format!("labels of report {i} vs names"), left: l.len(), right: names.len() });
        }
    }
    let cols: Vec<Column> = names
        .iter()
        .enumerate()
        .map(|(k, n)| Column::new(n.as_str().into(), labels.iter().map(|l| l[k].code()).collect::<Vec<Option<i32>>>()))
        .collect();
    Ok(DataFrame::new(labels.len(), cols)?)
}

/// Per-label precision, recall and F1 of predicted against true labels, counting
/// [`Label::Positive`] as the positive class (uncertain, negative and not mentioned count as
/// not positive, as the course's F1 does), with the support (true positives available) and
/// a macro-average row. A label with no true and no predicted positive has F1 undefined
/// (NaN, left out of the average).
#[derive(Debug, Clone)]
pub struct LabelScores {
    /// Label names.
    pub names: Vec<String>,
    /// Precision per label.
    pub precision: Vec<f64>,
    /// Recall per label.
    pub recall: Vec<f64>,
    /// F1 per label.
    pub f1: Vec<f64>,
    /// True positives available per label.
    pub support: Vec<usize>,
}

impl LabelScores {
    /// Mean F1 over labels where it is defined.
    pub fn macro_f1(&self) -> f64 {
        let v: Vec<f64> = self.f1.iter().copied().filter(|x| x.is_finite()).collect();
        if v.is_empty() { f64::NAN } else { v.iter().sum::<f64>() / v.len() as f64 }
    }
    /// The scores as a table with an average row.
    pub fn table(&self) -> Table {
        let mut t = Table::new(["label", "precision", "recall", "F1", "support"]);
        for k in 0..self.names.len() {
            t.push_row([
                Cell::from(self.names[k].as_str()),
                Cell::from(self.precision[k]),
                Cell::from(self.recall[k]),
                Cell::from(self.f1[k]),
                Cell::from(self.support[k]),
            ]);
        }
        let mean = |v: &[f64]| {
            let f: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
            if f.is_empty() { f64::NAN } else { f.iter().sum::<f64>() / f.len() as f64 }
        };
        t.push_row([
            Cell::from("average"),
            Cell::from(mean(&self.precision)),
            Cell::from(mean(&self.recall)),
            Cell::from(self.macro_f1()),
            Cell::from(self.support.iter().sum::<usize>()),
        ]);
        t
    }
}

/// Scores predicted labels against true ones (see [`LabelScores`]).
///
/// ```
/// use ai4med::nlp::{Label::*, evaluate_labels};
/// let truth = vec![vec![Positive], vec![Negative], vec![Positive]];
/// let pred = vec![vec![Positive], vec![Positive], vec![NotMentioned]];
/// let s = evaluate_labels(&truth, &pred, &["Edema".to_string()]).unwrap();
/// assert_eq!((s.precision[0], s.recall[0], s.f1[0]), (0.5, 0.5, 0.5));
/// ```
pub fn evaluate_labels(truth: &[Vec<Label>], pred: &[Vec<Label>], names: &[String]) -> Result<LabelScores> {
    crate::error::check::same_len("true vs predicted reports", truth.len(), pred.len())?;
    crate::error::check::non_empty("reports", truth.len())?;
    let k = names.len();
    for (i, (t, p)) in truth.iter().zip(pred).enumerate() {
        if t.len() != k || p.len() != k {
            return Err(Error::LengthMismatch { what: format!("labels of report {i} vs names"), left: t.len().max(p.len()), right: k });
        }
    }
    let mut s = LabelScores { names: names.to_vec(), precision: vec![], recall: vec![], f1: vec![], support: vec![] };
    for c in 0..k {
        let (mut tp, mut fp, mut fn_) = (0usize, 0usize, 0usize);
        for (t, p) in truth.iter().zip(pred) {
            match (t[c] == Label::Positive, p[c] == Label::Positive) {
                (true, true) => tp += 1,
                (false, true) => fp += 1,
                (true, false) => fn_ += 1,
                _ => {}
            }
        }
        let prec = if tp + fp > 0 { tp as f64 / (tp + fp) as f64 } else { f64::NAN };
        let rec = if tp + fn_ > 0 { tp as f64 / (tp + fn_) as f64 } else { f64::NAN };
        let f1 = if tp + fp + fn_ > 0 { 2.0 * tp as f64 / (2 * tp + fp + fn_) as f64 } else { f64::NAN };
        s.precision.push(prec);
        s.recall.push(rec);
        s.f1.push(f1);
        s.support.push(tp + fn_);
    }
    Ok(s)
}

/// A bar chart of how many reports carry each label value per observation (positive,
/// uncertain, negative), for a label set.
pub fn label_count_figure(labels: &[Vec<Label>], names: &[String]) -> Figure {
    let count = |want: Label| {
        names.iter().enumerate().map(|(k, _)| labels.iter().filter(|l| l.get(k) == Some(&want)).count() as f64).collect::<Vec<f64>>()
    };
    Figure::new()
        .title("Labels per observation")
        .y_label("reports")
        .bars(names, &count(Label::Positive), "positive")
        .bars(names, &count(Label::Uncertain), "uncertain")
        .bars(names, &count(Label::Negative), "negative")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nlp::synthetic_reports;

    #[test]
    fn course_keyword_labellers() {
        let lists = PhraseLists::new(&[("Edema", &["edema"][..], &[][..]), ("Pneumonia", &["pneumonia"][..], &[][..])]).unwrap();
        let kw = Labeler::new(lists.clone(), Method::Keyword);
        let neg = Labeler::new(lists, Method::keyword_negation());
        let r = "No edema. Pneumonia is present.";
        assert_eq!(kw.label(r).unwrap().labels, vec![Label::Positive, Label::Positive]);
        assert_eq!(neg.label(r).unwrap().labels, vec![Label::Negative, Label::Positive]);
        assert!(kw.label("   ").is_err());
        assert!(kw.label_all(&["ok", ""]).unwrap_err().to_string().contains("report 1"));
    }

    #[test]
    fn course_negation_is_a_substring_rule() {
        // The course's test: with its keywords ("pattern" → Airspace Opacity, "infection" →
        // Pneumonia, "consolidation" → Consolidation), the negation-aware labeller skips
        // "no Focal Consolidation." and keeps the first sentence.
        let lists = PhraseLists::new(&[
            ("Airspace Opacity", &["pattern"][..], &[][..]),
            ("Consolidation", &["consolidation"][..], &[][..]),
            ("Pneumonia", &["infection"][..], &[][..]),
        ])
        .unwrap();
        let course = Labeler::new(lists.clone(), Method::course_negation());
        let report =
            "Diffuse Reticular Pattern, which can be seen with an atypical infection or chronic fibrotic change. no Focal Consolidation.";
        assert_eq!(course.label(report).unwrap().labels, vec![Label::Positive, Label::Negative, Label::Positive]);
        // Substrings: "normal" contains "no", "isn't" contains "n't"; whole words do not.
        let words = Labeler::new(lists.clone(), Method::keyword_negation());
        for (r, course_label, word_label) in [
            ("Normal heart, consolidation at the base.", Label::Negative, Label::Positive),
            ("Consolidation isn't present.", Label::Negative, Label::Positive),
            ("Consolidation does NOT persist.", Label::Negative, Label::Negative),
            ("Consolidation at the base.", Label::Positive, Label::Positive),
        ] {
            assert_eq!(course.label(r).unwrap().labels[1], course_label, "{r}");
            assert_eq!(words.label(r).unwrap().labels[1], word_label, "{r}");
        }
        assert_eq!(
            Labeler::new(lists, Method::NegationSubstrings(vec![String::new()])).label("Consolidation.").unwrap().labels[1],
            Label::Positive
        );
    }

    #[test]
    fn exclusions_and_word_ends() {
        let p = PhraseLists::chexpert().unwrap();
        let names = p.names();
        let m = p.mentions("small pericardial effusion and bibasilar atelectasis");
        let found: Vec<(&str, &str)> = m.iter().map(|m| (names[m.observation].as_str(), m.text.as_str())).collect();
        assert_eq!(found, vec![("Atelectasis", "atelectasis")]);
        assert_eq!(names.len(), 14);
    }

    #[test]
    fn context_beats_keywords_on_generated_reports() {
        let s = synthetic_reports(600, 9).unwrap();
        let f1 = |m: Method| {
            let l = Labeler::new(PhraseLists::chexpert().unwrap(), m);
            let pred: Vec<Vec<Label>> = l.label_all(&s.reports).unwrap().into_iter().map(|r| r.labels).collect();
            evaluate_labels(&s.labels, &pred, &s.names).unwrap().macro_f1()
        };
        let (kw, kn, nb, cx) =
            (f1(Method::Keyword), f1(Method::keyword_negation()), f1(Method::negbio().unwrap()), f1(Method::context().unwrap()));
        assert!(kw < kn && kn < nb && nb < cx, "{kw} {kn} {nb} {cx}");
        assert!(cx > 0.93, "{cx}");
    }

    #[test]
    fn hierarchy_propagates_upwards() {
        let mut l = Labeler::new(PhraseLists::chexpert().unwrap(), Method::context().unwrap());
        l.hierarchy = Some(CHEXPERT_HIERARCHY.iter().map(|(p, c)| (p.to_string(), c.to_string())).collect());
        let names = l.names();
        let r = l.label("Right lower lobe pneumonia. Possible cardiomegaly.").unwrap();
        let of = |n: &str| r.labels[names.iter().position(|x| x == n).unwrap()];
        assert_eq!((of("Pneumonia"), of("Consolidation"), of("Lung Opacity")), (Label::Positive, Label::Positive, Label::Positive));
        assert_eq!(of("Enlarged Cardiomediastinum"), Label::Uncertain);
        assert_eq!(of("Edema"), Label::NotMentioned);
    }

    #[test]
    fn frame_and_codes() {
        let names = vec!["A".to_string(), "B".to_string()];
        let df = label_frame(&[vec![Label::Positive, Label::NotMentioned], vec![Label::Uncertain, Label::Negative]], &names).unwrap();
        assert_eq!(df.shape(), (2, 2));
        assert_eq!(Label::from_code(Some(-1)).unwrap(), Label::Uncertain);
        assert!(Label::from_code(Some(2)).is_err());
    }
}
