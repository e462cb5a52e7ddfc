//! [`Grid`]: several figures side by side in one SVG.

use super::*;

/// Widest a [`Grid`] is drawn, in pixels (about a notebook page): panels that would not fit
/// wrap onto more rows.
pub const MAX_GRID_WIDTH: u32 = 960;

/// Several figures side by side in one SVG (calibration before/after, per-class panels).
///
/// Each panel has the given cell size; panels fill rows of `cols`, or of fewer where `cols`
/// panels would be wider than [`MAX_GRID_WIDTH`].
///
/// ```
/// use ai4med::plot::{Figure, Grid};
/// let a = Figure::new().title("before").line(&[0.0, 1.0], &[0.0, 1.0], "");
/// let b = Figure::new().title("after").line(&[0.0, 1.0], &[1.0, 0.0], "");
/// let svg = Grid::new(vec![a, b], 2).to_svg().unwrap();
/// assert!(svg.contains("before") && svg.contains("after"));
/// ```
#[derive(Clone)]
pub struct Grid {
    figures: Vec<Figure>,
    cols: usize,
    cell: (u32, u32),
}

/// A short summary, not the data (evcxr shows `{:?}` where it cannot show the HTML).
impl std::fmt::Debug for Grid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Grid {{ panels: {}, cols: {}, cell: {:?} }}", self.figures.len(), self.cols, self.cell)
    }
}

impl Grid {
    /// Panels in rows of `cols` (at least 1), each 420 × 320 pixels.
    pub fn new(figures: Vec<Figure>, cols: usize) -> Self {
        Grid { figures, cols: cols.max(1), cell: (420, 320) }
    }
    /// Sets the size of each panel.
    pub fn cell_size(mut self, width: u32, height: u32) -> Self {
        self.cell = (width.max(100), height.max(100));
        self
    }
    /// Renders to SVG; the first failing panel's problem is the error.
    pub fn to_svg(&self) -> Result<String> {
        if self.figures.is_empty() {
            return Err(Error::Empty { what: "figure grid".into() });
        }
        for f in &self.figures {
            f.validate()?;
        }
        // At most MAX_GRID_WIDTH pixels wide: Jupyter shrinks a wider SVG to the page, and
        // its 12 px labels with it (a 4 × 350 px grid read at 9 px).
        let fit = (MAX_GRID_WIDTH / self.cell.0).max(1) as usize;
        let cols = self.cols.min(self.figures.len()).min(fit).max(1);
        let rows = self.figures.len().div_ceil(cols);
        register_fonts();
        let mut out = String::new();
        {
            let size = (self.cell.0 * cols as u32, self.cell.1 * rows as u32);
            let root = SVGBackend::with_string(&mut out, size).into_drawing_area();
            root.fill(&WHITE).map_err(plot_err)?;
            let areas = root.split_evenly((rows, cols));
            for (f, a) in self.figures.iter().zip(areas.iter()) {
                f.draw_on(a)?;
            }
            root.present().map_err(plot_err)?;
        }
        Ok(out)
    }
    /// Prints the evcxr block: the SVG or a readable message.
    pub fn evcxr_display(&self) {
        match self.to_svg() {
            Ok(s) => print!("{}", evcxr_block("image/svg+xml", &s)),
            Err(e) => print!("{}", evcxr_block("text/html", &error_html("figure grid", &e))),
        }
    }
}
