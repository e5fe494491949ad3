"""policy-unreadable (auditor/checks/policies.py) and what an unreadable document does to the
rest of the report: unknown cells, no false missing/excess, an incomplete run."""

from __future__ import annotations

from typing import Any

import pytest

from auditor.audit.evaluator import AccessEvaluator
from auditor.checks.run import audit
from auditor.model.baseline import Baseline
from auditor.model.http import DEFAULT_ROUTE
from auditor.model.snapshot import Route, Snapshot
from tests.support.rule_cases import Case
from tests.support.snapshots import (
    ACCOUNT,
    API,
    DEFAULT_ROLE,
    EXECUTE_API,
    REGION,
    SmallApp,
    role,
    small_app,
)

ADMIN, EDITORS = role("app-admin"), role("app-editors")
SHARED = f"arn:aws:iam::{ACCOUNT}:policy/shared"
API_ARN = f"arn:aws:apigateway:{REGION}::/restapis/{API}"
BROKEN = {"StringEqualz": {"aws:username": "ann"}}  # no such operator


def _statement(effect: str = "Allow", tail: str = "*", **extra: Any) -> dict[str, Any]:
    return {
        "Effect": effect,
        "Action": "execute-api:Invoke",
        "Resource": f"{EXECUTE_API}/{tail}",
        **extra,
    }


def _inline(app: SmallApp, role_name: str, *statements: Any) -> None:
    """A second inline policy `extra` on the role, with these statements."""
    app.role(role_name)["inline_policies"].append(
        {"name": "extra", "document": {"Version": "2012-10-17", "Statement": list(statements)}}
    )


def _admin_condition_unreadable(app: SmallApp) -> None:
    _inline(app, "app-admin", _statement(tail="GET/me", Condition=BROKEN))


def _s3_unreadable(app: SmallApp) -> None:
    broken = {"Effect": "allow", "Action": "s3:GetObject", "Resource": {"bucket": 1}}
    _inline(app, "app-admin", broken)


def _shared_unreadable(app: SmallApp) -> None:
    """One managed policy, attached to two roles, whose Statement is a string."""
    app.snapshot["managed_policies"] = {
        SHARED: {"arn": SHARED, "name": "shared", "document": {"Statement": "Allow all"}}
    }
    for name in ("app-admin", "app-editors"):
        app.role(name)["attached_policy_arns"] = [SHARED]


def _boundary_unreadable(app: SmallApp) -> None:
    document = {"Version": "2012-10-17", "Statement": [{**_statement(), "Effect": "allow"}]}
    app.snapshot["managed_policies"] = {
        SHARED: {"arn": SHARED, "name": "shared", "document": document}
    }
    app.role("app-default")["permissions_boundary_arn"] = SHARED


def _managed_missing(app: SmallApp) -> None:
    """An attached managed policy the snapshot does not have (hand-edited, or from a run
    whose read of it failed)."""
    app.role("app-admin")["attached_policy_arns"] = [SHARED]


def _boundary_missing(app: SmallApp) -> None:
    app.role("app-default")["permissions_boundary_arn"] = SHARED


def _trust_unreadable(app: SmallApp) -> None:
    app.role("app-editors")["trust_policy"] = {"Version": "2012-10-17", "Statement": "trust"}


def _resource_policy_unreadable(app: SmallApp) -> None:
    statement = {**_statement(tail="GET/items"), "Effect": "Deny", "Principal": "*", "Action": 5}
    app.api["resource_policy"] = {"Version": "2012-10-17", "Statement": [statement]}


