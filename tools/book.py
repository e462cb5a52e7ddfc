"""The course as a static site: every executed solution notebook as an HTML page, an index that
follows the course map (course -> week -> labs, then the assignment), links to the previous and
next notebook and back to the index on every page, and the data and licence notes.

Usage: book.py build EXECUTED_DIR OUT_DIR MATHJAX_DIR
       book.py check OUT_DIR SHOT_DIR PAGE...

`build` converts the executed notebooks under EXECUTED_DIR (what `make notebooks` / `make test`
write to target/notebooks) with nbconvert's JupyterLab template. Nothing is fetched when a page
opens: MathJax 2.7 is copied next to the pages from MATHJAX_DIR (the npm package, fetched by
set-up), and the template's require.js and mermaid loaders, which point at a CDN and which no
page of ours needs, are left out (tools/book_template).

`check` opens each PAGE (relative to OUT_DIR) in headless Chromium with a small probe script
injected, lets it run, and reads back what the probe saw: script and resource errors (window
`error` events, `console.error`), images that did not decode, SVG figures with no size, and
typeset formulas. Any problem fails the check. It also keeps a screenshot of each page under
SHOT_DIR. `make book` runs both.
"""

import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from screenshots import chromium  # noqa: E402  (one lookup of the browser for both tools)

ROOT = Path(__file__).resolve().parent.parent

COURSES = {
    "c1-diagnosis": "Course 1 · AI for medical diagnosis",
    "c2-prognosis": "Course 2 · AI for medical prognosis",
    "c3-treatment": "Course 3 · AI for medical treatment",
}
WEEKS = {
    "w1-xray": "Week 1 · Chest X-ray classification",
    "w2-evaluation": "Week 2 · Evaluating diagnostic models",
    "w3-mri": "Week 3 · Brain tumour segmentation in MRI",
    "w1-linear": "Week 1 · Linear risk models",
    "w2-trees": "Week 2 · Trees, missing data and imputation",
    "w3-survival": "Week 3 · Survival estimates",
    "w4-cox-rsf": "Week 4 · Cox models and random survival forests",
    "w1-effect": "Week 1 · Treatment effect estimation",
    "w2-nlp": "Week 2 · Information extraction from reports",
    "w3-interpret": "Week 3 · Model interpretation",
}

STYLE = """
body.ai4med-index { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; }
nav.ai4med-nav { font-family: system-ui, sans-serif; display: flex; justify-content: space-between; gap: 1rem;
  padding: 0.5rem 1rem; background: #f3f4f6; border-bottom: 1px solid #d1d5db; font-size: 0.9rem; }
nav.ai4med-nav a { color: #1d4ed8; text-decoration: none; }
nav.ai4med-nav span.ai4med-none { color: #9ca3af; }
.ai4med-index table { border-collapse: collapse; }
.ai4med-index td, .ai4med-index th { border: 1px solid #d1d5db; padding: 0.25rem 0.5rem; vertical-align: top; }
"""


def order_key(rel: Path):
    """Course, week, then labs by number, then the assignment; the getting-started notebook first."""
    parts = rel.parts
    if len(parts) == 1:
        return (0, "", "", 0, rel.name)
    name = rel.stem
    kind = 2 if name.startswith("assignment") else 1
    m = re.match(r"lab-(\d+)", name)
    return (1, parts[0], parts[1], kind, int(m.group(1)) if m else 0, name)


def notebooks(executed: Path):
    found = [p.relative_to(executed) for p in executed.rglob("*.ipynb")]
    return sorted(found, key=order_key)


def title_of(nb) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return "untitled"


def page_path(rel: Path) -> Path:
    return rel.with_suffix(".html")


def link(from_page: Path, to_page: Path) -> str:
    """A relative URL from one page of the site to another."""
    depth = len(from_page.parent.parts)
    return "../" * depth + to_page.as_posix()


def nav(page: Path, prev, nxt) -> str:
    def a(target, label):
        if target is None:
            return f'<span class="ai4med-none">{label}</span>'
        rel, title = target
        return f'<a href="{html.escape(link(page, page_path(rel)))}">{label} {html.escape(title)}</a>'

    return (
        '<nav class="ai4med-nav">'
        + a(prev, "←")
        + f'<a href="{html.escape(link(page, Path("index.html")))}">course map</a>'
        + a(nxt, "→")
        + "</nav>"
    )


