"""Rules over the API's routes and its resource policy."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from auditor.audit.routes import RouteIndex, audited_stages, declares
from auditor.checks.context import AuditContext
from auditor.model.baseline import RoutePattern
from auditor.model.findings import Issue, Severity
from auditor.model.snapshot import Api, Route, ServedRoute
from auditor.policy import public_statements


@dataclass(frozen=True)
class _Served:
    """A live route of an API. Where the audited stages serving it disagree on its
    authorization, each stage gives its own entry (`stage` set); where they agree, one entry
    stands for all of them (`stage` None: findings name every stage `*`), whatever the
    definition says, so that fixing the definition alone changes no finding's identity."""

    api: Api
    route: Route
    stage: str | None = None
    stages: tuple[str, ...] = ()  # the audited stages serving the route so
    canary: bool = False  # a stage's canary serves it so (see ServedRoute)
    definition: str | None = None  # the authorization the definition gives it, if it has it


def _unique_routes(ctx: AuditContext) -> list[_Served]:
    """Live routes once each, but never one hiding another authorization."""
    places: dict[tuple[str, str], list[tuple[str, Route]]] = {}
    for api_stage, route in ctx.routes:
        places.setdefault((api_stage.api.id, route.key), []).append((api_stage.stage, route))
    apis = {api.id: api for api in ctx.snapshot.apis}
    current = {api.id: {r.key: r for r in api.routes} for api in ctx.snapshot.apis}
    served: list[_Served] = []
    for (api_id, key), serving in places.items():
        api, defined = apis[api_id], current[api_id].get(key)
        definition = defined.authorization_type if defined else None
        if len({route.authorization_type for _, route in serving}) > 1:
            served += [
                _Served(api, r, stage, (stage,), _by_canary(r), definition) for stage, r in serving
            ]
            continue
        route = serving[0][1]
        if defined is not None and definition == route.authorization_type:
            route = defined  # the definition's: a deployment summary names no authorizer
        canary = any(_by_canary(r) for _, r in serving)
        stages = tuple(stage for stage, _ in serving)
        served.append(_Served(api, route, None, stages, canary, definition))
    # An API with no stage yet still has routes to check; one whose stages serve nothing has
    # nothing live.
    audited = {s.api.id for s in audited_stages(ctx.snapshot, ctx.baseline.apis)}
    for api in ctx.snapshot.apis:
        if api.id not in audited:
            served += [_Served(api, r, definition=r.authorization_type) for r in api.routes]
    return served


def _by_canary(route: Route) -> bool:
    return isinstance(route, ServedRoute) and route.canary


def _route_resource(ctx: AuditContext, api: Api, route: Route, stage: str | None = None) -> str:
    return ctx.snapshot.route_arn(api.id, route.method, route.path, stage or "*")


def route_not_iam(ctx: AuditContext) -> Iterator[Issue]:
    for served in _unique_routes(ctx):
        api, route, stage = served.api, served.route, served.stage
        if route.authorization_type == "AWS_IAM" or declares(ctx.baseline.public_routes, route):
            continue
        public = route.authorization_type == "NONE"
        where = f"{api.id} stage {stage}" if stage else api.id
        evidence: dict[str, object] = {
            "authorization_type": route.authorization_type,
            "authorizer_id": route.authorizer_id,
            "stages": list(served.stages),
            "definition": served.definition,
            "canary": served.canary,
        }
        if stage:  # the audited stages disagree: this one serves it so
            deployment = api.deployment_serving(stage, served.canary)
            evidence |= {"stage": stage, "deployment_id": deployment.id if deployment else None}
        if served.canary:
            where += " (a canary serves it so)"
        yield Issue(
            rule_id="route-not-iam",
            resource=_route_resource(ctx, api, route, stage),
            route=route.key,
            api_id=api.id,
            severity=Severity.CRITICAL if public else Severity.HIGH,
            message=f"{route.key} on {where} uses authorization "
            f"{route.authorization_type}"
            + (": it is public" if public else ", so group roles do not govern it")
            + " and it is not in public_routes",
            evidence=evidence,
        )


def _distinct_patterns(ctx: AuditContext) -> list[RoutePattern]:
    """Every baseline pattern once, in order of appearance: groups that share a role
    usually declare the same routes, and each pattern costs a lookup (a scan of the routes
    for `* /path`)."""
    distinct: dict[str, RoutePattern] = {}
    for pattern in ctx.baseline.all_patterns():
        distinct.setdefault(pattern.raw, pattern)
    return list(distinct.values())


def route_undeclared(ctx: AuditContext) -> Iterator[Issue]:
    patterns = _distinct_patterns(ctx)
    # Declared or not is a matter of the route, whatever authorization each stage serves.
    unique = list({(s.api.id, s.route.key): (s.api, s.route) for s in _unique_routes(ctx)}.values())
    index = RouteIndex((route, route) for _, route in unique)
    covered = index.covered(patterns)
    # A declared verb of a live ANY route makes the route known.
    covered |= {id(route) for p in patterns for route in index.any_verb_of(p)}
    for api, route in unique:
        if id(route) in covered:
            continue
        yield Issue(
            rule_id="route-undeclared",
            resource=_route_resource(ctx, api, route),
            route=route.key,
            api_id=api.id,
            message=f"{route.key} on {api.id} is live but no baseline pattern covers it",
        )


def route_missing(ctx: AuditContext) -> Iterator[Issue]:
    if not ctx.snapshot.apis:
        return
    index = RouteIndex((served.route, served.route) for served in _unique_routes(ctx))
    reported = set()
    for pattern in _distinct_patterns(ctx):
        if pattern.has_wildcard or pattern.raw in reported:
            continue
        if index.named_by(pattern) or index.any_verb_of(pattern):
            continue
        reported.add(pattern.raw)
        apis = ", ".join(a.id for a in ctx.snapshot.apis)
        # No API has it: the resource is the route on any API, stable when APIs are added.
        yield Issue(
            rule_id="route-missing",
            route=pattern.raw,
            resource=ctx.snapshot.route_arn("*", pattern.method, pattern.path),
            message=f"baseline route {pattern.raw} does not exist on {apis}",
            evidence={"apis": [a.id for a in ctx.snapshot.apis]},
        )


def resource_policy_public(ctx: AuditContext) -> Iterator[Issue]:
    for api in ctx.snapshot.apis:
        # The policy as the evaluator judged routes with it (shorthand expanded), read once.
        policy = ctx.evaluator.resource_policy(api)
        if policy is None:
            continue
        for index, statement, trivial in public_statements(policy, ctx.evaluator.cache):
            how = "with conditions that restrict no caller" if trivial else "without a condition"
            yield Issue(
                rule_id="resource-policy-public",
                resource=f"arn:{ctx.snapshot.partition}:apigateway:{ctx.snapshot.region}"
                f"::/restapis/{api.id}#statement-{index}",
                api_id=api.id,
                message=f"the resource policy of {api.id} lets anyone (Principal '*') "
                f"invoke it {how} (statement {index})",
                evidence={"statement": dict(statement), "trivial_conditions": list(trivial)},
            )
