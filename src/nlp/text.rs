//! Text cleaning, sentence splitting and tokenization of radiology reports.

use crate::{Error, Result};

/// Cleans a report sentence the way the course's `clean` does:
/// 1. lower-case;
/// 2. `and/or` → `or`;
/// 3. a `/` between two letters → ` or ` (`pneumonia/atelectasis`);
/// 4. `..` → `.`;
/// 5. a space after every `.` and `,` — except between two digits (`2.5 cm`, `1,000`), where
///    the course's version would write `2. 5 cm` and split the sentence there;
/// 6. runs of whitespace → one space, no leading or trailing space.
///
/// ```
/// use ai4med::nlp::clean;
/// assert_eq!(
///     clean("     BIBASILAR OPACITIES,likely representing bilateral pleural effusions with ATELECTASIS   and/or PNEUMONIA.."),
///     "bibasilar opacities, likely representing bilateral pleural effusions with atelectasis or pneumonia."
/// );
/// assert_eq!(clean("worrisome nodule in the Right Upper  lobe.CANNOT exclude neoplasm.."), "worrisome nodule in the right upper lobe. cannot exclude neoplasm.");
/// assert_eq!(clean("Effusion,2.5 cm."), "effusion, 2.5 cm.");
/// ```
pub fn clean(text: &str) -> String {
    let lower = text.to_lowercase().replace("and/or", "or");
    let chars: Vec<char> = lower.chars().collect();
    let mut s = String::with_capacity(lower.len() + 16);
    for (i, &c) in chars.iter().enumerate() {
        if c == '/' && i > 0 && i + 1 < chars.len() && chars[i - 1].is_alphabetic() && chars[i + 1].is_alphabetic() {
            s.push_str(" or ");
        } else {
            s.push(c);
        }
    }
    // Python's str.replace("..", ".") replaces non-overlapping pairs left to right.
    let s = s.replace("..", ".");
    let mut spaced = String::with_capacity(s.len() + 16);
    let cs: Vec<char> = s.chars().collect();
    for (i, &c) in cs.iter().enumerate() {
        spaced.push(c);
        let in_number = i > 0 && i + 1 < cs.len() && cs[i - 1].is_ascii_digit() && cs[i + 1].is_ascii_digit();
        if (c == '.' || c == ',') && !in_number {
            spaced.push(' ');
        }
    }
    spaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Byte spans of the sentences of a report: a sentence ends after `.`, `?`, `!` or `;` that is
/// followed by whitespace (or the end), and at every line break; a `.` between two digits
/// (`2.5 cm`) or after a one-letter abbreviation does not end one. Empty pieces are dropped;
/// spans exclude surrounding whitespace.
///
/// ```
/// let r = "No pneumothorax. Heart size is 2.5 cm larger.\nPossible effusion";
/// let s: Vec<&str> = ai4med::nlp::sentence_spans(r).into_iter().map(|(a, b)| &r[a..b]).collect();
/// assert_eq!(s, ["No pneumothorax.", "Heart size is 2.5 cm larger.", "Possible effusion"]);
/// ```
pub fn sentence_spans(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let push = |out: &mut Vec<(usize, usize)>, a: usize, z: usize| {
        let piece = &text[a..z];
        let lead = piece.len() - piece.trim_start().len();
        let trail = piece.len() - piece.trim_end().len();
        if z - trail > a + lead {
            out.push((a + lead, z - trail));
        }
    };
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'\n' {
            push(&mut out, start, i);
            start = i + 1;
        } else if matches!(c, b'.' | b'?' | b'!' | b';') {
            let next_space = i + 1 >= b.len() || b[i + 1].is_ascii_whitespace();
            let one_letter = c == b'.' && i >= 1 && b[i - 1].is_ascii_alphabetic() && (i < 2 || !b[i - 2].is_ascii_alphanumeric());
            if next_space && !one_letter {
                push(&mut out, start, i + 1);
                start = i + 1;
            }
        }
        i += 1;
    }
    push(&mut out, start, b.len());
    out
}

