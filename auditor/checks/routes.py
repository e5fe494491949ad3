"""Rules over the API's routes and its resource policy."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.audit.routes import RouteIndex, declares
from auditor.checks.context import AuditContext
from auditor.model.findings import Issue, Severity
from auditor.model.snapshot import Api, Route
from auditor.policy import public_statements


def _unique_routes(ctx: AuditContext) -> list[tuple[Api, Route]]:
    """Live routes once each: authorization is per route, not per stage."""
    seen: dict[tuple[str, str], tuple[Api, Route]] = {}
    for api_stage, route in ctx.routes:
        seen.setdefault((api_stage.api.id, route.key), (api_stage.api, route))
    audited = {api.id for api, _ in seen.values()}
    for api in ctx.snapshot.apis:  # an API with no stage yet still has routes to check
        if api.id not in audited:
            for route in api.routes:
                seen.setdefault((api.id, route.key), (api, route))
    return list(seen.values())


def _route_resource(ctx: AuditContext, api: Api, route: Route) -> str:
    return ctx.snapshot.route_arn(api.id, route.method, route.path)


def route_not_iam(ctx: AuditContext) -> Iterator[Issue]:
    for api, route in _unique_routes(ctx):
        if route.authorization_type == "AWS_IAM" or declares(ctx.baseline.public_routes, route):
            continue
        public = route.authorization_type == "NONE"
        yield Issue(
            rule_id="route-not-iam",
            resource=_route_resource(ctx, api, route),
            route=route.key,
            api_id=api.id,
            severity=Severity.CRITICAL if public else Severity.HIGH,
            message=f"{route.key} on {api.id} uses authorization "
            f"{route.authorization_type}"
            + (": it is public" if public else ", so group roles do not govern it")
            + " and it is not in public_routes",
            evidence={
                "authorization_type": route.authorization_type,
                "authorizer_id": route.authorizer_id,
            },
        )


def route_undeclared(ctx: AuditContext) -> Iterator[Issue]:
    patterns = ctx.baseline.all_patterns()
    unique = _unique_routes(ctx)
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
    index = RouteIndex((route, route) for _, route in _unique_routes(ctx))
    reported = set()
    for pattern in ctx.baseline.all_patterns():
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
        if not api.resource_policy:
            continue
        for index, statement, trivial in public_statements(api.resource_policy):
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
