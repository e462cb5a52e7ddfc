//! Negation and uncertainty detection: NegBio-style regular expressions and a ConText
//! (NegEx family) engine with scopes, terminators and pseudo-triggers.

use std::collections::HashMap;

use regex::Regex;
use serde::Deserialize;

use super::text::{Token, check_span, lowercase_with_offsets, tokenize};
use crate::{Error, Result};

/// What a sentence says about one mention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Certainty {
    /// Asserted present.
    Positive,
    /// Negated ("no effusion").
    Negative,
    /// Hedged ("possible effusion", "cannot exclude effusion").
    Uncertain,
}

fn read_json<T: for<'de> Deserialize<'de>>(name: &str) -> Result<T> {
    let p = crate::data::data_path(&format!("nlp/{name}"))?;
    let text = std::fs::read_to_string(&p).map_err(|e| Error::io(&p, e))?;
    serde_json::from_str(&text).map_err(|e| Error::parse(p.display().to_string(), e.to_string()))
}

#[derive(Deserialize)]
struct PatternEntry {
    id: String,
    pattern: String,
}

/// The NegBio rules as regular expressions (radtext's `regex_*.yml`; `XXXXX` stands for the
/// mention). A mention is classified by replacing its words in the sentence with `XXXXX` and
/// testing, in NegBio's order:
/// 1. an *uncertainty before negation* pattern (`cannot exclude XXXXX`) → uncertain;
/// 2. a *negation* pattern (`no XXXXX`, `XXXXX is normal`), unless a *double negation*
///    pattern (`cannot be XXXXX`, `is not XXXXX`) covers the negation → negative;
/// 3. an *uncertainty after negation* pattern (`possible XXXXX`) → uncertain;
/// 4. otherwise positive.
///
/// NegBio proper also matches patterns on a dependency parse; this is its regex layer
/// (radtext's `NegRegex`), which needs no parser model, plus two things the parse gives
/// NegBio that bare regular expressions lack:
/// - **noun-phrase bridging**: each stage also tests the sentence with the mention's noun
///   phrase and any list it stands in collapsed into the placeholder, so "no *pleural*
///   effusion", "no focal consolidation, pleural effusion or pneumothorax" and "pneumonia or
///   atelectasis cannot be excluded" reach the `no XXXXX` / `XXXXX cannot be excluded`
///   patterns, as the parse's `amod` and `conj` edges do. The collapse walks from the mention
///   over words, commas, `or`, `nor` and `/` (and, towards the right, `and` and `of`, which
///   join a subject list or complement: "the heart and mediastinum are normal", "fracture
///   of the left clavicle is not seen"), and stops at a cue word of the patterns
///   ("no", "without", "possible", "normal"), a preposition, an auxiliary or verb of change,
///   `and`, `but` and the like ([`NegBio::bridge_stops`]), at most [`NegBio::MAX_BRIDGE`] tokens each way. Limit: a
///   comma-joined positive finding after a negated one ("no pneumothorax, small effusion")
///   is taken as part of the negated list, as ConText and NegBio's parse do too.
/// - **patterns of ours** for phrasings common in chest X-ray reports that radtext's set
///   lacks ([`NEGBIO_EXTRA_NEGATION`], [`NEGBIO_EXTRA_UNCERTAINTY`]): "heart size normal",
///   "appear within normal limits", "no focal area of", "is not seen", "interval resolution
///   of", "upper limits of normal".
#[derive(Debug, Clone)]
pub struct NegBio {
    uncertainty_pre: Vec<(String, Regex)>,
    negation: Vec<(String, Regex)>,
    double_negation: Vec<(String, Regex)>,
    uncertainty_post: Vec<(String, Regex)>,
    stops: std::collections::HashSet<String>,
}

/// Negation patterns of ours added to [`NegBio::radtext`]'s (ids `ai4med-…`; `XXXXX` is
/// the mention): phrasings of real chest X-ray reports (the OpenI collection) that the
/// radtext set misses.
pub const NEGBIO_EXTRA_NEGATION: [(&str, &str); 10] = [
    ("ai4med-normal", r"XXXXX (normal|unremarkable|not enlarged)"),
    (
        "ai4med-within-normal",
        r"XXXXX (is |are )?(appears? |remains? )?(within normal( radiographic)?( size)? limits|within limits of normal)",
    ),
    ("ai4med-not-enlarged", r"XXXXX (is|are) not (significantly )?enlarged"),
    ("ai4med-normal-size-of", r"normal (size|in size)( and \w+)? of( the)? XXXXX"),
    ("ai4med-area-of", r"(no|without) (\w+ )?(areas?|signs?|evidence|findings?|features?|xxxx) (of|for|to suggest) XXXXX"),
    ("ai4med-to-suggest", r"(no|without) (\w+ ){0,3}to suggest XXXXX"),
    ("ai4med-not-seen", r"XXXXX (is|are|was|were) (not|no longer) (seen|identified|present|demonstrated|visualized|appreciated)"),
    ("ai4med-negative", r"negative (for|of) XXXXX"),
    ("ai4med-interval-resolution", r"interval (resolution|clearing) of XXXXX"),
    ("ai4med-colon-none", r"XXXXX ?: ?(none|no|negative|absent)"),
];

