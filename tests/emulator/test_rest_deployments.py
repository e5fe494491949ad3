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
