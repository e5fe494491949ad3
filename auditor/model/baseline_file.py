"""Reading a baseline file: JSON or YAML, checked against its published JSON Schema with a
message in the user's terms for every problem (the path of the field and what is wrong),
then parsed into the Baseline model."""

from __future__ import annotations

import difflib
import functools
import json
import re
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from jsonschema import ValidationError as JsonSchemaError  # type: ignore[import-untyped, unused-ignore]
from pydantic import ValidationError

from auditor.model.baseline import Baseline
from auditor.model.errors import InputError
from auditor.model.inputs import parse_yaml
from auditor.model.personas import GROUP_PREFIX
from auditor.model.route_grammar import (
    ROUTE_PATTERN_REGEX,
    STAGE_NAME_REGEX,
    route_pattern_problem,
    shown,
    stage_name_problem,
)
from auditor.schemas import load_schema, validator

_KEY_RE = re.compile(r"^[A-Za-z0-9_-]+$")


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
    """Turn one schema error into (location, message in the user's terms) pairs: never
    jsonschema's own text, which repeats Python reprs and subschemas back."""
    loc = tuple(error.absolute_path)
    instance = error.instance
    kind = str(error.validator)
    schema = error.schema if isinstance(error.schema, dict) else {}
    if "propertyNames" in error.schema_path:  # group names and claim rules have a name rule
        return [((*loc, instance), _name_message(loc, instance))]
    if kind == "additionalProperties" and isinstance(instance, dict):
        allowed = sorted(schema.get("properties", {}))
        return [
            ((*loc, key), f"unknown key {shown(key)}{_suggestion(key, allowed)}")
            for key in sorted(k for k in instance if k not in allowed)
        ]
    if kind == "oneOf":
        if not isinstance(instance, dict):
            return []  # its `type` error says what is wrong
        if "id" in instance and "name" in instance:
            return [(loc, "give either 'id' or 'name', not both")]
        return [(loc, "needs 'id' or 'name'")]
    if kind == "pattern" and isinstance(instance, str):
        if len(instance) > schema.get("maxLength", len(instance)):
            return []  # its `maxLength` error says what is wrong
        return [(loc, _pattern_message(loc, instance, str(error.validator_value)))]
    return [(loc, _MESSAGES.get(kind, _unknown_kind)(error))]


def _name_message(loc: tuple[Any, ...], name: object) -> str:
    if loc[:1] == ("claims",):
        return (
            f"{_shown(name)} is not '<Claim> <MatchType> <Value>' (MatchType Equals, "
            "Contains, StartsWith or NotEqual), as in 'custom:tier Equals gold'"
        )
    if str(name).startswith(GROUP_PREFIX):
        return "write the plain group name, without the 'group:' prefix"
    return f"group name {_shown(name)} must be 1 to 128 characters"


def _suggestion(key: str, allowed: list[str]) -> str:
    # difflib compares whole strings: only a key of a plausible length can be a typo.
    hint = difflib.get_close_matches(key, allowed, n=1) if len(key) <= 64 else []
    return f"; did you mean {hint[0]!r}?" if hint else f"; expected one of: {', '.join(allowed)}"


_TYPE_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}


