"""Reading a baseline file: JSON or YAML, checked against its published JSON Schema with a
message in the user's terms for every problem (the path of the field and what is wrong),
then parsed into the Baseline model."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from jsonschema import ValidationError as JsonSchemaError  # type: ignore[import-untyped, unused-ignore]
from pydantic import ValidationError

from auditor.model.baseline import Baseline
from auditor.model.errors import InputError
from auditor.model.http import HTTP_METHODS
from auditor.model.inputs import MIB, parse_json, parse_yaml, read_text
from auditor.model.personas import GROUP_PREFIX
from auditor.schemas import load_schema, validator

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
    source = str(path)
    try:
        data = _read_document(path)
    except InputError as exc:
        return [BaselineProblem(source, exc.field or "", exc.problem)]
    return _validate_data(source, data)


def load_baseline(path: Path) -> Baseline:
    """Read, validate and parse a baseline; InputError names the first problem."""
    source = str(path)
    data = _read_document(path)
    problems = _validate_data(source, data)
    if problems:
        raise problems[0].to_error()
    assert isinstance(data, dict)  # guaranteed by _validate_data
    try:
        return Baseline.model_validate({**data, "source": source})
    except ValidationError as exc:  # the schema should have caught it; still never a traceback
        err = exc.errors()[0]
        raise InputError(source, _format_path(err["loc"]) or None, err["msg"]) from None
    except ValueError as exc:  # RoutePattern.parse outside pydantic's wrapping
        raise InputError(source, None, str(exc)) from None


def _validate_data(source: str, data: object) -> list[BaselineProblem]:
    if data is None:
        return [BaselineProblem(source, "", "the file is empty; expected a baseline mapping")]
    if not isinstance(data, dict):
        kind = type(data).__name__
        return [BaselineProblem(source, "", f"the top level must be a mapping, not a {kind}")]
    bad_keys = list(_non_string_keys(data, ()))
    if bad_keys:
        return [
            BaselineProblem(source, _format_path(loc), f"key {key!r} must be a string (quote it)")
            for loc, key in bad_keys
        ]
    problems: list[tuple[tuple[Any, ...], BaselineProblem]] = []
    for error in validator("baseline").iter_errors(data):
        for loc, message in _explain(error):
            problems.append((loc, BaselineProblem(source, _format_path(loc), message)))
    problems.sort(key=lambda item: (_sort_key(item[0]), item[1].message))
    return [problem for _, problem in problems]


def _explain(error: JsonSchemaError) -> list[tuple[tuple[Any, ...], str]]:
    """Turn one schema error into (location, human message) pairs."""
    loc = tuple(error.absolute_path)
    instance = error.instance
    kind = error.validator
    schema = error.schema if isinstance(error.schema, dict) else {}
    if "propertyNames" in error.schema_path:  # group names and claim rules have a name rule
        if loc[:1] == ("claims",):
            message = (
                f"{instance!r} is not '<Claim> <MatchType> <Value>' (MatchType Equals, "
                "Contains, StartsWith or NotEqual), as in 'custom:tier Equals gold'"
            )
        elif str(instance).startswith(GROUP_PREFIX):
            message = "write the plain group name, without the 'group:' prefix"
        else:
            message = f"group name {instance!r} must be 1 to 128 characters"
        return [((*loc, instance), message)]
    if kind == "additionalProperties" and isinstance(instance, dict):
        allowed = sorted(schema.get("properties", {}))
        out = []
        for key in sorted(k for k in instance if k not in allowed):
            hint = difflib.get_close_matches(key, allowed, n=1)
            suggestion = (
                f"; did you mean {hint[0]!r}?"
                if hint
                else f"; expected one of: {', '.join(allowed)}"
            )
            out.append(((*loc, key), f"unknown key {key!r}{suggestion}"))
        return out
    if kind == "oneOf" and isinstance(instance, dict):
        if "id" in instance and "name" in instance:
            return [(loc, "give either 'id' or 'name', not both")]
        return [(loc, "needs 'id' or 'name'")]
    if kind == "const" and loc == ("version",):
        return [(loc, f"{instance!r} is not a supported version; expected 1")]
    if kind == "required":
        return [(loc, f"{error.message.split(' is a required')[0]} is required")]
    if kind == "pattern" and isinstance(instance, str):
        return [(loc, _pattern_message(loc, instance, str(schema.get("pattern", ""))))]
    return [(loc, error.message)]


def _pattern_message(loc: tuple[Any, ...], value: str, pattern: str) -> str:
    defs = baseline_schema()["$defs"]
    if pattern == defs["routePattern"]["pattern"]:
        return _route_pattern_problem(value)
    if pattern == defs["roleArn"]["pattern"]:
        return f"{value!r} is not an IAM role ARN like arn:aws:iam::123456789012:role/NAME"
    what = {"region": "an AWS region like us-east-1", "id": "a valid id"}.get(
        str(loc[-1]) if loc else "", "valid here"
    )
    if loc[:2] == ("identity_pool", "app_clients"):
        what = "an app client id (letters, digits, '_' and '+')"
    elif loc[:1] == ("user_pool",):
        what = "a user pool id like us-east-1_AbCdEf012"
    elif loc[:1] == ("identity_pool",):
        what = "an identity pool id like us-east-1:0d3a1c2b-..."
    elif loc[:1] == ("apis",) and loc[-1] == "id":
        what = "an API Gateway id like a1b2c3d4e5"
    elif loc[-1:] == ("stage",):
        what = "a stage name without spaces"
    return f"{value!r} is not {what}"


def _route_pattern_problem(value: str) -> str:
    """Why `value` is not a route pattern, in the terms a user wrote it."""
    base = f"{value!r} is not a route pattern"
    parts = value.split(" ")
    if len(parts) != 2 or not all(parts):
        return f"{base}: expected 'METHOD PATH' separated by one space, or $default"
    method, route_path = parts
    if method not in (*HTTP_METHODS, "ANY", "*"):
        hint = " (methods are upper case)" if method.upper() in (*HTTP_METHODS, "ANY") else ""
        return f"{base}: unknown method {method!r}{hint}"
    if not route_path.startswith("/"):
        return f"{base}: the path must start with '/'"
    if "*" in route_path:
        return f"{base}: '*' is only allowed as a final '/*'"
    return f"{base}: the path must not contain whitespace"


def _non_string_keys(
    node: object, loc: tuple[Any, ...]
) -> Iterator[tuple[tuple[Any, ...], object]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if not isinstance(key, str):
                yield (*loc, str(key)), key
            else:
                yield from _non_string_keys(value, (*loc, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _non_string_keys(value, (*loc, index))


def _format_path(loc: Sequence[Any]) -> str:
    """('groups', 'admin', 'routes', 2) -> 'groups.admin.routes[2]'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _KEY_RE.match(str(part)):
            out += f".{part}" if out else str(part)
        else:
            out += f"[{json.dumps(str(part))}]"
    return out


def _sort_key(loc: tuple[Any, ...]) -> tuple[tuple[int, int, str], ...]:
    # Numbers sort numerically ([2] before [10]); mixed kinds at one depth never compare.
    return tuple((0, part, "") if isinstance(part, int) else (1, 0, str(part)) for part in loc)


def _read_document(path: Path) -> object:
    """Parse a file as JSON (when it looks like JSON) or YAML; InputError when unreadable."""
    source = str(path)
    text = read_text(path, "baseline", BASELINE_MAX_BYTES)
    if text.lstrip().startswith(("{", "[")):
        try:
            return parse_json(text, source, unique_keys=True)
        except InputError as exc:
            if path.suffix.lower() == ".json" or "invalid JSON" not in exc.problem:
                raise
            # YAML flow style, e.g. "{version: 1, ...}": fall through
    return parse_yaml(text, source, _StrictLoader)


class _StrictLoader(yaml.CSafeLoader):
    """The libyaml safe loader, rejecting a key written twice in one mapping (PyYAML would
    keep the last)."""

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
