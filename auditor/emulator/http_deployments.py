"""HTTP API (apigatewayv2) deployments, stage pointers and ExportApi, which moto 5.2 lacks.

Per the botocore model (apigatewayv2 2018-11-29):
- CreateDeployment (POST /v2/apis/{apiId}/deployments) freezes the routes, their
  authorization and authorizers; with StageName it points that stage at the deployment.
  GetDeployment, GetDeployments (one page) describe them.
- CreateStage, GetStage(s) and UpdateStage (PATCH, which moto lacks) carry AutoDeploy and
  DeploymentId. A stage serves the deployment its DeploymentId names; an auto-deploy stage's
  DeploymentId "can't be updated if autoDeploy is enabled" (the model): BadRequestException.
- Automatic deployments: "changes to an API are automatically released" to an auto-deploy
  stage (developer guide, HTTP API stages). Each is a deployment with AutoDeployed true and
  the description "Automatic deployment triggered by changes to the Api configuration"
  (the AWS CLI's get-deployment example) that the stage's DeploymentId then names, with
  LastDeploymentStatusMessage "Successfully deployed stage with deployment ID '<id>'" (its
  get-stages example); the model documents that message for auto-deploy stages only. One
  that fails leaves the DeploymentId as it was, with the message "Deployment attempt failed:
  Unable to deploy API because no routes exist in this API" when the API has no routes (not
  documented: the text public code polling GetStage compares the message with).
- ExportApi (GET /v2/apis/{apiId}/exports/{specification}, outputType, stageName,
  includeExtensions): the OpenAPI 3.0 document (`auditor.emulator.openapi`) of what the stage
  serves, or of the latest definition without stageName.
Assumed where neither the model nor what we could find says: CreateDeployment with the
StageName of an auto-deploy stage, or a CreateStage with both AutoDeploy and DeploymentId,
is a BadRequestException like UpdateStage's; a deployment id that does not exist is a
NotFoundException; exporting a stage that has no deployment is a BadRequestException. An
auto-deploy stage is deployed when it is created or turned to auto-deploy (a Terraform
acceptance test sees its DeploymentId set "asynchronously" after enabling auto-deploy) and
after each change to the API's routes, authorizers or integrations, each stage with its own
deployment; AWS deploys asynchronously (the CLI example lists an auto-deploy stage without
a DeploymentId), here at once. The message is dropped from a stage no longer auto-deploying.
Not emulated: DeleteDeployment, and deployments failing for another reason than no routes.
"""

from __future__ import annotations

import json
import string
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

import yaml

from auditor.emulator.extensions import patch
from auditor.emulator.openapi import RouteSnapshot, export_document, route_snapshots

_API = r"{0}/v2/apis/(?P<api_id>[^/]+)"
_NEW_PATHS = (
    _API + "/deployments$",
    _API + "/deployments/(?P<deployment_id>[^/]+)$",
    _API + "/exports/(?P<specification>[^/]+)$",
)
_STAGE_SETTINGS = {  # UpdateStage body -> moto Stage attribute
    "description": "description",
    "stageVariables": "stage_variables",
    "routeSettings": "route_settings",
    "defaultRouteSettings": "default_route_settings",
    "accessLogSettings": "access_log_settings",
}


AUTO_DESCRIPTION = "Automatic deployment triggered by changes to the Api configuration"
NO_ROUTES = "Deployment attempt failed: Unable to deploy API because no routes exist in this API"


@dataclass
class HttpDeployment:
    id: str
    description: str | None
    created: datetime
    routes: list[RouteSnapshot]
    auto_deployed: bool = False

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "deploymentId": self.id,
            "deploymentStatus": "DEPLOYED",
            "autoDeployed": self.auto_deployed,
            "createdDate": _iso(self.created),
        }
        if self.description:
            body["description"] = self.description
        return body


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _bad_request(message: str) -> Exception:
    from moto.apigatewayv2.exceptions import BadRequestException

    return BadRequestException(message)


def _deployments(api: Any) -> dict[str, HttpDeployment]:
    if not hasattr(api, "ext_deployments"):
        api.ext_deployments = {}
    found: dict[str, HttpDeployment] = api.ext_deployments
    return found


