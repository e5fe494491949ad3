"""The accounts of an organizational unit (CONTRACT §6.4 `organization:`): every ACTIVE account
under the OU, recursively, read with AWS Organizations from the management account or a
delegated administrator.

Read with the run's own credentials (its profile, or the default chain), never a target's
assumed role: ORGANIZATION_OPERATIONS belong to the central runner's policy only, not to the
read-only role in each member account (collect.OPERATIONS).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from auditor.collect.reads import Reads
from auditor.collect.session import AwsClients, AwsOptions
from auditor.model.snapshot import CollectionError
from auditor.model.targets import OrganizationScope

# What discovery calls, as IAM names the permissions (and the emulator names the calls).
ORGANIZATION_OPERATIONS: tuple[str, ...] = (
    "organizations:ListAccountsForParent",
    "organizations:ListOrganizationalUnitsForParent",
)
ORGANIZATION_CALLS: tuple[str, ...] = ORGANIZATION_OPERATIONS
# Suspended, closed and not-yet-active accounts cannot be audited: only this one is.
ACTIVE = "ACTIVE"


@dataclass(frozen=True)
class Discovery:
    accounts: list[str]  # account ids, in a stable order
    errors: list[CollectionError] = field(default_factory=list)  # a failed read: incomplete


def discover_accounts(scope: OrganizationScope, aws: AwsOptions) -> Discovery:
    """The ACTIVE accounts under `scope.ou` and every OU beneath it, sorted, each once. A read
    that fails is in `errors` (the run is then incomplete), and the rest is still read."""
    # Organizations has one endpoint per partition: any region of the scope's reaches it.
    if aws.region is None and scope.regions:
        aws = replace(aws, region=scope.regions[0])
    organizations = AwsClients(aws).client("organizations")
    reads = Reads()
    accounts: set[str] = set()
    pending, seen = [scope.ou], set()
    while pending:
        parent = pending.pop()
        if parent in seen:
            continue
        seen.add(parent)
        children = reads.run(
            "organizations",
            "ListOrganizationalUnitsForParent",
            parent,
            functools.partial(_child_ous, organizations, parent),
        )
        pending.extend(children or ())
        found = reads.run(
            "organizations",
            "ListAccountsForParent",
            parent,
            functools.partial(_active_accounts, organizations, parent),
        )
        accounts.update(found or ())
    return Discovery(accounts=sorted(accounts), errors=reads.errors)


def _child_ous(client: Any, parent: str) -> list[str]:
    pages = _items(client, "list_organizational_units_for_parent", parent, "OrganizationalUnits")
    return [str(ou["Id"]) for ou in pages]


def _active_accounts(client: Any, parent: str) -> list[str]:
    pages = _items(client, "list_accounts_for_parent", parent, "Accounts")
    return [str(account["Id"]) for account in pages if _is_active(account)]


def _items(client: Any, operation: str, parent: str, key: str) -> Iterator[dict[str, Any]]:
    for page in client.get_paginator(operation).paginate(ParentId=parent):
        yield from page[key]


def _is_active(account: dict[str, Any]) -> bool:
    """`State` where AWS sends it (since 2025); else the deprecated `Status`."""
    return account.get("State", account.get("Status")) == ACTIVE
