"""Public value types of the policy engine."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

# The action API Gateway authorises every request with.
INVOKE = "execute-api:Invoke"

DecisionName = Literal["Allowed", "ExplicitlyDenied", "ImplicitlyDenied"]
VerdictName = Literal["allowed", "partial", "denied"]


class PolicyError(ValueError):
    """A policy document AWS would reject or that we cannot read (names policy and statement)."""


@dataclass(frozen=True, eq=False)
class NamedPolicy:
    """A policy document with the name used in explanations.

    `document` may be the parsed dict or its JSON text. A PolicyCache keeps compiled forms
    by the identity of this object, so treat the document as immutable once handed to the
    engine, and hand the same NamedPolicy over again to reuse them.
    """

    name: str
    document: Mapping[str, Any] | str


@dataclass(frozen=True)
class StatementRef:
    """One statement: `index` is its 0-based position in the policy's Statement list."""

    policy: str
    index: int
    sid: str | None
    effect: str

    def __str__(self) -> str:
        text = f"{self.policy}#{self.index}"
        return f"{text} (Sid {self.sid})" if self.sid else text


@dataclass(frozen=True, slots=True)
class Decision:
    """See explain."""

    decision: DecisionName
    allowing: tuple[StatementRef, ...] = ()
    denying: tuple[StatementRef, ...] = ()
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RouteVerdict:
    """See route_verdict. Frozen: verdicts share their tuples, and the engine hands the
    same verdict to every role and route it fits (untouched routes)."""

    verdict: VerdictName
    allowing: tuple[StatementRef, ...] = ()
    denying: tuple[StatementRef, ...] = ()
    reasons: tuple[str, ...] = ()
    witness_allowed: str | None = None  # a request ARN of the route that is (or may be) allowed
    witness_denied: str | None = None  # a request ARN of the route that is not (surely) allowed


class PatternRisk(enum.Enum):
    RESOURCE_STAR = "resource-star"
    API_ID_WILDCARD = "api-id-wildcard"
    STAGE_WILDCARD = "stage-wildcard"
    METHOD_WILDCARD = "method-wildcard"
    NOT_RESOURCE = "not-resource"
    MID_SEGMENT_WILDCARD = "mid-segment-wildcard"
