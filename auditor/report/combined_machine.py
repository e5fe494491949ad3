"""SARIF, JUnit and OCSF of a combined report: each target rendered by the single-report
renderer, then put together, so a target reads in every tool as it would on its own.

- SARIF: ONE run holding every target's results (GitHub code scanning takes at most 20 runs
  per file, and one run per target would refuse any organization past 20 targets). Each
  result names its target (`properties.target`, `name@region`) and its message starts with
  it; its fingerprint includes it, so that two accounts' identical findings stay two alerts
  and one target's fix never closes another's. Each result points at its target's baseline
  file (code scanning requires a physical location); an incomplete target has its own
  audit-incomplete result there, and every failure is a notification of the one invocation.
- JUnit: one `testsuite` per target, its cases those of the target's own suites (classname
  `<name>@<region>.<rule>`).
- OCSF: every target's findings in one array; each already names its account and region.

A failure of the run itself (discovery through Organizations) is never silent: an extra
SARIF run, JUnit suite or OCSF finding says the run is incomplete, as a failed read does.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from auditor.model.combined_report import CombinedReport, TargetReport
from auditor.model.report import Report, ReportTarget, Summary
from auditor.report.junit import _close, junit_suites
from auditor.report.ocsf import ocsf_findings
from auditor.report.sarif import (
    FINGERPRINT_KEY,
    INCOMPLETE_RULE,
    SARIF_SCHEMA_URI,
    SARIF_VERSION,
    sarif_log,
)

# Where the run's own failure is said: Organizations is a global service served from here.
RUN_NAME = "organization"
RUN_REGION = "us-east-1"
RUN_KEY = f"{RUN_NAME}@{RUN_REGION}"  # the run's own failure, in `baselines`: the targets file


def render_combined_machine(
    report: CombinedReport,
    fmt: Literal["sarif", "junit", "ocsf"],
    baselines: Mapping[str, Path] | None = None,
) -> str:
    if fmt == "sarif":
        return json.dumps(combined_sarif(report, baselines), indent=2) + "\n"
    if fmt == "ocsf":
        return json.dumps(combined_ocsf(report), indent=2) + "\n"
    return combined_junit(report)


def target_key(entry: TargetReport) -> str:
    """`name@region`: unique in a run, as the runner keys each target's state."""
    return f"{entry.name}@{entry.report.target.region}"


def run_failure(report: CombinedReport) -> Report | None:
    """The run's own failure as a report of its own (no target, incomplete), for the formats
    whose documents have no place for it; None when the run itself did not fail."""
    if not report.errors:
        return None
    return Report(
        tool=report.tool,
        generated_at=report.generated_at,
        status="incomplete",
        errors=report.errors,
        target=ReportTarget(region=RUN_REGION),
        summary=Summary.of([]),
    )


def _entries(report: CombinedReport) -> list[tuple[TargetReport, bool]]:
    """Each target, then the run's own failure if any (True: that one)."""
    failed = run_failure(report)
    extra = [] if failed is None else [(TargetReport(name=RUN_NAME, report=failed), True)]
    return [*((entry, False) for entry in report.targets), *extra]