/// Uncertainty patterns of ours added to [`NegBio::radtext`]'s (tested after negation, as
/// radtext's own post-negation set): "pneumonia is not excluded", borderline size ("heart size is upper limits of
/// normal", "borderline heart size", "the heart is top normal in size").
pub const NEGBIO_EXTRA_UNCERTAINTY: [(&str, &str); 3] = [
    ("ai4med-not-excluded", r"XXXXX (is|are) not (entirely |completely )?(excluded|ruled out)"),
    ("ai4med-upper-normal", r"XXXXX (is )?(at )?(the )?(upper|top) (limits? of normal|normal)"),
    ("ai4med-borderline", r"(borderline|top normal|upper normal) XXXXX"),
];
/// Words that end a noun-phrase bridge (see [`NegBio`]): the cue words of the patterns,
/// prepositions, clause words, auxiliaries and verbs of change.
const BRIDGE_STOPS: &[&str] = &[
    // cues of the negation and uncertainty patterns
    "no",
    "not",
    "without",
    "cannot",
    "negative",
    "free",
    "clear",
    "clearing",
    "resolution",
    "resolved",
    "exclude",
    "excluded",
    "rule",
    "rather",
    "removal",
    "removed",
    "drainage",
    "disappearance",
    "healed",
    "possible",
    "possibly",
    "probable",
    "questionable",
    "question",
    "suspicious",
    "suspected",
    "suspect",
    "concern",
    "concerning",
    "doubt",
    "suggesting",
    "suggestive",
    "presumably",
    "likely",
    "less",
    "minimal",
    "minimally",
    "versus",
    "evidence",
    "developing",
    "increasing",
    "convincing",
    "new",
    "normal",
    "unremarkable",
    "unchanged",
    "stable",
    "borderline",
    // prepositions
    "of",
    "in",
    "on",
    "at",
    "to",
    "from",
    "with",
    "within",
    "by",
    "for",
    "over",
    "under",
    "into",
    "along",
    "about",
    "above",
    "below",
    "near",
    "since",
    "after",
    "before",
    "between",
    "through",
    "per",
    "vs",
    "than",
    "like",
    // conjunctions and clause words that end a list
    "and",
    "but",
    "however",
    "although",
    "though",
    "which",
    "that",
    "who",
    "where",
    "when",
    "while",
    "except",
    "because",
    "as",
    "if",
    "whether",
    "there",
    "it",
    "this",
    "these",
    "those",
    "its",
    "their",
    // auxiliaries and verbs of change
    "is",
    "are",
    "was",
    "were",
    "be",
    "been",
    "being",
    "am",
    "has",
    "have",
    "had",
    "does",
    "do",
    "did",
    "may",
    "might",
    "must",
    "can",
    "could",
    "would",
    "should",
    "will",
    "shall",
    "suggest",
    "suggests",
    "represent",
    "represents",
    "reflect",
    "reflects",
    "remain",
    "remains",
    "appear",
    "appears",
    "persist",
    "persists",
    "increased",
    "decreased",
    "improved",
    "worsened",
    "again",
];

fn compile(entries: &[PatternEntry], what: &str) -> Result<Vec<(String, Regex)>> {
    entries
        .iter()
        .map(|e| {
            // Whole words: a pattern must not start or end inside a word.
            let re = format!(r"(?i)(?:^|\b|\s){}(?:\b|$|\s|[.,;:])", e.pattern);
            Regex::new(&re).map(|r| (e.id.clone(), r)).map_err(|err| Error::parse(format!("{what} pattern {}", e.id), err.to_string()))
        })
        .collect()
}

