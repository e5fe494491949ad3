"""Parse and normalise policy documents into statements; reject what AWS would reject.

`read_policy` reads statement by statement: what it cannot read is set aside as an
`Unreadable` (with whatever of it could be read) and the rest is used. The strict reading
(`decide`, `explain`) raises the first one's reason as a PolicyError (evaluate.compile_set).
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .budget import MAX_STRING_CHARS, brief, check_document, check_pattern, check_string
from .conditions import Clause, parse_clauses
from .model import NamedPolicy, PolicyError, Principals, StatementRef, Unreadable

if TYPE_CHECKING:
    from .cache import PolicyCache

VARIABLES_VERSION = "2012-10-17"  # the only version in which ${...} is substituted
_KNOWN_VERSIONS = {"2012-10-17", "2008-10-17"}


@dataclass(frozen=True, slots=True)
class Statement:
    ref: StatementRef
    effect: str  # "Allow" | "Deny"
    actions: tuple[str, ...]
    not_action: bool
    resources: tuple[str, ...]
    not_resource: bool
    principals: Principals | None
    not_principal: bool
    clauses: tuple[Clause, ...]
    variables: bool  # policy variables are substituted (Version 2012-10-17)


def load_json(name: str, document: Mapping[str, Any] | str) -> Mapping[str, Any]:
    """The document as a mapping; JSON text (also URL-encoded, as IAM returns it) is parsed."""
    if isinstance(document, str):
        text = document.strip()
        if text.startswith("%7B") or text.startswith("%7b"):
            text = urllib.parse.unquote(text)
        try:
            loaded = json.loads(text)
        except ValueError as exc:
            raise PolicyError(f"policy {name!r}: not valid JSON ({exc})") from None
        except RecursionError:
            raise PolicyError(f"policy {name!r}: JSON nested too deeply to read") from None
        document = loaded
    if not isinstance(document, Mapping):
        raise PolicyError(f"policy {name!r}: a policy document must be a JSON object")
    return document


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list | tuple) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise PolicyError(f"{where} must be a string or a non-empty list of strings")


def _patterns(value: Any, where: str) -> tuple[str, ...]:
    """_strings of an element whose `*` and `?` are wildcards, within the engine's budget."""
    found = _strings(value, where)
    for pattern in found:
        check_pattern(pattern, where)
    return found


def _principals(value: Any, where: str) -> Principals:
    if value == "*":
        return Principals(True, frozenset(), frozenset({"*"}))
    if not isinstance(value, Mapping) or not value:
        raise PolicyError(f'{where} must be "*" or an object such as {{"AWS": ...}}')
    anyone = False
    aws: set[str] = set()
    federated: set[str] = set()
    for kind, ids in value.items():
        listed = _strings(ids, f"{where}.{kind}")
        for name in listed:
            check_string(name, f"{where}.{kind}")
        if kind == "AWS":
            anyone = anyone or "*" in listed
            aws.update(v for v in listed if v != "*")
        elif kind == "Federated":
            federated.update(listed)
        elif kind not in ("Service", "CanonicalUser"):
            raise PolicyError(f"{where}: unknown principal type {brief(kind)}")
    return Principals(anyone, frozenset(aws), frozenset(federated))


def _exactly_one(raw: Mapping[str, Any], a: str, b: str, where: str, required: bool) -> str | None:
    if a in raw and b in raw:
        raise PolicyError(f"{where}: has both {a} and {b}")
    if a in raw:
        return a
    if b in raw:
        return b
    if required:
        raise PolicyError(f"{where}: needs {a} or {b}")
    return None


@dataclass(frozen=True, slots=True)
class ReadPolicy:
    """One document read statement by statement."""

    statements: tuple[Statement, ...]
    unreadable: tuple[Unreadable, ...]  # in document order; a whole document is one


def read_policy(
    policy: NamedPolicy, *, resource_policy: bool | None = False, needs_resource: bool = True
) -> ReadPolicy:
    """Every statement of one policy that can be read, and what was set aside and why.

    `resource_policy`: True requires Principal/NotPrincipal, False forbids it (identity
    policies), None accepts either. `needs_resource`: False for trust policies, whose
    statements name no Resource.
    """
    try:
        raw_statements, variables = _document(policy)
    except PolicyError as exc:
        return ReadPolicy((), (Unreadable(policy.name, None, None, None, str(exc)),))
    statements: list[Statement] = []
    unreadable: list[Unreadable] = []
    for index, raw in enumerate(raw_statements):
        try:
            statements.append(
                _parse_one(policy.name, index, raw, variables, resource_policy, needs_resource)
            )
        except ValueError as exc:  # PolicyError, or a value Python itself cannot take
            reason = str(exc)
            if not isinstance(exc, PolicyError):
                reason = f"policy {policy.name!r} statement {index}: {reason}"
            unreadable.append(_salvage(policy.name, index, raw, reason, variables))
    return ReadPolicy(tuple(statements), tuple(unreadable))


def read_cached(
    policy: NamedPolicy,
    cache: PolicyCache,
    *,
    resource_policy: bool | None = False,
    needs_resource: bool = True,
) -> ReadPolicy:
    """read_policy, once per content and name (PolicyCache.policy_key): roles share
    managed policies, and the checks ask again about the documents the audit compiled.

    The reading kept is the one of a document with the same content, so every budget check
    (budget.py) it passed or failed holds for this document as well."""
    key = (
        cache.policy_key(policy),
        policy.name,
        policy.unavailable,
        resource_policy,
        needs_resource,
    )
    hit = cache.readings.get(key)
    if hit is None:
        read = read_policy(policy, resource_policy=resource_policy, needs_resource=needs_resource)
        hit = cache.readings.keep(key, read)
    return hit


