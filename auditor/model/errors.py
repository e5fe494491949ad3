"""Errors the command line turns into exit codes and one-line messages."""

from __future__ import annotations


class AuditorError(Exception):
    """Base class: anything the CLI reports as one line instead of a traceback."""

    exit_code = 2


class InputError(AuditorError):
    """Bad user input: a file, a field in it, or an option. Exit code 2."""

    def __init__(self, source: str, field: str | None, problem: str) -> None:
        self.source = source
        self.field = field
        self.problem = problem
        where = f"{source}: {field}" if field else source
        super().__init__(f"{where}: {problem}")


class TargetNotFoundError(AuditorError):
    """A pool, identity pool or API named by the user does not exist. Exit code 2."""


def failure_line(service: str, operation: str, message: str) -> str:
    """The one wording of a failed read or delivery, on stderr and in every format."""
    return f"{service} {operation} failed: {message}"
