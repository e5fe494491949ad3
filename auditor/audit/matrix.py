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
from auditor.audit.verdicts import verdict_for, verdict_key
from auditor.model.baseline import Baseline, RoutePattern
from auditor.model.report import MatrixCell, Verdict
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
    # Personas that share a role (every sign-in path that gives the default role, say) share
    # its row of verdicts: asked once, not once per persona.
    rows: dict[tuple[object, ...], list[RouteVerdict]] = {}
    for resolution in resolutions:
        declared = _named(index, baseline.declared_routes(resolution.persona), named)
        expected = public | declared
        key = verdict_key(resolution)
        row = rows.get(key)
        if row is None:
            row = rows[key] = [
                _as_shown(verdict_for(evaluator, resolution, api_stage, route), shown)
                for api_stage, route in routes
            ]
        for (api_stage, route), verdict in zip(routes, row, strict=True):
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
        width = _block_width(cells)
        self._cells = cells
        self._start = {cells[i].resolution: i for i in range(0, len(cells), width)}
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
    """The report's form of the matrix, in the same order. Empties `cells` as it goes (one
    persona's block at a time, from the end), so that a cell and its report form do not both
    stay in memory: the caller is done with them."""
    texts: dict[StatementRef, str] = {}  # one per statement, shared by every cell it decides
    shared: dict[tuple[str, ...], tuple[str, ...]] = {}  # one of each tuple a cell lists
    # What a cell takes from its verdict, once per verdict object (cells share them); the
    # verdict is kept with it so that its id is not reused while cells are freed.
    shown: dict[int, tuple[RouteVerdict, _Shown]] = {}
    width = _block_width(cells)
    # Every block lists the routes in one order: what a cell takes from its route, once.
    places = [
        (c.api_stage.api.id, c.api_stage.stage, c.route.key, c.route.authorization_type)
        for c in cells[:width]
    ]
    blocks: list[list[MatrixCell]] = []
    while cells:
        start = len(cells) - width
        who = cells[start].resolution
        persona, role_arn, app_client = who.persona, who.role_arn, who.app_client
        block = []
        for cell, (api_id, stage, route, authorization) in zip(cells[start:], places, strict=True):
            result = cell.verdict
            held = shown.get(id(result))
            if held is None:
                held = shown[id(result)] = (result, _Shown.of(result, texts, shared))
            said = held[1]
            # Every field, in declaration order: MatrixCell.trusted does not check.
            values = {
                "persona": persona,
                "role_arn": role_arn,
                "api_id": api_id,
                "stage": stage,
                "route": route,
                "verdict": said.verdict,
                "authorization_type": authorization,
                "expected": cell.expected,
                "reasons": said.reasons,
                "allowing": said.allowing,
                "denying": said.denying,
                "witness_allowed": said.witness_allowed,
                "witness_denied": said.witness_denied,
                "app_client": app_client,
            }
            block.append(MatrixCell.trusted(values))
        del cells[start:]
        blocks.append(block)
    return [cell for block in reversed(blocks) for cell in block]


def _block_width(cells: Sequence[Cell]) -> int:
    """How many cells each persona has: build_matrix's layout (see CellIndex)."""
    first = cells[0].resolution if cells else None
    return next((i for i, c in enumerate(cells) if c.resolution is not first), len(cells)) or 1


@dataclass(frozen=True, slots=True)
class _Shown:
    """What a report cell takes from its verdict. Cells list the same few reasons and
    statements: each tuple is kept once (25 MB less at full size)."""

    verdict: Verdict
    reasons: tuple[str, ...]
    allowing: tuple[str, ...]
    denying: tuple[str, ...]
    witness_allowed: str | None
    witness_denied: str | None

    @classmethod
    def of(
        cls,
        result: RouteVerdict,
        texts: dict[StatementRef, str],
        shared: dict[tuple[str, ...], tuple[str, ...]],
    ) -> _Shown:
        def once(value: tuple[str, ...]) -> tuple[str, ...]:
            return shared.setdefault(value, value)

        return cls(
            result.verdict,
            once(tuple(result.reasons)),
            once(_statement_texts(result.allowing, texts)),
            once(_statement_texts(result.denying, texts)),
            result.witness_allowed,
            result.witness_denied,
        )


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
