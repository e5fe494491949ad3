"""The access matrix: persona x live route -> verdict, from the policy engine.

Only AWS_IAM routes are decided by the persona's role. The others are listed with what their
authorization type implies, so the matrix shows every route, and the `route-not-iam` rule
reports them.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Generic, TypeVar

from auditor.audit.resolve import UNAUTHENTICATED, Resolution
from auditor.model.baseline import Baseline, RoutePattern
from auditor.model.report import MatrixCell
from auditor.model.snapshot import Api, ApiRef, Role, Route, Snapshot
from auditor.policy import NamedPolicy, PreparedRole, RouteVerdict, StatementRef, prepare_role

HTTP_API_CATCH_ALL = "/{proxy+}"  # the $default route answers every path no other route takes
_PARAM = re.compile(r"\{[^/{}]+?(\+?)\}")
SHORTHAND = "execute-api:/"  # resource policies may say `execute-api:/prod/GET/x`


@lru_cache(maxsize=65_536)
def normalise_template(path: str) -> str:
    """`/items/{itemId}` and `/items/{id}` name the same route: compare without param names."""
    return _PARAM.sub(lambda m: "{+}" if m.group(1) else "{}", path)


def pattern_covers(pattern: RoutePattern, method: str, path: str) -> bool:
    """Does a baseline pattern name the live route (a template, not a request)?"""
    if pattern.path == "$default" or path == "$default":
        return pattern.path == path and pattern.method in ("*", "ANY", method)
    if pattern.method not in ("*", method):
        return False
    live = normalise_template(path)
    if pattern.beneath:
        return live.startswith(normalise_template(pattern.path))
    return live == normalise_template(pattern.path)


def declares(patterns: list[RoutePattern], route: Route) -> bool:
    return any(pattern_covers(p, route.method, route.path) for p in patterns)


def is_exact(pattern: RoutePattern) -> bool:
    """Names one method and one template: found by lookup, no scan needed."""
    return not pattern.beneath and pattern.method != "*" and pattern.path != "$default"


T = TypeVar("T")


class RouteIndex(Generic[T]):
    """Items keyed by their route's (method, normalised template).

    With thousands of personas and patterns, scanning every route for every pattern is the
    audit's hot spot; exact patterns (the common case) become dictionary lookups.
    """

    def __init__(self, items: Iterable[tuple[Route, T]]) -> None:
        self._items = list(items)
        self._by_key: dict[tuple[str, str], list[T]] = {}
        for route, item in self._items:
            key = (route.method, normalise_template(route.path))
            self._by_key.setdefault(key, []).append(item)
        # Sorted by normalised path, so a `/prefix/*` pattern is a bisect, not a scan.
        self._by_path = sorted(((normalise_template(route.path), index)
                                for index, (route, _) in enumerate(self._items)))
        self._paths = [path for path, _ in self._by_path]

    def named_by(self, pattern: RoutePattern) -> list[T]:
        """The items whose route the pattern names (pattern_covers, without scanning)."""
        if is_exact(pattern):
            return self._by_key.get((pattern.method, normalise_template(pattern.path)), [])
        candidates: Iterable[tuple[Route, T]] = self._items
        if pattern.beneath and pattern.path != "/":
            prefix = normalise_template(pattern.path)
            start = bisect_left(self._paths, prefix)
            end = bisect_left(self._paths, prefix + "\U0010ffff", lo=start)
            candidates = (self._items[index]
                          for index in sorted(i for _, i in self._by_path[start:end]))
        return [item for route, item in candidates
                if pattern_covers(pattern, route.method, route.path)]

    def any_verb_of(self, pattern: RoutePattern) -> list[T]:
        """Live `ANY` routes at an exact pattern's path: a declared `GET /x` on `ANY /x`."""
        if not is_exact(pattern) or pattern.method == "ANY":
            return []
        return self._by_key.get(("ANY", normalise_template(pattern.path)), [])

    def covered(self, patterns: Iterable[RoutePattern]) -> set[int]:
        """ids of the items any pattern names."""
        return {id(item) for pattern in patterns for item in self.named_by(pattern)}


def expand_shorthand(document: dict[str, Any], prefix: str) -> dict[str, Any]:
    """`execute-api:/stage/VERB/path` as the full ARN of this API, as API Gateway expands it
    when it saves a resource policy. Emulators (moto, LocalStack) store the shorthand as
    written; left as is it would match no request and hide what the policy grants."""
    def expand(value: Any) -> Any:
        if isinstance(value, str) and value.startswith(SHORTHAND):
            return prefix + value.removeprefix(SHORTHAND)
        if isinstance(value, list):
            return [expand(v) for v in value]
        return value

    statements = document.get("Statement")
    if not isinstance(statements, (list, dict)):
        return document
    expanded = [
        {k: expand(v) if k in ("Resource", "NotResource") else v for k, v in s.items()}
        if isinstance(s, dict) else s
        for s in (statements if isinstance(statements, list) else [statements])]
    return {**document, "Statement": expanded if isinstance(statements, list) else expanded[0]}


