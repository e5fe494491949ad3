"""Policy variables: `${aws:username}`, `${key, 'default'}` and the escapes `${*}`, `${?}`, `${$}`.

https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
Variables are only substituted in policies with `"Version": "2012-10-17"`; in older or
version-less documents `${...}` is plain text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# The escapes stand for the literal character, never for a wildcard.
_ESCAPES = {"*": "*", "?": "?", "$": "$"}


@dataclass(frozen=True, slots=True)
class Var:
    """A `${name}` or `${name, 'default'}` placeholder; `name` is lower-cased (keys ignore case)."""

    name: str
    default: str | None
    text: str  # as written, for explanations

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class Text:
    """Policy text in which `*` and `?` keep their wildcard meaning."""

    value: str


@dataclass(frozen=True, slots=True)
class Literal:
    """Characters that must match literally (from `${*}`, `${?}`, `${$}` or a substituted value)."""

    value: str


Part = Text | Literal | Var


def _parse_default(body: str) -> tuple[str, str | None] | None:
    """Split `name, 'default'` into its pieces; None if the quoting is malformed."""
    name, _, rest = body.partition(",")
    rest = rest.strip()
    if not (len(rest) >= 2 and rest[0] == "'" and rest[-1] == "'"):
        return None
    inner = rest[1:-1]
    # Inside a default, '' is one quote; a lone quote is malformed.
    if inner.replace("''", "").count("'"):
        return None
    return name.strip(), inner.replace("''", "'")


def parse_parts(value: str, variables: bool) -> tuple[Part, ...]:
    """Split a policy string into wildcard text, literal escapes and variables."""
    if not variables or "${" not in value:
        return (Text(value),)
    parts: list[Part] = []
    buf: list[str] = []
    i = 0
    while i < len(value):
        start = value.find("${", i)
        if start < 0:
            buf.append(value[i:])
            break
        buf.append(value[i:start])
        end = value.find("}", start + 2)
        if end < 0:  # an unclosed `${` is ordinary text
            buf.append(value[start:])
            break
        body = value[start + 2 : end]
        text = value[start : end + 1]
        part: Part | None = None
        if body.strip() in _ESCAPES:
            part = Literal(_ESCAPES[body.strip()])
        elif "," in body:
            split = _parse_default(body)
            if split is not None and split[0]:
                part = Var(split[0].lower(), split[1], text)
        elif body.strip() and " " not in body.strip():
            part = Var(body.strip().lower(), None, text)
        if part is None:  # not a well-formed variable: keep it as text, as IAM does
            buf.append(text)
        else:
            if buf:
                parts.append(Text("".join(buf)))
                buf = []
            parts.append(part)
        i = end + 1
    if buf and "".join(buf):
        parts.append(Text("".join(buf)))
    return tuple(parts)


def has_variables(parts: tuple[Part, ...]) -> bool:
    return any(isinstance(p, Var) for p in parts)


def lookup_scalar(context: Mapping[str, Any], name: str) -> str | None:
    """The single string value of a context key, or None when absent.

    Multi-valued keys cannot be substituted (IAM docs), so a list counts as absent.
    """
    value = context.get(name)
    if value is None or isinstance(value, list | tuple | set | frozenset):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    return text if text else None
