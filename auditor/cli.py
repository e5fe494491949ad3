"""The `auditor` command line (CONTRACT §1). Thin: parse options, call the pipeline, exit.

`main` is the one way in (the console script and `python -m auditor`): it turns every outcome
into an exit code and at most one line on stderr; a traceback only with --debug.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup

from auditor.commands.console import LogFormat, LogLevel
from auditor.commands.exit_codes import EXIT_INCOMPLETE, EXIT_INPUT
from auditor.commands.guard import DEBUG_FLAG, PROG, say
from auditor.model.errors import AuditorError, InputError

# Each command imports what it needs when it runs (boto3, jsonschema, pydantic, rich...):
# `auditor --help` and `auditor validate` start in a fraction of the time a run needs.

if TYPE_CHECKING:
    from auditor.collect import AwsOptions


class _AuditorGroup(TyperGroup):
    """Bad input raised anywhere in a command becomes its one line and exit code here, so the
    app behaves alike under main() and under typer's test runner."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except AuditorError as error:
            say(f"auditor: error: {error}")
            raise typer.Exit(error.exit_code) from error


# Plain help text: typer's rich rendering of it would import rich (and pygments) for --help.
app = typer.Typer(
    cls=_AuditorGroup,
    add_completion=False,
    rich_markup_mode=None,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Audit who can call which API Gateway route through Cognito group roles.",
)
baseline_app = typer.Typer(
    no_args_is_help=True,
    rich_markup_mode=None,
    help="Draft a baseline from live state or from templates.",
)
app.add_typer(baseline_app, name="baseline")

# Paths are taken as text and checked by hand: Path("") is ".", and Path("dir/") forgets the
# slash that says the user meant a directory.
BaselineOpt = Annotated[str, typer.Option("--baseline", "-b", help="Baseline YAML or JSON.")]
RegionOpt = Annotated[
    str | None, typer.Option(help="AWS region (default: baseline's, then boto3's).")
]
ProfileOpt = Annotated[str | None, typer.Option(help="AWS profile from the shared config.")]
EndpointOpt = Annotated[
    str | None,
    typer.Option("--endpoint-url", help="One endpoint for every AWS service (LocalStack, moto)."),
]
RetryOpt = Annotated[str, typer.Option(help="botocore retry mode: standard, adaptive or legacy.")]
AttemptsOpt = Annotated[int, typer.Option(help="botocore max attempts per AWS call (1 to 50).")]
FormatOpt = Annotated[
    str | None,
    typer.Option(
        "--format",
        "-f",
        help="table, json, markdown, html, sarif, junit or ocsf (default: from -o's "
        "suffix, else table on a terminal, json otherwise).",
    ),
]
OutputOpt = Annotated[str | None, typer.Option("--output", "-o", help="Write here (atomically).")]
ReportOutputsOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--output",
        "-o",
        help="Write the report here (atomically), repeatable; the format from each suffix "
        "(.json .md .html .sarif .xml .ocsf.json .txt), or --format for a single one. "
        "s3://bucket/key writes to S3.",
    ),
]
FailOnOpt = Annotated[
    str,
    typer.Option(
        help="Exit 1 on findings at or above: critical, high, medium, low, info; "
        "none: never on findings (an incomplete run still exits 3)."
    ),
]
SecurityHubOpt = Annotated[
    bool,
    typer.Option(
        "--security-hub",
        help="Also import the findings into AWS Security Hub (BatchImportFindings): the "
        "one write to the audited account, only with this flag.",
    ),
]
StateOpt = Annotated[
    str | None,
    typer.Option(help="Previous run's state, for changes and alerts: a path or s3://bucket/key."),
]
MatrixOpt = Annotated[
    str,
    typer.Option(
        help="Cells the report lists: full (every persona x route), differing (those not "
        "denied or declared: what a reader checks) or none. The checks see every cell."
    ),
]
TemplatePathsOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--template",
        help="Also compare the live account with these CloudFormation, SAM or Serverless "
        "files (one application; repeatable): differences are template-drift findings.",
    ),
]
ParameterOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--parameter",
        help="A template parameter as KEY=VALUE, repeatable; wins over its Default.",
    ),
]
StageOpt = Annotated[
    str | None,
    typer.Option(help="Serverless Framework stage (${opt:stage}; default: the file's or dev)."),
]
AccountIdOpt = Annotated[
    str | None,
    typer.Option(
        "--account-id",
        help="The account the templates deploy to (default: the one the baseline's ARNs name, "
        "else 123456789012).",
    ),
]
StackNameOpt = Annotated[
    str | None,
    typer.Option(
        "--stack-name",
        help="The stack the templates deploy as (AWS::StackName); without it a Condition "
        "that reads the stack name is unresolved.",
    ),
]
SlackOpt = Annotated[bool, typer.Option(help="Alert Slack on new or resolved findings.")]
SlackAlwaysOpt = Annotated[bool, typer.Option(help="Alert Slack even when nothing changed.")]


