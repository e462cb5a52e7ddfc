//! Published clinical risk scores (course 2, week 1, lab "create a linear model").

use crate::{Error, Result};

/// The CHA₂DS₂-VASc stroke-risk score for atrial fibrillation (Lip et al., Chest 2010).
///
/// Points: **C**ongestive heart failure 1, **H**ypertension 1, **A**ge ≥ 75 years 2,
/// **D**iabetes 1, prior **S**troke/TIA/thromboembolism 2, **V**ascular disease 1,
/// **A**ge 65–74 years 1, **S**ex **c**ategory female 1; range 0–9. Takes the eight
/// indicators in that order, as the course's `chads_vasc_score` does (set at most one
/// of the two age indicators).
///
/// ```
/// // The course's test case.
/// assert_eq!(ai4med::prognosis::cha2ds2_vasc([0, 1, 0, 0, 0, 1, 0, 1]).unwrap(), 3);
/// ```
pub fn cha2ds2_vasc(indicators: [u8; 8]) -> Result<u32> {
    const POINTS: [u32; 8] = [1, 1, 2, 1, 2, 1, 1, 1];
    if let Some(i) = indicators.iter().position(|&v| v > 1) {
        return Err(Error::InvalidValue {
            what: "CHA2DS2-VASc indicators".into(),
            value: indicators[i].to_string(),
            index: i,
            reason: "each indicator is 0 or 1".into(),
        });
    }
    if indicators[2] == 1 && indicators[6] == 1 {
        return Err(Error::invalid_arg("age indicators", "'age >= 75' and 'age 65-74' cannot both be 1"));
    }
    Ok(indicators.iter().zip(POINTS).map(|(&v, p)| v as u32 * p).sum())
}

/// CHA₂DS₂-VASc from a patient's age and conditions (the age points are derived).
///
/// ```
/// use ai4med::prognosis::cha2ds2_vasc_for;
/// assert_eq!(cha2ds2_vasc_for(80.0, true, false, true, false, false, false).unwrap(), 4);
/// ```
pub fn cha2ds2_vasc_for(
    age_years: f64,
    female: bool,
    heart_failure: bool,
    hypertension: bool,
    diabetes: bool,
    stroke_or_tia: bool,
    vascular_disease: bool,
) -> Result<u32> {
    if !(age_years.is_finite() && age_years >= 0.0) {
        return Err(Error::invalid_arg("age_years", format!("must be a non-negative number, got {age_years}")));
    }
    let b = |x: bool| x as u8;
    cha2ds2_vasc([
        b(heart_failure),
        b(hypertension),
        b(age_years >= 75.0),
        b(diabetes),
        b(stroke_or_tia),
        b(vascular_disease),
        b((65.0..75.0).contains(&age_years)),
        b(female),
    ])
}

/// The original MELD score for end-stage liver disease (course 2 week 1 lab 2,
/// `liver_disease_mortality`):
///
/// `MELD = 9.57·ln(creatinine) + 3.78·ln(bilirubin) + 11.2·ln(INR) + 6.43`,
///
/// creatinine and bilirubin in mg/dL. Ours applies the clinical (UNOS) bounds as well:
/// each laboratory value below 1 is set to 1 and creatinine is capped at 4. The course's
/// function has no bounds; the two agree whenever creatinine lies in 1–4 and bilirubin and
/// INR are at least 1, as in the course's test case. (Clinical MELD also rounds; MELD-Na
/// adds sodium.)
///
/// ```
/// let m = ai4med::prognosis::meld(1.0, 2.0, 1.1).unwrap();
/// assert!((m - 10.12).abs() < 0.005);
/// ```
pub fn meld(creatinine_mg_dl: f64, bilirubin_mg_dl: f64, inr: f64) -> Result<f64> {
    for (name, v) in [("creatinine", creatinine_mg_dl), ("bilirubin", bilirubin_mg_dl), ("INR", inr)] {
        if !(v.is_finite() && v > 0.0) {
            return Err(Error::invalid_arg(name, format!("must be a positive number, got {v}")));
        }
    }
    let c = creatinine_mg_dl.clamp(1.0, 4.0);
    let b = bilirubin_mg_dl.max(1.0);
    let i = inr.max(1.0);
    Ok(9.57 * c.ln() + 3.78 * b.ln() + 11.2 * i.ln() + 6.43)
}

