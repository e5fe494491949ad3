"""SARIF, JUnit and OCSF over large reports: time and size of each, next to the JSON writer;
and what the terminal shows of the same audit (the table, `auditor matrix`).

    python benchmarks/report_formats.py                  # 10,000 groups, --matrix differing
    python benchmarks/report_formats.py --groups 1000 --routes 100
    python benchmarks/report_formats.py --findings 1000,3000,10000   # linear in findings?

The first form audits benchmarks/audit.py's synthetic world and renders what `auditor run
--matrix differing -o r.json -o r.sarif -o r.xml -o r.ocsf.json` would write. The second
renders reports of N synthetic findings (tests/support/reports.py) and prints each format's
time per finding at every size: a format that is linear keeps that number flat.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from audit_world import synthetic

from auditor.checks.run import audit
from auditor.model.report import Report
from auditor.report.render import ReportFormat, render_chunks

FORMATS: tuple[ReportFormat, ...] = ("json", "sarif", "junit", "ocsf")


def timed(report: Report, fmt: ReportFormat) -> tuple[float, int]:
    started = time.perf_counter()
    size = sum(len(chunk) for chunk in render_chunks(report, fmt, baseline=Path("b.yaml")))
    return time.perf_counter() - started, size


def audited(groups: int, routes: int) -> None:
    snapshot, baseline = synthetic(groups, routes, shared_roles=groups // 10 or None)
    started = time.perf_counter()
    full = audit(snapshot, baseline)
    report = full.with_matrix("differing")
    print(
        f"{groups:,} groups x {routes} routes: audit {time.perf_counter() - started:.2f} s, "
        f"{len(report.findings):,} findings, {len(report.access_matrix):,} cells listed"
    )
    for fmt in FORMATS:
        seconds, size = timed(report, fmt)
        print(f"  {fmt:6} {seconds:6.2f} s  {size / 2**20:7.1f} MiB")
    terminal(full)


def terminal(report: Report) -> None:
    """The table and `auditor matrix` (every cell, and --differing) at 160 columns."""
    from auditor.commands.matrix_view import render_matrix
    from auditor.report.table import render_table

    shown: dict[str, Callable[[], str]] = {
        "table": lambda: render_table(report, width=160),
        "matrix": lambda: render_matrix(report, width=160),
        "matrix --differing": lambda: render_matrix(report, differing_only=True, width=160),
    }
    for name, render in shown.items():
        started = time.perf_counter()
        size = len(render())
        seconds = time.perf_counter() - started
        print(f"  {name:18} {seconds:6.2f} s  {size / 2**20:7.1f} MiB of text")


def scaled(sizes: list[int]) -> None:
    from tests.support.reports import scaled_report

    print("findings  " + "  ".join(f"{fmt:>12}" for fmt in FORMATS[1:]) + "   (µs per finding)")
    for count in sizes:
        report = scaled_report(personas=5, routes=10, findings=count)
        for fmt in FORMATS[1:]:
            timed(report, fmt)  # warm the catalog and the imports
        cells = [timed(report, fmt)[0] / count * 1e6 for fmt in FORMATS[1:]]
        print(f"{count:8,}  " + "  ".join(f"{cell:12.1f}" for cell in cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=10_000)
    parser.add_argument("--routes", type=int, default=250)
    parser.add_argument("--findings", help="comma-separated finding counts (synthetic)")
    args = parser.parse_args()
    if args.findings:
        scaled([int(n) for n in args.findings.split(",")])
    else:
        audited(args.groups, args.routes)


if __name__ == "__main__":
    main()
