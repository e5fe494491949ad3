"""verdict_for and verbs_reached: the one place a persona's verdict on a route is decided."""

from __future__ import annotations

from typing import Any

import pytest

from auditor.audit.evaluator import AccessEvaluator
from auditor.audit.resolve import Resolution
from auditor.audit.routes import ApiStage
from auditor.audit.verdicts import verbs_reached, verdict_for
from auditor.model.personas import DEFAULT, UNAUTHENTICATED
from auditor.model.snapshot import Api, InlinePolicy, Role, Route, ServedRoute, Snapshot
from auditor.policy import PolicyError, RouteVerdict
from tests.support.snapshots import REGION, identity_pool, role, snapshot

ARN = f"arn:aws:execute-api:{REGION}:123456789012:api1"
ROLE = role("app-default")


def _world() -> tuple[Snapshot, Api]:
    """One role: every verb of /admin/* on prod, only GET of it on dev."""
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "execute-api:Invoke",
                "Resource": [f"{ARN}/prod/*/admin/*", f"{ARN}/dev/GET/admin/*"],
            }
        ],
    }
    api = Api(
        id="api1",
        name="app",
        kind="REST",
        stages=["prod", "dev"],
        routes=[Route(method="ANY", path="/admin/{proxy+}", authorization_type="AWS_IAM")],
    )
    world = snapshot([], identity_pool()).model_copy(
        update={
            "roles": {
                ROLE: Role(
                    arn=ROLE,
                    name="app-default",
                    inline_policies=[InlinePolicy(name="p", document=document)],
                )
            },
            "apis": [api],
        }
    )
    return world, api


SIGNED_IN = Resolution(DEFAULT, ROLE, "the authenticated role")
GUEST = Resolution(UNAUTHENTICATED, None, "guest access is disabled")


class _Unasked(AccessEvaluator):
    """An evaluator that must not be asked: the verdict is decided before the engine."""

    def verdict(self, *args: Any, **kwargs: Any) -> RouteVerdict:
        raise AssertionError("the policy engine was asked")


@pytest.mark.parametrize(
    ("authorization", "resolution", "expected"),
    [
        ("NONE", GUEST, "allowed"),  # anyone, even without credentials
        ("NONE", SIGNED_IN, "allowed"),
        ("COGNITO_USER_POOLS", GUEST, "denied"),  # needs a signed-in user's token
        ("COGNITO_USER_POOLS", SIGNED_IN, "allowed"),
        ("CUSTOM", SIGNED_IN, "partial"),  # up to the authorizer
        ("CUSTOM", GUEST, "partial"),
    ],
)
def test_a_route_not_governed_by_iam_is_decided_by_its_authorization_type(
    authorization: str, resolution: Resolution, expected: str
) -> None:
    world, api = _world()
    route = Route(method="GET", path="/admin/x", authorization_type=authorization)  # type: ignore[arg-type]
    verdict = verdict_for(_Unasked(world), resolution, ApiStage(api, "prod"), route)
    assert verdict.verdict == expected
    assert verdict.reasons and all(reason for reason in verdict.reasons)
    assert verdict_for(_Unasked(world), resolution, ApiStage(api, "prod"), route, "POST") == verdict


def test_without_credentials_an_iam_route_is_denied_and_says_why() -> None:
    world, api = _world()
    nobody = Resolution(DEFAULT, None, "the identity pool has no authenticated role")
    route = api.routes[0]
    verdict = verdict_for(_Unasked(world), nobody, ApiStage(api, "prod"), route)
    assert verdict.verdict == "denied"
    assert any(nobody.how in reason for reason in verdict.reasons)


def test_otherwise_the_engine_decides_for_the_routes_method_or_the_verb_asked() -> None:
    world, api = _world()
    evaluator = AccessEvaluator(world)
    route = api.routes[0]
    context = evaluator.context_for(SIGNED_IN)
    for stage in ("prod", "dev"):
        for verb in (None, "GET", "POST"):
            got = verdict_for(evaluator, SIGNED_IN, ApiStage(api, stage), route, verb)
            asked = evaluator.verdict(ROLE, api, stage, verb or "ANY", route.path, context)
            assert got == asked, (stage, verb)
    # The verb matters on an ANY route: on dev only GET is granted.
    dev = ApiStage(api, "dev")
    assert verdict_for(evaluator, SIGNED_IN, dev, route, "GET").verdict == "allowed"
    assert verdict_for(evaluator, SIGNED_IN, dev, route, "POST").verdict == "denied"
    assert verdict_for(evaluator, SIGNED_IN, dev, route).verdict == "partial"


