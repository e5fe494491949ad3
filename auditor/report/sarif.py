"""The report as SARIF 2.1.0, the format code scanning reads (GitHub, Azure DevOps, IDEs).

One `rule` per catalog rule the report's findings use, one `result` per finding. GitHub files
an alert under the rule's `security-severity` (a CVSS-like number: that of the rule's most
severe finding in the report; each result also carries its own) and keeps it across runs
by `partialFingerprints`, which is the finding's own fingerprint. The audited things are AWS
resources, not lines of code: each result names its role ARN, persona and route as a logical
location, and the baseline file (when the caller names it) as the physical location, so that
code scanning has a file to show the alert on. A finding of a template audit is shown on the
line of the template that writes the resource to change.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from auditor.audit.catalog import Rule, get_rule
from auditor.model.findings import Finding, Severity, TemplateLocation
from auditor.model.report import Report

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "auditorFingerprint/v1"
SOURCE_ROOT = "%SRCROOT%"

# GitHub: over 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, below 4.0 low.
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "1.0",
}
LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}


def render_sarif(report: Report, *, baseline: Path | None = None) -> str:
    return json.dumps(sarif_log(report, baseline=baseline), indent=2) + "\n"


def sarif_log(report: Report, *, baseline: Path | None = None) -> dict[str, Any]:
    # GitHub ranks a rule's alerts by the rule's security-severity, so it is that of the
    # rule's most severe finding here, not the catalog's default (a route open to anyone is
    # critical though route-not-iam defaults to high): over-stating beats under-stating.
    worst: dict[str, Severity] = {}
    for finding in report.findings:
        known = worst.get(finding.rule_id)
        if known is None or finding.severity.rank > known.rank:
            worst[finding.rule_id] = finding.severity
    rule_index = {rule_id: index for index, rule_id in enumerate(worst)}
    rules = [_rule(get_rule(rule_id), severity) for rule_id, severity in worst.items()]
    artifact = None if baseline is None else _artifact_uri(baseline)
    results = [_result(f, rule_index[f.rule_id], artifact) for f in report.findings]
    written = any(f.template is not None for f in report.findings)
    if report.status == "incomplete":
        # Code scanning closes an alert whose result is missing from an upload: a failed read
        # must leave an open alert of its own, not fewer alerts that read as "fixed".
        rules.append(INCOMPLETE_RULE)
        results.append(_incomplete(report, len(rules) - 1, artifact))
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": report.tool.name,
                "version": report.tool.version,
                "semanticVersion": report.tool.version,
                "rules": rules,
            }
        },
        "invocations": [_invocation(report)],
        "results": results,
        "properties": {"target": report.target.model_dump(mode="json", exclude_none=True)},
    }
    if artifact is not None:
        run["artifacts"] = [{"location": {"uri": artifact}, "roles": ["analysisTarget"]}]
    if written:
        # Template paths are relative to where the audit ran (a checkout's root), as code
        # scanning resolves them; the base says so to any other reader.
        run["originalUriBaseIds"] = {SOURCE_ROOT: {"uri": Path.cwd().resolve().as_uri() + "/"}}
    return {"$schema": SARIF_SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}


INCOMPLETE_ID = "audit-incomplete"
INCOMPLETE_RULE: dict[str, Any] = {
    "id": INCOMPLETE_ID,
    "name": "AuditIncomplete",
    "shortDescription": {"text": "The audit is incomplete"},
    "fullDescription": {
        "text": "An AWS read failed or a policy could not be judged: findings may be missing, "
        "and an alert missing from this run is not fixed."
    },
    "defaultConfiguration": {"level": "error"},
    "properties": {"security-severity": SECURITY_SEVERITY[Severity.HIGH], "tags": ["security"]},
}


def _incomplete(report: Report, index: int, artifact: str | None) -> dict[str, Any]:
    """One result while the audit is incomplete, the same alert run after run (its
    fingerprint is constant), closed by the first complete run; on the baseline's first line
    where there is one, as findings without a template line are."""
    result: dict[str, Any] = {
        "ruleId": INCOMPLETE_ID,
        "ruleIndex": index,
        "level": "error",
        "message": {"text": f"The audit is incomplete: {report.incomplete_because()}."},
        "partialFingerprints": {FINGERPRINT_KEY: INCOMPLETE_ID},
    }
    if artifact is not None:
        result["locations"] = [_baseline_location(artifact)]
    return result


def _rule(rule: Rule, severity: Severity) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in rule.id.split("-")),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.description},
        "help": {"text": rule.remediation},
        "defaultConfiguration": {"level": LEVEL[severity]},
        "properties": {
            "security-severity": SECURITY_SEVERITY[severity],
            "tags": ["security", "iam", "cognito", "api-gateway"],
            "references": rule.references,
        },
    }
    if rule.references:
        entry["helpUri"] = rule.references[0]
    return entry


def _result(finding: Finding, index: int, artifact: str | None) -> dict[str, Any]:
    location: dict[str, Any] = {"logicalLocations": _logical_locations(finding)}
    if finding.template is not None:  # a template audit: the line to change
        location["physicalLocation"] = _written(finding.template)
    elif artifact is not None:
        location["physicalLocation"] = _baseline_location(artifact)["physicalLocation"]
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": index,
        "level": LEVEL[finding.severity],
        "message": {"text": finding.message},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
        "properties": _properties(finding),
    }
    if finding.accepted is not None:
        result["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": finding.accepted.reason,
                **(
                    {"properties": {"expires": finding.accepted.expires}}
                    if finding.accepted.expires
                    else {}
                ),
            }
        ]
    return result


def _baseline_location(artifact: str) -> dict[str, Any]:
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": artifact, "index": 0},
            "region": {"startLine": 1},
        }
    }


def _logical_locations(finding: Finding) -> list[dict[str, Any]]:
    """The resource, then who and what: the path a reader follows to the problem."""
    locations = [{"name": finding.resource, "kind": "resource"}]
    if finding.persona:
        locations.append({"name": finding.persona, "kind": "object"})
    if finding.route:
        qualified = f"{finding.api_id}:{finding.route}" if finding.api_id else finding.route
        locations.append({"name": finding.route, "fullyQualifiedName": qualified, "kind": "member"})
    if finding.template is not None:
        locations.append({"name": finding.template.logical_id, "kind": "declaration"})
    return locations


def _written(template: TemplateLocation) -> dict[str, Any]:
    """Where the resource to change is written: relative to the working directory under
    %SRCROOT% (GitHub shows the alert on that line of the checkout), else a file URI."""
    path = Path(template.path)
    try:
        relative = path.resolve().relative_to(Path.cwd().resolve()).as_posix()
        artifact = {"uri": quote(relative), "uriBaseId": SOURCE_ROOT}  # a URI: %20, not " "
    except ValueError:
        artifact = {"uri": path.resolve().as_uri()}
    return {"artifactLocation": artifact, "region": {"startLine": template.line}}


def _properties(finding: Finding) -> dict[str, Any]:
    shown = {
        **finding.names(),
        "severity": finding.severity.value,
        # The finding's own rank, which the rule's (its worst finding's) may exceed.
        "security-severity": SECURITY_SEVERITY[finding.severity],
        "resource": finding.resource,
        "remediation": finding.remediation,
        "first_seen": finding.first_seen,
        "last_seen": finding.last_seen,
    }
    return {key: value for key, value in shown.items() if value is not None}


def _invocation(report: Report) -> dict[str, Any]:
    invocation: dict[str, Any] = {
        "executionSuccessful": report.status == "complete",
        "endTimeUtc": report.generated_at,
    }
    notifications = [
        {
            "level": "error",
            "message": {"text": error.describe()},
            "descriptor": {"id": f"{error.service}:{error.operation}"},
        }
        for error in report.errors
    ]
    if report.status == "incomplete" and not any(error.is_read for error in report.errors):
        # Incomplete though no read is named (a snapshot marked so): still said.
        notifications.append({"level": "error", "message": {"text": report.incomplete_because()}})
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return invocation


def _artifact_uri(baseline: Path) -> str:
    """The baseline relative to the working directory (a checkout's root, where code
    scanning resolves paths), else as a file URI."""
    resolved = baseline.resolve()
    try:
        return resolved.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return resolved.as_uri()
