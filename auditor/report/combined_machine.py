"""SARIF, JUnit and OCSF of a combined report: each target rendered by the single-report
renderer, then put together, so a target reads in every tool as it would on its own.

- SARIF: one run per target, named in `automationDetails.id`
  (`cognito-route-auditor/<name>@<region>/`: code scanning keeps each target's alerts under
  its own category, so one target's fix never closes another's alert) and in its properties.
- JUnit: one `testsuite` per target, its cases those of the target's own suites (classname
  `<name>@<region>.<rule>`).
- OCSF: every target's findings in one array; each already names its account and region.

A failure of the run itself (discovery through Organizations) is never silent: an extra
SARIF run, JUnit suite or OCSF finding says the run is incomplete, as a failed read does.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any, Literal

from auditor.model.combined_report import CombinedReport, TargetReport
from auditor.model.report import Report, ReportTarget, Summary
from auditor.report.junit import _close, render_junit
from auditor.report.ocsf import ocsf_findings
from auditor.report.sarif import SARIF_SCHEMA_URI, SARIF_VERSION, sarif_log

# Where the run's own failure is said: Organizations is a global service served from here.
RUN_NAME = "organization"
RUN_REGION = "us-east-1"


def render_combined_machine(report: CombinedReport, fmt: Literal["sarif", "junit", "ocsf"]) -> str:
    if fmt == "sarif":
        return json.dumps(combined_sarif(report), indent=2) + "\n"
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


def combined_sarif(report: CombinedReport) -> dict[str, Any]:
    runs = []
    for entry, _ in _entries(report):
        [run] = sarif_log(entry.report)["runs"]
        run["automationDetails"] = {"id": f"{entry.report.tool.name}/{target_key(entry)}/"}
        run["properties"]["target_name"] = entry.name
        runs.append(run)
    return {"$schema": SARIF_SCHEMA_URI, "version": SARIF_VERSION, "runs": runs}


def combined_ocsf(report: CombinedReport) -> list[dict[str, Any]]:
    return [event for entry, _ in _entries(report) for event in ocsf_findings(entry.report)]


def combined_junit(report: CombinedReport) -> str:
    root = ET.Element("testsuites")
    for index, (entry, of_run) in enumerate(_entries(report)):
        own = ET.fromstring(render_junit(entry.report))
        suites = own.findall("testsuite")
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
