"""Reading a targets file (CONTRACT §6.4): every bad input is one InputError naming the file
and the field, before any AWS call; defaults, precedence and paths as documented."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from auditor.collect.session import known_profiles
from auditor.model.errors import InputError
from auditor.model.targets import Target
from auditor.model.targets_file import load_targets, targets_schema
from auditor.schemas import validator

SECRET = "ext-s3cr3t-value"


def baseline_text(region: str | None = "us-east-1") -> str:
    lines = ["version: 1", "user_pool: {id: us-east-1_abc}", 'identity_pool: {id: "us-east-1:0"}']
    return "\n".join(lines + ([f"region: {region}"] if region else [])) + "\n"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "baselines").mkdir()
    for name in ("prod", "stage", "111111111111", "222222222222"):
        (tmp_path / "baselines" / f"{name}.yaml").write_text(baseline_text(), encoding="utf-8")
    (tmp_path / "noregion.yaml").write_text(baseline_text(None), encoding="utf-8")
    return tmp_path


@pytest.fixture(autouse=True)
def named_profiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The profiles these tests name exist in the AWS config file (an unknown one is exit 2)."""
    config = tmp_path / "aws-config"
    sections = [f"[profile {name}]\nregion = us-east-1\n" for name in ("central", "own", "audit")]
    config.write_text("".join(sections), encoding="utf-8")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))


def write(folder: Path, data: Any, name: str = "targets.yaml") -> Path:
    path = folder / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data), encoding="utf-8")
    return path


def load(folder: Path, data: Any, **kwargs: Any) -> list[Target]:
    return load_targets(write(folder, data), **kwargs).expand([])


def refused(folder: Path, data: Any, **kwargs: Any) -> InputError:
    with pytest.raises(InputError) as raised:
        load_targets(write(folder, data), **kwargs)
    error = raised.value
    assert error.source == str(folder / "targets.yaml")
    assert "\n" not in str(error)
    assert SECRET not in str(error)
    return error


def one(**target: Any) -> dict[str, Any]:
    return {
        "version": 1,
        "targets": [{"name": "prod", "baseline": "baselines/prod.yaml", **target}],
    }


def test_the_contract_example(folder: Path) -> None:
    data = {
        "version": 1,
        "defaults": {
            "region": "us-east-1",
            "role_name": "cognito-route-auditor",
            "external_id": SECRET,
            "baseline": "baselines/{account_id}.yaml",
        },
        "targets": [
            {"name": "prod", "account_id": "111111111111"},
            {
                "name": "stage",
                "account_id": "222222222222",
                "external_id": "other-1",
                "baseline": "baselines/stage.yaml",
                "role_arn": "arn:aws:iam::222222222222:role/auditor",
            },
        ],
    }
    prod, stage = load(folder, data)
    assert prod == Target(
        name="prod",
        baseline=folder / "baselines/111111111111.yaml",
        region="us-east-1",
        account_id="111111111111",
        role_arn="arn:aws:iam::111111111111:role/cognito-route-auditor",
        external_id=SECRET,
    )
    assert stage.role_arn == "arn:aws:iam::222222222222:role/auditor"
    assert stage.external_id == "other-1" and stage.baseline == folder / "baselines/stage.yaml"
    assert SECRET not in repr(prod) and SECRET not in repr(load_targets(write(folder, data)))


def test_json_is_read_too(folder: Path) -> None:
    path = write(folder, json.dumps(one(region="eu-west-1")), "targets.json")
    assert [t.key for t in load_targets(path).expand([])] == ["prod@eu-west-1"]


def test_region_precedence(folder: Path) -> None:
    data = {
        "version": 1,
        "defaults": {"region": "eu-west-1"},
        "targets": [
            {"name": "a", "baseline": "noregion.yaml", "region": "ap-south-1"},
            {"name": "b", "baseline": "noregion.yaml"},
            {"name": "c", "baseline": "noregion.yaml", "regions": ["us-east-1", "us-west-2"]},
        ],
    }
    keys = [t.key for t in load(folder, data, region="ca-central-1")]
    assert keys == ["a@ap-south-1", "b@eu-west-1", "c@us-east-1", "c@us-west-2"]
    del data["defaults"]
    assert [t.region for t in load(folder, data, region="ca-central-1")][1] == "ca-central-1"
    assert [t.region for t in load(folder, data)][1] is None  # the baseline's, later


