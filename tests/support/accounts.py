"""Many emulated accounts: a boto3 session per account, the auditor role in a member account,
a seeded world per account, and an AWS Organization with nested OUs.

moto keeps a backend per account. A request lands in the account named by its
`x-moto-account-id` header (moto's own hook, `BaseResponse.get_current_account`), else in the
account of its access key (a role session's key belongs to the role's account), else in the
default 123456789012. `account_session` sends the header on every request; credentials from the
emulator's AssumeRole (auditor/emulator/sts.py) reach the role's account without it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from auditor.collect import OPERATIONS
from auditor.emulator import EmulatorServer
from tests.support.world import World, build_world

ACCOUNT_HEADER = "x-moto-account-id"
AUDITOR_ROLE = "cognito-route-auditor"


def account_session(
    emulator: EmulatorServer, account_id: str, region: str = "us-east-1"
) -> boto3.Session:
    """A session whose every request acts in `account_id` (plain test keys, the header).

    Clients copy the session's handlers when made, so make them from this session
    (`session.client(name, endpoint_url=emulator.url)`)."""
    del emulator  # for symmetry with the other helpers: the endpoint goes on each client
    session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region
    )

    def add_header(request: Any, **_: Any) -> None:
        request.headers[ACCOUNT_HEADER] = account_id

    session.events.register("before-sign.*.*", add_header)
    return session


def client(session: boto3.Session, emulator: EmulatorServer, name: str) -> Any:
    return session.client(name, endpoint_url=emulator.url)  # type: ignore[call-overload]


def trust_policy(trusted_account: str, external_id: str | None = None) -> dict[str, Any]:
    """What the member-account role says: the trusted account may assume it (with the
    external id, when there is one)."""
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{trusted_account}:root"},
        "Action": "sts:AssumeRole",
    }
    if external_id is not None:
        statement["Condition"] = {"StringEquals": {"sts:ExternalId": external_id}}
    return {"Version": "2012-10-17", "Statement": [statement]}


def create_auditor_role(
    session: boto3.Session,
    trusted_account: str,
    external_id: str | None = None,
    name: str = AUDITOR_ROLE,
    *,
    endpoint_url: str | None = None,
) -> str:
    """The read-only auditor role in the session's account, trusting `trusted_account`;
    its ARN. `endpoint_url` defaults to AWS_ENDPOINT_URL (the `aws` fixture sets it)."""
    iam = session.client("iam", endpoint_url=endpoint_url)
    role = iam.create_role(
        RoleName=name,
        AssumeRolePolicyDocument=json.dumps(trust_policy(trusted_account, external_id)),
    )["Role"]
    read_only = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": list(OPERATIONS), "Resource": "*"}],
    }
    iam.put_role_policy(RoleName=name, PolicyName="read-only", PolicyDocument=json.dumps(read_only))
    return str(role["Arn"])


def seed_account(
    emulator: EmulatorServer,
    account_id: str,
    folder: Path,
    region: str = "us-east-1",
    baseline_name: str = "baseline.yaml",
) -> World:
    """The clean world of tests/support/world.py in `account_id` and `region`, its baseline
    written to `folder / baseline_name` (sub-folders made). The World's clients act in that
    account; its `arns`/`route_resource` helpers assume us-east-1."""
    folder.mkdir(parents=True, exist_ok=True)
    world = build_world(emulator, account_session(emulator, account_id, region), folder)
    if baseline_name != "baseline.yaml":
        (folder / baseline_name).parent.mkdir(parents=True, exist_ok=True)
        world.write_baseline(name=baseline_name)
    return world


@dataclass
class Organization:
    """What `create_organization` made: ids by the layout's names."""

    management_account: str
    root_id: str
    ous: dict[str, str] = field(default_factory=dict)  # "prod/eu" -> ou-...
    accounts: dict[str, str] = field(default_factory=dict)  # account name -> 12-digit id

    def account_ids(self, *names: str) -> list[str]:
        return sorted(self.accounts[name] for name in names)


def create_organization(
    emulator: EmulatorServer, management_account: str, layout: Mapping[str, Any]
) -> Organization:
    """An organization managed by `management_account`, shaped by `layout`:
    `{"accounts": [names under the root], "ous": {ou name: {"accounts": [...], "ous": {...}}}}`.

    moto gives each new account a random id (as AWS does): read them from the result."""
    orgs = client(account_session(emulator, management_account), emulator, "organizations")
    orgs.create_organization(FeatureSet="ALL")
    root_id = orgs.list_roots()["Roots"][0]["Id"]
    made = Organization(management_account, root_id)

    def build(parent_id: str, path: str, node: Mapping[str, Any]) -> None:
        for name in node.get("accounts", []):
            status = orgs.create_account(Email=f"{name}@example.com", AccountName=name)
            account_id = status["CreateAccountStatus"]["AccountId"]
            made.accounts[name] = account_id
            if parent_id != root_id:
                orgs.move_account(
                    AccountId=account_id, SourceParentId=root_id, DestinationParentId=parent_id
                )
        for name, child in node.get("ous", {}).items():
            ou_id = orgs.create_organizational_unit(ParentId=parent_id, Name=name)[
                "OrganizationalUnit"
            ]["Id"]
            made.ous[f"{path}{name}"] = ou_id
            build(ou_id, f"{path}{name}/", child)

    build(root_id, "", layout)
    return made


def close_account(emulator: EmulatorServer, organization: Organization, name: str) -> None:
    """Close a member account (moto marks it SUSPENDED at once, as AWS does after 90 days)."""
    orgs = client(
        account_session(emulator, organization.management_account), emulator, "organizations"
    )
    orgs.close_account(AccountId=organization.accounts[name])
