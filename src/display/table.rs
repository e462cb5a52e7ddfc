//! Tables that render inline as HTML and in a terminal as aligned text.

use super::escape_html;
use polars::prelude::{AnyValue, DataFrame};

/// Horizontal alignment of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Text columns.
    Left,
    /// Numbers.
    Right,
}

/// How a cell is highlighted in HTML (the text form shows the text only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tone {
    /// No highlight.
    #[default]
    Plain,
    /// Green: a passed check.
    Good,
    /// Red: a failed check.
    Bad,
    /// Grey italic: missing or "not defined" values.
    Muted,
}

/// One table cell: its text and highlight.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Cell {
    /// The text shown.
    pub text: String,
    /// The highlight.
    pub tone: Tone,
}

impl Cell {
    /// A count held in a float (subjects at risk, events; weighted counts may be
    /// fractional): `5` rather than `5.0` when it is a whole number, else as
    /// [`format_float`].
    ///
    /// ```
    /// use ai4med::display::Cell;
    /// assert_eq!(Cell::count(5.0).text, "5");
    /// assert_eq!(Cell::count(2.5).text, "2.5");
    /// ```
    pub fn count(v: f64) -> Self {
        if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e15 { Cell::from(format!("{v:.0}")) } else { Cell::from(v) }
    }
    /// A cell with a highlight.
    pub fn toned(text: impl Into<String>, tone: Tone) -> Self {
        Cell { text: text.into(), tone }
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Self {
        Cell { text, tone: Tone::Plain }
    }
}
impl From<&str> for Cell {
    fn from(text: &str) -> Self {
        Cell { text: text.to_string(), tone: Tone::Plain }
    }
}
impl From<f64> for Cell {
    fn from(v: f64) -> Self {
        if v.is_nan() { Cell::toned("NaN", Tone::Muted) } else { Cell::from(format_float(v)) }
    }
}
impl From<usize> for Cell {
    fn from(v: usize) -> Self {
        Cell::from(v.to_string())
    }
}

/// Formats a float as pandas does in a notebook: six decimals for ordinary
/// magnitudes (trailing zeros trimmed to one), scientific notation for very large or
/// very small ones.
///
/// ```
/// use ai4med::display::table::format_float;
/// assert_eq!(format_float(0.5), "0.5");
/// assert_eq!(format_float(2.0 / 3.0), "0.666667");
/// assert_eq!(format_float(1.0e-7), "1.0000e-7");
/// assert_eq!(format_float(3.0), "3.0");
/// ```
pub fn format_float(v: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    let a = v.abs();
    if a != 0.0 && !(1e-4..1e9).contains(&a) {
        return format!("{v:.4e}");
    }
    let s = format!("{v:.6}");
    let t = s.trim_end_matches('0');
    if t.ends_with('.') { format!("{t}0") } else { t.to_string() }
}

/// A table of results: named columns, rows of [`Cell`]s, a caption and a row limit.
///
/// Shown inline as an HTML table (`text/html`); `Display` gives aligned text. When
/// there are more rows than `max_rows`, the first and last `max_rows / 2` are shown
/// around an ellipsis row and the caption gives the full shape, as pandas does.
///
/// ```
/// use ai4med::display::Table;
/// let t = Table::new(["case", "value"]).row(["a", "1"]).row(["b", "22"]);
/// assert_eq!(t.to_string(), "case  value\n----  -----\na         1\nb        22\n");
/// assert!(t.to_html().contains("<td style=\"text-align:right;padding:2px 8px\">22</td>"));
/// ```
#[derive(Clone, PartialEq)]
pub struct Table {
    columns: Vec<String>,
    subheaders: Option<Vec<String>>,
    rows: Vec<Vec<Cell>>,
    align: Vec<Align>,
    caption: Option<String>,
    max_rows: usize,
    notes: Vec<String>,
}

impl Table {
    /// An empty table with these column names (alignment is inferred from the cells).
    pub fn new<I, S>(columns: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let columns: Vec<String> = columns.into_iter().map(Into::into).collect();
        let align = vec![Align::Right; columns.len()];
        Table { columns, subheaders: None, rows: Vec::new(), align, caption: None, max_rows: 20, notes: Vec::new() }
    }

