"""One Slack message for a run of many targets (send_combined) against the local fake Slack:
what changed where, most severe first, within Slack's limits at 400 targets, secrets redacted."""

from __future__ import annotations

from typing import Any

import pytest

from auditor.model.findings import Finding, Severity
from auditor.model.report import Report, ReportError, ReportTarget
from auditor.unattended.slack import (
    AlertContent,
    SlackConfig,
    SlackDeliveryError,
    TargetAlert,
    send_combined,
)
from auditor.unattended.slack_combined import MAX_BLOCKS, MAX_HEADER, MAX_TEXT
from tests.support.slack import TOKEN, FakeSlack, Scripted, finding, report


def _at(source: Report, account: str, region: str = "us-east-1") -> Report:
    target = ReportTarget(account_id=account, region=region, user_pool_id="us-east-1_X")
    return source.model_copy(update={"target": target})


def _alert(
    name: str, account: str, new: list[Finding], resolved: list[Finding] | None = None
) -> TargetAlert:
    content = AlertContent(report=_at(report(new), account), new=new, resolved=list(resolved or []))
    return TargetAlert(name=name, content=content)


def _incomplete(name: str, account: str, new: list[Finding] | None = None) -> TargetAlert:
    failed = ReportError(service="sts", operation="AssumeRole", message="AccessDenied")
    source = report(new or [], status="incomplete").model_copy(update={"errors": [failed]})
    return TargetAlert(
        name=name, content=AlertContent(report=_at(source, account), new=new or [], resolved=[])
    )


def _sections(body: dict[str, Any]) -> list[str]:
    return [b["text"]["text"] for b in body["blocks"] if b["type"] == "section"]


def test_one_message_lists_what_changed_where_most_severe_first(slack: FakeSlack) -> None:
    critical = finding("excess-route", Severity.CRITICAL, persona="unauthenticated", route="GET /a")
    alerts = [
        _alert("stage", "222222222222", [finding()]),
        _alert("quiet", "333333333333", []),
        _alert(
            "prod", "111111111111", [finding(), critical], resolved=[finding("route-undeclared")]
        ),
        _incomplete("legacy", "444444444444"),
    ]
    send_combined(alerts, SlackConfig.from_env(), "https://example.test/org.html")

    [request] = slack.requests
    assert request.path == "/api/chat.postMessage"
    body = request.body
    header = body["blocks"][0]["text"]["text"]
    assert header == "Cognito route audit: 3 new, 1 resolved in 2 target(s)"
    context = body["blocks"][1]["elements"][0]["text"]
    assert "4 targets audited · 2 with changes" in context and "1 incomplete" in context
    sections = _sections(body)
    assert sections[0].startswith("*prod*  (111111111111 · us-east-1)")
    assert "2 new · 1 resolved" in sections[0]
    assert sections[0].index("excess-route") < sections[0].index("precedence-drift")
    assert sections[1].startswith("*stage*")
    assert not any(s.startswith("*quiet*") for s in sections)  # nothing changed there
    assert "Incomplete (1)" in sections[2] and "*legacy* (444444444444 · us-east-1)" in sections[2]
    assert "https://example.test/org.html" in sections[-1]
    assert body["text"].startswith("Cognito route audit of 4 targets: 3 new, 1 resolved")


def test_an_incomplete_target_with_news_is_flagged_in_its_section(slack: FakeSlack) -> None:
    send_combined(
        [_incomplete("legacy", "444444444444", [finding()])], SlackConfig.from_env(), None
    )
    [section, named] = _sections(slack.requests[0].body)
    assert (
        section.startswith("*legacy*") and ":warning: incomplete (1 AWS read(s) failed)" in section
    )
    assert "Incomplete (1)" in named and "*legacy*" in named