def combined_sarif(
    report: CombinedReport, baselines: Mapping[str, Path] | None = None
) -> dict[str, Any]:
    """One SARIF run of every target; `baselines`: each target's baseline file by its key
    (`name@region`), where its results are shown; RUN_KEY's (the targets file) for the run's
    own failure and for a target whose baseline is not given."""
    rules: dict[str, dict[str, Any]] = {}
    artifacts: dict[str, int] = {}
    results: list[dict[str, Any]] = []
    notifications: list[dict[str, Any]] = []
    for entry, _ in _entries(report):
        key = target_key(entry)
        baseline = (baselines or {}).get(key) or (baselines or {}).get(RUN_KEY)
        [run] = sarif_log(entry.report, baseline=baseline)["runs"]
        for rule in run["tool"]["driver"]["rules"]:
            rules[rule["id"]] = _worse(rules.get(rule["id"]), rule)
        local = [artifact["location"]["uri"] for artifact in run.get("artifacts", [])]
        for uri in local:
            artifacts.setdefault(uri, len(artifacts))
        for result in run["results"]:
            results.append(_of_target(result, key, local, artifacts))
        for note in run["invocations"][0].get("toolExecutionNotifications", []):
            text = f"{key}: {note['message']['text']}"
            notifications.append({**note, "message": {"text": text}})
    index = {rule_id: i for i, rule_id in enumerate(rules)}
    for result in results:
        result["ruleIndex"] = index[result["ruleId"]]
    invocation: dict[str, Any] = {
        "executionSuccessful": report.status == "complete",
        "endTimeUtc": report.generated_at,
    }
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    merged: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": report.tool.name,
                "version": report.tool.version,
                "semanticVersion": report.tool.version,
                "rules": list(rules.values()),
            }
        },
        "automationDetails": {"id": f"{report.tool.name}/targets/"},
        "invocations": [invocation],
        "results": results,
        "properties": {
            "targets": [
                {"key": target_key(entry), "name": entry.name, **_where(entry)}
                for entry in report.targets
            ]
        },
    }
    if artifacts:
        merged["artifacts"] = [
            {"location": {"uri": uri}, "roles": ["analysisTarget"]} for uri in artifacts
        ]
    return {"$schema": SARIF_SCHEMA_URI, "version": SARIF_VERSION, "runs": [merged]}


def _where(entry: TargetReport) -> dict[str, Any]:
    return entry.report.target.model_dump(mode="json", exclude_none=True)


def _worse(known: dict[str, Any] | None, rule: dict[str, Any]) -> dict[str, Any]:
    """A rule as the run declares it: with the security-severity of its most severe finding
    in any target (GitHub ranks the rule's alerts by it)."""
    if known is None or rule["id"] == INCOMPLETE_RULE["id"]:
        return known or rule
    severity = float(rule["properties"]["security-severity"])
    return rule if severity > float(known["properties"]["security-severity"]) else known


def _of_target(
    result: dict[str, Any], key: str, local: list[str], artifacts: Mapping[str, int]
) -> dict[str, Any]:
    """A target's result in the one run: named, fingerprinted per target, its baseline's
    index in the run's artifacts."""
    result["message"] = {"text": f"{key}: {result['message']['text']}"}
    fingerprint = result["partialFingerprints"][FINGERPRINT_KEY]
    result["partialFingerprints"] = {FINGERPRINT_KEY: f"{key}/{fingerprint}"}
    result["properties"] = {**result.get("properties", {}), "target": key}
    for location in result.get("locations", []):
        artifact = location.get("physicalLocation", {}).get("artifactLocation", {})
        if "index" in artifact:
            artifact["index"] = artifacts[local[artifact["index"]]]
    return result


def combined_ocsf(report: CombinedReport) -> list[dict[str, Any]]:
    return [event for entry, _ in _entries(report) for event in ocsf_findings(entry.report)]


def combined_junit(report: CombinedReport) -> str:
    root = ET.Element("testsuites")
    for index, (entry, of_run) in enumerate(_entries(report)):
        suites = junit_suites(entry.report).findall("testsuite")
        if of_run:
            suites = [s for s in suites if s.get("name") == "collection"]  # no rule was judged
        key = target_key(entry)
        suite = ET.SubElement(root, "testsuite", name=key)
        first = suites[0] if suites else None
        for attribute in ("package", "timestamp", "hostname", "time"):
            if first is not None and first.get(attribute) is not None:
                suite.set(attribute, first.get(attribute, ""))
        suite.set("id", str(index))
        properties = ET.SubElement(suite, "properties")
        ET.SubElement(properties, "property", name="target", value=entry.name)
        if first is not None:
            properties.extend(first.findall("properties/property"))
        for part in suites:
            for case in part.findall("testcase"):
                case.set("classname", f"{key}.{case.get('classname', '')}")
                suite.append(case)
        _close(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
