"""The HTML report of a real audit of the emulated demo app, checked in headless Chromium."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from auditor.collect import AwsOptions
from auditor.commands.demo import demo_baseline, seed_demo
from auditor.commands.options import ReportOutput, RunOptions
from auditor.commands.run import execute
from tests.report.test_html_browser import (
    ARTIFACTS,
    COLOURS,
    CRITICAL,
    assert_report_dom,
    browser,
    open_report,
)

__all__ = ["browser"]  # the module-scoped Chromium fixture, shared with test_html_browser

HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture
def audited(aws: Any, tmp_path: Path) -> Any:
    seeded = seed_demo(aws.session, aws.url)
    # A hostile group name straight from "AWS": it must render as text, never as markup.
    aws.client("cognito-idp").create_group(
        UserPoolId=seeded.user_pool_id,
        GroupName=HOSTILE,
        RoleArn=seeded.role_arns["app-support"],
        Precedence=30,
    )
    baseline = tmp_path / "baseline.yaml"
    baseline.write_text(yaml.safe_dump(demo_baseline(seeded)))
    outcome = execute(
        RunOptions(
            baseline=baseline,
            format="html",
            outputs=(ReportOutput(str(tmp_path / "report.html"), "html"),),
            aws=AwsOptions(region=aws.region, endpoint_url=aws.url),
        )
    )
    return outcome.report


def _cell_colour(page: Any, persona: str, route: str) -> tuple[str, str]:
    """(class list, background colour) of the matrix cell for persona x route."""
    result: list[str] = page.evaluate(
        """([persona, route]) => {
            const heads = [...document.querySelectorAll('#matrix thead th')]
                .map(th => th.textContent.trim());
            const column = heads.indexOf(persona);
            const row = [...document.querySelectorAll('#matrix tbody tr')]
                .find(tr => tr.cells[0] && tr.cells[0].textContent.trim() === route);
            if (column < 0 || !row) return ['', ''];
            const cell = row.cells[column];
            return [cell.className, getComputedStyle(cell).backgroundColor];
        }""",
        [persona, route],
    )
    return result[0], result[1]


def test_emulated_audit_renders_in_chromium(browser: Any, audited: Any, tmp_path: Path) -> None:
    page, seen = open_report(browser, audited, tmp_path)
    assert_report_dom(page, audited)

    # The demo's planted drifts, as the grid shows them.
    classes, colour = _cell_colour(page, "group:admin", "GET /administrators")
    assert classes.split() == ["a", "x"] and colour == COLOURS["a"]
    classes, colour = _cell_colour(page, "group:editors", "GET /items")
    assert classes.split() == ["d", "x"] and colour == COLOURS["d"]
    # Public and not in public_routes (route-not-iam, critical): the critical colour, unlike
    # the intended public route.
    classes, colour = _cell_colour(page, "default", "GET /debug/config")
    assert "n" in classes.split() and colour == CRITICAL
    classes, colour = _cell_colour(page, "default", "GET /health")
    assert classes.split() == ["n"] and colour == COLOURS["n"]

    assert page.locator("img").count() == 0
    assert HOSTILE in page.locator("#matrix thead").inner_text()
    assert seen.dialogs == [] and seen.errors == []
    assert all(url.startswith("file:") for url in seen.requests)

    page.select_option("#filter-severity", "critical")
    visible = page.eval_on_selector_all(
        "#findings tbody tr:not([hidden])", "rows => rows.map(r => r.textContent)"
    )
    critical = [f for f in audited.findings if f.severity.value == "critical"]
    assert len(visible) == len(critical) > 0

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "emulated-report.png"), full_page=True)
