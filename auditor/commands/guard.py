"""The command line's one guard: every outcome of a command becomes an exit code and at most
one line on stderr (CONTRACT §1, §6.3): input errors their own code, usage errors 2, Ctrl-C
130, a reader that went away 141 quietly, anything else (a bug) 4, with the traceback only
under --debug."""

from __future__ import annotations

import os
import select
import sys
import traceback
from typing import Any

import typer

from auditor.commands.console import error_line
from auditor.commands.exit_codes import EXIT_INPUT, EXIT_INTERNAL
from auditor.model.errors import AuditorError
from auditor.model.redact import scrub

PROG = "auditor"
DEBUG_FLAG = "--debug"
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what a shell reports for Ctrl-C
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: the reader of stdout went away (`auditor rules | head`)
_FIRST_LINE_CHARS = 200
# An error line quotes what the user gave (a route, a path); a megabyte of it helps nobody.
_LINE_CHARS = 2_000


def _open_closed_streams() -> None:
    """`auditor run >&-` starts with sys.stdout None: what would go there is discarded, as the
    shell asked, rather than failing on the first write."""
    if sys.stdout is None:
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115


# The root options a person may put after the command too (`auditor run ... --quiet`):
# moved before it, where click reads them. The value-taking ones take the next argument.
_ROOT_FLAGS = frozenset({DEBUG_FLAG, "--quiet", "-q"})
_ROOT_VALUED = frozenset({"--log-level", "--log-format"})


def _lift_root_options(args: list[str]) -> bool:
    """Move the root options standing before a `--` to the front; True when --debug was
    among them."""
    end = args.index("--") if "--" in args else len(args)
    lifted: list[str] = []
    rest: list[str] = []
    at = 0
    while at < end:
        arg = args[at]
        name = arg.split("=", 1)[0]
        if arg in _ROOT_FLAGS or (name in _ROOT_VALUED and "=" in arg):
            lifted.append(arg)
        elif arg in _ROOT_VALUED:
            lifted.extend(args[at : at + 2])  # a missing value stays click's usage error
            at += 1
        else:
            rest.append(arg)
        at += 1
    args[:end] = lifted + rest
    return DEBUG_FLAG in lifted


def run_guarded(app: typer.Typer, args: list[str]) -> int:
    """Run `app` on `args` (as the console script would), turning every way out into an
    exit code and at most one line on stderr (the traceback too with --debug)."""
    debug = _lift_root_options(args)
    _open_closed_streams()
    try:
        code = _invoke(typer.main.get_command(app), args)
        sys.stdout.flush()  # a reader that went away shows here, not at interpreter exit
        return code
    except AuditorError as error:  # bad input outside a command (the app handles the rest)
        say(f"auditor: error: {error}")
        return error.exit_code
    except typer.TyperException as error:  # click's usage errors (unknown option, bad int...)
        return _usage_error(error)
    except (KeyboardInterrupt, typer.Abort):
        say("auditor: interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError as error:
        if _stdout_gone():
            _silence_stdout()
            return EXIT_BROKEN_PIPE
        return _internal_error(error, debug=debug)
    except Exception as error:  # a bug, MemoryError, RecursionError, an OSError from anywhere
        return _internal_error(error, debug=debug)


def _invoke(command: Any, args: list[str]) -> int:  # typer's own click Command
    """click's own main loop without its standalone mode, so that every exception reaches
    the guard instead of a multi-line box or a bare sys.exit."""
    try:
        with command.make_context(PROG, args) as ctx:
            command.invoke(ctx)
    except typer.Exit as done:  # a command's exit code, --help, --version
        return done.exit_code
    return 0


def _usage_error(error: typer.TyperException) -> int:
    message = error.format_message()
    ctx = getattr(error, "ctx", None)
    if ctx is not None and message == ctx.get_help():  # no arguments: the help, on stdout
        typer.echo(message)
        return EXIT_INPUT
    hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
    say(f"auditor: error: {message}{hint}")
    return EXIT_INPUT


def _internal_error(error: BaseException, *, debug: bool) -> int:
    if debug:  # the traceback quotes messages too: scrubbed like the line
        _say_block(scrub(traceback.format_exc()))
    first = next(iter(str(error).splitlines()), "").strip()
    if len(first) > _FIRST_LINE_CHARS:
        first = first[: _FIRST_LINE_CHARS - 3] + "..."
    what = f"{type(error).__name__}: {first}" if first else type(error).__name__
    hint = "" if debug else "; run with --debug for the traceback"
    say(f"auditor: internal error: {what}{hint}")
    return EXIT_INTERNAL


def say(line: str) -> None:
    """One line on stderr, whatever newlines the message carried, cut at _LINE_CHARS, with
    any credential an error quoted scrubbed."""
    text = " ".join(scrub(line).split())
    if len(text) > _LINE_CHARS:
        text = text[: _LINE_CHARS - 3] + "..."
    try:
        sys.stderr.write(error_line(text) + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):  # stderr closed too: the exit code still tells
        pass


def _say_block(text: str) -> None:
    try:
        sys.stderr.write(text)
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def _stdout_gone() -> bool:
    """Whether stdout's reader has gone away, rather than some other pipe or socket broke."""
    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & select.POLLERR for _, events in poller.poll(0))
    except (AttributeError, OSError, ValueError):  # no poll (Windows), or stdout replaced
        return True


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's last flush cannot complain."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
