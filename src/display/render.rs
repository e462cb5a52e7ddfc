//! One rendering path for every result type: [`Render`] says what a result looks like
//! (a table, a figure, an image or an HTML fragment); [`rendered!`](crate::rendered)
//! derives from it both the inline display evcxr calls (`evcxr_display`) and
//! `std::fmt::Display` (the text a test, a script or a log prints). lifelines does the
//! same with one printer for every fitter's summary, scikit-learn with its `*Display`
//! objects.
//!
//! ```
//! use ai4med::display::Render;
//! use ai4med::prelude::*;
//! use ai4med::prognosis::LinearRegression;
//! let x = df!("dose" => [1.0, 2.0, 3.0, 4.0]).unwrap();
//! let m = LinearRegression::params().fit(&x, &[3.1, 4.9, 7.2, 8.8]).unwrap();
//! let text = m.to_string(); // Display: the coefficient table as text
//! assert!(text.contains("dose") && text.contains("R²"));
//! assert!(matches!(m.render(), ai4med::display::View::Table(_)));
//! ```

use super::{Html, Png, Svg, Table, error_html, evcxr_block};
use crate::Result;

/// What a result looks like.
pub enum View {
    /// A table: HTML inline, aligned text for `Display`.
    Table(Table),
    /// A figure (SVG) or the error that stopped its drawing; `Display` prints the
    /// result's one-line summary (its `Debug`).
    Figure(Result<String>),
    /// An image (PNG bytes) or the error that stopped its encoding.
    Image(Result<Vec<u8>>),
    /// An HTML fragment with its plain-text form.
    Html {
        /// The fragment.
        html: Html,
        /// Its text.
        text: String,
    },
}

/// A result type's rendering. Implement [`render`](Render::render) and invoke
/// [`rendered!`](crate::rendered) for the type to get `evcxr_display` and `Display`.
pub trait Render {
    /// The table, figure, image or HTML that shows this result.
    fn render(&self) -> View;
}

impl View {
    /// The evcxr block (MIME type and content) for this view; a failed figure or image
    /// shows a readable error box.
    pub fn evcxr_content(&self, what: &str) -> String {
        match self {
            View::Table(t) => evcxr_block("text/html", &t.to_html()),
            View::Figure(Ok(svg)) => Svg(svg.clone()).evcxr_content(),
            View::Image(Ok(png)) => Png(png.clone()).evcxr_content(),
            View::Figure(Err(e)) | View::Image(Err(e)) => evcxr_block("text/html", &error_html(what, e)),
            View::Html { html, .. } => html.evcxr_content(),
        }
    }

    /// Writes the text form: a table's text, an HTML fragment's text, and for figures
    /// and images `summary` (the result's `Debug`, a one-line description).
    pub fn write_text(&self, f: &mut std::fmt::Formatter<'_>, summary: &dyn std::fmt::Debug) -> std::fmt::Result {
        match self {
            View::Table(t) => write!(f, "{t}"),
            View::Html { text, .. } => f.write_str(text),
            View::Figure(_) | View::Image(_) => write!(f, "{summary:?}"),
        }
    }
}

/// Gives each listed type, from its [`Render`] impl, an inherent `evcxr_display` (what
/// evcxr calls for the last expression of a cell) and `std::fmt::Display`.
#[macro_export]
#[doc(hidden)]
macro_rules! rendered {
    ($($t:ty),* $(,)?) => {$(
        impl $t {
            /// Shows the result inline in a notebook (called by evcxr): its
            /// [`Render`](crate::display::Render) view.
            pub fn evcxr_display(&self) {
                print!("{}", $crate::display::Render::render(self).evcxr_content(stringify!($t)));
            }
        }
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                $crate::display::Render::render(self).write_text(f, self)
            }
        }
    )*};
}

impl View {
    /// A one-paragraph text result shown as preformatted HTML (for results that are a
    /// few numbers, not a table).
    pub fn text(text: String) -> View {
        View::Html { html: Html(format!("<pre>{}</pre>", super::escape_html(&text))), text }
    }
}
