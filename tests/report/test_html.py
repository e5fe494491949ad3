"""The HTML report, read back with the standard library's parser (the browser tests do the rest)."""

from __future__ import annotations

import json
import re
import time
from html.parser import HTMLParser

import pytest

from auditor.model.report import MatrixCell, Verdict
from auditor.report.html import CSP, cell_classes, render_html
from tests.support.reports import (
    HOSTILE_GROUP,
    HOSTILE_STATEMENT,
    SAMPLE_PERSONAS,
    SAMPLE_ROUTES,
    build_report,
    sample_report,
    scaled_report,
)


class Page(HTMLParser):
    """Every start tag with its attributes, the text of each <script>, matrix rows by class."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self.matrix_rows: list[list[str]] = []  # the td classes of each route row
        self.matrix_heads: list[str] = []  # the text of each row header
        self._in_script = False
        self._in_matrix = False
        self._in_row_th = False
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "script":
            self._in_script = True
            self.scripts.append("")
        elif tag == "table":
            self._in_matrix = a.get("id") == "matrix"
        elif self._in_matrix and tag == "tr" and "data-r" in a:
            self.matrix_rows.append([])
            self.matrix_heads.append("")
        elif self._in_matrix and tag == "th" and self.matrix_rows and not self.matrix_rows[-1]:
            self._in_row_th = True
        elif self._in_matrix and tag == "td":
            self.matrix_rows[-1].append(a.get("class") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False
        elif tag == "table":
            self._in_matrix = False
        elif tag == "th":
            self._in_row_th = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data
        elif self._in_row_th:
            self.matrix_heads[-1] += data

    def find(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        return [
            a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())
        ]


@pytest.fixture(scope="module")
def sample_html() -> str:
    return render_html(sample_report())


def test_is_pure_and_self_contained(sample_html: str) -> None:
    assert render_html(sample_report()) == sample_html
    page = Page(sample_html)
    assert page.find("meta", **{"http-equiv": "Content-Security-Policy"})[0]["content"] == CSP
    assert "default-src 'none'" in CSP
    # Nothing may be fetched: no src/href/action/srcset attribute anywhere, no url() or @import.
    for tag, attrs in page.tags:
        assert not {"src", "href", "action", "srcset", "poster"} & attrs.keys(), tag
    assert not re.search(
        r"url\(|@import|https?://", sample_html.replace("http-equiv", ""), re.IGNORECASE
    )


def test_hostile_names_are_text_not_markup(sample_html: str) -> None:
    page = Page(sample_html)
    assert not page.find("img")
    assert [t for t, _ in page.tags].count("script") == 2  # the JSON data and the inline code
    assert sample_html.lower().count("</script") == 2
    assert "&lt;img src=x onerror=alert(1)&gt;" in sample_html
    assert HOSTILE_GROUP not in sample_html
    assert "\u2028" not in sample_html
    # The data block still round-trips to the exact strings.
    data = json.loads(page.scripts[0])
    assert f"group:{HOSTILE_GROUP}" in data["personas"]
    assert HOSTILE_STATEMENT in data["strings"]


def test_status_and_counts() -> None:
    complete = Page(render_html(sample_report()))
    assert complete.find("p", id="status", **{"class": "status ok"})
    incomplete_html = render_html(sample_report(incomplete=True))
    assert Page(incomplete_html).find("div", id="status", **{"class": "status bad"})
    assert "Throttling: Rate exceeded &lt;after 5 retries&gt;" in incomplete_html
    assert "<code>iam:GetRolePolicy</code>" in incomplete_html
    counts = re.findall(r'<b data-severity="(\w+)">(\d+)</b>', incomplete_html)
    assert dict(counts) == {"critical": "1", "high": "2", "medium": "3", "low": "1", "info": "1"}


def test_incomplete_without_findings_never_says_no_drift() -> None:
    report = sample_report(incomplete=True).model_copy(update={"findings": []})
    assert "could be read" in render_html(report)


def test_findings_most_severe_first_with_filters(sample_html: str) -> None:
    page = Page(sample_html)
    rows = [a for a in page.find("tr") if "data-severity" in a]
    assert [r["data-severity"] for r in rows] == [
        "critical",
        "high",
        "high",
        "medium",
        "medium",
        "medium",
        "low",
        "info",
    ]
    assert {o["value"] for o in page.find("option")} >= {
        "",
        "high",
        "excess-route",
        f"group:{HOSTILE_GROUP}",
    }
    new = sample_report().findings[0].fingerprint
    assert re.search(rf'data-fingerprint="{new}">.*?<span class="new">new</span>', sample_html)


def test_matrix_grid_matches_the_cells(sample_html: str) -> None:
    report = sample_report()
    page = Page(sample_html)
    heads = [a["title"] for a in page.find("th", **{"class": "ph"})]
    groups = sorted(p for p in SAMPLE_PERSONAS if p.startswith("group:"))
    assert heads == [*groups, "default", "unauthenticated"]
    by_key = {(c.route, c.persona): c for c in report.access_matrix}
    # Rows by path then method: /admin/users, /health, /items (GET, POST), /items/{id}.
    assert page.matrix_heads == [
        "GET /admin/users",
        "GET /health",
        "GET /items",
        "POST /items",
        "DELETE /items/{id}",
        "GET /items/{id}",
    ]
    assert sorted(page.matrix_heads) == sorted(SAMPLE_ROUTES)
    for route, classes in zip(page.matrix_heads, page.matrix_rows, strict=True):
        assert classes == [cell_classes(by_key[(route, p)]) for p in heads if p]
    flat = [c for row in page.matrix_rows for c in row]
    assert sum("x" in c.split() for c in flat) == 4  # the drift planted by the factory
    assert flat.count("n") == len(SAMPLE_PERSONAS)  # GET /health is public (NONE)


@pytest.mark.parametrize(
    ("verdict", "authorization", "expected", "classes"),
    [
        ("allowed", "AWS_IAM", True, "a"),
        ("partial", "AWS_IAM", True, "p x"),
        ("denied", "AWS_IAM", False, "d"),
        ("denied", "AWS_IAM", True, "d x"),
        ("allowed", "AWS_IAM", False, "a x"),
        ("allowed", "COGNITO_USER_POOLS", True, "n"),
        ("allowed", "NONE", False, "n x"),
    ],
)
def test_cell_classes(verdict: Verdict, authorization: str, expected: bool, classes: str) -> None:
    cell = MatrixCell(
        persona="default",
        role_arn=None,
        api_id="a",
        stage="s",
        route="GET /",
        verdict=verdict,
        authorization_type=authorization,
        expected=expected,
    )
    assert cell_classes(cell) == classes


def test_missing_cells_are_blank_and_sections_are_optional() -> None:
    report = sample_report()
    cells = [
        c for c in report.access_matrix if not (c.persona == "default" and c.route == "GET /items")
    ]
    html = render_html(build_report(report.findings, cells))
    page = Page(html)
    assert sum(row.count("e") for row in page.matrix_rows) == 1
    assert 'id="group-pairs"' not in html and 'id="changes"' not in html
    with_sections = render_html(report)
    assert 'id="group-pairs"' in with_sections and '<b id="changes-resolved">1</b>' in with_sections


def test_empty_report_renders() -> None:
    html = render_html(build_report([], []))
    assert "No findings." in html and "No access matrix" in html


def test_scales_to_50_personas_by_500_routes() -> None:
    report = scaled_report(50, 500, findings=1_000)
    start = time.perf_counter()
    html = render_html(report)
    elapsed = time.perf_counter() - start
    page = Page(html)
    assert len(page.matrix_rows) == 500 and all(len(r) == 50 for r in page.matrix_rows)
    # Lean markup: no per-cell title, handler or data attribute; about 20 bytes a cell.
    cells = [a for t, a in page.tags if t == "td" and a.get("class") in {"a", "p", "d", "n"}]
    assert cells and all(set(a) == {"class"} for a in cells)
    assert "onclick" not in html and "onmouseover" not in html
    assert len(html) < 3_000_000, len(html)
    assert elapsed < 5, elapsed


def test_a_persona_whose_paths_disagree_has_a_column_per_app_client() -> None:
    report = sample_report()
    editors = [c for c in report.access_matrix if c.persona == "group:editors"]
    via = [c.model_copy(update={"app_client": "web"}) for c in editors] + [
        c.model_copy(update={"app_client": "partner", "verdict": "allowed"}) for c in editors
    ]
    cells = [c for c in report.access_matrix if c.persona != "group:editors"] + via
    page = Page(render_html(build_report(report.findings, cells)))
    heads = [a["title"] for a in page.find("th", **{"class": "ph"})]
    assert "group:editors via partner" in heads and "group:editors via web" in heads
    assert "group:editors" not in heads
    partner = heads.index("group:editors via partner")
    assert all(row[partner].split()[0] in ("a", "n") for row in page.matrix_rows)
