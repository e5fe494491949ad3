"""`auditor schedule`: run the audit forever on a cron schedule (APScheduler 3).

One audit per tick, never two at once (max_instances=1), missed ticks collapsed into one
(coalesce). SIGTERM/SIGINT stop the scheduler after the run in progress. A heartbeat file
records the last run for health checks (e.g. "is `last_run_at` younger than two periods?").
"""

from __future__ import annotations

import json
import logging
import signal
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger

from auditor.commands.atomic import shown, write_text_atomic
from auditor.commands.options import EXIT_INTERNAL, RunOptions
from auditor.model.errors import AuditorError, InputError
from auditor.model.report import Report

log = logging.getLogger(__name__)

JOB_ID = "audit"
MISFIRE_GRACE_SECONDS = 300  # a tick delayed by a long run still runs, once


def time_zone(name: str) -> ZoneInfo:
    """An IANA time zone; APScheduler would take "" for UTC, and a typo must not shift runs."""
    try:
        return ZoneInfo(name)
    except (ValueError, ZoneInfoNotFoundError) as exc:  # ValueError: "", "../x", a NUL byte
        raise InputError("--timezone", None, f"{shown(name)} is not a known time zone") from exc


def parse_cron(cron: str, timezone: str = "UTC") -> BaseTrigger:
    """A 5-field crontab expression, read as cron reads it, that fires at least once; anything
    else is a usage error (exit 2) now, rather than a scheduler idling forever.

    APScheduler 3's from_crontab differs from cron twice (its docs say so for the first):
    weekday 0 is Monday, not Sunday, and a day of month with a weekday means both, where cron
    means either ("0 0 13 * 5": the 13th and every Friday). Both are translated here.
    """
    zone = time_zone(timezone)
    fields = cron.split()
    try:
        if len(fields) != len(_CRON_FIELDS):
            raise ValueError(f"got {len(fields)} fields, expected 5: {' '.join(_CRON_FIELDS)}")
        minute, hour, day, month, weekday = fields
        weekdays = _weekdays(weekday)

        def cron_trigger(day: str, weekdays: str) -> CronTrigger:
            return CronTrigger(
                minute=minute,
                hour=hour,
                day=day,
                month=month,
                day_of_week=weekdays,
                timezone=zone,
            )

        trigger: BaseTrigger = cron_trigger(day, weekdays)
        if not day.startswith("*") and not weekday.startswith("*"):
            trigger = OrTrigger([cron_trigger(day, "*"), cron_trigger("*", weekdays)])
    except (ValueError, LookupError) as exc:  # a bad field
        problem = f"invalid cron expression {shown(cron)} ({' '.join(str(exc).split())})"
        raise InputError("--cron", None, problem) from exc
    # APScheduler searches until year 9999 and answers None, within a fraction of a second.
    if trigger.get_next_fire_time(None, datetime.now(zone)) is None:
        raise InputError("--cron", None, f"{shown(cron)} never fires (no such date)")
    return trigger


_CRON_FIELDS = ("minute", "hour", "day", "month", "weekday")
_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # cron's 0-6; 7 is Sunday too


def _weekdays(field: str) -> str:
    """A crontab weekday field as the list of day names it means, which APScheduler reads
    the same way (its numbers, ranges and steps count from Monday)."""
    if field == "*":
        return field
    days: set[int] = set()
    for item in field.lower().split(","):
        base, slash, step_text = item.partition("/")
        step = int(step_text) if slash else 1
        if base == "*":
            first, last = 0, 6
        elif "-" in base:
            start, _, end = base.partition("-")
            first, last = _weekday(start), _weekday(end)
            if last == 0 < first:  # "fri-sun": Sunday closes the week
                last = 7
        else:
            first = _weekday(base)
            last = 7 if slash else first  # "1/2": from Monday on, every other day
        if first > last or step < 1:
            raise ValueError(f"weekday {item!r} is not a range within Sunday (0) to Sunday (7)")
        days.update(day % 7 for day in range(first, last + 1, step))
    return ",".join(_WEEKDAYS[day] for day in sorted(days))


def _weekday(text: str) -> int:
    if text.isdigit() and int(text) <= 7:
        return int(text)
    if text in _WEEKDAYS:
        return _WEEKDAYS.index(text)
    raise ValueError(f"{text!r} is not a weekday (0-7 or sun-sat)")


