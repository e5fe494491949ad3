"""Slack alert: what changed since the previous run, as one Block Kit message.

Credentials come from the environment (the Lambda handler puts its secret there):
`SLACK_BOT_TOKEN` + `SLACK_CHANNEL` (Web API, `chat.postMessage`) or `SLACK_WEBHOOK_URL`
(incoming webhook). `SLACK_API_URL` overrides the Web API base URL (tests, proxies).
Neither the token nor the webhook URL (which embeds a secret) is ever logged or returned.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, quote_plus, urlsplit

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.webhook import WebhookClient

from auditor.model.findings import Finding
from auditor.model.report import Report

MAX_LISTED = 8  # per list; Block Kit sections cap at 3,000 characters
MAX_RETRIES = 2

# slack-sdk logs full requests (Authorization header, webhook URL) when its logger is at DEBUG
# or NOTSET; give it one pinned above DEBUG so a verbose root logger never leaks the token.
_SDK_LOGGER = logging.getLogger("auditor.unattended.slack_sdk")
_SDK_LOGGER.setLevel(logging.INFO)

_SEVERITY_ICONS = {
    "critical": ":rotating_light:",
    "high": ":red_circle:",
    "medium": ":large_orange_circle:",
    "low": ":large_yellow_circle:",
    "info": ":information_source:",
}


class SlackNotConfiguredError(Exception):
    """--slack was given but no credentials are in the environment."""


class SlackDeliveryError(Exception):
    """Slack did not take the message; `str()` is safe to log (no token, no webhook URL)."""

    def __init__(self, operation: str, message: str) -> None:
        self.operation = operation
        super().__init__(message)


_FIELDS = ("bot_token", "channel", "webhook_url", "api_url")


@dataclass(frozen=True)
class SlackConfig:
    bot_token: str | None = field(default=None, repr=False)
    channel: str | None = None
    webhook_url: str | None = field(default=None, repr=False)
    api_url: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SlackConfig:
        env = os.environ if env is None else env
        return cls.of(
            {field: env.get(f"SLACK_{field.upper()}") for field in _FIELDS},
            "set SLACK_BOT_TOKEN and SLACK_CHANNEL, or SLACK_WEBHOOK_URL",
        )

    @classmethod
    def of(cls, values: Mapping[str, Any], missing: str) -> SlackConfig:
        """From bot_token + channel or webhook_url (api_url optional); other keys are ignored.
        Raises SlackNotConfiguredError(missing) when neither way to send is complete."""
        config = cls(
            **{field: str(values[field]) if values.get(field) else None for field in _FIELDS}
        )
        if not (config.bot_token and config.channel) and not config.webhook_url:
            raise SlackNotConfiguredError(missing)
        return config

    @property
    def operation(self) -> str:
        return "chat.postMessage" if self.bot_token and self.channel else "webhook"

    def redact(self, text: str) -> str:
        """`text` without the token or the webhook's secret path, plain or URL-encoded."""
        secrets = [self.bot_token, self.webhook_url]
        path = urlsplit(self.webhook_url).path if self.webhook_url else ""
        if path.strip("/"):
            secrets.append(path)  # /services/T.../B.../<secret>: the URL's secret part
        for secret in sorted(filter(None, secrets), key=len, reverse=True):
            forms = {secret, quote(secret, safe=""), quote(secret), quote_plus(secret)}
            for form in sorted(forms, key=len, reverse=True):
                text = text.replace(form, "***")
        return text


@dataclass(frozen=True)
class AlertContent:
    """What one message says; `new` and `resolved` may span several runs (a pending alert)."""

    report: Report
    new: list[Finding]
    resolved: list[Finding]
    config_changes: int = 0
    report_url: str | None = None

    @property
    def has_changes(self) -> bool:
        return bool(self.new or self.resolved)


@dataclass(frozen=True)
class TargetAlert:
    """One target's part of a run's single combined message (CONTRACT §6.4)."""

    name: str  # the target's name (with its region when the name stands for several)
    content: AlertContent


def send_combined(
    alerts: Sequence[TargetAlert], config: SlackConfig, report_url: str | None
) -> None:
    """One message for a whole run of many targets: what changed where (slack_combined.py).
    Raises SlackDeliveryError like `send`."""
    from auditor.unattended.slack_combined import build_combined_blocks, combined_summary_text

    _deliver(build_combined_blocks(alerts, report_url), combined_summary_text(alerts), config)


def _retry_handlers() -> list[RetryHandler]:
    return [
        RateLimitErrorRetryHandler(max_retry_count=MAX_RETRIES),
        ConnectionErrorRetryHandler(max_retry_count=MAX_RETRIES),
    ]


def send(content: AlertContent, config: SlackConfig) -> None:
    """Deliver the alert; raises SlackDeliveryError once slack-sdk's retries are spent."""
    _deliver(build_blocks(content), summary_text(content), config)


