"""What each stage serves and the app clients, collected from the emulator."""

from __future__ import annotations

import pytest

from auditor.collect import AwsOptions, collect_snapshot
from auditor.emulator.seed import (
    ClientSpec,
    EnvironmentSpec,
    HttpApiSpec,
    RestApiSpec,
    Seeded,
    UserPoolSpec,
    seed,
)
from auditor.model.snapshot import ApiRef, Deployment, PoolRef, Snapshot, TargetRef
from tests.support.aws import Aws


def _collect(aws: Aws, seeded: Seeded) -> Snapshot:
    target = TargetRef(
        user_pool=PoolRef(id=seeded.user_pool_id),
        identity_pool=PoolRef(id=seeded.identity_pool_id),
        apis=[ApiRef(id=api_id) for api_id in seeded.api_ids.values()],
    )
    aws.emulator.clear_operations()
    return collect_snapshot(target, AwsOptions(endpoint_url=aws.url))


def _served(snapshot: Snapshot, api_id: str, stage: str) -> dict[str, str]:
    api = snapshot.api(api_id)
    assert api is not None
    return {r.key: r.authorization_type for r in api.served_routes(stage)}


def _orders_fixed_but_not_deployed(*stages: str) -> HttpApiSpec:
    """GET /orders deployed public to every stage, then fixed to AWS_IAM in the definition."""
    return HttpApiSpec(
        "orders",
        routes={"GET /orders": "NONE"},
        stages=list(stages),
        auto_deploy=False,
        changed_after_deploy={"GET /orders": "AWS_IAM"},
    )


def test_each_deployment_is_read_once_whatever_the_stages_sharing_it(aws: Aws) -> None:
    spec = EnvironmentSpec(
        rest_apis=[RestApiSpec("shop", routes={"GET /items": "NONE"}, stages=["prod"])],
        http_apis=[_orders_fixed_but_not_deployed("$default", "beta", "qa")],
    )
    seeded = seed(spec, aws.session, endpoint_url=aws.url)
    shop, orders = seeded.api_ids["shop"], seeded.api_ids["orders"]
    rest = aws.client("apigateway")
    prod = rest.get_stages(restApiId=shop)["item"][0]["deploymentId"]
    rest.create_stage(restApiId=shop, stageName="dev", deploymentId=prod)
    snapshot = _collect(aws, seeded)
    assert snapshot.complete, snapshot.errors
    calls = aws.emulator.operations()
    assert calls["apigateway:GetDeployment"] == 1
    assert calls["apigatewayv2:ExportApi"] == 1
    for stage in ("$default", "beta", "qa"):
        assert _served(snapshot, orders, stage) == {"GET /orders": "NONE"}
    assert (
        _served(snapshot, shop, "dev") == _served(snapshot, shop, "prod") == {"GET /items": "NONE"}
    )


def test_auto_deploy_serves_its_latest_deployment_and_a_stage_never_deployed_nothing(
    aws: Aws,
) -> None:
    spec = EnvironmentSpec(
        http_apis=[HttpApiSpec("orders", routes={"GET /orders": "AWS_IAM"}, stages=["live"])]
    )
    seeded = seed(spec, aws.session, endpoint_url=aws.url)
    orders = seeded.api_ids["orders"]
    client = aws.client("apigatewayv2")
    client.create_stage(ApiId=orders, StageName="draft")
    automatic = client.get_stage(ApiId=orders, StageName="live")["DeploymentId"]
    snapshot = _collect(aws, seeded)
    api = snapshot.api(orders)
    assert api is not None and api.stages == ["draft", "live"]
    assert api.deployments == {
        "draft": Deployment(id=None, routes=[]),
        "live": Deployment(id=automatic, routes=api.routes),
    }
    assert _served(snapshot, orders, "live") == {"GET /orders": "AWS_IAM"}
    assert api.served_routes("draft") == []
    # The stage never deployed costs no call; the auto-deploy stage is exported like any.
    assert aws.emulator.operations()["apigatewayv2:ExportApi"] == 1


def _no_trace_of(secret: str, snapshot: Snapshot) -> None:
    """The secret's value is in no field of the snapshot (every field is in its JSON, errors
    included) and in no error message."""
    assert secret not in snapshot.to_json()
    assert not [e for e in snapshot.errors if secret in e.message or secret in str(e.resource)]


