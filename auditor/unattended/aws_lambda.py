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
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditor.collect.session import AwsClients, AwsOptions
from auditor.commands.atomic import write_text_atomic
from auditor.commands.options import RunOptions, SlackOptions, matrix_scope, s3_address
from auditor.model.baseline_file import BASELINE_MAX_BYTES
from auditor.model.errors import InputError
from auditor.model.findings import Severity
from auditor.model.inputs import read_capped

if TYPE_CHECKING:
    from auditor.report.render import ReportFormat
    from auditor.unattended.slack import SlackConfig

log = logging.getLogger(__name__)
log.setLevel(logging.INFO)  # Lambda's root logger is at WARNING

STATE_KEY = "state/state.json"


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
    bucket = _required(env, "REPORT_BUCKET")
    matrix = matrix_scope(env.get("MATRIX", "full"), "MATRIX")  # checked before any read
    formats = report_formats(env.get("REPORT_FORMATS", "json,html"))
    clients = AwsClients(AwsOptions(region=env.get("AWS_REGION") or None))
    s3 = clients.client("s3")
    now = datetime.now(UTC)
    stem = f"reports/{now:%Y/%m/%d}/{now:%Y%m%dT%H%M%SZ}"
    keys: dict[str, str] = {}
    for fmt in formats:
        keys[fmt] = f"{stem}{FORMAT_SUFFIXES[fmt]}"
        keys[f"latest_{fmt}"] = f"reports/latest{FORMAT_SUFFIXES[fmt]}"
    # The alert links to the page a person reads: the HTML when written, else the first.
    linked = keys.get("html", keys[formats[0]])
    slack = _slack_secret(clients, env)
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
        report_url=_report_url(env, bucket, linked, clients.region),
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


def _required(env: Mapping[str, str], name: str) -> str:
    value = env.get(name)
    if not value:
        raise InputError(name, None, "environment variable is not set")
    return value


def _baseline(s3: Any, env: Mapping[str, str]) -> Path:
    """The packaged baseline, or one fetched from S3 into /tmp (the only writable place)."""
    from botocore.exceptions import ClientError

    if env.get("BASELINE_PATH"):
        return Path(env["BASELINE_PATH"])
    uri = _required(env, "BASELINE_S3_URI")
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


def _slack_secret(clients: AwsClients, env: Mapping[str, str]) -> SlackConfig | None:
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


def _report_url(env: Mapping[str, str], bucket: str, key: str, region: str) -> str:
    base = env.get("REPORT_BASE_URL")
    if base:
        return f"{base.rstrip('/')}/{key}"
    return (
        f"https://{region}.console.aws.amazon.com/s3/object/{bucket}?region={region}&prefix={key}"
    )
