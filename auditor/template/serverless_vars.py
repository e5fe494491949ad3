"""Serverless Framework variables (`${source:address, fallback}`), resolved the way
`serverless deploy` would, offline.

Known before deploy: `self:` (the serverless.yml itself), `file(path)` and `file(path):key`
(YAML/JSON, relative to the serverless.yml, decoded by cfn-lint so lines survive), `opt:stage`,
`opt:region`, `sls:stage`, `aws:region`, `param:`/`opt:` values given as --parameter, and
fallbacks (`${env:X, 'dev'}`, nested variables). Unknown offline: the environment (a build
machine's is not the deploy's, so `env:` counts only through its fallback), `cf:`, `ssm:`,
`s3:`, `aws:accountId` and any other source: those raise Unknown, fallback or not (Serverless
falls back only on null), which the caller records as Unresolved. A reference to a key that
does not exist, a missing file or a cycle is an InputError (exit 2), as `serverless deploy`
fails on them too."""

from __future__ import annotations

import datetime
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.model.errors import InputError

_VARIABLE_START = "${"
_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_FILE = re.compile(r"file\((?P<path>[^)]+)\)(:(?P<key>.*))?", re.DOTALL)
# What makes `${...}` a Serverless variable: a lower-case source with its `:` (or file(...)).
_SOURCE = re.compile(r"[a-z][A-Za-z0-9]*(\([^)]*\))?:(?!:)|file\(")
_MISSING = object()  # a lookup that found nothing: the fallback's turn


class Unknown(Exception):
    """A variable whose value only the deploy knows."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Variables:
    """Resolves the variables of one serverless.yml (`path`, decoded as `document`)."""

    path: Path
    document: Mapping[str, Any]
    stage: str
    region: str
    options: Mapping[str, str] = field(default_factory=dict)  # --parameter KEY=VALUE
    stage_given: bool = False  # --stage on the command line: ${opt:stage} has a value
    _files: dict[Path, Any] = field(default_factory=dict)
    _resolving: list[str] = field(default_factory=list)

    def resolve(self, value: Any) -> Any:
        """`value` with every variable replaced, recursively (a plain copy). Raises Unknown
        for the first variable that cannot be known offline."""
        if isinstance(value, Mapping):
            return {str(key): self.resolve(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if isinstance(value, str) and _VARIABLE_START in value:
            resolved = self.shallow(value)
            return resolved if isinstance(resolved, str) else self.resolve(resolved)
        return _plain(value)

    def shallow(self, text: str) -> Any:
        """A string whose variables are resolved; when the whole string is one variable, the
        value it names as decoded (a mapping keeps its line marks), else the joined text."""
        parts = _split(text, self.path)
        if len(parts) == 1 and not isinstance(parts[0], str):
            return self._evaluate(parts[0][0])
        return "".join(part if isinstance(part, str) else self._text(part[0]) for part in parts)

    def _text(self, expression: str) -> str:
        value = self._evaluate(expression)
        if isinstance(value, str | int | float | bool):
            return str(value)
        raise InputError(str(self.path), f"${{{expression}}}", "not a string inside a string")

    def _evaluate(self, expression: str) -> Any:
        """`source:address, fallback, ...` -> the first alternative that has a value.
        Serverless takes a fallback only when a source resolves to null: an ssm:, cf:, s3:
        (...) value exists at deploy time, so once an alternative is Unknown, all is."""
        alternatives = _top_level_commas(expression)
        unknown: Unknown | None = None
        for index, alternative in enumerate(alternatives):
            try:
                value = self._alternative(alternative.strip(), fallback=index > 0)
            except Unknown as reason:
                unknown = unknown or reason
                # env: alone goes on to its fallback: the build machine's environment is not
                # the deploy's, so by this project's decision env: counts only through its
                # default (the one deliberate exception to "never a guess").
                if alternative.strip().startswith("env:"):
                    continue
                raise unknown from None
            if value is not _MISSING and value is not None:
                return value
        if unknown is not None:
            raise unknown
        raise InputError(str(self.path), f"${{{expression}}}", "no value (and no fallback)")

    def _alternative(self, text: str, *, fallback: bool) -> Any:
        if _VARIABLE_START in text:  # a nested variable, in the address or as a fallback
            inner = self.shallow(text)
            if not isinstance(inner, str) or fallback:
                return inner
            text = inner
        if fallback and (literal := _literal(text)) is not _MISSING:
            return literal
        if fallback and ":" not in text and not text.startswith("file("):
            return text  # an unquoted fallback word, as Serverless v2 allowed
        source, _, address = text.partition(":")
        if source.startswith("file("):
            return self._file(text)
        if source == "self":
            return self._guarded(f"self:{address}", lambda: self._self(address))
        if source == "sls" and address == "stage":
            return self.stage
        if source == "opt" and address == "stage":
            return self.stage if self.stage_given else _MISSING
        if source in ("opt", "aws") and address == "region":
            return self.region
        if source in ("opt", "param"):
            return self.options.get(address, _MISSING)
        if source == "env":
            raise Unknown(f"${{env:{address}}} is read at deploy time, and has no default")
        raise Unknown(f"${{{text}}} is known only at deploy time")

    def _self(self, address: str) -> Any:
        return self._lookup(self.document, address, f"self:{address}")

    def _file(self, text: str) -> Any:
        match = _FILE.fullmatch(text)
        if match is None:
            raise InputError(str(self.path), f"${{{text}}}", "not a file(path) reference")
        relative = self.shallow(match["path"].strip().strip("'\""))
        target = Path(os.path.normpath(self.path.parent / str(relative)))
        if target.suffix not in (".yml", ".yaml", ".json"):
            raise Unknown(f"${{{text}}}: only YAML and JSON files can be read offline")
        key = match["key"]
        return self._guarded(
            f"{target}:{key}", lambda: self._file_value(target, key.strip() if key else None)
        )

    def _file_value(self, target: Path, key: str | None) -> Any:
        document = self.read(target)
        return document if key is None else self._lookup(document, key, f"file({target}):{key}")

    def read(self, target: Path) -> Any:
        """An included file, decoded by cfn-lint (with line marks), read once."""
        if target not in self._files:
            self._files[target] = decode_yaml(target, referenced_from=self.path)
        return self._files[target]

    def _lookup(self, document: Any, address: str, name: str) -> Any:
        node = document
        for key in (part for part in address.split(".") if part):
            if isinstance(node, str) and _VARIABLE_START in node:
                node = self.shallow(node)
            if isinstance(node, Mapping) and key in node:
                node = node[key]
            elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
                node = node[int(key)]
            else:
                return _MISSING
        if isinstance(node, str) and _VARIABLE_START in node:
            node = self._guarded(name + "#", lambda: self.shallow(node))
        return node

    def _guarded(self, name: str, compute: Callable[[], Any]) -> Any:
        """`compute()`, refusing to start `name` again before it ends: a cycle."""
        if name in self._resolving:
            # A reference and the value it leads to share a name (the latter marked #).
            names = [*self._resolving[self._resolving.index(name) :], name]
            chain = " -> ".join(n for n in names if not n.endswith("#"))
            raise InputError(
                str(self.path), name.rstrip("#"), f"variables refer in a cycle: {chain}"
            )
        self._resolving.append(name)
        try:
            return compute()
        finally:
            self._resolving.pop()


def decode_yaml(target: Path, *, referenced_from: Path) -> Any:
    """A YAML or JSON file through cfn-lint's decoder; InputError when it cannot be read."""
    # Imported here: costly (0.4 s), and only template audits need it.
    from cfnlint.decode import decode  # type: ignore[import-untyped]

    if not target.is_file():
        raise InputError(str(referenced_from), str(target), "the file does not exist")
    try:
        document, problems = decode(str(target))
    except (OSError, UnicodeDecodeError, ValueError) as unreadable:
        raise InputError(str(target), None, f"cannot be read: {unreadable}") from None
    if document is None or problems:
        detail = " ".join(str(problems[0].message).split()) if problems else "cannot be decoded"
        line = problems[0].linenumber if problems else None
        raise InputError(str(target), f"line {line}" if line else None, detail)
    return document


