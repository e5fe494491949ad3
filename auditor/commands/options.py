"""What one audit run is asked to do; shared by the CLI, the scheduler and the Lambda handler."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from auditor.model.findings import Severity
from auditor.report.render import ReportFormat

if TYPE_CHECKING:
    from auditor.collect import AwsOptions
    from auditor.unattended.slack import SlackConfig


@dataclass(frozen=True)
class SlackOptions:
    enabled: bool = False
    always: bool = False  # send even when nothing changed since the previous run
    config: SlackConfig | None = None  # None: SLACK_* from the environment when sending


@dataclass(frozen=True)
class RunOptions:
    baseline: Path
    aws: AwsOptions
    snapshot: Path | None = None  # audit this saved snapshot offline instead of collecting
    output: Path | None = None  # None: stdout
    format: ReportFormat = "json"
    fail_on: Severity = Severity.LOW
    state: str | None = None  # local path or s3://bucket/key
    slack: SlackOptions = field(default_factory=SlackOptions)
    report_url: str | None = None  # where the report is published, for the alert's link
