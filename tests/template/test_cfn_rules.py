"""Every rule that applies to templates fires on the CloudFormation app (fixtures/cfn) with
one mistake at a time, with its exact finding set: the same audit as a live run."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.template.cfn_app import ACCOUNT, REGION, Edit, audited, written

POOL = f"arn:aws:cognito-idp:{REGION}:{ACCOUNT}:userpool/{REGION}_UserPool"
IDENTITY_POOL = f"{REGION}:{uuid.uuid5(uuid.NAMESPACE_URL, 'IdentityPool')}"
ADMIN, EDITORS, DEFAULT = (
    f"arn:aws:iam::{ACCOUNT}:role/app-{name}" for name in ("admin", "editors", "default")
)
RULES_MAPPING = """          Type: Rules
          RulesConfiguration:
            Rules:
              - Claim: cognito:groups
                MatchType: Contains
                Value: admin
                RoleARN: !GetAtt AdminRole.Arn
"""


TRUST_EDITORS = "      RoleName: app-editors\n      AssumeRolePolicyDocument: *trust"
AUD = (
    "              StringEquals:\n"
    "                cognito-identity.amazonaws.com:aud: !Ref IdentityPool\n"
)
AMR = (
    "              ForAnyValue:StringLike:\n"
    "                cognito-identity.amazonaws.com:amr: authenticated\n"
)
OTHER_AUD = AUD.replace("!Ref IdentityPool", "us-east-1:other")


def editors_trust(
    condition: str, principal: str = "{Federated: cognito-identity.amazonaws.com}"
) -> Edit:
    """The editors' role trusting `principal` with `condition` (instead of the shared trust)."""
    return (
        "app.yaml",
        TRUST_EDITORS,
        "      RoleName: app-editors\n      AssumeRolePolicyDocument:\n        Statement:\n"
        f"          - Effect: Allow\n            Principal: {principal}\n"
        "            Action: sts:AssumeRoleWithWebIdentity\n            Condition:\n"
        f"{condition}",
    )


