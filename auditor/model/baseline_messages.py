"""Schema errors in a baseline, phrased in the user's terms: what is wrong, never
jsonschema's own text (which repeats Python reprs and subschemas back), and never a long
value repeated in full."""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Callable
from typing import Any

from jsonschema import ValidationError as JsonSchemaError  # type: ignore[import-untyped, unused-ignore]

from auditor.model.personas import GROUP_PREFIX
from auditor.model.route_grammar import (
    ROUTE_PATTERN_REGEX,
    STAGE_NAME_REGEX,
    route_pattern_problem,
    shown,
    stage_name_problem,
)
from auditor.schemas import load_schema


def explain(error: JsonSchemaError) -> list[tuple[tuple[Any, ...], str]]:
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
    if kind == "format":
        if not _DATE_SHAPE.fullmatch(str(instance)):
            return []  # its `pattern` error says what is wrong
        return [(loc, f"{_shown(instance)} is not a day of the calendar (YYYY-MM-DD)")]
    if kind == "enum" and _is_accepted(loc) and loc[-1] == "rule":
        known: Any = error.validator_value
        return [(loc, _unknown_rule(instance, [str(rule) for rule in known]))]
    return [(loc, _MESSAGES.get(kind, _unknown_kind)(error))]


_DATE_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _is_accepted(loc: tuple[Any, ...]) -> bool:
    """Is this inside an `accepted:` entry (accepted[N].field)?"""
    return len(loc) == 3 and loc[0] == "accepted"


def _unknown_rule(rule: object, known: list[str]) -> str:
    """An entry naming no rule would silently accept nothing: say which it may mean."""
    if not isinstance(rule, str):
        return f"expected a rule id, not {_kind_of(rule)}"
    hint = difflib.get_close_matches(rule, known, n=1) if len(rule) <= 64 else []
    guess = f"; did you mean {hint[0]!r}?" if hint else "; `auditor rules` lists them"
    return f"{_shown(rule)} is not a rule id{guess}"


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
    verb = "is" if len(missing) == 1 else "are"
    return f"{', '.join(repr(key) for key in missing)} {verb} required"


def _minimum_message(error: JsonSchemaError) -> str:
    return f"must be {error.validator_value} or more, not {_shown(error.instance)}"


def _maximum_message(error: JsonSchemaError) -> str:
    return f"must be {error.validator_value} or less, not {_shown(error.instance)}"


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
    "maximum": _maximum_message,
    "minLength": _min_length_message,
    "maxLength": _max_length_message,
    "uniqueItems": _unique_message,
}

# Every keyword that can fail in the baseline schema has its phrasing (a test walks it).
EXPLAINED_KEYWORDS = frozenset(
    {*_MESSAGES, "additionalProperties", "oneOf", "pattern", "propertyNames", "not", "format"}
)


def _pattern_message(loc: tuple[Any, ...], value: str, pattern: str) -> str:
    if pattern == ROUTE_PATTERN_REGEX:
        return _route_pattern_problem(value)
    if pattern == STAGE_NAME_REGEX:
        return stage_name_problem(value) or f"{shown(value)} is not a stage name"
    if pattern == _role_arn_pattern():
        return f"{shown(value)} is not an IAM role ARN like arn:aws:iam::123456789012:role/NAME"
    what = {"region": "an AWS region like us-east-1", "id": "a valid id"}.get(
        str(loc[-1]) if loc else "", "valid here"
    )
    if _is_accepted(loc) and loc[-1] == "expires":
        return f"{shown(value)} is not a date like 2026-12-31 (YYYY-MM-DD, quoted or not)"
    if _is_accepted(loc) and loc[-1] == "reason":
        return "must say why the risk is accepted, not be blank"
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


@functools.cache
def _role_arn_pattern() -> str:
    pattern: str = load_schema("baseline")["$defs"]["roleArn"]["pattern"]
    return pattern
