"""Rules over the API's routes and its resource policy."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from auditor.audit.routes import RouteIndex, audited_stages, declares
from auditor.checks.context import AuditContext
from auditor.model.findings import Issue, Severity
from auditor.model.snapshot import Api, Route, ServedRoute
from auditor.policy import public_statements


@dataclass(frozen=True)
class _Served:
    """A live route of an API. `stage` is set when that stage serves an authorization the
    API's current definition does not give the route (an undeployed change); otherwise the
    route is served alike wherever it is served, and `stage` is None."""

    api: Api
    route: Route
    stage: str | None = None


def _unique_routes(ctx: AuditContext) -> list[_Served]:
    """Live routes once each, but never one hiding another authorization: stages serving a
    route as the definition says give one entry; a stage serving it otherwise, its own."""
    current = {api.id: {r.key: r for r in api.routes} for api in ctx.snapshot.apis}
    served: list[_Served] = []
    for api_stage, route in ctx.routes:
        api = api_stage.api
        defined = current[api.id].get(route.key)
        if defined is not None and defined.authorization_type == route.authorization_type:
            # The definition's route: a deployment summary does not name the authorizer.
            served.append(_Served(api, defined))
        else:
            served.append(_Served(api, route, api_stage.stage))
    # An API with no stage yet still has routes to check; one whose stages serve nothing has
    # nothing live.
    audited = {s.api.id for s in audited_stages(ctx.snapshot, ctx.baseline.apis)}
    for api in ctx.snapshot.apis:
        if api.id not in audited:
            served += [_Served(api, route) for route in api.routes]
    unique = {(s.api.id, s.route.key, s.route.authorization_type, s.stage): s for s in served}
    return list(unique.values())


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
        }
        if stage:  # what the stage serves is not what the definition says
            defined = next((r for r in api.routes if r.key == route.key), None)
            canary = isinstance(route, ServedRoute) and route.canary
            deployment = (api.canaries if canary else api.deployments).get(stage)
            evidence |= {
                "stage": stage,
                "deployment_id": deployment.id if deployment else None,
                "canary": canary,
                "definition": defined.authorization_type if defined else None,
            }
            where += " (its canary)" if canary else ""
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


def route_undeclared(ctx: AuditContext) -> Iterator[Issue]:
    patterns = ctx.baseline.all_patterns()
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