def run_schedule(
    options: RunOptions,
    cron: str,
    *,
    timezone: str = "UTC",
    heartbeat: Path | None = None,
    stop_event: threading.Event | None = None,
    trigger: BaseTrigger | None = None,
    execute: Callable[[RunOptions], Any] | None = None,
) -> None:
    """Block until SIGTERM/SIGINT (or `stop_event`), auditing on every tick.

    `trigger` replaces the cron trigger and `execute` commands.run.execute (tests run every second).
    """
    cron_trigger = parse_cron(cron, timezone)  # validated even when `trigger` replaces it
    stop = stop_event or threading.Event()
    if execute is None:
        from auditor.commands.run import execute as run_audit

        execute = run_audit
    scheduler = BackgroundScheduler(timezone=time_zone(timezone))
    effective = trigger or cron_trigger
    audit = _Audit(options, execute, heartbeat, effective)
    scheduler.add_job(
        audit,
        effective,
        id=JOB_ID,
        max_instances=1,
        coalesce=True,
        misfire_grace_time=MISFIRE_GRACE_SECONDS,
    )
    restore = _install_signal_handlers(stop)
    try:
        scheduler.start()
        next_run = audit.next_run()
        log.info(
            "schedule started: auditing %s on cron %r (%s), next run %s",
            options.baseline,
            cron,
            timezone,
            next_run,
            extra={
                "fields": {
                    "event": "started",
                    "baseline": str(options.baseline),
                    "cron": cron,
                    "timezone": timezone,
                    "next_run_at": next_run,
                }
            },
        )
        stop.wait()
    finally:
        if scheduler.running:
            scheduler.shutdown(wait=True)  # lets the running audit finish and save its state
        restore()
    log.info("schedule stopped", extra={"fields": {"event": "stopped", "runs": audit.runs}})


class _Audit:
    """The job: one audit, a log line, a heartbeat. Never raises into APScheduler."""

    def __init__(
        self,
        options: RunOptions,
        execute: Callable[[RunOptions], Any],
        heartbeat: Path | None,
        trigger: BaseTrigger,
    ) -> None:
        self.options = options
        self.execute = execute
        self.heartbeat = heartbeat
        self.trigger = trigger
        self.runs = 0

    def next_run(self) -> str | None:
        # Asked of the trigger, not the scheduler: scheduler.get_job() inside a job deadlocks
        # with shutdown(wait=True), which holds the job store lock while the job finishes.
        when = self.trigger.get_next_fire_time(None, datetime.now(UTC))
        return when.isoformat() if when else None

    def __call__(self) -> None:
        started = time.monotonic()
        beat: dict[str, Any] = {"last_run_at": datetime.now(UTC).isoformat(timespec="seconds")}
        report: Report | None = None
        try:
            outcome = self.execute(self.options)
        except AuditorError as exc:
            beat.update(outcome="error", exit_code=exc.exit_code, error=str(exc))
            log.error(
                "audit failed (exit %d): %s",
                exc.exit_code,
                exc,
                extra={"fields": {"event": "run", "exit_code": exc.exit_code}},
            )
        except Exception as exc:  # keep the scheduler alive; the next tick may succeed
            beat.update(outcome="error", exit_code=EXIT_INTERNAL, error=type(exc).__name__)
            log.exception(
                "audit crashed (exit %d): %s",
                EXIT_INTERNAL,
                type(exc).__name__,
                extra={"fields": {"event": "run", "exit_code": EXIT_INTERNAL}},
            )
        else:
            report = outcome.report
            beat.update(outcome=report.status, errors=len(report.errors), **outcome.counts())
        self.runs += 1
        beat["duration_seconds"] = round(time.monotonic() - started, 3)
        beat["next_run_at"] = self.next_run()
        if report is not None:
            _log_run(report, beat)
        if self.heartbeat is not None:
            try:
                write_heartbeat(self.heartbeat, beat)
            except AuditorError as exc:  # a full disk must not stop the schedule
                log.error("cannot write heartbeat: %s", exc)


def _log_run(report: Report, beat: dict[str, Any]) -> None:
    """One line per run: its exit code, its findings, how long it took, the next run."""
    summary = report.summary
    severities = ", ".join(f"{v} {k}" for k, v in report.open_by_severity().items() if v) or "none"
    accepted = f", {summary.accepted} accepted" if summary.accepted else ""
    changes = "" if beat["new"] is None else f", {beat['new']} new, {beat['resolved']} resolved"
    log.info(
        "run %s: exit %d, %d findings (%s)%s%s, %.1fs; next run %s",
        report.status,
        beat["exit_code"],
        summary.open,
        severities,
        accepted,
        changes,
        beat["duration_seconds"],
        beat["next_run_at"],
        extra={"fields": {"event": "run", **beat, "accepted": summary.accepted}},
    )


def write_heartbeat(path: Path, data: dict[str, Any]) -> None:
    """Atomic: a health check never reads half a file."""
    write_text_atomic(path, json.dumps(data, indent=2, sort_keys=True) + "\n")


def _install_signal_handlers(stop: threading.Event) -> Callable[[], None]:
    """SIGTERM/SIGINT set `stop`; only possible from the main thread (else a no-op)."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def handle(signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        log.info(
            "received %s: stopping after the run in progress",
            name,
            extra={"fields": {"event": "signal", "signal": name}},
        )
        stop.set()

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGTERM, signal.SIGINT)}

    def restore() -> None:
        for sig, old in previous.items():
            signal.signal(sig, old)

    return restore
