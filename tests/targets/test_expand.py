"""`organization:` in a targets file: what it needs, which baselines are checked before any AWS
call, and the targets `expand` adds for the accounts discovery found."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from auditor.model.errors import InputError
from auditor.model.targets import Target
from auditor.model.targets_file import load_targets

OU = "ou-abcd-12345678"
A, B, C = "111111111111", "222222222222", "333333333333"
VALID = 'version: 1\nuser_pool: {id: us-east-1_abc}\nidentity_pool: {id: "us-east-1:0"}\n'


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "baselines").mkdir()
    for account in (A, B):
        for region in ("us-east-1", "eu-west-1"):
            (tmp_path / "baselines" / f"{account}-{region}.yaml").write_text(
                VALID, encoding="utf-8"
            )
    (tmp_path / "shared.yaml").write_text(VALID + "region: eu-west-1\n", encoding="utf-8")
    return tmp_path


def targets_file(folder: Path, **top: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "version": 1,
        "defaults": {
            "role_name": "auditor",
            "external_id": "ext-1",
            "baseline": "baselines/{account_id}-{region}.yaml",
        },
        "organization": {"ou": OU, "regions": ["us-east-1", "eu-west-1"]},
    }
    data.update(top)
    return data


def read(folder: Path, data: dict[str, Any], **kwargs: Any) -> Any:
    path = folder / "targets.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return load_targets(path, **kwargs)


def refused(folder: Path, data: dict[str, Any], **kwargs: Any) -> InputError:
    with pytest.raises(InputError) as raised:
        read(folder, data, **kwargs)
    return raised.value


def test_one_target_per_account_and_region_named_by_the_account(folder: Path) -> None:
    targets = read(folder, targets_file(folder)).expand([A, C, A])
    assert [t.key for t in targets] == [
        f"{A}@us-east-1",
        f"{A}@eu-west-1",
        f"{C}@us-east-1",
        f"{C}@eu-west-1",
    ]
    first = targets[0]
    assert first == Target(
        name=A,
        baseline=folder / f"baselines/{A}-us-east-1.yaml",
        region="us-east-1",
        account_id=A,
        role_arn=f"arn:aws:iam::{A}:role/auditor",
        external_id="ext-1",
        discovered=True,
    )
    # C has no baseline file: its target is still there, for the runner to report incomplete.
    assert not targets[2].baseline.exists()


def test_listed_targets_come_first_and_keep_their_account_and_region(folder: Path) -> None:
    listed = [
        {"name": "prod", "account_id": A, "region": "us-east-1"},
        {"name": "prod-eu", "account_id": B, "baseline": "shared.yaml"},  # region from its baseline
    ]
    targets = read(folder, targets_file(folder, targets=listed)).expand([A, B])
    assert [t.key for t in targets] == [
        "prod@us-east-1",
        "prod-eu",
        f"{A}@eu-west-1",
        f"{B}@us-east-1",
    ]
    assert [t.discovered for t in targets] == [False, False, True, True]


def test_organization_settings_win_over_defaults(folder: Path) -> None:
    data = targets_file(folder)
    data["defaults"]["regions"] = ["ap-south-1"]
    data["organization"] = {"ou": OU, "role_name": "org-role", "regions": ["us-east-1"]}
    (target,) = read(folder, data).expand([A])
    assert (target.region, target.role_arn) == ("us-east-1", f"arn:aws:iam::{A}:role/org-role")


def test_regions_from_defaults_then_the_command_line(folder: Path) -> None:
    data = targets_file(folder)
    data["organization"] = {"ou": "r-ab12"}
    assert refused(folder, data).field == "organization.regions"
    assert [t.region for t in read(folder, data, region="eu-west-1").expand([A])] == ["eu-west-1"]
    data["defaults"]["regions"] = ["us-east-1", "eu-west-1"]
    assert [t.region for t in read(folder, data, region="ap-south-1").expand([A])] == [
        "us-east-1",
        "eu-west-1",
    ]


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"role_name": None}, "organization.role_name", "is required"),
        ({"baseline": None}, "defaults.baseline", "is required"),
        ({"role_arn": f"arn:aws:iam::{A}:role/x"}, "defaults.role_arn", "one role of one account"),
        ({"baseline": "baselines/{acct}.yaml"}, "defaults.baseline", "unknown placeholder"),
        ({"baseline": "baselines/{region}.yaml"}, "defaults.baseline", "no such file"),
    ],
)
def test_what_discovery_needs(folder: Path, change: dict[str, Any], field: str, words: str) -> None:
    data = targets_file(folder)
    for key, value in change.items():
        if value is None:
            del data["defaults"][key]
        else:
            data["defaults"][key] = value
    error = refused(folder, data)
    assert (error.field, error.source) == (field, str(folder / "targets.yaml"))
    assert words in error.problem


def test_every_existing_baseline_the_pattern_names_is_checked_first(folder: Path) -> None:
    bad = folder / "baselines" / f"{C}-eu-west-1.yaml"
    bad.write_text("version: 1\n", encoding="utf-8")
    error = refused(folder, targets_file(folder))
    assert error.field == "defaults.baseline" and str(bad) in error.problem
    # A file the pattern cannot name (not an account id, another region) is not read.
    bad.rename(folder / "baselines" / "notes-eu-west-1.yaml")
    (folder / "baselines" / f"{C}-ap-south-1.yaml").write_text("junk: [", encoding="utf-8")
    assert read(folder, targets_file(folder)).organization.ou == OU
