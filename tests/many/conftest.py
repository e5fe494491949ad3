"""Fixtures for runs of many targets: hand-made targets files (the runner without the
loader), a fake Slack, and the CLI's report read back as JSON."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from auditor.model.targets import Target, TargetsFile
from tests.support.slack import TOKEN, FakeSlack

SLACK_ENV = ("SLACK_BOT_TOKEN", "SLACK_CHANNEL", "SLACK_WEBHOOK_URL", "SLACK_API_URL")


@dataclass(frozen=True)
class HandMade(TargetsFile):
    """A targets file as the loader would make it, its expansion the listed targets."""

    def expand(self, accounts: list[str]) -> list[Target]:
        return list(self.listed)


@pytest.fixture
def hand_made(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[[list[Target]], Path]:
    """Make `run --targets FILE` read these targets (whatever FILE says): the runner alone."""

    def use(targets: list[Target]) -> Path:
        path = tmp_path / "targets.yaml"
        path.write_text("version: 1\n", encoding="utf-8")
        made = HandMade(path=path, listed=tuple(targets))

        def load(at: Path, **_: Any) -> Any:
            return made

        monkeypatch.setattr("auditor.model.targets_file.load_targets", load)
        return path

    return use


@pytest.fixture
def slack(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSlack]:
    fake = FakeSlack()
    for name in SLACK_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("SLACK_CHANNEL", "#audit")
    monkeypatch.setenv("SLACK_API_URL", fake.api_url)
    yield fake
    fake.stop()


def combined(stdout: str) -> dict[str, Any]:
    data = json.loads(stdout)
    assert isinstance(data, dict)
    return data


def by_name(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["name"]: entry for entry in report["targets"]}


def rule_ids(entry: dict[str, Any]) -> set[str]:
    return {finding["rule_id"] for finding in entry["findings"]}
