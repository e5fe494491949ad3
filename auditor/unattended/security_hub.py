"""`--security-hub`: import the findings into AWS Security Hub (BatchImportFindings, ASFF).

The only write the auditor makes to the account it audits, and only when asked: its
permission is in the deploy template only under EnableSecurityHub, and the read-only guard
allows it only to a run given the flag (emulator/read_only.py, OPT_IN_WRITES). A finding's
Id is its fingerprint, so that a re-run updates it rather than adding a copy.

After a finding is created, BatchImportFindings cannot change its Workflow or Note (they are
the customer's, set with BatchUpdateFindings, a write the auditor does not make), so
acceptance is told with what a provider may update: an accepted finding is imported ARCHIVED
(RecordState) with the reason in its ProductFields, and ACTIVE again once its entry expires;
a finding resolved since the previous run (--state) is imported ARCHIVED. Severity goes in
FindingProviderFields as well, as AWS asks of providers. A failed import is one of the
report's errors (service "securityhub"), never a crash: the report is still written.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from auditor.audit.catalog import get_rule
from auditor.model.findings import Finding, Severity
from auditor.model.redact import scrub
from auditor.model.report import SECURITY_HUB_SERVICE, Report, ReportError

if TYPE_CHECKING:
    from auditor.collect.session import AwsClients

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
_TYPE = "Software and Configuration Checks/AWS Security Best Practices"


def import_findings(report: Report, clients: AwsClients) -> Report:
    """`report` imported through the run's AWS clients, with any failure among its errors."""
    from botocore.exceptions import BotoCoreError, ClientError

    failures: list[ReportError] = []
    try:
        account = report.target.account_id or clients.client("sts").get_caller_identity()["Account"]
        region = report.target.region or clients.region
        hub = clients.client(SERVICE)
        findings = [asff(f, report, account, region) for f in report.findings]
        resolved = report.changes.resolved if report.changes else []
        findings += [asff(f, report, account, region, archived=True) for f in resolved]
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


def asff(
    finding: Finding, report: Report, account: str, region: str, *, archived: bool = False
) -> dict[str, Any]:
    """One finding in the AWS Security Finding Format; `archived`: resolved since."""
    rule = get_rule(finding.rule_id)
    now = _iso(report.generated_at)
    severity = {"Label": _LABEL[finding.severity], "Original": finding.severity.value}
    product = f"arn:aws:securityhub:{region}:{account}:product/{account}/default"
    entry: dict[str, Any] = {
        "SchemaVersion": ASFF_VERSION,
        "Id": f"{report.tool.name}/{finding.fingerprint}",
        "ProductArn": product,
        "ProductName": report.tool.name,
        "GeneratorId": f"{report.tool.name}/{finding.rule_id}",
        "AwsAccountId": account,
        "Region": region,
        "Types": [_TYPE],
        "CreatedAt": _iso(finding.first_seen) or now,
        "UpdatedAt": now,
        "FirstObservedAt": _iso(finding.first_seen) or now,
        "LastObservedAt": _iso(finding.last_seen) or now,
        "Severity": severity,
        "FindingProviderFields": {"Severity": severity, "Types": [_TYPE]},
        "Title": finding.title[:_TITLE_MAX],
        "Description": finding.message[:_DESCRIPTION_MAX],
        "Remediation": {"Recommendation": {"Text": finding.remediation[:_TEXT_MAX]}},
        "Resources": [_resource(finding.resource, region)],
        "RecordState": "ARCHIVED" if archived or not finding.counts else "ACTIVE",
        "ProductFields": _fields(finding),
    }
    if rule.references:
        entry["Remediation"]["Recommendation"]["Url"] = rule.references[0]
    return entry


def _resource(resource: str, region: str) -> dict[str, Any]:
    kind = "AwsIamRole" if resource.startswith("arn:") and ":role/" in resource else "Other"
    return {"Type": kind, "Id": resource, "Region": region}


def _fields(finding: Finding) -> dict[str, str]:
    fields = {**finding.names(), "fingerprint": finding.fingerprint}
    if finding.accepted:
        fields["accepted"] = finding.accepted.reason[:_TEXT_MAX]
    return fields


def _batches(findings: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(findings), BATCH):
        yield findings[start : start + BATCH]


def _error(message: str) -> ReportError:
    # AWS's messages may quote the request's credential (an IncompleteSignature answer).
    return ReportError(service=SERVICE, operation=OPERATION, message=scrub(message))


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
