"""Not found is an input error; any other failed read is recorded and collection goes on."""

from __future__ import annotations

import pytest

from auditor.collect import AwsOptions, collect_snapshot
from auditor.emulator.seed import (
    EnvironmentSpec,
    GroupSpec,
    HttpApiSpec,
    RestApiSpec,
    Seeded,
    UserPoolSpec,
    seed,
)
from auditor.model.errors import InputError, TargetNotFoundError
from auditor.model.snapshot import ApiRef, PoolRef, Snapshot, TargetRef
from tests.support.aws import Aws
from tests.support.environment import HTTP, REST, full_spec

MISSING_POOL = "us-east-1_NoSuchPool"
MISSING_IDENTITY_POOL = "us-east-1:00000000-0000-0000-0000-000000000000"


def _target(seeded: Seeded, **changes: object) -> TargetRef:
    base = TargetRef(
        user_pool=PoolRef(id=seeded.user_pool_id),
        identity_pool=PoolRef(id=seeded.identity_pool_id),
        apis=[ApiRef(id=api_id) for api_id in seeded.api_ids.values()],
    )
    return base.model_copy(update=changes)


@pytest.fixture
def seeded(aws: Aws) -> Seeded:
    return seed(full_spec(), aws.session, endpoint_url=aws.url)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"user_pool": PoolRef(id=MISSING_POOL)},
            f"user pool {MISSING_POOL} not found in us-east-1",
        ),
        ({"user_pool": PoolRef(name="nope")}, "user pool named 'nope' not found in us-east-1"),
        (
            {"identity_pool": PoolRef(id=MISSING_IDENTITY_POOL)},
            f"identity pool {MISSING_IDENTITY_POOL} not found in us-east-1",
        ),
        (
            {"identity_pool": PoolRef(name="nope")},
            "identity pool named 'nope' not found in us-east-1",
        ),
        ({"apis": [ApiRef(id="abcdef1234")]}, "API abcdef1234 not found in us-east-1"),
        ({"apis": [ApiRef(name="nope")]}, "API named 'nope' not found in us-east-1"),
    ],
)
def test_unknown_target_raises_not_found(
    aws: Aws, seeded: Seeded, changes: dict[str, object], message: str
) -> None:
    with pytest.raises(TargetNotFoundError) as caught:
        collect_snapshot(_target(seeded, **changes), AwsOptions(endpoint_url=aws.url))
    assert str(caught.value) == message
    assert caught.value.exit_code == 2


def test_unknown_stage_raises_not_found(aws: Aws, seeded: Seeded) -> None:
    target = _target(seeded, apis=[ApiRef(id=seeded.api_ids["shop"], stage="qa")])
    with pytest.raises(TargetNotFoundError, match="stage qa of API"):
        collect_snapshot(target, AwsOptions(endpoint_url=aws.url))


def test_unreadable_stages_are_incomplete_not_a_missing_stage(aws: Aws, seeded: Seeded) -> None:
    # A stage cannot be judged missing from a list that could not be read (exit 3, not 2).
    aws.emulator.inject_failure("apigateway:GetStages")
    target = _target(seeded, apis=[ApiRef(id=seeded.api_ids["shop"], stage="qa")])
    snap = collect_snapshot(target, AwsOptions(endpoint_url=aws.url))
    assert [e.operation for e in snap.errors] == ["GetStages"] and not snap.complete
    (shop,) = snap.apis
    assert (shop.stages, shop.stages_listed, shop.deployments) == ([], False, {})


def test_two_stages_of_one_api_are_read_directly_not_by_listing(aws: Aws, seeded: Seeded) -> None:
    shop = seeded.api_ids["shop"]
    aws.emulator.clear_operations()
    target = _target(seeded, apis=[ApiRef(id=shop, stage="prod"), ApiRef(id=shop, stage="dev")])
    snap = collect_snapshot(target, AwsOptions(endpoint_url=aws.url))
    assert [a.id for a in snap.apis] == [shop]
    calls = aws.emulator.operations()
    assert calls["apigateway:GetRestApi"] == 1 and calls["apigateway:GetRestApis"] == 0


def test_ambiguous_api_name_is_an_input_error(aws: Aws) -> None:
    seed(
        EnvironmentSpec(
            rest_apis=[RestApiSpec("twin", routes={"GET /": "NONE"})],
            http_apis=[HttpApiSpec("twin")],
        ),
        aws.session,
        endpoint_url=aws.url,
    )
    target = TargetRef(
        user_pool=PoolRef(name="app-users"),
        identity_pool=PoolRef(name="app_identities"),
        apis=[ApiRef(name="twin")],
    )
    with pytest.raises(InputError, match="2 APIs have this name"):
        collect_snapshot(target, AwsOptions(endpoint_url=aws.url))


