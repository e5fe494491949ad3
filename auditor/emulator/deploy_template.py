"""Deploy a template's access resources into the emulator, as CloudFormation would.

moto's CloudFormation does not create Cognito resources, so this small deployer does what a
stack create does for the types the auditor reads (AWS-FACTS §9): IAM roles and policies,
the user pool with its groups and app clients, the identity pool and its role attachment,
REST APIs (resources, methods, deployments, stages, or an OpenAPI Body) and HTTP APIs
(routes, stages). Every other type (functions, permissions...) is skipped: it gets a
made-up physical id in case something refers to it.

CloudFormation properties are mapped to API parameters here, independently of
auditor.template.build: the equivalence test (tests/template/test_live_equivalence.py)
compares the live audit of what this deploys with the template audit, so the two must not
share the mapping. Only intrinsic functions are resolved with auditor.template's Resolver,
with the physical ids known so far.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import boto3

from auditor.emulator.deploy_template_apis import ApiDeployer, DeployError
from auditor.emulator.deploy_template_plan import deployment_order, typed
from auditor.template.intrinsics import Resolver
from auditor.template.model import Application, Identities, Resource, Unresolved

__all__ = [
    "DeployError",
    "Deployed",
    "deploy_application",
    "deployment_order",
    "generated_name",
    "typed",
]


@dataclass
class Deployed:
    """What the deployment made: the Ref value and the attributes of each logical id."""

    account_id: str
    region: str
    partition: str
    stack_name: str
    physical: dict[str, str] = field(default_factory=dict)
    attributes: dict[tuple[str, str], str] = field(default_factory=dict)
    # (logical id of the role, policy ARN): AWS managed policies the emulator does not have
    # (moto loads none by default), left unattached; a test says whether that matters.
    not_attached: list[tuple[str, str]] = field(default_factory=list)

    def identities(self) -> Identities:
        return Identities(
            account_id=self.account_id,
            region=self.region,
            partition=self.partition,
            stack_name=self.stack_name,
            physical=dict(self.physical),
            attributes=dict(self.attributes),
        )

    def arn(self, service: str, tail: str, *, region: bool = True) -> str:
        where = self.region if region else ""
        return f"arn:{self.partition}:{service}:{where}:{self.account_id}:{tail}"


def generated_name(stack_name: str, logical_id: str, limit: int = 64) -> str:
    """A name as CloudFormation makes one: `<stack>-<LogicalId>-<SUFFIX>`; the suffix is a
    digest of both (not random) so that a test can be repeated."""
    suffix = hashlib.sha256(f"{stack_name}/{logical_id}".encode()).hexdigest()[:12].upper()
    head = f"{stack_name}-{logical_id}"[: limit - len(suffix) - 1]
    return f"{head}-{suffix}"


class _Deployment:
    def __init__(
        self, app: Application, session: boto3.Session, endpoint_url: str | None, stack_name: str
    ) -> None:
        self.app = app
        self._session = session
        self._endpoint = endpoint_url
        account = self.client("sts").get_caller_identity()["Account"]
        self.deployed = Deployed(
            account_id=account,
            region=session.region_name or "us-east-1",
            partition="aws",
            stack_name=stack_name,
        )
        self._apis = ApiDeployer(self)

    def client(self, name: str) -> Any:
        return self._session.client(name, endpoint_url=self._endpoint)  # type: ignore[call-overload]

    def value(self, resource: Resource, key: str, default: Any = None) -> Any:
        """Property `key` of `resource` with its intrinsic functions resolved."""
        if key not in resource.properties:
            return default
        resolver = Resolver(self.app, self.deployed.identities())
        resolved = resolver.resolve(resource.properties[key], resource, f"Properties.{key}")
        if isinstance(resolved, Unresolved):
            raise DeployError(f"{resource.logical_id} {resolved.field}: {resolved.reason}")
        return typed(key, resolved)

    def given(self, resource: Resource, keys: Iterable[str] | Mapping[str, str]) -> dict[str, Any]:
        """The properties `keys` that `resource` sets, resolved, as API parameters: of the
        same name, or as `keys` maps them (CloudFormation name -> API parameter)."""
        renamed = keys if isinstance(keys, Mapping) else {key: key for key in keys}
        return {
            parameter: self.value(resource, key)
            for key, parameter in renamed.items()
            if key in resource.properties
        }

    def name(self, resource: Resource, key: str, limit: int = 64) -> str:
        given = self.value(resource, key)
        return (
            str(given)
            if given
            else generated_name(self.deployed.stack_name, resource.logical_id, limit)
        )

    def run(self) -> Deployed:
        for resource in deployment_order(self.app):
            if resource.condition is not None:
                holds = Resolver(self.app, self.deployed.identities()).condition_holds(
                    resource.condition
                )
                if isinstance(holds, Unresolved):
                    raise DeployError(f"{resource.logical_id} Condition: {holds.reason}")
                if not holds:
                    continue
            method = _CREATORS.get(resource.type)
            create = getattr(self, method) if method else self._apis.creator(resource.type)
            if create is None:
                self._skipped(resource)
            else:
                create(resource)
        return self.deployed

    def _skipped(self, resource: Resource) -> None:
        lid = resource.logical_id
        self.deployed.physical[lid] = lid
        self.deployed.attributes[(lid, "Arn")] = self.deployed.arn("cloudformation", lid)

    def role(self, resource: Resource) -> None:
        iam = self.client("iam")
        name = self.name(resource, "RoleName")
        args: dict[str, Any] = {
            "RoleName": name,
            "Path": self.value(resource, "Path", "/"),
            "AssumeRolePolicyDocument": _json(self.value(resource, "AssumeRolePolicyDocument")),
        }
        args.update(
            self.given(resource, ("Description", "MaxSessionDuration", "PermissionsBoundary"))
        )
        created = iam.create_role(**args)["Role"]
        self.record(resource, name, Arn=created["Arn"], RoleId=created["RoleId"])
        for policy in self.value(resource, "Policies", []):
            iam.put_role_policy(
                RoleName=name,
                PolicyName=policy["PolicyName"],
                PolicyDocument=_json(policy["PolicyDocument"]),
            )
        for arn in self.value(resource, "ManagedPolicyArns", []):
            try:
                iam.attach_role_policy(RoleName=name, PolicyArn=arn)
            except iam.exceptions.NoSuchEntityException:
                if ":iam::aws:policy/" not in arn:
                    raise
                self.deployed.not_attached.append((resource.logical_id, arn))

    def managed_policy(self, resource: Resource) -> None:
        iam = self.client("iam")
        args: dict[str, Any] = {
            "PolicyName": self.name(resource, "ManagedPolicyName", 128),
            "Path": self.value(resource, "Path", "/"),
            "PolicyDocument": _json(self.value(resource, "PolicyDocument")),
        }
        if "Description" in resource.properties:
            args["Description"] = self.value(resource, "Description")
        arn = iam.create_policy(**args)["Policy"]["Arn"]
        self.record(resource, arn, PolicyArn=arn)
        for role in self.value(resource, "Roles", []):
            iam.attach_role_policy(RoleName=role, PolicyArn=arn)

    def inline_policy(self, resource: Resource) -> None:
        iam = self.client("iam")
        name = self.value(resource, "PolicyName")
        document = _json(self.value(resource, "PolicyDocument"))
        for role in self.value(resource, "Roles", []):
            iam.put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=document)
        self.record(resource, generated_name(self.deployed.stack_name, resource.logical_id))

    def role_policy(self, resource: Resource) -> None:
        """AWS::IAM::RolePolicy: one inline policy of one role."""
        role = self.value(resource, "RoleName")
        name = self.value(resource, "PolicyName")
        document = _json(self.value(resource, "PolicyDocument"))
        self.client("iam").put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=document)
        self.record(resource, generated_name(self.deployed.stack_name, resource.logical_id))

    def user_pool(self, resource: Resource) -> None:
        args: dict[str, Any] = {"PoolName": self.name(resource, "UserPoolName", 128)}
        # Same names in CloudFormation and in CreateUserPool.
        args.update(
            self.given(
                resource,
                (
                    "Schema",
                    "AdminCreateUserConfig",
                    "AliasAttributes",
                    "UsernameAttributes",
                    "AutoVerifiedAttributes",
                    "MfaConfiguration",
                    "Policies",
                ),
            )
        )
        pool = self.client("cognito-idp").create_user_pool(**args)["UserPool"]
        pool_id = pool["Id"]
        provider = f"cognito-idp.{self.deployed.region}.amazonaws.com/{pool_id}"
        self.record(
            resource,
            pool_id,
            Arn=pool["Arn"],
            UserPoolId=pool_id,
            ProviderName=provider,
            ProviderURL=f"https://{provider}",
        )

    def user_pool_client(self, resource: Resource) -> None:
        args: dict[str, Any] = {
            "UserPoolId": self.value(resource, "UserPoolId"),
            "ClientName": self.name(resource, "ClientName", 128),
        }
        args.update(
            self.given(
                resource,
                (
                    "GenerateSecret",
                    "WriteAttributes",
                    "ReadAttributes",
                    "ExplicitAuthFlows",
                    "AllowedOAuthFlows",
                    "AllowedOAuthScopes",
                    "CallbackURLs",
                    "SupportedIdentityProviders",
                ),
            )
        )
        created = self.client("cognito-idp").create_user_pool_client(**args)["UserPoolClient"]
        self.record(
            resource, created["ClientId"], ClientId=created["ClientId"], Name=created["ClientName"]
        )

    def user_pool_group(self, resource: Resource) -> None:
        name = self.name(resource, "GroupName", 128)
        args: dict[str, Any] = {"UserPoolId": self.value(resource, "UserPoolId"), "GroupName": name}
        args.update(self.given(resource, ("Description", "Precedence", "RoleArn")))
        self.client("cognito-idp").create_group(**args)
        self.record(resource, name)

    def identity_pool(self, resource: Resource) -> None:
        name = self.name(resource, "IdentityPoolName", 128)
        args: dict[str, Any] = {
            "IdentityPoolName": name,
            "AllowUnauthenticatedIdentities": self.value(
                resource, "AllowUnauthenticatedIdentities", False
            ),
        }
        args.update(
            self.given(
                resource,
                (
                    "AllowClassicFlow",
                    "CognitoIdentityProviders",
                    "SupportedLoginProviders",
                    "DeveloperProviderName",
                    "OpenIdConnectProviderARNs",
                    "SamlProviderARNs",
                ),
            )
        )
        pool_id = self.client("cognito-identity").create_identity_pool(**args)["IdentityPoolId"]
        self.record(resource, pool_id, Name=name)

    def role_attachment(self, resource: Resource) -> None:
        pool_id = self.value(resource, "IdentityPoolId")
        args: dict[str, Any] = {
            "IdentityPoolId": pool_id,
            "Roles": self.value(resource, "Roles", {}),
        }
        mappings = self.value(resource, "RoleMappings", {})
        if mappings:
            # CloudFormation keys each mapping by any name and names its provider inside;
            # the API keys it by the provider.
            args["RoleMappings"] = {
                mapping.get("IdentityProvider", key): {
                    k: v for k, v in mapping.items() if k != "IdentityProvider"
                }
                for key, mapping in mappings.items()
            }
        self.client("cognito-identity").set_identity_pool_roles(**args)
        self.record(resource, pool_id)

    def record(self, resource: Resource, physical: str, **attributes: str) -> None:
        self.deployed.physical[resource.logical_id] = physical
        for name, value in attributes.items():
            self.deployed.attributes[(resource.logical_id, name)] = value


def _json(document: Any) -> str:
    return document if isinstance(document, str) else json.dumps(document)


# The IAM and Cognito types -> the _Deployment method that creates one (APIs: ApiDeployer).
_CREATORS: Mapping[str, str] = {
    "AWS::IAM::Role": "role",
    "AWS::IAM::ManagedPolicy": "managed_policy",
    "AWS::IAM::Policy": "inline_policy",
    "AWS::IAM::RolePolicy": "role_policy",
    "AWS::Cognito::UserPool": "user_pool",
    "AWS::Cognito::UserPoolClient": "user_pool_client",
    "AWS::Cognito::UserPoolGroup": "user_pool_group",
    "AWS::Cognito::IdentityPool": "identity_pool",
    "AWS::Cognito::IdentityPoolRoleAttachment": "role_attachment",
}


def deploy_application(
    app: Application,
    session: boto3.Session,
    *,
    endpoint_url: str | None = None,
    stack_name: str = "stack",
) -> Deployed:
    """Create every access resource of `app` through `session` (the emulator), in
    dependency order, and return the physical ids and attributes by logical id. Raises
    DeployError for what CloudFormation would refuse too (a cycle, an unresolvable value)."""
    return _Deployment(app, session, endpoint_url, stack_name).run()
