"""Route verdicts beside statements that could not be read: exact where monotonicity allows.

IAM evaluation is monotone in its statements: one more Allow (in an identity policy, the
permissions boundary or the resource policy) can only allow more requests, one more Deny
only fewer. So a verdict judged without the statements that were set aside still holds
where they could only push it further the same way: `allowed` beside unreadable Allows,
`denied` beside unreadable Denies. Every other verdict they could change is `unknown`, never
`denied`; a statement of unknown effect can change any.

A statement set aside matters for a route only if it may match some request of the route:
its Action may match the action asked (else nothing else about it matters), and where its
Resource / NotResource was read, some request of the route must match that. The engine
answers the latter itself: a probe that allows exactly that Resource, unconditionally,
is `denied` on the route exactly when no request of the route matches it. A statement's
conditions and principal are ignored by the probe, which can only make it match more.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from .documents import read_cached
from .model import INVOKE, NamedPolicy, RouteVerdict, Unreadable

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .cache import PolicyCache

_EFFECT = {
    "Allow": "an Allow, which can only add access",
    "Deny": "a Deny, which can only remove access",
    None: "of unknown effect",
}


class Judge(Protocol):
    """What Unsure needs of a prepared role (routes.PreparedRole)."""

    def verdict(self, api_id: str, stage: str, method: str, path: str) -> RouteVerdict: ...


def may_apply(statements: Sequence[Unreadable], action: str) -> tuple[Unreadable, ...]:
    """The statements set aside whose Action may match `action`."""
    return tuple(u for u in statements if u.may_match(action))


def set_aside(
    policy: NamedPolicy,
    cache: PolicyCache,
    *,
    resource_policy: bool = False,
    action: str = INVOKE,
) -> tuple[Unreadable, ...]:
    """What of one document route verdicts set aside for `action` (read as prepare_role
    reads it, so the audit's own reading is reused from `cache`)."""
    return may_apply(read_cached(policy, cache, resource_policy=resource_policy).unreadable, action)


def probe_policy(resources: tuple[str, ...], statement: Unreadable, action: str) -> NamedPolicy:
    """A policy allowing `action` on exactly the statement's Resource (`resources`, as read)."""
    key = "NotResource" if statement.not_resource else "Resource"
    # The probe keeps the document's reading of ${...}: substituted only in 2012-10-17.
    version = "2012-10-17" if statement.variables else "2008-10-17"
    document = {
        "Version": version,
        "Statement": [{"Effect": "Allow", "Action": action, key: list(resources)}],
    }
    return NamedPolicy(f"probe of {statement.policy}#{statement.index}", document)


class Probe:
    """Whether some request of a route may match a statement's Resource (conditions and
    principal aside), memoised per route: roles sharing the statement share the probe."""

    __slots__ = ("_judge", "_seen")

    def __init__(self, judge: Judge) -> None:
        self._judge = judge  # the route verdict of a policy allowing just that Resource
        self._seen: dict[tuple[str, str, str, str], bool] = {}

    def matches(self, api_id: str, stage: str, method: str, path: str) -> bool:
        key = (api_id, stage, method, path)
        hit = self._seen.get(key)
        if hit is None:
            hit = self._seen[key] = self._judge.verdict(*key).verdict != "denied"
        return hit


class Unsure:
    """The statements set aside that may matter to one role for one action, with the probes
    of their Resource, and the unknown verdicts given so far (cells share them)."""

    __slots__ = ("_judged", "_probes", "_texts", "statements")

    def __init__(self, statements: tuple[Unreadable, ...], probes: Sequence[Probe | None]) -> None:
        self.statements = statements
        self._probes = tuple(probes)
        self._texts = tuple(f"set aside, {_EFFECT[u.effect]}: {u.reason}" for u in statements)
        self._judged: dict[tuple[object, ...], RouteVerdict] = {}

    def judge(
        self, verdict: RouteVerdict, api_id: str, stage: str, method: str, path: str
    ) -> RouteVerdict:
        """`verdict`, judged without the statements set aside, or `unknown` if they may
        change it."""
        name = verdict.verdict
        touching: list[int] = []
        for i, statement in enumerate(self.statements):
            if (statement.effect == "Allow" and name == "allowed") or (
                statement.effect == "Deny" and name == "denied"
            ):
                continue  # it can only push the verdict further the same way
            probe = self._probes[i]
            if probe is not None and not probe.matches(api_id, stage, method, path):
                continue  # no request of the route matches its Resource
            touching.append(i)
        if not touching:
            return verdict
        # The tuples of statements are the engine's shared ones, kept alive by the verdict
        # held here: their ids stay valid as keys.
        key = (name, id(verdict.allowing), id(verdict.denying), *touching)
        hit = self._judged.get(key)
        if hit is None:
            reasons = (
                f"cannot be judged: statements that could not be read may change it "
                f"(without them: {name})",
                *(self._texts[i] for i in touching),
            )
            hit = RouteVerdict("unknown", verdict.allowing, verdict.denying, reasons)
            self._judged[key] = hit
        return hit
