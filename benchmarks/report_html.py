"""The HTML report at size: render time and file size, and in headless Chromium (when it and
Playwright are installed) the time until the grid is drawn, the DOM it holds and the scroll
to the far corner.

    python benchmarks/report_html.py     # 1,000 groups x 2 APIs x 250 routes = 501,000 cells
    python benchmarks/report_html.py --small   # CI
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from audit_world import synthetic

from auditor.checks.run import audit
from auditor.report.html import render_html

CHROMIUM = "/usr/bin/chromium"
_DRAWN = "() => new Promise(r => requestAnimationFrame(() => setTimeout(() => r(0))))"
# Scroll the grid to its last row and column; resolve with the time until it is drawn and
# whether the far corner cell is in view with a verdict class.
_FAR = """() => new Promise(resolve => {
  const wrap = document.querySelector('.mwrap'); const t0 = performance.now();
  wrap.scrollTop = wrap.scrollHeight; wrap.scrollLeft = wrap.scrollWidth;
  requestAnimationFrame(() => requestAnimationFrame(() => {
    const rows = document.querySelectorAll('#matrix tr.r');
    const row = rows[rows.length - 1]; const cell = row.cells[row.cells.length - 1];
    const box = wrap.getBoundingClientRect(); const at = cell.getBoundingClientRect();
    resolve({ms: performance.now() - t0, cls: cell.className,
             inView: at.right <= box.right + 1 && at.bottom <= box.bottom + 1});
  }));
})"""


def browse(path: Path) -> dict[str, Any] | None:
    """What Chromium does with the file, or None without Chromium or Playwright."""
    if not Path(CHROMIUM).exists():
        return None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        started = time.perf_counter()
        page.goto(path.as_uri(), timeout=300_000)
        page.evaluate(_DRAWN)
        drawn = time.perf_counter() - started
        elements = page.evaluate("() => document.getElementsByTagName('*').length")
        cells = page.evaluate("() => document.querySelectorAll('#matrix td').length")
        far = page.evaluate(_FAR)
        browser.close()
    return {"drawn": drawn, "elements": elements, "cells": cells, "far": far}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="CI smoke size")
    args = parser.parse_args()
    groups, routes = (40, 50) if args.small else (1000, 250)
    report = audit(*synthetic(groups, routes))
    started = time.perf_counter()
    text = render_html(report)
    rendered = time.perf_counter() - started
    folder = Path(tempfile.mkdtemp())
    try:
        path = folder / "report.html"
        path.write_text(text, encoding="utf-8")
        print(
            f"size: {groups} groups x 2 APIs x {routes} routes = {len(report.access_matrix)} cells"
        )
        print(f"render_html: {rendered:.2f} s, {len(text.encode()) / 2**20:.1f} MiB")
        seen = browse(path)
        if seen is None:
            print("Chromium: skipped (no /usr/bin/chromium or no playwright)")
            return 0
        far = seen["far"]
        print(
            f"Chromium: grid drawn {seen['drawn']:.2f} s after navigation, {seen['elements']} "
            f"elements, {seen['cells']} cells in the DOM; far corner drawn in {far['ms']:.0f} ms, "
            f"in view: {far['inView']}"
        )
        return 0 if far["inView"] and far["cls"] else 1
    finally:
        shutil.rmtree(folder)


if __name__ == "__main__":
    sys.exit(main())
