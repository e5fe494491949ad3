"""The HTML report, read back with the standard library's parser (the browser tests do the rest)."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest

from auditor.audit.catalog import load_catalog
from auditor.model.report import MatrixCell, Verdict
from auditor.report.html import CSP, cell_classes, render_html
from auditor.report.html_grid import COLUMN_ROLE, collect, grid_data
from tests.report.grid_data import decode, embedded, expected
from tests.support.reports import (
    API_ID,
    HOSTILE_GROUP,
    HOSTILE_STATEMENT,
    SAMPLE_PERSONAS,
    SAMPLE_ROUTES,
    STAGE,
    build_report,
    cell,
    role_arn,
    sample_report,
    scaled_report,
)


class Page(HTMLParser):
    """Every start tag with its attributes and the text of each <script>."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = True
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data

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
    # Nothing may be fetched: no src/action/srcset attribute anywhere, no url() or @import;
    # the only links, followed when clicked, go to a row of the page or a rule's reference.
    references = {url for rule in load_catalog().values() for url in rule.references}
    links = 0
    for tag, attrs in page.tags:
        assert not {"src", "action", "srcset", "poster"} & attrs.keys(), tag
        href = attrs.get("href")
        if href is not None:
            assert tag == "a" and (href.startswith("#") or href in references), href
            links += 1
    assert links
    without_links = re.sub(r'<a href="[^"]*"', "<a", sample_html)
    assert not re.search(
        r"url\(|@import|https?://", without_links.replace("http-equiv", ""), re.IGNORECASE
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


def test_matrix_data_matches_the_cells(sample_html: str) -> None:
    report = sample_report()
    data = embedded(sample_html)
    groups = sorted(p for p in SAMPLE_PERSONAS if p.startswith("group:"))
    assert data["personas"] == [*groups, "default", "unauthenticated"]
    # Rows by path then method: /admin/users, /health, /items (GET, POST), /items/{id}.
    assert [route for _, _, route in data["routes"]] == [
        "GET /admin/users",
        "GET /health",
        "GET /items",
        "POST /items",
        "DELETE /items/{id}",
        "GET /items/{id}",
    ]
    shown = decode(data)
    assert shown == expected(report.access_matrix)
    classes = [s.classes for s in shown.values()]
    assert sum("x" in c.split() for c in classes) == 4  # the drift planted by the factory
    assert classes.count("n") == len(SAMPLE_PERSONAS)  # GET /health is public (NONE)
    # One string per persona, a character per route; the grid's frame, not its cells, is markup.
    assert [len(codes) for codes in data["codes"]] == [len(SAMPLE_ROUTES)] * len(SAMPLE_PERSONAS)
    matrix_section = sample_html.split('id="matrix-section"')[1].split("</section>")[0]
    assert "<td" not in matrix_section and 'id="matrix"' in matrix_section
    assert "4 differ from the baseline" in sample_html


def test_personas_that_share_a_verdict_share_its_detail() -> None:
    # 60 personas, each its own role: a detail names its column's role instead of its own,
    # so a route's "denied" is one detail for every persona.
    routes = [f"{verb} /r{n}" for n in range(10) for verb in ("GET", "PUT")]
    cells = [
        cell(
            f"group:g{p:02d}",
            route,
            "allowed" if (p + r) % 7 == 0 else "denied",
            expected=False,
            role=role_arn(f"role-{p:02d}"),
            reasons=("the same reason",),
        )
        for p in range(60)
        for r, route in enumerate(routes)
    ]
    data = embedded(render_html(build_report([], cells)))
    assert len(data["details"]) == 2 * len(routes)  # allowed or denied, per route
    assert {d[8] for d in data["details"]} == {COLUMN_ROLE}
    assert decode(data) == expected(cells)


def test_a_cell_whose_role_is_not_its_columns_keeps_its_own() -> None:
    report = sample_report()
    odd = role_arn("odd-one-out")
    cells = [
        c.model_copy(update={"role_arn": odd})
        if c.persona == "default" and c.route == "POST /items"
        else c
        for c in report.access_matrix
    ]
    shown = decode(embedded(render_html(build_report(report.findings, cells))))
    assert shown[(API_ID, STAGE, "POST /items", "default")].role == odd
    assert shown[(API_ID, STAGE, "GET /items", "default")].role == role_arn("app-default")
    assert shown == expected(cells)


class OnlyIterable:
    """The access matrix as the report may hold it: iterable (again and again) and sized,
    never indexed."""

    def __init__(self, cells: list[MatrixCell]) -> None:
        self._cells = cells

    def __iter__(self) -> Iterator[MatrixCell]:
        return iter(self._cells)

    def __len__(self) -> int:
        return len(self._cells)


def test_the_grid_does_not_depend_on_the_order_of_the_cells() -> None:
    cells = list(scaled_report(12, 30).access_matrix)  # route by route, not persona by persona
    by_persona = sorted(cells, key=lambda c: c.persona)
    shuffled = cells[:]
    random.Random(13).shuffle(shuffled)
    grids = [grid_data(collect(OnlyIterable(order))) for order in (cells, by_persona, shuffled)]
    assert decode(grids[0]) == decode(grids[1]) == decode(grids[2]) == expected(cells)
    assert grids[0]["codes"] == grids[1]["codes"] == grids[2]["codes"]


def test_hostile_text_cannot_leave_the_data_block() -> None:
    report = sample_report()
    persona = "group:</script><script>alert(3)</script>"
    route = "GET /<!--<script>/</SCRIPT >"
    reason = "</script\u2028\u2029\x3c!-- & &amp; ]]> \\u003c/script>"
    cells = [
        c.model_copy(
            update={
                "persona": persona if c.persona == "default" else c.persona,
                "route": route if c.route == "GET /items" else c.route,
                "reasons": (reason,),
            }
        )
        for c in report.access_matrix
    ]
    html = render_html(build_report(report.findings, cells))
    data_block = html[html.index('id="matrix-data">') : html.index("</script>")]
    assert "<" not in data_block.removeprefix('id="matrix-data">')
    assert html.lower().count("</script") == 2 and "<!--" not in html
    assert "\u2028" not in html and "\u2029" not in html
    page = Page(html)
    assert [t for t, _ in page.tags].count("script") == 2
    shown = decode(embedded(html))
    assert shown[(API_ID, STAGE, route, persona)].reasons == (reason,)
    assert shown == expected(cells)


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
        # A stage whose deployment could not be read: unjudged, whatever the authorization.
        ("unknown", "NONE", False, "u"),
        ("unknown", "COGNITO_USER_POOLS", True, "u"),
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


def test_an_unjudged_non_iam_cell_counts_as_unknown() -> None:
    cell = MatrixCell(
        persona="default",
        role_arn=None,
        api_id=API_ID,
        stage=STAGE,
        route="GET /health",
        verdict="unknown",
        authorization_type="NONE",
        expected=True,
    )
    assert collect([cell]).unknown == 1


def test_missing_cells_are_blank_and_sections_are_optional() -> None:
    report = sample_report()
    cells = [
        c for c in report.access_matrix if not (c.persona == "default" and c.route == "GET /items")
    ]
    html = render_html(build_report(report.findings, cells))
    data = embedded(html)
    assert sum(codes.count("-") for codes in data["codes"]) == 1
    assert data["classes"]["-"] == "e"
    assert decode(data) == expected(cells)
    assert 'id="group-pairs"' not in html and 'id="changes"' not in html
    with_sections = render_html(report)
    assert 'id="group-pairs"' in with_sections and '<b id="changes-resolved">1</b>' in with_sections


def test_empty_report_renders() -> None:
    html = render_html(build_report([], []))
    assert "No findings." in html and "No access matrix" in html
    assert embedded(html)["personas"] == []


def test_a_large_matrix_is_compact_data() -> None:
    report = scaled_report(50, 500, findings=1_000)
    html = render_html(report)
    assert "<td" not in html.split('id="matrix-section"')[1].split("</section>")[0]
    data = embedded(html)
    assert decode(data) == expected(report.access_matrix)
    # About a character a cell; the findings are most of the page.
    assert len(html) < 1_500_000, len(html)


def test_a_persona_whose_paths_disagree_has_a_column_per_app_client() -> None:
    report = sample_report()
    editors = [c for c in report.access_matrix if c.persona == "group:editors"]
    via = [c.model_copy(update={"app_client": "web"}) for c in editors] + [
        c.model_copy(update={"app_client": "partner", "verdict": "allowed"}) for c in editors
    ]
    cells = [c for c in report.access_matrix if c.persona != "group:editors"] + via
    data = embedded(render_html(build_report(report.findings, cells)))
    assert "group:editors via partner" in data["personas"]
    assert "group:editors via web" in data["personas"]
    assert "group:editors" not in data["personas"]
    partner = data["codes"][data["personas"].index("group:editors via partner")]
    assert set(partner) <= {"a", "A", "n", "N"}
    assert decode(data) == expected(cells)
