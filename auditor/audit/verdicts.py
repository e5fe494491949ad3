"""A persona's verdict on a live route, decided in one place.

Four cases, in this order: on a stage whose deployment could not be read every verdict is
`unknown` (what it serves is not known, and the current definition is no stand-in); a route
not governed by AWS_IAM is decided by its authorization type, whoever calls (the
`route-not-iam` rule reports it); a persona to whom Cognito hands no credentials cannot sign
an IAM request; anyone else is a question for the policy engine. A route that a stage's
canary serves otherwise than its own deployment is judged both ways, and the better verdict
stands (a caller who retries lands on either). The matrix, the checks, `explain` and the
draft all ask here; the matrix asks a row at a time (`row_verdicts`), the same answers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from auditor.audit.evaluator import AccessEvaluator
from auditor.audit.resolve import Resolution
from auditor.audit.routes import ApiStage
from auditor.model.http import HTTP_METHODS, served_path
from auditor.model.personas import UNAUTHENTICATED
from auditor.model.report import Verdict
from auditor.model.route_grammar import path_template_problem
from auditor.model.snapshot import Route, ServedRoute
from auditor.policy import NO_ALLOW, Heads, RouteVerdict, route_head


def verdict_for(
    evaluator: AccessEvaluator,
    resolution: Resolution,
    api_stage: ApiStage,
    route: Route,
    verb: str | None = None,
) -> RouteVerdict:
    """The verdict on `route` as served by `api_stage`, for one verb of an `ANY` route (a
    declared `GET /x` served by `ANY /x` asks about GET alone) or, by default, its method.

    The evaluator is passed in, not held: it is the audit's one owner of compiled policies and
    request contexts, and every caller already has it.
    """
    if api_stage.unread is not None:
        return unread_verdict(api_stage.unread)
    method = verb or route.method
    verdict = _judged(evaluator, resolution, api_stage, route.authorization_type, method, route)
    other = route.other if isinstance(route, ServedRoute) else None
    if other is None:
        return verdict
    # The stage's own deployment and its canary serve the route two ways, and a caller who
    # retries lands on either: whatever either lets the persona do.
    second = _judged(evaluator, resolution, api_stage, other, method, route)
    best = max(verdict, second, key=lambda v: _REACH[v.verdict])
    note = (
        f"stage {api_stage.stage} serves it as {route.authorization_type} and as {other} "
        "(its own deployment and its canary): a caller may get either"
    )
    return replace(best, reasons=(*best.reasons, note))


# How much of a route a verdict lets a persona reach, for the better of two: a partial
# verdict reaches some requests for sure, an unknown one perhaps none.
_REACH = {"denied": 0, "unknown": 1, "partial": 2, "allowed": 3}


def _judged(
    evaluator: AccessEvaluator,
    resolution: Resolution,
    api_stage: ApiStage,
    authorization_type: str,
    method: str,
    route: Route,
) -> RouteVerdict:
    """The verdict on `route` served with this authorization type."""
    if authorization_type != "AWS_IAM":
        return non_iam_verdict(authorization_type, resolution.persona == UNAUTHENTICATED)
    if resolution.role_arn is None:
        return _decided("denied", f"no credentials: {resolution.how}")
    api, stage = api_stage.api, api_stage.stage
    problem = _template_problem(route.path)
    if problem is not None:
        return evaluator.unjudged_route(
            resolution.role_arn, api.id, stage, method, route.path, problem
        )
    return evaluator.verdict(
        resolution.role_arn, api, stage, method, route.path, evaluator.context_for(resolution)
    )


# A route no statement of the role can match, as the matrix keeps it: denied, and no witness
# (the route itself is one). Every such cell of every row shares this one object.
UNTOUCHED = RouteVerdict("denied", reasons=(NO_ALLOW,))


@dataclass(frozen=True, slots=True)
class _LeadColumns:
    """Columns served under one lead (API, stage, verb), by the literal head of their path."""

    api_stage: ApiStage
    verb: str
    heads: Heads
    by_head: dict[str, tuple[int, ...]]
    every: tuple[int, ...]


class ColumnPlan:
    """The matrix's columns, grouped once for every row (`row_verdicts`): by lead and head
    where the engine can tell which routes a role's statements touch, one by one where it
    cannot say so up front (non-IAM, ANY, canaries, unread stages, paths it cannot judge)."""

    def __init__(self, evaluator: AccessEvaluator, columns: Sequence[tuple[ApiStage, Route]]):
        self.columns = list(columns)
        self.single: list[int] = []
        grouped: dict[tuple[str, str, str], tuple[ApiStage, dict[str, list[int]]]] = {}
        literal: dict[tuple[str, str, str], dict[str, bool]] = {}
        for j, (api_stage, route) in enumerate(self.columns):
            verb = route.method.upper()
            if (
                api_stage.unread is not None
                or route.authorization_type != "AWS_IAM"
                or verb == "ANY"
                or (isinstance(route, ServedRoute) and route.other is not None)
                or _template_problem(route.path) is not None
            ):
                self.single.append(j)
                continue
            head, whole = route_head(served_path(route.path), evaluator.cache)
            key = (api_stage.api.id, api_stage.stage, verb)
            held = grouped.setdefault(key, (api_stage, {}))
            held[1].setdefault(head, []).append(j)
            heads = literal.setdefault(key, {})
            heads[head] = heads.get(head, True) and whole
        self.leads = [
            _LeadColumns(
                api_stage,
                key[2],
                Heads.of(literal[key]),
                {head: tuple(js) for head, js in by_head.items()},
                tuple(sorted(j for js in by_head.values() for j in js)),
            )
            for key, (api_stage, by_head) in grouped.items()
        ]


def row_verdicts(
    evaluator: AccessEvaluator, resolution: Resolution, plan: ColumnPlan
) -> list[RouteVerdict]:
    """`verdict_for` on every column of `plan`, in order, asking the engine only about the
    routes the role's statements may touch: the others are UNTOUCHED. Work in proportion to
    what a role names, not to the routes: a role names a few of hundreds."""
    columns = plan.columns
    if resolution.role_arn is None:  # no credentials: nothing for the engine to decide
        return [verdict_for(evaluator, resolution, s, r) for s, r in columns]
    row = [UNTOUCHED] * len(columns)
    context = evaluator.context_for(resolution)
    asked: list[int] = list(plan.single)
    for lead in plan.leads:
        api_stage = lead.api_stage
        prepared = evaluator.prepared(resolution.role_arn, api_stage.api, context)
        touched = (
            None
            if prepared is None
            else prepared.touched(api_stage.api.id, api_stage.stage, lead.verb, lead.heads)
        )
        if touched is None:
            asked += lead.every
        else:
            for head in touched:
                asked += lead.by_head[head]
    for j in sorted(asked):  # in column order, as one by one: the engine's memos fill alike
        api_stage, route = columns[j]
        row[j] = verdict_for(evaluator, resolution, api_stage, route)
    return row


@lru_cache(maxsize=4096)  # one look per distinct path, not one per role and route
def _template_problem(path: str) -> str | None:
    """Why the engine cannot judge a route with this path (a hand-edited snapshot's `x`), by
    the engine's own parser, or None. Its cells are `unknown`, and policy-unreadable says so."""
    return path_template_problem(served_path(path))


def verdict_key(resolution: Resolution) -> tuple[str | None, bool, str | None]:
    """Resolutions with equal keys get equal verdicts on every route: what verdict_for reads
    of a resolution is its role, whether it is a guest, and (without a role) why not."""
    role = resolution.role_arn
    return role, resolution.persona == UNAUTHENTICATED, resolution.how if role is None else None


@lru_cache(maxsize=64)  # a handful of authorization types, twice: cells share the verdict
def non_iam_verdict(authorization_type: str, guest: bool) -> RouteVerdict:
    """What a route's authorization type implies when IAM roles are not consulted."""
    if authorization_type == "NONE":
        return _decided("allowed", "authorization NONE: anyone can call it")
    if authorization_type == "COGNITO_USER_POOLS":
        if guest:
            return _decided(
                "denied", "a Cognito user pool authorizer needs a signed-in user's token"
            )
        return _decided(
            "allowed",
            "a Cognito user pool authorizer admits any signed-in user; IAM roles are not consulted",
        )
    return _decided(
        "partial",
        f"authorization {authorization_type}: decided by the authorizer, not by IAM roles",
    )


@lru_cache(maxsize=64)  # one per unread stage: its cells share the verdict
def unread_verdict(why: str) -> RouteVerdict:
    return _decided("unknown", f"{why}: not judged on the API's current definition")


def _decided(verdict: Verdict, reason: str) -> RouteVerdict:
    return RouteVerdict(verdict, reasons=(reason,))


@dataclass(frozen=True, slots=True)
class VerbReach:
    """One verb of an `ANY` route that a persona reaches, over every place serving it."""

    verb: str
    # "allowed" where every place allows it; "unknown" where the places that do not deny it
    # could not be judged (reached or not, nobody knows); "partial" otherwise
    kind: Verdict
    verdicts: tuple[tuple[ApiStage, RouteVerdict], ...]  # one per place, in the order given


def verbs_reached(
    evaluator: AccessEvaluator,
    resolution: Resolution,
    places: Iterable[tuple[ApiStage, Route]],
) -> list[VerbReach]:
    """The verbs of an `ANY` route the persona can use at all, or may (kind `unknown`), in
    HTTP_METHODS order.

    `places` is the route wherever it is served (APIs, stages); a verb denied at every place
    is left out.
    """
    served = list(places)
    if not served:
        return []
    reached = []
    for verb in HTTP_METHODS:
        verdicts = tuple(
            (api_stage, verdict_for(evaluator, resolution, api_stage, route, verb))
            for api_stage, route in served
        )
        kinds = {v.verdict for _, v in verdicts}
        if kinds != {"denied"}:
            kind: Verdict = "partial"
            if kinds == {"allowed"}:
                kind = "allowed"
            elif kinds <= {"denied", "unknown"}:
                kind = "unknown"
            reached.append(VerbReach(verb, kind, verdicts))
    return reached