def build(executed: Path, out: Path, mathjax: Path):
    import nbformat
    from nbconvert import HTMLExporter

    items = notebooks(executed)
    if not items:
        sys.exit(f"no executed notebooks under {executed}: run `make notebooks` first")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    copy_mathjax(mathjax, out / "_static" / "mathjax")
    (out / "_static" / "ai4med.css").write_text(STYLE)

    exporter = HTMLExporter(
        template_name="ai4med",
        extra_template_basedirs=[str(ROOT / "tools" / "book_template")],
    )
    nbs = [nbformat.read(executed / rel, as_version=4) for rel in items]
    titles = [title_of(nb) for nb in nbs]
    for i, (rel, nb) in enumerate(zip(items, nbs)):
        page = page_path(rel)
        exporter.mathjax_url = link(page, Path("_static/mathjax/MathJax.js")) + "?config=TeX-AMS_CHTML-full,Safe"
        body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": titles[i]}})
        prev = (items[i - 1], titles[i - 1]) if i > 0 else None
        nxt = (items[i + 1], titles[i + 1]) if i + 1 < len(items) else None
        bar = nav(page, prev, nxt)
        css = f'<link rel="stylesheet" href="{html.escape(link(page, Path("_static/ai4med.css")))}">'
        body = body.replace("</head>", css + "\n</head>", 1)
        body = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + bar, body, count=1)
        body = body.replace("</body>", bar + "\n</body>", 1)
        (out / page).parent.mkdir(parents=True, exist_ok=True)
        (out / page).write_text(body)
    write_data_page(out)
    write_index(out, items, titles)
    print(f"[ai4med] book: {len(items)} notebooks → {out}/index.html")


def copy_mathjax(src: Path, dst: Path):
    """The parts of MathJax 2.7 that `TeX-AMS_CHTML-full,Safe` loads: the core, its configs and
    extensions, the TeX input, the CommonHTML output and the TeX web fonts (about 16 MB of the
    package's 73)."""
    if not (src / "MathJax.js").exists():
        sys.exit(f"MathJax not found at {src}: `make book` fetches it (npm pack mathjax@2.7.9)")
    for part in ["MathJax.js", "config", "extensions", "jax/input/TeX", "jax/element", "jax/output/CommonHTML",
                 "fonts/HTML-CSS/TeX/woff", "localization/en", "LICENSE"]:
        s, d = src / part, dst / part
        d.parent.mkdir(parents=True, exist_ok=True)
        if s.is_dir():
            shutil.copytree(s, d)
        else:
            shutil.copy2(s, d)


def write_data_page(out: Path):
    import mistune

    text = (ROOT / "data" / "README.md").read_text()
    body = mistune.html(text)
    (out / "data.html").write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>ai4med · data and licences</title>"
        "<link rel='stylesheet' href='_static/ai4med.css'></head><body class='ai4med-index'>"
        "<p><a href='index.html'>← course map</a></p>" + body + "</body></html>\n"
    )


def write_index(out: Path, items, titles):
    rows = []
    course = week = None
    for rel, title in zip(items, titles):
        href = html.escape(page_path(rel).as_posix())
        if len(rel.parts) == 1:
            rows.append(f'<p><a href="{href}">{html.escape(title)}</a></p>')
            continue
        c, w = rel.parts[0], rel.parts[1]
        if c != course:
            if week is not None:
                rows.append("</ul>")
            rows.append(f"<h2>{html.escape(COURSES.get(c, c))}</h2>")
            course, week = c, None
        if w != week:
            if week is not None:
                rows.append("</ul>")
            rows.append(f"<h3>{html.escape(WEEKS.get(w, w))}</h3><ul>")
            week = w
        kind = "assignment" if rel.stem.startswith("assignment") else "lab"
        rows.append(f'<li><a href="{href}">{html.escape(title)}</a> <small>({kind})</small></li>')
    if week is not None:
        rows.append("</ul>")
    (out / "index.html").write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>ai4med · AI for Medicine in Rust</title>"
        "<link rel='stylesheet' href='_static/ai4med.css'></head><body class='ai4med-index'>"
        "<h1>ai4med · AI for Medicine in Rust</h1>"
        "<p>Every lab and assignment of the three courses, executed: the solution notebooks with their "
        "tables, figures and images as the notebook runner left them. Run them yourself with "
        "<code>make lab</code>; the exercise versions come from <code>make exercises</code>.</p>"
        "<p>Where the data come from, and under which licence: <a href='data.html'>data and licences</a>. "
        "The report-labelling pages show sentences of the OpenI radiology reports, which set-up fetches "
        "and which are licensed CC BY-NC-ND 4.0: publish this site only where that licence allows.</p>"
        + "\n".join(rows)
        + "</body></html>\n"
    )


