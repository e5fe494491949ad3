"""State storage: local files and S3 (against the emulator), round trip and refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.audit.summary import summarize, unreadable_sections
from auditor.collect import AwsOptions
from auditor.model.errors import InputError
from auditor.model.state import State, StateTarget
from auditor.unattended.stores import LocalStateStore, S3StateStore, open_store
from tests.support.aws import Aws
from tests.support.slack import finding, snapshot


def _state() -> State:
    return State(
        updated_at="2024-01-01T00:00:00+00:00",
        target=StateTarget(region="us-east-1", user_pool_id="us-east-1_X"),
        snapshot_digest=snapshot().digest(),
        config=summarize(snapshot()),
        open_findings=[finding()],
    )


def test_open_store_by_location(tmp_path: Path) -> None:
    assert isinstance(open_store(str(tmp_path / "s.json")), LocalStateStore)
    store = open_store("s3://bucket/some/key.json")
    assert isinstance(store, S3StateStore) and store.key == "some/key.json"
    with pytest.raises(InputError):
        open_store("s3://bucket-only")


def test_local_round_trip_leaves_no_temp_files(tmp_path: Path) -> None:
    store = LocalStateStore(tmp_path / "deep" / "state.json")
    assert store.load() is None
    store.save(_state())
    assert store.load() == _state()
    assert [p.name for p in store.path.parent.iterdir()] == ["state.json"]


def test_s3_round_trip_and_corruption(aws: Aws) -> None:
    aws.client("s3").create_bucket(Bucket="state-bucket")
    store = S3StateStore(
        "state-bucket", "auditor/state.json", AwsOptions(region="us-east-1", endpoint_url=aws.url)
    )
    assert store.load() is None  # first run
    store.save(_state())
    assert store.load() == _state()

    aws.client("s3").put_object(Bucket="state-bucket", Key="auditor/state.json", Body=b"[1, 2")
    with pytest.raises(InputError) as raised:
        store.load()
    assert raised.value.source == "s3://state-bucket/auditor/state.json"


def test_s3_unreadable_bucket_is_an_input_error(aws: Aws) -> None:
    store = S3StateStore(
        "no-such-bucket", "state.json", AwsOptions(region="us-east-1", endpoint_url=aws.url)
    )
    with pytest.raises(InputError, match="NoSuchBucket"):
        store.load()


def test_failed_reads_make_sections_unknown() -> None:
    errors = [
        {"service": "iam", "operation": "GetAccountAuthorizationDetails", "message": "x"},
        {"service": "apigatewayv2", "operation": "GetRoutes", "message": "y"},
    ]
    snap = snapshot(errors=errors)
    assert unreadable_sections(snap) == {"role_policies", "routes"}
    summary = summarize(snap)
    assert summary.role_policies is None and summary.routes is None
    assert summary.groups is not None and summary.identity_pool is not None
    strange = snapshot(errors=[{"service": "kms", "operation": "Decrypt", "message": "z"}])
    assert summarize(strange).groups is None  # an unknown service taints everything
