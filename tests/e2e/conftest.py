"""Fixtures for end-to-end runs: a clean seeded world per test, the CLI in-process or as a
subprocess, and the report reduced to the exact set of findings."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import boto3
import pytest

from auditor.emulator import EmulatorServer
from auditor.emulator.seed import Seeded
from tests.support.world import HTTP, REGION, REST, World, build_world, seed_apis

# Seeding the two APIs is two thirds of the seeding calls, and most scenarios never touch
# them: keep them between tests and reset only the other services, unless a test drifted
# an API (World.apis_dirty) or another test reset the whole emulator meanwhile.
_KEPT_APIS: dict[str, Seeded] = {}
_PER_TEST_SERVICES = ("cognito-idp", "cognito-identity", "iam")


def _reset_services(names: Sequence[str]) -> bool:
    """Reset some moto backends in-process (the emulator runs in this process)."""
    try:
        from moto.backends import get_backend

        for name in names:
            backend: Any = get_backend(name)  # type: ignore[call-overload]
            for account_backend in backend.values():
                account_backend.reset()
            backend.clear()
    except Exception:  # any surprise inside moto: fall back to a full reset
        return False
    return True


def _apis_alive(apis: Seeded) -> bool:
    try:
        from moto.backends import get_backend

        account, region = apis.account_id, apis.region
        rest: Any = get_backend("apigateway")  # type: ignore[call-overload]
        http: Any = get_backend("apigatewayv2")  # type: ignore[call-overload]
        return (
            apis.api_ids[REST] in rest[account][region].apis
            and apis.api_ids[HTTP] in http[account][region].apis
        )
    except Exception:
        return False


@functools.cache
def _session() -> boto3.Session:
    """One session for every world: it caches the service models its clients load."""
    return boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )


@pytest.fixture
def world(
    emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[World]:
    """The clean environment, freshly seeded, and its baseline file."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", emulator.url)
    session = _session()
    kept = _KEPT_APIS.pop(emulator.url, None)
    if kept is None or not _apis_alive(kept) or not _reset_services(_PER_TEST_SERVICES):
        emulator.reset()
        kept = seed_apis(emulator, session)
    emulator.clear_failures()
    built = build_world(emulator, session, tmp_path, apis=kept)
    emulator.clear_operations()
    yield built
    emulator.clear_failures()
    if not built.apis_dirty:
        _KEPT_APIS[emulator.url] = kept
