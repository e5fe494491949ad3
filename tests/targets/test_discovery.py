"""Discovery through AWS Organizations against the emulator: active accounts under an OU,
recursively; a failed read is an error of the discovery, never an exception or a silent gap."""

from __future__ import annotations

import pytest

from auditor.collect import OPERATIONS
from auditor.collect.organizations import ORGANIZATION_OPERATIONS, discover_accounts
from auditor.collect.session import AwsOptions
from auditor.emulator import EmulatorServer
from auditor.model.targets import OrganizationScope
from tests.support.accounts import Organization, close_account, create_organization
from tests.support.aws import Aws

MANAGEMENT = "123456789012"  # the default account: the run's own credentials land there
LAYOUT = {
    "accounts": ["loose"],
    "ous": {
        "workloads": {
            "accounts": ["shop"],
            "ous": {
                "prod": {"accounts": ["prod-a", "prod-b"], "ous": {"eu": {"accounts": ["prod-eu"]}}}
            },
        },
        "sandbox": {"accounts": ["play"]},
    },
}


@pytest.fixture
def org(aws: Aws) -> Organization:
    return create_organization(aws.emulator, MANAGEMENT, LAYOUT)


def discover(aws: Aws, ou: str) -> tuple[list[str], list[str]]:
    found = discover_accounts(
        OrganizationScope(ou=ou, regions=("us-east-1",)),
        AwsOptions(endpoint_url=aws.url, max_attempts=1),
    )
    return found.accounts, [
        f"{e.service}:{e.operation}:{e.resource}:{e.message}" for e in found.errors
    ]


def test_every_account_under_the_ou_recursively(aws: Aws, org: Organization) -> None:
    accounts, errors = discover(aws, org.ous["workloads"])
    assert accounts == org.account_ids("shop", "prod-a", "prod-b", "prod-eu")
    assert errors == []
    assert discover(aws, org.ous["workloads/prod/eu"])[0] == org.account_ids("prod-eu")


def test_the_root_covers_the_organization(aws: Aws, org: Organization) -> None:
    accounts, _ = discover(aws, org.root_id)
    assert set(org.accounts.values()) <= set(accounts)  # the management account is there too
    assert MANAGEMENT in accounts


def test_a_closed_account_is_left_out(aws: Aws, org: Organization) -> None:
    close_account(aws.emulator, org, "prod-b")
    assert discover(aws, org.ous["workloads/prod"])[0] == org.account_ids("prod-a", "prod-eu")


def test_the_deprecated_status_is_read_when_state_is_absent(aws: Aws, org: Organization) -> None:
    emulator: EmulatorServer = aws.emulator
    emulator.inject_answer(
        "organizations:ListAccountsForParent",
        {
            "Accounts": [
                {"Id": "444444444444", "Status": "ACTIVE"},
                {"Id": "555555555555", "Status": "SUSPENDED"},
                {"Id": "666666666666", "Status": "ACTIVE", "State": "PENDING_CLOSURE"},
            ]
        },
    )
    try:
        accounts, errors = discover(aws, org.ous["workloads/prod/eu"])
    finally:
        emulator.clear_failures()
    assert (accounts, errors) == (["444444444444"], [])


def test_a_denied_read_is_an_error_and_the_rest_is_still_read(aws: Aws, org: Organization) -> None:
    aws.emulator.inject_failure(
        "organizations:ListOrganizationalUnitsForParent", message="not a delegated administrator"
    )
    try:
        accounts, errors = discover(aws, org.ous["workloads"])
    finally:
        aws.emulator.clear_failures()
    assert accounts == org.account_ids("shop")  # what could be read, and the run incomplete
    assert errors == [
        "organizations:ListOrganizationalUnitsForParent:"
        f"{org.ous['workloads']}:AccessDeniedException: not a delegated administrator"
    ]


def test_an_unknown_ou_is_an_error_not_an_empty_organization(aws: Aws, org: Organization) -> None:
    accounts, errors = discover(aws, "ou-zzzz-99999999")
    assert accounts == []
    assert len(errors) == 2 and all("ou-zzzz-99999999" in e for e in errors)


def test_the_member_role_never_gets_the_organization_reads() -> None:
    assert set(ORGANIZATION_OPERATIONS).isdisjoint(OPERATIONS)
    assert all(op.startswith("organizations:List") for op in ORGANIZATION_OPERATIONS)


def test_pages_are_followed(aws: Aws) -> None:
    names = [f"a{n}" for n in range(45)]  # AWS and moto answer 20 a page
    org = create_organization(aws.emulator, MANAGEMENT, {"ous": {"many": {"accounts": names}}})
    accounts, errors = discover(aws, org.ous["many"])
    assert (accounts, errors) == (org.account_ids(*names), [])
    assert aws.emulator.operations()["organizations:ListAccountsForParent"] == 3
