"""Screenshots of what a learner sees: every figure (SVG) of the executed notebooks, rendered
by headless Chromium (the Debian package `chromium`), one PNG per figure.

Usage: screenshots.py [EXECUTED_DIR] [OUT_DIR]   (defaults: target/notebooks, target/screenshots)

Run it after `make notebooks` (or `make test`). For each executed notebook under EXECUTED_DIR it
writes OUT_DIR/<notebook path>/cell-<index>-<k>.png, the figure at its own size in the browser's
SVG renderer and fonts (what Jupyter shows, not plotters' own estimate), and OUT_DIR/index.html,
which shows them all on one page to look through. Nothing is checked here: the checks are in the
library's tests (legend placement) and the notebook runner (names, results); this is for eyes.
"""

import html
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    sys.exit("headless Chromium not found: `apt-get install chromium` (Debian) first")


def svg_size(svg: str):
    m = re.search(r'<svg[^>]*\swidth="(\d+)"[^>]*\sheight="(\d+)"', svg)
    return (int(m.group(1)), int(m.group(2))) if m else (900, 600)


def shoot(browser: str, svg: str, png: Path, tmp: Path):
    w, h = svg_size(svg)
    page = tmp / "page.html"
    page.write_text(f'<!doctype html><html><body style="margin:0;background:#fff">{svg}</body></html>', encoding="utf-8")
    png.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         f"--window-size={w},{h}", f"--screenshot={png}", page.as_uri()],
        check=True, capture_output=True, timeout=120,
    )


def main():
    src = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "target" / "notebooks"
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "target" / "screenshots"
    browser = chromium()
    shots = []
    with tempfile.TemporaryDirectory() as tmp:
        for nb_path in sorted(src.rglob("*.ipynb")):
            rel = nb_path.relative_to(src).with_suffix("")
            nb = nbformat.read(nb_path, as_version=4)
            for i, cell in enumerate(nb.cells):
                k = 0
                for o in cell.get("outputs", []):
                    svg = o.get("data", {}).get("image/svg+xml") if "data" in o else None
                    if not svg:
                        continue
                    svg = "".join(svg) if isinstance(svg, list) else svg
                    png = out / rel / f"cell-{i}-{k}.png"
                    shoot(browser, svg, png, Path(tmp))
                    shots.append((str(rel), i, png.relative_to(out)))
                    k += 1
    index = ["<!doctype html><meta charset=utf-8><title>ai4med figures</title><body style='font-family:sans-serif'>"]
    for rel, i, png in shots:
        index.append(f"<h3>{html.escape(rel)} — cell {i}</h3><img src='{html.escape(str(png))}'>")
    out.mkdir(parents=True, exist_ok=True)
    (out / "index.html").write_text("\n".join(index), encoding="utf-8")
    print(f"{len(shots)} figure(s) → {out}")


if __name__ == "__main__":
    main()
