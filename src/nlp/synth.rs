//! A seeded generator of chest X-ray report impressions with known labels.

use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::label::Label;
use crate::{Error, Result};

/// Surface forms per CheXpert observation (each matched by that observation's phrases only).
const FORMS: [(&str, &[&str]); 13] = [
    ("Atelectasis", &["atelectasis", "bibasilar atelectasis", "subsegmental atelectasis", "left lower lobe collapse"]),
    ("Cardiomegaly", &["cardiomegaly", "enlarged heart", "cardiac enlargement"]),
    ("Consolidation", &["consolidation", "focal consolidation", "airspace consolidation"]),
    ("Edema", &["pulmonary edema", "interstitial edema", "vascular congestion"]),
    ("Enlarged Cardiomediastinum", &["widened mediastinum", "enlarged cardiomediastinum"]),
    ("Fracture", &["rib fracture", "fracture of the left clavicle", "healing rib fracture"]),
    ("Lung Lesion", &["pulmonary nodule", "lung mass", "cavitary lesion", "spiculated nodule"]),
    ("Lung Opacity", &["opacity", "airspace disease", "infiltrate", "patchy opacities"]),
    ("Pleural Effusion", &["pleural effusion", "effusion", "pleural fluid", "left effusion"]),
    ("Pleural Other", &["pleural thickening", "fibrothorax", "apical pleural thickening"]),
    ("Pneumonia", &["pneumonia", "infectious process", "multifocal pneumonia"]),
    ("Pneumothorax", &["pneumothorax", "apical pneumothorax", "small pneumothorax"]),
    ("Support Devices", &["endotracheal tube", "picc line", "pacemaker", "nasogastric tube"]),
];

/// Kinds of sentences the generator writes, each with the label it implies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phrasing {
    /// "There is a small pleural effusion." → positive.
    Plain,
    /// "No pleural effusion." / "No evidence of …" / "… is not seen." → negative.
    Negated,
    /// "Possible pneumonia." / "Suspicious for …" → uncertain.
    Hedged,
    /// "Cannot exclude pneumonia." / "… cannot be excluded." → uncertain (a double negation).
    DoubleNegation,
    /// "No change in the left effusion." → positive (a pseudo-negation).
    PseudoNegation,
    /// "No pneumothorax, but there is atelectasis." → negative, then positive (a terminator).
    Terminated,
    /// "… has resolved." → negative.
    Resolved,
    /// "No focal consolidation, effusion or pneumothorax." → all negative (a list under one
    /// negation).
    ListNegated,
    /// "Heart size is normal." / "The mediastinal contour is normal." → negative (a normal
    /// statement, which ConText's clinical rules do not read as negation).
    NormalStatement,
}

/// Reports with their true labels (CheXpert's 13 observations + No Finding, the order of
/// `PhraseLists::chexpert().names()`), the phrasing of each sentence, and the report text.
#[derive(Debug, Clone)]
pub struct SyntheticReports {
    /// Report impressions.
    pub reports: Vec<String>,
    /// True labels, one row per report.
    pub labels: Vec<Vec<Label>>,
    /// Label names.
    pub names: Vec<String>,
    /// The phrasings used in each report.
    pub phrasings: Vec<Vec<Phrasing>>,
}

fn pick<'a>(rng: &mut ChaCha8Rng, v: &[&'a str]) -> &'a str {
    v.choose(rng).copied().unwrap_or("")
}

