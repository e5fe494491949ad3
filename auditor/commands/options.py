"""What one audit run is asked to do; shared by the CLI, the scheduler and the Lambda handler.

The command line's raw option values become a RunOptions here, checked at the door: a bad
value is an InputError (exit 2) naming the option before any AWS read or audit starts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, get_args

from auditor.commands.atomic import shown, writable_file
from auditor.commands.exit_codes import EXIT_FINDINGS as EXIT_FINDINGS  # re-exported
from auditor.commands.exit_codes import EXIT_INCOMPLETE as EXIT_INCOMPLETE
from auditor.commands.exit_codes import EXIT_INPUT as EXIT_INPUT
from auditor.commands.exit_codes import EXIT_INTERNAL as EXIT_INTERNAL
from auditor.commands.exit_codes import EXIT_OK as EXIT_OK
from auditor.commands.paths import input_file, output_file, refuse_overwriting
from auditor.model.access_matrix import MatrixScope
from auditor.model.errors import InputError
from auditor.model.findings import Severity

if TYPE_CHECKING:
    # The renderers (and rich) are imported by the commands that render, not by `validate`.
    from auditor.collect import AwsOptions
    from auditor.report.render import ReportFormat
    from auditor.unattended.slack import SlackConfig

SUFFIX_FORMATS: dict[str, ReportFormat] = {
    ".json": "json",
    ".html": "html",
    ".htm": "html",
    ".md": "markdown",
    ".txt": "table",
}


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
    matrix: MatrixScope = "full"  # which cells the report lists (the checks see them all)


def report_format(fmt: str | None, output: Path | None, *, terminal: bool) -> ReportFormat:
    """--format, else the suffix of -o, else a table on a terminal and JSON otherwise."""
    if fmt is None:
        if output is not None and output.suffix.lower() in SUFFIX_FORMATS:
            return SUFFIX_FORMATS[output.suffix.lower()]
        return "table" if output is None and terminal else "json"
    from auditor.report.render import ReportFormat

    formats: tuple[ReportFormat, ...] = get_args(ReportFormat)
    for known in formats:
        if fmt.lower() == known:
            return known
    raise InputError("--format", None, f"{shown(fmt)} is not one of {', '.join(formats)}")


def state_location(raw: str | None) -> str | None:
    """--state: an s3://bucket/key, or a local file the state can be written back to."""
    if raw is None:
        return None
    if raw.startswith("s3://"):
        bucket, _, key = raw.removeprefix("s3://").partition("/")
        if not bucket or not key:
            raise InputError("--state", None, f"expected s3://bucket/key, got {shown(raw)}")
        return raw
    return str(writable_file(raw, "--state"))


MATRIX_SCOPES: tuple[MatrixScope, ...] = ("full", "differing", "none")


def matrix_scope(raw: str, option: str = "--matrix") -> MatrixScope:
    """--matrix: full (every cell, CONTRACT §4), differing or none."""
    for known in MATRIX_SCOPES:
        if raw.lower() == known:
            return known
    raise InputError(option, None, f"{shown(raw)} is not one of {', '.join(MATRIX_SCOPES)}")


def slack_options(slack: bool, always: bool) -> SlackOptions:
    """--slack without a token or webhook is a usage error now, not a failed alert later."""
    if not (slack or always):
        return SlackOptions()
    from auditor.unattended.slack import SlackConfig, SlackNotConfiguredError

    try:
        config = SlackConfig.from_env()
    except SlackNotConfiguredError as exc:
        raise InputError("--slack", None, str(exc)) from exc
    return SlackOptions(enabled=True, always=always, config=config)


def run_options(
    *,
    baseline: str,
    aws: AwsOptions,
    snapshot: str | None = None,
    fmt: str | None = None,
    output: str | None = None,
    fail_on: str = "low",
    state: str | None = None,
    slack: bool = False,
    slack_always: bool = False,
    terminal: bool = False,
    matrix: str = "full",
) -> RunOptions:
    """Every option of `run` and `schedule` checked, cheapest first, before any work."""
    output_path = output_file(output)
    options = RunOptions(
        baseline=input_file(baseline, "--baseline"),
        aws=aws,
        snapshot=None if snapshot is None else input_file(snapshot, "--snapshot"),
        output=output_path,
        format=report_format(fmt, output_path, terminal=terminal),
        fail_on=Severity.parse(fail_on, "--fail-on"),
        state=state_location(state),
        slack=slack_options(slack, slack_always),
        matrix=matrix_scope(matrix),
    )
    _refuse_overwriting_inputs(options)
    return options


def _refuse_overwriting_inputs(options: RunOptions) -> None:
    state = options.state
    local_state = Path(state) if state and not state.startswith("s3://") else None
    refuse_overwriting(
        {"--output": options.output, "--state": local_state},
        {"--baseline": options.baseline, "--snapshot": options.snapshot},
    )
