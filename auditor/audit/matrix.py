"""The access matrix: persona x live route -> verdict (see verdicts.py).

The audit works on `Cell`s, which keep references to what decided them; only the report's
copy becomes `MatrixCell`s (`report_cells`), once every check is done.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from auditor.audit.evaluator import AccessEvaluator
from auditor.audit.resolve import Resolution
from auditor.audit.routes import ApiStage, RouteIndex, declares, iter_routes
from auditor.audit.verdicts import verdict_for
from auditor.model.baseline import Baseline, RoutePattern
from auditor.model.report import MatrixCell
from auditor.model.snapshot import Route, Snapshot
from auditor.policy import RouteVerdict, StatementRef


@dataclass(slots=True, eq=False)
class Cell:
    """One persona x live route, as the checks see it. Read-only by convention: half a
    million of them are built, and a frozen dataclass is slower to build."""

    resolution: Resolution
    api_stage: ApiStage
    route: Route
    verdict: RouteVerdict  # with examples only if partial, as the report shows it
    expected: bool  # the baseline declares this route for this persona (or it is public)


def build_matrix(
    snapshot: Snapshot,
    baseline: Baseline,
    resolutions: list[Resolution],
    evaluator: AccessEvaluator,
) -> list[Cell]:
    """Persona by persona (in `resolutions`' order), each in the same route order: CellIndex
    relies on that layout."""
    cells = []
    routes = list(iter_routes(snapshot, baseline))
    index = RouteIndex((route, route) for _, route in routes)
    # A declared public route is meant for everyone; reaching it is no drift.
    public = {
        id(route)
        for _, route in routes
        if route.authorization_type != "AWS_IAM" and declares(baseline.public_routes, route)
    }
    named: dict[int, set[int]] = {}  # id(pattern) -> ids of its routes; patterns outlive it
    shown: dict[tuple[object, ...], RouteVerdict] = {}
    for resolution in resolutions:
        declared = _named(index, baseline.declared_routes(resolution.persona), named)
        expected = public | declared
        for api_stage, route in routes:
            verdict = _as_shown(verdict_for(evaluator, resolution, api_stage, route), shown)
            cells.append(Cell(resolution, api_stage, route, verdict, id(route) in expected))
    return cells


def _as_shown(verdict: RouteVerdict, shown: dict[tuple[object, ...], RouteVerdict]) -> RouteVerdict:
    """The verdict as the matrix keeps it: examples only on a partial verdict (for the others
    the route itself is one).

    Dropped as the matrix is built, so they are freed at once rather than after every check
    (where they would leave holes in memory), and what remains is one object per distinct
    outcome: cells that say the same share it. `shown` holds them; each keeps the statement
    lists whose ids its key names alive.
    """
    if verdict.verdict == "partial":
        return verdict
    key = (verdict.verdict, id(verdict.allowing), id(verdict.denying), *verdict.reasons)
    kept = shown.get(key)
    if kept is None:
        witnessed = verdict.witness_allowed or verdict.witness_denied
        kept = shown[key] = (
            replace(verdict, witness_allowed=None, witness_denied=None) if witnessed else verdict
        )
    return kept


def _named(
    index: RouteIndex[Route], patterns: list[RoutePattern], named: dict[int, set[int]]
) -> set[int]:
    """ids of the routes the patterns name. Each pattern is looked up once: every signed-in
    persona declares the same all_users patterns (the baseline's own objects)."""
    ids: set[int] = set()
    for pattern in patterns:
        hit = named.get(id(pattern))
        if hit is None:
            hit = named[id(pattern)] = index.covered((pattern,))
        ids |= hit
    return ids


class CellIndex:
    """A persona's cell on a route, by position: build_matrix lays the cells out persona by
    persona, each in the same route order, so two small maps stand in for a key per cell."""

    def __init__(self, cells: Sequence[Cell]) -> None:
        first = cells[0].resolution if cells else None
        width = next((i for i, c in enumerate(cells) if c.resolution is not first), len(cells))
        self._cells = cells
        self._start = {cells[i].resolution: i for i in range(0, len(cells), width or 1)}
        self._offset = {
            (c.api_stage.api.id, c.api_stage.stage, id(c.route)): i
            for i, c in enumerate(cells[:width])
        }

    def cell(self, resolution: Resolution, api_stage: ApiStage, route: Route) -> Cell:
        """The cell of one of the matrix's resolutions on one of its routes (the snapshot's
        Route object, served by `api_stage`)."""
        start = self._start[resolution]
        cell = self._cells[start + self._offset[api_stage.api.id, api_stage.stage, id(route)]]
        if cell.route is not route:
            raise LookupError(f"cells not laid out as build_matrix does ({route.key})")
        return cell


def report_cells(cells: list[Cell]) -> list[MatrixCell]:
    """The report's form of the matrix. Empties `cells` as it goes, so that a cell and its
    report form do not both stay in memory: the caller is done with them."""
    keys: dict[int, str] = {}  # one string per route, not per cell
    texts: dict[StatementRef, str] = {}  # one per statement, shared by every cell it decides
    shared: dict[tuple[str, ...], tuple[str, ...]] = {}  # one of each tuple a cell lists
    converted = []
    cells.reverse()
    while cells:
        cell = cells.pop()
        route, result = cell.route, cell.verdict
        key = keys.get(id(route))
        if key is None:
            key = keys[id(route)] = route.key
        report_cell = MatrixCell(
            persona=cell.resolution.persona,
            role_arn=cell.resolution.role_arn,
            api_id=cell.api_stage.api.id,
            stage=cell.api_stage.stage,
            route=key,
            verdict=result.verdict,
            authorization_type=route.authorization_type,
            expected=cell.expected,
            reasons=tuple(result.reasons),
            allowing=_statement_texts(result.allowing, texts),
            denying=_statement_texts(result.denying, texts),
            witness_allowed=result.witness_allowed,
            witness_denied=result.witness_denied,
            app_client=cell.resolution.app_client,
        )
        # Every field is given, so every cell has the same set of explicitly set fields: share
        # one. A set per cell is half of a cell's memory (728 of 1,270 bytes); model_copy
        # copies the set before changing it, and cells are frozen.
        object.__setattr__(report_cell, "__pydantic_fields_set__", _EVERY_CELL_FIELD)
        # pydantic copies every tuple it validates; cells list the same few reasons and
        # statements, so each keeps one shared copy instead (25 MB less at full size).
        fields = report_cell.__dict__
        for name in _TUPLE_FIELDS:
            value = fields[name]
            if value:
                fields[name] = shared.setdefault(value, value)
        converted.append(report_cell)
    return converted


def _statement_texts(
    statements: Sequence[StatementRef], texts: dict[StatementRef, str]
) -> tuple[str, ...]:
    """The statements as a cell lists them; `texts` shares one string per statement."""
    if not statements:
        return ()
    found = []
    for statement in statements:
        text = texts.get(statement)
        if text is None:
            text = texts[statement] = str(statement)
        found.append(text)
    return tuple(found)


_EVERY_CELL_FIELD = set(MatrixCell.model_fields)
_TUPLE_FIELDS = ("reasons", "allowing", "denying")
