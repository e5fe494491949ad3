"""The combined HTML report's text: one page, one copy of the CSS and scripts, the summary
first, each target's section made of the single report's own parts."""

from __future__ import annotations

import re
from importlib.resources import files

from auditor.report.combined_html import combined_html_chunks
from auditor.report.html import render_html
from auditor.report.render import render
from tests.report.combined_reports import combined, organization, scaled_organization

ASSETS = files("auditor.report") / "html_assets"


def test_one_copy_of_the_css_and_scripts_whatever_the_targets() -> None:
    html = render(scaled_organization(12, personas=3, routes=4), "html")
    assert html.count("<style>") == 1
    assert html.count("<script>") == 1  # the rest are JSON data, one per target
    assert html.count('<script type="application/json" id="matrix-data">') == 12
    assert html.count("<template>") == 12
    grid = ASSETS.joinpath("grid.js").read_text(encoding="utf-8")
    assert html.count(grid) == 1


def test_each_target_is_the_single_reports_parts() -> None:
    report = organization()
    html = render(report, "html")
    for entry in report.targets:
        own = render_html(entry.report)
        for section in ("findings-section", "matrix-section", "glance"):
            found = re.search(f'<section id="{section}">.*?</section>', own, re.S)
            assert found is not None
            assert found.group(0) in html, (entry.name, section)


def test_summary_comes_before_every_target() -> None:
    html = render(organization(discovery_failed=True), "html")
    order = [
        html.index('id="org-status"'),
        html.index('id="worst"'),
        html.index('id="incomplete"'),
        html.index('id="rule-counts"'),
        html.index('id="target-list"'),
        html.index('id="target-0"'),
        html.index('id="target-3"'),
        html.index('id="rules-section"'),
    ]
    assert order == sorted(order)
    assert "ListAccountsForParent" in html


def test_streamed_a_target_at_a_time() -> None:
    report = scaled_organization(8, personas=3, routes=4)
    chunks = list(combined_html_chunks(report))
    assert len(chunks) == 8 + 2
    assert "".join(chunks) == render(report, "html")


def test_no_targets() -> None:
    html = render(combined([]), "html")
    assert 'id="no-targets"' in html and "<template>" not in html


def test_the_single_scripts_use_only_what_the_combined_page_scopes() -> None:
    """combined.js runs report.js and grid.js per target with its own document and window:
    a member they start to use must be added there (or the open target breaks)."""
    scoped = ASSETS.joinpath("combined.js").read_text(encoding="utf-8")
    provided = {
        "document": set(
            re.findall(r"\n    (\w+): ", scoped.split("var scopedDocument")[1].split("};")[0])
        ),
        "window": set(
            re.findall(r"\n    (\w+): ", scoped.split("var scopedWindow")[1].split("};")[0])
        ),
    }
    assert provided["document"] == {
        "getElementById",
        "createElement",
        "createDocumentFragment",
        "addEventListener",
    }
    for name in ("report.js", "grid.js"):
        text = ASSETS.joinpath(name).read_text(encoding="utf-8")
        for scope in ("document", "window"):
            used = set(re.findall(rf"\b{scope}\.(\w+)", text))
            assert used <= provided[scope], (name, scope, used - provided[scope])


def test_a_hostile_target_name_stays_text() -> None:
    hostile = "<img src=x onerror=alert(1)></template><script>alert(2)</script>"
    entry = organization().targets[1]  # stage: no hostile text of its own
    html = render(combined([entry.model_copy(update={"name": hostile})]), "html")
    assert "<img" not in html and "</template><script>" not in html
    assert html.count("&lt;img src=x onerror=alert(1)&gt;") >= 3  # worst, every target, section
    assert html.count("<h1>") == 1  # each target's own title left out of its section
