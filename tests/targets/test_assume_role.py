"""A target read through its role (AwsOptions.role_arn): botocore's refreshable assumed-role
credentials, with the external id; a role that cannot be assumed is one sts AssumeRole error
and no other read; the external id is never logged or kept."""

from __future__ import annotations

import datetime
import logging
from pathlib import Path

import botocore.credentials
import pytest

from auditor.collect import AwsOptions, collect_snapshot
from auditor.collect.session import AwsClients
from auditor.commands.console import configure
from auditor.commands.run import target_of
from auditor.model.baseline_file import load_baseline
from auditor.model.snapshot import CollectionError, Snapshot
from auditor.model.targets import ROLE_SESSION_NAME
from tests.support.accounts import account_session, create_auditor_role, seed_account
from tests.support.aws import Aws
from tests.support.world import World

CENTRAL = "123456789012"  # the run's own credentials (plain test keys) land in this account
MEMBER = "222222222222"
SECRET = "ext-Secret-7731"


@pytest.fixture
def member(aws: Aws, tmp_path: Path) -> tuple[World, str]:
    world = seed_account(aws.emulator, MEMBER, tmp_path)
    role_arn = create_auditor_role(
        account_session(aws.emulator, MEMBER), CENTRAL, external_id=SECRET, endpoint_url=aws.url
    )
    aws.emulator.clear_operations()
    return world, role_arn


def collect(aws: Aws, world: World, role_arn: str, external_id: str | None) -> Snapshot:
    options = AwsOptions(
        region="us-east-1", endpoint_url=aws.url, role_arn=role_arn, external_id=external_id
    )
    return collect_snapshot(target_of(load_baseline(world.baseline_path)), options)


def test_the_role_reads_the_member_account(aws: Aws, member: tuple[World, str]) -> None:
    world, role_arn = member
    snapshot = collect(aws, world, role_arn, SECRET)
    assert snapshot.errors == []
    assert snapshot.account_id == MEMBER
    assert snapshot.user_pool is not None and snapshot.user_pool.id == world.user_pool_id
    assert aws.emulator.operations()["sts:AssumeRole"] == 1  # once, for every read


@pytest.mark.parametrize("external_id", [None, "ext-Wrong-0000"])
def test_a_role_that_cannot_be_assumed_is_one_error_and_no_other_read(
    aws: Aws, member: tuple[World, str], external_id: str | None
) -> None:
    world, role_arn = member
    snapshot = collect(aws, world, role_arn, external_id)
    assert snapshot.errors == [
        CollectionError(
            service="sts",
            operation="AssumeRole",
            message=f"AccessDenied: User: arn:aws:sts::{CENTRAL}:user/moto is not authorized "
            f"to perform: sts:AssumeRole on resource: {role_arn}",
            resource=role_arn,
        )
    ]
    assert snapshot.account_id is None and snapshot.user_pool is None
    assert dict(aws.emulator.operations()) == {"sts:AssumeRole": 1}


def test_a_role_in_an_account_without_it(aws: Aws, member: tuple[World, str]) -> None:
    world, _ = member
    elsewhere = f"arn:aws:iam::333333333333:role/{ROLE_SESSION_NAME}"
    (error,) = collect(aws, world, elsewhere, SECRET).errors
    assert (error.service, error.operation, error.resource) == ("sts", "AssumeRole", elsewhere)
    assert error.message.startswith("AccessDenied: ")


def test_no_source_credentials_is_the_same_one_error(
    aws: Aws, member: tuple[World, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    world, role_arn = member
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    (error,) = collect(aws, world, role_arn, SECRET).errors
    assert (error.service, error.operation) == ("sts", "AssumeRole")
    assert aws.emulator.operations() == {}


def test_the_credentials_are_renewed_before_they_expire(
    aws: Aws, member: tuple[World, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, role_arn = member
    clients = AwsClients(
        AwsOptions(region="us-east-1", endpoint_url=aws.url, role_arn=role_arn, external_id=SECRET)
    )
    sts = clients.client("sts")
    assert sts.get_caller_identity()["Account"] == MEMBER
    credentials = clients.session.get_credentials()
    assert isinstance(credentials, botocore.credentials.DeferredRefreshableCredentials)
    assert credentials.method == "assume-role"
    sts.get_caller_identity()
    assert aws.emulator.operations()["sts:AssumeRole"] == 1  # still fresh: not fetched again

    # 55 minutes later, the one-hour credentials are within botocore's refresh window.
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=55)
    monkeypatch.setattr(credentials, "_time_fetcher", lambda: later)
    monkeypatch.setattr(botocore.credentials, "_local_now", lambda: later)
    assert sts.get_caller_identity()["Account"] == MEMBER
    assert aws.emulator.operations()["sts:AssumeRole"] == 2


def test_the_external_id_is_never_logged_or_kept(
    aws: Aws,
    member: tuple[World, str],
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    world, role_arn = member
    configure(level="debug")
    try:
        with caplog.at_level(logging.DEBUG, logger="auditor"):
            good = collect(aws, world, role_arn, SECRET)
            bad = collect(aws, world, role_arn, SECRET[:-1] + "X")
    finally:
        configure()
    assert good.errors == [] and len(bad.errors) == 1
    captured = capsys.readouterr()
    for text in (
        captured.out,
        captured.err,
        caplog.text,
        good.model_dump_json(),
        bad.model_dump_json(),
    ):
        assert SECRET not in text and SECRET[:-1] not in text
    assert SECRET not in repr(AwsOptions(role_arn=role_arn, external_id=SECRET))
