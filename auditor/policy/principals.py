"""Who the caller is, and whether a resource-policy statement's Principal names them.

How a same-account resource policy combines with a permissions boundary depends on *which*
principal it names (IAM policy evaluation logic, "Resource-based policies"):
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
- a grant to the role *session* ARN goes directly to the session and is not limited by an
  implicit deny in identity policies or the permissions boundary;
- a grant to the role ARN is limited by an implicit deny in the permissions boundary;
- `Principal: "*"` (possibly narrowed with aws:PrincipalArn) is not limited by the boundary.
Assumption (the docs do not say it for accounts): naming the account delegates to the
account's own policies, so we treat it like the role ARN (limited by the boundary).
"""

from __future__ import annotations

from dataclasses import dataclass

from .documents import Statement
from .model import Principals

SESSION = "session"  # resource-policy grant not limited by the boundary
ROLE = "role"  # resource-policy grant limited by the boundary
COGNITO_SESSION_NAME = "CognitoIdentityCredentials"  # session name of identity-pool credentials


@dataclass(frozen=True, slots=True)
class Caller:
    session_arn: str | None
    role_arn: str | None
    account: str | None
    partition: str
    has_boundary: bool

    @staticmethod
    def of(principal_arn: str | None, role_arn: str | None, has_boundary: bool) -> Caller:
        account = None
        partition = "aws"
        for arn in (principal_arn, role_arn):
            bits = arn.split(":", 5) if arn else []
            if len(bits) == 6 and bits[4]:
                account, partition = bits[4], bits[1]
                break
        return Caller(principal_arn, role_arn, account, partition, has_boundary)

    def principal_arn_key(self) -> str | None:
        """aws:PrincipalArn: for an assumed-role session it is the role ARN."""
        return self.role_arn or self.session_arn


def session_arn_for(role_arn: str, session_name: str = COGNITO_SESSION_NAME) -> str | None:
    """`arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION` for a role ARN (the path is dropped)."""
    bits = role_arn.split(":", 5)
    if len(bits) != 6 or not bits[5].startswith("role/"):
        return None
    name = bits[5].rsplit("/", 1)[-1]
    return f"arn:{bits[1]}:sts::{bits[4]}:assumed-role/{name}/{session_name}"


def grant_kind(stmt: Statement, caller: Caller) -> str | None:
    """SESSION or ROLE when the statement applies to the caller, None when it does not."""
    if stmt.principals is None:
        return None
    return principal_kind(stmt.principals, stmt.not_principal, stmt.effect, caller)


def principal_kind(
    spec: Principals, not_principal: bool, effect: str | None, caller: Caller
) -> str | None:
    """grant_kind of a Principal (or NotPrincipal) element; `effect` None: unknown."""
    names = spec.aws
    if not_principal:
        # IAM docs (permissions boundaries): a Deny with NotPrincipal always denies a
        # principal that has a permissions boundary, whatever NotPrincipal lists.
        if effect != "Allow" and caller.has_boundary:
            return SESSION
        # Only naming the session itself excludes it (role ARN alone does not).
        excluded = spec.anyone or (caller.session_arn is not None and caller.session_arn in names)
        return None if excluded else SESSION
    if spec.anyone or (caller.session_arn is not None and caller.session_arn in names):
        return SESSION
    if caller.role_arn is not None and caller.role_arn in names:
        return ROLE
    if caller.account is not None and (
        caller.account in names or f"arn:{caller.partition}:iam::{caller.account}:root" in names
    ):
        return ROLE
    return None