def aws_options(
    region: str | None,
    profile: str | None,
    endpoint_url: str | None,
    retry_mode: str = "standard",
    max_attempts: int = 10,
) -> AwsOptions:
    """Checked here, before any file is read: AwsOptions rejects what botocore would choke on."""
    from auditor.collect.session import AwsOptions
    from auditor.commands.console import read_progress

    return AwsOptions(
        region=region,
        profile=profile,
        endpoint_url=endpoint_url,
        retry_mode=retry_mode,
        max_attempts=max_attempts,
        progress=read_progress(),
    )


def _show_version(value: bool) -> None:
    if value:
        from auditor import __version__

        typer.echo(f"{PROG} {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    debug: Annotated[
        bool,
        typer.Option(
            DEBUG_FLAG,
            help="On an internal error (exit 4), print the traceback; accepted anywhere on "
            "the command line.",
        ),
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True, help="Print the version."),
    ] = False,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet", "-q", help="Nothing on stderr but errors (no progress, no summary)."
        ),
    ] = False,
    log_level: Annotated[
        LogLevel,
        typer.Option(
            case_sensitive=False,
            help="What goes to stderr: debug (every AWS page read), info, warning or error.",
        ),
    ] = "info",
    log_format: Annotated[
        LogFormat,
        typer.Option(
            case_sensitive=False,
            help="text, or json: one object per line (time, level, message, fields).",
        ),
    ] = "text",
) -> None:
    """Audit who can call which API Gateway route through Cognito group roles.

    --debug, --quiet, --log-level and --log-format may stand before or after the command.
    """
    # main() moves these options before the command wherever they stand (guard.py); under
    # typer's test runner they work before the command.
    from auditor.commands.console import configure

    configure(quiet=quiet, level=log_level.lower(), fmt=log_format.lower(), debug=debug)


