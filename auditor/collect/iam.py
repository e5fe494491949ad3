"""Roles the pools hand out, with their policies, from GetAccountAuthorizationDetails.

Efficiency and completeness: GAAD with Filter=[Role, LocalManagedPolicy] returns every role
(trust, inline policies, attachments, boundary) and every customer managed policy with its
versions, 1,000 entries a page: a few calls replace thousands of per-role ones. AWSManagedPolicy
is left out of the filter on purpose: it would page through ~1,300 AWS managed policies with all
their versions (megabytes) to use the handful a role attaches. Those few, and any attached
policy GAAD did not list, are read with GetPolicy + GetPolicyVersion: complete either way.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

from auditor.collect.reads import Reads
from auditor.collect.session import AwsClients
from auditor.model.snapshot import InlinePolicy, ManagedPolicy, PolicyDocument, Role

OPERATIONS: tuple[str, ...] = (
    "iam:GetAccountAuthorizationDetails",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
)
CALLS: tuple[str, ...] = OPERATIONS

_GAAD_PAGE = 1000  # the maximum MaxItems
_GAAD_FILTER = ["Role", "LocalManagedPolicy"]


def _document(raw: Any) -> PolicyDocument:
    """botocore decodes policy documents to dicts; accept the URL-encoded text form too."""
    if isinstance(raw, dict):
        return raw
    if isinstance(raw, str):
        parsed = json.loads(unquote(raw))
        if isinstance(parsed, dict):
            return parsed
    raise ValueError("policy document is not a JSON object")


def _role(raw: dict[str, Any]) -> Role:
    boundary = raw.get("PermissionsBoundary") or {}
    return Role(
        arn=raw["Arn"],
        name=raw["RoleName"],
        path=raw.get("Path", "/"),
        trust_policy=_document(raw.get("AssumeRolePolicyDocument") or {}),
        inline_policies=sorted(
            (
                InlinePolicy(name=p["PolicyName"], document=_document(p["PolicyDocument"]))
                for p in raw.get("RolePolicyList", [])
            ),
            key=lambda p: p.name,
        ),
        attached_policy_arns=sorted(p["PolicyArn"] for p in raw.get("AttachedManagedPolicies", [])),
        permissions_boundary_arn=boundary.get("PermissionsBoundaryArn"),
    )


def _managed_policy(raw: dict[str, Any]) -> ManagedPolicy:
    default = next((v for v in raw.get("PolicyVersionList", []) if v.get("IsDefaultVersion")), None)
    if default is None:
        raise ValueError("no default policy version")
    return ManagedPolicy(
        arn=raw["Arn"],
        name=raw.get("PolicyName") or raw["Arn"].rsplit("/", 1)[-1],
        default_version_id=raw.get("DefaultVersionId"),
        document=_document(default["Document"]),
    )


def _read_policy(clients: AwsClients, reads: Reads, arn: str) -> ManagedPolicy | None:
    iam = clients.client("iam")

    def name_and_version() -> tuple[str, str]:
        policy = iam.get_policy(PolicyArn=arn)["Policy"]
        return policy["PolicyName"], policy["DefaultVersionId"]

    named = reads.run("iam", "GetPolicy", arn, name_and_version)
    if named is None:
        return None
    name, version_id = named

    def read_version() -> ManagedPolicy:
        version = iam.get_policy_version(PolicyArn=arn, VersionId=version_id)["PolicyVersion"]
        return ManagedPolicy(
            arn=arn,
            name=name,
            default_version_id=version_id,
            document=_document(version["Document"]),
        )

    return reads.run("iam", "GetPolicyVersion", arn, read_version)


def collect_roles(
    clients: AwsClients, reads: Reads, wanted: set[str]
) -> tuple[dict[str, Role], dict[str, ManagedPolicy]]:
    """The wanted roles that exist, and every managed policy they attach or are bounded by.

    A wanted role that GAAD does not list does not exist (deleted, or a typo in a mapping);
    it is simply absent, for the checks to report. A failed GAAD read is an error.
    """
    if not wanted:
        return {}, {}
    iam = clients.client("iam")
    roles: dict[str, Role] = {}
    listed: dict[str, dict[str, Any]] = {}

    def read_pages() -> bool:
        paginator = iam.get_paginator("get_account_authorization_details")
        pages = paginator.paginate(Filter=_GAAD_FILTER, PaginationConfig={"PageSize": _GAAD_PAGE})
        for page in pages:
            for raw in page.get("RoleDetailList", []):
                if raw["Arn"] in wanted:
                    roles[raw["Arn"]] = _role(raw)
            for raw in page.get("Policies", []):
                listed[raw["Arn"]] = raw
        return True

    if not reads.run("iam", "GetAccountAuthorizationDetails", None, read_pages):
        return {}, {}

    needed = {arn for role in roles.values() for arn in role.attached_policy_arns}
    needed.update(r.permissions_boundary_arn for r in roles.values() if r.permissions_boundary_arn)
    policies: dict[str, ManagedPolicy] = {}
    for arn in sorted(needed):
        raw = listed.get(arn)
        if raw is None:
            policy = _read_policy(clients, reads, arn)
        else:
            policy = reads.run(
                "iam",
                "GetAccountAuthorizationDetails",
                arn,
                lambda: _managed_policy(raw),  # noqa: B023 (called at once)
            )
        if policy is not None:
            policies[arn] = policy
    return dict(sorted(roles.items())), policies