PROBE = """<script>
window.__ai4med = [];
window.addEventListener('error', function (e) {
  var t = e.target;
  window.__ai4med.push(t && t !== window ? 'failed to load ' + (t.src || t.href || t.tagName) : 'script error: ' + e.message);
}, true);
(function () { var ce = console.error; console.error = function () {
  window.__ai4med.push('console.error: ' + Array.prototype.join.call(arguments, ' ')); ce.apply(console, arguments); }; })();
window.addEventListener('load', function () { setTimeout(function () {
  var imgs = Array.prototype.slice.call(document.images);
  var svgs = Array.prototype.slice.call(document.querySelectorAll('.jp-OutputArea svg, .jp-RenderedSVG svg, .jp-RenderedHTMLCommon svg'));
  var r = {
    errors: window.__ai4med,
    images: imgs.length,
    svg_images: imgs.filter(function (i) { return (i.src || '').indexOf('data:image/svg+xml') === 0; }).length,
    png_images: imgs.filter(function (i) { return (i.src || '').indexOf('data:image/png') === 0; }).length,
    broken_images: imgs.filter(function (i) { return !(i.complete && i.naturalWidth > 0); }).map(function (i) { return (i.src || '').slice(0, 60); }),
    svgs: svgs.length,
    empty_svgs: svgs.filter(function (s) { var b = s.getBoundingClientRect(); return !(b.width > 0 && b.height > 0); }).length,
    formulas: document.querySelectorAll('.MathJax_CHTML').length,
    unrendered_formulas: document.querySelectorAll('.MathJax_Error, .mjx-merror').length
  };
  var pre = document.createElement('pre'); pre.id = 'ai4med-probe'; pre.textContent = JSON.stringify(r);
  document.body.appendChild(pre);
}, 3000); });
</script>"""


def probe(browser: str, page: Path) -> dict:
    """Opens a copy of `page` with the probe script first in its <head>, in the page's folder so
    relative links resolve, and returns what the probe reported."""
    text = page.read_text()
    probed = page.with_name(page.stem + ".probe.html")
    probed.write_text(re.sub(r"(<head[^>]*>)", lambda m: m.group(1) + PROBE, text, count=1))
    try:
        with tempfile.TemporaryDirectory() as profile:
            run = subprocess.run(
                [browser, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}",
                 "--virtual-time-budget=20000", "--dump-dom", probed.resolve().as_uri()],
                capture_output=True, text=True, timeout=180,
            )
    finally:
        probed.unlink()
    m = re.search(r'<pre id="ai4med-probe">(.*?)</pre>', run.stdout, re.S)
    if not m:
        return {"errors": [f"the probe did not report (chromium exit {run.returncode}): {run.stderr.strip()[-300:]}"]}
    return json.loads(html.unescape(m.group(1)))


def screenshot(browser: str, page: Path, png: Path):
    png.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", f"--user-data-dir={profile}",
             "--virtual-time-budget=20000", "--window-size=1200,2400", f"--screenshot={png}", page.resolve().as_uri()],
            capture_output=True, text=True, timeout=180, check=True,
        )


def problems(name: str, r: dict) -> list:
    out = [f"{name}: {e}" for e in r.get("errors", [])]
    if r.get("broken_images"):
        out.append(f"{name}: {len(r['broken_images'])} image(s) did not decode: {r['broken_images'][:3]}")
    if r.get("empty_svgs"):
        out.append(f"{name}: {r['empty_svgs']} SVG figure(s) have no size")
    if r.get("unrendered_formulas"):
        out.append(f"{name}: {r['unrendered_formulas']} formula(s) failed to typeset")
    return out


def check(out: Path, shots: Path, pages):
    browser = chromium()
    failed = []
    for name in pages:
        page = out / name
        if not page.exists():
            failed.append(f"{name}: no such page in {out}")
            continue
        r = probe(browser, page)
        png = shots / (Path(name).with_suffix("").as_posix().replace("/", "__") + ".png")
        screenshot(browser, page, png)
        print(f"[ai4med] book check {name}: {r.get('svg_images', 0)} SVG figure(s), {r.get('png_images', 0)} PNG image(s), "
              f"{r.get('images', 0)} image(s) in all, {r.get('svgs', 0)} inline SVG(s), "
              f"{r.get('formulas', 0)} formula(s), {len(r.get('errors', []))} error(s); screenshot {png}")
        failed += problems(name, r)
    if failed:
        print("[ai4med] book check failed:\n  " + "\n  ".join(failed), file=sys.stderr)
        sys.exit(1)


def main(argv):
    if len(argv) >= 4 and argv[0] == "build":
        build(Path(argv[1]), Path(argv[2]), Path(argv[3]))
    elif len(argv) >= 4 and argv[0] == "check":
        check(Path(argv[1]), Path(argv[2]), argv[3:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