    /// Appends a row. Short rows are padded with empty cells; extra cells are dropped.
    pub fn row<I, C>(mut self, cells: I) -> Self
    where
        I: IntoIterator<Item = C>,
        C: Into<Cell>,
    {
        self.push_row(cells);
        self
    }

    /// Appends a row in place.
    pub fn push_row<I, C>(&mut self, cells: I)
    where
        I: IntoIterator<Item = C>,
        C: Into<Cell>,
    {
        let mut r: Vec<Cell> = cells.into_iter().map(Into::into).collect();
        r.resize(self.columns.len(), Cell::default());
        for (j, c) in r.iter().enumerate() {
            if !looks_numeric(&c.text) && c.tone != Tone::Muted && !c.text.is_empty() {
                self.align[j] = Align::Left;
            }
        }
        self.rows.push(r);
    }

    /// Sets a caption shown above the table.
    pub fn caption(mut self, caption: impl Into<String>) -> Self {
        self.caption = Some(caption.into());
        self
    }

    /// Adds a second header line (e.g. column data types).
    pub fn subheaders<I, S>(mut self, sub: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut v: Vec<String> = sub.into_iter().map(Into::into).collect();
        v.resize(self.columns.len(), String::new());
        self.subheaders = Some(v);
        self
    }

    /// Adds a footnote line under the table.
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Sets how many rows are shown before eliding the middle (default 20; at least 2).
    pub fn max_rows(mut self, n: usize) -> Self {
        self.max_rows = n.max(2);
        self
    }

    /// Number of data rows (all of them, shown or not).
    pub fn n_rows(&self) -> usize {
        self.rows.len()
    }

    /// Column names.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The cell at `(row, col)`, if any.
    pub fn cell(&self, row: usize, col: usize) -> Option<&Cell> {
        self.rows.get(row).and_then(|r| r.get(col))
    }

    /// Rows to show: `None` marks the elided block.
    fn visible(&self) -> Vec<Option<&Vec<Cell>>> {
        let n = self.rows.len();
        if n <= self.max_rows {
            return self.rows.iter().map(Some).collect();
        }
        let head = self.max_rows / 2;
        let tail = self.max_rows - head;
        let mut v: Vec<Option<&Vec<Cell>>> = self.rows[..head].iter().map(Some).collect();
        v.push(None);
        v.extend(self.rows[n - tail..].iter().map(Some));
        v
    }

    fn shape_line(&self) -> String {
        format!("{} rows × {} columns", self.rows.len(), self.columns.len())
    }

    /// The table as an HTML fragment (a styled `<table>` inside a `<div>`).
    pub fn to_html(&self) -> String {
        let mut h =
            String::from("<div style=\"overflow:auto\"><table style=\"border-collapse:collapse;font-family:sans-serif;font-size:13px\">");
        if let Some(c) = &self.caption {
            h.push_str(&format!(
                "<caption style=\"caption-side:top;text-align:left;font-weight:bold;padding:4px 0\">{}</caption>",
                escape_html(c)
            ));
        }
        let align_of = |j: usize| if self.align[j] == Align::Left { "left" } else { "right" };
        h.push_str("<thead><tr>");
        for (j, c) in self.columns.iter().enumerate() {
            h.push_str(&format!(
                "<th style=\"text-align:{};border-bottom:1px solid #999;padding:3px 8px\">{}</th>",
                align_of(j),
                escape_html(c)
            ));
        }
        h.push_str("</tr>");
        if let Some(sub) = &self.subheaders {
            h.push_str("<tr>");
            for (j, s) in sub.iter().enumerate() {
                h.push_str(&format!(
                    "<th style=\"text-align:{};font-weight:normal;color:#777;font-size:11px;padding:0 8px\">{}</th>",
                    align_of(j),
                    escape_html(s)
                ));
            }
            h.push_str("</tr>");
        }
        h.push_str("</thead><tbody>");
        if self.rows.is_empty() {
            h.push_str(&format!(
                "<tr><td colspan=\"{}\" style=\"color:#777;font-style:italic;padding:3px 8px\">(no rows)</td></tr>",
                self.columns.len().max(1)
            ));
        }
        for r in self.visible() {
            h.push_str("<tr>");
            match r {
                None => {
                    for _ in &self.columns {
                        h.push_str("<td style=\"text-align:center;color:#777\">…</td>");
                    }
                }
                Some(cells) => {
                    for (j, c) in cells.iter().enumerate() {
                        let align = align_of(j);
                        let tone = match c.tone {
                            Tone::Plain => "",
                            Tone::Good => ";background:#e8f6ec;color:#1e7e34",
                            Tone::Bad => ";background:#fdecea;color:#a71d2a",
                            Tone::Muted => ";color:#888;font-style:italic",
                        };
                        let style = format!("text-align:{align};padding:2px 8px{tone}");
                        h.push_str(&format!("<td style=\"{style}\">{}</td>", escape_html(&c.text)));
                    }
                }
            }
            h.push_str("</tr>");
        }
        h.push_str("</tbody></table>");
        let mut foot = Vec::new();
        if self.rows.len() > self.max_rows || self.rows.is_empty() {
            foot.push(self.shape_line());
        }
        foot.extend(self.notes.iter().cloned());
        for f in foot {
            h.push_str(&format!("<p style=\"font-family:sans-serif;font-size:12px;color:#555;margin:2px 0\">{}</p>", escape_html(&f)));
        }
        h.push_str("</div>");
        h
    }