def test_verbs_reached_by_kind_over_every_place_serving_the_route() -> None:
    world, api = _world()
    evaluator = AccessEvaluator(world)
    route = api.routes[0]
    prod, dev = ApiStage(api, "prod"), ApiStage(api, "dev")

    both = verbs_reached(evaluator, SIGNED_IN, [(prod, route), (dev, route)])
    kinds = {reach.verb: reach.kind for reach in both}
    # GET everywhere; every other verb only on prod: reached, but not fully.
    assert kinds["GET"] == "allowed"
    assert {kind for verb, kind in kinds.items() if verb != "GET"} == {"partial"}
    for reach in both:
        assert [stage for stage, _ in reach.verdicts] == [prod, dev]
        assert [v for _, v in reach.verdicts] == [
            verdict_for(evaluator, SIGNED_IN, s, route, reach.verb) for s in (prod, dev)
        ]

    assert [r.verb for r in verbs_reached(evaluator, SIGNED_IN, [(dev, route)])] == ["GET"]
    assert verbs_reached(evaluator, GUEST, [(prod, route)]) == []  # no credentials: no verb
    assert verbs_reached(evaluator, SIGNED_IN, []) == []


# --- what the engine cannot judge ---------------------------------------------------------------


class _Asked(AccessEvaluator):
    """An evaluator that records the paths the policy engine is asked about."""

    def __init__(self, snapshot: Snapshot) -> None:
        super().__init__(snapshot)
        self.paths: list[str] = []

    def verdict(
        self, role_arn: str, api: Api, stage: str, method: str, path: str, context: Any
    ) -> RouteVerdict:
        self.paths.append(path)
        return super().verdict(role_arn, api, stage, method, path, context)


@pytest.mark.parametrize("path", ["", "x", "/{proxy+}/x"])
def test_a_route_the_engine_cannot_parse_is_unknown_and_recorded(path: str) -> None:
    world, api = _world()
    evaluator = _Asked(world)
    # Snapshots refuse such paths (route_grammar); a Route built without validation
    # (model_construct, a library caller) still meets this guard.
    route = Route.model_construct(
        method="GET", path=path, authorization_type="AWS_IAM", authorizer_id=None
    )
    got = verdict_for(evaluator, SIGNED_IN, ApiStage(api, "prod"), route)
    assert evaluator.paths == []  # its template is judged once, before the engine is asked
    assert got.verdict == "unknown" and "cannot be judged" in got.reasons[0]
    (unjudged,) = evaluator.unjudged.values()
    assert (unjudged.api_id, unjudged.stage, unjudged.method, unjudged.path) == (
        "api1",
        "prod",
        "GET",
        path,
    )
    assert unjudged.roles == {ROLE} and unjudged.reason in got.reasons[0]
    # The other routes are judged as ever.
    assert verdict_for(evaluator, SIGNED_IN, ApiStage(api, "prod"), api.routes[0]).verdict == (
        "allowed"
    )


