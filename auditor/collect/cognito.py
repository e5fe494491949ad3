"""User pool groups and identity pool configuration (cognito-idp, cognito-identity)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel

from auditor.collect.reads import NOT_FOUND_CODES, Reads, one_named
from auditor.collect.session import AwsClients
from auditor.model.snapshot import (
    AppClient,
    Group,
    IdentityPool,
    IdentityProvider,
    MappingRule,
    PoolRef,
    RoleMapping,
    UserAttribute,
    UserPool,
)
from auditor.model.snapshot_fields import one_line_errors

# IAM actions the collector needs (for the deploy policy) and the API calls it makes.
OPERATIONS: tuple[str, ...] = (
    "cognito-idp:DescribeUserPool",
    "cognito-idp:ListUserPools",
    "cognito-idp:ListGroups",
    "cognito-idp:ListUserPoolClients",
    "cognito-idp:DescribeUserPoolClient",
    "cognito-identity:DescribeIdentityPool",
    "cognito-identity:ListIdentityPools",
    "cognito-identity:GetIdentityPoolRoles",
)
CALLS: tuple[str, ...] = OPERATIONS

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

_PAGE = 60  # the maximum page size of ListGroups, ListUserPools, ListUserPoolClients and
# ListIdentityPools
# A malformed id cannot name an existing pool: AWS answers those with a validation error.
_ID_NOT_FOUND = NOT_FOUND_CODES | {"InvalidParameterException", "ValidationException"}


@dataclass(frozen=True)
class _PoolKind:
    """How to find one kind of pool by name (its listing call) and describe it."""

    kind: str  # "user pool", in messages
    service: str
    operation: str  # the listing
    describe: str  # the call that describes one pool
    paginator: str
    page_size: dict[str, Any]  # ListUserPools requires MaxResults; the other takes a page size
    items: str
    id_key: str
    name_key: str


_USER_POOLS = _PoolKind(
    kind="user pool",
    service="cognito-idp",
    operation="ListUserPools",
    describe="DescribeUserPool",
    paginator="list_user_pools",
    page_size={"MaxResults": _PAGE},
    items="UserPools",
    id_key="Id",
    name_key="Name",
)
_IDENTITY_POOLS = _PoolKind(
    kind="identity pool",
    service="cognito-identity",
    operation="ListIdentityPools",
    describe="DescribeIdentityPool",
    paginator="list_identity_pools",
    page_size={"PaginationConfig": {"PageSize": _PAGE}},
    items="IdentityPools",
    id_key="IdentityPoolId",
    name_key="IdentityPoolName",
)


def _pool_id(clients: AwsClients, reads: Reads, ref: PoolRef, pool_kind: _PoolKind) -> str | None:
    """The pool's id: as given, or the one pool of that name (None if the listing failed)."""
    if ref.id:
        return ref.id
    name = ref.name or ""
    paginator = clients.client(pool_kind.service).get_paginator(pool_kind.paginator)
    matches: dict[str, str] | None = reads.run(
        pool_kind.service,
        pool_kind.operation,
        None,
        lambda: {
            p[pool_kind.id_key]: p[pool_kind.id_key]
            for page in paginator.paginate(**pool_kind.page_size)
            for p in page.get(pool_kind.items, [])
            if p[pool_kind.name_key] == name
        },
    )
    if matches is None:
        return None
    return one_named(matches, pool_kind.kind, name, clients.region)


def _described(
    clients: AwsClients,
    reads: Reads,
    ref: PoolRef,
    pool_kind: _PoolKind,
    describe: Callable[[Any, str], T],
) -> tuple[Any, str, T] | None:
    """The pool found (by id or name) and described: its service's client, its id and the
    description `describe(client, pool_id)` parses; None if a read failed."""
    pool_id = _pool_id(clients, reads, ref, pool_kind)
    if pool_id is None:
        return None
    client = clients.client(pool_kind.service)
    described = reads.run(
        pool_kind.service,
        pool_kind.describe,
        pool_id,
        lambda: describe(client, pool_id),
        not_found=f"{pool_kind.kind} {pool_id} not found in {clients.region}",
        not_found_codes=_ID_NOT_FOUND,
    )
    return None if described is None else (client, pool_id, described)


def collect_user_pool(clients: AwsClients, reads: Reads, ref: PoolRef) -> UserPool | None:
    """The pool, all its groups and app clients; None (with an error recorded) if it could
    not be read."""
    found = _described(
        clients,
        reads,
        ref,
        _USER_POOLS,
        lambda idp, pool_id: _user_pool(idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]),
    )
    if found is None:
        return None
    idp, pool_id, described = found
    pages = idp.get_paginator("list_groups").paginate(
        UserPoolId=pool_id, PaginationConfig={"PageSize": _PAGE}
    )
    pool = reads.run(
        "cognito-idp", "ListGroups", pool_id, lambda: _updated(described, groups=_groups(pages))
    )
    pool = pool or described  # groups unknown: none listed, the failure recorded
    app_clients = _app_clients(idp, reads, pool_id)
    if app_clients is None:
        return pool
    with_clients = reads.run(
        "cognito-idp", "ListUserPoolClients", pool_id, lambda: _updated(pool, clients=app_clients)
    )
    return with_clients or pool


@one_line_errors
def _updated(model: M, **changes: Any) -> M:
    """`model` with `changes`, checked as the model checks them (model_copy does not: a list
    longer than the model allows would pass unseen)."""
    return model.model_validate({**dict(model), **changes})