def _deployment(api: Any, deployment_id: str) -> HttpDeployment:
    found = _deployments(api).get(deployment_id)
    if found is None:
        from moto.core.exceptions import JsonRESTError

        error = JsonRESTError(
            "NotFoundException", f"Invalid Deployment identifier specified {deployment_id}"
        )
        error.code = 404
        raise error
    return found


def _new_id(taken: dict[str, HttpDeployment]) -> str:
    from moto.moto_api._internal import mock_random as random  # seedable, like moto's ids

    alphabet = string.ascii_lowercase + string.digits
    while True:
        candidate = "".join(random.choice(alphabet) for _ in range(6))
        if candidate not in taken:
            return candidate


def _check_pointer(api: Any, stage_name: str, deployment_id: str, auto_deploy: bool) -> None:
    """May a stage point at this deployment? Not when it auto-deploys, nor at one unknown."""
    if auto_deploy:
        raise _bad_request(
            f"Stage {stage_name} has autoDeploy enabled: its DeploymentId can't be updated"
        )
    _deployment(api, deployment_id)


def _new_deployment(api: Any, description: str | None, *, auto: bool = False) -> HttpDeployment:
    """A deployment of the API's routes as they are now."""
    taken = _deployments(api)
    deployment = HttpDeployment(
        id=_new_id(taken),
        description=description,
        created=datetime.now(UTC),
        routes=route_snapshots(api),
        auto_deployed=auto,
    )
    taken[deployment.id] = deployment
    return deployment


def _auto_deploy(api: Any, stage: Any) -> None:
    """What AWS does for an auto-deploy stage after a change: deploy the API to it, or fail
    and leave it on the deployment it had."""
    if not api.routes:
        stage.ext_status_message = NO_ROUTES
    else:
        deployment = _new_deployment(api, AUTO_DESCRIPTION, auto=True)
        stage.ext_deployment_id = deployment.id
        stage.ext_status_message = (
            f"Successfully deployed stage with deployment ID '{deployment.id}'"
        )
    stage.updated = datetime.now()  # moto's stage dates are naive local times


def _changed(api: Any) -> None:
    """The API's configuration changed: each auto-deploy stage gets its own deployment."""
    for stage in api.stages.values():
        if stage.auto_deploy:
            _auto_deploy(api, stage)


def _serving(api: Any, stage: Any) -> tuple[list[RouteSnapshot], datetime]:
    """What a stage serves and since when: its deployment's routes, auto-deploy or not."""
    deployment_id = getattr(stage, "ext_deployment_id", None)
    if deployment_id is None:
        raise _bad_request(f"Stage {stage.name} has no deployment to export")
    deployment = _deployment(api, deployment_id)
    return deployment.routes, deployment.created


def install() -> None:
    from moto.apigatewayv2 import urls
    from moto.apigatewayv2.models import Api, Stage
    from moto.apigatewayv2.responses import ApiGatewayV2Response

    for path in _NEW_PATHS:  # read when moto builds the service's app, after this
        urls.url_paths.setdefault(path, ApiGatewayV2Response.dispatch)

    original_to_json = Stage.to_json
    original_create_stage = Api.create_stage

    def stage_to_json(self: Any) -> dict[str, Any]:
        body: dict[str, Any] = original_to_json(self)
        if getattr(self, "ext_deployment_id", None):
            body["deploymentId"] = self.ext_deployment_id
        if self.auto_deploy and getattr(self, "ext_status_message", None):
            body["lastDeploymentStatusMessage"] = self.ext_status_message
        return body

    def create_stage(self: Any, config: dict[str, Any]) -> Any:
        deployment_id = config.get("deploymentId")
        if deployment_id is not None:
            _check_pointer(self, config["stageName"], deployment_id, bool(config.get("autoDeploy")))
        stage: Any = original_create_stage(self, config)
        stage.ext_deployment_id = deployment_id
        if stage.auto_deploy:
            _auto_deploy(self, stage)
        return stage

    patch(Stage, "to_json", stage_to_json)
    patch(Api, "create_stage", create_stage)
    for name in _CONFIGURATION_CHANGES:
        patch(Api, name, _then_auto_deploy(getattr(Api, name)))
    for name, handler in _handlers().items():
        patch(ApiGatewayV2Response, name, handler)