def test_an_error_inside_the_engine_is_a_bug_not_an_unknown_verdict(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Only the engine's own signal (PolicyError: a document it cannot evaluate) makes a
    verdict `unknown`; any other ValueError must end the run as the bug it is (exit 4)."""
    world, api = _world()
    evaluator = AccessEvaluator(world)

    def bug(*args: Any) -> Any:
        raise ValueError("a bug")

    monkeypatch.setattr(evaluator, "_prepare", bug)
    with pytest.raises(ValueError, match="a bug"):
        verdict_for(evaluator, SIGNED_IN, ApiStage(api, "prod"), api.routes[0])
    assert evaluator.unjudged == {}

    def unreadable(*args: Any) -> Any:
        raise PolicyError("policy 'p': cannot be evaluated")

    monkeypatch.setattr(evaluator, "_prepare", unreadable)
    got = verdict_for(evaluator, SIGNED_IN, ApiStage(api, "prod"), api.routes[0])
    assert got.verdict == "unknown" and "policy 'p'" in got.reasons[0]
    assert [u.roles for u in evaluator.unjudged.values()] == [{ROLE}]


def _with_statement(statement: Any) -> tuple[Snapshot, Api]:
    world, api = _world()
    role_ = world.roles[ROLE]
    document = role_.inline_policies[0].document
    broken = {**document, "Statement": [*document["Statement"], statement]}
    policies = [*role_.inline_policies, InlinePolicy(name="q", document=broken)]
    roles = {ROLE: role_.model_copy(update={"inline_policies": policies})}
    return world.model_copy(update={"roles": roles}), api


def test_verbs_reached_of_a_route_nobody_can_judge_are_unknown() -> None:
    # An Allow of unknown effect on dev: every verb not allowed there may be reached or not.
    world, api = _with_statement({"Effect": "allow", "Action": "*", "Resource": "*"})
    evaluator = AccessEvaluator(world)
    route = api.routes[0]
    dev = ApiStage(api, "dev")
    kinds = {r.verb: r.kind for r in verbs_reached(evaluator, SIGNED_IN, [(dev, route)])}
    assert kinds["GET"] == "unknown"  # its Effect is unreadable: a Deny may hide it
    assert {kinds[v] for v in kinds if v != "GET"} == {"unknown"}
    prod = ApiStage(api, "prod")
    both = verbs_reached(evaluator, SIGNED_IN, [(prod, route), (dev, route)])
    assert {r.kind for r in both} == {"unknown"}


def test_the_evaluator_lists_each_role_document_with_its_resource() -> None:
    world, _ = _with_statement({"Effect": "Allow", "Action": "*", "Resource": 5})
    evaluator = AccessEvaluator(world)
    documents = evaluator.role_documents(ROLE)
    assert [resource for resource, _ in documents] == [f"{ROLE}#p", f"{ROLE}#q"]
    assert [named.name for _, named in documents] == ["app-default/p", "app-default/q"]
    assert evaluator.roles_read() == [ROLE]
    assert evaluator.role_documents("arn:aws:iam::123456789012:role/gone") == []


def test_role_policies_and_role_documents_hold_the_same_objects() -> None:
    """The engine keys compiled policies by the NamedPolicy objects: the findings' view of a
    role's documents and the verdicts' must be the same objects, boundary included."""
    world, _ = _world()
    boundary = "arn:aws:iam::123456789012:policy/boundary"
    roles = {ROLE: world.roles[ROLE].model_copy(update={"permissions_boundary_arn": boundary})}
    evaluator = AccessEvaluator(world.model_copy(update={"roles": roles}))
    identity, bounds = evaluator.role_policies(ROLE)
    documents = evaluator.role_documents(ROLE)
    assert [resource for resource, _ in documents] == [f"{ROLE}#p", boundary]
    assert bounds is not None and [named for _, named in documents] == [*identity, *bounds]
    assert all(a is b for a, b in zip(evaluator.role_policies(ROLE)[0], identity, strict=True))


@pytest.mark.parametrize(
    ("guest", "canary_serves", "expected"),
    [
        # A guest's own role may or may not reach it; the canary's authorizer turns guests
        # away: perhaps reached, so `unknown`, never `denied`.
        (True, "COGNITO_USER_POOLS", "unknown"),
        (False, "COGNITO_USER_POOLS", "allowed"),  # the canary admits any signed-in user
        (False, "CUSTOM", "partial"),  # some requests surely reach it: more than perhaps none
        (False, "NONE", "allowed"),
    ],
)
def test_an_unknown_verdict_beside_a_canary_is_the_better_of_the_two(
    guest: bool, canary_serves: str, expected: str
) -> None:
    """verdict_for keeps whatever either deployment lets the persona do (a caller who
    retries lands on either), ranked denied < unknown < partial < allowed."""
    world, api = _with_statement({"Effect": "allow", "Action": "*", "Resource": "*"})
    persona = Resolution(UNAUTHENTICATED if guest else DEFAULT, ROLE, "its role")
    own = Route(method="GET", path="/admin/x", authorization_type="AWS_IAM")
    assert verdict_for(AccessEvaluator(world), persona, ApiStage(api, "dev"), own).verdict == (
        "unknown"
    )
    served = ServedRoute(**own.model_dump(), other=canary_serves)
    got = verdict_for(AccessEvaluator(world), persona, ApiStage(api, "dev"), served)
    assert got.verdict == expected
    assert "(its own deployment and its canary)" in got.reasons[-1]
