"""The Dockerfile builds from what the repository holds and runs the console script as a user
other than root. Without a docker daemon (CI's default) its instructions are checked as text;
with one, `AUDITOR_DOCKER_BUILD=1` also builds the image and runs it."""

from __future__ import annotations

import fnmatch
import json
import os
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) per instruction, continuation lines joined, comments dropped."""
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = "\n".join(lines).replace("\\\n", " ")
    found = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, rest = line.strip().partition(" ")
            found.append((keyword.upper(), " ".join(rest.split())))
    return found


def final_stage(steps: list[tuple[str, str]]) -> list[tuple[str, str]]:
    starts = [index for index, (keyword, _) in enumerate(steps) if keyword == "FROM"]
    return steps[starts[-1] :]


def copied_sources(steps: list[tuple[str, str]]) -> list[str]:
    """The build-context paths COPY reads (not those copied from another stage)."""
    sources = []
    for keyword, rest in steps:
        if keyword == "COPY" and "--from=" not in rest:
            *paths, _destination = rest.split()
            sources += paths
    return sources


def ignored(path: str, patterns: list[str]) -> bool:
    """.dockerignore's answer for `path`: the last matching pattern wins, `!` re-includes."""
    result = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        bare = pattern.lstrip("!").rstrip("/")
        if fnmatch.fnmatch(path, bare) or path.startswith(bare + "/"):
            result = not negated
    return result


def _steps() -> list[tuple[str, str]]:
    return instructions(DOCKERFILE.read_text(encoding="utf-8"))


def test_every_copied_source_exists_and_reaches_the_build_context() -> None:
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    sources = copied_sources(_steps())
    assert sources
    for source in sources:
        assert (ROOT / source).exists(), source
        assert not ignored(source.rstrip("/"), patterns), f".dockerignore drops {source}"
    assert ignored(".venv", patterns) and ignored("tests", patterns) and ignored(".git", patterns)


def test_the_copied_files_are_all_the_package_build_needs() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    wheel = project["tool"]["hatch"]["build"]["targets"]["wheel"]
    needed = {"pyproject.toml", project["project"]["readme"], *wheel["packages"]}
    needed |= set(wheel.get("force-include", {}))
    copied = {source.rstrip("/") for source in copied_sources(_steps())}
    assert needed <= copied, f"COPY also: {sorted(needed - copied)}"


def test_the_image_runs_the_console_script_as_a_user_on_python_3_11_without_test_extras() -> None:
    steps = _steps()
    stage = final_stage(steps)
    assert all(rest.startswith("python:3.11-slim") for keyword, rest in steps if keyword == "FROM")
    (entrypoint,) = [rest for keyword, rest in stage if keyword == "ENTRYPOINT"]
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "scripts"
    ]
    assert json.loads(entrypoint) == ["auditor"] and "auditor" in scripts
    users = [rest for keyword, rest in stage if keyword == "USER"]
    assert users and users[-1] not in ("root", "0")
    installs = " ".join(rest for keyword, rest in steps if keyword == "RUN")
    assert "pip" in installs and "[test]" not in installs and "[demo]" not in installs


def test_the_instruction_reader_joins_continuations_and_skips_comments() -> None:
    text = "FROM a AS b\n# COPY nothing\nCOPY x/ y \\\n  /dst/\nFROM c\nCOPY --from=b /w /w\n"
    steps = instructions(text)
    assert steps == [
        ("FROM", "a AS b"),
        ("COPY", "x/ y /dst/"),
        ("FROM", "c"),
        ("COPY", "--from=b /w /w"),
    ]
    assert copied_sources(steps) == ["x/", "y"]
    assert final_stage(steps) == steps[2:]
    assert ignored("tests", ["*", "!auditor/"]) and not ignored("auditor", ["*", "!auditor/"])


def _docker_ready() -> bool:
    if shutil.which("docker") is None:
        return False
    info = subprocess.run(["docker", "info"], capture_output=True, timeout=60, check=False)
    return info.returncode == 0


@pytest.mark.skipif(
    os.environ.get("AUDITOR_DOCKER_BUILD") != "1" or not _docker_ready(),
    reason="set AUDITOR_DOCKER_BUILD=1 with a reachable docker daemon to build the image",
)
def test_the_image_builds_and_runs() -> None:
    tag = "cognito-route-auditor:test"
    subprocess.run(["docker", "build", "-t", tag, str(ROOT)], check=True, timeout=1800)
    version = subprocess.run(
        ["docker", "run", "--rm", tag, "--version"], capture_output=True, text=True, check=True
    )
    assert version.stdout.startswith("auditor ")
    rules = subprocess.run(
        ["docker", "run", "--rm", tag, "rules", "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert {rule["id"] for rule in json.loads(rules.stdout)} >= {"excess-route"}