# The moto Api methods that change what a deployment freezes (or, for integrations, what
# AWS counts as a change to the API's configuration).
_CONFIGURATION_CHANGES = (
    "create_route",
    "update_route",
    "delete_route",
    "create_authorizer",
    "update_authorizer",
    "delete_authorizer",
    "create_integration",
    "update_integration",
    "delete_integration",
)


def _then_auto_deploy(method: Callable[..., Any]) -> Callable[..., Any]:
    """`method`, after which the API's auto-deploy stages are deployed."""

    def changed(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = method(self, *args, **kwargs)
        _changed(self)
        return result

    return changed


def _handlers() -> dict[str, Any]:
    """ApiGatewayV2Response methods, by the snake_case name moto dispatches to."""

    def _api(response: Any) -> Any:
        return response.apigatewayv2_backend.get_api(response.path.split("/")[3])

    def create_deployment(self: Any) -> Any:
        api = _api(self)
        params = json.loads(self.body or "{}")
        stage = api.get_stage(params["stageName"]) if params.get("stageName") else None
        if stage is not None and stage.auto_deploy:
            raise _bad_request(f"Stage {stage.name} has autoDeploy enabled: it deploys itself")
        deployment = _new_deployment(api, params.get("description"))
        if stage is not None:
            stage.ext_deployment_id = deployment.id
        return 201, {}, json.dumps(deployment.to_json())

    def get_deployment(self: Any) -> Any:
        deployment = _deployment(_api(self), self.path.split("/")[-1])
        return 200, {}, json.dumps(deployment.to_json())

    def get_deployments(self: Any) -> Any:
        items = [d.to_json() for d in _deployments(_api(self)).values()]
        return 200, {}, json.dumps({"items": items})

    def update_stage(self: Any) -> Any:
        api = _api(self)
        stage = api.get_stage(unquote(self.path.split("/")[-1]))
        params = json.loads(self.body or "{}")
        auto = bool(params.get("autoDeploy", stage.auto_deploy))
        if params.get("deploymentId") is not None:
            _check_pointer(api, stage.name, params["deploymentId"], auto)
            stage.ext_deployment_id = params["deploymentId"]
        turned_on = auto and not stage.auto_deploy
        stage.auto_deploy = auto
        for key, attribute in _STAGE_SETTINGS.items():
            if key in params:
                setattr(stage, attribute, params[key])
        stage.updated = datetime.now()
        if turned_on:
            _auto_deploy(api, stage)
        return 200, {}, json.dumps(stage.to_json())

    def export_api(self: Any) -> Any:
        api = _api(self)
        query = {key: values[0] for key, values in self.querystring.items() if values}
        if self.path.split("/")[-1] != "OAS30":
            raise _bad_request("Invalid specification: only OAS30 is supported")
        output = query.get("outputType")
        if output not in ("JSON", "YAML"):
            raise _bad_request("outputType must be JSON or YAML")
        server = None
        if query.get("stageName"):
            stage = api.get_stage(query["stageName"])
            routes, since = _serving(api, stage)
            server = (api.api_endpoint, stage.name)
        else:
            routes, since = route_snapshots(api), datetime.now(UTC)
        document = export_document(api.name, f"{since:%Y-%m-%d %H:%M:%S}UTC", routes, server)
        if query.get("includeExtensions", "true").lower() == "false":
            document = _without_extensions(document)
        if output == "JSON":
            return 200, {"Content-Type": "application/json"}, json.dumps(document, indent=2)
        return 200, {"Content-Type": "application/yaml"}, yaml.safe_dump(document)

    return {
        "create_deployment": create_deployment,
        "get_deployment": get_deployment,
        "get_deployments": get_deployments,
        "update_stage": update_stage,
        "export_api": export_api,
    }


def _without_extensions(value: Any) -> Any:
    """The document without API Gateway's `x-amazon-apigateway-*` extensions."""
    if isinstance(value, dict):
        return {
            k: _without_extensions(v)
            for k, v in value.items()
            if not str(k).startswith("x-amazon-apigateway")
        }
    if isinstance(value, list):
        return [_without_extensions(v) for v in value]
    return value
