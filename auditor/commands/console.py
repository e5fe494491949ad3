"""What the auditor tells the person (or the log collector) on stderr, apart from the report.

One place decides how stderr looks: `configure` (the root options --quiet, --log-level,
--log-format) sets up the "auditor" logger; `notice` is a line for a person; `error_line` is
how the guard's one error line is written; `read_progress` is the live line while collecting
(rich, only on a terminal). How stdout is drawn (width, colour) is report/terminal.py's.

Nothing here imports rich unless stderr is a terminal: `validate` and offline runs start fast.
"""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal, TextIO

from auditor.model.redact import scrub
from auditor.report.terminal import use_color

if TYPE_CHECKING:
    from auditor.collect.session import ReadProgress

LogLevel = Literal["debug", "info", "warning", "error"]
LogFormat = Literal["text", "json"]
LOGGER = "auditor"
# Loggers under "auditor" that a library writes to, never shown on stderr (see _StderrHandler).
FOREIGN_LOGGERS = ("auditor.unattended.slack_sdk",)


@dataclass
class _Settings:
    quiet: bool = False
    level: int = logging.INFO
    json: bool = False
    debug: bool = False  # --debug: tracebacks in log lines too


_settings = _Settings()


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is when a line is logged (a test runner swaps it)."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass  # StreamHandler.__init__ sets it; sys.stderr is read at each line instead

    def filter(self, record: logging.LogRecord) -> bool:
        # A library logging through a logger named under ours (slack-sdk, pinned there for its
        # level) quotes requests, webhook URLs included: the auditor says its failures itself.
        if record.name.startswith(FOREIGN_LOGGERS):
            return False
        return bool(super().filter(record))

    def handleError(self, record: logging.LogRecord) -> None:
        pass  # stderr closed: the exit code still tells


class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, Any] = dict(getattr(record, "fields", None) or {})
        trace = None
        if record.exc_info and (_settings.debug or _settings.level <= logging.DEBUG):
            trace = self.formatException(record.exc_info)
        return scrub(_line(record.levelno, record.getMessage(), fields, trace))


def _line(level: int, message: str, fields: dict[str, Any], trace: str | None = None) -> str:
    name = logging.getLevelName(level).lower()
    if _settings.json:
        entry: dict[str, Any] = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "level": name,
            "message": message,
            "fields": fields,
        }
        if trace:
            entry["traceback"] = trace
        return json.dumps(entry, default=str)
    # A person reads the info lines; anything else says what it is, like the error lines.
    text = message if level == logging.INFO else f"auditor: {name}: {message}"
    return f"{text}\n{trace}" if trace else text


def configure(
    *, quiet: bool = False, level: str = "info", fmt: str = "text", debug: bool = False
) -> None:
    """The root options: how much goes to stderr and in which shape. Called by every command
    line run (again under a test runner: the previous settings are replaced, not added to)."""
    _settings.quiet = quiet
    _settings.level = logging.ERROR if quiet else logging.getLevelNamesMapping()[level.upper()]
    _settings.json = fmt == "json"
    _settings.debug = debug
    logger = logging.getLogger(LOGGER)
    for handler in [h for h in logger.handlers if isinstance(h, _StderrHandler)]:
        logger.removeHandler(handler)
    handler = _StderrHandler()
    handler.setFormatter(_Formatter())
    logger.addHandler(handler)
    logger.setLevel(_settings.level)


def notice(line: str, **fields: Any) -> None:
    """One line on stderr for a person (a JSON object under --log-format json), unless
    --quiet or --log-level above info."""
    if _settings.quiet or _settings.level > logging.INFO:
        return
    _write(scrub(_line(logging.INFO, line, fields)))


def warning(message: str, **fields: Any) -> None:
    """`auditor: warning: <message>` on stderr (a JSON object under --log-format json), unless
    --quiet or --log-level above warning."""
    if _settings.level > logging.WARNING:
        return
    _write(scrub(_line(logging.WARNING, message, fields)))


def failure(text: str, **fields: Any) -> None:
    """A failed read or delivery: `text` as written, or a JSON object at level error under
    --log-format json; shown under --quiet too (it is an error)."""
    message = text.removeprefix("auditor: ")
    _write(scrub(_line(logging.ERROR, message, fields) if _settings.json else text))


def error_line(text: str) -> str:
    """The guard's one error line as written: itself, or a JSON object under --log-format json."""
    if not _settings.json:
        return text
    message = text.removeprefix("auditor: ").removeprefix("error: ")
    return _line(logging.ERROR, message, {})


def _write(line: str) -> None:
    try:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


# --- progress while collecting ----------------------------------------------------------------


def read_progress() -> ReadProgress | None:
    """What the collector tells of its reads: a live line on a terminal; debug log lines
    under --log-level debug elsewhere; else nothing (a pipe, a cron job, --quiet)."""
    if _settings.quiet:
        return None
    if not _settings.json and _stderr_is_terminal():
        from auditor.commands.progress import LiveReads

        return LiveReads(color=use_color(True))
    if _settings.level <= logging.DEBUG:
        from auditor.commands.progress import LoggedReads

        return LoggedReads(logging.getLogger(f"{LOGGER}.collect"))
    return None


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False
