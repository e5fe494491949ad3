"""The `auditor` command line (CONTRACT §1). Thin: parse options, call the pipeline, exit."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, get_args

import typer

from auditor.collect import AwsOptions
from auditor.commands.options import RunOptions, SlackOptions
from auditor.commands.run import EXIT_INPUT, print_failures
from auditor.model.errors import AuditorError, InputError
from auditor.model.findings import Severity
from auditor.report.render import ReportFormat

if TYPE_CHECKING:
    from auditor.unattended.slack import SlackConfig

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Audit who can call which API Gateway route through Cognito group roles.",
)
baseline_app = typer.Typer(no_args_is_help=True, help="Draft a baseline from live state.")
app.add_typer(baseline_app, name="baseline")

BaselineOpt = Annotated[Path, typer.Option("--baseline", "-b", help="Baseline YAML or JSON.")]
RegionOpt = Annotated[
    str | None, typer.Option(help="AWS region (default: baseline's, then boto3's).")
]
ProfileOpt = Annotated[str | None, typer.Option(help="AWS profile from the shared config.")]
EndpointOpt = Annotated[
    str | None,
    typer.Option("--endpoint-url", help="One endpoint for every AWS service (LocalStack, moto)."),
]
RetryOpt = Annotated[str, typer.Option(help="botocore retry mode: standard, adaptive or legacy.")]
AttemptsOpt = Annotated[int, typer.Option(help="botocore max attempts per AWS call.")]
FormatOpt = Annotated[
    str | None,
    typer.Option(
        "--format",
        "-f",
        help="table, json, markdown or html (default: from -o's suffix, else "
        "table on a terminal, json otherwise).",
    ),
]
OutputOpt = Annotated[Path | None, typer.Option("--output", "-o", help="Write here (atomically).")]
FailOnOpt = Annotated[
    str, typer.Option(help="Exit 1 on findings at or above: critical, high, medium, low, info.")
]
StateOpt = Annotated[
    str | None,
    typer.Option(help="Previous run's state, for changes and alerts: a path or s3://bucket/key."),
]
SlackOpt = Annotated[bool, typer.Option(help="Alert Slack on new or resolved findings.")]
SlackAlwaysOpt = Annotated[bool, typer.Option(help="Alert Slack even when nothing changed.")]
FORMATS: tuple[ReportFormat, ...] = get_args(ReportFormat)
SUFFIX_FORMATS: dict[str, ReportFormat] = {
    ".json": "json",
    ".html": "html",
    ".htm": "html",
    ".md": "markdown",
    ".txt": "table",
}


def fail(error: AuditorError) -> NoReturn:
    typer.echo(f"auditor: error: {error}", err=True)
    raise typer.Exit(error.exit_code)


def aws_options(
    region: str | None,
    profile: str | None,
    endpoint_url: str | None,
    retry_mode: str = "standard",
    max_attempts: int = 10,
) -> AwsOptions:
    try:
        return AwsOptions(
            region=region,
            profile=profile,
            endpoint_url=endpoint_url,
            retry_mode=retry_mode,
            max_attempts=max_attempts,
        )
    except InputError as exc:
        fail(exc)


def report_format(fmt: str | None, output: Path | None) -> ReportFormat:
    if fmt is None:
        if output is not None and output.suffix.lower() in SUFFIX_FORMATS:
            return SUFFIX_FORMATS[output.suffix.lower()]
        return "table" if output is None and sys.stdout.isatty() else "json"
    if fmt not in FORMATS:
        fail(InputError("--format", None, f"{fmt!r} is not one of {', '.join(FORMATS)}"))
    return fmt


def severity(value: str) -> Severity:
    try:
        return Severity.parse(value, "--fail-on")
    except InputError as exc:
        fail(exc)


def slack_config() -> SlackConfig:
    """--slack without a token or webhook is a usage error now, not a failed alert later."""
    from auditor.unattended.slack import SlackConfig, SlackNotConfiguredError

    try:
        return SlackConfig.from_env()
    except SlackNotConfiguredError as exc:
        fail(InputError("--slack", None, str(exc)))


def run_options(
    baseline: Path,
    snapshot: Path | None,
    fmt: str | None,
    output: Path | None,
    fail_on: str,
    state: str | None,
    slack: bool,
    slack_always: bool,
    aws: AwsOptions,
) -> RunOptions:
    enabled = slack or slack_always
    return RunOptions(
        baseline=baseline,
        aws=aws,
        snapshot=snapshot,
        output=output,
        format=report_format(fmt, output),
        fail_on=severity(fail_on),
        state=state,
        slack=SlackOptions(
            enabled=enabled, always=slack_always, config=slack_config() if enabled else None
        ),
    )


@app.command()
def run(
    baseline: BaselineOpt,
    snapshot: Annotated[
        Path | None, typer.Option(help="Audit this saved snapshot offline.")
    ] = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    fail_on: FailOnOpt = "low",
    state: StateOpt = None,
    slack: SlackOpt = False,
    slack_always: SlackAlwaysOpt = False,
    region: RegionOpt = None,
    profile: ProfileOpt = None,
    endpoint_url: EndpointOpt = None,
    retry_mode: RetryOpt = "standard",
    max_attempts: AttemptsOpt = 10,
) -> None:
    """Collect live state (or read --snapshot), audit it against the baseline, report."""
    from auditor.commands.run import execute

    options = run_options(
        baseline,
        snapshot,
        fmt,
        output,
        fail_on,
        state,
        slack,
        slack_always,
        aws_options(region, profile, endpoint_url, retry_mode, max_attempts),
    )
    outcome = execute(options, color=sys.stdout.isatty())
    if output is None:
        typer.echo(outcome.rendered, nl=False)
    raise typer.Exit(outcome.exit_code)


@app.command("snapshot")
def snapshot_command(
    baseline: Annotated[
        Path | None, typer.Option("--baseline", "-b", help="Read what this baseline names.")
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
    user_pool: Annotated[
        str | None, typer.Option(help="User pool id (without a baseline).")
    ] = None,
    identity_pool: Annotated[str | None, typer.Option(help="Identity pool id.")] = None,
    api: Annotated[list[str] | None, typer.Option(help="API id[:stage], repeatable.")] = None,
    region: RegionOpt = None,
    profile: ProfileOpt = None,
    endpoint_url: EndpointOpt = None,
    retry_mode: RetryOpt = "standard",
    max_attempts: AttemptsOpt = 10,
) -> None:
    """Collect live state only, as a JSON snapshot."""
    from auditor.collect import collect_snapshot
    from auditor.commands.atomic import write_text_atomic
    from auditor.commands.run import EXIT_INCOMPLETE, aws_for, target_of
    from auditor.commands.targets import target_from_ids
    from auditor.model.baseline_file import load_baseline

    aws = aws_options(region, profile, endpoint_url, retry_mode, max_attempts)
    if baseline is not None:
        loaded = load_baseline(baseline)
        target, aws = target_of(loaded), aws_for(loaded, aws)
    else:
        target = target_from_ids(user_pool, identity_pool, api or [])
    snapshot = collect_snapshot(target, aws)
    if output is None:
        typer.echo(snapshot.to_json(), nl=False)
    else:
        write_text_atomic(output, snapshot.to_json())
    print_failures(snapshot.errors)
    raise typer.Exit(EXIT_INCOMPLETE if snapshot.errors else 0)


@app.command()
def validate(baseline: Annotated[Path, typer.Argument(help="Baseline YAML or JSON.")]) -> None:
    """Check a baseline against its JSON Schema; print the path of every error."""
    from auditor.model.baseline_file import load_baseline, validate_baseline_file

    problems = validate_baseline_file(baseline)
    if not problems:
        load_baseline(baseline)  # schema-valid files can still fail the typed model
    for problem in problems:
        typer.echo(str(problem), err=True)
    if problems:
        raise typer.Exit(EXIT_INPUT)
    typer.echo(f"{baseline}: valid")


@app.command()
def explain(
    baseline: BaselineOpt,
    persona: Annotated[str, typer.Option(help="group:<name>, default or unauthenticated.")],
    route: Annotated[str, typer.Option(help='"METHOD /path", e.g. "GET /items/{id}".')],
    snapshot: Annotated[Path | None, typer.Option(help="Use a saved snapshot.")] = None,
    region: RegionOpt = None,
    profile: ProfileOpt = None,
    endpoint_url: EndpointOpt = None,
) -> None:
    """Show the resolved role and the statements that allow or deny a route, and why."""
    from auditor.commands.explain import explain_access
    from auditor.commands.run import obtain_snapshot
    from auditor.model.baseline_file import load_baseline

    loaded = load_baseline(baseline)
    options = RunOptions(
        baseline=baseline, snapshot=snapshot, aws=aws_options(region, profile, endpoint_url)
    )
    typer.echo(explain_access(obtain_snapshot(options, loaded), loaded, persona, route), nl=False)


@app.command()
def rules(
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
) -> None:
    """List the rule catalog."""
    from auditor.audit.catalog import rules_for
    from auditor.checks import CHECKS

    catalog = rules_for(CHECKS)  # in the registry's order, which is CONTRACT §5's
    if fmt == "json":
        import json

        typer.echo(json.dumps([rule.model_dump(mode="json") for rule in catalog], indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(show_lines=False, expand=True)
    for column in ("rule", "severity", "title"):
        table.add_column(column, overflow="fold")
    for rule in catalog:
        table.add_row(rule.id, rule.severity.value, rule.title)
    Console().print(table)


@app.command()
def schedule(
    baseline: BaselineOpt,
    cron: Annotated[str, typer.Option(help='Crontab expression, e.g. "*/15 * * * *".')],
    timezone: Annotated[str, typer.Option(help="Time zone of the cron expression.")] = "UTC",
    heartbeat: Annotated[
        Path | None, typer.Option(help="File rewritten after every run, for health checks.")
    ] = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    fail_on: FailOnOpt = "low",
    state: StateOpt = None,
    slack: SlackOpt = False,
    slack_always: SlackAlwaysOpt = False,
    region: RegionOpt = None,
    profile: ProfileOpt = None,
    endpoint_url: EndpointOpt = None,
    retry_mode: RetryOpt = "standard",
    max_attempts: AttemptsOpt = 10,
) -> None:
    """Run the audit forever on a cron schedule (APScheduler); stop with SIGTERM or Ctrl-C."""
    from auditor.model.baseline_file import load_baseline
    from auditor.unattended.schedule import run_schedule

    options = run_options(
        baseline,
        None,
        fmt or "json",
        output,
        fail_on,
        state,
        slack,
        slack_always,
        aws_options(region, profile, endpoint_url, retry_mode, max_attempts),
    )
    load_baseline(baseline)  # a bad baseline should fail now, not at the first tick
    run_schedule(options, cron, timezone=timezone, heartbeat=heartbeat)


@app.command()
def demo(
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    keep: Annotated[
        Path | None,
        typer.Option(help="Also write the demo's baseline and snapshot to this folder."),
    ] = None,
) -> None:
    """Start the embedded AWS emulator, seed an app with drift, and audit it."""
    from auditor.commands.demo import run_demo

    outcome = run_demo(
        report_format(fmt, output), output=output, keep=keep, color=sys.stdout.isatty()
    )
    if output is None:
        typer.echo(outcome.rendered, nl=False)
    raise typer.Exit(outcome.exit_code)


@baseline_app.command("init")
def baseline_init(
    user_pool: Annotated[str, typer.Option(help="User pool id.")],
    identity_pool: Annotated[str, typer.Option(help="Identity pool id.")],
    api: Annotated[
        list[str] | None,
        typer.Option(help="API id[:stage], repeatable; none: the Cognito and IAM half alone."),
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
    force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False,
    region: RegionOpt = None,
    profile: ProfileOpt = None,
    endpoint_url: EndpointOpt = None,
) -> None:
    """Draft a baseline YAML describing what is live today."""
    from auditor.collect import collect_snapshot
    from auditor.commands.atomic import write_text_atomic
    from auditor.commands.draft import draft_baseline, draft_warnings
    from auditor.commands.run import EXIT_INCOMPLETE
    from auditor.commands.targets import target_from_ids

    if output is not None and output.exists() and not force:
        fail(InputError(str(output), None, "exists; pass --force to overwrite it"))
    snapshot = collect_snapshot(
        target_from_ids(user_pool, identity_pool, api or []),
        aws_options(region, profile, endpoint_url),
    )
    if snapshot.errors:
        print_failures(snapshot.errors)
        typer.echo("auditor: error: collection incomplete; no baseline drafted", err=True)
        raise typer.Exit(EXIT_INCOMPLETE)
    text = draft_baseline(snapshot)
    for warning in draft_warnings(snapshot):
        typer.echo(f"auditor: warning: {warning}", err=True)
    if output is None:
        typer.echo(text, nl=False)
    else:
        write_text_atomic(output, text)
        typer.echo(f"wrote {output}", err=True)


def main() -> None:
    try:
        app()
    except AuditorError as error:  # bad input, unknown target: one line, never a traceback
        typer.echo(f"auditor: error: {error}", err=True)
        sys.exit(error.exit_code)
