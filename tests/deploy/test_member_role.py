"""deploy/member-role.yaml: the StackSet's read-only role in every member account.

Checked against auditor.collect.OPERATIONS rather than generated from it: the template stays
a file a reviewer reads (with why each scope is what it is), and any change of the operation
list fails here, naming the action to add or drop, as test_deploy_policy does for
deploy/template.yaml's role.
"""

from __future__ import annotations

from typing import Any

from auditor.collect import OPERATIONS
from tests.deploy.templates import actions, load, resources, statements

# AWS has no resource-level permission for these (Service Authorization Reference).
UNSCOPABLE = {
    "cognito-idp:ListUserPools",
    "cognito-identity:ListIdentityPools",
    "iam:GetAccountAuthorizationDetails",
    "sts:GetCallerIdentity",
}


def _role() -> dict[str, Any]:
    role: dict[str, Any] = load("member-role.yaml")["Resources"]["AuditorRole"]
    assert role["Type"] == "AWS::IAM::Role"
    return role


def _statements() -> list[dict[str, Any]]:
    return statements(_role()["Properties"]["Policies"])


def test_actions_are_exactly_the_declared_operations() -> None:
    granted = [action for s in _statements() for action in actions(s)]
    assert sorted(granted) == sorted(OPERATIONS)  # each once, nothing else
    assert all(s["Effect"] == "Allow" for s in _statements())


def test_star_only_where_aws_has_no_resource_level_permission() -> None:
    unscoped = {a for s in _statements() if "*" in resources(s) for a in actions(s)}
    assert unscoped == UNSCOPABLE


def test_scoped_resources_are_of_the_actions_service_in_this_account() -> None:
    for statement in _statements():
        scoped = [r for r in resources(statement) if r != "*"]
        for action in actions(statement):
            service = action.split(":", 1)[0]
            assert all(f":{service}:" in r for r in scoped), (action, scoped)
            if service.startswith("cognito"):  # no pool id is known, the account is
                assert all(":${AWS::AccountId}:" in r for r in scoped), (action, scoped)


def test_trusts_only_the_central_account_with_the_external_id() -> None:
    template = load("member-role.yaml")
    [trust] = _role()["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Effect"] == "Allow" and trust["Action"] == "sts:AssumeRole"
    assert trust["Condition"] == {"StringEquals": {"sts:ExternalId": {"Ref": "ExternalId"}}}
    condition, one_role, account = trust["Principal"]["AWS"]["Fn::If"]
    assert condition == "TrustsOneRole" and one_role == {"Ref": "CentralRoleArn"}
    assert account == {"Fn::Sub": "arn:${AWS::Partition}:iam::${CentralAccountId}:root"}
    assert set(trust["Principal"]) == {"AWS"}
    parameters = template["Parameters"]
    assert parameters["ExternalId"]["NoEcho"] is True
    assert "Default" not in parameters["ExternalId"]  # never a shared, guessable id
    assert parameters["CentralAccountId"]["AllowedPattern"] == "\\d{12}"


def test_role_name_is_the_one_the_runner_may_assume() -> None:
    member = load("member-role.yaml")
    runner = load("organization.yaml")
    default = member["Parameters"]["RoleName"]["Default"]
    assert default == runner["Parameters"]["MemberRoleName"]["Default"] == "cognito-route-auditor"
    assert member["Resources"]["AuditorRole"]["Properties"]["RoleName"] == {"Ref": "RoleName"}
