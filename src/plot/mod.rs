//! Figures drawn with plotters' SVG backend and shown inline as `image/svg+xml`.
//!
//! [`Figure`] covers the course's charts: lines (ROC curves), steps (Kaplan–Meier),
//! scatter, shaded bands (confidence intervals), grouped bars (class frequencies,
//! importances) and text annotations (operating points). [`Heatmap`] draws a matrix
//! with a colour bar (missingness maps, confusion matrices).
//!
//! Text is laid out with an embedded DejaVu Sans font (the `dejavu` crate) through
//! plotters' `ab_glyph` backend, so no system font packages are needed; the SVG keeps
//! the text as `<text>` elements.
//!
//! Builder methods never fail. Problems in the inputs (mismatched lengths, mixing
//! bars with lines) are collected and reported when the figure is rendered:
//! [`Figure::to_svg`] returns the error and the inline display shows it as a readable
//! message. Non-finite points are skipped. A figure with no data draws empty axes
//! with a "no data" note.
//!
//! ```
//! use ai4med::plot::Figure;
//! let fig = Figure::new()
//!     .title("ROC curve")
//!     .x_label("false positive rate")
//!     .y_label("true positive rate")
//!     .line(&[0.0, 0.2, 1.0], &[0.0, 0.8, 1.0], "model (AUC 0.80)")
//!     .dashed(&[0.0, 1.0], &[0.0, 1.0], "random guess")
//!     .point(0.2, 0.8, "threshold 0.5");
//! let svg = fig.to_svg().unwrap();
//! assert!(svg.contains("ROC curve") && svg.contains("model (AUC 0.80)"));
//! ```

mod backend;
mod chart;
mod figure;
mod grid;
mod heatmap;
#[cfg(test)]
mod tests;

use crate::display::{Colormap, Svg, error_html, evcxr_block};
use crate::{Error, Result};
use plotters::coord::Shift;
use plotters::prelude::*;

#[allow(unused_imports)]
use backend::*;
pub(crate) use backend::{FixedTicks, axis, best_legend_place, plot_error, render_svg, tick_formatter};
pub use backend::{MAX_AXIS, MAX_BINS};
pub use chart::{Chart, barh};
#[allow(unused_imports)]
use figure::*;
pub use figure::{Figure, Legend, PALETTE};
pub use grid::{Grid, MAX_GRID_WIDTH};
pub use heatmap::Heatmap;
