"""The `org` fixture: member accounts and the runner's bucket (tests/deploy/organization.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.deploy.organization import Organization, make_org
from tests.support.aws import Aws


@pytest.fixture
def org(aws: Aws, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Organization]:
    yield from make_org(aws, tmp_path, monkeypatch)
