"""The combined HTML report of a large organization: render time and file size, and in
headless Chromium (when it and Playwright are installed) the time until the page is loaded
and until one target's report (its 20 x 90 matrix grid) is drawn.

    python benchmarks/combined_html.py                 # 400 targets, 20 groups x 90 routes
    python benchmarks/combined_html.py --targets 50    # CI
    python benchmarks/combined_html.py --matrix differing
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from auditor.model.combined_report import CombinedReport, TargetReport
from auditor.report.render import render_chunks
from tests.report.combined_reports import scaled_organization

CHROMIUM = "/usr/bin/chromium"


def browse(path: Path) -> dict[str, Any] | None:
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
        page.goto(path.as_uri(), wait_until="load")
        loaded = time.perf_counter() - started
        started = time.perf_counter()
        page.locator("#target-0 > summary").click()
        page.wait_for_selector("#matrix td")
        opened = time.perf_counter() - started
        nodes = page.evaluate("document.getElementsByTagName('*').length")
        heap = page.evaluate("performance.memory ? performance.memory.usedJSHeapSize : 0")
        browser.close()
    return {"load_s": loaded, "open_target_s": opened, "dom_nodes": nodes, "js_heap_mb": heap / 1e6}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--targets", type=int, default=400)
    parser.add_argument("--personas", type=int, default=20)
    parser.add_argument("--routes", type=int, default=90)
    parser.add_argument("--matrix", choices=("full", "differing", "none"), default="full")
    args = parser.parse_args()
    report = scaled_organization(args.targets, args.personas, args.routes)
    if args.matrix != "full":
        scoped = [
            TargetReport(name=t.name, report=t.report.with_matrix(args.matrix))
            for t in report.targets
        ]
        report = CombinedReport.of(scoped, tool=report.tool, generated_at=report.generated_at)
    started = time.perf_counter()
    size = 0
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "combined.html"
        with path.open("w", encoding="utf-8") as handle:
            for chunk in render_chunks(report, "html"):
                handle.write(chunk)
                size += len(chunk.encode())
        rendered = time.perf_counter() - started
        print(
            f"{args.targets} targets x {args.personas} x {args.routes} (--matrix {args.matrix}): "
            f"rendered in {rendered:.2f} s, {size / 1e6:.1f} MB"
        )
        seen = browse(path)
        if seen is None:
            print("Chromium or Playwright missing: no browser figures")
        else:
            print(
                f"Chromium: loaded in {seen['load_s']:.2f} s ({seen['dom_nodes']:,} elements, "
                f"JS heap {seen['js_heap_mb']:.0f} MB); a target opened and its grid drawn "
                f"in {seen['open_target_s']:.2f} s"
            )


if __name__ == "__main__":
    main()
