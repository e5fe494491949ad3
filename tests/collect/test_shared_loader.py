"""Every session of the process shares one botocore loader per data path (collect/session.py),
the sessions of a run of many targets (a rate limiter set) included."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.collect.limits import RateLimiter
from auditor.collect.session import AwsClients, AwsOptions


def _loader(clients: AwsClients) -> object:
    return clients.session._session.get_component("data_loader")


def test_a_targets_session_uses_the_process_loader_and_its_data_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_DATA_PATH", str(tmp_path))  # models of one's own, as botocore allows
    single = AwsClients(AwsOptions(region="eu-west-1"))
    target = AwsClients(
        AwsOptions(region="eu-west-1", limiter=RateLimiter(), account="111111111111")
    )
    assert _loader(target) is _loader(single)
    assert str(tmp_path) in _loader(target).search_paths  # type: ignore[attr-defined]
