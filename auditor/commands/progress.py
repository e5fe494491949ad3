"""The collector's progress for a person: one live line on a terminal's stderr, or debug
log lines elsewhere (see console.read_progress, which picks one)."""

from __future__ import annotations

import logging
import time
from collections import Counter

from rich.console import Console
from rich.status import Status
from rich.text import Text


class _Tally:
    """Pages and items read per service, in the order services were first met."""

    def __init__(self) -> None:
        self.pages: Counter[str] = Counter()
        self.items: Counter[str] = Counter()

    def add(self, service: str, items: int) -> None:
        self.pages[service] += 1
        self.items[service] += items

    def summary(self) -> str:
        return ", ".join(
            f"{service} {pages} {'page' if pages == 1 else 'pages'}/{self.items[service]} items"
            for service, pages in self.pages.items()
        )


class LiveReads:
    """A spinner line on stderr: the call in progress, what each service gave so far, and
    the retries of a read that fails ("cognito-idp: retrying (3/10)"). Transient: the line
    is gone once collection ends, leaving the report and its error lines."""

    def __init__(self, *, color: bool) -> None:
        self._console = Console(stderr=True, no_color=not color, highlight=False)
        self._status: Status | None = None
        self._tally = _Tally()
        self._doing = ""
        self._started = time.monotonic()

    def calling(self, service: str, operation: str) -> None:
        self._doing = f"{service} {operation}"
        self._show()

    def answered(self, service: str, operation: str, items: int) -> None:
        self._tally.add(service, items)
        self._show()

    def retrying(self, service: str, operation: str, attempt: int, max_attempts: int) -> None:
        self._doing = f"{service}: retrying ({attempt}/{max_attempts}) {operation}"
        self._show()

    def finished(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None
        self._tally = _Tally()

    def _show(self) -> None:
        if self._status is None:
            self._started = time.monotonic()
        seconds = time.monotonic() - self._started
        line = Text(f"reading AWS ({seconds:.0f}s): {self._doing}")
        done = self._tally.summary()
        if done:
            line.append(f"  [{done}]", style="dim")
        line.truncate(max(10, self._console.width - 2), overflow="ellipsis")
        if self._status is None:
            self._status = self._console.status(line, spinner="dots")
            self._status.start()
        else:
            self._status.update(line)


class LoggedReads:
    """--log-level debug without a terminal: one debug line per page and per retry."""

    def __init__(self, log: logging.Logger) -> None:
        self._log = log
        self._tally = _Tally()

    def calling(self, service: str, operation: str) -> None:
        pass  # the answer (or the retry) says it

    def answered(self, service: str, operation: str, items: int) -> None:
        self._tally.add(service, items)
        fields = {"service": service, "operation": operation, "items": items}
        self._log.debug("%s %s: %d items", service, operation, items, extra={"fields": fields})

    def retrying(self, service: str, operation: str, attempt: int, max_attempts: int) -> None:
        fields = {"service": service, "operation": operation, "attempt": attempt}
        self._log.debug(
            "%s: retrying (%d/%d) %s",
            service,
            attempt,
            max_attempts,
            operation,
            extra={"fields": {**fields, "max_attempts": max_attempts}},
        )

    def finished(self) -> None:
        if self._tally.pages:
            self._log.debug("read %s", self._tally.summary())
        self._tally = _Tally()
