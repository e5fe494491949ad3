"""AWS Lambda entry point (`auditor.unattended.aws_lambda.handler`), run on an EventBridge schedule.

Environment:
  REPORT_BUCKET        bucket for reports (reports/YYYY/MM/DD/<stamp>.<suffix>, reports/latest.*)
                       and the state between runs (state/state.json)
  REPORT_FORMATS       formats written, comma-separated (default "json,html"): json, html,
                       markdown, sarif, junit, ocsf (suffixes .json .html .md .sarif .xml
                       .ocsf.json)
  SECURITY_HUB         "true": also import the findings into Security Hub (BatchImportFindings;
                       the template grants it only with EnableSecurityHub)
  BASELINE_PATH        baseline file inside the deployment package, or
  BASELINE_S3_URI      s3://bucket/key of the baseline
  SLACK_SECRET_ARN     Secrets Manager secret, JSON {"bot_token", "channel"} or {"webhook_url"}
  SLACK_SSM_PARAMETER  or an SSM SecureString parameter holding the same JSON
  SLACK_ALWAYS         "true": alert on every run, not only when findings change
  FAIL_ON              severity for the exit code in the summary (default low)
  MATRIX               access-matrix cells the reports list: full (default), differing, none
  REPORT_BASE_URL      link target for the alert (default: the S3 console page of the report)
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from auditor.collect.session import AwsClients, AwsOptions
from auditor.commands.atomic import write_text_atomic
from auditor.commands.options import (
    ReportOutput,
    RunOptions,
    SlackOptions,
    matrix_scope,
    s3_address,
)
from auditor.model.baseline_file import BASELINE_MAX_BYTES
from auditor.model.errors import InputError
from auditor.model.findings import Severity
from auditor.model.inputs import read_capped

if TYPE_CHECKING:
    from auditor.model.access_matrix import MatrixScope
    from auditor.model.combined_report import CombinedReport
    from auditor.model.targets import TargetsFile
    from auditor.report.render import ReportFormat
    from auditor.unattended.slack import SlackConfig

log = logging.getLogger(__name__)
log.setLevel(logging.INFO)  # Lambda's root logger is at WARNING

STATE_PREFIX = "state"
STATE_KEY = f"{STATE_PREFIX}/state.json"


# Each format's suffix on S3, as `-o` reads them (commands/options.SUFFIX_FORMATS).
FORMAT_SUFFIXES: dict[ReportFormat, str] = {
    "json": ".json",
    "html": ".html",
    "markdown": ".md",
    "sarif": ".sarif",
    "junit": ".xml",
    "ocsf": ".ocsf.json",
}


def report_formats(raw: str) -> list[ReportFormat]:
    """REPORT_FORMATS: known formats, each once, in the order given; an InputError otherwise."""
    chosen: list[ReportFormat] = []
    for name in (part.strip().lower() for part in raw.split(",")):
        found = next((fmt for fmt in FORMAT_SUFFIXES if fmt == name), None)
        if found is None:
            known = ", ".join(FORMAT_SUFFIXES)
            raise InputError("REPORT_FORMATS", None, f"{name!r} is not one of {known}")
        if found not in chosen:
            chosen.append(found)
    return chosen


def handler(event: Mapping[str, Any] | None, context: Any) -> dict[str, Any]:
    from auditor.commands.outputs import CONTENT_TYPES
    from auditor.commands.run import execute
    from auditor.report.render import render

    env = os.environ
    bucket = required_env(env, "REPORT_BUCKET")
    matrix = matrix_scope(env.get("MATRIX", "full"), "MATRIX")  # checked before any read
    formats = report_formats(env.get("REPORT_FORMATS", "json,html"))
    clients = AwsClients(AwsOptions(region=env.get("AWS_REGION") or None))
    s3 = clients.client("s3")
    now = datetime.now(UTC)
    keys = report_keys(formats, now)
    # The alert links to the page a person reads: the HTML when written, else the first.
    linked = keys.get("html", keys[formats[0]])
    slack = slack_config(clients, env)
    if env.get("TARGETS_PATH") or env.get("TARGETS_S3_URI"):
        return _targets_run(
            env,
            s3,
            bucket,
            formats,
            keys,
            report_url(env, bucket, linked, clients.region),
            slack,
            matrix,
            now,
        )
    options = RunOptions(
        baseline=_baseline(s3, env),
        aws=AwsOptions(),
        format="json",
        fail_on=Severity.parse(env.get("FAIL_ON", "low"), "FAIL_ON"),
        state=f"s3://{bucket}/{STATE_KEY}",
        slack=SlackOptions(
            enabled=slack is not None,
            config=slack,
            always=env.get("SLACK_ALWAYS", "").lower() == "true",
        ),
        report_url=report_url(env, bucket, linked, clients.region),
        matrix=matrix,
        security_hub=env.get("SECURITY_HUB", "").lower() == "true",
    )
    outcome = execute(options)
    report = outcome.report
    for fmt in formats:
        body = render(outcome.published, fmt).encode()
        for key in (keys[fmt], keys[f"latest_{fmt}"]):
            s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType=CONTENT_TYPES[fmt])
    summary = {
        "status": report.status,
        **outcome.counts(),
        "errors": [e.model_dump() for e in report.errors],
        "report_keys": keys,
        "bucket": bucket,
    }
    log.info(
        "audit %s: exit %d, %d findings (%d accepted), report s3://%s/%s",
        report.status,
        outcome.exit_code,
        report.summary.findings,
        report.summary.accepted,
        bucket,
        linked,
    )
    return summary


def _targets_run(
    env: Mapping[str, str],
    s3: Any,
    bucket: str,
    formats: list[ReportFormat],
    keys: dict[str, str],
    url: str,
    slack: SlackConfig | None,
    matrix: MatrixScope,
    now: datetime,
) -> dict[str, Any]:
    """A small organization in one invocation: `auditor run --targets` with each target's
    state under state/, the combined report in each format (dated and latest), ONE alert."""
    from auditor.commands.many import ManyOptions, execute_many

    fail_on = Severity.parse(env.get("FAIL_ON", "low"), "FAIL_ON")
    path = targets_path(s3, env, f"{now:%Y%m%dT%H%M%SZ}")
    outputs = tuple(
        ReportOutput(f"s3://{bucket}/{keys[name]}", fmt)
        for fmt in formats
        for name in (fmt, f"latest_{fmt}")
    )
    options = ManyOptions(
        targets=path,
        # The Lambda's region is no command-line --region: a target's baseline region wins
        # over it (as over boto3's default in `run`); it is the bucket's, and the
        # organization's region when the file names none.
        aws=AwsOptions(retry_mode="adaptive"),
        home_region=env.get("AWS_REGION") or None,
        outputs=outputs,
        fail_on=fail_on,
        state=f"s3://{bucket}/{STATE_PREFIX}/",
        slack=SlackOptions(
            enabled=slack is not None,
            config=slack,
            always=env.get("SLACK_ALWAYS", "").lower() == "true",
        ),
        report_url=url,
        matrix=matrix,
    )
    try:
        outcome = execute_many(options)
    finally:
        forget_targets_copies(env)  # /tmp is the container's, and outlives this run
    log.info("organization audit %s: exit %d", outcome.report.status, outcome.exit_code)
    return combined_summary(outcome.report, outcome.exit_code, keys, bucket)


SUMMARY_LISTED = 10  # worst targets and run errors named in a run's returned summary


def combined_summary(
    report: CombinedReport, code: int, keys: dict[str, str], bucket: str
) -> dict[str, Any]:
    """What a run of many targets returns (this handler, or the state machine's aggregate):
    counts, the report's keys, the first few worst targets and run errors (the report has them
    all). Small whatever the organization: it is the execution's output, and Step Functions
    refuses a state over 256 KB."""
    summary = report.summary
    return {
        "status": report.status,
        "exit_code": code,
        "targets": summary.targets,
        "complete": summary.complete,
        "incomplete": summary.incomplete,
        "findings": sum(entry.report.summary.open for entry in report.targets),
        "by_severity": summary.by_severity,
        "worst": summary.worst[:SUMMARY_LISTED],
        "errors": [error.model_dump() for error in report.errors[:SUMMARY_LISTED]],
        "report_keys": keys,
        "bucket": bucket,
    }


def report_keys(formats: list[ReportFormat], now: datetime) -> dict[str, str]:
    """Each format's dated key (reports/YYYY/MM/DD/<stamp>.<suffix>) and `latest_` key."""
    stem = f"reports/{now:%Y/%m/%d}/{now:%Y%m%dT%H%M%SZ}"
    keys: dict[str, str] = {}
    for fmt in formats:
        keys[fmt] = f"{stem}{FORMAT_SUFFIXES[fmt]}"
        keys[f"latest_{fmt}"] = f"reports/latest{FORMAT_SUFFIXES[fmt]}"
    return keys


