"""Many targets in one run (CONTRACT §6.4): what a targets file asks for, once read.

`model/targets_file.py` reads and checks the file (its published JSON Schema is
`schemas/targets.schema.json`) into a TargetsFile; `collect/organizations.py` finds the
accounts of an `organization:` OU; `expand` turns both into the Targets one run audits, in the
contract's order: the listed ones, then one per discovered account and region.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

# The session name every AssumeRole of the auditor carries: CloudTrail in a member account
# names the tool that read it.
ROLE_SESSION_NAME = "cognito-route-auditor"


@dataclass(frozen=True)
class Target:
    """One (account, region, baseline) to audit, every default applied and every path
    resolved against the targets file's folder.

    Credentials, in the contract's order: `role_arn` (already made from `role_name` and
    `account_id` when only those were given), else `profile`, else the run's own; `profile`
    also supplies the credentials that call AssumeRole. `external_id` goes with AssumeRole.
    """

    name: str
    baseline: Path
    region: str | None = None  # None: the command line's --region, then the baseline's
    account_id: str | None = None  # as the file says (or discovery found); checked live
    role_arn: str | None = None
    external_id: str | None = field(default=None, repr=False)  # never printed or logged
    profile: str | None = None
    discovered: bool = False  # added by `organization:`, not listed

    @property
    def key(self) -> str:
        """Unique within a run: a name may stand for several regions (`regions:`, or an
        account discovered in two). Files kept per target (state) are named by it."""
        return f"{self.name}@{self.region}" if self.region else self.name


@dataclass(frozen=True)
class OrganizationScope:
    """`organization:`: every active account under `ou` (recursively), in each region."""

    ou: str  # ou-xxxx-xxxxxxxx, or the root r-xxxx
    regions: tuple[str, ...]
    role_name: str | None = None  # wins over defaults.role_name


@dataclass(frozen=True)
class TargetDefaults:
    """`defaults:` as written (paths not yet resolved): what a discovered account gets."""

    baseline: str | None = None  # may hold {account_id} and {region}
    region: str | None = None
    regions: tuple[str, ...] = ()
    role_name: str | None = None
    role_arn: str | None = None
    external_id: str | None = field(default=None, repr=False)
    profile: str | None = None


@dataclass(frozen=True)
class TargetsFile:
    """A targets file as read: the listed targets (defaults applied, regions expanded) and
    what discovery needs to add the others."""

    path: Path
    listed: tuple[Target, ...]
    defaults: TargetDefaults = TargetDefaults()
    organization: OrganizationScope | None = None

    def expand(self, accounts: list[str]) -> list[Target]:
        """The run's targets: the listed ones, then one per discovered account (in the
        order given) and region of `organization`."""
        raise NotImplementedError  # lane A: model/targets_file.py
