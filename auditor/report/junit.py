"""The report as JUnit XML, which CI systems (Jenkins, GitLab, GitHub actions' test reporters)
show as test results.

One test suite per rule in the catalog, so a clean run is a list of passing checks rather
than an empty page: a rule with findings has a failing test case per finding that counts and
a skipped one (with the reason) per accepted finding; a rule without findings one passing
case. An incomplete run adds a suite "collection" with an errored case per failed read: the
auditor could not judge, which is neither a pass nor a failure. The layout follows the Ant
JUnit schema that most readers accept (windyroad's JUnit.xsd): `testsuites` around
`testsuite`s, each with its properties, cases, system-out and system-err.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from datetime import datetime

from auditor.audit.catalog import load_catalog
from auditor.model.findings import Finding
from auditor.model.report import Report

_PACKAGE = "cognito-route-auditor"
# What XML 1.0 cannot carry (a policy or a name may hold control characters: issue 12).
_NOT_XML = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _x(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def render_junit(report: Report) -> str:
    root = ET.Element("testsuites")
    stamp = _timestamp(report.generated_at)
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for finding in report.findings:
        by_rule[finding.rule_id].append(finding)
    rule_ids = list(load_catalog()) + sorted(set(by_rule) - set(load_catalog()))
    for index, rule_id in enumerate(rule_ids):
        suite = _suite(root, rule_id, index, stamp, report)
        findings = by_rule.get(rule_id, [])
        for finding in findings:
            case = _case(suite, rule_id, _case_name(finding))
            if finding.accepted is not None:
                until = f" (until {finding.accepted.expires})" if finding.accepted.expires else ""
                reason = _x(f"accepted{until}: {finding.accepted.reason}")
                ET.SubElement(case, "skipped", message=reason)
            else:
                failure = ET.SubElement(
                    case, "failure", message=_x(finding.message), type=finding.severity.value
                )
                failure.text = _x(_details(finding))
        if not findings:
            _case(suite, rule_id, "no finding")
        _close(suite, findings)
    if report.errors:
        suite = _suite(root, "collection", len(rule_ids), stamp, report)
        for error in report.errors:
            case = _case(suite, "collection", f"{error.service} {error.operation}")
            failed = ET.SubElement(case, "error", message=_x(error.message), type=_x(error.service))
            failed.text = _x(f"{error.service} {error.operation} failed: {error.message}")
        _close(suite, [], errors=len(report.errors))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _suite(root: ET.Element, name: str, index: int, stamp: str, report: Report) -> ET.Element:
    suite = ET.SubElement(
        root,
        "testsuite",
        name=name,
        package=_PACKAGE,
        id=str(index),
        timestamp=stamp,
        hostname=_x(report.target.account_id or "localhost"),
        time="0",
    )
    properties = ET.SubElement(suite, "properties")
    for key, value in (
        ("status", report.status),
        ("region", report.target.region),
        ("account_id", report.target.account_id),
        ("user_pool_id", report.target.user_pool_id),
        ("identity_pool_id", report.target.identity_pool_id),
    ):
        if value:
            ET.SubElement(properties, "property", name=key, value=_x(value))
    return suite


def _case(suite: ET.Element, classname: str, name: str) -> ET.Element:
    return ET.SubElement(suite, "testcase", name=_x(name), classname=_x(classname), time="0")


def _close(suite: ET.Element, findings: list[Finding], *, errors: int = 0) -> None:
    """The counts the schema asks for, then the two (empty) output streams it requires."""
    accepted = sum(1 for f in findings if f.accepted is not None)
    cases = errors or max(len(findings), 1)
    suite.set("tests", str(cases))
    suite.set("failures", str(len(findings) - accepted))
    suite.set("errors", str(errors))
    suite.set("skipped", str(accepted))
    ET.SubElement(suite, "system-out")
    ET.SubElement(suite, "system-err")


def _case_name(finding: Finding) -> str:
    parts = [finding.persona, finding.route, finding.resource, finding.app_client]
    return " ".join(part for part in parts if part)


def _details(finding: Finding) -> str:
    lines = [
        f"{finding.severity.value}: {finding.title}",
        finding.message,
        f"resource: {finding.resource}",
        *([f"persona: {finding.persona}"] if finding.persona else []),
        *([f"route: {finding.route}"] if finding.route else []),
        *([f"open since: {finding.first_seen}"] if finding.first_seen else []),
        f"remediation: {finding.remediation}",
        f"fingerprint: {finding.fingerprint}",
    ]
    return "\n".join(lines)


def _timestamp(generated_at: str) -> str:
    """The schema's timestamp: seconds, no time zone (the report's is UTC)."""
    try:
        return datetime.fromisoformat(generated_at).strftime("%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return "1970-01-01T00:00:00"