impl NegBio {
    /// The bundled radtext 1.0.dev2 patterns (`data/nlp/negbio_patterns.json`).
    pub fn radtext() -> Result<NegBio> {
        let mut m: HashMap<String, Vec<PatternEntry>> = read_json("negbio_patterns.json")?;
        let mut sets: HashMap<&str, Vec<PatternEntry>> = HashMap::new();
        for k in ["uncertainty_pre_negation", "negation", "double_negation", "uncertainty_post_negation"] {
            sets.insert(k, m.remove(k).unwrap_or_default());
        }
        for (set, extra) in [("negation", &NEGBIO_EXTRA_NEGATION[..]), ("uncertainty_post_negation", &NEGBIO_EXTRA_UNCERTAINTY[..])] {
            if let Some(v) = sets.get_mut(set) {
                v.extend(extra.iter().map(|(id, p)| PatternEntry { id: id.to_string(), pattern: p.to_string() }));
            }
        }
        let stops: std::collections::HashSet<String> = BRIDGE_STOPS.iter().map(|w| w.to_string()).collect();
        let take = |sets: &mut HashMap<&str, Vec<PatternEntry>>, k: &str| -> Result<Vec<(String, Regex)>> {
            compile(&sets.remove(k).unwrap_or_default(), k)
        };
        Ok(NegBio {
            uncertainty_pre: take(&mut sets, "uncertainty_pre_negation")?,
            negation: take(&mut sets, "negation")?,
            double_negation: take(&mut sets, "double_negation")?,
            uncertainty_post: take(&mut sets, "uncertainty_post_negation")?,
            stops,
        })
    }

    /// Longest bridge, in tokens, on each side of a mention (see [`NegBio`]).
    pub const MAX_BRIDGE: usize = 12;

    /// The words that end a noun-phrase bridge: cue words, prepositions, clause words,
    /// auxiliaries and verbs of change.
    pub fn bridge_stops(&self) -> Vec<String> {
        let mut v: Vec<String> = self.stops.iter().cloned().collect();
        v.sort();
        v
    }

    /// `s` (lower case, mention as `XXXXX`) with the mention's noun phrase and list collapsed
    /// into the placeholder; `None` when nothing collapses.
    fn bridged(&self, s: &str) -> Option<String> {
        let at = s.find("XXXXX")?;
        let toks = tokenize(s);
        let k = toks.iter().position(|t| t.start == at)?;
        let bridge = |t: &Token| -> bool {
            match t.text.as_str() {
                "," | "or" | "nor" | "/" | "-" => true,
                w => w.chars().next().is_some_and(|c| c.is_alphanumeric()) && !self.stops.contains(w),
            }
        };
        let mut a = k;
        while a > 0 && k - a < Self::MAX_BRIDGE && bridge(&toks[a - 1]) {
            a -= 1;
        }
        // A bridge does not start or end on a comma or `or`: "no effusion, XXXXX" keeps
        // the list but "effusion. XXXXX" never gets here (sentence punctuation stops).
        // To the right `and` joins a subject list ("the heart and mediastinum are normal") and
        // `of` a subject's complement ("fracture of the left clavicle is not seen"); to the
        // left neither does ("no effusion and mild cardiomegaly", "resolution of XXXXX").
        let mut z = k + 1;
        while z < toks.len() && z - k - 1 < Self::MAX_BRIDGE && (bridge(&toks[z]) || matches!(toks[z].text.as_str(), "and" | "of")) {
            z += 1;
        }
        if a == k && z == k + 1 {
            return None;
        }
        let left = if a < k { toks[a].start } else { at };
        let right = if z > k + 1 { toks[z - 1].end } else { toks[k].end };
        Some(format!("{}XXXXX{}", &s[..left], &s[right..]))
    }

    /// Classifies the mention at byte span `mention` of `sentence`; also returns the id of
    /// the rule that decided (`None` for positive).
    ///
    /// The patterns run on the lower-cased sentence with the mention replaced by a
    /// placeholder; the span is mapped from the original text to the lower-cased one
    /// character by character, so text whose lower case has another byte length ('İ',
    /// 'ẞ') or accented text is handled. A span that is reversed, runs past the sentence or
    /// does not fall on character boundaries is an error naming `mention`.
    pub fn classify_with_rule(&self, sentence: &str, mention: (usize, usize)) -> Result<(Certainty, Option<String>)> {
        check_span(sentence, mention, "mention")?;
        let (lower, map) = lowercase_with_offsets(sentence);
        let (a, z) = (map[mention.0], map[mention.1]);
        let s = format!("{}XXXXX{}", &lower[..a], &lower[z..]);
        // The sentence as written, then with the mention's noun phrase collapsed.
        let variants: Vec<String> = std::iter::once(s.clone()).chain(self.bridged(&s)).collect();
        let hit = |set: &[(String, Regex)]| variants.iter().find_map(|v| set.iter().find(|(_, r)| r.is_match(v)).map(|(id, _)| id.clone()));
        if let Some(id) = hit(&self.uncertainty_pre) {
            return Ok((Certainty::Uncertain, Some(id)));
        }
        for v in &variants {
            for (id, r) in &self.negation {
                if let Some(m) = r.find(v) {
                    let covered = self.double_negation.iter().any(|(_, d)| {
                        let t = v.replace("XXXXX", "excluded");
                        d.find_iter(&t).any(|dm| dm.start() <= m.start() + 1 && dm.end() + 8 >= m.end())
                    });
                    if !covered {
                        return Ok((Certainty::Negative, Some(id.clone())));
                    }
                }
            }
        }
        if let Some(id) = hit(&self.uncertainty_post) {
            return Ok((Certainty::Uncertain, Some(id)));
        }
        Ok((Certainty::Positive, None))
    }

