//! Inline display in evcxr notebooks: HTML tables, SVG figures and PNG images.
//!
//! evcxr shows a value richly when its type has a method `evcxr_display(&self)`
//! that prints a block
//!
//! ```text
//! EVCXR_BEGIN_CONTENT <mime type>
//! <content>
//! EVCXR_END_CONTENT
//! ```
//!
//! to standard output. [`evcxr_block`] builds such a block; [`Html`], [`Svg`] and
//! [`Png`] wrap finished content; [`Table`] renders tabular results (and polars
//! `DataFrame`s, through [`FrameExt::show`]) the way pandas does in Jupyter: a row
//! limit, head and tail rows around an ellipsis, and a shape caption.
//!
//! evcxr merges all rich outputs of one cell into a single bundle, so show one
//! figure or table per cell.

mod colormap;
mod image;
mod progress;
mod render;
pub mod table;

pub use colormap::{Colormap, Rgb};
pub use image::{Image, images_html};
pub use progress::Progress;
pub use render::{Render, View};
pub use table::{Align, Cell, FrameExt, Table, Tone};

use base64::Engine as _;

/// The text evcxr reads from standard output to show `content` with MIME type `mime`.
///
/// Binary content (PNG) must be base64-encoded first.
///
/// ```
/// let b = ai4med::display::evcxr_block("text/html", "<b>hi</b>");
/// assert_eq!(b, "EVCXR_BEGIN_CONTENT text/html\n<b>hi</b>\nEVCXR_END_CONTENT\n");
/// ```
pub fn evcxr_block(mime: &str, content: &str) -> String {
    format!("EVCXR_BEGIN_CONTENT {mime}\n{content}\nEVCXR_END_CONTENT\n")
}

/// A float in at most 7 significant digits, without trailing zeros (`0.2` for
/// `0.19999999999999996`, `0.8265139` for Harrell's C), in scientific notation outside
/// 1e-4 ≤ |x| < 1e9. Grader tables and failure reasons use it; a reason falls back to the
/// full values when the short ones would read the same (a tolerance tighter than 7 digits).
/// Tick labels of the crate's figures use it too.
pub fn short_float(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return if x == 0.0 { "0".into() } else { format!("{x}") };
    }
    let sci = format!("{x:.6e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let trim =
        |t: &str| -> String { if t.contains('.') { t.trim_end_matches('0').trim_end_matches('.').to_string() } else { t.to_string() } };
    if (-4..9).contains(&exp) {
        let decimals = (6 - exp).max(0) as usize;
        trim(&format!("{x:.decimals$}"))
    } else {
        format!("{}e{exp}", trim(mantissa))
    }
}

/// A p-value as reports print it: four decimals (`0.0096`, not `9.5889e-3`), and
/// `< 0.0001` below that (the digits of a tiny p-value carry no information a reader uses).
/// NaN (a test that could not be computed) prints as `NaN`.
///
/// ```
/// use ai4med::display::format_p;
/// assert_eq!(format_p(0.0095889), "0.0096");
/// assert_eq!(format_p(0.5), "0.5000");
/// assert_eq!(format_p(3e-9), "< 0.0001");
/// assert_eq!(format_p(f64::NAN), "NaN");
/// ```
pub fn format_p(p: f64) -> String {
    if p.is_nan() {
        "NaN".into()
    } else if p < 0.0001 {
        "< 0.0001".into()
    } else {
        format!("{p:.4}")
    }
}

/// Escapes `&`, `<`, `>`, `"` and `'` for HTML text and attribute values.
///
/// ```
/// assert_eq!(ai4med::display::escape_html("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
/// ```
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A finished HTML fragment, shown inline as `text/html`.
///
/// ```
/// let h = ai4med::display::Html("<p>ok</p>".into());
/// assert!(h.evcxr_content().starts_with("EVCXR_BEGIN_CONTENT text/html"));
/// ```
#[derive(Clone, PartialEq)]
pub struct Html(pub String);

/// A short summary, not the data (evcxr shows `{:?}` where it cannot show the HTML).
impl std::fmt::Debug for Html {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Html({} bytes)", self.0.len())
    }
}

/// A finished SVG document, shown inline as `image/svg+xml`.
#[derive(Clone, PartialEq)]
pub struct Svg(pub String);

/// A short summary, not the data (evcxr shows `{:?}` where it cannot show the HTML).
impl std::fmt::Debug for Svg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Svg({} bytes)", self.0.len())
    }
}

/// A finished PNG file (its bytes), shown inline as `image/png`.
#[derive(Clone, PartialEq)]
pub struct Png(pub Vec<u8>);

/// A short summary, not the data (evcxr shows `{:?}` where it cannot show the HTML).
impl std::fmt::Debug for Png {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Png({} bytes)", self.0.len())
    }
}

impl Html {
    /// The evcxr block for this fragment.
    pub fn evcxr_content(&self) -> String {
        evcxr_block("text/html", &self.0)
    }
    /// Prints the evcxr block (called by evcxr for the last expression of a cell).
    pub fn evcxr_display(&self) {
        print!("{}", self.evcxr_content());
    }
}

impl Svg {
    /// The evcxr block for this document.
    pub fn evcxr_content(&self) -> String {
        evcxr_block("image/svg+xml", &self.0)
    }
    /// Prints the evcxr block.
    pub fn evcxr_display(&self) {
        print!("{}", self.evcxr_content());
    }
    /// Writes the SVG to a file.
    pub fn save(&self, path: impl AsRef<std::path::Path>) -> crate::Result<()> {
        let p = path.as_ref();
        std::fs::write(p, &self.0).map_err(|e| crate::Error::io(p, e))
    }
}

impl Png {
    /// The evcxr block for this image (base64 body).
    pub fn evcxr_content(&self) -> String {
        evcxr_block("image/png", &base64::engine::general_purpose::STANDARD.encode(&self.0))
    }
    /// Prints the evcxr block.
    pub fn evcxr_display(&self) {
        print!("{}", self.evcxr_content());
    }
    /// Writes the PNG to a file.
    pub fn save(&self, path: impl AsRef<std::path::Path>) -> crate::Result<()> {
        let p = path.as_ref();
        std::fs::write(p, &self.0).map_err(|e| crate::Error::io(p, e))
    }
}

impl std::fmt::Display for Html {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// An error shown inline as a readable red box instead of a panic or a raw debug dump.
///
/// Rich types whose rendering fails (a figure with mismatched inputs, an image of
/// NaNs) display through this.
pub(crate) fn error_html(context: &str, err: &crate::Error) -> String {
    format!(
        "<div style=\"border:1px solid #c0392b;background:#fdecea;color:#922b21;padding:6px 10px;\
         font-family:sans-serif;font-size:13px\"><b>{}</b>: {}</div>",
        escape_html(context),
        escape_html(&err.to_string())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_have_exact_framing() {
        let s = Svg("<svg/>".into()).evcxr_content();
        assert_eq!(s, "EVCXR_BEGIN_CONTENT image/svg+xml\n<svg/>\nEVCXR_END_CONTENT\n");
        let p = Png(vec![1, 2, 3]).evcxr_content();
        assert_eq!(p, "EVCXR_BEGIN_CONTENT image/png\nAQID\nEVCXR_END_CONTENT\n");
    }

    #[test]
    fn error_html_escapes() {
        let e = crate::Error::invalid_arg("x<y", "bad & worse");
        let h = error_html("figure", &e);
        assert!(h.contains("x&lt;y"));
        assert!(h.contains("bad &amp; worse"));
    }
}