def _deliver(blocks: list[dict[str, Any]], text: str, config: SlackConfig) -> None:
    """One message, through the Web API or the webhook; SlackDeliveryError (redacted) once
    slack-sdk's retries are spent."""
    operation = config.operation
    try:
        if operation == "chat.postMessage":
            kwargs: dict[str, Any] = {"base_url": config.api_url} if config.api_url else {}
            client = WebClient(
                token=config.bot_token,
                timeout=10,
                logger=_SDK_LOGGER,
                retry_handlers=_retry_handlers(),
                **kwargs,
            )
            client.chat_postMessage(channel=config.channel or "", text=text, blocks=blocks)
            return
        webhook = WebhookClient(
            config.webhook_url or "",
            timeout=10,
            logger=_SDK_LOGGER,
            retry_handlers=_retry_handlers(),
        )
        response = webhook.send(text=text, blocks=blocks)
    except Exception as exc:  # slack-sdk raises SlackApiError, URLError, OSError, ValueError...
        raise SlackDeliveryError(operation, config.redact(_describe(exc))) from None
    if response.status_code != 200:
        raise SlackDeliveryError(
            operation,
            config.redact(
                f"webhook answered HTTP {response.status_code}: {str(response.body)[:200]}"
            ),
        )


def _describe(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if response is not None and hasattr(response, "status_code"):
        error = response.data.get("error") if isinstance(response.data, dict) else None
        return f"Slack answered HTTP {response.status_code}" + (f" ({error})" if error else "")
    reason = getattr(exc, "reason", None)  # URLError wraps the socket error here
    return f"{type(exc).__name__}: {reason if reason is not None else exc}"[:300]


# --- message ---------------------------------------------------------------------------------


def _target_line(report: Report) -> str:
    target = report.target
    parts = [f"account {target.account_id or 'unknown'}", f"region {target.region}"]
    if target.user_pool_id:
        parts.append(f"user pool {target.user_pool_id}")
    if target.identity_pool_id:
        parts.append(f"identity pool {target.identity_pool_id}")
    return ", ".join(parts)


def summary_text(content: AlertContent) -> str:
    """Plain-text fallback (notifications, screen readers)."""
    report = content.report
    pool = report.target.user_pool_id or report.target.region
    accepted = report.summary.accepted
    open_count = report.summary.open
    return (
        f"Cognito route audit of {pool}: {len(content.new)} new, "
        f"{len(content.resolved)} resolved, {open_count} open findings"
        + (f" ({accepted} accepted not counted)" if accepted else "")
    )


def _finding_line(finding: Finding) -> str:
    icon = _SEVERITY_ICONS.get(finding.severity.value, "")
    where = " · ".join(part for part in (finding.persona, finding.route) if part)
    line = f"{icon} *{finding.severity.value}* `{finding.rule_id}`"
    if where:
        line += f" {where}"
    return f"{line}\n      {finding.resource}"


def most_severe_first(findings: Sequence[Finding]) -> list[Finding]:
    """The order an alert lists findings in: by severity, then rule, stably."""
    return sorted(findings, key=lambda f: (-f.severity.rank, f.rule_id, f.fingerprint))


def _finding_list(title: str, findings: list[Finding]) -> dict[str, Any]:
    ordered = most_severe_first(findings)
    lines = [_finding_line(f) for f in ordered[:MAX_LISTED]]
    if len(ordered) > MAX_LISTED:
        lines.append(f"and {len(ordered) - MAX_LISTED} more")
    body = f"*{title} ({len(findings)})*\n" + "\n".join(lines)
    return {"type": "section", "text": {"type": "mrkdwn", "text": body[:3000]}}


def build_blocks(content: AlertContent) -> list[dict[str, Any]]:
    report = content.report
    header = f"Cognito route audit: {len(content.new)} new, {len(content.resolved)} resolved"
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": header[:150]}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": _target_line(report)}]},
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": f"*{severity}*: {count}"}
                for severity, count in report.open_by_severity().items()
            ],
        },
    ]
    if report.summary.accepted:
        blocks[-1]["fields"].append(
            {"type": "mrkdwn", "text": f"*accepted* (not counted): {report.summary.accepted}"}
        )
    if report.status != "complete":
        blocks.append(
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": (
                        f":warning: Incomplete ({report.incomplete_because()}): "
                        "findings that could not be checked are kept open."
                    ),
                },
            }
        )
    if content.new:
        blocks.append(_finding_list("New findings", content.new))
    if content.resolved:
        blocks.append(_finding_list("Resolved findings", content.resolved))
    if content.config_changes:
        blocks.append(
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": (
                            f"{content.config_changes} live configuration change(s) since the "
                            "last run (see `changed-since-last-run` in the report)"
                        ),
                    }
                ],
            }
        )
    if content.report_url:
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"<{content.report_url}|Open the full report>"},
            }
        )
    return blocks
