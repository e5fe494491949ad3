"""`auditor emulator`: the demo's app served in the foreground until a stop signal."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
import yaml

from tests.support.cli import subprocess_cli
from tests.support.emulator_process import emulator_env, start_emulator

# The demo's planted mistakes that a live audit must find (tests/e2e/test_cli.py has them all).
PLANTED = {"excess-route", "trust-missing-aud", "ambiguous-precedence", "route-not-iam"}


def _refused(endpoint: str) -> bool:
    host, port = endpoint.removeprefix("http://").split(":")
    try:
        socket.create_connection((host, int(port)), timeout=2).close()
    except OSError:
        return True
    return False


def test_serves_the_demo_app_to_a_live_run_then_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    running = start_emulator(["--port", "0"])
    try:
        fields = running.fields
        assert fields["endpoint"].startswith("http://127.0.0.1:")
        baseline_path = Path(fields["baseline"])
        baseline = yaml.safe_load(baseline_path.read_text(encoding="utf-8"))
        assert fields["user pool"] == baseline["user_pool"]["id"]
        assert fields["identity pool"] == baseline["identity_pool"]["id"]
        assert baseline["apis"] == [{"id": fields["api"], "stage": fields["stage"]}]

        out = tmp_path / "report.json"
        result = subprocess_cli(
            ["run", "--baseline", str(baseline_path), "--format", "json", "-o", str(out)],
            endpoint=running.endpoint,
        )
        assert result.exit_code == 1, result.stderr
        report = json.loads(out.read_text(encoding="utf-8"))
        assert report["status"] == "complete"
        assert report["target"]["user_pool_id"] == fields["user pool"]
        assert {finding["rule_id"] for finding in report["findings"]} >= PLANTED
    finally:
        code, stderr = running.stop(signal.SIGTERM)
    assert code == 0, stderr
    assert stderr.strip().splitlines()[-1] == "auditor emulator: stopped"
    assert _refused(running.endpoint)
    assert not baseline_path.exists(), "a baseline without --keep lives in a temporary folder"


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_empty_emulator_answers_aws_and_exits_0_on_either_signal(signum: int) -> None:
    running = start_emulator(["--port", "0", "--empty"], until="region")
    try:
        assert "baseline" not in running.fields
        client = boto3.client(
            "cognito-idp",
            endpoint_url=running.endpoint,
            region_name=running.fields["region"],
            aws_access_key_id="demo",
            aws_secret_access_key="demo",
        )
        assert client.list_user_pools(MaxResults=10)["UserPools"] == []
    finally:
        code, stderr = running.stop(signum)
    assert code == 0, stderr
    assert "Traceback" not in stderr


def test_a_port_in_use_is_one_line_exit_2_not_a_hang() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess_cli(["emulator", "--port", str(port)])
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith("auditor: error: --port:") and f"127.0.0.1:{port} is in use" in line


def test_a_port_out_of_range_is_exit_2() -> None:
    result = subprocess_cli(["emulator", "--port", "70000"])
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert "--port" in line and "70000" in line


def test_keep_with_empty_is_exit_2_before_serving(tmp_path: Path) -> None:
    result = subprocess_cli(["emulator", "--port", "0", "--empty", "--keep", str(tmp_path)])
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith("auditor: error: --keep:") and "--empty" in line


@pytest.mark.parametrize(
    ("command", "argv"), [("emulator", "['emulator', '--port', '0']"), ("demo", "['demo']")]
)
def test_without_moto_it_names_the_extra_in_one_line(command: str, argv: str) -> None:
    # `demo` used to reach the emulator's server thread and exit 4 (an internal error).
    hide_moto = (
        f"import sys; sys.modules['moto'] = None\nfrom auditor.cli import main\nmain({argv})\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", hide_moto],
        capture_output=True,
        text=True,
        env=emulator_env(),
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"auditor: error: {command}: needs the demo extra")
    assert "pip install 'cognito-route-auditor[demo]'" in line


def test_demo_refuses_an_output_that_keep_writes(tmp_path: Path) -> None:
    from tests.support.cli import invoke

    kept = tmp_path / "kept"
    done = invoke(["demo", "--keep", str(kept), "-o", str(kept / "snapshot.json")])
    assert done.exit_code == 2
    assert "--output" in done.stderr and "--keep" in done.stderr
    assert not (kept / "snapshot.json").exists()  # refused before the demo ran