def test_a_client_secret_leaves_no_trace_in_the_snapshot(aws: Aws) -> None:
    spec = EnvironmentSpec(
        user_pool=UserPoolSpec(clients=[ClientSpec("web"), ClientSpec("backend", secret=True)])
    )
    seeded = seed(spec, aws.session, endpoint_url=aws.url)
    secret = aws.client("cognito-idp").describe_user_pool_client(
        UserPoolId=seeded.user_pool_id, ClientId=seeded.client_ids["backend"]
    )["UserPoolClient"]["ClientSecret"]
    assert len(secret) > 8
    snapshot = _collect(aws, seeded)
    assert snapshot.complete and snapshot.user_pool is not None
    assert snapshot.user_pool.clients is not None
    assert {c.name for c in snapshot.user_pool.clients} == {"web", "backend"}
    _no_trace_of(secret, snapshot)


SECRET = "x7-Client-Secret-Value-3f9a1c"


@pytest.mark.parametrize(
    ("described", "usable"),
    [
        ({"ClientId": "c1", "ClientName": "backend", "WriteAttributes": ["email"]}, True),
        ({"ClientName": "backend"}, False),  # no ClientId
        ({"ClientId": "c1", "ClientName": {"first": "backend"}}, False),  # not a string
        ({"ClientId": "c1", "WriteAttributes": [["email"]]}, False),  # not a list of names
    ],
)
def test_a_client_secret_in_any_answer_leaves_no_trace(
    aws: Aws, described: dict[str, object], usable: bool
) -> None:
    """Usable or not, an answer carrying the secret leaves its value nowhere: the collector
    picks its fields one by one, and an error says what was wrong, never the answer."""
    spec = EnvironmentSpec(user_pool=UserPoolSpec(clients=[ClientSpec("backend", secret=True)]))
    seeded = seed(spec, aws.session, endpoint_url=aws.url)
    answer = {**described, "ClientSecret": SECRET}
    aws.emulator.inject_answer("cognito-idp:DescribeUserPoolClient", {"UserPoolClient": answer})
    snapshot = _collect(aws, seeded)
    assert snapshot.user_pool is not None
    if usable:  # the answer was read: its WriteAttributes are in the snapshot
        assert snapshot.complete and snapshot.user_pool.clients is not None
        assert [c.write_attributes for c in snapshot.user_pool.clients] == [["email"]]
    else:
        assert snapshot.user_pool.clients is None
        assert [(e.operation, e.message[:19]) for e in snapshot.errors] == [
            ("DescribeUserPoolClient", "unexpected response")
        ]
    _no_trace_of(SECRET, snapshot)


def test_app_clients_are_listed_in_pages_of_60_and_each_described(aws: Aws) -> None:
    names = [f"c{i:02}" for i in range(61)]
    spec = EnvironmentSpec(user_pool=UserPoolSpec(clients=[ClientSpec(n) for n in names]))
    seeded = seed(spec, aws.session, endpoint_url=aws.url)
    snapshot = _collect(aws, seeded)
    assert snapshot.user_pool is not None and snapshot.user_pool.clients is not None
    ids = [c.id for c in snapshot.user_pool.clients]
    assert ids == sorted(seeded.client_ids.values())
    calls = aws.emulator.operations()
    assert calls["cognito-idp:ListUserPoolClients"] == 2
    assert calls["cognito-idp:DescribeUserPoolClient"] == 61


def test_only_the_audited_stages_deployments_are_read(aws: Aws) -> None:
    spec = EnvironmentSpec(
        rest_apis=[RestApiSpec("shop", routes={"GET /items": "NONE"}, stages=["prod", "dev"])]
    )
    seeded = seed(spec, aws.session, endpoint_url=aws.url)
    shop = seeded.api_ids["shop"]
    target = TargetRef(
        user_pool=PoolRef(id=seeded.user_pool_id),
        identity_pool=PoolRef(id=seeded.identity_pool_id),
        apis=[ApiRef(id=shop, stage="prod")],
    )
    aws.emulator.clear_operations()
    # A stage nobody audits cannot make the run incomplete: it is not read at all.
    aws.emulator.inject_failure("apigateway:GetDeployment", times=1)
    snapshot = collect_snapshot(target, AwsOptions(endpoint_url=aws.url, max_attempts=1))
    api = snapshot.api(shop)
    assert api is not None and api.stages == ["dev", "prod"]
    assert aws.emulator.operations()["apigateway:GetDeployment"] == 1
    assert (list(api.deployments), api.unread_stages) == ([], ["prod"])
    aws.emulator.clear_operations()
    snapshot = collect_snapshot(target, AwsOptions(endpoint_url=aws.url))
    assert snapshot.complete and aws.emulator.operations()["apigateway:GetDeployment"] == 1
    assert list(snapshot.apis[0].deployments) == ["prod"]


