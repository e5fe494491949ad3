"""Options checked at the door: a bad value is one line naming the option, exit 2, before any
AWS read, audit or file write. Every case runs the real CLI in a subprocess with a timeout."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.support.cli import CliResult, subprocess_cli, take_snapshot
from tests.support.world import World

CRON = "*/15 * * * *"


def one_line(result: CliResult) -> str:
    """The single stderr line of a usage error (exit 2)."""
    assert result.exit_code == 2, result
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("auditor: error: "), lines[0]
    return lines[0]


@pytest.fixture
def places(tmp_path: Path) -> Path:
    """A folder holding a file `afile` and a directory `adir`; the cwd of every run."""
    folder = tmp_path / "places"
    folder.mkdir()
    (folder / "afile").write_text("keep me", encoding="utf-8")
    (folder / "adir").mkdir()
    return folder


# Raw path -> what the one line says about it (relative to `places`).
BAD_FILES = {
    "adir": "is a directory",
    "adir/": "names a directory",
    "newdir/": "names a directory",
    "": "empty path",
    "afile/x.json": "'afile' is a file, not a directory",
    "afile/deeper/x.json": "'afile' is a file, not a directory",
}


def commands_writing(path: str, world: World) -> dict[str, list[str]]:
    """Each command and option that writes a file, given `path`."""
    baseline = str(world.baseline_path)
    init = ["baseline", "init", "--user-pool", world.user_pool_id, "--identity-pool", world.pool_id]
    return {
        "--state": ["run", "--baseline", baseline, "--state", path],
        "snapshot --output": ["snapshot", "--baseline", baseline, "--output", path],
        "init --output": [*init, "-o", path],
        "--heartbeat": ["schedule", "--baseline", baseline, "--cron", CRON, "--heartbeat", path],
        "schedule --output": ["schedule", "--baseline", baseline, "--cron", CRON, "-o", path],
    }


@pytest.mark.parametrize(("raw", "says"), BAD_FILES.items(), ids=list(BAD_FILES))
def test_a_bad_output_file_is_refused_before_any_aws_call(
    raw: str, says: str, places: Path, world: World
) -> None:
    line = one_line(subprocess_cli(run_args(world, "-o", raw), endpoint=world.url, cwd=places))
    assert "--output" in line and says in line and raw in line, line
    assert world.emulator.operations() == {}
    assert sorted(p.name for p in places.iterdir()) == ["adir", "afile"]  # nothing written
    assert list((places / "adir").iterdir()) == []


@pytest.mark.parametrize(
    "command",
    ["--state", "snapshot --output", "init --output", "--heartbeat", "schedule --output"],
)
def test_every_file_to_write_is_checked_before_any_aws_call(
    command: str, places: Path, world: World
) -> None:
    option = command.split()[-1]
    for raw in ("adir/", "afile/x.json"):
        args = commands_writing(raw, world)[command]
        line = one_line(subprocess_cli(args, endpoint=world.url, cwd=places))
        assert f"{option} {raw!r}: {BAD_FILES[raw]}" in line, line
    assert world.emulator.operations() == {}
    assert sorted(p.name for p in places.iterdir()) == ["adir", "afile"]


def test_demo_refuses_a_bad_output_or_keep_folder_before_starting(places: Path) -> None:
    for args, option, says in (
        (["demo", "-o", "adir"], "--output", "is a directory"),
        (["demo", "-o", ""], "--output", "empty path"),
        (["demo", "--keep", "afile"], "--keep", "'afile' is a file, not a directory"),
        (["demo", "--keep", "afile/sub"], "--keep", "'afile' is a file, not a directory"),
        (["demo", "--keep", ""], "--keep", "empty path"),
    ):
        line = one_line(subprocess_cli(args, cwd=places))
        assert option in line and says in line, line
    assert sorted(p.name for p in places.iterdir()) == ["adir", "afile"]


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc")
def test_a_directory_nobody_can_write_in_is_refused_even_for_root(world: World) -> None:
    """/proc refuses new entries whatever the process's rights: the probe is what tells."""
    for raw, says in (
        ("/proc/report.json", "cannot write in '/proc'"),
        ("/proc/new/report.json", "cannot create a directory in '/proc'"),
    ):
        line = one_line(subprocess_cli(run_args(world, "-o", raw), endpoint=world.url))
        assert "--output" in line and raw in line and says in line
    assert world.emulator.operations() == {}


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes in a read-only directory")
def test_a_read_only_directory_is_refused(world: World, tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        line = one_line(subprocess_cli(run_args(world, "-o", str(locked / "r.json"))))
        assert "--output" in line and "cannot write in" in line
    finally:
        locked.chmod(0o700)


def test_a_device_is_written_through_not_replaced(world: World) -> None:
    # `-o /dev/null` keeps only the exit code; `-o /dev/stdout` writes the report to whatever
    # stdout is (a pipe here): neither device is swapped for a regular file.
    done = subprocess_cli(run_args(world, "-o", "/dev/null"), endpoint=world.url)
    # The world is clean: nothing but the summary line.
    assert (done.exit_code, done.stdout, done.stderr) == (0, "", "0 findings -> /dev/null\n")
    assert Path("/dev/null").is_char_device()
    done = subprocess_cli(run_args(world, "-o", "/dev/stdout"), endpoint=world.url)
    assert done.exit_code == 0 and json.loads(done.stdout)["status"] == "complete"
    assert Path("/dev/stdout").is_symlink()


def test_the_state_location_must_be_a_file_or_an_s3_key(world: World, places: Path) -> None:
    for raw, says in (
        ("s3://bucket", "expected s3://bucket/key"),
        ("s3:///key", "expected"),
        ("s3://Bad_Bucket/state.json", "not a valid S3 bucket name"),  # as -o says it
    ):
        line = one_line(subprocess_cli(run_args(world, "--state", raw), endpoint=world.url))
        assert "--state" in line and says in line
    assert world.emulator.operations() == {}


def test_an_empty_input_path_is_named_not_taken_for_the_current_folder() -> None:
    for args, option in (
        (["run", "--baseline", ""], "--baseline"),
        (["run", "--baseline", "b.yaml", "--snapshot", ""], "--snapshot"),
        (["validate", ""], "BASELINE"),
    ):
        line = one_line(subprocess_cli(args))
        assert f"{option}: empty path" in line, line


# --- AWS options ------------------------------------------------------------------------------


def run_args(world: World, *extra: str) -> list[str]:
    return ["run", "--baseline", str(world.baseline_path), *extra]


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("--endpoint-url", "not a url", "is not an http:// or https:// URL with a host"),
        ("--endpoint-url", "ftp://127.0.0.1", "is not an http:// or https:// URL"),
        ("--endpoint-url", "http://", "URL with a host"),
        ("--endpoint-url", "http://127.0.0.1:99999", "URL with a host"),
        ("--endpoint-url", "http://local host", "URL with a host"),
        ("--region", "", "is not a region name"),
        ("--region", "us east 1", "is not a region name"),
        ("--region", "US-EAST-1", "is not a region name"),
        ("--region", "a" * 65, "is not a region name"),
        ("--profile", "", "is not a profile name"),
        ("--max-attempts", "0", "at least 1"),
        ("--max-attempts", "51", "at most 50"),
        ("--retry-mode", "sometimes", "legacy, standard, adaptive"),
    ],
)
def test_a_bad_aws_option_is_refused_before_any_file_or_aws_call(
    option: str, value: str, says: str, world: World
) -> None:
    line = one_line(subprocess_cli(run_args(world, option, value), endpoint=world.url))
    assert option in line and says in line, line
    assert world.emulator.operations() == {}


