"""What one audit run is asked to do; shared by the CLI, the scheduler and the Lambda handler.

The command line's raw option values become a RunOptions here, checked at the door: a bad
value is an InputError (exit 2) naming the option before any AWS read or audit starts.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, get_args

from auditor.commands.atomic import is_stream, shown, writable_file
from auditor.commands.exit_codes import EXIT_FINDINGS as EXIT_FINDINGS  # re-exported
from auditor.commands.exit_codes import EXIT_INCOMPLETE as EXIT_INCOMPLETE
from auditor.commands.exit_codes import EXIT_INPUT as EXIT_INPUT
from auditor.commands.exit_codes import EXIT_INTERNAL as EXIT_INTERNAL
from auditor.commands.exit_codes import EXIT_OK as EXIT_OK
from auditor.commands.paths import input_file, refuse_overwriting
from auditor.model.access_matrix import MatrixScope
from auditor.model.errors import InputError
from auditor.model.findings import Severity

if TYPE_CHECKING:
    # The renderers (and rich) are imported by the commands that render, not by `validate`.
    from auditor.collect import AwsOptions
    from auditor.report.render import ReportFormat
    from auditor.unattended.slack import SlackConfig

# Longest first: "x.ocsf.json" is OCSF, "x.json" JSON.
SUFFIX_FORMATS: dict[str, ReportFormat] = {
    ".ocsf.json": "ocsf",
    ".sarif.json": "sarif",
    ".json": "json",
    ".html": "html",
    ".htm": "html",
    ".md": "markdown",
    ".sarif": "sarif",
    ".xml": "junit",
    ".txt": "table",
}
S3_SCHEME = "s3://"
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
FAIL_NEVER = "none"  # --fail-on none: findings never make the exit code 1


@dataclass(frozen=True)
class ReportOutput:
    """One place the report is written (`-o`): a local file or an S3 object, in one format."""

    location: str  # a local path, or s3://bucket/key
    format: ReportFormat

    @property
    def path(self) -> Path | None:
        """The local file; None for S3."""
        return None if self.is_s3 else Path(self.location)

    @property
    def is_s3(self) -> bool:
        return self.location.startswith(S3_SCHEME)


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
    outputs: tuple[ReportOutput, ...] = ()  # none: the report goes to stdout
    format: ReportFormat = "json"  # on stdout, and of RunOutcome.rendered
    fail_on: Severity | None = Severity.LOW  # None: --fail-on none
    security_hub: bool = False  # import the findings into Security Hub (--security-hub)
    state: str | None = None  # local path or s3://bucket/key
    slack: SlackOptions = field(default_factory=SlackOptions)
    report_url: str | None = None  # where the report is published, for the alert's link
    matrix: MatrixScope = "full"  # which cells the report lists (the checks see them all)


def report_format(fmt: str | None, *, terminal: bool) -> ReportFormat:
    """--format, else a table on a terminal and JSON otherwise (an -o's suffix is
    report_outputs')."""
    if fmt is None:
        return "table" if terminal else "json"
    from auditor.report.render import ReportFormat

    formats: tuple[ReportFormat, ...] = get_args(ReportFormat)
    for known in formats:
        if fmt.lower() == known:
            return known
    raise InputError("--format", None, f"{shown(fmt)} is not one of {', '.join(formats)}")


def suffix_format(name: str) -> ReportFormat | None:
    lowered = name.lower()
    for suffix, fmt in SUFFIX_FORMATS.items():
        if lowered.endswith(suffix):
            return fmt
    return None


def report_outputs(
    raw: list[str],
    fmt: str | None,
    *,
    terminal: bool,
    keep: dict[str, Path | None] | None = None,
) -> tuple[tuple[ReportOutput, ...], ReportFormat]:
    """Every -o checked, with its format, and the format of stdout.

    No -o: stdout in --format (else a table on a terminal, JSON otherwise). One -o: --format
    if given (as before), else the path's suffix. Several: each from its suffix, and --format
    is refused (it could only apply to one of them). A suffix the auditor does not know,
    without --format, is refused: `-o report.pdf` would otherwise be JSON in disguise.
    No output may be one of the files in `keep` (the inputs and the state): that is said
    first, since `-o baseline.yaml` is a worse mistake than its suffix.
    """
    stdout_format = report_format(fmt, terminal=terminal)
    if len(raw) > 1 and fmt is not None:
        raise InputError(
            "--format",
            None,
            "applies to a single --output; with several, each takes its format from its suffix",
        )
    outputs: list[ReportOutput] = []
    for location in raw:
        where = f"--output {shown(location)}"
        chosen: ReportFormat | None
        if location.startswith(S3_SCHEME):
            s3_address(location, where)
            chosen = stdout_format if fmt is not None else suffix_format(location)
        else:
            path = writable_file(location, "--output")
            refuse_overwriting({"--output": path}, keep or {})
            # A device or pipe (-o /dev/stdout) has no suffix: JSON, as it always had.
            by_suffix = "json" if is_stream(path) else suffix_format(path.name)
            chosen = stdout_format if fmt is not None else by_suffix
        if chosen is None:
            known = " ".join(SUFFIX_FORMATS)
            raise InputError(where, None, f"unknown suffix: use one of {known}, or --format")
        outputs.append(ReportOutput(location, chosen))
    _refuse_duplicates(outputs)
    return tuple(outputs), stdout_format


def s3_address(location: str, where: str) -> tuple[str, str]:
    """(bucket, key) of `s3://bucket/key`: -o, --state and the Lambda's baseline all parse it
    here; an InputError naming `where` otherwise."""
    bucket, _, key = location.removeprefix(S3_SCHEME).partition("/")
    if not location.startswith(S3_SCHEME) or not bucket or not key or key.endswith("/"):
        raise InputError(where, None, "expected s3://bucket/key (a key, not a folder)")
    # S3's own rules for a bucket name, so that a typo fails here and not after the audit.
    if not _BUCKET.fullmatch(bucket):
        raise InputError(where, None, f"{shown(bucket)} is not a valid S3 bucket name")
    return bucket, key


def _refuse_duplicates(outputs: list[ReportOutput]) -> None:
    seen: set[str] = set()
    for output in outputs:
        local = output.path
        key = output.location if local is None else os.path.realpath(local)
        if key in seen:
            raise InputError(f"--output {shown(output.location)}", None, "is given twice")
        seen.add(key)


def fail_on_level(raw: str) -> Severity | None:
    """--fail-on: a severity, or `none` (findings never fail the run; exit 3 still does)."""
    if raw.lower() == FAIL_NEVER:
        return None
    try:
        return Severity.parse(raw, "--fail-on")
    except InputError:
        names = ", ".join([*(s.value for s in Severity), FAIL_NEVER])
        raise InputError("--fail-on", None, f"{shown(raw)} is not one of {names}") from None


def state_location(raw: str | None) -> str | None:
    """--state: an s3://bucket/key, or a local file the state can be written back to."""
    if raw is None:
        return None
    if raw.startswith(S3_SCHEME):
        s3_address(raw, f"--state {shown(raw)}")
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
    outputs: list[str] | None = None,
    fail_on: str = "low",
    state: str | None = None,
    slack: bool = False,
    slack_always: bool = False,
    terminal: bool = False,
    matrix: str = "full",
    security_hub: bool = False,
) -> RunOptions:
    """Every option of `run` and `schedule` checked, cheapest first, before any work."""
    baseline_path = input_file(baseline, "--baseline")
    snapshot_path = None if snapshot is None else input_file(snapshot, "--snapshot")
    state_at = state_location(state)
    keep = {"--baseline": baseline_path, "--snapshot": snapshot_path, "--state": _local(state_at)}
    written, stdout_format = report_outputs(outputs or [], fmt, terminal=terminal, keep=keep)
    options = RunOptions(
        baseline=baseline_path,
        aws=aws,
        snapshot=snapshot_path,
        outputs=written,
        format=stdout_format,
        fail_on=fail_on_level(fail_on),
        security_hub=security_hub,
        state=state_at,
        slack=slack_options(slack, slack_always),
        matrix=matrix_scope(matrix),
    )
    _refuse_overwriting_inputs(options)
    return options


def _refuse_overwriting_inputs(options: RunOptions) -> None:
    """The state is no input either (each output was checked against all three already)."""
    read = {"--baseline": options.baseline, "--snapshot": options.snapshot}
    refuse_overwriting({"--state": _local(options.state)}, read)


def _local(state: str | None) -> Path | None:
    return Path(state) if state and not state.startswith(S3_SCHEME) else None