    /// Prints the HTML block for evcxr.
    pub fn evcxr_display(&self) {
        print!("{}", super::evcxr_block("text/html", &self.to_html()));
    }
}

/// Debug shows the text rendering: evcxr falls back to `{:?}` when it cannot call
/// `evcxr_display`, and a readable table beats a dump of cells.
impl std::fmt::Debug for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

fn looks_numeric(s: &str) -> bool {
    let t = s.trim();
    !t.is_empty() && (t.parse::<f64>().is_ok() || matches!(t, "NaN" | "inf" | "-inf" | "null"))
}

impl std::fmt::Display for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let vis = self.visible();
        let ncol = self.columns.len();
        let mut width: Vec<usize> = self.columns.iter().map(|c| c.chars().count()).collect();
        if let Some(sub) = &self.subheaders {
            for (j, s) in sub.iter().enumerate() {
                width[j] = width[j].max(s.chars().count());
            }
        }
        for r in vis.iter().flatten() {
            for (j, c) in r.iter().enumerate() {
                width[j] = width[j].max(c.text.chars().count());
            }
        }
        let pad = |s: &str, j: usize, align: Align| {
            let n = width[j].saturating_sub(s.chars().count());
            match align {
                Align::Left => format!("{s}{}", " ".repeat(n)),
                Align::Right => format!("{}{s}", " ".repeat(n)),
            }
        };
        if let Some(c) = &self.caption {
            writeln!(f, "{c}")?;
        }
        let line = |cells: Vec<String>| cells.join("  ").trim_end().to_string();
        writeln!(f, "{}", line((0..ncol).map(|j| pad(&self.columns[j], j, Align::Left)).collect()))?;
        if let Some(sub) = &self.subheaders {
            writeln!(f, "{}", line((0..ncol).map(|j| pad(&sub[j], j, Align::Left)).collect()))?;
        }
        writeln!(f, "{}", line((0..ncol).map(|j| "-".repeat(width[j])).collect()))?;
        for r in vis {
            match r {
                None => writeln!(f, "{}", line((0..ncol).map(|j| pad("…", j, Align::Right)).collect()))?,
                Some(cells) => writeln!(f, "{}", line((0..ncol).map(|j| pad(&cells[j].text, j, self.align[j])).collect()))?,
            }
        }
        if self.rows.len() > self.max_rows || self.rows.is_empty() {
            writeln!(f, "{}", self.shape_line())?;
        }
        for n in &self.notes {
            writeln!(f, "{n}")?;
        }
        Ok(())
    }
}

fn any_value_cell(v: AnyValue<'_>) -> Cell {
    match v {
        AnyValue::Null => Cell::toned("null", Tone::Muted),
        AnyValue::Float64(x) => Cell::from(x),
        AnyValue::Float32(x) => Cell::from(x as f64),
        AnyValue::String(s) => Cell::from(s),
        AnyValue::StringOwned(s) => Cell::from(s.as_str()),
        other => Cell::from(other.to_string()),
    }
}