SUCCEEDED = "Successfully deployed stage with deployment ID '{}'"  # the AWS CLI example's
FAILED = "Deployment attempt failed: Unable to deploy API because no routes exist in this API"


@pytest.mark.parametrize(
    ("deployed", "message", "exported"),
    [
        (True, SUCCEEDED, True),  # as AWS lists an auto-deploy stage that has deployed
        (True, FAILED, True),  # the last automatic deployment failed: the stage kept its own
        (True, None, True),
        (False, FAILED, False),  # never deployed: taken to serve the latest routes
        (False, None, False),
    ],
)
def test_an_auto_deploy_stage_serves_its_deployment_if_it_has_one(
    aws: Aws, deployed: bool, message: str | None, exported: bool
) -> None:
    """The stage's DeploymentId, not its LastDeploymentStatusMessage (set after every
    automatic deployment, failed or not), says what it serves: that deployment, exported;
    without one, the latest routes."""
    spec = EnvironmentSpec(http_apis=[_orders_fixed_but_not_deployed("live")])
    seeded = seed(spec, aws.session, endpoint_url=aws.url)
    orders = seeded.api_ids["orders"]
    (stage,) = aws.client("apigatewayv2").get_stages(ApiId=orders)["Items"]
    listed: dict[str, object] = {"stageName": "live", "autoDeploy": True}
    if deployed:
        listed["deploymentId"] = stage["DeploymentId"]
    if message:
        listed["lastDeploymentStatusMessage"] = message.format(stage["DeploymentId"])
    aws.emulator.inject_answer("apigatewayv2:GetStages", {"items": [listed]})
    snapshot = _collect(aws, seeded)
    assert snapshot.complete, snapshot.errors
    served = "NONE" if exported else "AWS_IAM"  # the deployment's, or the definition's
    assert _served(snapshot, orders, "live") == {"GET /orders": served}
    api = snapshot.api(orders)
    assert api is not None and list(api.deployments) == (["live"] if exported else [])
    assert aws.emulator.operations()["apigatewayv2:ExportApi"] == int(exported)


def _shop(aws: Aws, *stages: str) -> tuple[Seeded, str, str]:
    """shop: GET /items public, deployed to each stage (default: prod); returns (seeded, API
    id, the first stage's deployment id)."""
    spec = RestApiSpec("shop", routes={"GET /items": "NONE"}, stages=list(stages) or ["prod"])
    seeded = seed(EnvironmentSpec(rest_apis=[spec]), aws.session, endpoint_url=aws.url)
    shop = seeded.api_ids["shop"]
    first = aws.client("apigateway").get_stage(restApiId=shop, stageName=spec.stages[0])
    return seeded, shop, first["deploymentId"]


def _rest_with_canary(aws: Aws, percent: float) -> tuple[Seeded, str, str, str]:
    """shop: GET /items public on prod's own deployment, AWS_IAM on its canary's; returns
    (seeded, API id, the two deployment ids)."""
    fixed = {"GET /items": "AWS_IAM"}
    shop_spec = RestApiSpec("shop", routes={"GET /items": "NONE"}, changed_after_deploy=fixed)
    seeded = seed(EnvironmentSpec(rest_apis=[shop_spec]), aws.session, endpoint_url=aws.url)
    shop = seeded.api_ids["shop"]
    rest = aws.client("apigateway")
    own = rest.get_stages(restApiId=shop)["item"][0]["deploymentId"]
    canary = rest.create_deployment(
        restApiId=shop, stageName="prod", canarySettings={"percentTraffic": percent}
    )["id"]
    return seeded, shop, own, canary


def test_a_rest_stage_s_canary_is_read_and_served_beside_its_own_deployment(aws: Aws) -> None:
    seeded, shop, own, canary = _rest_with_canary(aws, 10.0)
    snapshot = _collect(aws, seeded)
    assert snapshot.complete, snapshot.errors
    api = snapshot.api(shop)
    assert api is not None
    assert (api.deployments["prod"].id, api.canaries["prod"].id) == (own, canary)
    assert [r.authorization_type for r in api.canaries["prod"].routes] == ["AWS_IAM"]
    assert _served(snapshot, shop, "prod") == {"GET /items": "NONE"}  # the least restrictive
    assert aws.emulator.operations()["apigateway:GetDeployment"] == 2


