"""The report as OCSF Detection Findings (class 2004, schema 1.6.0, the version Security Hub
reads): a JSON array with one finding object per finding.

An OCSF finding stands alone: there is no document around the array to say that the run was
incomplete. So an incomplete run adds one finding of its own ("the audit is incomplete", with
the failed reads), rather than letting a short or empty array read as "no drift" in a SIEM.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from auditor.audit.catalog import get_rule
from auditor.model.findings import Finding, Severity
from auditor.model.report import Report

OCSF_VERSION = "1.6.0"
CATEGORY_UID = 2  # Findings
CLASS_UID = 2004  # Detection Finding
ACTIVITY_CREATE = 1
STATUS_NEW, STATUS_SUPPRESSED = 1, 3
SEVERITY_ID = {
    Severity.INFO: 1,
    Severity.LOW: 2,
    Severity.MEDIUM: 3,
    Severity.HIGH: 4,
    Severity.CRITICAL: 5,
}
# `severity` must be the caption OCSF's dictionary gives the severity_id (not our own word:
# 1 is "Informational", never "Info").
SEVERITY_CAPTION = {1: "Informational", 2: "Low", 3: "Medium", 4: "High", 5: "Critical"}
INCOMPLETE_TYPE = "audit-incomplete"


def render_ocsf(report: Report) -> str:
    return json.dumps(ocsf_findings(report), indent=2) + "\n"


def ocsf_findings(report: Report) -> list[dict[str, Any]]:
    common = _common(report)
    events = [_finding(finding, common, report) for finding in report.findings]
    if report.status == "incomplete":
        events.append(_incomplete(report, common))
    return events


def _common(report: Report) -> dict[str, Any]:
    """What every finding of the run shares: classification, time, producer, cloud."""
    cloud: dict[str, Any] = {"provider": "AWS", "region": report.target.region}
    if report.target.account_id:
        cloud["account"] = {"uid": report.target.account_id, "type": "AWS Account", "type_id": 10}
    return {
        "activity_id": ACTIVITY_CREATE,
        "activity_name": "Create",
        "category_uid": CATEGORY_UID,
        "category_name": "Findings",
        "class_uid": CLASS_UID,
        "class_name": "Detection Finding",
        "type_uid": CLASS_UID * 100 + ACTIVITY_CREATE,
        "time": epoch_ms(report.generated_at) or 0,
        "metadata": {
            "version": OCSF_VERSION,
            "profiles": ["cloud"],
            "product": {
                "name": report.tool.name,
                "vendor_name": report.tool.name,
                "version": report.tool.version,
            },
        },
        "cloud": cloud,
    }


def _finding(finding: Finding, common: dict[str, Any], report: Report) -> dict[str, Any]:
    rule = get_rule(finding.rule_id)
    info: dict[str, Any] = {
        "uid": finding.fingerprint,
        "title": finding.title,
        "desc": finding.message,
        "types": [finding.rule_id],
        "analytic": {"uid": rule.id, "name": rule.title, "type_id": 1, "type": "Rule"},
    }
    for key, seen in (
        ("first_seen_time", finding.first_seen),
        ("last_seen_time", finding.last_seen),
    ):
        stamp = epoch_ms(seen)
        if stamp is not None:
            info[key] = stamp
    event: dict[str, Any] = {
        **common,
        "severity_id": SEVERITY_ID[finding.severity],
        "severity": SEVERITY_CAPTION[SEVERITY_ID[finding.severity]],
        "message": finding.message,
        "is_alert": finding.counts,
        "finding_info": info,
        "resources": [_resource(finding.resource, report)],
        "remediation": {"desc": finding.remediation, "references": rule.references},
        "unmapped": _unmapped(finding),
    }
    if finding.accepted is not None:
        event |= {
            "status_id": STATUS_SUPPRESSED,
            "status": "Suppressed",
            "status_detail": finding.accepted.reason,
        }
    else:
        event |= {"status_id": STATUS_NEW, "status": "New"}
    return event


def _resource(resource: str, report: Report) -> dict[str, Any]:
    entry: dict[str, Any] = {"uid": resource, "region": report.target.region}
    if resource.startswith("arn:") and ":role/" in resource:
        entry |= {"type": "AWS::IAM::Role", "name": resource.rsplit("/", 1)[-1]}
    return entry


def _unmapped(finding: Finding) -> dict[str, Any]:
    """The auditor's own words for who and what, which OCSF has no attribute for."""
    unmapped: dict[str, Any] = dict(finding.names())
    if finding.template is not None:  # OCSF has no attribute for a line of code
        unmapped["template"] = finding.template.model_dump()
    return unmapped


def _incomplete(report: Report, common: dict[str, Any]) -> dict[str, Any]:
    failed = [error.describe() for error in report.errors]
    why = report.incomplete_because()
    return {
        **common,
        "severity_id": SEVERITY_ID[Severity.MEDIUM],
        "severity": SEVERITY_CAPTION[SEVERITY_ID[Severity.MEDIUM]],
        "message": f"The audit is incomplete: {why}; no finding may be read as no drift.",
        "is_alert": True,
        "status_id": STATUS_NEW,
        "status": "New",
        "finding_info": {
            "uid": f"{INCOMPLETE_TYPE}:{report.generated_at}",
            "title": "The audit is incomplete",
            "desc": "\n".join([why, *failed]),
            "types": [INCOMPLETE_TYPE],
        },
        "unmapped": {"errors": [error.model_dump() for error in report.errors]},
    }


def epoch_ms(stamp: str | None) -> int | None:
    """An ISO 8601 time as milliseconds since the epoch (OCSF's timestamp_t)."""
    if not stamp:
        return None
    try:
        return int(datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp() * 1000)
    except ValueError:
        return None
