"""The guard around the command line: whatever happens, an exit code and at most one line.

Every case runs the real CLI in a subprocess with a timeout, so a traceback, a rich box on
stderr, a wrong exit code or a hang fails the test.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.support.cli import CliResult, subprocess_cli

TIMEOUT = 60
INTERNAL = re.compile(
    r"auditor: internal error: (?P<type>\w+)(: (?P<first>.*?))?"
    r"(?P<hint>; run with --debug for the traceback)?"
)


def one_line(result: CliResult, code: int) -> str:
    """The single stderr line of a run that exited with `code`."""
    assert result.exit_code == code, result
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


# --- usage errors from the option parser: one line, exit 2 ------------------------------------


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["run", "--baseline", "b.yaml", "--bogus"], "--bogus"),
        (["run"], "--baseline"),
        (["run", "--baseline", "b.yaml", "--max-attempts", "lots"], "--max-attempts"),
        (["run", "--baseline"], "--baseline"),
        (["frobnicate"], "frobnicate"),
        (["baseline", "init", "--user-pool", "p"], "--identity-pool"),
        (["validate"], "baseline"),
        (["validate", "a.yaml", "b.yaml"], "b.yaml"),
    ],
)
def test_a_usage_error_is_one_line_naming_the_option(args: list[str], names: str) -> None:
    line = one_line(subprocess_cli(args), 2)
    assert line.startswith("auditor: error: ") and names in line


@pytest.mark.parametrize(
    ("args", "names", "says"),
    [
        (["run", "-b", "b.yaml", "--format", "yaml"], "--format", "table, json, markdown, html"),
        (["run", "-b", "b.yaml", "--fail-on", "severe"], "--fail-on", "critical, high"),
        (["rules", "--format", "xml"], "--format", "table, json"),
        (["run", "-b", "b.yaml", "--retry-mode", "often"], "--retry-mode", "legacy, standard"),
    ],
)
def test_a_bad_choice_is_one_line_listing_the_choices(
    args: list[str], names: str, says: str
) -> None:
    line = one_line(subprocess_cli(args), 2)
    assert names in line and says in line


def test_help_and_version_exit_0_and_help_documents_debug() -> None:
    root = subprocess_cli(["--help"])
    assert (root.exit_code, root.stderr) == (0, "")
    assert "Usage: auditor" in root.stdout and "--debug" in root.stdout
    run = subprocess_cli(["run", "--help"])
    assert run.exit_code == 0 and "--baseline" in run.stdout
    version = subprocess_cli(["--version"])
    assert version.exit_code == 0 and re.fullmatch(r"auditor \S+\n", version.stdout)


def test_no_arguments_prints_the_help_and_exits_2() -> None:
    bare = subprocess_cli([])
    assert bare.exit_code == 2 and "Usage: auditor" in bare.stdout
    assert "Traceback" not in bare.stderr


# --- internal errors: one line and exit 4; the traceback only with --debug --------------------


def run_with_failing_pipeline(raised: str, *args: str) -> CliResult:
    """`auditor run ...` in a process where the pipeline raises `raised` (an expression)."""
    script = textwrap.dedent(
        f"""
        import sys
        import auditor.commands.run

        def execute(*args, **kwargs):
            raise {raised}

        auditor.commands.run.execute = execute
        from auditor.cli import main

        sys.argv[0] = "auditor"
        main()
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    return CliResult(done.returncode, done.stdout, done.stderr)