def _document(policy: NamedPolicy) -> tuple[list[Any], bool]:
    """The raw statements and whether variables are substituted; PolicyError when the
    document as a whole cannot be read."""
    if policy.unavailable is not None:
        raise PolicyError(f"policy {policy.name!r}: {policy.unavailable}")
    doc = load_json(policy.name, policy.document)
    check_document(policy.name, doc)
    version = doc.get("Version")
    # Only a string can be a known Version: a list or an object is unhashable, and testing it
    # against the set would raise TypeError outside the audit's reading of unreadable ones.
    if version is not None and (not isinstance(version, str) or version not in _KNOWN_VERSIONS):
        raise PolicyError(f"policy {policy.name!r}: unknown Version {brief(version)}")
    if "Statement" not in doc:
        raise PolicyError(f"policy {policy.name!r}: no Statement element")
    raw_statements = doc["Statement"]
    if isinstance(raw_statements, Mapping):
        raw_statements = [raw_statements]
    if not isinstance(raw_statements, list):
        raise PolicyError(f"policy {policy.name!r}: Statement must be an object or a list")
    return raw_statements, version == VARIABLES_VERSION


def _salvage(name: str, index: int, raw: Any, reason: str, variables: bool) -> Unreadable:
    """What can still be read of a statement that was set aside."""
    if not isinstance(raw, Mapping):
        return Unreadable(name, index, None, None, reason)
    sid = raw.get("Sid")
    effect = raw.get("Effect")
    actions, not_action = _readable_list(raw, "Action", "NotAction")
    resources, not_resource = _readable_list(raw, "Resource", "NotResource")
    principals, not_principal = None, False
    try:
        key = _exactly_one(raw, "Principal", "NotPrincipal", "", required=True)
        assert key is not None
        principals, not_principal = _principals(raw[key], key), key == "NotPrincipal"
    except PolicyError:  # BudgetExceeded too: nothing over budget is kept
        pass
    return Unreadable(
        name,
        index,
        sid if isinstance(sid, str) and len(sid) <= MAX_STRING_CHARS else None,
        effect if effect in ("Allow", "Deny") else None,
        reason,
        actions,
        not_action,
        resources,
        not_resource,
        principals,
        not_principal,
        variables,
    )


def _readable_list(raw: Mapping[str, Any], a: str, b: str) -> tuple[tuple[str, ...] | None, bool]:
    """(values, negated) of an element given as exactly one of `a` / `b`; None if unreadable
    or over the engine's budget (probes and action checks must not compile it either)."""
    try:
        key = _exactly_one(raw, a, b, "", required=True)
        assert key is not None
        return _patterns(raw[key], key), key == b
    except PolicyError:
        return None, False


def _parse_one(
    name: str,
    index: int,
    raw: Any,
    variables: bool,
    resource_policy: bool | None,
    needs_resource: bool,
) -> Statement:
    sid = raw.get("Sid") if isinstance(raw, Mapping) else None
    where = f"policy {name!r} statement {index}"
    if not isinstance(raw, Mapping):
        raise PolicyError(f"{where}: a statement must be a JSON object")
    if sid is not None and not isinstance(sid, str):
        raise PolicyError(f"{where}: Sid must be a string")
    if sid:
        check_string(sid, f"{where} Sid")  # before it goes into every message
        where += f" (Sid {sid})"
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        shown = "missing" if effect is None else brief(effect)
        raise PolicyError(f'{where}: Effect is {shown}; it must be "Allow" or "Deny"')
    action_key = _exactly_one(raw, "Action", "NotAction", where, required=True)
    resource_key = _exactly_one(raw, "Resource", "NotResource", where, required=needs_resource)
    principal_key = _exactly_one(
        raw, "Principal", "NotPrincipal", where, required=resource_policy is True
    )
    if principal_key and resource_policy is False:
        raise PolicyError(f"{where}: {principal_key} is not allowed in an identity-based policy")
    assert action_key is not None
    principals = None
    if principal_key is not None:
        principals = _principals(raw[principal_key], f"{where} {principal_key}")
    condition = raw.get("Condition", {})
    try:
        clauses = parse_clauses(condition, variables)
    except PolicyError as exc:
        raise PolicyError(f"{where}: {exc}") from None
    return Statement(
        ref=StatementRef(name, index, sid, effect),
        effect=effect,
        actions=_patterns(raw[action_key], f"{where} {action_key}"),
        not_action=action_key == "NotAction",
        resources=_patterns(raw[resource_key], f"{where} {resource_key}") if resource_key else (),
        not_resource=resource_key == "NotResource",
        principals=principals,
        not_principal=principal_key == "NotPrincipal",
        clauses=clauses,
        variables=variables,
    )


def anonymous(documents: Sequence[Mapping[str, Any] | str]) -> list[NamedPolicy]:
    """Name bare documents `policy[0]`, `policy[1]`, ... for explanations."""
    return [NamedPolicy(f"policy[{i}]", d) for i, d in enumerate(documents)]
