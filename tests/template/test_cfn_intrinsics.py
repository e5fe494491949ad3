"""The Resolver, function by function: values, conditions, what stays Unresolved, and that
cycles and deep nesting never raise."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from auditor.model.findings import TemplateLocation
from auditor.template.intrinsics import MAX_DEPTH, Resolver
from auditor.template.model import Application, Identities, Resource, Unresolved

IDS = Identities(account_id="111122223333", region="eu-west-1", stack_name="shop")


def resource(logical_id: str, kind: str, **properties: Any) -> Resource:
    return Resource(
        logical_id=logical_id,
        type=kind,
        properties=properties,
        location=TemplateLocation(path="t.yaml", logical_id=logical_id, line=7),
    )


RESOURCES = [
    resource("Pool", "AWS::Cognito::UserPool"),
    resource("Ids", "AWS::Cognito::IdentityPool", IdentityPoolName="shop-ids"),
    resource("Client", "AWS::Cognito::UserPoolClient"),
    resource("Admins", "AWS::Cognito::UserPoolGroup", GroupName="admin"),
    resource(
        "Named", "AWS::IAM::Role", RoleName={"Fn::Sub": "${AWS::StackName}-named"}, Path="/app/"
    ),
    resource("Unnamed", "AWS::IAM::Role"),
    resource("Managed", "AWS::IAM::ManagedPolicy", ManagedPolicyName="all-users"),
    resource("Rest", "AWS::ApiGateway::RestApi"),
    resource("Http", "AWS::ApiGatewayV2::Api"),
    resource("Loop", "AWS::IAM::Role", RoleName={"Ref": "Loop"}),
    resource("Self", "AWS::IAM::Role", RoleName={"Fn::GetAtt": ["Self", "Arn"]}),
]
APP = Application(
    files=("t.yaml",),
    resources={r.logical_id: r for r in RESOURCES},
    parameters={
        "Stage": {"Type": "String", "Default": "prod"},
        "Given": {"Type": "String", "Default": "default"},
        "Missing": {"Type": "String"},
        "Names": {"Type": "CommaDelimitedList", "Default": "a, b,c"},
    },
    conditions={
        "IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]},
        "IsBeta": {"Fn::Equals": [{"Ref": "Stage"}, "beta"]},
        "ProdOrBeta": {"Fn::Or": [{"Condition": "IsProd"}, {"Condition": "IsBeta"}]},
        "NotProd": {"Fn::Not": [{"Condition": "IsProd"}]},
        "Both": {"Fn::And": [{"Condition": "IsProd"}, {"Condition": "NotProd"}]},
        "Unknowable": {"Fn::Equals": [{"Ref": "Missing"}, "x"]},
        "Circular": {"Fn::Not": [{"Condition": "Circular"}]},
    },
    mappings={"Stages": {"prod": {"Domain": "shop.example"}}},
    parameter_values={"Given": "from-the-command-line"},
)
ANY = RESOURCES[0]


def resolve(value: Any) -> Any:
    return Resolver(APP, IDS).resolve(value, ANY, "Properties.X")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"Ref": "Stage"}, "prod"),
        ({"Ref": "Given"}, "from-the-command-line"),
        ({"Ref": "Names"}, ["a", "b", "c"]),
        ({"Ref": "AWS::AccountId"}, "111122223333"),
        ({"Ref": "AWS::Region"}, "eu-west-1"),
        ({"Ref": "AWS::Partition"}, "aws"),
        ({"Ref": "AWS::StackName"}, "shop"),
        ({"Ref": "AWS::URLSuffix"}, "amazonaws.com"),
        ({"Ref": "Pool"}, "eu-west-1_Pool"),
        ({"Ref": "Ids"}, f"eu-west-1:{uuid.uuid5(uuid.NAMESPACE_URL, 'Ids')}"),
        ({"Ref": "Client"}, "Client"),
        ({"Ref": "Admins"}, "admin"),
        ({"Ref": "Named"}, "shop-named"),
        ({"Ref": "Unnamed"}, "Unnamed"),
        ({"Ref": "Managed"}, "arn:aws:iam::111122223333:policy/all-users"),
        ({"Fn::GetAtt": ["Named", "Arn"]}, "arn:aws:iam::111122223333:role/app/shop-named"),
        ({"Fn::GetAtt": "Unnamed.Arn"}, "arn:aws:iam::111122223333:role/Unnamed"),
        (
            {"Fn::GetAtt": ["Pool", "Arn"]},
            "arn:aws:cognito-idp:eu-west-1:111122223333:userpool/eu-west-1_Pool",
        ),
        (
            {"Fn::GetAtt": ["Pool", "ProviderName"]},
            "cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Pool",
        ),
        (
            {"Fn::GetAtt": ["Pool", "ProviderURL"]},
            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Pool",
        ),
        ({"Fn::GetAtt": ["Ids", "Name"]}, "shop-ids"),
        ({"Fn::GetAtt": ["Rest", "RootResourceId"]}, "RestRoot"),
        ({"Fn::GetAtt": ["Http", "ApiId"]}, "Http"),
        (
            {"Fn::Sub": "${Rest}/${Stage}/GET/${Pool.Arn}"},
            "Rest/prod/GET/arn:aws:cognito-idp:eu-west-1:111122223333:userpool/eu-west-1_Pool",
        ),
        ({"Fn::Sub": "${!Literal}-${AWS::Region}"}, "${Literal}-eu-west-1"),
        ({"Fn::Sub": ["${A}-${Stage}", {"A": {"Ref": "Client"}}]}, "Client-prod"),
        ({"Fn::Join": ["/", ["a", {"Ref": "Stage"}, "c"]]}, "a/prod/c"),
        ({"Fn::Join": [",", {"Ref": "Names"}]}, "a,b,c"),
        ({"Fn::Select": [1, {"Fn::Split": ["/", "x/y/z"]}]}, "y"),
        ({"Fn::Select": ["0", {"Ref": "Names"}]}, "a"),
        ({"Fn::FindInMap": ["Stages", {"Ref": "Stage"}, "Domain"]}, "shop.example"),
        ({"Fn::FindInMap": ["Stages", "beta", "Domain", "fallback"]}, "fallback"),
        ({"Fn::If": ["IsProd", "yes", "no"]}, "yes"),
        ({"Fn::If": ["NotProd", "yes", "no"]}, "no"),
        ({"Fn::If": ["ProdOrBeta", 1, 2]}, 1),
        ({"Fn::If": ["Both", 1, 2]}, 2),
        ({"Fn::Base64": "hi"}, "aGk="),
        ({"Fn::Cidr": ["10.0.0.0/16", 2, 8]}, ["10.0.0.0/24", "10.0.1.0/24"]),
        # AWS::NoValue removes the key or the item that holds it.
        ({"A": {"Fn::If": ["IsProd", {"Ref": "AWS::NoValue"}, 1]}, "B": 2}, {"B": 2}),
        (["a", {"Fn::If": ["IsBeta", "b", {"Ref": "AWS::NoValue"}]}], ["a"]),
        ({"Ref": "AWS::NoValue"}, None),
        # A policy's Condition block is a mapping, not the Condition function.
        ({"Condition": {"StringEquals": {"k": "v"}}}, {"Condition": {"StringEquals": {"k": "v"}}}),
    ],
)
def test_resolves(value: Any, expected: Any) -> None:
    assert resolve(value) == expected


def test_resolved_values_are_plain_python() -> None:
    resolved = resolve({"Fn::Sub": "${Stage}"})
    assert type(resolved) is str


@pytest.mark.parametrize(
    ("value", "field", "reason"),
    [
        (
            {"Fn::ImportValue": "shared"},
            "Properties.X",
            "Fn::ImportValue shared cannot be resolved before deploy",
        ),
        (
            {"A": [1, {"Ref": "Missing"}]},
            "Properties.X.A[1]",
            "parameter Missing has neither a --parameter value nor a Default",
        ),
        (
            {"Ref": "Nowhere"},
            "Properties.X",
            "Ref Nowhere: not a parameter or resource of the application",
        ),
        (
            {"Fn::GetAtt": ["Named", "RoleId"]},
            "Properties.X",
            "Fn::GetAtt Named.RoleId: attribute not known before deploy",
        ),
        (
            {"Fn::If": ["Unknowable", 1, 2]},
            "Properties.X",
            "parameter Missing has neither a --parameter value nor a Default",
        ),
        ({"Fn::If": ["Circular", 1, 2]}, "Properties.X", "condition Circular depends on itself"),
        ({"Ref": "Loop"}, "Properties.X", "Ref Loop depends on itself"),
        ({"Fn::GetAtt": ["Self", "Arn"]}, "Properties.X", "Ref Self depends on itself"),
        (
            {"Fn::GetAZs": ""},
            "Properties.X",
            "Fn::GetAZs: the account's availability zones are not known offline",
        ),
        ({"Fn::Select": [5, ["a"]]}, "Properties.X", "Fn::Select index 5 outside a list of 1"),
        ({"Fn::Join": ["-"]}, "Properties.X", "Fn::Join takes a list of 2"),
    ],
)
def test_what_cannot_be_known_is_unresolved(value: Any, field: str, reason: str) -> None:
    resolved = resolve(value)
    assert resolved == Unresolved(ANY.location, field, reason, "cognito-idp")


def test_deep_nesting_is_unresolved_not_a_recursion_error() -> None:
    value: Any = "x"
    for _ in range(5_000):
        value = {"Fn::Join": ["", [value]]}
    resolved = resolve(value)
    assert isinstance(resolved, Unresolved)
    assert resolved.reason == f"nested deeper than {MAX_DEPTH} levels"


def test_conditions() -> None:
    resolver = Resolver(APP, IDS)
    assert resolver.condition_holds("IsProd") is True
    assert resolver.condition_holds("IsBeta") is False
    assert isinstance(resolver.condition_holds("Unknowable"), Unresolved)
    assert isinstance(resolver.condition_holds("Undefined"), Unresolved)


def test_adopted_identities_win_over_made_up_ones() -> None:
    adopted = Identities(
        account_id="111122223333",
        region="eu-west-1",
        physical={"Pool": "eu-west-1_AbC123", "Unnamed": "live-role"},
        attributes={("Unnamed", "Arn"): "arn:aws:iam::111122223333:role/team/live-role"},
    )
    resolver = Resolver(APP, adopted)
    arn = resolver.resolve({"Fn::GetAtt": ["Pool", "Arn"]}, ANY, "X")
    assert arn == "arn:aws:cognito-idp:eu-west-1:111122223333:userpool/eu-west-1_AbC123"
    assert resolver.resolve({"Ref": "Unnamed"}, ANY, "X") == "live-role"
    role_arn = resolver.resolve({"Fn::GetAtt": ["Unnamed", "Arn"]}, ANY, "X")
    assert role_arn == "arn:aws:iam::111122223333:role/team/live-role"


STACKED = Application(
    files=("t.yaml",),
    resources=APP.resources,
    parameters={
        "Flag": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/app/flag"},
        "Listed": {"Type": "AWS::SSM::Parameter::Value<List<String>>", "Default": "/app/list"},
    },
    conditions={
        "IsDev": {"Fn::Equals": [{"Ref": "AWS::StackName"}, "shop-dev"]},
        "InIreland": {"Fn::Equals": [{"Fn::Sub": "${AWS::Region}"}, "eu-west-1"]},
        "Flagged": {"Fn::Equals": [{"Ref": "Flag"}, "true"]},
    },
    parameter_values={"Listed": "/app/other-list"},
)
ASSUMED = Identities(
    account_id="111122223333",
    region="eu-west-1",
    stack_name="shop",
    assumed=frozenset({"AWS::StackName", "AWS::Region"}),
)


def test_a_placeholder_pseudo_parameter_never_decides_a_condition() -> None:
    resolver = Resolver(STACKED, ASSUMED)
    for name, reason in (
        ("IsDev", "the stack name is known only at deploy: give --stack-name"),
        ("InIreland", "the region is known only at deploy: give --region"),
    ):
        held = resolver.condition_holds(name)
        assert isinstance(held, Unresolved)
        assert reason in held.reason
    value = {"Fn::Equals": [{"Ref": "AWS::StackName"}, "shop"]}
    assert isinstance(resolver.resolve(value, ANY, "Properties.X"), Unresolved)
    assert isinstance(
        resolver.resolve({"Fn::If": ["IsDev", 1, 2]}, ANY, "Properties.X"), Unresolved
    )
    # Elsewhere it only makes names up, as before.
    assert resolver.resolve({"Fn::Sub": "${AWS::StackName}-x"}, ANY, "Properties.X") == "shop-x"
    # Given (not assumed), it decides.
    assert Resolver(STACKED, IDS).condition_holds("IsDev") is False


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        # The Default (or --parameter value) is the SSM parameter's name, not its value.
        ({"Ref": "Flag"}, "parameter Flag is read from SSM parameter /app/flag at deploy"),
        (
            {"Ref": "Listed"},
            "parameter Listed is read from SSM parameter /app/other-list at deploy",
        ),
        (
            {"Fn::If": ["Flagged", 1, 2]},
            "parameter Flag is read from SSM parameter /app/flag at deploy",
        ),
        ("{{resolve:ssm:/app/auth}}", "{{resolve:ssm:...}} is read at deploy (/app/auth)"),
        (
            {"Fn::Sub": "x-{{resolve:ssm-secure:${AWS::Region}-key}}"},
            "{{resolve:ssm-secure:...}} is read at deploy (eu-west-1-key)",
        ),
        (
            {"Fn::Join": ["", ["{{resolve:secretsmanager:", "s:SecretString:k}}"]]},
            "{{resolve:secretsmanager:...}} is read at deploy (s:SecretString:k)",
        ),
        (
            {"Fn::Transform": {"Name": "AWS::Include", "Parameters": {"Location": "s3://b/k"}}},
            "Fn::Transform is not resolved offline",
        ),
        ({"Fn::ForEach::Topics": ["T", ["a"], {}]}, "Fn::ForEach::Topics is not resolved offline"),
        ({"A": 1, "Fn::Future": 2}, "Fn::Future is not resolved offline"),
    ],
)
def test_what_only_a_deployment_reads_is_unresolved(value: Any, reason: str) -> None:
    resolved = Resolver(STACKED, IDS).resolve({"P": value}, ANY, "Properties.X")
    assert isinstance(resolved, Unresolved)
    assert resolved.reason == reason
    assert resolved.field == "Properties.X.P"
