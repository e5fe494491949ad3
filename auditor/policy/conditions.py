"""Condition operators, evaluated the way the IAM docs describe.

https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html

- Several operators in a Condition, or several keys under one operator: all must hold (AND).
- Several values for one key: any may match (OR); a negated operator (`...Not...`) holds
  when none matches.
- A key absent from the request: the condition is false, except that a negated operator is
  true; `...IfExists` is true; `Null` tests presence; `ForAllValues` is true, `ForAnyValue`
  false. Key names ignore case, values do not (except the IgnoreCase operators).

Evaluation is three-valued: when the caller declares keys as unknown (route verdicts),
a clause that reads one evaluates to UNKNOWN instead of guessing.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import enum
import ipaddress
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .budget import brief, check_pattern, check_string
from .glob import arn_like, string_like
from .model import PolicyError
from .variables import Part, Text, Var, lookup_scalar, parse_parts

if TYPE_CHECKING:
    from .cache import PolicyCache


class Tri(enum.Enum):
    FALSE = 0
    TRUE = 1
    UNKNOWN = 2


def _date(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        moment = value
    else:
        text = str(value).strip()
        try:
            moment = dt.datetime.fromtimestamp(float(text), dt.UTC)
        except (OverflowError, OSError):
            return None  # a number of seconds past any date Python can hold
        except ValueError:
            try:
                moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _ip_in(network: str, value: Any) -> bool:
    try:
        addr = ipaddress.ip_address(str(value).strip())
    except ValueError:
        return False
    net = ipaddress.ip_network(network, strict=False)
    return addr.version == net.version and addr in net


def _b64(value: Any) -> bytes | None:
    if isinstance(value, bytes):
        return value
    try:
        return base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError):
        return None


def _cmp(
    parse: Callable[[Any], Any], test: Callable[[Any, Any], bool]
) -> Callable[[str, Any], bool]:
    def match(policy_value: str, request_value: Any) -> bool:
        have = parse(request_value)
        return have is not None and test(have, parse(policy_value))

    return match


def _eq(a: Any, b: Any) -> bool:
    return bool(a == b)


def _lt(a: Any, b: Any) -> bool:
    return bool(a < b)


def _le(a: Any, b: Any) -> bool:
    return bool(a <= b)


def _gt(a: Any, b: Any) -> bool:
    return bool(a > b)


def _ge(a: Any, b: Any) -> bool:
    return bool(a >= b)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# base operator -> (family, negated); the family picks the matcher and value validation.
_OPERATORS: dict[str, tuple[str, bool]] = {
    "StringEquals": ("str", False),
    "StringNotEquals": ("str", True),
    "StringEqualsIgnoreCase": ("stri", False),
    "StringNotEqualsIgnoreCase": ("stri", True),
    "StringLike": ("like", False),
    "StringNotLike": ("like", True),
    "NumericEquals": ("num=", False),
    "NumericNotEquals": ("num=", True),
    "NumericLessThan": ("num<", False),
    "NumericLessThanEquals": ("num<=", False),
    "NumericGreaterThan": ("num>", False),
    "NumericGreaterThanEquals": ("num>=", False),
    "DateEquals": ("date=", False),
    "DateNotEquals": ("date=", True),
    "DateLessThan": ("date<", False),
    "DateLessThanEquals": ("date<=", False),
    "DateGreaterThan": ("date>", False),
    "DateGreaterThanEquals": ("date>=", False),
    "Bool": ("bool", False),
    "BinaryEquals": ("binary", False),
    "IpAddress": ("ip", False),
    "NotIpAddress": ("ip", True),
    "ArnEquals": ("arn", False),
    "ArnLike": ("arn", False),
    "ArnNotEquals": ("arn", True),
    "ArnNotLike": ("arn", True),
    "Null": ("null", False),
}
_ORDER = {"<": _lt, "<=": _le, ">": _gt, ">=": _ge, "=": _eq}
_VARIABLE_FAMILIES = {"str", "stri", "like", "arn"}  # where the docs allow ${...} in values
_PATTERN_FAMILIES = {"like", "arn"}  # where `*` and `?` are wildcards


def _matcher(family: str) -> Callable[[str, Any], bool]:
    if family.startswith("num"):
        return _cmp(_number, _ORDER[family[3:]])
    if family.startswith("date"):
        return _cmp(_date, _ORDER[family[4:]])
    if family == "bool":
        return lambda p, v: _text(v).lower() == p.lower()
    if family == "binary":
        return lambda p, v: _b64(v) is not None and _b64(v) == _b64(p)
    if family == "ip":
        return _ip_in
    if family == "str":
        return lambda p, v: _text(v) == p
    if family == "stri":
        return lambda p, v: _text(v).casefold() == p.casefold()
    raise AssertionError(family)  # like/arn/null are handled with their parts


@dataclass(frozen=True, slots=True)
class Clause:
    operator: str  # as written, e.g. "ForAnyValue:StringLikeIfExists"
    base: str
    family: str
    negated: bool
    qualifier: str  # "", "ForAllValues" or "ForAnyValue"
    if_exists: bool
    key: str  # lower-cased
    values: tuple[tuple[Part, ...], ...]


def _validate(family: str, value: str, where: str) -> None:
    bad = (
        (family.startswith("num") and _number(value) is None)
        or (family.startswith("date") and _date(value) is None)
        or (family in ("bool", "null") and value.lower() not in ("true", "false"))
        or (family == "binary" and _b64(value) is None)
    )
    if family == "ip":
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError:
            bad = True
    if bad:
        raise PolicyError(f"{where}: {value!r} is not a valid value for this operator")


def _values(raw: Any, where: str, patterns: bool) -> tuple[str, ...]:
    """The values of one key as strings, within the engine's budget (budget.py); `patterns`:
    their `*` and `?` are wildcards."""
    items = raw if isinstance(raw, list) else [raw]  # how many: budget.check_document
    out: list[str] = []
    for item in items:
        if isinstance(item, bool):
            out.append("true" if item else "false")
        elif isinstance(item, str | int | float):
            out.append(str(item))  # ValueError for an int of more digits than Python prints
        else:
            raise PolicyError(f"{where}: condition values must be strings, numbers or booleans")
        (check_pattern if patterns else check_string)(out[-1], where)
    return tuple(out)


def parse_clauses(condition: Any, variables: bool) -> tuple[Clause, ...]:
    if not isinstance(condition, Mapping):
        raise PolicyError("Condition must be an object")
    clauses: list[Clause] = []
    for operator, block in condition.items():
        if not isinstance(operator, str):
            raise PolicyError(f"condition operator {brief(operator)} is not a string")
        check_string(operator, "a condition operator")
        qualifier, _, base = operator.rpartition(":")
        if qualifier not in ("", "ForAllValues", "ForAnyValue"):
            raise PolicyError(f"unknown condition set operator {qualifier!r} in {operator!r}")
        if_exists = base.endswith("IfExists") and base != "IfExists"
        if if_exists:
            base = base[: -len("IfExists")]
        if base not in _OPERATORS or (base == "Null" and (if_exists or qualifier)):
            raise PolicyError(f"unknown condition operator {operator!r}")
        if not isinstance(block, Mapping) or not block:
            raise PolicyError(f"condition {operator!r} must map keys to values")
        family, negated = _OPERATORS[base]
        for key, raw in block.items():
            if not isinstance(key, str):
                raise PolicyError(f"condition {operator}: key {brief(key)} is not a string")
            check_string(key, f"a condition key of {operator}")
            where = f"condition {operator} {key}"
            values = _values(raw, where, family in _PATTERN_FAMILIES)
            for v in values:
                _validate(family, v, where)
            use_vars = variables and family in _VARIABLE_FAMILIES
            parts = tuple(parse_parts(v, use_vars) for v in values)
            clauses.append(
                Clause(operator, base, family, negated, qualifier, if_exists, key.lower(), parts)
            )
    return tuple(clauses)


def normalise_context(context: Mapping[str, Any] | None) -> dict[str, Any]:
    """Lower-case keys (condition keys ignore case); None and [] mean "absent"."""
    out: dict[str, Any] = {}
    for key, value in (context or {}).items():
        if value is None or (isinstance(value, list | tuple | set | frozenset) and not value):
            continue
        out[key.lower()] = value
    return out


class _Unknown(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason


def _substitute(
    parts: tuple[Part, ...], ctx: Mapping[str, Any], partial: bool
) -> list[Part | str] | None:
    """Values for variables; None when a variable has no value (the value then matches nothing)."""
    out: list[Part | str] = []
    for part in parts:
        if not isinstance(part, Var):
            out.append(part)
            continue
        value = lookup_scalar(ctx, part.name)
        if value is None and partial and part.name not in ctx:
            raise _Unknown(f"policy variable {part.text} is unknown")
        if value is None:
            value = part.default
        if value is None:
            return None
        out.append(value)
    return out


def _plain(parts: list[Part | str]) -> str:
    return "".join(p if isinstance(p, str) else p.value for p in parts if not isinstance(p, Var))


def _positive(
    clause: Clause, ctx: Mapping[str, Any], request_value: Any, partial: bool, cache: PolicyCache
) -> bool:
    """Whether one request value matches any of the clause's policy values."""
    for parts in clause.values:
        resolved = _substitute(parts, ctx, partial)
        if resolved is None:
            continue
        if clause.family == "like":
            hit = string_like(resolved, _text(request_value), cache)
        elif clause.family == "arn":
            hit = arn_like(resolved, _text(request_value), cache)
        else:
            hit = _matcher(clause.family)(_plain(resolved), request_value)
        if hit:
            return True
    return False