@pytest.mark.parametrize(
    ("raised", "type_name", "first"),
    [
        ('RuntimeError("bad state\\nsecond line")', "RuntimeError", "bad state"),
        ("MemoryError()", "MemoryError", None),
        ('RecursionError("maximum recursion depth exceeded")', "RecursionError", "maximum"),
        ('PermissionError(13, "Permission denied")', "PermissionError", "[Errno 13]"),
        ('KeyError("x" * 5000)', "KeyError", "'xxx"),
    ],
)
def test_an_internal_error_is_one_line_and_exit_4(
    raised: str, type_name: str, first: str | None, tmp_path: Path
) -> None:
    baseline = tmp_path / "b.yaml"
    baseline.write_text("version: 1\n", encoding="utf-8")
    line = one_line(run_with_failing_pipeline(raised, "run", "-b", str(baseline)), 4)
    match = INTERNAL.fullmatch(line)
    assert match is not None, line
    assert match["type"] == type_name and match["hint"]
    if first is None:
        assert match["first"] is None
    else:
        assert match["first"].startswith(first) and "second line" not in line
    assert len(line) < 400  # the first line of the message, truncated


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_before_or_after_the_command_prints_the_traceback(where: str, tmp_path: Path) -> None:
    baseline = tmp_path / "b.yaml"
    baseline.write_text("version: 1\n", encoding="utf-8")
    args = ["run", "-b", str(baseline)]
    args = ["--debug", *args] if where == "before" else [*args, "--debug"]
    result = run_with_failing_pipeline('RuntimeError("bad state")', *args)
    assert result.exit_code == 4
    assert result.stderr.startswith("Traceback (most recent call last):")
    assert 'File "<string>", line 6, in execute' in result.stderr  # where it was raised
    last = result.stderr.splitlines()[-1]
    assert last == "auditor: internal error: RuntimeError: bad state"


def test_an_input_error_stays_one_line_without_debug(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    line = one_line(subprocess_cli(["run", "--baseline", str(missing)]), 2)
    assert str(missing) in line


# --- signals and pipes ----------------------------------------------------------------------


def test_ctrl_c_is_one_line_and_exit_130(tmp_path: Path) -> None:
    baseline = tmp_path / "b.yaml"
    baseline.write_text("version: 1\n", encoding="utf-8")
    script = textwrap.dedent(
        """
        import sys, time
        import auditor.commands.run

        def execute(*args, **kwargs):
            print("working", flush=True)
            time.sleep(60)

        auditor.commands.run.execute = execute
        from auditor.cli import main

        main()
        """
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script, "run", "-b", str(baseline)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline() == "working\n"
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=TIMEOUT)
    finally:
        process.kill()
    assert process.returncode == 130
    assert stderr == "auditor: interrupted\n"


def test_a_closed_stdout_is_quiet() -> None:
    """`auditor rules | head -1`, with the reader gone before the first write."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "auditor", "rules", "--format", "json"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr) == (141, "")


def test_a_reader_that_stops_early_gets_what_it_read_and_no_error() -> None:
    """`auditor rules --format json | head -1`: the first line arrives, nothing on stderr."""
    auditor = subprocess.Popen(
        [sys.executable, "-m", "auditor", "rules", "--format", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert auditor.stdout is not None and auditor.stderr is not None
    first = auditor.stdout.readline()
    auditor.stdout.close()
    stderr = auditor.stderr.read()
    auditor.wait(timeout=TIMEOUT)
    assert first == b"[\n"
    assert stderr == b"" and auditor.returncode in (0, 141)


def test_a_stdout_closed_from_the_start_discards_the_report_and_keeps_the_exit_code(
    tmp_path: Path,
) -> None:
    """`auditor rules >&-` and `auditor run ... 2>&-`: Python starts with sys.stdout None."""
    env = {**os.environ, "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}
    rules = subprocess.run(
        [sys.executable, "-m", "auditor", "rules"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=TIMEOUT,
        check=False,
        env=env,
        preexec_fn=lambda: os.close(1),
    )
    assert (rules.returncode, rules.stderr) == (0, "")
    missing = tmp_path / "missing.yaml"
    bad_input = subprocess.run(
        [sys.executable, "-m", "auditor", "run", "--baseline", str(missing)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        timeout=TIMEOUT,
        check=False,
        env=env,
        preexec_fn=lambda: os.close(2),
    )
    assert bad_input.returncode == 2  # the exit code still tells, with nowhere to say why
