"""securityhub BatchImportFindings as AWS answers it, where moto 5.2 differs.

moto stores whatever it is given. AWS refuses a request of more than 100 findings
(InvalidInputException), and answers a finding that lacks a field the AWS Security Finding
Format requires among FailedFindings (the others are imported): both are what an importer
has to get right, so the emulator does the same. The required fields are the botocore
model's (AwsSecurityFinding), not a list of our own. And where moto overwrites a finding
whole, AWS keeps the customer's fields of one that exists (Note, UserDefinedFields,
VerificationState, Workflow: BatchImportFindings cannot update them): an importer that
relies on them to mark acceptance would pass here and fail there.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from auditor.emulator.extensions import patch

MAX_FINDINGS = 100
CUSTOMER_FIELDS = ("Note", "UserDefinedFields", "VerificationState", "Workflow")


@cache
def _required() -> tuple[str, ...]:
    import botocore.session

    model = botocore.session.get_session().get_service_model("securityhub")
    shape = model.shape_for("AwsSecurityFinding")
    return tuple(shape.required_members)


def install() -> None:
    from moto.core.exceptions import JsonRESTError
    from moto.securityhub.responses import SecurityHubResponse

    original = SecurityHubResponse.batch_import_findings

    def batch_import_findings(self: Any) -> str:
        body = json.loads(self.body or b"{}")
        findings = body.get("Findings", [])
        if len(findings) > MAX_FINDINGS:
            raise JsonRESTError(
                "InvalidInputException",
                f"Findings: at most {MAX_FINDINGS} findings per request, got {len(findings)}",
            )
        refused = [f for f in findings if any(key not in f for key in _required())]
        existing = {finding.id for finding in self.securityhub_backend.findings}
        accepted = [
            {k: v for k, v in f.items() if k not in CUSTOMER_FIELDS}
            if f.get("Id") in existing
            else f
            for f in findings
            if f not in refused
        ]
        self.body = json.dumps({**body, "Findings": accepted})
        if not refused:
            return original(self)
        answer = json.loads(original(self))
        answer["FailedCount"] += len(refused)
        answer["FailedFindings"] += [
            {
                "Id": finding.get("Id", ""),
                "ErrorCode": "InvalidInput",
                "ErrorMessage": "missing "
                + ", ".join(key for key in _required() if key not in finding),
            }
            for finding in refused
        ]
        return json.dumps(answer)

    patch(SecurityHubResponse, "batch_import_findings", batch_import_findings)
