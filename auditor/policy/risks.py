"""Facts about how broad or open an execute-api grant is, for rules such as `overbroad-grant`
and `resource-policy-public`. Statements that cannot be read are skipped here (the
`policy-unreadable` rule reports them).

Positions follow the execute-api ARN
`arn:<partition>:execute-api:<region>:<account>:<api-id>/<stage>/<VERB>/<path>` (AWS-FACTS 4).
A `*` matches '/' too, so a pattern that ends early in a `*` (`.../abc/*`) leaves every later
position open.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

from .cache import DEFAULT_CACHE, PolicyCache
from .conditions import Clause, Tri, evaluate
from .documents import load_json, read_cached
from .glob import names_action
from .model import INVOKE, NamedPolicy, PatternRisk, StatementRef
from .variables import Text

_POSITIONS = (PatternRisk.API_ID_WILDCARD, PatternRisk.STAGE_WILDCARD, PatternRisk.METHOD_WILDCARD)


def _mid_segment(text: str) -> bool:
    """A `*` with a non-boundary character on either side (`/admin*` matches `/administrators`)."""
    for i, char in enumerate(text):
        if char != "*":
            continue
        before = text[i - 1] if i else "/"
        after = text[i + 1] if i + 1 < len(text) else "/"
        if before not in "/:*" or after not in "/:*":
            return True
    return False


def pattern_risks(resource_pattern: str) -> frozenset[PatternRisk]:
    """Risks of one execute-api Resource pattern; `"*"` is RESOURCE_STAR."""
    if resource_pattern == "*":
        return frozenset({PatternRisk.RESOURCE_STAR})
    risks: set[PatternRisk] = set()
    segments = resource_pattern.split(":", 5)
    if len(segments) < 6:
        # The ARN stops before the resource part: a trailing `*` runs on over all of it.
        if resource_pattern.endswith("*"):
            risks.update(_POSITIONS)
        return frozenset(risks)
    resource = segments[5]
    positions = resource.split("/", 3)
    for i, risk in enumerate(_POSITIONS):
        if i < len(positions):
            if "*" in positions[i] or "?" in positions[i]:
                risks.add(risk)
        elif positions[-1].endswith("*"):
            risks.add(risk)
    if _mid_segment(resource):
        risks.add(PatternRisk.MID_SEGMENT_WILDCARD)
    return frozenset(risks)


def execute_api_allows(
    policies: Sequence[NamedPolicy], cache: PolicyCache | None = None
) -> list[tuple[StatementRef, frozenset[PatternRisk], list[str]]]:
    """Every Allow of these identity policies whose Action/NotAction can match
    execute-api:Invoke, with its pattern risks. The documents are read as route verdicts
    read them, through `cache` (without one, the module default)."""
    own = DEFAULT_CACHE if cache is None else cache
    out: list[tuple[StatementRef, frozenset[PatternRisk], list[str]]] = []
    for policy in policies:
        for stmt in read_cached(policy, own).statements:
            if stmt.effect != "Allow":
                continue
            if names_action(stmt.actions, INVOKE) == stmt.not_action:
                continue
            if stmt.not_resource:
                risks = frozenset({PatternRisk.NOT_RESOURCE})
            else:
                risks = frozenset().union(*(pattern_risks(p) for p in stmt.resources))
            out.append((stmt.ref, risks, list(stmt.resources)))
    return out


class PublicStatement(NamedTuple):
    position: int  # in the Statement list
    statement: Mapping[str, Any]  # as written, for evidence
    trivial: tuple[str, ...]  # the conditions judged not to restrict the caller, and why


def public_statements(
    policy: NamedPolicy, cache: PolicyCache | None = None, now: datetime | None = None
) -> list[PublicStatement]:
    """The statements of an API resource policy that let anyone invoke it: no condition, or
    only conditions that every caller from the internet meets, or can meet (see _trivial);
    a condition on the time is judged as of `now` (by default, this moment).

    The document is read as route verdicts read it, through `cache` (without one, the module
    default): the audit passes the resource policy its evaluator judged routes with.
    Anyone: Principal "*" (also in a list), or a NotPrincipal naming anyone but "*".
    """
    own = DEFAULT_CACHE if cache is None else cache
    read = read_cached(policy, own, resource_policy=True)
    request = _internet_request(now or datetime.now(UTC))
    found: list[PublicStatement] = []
    written_statements: Any = None  # the document as written, read once when first needed
    for statement in read.statements:
        if statement.effect != "Allow" or statement.principals is None:
            continue
        if statement.principals.anyone == statement.not_principal:
            continue
        if names_action(statement.actions, INVOKE) == statement.not_action:
            continue
        trivial = [why for c in statement.clauses if (why := _trivial(c, request, own))]
        if len(trivial) == len(statement.clauses):
            if written_statements is None:
                written_statements = load_json(policy.name, policy.document)["Statement"]
            written = (
                written_statements[statement.ref.index]
                if isinstance(written_statements, list)
                else written_statements
            )
            found.append(PublicStatement(statement.ref.index, written, tuple(trivial)))
    return found


# Whether a condition restricts anyone is the engine's question (conditions.evaluate) asked of
# what every request from the internet carries (IAM global condition keys, "Availability"):
# the keys below with these values, and none of the keys only a VPC endpoint adds. Custom
# code is left only where the value is the caller's (_caller_value).
_SECURE_TRANSPORT = "aws:securetransport"
_TIME_KEYS = frozenset({"aws:currenttime", "aws:epochtime"})
# Why a condition that the engine holds true on such a key restricts no caller.
_KNOWN_WHY = {
    _SECURE_TRANSPORT: "API Gateway accepts HTTPS requests only",
    **{key: "holds for every request as of the audit" for key in _TIME_KEYS},
}
# Only a request through a VPC endpoint carries these; from the internet they are absent.
_VPC_ONLY = frozenset({"aws:sourcevpce", "aws:sourcevpc", "aws:vpcsourceip"})
_SOURCE_IP = "aws:sourceip"  # in every request from the internet; its value is the caller's
# Keys from a request header: a caller sends one with any value, or none.
_CALLER_SET = frozenset({"aws:referer", "aws:useragent"})
_ARN_KEYS = frozenset({"aws:principalarn", "aws:sourcearn"})  # an ARN whenever present
_EVERY_IPV4 = [ipaddress.ip_network("0.0.0.0/0")]


def _internet_request(now: datetime) -> dict[str, Any]:
    """The request context every anonymous request from the internet has at `now`."""
    moment = now if now.tzinfo else now.replace(tzinfo=UTC)
    return {
        _SECURE_TRANSPORT: True,  # API Gateway endpoints are HTTPS only
        "aws:currenttime": moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:epochtime": str(int(moment.timestamp())),
    }


def _holds(clause: Clause, request: Mapping[str, Any], cache: PolicyCache) -> bool:
    """The engine's verdict on one clause for `request`. A key the request has is known; a
    policy variable it lacks leaves the clause unknown, which is no proof (partial). A key it
    lacks is absent (not partial), and the engine then reads no value of the clause."""
    partial = clause.key in request
    return evaluate((clause,), request, cache, partial)[0] is Tri.TRUE


def _absent_why(clause: Clause) -> str:
    """Why the engine holds `clause` true on an absent key, in the IAM docs' words
    (condition operators: "...IfExists", "Null", set operators, negated operators)."""
    if clause.base == "Null":
        return "Null true holds when the key is absent"
    if clause.if_exists:
        return "IfExists holds when the key is absent"
    if clause.qualifier == "ForAllValues":
        return "ForAllValues holds when the key is absent"
    return "a negated operator holds when its key is absent"


def _trivial(clause: Clause, request: Mapping[str, Any], cache: PolicyCache) -> str | None:
    """Why a condition holds for every caller from the internet, or can be made to hold by
    any caller; None if not proven (anything not proven counts as a restriction: no false
    "public")."""
    key = clause.key
    if key in request:
        if not _holds(clause, request, cache):
            return None
        why = "the key is in every request" if clause.base == "Null" else _KNOWN_WHY[key]
    elif key in _VPC_ONLY:
        if not _holds(clause, request, cache):
            return None
        why = (
            "a request from the internet carries no such key (only a VPC endpoint adds it), "
            f"and {_absent_why(clause)}"
        )
    elif key in _CALLER_SET and _holds(clause, request, cache):
        why = f"a caller can leave the header out, and {_absent_why(clause)}"
    else:
        found = _caller_value(clause, request, cache)
        if found is None:
            return None
        why = found
    return f"{clause.operator} {key}: {why}"


def _literals(clause: Clause) -> list[str] | None:
    """The clause's values as written, or None if one holds a policy variable or an escaped
    literal (whose meaning here is not worth proving)."""
    values: list[str] = []
    for parts in clause.values:
        if len(parts) != 1 or not isinstance(parts[0], Text):
            return None
        values.append(parts[0].value)
    return values


def _every_ipv4(values: list[str]) -> bool:
    """The networks cover every IPv4 address. All of IPv4 suffices: every API Gateway
    endpoint accepts IPv4 (dual-stack adds IPv6), so any caller can meet it; all of IPv6
    (`::/0`) alone does not, since it admits no IPv4 caller."""
    nets = [ipaddress.ip_network(v, strict=False) for v in values]  # validated when parsed
    return list(ipaddress.collapse_addresses(n for n in nets if n.version == 4)) == _EVERY_IPV4


def _any_arn(value: str) -> bool:
    """ArnLike matches ARNs segment by segment, so only six wildcard segments (the first
    `arn` or `*`) surely match every ARN; `*` alone is not proven to (and our own evaluator
    reads it as no match)."""
    segments = value.split(":")
    return (
        len(segments) == 6 and all(s == "*" for s in segments[1:]) and segments[0] in ("arn", "*")
    )


def _stars(value: str) -> bool:
    return bool(value) and not value.strip("*")


def _caller_value(clause: Clause, request: Mapping[str, Any], cache: PolicyCache) -> str | None:
    """Why a condition on a value that is the caller's (their address, a header they send,
    who they are) restricts no caller: only patterns that every value meets are proven."""
    values = _literals(clause)
    if values is None:
        return None
    key = clause.key
    star = clause.base == "StringLike" and any(map(_stars, values))
    if key == _SOURCE_IP:
        # One address in every request, from wherever the caller calls: a set operator over
        # one value reads as no set operator, and IfExists as none.
        if clause.base == "Null":  # reads only that the key is there
            return "the key is in every request" if _holds(clause, {key: True}, cache) else None
        if clause.base == "IpAddress" and _every_ipv4(values):
            return "covers every IPv4 address"
        if clause.base == "NotIpAddress" and not _every_ipv4(values):
            return "excludes only some addresses, and a caller can call from another"
        return "'*' matches any value, and the key is in every request" if star else None
    if key in _CALLER_SET:
        return "'*' matches any value of a header that any caller can send" if star else None
    # Any other key is absent for some callers and has any value for others: the condition
    # must hold both ways.
    if not _holds(clause, request, cache):
        return None
    if star:
        return f"'*' matches any value, and {_absent_why(clause)}"
    if clause.base == "ArnLike" and key in _ARN_KEYS and any(map(_any_arn, values)):
        return f"matches every ARN, and {_absent_why(clause)}"
    return None
