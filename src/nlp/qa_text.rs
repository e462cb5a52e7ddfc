//! The model-free parts of extractive question answering: best span search, answer
//! reconstruction from word pieces, SQuAD-style answer scoring, and a generator of
//! clinical-note question–answer examples.

use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::{Error, Result};

/// The best answer span from start and end scores, the course's `get_span_from_scores`:
/// the pair `(i, j)` with `i ≤ j`, both inside the mask (`mask[i] = mask[j] = 1`, the passage
/// tokens), and `j − i < max_len` when given, that maximises `start[i] + end[j]`. Ties go to
/// the earliest `i`, then the earliest `j`. O(n) for unbounded spans (a running maximum of
/// the start scores), O(n · max_len) otherwise.
///
/// ```
/// let start = [-1.0, 2.0, 0.4, -0.3, 0.0, 8.0, 10.0, 12.0];
/// let end = [5.0, 1.0, 1.0, 3.0, 4.0, 10.0, 10.0, 10.0];
/// let mask = [1, 1, 1, 1, 1, 0, 0, 0];
/// assert_eq!(ai4med::nlp::best_span(&start, &end, &mask, None).unwrap(), (1, 4));
/// ```
pub fn best_span(start: &[f64], end: &[f64], mask: &[u8], max_len: Option<usize>) -> Result<(usize, usize)> {
    crate::error::check::same_len("start vs end scores", start.len(), end.len())?;
    crate::error::check::same_len("scores vs mask", start.len(), mask.len())?;
    crate::error::check::finite("start scores", start)?;
    crate::error::check::finite("end scores", end)?;
    if !mask.contains(&1) {
        return Err(Error::undefined("answer span", "the mask selects no token (an empty passage?)"));
    }
    let mut best: Option<(f64, usize, usize)> = None;
    match max_len {
        None => {
            // running best start at or before j
            let mut arg: Option<usize> = None;
            for j in 0..start.len() {
                if mask[j] != 1 {
                    continue;
                }
                if arg.is_none_or(|a| start[j] > start[a]) {
                    arg = Some(j);
                }
                let i = arg.unwrap_or(j);
                let s = start[i] + end[j];
                if best.is_none_or(|b| s > b.0) {
                    best = Some((s, i, j));
                }
            }
        }
        Some(m) => {
            if m == 0 {
                return Err(Error::invalid_arg("max_len", "must be at least 1"));
            }
            for i in (0..start.len()).filter(|&i| mask[i] == 1) {
                for j in (i..start.len().min(i + m)).filter(|&j| mask[j] == 1) {
                    let s = start[i] + end[j];
                    if best.is_none_or(|b| s > b.0) {
                        best = Some((s, i, j));
                    }
                }
            }
        }
    }
    best.map(|b| (b.1, b.2)).ok_or_else(|| Error::undefined("answer span", "no valid span"))
}

/// The course's `construct_answer`: joins word pieces with spaces, glues `##` continuations
/// to the previous piece (`" ##"` removed), trims, and — the course's quirk for e-mail-like
/// answers — drops every space when one of the tokens is `@`.
///
/// ```
/// assert_eq!(ai4med::nlp::construct_answer(&["@", " ## hello", "how ", "are ", "you?      "]), "@hellohowareyou?");
/// assert_eq!(ai4med::nlp::construct_answer(&["pleural", "eff", "##usion"]), "pleural effusion");
/// ```
pub fn construct_answer<S: AsRef<str>>(tokens: &[S]) -> String {
    let joined = tokens.iter().map(|t| t.as_ref()).collect::<Vec<_>>().join(" ");
    let out = joined.replace(" ##", "").trim().to_string();
    if tokens.iter().any(|t| t.as_ref() == "@") { out.replace(' ', "") } else { out }
}

/// SQuAD's answer normalisation: lower case, punctuation removed, the articles a/an/the
/// removed, whitespace collapsed.
pub fn normalize_answer(s: &str) -> String {
    let lower: String = s.to_lowercase().chars().map(|c| if c.is_ascii_punctuation() { ' ' } else { c }).collect();
    lower.split_whitespace().filter(|w| !matches!(*w, "a" | "an" | "the")).collect::<Vec<_>>().join(" ")
}

