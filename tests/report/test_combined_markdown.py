"""--format markdown of a combined report: the summary first, a <details> per target with its
own Markdown, under the size limit whatever the number of targets."""

from __future__ import annotations

import re

from auditor.report.combined_markdown import MAX_INCOMPLETE, render_combined_markdown
from auditor.report.markdown import DEFAULT_LIMIT, render_markdown
from auditor.report.render import render
from tests.report.combined_reports import (
    DISCOVERY_ERROR,
    combined,
    organization,
    scaled_organization,
)


def test_summary_first_then_a_details_block_per_target_needing_attention() -> None:
    report = organization(discovery_failed=True)
    md = render(report, "markdown")
    assert md.startswith("## Cognito route audit of 4 targets: ⚠️ **INCOMPLETE**")
    assert md.index("The run itself is incomplete") < md.index("### Incomplete targets (1)")
    assert md.index("### Rules across targets") < md.index("### Targets (4, worst first)")
    blocks = re.findall(r"<details><summary><b>([^<]+)</b>", md)
    assert blocks == ["legacy", "prod", "stage"]  # worst first; dev is clean: its line only
    assert "| dev |" in md
    # prod's block holds prod's own Markdown (headings one level down).
    lines = render_markdown(report.targets[0].report).splitlines()
    heading = next(i for i, line in enumerate(lines) if line.startswith("### Findings ("))
    prod = md[md.index("<b>prod</b>") : md.index("<b>stage</b>")]
    assert lines[heading + 4] in prod  # its first finding's row
    assert f"#{lines[heading]}" in prod


def test_incomplete_target_says_why() -> None:
    md = render(organization(), "markdown")
    section = md[md.index("### Incomplete targets") : md.index("### Rules across targets")]
    assert "1 AWS read\\(s\\) failed" in section or "1 AWS read(s) failed" in section
    assert "`sts:AssumeRole`" in section


def test_no_targets() -> None:
    md = render(combined([]), "markdown")
    assert "No targets" in md and "<details>" not in md


def test_four_hundred_targets_stay_under_the_limit_and_count_the_rest() -> None:
    report = scaled_organization(400, personas=3, routes=6, findings=40)
    md = render_combined_markdown(report)
    assert len(md) <= DEFAULT_LIMIT
    shown = md.count("<details>")
    assert 0 < shown < 400
    attention = sum(1 for t in report.targets if t.report.findings or t.report.status != "complete")
    assert f"… and {attention - shown:,} more targets with findings" in md
    assert md.count("<details>") == md.count("</details>")  # no block cut in half


def test_a_small_limit_still_keeps_the_summary() -> None:
    md = render_combined_markdown(organization(), limit=5_000)
    assert len(md) <= 5_000
    assert "### Incomplete targets (1)" in md


def test_a_hostile_target_name_stays_text() -> None:
    hostile = "<img src=x onerror=alert(1)>|`*"
    entry = organization().targets[1]  # stage: no hostile text of its own
    md = render(combined([entry.model_copy(update={"name": hostile})]), "markdown")
    assert re.search(r"(?<!\\)<img", md) is None  # "\<" is Markdown's literal "<"
    assert "<b>&lt;img src=x onerror=alert(1)&gt;|`*</b>" in md  # the <details> summary: HTML
    assert r"\<img src=x onerror=alert(1)\>\|\`\*" in md  # the targets table: Markdown


def test_run_errors_past_the_cap_are_counted_not_dropped() -> None:
    errors = [
        DISCOVERY_ERROR.model_copy(update={"message": f"AccessDenied on ou-{i:04d}"})
        for i in range(MAX_INCOMPLETE + 3)
    ]
    md = render(combined([], errors=errors), "markdown")
    caution = md[md.index("> [!CAUTION]") : md.index("| 🟣")]
    assert caution.count("`organizations:ListAccountsForParent`") == MAX_INCOMPLETE
    assert "> - … and 3 more failures of the run" in caution
