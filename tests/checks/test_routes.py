"""Rules over the API's routes and its resource policy (auditor/checks/routes.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from auditor.model.findings import Severity
from tests.support.rule_cases import Case
from tests.support.snapshots import ACCOUNT, API, REGION, STAGE, SmallApp, route_arn, small_app

PUBLIC_POLICY_STATEMENT = {
    "Effect": "Allow",
    "Principal": "*",
    "Action": "execute-api:Invoke",
    "Resource": "execute-api:/*",
}
STATEMENT_0 = f"arn:aws:apigateway:{REGION}::/restapis/{API}#statement-0"
TRIVIAL = {"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}, "Bool": {"aws:SecureTransport": "true"}}


def _resource_policy(**extra: object) -> dict[str, object]:
    return {"Version": "2012-10-17", "Statement": [{**PUBLIC_POLICY_STATEMENT, **extra}]}


def _public_if(condition: dict[str, object]) -> Callable[[SmallApp], object]:
    """The public statement, guarded by `condition`."""
    return lambda app: app.api.update(resource_policy=_resource_policy(Condition=condition))


def _declared_but_gone(app: SmallApp) -> None:
    app.declared_routes("editors").append("GET /reports")


def _declared_but_unread(app: SmallApp) -> None:
    _declared_but_gone(app)
    app.fail_read("apigateway", "GetResources")


def _get_of_any(app: SmallApp) -> None:
    app.add_route("ANY /files")
    app.declared_routes("editors").append("GET /files")


CASES = [
    Case.passes("route-not-iam", "GET /health is public and declared so"),
    Case.fires(
        "route-not-iam",
        "a debugging route left at NONE",
        lambda app: app.add_route("GET /debug/config", "NONE"),
        ("route-not-iam", None, "GET /debug/config", route_arn("GET /debug/config")),
    ),
    Case.fires(
        "route-not-iam",
        "a route behind a Lambda authorizer: group roles do not govern it",
        lambda app: app.add_route("GET /legacy", "CUSTOM"),
        ("route-not-iam", None, "GET /legacy", route_arn("GET /legacy")),
    ),
    Case.fires(
        "route-not-iam",
        "the definition says AWS_IAM but the stage still serves NONE",
        lambda app: app.serve({"GET /items": "NONE"}),
        ("route-not-iam", None, "GET /items", route_arn("GET /items")),
    ),
    Case.passes(
        "route-not-iam",
        "the definition says NONE but the stage serves the AWS_IAM deployed before",
        lambda app: (
            app.serve({"GET /items": "AWS_IAM"}),
            app.route("GET /items").update(authorization_type="NONE"),
        ),
    ),
    Case.passes(
        "route-not-iam",
        "a public route only in the definition of a stage never deployed is not live",
        lambda app: (
            app.add_route("GET /debug/config", "NONE"),
            app.api.update(deployments={STAGE: {"id": None, "routes": []}}),
        ),
    ),
    Case.passes("route-undeclared", "every live route is declared"),
    Case.passes(
        "route-undeclared", "a declared GET of a live ANY route makes the route known", _get_of_any
    ),
    Case.fires(
        "route-undeclared",
        "a live route no pattern covers",
        lambda app: app.add_route("GET /reports"),
        ("route-undeclared", None, "GET /reports", route_arn("GET /reports")),
    ),
    Case.passes("route-missing", "every declared route is live"),
    Case.passes(
        "route-missing",
        "a wildcard pattern is never missing",
        lambda app: app.declared_routes("admin").append("* /nothing/*"),
    ),
    Case.passes("route-missing", "a declared GET served by a live ANY route", _get_of_any),
    Case.passes("route-missing", "the routes could not be read", _declared_but_unread),
    Case.fires(
        "route-missing",
        "a declared route no API has",
        _declared_but_gone,
        ("route-missing", None, "GET /reports", route_arn("GET /reports", api="*")),
    ),
    Case.passes("resource-policy-public", "no resource policy"),
    Case.passes(
        "resource-policy-public",
        "anyone may invoke, but only from one network",
        _public_if({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
    ),
    Case.fires(
        "resource-policy-public",
        "anyone may invoke, without a condition",
        lambda app: app.api.update(resource_policy=_resource_policy()),
        ("resource-policy-public", None, None, STATEMENT_0),
    ),
    Case.fires(
        "resource-policy-public",
        "anyone may invoke, from any IPv4 address over HTTPS: public in all but name",
        _public_if(TRIVIAL),
        ("resource-policy-public", None, None, STATEMENT_0),
    ),
    Case.fires(
        "resource-policy-public",
        "anyone may invoke 'only through vpce-1' if the key exists: no internet request has it",
        _public_if({"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1"}}),
        ("resource-policy-public", None, None, STATEMENT_0),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_rule(case: Case) -> None:
    assert case.run() == case.expected


def test_a_public_route_is_critical_one_behind_an_authorizer_high() -> None:
    app = small_app()
    app.add_route("GET /debug/config", "NONE")
    app.add_route("GET /legacy", "CUSTOM")
    severity = {f.route: f.severity for f in app.report().findings if f.rule_id == "route-not-iam"}
    assert severity == {"GET /debug/config": Severity.CRITICAL, "GET /legacy": Severity.HIGH}


def test_no_stage_serving_another_authorization_is_hidden_by_de_duplication() -> None:
    """Every stage audited: dev and prod each serve GET /items otherwise than the definition
    (AWS_IAM), and differently from each other; dev also serves GET /me behind an authorizer."""
    app = small_app()
    app.api["stages"] = ["dev", "prod"]
    app.baseline["apis"] = [{"id": API}]
    app.serve({"GET /items": "NONE"}, stage="prod")
    app.serve({"GET /items": "CUSTOM", "GET /me": "CUSTOM"}, stage="dev")
    found = {
        (f.resource, f.severity, f.evidence.get("stage"))
        for f in app.report().findings
        if f.rule_id == "route-not-iam"
    }
    assert found == {
        (route_arn("GET /items", stage="prod"), Severity.CRITICAL, "prod"),
        (route_arn("GET /items", stage="dev"), Severity.HIGH, "dev"),
        (route_arn("GET /me", stage="dev"), Severity.HIGH, "dev"),
    }


def _not_iam(app: SmallApp) -> dict[str, dict[str, object]]:
    """route-not-iam's findings by fingerprint: resource and evidence."""
    found = [f for f in app.report().findings if f.rule_id == "route-not-iam"]
    return {f.fingerprint: {"resource": f.resource, **f.evidence} for f in found}


