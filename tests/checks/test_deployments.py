"""Rules over what each stage serves against the definition (auditor/checks/deployments.py)."""

from __future__ import annotations

import pytest

from auditor.model.findings import Severity
from tests.support.rule_cases import Case
from tests.support.snapshots import SmallApp, route_arn, small_app

UNDEPLOYED = "route-undeployed-change"


def _fixed_but_not_deployed(app: SmallApp) -> None:
    """GET /items is AWS_IAM in the definition; the stage still serves it public."""
    app.serve({"GET /items": "NONE"})


def _unread(app: SmallApp) -> None:
    """As the collector records it: the stage's deployment absent, the stage unread."""
    app.fail_deployment_read()


CASES = [
    Case.passes(UNDEPLOYED, "the stage serves the definition (auto-deploy, or no deployment read)"),
    Case.passes(UNDEPLOYED, "the stage's deployment is the definition", lambda app: app.serve({})),
    Case.passes(UNDEPLOYED, "a deployment could not be read", _unread),
    Case.fires(
        UNDEPLOYED,
        "a route fixed to AWS_IAM, never deployed: the stage serves it public",
        _fixed_but_not_deployed,
        (UNDEPLOYED, None, "GET /items", route_arn("GET /items", stage="prod")),
    ),
    Case.fires(
        UNDEPLOYED,
        "a method deleted from the definition is still served",
        lambda app: app.serve({"DELETE /items": "AWS_IAM"}),
        (UNDEPLOYED, None, "DELETE /items", route_arn("DELETE /items", stage="prod")),
    ),
    Case.passes(
        UNDEPLOYED,
        "a method added to the definition but not deployed is not served: nothing differs",
        lambda app: (app.serve({}), app.add_route("GET /reports")),
    ),
    Case.fires(
        UNDEPLOYED,
        "the stage's canary still serves a route public that the definition fixed",
        lambda app: (app.serve({}), app.serve_canary({"GET /items": "NONE"})),
        (UNDEPLOYED, None, "GET /items", route_arn("GET /items", stage="prod")),
    ),
    Case.passes(
        UNDEPLOYED,
        "a canary serving the definition",
        lambda app: (app.serve({}), app.serve_canary({})),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_rule(case: Case) -> None:
    assert case.run() == case.expected


def test_served_public_is_critical_else_medium_with_the_evidence() -> None:
    app = small_app()
    app.serve({"GET /items": "NONE", "GET /me": "CUSTOM", "DELETE /items": "AWS_IAM"})
    found = {f.route: f for f in app.report().findings if f.rule_id == UNDEPLOYED}
    assert {route: f.severity for route, f in found.items()} == {
        "GET /items": Severity.CRITICAL,
        "GET /me": Severity.MEDIUM,
        "DELETE /items": Severity.MEDIUM,
    }
    assert found["GET /items"].evidence == {
        "stage": "prod",
        "deployment_id": "dep1",
        "canary": False,
        "served": "NONE",
        "current": "AWS_IAM",
    }
    assert found["DELETE /items"].evidence["current"] is None


def test_a_stage_whose_deployment_could_not_be_read_is_unknown_not_the_definition() -> None:
    app = small_app()
    _unread(app)
    report = app.report()
    assert report.status == "incomplete"
    cells = [c for c in report.access_matrix if c.stage == "prod"]
    assert cells and {c.verdict for c in cells} == {"unknown"}
    assert "what stage prod of API api1 serves could not be read" in cells[0].reasons[0]
    assert not {"excess-route", "missing-route"} & {f.rule_id for f in report.findings}


def test_the_least_restrictive_of_the_stage_and_its_canary_is_reported_once() -> None:
    app = small_app()
    app.serve({"GET /items": "CUSTOM", "GET /me": "NONE"})
    app.serve_canary({"GET /items": "NONE", "GET /me": "COGNITO_USER_POOLS"})
    found = {f.route: f.evidence for f in app.report().findings if f.rule_id == UNDEPLOYED}
    assert {
        route: (e["served"], e["canary"], e["deployment_id"]) for route, e in found.items()
    } == {
        "GET /items": ("NONE", True, "canary1"),
        "GET /me": ("NONE", False, "dep1"),
    }


def test_a_canary_stricter_than_the_definition_is_still_a_difference() -> None:
    """The stage shows GET /health as its own deployment serves it (NONE, as defined, the
    less restrictive); the canary's AWS_IAM differs from the definition all the same."""
    app = small_app()
    app.serve({})
    app.serve_canary({"GET /health": "AWS_IAM", "GET /me": "NONE"})
    found = {f.route: f for f in app.report().findings if f.rule_id == UNDEPLOYED}
    assert {
        route: (f.evidence["served"], f.evidence["canary"], f.evidence["deployment_id"])
        for route, f in found.items()
    } == {"GET /health": ("AWS_IAM", True, "canary1"), "GET /me": ("NONE", True, "canary1")}
    assert found["GET /health"].severity == Severity.MEDIUM


def _cells(app: SmallApp, route: str) -> dict[str, tuple[str, str]]:
    return {
        c.persona: (c.verdict, c.authorization_type)
        for c in app.report().access_matrix
        if c.route == route
    }


def test_a_route_the_canary_serves_public_is_public_on_the_stage() -> None:
    app = small_app()
    app.serve({})
    app.serve_canary({"GET /admin/users": "NONE"})
    assert _cells(app, "GET /admin/users")["group:editors"] == ("allowed", "NONE")
    (public,) = [f for f in app.report().findings if f.rule_id == "route-not-iam"]
    assert (public.evidence["canary"], public.evidence["stages"]) == (True, ["prod"])
    assert "(a canary serves it so)" in public.message
    app.audit_stages("beta", "prod")  # beta, without a canary, serves it as defined
    app.serve({}, stage="beta")
    (public,) = [f for f in app.report().findings if f.rule_id == "route-not-iam"]
    assert (public.evidence["stage"], public.evidence["deployment_id"]) == ("prod", "canary1")


def test_a_route_only_the_canary_serves_is_live() -> None:
    app = small_app()
    app.serve({})
    app.serve_canary({"GET /debug": "NONE"})
    assert _cells(app, "GET /debug")["default"] == ("allowed", "NONE")


def test_both_deployments_are_judged_for_each_persona() -> None:
    """The ranking shows the least restrictive type, but a persona is judged on both: a
    guest whose role allows the route on the stage's own deployment (AWS_IAM) still reaches
    it, though a Cognito authorizer on the canary admits no guest."""
    app = small_app()
    app.allow_guests("GET/admin/users")
    app.serve({})
    app.serve_canary({"GET /admin/users": "COGNITO_USER_POOLS"})
    cells = _cells(app, "GET /admin/users")
    assert cells["unauthenticated"] == ("allowed", "COGNITO_USER_POOLS")
    assert cells["group:editors"] == ("allowed", "COGNITO_USER_POOLS")
    assert cells["group:admin"] == ("allowed", "COGNITO_USER_POOLS")