@app.command()
def run(
    baseline: Annotated[
        str | None,
        typer.Option(
            "--baseline", "-b", help="Baseline YAML or JSON (required without --targets)."
        ),
    ] = None,
    targets: Annotated[
        str | None,
        typer.Option(
            help="Audit every target of this file (accounts, regions, baselines; CONTRACT "
            "§6.4) into one combined report, instead of --baseline."
        ),
    ] = None,
    workers: Annotated[
        int, typer.Option(help="With --targets: targets read at once (1 to 64).")
    ] = 16,
    snapshot: Annotated[str | None, typer.Option(help="Audit this saved snapshot offline.")] = None,
    fmt: FormatOpt = None,
    output: ReportOutputsOpt = None,
    fail_on: FailOnOpt = "low",
    matrix: MatrixOpt = "full",
    state: StateOpt = None,
    slack: SlackOpt = False,
    slack_always: SlackAlwaysOpt = False,
    security_hub: SecurityHubOpt = False,
    region: RegionOpt = None,
    profile: ProfileOpt = None,
    endpoint_url: EndpointOpt = None,
    retry_mode: Annotated[
        str | None,
        typer.Option(
            help="botocore retry mode: standard, adaptive or legacy (default: standard; "
            "adaptive with --targets)."
        ),
    ] = None,
    max_attempts: AttemptsOpt = 10,
    template: TemplatePathsOpt = None,
    parameter: ParameterOpt = None,
    stage: StageOpt = None,
    stack_name: StackNameOpt = None,
) -> None:
    """Collect live state (or read --snapshot), audit it against the baseline, report.

    With --template, also report where the live account differs from the templates that
    describe it (template-drift, located in the templates).
    """
    if targets is not None:
        _run_targets(
            targets,
            refused={
                "--baseline": baseline is not None,
                "--snapshot": snapshot is not None,
                "--template": bool(template),
                "--parameter": bool(parameter),
                "--stage": stage is not None,
                "--stack-name": stack_name is not None,
                "--security-hub": security_hub,
            },
            aws=aws_options(region, profile, endpoint_url, retry_mode or "adaptive", max_attempts),
            fmt=fmt,
            outputs=output,
            fail_on=fail_on,
            matrix=matrix,
            state=state,
            slack=slack,
            slack_always=slack_always,
            workers=workers,
        )
    if baseline is None:
        raise InputError("--baseline", None, "required (or --targets FILE for many targets)")
    from auditor.commands.options import run_options
    from auditor.commands.run import SnapshotSource, announce, execute

    source: SnapshotSource | None = None
    if template:
        from auditor.commands.template import (
            LiveAgainstTemplate,
            require_template_readers,
            template_options,
        )

        require_template_readers("--template")
        source = LiveAgainstTemplate(
            template_options(template, parameter, stage, region, None, "--template", stack_name)
        )
    elif parameter or stage or stack_name:
        first = "--parameter" if parameter else "--stage" if stage else "--stack-name"
        raise InputError(first, None, "needs --template")

    options = run_options(
        baseline=baseline,
        aws=aws_options(region, profile, endpoint_url, retry_mode or "standard", max_attempts),
        snapshot=snapshot,
        fmt=fmt,
        outputs=output,
        fail_on=fail_on,
        matrix=matrix,
        state=state,
        slack=slack,
        slack_always=slack_always,
        terminal=sys.stdout.isatty(),
        security_hub=security_hub,
    )
    if template:
        from auditor.commands.template import refuse_overwriting_templates

        refuse_overwriting_templates(options, template)
    outcome = execute(options, color=sys.stdout.isatty(), stdout=True, source=source)
    announce(outcome, options.outputs)
    raise typer.Exit(outcome.exit_code)


def _run_targets(
    targets: str,
    *,
    refused: dict[str, bool],
    aws: AwsOptions,
    fmt: str | None,
    outputs: list[str] | None,
    fail_on: str,
    matrix: str,
    state: str | None,
    slack: bool,
    slack_always: bool,
    workers: int,
) -> NoReturn:
    """`run --targets`: each target names its own baseline; options of one target only are
    refused (one line, exit 2) before anything is read."""
    for option, given in refused.items():
        if given:
            raise InputError(option, None, "not with --targets (each target is in the file)")
    from auditor.commands.many import execute_many, many_options

    options = many_options(
        targets=targets,
        aws=replace(aws, progress=None),
        fmt=fmt,
        outputs=outputs,
        fail_on=fail_on,
        state=state,
        slack=slack,
        slack_always=slack_always,
        terminal=sys.stdout.isatty(),
        matrix=matrix,
        workers=workers,
    )
    outcome = execute_many(options, stdout=True, color=sys.stdout.isatty())
    raise typer.Exit(outcome.exit_code)


