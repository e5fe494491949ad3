"""REST API (apigateway) deployments as AWS keeps them: a stage serves a frozen copy.

What moto 5.2 lacks (checked against its source and the botocore model, apigateway
2015-07-09):
- CreateDeployment records only an id: nothing of the methods. A deployment here freezes
  each method's `authorizationType` and `apiKeyRequired` at CreateDeployment time, and
  GetDeployment with `embed=apisummary` returns them as `apiSummary` (path -> verb ->
  MethodSnapshot), as deployed; later PutMethod/UpdateMethod change the definition only.
- CreateDeployment with the name of an existing stage replaces the stage (its settings lost);
  on AWS it moves that stage to the new deployment.
- GetDeployment of an unknown id is an internal error (HTTP 500), not NotFoundException.
- CreateStage and UpdateStage (`/deploymentId`) accept any deployment id; AWS answers
  BadRequestException "Deployment id does not exist" (seen in public issue threads).
- DeleteDeployment checks the stage named at creation only; AWS refuses while any stage
  points at the deployment.
- UpdateMethod is not implemented at all: here `replace` of `/authorizationType`,
  `/authorizerId`, `/apiKeyRequired` and `/operationName`, with AWS's rule that CUSTOM and
  COGNITO_USER_POOLS need an authorizer of the API.

State lives on moto's own objects, so a reset clears it with the rest.
"""

from __future__ import annotations

import json
from typing import Any

from auditor.emulator.extensions import patch

_AUTHORIZATION_TYPES = ("NONE", "AWS_IAM", "CUSTOM", "COGNITO_USER_POOLS")
_NEEDS_AUTHORIZER = ("CUSTOM", "COGNITO_USER_POOLS")


def api_summary(rest_api: Any) -> dict[str, dict[str, dict[str, Any]]]:
    """path -> verb -> MethodSnapshot of every method the API defines now."""
    return {
        resource.get_path(): {
            verb: {
                "authorizationType": method.authorization_type,
                "apiKeyRequired": bool(method.api_key_required),
            }
            for verb, method in resource.resource_methods.items()
        }
        for resource in rest_api.resources.values()
        if resource.resource_methods
    }


def install() -> None:
    _install_deployments()
    _install_stage_pointers()
    _install_update_method()


def _bad_request(message: str) -> Exception:
    from moto.apigateway.exceptions import BadRequestException

    return BadRequestException(message)


def _install_deployments() -> None:
    from moto.apigateway.exceptions import DeploymentNotFoundException
    from moto.apigateway.models import RestAPI
    from moto.apigateway.responses import APIGatewayResponse

    original_create = RestAPI.create_deployment

    def create_deployment(
        self: Any, name: str, description: str, stage_variables: Any = None
    ) -> Any:
        existing = self.stages.get(name) if name else None
        deployment: Any = original_create(self, name, description, stage_variables)
        deployment.ext_api_summary = api_summary(self)
        if existing is not None:  # a redeploy moves the stage, keeping its settings
            existing.deployment_id = deployment.id
            existing.variables.update(stage_variables or {})
            self.stages[name] = existing
        return deployment

    def delete_deployment(self: Any, deployment_id: str) -> Any:
        if deployment_id not in self.deployments:
            raise DeploymentNotFoundException()
        if any(stage.deployment_id == deployment_id for stage in self.stages.values()):
            raise _bad_request("Active stages pointing to this deployment must be moved or deleted")
        return self.deployments.pop(deployment_id)

    def get_deployment(self: Any) -> str:
        parts = self.path.split("/")
        rest_api = self.backend.get_rest_api(parts[2])
        deployment = rest_api.deployments.get(parts[4])
        if deployment is None:
            raise DeploymentNotFoundException()
        body: dict[str, Any] = deployment.to_json()
        # botocore repeats the parameter for each item; the REST API also takes a comma list.
        embed = {item for value in self.querystring.get("embed", []) for item in value.split(",")}
        if "apisummary" in embed:
            body["apiSummary"] = getattr(deployment, "ext_api_summary", {})
        return json.dumps(body)

    patch(RestAPI, "create_deployment", create_deployment)
    patch(RestAPI, "delete_deployment", delete_deployment)
    patch(APIGatewayResponse, "get_deployment", get_deployment)


def _install_stage_pointers() -> None:
    from moto.apigateway.models import APIGatewayBackend

    original_create = APIGatewayBackend.create_stage
    original_update = APIGatewayBackend.update_stage

    def _check(backend: Any, api_id: str, deployment_id: str) -> None:
        if deployment_id not in backend.get_rest_api(api_id).deployments:
            raise _bad_request("Deployment id does not exist")

    def create_stage(
        self: Any, function_id: str, stage_name: str, deployment_id: str, **settings: Any
    ) -> Any:
        _check(self, function_id, deployment_id)
        return original_create(self, function_id, stage_name, deployment_id, **settings)

    def update_stage(self: Any, function_id: str, stage_name: str, patch_operations: Any) -> Any:
        for op in patch_operations or []:
            if op.get("path") == "/deploymentId":
                _check(self, function_id, op.get("value") or "")
        return original_update(self, function_id, stage_name, patch_operations)

    patch(APIGatewayBackend, "create_stage", create_stage)
    patch(APIGatewayBackend, "update_stage", update_stage)


def _install_update_method() -> None:
    from moto.apigateway.responses import APIGatewayResponse

    def update_method(self: Any) -> str:
        parts = self.path.split("/")
        api_id = parts[2]
        method = self.backend.get_method(api_id, parts[4], parts[6])
        changes = _method_changes(self._get_param("patchOperations") or [])
        kind = changes.get("authorization_type", method.authorization_type)
        authorizer = changes.get("authorizer_id", method.authorizer_id)
        if (
            kind in _NEEDS_AUTHORIZER
            and authorizer not in self.backend.get_rest_api(api_id).authorizers
        ):
            raise _bad_request(
                "Invalid authorizer ID specified. Setting the authorization type to CUSTOM or "
                "COGNITO_USER_POOLS requires a valid authorizer."
            )
        for name, value in changes.items():  # all or nothing, as AWS applies a patch
            setattr(method, name, value)
        return json.dumps(method.to_json())

    patch(APIGatewayResponse, "update_method", update_method)


def _method_changes(operations: list[dict[str, Any]]) -> dict[str, Any]:
    """The Method attributes an UpdateMethod patch sets; a BadRequestException for any other."""
    changes: dict[str, Any] = {}
    for op in operations:
        path, value = op.get("path"), op.get("value")
        if op.get("op") != "replace":
            raise _bad_request(f"Invalid patch operation specified: {op.get('op')} {path}")
        if path == "/authorizationType":
            if value not in _AUTHORIZATION_TYPES:
                raise _bad_request(f"Invalid authorization type specified: {value}")
            changes["authorization_type"] = value
        elif path == "/authorizerId":
            changes["authorizer_id"] = value
        elif path == "/apiKeyRequired":
            changes["api_key_required"] = str(value).lower() == "true"
        elif path == "/operationName":
            changes["operation_name"] = value
        else:
            raise _bad_request(f"Invalid patch path {path}")
    return changes
