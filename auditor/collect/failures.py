"""What AWS said when a target of a run of many failed outside a collector's own reads: the
AssumeRole of its credentials, a pool that does not exist (commands/many_target.py makes it
the target's incomplete report). Here because only the edges import botocore."""

from __future__ import annotations

from auditor.collect import CALLS
from auditor.model.errors import TargetNotFoundError
from auditor.model.report import ReportError


def is_aws_failure(exc: BaseException) -> bool:
    """AWS or the network refused (botocore raises these from credential fetching too)."""
    from botocore.exceptions import BotoCoreError, ClientError

    return isinstance(exc, BotoCoreError | ClientError)


def aws_error(exc: BaseException) -> ReportError | None:
    """The failed call behind `exc` (itself, or the answer that caused it), None if none."""
    from botocore.exceptions import BotoCoreError, ClientError

    cause = exc if isinstance(exc, ClientError) else exc.__cause__
    if isinstance(cause, ClientError):
        operation = cause.operation_name or "unknown"
        error = cause.response.get("Error", {})
        code, text = error.get("Code", ""), error.get("Message", "") or str(cause)
        # A missing pool says which one; AWS's own words say only "not found".
        message = str(exc) if isinstance(exc, TargetNotFoundError) else f"{code}: {text}"
        return ReportError(service=_service_of(operation), operation=operation, message=message)
    if isinstance(exc, BotoCoreError):  # no credentials, an endpoint that does not answer
        return ReportError(service="aws", operation=type(exc).__name__, message=str(exc))
    return None


def _service_of(operation: str) -> str:
    """The service of an operation the auditor calls; AssumeRole is STS's (the credentials)."""
    if operation == "AssumeRole":
        return "sts"
    for call in CALLS:
        service, _, name = call.partition(":")
        if name == operation:
            return service
    return "aws"
