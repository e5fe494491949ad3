"""The accounts of an organizational unit (CONTRACT §6.4 `organization:`): every ACTIVE account
under the OU, recursively, read with AWS Organizations from the management account or a
delegated administrator."""

from __future__ import annotations

from dataclasses import dataclass, field

from auditor.collect.session import AwsOptions
from auditor.model.snapshot import CollectionError
from auditor.model.targets import OrganizationScope


@dataclass(frozen=True)
class Discovery:
    accounts: list[str]  # account ids, in a stable order
    errors: list[CollectionError] = field(default_factory=list)  # a failed read: incomplete


def discover_accounts(scope: OrganizationScope, aws: AwsOptions) -> Discovery:
    raise NotImplementedError  # lane A
