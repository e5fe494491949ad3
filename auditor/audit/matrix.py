"""The access matrix: persona x live route -> verdict (see verdicts.py).

Rows, not cells: a row is a persona's verdicts on every column (live route), in one order,
and personas that share a role share the row's list of verdicts (asked once). The checks
see a `Cell` only where they look; the report gets the matrix's compact form
(`Matrix.report`), built once the checks are done.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from auditor.audit.evaluator import AccessEvaluator
from auditor.audit.resolve import Resolution
from auditor.audit.routes import ApiStage, RouteIndex, declares, iter_routes
from auditor.audit.verdicts import UNTOUCHED, ColumnPlan, row_verdicts, verdict_key
from auditor.model.access_matrix import AccessMatrix, Column, Outcome
from auditor.model.access_matrix import Row as ReportRow
from auditor.model.baseline import Baseline, RoutePattern
from auditor.model.snapshot import Route, Snapshot
from auditor.policy import RouteVerdict, StatementRef


@dataclass(slots=True, eq=False)
class Cell:
    """One persona x live route, as a check sees it (made when asked for)."""

    resolution: Resolution
    api_stage: ApiStage
    route: Route
    verdict: RouteVerdict  # with examples only if partial, as the report shows it
    expected: bool  # the baseline declares this route for this persona (or it is public)


@dataclass(slots=True, eq=False)
class Row:
    resolution: Resolution
    verdicts: list[RouteVerdict]  # by column; the same list for every row with its role
    expected: frozenset[int]  # columns the baseline declares for the persona, or public


class Matrix:
    """Every resolution's row over the same columns, in `resolutions`' order."""

    def __init__(self, columns: list[tuple[ApiStage, Route]], rows: list[Row]) -> None:
        self.columns = columns
        self.rows = rows
        self._rows = {row.resolution: row for row in rows}
        self._column = {(s.api.id, s.stage, id(r)): j for j, (s, r) in enumerate(columns)}
        self._reached: dict[int, tuple[int, ...]] = {}  # by id of a shared verdict list

    def cell(self, resolution: Resolution, api_stage: ApiStage, route: Route) -> Cell:
        """The cell of one of the matrix's resolutions on one of its routes (the snapshot's
        Route object, served by `api_stage`)."""
        row = self._rows[resolution]
        j = self._column[api_stage.api.id, api_stage.stage, id(route)]
        if self.columns[j][1] is not route:  # an id reused by another object: never guess
            raise LookupError(f"{route.key} is not one of the matrix's routes")
        return self._cell(row, j)

    def cells(self) -> Iterator[Cell]:
        """Every cell, row by row, in column order (made as they are asked for)."""
        for row in self.rows:
            for j in range(len(self.columns)):
                yield self._cell(row, j)

    def reached(self) -> Iterator[Cell]:
        """The cells whose verdict is not `denied`, row by row, in column order."""
        for row in self.rows:
            for j in self._reached_in(row):
                yield self._cell(row, j)

    def unknown_cells(self) -> int:
        """Cells not judged; rows share verdict lists, so each list is counted once."""
        counted: dict[int, int] = {}
        total = 0
        for row in self.rows:
            held = counted.get(id(row.verdicts))
            if held is None:
                verdicts = row.verdicts
                held = counted[id(verdicts)] = sum(
                    1 for j in self._reached_in(row) if verdicts[j].verdict == "unknown"
                )
            total += held
        return total

    def _reached_in(self, row: Row) -> tuple[int, ...]:
        held = self._reached.get(id(row.verdicts))
        if held is None:
            held = self._reached[id(row.verdicts)] = tuple(
                j for j, v in enumerate(row.verdicts) if v.verdict != "denied"
            )
        return held

    def _cell(self, row: Row, j: int) -> Cell:
        api_stage, route = self.columns[j]
        return Cell(row.resolution, api_stage, route, row.verdicts[j], j in row.expected)

    def report(self) -> AccessMatrix:
        """The report's form of the matrix: columns, outcomes and rows, each text once."""
        columns = [Column(s.api.id, s.stage, r.key, r.authorization_type) for s, r in self.columns]
        texts: dict[StatementRef, str] = {}  # one per statement, shared by every outcome
        outcomes: dict[Outcome, int] = {}
        said: dict[int, int] = {}  # id(verdict) -> outcome; the verdicts live in the rows
        lists: dict[int, list[int]] = {}  # id(verdict list) -> outcome list, shared alike
        rows = []
        for row in self.rows:
            listed = lists.get(id(row.verdicts))
            if listed is None:
                listed = lists[id(row.verdicts)] = []
                for verdict in row.verdicts:
                    at = said.get(id(verdict))
                    if at is None:
                        outcome = _outcome(verdict, texts)
                        at = said[id(verdict)] = outcomes.setdefault(outcome, len(outcomes))
                    listed.append(at)
            who = row.resolution
            rows.append(ReportRow(who.persona, who.role_arn, who.app_client, listed, row.expected))
        return AccessMatrix(columns, list(outcomes), rows)


