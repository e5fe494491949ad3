"""The access matrix of the HTML report: compact data for a grid the page's script draws.

A 1,000 personas x 500 routes matrix has half a million cells: as markup it takes seconds to
render and gives a DOM no browser can use. So the page embeds, per persona column, one string
with a character per route (its verdict class, upper case where the cell differs from the
baseline) and a table of the distinct cell details the columns point into; the script draws
only the rows and columns in view (or the whole grid when it is small) and filters across all
of it. Every cell is read once, in whatever order the report holds them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from html import escape
from operator import attrgetter
from typing import Any

from auditor.model.findings import Finding, Severity
from auditor.model.personas import persona_label, reading_order
from auditor.model.report import MatrixCell

# One-letter classes keep the grid small; the CSS and the legend give them meaning.
VERDICT_CLASS = {"allowed": "a", "partial": "p", "denied": "d", "unknown": "u"}
NOT_IAM_CLASS = "n"
DIFFERS_CLASS = "x"
EMPTY_CLASS = "e"  # a persona x route the audit did not evaluate
MISSING_CODE = "-"
# A cell's code: its verdict class, upper case when it differs from the baseline.
CODE_CLASSES = {
    **{c: c for c in (*VERDICT_CLASS.values(), NOT_IAM_CLASS)},
    **{c.upper(): f"{c} {DIFFERS_CLASS}" for c in (*VERDICT_CLASS.values(), NOT_IAM_CLASS)},
    MISSING_CODE: EMPTY_CLASS,
}
# A detail whose role is its column's role says so with this instead of a string index, so
# the personas that share a verdict for a route share one detail.
COLUMN_ROLE = -2
# Up to this many cells (after filtering) the script draws the whole grid, which then prints
# and can be searched like any table; above it, only the rows and columns in view.
FULL_GRID_CELLS = 25_000

RouteKey = tuple[str, str, str]  # api_id, stage, route
_Detail = tuple[Any, ...]


def cell_code(cell: MatrixCell) -> str:
    """The one character the page stores for a cell (its classes, see CODE_CLASSES)."""
    # Unknown first: a stage whose deployment could not be read leaves even its non-IAM
    # routes unjudged, and they must count (and filter) as such, never as "not IAM".
    iam = cell.iam_governed or cell.verdict == "unknown"
    code = VERDICT_CLASS[cell.verdict] if iam else NOT_IAM_CLASS
    return code.upper() if cell.differs_from_baseline else code


def cell_classes(cell: MatrixCell) -> str:
    """The CSS classes of a matrix cell: its verdict (or not IAM-governed), and drift."""
    return CODE_CLASSES[cell_code(cell)]


def route_order(key: RouteKey) -> tuple[str, str, str, str]:
    """Routes by API, stage, path, then method."""
    api_id, stage, route = key
    method, _, path = route.partition(" ")
    return api_id, stage, path or method, method if path else ""


@dataclass
class _Column:
    role: str | None
    route_ids: list[int] = field(default_factory=list)
    details: list[tuple[int, str]] = field(default_factory=list)  # (detail index, code)


# attrgetter reads a cell's fields in one call: this loop runs half a million times.
_PERSONA = attrgetter("persona", "app_client")
_ROUTE = attrgetter("api_id", "stage", "route")
_DETAIL = attrgetter(
    "verdict",
    "authorization_type",
    "expected",
    "allowing",
    "denying",
    "reasons",
    "witness_allowed",
    "witness_denied",
)


@dataclass
class Grid:
    personas: list[str]  # the columns, in reading order
    routes: list[RouteKey]  # the rows, by API, stage, path and method
    roles: list[str | None]  # each column's role
    codes: list[str]  # per column, a character per row
    cell_details: list[list[int]]  # per column: its usual detail, then (row, detail) pairs
    details: list[_Detail]
    differing: int
    unknown: int


def collect(cells: Iterable[MatrixCell]) -> Grid:
    """The grid of `cells`, in one pass over them (any order; a later duplicate wins)."""
    columns: dict[str, _Column] = {}
    route_ids: dict[RouteKey, int] = {}
    # A detail and the cell's code, computed once for all the cells that share the detail:
    # the code depends only on the verdict, authorization type and expectation, all in it.
    details: dict[tuple[_Detail, str | int | None], tuple[int, str]] = {}
    last: tuple[str, str | None] | None = None
    column = _Column(role=None)
    for cell in cells:
        persona = _PERSONA(cell)
        if persona != last:  # cells come persona by persona: one label per block
            last = persona
            label = persona_label(*persona)
            column = columns.setdefault(label, _Column(role=cell.role_arn))
        route = _ROUTE(cell)
        route_id = route_ids.get(route)
        if route_id is None:
            route_id = route_ids[route] = len(route_ids)
        role = cell.role_arn
        key = (_DETAIL(cell), COLUMN_ROLE if role == column.role else role)
        try:
            detail = details.get(key)
        except TypeError:  # lists where the model says tuples: hashable copies
            key = (tuple(tuple(v) if isinstance(v, list) else v for v in key[0]), key[1])
            detail = details.get(key)
        if detail is None:
            detail = details[key] = (len(details), cell_code(cell))
        column.route_ids.append(route_id)
        column.details.append(detail)

    routes = sorted(route_ids, key=route_order)
    row_of = [0] * len(routes)
    for row, route in enumerate(routes):
        row_of[route_ids[route]] = row
    personas = sorted(columns, key=reading_order)
    codes: list[str] = []
    cell_details: list[list[int]] = []
    for label in personas:
        column = columns[label]
        row_codes = [MISSING_CODE] * len(routes)
        row_details = [-1] * len(routes)
        for route_id, (index, code) in zip(column.route_ids, column.details, strict=True):
            row = row_of[route_id]
            row_codes[row] = code
            row_details[row] = index
        codes.append("".join(row_codes))
        cell_details.append(_sparse(row_details))
    text = "".join(codes)
    return Grid(
        personas=personas,
        routes=routes,
        roles=[columns[label].role for label in personas],
        codes=codes,
        cell_details=cell_details,
        details=[(*detail, role) for detail, role in details],
        differing=sum(text.count(c) for c in CODE_CLASSES if c.isupper()),
        unknown=text.count("u") + text.count("U"),
    )


def _sparse(row_details: list[int]) -> list[int]:
    """A column's details as its most common one, then (row, detail) for every other cell:
    most cells of a column share one detail (denied, for the same reason)."""
    counts = Counter(d for d in row_details if d >= 0)
    usual = counts.most_common(1)[0][0] if counts else -1
    out = [usual]
    for row, detail in enumerate(row_details):
        if detail != usual and detail >= 0:
            out += (row, detail)
    return out


def exposed_rows(routes: list[RouteKey], findings: Iterable[Finding]) -> dict[int, str]:
    """The rows (as indexes into `routes`) of the routes a route-not-iam finding names, with
    the finding's severity: served without AWS_IAM and not in public_routes, unlike an
    intended public route. The finding names its stage only where the stages disagree."""
    named: dict[tuple[str, str], list[tuple[str | None, Finding]]] = {}
    for f in findings:
        if f.rule_id == "route-not-iam" and f.api_id and f.route:
            stage = f.evidence.get("stage")
            named.setdefault((f.api_id, f.route), []).append(
                (stage if isinstance(stage, str) else None, f)
            )
    rows: dict[int, str] = {}
    for row, (api_id, stage, route) in enumerate(routes):
        for on_stage, f in named.get((api_id, route), ()):
            if on_stage in (None, stage):
                known = rows.get(row)
                if known is None or f.severity.rank > Severity(known).rank:
                    rows[row] = f.severity.value
    return rows


def grid_data(grid: Grid, exposed: dict[int, str] | None = None) -> dict[str, Any]:
    """What the script needs, with every string interned (roles and statements repeat).
    `exposed`: the rows of exposed_rows, which the script colours by severity."""
    strings: list[str] = []
    index: dict[str, int] = {}

    def s(value: str | None) -> int:
        if value is None:
            return -1
        found = index.get(value)
        if found is None:
            found = index[value] = len(strings)
            strings.append(value)
        return found

    details = [
        [
            verdict,
            s(authorization),
            int(expected),
            [s(x) for x in allowing],
            [s(x) for x in denying],
            [s(x) for x in reasons],
            s(witness_allowed),
            s(witness_denied),
            role if role == COLUMN_ROLE else s(role),
        ]
        for (
            verdict,
            authorization,
            expected,
            allowing,
            denying,
            reasons,
            witness_allowed,
            witness_denied,
            role,
        ) in grid.details
    ]
    return {
        "personas": grid.personas,
        "routes": [list(r) for r in grid.routes],
        "roles": [s(r) for r in grid.roles],
        "codes": grid.codes,
        "cellDetails": grid.cell_details,
        "details": details,
        "strings": strings,
        "classes": CODE_CLASSES,
        "fullGridCells": FULL_GRID_CELLS,
        "exposed": {str(row): severity for row, severity in (exposed or {}).items()},
    }


def escaped(value: object) -> str:
    """`value` as HTML text or attribute value: every string from AWS goes through it."""
    return escape(str(value), quote=True)


_e = escaped


LEGEND = (
    '<ul class="legend">'
    '<li><span class="sw a"></span>allowed</li><li><span class="sw p"></span>partial '
    '(some requests or conditional)</li><li><span class="sw d"></span>denied</li>'
    '<li><span class="sw u"></span>unknown (the auditor could not judge it: never read '
    "as denied)</li>"
    '<li><span class="sw n"></span>not IAM-governed and listed in public_routes '
    "(public as intended)</li>"
    '<li><span class="sw n pub-critical"></span>public and not in public_routes '
    "(route-not-iam, critical)</li>"
    '<li><span class="sw n pub-high"></span>not IAM-governed and not in public_routes '
    "(route-not-iam, high)</li>"
    '<li><span class="sw d x"></span>differs from the baseline</li>'
    '<li><span class="sw e"></span>not evaluated</li></ul>'
)


def matrix_section(grid: Grid, note: str | None = None) -> str:
    """The section's frame: heading, legend and filters; the script draws the grid in it.
    `note`: what the matrix leaves out (Report.matrix_note), said first."""
    said = "" if note is None else f'<p class="status">{escape(note)}</p>'
    if not grid.personas:
        return (
            '<section id="matrix-section"><h2>Access matrix</h2>'
            f"{said}<p>No access matrix in this report.</p></section>"
        )
    unjudged = f", {grid.unknown} could not be judged" if grid.unknown else ""
    filters = (
        '<div class="mfilters no-print">'
        '<label>Persona <input type="search" id="matrix-persona" placeholder="group:"></label>'
        '<label>Route <input type="search" id="matrix-route" placeholder="GET /items"></label>'
        '<label><input type="checkbox" id="only-drift"> only routes and personas with a cell '
        "that differs from the baseline or could not be judged</label>"
        '<output id="matrix-shown"></output></div>'
        '<p class="no-print hint">Hover a cell for a summary, click it for details; in the '
        "grid, the arrow keys, Page Up/Down, Home/End move and Enter opens.</p>"
    )
    return (
        f'<section id="matrix-section"><h2>Access matrix ({len(grid.personas)} personas x '
        f"{len(grid.routes)} routes, {grid.differing} differ from the baseline{unjudged})</h2>"
        f"{said}{LEGEND}{filters}"
        '<noscript><p class="status bad">The access matrix is drawn by the page\'s script: '
        "allow scripts to see it (the findings above are complete without it).</p></noscript>"
        '<p class="print-only" id="matrix-print-note" hidden></p>'
        '<div class="mwrap" tabindex="0" aria-label="Access matrix, routes by personas">'
        '<div class="mcanvas"><div class="mview"><table id="matrix" role="grid"></table>'
        "</div></div></div></section>"
    )