@dataclass(frozen=True)
class ApiStage:
    api: Api
    stage: str


def audited_stages(snapshot: Snapshot, refs: list[ApiRef]) -> list[ApiStage]:
    """The (API, stage) pairs the baseline asks for; a ref without a stage means every stage."""
    result: list[ApiStage] = []
    for api in snapshot.apis:
        ref = next((r for r in refs if r.id == api.id or (r.id is None and r.name == api.name)),
                   None)
        stages = [ref.stage] if ref and ref.stage else api.stages
        result.extend(ApiStage(api, stage) for stage in stages)
    return result


class AccessEvaluator:
    """Asks the policy engine about one role and one route, reusing compiled policies.

    The engine caches compiled policies by object identity, so each role's NamedPolicy list
    is built once here and handed over unchanged on every call.
    """

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self._identity: dict[str, tuple[list[NamedPolicy], list[NamedPolicy] | None]] = {}
        self._resource_policies: dict[str, NamedPolicy | None] = {}
        self._prepared: dict[tuple[str, str, str], PreparedRole] = {}
        self._context_keys: dict[int, tuple[dict[str, Any], str]] = {}
        self._contexts: dict[tuple[str, str | None], dict[str, Any]] = {}
        self._last: tuple[tuple[str, str, str], PreparedRole] | None = None

    def context_for(self, resolution: Resolution) -> dict[str, Any]:
        """persona_context, one dict per persona: verdicts are keyed by the dict's identity,
        so a new dict per question would be keyed (and kept) anew every time."""
        key = (resolution.persona, resolution.role_arn)
        held = self._contexts.get(key)
        if held is None:
            held = self._contexts[key] = persona_context(self.snapshot, resolution)
        return held

    def role_policies(self, role_arn: str) -> tuple[list[NamedPolicy], list[NamedPolicy] | None]:
        """(identity policies, permissions boundary or None)."""
        if role_arn not in self._identity:
            self._identity[role_arn] = self._build(self.snapshot.role(role_arn))
        return self._identity[role_arn]

    def _build(self, role: Role | None) -> tuple[list[NamedPolicy], list[NamedPolicy] | None]:
        if role is None:
            return [], None  # unknown role: it grants nothing we can see
        managed = self.snapshot.managed_policies
        policies = [NamedPolicy(f"{role.name}/{p.name}", p.document) for p in role.inline_policies]
        policies += [NamedPolicy(managed[arn].name, managed[arn].document)
                     for arn in role.attached_policy_arns if arn in managed]
        boundary = None
        if role.permissions_boundary_arn:
            policy = managed.get(role.permissions_boundary_arn)
            # A boundary we could not read denies everything rather than nothing: never overstate.
            boundary = [NamedPolicy(policy.name, policy.document)] if policy else []
        return policies, boundary

    def resource_policy(self, api: Api) -> NamedPolicy | None:
        if api.id not in self._resource_policies:
            snapshot = self.snapshot
            prefix = (f"arn:{snapshot.partition}:execute-api:{snapshot.region}:"
                      f"{snapshot.account_id or '*'}:{api.id}/")
            self._resource_policies[api.id] = (
                NamedPolicy(f"{api.name} resource policy",
                            expand_shorthand(api.resource_policy, prefix))
                if api.resource_policy else None)
        return self._resource_policies[api.id]

    def verdict(self, role_arn: str, api: Api, stage: str, method: str, path: str,
                context: dict[str, Any]) -> RouteVerdict:
        # Personas sharing a role share verdicts only when their request context is the same
        # (a guest and a signed-in user differ in amr).
        # No cache of verdicts here: half a million of them would dominate memory, and the
        # engine already shares automata and outcomes between roles and repeated questions.
        prepared = self._prepare(role_arn, api, context, self._context_key(context))
        return prepared.verdict(api.id, stage, method,
                                HTTP_API_CATCH_ALL if path == "$default" else path)

    def _context_key(self, context: dict[str, Any]) -> str:
        """A persona's context is one dict reused for all its routes: key it once."""
        held = self._context_keys.get(id(context))
        if held is None or held[0] is not context:
            held = self._context_keys[id(context)] = (context, repr(sorted(context.items())))
        return held[1]

    def _prepare(self, role_arn: str, api: Api, context: dict[str, Any],
                 context_key: str) -> PreparedRole:
        """The role compiled once per resource policy: APIs without one share it."""
        last = (role_arn, context_key, api.id)
        if self._last is not None and self._last[0] == last:
            return self._last[1]  # the matrix asks persona by persona, route after route
        resource_policy = self.resource_policy(api)
        key = (role_arn, context_key, api.id if resource_policy else "")
        if key not in self._prepared:
            identity, boundary = self.role_policies(role_arn)
            snapshot = self.snapshot
            self._prepared[key] = prepare_role(
                identity, boundary=boundary, resource_policy=resource_policy,
                role_arn=role_arn, context=context, partition=snapshot.partition,
                region=snapshot.region, account=snapshot.account_id or "*")
        self._last = (last, self._prepared[key])
        return self._prepared[key]