/// The first match of a regular expression in `text`, as Python's
/// `re.search(pattern, text).group()` gives it (`None` for no match). Patterns may use
/// look-behind `(?<=…)` and look-ahead `(?=…)` (the `fancy-regex` crate; the `regex` crate
/// used elsewhere in `nlp` leaves them out to guarantee linear time). An invalid pattern is
/// an error naming `pattern`; a match that would backtrack without end stops at the crate's
/// backtrack limit and is an error too.
///
/// Course 3 week 2, lab 1 (cleaning text): its anchors, character sets and look-arounds.
///
/// ```
/// use ai4med::nlp::regex_search;
/// assert_eq!(regex_search("^Pl|ion$", "Pleural Effusion").unwrap().as_deref(), Some("Pl"));
/// assert_eq!(regex_search("(?<=[a-zA-Z])123", "99C123").unwrap().as_deref(), Some("123"));
/// assert_eq!(regex_search("^Eff", "Pleural Effusion").unwrap(), None);
/// assert!(regex_search("(unclosed", "x").unwrap_err().to_string().contains("pattern"));
/// ```
pub fn regex_search(pattern: &str, text: &str) -> Result<Option<String>> {
    let re = fancy_regex::Regex::new(pattern)
        .map_err(|e| Error::invalid_arg("pattern", format!("{pattern:?} is not a valid regular expression: {e}")))?;
    let m = re.find(text).map_err(|e| Error::invalid_arg("pattern", format!("{pattern:?} on this text: {e}")))?;
    Ok(m.map(|m| m.as_str().to_string()))
}

/// `text` with each character that `table` lists replaced by its string, as Python's
/// `text.translate(str.maketrans(table))` (characters not in the table stay; a later entry for
/// the same character wins, as in a Python dict).
///
/// Course 3 week 2, lab 1: `{"!": "!!!", "z": "s"}` turns American spellings British and
/// adds emphasis.
///
/// ```
/// let s = ai4med::nlp::translate("colonization, realization, organization!", &[('!', "!!!"), ('z', "s")]);
/// assert_eq!(s, "colonisation, realisation, organisation!!!");
/// ```
pub fn translate(text: &str, table: &[(char, &str)]) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match table.iter().rev().find(|(k, _)| *k == c) {
            Some((_, v)) => out.push_str(v),
            None => out.push(c),
        }
    }
    out
}

/// Section names of radiology reports that [`strip_section_header`] removes when a sentence
/// starts with one followed by a colon (case-insensitive).
pub const SECTION_HEADERS: [&str; 27] = [
    "findings",
    "finding",
    "impression",
    "impressions",
    "indication",
    "indications",
    "history",
    "clinical history",
    "comparison",
    "comparisons",
    "technique",
    "exam",
    "examination",
    "conclusion",
    "conclusions",
    "recommendation",
    "recommendations",
    "reason for exam",
    "reason for study",
    "procedure",
    "result",
    "results",
    "summary",
    "note",
    "clinical information",
    "clinical indication",
    "opinion",
];

/// The sentence without a leading section header: `"IMPRESSION: No pleural effusion."` →
/// `"No pleural effusion."`; a header alone (`"Findings:"`) gives `""`. Only the names in
/// [`SECTION_HEADERS`] count, so `"Pneumothorax: none."` keeps its subject. Real reports
/// put a header on its own line or before the first sentence of a section; left in place,
/// ConText reads `"impression: no"` as medspaCy's backward `": no"` trigger, whose scope is
/// the header, and the finding after it stays positive.
///
/// ```
/// use ai4med::nlp::strip_section_header;
/// assert_eq!(strip_section_header("IMPRESSION: No pleural effusion."), "No pleural effusion.");
/// assert_eq!(strip_section_header("Findings:"), "");
/// assert_eq!(strip_section_header("Pneumothorax: none."), "Pneumothorax: none.");
/// ```
pub fn strip_section_header(sentence: &str) -> &str {
    let t = sentence.trim_start();
    let Some(colon) = t.find(':') else { return sentence };
    let head = t[..colon].trim().to_lowercase();
    let head = head.split_whitespace().collect::<Vec<_>>().join(" ");
    if SECTION_HEADERS.contains(&head.as_str()) { t[colon + 1..].trim_start() } else { sentence }
}

/// The sentences of a report as strings (see [`sentence_spans`]).
pub fn split_sentences(text: &str) -> Vec<String> {
    sentence_spans(text).into_iter().map(|(a, z)| text[a..z].to_string()).collect()
}

/// A token of a sentence: its lower-cased text and byte span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Lower-cased text.
    pub text: String,
    /// Start byte in the sentence.
    pub start: usize,
    /// End byte (exclusive).
    pub end: usize,
}

/// Splits a sentence into word tokens (letters, digits, and `'`, `/`, `-` inside a word, as in
/// `r/o`, `x-ray`, `doesn't`) and single punctuation tokens, lower-cased, with byte spans.
///
/// ```
/// let t: Vec<String> = ai4med::nlp::tokenize("No PTX; r/o pneumonia, doesn't change.").into_iter().map(|t| t.text).collect();
/// assert_eq!(t, ["no", "ptx", ";", "r/o", "pneumonia", ",", "doesn't", "change", "."]);
/// ```
pub fn tokenize(sentence: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let chars: Vec<(usize, char)> = sentence.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let (pos, c) = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c.is_alphanumeric() {
            let mut j = i + 1;
            while j < chars.len() {
                let d = chars[j].1;
                let inner = matches!(d, '\'' | '/' | '-') && j + 1 < chars.len() && chars[j + 1].1.is_alphanumeric();
                if d.is_alphanumeric() || inner {
                    j += 1;
                } else {
                    break;
                }
            }
            let end = if j < chars.len() { chars[j].0 } else { sentence.len() };
            out.push(Token { text: sentence[pos..end].to_lowercase(), start: pos, end });
            i = j;
        } else {
            let end = pos + c.len_utf8();
            out.push(Token { text: c.to_lowercase().collect(), start: pos, end });
            i += 1;
        }
    }
    out
}

