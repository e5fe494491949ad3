"""The one input loader (model/inputs.py): every snapshot, state and rule file goes through it,
and each problem is one line naming the file and, where there is one, the field."""

from __future__ import annotations

import codecs
import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from auditor.audit.catalog import RULE_FORMAT, Rule
from auditor.model.baseline_file import load_baseline
from auditor.model.errors import InputError
from auditor.model.inputs import decode_text, load_input, parse_json, read_capped, read_text
from auditor.model.snapshot import Snapshot
from auditor.model.state import State
from auditor.unattended.stores import LocalStateStore


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
        (_snapshot, "{not json", None, "line 1, column 2: invalid JSON: Expecting property name"),
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
        (_state, "{not json", None, "invalid state file: line 1, column 2: invalid JSON"),
        (_state, '{"kind": "other"}', "kind", "not a cognito-route-auditor state file"),
        (_state, STATE + '"0"}', "schema_version", "unsupported state version '0'"),
        (_state, STATE + '"1", "updated_at": 1}', "updated_at", "invalid state file: Input"),
        (_rule, "a: [", None, "line 2, column 1: invalid YAML: while parsing a flow node"),
        (_rule, "- 1", None, "a rule file must be a mapping"),
        (_rule, "id: x", None, "'title' is a required property"),
        (_rule, "[" * 100_000, None, "exceeded maximum nesting depth"),
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


# Limits at the door: every file is read bounded, decoded strictly and parsed within limits,
# whatever its kind; each refusal is one line naming the file.

BILLION_LAUGHS = "version: 1\n" + "\n".join(
    ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (BILLION_LAUGHS.encode(), "line 3, column 10: YAML aliases (*a0) are not accepted"),
        ("version: 1\nx: " + "[" * 70 + "]" * 70, "nested more than 64 levels deep"),
        ("version: 1\nname: caf\xe9\n".encode("latin-1"), "not UTF-8 text (byte 0xe9 at offset"),
        ("version: 1\n".encode("utf-16"), "not UTF-8 text but UTF-16"),
        (b"version: 1\n\0\0", "not a text file (a NUL byte at offset 11)"),
        ('{"version": 1, "x": "\\ud800"}', "a lone surrogate (U+D800)"),
        ('{"version": 1, "x": NaN}', "NaN is not a JSON number"),
        ('{"version": 1, "x": -Infinity}', "-Infinity is not a JSON number"),
        ('{"version": 1, "x": ' + "[" * 70 + "]" * 70 + "}", "nested more than 64 levels"),
        ("version: 0x" + "f" * 5_000, "a number is larger than 64 bits"),
        ("version: 1\ngroups: {a: {precedence: 0b" + "1" * 100 + "}}", "larger than 64 bits"),
    ],
)
def test_a_baseline_past_a_limit_is_one_line(
    tmp_path: Path, data: str | bytes, message: str
) -> None:
    path = tmp_path / "b.yaml"
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    with pytest.raises(InputError) as caught:
        load_baseline(path)
    assert caught.value.source == str(path)
    assert message in caught.value.problem
    assert "\n" not in str(caught.value)


def test_text_within_the_limits_is_read() -> None:
    # An escaped surrogate pair is one character, a byte-order mark is dropped, depth 64 is
    # allowed: the checks refuse only what they name.
    nested = "[" * 63 + "]" * 63
    data = parse_json('{"x": "\\ud83d\\ude00", "y": ' + nested + "}", "s.json")
    assert data["x"] == "\N{GRINNING FACE}"
    assert decode_text(codecs.BOM_UTF8 + b"a: 1", "b.yaml") == "a: 1"
    with pytest.raises(InputError, match="nested more than 64"):
        parse_json('{"y": [' + nested + "]}", "s.json")


def test_a_file_is_read_no_further_than_its_limit(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_bytes(b"{}" + b" " * 98)
    assert read_text(path, "snapshot", 100) == "{}" + " " * 98
    path.write_bytes(b"{}" + b" " * 99)
    with pytest.raises(InputError, match="larger than the 100 bytes a snapshot file may have"):
        read_text(path, "snapshot", 100)
    # An endless device is refused at the limit, not read into memory.
    with pytest.raises(InputError, match="larger than the 16 MiB a baseline file may have"):
        load_baseline(Path("/dev/zero"))


def test_snapshot_and_state_files_share_the_limits(tmp_path: Path) -> None:
    snapshot = tmp_path / "snapshot.json"
    snapshot.write_text('{"schema_version": "1", "region": "\\udfff"}', encoding="utf-8")
    with pytest.raises(InputError, match="lone surrogate"):
        Snapshot.load(snapshot)
    state = tmp_path / "state.json"
    state.write_bytes(b'{"kind": "caf\xe9"}')
    with pytest.raises(InputError, match=r"state.json: not UTF-8 text \(byte 0xe9 at offset 13\)"):
        LocalStateStore(state).load()
    assert LocalStateStore(tmp_path / "missing.json").load() is None


def test_a_named_pipe_nobody_writes_to_reads_as_empty_not_forever(tmp_path: Path) -> None:
    fifo = tmp_path / "baseline.yaml"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="the file is empty"):
        load_baseline(fifo)


def test_a_stream_is_read_with_the_same_limit_and_words(tmp_path: Path) -> None:
    # What the S3 state and the Lambda's S3 baseline go through: the file reader's own check.
    assert read_capped(io.BytesIO(b"{}"), "s3://b/k", "state", 2) == "{}"
    with pytest.raises(InputError, match="s3://b/k: larger than the 2 bytes a state file may"):
        read_capped(io.BytesIO(b"{ }"), "s3://b/k", "state", 2)