def test_a_canary_without_traffic_serves_nothing(aws: Aws) -> None:
    seeded, shop, _, _ = _rest_with_canary(aws, 0.0)
    snapshot = _collect(aws, seeded)
    api = snapshot.api(shop)
    assert api is not None and api.canaries == {}
    assert aws.emulator.operations()["apigateway:GetDeployment"] == 1


def test_a_canary_that_could_not_be_read_leaves_the_stage_unknown(aws: Aws) -> None:
    seeded, shop, own, _ = _rest_with_canary(aws, 10.0)
    gone = {"stageName": "prod", "deploymentId": own, "canarySettings": {"deploymentId": "gone12"}}
    aws.emulator.inject_answer("apigateway:GetStages", {"item": [gone]})
    snapshot = _collect(aws, seeded)
    api = snapshot.api(shop)
    assert api is not None
    assert [(e.operation, e.resource) for e in snapshot.errors] == [
        ("GetDeployment", f"{shop} prod")
    ]
    assert (api.unread_stages, api.deployments, api.canaries) == (["prod"], {}, {})


def test_two_different_stages_of_one_name_leave_it_unknown_not_a_traceback(aws: Aws) -> None:
    """A name is a stage's identity: GetStages listing two that differ does not say which one
    serves, so the stage is unknown (one recorded error); the same entry twice is one stage."""
    seeded, shop, own = _shop(aws)
    twins = [{"stageName": "prod", "deploymentId": own}, {"stageName": "prod"}]
    aws.emulator.inject_answer("apigateway:GetStages", {"item": twins})
    snapshot = _collect(aws, seeded)
    api = snapshot.api(shop)
    assert api is not None and (api.stages, api.unread_stages) == (["prod"], ["prod"])
    assert [(e.operation, e.resource, e.message) for e in snapshot.errors] == [
        ("GetStages", f"{shop} prod", "unexpected response: 2 different stages are named prod")
    ]
    assert aws.emulator.operations()["apigateway:GetDeployment"] == 0

    aws.emulator.inject_answer("apigateway:GetStages", {"item": [twins[0], twins[0]]})
    snapshot = _collect(aws, seeded)
    api = snapshot.api(shop)
    assert snapshot.complete and api is not None and api.stages == ["prod"]
    assert _served(snapshot, shop, "prod") == {"GET /items": "NONE"}
    assert aws.emulator.operations()["apigateway:GetDeployment"] == 1


def test_a_stage_serving_the_definition_is_unknown_when_the_definition_is(aws: Aws) -> None:
    """An auto-deploy stage not yet deployed serves the latest routes: when GetRoutes fails,
    what it serves is unknown (its cells too), not the empty list the snapshot holds."""
    spec = EnvironmentSpec(http_apis=[HttpApiSpec("orders", routes={"GET /orders": "NONE"})])
    seeded = seed(spec, aws.session, endpoint_url=aws.url)
    orders = seeded.api_ids["orders"]
    not_deployed = {"stageName": "$default", "autoDeploy": True}
    aws.emulator.inject_answer("apigatewayv2:GetStages", {"items": [not_deployed]})
    aws.emulator.inject_failure("apigatewayv2:GetRoutes")
    snapshot = _collect(aws, seeded)
    api = snapshot.api(orders)
    assert api is not None and (api.routes, api.deployments) == ([], {})
    assert [e.operation for e in snapshot.errors] == ["GetRoutes"]
    assert api.unread_stages == ["$default"]
    assert (
        api.unread_reason("$default")
        == f"what stage $default of API {orders} serves could not be read"
    )

    aws.emulator.clear_failures()
    aws.emulator.inject_answer("apigatewayv2:GetStages", {"items": [not_deployed]})
    snapshot = _collect(aws, seeded)
    api = snapshot.api(orders)
    assert snapshot.complete and api is not None and api.unread_stages == []
    assert _served(snapshot, orders, "$default") == {"GET /orders": "NONE"}


def test_no_rest_stage_is_unknown_for_a_failed_definition_read(aws: Aws) -> None:
    """A REST stage serves its deployment, read whatever became of GetResources."""
    seeded, shop, _ = _shop(aws)
    aws.emulator.inject_failure("apigateway:GetResources")
    snapshot = _collect(aws, seeded)
    api = snapshot.api(shop)
    assert api is not None and (api.routes, api.unread_stages) == ([], [])
    assert [e.operation for e in snapshot.errors] == ["GetResources"]
    assert _served(snapshot, shop, "prod") == {"GET /items": "NONE"}


