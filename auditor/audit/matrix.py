"""The access matrix: persona x live route -> verdict, from the policy engine.

Only AWS_IAM routes are decided by the persona's role. The others are listed with what their
authorization type implies, so the matrix shows every route, and the `route-not-iam` rule
reports them.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from auditor.audit.evaluator import AccessEvaluator
from auditor.audit.resolve import Resolution
from auditor.audit.routes import ApiStage, RouteIndex, declares, iter_routes
from auditor.model.baseline import Baseline
from auditor.model.personas import UNAUTHENTICATED
from auditor.model.report import MatrixCell
from auditor.model.snapshot import Route, Snapshot
from auditor.policy import RouteVerdict, StatementRef


def _non_iam_verdict(route: Route, resolution: Resolution) -> RouteVerdict:
    kind = route.authorization_type
    if kind == "NONE":
        return RouteVerdict("allowed", reasons=("authorization NONE: anyone can call it",))
    if kind == "COGNITO_USER_POOLS":
        if resolution.persona == UNAUTHENTICATED:
            return RouteVerdict(
                "denied", reasons=("a Cognito user pool authorizer needs a signed-in user's token",)
            )
        return RouteVerdict(
            "allowed",
            reasons=(
                "a Cognito user pool authorizer admits any signed-in user; IAM roles are not "
                "consulted",
            ),
        )
    return RouteVerdict(
        "partial", reasons=(f"authorization {kind}: decided by the authorizer, not by IAM roles",)
    )


def build_matrix(
    snapshot: Snapshot,
    baseline: Baseline,
    resolutions: list[Resolution],
    evaluator: AccessEvaluator,
) -> list[MatrixCell]:
    cells = []
    routes = list(iter_routes(snapshot, baseline))
    index = RouteIndex((route, route) for _, route in routes)
    keys = {id(route): route.key for _, route in routes}  # one string per route, not per cell
    # A declared public route is meant for everyone; reaching it is no drift.
    public = {
        id(route)
        for _, route in routes
        if route.authorization_type != "AWS_IAM" and declares(baseline.public_routes, route)
    }
    for_all_users = index.covered(baseline.routes.all_users)  # once: signed-in personas share it
    for resolution in resolutions:
        own = index.covered(baseline.own_routes(resolution.persona))
        if resolution.persona == UNAUTHENTICATED:  # guests get only their own routes
            expected = public | own
        else:
            expected = public | for_all_users | own
        context = evaluator.context_for(resolution)
        for api_stage, route in routes:
            cells.append(
                _cell(
                    resolution,
                    api_stage,
                    route,
                    keys[id(route)],
                    id(route) in expected,
                    context,
                    evaluator,
                )
            )
    return cells


@lru_cache(maxsize=65_536)
def _statement_text(ref: StatementRef) -> str:
    return str(ref)  # one string per statement, shared by every cell it decides


def _cell(
    resolution: Resolution,
    api_stage: ApiStage,
    route: Route,
    route_key: str,
    expected: bool,
    context: dict[str, Any],
    evaluator: AccessEvaluator,
) -> MatrixCell:
    if route.authorization_type != "AWS_IAM":
        result = _non_iam_verdict(route, resolution)
    elif resolution.role_arn is None:
        result = RouteVerdict("denied", reasons=(f"no credentials: {resolution.how}",))
    else:
        result = evaluator.verdict(
            resolution.role_arn, api_stage.api, api_stage.stage, route.method, route.path, context
        )
    cell = MatrixCell(
        persona=resolution.persona,
        role_arn=resolution.role_arn,
        api_id=api_stage.api.id,
        stage=api_stage.stage,
        route=route_key,
        verdict=result.verdict,
        authorization_type=route.authorization_type,
        expected=expected,
        reasons=tuple(result.reasons),
        allowing=tuple(_statement_text(s) for s in result.allowing),
        denying=tuple(_statement_text(s) for s in result.denying),
        # Only a partial verdict needs examples; for the others the route itself is one.
        witness_allowed=result.witness_allowed if result.verdict == "partial" else None,
        witness_denied=result.witness_denied if result.verdict == "partial" else None,
    )
    # Every field is given, so every cell has the same set of explicitly set fields: share
    # one. A set per cell is half of a cell's memory (728 of 1,270 bytes); model_copy copies
    # the set before changing it, and cells are frozen.
    object.__setattr__(cell, "__pydantic_fields_set__", _EVERY_CELL_FIELD)
    return cell


_EVERY_CELL_FIELD = set(MatrixCell.model_fields)
