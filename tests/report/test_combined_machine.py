"""SARIF, JUnit and OCSF of a combined report: valid against the same published schemas as a
single report's, one SARIF run for every target (each result on its target's baseline), a
JUnit suite per target, every target's findings, the run's own failure
never silent."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from auditor.model.combined_report import CombinedReport
from auditor.report.combined_machine import RUN_KEY
from auditor.report.render import render
from tests.report.combined_reports import combined, organization
from tests.report.test_formats import errors_of, junit_schema, ocsf_validator, sarif_validator

CASES = {
    "organization": organization(),
    "discovery-failed": organization(discovery_failed=True),
    "no-targets": combined([]),
}


BASELINES = {
    "prod@us-east-1": Path("baselines/prod.yaml"),
    "stage@us-east-1": Path("baselines/stage.yaml"),
    "dev@us-east-1": Path("baselines/dev.yaml"),
    "legacy@eu-west-1": Path("baselines/legacy.yaml"),
    RUN_KEY: Path("targets.yaml"),
}


def _results_by_target(log: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    [run] = log["runs"]
    found: dict[str, list[dict[str, Any]]] = {}
    for result in run["results"]:
        found.setdefault(result["properties"]["target"], []).append(result)
    return found


@pytest.mark.parametrize("name", CASES)
def test_sarif_is_one_valid_run_every_result_on_its_target_s_baseline(name: str) -> None:
    report = CASES[name]
    log = json.loads(render(report, "sarif", baselines=BASELINES))
    assert errors_of(sarif_validator(), log) == []
    # GitHub code scanning takes at most 20 runs per file: one, whatever the targets.
    [run] = log["runs"]
    uris = [artifact["location"]["uri"] for artifact in run.get("artifacts", [])]
    for result in run["results"]:
        [location] = result["locations"]
        artifact = location["physicalLocation"]["artifactLocation"]
        assert uris[artifact["index"]] == artifact["uri"]
        key = result["properties"]["target"]
        assert artifact["uri"] == BASELINES[key].as_posix()
        assert result["message"]["text"].startswith(f"{key}: ")
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]


def test_the_one_run_holds_every_target_s_findings_fingerprinted_per_target() -> None:
    report = organization()
    log = json.loads(render(report, "sarif", baselines=BASELINES))
    by_target = _results_by_target(log)
    for entry in report.targets:
        key = f"{entry.name}@{entry.report.target.region}"
        results = by_target.get(key, [])
        fingerprints = [
            r["partialFingerprints"]["auditorFingerprint/v1"]
            for r in results
            if r["ruleId"] != "audit-incomplete"
        ]
        assert fingerprints == [f"{key}/{f.fingerprint}" for f in entry.report.findings]
        incomplete = [r for r in results if r["ruleId"] == "audit-incomplete"]
        assert len(incomplete) == (entry.report.status == "incomplete")
    notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert any(n["message"]["text"].startswith("legacy@eu-west-1: sts AssumeRole") for n in notes)


def test_two_accounts_identical_findings_stay_two_alerts() -> None:
    same = organization().targets[0]
    report = combined([same, same.model_copy(update={"name": "prod-copy"})])
    log = json.loads(render(report, "sarif"))
    fingerprints = [
        r["partialFingerprints"]["auditorFingerprint/v1"] for r in log["runs"][0]["results"]
    ]
    assert fingerprints and len(set(fingerprints)) == len(fingerprints)


def test_a_target_without_a_given_baseline_is_shown_on_the_targets_file() -> None:
    log = json.loads(render(organization(), "sarif", baselines={RUN_KEY: Path("targets.yaml")}))
    assert errors_of(sarif_validator(), log) == []
    for result in log["runs"][0]["results"]:
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert uri == "targets.yaml"


def test_a_failed_discovery_keeps_a_sarif_alert_open() -> None:
    log = json.loads(render(organization(discovery_failed=True), "sarif", baselines=BASELINES))
    [result] = _results_by_target(log)[RUN_KEY]
    assert result["ruleId"] == "audit-incomplete"
    assert "1 AWS read(s) failed" in result["message"]["text"]


def _suites(text: str) -> list[ET.Element]:
    return ET.fromstring(text).findall("testsuite")


@pytest.mark.parametrize("name", CASES)
def test_junit_is_valid_with_a_suite_per_target(name: str) -> None:
    report = CASES[name]
    text = render(report, "junit")
    junit_schema().validate(text)
    names = [suite.get("name") for suite in _suites(text)]
    expected = [f"{t.name}@{t.report.target.region}" for t in report.targets]
    # The run's own suite: a failed discovery, or no target at all (that proves nothing).
    failed = bool(report.errors) or not report.targets
    assert names == expected + (["organization@us-east-1"] if failed else [])


def test_junit_suite_fails_a_case_per_open_finding_of_its_target() -> None:
    report = organization()
    for suite, entry in zip(_suites(render(report, "junit")), report.targets, strict=True):
        failures = [case for case in suite.iter("testcase") if case.find("failure") is not None]
        assert len(failures) == entry.report.summary.open
        assert suite.get("failures") == str(entry.report.summary.open)
        assert all(
            case.get("classname", "").startswith(suite.get("name", "?") + ".")
            for case in suite.iter("testcase")
        )
    legacy = _suites(render(report, "junit"))[3]
    errored = [case for case in legacy.iter("testcase") if case.find("error") is not None]
    assert [case.get("name") for case in errored] == ["sts AssumeRole"]
    assert legacy.find("properties/property[@name='target']").get("value") == "legacy"  # type: ignore[union-attr]


def test_junit_of_a_failed_discovery_errs_and_judges_no_rule() -> None:
    run = _suites(render(organization(discovery_failed=True), "junit"))[-1]
    assert run.get("errors") == "1" and run.get("tests") == "1"
    [case] = run.iter("testcase")
    assert case.get("name") == "organizations ListAccountsForParent"


@pytest.mark.parametrize("name", CASES)
def test_ocsf_lists_every_targets_findings_with_account_and_region(name: str) -> None:
    report: CombinedReport = CASES[name]
    events = json.loads(render(report, "ocsf"))
    validator = ocsf_validator()
    for event in events:
        assert errors_of(validator, event) == []
    found = [
        e["finding_info"]["uid"]
        for e in events
        if e["finding_info"]["types"] != ["audit-incomplete"]
    ]
    assert found == [f.fingerprint for t in report.targets for f in t.report.findings]
    for entry in report.targets:
        account = entry.report.target.account_id
        mine = [e for e in events if e["cloud"].get("account", {}).get("uid") == account]
        assert len(mine) == len(entry.report.findings) + (entry.report.status == "incomplete")
        assert {e["cloud"]["region"] for e in mine} <= {entry.report.target.region}
    failed = bool(report.errors) or not report.targets  # no target proves nothing either
    incomplete = sum(t.report.status == "incomplete" for t in report.targets) + failed
    assert sum(e["finding_info"]["types"] == ["audit-incomplete"] for e in events) == incomplete
