"""The published JSON Schemas (baseline, report, combined report, rule, targets), shipped
inside the package. A schema may `$ref` another by its `$id` (the combined report's targets
are reports): every validator resolves them here, offline."""

from __future__ import annotations

import copy
import functools
import json
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator  # type: ignore[import-untyped, unused-ignore]

SCHEMA_NAMES = ("baseline", "report", "combined-report", "rule", "targets")


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
    from referencing import Registry, Resource

    registry: Registry[Any] = Registry().with_resources(
        (_load(other)["$id"], Resource.from_contents(_load(other))) for other in SCHEMA_NAMES
    )
    return Draft202012Validator(_load(name), registry=registry)


def validate_report(data: dict[str, Any], name: str = "report") -> list[str]:
    """Every way `data` (a report's JSON) breaks report.schema.json (or the schema `name`,
    e.g. "combined-report"), as 'path: message' lines."""
    out = []
    for error in validator(name).iter_errors(data):
        where = error.json_path.removeprefix("$.").removeprefix("$") or "(top level)"
        out.append(f"{where}: {error.message}")
    return sorted(out)
