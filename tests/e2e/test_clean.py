from __future__ import annotations

from datetime import datetime

from auditor import __version__
from tests.support.cli import run_report
from tests.support.world import World


def test_clean_environment_has_no_findings_and_exits_0(world: World) -> None:
    report = run_report(world, expect_exit=0)
    assert report["findings"] == []
    assert report["status"] == "complete"
    assert report["errors"] == []
    assert report["summary"]["findings"] == 0
    # Clean means the matrix agrees with the baseline cell by cell, not merely no findings.
    iam = [c for c in report["access_matrix"] if c["authorization_type"] == "AWS_IAM"]
    assert iam and all((c["verdict"] == "allowed") is c["expected"] for c in iam)
    assert all(c["verdict"] != "partial" for c in iam)
    verdicts = {(c["persona"], c["api_id"], c["route"]): c["verdict"] for c in iam}
    assert verdicts["group:admin", world.rest_id, "GET /admin/users"] == "allowed"
    assert verdicts["default", world.rest_id, "GET /admin/users"] == "denied"
    # CONTRACT §4: who made the report, when, and of what.
    assert report["schema_version"] == "1"
    assert report["tool"] == {"name": "cognito-route-auditor", "version": __version__}
    assert datetime.fromisoformat(report["generated_at"]).tzinfo is not None
    apis = sorted(
        [{"id": world.rest_id, "stage": "prod"}, {"id": world.http_id, "stage": "$default"}],
        key=lambda a: a["id"],
    )
    assert report["target"] == {
        "account_id": world.seeded.account_id,
        "region": "us-east-1",
        "user_pool_id": world.user_pool_id,
        "identity_pool_id": world.pool_id,
        "apis": apis,
    }
