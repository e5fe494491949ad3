"""The HTML report in a real headless Chromium, opened from a file:// URL.

Reusable by an end-to-end test: `open_report(browser, report, tmp_path)` gives a page with
dialog/request/error recorders, and `assert_report_dom(page, report)` checks the matrix, the
counts and the escaping against any Report.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from auditor.model.combined_report import CombinedReport
from auditor.model.personas import persona_label
from auditor.model.report import Report
from auditor.report.html import cell_classes, render_html
from auditor.report.render import render
from tests.report.grid_data import decode, expected
from tests.report.test_unknown import unknown_report
from tests.support.reports import HOSTILE_GROUP, HOSTILE_STATEMENT, sample_report, scaled_report

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
# The verdict colours of report.css, as getComputedStyle reports them.
COLOURS = {
    "a": "rgb(120, 200, 130)",
    "p": "rgb(255, 204, 77)",
    "d": "rgb(244, 199, 195)",
    "n": "rgb(190, 170, 225)",
}
UNKNOWN = "rgb(176, 190, 197)"
# A route served without AWS_IAM that is not in public_routes: the severity's colour.
CRITICAL = "rgb(123, 31, 162)"
HIGH = "rgb(198, 40, 40)"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian's chromium at /usr/bin/chromium (apt-get install -y chromium)",
)


@dataclass
class Recorded:
    dialogs: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


def open_report(
    browser: Browser, report: Report | CombinedReport, directory: Path, name: str = "report.html"
) -> tuple[Page, Recorded]:
    """Render `report` (one target's or a combined one), write it, open it from file:// and
    record what the page tries to do."""
    path = directory / name
    path.write_text(render(report, "html"), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    seen = Recorded()

    def on_dialog(dialog: Any) -> None:
        seen.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("request", lambda request: seen.requests.append(request.url))
    page.on("pageerror", lambda exc: seen.errors.append(str(exc)))
    page.on("console", lambda msg: seen.errors.append(msg.text) if msg.type == "error" else None)
    page.goto(path.as_uri())
    return page, seen


_DOM_GRID = """() => {
  const table = document.getElementById('matrix');
  if (!table) return null;
  const personas = [...table.tHead.rows[0].cells].slice(1).map(th => th.textContent);
  const rows = [];
  let group = null;
  for (const tr of table.tBodies[0].rows) {
    if (tr.classList.contains('g')) { group = tr.cells[0].textContent; continue; }
    rows.push({group, route: tr.cells[0].textContent,
               classes: [...tr.cells].slice(1).map(td => td.className)});
  }
  return {personas, rows};
}"""


def dom_cells(page: Page) -> dict[tuple[str, str, str], str] | None:
    """The classes of the cells drawn, by (API · stage, route, persona); None without a grid."""
    grid = page.evaluate(_DOM_GRID)
    if grid is None:
        return None
    return {
        (row["group"], row["route"], persona): cls.replace(" sel", "")
        for row in grid["rows"]
        for persona, cls in zip(grid["personas"], row["classes"], strict=True)
        if cls != "e"
    }


def assert_report_dom(page: Page, report: Report) -> None:
    """The rendered page shows exactly this report: status, counts, findings, the matrix data
    and every cell drawn (all of them, unless the grid is too large and shows a window)."""
    status = page.locator("#status")
    assert ("bad" if report.status == "incomplete" else "ok") in (
        status.get_attribute("class") or ""
    )
    for error in report.errors:
        assert error.message in status.inner_text()
    # The counts and the findings table are the open findings; accepted ones are apart.
    open_findings = [f for f in report.findings if f.counts]
    for severity in report.summary.by_severity:
        count = sum(1 for f in open_findings if f.severity == severity)
        assert page.locator(f'#counts b[data-severity="{severity}"]').inner_text() == str(count)
    assert page.locator("#findings tbody tr").count() == len(open_findings)
    accepted = len(report.findings) - len(open_findings)
    assert page.locator("#accepted tbody tr").count() == accepted
    assert page.locator("img").count() == 0  # nothing from AWS became an element

    shown = dom_cells(page)
    if not report.access_matrix:
        assert shown is None
        return
    data = json.loads(page.locator("#matrix-data").text_content() or "")
    assert decode(data) == expected(report.access_matrix)
    classes = {
        (f"{c.api_id} · {c.stage}", c.route, persona_label(c.persona, c.app_client)): (
            cell_classes(c)
        )
        for c in report.access_matrix
    }
    assert shown
    if page.locator(".mwrap.windowed").count():
        assert len(shown) < len(classes) and shown.items() <= classes.items()
    else:
        assert shown == classes


def test_sample_report_dom(browser: Browser, tmp_path: Path) -> None:
    report = sample_report(incomplete=True)
    page, seen = open_report(browser, report, tmp_path)
    assert_report_dom(page, report)
    # The hostile group name is a column header's text, and nothing ran.
    assert f"group:{HOSTILE_GROUP}" in page.locator("#matrix thead").inner_text()
    assert page.locator(f'#findings tr[data-persona="group:{HOSTILE_GROUP}"]').count() == 2

    colours = page.evaluate("""() => Object.fromEntries(['a', 'p', 'd', 'n'].map(c => [c,
        getComputedStyle(document.querySelector('#matrix td.' + c)).backgroundColor]))""")
    assert colours == COLOURS
    drift = page.evaluate("""() => { const s = getComputedStyle(
        document.querySelector('#matrix td.x')); return [s.outlineStyle, s.outlineWidth]; }""")
    assert drift == ["solid", "3px"]
    plain = page.evaluate(
        "getComputedStyle(document.querySelector('#matrix td.d:not(.x)')).outlineStyle"
    )
    assert plain == "none"

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
    assert seen.dialogs == [] and seen.errors == []
    assert seen.requests and all(url.startswith("file:") for url in seen.requests)


def _visible_column(page: Page, column: int) -> list[str]:
    return list(
        page.eval_on_selector_all(
            "#findings tbody tr:not([hidden])",
            f"rows => rows.map(r => r.cells[{column}].textContent)",
        )
    )


def test_filters(browser: Browser, tmp_path: Path) -> None:
    report = sample_report()
    page, seen = open_report(browser, report, tmp_path)
    page.select_option("#filter-severity", "high")
    visible = page.locator("#findings tbody tr:not([hidden])")
    assert visible.count() == report.summary.by_severity["high"] == 2
    assert {s.split()[0] for s in _visible_column(page, 0)} == {"high"}
    assert page.locator("#findings-shown").inner_text() == "2 of 8 shown"

    page.select_option("#filter-severity", "")
    page.select_option("#filter-rule", "excess-route")
    assert sorted(_visible_column(page, 2)) == ["group:admin", "group:editors", "unauthenticated"]
    page.select_option("#filter-persona", "group:editors")
    assert _visible_column(page, 3) == ["DELETE /items/{id} (a1b2c3d4e5)"]

    page.select_option("#filter-rule", "")
    page.select_option("#filter-persona", "")
    page.fill("#filter-text", "/health")
    assert _visible_column(page, 1) == ["route-undeclared"]
    assert seen.errors == []


def test_sorting(browser: Browser, tmp_path: Path) -> None:
    report = sample_report()
    page, _ = open_report(browser, report, tmp_path)
    rules = sorted(f.rule_id for f in report.findings)
    header = page.locator('#findings th[data-key="rule"] button')
    header.click()
    assert _visible_column(page, 1) == rules
    assert page.locator('#findings th[data-key="rule"]').get_attribute("aria-sort") == "ascending"
    header.click()
    assert _visible_column(page, 1) == rules[::-1]

    # Severity sorts by rank, not alphabetically: most severe first, then reversed.
    page.locator('#findings th[data-key="severity"] button').click()
    order = ["critical", "high", "high", "medium", "medium", "medium", "low", "info"]
    assert [s.split()[0] for s in _visible_column(page, 0)] == order
    page.locator('#findings th[data-key="severity"] button').click()
    assert [s.split()[0] for s in _visible_column(page, 0)] == order[::-1]


def test_cell_details_and_hover(browser: Browser, tmp_path: Path) -> None:
    report = sample_report()
    page, seen = open_report(browser, report, tmp_path)
    assert page.locator("#details").is_hidden()
    # The hostile group's partial GET /items/{id}: its column among the sorted personas.
    personas = page.eval_on_selector_all("#matrix thead th.ph", "ths => ths.map(t => t.title)")
    column = personas.index(f"group:{HOSTILE_GROUP}") + 2  # nth-child is 1-based, after the th
    row = page.locator("#matrix tr.r", has=page.locator("th", has_text="GET /items/{id}"))
    cell = row.filter(has_not_text="DELETE").locator(f"td:nth-child({column})")
    assert cell.get_attribute("class") == "p x"

    cell.hover()
    title = cell.get_attribute("title") or ""
    assert "verdict: partial" in title and "DIFFERS" in title and HOSTILE_STATEMENT in title

    cell.click()
    details = page.locator("#details")
    assert details.is_visible()
    text = details.inner_text()
    assert "arn:aws:iam::123456789012:role/app-viewers" in text
    assert "</script><script>alert(2)</script>" in text
    assert "GET /items/7" in text and "GET /items/42" in text  # witness requests
    assert page.locator("#details img, #details script").count() == 0
    page.locator("#details-close").click()
    assert details.is_hidden()

    page.locator("#only-drift").check()
    assert page.locator("#matrix tr.r:visible").count() == 4  # routes with planted drift
    assert seen.dialogs == [] and seen.errors == []


def test_unknown_cells_look_like_nothing_else(browser: Browser, tmp_path: Path) -> None:
    report = unknown_report()
    page, seen = open_report(browser, report, tmp_path)
    assert_report_dom(page, report)
    style = page.evaluate("""() => { const s = getComputedStyle(document.querySelector(
        '#matrix td.u')); const b = getComputedStyle(document.querySelector('#matrix td.u'),
        '::before'); return [s.backgroundColor, b.content, s.outlineStyle]; }""")
    # Its own colour and glyph (spelled out where the cells are wide); no drift mark.
    assert style in ([UNKNOWN, '"?"', "none"], [UNKNOWN, '"? unknown"', "none"])
    assert UNKNOWN not in COLOURS.values()
    cell = page.locator("#matrix td.u").first
    cell.click()
    text = page.locator("#details").inner_text()
    assert "unknown" in text and "cannot be compared" in text and "'shared'" in text
    assert seen.dialogs == [] and seen.errors == []
    assert all(url.startswith("file:") for url in seen.requests)


def test_print_layout(browser: Browser, tmp_path: Path) -> None:
    page, _ = open_report(browser, sample_report(), tmp_path)
    page.select_option("#filter-severity", "info")
    page.emulate_media(media="print")
    assert page.locator(".filters").is_hidden()
    # A printed report is complete: filtered-out rows print too, the matrix is not clipped.
    assert page.locator("#findings tbody tr:visible").count() == 8
    overflow = page.evaluate("getComputedStyle(document.querySelector('.mwrap')).overflow")
    assert overflow == "visible"
    assert page.pdf()[:4] == b"%PDF"


def test_50_personas_by_500_routes(browser: Browser, tmp_path: Path) -> None:
    report = scaled_report(50, 500, findings=1_000)
    start = time.perf_counter()
    page, seen = open_report(browser, report, tmp_path, "large.html")
    load = time.perf_counter() - start
    assert_report_dom(page, report)
    assert page.locator("#matrix td").count() == 25_000
    # Sticky header and first column: still in place after scrolling the grid.
    page.evaluate("document.querySelector('.mwrap').scrollTo(2000, 4000)")
    box = page.locator("#matrix thead th.corner").bounding_box()
    wrap = page.locator(".mwrap").bounding_box()
    assert box is not None and wrap is not None
    assert abs(box["y"] - wrap["y"]) < 3 and abs(box["x"] - wrap["x"]) < 3
    page.locator("#matrix tr.r").nth(499).locator("td").nth(49).click()
    assert "group:team-49" in page.locator("#details").inner_text()
    assert seen.errors == [] and seen.dialogs == []
    print(f"50x500 report: {len(render_html(report)):,} chars, opened in {load:.2f}s")
    assert load < 20, load
