"""`auditor matrix`: who can call what, as a grid in the terminal.

Routes down, personas across (a terminal scrolls down; there are fewer personas than routes),
one glyph per verdict and a mark where the verdict differs from what the baseline declares.
The verdicts are the audit's own (checks.run.audit's AccessMatrix): nothing is judged here.
Personas that do not fit the width are shown in further grids of the same routes.

The grid is laid out by hand, line by line, rather than as a rich Table: every cell is two
characters in a column of known width, and a rich Table took 4 s for 10,000 cells where a
1,000-group audit has a million.
"""

from __future__ import annotations

import sys
import textwrap
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase

from auditor.commands.atomic import shown
from auditor.model.access_matrix import AccessMatrix, Column, Verdict, differs
from auditor.model.errors import InputError
from auditor.model.personas import persona_label
from auditor.model.report import Report

VERDICTS: tuple[Verdict, ...] = ("allowed", "partial", "denied", "unknown")
GLYPHS: dict[Verdict, str] = {"allowed": "●", "partial": "◐", "denied": "·", "unknown": "?"}
ASCII_GLYPHS: dict[Verdict, str] = {"allowed": "Y", "partial": "p", "denied": ".", "unknown": "?"}
SAME, EXCESS, MISSING = " ", "+", "-"
_MARK_STYLE = {EXCESS: "bold red", MISSING: "bold yellow"}
_UNKNOWN_STYLE = "bold magenta"
_HEADER_MAX = 12  # a longer persona name is shown as two lines, "group:" above the name
_ROUTE_SHARE = 0.5  # the route column takes at most this share of the width
_GAP = "  "  # between columns
_NO_CELL = -1  # a persona without a cell for this route (a scoped matrix)


@dataclass(frozen=True)
class _Grid:
    personas: list[str]  # column labels, in the matrix's order
    routes: list[Column]
    # Per persona, per route: a cell code (see _code), or _NO_CELL.
    codes: list[list[int]]


def _code(verdict: Verdict, expected: bool) -> int:
    """A cell as one small int: its verdict and its mark (same, excess, missing)."""
    mark = 0 if not differs(verdict, expected) else (2 if expected else 1)
    return VERDICTS.index(verdict) * 3 + mark