    /// [`NegBio::classify_with_rule`] without the rule.
    pub fn classify(&self, sentence: &str, mention: (usize, usize)) -> Result<Certainty> {
        Ok(self.classify_with_rule(sentence, mention)?.0)
    }
}

/// Category of a ConText modifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Category {
    /// Negation ("no", "without", "negative for").
    NegatedExistence,
    /// Uncertainty ("possible", "suspicious for", "cannot exclude").
    PossibleExistence,
    /// Hypothetical ("if", "evaluate for").
    Hypothetical,
    /// History ("history of").
    Historical,
    /// Someone else ("family history").
    Family,
    /// A pseudo-trigger: a phrase that contains a trigger but modifies nothing ("no change",
    /// "not only"); it blocks the shorter triggers inside it.
    Pseudo,
    /// A terminator ("but", "however"): ends the scope of the modifiers before or after it.
    Terminate,
}

/// Which way a modifier's scope runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Direction {
    /// Towards the end of the sentence.
    Forward,
    /// Towards its start.
    Backward,
    /// Both ways.
    Bidirectional,
    /// A terminator (no scope).
    Terminate,
    /// A pseudo-trigger (no scope).
    Pseudo,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum LowerSpec {
    Exact(String),
    In {
        #[serde(rename = "IN")]
        options: Vec<String>,
    },
}

#[derive(Debug, Clone, Deserialize)]
struct TokenPattern {
    #[serde(rename = "LOWER")]
    lower: LowerSpec,
    #[serde(rename = "OP", default)]
    op: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct RuleJson {
    literal: String,
    category: Category,
    direction: Direction,
    #[serde(default)]
    pattern: Option<Vec<TokenPattern>>,
}

#[derive(Debug, Clone, Deserialize)]
struct RulesFile {
    context_rules: Vec<RuleJson>,
}

/// One position of a rule: the tokens allowed there and whether it may be skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Slot {
    options: Vec<String>,
    optional: bool,
}

/// A ConText rule: a trigger phrase (a literal, or a token pattern with alternatives and
/// optional tokens as medspaCy's spaCy patterns allow), its category and direction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextRule {
    /// The phrase as written (`"no evidence of"`).
    pub literal: String,
    /// Its category.
    pub category: Category,
    /// Its scope direction.
    pub direction: Direction,
    slots: Vec<Slot>,
    /// Where the rule comes from (`medspacy`, `negspacy`, `ai4med`).
    pub source: &'static str,
    /// Longest scope of this rule in tokens (medspaCy's per-rule `max_scope`); `None`: to
    /// the sentence boundary or a terminator.
    pub max_scope: Option<usize>,
}

impl ContextRule {
    /// A rule matching the literal's tokens exactly.
    pub fn literal(literal: &str, category: Category, direction: Direction, source: &'static str) -> ContextRule {
        let slots = tokenize(literal).into_iter().map(|t| Slot { options: vec![t.text], optional: false }).collect();
        ContextRule { literal: literal.to_string(), category, direction, slots, source, max_scope: None }
    }

    /// Length in tokens of a match starting at `i`, trying optional slots both ways
    /// (longest first).
    fn match_at(&self, toks: &[Token], i: usize) -> Option<usize> {
        fn go(slots: &[Slot], toks: &[Token], i: usize) -> Option<usize> {
            let Some((s, rest)) = slots.split_first() else { return Some(i) };
            if i < toks.len()
                && s.options.iter().any(|o| *o == toks[i].text)
                && let Some(e) = go(rest, toks, i + 1)
            {
                return Some(e);
            }
            if s.optional { go(rest, toks, i) } else { None }
        }
        go(&self.slots, toks, i).map(|e| e - i).filter(|&n| n > 0)
    }

    fn first_tokens(&self) -> Vec<String> {
        let mut out = Vec::new();
        for s in &self.slots {
            out.extend(s.options.iter().cloned());
            if !s.optional {
                break;
            }
        }
        out
    }
}

