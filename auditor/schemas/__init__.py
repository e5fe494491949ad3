"""The published JSON Schemas (baseline, report, rule, targets), shipped inside the package."""

from __future__ import annotations

import copy
import functools
import json
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator  # type: ignore[import-untyped, unused-ignore]

SCHEMA_NAMES = ("baseline", "report", "rule", "targets")


def load_schema(name: str) -> dict[str, Any]:
    """The schema `<name>.schema.json` as a dict (a fresh copy: callers may mutate it)."""
    return copy.deepcopy(_load(name))


@functools.cache
def _load(name: str) -> dict[str, Any]:
    if name not in SCHEMA_NAMES:
        raise ValueError(f"unknown schema {name!r}; expected one of {', '.join(SCHEMA_NAMES)}")
    text = resources.files(__package__).joinpath(f"{name}.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@functools.cache
def validator(name: str) -> Draft202012Validator:
    """A reusable validator for one of the schemas."""
    return Draft202012Validator(_load(name))


def validate_report(data: dict[str, Any]) -> list[str]:
    """Every way `data` (a report's JSON) breaks report.schema.json, as 'path: message' lines."""
    out = []
    for error in validator("report").iter_errors(data):
        where = error.json_path.removeprefix("$.").removeprefix("$") or "(top level)"
        out.append(f"{where}: {error.message}")
    return sorted(out)