@app.command("template")
def template_command(
    paths: Annotated[
        list[str],
        typer.Argument(
            help="CloudFormation (YAML or JSON), SAM or Serverless Framework files that form "
            "one application (a stack and its included files).",
            metavar="PATH",
            show_default=False,
        ),
    ],
    baseline: BaselineOpt,
    parameter: ParameterOpt = None,
    stage: StageOpt = None,
    region: Annotated[
        str | None, typer.Option(help="Region the templates deploy to (default: baseline's).")
    ] = None,
    account_id: AccountIdOpt = None,
    stack_name: StackNameOpt = None,
    fmt: FormatOpt = None,
    output: ReportOutputsOpt = None,
    fail_on: FailOnOpt = "low",
    matrix: MatrixOpt = "full",
) -> None:
    """Audit templates before deploy, offline, with the same rules as run.

    Exit codes and formats as for run; every finding also names the file, logical id and
    line of the resource to change (--format sarif shows it there in code scanning). Not
    offered: --state, --slack, --security-hub (a pull request has no history, and nothing is
    deployed to import).
    """
    from auditor.commands.template import (
        TemplateSource,
        refuse_overwriting_templates,
        require_template_readers,
        template_options,
    )

    require_template_readers("auditor template")
    from auditor.commands.options import run_options
    from auditor.commands.run import announce, execute

    source = TemplateSource(
        template_options(paths, parameter, stage, region, account_id, "PATH", stack_name)
    )
    options = run_options(
        baseline=baseline,
        aws=aws_options(region, None, None),
        fmt=fmt,
        outputs=output,
        fail_on=fail_on,
        matrix=matrix,
        terminal=sys.stdout.isatty(),
    )
    refuse_overwriting_templates(options, paths)
    outcome = execute(options, color=sys.stdout.isatty(), stdout=True, source=source)
    announce(outcome, options.outputs)
    raise typer.Exit(outcome.exit_code)