@pytest.mark.parametrize(
    ("operation", "status", "code", "lost"),
    [
        ("iam:GetAccountAuthorizationDetails", 403, "AccessDenied", "roles"),
        ("cognito-idp:ListGroups", 400, "AccessDeniedException", "groups"),
        ("cognito-identity:GetIdentityPoolRoles", 500, "InternalErrorException", "mapping"),
        ("apigateway:GetResources", 429, "TooManyRequestsException", "routes"),
        ("apigatewayv2:GetRoutes", 503, "ServiceUnavailableException", "http routes"),
        ("cognito-idp:ListUserPoolClients", 400, "AccessDeniedException", "clients"),
        ("cognito-idp:DescribeUserPoolClient", 400, "AccessDeniedException", "clients"),
        ("apigateway:GetDeployment", 403, "AccessDeniedException", "deployments"),
        ("apigatewayv2:ExportApi", 429, "TooManyRequestsException", "http deployments"),
    ],
)
def test_failed_read_lands_in_errors_and_collection_goes_on(
    aws: Aws, seeded: Seeded, operation: str, status: int, code: str, lost: str
) -> None:
    aws.emulator.inject_failure(operation, status=status, code=code)
    aws.emulator.clear_operations()
    snap = collect_snapshot(_target(seeded), AwsOptions(endpoint_url=aws.url, max_attempts=2))
    assert not snap.complete
    service, name = operation.split(":")
    # One error per failed read (each REST stage here has its own deployment to read).
    assert {(e.service, e.operation) for e in snap.errors} == {(service, name)}
    assert len(snap.errors) == (2 if name == "GetDeployment" else 1)
    assert code in snap.errors[0].message
    # Retries happened for the retryable ones, once for access denied.
    expected_calls = (1 if status in (400, 403) else 2) * len(snap.errors)
    assert aws.emulator.operations()[operation] == expected_calls
    # Everything else was still collected.
    assert snap.user_pool is not None and snap.identity_pool is not None
    assert len(snap.apis) == 2
    _lost_only(snap, lost)
    # The incomplete state survives the JSON round trip.
    assert Snapshot.from_json(snap.to_json()).errors == snap.errors


def _lost_only(snap: Snapshot, lost: str) -> None:
    """What `lost` names is missing from the snapshot, and only that."""
    assert snap.user_pool is not None and snap.identity_pool is not None
    kinds = {api.kind: api for api in snap.apis}
    present = {
        "roles": bool(snap.roles),
        "groups": bool(snap.user_pool.groups),
        "clients": snap.user_pool.clients is not None,  # None: unknown, never a partial list
        "mapping": bool(snap.identity_pool.role_mappings),
        "routes": bool(kinds["REST"].routes),
        "http routes": bool(kinds["HTTP"].routes),
        "deployments": bool(kinds["REST"].deployments),
        "http deployments": bool(kinds["HTTP"].deployments),
    }
    assert present == {name: name != lost for name in present}
    # A stage whose deployment could not be read is recorded as such, never left to the
    # definition: it is unknown.
    unread = {kind: api.unread_stages for kind, api in kinds.items()}
    lost_kind = {"deployments": "REST", "http deployments": "HTTP"}.get(lost)
    assert {kind for kind, stages in unread.items() if stages} == ({lost_kind} - {None})
    if lost_kind:
        assert not set(unread[lost_kind]) & set(kinds[lost_kind].deployments)


# Well-formed JSON that botocore accepts but that lacks what the collector reads, and the
# resource of each error it must record: once per read (stages sharing a deployment share
# its read), named with the names `_resource` fills in.
@pytest.mark.parametrize(
    ("operation", "answer", "lost", "resources"),
    [
        ("cognito-idp:ListGroups", {"Groups": [{"Precedence": 1}]}, "groups", ["{pool}"]),
        (
            "cognito-identity:GetIdentityPoolRoles",
            {"Roles": {}, "RoleMappings": {"k": {"AmbiguousRoleResolution": "Deny"}}},
            "mapping",
            ["{identity_pool}"],
        ),
        (
            "apigateway:GetResources",
            # The wire name is "item"; the resource lacks its path.
            {"item": [{"id": "r1", "resourceMethods": {"GET": {"authorizationType": "NONE"}}}]},
            "routes",
            ["{shop}"],
        ),
        # Wire names; the route key has no path.
        ("apigatewayv2:GetRoutes", {"items": [{"routeKey": "GET"}]}, "http routes", ["{orders}"]),
        (
            "cognito-idp:DescribeUserPoolClient",
            {"UserPoolClient": {"ClientName": "x"}},
            "clients",
            ["{client}"],  # the first described: the others are not read after it
        ),
        (
            "apigateway:GetStages",
            {"item": [{"stageName": "prod"}]},  # no deploymentId
            "deployments",
            ["{shop} prod"],
        ),
        ("apigateway:GetDeployment", {"id": "d1"}, "deployments", ["{shop} dev", "{shop} prod"]),
        (
            "apigateway:GetDeployment",
            {"id": "d1", "apiSummary": {"/x": None}},
            "deployments",
            ["{shop} dev", "{shop} prod"],
        ),
        (
            "apigateway:GetDeployment",
            {"id": "d1", "apiSummary": []},
            "deployments",
            ["{shop} dev", "{shop} prod"],
        ),
        # One deployment serves both stages: one read, named by the first stage.
        ("apigatewayv2:ExportApi", {"openapi": "3.0.1"}, "http deployments", ["{orders} $default"]),
        (
            "apigatewayv2:ExportApi",
            {"paths": {"/x": None}},
            "http deployments",
            ["{orders} $default"],
        ),
        (
            "apigatewayv2:ExportApi",
            {"paths": {"/x": {"get": None}}},
            "http deployments",
            ["{orders} $default"],
        ),
    ],
)
def test_unusable_answer_is_a_recorded_error_not_a_crash(
    aws: Aws,
    seeded: Seeded,
    operation: str,
    answer: dict[str, object],
    lost: str,
    resources: list[str],
) -> None:
    first_client = aws.client("cognito-idp").list_user_pool_clients(
        UserPoolId=seeded.user_pool_id, MaxResults=60
    )["UserPoolClients"][0]["ClientId"]
    names = {
        "pool": seeded.user_pool_id,
        "identity_pool": seeded.identity_pool_id,
        "shop": seeded.api_ids[REST],
        "orders": seeded.api_ids[HTTP],
        "client": first_client,
    }
    aws.emulator.inject_answer(operation, answer)
    snap = collect_snapshot(_target(seeded), AwsOptions(endpoint_url=aws.url))
    service, name = operation.split(":")
    # The exact list: a read recorded twice, or one left out, fails it.
    assert [(e.service, e.operation, e.resource) for e in snap.errors] == [
        (service, name, resource.format(**names)) for resource in resources
    ]
    assert all(e.message.startswith("unexpected response") for e in snap.errors)
    _lost_only(snap, lost)