/// 10-year risk of atherosclerotic cardiovascular disease by the Pooled Cohort
/// Equations (Goff et al., Circulation 2014), with the coefficients for
/// African-American women and untreated systolic blood pressure, as in the course:
///
/// `s = 17.114·ln A + 0.940·ln TC − 18.920·ln HDL + 4.475·ln A·ln HDL + 27.820·ln SBP
///      − 6.087·ln A·ln SBP + 0.691·smoker + 0.874·diabetes`,
/// `risk = 1 − 0.9533^exp(s − 86.61)`;
///
/// age in years, total cholesterol and HDL in mg/dL, systolic pressure in mmHg.
///
/// ```
/// let r = ai4med::prognosis::ascvd(55.0, 213.0, 50.0, 120.0, false, false).unwrap();
/// assert!((r - 0.03).abs() < 0.005);
/// ```
pub fn ascvd(age: f64, total_cholesterol: f64, hdl: f64, systolic_bp: f64, smoker: bool, diabetes: bool) -> Result<f64> {
    let s = ascvd_sum(age, total_cholesterol, hdl, systolic_bp, smoker, diabetes)?;
    Ok(1.0 - 0.9533f64.powf((s - 86.61).exp()))
}

/// The linear sum `s` inside [`ascvd`] (the course's `sum_prod`, printed in its C2W1
/// lab 2: 86.17 for the 55-year-old of the example), before it becomes a risk.
/// Same inputs and errors as [`ascvd`].
///
/// ```
/// let s = ai4med::prognosis::ascvd_sum(55.0, 213.0, 50.0, 120.0, false, false).unwrap();
/// assert_eq!((s * 100.0).round() / 100.0, 86.17);
/// ```
pub fn ascvd_sum(age: f64, total_cholesterol: f64, hdl: f64, systolic_bp: f64, smoker: bool, diabetes: bool) -> Result<f64> {
    for (name, v) in [("age", age), ("total_cholesterol", total_cholesterol), ("hdl", hdl), ("systolic_bp", systolic_bp)] {
        if !(v.is_finite() && v > 0.0) {
            return Err(Error::invalid_arg(name, format!("must be a positive number, got {v}")));
        }
    }
    let (la, lc, lh, ls) = (age.ln(), total_cholesterol.ln(), hdl.ln(), systolic_bp.ln());
    Ok(17.114 * la + 0.940 * lc - 18.920 * lh + 4.475 * la * lh + 27.820 * ls - 6.087 * la * ls
        + 0.691 * f64::from(u8::from(smoker))
        + 0.874 * f64::from(u8::from(diabetes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_inputs() {
        assert!(cha2ds2_vasc([2, 0, 0, 0, 0, 0, 0, 0]).is_err());
        assert!(cha2ds2_vasc([0, 0, 1, 0, 0, 0, 1, 0]).is_err());
        assert!(cha2ds2_vasc([1; 8]).is_err());
        assert_eq!(cha2ds2_vasc([1, 1, 1, 1, 1, 1, 0, 1]).unwrap(), 9);
        assert!(meld(0.0, 1.0, 1.0).is_err());
        assert!(meld(f64::NAN, 1.0, 1.0).is_err());
        assert!(ascvd(-1.0, 200.0, 50.0, 120.0, false, false).is_err());
    }

    #[test]
    fn meld_bounds() {
        // Values below 1 count as 1: the minimum is 6.43; creatinine is capped at 4.
        assert!((meld(0.5, 0.5, 0.5).unwrap() - 6.43).abs() < 1e-12);
        assert_eq!(meld(10.0, 1.0, 1.0).unwrap(), meld(4.0, 1.0, 1.0).unwrap());
    }

    #[test]
    fn ascvd_hand_value() {
        // s = 86.168…, exp(s − 86.61) = 0.6428…, risk = 0.0303 (computed by hand).
        let r = ascvd(55.0, 213.0, 50.0, 120.0, false, false).unwrap();
        assert!((r - 0.03027).abs() < 2e-4, "{r}");
        assert!(ascvd(55.0, 213.0, 50.0, 120.0, true, true).unwrap() > r);
    }
}
