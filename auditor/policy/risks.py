"""Facts about how broad or open an execute-api grant is, for rules such as `overbroad-grant`
and `resource-policy-public`.

Positions follow the execute-api ARN
`arn:<partition>:execute-api:<region>:<account>:<api-id>/<stage>/<VERB>/<path>` (AWS-FACTS 4).
A `*` matches '/' too, so a pattern that ends early in a `*` (`.../abc/*`) leaves every later
position open.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .documents import parse_statements
from .glob import names_action
from .model import INVOKE, NamedPolicy, PatternRisk, PolicyError, StatementRef

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
    policies: Sequence[NamedPolicy],
) -> list[tuple[StatementRef, frozenset[PatternRisk], list[str]]]:
    """Every Allow whose Action/NotAction can match execute-api:Invoke, with its pattern risks."""
    out: list[tuple[StatementRef, frozenset[PatternRisk], list[str]]] = []
    for policy in policies:
        for stmt in parse_statements(policy, resource_policy=None):
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


def public_statements(document: Mapping[str, Any]) -> list[tuple[int, Mapping[str, Any]]]:
    """The statements of an API resource policy that let anyone invoke it, with no condition:
    (position in the Statement list, the statement as written).

    Anyone: Principal "*" (also in a list), or a NotPrincipal naming anyone but "*". An
    unreadable policy has none here: the access matrix fails on it loudly instead.
    """
    try:
        parsed = parse_statements(NamedPolicy("resource policy", document), resource_policy=True)
    except PolicyError:
        return []
    raw = document["Statement"]
    raw = raw if isinstance(raw, list) else [raw]
    found: list[tuple[int, Mapping[str, Any]]] = []
    for statement in parsed:
        if statement.effect != "Allow" or statement.clauses or statement.principals is None:
            continue
        if statement.principals.anyone == statement.not_principal:
            continue
        if names_action(statement.actions, INVOKE) != statement.not_action:
            found.append((statement.ref.index, raw[statement.ref.index]))
    return found
