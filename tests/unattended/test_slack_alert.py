"""Slack delivery through slack-sdk against a local fake: retries, failures, message shape."""

from __future__ import annotations

import logging
import time

import pytest

from auditor.model.findings import Severity
from auditor.model.report import ReportError
from auditor.unattended.slack import (
    MAX_LISTED,
    AlertContent,
    SlackConfig,
    SlackDeliveryError,
    SlackNotConfiguredError,
    build_blocks,
    send,
)
from tests.support.slack import TOKEN, FakeSlack, Scripted, finding, report


def _content(**kwargs: object) -> AlertContent:
    new = [
        finding(),
        finding("excess-route", Severity.CRITICAL, persona="unauthenticated", route="GET /admin"),
    ]
    values: dict[str, object] = {"report": report(new), "new": new, "resolved": []}
    values.update(kwargs)
    return AlertContent(**values)  # type: ignore[arg-type]


def test_bot_token_message_reaches_chat_post_message(slack: FakeSlack) -> None:
    send(_content(report_url="https://example.test/r.html"), SlackConfig.from_env())

    [request] = slack.requests
    assert request.path == "/api/chat.postMessage"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.body["channel"] == "#audit"
    text = str(request.body["blocks"])
    assert "us-east-1_X" in text and "123456789012" in text
    assert "https://example.test/r.html" in text
    # the most severe finding is listed first
    sections = [b["text"]["text"] for b in request.body["blocks"] if "text" in b]
    listing = next(text for text in sections if "New findings" in text)
    assert listing.index("excess-route") < listing.index("precedence-drift")


def test_rate_limit_then_success_delivers_exactly_once(slack: FakeSlack) -> None:
    slack.script = [Scripted(429, '{"ok": false, "error": "ratelimited"}', {"Retry-After": "1"})]
    started = time.monotonic()

    send(_content(), SlackConfig.from_env())

    assert len(slack.requests) == 2  # the 429, then the one delivered message
    assert time.monotonic() - started >= 1.0  # Retry-After was honoured


def test_webhook_delivery_and_failure_hide_the_url(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeSlack()
    try:
        config = SlackConfig.from_env({"SLACK_WEBHOOK_URL": fake.webhook_url})
        send(_content(), config)
        assert fake.requests[0].path == "/services/T000/B000/secret-webhook-part"
        assert fake.requests[0].body["blocks"][0]["type"] == "header"

        fake.default = Scripted(500, "boom")
        with pytest.raises(SlackDeliveryError) as raised:
            send(_content(), config)
        assert raised.value.operation == "webhook"
        assert "500" in str(raised.value)
        assert "secret-webhook-part" not in str(raised.value)
    finally:
        fake.stop()


def test_server_down_raises_without_the_token(
    slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    slack.stop()
    caplog.set_level(logging.DEBUG)
    with pytest.raises(SlackDeliveryError) as raised:
        send(_content(), SlackConfig.from_env())
    assert raised.value.operation == "chat.postMessage"
    assert TOKEN not in str(raised.value)
    assert TOKEN not in caplog.text


def test_api_error_is_a_delivery_error(slack: FakeSlack) -> None:
    slack.default = Scripted(200, '{"ok": false, "error": "channel_not_found"}')
    with pytest.raises(SlackDeliveryError, match="channel_not_found"):
        send(_content(), SlackConfig.from_env())


def test_missing_credentials() -> None:
    with pytest.raises(SlackNotConfiguredError):
        SlackConfig.from_env({"SLACK_BOT_TOKEN": "xoxb-1"})  # no channel
    assert "xoxb-1" not in repr(SlackConfig(bot_token="xoxb-1", channel="#a"))


def test_long_lists_are_capped() -> None:
    many = [finding(persona=f"group:g{i}") for i in range(MAX_LISTED + 3)]
    blocks = build_blocks(AlertContent(report=report(many), new=[], resolved=many))
    text = str(blocks)
    assert "Resolved findings (11)" in text
    assert "and 3 more" in text
    assert "New findings" not in text


def test_an_incomplete_report_says_why() -> None:
    errors = [ReportError(service="auditor", operation="EvaluatePolicy", message="x")]
    incomplete = report([finding()], status="incomplete").model_copy(update={"errors": errors})
    text = str(build_blocks(AlertContent(report=incomplete, new=[], resolved=[])))
    assert "Incomplete (1 policy document(s) or route(s) could not be evaluated)" in text
