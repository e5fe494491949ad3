"""What a deployment would give each resource, made up offline (shared decisions of issue
15): the value of `Ref` and of the attributes `Fn::GetAtt` reads, per resource type, named
after the logical id. One place for both the Resolver and build_*.py, so that a group's
RoleArn and the role built from the template name the same ARN."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from auditor.template.model import Identities, Resource

# A resource's property as text (resolved), or None where it is not set.
Named = Callable[[str], str | None]

# The snapshot section a resource type fills: what an Unresolved in it leaves unknown.
_SERVICE_PREFIXES = (
    ("AWS::IAM::", "iam"),
    ("AWS::Cognito::IdentityPool", "cognito-identity"),
    ("AWS::Cognito::", "cognito-idp"),
    ("AWS::ApiGatewayV2::", "apigatewayv2"),
    ("AWS::ApiGateway::", "apigateway"),
)


def service_of(resource_type: str) -> str:
    return next((s for prefix, s in _SERVICE_PREFIXES if resource_type.startswith(prefix)), "iam")


def url_suffix(identities: Identities) -> str:
    return "amazonaws.com.cn" if identities.partition == "aws-cn" else "amazonaws.com"


def root_resource_id(api_id: str) -> str:
    """The made-up id of a REST API's root resource (GetAtt Api.RootResourceId)."""
    return f"{api_id}Root"


def made_up_ref(resource: Resource, ids: Identities, named: Named) -> str:
    """What Ref returns for `resource` once deployed, made up from its logical id (or the
    name it sets)."""
    lid, kind = resource.logical_id, resource.type
    if kind == "AWS::Cognito::UserPool":
        return f"{ids.region}_{lid}"
    if kind == "AWS::Cognito::IdentityPool":
        # Shaped like the ids Cognito makes (a baseline's schema insists on it), and stable:
        # a UUID derived from the logical id.
        return f"{ids.region}:{uuid.uuid5(uuid.NAMESPACE_URL, lid)}"
    if kind == "AWS::Cognito::UserPoolGroup":
        # Without GroupName CloudFormation generates a name we cannot know: the logical id
        # stands for it (a baseline naming the group otherwise reports it missing).
        return named("GroupName") or lid
    if kind == "AWS::IAM::Role":
        return named("RoleName") or lid
    if kind == "AWS::IAM::ManagedPolicy":
        name = named("ManagedPolicyName") or lid
        return f"arn:{ids.partition}:iam::{ids.account_id}:policy{named('Path') or '/'}{name}"
    if kind in ("AWS::ApiGateway::Stage", "AWS::ApiGatewayV2::Stage"):
        return named("StageName") or lid
    return lid


def made_up_attribute(
    resource: Resource, name: str, ref: str, ids: Identities, named: Named
) -> str | None:
    """What `Fn::GetAtt resource.name` returns, given its Ref value; None for an attribute
    not modelled (it stays unresolved)."""
    kind, arn = resource.type, f"arn:{ids.partition}"
    if kind == "AWS::IAM::Role":
        if name != "Arn":
            return None  # RoleId is AWS's own
        return f"{arn}:iam::{ids.account_id}:role{named('Path') or '/'}{ref}"
    if kind == "AWS::Cognito::UserPool":
        provider = f"cognito-idp.{ids.region}.{url_suffix(ids)}/{ref}"
        return {
            "Arn": f"{arn}:cognito-idp:{ids.region}:{ids.account_id}:userpool/{ref}",
            "ProviderName": provider,
            "ProviderURL": f"https://{provider}",
            "UserPoolId": ref,
        }.get(name)
    if kind == "AWS::Cognito::IdentityPool":
        return {"Id": ref, "Name": named("IdentityPoolName")}.get(name)
    if kind == "AWS::ApiGateway::RestApi":
        return {"RestApiId": ref, "RootResourceId": root_resource_id(ref)}.get(name)
    if kind == "AWS::ApiGatewayV2::Api":
        endpoint = f"https://{ref}.execute-api.{ids.region}.{url_suffix(ids)}"
        return {"ApiId": ref, "ApiEndpoint": endpoint}.get(name)
    plain_ids = {
        "AWS::IAM::ManagedPolicy": "PolicyArn",
        "AWS::Cognito::UserPoolClient": "ClientId",
        "AWS::ApiGateway::Resource": "ResourceId",
    }
    return ref if plain_ids.get(kind) == name else None