def put_json(s3: Any, bucket: str, key: str, data: Any) -> None:
    """One PutObject: readers see the old object or the new one, never half of it."""
    body = json.dumps(data, ensure_ascii=False).encode()
    s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/json")


def read_json(s3: Any, bucket: str, key: str) -> Any:
    """The object's JSON; None when there is no such object."""
    from botocore.exceptions import ClientError

    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return None
        raise
    return json.loads(body)


def required_env(env: Mapping[str, str], name: str) -> str:
    value = env.get(name)
    if not value:
        raise InputError(name, None, "environment variable is not set")
    return value


def _baseline(s3: Any, env: Mapping[str, str]) -> Path:
    """The packaged baseline, or one fetched from S3 into /tmp (the only writable place)."""
    from botocore.exceptions import ClientError

    if env.get("BASELINE_PATH"):
        return Path(env["BASELINE_PATH"])
    uri = required_env(env, "BASELINE_S3_URI")
    bucket, key = s3_address(uri, "BASELINE_S3_URI")
    target = Path(env.get("TMPDIR", "/tmp")) / f"baseline{Path(key).suffix or '.yaml'}"
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"]
        text = read_capped(body, uri, "baseline", BASELINE_MAX_BYTES)
    except ClientError as exc:
        raise InputError(
            uri, None, f"cannot read baseline: {exc.response.get('Error', {}).get('Code', exc)}"
        ) from exc
    write_text_atomic(target, text)
    return target


