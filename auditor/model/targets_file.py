"""Reading a targets file (CONTRACT §6.4): YAML or JSON, checked against its published JSON
Schema (`schemas/targets.schema.json`) with a message naming the file and field, every
listed target's baseline read and checked too: a bad one is exit 2 before any AWS call.

Precedence, highest first: a listed target's own keys, `defaults:`, the command line's
`--region`/`--profile`, and for the region the baseline's own (`Target.region` stays None).
For discovered accounts `organization.role_name`/`regions` win over `defaults`. Credentials:
`role_arn`, else `role_name` in `account_id` (the partition of the region), else `profile`,
else the run's own. The external id is never part of a message.
"""

from __future__ import annotations

import functools
import glob
import os
import re
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

from jsonschema import (  # type: ignore[import-untyped, unused-ignore]
    Draft202012Validator,
)
from jsonschema import ValidationError as JsonSchemaError  # type: ignore[import-untyped, unused-ignore]

from auditor.model.baseline import Baseline
from auditor.model.baseline_file import (
    format_path,
    load_baseline,
    non_string_keys,
    read_document,
    sort_key,
)
from auditor.model.baseline_messages import explain
from auditor.model.errors import InputError
from auditor.model.inputs import MIB
from auditor.model.route_grammar import shown
from auditor.model.targets import (
    PLACEHOLDER,
    PLACEHOLDERS,
    OrganizationScope,
    Target,
    TargetDefaults,
    TargetsFile,
    baseline_path,
    role_arn_in,
)
from auditor.schemas import load_schema

# A few thousand targets are a few hundred KiB.
TARGETS_MAX_BYTES = 16 * MIB
_ACCOUNT_ID = re.compile(r"[0-9]{12}")


def targets_schema() -> dict[str, Any]:
    """The published JSON Schema of a targets file (a fresh copy)."""
    return load_schema("targets")


def load_targets(
    path: Path,
    *,
    region: str | None = None,
    profile: str | None = None,
    home_region: str | None = None,
    known_profiles: Callable[[], Collection[str]] | None = None,
) -> TargetsFile:
    """The targets file at `path`; `region` and `profile` (the command line's) are defaults
    the file overrides. `home_region` (a Lambda's own) is lower still: only the regions of
    `organization:` when nothing else names one; a listed target without a region is audited
    in its baseline's. `known_profiles`: the profiles of the AWS config files (read by the
    caller: the model reads no AWS configuration), against which the file's are checked.
    InputError (exit 2) on any problem, the file and field named."""
    source = str(path)
    data = read_document(path, "targets", TARGETS_MAX_BYTES)
    problems = _problems(source, data)
    if problems:
        raise problems[0]
    assert isinstance(data, dict)  # _problems checked it
    reader = _Reader(path, data, region, profile)
    reader.home_region = home_region
    reader.known_profiles = known_profiles
    return reader.read()


# --- the document and its schema ------------------------------------------------------------


def _problems(source: str, data: object) -> list[InputError]:
    if data is None:
        return [InputError(source, None, "the file is empty; expected a targets mapping")]
    if not isinstance(data, dict):
        kind = type(data).__name__
        return [InputError(source, None, f"the top level must be a mapping, not a {kind}")]
    bad_keys = list(non_string_keys(data, ()))
    if bad_keys:
        loc, key = bad_keys[0]
        return [InputError(source, format_path(loc), f"key {key!r} must be a string (quote it)")]
    found = [
        (loc, message)
        for error in _validator().iter_errors(data)
        for loc, message in _explain(error)
    ]
    found.sort(key=lambda item: (sort_key(item[0]), item[1]))
    return [InputError(source, format_path(loc) or None, message) for loc, message in found]


@functools.cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(targets_schema())


_PATTERNS = {
    "name": "is not a target name: 1 to 64 letters, digits, '.', '_' or '-'",
    "account_id": "is not a 12-digit account id",
    "ou": "is not an organizational unit id (ou-xxxx-xxxxxxxx) or a root id (r-xxxx)",
    "role_name": "is not a role name (1 to 64 of letters, digits and _+=,.@-; "
    "a role with a path goes in role_arn)",
    "profile": "is not a profile name (no spaces)",
}


