"""`auditor matrix`: who can call what, as a grid in the terminal.

Routes down, personas across (a terminal scrolls down; there are fewer personas than routes),
one glyph per verdict and a mark where the verdict differs from what the baseline declares.
The verdicts are the audit's own (checks.run.audit's AccessMatrix): nothing is judged here.
Personas that do not fit the width are shown in further grids of the same routes.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase

from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from auditor.commands.atomic import shown
from auditor.model.access_matrix import AccessMatrix, Column, Verdict, differs
from auditor.model.errors import InputError
from auditor.model.personas import persona_label
from auditor.model.report import Report

GLYPHS: dict[Verdict, str] = {"allowed": "●", "partial": "◐", "denied": "·", "unknown": "?"}
ASCII_GLYPHS: dict[Verdict, str] = {"allowed": "Y", "partial": "p", "denied": ".", "unknown": "?"}
EXCESS, MISSING = "+", "-"
_STYLE = {EXCESS: "bold red", MISSING: "bold yellow", "?": "bold magenta"}
_HEADER_MAX = 12  # a longer persona name is shown as two lines, "group:" above the name
_ROUTE_SHARE = 0.5  # the route column takes at most this share of the width
_COLUMN_CHROME = 3  # padding and separator around each column


@dataclass(frozen=True)
class _Grid:
    personas: list[str]  # column labels
    routes: list[Column]
    # (route index, persona index) -> (verdict, expected); absent: no cell there
    cells: dict[tuple[int, int], tuple[Verdict, bool]]


def render_matrix(
    report: Report,
    *,
    personas: Sequence[str] = (),
    routes: Sequence[str] = (),
    differing_only: bool = False,
    width: int = 80,
    color: bool = False,
    unicode: bool = True,
) -> str:
    """The grid(s), the legend and a one-line count, as text `width` columns wide."""
    grid = _grid(report.access_matrix, personas, routes)
    if differing_only:
        grid = _only_differing(grid)
    glyphs = GLYPHS if unicode else ASCII_GLYPHS
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        force_terminal=color,
        no_color=not color,
        highlight=False,
        soft_wrap=False,
    )
    parts: list[Table | Text] = []
    if report.status == "incomplete":
        parts.append(
            Text(
                f"INCOMPLETE: {report.incomplete_because()}; a cell not shown allowed may "
                "still be reachable",
                style="bold red",
            )
        )
    if not grid.routes or not grid.personas:
        parts.append(Text("No cell to show" + (" differs." if differing_only else ".")))
    else:
        parts.extend(_tables(grid, glyphs, width))
    parts.append(_legend(glyphs))
    parts.append(_count(grid))
    console.print(Group(*parts))
    return buffer.getvalue()


def _grid(matrix: AccessMatrix, personas: Sequence[str], routes: Sequence[str]) -> _Grid:
    labels = [persona_label(row.persona, row.app_client) for row in matrix.rows]
    keep_rows = [
        i
        for i, row in enumerate(matrix.rows)
        if not personas or any(fnmatchcase(row.persona, p) for p in personas)
    ]
    if personas and not keep_rows:
        known = ", ".join(dict.fromkeys(row.persona for row in matrix.rows)) or "none"
        raise InputError("--persona", None, f"{_listed(personas)} matches no persona ({known})")
    keep_columns = [
        i
        for i, column in enumerate(matrix.columns)
        if not routes or any(fnmatchcase(column.route, r) for r in routes)
    ]
    if routes and not keep_columns:
        raise InputError("--route", None, f"{_listed(routes)} matches no live route")
    column_at = {column: at for at, column in enumerate(keep_columns)}
    width = len(matrix.columns)
    cells: dict[tuple[int, int], tuple[Verdict, bool]] = {}
    for persona_at, row_index in enumerate(keep_rows):
        row = matrix.rows[row_index]
        for column, outcome, expected in row.cells(width):
            if column in column_at:
                verdict = matrix.outcomes[outcome].verdict
                cells[(column_at[column], persona_at)] = (verdict, expected)
    return _Grid(
        personas=[labels[i] for i in keep_rows],
        routes=[matrix.columns[i] for i in keep_columns],
        cells=cells,
    )


def _listed(patterns: Sequence[str]) -> str:
    return ", ".join(shown(p) for p in patterns)


def _only_differing(grid: _Grid) -> _Grid:
    """The routes and personas with at least one cell that differs from the baseline."""
    odd = [at for at, (verdict, expected) in grid.cells.items() if differs(verdict, expected)]
    routes = sorted({r for r, _ in odd})
    personas = sorted({p for _, p in odd})
    route_at = {old: new for new, old in enumerate(routes)}
    persona_at = {old: new for new, old in enumerate(personas)}
    return _Grid(
        personas=[grid.personas[p] for p in personas],
        routes=[grid.routes[r] for r in routes],
        cells={
            (route_at[r], persona_at[p]): cell
            for (r, p), cell in grid.cells.items()
            if r in route_at and p in persona_at
        },
    )


def _mark(verdict: Verdict, expected: bool) -> str:
    if not differs(verdict, expected):
        return " "
    return MISSING if expected else EXCESS


def _tables(grid: _Grid, glyphs: dict[Verdict, str], width: int) -> list[Table]:
    several_apis = len({(c.api_id, c.stage) for c in grid.routes}) > 1
    labels = [_route_label(c, several_apis) for c in grid.routes]
    route_width = min(max(len(label) for label in labels), int(width * _ROUTE_SHARE))
    headers = [_header(p) for p in grid.personas]
    tables = []
    for chunk in _chunks(headers, width - route_width - _COLUMN_CHROME):
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
        table.add_column("route", overflow="fold", max_width=route_width)
        for p in chunk:
            table.add_column(headers[p], justify="center", min_width=_header_width(headers[p]))
        if len(chunk) < len(headers):
            table.title = f"personas {chunk[0] + 1}-{chunk[-1] + 1} of {len(headers)}"
            table.title_justify = "left"
        for r, label in enumerate(labels):
            row = [Text(label)]
            for p in chunk:
                cell = grid.cells.get((r, p))
                row.append(_cell(cell, glyphs))
            table.add_row(*row)
        tables.append(table)
    return tables


def _chunks(headers: list[str], room: int) -> list[list[int]]:
    """Persona indices in groups that fit `room` columns (at least one per group)."""
    chunks: list[list[int]] = [[]]
    used = 0
    for at, header in enumerate(headers):
        need = _header_width(header) + _COLUMN_CHROME
        if chunks[-1] and used + need > room:
            chunks.append([])
            used = 0
        chunks[-1].append(at)
        used += need
    return chunks


def _header_width(header: str) -> int:
    return max(len(line) for line in header.splitlines())


def _header(persona: str) -> str:
    """A persona as a column header: `group:` on its own line when the name is long."""
    if len(persona) <= _HEADER_MAX or ":" not in persona:
        return persona
    kind, _, name = persona.partition(":")
    return f"{kind}:\n{name}"


def _route_label(column: Column, several_apis: bool) -> str:
    label = f"{column.api_id}/{column.stage} {column.route}" if several_apis else column.route
    if column.authorization_type != "AWS_IAM":  # not governed by the roles: said so
        label += f" ({column.authorization_type})"
    return label


def _cell(cell: tuple[Verdict, bool] | None, glyphs: dict[Verdict, str]) -> Text:
    if cell is None:
        return Text("")
    verdict, expected = cell
    mark = _mark(verdict, expected)
    style = _STYLE.get(mark) or _STYLE.get(glyphs[verdict], "")
    return Text(f"{glyphs[verdict]}{mark}", style=style)


def _legend(glyphs: dict[Verdict, str]) -> Text:
    legend = Text()
    for verdict in ("allowed", "partial", "denied", "unknown"):
        legend.append(f"{glyphs[verdict]} {verdict}  ")
    legend.append("\n")
    legend.append(f"{EXCESS}", style=_STYLE[EXCESS])
    legend.append(" excess: reachable, not declared  ")
    legend.append(f"{MISSING}", style=_STYLE[MISSING])
    legend.append(" missing: declared, not fully reachable")
    return legend


def _count(grid: _Grid) -> Text:
    excess = missing = unknown = 0
    for verdict, expected in grid.cells.values():
        mark = _mark(verdict, expected)
        excess += mark == EXCESS
        missing += mark == MISSING
        unknown += verdict == "unknown"
    line = (
        f"{len(grid.personas)} personas x {len(grid.routes)} routes: "
        f"{excess + missing} cells differ from the baseline ({excess} excess, {missing} missing)"
    )
    if unknown:
        line += f", {unknown} unknown (not judged: see the policy-unreadable findings)"
    return Text(line)


def stdout_takes_unicode() -> bool:
    encoding = (getattr(sys.stdout, "encoding", None) or "").lower().replace("-", "")
    return encoding in ("utf8", "utf16", "utf32")