def targets_path(s3: Any, env: Mapping[str, str], run_id: str) -> Path:
    """TARGETS_PATH (a targets file in the package), or TARGETS_S3_URI: the file and every
    object beside it (its baselines, by relative paths) copied into /tmp once per run and
    container; the local targets file."""
    if env.get("TARGETS_PATH"):
        return Path(env["TARGETS_PATH"])
    uri = required_env(env, "TARGETS_S3_URI")
    bucket, key = s3_address(uri, "TARGETS_S3_URI")
    local = _copies(env) / run_id
    if not (local / _COPIED).exists():
        # A warm container keeps /tmp (512 MB by default): earlier runs' copies are done with.
        forget_targets_copies(env, keep=run_id)
        _copy_folder(s3, bucket, key.rpartition("/")[0], local, uri)
    return local / PurePosixPath(key).name


def _copies(env: Mapping[str, str]) -> Path:
    return Path(env.get("TMPDIR", "/tmp")) / "targets"


def forget_targets_copies(env: Mapping[str, str], keep: str | None = None) -> None:
    """Remove the targets files copied into /tmp by targets_path, but `keep`'s (a run of the
    state machine in progress: its other targets may come to this container)."""
    import shutil

    folder = _copies(env)
    if not folder.is_dir():
        return
    for copy in folder.iterdir():
        if copy.name != keep:
            shutil.rmtree(copy, ignore_errors=True)


def targets_file(s3: Any, env: Mapping[str, str], run_id: str) -> TargetsFile:
    """The targets file read as `run --targets` reads it (InputError naming file and field)."""
    from auditor.model.targets_file import load_targets

    # The Lambda's own region is the run's home, below every region the file or a baseline
    # names: a listed target without a region is audited in its baseline's.
    home = env.get("AWS_REGION") or None
    from auditor.collect.session import known_profiles

    return load_targets(
        targets_path(s3, env, run_id), home_region=home, known_profiles=known_profiles
    )


_COPIED = ".copied"  # written last: a copy cut short by a timeout is made again


def _copy_folder(s3: Any, bucket: str, folder: str, local: Path, uri: str) -> None:
    """Every object under `folder/` (the targets file's folder) into `local`, by its path
    relative to the folder; keys that would leave `local` ('..', absolute) are refused."""
    from botocore.exceptions import ClientError

    prefix = f"{folder}/" if folder else ""
    try:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for listed in page.get("Contents", []):
                relative = PurePosixPath(listed["Key"][len(prefix) :])
                if listed["Key"].endswith("/"):
                    continue  # a console "folder"
                if relative.is_absolute() or ".." in relative.parts:
                    raise InputError(f"s3://{bucket}/{listed['Key']}", None, "not below the folder")
                body = s3.get_object(Bucket=bucket, Key=listed["Key"])["Body"]
                source = f"s3://{bucket}/{listed['Key']}"
                write_text_atomic(
                    local.joinpath(*relative.parts),
                    read_capped(body, source, "configuration", BASELINE_MAX_BYTES),
                )
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "error")
        raise InputError(uri, None, f"cannot read the targets folder: {code}") from None
    write_text_atomic(local / _COPIED, "")


def slack_config(clients: AwsClients, env: Mapping[str, str]) -> SlackConfig | None:
    """Slack credentials from Secrets Manager or SSM; None when Slack is not configured."""
    if env.get("SLACK_SECRET_ARN"):
        source = env["SLACK_SECRET_ARN"]
        raw = clients.client("secretsmanager").get_secret_value(SecretId=source)["SecretString"]
    elif env.get("SLACK_SSM_PARAMETER"):
        source = env["SLACK_SSM_PARAMETER"]
        raw = clients.client("ssm").get_parameter(Name=source, WithDecryption=True)["Parameter"][
            "Value"
        ]
    else:
        return None
    from auditor.unattended.slack import SlackConfig, SlackNotConfiguredError

    if raw.strip().startswith("https://"):  # a bare webhook URL
        return SlackConfig(webhook_url=raw.strip())
    try:
        data = json.loads(raw)
    except json.JSONDecodeError:
        data = None
    # Never echo the value: it is a secret even when malformed.
    missing = 'expected JSON with "bot_token" and "channel", or "webhook_url"'
    if not isinstance(data, dict):
        raise InputError(source, None, missing)
    try:
        return SlackConfig.of(data, missing)
    except SlackNotConfiguredError as exc:
        raise InputError(source, None, str(exc)) from None


def report_url(env: Mapping[str, str], bucket: str, key: str, region: str) -> str:
    base = env.get("REPORT_BASE_URL")
    if base:
        return f"{base.rstrip('/')}/{key}"
    return (
        f"https://{region}.console.aws.amazon.com/s3/object/{bucket}?region={region}&prefix={key}"
    )