def _decode(code: int) -> tuple[Verdict, str]:
    return VERDICTS[code // 3], (SAME, EXCESS, MISSING)[code % 3]


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
    """The grid(s), the legend and a one-line count, as text at most `width` columns wide
    (a route too long for its column is folded)."""
    grid = _grid(report.access_matrix, personas, routes)
    if differing_only:
        grid = _only_differing(grid)
    paint = _Painter(color)
    glyphs = GLYPHS if unicode else ASCII_GLYPHS
    lines: list[str] = []
    if report.status == "incomplete":
        why = (
            f"INCOMPLETE: {report.incomplete_because()}; a cell not shown allowed may still "
            "be reachable"
        )
        lines.extend(paint(line, "bold red") for line in textwrap.wrap(why, width))
    if not grid.routes or not grid.personas:
        lines.append("No cell to show" + (" differs." if differing_only else "."))
    else:
        lines.extend(_grids(grid, glyphs, width, paint, rule="─" if unicode else "-"))
    lines.extend(_legend(glyphs, paint, width))
    lines.extend(textwrap.wrap(_count(grid), width))
    return "\n".join(lines) + "\n"


def _grid(matrix: AccessMatrix, personas: Sequence[str], routes: Sequence[str]) -> _Grid:
    rows = [
        row
        for row in matrix.rows
        if not personas or any(fnmatchcase(row.persona, p) for p in personas)
    ]
    if personas and not rows:
        known = ", ".join(dict.fromkeys(row.persona for row in matrix.rows)) or "none"
        raise InputError("--persona", None, f"{_listed(personas)} matches no persona ({known})")
    kept = [
        i
        for i, column in enumerate(matrix.columns)
        if not routes or any(fnmatchcase(column.route, r) for r in routes)
    ]
    if routes and not kept:
        raise InputError("--route", None, f"{_listed(routes)} matches no live route")
    place = {column: at for at, column in enumerate(kept)}
    width = len(matrix.columns)
    verdicts = [outcome.verdict for outcome in matrix.outcomes]
    codes = []
    for row in rows:
        line = [_NO_CELL] * len(kept)
        for column, outcome, expected in row.cells(width):
            at = place.get(column)
            if at is not None:
                line[at] = _code(verdicts[outcome], expected)
        codes.append(line)
    return _Grid(
        personas=[persona_label(row.persona, row.app_client) for row in rows],
        routes=[matrix.columns[i] for i in kept],
        codes=codes,
    )


def _listed(patterns: Sequence[str]) -> str:
    return ", ".join(shown(p) for p in patterns)


def _only_differing(grid: _Grid) -> _Grid:
    """The routes and personas with at least one cell that differs from the baseline."""
    personas = [p for p, line in enumerate(grid.codes) if any(c >= 0 and c % 3 for c in line)]
    routes = sorted({r for p in personas for r, c in enumerate(grid.codes[p]) if c >= 0 and c % 3})
    return _Grid(
        personas=[grid.personas[p] for p in personas],
        routes=[grid.routes[r] for r in routes],
        codes=[[grid.codes[p][r] for r in routes] for p in personas],
    )


class _Painter:
    """Styles as ANSI codes when colour is wanted (rich imported only then)."""

    def __init__(self, color: bool) -> None:
        self._color = color
        self._cache: dict[tuple[str, str], str] = {}

    def __call__(self, text: str, style: str) -> str:
        if not self._color or not style:
            return text
        key = (text, style)
        if key not in self._cache:
            from rich.color import ColorSystem
            from rich.style import Style

            self._cache[key] = Style.parse(style).render(text, color_system=ColorSystem.STANDARD)
        return self._cache[key]


def _grids(
    grid: _Grid, glyphs: dict[Verdict, str], width: int, paint: _Painter, rule: str
) -> Iterator[str]:
    several_apis = len({(c.api_id, c.stage) for c in grid.routes}) > 1
    labels = [_route_label(c, several_apis) for c in grid.routes]
    route_width = max(5, min(max(len(label) for label in labels), int(width * _ROUTE_SHARE)))
    headers = [_header(p) for p in grid.personas]
    widths = [max(2, *(len(line) for line in header)) for header in headers]
    cells = _cell_texts(glyphs, paint)
    chunks = _chunks(widths, width - route_width)
    for chunk in chunks:
        if len(chunks) > 1:
            title = f"personas {chunk[0] + 1}-{chunk[-1] + 1} of {len(headers)}"
            yield paint(title, "bold")
        depth = max(len(headers[p]) for p in chunk)
        for at in range(depth):  # headers of one line or two, aligned at the bottom
            names = [_line_of(headers[p], at, depth).center(widths[p]) for p in chunk]
            first = "route" if at == depth - 1 else ""
            yield (first.ljust(route_width) + _GAP + _GAP.join(names)).rstrip()
        yield rule * (route_width + sum(len(_GAP) + widths[p] for p in chunk))
        for r, label in enumerate(labels):
            folded = [label[i : i + route_width] for i in range(0, len(label), route_width)]
            texts = []
            for p in chunk:
                code = grid.codes[p][r]
                texts.append(
                    " " * widths[p] if code == _NO_CELL else _centre_cell(cells[code], widths[p])
                )
            yield (folded[0].ljust(route_width) + _GAP + _GAP.join(texts)).rstrip()
            yield from folded[1:]


def _cell_texts(glyphs: dict[Verdict, str], paint: _Painter) -> dict[int, str]:
    """Every cell code as shown: glyph and mark, painted."""
    texts = {}
    for verdict in VERDICTS:
        for mark in (SAME, EXCESS, MISSING):
            code = VERDICTS.index(verdict) * 3 + (SAME, EXCESS, MISSING).index(mark)
            style = _MARK_STYLE.get(mark) or (_UNKNOWN_STYLE if verdict == "unknown" else "")
            texts[code] = paint(glyphs[verdict] + mark, style)
    return texts


def _centre_cell(text: str, width: int) -> str:
    """A two-character cell (maybe painted) centred in `width`: the glyph where a centred
    one-character glyph would stand, the mark after it."""
    left = (width - 1) // 2
    return " " * left + text + " " * (width - left - 2)


def _line_of(header: list[str], at: int, depth: int) -> str:
    offset = at - (depth - len(header))
    return header[offset] if offset >= 0 else ""


def _chunks(widths: list[int], room: int) -> list[list[int]]:
    """Persona indices in groups that fit `room` columns (at least one per group)."""
    chunks: list[list[int]] = [[]]
    used = 0
    for at, width in enumerate(widths):
        need = width + len(_GAP)
        if chunks[-1] and used + need > room:
            chunks.append([])
            used = 0
        chunks[-1].append(at)
        used += need
    return chunks


def _header(persona: str) -> list[str]:
    """A persona as a column header: `group:` on a line above the name when it is long."""
    if len(persona) <= _HEADER_MAX or ":" not in persona:
        return [persona]
    kind, _, name = persona.partition(":")
    return [f"{kind}:", name]


def _route_label(column: Column, several_apis: bool) -> str:
    label = f"{column.api_id}/{column.stage} {column.route}" if several_apis else column.route
    if column.authorization_type != "AWS_IAM":  # not governed by the roles: said so
        label += f" ({column.authorization_type})"
    return label


def _legend(glyphs: dict[Verdict, str], paint: _Painter, width: int) -> list[str]:
    verdicts = "  ".join(f"{glyphs[v]} {v}" for v in VERDICTS)
    excess = f"{EXCESS} excess: reachable, not declared"
    missing = f"{MISSING} missing: declared, not fully reachable"
    painted = [paint(m[0], _MARK_STYLE[m[0]]) + m[1:] for m in (excess, missing)]
    if len(excess) + len(missing) + 2 > width:
        return [verdicts, *painted]
    return [verdicts, "  ".join(painted)]


def _count(grid: _Grid) -> str:
    codes: Counter[int] = Counter()
    for line in grid.codes:
        codes.update(line)
    excess = missing = unknown = 0
    for code, count in codes.items():
        if code == _NO_CELL:
            continue
        verdict, mark = _decode(code)
        excess += count if mark == EXCESS else 0
        missing += count if mark == MISSING else 0
        unknown += count if verdict == "unknown" else 0
    text = (
        f"{len(grid.personas)} personas x {len(grid.routes)} routes: "
        f"{excess + missing} cells differ from the baseline ({excess} excess, {missing} missing)"
    )
    if unknown:
        text += f", {unknown} unknown (not judged: see the policy-unreadable findings)"
    return text


def stdout_takes_unicode() -> bool:
    encoding = (getattr(sys.stdout, "encoding", None) or "").lower().replace("-", "")
    return encoding in ("utf8", "utf16", "utf32")