@app.command("snapshot")
def snapshot_command(
    baseline: Annotated[
        str | None, typer.Option("--baseline", "-b", help="Read what this baseline names.")
    ] = None,
    output: OutputOpt = None,
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
    from auditor.commands.paths import input_file, output_file, refuse_overwriting
    from auditor.commands.run import aws_for, print_failures, target_of
    from auditor.commands.targets import target_from_ids
    from auditor.model.baseline_file import load_baseline

    aws = aws_options(region, profile, endpoint_url, retry_mode, max_attempts)
    path = output_file(output)
    if baseline is not None:
        baseline_path = input_file(baseline, "--baseline")
        refuse_overwriting({"--output": path}, {"--baseline": baseline_path})
        loaded = load_baseline(baseline_path)
        target, aws = target_of(loaded), aws_for(loaded, aws)
    else:
        target = target_from_ids(user_pool, identity_pool, api or [])
    snapshot = collect_snapshot(target, aws)
    if path is None:
        typer.echo(snapshot.to_json(), nl=False)
    else:
        write_text_atomic(path, snapshot.to_json())
    print_failures(snapshot.errors)
    raise typer.Exit(EXIT_INCOMPLETE if snapshot.errors else 0)


@app.command()
def validate(
    baseline: Annotated[str, typer.Argument(help="Baseline YAML or JSON.")],
    snapshot: Annotated[
        str | None,
        typer.Option(help="Also list accepted entries that match no finding of this snapshot."),
    ] = None,
) -> None:
    """Check a baseline against its JSON Schema; print the path of every error, and the
    accepted entries that expired (or, with --snapshot, match no finding)."""
    from auditor.commands.paths import input_file
    from auditor.commands.validate import validate_baseline

    path = input_file(baseline, "BASELINE")
    snapshot_path = input_file(snapshot, "--snapshot") if snapshot is not None else None
    result = validate_baseline(path, snapshot_path)
    for problem in result.problems:
        typer.echo(str(problem), err=True)
    if result.problems:
        raise typer.Exit(EXIT_INPUT)
    from auditor.commands.console import warning

    for note in result.notes:  # worth a look, yet the file is valid
        warning(note)
    typer.echo(f"{baseline}: valid")


@app.command()
def explain(
    baseline: BaselineOpt,
    persona: Annotated[str, typer.Option(help="group:<name>, default or unauthenticated.")],
    route: Annotated[str, typer.Option(help='"METHOD /path", e.g. "GET /items/{id}".')],
    snapshot: Annotated[str | None, typer.Option(help="Use a saved snapshot.")] = None,
    region: RegionOpt = None,
    profile: ProfileOpt = None,
    endpoint_url: EndpointOpt = None,
) -> None:
    """Show the resolved role and the statements that allow or deny a route, and why."""
    from auditor.commands.explain import explain_access
    from auditor.commands.options import run_options
    from auditor.commands.run import obtain_snapshot
    from auditor.model.baseline_file import load_baseline

    options = run_options(
        baseline=baseline, snapshot=snapshot, aws=aws_options(region, profile, endpoint_url)
    )
    loaded = load_baseline(options.baseline)
    typer.echo(explain_access(obtain_snapshot(options, loaded), loaded, persona, route), nl=False)


@app.command()
def matrix(
    baseline: BaselineOpt,
    snapshot: Annotated[str | None, typer.Option(help="Audit this saved snapshot offline.")] = None,
    persona: Annotated[
        list[str] | None,
        typer.Option(help='Only these personas (fnmatch, repeatable): "group:*", default.'),
    ] = None,
    route: Annotated[
        list[str] | None,
        typer.Option(help='Only these routes (fnmatch, repeatable): "GET /items*".'),
    ] = None,
    differing: Annotated[
        bool, typer.Option(help="Only the routes and personas with a cell that differs.")
    ] = False,
    fail_on: FailOnOpt = "low",
    region: RegionOpt = None,
    profile: ProfileOpt = None,
    endpoint_url: EndpointOpt = None,
    retry_mode: RetryOpt = "standard",
    max_attempts: AttemptsOpt = 10,
) -> None:
    """Show who can call which route, as a grid; cells that differ from the baseline marked.

    Exit codes as for run: 1 on findings at or above --fail-on, 3 when incomplete.
    """
    from auditor.checks.run import audit
    from auditor.commands.matrix_view import render_matrix, stdout_takes_unicode
    from auditor.commands.options import run_options
    from auditor.commands.run import exit_code, obtain_snapshot, print_failures
    from auditor.model.baseline_file import load_baseline
    from auditor.report.terminal import terminal_width, use_color

    options = run_options(
        baseline=baseline,
        snapshot=snapshot,
        fail_on=fail_on,
        aws=aws_options(region, profile, endpoint_url, retry_mode, max_attempts),
    )
    loaded = load_baseline(options.baseline)
    report = audit(obtain_snapshot(options, loaded), loaded)
    terminal = sys.stdout.isatty()
    text = render_matrix(
        report,
        personas=persona or (),
        routes=route or (),
        differing_only=differing,
        width=terminal_width(terminal),
        color=use_color(terminal),
        unicode=stdout_takes_unicode(),
    )
    typer.echo(text, nl=False)
    print_failures(report.errors)
    raise typer.Exit(exit_code(report, options.fail_on))


@app.command()
def rules(
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
) -> None:
    """List the rule catalog."""
    from auditor.audit.catalog import rules_for
    from auditor.checks import CHECKS

    if fmt.lower() not in ("table", "json"):
        raise InputError("--format", None, f"{fmt!r} is not one of table, json")
    catalog = rules_for(CHECKS)  # in the registry's order, which is CONTRACT §5's
    if fmt.lower() == "json":
        import json

        typer.echo(json.dumps([rule.model_dump(mode="json") for rule in catalog], indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    from auditor.report.terminal import terminal_width, use_color

    table = Table(show_lines=False, expand=True)
    table.add_column("rule", no_wrap=True)  # an id is never split
    table.add_column("severity", no_wrap=True)
    table.add_column("title", overflow="fold")
    for rule in catalog:
        table.add_row(rule.id, rule.severity.value, rule.title)
    terminal = sys.stdout.isatty()
    color = use_color(terminal)
    console = Console(
        width=terminal_width(terminal), force_terminal=color, no_color=not color, highlight=False
    )
    # Rendered first, then echoed: rich would exit 1 on its own when the reader of stdout
    # goes away, where main() exits quietly with 141.
    with console.capture() as captured:
        console.print(table)
    typer.echo(captured.get(), nl=False)


@app.command()
def schedule(
    baseline: BaselineOpt,
    cron: Annotated[str, typer.Option(help='Crontab expression, e.g. "*/15 * * * *".')],
    timezone: Annotated[str, typer.Option(help="Time zone of the cron expression.")] = "UTC",
    heartbeat: Annotated[
        str | None, typer.Option(help="File rewritten after every run, for health checks.")
    ] = None,
    fmt: FormatOpt = None,
    output: ReportOutputsOpt = None,
    fail_on: FailOnOpt = "low",
    matrix: MatrixOpt = "full",
    state: StateOpt = None,
    slack: SlackOpt = False,
    slack_always: SlackAlwaysOpt = False,
    security_hub: SecurityHubOpt = False,
    region: RegionOpt = None,
    profile: ProfileOpt = None,
    endpoint_url: EndpointOpt = None,
    retry_mode: RetryOpt = "standard",
    max_attempts: AttemptsOpt = 10,
) -> None:
    """Run the audit forever on a cron schedule (APScheduler); stop with SIGTERM or Ctrl-C."""
    from auditor.commands.options import run_options
    from auditor.commands.paths import output_file
    from auditor.model.baseline_file import load_baseline
    from auditor.unattended.schedule import parse_cron, run_schedule

    parse_cron(cron, timezone)  # a typo or a date that never comes: exit 2, never idle forever
    heartbeat_path = output_file(heartbeat, "--heartbeat")
    options = run_options(
        baseline=baseline,
        aws=aws_options(region, profile, endpoint_url, retry_mode, max_attempts),
        fmt=fmt,  # without -o nothing is printed; RunOutcome.rendered is JSON (no terminal)
        outputs=output,
        fail_on=fail_on,
        matrix=matrix,
        state=state,
        slack=slack,
        slack_always=slack_always,
        security_hub=security_hub,
    )
    load_baseline(options.baseline)  # a bad baseline should fail now, not at the first tick
    run_schedule(options, cron, timezone=timezone, heartbeat=heartbeat_path)


@app.command()
def demo(
    fmt: FormatOpt = None,
    output: ReportOutputsOpt = None,
    keep: Annotated[
        str | None,
        typer.Option(help="Also write the demo's baseline and snapshot to this folder."),
    ] = None,
) -> None:
    """Start the embedded AWS emulator, seed an app with drift, and audit it."""
    from auditor.commands.atomic import writable_folder
    from auditor.commands.options import report_outputs

    outputs, chosen = report_outputs(output or [], fmt, terminal=sys.stdout.isatty())
    if any(place.is_s3 for place in outputs):  # the demo's S3 is the emulator's, gone after
        raise InputError("--output", None, "the demo writes local files only")
    folder = None if keep is None else writable_folder(keep, "--keep")
    if folder is not None:  # the kept files and a report must not overwrite one another
        kept = {(folder / name).resolve() for name in ("baseline.yaml", "snapshot.json")}
        for place in outputs:
            if place.path is not None and place.path.resolve() in kept:
                raise InputError("--output", None, f"{place.location} is a file --keep writes")
    from auditor.commands.emulator_cmd import require_moto

    require_moto("demo")  # moto is an extra: a production install lacks it
    from auditor.commands.demo import run_demo

    outcome = run_demo(chosen, outputs=outputs, keep=folder, color=sys.stdout.isatty())
    if not outputs:
        typer.echo(outcome.rendered, nl=False)
    from auditor.commands.run import announce

    announce(outcome, outputs)
    raise typer.Exit(outcome.exit_code)


@app.command()
def emulator(
    port: Annotated[
        int, typer.Option(help="Port on 127.0.0.1 (moto's default 5000; 0: a free one).")
    ] = 5000,
    keep: Annotated[
        str | None,
        typer.Option(
            help="Write the seeded app's baseline.yaml to this folder (default: a "
            "temporary one, removed on exit)."
        ),
    ] = None,
    empty: Annotated[
        bool, typer.Option(help="Serve an empty emulator instead of the demo's drifted app.")
    ] = False,
) -> None:
    """Serve the embedded AWS emulator, seeded with the demo's app, until Ctrl-C or SIGTERM."""
    from auditor.commands.atomic import writable_folder

    if empty and keep is not None:
        raise InputError("--keep", None, "--empty seeds no app, so there is no baseline to keep")
    folder = None if keep is None else writable_folder(keep, "--keep")
    from auditor.commands.emulator_cmd import serve  # moto only inside: serve() says if absent

    raise typer.Exit(serve(port=port, keep=folder, empty=empty))


@baseline_app.command("init")
def baseline_init(
    user_pool: Annotated[str | None, typer.Option(help="User pool id.")] = None,
    identity_pool: Annotated[str | None, typer.Option(help="Identity pool id.")] = None,
    api: Annotated[
        list[str] | None,
        typer.Option(help="API id[:stage], repeatable; none: the Cognito and IAM half alone."),
    ] = None,
    output: OutputOpt = None,
    force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False,
    region: RegionOpt = None,
    profile: ProfileOpt = None,
    endpoint_url: EndpointOpt = None,
    template: Annotated[
        list[str] | None,
        typer.Option(
            "--template",
            help="Draft from these CloudFormation, SAM or Serverless files instead (one "
            "application; repeatable): no AWS call, made-up ids named after logical ids.",
        ),
    ] = None,
    parameter: ParameterOpt = None,
    stage: StageOpt = None,
    account_id: AccountIdOpt = None,
    stack_name: StackNameOpt = None,
) -> None:
    """Draft a baseline YAML describing what is live today (or what templates deploy)."""
    from auditor.commands.atomic import write_text_atomic
    from auditor.commands.console import failure, notice
    from auditor.commands.console import warning as console_warning
    from auditor.commands.draft import draft_baseline, draft_warnings
    from auditor.commands.paths import output_file
    from auditor.commands.run import print_failures

    if template:
        from auditor.commands.template import require_template_readers, template_options

        given = {
            "--user-pool": user_pool,
            "--identity-pool": identity_pool,
            "--api": api,
            "--profile": profile,
            "--endpoint-url": endpoint_url,
        }
        named = [option for option, value in given.items() if value]
        if named:
            raise InputError(named[0], None, "not with --template (the templates name it)")
        require_template_readers("--template")
        options = template_options(
            template, parameter, stage, region, account_id, "--template", stack_name
        )
    elif user_pool is None or identity_pool is None:
        missing = "--user-pool" if user_pool is None else "--identity-pool"
        raise InputError(missing, None, "required (or draft from --template PATH...)")
    elif parameter or stage or account_id or stack_name:
        first = (
            "--parameter"
            if parameter
            else "--stage"
            if stage
            else "--account-id"
            if account_id
            else "--stack-name"
        )
        raise InputError(first, None, "needs --template")
    path = output_file(output)
    if path is not None and path.exists() and not force:
        raise InputError(str(path), None, "exists; pass --force to overwrite it")
    if template:
        from auditor.commands.template import draft_from_templates

        text, snapshot = draft_from_templates(options)
        what = "templates unresolved"
    else:
        from auditor.collect import collect_snapshot
        from auditor.commands.targets import target_from_ids

        aws = aws_options(region, profile, endpoint_url)
        assert user_pool is not None and identity_pool is not None
        snapshot = collect_snapshot(target_from_ids(user_pool, identity_pool, api or []), aws)
        text = "" if snapshot.errors else draft_baseline(snapshot)
        what = "collection incomplete"
    if snapshot.errors:
        print_failures(snapshot.errors)
        failure(f"auditor: error: {what}; no baseline drafted")
        raise typer.Exit(EXIT_INCOMPLETE)
    for warning in draft_warnings(snapshot):
        console_warning(warning)
    if path is None:
        typer.echo(text, nl=False)
    else:
        write_text_atomic(path, text)
        notice(f"wrote {path}", output=str(path))


# --- the guard: every way out is an exit code and at most one line -------------------------


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Run the command line; never a traceback (unless --debug), never a wrong exit code."""
    from auditor.commands.guard import EXIT_INTERRUPTED, run_guarded

    code = run_guarded(app, list(sys.argv[1:] if argv is None else argv))
    if code == EXIT_INTERRUPTED:
        # Ctrl-C: worker threads blocked in a read (run --targets) cannot be stopped, and
        # the interpreter would wait for each at exit (up to max_attempts x its timeout).
        # Nothing is left to write: every report and state is written atomically.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)
