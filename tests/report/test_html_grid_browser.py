"""A matrix too large to draw whole, in headless Chromium: the grid draws the part in view,
follows the scroll bars, filters the whole matrix and keeps its details and keyboard."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from auditor.model.report import Report
from auditor.report.html import cell_classes
from auditor.report.html_grid import FULL_GRID_CELLS
from tests.report.test_html_browser import (
    ARTIFACTS,
    CHROMIUM,
    assert_report_dom,
    browser,
    dom_cells,
    open_report,
)
from tests.support.reports import scaled_report

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

__all__ = ["browser"]  # the module-scoped Chromium fixture, shared with test_html_browser

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")

PERSONAS, ROUTES = 200, 150  # 30,000 cells: more than a whole grid draws


@pytest.fixture(scope="module")
def large() -> Report:
    assert PERSONAS * ROUTES > FULL_GRID_CELLS
    return scaled_report(PERSONAS, ROUTES)


def _data(page: Page) -> Any:
    return page.evaluate("JSON.parse(document.getElementById('matrix-data').textContent)")


def _classes(report: Report) -> dict[tuple[str, str, str], str]:
    return {
        (f"{c.api_id} · {c.stage}", c.route, c.persona): cell_classes(c)
        for c in report.access_matrix
    }


def _scroll(page: Page, top: str, left: str) -> None:
    page.evaluate(
        f"() => {{ const w = document.querySelector('.mwrap'); w.scrollTop = {top}; "
        f"w.scrollLeft = {left}; }}"
    )


def test_only_the_cells_in_view_are_drawn(browser: Browser, large: Report, tmp_path: Path) -> None:
    page, seen = open_report(browser, large, tmp_path, "grid.html")
    assert page.locator(".mwrap.windowed").count() == 1
    assert_report_dom(page, large)  # the data holds every cell; those drawn are right
    assert page.locator("#matrix td").count() < PERSONAS * ROUTES / 20

    # The far corner: the last persona's column and the last route's row, fully in view.
    data = _data(page)
    last_persona, (api_id, stage, last_route) = data["personas"][-1], data["routes"][-1]
    _scroll(page, "w.scrollHeight", "w.scrollWidth")
    page.wait_for_function(
        "p => [...document.querySelectorAll('#matrix th.ph')].pop().title === p", arg=last_persona
    )
    shown = dom_cells(page)
    assert shown and shown.items() <= _classes(large).items()
    far = (f"{api_id} · {stage}", last_route, last_persona)
    assert far in shown
    assert page.locator("#matrix td").count() < PERSONAS * ROUTES / 20
    cell = page.locator("#matrix tr.r").last.locator("td").last
    box, wrap = cell.bounding_box(), page.locator(".mwrap").bounding_box()
    assert box and wrap
    assert box["x"] + box["width"] <= wrap["x"] + wrap["width"]
    assert box["y"] + box["height"] <= wrap["y"] + wrap["height"]

    cell.click()
    heading = page.locator("#details h3").inner_text()
    assert heading == f"{last_persona} \u2192 {last_route}"
    assert f"role/team-{last_persona.rsplit('-', 1)[1]}" in page.locator("#details").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator(".mwrap").screenshot(path=str(ARTIFACTS / "report-grid.png"))
    assert seen.errors == [] and seen.dialogs == []


def test_filters_reach_the_whole_matrix(browser: Browser, large: Report, tmp_path: Path) -> None:
    page, seen = open_report(browser, large, tmp_path, "grid.html")
    data = _data(page)
    persona, (api_id, stage, route) = data["personas"][-3], data["routes"][-2]
    page.fill("#matrix-persona", persona)
    page.fill("#matrix-route", route)
    routes = [r for r in data["routes"] if route.lower() in " ".join(r[::-1]).lower()]
    assert page.locator("#matrix-shown").inner_text() == (
        f"1 of {PERSONAS} personas, {len(routes)} of {ROUTES} routes"
    )
    # Small enough now to be drawn whole.
    assert page.locator(".mwrap.windowed").count() == 0
    expected = {k: v for k, v in _classes(large).items() if k[2] == persona and k[1] == route}
    assert dom_cells(page) == expected and (f"{api_id} · {stage}", route, persona) in expected

    # Only the routes and personas with a cell that differs (none is unknown here).
    page.fill("#matrix-persona", "")
    page.fill("#matrix-route", "")
    page.check("#only-drift")
    differing = [c for c in large.access_matrix if c.differs_from_baseline]
    personas = {c.persona for c in differing}
    routes_hit = {(c.api_id, c.stage, c.route) for c in differing}
    assert page.locator("#matrix-shown").inner_text() == (
        f"{len(personas)} of {PERSONAS} personas, {len(routes_hit)} of {ROUTES} routes"
    )
    shown = dom_cells(page)
    assert shown and {p for _, _, p in shown} <= personas
    assert seen.errors == []


def test_the_keyboard_moves_through_the_whole_grid(
    browser: Browser, large: Report, tmp_path: Path
) -> None:
    page, seen = open_report(browser, large, tmp_path, "grid.html")
    data = _data(page)
    page.locator("#matrix tr.r").first.locator("td").first.click()
    first = f"{data['personas'][0]} \u2192 {data['routes'][0][2]}"
    assert page.locator("#details h3").inner_text() == first
    page.keyboard.press("End")  # the last persona, drawn and selected after scrolling there
    last = data["personas"][-1]
    assert page.locator("#details h3").inner_text() == f"{last} \u2192 {data['routes'][0][2]}"
    selected = page.locator("#matrix td.sel")
    assert selected.count() == 1
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    assert page.locator("#details h3").inner_text() == f"{last} \u2192 {data['routes'][3][2]}"
    page.keyboard.press("PageDown")
    page.keyboard.press("PageDown")
    row = int(page.locator("#matrix td.sel").locator("xpath=..").get_attribute("data-r") or -1)
    assert row > 3 and page.locator("#details h3").inner_text().endswith(data["routes"][row][2])
    page.keyboard.press("Escape")
    assert page.locator("#details").is_hidden()
    assert seen.errors == []
