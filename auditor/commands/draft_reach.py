"""Who reaches which live route, as the draft declares it: routes merged the way baseline
patterns name them (API-agnostic, parameter names ignored), a persona's reach from the audit's
own matrix, partial and unknown verdicts kept as notes for a person to decide."""

from __future__ import annotations

from dataclasses import dataclass, field

from auditor.audit.evaluator import AccessEvaluator
from auditor.audit.matrix import Matrix
from auditor.audit.resolve import Resolution
from auditor.audit.routes import ApiStage, iter_routes, normalise_template
from auditor.audit.verdicts import verbs_reached
from auditor.model.baseline import Baseline
from auditor.model.http import DEFAULT_ROUTE, HTTP_METHODS
from auditor.model.snapshot import Route, Snapshot
from auditor.policy import RouteVerdict


@dataclass
class LiveRoute:
    """One IAM-governed route as a baseline pattern names it, wherever it is served."""

    text: str  # the key written in the draft ("GET /items/{id}", "ANY /x", "$default")
    method: str
    path: str
    places: list[tuple[ApiStage, Route]] = field(default_factory=list)


def iam_routes(snapshot: Snapshot, provisional: Baseline) -> list[LiveRoute]:
    # A pattern is API-agnostic and ignores parameter names, so routes are merged the same way.
    merged: dict[tuple[str, str], LiveRoute] = {}
    for api_stage, route in iter_routes(snapshot, provisional):
        if route.authorization_type != "AWS_IAM":
            continue
        live = merged.setdefault(
            (route.method, normalise_template(route.path)),
            LiveRoute(route.key, route.method, route.path),
        )
        if route.key < live.text:
            live.text, live.path = route.key, route.path
        live.places.append((api_stage, route))
    return sorted(merged.values(), key=lambda r: route_order(r.text))


@dataclass
class Reach:
    routes: set[str] = field(default_factory=set)  # fully reached in every audited stage
    touched: set[str] = field(default_factory=set)  # live routes reached at all, fully or not
    notes: list[str] = field(default_factory=list)  # comments, in route order: partial verdicts


def on_every_path(reached: list[tuple[Resolution, Reach]]) -> Reach:
    """A persona whose sign-in paths disagree declares what any path fully reaches: nothing a
    user can reach is left undeclared (excess-route would say it), and a client in use that
    does not reach a declared route is missing-route's to say, which app_clients narrows. The
    notes say which client does not reach what."""
    if len(reached) == 1:
        return reached[0][1]
    merged = Reach(
        routes=set.union(*(r.routes for _, r in reached)),
        touched=set.union(*(r.touched for _, r in reached)),
    )
    for resolution, reach in reached:
        lacking = sorted(merged.routes - reach.routes, key=route_order)
        if lacking:
            merged.notes.append(
                f"app client {resolution.app_client} does not fully reach: {', '.join(lacking)}"
            )
        merged.notes += [f"through app client {resolution.app_client}: {n}" for n in reach.notes]
    return merged


def reach_of(
    resolution: Resolution,
    iam_routes: list[LiveRoute],
    cells: Matrix,
    evaluator: AccessEvaluator,
) -> Reach:
    reach = Reach()
    for live in iam_routes:
        verdicts = [(s, cells.cell(resolution, s, r).verdict) for s, r in live.places]
        kinds = {v.verdict for _, v in verdicts}
        if kinds != {"denied"}:
            reach.touched.add(live.text)
        if kinds == {"allowed"}:
            reach.routes.add(live.text)
        elif "unknown" in kinds:  # neither declared nor left out: a person must decide
            reach.notes.append(f"unknown: {live.text} ({_detail(verdicts)})")
        elif kinds != {"denied"}:
            if live.method == "ANY" and live.path != DEFAULT_ROUTE:
                reach.notes.append(_split_any(resolution, live, evaluator, reach))
            else:
                reach.notes.append(f"partial: {live.text} ({_detail(verdicts)})")
    return reach


def _split_any(
    resolution: Resolution, live: LiveRoute, evaluator: AccessEvaluator, reach: Reach
) -> str:
    """An ANY route reached for some verbs only: declare those verbs, note the rest.

    The audit asks about a declared `GET /x` on a live `ANY /x` for GET alone, so declaring the
    verbs that are fully reached is exact, not an approximation.
    """
    declared, undecided = [], []
    for verb in verbs_reached(evaluator, resolution, live.places):
        if verb.kind == "allowed":
            declared.append(verb.verb)
            reach.routes.add(f"{verb.verb} {live.path}")
        else:
            undecided.append(f"{verb.verb}: {_detail(list(verb.verdicts))}")
    done = f"{', '.join(declared)} declared verb by verb" if declared else "no verb fully"
    if undecided:
        return f"partial: {live.text} ({done}; {'; '.join(undecided)})"
    return f"{live.text}: only some verbs are allowed ({done})"


def _detail(verdicts: list[tuple[ApiStage, RouteVerdict]]) -> str:
    if len(verdicts) == 1:
        return _why_partial(verdicts[0][1])
    return "; ".join(
        f"{s.api.id}/{s.stage}: {_why_partial(v) if v.verdict == 'partial' else v.verdict}"
        for s, v in verdicts
    )


def _why_partial(verdict: RouteVerdict) -> str:
    if verdict.verdict == "unknown":  # its reasons name what could not be read
        return "; ".join(verdict.reasons)
    if verdict.witness_allowed and verdict.witness_denied:
        return (
            f"only some paths; e.g. allowed {_request(verdict.witness_allowed)}, "
            f"denied {_request(verdict.witness_denied)}"
        )
    return verdict.reasons[0] if verdict.reasons else "only some requests are allowed"


def _request(arn: str) -> str:
    """`arn:...:api/stage/GET/files/a` -> `GET /files/a`."""
    resource = arn.split(":", 5)[-1]
    parts = resource.split("/", 3)
    if len(parts) < 3:
        return arn
    return f"{parts[2]} /{parts[3] if len(parts) > 3 else ''}"


def route_order(text: str) -> tuple[str, int, str]:
    if " " not in text:
        return (text, 0, "")
    method, path = text.split(" ", 1)
    verbs = ("ANY", *HTTP_METHODS)
    return (path, verbs.index(method) if method in verbs else len(verbs), method)