def _app_clients(idp: Any, reads: Reads, pool_id: str) -> list[AppClient] | None:
    """Every app client, described one by one (the listing has no WriteAttributes); None if
    any read failed, rather than a list that may lack the client that matters."""
    pages = idp.get_paginator("list_user_pool_clients").paginate(
        UserPoolId=pool_id, PaginationConfig={"PageSize": _PAGE}
    )
    listed = reads.run(
        "cognito-idp",
        "ListUserPoolClients",
        pool_id,
        lambda: [c["ClientId"] for page in pages for c in page.get("UserPoolClients", [])],
    )
    if listed is None:
        return None

    def describe(client_id: str) -> AppClient:
        answer = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)
        return _app_client(answer["UserPoolClient"])

    found: list[AppClient] = []
    for client_id in listed:
        described = reads.run(
            "cognito-idp",
            "DescribeUserPoolClient",
            client_id,
            lambda: describe(client_id),  # noqa: B023 (called at once)
        )
        if described is None:
            return None
        found.append(described)
    return sorted(found, key=lambda c: c.id)


# Parsing happens inside each read (reads.run), so that an answer we cannot use (or a value
# the snapshot models refuse) is a recorded error (incomplete, exit 3), not a traceback.


@one_line_errors
def _user_pool(raw: dict[str, Any]) -> UserPool:
    schema = raw.get("SchemaAttributes")
    # Absent from the answer: unknown (None), not "no attributes" or "admins only".
    sign_up = raw.get("AdminCreateUserConfig")
    return UserPool(
        id=raw["Id"],
        name=raw["Name"],
        arn=raw.get("Arn"),
        attributes=None
        if schema is None
        else sorted(
            (
                UserAttribute(
                    name=a["Name"],
                    mutable=a.get("Mutable", True),
                    developer_only=a.get("DeveloperOnlyAttribute", False),
                )
                for a in schema
            ),
            key=lambda a: a.name,
        ),
        self_sign_up=None
        if sign_up is None
        else not sign_up.get("AllowAdminCreateUserOnly", False),
    )


@one_line_errors
def _app_client(raw: dict[str, Any]) -> AppClient:
    """The fields the audit needs, picked one by one: the answer also holds the client's
    secret (ClientSecret), which must never reach the snapshot, a log or an error message."""
    return AppClient(
        id=raw["ClientId"],
        name=raw.get("ClientName") or "",
        write_attributes=raw.get("WriteAttributes"),  # None: never set
    )


@one_line_errors
def _groups(pages: Iterable[dict[str, Any]]) -> list[Group]:
    groups = [
        Group(
            name=g["GroupName"],
            role_arn=g.get("RoleArn"),
            precedence=g.get("Precedence"),
            description=g.get("Description") or None,  # moto sends "", AWS omits it
        )
        for page in pages
        for g in page.get("Groups", [])
    ]
    return sorted(groups, key=lambda g: g.name)


def _role_mapping(raw: dict[str, Any]) -> RoleMapping:
    rules = (raw.get("RulesConfiguration") or {}).get("Rules", [])
    return RoleMapping(
        type=raw["Type"],
        ambiguous_role_resolution=raw.get("AmbiguousRoleResolution"),
        # Order is meaning: the first matching rule wins.
        rules=[
            MappingRule(
                claim=r["Claim"], match_type=r["MatchType"], value=r["Value"], role_arn=r["RoleARN"]
            )
            for r in rules
        ],
    )


def collect_identity_pool(clients: AwsClients, reads: Reads, ref: PoolRef) -> IdentityPool | None:
    """The pool with its roles and role mappings; None (with an error recorded) if it could
    not be read."""
    found = _described(
        clients,
        reads,
        ref,
        _IDENTITY_POOLS,
        lambda identity, pool_id: _identity_pool(
            identity.describe_identity_pool(IdentityPoolId=pool_id)
        ),
    )
    if found is None:
        return None
    identity, pool_id, described = found
    with_roles = reads.run(
        "cognito-identity",
        "GetIdentityPoolRoles",
        pool_id,
        lambda: _updated(
            described, **_pool_roles(identity.get_identity_pool_roles(IdentityPoolId=pool_id))
        ),
    )
    return with_roles or described


@one_line_errors
def _identity_pool(raw: dict[str, Any]) -> IdentityPool:
    providers = [
        IdentityProvider(
            provider_name=p["ProviderName"],
            client_id=p.get("ClientId"),
            server_side_token_check=bool(p.get("ServerSideTokenCheck", False)),
        )
        for p in raw.get("CognitoIdentityProviders", [])
    ]
    return IdentityPool(
        id=raw["IdentityPoolId"],
        name=raw["IdentityPoolName"],
        allow_unauthenticated=bool(raw.get("AllowUnauthenticatedIdentities", False)),
        allow_classic_flow=bool(raw.get("AllowClassicFlow", False)),
        providers=sorted(providers, key=lambda p: (p.provider_name, p.client_id or "")),
    )


@one_line_errors
def _pool_roles(raw: dict[str, Any]) -> dict[str, Any]:
    """The IdentityPool fields that GetIdentityPoolRoles answers."""
    role_arns = raw.get("Roles", {})
    return {
        "authenticated_role": role_arns.get("authenticated"),
        "unauthenticated_role": role_arns.get("unauthenticated"),
        "role_mappings": {
            key: _role_mapping(value) for key, value in raw.get("RoleMappings", {}).items()
        },
    }
