"""The collector's progress for a person: one live line on a terminal's stderr, or debug
log lines elsewhere (see console.read_progress, which picks one)."""

from __future__ import annotations

import logging
import time
from collections import Counter

from rich.console import Console
from rich.live import Live
from rich.spinner import Spinner
from rich.text import Text


class _Tally:
    """Pages and items read per service, in the order services were first met."""

    def __init__(self) -> None:
        self.pages: Counter[str] = Counter()
        self.items: Counter[str] = Counter()

    def add(self, service: str, items: int) -> None:
        self.pages[service] += 1
        self.items[service] += items

    def total(self) -> int:
        return sum(self.pages.values())

    def of(self, service: str) -> str:
        pages = self.pages[service]
        return f"{service} {pages} {_pages(pages)}/{self.items[service]} items"

    def summary(self) -> str:
        return ", ".join(self.of(service) for service in self.pages)


def _pages(count: int) -> str:
    return "page" if count == 1 else "pages"


class LiveReads:
    """A spinner line on stderr: how many pages were read, the call in progress, what its
    service gave so far, and the retries of a read that fails ("cognito-idp: retrying
    (3/10)"), with the seconds spent. Transient: the line is gone once collection ends,
    leaving the report and its error lines."""

    REFRESH_PER_SECOND = 8

    def __init__(self, *, color: bool) -> None:
        self._console = Console(stderr=True, no_color=not color, highlight=False)
        self._live: Live | None = None
        self._spinner = Spinner("dots")
        self._tally = _Tally()
        self._doing = ""
        self._service = ""
        self._started = time.monotonic()

    def calling(self, service: str, operation: str) -> None:
        self._service, self._doing = service, f"{service} {operation}"
        self._show()

    def answered(self, service: str, operation: str, items: int) -> None:
        self._tally.add(service, items)
        self._show()

    def retrying(self, service: str, operation: str, attempt: int, max_attempts: int) -> None:
        self._service = service
        self._doing = f"{service}: retrying ({attempt}/{max_attempts}) {operation}"
        self._show(now=True)  # rare and telling: drawn at once, not at the next refresh

    def finished(self) -> None:
        if self._live is not None:
            self._live.stop()  # draws the last state, then erases the line
            self._live = None
        self._tally = _Tally()

    def _show(self, *, now: bool = False) -> None:
        if self._live is None:
            self._started = time.monotonic()
            self._live = Live(
                console=self._console,
                get_renderable=self._line,
                transient=True,
                refresh_per_second=self.REFRESH_PER_SECOND,
                # stdout is the report's, never the terminal's stderr; lines logged to stderr
                # meanwhile are printed above the live line.
                redirect_stdout=False,
            )
            self._live.start()
        elif now:
            self._live.refresh()

    def _line(self) -> Spinner:
        """Made at each refresh (a dozen times a second at most, whatever the pace of the
        reads), so that the seconds go on while one read waits."""
        seconds = time.monotonic() - self._started
        # What matters first, for a narrow terminal cuts the end: how much, then what now.
        total = self._tally.total()
        line = Text(f"reading AWS: {total} {_pages(total)} ({seconds:.0f}s) · {self._doing}")
        if self._service in self._tally.pages:
            line.append(f" · {self._tally.of(self._service)}", style="dim")
        line.truncate(max(10, self._console.width - 2), overflow="ellipsis")
        self._spinner.update(text=line)
        return self._spinner


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