def _split(text: str, path: Path) -> list[str | tuple[str]]:
    """Literal text and (expression,) for each top-level `${...}`, braces nested."""
    parts: list[str | tuple[str]] = []
    position = 0
    while (start := text.find(_VARIABLE_START, position)) != -1:
        if start > position:
            parts.append(text[position:start])
        depth, index = 0, start
        while index < len(text):
            if text.startswith(_VARIABLE_START, index):
                depth, index = depth + 1, index + 2
                continue
            if text[index] == "}":
                depth -= 1
                if depth == 0:
                    break
            index += 1
        if depth != 0:
            raise InputError(str(path), text, "a ${ without its closing }")
        expression = text[start + 2 : index]
        # ${AWS::Region} and ${Resource.Arn} are Fn::Sub's, not Serverless variables.
        parts.append((expression,) if _SOURCE.match(expression) else text[start : index + 1])
        position = index + 1
    if position < len(text):
        parts.append(text[position:])
    return parts


def _top_level_commas(expression: str) -> list[str]:
    """`a, ${b, c}, 'd'` -> ["a", " ${b, c}", " 'd'"]: commas outside nested variables and
    quotes."""
    pieces: list[str] = []
    current: list[str] = []
    depth, quote = 0, ""
    for index, char in enumerate(expression):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif expression.startswith(_VARIABLE_START, index):
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == "," and depth == 0:
            pieces.append("".join(current))
            current = []
            continue
        current.append(char)
    pieces.append("".join(current))
    return pieces


def _literal(text: str) -> Any:
    """A fallback's literal value: a quoted string, a number, true/false/null; else _MISSING."""
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    if _NUMBER.fullmatch(text):
        return float(text) if "." in text else int(text)
    return {"true": True, "false": False, "null": None}.get(text, _MISSING)


def _plain(value: Any) -> Any:
    """cfn-lint's str/int nodes as plain Python values; a YAML date (an unquoted
    `Version: 2012-10-17`) as the string CloudFormation reads."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    for kind in (bool, int, float, str):
        if isinstance(value, kind):
            return kind(value)
    return value
