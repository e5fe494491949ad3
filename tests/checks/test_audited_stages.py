"""Which stages the audit judges (auditor/audit/routes.py audited_stages), and the offline
snapshots it refuses rather than judge something made up (checks/run.py)."""

from __future__ import annotations

import pytest

from auditor.checks.run import check_snapshot_matches
from auditor.model.baseline import Baseline
from auditor.model.errors import InputError
from auditor.model.report import Report
from auditor.model.snapshot import Snapshot
from tests.support.snapshots import API, SmallApp, route_arn, small_app


def _verdicts(report: Report, route: str = "GET /admin/users") -> dict[tuple[str, str], str]:
    return {(c.persona, c.stage): c.verdict for c in report.access_matrix if c.route == route}


def _check(app: SmallApp) -> None:
    snapshot = Snapshot.model_validate(app.snapshot)
    check_snapshot_matches(snapshot, Baseline.model_validate(app.baseline), "s.json")


def test_every_stage_the_baseline_names_for_an_api_is_audited() -> None:
    app = small_app()
    app.audit_stages("prod", "beta")
    app.serve({}, stage="prod")
    app.serve({"GET /admin/users": "NONE"}, stage="beta")
    report = app.report()
    assert [(t.id, t.stage) for t in report.target.apis] == [(API, "beta"), (API, "prod")]
    public = [f.resource for f in report.findings if f.rule_id == "route-not-iam"]
    assert public == [route_arn("GET /admin/users", stage="beta")]
    assert _verdicts(report)[("group:editors", "beta")] == "allowed"
    assert _verdicts(report)[("group:editors", "prod")] == "denied"


def test_a_ref_without_a_stage_audits_every_stage_beside_one_with() -> None:
    app = small_app()
    app.api["stages"] = ["beta", "prod"]
    app.baseline["apis"] = [{"id": API, "stage": "prod"}, {"id": API}]
    assert {stage for _, stage in _verdicts(app.report())} == {"beta", "prod"}


def test_stages_that_could_not_be_listed_are_unknown_whether_named_or_not() -> None:
    app = small_app()
    app.api.update(stages=[], stages_listed=False)
    app.fail_read("apigateway", "GetStages")
    _check(app)  # the stage cannot be called missing from a list that could not be read
    named = app.report()
    assert {(c.stage, c.verdict) for c in named.access_matrix} == {("prod", "unknown")}
    app.baseline["apis"] = [{"id": API}]
    every = app.report()
    assert {(c.stage, c.verdict) for c in every.access_matrix} == {("*", "unknown")}
    assert "the stages of API api1 could not be read" in every.access_matrix[0].reasons[0]


def test_offline_a_stage_the_snapshot_does_not_have_is_refused() -> None:
    app = small_app()
    app.api["stages"] = ["beta"]
    with pytest.raises(InputError, match="API api1 has no stage prod") as caught:
        _check(app)
    assert caught.value.exit_code == 2 and "\n" not in str(caught.value)
    # Audited regardless (a library call), the made-up stage is unknown, never the definition,
    # and the report is not complete.
    report = app.report()
    assert set(_verdicts(report).values()) == {"unknown"}
    assert report.status == "incomplete"
    assert [(e.service, e.operation) for e in report.errors] == [("auditor", "ReadStage")]
    # Counted as what it is, not as a document or route that could not be evaluated.
    assert report.incomplete_because() == "the routes 1 stage(s) serve are unknown"


def test_offline_a_stage_the_snapshot_did_not_read_is_refused() -> None:
    app = small_app()
    app.api["stages"] = ["beta", "prod"]
    app.baseline["apis"] = [{"id": API, "stage": "beta"}]  # the snapshot read prod only
    with pytest.raises(InputError, match="did not read what stage beta of API api1 serves"):
        _check(app)
    app.baseline["apis"] = [{"id": API}]  # every stage: beta too
    with pytest.raises(InputError, match="stage beta"):
        _check(app)
    app.snapshot["target"]["apis"] = [{"id": API}]
    _check(app)


def test_offline_an_api_the_snapshot_does_not_have_is_refused_unless_it_failed_to_read() -> None:
    app = small_app()
    app.baseline["apis"] = [{"id": "other", "stage": "prod"}]
    with pytest.raises(InputError, match="the snapshot has no API other:prod"):
        _check(app)
    app.snapshot["target"]["apis"].append({"id": "other", "stage": "prod"})
    app.fail_read("apigateway", "GetRestApi")
    _check(app)
