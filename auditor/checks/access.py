"""Rules over the access matrix: what each persona can and cannot reach."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from auditor.audit.matrix import Cell
from auditor.audit.resolve import Resolution
from auditor.audit.routes import ApiStage, pattern_covers
from auditor.audit.verdicts import verbs_reached, verdict_for
from auditor.checks.context import AuditContext
from auditor.model.baseline import RoutePattern
from auditor.model.findings import Issue, Severity
from auditor.model.personas import UNAUTHENTICATED
from auditor.policy import PatternRisk, RouteVerdict, execute_api_allows

OVERBROAD = {
    PatternRisk.RESOURCE_STAR: "Resource is '*': every API in the account",
    PatternRisk.API_ID_WILDCARD: "a wildcard in the API id position: every API in the account",
    PatternRisk.NOT_RESOURCE: "NotResource: everything except the listed resources",
}


def _named_verdicts(
    ctx: AuditContext, resolution: Resolution, pattern: RoutePattern
) -> Iterator[tuple[ApiStage, RouteVerdict, str]]:
    """The verdict on every live route a declared pattern names, with the route's text.

    A declared `GET /x` served by a live `ANY /x` asks about GET alone, not about every verb;
    that verb's verdict is no matrix cell, so it keeps its examples whatever its kind.
    """
    for api_stage, route in ctx.route_index.named_by(pattern):
        yield api_stage, ctx.cell(resolution, api_stage, route).verdict, route.key
    for api_stage, route in ctx.route_index.any_verb_of(pattern):
        verdict = verdict_for(ctx.evaluator, resolution, api_stage, route, pattern.method)
        yield api_stage, verdict, f"{pattern.method} {route.path}"


def _unreached(
    ctx: AuditContext, rule_id: str, patterns_for: Callable[[Resolution], list[RoutePattern]]
) -> Iterator[Issue]:
    pool_id = ctx.snapshot.identity_pool.id if ctx.snapshot.identity_pool else ""
    for resolution in ctx.resolutions:
        if not ctx.baseline.path_in_use(resolution.app_client):
            continue  # nobody signs in through that client: what it cannot reach is no loss
        for pattern in patterns_for(resolution):
            for api_stage, verdict, text in _named_verdicts(ctx, resolution, pattern):
                if verdict.verdict in ("allowed", "unknown"):  # unknown: neither way
                    continue
                where = f"{text} on {api_stage.api.id}/{api_stage.stage}"
                how = "only partly" if verdict.verdict == "partial" else "not at all"
                yield Issue(
                    rule_id=rule_id,
                    resource=resolution.role_arn or pool_id,
                    persona=resolution.persona,
                    route=text,
                    api_id=api_stage.api.id,
                    app_client=resolution.app_client,
                    message=f"{_who(ctx, resolution)} can reach {where} {how} "
                    f"(declared by '{pattern}')",
                    evidence={
                        "stage": api_stage.stage,
                        "verdict": verdict.verdict,
                        "declared_by": str(pattern),
                        "role_resolution": resolution.how,
                        "reasons": list(verdict.reasons),
                        "witness_denied": verdict.witness_denied,
                        **_clients(ctx, resolution),
                    },
                )


def _who(ctx: AuditContext, resolution: Resolution) -> str:
    """The persona, and the app clients through which it gets this role where paths differ:
    one finding speaks for every client that gives the same role (same fingerprint)."""
    if resolution.app_client is None:
        return resolution.persona
    clients = " or ".join(ctx.clients_giving(resolution))
    return f"{resolution.persona} (signing in through app client {clients})"


def _clients(ctx: AuditContext, resolution: Resolution) -> dict[str, object]:
    return {"app_clients": ctx.clients_giving(resolution)} if resolution.app_client else {}


def missing_all_users_route(ctx: AuditContext) -> Iterator[Issue]:
    yield from _unreached(
        ctx,
        "missing-all-users-route",
        lambda r: [] if r.persona == UNAUTHENTICATED else list(ctx.baseline.routes.all_users),
    )


def missing_route(ctx: AuditContext) -> Iterator[Issue]:
    yield from _unreached(ctx, "missing-route", lambda r: ctx.baseline.own_routes(r.persona))


def excess_route(ctx: AuditContext) -> Iterator[Issue]:
    for cell in ctx.matrix.reached():
        verdict = cell.verdict
        iam_governed = cell.route.authorization_type == "AWS_IAM"
        if not iam_governed or cell.expected or verdict.verdict in ("denied", "unknown"):
            continue
        verbs = _undeclared_verbs_reached(ctx, cell)
        if not verbs:
            continue
        persona, role_arn = cell.resolution.persona, cell.resolution.role_arn
        api_id, stage, route = cell.api_stage.api.id, cell.api_stage.stage, cell.route.key
        yield Issue(
            rule_id="excess-route",
            resource=role_arn or "",
            persona=persona,
            route=route,
            api_id=api_id,
            app_client=cell.resolution.app_client,
            severity=Severity.CRITICAL if persona == UNAUTHENTICATED else None,
            message=(
                f"{_who(ctx, cell.resolution)} can reach {route} on {api_id}/{stage} "
                f"({verdict.verdict}) although the baseline does not declare it for them"
            ),
            evidence={
                "stage": stage,
                "verdict": verdict.verdict,
                "allowing": tuple(str(ref) for ref in verdict.allowing),
                "witness_allowed": verdict.witness_allowed,
                "reasons": tuple(verdict.reasons),
                "verbs": verbs,
                **_clients(ctx, cell.resolution),
            },
        )


def _undeclared_verbs_reached(ctx: AuditContext, cell: Cell) -> list[str]:
    """For an ANY route, only verbs the persona may not use count; otherwise the route's verb."""
    route = cell.route
    if route.method != "ANY":
        return [route.method]
    declared = ctx.baseline.declared_routes(cell.resolution.persona)
    reached = verbs_reached(ctx.evaluator, cell.resolution, [(cell.api_stage, route)])
    return [
        r.verb
        for r in reached
        if r.kind != "unknown" and not any(pattern_covers(p, r.verb, route.path) for p in declared)
    ]


def overbroad_grant(ctx: AuditContext) -> Iterator[Issue]:
    # Each persona once, whatever the sign-in paths, in order (a dict: 10,000 groups may
    # share one role, and a list's `in` made that quadratic).
    personas_by_role: dict[str, dict[str, None]] = {}
    for resolution in ctx.resolutions:
        if resolution.role_arn:
            personas_by_role.setdefault(resolution.role_arn, {})[resolution.persona] = None
    for role_arn, named in personas_by_role.items():
        personas = list(named)
        identity, _boundary = ctx.evaluator.role_policies(role_arn)
        broad = []
        for statement, risks, patterns in execute_api_allows(identity, ctx.evaluator.cache):
            why = [OVERBROAD[r] for r in sorted(risks, key=lambda r: r.value) if r in OVERBROAD]
            if why:
                broad.append(
                    {"statement": str(statement), "resource_patterns": patterns, "why": why}
                )
        if broad:
            listed = "; ".join(f"{b['statement']}: {', '.join(b['why'])}" for b in broad)
            yield Issue(
                rule_id="overbroad-grant",
                resource=role_arn,
                persona=personas[0],
                message=f"{role_arn} allows execute-api too broadly: {listed}",
                evidence={"statements": broad, "personas": personas},
            )
