from __future__ import annotations

from tests.e2e.conftest import run_report
from tests.e2e.world import World


def test_clean_environment_has_no_findings_and_exits_0(world: World) -> None:
    report = run_report(world, expect_exit=0)
    assert report["findings"] == []
    assert report["status"] == "complete"
    assert report["errors"] == []
    assert report["summary"]["findings"] == 0
    verdicts = {(c["persona"], c["api_id"], c["route"]): c["verdict"]
                for c in report["access_matrix"]}
    print(sorted(verdicts.items()))
