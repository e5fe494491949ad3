"""The report as JUnit XML, which CI systems (Jenkins, GitLab, GitHub actions' test reporters)
show as test results.

One test suite per rule in the catalog, so a clean run is a list of passing checks rather
than an empty page: a rule with findings has a failing test case per finding that counts and
a skipped one (with the reason) per accepted finding; a rule without findings one passing
case, or, when the run is incomplete, a skipped one ("not judged"). An incomplete run also
adds a suite "collection" with an errored case per failed read or per thing the auditor could
not evaluate: the auditor could not judge, which is neither a pass nor a failure. An alert or
import that could not be delivered (Slack, Security Hub) is an errored case of a suite
"delivery". The layout follows the Ant JUnit schema that most readers accept (windyroad's
JUnit.xsd): `testsuites` around `testsuite`s, each with its properties, cases, system-out and
system-err.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from datetime import datetime

from auditor.audit.catalog import load_catalog
from auditor.model.findings import Finding
from auditor.model.report import Report, ReportError
from auditor.report.location import written_at

_PACKAGE = "cognito-route-auditor"
# What XML 1.0 cannot carry (a policy or a name may hold control characters: issue 12).
_NOT_XML = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _x(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def render_junit(report: Report) -> str:
    root = junit_suites(report)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def junit_suites(report: Report) -> ET.Element:
    """The report's `testsuites` element, a suite per rule (then collection and delivery
    failures): what render_junit writes, and what a combined report takes each target's
    suites from without reading them back from text."""
    root = ET.Element("testsuites")
    stamp = _timestamp(report.generated_at)
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for finding in report.findings:
        by_rule[finding.rule_id].append(finding)
    rule_ids = list(load_catalog()) + sorted(set(by_rule) - set(load_catalog()))
    unjudged = None
    if report.status == "incomplete":
        unjudged = _x(f"not judged: the collection is incomplete ({report.incomplete_because()})")
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
            case = _case(suite, rule_id, "no finding")
            if unjudged is not None:
                # Which rules a failed read affected cannot be told reliably: none of them
                # may show as a pass.
                ET.SubElement(case, "skipped", message=unjudged)
        _close(suite)
    collection = [e for e in report.errors if not e.is_delivery]
    delivery = [e for e in report.errors if e.is_delivery]
    if collection or report.status == "incomplete":
        suite = _suite(root, "collection", len(root), stamp, report)
        for error in collection:
            _error_case(suite, "collection", error)
        if not collection:
            # Incomplete with no error to name (a snapshot marked so): still never clean.
            case = _case(suite, "collection", "incomplete")
            why = _x(report.incomplete_because())
            ET.SubElement(case, "error", message=why, type="incomplete")
        _close(suite)
    # A failed Slack alert or Security Hub import is no collection failure (every rule was
    # judged), but nobody learns of the findings through it: left out, it would go unseen.
    if delivery:
        suite = _suite(root, "delivery", len(root), stamp, report)
        for error in delivery:
            _error_case(suite, "delivery", error)
        _close(suite)
    return root


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


def _error_case(suite: ET.Element, classname: str, error: ReportError) -> None:
    case = _case(suite, classname, f"{error.service} {error.operation}")
    failed = ET.SubElement(case, "error", message=_x(error.message), type=_x(error.service))
    failed.text = _x(error.describe())


def _close(suite: ET.Element) -> None:
    """The counts the schema asks for, from the suite's cases, then the two (empty) output
    streams it requires."""
    cases = suite.findall("testcase")
    suite.set("tests", str(len(cases)))
    for outcome, key in (("failure", "failures"), ("error", "errors"), ("skipped", "skipped")):
        suite.set(key, str(sum(1 for case in cases if case.find(outcome) is not None)))
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
        # The XSD has no file or line attribute on a test case: the text says it.
        *([f"template: {written_at(finding.template)}"] if finding.template else []),
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