def persona_context(snapshot: Snapshot, resolution: Resolution) -> dict[str, Any]:
    """The request context keys whose values are the same for every member of the persona."""
    pool = snapshot.identity_pool
    context: dict[str, Any] = {
        "aws:PrincipalType": "AssumedRole",
        "aws:FederatedProvider": "cognito-identity.amazonaws.com",
        "aws:SecureTransport": "true",  # API Gateway endpoints are HTTPS only
    }
    if snapshot.account_id:
        context["aws:PrincipalAccount"] = snapshot.account_id
    if resolution.role_arn:
        context["aws:PrincipalArn"] = resolution.role_arn
    if pool is not None:
        context["cognito-identity.amazonaws.com:aud"] = pool.id
        guest = resolution.persona == UNAUTHENTICATED
        context["cognito-identity.amazonaws.com:amr"] = (
            ["unauthenticated"] if guest else ["authenticated"])
    return context


def _non_iam_verdict(route: Route, resolution: Resolution) -> RouteVerdict:
    kind = route.authorization_type
    if kind == "NONE":
        return RouteVerdict("allowed", reasons=["authorization NONE: anyone can call it"])
    if kind == "COGNITO_USER_POOLS":
        if resolution.persona == UNAUTHENTICATED:
            return RouteVerdict("denied", reasons=[
                "a Cognito user pool authorizer needs a signed-in user's token"])
        return RouteVerdict("allowed", reasons=[
            "a Cognito user pool authorizer admits any signed-in user; IAM roles are not "
            "consulted"])
    return RouteVerdict("partial", reasons=[
        f"authorization {kind}: decided by the authorizer, not by IAM roles"])


def build_matrix(snapshot: Snapshot, baseline: Baseline, resolutions: list[Resolution],
                 evaluator: AccessEvaluator) -> list[MatrixCell]:
    cells = []
    routes = list(iter_routes(snapshot, baseline))
    index = RouteIndex((route, route) for _, route in routes)
    keys = {id(route): route.key for _, route in routes}  # one string per route, not per cell
    # A declared public route is meant for everyone; reaching it is no drift.
    public = {id(route) for _, route in routes if route.authorization_type != "AWS_IAM"
              and declares(baseline.public_routes, route)}
    for_all_users = index.covered(baseline.routes.all_users)  # once: signed-in personas share it
    for resolution in resolutions:
        own = index.covered(baseline.own_routes(resolution.persona))
        if resolution.persona == UNAUTHENTICATED:  # guests get only their own routes
            expected = public | own
        else:
            expected = public | for_all_users | own
        context = evaluator.context_for(resolution)
        for api_stage, route in routes:
            cells.append(_cell(resolution, api_stage, route, keys[id(route)],
                               id(route) in expected, context, evaluator))
    return cells


def iter_routes(snapshot: Snapshot, baseline: Baseline) -> Iterator[tuple[ApiStage, Route]]:
    for api_stage in audited_stages(snapshot, baseline.apis):
        for route in api_stage.api.routes:
            yield api_stage, route


@lru_cache(maxsize=65_536)
def _statement_text(ref: StatementRef) -> str:
    return str(ref)  # one string per statement, shared by every cell it decides


def _cell(resolution: Resolution, api_stage: ApiStage, route: Route, route_key: str,
          expected: bool, context: dict[str, Any], evaluator: AccessEvaluator) -> MatrixCell:
    if route.authorization_type != "AWS_IAM":
        result = _non_iam_verdict(route, resolution)
    elif resolution.role_arn is None:
        result = RouteVerdict("denied", reasons=[f"no credentials: {resolution.how}"])
    else:
        result = evaluator.verdict(resolution.role_arn, api_stage.api, api_stage.stage,
                                   route.method, route.path, context)
    cell = MatrixCell(
        persona=resolution.persona, role_arn=resolution.role_arn, api_id=api_stage.api.id,
        stage=api_stage.stage, route=route_key, verdict=result.verdict,
        authorization_type=route.authorization_type, expected=expected,
        reasons=tuple(result.reasons),
        allowing=tuple(_statement_text(s) for s in result.allowing),
        denying=tuple(_statement_text(s) for s in result.denying),
        # Only a partial verdict needs examples; for the others the route itself is one.
        witness_allowed=result.witness_allowed if result.verdict == "partial" else None,
        witness_denied=result.witness_denied if result.verdict == "partial" else None)
    # Every field is given, so every cell has the same set of explicitly set fields: share
    # one. A set per cell is half of a cell's memory (728 of 1,270 bytes); model_copy copies
    # the set before changing it, and cells are frozen.
    object.__setattr__(cell, "__pydantic_fields_set__", _EVERY_CELL_FIELD)
    return cell


_EVERY_CELL_FIELD = set(MatrixCell.model_fields)
