"""The combined HTML report in headless Chromium: the organization first, each target drawn by
the single report's own scripts when its section opens, ids unique, nothing fetched."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from auditor.model.combined_report import CombinedReport
from tests.report.combined_reports import organization
from tests.report.test_html_browser import (
    ARTIFACTS,
    Recorded,
    assert_report_dom,
    browser,
    open_report,
    pytestmark,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

__all__ = ["browser", "pytestmark"]  # the module-scoped Chromium fixture, and its skip

_DUPLICATE_IDS = """() => { const seen = {}; const dup = [];
  for (const el of document.querySelectorAll('[id]')) {
    if (seen[el.id]) dup.push(el.id); seen[el.id] = true; }
  return dup; }"""


def _open(browser: Browser, report: CombinedReport, directory: Path) -> tuple[Page, Recorded]:
    return open_report(browser, report, directory, "combined.html")


def test_summary_first_and_no_target_drawn_until_opened(browser: Browser, tmp_path: Path) -> None:
    report = organization(discovery_failed=True)
    page, seen = _open(browser, report, tmp_path)
    headings = page.locator("h2").all_inner_texts()
    assert headings[:5] == [
        "Worst targets (3)",
        "Incomplete targets (1)",
        "Rules across targets",
        "Every target (4)",
        "Targets (4)",
    ]
    assert "The run itself is incomplete" in page.locator("#org-status").inner_text()
    assert page.locator("#worst tbody tr td:first-child").all_inner_texts() == [
        "legacy",
        "prod",
        "stage",
    ]
    assert page.locator("#org-counts b[data-severity='critical']").inner_text() == "1"
    # The summary's counts are plain numbers, not styled as matrix cells of report.css.
    background = page.evaluate(
        "getComputedStyle(document.querySelector('#worst tbody td:last-child')).backgroundColor"
    )
    assert background == "rgba(0, 0, 0, 0)"
    assert page.locator(".tgt-body").count() == 0 and page.locator("#matrix").count() == 0
    assert page.evaluate(_DUPLICATE_IDS) == []
    assert seen.errors == [] and seen.dialogs == []
    assert all(url.startswith("file:") for url in seen.requests)


def test_each_target_opens_as_its_own_report(browser: Browser, tmp_path: Path) -> None:
    report = organization()
    page, seen = _open(browser, report, tmp_path)
    for index, entry in enumerate(report.targets):
        page.locator(f"#target-{index} > summary").click()
        page.wait_for_selector(f"#target-{index} .tgt-body")  # drawn on the toggle event
        assert page.locator(".tgt-body").count() == 1  # one target open at a time
        assert_report_dom(page, entry.report)
        assert page.evaluate(_DUPLICATE_IDS) == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#target-0 > summary").click()
    page.wait_for_selector("#target-0 .tgt-body")
    page.screenshot(path=str(ARTIFACTS / "combined-report.png"), full_page=True)
    assert seen.errors == [] and seen.dialogs == []


def test_the_open_targets_filters_and_matrix_work(browser: Browser, tmp_path: Path) -> None:
    report = organization()
    page, seen = _open(browser, report, tmp_path)
    page.locator("#target-1 > summary").click()  # stage first: its scripts then go away
    page.wait_for_selector("#target-1 .tgt-body")
    page.locator("#target-0 > summary").click()
    page.wait_for_selector("#target-0 .tgt-body")
    prod = report.targets[0].report
    page.select_option("#filter-severity", "high")
    shown = page.locator("#findings tbody tr:not([hidden])").count()
    assert shown == sum(1 for f in prod.findings if f.counts and f.severity.value == "high")
    page.locator("#matrix td.a").first.click()
    assert page.locator("#details").is_visible()
    page.keyboard.press("Escape")
    assert not page.locator("#details").is_visible()
    # Closing the target takes its listeners with it: typing, resizing, Escape stay quiet.
    page.locator("#target-0 > summary").click()
    page.wait_for_selector(".tgt-body", state="detached")
    page.keyboard.press("Escape")
    page.set_viewport_size({"width": 900, "height": 700})
    page.wait_for_timeout(50)
    assert seen.errors == []


def test_a_link_in_the_summary_opens_its_target(browser: Browser, tmp_path: Path) -> None:
    page, seen = _open(browser, organization(), tmp_path)
    page.locator("#incomplete a", has_text="legacy").click()
    page.wait_for_selector("#target-3 .tgt-body")
    assert page.locator("#target-3").get_attribute("open") is not None
    assert "AssumeRole" in page.locator("#target-3 #status").inner_text()
    assert seen.errors == []