def test_fixing_only_the_definition_keeps_the_finding_s_identity() -> None:
    """The stage still serves the route public: the same problem, the same fingerprint (it
    would read as resolved and new in Slack otherwise)."""
    app = small_app()
    app.add_route("GET /debug", "NONE")
    app.serve({})
    before = _not_iam(app)
    app.route("GET /debug").update(authorization_type="AWS_IAM")
    after = _not_iam(app)
    assert before.keys() == after.keys()
    ((finding,),) = [list(after.values())]
    assert finding["resource"] == route_arn("GET /debug")
    assert (finding["stages"], finding["definition"]) == ([STAGE], "AWS_IAM")


def test_stages_serving_a_route_alike_give_one_finding_for_every_stage() -> None:
    app = small_app()
    app.audit_stages("beta", "prod")
    app.serve({"GET /items": "NONE"}, stage="beta")
    app.serve({"GET /items": "NONE"}, stage="prod")
    (finding,) = _not_iam(app).values()
    assert (finding["resource"], finding["stages"]) == (route_arn("GET /items"), ["beta", "prod"])
    assert "stage" not in finding


def test_public_in_all_but_name_says_which_conditions_restrict_no_caller() -> None:
    app = small_app()
    app.api.update(resource_policy=_resource_policy(Condition=TRIVIAL))
    (finding,) = [f for f in app.report().findings if f.rule_id == "resource-policy-public"]
    assert "with conditions that restrict no caller" in finding.message
    trivial = finding.evidence["trivial_conditions"]
    assert len(trivial) == 2 and "0.0.0.0/0" not in trivial[0]  # judged, not quoted
    assert "IpAddress aws:sourceip" in trivial[0] and "Bool aws:securetransport" in trivial[1]


def test_the_public_statement_is_the_one_the_evaluator_judged_routes_with() -> None:
    """One reading of the resource policy: the evaluator's copy (shorthand expanded, as API
    Gateway saves it) through its cache, quoted as such in the evidence."""
    app = small_app()
    app.api.update(resource_policy=_resource_policy())
    report = app.report()
    (finding,) = [f for f in report.findings if f.rule_id == "resource-policy-public"]
    resource = finding.evidence["statement"]["Resource"]
    assert resource == f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API}/*"
