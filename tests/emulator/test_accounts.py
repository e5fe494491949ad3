"""The many-account helpers of tests/support/accounts.py do what the other tests rely on."""

from __future__ import annotations

from pathlib import Path

import yaml

from auditor.emulator import EmulatorServer
from tests.support.accounts import (
    account_session,
    client,
    close_account,
    create_organization,
    seed_account,
)

MEMBER = "222222222222"


def test_an_account_session_acts_in_its_account_only(emulator: EmulatorServer) -> None:
    emulator.reset()
    member = client(account_session(emulator, MEMBER), emulator, "cognito-idp")
    member.create_user_pool(PoolName="p")
    assert (
        client(account_session(emulator, MEMBER), emulator, "sts").get_caller_identity()["Account"]
        == MEMBER
    )
    assert [p["Name"] for p in member.list_user_pools(MaxResults=5)["UserPools"]] == ["p"]
    default = client(account_session(emulator, "123456789012"), emulator, "cognito-idp")
    assert default.list_user_pools(MaxResults=5)["UserPools"] == []


def test_seed_account_writes_a_baseline_of_that_account_and_region(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    emulator.reset()
    world = seed_account(
        emulator, MEMBER, tmp_path / "a", region="eu-west-1", baseline_name="b/x.yaml"
    )
    assert world.seeded.account_id == MEMBER and world.seeded.region == "eu-west-1"
    baseline = yaml.safe_load((tmp_path / "a" / "b" / "x.yaml").read_text(encoding="utf-8"))
    assert baseline["region"] == "eu-west-1"
    assert baseline["user_pool"]["id"] == world.user_pool_id
    pools = client(account_session(emulator, MEMBER, "eu-west-1"), emulator, "cognito-idp")
    assert [p["Id"] for p in pools.list_user_pools(MaxResults=5)["UserPools"]] == [
        world.user_pool_id
    ]


def test_create_organization_nests_ous_and_accounts(emulator: EmulatorServer) -> None:
    emulator.reset()
    org = create_organization(
        emulator,
        "111111111111",
        {
            "accounts": ["top"],
            "ous": {"prod": {"accounts": ["p1"], "ous": {"eu": {"accounts": ["p2"]}}}},
        },
    )
    orgs = client(account_session(emulator, "111111111111"), emulator, "organizations")
    under_eu = orgs.list_accounts_for_parent(ParentId=org.ous["prod/eu"])["Accounts"]
    assert [a["Id"] for a in under_eu] == [org.accounts["p2"]]
    under_prod = orgs.list_organizational_units_for_parent(ParentId=org.ous["prod"])
    assert [ou["Id"] for ou in under_prod["OrganizationalUnits"]] == [org.ous["prod/eu"]]
    close_account(emulator, org, "p2")
    closed = orgs.describe_account(AccountId=org.accounts["p2"])["Account"]
    assert closed["Status"] == "SUSPENDED"
