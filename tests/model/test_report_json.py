"""The report's JSON, written in pieces: pydantic's own text up to INDENTED_CELLS cells, one
compact line per cell above, and the access matrix's compact form behaving as a list."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.model import report_json
from auditor.model.access_matrix import AccessMatrix, MatrixCell
from auditor.model.report import Report
from auditor.model.report_json import json_chunks
from auditor.schemas import validate_report
from tests.support.reports import build_report, sample_cells, sample_findings, scaled_cells

# Text as AWS may hand it over: quotes, backslashes, control characters, non-ASCII, the
# JSON-legal line separators that JavaScript once was not, and the odd escape.
_TEXT = st.text(
    alphabet=st.sampled_from(
        [
            "a",
            "Z",
            '"',
            "\\",
            "\n",
            "\t",
            "\x00",
            "\x1f",
            "\x7f",
            "é",
            "\u2028",
            "\u2029",
            "/",
            "<",
            "{",
            "}",
            "😀",
            " ",
        ]
    ),
    max_size=12,
)
_VERDICTS = st.sampled_from(["allowed", "partial", "denied", "unknown"])


@st.composite
def _cells(draw: st.DrawFn) -> list[MatrixCell]:
    personas = draw(st.lists(_TEXT, min_size=1, max_size=3, unique=True))
    routes = draw(st.lists(_TEXT, min_size=1, max_size=4, unique=True))
    cells = []
    for persona in personas:
        client = draw(st.none() | _TEXT)
        role = draw(st.none() | _TEXT)
        for route in routes:
            cells.append(
                MatrixCell(
                    persona=persona,
                    role_arn=role,
                    api_id=draw(st.sampled_from(["api1", 'ä"pi'])),
                    stage="prod",
                    route=route,
                    verdict=draw(_VERDICTS),
                    authorization_type=draw(st.sampled_from(["AWS_IAM", "NONE"])),
                    expected=draw(st.booleans()),
                    reasons=tuple(draw(st.lists(_TEXT, max_size=2))),
                    allowing=tuple(draw(st.lists(_TEXT, max_size=2))),
                    denying=tuple(draw(st.lists(_TEXT, max_size=1))),
                    witness_allowed=draw(st.none() | _TEXT),
                    witness_denied=draw(st.none() | _TEXT),
                    app_client=client,
                )
            )
    return draw(st.permutations(cells)) if draw(st.booleans()) else cells


@settings(max_examples=150, deadline=None)
@given(_cells())
def test_the_pieces_are_pydantics_own_text(cells: list[MatrixCell]) -> None:
    report = build_report(sample_findings(), cells)
    assert "".join(json_chunks(report)) == report.model_dump_json(indent=2) + "\n"
    assert Report.model_validate_json(report.to_json()) == report


def test_an_empty_matrix_and_a_scoped_one_are_pydantics_text_too() -> None:
    for report in (
        build_report(sample_findings()),
        build_report(sample_findings(), sample_cells()).with_matrix("differing"),
        build_report(sample_findings(), sample_cells()).with_matrix("none"),
    ):
        assert report.to_json() == report.model_dump_json(indent=2) + "\n"
        assert validate_report(json.loads(report.to_json())) == []


def _without_empty_fields(cell: MatrixCell) -> dict[str, Any]:
    full = json.loads(cell.model_dump_json())
    return {k: v for k, v in full.items() if v not in ([], None) or k == "role_arn"}


def test_above_the_size_each_cell_is_one_line_without_empty_fields(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lone = [
        MatrixCell(
            persona="default",
            role_arn=None,
            api_id="api1",
            stage="prod",
            route="GET /x",
            verdict="denied",
            authorization_type="AWS_IAM",
            expected=False,
            app_client="c1",
        )
    ]
    cells = [*scaled_cells(6, 10), *lone]
    report = build_report(sample_findings(), cells)
    monkeypatch.setattr(report_json, "INDENTED_CELLS", len(cells) - 1)
    text = report.to_json()
    data = json.loads(text)
    assert validate_report(data) == []
    assert data["access_matrix"] == [_without_empty_fields(c) for c in cells]
    assert (
        data["access_matrix"][-1]["app_client"] == "c1"
        and "reasons" not in data["access_matrix"][-1]
    )
    lines = [line for line in text.splitlines() if line.startswith('{"persona"')]
    assert len(lines) == len(cells)  # one line per cell, not indented
    # The rest of the document is pydantic's, indented as below the size.
    rest = {k: v for k, v in data.items() if k != "access_matrix"}
    full = json.loads(report.model_dump_json())
    assert rest == {k: v for k, v in full.items() if k != "access_matrix"}
    monkeypatch.setattr(report_json, "INDENTED_CELLS", len(cells))
    assert report.to_json() == report.model_dump_json(indent=2) + "\n"


@settings(max_examples=60, deadline=None)
@given(_cells())
def test_the_compact_matrix_is_a_list_of_its_cells(cells: list[MatrixCell]) -> None:
    matrix = AccessMatrix.of_cells(cells)
    assert list(matrix) == cells and len(matrix) == len(cells)
    assert [matrix[i] for i in range(-len(cells), 0)] == cells
    assert matrix[1:3] == cells[1:3] and matrix == cells
    assert matrix.verdict_count("unknown") == sum(c.verdict == "unknown" for c in cells)
    assert list(matrix.differing()) == [c for c in cells if c.differs_from_baseline]
    assert list(matrix.with_verdict("partial")) == [c for c in cells if c.verdict == "partial"]
    with pytest.raises(IndexError):
        matrix[len(cells)]


@settings(max_examples=60, deadline=None)
@given(_cells())
def test_differing_keeps_what_is_not_denied_or_is_declared(cells: list[MatrixCell]) -> None:
    report = build_report([], cells)
    kept = [c for c in cells if c.verdict != "denied" or c.expected]
    scoped = report.with_matrix("differing")
    assert list(scoped.access_matrix) == kept
    assert scoped.access_matrix_scope is not None
    assert (scoped.access_matrix_scope.cells, scoped.access_matrix_scope.listed) == (
        len(cells),
        len(kept),
    )
    # Every cell that differs from the baseline is still listed.
    assert [c for c in cells if c.differs_from_baseline] == list(scoped.access_matrix.differing())
    none = report.with_matrix("none")
    assert len(none.access_matrix) == 0 and none.access_matrix_scope is not None
    # What could not be judged is still counted (the table and the status lines say it).
    assert none.unknown_cells() == report.unknown_cells() == scoped.unknown_cells()
    assert report.with_matrix("full") is report
    assert "access_matrix_scope" not in json.loads(report.to_json())
    # Scoped again, it still counts the cells the audit judged, not those listed.
    twice = scoped.with_matrix("none").access_matrix_scope
    assert twice is not None and (twice.cells, twice.listed) == (len(cells), 0)


def test_every_format_that_shows_the_matrix_says_what_it_leaves_out() -> None:
    from auditor.report.render import render

    full = build_report(sample_findings(), sample_cells())
    assert full.matrix_note() is None
    for scope in ("differing", "none"):
        report = full.with_matrix(scope)
        note = report.matrix_note()
        assert note is not None and f"of the {len(sample_cells())} cells" in note
        assert f"--matrix {scope}" in render(report, "markdown")
        assert f"--matrix {scope}" in render(report, "html")
    assert "--matrix" not in render(full, "markdown") + render(full, "html")