/// A trigger found in a sentence.
#[derive(Debug, Clone, PartialEq)]
pub struct Modifier {
    /// The rule's literal.
    pub literal: String,
    /// Its category.
    pub category: Category,
    /// Its direction.
    pub direction: Direction,
    /// Token range of the trigger.
    pub tokens: (usize, usize),
    /// Token range it modifies (empty for terminators and pseudo-triggers).
    pub scope: (usize, usize),
}

/// ConText on tokens, after Chapman et al. (NegEx 2001, ConText 2009) as medspaCy implements
/// it: triggers are matched on lower-cased tokens (overlapping matches: the longest wins, so a
/// pseudo-trigger such as "no change" hides its "no"); a forward trigger's scope runs to the
/// end of the sentence, a backward one's to its start, each cut at the nearest terminator
/// ("but", "however", "which") and at `max_scope` tokens when set. A target is modified by
/// every trigger whose scope overlaps it. Difference from medspaCy: a terminator ends every
/// scope, where medspaCy's end only the scopes of the terminator's own category.
///
/// [`ConText::clinical`] loads medspaCy 1.3.1's English rules, negspaCy 1.1.0's pseudo-negations
/// and terminations, and a few rules of ours for chest X-ray reports (listed in its
/// documentation).
#[derive(Debug, Clone)]
pub struct ConText {
    rules: Vec<ContextRule>,
    index: HashMap<String, Vec<usize>>,
    /// Longest scope in tokens (`None`: to the sentence boundary or a terminator).
    pub max_scope: Option<usize>,
}

/// Rules of ours added to [`ConText::clinical`]: hedges common in chest X-ray reports that the
/// general clinical rule sets lack (medspaCy has no "cannot exclude", and negspaCy's
/// "cannot" would negate it; "could represent", "may reflect", "possibly", "concern for" are
/// the hedges of the OpenI reports that medspaCy's rules leave positive), "no change"-type phrases as pseudo-triggers, and "resolved"
/// as a negation (CheXpert labels a resolved finding negative); "with normal" is a
/// pseudo-trigger that keeps [`CXR_SCOPED_RULES`]' "normal" from reaching back over
/// "cardiomegaly with normal pulmonary vascularity".
pub const CXR_EXTRA_RULES: [(&str, Category, Direction); 33] = [
    ("cannot exclude", Category::PossibleExistence, Direction::Forward),
    ("can not exclude", Category::PossibleExistence, Direction::Forward),
    ("cannot be excluded", Category::PossibleExistence, Direction::Backward),
    ("cannot be ruled out", Category::PossibleExistence, Direction::Backward),
    ("not excluded", Category::PossibleExistence, Direction::Backward),
    ("is not excluded", Category::PossibleExistence, Direction::Backward),
    ("are not excluded", Category::PossibleExistence, Direction::Backward),
    ("may represent", Category::PossibleExistence, Direction::Forward),
    ("may be present", Category::PossibleExistence, Direction::Backward),
    ("likely", Category::PossibleExistence, Direction::Forward),
    ("probable", Category::PossibleExistence, Direction::Forward),
    ("questionable", Category::PossibleExistence, Direction::Forward),
    ("concerning for", Category::PossibleExistence, Direction::Forward),
    ("no change in", Category::Pseudo, Direction::Pseudo),
    ("no interval change in", Category::Pseudo, Direction::Pseudo),
    ("not significantly changed", Category::Pseudo, Direction::Pseudo),
    ("is not seen", Category::NegatedExistence, Direction::Backward),
    ("are not seen", Category::NegatedExistence, Direction::Backward),
    ("has resolved", Category::NegatedExistence, Direction::Backward),
    ("have resolved", Category::NegatedExistence, Direction::Backward),
    ("resolution of", Category::NegatedExistence, Direction::Forward),
    ("possibly", Category::PossibleExistence, Direction::Forward),
    ("could represent", Category::PossibleExistence, Direction::Forward),
    ("could reflect", Category::PossibleExistence, Direction::Forward),
    ("may reflect", Category::PossibleExistence, Direction::Forward),
    ("could indicate", Category::PossibleExistence, Direction::Forward),
    ("may indicate", Category::PossibleExistence, Direction::Forward),
    ("may include", Category::PossibleExistence, Direction::Forward),
    ("question of", Category::PossibleExistence, Direction::Forward),
    ("suspected", Category::PossibleExistence, Direction::Forward),
    ("concern for", Category::PossibleExistence, Direction::Forward),
    ("in the differential", Category::PossibleExistence, Direction::Backward),
    ("with normal", Category::Pseudo, Direction::Pseudo),
];

