"""The HTML report at a glance, measured in headless Chromium at 1400 px: ARNs wrap only at
their separators, the matrix uses the width, routes served without AWS_IAM are in their
finding's colour, the summary links to the details, accepted findings and the timeline."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from auditor.audit.catalog import get_rule
from auditor.model.report import Report
from tests.report.html_reports import EXPOSED, INTENDED, TOKEN_ONLY, rich_report
from tests.report.test_html_browser import (
    ARTIFACTS,
    CHROMIUM,
    COLOURS,
    CRITICAL,
    HIGH,
    assert_report_dom,
    browser,
    open_report,
)
from tests.support.reports import scaled_report

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

__all__ = ["browser"]  # the module-scoped Chromium fixture, shared with test_html_browser

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")


@pytest.fixture(scope="module")
def rich() -> Report:
    return rich_report()


# Each line of a cell's text, with the width of each character, from the layout itself.
_LINES = """td => {
  const walker = document.createTreeWalker(td, NodeFilter.SHOW_TEXT);
  const lines = [];
  let node;
  while ((node = walker.nextNode())) {
    for (let i = 0; i < node.length; i += 1) {
      const range = document.createRange();
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      const box = range.getBoundingClientRect();
      const last = lines[lines.length - 1];
      if (!last || box.top > last.top + box.height / 2) {
        lines.push({top: box.top, text: "", widths: []});
      }
      lines[lines.length - 1].text += node.data[i];
      lines[lines.length - 1].widths.push(box.width);
    }
  }
  const style = getComputedStyle(td);
  const inner = td.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return {inner, lines: lines.map(l => ({text: l.text, widths: l.widths}))};
}"""


def _first_part(text: str) -> int:
    """How many characters up to and including the first separator (all without one)."""
    for i, ch in enumerate(text):
        if ch in "/:":
            return i + 1
    return len(text)


def test_arns_wrap_only_at_their_separators_and_only_when_full(
    browser: Browser, rich: Report, tmp_path: Path
) -> None:
    page, seen = open_report(browser, rich, tmp_path)
    cells = page.locator("#findings td.res, #accepted td.res, #group-pairs code")
    wrapped = 0
    for i in range(cells.count()):
        measured: Any = cells.nth(i).evaluate(_LINES)
        lines = measured["lines"]
        text = "".join(line["text"] for line in lines)
        if not text.startswith("arn:"):
            continue  # other text also breaks at its spaces
        for line, following in itertools.pairwise(lines):
            wrapped += 1
            # A line ends at a separator, never inside an account id or a name ...
            assert line["text"][-1] in "/:", (text, line["text"])
            # ... and only because the next part did not fit on it.
            part = sum(following["widths"][: _first_part(following["text"])])
            assert sum(line["widths"]) + part > measured["inner"] - 1, (text, line["text"])
    assert wrapped  # the page has ARNs long enough to wrap at 1400 px
    assert seen.errors == []


def test_the_matrix_uses_the_width(browser: Browser, rich: Report, tmp_path: Path) -> None:
    page, seen = open_report(browser, rich, tmp_path)
    wrap = page.locator(".mwrap")
    sizes = wrap.evaluate(
        "w => [w.scrollWidth, w.clientWidth, document.getElementById('matrix').offsetWidth]"
    )
    scroll_width, client_width, table_width = sizes
    assert scroll_width <= client_width  # no horizontal scroll at 1400 px
    assert table_width > client_width * 0.6  # and not a narrow strip at the left
    assert "wide" in (wrap.get_attribute("class") or "")
    # Persona names written across, above cells that spell the verdict; headers stay put.
    head = page.locator("#matrix thead th.ph").first
    assert head.evaluate("th => getComputedStyle(th).writingMode") == "horizontal-tb"
    assert head.evaluate("th => getComputedStyle(th).position") == "sticky"
    assert (
        page.locator("#matrix tbody th").first.evaluate("th => getComputedStyle(th).position")
        == "sticky"
    )
    verdict = page.locator("#matrix td.a").first.evaluate(
        "td => getComputedStyle(td, '::before').content"
    )
    assert "allowed" in verdict
    assert_report_dom(page, rich)
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#matrix-section").screenshot(path=str(ARTIFACTS / "report-matrix-wide.png"))

    # Many personas: narrow cells again, written upwards; the page scrolls the grid instead.
    many, _ = open_report(browser, scaled_report(80, 30), tmp_path, "many.html")
    assert many.locator(".mwrap.wide").count() == 0
    width = many.locator("#matrix td").first.evaluate("td => td.getBoundingClientRect().width")
    assert 21 <= width <= 24
    assert seen.errors == []


def _row_colour(page: Page, route: str) -> set[str]:
    row = page.locator("#matrix tr.r", has=page.locator("th", has_text=route))
    return set(
        row.first.locator("td").evaluate_all(
            "tds => tds.map(td => getComputedStyle(td).backgroundColor)"
        )
    )


def test_an_unexpectedly_public_route_is_coloured_as_its_finding(
    browser: Browser, rich: Report, tmp_path: Path
) -> None:
    page, seen = open_report(browser, rich, tmp_path)
    assert _row_colour(page, EXPOSED) == {CRITICAL}
    assert _row_colour(page, TOKEN_ONLY) == {HIGH}
    assert _row_colour(page, INTENDED) == {COLOURS["n"]}  # public as public_routes intends
    assert len({CRITICAL, HIGH, COLOURS["n"]}) == 3
    legend = page.locator(".legend .sw.pub-critical").evaluate(
        "s => getComputedStyle(s).backgroundColor"
    )
    assert legend == CRITICAL
    row = page.locator("#matrix tr.r", has=page.locator("th", has_text=EXPOSED)).first
    row.locator("td").first.click()
    details = page.locator("#details").inner_text()
    assert "not in public_routes" in details and "route-not-iam, critical" in details
    assert seen.errors == []


def test_the_summary_leads_to_the_details(browser: Browser, rich: Report, tmp_path: Path) -> None:
    page, seen = open_report(browser, rich, tmp_path)
    who = page.locator("#access tbody th").all_inner_texts()
    assert who[:2] == ["anyone (no authorization)", "any token holder (not AWS_IAM)"]
    link = page.locator("#access td.gained a").first
    target = (link.get_attribute("href") or "")[1:]
    link.click()
    row = page.locator(f"#{target}")
    assert page.evaluate("location.hash") == f"#{target}" and row.is_visible()
    assert EXPOSED in row.inner_text()
    box = row.bounding_box()
    assert box and -1 <= box["y"] < 900  # scrolled into view

    # A finding's rule id leads to the rule and its references.
    page.locator(f"#{target} a.rule").click()
    entry = page.locator("#rule-route-not-iam + dd")
    assert entry.is_visible()
    hrefs = entry.locator("a").evaluate_all("as => as.map(a => a.href)")
    assert hrefs == get_rule("route-not-iam").references
    assert seen.errors == [] and all(url.startswith("file:") for url in seen.requests)


def test_accepted_findings_and_the_timeline(browser: Browser, rich: Report, tmp_path: Path) -> None:
    page, seen = open_report(browser, rich, tmp_path)
    assert_report_dom(page, rich)
    accepted = page.locator("#accepted tbody tr")
    assert accepted.count() == 1 and "accepted" in accepted.locator(".acc").inner_text()
    # The filters count the open findings only.
    total = len([f for f in rich.findings if f.counts])
    assert page.locator("#findings-shown").inner_text() == f"{total} of {total} shown"

    svg = page.locator("#timeline svg")
    assert svg.is_visible()
    bars = page.locator("#timeline g.run")
    assert bars.count() == len(rich.history)
    # Each run's bar height follows its open findings.
    heights = bars.evaluate_all(
        'gs => gs.map(g => [...g.querySelectorAll(\'rect[class^="t-"]:not(.t-hit)'
        ":not(.t-incomplete)')].reduce((h, r) => h + r.getBBox().height, 0))"
    )
    totals = [sum(r.by_severity.values()) for r in rich.history]
    for height, count in zip(heights, totals, strict=True):
        assert abs(height - max(heights) * count / max(totals)) < 0.5
    title = bars.nth(2).locator("title").text_content() or ""
    assert "incomplete" in title and "2024-04-03" in title
    box = svg.bounding_box()
    assert box and box["x"] + box["width"] <= 1400
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#glance").screenshot(path=str(ARTIFACTS / "report-glance.png"))
    assert seen.errors == []