/// SQuAD exact match after [`normalize_answer`].
///
/// ```
/// assert!(ai4med::nlp::exact_match("The aspirin.", "aspirin"));
/// ```
pub fn exact_match(prediction: &str, truth: &str) -> bool {
    normalize_answer(prediction) == normalize_answer(truth)
}

/// SQuAD token-overlap F1 after [`normalize_answer`] (1 when both are empty).
pub fn answer_f1(prediction: &str, truth: &str) -> f64 {
    let p: Vec<String> = normalize_answer(prediction).split_whitespace().map(String::from).collect();
    let t: Vec<String> = normalize_answer(truth).split_whitespace().map(String::from).collect();
    if p.is_empty() || t.is_empty() {
        return if p.is_empty() && t.is_empty() { 1.0 } else { 0.0 };
    }
    let mut rest = t.clone();
    let mut common = 0;
    for w in &p {
        if let Some(k) = rest.iter().position(|x| x == w) {
            rest.remove(k);
            common += 1;
        }
    }
    if common == 0 {
        return 0.0;
    }
    let (pr, rc) = (common as f64 / p.len() as f64, common as f64 / t.len() as f64);
    2.0 * pr * rc / (pr + rc)
}

/// A question about a passage with its answer span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QaExample {
    /// The passage (a clinical note).
    pub passage: String,
    /// The question.
    pub question: String,
    /// The answer text.
    pub answer: String,
    /// Byte offset of the answer in the passage.
    pub answer_start: usize,
}