/// Rules of ours with a bounded scope (medspaCy's per-rule `max_scope`, in tokens): "normal"
/// statements about an organ, which CheXpert labels negative ("heart size normal", "the
/// heart and mediastinum are normal", "normal size and configuration of the cardiac
/// silhouette", "heart size, mediastinal contour, and pulmonary vascularity are within normal
/// limits" → no cardiomegaly), and borderline size as uncertain ("heart size is upper limits
/// of normal"). These are the commonest sentences of the OpenI reports that medspaCy's
/// rules leave positive. The scopes are bounded so that a finding far from the statement
/// keeps its label, and "with normal" is a pseudo-trigger in [`CXR_EXTRA_RULES`]
/// ("cardiomegaly with normal pulmonary vascularity"). Limit: "mild cardiomegaly, lungs are normal" negates the
/// cardiomegaly (within 10 tokens of "are normal").
pub const CXR_SCOPED_RULES: [(&str, Category, Direction, usize); 23] = [
    ("normal", Category::NegatedExistence, Direction::Bidirectional, 2),
    ("is normal", Category::NegatedExistence, Direction::Backward, 10),
    ("are normal", Category::NegatedExistence, Direction::Backward, 10),
    ("appear normal", Category::NegatedExistence, Direction::Backward, 10),
    ("appears normal", Category::NegatedExistence, Direction::Backward, 10),
    ("is unremarkable", Category::NegatedExistence, Direction::Backward, 10),
    ("are unremarkable", Category::NegatedExistence, Direction::Backward, 10),
    ("within normal limits", Category::NegatedExistence, Direction::Backward, 10),
    ("within limits of normal", Category::NegatedExistence, Direction::Backward, 10),
    ("not enlarged", Category::NegatedExistence, Direction::Backward, 10),
    ("is not enlarged", Category::NegatedExistence, Direction::Backward, 10),
    ("are not enlarged", Category::NegatedExistence, Direction::Backward, 10),
    ("not significantly enlarged", Category::NegatedExistence, Direction::Backward, 10),
    ("is not significantly enlarged", Category::NegatedExistence, Direction::Backward, 10),
    ("upper limits of normal", Category::PossibleExistence, Direction::Backward, 6),
    ("upper limit of normal", Category::PossibleExistence, Direction::Backward, 6),
    ("upper normal", Category::PossibleExistence, Direction::Backward, 6),
    ("borderline", Category::PossibleExistence, Direction::Forward, 4),
    ("normal size", Category::NegatedExistence, Direction::Bidirectional, 6),
    ("normal in size", Category::NegatedExistence, Direction::Bidirectional, 6),
    ("normal limits for size", Category::NegatedExistence, Direction::Bidirectional, 6),
    ("unremarkable", Category::NegatedExistence, Direction::Forward, 3),
    ("stable normal", Category::NegatedExistence, Direction::Forward, 3),
];

impl ConText {
    /// A detector from rules.
    pub fn new(rules: Vec<ContextRule>) -> ConText {
        let mut index: HashMap<String, Vec<usize>> = HashMap::new();
        for (k, r) in rules.iter().enumerate() {
            for t in r.first_tokens() {
                index.entry(t).or_default().push(k);
            }
        }
        ConText { rules, index, max_scope: None }
    }

    /// medspaCy's English ConText rules + negspaCy's pseudo-negations and terminations +
    /// [`CXR_EXTRA_RULES`] + [`CXR_SCOPED_RULES`].
    pub fn clinical() -> Result<ConText> {
        let f: RulesFile = read_json("context_rules.json")?;
        let mut rules: Vec<ContextRule> = f
            .context_rules
            .iter()
            .map(|r| match &r.pattern {
                Some(p) => ContextRule {
                    literal: r.literal.clone(),
                    category: r.category,
                    direction: r.direction,
                    slots: p
                        .iter()
                        .map(|t| Slot {
                            options: match &t.lower {
                                LowerSpec::Exact(s) => vec![s.to_lowercase()],
                                LowerSpec::In { options } => options.iter().map(|s| s.to_lowercase()).collect(),
                            },
                            optional: t.op.as_deref() == Some("?"),
                        })
                        .collect(),
                    source: "medspacy",
                    max_scope: None,
                },
                None => ContextRule::literal(&r.literal, r.category, r.direction, "medspacy"),
            })
            .collect();
        let ts: HashMap<String, Vec<String>> = read_json("negex_termsets.json")?;
        for p in ts.get("pseudo_negations").into_iter().flatten() {
            rules.push(ContextRule::literal(p, Category::Pseudo, Direction::Pseudo, "negspacy"));
        }
        for p in ts.get("termination").into_iter().flatten() {
            rules.push(ContextRule::literal(p, Category::Terminate, Direction::Terminate, "negspacy"));
        }
        for (lit, c, d) in CXR_EXTRA_RULES {
            rules.push(ContextRule::literal(lit, c, d, "ai4med"));
        }
        for (lit, c, d, n) in CXR_SCOPED_RULES {
            rules.push(ContextRule { max_scope: Some(n), ..ContextRule::literal(lit, c, d, "ai4med") });
        }
        Ok(ConText::new(rules))
    }

