"""route_verdict: the exact allowed / partial / denied answer for one route template, or
`unknown` where statements that could not be read may change it (see unreadable.py)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from auditor.model.http import HTTP_METHODS

from .cache import DEFAULT_CACHE, PolicyCache
from .evaluate import CompiledSet, caller_context, compiled_for
from .model import INVOKE, NamedPolicy, RouteVerdict, Unreadable
from .prefilter import Heads
from .principals import Caller, session_arn_for
from .role_routes import RoleRoutes, RoutePath, VerbPart, route_path
from .search import SERIAL
from .shapes import NO_ALLOW, render_shape
from .unreadable import Probe, Unsure, may_apply, probe_policy


class PreparedRole:
    """One role (with boundary, resource policy, caller and context) ready for many routes.

    Everything that does not depend on the route is done once, in `prepare_role`; what
    depends on it is kept in the PolicyCache the role was prepared with.
    """

    __slots__ = ("_arn", "_cache", "_routes", "_same_account")

    def __init__(
        self, routes: RoleRoutes, arn_prefix: str, same_account: bool, cache: PolicyCache
    ) -> None:
        self._routes = routes
        self._arn = arn_prefix  # arn:<partition>:execute-api:<region>:<account>:
        self._same_account = same_account
        self._cache = cache  # the one `routes` was compiled in: automata and rests agree

    def verdict(self, api_id: str, stage: str, method: str, path: str) -> RouteVerdict:
        """See `route_verdict`."""
        routes, cache = self._routes, self._cache
        route = cache.paths.get(path) or route_path(path, cache)
        head = route.head
        verb = method.upper()
        if verb != "ANY":  # the common case, and mostly no statement is relevant: be quick
            lead = routes.leads.get((api_id, stage, verb)) or routes.lead(api_id, stage, verb)
            literal = route.rest is None
            sub = lead.subs.get((head, literal)) or routes.sub(lead, head, literal, cache)
            if sub is None:
                return self._untouched(lead.text, path, route)
            out = sub.shared.outcome(lead.text, route, self._same_account)
            shape = routes.shape((verb, sub.serial, out[SERIAL]), ((verb, sub, out),))
            base = f"{self._arn}{api_id}/{stage}/"
            return render_shape(shape, routes.statements, base, head, routes.other(route))
        parts: list[VerbPart] = []
        key: list[tuple[str, int, int]] = []
        touched = False
        leads = routes.every_verb.get((api_id, stage)) or routes.verb_leads(api_id, stage)
        literal = route.rest is None
        for v, lead in zip(HTTP_METHODS, leads, strict=True):
            sub = lead.subs.get((head, literal)) or routes.sub(lead, head, literal, cache)
            if sub is not None:
                out = sub.shared.outcome(lead.text, route, self._same_account)
                parts.append((v, sub, out))
                key.append((v, sub.serial, out[SERIAL]))
                touched = True
            else:
                parts.append((v, None, route.untouched))
                key.append((v, -1, route.untouched[SERIAL]))
        if not touched:
            return self._untouched(leads[0].text, path, route)
        shape = routes.shape(tuple(key), parts)
        base = f"{self._arn}{api_id}/{stage}/"
        return render_shape(shape, routes.statements, base, head, routes.other(route))

    def touched(self, api_id: str, stage: str, verb: str, heads: Heads) -> Collection[str] | None:
        """Which of `heads` (route heads under one verb, not ANY, see `route_head`) some
        statement may match: `verdict` on a route whose head is not among them is denied by
        no statement (NO_ALLOW), whatever the rest of its path. None: every route must be
        asked (statements that could not be read may change any verdict)."""
        routes = self._routes
        lead = routes.leads.get((api_id, stage, verb)) or routes.lead(api_id, stage, verb)
        return lead.index.touched(heads)

    def _untouched(self, lead: str, path: str, route: RoutePath) -> RouteVerdict:
        """No statement can match any request of the route: denied, witness under `lead`.

        The verdict depends only on the key, so roles share one (frozen) object.
        """
        other = self._routes.other(route)
        key = (self._arn, lead, path, other)
        untouched = self._cache.untouched
        hit = untouched.get(key)
        if hit is None:
            witness = f"{self._arn}{lead}{route.head}{other.join(route.untouched_pieces)}"
            hit = RouteVerdict("denied", reasons=(NO_ALLOW,), witness_denied=witness)
            untouched.keep(key, hit)
        return hit


class UnsurePreparedRole(PreparedRole):
    """A PreparedRole beside statements that could not be read: its verdicts are judged
    without them, then `unknown` where they may change them. A subclass, so that roles
    whose policies read cleanly pay nothing for it."""

    __slots__ = ("_unsure",)

    def __init__(
        self,
        routes: RoleRoutes,
        arn_prefix: str,
        same_account: bool,
        cache: PolicyCache,
        unsure: Unsure,
    ) -> None:
        super().__init__(routes, arn_prefix, same_account, cache)
        self._unsure = unsure

    def touched(self, api_id: str, stage: str, verb: str, heads: Heads) -> Collection[str] | None:
        return None

    def verdict(self, api_id: str, stage: str, method: str, path: str) -> RouteVerdict:
        readable = super().verdict(api_id, stage, method, path)
        return self._unsure.judge(readable, api_id, stage, method, path)


def route_head(path: str, cache: PolicyCache) -> tuple[str, bool]:
    """The literal head of a route's path template (up to its first parameter), as
    `PreparedRole.verdict` and `touched` see it, and whether it is the whole path (no
    parameter); kept in `cache`."""
    parsed = route_path(path, cache)
    return parsed.head, parsed.rest is None


def prepare_role(
    identity: Sequence[NamedPolicy],
    *,
    boundary: Sequence[NamedPolicy] | None = None,
    resource_policy: NamedPolicy | None = None,
    role_arn: str | None = None,
    context: Mapping[str, Any] | None = None,
    partition: str,
    region: str,
    account: str,
    action: str = INVOKE,
    principal_arn: str | None = None,
    cache: PolicyCache,
) -> PreparedRole:
    """Compile a role once for `PreparedRole.verdict` on many routes (see `route_verdict`).

    A statement that cannot be read is set aside and the rest is used (a whole document
    that cannot be read counts as one statement of unknown effect); the verdicts it may
    change are `unknown` (see unreadable.py), never `denied`.

    `cache` keeps the compiled policies, by each NamedPolicy's name and content (see
    NamedPolicy), and everything derived from them and from the routes asked about:
    preparing the same policies again with the same cache is cheap and shares the route
    caches. Roles prepared with one cache share automata; drop the cache to free it all.
    """
    if principal_arn is None and role_arn is not None:
        principal_arn = session_arn_for(role_arn)
    caller = Caller.of(principal_arn, role_arn, boundary is not None)
    compiled = compiled_for(identity, boundary, resource_policy, caller, cache, strict=False)
    ctx = caller_context(context, caller)
    arn_prefix = f"arn:{partition}:execute-api:{region}:{account}:"
    same_account = caller.account is None or caller.account == account
    routes, key = _role_routes(compiled, action, ctx, arn_prefix, cache)
    if not compiled.unreadable:
        return PreparedRole(routes, arn_prefix, same_account, cache)
    unsure = compiled.automata.get(("unsure", *key))
    if not isinstance(unsure, Unsure):
        statements = may_apply(compiled.unreadable, action)
        probes = [_probe(s, action, ctx, key, cache) for s in statements]
        unsure = compiled.automata[("unsure", *key)] = Unsure(statements, probes)
    if not unsure.statements:
        return PreparedRole(routes, arn_prefix, same_account, cache)
    return UnsurePreparedRole(routes, arn_prefix, same_account, cache, unsure)


_NO_CALLER = Caller.of(None, None, False)


def _probe(
    statement: Unreadable,
    action: str,
    ctx: dict[str, Any],
    key: tuple[Any, ...],
    cache: PolicyCache,
) -> Probe | None:
    """The probe of a statement's Resource (None: it was not read), shared through the
    cache. The context matters only to policy variables in the Resource."""
    if statement.resources is None:
        return None
    action_key, context_key, arn_prefix = key  # as _role_routes keys a role's routes
    variables = statement.variables and any("${" in r for r in statement.resources)
    shape = (statement.resources, statement.not_resource, statement.variables)
    probe_key = (*shape, action_key, arn_prefix, context_key if variables else None)
    hit = cache.probes.get(probe_key)
    if hit is None:
        policy = probe_policy(statement.resources, statement, action)
        compiled = compiled_for([policy], None, None, _NO_CALLER, cache, strict=False)
        routes, _ = _role_routes(compiled, action, ctx if variables else {}, arn_prefix, cache)
        hit = cache.probes.keep(probe_key, Probe(PreparedRole(routes, arn_prefix, True, cache)))
    return hit


def _role_routes(
    compiled: CompiledSet, action: str, ctx: dict[str, Any], arn_prefix: str, cache: PolicyCache
) -> tuple[RoleRoutes, tuple[Any, ...]]:
    """The compiled set's RoleRoutes for one action, context and account (kept in it), and
    the key it is kept under."""
    context_key = tuple(sorted((k, repr(v)) for k, v in ctx.items()))
    key = (action.lower(), context_key, arn_prefix)
    routes = compiled.automata.get(("routes", *key))
    if not isinstance(routes, RoleRoutes):
        routes = RoleRoutes.of(compiled, action.lower(), ctx, arn_prefix, cache)
        compiled.automata["routes", *key] = routes
    return routes, key


def route_verdict(
    identity: Sequence[NamedPolicy],
    *,
    boundary: Sequence[NamedPolicy] | None = None,
    resource_policy: NamedPolicy | None = None,
    role_arn: str | None = None,
    partition: str,
    region: str,
    account: str,
    api_id: str,
    stage: str,
    method: str,
    path: str,
    context: Mapping[str, Any] | None = None,
    action: str = INVOKE,
    principal_arn: str | None = None,
    cache: PolicyCache | None = None,
) -> RouteVerdict:
    """Whether every (allowed), no (denied) or some (partial) request to a route is allowed.

    `context` holds the keys whose values are known; every other key is unknown, and a
    verdict that hinges on one is `partial` with the reason. Each witness is the shortest
    request of its kind, the first in character order among equals (a free character is
    one that no pattern or template names). `allowing` / `denying` list the statements
    seen to match requests of the route; for `partial` the search stops once no witness
    can improve, so those lists may then be incomplete, and of several interchangeable
    statements (same effect, source and condition, one pattern covering the other) the
    automata may keep only one (see automata.py). The caller is
    the role session; without `principal_arn` it is the identity-pool session of `role_arn`
    (`.../assumed-role/<name>/CognitoIdentityCredentials`).

    For many routes of one role, `prepare_role(...).verdict(...)` skips the per-call setup.
    `cache` as for `prepare_role`; without one, a bounded module-level cache
    (`DEFAULT_CACHE`) serves every caller that passes none: fine for ad-hoc calls, while a
    long-lived program should pass its own (the audit does, see AccessEvaluator).
    """
    prepared = prepare_role(
        identity,
        boundary=boundary,
        resource_policy=resource_policy,
        role_arn=role_arn,
        context=context,
        partition=partition,
        region=region,
        account=account,
        action=action,
        principal_arn=principal_arn,
        cache=DEFAULT_CACHE if cache is None else cache,
    )
    return prepared.verdict(api_id, stage, method, path)