def test_valid_edge_values_are_accepted(world: World) -> None:
    out = world.folder / "r.json"
    result = subprocess_cli(
        run_args(
            world,
            "--endpoint-url",
            world.url + "/",
            "--region",
            "us-east-1",
            "--max-attempts",
            "50",
            "--format",
            "JSON",
            "-o",
            str(out),
        )
    )
    assert (result.exit_code, result.stderr) == (0, f"0 findings -> {out}\n"), result
    assert out.is_file()


@pytest.mark.parametrize("url", ["not a url", "ftp://127.0.0.1"])
def test_a_bad_aws_endpoint_url_from_the_environment_is_one_line(world: World, url: str) -> None:
    # Checked like --endpoint-url: `ftp://` was accepted and every read failed (exit 3).
    line = one_line(subprocess_cli(run_args(world), endpoint=url))
    assert "AWS_ENDPOINT_URL" in line and url in line and "http:// or https://" in line


def test_bad_options_are_refused_offline_too(world: World) -> None:
    snapshot = world.folder / "s.json"
    assert take_snapshot(world, snapshot).exit_code == 0
    offline = run_args(world, "--snapshot", str(snapshot))
    line = one_line(subprocess_cli([*offline, "--endpoint-url", "nowhere"]))
    assert "--endpoint-url" in line


# --- schedule: nothing idles forever on bad input ------------------------------------------


@pytest.mark.parametrize(
    ("extra", "option", "says"),
    [
        (["--cron", "0 0 31 2 *"], "--cron", "never fires"),
        (["--cron", "0 0 30 2 *"], "--cron", "never fires"),
        (["--cron", "0 0 31 4,6,9,11 *"], "--cron", "never fires"),
        (["--cron", "61 * * * *"], "--cron", "invalid cron expression"),
        (["--cron", ""], "--cron", "invalid cron expression"),
        (["--cron", CRON, "--timezone", ""], "--timezone", "is not a known time zone"),
        (["--cron", CRON, "--timezone", "Mars/Olympus"], "--timezone", "not a known time zone"),
        (["--cron", CRON, "--timezone", "../etc/passwd"], "--timezone", "not a known time zone"),
    ],
)
def test_schedule_refuses_what_would_never_run(
    extra: list[str], option: str, says: str, world: World
) -> None:
    args = ["schedule", "--baseline", str(world.baseline_path), *extra]
    line = one_line(subprocess_cli(args, endpoint=world.url))
    assert option in line and says in line, line
    assert world.emulator.operations() == {}


def test_a_report_or_state_never_replaces_an_input(world: World) -> None:
    snapshot = world.folder / "s.json"
    assert take_snapshot(world, snapshot).exit_code == 0
    before = world.baseline_path.read_bytes(), snapshot.read_bytes()
    state = world.folder / "state.json"
    state.write_text("{}", encoding="utf-8")
    offline = run_args(world, "--snapshot", str(snapshot))
    for extra, says in (
        (["-o", str(world.baseline_path)], "is the --baseline file too"),
        (["-o", str(snapshot)], "is the --snapshot file too"),
        (["--state", str(world.baseline_path)], "is the --baseline file too"),
        (["--state", str(state), "-o", str(state)], "is the --state file too"),
    ):
        line = one_line(subprocess_cli([*offline, *extra]))
        assert says in line, line
    # `snapshot` writes too: never over the baseline it reads (before any AWS call).
    baseline = str(world.baseline_path)
    line = one_line(subprocess_cli(["snapshot", "--baseline", baseline, "-o", baseline]))
    assert "--output" in line and "is the --baseline file too" in line, line
    assert (world.baseline_path.read_bytes(), snapshot.read_bytes()) == before
    assert state.read_text(encoding="utf-8") == "{}"