    /// The rules.
    pub fn rules(&self) -> &[ContextRule] {
        &self.rules
    }

    /// The triggers of a tokenized sentence with their scopes.
    pub fn modifiers(&self, toks: &[Token]) -> Vec<Modifier> {
        let mut found: Vec<(usize, usize, usize)> = Vec::new(); // (start, len, rule)
        for i in 0..toks.len() {
            if let Some(cands) = self.index.get(&toks[i].text) {
                for &k in cands {
                    if let Some(n) = self.rules[k].match_at(toks, i) {
                        found.push((i, n, k));
                    }
                }
            }
        }
        // Longest first; keep the non-overlapping ones.
        found.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut taken = vec![false; toks.len()];
        let mut kept: Vec<(usize, usize, usize)> = Vec::new();
        for (s, n, k) in found {
            if taken[s..s + n].iter().any(|&t| t) {
                continue;
            }
            taken[s..s + n].iter_mut().for_each(|t| *t = true);
            kept.push((s, n, k));
        }
        kept.sort();
        let terms: Vec<(usize, usize)> = kept
            .iter()
            .filter(|(_, _, k)| self.rules[*k].category == Category::Terminate || self.rules[*k].direction == Direction::Terminate)
            .map(|&(s, n, _)| (s, s + n))
            .collect();
        kept.iter()
            .map(|&(s, n, k)| {
                let r = &self.rules[k];
                let e = s + n;
                let fwd_end = terms.iter().filter(|t| t.0 >= e).map(|t| t.0).min().unwrap_or(toks.len());
                let back_start = terms.iter().filter(|t| t.1 <= s).map(|t| t.1).max().unwrap_or(0);
                let cap = self.max_scope.unwrap_or(usize::MAX).min(r.max_scope.unwrap_or(usize::MAX));
                let scope = match r.direction {
                    Direction::Forward => (e, fwd_end.min(e.saturating_add(cap))),
                    Direction::Backward => (back_start.max(s.saturating_sub(cap)), s),
                    Direction::Bidirectional => (back_start.max(s.saturating_sub(cap)), fwd_end.min(e.saturating_add(cap))),
                    Direction::Terminate | Direction::Pseudo => (s, s),
                };
                Modifier { literal: r.literal.clone(), category: r.category, direction: r.direction, tokens: (s, e), scope }
            })
            .collect()
    }

    /// Classifies a target given as a byte span of `sentence`: uncertain if a
    /// possible-existence or hypothetical trigger's scope overlaps it, else negative if a
    /// negation's does, else positive. (Uncertainty wins over negation, as in the CheXpert
    /// labeller: "no definite effusion, possibly small" is uncertain.) Historical and family
    /// triggers do not change the certainty; [`ConText::modifiers_of`] reports them.
    /// A span that is reversed, runs past the sentence or does not fall on character
    /// boundaries is an error naming `target`.
    pub fn classify(&self, sentence: &str, target: (usize, usize)) -> Result<Certainty> {
        check_span(sentence, target, "target")?;
        let toks = tokenize(sentence);
        let mods = self.modifiers(&toks);
        Ok(Self::decide(&mods, &toks, target))
    }

    /// The modifiers whose scope overlaps the target's tokens (the span is checked as in
    /// [`ConText::classify`]).
    pub fn modifiers_of(&self, sentence: &str, target: (usize, usize)) -> Result<Vec<Modifier>> {
        check_span(sentence, target, "target")?;
        let toks = tokenize(sentence);
        let (a, z) = token_range(&toks, target);
        Ok(self.modifiers(&toks).into_iter().filter(|m| m.scope.0 < z && a < m.scope.1).collect())
    }

    pub(crate) fn decide(mods: &[Modifier], toks: &[Token], target: (usize, usize)) -> Certainty {
        let (a, z) = token_range(toks, target);
        let over = |m: &&Modifier| m.scope.0 < z && a < m.scope.1;
        let hits: Vec<&Modifier> = mods.iter().filter(over).collect();
        if hits.iter().any(|m| matches!(m.category, Category::PossibleExistence | Category::Hypothetical)) {
            Certainty::Uncertain
        } else if hits.iter().any(|m| m.category == Category::NegatedExistence) {
            Certainty::Negative
        } else {
            Certainty::Positive
        }
    }
}

