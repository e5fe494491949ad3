"""The report as JSON (CONTRACT §4), written in pieces so that no copy of it is held whole.

Everything but the access matrix is pydantic's own `model_dump_json(indent=2)`. The matrix
is written here, row by row, from its tables (access_matrix.py): the text of each column,
outcome and row is made once, and a cell is five of those texts joined. Up to
INDENTED_CELLS cells it is byte for byte what pydantic writes for the whole report; above
that, each cell is one line without indentation and without its empty fields (no reasons,
statements or witnesses to list), which is what makes a 10,000-group report a file a
person or a pipeline can open: a third of the size, and `grep`/`jq -c` friendly.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from auditor.model.access_matrix import EMPTY_MATRIX, AccessMatrix, Column, Outcome, Row

if TYPE_CHECKING:
    from auditor.model.report import Report

INDENTED_CELLS = 20_000
_MATRIX_KEY = '\n  "access_matrix": []'
_ROWS_PER_CHUNK = 64  # rows joined before a chunk is handed to the writer


def json_chunks(report: Report) -> Iterator[str]:
    """The report's JSON text, in order, ending with a newline."""
    matrix = report.access_matrix
    text = report.model_copy(update={"access_matrix": EMPTY_MATRIX}).model_dump_json(indent=2)
    if not len(matrix):
        yield text + "\n"
        return
    before, found, after = text.partition(_MATRIX_KEY)
    if not found:  # pydantic's layout changed: test_report_json fails; stay correct meanwhile
        yield report.model_dump_json(indent=2) + "\n"
        return
    yield before + '\n  "access_matrix": ['
    yield from _cells(matrix, compact=len(matrix) > INDENTED_CELLS)
    yield ("\n]" if len(matrix) > INDENTED_CELLS else "\n  ]") + after + "\n"


def _cells(matrix: AccessMatrix, *, compact: bool) -> Iterator[str]:
    """The cells' text. A cell is its row's opening and closing around a middle that
    depends on its column, outcome and expectation only: middles are made once each, a
    row's list of them once per shared outcome list, and a row is one C-level join."""
    style = _COMPACT if compact else _INDENTED
    columns = [style.column(c) for c in matrix.columns]
    outcomes = [style.outcome(o) for o in matrix.outcomes]
    middles: list[dict[int, str]] = [{} for _ in columns]  # by column, then outcome
    declared: dict[tuple[int, int], str] = {}  # the same for expected cells

    def middle(column: int, outcome: int, expected: bool = False) -> str:
        place, said = columns[column], outcomes[outcome]
        return f"{place[0]}{said[0]}{place[1]}{style.expected[expected]}{said[1]}"

    def plain(row: Row) -> list[str]:
        places = range(len(columns)) if row.columns is None else row.columns
        return [
            middles[c].get(o) or middles[c].setdefault(o, middle(c, o))
            for c, o in zip(places, row.outcomes, strict=True)
        ]

    shared: dict[int, tuple[Sequence[int], list[str]]] = {}  # by id of a full row's outcomes
    chunk: list[str] = []
    first = True
    for row in matrix.rows:
        if not len(row):
            continue
        held = shared.get(id(row.outcomes)) if row.columns is None else None
        texts = plain(row) if held is None else held[1]
        if held is None and row.columns is None:
            shared[id(row.outcomes)] = (row.outcomes, texts)  # kept: its id stays its own
        if row.expected:
            texts = list(texts)
            places = range(len(columns)) if row.columns is None else row.columns
            for at in row.expected:
                key = (places[at], row.outcomes[at])
                texts[at] = declared.get(key) or declared.setdefault(key, middle(*key, True))
        opening, closing = style.row(row)
        joined = (closing + ",\n" + opening).join(texts)
        chunk.append(("\n" if first else ",\n") + opening + joined + closing)
        first = False
        if len(chunk) >= _ROWS_PER_CHUNK:
            yield "".join(chunk)
            chunk.clear()
    if chunk:
        yield "".join(chunk)


# JSON's string form, UTF-8 kept (json's C encoder, as `ensure_ascii=False` uses it): the
# escapes pydantic writes too. Outcomes with witnesses are many, and a json.dumps call
# with arguments builds an encoder each time.
_string = json.encoder.encode_basestring


def _text(value: str | None) -> str:
    """A string or null as pydantic writes it."""
    return "null" if value is None else _string(value)


class _Indented:
    """pydantic's `indent=2` layout, a cell at depth 2 of the report."""

    expected = ('      "expected": false,\n', '      "expected": true,\n')

    @staticmethod
    def row(row: Row) -> tuple[str, str]:
        opening = (
            f'    {{\n      "persona": {_text(row.persona)},\n'
            f'      "role_arn": {_text(row.role_arn)},\n'
        )
        client = "" if row.app_client is None else f',\n      "app_client": {_text(row.app_client)}'
        return opening, client + "\n    }"

    @staticmethod
    def column(column: Column) -> tuple[str, str]:
        return (
            f'      "api_id": {_text(column.api_id)},\n      "stage": {_text(column.stage)},\n'
            f'      "route": {_text(column.route)},\n',
            f'      "authorization_type": {_text(column.authorization_type)},\n',
        )

    @staticmethod
    def outcome(outcome: Outcome) -> tuple[str, str]:
        def listed(values: tuple[str, ...]) -> str:
            if not values:
                return "[]"
            return "[\n" + ",\n".join(f"        {_text(v)}" for v in values) + "\n      ]"

        return (
            f'      "verdict": {_text(outcome.verdict)},\n',
            f'      "reasons": {listed(outcome.reasons)},\n'
            f'      "allowing": {listed(outcome.allowing)},\n'
            f'      "denying": {listed(outcome.denying)},\n'
            f'      "witness_allowed": {_text(outcome.witness_allowed)},\n'
            f'      "witness_denied": {_text(outcome.witness_denied)}',
        )


class _Compact:
    """One line per cell; fields with nothing to say (empty lists, null witnesses, no app
    client) left out, as the report schema allows."""

    expected = ('"expected":false', '"expected":true')

    @staticmethod
    def row(row: Row) -> tuple[str, str]:
        opening = f'{{"persona":{_text(row.persona)},"role_arn":{_text(row.role_arn)},'
        client = "" if row.app_client is None else f',"app_client":{_text(row.app_client)}'
        return opening, client + "}"

    @staticmethod
    def column(column: Column) -> tuple[str, str]:
        return (
            f'"api_id":{_text(column.api_id)},"stage":{_text(column.stage)},'
            f'"route":{_text(column.route)},',
            f'"authorization_type":{_text(column.authorization_type)},',
        )

    @staticmethod
    def outcome(outcome: Outcome) -> tuple[str, str]:
        said = [
            f',"{name}":[{",".join(map(_string, values))}]'
            for name, values in (
                ("reasons", outcome.reasons),
                ("allowing", outcome.allowing),
                ("denying", outcome.denying),
            )
            if values
        ]
        said += [
            f',"{name}":{_text(value)}'
            for name, value in (
                ("witness_allowed", outcome.witness_allowed),
                ("witness_denied", outcome.witness_denied),
            )
            if value is not None
        ]
        return f'"verdict":{_text(outcome.verdict)},', "".join(said)


_INDENTED = _Indented()
_COMPACT = _Compact()
