"""Rules over what each stage serves against the API's current definition."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.audit.routes import audited_stages
from auditor.checks.context import AuditContext
from auditor.model.findings import Issue, Severity
from auditor.model.snapshot import Api, AuthorizationType, Deployment, Route, ServedRoute


def route_undeployed_change(ctx: AuditContext) -> Iterator[Issue]:
    """A stage serves a method whose authorization the definition no longer gives it (or a
    method the definition no longer has): the change was made but never deployed, and the
    audit of the definition alone would judge what nobody can call. The stage's canary
    counts as much as its own deployment: one finding per stage and route, for the least
    restrictive of what they serve otherwise than the definition."""
    for api_stage in audited_stages(ctx.snapshot, ctx.baseline.apis):
        api, stage = api_stage.api, api_stage.stage
        current = {route.key: route.authorization_type for route in api.routes}
        for route, served, deployment, canary in _differing(api, stage, current):
            defined = current.get(route.key)
            now = (
                f"the definition says {defined}" if defined else "the definition has no such route"
            )
            which = "its canary, deployment" if canary else "deployment"
            yield Issue(
                rule_id="route-undeployed-change",
                resource=ctx.snapshot.route_arn(api.id, route.method, route.path, stage),
                route=route.key,
                api_id=api.id,
                severity=Severity.CRITICAL if served == "NONE" else None,
                message=f"stage {stage} of {api.id} serves {route.key} with authorization "
                f"{served} ({which} {deployment.id}); {now}, but that was never deployed",
                evidence={
                    "stage": stage,
                    "deployment_id": deployment.id,
                    "canary": canary,
                    "served": served,
                    "current": defined,
                },
            )


def _differing(
    api: Api, stage: str, current: dict[str, str]
) -> Iterator[tuple[Route, AuthorizationType, Deployment, bool]]:
    """(route, the authorization served, the deployment serving it so, whether that is the
    canary) for each route the stage serves otherwise than the definition. What the stage
    serves (Api.served_routes) already shows each route with the least restrictive of its
    deployment's and its canary's authorization, and names the other (ServedRoute.other):
    the first of the two that differs from the definition is the one reported."""
    for route in api.served_routes(stage):
        shown_by_canary = isinstance(route, ServedRoute) and route.canary
        ways = [(route.authorization_type, shown_by_canary)]
        if isinstance(route, ServedRoute) and route.other is not None:
            ways.append((route.other, not shown_by_canary))
        for served, canary in ways:
            if current.get(route.key) == served:
                continue
            deployment = api.deployment_serving(stage, canary)
            if deployment is not None:  # None: the definition itself, which it cannot differ from
                yield route, served, deployment, canary
            break
