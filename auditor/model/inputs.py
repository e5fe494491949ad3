"""The one way an input file's text becomes a model: parse, recognise, validate, or raise one
InputError naming the file and the field.

Snapshots, state files and rule files all come through `load_input`, so whatever guards the
parsing of untrusted text (nesting depth, number sizes, encodings) has one place to live.
"""

from __future__ import annotations

import codecs
import itertools
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from auditor.model.errors import InputError
from auditor.schemas import validator

M = TypeVar("M", bound=BaseModel)

MIB = 1 << 20
# The deepest legitimate input is a policy condition inside a snapshot (about 10 levels);
# 64 leaves room and keeps every later recursive walk (jsonschema, pydantic, the engine)
# far from Python's recursion limit.
MAX_DEPTH = 64
MAX_INT_BITS = 64  # no count, precedence or id of ours is larger
# A JSON or YAML escape that can spell a UTF-16 surrogate ("\ud800"): only then can a
# parsed string hold a lone one, so only then are the strings checked one by one.
_ESCAPED_SURROGATE = re.compile(r"\\[uU]0*[dD][89a-fA-F]")


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
    max_bytes: int = 16 * MIB  # the largest file read (see read_text)


def load_file(model: type[M], path: Path, form: InputFormat) -> M:
    """The file at `path` as a `model` (see load_input); an InputError at the first problem."""
    text = read_text(path, form.label or form.name, form.max_bytes)
    return load_input(model, text, str(path), form)


def load_input(model: type[M], text: str, source: str, form: InputFormat) -> M:
    """`text` (the content of `source`) as a `model`; an InputError at the first problem."""
    raw = _top_level(text, source, form)
    if form.schema is not None:
        errors = sorted(
            validator(form.schema).iter_errors(raw), key=lambda e: list(e.absolute_path)
        )
        if errors:
            first = errors[0]
            raise InputError(source, _field(first.absolute_path) or None, first.message)
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        first_error = exc.errors()[0]
        field = _field(first_error["loc"])
        problem = first_error["msg"]
        raise InputError(
            source, field, f"invalid {form.label}: {problem}" if form.label else problem
        ) from exc


def _field(loc: Iterable[Any]) -> str:
    """A dotted field path; a key of a megabyte (a role ARN, say) is named by its start."""
    return ".".join(text if len(text := str(part)) <= 60 else text[:60] + "..." for part in loc)


def validation_problem(exc: ValidationError) -> str:
    """A model's refusal in one line: its first field and what is wrong there (pydantic's
    own text spans several lines and quotes the whole value)."""
    first = exc.errors()[0]
    where = _field(first["loc"])
    return f"{where}: {first['msg']}" if where else first["msg"]


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
        return parse_json(text, source)
    except InputError as exc:  # a state file's errors say "invalid state file: ..."
        if form.label:
            raise InputError(source, exc.field, f"invalid {form.label}: {exc.problem}") from None
        raise


def read_text(path: Path, what: str, max_bytes: int) -> str:
    """The UTF-8 text of the file at `path`, read no further than `max_bytes` (so that
    `/dev/zero` or a 50 MB file is one line, not an exhausted memory); one InputError naming
    the file for anything that is not such a text. `what` names it in messages ("baseline")."""
    source = str(path)
    try:
        # Opened without blocking, so that a named pipe nobody writes to reads as empty
        # instead of waiting forever; then read as usual.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        os.set_blocking(descriptor, True)
        with os.fdopen(descriptor, "rb") as handle:
            return read_capped(handle, source, what, max_bytes)
    except FileNotFoundError:
        raise InputError(source, None, "no such file") from None
    except IsADirectoryError:
        raise InputError(source, None, f"is a directory, not a {what} file") from None
    except OSError as exc:
        raise InputError(source, None, f"cannot read: {exc.strerror or exc}") from None


def read_capped(stream: Any, source: str, what: str, max_bytes: int) -> str:
    """The UTF-8 text of a binary `stream` (a file, an S3 object's body), read no further
    than `max_bytes`; one InputError naming `source` past it or for text that is not UTF-8."""
    data: bytes = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise InputError(source, None, f"larger than the {_size(max_bytes)} a {what} file may have")
    return decode_text(data, source)


