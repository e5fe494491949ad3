"""sts AssumeRole as AWS answers it, where moto 5.2.1 hands out credentials for any ARN.

moto's AssumeRole checks nothing: the role need not exist and its trust policy is never read,
so a test of "this account's role cannot be assumed" or "the external id is required" would
pass against the emulator and fail on AWS. Here, before moto makes the credentials:
- RoleSessionName must be 2-64 characters of `[\\w+=,.@-]*`, ExternalId 2-1224 of
  `[\\w+=,.@:/-]*`, DurationSeconds 900-43200 and at most the role's MaxSessionDuration
  (ValidationError, worded as AWS words it);
- the role must exist in the ARN's account (moto's IAM backend for that account), and its trust
  policy must allow the caller: an Allow statement whose Action matches `sts:AssumeRole`, whose
  Principal is the caller (`*`, the caller's account as `arn:aws:iam::<id>:root` or the bare id,
  the caller's ARN, or for a role session the role's ARN) and whose Condition is met; a Deny
  that matches wins. Otherwise AccessDenied, HTTP 403, exactly as AWS says it.

Conditions: StringEquals, StringNotEquals, StringLike, StringNotLike (and their IfExists forms)
on `sts:ExternalId` and `aws:PrincipalAccount`. Anything else (another operator or key,
`aws:PrincipalOrgID`, ForAnyValue:...) is unknown, and unknown never grants: an Allow with it
does not apply, a Deny with it does.

The caller is who moto says signed the request: the account from the `x-moto-account-id`
header or the access key (a role session's key belongs to the role's account; a plain key to
the default 123456789012), its ARN from moto's GetCallerIdentity.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote

from auditor.emulator.extensions import patch

SESSION_NAME = re.compile(r"[\w+=,.@-]*")
EXTERNAL_ID = re.compile(r"[\w+=,.@:/-]*")
ACTION = "sts:AssumeRole"
DEFAULT_DURATION = 3600
MIN_DURATION, MAX_DURATION = 900, 43200
_ROLE_SESSION = re.compile(r"arn:([\w-]+):sts::(\d{12}):assumed-role/([^/]+)/.+")
_STRING_OPERATORS = ("StringEquals", "StringNotEquals", "StringLike", "StringNotLike")


def install() -> None:
    from moto.sts.responses import TokenResponse

    original = TokenResponse.assume_role

    def assume_role(self: Any) -> Any:
        role_arn = self._get_param("RoleArn") or ""
        session_name = self._get_param("RoleSessionName")
        external_id = self._get_param("ExternalId")
        duration = self._get_int_param("DurationSeconds", DEFAULT_DURATION)
        _validate("roleSessionName", session_name, SESSION_NAME, 2, 64)
        if external_id is not None:
            _validate("externalId", external_id, EXTERNAL_ID, 2, 1224)
        _validate_duration(duration)
        caller_arn, caller_account = _caller(self)
        role = _role(role_arn, self.partition)
        trust = _trust_policy(role) if role is not None else None
        context = {"sts:externalid": external_id, "aws:principalaccount": caller_account}
        if trust is None or not _allows(trust, caller_arn, caller_account, context):
            raise _access_denied(caller_arn, role_arn)
        if duration > int(role.max_session_duration or DEFAULT_DURATION):
            from moto.sts.exceptions import STSValidationError

            raise STSValidationError(
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
            )
        return original(self)

    patch(TokenResponse, "assume_role", assume_role)


# --- errors ---------------------------------------------------------------------------------


def _validate(field: str, value: Any, pattern: re.Pattern[str], low: int, high: int) -> None:
    from moto.sts.exceptions import STSValidationError

    if value is None:
        raise STSValidationError(
            f"1 validation error detected: Value null at '{field}' failed to satisfy "
            "constraint: Member must not be null"
        )
    constraint = None
    if len(value) < low:
        constraint = f"Member must have length greater than or equal to {low}"
    elif len(value) > high:
        constraint = f"Member must have length less than or equal to {high}"
    elif not pattern.fullmatch(value):
        constraint = f"Member must satisfy regular expression pattern: {pattern.pattern}"
    if constraint:
        raise STSValidationError(
            f"1 validation error detected: Value '{value}' at '{field}' failed to satisfy "
            f"constraint: {constraint}"
        )


def _validate_duration(seconds: int) -> None:
    from moto.sts.exceptions import STSValidationError

    constraint = None
    if seconds < MIN_DURATION:
        constraint = f"greater than or equal to {MIN_DURATION}"
    elif seconds > MAX_DURATION:
        constraint = f"less than or equal to {MAX_DURATION}"
    if constraint:
        raise STSValidationError(
            f"1 validation error detected: Value '{seconds}' at 'durationSeconds' failed to "
            f"satisfy constraint: Member must have value {constraint}"
        )


def _access_denied(caller_arn: str, role_arn: str) -> Exception:
    """AccessDenied as STS sends it: 403, query-protocol XML with the sender's fault."""
    from xml.sax.saxutils import escape

    from moto.utilities.aws_headers import gen_amzn_requestid_long
    from werkzeug.exceptions import HTTPException

    message = f"User: {caller_arn} is not authorized to perform: {ACTION} on resource: {role_arn}"
    body = (
        '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
        "<Error><Type>Sender</Type><Code>AccessDenied</Code>"
        f"<Message>{escape(message)}</Message></Error>"
        f"<RequestId>{gen_amzn_requestid_long()}</RequestId></ErrorResponse>"
    )

    class AccessDenied(HTTPException):
        code = 403

        def get_headers(self, *args: Any, **kwargs: Any) -> list[tuple[str, str]]:
            return [("Content-Type", "text/xml")]

    return AccessDenied(description=body)


