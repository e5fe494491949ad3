"""Hand-built snapshots for resolution tests: one user pool, one identity pool, no AWS."""

from __future__ import annotations

from typing import Any

from auditor.model.snapshot import (
    Group,
    IdentityPool,
    IdentityProvider,
    MappingRule,
    PoolRef,
    RoleMapping,
    Snapshot,
    TargetRef,
    UserPool,
)

REGION = "us-east-1"
USER_POOL = "us-east-1_AbCdEf012"
CLIENT = "client123"
PROVIDER = f"cognito-idp.{REGION}.amazonaws.com/{USER_POOL}"
MAPPING_KEY = f"{PROVIDER}:{CLIENT}"
POOL = "us-east-1:0d3a0000-0000-0000-0000-000000000000"
DEFAULT_ROLE = "arn:aws:iam::123456789012:role/app-default"
GUEST_ROLE = "arn:aws:iam::123456789012:role/app-guest"


def role(name: str) -> str:
    return f"arn:aws:iam::123456789012:role/{name}"


def token(ambiguous: str = "AuthenticatedRole") -> RoleMapping:
    return RoleMapping(type="Token", ambiguous_role_resolution=ambiguous)  # type: ignore[arg-type]


def rules(*items: tuple[str, str, str, str], ambiguous: str = "AuthenticatedRole") -> RoleMapping:
    return RoleMapping(
        type="Rules",
        ambiguous_role_resolution=ambiguous,  # type: ignore[arg-type]
        rules=[
            MappingRule(
                claim=c,
                match_type=m,
                value=v,  # type: ignore[arg-type]
                role_arn=r,
            )
            for c, m, v, r in items
        ],
    )


def identity_pool(
    mapping: RoleMapping | None = None, *, default: str | None = DEFAULT_ROLE, **extra: Any
) -> IdentityPool:
    return IdentityPool(
        id=POOL,
        name="ids",
        providers=[IdentityProvider(provider_name=PROVIDER, client_id=CLIENT)],
        authenticated_role=default,
        role_mappings={MAPPING_KEY: mapping} if mapping else {},
        **extra,
    )


def snapshot(groups: list[Group], pool: IdentityPool) -> Snapshot:
    return Snapshot(
        region=REGION,
        account_id="123456789012",
        target=TargetRef(user_pool=PoolRef(id=USER_POOL), identity_pool=PoolRef(id=POOL)),
        user_pool=UserPool(id=USER_POOL, name="users", groups=groups),
        identity_pool=pool,
    )
