"""Small boto3 edits that drift the clean world, the way someone in the console would."""

from __future__ import annotations

import json
from typing import Any

from auditor.emulator.documents import cognito_trust_policy
from tests.support.world import REST_STAGE, World


def provider(world: World) -> str:
    return world.seeded.provider_name()


def token_mapping(ambiguous: str = "AuthenticatedRole") -> dict[str, Any]:
    return {"Type": "Token", "AmbiguousRoleResolution": ambiguous}


def rules_mapping(world: World, ambiguous: str = "AuthenticatedRole") -> dict[str, Any]:
    return {
        "Type": "Rules",
        "AmbiguousRoleResolution": ambiguous,
        "RulesConfiguration": {
            "Rules": [
                {
                    "Claim": "cognito:groups",
                    "MatchType": "Contains",
                    "Value": "admin",
                    "RoleARN": world.role("app-admin"),
                },
                {
                    "Claim": "cognito:groups",
                    "MatchType": "Equals",
                    "Value": "editors",
                    "RoleARN": world.role("app-editors"),
                },
            ]
        },
    }


def set_pool_roles(world: World, roles: dict[str, str], mapping: dict[str, Any] | None) -> None:
    args: dict[str, Any] = {"IdentityPoolId": world.pool_id, "Roles": roles}
    if mapping is not None:
        args["RoleMappings"] = {provider(world): mapping}
    world.client("cognito-identity").set_identity_pool_roles(**args)


def update_pool(world: World, **changes: Any) -> None:
    """UpdateIdentityPool takes the whole pool: send it back with the changes."""
    client = world.client("cognito-identity")
    pool = client.describe_identity_pool(IdentityPoolId=world.pool_id)
    pool.pop("ResponseMetadata", None)
    pool.update(changes)
    client.update_identity_pool(**pool)


def update_group(world: World, name: str, **changes: Any) -> None:
    """UpdateGroup resets what it is not given, as on AWS: send the group back changed."""
    client = world.client("cognito-idp")
    group = client.get_group(GroupName=name, UserPoolId=world.user_pool_id)["Group"]
    args = {
        k: group[k]
        for k in ("GroupName", "UserPoolId", "RoleArn", "Precedence", "Description")
        if k in group
    }
    args.update(changes)
    client.update_group(**args)


def set_trust(world: World, role: str, statement: dict[str, Any]) -> None:
    document = {"Version": "2012-10-17", "Statement": [statement]}
    world.client("iam").update_assume_role_policy(
        RoleName=role, PolicyDocument=json.dumps(document)
    )


def trust_statement(
    world: World,
    *,
    aud: str | None = "pool",
    amr: bool = True,
    action: str = "sts:AssumeRoleWithWebIdentity",
    principal: Any = None,
) -> dict[str, Any]:
    condition: dict[str, Any] = {}
    if aud is not None:
        value = world.pool_id if aud == "pool" else aud
        condition["StringEquals"] = {"cognito-identity.amazonaws.com:aud": value}
    if amr:
        condition["ForAnyValue:StringLike"] = {
            "cognito-identity.amazonaws.com:amr": "authenticated"
        }
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": principal or {"Federated": "cognito-identity.amazonaws.com"},
        "Action": action,
    }
    if condition:
        statement["Condition"] = condition
    return statement


def put_inline(
    world: World,
    role: str,
    name: str,
    *resources: str,
    effect: str = "Allow",
    key: str = "Resource",
) -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": effect, "Action": "execute-api:Invoke", key: list(resources)}],
    }
    world.client("iam").put_role_policy(
        RoleName=role, PolicyName=name, PolicyDocument=json.dumps(document)
    )


def create_role(world: World, name: str, amr: str = "authenticated") -> str:
    iam = world.client("iam")
    arn: str = iam.create_role(
        RoleName=name, AssumeRolePolicyDocument=json.dumps(cognito_trust_policy(world.pool_id, amr))
    )["Role"]["Arn"]
    world.seeded.role_arns[name] = arn
    return arn


def deploy_rest(world: World) -> None:
    """Deploy the REST API's definition to its stage: only then does a change go live."""
    world.api_client("apigateway").create_deployment(restApiId=world.rest_id, stageName=REST_STAGE)


def set_rest_authorization(world: World, route: str, auth: str, *, deploy: bool) -> None:
    """Change an existing method's authorization (UpdateMethod), deployed or not."""
    api = world.api_client("apigateway")
    method, path = route.split(" ", 1)
    api.update_method(
        restApiId=world.rest_id,
        resourceId=_rest_resources(world)[path],
        httpMethod=method,
        patchOperations=[{"op": "replace", "path": "/authorizationType", "value": auth}],
    )
    if deploy:
        deploy_rest(world)


def _rest_resources(world: World) -> dict[str, str]:
    api = world.api_client("apigateway")
    return {
        r["path"]: r["id"] for r in api.get_resources(restApiId=world.rest_id, limit=500)["items"]
    }


def add_rest_route(world: World, route: str, auth: str) -> None:
    """A new method on the REST API (creating its resources), with a mock integration,
    deployed to the stage: a live change."""
    api = world.api_client("apigateway")
    method, path = route.split(" ", 1)
    resources = _rest_resources(world)
    parent = "/"
    for part in [p for p in path.split("/") if p]:
        current = parent.rstrip("/") + "/" + part
        if current not in resources:
            resources[current] = api.create_resource(
                restApiId=world.rest_id, parentId=resources[parent], pathPart=part
            )["id"]
        parent = current
    extra: dict[str, Any] = {}
    if auth == "CUSTOM":
        extra["authorizerId"] = api.create_authorizer(
            restApiId=world.rest_id,
            name="lambda",
            type="TOKEN",
            authorizerUri="arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
            f"arn:aws:lambda:us-east-1:{world.seeded.account_id}:function:authz/"
            "invocations",
            identitySource="method.request.header.Authorization",
        )["id"]
    api.put_method(
        restApiId=world.rest_id,
        resourceId=resources[parent],
        httpMethod=method,
        authorizationType=auth,
        **extra,
    )
    api.put_integration(
        restApiId=world.rest_id, resourceId=resources[parent], httpMethod=method, type="MOCK"
    )
    deploy_rest(world)


def delete_rest_resource(world: World, path: str) -> None:
    """Delete a resource and its methods, and deploy: gone from the stage too."""
    api = world.api_client("apigateway")
    api.delete_resource(restApiId=world.rest_id, resourceId=_rest_resources(world)[path])
    deploy_rest(world)


def set_rest_policy(world: World, document: dict[str, Any]) -> None:
    world.api_client("apigateway").update_rest_api(
        restApiId=world.rest_id,
        patchOperations=[{"op": "replace", "path": "/policy", "value": json.dumps(document)}],
    )