def test_every_incomplete_target_is_named_or_counted(slack: FakeSlack) -> None:
    """Incomplete targets are named even when the targets with news fill the message."""
    alerts = [_alert(f"news-{i:03d}", f"{100000000000 + i:012d}", [finding()]) for i in range(80)]
    alerts += [
        _incomplete(f"gap-{i:03d}-" + "y" * 40, f"{900000000000 + i:012d}") for i in range(150)
    ]
    alerts += [_incomplete("gap-with-news", "999999999999", [finding()])]
    send_combined(alerts, SlackConfig.from_env(), None)

    body = slack.requests[0].body
    assert len(body["blocks"]) <= MAX_BLOCKS
    text = "\n".join(_sections(body))
    assert all(len(s) <= MAX_TEXT for s in _sections(body))
    assert all(f"*gap-{i:03d}-" in text for i in range(150))
    assert "*gap-with-news* (999999999999" in text
    assert "Incomplete (151)" in text


def test_incomplete_targets_past_the_limit_are_counted(slack: FakeSlack) -> None:
    alerts = [
        _incomplete(f"gap-{i:04d}-" + "z" * 60, f"{900000000000 + i:012d}") for i in range(2000)
    ]
    send_combined(alerts, SlackConfig.from_env(), None)
    body = slack.requests[0].body
    assert len(body["blocks"]) <= MAX_BLOCKS
    sections = _sections(body)
    named = sum(s.count("*gap-") for s in sections)
    assert 0 < named < 2000
    assert sections[-1].endswith(f"and {2000 - named} more: see the report")


def test_four_hundred_targets_stay_within_slacks_limits(slack: FakeSlack) -> None:
    alerts = [
        _alert(
            f"account-{i:03d}-" + "x" * 60,
            f"{100000000000 + i:012d}",
            [
                finding(
                    f"rule-{j}", Severity.HIGH if i % 7 else Severity.CRITICAL, route=f"GET /{j}"
                )
                for j in range(1 + i % 5)
            ],
            resolved=[finding("gone")] if i % 3 == 0 else [],
        )
        for i in range(400)
    ]
    alerts += [
        _incomplete(f"broken-{i:03d}-" + "y" * 80, f"{900000000000 + i:012d}") for i in range(60)
    ]
    send_combined(alerts, SlackConfig.from_env(), "https://example.test/org.html")

    body = slack.requests[0].body
    blocks = body["blocks"]
    assert len(blocks) <= MAX_BLOCKS
    assert len(blocks[0]["text"]["text"]) <= MAX_HEADER
    for block in blocks:
        texts = [block["text"]["text"]] if "text" in block else []
        texts += [element["text"] for element in block.get("elements", [])]
        assert all(len(text) <= MAX_TEXT for text in texts)
    targets = [s for s in _sections(body) if s.startswith("*account-")]
    # The 58 targets with a new critical finding (every 7th) come first: they fill the room.
    assert 0 < len(targets) < 58
    assert all(":rotating_light: *critical*" in s for s in targets)
    more = next(
        b["elements"][0]["text"]
        for b in blocks
        if b["type"] == "context" and "more targets" in str(b)
    )
    assert more.startswith(f"and {400 - len(targets)} more targets with changes")
    assert "https://example.test/org.html" in _sections(body)[-1]  # the link is never cut off


def test_a_failed_delivery_is_redacted(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeSlack()
    try:
        fake.default = Scripted(500, f'{{"echo": "{fake.webhook_url} {TOKEN}"}}')
        config = SlackConfig(webhook_url=fake.webhook_url)
        with pytest.raises(SlackDeliveryError) as raised:
            send_combined([_alert("prod", "111111111111", [finding()])], config, None)
        message = str(raised.value)
        assert "secret-webhook-part" not in message
        assert raised.value.operation == "webhook"
    finally:
        fake.stop()


def test_a_failed_bot_token_delivery_never_shows_the_token(slack: FakeSlack) -> None:
    slack.default = Scripted(200, f'{{"ok": false, "error": "invalid_auth {TOKEN}"}}')
    with pytest.raises(SlackDeliveryError) as raised:
        send_combined([_alert("prod", "111111111111", [finding()])], SlackConfig.from_env(), None)
    assert TOKEN not in str(raised.value)
    assert "invalid_auth" in str(raised.value)