/// Generates `n` report impressions with known labels, seeded.
///
/// Recipe per report: 1–4 observations drawn without replacement; each gets a phrasing
/// (plain 40 %, negated 25 %, hedged 10 %, double negation 7 %, pseudo-negation 6 %,
/// terminated 7 % — paired with a second observation —, resolved 5 %; with probability 0.15
/// a list of three observations under one "no"; for Cardiomegaly and Enlarged
/// Cardiomediastinum a normal statement 30 % of the time) and a surface form of
/// the observation; 0–2 filler sentences without findings ("PA and lateral views of the
/// chest.") are mixed in; with probability 0.2 the report is written in capitals, and with
/// 0.2 its spacing and punctuation are roughened (double spaces, "..", a missing space after
/// a full stop), which [`super::clean`] undoes. The labels follow the CheXpert conventions:
/// hedges and double negations are uncertain, "no change in" and "unchanged" are positive,
/// "resolved" is negative; No Finding is positive when nothing but support devices is
/// positive or uncertain.
///
/// What it is not: real reports. Vocabulary and syntax are narrow; the course's hand-labelled
/// reports are not redistributable, so this set exists to exercise the labellers, with the
/// hard cases in known proportions.
///
/// ```
/// let s = ai4med::nlp::synthetic_reports(50, 1).unwrap();
/// assert_eq!(s.reports.len(), 50);
/// assert_eq!(s.names.len(), 14);
/// assert_eq!(s.names[13], "No Finding");
/// ```
pub fn synthetic_reports(n: usize, seed: u64) -> Result<SyntheticReports> {
    if n == 0 {
        return Err(Error::invalid_arg("n", "ask for at least one report"));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut names: Vec<String> = FORMS.iter().map(|f| f.0.to_string()).collect();
    names.push("No Finding".into());
    let fillers = [
        "PA and lateral views of the chest.",
        "Comparison is made to the prior study.",
        "The osseous structures are intact.",
        "Lungs are otherwise clear.",
        "Single portable view.",
    ];
    let (mut reports, mut labels, mut phrasings) = (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    for _ in 0..n {
        let mut obs: Vec<usize> = (0..FORMS.len()).collect();
        let k = rng.random_range(1..=4usize);
        let mut chosen = Vec::new();
        for _ in 0..k {
            let i = rng.random_range(0..obs.len());
            chosen.push(obs.remove(i));
        }
        let mut lab = vec![Label::NotMentioned; FORMS.len()];
        let mut sentences: Vec<String> = Vec::new();
        let mut used = Vec::new();
        let mut i = 0;
        while i < chosen.len() {
            let o = chosen[i];
            let m = pick(&mut rng, FORMS[o].1);
            let r: f64 = rng.random();
            let normal_ok = FORMS[o].0 == "Cardiomegaly" || FORMS[o].0 == "Enlarged Cardiomediastinum";
            let ph = if normal_ok && rng.random::<f64>() < 0.3 {
                Phrasing::NormalStatement
            } else if i + 2 < chosen.len() && rng.random::<f64>() < 0.15 {
                Phrasing::ListNegated
            } else if r < 0.40 {
                Phrasing::Plain
            } else if r < 0.65 {
                Phrasing::Negated
            } else if r < 0.75 {
                Phrasing::Hedged
            } else if r < 0.82 {
                Phrasing::DoubleNegation
            } else if r < 0.88 {
                Phrasing::PseudoNegation
            } else if r < 0.95 && i + 1 < chosen.len() {
                Phrasing::Terminated
            } else {
                Phrasing::Resolved
            };
            let s = match ph {
                Phrasing::Plain => {
                    lab[o] = Label::Positive;
                    pick(
                        &mut rng,
                        &[
                            "There is {m}.",
                            "{M}.",
                            "{M} is present.",
                            "Small {m}.",
                            "Findings consistent with {m}.",
                            "Moderate {m} is again seen.",
                        ],
                    )
                    .replace("{m}", m)
                    .replace("{M}", &cap(m))
                }
                Phrasing::Negated => {
                    lab[o] = Label::Negative;
                    pick(
                        &mut rng,
                        &["No {m}.", "No evidence of {m}.", "{M} is not seen.", "There is no {m}.", "Negative for {m}.", "Without {m}."],
                    )
                    .replace("{m}", m)
                    .replace("{M}", &cap(m))
                }
                Phrasing::Hedged => {
                    lab[o] = Label::Uncertain;
                    pick(
                        &mut rng,
                        &["Possible {m}.", "Findings suspicious for {m}.", "Questionable {m}.", "This may represent {m}.", "Probable {m}."],
                    )
                    .replace("{m}", m)
                    .replace("{M}", &cap(m))
                }
                Phrasing::DoubleNegation => {
                    lab[o] = Label::Uncertain;
                    pick(&mut rng, &["Cannot exclude {m}.", "{M} cannot be excluded.", "{M} is not excluded."])
                        .replace("{m}", m)
                        .replace("{M}", &cap(m))
                }
                Phrasing::PseudoNegation => {
                    lab[o] = Label::Positive;
                    pick(&mut rng, &["No change in {m}.", "No significant change in the {m}.", "No interval change in {m}."])
                        .replace("{m}", m)
                        .replace("{M}", &cap(m))
                }
                Phrasing::Terminated => {
                    let o2 = chosen[i + 1];
                    let m2 = pick(&mut rng, FORMS[o2].1);
                    lab[o] = Label::Negative;
                    lab[o2] = Label::Positive;
                    i += 1;
                    pick(&mut rng, &["No {m}, but there is {n}.", "No {m}; however, {n} is present."]).replace("{m}", m).replace("{n}", m2)
                }
                Phrasing::NormalStatement => {
                    lab[o] = Label::Negative;
                    if FORMS[o].0 == "Cardiomegaly" {
                        pick(&mut rng, &["Heart size is normal.", "The heart size is within normal limits."]).to_string()
                    } else {
                        "The mediastinal contour is normal.".to_string()
                    }
                }
                Phrasing::ListNegated => {
                    let (o2, o3) = (chosen[i + 1], chosen[i + 2]);
                    let (m2, m3) = (pick(&mut rng, FORMS[o2].1), pick(&mut rng, FORMS[o3].1));
                    lab[o] = Label::Negative;
                    lab[o2] = Label::Negative;
                    lab[o3] = Label::Negative;
                    i += 2;
                    format!("No {m}, {m2} or {m3}.")
                }
                Phrasing::Resolved => {
                    lab[o] = Label::Negative;
                    pick(&mut rng, &["The {m} has resolved.", "Interval resolution of {m}."]).replace("{m}", m)
                }
            };
            used.push(ph);
            sentences.push(s);
            i += 1;
        }
        for _ in 0..rng.random_range(0..=2usize) {
            let at = rng.random_range(0..=sentences.len());
            sentences.insert(at, pick(&mut rng, &fillers).to_string());
        }
        let any = (0..FORMS.len()).any(|o| FORMS[o].0 != "Support Devices" && matches!(lab[o], Label::Positive | Label::Uncertain));
        lab.push(if any { Label::NotMentioned } else { Label::Positive });
        let mut text = sentences.join(" ");
        if rng.random::<f64>() < 0.2 {
            text = text.to_uppercase();
        }
        if rng.random::<f64>() < 0.2 {
            text = text.replacen(". ", ".", 1).replacen(' ', "  ", 2);
            if text.ends_with('.') {
                text.push('.');
            }
        }
        reports.push(text);
        labels.push(lab);
        phrasings.push(used);
    }
    Ok(SyntheticReports { reports, labels, names, phrasings })
}

fn cap(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}
