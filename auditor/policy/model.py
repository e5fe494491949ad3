"""Public value types of the policy engine."""

from __future__ import annotations

import enum
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .glob import names_action

# The action API Gateway authorises every request with.
INVOKE = "execute-api:Invoke"

DecisionName = Literal["Allowed", "ExplicitlyDenied", "ImplicitlyDenied"]
# "unknown": statements the engine could not read may change the verdict (see unreadable.py).
VerdictName = Literal["allowed", "partial", "denied", "unknown"]


class PolicyError(ValueError):
    """A policy document AWS would reject or that we cannot read (names policy and statement)."""


@dataclass(frozen=True, eq=False)
class NamedPolicy:
    """A policy document with the name used in explanations.

    `document` may be the parsed dict or its JSON text. A PolicyCache keeps compiled forms
    by name and content (PolicyCache.policy_key): a policy equal to one seen before reuses
    them, whichever objects hold it. Treat the document as immutable once handed over.
    """

    name: str
    document: Mapping[str, Any] | str
    # Why there is no document to read (a managed policy the snapshot lacks): the engine then
    # reads it as a document that cannot be read, for this reason, never as one that allows
    # or denies nothing.
    unavailable: str | None = None
    # The document's content key, once computed (PolicyCache.policy_key): it depends on the
    # content alone, so it holds for every cache, and a policy the caller keeps is keyed once.
    content: Hashable | None = field(default=None, init=False, repr=False)


@dataclass(frozen=True, slots=True)
class Principals:
    """A Principal / NotPrincipal element reduced to what can match an AWS caller."""

    anyone: bool  # "*" or {"AWS": "*"}
    aws: frozenset[str]  # account ids and ARNs listed under "AWS"
    # Identity providers listed under "Federated" (trust policies); "*" for Principal "*",
    # which names every principal, federated ones included ({"AWS": "*"} does not).
    federated: frozenset[str] = frozenset()


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
class Unreadable:
    """A statement, or a whole document (`index` None), that could not be read and was set
    aside, with what could still be read of it (None: not that either)."""

    policy: str
    index: int | None
    sid: str | None
    effect: Literal["Allow", "Deny"] | None
    reason: str  # the PolicyError a strict reading raises: names policy, statement and why
    actions: tuple[str, ...] | None = None
    not_action: bool = False
    resources: tuple[str, ...] | None = None
    not_resource: bool = False
    principals: Principals | None = None  # a resource policy's Principal / NotPrincipal
    not_principal: bool = False
    variables: bool = False  # the document substitutes ${...} (Version 2012-10-17)

    def may_match(self, action: str) -> bool:
        """False only when the readable Action/NotAction can never match `action`: then
        nothing else about the statement matters for that action."""
        if self.actions is None:
            return True
        return names_action(self.actions, action) != self.not_action

    def __str__(self) -> str:
        return self.reason


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