def _explain(error: JsonSchemaError) -> list[tuple[tuple[Any, ...], str]]:
    """Messages of our own where the baseline's wording does not fit; never the external id."""
    loc = tuple(error.absolute_path)
    kind = str(error.validator)
    field = next((part for part in reversed(loc) if isinstance(part, str)), "")
    if field == "external_id":
        return [(loc, _external_id_message(kind, error))]
    if kind == "anyOf" and loc == ():
        return [(loc, "needs 'targets' or 'organization' (or both)")]
    if kind == "not":
        return [(loc, "give either 'region' or 'regions', not both")]
    if kind == "minItems":
        return [(loc, "must not be empty")]
    if kind == "maxItems":
        return [(loc, f"lists more than the {error.validator_value} allowed")]
    named = isinstance(error.instance, dict) and "name" in error.instance
    if kind == "additionalProperties" and loc == ("defaults",) and named:
        return [(("defaults", "name"), "a name is a listed target's own: defaults cannot give one")]
    if kind == "type" and field == "account_id" and isinstance(error.instance, int):
        return [
            (
                loc,
                "write the account id in quotes, as '012345678901': unquoted, YAML "
                "reads it as a number and drops its leading zeros",
            )
        ]
    if kind == "pattern" and isinstance(error.instance, str):
        if field == "regions" or (field == "region" and loc[-1] != "region"):
            return [(loc, f"{shown(error.instance)} is not an AWS region like us-east-1")]
        if field in _PATTERNS:
            return [(loc, f"{shown(error.instance)} {_PATTERNS[field]}")]
    return explain(error)


def _external_id_message(kind: str, error: JsonSchemaError) -> str:
    if kind == "type":
        return "expected text (quote it)"
    if kind == "pattern":
        return "may hold only letters, digits and _+=,.@:/- (the value is not shown)"
    if kind in ("minLength", "maxLength"):
        return "must be 2 to 1224 characters long (the value is not shown)"
    return "is not valid (the value is not shown)"


# --- from the document to targets -----------------------------------------------------------


