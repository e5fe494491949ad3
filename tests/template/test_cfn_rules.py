"""Every rule that applies to templates fires on the CloudFormation app (fixtures/cfn) with
one mistake at a time, with its exact finding set: the same audit as a live run."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.template.cfn_app import ACCOUNT, REGION, Edit, audited, written

POOL = f"arn:aws:cognito-idp:{REGION}:{ACCOUNT}:userpool/{REGION}_UserPool"
IDENTITY_POOL = f"{REGION}:IdentityPool"
ADMIN, EDITORS, DEFAULT = (
    f"arn:aws:iam::{ACCOUNT}:role/app-{name}" for name in ("admin", "editors", "default")
)
TRUST_WITHOUT_AUD = """      RoleName: app-editors
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {Federated: cognito-identity.amazonaws.com}
            Action: sts:AssumeRoleWithWebIdentity
            Condition:
              ForAnyValue:StringLike:
                cognito-identity.amazonaws.com:amr: authenticated"""
RULES_MAPPING = """          Type: Rules
          RulesConfiguration:
            Rules:
              - Claim: cognito:groups
                MatchType: Contains
                Value: admin
                RoleARN: !GetAtt AdminRole.Arn
"""


def route(key: str) -> str:
    method, path = key.split(" ", 1)
    return f"arn:aws:execute-api:{REGION}:{ACCOUNT}:Api/*/{method}{path}"


@dataclass(frozen=True)
class Case:
    shows: str
    edits: tuple[Edit, ...] = ()
    expected: frozenset[tuple[str, str | None, str | None, str]] = frozenset()
    api: str = "rest_api.yaml"
    parameters: Mapping[str, str] = field(default_factory=dict)


CASES = [
    Case("clean REST"),
    Case("clean HTTP API", api="http_api.yaml"),
    Case(
        "a group role without the all-users policy",
        (
            (
                "app.yaml",
                "Roles: [!Ref DefaultRole, !Ref AdminRole, !Ref EditorsRole]",
                "Roles: [!Ref DefaultRole, !Ref AdminRole]",
            ),
        ),
        frozenset(
            {
                ("missing-all-users-route", "group:editors", "GET /items", EDITORS),
                ("missing-all-users-route", "group:editors", "GET /items/{id}", EDITORS),
            }
        ),
    ),
    Case(
        "an /admin* grant reaching /administrators",
        (("app.yaml", "${Api}/${StageName}/*/admin/*", "${Api}/${StageName}/*/admin*"),),
        frozenset({("excess-route", "group:admin", "GET /administrators", ADMIN)}),
    ),
    Case(
        "equal precedence",
        (("app.yaml", "Precedence: 10", "Precedence: 0"),),
        frozenset(
            {
                ("ambiguous-precedence", "group:admin", None, f"{POOL}/group/admin+editors"),
                ("precedence-drift", "group:editors", None, f"{POOL}/group/editors"),
            }
        ),
    ),
    Case(
        "a trust policy without aud",
        (
            (
                "app.yaml",
                "      RoleName: app-editors\n      AssumeRolePolicyDocument: *trust",
                TRUST_WITHOUT_AUD,
            ),
        ),
        frozenset({("trust-missing-aud", None, None, EDITORS)}),
    ),
    Case(
        "guests enabled by a parameter through a condition",
        parameters={"AllowGuests": "true"},
        expected=frozenset({("unauthenticated-enabled", None, None, IDENTITY_POOL)}),
    ),
    Case(
        "classic flow enabled (a boolean as text)",
        (
            (
                "app.yaml",
                "      IdentityPoolName: app-ids\n",
                '      IdentityPoolName: app-ids\n      AllowClassicFlow: "true"\n',
            ),
        ),
        frozenset({("classic-flow-enabled", None, None, IDENTITY_POOL)}),
    ),
    Case(
        "a REST method without authorization",
        (
            (
                "rest_api.yaml",
                "ResourceId: !Ref MeResource, HttpMethod: GET, AuthorizationType: AWS_IAM",
                "ResourceId: !Ref MeResource, HttpMethod: GET, AuthorizationType: NONE",
            ),
        ),
        frozenset({("route-not-iam", None, "GET /me", route("GET /me"))}),
    ),
    Case(
        "an HTTP API route without authorization",
        (
            (
                "http_api.yaml",
                "RouteKey: GET /me, AuthorizationType: AWS_IAM",
                "RouteKey: GET /me, AuthorizationType: NONE",
            ),
        ),
        frozenset({("route-not-iam", None, "GET /me", route("GET /me"))}),
        api="http_api.yaml",
    ),
    Case(
        "Rules mapping where the baseline says Token",
        (("app.yaml", "          Type: Token\n", RULES_MAPPING),),
        frozenset(
            {
                ("role-mapping-drift", None, None, IDENTITY_POOL),
                ("group-role-unused", None, None, POOL),
                ("excess-route", "group:editors", "GET /me", DEFAULT),
                ("missing-route", "group:editors", "GET /administrators", DEFAULT),
                ("missing-route", "group:editors", "POST /items", DEFAULT),
            }
        ),
    ),
    Case(
        "a group renamed",
        (("app.yaml", "GroupName: editors", "GroupName: writers"),),
        frozenset(
            {
                ("group-missing", "group:editors", None, f"{POOL}/group/editors"),
                ("group-undeclared", "group:writers", None, f"{POOL}/group/writers"),
                ("excess-route", "group:writers", "GET /administrators", EDITORS),
                ("excess-route", "group:writers", "POST /items", EDITORS),
            }
        ),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.shows for c in CASES])
def test_each_mistake_gives_its_exact_findings(case: Case, tmp_path: Path) -> None:
    paths = written(tmp_path, ["app.yaml", case.api], case.edits)
    result = audited(paths, parameter_values=case.parameters)
    assert result.report.status == "complete", result.built.snapshot.errors
    assert result.findings() == case.expected
