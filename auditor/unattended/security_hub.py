"""`--security-hub`: import the findings into AWS Security Hub (BatchImportFindings, ASFF).

The only write the auditor makes to the account it audits, and only when asked: its
permission is in the deploy template only under EnableSecurityHub, and the read-only guard
allows it only to a run given the flag (emulator/read_only.py, OPT_IN_WRITES). A finding's
Id is its fingerprint, so that a re-run updates it rather than adding a copy; an accepted
finding is imported with its workflow SUPPRESSED. A failed import is one of the report's
errors (service "securityhub"), never a crash: the report is still written.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from auditor.audit.catalog import get_rule
from auditor.model.findings import Finding, Severity
from auditor.model.report import SECURITY_HUB_SERVICE, Report, ReportError

if TYPE_CHECKING:
    from auditor.collect import AwsOptions

SERVICE = SECURITY_HUB_SERVICE
OPERATION = "BatchImportFindings"
BATCH = 100  # BatchImportFindings takes at most 100 findings per call
ASFF_VERSION = "2018-10-08"
_LABEL = {
    Severity.CRITICAL: "CRITICAL",
    Severity.HIGH: "HIGH",
    Severity.MEDIUM: "MEDIUM",
    Severity.LOW: "LOW",
    Severity.INFO: "INFORMATIONAL",
}
_TITLE_MAX, _DESCRIPTION_MAX, _TEXT_MAX = 256, 1024, 512


def import_findings(report: Report, aws: AwsOptions) -> Report:
    """`report` imported, with any failure among its errors."""
    from botocore.exceptions import BotoCoreError, ClientError

    from auditor.collect.session import AwsClients

    clients = AwsClients(aws)
    failures: list[ReportError] = []
    try:
        account = report.target.account_id or clients.client("sts").get_caller_identity()["Account"]
        region = report.target.region or clients.region
        hub = clients.client(SERVICE)
        findings = [asff(f, report, account, region) for f in report.findings]
        for batch in _batches(findings):
            answer = hub.batch_import_findings(Findings=batch)
            for failed in answer.get("FailedFindings", []):
                why = f"{failed.get('ErrorCode')} {failed.get('ErrorMessage')}"
                failures.append(_error(f"{failed.get('Id')}: {why}"))
    except ClientError as exc:
        error = exc.response.get("Error", {})
        failures.append(_error(f"{error.get('Code', 'error')}: {error.get('Message', '')}".strip()))
    except BotoCoreError as exc:
        failures.append(_error(str(exc)))
    if not failures:
        return report
    return report.model_copy(update={"errors": [*report.errors, *failures]})


def asff(finding: Finding, report: Report, account: str, region: str) -> dict[str, Any]:
    """One finding in the AWS Security Finding Format."""
    rule = get_rule(finding.rule_id)
    now = _iso(report.generated_at)
    product = f"arn:aws:securityhub:{region}:{account}:product/{account}/default"
    entry: dict[str, Any] = {
        "SchemaVersion": ASFF_VERSION,
        "Id": f"{report.tool.name}/{finding.fingerprint}",
        "ProductArn": product,
        "ProductName": report.tool.name,
        "GeneratorId": f"{report.tool.name}/{finding.rule_id}",
        "AwsAccountId": account,
        "Region": region,
        "Types": ["Software and Configuration Checks/AWS Security Best Practices"],
        "CreatedAt": _iso(finding.first_seen) or now,
        "UpdatedAt": now,
        "FirstObservedAt": _iso(finding.first_seen) or now,
        "LastObservedAt": _iso(finding.last_seen) or now,
        "Severity": {"Label": _LABEL[finding.severity], "Original": finding.severity.value},
        "Title": finding.title[:_TITLE_MAX],
        "Description": finding.message[:_DESCRIPTION_MAX],
        "Remediation": {"Recommendation": {"Text": finding.remediation[:_TEXT_MAX]}},
        "Resources": [_resource(finding.resource, region)],
        "RecordState": "ACTIVE",
        "Workflow": {"Status": "NEW" if finding.counts else "SUPPRESSED"},
        "ProductFields": _fields(finding),
    }
    if rule.references:
        entry["Remediation"]["Recommendation"]["Url"] = rule.references[0]
    if finding.accepted is not None:
        entry["Note"] = {
            "Text": f"accepted: {finding.accepted.reason}"[:_TEXT_MAX],
            "UpdatedBy": report.tool.name,
            "UpdatedAt": now,
        }
    return entry


def _resource(resource: str, region: str) -> dict[str, Any]:
    kind = "AwsIamRole" if resource.startswith("arn:") and ":role/" in resource else "Other"
    return {"Type": kind, "Id": resource, "Region": region}


def _fields(finding: Finding) -> dict[str, str]:
    shown = {
        "rule_id": finding.rule_id,
        "persona": finding.persona,
        "route": finding.route,
        "api_id": finding.api_id,
        "app_client": finding.app_client,
        "fingerprint": finding.fingerprint,
    }
    return {key: value for key, value in shown.items() if value}


def _batches(findings: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(findings), BATCH):
        yield findings[start : start + BATCH]


def _error(message: str) -> ReportError:
    return ReportError(service=SERVICE, operation=OPERATION, message=message)


def _iso(stamp: str | None) -> str | None:
    """ASFF's timestamps: RFC 3339 in UTC with a Z."""
    if not stamp:
        return None
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z"
