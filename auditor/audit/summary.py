"""A snapshot reduced to its ConfigSummary: what the state file keeps and what
changed-since-last-run compares. Pure: a snapshot in, a summary out.
"""

from __future__ import annotations

import hashlib
from typing import Any

from auditor.model.snapshot import Snapshot, canonical_json
from auditor.model.state import (
    ConfigSummary,
    GroupState,
    IdentityPoolState,
    RoleMappingState,
)

# Which snapshot sections a failed read of each service (COLLECTED_SERVICES) leaves unknown.
_SECTIONS_BY_SERVICE = {
    "cognito-idp": {"groups"},
    "cognito-identity": {"identity_pool"},
    "iam": {"role_policies"},
    "apigateway": {"routes"},
    "apigatewayv2": {"routes"},
    "sts": set(),  # only the account id
}


def unreadable_sections(snapshot: Snapshot) -> set[str]:
    """Sections a collection error may have left wrong (Snapshot.failed_services)."""
    sections: set[str] = set()
    for service in snapshot.failed_services():
        sections |= _SECTIONS_BY_SERVICE[service]
    if snapshot.user_pool is None:
        sections.add("groups")
    if snapshot.identity_pool is None:
        sections.add("identity_pool")
    return sections


def document_hash(document: Any) -> str:
    return hashlib.sha256(canonical_json(document).encode()).hexdigest()[:16]


_ABSENT = document_hash(None)  # a managed policy the snapshot does not hold


def summarize(snapshot: Snapshot) -> ConfigSummary:
    unknown = unreadable_sections(snapshot)
    groups = identity_pool = role_policies = routes = None
    if "groups" not in unknown and snapshot.user_pool is not None:
        groups = {
            g.name: GroupState(precedence=g.precedence, role_arn=g.role_arn)
            for g in snapshot.user_pool.groups
        }
    if "identity_pool" not in unknown and snapshot.identity_pool is not None:
        pool = snapshot.identity_pool
        identity_pool = IdentityPoolState(
            allow_unauthenticated=pool.allow_unauthenticated,
            allow_classic_flow=pool.allow_classic_flow,
            authenticated_role=pool.authenticated_role,
            unauthenticated_role=pool.unauthenticated_role,
            role_mappings={
                key: RoleMappingState(
                    type=m.type,
                    ambiguous_role_resolution=m.ambiguous_role_resolution,
                    rules=[f"{r.claim} {r.match_type} {r.value} -> {r.role_arn}" for r in m.rules],
                )
                for key, m in pool.role_mappings.items()
            },
            providers=sorted(p.mapping_key for p in pool.providers),
        )
    if "role_policies" not in unknown:
        managed = {arn: document_hash(p.document) for arn, p in snapshot.managed_policies.items()}
        role_policies = {arn: _role_hashes(snapshot, arn, managed) for arn in snapshot.roles}
    if "routes" not in unknown:
        routes = {
            api.id: {r.key: r.authorization_type for r in api.routes} for api in snapshot.apis
        }
    return ConfigSummary(
        groups=groups, identity_pool=identity_pool, role_policies=role_policies, routes=routes
    )


def _role_hashes(snapshot: Snapshot, arn: str, managed: dict[str, str]) -> dict[str, str]:
    """The hashes of a role's documents; `managed`: each managed policy's, hashed once
    however many roles attach it."""
    role = snapshot.roles[arn]
    hashes = {"trust": document_hash(role.trust_policy)}
    for inline in role.inline_policies:
        hashes[f"inline:{inline.name}"] = document_hash(inline.document)
    for policy_arn in role.attached_policy_arns:
        hashes[f"managed:{policy_arn}"] = managed.get(policy_arn, _ABSENT)
    if role.permissions_boundary_arn:
        boundary = role.permissions_boundary_arn
        hashes[f"boundary:{boundary}"] = managed.get(boundary, _ABSENT)
    return hashes


def carry_over(current: ConfigSummary, previous: ConfigSummary | None) -> ConfigSummary:
    """Keep the last known value of sections this run could not read."""
    if previous is None:
        return current
    return ConfigSummary(
        groups=current.groups if current.groups is not None else previous.groups,
        identity_pool=current.identity_pool
        if current.identity_pool is not None
        else previous.identity_pool,
        role_policies=current.role_policies
        if current.role_policies is not None
        else previous.role_policies,
        routes=current.routes if current.routes is not None else previous.routes,
    )
