"""The large world (small size) under random throttling and 5xx: retries make the audit find
exactly what it finds fault-free, and reads that fail anyway make it incomplete, named."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from auditor.checks.run import audit
from auditor.collect import AwsOptions, collect_snapshot
from auditor.commands.run import EXIT_INCOMPLETE, exit_code
from auditor.emulator import EmulatorServer
from auditor.emulator.large_world import SMALL, build_app, build_spec
from auditor.emulator.seed import seed
from auditor.model.baseline import Baseline
from auditor.model.findings import Severity
from auditor.model.report import Report
from auditor.model.snapshot import ApiRef, PoolRef, Snapshot, TargetRef
from tests.support.aws import REGION


@dataclass(frozen=True)
class LargeWorld:
    emulator: EmulatorServer
    target: TargetRef
    baseline: Baseline


@pytest.fixture(scope="module")
def large(emulator: EmulatorServer) -> Iterator[LargeWorld]:
    emulator.reset()
    app = build_app(SMALL)
    session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )
    seeded = seed(build_spec(app, SMALL), session, endpoint_url=emulator.url)
    target = TargetRef(
        user_pool=PoolRef(id=seeded.user_pool_id),
        identity_pool=PoolRef(id=seeded.identity_pool_id),
        apis=[ApiRef(id=api_id) for api_id in seeded.api_ids.values()],
    )
    yield LargeWorld(emulator, target, Baseline.model_validate(app.baseline(seeded)))
    emulator.reset()  # the next module finds an empty account, as after any reset


def _audited(large: LargeWorld, max_attempts: int = 10) -> tuple[Snapshot, Report]:
    options = AwsOptions(endpoint_url=large.emulator.url, max_attempts=max_attempts)
    snapshot = collect_snapshot(large.target, options)
    return snapshot, audit(snapshot, large.baseline)


def _findings(report: Report) -> list[str]:
    return sorted(json.dumps(f.model_dump(mode="json"), sort_keys=True) for f in report.findings)


def _under_faults(large: LargeWorld, rate: float, seed: int, **kwargs: Any) -> Any:
    large.emulator.clear_operations()
    large.emulator.inject_faults(rate, seed=seed)
    try:
        return _audited(large, **kwargs)
    finally:
        large.emulator.clear_failures()


def test_retried_faults_change_nothing_the_audit_finds(large: LargeWorld) -> None:
    clean_snapshot, clean_report = _audited(large)
    assert clean_snapshot.complete and clean_report.findings  # something to compare

    snapshot, report = _under_faults(large, 0.2, seed=4)
    assert sum(large.emulator.faults_answered().values()) >= 3  # the faults did happen
    assert snapshot.errors == []
    assert snapshot.digest() == clean_snapshot.digest()
    assert report.status == "complete"
    assert _findings(report) == _findings(clean_report)


def test_reads_that_fail_after_retries_make_the_report_incomplete_and_named(
    large: LargeWorld,
) -> None:
    snapshot, report = _under_faults(large, 0.5, seed=2, max_attempts=2)
    failed = {(e.service, e.operation) for e in snapshot.errors}
    assert failed  # with this seed, some reads fail both attempts
    assert report.status == "incomplete"
    assert failed <= {(e.service, e.operation) for e in report.errors}
    assert exit_code(report, Severity.parse("critical", "--fail-on")) == EXIT_INCOMPLETE
