"""SARIF, JUnit and OCSF of a combined report: valid against the same published schemas as a
single report's, one run / suite per target, every target's findings, the run's own failure
never silent."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from auditor.model.combined_report import CombinedReport
from auditor.report.render import render
from tests.report.combined_reports import combined, organization
from tests.report.test_formats import errors_of, junit_schema, ocsf_validator, sarif_validator

CASES = {
    "organization": organization(),
    "discovery-failed": organization(discovery_failed=True),
    "no-targets": combined([]),
}


@pytest.mark.parametrize("name", CASES)
def test_sarif_is_valid_with_one_run_per_target(name: str) -> None:
    report = CASES[name]
    log = json.loads(render(report, "sarif"))
    assert errors_of(sarif_validator(), log) == []
    ids = [run["automationDetails"]["id"] for run in log["runs"]]
    expected = [f"cognito-route-auditor/{t.name}@{t.report.target.region}/" for t in report.targets]
    if report.errors:
        expected.append("cognito-route-auditor/organization@us-east-1/")
    assert ids == expected
    assert len(set(ids)) == len(ids)  # code scanning keeps each target's alerts apart


def test_each_sarif_run_holds_its_targets_findings_and_names_it() -> None:
    report = organization()
    log = json.loads(render(report, "sarif"))
    for run, entry in zip(log["runs"], report.targets, strict=True):
        assert run["properties"]["target_name"] == entry.name
        assert run["properties"]["target"]["account_id"] == entry.report.target.account_id
        fingerprints = [
            r["partialFingerprints"]["auditorFingerprint/v1"]
            for r in run["results"]
            if r["ruleId"] != "audit-incomplete"
        ]
        assert fingerprints == [f.fingerprint for f in entry.report.findings]
        incomplete = [r for r in run["results"] if r["ruleId"] == "audit-incomplete"]
        assert len(incomplete) == (entry.report.status == "incomplete")


def test_a_failed_discovery_keeps_a_sarif_alert_open() -> None:
    log = json.loads(render(organization(discovery_failed=True), "sarif"))
    [result] = log["runs"][-1]["results"]
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
    assert names == expected + (["organization@us-east-1"] if report.errors else [])


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
    incomplete = sum(t.report.status == "incomplete" for t in report.targets) + bool(report.errors)
    assert sum(e["finding_info"]["types"] == ["audit-incomplete"] for e in events) == incomplete
