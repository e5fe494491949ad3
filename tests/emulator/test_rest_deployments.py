"""REST API deployments in the emulator: a stage serves what was deployed, not the definition."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.support.aws import Aws

LAMBDA_URI = (
    "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
    "arn:aws:lambda:us-east-1:123456789012:function:authz/invocations"
)


class RestApi:
    """One REST API with a method on /items, and the ids needed to change it."""

    def __init__(self, aws: Aws, authorization: str = "NONE") -> None:
        self.client: Any = aws.client("apigateway")
        self.id = self.client.create_rest_api(name="shop")["id"]
        root = self.client.get_resources(restApiId=self.id)["items"][0]["id"]
        self.items = self.client.create_resource(
            restApiId=self.id, parentId=root, pathPart="items"
        )["id"]
        self.put("GET", authorization)

    def put(self, verb: str, authorization: str) -> None:
        self.client.put_method(
            restApiId=self.id,
            resourceId=self.items,
            httpMethod=verb,
            authorizationType=authorization,
        )
        self.client.put_integration(
            restApiId=self.id, resourceId=self.items, httpMethod=verb, type="MOCK"
        )

    def set_authorization(self, authorization: str, **more: str) -> Any:
        operations = [{"op": "replace", "path": "/authorizationType", "value": authorization}]
        operations += [{"op": "replace", "path": f"/{k}", "value": v} for k, v in more.items()]
        return self.client.update_method(
            restApiId=self.id, resourceId=self.items, httpMethod="GET", patchOperations=operations
        )

    def summary(self, deployment_id: str) -> Any:
        return self.client.get_deployment(
            restApiId=self.id, deploymentId=deployment_id, embed=["apisummary"]
        )["apiSummary"]

    def stage_deployment(self, stage: str) -> str:
        stages = self.client.get_stages(restApiId=self.id)["item"]
        return str(next(s["deploymentId"] for s in stages if s["stageName"] == stage))


def _method(authorization: str) -> dict[str, Any]:
    return {"authorizationType": authorization, "apiKeyRequired": False}


def test_deployment_freezes_the_methods_and_later_changes_stay_undeployed(aws: Aws) -> None:
    api = RestApi(aws, "NONE")
    first = api.client.create_deployment(restApiId=api.id, stageName="prod")["id"]
    changed = api.set_authorization("AWS_IAM")
    api.put("POST", "AWS_IAM")

    assert changed["authorizationType"] == "AWS_IAM"
    assert api.summary(first) == {"/items": {"GET": _method("NONE")}}
    assert api.stage_deployment("prod") == first
    # Only a new deployment picks the definition up; the stage moves to it.
    second = api.client.create_deployment(restApiId=api.id, stageName="prod")["id"]
    assert api.summary(second) == {
        "/items": {"GET": _method("AWS_IAM"), "POST": _method("AWS_IAM")}
    }
    assert api.stage_deployment("prod") == second
    assert api.summary(first) == {"/items": {"GET": _method("NONE")}}


def test_api_summary_only_when_embedded(aws: Aws) -> None:
    api = RestApi(aws)
    deployment = api.client.create_deployment(restApiId=api.id)["id"]
    plain = api.client.get_deployment(restApiId=api.id, deploymentId=deployment)
    assert plain["id"] == deployment and "apiSummary" not in plain


def test_redeploying_a_stage_keeps_its_settings(aws: Aws) -> None:
    api = RestApi(aws)
    api.client.create_deployment(restApiId=api.id, stageName="prod", variables={"a": "1"})
    api.client.update_stage(
        restApiId=api.id,
        stageName="prod",
        patchOperations=[{"op": "replace", "path": "/description", "value": "live"}],
    )
    api.client.create_deployment(restApiId=api.id, stageName="prod")
    (stage,) = api.client.get_stages(restApiId=api.id)["item"]
    assert (stage["description"], stage["variables"]) == ("live", {"a": "1"})


def test_stages_point_at_deployments_by_create_and_update(aws: Aws) -> None:
    api = RestApi(aws, "NONE")
    old = api.client.create_deployment(restApiId=api.id)["id"]
    api.set_authorization("AWS_IAM")
    new = api.client.create_deployment(restApiId=api.id)["id"]
    api.client.create_stage(restApiId=api.id, stageName="dev", deploymentId=old)
    assert api.stage_deployment("dev") == old
    api.client.update_stage(
        restApiId=api.id,
        stageName="dev",
        patchOperations=[{"op": "replace", "path": "/deploymentId", "value": new}],
    )
    assert api.stage_deployment("dev") == new


@pytest.mark.parametrize("how", ["create", "update"])
def test_a_stage_cannot_point_at_an_unknown_deployment(aws: Aws, how: str) -> None:
    api = RestApi(aws)
    real = api.client.create_deployment(restApiId=api.id, stageName="prod")["id"]
    with pytest.raises(ClientError) as caught:
        if how == "create":
            api.client.create_stage(restApiId=api.id, stageName="dev", deploymentId="nope12")
        else:
            api.client.update_stage(
                restApiId=api.id,
                stageName="prod",
                patchOperations=[{"op": "replace", "path": "/deploymentId", "value": "nope12"}],
            )
    assert caught.value.response["Error"]["Code"] == "BadRequestException"
    assert api.stage_deployment("prod") == real


def test_unknown_deployment_is_not_found(aws: Aws) -> None:
    api = RestApi(aws)
    with pytest.raises(ClientError) as caught:
        api.client.get_deployment(restApiId=api.id, deploymentId="nope12")
    assert caught.value.response["Error"]["Code"] == "NotFoundException"


def test_a_deployment_in_use_cannot_be_deleted(aws: Aws) -> None:
    api = RestApi(aws)
    used = api.client.create_deployment(restApiId=api.id, stageName="prod")["id"]
    spare = api.client.create_deployment(restApiId=api.id)["id"]
    with pytest.raises(ClientError) as caught:
        api.client.delete_deployment(restApiId=api.id, deploymentId=used)
    assert caught.value.response["Error"]["Code"] == "BadRequestException"
    api.client.delete_deployment(restApiId=api.id, deploymentId=spare)
    ids = [d["id"] for d in api.client.get_deployments(restApiId=api.id)["items"]]
    assert ids == [used]


def test_update_method_needs_an_authorizer_for_custom_and_applies_all_or_nothing(
    aws: Aws,
) -> None:
    api = RestApi(aws, "AWS_IAM")
    with pytest.raises(ClientError) as caught:
        api.set_authorization("CUSTOM")
    assert caught.value.response["Error"]["Code"] == "BadRequestException"
    method = api.client.get_method(restApiId=api.id, resourceId=api.items, httpMethod="GET")
    assert method["authorizationType"] == "AWS_IAM"

    authorizer = api.client.create_authorizer(
        restApiId=api.id,
        name="lambda",
        type="TOKEN",
        authorizerUri=LAMBDA_URI,
        identitySource="method.request.header.Authorization",
    )["id"]
    changed = api.set_authorization("CUSTOM", authorizerId=authorizer)
    assert (changed["authorizationType"], changed["authorizerId"]) == ("CUSTOM", authorizer)


@pytest.mark.parametrize(
    "operation",
    [
        {"op": "replace", "path": "/authorizationType", "value": "OPEN"},
        {"op": "replace", "path": "/httpMethod", "value": "PUT"},
        {"op": "remove", "path": "/authorizationType"},
    ],
)
def test_update_method_rejects_what_it_cannot_apply(aws: Aws, operation: dict[str, str]) -> None:
    api = RestApi(aws)
    with pytest.raises(ClientError) as caught:
        api.client.update_method(
            restApiId=api.id, resourceId=api.items, httpMethod="GET", patchOperations=[operation]
        )
    assert caught.value.response["Error"]["Code"] == "BadRequestException"


# --- canary releases -------------------------------------------------------------------------


def _stage(api: RestApi, name: str = "prod") -> Any:
    return next(
        s for s in api.client.get_stages(restApiId=api.id)["item"] if s["stageName"] == name
    )


def _update(api: RestApi, *operations: dict[str, str], stage: str = "prod") -> Any:
    return api.client.update_stage(
        restApiId=api.id, stageName=stage, patchOperations=list(operations)
    )


def test_a_canary_deployment_serves_beside_the_stage_s_own(aws: Aws) -> None:
    api = RestApi(aws, "NONE")
    main = api.client.create_deployment(restApiId=api.id, stageName="prod")["id"]
    api.set_authorization("AWS_IAM")
    canary = api.client.create_deployment(
        restApiId=api.id,
        stageName="prod",
        canarySettings={"percentTraffic": 10.0, "stageVariableOverrides": {"v": "2"}},
    )["id"]
    stage = _stage(api)
    assert stage["deploymentId"] == main  # the stage's own deployment stays
    assert stage["canarySettings"] == {
        "deploymentId": canary,
        "percentTraffic": 10.0,
        "useStageCache": False,
        "stageVariableOverrides": {"v": "2"},
    }
    assert api.summary(canary) == {"/items": {"GET": _method("AWS_IAM")}}
    assert api.summary(main) == {"/items": {"GET": _method("NONE")}}
    with pytest.raises(ClientError) as caught:  # in use by the canary
        api.client.delete_deployment(restApiId=api.id, deploymentId=canary)
    assert caught.value.response["Error"]["Code"] == "BadRequestException"


def test_a_canary_needs_an_existing_stage(aws: Aws) -> None:
    api = RestApi(aws)
    with pytest.raises(ClientError) as caught:
        api.client.create_deployment(
            restApiId=api.id, stageName="prod", canarySettings={"percentTraffic": 5.0}
        )
    assert caught.value.response["Error"]["Code"] == "NotFoundException"
    assert api.client.get_stages(restApiId=api.id)["item"] == []


def test_update_stage_adjusts_promotes_and_removes_the_canary(aws: Aws) -> None:
    api = RestApi(aws, "NONE")
    main = api.client.create_deployment(restApiId=api.id, stageName="prod")["id"]
    canary = api.client.create_deployment(
        restApiId=api.id, stageName="prod", canarySettings={"percentTraffic": 1.0}
    )["id"]
    _update(api, {"op": "replace", "path": "/canarySettings/percentTraffic", "value": "25.5"})
    assert _stage(api)["canarySettings"]["percentTraffic"] == 25.5
    # moto alone read this path as the stage's own deploymentId.
    _update(api, {"op": "replace", "path": "/canarySettings/deploymentId", "value": main})
    assert (_stage(api)["deploymentId"], _stage(api)["canarySettings"]["deploymentId"]) == (
        main,
        main,
    )
    _update(api, {"op": "replace", "path": "/canarySettings/deploymentId", "value": canary})
    promoted = _update(
        api,
        {"op": "copy", "from": "/canarySettings/deploymentId", "path": "/deploymentId"},
        {"op": "replace", "path": "/canarySettings/percentTraffic", "value": "0.0"},
    )
    assert promoted["deploymentId"] == canary
    assert promoted["canarySettings"]["percentTraffic"] == 0.0
    removed = _update(api, {"op": "remove", "path": "/canarySettings"})
    assert "canarySettings" not in removed and removed["deploymentId"] == canary
    # A canary started by UpdateStage alone serves the stage's current deployment.
    started = _update(
        api, {"op": "replace", "path": "/canarySettings/percentTraffic", "value": "5"}
    )
    assert started["canarySettings"]["deploymentId"] == canary


def test_update_stage_applies_canary_operations_all_or_nothing(aws: Aws) -> None:
    api = RestApi(aws)
    api.client.create_deployment(restApiId=api.id, stageName="prod")
    with pytest.raises(ClientError) as caught:
        _update(
            api,
            {"op": "replace", "path": "/canarySettings/percentTraffic", "value": "50"},
            {"op": "replace", "path": "/canarySettings/deploymentId", "value": "nope12"},
        )
    assert caught.value.response["Error"]["Code"] == "BadRequestException"
    assert "canarySettings" not in _stage(api)


def test_create_stage_with_canary_settings(aws: Aws) -> None:
    api = RestApi(aws)
    main = api.client.create_deployment(restApiId=api.id)["id"]
    canary = api.client.create_deployment(restApiId=api.id)["id"]
    created = api.client.create_stage(
        restApiId=api.id,
        stageName="beta",
        deploymentId=main,
        canarySettings={"deploymentId": canary, "percentTraffic": 50.0},
    )
    assert created["canarySettings"]["deploymentId"] == canary
    assert _stage(api, "beta")["canarySettings"]["percentTraffic"] == 50.0
    with pytest.raises(ClientError) as caught:
        api.client.create_stage(
            restApiId=api.id,
            stageName="qa",
            deploymentId=main,
            canarySettings={"deploymentId": "nope12"},
        )
    assert caught.value.response["Error"]["Code"] == "BadRequestException"