def test_unusable_describe_leaves_the_pool_unknown(aws: Aws, seeded: Seeded) -> None:
    aws.emulator.inject_answer("cognito-idp:DescribeUserPool", {"UserPool": {"Name": "x"}})
    snap = collect_snapshot(_target(seeded), AwsOptions(endpoint_url=aws.url))
    assert snap.user_pool is None and not snap.complete
    assert [e.operation for e in snap.errors] == ["DescribeUserPool"]


def test_access_denied_on_describe_keeps_pool_unknown_not_empty(aws: Aws, seeded: Seeded) -> None:
    aws.emulator.inject_failure("cognito-idp:DescribeUserPool", code="AccessDeniedException")
    snap = collect_snapshot(_target(seeded), AwsOptions(endpoint_url=aws.url))
    assert snap.user_pool is None
    assert [e.operation for e in snap.errors] == ["DescribeUserPool"]
    assert snap.errors[0].resource == seeded.user_pool_id
    # Group roles are unknown, but the identity pool's roles are still read.
    assert seeded.role_arns["app-default"] in snap.roles


def test_unreachable_endpoint_is_recorded_not_raised(aws: Aws, seeded: Seeded) -> None:
    snap = collect_snapshot(
        _target(seeded, apis=[]),
        AwsOptions(endpoint_url="http://127.0.0.1:9", max_attempts=1),
    )
    assert not snap.complete
    assert {e.operation for e in snap.errors} >= {
        "GetCallerIdentity",
        "DescribeUserPool",
        "DescribeIdentityPool",
    }
    assert all("127.0.0.1:9" in e.message for e in snap.errors)
    assert snap.account_id is None and snap.partition == "aws"


def test_bad_options_are_input_errors() -> None:
    target = TargetRef(user_pool=PoolRef(id="x"), identity_pool=PoolRef(id="y"))
    with pytest.raises(InputError, match="retry"):
        collect_snapshot(target, AwsOptions(retry_mode="sometimes"))
    with pytest.raises(InputError, match="--profile"):
        collect_snapshot(target, AwsOptions(profile="no-such-profile"))


def test_paging_reads_every_group_role_and_resource(aws: Aws) -> None:
    groups = [GroupSpec(f"g{i:03}", role=f"r{i:03}", precedence=i) for i in range(130)]
    from auditor.emulator.seed import RoleSpec

    spec = EnvironmentSpec(
        roles=[RoleSpec(f"r{i:03}") for i in range(130)],
        user_pool=UserPoolSpec(groups=groups),
        rest_apis=[
            RestApiSpec(
                "big", routes={f"GET /r{i}": "AWS_IAM" for i in range(520)}, stages=["prod"]
            )
        ],
    )
    seeded = seed(spec, aws.session, endpoint_url=aws.url)
    aws.emulator.clear_operations()
    snap = collect_snapshot(_target(seeded), AwsOptions(endpoint_url=aws.url))
    assert snap.complete
    assert snap.user_pool is not None
    assert [g.name for g in snap.user_pool.groups] == [g.name for g in groups]
    assert sorted(snap.roles) == sorted(seeded.role_arns.values())
    api = snap.api(seeded.api_ids["big"])
    assert api is not None and len(api.routes) == 520
    calls = aws.emulator.operations()
    assert calls["cognito-idp:ListGroups"] == 3  # 130 groups, 60 a page
    assert calls["apigateway:GetResources"] == 2  # 521 resources, 500 a page
    assert calls["apigateway:GetMethod"] == 0