def _clause(clause: Clause, ctx: Mapping[str, Any], partial: bool, cache: PolicyCache) -> bool:
    present = clause.key in ctx
    if partial and not present:
        raise _Unknown(f"condition key {clause.key} is unknown ({clause.operator})")
    if clause.base == "Null":
        wanted = {_plain(list(p)).lower() for p in clause.values}
        return ("true" if not present else "false") in wanted
    if not present:
        if clause.if_exists:
            return True
        if clause.qualifier == "ForAllValues":
            return True
        if clause.qualifier == "ForAnyValue":
            return False
        return clause.negated
    raw = ctx[clause.key]
    many = list(raw) if isinstance(raw, list | tuple | set | frozenset) else [raw]

    def one(v: Any) -> bool:
        return _positive(clause, ctx, v, partial, cache) != clause.negated

    if clause.qualifier == "ForAllValues":
        return all(one(v) for v in many)
    if clause.qualifier == "ForAnyValue":
        return any(one(v) for v in many)
    hit = any(_positive(clause, ctx, v, partial, cache) for v in many)
    return hit != clause.negated


def evaluate(
    clauses: tuple[Clause, ...], ctx: Mapping[str, Any], cache: PolicyCache, partial: bool = False
) -> tuple[Tri, list[str]]:
    """AND of the clauses. With `partial`, keys missing from `ctx` are unknown, not absent.
    `cache` keeps the regexes of Like operators."""
    unknown: list[str] = []
    for clause in clauses:
        try:
            if not _clause(clause, ctx, partial, cache):
                return Tri.FALSE, []
        except _Unknown as exc:
            unknown.append(exc.reason)
    return (Tri.UNKNOWN, unknown) if unknown else (Tri.TRUE, [])


__all__ = ["Clause", "Text", "Tri", "evaluate", "normalise_context", "parse_clauses"]