def test_profile_precedence(folder: Path) -> None:
    second = {"name": "b", "baseline": "baselines/prod.yaml", "profile": "own"}
    data = {
        "version": 1,
        "defaults": {"profile": "central"},
        "targets": [*one()["targets"], second],
    }
    assert [t.profile for t in load(folder, data, profile="cli")] == ["central", "own"]
    del data["defaults"]
    assert [t.profile for t in load(folder, data, profile="cli")] == ["cli", "own"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({**one(), "defaults": {"profile": "missing"}}, "defaults.profile"),
        (
            {
                "version": 1,
                "targets": [
                    {"name": "a", "baseline": "baselines/prod.yaml", "profile": "own"},
                    {"name": "b", "baseline": "baselines/prod.yaml", "profile": "missing"},
                ],
            },
            "targets[1].profile",
        ),
    ],
)
def test_a_profile_the_file_names_must_exist(folder: Path, data: Any, field: str) -> None:
    error = refused(folder, data, known_profiles=known_profiles)
    assert error.field == field
    assert "'missing' is not a profile" in str(error)


def test_the_command_line_profile_is_not_checked_here(folder: Path) -> None:
    """--profile is the run's own (botocore says if it is unknown), not the file's field."""
    assert [t.profile for t in load(folder, one(), profile="elsewhere")] == ["elsewhere"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (one(baseline="baselines/prod\0.yaml"), "targets[0].baseline"),
        (
            {
                "version": 1,
                "defaults": {"baseline": "b/{account_id}\0.yaml", "role_name": "r"},
                "organization": {"ou": "r-abcd", "regions": ["us-east-1"]},
            },
            "defaults.baseline",
        ),
    ],
)
def test_a_nul_character_in_a_baseline_path_is_named(folder: Path, data: Any, field: str) -> None:
    error = refused(folder, data)
    assert (error.field, "NUL" in str(error)) == (field, True)


def test_a_role_name_takes_the_partition_of_the_region(folder: Path) -> None:
    target = one(
        account_id="111111111111", role_name="auditor", regions=["cn-north-1", "us-gov-west-1"]
    )
    arns = [t.role_arn for t in load(folder, target)]
    assert arns == [
        "arn:aws-cn:iam::111111111111:role/auditor",
        "arn:aws-us-gov:iam::111111111111:role/auditor",
    ]


def test_a_role_arn_gives_the_account(folder: Path) -> None:
    (target,) = load(folder, one(role_arn="arn:aws:iam::333333333333:role/x"))
    assert target.account_id == "333333333333"
    error = refused(
        folder, one(account_id="111111111111", role_arn="arn:aws:iam::333333333333:role/x")
    )
    assert error.field == "targets[0].role_arn"


def test_a_default_role_name_is_for_targets_with_an_account(folder: Path) -> None:
    data = {**one(profile="central"), "defaults": {"role_name": "auditor"}}
    data["targets"].append(
        {"name": "b", "baseline": "baselines/prod.yaml", "account_id": "111111111111"}
    )
    own, assumed = load(folder, data)
    assert (own.role_arn, own.profile) == (None, "central")
    assert assumed.role_arn == "arn:aws:iam::111111111111:role/auditor"


def test_a_targets_own_role_name_wins_over_a_default_role_arn(folder: Path) -> None:
    data = one(account_id="111111111111", role_name="own")
    data["defaults"] = {"role_arn": "arn:aws:iam::999999999999:role/central"}
    assert load(folder, data)[0].role_arn == "arn:aws:iam::111111111111:role/own"


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({**one(), "version": 2}, "version", "not a supported version"),
        ({"version": 1}, None, "'targets' or 'organization'"),
        (one(acount_id="111111111111"), "targets[0].acount_id", "did you mean 'account_id'"),
        (one(name="a b"), "targets[0].name", "is not a target name"),
        (one(name="x" * 65), "targets[0].name", "is not a target name"),
        (one(account_id="12345"), "targets[0].account_id", "12-digit"),
        (one(region="us-east-1", regions=["eu-west-1"]), "targets[0]", "not both"),
        (one(regions=["mars-1"]), "targets[0].regions[0]", "not an AWS region"),
        (one(region="Europe"), "targets[0].region", "not an AWS region"),
        (one(role_arn="arn:aws:iam::1:user/x"), "targets[0].role_arn", "not an IAM role ARN"),
        (one(role_name="a/b"), "targets[0].role_name", "a role with a path goes in role_arn"),
        (one(role_name="auditor"), "targets[0].account_id", "role_name names a role"),
        (one(baseline="baselines/{acount}.yaml"), "targets[0].baseline", "unknown placeholder"),
        (one(baseline="baselines/{account_id}.yaml"), "targets[0].baseline", "needs account_id"),
        (one(baseline="baselines/{region}.yaml"), "targets[0].baseline", "needs region"),
        (one(baseline="missing.yaml"), "targets[0].baseline", "missing.yaml: no such file"),
        ({"version": 1, "targets": [{"name": "p"}]}, "targets[0].baseline", "is required"),
        (one(name="111111111111", account_id="222222222222"), "targets[0].name", "account id"),
        (one(profile="my profile"), "targets[0].profile", "no spaces"),
        ({**one(), "organization": {"ou": "ou-12"}}, "organization.ou", "organizational unit id"),
        ({"version": 1, "targets": []}, "targets", "must not be empty"),
        (one(regions=[]), "targets[0].regions", "must not be empty"),
        (one(regions=["us-east-1", "us-east-1"]), "targets[0].regions", "more than once"),
        ({**one(), "defaults": {"name": "x"}}, "defaults.name", "a listed target's own"),
        (
            {**one(), "organization": {"ou": "r-ab12", "regionz": []}},
            "organization.regionz",
            "did you mean 'regions'",
        ),
    ],
)
def test_bad_input_names_the_field(
    folder: Path, data: dict[str, Any], field: str | None, words: str
) -> None:
    error = refused(folder, data)
    assert error.field == field
    assert words in error.problem


