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
- Canary releases are ignored (moto even reads `/canarySettings/deploymentId` in UpdateStage
  as the stage's own deploymentId). Here, per the botocore model and AWS's canary release
  guide: CreateDeployment with `canarySettings` (DeploymentCanarySettings) makes the new
  deployment the canary of the named stage, which must exist ("you cannot specify any
  non-existing stage name when creating a canary release deployment"), leaving the stage's
  own deployment as it was; CreateStage takes `canarySettings` (CanarySettings, with its
  deploymentId); GetStage(s) return `canarySettings`; UpdateStage `replace`s
  `/canarySettings/percentTraffic`, `/useStageCache`, `/deploymentId` and
  `/stageVariableOverrides/<name>` (also `remove` of the last), turns the canary off with
  `remove /canarySettings`, and promotes it with `copy` from `/canarySettings/deploymentId`
  to `/deploymentId` (and from `/canarySettings/stageVariableOverrides` to `/variables`).
  Assumed where the guide does not say: the error for a missing stage is moto's
  NotFoundException "Invalid stage identifier specified", an unknown canary deployment id is
  a BadRequestException as for the stage's own, and a `replace` on a stage without a canary
  starts one on the stage's current deployment (as the console's "Create canary" does).

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
    _install_canary_settings()


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
        if any(deployment_id in _pointers(stage) for stage in self.stages.values()):
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
        operations = list(patch_operations or [])
        for op in operations:
            if op.get("path") == "/deploymentId" and op.get("op") != "copy":
                _check(self, function_id, op.get("value") or "")
        canary = [op for op in operations if _about_canary(op)]
        if canary:  # validated in full before anything changes, as AWS applies a patch
            stage = self.get_stage(function_id, stage_name)
            known = self.get_rest_api(function_id).deployments
            _apply_canary(stage, canary, known)
        rest = [op for op in operations if not _about_canary(op)]
        return original_update(self, function_id, stage_name, rest)

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


# --- canary releases ---------------------------------------------------------------------

_CANARY = "/canarySettings"
# The copies that promote a canary: its deployment, then its stage variables.
_PROMOTE = (f"{_CANARY}/deploymentId", "/deploymentId")
_PROMOTE_VARIABLES = (f"{_CANARY}/stageVariableOverrides", "/variables")


def _pointers(stage: Any) -> set[str]:
    """The deployments a stage serves: its own and its canary's."""
    canary = getattr(stage, "ext_canary", None) or {}
    return {stage.deployment_id, canary.get("deploymentId")} - {None}


def _about_canary(op: dict[str, Any]) -> bool:
    return str(op.get("path", "")).startswith(_CANARY) or op.get("op") == "copy"


def _new_canary(deployment_id: str, settings: dict[str, Any]) -> dict[str, Any]:
    canary: dict[str, Any] = {
        "deploymentId": deployment_id,
        "percentTraffic": float(settings.get("percentTraffic") or 0.0),
        "useStageCache": bool(settings.get("useStageCache", False)),
    }
    if settings.get("stageVariableOverrides"):
        canary["stageVariableOverrides"] = dict(settings["stageVariableOverrides"])
    return canary


def _apply_canary(stage: Any, operations: list[dict[str, Any]], known: dict[str, Any]) -> None:
    """UpdateStage's canary operations, all or nothing."""
    canary = dict(getattr(stage, "ext_canary", None) or {})
    deployment_id, variables = stage.deployment_id, dict(stage.variables)
    for op in operations:
        kind, path, value = op.get("op"), str(op.get("path", "")), op.get("value")
        copied = (op.get("from"), path) if kind == "copy" else None
        if copied == _PROMOTE:
            deployment_id = canary.get("deploymentId", deployment_id)
        elif copied == _PROMOTE_VARIABLES:
            variables.update(canary.get("stageVariableOverrides", {}))
        elif kind == "remove" and path == _CANARY:
            canary = {}
        elif kind in ("replace", "remove") and path.startswith(f"{_CANARY}/"):
            canary = canary or _new_canary(stage.deployment_id, {})
            _set_canary_field(canary, kind, path.removeprefix(f"{_CANARY}/"), value, known)
        else:
            raise _bad_request(f"Invalid patch operation specified: {kind} {path}")
    stage.ext_canary = canary or None
    stage.deployment_id, stage.variables = deployment_id, variables


def _set_canary_field(
    canary: dict[str, Any], kind: str, field: str, value: Any, known: dict[str, Any]
) -> None:
    if field.startswith("stageVariableOverrides/"):
        overrides = canary.setdefault("stageVariableOverrides", {})
        name = field.removeprefix("stageVariableOverrides/")
        if kind == "remove":
            overrides.pop(name, None)
        else:
            overrides[name] = value
    elif kind != "replace":
        raise _bad_request(f"Invalid patch operation specified: {kind} {_CANARY}/{field}")
    elif field == "percentTraffic":
        if not 0.0 <= float(value) <= 100.0:
            raise _bad_request("percentTraffic must be between 0.0 and 100.0")
        canary["percentTraffic"] = float(value)
    elif field == "useStageCache":
        canary["useStageCache"] = str(value).lower() == "true"
    elif field == "deploymentId":
        if value not in known:
            raise _bad_request("Deployment id does not exist")
        canary["deploymentId"] = value
    else:
        raise _bad_request(f"Invalid patch path {_CANARY}/{field}")


def _install_canary_settings() -> None:
    from moto.apigateway.exceptions import StageNotFoundException
    from moto.apigateway.models import RestAPI, Stage
    from moto.apigateway.responses import APIGatewayResponse

    original_to_json = Stage.to_json
    original_create_deployment = APIGatewayResponse.create_deployment
    original_create_stage = APIGatewayResponse.create_stage

    def stage_to_json(self: Any) -> dict[str, Any]:
        body: dict[str, Any] = original_to_json(self)
        if getattr(self, "ext_canary", None):
            body["canarySettings"] = dict(self.ext_canary)
        return body

    def create_deployment(self: Any) -> Any:
        settings = self._get_param("canarySettings")
        if settings is None:
            return original_create_deployment(self)
        rest_api = self.backend.get_rest_api(self.path.split("/")[2])
        stage = rest_api.stages.get(self._get_param("stageName") or "")
        if stage is None:
            raise StageNotFoundException()
        # Without a stage name moto creates no stage: the stage keeps its own deployment.
        deployment = RestAPI.create_deployment(rest_api, "", self._get_param("description"))
        stage.ext_canary = _new_canary(deployment.id, settings)
        return 201, {"status": 201}, json.dumps(deployment.to_json())

    def create_stage(self: Any) -> Any:
        settings = self._get_param("canarySettings")
        api_id = self.path.split("/")[2]
        canary_id = (settings or {}).get("deploymentId") or self._get_param("deploymentId")
        if settings is not None and canary_id not in self.backend.get_rest_api(api_id).deployments:
            raise _bad_request("Deployment id does not exist")
        status, headers, body = original_create_stage(self)
        if settings is not None:
            stage = self.backend.get_stage(api_id, self._get_param("stageName"))
            stage.ext_canary = _new_canary(canary_id, settings)
            body = json.dumps(stage.to_json())
        return status, headers, body

    patch(Stage, "to_json", stage_to_json)
    patch(APIGatewayResponse, "create_deployment", create_deployment)
    patch(APIGatewayResponse, "create_stage", create_stage)
