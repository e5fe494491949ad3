from __future__ import annotations

from tests.e2e.conftest import run_report
from tests.e2e.world import World


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