def test_a_canary_is_not_read_when_the_stage_s_own_deployment_could_not_be(aws: Aws) -> None:
    seeded, shop, _, _ = _rest_with_canary(aws, 10.0)
    aws.emulator.clear_operations()
    aws.emulator.inject_failure("apigateway:GetDeployment", times=1)  # the stage's own
    target = TargetRef(
        user_pool=PoolRef(id=seeded.user_pool_id),
        identity_pool=PoolRef(id=seeded.identity_pool_id),
        apis=[ApiRef(id=shop)],
    )
    snapshot = collect_snapshot(target, AwsOptions(endpoint_url=aws.url, max_attempts=1))
    api = snapshot.api(shop)
    assert api is not None and (api.unread_stages, api.canaries) == (["prod"], {})
    assert [(e.operation, e.resource) for e in snapshot.errors] == [
        ("GetDeployment", f"{shop} prod")
    ]
    assert aws.emulator.operations()["apigateway:GetDeployment"] == 1


def _collect_refs(aws: Aws, seeded: Seeded, *refs: ApiRef) -> Snapshot:
    """The collection a baseline whose `apis:` are `refs` asks for."""
    target = TargetRef(
        user_pool=PoolRef(id=seeded.user_pool_id),
        identity_pool=PoolRef(id=seeded.identity_pool_id),
        apis=list(refs),
    )
    aws.emulator.clear_operations()
    return collect_snapshot(target, AwsOptions(endpoint_url=aws.url))


def test_an_entry_without_a_stage_reads_every_stage_beside_one_naming_a_stage(aws: Aws) -> None:
    seeded, shop, _ = _shop(aws, "prod", "dev", "qa")
    snapshot = _collect_refs(aws, seeded, ApiRef(id=shop), ApiRef(id=shop, stage="prod"))
    assert snapshot.complete, snapshot.errors
    api = snapshot.api(shop)
    assert api is not None and sorted(api.deployments) == ["dev", "prod", "qa"]
    assert aws.emulator.operations()["apigateway:GetDeployment"] == 3


def test_entries_naming_stages_read_those_stages_deployments_and_no_other(aws: Aws) -> None:
    seeded, shop, _ = _shop(aws, "prod", "dev", "qa")
    refs = (ApiRef(id=shop, stage="prod"), ApiRef(id=shop, stage="dev"))
    snapshot = _collect_refs(aws, seeded, *refs)
    assert snapshot.complete, snapshot.errors
    api = snapshot.api(shop)
    assert api is not None and api.stages == ["dev", "prod", "qa"]
    assert (sorted(api.deployments), api.unread_stages) == (["dev", "prod"], [])
    assert aws.emulator.operations()["apigateway:GetDeployment"] == 2


def test_a_canary_on_the_stage_s_own_deployment_is_read_once(aws: Aws) -> None:
    seeded, shop, own = _shop(aws)
    canary = {"deploymentId": own, "percentTraffic": 10.0}
    stage = {"stageName": "prod", "deploymentId": own, "canarySettings": canary}
    aws.emulator.inject_answer("apigateway:GetStages", {"item": [stage]})
    snapshot = _collect(aws, seeded)
    assert snapshot.complete, snapshot.errors
    api = snapshot.api(shop)
    assert api is not None and api.canaries["prod"] == api.deployments["prod"]
    assert _served(snapshot, shop, "prod") == {"GET /items": "NONE"}
    assert aws.emulator.operations()["apigateway:GetDeployment"] == 1


def test_a_readable_canary_whose_share_is_not_given_serves(aws: Aws) -> None:
    seeded, shop, own, canary = _rest_with_canary(aws, 10.0)
    stage = {"stageName": "prod", "deploymentId": own, "canarySettings": {"deploymentId": canary}}
    aws.emulator.inject_answer("apigateway:GetStages", {"item": [stage]})
    snapshot = _collect(aws, seeded)
    assert snapshot.complete, snapshot.errors
    api = snapshot.api(shop)
    assert api is not None and api.canaries["prod"].id == canary
    assert [r.authorization_type for r in api.canaries["prod"].routes] == ["AWS_IAM"]
    assert aws.emulator.operations()["apigateway:GetDeployment"] == 2
