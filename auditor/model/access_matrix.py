"""The report's access matrix, kept compactly: one object per distinct row, column and outcome.

A 1,000-group audit has half a million cells and a 10,000-group one five million, yet they
say few different things: a cell is its row (persona, role, app client), its column (API,
stage, route) and its outcome (verdict, reasons, statements, witnesses), plus whether the
baseline declares it. `AccessMatrix` stores exactly that, indices into three tables, and
makes a `MatrixCell` only for whoever asks for one; the JSON writer never does (see
report/json_stream.py).

It is a Sequence of MatrixCell, so reports built by hand (tests, a loaded report) behave as
the audit's: `AccessMatrix.of_cells` takes any list of cells, grid or not.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal, overload

from pydantic import BaseModel, ConfigDict, Field, GetCoreSchemaHandler
from pydantic_core import core_schema

# "unknown": the auditor cannot judge the route for this persona (never read as denied).
Verdict = Literal["allowed", "partial", "denied", "unknown"]
# Which cells the report lists (`--matrix`): every one, those that say something (not
# denied, or differing from the baseline), or none.
MatrixScope = Literal["full", "differing", "none"]


def absent(value: object) -> bool:
    """Fields that appear only where they say something (CONTRACT §6.1: `app_client` only
    where a persona's sign-in paths disagree)."""
    return value is None


class MatrixCell(BaseModel):
    """One persona x live route. The first six fields are the contract; the rest explain."""

    model_config = ConfigDict(frozen=True)

    persona: str
    role_arn: str | None
    api_id: str
    stage: str
    route: str  # "GET /items/{id}" or "$default"
    verdict: Verdict
    authorization_type: str  # a cell is governed by IAM only when this is AWS_IAM
    expected: bool  # the baseline declares this route for this persona
    # Tuples: half a million cells, mostly with nothing to list, share the empty tuple.
    reasons: tuple[str, ...] = ()
    allowing: tuple[str, ...] = ()  # statements, e.g. "app-admin-policy#0 (Sid Admin)"
    denying: tuple[str, ...] = ()
    witness_allowed: str | None = None
    witness_denied: str | None = None
    app_client: str | None = Field(default=None, exclude_if=absent)  # see Resolution

    @classmethod
    def trusted(cls, values: dict[str, Any]) -> MatrixCell:
        """A cell from values already typed (the matrix's own tables), without validating
        them again. `values` holds every field, of its declared type, in declaration order
        (the JSON's order). tests/audit/test_matrix_cells.py checks that the result cannot
        be told from a validated cell, so a pydantic upgrade that changes the model's
        internals fails there."""
        cell = object.__new__(cls)
        object.__setattr__(cell, "__dict__", values)
        # One shared set of explicitly set fields: a set per cell was half of a cell's memory.
        object.__setattr__(cell, "__pydantic_fields_set__", _EVERY_CELL_FIELD)
        object.__setattr__(cell, "__pydantic_extra__", None)
        object.__setattr__(cell, "__pydantic_private__", None)
        return cell

    @property
    def iam_governed(self) -> bool:
        return self.authorization_type == "AWS_IAM"

    @property
    def differs_from_baseline(self) -> bool:
        """Unknown is neither: whether it differs cannot be said (the report is incomplete)."""
        return differs(self.verdict, self.expected)


_EVERY_CELL_FIELD = set(MatrixCell.model_fields)


def differs(verdict: Verdict, expected: bool) -> bool:
    """A declared route not fully reached, or an undeclared one reached at all."""
    if verdict == "unknown":
        return False
    return (expected and verdict != "allowed") or (not expected and verdict != "denied")


@dataclass(frozen=True, slots=True)
class Column:
    """What a cell takes from its route."""

    api_id: str
    stage: str
    route: str
    authorization_type: str


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a cell takes from its verdict."""

    verdict: Verdict
    reasons: tuple[str, ...]
    allowing: tuple[str, ...]
    denying: tuple[str, ...]
    witness_allowed: str | None
    witness_denied: str | None


@dataclass(frozen=True, slots=True, eq=False)
class Row:
    """One persona (on one sign-in path): its cells, in `columns`' order.

    `columns` is None for a row with a cell in every column of the matrix, in order (the
    audit's rows); else the column indices it has cells in. `outcomes` holds an outcome
    index per cell, and is shared by rows with the same role; `expected` the positions (in
    the row) of the cells the baseline declares.
    """

    persona: str
    role_arn: str | None
    app_client: str | None
    outcomes: Sequence[int]
    expected: frozenset[int]
    columns: Sequence[int] | None = None

    def cells(self, width: int) -> Iterator[tuple[int, int, bool]]:
        """(column index, outcome index, expected) of each cell, in order."""
        places = range(width) if self.columns is None else self.columns
        expected = self.expected
        for position, (column, outcome) in enumerate(zip(places, self.outcomes, strict=True)):
            yield column, outcome, position in expected

    def __len__(self) -> int:
        return len(self.outcomes)


class ScopeNote(BaseModel):
    """Said in the report when the matrix does not list every cell (`--matrix`)."""

    model_config = ConfigDict(frozen=True)

    scope: MatrixScope
    cells: int  # persona x route cells the audit judged
    listed: int  # of which access_matrix lists these
    unknown: int  # cells not judged, listed or not (never to be read as denied)


class AccessMatrix(Sequence[MatrixCell]):
    """Rows of cells over shared columns and outcomes. Immutable; see the module's doc."""

    __slots__ = ("_length", "_starts", "columns", "outcomes", "rows")

    def __init__(
        self, columns: Sequence[Column], outcomes: Sequence[Outcome], rows: Sequence[Row]
    ) -> None:
        self.columns = tuple(columns)
        self.outcomes = tuple(outcomes)
        self.rows = tuple(rows)
        starts, at = [], 0
        for row in self.rows:
            starts.append(at)
            at += len(row)
        self._starts = starts
        self._length = at

    @classmethod
    def of_cells(cls, cells: Iterable[MatrixCell]) -> AccessMatrix:
        """Any cells, in their order: consecutive cells of one persona make a row."""
        columns: dict[Column, int] = {}
        outcomes: dict[Outcome, int] = {}
        rows: list[Row] = []
        current: tuple[str, str | None, str | None] | None = None
        places: list[int] = []
        said: list[int] = []
        expected: set[int] = set()

        def close() -> None:
            if current is not None:
                rows.append(Row(*current, said[:], frozenset(expected), places[:]))
            places.clear()
            said.clear()
            expected.clear()

        for cell in cells:
            who = (cell.persona, cell.role_arn, cell.app_client)
            if who != current:
                close()
                current = who
            column = Column(cell.api_id, cell.stage, cell.route, cell.authorization_type)
            outcome = Outcome(
                cell.verdict,
                cell.reasons,
                cell.allowing,
                cell.denying,
                cell.witness_allowed,
                cell.witness_denied,
            )
            if cell.expected:
                expected.add(len(places))
            places.append(columns.setdefault(column, len(columns)))
            said.append(outcomes.setdefault(outcome, len(outcomes)))
        close()
        return cls(list(columns), list(outcomes), rows)

    def __len__(self) -> int:
        return self._length

    @overload
    def __getitem__(self, index: int) -> MatrixCell: ...
    @overload
    def __getitem__(self, index: slice) -> list[MatrixCell]: ...
    def __getitem__(self, index: int | slice) -> MatrixCell | list[MatrixCell]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._length))]
        if index < 0:
            index += self._length
        if not 0 <= index < self._length:
            raise IndexError("access matrix index out of range")
        which = bisect.bisect_right(self._starts, index) - 1
        row = self.rows[which]
        position = index - self._starts[which]
        column = position if row.columns is None else row.columns[position]
        return self._cell(row, column, row.outcomes[position], position in row.expected)

    def __iter__(self) -> Iterator[MatrixCell]:
        width = len(self.columns)
        for row in self.rows:
            for column, outcome, expected in row.cells(width):
                yield self._cell(row, column, outcome, expected)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        rows, columns = len(self.rows), len(self.columns)
        return f"AccessMatrix({rows} rows x {columns} columns, {len(self)} cells)"

    def _cell(self, row: Row, column: int, outcome: int, expected: bool) -> MatrixCell:
        place, said = self.columns[column], self.outcomes[outcome]
        # Every field, in declaration order: MatrixCell.trusted does not check.
        return MatrixCell.trusted(
            {
                "persona": row.persona,
                "role_arn": row.role_arn,
                "api_id": place.api_id,
                "stage": place.stage,
                "route": place.route,
                "verdict": said.verdict,
                "authorization_type": place.authorization_type,
                "expected": expected,
                "reasons": said.reasons,
                "allowing": said.allowing,
                "denying": said.denying,
                "witness_allowed": said.witness_allowed,
                "witness_denied": said.witness_denied,
                "app_client": row.app_client,
            }
        )

    def verdict_count(self, verdict: Verdict) -> int:
        """Cells with this verdict ("unknown", say), without building a cell."""
        wanted = {i for i, o in enumerate(self.outcomes) if o.verdict == verdict}
        if not wanted:
            return 0
        seen: dict[int, int] = {}  # rows share their outcome lists: count each once
        total = 0
        for row in self.rows:
            held = seen.get(id(row.outcomes))
            if held is None:
                held = seen[id(row.outcomes)] = sum(1 for o in row.outcomes if o in wanted)
            total += held
        return total

    def differing(self) -> Iterator[MatrixCell]:
        """The cells that differ from the baseline, in order, building only those."""
        return self._where(lambda outcome, expected: differs(outcome.verdict, expected))

    def with_verdict(self, verdict: Verdict) -> Iterator[MatrixCell]:
        """The cells with this verdict, in order, building only those."""
        return self._where(lambda outcome, _: outcome.verdict == verdict)

    def _where(self, keep: Callable[[Outcome, bool], bool]) -> Iterator[MatrixCell]:
        width = len(self.columns)
        outcomes = self.outcomes
        for row in self.rows:
            for column, outcome, expected in row.cells(width):
                if keep(outcomes[outcome], expected):
                    yield self._cell(row, column, outcome, expected)

    def scoped(self, scope: MatrixScope) -> AccessMatrix:
        """The matrix `--matrix` asks for: `differing` keeps the cells that are not denied
        or that the baseline declares (a declared route denied is drift); `none` no cell."""
        if scope == "full":
            return self
        if scope == "none":
            return AccessMatrix(self.columns, self.outcomes, [])
        width = len(self.columns)
        quiet = {i for i, o in enumerate(self.outcomes) if o.verdict == "denied"}
        rows = []
        for row in self.rows:
            kept = [
                (column, outcome, expected)
                for column, outcome, expected in row.cells(width)
                if expected or outcome not in quiet
            ]
            if kept:
                rows.append(
                    Row(
                        row.persona,
                        row.role_arn,
                        row.app_client,
                        [outcome for _, outcome, _ in kept],
                        frozenset(i for i, (_, _, expected) in enumerate(kept) if expected),
                        [column for column, _, _ in kept],
                    )
                )
        return AccessMatrix(self.columns, self.outcomes, rows)

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        cells = handler.generate_schema(list[MatrixCell])
        return core_schema.json_or_python_schema(
            json_schema=core_schema.no_info_after_validator_function(cls.of_cells, cells),
            python_schema=core_schema.union_schema(
                [
                    core_schema.is_instance_schema(cls),
                    core_schema.no_info_after_validator_function(cls.of_cells, cells),
                ]
            ),
            serialization=core_schema.plain_serializer_function_ser_schema(
                lambda matrix: [c.model_dump() for c in matrix]
            ),
        )


EMPTY_MATRIX = AccessMatrix((), (), ())