def decode_text(data: bytes, source: str) -> str:
    """`data` as UTF-8 text (a leading byte-order mark is dropped), or one InputError."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError(source, None, "not UTF-8 text but UTF-16; save it as UTF-8")
    if b"\0" in data:  # valid UTF-8, but no text file of ours holds one: UTF-16 or binary
        offset = data.index(b"\0")
        raise InputError(source, None, f"not a text file (a NUL byte at offset {offset})")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        byte = data[exc.start]
        raise InputError(
            source, None, f"not UTF-8 text (byte 0x{byte:02x} at offset {exc.start})"
        ) from None


def parse_json(text: str, source: str, *, unique_keys: bool = False) -> Any:
    """JSON text as data within the limits every input shares (depth, number length, real
    numbers, valid Unicode), or one InputError naming `source`. `unique_keys`: a key written
    twice in one object is an error (JSON keeps the last one silently)."""
    try:
        data = json.loads(
            text,
            parse_constant=_no_constant,
            object_pairs_hook=_unique_pairs if unique_keys else None,
        )
    except _Refused as exc:
        raise InputError(source, None, str(exc)) from None
    except json.JSONDecodeError as exc:
        problem = f"line {exc.lineno}, column {exc.colno}: invalid JSON: {exc.msg}"
        raise JsonSyntaxError(source, None, problem) from None
    except (RecursionError, ValueError) as exc:  # nested too deep; an integer past the limit
        raise InputError(source, None, f"cannot be read as JSON: {_limit(exc)}") from None
    _check_tree(data, source, scalars=_ESCAPED_SURROGATE.search(text) is not None)
    return data


def parse_yaml(text: str, source: str, loader: type[yaml.CSafeLoader] | None = None) -> Any:
    """YAML text as data, or one InputError naming `source`.

    User files are read without aliases: an anchor referenced a thousand times a thousand
    times (the "billion laughs") would otherwise expand to gigabytes from a few lines, and
    no baseline needs one. The events are scanned first (in libyaml) for aliases and depth,
    then the text is loaded with `loader` (the baseline passes its stricter one)."""
    try:
        _scan_events(text, source)
        data = yaml.load(text, Loader=loader or yaml.CSafeLoader)  # a safe loader
    except yaml.MarkedYAMLError as exc:  # one line: where, then what
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = " ".join(p for p in (exc.context, exc.problem) if p)
        raise InputError(source, None, f"{where}invalid YAML: {_one_line(problem)}") from None
    except yaml.YAMLError as exc:
        raise InputError(source, None, f"invalid YAML: {_one_line(str(exc))}") from None
    except (RecursionError, ValueError) as exc:
        raise InputError(source, None, f"cannot be read as YAML: {_limit(exc)}") from None
    _check_tree(data, source, scalars=True)
    return data


def _scan_events(text: str, source: str) -> None:
    depth = 0
    for event in yaml.parse(text, Loader=yaml.CSafeLoader):
        if isinstance(event, yaml.AliasEvent):
            mark = event.start_mark
            where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
            raise InputError(
                source,
                None,
                f"{where}YAML aliases (*{event.anchor}) are not accepted; write the value out",
            )
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise InputError(source, None, f"nested more than {MAX_DEPTH} levels deep")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _check_tree(data: Any, source: str, *, scalars: bool) -> None:
    """Depth within MAX_DEPTH, level by level without recursion (a comprehension per level
    keeps this to a fraction of the parse). With `scalars`, every scalar too: strings must be
    encodable (an escape can spell a lone surrogate, which no UTF-8 output carries), integers
    at most 64 bits (YAML's 0x... and 0o... integers escape Python's limit on decimal digits,
    and then fail the first str() of them)."""
    level = [data] if type(data) is dict or type(data) is list else []
    depth = 0
    while level:
        depth += 1
        if depth > MAX_DEPTH:
            raise InputError(source, None, f"nested more than {MAX_DEPTH} levels deep")
        if scalars:
            for node in level:
                items = itertools.chain(node.keys(), node.values()) if type(node) is dict else node
                for item in items:
                    _check_scalar(item, source)
        level = [
            child
            for node in level
            for child in (node.values() if type(node) is dict else node)
            if type(child) is dict or type(child) is list
        ]
    if scalars:
        _check_scalar(data, source)


def _check_scalar(item: Any, source: str) -> None:
    if type(item) is str and not item.isascii():
        _check_encodable(item, source)
    elif type(item) is int and item.bit_length() > MAX_INT_BITS:
        raise InputError(source, None, f"a number is larger than {MAX_INT_BITS} bits")


def _check_encodable(value: str, source: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        code = ord(value[exc.start])
        raise InputError(
            source, None, f"a string holds a lone surrogate (U+{code:04X}), which is not text"
        ) from None


class JsonSyntaxError(InputError):
    """Text that is not JSON at all (a YAML reader may still take it), as opposed to JSON
    past a limit."""


class _Refused(ValueError):
    pass


def _no_constant(name: str) -> Any:
    raise _Refused(f"{name} is not a JSON number")


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Refused(f"duplicate key {key!r}")
        out[key] = value
    return out


def _size(max_bytes: int) -> str:
    return f"{max_bytes // MIB} MiB" if max_bytes >= MIB else f"{max_bytes} bytes"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _limit(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    return "a number is too long" if "digits" in str(exc) else str(exc).splitlines()[0]
