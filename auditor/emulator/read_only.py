"""Which AWS calls an auditor may make: reads only, from an explicit allow-list.

The emulator logs every call made with the auditor's User-Agent (`TOOL_USER_AGENT`, set by
collect/session.py); the test suite checks that log with `mutating_calls` at its end.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

TOOL_USER_AGENT = "cognito-route-auditor"  # collect.session.USER_AGENT (a test pins them)

_READ_PREFIXES = ("Get", "List", "Describe")
_READS = frozenset(
    {
        "apigatewayv2:ExportApi",  # returns the API's definition, changes nothing
        "iam:GetAccountAuthorizationDetails",
        "sts:GetCallerIdentity",
        "sts:AssumeRole",  # credentials for another account's target, no change to it
    }
)
# Named like reads, but each creates an identity in the pool or mints credentials for one.
_WRITES_NAMED_AS_READS = frozenset(
    {
        "cognito-identity:GetId",
        "cognito-identity:GetCredentialsForIdentity",
        "cognito-identity:GetOpenIdToken",
        "cognito-identity:GetOpenIdTokenForDeveloperIdentity",
    }
)
# The one write: the tool's own outputs (`--state s3://...`, `-o s3://...`), never anything
# it audits.
_OWN_OUTPUT_WRITES = frozenset({"s3:PutObject"})
# Writes to the audited account that a run makes only when its user asks for them, by the
# flag named: allowed to such a run (the caller of is_allowed says it was given), never else.
OPT_IN_WRITES: dict[str, frozenset[str]] = {
    "--security-hub": frozenset({"securityhub:BatchImportFindings"}),
}
# Services the auditor reads; a call to any other is a violation, whatever its name.
_READ_SERVICES = frozenset(
    {
        "apigateway",
        "apigatewayv2",
        "cognito-identity",
        "cognito-idp",
        "iam",
        "organizations",
        "s3",
        "secretsmanager",
        "ssm",
        "sts",
    }
)


def is_allowed(operation: str, *, opted_in: Iterable[str] = ()) -> bool:
    """True for a read (or the tool's own output) named 'service:Operation', or a write of
    OPT_IN_WRITES whose flag is among `opted_in`."""
    if operation in _READS or operation in _OWN_OUTPUT_WRITES:
        return True
    if any(operation in OPT_IN_WRITES.get(flag, ()) for flag in opted_in):
        return True
    if operation in _WRITES_NAMED_AS_READS:
        return False
    service, _, name = operation.partition(":")
    return service in _READ_SERVICES and name.startswith(_READ_PREFIXES) and " " not in name


def mutating_calls(operations: Iterable[str], *, opted_in: Iterable[str] = ()) -> list[str]:
    """The calls of `operations` that are not allowed (given the flags `opted_in`), sorted,
    each once."""
    flags = tuple(opted_in)
    return sorted(
        {operation for operation in operations if not is_allowed(operation, opted_in=flags)}
    )


def violation_report(tool_operations: Mapping[str, int]) -> str | None:
    """What to print when the auditor made a call that is not a read; None when it did not."""
    offending = mutating_calls(tool_operations)
    if not offending:
        return None
    heading = "the auditor made AWS calls that are not reads (see auditor/emulator/read_only.py):"
    lines = [f"  {operation} x{tool_operations[operation]}" for operation in offending]
    return "\n".join([heading, *lines])
