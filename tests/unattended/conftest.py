"""Fixtures for the unattended-run tests: a fake Slack, small reports and snapshots."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.slack import TOKEN, FakeSlack

SLACK_ENV = ("SLACK_BOT_TOKEN", "SLACK_CHANNEL", "SLACK_WEBHOOK_URL", "SLACK_API_URL")


@pytest.fixture
def slack(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSlack]:
    """A fake Slack with the bot-token credentials pointed at it."""
    fake = FakeSlack()
    for name in SLACK_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("SLACK_CHANNEL", "#audit")
    monkeypatch.setenv("SLACK_API_URL", fake.api_url)
    yield fake
    fake.stop()
