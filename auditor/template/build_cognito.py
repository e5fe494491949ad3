"""Cognito resources -> the snapshot's user pool (groups, app clients, schema) and identity
pool (providers, roles, role mappings), read as the collector reads DescribeUserPool,
ListGroups, DescribeUserPoolClient, DescribeIdentityPool and GetIdentityPoolRoles."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from auditor.model.findings import TemplateLocation
from auditor.model.refs import PoolRef
from auditor.model.snapshot import (
    AppClient,
    Group,
    IdentityPool,
    IdentityProvider,
    MappingRule,
    RoleMapping,
    UserAttribute,
    UserPool,
)
from auditor.template.build_context import (
    BuildContext,
    Unknown,
    as_bool,
    as_list,
    as_mapping,
    bad_input,
    refused,
)
from auditor.template.model import Resource

USER_POOL = "AWS::Cognito::UserPool"
IDENTITY_POOL = "AWS::Cognito::IdentityPool"

# The standard attributes DescribeUserPool always lists, whatever the Schema declares, and
# whether they can change after sign-up (only `sub` cannot).
_STANDARD_ATTRIBUTES = frozenset(
    {
        *("address", "birthdate", "email", "email_verified", "family_name", "gender"),
        *("given_name", "locale", "middle_name", "name", "nickname", "phone_number"),
        *("phone_number_verified", "picture", "preferred_username", "profile", "sub"),
        *("updated_at", "website", "zoneinfo"),
    }
)


@dataclass
class CognitoSources:
    user_pool: TemplateLocation | None = None
    identity_pool: TemplateLocation | None = None
    role_attachment: TemplateLocation | None = None
    groups: dict[str, TemplateLocation] = field(default_factory=dict)
    clients: dict[str, TemplateLocation] = field(default_factory=dict)


def chosen_pool(
    context: BuildContext, kind: str, ref: PoolRef | None, name_prop: str
) -> Resource | None:
    """The pool of `kind` the target names (by physical id or name), else the only one.
    None, with the reason recorded, where the application has none or cannot say which."""
    pools = list(context.of_type(kind))
    label = "user pool" if kind == USER_POOL else "identity pool"
    service = "cognito-idp" if kind == USER_POOL else "cognito-identity"
    if ref is not None and (ref.id or ref.name):
        for pool in pools:
            try:
                if ref.id and context.ref(pool) == ref.id:
                    return pool
                if ref.name and context.value(pool, name_prop, pool.logical_id) == ref.name:
                    return pool
            except Unknown:
                continue
    if len(pools) == 1:
        return pools[0]
    if pools:
        context.miss(
            pools[0], "Resources", f"{len(pools)} {label}s and the baseline names none", service
        )
    elif context.app.resources:
        first = next(iter(context.app.resources.values()))
        context.miss(
            first, "Resources", f"no {kind} in the templates: the {label} is unknown", service
        )
    return None


def build_user_pool(
    context: BuildContext, ref: PoolRef | None, sources: CognitoSources
) -> UserPool | None:
    pool = chosen_pool(context, USER_POOL, ref, "UserPoolName")
    if pool is None:
        return None
    try:
        pool_id = context.ref(pool)
        # CloudFormation generates a name where UserPoolName is absent: the logical id
        # stands for it.
        name = context.value(pool, "UserPoolName", pool.logical_id)
        schema = as_list(pool, "Schema", context.value(pool, "Schema"))
        admin_only = as_mapping(
            pool, "AdminCreateUserConfig", context.value(pool, "AdminCreateUserConfig")
        ).get("AllowAdminCreateUserOnly", False)
        built = UserPool(
            id=pool_id,
            name=str(name),
            arn=context.attribute(pool, "Arn"),
            attributes=_attributes(pool, schema),
            self_sign_up=not as_bool(pool, "AdminCreateUserConfig", admin_only),
            groups=_groups(context, pool_id, sources),
            clients=_clients(context, pool_id, sources),
        )
    except Unknown:
        return None
    except (ValidationError, ValueError) as exc:
        raise refused(pool, exc) from None
    sources.user_pool = pool.location
    return built


def _attributes(pool: Resource, schema: list[Any]) -> list[UserAttribute]:
    attributes = {
        name: UserAttribute(name=name, mutable=name != "sub") for name in _STANDARD_ATTRIBUTES
    }
    for entry in schema:
        if not isinstance(entry, dict) or not isinstance(entry.get("Name"), str):
            raise bad_input(pool, "Schema", "each attribute needs a Name")
        name = entry["Name"]
        developer_only = as_bool(pool, "Schema", entry.get("DeveloperOnlyAttribute", False))
        if name not in _STANDARD_ATTRIBUTES and not name.startswith(("custom:", "dev:")):
            name = f"dev:custom:{name}" if developer_only else f"custom:{name}"
        attributes[name] = UserAttribute(
            name=name,
            mutable=as_bool(pool, "Schema", entry.get("Mutable", True)),
            developer_only=developer_only,
        )
    return sorted(attributes.values(), key=lambda a: a.name)


def _belongs(context: BuildContext, resource: Resource, prop: str, pool_id: str) -> bool:
    """Whether `resource` (a group, client or attachment) is of the pool `pool_id`; an
    unresolved pool id is recorded and the resource left out."""
    try:
        return bool(context.value(resource, prop) == pool_id)
    except Unknown:
        return False


def _groups(context: BuildContext, pool_id: str, sources: CognitoSources) -> list[Group]:
    groups = []
    for resource in context.of_type("AWS::Cognito::UserPoolGroup"):
        if not _belongs(context, resource, "UserPoolId", pool_id):
            continue
        try:
            name = context.ref(resource)  # GroupName, or the logical id (see _made_up)
            group = Group(
                name=name,
                role_arn=context.value(resource, "RoleArn"),
                precedence=context.value(resource, "Precedence"),
                description=context.value(resource, "Description") or None,
            )
        except Unknown:
            continue
        except (ValidationError, ValueError) as exc:
            raise refused(resource, exc) from None
        groups.append(group)
        sources.groups[name] = resource.location
    return sorted(groups, key=lambda g: g.name)


def _clients(context: BuildContext, pool_id: str, sources: CognitoSources) -> list[AppClient]:
    clients = []
    for resource in context.of_type("AWS::Cognito::UserPoolClient"):
        if not _belongs(context, resource, "UserPoolId", pool_id):
            continue
        try:
            client = AppClient(
                id=context.ref(resource),
                name=context.value(resource, "ClientName", ""),
                write_attributes=context.value(resource, "WriteAttributes"),  # None: unset
            )
        except Unknown:
            continue
        except (ValidationError, ValueError) as exc:
            raise refused(resource, exc) from None
        clients.append(client)
        sources.clients[client.id] = resource.location
    return sorted(clients, key=lambda c: c.id)


def build_identity_pool(
    context: BuildContext, ref: PoolRef | None, sources: CognitoSources
) -> IdentityPool | None:
    pool = chosen_pool(context, IDENTITY_POOL, ref, "IdentityPoolName")
    if pool is None:
        return None
    try:
        pool_id = context.ref(pool)
        providers = [
            _provider(pool, raw)
            for raw in as_list(
                pool, "CognitoIdentityProviders", context.value(pool, "CognitoIdentityProviders")
            )
        ]
        built = IdentityPool(
            id=pool_id,
            # CloudFormation generates a name where IdentityPoolName is absent.
            name=str(context.value(pool, "IdentityPoolName", pool.logical_id)),
            allow_unauthenticated=as_bool(
                pool,
                "AllowUnauthenticatedIdentities",
                context.value(pool, "AllowUnauthenticatedIdentities", False),
            ),
            allow_classic_flow=as_bool(
                pool, "AllowClassicFlow", context.value(pool, "AllowClassicFlow", False)
            ),
            providers=sorted(providers, key=lambda p: (p.provider_name, p.client_id or "")),
            **_attached_roles(context, pool_id, sources),
        )
    except Unknown:
        return None
    except (ValidationError, ValueError) as exc:
        raise refused(pool, exc) from None
    sources.identity_pool = pool.location
    return built


def _provider(pool: Resource, raw: Any) -> IdentityProvider:
    if not isinstance(raw, dict) or "ProviderName" not in raw:
        raise bad_input(pool, "CognitoIdentityProviders", "each provider needs a ProviderName")
    return IdentityProvider(
        provider_name=raw["ProviderName"],
        client_id=raw.get("ClientId"),
        server_side_token_check=as_bool(
            pool, "CognitoIdentityProviders", raw.get("ServerSideTokenCheck", False)
        ),
    )


def _attached_roles(context: BuildContext, pool_id: str, sources: CognitoSources) -> dict[str, Any]:
    """The IdentityPool fields an AWS::Cognito::IdentityPoolRoleAttachment sets (what
    GetIdentityPoolRoles answers); none: no roles. Unknown if the attachment is."""
    attachments = [
        r
        for r in context.of_type("AWS::Cognito::IdentityPoolRoleAttachment")
        if _belongs(context, r, "IdentityPoolId", pool_id)
    ]
    if not attachments:
        return {}
    if len(attachments) > 1:
        # AWS keeps one set of roles per pool, and CloudFormation creates the attachments in
        # parallel: which one is in place is not known.
        first = attachments[0].location
        context.miss(
            attachments[1],
            "Properties.IdentityPoolId",
            f"a second role attachment for the identity pool (the first: {first.path}:"
            f"{first.line} {first.logical_id}): which roles end up in place is known only "
            "at deploy",
            "cognito-identity",
        )
        raise Unknown
    (attachment,) = attachments
    roles = as_mapping(attachment, "Roles", context.value(attachment, "Roles"))
    mappings = as_mapping(attachment, "RoleMappings", context.value(attachment, "RoleMappings"))
    role_mappings = {}
    for name, raw in mappings.items():
        # Without IdentityProvider, CloudFormation uses the entry's key as the provider.
        provider = raw.get("IdentityProvider", name) if isinstance(raw, dict) else None
        if not isinstance(provider, str):
            raise bad_input(attachment, f"RoleMappings.{name}", "needs an IdentityProvider")
        if provider in role_mappings:
            # Two entries, one provider: which one CloudFormation sends is not documented.
            context.miss(
                attachment,
                f"Properties.RoleMappings.{name}",
                f"a second role mapping for {provider}: which applies is known only at deploy",
                "cognito-identity",
            )
            raise Unknown
        role_mappings[provider] = _role_mapping(attachment, name, raw)
    sources.role_attachment = attachment.location
    return {
        "authenticated_role": roles.get("authenticated"),
        "unauthenticated_role": roles.get("unauthenticated"),
        "role_mappings": role_mappings,
    }


def _role_mapping(attachment: Resource, name: str, raw: dict[str, Any]) -> RoleMapping:
    rules = as_mapping(attachment, f"RoleMappings.{name}", raw.get("RulesConfiguration")).get(
        "Rules", []
    )
    try:
        return RoleMapping(
            type=raw.get("Type"),
            ambiguous_role_resolution=raw.get("AmbiguousRoleResolution"),
            rules=[  # order is meaning: the first matching rule wins
                MappingRule(
                    claim=r["Claim"],
                    match_type=r["MatchType"],
                    value=r["Value"],
                    role_arn=r["RoleARN"],
                )
                for r in as_list(attachment, f"RoleMappings.{name}.RulesConfiguration.Rules", rules)
            ],
        )
    except (KeyError, TypeError) as exc:
        raise bad_input(attachment, f"RoleMappings.{name}", f"a rule lacks {exc}") from None
    except ValidationError as exc:
        raise refused(attachment, exc) from None