/// Inline display for polars `DataFrame`s (evcxr only shows foreign types as debug text).
///
/// ```
/// use ai4med::prelude::*;
/// let df = df!("age" => [61i64, 70], "sex" => ["F", "M"]).unwrap();
/// let t = df.show();
/// assert_eq!(t.n_rows(), 2);
/// assert!(t.to_html().contains("<td style=\"text-align:left;padding:2px 8px\">F</td>"));
/// ```
pub trait FrameExt {
    /// The frame as a [`Table`] showing at most 20 rows (first 10 and last 10), with
    /// column data types as a second header line and an `N rows × M columns` caption
    /// when rows are elided or there are none.
    fn show(&self) -> Table {
        self.show_rows(20)
    }
    /// Like [`FrameExt::show`] with a custom row limit.
    fn show_rows(&self, max_rows: usize) -> Table;
}

impl FrameExt for DataFrame {
    fn show_rows(&self, max_rows: usize) -> Table {
        let cols = self.columns();
        let names: Vec<String> = cols.iter().map(|c| c.name().to_string()).collect();
        let dtypes: Vec<String> = cols.iter().map(|c| c.dtype().to_string()).collect();
        let mut t = Table::new(names).subheaders(dtypes).max_rows(max_rows);
        let (n, m) = (self.height(), t.max_rows);
        let keep = |i: usize| n <= m || i < m / 2 || i >= n - (m - m / 2);
        // Build only the rows that will be shown; elided rows are placeholders.
        for i in 0..n {
            if keep(i) {
                let cells: Vec<Cell> =
                    cols.iter().map(|c| c.get(i).map(any_value_cell).unwrap_or_else(|_| Cell::toned("?", Tone::Muted))).collect();
                t.push_row(cells);
            } else {
                t.rows.push(Vec::new());
            }
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::*;

    #[test]
    fn elides_middle_rows_like_pandas() {
        let mut t = Table::new(["i"]).max_rows(4);
        for i in 0..10 {
            t.push_row([i.to_string()]);
        }
        let s = t.to_string();
        assert_eq!(s, "i\n-\n0\n1\n…\n8\n9\n10 rows × 1 columns\n");
        let h = t.to_html();
        assert!(h.contains("10 rows × 1 columns"));
        assert_eq!(h.matches("<tr>").count(), 1 + 5);
    }

    #[test]
    fn empty_frame_shows_shape_not_panic() {
        let df = DataFrame::empty();
        let t = df.show();
        assert!(t.to_html().contains("(no rows)"));
        assert!(t.to_string().contains("0 rows × 0 columns"));
        let df = df!("a" => Vec::<f64>::new()).unwrap();
        assert!(df.show().to_string().contains("0 rows × 1 columns"));
    }

    #[test]
    fn frame_values_nulls_and_types() {
        let df = df!("x" => [Some(1.5), None, Some(2.0 / 3.0)], "s" => ["a", "b<", "c"]).unwrap();
        let t = df.show();
        assert_eq!(t.cell(0, 0).unwrap().text, "1.5");
        assert_eq!(t.cell(1, 0).unwrap().tone, Tone::Muted);
        assert_eq!(t.cell(2, 0).unwrap().text, "0.666667");
        let h = t.to_html();
        assert!(h.contains("b&lt;"));
        assert!(h.contains(">f64<"));
        assert!(h.contains(">str<"));
    }

    #[test]
    fn big_frame_builds_only_visible_rows() {
        let n = 100_000;
        let df = df!("v" => (0..n).map(|i| i as f64).collect::<Vec<_>>()).unwrap();
        let t = df.show();
        let s = t.to_string();
        assert!(s.contains("99999.0"));
        assert!(s.contains("100000 rows × 1 columns"));
    }

    #[test]
    fn html_parses_as_xml() {
        let t = Table::new(["a & b", "c"]).row([Cell::toned("x", Tone::Good), Cell::from(1.0)]).caption("cap <1>").note("n");
        let h = t.to_html();
        assert!(roxmltree::Document::parse(&h).is_ok(), "{h}");
    }
}