class _Reader:
    """Defaults applied, paths resolved, every baseline read: the TargetsFile, or the first
    InputError naming the targets file and its field."""

    def __init__(self, path: Path, data: dict[str, Any], region: str | None, profile: str | None):
        self.path = path
        self.source = str(path)
        self.folder = path.parent
        self.data = data
        raw = data.get("defaults", {})
        self.defaults = TargetDefaults(
            baseline=raw.get("baseline"),
            region=raw.get("region") or (None if raw.get("regions") else region),
            regions=tuple(raw.get("regions", ())),
            role_name=raw.get("role_name"),
            role_arn=raw.get("role_arn"),
            external_id=raw.get("external_id"),
            profile=raw.get("profile") or profile,
        )
        self.default_account = raw.get("account_id")
        self.baselines: dict[Path, Baseline] = {}
        self.profiles: frozenset[str] | None = None
        self.known_profiles: Callable[[], Collection[str]] | None = None
        self.home_region: str | None = None

    def fail(self, field: str, message: str) -> InputError:
        return InputError(self.source, field, message)

    def read(self) -> TargetsFile:
        self.check_profile("defaults.profile", self.defaults_raw.get("profile"))
        listed: list[Target] = []
        covered: set[tuple[str, str]] = set()
        where: dict[str, str] = {}
        for index, raw in enumerate(self.data.get("targets", [])):
            for target in self.listed(index, raw):
                field = f"targets[{index}]"
                # Without a region in the file, a target may be in any region: its name is
                # then its alone.
                other = where.get(target.key) or where.get(target.name)
                if other is None and target.region is None:
                    other = _named(where, target.name)
                if other is not None:
                    raise self.fail(
                        f"{field}.name",
                        f"{shown(target.name)} is also {other}: a name may repeat only with "
                        "different regions, given in the file",
                    )
                where[target.key] = field
                listed.append(target)
                region = target.region or self.baselines[target.baseline].region
                if target.account_id and region:
                    covered.add((target.account_id, region))
        return TargetsFile(
            path=self.path,
            listed=tuple(listed),
            defaults=self.defaults,
            organization=self.organization(),
            covered=frozenset(covered),
            baselines=dict(self.baselines),
        )

    def listed(self, index: int, raw: dict[str, Any]) -> list[Target]:
        field = f"targets[{index}]"
        name: str = raw["name"]
        account_id = self.account_id(field, raw)
        if _ACCOUNT_ID.fullmatch(name) and name != account_id:
            raise self.fail(
                f"{field}.name",
                f"{shown(name)} is an account id, not this target's: discovered accounts are "
                "named so",
            )
        self.check_profile(f"{field}.profile", raw.get("profile"))
        pattern = raw.get("baseline") or self.defaults.baseline
        if pattern is None:
            raise self.fail(f"{field}.baseline", "is required (here or in defaults)")
        pattern_field = f"{field}.baseline" if "baseline" in raw else "defaults.baseline"
        targets = []
        for region in self.regions(raw):
            baseline = self.baseline(
                f"{field}.baseline", pattern, pattern_field, account_id, region
            )
            targets.append(
                Target(
                    name=name,
                    baseline=baseline_path(pattern, self.folder, account_id, region),
                    region=region,
                    account_id=account_id,
                    # a role made from role_name is in the partition of the region audited
                    role_arn=self.role_arn(field, raw, account_id, region or baseline.region),
                    external_id=raw.get("external_id") or self.defaults.external_id,
                    profile=raw.get("profile") or self.defaults.profile,
                )
            )
        return targets

    @property
    def defaults_raw(self) -> dict[str, Any]:
        raw: dict[str, Any] = self.data.get("defaults", {})
        return raw

    def account_id(self, field: str, raw: dict[str, Any]) -> str | None:
        """The target's account: as written, else the account of the role_arn it assumes."""
        written: str | None = raw.get("account_id") or self.default_account
        own_role = raw.get("role_arn") or raw.get("role_name")
        role_arn = raw.get("role_arn") or (None if own_role else self.defaults_raw.get("role_arn"))
        if role_arn is None:
            return written
        arn_account = str(role_arn).split(":")[4]
        if written and arn_account != written:
            where = f"{field}.role_arn" if raw.get("role_arn") else "defaults.role_arn"
            raise self.fail(
                where, f"is a role of account {arn_account}, not of account_id {written}"
            )
        return arn_account

    def role_arn(
        self, field: str, raw: dict[str, Any], account_id: str | None, region: str | None
    ) -> str | None:
        """The target's own role_arn or role_name, then the defaults', in that order. A
        target's own role_name needs its account_id; `defaults.role_name` applies to the
        targets that have one (CONTRACT §6.4: "role_name in account_id, else profile")."""
        if raw.get("role_arn"):
            return str(raw["role_arn"])
        if raw.get("role_name"):
            if not account_id:
                raise self.fail(
                    f"{field}.account_id",
                    "is required: role_name names a role in the target's account",
                )
            return role_arn_in(account_id, raw["role_name"], region)
        if self.defaults_raw.get("role_arn"):
            return str(self.defaults_raw["role_arn"])
        if self.defaults_raw.get("role_name") and account_id:
            return role_arn_in(account_id, self.defaults_raw["role_name"], region)
        return None

    def regions(self, raw: dict[str, Any]) -> tuple[str | None, ...]:
        if raw.get("region"):
            return (raw["region"],)
        if raw.get("regions"):
            return tuple(raw["regions"])
        if self.defaults.regions:
            return self.defaults.regions
        return (self.defaults.region,)

    def baseline(
        self,
        field: str,
        pattern: str,
        pattern_field: str,
        account_id: str | None,
        region: str | None,
    ) -> Baseline:
        self.check_placeholders(pattern_field, pattern)
        names = set(PLACEHOLDER.findall(pattern))
        if "account_id" in names and not account_id:
            raise self.fail(
                field, f"{pattern_field} uses {{account_id}}: the target needs account_id"
            )
        if "region" in names and not region:
            raise self.fail(
                field, f"{pattern_field} uses {{region}}: the target needs region or regions"
            )
        return self.load(field, baseline_path(pattern, self.folder, account_id, region))

    def check_profile(self, field: str, profile: str | None) -> None:
        """A profile the file names must exist in the AWS config files: read locally by
        botocore (collect.session.known_profiles, no AWS call), before any target runs."""
        if not profile:
            return
        if self.known_profiles is None:  # no AWS config to check against (a library call)
            return
        if self.profiles is None:
            self.profiles = frozenset(self.known_profiles())
        if profile not in self.profiles:
            raise self.fail(field, f"{shown(profile)} is not a profile of the AWS config files")

    def check_placeholders(self, field: str, pattern: str) -> None:
        if "\0" in pattern:  # the OS refuses such a path: bad input, not a crash
            raise self.fail(field, "contains a NUL character")
        for name in PLACEHOLDER.findall(pattern):
            if name not in PLACEHOLDERS:
                raise self.fail(
                    field,
                    f"unknown placeholder {shown('{' + name + '}')}: only {{account_id}} and "
                    "{region} are replaced",
                )

    def load(self, field: str, path: Path) -> Baseline:
        if path not in self.baselines:
            try:
                self.baselines[path] = load_baseline(path)
            except InputError as exc:
                raise self.fail(field, str(exc)) from None
        return self.baselines[path]

    def organization(self) -> OrganizationScope | None:
        raw = self.data.get("organization")
        if raw is None:
            return None
        if self.defaults.role_arn:
            raise self.fail(
                "defaults.role_arn",
                "names one role of one account: discovered accounts need role_name (in "
                "organization or defaults)",
            )
        role_name = raw.get("role_name") or self.defaults.role_name
        if not role_name:
            raise self.fail("organization.role_name", "is required (here or in defaults)")
        regions = tuple(raw.get("regions", ())) or self.defaults.regions
        regions = regions or ((self.defaults.region,) if self.defaults.region else ())
        regions = regions or ((self.home_region,) if self.home_region else ())
        if not regions:
            raise self.fail("organization.regions", "is required (here, in defaults, or --region)")
        pattern = self.defaults.baseline
        if pattern is None:
            raise self.fail(
                "defaults.baseline", "is required to audit the accounts organization discovers"
            )
        self.check_placeholders("defaults.baseline", pattern)
        for region in regions:
            for path in self.existing_baselines(pattern, region):
                self.load("defaults.baseline", path)
        return OrganizationScope(ou=raw["ou"], regions=regions, role_name=role_name)

    def existing_baselines(self, pattern: str, region: str) -> list[Path]:
        """Every file `pattern` names in `region` for some account: all must be valid now.
        Without {account_id} it names one file, which must exist (whatever is discovered);
        with it, an account whose file is missing is that target's problem, found later."""
        if "{account_id}" not in pattern:
            return [baseline_path(pattern, self.folder, None, region)]
        base = "" if Path(pattern).is_absolute() else f"{self.folder}{os.sep}"
        wildcard, exact = glob.escape(base), re.escape(base)
        for index, piece in enumerate(PLACEHOLDER.split(pattern)):
            if index % 2 == 0:  # split puts the placeholders' names at odd positions
                wildcard, exact = wildcard + glob.escape(piece), exact + re.escape(piece)
            elif piece == "account_id":
                wildcard, exact = wildcard + "*", exact + _ACCOUNT_ID.pattern
            else:
                wildcard, exact = wildcard + glob.escape(region), exact + re.escape(region)
        return sorted(Path(p) for p in glob.glob(wildcard) if re.fullmatch(exact, p))


def _named(where: dict[str, str], name: str) -> str | None:
    """Which entry already uses `name` (under any region), if one does."""
    return next((field for key, field in where.items() if key.split("@")[0] == name), None)
