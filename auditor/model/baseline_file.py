"""Reading a baseline file: JSON or YAML, checked against its published JSON Schema with a
message in the user's terms for every problem (the path of the field and what is wrong),
then parsed into the Baseline model."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from jsonschema import (  # type: ignore[import-untyped, unused-ignore]
    Draft202012Validator,
)
from pydantic import ValidationError

from auditor.model.baseline import Baseline
from auditor.model.baseline_messages import explain
from auditor.model.errors import InputError
from auditor.model.inputs import MIB, JsonSyntaxError, parse_json, parse_yaml, read_text
from auditor.schemas import load_schema

_KEY_RE = re.compile(r"^[A-Za-z0-9_-]+$")
# A baseline declares intent by hand: a few hundred KiB for a large one.
BASELINE_MAX_BYTES = 16 * MIB


@dataclass(frozen=True)
class BaselineProblem:
    """One thing wrong with a baseline file: where (a dotted path) and what."""

    source: str
    path: str  # "groups.admin.precedence", "routes.all_users[2]"; "" for the whole file
    message: str

    def __str__(self) -> str:
        where = f"{self.source}: {self.path}" if self.path else self.source
        return f"{where}: {self.message}"

    def to_error(self) -> InputError:
        return InputError(self.source, self.path or None, self.message)


def baseline_schema() -> dict[str, Any]:
    """The published JSON Schema of a baseline file (a fresh copy)."""
    return load_schema("baseline")


def validate_baseline_file(path: Path) -> list[BaselineProblem]:
    """Every problem in the file, sorted by path; empty when the baseline is valid."""
    return check_baseline_file(path)[0]


def check_baseline_file(path: Path) -> tuple[list[BaselineProblem], Baseline | None]:
    """Every problem in the file, and the baseline when there is none: one read and one
    validation, for `auditor validate` (a large baseline is not read twice)."""
    source = str(path)
    try:
        data = read_document(path)
    except InputError as exc:
        return [BaselineProblem(source, exc.field or "", exc.problem)], None
    problems = _validate_data(source, data)
    if problems:
        return problems, None
    try:
        return [], _parsed(source, data)
    except InputError as exc:
        return [BaselineProblem(source, exc.field or "", exc.problem)], None


def load_baseline(path: Path) -> Baseline:
    """Read, validate and parse a baseline; InputError names the first problem."""
    source = str(path)
    data = read_document(path)
    problems = _validate_data(source, data)
    if problems:
        raise problems[0].to_error()
    return _parsed(source, data)


def _parsed(source: str, data: object) -> Baseline:
    """The Baseline of schema-valid data."""
    assert isinstance(data, dict)  # guaranteed by _validate_data
    try:
        return Baseline.model_validate({**data, "source": source})
    except ValidationError as exc:  # the schema should have caught it; still never a traceback
        err = exc.errors()[0]
        raise InputError(source, format_path(err["loc"]) or None, err["msg"]) from None
    except ValueError as exc:  # RoutePattern.parse outside pydantic's wrapping
        raise InputError(source, None, str(exc)) from None


def _validate_data(source: str, data: object) -> list[BaselineProblem]:
    if data is None:
        return [BaselineProblem(source, "", "the file is empty; expected a baseline mapping")]
    if not isinstance(data, dict):
        kind = type(data).__name__
        return [BaselineProblem(source, "", f"the top level must be a mapping, not a {kind}")]
    bad_keys = list(non_string_keys(data, ()))
    if bad_keys:
        return [
            BaselineProblem(source, format_path(loc), f"key {key!r} must be a string (quote it)")
            for loc, key in bad_keys
        ]
    problems: list[tuple[tuple[Any, ...], BaselineProblem]] = []
    for error in _validator().iter_errors(data):
        for loc, message in explain(error):
            problems.append((loc, BaselineProblem(source, format_path(loc), message)))
    problems.sort(key=lambda item: (sort_key(item[0]), item[1].message))
    # jsonschema reports a `required` once per missing key, each naming them all: say it once.
    return list(dict.fromkeys(problem for _, problem in problems))


@functools.cache
def _defs() -> dict[str, Any]:
    defs: dict[str, Any] = baseline_schema()["$defs"]
    return defs


@functools.cache
def _validator() -> Draft202012Validator:
    """The baseline schema's validator, with each `$ref` to `$defs` replaced by its target:
    the same checks, without resolving a reference per route (100,000 routes validate three
    times faster)."""
    schema = {key: value for key, value in baseline_schema().items() if key != "$defs"}
    # `format: date` asserted: an expiry of 2026-02-30 is an error, not a day that never ends.
    return Draft202012Validator(
        _inlined(schema), format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def _inlined(node: Any) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            rest = {key: value for key, value in node.items() if key != "$ref"}
            return _inlined({**_defs()[ref.removeprefix("#/$defs/")], **rest})
        return {key: _inlined(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_inlined(item) for item in node]
    return node


def non_string_keys(node: object, loc: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], object]]:
    """Where a YAML key is not text (a number, a date): JSON Schema cannot name those."""
    if isinstance(node, dict):
        for key, value in node.items():
            if not isinstance(key, str):
                yield (*loc, str(key)), key
            else:
                yield from non_string_keys(value, (*loc, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from non_string_keys(value, (*loc, index))


def format_path(loc: Sequence[Any]) -> str:
    """('groups', 'admin', 'routes', 2) -> 'groups.admin.routes[2]'."""
    out = ""
    for part in loc:
        text = str(part)
        if isinstance(part, int):
            out += f"[{part}]"
        elif len(text) > 60:  # a key of a megabyte is named by its start
            out += f"[{json.dumps(text[:60])}...]"
        elif _KEY_RE.match(text):
            out += f".{text}" if out else text
        else:
            out += f"[{json.dumps(text)}]"
    return out


def sort_key(loc: tuple[Any, ...]) -> tuple[tuple[int, int, str], ...]:
    """Problems in document order, by where they are."""
    # Numbers sort numerically ([2] before [10]); mixed kinds at one depth never compare.
    return tuple((0, part, "") if isinstance(part, int) else (1, 0, str(part)) for part in loc)


def read_document(
    path: Path, kind: str = "baseline", max_bytes: int = BASELINE_MAX_BYTES
) -> object:
    """Parse a file as JSON (when it looks like JSON) or YAML, keys unique and dates kept as
    written; InputError when unreadable. The targets file is read the same way."""
    source = str(path)
    text = read_text(path, kind, max_bytes)
    if text.lstrip().startswith(("{", "[")):
        try:
            return parse_json(text, source, unique_keys=True)
        except JsonSyntaxError:
            if path.suffix.lower() == ".json":
                raise
            # YAML flow style, e.g. "{version: 1, ...}": fall through
    return parse_yaml(text, source, _StrictLoader)


class _StrictLoader(yaml.CSafeLoader):
    """The libyaml safe loader, rejecting a key written twice in one mapping (PyYAML would
    keep the last), and keeping a date as the text it was written as (below)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # "<<: *anchor" may legitimately repeat keys it merges in
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, Hashable) and key in seen:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    f"found duplicate key {key!r}",
                    key_node.start_mark,
                )
            if isinstance(key, Hashable):
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _timestamp_as_text(loader: yaml.CSafeLoader, node: yaml.Node) -> str:
    """An unquoted `expires: 2026-12-31` reads as the text a quoted one does: PyYAML would make
    a date of it (and fail on 2026-02-30 with no field named), and no baseline field is a
    timestamp."""
    assert isinstance(node, yaml.ScalarNode)
    return str(loader.construct_scalar(node))


_StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)