CASES = [
    Case.passes("policy-unreadable", "every document reads cleanly"),
    Case.passes(
        "policy-unreadable",
        "a statement that cannot be read but can never match execute-api:Invoke",
        _s3_unreadable,
    ),
    Case.fires(
        "policy-unreadable",
        "an inline policy with an unknown condition operator",
        _admin_condition_unreadable,
        ("policy-unreadable", None, None, f"{ADMIN}#extra"),
    ),
    Case.fires(
        "policy-unreadable",
        "a managed policy whose Statement is a string, once for the roles sharing it",
        _shared_unreadable,
        ("policy-unreadable", None, None, SHARED),
    ),
    Case.fires(
        "policy-unreadable",
        "a permissions boundary whose Effect is not Allow or Deny",
        _boundary_unreadable,
        ("policy-unreadable", None, None, SHARED),
    ),
    Case.fires(
        "policy-unreadable",
        "an attached managed policy the snapshot does not have",
        _managed_missing,
        ("policy-unreadable", None, None, SHARED),
    ),
    Case.fires(
        "policy-unreadable",
        "a permissions boundary the snapshot does not have",
        _boundary_missing,
        ("policy-unreadable", None, None, SHARED),
    ),
    Case.fires(
        "policy-unreadable",
        "a trust policy that cannot be read",
        _trust_unreadable,
        ("policy-unreadable", None, None, EDITORS),
    ),
    Case.fires(
        "policy-unreadable",
        "an API resource policy with Action a number",
        _resource_policy_unreadable,
        ("policy-unreadable", None, None, API_ARN),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_rule(case: Case) -> None:
    assert case.run() == case.expected


def _cells(app: SmallApp) -> dict[tuple[str, str], str]:
    report = app.report()
    return {(c.persona, c.route): c.verdict for c in report.access_matrix}


def test_an_unreadable_document_makes_the_run_incomplete_and_says_which() -> None:
    app = small_app()
    _shared_unreadable(app)
    report = app.report()
    assert report.status == "incomplete"
    (error,) = report.errors
    assert (error.service, error.operation) == ("auditor", "EvaluatePolicy")
    (finding,) = [f for f in report.findings if f.rule_id == "policy-unreadable"]
    assert error.message == f"{finding.message} ({SHARED})"
    assert "the identity policy 'shared' cannot be evaluated in full" in finding.message
    assert "Statement must be" in finding.message
    assert finding.evidence["roles"] == [ADMIN, EDITORS]
    assert finding.evidence["set_aside"] == [
        {
            "statement": None,
            "sid": None,
            "effect": "unknown",
            "why": "policy 'shared': Statement must be an object or a list",
        }
    ]


def test_unknown_cells_are_neither_missing_nor_excess() -> None:
    app = small_app()
    _shared_unreadable(app)  # of unknown effect: the admins' and editors' cells are unknown
    cells = _cells(app)
    assert {v for (p, _), v in cells.items() if p in ("group:admin", "group:editors")} == {
        "unknown",
        "allowed",  # GET /health is public: decided without the roles
    }
    assert cells[("default", "GET /me")] == "allowed"  # another role is judged as ever
    rules = {f.rule_id for f in app.report().findings}
    assert rules == {"policy-unreadable"}  # no missing-*, no excess-route on unknown cells


def test_other_rules_still_run_beside_an_unreadable_document() -> None:
    # Unlike a failed AWS read, what the auditor could not evaluate skips no rule.
    app = small_app()
    _admin_condition_unreadable(app)
    app.grant("app-editors", "GET/items", "GET/administrators", "GET/me")  # drift
    report = app.report()
    assert report.status == "incomplete"
    excess = {(f.persona, f.route) for f in report.findings if f.rule_id == "excess-route"}
    assert excess == {("group:editors", "GET /me")}
    assert _cells(app)[("group:admin", "GET /me")] == "unknown"  # denied without it
    assert _cells(app)[("group:admin", "GET /items")] == "allowed"  # an Allow cannot undo it


@pytest.mark.parametrize(
    ("edit", "persona", "kind"),
    [
        (_managed_missing, "group:admin", "identity policy"),
        (_boundary_missing, "default", "permissions boundary"),
    ],
    ids=["managed-policy", "boundary"],
)
def test_a_policy_the_snapshot_lacks_is_unknown_never_denied(
    edit: Any, persona: str, kind: str
) -> None:
    """Nothing in a saved snapshot says a read failed: a missing document must not read as
    one that grants nothing (identity policy) or allows nothing (boundary), with a complete
    report of `denied` cells."""
    app = small_app()
    edit(app)
    report = app.report()
    assert report.status == "incomplete"
    assert [(e.service, e.operation) for e in report.errors] == [("auditor", "EvaluatePolicy")]
    (finding,) = [f for f in report.findings if f.rule_id == "policy-unreadable"]
    assert finding.evidence["kind"] == kind
    assert f"{SHARED} is not in the snapshot" in finding.message
    iam = {
        c.verdict for c in report.access_matrix if c.persona == persona and c.route != "GET /health"
    }
    assert iam == {"unknown"}  # it may hold a Deny, or (a boundary) allow what the role grants
    assert _cells(app)[("group:editors", "GET /items")] == "allowed"  # other roles as ever
    rules = {f.rule_id for f in report.findings}
    assert rules == {"policy-unreadable"}  # no missing-* on what could not be judged


def test_a_trust_policy_that_cannot_be_read_is_not_called_untrusting() -> None:
    app = small_app()
    _trust_unreadable(app)
    findings = app.report().findings
    assert "trust-not-cognito" not in {f.rule_id for f in findings}
    (unreadable,) = [f for f in findings if f.rule_id == "policy-unreadable"]
    # A trust policy governs no route: its finding says what is unknown instead.
    assert "routes" not in unreadable.message
    assert "who may assume the role through Cognito is unknown" in unreadable.message


def test_an_unparseable_route_is_unknown_for_everyone_and_an_error() -> None:
    """A snapshot refuses a path outside the route grammar (tests/model); a Route built
    without validation (model_construct, a library caller) is still never judged denied."""
    app = small_app()
    app.declared_routes("admin").append("GET /reports")
    snapshot = Snapshot.model_validate(app.snapshot)
    api = snapshot.apis[0]
    odd = Route.model_construct(
        method="GET", path="reports", authorization_type="AWS_IAM", authorizer_id=None
    )
    api = api.model_copy(update={"routes": [*api.routes, odd]})
    report = audit(
        snapshot.model_copy(update={"apis": [api]}), Baseline.model_validate(app.baseline)
    )
    finding = next(f for f in report.findings if f.rule_id == "policy-unreadable")
    assert (finding.route, finding.resource) == (
        "GET reports",
        f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API}/prod/GETreports",
    )
    verdicts = {c.role_arn: c.verdict for c in report.access_matrix if c.route == "GET reports"}
    assert verdicts == {
        None: "denied",
        ADMIN: "unknown",
        EDITORS: "unknown",
        DEFAULT_ROLE: "unknown",
    }
    assert [(e.service, e.operation) for e in report.errors] == [("auditor", "EvaluateRoute")]
    assert (
        DEFAULT_ROLE
        in next(f for f in report.findings if f.rule_id == "policy-unreadable").evidence["roles"]
    )


def test_an_unjudged_default_route_is_named_as_findings_name_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`$default` is a route key of its own, never `ANY $default`."""
    app = small_app()
    app.add_route(f"ANY {DEFAULT_ROUTE}")
    judge = AccessEvaluator.verdict

    def verdict(
        self: AccessEvaluator,
        role_arn: str,
        api: Any,
        stage: str,
        method: str,
        path: str,
        context: dict[str, Any],
    ) -> Any:
        if path == DEFAULT_ROUTE:
            return self.unjudged_route(role_arn, api.id, stage, method, path, "cannot be read")
        return judge(self, role_arn, api, stage, method, path, context)

    monkeypatch.setattr(AccessEvaluator, "verdict", verdict)
    found = [f for f in app.report().findings if f.rule_id == "policy-unreadable"]
    assert [f.route for f in found] == [DEFAULT_ROUTE]


def test_an_unknown_cell_leaves_the_run_incomplete_even_when_no_rule_explains_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The last guard: with the rule that names unreadable documents switched off, the
    unknown cells alone still keep the report from reading as complete."""
    import auditor.checks.run as run

    silent = {**run.CHECKS, "policy-unreadable": lambda ctx: iter(())}
    monkeypatch.setattr(run, "CHECKS", silent)
    app = small_app()
    _shared_unreadable(app)
    report = app.report()
    assert report.status == "incomplete"
    assert [(e.service, e.operation) for e in report.errors] == [("auditor", "EvaluateRoute")]
    clean = small_app().report()
    assert (clean.status, clean.errors) == ("complete", [])
