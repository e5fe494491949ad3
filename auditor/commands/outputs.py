"""Where a run's report goes: each `-o` in its format, a local file (atomically) or an S3
object (one PutObject, atomic too), and the one line that says what was written."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from auditor.commands.atomic import atomic_output
from auditor.commands.options import ReportOutput, s3_address
from auditor.model.combined_report import CombinedReport
from auditor.model.errors import InputError
from auditor.model.report import Report
from auditor.report.render import ReportFormat, render_chunks

if TYPE_CHECKING:
    from auditor.collect.session import AwsClients

CONTENT_TYPES: dict[ReportFormat, str] = {
    "json": "application/json",
    "ocsf": "application/json",
    "sarif": "application/sarif+json",
    "junit": "application/xml",
    "html": "text/html; charset=utf-8",
    "markdown": "text/markdown; charset=utf-8",
    "table": "text/plain; charset=utf-8",
}


def write_outputs(
    report: Report | CombinedReport,
    outputs: Sequence[ReportOutput],
    clients: Callable[[], AwsClients],
    *,
    baseline: Path | None = None,
    baselines: Mapping[str, Path] | None = None,
) -> None:
    """Every output, in the order given; a failure is one InputError naming the output.
    `clients`: the run's AWS clients, made on the first S3 output (local files need none).
    `baseline`: the audited baseline; for a combined report `baselines`, each target's by
    its key (render.render_chunks)."""
    for output in outputs:
        chunks = render_chunks(report, output.format, baseline=baseline, baselines=baselines)
        if output.path is not None:
            with atomic_output(output.path) as handle:
                for chunk in chunks:
                    handle.write(chunk)
        else:
            put_s3(output.location, "".join(chunks), CONTENT_TYPES[output.format], clients())


def put_s3(location: str, text: str, content_type: str, clients: AwsClients) -> None:
    """One PutObject through the collectors' session and endpoint: readers see the old
    object or the new one, never half of it."""
    from botocore.exceptions import BotoCoreError, ClientError

    bucket, key = s3_address(location, f"--output {location}")
    try:
        clients.client("s3").put_object(
            Bucket=bucket, Key=key, Body=text.encode(), ContentType=content_type
        )
    except ClientError as exc:
        # The code only: S3's message may quote the request.
        code = exc.response.get("Error", {}).get("Code", "") or "error"
        raise InputError(f"--output {location}", None, f"cannot write: {code}") from None
    except BotoCoreError as exc:
        raise InputError(f"--output {location}", None, f"cannot write: {exc}") from None


def summary_line(report: Report | CombinedReport, outputs: Sequence[ReportOutput]) -> str:
    """`8 findings (2 critical, 1 accepted) -> report.html, report.sarif`: what a person
    needs to know once the report went to files, not to the terminal."""
    if isinstance(report, CombinedReport):
        return f"{_combined_line(report)} -> {', '.join(o.location for o in outputs)}"
    accepted = report.summary.accepted
    parts = [
        f"{count} {severity}" for severity, count in report.open_by_severity().items() if count
    ]
    if accepted:
        parts.append(f"{accepted} accepted")
    total = len(report.findings)
    line = f"{total} finding{'' if total == 1 else 's'}"
    if parts:
        line += f" ({', '.join(parts)})"
    if report.status == "incomplete":
        line = f"incomplete ({report.incomplete_because()}): {line}"
    return f"{line} -> {', '.join(output.location for output in outputs)}"


def _combined_line(report: CombinedReport) -> str:
    """`12 findings in 3 of 5 targets (2 critical, 1 accepted), 1 incomplete`: severities
    of the findings that count, as for one target; the incomplete targets (and a failed
    discovery) said last, never hidden."""
    from auditor.report.combined_summary import open_by_severity

    summary = report.summary
    parts = [f"{count} {severity}" for severity, count in open_by_severity(report).items() if count]
    if summary.accepted:
        parts.append(f"{summary.accepted} accepted")
    having = sum(1 for entry in report.targets if entry.report.findings)
    plural = "" if summary.targets == 1 else "s"
    line = (
        f"{summary.findings} finding{'' if summary.findings == 1 else 's'} in {having} of "
        f"{summary.targets} target{plural}"
    )
    if parts:
        line += f" ({', '.join(parts)})"
    if summary.incomplete:
        line += f", {summary.incomplete} incomplete"
    if report.errors:
        # Targets may be missing: a failed discovery says so before anything else.
        reads = sum(1 for error in report.errors if error.is_read)
        why = f"discovery: {reads} AWS read(s) failed" if reads else report.errors[0].message
        line = f"incomplete ({why}): {line}"
    return line
