"""What the template deployer (deploy_template.py) creates, in which order, with which
values: the references between resources, an order that creates each after those it
refers to, and property values typed as CloudFormation types them."""

from __future__ import annotations

from typing import Any

from auditor.emulator.deploy_template_apis import DeployError
from auditor.template.model import Application, Resource
from auditor.template.references import references

# Deployments freeze the methods and routes that exist when they are created.
_AFTER_EVERY = {
    "AWS::ApiGateway::Deployment": ("AWS::ApiGateway::Method",),
    "AWS::ApiGatewayV2::Deployment": ("AWS::ApiGatewayV2::Route",),
    "AWS::ApiGatewayV2::Stage": ("AWS::ApiGatewayV2::Route",),  # AutoDeploy serves them
}


def deployment_order(app: Application) -> list[Resource]:
    """Every resource after those it refers to (and deployments after the methods)."""
    resources = app.resources
    needs: dict[str, set[str]] = {
        lid: {ref for ref in references(dict(r.properties)) if ref in resources and ref != lid}
        for lid, r in resources.items()
    }
    for lid, resource in resources.items():
        for earlier in _AFTER_EVERY.get(resource.type, ()):
            needs[lid] |= {other for other, r in resources.items() if r.type == earlier}
    order: list[Resource] = []
    state: dict[str, str] = {}  # "visiting" | "done"

    def visit(lid: str, path: tuple[str, ...]) -> None:
        if state.get(lid) == "done":
            return
        if state.get(lid) == "visiting":
            raise DeployError(f"circular references: {' -> '.join((*path, lid))}")
        state[lid] = "visiting"
        for need in sorted(needs[lid]):
            visit(need, (*path, lid))
        state[lid] = "done"
        order.append(resources[lid])

    for lid in resources:
        visit(lid, ())
    return order


# CloudFormation converts text to the type its resource schemas give a property ("true" ->
# true, "10" -> 10); boto3 would refuse the text. These are the properties of the types
# deployed here that take a boolean or an integer, at any depth.
_BOOLEANS = frozenset(
    {
        "AllowClassicFlow",
        "AllowUnauthenticatedIdentities",
        "ServerSideTokenCheck",
        "GenerateSecret",
        "AllowAdminCreateUserOnly",
        "Mutable",
        "Required",
        "DeveloperOnlyAttribute",
        "AutoDeploy",
        "ApiKeyRequired",
    }
)
_INTEGERS = frozenset({"Precedence", "MaxSessionDuration"})


def typed(key: str, value: Any) -> Any:
    """`value` of property `key` with text booleans and integers converted, as
    CloudFormation converts them."""
    if isinstance(value, dict):
        return {k: typed(k, v) for k, v in value.items()}
    if isinstance(value, list):
        return [typed(key, item) for item in value]
    if isinstance(value, str) and key in _BOOLEANS and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if isinstance(value, str) and key in _INTEGERS and value.lstrip("-").isdigit():
        return int(value)
    return value