def _kind_of(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"{str(value).lower()}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the text {shown(value)}"
    return f"the number {_shown(value)}"


def _shown(value: object) -> str:
    """A value for a one-line message, as the user wrote it, cut short if long."""
    if isinstance(value, str):
        return shown(value)
    if isinstance(value, (dict, list)):
        return _kind_of(value)
    return shown(str(value)).strip("'")


def _type_message(error: JsonSchemaError) -> str:
    wanted = (
        error.validator_value
        if isinstance(error.validator_value, list)
        else [error.validator_value]
    )
    names = " or ".join(_TYPE_NAMES.get(str(name), str(name)) for name in wanted)
    return f"expected {names}, not {_kind_of(error.instance)}"


def _enum_message(error: JsonSchemaError) -> str:
    allowed: Any = error.validator_value
    choices = ", ".join(str(choice) for choice in allowed)
    return f"{_shown(error.instance)} is not one of: {choices}"


def _const_message(error: JsonSchemaError) -> str:
    if tuple(error.absolute_path) == ("version",):
        return f"{_shown(error.instance)} is not a supported version; expected 1"
    return f"must be {error.validator_value!r}, not {_shown(error.instance)}"


def _required_message(error: JsonSchemaError) -> str:
    present = error.instance if isinstance(error.instance, dict) else {}
    required: Any = error.validator_value
    missing = [key for key in required if key not in present]
    return f"{', '.join(repr(key) for key in missing)} is required"


def _minimum_message(error: JsonSchemaError) -> str:
    return f"must be {error.validator_value} or more, not {_shown(error.instance)}"


def _min_length_message(error: JsonSchemaError) -> str:
    if error.validator_value == 1:
        return "must not be empty"
    return f"must be at least {error.validator_value} characters long"


def _max_length_message(error: JsonSchemaError) -> str:
    length = len(error.instance) if isinstance(error.instance, str) else 0
    return f"is {length} characters long; at most {error.validator_value} are allowed"


def _unique_message(error: JsonSchemaError) -> str:
    seen: list[object] = []
    for item in error.instance if isinstance(error.instance, list) else []:
        if item in seen:
            return f"{_shown(item)} is listed more than once"
        seen.append(item)
    return "lists an item more than once"


def _unknown_kind(error: JsonSchemaError) -> str:
    # A keyword the schema gained without a message here: still never jsonschema's text.
    return f"is not valid here (schema rule {error.validator!r})"


_MESSAGES: dict[str, Callable[[JsonSchemaError], str]] = {
    "type": _type_message,
    "enum": _enum_message,
    "const": _const_message,
    "required": _required_message,
    "minimum": _minimum_message,
    "minLength": _min_length_message,
    "maxLength": _max_length_message,
    "uniqueItems": _unique_message,
}

# Every keyword that can fail in the baseline schema has its phrasing (a test walks it).
EXPLAINED_KEYWORDS = frozenset(
    {*_MESSAGES, "additionalProperties", "oneOf", "pattern", "propertyNames", "not"}
)


@functools.cache
def _defs() -> dict[str, Any]:
    schema: Any = validator("baseline").schema  # shared, never mutated
    defs: dict[str, Any] = schema["$defs"]
    return defs


def _pattern_message(loc: tuple[Any, ...], value: str, pattern: str) -> str:
    if pattern == ROUTE_PATTERN_REGEX:
        return _route_pattern_problem(value)
    if pattern == STAGE_NAME_REGEX:
        return stage_name_problem(value) or f"{shown(value)} is not a stage name"
    if pattern == _defs()["roleArn"]["pattern"]:
        return f"{shown(value)} is not an IAM role ARN like arn:aws:iam::123456789012:role/NAME"
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
    return f"{shown(value)} is not {what}"


def _route_pattern_problem(value: str) -> str:
    """Why `value` is not a route pattern, in the terms a user wrote it (route_grammar)."""
    problem = route_pattern_problem(value) or "not a route pattern"
    return f"{shown(value)} is not a route pattern: {problem}"


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
            text = str(part)  # a key of a megabyte is named by its start
            out += f"[{json.dumps(text if len(text) <= 60 else text[:60] + '...')}]"
    return out


def _sort_key(loc: tuple[Any, ...]) -> tuple[tuple[int, int, str], ...]:
    # Numbers sort numerically ([2] before [10]); mixed kinds at one depth never compare.
    return tuple((0, part, "") if isinstance(part, int) else (1, 0, str(part)) for part in loc)


def _read_document(path: Path) -> object:
    """Parse a file as JSON (when it looks like JSON) or YAML; InputError when unreadable."""
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(source, None, "no such file") from None
    except IsADirectoryError:
        raise InputError(source, None, "is a directory, not a baseline file") from None
    except UnicodeDecodeError as exc:
        raise InputError(source, None, f"not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise InputError(source, None, f"cannot read: {exc.strerror or exc}") from None
    if text.lstrip().startswith(("{", "[")):
        try:
            return json.loads(text, object_pairs_hook=_no_duplicate_pairs)
        except _DuplicateKeyError as exc:
            raise InputError(source, None, f"duplicate key {exc.key!r}") from None
        except json.JSONDecodeError as exc:
            if path.suffix.lower() == ".json":
                raise InputError(
                    source, None, f"line {exc.lineno}, column {exc.colno}: invalid JSON: {exc.msg}"
                ) from None
            # YAML flow style, e.g. "{version: 1, ...}": fall through
    return parse_yaml(text, source, _StrictLoader)


class _DuplicateKeyError(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_duplicate_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKeyError(key)
        out[key] = value
    return out


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that rejects a key written twice in one mapping (PyYAML keeps the last)."""

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