/// Token indices covering a byte span.
pub(crate) fn token_range(toks: &[Token], span: (usize, usize)) -> (usize, usize) {
    let a = toks.iter().position(|t| t.end > span.0).unwrap_or(toks.len());
    let z = toks.iter().rposition(|t| t.start < span.1).map(|i| i + 1).unwrap_or(a);
    (a, z.max(a))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(s: &str, w: &str) -> (usize, usize) {
        let a = s.to_lowercase().find(w).unwrap();
        (a, a + w.len())
    }

    /// Spans in the original text, on text whose lower case changes byte lengths
    /// ('İ' is 2 bytes, its lower case 3) or has accents: no panic, the right answer.
    #[test]
    fn non_ascii_text_and_bad_spans() {
        let n = NegBio::radtext().unwrap();
        let c = ConText::clinical().unwrap();
        for s in ["İİİ no pneumothorax.", "Épanchement, no pneumothorax.", "ẞ no pneumothorax ẞ."] {
            let a = s.find("pneumothorax").unwrap();
            let sp = (a, a + "pneumothorax".len());
            assert_eq!(n.classify(s, sp).unwrap(), Certainty::Negative, "{s}");
            assert_eq!(c.classify(s, sp).unwrap(), Certainty::Negative, "{s}");
        }
        let s = "İİ small effusion.";
        let a = s.find("effusion").unwrap();
        assert_eq!(n.classify(s, (a, a + 8)).unwrap(), Certainty::Positive);
        for bad in [(5, 3), (0, 100), (1, 4)] {
            // reversed, past the end, inside 'İ'
            let e = n.classify(s, bad).unwrap_err().to_string();
            assert!(e.contains("mention"), "{bad:?}: {e}");
            let e = c.classify(s, bad).unwrap_err().to_string();
            assert!(e.contains("target"), "{bad:?}: {e}");
        }
    }

    #[test]
    fn context_handles_scope_pseudo_and_terminators() {
        let c = ConText::clinical().unwrap();
        let cases = [
            ("No pneumothorax.", "pneumothorax", Certainty::Negative),
            ("There is no evidence of pneumonia.", "pneumonia", Certainty::Negative),
            ("No pneumothorax but a small effusion.", "effusion", Certainty::Positive),
            ("No pneumothorax but a small effusion.", "pneumothorax", Certainty::Negative),
            ("No change in the left effusion.", "effusion", Certainty::Positive),
            ("Cannot exclude pneumonia.", "pneumonia", Certainty::Uncertain),
            ("Pneumonia cannot be excluded.", "pneumonia", Certainty::Uncertain),
            ("Possible small effusion.", "effusion", Certainty::Uncertain),
            ("Effusion is not seen.", "effusion", Certainty::Negative),
            ("Findings suspicious for pneumonia.", "pneumonia", Certainty::Uncertain),
            ("Large effusion.", "effusion", Certainty::Positive),
            ("Effusion has resolved.", "effusion", Certainty::Negative),
        ];
        for (s, w, want) in cases {
            assert_eq!(c.classify(s, span(s, w)).unwrap(), want, "{s} / {w}: {:?}", c.modifiers_of(s, span(s, w)));
        }
        let mut short = c.clone();
        short.max_scope = Some(1);
        let s = "No definite focal consolidation or effusion.";
        assert_eq!(short.classify(s, span(s, "effusion")).unwrap(), Certainty::Positive);
        assert_eq!(c.classify(s, span(s, "effusion")).unwrap(), Certainty::Negative);
    }

    #[test]
    fn negbio_regex_order() {
        let n = NegBio::radtext().unwrap();
        let cases = [
            ("no pneumothorax.", "pneumothorax", Certainty::Negative),
            ("cannot exclude pneumonia.", "pneumonia", Certainty::Uncertain),
            ("possible pneumonia.", "pneumonia", Certainty::Uncertain),
            ("the heart size is normal.", "heart size", Certainty::Negative),
            ("small left pleural effusion.", "effusion", Certainty::Positive),
            ("effusion has resolved.", "effusion", Certainty::Negative),
        ];
        for (s, w, want) in cases {
            assert_eq!(n.classify_with_rule(s, span(s, w)).unwrap().0, want, "{s} / {w}: {:?}", n.classify_with_rule(s, span(s, w)));
        }
    }
}