# --- who asks, and what the role says -------------------------------------------------------


def _caller(response: Any) -> tuple[str, str]:
    """The caller's ARN and account, as moto's GetCallerIdentity would answer them."""
    _, arn, account = response.backend.get_caller_identity(
        response.get_access_key(), response.region
    )
    return str(arn), str(account)


def _role(role_arn: str, partition: str) -> Any:
    """The role at `role_arn` in its own account (moto's IAM backend for it), or None."""
    from moto.iam.models import iam_backends

    match = re.fullmatch(r"arn:[\w-]+:iam::(\d{12}):role/.+", role_arn)
    if not match or match.group(1) not in iam_backends:  # an untouched account has no roles
        return None
    roles = iam_backends[match.group(1)][partition].roles.values()
    return next((r for r in roles if r.arn == role_arn), None)


def _trust_policy(role: Any) -> dict[str, Any] | None:
    document = role.assume_role_policy_document
    try:
        policy = json.loads(document if document.lstrip().startswith("{") else unquote(document))
    except (ValueError, AttributeError):
        return None
    return policy if isinstance(policy, dict) else None


# --- policy evaluation ----------------------------------------------------------------------


def _allows(
    policy: dict[str, Any], caller_arn: str, caller_account: str, context: dict[str, Any]
) -> bool:
    statements = policy.get("Statement", [])
    statements = statements if isinstance(statements, list) else [statements]
    allowed = False
    for statement in statements:
        if not isinstance(statement, dict):
            continue
        applies = _applies(statement, caller_arn, caller_account, context)
        if statement.get("Effect") == "Deny" and applies is not False:
            return False  # a Deny that matches, or may match, wins
        if statement.get("Effect") == "Allow" and applies is True:
            allowed = True
    return allowed


def _applies(
    statement: dict[str, Any], caller_arn: str, caller_account: str, context: dict[str, Any]
) -> bool | None:
    """True: the statement covers this request; False: it does not; None: cannot tell."""
    action = _negatable(statement, "Action", lambda p: _wildcard(p, ACTION, ignore_case=True))
    principal = _negatable(
        statement, "Principal", lambda p: _principal(p, caller_arn, caller_account)
    )
    if action is False or principal is False:
        return False
    condition = _condition(statement.get("Condition", {}), context)
    if action is None or principal is None or condition is None:
        return None
    return condition


def _negatable(statement: dict[str, Any], key: str, matches: Any) -> bool | None:
    if key in statement:
        return any(matches(pattern) for pattern in _flat(statement[key]))
    if f"Not{key}" in statement:
        return not any(matches(pattern) for pattern in _flat(statement[f"Not{key}"]))
    return None


def _flat(value: Any) -> list[Any]:
    """Every value of an Action/Principal element: a string, a list, or {"AWS": ...}."""
    if isinstance(value, dict):
        return [(kind, v) for kind, vs in value.items() for v in _flat(vs)]
    return list(value) if isinstance(value, list) else [value]


def _principal(pattern: Any, caller_arn: str, caller_account: str) -> bool:
    if pattern == "*":
        return True
    if not isinstance(pattern, tuple) or pattern[0] != "AWS" or not isinstance(pattern[1], str):
        return False  # Service, Federated, CanonicalUser: never an IAM caller
    value: str = pattern[1]
    if value in ("*", caller_account, caller_arn):
        return True
    if re.fullmatch(rf"arn:[\w-]+:iam::{caller_account}:root", value):
        return True
    session = _ROLE_SESSION.fullmatch(caller_arn)
    if session:  # a role session is named in a trust policy by its role's ARN
        role = re.fullmatch(r"arn:([\w-]+):iam::(\d{12}):role/(?:.*/)?([^/]+)", value)
        return role is not None and role.groups() == session.groups()
    return False


def _condition(block: Any, context: dict[str, Any]) -> bool | None:
    if not isinstance(block, dict):
        return None
    results = [
        _test(operator, key, values, context)
        for operator, tests in block.items()
        for key, values in (tests.items() if isinstance(tests, dict) else [(None, None)])
    ]
    if False in results:
        return False
    return None if None in results else True


def _test(operator: str, key: str | None, values: Any, context: dict[str, Any]) -> bool | None:
    base, if_exists = operator.removesuffix("IfExists"), operator.endswith("IfExists")
    if base not in _STRING_OPERATORS or key is None or key.lower() not in context:
        return None
    actual = context[key.lower()]
    if actual is None:
        return True if if_exists else base.startswith("StringNot")
    expected = [v for v in _flat(values) if isinstance(v, str)]
    like = base.endswith("Like")
    found = any(_wildcard(v, actual) if like else v == actual for v in expected)
    return not found if base.startswith("StringNot") else found


def _wildcard(pattern: Any, value: str, *, ignore_case: bool = False) -> bool:
    if not isinstance(pattern, str):
        return False
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return (
        re.fullmatch(regex, value, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)
        is not None
    )
