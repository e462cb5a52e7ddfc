//! Drawing fitted trees: indented text (like scikit-learn's `export_text`) and an SVG
//! diagram (like the graphviz pictures of the course).

use super::engine::{LEAF, Tree};
use crate::display::escape_html;
use crate::plot::Chart;

/// What a tree predicts, for labelling its nodes.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind<'a> {
    Classes(&'a [f64]),
    Regression,
}

/// A fitted tree with the names needed to describe it.
pub(crate) struct View<'a> {
    pub tree: &'a Tree,
    pub names: &'a [String],
    pub kind: Kind<'a>,
    pub impurity_name: &'a str,
}

fn num(v: f64) -> String {
    if v == v.round() && v.abs() < 1e9 { format!("{v:.0}") } else { format!("{v:.3}") }
}

impl View<'_> {
    fn split_text(&self, n: usize) -> String {
        let f = self.tree.feature[n];
        let name = self.names.get(f).cloned().unwrap_or_else(|| format!("x{f}"));
        format!("{name} <= {:.3}", self.tree.threshold[n])
    }

    fn value_text(&self, n: usize) -> String {
        let v = self.tree.value_at(n);
        match self.kind {
            Kind::Classes(c) if c.len() == 2 => format!("P({}) = {:.3}", num(c[1]), v[1]),
            Kind::Classes(c) => {
                let parts: Vec<String> = c.iter().zip(v).map(|(k, p)| format!("{}: {:.2}", num(*k), p)).collect();
                parts.join(", ")
            }
            Kind::Regression => format!("value = {:.3}", v[0]),
        }
    }

    fn leaf_text(&self, n: usize) -> String {
        let v = self.tree.value_at(n);
        match self.kind {
            Kind::Classes(c) => {
                let mut best = 0;
                for k in 1..v.len() {
                    if v[k] > v[best] {
                        best = k;
                    }
                }
                format!("class: {}  ({}, n = {})", num(c[best]), self.value_text(n), self.tree.n_samples[n])
            }
            Kind::Regression => format!("{}  (n = {})", self.value_text(n), self.tree.n_samples[n]),
        }
    }

    /// Indented text, one line per branch, like scikit-learn's `export_text`; nodes
    /// below `max_depth` are summarised as "truncated".
    pub fn text(&self, max_depth: usize) -> String {
        let mut out = String::new();
        self.text_node(0, 0, max_depth, &mut out);
        out
    }

    fn text_node(&self, n: usize, depth: usize, max_depth: usize, out: &mut String) {
        let indent = "|   ".repeat(depth);
        if self.tree.left[n] == LEAF {
            out.push_str(&format!("{indent}|--- {}\n", self.leaf_text(n)));
            return;
        }
        if depth >= max_depth {
            out.push_str(&format!("{indent}|--- truncated branch ({} samples)\n", self.tree.n_samples[n]));
            return;
        }
        let f = self.tree.feature[n];
        let name = self.names.get(f).cloned().unwrap_or_else(|| format!("x{f}"));
        out.push_str(&format!("{indent}|--- {name} <= {:.3}\n", self.tree.threshold[n]));
        self.text_node(self.tree.left[n], depth + 1, max_depth, out);
        out.push_str(&format!("{indent}|--- {name} >  {:.3}\n", self.tree.threshold[n]));
        self.text_node(self.tree.right[n], depth + 1, max_depth, out);
    }

    /// Box colour: the majority class's colour, more saturated the purer the node
    /// (graphviz's convention); regression nodes shade with their value.
    fn fill(&self, n: usize) -> String {
        const COLOURS: [(u8, u8, u8); 4] = [(229, 129, 57), (57, 157, 229), (100, 200, 90), (200, 90, 200)];
        let v = self.tree.value_at(n);
        let (rgb, alpha) = match self.kind {
            Kind::Classes(_) => {
                let mut idx: Vec<usize> = (0..v.len()).collect();
                idx.sort_by(|&a, &b| v[b].total_cmp(&v[a]));
                let (top, second) = (v[idx[0]], v.get(idx[1]).copied().unwrap_or(0.0));
                let alpha = if second < 1.0 { ((top - second) / (1.0 - second)).clamp(0.0, 1.0) } else { 0.0 };
                (COLOURS[idx[0] % COLOURS.len()], alpha)
            }
            Kind::Regression => {
                let vals: Vec<f64> = (0..self.tree.n_nodes()).map(|k| self.tree.value_at(k)[0]).collect();
                let (lo, hi) = vals.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| (a.min(x), b.max(x)));
                let a = if hi > lo { (v[0] - lo) / (hi - lo) } else { 0.5 };
                (COLOURS[0], a)
            }
        };
        let mix = |c: u8| (255.0 - (255.0 - c as f64) * alpha * 0.85).round() as u8;
        format!("rgb({},{},{})", mix(rgb.0), mix(rgb.1), mix(rgb.2))
    }

    /// An SVG diagram down to `max_depth` levels (deeper branches end in a "…" box).
    pub fn svg(&self, max_depth: usize) -> String {
        // In-order leaf positions of the drawn (truncated) tree give each node its x.
        let mut shown = Vec::new(); // (node, depth, x, parent)
        let mut next_leaf = 0.0f64;
        fn place(
            v: &View<'_>,
            n: usize,
            d: usize,
            max_d: usize,
            parent: Option<usize>,
            next: &mut f64,
            out: &mut Vec<(usize, usize, f64, Option<usize>, bool)>,
        ) -> f64 {
            let is_leaf = v.tree.left[n] == LEAF;
            let cut = !is_leaf && d >= max_d;
            let me = out.len();
            out.push((n, d, 0.0, parent, cut));
            let x = if is_leaf || cut {
                let x = *next;
                *next += 1.0;
                x
            } else {
                let a = place(v, v.tree.left[n], d + 1, max_d, Some(me), next, out);
                let b = place(v, v.tree.right[n], d + 1, max_d, Some(me), next, out);
                (a + b) / 2.0
            };
            out[me].2 = x;
            x
        }
        place(self, 0, 0, max_depth, None, &mut next_leaf, &mut shown);
        let (bw, bh, gx, gy) = (170.0, 70.0, 184.0, 105.0);
        let depth = shown.iter().map(|s| s.1).max().unwrap_or(0);
        let width = (next_leaf.max(1.0) * gx + 20.0).max(300.0);
        let height = (depth as f64 + 1.0) * gy + 20.0;
        let pos = |s: &(usize, usize, f64, Option<usize>, bool)| (10.0 + s.2 * gx + (gx - bw) / 2.0, 10.0 + s.1 as f64 * gy);
        let mut svg = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" viewBox=\"0 0 {width:.0} {height:.0}\" \
             font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        );
        for s in &shown {
            if let Some(p) = s.3 {
                let (px, py) = pos(&shown[p]);
                let (cx, cy) = pos(s);
                let is_left = shown[p].0 != usize::MAX && self.tree.left[shown[p].0] == s.0;
                svg.push_str(&format!(
                    "<line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#555\"/>\n",
                    px + bw / 2.0,
                    py + bh,
                    cx + bw / 2.0,
                    cy
                ));
                if p == 0 {
                    let (lx, ly) = ((px + bw / 2.0 + cx + bw / 2.0) / 2.0, (py + bh + cy) / 2.0);
                    svg.push_str(&format!(
                        "<text x=\"{lx:.1}\" y=\"{ly:.1}\" text-anchor=\"middle\" fill=\"#333\" font-style=\"italic\">{}</text>\n",
                        if is_left { "True" } else { "False" }
                    ));
                }
            }
        }
        for s in &shown {
            let (x, y) = pos(s);
            let n = s.0;
            let lines: Vec<String> = if s.4 {
                vec!["…".into(), format!("samples = {}", self.tree.n_samples[n]), self.value_text(n)]
            } else if self.tree.left[n] == LEAF {
                vec![
                    format!("{} = {:.3}", self.impurity_name, self.tree.impurity[n]),
                    format!("samples = {}", self.tree.n_samples[n]),
                    self.value_text(n),
                ]
            } else {
                vec![
                    self.split_text(n),
                    format!("{} = {:.3}", self.impurity_name, self.tree.impurity[n]),
                    format!("samples = {}", self.tree.n_samples[n]),
                    self.value_text(n),
                ]
            };
            svg.push_str(&format!(
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bw}\" height=\"{bh}\" rx=\"6\" fill=\"{}\" stroke=\"#333\"/>\n",
                if s.4 { "rgb(240,240,240)".to_string() } else { self.fill(n) }
            ));
            let top = y + bh / 2.0 - (lines.len() as f64 - 1.0) * 7.0 + 4.0;
            for (k, l) in lines.iter().enumerate() {
                let weight = if k == 0 && self.tree.left[n] != LEAF && !s.4 { " font-weight=\"bold\"" } else { "" };
                svg.push_str(&format!(
                    "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\"{weight}>{}</text>\n",
                    x + bw / 2.0,
                    top + k as f64 * 14.0,
                    escape_html(l)
                ));
            }
        }
        svg.push_str("</svg>\n");
        svg
    }

    pub fn chart(&self, max_depth: usize) -> Chart {
        Chart::from_result(Ok(self.svg(max_depth)), "tree diagram")
    }
}
