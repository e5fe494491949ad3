"""The one way an input file's text becomes a model: parse, recognise, validate, or raise one
InputError naming the file and the field.

Snapshots, state files and rule files all come through `load_input`, so whatever guards the
parsing of untrusted text (nesting depth, number sizes, encodings) has one place to live.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from auditor.model.errors import InputError
from auditor.schemas import validator

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class InputFormat:
    """One kind of input file: its syntax, how it is recognised, how its errors name it."""

    name: str  # "snapshot": "unsupported snapshot version ...", "a rule file must be ..."
    syntax: Literal["json", "yaml"] = "json"
    # Said in front of syntax and validation errors: "state file is not valid JSON",
    # "invalid state file: ...". None: the bare problem.
    label: str | None = None
    kind: str | None = None  # the value a top-level `kind` must have
    version: str | None = None  # the value a top-level `schema_version` must have
    schema: str | None = None  # a published JSON Schema (auditor.schemas) checked first


def load_input(model: type[M], text: str, source: str, form: InputFormat) -> M:
    """`text` (the content of `source`) as a `model`; an InputError at the first problem."""
    raw = _top_level(text, source, form)
    if form.schema is not None:
        errors = sorted(
            validator(form.schema).iter_errors(raw), key=lambda e: list(e.absolute_path)
        )
        if errors:
            first = errors[0]
            field = ".".join(str(p) for p in first.absolute_path) or None
            raise InputError(source, field, first.message)
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        first_error = exc.errors()[0]
        field = ".".join(str(p) for p in first_error["loc"])
        problem = first_error["msg"]
        raise InputError(
            source, field, f"invalid {form.label}: {problem}" if form.label else problem
        ) from exc


def _top_level(text: str, source: str, form: InputFormat) -> dict[str, Any]:
    """The top-level mapping of `text`, of the right kind and version."""
    raw = _parse_json(text, source, form) if form.syntax == "json" else parse_yaml(text, source)
    if form.kind is not None and (not isinstance(raw, dict) or raw.get("kind") != form.kind):
        raise InputError(source, "kind", f"not a cognito-route-auditor {form.label or form.name}")
    if not isinstance(raw, dict):
        if form.syntax == "json":
            raise InputError(source, None, "expected a JSON object")
        raise InputError(source, None, f"a {form.name} file must be a mapping")
    if form.version is not None and raw.get("schema_version") != form.version:
        raise InputError(
            source,
            "schema_version",
            f"unsupported {form.name} version {raw.get('schema_version')!r}, expected "
            f"{form.version!r}",
        )
    return raw


def _parse_json(text: str, source: str, form: InputFormat) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        problem = f"not valid JSON ({exc.msg} at line {exc.lineno})"
        raise InputError(
            source, None, f"{form.label} is {problem}" if form.label else problem
        ) from exc
    except (RecursionError, ValueError) as exc:  # nested too deep; an integer past the limit
        raise InputError(source, None, f"cannot be read as JSON: {_limit(exc)}") from None


def parse_yaml(text: str, source: str, loader: type[yaml.SafeLoader] = yaml.SafeLoader) -> Any:
    """YAML text as data, or one InputError naming `source` (the baseline loader passes its
    stricter SafeLoader)."""
    try:
        return yaml.load(text, Loader=loader)  # a SafeLoader or a subclass of it
    except yaml.MarkedYAMLError as exc:  # one line: where, then what
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = " ".join(p for p in (exc.context, exc.problem) if p)
        raise InputError(source, None, f"{where}invalid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise InputError(source, None, f"invalid YAML: {exc}") from None
    except (RecursionError, ValueError) as exc:
        raise InputError(source, None, f"cannot be read as YAML: {_limit(exc)}") from None


def _limit(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    return "a number is too long" if "digits" in str(exc) else str(exc).splitlines()[0]
