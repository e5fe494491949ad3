"""The one input loader (model/inputs.py): every snapshot, state and rule file goes through it,
and each problem is one line naming the file and, where there is one, the field."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from auditor.audit.catalog import RULE_FORMAT, Rule
from auditor.model.errors import InputError
from auditor.model.inputs import load_input
from auditor.model.snapshot import Snapshot
from auditor.model.state import State


def _rule(text: str, source: str) -> Any:
    return load_input(Rule, text, source, RULE_FORMAT)


def _snapshot(text: str, source: str) -> Any:
    return Snapshot.from_json(text, source=source)


def _state(text: str, source: str) -> Any:
    return State.from_json(text, source=source)


STATE = '{"kind": "cognito-route-auditor/state", "schema_version": '
TARGET = '"target": {"user_pool": {}, "identity_pool": {}}'


@pytest.mark.parametrize(
    ("load", "text", "field", "message"),
    [
        (_snapshot, "{not json", None, "not valid JSON (Expecting property name"),
        (_snapshot, "[1]", None, "expected a JSON object"),
        (_snapshot, '{"schema_version": "9"}', "schema_version", "unsupported snapshot version"),
        (
            _snapshot,
            '{"schema_version": "1", "region": 5, ' + TARGET + "}",
            "region",
            "Input should be a valid string",
        ),
        (_snapshot, "[" * 100_000, None, "cannot be read as JSON: nested too deeply"),
        (_snapshot, '{"x": ' + "9" * 5_000 + "}", None, "a number is too long"),
        (_state, "{not json", None, "state file is not valid JSON"),
        (_state, '{"kind": "other"}', "kind", "not a cognito-route-auditor state file"),
        (_state, STATE + '"0"}', "schema_version", "unsupported state version '0'"),
        (_state, STATE + '"1", "updated_at": 1}', "updated_at", "invalid state file: Input"),
        (_rule, "a: [", None, "line 1, column 5: invalid YAML: while parsing a flow node"),
        (_rule, "- 1", None, "a rule file must be a mapping"),
        (_rule, "id: x", None, "'title' is a required property"),
        (_rule, "[" * 100_000, None, "cannot be read as YAML: nested too deeply"),
        (_rule, "id: " + "9" * 5_000, None, "a number is too long"),
    ],
)
def test_one_line_naming_file_and_field(
    load: Callable[[str, str], Any], text: str, field: str | None, message: str
) -> None:
    with pytest.raises(InputError) as caught:
        load(text, "input.file")
    error = caught.value
    assert (error.source, error.field) == ("input.file", field)
    assert message in error.problem
    assert "\n" not in str(error)


def test_a_snapshot_that_is_not_utf8_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "snapshot.json"
    path.write_text('{"schema_version": "1"}', encoding="utf-16")
    with pytest.raises(InputError, match="not UTF-8 text"):
        Snapshot.load(path)