def build_matrix(
    snapshot: Snapshot,
    baseline: Baseline,
    resolutions: list[Resolution],
    evaluator: AccessEvaluator,
) -> Matrix:
    """A row per resolution, each over every live route of the audited stages."""
    columns = list(iter_routes(snapshot, baseline))
    index = RouteIndex((route, j) for j, (_, route) in enumerate(columns))
    # A declared public route is meant for everyone; reaching it is no drift.
    public = frozenset(
        j
        for j, (_, route) in enumerate(columns)
        if route.authorization_type != "AWS_IAM" and declares(baseline.public_routes, route)
    )
    plan = ColumnPlan(evaluator, columns)
    named: dict[int, set[int]] = {}  # id(pattern) -> its columns; patterns outlive it
    shown: dict[tuple[object, ...], RouteVerdict] = {_shown_key(UNTOUCHED): UNTOUCHED}
    # Personas that share a role (every sign-in path that gives the default role, say) share
    # its row of verdicts: asked once, not once per persona.
    shared: dict[tuple[object, ...], list[RouteVerdict]] = {}
    rows = []
    for resolution in resolutions:
        declared = _named(index, baseline.declared_routes(resolution.persona), named)
        key = verdict_key(resolution)
        verdicts = shared.get(key)
        if verdicts is None:
            verdicts = shared[key] = [
                v if v is UNTOUCHED else _as_shown(v, shown)
                for v in row_verdicts(evaluator, resolution, plan)
            ]
        expected = public | declared if declared else public
        rows.append(Row(resolution, verdicts, expected))
    return Matrix(columns, rows)


def _shown_key(verdict: RouteVerdict) -> tuple[object, ...]:
    return (verdict.verdict, id(verdict.allowing), id(verdict.denying), *verdict.reasons)


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
    key = _shown_key(verdict)
    kept = shown.get(key)
    if kept is None:
        witnessed = verdict.witness_allowed or verdict.witness_denied
        kept = shown[key] = (
            replace(verdict, witness_allowed=None, witness_denied=None) if witnessed else verdict
        )
    return kept


def _named(
    index: RouteIndex[int], patterns: list[RoutePattern], named: dict[int, set[int]]
) -> frozenset[int]:
    """The columns the patterns name. Each pattern is looked up once: every signed-in
    persona declares the same all_users patterns (the baseline's own objects)."""
    columns: set[int] = set()
    for pattern in patterns:
        hit = named.get(id(pattern))
        if hit is None:
            hit = named[id(pattern)] = set(index.named_by(pattern))
        columns |= hit
    return frozenset(columns)


def _outcome(verdict: RouteVerdict, texts: dict[StatementRef, str]) -> Outcome:
    return Outcome(
        verdict.verdict,
        tuple(verdict.reasons),
        _statement_texts(verdict.allowing, texts),
        _statement_texts(verdict.denying, texts),
        verdict.witness_allowed,
        verdict.witness_denied,
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