/// Generates `n` question–answer examples from generated clinical notes, seeded.
///
/// Each note strings together 4–7 facts drawn from templates (age and sex, presenting
/// complaint, a vital sign, a medication with dose, an imaging finding, an allergy, a past
/// diagnosis, the discharge plan) with random values, in random order; each example asks one
/// question about one fact of its note ("What medication was started?", "What is the patient
/// allergic to?") whose answer is that fact's value, a span of the note. Questions use
/// several wordings per fact. Everything is synthetic: no real patient, no real note.
///
/// ```
/// let ex = ai4med::nlp::synthetic_qa(20, 3).unwrap();
/// for e in &ex {
///     assert_eq!(&e.passage[e.answer_start..e.answer_start + e.answer.len()], e.answer);
/// }
/// ```
pub fn synthetic_qa(n: usize, seed: u64) -> Result<Vec<QaExample>> {
    if n == 0 {
        return Err(Error::invalid_arg("n", "ask for at least one example"));
    }
    type Fact = (&'static str, &'static [&'static str], &'static [&'static str]);
    // (sentence template with {v}, values, questions)
    const FACTS: [Fact; 8] = [
        (
            "The patient is a {v} admitted from the emergency department.",
            &["67-year-old man", "54-year-old woman", "72-year-old woman", "45-year-old man", "81-year-old man", "38-year-old woman"],
            &["Who is the patient?", "Describe the patient.", "What is the age and sex of the patient?"],
        ),
        (
            "The patient presented with {v} for two days.",
            &["chest pain", "shortness of breath", "fever and cough", "abdominal pain", "dizziness", "leg swelling"],
            &["What did the patient present with?", "What was the presenting complaint?", "Why did the patient come in?"],
        ),
        (
            "Blood pressure on arrival was {v}.",
            &["142/88 mmHg", "98/60 mmHg", "165/95 mmHg", "120/76 mmHg", "110/70 mmHg"],
            &["What was the blood pressure?", "What was the blood pressure on arrival?"],
        ),
        (
            "{v} was started on the ward.",
            &[
                "Aspirin 81 mg daily",
                "Furosemide 40 mg twice daily",
                "Ceftriaxone 1 g daily",
                "Metoprolol 25 mg twice daily",
                "Heparin infusion",
                "Amoxicillin 500 mg three times daily",
            ],
            &["What medication was started?", "Which drug was started?", "What treatment was begun?"],
        ),
        (
            "The chest radiograph showed {v}.",
            &[
                "a small left pleural effusion",
                "right lower lobe consolidation",
                "mild pulmonary edema",
                "no acute abnormality",
                "a right apical pneumothorax",
                "cardiomegaly",
            ],
            &["What did the chest radiograph show?", "What was seen on the chest x-ray?", "What did imaging show?"],
        ),
        (
            "The patient reports an allergy to {v}.",
            &["penicillin", "sulfa drugs", "latex", "codeine", "iodinated contrast"],
            &["What is the patient allergic to?", "Which allergy does the patient have?"],
        ),
        (
            "Past history is notable for {v}.",
            &["type 2 diabetes", "chronic kidney disease", "atrial fibrillation", "hypertension", "asthma", "prior myocardial infarction"],
            &["What is the patient's history notable for?", "What past medical history does the patient have?"],
        ),
        (
            "Follow-up is planned with {v} in two weeks.",
            &["cardiology", "the primary care physician", "pulmonology", "nephrology", "the surgical clinic"],
            &["Who will the patient follow up with?", "With whom is follow-up planned?"],
        ),
    ];
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let mut idx: Vec<usize> = (0..FACTS.len()).collect();
        // shuffle and keep 4–7 facts
        for i in (1..idx.len()).rev() {
            let j = rng.random_range(0..=i);
            idx.swap(i, j);
        }
        idx.truncate(rng.random_range(4..=7usize));
        let mut passage = String::new();
        let mut spans = Vec::new();
        for &f in &idx {
            let (tpl, values, _) = FACTS[f];
            let v = values.choose(&mut rng).copied().unwrap_or("");
            let at = tpl.find("{v}").unwrap_or(0);
            if !passage.is_empty() {
                passage.push(' ');
            }
            let start = passage.len() + at;
            passage.push_str(&tpl.replace("{v}", v));
            spans.push((f, start, v));
        }
        // one to three questions per note
        for _ in 0..rng.random_range(1..=3usize) {
            if out.len() == n {
                break;
            }
            let (f, start, v) = *spans.choose(&mut rng).ok_or_else(|| Error::undefined("note", "no facts"))?;
            let q = FACTS[f].2.choose(&mut rng).copied().unwrap_or("");
            out.push(QaExample { passage: passage.clone(), question: q.to_string(), answer: v.to_string(), answer_start: start });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn span_search_matches_brute_force() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for _ in 0..200 {
            let n = rng.random_range(1..20);
            let s: Vec<f64> = (0..n).map(|_| rng.random_range(-3.0..3.0f64).round()).collect();
            let e: Vec<f64> = (0..n).map(|_| rng.random_range(-3.0..3.0f64).round()).collect();
            let mut m: Vec<u8> = (0..n).map(|_| (rng.random::<f64>() < 0.7) as u8).collect();
            m[rng.random_range(0..n)] = 1;
            for ml in [None, Some(3)] {
                let mut best = (f64::NEG_INFINITY, 0, 0);
                for i in 0..n {
                    for j in i..n {
                        if m[i] == 1 && m[j] == 1 && ml.is_none_or(|l| j - i < l) && s[i] + e[j] > best.0 {
                            best = (s[i] + e[j], i, j);
                        }
                    }
                }
                let (i, j) = best_span(&s, &e, &m, ml).unwrap();
                assert_eq!(s[i] + e[j], best.0);
                assert!(i <= j && m[i] == 1 && m[j] == 1);
            }
        }
        assert!(best_span(&[1.0], &[1.0], &[0], None).is_err());
        assert!(best_span(&[1.0, 2.0], &[1.0], &[1, 1], None).is_err());
    }

    #[test]
    fn answer_scores() {
        assert_eq!(answer_f1("left pleural effusion", "small left pleural effusion"), 2.0 * 1.0 * 0.75 / 1.75);
        assert!(!exact_match("effusion", "pneumothorax"));
    }
}