/// Reads report text from bytes, failing with a clear error on invalid UTF-8 (naming the
/// byte offset) and on an empty or all-whitespace report.
///
/// ```
/// assert!(ai4med::nlp::report_from_bytes(b"No effusion.", "r1").is_ok());
/// assert!(ai4med::nlp::report_from_bytes(b"bad \xff byte", "r2").unwrap_err().to_string().contains("byte 4"));
/// assert!(ai4med::nlp::report_from_bytes(b"   ", "r3").is_err());
/// ```
pub fn report_from_bytes(bytes: &[u8], what: &str) -> Result<String> {
    let s =
        std::str::from_utf8(bytes).map_err(|e| Error::parse(what, format!("not UTF-8 text: invalid byte at byte {}", e.valid_up_to())))?;
    if s.trim().is_empty() {
        return Err(Error::Empty { what: format!("report {what}") });
    }
    Ok(s.to_string())
}

/// Reads the report texts of a CSV file (for example MIMIC-CXR or Indiana University report
/// tables you have access to): the column `column` as strings, in row order. A missing
/// column (the error lists the columns there are), an empty file, an empty or missing report
/// (named by row), or a file that is not UTF-8 is an error.
///
/// ```
/// let dir = std::env::temp_dir().join("ai4med-doc-reports");
/// std::fs::create_dir_all(&dir).unwrap();
/// std::fs::write(dir.join("r.csv"), "id,impression\n1,No effusion.\n2,\"Possible pneumonia, left base.\"\n").unwrap();
/// let r = ai4med::nlp::read_reports(dir.join("r.csv"), "impression").unwrap();
/// assert_eq!(r, ["No effusion.", "Possible pneumonia, left base."]);
/// assert!(ai4med::nlp::read_reports(dir.join("r.csv"), "findings").unwrap_err().to_string().contains("impression"));
/// ```
pub fn read_reports(path: impl AsRef<std::path::Path>, column: &str) -> Result<Vec<String>> {
    let p = path.as_ref();
    let bytes = std::fs::read(p).map_err(|e| Error::io(p, e))?;
    report_from_bytes(&bytes, &p.display().to_string())?;
    let df = crate::data::read_csv(p)?;
    let names: Vec<String> = df.get_column_names().iter().map(|s| s.to_string()).collect();
    let col = df.column(column).map_err(|_| {
        Error::invalid_arg("column", format!("{} has no column {column:?}; its columns are {}", p.display(), names.join(", ")))
    })?;
    let s = col.cast(&polars::prelude::DataType::String)?;
    let ca = s.str()?;
    ca.iter()
        .enumerate()
        .map(|(i, v)| match v {
            Some(t) if !t.trim().is_empty() => Ok(t.to_string()),
            _ => Err(Error::Empty { what: format!("report in row {} of {}", i + 1, p.display()) }),
        })
        .collect()
}

/// Checks that `span` is a byte range of `text` a routine can slice: start ≤ end ≤ length,
/// both on character boundaries. The error names `what` (the argument).
pub(crate) fn check_span(text: &str, span: (usize, usize), what: &str) -> Result<()> {
    let (a, z) = span;
    if a > z || z > text.len() {
        return Err(Error::invalid_arg(what, format!("span {a}..{z} is not a range inside the {}-byte sentence", text.len())));
    }
    if !text.is_char_boundary(a) || !text.is_char_boundary(z) {
        return Err(Error::invalid_arg(
            what,
            format!("span {a}..{z} cuts a character in two (spans are byte offsets on character boundaries)"),
        ));
    }
    Ok(())
}

/// The lower-cased text and, for every byte offset `i` of `text` that is a character
/// boundary (and `text.len()`), the offset of the same place in the lower-cased text
/// (`map[i]`; other entries are 0). Lower-casing can change a character's byte length
/// ('İ' is 2 bytes, "i̇" 3), so offsets into the original cannot be used on the copy.
pub(crate) fn lowercase_with_offsets(text: &str) -> (String, Vec<usize>) {
    let mut lower = String::with_capacity(text.len());
    let mut map = vec![0; text.len() + 1];
    for (i, c) in text.char_indices() {
        map[i] = lower.len();
        lower.extend(c.to_lowercase());
    }
    map[text.len()] = lower.len();
    (lower, map)
}