TOKEN_MAPPING = (
    "      RoleMappings:\n        web:\n"
    '          IdentityProvider: !Sub "${UserPool.ProviderName}:${WebClient}"\n'
    "          Type: Token\n          AmbiguousRoleResolution: AuthenticatedRole\n"
)
GOLD_RULE = """          Type: Rules
          RulesConfiguration:
            Rules:
              - {Claim: custom:tier, MatchType: Equals, Value: gold, RoleARN: !GetAtt AdminRole.Arn}
"""
PUBLIC_POLICY = """      Name: app-api
      Policy:
        Statement:
          - {Effect: Allow, Principal: '*', Action: execute-api:Invoke, Resource: execute-api:/*}
"""
GET_HEALTH = (
    "  GetHealth:\n    Type: AWS::ApiGateway::Method\n    Properties: {RestApiId: !Ref Api, "
    "ResourceId: !Ref HealthResource, HttpMethod: GET, AuthorizationType: NONE}\n"
)
DELETE_ITEM = "HttpMethod: DELETE, AuthorizationType: AWS_IAM}\n"
PUT_ITEM = (
    "  PutItem:\n    Type: AWS::ApiGateway::Method\n    Properties: {RestApiId: !Ref Api, "
    "ResourceId: !Ref ItemResource, HttpMethod: PUT, AuthorizationType: AWS_IAM}\n"
)
# What users get when the default role answers for a group (Rules without a group rule, or no
# mapping): the default role's routes instead of the group's.
GROUPS_GET_DEFAULT = {
    ("excess-route", "group:admin", "GET /me", DEFAULT),
    ("excess-route", "group:editors", "GET /me", DEFAULT),
    ("group-role-unused", None, None, POOL),
    ("missing-route", "group:admin", "ANY /admin/{proxy+}", DEFAULT),
    ("missing-route", "group:admin", "DELETE /items/{id}", DEFAULT),
    ("missing-route", "group:editors", "GET /administrators", DEFAULT),
    ("missing-route", "group:editors", "POST /items", DEFAULT),
}
EVERY_ROLE_EVERY_ROUTE = {
    ("excess-route", "default", "ANY /admin/{proxy+}", DEFAULT),
    ("excess-route", "default", "DELETE /items/{id}", DEFAULT),
    ("excess-route", "default", "GET /administrators", DEFAULT),
    ("excess-route", "default", "POST /items", DEFAULT),
}


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
        (editors_trust(AMR),),
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
    Case(
        "no default role",
        (
            (
                "app.yaml",
                "      Roles:\n        authenticated: !GetAtt DefaultRole.Arn\n",
                "      Roles: {}\n",
            ),
        ),
        frozenset(
            {
                ("default-role-missing", None, None, IDENTITY_POOL),
                ("missing-all-users-route", "default", "GET /items", IDENTITY_POOL),
                ("missing-all-users-route", "default", "GET /items/{id}", IDENTITY_POOL),
                ("missing-route", "default", "GET /me", IDENTITY_POOL),
            }
        ),
    ),
    Case(
        "a group given another group's role",
        (("app.yaml", "RoleArn: !GetAtt EditorsRole.Arn", "RoleArn: !GetAtt AdminRole.Arn"),),
        frozenset(
            {
                ("group-role-drift", "group:editors", None, f"{POOL}/group/editors"),
                ("excess-route", "group:editors", "ANY /admin/{proxy+}", ADMIN),
                ("excess-route", "group:editors", "DELETE /items/{id}", ADMIN),
                ("missing-route", "group:editors", "GET /administrators", ADMIN),
                ("missing-route", "group:editors", "POST /items", ADMIN),
            }
        ),
    ),
    Case(
        "a group without a role",
        (
            (
                "app.yaml",
                "      Precedence: 10\n      RoleArn: !GetAtt EditorsRole.Arn\n",
                "      Precedence: 10\n",
            ),
        ),
        frozenset(
            {
                ("group-role-missing", "group:editors", None, f"{POOL}/group/editors"),
                ("excess-route", "group:editors", "GET /me", DEFAULT),
                ("missing-route", "group:editors", "GET /administrators", DEFAULT),
                ("missing-route", "group:editors", "POST /items", DEFAULT),
            }
        ),
    ),
    Case(
        "a grant of every API",
        (("app.yaml", '${Api}/${StageName}/GET/me"', '*"'),),
        frozenset({("overbroad-grant", "default", None, DEFAULT), *EVERY_ROLE_EVERY_ROUTE}),
    ),
    Case(
        "a public resource policy",
        (("rest_api.yaml", "      Name: app-api\n", PUBLIC_POLICY),),
        frozenset(
            {
                (
                    "resource-policy-public",
                    None,
                    None,
                    f"arn:aws:apigateway:{REGION}::/restapis/Api#statement-0",
                ),
                *EVERY_ROLE_EVERY_ROUTE,
                ("excess-route", "group:admin", "GET /administrators", ADMIN),
                ("excess-route", "group:admin", "GET /me", ADMIN),
                ("excess-route", "group:admin", "POST /items", ADMIN),
                ("excess-route", "group:editors", "ANY /admin/{proxy+}", EDITORS),
                ("excess-route", "group:editors", "DELETE /items/{id}", EDITORS),
                ("excess-route", "group:editors", "GET /me", EDITORS),
            }
        ),
    ),
    Case(
        "no role mapping",
        (("app.yaml", TOKEN_MAPPING, ""),),
        frozenset({("role-mapping-missing", None, None, IDENTITY_POOL), *GROUPS_GET_DEFAULT}),
    ),
    Case(
        "a declared route not served",
        (("rest_api.yaml", GET_HEALTH, ""),),
        frozenset(
            {
                (
                    "route-missing",
                    None,
                    "GET /health",
                    f"arn:aws:execute-api:{REGION}:{ACCOUNT}:*/*/GET/health",
                )
            }
        ),
    ),
    Case(
        "a route the baseline does not declare",
        (("rest_api.yaml", DELETE_ITEM, DELETE_ITEM + PUT_ITEM),),
        frozenset({("route-undeclared", None, "PUT /items/{id}", route("PUT /items/{id}"))}),
    ),
    Case(
        "a trust policy without amr",
        (editors_trust(AUD),),
        frozenset({("trust-missing-amr", None, None, EDITORS)}),
    ),
    Case(
        "a role trusting a service, not Cognito",
        (editors_trust(AUD + AMR, "{Service: lambda.amazonaws.com}"),),
        frozenset({("trust-not-cognito", None, None, EDITORS)}),
    ),
    Case(
        "a role trusting another identity pool",
        (editors_trust(OTHER_AUD + AMR),),
        frozenset({("trust-wrong-pool", None, None, EDITORS)}),
    ),
    Case(
        "a rule on an attribute users write themselves",
        (
            ("app.yaml", "WriteAttributes: [email]", "WriteAttributes: [email, custom:tier]"),
            ("app.yaml", "          Mutable: false\n", "          Mutable: true\n"),
            ("app.yaml", "          Type: Token\n", GOLD_RULE),
        ),
        frozenset(
            {
                ("claim-rule-undeclared", "claim:custom:tier Equals gold", None, IDENTITY_POOL),
                (
                    "claim-user-writable",
                    "claim:custom:tier Equals gold",
                    None,
                    f"{POOL}/attribute/custom:tier",
                ),
                ("excess-route", "claim:custom:tier Equals gold", "ANY /admin/{proxy+}", ADMIN),
                ("excess-route", "claim:custom:tier Equals gold", "DELETE /items/{id}", ADMIN),
                ("role-mapping-drift", None, None, IDENTITY_POOL),
                *GROUPS_GET_DEFAULT,
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
