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
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

from .cache import DEFAULT_CACHE, PolicyCache
from .conditions import Clause, Tri, evaluate
from .documents import read_cached, read_policy
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
    document: Mapping[str, Any], now: datetime | None = None
) -> list[PublicStatement]:
    """The statements of an API resource policy that let anyone invoke it: no condition, or
    only conditions that every caller from the internet meets, or can meet (see _TRIVIAL);
    a condition on the time is judged as of `now` (by default, this moment).

    Anyone: Principal "*" (also in a list), or a NotPrincipal naming anyone but "*".
    """
    read = read_policy(NamedPolicy("resource policy", document), resource_policy=True)
    moment = now or datetime.now(UTC)
    found: list[PublicStatement] = []
    for statement in read.statements:
        if statement.effect != "Allow" or statement.principals is None:
            continue
        if statement.principals.anyone == statement.not_principal:
            continue
        if names_action(statement.actions, INVOKE) == statement.not_action:
            continue
        trivial = [why for clause in statement.clauses if (why := _trivial(clause, moment))]
        if len(trivial) == len(statement.clauses):
            raw = document["Statement"]
            written = raw[statement.ref.index] if isinstance(raw, list) else raw
            found.append(PublicStatement(statement.ref.index, written, tuple(trivial)))
    return found


# Keys in the request context of every invoke from the internet, signed or not (IAM global
# condition keys, "Availability"): aws:SourceIp is missing only through a VPC endpoint.
_ALWAYS_PRESENT = frozenset(
    {"aws:currenttime", "aws:epochtime", "aws:securetransport", "aws:sourceip"}
)
# Keys that come from a request header: any caller sends one, with any value.
_CALLER_SET = frozenset({"aws:referer", "aws:useragent"})
# Keys only a request through a VPC endpoint carries; from the internet they are absent, and
# a negated operator on an absent key holds (IAM condition operators: "If the policy
# condition requires that the key is not matched, such as StringNotLike or ArnNotLike, and
# the right key is not present, the condition is true").
_VPC_ONLY = frozenset({"aws:sourcevpce", "aws:sourcevpc", "aws:vpcsourceip"})
_TIME_KEYS = frozenset({"aws:currenttime", "aws:epochtime"})
_ARN_KEYS = frozenset({"aws:principalarn", "aws:sourcearn"})  # an ARN whenever present
_EVERY_IPV4 = [ipaddress.ip_network("0.0.0.0/0")]


def _every_ipv4(values: list[str]) -> bool:
    """The networks cover every IPv4 address. All of IPv4 suffices: every API Gateway
    endpoint accepts IPv4 (dual-stack adds IPv6), so any caller can meet it; all of IPv6
    (`::/0`) alone does not, since it admits no IPv4 caller."""
    nets = [ipaddress.ip_network(v, strict=False) for v in values]  # validated when parsed
    return list(ipaddress.collapse_addresses(n for n in nets if n.version == 4)) == _EVERY_IPV4


def _any_arn(value: str) -> bool:
    """ArnLike matches ARNs segment by segment, so only six wildcard segments surely match
    every ARN; `*` alone is not proven to (and our own evaluator reads it as no match)."""
    segments = value.split(":")
    return len(segments) == 6 and all(s == "*" for s in segments[1:]) and segments[0] in "arn*"


def _stars(value: str) -> bool:
    return bool(value) and not value.strip("*")


def _holds_at(clause: Clause, now: datetime) -> bool:
    """A time condition, evaluated as IAM does at `now`."""
    moment = {"aws:currenttime": now.isoformat(), "aws:epochtime": str(int(now.timestamp()))}
    return evaluate((clause,), moment, DEFAULT_CACHE)[0] is Tri.TRUE


class _Rule(NamedTuple):
    """A condition that holds for every caller from the internet (or that any caller can make
    hold): the base operators it is about, the test (clause, its values, now), and why."""

    bases: frozenset[str]
    holds: Callable[[Clause, list[str], datetime], bool]
    why: str


# Anything not proven here counts as a restriction: no false "public".
_TRIVIAL = (
    _Rule(
        frozenset({"IpAddress"}),
        lambda c, values, _: c.key == "aws:sourceip" and _every_ipv4(values),
        "covers every IPv4 address",
    ),
    _Rule(
        frozenset({"NotIpAddress"}),
        lambda c, values, _: c.key == "aws:sourceip" and not _every_ipv4(values),
        "excludes only some addresses, and a caller can call from another",
    ),
    _Rule(
        frozenset({"StringLike"}),
        lambda c, values, _: any(map(_stars, values)) and (c.if_exists or c.key in _ALWAYS_PRESENT),
        "'*' matches any value (the key is in every request, or IfExists admits its absence)",
    ),
    _Rule(
        frozenset({"StringLike"}),
        lambda c, values, _: any(map(_stars, values)) and c.key in _CALLER_SET,
        "'*' matches any value of a header that any caller can send",
    ),
    _Rule(
        frozenset({"StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike"})
        | frozenset({"ArnNotEquals", "ArnNotLike", "NotIpAddress"}),
        lambda c, _, __: c.key in _VPC_ONLY,
        "a request from the internet carries no such key (only a VPC endpoint adds it), and "
        "a negated operator holds when its key is absent",
    ),
    _Rule(
        frozenset({"ArnLike"}),
        lambda c, values, _: c.if_exists and c.key in _ARN_KEYS and any(map(_any_arn, values)),
        "matches every ARN, and IfExists admits callers without one",
    ),
    _Rule(
        frozenset({"Bool"}),
        lambda c, values, _: c.key == "aws:securetransport" and "true" in values,
        "API Gateway accepts HTTPS requests only",
    ),
    _Rule(
        frozenset({"Null"}),
        lambda c, values, _: c.key in _ALWAYS_PRESENT and "false" in values,
        "the key is in every request",
    ),
    _Rule(
        frozenset(
            {"DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals"}
            | {"DateGreaterThan", "DateGreaterThanEquals"}
        ),
        lambda c, _, now: c.key in _TIME_KEYS and _holds_at(c, now),
        "holds for every request as of the audit",
    ),
)


def _trivial(clause: Clause, now: datetime) -> str | None:
    """Why a condition holds for every caller from the internet, or None if not proven."""
    if clause.qualifier:
        return None  # set operators (ForAnyValue, ForAllValues) are not worth proving here
    values: list[str] = []
    for parts in clause.values:
        if len(parts) != 1 or not isinstance(parts[0], Text):
            return None  # a policy variable or an escaped literal
        values.append(parts[0].value.lower() if clause.base in ("Bool", "Null") else parts[0].value)
    for rule in _TRIVIAL:
        if clause.base in rule.bases and rule.holds(clause, values, now):
            return f"{clause.operator} {clause.key}: {rule.why}"
    return None