@pytest.mark.parametrize("written", ["123456789012", "012345670123"])  # the second is octal
def test_an_account_id_read_as_a_number_is_asked_to_be_quoted(folder: Path, written: str) -> None:
    text = f"version: 1\ntargets:\n  - {{name: p, baseline: b.yaml, account_id: {written}}}\n"
    error = refused(folder, text)
    assert error.field == "targets[0].account_id" and "in quotes" in error.problem


@pytest.mark.parametrize("external_id", [f"{SECRET} with spaces", "Q", 12345678, [SECRET]])
def test_a_bad_external_id_is_named_but_never_shown(folder: Path, external_id: Any) -> None:
    error = refused(folder, one(external_id=external_id))
    assert error.field == "targets[0].external_id"
    assert str(external_id) not in str(error)


def test_a_bad_baseline_is_named_with_its_own_problem(folder: Path) -> None:
    (folder / "bad.yaml").write_text(
        "version: 1\nuser_pool: {id: x}\nidentity_pool: {id: y}\ngroupz: {}\n"
    )
    data = {"version": 1, "targets": [one()["targets"][0], {"name": "b", "baseline": "bad.yaml"}]}
    error = refused(folder, data)
    assert error.field == "targets[1].baseline"
    assert f"{folder / 'bad.yaml'}: groupz: unknown key" in error.problem


@pytest.mark.parametrize(
    ("second", "refused_"),
    [
        ({"name": "prod", "region": "us-east-1"}, True),  # same name, same region
        ({"name": "prod", "region": "eu-west-1"}, False),
        ({"name": "prod"}, True),  # no region: the baseline's, maybe the same
    ],
)
@pytest.mark.parametrize("reverse", [False, True])
def test_a_name_repeats_only_with_other_regions(
    folder: Path, second: dict[str, Any], refused_: bool, reverse: bool
) -> None:
    first = {"name": "prod", "baseline": "baselines/prod.yaml", "region": "us-east-1"}
    entries = [first, {"baseline": "baselines/prod.yaml", **second}]
    data = {"version": 1, "targets": entries[::-1] if reverse else entries}
    if refused_:
        error = refused(folder, data)
        assert error.field == "targets[1].name" and "targets[0]" in error.problem
    else:
        regions = ["us-east-1", "eu-west-1"]
        expected = [f"prod@{region}" for region in (regions[::-1] if reverse else regions)]
        assert [t.key for t in load(folder, data)] == expected


def test_the_schema_is_published_and_accepts_the_contract_example() -> None:
    schema = targets_schema()
    assert schema["$id"].endswith("/schemas/targets.schema.json")
    example = {
        "version": 1,
        "defaults": {
            "region": "us-east-1",
            "role_name": "r",
            "external_id": "ext-123",
            "baseline": "b.yaml",
        },
        "targets": [{"name": "prod", "account_id": "111111111111"}],
        "organization": {"ou": "ou-abcd-12345678", "regions": ["us-east-1", "eu-west-1"]},
    }
    assert list(validator("targets").iter_errors(example)) == []
    assert list(validator("targets").iter_errors({**example, "extra": 1})) != []


def test_a_key_written_twice_is_refused(folder: Path) -> None:
    text = "version: 1\ntargets:\n  - {name: a, baseline: b.yaml, name: c}\n"
    assert "duplicate key 'name'" in refused(folder, text).problem


def test_a_file_that_is_not_a_mapping(folder: Path) -> None:
    assert refused(folder, "- a\n- b\n").field is None
    assert "empty" in refused(folder, "").problem


def test_the_readme_example_reads_as_documented(tmp_path: Path) -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### The targets file", 1)[1]
    example = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "baselines").mkdir()
    for name in ("baselines/111111111111.yaml", "stage.yaml", "central.yaml"):
        (tmp_path / name).write_text(baseline_text(), encoding="utf-8")
    loaded = load_targets(write(tmp_path, example))
    keys = [t.key for t in loaded.expand(["111111111111", "333333333333"])]
    assert keys == [
        "prod@us-east-1",
        "stage@us-east-1",
        "stage@eu-west-1",
        "central@us-east-1",
        "111111111111@eu-west-1",  # prod audits the account in us-east-1
        "333333333333@us-east-1",
        "333333333333@eu-west-1",
    ]
