"""Many targets in one run (CONTRACT §6.4): what a targets file asks for, once read.

`model/targets_file.py` reads and checks the file (its published JSON Schema is
`schemas/targets.schema.json`) into a TargetsFile; `collect/organizations.py` finds the
accounts of an `organization:` OU; `expand` turns both into the Targets one run audits, in the
contract's order: the listed ones, then one per discovered account and region.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from auditor.model.baseline import Baseline

# The session name every AssumeRole of the auditor carries: CloudTrail in a member account
# names the tool that read it.
ROLE_SESSION_NAME = "cognito-route-auditor"

# What `baseline:` may hold: `{account_id}` and `{region}`, replaced by the target's.
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
PLACEHOLDERS = ("account_id", "region")
# Regions outside the `aws` partition, by prefix (longest first: us-isob- before us-iso-).
_PARTITIONS = (
    ("us-isob-", "aws-iso-b"),
    ("us-isof-", "aws-iso-f"),
    ("eu-isoe-", "aws-iso-e"),
    ("us-iso-", "aws-iso"),
    ("us-gov-", "aws-us-gov"),
    ("cn-", "aws-cn"),
)


def partition_of(region: str | None) -> str:
    """The ARN partition of a region (`aws` when none is known)."""
    return next((p for prefix, p in _PARTITIONS if region and region.startswith(prefix)), "aws")


def role_arn_in(account_id: str, role_name: str, region: str | None) -> str:
    """The ARN of `role_name` in `account_id`, in the partition of `region`."""
    return f"arn:{partition_of(region)}:iam::{account_id}:role/{role_name}"


def baseline_path(pattern: str, folder: Path, account_id: str | None, region: str | None) -> Path:
    """`pattern` with its placeholders replaced, relative to `folder` (the targets file's).
    The caller has checked that every placeholder is known and has a value."""
    values = {"account_id": account_id, "region": region}
    return folder / PLACEHOLDER.sub(lambda m: values[m.group(1)] or m.group(0), pattern)


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
    defaults: TargetDefaults = TargetDefaults()  # --region/--profile folded in, lowest first
    organization: OrganizationScope | None = None
    # (account id, region) pairs the listed targets audit (a listed target's region is its
    # baseline's when the file gives none): discovery does not audit them twice.
    covered: frozenset[tuple[str, str]] = frozenset()
    # Every baseline read and validated while checking the file, by path: the run audits
    # with these instead of reading and validating each file a second time.
    baselines: Mapping[Path, Baseline] = field(default_factory=dict, compare=False, repr=False)

    def expand(self, accounts: list[str]) -> list[Target]:
        """The run's targets: the listed ones, then one per discovered account (in the
        order given, each once) and region of `organization`, named by the account id;
        an (account, region) a listed target already audits is left to it."""
        targets = list(self.listed)
        if self.organization is None:
            return targets
        scope, defaults = self.organization, self.defaults
        assert defaults.baseline is not None and scope.role_name is not None  # load_targets
        template = Target(
            name="",
            baseline=Path(),
            external_id=defaults.external_id,
            profile=defaults.profile,
            discovered=True,
        )
        for account_id in dict.fromkeys(accounts):
            for region in scope.regions:
                if (account_id, region) in self.covered:
                    continue
                targets.append(
                    replace(
                        template,
                        name=account_id,
                        baseline=baseline_path(
                            defaults.baseline, self.path.parent, account_id, region
                        ),
                        region=region,
                        account_id=account_id,
                        role_arn=role_arn_in(account_id, scope.role_name, region),
                    )
                )
        return targets
