"""`run --targets` with hand-made targets in the default emulated account: each target's
report in the combined one, in order; each failure its own; the exit code the worst one's."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.model.targets import Target
from tests.many.conftest import by_name, combined, rule_ids
from tests.support.aws import Aws
from tests.support.cli import invoke
from tests.support.world import REGION, World, build_world


@pytest.fixture
def world(aws: Aws, tmp_path: Path) -> World:
    return build_world(aws.emulator, aws.session, tmp_path)


def drifted_baseline(world: World, name: str = "drifted.yaml") -> Path:
    """The world's baseline with the editors' routes declared for nobody: the live grant is
    now drift (findings), the rest unchanged."""
    data = copy.deepcopy(world.baseline)
    data["groups"]["editors"]["routes"] = []
    return world.write_baseline(data, name)


def missing_pool_baseline(world: World) -> Path:
    data = copy.deepcopy(world.baseline)
    data["user_pool"] = {"id": f"{REGION}_doesNotExist"}
    return world.write_baseline(data, "missing.yaml")


def test_each_target_is_audited_and_the_worst_decides_the_exit_code(
    world: World, hand_made: Callable[[list[Target]], Path]
) -> None:
    path = hand_made(
        [
            Target(name="clean", baseline=world.baseline_path, region=REGION),
            Target(name="drifted", baseline=drifted_baseline(world), region=REGION),
        ]
    )
    result = invoke(["run", "--targets", str(path), "--format", "json"])
    assert result.exit_code == 1, result.stderr
    report = combined(result.stdout)
    assert [entry["name"] for entry in report["targets"]] == ["clean", "drifted"]
    entries = by_name(report)
    assert entries["clean"]["findings"] == [] and entries["clean"]["status"] == "complete"
    assert rule_ids(entries["drifted"])  # the undeclared editors' grant
    assert report["summary"]["targets"] == 2 and report["summary"]["worst"] == ["drifted"]
    # Per target, --fail-on: above the drift's severity, nothing fails.
    assert invoke(["run", "--targets", str(path), "--fail-on", "none"]).exit_code == 0


def test_a_missing_pool_is_that_target_incomplete_and_the_others_complete(
    world: World, hand_made: Callable[[list[Target]], Path]
) -> None:
    path = hand_made(
        [
            Target(name="missing", baseline=missing_pool_baseline(world), region=REGION),
            Target(name="clean", baseline=world.baseline_path, region=REGION),
        ]
    )
    result = invoke(["run", "--targets", str(path), "--format", "json"])
    assert result.exit_code == 3, result.stderr
    entries = by_name(combined(result.stdout))
    missing = entries["missing"]
    assert missing["status"] == "incomplete" and missing["findings"] == []
    assert [(e["service"], e["operation"]) for e in missing["errors"]] == [
        ("cognito-idp", "DescribeUserPool")
    ]
    assert "doesNotExist" in missing["errors"][0]["message"]
    assert entries["clean"]["status"] == "complete"
    assert "auditor: missing: cognito-idp DescribeUserPool failed:" in result.stderr


def test_credentials_for_another_account_than_the_target_s_are_never_audited(
    world: World, hand_made: Callable[[list[Target]], Path]
) -> None:
    path = hand_made(
        [
            Target(
                name="elsewhere",
                baseline=drifted_baseline(world),
                region=REGION,
                account_id="999999999999",
            )
        ]
    )
    result = invoke(["run", "--targets", str(path), "--format", "json"])
    assert result.exit_code == 3
    entry = by_name(combined(result.stdout))["elsewhere"]
    assert entry["findings"] == []  # the drift of the account that was read is not reported
    assert entry["errors"][0]["operation"] == "GetCallerIdentity"
    assert "999999999999" in entry["errors"][0]["message"]


def test_a_bug_in_one_target_lets_the_others_finish_then_exits_4(
    world: World, hand_made: Callable[[list[Target]], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from auditor.checks.run import audit as real

    def audit_with_a_bug(snapshot, baseline, *args, **kwargs):  # type: ignore[no-untyped-def]
        if baseline.source.endswith("drifted.yaml"):
            raise ZeroDivisionError("a bug")
        return real(snapshot, baseline, *args, **kwargs)

    monkeypatch.setattr("auditor.commands.many_target.audit", audit_with_a_bug)
    path = hand_made(
        [
            Target(name="buggy", baseline=drifted_baseline(world), region=REGION),
            Target(name="clean", baseline=world.baseline_path, region=REGION),
        ]
    )
    result = invoke(["run", "--targets", str(path), "--format", "json"])
    assert result.exit_code == 4
    entries = by_name(combined(result.stdout))
    assert entries["clean"]["status"] == "complete"
    assert entries["buggy"]["status"] == "incomplete"
    assert "auditor: buggy: auditor internal error failed: ZeroDivisionError" in result.stderr


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--baseline", "b.yaml"),
        ("--snapshot", "s.json"),
        ("--template", "t.yaml"),
        ("--parameter", "Env=prod"),
        ("--stage", "prod"),
        ("--stack-name", "app"),
    ],
)
def test_options_of_one_target_are_refused_with_targets(
    aws: Aws, tmp_path: Path, option: str, value: str
) -> None:
    path = tmp_path / "targets.yaml"
    path.write_text("version: 1\n", encoding="utf-8")
    result = invoke(["run", "--targets", str(path), option, value])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"auditor: error: {option}: not with --targets (each target is in the file)"
    ]
    assert aws.emulator.operations() == {}


def test_run_without_baseline_or_targets_is_one_line_exit_2() -> None:
    result = invoke(["run"])
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "--baseline" in result.stderr


def test_workers_out_of_range_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "targets.yaml"
    path.write_text("version: 1\n", encoding="utf-8")
    result = invoke(["run", "--targets", str(path), "--workers", "0"])
    assert result.exit_code == 2 and "--workers" in result.stderr


def test_audits_in_a_process_pool_report_what_audits_in_threads_do(
    world: World, hand_made: Callable[[list[Target]], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = hand_made(
        [
            Target(name="clean", baseline=world.baseline_path, region=REGION),
            Target(name="drifted", baseline=drifted_baseline(world), region=REGION),
        ]
    )
    in_threads = combined(invoke(["run", "--targets", str(path), "-f", "json"]).stdout)
    monkeypatch.setattr("auditor.commands.many_pool.AUDIT_POOL_MIN_TARGETS", 1)
    result = invoke(["run", "--targets", str(path), "-f", "json"])
    assert result.exit_code == 1, result.stderr
    in_processes = combined(result.stdout)
    for threaded, pooled in zip(in_threads["targets"], in_processes["targets"], strict=True):
        assert pooled["findings"] == threaded["findings"]
        assert pooled["access_matrix"] == threaded["access_matrix"]
    assert in_processes["summary"] == in_threads["summary"]


def test_accepted_risk_is_each_target_s_own_baseline_s(
    world: World, hand_made: Callable[[list[Target]], Path]
) -> None:
    """CONTRACT §6.4: `accepted:` applies per target. The same drift in two targets: the one
    whose baseline accepts it has its findings marked accepted and never fails the run; the
    other's still count (exit 1, the only one among the worst)."""
    drifted = drifted_baseline(world)
    only_drifted = hand_made([Target(name="drifted", baseline=drifted, region=REGION)])
    fired = rule_ids(
        by_name(combined(invoke(["run", "--targets", str(only_drifted)]).stdout))["drifted"]
    )
    assert fired
    data = copy.deepcopy(world.baseline)
    data["groups"]["editors"]["routes"] = []
    data["accepted"] = [{"rule": rule, "reason": "known, ticket SEC-1"} for rule in sorted(fired)]
    accepting = world.write_baseline(data, "accepting.yaml")
    path = hand_made(
        [
            Target(name="accepting", baseline=accepting, region=REGION),
            Target(name="drifted", baseline=drifted, region=REGION),
        ]
    )
    result = invoke(["run", "--targets", str(path), "--format", "json"])
    assert result.exit_code == 1, result.stderr
    report = combined(result.stdout)
    entries = by_name(report)
    assert entries["accepting"]["findings"]
    assert all(finding.get("accepted") for finding in entries["accepting"]["findings"])
    assert not any(finding.get("accepted") for finding in entries["drifted"]["findings"])
    assert report["summary"]["worst"] == ["drifted"]
    assert report["summary"]["accepted"] == len(entries["accepting"]["findings"])
    alone = hand_made([Target(name="accepting", baseline=accepting, region=REGION)])
    assert invoke(["run", "--targets", str(alone)]).exit_code == 0
